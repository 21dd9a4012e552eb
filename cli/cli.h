/* cli.h - what the command-line interface's files share: standard output, help, diagnostics,
 * building a program from packs, the case store's opening and clock.
 * Depends on the public headers only. */
#ifndef HN_CLI_H
#define HN_CLI_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hornet/hornet.h"
#include "hornet/store.h"

extern FILE *out1; /* standard output, through a stream that keeps write errors */

/* Usage of `hornet case` (case.c). */
extern const char *const case_usage;
int cmd_case(int argc, char **argv);

/* `COMMAND --help`: its usage on standard output, exit 0 (2 for an unknown command). */
int help(const char *cmd);
bool is_help(const char *a);
int color_default(void);
/* Reports a failed write to the file named (NULL: standard output); returns 1. */
int write_failed(const char *name, int err);
/* Flushes and closes f (stdout only flushed); 0, or 1 when something written to it was lost. */
int close_output(FILE *f, const char *name, int err);
/* Checks and compiles packs (or loads an image); diagnostics printed; NULL on errors. */
hn_program *compile_paths(char **paths, int n, char **incs, int ninc, char **allow, int nallow, const char *stdlib,
                          const char *mapping, int native, int prefilter);
/* Opens a store (made when missing only if create: a command that reads one refuses a path
 * where there is none, a typo): 0, or 1 with the reason on stderr (`hornet CMD: ...`). */
int open_store(const char *cmd, const char *path, bool create, hns_store **st);
/* The program the store's last run was built from (hns_pack; without native code or prefilter:
 * its workflows, inventories and KPIs are read), stdlib and mapping overriding the stored ones
 * when given. NULL, reported as `hornet CMD: ...; name the pack OPT`. */
hn_program *stored_program(hns_store *st, const char *cmd, const char *opt, const char *stdlib, const char *mapping);
/* The wall clock in ns, or the time `now` names; INT64_MIN (reported) when it names none. */
int64_t now_or(const char *cmd, const char *now);
#endif
