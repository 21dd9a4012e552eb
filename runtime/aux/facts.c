/* facts.c - the facts KPIs are computed over (hornetaux.h: hnx_facts): rows added one by one
 * (copied), the latest record of an incident replacing the earlier ones, merged incidents
 * folded into the one they joined; and the JSON Lines reader over what `hornet run` writes
 * (incident records, exposure changes, SLA records) plus transition and case records.
 * Built on hornet.h, the arena and the JSON reader; no engine internals. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hornet/hornetaux.h"
#include "alloc.h"
#include "arena.h"
#include "json.h"
#include "value.h"

#define NONE UINT32_MAX

typedef struct casefield {
  const char *incident, *name, *value;
} casefield;

/* A growable array of rows of one kind. */
typedef struct rows {
  void *v;
  uint32_t n, cap;
} rows;

struct hnx_facts {
  hn_arena a;
  rows inc, alerts, trans, slas, exps, cases;
  const char **merged_into;    /* per incident: the incident it merged into, or NULL */
  uint32_t *map, map_cap;      /* incident id -> index + 1 (open addressing) */
  hn_fact_incident *view_inc;  /* the incidents left after merges, with their case fields */
  hn_fact_alert *view_alerts;
  hn_fact_transition *view_trans;
  hn_fact_sla *view_slas;
  hn_kpi_facts view;
  int64_t now;
  bool failed;
};

static void *row_add(hnx_facts *fx, rows *r, size_t size) {
  if (r->n == r->cap) {
    uint32_t cap = r->cap ? r->cap * 2 : 64;
    void *v = hn_realloc(r->v, cap * size);
    if (!v) { fx->failed = true; return NULL; }
    r->v = v;
    r->cap = cap;
  }
  void *o = (char *)r->v + (size_t)r->n++ * size;
  memset(o, 0, size);
  return o;
}

hnx_facts *hnx_facts_new(void) {
  hnx_facts *fx = hn_calloc(1, sizeof *fx);
  if (!fx) return NULL;
  hn_arena_init(&fx->a);
  fx->now = HN_TIME_NONE;
  return fx;
}

static void views_free(hnx_facts *fx) {
  hn_free(fx->view_inc);
  hn_free(fx->view_alerts);
  hn_free(fx->view_trans);
  hn_free(fx->view_slas);
  fx->view_inc = NULL;
  fx->view_alerts = NULL;
  fx->view_trans = NULL;
  fx->view_slas = NULL;
}

void hnx_facts_free(hnx_facts *fx) {
  if (!fx) return;
  views_free(fx);
  rows *all[] = {&fx->inc, &fx->alerts, &fx->trans, &fx->slas, &fx->exps, &fx->cases};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) hn_free(all[i]->v);
  hn_free(fx->merged_into);
  hn_free(fx->map);
  hn_arena_fini(&fx->a);
  hn_free(fx);
}

void hnx_facts_set_now(hnx_facts *fx, int64_t now) { fx->now = now; }

static const char *dup(hnx_facts *fx, const char *s) { return s ? hn_arena_strndup(&fx->a, s, strlen(s)) : NULL; }

static hn_strings dup_strings(hnx_facts *fx, hn_strings s) {
  const char **v = s.n ? hn_arena_alloc(&fx->a, s.n * sizeof *v) : NULL;
  for (uint32_t i = 0; v && i < s.n; i++) v[i] = dup(fx, s.v[i]);
  return (hn_strings){v, v ? s.n : 0};
}

/* ---- incidents by id --------------------------------------------------------------------------- */
static uint32_t hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static hn_fact_incident *incs(const hnx_facts *fx) { return fx->inc.v; }

static uint32_t find(const hnx_facts *fx, const char *id) {
  if (!fx->map_cap || !id) return NONE;
  for (uint32_t j = hash(id) & (fx->map_cap - 1); fx->map[j]; j = (j + 1) & (fx->map_cap - 1))
    if (strcmp(((hn_fact_incident *)fx->inc.v)[fx->map[j] - 1].id, id) == 0) return fx->map[j] - 1;
  return NONE;
}

