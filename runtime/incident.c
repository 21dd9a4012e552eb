/* incident.c - incidents, routing and scores (see incident.h).
 *
 * An incident keeps its alerts as alert events (the fields they carry and alert.*), so that a
 * score's aggregates (max(alert.severity), distinct(alert.tactics)...) are computed by the same
 * code as a window's `having`. The incident's own fields (incident.*, asset.*, now) are laid
 * into a stand-in event whenever a domain condition or a score reads them. Entities are
 * "kind:value" strings (§10.10); a host or address that resolves to an inventoried asset also
 * stands as "asset:NAME", so that two spellings of one machine meet.
 * Depends on corr.h, assets.h and interp.h. */
#define _GNU_SOURCE /* qsort_r */
#include "incident.h"
#include "alloc.h"
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "assets.h"
#include "text.h"
#include "value.h"

/* ---- string sets in first-seen order ----------------------------------------------------------- */
typedef struct sset {
  char **s;
  uint32_t n, cap;
} sset;

static bool ss_has(const sset *x, const char *s) {
  for (uint32_t i = 0; i < x->n; i++)
    if (strcmp(x->s[i], s) == 0) return true;
  return false;
}

static bool ss_add(sset *x, const char *s) {
  if (!s || ss_has(x, s)) return true;
  if (x->n == x->cap) {
    uint32_t cap = x->cap ? x->cap * 2 : 4;
    char **ns = hn_realloc(x->s, cap * sizeof *ns);
    if (!ns) return false;
    x->s = ns;
    x->cap = cap;
  }
  size_t n = strlen(s);
  char *d = hn_malloc(n + 1);
  if (!d) return false;
  memcpy(d, s, n + 1);
  x->s[x->n++] = d;
  return true;
}

static void ss_free(sset *x) {
  for (uint32_t i = 0; i < x->n; i++) hn_free(x->s[i]);
  hn_free(x->s);
  memset(x, 0, sizeof *x);
}

/* ---- incidents ----------------------------------------------------------------------------------- */
/* A case field (§13): free text analysts record on the incident, read as incident.case.NAME. */
typedef struct cfield {
  char *name, *value;
} cfield;

enum { S_RULES, S_TAGS, S_TACTICS, S_TECHNIQUES, S_CONTROLS, S_SERVICES, S_HOSTS, S_USERS, S_ENTITIES,
       S_BUSINESS_UNITS, S_ASSET_ROLES, N_SETS };

typedef struct incident {
  uint64_t id;
  int64_t first_seen, last_seen, detected_at;
  uint32_t n_alerts, severity;
  sset sets[N_SETS];
  uint32_t asset;        /* the most critical inventoried asset (ties: first seen), HN_NO_ASSET */
  const char *service;   /* of its most severe alert naming one (ties: the earliest) */
  uint32_t service_sev;
  uint32_t domain;       /* UINT32_MAX: unrouted */
  double score;
  hn_event *alerts;      /* alert events, for the scores' aggregates (the first 1,024) */
  uint32_t n_stored, cap_alerts;
  uint32_t *assets;      /* every inventoried asset of its entities */
  uint32_t n_assets;
  uint64_t merged_into;  /* 0, or the id of the incident it was merged into (closed) */
  /* its case, as the store last told it (hn_incidents_set_case); all zero until then */
  bool has_case;
  bool sla_breached;     /* the store recorded a breach */
  uint32_t state;        /* index into its workflow's states: 0 is the initial state */
  char *assignee;        /* NULL: none */
  int64_t sla_due;       /* the store's next deadline (with has_case), INT64_MAX: none pending */
  int64_t closed_at;     /* INT64_MIN while open */
  cfield *fields;        /* case fields, as text */
  uint32_t n_fields;
  int64_t due_rated;     /* the SLA deadline when it was last rated: passing it rates it again */
} incident;

/* An open window of exposure: on an inventoried asset, or on a value the inventory does not
 * know (reported, scoring nothing). */
typedef struct window {
  uint32_t exposure, asset;
  char *value;           /* when asset is HN_NO_ASSET */
  int64_t opened;
} window;

/* The incident fields a pack can read, by path. */
enum { F_NONE, F_ID, F_FIRST, F_LAST, F_DETECTED, F_CLOSED, F_COUNT, F_SEVERITY, F_SET0, F_DOMAIN = F_SET0 + N_SETS,
       F_SERVICE, F_STATE, F_EXPOSED, A_NAME, A_IPS, A_BU, A_OWNER, A_ROLE, A_CRIT, A_TAGS, A_MANAGED, A_EXPOSED,
       A_EXPOSURE, A_VULNS, A_MAXVULN, A_VULNERABLE, F_NOW, F_ASSIGNEE, F_SLA_BREACHED, F_SLA_DUE,
       F_CASE /* incident.case.NAME: any name */ };
#define CASE_PREFIX "incident.case."

static const struct { const char *path; int id; } field_ids[] = {
  {"incident.id", F_ID}, {"incident.first_seen", F_FIRST}, {"incident.last_seen", F_LAST},
  {"incident.detected_at", F_DETECTED}, {"incident.closed_at", F_CLOSED}, {"incident.alert_count", F_COUNT},
  {"incident.severity", F_SEVERITY}, {"incident.rules", F_SET0 + S_RULES}, {"incident.tags", F_SET0 + S_TAGS},
  {"incident.tactics", F_SET0 + S_TACTICS}, {"incident.techniques", F_SET0 + S_TECHNIQUES},
  {"incident.controls", F_SET0 + S_CONTROLS}, {"incident.services", F_SET0 + S_SERVICES},
  {"incident.hosts", F_SET0 + S_HOSTS}, {"incident.users", F_SET0 + S_USERS},
  {"incident.entities", F_SET0 + S_ENTITIES}, {"incident.business_units", F_SET0 + S_BUSINESS_UNITS},
  {"incident.asset_roles", F_SET0 + S_ASSET_ROLES}, {"incident.domain", F_DOMAIN}, {"incident.service", F_SERVICE},
  {"incident.state", F_STATE}, {"incident.exposed", F_EXPOSED}, {"asset.name", A_NAME}, {"asset.ips", A_IPS},
  {"asset.business_unit", A_BU}, {"asset.owner", A_OWNER}, {"asset.role", A_ROLE}, {"asset.criticality", A_CRIT},
  {"asset.tags", A_TAGS}, {"asset.managed", A_MANAGED}, {"asset.exposed", A_EXPOSED}, {"asset.exposure", A_EXPOSURE},
  {"asset.vuln_count", A_VULNS}, {"asset.max_vuln_severity", A_MAXVULN}, {"asset.vulnerable", A_VULNERABLE},
  {"now", F_NOW}, {"incident.assignee", F_ASSIGNEE}, {"incident.sla_breached", F_SLA_BREACHED},
  {"incident.sla_due", F_SLA_DUE}, {NULL, 0}};

/* entity -> the incidents that hold it (open addressing; keys owned) */
typedef struct ent {
  char *key;
  uint64_t h;
  uint32_t *inc, n, cap;
} ent;

struct hn_incidents {
  const hn_program *p;
  hn_callbacks cb;       /* where incident records and exposure changes go */
  uint64_t alert_id;     /* the id of the alert being joined (hn_incidents_alert) */
  incident *inc;
  uint32_t n, cap;
  ent *tab;
  uint32_t tcap, tn;
  uint8_t *fid;          /* per program field: its incident field id (F_NONE: not one) */
  uint32_t aslot[11];
  hn_eval e;
  hn_event iev;          /* the stand-in incident event, rebuilt for each evaluation */
  hn_value *ivals;
  uint32_t ivcap;
  int64_t now;
  char idbuf[32];        /* incident.id of the stand-in event */
  window *win;           /* the open windows */
  uint32_t n_win, cap_win;
  double *exposure;      /* per asset: the weights of its open windows */
  uint32_t *n_open;      /* per asset: its open windows */
  int64_t max_t;
  bool any_t, states_done;
  bool native;           /* scores by their native code when the program has it */
  bool reads_now;        /* some score or domain condition reads `now`: refreshed as time passes */
  bool reads_sla;        /* ... or incident.sla_*: rated again when the clock passes a deadline */
  int64_t next_due;      /* the nearest deadline of an incident (due_rated), INT64_MAX: none */
  bool cases;            /* loading a state that holds cases (hn_incidents_load) */
  int64_t refreshed;     /* the watermark at the last refresh */
  int64_t wall;          /* the wall clock when last read, for max_skew (hn_time_ahead) */
  bool failed;
};

static void case_free(incident *c) {
  for (uint32_t i = 0; i < c->n_fields; i++) {
    hn_free(c->fields[i].name);
    hn_free(c->fields[i].value);
  }
  hn_free(c->fields);
  hn_free(c->assignee);
  c->fields = NULL;
  c->n_fields = 0;
  c->assignee = NULL;
}

