/* kpi.c - KPIs over facts (lang/SPEC.md §15) and the gap analysis of controls (§9).
 *
 * Facts are rows of six kinds (incidents, their alerts, transitions and SLA events, windows of
 * exposure, and the inventory's hosts). For each KPI every row goes to the period of its own
 * time and to the cells its dimension values name (a row with several values to several, one
 * with none to "(none)", a row a dimension does not apply to to every cell); each aggregate of
 * the value is then computed over its kind of rows in each (period, cell) by the same code as a
 * window's `having` (corr.c), each row laid into a stand-in event whose slots are the program's
 * fields (incident.*, alert.*, transition.*...), so conditions and values are the interpreter's.
 * Depends on program.h, interp.h, corr.h and assets.h; reads no file and no database. */
#define _GNU_SOURCE /* qsort_r */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alloc.h"
#include "assets.h"
#include "corr.h"
#include "interp.h"
#include "text.h"

const char *const hn_kpi_root_names[HN_KR_COUNT + 1] = {"incident", "alert", "asset", "transition", "sla", "exposure",
                                                        NULL};
const char *const hn_kpi_dim_names[HN_KD_COUNT + 1] = {"domain", "business_unit", "control", "service", "technique",
                                                       "tactic", "severity", "rule", "asset_role", "owner", "state",
                                                       "assignee", "disposition", "exposure", NULL};

#define NONE UINT32_MAX
#define DAY (86400 * INT64_C(1000000000))
#define WEEK (7 * DAY)
static const char *const NONE_VALUE = "(none)";
static const char *const sev_names[] = {"unknown", "info", "low", "medium", "high", "critical"};

const char *const *hn_kpi_dimensions(void) { return hn_kpi_dim_names; }

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t hn_kpi_period_start(int64_t t, int64_t every) {
  if (every <= 0) return t;
  int64_t off = every == WEEK ? 4 * DAY : 0; /* 1970-01-01 was a Thursday: Mondays are 4 days on */
  int64_t r;
  if (__builtin_sub_overflow(t, off, &r)) return INT64_MIN;
  return floor_div(r, every) * every + off;
}

/* ---- a string map (borrowed keys) ------------------------------------------------------------- */
typedef struct smap {
  const char **k;
  uint32_t *v;
  uint32_t cap, n;
} smap;

static bool smap_grow(smap *m) {
  uint32_t cap = m->cap ? m->cap * 2 : 64;
  const char **k = hn_calloc(cap, sizeof *k);
  uint32_t *v = hn_calloc(cap, sizeof *v);
  if (!k || !v) { hn_free(k); hn_free(v); return false; }
  for (uint32_t i = 0; i < m->cap; i++) {
    if (!m->k[i]) continue;
    uint32_t j = (uint32_t)hn_hash_bytes(m->k[i], strlen(m->k[i])) & (cap - 1);
    while (k[j]) j = (j + 1) & (cap - 1);
    k[j] = m->k[i];
    v[j] = m->v[i];
  }
  hn_free(m->k);
  hn_free(m->v);
  m->k = k;
  m->v = v;
  m->cap = cap;
  return true;
}

/* Index of key (inserting v when absent); NONE when out of memory. *fresh says which. */
static uint32_t smap_put(smap *m, const char *key, uint32_t v, bool *fresh) {
  if ((m->n + 1) * 2 > m->cap && !smap_grow(m)) return NONE;
  uint32_t j = (uint32_t)hn_hash_bytes(key, strlen(key)) & (m->cap - 1);
  for (; m->k[j]; j = (j + 1) & (m->cap - 1))
    if (strcmp(m->k[j], key) == 0) {
      if (fresh) *fresh = false;
      return m->v[j];
    }
  m->k[j] = key;
  m->v[j] = v;
  m->n++;
  if (fresh) *fresh = true;
  return v;
}

static uint32_t smap_get(const smap *m, const char *key) {
  if (!key || !m->cap) return NONE;
  for (uint32_t j = (uint32_t)hn_hash_bytes(key, strlen(key)) & (m->cap - 1); m->k[j]; j = (j + 1) & (m->cap - 1))
    if (strcmp(m->k[j], key) == 0) return m->v[j];
  return NONE;
}

static void smap_free(smap *m) {
  hn_free(m->k);
  hn_free(m->v);
  memset(m, 0, sizeof *m);
}

/* ---- the fields rows are read by --------------------------------------------------------------- */
enum { R_NOW = HN_KR_COUNT, R_OTHER = 255 };
enum { I_ID, I_FIRST, I_LAST, I_DETECTED, I_CLOSED, I_COUNT, I_SEVERITY, I_RULES, I_TAGS, I_TACTICS, I_TECHNIQUES,
       I_CONTROLS, I_SERVICES, I_HOSTS, I_USERS, I_ENTITIES, I_BUS, I_ROLES, I_DOMAIN, I_SERVICE, I_STATE, I_EXPOSED,
       I_ASSIGNEE, I_SLA_BREACHED, I_SLA_DUE, I_ASSET, I_ACK, I_CASE, I_ENTERED };
enum { A_RULE, A_TITLE, A_SEVERITY, A_TAGS, A_TACTICS, A_TECHNIQUES, A_CONTROL, A_SERVICE, A_TIME, A_COUNT, A_ENTITIES };
enum { S_NAME, S_IPS, S_BU, S_OWNER, S_ROLE, S_CRIT, S_TAGS, S_MANAGED, S_EXPOSED, S_EXPOSURE, S_VULNS, S_MAXVULN,
       S_VULNERABLE };
enum { T_FROM, T_TO, T_AT, T_ACTOR, T_KIND, T_WIP, T_WIP_LIMIT };
enum { L_SERVICE, L_STATE, L_DUE, L_AT, L_MET, L_BREACHED };
enum { X_NAME, X_TITLE, X_ASSET, X_VALUE, X_CONTROL, X_KNOWN, X_OPEN, X_OPENED, X_CLOSED, X_LENGTH, X_WEIGHT };

static const struct { const char *path; uint8_t root, id; } kfields[] = {
  {"incident.id", HN_KR_INCIDENT, I_ID}, {"incident.first_seen", HN_KR_INCIDENT, I_FIRST},
  {"incident.last_seen", HN_KR_INCIDENT, I_LAST}, {"incident.detected_at", HN_KR_INCIDENT, I_DETECTED},
  {"incident.closed_at", HN_KR_INCIDENT, I_CLOSED}, {"incident.alert_count", HN_KR_INCIDENT, I_COUNT},
  {"incident.severity", HN_KR_INCIDENT, I_SEVERITY}, {"incident.rules", HN_KR_INCIDENT, I_RULES},
  {"incident.tags", HN_KR_INCIDENT, I_TAGS}, {"incident.tactics", HN_KR_INCIDENT, I_TACTICS},
  {"incident.techniques", HN_KR_INCIDENT, I_TECHNIQUES}, {"incident.controls", HN_KR_INCIDENT, I_CONTROLS},
  {"incident.services", HN_KR_INCIDENT, I_SERVICES}, {"incident.hosts", HN_KR_INCIDENT, I_HOSTS},
  {"incident.users", HN_KR_INCIDENT, I_USERS}, {"incident.entities", HN_KR_INCIDENT, I_ENTITIES},
  {"incident.business_units", HN_KR_INCIDENT, I_BUS}, {"incident.asset_roles", HN_KR_INCIDENT, I_ROLES},
  {"incident.domain", HN_KR_INCIDENT, I_DOMAIN}, {"incident.service", HN_KR_INCIDENT, I_SERVICE},
  {"incident.state", HN_KR_INCIDENT, I_STATE}, {"incident.exposed", HN_KR_INCIDENT, I_EXPOSED},
  {"incident.assignee", HN_KR_INCIDENT, I_ASSIGNEE}, {"incident.sla_breached", HN_KR_INCIDENT, I_SLA_BREACHED},
  {"incident.sla_due", HN_KR_INCIDENT, I_SLA_DUE}, {"incident.asset", HN_KR_INCIDENT, I_ASSET},
  {"incident.acknowledged_at", HN_KR_INCIDENT, I_ACK},
  {"alert.rule", HN_KR_ALERT, A_RULE}, {"alert.title", HN_KR_ALERT, A_TITLE},
  {"alert.severity", HN_KR_ALERT, A_SEVERITY}, {"alert.tags", HN_KR_ALERT, A_TAGS},
  {"alert.tactics", HN_KR_ALERT, A_TACTICS}, {"alert.techniques", HN_KR_ALERT, A_TECHNIQUES},
  {"alert.control", HN_KR_ALERT, A_CONTROL}, {"alert.service", HN_KR_ALERT, A_SERVICE},
  {"alert.time", HN_KR_ALERT, A_TIME}, {"alert.count", HN_KR_ALERT, A_COUNT},
  {"alert.entities", HN_KR_ALERT, A_ENTITIES},
  {"asset.name", HN_KR_ASSET, S_NAME}, {"asset.ips", HN_KR_ASSET, S_IPS},
  {"asset.business_unit", HN_KR_ASSET, S_BU}, {"asset.owner", HN_KR_ASSET, S_OWNER},
  {"asset.role", HN_KR_ASSET, S_ROLE}, {"asset.criticality", HN_KR_ASSET, S_CRIT},
  {"asset.tags", HN_KR_ASSET, S_TAGS}, {"asset.managed", HN_KR_ASSET, S_MANAGED},
  {"asset.exposed", HN_KR_ASSET, S_EXPOSED}, {"asset.exposure", HN_KR_ASSET, S_EXPOSURE},
  {"asset.vuln_count", HN_KR_ASSET, S_VULNS}, {"asset.max_vuln_severity", HN_KR_ASSET, S_MAXVULN},
  {"asset.vulnerable", HN_KR_ASSET, S_VULNERABLE},
  {"transition.from", HN_KR_TRANSITION, T_FROM}, {"transition.to", HN_KR_TRANSITION, T_TO},
  {"transition.at", HN_KR_TRANSITION, T_AT}, {"transition.actor", HN_KR_TRANSITION, T_ACTOR},
  {"transition.kind", HN_KR_TRANSITION, T_KIND}, {"transition.wip", HN_KR_TRANSITION, T_WIP},
  {"transition.wip_limit", HN_KR_TRANSITION, T_WIP_LIMIT},
  {"sla.service", HN_KR_SLA, L_SERVICE}, {"sla.state", HN_KR_SLA, L_STATE}, {"sla.due", HN_KR_SLA, L_DUE},
  {"sla.at", HN_KR_SLA, L_AT}, {"sla.met", HN_KR_SLA, L_MET}, {"sla.breached", HN_KR_SLA, L_BREACHED},
  {"exposure.name", HN_KR_EXPOSURE, X_NAME}, {"exposure.title", HN_KR_EXPOSURE, X_TITLE},
  {"exposure.asset", HN_KR_EXPOSURE, X_ASSET}, {"exposure.value", HN_KR_EXPOSURE, X_VALUE},
  {"exposure.control", HN_KR_EXPOSURE, X_CONTROL}, {"exposure.known", HN_KR_EXPOSURE, X_KNOWN},
  {"exposure.open", HN_KR_EXPOSURE, X_OPEN}, {"exposure.opened", HN_KR_EXPOSURE, X_OPENED},
  {"exposure.closed", HN_KR_EXPOSURE, X_CLOSED}, {"exposure.length", HN_KR_EXPOSURE, X_LENGTH},
  {"exposure.weight", HN_KR_EXPOSURE, X_WEIGHT}, {"now", R_NOW, 0}, {NULL, 0, 0}};