static bool map_rebuild(hnx_facts *fx) {
  uint32_t cap = fx->map_cap ? fx->map_cap * 2 : 256;
  uint32_t *m = hn_calloc(cap, sizeof *m);
  if (!m) return false;
  for (uint32_t i = 0; i < fx->inc.n; i++) {
    uint32_t j = hash(incs(fx)[i].id) & (cap - 1);
    while (m[j]) j = (j + 1) & (cap - 1);
    m[j] = i + 1;
  }
  hn_free(fx->map);
  fx->map = m;
  fx->map_cap = cap;
  return true;
}

static void copy_incident(hnx_facts *fx, hn_fact_incident *d, const hn_fact_incident *x) {
  *d = *x;
  d->id = dup(fx, x->id);
  d->state = dup(fx, x->state);
  d->assignee = dup(fx, x->assignee);
  d->domain = dup(fx, x->domain);
  d->service = dup(fx, x->service);
  d->asset = dup(fx, x->asset);
  hn_strings *dl[] = {&d->rules, &d->tags, &d->tactics, &d->techniques, &d->controls, &d->services, &d->hosts,
                      &d->users, &d->entities, &d->business_units, &d->asset_roles};
  for (size_t i = 0; i < sizeof dl / sizeof *dl; i++) *dl[i] = dup_strings(fx, *dl[i]);
  hn_fact_field *cf = x->n_case_fields ? hn_arena_alloc(&fx->a, x->n_case_fields * sizeof *cf) : NULL;
  for (uint32_t i = 0; cf && i < x->n_case_fields; i++) cf[i] = (hn_fact_field){dup(fx, x->case_fields[i].name), dup(fx, x->case_fields[i].value)};
  d->case_fields = cf;
  d->n_case_fields = cf ? x->n_case_fields : 0;
  hn_fact_time *en = x->n_entered ? hn_arena_alloc(&fx->a, x->n_entered * sizeof *en) : NULL;
  for (uint32_t i = 0; en && i < x->n_entered; i++) en[i] = (hn_fact_time){dup(fx, x->entered[i].name), x->entered[i].at};
  d->entered = en;
  d->n_entered = en ? x->n_entered : 0;
}

hn_status hnx_facts_incident(hnx_facts *fx, const hn_fact_incident *x) {
  if (!x->id) return HN_ERR_USAGE;
  views_free(fx);
  uint32_t i = find(fx, x->id);
  if (i != NONE) { /* a later record of it: the latest wins, but it was detected when first seen */
    int64_t detected = incs(fx)[i].detected_at;
    copy_incident(fx, &incs(fx)[i], x);
    if (detected != HN_TIME_NONE && (x->detected_at == HN_TIME_NONE || detected < x->detected_at))
      incs(fx)[i].detected_at = detected;
    return fx->a.failed ? HN_ERR_NOMEM : HN_OK;
  }
  if ((fx->inc.n + 1) * 2 > fx->map_cap && !map_rebuild(fx)) return HN_ERR_NOMEM;
  hn_fact_incident *d = row_add(fx, &fx->inc, sizeof *d);
  const char **mi = d ? hn_realloc(fx->merged_into, fx->inc.n * sizeof *mi) : NULL;
  if (!mi) { fx->inc.n -= d != NULL; return HN_ERR_NOMEM; }
  fx->merged_into = mi;
  mi[fx->inc.n - 1] = NULL;
  copy_incident(fx, d, x);
  uint32_t j = hash(d->id) & (fx->map_cap - 1);
  while (fx->map[j]) j = (j + 1) & (fx->map_cap - 1);
  fx->map[j] = fx->inc.n;
  return fx->a.failed ? HN_ERR_NOMEM : HN_OK;
}

hn_status hnx_facts_merged(hnx_facts *fx, const char *from, const char *into) {
  uint32_t i = find(fx, from);
  if (i == NONE || !into) return HN_ERR_NOT_FOUND;
  views_free(fx);
  fx->merged_into[i] = dup(fx, into);
  return fx->a.failed ? HN_ERR_NOMEM : HN_OK;
}

