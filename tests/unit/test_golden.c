/* test_golden.c - golden diagnostics: every tests/golden/check/NAME.hn is checked (with
 * -I tests/golden/check/lib) and its text diagnostics must equal NAME.err byte for byte;
 * NAME.json / NAME.sarif, when present, pin the other formats. HN_UPDATE_GOLDEN=1 rewrites
 * the expected files instead (review the diff). Runs from the source root. */
#include <dirent.h>
#include "test_util.h"

#define DIR_ "tests/golden/check"


static char *render(const char *hn, hnc_diag_format fmt) {
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib"); /* relative: the expected files hold no checkout path */
  hnc_compiler_add_search_dir(c, DIR_ "/lib");
  hnc_compiler_add_path(c, hn);
  hnc_compiler_check(c);
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  hnc_compiler_print_diagnostics(c, f, fmt, 0);
  fclose(f);
  hnc_compiler_destroy(c);
  return out;
}

static void compare(const char *hn, const char *ext, hnc_diag_format fmt, int required) {
  char exp_path[512];
  snprintf(exp_path, sizeof exp_path, "%.*s%s", (int)(strlen(hn) - 3), hn, ext);
  char *want = slurp_file(exp_path, NULL);
  if (!want && !required) return;
  char *got = render(hn, fmt);
  if (getenv("HN_UPDATE_GOLDEN")) {
    FILE *f = fopen(exp_path, "wb");
    assert_non_null(f);
    fputs(got, f);
    fclose(f);
  } else {
    if (!want) fail_msg("missing %s (run with HN_UPDATE_GOLDEN=1 and review)", exp_path);
    if (strcmp(want, got) != 0)
      fail_msg("%s differs.\n--- expected\n%s--- got\n%s", exp_path, want, got);
  }
  free(want);
  free(got);
}

static void run_golden(void **state) {
  const char *hn = *state;
  compare(hn, ".err", HNC_FORMAT_TEXT, 1);
  compare(hn, ".json", HNC_FORMAT_JSON, 0);
  compare(hn, ".sarif", HNC_FORMAT_SARIF, 0);
}

static int is_hn(const struct dirent *e) {
  size_t n = strlen(e->d_name);
  return n > 3 && strcmp(e->d_name + n - 3, ".hn") == 0;
}

int main(void) {
  struct dirent **ents;
  int n = scandir(DIR_, &ents, is_hn, alphasort);
  if (n <= 0) {
    fprintf(stderr, "no golden files in %s (run from the source root)\n", DIR_);
    return 1;
  }
  struct CMUnitTest *tests = calloc((size_t)n, sizeof *tests);
  char **paths = calloc((size_t)n, sizeof *paths);
  for (int i = 0; i < n; i++) {
    size_t k = strlen(DIR_) + strlen(ents[i]->d_name) + 2;
    paths[i] = malloc(k);
    snprintf(paths[i], k, "%s/%s", DIR_, ents[i]->d_name);
    tests[i] = (struct CMUnitTest){ents[i]->d_name, run_golden, NULL, NULL, paths[i]};
  }
  int rc = _cmocka_run_group_tests("golden", tests, (size_t)n, NULL, NULL);
  for (int i = 0; i < n; i++) { free(paths[i]); free(ents[i]); }
  free(ents);
  free(paths);
  free(tests);
  return rc;
}
