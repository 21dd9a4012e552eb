/* record.c - a run writing into the case store: the session's alerts, incident records and
 * exposure changes become rows, kept in memory between checkpoints and written in the one
 * transaction that also holds the session's checkpoint, so a crash loses or repeats nothing;
 * the write lock is held only while a checkpoint commits, so analysts' commands get their turn.
 * At each checkpoint the session learns the analysts' actions since the last one, and the SLA
 * breaches the watermark passed are recorded.
 * A client of hornet.h and hornetaux.h (hn_run_stream's checkpoint store); SQLite. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "internal.h"

/* ---- rows kept until the next commit -----------------------------------------------------------
 * Each row is a statement and its values; text lives in one buffer, by offset. An incident's
 * upsert replaces its earlier one of the same batch (the record carries the whole incident). */
enum q { Q_ALERT, Q_LINK, Q_INCIDENT, Q_OPENED, Q_MERGE_TRANS, Q_MERGE_INC, Q_MERGE_LINKS, Q_EXPO_OPEN, Q_EXPO_CLOSE,
         Q_N };

static const char *const q_sql[Q_N] = {
  [Q_ALERT] = "INSERT INTO alerts(id, rule, severity, time, control, service, tags, entities, key, events, count,"
              " source, line, offset) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
  [Q_LINK] = "INSERT INTO incident_alerts(alert, incident) VALUES (?1, ?2)",
  [Q_INCIDENT] =
    "INSERT INTO incidents(id, service, domain, state, score, severity, alerts, detected_at, first_seen, last_seen,"
    " asset, why, rules, tags, tactics, techniques, controls, services, hosts, users, entities, business_units,"
    " asset_roles, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
    " ?18, ?19, ?20, ?21, ?22, ?23, ?24)"
    " ON CONFLICT(id) DO UPDATE SET service = excluded.service, domain = excluded.domain,"
    " state = CASE WHEN moved OR closed_at IS NOT NULL THEN state ELSE excluded.state END,"
    " score = excluded.score, severity = excluded.severity, alerts = excluded.alerts,"
    " first_seen = excluded.first_seen, last_seen = excluded.last_seen, asset = excluded.asset, why = excluded.why,"
    " rules = excluded.rules, tags = excluded.tags, tactics = excluded.tactics, techniques = excluded.techniques,"
    " controls = excluded.controls, services = excluded.services, hosts = excluded.hosts, users = excluded.users,"
    " entities = excluded.entities, business_units = excluded.business_units, asset_roles = excluded.asset_roles,"
    " updated_at = excluded.updated_at",
  [Q_OPENED] = "INSERT INTO transitions(incident, from_state, to_state, at, actor, why, kind)"
               " VALUES (?1, NULL, ?2, ?3, 'hornet', ?4, 'stream')",
  [Q_MERGE_TRANS] =
    "INSERT INTO transitions(incident, from_state, to_state, at, actor, why, kind)"
    " SELECT id, state, COALESCE((SELECT terminal FROM services WHERE name = COALESCE(incidents.service, '')),"
    " 'closed'), ?2, 'hornet', 'merged into ' || ?3, 'stream' FROM incidents WHERE id = ?1 AND closed_at IS NULL",
  [Q_MERGE_INC] =
    "UPDATE incidents SET merged_into = ?3, closed_at = COALESCE(closed_at, ?2),"
    " state = COALESCE((SELECT terminal FROM services WHERE name = COALESCE(incidents.service, '')), 'closed')"
    " WHERE id = ?1",
  [Q_MERGE_LINKS] = "UPDATE incident_alerts SET incident = ?2, merged_from = COALESCE(merged_from, ?1)"
                    " WHERE incident = ?1",
  [Q_EXPO_OPEN] = "INSERT INTO exposures(exposure, title, control, asset, unknown_value, opened_at, asset_exposure)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
  [Q_EXPO_CLOSE] = "UPDATE exposures SET closed_at = ?4, asset_exposure = ?5 WHERE seq = (SELECT max(seq)"
                   " FROM exposures WHERE exposure = ?1 AND asset IS ?2 AND unknown_value IS ?3 AND closed_at IS NULL)",
};

typedef struct rb_val {
  int type;                  /* SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_NULL */
  int64_t i;
  double f;
  size_t off, len;           /* text: in the batch's buffer */
} rb_val;

typedef struct rb_row {
  uint8_t q;
  bool dead;                 /* replaced by a later upsert of the same incident */
  uint32_t first, n;
} rb_row;

/* The run: the store, the program, the rows of the batch, where the input stands. */
struct hns_run {
  hns_store *st;
  const hn_program *p;
  hns_buf pack;               /* the pack's arguments as a JSON array */
  const hn_run_options *o;
  hn_session *s;             /* the session, as the last prepare saw it */
  sqlite3_stmt *q[Q_N];
  rb_row *rows;
  size_t n_rows, cap_rows;
  rb_val *vals;
  size_t n_vals, cap_vals;
  hns_buf text;
  uint32_t *latest;          /* open addressing: incident id -> its upsert row + 1 (0: empty) */
  size_t cap_latest;
  bool failed;               /* out of memory while keeping rows: the run stops at the next commit */
  bool facts;                /* the pack's facts written by this run */
  int64_t applied;           /* the last analyst action the session was told */
  void *loaded;              /* the checkpoint read at the start */
  size_t loaded_len;
  uint64_t ident_len, ident_hash; /* the input's identity: a hash of its first bytes */
  bool ident_final;
};

