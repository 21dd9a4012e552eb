/* sla.c - SLA clocks of the case store (lang/SPEC.md §13): `sla S D` of an incident's service is
 * due at detected_at + D; it is met when the incident first enters S by then, and breached when
 * `now` passes the due time first. Both are recorded once, in sla_events, a breach at its exact
 * boundary (at = due), whoever notices it: a run as its watermark advances (event time), an
 * analyst's command by the wall clock. A closed incident's pending SLAs are void; the breaches
 * of an incident still in its initial state follow its service, which its alerts may change.
 * Depends on the store's tables (schema.c) only. */
#include <string.h>
#include "internal.h"

/* The open incidents' SLAs not met nor recorded, due before `now`. */
static const char due_sql[] =
  "SELECT i.id, l.state, i.detected_at + l.within AS due FROM incidents i"
  " JOIN service_slas l ON l.service = COALESCE(i.service, '')"
  " WHERE i.closed_at IS NULL AND i.detected_at + l.within < ?1"
  " AND NOT EXISTS (SELECT 1 FROM sla_events e WHERE e.incident = i.id AND e.state = l.state)"
  " AND NOT EXISTS (SELECT 1 FROM transitions t WHERE t.incident = i.id AND t.to_state = l.state"
  "                 AND t.at <= i.detected_at + l.within)"
  " ORDER BY due, i.id, l.state";
/* The same for one incident (an analyst's action): found by its key, not by a scan. */
static const char due_one_sql[] =
  "SELECT i.id, l.state, i.detected_at + l.within AS due FROM incidents i"
  " JOIN service_slas l ON l.service = COALESCE(i.service, '')"
  " WHERE i.id = ?2 AND i.closed_at IS NULL AND i.detected_at + l.within < ?1"
  " AND NOT EXISTS (SELECT 1 FROM sla_events e WHERE e.incident = i.id AND e.state = l.state)"
  " AND NOT EXISTS (SELECT 1 FROM transitions t WHERE t.incident = i.id AND t.to_state = l.state"
  "                 AND t.at <= i.detected_at + l.within)"
  " ORDER BY due, l.state";