/* What a program field is to a KPI row: its root, its field, and the NAME of incident.case.NAME
 * or incident.entered.NAME. */
typedef struct kfield {
  uint8_t root, id;
  const char *arg;
} kfield;

static kfield field_of(const char *path) {
  kfield f = {R_OTHER, 0, NULL};
  for (int i = 0; kfields[i].path; i++)
    if (strcmp(path, kfields[i].path) == 0) return (kfield){kfields[i].root, kfields[i].id, NULL};
  if (strncmp(path, "incident.case.", 14) == 0) return (kfield){HN_KR_INCIDENT, I_CASE, path + 14};
  if (strncmp(path, "incident.entered.", 17) == 0) return (kfield){HN_KR_INCIDENT, I_ENTERED, path + 17};
  return f;
}

/* ---- the engine's view of the facts ------------------------------------------------------------ */
/* Per incident: what its transitions say (the first move, each state's first entry). */
typedef struct incinfo {
  uint32_t first_t, n_t;       /* its transitions: tord[first_t .. first_t + n_t), in time order */
  int64_t ack;                 /* its first transition, HN_TIME_NONE before any */
  uint32_t service;            /* the program's service, NONE when unknown */
} incinfo;

typedef struct kctx {
  const hn_program *p;
  const hn_kpi_facts *f;
  int64_t now;
  hn_eval e;
  bool e_ready;
  /* the stand-in row */
  hn_event ev;
  hn_value *vals;
  uint32_t n_vals, cap_vals;
  uint32_t *touched, n_touched;
  kfield *kf;                  /* per program field */
  uint32_t *slots[R_NOW + 1];  /* per root: the program fields it fills */
  uint32_t n_slots[R_NOW + 1];
  /* indexes */
  smap inc_by_id, rule_by_name, control_by_name, exposure_by_name, domain_by_name;
  uint32_t *alert_inc, *trans_inc, *sla_inc; /* the incident of each child row, NONE: unknown */
  incinfo *inc;
  uint32_t *tord;              /* transitions by incident, then time */
  int64_t *t_wip, *t_wip_limit; /* per transition: its domain's working incidents after it, the limit (-1: none) */
  uint32_t *ex_asset;          /* per exposure window: its inventoried asset, NONE */
  double *asset_exposure;      /* per asset: weights of the windows open at `now` */
  uint32_t *asset_open;
  char *err;
  size_t errlen;
  bool failed;
} kctx;

static hn_status oom(kctx *k) {
  k->failed = true;
  snprintf(k->err, k->errlen, "out of memory");
  return HN_ERR_NOMEM;
}

/* ---- laying out a row ------------------------------------------------------------------------- */
static hn_value *push_val(kctx *k) {
  if (k->n_vals == k->cap_vals) {
    uint32_t cap = k->cap_vals ? k->cap_vals * 2 : 64;
    hn_value *v = hn_realloc(k->vals, cap * sizeof *v);
    if (!v) { k->failed = true; return NULL; }
    k->vals = v;
    k->cap_vals = cap;
  }
  hn_value *v = &k->vals[k->n_vals++];
  memset(v, 0, sizeof *v);
  return v;
}

static void put_str(kctx *k, const char *s) {
  hn_value *v = s ? push_val(k) : NULL;
  if (!v) return;
  v->kind = HN_V_STRING;
  v->u.s = s;
  v->len = (uint32_t)strlen(s);
}

static void put_int(kctx *k, uint8_t kind, int64_t i) {
  if (kind == HN_V_TIME && i == HN_TIME_NONE) return; /* missing */
  hn_value *v = push_val(k);
  if (!v) return;
  v->kind = kind;
  v->u.i = i;
}

static void put_float(kctx *k, double d) {
  hn_value *v = push_val(k);
  if (!v) return;
  v->kind = HN_V_FLOAT;
  v->u.f = d;
}

static void put_strs(kctx *k, hn_strings s) {
  for (uint32_t i = 0; i < s.n; i++) put_str(k, s.v[i]);
}

/* Forgets the previous row: only the slots it filled are cleared. */
static void lay_reset(kctx *k) {
  for (uint32_t i = 0; i < k->n_touched; i++) memset(&k->ev.slots[k->touched[i]], 0, sizeof(hn_slot));
  k->n_touched = 0;
  k->n_vals = 0;
}

/* Slot s holds the values pushed since `first`; a list field is an array (len() of none is 0). */
static void lay_slot(kctx *k, uint32_t s, uint32_t first, bool list) {
  hn_slot *sl = &k->ev.slots[s];
  sl->first = first;
  sl->n = k->n_vals - first;
  sl->flags = list ? HN_SLOT_ARRAY : 0;
  k->touched[k->n_touched++] = s;
}

static bool is_list_incident(int id) { return id >= I_RULES && id <= I_ROLES; }

static hn_strings inc_list(const hn_fact_incident *x, int id) {
  switch (id) {
  case I_RULES: return x->rules;
  case I_TAGS: return x->tags;
  case I_TACTICS: return x->tactics;
  case I_TECHNIQUES: return x->techniques;
  case I_CONTROLS: return x->controls;
  case I_SERVICES: return x->services;
  case I_HOSTS: return x->hosts;
  case I_USERS: return x->users;
  case I_ENTITIES: return x->entities;
  case I_BUS: return x->business_units;
  case I_ROLES: return x->asset_roles;
  default: return (hn_strings){NULL, 0};
  }
}

static const char *case_field(const hn_fact_incident *x, const char *name) {
  for (uint32_t i = 0; i < x->n_case_fields; i++)
    if (x->case_fields[i].name && strcmp(x->case_fields[i].name, name) == 0) return x->case_fields[i].value;
  return NULL;
}

/* When incident i first entered `state`: the facts' own record, else its first transition
 * there, else detected_at for its service's initial state (the built-in workflow's `new`). */
static int64_t entered(const kctx *k, uint32_t i, const char *state) {
  const hn_fact_incident *x = &k->f->incidents[i];
  for (uint32_t j = 0; j < x->n_entered; j++)
    if (x->entered[j].name && strcmp(x->entered[j].name, state) == 0) return x->entered[j].at;
  const incinfo *in = &k->inc[i];
  for (uint32_t j = 0; j < in->n_t; j++) {
    const hn_fact_transition *t = &k->f->transitions[k->tord[in->first_t + j]];
    if (t->to && strcmp(t->to, state) == 0) return t->at;
  }
  const char *initial = in->service != NONE ? k->p->services[in->service].initial : "new";
  return initial && strcmp(initial, state) == 0 ? x->detected_at : HN_TIME_NONE;
}

static void lay_incident_field(kctx *k, uint32_t i, const kfield *f) {
  const hn_fact_incident *x = &k->f->incidents[i];
  if (is_list_incident(f->id)) { put_strs(k, inc_list(x, f->id)); return; }
  switch (f->id) {
  case I_ID: put_str(k, x->id); break;
  case I_FIRST: put_int(k, HN_V_TIME, x->first_seen); break;
  case I_LAST: put_int(k, HN_V_TIME, x->last_seen); break;
  case I_DETECTED: put_int(k, HN_V_TIME, x->detected_at); break;
  case I_CLOSED: put_int(k, HN_V_TIME, x->closed_at); break;
  case I_COUNT: put_int(k, HN_V_INT, x->alert_count); break;
  case I_SEVERITY: put_int(k, HN_V_INT, x->severity); break;
  case I_DOMAIN: put_str(k, x->domain ? x->domain : "unrouted"); break;
  case I_SERVICE: put_str(k, x->service); break;
  case I_STATE: put_str(k, x->state); break;
  case I_EXPOSED: put_int(k, HN_V_BOOL, x->exposed); break;
  case I_ASSIGNEE: put_str(k, x->assignee); break;
  case I_SLA_BREACHED: put_int(k, HN_V_BOOL, x->sla_breached); break;
  case I_SLA_DUE: put_int(k, HN_V_TIME, x->sla_due); break;
  case I_ASSET: put_str(k, x->asset); break;
  case I_ACK: put_int(k, HN_V_TIME, k->inc[i].ack); break;
  case I_CASE: put_str(k, case_field(x, f->arg)); break;
  case I_ENTERED: put_int(k, HN_V_TIME, entered(k, i, f->arg)); break;
  default: break;
  }
}