hn_incidents *hn_incidents_create(const hn_program *p, const hn_callbacks *cb, bool native) {
  hn_incidents *x = hn_calloc(1, sizeof *x);
  if (!x) return NULL;
  x->p = p;
  x->native = native;
  if (cb) x->cb = *cb;
  x->tcap = 256;
  x->tab = hn_calloc(x->tcap, sizeof *x->tab);
  x->fid = hn_calloc(p->n_fields ? p->n_fields : 1, 1);
  x->iev.slots = hn_calloc(p->n_fields ? p->n_fields : 1, sizeof *x->iev.slots);
  x->iev.n_slots = p->n_fields;
  hn_alert_slots(p, x->aslot);
  x->exposure = hn_calloc(p->n_assets ? p->n_assets : 1, sizeof *x->exposure);
  x->n_open = hn_calloc(p->n_assets ? p->n_assets : 1, sizeof *x->n_open);
  if (!x->tab || !x->fid || !x->iev.slots || !x->exposure || !x->n_open || hn_eval_init(&x->e, p) != HN_OK) {
    hn_incidents_destroy(x);
    return NULL;
  }
  for (uint32_t f = 0; f < p->n_fields; f++) {
    for (int i = 0; field_ids[i].path; i++)
      if (strcmp(p->fields[f].path, field_ids[i].path) == 0) x->fid[f] = (uint8_t)field_ids[i].id;
    if (strncmp(p->fields[f].path, CASE_PREFIX, strlen(CASE_PREFIX)) == 0) x->fid[f] = F_CASE;
    x->reads_now |= x->fid[f] == F_NOW;
    x->reads_sla |= x->fid[f] == F_SLA_BREACHED || x->fid[f] == F_SLA_DUE;
  }
  x->next_due = INT64_MAX;
  return x;
}

void hn_incidents_destroy(hn_incidents *x) {
  if (!x) return;
  for (uint32_t i = 0; i < x->n; i++) {
    incident *c = &x->inc[i];
    case_free(c);
    for (int s = 0; s < N_SETS; s++) ss_free(&c->sets[s]);
    for (uint32_t a = 0; a < c->n_stored; a++) hn_alert_event_free(&c->alerts[a]);
    hn_free(c->alerts);
  }
  for (uint32_t i = 0; x->tab && i < x->tcap; i++) {
    hn_free(x->tab[i].key);
    hn_free(x->tab[i].inc);
  }
  for (uint32_t i = 0; i < x->n; i++) hn_free(x->inc[i].assets);
  for (uint32_t i = 0; i < x->n_win; i++) hn_free(x->win[i].value);
  hn_free(x->win);
  hn_free(x->exposure);
  hn_free(x->n_open);
  hn_free(x->inc);
  hn_free(x->tab);
  hn_free(x->fid);
  hn_free(x->iev.slots);
  hn_free(x->ivals);
  if (x->e.p) hn_eval_fini(&x->e);
  hn_free(x);
}

uint32_t hn_incidents_count(const hn_incidents *x) { return x->n; }

bool hn_incidents_failed(const hn_incidents *x) { return x->failed || x->e.nomem; }

/* ---- the entity index -------------------------------------------------------------------------------- */
static ent *ent_find(hn_incidents *x, const char *key, bool create) {
  uint64_t h = hn_hash_bytes(key, strlen(key));
  for (uint32_t i = (uint32_t)h & (x->tcap - 1);; i = (i + 1) & (x->tcap - 1)) {
    ent *e = &x->tab[i];
    if (!e->key) {
      if (!create) return NULL;
      if ((x->tn + 1) * 2 > x->tcap) { /* grow, then look again */
        uint32_t cap = x->tcap * 2;
        ent *nt = hn_calloc(cap, sizeof *nt);
        if (!nt) { x->failed = true; return NULL; }
        for (uint32_t k = 0; k < x->tcap; k++) {
          if (!x->tab[k].key) continue;
          uint32_t j = (uint32_t)x->tab[k].h & (cap - 1);
          while (nt[j].key) j = (j + 1) & (cap - 1);
          nt[j] = x->tab[k];
        }
        hn_free(x->tab);
        x->tab = nt;
        x->tcap = cap;
        return ent_find(x, key, true);
      }
      size_t n = strlen(key);
      e->key = hn_malloc(n + 1);
      if (!e->key) { x->failed = true; return NULL; }
      memcpy(e->key, key, n + 1);
      e->h = h;
      x->tn++;
      return e;
    }
    if (e->h == h && strcmp(e->key, key) == 0) return e;
  }
}

static void ent_add(hn_incidents *x, const char *key, uint32_t inc) {
  ent *e = ent_find(x, key, true);
  if (!e) return;
  for (uint32_t i = 0; i < e->n; i++)
    if (e->inc[i] == inc) return;
  if (e->n == e->cap) {
    uint32_t cap = e->cap ? e->cap * 2 : 2;
    uint32_t *ni = hn_realloc(e->inc, cap * sizeof *ni);
    if (!ni) { x->failed = true; return; }
    e->inc = ni;
    e->cap = cap;
  }
  e->inc[e->n++] = inc;
}

/* ---- entities of an alert ------------------------------------------------------------------------------ */
typedef struct ekeys {
  char **k;
  uint32_t n, cap;
} ekeys;

static void ek_add(hn_incidents *x, ekeys *k, const char *s) {
  for (uint32_t i = 0; i < k->n; i++)
    if (strcmp(k->k[i], s) == 0) return;
  if (k->n == k->cap) {
    uint32_t cap = k->cap ? k->cap * 2 : 8;
    char **nk = hn_realloc(k->k, cap * sizeof *nk);
    if (!nk) { x->failed = true; return; }
    k->k = nk;
    k->cap = cap;
  }
  size_t n = strlen(s);
  k->k[k->n] = hn_malloc(n + 1);
  if (!k->k[k->n]) { x->failed = true; return; }
  memcpy(k->k[k->n++], s, n + 1);
}

static void ek_free(ekeys *k) {
  for (uint32_t i = 0; i < k->n; i++) hn_free(k->k[i]);
  hn_free(k->k);
}

/* The alert's entities as "kind:value" (§10.10), with "asset:NAME" for resolved hosts and
 * addresses; *asset gets the most critical asset among them. Users go to users[]. */
static void alert_entities(hn_incidents *x, const hn_calert *a, ekeys *keys, ekeys *hosts, ekeys *users, uint32_t *asset) {
  const hn_program *p = x->p;
  const hn_rule *r = &p->rules[a->rule];
  *asset = HN_NO_ASSET;
  for (uint32_t i = 0; i < r->n_entities; i++) {
    const hn_value *v = NULL;
    uint32_t n = 0;
    if (i < a->n_ent) { v = a->ent_vals[i].v; n = a->ent_vals[i].n; }
    else if (a->ev) { v = a->ev->values + a->ev->slots[r->entities[i]].first; n = a->ev->slots[r->entities[i]].n; }
    const char *kind = hn_entity_kind(p, r->entities[i]);
    bool host = strcmp(kind, "host") == 0, user = strcmp(kind, "user") == 0;
    for (uint32_t k = 0; k < n; k++) {
      char text[HN_CASE_ROOM(512)]; /* 512 bytes of a name, folded (which may grow it) */
      uint32_t as = HN_NO_ASSET;
      if (v[k].kind == HN_V_STRING) {
        size_t m = v[k].len < 512 ? v[k].len : 512;
        if (host || user) m = hn_fold(v[k].u.s, m, text);
        else memcpy(text, v[k].u.s, m);
        text[m] = 0;
        if (host) as = hn_asset_by_name(p, v[k].u.s, v[k].len);
      } else if (v[k].kind == HN_V_IP) {
        hn_ip_format(v[k].u.ip, v[k].v6, v[k].v6 ? 128 : 32, text);
        as = hn_asset_by_ip(p, v[k].u.ip, v[k].v6);
      } else if (v[k].kind == HN_V_INT) {
        snprintf(text, sizeof text, "%" PRId64, v[k].u.i);
      } else {
        continue;
      }
      char key[HN_CASE_ROOM(512) + 64];
      snprintf(key, sizeof key, "%s:%s", kind, text);
      ek_add(x, keys, key);
      if (host) ek_add(x, hosts, as != HN_NO_ASSET ? p->assets[as].name : text);
      if (user) ek_add(x, users, text);
      if (as != HN_NO_ASSET) {
        snprintf(key, sizeof key, "asset:%s", p->assets[as].name);
        ek_add(x, keys, key);
        if (strcmp(kind, "ip") == 0) ek_add(x, hosts, p->assets[as].name);
        if (*asset == HN_NO_ASSET || p->assets[as].criticality > p->assets[*asset].criticality) *asset = as;
      }
    }
  }
}

/* ---- the stand-in incident event --------------------------------------------------------------------- */
static hn_value *iv_push(hn_incidents *x, uint32_t *n) {
  if (*n == x->ivcap) {
    uint32_t cap = x->ivcap ? x->ivcap * 2 : 64;
    hn_value *nv = hn_realloc(x->ivals, cap * sizeof *nv);
    if (!nv) { x->failed = true; return NULL; }
    x->ivals = nv;
    x->ivcap = cap;
  }
  hn_value *v = &x->ivals[(*n)++];
  memset(v, 0, sizeof *v);
  return v;
}

static void iv_str(hn_incidents *x, uint32_t *n, const char *s) {
  if (!s) return;
  hn_value *v = iv_push(x, n);
  if (!v) return;
  v->kind = HN_V_STRING;
  v->u.s = s;
  v->len = (uint32_t)strlen(s);
}

static void iv_int(hn_incidents *x, uint32_t *n, uint8_t kind, int64_t i) {
  hn_value *v = iv_push(x, n);
  if (!v) return;
  v->kind = kind;
  v->u.i = i;
}

