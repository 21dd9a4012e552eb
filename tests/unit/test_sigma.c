/* test_sigma.c - the Sigma import's parts below the CLI: which mapping entry a rule's log
 * source gets (exact keys, `*`, product-less entries, the closest fit), how field names are
 * renamed (variant, entry, product, global; kept or prefixed), and the import of single rules
 * through the API (variants, placeholders, the reasons a rule is left out). The conformance
 * runs of tests/sigma (tests/cli.sh) check the imported rules against events. */
#include "test_util.h"
#include "sigma.h"
#include "yaml_guard.h"

static sg_mapping win, ecs;

static int setup(void **state) {
  (void)state;
  return sg_mapping_load(&win, "windows", "stdlib", stderr) && sg_mapping_load(&ecs, "ecs", "stdlib", stderr) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  sg_mapping_free(&win);
  sg_mapping_free(&ecs);
  return 0;
}

static void test_source_fit(void **state) {
  (void)state;
  const sg_source *s = sg_source_for(&win, "windows", "process_creation", NULL);
  assert_non_null(s);
  assert_string_equal(s->from, "process_creation");
  assert_int_equal(s->n_variants, 1);
  /* a category the mapping does not know is not taken by the product's catch-all */
  assert_null(sg_source_for(&win, "windows", "file_access", NULL));
  s = sg_source_for(&win, "windows", NULL, NULL);
  assert_non_null(s);
  assert_non_null(s->where);
  /* `service: security` and not `category: security` */
  s = sg_source_for(&win, "windows", NULL, "security");
  assert_non_null(s);
  assert_string_equal(s->from, "security");
  assert_null(sg_source_for(&win, "windows", "security", NULL));
  /* an entry without product holds for every product */
  s = sg_source_for(&win, NULL, "antivirus", NULL);
  assert_non_null(s);
  assert_string_equal(s->from, "antivirus");
  /* `*` stands for any service; the exact entry wins over it */
  s = sg_source_for(&ecs, "zeek", NULL, "smb_files");
  assert_non_null(s);
  assert_string_equal(s->service, "*");
  s = sg_source_for(&ecs, "linux", NULL, "auditd");
  assert_non_null(s);
  assert_string_equal(s->service, "auditd");
  s = sg_source_for(&ecs, "jvm", "application", NULL);
  assert_non_null(s);
  assert_string_equal(s->product, "*");
  assert_null(sg_source_for(&ecs, "nosuchproduct", "nosuchcategory", NULL));
}

static void test_field_names(void **state) {
  (void)state;
  char buf[256];
  /* Windows, flat: Sigma's names are the event's; 4688 renames through its variant */
  const sg_source *pc = sg_source_for(&win, "windows", "process_creation", NULL);
  sg_ctx c = {&win, sg_product_for(&win, "windows"), pc, NULL};
  assert_string_equal(sg_map_field(&c, "Image", buf, sizeof buf), "Image");
  c.variant = &pc->variants[0];
  assert_string_equal(sg_map_field(&c, "Image", buf, sizeof buf), "NewProcessName");
  assert_string_equal(sg_map_field(&c, "ParentImage", buf, sizeof buf), "ParentProcessName");
  assert_string_equal(sg_map_field(&c, "CommandLine", buf, sizeof buf), "CommandLine");
  /* the entry's renames */
  sg_ctx av = {&win, NULL, sg_source_for(&win, NULL, "antivirus", NULL), NULL};
  assert_string_equal(sg_map_field(&av, "Signature", buf, sizeof buf), "ThreatName");
  /* ECS: global renames, the product's, and the Windows prefix for the rest */
  sg_ctx e = {&ecs, sg_product_for(&ecs, "windows"), sg_source_for(&ecs, "windows", "process_creation", NULL), NULL};
  assert_string_equal(sg_map_field(&e, "Image", buf, sizeof buf), "process.executable");
  assert_string_equal(sg_map_field(&e, "Computer", buf, sizeof buf), "host.name");
  assert_string_equal(sg_map_field(&e, "IntegrityLevel", buf, sizeof buf), "winlog.event_data.IntegrityLevel");
  sg_ctx l = {&ecs, sg_product_for(&ecs, "aws"), sg_source_for(&ecs, "aws", NULL, "cloudtrail"), NULL};
  assert_string_equal(sg_map_field(&l, "eventName", buf, sizeof buf), "event.action");
  assert_string_equal(sg_map_field(&l, "userIdentity.type", buf, sizeof buf), "userIdentity.type"); /* kept */
  assert_string_equal(sg_known_type(&ecs, "destination.port"), "int");
}

