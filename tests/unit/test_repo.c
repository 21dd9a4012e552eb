/* test_repo.c - every .hn file of the repository: examples/ and stdlib/ check without errors,
 * and for every file that parses, fmt is idempotent and keeps the syntax tree. Runs from the
 * source root. */
#include <dirent.h>
#include <sys/stat.h>
#include "test_util.h"


static char *dump(const char *name, const char *src, size_t len, hn_status *st) {
  hnc_compiler *c = hnc_compiler_create();
  char *out = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&out, &n);
  *st = hnc_dump_ast(c, name, src, len, f);
  fclose(f);
  hnc_compiler_destroy(c);
  return out;
}

static void fmt_roundtrip(void **state) {
  const char *path = *state;
  size_t len;
  char *src = slurp_file(path, &len);
  assert_non_null(src);
  hn_status st;
  char *d1 = dump(path, src, len, &st);
  if (st == HN_OK) {
    hnc_compiler *c = hnc_compiler_create();
    char *once = NULL, *twice = NULL;
    size_t l1, l2;
    assert_int_equal(hnc_format(c, path, src, len, &once, &l1), HN_OK);
    assert_int_equal(hnc_format(c, path, once, l1, &twice, &l2), HN_OK);
    if (strcmp(once, twice) != 0) fail_msg("fmt is not idempotent on %s", path);
    hn_status st2;
    char *d2 = dump(path, once, l1, &st2);
    assert_int_equal(st2, HN_OK);
    if (strcmp(d1, d2) != 0) fail_msg("fmt changed the syntax tree of %s", path);
    free(d2);
    free(once);
    free(twice);
    hnc_compiler_destroy(c);
  }
  free(d1);
  free(src);
}

static void check_clean(void **state) {
  const char *dir = *state;
  hnc_compiler *c = hnc_compiler_create();
  assert_int_equal(hnc_compiler_add_path(c, dir), HN_OK);
  hn_status st = hnc_compiler_check(c);
  if (st != HN_OK) hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, 0);
  assert_int_equal(st, HN_OK);
  hnc_compiler_destroy(c);
}

/* Every ```hornet block of a document parses (the reference must agree with the parser);
 * with `check` set, each block must also check without errors (README examples are complete). */
typedef struct doc { const char *path; int check; } doc;

static void doc_blocks(void **state) {
  const doc *d = *state;
  size_t len;
  char *text = slurp_file(d->path, &len);
  assert_non_null(text);
  int n = 0, bad = 0, line = 1;
  const char *p = text;
  while ((p = strstr(p, "```hornet\n")) != NULL) {
    const char *start = p + 10, *end = strstr(start, "```");
    if (!end) break;
    line = 1;
    for (const char *q = text; q < start; q++) line += *q == '\n';
    char name[256];
    snprintf(name, sizeof name, "%s:%d", d->path, line);
    hnc_compiler *c = hnc_compiler_create();
    hn_status st;
    if (d->check) {
      hnc_compiler_add_source(c, name, start, (size_t)(end - start));
      st = hnc_compiler_check(c);
    } else {
      FILE *sink = fopen("/dev/null", "w");
      st = hnc_dump_ast(c, name, start, (size_t)(end - start), sink);
      fclose(sink);
    }
    if (st != HN_OK) {
      hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, 0);
      bad++;
    }
    hnc_compiler_destroy(c);
    n++;
    p = end + 3;
  }
  free(text);
  if (bad) fail_msg("%d of %d hornet blocks in %s fail", bad, n, d->path);
  assert_true(n > 0);
}

static char **files;
static size_t n_files, cap_files;

static void walk(const char *dir) {
  struct dirent **ents;
  int n = scandir(dir, &ents, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    const char *nm = ents[i]->d_name;
    if (nm[0] != '.') {
      size_t k = strlen(dir) + strlen(nm) + 2;
      char *p = malloc(k);
      snprintf(p, k, "%s/%s", dir, nm);
      struct stat sb;
      size_t l = strlen(nm);
      if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        walk(p);
        free(p);
      } else if (l > 3 && strcmp(nm + l - 3, ".hn") == 0) {
        if (n_files == cap_files) files = realloc(files, (cap_files = cap_files ? cap_files * 2 : 64) * sizeof *files);
        files[n_files++] = p;
      } else {
        free(p);
      }
    }
    free(ents[i]);
  }
  if (n > 0) free(ents);
}

int main(void) {
  static const char *const roots[] = {"examples", "stdlib", "tests", "lang"};
  for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) walk(roots[i]);
  if (n_files < 5) {
    fprintf(stderr, "found only %zu .hn files (run from the source root)\n", n_files);
    return 1;
  }
  static const doc docs[] = {{"README.md", 1}, {"lang/SPEC.md", 0}};
  struct CMUnitTest *tests = calloc(n_files + 4, sizeof *tests);
  size_t k = 0;
  tests[k++] = (struct CMUnitTest){"README.md examples check", doc_blocks, NULL, NULL, (void *)&docs[0]};
  tests[k++] = (struct CMUnitTest){"lang/SPEC.md examples parse", doc_blocks, NULL, NULL, (void *)&docs[1]};
  tests[k++] = (struct CMUnitTest){"check examples", check_clean, NULL, NULL, (void *)"examples"};
  tests[k++] = (struct CMUnitTest){"check stdlib", check_clean, NULL, NULL, (void *)"stdlib"};
  for (size_t i = 0; i < n_files; i++) tests[k++] = (struct CMUnitTest){files[i], fmt_roundtrip, NULL, NULL, files[i]};
  int rc = _cmocka_run_group_tests("repository", tests, k, NULL, NULL);
  for (size_t i = 0; i < n_files; i++) free(files[i]);
  free(files);
  free(tests);
  return rc;
}
