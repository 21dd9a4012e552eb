/* apply.c - `hornet case apply`: analysts' actions as JSON Lines, one object a line (from a SOAR,
 * a chat bot, a ticket system), each checked and applied as hns_act does, each atomic (a
 * savepoint), committed in batches from a file and one by one from a pipe, so the lock is
 * never held while waiting for input. The JSON is read by SQLite's own JSON functions.
 * Depends on case.c and SQLite. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "internal.h"

/* A batch from a file ends after this many actions or this much wall time, whichever first: a
 * running `hornet run --store` commits between batches. */
enum { BATCH = 500, BATCH_NS = 50000000 };

static const struct {
  const char *name;
  hns_verb verb;
  const char *keys;          /* the keys it takes besides action, incident and actor */
} verbs[] = {
  {"assign", HNS_ASSIGN, "assignee"}, {"move", HNS_MOVE, "state why"}, {"close", HNS_CLOSE, "why"},
  {"step", HNS_STEP, "step"}, {"set", HNS_SET, "field value"}, {"note", HNS_NOTE, "text"},
  {"merge", HNS_MERGE, "into why"},
};

/* The keys read from a line, in this order. */
static const char *const keys[] = {"action", "incident", "actor", "assignee", "state", "why", "step", "field", "value",
                                   "text", "into"};
enum { K_ACTION, K_INCIDENT, K_ACTOR, K_ASSIGNEE, K_STATE, K_WHY, K_STEP, K_FIELD, K_VALUE, K_TEXT, K_INTO, K_N };

typedef struct reader {
  hns_store *st;
  sqlite3_stmt *valid, *each;
  char *v[K_N];              /* the line's values as text (NULL: absent or null) */
  int type[K_N];             /* SQLITE_TEXT, SQLITE_INTEGER, ... ; 0: absent */
} reader;

static void reader_clear(reader *rd) {
  for (int k = 0; k < K_N; k++) {
    free(rd->v[k]);
    rd->v[k] = NULL;
    rd->type[k] = 0;
  }
}

static int key_index(const char *k) {
  for (int i = 0; i < K_N; i++)
    if (!strcmp(keys[i], k)) return i;
  return -1;
}

/* The line's members into rd; NULL, or what is wrong with it (in why). */
static const char *read_line(reader *rd, const char *line, size_t n, char *why, size_t cap) {
  reader_clear(rd);
  sqlite3_bind_text(rd->valid, 1, line, (int)n, SQLITE_STATIC);
  bool object = sqlite3_step(rd->valid) == SQLITE_ROW && sqlite3_column_int(rd->valid, 0);
  sqlite3_reset(rd->valid);
  if (!object) return "not a JSON object";
  sqlite3_bind_text(rd->each, 1, line, (int)n, SQLITE_STATIC);
  const char *bad = NULL;
  while (!bad && sqlite3_step(rd->each) == SQLITE_ROW) {
    const char *k = hns_text(rd->each, 0);
    int i = key_index(k), t = sqlite3_column_type(rd->each, 1);
    if (i < 0) snprintf(why, cap, "unknown key '%s'", k), bad = why;
    else if (t != SQLITE_NULL && !(rd->v[i] = strdup(hns_text(rd->each, 1)))) bad = "out of memory";
    else rd->type[i] = t;
  }
  sqlite3_reset(rd->each);
  return bad;
}

/* The action a line asks for; NULL, or what is wrong with it. */
static const char *to_action(reader *rd, hns_action *a, char *why, size_t cap) {
  const char *name = rd->v[K_ACTION];
  size_t i = 0;
  while (name && i < sizeof verbs / sizeof *verbs && strcmp(verbs[i].name, name)) i++;
  if (!name || i == sizeof verbs / sizeof *verbs) {
    snprintf(why, cap, "%s: \"action\" is one of assign, move, close, step, set, note, merge",
             name ? name : "no action");
    return why;
  }
  for (int k = K_ASSIGNEE; k < K_N; k++)
    if (rd->type[k] && !strstr(verbs[i].keys, keys[k])) {
      snprintf(why, cap, "%s takes %s (and incident, actor), not \"%s\"", name, verbs[i].keys, keys[k]);
      return why;
    }
  for (int k = 0; k < K_N; k++)
    if (rd->type[k] && rd->type[k] != SQLITE_NULL && rd->type[k] != (k == K_STEP ? SQLITE_INTEGER : SQLITE_TEXT)) {
      snprintf(why, cap, "\"%s\" must be %s", keys[k], k == K_STEP ? "a whole number" : "a string");
      return why;
    }
  a->verb = verbs[i].verb;
  a->incident = rd->v[K_INCIDENT];
  if (rd->v[K_ACTOR]) a->actor = rd->v[K_ACTOR];
  a->why = rd->v[K_WHY];
  const int value[] = {[HNS_ASSIGN] = K_ASSIGNEE, [HNS_MOVE] = K_STATE, [HNS_CLOSE] = -1, [HNS_STEP] = -1,
                       [HNS_SET] = K_FIELD, [HNS_NOTE] = K_TEXT, [HNS_MERGE] = K_INTO};
  a->value = value[a->verb] >= 0 ? rd->v[value[a->verb]] : NULL;
  a->value2 = rd->v[K_VALUE];
  if (a->verb == HNS_STEP) {
    long long n = rd->v[K_STEP] ? strtoll(rd->v[K_STEP], NULL, 10) : 0;
    if (n < 1 || n > UINT32_MAX) return "\"step\" must be a step number, from 1";
    a->step = (uint32_t)n;
  }
  if (a->verb == HNS_MOVE && !a->value) return "move needs \"state\"";
  return NULL;
}

