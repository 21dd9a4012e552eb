/* test_lexer.c - the lexer: token kinds of tricky inputs, literal values, locations, and
 * lexical errors with their positions. */
#include "test_util.h"
#include "hnc.h"
#include "parser.h"

typedef struct lex_case {
  const char *name, *src;
  int toks[12]; /* expected tokens, 0-terminated */
  int errors;   /* expected lexical errors */
} lex_case;

static const lex_case cases[] = {
  {"keywords_and_names", "rule foo where", {T_RULE, T_IDENT, T_WHERE, 0}, 0},
  {"path_with_keyword_head", "event.action rule.name", {T_PATH, T_PATH, 0}, 0},
  {"attack_tag_digits", "attack.t1059.001", {T_PATH, 0}, 0},
  {"dashed_tag", "attack.command-and-control a - b", {T_PATH, T_IDENT, '-', T_IDENT, 0}, 0},
  {"at_timestamp", "@timestamp", {T_IDENT, 0}, 0},
  {"backquoted", "`Event Data`.`Some-Key`", {T_PATH, 0}, 0},
  {"durations", "30s 10m 1h30m 500ms 5d 1w", {T_DURATION, T_DURATION, T_DURATION, T_DURATION, T_DURATION, T_DURATION, 0}, 0},
  {"sizes", "10KB 5MiB 1GB", {T_SIZE, T_SIZE, T_SIZE, 0}, 0},
  {"numbers", "42 0x1F 1.5 2e-3", {T_INT, T_INT, T_FLOAT, T_FLOAT, 0}, 0},
  {"version", "1.2.3 0.3.0-rc.1", {T_VERSION, T_VERSION, 0}, 0},
  {"range_not_float", "200..299", {T_INT, T_DOTDOT, T_INT, 0}, 0},
  {"operators", "== != <= >= -> ~ $", {T_EQ, T_NE, T_LE, T_GE, T_ARROW, '~', '$', 0}, 0},
  {"strings", "\"a\\\"b\" r\"C:\\x\" r#\"say \"hi\"\"#", {T_STRING, T_STRING, T_STRING, 0}, 0},
  {"comments_skipped", "rule // c\n/* block\n */ x", {T_RULE, T_IDENT, 0}, 0},
  {"bom", "\xEF\xBB\xBFrule", {T_RULE, 0}, 0},
  {"bad_duration", "10min", {T_DURATION, 0}, 1},
  {"duration_units_out_of_order", "30m1h", {T_DURATION, 0}, 1},
  {"ip_literal", "10.0.0.1", {T_STRING, 0}, 1},
  {"bad_escape", "\"a\\qb\"", {T_STRING, 0}, 1},
  {"unterminated_string", "\"abc\nrule", {T_STRING, T_RULE, 0}, 1},
  {"bad_character", "rule # x", {T_RULE, 0}, 1},
  {"and_and", "a && b", {T_IDENT, T_AND, T_IDENT, 0}, 1},
  {"non_ascii_name", "r\xc3\xbcl\xc3\xa9 x", {T_IDENT, T_IDENT, 0}, 1},
  {"control_chars_in_string", "\"a\x01\x02b\" r\"c\x7f\"", {T_STRING, T_STRING, 0}, 2}, /* fuzzer find */
  {"int_overflow", "99999999999999999999", {T_INT, 0}, 1},
  {"unterminated_comment", "rule /* x", {T_RULE, 0}, 1},
};

static void run_case(void **state) {
  const lex_case *lc = *state;
  hnc_compiler *c = hnc_compiler_create();
  assert_non_null(c);
  int src = hnc_source_add(c, "t.hn", lc->src, strlen(lc->src));
  assert_true(src >= 0);
  int got[32];
  int n = hnc_lex_tokens(c, src, got, 32);
  int want = 0;
  while (lc->toks[want]) want++;
  assert_int_equal(n, want);
  for (int i = 0; i < want; i++) assert_int_equal(got[i], lc->toks[i]);
  assert_int_equal(hnc_compiler_error_count(c), (size_t)lc->errors);
  hnc_compiler_destroy(c);
}

/* Decoded values and locations go through the parser; check a few directly. */
static void test_string_value_and_location(void **state) {
  (void)state;
  const char *src = "pack t 1.0.0\nlist l = [\"a\\u{e9}\\x41\", r\"\\d+\"]\n";
  hnc_compiler *c = hnc_compiler_create();
  int s = hnc_source_add(c, "t.hn", src, strlen(src));
  hnc_file_unit u;
  assert_int_equal(hnc_parse(c, s, &u), 0);
  hnc_node *l = u.root->list->next;
  assert_int_equal(l->kind, N_LISTDECL);
  hnc_node *e = l->list;
  assert_string_equal(e->str, "a\xc3\xa9" "A");
  assert_int_equal(e->loc.line, 2);
  assert_int_equal(e->loc.col, 11);
  assert_int_equal(e->loc.end_col, 23);
  assert_string_equal(e->next->str, "\\d+");
  assert_true(e->next->flags & HNC_F_RAW);
  free(u.comments.v);
  hnc_compiler_destroy(c);
}

static void test_duration_values(void **state) {
  (void)state;
  bool ok;
  assert_int_equal(hnc_parse_duration_ms("1h30m", 5, &ok), 5400000);
  assert_true(ok);
  assert_int_equal(hnc_parse_duration_ms("500ms", 5, &ok), 500);
  assert_int_equal(hnc_parse_duration_ms("2w", 2, &ok), 14 * 86400000LL);
  hnc_parse_duration_ms("99999999999999999999d", 21, &ok);
  assert_false(ok);
}

static void test_columns_count_code_points(void **state) {
  (void)state;
  /* the caret of an error after a multi-byte string sits under the right character */
  const char *src = "list l = [\"\xc3\xa9\xc3\xa9\", # ]";
  hnc_compiler *c = hnc_compiler_create();
  int s = hnc_source_add(c, "t.hn", src, strlen(src));
  hnc_file_unit u;
  hnc_parse(c, s, &u);
  hnc_diag_view v;
  assert_int_equal(hnc_compiler_diag_get(c, 0, &v), HN_OK);
  assert_int_equal(v.col, 17);
  free(u.comments.v);
  hnc_compiler_destroy(c);
}

int main(void) {
  enum { N = sizeof cases / sizeof cases[0] };
  struct CMUnitTest tests[N + 3];
  for (size_t i = 0; i < N; i++) {
    tests[i] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
  }
  tests[N] = (struct CMUnitTest)cmocka_unit_test(test_string_value_and_location);
  tests[N + 1] = (struct CMUnitTest)cmocka_unit_test(test_duration_values);
  tests[N + 2] = (struct CMUnitTest)cmocka_unit_test(test_columns_count_code_points);
  return _cmocka_run_group_tests("lexer", tests, N + 3, NULL, NULL);
}