static rb_val *new_vals(hns_run *r, uint32_t n) {
  if (r->n_vals + n > r->cap_vals) {
    size_t cap = r->cap_vals ? r->cap_vals * 2 : 1024;
    while (cap < r->n_vals + n) cap *= 2;
    rb_val *v = realloc(r->vals, cap * sizeof *v);
    if (!v) return NULL;
    r->vals = v;
    r->cap_vals = cap;
  }
  rb_val *v = r->vals + r->n_vals;
  r->n_vals += n;
  return v;
}

/* A row of statement q with n values, to be filled by the caller; NULL (and r->failed) when
 * out of memory. */
static rb_val *row(hns_run *r, enum q q, uint32_t n) {
  if (r->failed) return NULL;
  if (r->n_rows == r->cap_rows) {
    size_t cap = r->cap_rows ? r->cap_rows * 2 : 256;
    rb_row *nr = realloc(r->rows, cap * sizeof *nr);
    if (!nr) goto nomem;
    r->rows = nr;
    r->cap_rows = cap;
  }
  size_t first = r->n_vals;
  rb_val *v = new_vals(r, n);
  if (!v) goto nomem;
  memset(v, 0, n * sizeof *v);
  r->rows[r->n_rows++] = (rb_row){(uint8_t)q, false, (uint32_t)first, n};
  return v;
nomem:
  r->failed = true;
  return NULL;
}

static void v_int(rb_val *v, int64_t i) { *v = (rb_val){SQLITE_INTEGER, i, 0, 0, 0}; }
static void v_real(rb_val *v, double f) { *v = (rb_val){SQLITE_FLOAT, 0, f, 0, 0}; }

static void v_text(hns_run *r, rb_val *v, const char *s, size_t n) {
  *v = (rb_val){SQLITE_TEXT, 0, 0, r->text.n, n};
  hns_buf_put(&r->text, s, n);
}

static void v_str(hns_run *r, rb_val *v, const char *s) {
  if (s) v_text(r, v, s, strlen(s));
  else *v = (rb_val){SQLITE_NULL, 0, 0, 0, 0};
}

/* The JSON text just built in the text buffer since `from`, as a value. */
static void v_json_since(hns_run *r, rb_val *v, size_t from) { *v = (rb_val){SQLITE_TEXT, 0, 0, from, r->text.n - from}; }

/* ---- the session's callbacks ------------------------------------------------------------------- */
static void on_alert(void *ud, const hn_alert *a) {
  hns_run *r = ud;
  rb_val *v = row(r, Q_ALERT, 14);
  if (!v) return;
  v_int(&v[0], (int64_t)a->id);
  v_str(r, &v[1], a->rule);
  v_int(&v[2], a->severity);
  if (a->timed) v_int(&v[3], a->time);
  v_str(r, &v[4], a->control);
  v_str(r, &v[5], a->service);
  size_t at = r->text.n;
  hns_buf_jarray(&r->text, a->tags, a->n_tags);
  v_json_since(r, &v[6], at);
  at = r->text.n;
  hns_buf_fields(&r->text, a->entities, a->n_entities);
  v_json_since(r, &v[7], at);
  if (a->correlation) {
    at = r->text.n;
    hns_buf_fields(&r->text, a->key, a->n_key);
    v_json_since(r, &v[8], at);
    v_int(&v[9], (int64_t)a->events);
  }
  v_int(&v[10], (int64_t)(a->count ? a->count : 1));
  v_str(r, &v[11], a->origin.source);
  v_int(&v[12], (int64_t)a->origin.line);
  v_int(&v[13], (int64_t)a->origin.offset);
}