hn_status hnx_facts_alert(hnx_facts *fx, const hn_fact_alert *a) {
  hn_fact_alert *d = row_add(fx, &fx->alerts, sizeof *d);
  if (!d) return HN_ERR_NOMEM;
  views_free(fx);
  *d = *a;
  d->incident = dup(fx, a->incident);
  d->rule = dup(fx, a->rule);
  d->title = dup(fx, a->title);
  d->control = dup(fx, a->control);
  d->service = dup(fx, a->service);
  d->tags = dup_strings(fx, a->tags);
  d->tactics = dup_strings(fx, a->tactics);
  d->techniques = dup_strings(fx, a->techniques);
  d->entities = dup_strings(fx, a->entities);
  return fx->a.failed ? HN_ERR_NOMEM : HN_OK;
}

hn_status hnx_facts_transition(hnx_facts *fx, const hn_fact_transition *t) {
  hn_fact_transition *d = row_add(fx, &fx->trans, sizeof *d);
  if (!d) return HN_ERR_NOMEM;
  views_free(fx);
  *d = (hn_fact_transition){dup(fx, t->incident), dup(fx, t->from), dup(fx, t->to), dup(fx, t->actor), dup(fx, t->kind), t->at};
  return fx->a.failed ? HN_ERR_NOMEM : HN_OK;
}

hn_status hnx_facts_sla(hnx_facts *fx, const hn_fact_sla *s) {
  hn_fact_sla *d = row_add(fx, &fx->slas, sizeof *d);
  if (!d) return HN_ERR_NOMEM;
  views_free(fx);
  *d = (hn_fact_sla){dup(fx, s->incident), dup(fx, s->service), dup(fx, s->state), s->due, s->at, s->met};
  return fx->a.failed ? HN_ERR_NOMEM : HN_OK;
}

hn_status hnx_facts_exposure(hnx_facts *fx, const hn_fact_exposure *w) {
  hn_fact_exposure *d = row_add(fx, &fx->exps, sizeof *d);
  if (!d) return HN_ERR_NOMEM;
  *d = (hn_fact_exposure){dup(fx, w->exposure), dup(fx, w->asset), dup(fx, w->value), dup(fx, w->control), w->opened,
                          w->closed};
  return fx->a.failed ? HN_ERR_NOMEM : HN_OK;
}

