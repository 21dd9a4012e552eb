/* test_inventory.c - the inventories as the runtime sees them (lang/SPEC.md §14.1-14.2):
 * lookups by address (exact, then the longest range), by host name (any case, then a unique
 * first label), by user, and the organisation's ranges; the fixture is
 * tests/fixtures/inventory. */
#include <arpa/inet.h>
#include "test_util.h"
#include "assets.h"

static hn_program *prog;

static int setup(void **state) {
  (void)state;
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_path(c, "tests/fixtures/inventory");
  if (hnc_compiler_check(c) != HN_OK) {
    hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, 0);
    hnc_compiler_destroy(c);
    return -1;
  }
  prog = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  return prog ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  hn_program_destroy(prog);
  return 0;
}

static const char *host_of(const char *addr) {
  uint8_t ip[16] = {0};
  bool v6 = strchr(addr, ':') != NULL;
  assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, addr, ip), 1);
  uint32_t a = hn_asset_by_ip(prog, ip, v6);
  return a == HN_NO_ASSET ? NULL : prog->assets[a].name;
}

static const char *range_of(const char *addr) {
  uint8_t ip[16] = {0};
  assert_int_equal(inet_pton(AF_INET, addr, ip), 1);
  uint32_t r = hn_range_by_ip(prog, ip, false);
  return r == HN_NO_ASSET ? NULL : prog->ranges[r].business_unit;
}

static const char *named(const char *name) {
  uint32_t a = hn_asset_by_name(prog, name, strlen(name));
  return a == HN_NO_ASSET ? NULL : prog->assets[a].name;
}

static void by_address(void **state) {
  (void)state;
  assert_string_equal(host_of("10.0.0.10"), "dc01.acme.local");
  assert_string_equal(host_of("fd00::10"), "dc01.acme.local");
  assert_string_equal(host_of("10.99.4.5"), "lab-narrow"); /* the longest prefix */
  assert_string_equal(host_of("10.99.7.1"), "lab-wide");
  assert_null(host_of("10.1.1.1"));
  assert_null(host_of("fd00::11"));
}

static void by_name(void **state) {
  (void)state;
  assert_string_equal(named("DC01.ACME.local"), "dc01.acme.local");
  assert_string_equal(named("dc01"), "dc01.acme.local");             /* its first label */
  assert_string_equal(named("WS-0142.corp.example"), "ws-0142.acme.local");
  assert_string_equal(named("web.a.local"), "web.a.local");
  assert_null(named("web"));                                         /* two hosts share the label */
  assert_null(named("nobody"));
}

static void users_and_ranges(void **state) {
  (void)state;
  uint32_t u = hn_identity_by_name(prog, "ADM-JDOE", 8);
  assert_int_not_equal(u, HN_NO_ASSET);
  assert_true(prog->identities[u].privileged);
  assert_int_equal(hn_identity_by_name(prog, "bob", 3), HN_NO_ASSET);
  assert_string_equal(range_of("10.99.1.1"), "research"); /* the narrowest range */
  assert_string_equal(range_of("10.5.5.5"), "corporate");
  assert_null(range_of("8.8.8.8"));
}

static void fields(void **state) {
  (void)state;
  const hn_asset *lab = NULL, *dc = NULL;
  for (uint32_t i = 0; i < prog->n_assets; i++) {
    if (strcmp(prog->assets[i].name, "lab-narrow") == 0) lab = &prog->assets[i];
    if (strcmp(prog->assets[i].name, "dc01.acme.local") == 0) dc = &prog->assets[i];
  }
  assert_non_null(lab);
  assert_non_null(dc);
  assert_int_equal(lab->criticality, 3); /* the default */
  assert_true(lab->managed);
  assert_int_equal(lab->n_vulns, 2);
  assert_int_equal(lab->vulns[0].severity, 5);
  assert_true(lab->vulns[1].fixed);
  assert_int_equal(dc->criticality, 5);
  assert_string_equal(dc->role, "domain-controller");
  assert_int_equal(dc->n_tags, 1);
  assert_int_equal(prog->n_ranges, 2);
  assert_false(prog->ranges[1].managed);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(by_address), cmocka_unit_test(by_name),
                                     cmocka_unit_test(users_and_ranges), cmocka_unit_test(fields)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
