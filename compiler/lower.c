/* lower.c - from the checked AST to the runtime's program (runtime/program.h): fields become
 * decoder slots, comparisons become predicates, boolean structure becomes a hash-consed DAG
 * (the same `process.name == "cmd.exe"` in 300 rules is one node), and rules, log sources and
 * test blocks are laid out for the interpreter and the native back end.
 * Depends on sema's results (types, resolved symbols) and on the runtime's program format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alloc.h"
#include "pack.h"
#include "sha256.h"
#include "program.h"
#include "types.h"
#include "text.h"
#include "value.h"

/* A growable array of fixed-size items. */
typedef struct vec {
  void *v;
  size_t n, cap, size;
} vec;

static void *vec_push(vec *x) {
  if (x->n == x->cap) {
    size_t cap = x->cap ? x->cap * 2 : 64;
    void *v = realloc(x->v, cap * x->size);
    if (!v) return NULL;
    x->v = v;
    x->cap = cap;
  }
  void *p = (char *)x->v + x->n * x->size;
  memset(p, 0, x->size);
  x->n++;
  return p;
}

typedef struct lower {
  hnc_compiler *c;
  hn_program *p;
  hn_arena *a;        /* the program's arena: everything the program keeps */
  vec fields, consts, vexprs, preds, bnodes, kids, rules, tests, corrs;
  vec hn, aggs, binds;           /* of the correlation rule being lowered */
  vec scores, domains, exposures, services;
  vec domain_scores;             /* per domain: the name of its score (a string), or NULL */
  vec service_domains;           /* per service: the name of its domain, or NULL */
  vec kpis, controls, kpi_roots, factors; /* kpi_roots: the root of each aggregate of the KPI being lowered */
  bool in_kpi;
  const hnc_node *steps;         /* its sequence's steps, for $step.path */
  hnc_table slot_of;  /* path -> slot + 1 */
  uint32_t anystr;    /* the slot of `*` (every string value of the event) + 1; 0: none yet */
  hnc_table memo;     /* node key -> index + 1, for hash-consing (keys in the compiler arena) */
  hnc_table macros;   /* (macro, wanted type) -> its bnode or vexpr + 1: each macro lowered once */
  hnc_pack *pack;     /* the pack whose declaration is being lowered */
  bool failed;
  bool reported;      /* an error was reported at its place (the checker cannot see it) */
  char *err;
  size_t errlen;
} lower;

#define AT(vecp, T, i) (((T *)(vecp)->v)[i])

static void push_id(lower *L, vec *x, uint32_t id) {
  uint32_t *d = vec_push(x);
  if (!d) { L->failed = true; return; }
  *d = id;
}

static void push_ptr(lower *L, vec *x, const void *ptr) {
  const void **d = vec_push(x);
  if (!d) { L->failed = true; return; }
  *d = ptr;
}

static const char *keep(lower *L, const char *s, size_t n) {
  char *d = hn_arena_strndup(L->a, s, n);
  if (!d) L->failed = true;
  return d;
}

/* §10.3: a tag in lower case, an ATT&CK tag with `-` for `_` (attack.credential_access is
 * attack.credential-access; no technique, group or software id has a `_`). With `tactic`, s is
 * a tactic's name alone (incident.tactics has "credential_access"). In arena a. */
static const char *tag_norm(lower *L, hn_arena *a, const char *s, size_t n, bool tactic) {
  char *d = hn_arena_strndup(a, s, n);
  if (!d) { L->failed = true; return NULL; }
  for (size_t i = 0; i < n; i++)
    if (d[i] >= 'A' && d[i] <= 'Z') d[i] = (char)(d[i] - 'A' + 'a');
  bool attack = tactic || (n > 7 && memcmp(d, "attack.", 7) == 0);
  for (size_t i = 0; attack && i < n; i++)
    if (d[i] == '_') d[i] = '-';
  return d;
}

/* What `has` looks for in a list of tags or tactics, spelt as the list holds it (§10.3). */
static const hnc_node *tag_literal(lower *L, const hnc_node *list, const hnc_node *v) {
  if (v->kind != N_STRING || list->kind != N_PATH) return v;
  bool tactics = (list->len == 16 && memcmp(list->str, "incident.tactics", 16) == 0) ||
                 (list->len == 13 && memcmp(list->str, "alert.tactics", 13) == 0);
  bool tags = (list->len == 13 && memcmp(list->str, "incident.tags", 13) == 0) ||
              (list->len == 10 && memcmp(list->str, "alert.tags", 10) == 0);
  hnc_node *c = tactics || tags ? hn_arena_alloc(&L->c->arena, sizeof *c) : NULL;
  if (!c) return v;
  *c = *v;
  c->str = tag_norm(L, &L->c->arena, v->str, v->len, tactics);
  return c->str ? c : v;
}

/* ---- slots and constants ----------------------------------------------------------------- */
static hn_ftype ftype_of(const hnc_type *t) {
  if (t && t->k == TY_LIST && t->elem) t = t->elem;
  switch (t ? t->k : TY_STRING) {
  case TY_INT: return HN_FT_INT;
  case TY_FLOAT: return HN_FT_FLOAT;
  case TY_BOOL: return HN_FT_BOOL;
  case TY_IP: return HN_FT_IP;
  case TY_CIDR: return HN_FT_CIDR;
  case TY_TIME: return HN_FT_TIME;
  case TY_DUR: return HN_FT_DURATION;
  default: return HN_FT_STRING;
  }
}

static uint32_t slot(lower *L, const char *path, size_t len, const hnc_type *t) {
  uintptr_t k = (uintptr_t)hnc_table_get(&L->slot_of, path, len);
  if (k) return (uint32_t)(k - 1);
  hn_field_spec *f = vec_push(&L->fields);
  if (!f) { L->failed = true; return 0; }
  f->path = keep(L, path, len);
  f->type = ftype_of(t);
  uint32_t s = (uint32_t)(L->fields.n - 1);
  hnc_table_put(&L->c->arena, &L->slot_of, f->path, len, (void *)(uintptr_t)(s + 1));
  return s;
}

/* The slot of `*`: a decoder spec of its own kind (HN_FT_ANYSTR), not keyed by path, so that
 * no field named "*" shares it. */
static uint32_t anystr_slot(lower *L) {
  if (L->anystr) return L->anystr - 1;
  hn_field_spec *f = vec_push(&L->fields);
  if (!f) { L->failed = true; return 0; }
  f->path = keep(L, "*", 1);
  f->type = HN_FT_ANYSTR;
  L->anystr = (uint32_t)L->fields.n;
  return L->anystr - 1;
}

static const hnc_field *field_of(lower *L, const hnc_node *path) {
  return hnc_table_get(&L->pack->fields, path->str, path->len);
}

/* A field's slot; alert.* (in rules over alerts) has no schema field: its type is the
 * checker's. */
static uint32_t path_slot(lower *L, const hnc_node *path) {
  const hnc_field *f = field_of(L, path);
  return slot(L, path->str, path->len, f ? f->type : path->type);
}

static hn_const *push_const(lower *L) {
  hn_const *c = vec_push(&L->consts);
  if (!c) L->failed = true;
  return c;
}

static void const_str(lower *L, const char *s, size_t n, bool fold) {
  hn_const *c = push_const(L);
  if (!c) return;
  c->kind = HN_V_STRING;
  if (fold) {
    char *b = hn_arena_alloc(L->a, HN_CASE_ROOM(n));
    if (!b) { L->failed = true; return; }
    n = hn_fold(s, n, b);
    c->u.s = b;
  } else {
    c->u.s = keep(L, s, n);
  }
  c->len = (uint32_t)n;
}

/* ---- hash-consing ------------------------------------------------------------------------- */
/* Returns the index remembered for this key, or remembers `idx` and returns it. */
static uint32_t intern(lower *L, char tag, const void *key, size_t n, uint32_t idx, bool *found) {
  /* look up with a temporary key; only a new entry's key is kept (in the compiler's arena) */
  char small[256];
  char *k = n + 1 <= sizeof small ? small : malloc(n + 1);
  if (!k) { L->failed = true; *found = false; return idx; }
  k[0] = tag;
  memcpy(k + 1, key, n);
  uintptr_t v = (uintptr_t)hnc_table_get(&L->memo, k, n + 1);
  char *kept = v ? NULL : hn_arena_strndup(&L->c->arena, k, n + 1);
  if (k != small) free(k);
  if (v) { *found = true; return (uint32_t)(v - 1); }
  if (!kept) { L->failed = true; *found = false; return idx; }
  hnc_table_put(&L->c->arena, &L->memo, kept, n + 1, (void *)(uintptr_t)(idx + 1));
  *found = false;
  return idx;
}

static uint32_t vexpr(lower *L, int op, hn_ftype type, uint32_t a, uint32_t b) {
  hn_vexpr x;
  memset(&x, 0, sizeof x); /* x is a hash key: its padding must be defined */
  x.op = (uint8_t)op;
  x.type = (uint8_t)type;
  x.a = a;
  x.b = b;
  bool found;
  uint32_t i;
  if (op == HN_VX_CONST) {
    /* constants are interned by content, not by where they sit: the same literal in 300 rules
     * is one operand, so the comparisons on it are one predicate (shared, and the index sees
     * how often a field is compared) */
    hn_const c; /* copied bytewise: the key hashes the padding too, zeroed by vec_push */
    memcpy(&c, &AT(&L->consts, hn_const, a), sizeof c);
    const char *str = c.kind == HN_V_STRING ? c.u.s : NULL;
    char key[sizeof c + 8 + 4096];
    size_t kn = 0;
    if (str) c.u.s = NULL;
    c.re = NULL;
    c.pf = 0;
    key[kn++] = (char)type;
    key[kn++] = (char)b;
    memcpy(key + kn, &c, sizeof c);
    kn += sizeof c;
    if (str && c.len <= 4096) {
      memcpy(key + kn, str, c.len);
      kn += c.len;
    } else if (str) {
      kn = 0; /* very long literal: not interned */
    }
    if (kn) {
      i = intern(L, 'c', key, kn, (uint32_t)L->vexprs.n, &found);
      if (found) return i;
      hn_vexpr *d = vec_push(&L->vexprs);
      if (!d) { L->failed = true; return 0; }
      *d = x;
      return i;
    }
  }
  i = intern(L, 'v', &x, sizeof x, (uint32_t)L->vexprs.n, &found);
  if (found) return i;
  hn_vexpr *d = vec_push(&L->vexprs);
  if (!d) { L->failed = true; return 0; }
  *d = x;
  return i;
}

/* A predicate whose constants are consts[first..] (just pushed). A duplicate predicate drops
 * the constants again and returns the existing one. */
static uint32_t predicate(lower *L, hn_pred pr, size_t first) {
  pr.first = (uint32_t)first;
  pr.n = (uint32_t)(L->consts.n - first);
  size_t cn = 0;
  for (size_t i = first; i < L->consts.n; i++) cn += sizeof(hn_const) + AT(&L->consts, hn_const, i).len;
  char *key = malloc(sizeof pr + cn);
  if (!key) { L->failed = true; return 0; }
  hn_pred kp;
  memset(&kp, 0, sizeof kp); /* the key hashes the padding too */
  kp.op = pr.op;
  kp.flags = pr.flags;
  kp.lhs = pr.lhs;
  kp.rhs = pr.rhs;
  kp.n = pr.n;
  kp.slot = pr.slot;
  kp.first = 0; /* the key is the content, not where it sits */
  memcpy(key, &kp, sizeof kp);
  size_t k = sizeof kp;
  for (size_t i = first; i < L->consts.n; i++) {
    hn_const c;
    memcpy(&c, &AT(&L->consts, hn_const, i), sizeof c);
    const char *s = c.kind == HN_V_STRING ? c.u.s : NULL;
    if (s) c.u.s = NULL;
    memcpy(key + k, &c, sizeof c);
    k += sizeof c;
    if (s) { memcpy(key + k, s, c.len); k += c.len; }
  }
  bool found;
  uint32_t idx = intern(L, 'p', key, k, (uint32_t)L->preds.n, &found);
  free(key);
  if (found) {
    L->consts.n = first;
    return idx;
  }
  hn_pred *d = vec_push(&L->preds);
  if (!d) { L->failed = true; return 0; }
  *d = pr;
  return idx;
}

/* Whether a value expression reads a sequence binding (so what uses it is per partial match). */
static bool reads_binding(lower *L, uint32_t v) {
  const hn_vexpr *x = &AT(&L->vexprs, hn_vexpr, v);
  switch (x->op) {
  case HN_VX_BOUND: return true;
  case HN_VX_FIELD: case HN_VX_CONST: return false;
  case HN_VX_COND: return AT(&L->bnodes, hn_bnode, x->a).dyn || reads_binding(L, x->b);
  case HN_VX_NEG: case HN_VX_LOWER: case HN_VX_UPPER: case HN_VX_LEN: case HN_VX_ABS: case HN_VX_TIMEPART:
    return reads_binding(L, x->a);
  default: return reads_binding(L, x->a) || reads_binding(L, x->b);
  }
}

