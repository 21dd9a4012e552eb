/* corr.c - the correlation engine (see corr.h).
 *
 * Time. Every correlation event has a time (the schema's event-time field). The watermark is
 * the highest time seen minus the `lateness` setting; an event below it on arrival is late
 * (counted, kept out of every window). With lateness, events are held (their text copied) and
 * replayed in (time, arrival) order as the watermark reaches them; deadlines (tumbling window
 * ends, absence deadlines) fire when the watermark passes them, after every event at or before
 * their time. Without lateness the current event is processed in place. An event more than
 * `max_skew` ahead of the wall clock does not count towards the highest time (one event dated
 * 2099 would make every later one late): it is held until the watermark reaches it. Held
 * events count in the state's memory and may use half of `memory`: past that the earliest are
 * released early (the watermark moves to them), and events ahead of the clock find no room.
 *
 * State. One table of keys for the whole engine: a key is (rule, kind, the key values
 * serialised), its state an aggregation group, a sequence's partial matches or a suppression
 * record. Keys sit on one list by last update; past `max_keys` or `memory` the least recently
 * updated go first (counted as evicted). Deadlines refer to keys by index and generation, so
 * an evicted key's deadline is a no-op.
 *
 * Aggregation keeps the window's items (one per event, one per aggregated value) in time order
 * and computes the aggregates over them when `having` is tested; exact, distinct included.
 * Sequences keep partial matches per key, advanced by each event in processing order (the
 * algorithm is described above seq_event).
 * Depends on interp.h, decode.h and text.h. */
#include "corr.h"
#include "alloc.h"
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "text.h"

/* ---- owned values ------------------------------------------------------------------------- */
static bool vals_add(hn_vals *s, const hn_value *v) {
  if (s->n == s->cap) {
    uint32_t cap = s->cap ? s->cap * 2 : 2;
    hn_value *nv = hn_realloc(s->v, cap * sizeof *nv);
    if (!nv) return false;
    s->v = nv;
    s->cap = cap;
  }
  hn_value *d = &s->v[s->n];
  *d = *v;
  if (v->kind == HN_V_STRING) {
    char *b = hn_malloc(v->len ? v->len : 1);
    if (!b) return false;
    if (v->len) memcpy(b, v->u.s, v->len);
    d->u.s = b;
  }
  s->n++;
  return true;
}

static void vals_clear(hn_vals *s) {
  for (uint32_t i = 0; i < s->n; i++)
    if (s->v[i].kind == HN_V_STRING) hn_free((char *)s->v[i].u.s);
  s->n = 0;
}

static void vals_free(hn_vals *s) {
  vals_clear(s);
  hn_free(s->v);
  memset(s, 0, sizeof *s);
}

static bool value_same(const hn_value *a, const hn_value *b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case HN_V_STRING: return a->len == b->len && (a->len == 0 || memcmp(a->u.s, b->u.s, a->len) == 0);
  case HN_V_FLOAT: return a->u.f == b->u.f;
  case HN_V_IP: return a->v6 == b->v6 && memcmp(a->u.ip, b->u.ip, a->v6 ? 16 : 4) == 0;
  default: return a->u.i == b->u.i;
  }
}

static bool usable(const hn_value *v) { return v->kind != HN_V_NULL && v->kind != HN_V_BAD; }

/* Adds the slot's usable values of ev to s, each once, at most 16 (entities of a match). */
static bool vals_add_distinct(hn_vals *s, const hn_event *ev, uint32_t slot) {
  const hn_slot *sl = &ev->slots[slot];
  for (uint32_t i = 0; i < sl->n; i++) {
    const hn_value *v = &ev->values[sl->first + i];
    if (!usable(v) || s->n >= 16) continue;
    bool seen = false;
    for (uint32_t k = 0; k < s->n && !seen; k++) seen = value_same(&s->v[k], v);
    if (!seen && !vals_add(s, v)) return false;
  }
  return true;
}

static size_t vals_bytes(const hn_vals *s) {
  size_t b = s->cap * sizeof(hn_value);
  for (uint32_t i = 0; i < s->n; i++) b += s->v[i].kind == HN_V_STRING ? s->v[i].len : 0;
  return b;
}

static bool vals_copy(hn_vals *d, const hn_vals *s) {
  memset(d, 0, sizeof *d);
  for (uint32_t i = 0; i < s->n; i++)
    if (!vals_add(d, &s->v[i])) return false;
  return true;
}

/* ---- state ---------------------------------------------------------------------------------- */
/* A group's window: the times of its events, and (only for rules that aggregate values) one
 * item per aggregated value. A count window thus costs 8 bytes an event, and a key with one
 * event about 180 bytes in all (the benchmark measures it). */
typedef struct aitem {
  int64_t t;
  uint32_t agg;
  hn_value v;      /* strings owned */
} aitem;

typedef struct vqueue {
  aitem *it;
  uint32_t head, n, cap; /* live items: it[head .. n) */
} vqueue;

typedef struct agroup {
  int64_t *ts;           /* event times, live: ts[head .. n) */
  uint32_t head, n, cap;
  bool open;
  vqueue *vals;          /* NULL until a value is aggregated */
  int64_t win;           /* tumbling: the open window's index */
  uint64_t line, offset; /* the last event's position */
} agroup;

typedef struct partial {
  uint32_t step, count;  /* the step being matched (count events so far for a repeat) */
  int64_t first_t, last_t, deadline, prev_s0;
  bool pending;          /* absence: every positive step matched, waiting for the deadline */
  bool dead;
  uint64_t line, offset, events;
  hn_vals *binds;        /* per hn_corr.binds */
  hn_vals *ents;         /* per rule entity */
} partial;

typedef struct seqstate {
  partial *ps;
  uint32_t n, cap;
  int64_t last_s0;       /* the last event that satisfied the first step (repeat ==) */
  bool has_s0;
} seqstate;

typedef struct supp {
  int64_t last;          /* time of the last emitted alert */
  uint64_t suppressed;   /* since then */
} supp;

enum { K_STATE = 0, K_SUPP = 1 };

typedef struct ckey {
  char *kb;              /* [rule u32][kind u8][values] */
  uint64_t h;
  uint32_t kn, rule;
  uint32_t prev, next;   /* by last update, most recent first; UINT32_MAX ends */
  uint32_t gen;
  uint32_t bytes;        /* estimate, counted in the engine's total */
  uint8_t kind;
  bool live;
  union {
    agroup g;
    seqstate s;
    supp u;
  } st;
} ckey;

typedef struct deadline {
  int64_t t;
  uint64_t seq;
  uint32_t key, gen;
  uint8_t what;          /* 0: a tumbling window's end; 1: an absence deadline */
} deadline;

typedef struct held {
  int64_t t;
  uint64_t seq;
  char *line;
  size_t len;
  const char *file;
  uint64_t lineno, offset;
} held;

struct hn_corr_engine {
  const hn_program *p;
  hn_emit_fn emit;
  void *ud;
  hn_corr_stats stats;
  ckey *keys;
  uint32_t n_keys, cap_keys, free_key; /* free list through next */
  uint32_t lru_head, lru_tail;
  uint32_t *table;       /* key index + 1, linear probing */
  uint32_t tcap;
  deadline *dl;
  uint32_t n_dl, cap_dl;
  held *hq;
  uint32_t n_hq, cap_hq;
  uint64_t seq;
  int64_t max_t, watermark;
  bool any_t;
  hn_event ev2;          /* held events are decoded again into this */
  bool ev2_ok;
  char *kbuf;            /* key serialisation scratch */
  size_t kcap;
  hn_bound *bound;       /* scratch: a partial's bindings for the evaluator */
  uint32_t n_bound;
  uint32_t max_ent;
  const char *file;      /* the input's name, for alerts fired by deadlines */
  /* rules over alerts (§10.9): who reads each rule, the alert.* slots, the queue of alerts
   * waiting to be read (first in, first out: the order they were raised), their evaluator */
  uint32_t *readers_first, *readers; /* readers of rule r: readers[readers_first[r] .. r+1] */
  uint32_t *on_events;   /* the correlation rules that read events, in rule order */
  uint32_t n_on_events;
  uint32_t aslot[11];
  struct aevent *q;
  uint32_t qhead, qn, qcap;
  hn_eval e2;
  bool e2_ok;
  bool failed;
  int64_t wall;          /* the wall clock when last read, for max_skew (hn_time_ahead) */
};

/* An alert as the input of rules over alerts: the fields it carries (§10.13) and alert.*. */
typedef struct aevent {
  uint32_t rule;
  int64_t t;
  uint64_t line, offset;
  hn_event ev;           /* slots and values only; strings owned */
} aevent;

static const char *const alert_paths[11] = {"alert.rule", "alert.title", "alert.severity", "alert.tags",
                                            "alert.tactics", "alert.techniques", "alert.control", "alert.service",
                                            "alert.time", "alert.count", "alert.entities"};

bool hn_corr_needed(const hn_program *p) {
  if (p->n_corrs || p->suppress) return true;
  for (uint32_t r = 0; r < p->n_rules; r++)
    if (p->rules[r].suppress || p->rules[r].n_from) return true;
  return false;
}

static bool readers_init(hn_corr_engine *c) {
  const hn_program *p = c->p;
  c->readers_first = hn_calloc(p->n_rules + 1, sizeof *c->readers_first);
  if (!c->readers_first) return false;
  uint32_t total = 0;
  for (uint32_t r = 0; r < p->n_rules; r++)
    for (uint32_t k = 0; k < p->rules[r].n_from; k++) c->readers_first[p->rules[r].from[k] + 1]++, total++;
  for (uint32_t r = 0; r < p->n_rules; r++) c->readers_first[r + 1] += c->readers_first[r];
  c->readers = hn_malloc((total ? total : 1) * sizeof *c->readers);
  uint32_t *fill = hn_calloc(p->n_rules + 1, sizeof *fill);
  if (!c->readers || !fill) { hn_free(fill); return false; }
  for (uint32_t r = 0; r < p->n_rules; r++) /* in rule order: readers run in that order */
    for (uint32_t k = 0; k < p->rules[r].n_from; k++) {
      uint32_t src = p->rules[r].from[k];
      c->readers[c->readers_first[src] + fill[src]++] = r;
    }
  hn_free(fill);
  hn_alert_slots(p, c->aslot);
  if (total) c->e2_ok = hn_eval_init(&c->e2, p) == HN_OK;
  /* the loop over events visits these only, not every rule of a pack of thousands */
  c->on_events = hn_malloc((p->n_rules ? p->n_rules : 1) * sizeof *c->on_events);
  if (!c->on_events) return false;
  for (uint32_t r = 0; r < p->n_rules; r++)
    if (p->rules[r].corr != UINT32_MAX && !p->rules[r].n_from) c->on_events[c->n_on_events++] = r;
  return !total || c->e2_ok;
}

hn_corr_engine *hn_corr_create(const hn_program *p, hn_emit_fn emit, void *ud) {
  hn_corr_engine *c = hn_calloc(1, sizeof *c);
  if (!c) return NULL;
  c->p = p;
  c->emit = emit;
  c->ud = ud;
  c->free_key = c->lru_head = c->lru_tail = UINT32_MAX;
  c->tcap = 1024;
  c->table = hn_calloc(c->tcap, sizeof *c->table);
  uint32_t nb = 1;
  for (uint32_t i = 0; i < p->n_corrs; i++) nb = p->corrs[i].n_binds > nb ? p->corrs[i].n_binds : nb;
  for (uint32_t r = 0; r < p->n_rules; r++) c->max_ent = p->rules[r].n_entities > c->max_ent ? p->rules[r].n_entities : c->max_ent;
  c->bound = hn_calloc(nb, sizeof *c->bound);
  c->ev2_ok = hn_event_init(&c->ev2, p->decoder) == HN_OK;
  if (!c->table || !c->bound || !c->ev2_ok || !readers_init(c)) {
    hn_corr_destroy(c);
    return NULL;
  }
  return c;
}

static void partial_free(const hn_corr_engine *c, const hn_corr *C, const hn_rule *r, partial *p) {
  for (uint32_t i = 0; p->binds && i < C->n_binds; i++) vals_free(&p->binds[i]);
  for (uint32_t i = 0; p->ents && i < r->n_entities; i++) vals_free(&p->ents[i]);
  hn_free(p->binds);
  hn_free(p->ents);
  (void)c;
  memset(p, 0, sizeof *p);
}

static void state_free(hn_corr_engine *c, ckey *k) {
  const hn_rule *r = &c->p->rules[k->rule];
  if (k->kind == K_STATE && r->corr != UINT32_MAX) {
    const hn_corr *C = &c->p->corrs[r->corr];
    if (r->kind == HN_R_AGGREGATE) {
      agroup *g = &k->st.g;
      for (uint32_t i = 0; g->vals && i < g->vals->n; i++)
        if (i >= g->vals->head && g->vals->it[i].v.kind == HN_V_STRING) hn_free((char *)g->vals->it[i].v.u.s);
      if (g->vals) hn_free(g->vals->it);
      hn_free(g->vals);
      hn_free(g->ts);
    } else {
      seqstate *s = &k->st.s;
      for (uint32_t i = 0; i < s->n; i++) partial_free(c, C, r, &s->ps[i]);
      hn_free(s->ps);
    }
  }
  hn_free(k->kb);
  memset(&k->st, 0, sizeof k->st);
  k->kb = NULL;
}

void hn_corr_destroy(hn_corr_engine *c) {
  if (!c) return;
  for (uint32_t i = 0; i < c->n_keys; i++)
    if (c->keys[i].live) state_free(c, &c->keys[i]);
  for (uint32_t i = 0; i < c->n_hq; i++) hn_free(c->hq[i].line);
  hn_free(c->keys);
  hn_free(c->table);
  hn_free(c->dl);
  hn_free(c->hq);
  hn_free(c->kbuf);
  hn_free(c->bound);
  if (c->ev2_ok) hn_event_fini(&c->ev2);
  for (uint32_t i = c->qhead; i < c->qn; i++) {
    for (size_t v = 0; v < c->q[i].ev.n_values; v++)
      if (c->q[i].ev.values[v].kind == HN_V_STRING) hn_free((char *)c->q[i].ev.values[v].u.s);
    hn_free(c->q[i].ev.values);
    hn_free(c->q[i].ev.slots);
  }
  hn_free(c->q);
  hn_free(c->readers_first);
  hn_free(c->readers);
  hn_free(c->on_events);
  if (c->e2_ok) hn_eval_fini(&c->e2);
  hn_free(c);
}

const hn_corr_stats *hn_corr_stats_of(const hn_corr_engine *c) { return &c->stats; }

