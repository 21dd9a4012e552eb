/* internal.h - what the case store's files share: the store itself, a growable text buffer with
 * JSON and time printers, statement helpers that wait out another process's lock.
 * Private to store/; depends on SQLite and the public headers only. */
#ifndef HNS_INTERNAL_H
#define HNS_INTERNAL_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hornet/hornetaux.h"
#include "hornet/store.h"

typedef struct hns_run hns_run; /* record.c: a run writing into the store */

struct hns_store {
  sqlite3 *db;
  char *path;
  char err[1024];
  hns_run *run;
};

/* ---- text (json.c) ----------------------------------------------------------------------------
 * A growable byte buffer; on allocation failure it keeps what it has and sets `bad`. */
typedef struct hns_buf {
  char *s;
  size_t n, cap;
  bool bad;
} hns_buf;

void hns_buf_put(hns_buf *b, const char *s, size_t n);
void hns_buf_puts(hns_buf *b, const char *s);
void hns_buf_printf(hns_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hns_buf_free(hns_buf *b);
/* s[0..n) as a JSON string (hnx_write_json_string: always valid JSON and valid UTF-8). */
void hns_buf_json(hns_buf *b, const char *s, size_t n);
/* A NUL-terminated string as JSON; NULL as null. */
void hns_buf_jstr(hns_buf *b, const char *s);
/* A list of strings as a JSON array. */
void hns_buf_jarray(hns_buf *b, const char *const *v, uint32_t n);
/* Fields {name: value or [values]} as one JSON object (hnx_write_fields). */
void hns_buf_fields(hns_buf *b, const hn_field *f, uint32_t n);

/* ns since the epoch as RFC 3339 UTC ("2024-05-13T17:45:00Z", the shortest exact fraction) into
 * out (HNS_TIME_CAP bytes); returns its length. */
enum { HNS_TIME_CAP = HNX_TIME_CAP };
size_t hns_time_format(int64_t ns, char *out);
/* A duration as people read it: "4h20m", "2d3h", "45s", "-10m". */
void hns_duration(int64_t ns, char *out, size_t cap);
/* Writes s to f as a JSON string (NULL: null). */
void hns_json(FILE *f, const char *s);
/* A time as a JSON string; INT64_MIN (or absent) as null. */
void hns_json_time(FILE *f, int64_t ns);

/* ---- SQLite (store.c) ------------------------------------------------------------------------- */
/* A statement prepared on the store; NULL with st->err set. */
sqlite3_stmt *hns_prepare(hns_store *st, const char *sql);
/* Runs SQL with no result rows. HN_OK, or HN_ERR_IO with st->err set. */
hn_status hns_exec(hns_store *st, const char *sql);
/* BEGIN IMMEDIATE, waiting as long as another process holds the store (busy_timeout, then
 * retries): HN_OK, or HN_ERR_IO after a minute (st->err says the store stayed locked). */
hn_status hns_begin(hns_store *st);
hn_status hns_commit(hns_store *st);
void hns_rollback(hns_store *st);
/* Sets st->err from the connection's last error, prefixed with what was being done; returns
 * HN_ERR_IO. */
hn_status hns_fail(hns_store *st, const char *doing);
/* Sets st->err from a format; returns rc. */
hn_status hns_failf(hns_store *st, hn_status rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* sqlite3_column_text as a C string ("" for NULL). */
const char *hns_text(sqlite3_stmt *s, int col);
/* The column as a time: INT64_MIN for NULL. */
int64_t hns_time(sqlite3_stmt *s, int col);

/* ---- the schema (schema.c) ------------------------------------------------------------------- */
/* Brings the store's schema to HNS_SCHEMA_VERSION in one transaction, from any older version;
 * a newer one is refused. HN_OK, HN_ERR_SEMANTIC (newer), HN_ERR_IO. */
hn_status hns_migrate(hns_store *st);

/* ---- actions (case.c) ---------------------------------------------------------------------------- */
/* hns_act inside the caller's transaction (hns_apply's savepoints). */
hn_status hns_act_in(hns_store *st, const hn_program *p, const hns_action *a, hns_result *r);

/* ---- workflow facts the store keeps (sla.c) ------------------------------------------------- */
/* Records the SLA breaches due before `now` (event time in a run, wall time in `hornet case`)
 * of open incidents (only `incident` when not NULL), each at its exact boundary; each one
 * breached is passed to fn (may be NULL). Call inside a write transaction. HN_OK, HN_ERR_IO. */
typedef void (*hns_breach_fn)(void *ud, const char *incident, const char *state, int64_t due);
hn_status hns_sla_breaches(hns_store *st, int64_t now, const char *incident, hns_breach_fn fn, void *ud);
/* The same in a transaction of its own: what a reader of the store (`hornet case list`, the
 * queue) records first, by the wall clock, for the cases that wait. */
hn_status hns_sla_catch_up(hns_store *st, int64_t now);
/* An incident entered `state` at `at`: a met SLA is recorded when it is in time, a breach (at
 * its boundary) when it is late and was not recorded yet. HN_OK, HN_ERR_IO. */
hn_status hns_sla_entered(hns_store *st, const char *incident, const char *state, int64_t at);
/* An incident's SLA clock at `now`: its next pending deadline and the state it is for, and
 * whether an SLA was breached (recorded, or pending past its due time). */
typedef struct hns_clock {
  int64_t due;               /* INT64_MAX: nothing pending (or closed) */
  char state[128];
  uint32_t breaches;         /* recorded */
  bool breached;
} hns_clock;
hn_status hns_sla_clock(hns_store *st, const char *incident, int64_t now, hns_clock *c);
#endif
