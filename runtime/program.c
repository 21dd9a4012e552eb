/* program.c - a compiled program's life: preparing what the compiler cannot hand over as plain
 * data (compiled regexes, the decoder) and freeing it all.
 * Depends on program.h, decode.h, arena.h and PCRE2. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "program.h"
#include "alloc.h"
#include "assets.h"
#include <pcre2.h>
#include <dlfcn.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"
#include "index.h"
#include "prefilter.h"

void hn_program_destroy(hn_program *p) {
  if (!p) return;
  for (uint32_t i = 0; i < p->n_consts; i++)
    if (p->consts[i].re) pcre2_code_free((pcre2_code *)p->consts[i].re);
  hn_decoder_destroy(p->decoder);
  hn_index_free(p);
  hn_inventory_free(p);
  hn_prefilter_free(p);
  if (p->native_free) p->native_free(p->native_owner);
  if (p->native_handle) dlclose(p->native_handle);
  if (p->arena) {
    hn_arena_fini(p->arena);
    hn_free(p->arena);
  }
  if (p->image) munmap(p->image, p->image_len); /* p itself lies in the mapping */
  else hn_free(p);
}

/* Regexes are compiled here, once, with PCRE2's JIT where the platform has it: `matches`
 * constants carry their pattern in s/len and whether they are caseless in `prefix`. */
static hn_status compile_regexes(hn_program *p, pcre2_compile_context *cc, char *err, size_t errlen) {
  for (uint32_t i = 0; i < p->n_preds; i++) {
    const hn_pred *pr = &p->preds[i];
    if (pr->op != HN_P_MATCHES) continue;
    for (uint32_t k = 0; k < pr->n; k++) {
      hn_const *c = &p->consts[pr->first + k];
      if (c->re) continue;
      int code;
      PCRE2_SIZE off;
      uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | ((pr->flags & HN_PF_NOCASE) ? PCRE2_CASELESS : 0);
      pcre2_code *re = pcre2_compile((PCRE2_SPTR)c->u.s, c->len, opts, &code, &off, cc);
      if (!re && code == PCRE2_ERROR_HEAP_FAILED) {
        snprintf(err, errlen, "out of memory");
        return HN_ERR_NOMEM;
      }
      if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, errlen, "regex /%.*s/: %s", (int)c->len, c->u.s, (char *)msg);
        return HN_ERR_SEMANTIC;
      }
      pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter when absent */
      c->re = re;
    }
  }
  return HN_OK;
}

static hn_status prepare_regexes(hn_program *p, char *err, size_t errlen) {
  pcre2_general_context *gc = hn_pcre2_general(); /* the codes allocate (and free) through hn_malloc */
  pcre2_compile_context *cc = gc ? pcre2_compile_context_create(gc) : NULL;
  pcre2_general_context_free(gc);
  if (!cc) {
    snprintf(err, errlen, "out of memory");
    return HN_ERR_NOMEM;
  }
  hn_status st = compile_regexes(p, cc, err, errlen);
  pcre2_compile_context_free(cc);
  return st;
}

/* What every program needs after its prefilter: the rule index, the inventories' lookups and
 * the event decoder. */
static hn_status prepare_rest(hn_program *p, char *err, size_t errlen) {
  hn_status st;
  if ((st = hn_index_build(p)) != HN_OK) {
    snprintf(err, errlen, "cannot build the rule index (%s)", hn_status_str(st));
    return st;
  }
  if ((st = hn_inventory_build(p)) != HN_OK) {
    snprintf(err, errlen, "cannot index the inventories (%s)", hn_status_str(st));
    return st;
  }
  p->decoder = hn_decoder_create(p->fields, p->n_fields, &st);
  if (!p->decoder) {
    snprintf(err, errlen, "cannot build the event decoder (%s)", hn_status_str(st));
    return st;
  }
  return HN_OK;
}

const char *hn_program_warning(const hn_program *p) { return p->warning[0] ? p->warning : NULL; }

