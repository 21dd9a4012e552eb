/* interp.h - the reference interpreter: evaluates a program's boolean DAG over one decoded
 * event. One hn_eval per thread; the program is shared and read-only.
 * Depends on program.h only. */
#ifndef HN_INTERP_H
#define HN_INTERP_H
#include "index.h"
#include "prefilter.h"
#include "program.h"

/* The values bound to one $step.path of a partial sequence match (hn_corr.binds order). */
typedef struct hn_bound {
  const hn_value *v;
  uint32_t n;
} hn_bound;

typedef struct hn_eval {
  const hn_program *p;
  const hn_event *ev;
  uint32_t *stamp;    /* per node: the epoch its value was computed in */
  uint8_t *val;       /* per node: the value */
  uint32_t epoch;     /* one per event: bumping it forgets every memo at once */
  char *fold;         /* scratch for case folding */
  size_t fold_cap;
  /* folded field values of the current event, so a field folds once however many caseless
   * predicates read it (Sigma packs test Image and CommandLine hundreds of times) */
  struct hn_fold_memo {
    const char *s;      /* the event's value */
    uint32_t epoch, off, n, folded;
  } fmemo[64];
  char *fbuf;         /* the folded bytes, at fmemo[].off */
  size_t fbuf_used, fbuf_cap;
  struct hn_scratch {  /* strings computed from the current event: lower(), upper() */
    struct hn_scratch *next;
    size_t used, cap;
    char data[];
  } *scratch;
  void *md;           /* pcre2_match_data */
  void *mctx;         /* pcre2_match_context: the match limits of lang/SPEC.md §6.8 */
  void *jstack;       /* pcre2_jit_stack of those limits */
  /* Regex matches of the current event that the limits left undecided (counted, their
   * predicates listed, at most HN_RE_LISTED of them), and per predicate the value an undecided
   * match takes and the rules that read it (built at the first, hn_re_rules). */
  uint32_t re_undecided;
  uint32_t re_preds[8];
  uint8_t *re_open;
  uint32_t *re_rule_first, *re_rules;
  bool re_tables_built;
  hn_pf_state pf;     /* prefilter scratch and per-event hits */
  hn_cand cand;       /* candidate rules of the event */
  uint32_t *fired;    /* rules that fired on the event (hn_match_event) */
  /* Two independent switches, so that each engine configuration can be tested against the
   * oracle (tests/unit/test_oracle.c): no_prefilter matches every string predicate exactly
   * (no multi-pattern scan, no string set; the index then counts every rule keyed by a pattern
   * as a candidate); no_index evaluates every single-event rule (no candidates, no equality
   * map answering a predicate). */
  bool no_prefilter;
  bool no_index;
  bool indexed;       /* the index's maps were probed for the current event (hn_match_event) */
  const hn_corr *corr;   /* the sequence whose step is tested (its binds), with: */
  const hn_bound *bound; /* bindings of the partial match a sequence step is tested for, or NULL */
  bool nomem;         /* an allocation failed, so a value may be wrong: the caller stops (sticky) */
} hn_eval;

hn_status hn_eval_init(hn_eval *e, const hn_program *p);
void hn_eval_fini(hn_eval *e);
/* Starts a new event: every node is unknown again. */
void hn_eval_begin(hn_eval *e, const hn_event *ev);
/* The value of node i for the current event (memoised). */
bool hn_eval_node(hn_eval *e, uint32_t i);
/* The value of predicate i for the current event (not memoised). */
bool hn_eval_pred(hn_eval *e, uint32_t i);

/* minute() .. year() (hn_timepart) of a time in ns since the epoch, in UTC. */
int64_t hn_time_part(int64_t ns, uint32_t part);
/* 1 or 0 if node i was evaluated for this event, -1 if short-circuiting skipped it. */
int hn_eval_known(const hn_eval *e, uint32_t i);

/* The values of value expression x on the current event: the field's own, or computed into
 * tmp (room for 64). NULL and mismatched values are left out. */
const hn_value *hn_eval_values(hn_eval *e, uint32_t x, size_t *n, hn_value tmp[64]);
/* a op b for the comparisons of hn_pop (EQ NE LT LE GT GE), as predicates compare. */
bool hn_value_cmp(hn_eval *e, int op, const hn_value *a, const hn_value *b);
/* a op b for the arithmetic of hn_vop (b NULL for NEG); false when undefined. */
bool hn_value_arith(int op, const hn_value *a, const hn_value *b, hn_value *out);

/* The limits of a regex match (lang/SPEC.md §6.8): PCRE2's match limit bounds the time of one
 * match (2 ms of JIT code here, 40 ms of PCRE2's interpreter), the depth and heap limits the
 * interpreter's memory where there is no JIT code or its stack (HN_RE_JIT_STACK) runs out. */
#define HN_RE_MATCH_LIMIT 1000000u
#define HN_RE_DEPTH_LIMIT 1000000u
#define HN_RE_HEAP_LIMIT_KIB 20480u
#define HN_RE_JIT_STACK (8u << 20)
#define HN_RE_LISTED 8u

/* The rules that read predicate `pred` (a `matches` the limits left undecided), in rule order:
 * how many, and *rules. 0 when it belongs to no rule (a score, an exposure) or memory ran out. */
uint32_t hn_re_rules(hn_eval *e, uint32_t pred, const uint32_t **rules);

/* Case-folds s into the evaluator's scratch (valid until the next fold). */
const char *hn_eval_fold(hn_eval *e, const char *s, size_t n, size_t *out_n);

/* The rules the index says the current event may fire, in rule order (index.c). */
uint32_t hn_index_candidates(hn_eval *e, hn_cand *c, const uint32_t **list);

/* Matches the current event: evaluates the candidate rules (every single-event rule when
 * no_index is set) with the native code when `native` and the program has it, else the
 * interpreter. Returns how many fired; *fired lists them in rule order. */
uint32_t hn_match_event(hn_eval *e, bool native, const uint32_t **fired);

/* The helper native scores call for the parts they leave to the interpreter (strings, values
 * of the incident, conditions on it): node of hn_corr corr over the aggregates, as a double
 * (booleans 1 or 0, missing NaN). Defined in corr.c. */
double hn_rt_hnode(hn_eval *e, uint32_t corr, uint32_t node, const hn_value *agg);

/* The helper native code calls for a predicate (its address is given to the JIT; plain C ABI).
 * Native code reads and writes stamp, val and epoch above directly. */
int32_t hn_rt_pred(hn_eval *e, uint32_t pred);
#endif
