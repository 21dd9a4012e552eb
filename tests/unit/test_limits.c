/* test_limits.c - no silent limit in the compiler: long lists of domains, services, log sources
 * and `except` items keep every element; what is bounded (nesting, macro expansion, group by,
 * entities, windash) is an error at its place; hostile input (a million parentheses, 100,000-
 * term and/or chains, macro chains and bombs) is reported, never a crash. Sources are generated
 * here, in memory. Runs from the source root; std.* comes from HORNET_STDLIB. */
#include <stdarg.h>
#include "test_util.h"
#include "hnc.h"
#include "program.h"

/* A generated source: printf pieces appended to a memstream. */
typedef struct src { char *s; size_t n; FILE *f; } src;
static void src_open(src *x) { x->s = NULL; x->n = 0; x->f = open_memstream(&x->s, &x->n); assert_non_null(x->f); }
static void put(src *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(src *x, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(x->f, fmt, ap);
  va_end(ap);
}
static char *src_close(src *x) { fclose(x->f); return x->s; }

/* Checks text; returns the compiler (caller destroys) and its text diagnostics in *diags. */
static hnc_compiler *check_text(const char *text, char **diags) {
  hnc_compiler *c = hnc_compiler_create();
  assert_non_null(c);
  assert_int_equal(hnc_compiler_add_source(c, "t.hn", text, strlen(text)), HN_OK);
  hnc_compiler_check(c);
  size_t len = 0;
  FILE *f = open_memstream(diags, &len);
  hnc_compiler_print_diagnostics(c, f, HNC_FORMAT_TEXT, 0);
  fclose(f);
  return c;
}

/* Compiles text (no error allowed), with native code when asked; the caller destroys it. */
static hn_program *compile(const char *text, bool native) {
  char *d;
  hnc_compiler *c = check_text(text, &d);
  if (hnc_compiler_error_count(c)) fail_msg("unexpected errors:\n%.2000s", d);
  free(d);
  hn_program *p = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  assert_non_null(p);
  char err[512];
  if (native && hnc_program_native(p, NULL, err, sizeof err) != HN_OK) fail_msg("native code: %s", err);
  return p;
}

/* The pack's own test blocks pass. */
static void tests_pass(const hn_program *p) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  hn_test_report rep;
  hn_status st = hn_run_tests(p, f, NULL, &rep);
  fclose(f);
  if (st != HN_OK) fail_msg("%s", out);
  free(out);
}

/* Checking text gives exactly one error, containing `want`, and nothing about memory. */
static void one_error(const char *text, const char *want) {
  char *d;
  hnc_compiler *c = check_text(text, &d);
  if (hnc_compiler_error_count(c) != 1 || !strstr(d, want) || strstr(d, "out of memory"))
    fail_msg("expected one error with '%s', got %zu:\n%.3000s", want, hnc_compiler_error_count(c), d);
  free(d);
  hnc_compiler_destroy(c);
}

#define HEAD "pack t.limits 1.0.0\nimport std.ecs\n"

/* ---- lists the lowering once cut at 256 or 64 ------------------------------------------------ */
/* 300 domains, each naming its own score: every one keeps its score (the 256th and later once
 * shared one slot, so 53 had the wrong score or none). */
static void domains_keep_their_scores(void **state) {
  (void)state;
  src x;
  src_open(&x);
  put(&x, HEAD "import std.catalog\n");
  for (int i = 0; i < 300; i++) put(&x, "score s%d = max(alert.severity) * %d\n", i, i + 1);
  for (int i = 0; i < 300; i++) put(&x, "domain d%d { when incident.severity >= %d score s%d }\n", i, i % 5, i);
  char *text = src_close(&x);
  hn_program *p = compile(text, false);
  int checked = 0;
  for (uint32_t i = 0; i < p->n_domains; i++) {
    const char *name = p->domains[i].name;
    if (name[0] != 'd' || name[1] < '0' || name[1] > '9') continue; /* the catalog's own */
    char want[16];
    snprintf(want, sizeof want, "s%s", name + 1);
    assert_true(p->domains[i].score < p->n_scores);
    assert_string_equal(p->scores[p->domains[i].score].name, want);
    checked++;
  }
  assert_int_equal(checked, 300);
  hn_program_destroy(p);
  free(text);
}