static char *inc_id(const incident *c, char *buf, size_t n) {
  snprintf(buf, n, "INC-%06" PRIu64, c->id);
  return buf;
}

static const hn_service *service_of(const hn_program *p, const incident *c);

/* Its service's workflow, or the built-in `new -> closed` (§11.1). */
static const hn_service *workflow_of(const hn_program *p, const incident *c) {
  const hn_service *sv = service_of(p, c);
  return sv && sv->n_states ? sv : hn_service_builtin();
}

/* In its workflow's terminal state: closed, taking no new alert (§11.1). */
static bool is_closed(const hn_program *p, const incident *c) {
  return c->state && c->state + 1 == workflow_of(p, c)->n_states;
}

/* ---- SLA clocks (§13) -------------------------------------------------------------------------------
 * The store keeps each case's clocks and tells them (hn_incidents_set_case); until it does, an
 * incident waits in its initial state, so every SLA of its service is pending from detected_at.
 * Either way the clock passing the deadline is a breach. */
static int64_t sla_due(const hn_incidents *x, const incident *c) {
  if (c->has_case) return c->sla_due;
  const hn_service *sv = service_of(x->p, c);
  int64_t due = INT64_MAX;
  for (uint32_t i = 0; sv && i < sv->n_slas; i++) {
    int64_t d = hn_time_add(c->detected_at, sv->slas[i].within);
    if (d >= x->now && d < due) due = d;
  }
  return due;
}

static bool sla_breached(const hn_incidents *x, const incident *c) {
  if (c->has_case) return c->sla_breached || (c->sla_due != INT64_MAX && x->now > c->sla_due);
  const hn_service *sv = service_of(x->p, c);
  for (uint32_t i = 0; sv && i < sv->n_slas; i++)
    if (x->now > hn_time_add(c->detected_at, sv->slas[i].within)) return true;
  return false;
}

static const char *case_field(const incident *c, const char *name) {
  for (uint32_t i = 0; i < c->n_fields; i++)
    if (strcmp(c->fields[i].name, name) == 0) return c->fields[i].value;
  return NULL;
}

static void build_event(hn_incidents *x, const incident *c) {
  const hn_program *p = x->p;
  inc_id(c, x->idbuf, sizeof x->idbuf);
  const hn_asset *as = c->asset != HN_NO_ASSET ? &p->assets[c->asset] : NULL;
  uint32_t n = 0;
  for (uint32_t f = 0; f < p->n_fields; f++) {
    hn_slot *s = &x->iev.slots[f];
    s->first = n;
    s->flags = 0;
    int id = x->fid[f];
    switch (id) {
    case F_NONE: break;
    case F_ID: iv_str(x, &n, x->idbuf); break;
    case F_FIRST: iv_int(x, &n, HN_V_TIME, c->first_seen); break;
    case F_LAST: iv_int(x, &n, HN_V_TIME, c->last_seen); break;
    case F_DETECTED: iv_int(x, &n, HN_V_TIME, c->detected_at); break;
    case F_COUNT: iv_int(x, &n, HN_V_INT, c->n_alerts); break;
    case F_SEVERITY: iv_int(x, &n, HN_V_INT, c->severity); break;
    case F_DOMAIN: iv_str(x, &n, c->domain != UINT32_MAX ? p->domains[c->domain].name : "unrouted"); break;
    case F_SERVICE: iv_str(x, &n, c->service); break;
    case F_STATE: iv_str(x, &n, workflow_of(p, c)->states[c->state]); break;
    case F_CLOSED: if (c->closed_at != INT64_MIN) iv_int(x, &n, HN_V_TIME, c->closed_at); break;
    case F_ASSIGNEE: iv_str(x, &n, c->assignee); break;
    case F_SLA_BREACHED: iv_int(x, &n, HN_V_BOOL, sla_breached(x, c)); break;
    case F_SLA_DUE: {
      int64_t due = sla_due(x, c);
      if (due != INT64_MAX) iv_int(x, &n, HN_V_TIME, due);
      break;
    }
    case F_CASE: iv_str(x, &n, case_field(c, p->fields[f].path + strlen(CASE_PREFIX))); break;
    case F_EXPOSED: {
      bool ex = false;
      for (uint32_t i = 0; i < c->n_assets; i++) ex |= x->n_open[c->assets[i]] > 0;
      iv_int(x, &n, HN_V_BOOL, ex);
      break;
    }
    case A_EXPOSED: if (as) iv_int(x, &n, HN_V_BOOL, x->n_open[c->asset] > 0); break;
    case A_NAME: if (as) iv_str(x, &n, as->name); break;
    case A_BU: if (as) iv_str(x, &n, as->business_unit); break;
    case A_OWNER: if (as) iv_str(x, &n, as->owner); break;
    case A_ROLE: if (as) iv_str(x, &n, as->role); break;
    case A_CRIT: if (as) iv_int(x, &n, HN_V_INT, as->criticality); break;
    case A_MANAGED: if (as) iv_int(x, &n, HN_V_BOOL, as->managed); break;
    case A_EXPOSURE:
      if (as) {
        hn_value *v = iv_push(x, &n);
        if (v) { v->kind = HN_V_FLOAT; v->u.f = x->exposure[c->asset]; }
      }
      break;
    case A_TAGS:
      s->flags = HN_SLOT_ARRAY;
      for (uint32_t i = 0; as && i < as->n_tags; i++) iv_str(x, &n, as->tags[i]);
      break;
    case A_IPS:
      s->flags = HN_SLOT_ARRAY;
      for (uint32_t i = 0; as && i < p->n_asset_addrs; i++) {
        const hn_asset_addr *ad = &p->asset_addrs[i];
        if (ad->asset != c->asset || ad->cidr) continue;
        hn_value *v = iv_push(x, &n);
        if (!v) break;
        v->kind = HN_V_IP;
        v->v6 = ad->v6;
        memcpy(v->u.ip, ad->ip, 16);
      }
      break;
    case A_VULNS: case A_MAXVULN: case A_VULNERABLE: {
      if (!as) break;
      int64_t cnt = 0, mx = 0;
      for (uint32_t i = 0; i < as->n_vulns; i++)
        if (!as->vulns[i].fixed) {
          cnt++;
          if (as->vulns[i].severity > mx) mx = as->vulns[i].severity;
        }
      if (id == A_VULNS) iv_int(x, &n, HN_V_INT, cnt);
      else if (id == A_MAXVULN) iv_int(x, &n, HN_V_INT, mx);
      else iv_int(x, &n, HN_V_BOOL, cnt > 0);
      break;
    }
    case F_NOW: iv_int(x, &n, HN_V_TIME, x->now); break;
    default:
      if (id >= F_SET0 && id < F_SET0 + N_SETS) {
        s->flags = HN_SLOT_ARRAY;
        const sset *ss = &c->sets[id - F_SET0];
        for (uint32_t i = 0; i < ss->n; i++) iv_str(x, &n, ss->s[i]);
      }
    }
    s->n = n - s->first;
  }
  x->iev.values = x->ivals;
  x->iev.n_values = n;
}

/* ---- routing and scores --------------------------------------------------------------------------- */
static const hn_service *service_of(const hn_program *p, const incident *c) {
  for (uint32_t i = 0; c->service && i < p->n_services; i++)
    if (strcmp(p->services[i].name, c->service) == 0) return &p->services[i];
  return NULL;
}

/* §12: the domain of its service, else the first domain whose `when` holds, else the default,
 * else unrouted. */
static uint32_t route(hn_incidents *x, const incident *c) {
  const hn_program *p = x->p;
  if (c->state) return c->domain; /* fixed once the case left its initial state (§11.1) */
  const hn_service *sv = service_of(p, c);
  if (sv && sv->domain != UINT32_MAX) return sv->domain;
  build_event(x, c);
  hn_eval_begin(&x->e, &x->iev);
  uint32_t dflt = UINT32_MAX;
  for (uint32_t d = 0; d < p->n_domains; d++) {
    if (p->domains[d].when != UINT32_MAX && hn_eval_node(&x->e, p->domains[d].when)) return d;
    if (p->domains[d].is_default && dflt == UINT32_MAX) dflt = d;
  }
  return dflt;
}

static double score(hn_incidents *x, incident *c);

/* Routes and scores c; its SLA deadline joins the clock's (sla_tick). */
static void rate(hn_incidents *x, incident *c) {
  c->domain = route(x, c);
  c->score = score(x, c);
  c->due_rated = x->reads_sla ? sla_due(x, c) : INT64_MAX;
  if (c->due_rated < x->next_due) x->next_due = c->due_rated;
}

static double score(hn_incidents *x, incident *c) {
  const hn_program *p = x->p;
  uint32_t si = c->domain != UINT32_MAX && p->domains[c->domain].score != UINT32_MAX ? p->domains[c->domain].score
                                                                                     : p->incident_score;
  if (si == UINT32_MAX) return c->severity;
  build_event(x, c);
  const hn_event *al[1024];
  uint32_t n = c->n_stored;
  for (uint32_t i = 0; i < n; i++) al[i] = &c->alerts[i];
  hn_value v = hn_score_eval(&x->e, &p->corrs[p->scores[si].corr], &x->iev, al, n, x->native);
  double s = v.kind == HN_V_FLOAT ? v.u.f : (v.kind == HN_V_INT || v.kind == HN_V_TIME) ? (double)v.u.i : 0;
  return isfinite(s) ? s : 0; /* a missing or non-finite score ranks as 0 (§11.2) */
}