static uint32_t bnode(lower *L, int op, uint32_t a, const uint32_t *kids, size_t n) {
  size_t kn = n * sizeof *kids;
  char *key = malloc(8 + kn);
  if (!key) { L->failed = true; return 0; }
  key[0] = (char)op;
  memcpy(key + 1, &a, 4);
  if (kn) memcpy(key + 8, kids, kn);
  memset(key + 5, 0, 3);
  bool found;
  uint32_t idx = intern(L, 'b', key, 8 + kn, (uint32_t)L->bnodes.n, &found);
  free(key);
  if (found) return idx;
  uint8_t dyn = 0;
  if (op == HN_B_PRED) {
    const hn_pred *pr = &AT(&L->preds, hn_pred, a);
    dyn = (pr->lhs != UINT32_MAX && reads_binding(L, pr->lhs)) || (pr->rhs != UINT32_MAX && reads_binding(L, pr->rhs));
  } else if (op == HN_B_NOT) {
    dyn = AT(&L->bnodes, hn_bnode, a).dyn;
  }
  for (size_t i = 0; i < n; i++) dyn |= AT(&L->bnodes, hn_bnode, kids[i]).dyn;
  hn_bnode *d = vec_push(&L->bnodes);
  if (!d) { L->failed = true; return 0; }
  d->op = (uint8_t)op;
  d->dyn = dyn;
  d->a = a;
  d->first = (uint32_t)L->kids.n;
  d->n = (uint32_t)n;
  for (size_t i = 0; i < n; i++) {
    uint32_t *k = vec_push(&L->kids);
    if (!k) { L->failed = true; return idx; }
    *k = kids[i];
  }
  return idx;
}

static uint32_t b_true(lower *L) { return bnode(L, HN_B_TRUE, 0, NULL, 0); }
static uint32_t b_false(lower *L) { return bnode(L, HN_B_FALSE, 0, NULL, 0); }
static uint32_t b_pred(lower *L, uint32_t p) { return bnode(L, HN_B_PRED, p, NULL, 0); }

static uint32_t b_not(lower *L, uint32_t x) {
  const hn_bnode *b = &AT(&L->bnodes, hn_bnode, x);
  if (b->op == HN_B_NOT) return b->a;
  if (b->op == HN_B_TRUE) return b_false(L);
  if (b->op == HN_B_FALSE) return b_true(L);
  return bnode(L, HN_B_NOT, x, NULL, 0);
}

/* AND / OR of kids, folding constants and single children. */
static uint32_t b_nary(lower *L, int op, uint32_t *kids, size_t n) {
  size_t k = 0;
  int absorb = op == HN_B_AND ? HN_B_FALSE : HN_B_TRUE, unit = op == HN_B_AND ? HN_B_TRUE : HN_B_FALSE;
  for (size_t i = 0; i < n; i++) {
    int kop = AT(&L->bnodes, hn_bnode, kids[i]).op;
    if (kop == absorb) return kids[i];
    if (kop == unit) continue;
    kids[k++] = kids[i];
  }
  if (k == 0) return op == HN_B_AND ? b_true(L) : b_false(L);
  if (k == 1) return kids[0];
  return bnode(L, op, 0, kids, k);
}

/* ---- value expressions ---------------------------------------------------------------------- */
static uint32_t lv(lower *L, const hnc_node *n, const hnc_type *want);
static uint32_t lb(lower *L, const hnc_node *n);

/* A macro's body, as a condition (want NULL, bool) or a value, lowered once in the macro's own
 * pack (its fields are its pack's): a macro that uses another twice, and so on, would otherwise
 * be walked once per path through it, exponentially. */
static uint32_t lower_macro(lower *L, const hnc_sym *m, bool cond, const hnc_type *want) {
  const void *key[3] = {m, want, cond ? m : NULL};
  uintptr_t v = (uintptr_t)hnc_table_get(&L->macros, (const char *)key, sizeof key);
  if (v) return (uint32_t)(v - 1);
  hnc_pack *saved = L->pack;
  L->pack = m->pack;
  uint32_t r = cond ? lb(L, m->decl->a) : lv(L, m->decl->a, want);
  L->pack = saved;
  const void **kept = hn_arena_alloc(&L->c->arena, sizeof key);
  if (!kept) { L->failed = true; return r; }
  memcpy(kept, key, sizeof key);
  hnc_table_put(&L->c->arena, &L->macros, (const char *)kept, sizeof key, (void *)(uintptr_t)(r + 1));
  return r;
}

static int64_t sev_value(const char *s, size_t n) {
  static const char *const names[] = {"info", "low", "medium", "high", "critical"};
  for (int i = 0; i < 5; i++)
    if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0) return i + 1;
  return 0;
}

/* An address or network literal (checked already) as an address constant. */
static void addr_const(hn_const *c, const char *s, size_t n) {
  uint8_t ip[16];
  bool v6;
  unsigned bits;
  if (!hn_cidr_parse(s, n, ip, &v6, &bits)) return;
  memcpy(c->u.ip, ip, sizeof ip);
  c->kind = HN_V_IP;
  c->v6 = v6;
  c->len = v6 ? 16 : 4;
  c->prefix = (uint8_t)bits;
}

/* A literal as a constant of the type it is compared with (strings stand for ips, timestamps,
 * numbers and durations where the checker allowed it). */
static uint32_t literal(lower *L, const hnc_node *n, const hnc_type *want) {
  hn_const *c = push_const(L);
  if (!c) return 0;
  hnc_tk wk = want ? (want->k == TY_LIST && want->elem ? want->elem->k : want->k) : TY_ERR;
  switch (n->kind) {
  case N_STRING: {
    uint8_t ip[16];
    bool v6;
    int64_t ns;
    unsigned bits;
    if ((wk == TY_IP && hn_ip_parse(n->str, n->len, ip, &v6)) || (wk == TY_CIDR && hn_cidr_parse(n->str, n->len, ip, &v6, &bits))) {
      addr_const(c, n->str, n->len); /* a network for a cidr field: compared as one (§6.4) */
    } else if (wk == TY_TIME && hn_time_parse(n->str, n->len, &ns)) {
      c->kind = HN_V_TIME;
      c->u.i = ns;
    } else if (wk == TY_INT || wk == TY_DUR) {
      bool ok = true;
      c->kind = HN_V_INT;
      c->u.i = wk == TY_DUR ? hnc_parse_duration_ms(n->str, n->len, &ok) * 1000000 : strtoll(n->str, NULL, 10);
    } else if (wk == TY_FLOAT) {
      c->kind = HN_V_FLOAT;
      c->u.f = strtod(n->str, NULL);
    } else {
      L->consts.n--;
      const_str(L, n->str, n->len, false);
    }
    break;
  }
  case N_INT: case N_SIZE: c->kind = HN_V_INT; c->u.i = n->i; break;
  case N_DURATION: c->kind = HN_V_INT; c->u.i = n->i * 1000000; break; /* ms -> ns */
  case N_FLOAT: c->kind = HN_V_FLOAT; c->u.f = n->f; break;
  case N_BOOL: c->kind = HN_V_BOOL; c->u.i = n->i; break;
  case N_NULL: c->kind = HN_V_NULL; break;
  default: c->kind = HN_V_NULL; break;
  }
  return (uint32_t)(L->consts.n - 1);
}

static uint32_t lv(lower *L, const hnc_node *n, const hnc_type *want) {
  switch (n->kind) {
  case N_PAREN: return lv(L, n->a, want);
  case N_STEPREF: { /* $step.path: a binding of the rule's sequence */
    uint32_t step = 0;
    for (const hnc_node *st = L->steps; st; st = st->next, step++)
      if (st->len == n->len && memcmp(st->str, n->str, n->len) == 0) break;
    uint32_t sl = path_slot(L, n->a), bi = 0;
    for (; bi < L->binds.n; bi++)
      if (AT(&L->binds, hn_bind, bi).step == step && AT(&L->binds, hn_bind, bi).slot == sl) break;
    if (bi == L->binds.n) {
      hn_bind *b = vec_push(&L->binds);
      if (!b) { L->failed = true; return 0; }
      b->step = step;
      b->slot = sl;
    }
    return vexpr(L, HN_VX_BOUND, ftype_of(n->type), step, sl);
  }
  case N_ANYSTR: return vexpr(L, HN_VX_FIELD, HN_FT_STRING, anystr_slot(L), 0);
  case N_PATH: {
    if (n->sym && n->sym->decl->kind == N_MACRO) return lower_macro(L, n->sym, false, want);
    /* a bare severity name is the constant even where a field has that name (§6.18, as the
     * checker resolved it); `medium` in backquotes is the field */
    if (!memchr(n->str, '.', n->len) && sev_value(n->str, n->len)) {
      hn_const *c = push_const(L);
      if (c) { c->kind = HN_V_INT; c->u.i = sev_value(n->str, n->len); }
      return vexpr(L, HN_VX_CONST, HN_FT_INT, (uint32_t)(L->consts.n - 1), 0);
    }
    const hnc_field *f = field_of(L, n);
    return vexpr(L, HN_VX_FIELD, ftype_of(f ? f->type : n->type), path_slot(L, n), 0);
  }
  case N_NEG:
    if (n->a->kind == N_INT || n->a->kind == N_FLOAT) {
      uint32_t k = literal(L, n->a, want);
      hn_const *c = &AT(&L->consts, hn_const, k);
      if (c->kind == HN_V_INT) c->u.i = -c->u.i;
      else c->u.f = -c->u.f;
      return vexpr(L, HN_VX_CONST, c->kind == HN_V_INT ? HN_FT_INT : HN_FT_FLOAT, k, 0);
    }
    return vexpr(L, HN_VX_NEG, ftype_of(n->type), lv(L, n->a, NULL), 0);
  case N_BINARY: {
    static const int ops[HNC_OP_COUNT] = {[HNC_OP_ADD] = HN_VX_ADD, [HNC_OP_SUB] = HN_VX_SUB,
                                          [HNC_OP_MUL] = HN_VX_MUL, [HNC_OP_DIV] = HN_VX_DIV,
                                          [HNC_OP_MOD] = HN_VX_MOD};
    uint32_t a = lv(L, n->a, n->b->type), b = lv(L, n->b, n->a->type);
    return vexpr(L, ops[n->op], ftype_of(n->type), a, b);
  }
  case N_COND: { /* c ? x : y */
    uint32_t c = lb(L, n->a);
    uint32_t x = lv(L, n->b, want), y = lv(L, n->c, want);
    return vexpr(L, HN_VX_COND, ftype_of(n->type), c, vexpr(L, HN_VX_PAIR, ftype_of(n->type), x, y));
  }
  case N_CALL: {
    const char *f = n->str;
    if (strcmp(f, "decay") == 0 && n->list && n->list->next)
      return vexpr(L, HN_VX_DECAY, HN_FT_FLOAT, lv(L, n->list, NULL), lv(L, n->list->next, NULL));
    if (strcmp(f, "ip") == 0 || strcmp(f, "cidr") == 0) { /* ip("::1"), cidr("10.0.0.0/8") */
      uint32_t k = literal(L, n->list, hnc_type_base(TY_IP));
      addr_const(&AT(&L->consts, hn_const, k), n->list->str, n->list->len);
      return vexpr(L, HN_VX_CONST, HN_FT_IP, k, 0);
    }
    static const char *const parts[] = {"minute", "hour", "day", "week", "month", "year"};
    for (uint32_t i = 0; i < 6; i++)
      if (strcmp(f, parts[i]) == 0) return vexpr(L, HN_VX_TIMEPART, HN_FT_INT, lv(L, n->list, NULL), i);
    int op = strcmp(f, "lower") == 0 ? HN_VX_LOWER : strcmp(f, "upper") == 0 ? HN_VX_UPPER
             : strcmp(f, "len") == 0 ? HN_VX_LEN : HN_VX_ABS;
    /* len() counts a list's elements and a string's code points: the declared type decides
     * (b = 1), not how many values an event happens to hold */
    uint32_t of_list = op == HN_VX_LEN && n->list->type && n->list->type->k == TY_LIST;
    return vexpr(L, op, ftype_of(n->type), lv(L, n->list, NULL), of_list);
  }
  default: {
    uint32_t k = literal(L, n, want);
    return vexpr(L, HN_VX_CONST, ftype_of(n->type), k, 0);
  }
  }
}

