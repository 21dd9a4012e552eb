/* test_parser.c - the parser: precedence and shape of expressions (as s-expressions), every
 * declaration kind parses, and error recovery reports each broken declaration once. */
#include "test_util.h"
#include "hnc.h"

static void sx(FILE *f, const hnc_node *n) {
  if (!n) { fputs("_", f); return; }
  switch (n->kind) {
  case N_BINARY: case N_STROP:
    fprintf(f, "(%s%s%s%s ", hnc_op_spelling(n->op), (n->flags & HNC_F_NOCASE) ? "~" : "",
            (n->flags & HNC_F_ANY) ? " any" : "", (n->flags & HNC_F_ALL) ? " all" : "");
    sx(f, n->a); fputc(' ', f); sx(f, n->b); fputc(')', f); break;
  case N_IN: fputs((n->flags & HNC_F_NOCASE) ? "(in~ " : "(in ", f); sx(f, n->a); fputc(' ', f); sx(f, n->b); fputc(')', f); break;
  case N_HAS: fputs("(has ", f); sx(f, n->a); fputc(' ', f); sx(f, n->b); fputc(')', f); break;
  case N_RANGE: fputs("(.. ", f); sx(f, n->a); fputc(' ', f); sx(f, n->b); fputc(')', f); break;
  case N_NOT: fputs("(not ", f); sx(f, n->a); fputc(')', f); break;
  case N_NEG: fputs("(- ", f); sx(f, n->a); fputc(')', f); break;
  case N_PAREN: sx(f, n->a); break;
  case N_COND: fputs("(? ", f); sx(f, n->a); fputc(' ', f); sx(f, n->b); fputc(' ', f); sx(f, n->c); fputc(')', f); break;
  case N_EXISTS: fputs("(exists ", f); sx(f, n->a); fputc(')', f); break;
  case N_MISSING: fputs("(missing ", f); sx(f, n->a); fputc(')', f); break;
  case N_STEPREF: fprintf(f, "$%.*s.", (int)n->len, n->str); sx(f, n->a); break;
  case N_CALL:
    fprintf(f, "(%.*s", (int)n->len, n->str);
    for (const hnc_node *a = n->list; a; a = a->next) { fputc(' ', f); sx(f, a); }
    fputc(')', f); break;
  case N_LISTLIT:
    fputc('[', f);
    for (const hnc_node *a = n->list; a; a = a->next) { sx(f, a); if (a->next) fputc(' ', f); }
    fputc(']', f); break;
  case N_STRING: fprintf(f, "\"%.*s\"", (int)n->len, n->str); break;
  case N_BOOL: fputs(n->i ? "true" : "false", f); break;
  case N_NULL: fputs("null", f); break;
  default: fprintf(f, "%.*s", (int)(n->raw ? n->rawlen : n->len), n->raw ? n->raw : n->str); break;
  }
}

typedef struct expr_case { const char *name, *expr, *want; } expr_case;

static const expr_case exprs[] = {
  {"and_binds_tighter_than_or", "a or b and c", "(or a (and b c))"},
  {"not_binds_tighter_than_and", "not a and b", "(and (not a) b)"},
  {"comparison_below_and", "x == 1 and y != 2", "(and (== x 1) (!= y 2))"},
  {"arith_precedence", "a + b * c - d", "(- (+ a (* b c)) d)"},
  {"unary_minus", "-a * b", "(* (- a) b)"},
  {"parens", "(a or b) and c", "(and (or a b) c)"},
  {"nocase_eq", "process.name ==~ \"CMD.EXE\"", "(==~ process.name \"CMD.EXE\")"},
  {"contains_any_list", "x contains~ any [\"a\", \"b\"]", "(contains~ any x [\"a\" \"b\"])"},
  {"contains_all", "x contains all l", "(contains all x l)"},
  {"startswith_transform", "x startswith base64offset(\"abc\")", "(startswith x (base64offset \"abc\"))"},
  {"in_list_name", "x in~ office_apps", "(in~ x office_apps)"},
  {"in_range", "port in 1024..65535", "(in port (.. 1024 65535))"},
  {"in_cidr", "source.ip in \"10.0.0.0/8\"", "(in source.ip \"10.0.0.0/8\")"},
  {"has", "incident.tags has \"x\"", "(has incident.tags \"x\")"},
  {"exists_missing", "exists a.b and missing c", "(and (exists a.b) (missing c))"},
  {"stepref", "user.name == $fail.user.name", "(== user.name $fail.user.name)"},
  {"stepref_spaced", "user.name == $fail.user", "(== user.name $fail.user)"},
  {"ternary", "a ? 1 : 2", "(? a 1 2)"},
  {"call_aggregate", "count() >= 5 and distinct(a.b) > 2", "(and (>= (count) 5) (> (distinct a.b) 2))"},
  {"keyword_as_field", "event.action == \"x\" and tags has \"y\"", "(and (== event.action \"x\") (has tags \"y\"))"},
  {"like_raw", "f like~ r\"C:\\*\"", "(like~ f \"C:\\*\")"},
  {"duration_arith", "now - incident.last_seen > 24h", "(> (- now incident.last_seen) 24h)"},
};

static void run_expr(void **state) {
  const expr_case *ec = *state;
  char src[512];
  snprintf(src, sizeof src, "macro m = %s\n", ec->expr);
  hnc_compiler *c = hnc_compiler_create();
  int s = hnc_source_add(c, "t.hn", src, strlen(src));
  hnc_file_unit u;
  assert_int_equal(hnc_parse(c, s, &u), 0);
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  sx(f, u.root->list->a);
  fclose(f);
  assert_string_equal(out, ec->want);
  free(out);
  free(u.comments.v);
  hnc_compiler_destroy(c);
}