/* ---- records ------------------------------------------------------------------------------------ */
/* Why an incident ranks where it does, in words: its worst severity, its asset and
 * criticality, whether it is exposed, how many tactics its alerts reach. */
static void why(const hn_incidents *x, const incident *c, char *buf, size_t n) {
  static const char *const sev[] = {"?", "info", "low", "medium", "high", "critical"};
  const hn_program *p = x->p;
  size_t k = (size_t)snprintf(buf, n, "%s", sev[c->severity <= 5 ? c->severity : 0]);
  if (c->asset != HN_NO_ASSET && k < n)
    k += (size_t)snprintf(buf + k, n - k, " on %s (criticality %u)", p->assets[c->asset].name, p->assets[c->asset].criticality);
  bool exposed = false;
  for (uint32_t i = 0; i < c->n_assets; i++) exposed |= x->n_open[c->assets[i]] > 0;
  if (exposed && k < n) k += (size_t)snprintf(buf + k, n - k, ", exposed");
  if (c->sets[S_TACTICS].n && k < n)
    snprintf(buf + k, n - k, ", %u tactic%s", c->sets[S_TACTICS].n, c->sets[S_TACTICS].n == 1 ? "" : "s");
}

static hn_strings set_view(const sset *s) { return (hn_strings){(const char *const *)s->s, s->n}; }

/* The view of incident c a callback receives; its id and why live in the caller's buffers. */
typedef struct inc_view {
  hn_incident v;
  char id[32], why[512];
} inc_view;

static const char *const change_names[] = {"created", "updated", "routed", "rescored", "merged"};

static void view_of(const hn_incidents *x, const incident *c, hn_incident_change change, int64_t t, inc_view *o) {
  const hn_program *p = x->p;
  memset(&o->v, 0, sizeof o->v);
  hn_incident *v = &o->v;
  v->change = change;
  v->change_name = change_names[change];
  v->time = t;
  v->id = inc_id(c, o->id, sizeof o->id);
  v->score = c->score;
  v->severity = c->severity;
  v->n_alerts = c->n_alerts;
  v->first_seen = c->first_seen;
  v->last_seen = c->last_seen;
  v->age = hn_time_sub(x->now, c->first_seen);
  v->domain = c->domain != UINT32_MAX ? p->domains[c->domain].name : "unrouted";
  v->asset = c->asset != HN_NO_ASSET ? p->assets[c->asset].name : NULL;
  v->service = c->service;
  v->state = workflow_of(p, c)->states[c->state];
  v->assignee = c->assignee;
  v->sla_due = sla_due(x, c);
  v->sla_breached = sla_breached(x, c);
  v->closed_at = c->closed_at;
  why(x, c, o->why, sizeof o->why);
  v->why = o->why;
  v->rules = set_view(&c->sets[S_RULES]);
  v->tags = set_view(&c->sets[S_TAGS]);
  v->tactics = set_view(&c->sets[S_TACTICS]);
  v->techniques = set_view(&c->sets[S_TECHNIQUES]);
  v->controls = set_view(&c->sets[S_CONTROLS]);
  v->services = set_view(&c->sets[S_SERVICES]);
  v->hosts = set_view(&c->sets[S_HOSTS]);
  v->users = set_view(&c->sets[S_USERS]);
  v->entities = set_view(&c->sets[S_ENTITIES]);
  v->business_units = set_view(&c->sets[S_BUSINESS_UNITS]);
  v->asset_roles = set_view(&c->sets[S_ASSET_ROLES]);
}

/* An incident record: what happened to c, caused by alert a (NULL: a re-route or re-score at t). */
static void record(hn_incidents *x, hn_incident_change change, const incident *c, const hn_calert *a, int64_t t) {
  if (!x->cb.incident) return;
  inc_view o;
  view_of(x, c, change, a ? (a->timed ? a->time : x->now) : t, &o);
  if (a) {
    o.v.alert_rule = x->p->rules[a->rule].name;
    o.v.alert_id = x->alert_id;
  }
  x->cb.incident(x->cb.ud, &o.v);
}

/* Routes and scores an incident again after a change that is not an alert; records a new
 * domain, and a new score when `scores` (a score that merely decays is in the queue). */
static void rerate(hn_incidents *x, incident *c, int64_t t, bool scores) {
  uint32_t d = c->domain;
  double sc = c->score;
  rate(x, c);
  bool rerouted = d != c->domain, rescored = sc != c->score;
  if (rerouted || (scores && rescored)) record(x, rerouted ? HN_INCIDENT_ROUTED : HN_INCIDENT_RESCORED, c, NULL, t);
}

/* The clock reached t: incidents whose SLA deadline it passed are rated again (a breach can
 * raise a score or move an incident, §13), when a score or domain reads the SLA fields. */
static void sla_tick(hn_incidents *x, int64_t t) {
  if (!x->reads_sla || t <= x->next_due) return;
  x->now = t;
  x->next_due = INT64_MAX;
  for (uint32_t i = 0; i < x->n; i++) {
    incident *c = &x->inc[i];
    if (c->merged_into) continue;
    if (t > c->due_rated) rerate(x, c, c->due_rated, true); /* recorded at the deadline it passed */
    else if (c->due_rated < x->next_due) x->next_due = c->due_rated;
  }
}

/* ---- joining ----------------------------------------------------------------------------------- */
static void ss_put(hn_incidents *x, sset *set, const char *s) {
  if (!ss_add(set, s)) x->failed = true;
}

static void add_tags(hn_incidents *x, sset *sets, const hn_rule *r) {
  for (uint32_t i = 0; i < r->n_tags; i++) {
    const char *t = r->tags[i];
    ss_put(x, &sets[S_TAGS], t);
    const char *v;
    char k = hn_attack_tag(t, &v);
    if (k) ss_put(x, &sets[k == 't' ? S_TECHNIQUES : S_TACTICS], v);
  }
}

/* Moves incident `from` into `into`: alerts, entities, assets, lists; `from` is closed as
 * merged, and the merge is recorded. */
static void merge(hn_incidents *x, uint32_t into, uint32_t from, const hn_calert *a) {
  const hn_program *p = x->p;
  incident *d = &x->inc[into], *s = &x->inc[from];
  if (s->first_seen < d->first_seen) d->first_seen = s->first_seen;
  if (s->last_seen > d->last_seen) d->last_seen = s->last_seen;
  if (s->severity > d->severity) d->severity = s->severity;
  if (s->service && !d->state && (!d->service || s->service_sev > d->service_sev)) {
    d->service = s->service;
    d->service_sev = s->service_sev;
  }
  for (int k = 0; k < N_SETS; k++)
    for (uint32_t i = 0; i < s->sets[k].n; i++) ss_put(x, &d->sets[k], s->sets[k].s[i]);
  for (uint32_t i = 0; i < s->sets[S_ENTITIES].n; i++) ent_add(x, s->sets[S_ENTITIES].s[i], into);
  for (uint32_t i = 0; i < s->n_assets; i++) {
    uint32_t as = s->assets[i];
    char key[600];
    snprintf(key, sizeof key, "asset:%s", p->assets[as].name);
    ent_add(x, key, into);
    bool known = false;
    for (uint32_t j = 0; j < d->n_assets && !known; j++) known = d->assets[j] == as;
    uint32_t *na = known ? d->assets : hn_realloc(d->assets, (d->n_assets + 1) * sizeof *na);
    if (!na) { x->failed = true; return; }
    d->assets = na;
    if (!known) d->assets[d->n_assets++] = as;
    if (d->asset == HN_NO_ASSET || p->assets[as].criticality > p->assets[d->asset].criticality) d->asset = as;
  }
  for (uint32_t i = 0; i < s->n_stored; i++) { /* the alert events move */
    if (d->n_stored >= 1024) { hn_alert_event_free(&s->alerts[i]); continue; }
    if (d->n_stored == d->cap_alerts) {
      uint32_t cap = d->cap_alerts ? d->cap_alerts * 2 : 4;
      hn_event *ne = hn_realloc(d->alerts, cap * sizeof *ne);
      if (!ne) { x->failed = true; hn_alert_event_free(&s->alerts[i]); continue; }
      d->alerts = ne;
      d->cap_alerts = cap;
    }
    d->alerts[d->n_stored++] = s->alerts[i];
  }
  d->n_alerts += s->n_alerts;
  s->n_stored = 0; /* its alert events belong to `into` now */
  s->merged_into = d->id;
  if (x->cb.incident) {
    inc_view o;
    char si[32];
    view_of(x, d, HN_INCIDENT_MERGED, a->timed ? a->time : x->now, &o);
    o.v.alert_rule = p->rules[a->rule].name;
    o.v.alert_id = x->alert_id;
    o.v.merged_from = inc_id(s, si, sizeof si);
    x->cb.incident(x->cb.ud, &o.v);
  }
}