/* ---- string patterns --------------------------------------------------------------------------- */
static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64(const unsigned char *s, size_t n, char *out) {
  size_t k = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
    out[k++] = b64chars[(v >> 18) & 63];
    out[k++] = b64chars[(v >> 12) & 63];
    out[k++] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
    out[k++] = i + 2 < n ? b64chars[v & 63] : '=';
  }
  return k;
}

/* UTF-8 -> UTF-16 (le or be) bytes. */
static size_t utf16(const char *s, size_t n, char *out, bool be) {
  size_t k = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    unsigned cp;
    size_t l = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    if (i + l > n) l = n - i;
    cp = l == 1 ? c : l == 2 ? (c & 0x1Fu) : l == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (size_t j = 1; j < l; j++) cp = (cp << 6) | ((unsigned char)s[i + j] & 0x3Fu);
    i += l;
    unsigned units[2];
    int nu = 1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units[0] = 0xD800 + (cp >> 10);
      units[1] = 0xDC00 + (cp & 0x3FF);
      nu = 2;
    } else {
      units[0] = cp;
    }
    for (int u = 0; u < nu; u++) {
      out[k++] = (char)(be ? units[u] >> 8 : units[u] & 0xFF);
      out[k++] = (char)(be ? units[u] & 0xFF : units[u] >> 8);
    }
  }
  return k;
}

typedef struct strs {
  char **s;
  size_t *n;
  size_t count, cap;
} strs;

static void strs_add(strs *x, const char *s, size_t n) {
  if (x->count == x->cap) {
    size_t cap = x->cap ? x->cap * 2 : 8;
    x->s = realloc(x->s, cap * sizeof *x->s);
    x->n = realloc(x->n, cap * sizeof *x->n);
    x->cap = cap;
  }
  if (!x->s || !x->n) return;
  x->s[x->count] = malloc(n + 1);
  if (!x->s[x->count]) return;
  memcpy(x->s[x->count], s, n);
  x->s[x->count][n] = 0;
  x->n[x->count++] = n;
}

static void strs_free(strs *x) {
  for (size_t i = 0; i < x->count; i++) free(x->s[i]);
  free(x->s);
  free(x->n);
  memset(x, 0, sizeof *x);
}

/* windash: each '-' or '/' that starts a word takes each of - / and the en dash, em dash and
 * horizontal bar. More than HNC_WINDASH_MAX such characters is an error (the checker says so
 * for literals; an inner transform's output is only known here): false then. */
static bool windash(strs *out, const char *s, size_t n) {
  static const char *const dashes[] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};
  size_t pos[HNC_WINDASH_MAX], np = 0;
  for (size_t i = 0; i < n; i++) {
    if (!hnc_windash_at(s, n, i)) continue;
    if (np == HNC_WINDASH_MAX) return false;
    pos[np++] = i;
  }
  size_t total = 1;
  for (size_t i = 0; i < np; i++) total *= 5;
  char *buf = malloc(n * 3 + 1);
  if (!buf) return true;
  for (size_t v = 0; v < total; v++) {
    size_t k = 0, code = v, p = 0;
    for (size_t i = 0; i < n; i++) {
      if (p < np && pos[p] == i) {
        const char *d = dashes[code % 5];
        code /= 5;
        p++;
        memcpy(buf + k, d, strlen(d));
        k += strlen(d);
      } else {
        buf[k++] = s[i];
      }
    }
    strs_add(out, buf, k);
  }
  free(buf);
  return true;
}

/* The strings of a transform applied to each input (Sigma's modifiers, innermost first).
 * False when windash() meets a string with too many dashes. */
static bool transform(const char *f, strs *in, strs *out) {
  bool ok = true;
  for (size_t i = 0; i < in->count; i++) {
    const char *s = in->s[i];
    size_t n = in->n[i];
    char *buf = malloc(n * 4 + 16);
    if (!buf) return ok;
    if (strcmp(f, "base64") == 0) {
      strs_add(out, buf, b64((const unsigned char *)s, n, buf));
    } else if (strcmp(f, "base64offset") == 0) {
      /* the three alignments of s inside a longer base64 text, with the characters that
       * depend on the unknown neighbours cut off (as Sigma's reference implementation) */
      static const int start[3] = {0, 2, 3}, end_cut[3] = {0, 3, 2};
      for (int k = 0; k < 3; k++) {
        unsigned char *pre = malloc(n + 3);
        if (!pre) break;
        memset(pre, ' ', (size_t)k);
        memcpy(pre + k, s, n);
        size_t len = b64(pre, n + (size_t)k, buf);
        free(pre);
        int cut = end_cut[(n + (size_t)k) % 3];
        size_t e = len - (size_t)cut;
        /* one byte at offset 1 leaves no character of its own: the empty string, which every
         * string contains, as Sigma's reference gives */
        strs_add(out, buf + start[k], (size_t)start[k] < e ? e - (size_t)start[k] : 0);
      }
    } else if (strcmp(f, "wide") == 0 || strcmp(f, "utf16le") == 0) {
      strs_add(out, buf, utf16(s, n, buf, false));
    } else if (strcmp(f, "utf16be") == 0) {
      strs_add(out, buf, utf16(s, n, buf, true));
    } else if (strcmp(f, "windash") == 0) {
      ok &= windash(out, s, n);
    }
    free(buf);
  }
  return ok;
}

/* Collects the literal strings of a string operator's right side: strings, lists, list names,
 * macros whose body is a constant (§7), and transforms of those. */
static void patterns(lower *L, const hnc_node *r, strs *out) {
  switch (r->kind) {
  case N_PAREN: patterns(L, r->a, out); break;
  case N_STRING: strs_add(out, r->str, r->len); break;
  case N_LISTLIT:
    for (const hnc_node *e = r->list; e; e = e->next) patterns(L, e, out);
    break;
  case N_PATH:
    if (r->sym && r->sym->decl->kind == N_LISTDECL)
      for (const hnc_node *e = r->sym->decl->list; e; e = e->next) patterns(L, e, out);
    else if (r->sym && r->sym->decl->kind == N_MACRO && r->sym->decl->a) /* a macro whose body is a constant (§7) */
      patterns(L, r->sym->decl->a, out);
    break;
  case N_CALL: {
    strs in = {0};
    patterns(L, r->list, &in);
    if (!transform(r->str, &in, out)) {
      hnc_error(L->c, r->loc, "windash", "windash() varies at most %d dashes in one string: one of its strings has more",
                HNC_WINDASH_MAX);
      L->reported = true;
    }
    strs_free(&in);
    break;
  }
  default: break;
  }
}

/* ---- boolean expressions ------------------------------------------------------------------- */
static uint32_t lb(lower *L, const hnc_node *n);

static const hnc_node *unparen(const hnc_node *n) {
  while (n->kind == N_PAREN) n = n->a;
  return n;
}

/* The operands of an and/or (op) as one n-ary node's kids, through parentheses: `a or (b or
 * c)` is or(a, b, c). The left-deep links of a chain (100,000 long for a big Sigma list) are
 * walked in a loop; only parentheses recurse, and the parser bounds those. */
static void flatten(lower *L, const hnc_node *n, int op, vec *kids) {
  n = unparen(n);
  if (n->kind != N_BINARY || n->op != op) {
    push_id(L, kids, lb(L, n));
    return;
  }
  vec links = {.size = sizeof(const hnc_node *)};
  for (; n->kind == N_BINARY && n->op == op; n = unparen(n->a)) push_ptr(L, &links, n);
  push_id(L, kids, lb(L, n));
  for (size_t i = links.n; i-- > 0;) flatten(L, ((const hnc_node *)AT(&links, const void *, i))->b, op, kids);
  free(links.v);
}

static const int cmp_ops[HNC_OP_COUNT] = {[HNC_OP_EQ] = HN_P_EQ, [HNC_OP_NE] = HN_P_EQ, [HNC_OP_LT] = HN_P_LT,
                                          [HNC_OP_LE] = HN_P_LE, [HNC_OP_GT] = HN_P_GT, [HNC_OP_GE] = HN_P_GE};
static const int str_ops[HNC_OP_COUNT] = {[HNC_OP_CONTAINS] = HN_P_CONTAINS, [HNC_OP_STARTSWITH] = HN_P_STARTSWITH,
                                          [HNC_OP_ENDSWITH] = HN_P_ENDSWITH, [HNC_OP_LIKE] = HN_P_LIKE,
                                          [HNC_OP_MATCHES] = HN_P_MATCHES};

/* The field a predicate reads first, for explain and matched-field output. */
static uint32_t read_slot(lower *L, const hnc_node *n) {
  while (n && (n->kind == N_PAREN || n->kind == N_CALL)) n = n->kind == N_PAREN ? n->a : n->list;
  bool severity = n && n->kind == N_PATH && !memchr(n->str, '.', n->len) && sev_value(n->str, n->len);
  if (n && n->kind == N_PATH && !severity && (field_of(L, n) || (n->len > 6 && memcmp(n->str, "alert.", 6) == 0) ||
                                 (n->len > 9 && memcmp(n->str, "incident.", 9) == 0) ||
                                 (n->len > 6 && memcmp(n->str, "asset.", 6) == 0)))
    return path_slot(L, n);
  return UINT32_MAX;
}

static uint32_t lb_strop(lower *L, const hnc_node *n) {
  hn_pred pr = {0};
  pr.op = (uint8_t)str_ops[n->op];
  pr.flags = (uint8_t)(((n->flags & HNC_F_NOCASE) ? HN_PF_NOCASE : 0) | ((n->flags & HNC_F_ALL) ? HN_PF_ALL : 0));
  pr.lhs = lv(L, n->a, NULL);
  pr.rhs = UINT32_MAX;
  pr.slot = read_slot(L, n->a);
  size_t first = L->consts.n;
  const hnc_node *r = n->b;
  bool field_rhs = r->kind == N_PATH && !(r->sym && r->sym->decl->kind == N_LISTDECL) && field_of(L, r);
  if (field_rhs) {
    pr.rhs = lv(L, r, NULL); /* field-to-field: the other field's values are the patterns */
  } else {
    strs ps = {0};
    patterns(L, r, &ps);
    /* regexes keep their spelling (PCRE2 folds case itself); other patterns are pre-folded */
    bool fold = (pr.flags & HN_PF_NOCASE) && pr.op != HN_P_MATCHES;
    for (size_t i = 0; i < ps.count; i++) const_str(L, ps.s[i], ps.n[i], fold);
    strs_free(&ps);
  }
  return b_pred(L, predicate(L, pr, first));
}

static void in_consts(lower *L, const hnc_node *r, const hnc_type *lt) {
  switch (r->kind) {
  case N_PAREN: in_consts(L, r->a, lt); break;
  case N_LISTLIT:
    for (const hnc_node *e = r->list; e; e = e->next) in_consts(L, e, lt);
    break;
  case N_PATH:
    if (r->sym && r->sym->decl->kind == N_LISTDECL)
      for (const hnc_node *e = r->sym->decl->list; e; e = e->next) in_consts(L, e, lt);
    else if (r->sym && r->sym->decl->kind == N_MACRO) /* a macro whose body is a list literal */
      in_consts(L, r->sym->decl->a, lt);
    break;
  case N_CALL: /* ip in cidr("fd00::/8"), as the string would be (§6.9) */
    if (r->list && r->list->kind == N_STRING && (!strcmp(r->str, "cidr") || !strcmp(r->str, "ip"))) in_consts(L, r->list, lt);
    break;
  case N_NEG: case N_INT: case N_FLOAT: case N_BOOL: case N_NULL: case N_DURATION: case N_SIZE:
    if (r->kind == N_NEG) {
      uint32_t k = literal(L, r->a, lt);
      hn_const *c = &AT(&L->consts, hn_const, k);
      if (c->kind == HN_V_INT) c->u.i = -c->u.i;
      else c->u.f = -c->u.f;
    } else {
      literal(L, r, lt);
    }
    break;
  case N_STRING: {
    hnc_tk k = lt && lt->k == TY_LIST && lt->elem ? lt->elem->k : lt ? lt->k : TY_STRING;
    if (k == TY_IP) { /* a CIDR range or an address */
      hn_const *c = push_const(L);
      if (c) addr_const(c, r->str, r->len);
    } else if (k == TY_STRING) {
      const_str(L, r->str, r->len, false);
    } else {
      literal(L, r, lt);
    }
    break;
  }
  default: break;
  }
}

