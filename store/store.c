/* store.c - opening the case store (WAL, foreign keys, a busy timeout, the schema brought up to
 * date), its errors, and the transaction helpers every writer uses: a write transaction waits
 * while another process holds the store, so `database is locked` never reaches the user.
 * Depends on SQLite and the public headers only. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "internal.h"

/* How long one attempt waits in SQLite's busy handler, and how many attempts a write makes:
 * a run commits for milliseconds every second, an analyst's action takes less. */
enum { BUSY_MS = 5000, ATTEMPTS = 12 };

hn_status hns_failf(hns_store *st, hn_status rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(st->err, sizeof st->err, fmt, ap);
  va_end(ap);
  return rc;
}

hn_status hns_fail(hns_store *st, const char *doing) {
  return hns_failf(st, HN_ERR_IO, "store '%s': %s: %s", st->path, doing, sqlite3_errmsg(st->db));
}

sqlite3_stmt *hns_prepare(hns_store *st, const char *sql) {
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
    hns_fail(st, "preparing a statement");
    sqlite3_finalize(s);
    return NULL;
  }
  return s;
}

hn_status hns_exec(hns_store *st, const char *sql) {
  return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? HN_OK : hns_fail(st, "writing");
}

static void nap(int ms) {
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {}
}

/* SQL that may meet another process's lock: the busy handler waits BUSY_MS, then we try again. */
static hn_status patient(hns_store *st, const char *sql, const char *doing) {
  for (int i = 0; i < ATTEMPTS; i++) {
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) return HN_OK;
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) return hns_fail(st, doing);
    nap(10 + i * 10);
  }
  return hns_failf(st, HN_ERR_IO, "store '%s': %s: another process held the store for %d s", st->path, doing,
                   ATTEMPTS * BUSY_MS / 1000);
}

hn_status hns_begin(hns_store *st) { return patient(st, "BEGIN IMMEDIATE", "starting a transaction"); }

hn_status hns_commit(hns_store *st) {
  hn_status rc = patient(st, "COMMIT", "committing");
  if (rc != HN_OK) hns_rollback(st);
  return rc;
}

void hns_rollback(hns_store *st) {
  if (!sqlite3_get_autocommit(st->db)) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

const char *hns_text(sqlite3_stmt *s, int col) {
  const unsigned char *t = sqlite3_column_text(s, col);
  return t ? (const char *)t : "";
}

int64_t hns_time(sqlite3_stmt *s, int col) {
  return sqlite3_column_type(s, col) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(s, col);
}

const char *hns_error(const hns_store *st) { return st ? st->err : ""; }

/* A database that holds tables but no schema version is someone else's: refused, not changed. */
static hn_status foreign(hns_store *st) {
  sqlite3_stmt *s = hns_prepare(st, "SELECT (SELECT user_version FROM pragma_user_version),"
                                    " EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table')");
  if (!s) return HN_ERR_IO;
  int rc = sqlite3_step(s);
  bool theirs = rc == SQLITE_ROW && sqlite3_column_int(s, 0) == 0 && sqlite3_column_int(s, 1);
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW) return hns_fail(st, "reading it");
  if (theirs) return hns_failf(st, HN_ERR_SEMANTIC, "'%s' is an SQLite database but not a hornet store", st->path);
  return HN_OK;
}

/* The connection's settings: WAL (one writer and any readers at once), foreign keys, a busy
 * timeout. NORMAL synchronous in WAL loses no committed transaction when a process dies (kill
 * -9), only possibly the last ones on a power loss. */
static hn_status configure(hns_store *st) {
  sqlite3_busy_timeout(st->db, BUSY_MS);
  sqlite3_extended_result_codes(st->db, 1);
  hn_status rc = foreign(st);
  if (rc == HN_OK) rc = patient(st, "PRAGMA journal_mode = WAL", "switching to WAL mode");
  if (rc == HN_OK) rc = hns_exec(st, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
  return rc == HN_OK ? hns_migrate(st) : rc;
}

hn_status hns_open(const char *path, hns_store **out, char *err, size_t errlen) {
  *out = NULL;
  hns_store *st = calloc(1, sizeof *st);
  if (!st || !(st->path = strdup(path))) {
    free(st);
    snprintf(err, errlen, "out of memory");
    return HN_ERR_NOMEM;
  }
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  hn_status rc = HN_OK;
  if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) rc = hns_fail(st, "opening it");
  else rc = configure(st);
  if (rc != HN_OK) {
    snprintf(err, errlen, "%s", st->err);
    hns_close(st);
    return rc;
  }
  *out = st;
  return HN_OK;
}

void hns_close(hns_store *st) {
  if (!st) return;
  if (st->db) {
    hns_rollback(st);
    sqlite3_close_v2(st->db);
  }
  free(st->path);
  free(st);
}