void hn_incidents_alert(hn_incidents *x, const hn_calert *a, uint64_t alert_id, int64_t now) {
  x->alert_id = alert_id;
  const hn_program *p = x->p;
  const hn_rule *r = &p->rules[a->rule];
  int64_t t = a->timed ? a->time : now;
  sla_tick(x, now);
  x->now = now;
  ekeys keys = {0}, hosts = {0}, users = {0};
  uint32_t asset;
  alert_entities(x, a, &keys, &hosts, &users, &asset);
  /* candidates: open incidents sharing an entity, active within the horizon; the alert joins
   * the earliest, and the others it links merge into that one (§11.1) */
  uint32_t best = UINT32_MAX, others[64], n_others = 0;
  for (uint32_t k = 0; k < keys.n; k++) {
    ent *e = ent_find(x, keys.k[k], false);
    for (uint32_t i = 0; e && i < e->n; i++) {
      const incident *c = &x->inc[e->inc[i]];
      if (c->merged_into || is_closed(p, c) || c->last_seen < hn_time_sub(t, p->horizon)) continue;
      bool seen = best == e->inc[i];
      for (uint32_t j = 0; j < n_others && !seen; j++) seen = others[j] == e->inc[i];
      if (seen) continue;
      if (best == UINT32_MAX) { best = e->inc[i]; continue; }
      bool earlier = c->first_seen < x->inc[best].first_seen ||
                     (c->first_seen == x->inc[best].first_seen && c->id < x->inc[best].id);
      if (n_others < 64) others[n_others++] = earlier ? best : e->inc[i];
      if (earlier) best = e->inc[i];
    }
  }
  bool created = best == UINT32_MAX;
  if (created) {
    if (x->n == x->cap) {
      uint32_t cap = x->cap ? x->cap * 2 : 64;
      incident *ni = hn_realloc(x->inc, cap * sizeof *ni);
      if (!ni) { x->failed = true; goto done; }
      x->inc = ni;
      x->cap = cap;
    }
    best = x->n++;
    incident *c = &x->inc[best];
    memset(c, 0, sizeof *c);
    c->id = best + 1;
    c->first_seen = c->last_seen = t;
    c->detected_at = now;
    c->asset = HN_NO_ASSET;
    c->domain = UINT32_MAX;
    c->closed_at = INT64_MIN;
    c->sla_due = c->due_rated = INT64_MAX;
  }
  for (uint32_t j = 0; j < n_others; j++) merge(x, best, others[j], a);
  incident *c = &x->inc[best];
  if (t < c->first_seen) c->first_seen = t;
  if (t > c->last_seen) c->last_seen = t;
  if ((uint32_t)r->severity > c->severity) c->severity = (uint32_t)r->severity;
  if (r->service && !c->state && (!c->service || (uint32_t)r->severity > c->service_sev)) {
    c->service = r->service;
    c->service_sev = (uint32_t)r->severity;
  }
  ss_put(x, &c->sets[S_RULES], r->name);
  add_tags(x, c->sets, r);
  ss_put(x, &c->sets[S_CONTROLS], r->control);
  ss_put(x, &c->sets[S_SERVICES], r->service);
  for (uint32_t k = 0; k < keys.n; k++) {
    if (strncmp(keys.k[k], "asset:", 6) != 0) ss_put(x, &c->sets[S_ENTITIES], keys.k[k]);
    ent_add(x, keys.k[k], best);
  }
  for (uint32_t k = 0; k < hosts.n; k++) ss_put(x, &c->sets[S_HOSTS], hosts.k[k]);
  for (uint32_t k = 0; k < users.n; k++) {
    ss_put(x, &c->sets[S_USERS], users.k[k]);
    uint32_t u = hn_identity_by_name(p, users.k[k], strlen(users.k[k]));
    if (u != HN_NO_ASSET) ss_put(x, &c->sets[S_BUSINESS_UNITS], p->identities[u].business_unit);
  }
  for (uint32_t k = 0; k < keys.n; k++) { /* every inventoried asset of the incident */
    if (strncmp(keys.k[k], "asset:", 6) != 0) continue;
    uint32_t as = hn_asset_by_name(p, keys.k[k] + 6, strlen(keys.k[k] + 6));
    bool known = as == HN_NO_ASSET;
    for (uint32_t i = 0; i < c->n_assets && !known; i++) known = c->assets[i] == as;
    if (known) continue;
    uint32_t *na = hn_realloc(c->assets, (c->n_assets + 1) * sizeof *na);
    if (!na) { x->failed = true; goto done; }
    c->assets = na;
    c->assets[c->n_assets++] = as;
  }
  if (asset != HN_NO_ASSET) {
    if (c->asset == HN_NO_ASSET || p->assets[asset].criticality > p->assets[c->asset].criticality) c->asset = asset;
    ss_put(x, &c->sets[S_BUSINESS_UNITS], p->assets[asset].business_unit);
    ss_put(x, &c->sets[S_ASSET_ROLES], p->assets[asset].role);
  }
  if (c->n_stored < 1024) { /* the scores' aggregates read the first 1,024 alerts */
    if (c->n_stored == c->cap_alerts) {
      uint32_t cap = c->cap_alerts ? c->cap_alerts * 2 : 4;
      hn_event *na = hn_realloc(c->alerts, cap * sizeof *na);
      if (!na) { x->failed = true; goto done; }
      c->alerts = na;
      c->cap_alerts = cap;
    }
    if (!hn_alert_event(p, x->aslot, a, &c->alerts[c->n_stored])) { x->failed = true; goto done; }
    c->n_stored++;
  }
  c->n_alerts++;
  /* routing and the score follow every change (§11.2, §12) */
  uint32_t d = c->domain;
  rate(x, c);
  bool rerouted = !created && d != c->domain;
  record(x, created ? HN_INCIDENT_CREATED : rerouted ? HN_INCIDENT_ROUTED : HN_INCIDENT_UPDATED, c, a, 0);
done:
  ek_free(&keys);
  ek_free(&hosts);
  ek_free(&users);
}

/* ---- exposures (§14.4) ------------------------------------------------------------------------------ */
static void exposure_record(hn_incidents *x, bool opened, uint32_t ex, uint32_t asset, const char *value, int64_t t) {
  if (!x->cb.exposure) return;
  const hn_exposure *e = &x->p->exposures[ex];
  hn_exposure_change c = {opened, t, e->name, e->title, e->control, NULL, NULL, 0};
  if (asset != HN_NO_ASSET) {
    c.asset = x->p->assets[asset].name;
    c.asset_exposure = x->exposure[asset];
  } else {
    c.unknown_value = value;
  }
  x->cb.exposure(x->cb.ud, &c);
}

/* An asset's exposure changed: its incidents are routed and scored again. */
static void rescore_asset(hn_incidents *x, uint32_t asset, int64_t t) {
  char key[600];
  snprintf(key, sizeof key, "asset:%s", x->p->assets[asset].name);
  ent *e = ent_find(x, key, false);
  for (uint32_t i = 0; e && i < e->n; i++)
    if (!x->inc[e->inc[i]].merged_into) rerate(x, &x->inc[e->inc[i]], t, true);
}

static void window_set(hn_incidents *x, uint32_t ex, uint32_t asset, const char *value, bool open, int64_t t) {
  if (!value) value = ""; /* known assets are named by index */
  for (uint32_t i = 0; i < x->n_win; i++) {
    window *w = &x->win[i];
    if (w->exposure != ex || w->asset != asset || (asset == HN_NO_ASSET && strcmp(w->value, value) != 0)) continue;
    if (open) return; /* already open */
    hn_free(w->value);
    x->win[i] = x->win[--x->n_win];
    if (asset != HN_NO_ASSET) {
      x->exposure[asset] -= x->p->exposures[ex].weight;
      if (x->n_open[asset]-- == 1) x->exposure[asset] = 0; /* no drift once nothing is open */
    }
    exposure_record(x, false, ex, asset, value, t);
    if (asset != HN_NO_ASSET) rescore_asset(x, asset, t);
    return;
  }
  if (!open) return;
  if (x->n_win == x->cap_win) {
    uint32_t cap = x->cap_win ? x->cap_win * 2 : 16;
    window *nw = hn_realloc(x->win, cap * sizeof *nw);
    if (!nw) { x->failed = true; return; }
    x->win = nw;
    x->cap_win = cap;
  }
  window *w = &x->win[x->n_win++];
  w->exposure = ex;
  w->asset = asset;
  w->opened = t;
  w->value = NULL;
  if (asset == HN_NO_ASSET) {
    size_t n = strlen(value);
    if (!(w->value = hn_malloc(n + 1))) { x->failed = true; x->n_win--; return; }
    memcpy(w->value, value, n + 1);
  } else {
    x->exposure[asset] += x->p->exposures[ex].weight;
    x->n_open[asset]++;
  }
  exposure_record(x, true, ex, asset, value, t);
  if (asset != HN_NO_ASSET) rescore_asset(x, asset, t);
}

/* The asset a field's values name: an address, else a host name (the first that resolves; or
 * the first value's text when none does). */
static uint32_t asset_of(hn_incidents *x, const hn_event *ev, uint32_t slot, char *text, size_t cap) {
  const hn_slot *s = &ev->slots[slot];
  *text = 0;
  for (uint32_t i = 0; i < s->n; i++) {
    const hn_value *v = &ev->values[s->first + i];
    uint32_t as = HN_NO_ASSET;
    char t[512] = "";
    if (v->kind == HN_V_IP) {
      as = hn_asset_by_ip(x->p, v->u.ip, v->v6);
      hn_ip_format(v->u.ip, v->v6, v->v6 ? 128 : 32, t);
    } else if (v->kind == HN_V_STRING) {
      as = hn_asset_by_name(x->p, v->u.s, v->len);
      size_t m = v->len < sizeof t - 1 ? v->len : sizeof t - 1;
      memcpy(t, v->u.s, m);
      t[m] = 0;
    } else {
      continue;
    }
    if (as != HN_NO_ASSET) return as;
    if (!*text) snprintf(text, cap, "%s", t);
  }
  return HN_NO_ASSET;
}