/* ---- the key table and the list by last update ------------------------------------------- */
static void lru_unlink(hn_corr_engine *c, uint32_t i) {
  ckey *k = &c->keys[i];
  if (k->prev != UINT32_MAX) c->keys[k->prev].next = k->next;
  else c->lru_head = k->next;
  if (k->next != UINT32_MAX) c->keys[k->next].prev = k->prev;
  else c->lru_tail = k->prev;
  k->prev = k->next = UINT32_MAX;
}

static void lru_front(hn_corr_engine *c, uint32_t i) {
  ckey *k = &c->keys[i];
  k->prev = UINT32_MAX;
  k->next = c->lru_head;
  if (c->lru_head != UINT32_MAX) c->keys[c->lru_head].prev = i;
  c->lru_head = i;
  if (c->lru_tail == UINT32_MAX) c->lru_tail = i;
}

static void touch(hn_corr_engine *c, uint32_t i) {
  if (c->lru_head == i) return;
  lru_unlink(c, i);
  lru_front(c, i);
}

static bool table_grow(hn_corr_engine *c) {
  uint32_t cap = c->tcap * 2;
  uint32_t *t = hn_calloc(cap, sizeof *t);
  if (!t) return false;
  for (uint32_t i = 0; i < c->n_keys; i++) {
    if (!c->keys[i].live) continue;
    uint32_t j = (uint32_t)c->keys[i].h & (cap - 1);
    while (t[j]) j = (j + 1) & (cap - 1);
    t[j] = i + 1;
  }
  hn_free(c->table);
  c->table = t;
  c->tcap = cap;
  return true;
}

/* Backward-shift deletion keeps linear probing free of tombstones. */
static void table_remove(hn_corr_engine *c, uint32_t idx) {
  uint32_t m = c->tcap - 1, i = (uint32_t)c->keys[idx].h & m;
  while (c->table[i] != idx + 1) i = (i + 1) & m;
  for (uint32_t j = (i + 1) & m;; j = (j + 1) & m) {
    if (!c->table[j]) break;
    uint32_t home = (uint32_t)c->keys[c->table[j] - 1].h & m;
    /* j's entry may move to i when its home is not in the cyclic range (i, j] */
    if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
      c->table[i] = c->table[j];
      i = j;
    }
  }
  c->table[i] = 0;
}

static void key_drop(hn_corr_engine *c, uint32_t i) {
  ckey *k = &c->keys[i];
  table_remove(c, i);
  lru_unlink(c, i);
  c->stats.bytes -= k->bytes;
  c->stats.keys--;
  state_free(c, k);
  k->live = false;
  k->gen++;
  k->next = c->free_key;
  c->free_key = i;
}

static size_t key_bytes(const hn_corr_engine *c, const ckey *k) {
  size_t b = sizeof *k + k->kn + 2 * sizeof(uint32_t);
  const hn_rule *r = &c->p->rules[k->rule];
  if (k->kind != K_STATE || r->corr == UINT32_MAX) return b;
  const hn_corr *C = &c->p->corrs[r->corr];
  if (r->kind == HN_R_AGGREGATE) {
    const agroup *g = &k->st.g;
    b += g->cap * sizeof(int64_t);
    if (g->vals) {
      b += sizeof *g->vals + g->vals->cap * sizeof(aitem);
      for (uint32_t i = g->vals->head; i < g->vals->n; i++) b += g->vals->it[i].v.kind == HN_V_STRING ? g->vals->it[i].v.len : 0;
    }
  } else {
    const seqstate *s = &k->st.s;
    b += s->cap * sizeof(partial);
    for (uint32_t i = 0; i < s->n; i++) {
      for (uint32_t j = 0; s->ps[i].binds && j < C->n_binds; j++) b += sizeof(hn_vals) + vals_bytes(&s->ps[i].binds[j]);
      for (uint32_t j = 0; s->ps[i].ents && j < r->n_entities; j++) b += sizeof(hn_vals) + vals_bytes(&s->ps[i].ents[j]);
    }
  }
  return b;
}

static void account(hn_corr_engine *c, uint32_t i) {
  ckey *k = &c->keys[i];
  if (!k->live) return;
  size_t b = key_bytes(c, k);
  c->stats.bytes = c->stats.bytes - k->bytes + b;
  k->bytes = b;
  if (c->stats.bytes > c->stats.peak_bytes) c->stats.peak_bytes = c->stats.bytes;
}

/* Evicts the least recently updated keys while over a bound, sparing `keep`. */
static void enforce(hn_corr_engine *c, uint32_t keep) {
  while ((c->stats.keys > c->p->max_keys || c->stats.bytes > c->p->memory) && c->lru_tail != UINT32_MAX &&
         c->lru_tail != keep) {
    key_drop(c, c->lru_tail);
    c->stats.evicted++;
  }
}

/* Finds or (create) adds the key c->kbuf[0..kn); UINT32_MAX when absent or out of memory. */
static uint32_t key_find(hn_corr_engine *c, size_t kn, bool create, bool *fresh) {
  uint64_t h = hn_hash_bytes(c->kbuf, kn);
  uint32_t m = c->tcap - 1;
  uint32_t i = (uint32_t)h & m;
  for (; c->table[i]; i = (i + 1) & m) {
    ckey *k = &c->keys[c->table[i] - 1];
    if (k->h == h && k->kn == kn && memcmp(k->kb, c->kbuf, kn) == 0) {
      *fresh = false;
      return c->table[i] - 1;
    }
  }
  if (!create) return UINT32_MAX;
  uint32_t idx;
  if (c->free_key != UINT32_MAX) {
    idx = c->free_key;
    c->free_key = c->keys[idx].next;
  } else {
    if (c->n_keys == c->cap_keys) {
      uint32_t cap = c->cap_keys ? c->cap_keys * 2 : 64;
      ckey *nk = hn_realloc(c->keys, cap * sizeof *nk);
      if (!nk) { c->failed = true; return UINT32_MAX; }
      c->keys = nk;
      c->cap_keys = cap;
    }
    idx = c->n_keys++;
    memset(&c->keys[idx], 0, sizeof c->keys[idx]);
  }
  ckey *k = &c->keys[idx];
  uint32_t gen = k->gen;
  memset(k, 0, sizeof *k);
  k->gen = gen;
  k->kb = hn_malloc(kn);
  if (!k->kb) { c->failed = true; k->next = c->free_key; c->free_key = idx; return UINT32_MAX; }
  memcpy(k->kb, c->kbuf, kn);
  k->kn = (uint32_t)kn;
  memcpy(&k->rule, c->kbuf, 4);
  k->kind = (uint8_t)c->kbuf[4];
  k->h = h;
  k->live = true;
  c->table[i] = idx + 1;
  lru_front(c, idx);
  c->stats.keys++;
  if (c->stats.keys > c->stats.peak_keys) c->stats.peak_keys = c->stats.keys;
  if ((uint64_t)c->stats.keys * 2 > c->tcap && !table_grow(c)) c->failed = true;
  *fresh = true;
  return idx;
}

/* ---- key serialisation -------------------------------------------------------------------- */
static bool kput(hn_corr_engine *c, size_t *n, const void *b, size_t len) {
  if (*n + len > c->kcap) {
    size_t cap = c->kcap ? c->kcap * 2 : 256;
    while (cap < *n + len) cap *= 2;
    char *nb = hn_realloc(c->kbuf, cap);
    if (!nb) { c->failed = true; return false; }
    c->kbuf = nb;
    c->kcap = cap;
  }
  memcpy(c->kbuf + *n, b, len);
  *n += len;
  return true;
}

static bool kvalue(hn_corr_engine *c, size_t *n, const hn_value *v) {
  uint8_t tag = v->kind;
  if (!kput(c, n, &tag, 1)) return false;
  switch (v->kind) {
  case HN_V_STRING: return kput(c, n, &v->len, 4) && kput(c, n, v->u.s, v->len);
  case HN_V_IP: return kput(c, n, &v->v6, 1) && kput(c, n, v->u.ip, v->v6 ? 16 : 4);
  case HN_V_NULL: case HN_V_BAD: return true;
  default: return kput(c, n, &v->u.i, 8);
  }
}

static size_t khead(hn_corr_engine *c, uint32_t rule, uint8_t kind) {
  size_t n = 0;
  kput(c, &n, &rule, 4);
  kput(c, &n, &kind, 1);
  return n;
}

/* ---- deadlines and held events: binary heaps ---------------------------------------------- *
 * Both order by (time, sequence number), the first two fields of their elements. */
typedef struct tkey {
  int64_t t;
  uint64_t seq;
} tkey;

static bool tk_less(const char *a, const char *b) {
  const tkey *x = (const tkey *)a, *y = (const tkey *)b;
  return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static void swap_el(char *a, char *b, size_t size) {
  char tmp[64];
  memcpy(tmp, a, size);
  memcpy(a, b, size);
  memcpy(b, tmp, size);
}

static void heap_up(char *h, size_t size, uint32_t i) {
  for (; i && tk_less(h + i * size, h + (i - 1) / 2 * size); i = (i - 1) / 2) swap_el(h + i * size, h + (i - 1) / 2 * size, size);
}

/* Moves the last element to the top and sifts it down; n is the count after removal. */
static void heap_down(char *h, size_t size, uint32_t n) {
  memcpy(h, h + n * size, size);
  for (uint32_t i = 0;;) {
    uint32_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && tk_less(h + l * size, h + m * size)) m = l;
    if (r < n && tk_less(h + r * size, h + m * size)) m = r;
    if (m == i) break;
    swap_el(h + i * size, h + m * size, size);
    i = m;
  }
}

/* Room for one more element in a heap array. */
static bool heap_room(void **h, uint32_t n, uint32_t *cap, size_t size) {
  if (n < *cap) return true;
  uint32_t nc = *cap ? *cap * 2 : 64;
  void *nh = hn_realloc(*h, nc * size);
  if (!nh) return false;
  *h = nh;
  *cap = nc;
  return true;
}

static void dl_push(hn_corr_engine *c, int64_t t, uint32_t key, uint8_t what) {
  if (!heap_room((void **)&c->dl, c->n_dl, &c->cap_dl, sizeof *c->dl)) { c->failed = true; return; }
  c->dl[c->n_dl] = (deadline){t, c->seq++, key, c->keys[key].gen, what};
  heap_up((char *)c->dl, sizeof *c->dl, c->n_dl++);
}

static deadline dl_pop(hn_corr_engine *c) {
  deadline top = c->dl[0];
  heap_down((char *)c->dl, sizeof *c->dl, --c->n_dl);
  return top;
}

/* Held events are part of the state's memory (stats.bytes), bounded by `memory` with the keys. */
static bool hq_push(hn_corr_engine *c, held h) {
  if (!heap_room((void **)&c->hq, c->n_hq, &c->cap_hq, sizeof *c->hq)) return false;
  c->hq[c->n_hq] = h;
  heap_up((char *)c->hq, sizeof *c->hq, c->n_hq++);
  c->stats.bytes += sizeof h + h.len;
  c->stats.held_bytes += sizeof h + h.len;
  if (c->stats.bytes > c->stats.peak_bytes) c->stats.peak_bytes = c->stats.bytes;
  return true;
}

static held hq_pop(hn_corr_engine *c) {
  held top = c->hq[0];
  heap_down((char *)c->hq, sizeof *c->hq, --c->n_hq);
  c->stats.bytes -= sizeof top + top.len;
  c->stats.held_bytes -= sizeof top + top.len;
  return top;
}

_Static_assert(sizeof(deadline) <= 64 && sizeof(held) <= 64, "heap elements fit swap_el's buffer");
_Static_assert(offsetof(deadline, seq) == offsetof(tkey, seq) && offsetof(held, seq) == offsetof(tkey, seq),
               "heap elements begin with (t, seq)");

/* ---- suppression and emission --------------------------------------------------------------- */
/* The values of a slot for an alert: its entity values, else its key values, else its event's. */
static void alert_slot(const hn_calert *a, uint32_t slot, const hn_value **v, uint32_t *n) {
  for (uint32_t i = 0; i < a->n_ent; i++)
    if (a->ent_slots[i] == slot) { *v = a->ent_vals[i].v; *n = a->ent_vals[i].n; return; }
  for (uint32_t i = 0; i < a->n_keys; i++)
    if (a->key_slots[i] == slot) { *v = a->key_vals[i].v; *n = a->key_vals[i].n; return; }
  if (a->ev) {
    const hn_slot *s = &a->ev->slots[slot];
    *v = a->ev->values + s->first;
    *n = s->n;
    return;
  }
  *v = NULL;
  *n = 0;
}

static void enqueue(hn_corr_engine *c, const hn_calert *a);

/* Out: to the sink, and to the rules that read this rule's alerts. */
static void deliver(hn_corr_engine *c, const hn_calert *a) {
  c->emit(c->ud, a);
  if (c->readers_first && c->readers_first[a->rule + 1] > c->readers_first[a->rule]) enqueue(c, a);
}

void hn_corr_alert(hn_corr_engine *c, hn_calert *a) {
  const hn_rule *r = &c->p->rules[a->rule];
  int64_t d = r->suppress ? r->suppress : c->p->suppress;
  if (!a->count) a->count = 1;
  if (d <= 0 || !a->timed) {
    deliver(c, a);
    return;
  }
  /* the key: the `by` paths' values (a missing value is a value of its own), else the
   * entities, else the rule alone */
  size_t n = khead(c, a->rule, K_SUPP);
  const uint32_t *slots = r->n_supp_keys ? r->supp_keys : r->entities;
  uint32_t ns = r->n_supp_keys ? r->n_supp_keys : r->n_entities;
  for (uint32_t i = 0; i < ns; i++) {
    const hn_value *v;
    uint32_t nv;
    alert_slot(a, slots[i], &v, &nv);
    uint32_t cnt = nv;
    kput(c, &n, &cnt, 4);
    for (uint32_t k = 0; k < nv; k++) kvalue(c, &n, &v[k]);
  }
  bool fresh;
  uint32_t ki = c->failed ? UINT32_MAX : key_find(c, n, true, &fresh);
  if (ki == UINT32_MAX) { /* out of memory (the key may be incomplete): let it through */
    deliver(c, a);
    return;
  }
  supp *s = &c->keys[ki].st.u;
  touch(c, ki);
  if (!fresh && a->time - s->last < d) {
    s->suppressed++;
    c->stats.suppressed++;
    return;
  }
  a->count = 1 + (fresh ? 0 : s->suppressed);
  s->last = a->time;
  s->suppressed = 0;
  account(c, ki);
  deliver(c, a); /* before evicting: the alert may point into the key being evicted */
  enforce(c, ki);
}