static const char *verb_name(hns_verb v) {
  for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
    if (verbs[i].verb == v) return verbs[i].name;
  return "?";
}

void hns_write_result(FILE *out, uint64_t line, const hns_action *a, hn_status rc, const hns_result *r) {
  fputc('{', out);
  if (line) fprintf(out, "\"line\":%" PRIu64 ",", line);
  fprintf(out, "\"ok\":%s,\"action\":", rc == HN_OK ? "true" : "false");
  hns_json(out, a ? verb_name(a->verb) : NULL);
  fputs(",\"incident\":", out);
  hns_json(out, a ? a->incident : NULL);
  if (rc == HN_OK && r->to[0]) {
    fputs(",\"from\":", out);
    hns_json(out, r->from);
    fputs(",\"to\":", out);
    hns_json(out, r->to);
  }
  fputs(rc == HN_OK ? ",\"message\":" : ",\"error\":", out);
  hns_json(out, r->message);
  fputs("}\n", out);
}

/* One result line. */
static void result(FILE *out, FILE *err, bool json, const char *name, uint64_t line, const hns_action *a,
                   hn_status rc, const char *message, const hns_result *r) {
  if (!json) {
    if (rc == HN_OK) fprintf(out, "%s\n", message);
    else fprintf(err, "hornet case apply: %s:%" PRIu64 ": %s\n", name, line, message);
    return;
  }
  hns_write_result(out, line, a, rc, r);
}

static int64_t mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* One line: parsed, applied inside a savepoint of the open transaction. */
static hn_status one(reader *rd, const hn_program *p, const char *line, size_t n, const hns_action *base,
                     hns_action *a, hns_result *r, char *why, size_t cap) {
  *a = *base;
  const char *bad = read_line(rd, line, n, why, cap);
  if (!bad) bad = to_action(rd, a, why, cap);
  if (bad) {
    snprintf(r->message, sizeof r->message, "%s", bad);
    return HN_ERR_USAGE;
  }
  if (hns_exec(rd->st, "SAVEPOINT action") != HN_OK) return HN_ERR_IO;
  hn_status rc = hns_act_in(rd->st, p, a, r);
  if (rc != HN_OK && rc != HN_ERR_IO) sqlite3_exec(rd->st->db, "ROLLBACK TO action", NULL, NULL, NULL);
  if (rc != HN_ERR_IO && hns_exec(rd->st, "RELEASE action") != HN_OK) rc = HN_ERR_IO;
  return rc;
}

hn_status hns_apply(hns_store *st, const hn_program *p, FILE *in, const char *name, const char *actor, int64_t at,
                    bool json, FILE *out, FILE *err, hns_apply_stats *stats) {
  memset(stats, 0, sizeof *stats);
  struct stat sb;
  bool file = fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode);
  reader rd = {st, hns_prepare(st, "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) = 'object' END"),
               hns_prepare(st, "SELECT key, value FROM json_each(?1)"), {0}, {0}};
  hns_action base = {.actor = actor, .at = at}, a;
  hns_result r;
  char *line = NULL, why[512];
  size_t cap = 0;
  ssize_t n;
  hn_status rc = rd.valid && rd.each ? HN_OK : HN_ERR_IO;
  uint64_t in_batch = 0;
  int64_t started = 0;
  while (rc == HN_OK && (n = getline(&line, &cap, in)) >= 0) {
    stats->lines++;
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    if (!n) continue;
    if (!in_batch && (rc = hns_begin(st)) != HN_OK) break;
    if (!in_batch++) started = mono_ns();
    memset(&r, 0, sizeof r);
    hn_status one_rc = one(&rd, p, line, (size_t)n, &base, &a, &r, why, sizeof why);
    if (one_rc == HN_ERR_IO) { rc = one_rc; break; }
    stats->applied += one_rc == HN_OK;
    stats->failed += one_rc != HN_OK;
    stats->transitions += one_rc == HN_OK && r.to[0];
    result(out, err, json, name, stats->lines, one_rc == HN_ERR_USAGE && !a.incident ? NULL : &a, one_rc, r.message, &r);
    if (!file || in_batch >= BATCH || mono_ns() - started >= BATCH_NS) {
      in_batch = 0;
      rc = hns_commit(st);
    }
  }
  if (rc == HN_OK && in_batch) rc = hns_commit(st);
  if (rc == HN_OK && ferror(in)) rc = hns_failf(st, HN_ERR_IO, "cannot read '%s': %s", name, strerror(errno));
  if (rc != HN_OK) hns_rollback(st);
  reader_clear(&rd);
  sqlite3_finalize(rd.valid);
  sqlite3_finalize(rd.each);
  free(line);
  return rc;
}