/* The state exposures over every asset, once (the inventory does not change during a run). */
static void state_exposures(hn_incidents *x, int64_t t) {
  const hn_program *p = x->p;
  x->states_done = true;
  incident stand;
  memset(&stand, 0, sizeof stand);
  for (uint32_t ex = 0; ex < p->n_exposures; ex++) {
    if (p->exposures[ex].state == UINT32_MAX) continue;
    for (uint32_t a = 0; a < p->n_assets; a++) {
      stand.asset = a; /* the asset scope: a stand-in incident holding just the asset */
      build_event(x, &stand);
      hn_eval_begin(&x->e, &x->iev);
      if (hn_eval_node(&x->e, p->exposures[ex].state)) window_set(x, ex, a, "", true, t);
    }
  }
}

/* Formulas that read `now` are recomputed each time the watermark has advanced by a minute
 * (§11.2): decay() lowers an idle incident's priority without any new alert. */
static void refresh(hn_incidents *x, int64_t t) {
  if (!x->reads_now || t - x->refreshed < 60ll * 1000000000) return;
  x->refreshed = t;
  x->now = t;
  for (uint32_t i = 0; i < x->n; i++)
    if (!x->inc[i].merged_into) rerate(x, &x->inc[i], t, false);
}

void hn_incidents_event(hn_incidents *x, hn_eval *e, const hn_event *ev, int64_t t, bool timed) {
  const hn_program *p = x->p;
  if (!p->n_exposures && !x->reads_now && !x->reads_sla) return;
  if (!timed) t = x->any_t ? x->max_t : 0;
  if (timed && hn_time_ahead(p, &x->wall, t)) return; /* far ahead of the clock: moves nothing (§10.12) */
  if (x->reads_now && x->any_t) refresh(x, (t > x->max_t ? t : x->max_t) - p->lateness); /* the watermark */
  if (!x->states_done) state_exposures(x, t);
  if (x->any_t && t < x->max_t - p->lateness) return; /* late events open and close nothing */
  if (!x->any_t || t > x->max_t) x->max_t = t;
  if (!x->any_t) x->refreshed = t - p->lateness; /* the first minute counts from the first event */
  x->any_t = true;
  x->now = t;
  sla_tick(x, t);
  for (uint32_t ex = 0; ex < p->n_exposures; ex++) {
    const hn_exposure *xp = &p->exposures[ex];
    for (int k = 0; k < 2; k++) {
      uint32_t cond = k ? xp->close : xp->open, on = k ? xp->close_on : xp->open_on;
      if (cond == UINT32_MAX || !hn_eval_node(e, cond)) continue;
      char text[512];
      uint32_t as = asset_of(x, ev, on, text, sizeof text);
      if (as == HN_NO_ASSET && !*text) continue;
      window_set(x, ex, as, text, k == 0, t);
    }
  }
}

void hn_incidents_advance(hn_incidents *x, int64_t t) {
  if (!x->any_t || t <= x->now) return;
  if (x->reads_now) refresh(x, t - x->p->lateness);
  x->now = t;
  sla_tick(x, t);
}

/* The remediation queue (§14.4): assets both exposed and vulnerable, highest
 * exposure x worst unfixed vulnerability x criticality first. */
/* The remediation queue: exposed assets with an unfixed vulnerability, by exposure x worst
 * severity x criticality. */
static bool remediation(hn_incidents *x, const hn_queue_visitor *v) {
  const hn_program *p = x->p;
  uint32_t n = 0;
  uint32_t *order = hn_malloc((p->n_assets ? p->n_assets : 1) * sizeof *order);
  double *prio = hn_malloc((p->n_assets ? p->n_assets : 1) * sizeof *prio);
  if (!order || !prio) { hn_free(order); hn_free(prio); return false; } /* the incidents are intact */
  for (uint32_t a = 0; a < p->n_assets; a++) {
    if (!x->n_open[a]) continue;
    uint32_t worst = 0;
    for (uint32_t k = 0; k < p->assets[a].n_vulns; k++)
      if (!p->assets[a].vulns[k].fixed && p->assets[a].vulns[k].severity > worst) worst = p->assets[a].vulns[k].severity;
    if (!worst) continue;
    prio[a] = x->exposure[a] * worst * p->assets[a].criticality;
    uint32_t j = n++;
    for (; j && prio[order[j - 1]] < prio[a]; j--) order[j] = order[j - 1];
    order[j] = a;
  }
  for (uint32_t i = 0; v->remediation && i < n; i++) {
    const hn_asset *as = &p->assets[order[i]];
    hn_remediation r = {as->name, prio[order[i]], x->exposure[order[i]], as->criticality};
    v->remediation(v->ud, &r, i + 1, n);
  }
  hn_free(order);
  hn_free(prio);
  return true;
}

/* ---- cases (§13) -------------------------------------------------------------------------------------
 * The store keeps each incident's case and tells it here: the session only reads it (scores and
 * domain conditions see incident.state, assignee, sla_*, closed_at and case.*), keeps an incident
 * in its terminal state out of joining, and fixes service and domain once it left its initial
 * state. Whether a move was allowed is the store's question (hn_workflow_check). */
static char *dup_str(const char *s, size_t n) {
  char *d = hn_malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = 0;
  }
  return d;
}

/* A case field's value as text: a string as it is, another value as the JSON writers print it. */
static char *value_text(const hn_value *v) {
  char b[64] = "";
  switch (v->kind) {
  case HN_V_STRING: return dup_str(v->u.s, v->len);
  case HN_V_BOOL: snprintf(b, sizeof b, "%s", v->u.i ? "true" : "false"); break;
  case HN_V_INT: snprintf(b, sizeof b, "%" PRId64, v->u.i); break;
  case HN_V_FLOAT: snprintf(b, sizeof b, "%.17g", v->u.f); break;
  case HN_V_TIME: hn_time_format(v->u.i, b); break;
  case HN_V_IP: hn_ip_format(v->u.ip, v->v6, v->v6 ? 128 : 32, b); break;
  default: break;
  }
  return dup_str(b, strlen(b));
}

/* The incident of an id as records print it ("INC-000042"), or NULL. */
static incident *by_id(hn_incidents *x, const char *id) {
  if (!id || strncmp(id, "INC-", 4) != 0 || !id[4]) return NULL;
  uint64_t n = 0;
  for (const char *d = id + 4; *d; d++) {
    if (*d < '0' || *d > '9' || n > UINT32_MAX) return NULL;
    n = n * 10 + (uint64_t)(*d - '0');
  }
  char canon[32];
  inc_id(&(incident){.id = n}, canon, sizeof canon); /* one spelling: INC-1 is not INC-000001 */
  return n >= 1 && n <= x->n && strcmp(canon, id) == 0 ? &x->inc[n - 1] : NULL;
}

/* Copies the case's assignee and fields into c (what it held before is freed). */
static bool case_copy(incident *c, const hn_case_view *cv) {
  case_free(c);
  if (cv->assignee && !(c->assignee = dup_str(cv->assignee, strlen(cv->assignee)))) return false;
  c->fields = hn_calloc(cv->n_fields ? cv->n_fields : 1, sizeof *c->fields);
  if (!c->fields) return false;
  for (uint32_t i = 0; i < cv->n_fields; i++) {
    const hn_field *f = &cv->fields[i];
    if (!f->name || !f->n || case_field(c, f->name)) continue; /* no value, or given twice: the first */
    cfield *d = &c->fields[c->n_fields];
    d->name = dup_str(f->name, strlen(f->name));
    d->value = value_text(&f->values[0]);
    if (!d->name || !d->value) { hn_free(d->name); hn_free(d->value); return false; }
    c->n_fields++;
  }
  return true;
}

hn_status hn_incidents_set_case(hn_incidents *x, const char *id, const hn_case_view *cv, char *err, size_t errlen) {
  incident *c = by_id(x, id);
  if (!c) {
    snprintf(err, errlen, "no incident %s in this session", id ? id : "(null)");
    return HN_ERR_NOT_FOUND;
  }
  const hn_service *wf = workflow_of(x->p, c);
  uint32_t state = c->state;
  if (cv->state) {
    for (state = 0; state < wf->n_states && strcmp(wf->states[state], cv->state) != 0; state++) {}
    if (state == wf->n_states) {
      snprintf(err, errlen, "%s (%s) has no state '%s'", id, c->service ? c->service : "no service", cv->state);
      return HN_ERR_USAGE;
    }
  }
  if (!case_copy(c, cv)) {
    case_free(c);
    return HN_ERR_NOMEM;
  }
  c->has_case = true;
  c->state = state;
  c->sla_breached = cv->sla_breached;
  c->sla_due = cv->sla_due;
  bool closed = state + 1 == wf->n_states;
  c->closed_at = !closed ? INT64_MIN : cv->closed_at != INT64_MIN ? cv->closed_at : x->now;
  rerate(x, c, x->now, true);
  return x->failed ? HN_ERR_NOMEM : HN_OK;
}