typedef struct decl_case { const char *name, *src; int kind, items; } decl_case;

static const decl_case decls[] = {
  {"pack", "pack acme.detections 0.3.0", N_PACK, 0},
  {"import", "import std.ecs ^1.0.0 <2.0.0", N_IMPORT, 2},
  {"settings", "settings { lateness 30s horizon 24h memory 512MB }", N_SETTINGS, 3},
  {"schema", "schema s { time @timestamp a.b: string c: list<ip> }", N_SCHEMA, 3},
  {"logsource", "logsource ps { where event.category has \"process\" }", N_LOGSOURCE, 0},
  {"typed_list", "list ports: int = [22, 3389,]", N_LISTDECL, 2},
  {"control", "control mfa { title \"MFA\" framework \"CIS v8\" \"6.5\" owner \"IAM\" }", N_CONTROL, 3},
  {"rule_single", "rule r { severity high tags attack.t1059.001, attack.execution where a == 1 except b entities host.name suppress 1h by host.name }", N_RULE, 6},
  {"rule_aggregation", "rule r { severity low where a group by user.name, source.ip window tumbling 10m having count() >= 5 }", N_RULE, 5},
  {"rule_sequence", "rule r { severity low sequence by user.name within 10m { fail: a repeat >= 5 ok: b until c } }", N_RULE, 2},
  {"rule_absence", "rule r { severity low sequence by h within 1h { started: a not done: b } }", N_RULE, 2},
  {"score", "score p = max(alert.severity) * asset.criticality", N_SCORE, 0},
  {"domain", "domain identity { title \"Identity\" when incident.tactics has \"credential_access\" wip 4 score p default }", N_DOMAIN, 5},
  {"service", "service s { domain d states new -> triage -> closed transition triage -> closed sla triage 30m, closed 5d step triage \"look\" require resolution, root_cause }", N_SERVICE, 6},
  {"exposure", "exposure e { open when a on destination.ip close when b on destination.ip weight 2.5 }", N_EXPOSURE, 3},
  {"exposure_state", "exposure v { state asset.vulnerable and asset.exposed }", N_EXPOSURE, 1},
  {"kpi", "kpi mttr \"Mean time to resolve\" { value avg(incident.closed_at - incident.detected_at) by domain, business_unit every 1w target < 2d }", N_KPI, 4},
  {"test", "test \"t\" { event { process.name: \"x\", n: -1, l: [1, 2], o: { a: null } } expect r expect not q expect r count 2 }", N_TEST, 4},
};

static void run_decl(void **state) {
  const decl_case *dc = *state;
  hnc_compiler *c = hnc_compiler_create();
  int s = hnc_source_add(c, "t.hn", dc->src, strlen(dc->src));
  hnc_file_unit u;
  int errs = hnc_parse(c, s, &u);
  if (errs) hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, 0);
  assert_int_equal(errs, 0);
  hnc_node *d = u.root->list;
  assert_non_null(d);
  assert_int_equal(d->kind, dc->kind);
  assert_int_equal(hnc_list_len(d->list), (size_t)dc->items);
  free(u.comments.v);
  hnc_compiler_destroy(c);
}

/* Three broken rules and a good one: three syntax errors, and the good rule still parses. */
static void test_recovery(void **state) {
  (void)state;
  const char *src =
      "rule a { severity high where x == }\n"
      "rule b { severity high where (y }\n"
      "rule good { severity high where z == 1 }\n"
      "rule c { severity high where w == == 2 }\n";
  hnc_compiler *c = hnc_compiler_create();
  int s = hnc_source_add(c, "t.hn", src, strlen(src));
  hnc_file_unit u;
  int errs = hnc_parse(c, s, &u);
  assert_int_equal(errs, 3);
  int found = 0;
  for (hnc_node *d = u.root->list; d; d = d->next)
    if (d->kind == N_RULE && strcmp(d->str, "good") == 0 && d->list && d->list->next) found = 1;
  assert_true(found);
  hnc_diag_view v;
  hnc_compiler_diag_get(c, 0, &v);
  assert_int_equal(v.line, 1);
  assert_int_equal(v.col, 35);
  assert_string_equal(v.message, "unexpected '}': expected an expression");
  free(u.comments.v);
  hnc_compiler_destroy(c);
}

static void test_comments_kept(void **state) {
  (void)state;
  const char *src = "// head\nrule r { // trailing\n  severity low /* block */\n}\n";
  hnc_compiler *c = hnc_compiler_create();
  int s = hnc_source_add(c, "t.hn", src, strlen(src));
  hnc_file_unit u;
  assert_int_equal(hnc_parse(c, s, &u), 0);
  assert_int_equal(u.comments.n, 3);
  assert_true(u.comments.v[0].own_line);
  assert_false(u.comments.v[1].own_line);
  assert_int_equal(u.comments.v[2].line, 3);
  free(u.comments.v);
  hnc_compiler_destroy(c);
}

int main(void) {
  enum { NE = sizeof exprs / sizeof exprs[0], ND = sizeof decls / sizeof decls[0] };
  struct CMUnitTest tests[NE + ND + 2];
  size_t k = 0;
  for (size_t i = 0; i < NE; i++) tests[k++] = (struct CMUnitTest){exprs[i].name, run_expr, NULL, NULL, (void *)&exprs[i]};
  for (size_t i = 0; i < ND; i++) tests[k++] = (struct CMUnitTest){decls[i].name, run_decl, NULL, NULL, (void *)&decls[i]};
  tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_recovery);
  tests[k++] = (struct CMUnitTest)cmocka_unit_test(test_comments_kept);
  return _cmocka_run_group_tests("parser", tests, k, NULL, NULL);
}