static uint64_t hash_str(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

/* The slot of incident id in the batch's index of upserts (grown as it fills). */
static uint32_t *latest_slot(hns_run *r, const char *id) {
  if ((r->n_rows + 1) * 2 > r->cap_latest) {
    size_t cap = r->cap_latest ? r->cap_latest * 2 : 1024;
    uint32_t *nl = calloc(cap, sizeof *nl);
    if (!nl) return NULL;
    for (size_t i = 0; i < r->cap_latest; i++) /* re-insert every entry */
      if (r->latest[i]) {
        const rb_val *v = &r->vals[r->rows[r->latest[i] - 1].first];
        size_t k = hash_str(r->text.s + v->off, v->len) & (cap - 1);
        while (nl[k]) k = (k + 1) & (cap - 1);
        nl[k] = r->latest[i];
      }
    free(r->latest);
    r->latest = nl;
    r->cap_latest = cap;
  }
  size_t n = strlen(id), k = hash_str(id, n) & (r->cap_latest - 1);
  for (; r->latest[k]; k = (k + 1) & (r->cap_latest - 1)) {
    const rb_val *v = &r->vals[r->rows[r->latest[k] - 1].first];
    if (v->len == n && memcmp(r->text.s + v->off, id, n) == 0) break;
  }
  return &r->latest[k];
}

/* The incident's row as the record carries it, replacing the batch's earlier one. */
static void upsert(hns_run *r, const hn_incident *i) {
  uint32_t *slot = latest_slot(r, i->id);
  if (!slot) { r->failed = true; return; }
  rb_val *v = row(r, Q_INCIDENT, 24);
  if (!v) return;
  if (*slot) r->rows[*slot - 1].dead = true;
  *slot = (uint32_t)r->n_rows;
  v_str(r, &v[0], i->id);
  v_str(r, &v[1], i->service);
  v_str(r, &v[2], i->domain);
  v_str(r, &v[3], i->state ? i->state : "new");
  v_real(&v[4], i->score);
  v_int(&v[5], i->severity);
  v_int(&v[6], i->n_alerts);
  v_int(&v[7], i->change == HN_INCIDENT_CREATED ? i->time : i->first_seen);
  v_int(&v[8], i->first_seen);
  v_int(&v[9], i->last_seen);
  v_str(r, &v[10], i->asset);
  v_str(r, &v[11], i->why ? i->why : "");
  const hn_strings *sets[] = {&i->rules, &i->tags, &i->tactics, &i->techniques, &i->controls, &i->services,
                              &i->hosts, &i->users, &i->entities, &i->business_units, &i->asset_roles};
  for (int k = 0; k < 11; k++) {
    size_t at = r->text.n;
    hns_buf_jarray(&r->text, sets[k]->v, sets[k]->n);
    v_json_since(r, &v[12 + k], at);
  }
  v_int(&v[23], i->time);
}

/* A merge: the incident merged away is closed (a stream transition), its alerts move. */
static void merged(hns_run *r, const hn_incident *i) {
  enum q qs[] = {Q_MERGE_TRANS, Q_MERGE_INC, Q_MERGE_LINKS};
  for (int k = 0; k < 3; k++) {
    rb_val *v = row(r, qs[k], qs[k] == Q_MERGE_LINKS ? 2 : 3);
    if (!v) return;
    v_str(r, &v[0], i->merged_from);
    if (qs[k] == Q_MERGE_LINKS) v_str(r, &v[1], i->id);
    else {
      v_int(&v[1], i->time);
      v_str(r, &v[2], i->id);
    }
  }
}

static void on_incident(void *ud, const hn_incident *i) {
  hns_run *r = ud;
  upsert(r, i);
  if (i->change == HN_INCIDENT_MERGED) {
    merged(r, i);
    return;
  }
  if (i->change == HN_INCIDENT_CREATED) {
    rb_val *v = row(r, Q_OPENED, 4);
    if (!v) return;
    v_str(r, &v[0], i->id);
    v_str(r, &v[1], i->state ? i->state : "new");
    v_int(&v[2], i->time);
    size_t at = r->text.n;
    hns_buf_printf(&r->text, "opened by alert %" PRIu64 " (%s)", i->alert_id, i->alert_rule ? i->alert_rule : "?");
    v_json_since(r, &v[3], at);
  }
  if (i->alert_id) {
    rb_val *v = row(r, Q_LINK, 2);
    if (!v) return;
    v_int(&v[0], (int64_t)i->alert_id);
    v_str(r, &v[1], i->id);
  }
}

static void on_exposure(void *ud, const hn_exposure_change *x) {
  hns_run *r = ud;
  rb_val *v = row(r, x->opened ? Q_EXPO_OPEN : Q_EXPO_CLOSE, x->opened ? 7 : 5);
  if (!v) return;
  v_str(r, &v[0], x->exposure);
  if (x->opened) {
    v_str(r, &v[1], x->title);
    v_str(r, &v[2], x->control);
  }
  int b = x->opened ? 3 : 1;
  v_str(r, &v[b], x->asset);
  v_str(r, &v[b + 1], x->asset ? NULL : x->unknown_value);
  v_int(&v[b + 2], x->time);
  v_real(&v[b + 3], x->asset_exposure);
}

/* ---- writing a batch ------------------------------------------------------------------------------- */
static hn_status bind_row(hns_run *r, sqlite3_stmt *s, const rb_row *w) {
  for (uint32_t k = 0; k < w->n; k++) {
    const rb_val *v = &r->vals[w->first + k];
    int rc = v->type == SQLITE_INTEGER ? sqlite3_bind_int64(s, (int)k + 1, v->i)
             : v->type == SQLITE_FLOAT ? sqlite3_bind_double(s, (int)k + 1, v->f)
             : v->type == SQLITE_TEXT ? sqlite3_bind_text(s, (int)k + 1, r->text.s + v->off, (int)v->len, SQLITE_STATIC)
             : sqlite3_bind_null(s, (int)k + 1);
    if (rc != SQLITE_OK) return hns_fail(r->st, "writing the run's rows");
  }
  return HN_OK;
}

static void batch_clear(hns_run *r) {
  r->n_rows = r->n_vals = 0;
  r->text.n = 0;
  if (r->latest) memset(r->latest, 0, r->cap_latest * sizeof *r->latest);
}

/* The rows kept since the last commit, in order, into the transaction the caller holds. */
static hn_status batch_write(hns_run *r) {
  if (r->failed || r->text.bad) return hns_failf(r->st, HN_ERR_NOMEM, "out of memory keeping the run's rows");
  for (size_t i = 0; i < r->n_rows; i++) {
    const rb_row *w = &r->rows[i];
    if (w->dead) continue;
    sqlite3_stmt *s = r->q[w->q];
    if (bind_row(r, s, w) != HN_OK) return HN_ERR_IO;
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return hns_fail(r->st, "writing the run's rows");
  }
  batch_clear(r);
  return HN_OK;
}

/* ---- the pack's facts: what the KPIs join incidents with ------------------------------------------ */
static hn_status fact_rules(hns_run *r) {
  sqlite3_stmt *s = hns_prepare(r->st, "INSERT INTO rules VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  sqlite3_stmt *c = hns_prepare(r->st, "INSERT OR IGNORE INTO controls VALUES (?1)");
  hn_status rc = s && c ? HN_OK : HN_ERR_IO;
  hns_buf tags = {0};
  for (uint32_t i = 0; rc == HN_OK && i < hn_program_rule_count(r->p); i++) {
    hn_rule_view v;
    if (hn_program_rule(r->p, i, &v) != HN_OK) continue;
    tags.n = 0;
    hns_buf_jarray(&tags, v.tags, v.n_tags);
    const char *text[] = {v.name, v.id, v.title, NULL, v.control, v.service, v.status, v.kind, tags.s};
    for (int k = 0; k < 9; k++)
      if (k != 3) sqlite3_bind_text(s, k + 1, text[k], -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, v.severity);
    if (sqlite3_step(s) != SQLITE_DONE) rc = hns_fail(r->st, "writing the pack's rules");
    sqlite3_reset(s);
    if (!v.control) continue;
    sqlite3_bind_text(c, 1, v.control, -1, SQLITE_STATIC);
    if (sqlite3_step(c) != SQLITE_DONE) rc = hns_fail(r->st, "writing the pack's controls");
    sqlite3_reset(c);
  }
  hns_buf_free(&tags);
  sqlite3_finalize(s);
  sqlite3_finalize(c);
  return rc;
}

static hn_status fact_assets(hns_run *r) {
  sqlite3_stmt *s = hns_prepare(r->st, "INSERT OR REPLACE INTO assets VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  hn_status rc = s ? HN_OK : HN_ERR_IO;
  hns_buf tags = {0};
  for (uint32_t i = 0; rc == HN_OK && i < hn_program_asset_count(r->p); i++) {
    hn_asset_view a;
    if (hn_program_asset(r->p, i, &a) != HN_OK) continue;
    tags.n = 0;
    hns_buf_jarray(&tags, a.tags, a.n_tags);
    const char *text[] = {a.name, a.business_unit, a.owner, a.role};
    for (int k = 0; k < 4; k++) sqlite3_bind_text(s, k + 1, text[k], -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, (int)a.criticality);
    sqlite3_bind_int(s, 6, a.managed);
    sqlite3_bind_text(s, 7, tags.s, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 8, (int)a.vulnerabilities);
    sqlite3_bind_int(s, 9, (int)a.open_vulnerabilities);
    if (sqlite3_step(s) != SQLITE_DONE) rc = hns_fail(r->st, "writing the pack's assets");
    sqlite3_reset(s);
  }
  hns_buf_free(&tags);
  sqlite3_finalize(s);
  return rc;
}

static hn_status fact_identities(hns_run *r) {
  sqlite3_stmt *s = hns_prepare(r->st, "INSERT OR REPLACE INTO identities VALUES (?1, ?2, ?3, ?4)");
  hn_status rc = s ? HN_OK : HN_ERR_IO;
  for (uint32_t i = 0; rc == HN_OK && i < hn_program_identity_count(r->p); i++) {
    hn_identity_view d;
    if (hn_program_identity(r->p, i, &d) != HN_OK) continue;
    const char *text[] = {d.name, d.business_unit, d.department};
    for (int k = 0; k < 3; k++) sqlite3_bind_text(s, k + 1, text[k], -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, d.privileged);
    if (sqlite3_step(s) != SQLITE_DONE) rc = hns_fail(r->st, "writing the pack's identities");
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  return rc;
}

static hn_status fact_domains(hns_run *r) {
  sqlite3_stmt *s = hns_prepare(r->st, "INSERT OR REPLACE INTO domains VALUES (?1, ?2, ?3, ?4, ?5)");
  hn_status rc = s ? HN_OK : HN_ERR_IO;
  for (uint32_t i = 0; rc == HN_OK && i < hn_program_domain_count(r->p); i++) {
    hn_domain_view d;
    if (hn_program_domain(r->p, i, &d) != HN_OK) continue;
    sqlite3_bind_text(s, 1, d.name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, d.title, -1, SQLITE_STATIC);
    if (d.wip >= 0) sqlite3_bind_int(s, 3, d.wip);
    else sqlite3_bind_null(s, 3);
    sqlite3_bind_int(s, 4, d.is_default);
    sqlite3_bind_int(s, 5, (int)i);
    if (sqlite3_step(s) != SQLITE_DONE) rc = hns_fail(r->st, "writing the pack's domains");
    sqlite3_reset(s);
  }
  sqlite3_finalize(s);
  return rc;
}

/* Runs s (already prepared) with the service's name as ?1, text ?2 and ?3 (NULL: unbound) and
 * the integer ?4 (when i >= 0). */
static hn_status svc_row(hns_run *r, sqlite3_stmt *s, const char *svc, const char *a, const char *b, int64_t i) {
  sqlite3_bind_text(s, 1, svc, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 2, a, -1, SQLITE_STATIC);
  if (b) sqlite3_bind_text(s, 3, b, -1, SQLITE_STATIC);
  if (i >= 0) sqlite3_bind_int64(s, b ? 4 : 3, i);
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return rc == SQLITE_DONE ? HN_OK : hns_fail(r->st, "writing the pack's services");
}

/* One service's workflow: its row, states, edges, SLAs, steps (numbered per state) and
 * required fields. */
static hn_status fact_service(hns_run *r, sqlite3_stmt **q, const hn_service_view *v) {
  hn_domain_view d = {0};
  if (v->domain != UINT32_MAX) hn_program_domain(r->p, v->domain, &d);
  sqlite3_bind_text(q[0], 1, v->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(q[0], 2, v->title, -1, SQLITE_STATIC);
  sqlite3_bind_text(q[0], 3, v->description, -1, SQLITE_STATIC);
  sqlite3_bind_text(q[0], 4, d.name, -1, SQLITE_STATIC);
  sqlite3_bind_text(q[0], 5, v->states[0], -1, SQLITE_STATIC);
  sqlite3_bind_text(q[0], 6, v->states[v->n_states - 1], -1, SQLITE_STATIC);
  int step = sqlite3_step(q[0]);
  sqlite3_reset(q[0]);
  hn_status rc = step == SQLITE_DONE ? HN_OK : hns_fail(r->st, "writing the pack's services");
  for (uint32_t k = 0; rc == HN_OK && k < v->n_states; k++) rc = svc_row(r, q[1], v->name, v->states[k], NULL, k);
  for (uint32_t k = 0; rc == HN_OK && k < v->n_edges; k++)
    rc = svc_row(r, q[2], v->name, v->states[v->edges[2 * k]], v->states[v->edges[2 * k + 1]], -1);
  for (uint32_t k = 0; rc == HN_OK && k < v->n_slas; k++)
    rc = svc_row(r, q[3], v->name, v->states[v->slas[k].state], NULL, v->slas[k].within);
  for (uint32_t k = 0, n = 0; rc == HN_OK && k < v->n_steps; k++) {
    n = k && v->steps[k - 1].state == v->steps[k].state ? n + 1 : 1;
    sqlite3_bind_text(q[4], 4, v->steps[k].text, -1, SQLITE_STATIC);
    rc = svc_row(r, q[4], v->name, v->states[v->steps[k].state], NULL, n);
  }
  for (uint32_t k = 0; rc == HN_OK && k < v->n_require; k++) rc = svc_row(r, q[5], v->name, v->require[k], NULL, -1);
  return rc;
}

/* The services' workflows; the built-in one ('') is the schema's and stays. */
static hn_status fact_services(hns_run *r) {
  static const char *const sql[] = {
    "INSERT INTO services VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "INSERT INTO service_states VALUES (?1, ?2, ?3)",
    "INSERT OR IGNORE INTO service_edges VALUES (?1, ?2, ?3)", "INSERT INTO service_slas VALUES (?1, ?2, ?3)",
    "INSERT INTO service_steps(service, state, number, text) VALUES (?1, ?2, ?3, ?4)",
    "INSERT OR IGNORE INTO service_requires VALUES (?1, ?2)"};
  sqlite3_stmt *q[6] = {0};
  hn_status rc = hns_exec(r->st, "DELETE FROM services WHERE name <> ''; DELETE FROM service_states WHERE service <> '';"
                                 " DELETE FROM service_edges WHERE service <> ''; DELETE FROM service_slas;"
                                 " DELETE FROM service_steps; DELETE FROM service_requires;");
  for (int k = 0; k < 6 && rc == HN_OK; k++)
    if (!(q[k] = hns_prepare(r->st, sql[k]))) rc = HN_ERR_IO;
  for (uint32_t i = 0; rc == HN_OK && i < hn_program_service_count(r->p); i++) {
    hn_service_view v;
    if (hn_program_service(r->p, i, &v) == HN_OK && v.n_states) rc = fact_service(r, q, &v);
  }
  for (int k = 0; k < 6; k++) sqlite3_finalize(q[k]);
  return rc;
}

/* The pack the run uses, as the store's snapshot: its rules and the controls they name, its
 * inventories, its domains and workflows (each run's pack replaces the previous one's). */
static hn_status facts(hns_run *r) {
  hn_status rc = hns_exec(r->st, "DELETE FROM rules; DELETE FROM controls; DELETE FROM assets;"
                                 " DELETE FROM identities; DELETE FROM domains;");
  if (rc == HN_OK) rc = fact_rules(r);
  if (rc == HN_OK) rc = fact_assets(r);
  if (rc == HN_OK) rc = fact_identities(r);
  if (rc == HN_OK) rc = fact_domains(r);
  if (rc == HN_OK) rc = fact_services(r);
  return rc;
}

/* ---- the input's identity ---------------------------------------------------------------------------
 * A checkpoint resumes its input at its offset only on the same input: one whose first bytes
 * (up to 64 KiB, as many as were read) hash the same. Another input (the next day's file) is
 * read from its start, the session carrying on; a stream that is not a file is never seeked. */
enum { IDENT_MAX = 65536 };

static bool input_hash(FILE *in, uint64_t len, uint64_t *hash) {
  struct stat sb;
  if (!in || fstat(fileno(in), &sb) != 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size < len) return false;
  char *b = malloc(len + 1);
  bool ok = b && pread(fileno(in), b, len, 0) == (ssize_t)len;
  if (ok) *hash = hash_str(b, len);
  free(b);
  return ok;
}

static void ident_update(hns_run *r, uint64_t offset) {
  uint64_t want = offset < IDENT_MAX ? offset : IDENT_MAX;
  if (r->ident_final || want == r->ident_len) return;
  if (!input_hash(r->o->in, want, &r->ident_hash)) return;
  r->ident_len = want;
  r->ident_final = want == IDENT_MAX;
}

/* Whether in is the input the identity "LEN:HASH" names. */
static bool same_input(FILE *in, const char *ident) {
  unsigned long long len, want;
  uint64_t h;
  return ident && sscanf(ident, "%llu:%llx", &len, &want) == 2 && input_hash(in, len, &h) && h == want;
}

/* ---- the hooks of hn_run_stream ---------------------------------------------------------------------- */
static void report(hns_run *r) {
  if (r->o->diag) fprintf(r->o->diag, "hornet: %s\n", r->st->err);
}

static int hook_load(void *ud, const void **state, size_t *len, bool *same) {
  hns_run *r = ud;
  sqlite3_stmt *s = hns_prepare(r->st, "SELECT state, input_identity, applied FROM checkpoint WHERE id = 1");
  int rc = s ? sqlite3_step(s) : SQLITE_ERROR;
  int got = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
  if (got == 1) {
    r->loaded_len = (size_t)sqlite3_column_bytes(s, 0);
    r->loaded = malloc(r->loaded_len + 1);
    if (r->loaded) memcpy(r->loaded, sqlite3_column_blob(s, 0), r->loaded_len);
    else got = -1, hns_failf(r->st, HN_ERR_NOMEM, "out of memory reading the store's checkpoint");
    *same = same_input(r->o->in, (const char *)sqlite3_column_text(s, 1));
    r->applied = sqlite3_column_int64(s, 2);
  } else if (got < 0 && s) {
    hns_fail(r->st, "reading the checkpoint");
  }
  sqlite3_finalize(s);
  if (got < 0) report(r);
  *state = r->loaded;
  *len = r->loaded_len;
  return got;
}

/* {"record":"sla","event":"breached","time","incident","state","due"}: on --incidents. */
typedef struct breach_out {
  hns_run *r;
  FILE *f;
} breach_out;

static void on_breach(void *ud, const char *incident, const char *state, int64_t due) {
  breach_out *b = ud;
  if (!b->f) return;
  fputs("{\"record\":\"sla\",\"event\":\"breached\",\"time\":", b->f);
  hns_json_time(b->f, due);
  fputs(",\"incident\":", b->f);
  hns_json(b->f, incident);
  fputs(",\"state\":", b->f);
  hns_json(b->f, state);
  fputs(",\"due\":", b->f);
  hns_json_time(b->f, due);
  fputs("}\n", b->f);
}

/* ---- telling the session the cases -------------------------------------------------------------
 * The store is where cases change (analysts' actions, SLA breaches); the session reads them in
 * scores and domain conditions, and keeps a closed incident from taking new alerts. */
static const char case_sql[] = "SELECT state, assignee, closed_at FROM incidents WHERE id = ?1";
static const char fields_sql[] = "SELECT name, value FROM case_fields WHERE incident = ?1 ORDER BY name";

/* Tells the session the case of incident id as the store has it, its SLA clock read at `now`.
 * An incident the session no longer holds (beyond its horizon) is left alone. */
static hn_status tell(hns_run *r, sqlite3_stmt *cs, sqlite3_stmt *fs, const char *id, int64_t now) {
  hns_clock ck;
  if (hns_sla_clock(r->st, id, now, &ck) != HN_OK) return HN_ERR_IO;
  sqlite3_bind_text(cs, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(fs, 1, id, -1, SQLITE_TRANSIENT);
  hn_field f[64];
  hn_value v[64];
  size_t at[64][2];          /* the name's and the value's offsets in text: a row's text lasts one step */
  hns_buf text = {0};
  uint32_t n = 0;
  hn_status rc = HN_OK;
  if (sqlite3_step(cs) == SQLITE_ROW) {
    for (; n < 64 && sqlite3_step(fs) == SQLITE_ROW; n++)
      for (int k = 0; k < 2; k++) {
        at[n][k] = text.n;
        hns_buf_put(&text, hns_text(fs, k), strlen(hns_text(fs, k)) + 1);
      }
    for (uint32_t k = 0; k < n && !text.bad; k++) {
      const char *val = text.s + at[k][1];
      v[k] = (hn_value){.kind = HN_V_STRING, .len = (uint32_t)strlen(val), .u.s = val};
      f[k] = (hn_field){text.s + at[k][0], &v[k], 1, false};
    }
    if (text.bad) n = 0;
    hn_case_view c = {hns_text(cs, 0), sqlite3_column_type(cs, 1) == SQLITE_NULL ? NULL : hns_text(cs, 1),
                      ck.breached, ck.due, hns_time(cs, 2), f, n};
    hn_status s = hn_session_set_case(r->s, id, &c);
    if (s == HN_ERR_NOMEM || text.bad) rc = hns_failf(r->st, HN_ERR_NOMEM, "out of memory telling the session a case");
  }
  hns_buf_free(&text);
  sqlite3_reset(cs);
  sqlite3_reset(fs);
  return rc;
}

/* The incidents analysts acted on since the last checkpoint, each told once; then r->applied
 * is the last action told (the checkpoint keeps it). */
static hn_status tell_actions(hns_run *r, int64_t now) {
  sqlite3_stmt *q = hns_prepare(r->st, "SELECT incident, max(seq) FROM actions WHERE seq > ?1 GROUP BY incident"
                                       " ORDER BY min(seq)");
  sqlite3_stmt *cs = hns_prepare(r->st, case_sql), *fs = hns_prepare(r->st, fields_sql);
  hn_status rc = q && cs && fs ? HN_OK : HN_ERR_IO;
  int64_t last = r->applied;
  if (rc == HN_OK) sqlite3_bind_int64(q, 1, r->applied);
  int step = SQLITE_DONE;
  while (rc == HN_OK && (step = sqlite3_step(q)) == SQLITE_ROW) {
    int64_t seq = sqlite3_column_int64(q, 1);
    if (seq > last) last = seq;
    rc = tell(r, cs, fs, hns_text(q, 0), now);
  }
  if (rc == HN_OK && step != SQLITE_DONE) rc = hns_fail(r->st, "reading the analysts' actions");
  if (rc == HN_OK) r->applied = last;
  sqlite3_finalize(q);
  sqlite3_finalize(cs);
  sqlite3_finalize(fs);
  return rc;
}

/* What the run tells its session before a checkpoint, in the transaction the checkpoint
 * commits: the batch so far, the analysts' actions since the last checkpoint; and the SLA
 * breaches the watermark passed, recorded and emitted on --incidents (the session reads its
 * own clock against sla_due: telling it again would re-score at checkpoint times, which a
 * rerun after a crash does not reproduce). */
static hn_status prepare(hns_run *r, hn_session *s, FILE *incidents) {
  r->s = s;
  if (hns_begin(r->st) != HN_OK) return HN_ERR_IO;
  hn_status rc = r->facts ? HN_OK : facts(r);
  r->facts = true;
  if (rc == HN_OK) rc = batch_write(r);
  int64_t wm = hn_session_watermark(s);
  if (rc == HN_OK) rc = tell_actions(r, wm);
  breach_out b = {r, incidents};
  if (rc == HN_OK && wm != INT64_MIN) rc = hns_sla_breaches(r->st, wm, NULL, on_breach, &b);
  return rc;
}

static int hook_prepare(void *ud, hn_session *s, FILE *incidents) {
  hns_run *r = ud;
  if (prepare(r, s, incidents) == HN_OK) return 0;
  hns_rollback(r->st);
  report(r);
  return -1;
}

static hn_status save(hns_run *r, const void *state, size_t len, uint64_t offset, uint64_t lines) {
  if (batch_write(r) != HN_OK) return HN_ERR_IO;
  ident_update(r, offset);
  sqlite3_stmt *s = hns_prepare(r->st, "INSERT OR REPLACE INTO checkpoint VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                                       " ?9, ?10, 'hornet " HN_VERSION_STRING "')");
  if (!s) return HN_ERR_IO;
  char ident[64], prog[32];
  snprintf(ident, sizeof ident, "%" PRIu64 ":%" PRIx64, r->ident_len, r->ident_hash);
  snprintf(prog, sizeof prog, "%016" PRIx64, hn_program_fingerprint(r->p));
  int64_t wm = r->s ? hn_session_watermark(r->s) : INT64_MIN;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  sqlite3_bind_blob(s, 1, state, (int)len, SQLITE_STATIC);
  sqlite3_bind_text(s, 2, r->o->input_name ? r->o->input_name : "-", -1, SQLITE_STATIC);
  if (input_hash(r->o->in, 0, &(uint64_t){0})) sqlite3_bind_text(s, 3, ident, -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 4, (int64_t)offset);
  sqlite3_bind_int64(s, 5, (int64_t)lines);
  if (r->pack.s) sqlite3_bind_text(s, 6, r->pack.s, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 7, prog, -1, SQLITE_STATIC);
  if (wm != INT64_MIN) sqlite3_bind_int64(s, 8, wm);
  sqlite3_bind_int64(s, 9, r->applied);
  sqlite3_bind_int64(s, 10, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
  int rc = sqlite3_step(s);
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return hns_fail(r->st, "writing the checkpoint");
  return hns_commit(r->st);
}

static int hook_save(void *ud, const void *state, size_t len, uint64_t offset, uint64_t lines) {
  hns_run *r = ud;
  if (save(r, state, len, offset, lines) == HN_OK) return 0;
  hns_rollback(r->st);
  report(r);
  return -1;
}

static void run_free(hns_run *r) {
  for (int i = 0; i < Q_N; i++) sqlite3_finalize(r->q[i]);
  free(r->rows);
  free(r->vals);
  free(r->latest);
  free(r->loaded);
  hns_buf_free(&r->text);
  hns_buf_free(&r->pack);
}

hn_status hns_run_stream(hns_store *st, const hn_program *p, const char *const *pack, const hn_run_options *o,
                         hn_run_stats *stats) {
  memset(stats, 0, sizeof *stats);
  if (o->state_path) return hns_failf(st, HN_ERR_USAGE, "a run on a store keeps its state there, not in a file");
  hns_run r = {.st = st, .p = p, .o = o};
  uint32_t n = 0;
  while (pack && pack[n]) n++;
  if (pack) hns_buf_jarray(&r.pack, pack, n);
  hn_status rc = r.pack.bad ? HN_ERR_NOMEM : HN_OK;
  for (int i = 0; i < Q_N && rc == HN_OK; i++)
    if (!(r.q[i] = hns_prepare(st, q_sql[i]))) rc = HN_ERR_IO;
  if (rc != HN_OK) {
    report(&r);
    run_free(&r);
    return rc;
  }
  hn_run_store hooks = {&r, {&r, on_alert, on_incident, on_exposure, NULL}, hook_load, hook_prepare, hook_save};
  hn_run_options ro = *o;
  ro.store = &hooks;
  if (!ro.checkpoint_interval) ro.checkpoint_interval = 1000000000; /* analysts see the run within a second */
  st->run = &r;
  rc = hn_run_stream(p, &ro, stats);
  st->run = NULL;
  hns_rollback(st); /* a run stopped between a prepare and its save */
  run_free(&r);
  return rc;
}

/* The arguments kept by the last run, read back with SQLite's JSON reader into one block. */
hn_status hns_pack(hns_store *st, char ***argv) {
  *argv = NULL;
  sqlite3_stmt *s = hns_prepare(st, "SELECT j.value, (SELECT count(*) FROM json_each(c.pack)),"
                                    " (SELECT total(length(CAST(value AS BLOB)) + 1) FROM json_each(c.pack))"
                                    " FROM checkpoint c, json_each(c.pack) j WHERE c.id = 1 ORDER BY j.key");
  if (!s) return HN_ERR_IO;
  int rc, k = 0;
  char **v = NULL, *text = NULL;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (!v) {
      size_t n = (size_t)sqlite3_column_int64(s, 1), bytes = (size_t)sqlite3_column_double(s, 2);
      if (!(v = malloc((n + 1) * sizeof *v + bytes + 1))) { rc = SQLITE_NOMEM; break; }
      text = (char *)(v + n + 1);
    }
    size_t len = (size_t)sqlite3_column_bytes(s, 0);
    memcpy(text, hns_text(s, 0), len + 1);
    v[k++] = text;
    text += len + 1;
  }
  sqlite3_finalize(s);
  if (v) v[k] = NULL;
  if (rc == SQLITE_DONE && v) {
    *argv = v;
    return HN_OK;
  }
  free(v);
  if (rc == SQLITE_DONE) return hns_failf(st, HN_ERR_NOT_FOUND, "the store '%s' has had no run yet", st->path);
  return rc == SQLITE_NOMEM ? HN_ERR_NOMEM : hns_fail(st, "reading the checkpoint");
}
