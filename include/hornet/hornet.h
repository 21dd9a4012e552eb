/* hornet.h - the runtime's public C API (libhornet).
 * Must not depend on LLVM or on the compiler: collectors embed this library alone. */
#ifndef HORNET_HORNET_H
#define HORNET_HORNET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(HN_BUILDING) && defined(__GNUC__)
#define HN_API __attribute__((visibility("default")))
#else
#define HN_API
#endif

#define HN_VERSION_MAJOR 0
#define HN_VERSION_MINOR 1
#define HN_VERSION_PATCH 0
#define HN_VERSION_STRING "0.1.0"

/* One status enum for the whole project. HN_OK is zero so `if (st)` reads as "failed". */
typedef enum hn_status {
  HN_OK = 0,
  HN_ERR_NOMEM,     /* an allocation failed */
  HN_ERR_IO,        /* a file could not be read or written */
  HN_ERR_SYNTAX,    /* the input has syntax errors (details went to the diagnostics sink) */
  HN_ERR_SEMANTIC,  /* the input is well formed but wrong (details as above) */
  HN_ERR_USAGE,     /* the caller passed an invalid argument */
  HN_ERR_NOT_FOUND, /* a named thing (file, pack, rule) does not exist */
  HN_ERR_LIMIT      /* a configured limit was reached */
} hn_status;

/* A static English description of a status; never NULL. */
HN_API const char *hn_status_str(hn_status st);

/* The library version, "MAJOR.MINOR.PATCH". */
HN_API const char *hn_version(void);

/* ---- running a compiled program -------------------------------------------------------------
 * A program comes from the compiler (hnc_compiler_program) and is immutable: threads may share
 * it. Ownership: the caller owns the program and frees it with hn_program_destroy. */
typedef struct hn_program hn_program;

HN_API void hn_program_destroy(hn_program *p);
/* What the user should be told about how the program runs, or NULL: for now, that the
 * multi-pattern engine failed its self-test on this CPU (or a database missed one of its own
 * patterns), so the program runs without its prefilter: the same alerts, found more slowly.
 * Borrowed; lives as long as the program. */
HN_API const char *hn_program_warning(const hn_program *p);
/* Whether the program has its pattern prefilter (not with --no-prefilter, HORNET_NO_PREFILTER=1
 * or an engine that failed its self-test). */
HN_API bool hn_program_prefiltered(const hn_program *p);
/* How many pattern scans the engine failed so far, over every run of the program. Each one
 * counted as every pattern present, so the exact matchers decided: no match was lost. */
HN_API uint64_t hn_program_scan_errors(const hn_program *p);
/* The multi-pattern engine linked in, as "Hyperscan 5.4.0 2023-01-04" (static). */
HN_API const char *hn_pattern_engine(void);
/* Runs the engine's known-answer self-test once per process: NULL when it passed on this CPU,
 * else what it got wrong (static). */
HN_API const char *hn_pattern_engine_selftest(void);

/* Loads a pack image written by `hornet build` (lang/SPEC.md §20): the file is mapped, not
 * copied, its header (format, hornet version, layout, content hash) and every table checked,
 * so a damaged, truncated or foreign file is an error (err says which) and never a crash.
 * flags: HN_LOAD_INTERP (do not load the native code), HN_LOAD_NO_PREFILTER (exact matching,
 * no multi-pattern databases). Native code that cannot run here (another target, an older CPU,
 * an ABI mismatch) is not an error: the interpreter runs the program and hn_program_warning
 * says why. Thread-safe; the program is immutable and shared by threads; free it with
 * hn_program_destroy. HN_OK, HN_ERR_NOT_FOUND, HN_ERR_IO, HN_ERR_SYNTAX (not a valid image),
 * HN_ERR_NOMEM. */
enum { HN_LOAD_INTERP = 1, HN_LOAD_NO_PREFILTER = 2 };
HN_API hn_status hn_program_load(const char *path, unsigned flags, hn_program **out, char *err, size_t errlen);
/* Why part of a loaded program does not run as built (its native code), or "" when all does. */
HN_API const char *hn_program_warning(const hn_program *p);
/* Whether a file starts like a pack image (the magic number), for tools that take either. */
HN_API bool hn_is_image(const char *path);
/* Writes the program as an image; `native` is a shared object of its native code (may be NULL)
 * for the CPU named (an LLVM CPU name). HN_OK, HN_ERR_IO, HN_ERR_NOMEM with err filled. */
HN_API hn_status hn_program_write_image(const hn_program *p, const void *native, size_t native_len, const char *cpu,
                                        FILE *out, char *err, size_t errlen);
/* A readable listing of the program (`hornet build --dump`): sections, tables, rules with
 * their conditions. */
