/* interp.c - the reference interpreter over a program's predicate DAG. It is the oracle the
 * native back end is tested against, and what runs where LLVM is absent, so it favours
 * clarity; shared subexpressions are still evaluated once per event (memo by epoch).
 * Depends on program.h, decode.h, text.h and PCRE2; nothing from the compiler. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "interp.h"
#include "alloc.h"
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "assets.h"
#include "text.h"
#include "value.h"

static void scratch_reset(hn_eval *e, bool all);

hn_status hn_eval_init(hn_eval *e, const hn_program *p) {
  memset(e, 0, sizeof *e);
  e->p = p;
  e->stamp = hn_calloc(p->n_bnodes ? p->n_bnodes : 1, sizeof *e->stamp);
  e->val = hn_calloc(p->n_bnodes ? p->n_bnodes : 1, 1);
  pcre2_general_context *gc = hn_pcre2_general(); /* PCRE2's memory through hn_malloc too */
  e->md = gc ? pcre2_match_data_create(16, gc) : NULL;
  pcre2_match_context *mc = gc ? pcre2_match_context_create(gc) : NULL;
  pcre2_jit_stack *js = gc ? pcre2_jit_stack_create(32 * 1024, HN_RE_JIT_STACK, gc) : NULL;
  pcre2_general_context_free(gc);
  e->mctx = mc;
  e->jstack = js;
  if (mc) {
    pcre2_set_match_limit(mc, HN_RE_MATCH_LIMIT);
    pcre2_set_depth_limit(mc, HN_RE_DEPTH_LIMIT);
    pcre2_set_heap_limit(mc, HN_RE_HEAP_LIMIT_KIB);
    if (js) pcre2_jit_stack_assign(mc, NULL, js);
  }
  e->fired = hn_malloc((p->n_rules ? p->n_rules : 1) * sizeof *e->fired);
  if (!e->stamp || !e->val || !e->md || !mc || !js || !e->fired || hn_pf_state_init(&e->pf, p) != HN_OK ||
      hn_cand_init(&e->cand, p) != HN_OK) {
    hn_eval_fini(e);
    return HN_ERR_NOMEM;
  }
  return HN_OK;
}

void hn_eval_fini(hn_eval *e) {
  hn_free(e->stamp);
  hn_free(e->val);
  hn_free(e->fold);
  hn_free(e->fbuf);
  if (e->md) pcre2_match_data_free(e->md);
  pcre2_match_context_free(e->mctx);
  pcre2_jit_stack_free(e->jstack);
  hn_free(e->re_open);
  hn_free(e->re_rule_first);
  hn_free(e->re_rules);
  if (e->p) hn_pf_state_fini(&e->pf, e->p);
  hn_cand_fini(&e->cand);
  hn_free(e->fired);
  scratch_reset(e, true);
  memset(e, 0, sizeof *e);
}

void hn_eval_begin(hn_eval *e, const hn_event *ev) {
  e->ev = ev;
  e->indexed = false;
  e->fbuf_used = 0;
  e->re_undecided = 0;
  scratch_reset(e, false);
  if (++e->epoch == 0) { /* wrapped: forget every stamp */
    memset(e->fmemo, 0, sizeof e->fmemo);
    memset(e->stamp, 0, e->p->n_bnodes * sizeof *e->stamp);
    if (e->pf.scanned) memset(e->pf.scanned, 0, e->p->n_fields * sizeof *e->pf.scanned);
    if (e->cand.hit) memset(e->cand.hit, 0, e->p->n_preds * sizeof *e->cand.hit);
    e->epoch = 1;
  }
}

/* memcmp == 0 that accepts NULL pointers with a zero length (empty strings may have no bytes). */
static inline bool mem_eq(const void *a, const void *b, size_t n) { return n == 0 || memcmp(a, b, n) == 0; }

/* Case-folds a value into the evaluator's scratch. */
static const char *fold(hn_eval *e, const char *s, size_t n, size_t *out_n);
const char *hn_eval_fold(hn_eval *e, const char *s, size_t n, size_t *out_n) { return fold(e, s, n, out_n); }
static const char *fold(hn_eval *e, const char *s, size_t n, size_t *out_n) {
  if (HN_CASE_ROOM(n) > e->fold_cap) {
    char *b = hn_realloc(e->fold, HN_CASE_ROOM(n));
    if (!b) { e->nomem = true; *out_n = n; return s; } /* the caller sees e->nomem and stops */
    e->fold = b;
    e->fold_cap = HN_CASE_ROOM(n);
  }
  *out_n = hn_fold(s, n, e->fold);
  return e->fold;
}

/* A value of the current event's field folded, once per event: memoised by the value's address
 * (stable for the event), in a small direct-mapped table; a miss folds into fbuf. */
static const char *fold_field(hn_eval *e, const char *s, size_t n, size_t *out_n) {
  if (n > UINT32_MAX / 2) return fold(e, s, n, out_n);
  struct hn_fold_memo *m = &e->fmemo[((uintptr_t)s >> 3) % 64];
  if (m->epoch == e->epoch && m->s == s && m->n == n) {
    *out_n = m->folded;
    return e->fbuf + m->off;
  }
  if (e->fbuf_used + HN_CASE_ROOM(n) > e->fbuf_cap) {
    size_t cap = e->fbuf_cap ? e->fbuf_cap : 4096;
    while (cap < e->fbuf_used + HN_CASE_ROOM(n)) cap *= 2;
    char *b = hn_realloc(e->fbuf, cap);
    if (!b) return fold(e, s, n, out_n);
    e->fbuf = b;
    e->fbuf_cap = cap;
  }
  size_t k = hn_fold(s, n, e->fbuf + e->fbuf_used);
  *m = (struct hn_fold_memo){s, e->epoch, (uint32_t)e->fbuf_used, (uint32_t)n, (uint32_t)k};
  e->fbuf_used += k;
  *out_n = k;
  return e->fbuf + m->off;
}