static bool same(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

hn_status hnx_facts_exposure_closed(hnx_facts *fx, const char *exposure, const char *asset, const char *value,
                                    int64_t at) {
  hn_fact_exposure *w = fx->exps.v;
  for (uint32_t i = fx->exps.n; i-- > 0;)
    if (w[i].closed == HN_TIME_NONE && same(w[i].exposure, exposure) && same(w[i].asset, asset) && same(w[i].value, value)) {
      w[i].closed = at;
      return HN_OK;
    }
  return HN_ERR_NOT_FOUND;
}

hn_status hnx_facts_case_field(hnx_facts *fx, const char *incident, const char *name, const char *value) {
  casefield *c = row_add(fx, &fx->cases, sizeof *c);
  if (!c) return HN_ERR_NOMEM;
  views_free(fx);
  *c = (casefield){dup(fx, incident), dup(fx, name), dup(fx, value)};
  return fx->a.failed ? HN_ERR_NOMEM : HN_OK;
}

/* ---- the view: merges folded, case fields joined ------------------------------------------------ */
/* The incident id rows of a merged incident belong to: the end of its merge chain. */
static const char *final_id(const hnx_facts *fx, const char *id) {
  for (uint32_t hops = 0; id && hops <= fx->inc.n; hops++) {
    uint32_t i = find(fx, id);
    if (i == NONE || !fx->merged_into[i]) return i == NONE ? id : incs(fx)[i].id;
    id = fx->merged_into[i];
  }
  return id;
}

/* An incident's case fields: its record's, then its case records' (idx[0..n), in order; a
 * later one wins). */
static bool join_cases(hnx_facts *fx, hn_fact_incident *d, const uint32_t *idx, uint32_t extra) {
  const casefield *c = fx->cases.v;
  if (!extra) return true;
  hn_fact_field *v = hn_arena_alloc(&fx->a, (d->n_case_fields + extra) * sizeof *v);
  if (!v) return false;
  uint32_t n = d->n_case_fields;
  if (n) memcpy(v, d->case_fields, n * sizeof *v);
  for (uint32_t j = 0; j < extra; j++) {
    const casefield *x = &c[idx[j]];
    uint32_t k = 0;
    while (k < n && strcmp(v[k].name, x->name) != 0) k++;
    v[k] = (hn_fact_field){x->name, x->value};
    n += k == n;
  }
  d->case_fields = v;
  d->n_case_fields = n;
  return true;
}

/* The case records grouped by incident (after merges), in their order: incident i's are
 * order[start[i] .. start[i + 1]). NULL when out of memory. */
static uint32_t *group_cases(hnx_facts *fx, uint32_t **order) {
  uint32_t n = fx->inc.n, nc = fx->cases.n;
  uint32_t *start = hn_calloc((size_t)n + 2, sizeof *start), *of = hn_malloc((nc ? nc : 1) * sizeof *of);
  *order = hn_malloc((nc ? nc : 1) * sizeof **order);
  if (!start || !of || !*order) { hn_free(start); hn_free(of); hn_free(*order); return NULL; }
  const casefield *c = fx->cases.v;
  for (uint32_t j = 0; j < nc; j++) {
    of[j] = find(fx, final_id(fx, c[j].incident));
    if (of[j] != NONE) start[of[j] + 1]++;
  }
  for (uint32_t i = 0; i < n; i++) start[i + 1] += start[i];
  uint32_t *pos = hn_malloc(((size_t)n + 1) * sizeof *pos);
  if (!pos) { hn_free(start); hn_free(of); hn_free(*order); return NULL; }
  memcpy(pos, start, ((size_t)n + 1) * sizeof *pos);
  for (uint32_t j = 0; j < nc; j++)
    if (of[j] != NONE) (*order)[pos[of[j]]++] = j;
  hn_free(pos);
  hn_free(of);
  return start;
}

const hn_kpi_facts *hnx_facts_view(hnx_facts *fx) {
  if (fx->failed || fx->a.failed) return NULL;
  views_free(fx);
  uint32_t n = fx->inc.n;
  fx->view_inc = hn_malloc((n ? n : 1) * sizeof *fx->view_inc);
  fx->view_alerts = hn_malloc((fx->alerts.n ? fx->alerts.n : 1) * sizeof *fx->view_alerts);
  fx->view_trans = hn_malloc((fx->trans.n ? fx->trans.n : 1) * sizeof *fx->view_trans);
  fx->view_slas = hn_malloc((fx->slas.n ? fx->slas.n : 1) * sizeof *fx->view_slas);
  if (!fx->view_inc || !fx->view_alerts || !fx->view_trans || !fx->view_slas) { views_free(fx); return NULL; }
  uint32_t kept = 0, *order = NULL, *start = group_cases(fx, &order);
  if (!start) { views_free(fx); return NULL; }
  bool ok = true;
  for (uint32_t i = 0; ok && i < n; i++) {
    if (fx->merged_into[i]) continue;
    fx->view_inc[kept] = incs(fx)[i];
    ok = join_cases(fx, &fx->view_inc[kept++], order + start[i], start[i + 1] - start[i]);
  }
  hn_free(start);
  hn_free(order);
  if (!ok) { views_free(fx); return NULL; }
  if (fx->alerts.n) memcpy(fx->view_alerts, fx->alerts.v, fx->alerts.n * sizeof *fx->view_alerts);
  if (fx->trans.n) memcpy(fx->view_trans, fx->trans.v, fx->trans.n * sizeof *fx->view_trans);
  if (fx->slas.n) memcpy(fx->view_slas, fx->slas.v, fx->slas.n * sizeof *fx->view_slas);
  for (uint32_t i = 0; i < fx->alerts.n; i++) fx->view_alerts[i].incident = final_id(fx, fx->view_alerts[i].incident);
  for (uint32_t i = 0; i < fx->trans.n; i++) fx->view_trans[i].incident = final_id(fx, fx->view_trans[i].incident);
  for (uint32_t i = 0; i < fx->slas.n; i++) fx->view_slas[i].incident = final_id(fx, fx->view_slas[i].incident);
  fx->view = (hn_kpi_facts){fx->view_inc, kept, fx->view_alerts, fx->alerts.n, fx->view_trans, fx->trans.n,
                            fx->view_slas, fx->slas.n, fx->exps.v, fx->exps.n, fx->now};
  return &fx->view;
}

/* ---- JSON Lines ----------------------------------------------------------------------------------- */
typedef struct reader {
  hnx_facts *fx;
  const char *name;
  uint64_t line;
  char *err;
  size_t errlen;
  hnx_read_stats *st;
  const char **strs;           /* the string lists of the record being read (borrowed from the tree) */
  uint32_t n_strs, cap_strs;
} reader;

static hn_status bad(reader *r, const char *fmt, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, fmt, what);
  snprintf(r->err, r->errlen, "%s:%" PRIu64 ": %s", r->name, r->line, msg);
  return HN_ERR_SYNTAX;
}

