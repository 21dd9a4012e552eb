/* test_util.h - helpers shared by the cmocka unit tests: compile a snippet, capture
 * diagnostics as text. Header-only so each test stays one file. */
#ifndef HN_TEST_UTIL_H
#define HN_TEST_UTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hornet/compiler.h"
#include "hornet/hornetaux.h"

/* The bytes of a file, NUL-terminated (caller frees); *len may be NULL. NULL if unreadable. */
static inline char *slurp_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&buf, &n);
  char chunk[8192];
  size_t k;
  while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, k, m);
  fclose(m);
  fclose(f);
  if (len) *len = n;
  return buf;
}

/* Checks `src` (one in-memory file) and returns the text diagnostics (caller frees).
 * *errors gets the error count. */
static inline char *check_src(const char *src, size_t *errors) {
  hnc_compiler *c = hnc_compiler_create();
  assert_non_null(c);
  assert_int_equal(hnc_compiler_add_source(c, "t.hn", src, strlen(src)), HN_OK);
  hnc_compiler_check(c);
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  hnc_compiler_print_diagnostics(c, f, HNC_FORMAT_TEXT, 0);
  fclose(f);
  if (errors) *errors = hnc_compiler_error_count(c);
  hnc_compiler_destroy(c);
  return out;
}

/* Asserts that checking src gives no error (prints the diagnostics when it does). */
#define assert_checks(src) do { \
    size_t e_; char *d_ = check_src((src), &e_); \
    if (e_) print_error("unexpected diagnostics:\n%s\n", d_); \
    free(d_); assert_int_equal(e_, 0); } while (0)

/* Asserts that checking src gives an error whose text contains `needle`. */
#define assert_check_error(src, needle) do { \
    size_t e_; char *d_ = check_src((src), &e_); \
    if (!e_ || !strstr(d_, (needle))) print_error("expected an error containing '%s', got:\n%s\n", (needle), d_); \
    int ok_ = e_ > 0 && strstr(d_, (needle)) != NULL; free(d_); assert_true(ok_); } while (0)
#endif
