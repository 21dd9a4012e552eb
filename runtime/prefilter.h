/* prefilter.h - one multi-pattern scan per field and event (Vectorscan / Hyperscan), so the
 * string predicates of thousands of rules cost one pass over each string instead of one
 * search per pattern. The scan is a necessary condition, never the verdict: a predicate whose
 * patterns did not show up is false; one whose patterns did is confirmed by the exact matcher
 * (interp.c), so the prefilter cannot change a result, only skip work. That holds only while the
 * engine finds every pattern that occurs: it is trusted after a known-answer self-test on this
 * CPU (pfcheck.c), each database is checked against its own patterns, and a failed scan counts
 * as every pattern present. When the engine fails, the program runs without a prefilter.
 * Also: hash sets for `in` over many strings (IOC lists).
 * Depends on program.h and libhs. */
#ifndef HN_PREFILTER_H
#define HN_PREFILTER_H
#include <stdatomic.h>
#include "program.h"

/* Per slot: the compiled pattern database of every prefiltered constant on that field. */
typedef struct hn_pf_field {
  void *db;            /* hs_database_t *, NULL when the field has no pattern */
  uint32_t n_patterns; /* pattern ids 0..n-1 */
} hn_pf_field;

/* A string set for `in`: open addressing over (already folded) constants. */
typedef struct hn_strset {
  uint32_t *slots; /* const index + 1, 0 = empty */
  uint32_t cap;    /* power of two */
} hn_strset;

typedef struct hn_prefilter {
  hn_pf_field *fields;   /* one per slot */
  void *scratch_proto;   /* hs_scratch_t * large enough for every database */
  hn_strset *sets;       /* per predicate (cap 0: none) */
  _Atomic uint64_t scan_errors; /* scans the engine failed (any thread) */
} hn_prefilter;

/* Builds the prefilter of a prepared program (p->prefilter). HN_OK, HN_ERR_NOMEM. A pattern the
 * engine cannot take is left to the exact matcher. When the engine fails its self-test, or a
 * database misses one of its own patterns, the program gets no prefilter (p->prefilter NULL)
 * and p->warning says why; still HN_OK. */
hn_status hn_prefilter_build(hn_program *p);
void hn_prefilter_free(hn_program *p);
/* For images: the databases as the engine serialises them (*out malloc'd, the caller's), and
 * the prefilter built again with them standing for the cache (data NULL: no prefilter, every
 * predicate exact): the same self-test and per-database checks as hn_prefilter_build, and a
 * database this engine cannot read, or that misses its own patterns, is compiled afresh.
 * HN_OK, HN_ERR_NOMEM. */
hn_status hn_prefilter_serialize(const hn_program *p, unsigned char **out, size_t *len);
hn_status hn_prefilter_restore(hn_program *p, const unsigned char *data, size_t len);

/* Per-thread state: scratch space and the per-event pattern hits of each field. */
typedef struct hn_pf_state {
  void *scratch;         /* hs_scratch_t * */
  uint32_t *scanned;     /* per slot: the epoch its values were scanned in */
  uint64_t **hits;       /* per slot: a bitset over its pattern ids */
} hn_pf_state;

hn_status hn_pf_state_init(hn_pf_state *s, const hn_program *p);
void hn_pf_state_fini(hn_pf_state *s, const hn_program *p);
/* The hit bitset of slot for this event (scanning the field's values the first time). */
const uint64_t *hn_pf_hits(hn_pf_state *s, const hn_program *p, const hn_event *ev, uint32_t slot, uint32_t epoch);
/* Whether a string is in predicate pi's set (the value already folded when the set is). */
bool hn_strset_has(const hn_program *p, uint32_t pi, const char *s, size_t n);

/* ---- trusting the engine ------------------------------------------------------------------ */
/* The engine linked in, as "Hyperscan 5.4.0 2023-01-04" (a static string). */
const char *hn_pf_engine(void);
/* The engine's known-answer self-test, run once per process (thread-safe): NULL when the engine
 * found exactly what a plain search finds, else why not (a static string).
 * HORNET_PREFILTER_SELFTEST=fail runs it against a simulated engine fault (for tests). */
const char *hn_pf_selftest(void);
/* A simulated engine fault, to see the self-test catch one: matches ending in the last `tail`
 * bytes of a buffer of min_len to max_len bytes are lost (Vectorscan 5.4.9 on AVX-512: 68,
 * SIZE_MAX, 16), and pattern 0 is reported in every buffer of phantom_len bytes (0: never). */
typedef struct hn_pf_fault {
  size_t min_len, max_len, tail, phantom_len;
} hn_pf_fault;
/* The self-test proper, run on each call (pfcheck.c says what it covers), with a simulated
 * fault or none (NULL). true when it passed; else why (why_len bytes) says what went wrong.
 * *stats (may be NULL) gets how much it scanned. */
typedef struct hn_pf_kat_stats {
  unsigned long scans;
  unsigned long long bytes;
  unsigned cached; /* its databases that came from the cache (it compiles them afresh, and
                    * runs again, before it blames the engine) */
} hn_pf_kat_stats;
bool hn_pf_selftest_run(const hn_pf_fault *fault, char *why, size_t why_len, hn_pf_kat_stats *stats);
/* A literal as a pattern in the engine's syntax: every byte but letters and digits escaped,
 * with '^' in front when anchored at the start. malloc'd; NULL when out of memory. */
char *hn_pf_literal_regex(const char *s, size_t n, bool anchor_start);
/* The cache key (malloc'd) and file name of a database of patterns exprs/flags (ids 0..n-1),
 * compiled by `engine` (NULL: the one linked in) for this CPU. NULL when out of memory. */
char *hn_pf_db_key(const char *engine, const char *const *exprs, const unsigned *flags, uint32_t n, char *name,
                   size_t nlen);
/* A database of patterns exprs/flags (ids 0..n-1) compiled before by this engine on this kind
 * of CPU, from the on-disk cache (an hs_database_t *, the caller's), or NULL. */
void *hn_pf_cache_load(const char *const *exprs, const unsigned *flags, uint32_t n);
/* Puts db (an hs_database_t *) in the cache for exprs/flags; a failure only costs time. */
void hn_pf_cache_store(const char *const *exprs, const unsigned *flags, uint32_t n, const void *db);
/* The match callback of the scans: sets bit id of the uint64_t bitset ctx. */
int hn_pf_on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx);
#endif