static uint32_t lb_in(lower *L, const hnc_node *n) {
  hn_pred pr = {0};
  pr.lhs = lv(L, n->a, NULL);
  pr.rhs = UINT32_MAX;
  pr.slot = read_slot(L, n->a);
  size_t first = L->consts.n;
  const hnc_node *r = n->b;
  while (r->kind == N_PAREN) r = r->a;
  if (r->kind == N_RANGE) {
    pr.op = HN_P_RANGE;
    in_consts(L, r->a, n->a->type);
    in_consts(L, r->b, n->a->type);
    return b_pred(L, predicate(L, pr, first));
  }
  pr.op = HN_P_IN;
  if (r->kind == N_PATH && !r->sym && field_of(L, r)) { /* ip in a cidr field: its networks (§6.9) */
    pr.rhs = lv(L, r, NULL);
    return b_pred(L, predicate(L, pr, first));
  }
  bool nocase = (n->flags & HNC_F_NOCASE) != 0;
  pr.flags = nocase ? HN_PF_NOCASE : 0;
  in_consts(L, r, n->a->type);
  if (nocase) /* compare folded with folded */
    for (size_t i = first; i < L->consts.n; i++) {
      hn_const *c = &AT(&L->consts, hn_const, i);
      if (c->kind != HN_V_STRING) continue;
      char *b = hn_arena_alloc(L->a, HN_CASE_ROOM(c->len));
      if (!b) { L->failed = true; break; }
      c->len = (uint32_t)hn_fold(c->u.s, c->len, b);
      c->u.s = b;
    }
  return b_pred(L, predicate(L, pr, first));
}

static uint32_t lb(lower *L, const hnc_node *n) {
  switch (n->kind) {
  case N_PAREN: return lb(L, n->a);
  case N_BOOL: return n->i ? b_true(L) : b_false(L);
  case N_NOT: return b_not(L, lb(L, n->a));
  case N_COND: {
    uint32_t c = lb(L, n->a);
    uint32_t x[2] = {c, lb(L, n->b)}, y[2] = {b_not(L, c), lb(L, n->c)};
    uint32_t o[2] = {b_nary(L, HN_B_AND, x, 2), b_nary(L, HN_B_AND, y, 2)};
    return b_nary(L, HN_B_OR, o, 2);
  }
  case N_BINARY:
    if (n->op == HNC_OP_AND || n->op == HNC_OP_OR) {
      vec kids = {.size = sizeof(uint32_t)};
      flatten(L, n, n->op, &kids);
      uint32_t r = kids.v ? b_nary(L, n->op == HNC_OP_AND ? HN_B_AND : HN_B_OR, kids.v, kids.n) : b_false(L);
      free(kids.v);
      return r;
    } else {
      hn_pred pr = {0};
      pr.op = (uint8_t)cmp_ops[n->op];
      pr.flags = (n->flags & HNC_F_NOCASE) ? HN_PF_NOCASE : 0;
      pr.lhs = lv(L, n->a, n->b->type);
      pr.rhs = lv(L, n->b, n->a->type);
      pr.slot = read_slot(L, n->a);
      hn_vexpr *rx = &AT(&L->vexprs, hn_vexpr, pr.rhs);
      if ((pr.flags & HN_PF_NOCASE) && rx->op == HN_VX_CONST && AT(&L->consts, hn_const, rx->a).kind == HN_V_STRING) {
        /* fold a caseless string constant once, here, instead of on every comparison */
        hn_const c = AT(&L->consts, hn_const, rx->a);
        const_str(L, c.u.s, c.len, true);
        AT(&L->consts, hn_const, L->consts.n - 1).folded = 1;
        pr.rhs = vexpr(L, HN_VX_CONST, HN_FT_STRING, (uint32_t)(L->consts.n - 1), 1);
      }
      if (pr.slot == UINT32_MAX) pr.slot = read_slot(L, n->b);
      uint32_t b = b_pred(L, predicate(L, pr, L->consts.n));
      return n->op == HNC_OP_NE ? b_not(L, b) : b; /* != is exactly not == (lang/SPEC.md §6.4) */
    }
  case N_STROP: return lb_strop(L, n);
  case N_IN: return lb_in(L, n);
  case N_HAS: {
    hn_pred pr = {0};
    pr.op = HN_P_HAS;
    pr.lhs = lv(L, n->a, NULL);
    pr.rhs = lv(L, tag_literal(L, n->a, n->b), n->a->type);
    pr.slot = read_slot(L, n->a);
    return b_pred(L, predicate(L, pr, L->consts.n));
  }
  case N_CALL:
    if (!strcmp(n->str, "inventoried") || !strcmp(n->str, "in_ranges")) {
      hn_pred pr = {0};
      pr.op = !strcmp(n->str, "inventoried") ? HN_P_INVENTORIED : HN_P_IN_RANGES;
      pr.slot = path_slot(L, n->list);
      pr.lhs = pr.rhs = UINT32_MAX;
      return b_pred(L, predicate(L, pr, L->consts.n));
    }
    return b_false(L);
  case N_EXISTS: case N_MISSING: {
    hn_pred pr = {0};
    pr.op = n->kind == N_EXISTS ? HN_P_EXISTS : HN_P_MISSING;
    pr.slot = path_slot(L, n->a);
    pr.lhs = pr.rhs = UINT32_MAX;
    return b_pred(L, predicate(L, pr, L->consts.n));
  }
  case N_PATH:
    if (n->sym && n->sym->decl->kind == N_MACRO) {
      return lower_macro(L, n->sym, true, NULL);
    } else { /* a bool field used as a condition */
      hn_pred pr = {0};
      pr.op = HN_P_EQ;
      pr.lhs = lv(L, n, NULL);
      hn_const *c = push_const(L);
      if (c) { c->kind = HN_V_BOOL; c->u.i = 1; }
      pr.rhs = vexpr(L, HN_VX_CONST, HN_FT_BOOL, (uint32_t)(L->consts.n - 1), 0);
      pr.slot = read_slot(L, n);
      return b_pred(L, predicate(L, pr, L->consts.n));
    }
  default:
    return b_false(L);
  }
}

/* ---- rules, tests ---------------------------------------------------------------------------- */
static const hnc_node *item(const hnc_node *decl, int op) {
  for (const hnc_node *it = decl->list; it; it = it->next)
    if (it->kind == N_ITEM && it->op == op) return it;
  return NULL;
}

static const char *item_str(lower *L, const hnc_node *decl, int op) {
  const hnc_node *it = item(decl, op);
  return it && it->a ? keep(L, it->a->str, it->a->len) : NULL;
}

/* ---- correlation rules ------------------------------------------------------------------- */
static uint32_t hpush3(lower *L, int op, int cmp, uint32_t a, uint32_t b, uint32_t c) {
  hn_hnode *h = vec_push(&L->hn);
  if (!h) { L->failed = true; return 0; }
  h->op = (uint8_t)op;
  h->cmp = (uint8_t)cmp;
  h->a = a;
  h->b = b;
  h->c = c;
  return (uint32_t)(L->hn.n - 1);
}

static uint32_t hpush(lower *L, int op, int cmp, uint32_t a, uint32_t b) { return hpush3(L, op, cmp, a, b, 0); }

static uint32_t having_agg(lower *L, const hnc_node *n) {
  hn_agg *g = vec_push(&L->aggs);
  if (!g) { L->failed = true; return 0; }
  uint32_t gi = (uint32_t)(L->aggs.n - 1);
  const char *f = n->str;
  const hnc_node *arg = n->list;
  g->arg = g->cond = UINT32_MAX;
  static const char *const names[] = {"count", "distinct", "sum", "avg", "min", "max", "percentile"};
  static const uint8_t kinds[] = {HN_AGG_COUNT, HN_AGG_DISTINCT, HN_AGG_SUM, HN_AGG_AVG, HN_AGG_MIN, HN_AGG_MAX,
                                  HN_AGG_PERCENTILE};
  for (int i = 0; i < 7; i++)
    if (strcmp(f, names[i]) == 0) g->kind = kinds[i];
  if (g->kind == HN_AGG_PERCENTILE) {
    const hnc_node *p = arg->next;
    g->p = p->kind == N_INT ? (double)p->i : p->f;
  }
  bool row = arg && arg->kind == N_PATH && (!strcmp(arg->str, "alert") || !strcmp(arg->str, "incident") ||
                                            !strcmp(arg->str, "asset") || !strcmp(arg->str, "transition") ||
                                            !strcmp(arg->str, "sla") || !strcmp(arg->str, "exposure"));
  if (L->in_kpi) { /* the rows it reads: sema recorded hn_kpi_root + 1 in the call (0: incidents) */
    uint8_t *r = vec_push(&L->kpi_roots);
    if (!r) { L->failed = true; return 0; }
    *r = (uint8_t)(n->i > 0 ? n->i - 1 : HN_KR_INCIDENT);
  }
  if (row) arg = NULL; /* count(alert): the rows themselves */
  if (arg && g->kind == HN_AGG_COUNT) {
    g->kind = HN_AGG_COUNT_OF; /* rows where the argument is present, and true if it is a bool */
    if (arg->type && arg->type->k == TY_BOOL) g->cond = lb(L, arg);
    else g->arg = lv(L, arg, NULL);
  } else if (arg) {
    g->arg = lv(L, arg, NULL);
  }
  g = &AT(&L->aggs, hn_agg, gi);
  g->type = (uint8_t)ftype_of(arg ? arg->type : NULL);
  return hpush(L, HN_H_AGG, 0, gi, 0);
}

static uint32_t lower_having(lower *L, const hnc_node *n, const hnc_type *want);

/* hnodes op over v[0..n), as a balanced tree. */
static uint32_t balanced(lower *L, int op, const uint32_t *v, size_t n) {
  if (n == 1) return v[0];
  uint32_t a = balanced(L, op, v, n / 2), b = balanced(L, op, v + n / 2, n - n / 2);
  return hpush(L, op, 0, a, b);
}

/* An and/or chain of `having` (or of a score): hnodes are binary and the runtime and the native
 * code recurse over them, so the chain becomes a balanced tree, log2(n) deep, evaluated in the
 * same order. The chain's links are walked in a loop (see flatten). */
static uint32_t having_chain(lower *L, const hnc_node *n) {
  int op = n->op;
  vec links = {.size = sizeof(const void *)}, ops = {.size = sizeof(uint32_t)};
  const hnc_node *e = n;
  for (; e->kind == N_BINARY && e->op == op; e = e->a) push_ptr(L, &links, e);
  push_id(L, &ops, lower_having(L, e, NULL));
  for (size_t i = links.n; i-- > 0;) push_id(L, &ops, lower_having(L, ((const hnc_node *)AT(&links, const void *, i))->b, NULL));
  uint32_t r = ops.n == links.n + 1 ? balanced(L, op == HNC_OP_AND ? HN_H_AND : HN_H_OR, ops.v, ops.n)
                                    : hpush(L, HN_H_CONST, 0, 0, 0); /* out of memory: L->failed */
  free(links.v);
  free(ops.v);
  return r;
}

/* `having` as hnodes: aggregates, constants, arithmetic, comparisons and logic; a condition on
 * the group-by paths alone is a bnode over the group's key values. */
static uint32_t lower_having(lower *L, const hnc_node *n, const hnc_type *want) {
  switch (n->kind) {
  case N_PAREN: return lower_having(L, n->a, want);
  case N_NOT: return hpush(L, HN_H_NOT, 0, lower_having(L, n->a, NULL), 0);
  case N_COND: {
    uint32_t c = lower_having(L, n->a, NULL), x = lower_having(L, n->b, want), y = lower_having(L, n->c, want);
    return hpush3(L, HN_H_COND, 0, c, x, y);
  }
  case N_NEG:
    if (n->a->kind == N_INT || n->a->kind == N_FLOAT) break;
    return hpush(L, HN_H_ARITH, HN_VX_NEG, lower_having(L, n->a, want), 0);
  case N_BINARY: {
    static const int cmps[HNC_OP_COUNT] = {[HNC_OP_EQ] = HN_P_EQ + 1, [HNC_OP_NE] = HN_P_NE + 1, [HNC_OP_LT] = HN_P_LT + 1,
                                           [HNC_OP_LE] = HN_P_LE + 1, [HNC_OP_GT] = HN_P_GT + 1, [HNC_OP_GE] = HN_P_GE + 1};
    static const int ariths[HNC_OP_COUNT] = {[HNC_OP_ADD] = HN_VX_ADD + 1, [HNC_OP_SUB] = HN_VX_SUB + 1,
                                             [HNC_OP_MUL] = HN_VX_MUL + 1, [HNC_OP_DIV] = HN_VX_DIV + 1,
                                             [HNC_OP_MOD] = HN_VX_MOD + 1};
    if (n->op == HNC_OP_AND || n->op == HNC_OP_OR) return having_chain(L, n);
    if (cmps[n->op] || ariths[n->op]) {
      uint32_t a = lower_having(L, n->a, n->b->type), b = lower_having(L, n->b, n->a->type);
      return cmps[n->op] ? hpush(L, HN_H_CMP, cmps[n->op] - 1, a, b) : hpush(L, HN_H_ARITH, ariths[n->op] - 1, a, b);
    }
    break;
  }
  case N_CALL:
    if (!strcmp(n->str, "count") || !strcmp(n->str, "distinct") || !strcmp(n->str, "sum") || !strcmp(n->str, "avg") ||
        !strcmp(n->str, "min") || !strcmp(n->str, "max") || !strcmp(n->str, "percentile"))
      return having_agg(L, n);
    break;
  case N_INT: case N_FLOAT: case N_DURATION: case N_SIZE: case N_STRING: case N_BOOL: case N_NULL:
    return hpush(L, HN_H_CONST, 0, literal(L, n, want), 0);
  default: break;
  }
  if (n->kind == N_NEG) {
    uint32_t k = literal(L, n->a, want);
    hn_const *c = &AT(&L->consts, hn_const, k);
    if (c->kind == HN_V_INT) c->u.i = -c->u.i;
    else c->u.f = -c->u.f;
    return hpush(L, HN_H_CONST, 0, k, 0);
  }
  if (n->type && n->type->k == TY_BOOL) return hpush(L, HN_H_EVENT, 0, lb(L, n), 0);
  return hpush(L, HN_H_VALUE, 0, lv(L, n, want), 0); /* a value of the incident (scores) */
}