uint64_t hn_program_scan_errors(const hn_program *p) {
  return p->prefilter ? atomic_load_explicit(&p->prefilter->scan_errors, memory_order_relaxed) : 0;
}

bool hn_program_prefiltered(const hn_program *p) { return p->prefilter != NULL; }

const char *hn_pattern_engine(void) { return hn_pf_engine(); }

const char *hn_pattern_engine_selftest(void) { return hn_pf_selftest(); }

/* Whether this run has a prefilter: not with --no-prefilter (p->no_prefilter) or
 * HORNET_NO_PREFILTER=1, which give the same alerts, found without the engine. */
static bool wants_prefilter(const hn_program *p) {
  const char *no_pf = getenv("HORNET_NO_PREFILTER");
  return !p->no_prefilter && !(no_pf && *no_pf && strcmp(no_pf, "0") != 0);
}

hn_status hn_program_prepare(hn_program *p, char *err, size_t errlen) {
  hn_status st = prepare_regexes(p, err, errlen);
  if (st != HN_OK) return st;
  if (wants_prefilter(p) && (st = hn_prefilter_build(p)) != HN_OK) {
    snprintf(err, errlen, "cannot build the pattern prefilter (%s)", hn_status_str(st));
    return st;
  }
  return prepare_rest(p, err, errlen);
}

hn_status hn_program_prepare_loaded(hn_program *p, const void *patterns, size_t len, char *err, size_t errlen) {
  hn_status st = prepare_regexes(p, err, errlen);
  if (st != HN_OK) return st;
  if ((st = hn_prefilter_restore(p, wants_prefilter(p) ? patterns : NULL, len)) != HN_OK) {
    snprintf(err, errlen, "cannot build the pattern prefilter (%s)", hn_status_str(st));
    return st;
  }
  return prepare_rest(p, err, errlen);
}

/* ---- validation of a program read from outside (an image) --------------------------------- */
/* Every index a table holds must name an element of the table it refers to, and every
 * recursion (values, conditions, having trees) must go to smaller indices, so a damaged or
 * crafted image is refused here instead of reading out of bounds or recursing for ever. */
typedef struct vctx {
  const hn_program *p;
  char *err;
  size_t errlen;
} vctx;

static bool bad(vctx *v, const char *what, uint32_t i, uint32_t val) {
  snprintf(v->err, v->errlen, "corrupt program: %s %u refers to %u, out of range", what, i, val);
  return false;
}

#define NONE UINT32_MAX
#define CHECK(cond, what, i, val) \
  do {                            \
    if (!(cond)) return bad(v, what, i, val); \
  } while (0)

static bool valid_vexprs(vctx *v) {
  const hn_program *p = v->p;
  for (uint32_t i = 0; i < p->n_vexprs; i++) {
    const hn_vexpr *x = &p->vexprs[i];
    CHECK(x->type <= HN_FT_DURATION, "value of type", i, x->type);
    switch (x->op) {
    case HN_VX_FIELD: CHECK(x->a < p->n_fields, "value", i, x->a); break;
    case HN_VX_CONST: CHECK(x->a < p->n_consts, "value", i, x->a); break;
    case HN_VX_ADD: case HN_VX_SUB: case HN_VX_MUL: case HN_VX_DIV: case HN_VX_MOD: case HN_VX_DECAY: case HN_VX_PAIR:
      CHECK(x->a < i && x->b < i, "value", i, x->a < i ? x->b : x->a);
      break;
    case HN_VX_NEG: case HN_VX_LOWER: case HN_VX_UPPER: case HN_VX_LEN: case HN_VX_ABS:
      CHECK(x->a < i, "value", i, x->a);
      break;
    case HN_VX_TIMEPART: CHECK(x->a < i && x->b <= HN_TP_YEAR, "value", i, x->a); break;
    case HN_VX_BOUND: CHECK(x->b < p->n_fields, "value", i, x->b); break;
    case HN_VX_COND: CHECK(x->a < p->n_bnodes && x->b < i, "value", i, x->b); break;
    default: return bad(v, "value with operator", i, x->op);
    }
  }
  return true;
}

