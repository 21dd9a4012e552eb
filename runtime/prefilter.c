/* prefilter.c - the multi-pattern prefilter and the string sets (see prefilter.h).
 * Depends on program.h, interp's value layout and libhs (Vectorscan or Hyperscan). */
#include "prefilter.h"
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cache.h"
#include "text.h"

static uint64_t hash(const char *s, size_t n) { return hn_hash_bytes(s, n); }

static bool ascii(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80) return false;
  return true;
}

/* A literal as a pattern in the engine's syntax: every byte but letters and digits escaped. */
static char *literal_regex(const char *s, size_t n, bool anchor_start) {
  char *r = malloc(n * 4 + 2);
  if (!r) return NULL;
  size_t k = 0;
  if (anchor_start) r[k++] = '^';
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      r[k++] = (char)c;
    } else {
      r[k++] = '\\';
      r[k++] = 'x';
      r[k++] = hex[c >> 4];
      r[k++] = hex[c & 15];
    }
  }
  r[k] = 0;
  return r;
}

/* The longest literal run of a like pattern (what any match must contain). */
static char *like_literal(const char *p, size_t n, size_t *out_n) {
  char *best = NULL, *cur = malloc(n + 1);
  size_t bn = 0, cn = 0;
  if (!cur) return NULL;
  for (size_t i = 0; i <= n; i++) {
    bool end = i == n || p[i] == '*' || p[i] == '?';
    if (!end && p[i] == '\\' && i + 1 < n && (p[i + 1] == '*' || p[i + 1] == '?' || p[i + 1] == '\\')) {
      cur[cn++] = p[++i];
      continue;
    }
    if (!end) {
      cur[cn++] = p[i];
      continue;
    }
    if (cn > bn) {
      free(best);
      best = malloc(cn + 1);
      if (!best) break;
      memcpy(best, cur, cn);
      bn = cn;
    }
    cn = 0;
  }
  free(cur);
  *out_n = bn;
  return best;
}

typedef struct pat_list {
  char **exprs;
  unsigned *flags, *ids;
  uint32_t n, cap;
} pat_list;

static bool pat_add(pat_list *l, char *expr, unsigned flags) {
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 16;
    char **e = realloc(l->exprs, cap * sizeof *e);
    if (!e) return false;
    l->exprs = e;
    unsigned *f = realloc(l->flags, cap * sizeof *f);
    if (!f) return false;
    l->flags = f;
    unsigned *d = realloc(l->ids, cap * sizeof *d);
    if (!d) return false;
    l->ids = d;
    l->cap = cap;
  }
  l->exprs[l->n] = expr;
  l->flags[l->n] = flags;
  l->ids[l->n] = l->n;
  l->n++;
  return true;
}

/* The pattern that must occur for constant c of predicate pr to match, or NULL. */
static char *pattern_of(const hn_pred *pr, const hn_const *c, unsigned *flags) {
  bool nocase = (pr->flags & HN_PF_NOCASE) != 0;
  *flags = HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL;
  if (pr->op == HN_P_MATCHES) {
    /* the engine compiles a superset of the regex; PCRE2 confirms */
    *flags |= HS_FLAG_PREFILTER | HS_FLAG_UTF8 | (nocase ? HS_FLAG_CASELESS : 0);
    char *r = malloc(c->len + 1);
    if (!r) return NULL;
    memcpy(r, c->u.s, c->len);
    r[c->len] = 0;
    /* a regex the engine cannot take even approximately is left to PCRE2 alone, so that one
     * pattern does not cost the whole field its database */
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *ce = NULL;
    if (memchr(r, 0, c->len) || hs_expression_info(r, *flags, &info, &ce) != HS_SUCCESS) {
      hs_free_compile_error(ce);
      free(r);
      return NULL;
    }
    free(info); /* allocated with the engine's default allocator, malloc */
    return r;
  }
  const char *s = c->u.s;
  size_t n = c->len;
  char *lit = NULL;
  if (pr->op == HN_P_LIKE) {
    lit = like_literal(s, n, &n);
    if (!lit) return NULL;
    s = lit;
  }
  /* caseless non-ASCII folds more than the engine's ASCII caselessness: leave it exact */
  if (n == 0 || (nocase && !ascii(s, n))) { free(lit); return NULL; }
  if (nocase) *flags |= HS_FLAG_CASELESS;
  char *r = literal_regex(s, n, pr->op == HN_P_STARTSWITH);
  free(lit);
  return r;
}