/* Room for a string computed from the current event (lower(), upper()): valid until the next
 * hn_eval_begin, so every operand of a predicate stays put while it is compared. Blocks are
 * never moved; hn_eval_begin keeps only the newest, largest one. NULL when out of memory. */
static char *scratch(hn_eval *e, size_t n) {
  struct hn_scratch *b = e->scratch;
  if (!b || b->cap - b->used < n) {
    size_t cap = b && b->cap * 2 > n ? b->cap * 2 : n > 4096 ? n : 4096;
    struct hn_scratch *nb = hn_malloc(sizeof *nb + cap);
    if (!nb) return e->nomem = true, NULL;
    nb->next = b;
    nb->used = 0;
    nb->cap = cap;
    e->scratch = b = nb;
  }
  char *s = b->data + b->used;
  b->used += n;
  return s;
}

static void scratch_reset(hn_eval *e, bool all) {
  struct hn_scratch *b = e->scratch;
  if (!b) return;
  for (struct hn_scratch *o = all ? b : b->next; o;) {
    struct hn_scratch *next = o->next;
    hn_free(o);
    o = next;
  }
  if (all) e->scratch = NULL;
  else b->next = NULL, b->used = 0;
}

/* ---- value expressions ------------------------------------------------------------------ */
enum { TMP = 64 }; /* computed operands over arrays keep their first 64 elements */

static hn_value const_value(const hn_const *c) {
  hn_value v;
  memset(&v, 0, sizeof v);
  v.kind = c->kind;
  v.v6 = c->v6;
  v.len = c->len;
  memcpy(&v.u, &c->u, sizeof v.u < sizeof c->u ? sizeof v.u : sizeof c->u);
  return v;
}

static bool is_num(const hn_value *v) {
  return v->kind == HN_V_INT || v->kind == HN_V_FLOAT || v->kind == HN_V_TIME;
}
static double num(const hn_value *v) { return v->kind == HN_V_FLOAT ? v->u.f : (double)v->u.i; }

static bool arith(int op, const hn_value *a, const hn_value *b, hn_value *out) {
  memset(out, 0, sizeof *out);
  if (!is_num(a) || (b && !is_num(b))) return false;
  bool fl = a->kind == HN_V_FLOAT || (b && b->kind == HN_V_FLOAT) || op == HN_VX_DIV || op == HN_VX_DECAY;
  /* a timestamp minus a timestamp is a duration; plus or minus a duration, a timestamp */
  uint8_t kind = fl ? HN_V_FLOAT : HN_V_INT;
  if (a->kind == HN_V_TIME && b && b->kind != HN_V_TIME && (op == HN_VX_ADD || op == HN_VX_SUB)) kind = HN_V_TIME;
  if (op == HN_VX_DECAY) kind = HN_V_FLOAT;
  if (b && b->kind == HN_V_TIME && a->kind != HN_V_TIME && op == HN_VX_ADD) kind = HN_V_TIME;
  out->kind = kind;
  if (fl) {
    double x = num(a), y = b ? num(b) : 0, r;
    switch (op) {
    case HN_VX_ADD: r = x + y; break;
    case HN_VX_SUB: r = x - y; break;
    case HN_VX_MUL: r = x * y; break;
    case HN_VX_DIV: if (y == 0) return false; r = x / y; break;
    case HN_VX_NEG: r = -x; break;
    case HN_VX_ABS: r = x < 0 ? -x : x; break;
    case HN_VX_DECAY: if (y <= 0) return false; r = exp2(-(x < 0 ? 0 : x) / y); break; /* 1 now, 1/2 a half-life on */
    default: return false;
    }
    out->u.f = r;
    return true;
  }
  int64_t x = a->u.i, y = b ? b->u.i : 0, r;
  switch (op) {
  case HN_VX_ADD: if (__builtin_add_overflow(x, y, &r)) return false; break;
  case HN_VX_SUB: if (__builtin_sub_overflow(x, y, &r)) return false; break;
  case HN_VX_MUL: if (__builtin_mul_overflow(x, y, &r)) return false; break;
  case HN_VX_MOD: if (y == 0 || (x == INT64_MIN && y == -1)) return false; r = x % y; break;
  case HN_VX_NEG: if (x == INT64_MIN) return false; r = -x; break;
  case HN_VX_ABS: if (x == INT64_MIN) return false; r = x < 0 ? -x : x; break;
  default: return false;
  }
  out->u.i = r;
  return true;
}

static const hn_value *list_len(hn_eval *e, const hn_vexpr *x, size_t *n, hn_value *tmp);

/* The values of operand idx: a field's own values (no copy), or computed ones in tmp. NULL and
 * mismatched (BAD) values are dropped: a predicate on them is false (lang/SPEC.md §4.5). */