static bool valid_preds(vctx *v) {
  const hn_program *p = v->p;
  for (uint32_t i = 0; i < p->n_preds; i++) {
    const hn_pred *pr = &p->preds[i];
    CHECK(pr->op <= HN_P_IN_RANGES, "predicate with operator", i, pr->op);
    CHECK(pr->lhs == NONE || pr->lhs < p->n_vexprs, "predicate", i, pr->lhs);
    CHECK(pr->rhs == NONE || pr->rhs < p->n_vexprs, "predicate", i, pr->rhs);
    CHECK(pr->first <= p->n_consts && pr->n <= p->n_consts - pr->first, "predicate", i, pr->first);
    CHECK(pr->slot == NONE || pr->slot < p->n_fields, "predicate", i, pr->slot);
  }
  for (uint32_t i = 0; i < p->n_consts; i++) {
    const hn_const *c = &p->consts[i];
    CHECK(c->kind >= HN_V_NULL && c->kind <= HN_V_BAD, "constant of kind", i, c->kind);
    CHECK(c->kind != HN_V_STRING || c->u.s || c->len == 0, "string constant", i, c->len);
    CHECK(c->kind != HN_V_IP || (c->v6 <= 1 && c->prefix <= (c->v6 ? 128 : 32) && c->len <= 16), "address constant", i,
          c->prefix);
  }
  for (uint32_t i = 0; i < p->n_fields; i++) {
    CHECK(p->fields[i].path && p->fields[i].type <= HN_FT_ANYSTR, "field", i, p->fields[i].type);
  }
  return true;
}

static bool valid_bnodes(vctx *v) {
  const hn_program *p = v->p;
  for (uint32_t i = 0; i < p->n_bnodes; i++) {
    const hn_bnode *b = &p->bnodes[i];
    switch (b->op) {
    case HN_B_TRUE: case HN_B_FALSE: break;
    case HN_B_PRED: CHECK(b->a < p->n_preds, "condition", i, b->a); break;
    case HN_B_NOT: CHECK(b->a < i, "condition", i, b->a); break;
    case HN_B_AND: case HN_B_OR:
      CHECK(b->first <= p->n_kids && b->n <= p->n_kids - b->first, "condition", i, b->first);
      for (uint32_t k = 0; k < b->n; k++) CHECK(p->kids[b->first + k] < i, "condition", i, p->kids[b->first + k]);
      break;
    default: return bad(v, "condition with operator", i, b->op);
    }
  }
  return true;
}

static bool node_ok(const hn_program *p, uint32_t b) { return b < p->n_bnodes; }
static bool slots_ok(const hn_program *p, const uint32_t *s, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (s[i] >= p->n_fields) return false;
  return true;
}

static bool valid_rules(vctx *v) {
  const hn_program *p = v->p;
  for (uint32_t i = 0; i < p->n_rules; i++) {
    const hn_rule *r = &p->rules[i];
    CHECK(r->name && r->kind <= HN_R_OVER_ALERTS, "rule", i, r->kind);
    CHECK(node_ok(p, r->source) && node_ok(p, r->cond), "rule", i, r->cond);
    CHECK(r->corr == NONE || r->corr < p->n_corrs, "rule", i, r->corr);
    CHECK(r->kind == HN_R_SINGLE || r->corr != NONE, "correlation rule", i, r->corr);
    CHECK(slots_ok(p, r->entities, r->n_entities) && slots_ok(p, r->supp_keys, r->n_supp_keys), "rule", i, 0);
    CHECK(slots_ok(p, r->alias_to, r->n_alias) && slots_ok(p, r->alias_from, r->n_alias), "rule", i, 0);
    for (uint32_t k = 0; k < r->n_from; k++) CHECK(r->from[k] < p->n_rules, "rule", i, r->from[k]);
  }
  return true;
}