static hn_corr *new_corr(lower *L, hn_rule *rule) {
  hn_corr *c = vec_push(&L->corrs);
  if (!c) { L->failed = true; return NULL; }
  rule->corr = (uint32_t)(L->corrs.n - 1);
  c->until = UINT32_MAX;
  L->hn.n = L->aggs.n = L->binds.n = 0;
  return c;
}

static void *settle_into(lower *L, vec *x, uint32_t *n) {
  *n = (uint32_t)x->n;
  void *d = hn_arena_alloc(L->a, x->n * x->size + 1);
  if (!d) { L->failed = true; return NULL; }
  if (x->n) memcpy(d, x->v, x->n * x->size);
  return d;
}

static uint32_t *key_slots(lower *L, const hnc_node *paths, uint32_t *n) {
  size_t k = hnc_list_len(paths);
  uint32_t *v = hn_arena_alloc(L->a, (k + 1) * sizeof *v);
  *n = 0;
  for (const hnc_node *pth = paths; pth && v; pth = pth->next) v[(*n)++] = path_slot(L, pth);
  if (!v) L->failed = true;
  return v;
}

/* A rule without entities takes its keys as entities (§10.10). */
static void default_entities(lower *L, hn_rule *rule, const hnc_node *paths) {
  if (rule->n_entities || !paths) return;
  size_t k = hnc_list_len(paths);
  rule->entities = hn_arena_alloc(L->a, (k + 1) * sizeof *rule->entities);
  rule->entity_names = hn_arena_alloc(L->a, (k + 1) * sizeof *rule->entity_names);
  for (const hnc_node *e = paths; e && rule->entities && rule->entity_names; e = e->next) {
    rule->entity_names[rule->n_entities] = keep(L, e->str, e->len);
    rule->entities[rule->n_entities++] = path_slot(L, e);
  }
}

static void lower_aggregation(lower *L, const hnc_node *r, hn_rule *rule) {
  size_t ci = L->corrs.n;
  if (!new_corr(L, rule)) return;
  const hnc_node *gb = item(r, HNC_IT_GROUPBY), *win = item(r, HNC_IT_WINDOW), *hav = item(r, HNC_IT_HAVING);
  uint32_t nk = 0;
  uint32_t *keys = key_slots(L, gb ? gb->list : NULL, &nk);
  int64_t window = win && win->a ? win->a->i * 1000000 : 0;
  bool tumbling = win && (win->flags & HNC_F_TUMBLING);
  uint32_t root = hav && hav->a ? lower_having(L, hav->a, NULL) : hpush(L, HN_H_CONST, 0, 0, 0);
  hn_corr *c = &AT(&L->corrs, hn_corr, ci);
  c->keys = keys;
  c->n_keys = nk;
  c->window = window;
  c->tumbling = tumbling;
  c->having = root;
  c->hn = settle_into(L, &L->hn, &c->n_hn);
  c->aggs = settle_into(L, &L->aggs, &c->n_aggs);
  default_entities(L, rule, gb ? gb->list : NULL);
}

/* `except E` items of a rule, each as not E, appended to a condition's parts. */
static void except_parts(lower *L, const hnc_node *r, vec *parts) {
  for (const hnc_node *it = r->list; it; it = it->next)
    if (it->op == HNC_IT_EXCEPT && it->a) push_id(L, parts, b_not(L, lb(L, it->a)));
}

/* The condition of a `from` list of log sources (each in its own pack's fields), or true. */
static uint32_t sources_cond(lower *L, const hnc_node *from) {
  vec srcs = {.size = sizeof(uint32_t)};
  for (const hnc_node *nm = from ? from->list : NULL; nm; nm = nm->next) {
    if (!nm->sym || nm->sym->decl->kind != N_LOGSOURCE) continue; /* rules: alerts, not events */
    hnc_pack *saved = L->pack;
    L->pack = nm->sym->pack;
    push_id(L, &srcs, lb(L, nm->sym->decl->a));
    L->pack = saved;
  }
  uint32_t r = srcs.n ? b_nary(L, HN_B_OR, srcs.v, srcs.n) : b_true(L);
  free(srcs.v);
  return r;
}

static void lower_sequence(lower *L, const hnc_node *r, hn_rule *rule, const hnc_node *seq) {
  size_t ci = L->corrs.n;
  if (!new_corr(L, rule)) return;
  L->steps = seq->list;
  uint32_t nk = 0;
  uint32_t *keys = key_slots(L, seq->c, &nk);
  size_t ns = hnc_list_len(seq->list);
  hn_step *steps = hn_arena_alloc(L->a, (ns + 1) * sizeof *steps);
  if (!steps) { L->failed = true; return; }
  uint32_t k = 0;
  for (const hnc_node *st = seq->list; st; st = st->next, k++) {
    vec parts = {.size = sizeof(uint32_t)};
    push_id(L, &parts, rule->source);
    if (st->a) push_id(L, &parts, lb(L, st->a));
    except_parts(L, r, &parts);
    steps[k].cond = parts.v ? b_nary(L, HN_B_AND, parts.v, parts.n) : b_false(L);
    free(parts.v);
    steps[k].negated = (st->flags & HNC_F_NOT) != 0;
    steps[k].name = keep(L, st->str, st->len);
    if (st->b) {
      steps[k].repeat_op = st->op == HNC_OP_EQ ? HN_REP_EQ : HN_REP_GE;
      steps[k].repeat = (uint32_t)st->b->i;
    }
  }
  uint32_t until = UINT32_MAX;
  if (seq->b) {
    uint32_t parts[2] = {rule->source, lb(L, seq->b)};
    until = b_nary(L, HN_B_AND, parts, 2);
  }
  L->steps = NULL;
  hn_corr *c = &AT(&L->corrs, hn_corr, ci);
  c->keys = keys;
  c->n_keys = nk;
  c->window = seq->a ? seq->a->i * 1000000 : 0;
  c->steps = steps;
  c->n_steps = k;
  c->until = until;
  c->binds = settle_into(L, &L->binds, &c->n_binds);
  default_entities(L, rule, seq->c);
}

/* ---- scores and domains ------------------------------------------------------------------ */
static void lower_score(lower *L, const hnc_node *d) {
  hn_score *sc = vec_push(&L->scores);
  hn_corr *c = vec_push(&L->corrs);
  if (!sc || !c) { L->failed = true; return; }
  size_t ci = L->corrs.n - 1, si = L->scores.n - 1;
  c->until = UINT32_MAX;
  L->hn.n = L->aggs.n = L->binds.n = 0;
  uint32_t root = d->a ? lower_having(L, d->a, NULL) : hpush(L, HN_H_CONST, 0, 0, 0);
  c = &AT(&L->corrs, hn_corr, ci);
  c->having = root;
  c->hn = settle_into(L, &L->hn, &c->n_hn);
  c->aggs = settle_into(L, &L->aggs, &c->n_aggs);
  sc = &AT(&L->scores, hn_score, si);
  sc->name = keep(L, d->str, d->len);
  sc->corr = (uint32_t)ci;
}

/* ---- which domains route (§12) ----------------------------------------------------------------
 * The root pack's domains and those of the packs it imports directly route incidents by their
 * conditions and default; a pack loaded only through another's imports does not take over the
 * root's routing: its domains stay only for the services that name them. Of domains of one name,
 * the one nearest the root shadows the others (a pack's own `database` replaces an imported one). */
enum { DOMAIN_DROP, DOMAIN_ROUTES, DOMAIN_FOR_SERVICES };

static int pack_rank(const hnc_compiler *c, const hnc_pack *p) {
  if (p->is_root) return 0;
  for (size_t i = 0; i < c->n_packs; i++)
    for (size_t k = 0; c->packs[i]->is_root && k < c->packs[i]->n_imports; k++)
      if (c->packs[i]->imports[k] == p) return 1;
  return 2;
}

static bool service_names(const hnc_compiler *c, const hnc_node *dom) {
  for (size_t i = 0; i < c->n_packs; i++)
    for (size_t f = 0; f < c->packs[i]->n_files; f++)
      for (const hnc_node *n = c->packs[i]->files[f].root ? c->packs[i]->files[f].root->list : NULL; n; n = n->next) {
        const hnc_node *it = n->kind == N_SERVICE ? item(n, HNC_IT_DOMAIN) : NULL;
        if (it && it->a && it->a->len == dom->len && memcmp(it->a->str, dom->str, dom->len) == 0) return true;
      }
  return false;
}

/* §12: a default in the root pack overrides the imported ones (sema made sure there is one). */
static bool root_default(const hnc_compiler *c) {
  for (size_t i = 0; i < c->n_packs; i++)
    for (size_t f = 0; c->packs[i]->is_root && f < c->packs[i]->n_files; f++)
      for (const hnc_node *n = c->packs[i]->files[f].root ? c->packs[i]->files[f].root->list : NULL; n; n = n->next)
        if (n->kind == N_DOMAIN && item(n, HNC_IT_DEFAULT)) return true;
  return false;
}

static int domain_role(const hnc_compiler *c, const hnc_pack *p, const hnc_node *d) {
  int rank = pack_rank(c, p);
  for (size_t i = 0; i < c->n_packs && c->packs[i] != p; i++) /* an earlier pack of the same rank wins */
    if (pack_rank(c, c->packs[i]) <= rank && hnc_table_get(&c->packs[i]->syms[NS_DOMAIN], d->str, d->len)) return DOMAIN_DROP;
  for (size_t i = 0; i < c->n_packs; i++)
    if (pack_rank(c, c->packs[i]) < rank && hnc_table_get(&c->packs[i]->syms[NS_DOMAIN], d->str, d->len)) return DOMAIN_DROP;
  if (rank < 2) return DOMAIN_ROUTES;
  return service_names(c, d) ? DOMAIN_FOR_SERVICES : DOMAIN_DROP;
}

static void lower_domain(lower *L, const hnc_node *d) {
  int role = domain_role(L->c, L->pack, d);
  if (role == DOMAIN_DROP) return;
  hn_domain *dm = vec_push(&L->domains);
  if (!dm) { L->failed = true; return; }
  size_t di = L->domains.n - 1;
  const char *name = keep(L, d->str, d->len), *title = item_str(L, d, HNC_IT_TITLE);
  const hnc_node *when = item(d, HNC_IT_WHEN), *wip = item(d, HNC_IT_WIP), *score = item(d, HNC_IT_SCORE);
  uint32_t w = when && when->a && role == DOMAIN_ROUTES ? lb(L, when->a) : UINT32_MAX;
  dm = &AT(&L->domains, hn_domain, di);
  dm->name = name;
  dm->title = title;
  dm->when = w;
  dm->wip = wip && wip->a ? (int32_t)wip->a->i : -1;
  dm->is_default = role == DOMAIN_ROUTES && item(d, HNC_IT_DEFAULT) && (L->pack->is_root || !root_default(L->c));
  dm->score = UINT32_MAX;
  /* the score's name, resolved once every score is lowered */
  dm->title = title;
  push_ptr(L, &L->domain_scores, score && score->a ? keep(L, score->a->str, score->a->len) : NULL);
}

