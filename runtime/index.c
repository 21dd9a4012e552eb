/* index.c - the rule index (see index.h).
 * Depends on program.h, prefilter.h, interp.h and text.h. */
#include "index.h"
#include "alloc.h"
#include <stdlib.h>
#include <string.h>
#include "interp.h"
#include "text.h"

static uint64_t hash(const char *s, size_t n) { return hn_hash_bytes(s, n); }

/* The constants' kind an equality map keys on for predicate pr: HN_V_STRING, HN_V_INT (on an
 * int field, whose values the decoder makes ints), HN_V_IP (addresses and networks), or 0
 * when pr is not answered by a map. */
static int eq_kind(const hn_program *p, const hn_pred *pr) {
  if (pr->lhs == UINT32_MAX || p->vexprs[pr->lhs].op != HN_VX_FIELD) return 0;
  if (p->fields[p->vexprs[pr->lhs].a].type == HN_FT_CIDR) return 0; /* networks held as text */
  bool int_field = p->fields[p->vexprs[pr->lhs].a].type == HN_FT_INT;
  if (pr->op == HN_P_EQ || pr->op == HN_P_HAS) { /* has: equality with any element */
    const hn_vexpr *rx = &p->vexprs[pr->rhs];
    if (rx->op != HN_VX_CONST) return 0;
    const hn_const *c = &p->consts[rx->a];
    if (c->kind == HN_V_STRING && (!(pr->flags & HN_PF_NOCASE) || c->folded)) return HN_V_STRING;
    if (c->kind == HN_V_IP) return HN_V_IP;
    return c->kind == HN_V_INT && int_field ? HN_V_INT : 0;
  }
  if (pr->op == HN_P_IN && pr->rhs == UINT32_MAX && pr->n) {
    int kind = p->consts[pr->first].kind;
    if (kind != HN_V_STRING && kind != HN_V_IP && !(kind == HN_V_INT && int_field)) return 0;
    for (uint32_t k = 0; k < pr->n; k++)
      if (p->consts[pr->first + k].kind != kind) return 0;
    return kind;
  }
  return 0;
}

static hn_mapkind map_kind(int eq) { return eq == HN_V_INT ? HN_MAP_INT : eq == HN_V_IP ? HN_MAP_IP : HN_MAP_STR; }

/* The key of an address under a prefix length: [v6, bits, the address masked]; returns its size. */
static size_t ip_key(uint8_t *key, const uint8_t *ip, bool v6, unsigned bits) {
  unsigned n = v6 ? 16 : 4, full = bits / 8, rest = bits % 8;
  key[0] = v6;
  key[1] = (uint8_t)bits;
  memset(key + 2, 0, n);
  memcpy(key + 2, ip, full);
  if (rest) key[2 + full] = ip[full] & (uint8_t)(0xFF << (8 - rest));
  return 2 + n;
}

static bool eq_indexable(const hn_program *p, const hn_pred *pr) { return eq_kind(p, pr) != 0; }

static bool indexable(const hn_program *p, uint32_t node) {
  const hn_bnode *b = &p->bnodes[node];
  if (b->op != HN_B_PRED) return false;
  const hn_pred *pr = &p->preds[b->a];
  return eq_indexable(p, pr) || (pr->flags & HN_PF_FILTERED);
}

/* How selective a key is likely to be, from the pack itself: a condition shared by many rules
 * (event.category has "process") is a broad filter, one that few rules use (a file extension
 * list, a process name) is specific. So the key of a rule is its necessary condition used by
 * the fewest rules; at equal use an equality beats a pattern (exact, one probe). */
static uint32_t cost(const hn_program *p, const uint32_t *uses, uint32_t pi) {
  return uses[pi] * 2 + (eq_indexable(p, &p->preds[pi]) ? 0 : 1);
}

/* Counts, per predicate, the rules whose condition could use it as a key (under and / or). */
static void count_uses(const hn_program *p, uint32_t node, int depth, uint32_t *uses) {
  const hn_bnode *b = &p->bnodes[node];
  if (indexable(p, node)) {
    uses[b->a]++;
    return;
  }
  if ((b->op == HN_B_AND || b->op == HN_B_OR) && depth < 8)
    for (uint32_t k = 0; k < b->n; k++) count_uses(p, p->kids[b->first + k], depth + 1, uses);
}