/* The tags' ATT&CK parts (§10.3): "attack.t1059.001" a technique, "attack.execution" a tactic. */
static void put_attack(kctx *k, hn_strings tags, bool techniques) {
  for (uint32_t i = 0; i < tags.n; i++) {
    const char *t = tags.v[i];
    if (!t || strncmp(t, "attack.", 7) != 0) continue;
    const char *v = t + 7;
    bool tech = (v[0] == 't' || v[0] == 'T') && v[1] >= '0' && v[1] <= '9';
    if (tech == techniques) put_str(k, v);
  }
}

/* An alert's metadata, the program's rule's where the facts leave it out. */
static const hn_rule *alert_rule(const kctx *k, const hn_fact_alert *a) {
  uint32_t r = smap_get(&k->rule_by_name, a->rule);
  return r == NONE ? NULL : &k->p->rules[r];
}

static hn_strings rule_tags(const hn_rule *r) { return r ? (hn_strings){r->tags, r->n_tags} : (hn_strings){NULL, 0}; }

static hn_strings alert_tags(const kctx *k, const hn_fact_alert *a) {
  return a->tags.n ? a->tags : rule_tags(alert_rule(k, a));
}

static const char *alert_control(const kctx *k, const hn_fact_alert *a) {
  const hn_rule *r = alert_rule(k, a);
  return a->control && *a->control ? a->control : r ? r->control : NULL;
}

static const char *alert_service(const kctx *k, const hn_fact_alert *a) {
  const hn_rule *r = alert_rule(k, a);
  return a->service && *a->service ? a->service : r ? r->service : NULL;
}

static uint32_t alert_severity(const kctx *k, const hn_fact_alert *a) {
  const hn_rule *r = alert_rule(k, a);
  return a->severity ? a->severity : r ? (uint32_t)r->severity : 0;
}

static void lay_alert_field(kctx *k, uint32_t i, const kfield *f) {
  const hn_fact_alert *a = &k->f->alerts[i];
  const hn_rule *r = alert_rule(k, a);
  switch (f->id) {
  case A_RULE: put_str(k, a->rule); break;
  case A_TITLE: put_str(k, a->title && *a->title ? a->title : r && r->title ? r->title : a->rule); break;
  case A_SEVERITY: if (alert_severity(k, a)) put_int(k, HN_V_INT, alert_severity(k, a)); break;
  case A_TAGS: put_strs(k, alert_tags(k, a)); break;
  case A_TACTICS: if (a->tactics.n) put_strs(k, a->tactics); else put_attack(k, alert_tags(k, a), false); break;
  case A_TECHNIQUES: if (a->techniques.n) put_strs(k, a->techniques); else put_attack(k, alert_tags(k, a), true); break;
  case A_CONTROL: put_str(k, alert_control(k, a)); break;
  case A_SERVICE: put_str(k, alert_service(k, a)); break;
  case A_TIME: put_int(k, HN_V_TIME, a->time); break;
  case A_COUNT: put_int(k, HN_V_INT, (int64_t)(a->count ? a->count : 1)); break;
  case A_ENTITIES: put_strs(k, a->entities); break;
  default: break;
  }
}

static void lay_asset_field(kctx *k, uint32_t i, const kfield *f) {
  const hn_asset *a = &k->p->assets[i];
  uint32_t n_vulns = 0, max_sev = 0;
  for (uint32_t v = 0; v < a->n_vulns; v++)
    if (!a->vulns[v].fixed) {
      n_vulns++;
      if (a->vulns[v].severity > max_sev) max_sev = a->vulns[v].severity;
    }
  switch (f->id) {
  case S_NAME: put_str(k, a->name); break;
  case S_IPS:
    for (uint32_t j = 0; j < k->p->n_asset_addrs; j++) {
      const hn_asset_addr *ad = &k->p->asset_addrs[j];
      hn_value *v = ad->asset == i && !ad->cidr ? push_val(k) : NULL;
      if (!v) continue;
      v->kind = HN_V_IP;
      v->v6 = ad->v6;
      v->len = ad->v6 ? 16 : 4;
      memcpy(v->u.ip, ad->ip, v->len);
    }
    break;
  case S_BU: put_str(k, a->business_unit); break;
  case S_OWNER: put_str(k, a->owner); break;
  case S_ROLE: put_str(k, a->role); break;
  case S_CRIT: put_int(k, HN_V_INT, a->criticality); break;
  case S_TAGS: for (uint32_t t = 0; t < a->n_tags; t++) put_str(k, a->tags[t]); break;
  case S_MANAGED: put_int(k, HN_V_BOOL, a->managed); break;
  case S_EXPOSED: put_int(k, HN_V_BOOL, k->asset_open[i] > 0); break;
  case S_EXPOSURE: put_float(k, k->asset_exposure[i]); break;
  case S_VULNS: put_int(k, HN_V_INT, n_vulns); break;
  case S_MAXVULN: put_int(k, HN_V_INT, max_sev); break;
  case S_VULNERABLE: put_int(k, HN_V_BOOL, n_vulns > 0); break;
  default: break;
  }
}

static void lay_transition_field(kctx *k, uint32_t i, const kfield *f) {
  const hn_fact_transition *t = &k->f->transitions[i];
  switch (f->id) {
  case T_FROM: put_str(k, t->from); break;
  case T_TO: put_str(k, t->to); break;
  case T_AT: put_int(k, HN_V_TIME, t->at); break;
  case T_ACTOR: put_str(k, t->actor); break;
  case T_KIND: put_str(k, t->kind); break;
  case T_WIP: put_int(k, HN_V_INT, k->t_wip[i]); break;
  case T_WIP_LIMIT: if (k->t_wip_limit[i] >= 0) put_int(k, HN_V_INT, k->t_wip_limit[i]); break;
  default: break;
  }
}

static const char *sla_service(const kctx *k, uint32_t i) {
  const hn_fact_sla *s = &k->f->slas[i];
  if (s->service) return s->service;
  return k->sla_inc[i] == NONE ? NULL : k->f->incidents[k->sla_inc[i]].service;
}

static int64_t sla_time(const hn_fact_sla *s) { return s->at != HN_TIME_NONE ? s->at : s->due; }

static void lay_sla_field(kctx *k, uint32_t i, const kfield *f) {
  const hn_fact_sla *s = &k->f->slas[i];
  switch (f->id) {
  case L_SERVICE: put_str(k, sla_service(k, i)); break;
  case L_STATE: put_str(k, s->state); break;
  case L_DUE: put_int(k, HN_V_TIME, s->due); break;
  case L_AT: put_int(k, HN_V_TIME, sla_time(s)); break;
  case L_MET: put_int(k, HN_V_BOOL, s->met); break;
  case L_BREACHED: put_int(k, HN_V_BOOL, !s->met); break;
  default: break;
  }
}

static const hn_exposure *exposure_decl(const kctx *k, const char *name) {
  uint32_t x = smap_get(&k->exposure_by_name, name);
  return x == NONE ? NULL : &k->p->exposures[x];
}

static const char *window_control(const kctx *k, const hn_fact_exposure *w) {
  const hn_exposure *d = exposure_decl(k, w->exposure);
  return w->control ? w->control : d ? d->control : NULL;
}

static void lay_exposure_field(kctx *k, uint32_t i, const kfield *f) {
  const hn_fact_exposure *w = &k->f->exposures[i];
  const hn_exposure *d = exposure_decl(k, w->exposure);
  int64_t end = w->closed != HN_TIME_NONE ? w->closed : k->now;
  switch (f->id) {
  case X_NAME: put_str(k, w->exposure); break;
  case X_TITLE: put_str(k, d && d->title ? d->title : w->exposure); break;
  case X_ASSET: put_str(k, k->ex_asset[i] != NONE ? k->p->assets[k->ex_asset[i]].name : NULL); break;
  case X_VALUE: put_str(k, k->ex_asset[i] != NONE ? NULL : w->value ? w->value : w->asset); break;
  case X_CONTROL: put_str(k, window_control(k, w)); break;
  case X_KNOWN: put_int(k, HN_V_BOOL, k->ex_asset[i] != NONE); break;
  case X_OPEN: put_int(k, HN_V_BOOL, w->closed == HN_TIME_NONE); break;
  case X_OPENED: put_int(k, HN_V_TIME, w->opened); break;
  case X_CLOSED: put_int(k, HN_V_TIME, w->closed); break;
  case X_LENGTH: if (w->opened != HN_TIME_NONE && end >= w->opened) put_int(k, HN_V_INT, end - w->opened); break;
  case X_WEIGHT: put_float(k, d ? d->weight : 1.0); break;
  default: break;
  }
}

/* Lays row i of `root` into the stand-in event (and `now`); with `asset` (an incident's
 * inventoried asset, for `where`), that asset's fields too. */
static void lay(kctx *k, int root, uint32_t i, uint32_t asset) {
  lay_reset(k);
  for (int r = 0; r <= R_NOW; r++) {
    bool mine = r == root || r == R_NOW || (r == HN_KR_ASSET && asset != NONE);
    for (uint32_t j = 0; mine && j < k->n_slots[r]; j++) {
      uint32_t s = k->slots[r][j], first = k->n_vals;
      const kfield *f = &k->kf[s];
      bool list = false;
      switch (r) {
      case HN_KR_INCIDENT: lay_incident_field(k, i, f); list = is_list_incident(f->id); break;
      case HN_KR_ALERT: lay_alert_field(k, i, f); list = f->id == A_TAGS || f->id == A_TACTICS || f->id == A_TECHNIQUES || f->id == A_ENTITIES; break;
      case HN_KR_ASSET: lay_asset_field(k, root == HN_KR_ASSET ? i : asset, f); list = f->id == S_IPS || f->id == S_TAGS; break;
      case HN_KR_TRANSITION: lay_transition_field(k, i, f); break;
      case HN_KR_SLA: lay_sla_field(k, i, f); break;
      case HN_KR_EXPOSURE: lay_exposure_field(k, i, f); break;
      case R_NOW: put_int(k, HN_V_TIME, k->now); break;
      }
      lay_slot(k, s, first, list);
    }
  }
  k->ev.values = k->vals;
  k->ev.n_values = k->n_vals;
  hn_eval_begin(&k->e, &k->ev);
}