static void lower_exposure(lower *L, const hnc_node *d) {
  hn_exposure x;
  memset(&x, 0, sizeof x);
  x.name = keep(L, d->str, d->len);
  x.title = item_str(L, d, HNC_IT_TITLE);
  const hnc_node *ctl = item(d, HNC_IT_CONTROL);
  if (ctl && ctl->a)
    x.control = ctl->a->sym ? keep(L, ctl->a->sym->name, ctl->a->sym->len) : keep(L, ctl->a->str, ctl->a->len);
  x.open = x.close = x.state = UINT32_MAX;
  const hnc_node *w = item(d, HNC_IT_WEIGHT);
  x.weight = w && w->a ? (w->a->kind == N_FLOAT ? w->a->f : (double)w->a->i) : 1.0;
  /* from: the log sources both conditions are restricted to */
  uint32_t source = sources_cond(L, item(d, HNC_IT_FROM));
  const hnc_node *open = item(d, HNC_IT_OPEN), *close = item(d, HNC_IT_CLOSE), *state = item(d, HNC_IT_STATE);
  if (open && open->a && open->b) {
    uint32_t parts[2] = {source, lb(L, open->a)};
    x.open = b_nary(L, HN_B_AND, parts, 2);
    x.open_on = path_slot(L, open->b);
  }
  if (close && close->a && close->b) {
    uint32_t parts[2] = {source, lb(L, close->a)};
    x.close = b_nary(L, HN_B_AND, parts, 2);
    x.close_on = path_slot(L, close->b);
  }
  if (state && state->a) x.state = lb(L, state->a);
  hn_exposure *v = vec_push(&L->exposures);
  if (!v) { L->failed = true; return; }
  *v = x;
}

/* The index of a state named in a service, UINT32_MAX when sema let an unknown one through. */
static uint32_t state_of(const hn_service *sv, const hnc_node *n) {
  for (uint32_t i = 0; n && i < sv->n_states; i++)
    if (strlen(sv->states[i]) == n->len && memcmp(sv->states[i], n->str, n->len) == 0) return i;
  return UINT32_MAX;
}

static void add_edge(hn_service *sv, uint32_t from, uint32_t to, uint32_t cap) {
  if (from == UINT32_MAX || to == UINT32_MAX || sv->n_edges >= cap) return;
  for (uint32_t i = 0; i < sv->n_edges; i++)
    if (sv->edges[i].from == from && sv->edges[i].to == to) return; /* the chain already has it */
  sv->edges[sv->n_edges++] = (hn_edge){from, to};
}

/* What one kind of item of a service holds: how many entries its items have in all. */
static uint32_t count_items(const hnc_node *d, int op, bool lists) {
  uint32_t n = 0;
  for (const hnc_node *it = d->list; it; it = it->next)
    if (it->kind == N_ITEM && it->op == op) n += lists ? (uint32_t)hnc_list_len(it->list) : 1;
  return n;
}

/* §13: the states, the edges (the chain, then the transitions), SLAs, steps and required fields. */
static void lower_workflow(lower *L, const hnc_node *d, hn_service *sv) {
  const hnc_node *st = item(d, HNC_IT_STATES);
  uint32_t ns = st ? (uint32_t)hnc_list_len(st->list) : 0, ne = (ns ? ns - 1 : 0) + count_items(d, HNC_IT_TRANSITION, false);
  uint32_t nsla = count_items(d, HNC_IT_SLA, true), nstep = count_items(d, HNC_IT_STEP, false);
  uint32_t nreq = count_items(d, HNC_IT_REQUIRE, true);
  sv->states = hn_arena_alloc(L->a, (ns + 1) * sizeof *sv->states);
  sv->edges = hn_arena_alloc(L->a, (ne + 1) * sizeof *sv->edges);
  sv->slas = hn_arena_alloc(L->a, (nsla + 1) * sizeof *sv->slas);
  sv->steps = hn_arena_alloc(L->a, (nstep + 1) * sizeof *sv->steps);
  sv->require = hn_arena_alloc(L->a, (nreq + 1) * sizeof *sv->require);
  if (!sv->states || !sv->edges || !sv->slas || !sv->steps || !sv->require) { L->failed = true; return; }
  for (const hnc_node *n = st ? st->list : NULL; n; n = n->next) sv->states[sv->n_states++] = keep(L, n->str, n->len);
  for (uint32_t i = 0; i + 1 < sv->n_states; i++) add_edge(sv, i, i + 1, ne);
  for (const hnc_node *it = d->list; it; it = it->next) {
    if (it->kind != N_ITEM) continue;
    if (it->op == HNC_IT_TRANSITION) add_edge(sv, state_of(sv, it->a), state_of(sv, it->b), ne);
    for (const hnc_node *s = it->op == HNC_IT_SLA ? it->list : NULL; s; s = s->next) {
      uint32_t k = state_of(sv, s->a);
      if (k == UINT32_MAX || !s->b || sv->n_slas >= nsla) continue;
      sv->slas[sv->n_slas].state = k; /* field by field: the padding stays zero, so images are reproducible */
      sv->slas[sv->n_slas++].within = s->b->i * 1000000;
    }
    if (it->op == HNC_IT_STEP && state_of(sv, it->a) != UINT32_MAX && it->b && sv->n_steps < nstep) {
      sv->steps[sv->n_steps].state = state_of(sv, it->a);
      sv->steps[sv->n_steps++].text = keep(L, it->b->str, it->b->len);
    }
    for (const hnc_node *r = it->op == HNC_IT_REQUIRE ? it->list : NULL; r && sv->n_require < nreq; r = r->next)
      sv->require[sv->n_require++] = keep(L, r->str, r->len);
  }
}

static void lower_service(lower *L, const hnc_node *d) {
  hn_service sv;
  memset(&sv, 0, sizeof sv);
  sv.name = keep(L, d->str, d->len);
  sv.title = item_str(L, d, HNC_IT_TITLE);
  sv.description = item_str(L, d, HNC_IT_DESCRIPTION);
  sv.domain = UINT32_MAX;
  lower_workflow(L, d, &sv);
  if (sv.n_states) {
    sv.initial = sv.states[0];
    sv.terminal = sv.states[sv.n_states - 1];
  }
  const hnc_node *dom = item(d, HNC_IT_DOMAIN);
  hn_service *v = vec_push(&L->services);
  if (!v) { L->failed = true; return; }
  *v = sv;
  push_ptr(L, &L->service_domains, dom && dom->a ? keep(L, dom->a->str, dom->a->len) : NULL);
}

static void lower_rule(lower *L, const hnc_node *r) {
  hn_rule *rule = vec_push(&L->rules);
  if (!rule) { L->failed = true; return; }
  rule->name = keep(L, r->str, r->len);
  rule->title = item_str(L, r, HNC_IT_TITLE);
  rule->id = item_str(L, r, HNC_IT_ID);
  rule->service = item_str(L, r, HNC_IT_SERVICE);
  rule->status = item_str(L, r, HNC_IT_STATUS);
  const hnc_node *gen = item(r, HNC_IT_GENERATE);
  rule->quiet = gen && gen->a && !gen->a->i;
  uint32_t na = 0;
  for (const hnc_node *it = r->list; it; it = it->next) na += it->kind == N_ITEM && it->op == HNC_IT_ALIAS;
  if (na) { /* alias to = from: the rule's alerts carry from's values as to, for the rules reading them */
    uint32_t *to = hn_arena_alloc(L->a, na * sizeof *to), *from = hn_arena_alloc(L->a, na * sizeof *from);
    if (!to || !from) { L->failed = true; return; }
    uint32_t k = 0;
    for (const hnc_node *it = r->list; it; it = it->next) {
      if (it->kind != N_ITEM || it->op != HNC_IT_ALIAS) continue;
      to[k] = slot(L, it->a->str, it->a->len, it->a->type);
      from[k++] = slot(L, it->b->str, it->b->len, it->b->type);
    }
    rule->alias_to = to;
    rule->alias_from = from;
    rule->n_alias = na;
  }
  const hnc_node *sev = item(r, HNC_IT_SEVERITY);
  rule->severity = sev && sev->a ? (int)sev_value(sev->a->str, sev->a->len) : 0;
  const hnc_node *ctl = item(r, HNC_IT_CONTROL);
  if (ctl && ctl->a) /* a control named or found by its title is known by its name */
    rule->control = ctl->a->sym ? keep(L, ctl->a->sym->name, ctl->a->sym->len) : keep(L, ctl->a->str, ctl->a->len);
  size_t nt = 0;
  for (const hnc_node *it = r->list; it; it = it->next)
    if (it->op == HNC_IT_TAGS) nt += hnc_list_len(it->list);
  rule->tags = hn_arena_alloc(L->a, (nt + 1) * sizeof *rule->tags);
  for (const hnc_node *it = r->list; it && rule->tags; it = it->next)
    if (it->op == HNC_IT_TAGS)
      for (const hnc_node *t = it->list; t; t = t->next) {
        const char *tag = tag_norm(L, L->a, t->str, t->len, false);
        bool seen = !tag; /* two spellings of one tag are one tag */
        for (uint32_t k = 0; k < rule->n_tags && !seen; k++) seen = strcmp(rule->tags[k], tag) == 0;
        if (!seen) rule->tags[rule->n_tags++] = tag;
      }
  const hnc_node *ent = item(r, HNC_IT_ENTITIES);
  size_t ne = ent ? hnc_list_len(ent->list) : 0;
  rule->entities = hn_arena_alloc(L->a, (ne + 1) * sizeof *rule->entities);
  rule->entity_names = hn_arena_alloc(L->a, (ne + 1) * sizeof *rule->entity_names);
  for (const hnc_node *e = ent ? ent->list : NULL; e && rule->entities && rule->entity_names; e = e->next) {
    rule->entity_names[rule->n_entities] = keep(L, e->str, e->len);
    rule->entities[rule->n_entities++] = path_slot(L, e);
  }
  /* kind, as sema classified it */
  const hnc_node *from = item(r, HNC_IT_FROM);
  bool over_alerts = false;
  for (const hnc_node *nm = from ? from->list : NULL; nm; nm = nm->next)
    over_alerts |= nm->sym && nm->sym->decl->kind == N_RULE;
  const hnc_node *seq = item(r, HNC_IT_SEQUENCE);
  rule->kind = item(r, HNC_IT_HAVING) ? HN_R_AGGREGATE
               : seq ? (seq->list && seq->list->tail && (seq->list->tail->flags & HNC_F_NOT) ? HN_R_ABSENCE : HN_R_SEQUENCE)
               : over_alerts ? HN_R_OVER_ALERTS : HN_R_SINGLE;
  rule->source = sources_cond(L, from);
  rule->corr = UINT32_MAX;
  const hnc_node *sup = item(r, HNC_IT_SUPPRESS);
  if (sup && sup->a) {
    rule->suppress = sup->a->i * 1000000;
    size_t nk = hnc_list_len(sup->list);
    rule->supp_keys = hn_arena_alloc(L->a, (nk + 1) * sizeof *rule->supp_keys);
    for (const hnc_node *k = sup->list; k && rule->supp_keys; k = k->next) rule->supp_keys[rule->n_supp_keys++] = path_slot(L, k);
  }
  if (rule->kind == HN_R_SEQUENCE || rule->kind == HN_R_ABSENCE) {
    rule->cond = b_false(L); /* its steps decide, in the correlation engine */
    lower_sequence(L, r, rule, seq);
    return;
  }
  vec parts = {.size = sizeof(uint32_t)};
  push_id(L, &parts, rule->source);
  const hnc_node *where = item(r, HNC_IT_WHERE);
  if (where && where->a) push_id(L, &parts, lb(L, where->a));
  except_parts(L, r, &parts);
  rule->cond = parts.v ? b_nary(L, HN_B_AND, parts.v, parts.n) : b_false(L);
  free(parts.v);
  if (rule->kind == HN_R_AGGREGATE) lower_aggregation(L, r, rule);
}

/* Renders a test event literal as JSON (keys as written: dotted keys stay dotted). */
static void json_value(FILE *f, const hnc_node *v);

/* A path as the event key that holds it: backquotes are the path's syntax, not the key's
 * (`a.`b.c`` is the key "a.b.c", where the decoder reads "b.c" as one key, §5.4). */
static void json_path_key(FILE *f, const char *s, size_t n) {
  char *k = malloc(n + 1);
  size_t m = 0;
  for (size_t i = 0; k && i < n; i++)
    if (s[i] != '`') k[m++] = s[i];
  hn_json_str(f, k ? k : s, k ? m : n);
  free(k);
}

static void json_value(FILE *f, const hnc_node *v) {
  switch (v->kind) {
  case N_STRING: hn_json_str(f, v->str, v->len); break;
  case N_INT: case N_SIZE: fprintf(f, "%lld", (long long)v->i); break;
  case N_DURATION: fprintf(f, "%lld", (long long)v->i * 1000000LL); break;
  case N_FLOAT: fprintf(f, "%.17g", v->f); break;
  case N_BOOL: fputs(v->i ? "true" : "false", f); break;
  case N_NEG: fputc('-', f); json_value(f, v->a); break;
  case N_LISTLIT:
    fputc('[', f);
    for (const hnc_node *e = v->list; e; e = e->next) {
      json_value(f, e);
      if (e->next) fputc(',', f);
    }
    fputc(']', f);
    break;
  case N_OBJECT:
    fputc('{', f);
    for (const hnc_node *p = v->list; p; p = p->next) {
      if (p->a->kind == N_PATH) json_path_key(f, p->a->str, p->a->len);
      else hn_json_str(f, p->a->str, p->a->len);
      fputc(':', f);
      json_value(f, p->b);
      if (p->next) fputc(',', f);
    }
    fputc('}', f);
    break;
  default: fputs("null", f); break;
  }
}