/* The cheapest key set of node: predicates one of which holds whenever node does (at most 64),
 * its size in *n (0: none, the node must always be evaluated) and its cost. A conjunction takes
 * its cheapest conjunct's set; a disjunction the union of its members' sets, when each has one
 * (`(not Security and Image ...) or (Security and NewProcessName ...)` is keyed by both). */
static uint32_t node_keys(const hn_program *p, const uint32_t *uses, uint32_t node, int depth, uint32_t *keys,
                          uint32_t *n) {
  const hn_bnode *b = &p->bnodes[node];
  *n = 0;
  if (indexable(p, node)) {
    keys[0] = b->a;
    *n = 1;
    return cost(p, uses, b->a);
  }
  if (depth >= 8 || (b->op != HN_B_AND && b->op != HN_B_OR)) return UINT32_MAX;
  uint32_t tmp[64], tn, best = UINT32_MAX, total = 0;
  for (uint32_t k = 0; k < b->n; k++) {
    uint32_t c = node_keys(p, uses, p->kids[b->first + k], depth + 1, tmp, &tn);
    if (b->op == HN_B_AND) {
      if (tn && c < best) {
        best = c;
        memcpy(keys, tmp, tn * sizeof *tmp);
        *n = tn;
      }
      continue;
    }
    if (!tn || *n + tn > 64) { /* a member without keys, or too many: the `or` has none */
      *n = 0;
      return UINT32_MAX;
    }
    memcpy(keys + *n, tmp, tn * sizeof *tmp);
    *n += tn;
    total += c;
  }
  return b->op == HN_B_AND ? best : total;
}

static uint32_t rule_key(const hn_program *p, const uint32_t *uses, uint32_t cond, uint32_t *keys) {
  uint32_t n;
  node_keys(p, uses, cond, 0, keys, &n);
  /* one predicate may appear twice in a disjunction's set: a rule is listed once per key */
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t j = 0;
    while (j < k && keys[j] != keys[i]) j++;
    if (j == k) keys[k++] = keys[i];
  }
  return k;
}

static hn_eqmap *map_for(hn_index *ix, uint32_t slot, bool nocase, hn_mapkind kind) {
  for (uint32_t i = 0; i < ix->n_maps; i++)
    if (ix->maps[i].slot == slot && ix->maps[i].nocase == nocase && ix->maps[i].kind == kind) return &ix->maps[i];
  hn_eqmap *v = hn_realloc(ix->maps, (ix->n_maps + 1) * sizeof *v);
  if (!v) return NULL;
  ix->maps = v;
  hn_eqmap *m = &v[ix->n_maps++];
  memset(m, 0, sizeof *m);
  m->slot = slot;
  m->nocase = nocase;
  m->kind = (uint8_t)kind;
  return m;
}

/* Adds (s -> pred) to a map; entries are first collected, then hashed in map_finish. */
typedef struct pending {
  uint32_t map, pred;
  const char *s;
  uint32_t len;
} pending;

static int cmp_pending(const void *a, const void *b) {
  const pending *x = a, *y = b;
  if (x->map != y->map) return x->map < y->map ? -1 : 1;
  if (x->len != y->len) return x->len < y->len ? -1 : 1;
  int r = x->len ? memcmp(x->s, y->s, x->len) : 0;
  if (r) return r;
  return x->pred < y->pred ? -1 : x->pred > y->pred;
}

/* A table cell: the entry index + 1 in the low half, the key's hash high half in the other,
 * so a probe that misses (most do) reads the table alone, not the entries and their keys. */
static uint64_t cell(uint64_t h, uint32_t e) { return (h & 0xFFFFFFFF00000000ull) | (e + 1); }