static const hn_value *operand(hn_eval *e, uint32_t idx, size_t *n, hn_value *tmp) {
  const hn_vexpr *x = &e->p->vexprs[idx];
  switch (x->op) {
  case HN_VX_FIELD: {
    const hn_slot *s = &e->ev->slots[x->a];
    *n = s->n;
    return e->ev->values + s->first;
  }
  case HN_VX_CONST:
    tmp[0] = const_value(&e->p->consts[x->a]);
    *n = 1;
    return tmp;
  case HN_VX_BOUND: /* a value of an earlier step's event; none when that step is not bound */
    *n = 0;
    for (uint32_t i = 0; e->bound && e->corr && i < e->corr->n_binds; i++)
      if (e->corr->binds[i].step == x->a && e->corr->binds[i].slot == x->b) {
        *n = e->bound[i].n;
        return e->bound[i].v;
      }
    return tmp;
  case HN_VX_COND: { /* the branch the condition picks */
    const hn_vexpr *pair = &e->p->vexprs[x->b];
    return operand(e, hn_eval_node(e, x->a) ? pair->a : pair->b, n, tmp);
  }
  case HN_VX_LEN:
    if (x->b) return list_len(e, x, n, tmp);
    break;
  default: break;
  }
  hn_value ta[TMP], tb[TMP];
  size_t na = 0, nb = 0, k = 0;
  const hn_value *a = operand(e, x->a, &na, ta);
  bool binary = (x->op >= HN_VX_ADD && x->op <= HN_VX_MOD) || x->op == HN_VX_DECAY;
  const hn_value *b = binary ? operand(e, x->b, &nb, tb) : NULL;
  for (size_t i = 0; i < na && k < TMP; i++) {
    if (x->op == HN_VX_LOWER || x->op == HN_VX_UPPER) { /* Unicode simple case mapping (§6.14) */
      if (a[i].kind != HN_V_STRING) continue;
      char *s = scratch(e, HN_CASE_ROOM(a[i].len));
      if (!s) continue;
      tmp[k] = a[i];
      tmp[k].u.s = s;
      tmp[k++].len = (uint32_t)(x->op == HN_VX_LOWER ? hn_lower : hn_upper)(a[i].u.s, a[i].len, s);
      continue;
    }
    if (x->op == HN_VX_TIMEPART) {
      if (a[i].kind != HN_V_TIME) continue;
      memset(&tmp[k], 0, sizeof tmp[k]);
      tmp[k].kind = HN_V_INT;
      tmp[k++].u.i = hn_time_part(a[i].u.i, x->b);
      continue;
    }
    if (x->op == HN_VX_LEN) {
      if (a[i].kind != HN_V_STRING) continue;
      memset(&tmp[k], 0, sizeof tmp[k]);
      tmp[k].kind = HN_V_INT;
      size_t cps = 0;
      for (size_t j = 0; j < a[i].len; j++) cps += ((unsigned char)a[i].u.s[j] & 0xC0) != 0x80;
      tmp[k++].u.i = (int64_t)cps;
      continue;
    }
    if (!binary) {
      if (arith(x->op, &a[i], NULL, &tmp[k])) k++;
      continue;
    }
    for (size_t j = 0; j < nb && k < TMP; j++)
      if (arith(x->op, &a[i], &b[j], &tmp[k])) k++;
  }
  *n = k;
  return tmp;
}

/* len() of a list (lang/SPEC.md §6.14): its number of elements, 0 for an empty array; no value
 * when the list is missing, null or a mismatch. lower() and upper() keep the elements. */
static const hn_value *list_len(hn_eval *e, const hn_vexpr *x, size_t *n, hn_value *tmp) {
  uint32_t a = x->a;
  while (e->p->vexprs[a].op == HN_VX_LOWER || e->p->vexprs[a].op == HN_VX_UPPER) a = e->p->vexprs[a].a;
  hn_value ta[TMP];
  size_t na, k = 0;
  const hn_value *v = operand(e, a, &na, ta);
  for (size_t i = 0; i < na; i++) k += v[i].kind != HN_V_NULL && v[i].kind != HN_V_BAD;
  const hn_vexpr *f = &e->p->vexprs[a];
  bool array = f->op == HN_VX_FIELD && e->ev && (e->ev->slots[f->a].flags & HN_SLOT_ARRAY);
  *n = 0;
  if (!k && !array) return tmp;
  memset(&tmp[0], 0, sizeof tmp[0]);
  tmp[0].kind = HN_V_INT;
  tmp[0].u.i = (int64_t)k;
  *n = 1;
  return tmp;
}


/* A part of a time (ns since the epoch), in UTC: minute 0-59, hour 0-23, day of the month
 * 1-31, ISO 8601 week 1-53, month 1-12, year. */
int64_t hn_time_part(int64_t ns, uint32_t part) {
  int64_t s = ns / 1000000000 - (ns % 1000000000 < 0); /* floor, for times before 1970 */
  time_t t = (time_t)s;
  struct tm tm;
  if (!gmtime_r(&t, &tm)) return 0;
  switch (part) {
  case HN_TP_MINUTE: return tm.tm_min;
  case HN_TP_HOUR: return tm.tm_hour;
  case HN_TP_DAY: return tm.tm_mday;
  case HN_TP_MONTH: return tm.tm_mon + 1;
  case HN_TP_YEAR: return (int64_t)tm.tm_year + 1900;
  default: { /* ISO week: the week (Monday first) holding the year's first Thursday is week 1 */
    char buf[8];
    strftime(buf, sizeof buf, "%V", &tm);
    return atoi(buf);
  }
  }
}