static void lower_test(lower *L, const hnc_node *t, hnc_table *rule_index) {
  hn_test *ts = vec_push(&L->tests);
  if (!ts) { L->failed = true; return; }
  ts->name = keep(L, t->a ? t->a->str : "", t->a ? t->a->len : 0);
  ts->file = keep(L, L->c->sources[t->loc.file].path, strlen(L->c->sources[t->loc.file].path));
  ts->line = t->loc.line;
  size_t ne = 0, nx = 0;
  for (const hnc_node *it = t->list; it; it = it->next) {
    ne += it->op == HNC_IT_EVENT;
    nx += it->op == HNC_IT_EXPECT;
  }
  ts->events = hn_arena_alloc(L->a, (ne + 1) * sizeof *ts->events);
  ts->expects = hn_arena_alloc(L->a, (nx + 1) * sizeof *ts->expects);
  if (!ts->events || !ts->expects) { L->failed = true; return; }
  for (const hnc_node *it = t->list; it; it = it->next) {
    if (it->op == HNC_IT_EVENT && it->a) {
      char *buf = NULL;
      size_t len = 0;
      FILE *f = open_memstream(&buf, &len);
      if (!f) { L->failed = true; return; }
      json_value(f, it->a);
      fclose(f);
      ts->events[ts->n_events++] = keep(L, buf, len);
      free(buf);
    } else if (it->op == HNC_IT_EXPECT && it->a && it->a->sym) {
      uintptr_t k = (uintptr_t)hnc_table_get((hnc_table *)rule_index, (const char *)&it->a->sym->decl, sizeof(void *));
      if (!k) continue;
      hn_test_expect *x = &ts->expects[ts->n_expects++];
      x->rule = (uint32_t)(k - 1);
      x->negated = (it->flags & HNC_F_NOT) != 0;
      x->count = it->b ? it->b->i : -1;
    }
  }
}

/* Copies a vec into the program's arena. */
static void *settle(lower *L, vec *x) {
  size_t bytes = (x->n ? x->n : 1) * x->size;
  void *d = hn_arena_alloc(L->a, bytes);
  if (!d) { L->failed = true; return NULL; }
  if (x->n) memcpy(d, x->v, x->n * x->size);
  free(x->v);
  x->v = NULL;
  return d;
}

static const char *keep_str(lower *L, const char *s) { return s ? keep(L, s, strlen(s)) : NULL; }

/* The inventories the checker read, into the program's arena. */
static void lower_inventory(lower *L, hn_program *P) {
  const hnc_inventory *inv = &L->c->inventory;
  P->assets = hn_arena_alloc(L->a, (inv->n_assets + 1) * sizeof *P->assets);
  P->asset_addrs = hn_arena_alloc(L->a, (inv->n_addrs + 1) * sizeof *P->asset_addrs);
  P->identities = hn_arena_alloc(L->a, (inv->n_users + 1) * sizeof *P->identities);
  if (!P->assets || !P->asset_addrs || !P->identities) { L->failed = true; return; }
  for (uint32_t i = 0; i < inv->n_assets; i++) {
    const hn_asset *s = &inv->assets[i];
    hn_asset *d = &P->assets[i];
    *d = *s;
    d->name = keep_str(L, s->name);
    d->business_unit = keep_str(L, s->business_unit);
    d->owner = keep_str(L, s->owner);
    d->role = keep_str(L, s->role);
    d->tags = hn_arena_alloc(L->a, (s->n_tags + 1) * sizeof *d->tags);
    d->vulns = hn_arena_alloc(L->a, (s->n_vulns + 1) * sizeof *d->vulns);
    if (!d->tags || !d->vulns) { L->failed = true; return; }
    for (uint32_t k = 0; k < s->n_tags; k++) d->tags[k] = keep_str(L, s->tags[k]);
    for (uint32_t k = 0; k < s->n_vulns; k++) {
      d->vulns[k] = s->vulns[k];
      d->vulns[k].id = keep_str(L, s->vulns[k].id);
    }
  }
  P->n_assets = inv->n_assets;
  if (inv->n_addrs) memcpy(P->asset_addrs, inv->addrs, inv->n_addrs * sizeof *P->asset_addrs);
  P->n_asset_addrs = inv->n_addrs;
  for (uint32_t i = 0; i < inv->n_users; i++) {
    const hn_identity *s = &inv->users[i];
    P->identities[i] = (hn_identity){keep_str(L, s->name), keep_str(L, s->business_unit), keep_str(L, s->department),
                                     s->privileged};
  }
  P->n_identities = inv->n_users;
  P->ranges = hn_arena_alloc(L->a, (inv->n_ranges + 1) * sizeof *P->ranges);
  if (!P->ranges) { L->failed = true; return; }
  for (uint32_t i = 0; i < inv->n_ranges; i++) {
    P->ranges[i] = inv->ranges[i];
    P->ranges[i].business_unit = keep_str(L, inv->ranges[i].business_unit);
  }
  P->n_ranges = inv->n_ranges;
}

/* The root pack's settings (§17); imported packs' are checked and ignored. */
static void lower_settings(lower *L, hn_program *P) {
  P->memory = 512ull << 20;
  P->max_keys = 1000000;
  P->checkpoint = 60ll * 1000000000;
  P->horizon = 24ll * 3600 * 1000000000;
  P->max_skew = 5ll * 60 * 1000000000;
  for (size_t i = 0; i < L->c->n_packs; i++) {
    hnc_pack *p = L->c->packs[i];
    if (!p->is_root) continue;
    const hnc_node *v;
    if ((v = hnc_table_get(&p->settings, "lateness", 8)) && v->a) P->lateness = v->a->i * 1000000;
    if ((v = hnc_table_get(&p->settings, "suppress", 8)) && v->a) P->suppress = v->a->i * 1000000;
    if ((v = hnc_table_get(&p->settings, "memory", 6)) && v->a && v->a->i > 0) P->memory = (uint64_t)v->a->i;
    if ((v = hnc_table_get(&p->settings, "max_keys", 8)) && v->a && v->a->i > 0) P->max_keys = (uint64_t)v->a->i;
    if ((v = hnc_table_get(&p->settings, "checkpoint", 10)) && v->a && v->a->i > 0) P->checkpoint = v->a->i * 1000000;
    if ((v = hnc_table_get(&p->settings, "horizon", 7)) && v->a && v->a->i > 0) P->horizon = v->a->i * 1000000;
    if ((v = hnc_table_get(&p->settings, "max_skew", 8)) && v->a && v->a->i >= 0) P->max_skew = v->a->i * 1000000;
    break;
  }
}

/* ---- controls and KPIs (lang/SPEC.md §9, §15) -------------------------------------------- */
static void lower_control(lower *L, const hnc_node *d) {
  hn_control ct;
  memset(&ct, 0, sizeof ct);
  ct.name = keep(L, d->str, d->len);
  ct.title = item_str(L, d, HNC_IT_TITLE);
  ct.description = item_str(L, d, HNC_IT_DESCRIPTION);
  ct.owner = item_str(L, d, HNC_IT_OWNER);
  uint32_t nf = 0;
  for (const hnc_node *it = d->list; it; it = it->next) nf += it->kind == N_ITEM && it->op == HNC_IT_FRAMEWORK;
  ct.framework_names = hn_arena_alloc(L->a, (nf + 1) * sizeof *ct.framework_names);
  ct.framework_ids = hn_arena_alloc(L->a, (nf + 1) * sizeof *ct.framework_ids);
  if (!ct.framework_names || !ct.framework_ids) { L->failed = true; return; }
  for (const hnc_node *it = d->list; it; it = it->next) {
    if (it->kind != N_ITEM || it->op != HNC_IT_FRAMEWORK || !it->a || !it->b) continue;
    ct.framework_names[ct.n_frameworks] = keep(L, it->a->str, it->a->len);
    ct.framework_ids[ct.n_frameworks++] = keep(L, it->b->str, it->b->len);
  }
  hn_control *v = vec_push(&L->controls);
  if (!v) { L->failed = true; return; }
  *v = ct;
}

/* Through parentheses; NULL stays NULL. */
static const hnc_node *unparen0(const hnc_node *n) {
  while (n && n->kind == N_PAREN) n = n->a;
  return n;
}

static bool is_mul_div(const hnc_node *n) {
  n = unparen0(n);
  return n && n->kind == N_BINARY && (n->op == HNC_OP_MUL || n->op == HNC_OP_DIV);
}

static bool is_number_literal(const hnc_node *n) {
  n = unparen0(n);
  if (n && n->kind == N_NEG) n = unparen0(n->a);
  return n && (n->kind == N_INT || n->kind == N_FLOAT || n->kind == N_DURATION || n->kind == N_SIZE);
}

/* A KPI's value as hnodes. The operands of its top chain of * and / are lowered one by one and
 * kept as factors (sign -1 under a division), so attribution (§15) reads their values from the
 * same nodes the value is computed from. */
static uint32_t kpi_value(lower *L, const hnc_node *n, const hnc_type *want, int sign) {
  const hnc_node *u = unparen0(n);
  if (!is_mul_div(u)) {
    uint32_t h = lower_having(L, n, want);
    if (is_number_literal(u)) return h;
    char *text = hnc_fmt_expr(n);
    hn_kpi_factor *f = vec_push(&L->factors);
    if (!f || !text) { free(text); L->failed = true; return h; }
    f->node = h;
    f->sign = (int8_t)sign;
    f->type = (uint8_t)ftype_of(n->type);
    f->text = keep(L, text, strlen(text));
    free(text);
    return h;
  }
  uint32_t a = kpi_value(L, u->a, u->b->type, sign);
  uint32_t b = kpi_value(L, u->b, u->a->type, u->op == HNC_OP_DIV ? -sign : sign);
  return hpush(L, HN_H_ARITH, u->op == HNC_OP_MUL ? HN_VX_MUL : HN_VX_DIV, a, b);
}

/* The text a KPI's definition hash covers: what decides its numbers (value, where, by, every,
 * target, and the lists they use), not its name, title or description. */
static void kpi_lists(FILE *f, const hnc_node *n) {
  if (!n) return;
  if (n->kind == N_PATH && n->sym && n->sym->decl->kind == N_LISTDECL) {
    fprintf(f, "\nlist %.*s = [", (int)n->len, n->str);
    for (const hnc_node *e = n->sym->decl->list; e; e = e->next) {
      char *x = hnc_fmt_expr(e);
      fprintf(f, "%s%s", e == n->sym->decl->list ? "" : ", ", x ? x : "");
      free(x);
    }
    fputc(']', f);
  }
  kpi_lists(f, n->a);
  kpi_lists(f, n->b);
  kpi_lists(f, n->c);
  for (const hnc_node *e = n->list; e; e = e->next) kpi_lists(f, e);
}

static const char *kpi_hash(lower *L, const hnc_node *k) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) { L->failed = true; return NULL; }
  static const int items[] = {HNC_IT_VALUE, HNC_IT_WHERE, HNC_IT_BY, HNC_IT_EVERY, HNC_IT_TARGET};
  for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
    const hnc_node *it = item(k, items[i]);
    fprintf(f, "%s%s", i ? "\n" : "", hnc_item_keyword(items[i]));
    if (!it) continue;
    if (items[i] == HNC_IT_TARGET) fprintf(f, " %s", hnc_op_spelling((int)it->i));
    for (const hnc_node *e = items[i] == HNC_IT_BY ? it->list : it->a; e; e = items[i] == HNC_IT_BY ? e->next : NULL) {
      char *x = hnc_fmt_expr(e);
      fprintf(f, " %s", x ? x : "");
      free(x);
    }
  }
  const hnc_node *v = item(k, HNC_IT_VALUE), *w = item(k, HNC_IT_WHERE);
  kpi_lists(f, v ? v->a : NULL);
  kpi_lists(f, w ? w->a : NULL);
  if (fclose(f) != 0 || !text) { free(text); L->failed = true; return NULL; }
  hn_sha256 h;
  uint8_t d[32];
  char hex[HN_SHA256_TEXT_CAP];
  hn_sha256_init(&h);
  hn_sha256_update(&h, text, len);
  hn_sha256_final(&h, d);
  hn_sha256_text(d, hex);
  free(text);
  return keep(L, hex, strlen(hex));
}