static const struct hn_eqent *map_find(const hn_eqmap *m, const char *s, size_t n) {
  if (!m->cap) return NULL;
  uint64_t h = hash(s, n), tag = h & 0xFFFFFFFF00000000ull;
  for (uint32_t i = (uint32_t)h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    uint64_t v = m->table[i];
    if (!v) return NULL;
    if ((v & 0xFFFFFFFF00000000ull) != tag) continue;
    const struct hn_eqent *en = &m->ents[(uint32_t)v - 1];
    if (en->len == n && (n == 0 || memcmp(en->s, s, n) == 0)) return en;
  }
}

hn_status hn_index_build(hn_program *p) {
  hn_index *ix = hn_calloc(1, sizeof *ix);
  if (!ix) return HN_ERR_NOMEM;
  p->index = ix;
  uint32_t np = p->n_preds ? p->n_preds : 1;
  ix->rules_first = hn_calloc(np, sizeof *ix->rules_first);
  ix->rules_n = hn_calloc(np, sizeof *ix->rules_n);
  ix->always = hn_calloc(p->n_rules ? p->n_rules : 1, sizeof *ix->always);
  ix->decides = hn_calloc(np, 1);
  ix->pat_pred = hn_calloc(p->n_fields ? p->n_fields : 1, sizeof *ix->pat_pred);
  uint32_t *key_first = hn_calloc(p->n_rules + 1, sizeof *key_first);
  uint32_t *keys = hn_malloc((size_t)(p->n_rules ? p->n_rules : 1) * 64 * sizeof *keys);
  pending *pend = NULL;
  uint32_t *uses = NULL;
  size_t npend = 0, cap_pend = 0;
  hn_status st = HN_ERR_NOMEM;
  if (!ix->rules_first || !ix->rules_n || !ix->always || !ix->decides || !ix->pat_pred || !key_first || !keys)
    goto done;
  /* keys of the rules; count the rules per key predicate */
  uses = hn_calloc(np, sizeof *uses);
  if (!uses) goto done;
  for (uint32_t r = 0; r < p->n_rules; r++)
    if (p->rules[r].kind == HN_R_SINGLE) count_uses(p, p->rules[r].cond, 0, uses);
  uint32_t nk = 0;
  for (uint32_t r = 0; r < p->n_rules; r++) {
    key_first[r] = nk;
    if (p->rules[r].kind != HN_R_SINGLE) continue;
    uint32_t n = rule_key(p, uses, p->rules[r].cond, keys + nk);
    if (!n) {
      ix->always[ix->n_always++] = r;
      continue;
    }
    ix->n_keyed++;
    for (uint32_t k = 0; k < n; k++) ix->rules_n[keys[nk + k]]++;
    nk += n;
  }
  key_first[p->n_rules] = nk;
  uint32_t total = 0;
  for (uint32_t i = 0; i < p->n_preds; i++) {
    ix->rules_first[i] = total;
    total += ix->rules_n[i];
    ix->rules_n[i] = 0;
  }
  ix->rules_of = hn_malloc((total ? total : 1) * sizeof *ix->rules_of);
  if (!ix->rules_of) goto done;
  for (uint32_t r = 0; r < p->n_rules; r++)
    for (uint32_t k = key_first[r]; k < key_first[r + 1]; k++) {
      uint32_t pi = keys[k];
      bool dup = false; /* a rule keyed twice by one predicate (an `or` of equal conditions) */
      for (uint32_t j = 0; j < ix->rules_n[pi]; j++) dup |= ix->rules_of[ix->rules_first[pi] + j] == r;
      if (!dup) ix->rules_of[ix->rules_first[pi] + ix->rules_n[pi]++] = r;
    }
  /* equality maps over every equality predicate, keys or not: one probe per value then
   * finds every such predicate that holds, so the rules evaluate them as a bit test */
  size_t n_ipkeys = 0;
  for (uint32_t pi = 0; pi < p->n_preds; pi++)
    if (eq_kind(p, &p->preds[pi]) == HN_V_IP) n_ipkeys += p->preds[pi].op == HN_P_IN ? p->preds[pi].n : 1;
  ix->ipkeys = hn_malloc(n_ipkeys ? n_ipkeys * 18 : 1);
  if (!ix->ipkeys) goto done;
  uint8_t *ipk = ix->ipkeys;
  for (uint32_t pi = 0; pi < p->n_preds; pi++) {
    const hn_pred *pr = &p->preds[pi];
    if (!eq_indexable(p, pr)) continue;
    hn_mapkind kind = map_kind(eq_kind(p, pr));
    ix->decides[pi] = 1;
    hn_eqmap *m = map_for(ix, p->vexprs[pr->lhs].a, (pr->flags & HN_PF_NOCASE) != 0 && kind == HN_MAP_STR, kind);
    if (!m) goto done;
    uint32_t mi = (uint32_t)(m - ix->maps);
    bool one = pr->op == HN_P_EQ || pr->op == HN_P_HAS;
    uint32_t c0 = one ? p->vexprs[pr->rhs].a : pr->first;
    uint32_t cn = one ? 1 : pr->n;
    for (uint32_t k = 0; k < cn; k++) {
      if (npend == cap_pend) {
        cap_pend = cap_pend ? cap_pend * 2 : 256;
        pending *v = hn_realloc(pend, cap_pend * sizeof *v);
        if (!v) goto done;
        pend = v;
      }
      const hn_const *c = &p->consts[c0 + k];
      if (kind == HN_MAP_IP) {
        /* `==` compares whole addresses; `in` a network (an address alone is a /32 or /128) */
        unsigned bits = one ? (c->v6 ? 128 : 32) : c->prefix;
        size_t kn = ip_key(ipk, c->u.ip, c->v6, bits);
        unsigned at = m->n_plen[c->v6];
        for (unsigned j = 0; j < m->n_plen[c->v6]; j++)
          if (m->plen[c->v6][j] == bits) at = j;
        if (at == m->n_plen[c->v6]) m->plen[c->v6][m->n_plen[c->v6]++] = (uint8_t)bits;
        if (!c->v6) {
          if (!m->lead && !(m->lead = hn_calloc(33, sizeof *m->lead))) goto done;
          if (bits >= 8) m->lead[at][c->u.ip[0] >> 6] |= 1ull << (c->u.ip[0] & 63);
          else memset(m->lead[at], 0xFF, sizeof m->lead[at]); /* /0 to /7: every first byte */
        }
        pend[npend++] = (pending){mi, pi, (const char *)ipk, (uint32_t)kn};
        ipk += 18;
        continue;
      }
      /* an int is keyed by its 8 bytes (the constant's own storage, which lives as long) */
      pend[npend++] = kind == HN_MAP_INT ? (pending){mi, pi, (const char *)&c->u.i, 8} : (pending){mi, pi, c->u.s, c->len};
    }
  }
  if (npend) qsort(pend, npend, sizeof *pend, cmp_pending);
  ix->preds_of = hn_malloc((npend ? npend : 1) * sizeof *ix->preds_of);
  if (!ix->preds_of) goto done;
  for (size_t i = 0; i < npend;) {
    hn_eqmap *m = &ix->maps[pend[i].map];
    if (m->n_ents == m->cap) { /* m->cap: the entries' room until the table is built below.
                                * Growing by one copied them all at each entry (100,000 values:
                                * minutes where realloc cannot grow in place) */
      uint32_t cap = m->cap ? m->cap * 2 : 16;
      struct hn_eqent *v = hn_realloc(m->ents, cap * sizeof *v);
      if (!v) goto done;
      m->ents = v;
      m->cap = cap;
    }
    struct hn_eqent *en = &m->ents[m->n_ents++];
    en->s = pend[i].s;
    en->len = pend[i].len;
    en->first = (uint32_t)i;
    en->n = 0;
    size_t j = i;
    for (; j < npend && pend[j].map == pend[i].map && pend[j].len == pend[i].len &&
           (pend[i].len == 0 || memcmp(pend[j].s, pend[i].s, pend[i].len) == 0);
         j++) {
      ix->preds_of[j] = pend[j].pred;
      en->n++;
    }
    i = j;
  }
  for (uint32_t mi = 0; mi < ix->n_maps; mi++) {
    hn_eqmap *m = &ix->maps[mi];
    m->cap = 16;
    while (m->cap < m->n_ents * 2) m->cap *= 2;
    m->table = hn_calloc(m->cap, sizeof *m->table);
    if (!m->table) goto done;
    m->min_len = UINT32_MAX;
    for (uint32_t e = 0; e < m->n_ents; e++) {
      if (m->ents[e].len < m->min_len) m->min_len = m->ents[e].len;
      if (m->ents[e].len > m->max_len) m->max_len = m->ents[e].len;
      uint64_t h = hash(m->ents[e].s, m->ents[e].len);
      uint32_t i = (uint32_t)h & (m->cap - 1);
      while (m->table[i]) i = (i + 1) & (m->cap - 1);
      m->table[i] = cell(h, e);
    }
  }
  /* pattern ids of the fields' databases back to their predicates */
  const hn_prefilter *pf = p->prefilter;
  for (uint32_t pi = 0; pf && pi < p->n_preds; pi++) {
    const hn_pred *pr = &p->preds[pi];
    if (!(pr->flags & HN_PF_FILTERED)) continue;
    uint32_t slot = p->vexprs[pr->lhs].a;
    if (!ix->pat_pred[slot]) {
      ix->pat_pred[slot] = hn_calloc(pf->fields[slot].n_patterns ? pf->fields[slot].n_patterns : 1, sizeof(uint32_t));
      if (!ix->pat_pred[slot]) goto done;
    }
    for (uint32_t k = 0; k < pr->n; k++) ix->pat_pred[slot][p->consts[pr->first + k].pf - 1] = pi;
  }
  st = HN_OK;
done:
  hn_free(uses);
  hn_free(pend);
  hn_free(keys);
  hn_free(key_first);
  return st;
}