/* ---- comparisons ------------------------------------------------------------------------- */
static int cmp_num(const hn_value *a, const hn_value *b) {
  if (a->kind != HN_V_FLOAT && b->kind != HN_V_FLOAT) return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
  double x = num(a), y = num(b);
  return x < y ? -1 : x > y;
}

static bool str_eq(hn_eval *e, const hn_value *a, const hn_value *b, bool nocase) {
  if (!nocase) return a->len == b->len && mem_eq(a->u.s, b->u.s, a->len);
  size_t fa, fb;
  /* fold a into the scratch, then compare with b folded piecewise into a local buffer */
  const char *x = fold(e, a->u.s, a->len, &fa);
  char stackb[256];
  char *y = HN_CASE_ROOM(b->len) <= sizeof stackb ? stackb : hn_malloc(HN_CASE_ROOM(b->len));
  if (!y) return e->nomem = true, false;
  fb = hn_fold(b->u.s, b->len, y);
  bool r = fa == fb && mem_eq(x, y, fa);
  if (y != stackb) hn_free(y);
  return r;
}

/* a OP b for one pair of values; false when they cannot be compared. */
static bool cmp_pair(hn_eval *e, int op, const hn_value *a, const hn_value *b, bool nocase) {
  if (a->kind == HN_V_NULL || b->kind == HN_V_NULL || a->kind == HN_V_BAD || b->kind == HN_V_BAD)
    return false;
  int r;
  if (is_num(a) && is_num(b)) {
    r = cmp_num(a, b);
  } else if (a->kind == HN_V_STRING && b->kind == HN_V_STRING) {
    if (op == HN_P_EQ) return str_eq(e, a, b, nocase);
    size_t m = a->len < b->len ? a->len : b->len;
    r = m ? memcmp(a->u.s, b->u.s, m) : 0;
    if (r == 0) r = a->len < b->len ? -1 : a->len > b->len;
  } else if (a->kind == HN_V_IP && b->kind == HN_V_IP) {
    if (a->v6 != b->v6) return false;
    r = memcmp(a->u.ip, b->u.ip, a->v6 ? 16 : 4);
  } else if (a->kind == HN_V_BOOL && b->kind == HN_V_BOOL) {
    r = (int)(a->u.i - b->u.i);
  } else {
    return false;
  }
  switch (op) {
  case HN_P_EQ: return r == 0;
  case HN_P_LT: return r < 0;
  case HN_P_LE: return r <= 0;
  case HN_P_GT: return r > 0;
  case HN_P_GE: return r >= 0;
  default: return false;
  }
}

static bool in_cidr(const hn_value *v, const hn_const *c) {
  if (v->kind != HN_V_IP || c->kind != HN_V_IP || v->v6 != c->v6) return false;
  unsigned bits = c->prefix, full = bits / 8, rest = bits % 8;
  if (memcmp(v->u.ip, c->u.ip, full) != 0) return false;
  if (!rest) return true;
  unsigned char mask = (unsigned char)(0xFF << (8 - rest));
  return (v->u.ip[full] & mask) == (c->u.ip[full] & mask);
}

/* A value of a cidr field (the decoder checked and kept its text) or an address, as a network
 * in c; false for anything else. */
static bool as_network(const hn_value *v, hn_const *c) {
  memset(c, 0, sizeof *c);
  c->kind = HN_V_IP;
  if (v->kind == HN_V_IP) {
    memcpy(c->u.ip, v->u.ip, sizeof c->u.ip);
    c->v6 = v->v6;
    c->prefix = v->v6 ? 128 : 32;
    return true;
  }
  bool v6;
  unsigned bits;
  if (v->kind != HN_V_STRING || !hn_cidr_parse(v->u.s, v->len, c->u.ip, &v6, &bits)) return false;
  c->v6 = v6;
  c->prefix = (uint8_t)bits;
  return true;
}

/* Networks are equal when both prefix length and network are (lang/SPEC.md §6.4): the bits
 * past the prefix do not count. */
static bool network_eq(const hn_const *a, const hn_const *b) {
  if (a->v6 != b->v6 || a->prefix != b->prefix) return false;
  hn_value x;
  memset(&x, 0, sizeof x);
  x.kind = HN_V_IP;
  x.v6 = a->v6;
  memcpy(x.u.ip, a->u.ip, sizeof x.u.ip);
  return in_cidr(&x, b);
}

/* The networks of operand x: a constant keeps its prefix (an hn_value has none). */
static size_t networks(hn_eval *e, uint32_t x, hn_const *out, hn_value *tmp) {
  const hn_vexpr *vx = &e->p->vexprs[x];
  if (vx->op == HN_VX_CONST) {
    out[0] = e->p->consts[vx->a];
    return out[0].kind == HN_V_IP;
  }
  size_t n, k = 0;
  const hn_value *v = operand(e, x, &n, tmp);
  for (size_t i = 0; i < n; i++) k += as_network(&v[i], &out[k]);
  return k;
}