static void strset_build(hn_program *p, uint32_t pi, hn_strset *set) {
  const hn_pred *pr = &p->preds[pi];
  uint32_t cap = 16;
  while (cap < pr->n * 2) cap *= 2;
  set->slots = calloc(cap, sizeof *set->slots);
  if (!set->slots) return;
  set->cap = cap;
  for (uint32_t k = 0; k < pr->n; k++) {
    const hn_const *c = &p->consts[pr->first + k];
    uint32_t i = (uint32_t)hash(c->u.s, c->len) & (cap - 1);
    while (set->slots[i]) i = (i + 1) & (cap - 1);
    set->slots[i] = pr->first + k + 1;
  }
}

bool hn_strset_has(const hn_program *p, uint32_t pi, const char *s, size_t n) {
  const hn_strset *set = &p->prefilter->sets[pi];
  for (uint32_t i = (uint32_t)hash(s, n) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
    uint32_t v = set->slots[i];
    if (!v) return false;
    const hn_const *c = &p->consts[v - 1];
    if (c->len == n && (n == 0 || memcmp(c->u.s, s, n) == 0)) return true;
  }
}

/* The cache key of a pattern list: the engine's version and every pattern with its flags. */
static char *db_key(const pat_list *l, char *name, size_t nlen) {
  char *key = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&key, &len);
  if (!f) return NULL;
  fprintf(f, "hornet-patterns %s %s\n", HN_VERSION_STRING, hs_version());
  for (uint32_t i = 0; i < l->n; i++) fprintf(f, "%u %u %s\n", l->flags[i], l->ids[i], l->exprs[i]);
  fclose(f);
  snprintf(name, nlen, "%016llx.hs", (unsigned long long)hn_cache_hash(1469598103934665603ull, key, len));
  return key;
}

/* A database compiled before for the same patterns: compiling thousands of patterns is most of
 * a big pack's start-up. */
static hs_database_t *cached_db(const pat_list *l) {
  char name[64];
  char *key = db_key(l, name, sizeof name);
  size_t len = 0;
  char *data = key ? hn_cache_read(name, key, &len) : NULL;
  hs_database_t *db = NULL;
  if (data && hs_deserialize_database(data, len, &db) != HS_SUCCESS) db = NULL;
  free(data);
  free(key);
  return db;
}

static void store_db(const pat_list *l, const hs_database_t *db) {
  char name[64];
  char *key = db_key(l, name, sizeof name), *bytes = NULL;
  size_t len = 0;
  if (key && hs_serialize_database(db, &bytes, &len) == HS_SUCCESS) hn_cache_write(name, key, bytes, len);
  free(bytes);
  free(key);
}

hn_status hn_prefilter_build(hn_program *p) {
  hn_prefilter *pf = calloc(1, sizeof *pf);
  if (!pf) return HN_ERR_NOMEM;
  p->prefilter = pf;
  pf->fields = calloc(p->n_fields ? p->n_fields : 1, sizeof *pf->fields);
  pf->sets = calloc(p->n_preds ? p->n_preds : 1, sizeof *pf->sets);
  pat_list *lists = calloc(p->n_fields ? p->n_fields : 1, sizeof *lists);
  if (!pf->fields || !pf->sets || !lists) { free(lists); return HN_ERR_NOMEM; }
  for (uint32_t pi = 0; pi < p->n_preds; pi++) {
    hn_pred *pr = &p->preds[pi];
    if (pr->lhs == UINT32_MAX || p->vexprs[pr->lhs].op != HN_VX_FIELD) continue;
    uint32_t slot = p->vexprs[pr->lhs].a;
    bool strings = pr->n > 0;
    for (uint32_t k = 0; k < pr->n; k++) strings &= p->consts[pr->first + k].kind == HN_V_STRING;
    if (pr->op == HN_P_IN && strings && pr->n >= 8) { /* IOC lists: a set, not a loop */
      strset_build(p, pi, &pf->sets[pi]);
      continue;
    }
    if (!strings || pr->rhs != UINT32_MAX ||
        (pr->op != HN_P_CONTAINS && pr->op != HN_P_STARTSWITH && pr->op != HN_P_ENDSWITH && pr->op != HN_P_LIKE &&
         pr->op != HN_P_MATCHES))
      continue;
    /* every constant needs a pattern, or the predicate is left exact */
    bool all = true;
    uint32_t first_id = lists[slot].n;
    for (uint32_t k = 0; k < pr->n && all; k++) {
      hn_const *c = &p->consts[pr->first + k];
      unsigned flags;
      char *expr = pattern_of(pr, c, &flags);
      if (!expr || !pat_add(&lists[slot], expr, flags)) { free(expr); all = false; break; }
      c->pf = lists[slot].n; /* pattern id + 1 */
    }
    if (!all) { /* roll back this predicate's patterns */
      for (uint32_t i = first_id; i < lists[slot].n; i++) free(lists[slot].exprs[i]);
      lists[slot].n = first_id;
      for (uint32_t k = 0; k < pr->n; k++) p->consts[pr->first + k].pf = 0;
      continue;
    }
    pr->flags |= HN_PF_FILTERED;
  }
  hn_status st = HN_OK;
  for (uint32_t s = 0; s < p->n_fields; s++) {
    pat_list *l = &lists[s];
    if (!l->n) continue;
    hs_database_t *db = cached_db(l);
    hs_compile_error_t *ce = NULL;
    if (!db && hs_compile_multi((const char *const *)l->exprs, l->flags, l->ids, l->n, HS_MODE_BLOCK, NULL, &db, &ce) == HS_SUCCESS)
      store_db(l, db);
    if (!db) {
      /* some pattern the engine refuses (a regex construct): the field stays exact */
      hs_free_compile_error(ce);
      for (uint32_t pi = 0; pi < p->n_preds; pi++) {
        hn_pred *pr = &p->preds[pi];
        if (!(pr->flags & HN_PF_FILTERED) || p->vexprs[pr->lhs].a != s) continue;
        pr->flags &= (uint8_t)~HN_PF_FILTERED;
        for (uint32_t k = 0; k < pr->n; k++) p->consts[pr->first + k].pf = 0;
      }
    } else {
      pf->fields[s].db = db;
      pf->fields[s].n_patterns = l->n;
      if (hs_alloc_scratch(db, (hs_scratch_t **)&pf->scratch_proto) != HS_SUCCESS) st = HN_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < l->n; i++) free(l->exprs[i]);
  }
  for (uint32_t s = 0; s < p->n_fields; s++) {
    free(lists[s].exprs);
    free(lists[s].flags);
    free(lists[s].ids);
  }
  free(lists);
  return st;
}