void hn_index_free(hn_program *p) {
  hn_index *ix = p->index;
  if (!ix) return;
  for (uint32_t i = 0; i < ix->n_maps; i++) {
    hn_free(ix->maps[i].table);
    hn_free(ix->maps[i].ents);
    hn_free(ix->maps[i].lead);
  }
  for (uint32_t s = 0; ix->pat_pred && s < p->n_fields; s++) hn_free(ix->pat_pred[s]);
  hn_free(ix->pat_pred);
  hn_free(ix->maps);
  hn_free(ix->preds_of);
  hn_free(ix->rules_first);
  hn_free(ix->rules_n);
  hn_free(ix->rules_of);
  hn_free(ix->always);
  hn_free(ix->decides);
  hn_free(ix->ipkeys);
  hn_free(ix);
  p->index = NULL;
}

hn_status hn_cand_init(hn_cand *c, const hn_program *p) {
  size_t n = p->n_rules ? p->n_rules : 1;
  c->bits = hn_calloc((n + 63) / 64, sizeof *c->bits);
  c->hit = hn_calloc(p->n_preds ? p->n_preds : 1, sizeof *c->hit);
  c->list = hn_malloc(n * sizeof *c->list);
  c->tmp = hn_malloc(n * sizeof *c->tmp);
  if (!c->bits || !c->hit || !c->list || !c->tmp) {
    hn_cand_fini(c);
    return HN_ERR_NOMEM;
  }
  return HN_OK;
}