/* Imports files through the API; returns the pack text and the report. */
static void import(const char *const *files, size_t n, const char *mapping, const char *placeholders, char **pack, char **report,
                   unsigned *imported, unsigned *skipped) {
  size_t pl = 0, rl = 0;
  FILE *out = open_memstream(pack, &pl), *rep = open_memstream(report, &rl);
  hnc_sigma_options o = {"stdlib", mapping, "t.sigma", placeholders, NULL, NULL};
  assert_int_equal(hnc_sigma_import(files, n, &o, out, rep, imported, skipped), HN_OK);
  fclose(out);
  fclose(rep);
}

static void test_import(void **state) {
  (void)state;
  char *pack, *report;
  unsigned imported, skipped;
  const char *variant[] = {"tests/sigma/windows/rules/variant_4688.yml"};
  import(variant, 1, NULL, NULL, &pack, &report, &imported, &skipped);
  assert_int_equal(imported, 1);
  assert_non_null(strstr(pack, "NewProcessName endswith~ \"\\\\mimikatz.exe\""));
  assert_non_null(strstr(pack, "Image endswith~ \"\\\\mimikatz.exe\""));
  free(pack);
  free(report);
  /* |expand: left out without placeholders, imported with them */
  const char *expand[] = {"tests/sigma/windows/rules/expand.yml"};
  import(expand, 1, NULL, NULL, &pack, &report, &imported, &skipped);
  assert_int_equal(imported, 0);
  assert_int_equal(skipped, 1);
  assert_non_null(strstr(report, "a placeholder without values"));
  assert_non_null(strstr(report, "%admins%"));
  free(pack);
  free(report);
  import(expand, 1, NULL, "tests/sigma/windows/placeholders.yml", &pack, &report, &imported, &skipped);
  assert_int_equal(imported, 1);
  assert_non_null(strstr(pack, "SubjectUserName ==~ \"bob.adm\""));
  assert_non_null(strstr(pack, "Computer startswith~ \"ACME\\\\JUMP\""));
  free(pack);
  free(report);
  /* value lists: one predicate over a list literal per operator, not an `or` per value */
  const char *lists[] = {"tests/sigma/windows/rules/lists.yml", "tests/sigma/windows/rules/long_list.yml",
                         "tests/sigma/windows/rules/neq.yml"};
  import(lists, 3, NULL, NULL, &pack, &report, &imported, &skipped);
  assert_int_equal(imported, 3);
  assert_non_null(strstr(pack, "EventID in [4624, 4625]"));
  assert_non_null(strstr(pack, "CommandLine contains~ any [\"v000\", \"v001\""));
  assert_null(strstr(pack, "CommandLine contains~ \"v001\""));
  assert_non_null(strstr(pack, "not (TaskName in~ [")); /* |neq: none of them */
  free(pack);
  free(report);
  /* keywords under the windows mapping: every string value of the event, one predicate */
  const char *kw[] = {"tests/sigma/windows/rules/keyword_flat.yml"};
  import(kw, 1, NULL, NULL, &pack, &report, &imported, &skipped);
  assert_int_equal(imported, 1);
  assert_non_null(strstr(pack, "(* contains~ any [\"sekurlsa::\", \"lsadump::\""));
  assert_non_null(strstr(pack, "* like~ \"*kerberos::*tgt*\""));
  free(pack);
  free(report);
  /* the same rule under another mapping: ECS names */
  const char *linux_rules[] = {"tests/sigma/ecs/rules/linux.yml"};
  import(linux_rules, 1, "ecs", NULL, &pack, &report, &imported, &skipped);
  assert_int_equal(imported, 3);
  assert_non_null(strstr(pack, "process.executable endswith~ \"/bash\""));
  assert_non_null(strstr(pack, "process.name ==~ \"vsftpd\"")); /* the {service} placeholder */
  free(pack);
  free(report);
}

