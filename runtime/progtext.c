/* progtext.c - a program's predicates and conditions written back in the language, for explain
 * and for the program listing (hornet build --dump).
 * Depends on program.h and the shared value printers (value.h). */
#include "progtext.h"
#include <stdio.h>
#include "value.h"

static void vexpr_text(FILE *f, const hn_program *p, const hn_corr *C, uint32_t i);

static void const_text(FILE *f, const hn_const *c) {
  switch (c->kind) {
  case HN_V_NULL: fputs("null", f); break;
  case HN_V_STRING: hn_json_str(f, c->u.s, c->len); break;
  case HN_V_INT: fprintf(f, "%lld", (long long)c->u.i); break;
  case HN_V_FLOAT: fprintf(f, "%.17g", c->u.f); break;
  case HN_V_BOOL: fputs(c->u.i ? "true" : "false", f); break;
  case HN_V_TIME: hn_json_time(f, c->u.i); break;
  case HN_V_IP: hn_json_ip(f, c->u.ip, c->v6, c->prefix); break;
  default: fputs("null", f);
  }
}

static void vexpr_text(FILE *f, const hn_program *p, const hn_corr *C, uint32_t i) {
  static const char *const ops[] = {[HN_VX_ADD] = " + ", [HN_VX_SUB] = " - ", [HN_VX_MUL] = " * ",
                                    [HN_VX_DIV] = " / ", [HN_VX_MOD] = " % "};
  const hn_vexpr *x = &p->vexprs[i];
  switch (x->op) {
  case HN_VX_FIELD: fputs(p->fields[x->a].path, f); break;
  case HN_VX_CONST: const_text(f, &p->consts[x->a]); break;
  case HN_VX_BOUND:
    fprintf(f, "$%s.%s", C && x->a < C->n_steps ? C->steps[x->a].name : "?", p->fields[x->b].path);
    break;
  case HN_VX_COND: fputs("(a condition ? ", f); vexpr_text(f, p, C, p->vexprs[x->b].a); fputs(" : ", f);
    vexpr_text(f, p, C, p->vexprs[x->b].b); fputc(')', f); break;
  case HN_VX_DECAY: fputs("decay(", f); vexpr_text(f, p, C, x->a); fputs(", ", f); vexpr_text(f, p, C, x->b); fputc(')', f);
    break;
  case HN_VX_NEG: fputc('-', f); vexpr_text(f, p, C, x->a); break;
  case HN_VX_TIMEPART: {
    static const char *const parts[] = {"minute(", "hour(", "day(", "week(", "month(", "year("};
    fputs(x->b < 6 ? parts[x->b] : "?(", f);
    vexpr_text(f, p, C, x->a);
    fputc(')', f);
    break;
  }
  case HN_VX_LOWER: case HN_VX_UPPER: case HN_VX_LEN: case HN_VX_ABS:
    fputs(x->op == HN_VX_LOWER ? "lower(" : x->op == HN_VX_UPPER ? "upper(" : x->op == HN_VX_LEN ? "len(" : "abs(", f);
    vexpr_text(f, p, C, x->a);
    fputc(')', f);
    break;
  default:
    fputc('(', f);
    vexpr_text(f, p, C, x->a);
    fputs(ops[x->op], f);
    vexpr_text(f, p, C, x->b);
    fputc(')', f);
  }
}

void hn_pred_text(FILE *f, const hn_program *p, const hn_corr *C, const hn_pred *pr) {
  static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">=", "contains", "startswith", "endswith",
                                    "like", "matches", "in", "in", "has", "exists", "missing", "inventoried",
                                    "in_ranges"};
  const char *tilde = (pr->flags & HN_PF_NOCASE) ? "~" : "";
  if (pr->op == HN_P_EXISTS || pr->op == HN_P_MISSING) {
    fprintf(f, "%s %s", ops[pr->op], p->fields[pr->slot].path);
    return;
  }
  if (pr->op == HN_P_INVENTORIED || pr->op == HN_P_IN_RANGES) {
    fprintf(f, "%s(%s)", ops[pr->op], p->fields[pr->slot].path);
    return;
  }
  vexpr_text(f, p, C, pr->lhs);
  fprintf(f, " %s%s ", ops[pr->op], tilde);
  if (pr->rhs != UINT32_MAX) {
    vexpr_text(f, p, C, pr->rhs);
    return;
  }
  if (pr->op == HN_P_RANGE) {
    const_text(f, &p->consts[pr->first]);
    fputs("..", f);
    const_text(f, &p->consts[pr->first + 1]);
    return;
  }
  if (pr->flags & HN_PF_ALL) fputs("all ", f);
  if (pr->n != 1) fputc('[', f);
  for (uint32_t k = 0; k < pr->n && k < 8; k++) {
    if (k) fputs(", ", f);
    const_text(f, &p->consts[pr->first + k]);
  }
  if (pr->n > 8) fprintf(f, ", ... %u more", pr->n - 8);
  if (pr->n != 1) fputc(']', f);
}


/* A condition tree, one node a line, indented; shared nodes are written where they are used. */
void hn_node_text(FILE *f, const hn_program *p, const hn_corr *C, uint32_t node, int depth) {
  const hn_bnode *b = &p->bnodes[node];
  fprintf(f, "%*s", depth * 2, "");
  switch (b->op) {
  case HN_B_TRUE: fputs("true\n", f); return;
  case HN_B_FALSE: fputs("false\n", f); return;
  case HN_B_PRED:
    hn_pred_text(f, p, C, &p->preds[b->a]);
    fputc('\n', f);
    return;
  case HN_B_NOT:
    fputs("not\n", f);
    hn_node_text(f, p, C, b->a, depth + 1);
    return;
  default:
    fputs(b->op == HN_B_AND ? "all of\n" : "any of\n", f);
    for (uint32_t k = 0; k < b->n; k++) hn_node_text(f, p, C, p->kids[b->first + k], depth + 1);
  }
}
