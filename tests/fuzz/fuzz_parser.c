/* fuzz_parser.c - libFuzzer target: any bytes through the lexer, parser, checker and
 * formatter; when the input parses, the formatted text must reparse to the same tree and
 * format to itself. Built with -DHN_FUZZ=ON (clang). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hornet/compiler.h"

static char *dump(const char *text, size_t len, hn_status *st) {
  hnc_compiler *c = hnc_compiler_create();
  char *out = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&out, &n);
  *st = hnc_dump_ast(c, "fuzz.hn", text, len, f);
  fclose(f);
  hnc_compiler_destroy(c);
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hnc_compiler *c = hnc_compiler_create();
  if (!c) return 0;
  /* stdlib imports would read files: keep the fuzzer hermetic */
  hnc_compiler_set_stdlib(c, "/nonexistent");
  hnc_compiler_add_source(c, "fuzz.hn", (const char *)data, size);
  hnc_compiler_check(c);
  FILE *sink = fopen("/dev/null", "w");
  hnc_compiler_print_diagnostics(c, sink, HNC_FORMAT_TEXT, 0);
  hnc_compiler_print_diagnostics(c, sink, HNC_FORMAT_SARIF, 0);
  fclose(sink);
  hnc_compiler_destroy(c);

  hn_status st;
  char *d1 = dump((const char *)data, size, &st);
  if (st == HN_OK) {
    hnc_compiler *f = hnc_compiler_create();
    char *once = NULL, *twice = NULL;
    size_t l1 = 0, l2 = 0;
    if (hnc_format(f, "fuzz.hn", (const char *)data, size, &once, &l1) != HN_OK) abort();
    if (hnc_format(f, "fuzz.hn", once, l1, &twice, &l2) != HN_OK) abort();
    if (l1 != l2 || memcmp(once, twice, l1) != 0) abort(); /* not idempotent */
    hn_status st2;
    char *d2 = dump(once, l1, &st2);
    if (st2 != HN_OK || strcmp(d1, d2) != 0) abort(); /* tree changed */
    free(d2);
    free(once);
    free(twice);
    hnc_compiler_destroy(f);
  }
  free(d1);
  return 0;
}