/* The check every YAML file goes through before it is loaded: aliases may be used, but not
 * inside what they name, nor expand without bound; nesting is bounded; keys are unique. */
static bool guard(const char *y, hnc_yaml_problem *pb) { return hnc_yaml_guard(y, strlen(y), pb); }

static void test_yaml_guard(void **state) {
  (void)state;
  hnc_yaml_problem pb;
  assert_true(guard("a: &x [1, 2]\nb: *x\nc: [*x, *x]\n", &pb)); /* aliases as YAML means them */
  assert_true(guard("a: &x 1\nb: {c: &x 2, d: *x}\n", &pb));     /* a later anchor hides the earlier */
  assert_false(guard("a: &x [1, *x]\n", &pb));
  assert_int_equal(pb.line, 1);
  assert_int_equal(pb.column, 11);
  assert_non_null(strstr(pb.message, "cycle"));
  assert_false(guard("a: &x {b: {c: *x}}\n", &pb)); /* an enclosing node, not only itself */
  assert_non_null(strstr(pb.message, "cycle"));
  /* a key twice, also through an alias; the second spelling is reported */
  assert_false(guard("a: 1\nb: {c: 1, d: 2, c: 3}\n", &pb));
  assert_int_equal(pb.line, 2);
  assert_int_equal(pb.column, 17);
  assert_non_null(strstr(pb.message, "duplicate key 'c'"));
  assert_false(guard("a: &k b\nm: {b: 1, *k : 2}\n", &pb));
  assert_non_null(strstr(pb.message, "duplicate key 'b'"));
  assert_true(guard("a: {b: 1}\nc: {b: 1}\n", &pb)); /* one key in two mappings */
  /* per document: the second document's problem, with its number */
  assert_false(guard("a: 1\n---\na: 1\na: 2\n", &pb));
  assert_int_equal(pb.document, 2);
  assert_int_equal(pb.line, 4);
  /* nesting: 64 levels, not 65 */
  char deep[200];
  snprintf(deep, sizeof deep, "%.*s1%.*s", 64, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
           64, "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
  assert_true(guard(deep, &pb));
  snprintf(deep, sizeof deep, "%.*s1%.*s", 65, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
           65, "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
  assert_false(guard(deep, &pb));
  assert_int_equal(pb.column, 65);
  /* expansion: ten levels of ten aliases is 10^10 nodes; stopped at the alias that crosses */
  char bomb[2048];
  size_t w = (size_t)snprintf(bomb, sizeof bomb, "l0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
  for (int i = 1; i < 10; i++) {
    w += (size_t)snprintf(bomb + w, sizeof bomb - w, "l%d: &a%d [", i, i);
    for (int k = 0; k < 10; k++) w += (size_t)snprintf(bomb + w, sizeof bomb - w, "%s*a%d", k ? ", " : "", i - 1);
    w += (size_t)snprintf(bomb + w, sizeof bomb - w, "]\n");
  }
  assert_false(guard(bomb, &pb));
  assert_int_equal(pb.line, 5); /* l4 stands for 111,111 nodes */
  assert_non_null(strstr(pb.message, "alias bomb"));
  /* a syntax error is the loader's to report */
  assert_true(guard("a: [1, 2\n", &pb));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_source_fit),
      cmocka_unit_test(test_field_names),
      cmocka_unit_test(test_import),
      cmocka_unit_test(test_yaml_guard),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
