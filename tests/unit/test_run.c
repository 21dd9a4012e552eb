/* test_run.c - golden runs: each tests/golden/run/NAME.hn runs over NAME.jsonl and the
 * (line, rule) pairs of its alerts, plus "# malformed N" and "# late N", must equal
 * NAME.expected. The same
 * corpus runs whole and through a dead-letter file, and each alert must be valid enough to
 * carry the rule, the input position and the entities. Runs from the source root. */
#include <dirent.h>
#include "test_util.h"

#define DIR_ "tests/golden/run"


/* Pulls "rule":"X" and "line":N out of each alert line: enough to compare, no JSON parser. */
static void summarize(const char *alerts, uint64_t malformed, uint64_t late, FILE *out) {
  for (const char *l = alerts; l && *l;) {
    const char *nl = strchr(l, '\n');
    const char *r = strstr(l, "{\"rule\":\"");
    const char *ln = strstr(l, "\"line\":");
    assert_non_null(r);
    assert_non_null(ln);
    r += 9;
    fprintf(out, "%ld %.*s\n", strtol(ln + 7, NULL, 10), (int)(strchr(r, '"') - r), r);
    assert_non_null(strstr(l, "\"entities\":{"));
    l = nl ? nl + 1 : l + strlen(l);
  }
  if (malformed) fprintf(out, "# malformed %llu\n", (unsigned long long)malformed);
  if (late) fprintf(out, "# late %llu\n", (unsigned long long)late);
}

static void run_golden(void **state) {
  const char *name = *state; /* without extension */
  char hn[512], ev[512], exp[512];
  snprintf(hn, sizeof hn, "%s/%s.hn", DIR_, name);
  snprintf(ev, sizeof ev, "%s/%s.jsonl", DIR_, name);
  snprintf(exp, sizeof exp, "%s/%s.expected", DIR_, name);
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_path(c, hn);
  assert_int_equal(hnc_compiler_check(c), HN_OK);
  hn_program *p = hnc_compiler_program(c);
  assert_non_null(p);
  hnc_compiler_destroy(c);
  FILE *in = fopen(ev, "rb");
  assert_non_null(in);
  char *alerts = NULL, *dead = NULL, *got = NULL;
  size_t al = 0, dl = 0, gl = 0;
  FILE *out = open_memstream(&alerts, &al), *dl_f = open_memstream(&dead, &dl);
  hn_run_options o = {ev, in, out, dl_f, NULL, 0, HN_ENGINE_AUTO};
  hn_run_stats st;
  assert_int_equal(hn_run_stream(p, &o, &st), HN_OK);
  fclose(in);
  fclose(out);
  fclose(dl_f);
  FILE *g = open_memstream(&got, &gl);
  summarize(alerts, st.malformed, st.late, g);
  fclose(g);
  size_t dead_lines = 0;
  for (const char *q = dead; q && *q; q++) dead_lines += *q == '\n';
  assert_int_equal(dead_lines, st.malformed + st.late); /* malformed and late lines went there */
  char *want = slurp_file(exp, NULL);
  if (getenv("HN_UPDATE_GOLDEN")) {
    FILE *f = fopen(exp, "wb");
    fputs(got, f);
    fclose(f);
  } else {
    assert_non_null(want);
    if (strcmp(want, got) != 0) fail_msg("%s differs.\n--- expected\n%s--- got\n%s", exp, want, got);
  }
  free(want);
  /* NAME.alerts, when present, holds the whole alert output: the format of every field */
  snprintf(exp, sizeof exp, "%s/%s.alerts", DIR_, name);
  char *full = slurp_file(exp, NULL);
  if (full && getenv("HN_UPDATE_GOLDEN")) {
    FILE *f = fopen(exp, "wb");
    fputs(alerts, f);
    fclose(f);
  } else if (full && strcmp(full, alerts) != 0) {
    fail_msg("%s differs.\n--- expected\n%s--- got\n%s", exp, full, alerts);
  }
  free(full);
  free(got);
  free(alerts);
  free(dead);
  hn_program_destroy(p);
}

/* The example pack's own test blocks pass, correlation tests included. */
static void example_tests(void **state) {
  (void)state;
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_path(c, "examples");
  assert_int_equal(hnc_compiler_check(c), HN_OK);
  hn_program *p = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  assert_non_null(p);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  hn_test_report rep;
  hn_status st = hn_run_tests(p, f, NULL, &rep);
  fclose(f);
  if (st != HN_OK) print_error("%s", buf);
  assert_int_equal(st, HN_OK);
  assert_true(rep.passed >= 40);
  assert_int_equal(rep.skipped, 0);
  free(buf);
  hn_program_destroy(p);
}

/* A failing expectation is reported with the rule and the event, and makes the run fail. */
static void failing_test_is_reported(void **state) {
  (void)state;
  const char *src = "import std.ecs\nrule r { severity low where process.name == \"a\" entities host.name }\n"
                    "test \"should fire\" { event { process.name: \"b\" } expect r }\n";
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_source(c, "t.hn", src, strlen(src));
  assert_int_equal(hnc_compiler_check(c), HN_OK);
  hn_program *p = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  char *buf = NULL, *xml = NULL;
  size_t len = 0, xl = 0;
  FILE *f = open_memstream(&buf, &len), *j = open_memstream(&xml, &xl);
  hn_test_report rep;
  assert_int_equal(hn_run_tests(p, f, j, &rep), HN_ERR_SEMANTIC);
  fclose(f);
  fclose(j);
  assert_int_equal(rep.failed, 1);
  assert_non_null(strstr(buf, "FAIL t.hn:3: test \"should fire\""));
  assert_non_null(strstr(buf, "expected rule r to fire, it did not"));
  assert_non_null(strstr(buf, "{\"process.name\":\"b\"}"));
  assert_non_null(strstr(xml, "<failure"));
  free(buf);
  free(xml);
  hn_program_destroy(p);
}

static int is_hn(const struct dirent *e) {
  size_t n = strlen(e->d_name);
  return n > 3 && strcmp(e->d_name + n - 3, ".hn") == 0;
}

int main(void) {
  struct dirent **ents;
  int n = scandir(DIR_, &ents, is_hn, alphasort);
  if (n <= 0) return 1;
  struct CMUnitTest *tests = calloc((size_t)n + 2, sizeof *tests);
  char **names = calloc((size_t)n, sizeof *names);
  for (int i = 0; i < n; i++) {
    names[i] = strndup(ents[i]->d_name, strlen(ents[i]->d_name) - 3);
    tests[i] = (struct CMUnitTest){names[i], run_golden, NULL, NULL, names[i]};
    free(ents[i]);
  }
  free(ents);
  tests[n] = (struct CMUnitTest)cmocka_unit_test(example_tests);
  tests[n + 1] = (struct CMUnitTest)cmocka_unit_test(failing_test_is_reported);
  int rc = _cmocka_run_group_tests("run", tests, (size_t)n + 2, NULL, NULL);
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
  free(tests);
  return rc;
}