/* ---- preparing: indexes over the facts --------------------------------------------------------- */
static int64_t latest(const hn_kpi_facts *f) {
  int64_t t = HN_TIME_NONE;
#define LATER(x) do { int64_t v_ = (x); if (v_ != HN_TIME_NONE && v_ > t) t = v_; } while (0)
  for (uint32_t i = 0; i < f->n_incidents; i++) {
    LATER(f->incidents[i].detected_at);
    LATER(f->incidents[i].last_seen);
    LATER(f->incidents[i].closed_at);
  }
  for (uint32_t i = 0; i < f->n_alerts; i++) LATER(f->alerts[i].time);
  for (uint32_t i = 0; i < f->n_transitions; i++) LATER(f->transitions[i].at);
  for (uint32_t i = 0; i < f->n_slas; i++) LATER(sla_time(&f->slas[i]));
  for (uint32_t i = 0; i < f->n_exposures; i++) {
    LATER(f->exposures[i].opened);
    LATER(f->exposures[i].closed);
  }
#undef LATER
  return t;
}

static bool map_fields(kctx *k) {
  const hn_program *p = k->p;
  uint32_t n = p->n_fields ? p->n_fields : 1;
  k->kf = hn_calloc(n, sizeof *k->kf);
  k->touched = hn_calloc(n, sizeof *k->touched);
  k->ev.slots = hn_calloc(n, sizeof *k->ev.slots);
  k->ev.n_slots = p->n_fields;
  for (int r = 0; r <= R_NOW; r++) k->slots[r] = hn_calloc(n, sizeof *k->slots[r]);
  for (int r = 0; r <= R_NOW; r++)
    if (!k->slots[r]) return false;
  if (!k->kf || !k->touched || !k->ev.slots) return false;
  for (uint32_t s = 0; s < p->n_fields; s++) {
    k->kf[s] = field_of(p->fields[s].path);
    if (k->kf[s].root != R_OTHER) k->slots[k->kf[s].root][k->n_slots[k->kf[s].root]++] = s;
  }
  return true;
}

static uint32_t service_index(const hn_program *p, const char *name) {
  for (uint32_t s = 0; name && s < p->n_services; s++)
    if (strcmp(p->services[s].name, name) == 0) return s;
  return NONE;
}

static bool index_names(kctx *k) {
  const hn_program *p = k->p;
  const hn_kpi_facts *f = k->f;
  for (uint32_t i = 0; i < f->n_incidents; i++)
    if (f->incidents[i].id && smap_put(&k->inc_by_id, f->incidents[i].id, i, NULL) == NONE) return false;
  for (uint32_t i = 0; i < p->n_rules; i++)
    if (smap_put(&k->rule_by_name, p->rules[i].name, i, NULL) == NONE) return false;
  for (uint32_t i = 0; i < p->n_controls; i++)
    if (smap_put(&k->control_by_name, p->controls[i].name, i, NULL) == NONE) return false;
  for (uint32_t i = 0; i < p->n_exposures; i++)
    if (smap_put(&k->exposure_by_name, p->exposures[i].name, i, NULL) == NONE) return false;
  for (uint32_t i = 0; i < p->n_domains; i++)
    if (smap_put(&k->domain_by_name, p->domains[i].name, i, NULL) == NONE) return false;
  return true;
}

/* Transitions by incident, then time, then their order in the facts. */
static int cmp_trans(const void *a, const void *b, void *ud) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  const kctx *k = ud;
  uint32_t ix = k->trans_inc[x], iy = k->trans_inc[y];
  if (ix != iy) return ix < iy ? -1 : 1;
  int64_t tx = k->f->transitions[x].at, ty = k->f->transitions[y].at;
  if (tx != ty) return tx < ty ? -1 : 1;
  return x < y ? -1 : x > y;
}

static int cmp_time(const void *a, const void *b, void *ud) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  const kctx *k = ud;
  int64_t tx = k->f->transitions[x].at, ty = k->f->transitions[y].at;
  if (tx != ty) return tx < ty ? -1 : 1;
  return x < y ? -1 : x > y;
}

/* Whether `state` is a working state of incident i's service: neither its initial nor its
 * terminal state (§12); the built-in workflow new -> closed has none. */
static bool working(const kctx *k, uint32_t i, const char *state) {
  if (!state) return false;
  uint32_t s = k->inc[i].service;
  const char *initial = s != NONE ? k->p->services[s].initial : "new";
  const char *terminal = s != NONE ? k->p->services[s].terminal : "closed";
  return strcmp(state, initial) != 0 && strcmp(state, terminal) != 0;
}

/* transition.wip: replaying every transition in time order, the working incidents of the
 * moved incident's domain right after it. */
static bool replay_wip(kctx *k, const uint32_t *by_time) {
  const hn_kpi_facts *f = k->f;
  uint32_t nd = k->p->n_domains + 1; /* the last counts incidents of domains the program lacks */
  int64_t *count = hn_calloc(nd, sizeof *count);
  const char **state = hn_calloc(f->n_incidents ? f->n_incidents : 1, sizeof *state);
  if (!count || !state) { hn_free(count); hn_free(state); return false; }
  for (uint32_t j = 0; j < f->n_transitions; j++) {
    uint32_t t = by_time[j], i = k->trans_inc[t];
    k->t_wip[t] = 0;
    k->t_wip_limit[t] = -1;
    if (i == NONE) continue;
    uint32_t d = smap_get(&k->domain_by_name, f->incidents[i].domain);
    uint32_t slot = d == NONE ? nd - 1 : d;
    if (working(k, i, state[i])) count[slot]--;
    state[i] = f->transitions[t].to;
    if (working(k, i, state[i])) count[slot]++;
    k->t_wip[t] = count[slot];
    k->t_wip_limit[t] = d == NONE ? -1 : k->p->domains[d].wip;
  }
  hn_free(count);
  hn_free(state);
  return true;
}

static bool index_transitions(kctx *k) {
  const hn_kpi_facts *f = k->f;
  uint32_t n = f->n_transitions ? f->n_transitions : 1;
  k->tord = hn_malloc(n * sizeof *k->tord);
  uint32_t *by_time = hn_malloc(n * sizeof *by_time);
  k->t_wip = hn_calloc(n, sizeof *k->t_wip);
  k->t_wip_limit = hn_calloc(n, sizeof *k->t_wip_limit);
  if (!k->tord || !by_time || !k->t_wip || !k->t_wip_limit) { hn_free(by_time); return false; }
  for (uint32_t t = 0; t < f->n_transitions; t++) k->tord[t] = by_time[t] = t;
  qsort_r(k->tord, f->n_transitions, sizeof *k->tord, cmp_trans, k);
  qsort_r(by_time, f->n_transitions, sizeof *by_time, cmp_time, k);
  for (uint32_t j = 0; j < f->n_transitions; j++) {
    uint32_t i = k->trans_inc[k->tord[j]];
    if (i == NONE) continue;
    if (!k->inc[i].n_t++) {
      k->inc[i].first_t = j;
      k->inc[i].ack = f->transitions[k->tord[j]].at;
    }
  }
  bool ok = replay_wip(k, by_time);
  hn_free(by_time);
  return ok;
}

static uint32_t *parents(kctx *k, uint32_t n, const void *rows, size_t size, size_t off) {
  uint32_t *v = hn_malloc((n ? n : 1) * sizeof *v);
  for (uint32_t i = 0; v && i < n; i++) {
    const char *id;
    memcpy(&id, (const char *)rows + i * size + off, sizeof id);
    v[i] = smap_get(&k->inc_by_id, id);
  }
  return v;
}

/* The windows' assets and, per asset, what is open at `now`. */
static bool index_exposures(kctx *k) {
  const hn_program *p = k->p;
  const hn_kpi_facts *f = k->f;
  k->ex_asset = hn_malloc((f->n_exposures ? f->n_exposures : 1) * sizeof *k->ex_asset);
  k->asset_exposure = hn_calloc(p->n_assets ? p->n_assets : 1, sizeof *k->asset_exposure);
  k->asset_open = hn_calloc(p->n_assets ? p->n_assets : 1, sizeof *k->asset_open);
  if (!k->ex_asset || !k->asset_exposure || !k->asset_open) return false;
  for (uint32_t i = 0; i < f->n_exposures; i++) {
    const hn_fact_exposure *w = &f->exposures[i];
    uint32_t a = w->asset && p->inventory ? hn_asset_by_name(p, w->asset, strlen(w->asset)) : NONE;
    k->ex_asset[i] = a;
    bool open = w->opened <= k->now && (w->closed == HN_TIME_NONE || w->closed > k->now);
    if (a == NONE || !open) continue;
    const hn_exposure *d = exposure_decl(k, w->exposure);
    k->asset_open[a]++;
    k->asset_exposure[a] += d ? d->weight : 1.0;
  }
  return true;
}

static void kctx_free(kctx *k) {
  if (k->e_ready) hn_eval_fini(&k->e);
  hn_free(k->vals);
  hn_free(k->touched);
  hn_free(k->kf);
  hn_free(k->ev.slots);
  for (int r = 0; r <= R_NOW; r++) hn_free(k->slots[r]);
  smap_free(&k->inc_by_id);
  smap_free(&k->rule_by_name);
  smap_free(&k->control_by_name);
  smap_free(&k->exposure_by_name);
  smap_free(&k->domain_by_name);
  hn_free(k->alert_inc);
  hn_free(k->trans_inc);
  hn_free(k->sla_inc);
  hn_free(k->inc);
  hn_free(k->tord);
  hn_free(k->t_wip);
  hn_free(k->t_wip_limit);
  hn_free(k->ex_asset);
  hn_free(k->asset_exposure);
  hn_free(k->asset_open);
}

