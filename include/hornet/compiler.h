/* compiler.h - the compiler's public C API (libhornetc): load packs, check them, format them.
 * Ownership: the compiler owns every string and view it hands out; they live until
 * hnc_compiler_destroy. Functions returning hn_status send details to the diagnostics. */
#ifndef HORNET_COMPILER_H
#define HORNET_COMPILER_H

#include <stddef.h>
#include <stdio.h>
#include "hornet/hornet.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hnc_compiler hnc_compiler;

typedef enum hnc_severity { HNC_NOTE = 0, HNC_WARNING = 1, HNC_ERROR = 2 } hnc_severity;

typedef enum hnc_diag_format {
  HNC_FORMAT_TEXT = 0, /* GCC style with the source line and a caret */
  HNC_FORMAT_JSON,     /* one JSON document: {"diagnostics": [...]} */
  HNC_FORMAT_SARIF     /* SARIF 2.1.0 */
} hnc_diag_format;

/* A diagnostic as an embedder sees it (borrowed; valid until the compiler is destroyed).
 * Lines and columns are 1-based; columns count Unicode code points; end_col is inclusive. */
typedef struct hnc_diag_view {
  hnc_severity severity;
  const char *code;    /* stable name, e.g. "syntax", "unknown-field", "undeclared-control" */
  const char *file;    /* NULL for a diagnostic without location */
  int line, col, end_line, end_col;
  const char *message;
  const char *hint;    /* NULL or "did you mean 'process.name'?" */
  size_t n_notes;      /* related locations: hnc_compiler_diag_note() */
} hnc_diag_view;

/* Creation; NULL when out of memory. */
HN_API hnc_compiler *hnc_compiler_create(void);
/* Destroys the compiler and everything it owns; accepts NULL. */
HN_API void hnc_compiler_destroy(hnc_compiler *c);

/* Where `std.*` packs live. The default: $HORNET_STDLIB, else share/hornet/stdlib beside the
 * running program's bin/ directory (an installed hornet), else the source tree's stdlib the
 * library was built from. */
HN_API hn_status hnc_compiler_set_stdlib(hnc_compiler *c, const char *dir);
/* The directory `std.*` packs are looked up in; owned by the compiler, valid until the next
 * hnc_compiler_set_stdlib or hnc_compiler_destroy. */
HN_API const char *hnc_compiler_stdlib(const hnc_compiler *c);
/* Appends a directory to the import search path (searched before $HORNET_PATH). */
HN_API hn_status hnc_compiler_add_search_dir(hnc_compiler *c, const char *dir);
/* Lets packs read inventories (assets, identities) under dir: by default a pack reads them only
 * from its own directory (the directory given as the pack, or the file's), so that a pack cannot
 * echo any file of the machine into diagnostics. */
HN_API hn_status hnc_compiler_allow_path(hnc_compiler *c, const char *dir);
/* A warning option as on the command line, without "-W": "error", "no-NAME", "error=NAME",
 * "NAME". HN_ERR_USAGE for an unknown name. */
HN_API hn_status hnc_compiler_warning_option(hnc_compiler *c, const char *opt);

/* Adds a file, or every .hn file under a directory, as packs to check. Parse errors are
 * diagnostics; the return is HN_ERR_IO only when the path itself cannot be read. */
HN_API hn_status hnc_compiler_add_path(hnc_compiler *c, const char *path);
/* Adds one in-memory source; `name` is used in diagnostics. The text is copied. */
HN_API hn_status hnc_compiler_add_source(hnc_compiler *c, const char *name, const char *text,
                                         size_t len);
/* Resolves imports and names, type-checks everything added. HN_OK when there is no error
 * (warnings allowed unless made errors), HN_ERR_SEMANTIC or HN_ERR_SYNTAX otherwise. */
HN_API hn_status hnc_compiler_check(hnc_compiler *c);

HN_API size_t hnc_compiler_error_count(const hnc_compiler *c);
HN_API size_t hnc_compiler_warning_count(const hnc_compiler *c);
HN_API size_t hnc_compiler_diag_count(const hnc_compiler *c);
/* Fills *out with diagnostic i (sorted by file, then position). */
HN_API hn_status hnc_compiler_diag_get(const hnc_compiler *c, size_t i, hnc_diag_view *out);
/* Fills *out with note j of diagnostic i. */
HN_API hn_status hnc_compiler_diag_note(const hnc_compiler *c, size_t i, size_t j,
                                        hnc_diag_view *out);
/* Writes every diagnostic to f in the given format. color: ANSI colours in text. */
HN_API void hnc_compiler_print_diagnostics(const hnc_compiler *c, FILE *f, hnc_diag_format fmt,
                                           int color);
