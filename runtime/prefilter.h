/* prefilter.h - one multi-pattern scan per field and event (Vectorscan / Hyperscan), so the
 * string predicates of thousands of rules cost one pass over each string instead of one
 * search per pattern. The scan is a necessary condition, never the verdict: a predicate whose
 * patterns did not show up is false; one whose patterns did is confirmed by the exact matcher
 * (interp.c), so the prefilter cannot change a result, only skip work.
 * Also: hash sets for `in` over many strings (IOC lists).
 * Depends on program.h and libhs. */
#ifndef HN_PREFILTER_H
#define HN_PREFILTER_H
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
} hn_prefilter;

/* Builds the prefilter of a prepared program (p->prefilter). HN_OK, HN_ERR_NOMEM. A pattern the
 * engine cannot take is left to the exact matcher. */
hn_status hn_prefilter_build(hn_program *p);
void hn_prefilter_free(hn_program *p);

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
#endif