/* A time field: HN_TIME_NONE when absent or null; an error when not an RFC 3339 time. */
static hn_status get_time(reader *r, const jx *o, const char *key, int64_t *out) {
  const jx *v = jx_get(o, key);
  *out = HN_TIME_NONE;
  if (!v || v->kind == JX_NULL) return HN_OK;
  if (v->kind != JX_STR || !hn_time_parse(v->s, strlen(v->s), out)) return bad(r, "'%s' is not a time (RFC 3339)", key);
  return HN_OK;
}

/* A list of strings (non-strings left out), its pointers kept in r->strs until the record ends. */
static hn_strings get_strs(reader *r, const jx *o, const char *key) {
  const jx *v = jx_get(o, key);
  if (!v || v->kind != JX_ARR) return (hn_strings){NULL, 0};
  if (r->n_strs + v->n > r->cap_strs) {
    uint32_t cap = (r->n_strs + v->n) * 2 + 16;
    const char **s = hn_realloc(r->strs, cap * sizeof *s);
    if (!s) { r->fx->failed = true; return (hn_strings){NULL, 0}; }
    r->strs = s; /* earlier lists of the record point into the old block: lists are taken in one go below */
    r->cap_strs = cap;
  }
  uint32_t first = r->n_strs;
  for (uint32_t i = 0; i < v->n; i++)
    if (v->items[i].kind == JX_STR) r->strs[r->n_strs++] = v->items[i].s;
  return (hn_strings){r->strs + first, r->n_strs - first};
}

/* Name/value pairs of an object of strings ("case"), NULL values for nulls. */
static uint32_t get_fields(const jx *o, const char *key, hn_fact_field *out, uint32_t cap) {
  const jx *v = jx_get(o, key);
  uint32_t n = 0;
  for (uint32_t i = 0; v && v->kind == JX_OBJ && i < v->n && n < cap; i++)
    if (v->items[i].kind == JX_STR) out[n++] = (hn_fact_field){v->keys[i], v->items[i].s};
  return n;
}

static uint32_t get_uint(const jx *o, const char *key) {
  const jx *v = jx_get(o, key);
  return v && v->kind == JX_NUM && v->num >= 0 && v->num < 4e9 ? (uint32_t)v->num : 0;
}

enum { MAX_CASE = 64, N_LISTS = 11 };
static const char *const list_keys[N_LISTS] = {"rules", "tags", "tactics", "techniques", "controls", "services",
                                               "hosts", "users", "entities", "business_units", "asset_roles"};

/* {"id", "first_seen", "last_seen", "detected_at"?, "closed_at"?, "sla_due"?, "sla_breached"?, "severity",
 *  "alerts", "domain", "asset"?, "service"?, "state"?, "assignee"?, "case"?, and the lists}. */
static hn_status read_incident(reader *r, const jx *o, int64_t time, hn_fact_incident *x) {
  memset(x, 0, sizeof *x);
  x->id = jx_str(o, "id");
  if (!x->id) return bad(r, "an incident record without an %s", "\"id\"");
  hn_status st = get_time(r, o, "first_seen", &x->first_seen);
  if (!st) st = get_time(r, o, "last_seen", &x->last_seen);
  if (!st) st = get_time(r, o, "detected_at", &x->detected_at);
  if (!st) st = get_time(r, o, "closed_at", &x->closed_at);
  if (!st) st = get_time(r, o, "sla_due", &x->sla_due);
  if (st) return st;
  if (x->detected_at == HN_TIME_NONE) x->detected_at = time != HN_TIME_NONE ? time : x->first_seen;
  const jx *b = jx_get(o, "sla_breached");
  x->sla_breached = b && b->kind == JX_BOOL && b->b;
  b = jx_get(o, "exposed");
  x->exposed = b && b->kind == JX_BOOL && b->b;
  x->severity = get_uint(o, "severity");
  x->alert_count = get_uint(o, "alerts");
  x->state = jx_str(o, "state");
  x->assignee = jx_str(o, "assignee");
  x->domain = jx_str(o, "domain");
  x->service = jx_str(o, "service");
  x->asset = jx_str(o, "asset");
  /* every list first into r->strs (which may move), then the pointers */
  uint32_t at[N_LISTS + 1];
  r->n_strs = 0;
  for (int i = 0; i < N_LISTS; i++) {
    at[i] = r->n_strs;
    get_strs(r, o, list_keys[i]);
  }
  at[N_LISTS] = r->n_strs;
  hn_strings *dl[N_LISTS] = {&x->rules, &x->tags, &x->tactics, &x->techniques, &x->controls, &x->services,
                             &x->hosts, &x->users, &x->entities, &x->business_units, &x->asset_roles};
  for (int i = 0; i < N_LISTS; i++) *dl[i] = (hn_strings){r->strs + at[i], at[i + 1] - at[i]};
  return r->fx->failed ? HN_ERR_NOMEM : HN_OK;
}