static hn_status kctx_init(kctx *k, const hn_program *p, const hn_kpi_facts *f, char *err, size_t errlen) {
  memset(k, 0, sizeof *k);
  k->p = p;
  k->f = f;
  k->err = err;
  k->errlen = errlen;
  k->now = f->now != HN_TIME_NONE ? f->now : latest(f);
  if (hn_eval_init(&k->e, p) != HN_OK) return oom(k);
  k->e_ready = true;
  k->e.no_prefilter = true; /* the rows are stand-ins: nothing was scanned */
  if (!map_fields(k) || !index_names(k)) return oom(k);
  k->alert_inc = parents(k, f->n_alerts, f->alerts, sizeof *f->alerts, offsetof(hn_fact_alert, incident));
  k->trans_inc = parents(k, f->n_transitions, f->transitions, sizeof *f->transitions,
                         offsetof(hn_fact_transition, incident));
  k->sla_inc = parents(k, f->n_slas, f->slas, sizeof *f->slas, offsetof(hn_fact_sla, incident));
  k->inc = hn_calloc(f->n_incidents ? f->n_incidents : 1, sizeof *k->inc);
  if (!k->alert_inc || !k->trans_inc || !k->sla_inc || !k->inc) return oom(k);
  for (uint32_t i = 0; i < f->n_incidents; i++) {
    k->inc[i].ack = HN_TIME_NONE;
    k->inc[i].service = service_index(p, f->incidents[i].service);
  }
  if (!index_transitions(k) || !index_exposures(k)) return oom(k);
  return HN_OK;
}

/* ---- rows: their time, their incident, their dimension values ------------------------------------- */
static uint32_t row_count(const kctx *k, int root) {
  switch (root) {
  case HN_KR_INCIDENT: return k->f->n_incidents;
  case HN_KR_ALERT: return k->f->n_alerts;
  case HN_KR_ASSET: return k->p->n_assets;
  case HN_KR_TRANSITION: return k->f->n_transitions;
  case HN_KR_SLA: return k->f->n_slas;
  case HN_KR_EXPOSURE: return k->f->n_exposures;
  default: return 0;
  }
}

/* The incident a row belongs to (itself for an incident), NONE for assets and windows. */
static uint32_t row_incident(const kctx *k, int root, uint32_t i) {
  switch (root) {
  case HN_KR_INCIDENT: return i;
  case HN_KR_ALERT: return k->alert_inc[i];
  case HN_KR_TRANSITION: return k->trans_inc[i];
  case HN_KR_SLA: return k->sla_inc[i];
  default: return NONE;
  }
}

/* The time that puts a row in its period (§15); HN_TIME_NONE for the inventory's hosts. */
static int64_t row_time(const kctx *k, int root, uint32_t i) {
  const hn_kpi_facts *f = k->f;
  switch (root) {
  case HN_KR_INCIDENT: return f->incidents[i].detected_at;
  case HN_KR_ALERT:
    if (f->alerts[i].time != HN_TIME_NONE) return f->alerts[i].time;
    return k->alert_inc[i] != NONE ? f->incidents[k->alert_inc[i]].detected_at : HN_TIME_NONE;
  case HN_KR_TRANSITION: return f->transitions[i].at;
  case HN_KR_SLA: return sla_time(&f->slas[i]);
  case HN_KR_EXPOSURE: return f->exposures[i].opened;
  default: return HN_TIME_NONE;
  }
}

/* Up to DIMV values of one dimension of one row. */
enum { DIMV = 64 };
typedef struct dimvals {
  const char *v[DIMV];
  uint32_t n;
  bool na;                     /* the dimension does not apply to the row: every cell has it */
} dimvals;

static void dv_add(dimvals *d, const char *s) {
  if (!s || d->n >= DIMV) return;
  for (uint32_t i = 0; i < d->n; i++)
    if (strcmp(d->v[i], s) == 0) return;
  d->v[d->n++] = s;
}

static void dv_strs(dimvals *d, hn_strings s) {
  for (uint32_t i = 0; i < s.n; i++) dv_add(d, s.v[i]);
}

static const char *owner_of(const kctx *k, const char *control) {
  uint32_t c = smap_get(&k->control_by_name, control);
  return c == NONE ? NULL : k->p->controls[c].owner;
}

static const char *sev_name(uint32_t s) { return sev_names[s <= 5 ? s : 0]; }

static void incident_dim(const kctx *k, uint32_t i, int dim, dimvals *d) {
  const hn_fact_incident *x = &k->f->incidents[i];
  switch (dim) {
  case HN_KD_DOMAIN: dv_add(d, x->domain ? x->domain : "unrouted"); break;
  case HN_KD_BUSINESS_UNIT: dv_strs(d, x->business_units); break;
  case HN_KD_CONTROL: dv_strs(d, x->controls); break;
  case HN_KD_SERVICE: dv_add(d, x->service); break;
  case HN_KD_TECHNIQUE: dv_strs(d, x->techniques); break;
  case HN_KD_TACTIC: dv_strs(d, x->tactics); break;
  case HN_KD_SEVERITY: if (x->severity) dv_add(d, sev_name(x->severity)); break;
  case HN_KD_RULE: dv_strs(d, x->rules); break;
  case HN_KD_ASSET_ROLE: dv_strs(d, x->asset_roles); break;
  case HN_KD_OWNER: for (uint32_t c = 0; c < x->controls.n; c++) dv_add(d, owner_of(k, x->controls.v[c])); break;
  case HN_KD_STATE: dv_add(d, x->state); break;
  case HN_KD_ASSIGNEE: dv_add(d, x->assignee); break;
  case HN_KD_DISPOSITION: dv_add(d, case_field(x, "disposition")); break;
  default: d->na = true; break;
  }
}

/* An alert's own values where it has them (its rule, control, ATT&CK tags, severity, service),
 * its incident's for the rest. */
static bool alert_dim(const kctx *k, uint32_t i, int dim, dimvals *d) {
  const hn_fact_alert *a = &k->f->alerts[i];
  hn_strings tags = alert_tags(k, a);
  switch (dim) {
  case HN_KD_RULE: dv_add(d, a->rule); return true;
  case HN_KD_CONTROL: dv_add(d, alert_control(k, a)); return true;
  case HN_KD_OWNER: dv_add(d, owner_of(k, alert_control(k, a))); return true;
  case HN_KD_SERVICE: dv_add(d, alert_service(k, a)); return true;
  case HN_KD_SEVERITY: if (alert_severity(k, a)) dv_add(d, sev_name(alert_severity(k, a))); return true;
  case HN_KD_TECHNIQUE: case HN_KD_TACTIC: {
    bool tech = dim == HN_KD_TECHNIQUE;
    if (tech ? a->techniques.n : a->tactics.n) { dv_strs(d, tech ? a->techniques : a->tactics); return true; }
    for (uint32_t t = 0; t < tags.n; t++) {
      const char *s = tags.v[t];
      if (!s || strncmp(s, "attack.", 7) != 0) continue;
      bool is_tech = (s[7] == 't' || s[7] == 'T') && s[8] >= '0' && s[8] <= '9';
      if (is_tech == tech) dv_add(d, s + 7);
    }
    return true;
  }
  default: return false;
  }
}

static void asset_dim(const kctx *k, uint32_t a, int dim, dimvals *d) {
  const hn_asset *x = &k->p->assets[a];
  if (dim == HN_KD_BUSINESS_UNIT) dv_add(d, x->business_unit);
  else if (dim == HN_KD_ASSET_ROLE) dv_add(d, x->role);
  else d->na = true;
}

static void exposure_dim(const kctx *k, uint32_t i, int dim, dimvals *d) {
  const hn_fact_exposure *w = &k->f->exposures[i];
  uint32_t a = k->ex_asset[i];
  switch (dim) {
  case HN_KD_BUSINESS_UNIT: case HN_KD_ASSET_ROLE:
    if (a != NONE) asset_dim(k, a, dim, d);
    break;
  case HN_KD_CONTROL: dv_add(d, window_control(k, w)); break;
  case HN_KD_OWNER: dv_add(d, owner_of(k, window_control(k, w))); break;
  case HN_KD_EXPOSURE: dv_add(d, w->exposure); break;
  default: d->na = true; break;
  }
}

/* The values of dimension `dim` for row i of `root`. */
static void row_dim(const kctx *k, int root, uint32_t i, int dim, dimvals *d) {
  d->n = 0;
  d->na = false;
  switch (root) {
  case HN_KR_ASSET: asset_dim(k, i, dim, d); return;
  case HN_KR_EXPOSURE: exposure_dim(k, i, dim, d); return;
  case HN_KR_ALERT: if (alert_dim(k, i, dim, d)) return; break;
  case HN_KR_TRANSITION: if (dim == HN_KD_STATE) { dv_add(d, k->f->transitions[i].to); return; } break;
  case HN_KR_SLA:
    if (dim == HN_KD_STATE) { dv_add(d, k->f->slas[i].state); return; }
    if (dim == HN_KD_SERVICE) { dv_add(d, sla_service(k, i)); return; }
    break;
  default: break;
  }
  uint32_t inc = row_incident(k, root, i);
  if (inc != NONE) incident_dim(k, inc, dim, d);
}

/* ---- what the program declares ------------------------------------------------------------------ */
static const char *const type_names[] = {[HN_FT_INT] = "int", [HN_FT_FLOAT] = "float", [HN_FT_DURATION] = "duration"};
static const char *const op_names[] = {[HN_P_EQ] = "==", [HN_P_NE] = "!=", [HN_P_LT] = "<",
                                       [HN_P_LE] = "<=", [HN_P_GT] = ">", [HN_P_GE] = ">="};

uint32_t hn_program_kpi_count(const hn_program *p) { return p->n_kpis; }

hn_status hn_program_kpi(const hn_program *p, uint32_t i, hn_kpi_view *out) {
  if (i >= p->n_kpis) return HN_ERR_NOT_FOUND;
  const hn_kpi *k = &p->kpis[i];
  memset(out, 0, sizeof *out);
  out->name = k->name;
  out->title = k->title;
  out->description = k->description;
  out->pack = k->pack;
  out->version = k->version;
  out->hash = k->hash;
  out->value = k->text;
  out->type = k->type <= HN_FT_DURATION && type_names[k->type] ? type_names[k->type] : "float";
  for (uint32_t d = 0; d < k->n_dims && d < HN_KPI_MAX_DIMS; d++) out->by[out->n_by++] = hn_kpi_dim_names[k->dims[d]];
  out->every = k->every;
  if (k->target_op) {
    const hn_const *c = &p->consts[k->target];
    out->target_op = op_names[k->target_op - 1];
    out->target.kind = c->kind;
    memcpy(&out->target.u, &c->u, sizeof out->target.u);
  }
  out->n_factors = k->n_factors;
  return HN_OK;
}