/* ---- aggregation ------------------------------------------------------------------------------ */
static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

static bool times_push(agroup *g, int64_t t) {
  if (g->n == g->cap) {
    if (g->head > g->n / 2) { /* reclaim the expired front before growing */
      memmove(g->ts, g->ts + g->head, (g->n - g->head) * sizeof *g->ts);
      g->n -= g->head;
      g->head = 0;
    } else {
      uint32_t cap = g->cap ? g->cap * 2 : 2;
      int64_t *nt = hn_realloc(g->ts, cap * sizeof *nt);
      if (!nt) return false;
      g->ts = nt;
      g->cap = cap;
    }
  }
  g->ts[g->n++] = t;
  return true;
}

static bool items_push(agroup *g, int64_t t, uint32_t agg, const hn_value *v) {
  if (!g->vals && !(g->vals = hn_calloc(1, sizeof *g->vals))) return false;
  vqueue *q = g->vals;
  if (q->n == q->cap) {
    if (q->head > q->n / 2) {
      memmove(q->it, q->it + q->head, (q->n - q->head) * sizeof *q->it);
      q->n -= q->head;
      q->head = 0;
    } else {
      uint32_t cap = q->cap ? q->cap * 2 : 4;
      aitem *ni = hn_realloc(q->it, cap * sizeof *ni);
      if (!ni) return false;
      q->it = ni;
      q->cap = cap;
    }
  }
  aitem *d = &q->it[q->n];
  d->t = t;
  d->agg = agg;
  memset(&d->v, 0, sizeof d->v);
  if (v) {
    d->v = *v;
    if (v->kind == HN_V_STRING) {
      char *b = hn_malloc(v->len ? v->len : 1);
      if (!b) return false;
      if (v->len) memcpy(b, v->u.s, v->len);
      d->v.u.s = b;
    }
  }
  q->n++;
  return true;
}

static void items_expire(agroup *g, int64_t upto) { /* drops what has t <= upto */
  while (g->head < g->n && g->ts[g->head] <= upto) g->head++;
  if (g->head == g->n) g->head = g->n = 0;
  vqueue *q = g->vals;
  if (!q) return;
  while (q->head < q->n && q->it[q->head].t <= upto) {
    if (q->it[q->head].v.kind == HN_V_STRING) hn_free((char *)q->it[q->head].v.u.s);
    q->head++;
  }
  if (q->head == q->n) q->head = q->n = 0;
}

static void items_clear(agroup *g) { items_expire(g, INT64_MAX); }