/* == on cidr operands: any pair of networks equal. */
static bool cidr_compare(hn_eval *e, const hn_pred *p) {
  hn_value ta[TMP], tb[TMP];
  hn_const a[TMP], b[TMP];
  size_t na = networks(e, p->lhs, a, ta), nb = networks(e, p->rhs, b, tb);
  for (size_t i = 0; i < na; i++)
    for (size_t j = 0; j < nb; j++)
      if (network_eq(&a[i], &b[j])) return true;
  return false;
}

/* A regex match within the limits: 1, 0, or -1 when they left it undecided. JIT code whose
 * stack runs out is retried by the interpreter, which keeps its frames on the heap. */
static int re_match(hn_eval *e, const hn_const *c, const char *s, size_t n) {
  pcre2_code *re = c->re;
  int rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, e->md, e->mctx);
  if (rc == PCRE2_ERROR_JIT_STACKLIMIT) rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, PCRE2_NO_JIT, e->md, e->mctx);
  if (rc >= 0) return 1;
  if (rc == PCRE2_ERROR_NOMEMORY) e->nomem = true; /* not a limit: the caller stops */
  return rc == PCRE2_ERROR_NOMATCH ? 0 : -1; /* a limit; nothing else fails on checked UTF-8 */
}

/* One string value against one pattern constant (already folded when caseless): 1, 0, or -1
 * for a regex match left undecided. */
static int str_match(hn_eval *e, int op, const char *s, size_t n, const hn_const *c) {
  switch (op) {
  case HN_P_CONTAINS: return hn_contains(s, n, c->u.s, c->len);
  case HN_P_STARTSWITH: return n >= c->len && mem_eq(s, c->u.s, c->len);
  case HN_P_ENDSWITH: return n >= c->len && mem_eq(s + n - c->len, c->u.s, c->len);
  case HN_P_LIKE: return hn_like(s, n, c->u.s, c->len);
  case HN_P_MATCHES: return c->re ? re_match(e, c, s, n) : 0;
  default: return 0;
  }
}

/* ---- undecided regex matches -------------------------------------------------------------
 * A match the limits cut short takes the value that lets the rules reading it fire: true where
 * a rule reads it as is, false where rules read it only under `not` (an `except`, an absence's
 * `not` step, `until`), so padding a value past the limits hides nothing from a rule (SPEC
 * §6.8). The tables are built at the first such match: most runs never need them. */
typedef struct re_walk {
  const hn_program *p;
  uint32_t *seen;   /* per node and polarity: the rule (+1) that last walked it */
  uint32_t *pseen;  /* per predicate: the rule (+1) that last listed it */
  uint32_t *pairs;  /* (predicate, rule) pairs */
  size_t n, cap;
  bool failed;
} re_walk;

static void re_note(hn_eval *e, re_walk *w, uint32_t pred, uint32_t rule, bool neg) {
  e->re_open[pred] |= neg ? 2 : 1;
  if (w->pseen[pred] == rule + 1) return;
  w->pseen[pred] = rule + 1;
  if (w->n + 2 > w->cap) {
    size_t nc = w->cap ? w->cap * 2 : 64;
    uint32_t *np = hn_realloc(w->pairs, nc * sizeof *np);
    if (!np) { w->failed = true; return; }
    w->pairs = np;
    w->cap = nc;
  }
  w->pairs[w->n++] = pred;
  w->pairs[w->n++] = rule;
}

/* Walks node i of rule `rule`, read under an even (neg false) or odd number of `not`s. */
static void re_walk_node(hn_eval *e, re_walk *w, uint32_t i, uint32_t rule, bool neg) {
  if (i == UINT32_MAX || w->seen[2 * i + neg] == rule + 1) return;
  w->seen[2 * i + neg] = rule + 1;
  const hn_bnode *b = &w->p->bnodes[i];
  if (b->op == HN_B_PRED && w->p->preds[b->a].op == HN_P_MATCHES) re_note(e, w, b->a, rule, neg);
  else if (b->op == HN_B_NOT) re_walk_node(e, w, b->a, rule, !neg);
  else if (b->op == HN_B_AND || b->op == HN_B_OR)
    for (uint32_t k = 0; k < b->n; k++) re_walk_node(e, w, w->p->kids[b->first + k], rule, neg);
}

static void re_walk_rule(hn_eval *e, re_walk *w, uint32_t r) {
  const hn_rule *ru = &w->p->rules[r];
  re_walk_node(e, w, ru->cond, r, false); /* a sequence's is `false`: its steps decide */
  if (ru->corr == UINT32_MAX) return;
  const hn_corr *C = &w->p->corrs[ru->corr];
  for (uint32_t k = 0; k < C->n_steps; k++) re_walk_node(e, w, C->steps[k].cond, r, C->steps[k].negated);
  re_walk_node(e, w, C->until, r, true); /* `until` ends partial matches */
  for (uint32_t k = 0; k < C->n_aggs; k++) re_walk_node(e, w, C->aggs[k].cond, r, false);
}

