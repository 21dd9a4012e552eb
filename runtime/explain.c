/* explain.c - hn_session_explain: why each rule did or did not fire on one event, node by node,
 * with each predicate written back in the language (progtext.c). The words and layout are the
 * auxiliary library's (runtime/aux/explain.c); this hands over the items.
 * Depends on the session's state (session.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "progtext.h"
#include "session.h"
#include "alloc.h"
#include "value.h"

typedef struct ex {
  hn_session *s;
  hn_explain_fn fn;
  void *ud;
  hn_explain_item base; /* the rule's fields, copied into each item */
  bool failed;
} ex;

static void node_items(ex *x, uint32_t node, int depth) {
  hn_eval *e = &x->s->e;
  const hn_program *p = e->p;
  const hn_bnode *b = &p->bnodes[node];
  hn_explain_item it = x->base;
  it.kind = HN_EXPLAIN_NODE;
  it.depth = depth;
  it.value = hn_eval_known(e, node);
  char *text = NULL;
  switch (b->op) {
  case HN_B_TRUE: it.op = "true"; break;
  case HN_B_FALSE: it.op = "false"; break;
  case HN_B_NOT: it.op = "not"; break;
  case HN_B_AND: it.op = "all of"; break;
  case HN_B_OR: it.op = "any of"; break;
  default: {
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (!f) { x->failed = true; return; }
    hn_pred_text(f, p, e->corr, &p->preds[b->a]);
    fclose(f);
    it.op = "predicate";
    it.text = text;
  }
  }
  x->fn(x->ud, &it);
  free(text); /* open_memstream's: libc's */
  if (b->op == HN_B_NOT) node_items(x, b->a, depth + 1);
  if (b->op == HN_B_AND || b->op == HN_B_OR)
    for (uint32_t k = 0; k < b->n; k++) node_items(x, p->kids[b->first + k], depth + 1);
}

/* Evaluates every node of a tree, so the explanation shows what short-circuiting skipped. */
static void eval_all(hn_eval *e, uint32_t node) {
  if (hn_eval_known(e, node) >= 0 && e->p->bnodes[node].op == HN_B_PRED) return;
  const hn_bnode *b = &e->p->bnodes[node];
  if (b->op == HN_B_NOT) eval_all(e, b->a);
  if (b->op == HN_B_AND || b->op == HN_B_OR)
    for (uint32_t k = 0; k < b->n; k++) eval_all(e, e->p->kids[b->first + k]);
  hn_eval_node(e, node);
}

static bool tree(ex *x, uint32_t root) {
  eval_all(&x->s->e, root);
  return hn_eval_node(&x->s->e, root);
}

static void explain_rule(ex *x, uint32_t r) {
  static const char *const kinds[] = {"single", "aggregation", "sequence", "absence", "over-alerts"};
  hn_session *s = x->s;
  const hn_program *p = s->p;
  const hn_rule *ru = &p->rules[r];
  memset(&x->base, 0, sizeof x->base);
  x->base.rule_index = r;
  x->base.rule = ru->name;
  x->base.rule_kind = kinds[ru->kind <= HN_R_OVER_ALERTS ? ru->kind : 0];
  hn_explain_item it = x->base;
  it.kind = HN_EXPLAIN_RULE;
  if (ru->kind == HN_R_SINGLE || ru->kind == HN_R_AGGREGATE) {
    it.holds = tree(x, ru->cond); /* aggregation: one event decides whether it enters a window */
    x->fn(x->ud, &it);
    node_items(x, ru->cond, 0);
    return;
  }
  x->fn(x->ud, &it);
  if (ru->kind == HN_R_OVER_ALERTS) return;
  /* each step as this event alone meets it: comparisons with $step values are false */
  const hn_corr *C = &p->corrs[ru->corr];
  s->e.corr = C;
  for (uint32_t k = 0; k < C->n_steps; k++) {
    hn_explain_item st = x->base;
    st.kind = HN_EXPLAIN_STEP;
    st.step = C->steps[k].name;
    st.negated = C->steps[k].negated;
    st.holds = tree(x, C->steps[k].cond);
    x->fn(x->ud, &st);
    node_items(x, C->steps[k].cond, 1);
  }
  s->e.corr = NULL;
}

hn_status hn_session_explain(hn_session *s, const char *event, size_t len, const char *rule, hn_explain_fn fn,
                             void *ud) {
  const hn_program *p = s->p;
  hn_decode_error de = {0, NULL};
  hn_status st = hn_decode(p->decoder, event, len, &s->ev, &de);
  if (st == HN_ERR_NOMEM) return HN_ERR_NOMEM;
  if (st != HN_OK) {
    snprintf(s->err, sizeof s->err, "%s (at byte %zu)", de.message ? de.message : "not a JSON object", de.offset);
    return HN_ERR_SYNTAX;
  }
  uint32_t only = rule ? hn_program_rule_find(p, rule) : UINT32_MAX;
  if (rule && only == UINT32_MAX) return HN_ERR_NOT_FOUND;
  ex x = {s, fn, ud, {0}, false};
  hn_eval_begin(&s->e, &s->ev);
  for (uint32_t r = 0; r < p->n_rules && !x.failed; r++)
    if (only == UINT32_MAX || r == only) explain_rule(&x, r);
  if (s->e.re_undecided && !x.failed) {
    hn_explain_item it = {0};
    it.kind = HN_EXPLAIN_NOTE;
    it.undecided = s->e.re_undecided;
    fn(ud, &it);
  }
  return x.failed ? HN_ERR_NOMEM : HN_OK;
}