void hn_cand_fini(hn_cand *c) {
  hn_free(c->bits);
  hn_free(c->hit);
  hn_free(c->list);
  hn_free(c->tmp);
  memset(c, 0, sizeof *c);
}

static void add_rules(const hn_index *ix, hn_cand *c, uint32_t pi, uint32_t *n) {
  for (uint32_t j = 0; j < ix->rules_n[pi]; j++) {
    uint32_t r = ix->rules_of[ix->rules_first[pi] + j];
    uint64_t bit = 1ull << (r & 63);
    if (c->bits[r >> 6] & bit) continue;
    c->bits[r >> 6] |= bit;
    c->tmp[(*n)++] = r;
  }
}

/* An equality map entry found in the event: its predicates hold, its rules are candidates. */
static void entry_hit(const hn_index *ix, hn_cand *c, const struct hn_eqent *en, uint32_t epoch, uint32_t *n) {
  for (uint32_t k = 0; k < en->n; k++) {
    uint32_t pi = ix->preds_of[en->first + k];
    c->hit[pi] = epoch;
    add_rules(ix, c, pi, n);
  }
}

/* The rules to evaluate on the current event, in rule order: candidates by key, and the
 * rules without a key. e must have begun the event. Returns how many; *list points into c. */
uint32_t hn_index_candidates(hn_eval *e, hn_cand *c, const uint32_t **list) {
  const hn_program *p = e->p;
  const hn_index *ix = p->index;
  const hn_event *ev = e->ev;
  uint32_t n = 0;
  for (uint32_t mi = 0; mi < ix->n_maps; mi++) {
    const hn_eqmap *m = &ix->maps[mi];
    const hn_slot *sl = &ev->slots[m->slot];
    for (uint32_t i = 0; i < sl->n; i++) {
      const hn_value *v = &ev->values[sl->first + i];
      if (m->kind == HN_MAP_INT) {
        if (v->kind != HN_V_INT) continue;
        const struct hn_eqent *en = map_find(m, (const char *)&v->u.i, 8);
        if (en) entry_hit(ix, c, en, e->epoch, &n);
        continue;
      }
      if (m->kind == HN_MAP_IP) {
        if (v->kind != HN_V_IP) continue;
        uint8_t key[18];
        for (unsigned j = 0; j < m->n_plen[v->v6]; j++) {
          if (!v->v6 && !((m->lead[j][v->u.ip[0] >> 6] >> (v->u.ip[0] & 63)) & 1)) continue;
          size_t kn = ip_key(key, v->u.ip, v->v6, m->plen[v->v6][j]);
          const struct hn_eqent *en = map_find(m, (const char *)key, kn);
          if (en) entry_hit(ix, c, en, e->epoch, &n);
        }
        continue;
      }
      if (v->kind != HN_V_STRING) continue;
      const char *s = v->u.s;
      size_t sn = v->len;
      if (!m->nocase && (sn < m->min_len || sn > m->max_len)) continue; /* folding changes lengths */
      if (m->nocase) s = hn_eval_fold(e, s, sn, &sn);
      if (sn > m->max_len || sn < m->min_len) continue;
      const struct hn_eqent *en = map_find(m, s, sn);
      if (en) entry_hit(ix, c, en, e->epoch, &n);
    }
  }
  for (uint32_t s = 0; p->prefilter && s < p->n_fields; s++) {
    if (!ix->pat_pred[s] || !ev->slots[s].n) continue;
    uint32_t np = p->prefilter->fields[s].n_patterns, words = (np + 63) / 64;
    if (e->no_prefilter) { /* no scan: every rule keyed by a pattern of the field is a candidate */
      for (uint32_t id = 0; id < np; id++) add_rules(ix, c, ix->pat_pred[s][id], &n);
      continue;
    }
    const uint64_t *hits = hn_pf_hits(&e->pf, p, ev, s, e->epoch);
    for (uint32_t w = 0; w < words; w++)
      for (uint64_t bits = hits[w]; bits; bits &= bits - 1) {
        uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(bits);
        add_rules(ix, c, ix->pat_pred[s][id], &n);
      }
  }
  /* rule order: a few candidates are insertion-sorted and their bits cleared one by one;
   * many are read back in order from the bitmap, clearing it as it goes */
  if (n > 32) {
    uint32_t k = 0, words = (p->n_rules + 63) / 64;
    for (uint32_t w = 0; w < words; w++) {
      for (uint64_t bits = c->bits[w]; bits; bits &= bits - 1) c->tmp[k++] = w * 64 + (uint32_t)__builtin_ctzll(bits);
      c->bits[w] = 0;
    }
  } else {
    for (uint32_t a = 0; a < n; a++) {
      uint32_t v = c->tmp[a], b = a;
      c->bits[v >> 6] = 0;
      for (; b > 0 && c->tmp[b - 1] > v; b--) c->tmp[b] = c->tmp[b - 1];
      c->tmp[b] = v;
    }
  }
  /* merge with the always-evaluated rules, both in rule order */
  uint32_t i = 0, j = 0, k = 0;
  while (i < n || j < ix->n_always)
    c->list[k++] = (j >= ix->n_always || (i < n && c->tmp[i] < ix->always[j])) ? c->tmp[i++] : ix->always[j++];
  *list = c->list;
  return k;
}