static const char *const sev_names[] = {"unknown", "info", "low", "medium", "high", "critical"};

static uint32_t sev_of(const char *s) {
  for (uint32_t i = 1; s && i < 6; i++)
    if (strcmp(s, sev_names[i]) == 0) return i;
  return 0;
}

/* {"record":"incident","event","time","alert"?,"incident"} and {"event":"merged","into","from"}:
 * each record an alert caused is that alert, joined to its incident. */
static hn_status rec_incident(reader *r, const jx *o) {
  const char *event = jx_str(o, "event");
  int64_t time;
  hn_status st = get_time(r, o, "time", &time);
  if (st) return st;
  if (event && strcmp(event, "merged") == 0) {
    const char *from = jx_str(o, "from"), *into = jx_str(o, "into");
    if (!from || !into) return bad(r, "a merge record wants %s", "\"from\" and \"into\"");
    st = hnx_facts_merged(r->fx, from, into);
    return st == HN_ERR_NOT_FOUND ? bad(r, "a merge of an incident no record before named ('%s')", from) : st;
  }
  const jx *inc = jx_get(o, "incident");
  if (!inc || inc->kind != JX_OBJ) return bad(r, "an incident record without its %s", "\"incident\"");
  hn_fact_incident x;
  hn_fact_field cf[MAX_CASE];
  if ((st = read_incident(r, inc, time, &x))) return st;
  x.n_case_fields = get_fields(inc, "case", cf, MAX_CASE);
  x.case_fields = cf;
  if ((st = hnx_facts_incident(r->fx, &x))) return st;
  r->st->incidents++;
  const char *rule = jx_str(o, "alert");
  if (!rule) return HN_OK;
  hn_fact_alert a = {.incident = x.id, .rule = rule, .severity = sev_of(jx_str(o, "alert_severity")), .time = time, .count = 1};
  r->st->alerts++;
  return hnx_facts_alert(r->fx, &a);
}

/* {"record":"exposure","event":"opened"|"closed","time","exposure",("asset"|"unknown_asset"),"control"?} */
static hn_status rec_exposure(reader *r, const jx *o) {
  const char *event = jx_str(o, "event"), *name = jx_str(o, "exposure");
  const char *asset = jx_str(o, "asset"), *value = asset ? NULL : jx_str(o, "unknown_asset");
  int64_t time;
  hn_status st = get_time(r, o, "time", &time);
  if (st) return st;
  if (!name || !event || time == HN_TIME_NONE) return bad(r, "an exposure record wants %s", "\"event\", \"time\" and \"exposure\"");
  r->st->exposures++;
  if (strcmp(event, "closed") == 0) {
    if (hnx_facts_exposure_closed(r->fx, name, asset, value, time) == HN_OK) return HN_OK;
    hn_fact_exposure w = {name, asset, value, jx_str(o, "control"), HN_TIME_NONE, time}; /* opened before the facts */
    return hnx_facts_exposure(r->fx, &w);
  }
  hn_fact_exposure w = {name, asset, value, jx_str(o, "control"), time, HN_TIME_NONE};
  return hnx_facts_exposure(r->fx, &w);
}

