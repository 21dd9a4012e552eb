/* test_sema.c - resolution and type checking: each case is a pack that must check cleanly
 * (want == NULL) or fail with an error containing `want`. std.* comes from HORNET_STDLIB. */
#include "test_util.h"

#define ECS "import std.ecs\n"
#define CAT "import std.ecs\nimport std.catalog\nimport std.domains\n"

typedef struct sema_case { const char *name, *src, *want; } sema_case;

static const sema_case cases[] = {
  /* clean */
  {"ok_single", ECS "rule r { severity high where process.name ==~ \"cmd.exe\" entities host.name }", NULL},
  {"ok_list_and_macro", ECS "list l = [\"a\", \"b\"]\nmacro m = event.action == \"x\"\nrule r { severity low where m and process.name in~ l entities host.name }", NULL},
  {"ok_aggregation", ECS "rule r { severity low where event.outcome == \"failure\" group by user.name window 10m having count() >= 5 and distinct(source.ip) > 2 entities user.name }", NULL},
  {"ok_sequence_binding", ECS "rule r { severity low sequence by host.name within 10m { a: event.action == \"x\" repeat >= 5 b: user.name == $a.user.name until event.action == \"z\" } entities host.name }", NULL},
  {"ok_absence", ECS "rule r { severity low sequence by host.name within 1h { s: event.action == \"start\" not e: event.action == \"end\" } entities host.name }", NULL},
  {"ok_over_alerts", ECS "rule a { severity low where event.action == \"x\" entities host.name }\nrule b { severity high from a where alert.severity >= medium group by host.name window 1h having count() >= 3 entities host.name }", NULL},
  {"ok_cidr_in", ECS "rule r { severity low where source.ip in [\"10.0.0.0/8\", \"fd00::/8\"] and destination.port in 1..1024 entities host.name }", NULL},
  {"ok_services", CAT "rule r { severity low control anti_malware service malware_response where event.action == \"x\" entities host.name }", NULL},
  {"ok_control_by_title", CAT "control c { title \"My control\" }\nrule r { severity low control \"My control\" where event.action == \"x\" entities host.name }", NULL},
  {"ok_score_domain", CAT "score s = max(alert.severity) * asset.criticality * decay(now - incident.last_seen, 24h)\ndomain d { when incident.asset_roles has \"database\" score s wip 3 }", NULL},
  {"ok_kpi", CAT "kpi k { value avg(incident.closed_at - incident.detected_at) by domain, business_unit every 1w target < 2d }", NULL},
  {"ok_test", ECS "rule r { severity low where process.name == \"x\" entities host.name }\ntest \"t\" { event { process.name: \"x\", source.ip: \"10.1.2.3\", @timestamp: \"2024-01-01T00:00:00Z\" } expect r }", NULL},
  {"ok_transforms", ECS "rule r { severity low where process.command_line contains~ any windash([\"-enc\", \"-e\"]) or process.command_line contains base64offset(\"http\") entities host.name }", NULL},
  /* names */
  {"unknown_field_hint", ECS "rule r { severity low where process.nam == \"x\" entities host.name }", "did you mean 'process.name'?"},
  {"object_not_field", ECS "rule r { severity low where process.parent == \"x\" entities host.name }", "is an object in the schema"},
  {"no_schema", "rule r { severity low where a == 1 }", "this pack has no schema"},
  {"unknown_service", CAT "rule r { severity low service malware_respons where event.action == \"x\" entities host.name }", "did you mean 'malware_response'?"},
  {"unknown_control", CAT "rule r { severity low control anti_malwar where event.action == \"x\" entities host.name }", "unknown control"},
  {"duplicate_rule", ECS "rule r { severity low where event.action == \"x\" entities host.name }\nrule r { severity low where event.action == \"y\" entities host.name }", "declared twice"},
  {"duplicate_id", ECS "rule a { id \"1\" severity low where event.action == \"x\" entities host.name }\nrule b { id \"1\" severity low where event.action == \"y\" entities host.name }", "used twice"},
  {"unknown_pack", "import std.nope", "cannot find pack 'std.nope'"},
  {"version_unsatisfied", "import std.ecs ^2.0.0", "does not satisfy"},
  {"expect_unknown_rule", ECS "test \"t\" { event { process.name: \"x\" } expect nope }", "unknown rule 'nope'"},
  /* types */
  {"string_vs_number", ECS "rule r { severity low where process.name == 4 entities host.name }", "quote the value"},
  {"duration_vs_int", ECS "rule r { severity low where event.duration > 5 entities host.name }", "cannot compare duration with int"},
  {"bad_regex", ECS "rule r { severity low where process.name matches r\"(a\" entities host.name }", "invalid regular expression"},
  {"bad_cidr", ECS "rule r { severity low where source.ip in \"10.0.0.0/33\" entities host.name }", "not a valid CIDR"},
  {"bad_ip_literal", ECS "rule r { severity low where source.ip == \"10.0.0.300\" entities host.name }", "not a valid IP address"},
  {"bad_timestamp", ECS "test \"t\" { event { @timestamp: \"2024-13-01\" } expect nope }", "not an RFC 3339 timestamp"},
  {"where_not_bool", ECS "rule r { severity low where process.name entities host.name }", "exists process.name"},
  {"contains_on_int", ECS "rule r { severity low where destination.port contains \"22\" entities host.name }", "applies to strings"},
  {"nocase_on_ordering", ECS "rule r { severity low where destination.port <~ 5 entities host.name }", "it does not apply to '<'"},
  {"any_without_list", ECS "rule r { severity low where process.name contains any \"x\" entities host.name }", "needs a list"},
  {"transform_outside_strop", ECS "rule r { severity low where process.name == base64(\"x\") entities host.name }", "can only follow a string operator"},
  /* rule shapes */
  {"missing_severity", ECS "rule r { where event.action == \"x\" entities host.name }", "has no severity"},
  {"bad_severity_hint", ECS "rule r { severity hgh where event.action == \"x\" entities host.name }", "did you mean 'high'?"},
  {"where_and_sequence", ECS "rule r { severity low where event.action == \"x\" sequence within 1m { a: event.action == \"a\" b: event.action == \"b\" } entities host.name }", "either where or sequence"},
  {"having_without_window", ECS "rule r { severity low where event.action == \"x\" having count() > 1 entities host.name }", "needs both window and having"},
  {"having_without_aggregate", ECS "rule r { severity low where event.action == \"x\" window 1m having true entities host.name }", "must use an aggregate"},
  {"aggregate_in_where", ECS "rule r { severity low where count() > 1 entities host.name }", "only allowed in having"},
  {"one_step", ECS "rule r { severity low sequence within 1m { a: event.action == \"a\" } entities host.name }", "at least two steps"},
  {"not_step_not_last", ECS "rule r { severity low sequence within 1m { not a: event.action == \"a\" b: event.action == \"b\" } entities host.name }", "only the last step"},
  {"stepref_later", ECS "rule r { severity low sequence within 1m { a: user.name == $b.user.name b: event.action == \"b\" } entities host.name }", "does not come before"},
  {"own_alerts", ECS "rule r { severity low from r where event.action == \"x\" entities host.name }", "cannot read its own alerts"},
  {"zero_window", ECS "rule r { severity low where event.action == \"x\" window 0s having count() > 1 entities host.name }", "longer than zero"},
  /* other declarations */
  {"score_alert_outside_agg", CAT "score s = alert.severity * 2", "inside an aggregate"},
  {"score_not_number", CAT "score s = incident.id", "must be a number"},
  {"domain_unreachable", CAT "domain d { wip 2 }", "nothing can reach it"},
  {"domain_two_defaults", "domain a { default }\ndomain b { default }", "two default domains"},
  {"service_unknown_state", CAT "service s { states new -> closed sla triage 1h }", "has no state 'triage'"},
  {"exposure_open_only", ECS "exposure e { open when event.action == \"x\" on destination.ip }", "never closes"},
  {"exposure_on_int", ECS "exposure e { open when event.action == \"x\" on destination.port close when event.action == \"y\" on destination.port }", "named by an ip or a host name"},
  {"exposure_state_scope", ECS "exposure e { state process.name == \"x\" }", "this expression sees asset.*"},
  {"kpi_unknown_dimension", CAT "kpi k { value count() by busines_unit }", "did you mean 'business_unit'?"},
  {"kpi_target_type", CAT "kpi k { value avg(incident.closed_at - incident.detected_at) target < 5 }", "the target is int but the value is duration"},
  {"unknown_setting", "settings { latenes 30s }", "did you mean 'lateness'?"},
  {"setting_type", "settings { lateness 30 }", "takes a duration"},
  {"schema_conflict", "schema a { x: string }\nschema b { x: int }", "declared as int here and as string elsewhere"},
  {"unknown_type", "schema a { x: strng }", "did you mean 'string'?"},
  {"list_mixed", "list l = [\"a\", 1]", "list 'l' holds string, not int"},
  {"test_wrong_type", ECS "rule r { severity low where process.name == \"x\" entities host.name }\ntest \"t\" { event { destination.port: \"x\" } expect r }", "field 'destination.port' is int, not string"},
  {"macro_in_score", CAT "macro m = event.action == \"x\"\nscore s = m ? 1 : 2", "cannot be used here"},
};