static uint8_t kpi_dim_index(const hnc_node *nm) {
  for (int i = 0; hn_kpi_dim_names[i]; i++)
    if (strlen(hn_kpi_dim_names[i]) == nm->len && memcmp(hn_kpi_dim_names[i], nm->str, nm->len) == 0) return (uint8_t)i;
  return 0; /* sema refused any other */
}

/* The value's tree (an hn_corr of its own), the roots of its aggregates, its factors. */
static void kpi_tree(lower *L, const hnc_node *value, hn_kpi *k) {
  hn_corr *c = vec_push(&L->corrs);
  if (!c) { L->failed = true; return; }
  size_t ci = L->corrs.n - 1;
  c->until = UINT32_MAX;
  L->hn.n = L->aggs.n = L->binds.n = L->kpi_roots.n = L->factors.n = 0;
  L->in_kpi = true;
  uint32_t root = value ? kpi_value(L, value, NULL, 1) : hpush(L, HN_H_CONST, 0, 0, 0);
  L->in_kpi = false;
  c = &AT(&L->corrs, hn_corr, ci);
  c->having = root;
  c->hn = settle_into(L, &L->hn, &c->n_hn);
  c->aggs = settle_into(L, &L->aggs, &c->n_aggs);
  k->corr = (uint32_t)ci;
  k->roots = settle_into(L, &L->kpi_roots, &k->n_roots);
  if (L->factors.n < 2) L->factors.n = 0; /* a product or quotient of two or more */
  k->factors = settle_into(L, &L->factors, &k->n_factors);
}

static void lower_kpi(lower *L, const hnc_node *d) {
  hn_kpi k;
  memset(&k, 0, sizeof k);
  k.name = keep(L, d->str, d->len);
  k.title = d->a ? keep(L, d->a->str, d->a->len) : item_str(L, d, HNC_IT_TITLE);
  k.description = item_str(L, d, HNC_IT_DESCRIPTION);
  k.pack = L->pack->decl ? keep_str(L, L->pack->name) : NULL;
  k.version = keep_str(L, L->pack->decl && L->pack->version ? L->pack->version : "0.0.0");
  k.hash = kpi_hash(L, d);
  const hnc_node *value = item(d, HNC_IT_VALUE), *where = item(d, HNC_IT_WHERE), *by = item(d, HNC_IT_BY);
  const hnc_node *every = item(d, HNC_IT_EVERY), *target = item(d, HNC_IT_TARGET);
  char *text = value && value->a ? hnc_fmt_expr(value->a) : NULL;
  k.text = text ? keep(L, text, strlen(text)) : NULL;
  free(text);
  const hnc_type *vt = value && value->a ? value->a->type : NULL;
  k.type = (uint8_t)ftype_of(vt);
  kpi_tree(L, value ? value->a : NULL, &k);
  k.where = where && where->a ? lb(L, where->a) : UINT32_MAX;
  k.n_dims = (uint32_t)(by ? hnc_list_len(by->list) : 0);
  k.dims = hn_arena_alloc(L->a, k.n_dims + 1);
  if (!k.dims) { L->failed = true; return; }
  uint32_t di = 0;
  for (const hnc_node *nm = by ? by->list : NULL; nm; nm = nm->next) k.dims[di++] = kpi_dim_index(nm);
  k.every = every && every->a ? every->a->i * 1000000 : 7 * 86400 * INT64_C(1000000000);
  static const int pops[HNC_OP_COUNT] = {[HNC_OP_EQ] = HN_P_EQ + 1, [HNC_OP_NE] = HN_P_NE + 1, [HNC_OP_LT] = HN_P_LT + 1,
                                         [HNC_OP_LE] = HN_P_LE + 1, [HNC_OP_GT] = HN_P_GT + 1, [HNC_OP_GE] = HN_P_GE + 1};
  if (target && target->a && target->i > 0 && target->i < HNC_OP_COUNT && pops[target->i]) {
    k.target_op = (uint8_t)pops[target->i];
    k.target = literal(L, target->a, vt);
  }
  hn_kpi *v = vec_push(&L->kpis);
  if (!v) { L->failed = true; return; }
  *v = k;
}

/* Builds the program of everything checked: the rules of every loaded pack, the tests of the
 * packs given by the user. NULL with err filled on failure (empty when the error is a
 * diagnostic at its place). */
hn_program *hnc_lower(hnc_compiler *c, char *err, size_t errlen) {
  lower L;
  memset(&L, 0, sizeof L);
  L.c = c;
  L.err = err;
  L.errlen = errlen;
  L.p = hn_calloc(1, sizeof *L.p); /* the runtime's allocator: hn_program_destroy frees them */
  L.a = hn_calloc(1, sizeof *L.a);
  if (!L.p || !L.a) {
    hn_free(L.p);
    hn_free(L.a);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  hn_arena_init(L.a);
  L.p->arena = L.a;
  L.fields.size = sizeof(hn_field_spec);
  L.consts.size = sizeof(hn_const);
  L.vexprs.size = sizeof(hn_vexpr);
  L.preds.size = sizeof(hn_pred);
  L.bnodes.size = sizeof(hn_bnode);
  L.kids.size = sizeof(uint32_t);
  L.rules.size = sizeof(hn_rule);
  L.tests.size = sizeof(hn_test);
  L.corrs.size = sizeof(hn_corr);
  L.hn.size = sizeof(hn_hnode);
  L.aggs.size = sizeof(hn_agg);
  L.binds.size = sizeof(hn_bind);
  L.scores.size = sizeof(hn_score);
  L.domains.size = sizeof(hn_domain);
  L.exposures.size = sizeof(hn_exposure);
  L.services.size = sizeof(hn_service);
  L.domain_scores.size = L.service_domains.size = sizeof(const void *);
  L.kpis.size = sizeof(hn_kpi);
  L.controls.size = sizeof(hn_control);
  L.kpi_roots.size = sizeof(uint8_t);
  L.factors.size = sizeof(hn_kpi_factor);
  b_false(&L); /* node 0 is false, node 1 true: stable numbers for tests and dumps */
  b_true(&L);
  L.p->time_slot = -1;
  hnc_table rule_index = {0};
  for (size_t i = 0; i < c->n_packs; i++) {
    hnc_pack *p = c->packs[i];
    L.pack = p;
    if (p->is_root && p->time_field && L.p->time_slot < 0)
      L.p->time_slot = (int32_t)slot(&L, p->time_field->name, p->time_field->len, p->time_field->type);
    for (size_t f = 0; f < p->n_files; f++)
      for (hnc_node *d = p->files[f].root ? p->files[f].root->list : NULL; d; d = d->next) {
        if (d->kind == N_SCORE) lower_score(&L, d);
        if (d->kind == N_DOMAIN) lower_domain(&L, d);
        if (d->kind == N_EXPOSURE) lower_exposure(&L, d);
        if (d->kind == N_SERVICE) lower_service(&L, d);
        if (d->kind != N_RULE) continue;
        lower_rule(&L, d);
        /* keyed by the declaration's address (the key bytes must outlive the table) */
        hnc_node **key = hn_arena_alloc(&c->arena, sizeof *key);
        if (!key) { L.failed = true; continue; }
        *key = d;
        hnc_table_put(&c->arena, &rule_index, (const char *)key, sizeof *key, (void *)(uintptr_t)L.rules.n);
      }
  }
  /* rules over other rules' alerts: the rules they read, now that every rule has its index */
  for (size_t i = 0; i < c->n_packs; i++) {
    hnc_pack *p = c->packs[i];
    for (size_t f = 0; f < p->n_files; f++)
      for (hnc_node *d = p->files[f].root ? p->files[f].root->list : NULL; d; d = d->next) {
        if (d->kind != N_RULE) continue;
        const hnc_node *from = item(d, HNC_IT_FROM);
        uintptr_t ri = (uintptr_t)hnc_table_get(&rule_index, (const char *)&d, sizeof d);
        if (!from || !ri) continue;
        hn_rule *r = &AT(&L.rules, hn_rule, ri - 1);
        r->from = hn_arena_alloc(L.a, (hnc_list_len(from->list) + 1) * sizeof *r->from);
        for (const hnc_node *nm = from->list; nm && r->from; nm = nm->next) {
          if (!nm->sym || nm->sym->decl->kind != N_RULE) continue;
          uintptr_t k = (uintptr_t)hnc_table_get(&rule_index, (const char *)&nm->sym->decl, sizeof(void *));
          if (k) r->from[r->n_from++] = (uint32_t)(k - 1);
        }
      }
  }
  for (size_t i = 0; i < c->n_packs; i++) {
    hnc_pack *p = c->packs[i];
    if (!p->is_root) continue;
    L.pack = p;
    for (size_t f = 0; f < p->n_files; f++)
      for (hnc_node *d = p->files[f].root ? p->files[f].root->list : NULL; d; d = d->next)
        if (d->kind == N_TEST) lower_test(&L, d, &rule_index);
  }
  /* controls and KPIs of every loaded pack, the root packs' first; their fields come after
   * the rules' (the rules' slots do not move when a KPI is added) */
  for (size_t i = 0; i < c->n_packs; i++) {
    L.pack = c->packs[i];
    for (size_t f = 0; f < L.pack->n_files; f++)
      for (hnc_node *d = L.pack->files[f].root ? L.pack->files[f].root->list : NULL; d; d = d->next) {
        if (d->kind == N_CONTROL && d->str) lower_control(&L, d);
        if (d->kind == N_KPI && d->str) lower_kpi(&L, d);
      }
  }
  hn_program *P = L.p;
  P->n_controls = (uint32_t)L.controls.n;
  P->controls = settle(&L, &L.controls);
  P->n_kpis = (uint32_t)L.kpis.n;
  P->kpis = settle(&L, &L.kpis);
  free(L.kpi_roots.v);
  free(L.factors.v);
  P->n_fields = (uint32_t)L.fields.n;
  P->n_consts = (uint32_t)L.consts.n;
  P->n_vexprs = (uint32_t)L.vexprs.n;
  P->n_preds = (uint32_t)L.preds.n;
  P->n_bnodes = (uint32_t)L.bnodes.n;
  P->n_kids = (uint32_t)L.kids.n;
  P->n_rules = (uint32_t)L.rules.n;
  P->n_tests = (uint32_t)L.tests.n;
  /* domains name their scores; a default in the root pack comes first among defaults */
  P->incident_score = UINT32_MAX;
  for (size_t i = 0; i < L.scores.n; i++)
    if (strcmp(AT(&L.scores, hn_score, i).name, "incident") == 0 && P->incident_score == UINT32_MAX)
      P->incident_score = (uint32_t)i;
  for (size_t i = 0; i < L.domains.n && i < L.domain_scores.n; i++) {
    const char *want = AT(&L.domain_scores, const void *, i);
    for (size_t k = 0; want && k < L.scores.n; k++)
      if (strcmp(AT(&L.scores, hn_score, k).name, want) == 0) AT(&L.domains, hn_domain, i).score = (uint32_t)k;
  }
  P->n_scores = (uint32_t)L.scores.n;
  P->scores = settle(&L, &L.scores);
  P->n_domains = (uint32_t)L.domains.n;
  P->domains = settle(&L, &L.domains);
  P->n_exposures = (uint32_t)L.exposures.n;
  P->exposures = settle(&L, &L.exposures);
  for (size_t i = 0; i < L.services.n && i < L.service_domains.n; i++) { /* the domain each service names */
    const char *want = AT(&L.service_domains, const void *, i);
    for (uint32_t k = 0; want && P->domains && k < P->n_domains; k++) /* settled: L.domains is gone */
      if (strcmp(P->domains[k].name, want) == 0) {
        AT(&L.services, hn_service, i).domain = (uint32_t)k;
        break;
      }
  }
  P->n_services = (uint32_t)L.services.n;
  P->services = settle(&L, &L.services);
  P->n_corrs = (uint32_t)L.corrs.n;
  P->corrs = settle(&L, &L.corrs);
  free(L.hn.v);
  free(L.aggs.v);
  free(L.binds.v);
  free(L.domain_scores.v);
  free(L.service_domains.v);
  lower_settings(&L, P);
  lower_inventory(&L, P);
  P->fields = settle(&L, &L.fields);
  P->consts = settle(&L, &L.consts);
  P->vexprs = settle(&L, &L.vexprs);
  P->preds = settle(&L, &L.preds);
  P->bnodes = settle(&L, &L.bnodes);
  P->kids = settle(&L, &L.kids);
  P->rules = settle(&L, &L.rules);
  P->tests = settle(&L, &L.tests);
  if (L.failed || L.a->failed || L.reported) {
    snprintf(err, errlen, "%s", L.reported ? "" : "out of memory while compiling");
    hn_program_destroy(P);
    return NULL;
  }
  P->no_prefilter = c->no_prefilter;
  if (hn_program_prepare(P, err, errlen) != HN_OK) {
    hn_program_destroy(P);
    return NULL;
  }
  return P;
}
