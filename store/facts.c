/* facts.c - the case store as the facts KPIs are computed over (hornetaux.h: hnx_facts): each row
 * of incidents, incident_alerts/alerts, transitions, sla_events, case_fields and exposures fed
 * to the hnx_facts calls, merges last. Depends on the store's tables (schema.c) and the public
 * headers only. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* The strings of JSON arrays (the list columns), owned until reset. */
typedef struct strs {
  sqlite3_stmt *each; /* SELECT value FROM json_each(?1) */
  char **v;
  uint32_t n, cap;
  bool bad;
} strs;

static void strs_reset(strs *s) {
  for (uint32_t i = 0; i < s->n; i++) free(s->v[i]);
  s->n = 0;
}

static void strs_push(strs *s, const char *t) {
  if (s->n == s->cap) {
    uint32_t cap = s->cap ? s->cap * 2 : 64;
    char **v = realloc(s->v, cap * sizeof *v);
    if (!v) { s->bad = true; return; }
    s->v = v;
    s->cap = cap;
  }
  char *d = strdup(t);
  if (!d) { s->bad = true; return; }
  s->v[s->n++] = d;
}

/* Appends the strings of the JSON array in column col of row; returns where they start. */
static uint32_t strs_add(strs *s, sqlite3_stmt *row, int col) {
  uint32_t at = s->n;
  sqlite3_reset(s->each);
  sqlite3_bind_text(s->each, 1, hns_text(row, col), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(s->each) == SQLITE_ROW)
    if (sqlite3_column_type(s->each, 0) == SQLITE_TEXT) strs_push(s, hns_text(s->each, 0));
  return at;
}

static hn_strings strs_at(const strs *s, uint32_t from, uint32_t to) {
  return (hn_strings){(const char *const *)s->v + from, to - from};
}

/* A text column, NULL for NULL. */
static const char *text_or_null(sqlite3_stmt *s, int col) {
  return sqlite3_column_type(s, col) == SQLITE_NULL ? NULL : hns_text(s, col);
}

/* sla_due: the earliest deadline of the service's SLAs neither decided nor entered (open
 * incidents only); sla_breached: a breach recorded. exposed: its asset has an open window. */
static const char incidents_sql[] =
  "SELECT i.id, i.detected_at, i.first_seen, i.last_seen, i.closed_at, i.severity, i.alerts, i.state, i.assignee,"
  " i.domain, i.service, i.asset, i.rules, i.tags, i.tactics, i.techniques, i.controls, i.services, i.hosts,"
  " i.users, i.entities, i.business_units, i.asset_roles,"
  " (SELECT min(i.detected_at + l.within) FROM service_slas l WHERE l.service = COALESCE(i.service, '')"
  "  AND i.closed_at IS NULL"
  "  AND NOT EXISTS (SELECT 1 FROM sla_events e WHERE e.incident = i.id AND e.state = l.state)"
  "  AND NOT EXISTS (SELECT 1 FROM transitions t WHERE t.incident = i.id AND t.to_state = l.state)),"
  " EXISTS (SELECT 1 FROM sla_events e WHERE e.incident = i.id AND e.kind = 'breached'),"
  " EXISTS (SELECT 1 FROM exposures w WHERE w.asset = i.asset AND w.closed_at IS NULL)"
  " FROM incidents i ORDER BY i.detected_at, i.id";
enum { I_ID, I_DETECTED, I_FIRST, I_LAST, I_CLOSED, I_SEV, I_ALERTS, I_STATE, I_ASSIGNEE, I_DOMAIN, I_SERVICE,
       I_ASSET, I_LISTS, I_DUE = I_LISTS + 11, I_BREACHED, I_EXPOSED };

static hn_status one_incident(hnx_facts *fx, sqlite3_stmt *s, strs *l) {
  hn_fact_incident x = {.id = hns_text(s, I_ID), .detected_at = hns_time(s, I_DETECTED),
                        .first_seen = hns_time(s, I_FIRST), .last_seen = hns_time(s, I_LAST),
                        .closed_at = hns_time(s, I_CLOSED), .sla_due = hns_time(s, I_DUE),
                        .sla_breached = sqlite3_column_int(s, I_BREACHED) != 0,
                        .exposed = sqlite3_column_int(s, I_EXPOSED) != 0,
                        .severity = (uint32_t)sqlite3_column_int(s, I_SEV),
                        .alert_count = (uint32_t)sqlite3_column_int(s, I_ALERTS), .state = text_or_null(s, I_STATE),
                        .assignee = text_or_null(s, I_ASSIGNEE), .domain = text_or_null(s, I_DOMAIN),
                        .service = text_or_null(s, I_SERVICE), .asset = text_or_null(s, I_ASSET)};
  uint32_t at[12];
  strs_reset(l);
  for (int i = 0; i < 11; i++) at[i] = strs_add(l, s, I_LISTS + i);
  at[11] = l->n;
  if (l->bad) return HN_ERR_NOMEM;
  hn_strings *dl[11] = {&x.rules, &x.tags, &x.tactics, &x.techniques, &x.controls, &x.services,
                        &x.hosts, &x.users, &x.entities, &x.business_units, &x.asset_roles};
  for (int i = 0; i < 11; i++) *dl[i] = strs_at(l, at[i], at[i + 1]);
  if (x.assignee && !*x.assignee) x.assignee = NULL;
  return hnx_facts_incident(fx, &x);
}

/* Each alert of an incident, to the incident that holds it now. */
static const char alerts_sql[] =
  "SELECT a.id, j.incident, a.rule, a.control, a.service, a.severity, a.time, a.count, a.tags, a.entities"
  " FROM incident_alerts j JOIN alerts a ON a.id = j.alert ORDER BY a.id";