/* Builds re_open and the rules of each predicate (rule order: pairs are made rule by rule). */
static void re_tables(hn_eval *e) {
  const hn_program *p = e->p;
  e->re_tables_built = true;
  re_walk w = {p, hn_calloc(2 * (size_t)p->n_bnodes + 1, sizeof *w.seen), hn_calloc(p->n_preds + 1, sizeof *w.pseen),
               NULL, 0, 0, false};
  e->re_open = hn_calloc(p->n_preds + 1, 1);
  e->re_rule_first = hn_calloc(p->n_preds + 2, sizeof *e->re_rule_first);
  if (w.seen && w.pseen && e->re_open && e->re_rule_first)
    for (uint32_t r = 0; r < p->n_rules; r++) re_walk_rule(e, &w, r);
  e->re_rules = hn_malloc((w.n / 2 + 1) * sizeof *e->re_rules);
  if (!e->re_rules || !e->re_rule_first || !w.seen || !w.pseen || !e->re_open || w.failed) {
    e->nomem = true;
    hn_free(e->re_rule_first);
    e->re_rule_first = NULL;
  } else {
    for (size_t i = 0; i < w.n; i += 2) e->re_rule_first[w.pairs[i] + 1]++;
    for (uint32_t k = 0; k < p->n_preds; k++) e->re_rule_first[k + 1] += e->re_rule_first[k];
    uint32_t *at = w.pseen; /* reused: the next free place of each predicate's list */
    memcpy(at, e->re_rule_first, p->n_preds * sizeof *at);
    for (size_t i = 0; i < w.n; i += 2) e->re_rules[at[w.pairs[i]]++] = w.pairs[i + 1];
  }
  hn_free(w.seen);
  hn_free(w.pseen);
  hn_free(w.pairs);
}

uint32_t hn_re_rules(hn_eval *e, uint32_t pred, const uint32_t **rules) {
  if (!e->re_tables_built) re_tables(e);
  if (!e->re_rule_first || pred >= e->p->n_preds) return 0;
  *rules = e->re_rules + e->re_rule_first[pred];
  return e->re_rule_first[pred + 1] - e->re_rule_first[pred];
}

/* The value of predicate p, whose match the limits left undecided, noted for the runner. */
static bool re_undecided(hn_eval *e, const hn_pred *p) {
  uint32_t pi = (uint32_t)(p - e->p->preds), k = 0, n = e->re_undecided < HN_RE_LISTED ? e->re_undecided : HN_RE_LISTED;
  while (k < n && e->re_preds[k] != pi) k++;
  if (k == n) {
    if (n < HN_RE_LISTED) e->re_preds[n] = pi;
    e->re_undecided++;
  }
  if (!e->re_tables_built) re_tables(e);
  return !e->re_open || e->re_open[pi] != 2; /* false only where every reader negates it */
}

static bool strop(hn_eval *e, const hn_pred *p) {
  const hn_const *cs = e->p->consts + p->first;
  /* the prefilter: constants whose pattern did not occur in the field cannot match */
  const uint64_t *hits = NULL;
  if ((p->flags & HN_PF_FILTERED) && !e->no_prefilter) {
    hits = hn_pf_hits(&e->pf, e->p, e->ev, e->p->vexprs[p->lhs].a, e->epoch);
    uint32_t present = 0;
    for (uint32_t k = 0; k < p->n; k++) {
      uint32_t id = cs[k].pf - 1;
      present += (hits[id / 64] >> (id % 64)) & 1;
    }
    if (present == 0 || ((p->flags & HN_PF_ALL) && present < p->n)) return false;
  }
  hn_value tmp[TMP];
  size_t n;
  const hn_value *v = operand(e, p->lhs, &n, tmp);
  bool nocase = (p->flags & HN_PF_NOCASE) != 0;
  bool field = e->p->vexprs[p->lhs].op == HN_VX_FIELD, all_of = (p->flags & HN_PF_ALL) != 0, undecided = false;
  for (size_t i = 0; i < n; i++) {
    if (v[i].kind != HN_V_STRING) continue;
    const char *s = v[i].u.s;
    size_t sn = v[i].len;
    if (nocase && p->op != HN_P_MATCHES) s = field ? fold_field(e, s, sn, &sn) : fold(e, s, sn, &sn);
    int all = 1; /* every constant matched: 1; one was undecided and none failed: -1; else 0 */
    for (uint32_t k = 0; k < p->n; k++) {
      if (hits && !all_of) {
        uint32_t id = cs[k].pf - 1;
        if (!((hits[id / 64] >> (id % 64)) & 1)) continue; /* its pattern is not in the field */
      }
      int m = str_match(e, p->op, s, sn, &cs[k]);
      if (m > 0 && !all_of) return true;
      if (m < 0) undecided |= !all_of;
      all = m == 0 ? 0 : m < 0 && all ? -1 : all;
    }
    if (all_of && p->n && all > 0) return true;
    if (all_of && p->n && all < 0) undecided = true;
  }
  return undecided ? re_undecided(e, p) : false;
}

