/* case.c - analysts' actions on the case store: assign, move along the service's workflow, check
 * off a playbook step, set a case field, note, merge, close; each one atomic, journalled in
 * `actions` (which a running `hornet run --store` picks up and tells its session), stamped with
 * the wall clock. Moves are checked by the program's workflow (hn_workflow_check).
 * A client of hornet.h; SQLite. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* What an action needs to know of its incident. */
typedef struct inc {
  char id[64], service[128], state[128], domain[128], merged_into[64];
  bool closed;
  int64_t detected_at;
} inc;

static void say(hns_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(hns_result *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->message, sizeof r->message, fmt, ap);
  va_end(ap);
}

/* The incident named: HN_OK, HN_ERR_NOT_FOUND (r says so), HN_ERR_IO. */
static hn_status load_inc(hns_store *st, const char *id, inc *c, hns_result *r) {
  sqlite3_stmt *s = hns_prepare(st, "SELECT id, COALESCE(service, ''), state, domain, COALESCE(merged_into, ''),"
                                    " closed_at IS NOT NULL, detected_at FROM incidents WHERE id = ?1");
  if (!s) return HN_ERR_IO;
  sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    snprintf(c->id, sizeof c->id, "%s", hns_text(s, 0));
    snprintf(c->service, sizeof c->service, "%s", hns_text(s, 1));
    snprintf(c->state, sizeof c->state, "%s", hns_text(s, 2));
    snprintf(c->domain, sizeof c->domain, "%s", hns_text(s, 3));
    snprintf(c->merged_into, sizeof c->merged_into, "%s", hns_text(s, 4));
    c->closed = sqlite3_column_int(s, 5) != 0;
    c->detected_at = sqlite3_column_int64(s, 6);
  }
  sqlite3_finalize(s);
  if (rc == SQLITE_ROW) return HN_OK;
  if (rc != SQLITE_DONE) return hns_fail(st, "reading an incident");
  say(r, "%s: no such incident in the store", id);
  return HN_ERR_NOT_FOUND;
}

/* Runs sql with the values given as text (NULL binds NULL) and, for "%i", an int64 after them:
 * each argument a `const char *`, then for each %i in kinds an int64_t. */