static bool add_event(hn_corr_engine *c, const hn_corr *C, agroup *g, hn_eval *e, int64_t t) {
  if (!times_push(g, t)) return false;
  for (uint32_t i = 0; i < C->n_aggs; i++) {
    const hn_agg *a = &C->aggs[i];
    if (a->kind == HN_AGG_COUNT) continue;
    if (a->kind == HN_AGG_COUNT_OF && a->cond != UINT32_MAX) {
      if (hn_eval_node(e, a->cond) && !items_push(g, t, i, NULL)) return false;
      continue;
    }
    hn_value tmp[64];
    size_t n;
    const hn_value *v = hn_eval_values(e, a->arg, &n, tmp);
    bool any = false;
    for (size_t k = 0; k < n; k++) {
      if (!usable(&v[k])) continue;
      any = true;
      if (a->kind == HN_AGG_COUNT_OF) break;
      if (!items_push(g, t, i, &v[k])) return false;
    }
    if (a->kind == HN_AGG_COUNT_OF && any && !items_push(g, t, i, NULL)) return false;
  }
  (void)c;
  return true;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

static int cmp_value(const void *x, const void *y) {
  const hn_value *a = *(const hn_value *const *)x, *b = *(const hn_value *const *)y;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  switch (a->kind) {
  case HN_V_STRING: {
    size_t m = a->len < b->len ? a->len : b->len;
    int r = m ? memcmp(a->u.s, b->u.s, m) : 0;
    return r ? r : (a->len > b->len) - (a->len < b->len);
  }
  case HN_V_FLOAT: return (a->u.f > b->u.f) - (a->u.f < b->u.f);
  case HN_V_IP: return a->v6 != b->v6 ? (a->v6 ? 1 : -1) : memcmp(a->u.ip, b->u.ip, a->v6 ? 16 : 4);
  default: return (a->u.i > b->u.i) - (a->u.i < b->u.i);
  }
}

static double as_double(const hn_value *v) { return v->kind == HN_V_FLOAT ? v->u.f : (double)v->u.i; }

/* The aggregates over the group's live items, into out[n_aggs] (HN_V_NULL: missing). */
static bool aggregates(const hn_corr *C, const agroup *g, hn_value *out, uint64_t *rows) {
  *rows = g->n - g->head;
  const vqueue *q = g->vals;
  uint32_t qh = q ? q->head : 0, qn = q ? q->n : 0;
  for (uint32_t a = 0; a < C->n_aggs; a++) {
    const hn_agg *A = &C->aggs[a];
    hn_value *o = &out[a];
    memset(o, 0, sizeof *o);
    o->kind = HN_V_NULL;
    if (A->kind == HN_AGG_COUNT) {
      o->kind = HN_V_INT;
      o->u.i = (int64_t)*rows;
      continue;
    }
    uint64_t n = 0;
    bool fl = false;
    int64_t si = 0;
    double sf = 0;
    const hn_value *best = NULL;
    const hn_value **all = NULL;
    double *nums = NULL; /* percentile: the numbers, sorted */
    if (A->kind == HN_AGG_PERCENTILE) {
      uint32_t cnt = 0;
      for (uint32_t i = qh; i < qn; i++) cnt += q->it[i].agg == a;
      nums = hn_malloc((cnt ? cnt : 1) * sizeof *nums);
      if (!nums) return false;
    }
    if (A->kind == HN_AGG_DISTINCT) {
      uint32_t cnt = 0;
      for (uint32_t i = qh; i < qn; i++) cnt += q->it[i].agg == a;
      all = hn_malloc((cnt ? cnt : 1) * sizeof *all);
      if (!all) return false;
    }
    for (uint32_t i = qh; i < qn; i++) {
      const aitem *it = &q->it[i];
      if (it->agg != a) continue;
      const hn_value *v = &it->v;
      switch (A->kind) {
      case HN_AGG_COUNT_OF: n++; break;
      case HN_AGG_DISTINCT: all[n++] = v; break;
      case HN_AGG_SUM: case HN_AGG_AVG:
        if (v->kind != HN_V_INT && v->kind != HN_V_FLOAT && v->kind != HN_V_TIME) break;
        n++;
        if (v->kind == HN_V_FLOAT) fl = true;
        sf += as_double(v);
        if (!__builtin_add_overflow(si, v->u.i, &si) && v->kind != HN_V_FLOAT) break;
        break;
      case HN_AGG_PERCENTILE:
        if (v->kind == HN_V_INT || v->kind == HN_V_FLOAT) nums[n++] = as_double(v);
        break;
      case HN_AGG_MIN: case HN_AGG_MAX:
        if (v->kind != HN_V_INT && v->kind != HN_V_FLOAT && v->kind != HN_V_TIME) break;
        if (!best) best = v;
        else {
          double x = as_double(v), y = as_double(best);
          if (A->kind == HN_AGG_MIN ? x < y : x > y) best = v;
        }
        break;
      default: break;
      }
    }
    switch (A->kind) {
    case HN_AGG_COUNT_OF: o->kind = HN_V_INT; o->u.i = (int64_t)n; break;
    case HN_AGG_DISTINCT: {
      qsort(all, n, sizeof *all, cmp_value);
      uint64_t d = 0;
      for (uint64_t i = 0; i < n; i++) d += i == 0 || cmp_value(&all[i - 1], &all[i]) != 0;
      hn_free(all);
      o->kind = HN_V_INT;
      o->u.i = (int64_t)d;
      break;
    }
    case HN_AGG_SUM:
      if (fl || A->type == HN_FT_FLOAT) { o->kind = HN_V_FLOAT; o->u.f = sf; }
      else { o->kind = HN_V_INT; o->u.i = si; }
      break;
    case HN_AGG_AVG:
      if (!n) break;
      if (A->type == HN_FT_DURATION) { o->kind = HN_V_INT; o->u.i = si / (int64_t)n; }
      else { o->kind = HN_V_FLOAT; o->u.f = sf / (double)n; }
      break;
    case HN_AGG_MIN: case HN_AGG_MAX:
      if (best) *o = *best;
      break;
    case HN_AGG_PERCENTILE: { /* between the closest ranks: rank h = (n - 1) p / 100 */
      if (n) {
        qsort(nums, n, sizeof *nums, cmp_double);
        double h = (double)(n - 1) * A->p / 100.0, lo = floor(h);
        size_t k = (size_t)lo;
        double r = k + 1 < n ? nums[k] + (h - lo) * (nums[k + 1] - nums[k]) : nums[k];
        if (A->type == HN_FT_DURATION) { o->kind = HN_V_INT; o->u.i = (int64_t)llround(r); }
        else { o->kind = HN_V_FLOAT; o->u.f = r; }
      }
      hn_free(nums);
      break;
    }
    default: break;
    }
  }
  return true;
}

static hn_value vbool(bool b) {
  hn_value v;
  memset(&v, 0, sizeof v);
  v.kind = HN_V_BOOL;
  v.u.i = b;
  return v;
}

static bool truthy(const hn_value *v) { return v->kind == HN_V_BOOL && v->u.i; }

/* `having` over computed aggregates; H_EVENT conditions read the event e is begun on. */
static hn_value having(hn_eval *e, const hn_corr *C, uint32_t h, const hn_value *agg) {
  const hn_hnode *n = &C->hn[h];
  hn_value r;
  memset(&r, 0, sizeof r);
  r.kind = HN_V_NULL;
  switch (n->op) {
  case HN_H_AND: {
    hn_value a = having(e, C, n->a, agg);
    if (!truthy(&a)) return vbool(false);
    hn_value b = having(e, C, n->b, agg);
    return vbool(truthy(&b));
  }
  case HN_H_OR: {
    hn_value a = having(e, C, n->a, agg);
    if (truthy(&a)) return vbool(true);
    hn_value b = having(e, C, n->b, agg);
    return vbool(truthy(&b));
  }
  case HN_H_NOT: {
    hn_value a = having(e, C, n->a, agg);
    return vbool(!truthy(&a));
  }
  case HN_H_CMP: {
    hn_value a = having(e, C, n->a, agg), b = having(e, C, n->b, agg);
    if (!usable(&a) || !usable(&b)) return vbool(false);
    return vbool(hn_value_cmp(e, n->cmp, &a, &b));
  }
  case HN_H_ARITH: {
    hn_value a = having(e, C, n->a, agg), b;
    bool unary = n->cmp == HN_VX_NEG;
    if (!unary) b = having(e, C, n->b, agg);
    if (!usable(&a) || (!unary && !usable(&b))) return r;
    if (!hn_value_arith(n->cmp, &a, unary ? NULL : &b, &r)) r.kind = HN_V_NULL;
    return r;
  }
  case HN_H_AGG: return agg[n->a];
  case HN_H_CONST: {
    const hn_const *k = &e->p->consts[n->a];
    r.kind = k->kind;
    r.v6 = k->v6;
    r.len = k->len;
    memcpy(&r.u, &k->u, sizeof r.u);
    return r;
  }
  case HN_H_EVENT: return vbool(e->ev && hn_eval_node(e, n->a));
  case HN_H_VALUE: { /* the first usable value */
    hn_value tmp[64];
    size_t nv = 0;
    const hn_value *v = e->ev ? hn_eval_values(e, n->a, &nv, tmp) : NULL;
    for (size_t i = 0; i < nv; i++)
      if (usable(&v[i])) return v[i];
    return r;
  }
  case HN_H_COND: {
    hn_value c = having(e, C, n->a, agg);
    return having(e, C, truthy(&c) ? n->b : n->c, agg);
  }
  default: return r;
  }
}

/* The key's values, read back from its serialised bytes (strings point into them): one value
 * per key slot. */
typedef struct keyview {
  hn_value v[HN_MAX_KEYS];
  hn_vals s[HN_MAX_KEYS];
  uint32_t n;
} keyview;

static void key_view(const ckey *k, uint32_t nk, keyview *kv) {
  const unsigned char *b = (const unsigned char *)k->kb + 5, *end = (const unsigned char *)k->kb + k->kn;
  kv->n = 0;
  for (uint32_t j = 0; j < nk && j < HN_MAX_KEYS && b < end; j++) {
    hn_value *v = &kv->v[j];
    memset(v, 0, sizeof *v);
    v->kind = *b++;
    switch (v->kind) {
    case HN_V_STRING:
      memcpy(&v->len, b, 4);
      v->u.s = (const char *)b + 4;
      b += 4 + v->len;
      break;
    case HN_V_IP:
      v->v6 = *b++;
      memcpy(v->u.ip, b, v->v6 ? 16 : 4);
      b += v->v6 ? 16 : 4;
      break;
    case HN_V_NULL: case HN_V_BAD: break;
    default:
      memcpy(&v->u.i, b, 8);
      b += 8;
    }
    kv->s[j] = (hn_vals){v, 1, 1};
    kv->n++;
  }
}

/* Entity values of an aggregation alert: the key's values, else the firing event's. */
static void agg_alert(hn_corr_engine *c, hn_eval *e, const hn_event *ev, uint32_t rule, ckey *k, int64_t t,
                      uint64_t rows, const char *file, uint64_t line, uint64_t offset) {
  const hn_rule *r = &c->p->rules[rule];
  const hn_corr *C = &c->p->corrs[r->corr];
  hn_vals ents[HN_MAX_ENTITIES];
  uint32_t ne = r->n_entities < HN_MAX_ENTITIES ? r->n_entities : HN_MAX_ENTITIES;
  memset(ents, 0, sizeof ents);
  keyview kv;
  key_view(k, C->n_keys, &kv);
  for (uint32_t i = 0; i < ne; i++) {
    uint32_t s = r->entities[i];
    bool done = false;
    for (uint32_t j = 0; j < kv.n && !done; j++)
      if (C->keys[j] == s) {
        done = true;
        if (!vals_add(&ents[i], &kv.v[j])) c->failed = true;
      }
    if (!done && ev && !vals_add_distinct(&ents[i], ev, s)) c->failed = true;
  }
  if (c->failed) { /* an entity is missing: no alert (the session stops with HN_ERR_NOMEM) */
    for (uint32_t i = 0; i < ne; i++) vals_free(&ents[i]);
    return;
  }
  hn_calert a = {0};
  a.rule = rule;
  a.time = t;
  a.timed = true;
  a.e = ev ? e : NULL;
  a.ev = ev;
  a.ent_slots = r->entities;
  a.ent_vals = ents;
  a.n_ent = ne;
  a.key_slots = C->keys;
  a.key_vals = kv.s;
  a.n_keys = kv.n;
  a.file = file;
  a.line = line;
  a.offset = offset;
  a.events = rows;
  hn_corr_alert(c, &a);
  for (uint32_t i = 0; i < ne; i++) vals_free(&ents[i]);
}

/* Tests `having` for the group; fires and re-arms when it holds. ev NULL: at a window's end. */
static void agg_test(hn_corr_engine *c, hn_eval *e, const hn_event *ev, uint32_t rule, uint32_t ki, int64_t t,
                     const char *file) {
  const hn_corr *C = &c->p->corrs[c->p->rules[rule].corr];
  ckey *k = &c->keys[ki];
  hn_value agg[64];
  hn_value *av = C->n_aggs <= 64 ? agg : hn_malloc(C->n_aggs * sizeof *av);
  uint64_t rows;
  if (!av || !aggregates(C, &k->st.g, av, &rows)) { c->failed = true; if (av != agg) hn_free(av); return; }
  hn_value h = having(e, C, C->having, av);
  if (av != agg) hn_free(av);
  if (!truthy(&h)) return;
  uint32_t gen = k->gen;
  agg_alert(c, e, ev, rule, k, t, rows, file, k->st.g.line, k->st.g.offset);
  k = &c->keys[ki]; /* the suppression record may have grown the key array */
  if (k->gen == gen && k->live) items_clear(&k->st.g); /* re-arm (§10.6) */
}

/* Key values of the current event for C's key slots; every combination of list elements is a
 * key (at most 64). Calls f for each. Returns false when a key value is missing. */
typedef void (*key_fn)(hn_corr_engine *c, hn_eval *e, const hn_event *ev, uint32_t rule, size_t kn,
                       const hn_value **vals, int64_t t, const char *file, uint64_t line, uint64_t offset);

static bool each_key(hn_corr_engine *c, hn_eval *e, const hn_event *ev, uint32_t rule, int64_t t, const char *file,
                     uint64_t line, uint64_t offset, key_fn f) {
  const hn_corr *C = &c->p->corrs[c->p->rules[rule].corr];
  uint32_t idx[HN_MAX_KEYS] = {0}, nk = C->n_keys < HN_MAX_KEYS ? C->n_keys : HN_MAX_KEYS;
  for (uint32_t j = 0; j < nk; j++) {
    const hn_slot *s = &ev->slots[C->keys[j]];
    uint32_t u = 0;
    for (uint32_t i = 0; i < s->n; i++) u += usable(&ev->values[s->first + i]);
    if (!u) return false;
  }
  for (uint32_t combo = 0; combo < 64; combo++) {
    const hn_value *vals[HN_MAX_KEYS];
    size_t n = khead(c, rule, K_STATE);
    for (uint32_t j = 0; j < nk; j++) {
      const hn_slot *s = &ev->slots[C->keys[j]];
      /* the idx[j]-th usable value */
      uint32_t u = 0;
      for (uint32_t i = 0; i < s->n; i++) {
        const hn_value *v = &ev->values[s->first + i];
        if (!usable(v)) continue;
        if (u++ == idx[j]) { vals[j] = v; break; }
      }
      kvalue(c, &n, vals[j]);
    }
    if (c->failed) return true; /* the key is incomplete: the session stops (HN_ERR_NOMEM) */
    f(c, e, ev, rule, n, vals, t, file, line, offset);
    /* next combination */
    uint32_t j = 0;
    for (; j < nk; j++) {
      const hn_slot *s = &ev->slots[C->keys[j]];
      uint32_t u = 0;
      for (uint32_t i = 0; i < s->n; i++) u += usable(&ev->values[s->first + i]);
      if (++idx[j] < u) break;
      idx[j] = 0;
    }
    if (j == nk) break;
  }
  return true;
}

static void agg_key(hn_corr_engine *c, hn_eval *e, const hn_event *ev, uint32_t rule, size_t kn, const hn_value **vals,
                    int64_t t, const char *file, uint64_t line, uint64_t offset) {
  const hn_corr *C = &c->p->corrs[c->p->rules[rule].corr];
  bool fresh;
  uint32_t ki = key_find(c, kn, true, &fresh);
  if (ki == UINT32_MAX) return;
  ckey *k = &c->keys[ki];
  (void)vals;
  touch(c, ki);
  agroup *g = &k->st.g;
  if (C->tumbling) {
    int64_t w = floor_div(t - 1, C->window); /* windows are (kW, (k+1)W] */
    if (g->open && g->win != w) { /* defensive: its end normally fired before this event */
      agg_test(c, e, NULL, rule, ki, (g->win + 1) * C->window, file);
      k = &c->keys[ki];
      g = &k->st.g;
      items_clear(g);
      g->open = false;
    }
    if (!g->open) {
      g->open = true;
      g->win = w;
      dl_push(c, (w + 1) * C->window, ki, 0);
    }
  } else {
    items_expire(g, t - C->window); /* the window is (t - W, t] */
  }
  g->line = line;
  g->offset = offset;
  if (!add_event(c, C, g, e, t)) { c->failed = true; return; }
  if (!C->tumbling) agg_test(c, e, ev, rule, ki, t, file);
  account(c, ki);
  enforce(c, ki);
}

/* A window's end passed: test `having` over it, with a stand-in event holding the key values
 * for conditions on the group-by paths. */
static void agg_deadline(hn_corr_engine *c, hn_eval *e, const deadline *d, const char *file) {
  ckey *k = &c->keys[d->key];
  const hn_rule *r = &c->p->rules[k->rule];
  const hn_corr *C = &c->p->corrs[r->corr];
  agroup *g = &k->st.g;
  if (!g->open || (g->win + 1) * C->window != d->t) return;
  const hn_event *saved = e->ev;
  hn_event syn;
  memset(&syn, 0, sizeof syn);
  syn.n_slots = c->p->n_fields;
  syn.slots = hn_calloc(c->p->n_fields ? c->p->n_fields : 1, sizeof *syn.slots);
  keyview kv;
  key_view(k, C->n_keys, &kv);
  syn.values = hn_calloc(kv.n ? kv.n : 1, sizeof *syn.values);
  if (!syn.slots || !syn.values) {
    c->failed = true;
  } else {
    for (uint32_t j = 0; j < kv.n; j++) {
      syn.slots[C->keys[j]].first = j;
      syn.slots[C->keys[j]].n = 1;
      syn.values[j] = kv.v[j];
    }
    hn_eval_begin(e, &syn);
    agg_test(c, e, NULL, k->rule, d->key, d->t, file);
    k = &c->keys[d->key];
    if (k->live) {
      items_clear(&k->st.g);
      k->st.g.open = false;
      account(c, d->key);
    }
    if (saved) hn_eval_begin(e, saved); /* the current event's memo is gone: begin it again */
    else e->ev = NULL;
  }
  hn_free(syn.slots);
  hn_free(syn.values);
}

/* ---- sequences ----------------------------------------------------------------------------------
 * Partial matches of one key, in creation order (earliest first events first). An event, in
 * processing order, is tested against each partial's current step with that partial's bindings:
 *  - a single step it satisfies is entered: the partial is copied forward (and kept waiting as
 *    well when a later step reads this step's bindings, since a later event could bind them
 *    differently; otherwise the earlier event is always at least as good);
 *  - a repeat step counts every event that satisfies it; once its count is met, an event that
 *    satisfies the next step enters it in a copy, and the repeat keeps counting;
 *  - `until` removes a partial that the event does not complete.
 * A partial whose first event is more than `within` old is dropped. The first partial an event
 * completes fires; then every partial of the key is discarded (re-arm) and the event starts
 * nothing. With a `not` last step, completing the positive steps makes the partial pending
 * until first event + within; an event of the `not` step (with its bindings) cancels it; the
 * deadline fires it. An event that satisfies the first step starts a new partial. */
static uint32_t positive_steps(const hn_corr *C) {
  return C->n_steps && C->steps[C->n_steps - 1].negated ? C->n_steps - 1 : C->n_steps;
}

static const hn_bound *bind_view(hn_corr_engine *c, const hn_corr *C, const partial *p) {
  for (uint32_t i = 0; i < C->n_binds; i++) {
    c->bound[i].v = p->binds ? p->binds[i].v : NULL;
    c->bound[i].n = p->binds ? p->binds[i].n : 0;
  }
  return c->bound;
}

static bool step_holds(hn_corr_engine *c, hn_eval *e, const hn_corr *C, const partial *p, uint32_t step) {
  e->corr = C;
  e->bound = p ? bind_view(c, C, p) : NULL;
  bool r = hn_eval_node(e, C->steps[step].cond);
  e->bound = NULL;
  return r;
}

static uint32_t key_index(const hn_corr *C, uint32_t slot);

/* Whether partials keep entity values: only for entities that are not key paths. */
static bool keeps_ents(const hn_corr *C, const hn_rule *r) {
  for (uint32_t i = 0; i < r->n_entities; i++)
    if (key_index(C, r->entities[i]) == UINT32_MAX) return true;
  return false;
}

/* A partial's arrays exist only when the rule has bindings or non-key entities: most
 * sequences (failures then a success, by user and source) allocate nothing per partial. */
static bool partial_init(const hn_corr *C, const hn_rule *r, partial *p) {
  memset(p, 0, sizeof *p);
  if (C->n_binds && !(p->binds = hn_calloc(C->n_binds, sizeof *p->binds))) return false;
  if (keeps_ents(C, r) && !(p->ents = hn_calloc(r->n_entities, sizeof *p->ents))) return false;
  return true;
}

static bool partial_copy(const hn_corr *C, const hn_rule *r, partial *d, const partial *s) {
  *d = *s;
  d->binds = NULL;
  d->ents = NULL;
  if (s->binds) {
    if (!(d->binds = hn_calloc(C->n_binds, sizeof *d->binds))) return false;
    for (uint32_t i = 0; i < C->n_binds; i++)
      if (!vals_copy(&d->binds[i], &s->binds[i])) return false;
  }
  if (s->ents) {
    if (!(d->ents = hn_calloc(r->n_entities, sizeof *d->ents))) return false;
    for (uint32_t i = 0; i < r->n_entities; i++)
      if (!vals_copy(&d->ents[i], &s->ents[i])) return false;
  }
  return true;
}

/* Records the event as one of the match's: bindings of `step` (its first event), entities. */
static uint32_t key_index(const hn_corr *C, uint32_t slot) {
  for (uint32_t j = 0; j < C->n_keys; j++)
    if (C->keys[j] == slot) return j;
  return UINT32_MAX;
}

static bool partial_take(const hn_corr *C, const hn_rule *r, partial *p, const hn_event *ev, uint32_t step, bool first,
                         int64_t t, uint64_t line, uint64_t offset) {
  if (first && p->binds)
    for (uint32_t i = 0; i < C->n_binds; i++)
      if (C->binds[i].step == step) {
        const hn_slot *s = &ev->slots[C->binds[i].slot];
        for (uint32_t k = 0; k < s->n; k++)
          if (usable(&ev->values[s->first + k]) && !vals_add(&p->binds[i], &ev->values[s->first + k])) return false;
      }
  for (uint32_t i = 0; p->ents && i < r->n_entities; i++)
    if (key_index(C, r->entities[i]) == UINT32_MAX && !vals_add_distinct(&p->ents[i], ev, r->entities[i]))
      return false; /* an entity that is a key path takes the key's value (seq_alert) */
  if (p->events == 0) p->first_t = t;
  p->last_t = t;
  p->line = line;
  p->offset = offset;
  p->events++;
  return true;
}

static bool binds_step(const hn_corr *C, uint32_t step) {
  for (uint32_t i = 0; i < C->n_binds; i++)
    if (C->binds[i].step == step) return true;
  return false;
}

/* Whether p has matched every positive step. */
static bool complete(const hn_corr *C, const partial *p) {
  uint32_t np = positive_steps(C);
  if (p->step >= np) return true;
  const hn_step *s = &C->steps[p->step];
  /* a repeat as the last positive step completes when its count is met (>=: at the Nth) */
  return p->step + 1 == np && s->repeat_op && p->count >= s->repeat && s->repeat_op == HN_REP_GE;
}

static bool seq_push(seqstate *s, const partial *p) {
  if (s->n == s->cap) {
    uint32_t cap = s->cap ? s->cap * 2 : 4;
    partial *np = hn_realloc(s->ps, cap * sizeof *np);
    if (!np) return false;
    s->ps = np;
    s->cap = cap;
  }
  s->ps[s->n++] = *p;
  return true;
}

static void seq_alert(hn_corr_engine *c, hn_eval *e, const hn_event *ev, uint32_t rule, ckey *k, const partial *p,
                      int64_t t, const char *file) {
  const hn_rule *r = &c->p->rules[rule];
  const hn_corr *C = &c->p->corrs[r->corr];
  hn_calert a = {0};
  a.rule = rule;
  a.time = t;
  a.timed = true;
  a.e = ev ? e : NULL;
  a.ev = ev;
  a.ent_slots = r->entities;
  keyview kv;
  key_view(k, C->n_keys, &kv);
  hn_vals ents[HN_MAX_ENTITIES];
  for (uint32_t i = 0; i < r->n_entities && i < HN_MAX_ENTITIES; i++) {
    uint32_t j = key_index(C, r->entities[i]);
    ents[i] = j < kv.n ? kv.s[j] : p->ents ? p->ents[i] : (hn_vals){0};
  }
  a.ent_vals = ents;
  a.n_ent = r->n_entities < HN_MAX_ENTITIES ? r->n_entities : HN_MAX_ENTITIES;
  a.key_slots = C->keys;
  a.key_vals = kv.s;
  a.n_keys = kv.n;
  a.file = file;
  a.line = p->line;
  a.offset = p->offset;
  a.events = p->events;
  hn_corr_alert(c, &a);
}

static void seq_clear(hn_corr_engine *c, const hn_corr *C, const hn_rule *r, seqstate *s) {
  for (uint32_t i = 0; i < s->n; i++) partial_free(c, C, r, &s->ps[i]);
  s->n = 0;
}

/* repeat == N as the first step: no other event of that step in the span before the match's
 * first event (§10.7 rule 3). */
static bool first_exact_ok(const hn_corr *C, const partial *p, int64_t t_last) {
  return C->steps[0].repeat_op != HN_REP_EQ || p->prev_s0 == INT64_MIN || p->prev_s0 < t_last - C->window;
}

/* Enters step j of (a copy of) p with the current event; the result is pushed to s. Returns
 * 1 when the copy completed the match, 0 otherwise, -1 out of memory. */
static int enter(hn_corr_engine *c, const hn_corr *C, const hn_rule *r, seqstate *s, const partial *p, uint32_t j,
                 const hn_event *ev, int64_t t, uint64_t line, uint64_t offset, bool copy, uint32_t *done) {
  partial q;
  if (copy) {
    if (!partial_copy(C, r, &q, p)) { partial_free(c, C, r, &q); return -1; }
  } else {
    q = *p;
  }
  if (!partial_take(C, r, &q, ev, j, true, t, line, offset)) { partial_free(c, C, r, &q); return -1; }
  if (C->steps[j].repeat_op) { q.step = j; q.count = 1; }
  else { q.step = j + 1; q.count = 0; }
  if (!seq_push(s, &q)) { partial_free(c, C, r, &q); return -1; }
  if (complete(C, &s->ps[s->n - 1]) && t - s->ps[s->n - 1].first_t <= C->window &&
      first_exact_ok(C, &s->ps[s->n - 1], t)) {
    *done = s->n - 1;
    return 1;
  }
  return 0;
}

static void pend(hn_corr_engine *c, const hn_corr *C, seqstate *s, uint32_t i, uint32_t ki) {
  partial *p = &s->ps[i];
  p->pending = true;
  p->deadline = p->first_t + C->window;
  dl_push(c, p->deadline, ki, 1);
}

static void seq_key(hn_corr_engine *c, hn_eval *e, const hn_event *ev, uint32_t rule, size_t kn, const hn_value **vals,
                    int64_t t, const char *file, uint64_t line, uint64_t offset) {
  const hn_rule *r = &c->p->rules[rule];
  const hn_corr *C = &c->p->corrs[r->corr];
  bool starts = step_holds(c, e, C, NULL, 0);
  bool fresh;
  uint32_t ki = key_find(c, kn, starts, &fresh);
  if (ki == UINT32_MAX) return;
  ckey *k = &c->keys[ki];
  (void)vals;
  if (fresh) k->st.s.last_s0 = INT64_MIN;
  touch(c, ki);
  seqstate *s = &k->st.s;
  uint32_t np = positive_steps(C), n0 = s->n, done = UINT32_MAX, gen0 = k->gen;
  bool absence = np < C->n_steps;
  for (uint32_t i = 0; i < n0 && done == UINT32_MAX; i++) {
    partial *p = &s->ps[i];
    if (p->dead) continue;
    if (p->pending) { /* absence: the `not` step's event in time cancels it; so does until */
      if (t <= p->deadline && step_holds(c, e, C, p, C->n_steps - 1)) p->dead = true;
      else if (C->until != UINT32_MAX) {
        e->corr = C;
        e->bound = bind_view(c, C, p);
        p->dead = hn_eval_node(e, C->until);
        e->bound = NULL;
      }
      continue;
    }
    if (t - p->first_t > C->window) { p->dead = true; continue; } /* can no longer complete */
    bool until = false;
    if (C->until != UINT32_MAX) {
      e->corr = C;
      e->bound = bind_view(c, C, p);
      until = hn_eval_node(e, C->until);
      e->bound = NULL;
    }
    const hn_step *st = &C->steps[p->step];
    uint32_t nfirst = s->n;
    int rc = 0;
    if (st->repeat_op && p->count > 0) {
      bool met = st->repeat_op == HN_REP_GE ? p->count >= st->repeat : p->count == st->repeat;
      if (met && p->step + 1 < np && step_holds(c, e, C, p, p->step + 1))
        rc = enter(c, C, r, s, p, p->step + 1, ev, t, line, offset, true, &done);
      p = &s->ps[i];
      if (rc >= 0 && step_holds(c, e, C, p, p->step)) {
        p->count++;
        if (!partial_take(C, r, p, ev, p->step, false, t, line, offset)) rc = -1;
        else if (complete(C, p) && t - p->first_t <= C->window && done == UINT32_MAX) done = i;
      }
    } else if (step_holds(c, e, C, p, p->step)) {
      /* kept waiting only when a later step reads this one's bindings */
      bool keep = binds_step(C, p->step);
      rc = enter(c, C, r, s, p, p->step, ev, t, line, offset, keep, &done);
      p = &s->ps[i];
      if (!keep) { /* moved forward: the copy owns its values now */
        memset(p, 0, sizeof *p);
        p->dead = true;
      }
    }
    if (rc < 0) { c->failed = true; return; }
    if (until && done == UINT32_MAX) { /* the event lies inside every match of this partial */
      s->ps[i].dead = true;
      for (uint32_t j = nfirst; j < s->n; j++) s->ps[j].dead = true;
    }
    if (absence && done != UINT32_MAX) { /* every positive step matched: wait for the deadline */
      pend(c, C, s, done, ki);
      done = UINT32_MAX;
    }
  }
  if (done == UINT32_MAX && starts) {
    partial p0;
    if (!partial_init(C, r, &p0)) { partial_free(c, C, r, &p0); c->failed = true; return; }
    p0.prev_s0 = s->last_s0;
    int rc = enter(c, C, r, s, &p0, 0, ev, t, line, offset, false, &done);
    if (rc < 0) { c->failed = true; return; }
    if (absence && done != UINT32_MAX) {
      pend(c, C, s, done, ki);
      done = UINT32_MAX;
    }
  }
  if (starts) s->last_s0 = t;
  if (done != UINT32_MAX) {
    uint32_t gen = k->gen;
    partial fired = s->ps[done];
    s->ps[done].binds = NULL; /* moved */
    s->ps[done].ents = NULL;
    seq_alert(c, e, ev, rule, k, &fired, t, file);
    partial_free(c, C, r, &fired);
    k = &c->keys[ki];
    if (k->live && k->gen == gen) seq_clear(c, C, r, &k->st.s); /* re-arm */
  }
  k = &c->keys[ki];
  if (!k->live || k->gen != gen0) return;
  s = &k->st.s;
  /* compact: drop dead partials, keeping order */
  uint32_t w = 0;
  for (uint32_t i = 0; i < s->n; i++) {
    if (s->ps[i].dead) { partial_free(c, C, r, &s->ps[i]); continue; }
    s->ps[w++] = s->ps[i];
  }
  s->n = w;
  if (!s->n && !starts) { key_drop(c, ki); return; }
  account(c, ki);
  enforce(c, ki);
}

static void absence_deadline(hn_corr_engine *c, hn_eval *e, const deadline *d, const char *file) {
  ckey *k = &c->keys[d->key];
  const hn_rule *r = &c->p->rules[k->rule];
  const hn_corr *C = &c->p->corrs[r->corr];
  seqstate *s = &k->st.s;
  for (uint32_t i = 0; i < s->n; i++) {
    partial *p = &s->ps[i];
    if (!p->pending || p->dead || p->deadline != d->t) continue;
    uint32_t gen = k->gen, ki = d->key;
    partial fired = *p;
    p->binds = NULL;
    p->ents = NULL;
    p->dead = true;
    seq_alert(c, e, NULL, k->rule, k, &fired, d->t, file);
    partial_free(c, C, r, &fired);
    k = &c->keys[ki];
    if (k->live && k->gen == gen) {
      seq_clear(c, C, r, &k->st.s); /* re-arm */
      key_drop(c, ki);
    }
    return;
  }
}

/* ---- the event loop --------------------------------------------------------------------------- */
static void process_rule(hn_corr_engine *c, hn_eval *e, const hn_event *ev, uint32_t ri, int64_t t, const char *file,
                         uint64_t line, uint64_t offset);

static void process(hn_corr_engine *c, hn_eval *e, const hn_event *ev, int64_t t, const char *file, uint64_t line,
                    uint64_t offset) {
  for (uint32_t i = 0; i < c->n_on_events; i++) process_rule(c, e, ev, c->on_events[i], t, file, line, offset);
}

/* False when the event alone decides that condition n fails, whatever the bindings: a
 * conjunct that reads no binding is false. */
static bool may_hold(hn_eval *e, uint32_t n) {
  const hn_bnode *b = &e->p->bnodes[n];
  if (!b->dyn) return hn_eval_node(e, n);
  if (b->op == HN_B_AND) {
    for (uint32_t k = 0; k < b->n; k++)
      if (!may_hold(e, e->p->kids[b->first + k])) return false;
    return true;
  }
  if (b->op == HN_B_OR) {
    for (uint32_t k = 0; k < b->n; k++)
      if (may_hold(e, e->p->kids[b->first + k])) return true;
    return false;
  }
  return true;
}

/* One correlation rule on one event (or alert). */
static void process_rule(hn_corr_engine *c, hn_eval *e, const hn_event *ev, uint32_t ri, int64_t t, const char *file,
                         uint64_t line, uint64_t offset) {
  const hn_program *p = c->p;
  const hn_rule *r = &p->rules[ri];
  if (r->kind == HN_R_AGGREGATE) {
    if (!hn_eval_node(e, r->cond)) return;
    if (!each_key(c, e, ev, ri, t, file, line, offset, agg_key)) c->stats.no_key++;
    return;
  }
  const hn_corr *C = &p->corrs[r->corr];
  /* only events some step or until could take need a key (the rest leave no trace); a step
   * that reads bindings is tested per partial, but its event-only conjuncts gate it here */
  bool any = false, maybe = false;
  for (uint32_t s = 0; s < C->n_steps && !any; s++) {
    if (p->bnodes[C->steps[s].cond].dyn) maybe = maybe || may_hold(e, C->steps[s].cond);
    else any = hn_eval_node(e, C->steps[s].cond);
  }
  if (!any && C->until != UINT32_MAX) {
    if (p->bnodes[C->until].dyn) maybe = maybe || may_hold(e, C->until);
    else any = hn_eval_node(e, C->until);
  }
  if (!any && !maybe) return;
  /* an event only a binding step might take, without a key, is no loss worth counting */
  if (!each_key(c, e, ev, ri, t, file, line, offset, seq_key) && any) c->stats.no_key++;
}

/* ---- rules over alerts (§10.9) ----------------------------------------------------------------
 * An alert raised (and not suppressed) for a rule that others read is copied with the fields
 * it carries: a single-event or sequence alert its event's fields, an aggregation alert its
 * group-by values, an absence its key and entity values; plus alert.*. The copies wait in a
 * queue read after the current event (and at the end of the input): every reader, in rule
 * order, sees every alert in the order raised, and their own alerts join the queue (chains). */
static const char *entity_kind(const hn_program *p, uint32_t slot) {
  const char *path = p->fields[slot].path;
  size_t n = strlen(path);
  static const char *const hosts[] = {"host.name", "host.hostname", "Computer", "winlog.computer_name", NULL};
  static const char *const users[] = {"user.name", "User", "TargetUserName", "SubjectUserName", NULL};
  for (int i = 0; hosts[i]; i++) {
    size_t k = strlen(hosts[i]);
    if (n >= k && strcmp(path + n - k, hosts[i]) == 0) return "host";
  }
  for (int i = 0; users[i]; i++) {
    size_t k = strlen(users[i]);
    if (n >= k && strcmp(path + n - k, users[i]) == 0) return "user";
  }
  return p->fields[slot].type == HN_FT_IP ? "ip" : path;
}

static bool put_str(hn_vals *v, const char *s, size_t n) {
  hn_value x;
  memset(&x, 0, sizeof x);
  x.kind = HN_V_STRING;
  x.u.s = s;
  x.len = (uint32_t)n;
  return vals_add(v, &x);
}

static bool put_int(hn_vals *v, uint8_t kind, int64_t i) {
  hn_value x;
  memset(&x, 0, sizeof x);
  x.kind = kind;
  x.u.i = i;
  return vals_add(v, &x);
}

/* The values a slot of the copied alert takes, appended to out. */
static bool alert_values(const hn_program *p, const uint32_t *aslot, const hn_calert *a, uint32_t slot, hn_vals *out,
                         bool *list) {
  const hn_rule *r = &p->rules[a->rule];
  int which = -1;
  for (int i = 0; i < 11; i++)
    if (aslot[i] == slot) which = i;
  *list = which == 3 || which == 4 || which == 5 || which == 10;
  bool ok = true;
  switch (which) {
  case 0: return put_str(out, r->name, strlen(r->name));
  case 1: { const char *t = r->title ? r->title : r->name; return put_str(out, t, strlen(t)); }
  case 2: return put_int(out, HN_V_INT, r->severity);
  case 3: case 4: case 5:
    for (uint32_t i = 0; i < r->n_tags && ok; i++) {
      const char *t = r->tags[i];
      if (which == 3) { ok = put_str(out, t, strlen(t)); continue; }
      const char *x;
      char k = hn_attack_tag(t, &x);
      if (k && (k == 't') == (which == 5)) ok = put_str(out, x, strlen(x));
    }
    return ok;
  case 6: return !r->control || put_str(out, r->control, strlen(r->control));
  case 7: return !r->service || put_str(out, r->service, strlen(r->service));
  case 8: return !a->timed || put_int(out, HN_V_TIME, a->time);
  case 9: return put_int(out, HN_V_INT, (int64_t)(a->count ? a->count : 1));
  case 10:
    for (uint32_t i = 0; i < r->n_entities && ok; i++) {
      const hn_value *v = NULL;
      uint32_t n = 0;
      if (i < a->n_ent) { v = a->ent_vals[i].v; n = a->ent_vals[i].n; }
      else if (a->ev) { v = a->ev->values + a->ev->slots[r->entities[i]].first; n = a->ev->slots[r->entities[i]].n; }
      for (uint32_t k = 0; k < n && ok; k++) {
        if (v[k].kind != HN_V_STRING) continue; /* addresses and numbers: kind:text below */
        const char *kind = entity_kind(p, r->entities[i]);
        size_t kl = strlen(kind);
        char *b = hn_malloc(kl + 1 + HN_CASE_ROOM(v[k].len)); /* folding may grow text */
        if (!b) return false;
        memcpy(b, kind, kl);
        b[kl] = ':';
        size_t m = v[k].len;
        if (strcmp(kind, "host") == 0 || strcmp(kind, "user") == 0) m = hn_fold(v[k].u.s, v[k].len, b + kl + 1);
        else memcpy(b + kl + 1, v[k].u.s, m);
        ok = put_str(out, b, kl + 1 + m);
        hn_free(b);
      }
    }
    return ok;
  default: break;
  }
  /* the event fields it carries */
  const hn_value *v = NULL;
  uint32_t n = 0;
  if (r->kind == HN_R_AGGREGATE || !a->ev) {
    for (uint32_t i = 0; i < a->n_keys && !n; i++)
      if (a->key_slots[i] == slot) { v = a->key_vals[i].v; n = a->key_vals[i].n; }
    for (uint32_t i = 0; i < a->n_ent && !n; i++)
      if (a->ent_slots[i] == slot) { v = a->ent_vals[i].v; n = a->ent_vals[i].n; }
  } else {
    v = a->ev->values + a->ev->slots[slot].first;
    n = a->ev->slots[slot].n;
    *list = (a->ev->slots[slot].flags & HN_SLOT_ARRAY) != 0;
  }
  for (uint32_t k = 0; k < n && ok; k++) ok = vals_add(out, &v[k]);
  return ok;
}

static void enqueue(hn_corr_engine *c, const hn_calert *a) {
  const hn_program *p = c->p;
  if (c->qn == c->qcap) {
    uint32_t cap = c->qcap ? c->qcap * 2 : 16;
    aevent *nq = hn_realloc(c->q, cap * sizeof *nq);
    if (!nq) { c->failed = true; return; }
    c->q = nq;
    c->qcap = cap;
  }
  aevent *q = &c->q[c->qn];
  memset(q, 0, sizeof *q);
  q->rule = a->rule;
  q->t = a->timed ? a->time : c->watermark;
  q->line = a->line;
  q->offset = a->offset;
  if (!hn_alert_event(p, c->aslot, a, &q->ev)) {
    c->failed = true;
    return;
  }
  c->qn++;
}

void hn_alert_slots(const hn_program *p, uint32_t aslot[11]) {
  for (int i = 0; i < 11; i++) {
    aslot[i] = UINT32_MAX;
    for (uint32_t f = 0; f < p->n_fields; f++)
      if (strcmp(p->fields[f].path, alert_paths[i]) == 0) aslot[i] = f;
  }
}

bool hn_alert_event(const hn_program *p, const uint32_t aslot[11], const hn_calert *a, hn_event *ev) {
  memset(ev, 0, sizeof *ev);
  ev->n_slots = p->n_fields;
  ev->slots = hn_calloc(p->n_fields ? p->n_fields : 1, sizeof *ev->slots);
  hn_vals all = {0};
  bool ok = ev->slots != NULL;
  const hn_rule *r = &p->rules[a->rule];
  for (uint32_t s = 0; s < p->n_fields && ok; s++) {
    bool list = false;
    ev->slots[s].first = all.n;
    uint32_t src = s; /* `alias s = src` in the rule: the alert carries src's values as s */
    for (uint32_t k = 0; k < r->n_alias; k++)
      if (r->alias_to[k] == s) src = r->alias_from[k];
    ok = alert_values(p, aslot, a, src, &all, &list);
    ev->slots[s].n = all.n - ev->slots[s].first;
    if (list) ev->slots[s].flags = HN_SLOT_ARRAY;
  }
  ev->values = all.v;
  ev->n_values = all.n;
  if (!ok) {
    vals_free(&all);
    hn_free(ev->slots);
    memset(ev, 0, sizeof *ev);
  }
  return ok;
}

void hn_alert_event_free(hn_event *ev) {
  for (size_t v = 0; v < ev->n_values; v++)
    if (ev->values[v].kind == HN_V_STRING) hn_free((char *)ev->values[v].u.s);
  hn_free(ev->values);
  hn_free(ev->slots);
  memset(ev, 0, sizeof *ev);
}

const char *hn_entity_kind(const hn_program *p, uint32_t slot) { return entity_kind(p, slot); }

double hn_rt_hnode(hn_eval *e, uint32_t corr, uint32_t node, const hn_value *agg) {
  hn_value v = having(e, &e->p->corrs[corr], node, agg);
  switch (v.kind) {
  case HN_V_BOOL: return v.u.i ? 1 : 0;
  case HN_V_INT: case HN_V_TIME: return (double)v.u.i;
  case HN_V_FLOAT: return v.u.f;
  default: return NAN;
  }
}

hn_value hn_score_eval(hn_eval *e, const hn_corr *C, const hn_event *incident, const hn_event *const *alerts, uint32_t n,
                       bool native) {
  hn_value r;
  memset(&r, 0, sizeof r);
  r.kind = HN_V_NULL;
  agroup g;
  memset(&g, 0, sizeof g);
  bool ok = true;
  for (uint32_t i = 0; i < n && ok && C->n_aggs; i++) { /* the aggregates over the alerts */
    hn_eval_begin(e, alerts[i]);
    ok = add_event(NULL, C, &g, e, i); /* one row per alert, and its values */
  }
  hn_value agg[64];
  uint64_t rows;
  if (ok && C->n_aggs <= 64 && aggregates(C, &g, agg, &rows)) {
    if (!C->n_aggs) rows = n;
    hn_eval_begin(e, incident);
    if (native && e->p->native_score) { /* the same value, computed by the score's native code */
      double d = e->p->native_score(e, (uint32_t)(C - e->p->corrs), agg);
      r.kind = isnan(d) ? HN_V_NULL : HN_V_FLOAT;
      r.u.f = d;
    } else {
      r = having(e, C, C->having, agg);
    }
  }
  items_clear(&g);
  hn_free(g.ts);
  if (g.vals) hn_free(g.vals->it);
  hn_free(g.vals);
  return r;
}

bool hn_agg_over(hn_eval *e, const hn_corr *C, uint32_t agg, uint32_t n, hn_row_fn begin, void *ud, hn_value *out) {
  hn_corr one = *C; /* the aggregate alone: each aggregate of a KPI has rows of its own */
  one.aggs = &C->aggs[agg];
  one.n_aggs = 1;
  agroup g;
  memset(&g, 0, sizeof g);
  bool ok = true;
  for (uint32_t i = 0; i < n && ok; i++)
    if (begin(ud, i, e)) ok = add_event(NULL, &one, &g, e, i);
  uint64_t rows;
  ok = ok && aggregates(&one, &g, out, &rows);
  items_clear(&g);
  hn_free(g.ts);
  if (g.vals) hn_free(g.vals->it);
  hn_free(g.vals);
  return ok;
}

hn_value hn_having_value(hn_eval *e, const hn_corr *C, uint32_t h, const hn_value *agg) {
  const hn_event *ev = e->ev;
  e->ev = NULL;
  hn_value v = having(e, C, h, agg);
  e->ev = ev;
  return v;
}

/* Reads the queued alerts into the rules over them. */
static void drain(hn_corr_engine *c) {
  const hn_program *p = c->p;
  while (c->qhead < c->qn && !c->failed) {
    aevent a = c->q[c->qhead++]; /* a copy: readers' alerts may grow the queue */
    hn_eval *e = &c->e2;
    hn_eval_begin(e, &a.ev);
    for (uint32_t k = c->readers_first[a.rule]; k < c->readers_first[a.rule + 1]; k++) {
      uint32_t ri = c->readers[k];
      const hn_rule *r = &p->rules[ri];
      if (r->corr != UINT32_MAX) { /* alerts are never late (§10.12) */
        process_rule(c, e, &a.ev, ri, a.t, c->file, a.line, a.offset);
        continue;
      }
      if (!hn_eval_node(e, r->cond)) continue;
      hn_calert out = {0};
      out.rule = ri;
      out.time = a.t;
      out.timed = true;
      out.e = e;
      out.ev = &a.ev;
      out.file = c->file;
      out.line = a.line;
      out.offset = a.offset;
      hn_corr_alert(c, &out);
    }
    for (size_t v = 0; v < a.ev.n_values; v++)
      if (a.ev.values[v].kind == HN_V_STRING) hn_free((char *)a.ev.values[v].u.s);
    hn_free(a.ev.values);
    hn_free(a.ev.slots);
  }
  if (c->qhead == c->qn) c->qhead = c->qn = 0;
}

/* Moves the watermark to w: held events at or before it are processed, and deadlines before
 * it fire, in time order (an event at a deadline's time comes first). */
static void advance(hn_corr_engine *c, hn_eval *e, int64_t w) {
  if (w > c->watermark) c->watermark = w;
  for (;;) {
    bool ev_ready = c->n_hq && c->hq[0].t <= c->watermark;
    bool dl_ready = c->n_dl && c->dl[0].t < c->watermark;
    if (!ev_ready && !dl_ready) break;
    if (ev_ready && (!dl_ready || c->hq[0].t <= c->dl[0].t)) {
      held h = hq_pop(c);
      hn_decode_error de;
      hn_status st = hn_decode(c->p->decoder, h.line, h.len, &c->ev2, &de);
      if (st == HN_OK) {
        hn_eval_begin(e, &c->ev2);
        process(c, e, &c->ev2, h.t, h.file, h.lineno, h.offset);
      } else if (st == HN_ERR_NOMEM) {
        c->failed = true; /* the event was decoded once: only memory can fail it now */
      }
      hn_free(h.line);
      continue;
    }
    deadline d = dl_pop(c);
    ckey *k = &c->keys[d.key];
    if (!k->live || k->gen != d.gen) continue;
    if (d.what == 0) agg_deadline(c, e, &d, c->file);
    else absence_deadline(c, e, &d, c->file);
  }
}

static int corr_event(hn_corr_engine *c, hn_eval *e, const hn_event *ev, const char *line, size_t len,
                      const char *file, uint64_t lineno, uint64_t offset);

static bool event_time(const hn_program *p, const hn_event *ev, int64_t *t) {
  if (p->time_slot < 0) return false;
  const hn_slot *s = &ev->slots[p->time_slot];
  for (uint32_t i = 0; i < s->n; i++)
    if (ev->values[s->first + i].kind == HN_V_TIME) {
      *t = ev->values[s->first + i].u.i;
      /* beyond the years 1824-2116 a window's end or a deadline would overflow (a time of
       * 2262 wrapped to 1677): such an event counts as one without a time (§10.12) */
      return *t >= -HN_TIME_BOUND && *t <= HN_TIME_BOUND;
    }
  return false;
}

int hn_corr_event(hn_corr_engine *c, hn_eval *e, const hn_event *ev, const char *line, size_t len, const char *file,
                  uint64_t lineno, uint64_t offset) {
  c->file = file;
  int r = corr_event(c, e, ev, line, len, file, lineno, offset);
  drain(c); /* the alerts this event raised, to the rules over them */
  return c->failed ? -1 : r;
}

/* Copies the event's text into the held events. */
static bool hold(hn_corr_engine *c, int64_t t, const char *line, size_t len, const char *file, uint64_t lineno,
                 uint64_t offset) {
  held h = {t, c->seq++, hn_malloc(len ? len : 1), len, file, lineno, offset};
  if (!h.line) return false;
  memcpy(h.line, line, len);
  if (hq_push(c, h)) return true;
  hn_free(h.line);
  return false;
}

/* Held events may use half of `memory`: past that, the earliest are released before their
 * lateness is up (the watermark moves to them; counted). Events ahead of the clock are never
 * released early: the watermark would move with them. */
static void bound_held(hn_corr_engine *c, hn_eval *e) {
  while (c->stats.held_bytes > c->p->memory / 2 && c->n_hq && c->hq[0].t <= c->max_t) {
    uint32_t before = c->n_hq;
    advance(c, e, c->hq[0].t);
    c->stats.released += before - c->n_hq;
  }
}

bool hn_time_ahead(const hn_program *p, int64_t *wall, int64_t t) {
  /* the clock only moves forward: an event not ahead of an earlier reading is not ahead now */
  uint64_t skew = (uint64_t)p->max_skew;
  if (p->max_skew <= 0 || (*wall && (t <= *wall || (uint64_t)t - (uint64_t)*wall <= skew))) return false;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  *wall = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
  return t > *wall && (uint64_t)t - (uint64_t)*wall > skew;
}

static int corr_event(hn_corr_engine *c, hn_eval *e, const hn_event *ev, const char *line, size_t len,
                      const char *file, uint64_t lineno, uint64_t offset) {
  if (!c->p->n_corrs) return 0;
  int64_t t;
  if (!event_time(c->p, ev, &t)) { /* counted, and takes the watermark as its time (§5.2) */
    c->stats.untimed++;
    t = c->watermark;
  }
  if (c->any_t && t < c->watermark) {
    c->stats.late++;
    return HN_CORR_LATE;
  }
  if (hn_time_ahead(c->p, &c->wall, t)) { /* held without moving the watermark (§10.12) */
    c->stats.ahead++;
    if (c->stats.held_bytes + sizeof(held) + len > c->p->memory / 2) {
      c->stats.dropped++;
      return HN_CORR_DROPPED;
    }
    return hold(c, t, line, len, file, lineno, offset) ? HN_CORR_AHEAD : -1;
  }
  if (!c->any_t || t > c->max_t) c->max_t = t;
  c->any_t = true;
  int64_t w = c->max_t - c->p->lateness;
  if (c->p->lateness <= 0) {
    const hn_event *cur = ev;
    advance(c, e, w);
    if (e->ev != cur) hn_eval_begin(e, cur); /* a deadline used the evaluator */
    process(c, e, ev, t, file, lineno, offset);
  } else {
    if (!hold(c, t, line, len, file, lineno, offset)) return -1;
    advance(c, e, w);
    bound_held(c, e);
  }
  enforce(c, UINT32_MAX);
  return c->failed ? -1 : HN_CORR_TAKEN;
}

hn_status hn_corr_advance(hn_corr_engine *c, hn_eval *e, int64_t w) {
  drain(c);
  if (!c->p->n_corrs) return c->failed ? HN_ERR_NOMEM : HN_OK;
  for (int round = 0; round < 64; round++) { /* as hn_corr_finish: alerts of closed windows feed rules over alerts */
    advance(c, e, w);
    if (c->qhead == c->qn) break;
    drain(c);
  }
  return c->failed ? HN_ERR_NOMEM : HN_OK;
}

int64_t hn_corr_watermark(const hn_corr_engine *c) { return c->watermark; }

hn_status hn_corr_finish(hn_corr_engine *c, hn_eval *e) {
  drain(c);
  if (!c->p->n_corrs) return c->failed ? HN_ERR_NOMEM : HN_OK;
  /* windows closed at the end raise alerts that rules over alerts may read, whose own
   * windows then close too */
  for (int round = 0; round < 64; round++) {
    advance(c, e, INT64_MAX);
    if (c->qhead == c->qn) break;
    drain(c);
  }
  return c->failed ? HN_ERR_NOMEM : HN_OK;
}

/* ---- checkpoints -----------------------------------------------------------------------------
 * The state is written as a flat binary record through a checksumming writer (ckpt.h; the
 * runner's header holds the byte order, the sum and the program's hash): the rules by name and
 * fingerprint, the clock, every key from the least to the most recently updated with its
 * state, the pending deadlines and the held events. A rule is found again by its name and
 * restored only when its fingerprint (its logic, keys, window, steps, entities and
 * suppression, hashed by content, not by slot or node numbers) is unchanged, so a new pack
 * version keeps the state of the rules it did not touch. Loading trusts nothing: a state
 * whose checksum passed is still checked, length by length and index by index. */
static uint64_t fp_mix(uint64_t h, uint64_t v) { return hn_hash_mix(h ^ v, 0x9E3779B97F4A7C15ull); }
static uint64_t fp_str(uint64_t h, const char *s) { return fp_mix(h, s ? hn_hash_bytes(s, strlen(s)) : 1); }
static uint64_t fp_slot(const hn_program *p, uint64_t h, uint32_t slot) {
  if (slot >= p->n_fields) return fp_mix(h, slot);
  return fp_mix(fp_str(h, p->fields[slot].path), p->fields[slot].type);
}

static uint64_t fp_const(const hn_program *p, uint64_t h, uint32_t i) {
  const hn_const *c = &p->consts[i];
  h = fp_mix(h, (uint64_t)c->kind << 16 | (uint64_t)c->prefix << 8 | c->v6);
  h = fp_mix(h, c->folded);
  if (c->kind == HN_V_STRING) return fp_mix(h, hn_hash_bytes(c->u.s, c->len));
  if (c->kind == HN_V_IP) return fp_mix(h, hn_hash_bytes(c->u.ip, 16));
  return fp_mix(h, (uint64_t)c->u.i);
}

static uint64_t fp_bnode(const hn_program *p, uint64_t h, uint32_t i);

static uint64_t fp_vexpr(const hn_program *p, uint64_t h, uint32_t i) {
  if (i == UINT32_MAX) return fp_mix(h, 7);
  const hn_vexpr *x = &p->vexprs[i];
  h = fp_mix(h, (uint64_t)x->op << 8 | x->type);
  switch (x->op) {
  case HN_VX_FIELD: return fp_slot(p, h, x->a);
  case HN_VX_CONST: return fp_const(p, h, x->a);
  case HN_VX_BOUND: return fp_slot(p, fp_mix(h, x->a), x->b);
  case HN_VX_COND: return fp_vexpr(p, fp_bnode(p, h, x->a), x->b);
  case HN_VX_NEG: case HN_VX_LOWER: case HN_VX_UPPER: case HN_VX_LEN: case HN_VX_ABS: return fp_vexpr(p, h, x->a);
  case HN_VX_TIMEPART: return fp_vexpr(p, fp_mix(h, x->b), x->a);
  default: return fp_vexpr(p, fp_vexpr(p, h, x->a), x->b);
  }
}

static uint64_t fp_bnode(const hn_program *p, uint64_t h, uint32_t i) {
  if (i == UINT32_MAX) return fp_mix(h, 9);
  const hn_bnode *b = &p->bnodes[i];
  h = fp_mix(h, b->op);
  switch (b->op) {
  case HN_B_PRED: {
    const hn_pred *pr = &p->preds[b->a];
    h = fp_mix(h, (uint64_t)pr->op << 8 | pr->flags);
    h = fp_vexpr(p, fp_vexpr(p, h, pr->lhs), pr->rhs);
    if (pr->op == HN_P_EXISTS || pr->op == HN_P_MISSING) h = fp_slot(p, h, pr->slot);
    for (uint32_t k = 0; k < pr->n; k++) h = fp_const(p, h, pr->first + k);
    return h;
  }
  case HN_B_NOT: return fp_bnode(p, h, b->a);
  case HN_B_AND: case HN_B_OR:
    for (uint32_t k = 0; k < b->n; k++) h = fp_bnode(p, h, p->kids[b->first + k]);
    return h;
  default: return h;
  }
}

/* A correlation's shape: keys, window, aggregates, having, steps, until, bindings. */
static uint64_t fp_corr(const hn_program *p, uint64_t h, const hn_corr *C) {
  for (uint32_t i = 0; i < C->n_keys; i++) h = fp_slot(p, h, C->keys[i]);
  h = fp_mix(fp_mix(h, (uint64_t)C->window), C->tumbling);
  for (uint32_t i = 0; i < C->n_aggs; i++)
    h = fp_bnode(p, fp_vexpr(p, fp_mix(h, (uint64_t)C->aggs[i].kind << 8 | C->aggs[i].type), C->aggs[i].arg),
                 C->aggs[i].cond);
  for (uint32_t i = 0; i < C->n_hn; i++) {
    const hn_hnode *n = &C->hn[i];
    h = fp_mix(h, (uint64_t)n->op << 40 | (uint64_t)n->cmp << 32 | n->b);
    h = n->op == HN_H_CONST ? fp_const(p, h, n->a) : n->op == HN_H_EVENT ? fp_bnode(p, h, n->a) : fp_mix(h, n->a);
  }
  h = fp_mix(h, C->having);
  for (uint32_t i = 0; i < C->n_steps; i++)
    h = fp_bnode(p, fp_mix(h, (uint64_t)C->steps[i].negated << 40 | (uint64_t)C->steps[i].repeat_op << 32 | C->steps[i].repeat),
                 C->steps[i].cond);
  h = fp_bnode(p, h, C->until);
  for (uint32_t i = 0; i < C->n_binds; i++) h = fp_slot(p, fp_mix(h, C->binds[i].step), C->binds[i].slot);
  return h;
}

static uint64_t rule_fingerprint(const hn_program *p, const hn_rule *r) {
  uint64_t h = fp_str(0x1234, r->name);
  h = fp_mix(fp_mix(h, r->kind), (uint64_t)r->suppress);
  h = fp_bnode(p, h, r->cond);
  for (uint32_t i = 0; i < r->n_entities; i++) h = fp_slot(p, h, r->entities[i]);
  for (uint32_t i = 0; i < r->n_supp_keys; i++) h = fp_slot(p, h, r->supp_keys[i]);
  return r->corr == UINT32_MAX ? h : fp_corr(p, h, &p->corrs[r->corr]);
}

/* What incidents and alerts read besides the rules' logic: rule metadata, scores, domains,
 * services, exposures, inventories and settings. */
static uint64_t fp_incidents(const hn_program *p, uint64_t h) {
  for (uint32_t i = 0; i < p->n_rules; i++) {
    const hn_rule *r = &p->rules[i];
    h = fp_str(fp_str(fp_mix(h, (uint64_t)r->severity), r->service), r->control);
    for (uint32_t k = 0; k < r->n_tags; k++) h = fp_str(h, r->tags[k]);
  }
  for (uint32_t i = 0; i < p->n_scores; i++) h = fp_corr(p, fp_str(h, p->scores[i].name), &p->corrs[p->scores[i].corr]);
  for (uint32_t i = 0; i < p->n_domains; i++) {
    const hn_domain *d = &p->domains[i];
    h = fp_bnode(p, fp_mix(fp_str(h, d->name), (uint64_t)d->score << 32 | (uint32_t)d->wip << 1 | d->is_default), d->when);
  }
  for (uint32_t i = 0; i < p->n_services; i++) {
    const hn_service *s = &p->services[i];
    h = fp_mix(fp_str(h, s->name), s->domain);
    for (uint32_t k = 0; k < s->n_states; k++) h = fp_str(h, s->states[k]);
    for (uint32_t k = 0; k < s->n_edges; k++) h = fp_mix(h, (uint64_t)s->edges[k].from << 32 | s->edges[k].to);
    for (uint32_t k = 0; k < s->n_slas; k++) h = fp_mix(fp_mix(h, s->slas[k].state), (uint64_t)s->slas[k].within);
  }
  for (uint32_t i = 0; i < p->n_exposures; i++) {
    const hn_exposure *x = &p->exposures[i];
    h = fp_bnode(p, fp_bnode(p, fp_bnode(p, fp_str(h, x->name), x->open), x->close), x->state);
    h = fp_slot(p, fp_slot(p, fp_mix(h, hn_hash_bytes(&x->weight, sizeof x->weight)), x->open_on), x->close_on);
  }
  for (uint32_t i = 0; i < p->n_assets; i++)
    h = fp_mix(fp_str(h, p->assets[i].name), (uint64_t)p->assets[i].criticality << 40 | p->assets[i].n_vulns);
  for (uint32_t i = 0; i < p->n_identities; i++) h = fp_str(h, p->identities[i].name);
  return fp_mix(fp_mix(h, p->n_asset_addrs), p->incident_score);
}

uint64_t hn_program_hash(const hn_program *p) {
  uint64_t h = fp_mix(0x6E6F726E6574, p->n_fields);
  for (uint32_t i = 0; i < p->n_fields; i++) h = fp_slot(p, h, i);
  h = fp_mix(fp_mix(h, (uint64_t)p->time_slot), p->n_rules);
  for (uint32_t i = 0; i < p->n_rules; i++) h = fp_mix(h, rule_fingerprint(p, &p->rules[i]));
  h = fp_mix(fp_mix(fp_mix(h, (uint64_t)p->lateness), (uint64_t)p->suppress), (uint64_t)p->horizon);
  h = fp_mix(fp_mix(fp_mix(h, p->memory), p->max_keys), (uint64_t)p->max_skew);
  return fp_incidents(p, h);
}


static void save_value_list(hn_ckw *w, const hn_vals *s) {
  hn_ckw_u32(w, s->n);
  for (uint32_t i = 0; i < s->n; i++) hn_ckw_value(w, &s->v[i]);
}

static void save_group(hn_ckw *w, const agroup *g) {
  hn_ckw_u32(w, g->n - g->head);
  for (uint32_t j = g->head; j < g->n; j++) hn_ckw_i64(w, g->ts[j]);
  const vqueue *q = g->vals;
  hn_ckw_u32(w, q ? q->n - q->head : 0);
  for (uint32_t j = q ? q->head : 0; q && j < q->n; j++) {
    hn_ckw_i64(w, q->it[j].t);
    hn_ckw_u32(w, q->it[j].agg);
    hn_ckw_value(w, &q->it[j].v);
  }
  hn_ckw_i64(w, g->win);
  hn_ckw_u8(w, g->open);
  hn_ckw_u64(w, g->line);
  hn_ckw_u64(w, g->offset);
}

static void save_seq(const hn_corr_engine *c, hn_ckw *w, const ckey *k) {
  const hn_rule *r = &c->p->rules[k->rule];
  const hn_corr *C = &c->p->corrs[r->corr];
  const seqstate *q = &k->st.s;
  hn_ckw_u32(w, q->n);
  for (uint32_t j = 0; j < q->n; j++) {
    const partial *pa = &q->ps[j];
    hn_ckw_u32(w, pa->step);
    hn_ckw_u32(w, pa->count);
    hn_ckw_i64(w, pa->first_t);
    hn_ckw_i64(w, pa->last_t);
    hn_ckw_i64(w, pa->deadline);
    hn_ckw_i64(w, pa->prev_s0);
    hn_ckw_u8(w, (uint8_t)(pa->pending | pa->dead << 1));
    hn_ckw_u64(w, pa->line);
    hn_ckw_u64(w, pa->offset);
    hn_ckw_u64(w, pa->events);
    for (uint32_t b = 0; pa->binds && b < C->n_binds; b++) save_value_list(w, &pa->binds[b]);
    for (uint32_t b = 0; pa->ents && b < r->n_entities; b++) save_value_list(w, &pa->ents[b]);
  }
  hn_ckw_i64(w, q->last_s0);
  hn_ckw_u8(w, q->has_s0);
}

static void save_held(const hn_corr_engine *c, hn_ckw *w) {
  hn_ckw_u32(w, c->n_hq);
  for (uint32_t i = 0; i < c->n_hq; i++) {
    const held *h = &c->hq[i];
    hn_ckw_i64(w, h->t);
    hn_ckw_u64(w, h->seq);
    hn_ckw_u64(w, h->lineno);
    hn_ckw_u64(w, h->offset);
    hn_ckw_u32(w, (uint32_t)h->len);
    hn_ckw_bytes(w, h->line, h->len);
  }
}

hn_status hn_corr_save(const hn_corr_engine *c, hn_ckw *w) {
  const hn_program *p = c->p;
  uint32_t *ord = hn_malloc((c->n_keys ? c->n_keys : 1) * sizeof *ord);
  if (!ord) return HN_ERR_NOMEM;
  hn_ckw_u32(w, p->n_rules);
  for (uint32_t r = 0; r < p->n_rules; r++) {
    hn_ckw_str(w, p->rules[r].name ? p->rules[r].name : "");
    hn_ckw_u64(w, rule_fingerprint(p, &p->rules[r]));
  }
  hn_ckw_i64(w, c->max_t);
  hn_ckw_i64(w, c->watermark);
  hn_ckw_u8(w, c->any_t);
  hn_ckw_u64(w, c->seq);
  const hn_corr_stats *s = &c->stats;
  const uint64_t st[] = {s->late, s->untimed, s->no_key, s->evicted, s->suppressed, s->ahead, s->released, s->dropped};
  for (size_t i = 0; i < sizeof st / sizeof *st; i++) hn_ckw_u64(w, st[i]);
  /* keys from the least to the most recently updated; their ordinal names them below */
  hn_ckw_u32(w, (uint32_t)c->stats.keys);
  uint32_t n = 0;
  for (uint32_t i = c->lru_tail; i != UINT32_MAX; i = c->keys[i].prev) {
    const ckey *k = &c->keys[i];
    ord[i] = n++;
    hn_ckw_u32(w, k->kn);
    hn_ckw_bytes(w, k->kb, k->kn);
    if (k->kind == K_SUPP) {
      hn_ckw_i64(w, k->st.u.last);
      hn_ckw_u64(w, k->st.u.suppressed);
    } else if (p->rules[k->rule].kind == HN_R_AGGREGATE) {
      save_group(w, &k->st.g);
    } else {
      save_seq(c, w, k);
    }
  }
  uint32_t nd = 0;
  for (uint32_t i = 0; i < c->n_dl; i++) nd += c->keys[c->dl[i].key].live && c->keys[c->dl[i].key].gen == c->dl[i].gen;
  hn_ckw_u32(w, nd);
  for (uint32_t i = 0; i < c->n_dl; i++) {
    const deadline *d = &c->dl[i];
    if (!c->keys[d->key].live || c->keys[d->key].gen != d->gen) continue;
    hn_ckw_i64(w, d->t);
    hn_ckw_u64(w, d->seq);
    hn_ckw_u32(w, ord[d->key]);
    hn_ckw_u8(w, d->what);
  }
  hn_free(ord);
  save_held(c, w);
  return w->bad ? HN_ERR_IO : HN_OK;
}

/* ---- loading: every length, count and index is checked against what remains and against the
 * program; a problem stops the load (the reader says what and where). */

/* Whether kb[0..kn) is a correlation key as each_key writes them: values of known kinds, each
 * within it (key_view reads them back). Suppression keys are only compared, never parsed. */
static bool key_bytes_valid(const char *kb, size_t kn) {
  size_t at = 5;
  while (at < kn) {
    uint8_t kind = (uint8_t)kb[at++];
    size_t need;
    if (kind == HN_V_STRING) {
      uint32_t len;
      if (kn - at < 4) return false;
      memcpy(&len, kb + at, 4);
      at += 4;
      need = len;
    } else if (kind == HN_V_IP) {
      if (kn - at < 1 || (uint8_t)kb[at] > 1) return false;
      need = 1 + (kb[at] ? 16 : 4);
    } else if (kind == HN_V_NULL || kind == HN_V_BAD) {
      need = 0;
    } else if (kind >= HN_V_BOOL && kind <= HN_V_TIME) {
      need = 8;
    } else {
      return false;
    }
    if (kn - at < need) return false;
    at += need;
  }
  return true;
}

static void load_value_list(hn_ckr *r, hn_vals *s, bool *nomem) {
  uint32_t n = hn_ckr_count(r, 14, "a value list");
  for (uint32_t i = 0; i < n && !r->err; i++) {
    hn_value v;
    if (hn_ckr_value(r, &v, "a value") && !vals_add(s, &v)) *nomem = true;
  }
}

/* A group's window into g (empty); false when out of memory. */
static bool load_group(hn_ckr *r, const hn_corr *C, agroup *g) {
  uint32_t nt = hn_ckr_count(r, 8, "a window's event times");
  for (uint32_t j = 0; j < nt && !r->err; j++)
    if (!times_push(g, hn_ckr_time(r, false, "an event time"))) return false;
  uint32_t ni = hn_ckr_count(r, 26, "a window's values");
  for (uint32_t j = 0; j < ni && !r->err; j++) {
    int64_t t = hn_ckr_time(r, false, "a value's time");
    uint32_t agg = hn_ckr_u32(r, "an aggregate's index");
    hn_value v;
    if (agg >= C->n_aggs) hn_ckr_fail(r, "an aggregate's index");
    if (hn_ckr_value(r, &v, "an aggregated value") && !items_push(g, t, agg, &v)) return false;
  }
  g->win = hn_ckr_i64(r, "a tumbling window");
  if (C->tumbling && (g->win > HN_CK_TIME_BOUND / C->window || g->win < -HN_CK_TIME_BOUND / C->window))
    hn_ckr_fail(r, "a tumbling window"); /* its end, (win + 1) * window, is a time */
  g->open = hn_ckr_bool(r, "a window's flag");
  g->line = hn_ckr_u64(r, "a window's line");
  g->offset = hn_ckr_u64(r, "a window's offset");
  return true;
}

/* A key's partial matches into q (empty); false when out of memory. */
static bool load_seq(hn_ckr *r, const hn_corr *C, const hn_rule *ru, seqstate *q) {
  uint32_t np = hn_ckr_count(r, 65, "a sequence's partial matches");
  for (uint32_t j = 0; j < np && !r->err; j++) {
    partial pa;
    if (!partial_init(C, ru, &pa)) { partial_free(NULL, C, ru, &pa); return false; }
    pa.step = hn_ckr_u32(r, "a partial match's step");
    pa.count = hn_ckr_u32(r, "a repeat count");
    pa.first_t = hn_ckr_time(r, false, "a partial match's time");
    pa.last_t = hn_ckr_time(r, false, "a partial match's time");
    pa.deadline = hn_ckr_time(r, false, "a deadline");
    pa.prev_s0 = hn_ckr_time(r, true, "a partial match's time");
    uint8_t fl = hn_ckr_u8(r, "a partial match's flags");
    pa.pending = fl & 1;
    pa.dead = (fl >> 1) & 1;
    pa.line = hn_ckr_u64(r, "a partial match's line");
    pa.offset = hn_ckr_u64(r, "a partial match's offset");
    pa.events = hn_ckr_u64(r, "a partial match's event count");
    if (fl > 3 || pa.step > C->n_steps) hn_ckr_fail(r, "a partial match's step");
    bool nomem = false;
    for (uint32_t b = 0; pa.binds && b < C->n_binds; b++) load_value_list(r, &pa.binds[b], &nomem);
    for (uint32_t b = 0; pa.ents && b < ru->n_entities; b++) load_value_list(r, &pa.ents[b], &nomem);
    if (!nomem && !r->err && seq_push(q, &pa)) continue;
    partial_free(NULL, C, ru, &pa);
    if (!r->err) return false; /* out of memory */
  }
  q->last_s0 = hn_ckr_time(r, true, "a sequence's time");
  q->has_s0 = hn_ckr_bool(r, "a sequence's flag");
  return true;
}

/* What the loader knows of the state's rules and keys. */
typedef struct loadmap {
  uint32_t nr, nk;
  uint32_t *map;         /* state rule -> program rule, UINT32_MAX: gone or changed */
  uint64_t *dropped;     /* suppression keys dropped per state rule */
  char **names;
  uint32_t *idx;         /* key ordinal -> key index, UINT32_MAX: dropped */
  uint8_t *kinds;        /* key ordinal -> K_STATE or K_SUPP */
} loadmap;

static void loadmap_free(loadmap *m) {
  for (uint32_t i = 0; m->names && i < m->nr; i++) hn_free(m->names[i]);
  hn_free(m->names);
  hn_free(m->map);
  hn_free(m->dropped);
  hn_free(m->idx);
  hn_free(m->kinds);
}

/* The state's rules, found again by name and fingerprint. */
static hn_status load_rules(hn_corr_engine *c, hn_ckr *r, loadmap *m, char *err, size_t errlen) {
  const hn_program *p = c->p;
  m->nr = hn_ckr_count(r, 12, "the rule count");
  m->map = hn_calloc(m->nr ? m->nr : 1, sizeof *m->map);
  m->dropped = hn_calloc(m->nr ? m->nr : 1, sizeof *m->dropped);
  m->names = hn_calloc(m->nr ? m->nr : 1, sizeof *m->names);
  if (!m->map || !m->dropped || !m->names) return HN_ERR_NOMEM;
  uint32_t found = 0;
  for (uint32_t i = 0; i < m->nr && !r->err; i++) {
    bool null;
    m->names[i] = hn_ckr_str(r, &null, "a rule name");
    uint64_t fp = hn_ckr_u64(r, "a rule fingerprint");
    m->map[i] = UINT32_MAX;
    if (!m->names[i]) { hn_ckr_fail(r, "a rule name"); break; }
    for (uint32_t j = 0; j < p->n_rules; j++) {
      if (!p->rules[j].name || strcmp(p->rules[j].name, m->names[i]) != 0) continue;
      found++;
      if (rule_fingerprint(p, &p->rules[j]) == fp) m->map[i] = j;
    }
  }
  if (!r->err && m->nr && !found) {
    snprintf(err, errlen, "written for another pack: none of its %u rules (the first: '%s') is in this one", m->nr,
             m->names[0]);
    return HN_ERR_SYNTAX;
  }
  return HN_OK;
}

/* One key and its state; HN_ERR_SYNTAX with err for a changed rule holding correlation state. */
static hn_status load_key(hn_corr_engine *c, hn_ckr *r, loadmap *m, uint32_t o, char *err, size_t errlen) {
  const hn_program *p = c->p;
  m->idx[o] = UINT32_MAX;
  uint32_t kn = hn_ckr_u32(r, "a key's length");
  const char *kb = kn >= 5 ? hn_ckr_bytes(r, kn, "a key") : NULL;
  uint32_t old = 0;
  if (kb) memcpy(&old, kb, 4);
  uint8_t kind = kb ? (uint8_t)kb[4] : 0;
  if (!kb || old >= m->nr || kind > K_SUPP || (kind == K_STATE && !key_bytes_valid(kb, kn))) {
    hn_ckr_fail(r, "a key");
    return HN_OK;
  }
  m->kinds[o] = kind;
  uint32_t rule = m->map[old];
  const hn_rule *ru = rule != UINT32_MAX ? &p->rules[rule] : NULL;
  if (kind == K_STATE && ru && ru->corr == UINT32_MAX) {
    hn_ckr_fail(r, "a key's rule");
    return HN_OK;
  }
  if (kind == K_STATE && !ru) { /* a changed rule's state cannot be parsed without its shape */
    snprintf(err, errlen, "rule '%s' changed since the state was written and holds correlation state: the state "
             "cannot be migrated; start without it (or with the pack version that wrote it)", m->names[old]);
    return HN_ERR_SYNTAX;
  }
  if (!ru) { /* a suppression record of a changed rule: dropped */
    m->dropped[old]++;
    hn_ckr_i64(r, "a suppression record");
    hn_ckr_u64(r, "a suppression record");
    return HN_OK;
  }
  size_t n = 0;
  if (!kput(c, &n, &rule, 4) || !kput(c, &n, kb + 4, kn - 4)) return HN_ERR_NOMEM;
  bool fresh;
  uint32_t ki = key_find(c, kn, true, &fresh);
  if (ki == UINT32_MAX) return HN_ERR_NOMEM;
  if (!fresh) {
    hn_ckr_fail(r, "a key given twice");
    return HN_OK;
  }
  m->idx[o] = ki;
  ckey *k = &c->keys[ki];
  bool ok = true;
  if (kind == K_SUPP) {
    k->st.u.last = hn_ckr_time(r, false, "a suppression record");
    k->st.u.suppressed = hn_ckr_u64(r, "a suppression record");
  } else if (ru->kind == HN_R_AGGREGATE) {
    ok = load_group(r, &p->corrs[ru->corr], &k->st.g);
  } else {
    ok = load_seq(r, &p->corrs[ru->corr], ru, &k->st.s);
  }
  account(c, ki);
  return ok ? HN_OK : HN_ERR_NOMEM;
}

/* The deadlines: each names a key of the state that a deadline of its kind can belong to. */
static void load_deadlines(hn_corr_engine *c, hn_ckr *r, const loadmap *m) {
  uint32_t nd = hn_ckr_count(r, 21, "the deadline count");
  for (uint32_t i = 0; i < nd && !r->err; i++) {
    int64_t t = hn_ckr_time(r, false, "a deadline");
    uint64_t seq = hn_ckr_u64(r, "a deadline");
    uint32_t o = hn_ckr_index(r, m->nk, false, "a deadline's key");
    uint8_t what = hn_ckr_u8(r, "a deadline's kind");
    if (r->err) break;
    if (what > 1 || m->kinds[o] != K_STATE) { hn_ckr_fail(r, "a deadline"); break; }
    if (m->idx[o] == UINT32_MAX) continue;
    const hn_rule *ru = &c->p->rules[c->keys[m->idx[o]].rule];
    bool fits = what == 0 ? ru->kind == HN_R_AGGREGATE && c->p->corrs[ru->corr].tumbling : ru->kind == HN_R_ABSENCE;
    if (!fits) { hn_ckr_fail(r, "a deadline's kind"); break; }
    uint64_t saved = c->seq;
    c->seq = seq; /* keep the original order among equal times */
    dl_push(c, t, m->idx[o], what);
    c->seq = saved;
  }
}

static bool load_held(hn_corr_engine *c, hn_ckr *r) {
  uint32_t nh = hn_ckr_count(r, 36, "the held event count");
  for (uint32_t i = 0; i < nh && !r->err; i++) {
    held h;
    h.t = hn_ckr_time(r, false, "a held event");
    h.seq = hn_ckr_u64(r, "a held event");
    h.lineno = hn_ckr_u64(r, "a held event");
    h.offset = hn_ckr_u64(r, "a held event");
    h.len = hn_ckr_u32(r, "a held event's length");
    h.file = c->file;
    const char *text = hn_ckr_bytes(r, h.len, "a held event's text");
    if (!text) break;
    if (h.seq >= c->seq) { hn_ckr_fail(r, "a held event's number"); break; }
    h.line = hn_malloc(h.len ? h.len : 1);
    if (!h.line) return false;
    memcpy(h.line, text, h.len);
    if (!hq_push(c, h)) { hn_free(h.line); return false; }
  }
  return true;
}

hn_status hn_corr_load(hn_corr_engine *c, hn_ckr *r, const char *file, FILE *diag, char *err, size_t errlen) {
  c->file = file;
  loadmap m;
  memset(&m, 0, sizeof m);
  hn_status st = load_rules(c, r, &m, err, errlen);
  c->max_t = hn_ckr_time(r, true, "the clock");
  c->watermark = hn_ckr_i64(r, "the watermark");
  c->any_t = hn_ckr_bool(r, "the clock's flag");
  c->seq = hn_ckr_u64(r, "the sequence number");
  uint64_t *s[] = {&c->stats.late, &c->stats.untimed, &c->stats.no_key, &c->stats.evicted, &c->stats.suppressed,
                   &c->stats.ahead, &c->stats.released, &c->stats.dropped};
  for (size_t i = 0; i < sizeof s / sizeof *s; i++) *s[i] = hn_ckr_u64(r, "the counts");
  m.nk = hn_ckr_count(r, 9, "the key count");
  m.idx = hn_malloc((m.nk ? m.nk : 1) * sizeof *m.idx);
  m.kinds = hn_calloc(m.nk ? m.nk : 1, 1);
  if (st == HN_OK && (!m.idx || !m.kinds)) st = HN_ERR_NOMEM;
  for (uint32_t o = 0; o < m.nk && st == HN_OK && !r->err; o++) st = load_key(c, r, &m, o, err, errlen);
  if (st == HN_OK) load_deadlines(c, r, &m);
  if (st == HN_OK && !load_held(c, r)) st = HN_ERR_NOMEM;
  for (uint32_t i = 0; st == HN_OK && !r->err && i < m.nr && diag; i++)
    if (m.dropped[i]) fprintf(diag, "hornet: rule '%s' changed since the state was written: its %" PRIu64 " suppression key%s dropped\n",
              m.names[i], m.dropped[i], m.dropped[i] == 1 ? " was" : "s were");
  loadmap_free(&m);
  if (st == HN_OK && r->err) st = HN_ERR_SYNTAX;
  if (st == HN_OK && c->failed) st = HN_ERR_NOMEM;
  return st;
}