static bool in_set(hn_eval *e, const hn_pred *p) {
  hn_value tmp[TMP];
  size_t n;
  const hn_value *v = operand(e, p->lhs, &n, tmp);
  bool nocase = (p->flags & HN_PF_NOCASE) != 0;
  const hn_const *cs = e->p->consts + p->first;
  uint32_t pi = (uint32_t)(p - e->p->preds);
  if (e->p->vexprs[p->lhs].type == HN_FT_CIDR) { /* a cidr field: network equality (§6.4) */
    hn_const net;
    for (size_t i = 0; i < n; i++)
      for (uint32_t k = 0; k < p->n && as_network(&v[i], &net); k++)
        if (cs[k].kind == HN_V_IP && network_eq(&net, &cs[k])) return true;
    return false;
  }
  if (p->rhs != UINT32_MAX) { /* an address in the networks of a cidr field */
    hn_value tb[TMP];
    size_t nb;
    const hn_value *b = operand(e, p->rhs, &nb, tb);
    for (size_t j = 0; j < nb; j++) {
      hn_const net;
      if (!as_network(&b[j], &net)) continue;
      for (size_t i = 0; i < n; i++)
        if (in_cidr(&v[i], &net)) return true;
    }
    return false;
  }
  if (e->p->prefilter && e->p->prefilter->sets[pi].cap && !e->no_prefilter) {
    /* a string set (all constants are strings, folded when caseless): one probe a value */
    bool field = e->p->vexprs[p->lhs].op == HN_VX_FIELD;
    for (size_t i = 0; i < n; i++) {
      if (v[i].kind != HN_V_STRING) continue;
      const char *s = v[i].u.s;
      size_t sn = v[i].len;
      if (nocase) s = field ? fold_field(e, s, sn, &sn) : fold(e, s, sn, &sn);
      if (hn_strset_has(e->p, pi, s, sn)) return true;
    }
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    if (v[i].kind == HN_V_NULL || v[i].kind == HN_V_BAD) continue;
    if (v[i].kind == HN_V_STRING) {
      /* strings: fold the value once; a caseless list's constants were folded by the compiler */
      const char *s = v[i].u.s;
      size_t sn = v[i].len;
      if (nocase) s = fold(e, s, sn, &sn);
      for (uint32_t k = 0; k < p->n; k++)
        if (cs[k].kind == HN_V_STRING && cs[k].len == sn && mem_eq(cs[k].u.s, s, sn)) return true;
      continue;
    }
    for (uint32_t k = 0; k < p->n; k++) {
      if (cs[k].kind == HN_V_IP && v[i].kind == HN_V_IP) {
        if (in_cidr(&v[i], &cs[k])) return true;
        continue;
      }
      hn_value c = const_value(&cs[k]);
      if (cmp_pair(e, HN_P_EQ, &v[i], &c, nocase)) return true;
    }
  }
  return false;
}

static bool range(hn_eval *e, const hn_pred *p) {
  hn_value tmp[TMP];
  size_t n;
  const hn_value *v = operand(e, p->lhs, &n, tmp);
  hn_value lo = const_value(&e->p->consts[p->first]), hi = const_value(&e->p->consts[p->first + 1]);
  for (size_t i = 0; i < n; i++)
    if (is_num(&v[i]) && cmp_num(&v[i], &lo) >= 0 && cmp_num(&v[i], &hi) <= 0) return true;
  return false;
}

static bool present(const hn_eval *e, uint32_t slot) {
  const hn_slot *s = &e->ev->slots[slot];
  if (s->n == 0) return (s->flags & HN_SLOT_ARRAY) != 0; /* an empty array exists */
  for (uint32_t i = 0; i < s->n; i++)
    if (e->ev->values[s->first + i].kind != HN_V_NULL) return true;
  return false;
}

/* The common case, a field against a constant: no operand copies; a caseless string constant
 * was folded at compile time (lower.c), so only the value is folded. */
static bool compare_field_const(hn_eval *e, const hn_pred *p, uint32_t slot, const hn_const *c) {
  const hn_slot *s = &e->ev->slots[slot];
  const hn_value *v = e->ev->values + s->first;
  bool nocase = (p->flags & HN_PF_NOCASE) != 0;
  if (c->kind == HN_V_STRING && p->op == HN_P_EQ) {
    for (uint32_t i = 0; i < s->n; i++) {
      if (v[i].kind != HN_V_STRING) continue;
      size_t n = v[i].len;
      const char *x = nocase ? fold(e, v[i].u.s, n, &n) : v[i].u.s;
      if (n == c->len && mem_eq(x, c->u.s, n)) return true;
    }
    return false;
  }
  hn_value cv = const_value(c);
  for (uint32_t i = 0; i < s->n; i++)
    if (cmp_pair(e, p->op, &v[i], &cv, nocase)) return true;
  return false;
}

static bool compare(hn_eval *e, const hn_pred *p) {
  /* `f == null` holds when f is missing or null (lang/SPEC.md §4.5) */
  const hn_vexpr *rx = &e->p->vexprs[p->rhs];
  const hn_vexpr *lx0 = &e->p->vexprs[p->lhs];
  if ((lx0->type == HN_FT_CIDR || rx->type == HN_FT_CIDR) && p->op == HN_P_EQ &&
      !(rx->op == HN_VX_CONST && e->p->consts[rx->a].kind == HN_V_NULL))
    return cidr_compare(e, p);
  if (lx0->op == HN_VX_FIELD && rx->op == HN_VX_CONST && e->p->consts[rx->a].kind != HN_V_NULL &&
      (e->p->consts[rx->a].kind != HN_V_STRING || !(p->flags & HN_PF_NOCASE) || e->p->consts[rx->a].folded))
    return compare_field_const(e, p, lx0->a, &e->p->consts[rx->a]);
  if (p->op == HN_P_EQ && rx->op == HN_VX_CONST && e->p->consts[rx->a].kind == HN_V_NULL) {
    const hn_vexpr *lx = &e->p->vexprs[p->lhs];
    return lx->op == HN_VX_FIELD ? !present(e, lx->a) : false;
  }
  hn_value ta[TMP], tb[TMP];
  size_t na, nb;
  const hn_value *a = operand(e, p->lhs, &na, ta);
  const hn_value *b = operand(e, p->rhs, &nb, tb);
  bool nocase = (p->flags & HN_PF_NOCASE) != 0;
  for (size_t i = 0; i < na; i++)
    for (size_t j = 0; j < nb; j++)
      if (cmp_pair(e, p->op, &a[i], &b[j], nocase)) return true;
  return false;
}

