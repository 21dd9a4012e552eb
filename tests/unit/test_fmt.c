/* test_fmt.c - the formatter: exact canonical layouts, comments kept, and for every case the
 * two properties that make it safe: idempotent, and the syntax tree is unchanged. */
#include "test_util.h"

static char *format(const char *src) {
  hnc_compiler *c = hnc_compiler_create();
  char *out = NULL;
  size_t len = 0;
  hn_status st = hnc_format(c, "t.hn", src, strlen(src), &out, &len);
  if (st != HN_OK) hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, 0);
  assert_int_equal(st, HN_OK);
  hnc_compiler_destroy(c);
  return out;
}

static char *dump(const char *src) {
  hnc_compiler *c = hnc_compiler_create();
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  assert_int_equal(hnc_dump_ast(c, "t.hn", src, strlen(src), f), HN_OK);
  fclose(f);
  hnc_compiler_destroy(c);
  return out;
}

typedef struct fmt_case { const char *name, *in, *want; } fmt_case;

static const fmt_case cases[] = {
  {"spacing", "rule   r{severity high where a==1 and(b or c)}",
   "rule r {\n  severity high\n  where a == 1 and (b or c)\n}\n"},
  {"header_and_imports", "pack p 1.0.0\nimport std.ecs\nimport std.catalog ^1.0.0\nrule r { severity low }",
   "pack p 1.0.0\n\nimport std.ecs\nimport std.catalog ^1.0.0\n\nrule r {\n  severity low\n}\n"},
  {"comments_kept", "// about r\nrule r { // trailing\n  severity low // why low\n  /* block */\n  where x\n  // before the brace\n}\n// end\n",
   "// about r\nrule r {  // trailing\n  severity low  // why low\n  /* block */\n  where x\n  // before the brace\n}\n// end\n"},
  {"blank_lines_collapse", "list a = [\"x\"]\n\n\n\nlist b = [\"y\"]\nlist c = [\"z\"]\n",
   "list a = [\"x\"]\n\nlist b = [\"y\"]\nlist c = [\"z\"]\n"},
  {"long_where_breaks", "rule r { severity low where process.parent.name in~ office_applications_list and process.name in~ shells_list and process.command_line contains~ any suspicious }",
   "rule r {\n  severity low\n  where process.parent.name in~ office_applications_list\n    and process.name in~ shells_list\n    and process.command_line contains~ any suspicious\n}\n"},
  {"sequence_layout", "rule r{severity low sequence by user.name within 10m{fail:a repeat>=5 ok:b until c}}",
   "rule r {\n  severity low\n  sequence by user.name within 10m {\n    fail: a repeat >= 5\n    ok: b\n    until c\n  }\n}\n"},
  {"literals_keep_spelling", "macro m = x == 0x1F or y like r\"C:\\*\" or z < 1h30m or w == \"a\\tb\"",
   "macro m = x == 0x1F or y like r\"C:\\*\" or z < 1h30m or w == \"a\\tb\"\n"},
  {"service", "service s{states new->triage->closed sla triage 30m,closed 5d step triage \"Look\" require a,b}",
   "service s {\n  states new -> triage -> closed\n  sla triage 30m, closed 5d\n  step triage \"Look\"\n  require a, b\n}\n"},
  {"test_event", "test \"t\" {event {a: 1, b: [\"x\", \"y\"], c: {d: null}} expect r expect not q}",
   "test \"t\" {\n  event {a: 1, b: [\"x\", \"y\"], c: {d: null}}\n  expect r\n  expect not q\n}\n"},
  {"kpi_and_target", "kpi k \"K\" {value count() by domain every 1w target >= 5}",
   "kpi k \"K\" {\n  value count()\n  by domain\n  every 1w\n  target >= 5\n}\n"},
  {"long_list_fills", "list l = [\"aaaaaaaaaaaa\", \"bbbbbbbbbbbb\", \"cccccccccccc\", \"dddddddddddd\", \"eeeeeeeeeeee\", \"ffffffffffff\", \"gggggggggggg\"]",
   "list l = [\"aaaaaaaaaaaa\", \"bbbbbbbbbbbb\", \"cccccccccccc\", \"dddddddddddd\", \"eeeeeeeeeeee\",\n          \"ffffffffffff\", \"gggggggggggg\"]\n"},
  /* a comment after a closing brace stays on the brace's line (it moved below it, and the next
   * run put a blank line above it: found by the fuzzer); one before a declaration on its line
   * stays before it (it moved below the declaration) */
  {"comment_after_brace", "rule r {\n  severity low\n} // trailing\nrule s { severity low }\n",
   "rule r {\n  severity low\n}  // trailing\n\nrule s {\n  severity low\n}\n"},
  {"comment_before_decl_on_its_line", "/* first */ rule t { severity low }\nrule u { severity low }\n",
   "/* first */\nrule t {\n  severity low\n}\n\nrule u {\n  severity low\n}\n"},
  {"empty_file", "", ""},
  {"only_comment", "// nothing yet\n", "// nothing yet\n"},
};

static void run_case(void **state) {
  const fmt_case *fc = *state;
  char *once = format(fc->in);
  assert_string_equal(once, fc->want);
  char *twice = format(once);
  assert_string_equal(twice, once); /* idempotent */
  char *d1 = dump(fc->in), *d2 = dump(once);
  assert_string_equal(d1, d2); /* same tree */
  free(once);
  free(twice);
  free(d1);
  free(d2);
}

static void test_syntax_error_refused(void **state) {
  (void)state;
  hnc_compiler *c = hnc_compiler_create();
  char *out = NULL;
  size_t len;
  assert_int_equal(hnc_format(c, "t.hn", "rule r {", 8, &out, &len), HN_ERR_SYNTAX);
  assert_null(out);
  assert_true(hnc_compiler_error_count(c) > 0);
  hnc_compiler_destroy(c);
}

int main(void) {
  enum { N = sizeof cases / sizeof cases[0] };
  struct CMUnitTest tests[N + 1];
  for (size_t i = 0; i < N; i++) tests[i] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
  tests[N] = (struct CMUnitTest)cmocka_unit_test(test_syntax_error_refused);
  return _cmocka_run_group_tests("fmt", tests, N + 1, NULL, NULL);
}