static hn_status record(hns_store *st, sqlite3_stmt *ins, const char *incident, const char *state, int64_t due,
                        const char *kind, int64_t at) {
  sqlite3_bind_text(ins, 1, incident, -1, SQLITE_STATIC);
  sqlite3_bind_text(ins, 2, state, -1, SQLITE_STATIC);
  sqlite3_bind_int64(ins, 3, due);
  sqlite3_bind_text(ins, 4, kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64(ins, 5, at);
  int rc = sqlite3_step(ins);
  sqlite3_reset(ins);
  return rc == SQLITE_DONE ? HN_OK : hns_fail(st, "recording an SLA event");
}

/* The breaches recorded for an incident still waiting in its initial state that its service no
 * longer has (§11.1: its service follows its alerts until it leaves that state): its SLAs are
 * its current service's. Without this a breach would depend on when the run committed. */
static const char stale_sql[] =
  "DELETE FROM sla_events WHERE kind = 'breached' AND incident IN"
  " (SELECT i.id FROM incidents i JOIN services v ON v.name = COALESCE(i.service, '')"
  "  WHERE i.closed_at IS NULL AND i.moved = 0 AND i.state = v.initial)"
  " AND NOT EXISTS (SELECT 1 FROM incidents i JOIN service_slas l ON l.service = COALESCE(i.service, '')"
  "  WHERE i.id = sla_events.incident AND l.state = sla_events.state AND i.detected_at + l.within = sla_events.due)";
static const char stale_one_sql[] =
  "DELETE FROM sla_events WHERE incident = ?1 AND kind = 'breached' AND EXISTS"
  " (SELECT 1 FROM incidents i JOIN services v ON v.name = COALESCE(i.service, '')"
  "  WHERE i.id = ?1 AND i.closed_at IS NULL AND i.moved = 0 AND i.state = v.initial)"
  " AND NOT EXISTS (SELECT 1 FROM incidents i JOIN service_slas l ON l.service = COALESCE(i.service, '')"
  "  WHERE i.id = ?1 AND l.state = sla_events.state AND i.detected_at + l.within = sla_events.due)";

hn_status hns_sla_breaches(hns_store *st, int64_t now, const char *incident, hns_breach_fn fn, void *ud) {
  sqlite3_stmt *d = hns_prepare(st, incident ? stale_one_sql : stale_sql);
  if (!d) return HN_ERR_IO;
  if (incident) sqlite3_bind_text(d, 1, incident, -1, SQLITE_STATIC);
  int step = sqlite3_step(d);
  sqlite3_finalize(d);
  if (step != SQLITE_DONE) return hns_fail(st, "revising SLA clocks");
  sqlite3_stmt *q = hns_prepare(st, incident ? due_one_sql : due_sql);
  sqlite3_stmt *ins = hns_prepare(st, "INSERT OR IGNORE INTO sla_events VALUES (?1, ?2, ?3, ?4, ?5)");
  hn_status rc = q && ins ? HN_OK : HN_ERR_IO;
  if (rc == HN_OK) {
    sqlite3_bind_int64(q, 1, now);
    if (incident) sqlite3_bind_text(q, 2, incident, -1, SQLITE_STATIC);
  }
  step = SQLITE_DONE;
  while (rc == HN_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
    const char *id = hns_text(q, 0), *state = hns_text(q, 1);
    int64_t due = sqlite3_column_int64(q, 2);
    rc = record(st, ins, id, state, due, "breached", due);
    if (rc == HN_OK && fn) fn(ud, id, state, due);
  }
  if (rc == HN_OK && step != SQLITE_DONE) rc = hns_fail(st, "reading SLA clocks");
  sqlite3_finalize(q);
  sqlite3_finalize(ins);
  return rc;
}

hn_status hns_sla_entered(hns_store *st, const char *incident, const char *state, int64_t at) {
  sqlite3_stmt *q = hns_prepare(st, "SELECT i.detected_at + l.within FROM incidents i JOIN service_slas l"
                                    " ON l.service = COALESCE(i.service, '') AND l.state = ?2 WHERE i.id = ?1");
  sqlite3_stmt *ins = hns_prepare(st, "INSERT OR IGNORE INTO sla_events VALUES (?1, ?2, ?3, ?4, ?5)");
  hn_status rc = q && ins ? HN_OK : HN_ERR_IO;
  if (rc == HN_OK) {
    sqlite3_bind_text(q, 1, incident, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, state, -1, SQLITE_STATIC);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
      int64_t due = sqlite3_column_int64(q, 0);
      rc = at <= due ? record(st, ins, incident, state, due, "met", at) : record(st, ins, incident, state, due,
                                                                                  "breached", due);
    } else if (step != SQLITE_DONE) {
      rc = hns_fail(st, "reading SLA clocks");
    }
  }
  sqlite3_finalize(q);
  sqlite3_finalize(ins);
  return rc;
}

hn_status hns_sla_clock(hns_store *st, const char *incident, int64_t now, hns_clock *c) {
  sqlite3_stmt *q = hns_prepare(
    st, "SELECT l.state, i.detected_at + l.within AS due FROM incidents i"
        " JOIN service_slas l ON l.service = COALESCE(i.service, '') WHERE i.id = ?1 AND i.closed_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM sla_events e WHERE e.incident = i.id AND e.state = l.state)"
        " AND NOT EXISTS (SELECT 1 FROM transitions t WHERE t.incident = i.id AND t.to_state = l.state)"
        " ORDER BY due LIMIT 1");
  sqlite3_stmt *b = hns_prepare(st, "SELECT count(*) FROM sla_events WHERE incident = ?1 AND kind = 'breached'");
  memset(c, 0, sizeof *c);
  c->due = INT64_MAX;
  hn_status rc = q && b ? HN_OK : HN_ERR_IO;
  if (rc == HN_OK) {
    sqlite3_bind_text(q, 1, incident, -1, SQLITE_STATIC);
    sqlite3_bind_text(b, 1, incident, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
      snprintf(c->state, sizeof c->state, "%s", hns_text(q, 0));
      c->due = sqlite3_column_int64(q, 1);
    }
    c->breaches = sqlite3_step(b) == SQLITE_ROW ? (uint32_t)sqlite3_column_int(b, 0) : 0;
    c->breached = c->breaches > 0 || c->due < now;
  }
  sqlite3_finalize(q);
  sqlite3_finalize(b);
  return rc;
}

hn_status hns_sla_catch_up(hns_store *st, int64_t now) {
  if (hns_begin(st) != HN_OK) return HN_ERR_IO;
  hn_status rc = hns_sla_breaches(st, now, NULL, NULL, NULL);
  if (rc == HN_OK) return hns_commit(st);
  hns_rollback(st);
  return rc;
}