static hn_status run_sql(hns_store *st, const char *sql, const char *kinds, ...) {
  sqlite3_stmt *s = hns_prepare(st, sql);
  if (!s) return HN_ERR_IO;
  va_list ap;
  va_start(ap, kinds);
  for (int k = 0; kinds[k]; k++) {
    if (kinds[k] == 'i') sqlite3_bind_int64(s, k + 1, va_arg(ap, int64_t));
    else sqlite3_bind_text(s, k + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
  }
  va_end(ap);
  int rc = sqlite3_step(s);
  sqlite3_finalize(s);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? HN_OK : hns_fail(st, "writing an action");
}

/* The journal row of an action: what the run picks up, and the case's history. */
static hn_status journal(hns_store *st, const hns_action *a, const char *what, const char *detail) {
  return run_sql(st, "INSERT INTO actions(incident, at, actor, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)", "sitss",
                 a->incident, a->at, a->actor, what, detail);
}

/* A JSON object {"k": "v", ...} of NULL-terminated pairs, in b. */
static const char *detail(hns_buf *b, ...) {
  va_list ap;
  va_start(ap, b);
  hns_buf_puts(b, "{");
  for (int n = 0;; n++) {
    const char *k = va_arg(ap, const char *);
    if (!k) break;
    const char *v = va_arg(ap, const char *);
    hns_buf_printf(b, "%s\"%s\":", n ? "," : "", k);
    hns_buf_jstr(b, v);
  }
  va_end(ap);
  hns_buf_puts(b, "}");
  return b->bad ? "{}" : b->s;
}

static hn_status do_assign(hns_store *st, const hns_action *a, const inc *c, hns_result *r) {
  const char *who = a->value && *a->value ? a->value : NULL;
  hn_status rc = run_sql(st, "UPDATE incidents SET assignee = ?1 WHERE id = ?2", "ss", who, c->id);
  hns_buf b = {0};
  if (rc == HN_OK) rc = journal(st, a, "assign", detail(&b, "assignee", who, NULL));
  hns_buf_free(&b);
  if (who) say(r, "%s assigned to %s", c->id, who);
  else say(r, "%s unassigned", c->id);
  return rc;
}

static hn_status do_set(hns_store *st, const hns_action *a, const inc *c, hns_result *r) {
  const char *field = a->value, *value = a->value2 ? a->value2 : "";
  if (!field || !*field) {
    say(r, "%s: set needs a field name", c->id);
    return HN_ERR_USAGE;
  }
  hn_status rc = *value ? run_sql(st, "INSERT OR REPLACE INTO case_fields VALUES (?1, ?2, ?3, ?4, ?5)", "sssis", c->id,
                                  field, value, a->at, a->actor)
                        : run_sql(st, "DELETE FROM case_fields WHERE incident = ?1 AND name = ?2", "ss", c->id, field);
  hns_buf b = {0};
  if (rc == HN_OK) rc = journal(st, a, "set", detail(&b, "field", field, "value", *value ? value : NULL, NULL));
  hns_buf_free(&b);
  if (*value) say(r, "%s: %s = %s", c->id, field, value);
  else say(r, "%s: %s unset", c->id, field);
  return rc;
}

static hn_status do_note(hns_store *st, const hns_action *a, const inc *c, hns_result *r) {
  if (!a->value || !*a->value) {
    say(r, "%s: a note needs a text", c->id);
    return HN_ERR_USAGE;
  }
  hn_status rc = run_sql(st, "INSERT INTO notes(incident, at, actor, text) VALUES (?1, ?2, ?3, ?4)", "siss", c->id,
                         a->at, a->actor, a->value);
  hns_buf b = {0};
  if (rc == HN_OK) rc = journal(st, a, "note", detail(&b, "text", a->value, NULL));
  hns_buf_free(&b);
  say(r, "%s: note added", c->id);
  return rc;
}

/* The number of steps of state in the service, or -1 on error. */
static int64_t count_steps(hns_store *st, const char *service, const char *state) {
  sqlite3_stmt *s = hns_prepare(st, "SELECT count(*) FROM service_steps WHERE service = ?1 AND state = ?2");
  if (!s) return -1;
  sqlite3_bind_text(s, 1, service, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
  int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  sqlite3_finalize(s);
  if (n < 0) hns_fail(st, "reading the playbook");
  return n;
}

static hn_status do_step(hns_store *st, const hns_action *a, const inc *c, hns_result *r) {
  int64_t n = count_steps(st, c->service, c->state);
  if (n < 0) return HN_ERR_IO;
  if (a->step < 1 || a->step > n) {
    if (n) say(r, "%s is in state '%s', whose playbook has %" PRId64 " step%s: no step %u", c->id, c->state, n,
               n == 1 ? "" : "s", a->step);
    else say(r, "%s is in state '%s', which has no playbook steps", c->id, c->state);
    return HN_ERR_NOT_FOUND;
  }
  sqlite3_stmt *s = hns_prepare(st, "INSERT OR IGNORE INTO steps VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!s) return HN_ERR_IO;
  sqlite3_bind_text(s, 1, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 2, c->state, -1, SQLITE_STATIC);
  sqlite3_bind_int(s, 3, (int)a->step);
  sqlite3_bind_int64(s, 4, a->at);
  sqlite3_bind_text(s, 5, a->actor, -1, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  int changed = sqlite3_changes(st->db);
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return hns_fail(st, "checking off a step");
  say(r, changed ? "%s: step %u of %s done" : "%s: step %u of %s was already done", c->id, a->step, c->state);
  if (!changed) return HN_OK;
  char num[16];
  snprintf(num, sizeof num, "%u", a->step);
  hns_buf b = {0};
  hn_status hs = journal(st, a, "step", detail(&b, "state", c->state, "step", num, NULL));
  hns_buf_free(&b);
  return hs;
}

/* The terminal state of the incident's service (the built-in workflow's: closed). */
static hn_status terminal_of(hns_store *st, const inc *c, char *out, size_t cap) {
  sqlite3_stmt *s = hns_prepare(st, "SELECT terminal FROM services WHERE name = ?1");
  if (!s) return HN_ERR_IO;
  sqlite3_bind_text(s, 1, c->service, -1, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  snprintf(out, cap, "%s", rc == SQLITE_ROW ? hns_text(s, 0) : "closed");
  sqlite3_finalize(s);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? HN_OK : hns_fail(st, "reading the workflow");
}

/* A state change of the incident: its row, the transition, the SLA it meets or misses. */
static hn_status enter(hns_store *st, const hns_action *a, const inc *c, const char *to, bool terminal, const char *why) {
  hn_status rc = run_sql(st, "INSERT INTO transitions(incident, from_state, to_state, at, actor, why, kind)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'analyst')", "sssiss", c->id, c->state, to, a->at,
                         a->actor, why);
  if (rc == HN_OK)
    rc = run_sql(st, "UPDATE incidents SET state = ?1, moved = 1, closed_at = CASE WHEN ?2 THEN ?3 END WHERE id = ?4",
                 "siis", to, (int64_t)terminal, a->at, c->id);
  if (rc == HN_OK) rc = hns_sla_entered(st, c->id, to, a->at);
  return rc;
}

/* merge ID INTO: ID is closed as merged into INTO, its alerts linked to INTO. No required field
 * is asked for: a duplicate is not resolved on its own. */
static hn_status do_merge(hns_store *st, const hns_action *a, const inc *c, hns_result *r) {
  inc into;
  hn_status rc = a->value && *a->value ? load_inc(st, a->value, &into, r) : HN_ERR_USAGE;
  if (rc == HN_ERR_USAGE) say(r, "%s: merge needs the incident it merges into", c->id);
  if (rc != HN_OK) return rc;
  if (!strcmp(into.id, c->id)) {
    say(r, "%s cannot be merged into itself", c->id);
    return HN_ERR_SEMANTIC;
  }
  if (into.closed) {
    say(r, "%s cannot be merged into %s, which is closed%s%s", c->id, into.id, *into.merged_into ? " (merged into " : "",
        *into.merged_into ? into.merged_into : "");
    if (*into.merged_into) strncat(r->message, ")", sizeof r->message - strlen(r->message) - 1);
    return HN_ERR_SEMANTIC;
  }
  char to[128], why[600];
  if ((rc = terminal_of(st, c, to, sizeof to)) != HN_OK) return rc;
  snprintf(why, sizeof why, "merged into %s%s%s", into.id, a->why ? ": " : "", a->why ? a->why : "");
  rc = enter(st, a, c, to, true, why);
  if (rc == HN_OK) rc = run_sql(st, "UPDATE incidents SET merged_into = ?1 WHERE id = ?2", "ss", into.id, c->id);
  if (rc == HN_OK)
    rc = run_sql(st, "UPDATE incident_alerts SET incident = ?1, merged_from = COALESCE(merged_from, ?2)"
                     " WHERE incident = ?2", "ss", into.id, c->id);
  hns_buf b = {0};
  if (rc == HN_OK) rc = journal(st, a, "merge", detail(&b, "into", into.id, "from", c->state, "to", to, "why", a->why, NULL));
  hns_buf_free(&b);
  snprintf(r->from, sizeof r->from, "%s", c->state);
  snprintf(r->to, sizeof r->to, "%s", to);
  say(r, "%s merged into %s (%s -> %s)", c->id, into.id, c->state, to);
  return rc;
}

/* Whether the action may touch the incident at all: a merged incident takes only notes. */
static hn_status open_for(const hns_action *a, const inc *c, hns_result *r) {
  if (!*c->merged_into || a->verb == HNS_NOTE) return HN_OK;
  say(r, "%s was merged into %s: act on %s", c->id, c->merged_into, c->merged_into);
  return HN_ERR_SEMANTIC;
}

/* The domain's incidents in working states (neither their service's initial nor its terminal
 * state), this one aside: what its WIP limit counts. -1 on error. */
static int64_t wip_used(hns_store *st, const inc *c) {
  sqlite3_stmt *s = hns_prepare(st, "SELECT count(*) FROM incidents i JOIN services v ON v.name = COALESCE(i.service, '')"
                                    " WHERE i.domain = ?1 AND i.id <> ?2 AND i.closed_at IS NULL"
                                    " AND i.state <> v.initial AND i.state <> v.terminal");
  if (!s) return -1;
  sqlite3_bind_text(s, 1, c->domain, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 2, c->id, -1, SQLITE_STATIC);
  int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  sqlite3_finalize(s);
  if (n < 0) hns_fail(st, "counting the domain's work in progress");
  return n;
}

typedef struct field_q {
  hns_store *st;
  const char *id;
  bool failed;
} field_q;

/* hn_workflow_check's question: whether the case has a non-empty value for field. */
static bool field_is_set(void *ud, const char *field) {
  field_q *f = ud;
  sqlite3_stmt *s = hns_prepare(f->st, "SELECT 1 FROM case_fields WHERE incident = ?1 AND name = ?2 AND value <> ''");
  if (!s) { f->failed = true; return false; }
  sqlite3_bind_text(s, 1, f->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 2, field, -1, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) f->failed = true;
  return rc == SQLITE_ROW;
}

/* The state a move goes to: the one named, or (close) the service's terminal state. */
static hn_status target(hns_store *st, const hn_program *p, const hns_action *a, const inc *c, uint32_t svc, char *to,
                        size_t cap, hns_result *r) {
  if (a->verb == HNS_MOVE) {
    if (!a->value || !*a->value) {
      say(r, "%s: move needs the state to go to", c->id);
      return HN_ERR_USAGE;
    }
    snprintf(to, cap, "%s", a->value);
    return HN_OK;
  }
  hn_service_view v;
  if (svc != UINT32_MAX && hn_program_service(p, svc, &v) == HN_OK && v.n_states) {
    snprintf(to, cap, "%s", v.states[v.n_states - 1]);
    return HN_OK;
  }
  return terminal_of(st, c, to, cap);
}

/* move ID STATE and close ID: along the service's workflow as the program declares it. */
static hn_status move(hns_store *st, const hn_program *p, const hns_action *a, const inc *c, hns_result *r) {
  if (!p) {
    say(r, "%s: a move needs the pack's workflows", c->id);
    return HN_ERR_USAGE;
  }
  uint32_t svc = *c->service ? hn_program_service_find(p, c->service) : UINT32_MAX;
  if (*c->service && svc == UINT32_MAX) {
    say(r, "%s: its service '%s' is not in the pack: name the pack with --pack", c->id, c->service);
    return HN_ERR_NOT_FOUND;
  }
  char to[128], why[512];
  hn_status rc = target(st, p, a, c, svc, to, sizeof to, r);
  if (rc != HN_OK) return rc;
  int64_t used = wip_used(st, c);
  if (used < 0) return HN_ERR_IO;
  field_q fq = {st, c->id, false};
  rc = hn_workflow_check_in(p, svc, hn_program_domain_find(p, c->domain), c->state, to,
                            (uint32_t)(used > UINT32_MAX ? UINT32_MAX : used), field_is_set, &fq, why, sizeof why);
  if (fq.failed) return hns_fail(st, "reading the case's fields");
  snprintf(r->from, sizeof r->from, "%s", c->state);
  snprintf(r->to, sizeof r->to, "%s", to);
  if (rc != HN_OK) {
    say(r, "%s: %s", c->id, why);
    return rc == HN_ERR_NOT_FOUND ? HN_ERR_NOT_FOUND : HN_ERR_SEMANTIC;
  }
  bool terminal = false;
  hn_service_view v;
  if (svc == UINT32_MAX) terminal = !strcmp(to, "closed");
  else if (hn_program_service(p, svc, &v) == HN_OK) terminal = !strcmp(to, v.states[v.n_states - 1]);
  rc = enter(st, a, c, to, terminal, a->why);
  hns_buf b = {0};
  if (rc == HN_OK) rc = journal(st, a, a->verb == HNS_CLOSE ? "close" : "move", detail(&b, "from", c->state, "to", to,
                                                                                        "why", a->why, NULL));
  hns_buf_free(&b);
  say(r, "%s: %s -> %s%s", c->id, c->state, to, terminal ? " (closed)" : "");
  return rc;
}

/* One action inside the caller's transaction: SLA breaches the wall clock passed are recorded
 * first (the move's SLA reads them), then the action. */
hn_status hns_act_in(hns_store *st, const hn_program *p, const hns_action *a, hns_result *r) {
  memset(r, 0, sizeof *r);
  if (!a->incident || !*a->incident) {
    say(r, "no incident named");
    return HN_ERR_USAGE;
  }
  inc c;
  hn_status rc = load_inc(st, a->incident, &c, r);
  if (rc == HN_OK) rc = open_for(a, &c, r);
  if (rc == HN_OK) rc = hns_sla_breaches(st, a->at, c.id, NULL, NULL);
  if (rc != HN_OK) return rc;
  switch (a->verb) {
  case HNS_ASSIGN: return do_assign(st, a, &c, r);
  case HNS_SET: return do_set(st, a, &c, r);
  case HNS_NOTE: return do_note(st, a, &c, r);
  case HNS_STEP: return do_step(st, a, &c, r);
  case HNS_MERGE: return do_merge(st, a, &c, r);
  case HNS_MOVE: case HNS_CLOSE: return move(st, p, a, &c, r);
  }
  say(r, "unknown action");
  return HN_ERR_USAGE;
}

hn_status hns_act(hns_store *st, const hn_program *p, const hns_action *a, hns_result *r) {
  if (hns_begin(st) != HN_OK) {
    memset(r, 0, sizeof *r);
    say(r, "%s", st->err);
    return HN_ERR_IO;
  }
  hn_status rc = hns_act_in(st, p, a, r);
  if (rc == HN_OK) rc = hns_commit(st);
  else hns_rollback(st);
  if (rc == HN_ERR_IO && !r->message[0]) say(r, "%s", st->err);
  return rc;
}