uint32_t hn_program_kpi_find(const hn_program *p, const char *name) {
  for (uint32_t i = 0; name && i < p->n_kpis; i++)
    if (strcmp(p->kpis[i].name, name) == 0) return i;
  return NONE;
}

uint32_t hn_program_control_count(const hn_program *p) { return p->n_controls; }

hn_status hn_program_control(const hn_program *p, uint32_t i, hn_control_view *out) {
  if (i >= p->n_controls) return HN_ERR_NOT_FOUND;
  const hn_control *c = &p->controls[i];
  memset(out, 0, sizeof *out);
  out->name = c->name;
  out->title = c->title;
  out->description = c->description;
  out->owner = c->owner;
  out->framework_names = c->framework_names;
  out->framework_ids = c->framework_ids;
  out->n_frameworks = c->n_frameworks;
  for (uint32_t r = 0; r < p->n_rules; r++) out->rules += p->rules[r].control && strcmp(p->rules[r].control, c->name) == 0;
  for (uint32_t x = 0; x < p->n_exposures; x++)
    out->exposures += p->exposures[x].control && strcmp(p->exposures[x].control, c->name) == 0;
  return HN_OK;
}

uint32_t hn_program_control_find(const hn_program *p, const char *name) {
  for (uint32_t i = 0; name && i < p->n_controls; i++)
    if (strcmp(p->controls[i].name, name) == 0) return i;
  return NONE;
}

/* ---- periods ---------------------------------------------------------------------------------- */
typedef struct range {
  int64_t every, first, last; /* the first and last displayed periods' starts */
  uint32_t n;                 /* periods computed: the one before `first`, then the displayed ones */
} range;

static int64_t earliest(const kctx *k) {
  int64_t t = HN_TIME_NONE;
  for (int r = 0; r < HN_KR_COUNT; r++)
    for (uint32_t i = 0; r != HN_KR_ASSET && i < row_count(k, r); i++) {
      int64_t v = row_time(k, r, i);
      if (v != HN_TIME_NONE && (t == HN_TIME_NONE || v < t)) t = v;
    }
  return t;
}

static bool given(int64_t t) { return t != 0 && t != HN_TIME_NONE; }

/* The periods of length `every` the query covers; HN_ERR_USAGE for an empty range, HN_OK with
 * rg->n == 0 when there is nothing to cover (no facts, no bounds). */
static hn_status make_range(kctx *k, const hn_kpi_query *q, int64_t every, range *rg) {
  memset(rg, 0, sizeof *rg);
  rg->every = every;
  int64_t lo = q && given(q->from) ? q->from : earliest(k);
  int64_t hi = q && given(q->to) ? q->to - 1 : k->now;
  if (lo == HN_TIME_NONE || hi == HN_TIME_NONE) return HN_OK;
  rg->first = hn_kpi_period_start(lo, every);
  rg->last = hn_kpi_period_start(hi, every);
  if (rg->last < rg->first) {
    snprintf(k->err, k->errlen, "the range is empty: it ends before it begins");
    return HN_ERR_USAGE;
  }
  if ((rg->last - rg->first) / every >= 1000000) {
    snprintf(k->err, k->errlen, "the range holds more than a million periods: choose a longer period or a shorter range");
    return HN_ERR_USAGE;
  }
  rg->n = (uint32_t)((rg->last - rg->first) / every) + 2;
  return HN_OK;
}

/* The index of the period holding t (0: the one before the first displayed), or NONE. */
static uint32_t period_of(const range *rg, int64_t t) {
  if (t == HN_TIME_NONE) return NONE;
  int64_t s = hn_kpi_period_start(t, rg->every);
  if (s < rg->first - rg->every || s > rg->last) return NONE;
  return (uint32_t)((s - (rg->first - rg->every)) / rg->every);
}

/* ---- cells ---------------------------------------------------------------------------------- */
enum { ALL_PERIODS = NONE, MAX_COMBOS = 4096 };

typedef struct entry {
  uint32_t period, cell, row;
  uint8_t root;
} entry;

typedef struct cellset {
  uint32_t nd;
  uint8_t dims[HN_KPI_MAX_DIMS];
  smap map;                  /* the values joined by \x1f -> cell */
  char **keys;               /* those keys (owned) */
  const char **vals;         /* cell c's values: vals[c * nd .. c * nd + nd) */
  uint32_t n, cap;
  uint32_t *rank;            /* cell -> its place in value order */
  entry *ent;
  size_t n_ent, cap_ent;
} cellset;

static void cells_free(cellset *cs) {
  for (uint32_t i = 0; i < cs->n; i++) hn_free(cs->keys[i]);
  hn_free(cs->keys);
  hn_free(cs->vals);
  hn_free(cs->rank);
  hn_free(cs->ent);
  smap_free(&cs->map);
}

static bool add_entry(cellset *cs, uint32_t period, uint32_t cell, int root, uint32_t row) {
  if (cs->n_ent == cs->cap_ent) {
    size_t cap = cs->cap_ent ? cs->cap_ent * 2 : 256;
    entry *e = hn_realloc(cs->ent, cap * sizeof *e);
    if (!e) return false;
    cs->ent = e;
    cs->cap_ent = cap;
  }
  cs->ent[cs->n_ent++] = (entry){period, cell, row, (uint8_t)root};
  return true;
}

/* The cell of these values, made when new; NONE when out of memory. */
static uint32_t cell_of(cellset *cs, const char *const *v) {
  size_t len = 0;
  for (uint32_t d = 0; d < cs->nd; d++) len += strlen(v[d]) + 1;
  char *key = hn_malloc(len + 1);
  if (!key) return NONE;
  char *o = key;
  for (uint32_t d = 0; d < cs->nd; d++) {
    size_t n = strlen(v[d]);
    memcpy(o, v[d], n);
    o += n;
    *o++ = '\x1f';
  }
  *o = 0;
  uint32_t c = smap_get(&cs->map, key);
  if (c != NONE) { hn_free(key); return c; }
  if (cs->n == cs->cap) {
    uint32_t cap = cs->cap ? cs->cap * 2 : 16;
    char **k = hn_realloc(cs->keys, cap * sizeof *k);
    if (k) cs->keys = k;
    const char **vv = k ? hn_realloc(cs->vals, (size_t)cap * (cs->nd ? cs->nd : 1) * sizeof *vv) : NULL;
    if (!k || !vv) { hn_free(key); return NONE; }
    cs->vals = vv;
    cs->cap = cap;
  }
  c = cs->n;
  if (smap_put(&cs->map, key, c, NULL) == NONE) { hn_free(key); return NONE; }
  cs->keys[cs->n++] = key;
  for (uint32_t d = 0; d < cs->nd; d++) cs->vals[c * cs->nd + d] = v[d];
  return c;
}

/* The row's values of each dimension; false when some dimension does not apply to it. */
static bool row_dims(const kctx *k, const cellset *cs, int root, uint32_t i, dimvals *dv) {
  bool all = true;
  for (uint32_t d = 0; d < cs->nd; d++) {
    row_dim(k, root, i, cs->dims[d], &dv[d]);
    if (!dv[d].na && dv[d].n == 0) dv_add(&dv[d], NONE_VALUE);
    all &= !dv[d].na;
  }
  return all;
}

/* Every combination of the row's values is a cell it counts in (a row with two techniques and
 * two controls counts in four). */
static bool spread(cellset *cs, const dimvals *dv, uint32_t period, int root, uint32_t row) {
  uint32_t idx[HN_KPI_MAX_DIMS] = {0};
  const char *v[HN_KPI_MAX_DIMS];
  for (uint32_t combos = 0; combos < MAX_COMBOS; combos++) {
    for (uint32_t d = 0; d < cs->nd; d++) v[d] = dv[d].v[idx[d]];
    uint32_t c = cell_of(cs, v);
    if (c == NONE || !add_entry(cs, period, c, root, row)) return false;
    uint32_t d = 0;
    while (d < cs->nd && ++idx[d] == dv[d].n) idx[d++] = 0;
    if (d == cs->nd) break;
  }
  return true;
}

static bool has_value(const dimvals *d, const char *v) {
  for (uint32_t i = 0; i < d->n; i++)
    if (strcmp(d->v[i], v) == 0) return true;
  return false;
}

/* A row some dimension does not apply to (an asset by control): in every cell its other
 * dimensions match. */
static bool spread_wild(cellset *cs, const dimvals *dv, uint32_t period, int root, uint32_t row) {
  for (uint32_t c = 0; c < cs->n; c++) {
    bool in = true;
    for (uint32_t d = 0; d < cs->nd && in; d++) in = dv[d].na || has_value(&dv[d], cs->vals[c * cs->nd + d]);
    if (in && !add_entry(cs, period, c, root, row)) return false;
  }
  return true;
}

/* Whether incident i passes the KPI's `where` (and its children with it). */
static uint8_t *where_pass(kctx *k, const hn_kpi *K) {
  uint8_t *pass = hn_malloc(k->f->n_incidents ? k->f->n_incidents : 1);
  for (uint32_t i = 0; pass && i < k->f->n_incidents; i++) {
    if (K->where == NONE) { pass[i] = 1; continue; }
    const char *an = k->f->incidents[i].asset;
    uint32_t a = an && k->p->inventory ? hn_asset_by_name(k->p, an, strlen(an)) : NONE;
    lay(k, HN_KR_INCIDENT, i, a);
    pass[i] = hn_eval_node(&k->e, K->where);
  }
  return pass;
}

/* Puts every row of the roots the KPI reads in its period and cells: rows with a value of
 * every dimension first (they make the cells), then the others into the cells they match. */
