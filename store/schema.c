/* schema.c - the case store's tables and their migrations: PRAGMA user_version counts the steps
 * applied; opening a store applies the missing ones in order, in one transaction, and refuses a
 * store from a newer hornet. A step is only ever appended, never edited once released.
 * Depends on SQLite and internal.h. */
#include <stdio.h>
#include "internal.h"

/* Version 1: what a run writes (alerts, incidents, exposure windows, the pack's facts, the
 * checkpoint) and what analysts add (transitions, steps, fields, notes, the actions journal).
 * Times are ns since the epoch; lists are JSON arrays; foreign keys are checked at commit, so
 * a transaction may write its rows in any order. */
static const char v1[] =
  "CREATE TABLE store_info(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE checkpoint(id INTEGER PRIMARY KEY CHECK (id = 1), state BLOB NOT NULL, input TEXT NOT NULL,"
  " input_identity TEXT, input_offset INTEGER NOT NULL, input_line INTEGER NOT NULL, pack TEXT,"
  " program TEXT NOT NULL, watermark INTEGER, applied INTEGER NOT NULL DEFAULT 0, saved_at INTEGER NOT NULL,"
  " hornet TEXT NOT NULL);"
  "CREATE TABLE rules(name TEXT PRIMARY KEY, rule_id TEXT, title TEXT, severity INTEGER NOT NULL, control TEXT,"
  " service TEXT, status TEXT, kind TEXT NOT NULL, tags TEXT NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE controls(name TEXT PRIMARY KEY) WITHOUT ROWID;"
  "CREATE TABLE assets(name TEXT PRIMARY KEY, business_unit TEXT, owner TEXT, role TEXT,"
  " criticality INTEGER NOT NULL, managed INTEGER NOT NULL, tags TEXT NOT NULL, vulnerabilities INTEGER NOT NULL,"
  " open_vulnerabilities INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE identities(name TEXT PRIMARY KEY, business_unit TEXT, department TEXT,"
  " privileged INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE incidents(id TEXT PRIMARY KEY, service TEXT, domain TEXT NOT NULL, state TEXT NOT NULL,"
  " assignee TEXT, score REAL NOT NULL, severity INTEGER NOT NULL, alerts INTEGER NOT NULL,"
  " detected_at INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, closed_at INTEGER,"
  " merged_into TEXT REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED, asset TEXT, why TEXT NOT NULL,"
  " rules TEXT NOT NULL, tags TEXT NOT NULL, tactics TEXT NOT NULL, techniques TEXT NOT NULL,"
  " controls TEXT NOT NULL, services TEXT NOT NULL, hosts TEXT NOT NULL, users TEXT NOT NULL,"
  " entities TEXT NOT NULL, business_units TEXT NOT NULL, asset_roles TEXT NOT NULL,"
  " updated_at INTEGER NOT NULL, moved INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX incidents_open ON incidents(domain, state) WHERE closed_at IS NULL;"
  "CREATE TABLE alerts(id INTEGER PRIMARY KEY, rule TEXT NOT NULL, severity INTEGER NOT NULL, time INTEGER,"
  " control TEXT, service TEXT, tags TEXT NOT NULL, entities TEXT NOT NULL, key TEXT, events INTEGER,"
  " count INTEGER NOT NULL, source TEXT, line INTEGER, offset INTEGER);"
  "CREATE TABLE incident_alerts(alert INTEGER PRIMARY KEY REFERENCES alerts(id) DEFERRABLE INITIALLY DEFERRED,"
  " incident TEXT NOT NULL REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED, merged_from TEXT);"
  "CREATE INDEX incident_alerts_incident ON incident_alerts(incident);"
  "CREATE TABLE transitions(seq INTEGER PRIMARY KEY,"
  " incident TEXT NOT NULL REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED, from_state TEXT,"
  " to_state TEXT NOT NULL, at INTEGER NOT NULL, actor TEXT NOT NULL, why TEXT,"
  " kind TEXT NOT NULL CHECK (kind IN ('stream', 'analyst')));"
  "CREATE INDEX transitions_incident ON transitions(incident, to_state);"
  "CREATE TABLE steps(incident TEXT NOT NULL REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED,"
  " state TEXT NOT NULL, number INTEGER NOT NULL, done_at INTEGER NOT NULL, actor TEXT NOT NULL,"
  " PRIMARY KEY (incident, state, number)) WITHOUT ROWID;"
  "CREATE TABLE case_fields(incident TEXT NOT NULL REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED,"
  " name TEXT NOT NULL, value TEXT NOT NULL, set_at INTEGER NOT NULL, actor TEXT NOT NULL,"
  " PRIMARY KEY (incident, name)) WITHOUT ROWID;"
  "CREATE TABLE notes(seq INTEGER PRIMARY KEY,"
  " incident TEXT NOT NULL REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED, at INTEGER NOT NULL,"
  " actor TEXT NOT NULL, text TEXT NOT NULL);"
  "CREATE INDEX notes_incident ON notes(incident);"
  "CREATE TABLE actions(seq INTEGER PRIMARY KEY,"
  " incident TEXT NOT NULL REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED, at INTEGER NOT NULL,"
  " actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);"
  "CREATE INDEX actions_incident ON actions(incident);"
  "CREATE TABLE exposures(seq INTEGER PRIMARY KEY, exposure TEXT NOT NULL, title TEXT, control TEXT, asset TEXT,"
  " unknown_value TEXT, opened_at INTEGER NOT NULL, closed_at INTEGER, asset_exposure REAL);"
  "CREATE INDEX exposures_open ON exposures(exposure, asset, unknown_value) WHERE closed_at IS NULL;";