void hn_prefilter_free(hn_program *p) {
  hn_prefilter *pf = p->prefilter;
  if (!pf) return;
  for (uint32_t s = 0; pf->fields && s < p->n_fields; s++) hs_free_database(pf->fields[s].db);
  for (uint32_t i = 0; pf->sets && i < p->n_preds; i++) free(pf->sets[i].slots);
  hs_free_scratch(pf->scratch_proto);
  free(pf->fields);
  free(pf->sets);
  free(pf);
  p->prefilter = NULL;
}

hn_status hn_pf_state_init(hn_pf_state *s, const hn_program *p) {
  memset(s, 0, sizeof *s);
  const hn_prefilter *pf = p->prefilter;
  if (!pf) return HN_OK;
  s->scanned = calloc(p->n_fields ? p->n_fields : 1, sizeof *s->scanned);
  s->hits = calloc(p->n_fields ? p->n_fields : 1, sizeof *s->hits);
  if (!s->scanned || !s->hits) return HN_ERR_NOMEM;
  for (uint32_t f = 0; f < p->n_fields; f++)
    if (pf->fields[f].db && !(s->hits[f] = calloc((pf->fields[f].n_patterns + 63) / 64, 8))) return HN_ERR_NOMEM;
  if (pf->scratch_proto && hs_clone_scratch(pf->scratch_proto, (hs_scratch_t **)&s->scratch) != HS_SUCCESS)
    return HN_ERR_NOMEM;
  return HN_OK;
}

void hn_pf_state_fini(hn_pf_state *s, const hn_program *p) {
  if (s->hits)
    for (uint32_t f = 0; f < p->n_fields; f++) free(s->hits[f]);
  free(s->hits);
  free(s->scanned);
  hs_free_scratch(s->scratch);
  memset(s, 0, sizeof *s);
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx) {
  (void)from;
  (void)to;
  (void)flags;
  uint64_t *bits = ctx;
  bits[id / 64] |= 1ull << (id % 64);
  return 0;
}

const uint64_t *hn_pf_hits(hn_pf_state *s, const hn_program *p, const hn_event *ev, uint32_t slot, uint32_t epoch) {
  const hn_pf_field *f = &p->prefilter->fields[slot];
  uint64_t *bits = s->hits[slot];
  if (s->scanned[slot] == epoch) return bits;
  s->scanned[slot] = epoch;
  memset(bits, 0, ((f->n_patterns + 63) / 64) * 8);
  const hn_slot *sl = &ev->slots[slot];
  for (uint32_t i = 0; i < sl->n; i++) {
    const hn_value *v = &ev->values[sl->first + i];
    if (v->kind != HN_V_STRING) continue;
    hs_scan((const hs_database_t *)f->db, v->u.s, v->len, 0, (hs_scratch_t *)s->scratch, on_match, bits);
  }
  return bits;
}