static bool place_rows(kctx *k, const hn_kpi *K, const range *rg, const uint8_t *pass, cellset *cs) {
  unsigned roots = 0;
  for (uint32_t a = 0; a < K->n_roots; a++) roots |= 1u << K->roots[a];
  dimvals dv[HN_KPI_MAX_DIMS];
  for (int pass_no = 0; pass_no < 2; pass_no++)
    for (int r = 0; r < HN_KR_COUNT; r++) {
      if (!(roots & (1u << r))) continue;
      for (uint32_t i = 0; i < row_count(k, r); i++) {
        uint32_t per = r == HN_KR_ASSET ? ALL_PERIODS : period_of(rg, row_time(k, r, i));
        uint32_t inc = row_incident(k, r, i);
        if (per == NONE && r != HN_KR_ASSET) continue;
        if ((r == HN_KR_ALERT || r == HN_KR_TRANSITION || r == HN_KR_SLA) && inc == NONE) continue; /* an orphan */
        if (inc != NONE && !pass[inc]) continue;
        bool all = row_dims(k, cs, r, i, dv);
        if (all && pass_no == 0 && !spread(cs, dv, per, r, i)) return false;
        if (!all && pass_no == 1 && !spread_wild(cs, dv, per, r, i)) return false;
      }
    }
  return true;
}

/* Cells in order of their values, dimension by dimension; "(none)" last. */
static int cmp_cells(const void *a, const void *b, void *ud) {
  const cellset *cs = ud;
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  for (uint32_t d = 0; d < cs->nd; d++) {
    const char *u = cs->vals[x * cs->nd + d], *v = cs->vals[y * cs->nd + d];
    if (u == v) continue;
    if (u == NONE_VALUE || v == NONE_VALUE) return u == NONE_VALUE ? 1 : -1;
    int c = strcmp(u, v);
    if (c) return c;
  }
  return 0;
}

static int cmp_entries(const void *a, const void *b, void *ud) {
  const cellset *cs = ud;
  const entry *x = a, *y = b;
  if (x->period != y->period) return x->period < y->period ? -1 : 1;
  uint32_t rx = cs->rank[x->cell], ry = cs->rank[y->cell];
  if (rx != ry) return rx < ry ? -1 : 1;
  if (x->root != y->root) return x->root < y->root ? -1 : 1;
  return x->row < y->row ? -1 : x->row > y->row;
}

static bool order_cells(cellset *cs, uint32_t **by_rank) {
  uint32_t n = cs->n ? cs->n : 1;
  *by_rank = hn_malloc(n * sizeof **by_rank);
  cs->rank = hn_malloc(n * sizeof *cs->rank);
  if (!*by_rank || !cs->rank) return false;
  for (uint32_t c = 0; c < cs->n; c++) (*by_rank)[c] = c;
  qsort_r(*by_rank, cs->n, sizeof **by_rank, cmp_cells, cs);
  for (uint32_t r = 0; r < cs->n; r++) cs->rank[(*by_rank)[r]] = r;
  if (cs->n_ent) qsort_r(cs->ent, cs->n_ent, sizeof *cs->ent, cmp_entries, cs);
  return true;
}

/* ---- values of the cells ------------------------------------------------------------------------ */
typedef struct rows_ud {
  kctx *k;
  int root;
  const entry *ent;          /* rows: ent[i].row */
} rows_ud;

static bool begin_row(void *ud, uint32_t i, hn_eval *e) {
  rows_ud *u = ud;
  (void)e;
  lay(u->k, u->root, u->ent[i].row, NONE);
  return !u->k->failed;
}

/* A value as the cell shows it: durations in seconds. */
static bool as_number(const hn_value *v, uint8_t type, double *out) {
  if (v->kind == HN_V_FLOAT) *out = v->u.f;
  else if (v->kind == HN_V_INT || v->kind == HN_V_TIME) *out = type == HN_FT_DURATION ? (double)v->u.i / 1e9 : (double)v->u.i;
  else return false;
  return isfinite(*out);
}

/* One (period, cell): the slices of its rows, by root, within the sorted entries. */
typedef struct slice {
  const entry *e;
  uint32_t n;
} slice;

typedef struct cellval {
  bool has;
  hn_value v;
  double num;
  double *f;                 /* the factors' values */
  uint8_t *fhas;
} cellval;

static bool compute_cell(kctx *k, const hn_kpi *K, const slice *rows, cellval *out) {
  const hn_corr *C = &k->p->corrs[K->corr];
  hn_value agg[64];
  if (C->n_aggs > 64) return false;
  for (uint32_t a = 0; a < C->n_aggs; a++) {
    rows_ud u = {k, K->roots[a], rows[K->roots[a]].e};
    if (!hn_agg_over(&k->e, C, a, rows[K->roots[a]].n, begin_row, &u, &agg[a])) return false;
  }
  hn_value v = hn_having_value(&k->e, C, C->having, agg);
  out->v = v;
  out->has = as_number(&v, K->type, &out->num);
  for (uint32_t j = 0; j < K->n_factors; j++) {
    hn_value fv = hn_having_value(&k->e, C, K->factors[j].node, agg);
    out->fhas[j] = as_number(&fv, K->factors[j].type, &out->f[j]);
  }
  return !k->failed;
}

typedef struct emitter {
  kctx *k;
  uint32_t ki;
  const hn_kpi *K;
  hn_kpi_view view;
  const cellset *cs;
  const char *dim_names[HN_KPI_MAX_DIMS];
  hn_kpi_factor_view *fv;
  hn_kpi_fn fn;
  void *ud;
} emitter;

static double ln_change(bool ha, double a, bool hb, double b) {
  return ha && hb && a > 0 && b > 0 ? log(a) - log(b) : NAN;
}

static void emit(emitter *m, const range *rg, uint32_t per, uint32_t cell, const cellval *cur, const cellval *prev) {
  const hn_kpi *K = m->K;
  hn_kpi_cell c;
  memset(&c, 0, sizeof c);
  c.kpi = m->ki;
  c.view = &m->view;
  c.start = rg->first + (int64_t)(per - 1) * rg->every;
  c.end = c.start + rg->every;
  c.dims = m->dim_names;
  c.values = m->cs->vals ? m->cs->vals + (size_t)cell * m->cs->nd : NULL;
  c.n_dims = m->cs->nd;
  c.has_value = cur->has;
  c.value = cur->v;
  c.number = cur->num;
  c.target_met = -1;
  if (cur->has && K->target_op) {
    const hn_const *t = &m->k->p->consts[K->target];
    hn_value tv;
    memset(&tv, 0, sizeof tv);
    tv.kind = t->kind;
    memcpy(&tv.u, &t->u, sizeof tv.u);
    c.target_met = hn_value_cmp(&m->k->e, K->target_op - 1, &cur->v, &tv) ? 1 : 0;
  }
  c.has_previous = prev->has;
  c.previous = prev->num;
  c.change = cur->has && prev->has && prev->num != 0 ? cur->num / prev->num - 1 : NAN;
  c.log_change = ln_change(cur->has, cur->num, prev->has, prev->num);
  c.attributed = K->n_factors > 0 && isfinite(c.log_change);
  for (uint32_t j = 0; j < K->n_factors; j++) {
    hn_kpi_factor_view *f = &m->fv[j];
    f->text = K->factors[j].text;
    f->sign = K->factors[j].sign;
    f->has_value = cur->fhas[j];
    f->has_previous = prev->fhas[j];
    f->value = cur->f[j];
    f->previous = prev->f[j];
    f->change = f->has_value && f->has_previous && f->previous > 0 ? f->value / f->previous - 1 : NAN;
    f->contribution = f->sign * ln_change(f->has_value, f->value, f->has_previous, f->previous);
    if (!isfinite(f->contribution)) c.attributed = false;
  }
  c.factors = K->n_factors ? m->fv : NULL;
  c.n_factors = K->n_factors;
  m->fn(m->ud, &c);
}

/* Per cell, this period's and the last one's values. */
static cellval *cellvals(uint32_t n, uint32_t nf, double **fbuf, uint8_t **hbuf) {
  cellval *v = hn_calloc(n ? n : 1, sizeof *v);
  *fbuf = hn_calloc((size_t)(n ? n : 1) * (nf ? nf : 1), sizeof **fbuf);
  *hbuf = hn_calloc((size_t)(n ? n : 1) * (nf ? nf : 1), 1);
  if (!v || !*fbuf || !*hbuf) { hn_free(v); hn_free(*fbuf); hn_free(*hbuf); return NULL; }
  for (uint32_t c = 0; c < n; c++) {
    v[c].f = *fbuf + (size_t)c * nf;
    v[c].fhas = *hbuf + (size_t)c * nf;
  }
  return v;
}

/* Walks the periods: each cell's rows from the sorted entries (assets: the same in every
 * period), its values, and every displayed period's cells to the callback. */