/* 300 services, each routing to its own domain. */
static void services_keep_their_domains(void **state) {
  (void)state;
  src x;
  src_open(&x);
  put(&x, HEAD);
  for (int i = 0; i < 300; i++)
    put(&x, "domain d%d { when incident.severity >= 1 }\nservice v%d { domain d%d states open -> closed }\n", i, i, i);
  char *text = src_close(&x);
  hn_program *p = compile(text, false);
  assert_int_equal(p->n_services, 300);
  for (uint32_t i = 0; i < p->n_services; i++) {
    assert_true(p->services[i].domain < p->n_domains);
    assert_string_equal(p->domains[p->services[i].domain].name + 1, p->services[i].name + 1);
  }
  hn_program_destroy(p);
  free(text);
}

/* A rule `from` 70 log sources sees events of the 70th (past 64 they were dropped), and 70
 * `except` items all apply (past 64 they were dropped). */
static void many_sources_and_excepts(void **state) {
  (void)state;
  src x;
  src_open(&x);
  put(&x, HEAD);
  for (int i = 0; i < 70; i++) put(&x, "logsource l%d { where event.dataset == \"d%d\" }\n", i, i);
  put(&x, "rule r {\n  severity low\n  from l0");
  for (int i = 1; i < 70; i++) put(&x, ", l%d", i);
  put(&x, "\n  where process.name == \"x\"\n");
  for (int i = 0; i < 70; i++) put(&x, "  except user.name == \"u%d\"\n", i);
  put(&x, "  entities host.name\n}\n");
  put(&x, "test \"the 70th source\" { event { event.dataset: \"d69\", process.name: \"x\" } expect r }\n");
  put(&x, "test \"the 70th except\" { event { event.dataset: \"d0\", process.name: \"x\", user.name: \"u69\" } expect not r }\n");
  put(&x, "exposure e { from l0");
  for (int i = 1; i < 70; i++) put(&x, ", l%d", i);
  put(&x, "\n  open when event.action == \"o\" on host.name\n  close when event.action == \"c\" on host.name\n}\n");
  char *text = src_close(&x);
  for (int native = 0; native < 2; native++) {
    hn_program *p = compile(text, native);
    tests_pass(p);
    /* the exposure's windows open on events of any of the 70 sources */
    const hn_bnode *open = &p->bnodes[p->exposures[0].open];
    bool seventy = false;
    for (uint32_t k = 0; open->op == HN_B_AND && k < open->n; k++) {
      const hn_bnode *kid = &p->bnodes[p->kids[open->first + k]];
      seventy |= kid->op == HN_B_OR && kid->n == 70;
    }
    assert_true(seventy);
    hn_program_destroy(p);
  }
  free(text);
}

/* A macro whose body is a string serves as a pattern (§7); it once gave no pattern at all. */
static void macro_as_pattern(void **state) {
  (void)state;
  const char *text = HEAD "macro sysdir = \"C:\\\\Windows\\\\\"\n"
                     "rule r { severity low where process.executable startswith~ sysdir entities host.name }\n"
                     "test \"t\" { event { process.executable: \"c:\\\\windows\\\\cmd.exe\" } expect r }\n"
                     "test \"u\" { event { process.executable: \"d:\\\\cmd.exe\" } expect not r }\n";
  hn_program *p = compile(text, false);
  tests_pass(p);
  hn_program_destroy(p);
}

/* ---- bounds that are errors at their place ---------------------------------------------------- */
static void group_by_entities_windash(void **state) {
  (void)state;
  src x;
  src_open(&x);
  put(&x, HEAD "rule r { severity low where event.action == \"x\" group by f0");
  for (int i = 1; i < 17; i++) put(&x, ", f%d", i);
  put(&x, " window 5m having count() > 1 }\nschema s {");
  for (int i = 0; i < 70; i++) put(&x, " f%d: string", i);
  put(&x, " }\n");
  char *text = src_close(&x);
  one_error(text, "group by takes at most 16 fields");
  free(text);
  src_open(&x);
  put(&x, HEAD "schema s {");
  for (int i = 0; i < 70; i++) put(&x, " f%d: string", i);
  put(&x, " }\nrule r { severity low where event.action == \"x\" entities f0");
  for (int i = 1; i < 65; i++) put(&x, ", f%d", i);
  put(&x, " }\n");
  text = src_close(&x);
  one_error(text, "entities takes at most 64 fields");
  free(text);
  one_error(HEAD "rule r { severity low where process.command_line contains windash(\" -a -b -c -d -e -f -g\") entities host.name }",
            "windash() varies at most 6 dashes in one string; this one has 7");
}