HN_API void hn_program_dump(const hn_program *p, FILE *out);

/* Which code runs the rules: the native code when the program has it (the default), or the
 * reference interpreter. */
enum { HN_ENGINE_AUTO = 0, HN_ENGINE_INTERP = 1 };

typedef struct hn_run_options {
  const char *input_name;    /* for messages ("-" for standard input) */
  FILE *in;                  /* JSON Lines, one event a line */
  FILE *out;                 /* alerts, JSON Lines */
  FILE *dead_letter;         /* dead letters, JSON Lines (may be NULL): each malformed or late
                              * line, and each rule whose regex match the limits left undecided,
                              * with the input position and the reason (README) */
  FILE *diag;                /* reports of malformed lines, late events, regex limits (may be NULL) */
  unsigned max_reports;      /* lines reported one by one (per kind) before only counting */
  int engine;                /* HN_ENGINE_AUTO or HN_ENGINE_INTERP */
  /* Checkpoints (lang/SPEC.md §17). With state_path, a state file there is read first (the
   * input resumes at its recorded position when `in` can seek, and `out`, `dead_letter` and
   * `incidents`, when regular files, are cut back to their recorded lengths, so what was written
   * after the last checkpoint is not repeated: open them for appending); the state is written
   * atomically every checkpoint_events events (0: never), every `checkpoint` setting of
   * wall-clock time, and at the end. It holds the correlation state and the incidents. A
   * damaged state file, or one another pack wrote, is refused (HN_ERR_SEMANTIC, the reason on
   * diag) and left as it is. */
  const char *state_path;
  uint64_t checkpoint_events;
  uint64_t max_events;       /* stop after this many events (0: the whole input) */
  bool final_input;          /* with state_path: the input's end is the stream's end (close
                              * every window and absence); without state_path it always is */
  /* Incidents (lang/SPEC.md §11-12): every alert joins one, routed and scored. */
  FILE *incidents;           /* incident records, JSON Lines (may be NULL) */
  FILE *queue;               /* at the end, the queue per domain (may be NULL) */
  bool queue_json;           /* the queue as one JSON document, else text */
} hn_run_options;

typedef struct hn_run_stats {
  uint64_t lines, events, bytes, alerts, malformed;
  uint64_t late;             /* events below the watermark: kept out of correlation state */
  uint64_t ahead;            /* events more than `max_skew` ahead of the clock: held back, the
                              * watermark not moved by them (lang/SPEC.md §10.12) */
  uint64_t ahead_dropped;    /* of those, kept out of correlation: no room to hold them */
  uint64_t released;         /* held events released before their lateness was up, for `memory` */
  uint64_t untimed;          /* events without a time where correlation rules needed one */
  uint64_t no_key;           /* events a correlation left out for a missing key value */
  uint64_t suppressed;       /* alerts suppressed (lang/SPEC.md §10.11) */
  uint64_t evicted;          /* correlation keys evicted by the memory or max_keys bound */
  uint64_t peak_keys, peak_state_bytes; /* correlation state (keys and held events) at its largest */
  uint64_t incidents;        /* incidents opened */
  uint64_t regex_undecided;  /* (event, rule) pairs where a regex match reached the limits of
                              * lang/SPEC.md §6.8 (each also a dead letter and a report) */
  FILE *io_failed;           /* HN_ERR_IO: the stream of the options whose read or write failed
                              * (NULL: the state file, reported to diag), and errno then */
  int io_errno;
} hn_run_stats;

/* Streams events from opt->in through the program and writes one JSON object per alert.
 * Malformed lines are counted, reported and skipped. Stops at the first failed read or write
 * (stats->io_failed says which). HN_OK, HN_ERR_IO, HN_ERR_NOMEM, HN_ERR_SEMANTIC (a state file
 * refused). */
HN_API hn_status hn_run_stream(const hn_program *p, const hn_run_options *opt, hn_run_stats *stats);

typedef struct hn_test_report {
  unsigned tests, passed, failed, skipped;
} hn_test_report;

/* Runs the program's test blocks; writes each failure (and a summary) to out and, when junit
 * is not NULL, a JUnit XML report. HN_OK when every test passed or was skipped. */
HN_API hn_status hn_run_tests(const hn_program *p, FILE *out, FILE *junit, hn_test_report *report);

/* Evaluates one event (JSON text) and writes, for each rule (or the one named), whether it
 * fired and the value of every condition in its logic. HN_ERR_SYNTAX for a malformed event,
 * HN_ERR_NOT_FOUND for an unknown rule name. */
HN_API hn_status hn_explain(const hn_program *p, const char *event, size_t len, const char *rule, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
