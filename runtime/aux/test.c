/* test.c - hn_run_tests of the auxiliary library: the pack's test blocks (lang/SPEC.md §16),
 * each in a session of its own over the program, every rule's alerts counted (`generate false`
 * ones too), the expectations checked; failures as text, and a JUnit XML report.
 * Built on hornet.h only. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hornet/hornetaux.h"
#include "alloc.h"

static void xml_str(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    default: fputc(*s, f);
    }
  }
}

static void count_alert(void *ud, const hn_alert *a) { ((int64_t *)ud)[a->rule_index]++; }

/* Checks test i's expectations against count; failures to msg. 1 passed, 0 failed, -1 no
 * expectation to check. */
static int check(const hn_program *p, uint32_t i, const hn_test_view *t, const int64_t *count, FILE *msg) {
  int verdict = t->n_expects ? 1 : -1;
  for (uint32_t k = 0; k < t->n_expects; k++) {
    hn_test_expect_view x;
    hn_program_test_expect(p, i, k, &x);
    int64_t c = count[x.rule_index];
    bool ok = x.negated ? c == 0 : x.count >= 0 ? c == x.count : c > 0;
    if (ok) continue;
    verdict = 0;
    if (x.negated)
      fprintf(msg, "  expected rule %s not to fire, but it fired %" PRId64 " time%s\n", x.rule, c, c == 1 ? "" : "s");
    else if (x.count >= 0)
      fprintf(msg, "  expected rule %s to fire %" PRId64 " time%s, it fired %" PRId64 "\n", x.rule, x.count,
              x.count == 1 ? "" : "s", c);
    else
      fprintf(msg, "  expected rule %s to fire, it did not\n", x.rule);
  }
  if (verdict == 0)
    for (uint32_t e = 0; e < t->n_events; e++) fprintf(msg, "  event %u: %s\n", e + 1, t->events[e]);
  return verdict;
}

/* Runs test i: every test starts from empty correlation state; its events are one finite
 * input. Returns 1 passed, 0 failed, -1 skipped, T_NOMEM when memory ran out (no verdict). */
enum { T_NOMEM = -2 };

static int one_test(const hn_program *p, uint32_t i, int64_t *count, FILE *msg) {
  hn_test_view t;
  hn_program_test(p, i, &t);
  memset(count, 0, hn_program_rule_count(p) * sizeof *count);
  hn_session_options o = {HN_ENGINE_AUTO, HN_SESSION_QUIET_ALERTS | HN_SESSION_NO_MATCHED};
  hn_callbacks cb = {count, count_alert, NULL, NULL, NULL};
  hn_session *s;
  if (hn_session_new(p, &o, &cb, &s) != HN_OK) return T_NOMEM;
  hn_status st = HN_OK;
  for (uint32_t e = 0; e < t.n_events && st == HN_OK; e++) {
    hn_origin at = {t.file, e + 1, 0};
    st = hn_session_push(s, t.events[e], strlen(t.events[e]), &at);
    if (st == HN_ERR_SYNTAX) fprintf(msg, "  event %u does not decode: %s\n", e + 1, hn_session_error(s));
  }
  if (st == HN_OK) st = hn_session_flush(s);
  hn_session_free(s);
  if (st == HN_ERR_NOMEM) return T_NOMEM;
  return st != HN_OK ? 0 : check(p, i, &t, count, msg);
}

static void junit_report(const hn_program *p, FILE *junit, const hn_test_report *rep, char **msgs, const int *verdicts) {
  fprintf(junit, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"hornet\" tests=\"%u\" failures=\"%u\" skipped=\"%u\">\n",
          rep->tests, rep->failed, rep->skipped);
  for (uint32_t i = 0; i < rep->tests; i++) {
    hn_test_view t;
    hn_program_test(p, i, &t);
    fputs("  <testcase classname=\"", junit);
    xml_str(junit, t.file);
    fputs("\" name=\"", junit);
    xml_str(junit, t.name);
    fputs("\">", junit);
    if (verdicts[i] == 0) {
      fputs("<failure message=\"expectation not met\">", junit);
      xml_str(junit, msgs[i]);
      fputs("</failure>", junit);
    } else if (verdicts[i] < 0) {
      fputs("<skipped message=\"no expectation could be checked\"/>", junit);
    }
    fputs("</testcase>\n", junit);
  }
  fputs("</testsuite>\n", junit);
}

hn_status hn_run_tests(const hn_program *p, FILE *out, FILE *junit, hn_test_report *rep) {
  memset(rep, 0, sizeof *rep);
  uint32_t n = hn_program_test_count(p), nr = hn_program_rule_count(p);
  int64_t *count = hn_calloc(nr ? nr : 1, sizeof *count);
  char **msgs = hn_calloc(n ? n : 1, sizeof *msgs);
  int *verdicts = hn_calloc(n ? n : 1, sizeof *verdicts);
  hn_status st = count && msgs && verdicts ? HN_OK : HN_ERR_NOMEM;
  for (uint32_t i = 0; i < n && st == HN_OK; i++) {
    hn_test_view t;
    hn_program_test(p, i, &t);
    size_t len = 0;
    FILE *m = open_memstream(&msgs[i], &len);
    int v = m ? one_test(p, i, count, m) : T_NOMEM;
    if (m) fclose(m);
    if (v == T_NOMEM) { /* a test without its verdict: the report would be wrong */
      st = HN_ERR_NOMEM;
      break;
    }
    verdicts[i] = v;
    rep->tests++;
    if (v == 1) rep->passed++;
    else if (v == 0) rep->failed++;
    else rep->skipped++;
    if (v == 0) fprintf(out, "FAIL %s:%d: test \"%s\"\n%s", t.file, t.line, t.name, msgs[i] ? msgs[i] : "");
  }
  if (st == HN_OK) {
    fprintf(out, "%u tests: %u passed, %u failed, %u skipped\n", rep->tests, rep->passed, rep->failed, rep->skipped);
    if (junit) junit_report(p, junit, rep, msgs, verdicts);
  }
  for (uint32_t i = 0; msgs && i < n; i++) free(msgs[i]); /* open_memstream's: libc's */
  hn_free(msgs);
  hn_free(verdicts);
  hn_free(count);
  return st != HN_OK ? st : rep->failed ? HN_ERR_SEMANTIC : HN_OK;
}