/* Version 2: the workflows as the pack declares them (domains with their WIP limits, services'
 * states, edges, SLAs, steps and required fields; the service '' is the built-in new -> closed
 * of incidents that name none) and the SLA events of each incident. */
static const char v2[] =
  "CREATE TABLE domains(name TEXT PRIMARY KEY, title TEXT, wip INTEGER, is_default INTEGER NOT NULL,"
  " ord INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE services(name TEXT PRIMARY KEY, title TEXT, description TEXT, domain TEXT, initial TEXT NOT NULL,"
  " terminal TEXT NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE service_states(service TEXT NOT NULL, state TEXT NOT NULL, ord INTEGER NOT NULL,"
  " PRIMARY KEY (service, state)) WITHOUT ROWID;"
  "CREATE TABLE service_edges(service TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL,"
  " PRIMARY KEY (service, from_state, to_state)) WITHOUT ROWID;"
  "CREATE TABLE service_slas(service TEXT NOT NULL, state TEXT NOT NULL, within INTEGER NOT NULL,"
  " PRIMARY KEY (service, state)) WITHOUT ROWID;"
  "CREATE TABLE service_steps(service TEXT NOT NULL, state TEXT NOT NULL, number INTEGER NOT NULL,"
  " text TEXT NOT NULL, PRIMARY KEY (service, state, number)) WITHOUT ROWID;"
  "CREATE TABLE service_requires(service TEXT NOT NULL, field TEXT NOT NULL,"
  " PRIMARY KEY (service, field)) WITHOUT ROWID;"
  "INSERT INTO services VALUES ('', 'Built-in workflow', NULL, NULL, 'new', 'closed');"
  "INSERT INTO service_states VALUES ('', 'new', 0), ('', 'closed', 1);"
  "INSERT INTO service_edges VALUES ('', 'new', 'closed');"
  "CREATE TABLE sla_events(incident TEXT NOT NULL REFERENCES incidents(id) DEFERRABLE INITIALLY DEFERRED,"
  " state TEXT NOT NULL, due INTEGER NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('met', 'breached')),"
  " at INTEGER NOT NULL, PRIMARY KEY (incident, state)) WITHOUT ROWID;";

static const char *const steps[] = {v1, v2};
_Static_assert(sizeof steps / sizeof *steps == HNS_SCHEMA_VERSION, "one migration step per schema version");

static int user_version(hns_store *st) {
  sqlite3_stmt *s = hns_prepare(st, "PRAGMA user_version");
  int v = s && sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
  sqlite3_finalize(s);
  return v;
}

/* The steps after `from`, then the new version, in the transaction the caller holds. */
static hn_status apply_steps(hns_store *st, int from) {
  for (int v = from; v < HNS_SCHEMA_VERSION; v++)
    if (sqlite3_exec(st->db, steps[v], NULL, NULL, NULL) != SQLITE_OK) {
      char doing[64];
      snprintf(doing, sizeof doing, "migrating the store to schema version %d", v + 1);
      return hns_fail(st, doing);
    }
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA user_version = %d", HNS_SCHEMA_VERSION);
  if (hns_exec(st, sql) != HN_OK) return HN_ERR_IO;
  if (from == 0)
    return hns_exec(st, "INSERT INTO store_info VALUES ('created_by', 'hornet " HN_VERSION_STRING "')");
  return HN_OK;
}

hn_status hns_migrate(hns_store *st) {
  int v = user_version(st);
  if (v < 0) return hns_fail(st, "reading the schema version");
  if (v == HNS_SCHEMA_VERSION) return HN_OK;
  if (v > HNS_SCHEMA_VERSION) goto newer;
  if (hns_begin(st) != HN_OK) return HN_ERR_IO;
  v = user_version(st); /* another process may have migrated it meanwhile */
  hn_status rc = v < 0 ? hns_fail(st, "reading the schema version") : v > HNS_SCHEMA_VERSION ? HN_ERR_SEMANTIC
                 : v < HNS_SCHEMA_VERSION ? apply_steps(st, v) : HN_OK;
  if (rc == HN_OK) return hns_commit(st);
  hns_rollback(st);
  if (rc != HN_ERR_SEMANTIC) return rc;
newer:
  return hns_failf(st, HN_ERR_SEMANTIC,
                   "the store '%s' has schema version %d, written by a newer hornet; this hornet (%s) reads "
                   "versions up to %d: use the hornet that wrote it",
                   st->path, v, HN_VERSION_STRING, HNS_SCHEMA_VERSION);
}