/* ---- the queue ----------------------------------------------------------------------------------- */
static int by_priority(const void *a, const void *b, void *ud) {
  const hn_incidents *in = ud;
  const incident *x = &in->inc[*(const uint32_t *)a], *y = &in->inc[*(const uint32_t *)b];
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  if (x->first_seen != y->first_seen) return x->first_seen < y->first_seen ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

hn_status hn_incidents_queue(hn_incidents *x, const hn_queue_visitor *v) {
  const hn_program *p = x->p;
  uint32_t *order = hn_malloc((x->n ? x->n : 1) * sizeof *order);
  if (!order) return HN_ERR_NOMEM;
  for (uint32_t d = 0; d <= p->n_domains; d++) {
    uint32_t dom = d < p->n_domains ? d : UINT32_MAX, n = 0;
    uint32_t working = 0;
    for (uint32_t i = 0; i < x->n; i++) {
      const incident *c = &x->inc[i];
      if (c->domain != dom || c->merged_into || is_closed(p, c)) continue;
      order[n++] = i;
      working += c->state > 0; /* neither initial nor (above) terminal */
    }
    if (dom == UINT32_MAX && !n) continue;
    qsort_r(order, n, sizeof *order, by_priority, x);
    hn_queue_domain qd = {"unrouted", "unrouted", -1, n, working};
    if (dom != UINT32_MAX) {
      qd.name = p->domains[dom].name;
      qd.title = p->domains[dom].title ? p->domains[dom].title : qd.name;
      qd.wip = p->domains[dom].wip;
    }
    if (v->domain) v->domain(v->ud, &qd);
    for (uint32_t i = 0; v->incident && i < n; i++) {
      inc_view o;
      view_of(x, &x->inc[order[i]], HN_INCIDENT_UPDATED, x->now, &o);
      v->incident(v->ud, &o.v);
    }
  }
  hn_free(order);
  return remediation(x, v) && !x->failed ? HN_OK : HN_ERR_NOMEM;
}

/* ---- checkpoints --------------------------------------------------------------------------------
 * Everything above, as it stands: the incidents (their alert events, entities, assets, scores),
 * the entity index with each entity's incidents in their order (it decides which candidates
 * merge first), the open exposure windows and the clock. Indices (assets, domains, exposures,
 * fields) are the program's: a state is read back only when they mean the same (layout_hash),
 * and each is checked all the same. */
static void save_event(hn_ckw *w, const hn_event *ev) {
  hn_ckw_u32(w, (uint32_t)ev->n_slots);
  for (size_t s = 0; s < ev->n_slots; s++) {
    hn_ckw_u32(w, ev->slots[s].first);
    hn_ckw_u32(w, ev->slots[s].n);
    hn_ckw_u32(w, ev->slots[s].flags);
  }
  hn_ckw_u32(w, (uint32_t)ev->n_values);
  for (size_t v = 0; v < ev->n_values; v++) hn_ckw_value(w, &ev->values[v]);
}

static void save_incident(hn_ckw *w, const incident *c) {
  hn_ckw_u64(w, c->id);
  hn_ckw_i64(w, c->first_seen);
  hn_ckw_i64(w, c->last_seen);
  hn_ckw_i64(w, c->detected_at);
  hn_ckw_u32(w, c->n_alerts);
  hn_ckw_u32(w, c->severity);
  for (int s = 0; s < N_SETS; s++) {
    hn_ckw_u32(w, c->sets[s].n);
    for (uint32_t i = 0; i < c->sets[s].n; i++) hn_ckw_str(w, c->sets[s].s[i]);
  }
  hn_ckw_u32(w, c->asset);
  hn_ckw_str(w, c->service);
  hn_ckw_u32(w, c->service_sev);
  hn_ckw_u32(w, c->domain);
  hn_ckw_f64(w, c->score);
  hn_ckw_u32(w, c->n_stored);
  for (uint32_t i = 0; i < c->n_stored; i++) save_event(w, &c->alerts[i]);
  hn_ckw_u32(w, c->n_assets);
  for (uint32_t i = 0; i < c->n_assets; i++) hn_ckw_u32(w, c->assets[i]);
  hn_ckw_u64(w, c->merged_into);
  hn_ckw_u8(w, c->has_case); /* its case, by value: the store may be far */
  if (!c->has_case) return;
  hn_ckw_u32(w, c->state);
  hn_ckw_str(w, c->assignee);
  hn_ckw_u8(w, c->sla_breached);
  hn_ckw_i64(w, c->sla_due);
  hn_ckw_i64(w, c->closed_at);
  hn_ckw_u32(w, c->n_fields);
  for (uint32_t i = 0; i < c->n_fields; i++) {
    hn_ckw_str(w, c->fields[i].name);
    hn_ckw_str(w, c->fields[i].value);
  }
}

/* What the indices of the state refer to: fields, assets, domains, exposures. */
static uint64_t layout_hash(const hn_program *p) {
  uint64_t h = hn_hash_mix(p->n_fields ^ (uint64_t)p->n_assets << 32, 0x9E3779B97F4A7C15ull);
  for (uint32_t i = 0; i < p->n_fields; i++)
    h = hn_hash_mix(h ^ hn_hash_bytes(p->fields[i].path, strlen(p->fields[i].path)), 0xA0761D6478BD642Full) + p->fields[i].type;
  for (uint32_t i = 0; i < p->n_assets; i++)
    h = hn_hash_mix(h ^ hn_hash_bytes(p->assets[i].name, strlen(p->assets[i].name)), 0xE7037ED1A0B428DBull);
  for (uint32_t i = 0; i < p->n_domains; i++)
    h = hn_hash_mix(h ^ hn_hash_bytes(p->domains[i].name, strlen(p->domains[i].name)), 0x8EBC6AF09C88C6E3ull);
  for (uint32_t i = 0; i < p->n_exposures; i++)
    h = hn_hash_mix(h ^ hn_hash_bytes(p->exposures[i].name, strlen(p->exposures[i].name)), 0x589965CC75374CC3ull);
  return h;
}

void hn_incidents_save(const hn_incidents *x, hn_ckw *w) {
  const hn_program *p = x->p;
  hn_ckw_u64(w, layout_hash(p));
  hn_ckw_u32(w, x->n);
  for (uint32_t i = 0; i < x->n; i++) save_incident(w, &x->inc[i]);
  hn_ckw_u32(w, x->tn);
  for (uint32_t i = 0; i < x->tcap; i++) {
    const ent *e = &x->tab[i];
    if (!e->key) continue;
    hn_ckw_str(w, e->key);
    hn_ckw_u32(w, e->n);
    for (uint32_t k = 0; k < e->n; k++) hn_ckw_u32(w, e->inc[k]);
  }
  hn_ckw_u32(w, x->n_win);
  for (uint32_t i = 0; i < x->n_win; i++) {
    hn_ckw_u32(w, x->win[i].exposure);
    hn_ckw_u32(w, x->win[i].asset);
    hn_ckw_str(w, x->win[i].value);
    hn_ckw_i64(w, x->win[i].opened);
  }
  hn_ckw_u32(w, p->n_assets);
  for (uint32_t a = 0; a < p->n_assets; a++) {
    hn_ckw_f64(w, x->exposure[a]);
    hn_ckw_u32(w, x->n_open[a]);
  }
  hn_ckw_i64(w, x->now);
  hn_ckw_i64(w, x->max_t);
  hn_ckw_u8(w, x->any_t);
  hn_ckw_u8(w, x->states_done);
  hn_ckw_i64(w, x->refreshed);
}

/* An alert event: as many slots as the program has fields, each within the values. */
static bool load_event(hn_incidents *x, hn_ckr *r, hn_event *ev) {
  memset(ev, 0, sizeof *ev);
  uint32_t ns = hn_ckr_count(r, 12, "an alert's field count");
  if (ns != x->p->n_fields) return hn_ckr_fail(r, "an alert's field count");
  ev->slots = hn_calloc(ns ? ns : 1, sizeof *ev->slots);
  if (!ev->slots) return hn_ckr_nomem(r);
  ev->n_slots = ns;
  for (uint32_t s = 0; s < ns; s++) {
    ev->slots[s].first = hn_ckr_u32(r, "an alert's field");
    ev->slots[s].n = hn_ckr_u32(r, "an alert's field");
    ev->slots[s].flags = hn_ckr_u32(r, "an alert's field");
  }
  uint32_t nv = hn_ckr_count(r, 14, "an alert's value count");
  ev->values = hn_calloc(nv ? nv : 1, sizeof *ev->values);
  if (!ev->values) return hn_ckr_nomem(r);
  for (uint32_t v = 0; v < nv && hn_ckr_value(r, &ev->values[v], "an alert's value"); v++) {
    ev->n_values = v + 1;
    if (ev->values[v].kind != HN_V_STRING) continue;
    char *s = hn_malloc(ev->values[v].len ? ev->values[v].len : 1);
    if (!s) { ev->values[v].kind = HN_V_NULL; return hn_ckr_nomem(r); }
    memcpy(s, ev->values[v].u.s, ev->values[v].len);
    ev->values[v].u.s = s;
  }
  for (uint32_t s = 0; s < ns && !r->err; s++)
    if ((uint64_t)ev->slots[s].first + ev->slots[s].n > nv || ev->slots[s].flags > HN_SLOT_ARRAY)
      return hn_ckr_fail(r, "an alert's field");
  return !r->err;
}

/* The service named s, as the program's own string (incidents point into the program). */
static const char *program_service(const hn_program *p, const char *s) {
  for (uint32_t i = 0; i < p->n_rules; i++)
    if (p->rules[i].service && strcmp(p->rules[i].service, s) == 0) return p->rules[i].service;
  return NULL;
}

static void load_set(hn_ckr *r, sset *set) {
  uint32_t n = hn_ckr_count(r, 4, "a list of an incident");
  for (uint32_t i = 0; i < n && !r->err; i++) {
    bool null;
    char *s = hn_ckr_str(r, &null, "a list item of an incident");
    if (!s) { hn_ckr_fail(r, "a list item of an incident"); break; }
    if (ss_has(set, s)) hn_ckr_fail(r, "a list item given twice");
    else if (!ss_add(set, s)) hn_ckr_nomem(r);
    hn_free(s);
  }
}

/* An incident's case (after its service: the state is an index into its workflow). */
static void load_case(hn_incidents *x, hn_ckr *r, incident *c) {
  c->has_case = hn_ckr_bool(r, "an incident's case");
  if (!c->has_case || r->err) return;
  c->state = hn_ckr_index(r, workflow_of(x->p, c)->n_states, false, "a case's state");
  bool null;
  c->assignee = hn_ckr_str(r, &null, "a case's assignee");
  c->sla_breached = hn_ckr_bool(r, "a case's SLA");
  c->sla_due = hn_ckr_i64(r, "a case's SLA");
  c->closed_at = hn_ckr_i64(r, "a case's closing time");
  uint32_t n = hn_ckr_count(r, 10, "a case's fields");
  c->fields = r->err ? NULL : hn_calloc(n ? n : 1, sizeof *c->fields);
  if (!r->err && !c->fields) hn_ckr_fail(r, "out of memory");
  for (uint32_t k = 0; k < n && !r->err; k++) {
    cfield *f = &c->fields[c->n_fields++];
    f->name = hn_ckr_str(r, &null, "a case field's name");
    f->value = hn_ckr_str(r, &null, "a case field's value");
    if (!r->err && (!f->name || !f->value)) hn_ckr_fail(r, "a case field");
  }
  if (!r->err && (c->state + 1 == workflow_of(x->p, c)->n_states) != (c->closed_at != INT64_MIN))
    hn_ckr_fail(r, "a case's closing time");
}

/* Incident i (its id is i + 1) into c, zeroed by the caller. */
static void load_incident(hn_incidents *x, hn_ckr *r, incident *c, uint32_t i, uint32_t n) {
  const hn_program *p = x->p;
  c->id = hn_ckr_u64(r, "an incident's id");
  if (c->id != (uint64_t)i + 1) hn_ckr_fail(r, "an incident's id");
  c->first_seen = hn_ckr_time(r, false, "an incident's time");
  c->last_seen = hn_ckr_time(r, false, "an incident's time");
  c->detected_at = hn_ckr_time(r, false, "an incident's time");
  c->n_alerts = hn_ckr_u32(r, "an incident's alert count");
  c->severity = hn_ckr_u32(r, "an incident's severity");
  for (int s = 0; s < N_SETS; s++) load_set(r, &c->sets[s]);
  c->asset = hn_ckr_index(r, p->n_assets, true, "an incident's asset");
  bool null;
  char *sv = hn_ckr_str(r, &null, "an incident's service");
  if (sv && !(c->service = program_service(p, sv))) hn_ckr_fail(r, "an incident's service");
  if (!sv && !null) hn_ckr_fail(r, "an incident's service");
  hn_free(sv);
  c->service_sev = hn_ckr_u32(r, "an incident's service");
  c->domain = hn_ckr_index(r, p->n_domains, true, "an incident's domain");
  c->score = hn_ckr_f64(r, "an incident's score");
  uint32_t ns = hn_ckr_count(r, 8, "an incident's alerts");
  if (ns > 1024) hn_ckr_fail(r, "an incident's alerts");
  c->alerts = r->err ? NULL : hn_calloc(ns ? ns : 1, sizeof *c->alerts);
  if (!r->err && !c->alerts) hn_ckr_nomem(r);
  c->cap_alerts = c->alerts ? ns : 0;
  for (uint32_t k = 0; k < ns && !r->err; k++)
    if (load_event(x, r, &c->alerts[c->n_stored++]) == false) break;
  uint32_t na = hn_ckr_count(r, 4, "an incident's assets");
  c->assets = r->err ? NULL : hn_malloc((na ? na : 1) * sizeof *c->assets);
  if (!r->err && !c->assets) hn_ckr_nomem(r);
  for (uint32_t k = 0; k < na && !r->err; k++) c->assets[c->n_assets++] = hn_ckr_index(r, p->n_assets, false, "an incident's assets");
  c->merged_into = hn_ckr_u64(r, "an incident's merge");
  if (c->merged_into > n) hn_ckr_fail(r, "an incident's merge");
  c->closed_at = INT64_MIN;
  c->sla_due = c->due_rated = INT64_MAX;
  if (x->cases) load_case(x, r, c);
}

/* The entity index: each entity's incidents, in their order. */
static void load_entities(hn_incidents *x, hn_ckr *r) {
  uint32_t ne = hn_ckr_count(r, 8, "the entity count");
  for (uint32_t i = 0; i < ne && !r->err; i++) {
    bool null;
    char *key = hn_ckr_str(r, &null, "an entity");
    uint32_t n = hn_ckr_count(r, 4, "an entity's incidents");
    if (!key || r->err) { hn_free(key); hn_ckr_fail(r, "an entity"); break; }
    bool known = ent_find(x, key, false) != NULL;
    ent *e = known ? NULL : ent_find(x, key, true);
    hn_free(key);
    if (known || !e) {
      if (known) hn_ckr_fail(r, "an entity given twice");
      else hn_ckr_nomem(r);
      break;
    }
    e->inc = hn_malloc((n ? n : 1) * sizeof *e->inc);
    if (!e->inc) { hn_ckr_nomem(r); break; }
    e->cap = n ? n : 1;
    for (uint32_t k = 0; k < n && !r->err; k++) e->inc[e->n++] = hn_ckr_index(r, x->n, false, "an entity's incident");
  }
}

static void load_windows(hn_incidents *x, hn_ckr *r) {
  const hn_program *p = x->p;
  uint32_t nw = hn_ckr_count(r, 20, "the exposure window count");
  x->win = hn_calloc(nw ? nw : 1, sizeof *x->win);
  if (!x->win) { hn_ckr_nomem(r); return; }
  x->cap_win = nw ? nw : 1;
  for (uint32_t i = 0; i < nw && !r->err; i++) {
    window *w = &x->win[x->n_win++];
    w->exposure = hn_ckr_index(r, p->n_exposures, false, "an exposure window");
    w->asset = hn_ckr_index(r, p->n_assets, true, "an exposure window's asset");
    bool null;
    w->value = hn_ckr_str(r, &null, "an exposure window's value");
    w->opened = hn_ckr_time(r, false, "an exposure window's time");
    if (!r->err && (w->asset == HN_NO_ASSET) != (w->value != NULL))
      hn_ckr_fail(r, "an exposure window");
  }
  if (hn_ckr_u32(r, "the asset count") != p->n_assets) hn_ckr_fail(r, "the asset count");
  for (uint32_t a = 0; a < p->n_assets && !r->err; a++) {
    x->exposure[a] = hn_ckr_f64(r, "an asset's exposure");
    x->n_open[a] = hn_ckr_u32(r, "an asset's open windows");
  }
}

hn_status hn_incidents_load(hn_incidents *x, hn_ckr *r, bool cases, char *err, size_t errlen) {
  x->cases = cases;
  uint64_t layout = hn_ckr_u64(r, "the incidents' layout");
  if (!r->err && layout != layout_hash(x->p)) {
    snprintf(err, errlen, "the pack's fields, assets, domains or exposures changed since the state was written, and "
             "the state holds incidents, which refer to them; start without the state, or with the pack that wrote it");
    return HN_ERR_SYNTAX;
  }
  uint32_t n = hn_ckr_count(r, 64, "the incident count");
  x->inc = hn_calloc(n ? n : 1, sizeof *x->inc);
  if (!x->inc) return HN_ERR_NOMEM;
  x->cap = n ? n : 1;
  for (uint32_t i = 0; i < n && !r->err; i++) {
    incident *c = &x->inc[x->n++];
    c->asset = HN_NO_ASSET;
    load_incident(x, r, c, i, n);
  }
  load_entities(x, r);
  load_windows(x, r);
  x->now = hn_ckr_time(r, false, "the clock");
  x->max_t = hn_ckr_time(r, false, "the clock");
  x->any_t = hn_ckr_bool(r, "the clock");
  x->states_done = hn_ckr_bool(r, "the state exposures' flag");
  x->refreshed = hn_ckr_time(r, false, "the clock");
  for (uint32_t i = 0; i < x->n && x->reads_sla; i++) /* the deadlines the clock watches */
    if (!x->inc[i].merged_into) x->inc[i].due_rated = sla_due(x, &x->inc[i]);
  for (uint32_t i = 0; i < x->n; i++)
    if (x->inc[i].due_rated < x->next_due) x->next_due = x->inc[i].due_rated;
  if (x->failed) return HN_ERR_NOMEM;
  return r->err ? HN_ERR_SYNTAX : HN_OK;
}
