/* fuzz_sigma.c - libFuzzer target: any bytes as a Sigma rule file through import-sigma (the
 * windows mapping of stdlib/, so run from the source root). Whatever the importer writes must
 * pass `hornet check`: a rule it cannot write correctly must be reported, not written. Built
 * with -DHN_FUZZ=ON (clang). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hornet/compiler.h"

static char path[64];

static void cleanup(void) { unlink(path); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!path[0]) { /* the importer reads files: one scratch file for the run */
    snprintf(path, sizeof path, "/tmp/fuzz_sigma_%d.yml", (int)getpid());
    atexit(cleanup);
  }
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  char *pack = NULL, *report = NULL;
  size_t pl = 0, rl = 0;
  FILE *out = open_memstream(&pack, &pl), *rep = open_memstream(&report, &rl);
  const char *files[] = {path};
  hnc_sigma_options o = {"stdlib", "windows", "fuzz.sigma", NULL, NULL, NULL};
  unsigned imported = 0, skipped = 0;
  hn_status st = hnc_sigma_import(files, 1, &o, out, rep, &imported, &skipped);
  fclose(out);
  fclose(rep);
  if (st == HN_OK && imported) {
    hnc_compiler *c = hnc_compiler_create();
    hnc_compiler_set_stdlib(c, "stdlib");
    hnc_compiler_add_source(c, "imported.hn", pack, pl);
    if (hnc_compiler_check(c) != HN_OK) {
      hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, 0);
      fprintf(stderr, "--- the pack written:\n%s\n", pack);
      abort();
    }
    hnc_compiler_destroy(c);
  }
  free(pack);
  free(report);
  return 0;
}