/* ---- nesting --------------------------------------------------------------------------------- */
static char *nested(int levels, const char *open, const char *inner, const char *close, const char *suffix) {
  src x;
  src_open(&x);
  put(&x, HEAD "rule r { severity low where ");
  for (int i = 0; i < levels; i++) put(&x, "%s", open);
  put(&x, "%s", inner);
  for (int i = 0; i < levels; i++) put(&x, "%s", close);
  put(&x, "%s entities host.name }\n", suffix);
  return src_close(&x);
}

/* A million parentheses: one error, not a crash and not "out of memory". */
static void million_parentheses(void **state) {
  (void)state;
  char *text = nested(1000000, "(", "process.name == \"a\"", ")", "");
  one_error(text, "nested too deeply (more than 256 levels)");
  free(text);
}

/* The bound is exact: 256 levels check (the comparison is one, so 255 parentheses); 257 do not.
 * So are unary operators, calls, lists and test objects, and a run of 100,000 `not`. */
static void nesting_bound(void **state) {
  (void)state;
  char *ok = nested(255, "(", "process.name == \"a\"", ")", "");
  char *d;
  hnc_compiler *c = check_text(ok, &d);
  if (hnc_compiler_error_count(c)) fail_msg("%.2000s", d);
  hnc_compiler_destroy(c);
  free(d);
  free(ok);
  const struct { int n; const char *open, *inner, *close, *suffix; } deep[] = {
    {256, "(", "process.name == \"a\"", ")", ""},
    {257, "not ", "process.name == \"a\"", "", ""},
    {100000, "not ", "process.name == \"a\"", "", ""},
    {300, "lower(", "process.name", ")", " == \"a\""},
    {300, "process.name == \"a\" or (", "true", ")", ""},
    {300, "-", "1", "", " == 1"},
    {300, "", "len(process.name)", " + 1", " > 0"},
    {300, "true ? ", "true", " : false", ""},
  };
  for (size_t i = 0; i < sizeof deep / sizeof deep[0]; i++) {
    char *text = nested(deep[i].n, deep[i].open, deep[i].inner, deep[i].close, deep[i].suffix);
    one_error(text, "nested too deeply (more than 256 levels)");
    free(text);
  }
  src x;
  src_open(&x);
  put(&x, HEAD "rule r { severity low where process.name == \"a\" entities host.name }\ntest \"t\" { event { a: ");
  for (int i = 0; i < 300; i++) put(&x, "{ a: ");
  put(&x, "1");
  for (int i = 0; i < 300; i++) put(&x, " }");
  put(&x, " } expect r }\n");
  char *text = src_close(&x);
  one_error(text, "nested too deeply (more than 256 levels)");
  free(text);
}

/* and/or chains are one level however long: a 70,000-term `and` and a 100,000-term `or` (the
 * shape of a big Sigma list; both crashed the checker) check, compile, natively too, and run;
 * so do a list of 100,000 values and an `or` of 3,000 `and`s. */