static void run_case(void **state) {
  const sema_case *sc = *state;
  if (sc->want) assert_check_error(sc->src, sc->want);
  else assert_checks(sc->src);
}

/* A warning can be turned off, and made an error, by name. */
static void test_warning_options(void **state) {
  (void)state;
  const char *src = ECS "rule r { severity low where event.action == \"x\" }";
  for (int mode = 0; mode < 3; mode++) {
    hnc_compiler *c = hnc_compiler_create();
    if (mode == 1) assert_int_equal(hnc_compiler_warning_option(c, "no-missing-entities"), HN_OK);
    if (mode == 2) assert_int_equal(hnc_compiler_warning_option(c, "error=missing-entities"), HN_OK);
    hnc_compiler_add_source(c, "t.hn", src, strlen(src));
    hn_status st = hnc_compiler_check(c);
    assert_int_equal(hnc_compiler_warning_count(c), mode == 0 ? 1 : 0);
    assert_int_equal(hnc_compiler_error_count(c), mode == 2 ? 1 : 0);
    assert_int_equal(st, mode == 2 ? HN_ERR_SEMANTIC : HN_OK);
    hnc_compiler_destroy(c);
  }
  hnc_compiler *c = hnc_compiler_create();
  assert_int_equal(hnc_compiler_warning_option(c, "no-such-warning"), HN_ERR_USAGE);
  hnc_compiler_destroy(c);
}