static bool walk(kctx *k, emitter *m, const range *rg, cellset *cs, const uint32_t *by_rank) {
  uint32_t nc = cs->n, nf = m->K->n_factors;
  double *fb[2];
  uint8_t *hb[2];
  cellval *cur = cellvals(nc, nf, &fb[0], &hb[0]), *prev = cellvals(nc, nf, &fb[1], &hb[1]);
  size_t *asset_at = hn_calloc((size_t)nc + 1, sizeof *asset_at);
  bool ok = cur && prev && asset_at;
  size_t at = 0, n_timed = 0;
  while (n_timed < cs->n_ent && cs->ent[n_timed].period != ALL_PERIODS) n_timed++;
  for (uint32_t r = 0, i = (uint32_t)n_timed; ok && r <= nc; r++) { /* assets: the slice of each rank */
    while (i < cs->n_ent && cs->rank[cs->ent[i].cell] < r) i++;
    asset_at[r] = i;
  }
  for (uint32_t per = 0; ok && per < rg->n; per++) {
    for (uint32_t r = 0; ok && r < nc; r++) {
      uint32_t cell = by_rank[r];
      slice rows[HN_KR_COUNT] = {{0}};
      while (at < n_timed && cs->ent[at].period == per && cs->rank[cs->ent[at].cell] == r) {
        size_t s = at;
        uint8_t root = cs->ent[at].root;
        while (at < n_timed && cs->ent[at].period == per && cs->rank[cs->ent[at].cell] == r && cs->ent[at].root == root) at++;
        rows[root] = (slice){&cs->ent[s], (uint32_t)(at - s)};
      }
      if (asset_at[r + 1] > asset_at[r]) rows[HN_KR_ASSET] = (slice){&cs->ent[asset_at[r]], (uint32_t)(asset_at[r + 1] - asset_at[r])};
      ok = compute_cell(k, m->K, rows, &cur[cell]);
      if (ok && per > 0) emit(m, rg, per, cell, &cur[cell], &prev[cell]);
    }
    cellval *t = cur; cur = prev; prev = t;
    double *tf = fb[0]; fb[0] = fb[1]; fb[1] = tf;
    uint8_t *th = hb[0]; hb[0] = hb[1]; hb[1] = th;
  }
  hn_free(cur);
  hn_free(prev);
  hn_free(fb[0]);
  hn_free(fb[1]);
  hn_free(hb[0]);
  hn_free(hb[1]);
  hn_free(asset_at);
  return ok;
}

/* The dimensions a query asks for, instead of the KPI's own. */
static hn_status query_dims(kctx *k, const hn_kpi *K, const hn_kpi_query *q, cellset *cs) {
  if (!q || !q->by) {
    cs->nd = K->n_dims < HN_KPI_MAX_DIMS ? K->n_dims : HN_KPI_MAX_DIMS;
    if (cs->nd) memcpy(cs->dims, K->dims, cs->nd);
    return HN_OK;
  }
  if (q->n_by > HN_KPI_MAX_DIMS) {
    snprintf(k->err, k->errlen, "at most %d dimensions", HN_KPI_MAX_DIMS);
    return HN_ERR_USAGE;
  }
  for (uint32_t i = 0; i < q->n_by; i++) {
    int d = -1;
    for (int j = 0; hn_kpi_dim_names[j] && q->by[i]; j++)
      if (strcmp(hn_kpi_dim_names[j], q->by[i]) == 0) d = j;
    if (d < 0) {
      snprintf(k->err, k->errlen, "unknown dimension '%s' (dimensions: domain, business_unit, control, service, "
               "technique, tactic, severity, rule, asset_role, owner, state, assignee, disposition, exposure)",
               q->by[i] ? q->by[i] : "");
      return HN_ERR_USAGE;
    }
    for (uint32_t j = 0; j < cs->nd; j++)
      if (cs->dims[j] == d) {
        snprintf(k->err, k->errlen, "dimension '%s' is given twice", q->by[i]);
        return HN_ERR_USAGE;
      }
    cs->dims[cs->nd++] = (uint8_t)d;
  }
  return HN_OK;
}

static hn_status one_kpi(kctx *k, uint32_t ki, const hn_kpi_query *q, hn_kpi_fn fn, void *ud) {
  const hn_kpi *K = &k->p->kpis[ki];
  emitter m = {k, ki, K, {0}, NULL, {0}, NULL, fn, ud};
  cellset cs;
  memset(&cs, 0, sizeof cs);
  hn_status st = query_dims(k, K, q, &cs);
  range rg;
  if (st == HN_OK) st = make_range(k, q, q && q->every > 0 ? q->every : K->every, &rg);
  if (st != HN_OK || rg.n == 0) { cells_free(&cs); return st; }
  hn_program_kpi(k->p, ki, &m.view);
  m.view.n_by = cs.nd; /* as computed */
  for (uint32_t d = 0; d < cs.nd; d++) m.view.by[d] = m.dim_names[d] = hn_kpi_dim_names[cs.dims[d]];
  m.view.every = rg.every;
  m.cs = &cs;
  m.fv = hn_calloc(K->n_factors ? K->n_factors : 1, sizeof *m.fv);
  uint8_t *pass = where_pass(k, K);
  uint32_t *by_rank = NULL;
  bool ok = m.fv && pass && !k->failed && place_rows(k, K, &rg, pass, &cs);
  if (ok && cs.nd == 0 && cs.n == 0) { /* no dimension: the one cell, even without rows */
    const char *none = NULL;
    ok = cell_of(&cs, &none) != NONE;
  }
  ok = ok && order_cells(&cs, &by_rank) && walk(k, &m, &rg, &cs, by_rank);
  hn_free(by_rank);
  hn_free(pass);
  hn_free(m.fv);
  cells_free(&cs);
  return ok ? HN_OK : oom(k);
}

hn_status hn_kpi_compute(const hn_program *p, const hn_kpi_facts *f, const hn_kpi_query *q, hn_kpi_fn fn, void *ud,
                         char *err, size_t errlen) {
  uint32_t only = NONE;
  if (q && q->kpi && (only = hn_program_kpi_find(p, q->kpi)) == NONE) {
    snprintf(err, errlen, "no KPI named '%s'", q->kpi);
    return HN_ERR_NOT_FOUND;
  }
  if (q && q->every < 0) {
    snprintf(err, errlen, "a period must be longer than zero");
    return HN_ERR_USAGE;
  }
  kctx k;
  hn_status st = kctx_init(&k, p, f, err, errlen);
  for (uint32_t i = 0; st == HN_OK && i < p->n_kpis; i++)
    if (only == NONE || only == i) st = one_kpi(&k, i, q, fn, ud);
  kctx_free(&k);
  return st;
}

/* ---- the gap analysis ---------------------------------------------------------------------------- */
typedef struct gaprow {
  const char *name;
  uint32_t control;          /* declared: its index, else NONE */
  uint64_t incidents, exposures, current, previous;
} gaprow;

typedef struct gapset {
  smap map;
  gaprow *v;
  uint32_t n, cap;
} gapset;

static gaprow *gap_of(gapset *g, const kctx *k, const char *name) {
  if (!name) return NULL;
  uint32_t i = smap_get(&g->map, name);
  if (i != NONE) return &g->v[i];
  if (g->n == g->cap) {
    uint32_t cap = g->cap ? g->cap * 2 : 32;
    gaprow *v = hn_realloc(g->v, cap * sizeof *v);
    if (!v) return NULL;
    g->v = v;
    g->cap = cap;
  }
  if (smap_put(&g->map, name, g->n, NULL) == NONE) return NULL;
  gaprow *r = &g->v[g->n++];
  memset(r, 0, sizeof *r);
  r->name = name;
  r->control = smap_get(&k->control_by_name, name);
  return r;
}

static int cmp_gaps(const void *a, const void *b) {
  const gaprow *x = a, *y = b;
  if (x->incidents != y->incidents) return x->incidents > y->incidents ? -1 : 1;
  if (x->exposures != y->exposures) return x->exposures > y->exposures ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* Every control the program knows (declared, or named by a rule or an exposure) and every one
 * the incidents and windows of the range name, with their counts. */
static bool count_gaps(kctx *k, const range *rg, gapset *g) {
  const hn_program *p = k->p;
  for (uint32_t i = 0; i < p->n_controls; i++) if (!gap_of(g, k, p->controls[i].name)) return false;
  for (uint32_t i = 0; i < p->n_rules; i++) if (p->rules[i].control && !gap_of(g, k, p->rules[i].control)) return false;
  for (uint32_t i = 0; i < p->n_exposures; i++)
    if (p->exposures[i].control && !gap_of(g, k, p->exposures[i].control)) return false;
  for (uint32_t i = 0; rg->n && i < k->f->n_incidents; i++) {
    const hn_fact_incident *x = &k->f->incidents[i];
    uint32_t per = period_of(rg, x->detected_at);
    if (per == NONE) continue;
    for (uint32_t c = 0; c < x->controls.n; c++) {
      gaprow *r = gap_of(g, k, x->controls.v[c]);
      if (!r) return false;
      r->incidents += per > 0;
      r->current += per == rg->n - 1;
      r->previous += per == rg->n - 2;
    }
  }
  for (uint32_t i = 0; rg->n && i < k->f->n_exposures; i++) {
    uint32_t per = period_of(rg, k->f->exposures[i].opened);
    const char *c = window_control(k, &k->f->exposures[i]);
    gaprow *r = per != NONE && per > 0 && c ? gap_of(g, k, c) : NULL;
    if (r) r->exposures++;
    else if (per != NONE && per > 0 && c) return false;
  }
  return true;
}

hn_status hn_kpi_gaps(const hn_program *p, const hn_kpi_facts *f, const hn_kpi_query *q, hn_gap_fn fn, void *ud,
                      char *err, size_t errlen) {
  kctx k;
  hn_status st = kctx_init(&k, p, f, err, errlen);
  range rg;
  if (st == HN_OK) st = make_range(&k, q, q && q->every > 0 ? q->every : WEEK, &rg);
  gapset g;
  memset(&g, 0, sizeof g);
  if (st == HN_OK && !count_gaps(&k, &rg, &g)) st = oom(&k);
  if (st == HN_OK) {
    if (g.n) qsort(g.v, g.n, sizeof *g.v, cmp_gaps);
    for (uint32_t i = 0; i < g.n; i++) {
      hn_control_view cv;
      hn_gap o;
      memset(&o, 0, sizeof o);
      o.rank = i + 1;
      o.control = g.v[i].name;
      if (g.v[i].control != NONE && hn_program_control(p, g.v[i].control, &cv) == HN_OK) o.view = &cv;
      o.incidents = g.v[i].incidents;
      o.exposures = g.v[i].exposures;
      o.current = g.v[i].current;
      o.previous = g.v[i].previous;
      o.period_start = rg.n ? rg.last : 0;
      o.period_end = rg.n ? rg.last + rg.every : 0;
      o.change = o.previous ? (double)o.current / (double)o.previous - 1 : NAN;
      fn(ud, &o);
    }
  }
  hn_free(g.v);
  smap_free(&g.map);
  kctx_free(&k);
  return st;
}