static void long_chains(void **state) {
  (void)state;
  src x;
  src_open(&x);
  put(&x, HEAD "rule all_differ { severity low where process.name != \"a0\"");
  for (int i = 1; i < 70000; i++) put(&x, " and process.name != \"a%d\"", i);
  put(&x, " entities host.name }\nrule any_of { severity low where process.name == \"a0\"");
  for (int i = 1; i < 100000; i++) put(&x, "\n  or process.name == \"a%d\"", i);
  put(&x, " entities host.name }\nrule in_list { severity low where process.name in [\"a0\"");
  for (int i = 1; i < 100000; i++) put(&x, ", \"a%d\"", i);
  put(&x, "] entities host.name }\nrule pairs { severity low where (process.name == \"p0\" and user.name == \"u0\")");
  for (int i = 1; i < 3000; i++) put(&x, " or (process.name == \"p%d\" and user.name == \"u%d\")", i, i);
  put(&x, " entities host.name }\n");
  put(&x, "test \"last\" { event { process.name: \"a69999\" } expect any_of expect in_list expect not all_differ }\n");
  put(&x, "test \"none\" { event { process.name: \"zz\" } expect all_differ expect not any_of expect not in_list }\n");
  put(&x, "test \"pair\" { event { process.name: \"p2999\", user.name: \"u2999\" } expect pairs }\n");
  put(&x, "test \"no pair\" { event { process.name: \"p2999\", user.name: \"u2998\" } expect not pairs }\n");
  char *text = src_close(&x);
  for (int native = 0; native < 2; native++) { /* native code tests wide nodes in loops and parts */
    hn_program *p = compile(text, native);
    tests_pass(p);
    hn_program_destroy(p);
  }
  free(text);
}

/* The formatter and the syntax tree's dump loop over a 100,000-term chain, and keep it. */
static void long_chain_formats(void **state) {
  (void)state;
  src x;
  src_open(&x);
  put(&x, HEAD "rule any_of { severity low where process.name == \"a0\"");
  for (int i = 1; i < 100000; i++) put(&x, " or process.name == \"a%d\"", i);
  put(&x, " entities host.name }\n");
  char *text = src_close(&x);
  hnc_compiler *c = hnc_compiler_create();
  char *once = NULL, *d1 = NULL, *d2 = NULL;
  size_t l1, n1, n2;
  assert_int_equal(hnc_format(c, "t.hn", text, strlen(text), &once, &l1), HN_OK);
  assert_non_null(strstr(once, "\n    or process.name == \"a99999\"\n  entities host.name\n}\n")); /* one a line */
  FILE *f1 = open_memstream(&d1, &n1), *f2 = open_memstream(&d2, &n2);
  assert_int_equal(hnc_dump_ast(c, "t.hn", text, strlen(text), f1), HN_OK);
  assert_int_equal(hnc_dump_ast(c, "t.hn", once, l1, f2), HN_OK);
  fclose(f1);
  fclose(f2);
  assert_true(n1 == n2 && memcmp(d1, d2, n1) == 0);
  free(d1);
  free(d2);
  free(once);
  hnc_compiler_destroy(c);
  free(text);
}

/* A having chain of 10,000 terms: hnodes are binary and evaluated by recursion, so the chain is
 * a balanced tree (it was 10,000 deep). */
static uint32_t hdepth(const hn_corr *C, uint32_t h) {
  const hn_hnode *n = &C->hn[h];
  if (n->op != HN_H_AND && n->op != HN_H_OR) return 1;
  uint32_t a = hdepth(C, n->a), b = hdepth(C, n->b);
  return 1 + (a > b ? a : b);
}

static void having_chain_is_balanced(void **state) {
  (void)state;
  src x;
  src_open(&x);
  put(&x, HEAD "rule r { severity low where event.action == \"x\" group by host.name window 5m having count() == 1");
  for (int i = 2; i <= 10000; i++) put(&x, " or count() == %d", i);
  put(&x, " }\n");
  char *text = src_close(&x);
  hn_program *p = compile(text, true);
  const hn_corr *C = &p->corrs[p->rules[0].corr];
  assert_true(hdepth(C, C->having) <= 16);
  hn_program_destroy(p);
  free(text);
}

/* Macros expand where they are used: a chain of macros nests, however each is written, and a
 * chain declared last-first (checked by recursion on first use) stops at the bound. */
static void macro_chains(void **state) {
  (void)state;
  for (int reverse = 0; reverse < 2; reverse++) {
    int n = reverse ? 100000 : 300;
    src x;
    src_open(&x);
    put(&x, HEAD "macro m0 = process.name == \"a\"\n");
    for (int i = 1; i < n; i++) {
      int k = reverse ? n - i : i;
      put(&x, "macro m%d = not m%d\n", k, k - 1);
    }
    put(&x, "rule r { severity low where m%d entities host.name }\n", n - 1);
    char *text = src_close(&x);
    one_error(text, "nested too deeply with macro");
    free(text);
  }
}

