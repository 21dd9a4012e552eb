/* explain.c - hn_explain of the auxiliary library: the items of hn_session_explain as text for
 * people (`hornet explain`).
 * Built on hornet.h only. */
#include <stdio.h>
#include <string.h>
#include "hornet/hornetaux.h"

static void item(void *ud, const hn_explain_item *it) {
  FILE *f = ud;
  switch (it->kind) {
  case HN_EXPLAIN_RULE:
    if (strcmp(it->rule_kind, "aggregation") == 0)
      fprintf(f, "rule %s: an aggregation; this event %s its windows\n", it->rule, it->holds ? "ENTERS" : "does not enter");
    else if (strcmp(it->rule_kind, "over-alerts") == 0)
      fprintf(f, "rule %s: reads other rules' alerts, not events\n", it->rule);
    else if (strcmp(it->rule_kind, "single") == 0)
      fprintf(f, "rule %s: %s\n", it->rule, it->holds ? "FIRES" : "does not fire");
    else
      fprintf(f, "rule %s: a %s; the steps this event meets on its own:\n", it->rule,
              strcmp(it->rule_kind, "absence") == 0 ? "sequence with an absence" : "sequence");
    break;
  case HN_EXPLAIN_STEP:
    fprintf(f, "  %s%s: %s\n", it->negated ? "not " : "", it->step, it->holds ? "MEETS" : "does not meet");
    break;
  case HN_EXPLAIN_NODE: {
    const char *mark = it->value == 1 ? "true " : it->value == 0 ? "false" : "  -  "; /* - : not evaluated */
    fprintf(f, "  %s %*s%s\n", mark, it->depth * 2, "", it->text ? it->text : it->op);
    break;
  }
  case HN_EXPLAIN_NOTE:
    fprintf(f, "note: %u regex match%s reached the match limit: each counts as the value that lets the rules "
            "reading it fire (lang/SPEC.md §6.8)\n", it->undecided, it->undecided == 1 ? "" : "es");
    break;
  }
}

hn_status hn_explain(const hn_program *p, const char *event, size_t len, const char *rule, FILE *out) {
  hn_session *s;
  hn_status st = hn_session_new(p, NULL, NULL, &s);
  if (st != HN_OK) return st;
  st = hn_session_explain(s, event, len, rule, item, out);
  if (st == HN_ERR_SYNTAX) fprintf(out, "the event is not a JSON object: %s\n", hn_session_error(s));
  hn_session_free(s);
  return st;
}