/* {"record":"transition","incident","from"?,"to","time","actor"?,"kind"?} */
static hn_status rec_transition(reader *r, const jx *o) {
  hn_fact_transition t = {jx_str(o, "incident"), jx_str(o, "from"), jx_str(o, "to"), jx_str(o, "actor"),
                          jx_str(o, "kind"), HN_TIME_NONE};
  hn_status st = get_time(r, o, "time", &t.at);
  if (st) return st;
  if (!t.incident || !t.to || t.at == HN_TIME_NONE) return bad(r, "a transition record wants %s", "\"incident\", \"to\" and \"time\"");
  r->st->transitions++;
  return hnx_facts_transition(r->fx, &t);
}

/* {"record":"sla","event":"breached"|"met","time","incident","state","due","service"?} */
static hn_status rec_sla(reader *r, const jx *o) {
  const char *event = jx_str(o, "event");
  hn_fact_sla s = {jx_str(o, "incident"), jx_str(o, "service"), jx_str(o, "state"), HN_TIME_NONE, HN_TIME_NONE, false};
  hn_status st = get_time(r, o, "due", &s.due);
  if (!st) st = get_time(r, o, "time", &s.at);
  if (st) return st;
  if (!s.incident || !s.state || !event || (strcmp(event, "met") != 0 && strcmp(event, "breached") != 0) ||
      (s.due == HN_TIME_NONE && s.at == HN_TIME_NONE))
    return bad(r, "an SLA record wants %s", "\"event\" (met or breached), \"incident\", \"state\" and \"due\" or \"time\"");
  s.met = strcmp(event, "met") == 0;
  r->st->slas++;
  return hnx_facts_sla(r->fx, &s);
}

/* {"record":"case","incident","field","value"} (value null unsets) */
static hn_status rec_case(reader *r, const jx *o) {
  const char *inc = jx_str(o, "incident"), *field = jx_str(o, "field");
  if (!inc || !field) return bad(r, "a case record wants %s", "\"incident\" and \"field\"");
  r->st->cases++;
  return hnx_facts_case_field(r->fx, inc, field, jx_str(o, "value"));
}

static hn_status read_line(reader *r, const char *text, size_t len) {
  jx o;
  char perr[128];
  size_t col = jx_parse(text, len, &o, perr, sizeof perr);
  if (col) {
    snprintf(r->err, r->errlen, "%s:%" PRIu64 ":%zu: %s", r->name, r->line, col, perr);
    return HN_ERR_SYNTAX;
  }
  hn_status st = HN_OK;
  const char *rec = jx_str(&o, "record");
  if (o.kind != JX_OBJ) st = bad(r, "a line must be a JSON %s", "object");
  else if (!rec) r->st->skipped++; /* an alert line: alerts come from the incident records */
  else if (strcmp(rec, "incident") == 0) st = rec_incident(r, &o);
  else if (strcmp(rec, "exposure") == 0) st = rec_exposure(r, &o);
  else if (strcmp(rec, "transition") == 0) st = rec_transition(r, &o);
  else if (strcmp(rec, "sla") == 0) st = rec_sla(r, &o);
  else if (strcmp(rec, "case") == 0) st = rec_case(r, &o);
  else r->st->skipped++;
  if (st == HN_ERR_NOMEM) snprintf(r->err, r->errlen, "out of memory");
  jx_free(&o);
  return st;
}

hn_status hnx_facts_read(hnx_facts *fx, FILE *in, const char *name, hnx_read_stats *stats, char *err, size_t errlen) {
  hnx_read_stats local;
  reader r = {fx, name ? name : "-", 0, err, errlen, stats ? stats : &local, NULL, 0, 0};
  memset(r.st, 0, sizeof *r.st);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  hn_status st = HN_OK;
  while (st == HN_OK && (n = getline(&line, &cap, in)) >= 0) {
    r.line++;
    size_t len = (size_t)n;
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    size_t sp = 0;
    while (sp < len && (line[sp] == ' ' || line[sp] == '\t')) sp++;
    if (sp == len) continue;
    r.st->lines++;
    st = read_line(&r, line, len);
  }
  if (st == HN_OK && ferror(in)) {
    snprintf(err, errlen, "%s: cannot read", r.name);
    st = HN_ERR_IO;
  }
  free(line); /* getline's: libc's */
  hn_free(r.strs);
  return st;
}