static hn_status one_alert(hnx_facts *fx, sqlite3_stmt *s, strs *l) {
  hn_fact_alert a = {.id = (uint64_t)sqlite3_column_int64(s, 0), .incident = hns_text(s, 1), .rule = hns_text(s, 2),
                     .control = text_or_null(s, 3), .service = text_or_null(s, 4),
                     .severity = (uint32_t)sqlite3_column_int(s, 5), .time = hns_time(s, 6),
                     .count = (uint64_t)sqlite3_column_int64(s, 7)};
  strs_reset(l);
  uint32_t t = strs_add(l, s, 8), e = strs_add(l, s, 9);
  if (l->bad) return HN_ERR_NOMEM;
  a.tags = strs_at(l, t, e);
  a.entities = strs_at(l, e, l->n);
  return hnx_facts_alert(fx, &a);
}

/* Changes of state only: the row a run writes when it opens an incident (from NULL into its
 * initial state) is its detection, which detected_at already says; as a transition it would
 * read as the case's first move (incident.acknowledged_at, so MTTA 0) and as WIP. */
static const char transitions_sql[] =
  "SELECT incident, from_state, to_state, actor, kind, at FROM transitions WHERE from_state IS NOT NULL"
  " ORDER BY seq";

static hn_status one_transition(hnx_facts *fx, sqlite3_stmt *s, strs *l) {
  (void)l;
  hn_fact_transition t = {hns_text(s, 0), text_or_null(s, 1), hns_text(s, 2), hns_text(s, 3), hns_text(s, 4),
                          hns_time(s, 5)};
  return hnx_facts_transition(fx, &t);
}

static const char slas_sql[] =
  "SELECT e.incident, i.service, e.state, e.due, e.at, e.kind = 'met' FROM sla_events e"
  " JOIN incidents i ON i.id = e.incident ORDER BY e.at, e.incident, e.state";

static hn_status one_sla(hnx_facts *fx, sqlite3_stmt *s, strs *l) {
  (void)l;
  hn_fact_sla x = {hns_text(s, 0), text_or_null(s, 1), hns_text(s, 2), hns_time(s, 3), hns_time(s, 4),
                   sqlite3_column_int(s, 5) != 0};
  return hnx_facts_sla(fx, &x);
}

static const char cases_sql[] = "SELECT incident, name, value FROM case_fields ORDER BY incident, name";

static hn_status one_case(hnx_facts *fx, sqlite3_stmt *s, strs *l) {
  (void)l;
  return hnx_facts_case_field(fx, hns_text(s, 0), hns_text(s, 1), text_or_null(s, 2));
}

static const char exposures_sql[] =
  "SELECT exposure, asset, unknown_value, control, opened_at, closed_at FROM exposures ORDER BY seq";

static hn_status one_exposure(hnx_facts *fx, sqlite3_stmt *s, strs *l) {
  (void)l;
  hn_fact_exposure w = {hns_text(s, 0), text_or_null(s, 1), text_or_null(s, 2), text_or_null(s, 3), hns_time(s, 4),
                        hns_time(s, 5)};
  return hnx_facts_exposure(fx, &w);
}

/* Merges last: every incident is known by then. */
static const char merges_sql[] = "SELECT id, merged_into FROM incidents WHERE merged_into IS NOT NULL ORDER BY id";

static hn_status one_merge(hnx_facts *fx, sqlite3_stmt *s, strs *l) {
  (void)l;
  return hnx_facts_merged(fx, hns_text(s, 0), hns_text(s, 1));
}

/* Runs sql and feeds each row to fn. */
static hn_status walk(hns_store *st, const char *sql, hn_status (*fn)(hnx_facts *, sqlite3_stmt *, strs *),
                      hnx_facts *fx, strs *l) {
  sqlite3_stmt *s = hns_prepare(st, sql);
  if (!s) return HN_ERR_IO;
  int rc;
  hn_status hs = HN_OK;
  while (hs == HN_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) hs = fn(fx, s, l);
  if (hs == HN_OK && rc != SQLITE_DONE) hs = hns_fail(st, "reading the facts");
  else if (hs == HN_ERR_NOMEM) hns_failf(st, hs, "out of memory reading the facts");
  else if (hs != HN_OK) hns_failf(st, hs, "the store's rows do not fit together (reading the facts)");
  sqlite3_finalize(s);
  return hs;
}

hn_status hns_facts(hns_store *st, hnx_facts *fx) {
  static const struct {
    const char *sql;
    hn_status (*fn)(hnx_facts *, sqlite3_stmt *, strs *);
  } tables[] = {{incidents_sql, one_incident}, {alerts_sql, one_alert}, {transitions_sql, one_transition},
                {slas_sql, one_sla}, {cases_sql, one_case}, {exposures_sql, one_exposure}, {merges_sql, one_merge}};
  strs l = {.each = hns_prepare(st, "SELECT value FROM json_each(?1) ORDER BY key")};
  if (!l.each) return HN_ERR_IO;
  /* one read transaction: a run committing meanwhile does not split the facts */
  hn_status hs = hns_exec(st, "BEGIN");
  for (size_t i = 0; hs == HN_OK && i < sizeof tables / sizeof *tables; i++)
    hs = walk(st, tables[i].sql, tables[i].fn, fx, &l);
  if (hns_exec(st, "COMMIT") != HN_OK && hs == HN_OK) hs = HN_ERR_IO;
  strs_reset(&l);
  free(l.v);
  sqlite3_finalize(l.each);
  return hs;
}
