/* index.h - the rule index: which rules can fire on this event, found from the event's own
 * values, so the cost of an event grows with what it could match, not with the size of the
 * pack. Each single-event rule gets a key: one condition of its top-level `and` that must hold
 * for it to fire and that a per-field lookup can answer (a string equality or `in` list: a
 * hash probe per value; a string operator: the field's multi-pattern scan). A rule whose key
 * showed up is a candidate and is evaluated exactly; a rule without a key is always evaluated.
 * Never changes a result, only skips rules that cannot fire.
 * Depends on program.h and prefilter.h. */
#ifndef HN_INDEX_H
#define HN_INDEX_H
#include "prefilter.h"
#include "program.h"

/* Equality constants of one field (and caseless or not): key -> the predicates it satisfies.
 * The key of a string is its bytes; of an int, its 8 bytes (int fields); of an address or
 * CIDR, [v6, prefix length, the address masked to the prefix]: a value is looked up once per
 * prefix length the map holds, so an `in` list of networks costs a few probes, not a scan. */
typedef enum hn_mapkind { HN_MAP_STR, HN_MAP_INT, HN_MAP_IP } hn_mapkind;

typedef struct hn_eqmap {
  uint32_t slot;
  bool nocase;
  uint8_t kind;          /* hn_mapkind */
  uint8_t n_plen[2];     /* HN_MAP_IP: the distinct prefix lengths, IPv4 [0] and IPv6 [1] */
  uint8_t plen[2][129];
  uint64_t (*lead)[4];   /* HN_MAP_IP: per IPv4 prefix length (plen[0] order), the first bytes
                          * of its keys (prefix >= 8): most addresses skip most probes */
  uint64_t *table;       /* open addressing: entry index + 1, and the key hash's high half */
  uint32_t cap;          /* power of two */
  struct hn_eqent {
    const char *s;
    uint32_t len, first, n; /* predicates: preds_of[first .. first + n) */
  } *ents;
  uint32_t n_ents;
  uint32_t min_len, max_len; /* of the keys: most values (command lines, paths) skip the probe */
} hn_eqmap;

typedef struct hn_index {
  hn_eqmap *maps;
  uint32_t n_maps;
  uint32_t *preds_of;        /* predicate lists of the equality entries */
  uint32_t *rules_first;     /* per predicate: rules keyed by it, rules_of[first .. first + n) */
  uint32_t *rules_n;
  uint32_t *rules_of;
  uint32_t **pat_pred;       /* per slot with a pattern database: pattern id -> predicate */
  uint8_t *decides;          /* per predicate: 1 when an equality map answers it exactly */
  uint8_t *ipkeys;           /* storage of the HN_MAP_IP keys */
  uint32_t *always;          /* single-event rules without a key, in rule order */
  uint32_t n_always;
  uint32_t n_keyed;          /* rules with a key */
} hn_index;

hn_status hn_index_build(hn_program *p);
void hn_index_free(hn_program *p);

/* Per-thread state for candidates. */
typedef struct hn_cand {
  uint64_t *bits;  /* per rule: a candidate of the current event (cleared once listed) */
  uint32_t *hit;   /* per predicate: the epoch an equality map found it true in */
  uint32_t *list;  /* candidates of the event, then merged with the always-evaluated rules */
  uint32_t *tmp;
} hn_cand;

hn_status hn_cand_init(hn_cand *c, const hn_program *p);
void hn_cand_fini(hn_cand *c);
#endif