static bool valid_corr(vctx *v, uint32_t i) {
  const hn_program *p = v->p;
  const hn_corr *C = &p->corrs[i];
  CHECK(slots_ok(p, C->keys, C->n_keys), "correlation", i, 0);
  for (uint32_t k = 0; k < C->n_aggs; k++) {
    const hn_agg *a = &C->aggs[k];
    CHECK(a->kind <= HN_AGG_PERCENTILE && a->type <= HN_FT_DURATION, "aggregate of", i, a->kind);
    CHECK(a->arg == NONE || a->arg < p->n_vexprs, "aggregate of", i, a->arg);
    CHECK(a->cond == NONE || node_ok(p, a->cond), "aggregate of", i, a->cond);
  }
  for (uint32_t k = 0; k < C->n_hn; k++) {
    const hn_hnode *h = &C->hn[k];
    switch (h->op) {
    case HN_H_AND: case HN_H_OR: case HN_H_CMP: CHECK(h->a < k && h->b < k, "having of", i, k); break;
    case HN_H_NOT: CHECK(h->a < k, "having of", i, k); break;
    case HN_H_ARITH: CHECK(h->a < k && (h->cmp == HN_VX_NEG || h->b < k), "having of", i, k); break;
    case HN_H_COND: CHECK(h->a < k && h->b < k && h->c < k, "having of", i, k); break;
    case HN_H_AGG: CHECK(h->a < C->n_aggs, "having of", i, h->a); break;
    case HN_H_CONST: CHECK(h->a < p->n_consts, "having of", i, h->a); break;
    case HN_H_EVENT: CHECK(node_ok(p, h->a), "having of", i, h->a); break;
    case HN_H_VALUE: CHECK(h->a < p->n_vexprs, "having of", i, h->a); break;
    default: return bad(v, "having node with operator", i, h->op);
    }
  }
  CHECK(C->n_hn == 0 || C->having < C->n_hn, "correlation", i, C->having);
  for (uint32_t k = 0; k < C->n_steps; k++)
    CHECK(node_ok(p, C->steps[k].cond) && C->steps[k].repeat_op <= HN_REP_EQ, "step of", i, C->steps[k].cond);
  CHECK(C->until == NONE || node_ok(p, C->until), "correlation", i, C->until);
  for (uint32_t k = 0; k < C->n_binds; k++)
    CHECK(C->binds[k].step < C->n_steps && C->binds[k].slot < p->n_fields, "binding of", i, C->binds[k].slot);
  return true;
}

/* A service's workflow: states named, every index a state, no edge out of the terminal one. */
static bool valid_service(vctx *v, uint32_t i) {
  const hn_program *p = v->p;
  const hn_service *s = &p->services[i];
  CHECK(s->name && (s->domain == NONE || s->domain < p->n_domains), "service", i, s->domain);
  for (uint32_t k = 0; k < s->n_states; k++) CHECK(s->states[k] != NULL, "state of service", i, k);
  for (uint32_t k = 0; k < s->n_edges; k++)
    CHECK(s->edges[k].from + 1 < s->n_states && s->edges[k].to < s->n_states, "edge of service", i, k);
  for (uint32_t k = 0; k < s->n_slas; k++) CHECK(s->slas[k].state < s->n_states, "SLA of service", i, k);
  for (uint32_t k = 0; k < s->n_steps; k++)
    CHECK(s->steps[k].state < s->n_states && s->steps[k].text, "step of service", i, k);
  for (uint32_t k = 0; k < s->n_require; k++) CHECK(s->require[k] != NULL, "required field of service", i, k);
  return true;
}