/* Macros that use a macro twice double at each step: 2^40 nodes once expanded is an error, not
 * a lowering (or an evaluation) without end. For values and for conditions. */
static void macro_bombs(void **state) {
  (void)state;
  for (int cond = 0; cond < 2; cond++) {
    src x;
    src_open(&x);
    put(&x, HEAD "%s", cond ? "macro m0 = process.name == \"a\"\n" : "macro m0 = len(process.name)\n");
    for (int i = 1; i <= 40; i++) put(&x, cond ? "macro m%d = m%d or m%d\n" : "macro m%d = m%d + m%d\n", i, i - 1, i - 1);
    put(&x, "rule r { severity low where %s entities host.name }\n", cond ? "m40" : "m40 > 3");
    char *text = src_close(&x);
    one_error(text, "nodes");
    free(text);
  }
}

/* 100,000 rules, each reading the alerts of the one before, the first reading the last: one
 * error, in linear time (a search per `from` edge was cubic and recursed as deep as the chain). */
static void rule_chain(void **state) {
  (void)state;
  src x;
  src_open(&x);
  put(&x, HEAD "rule r0 { severity low from r99999 where alert.severity >= 1 entities host.name }\n");
  for (int i = 1; i < 100000; i++) put(&x, "rule r%d { severity low from r%d where alert.severity >= 1 entities host.name }\n", i, i - 1);
  char *text = src_close(&x);
  one_error(text, "rule 'r0' reads the alerts of 'r99999', which come back to it through a cycle of 100000 rules");
  free(text);
}

/* A number written as a string (as Sigma does) of any length stands for an int or a float: one
 * of 64 characters or more was a type error. */
static void long_numeric_strings(void **state) {
  (void)state;
  src x;
  src_open(&x);
  put(&x, HEAD "rule r { severity low where process.pid == \"");
  for (int i = 0; i < 100; i++) put(&x, "0");
  put(&x, "4688\" entities host.name }\n");
  char *text = src_close(&x);
  char *d;
  hnc_compiler *c = check_text(text, &d);
  if (hnc_compiler_error_count(c)) fail_msg("%.2000s", d);
  hnc_compiler_destroy(c);
  free(d);
  free(text);
}

/* ---- diagnostics ------------------------------------------------------------------------------ */
/* The getters are const: diagnostics are sorted when check returns, not by a getter (two
 * threads may read one compiler's diagnostics). Here the unused-list warning (line 3) is
 * emitted after the type error (line 4). */
static void diagnostics_sorted_by_check(void **state) {
  (void)state;
  const char *text = HEAD "list unused_names = [\"a\"]\nrule r { severity low where process.name == 4 entities host.name }\n";
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_add_source(c, "t.hn", text, strlen(text));
  hnc_compiler_check(c);
  assert_int_equal(c->n_diags, 2);
  assert_true(c->diags[0].seq > c->diags[1].seq); /* emitted the other way round */
  assert_int_equal(c->diags[0].loc.line, 3);
  assert_int_equal(c->diags[1].loc.line, 4);
  hnc_compiler_destroy(c);
}

int main(void) {
  setenv("HORNET_CACHE_DIR", "off", 1);
  if (getenv("HN_TEST_FILTER")) cmocka_set_test_filter(getenv("HN_TEST_FILTER")); /* one test by name */
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(domains_keep_their_scores),
    cmocka_unit_test(services_keep_their_domains),
    cmocka_unit_test(many_sources_and_excepts),
    cmocka_unit_test(macro_as_pattern),
    cmocka_unit_test(group_by_entities_windash),
    cmocka_unit_test(million_parentheses),
    cmocka_unit_test(nesting_bound),
    cmocka_unit_test(long_chains),
    cmocka_unit_test(long_chain_formats),
    cmocka_unit_test(having_chain_is_balanced),
    cmocka_unit_test(macro_chains),
    cmocka_unit_test(macro_bombs),
    cmocka_unit_test(rule_chain),
    cmocka_unit_test(long_numeric_strings),
    cmocka_unit_test(diagnostics_sorted_by_check),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