/* One pack split over two files: names resolve across them, duplicates across them are found. */
static void test_pack_across_files(void **state) {
  (void)state;
  hnc_compiler *c = hnc_compiler_create();
  const char *a = "pack acme.x 1.0.0\nimport std.ecs\nlist shells = [\"cmd.exe\"]\n";
  const char *b = "pack acme.x 1.0.0\nimport std.catalog\nrule r { severity low service malware_response where process.name in~ shells entities host.name }\n";
  hnc_compiler_add_source(c, "a.hn", a, strlen(a));
  hnc_compiler_add_source(c, "b.hn", b, strlen(b));
  assert_int_equal(hnc_compiler_check(c), HN_OK);
  hnc_compiler_destroy(c);
  c = hnc_compiler_create();
  const char *d = "pack acme.x 1.0.0\nlist shells = [\"sh\"]\n";
  hnc_compiler_add_source(c, "a.hn", a, strlen(a));
  hnc_compiler_add_source(c, "d.hn", d, strlen(d));
  assert_int_equal(hnc_compiler_check(c), HN_ERR_SEMANTIC);
  hnc_diag_view v;
  for (size_t i = 0; i < hnc_compiler_diag_count(c); i++) {
    hnc_compiler_diag_get(c, i, &v);
    if (v.severity == HNC_ERROR) break;
  }
  assert_int_equal(v.severity, HNC_ERROR);
  assert_string_equal(v.file, "d.hn");
  assert_non_null(strstr(v.message, "declared twice"));
  hnc_compiler_destroy(c);
}

/* Rules reading alerts through many repeated `from` items: the cycle search visits each rule
 * once (the fuzzer found an exponential walk; before the fix this test never finished). */
static void test_from_cycles_are_linear(void **state) {
  (void)state;
  char *src = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&src, &len);
  fputs("import std.ecs\n", f);
  for (int r = 0; r < 40; r++) {
    fprintf(f, "rule r%d { severity low from", r);
    for (int k = 1; k < 40; k++) fprintf(f, "%s r%d", k > 1 ? "," : "", (r + k) % 40);
    fputs(" where alert.severity >= low entities host.name }\n", f);
  }
  fclose(f);
  size_t errs;
  char *d = check_src(src, &errs);
  assert_true(errs > 0); /* the cycles and the repeated items are errors, reported */
  assert_non_null(strstr(d, "read each other's alerts"));
  free(d);
  free(src);
}

/* Every error of a broken pack is reported, not just the first. */
static void test_all_errors_reported(void **state) {
  (void)state;
  size_t errs;
  char *d = check_src(ECS "rule a { severity low where process.nam == \"x\" entities host.name }\n"
                          "rule b { severity hgh where event.action == 1 entities host.name }\n"
                          "rule c { severity low where source.ip in \"1.2.3.4/40\" entities host.name }\n", &errs);
  free(d);
  assert_int_equal(errs, 4);
}

int main(void) {
  enum { N = sizeof cases / sizeof cases[0] };
  struct CMUnitTest tests[N + 4];
  for (size_t i = 0; i < N; i++) tests[i] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
  tests[N] = (struct CMUnitTest)cmocka_unit_test(test_warning_options);
  tests[N + 1] = (struct CMUnitTest)cmocka_unit_test(test_all_errors_reported);
  tests[N + 2] = (struct CMUnitTest)cmocka_unit_test(test_pack_across_files);
  tests[N + 3] = (struct CMUnitTest)cmocka_unit_test(test_from_cycles_are_linear);
  return _cmocka_run_group_tests("sema", tests, N + 4, NULL, NULL);
}