static bool valid_incidents(vctx *v) {
  const hn_program *p = v->p;
  for (uint32_t i = 0; i < p->n_asset_addrs; i++) {
    const hn_asset_addr *a = &p->asset_addrs[i];
    CHECK(a->asset < p->n_assets && a->v6 <= 1 && a->prefix <= (a->v6 ? 128 : 32), "address", i, a->asset);
  }
  for (uint32_t i = 0; i < p->n_ranges; i++)
    CHECK(p->ranges[i].v6 <= 1 && p->ranges[i].prefix <= (p->ranges[i].v6 ? 128 : 32), "range", i, p->ranges[i].prefix);
  for (uint32_t i = 0; i < p->n_scores; i++) CHECK(p->scores[i].corr < p->n_corrs, "score", i, p->scores[i].corr);
  CHECK(p->incident_score == NONE || p->incident_score < p->n_scores, "the incident score", 0, p->incident_score);
  for (uint32_t i = 0; i < p->n_domains; i++) {
    const hn_domain *d = &p->domains[i];
    CHECK(d->when == NONE || node_ok(p, d->when), "domain", i, d->when);
    CHECK(d->score == NONE || d->score < p->n_scores, "domain", i, d->score);
  }
  for (uint32_t i = 0; i < p->n_exposures; i++) {
    const hn_exposure *x = &p->exposures[i];
    bool activity = x->open != NONE;
    CHECK(!activity || (node_ok(p, x->open) && x->open_on < p->n_fields), "exposure", i, x->open);
    CHECK(x->close == NONE || (node_ok(p, x->close) && x->close_on < p->n_fields), "exposure", i, x->close);
    CHECK(x->state == NONE || node_ok(p, x->state), "exposure", i, x->state);
  }
  for (uint32_t i = 0; i < p->n_services; i++)
    if (!valid_service(v, i)) return false;
  for (uint32_t i = 0; i < p->n_tests; i++)
    for (uint32_t k = 0; k < p->tests[i].n_expects; k++)
      CHECK(p->tests[i].expects[k].rule < p->n_rules, "test", i, p->tests[i].expects[k].rule);
  return true;
}

/* KPIs (§15): their value trees, roots, dimensions, targets and factors. */
static bool valid_kpis(vctx *v) {
  const hn_program *p = v->p;
  for (uint32_t i = 0; i < p->n_kpis; i++) {
    const hn_kpi *k = &p->kpis[i];
    CHECK(k->name && k->corr < p->n_corrs && k->every > 0, "kpi", i, k->corr);
    const hn_corr *C = &p->corrs[k->corr];
    CHECK(k->n_roots == C->n_aggs && C->n_hn > 0, "kpi", i, k->n_roots);
    for (uint32_t r = 0; r < k->n_roots; r++) CHECK(k->roots[r] < HN_KR_COUNT, "kpi", i, k->roots[r]);
    for (uint32_t d = 0; d < k->n_dims; d++) CHECK(k->dims[d] < HN_KD_COUNT, "kpi", i, k->dims[d]);
    CHECK(k->where == NONE || node_ok(p, k->where), "kpi", i, k->where);
    CHECK(k->type == HN_FT_INT || k->type == HN_FT_FLOAT || k->type == HN_FT_DURATION, "kpi of type", i, k->type);
    CHECK(k->target_op == 0 || (k->target_op <= HN_P_GE + 1 && k->target < p->n_consts), "kpi target", i, k->target);
    for (uint32_t f = 0; f < k->n_factors; f++)
      CHECK(k->factors[f].node < C->n_hn && (k->factors[f].sign == 1 || k->factors[f].sign == -1), "kpi factor", i,
            k->factors[f].node);
  }
  return true;
}

bool hn_program_validate(const hn_program *p, char *err, size_t errlen) {
  vctx v = {p, err, errlen};
  if (p->time_slot >= 0 && (uint32_t)p->time_slot >= p->n_fields) return bad(&v, "the time field", 0, (uint32_t)p->time_slot);
  if (!valid_vexprs(&v) || !valid_preds(&v) || !valid_bnodes(&v) || !valid_rules(&v) || !valid_incidents(&v)) return false;
  if (!valid_kpis(&v)) return false;
  for (uint32_t i = 0; i < p->n_corrs; i++)
    if (!valid_corr(&v, i)) return false;
  return true;
}