/* Writes a one-paragraph summary of each checked pack (what it declares) to f. */
HN_API void hnc_compiler_print_summary(const hnc_compiler *c, FILE *f);

/* Formats one source text into the canonical layout, keeping comments. On success *out is a
 * malloc'd NUL-terminated string the caller frees. When the text has syntax errors the
 * result is HN_ERR_SYNTAX and the errors are diagnostics of `c` (which may be fresh). */
HN_API hn_status hnc_format(hnc_compiler *c, const char *name, const char *text, size_t len,
                            char **out, size_t *out_len);

/* Compiles everything checked into a program (rules of every loaded pack, tests of the packs
 * added). Call after a successful hnc_compiler_check. NULL on failure, with an error
 * diagnostic. The caller owns the program (hn_program_destroy); it outlives the compiler. */
HN_API hn_program *hnc_compiler_program(hnc_compiler *c);

/* Compiles the program's rule logic to native code through LLVM (ORC LLJIT) and attaches it,
 * so runs use it instead of the interpreter. The object code is cached on disk by content
 * ($HORNET_CACHE_DIR, else $XDG_CACHE_HOME/hornet or ~/.cache/hornet; "off" disables it);
 * *cache_hit (may be NULL) says whether it was. HN_OK, or an error with err filled (the
 * program still runs with the interpreter). */
HN_API hn_status hnc_program_native(hn_program *p, int *cache_hit, char *err, size_t errlen);

/* Native code for an image (`hornet build`): the program's object code for `cpu` (an LLVM CPU
 * name: x86-64, x86-64-v2, x86-64-v3, x86-64-v4, generic) on this machine's triple, linked into
 * a shared object by the system's C compiler driver ($CC, else cc). *so is malloc'd, the
 * caller's. HN_OK, or an error with err filled. */
HN_API hn_status hnc_program_shared_object(const hn_program *p, const char *cpu, void **so, size_t *so_len, char *err,
                                           size_t errlen);

/* Writes a location-free dump of the syntax tree of `text` to f (for tests: fmt must not
 * change it). HN_ERR_SYNTAX on syntax errors. */
HN_API hn_status hnc_dump_ast(hnc_compiler *c, const char *name, const char *text, size_t len,
                              FILE *f);

/* hornet import-sigma: the Sigma rules of `files` (YAML) as one hornet pack, written to `out`
 * (lang/SPEC.md §6.19), through a mapping file (stdlib/sigma/windows.yml documents the format).
 * Each rule that cannot be imported is reported to `report` with the reason, then a summary.
 * HN_ERR_SYNTAX when the mapping has errors (reported at their line and column);
 * HN_ERR_SEMANTIC when the pack written does not check (options' check). */
/* The mapping for Sigma files given to hnc_compiler_add_path (a .yml file, or a directory
 * with Sigma rules): a shipped mapping's name or a file; the default is windows. Such a path
 * is imported as the pack sigma.NAME (NAME: the file or directory's base name); what is not
 * imported becomes a warning. The string must outlive the compiler. */
HN_API void hnc_compiler_set_sigma_mapping(hnc_compiler *c, const char *mapping);

/* Whether the programs compiled get the pattern prefilter (default: yes). Without it every
 * string predicate is matched exactly: the same alerts, more slowly (--no-prefilter; the
 * environment variable HORNET_NO_PREFILTER=1 does the same for every program). */
HN_API void hnc_compiler_set_prefilter(hnc_compiler *c, bool on);

/* The Sigma files (.yml, .yaml) under path (a file, or a directory read recursively), sorted;
 * appended to *v (malloc'd strings). */
HN_API void hnc_sigma_files(const char *path, char ***v, size_t *n, size_t *cap);

typedef struct hnc_sigma_options {
  const char *stdlib;  /* where the std packs and sigma/NAME.yml live; NULL: the default */
  const char *mapping; /* a shipped mapping's name (windows, ecs) or a file; NULL: windows */
  const char *pack;    /* the pack's name; NULL: sigma.imported */
  const char *placeholders; /* a YAML file of values for |expand (NAME: [values]), or NULL */
  const char *out_dir; /* write a directory pack there (one file per folder of rules), not `out` */
  const char *check;   /* not NULL: check the pack written as `hornet check` does, `out` named so in
                        * its errors (the files by their paths); errors go to the report and make
                        * the result HN_ERR_SEMANTIC. NULL: the caller checks it (Sigma as a pack) */
} hnc_sigma_options;
HN_API hn_status hnc_sigma_import(const char *const *files, size_t n_files, const hnc_sigma_options *opt, FILE *out,
                                  FILE *report, unsigned *imported, unsigned *skipped);

#ifdef __cplusplus
}
#endif
#endif