bool hn_eval_pred(hn_eval *e, uint32_t pi) {
  const hn_pred *p = &e->p->preds[pi];
  /* an equality the index's maps answer exactly (index.c): this event's probe found it true
   * or it is false (an int field's values are all ints, §4.4, so no float compares equal) */
  if (e->indexed && e->p->index->decides[pi]) return e->cand.hit[pi] == e->epoch;
  switch (p->op) {
  case HN_P_EQ: case HN_P_LT: case HN_P_LE: case HN_P_GT: case HN_P_GE: case HN_P_HAS:
    if (p->op == HN_P_HAS) {
      hn_pred q = *p;
      q.op = HN_P_EQ;
      return compare(e, &q);
    }
    return compare(e, p);
  case HN_P_CONTAINS: case HN_P_STARTSWITH: case HN_P_ENDSWITH: case HN_P_LIKE: case HN_P_MATCHES:
    return strop(e, p);
  case HN_P_IN: return in_set(e, p);
  case HN_P_RANGE: return range(e, p);
  case HN_P_EXISTS: return present(e, p->slot);
  case HN_P_MISSING: return !present(e, p->slot);
  case HN_P_INVENTORIED: case HN_P_IN_RANGES: {
    const hn_slot *s = &e->ev->slots[p->slot];
    for (uint32_t i = 0; i < s->n; i++) {
      const hn_value *v = &e->ev->values[s->first + i];
      if (v->kind == HN_V_IP && (p->op == HN_P_INVENTORIED ? hn_asset_by_ip(e->p, v->u.ip, v->v6)
                                                           : hn_range_by_ip(e->p, v->u.ip, v->v6)) != HN_NO_ASSET)
        return true;
      if (v->kind == HN_V_STRING && p->op == HN_P_INVENTORIED && hn_asset_by_name(e->p, v->u.s, v->len) != HN_NO_ASSET)
        return true;
    }
    return false;
  }
  default: return false;
  }
}

bool hn_eval_node(hn_eval *e, uint32_t i) {
  const hn_bnode *b = &e->p->bnodes[i];
  if (e->stamp[i] == e->epoch && !b->dyn) return e->val[i];
  bool r;
  switch (b->op) {
  case HN_B_TRUE: r = true; break;
  case HN_B_FALSE: r = false; break;
  case HN_B_PRED: r = hn_eval_pred(e, b->a); break;
  case HN_B_NOT: r = !hn_eval_node(e, b->a); break;
  case HN_B_AND:
    r = true;
    for (uint32_t k = 0; k < b->n && r; k++) r = hn_eval_node(e, e->p->kids[b->first + k]);
    break;
  case HN_B_OR:
    r = false;
    for (uint32_t k = 0; k < b->n && !r; k++) r = hn_eval_node(e, e->p->kids[b->first + k]);
    break;
  default: r = false;
  }
  if (b->dyn) return r; /* it depends on the partial match: not a value of the event alone */
  e->stamp[i] = e->epoch;
  e->val[i] = r;
  return r;
}

const hn_value *hn_eval_values(hn_eval *e, uint32_t x, size_t *n, hn_value tmp[64]) {
  const hn_value *v = operand(e, x, n, tmp);
  return v;
}

bool hn_value_cmp(hn_eval *e, int op, const hn_value *a, const hn_value *b) {
  if (op == HN_P_NE) return !cmp_pair(e, HN_P_EQ, a, b, false) && a->kind != HN_V_NULL && b->kind != HN_V_NULL;
  return cmp_pair(e, op, a, b, false);
}

bool hn_value_arith(int op, const hn_value *a, const hn_value *b, hn_value *out) { return arith(op, a, b, out); }

int hn_eval_known(const hn_eval *e, uint32_t i) {
  return e->stamp[i] == e->epoch ? e->val[i] : -1;
}

int32_t hn_rt_pred(hn_eval *e, uint32_t pred) { return hn_eval_pred(e, pred); }

uint32_t hn_match_event(hn_eval *e, bool native, const uint32_t **fired) {
  const hn_program *p = e->p;
  hn_native_fn nat = native ? p->native : NULL;
  uint32_t k = 0;
  if (e->no_index || !p->index) {
    for (uint32_t r = 0; r < p->n_rules; r++)
      if (p->rules[r].kind == HN_R_SINGLE && (nat ? nat(e, r) : hn_eval_node(e, p->rules[r].cond))) e->fired[k++] = r;
  } else {
    const uint32_t *list;
    uint32_t n = hn_index_candidates(e, &e->cand, &list);
    e->indexed = true; /* the equality maps were probed: they answer their predicates */
    const hn_native_fn *tab = nat ? p->native_chunks : NULL;
    for (uint32_t i = 0; i < n; i++) /* native: the rule's chunk, straight from the table */
      if (tab ? tab[list[i] / p->native_chunk](e, list[i]) : nat ? nat(e, list[i]) : hn_eval_node(e, p->rules[list[i]].cond))
        e->fired[k++] = list[i];
  }
  *fired = e->fired;
  return k;
}
