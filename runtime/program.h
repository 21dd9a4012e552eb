/* program.h - a compiled pack as the runtime sees it: the fields to decode, the predicates,
 * the boolean DAG over them, and the rules. Built by the compiler (compiler/lower.c), run by
 * the interpreter (runtime/interp.c) and, later, by native code. Immutable once built and
 * shareable between threads; all per-event state lives in hn_eval.
 * Depends on decode.h only; nothing here knows about the compiler or LLVM. */
#ifndef HN_PROGRAM_H
#define HN_PROGRAM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decode.h"
#include "hornet/hornet.h"

/* ---- constants ------------------------------------------------------------------------ */
/* A literal a predicate compares against. Strings are stored twice when the predicate is
 * case-insensitive: `s` as written, `fold` case-folded (what is compared). */
typedef struct hn_const {
  uint8_t kind;   /* hn_vkind: HN_V_STRING, HN_V_INT, HN_V_FLOAT, HN_V_BOOL, HN_V_NULL, HN_V_IP, HN_V_TIME */
  uint8_t prefix; /* HN_V_IP used as a CIDR: prefix length in bits (128/32 for an address) */
  uint8_t v6;
  uint8_t folded; /* a string already case-folded (for caseless comparisons) */
  uint32_t len;
  union {
    int64_t i;
    double f;
    const char *s;
    uint8_t ip[16];
  } u;
  void *re; /* a compiled regex (pcre2_code *), for `matches` */
  uint32_t pf; /* its pattern id in the field's prefilter + 1; 0 when not prefiltered */
} hn_const;

/* ---- value expressions (operands of comparisons) -------------------------------------- */
typedef enum hn_vop {
  HN_VX_FIELD,  /* a: slot */
  HN_VX_CONST,  /* a: const index */
  HN_VX_ADD, HN_VX_SUB, HN_VX_MUL, HN_VX_DIV, HN_VX_MOD, HN_VX_NEG, /* a, b: vexpr indices */
  HN_VX_LOWER, HN_VX_UPPER, HN_VX_LEN, HN_VX_ABS,                   /* a: vexpr index; LEN b: 1 of a list */
  HN_VX_BOUND,  /* $step.path in a sequence: a: the step's index; b: the path's slot */
  HN_VX_DECAY,  /* decay(age, half-life) = 0.5 ^ (age / half-life): a, b */
  HN_VX_COND,   /* c ? x : y: a: the condition (a bnode); b: an HN_VX_PAIR */
  HN_VX_PAIR,   /* the two branches of HN_VX_COND: a, b */
  HN_VX_TIMEPART /* minute() .. year() of a timestamp, UTC: a: vexpr; b: hn_timepart */
} hn_vop;

typedef struct hn_vexpr {
  uint8_t op;   /* hn_vop */
  uint8_t type; /* hn_ftype of the result */
  uint32_t a, b;
} hn_vexpr;

/* ---- predicates ------------------------------------------------------------------------ */
typedef enum hn_pop {
  HN_P_EQ, HN_P_NE, HN_P_LT, HN_P_LE, HN_P_GT, HN_P_GE, /* lhs, rhs: vexprs */
  HN_P_CONTAINS, HN_P_STARTSWITH, HN_P_ENDSWITH, HN_P_LIKE, HN_P_MATCHES, /* lhs vexpr; consts */
  HN_P_IN,      /* lhs vexpr; consts (strings, numbers, CIDRs) or a range [lo, hi] */
  HN_P_RANGE,   /* lhs vexpr; consts[0..1] = lo, hi (inclusive) */
  HN_P_HAS,     /* lhs vexpr (a list field); rhs vexpr */
  HN_P_EXISTS,  /* slot */
  HN_P_MISSING, /* slot */
  HN_P_INVENTORIED, /* slot: a value is an address or host name of an inventoried host */
  HN_P_IN_RANGES    /* slot: a value is an address in the organisation's ranges */
} hn_pop;

enum { HN_PF_NOCASE = 1, HN_PF_ALL = 2, HN_PF_FILTERED = 4 /* every constant is in the prefilter */ };

typedef struct hn_pred {
  uint8_t op, flags;
  uint32_t lhs, rhs;           /* vexpr indices (rhs for comparisons and has) */
  uint32_t first, n;           /* constants: consts[first .. first + n) */
  uint32_t slot;               /* exists / missing; and the field a predicate reads, for explain */
} hn_pred;

/* ---- the boolean DAG --------------------------------------------------------------------- */
/* Nodes are hash-consed by the compiler: the same predicate or subexpression used by 300
 * rules is one node, evaluated once per event. Children always have smaller indices. */
typedef enum hn_bop { HN_B_TRUE, HN_B_FALSE, HN_B_PRED, HN_B_NOT, HN_B_AND, HN_B_OR } hn_bop;

typedef struct hn_bnode {
  uint8_t op;
  uint8_t dyn;          /* reads a sequence binding ($step.path): never memoised */
  uint32_t a;           /* PRED: predicate index; NOT: child */
  uint32_t first, n;    /* AND / OR: children at kids[first .. first + n) */
} hn_bnode;

/* ---- rules ---------------------------------------------------------------------------- */
typedef enum hn_rule_kind { HN_R_SINGLE, HN_R_AGGREGATE, HN_R_SEQUENCE, HN_R_ABSENCE, HN_R_OVER_ALERTS } hn_rule_kind;

typedef struct hn_rule {
  const char *name, *title, *id, *control, *service, *status;
  int severity;          /* 1 info .. 5 critical */
  const char **tags;
  uint32_t n_tags;
  uint32_t *entities;    /* slots */
  const char **entity_names;
  uint32_t n_entities;
  uint8_t kind;          /* hn_rule_kind */
  bool quiet;            /* `generate false`: its alerts only feed the rules `from` it */
  uint32_t *alias_to, *alias_from; /* `alias to = from`: its alerts carry from's values as to (slots) */
  uint32_t n_alias;
  uint32_t source;       /* bnode of its log sources (HN_B_TRUE when none) */
  uint32_t cond;         /* bnode: where and not except ... (sources included); for an
                          * aggregation, which events enter its windows */
  uint32_t corr;         /* correlation rules: index into corrs; UINT32_MAX otherwise */
  int64_t suppress;      /* ns; 0: none (§10.11) */
  uint32_t *supp_keys;   /* slots of `suppress ... by` (none: the entities) */
  uint32_t n_supp_keys;
  uint32_t *from;        /* rules whose alerts are its input (§10.9); none: it reads events */
  uint32_t n_from;
} hn_rule;

/* ---- correlation (lang/SPEC.md §10.6-10.8) ----------------------------------------------- */
typedef enum hn_timepart { HN_TP_MINUTE, HN_TP_HOUR, HN_TP_DAY, HN_TP_WEEK, HN_TP_MONTH, HN_TP_YEAR } hn_timepart;

typedef enum hn_agg_kind {
  HN_AGG_COUNT, HN_AGG_COUNT_OF, HN_AGG_DISTINCT, HN_AGG_SUM, HN_AGG_AVG, HN_AGG_MIN, HN_AGG_MAX, HN_AGG_PERCENTILE
} hn_agg_kind;

/* One aggregate of a `having`: over the window's events, of a value (arg, a vexpr) or of a
 * condition (cond, a bnode: count(e) of a bool). */
typedef struct hn_agg {
  uint8_t kind, type;    /* hn_agg_kind; hn_ftype of the argument */
  uint32_t arg, cond;    /* UINT32_MAX when unused */
  double p;              /* percentile: which one, 0..100 */
} hn_agg;

/* `having` as a small tree over aggregates, constants and the group's key values. */
typedef enum hn_hop {
  HN_H_AND, HN_H_OR, HN_H_NOT,  /* a, b: hnodes */
  HN_H_CMP,                     /* cmp: hn_pop (EQ NE LT LE GT GE); a, b: hnodes */
  HN_H_ARITH,                   /* cmp: hn_vop (ADD SUB MUL DIV MOD NEG); a, b */
  HN_H_AGG,                     /* a: aggregate index */
  HN_H_CONST,                   /* a: const index */
  HN_H_EVENT,                   /* a: bnode over the group's key fields (a bare group-by path) */
  HN_H_VALUE,                   /* a: a vexpr without aggregates (scores: over the incident) */
  HN_H_COND                     /* a ? b : c: hnodes */
} hn_hop;

typedef struct hn_hnode {
  uint8_t op, cmp;
  uint32_t a, b, c;
} hn_hnode;

typedef enum hn_repeat { HN_REP_ONE, HN_REP_GE, HN_REP_EQ } hn_repeat;

typedef struct hn_step {
  const char *name;
  uint32_t cond;         /* bnode (dyn when it reads bindings) */
  bool negated;          /* `not s:` (absence: the last step) */
  uint8_t repeat_op;     /* hn_repeat: one event, or repeat >= / == N */
  uint32_t repeat;
} hn_step;

typedef struct hn_bind {
  uint32_t step, slot;   /* $step.path */
} hn_bind;

/* Bounds the correlation engine works within; the compiler reports a pack beyond them at its
 * place (lang/SPEC.md §18.4), so no program the compiler makes exceeds them. */
enum { HN_MAX_KEYS = 16 /* fields of a group by or a sequence's by */, HN_MAX_ENTITIES = 64 /* of a rule */ };

typedef struct hn_corr {
  uint32_t *keys;        /* slots: group by / sequence by */
  uint32_t n_keys;
  int64_t window;        /* ns: the window, or the sequence's within */
  bool tumbling;
  hn_agg *aggs;
  uint32_t n_aggs;
  hn_hnode *hn;          /* having: hn[having] is the root */
  uint32_t n_hn, having;
  hn_step *steps;
  uint32_t n_steps;
  uint32_t until;        /* bnode, UINT32_MAX when none */
  hn_bind *binds;
  uint32_t n_binds;
} hn_corr;

/* ---- inventories (lang/SPEC.md §14.1-14.2), read and checked by the compiler ------------- */
typedef struct hn_vuln {
  const char *id;
  uint8_t severity;      /* 1..5 */
  bool fixed;
} hn_vuln;

typedef struct hn_asset {
  const char *name, *business_unit, *owner, *role;
  const char **tags;
  uint32_t n_tags;
  hn_vuln *vulns;
  uint32_t n_vulns;
  uint8_t criticality;   /* 1..5, default 3 */
  bool managed;          /* default true */
} hn_asset;

/* An address of a host (prefix 32 or 128) or a range standing for it (cidr). */
typedef struct hn_asset_addr {
  uint8_t ip[16];        /* the network part only */
  uint8_t v6, prefix;
  bool cidr;
  uint32_t asset;
} hn_asset_addr;

/* A network of the organisation (`ranges`): addresses in it that no host claims are still the
 * organisation's, with a business unit and a managed flag (unknown assets are found there). */
typedef struct hn_range {
  uint8_t ip[16];
  uint8_t v6, prefix;
  bool managed;          /* default true */
  const char *business_unit;
} hn_range;

typedef struct hn_identity {
  const char *name, *business_unit, *department;
  bool privileged;
} hn_identity;

/* ---- incidents, scores, domains (lang/SPEC.md §11-12) ----------------------------------- */
/* A score: a formula over an incident, its aggregates over the incident's alerts; kept as an
 * hn_corr (aggs, hn, having) so that one evaluator serves `having` and scores. */
typedef struct hn_score {
  const char *name;
  uint32_t corr;
} hn_score;

typedef struct hn_domain {
  const char *name, *title;
  uint32_t when;         /* bnode over the incident, UINT32_MAX when none */
  uint32_t score;        /* index into scores, UINT32_MAX: the pack's `incident` score or severity */
  int32_t wip;           /* -1: no limit */
  bool is_default;
} hn_domain;

/* A service (§13): its domain owns its incidents; its workflow is the states (the first is
 * where incidents start, the last where they end), the edges a case may move along, the SLAs
 * (time from creation to first entering a state), the playbook steps per state and the case
 * fields required before the terminal state. SLAs and steps are the public view structs, so
 * the accessors (workflow.c) hand out the program's own tables. */
typedef struct hn_edge {
  uint32_t from, to;     /* state indices */
} hn_edge;

typedef struct hn_service {
  const char *name, *title, *description, *initial, *terminal;
  uint32_t domain;       /* index into domains, UINT32_MAX when it names none */
  const char **states;   /* states[0] is initial, states[n_states - 1] terminal */
  uint32_t n_states;
  uint32_t n_edges;
  hn_edge *edges;        /* the `states` chain first, then each `transition` as written */
  hn_sla_view *slas;
  uint32_t n_slas, n_steps;
  hn_step_view *steps;   /* in the order written */
  const char **require;
  uint32_t n_require;
} hn_service;

/* An exposure (§14.4): windows opened and closed by activity (open/close: bnodes over events,
 * on a field naming the asset) or held by a state of the asset (a bnode over the asset). */
typedef struct hn_exposure {
  const char *name, *title, *control;
  uint32_t open, close;  /* bnodes (sources included), UINT32_MAX for a state exposure */
  uint32_t open_on, close_on; /* slots */
  uint32_t state;        /* bnode over the asset, UINT32_MAX for an activity exposure */
  double weight;
} hn_exposure;

/* ---- controls and KPIs (lang/SPEC.md §9, §15) ------------------------------------------ */
/* A declared control: what a rule or an exposure names when its alerts reveal a gap. The
 * framework names and ids pair up (framework NAME ID, repeated). */
typedef struct hn_control {
  const char *name, *title, *description, *owner;
  const char **framework_names, **framework_ids;
  uint32_t n_frameworks;
} hn_control;

/* The rows a KPI aggregate reads (its argument's root). */
typedef enum hn_kpi_root {
  HN_KR_INCIDENT, HN_KR_ALERT, HN_KR_ASSET, HN_KR_TRANSITION, HN_KR_SLA, HN_KR_EXPOSURE, HN_KR_COUNT
} hn_kpi_root;

/* The dimensions of `by` (the table of §15 says each one's value for each kind of row). */
typedef enum hn_kpi_dim {
  HN_KD_DOMAIN, HN_KD_BUSINESS_UNIT, HN_KD_CONTROL, HN_KD_SERVICE, HN_KD_TECHNIQUE, HN_KD_TACTIC,
  HN_KD_SEVERITY, HN_KD_RULE, HN_KD_ASSET_ROLE, HN_KD_OWNER, HN_KD_STATE, HN_KD_ASSIGNEE,
  HN_KD_DISPOSITION, HN_KD_EXPOSURE, HN_KD_COUNT
} hn_kpi_dim;

/* Their names as the language writes them, NULL-terminated (runtime/kpi.c). */
extern const char *const hn_kpi_root_names[HN_KR_COUNT + 1];
extern const char *const hn_kpi_dim_names[HN_KD_COUNT + 1];

/* A factor of a KPI whose value is a product or quotient: its subtree (a node of the KPI's
 * hn_corr), +1 when it multiplies, -1 when it divides, its type and how it is written. */
typedef struct hn_kpi_factor {
  uint32_t node;
  int8_t sign;
  uint8_t type;                /* hn_ftype of its value (a duration is shown in seconds) */
  const char *text;
} hn_kpi_factor;

/* A KPI: its value is an hn_corr (aggregates, the tree over them at `having`), each aggregate
 * over the rows of roots[i]; `where` a bnode over the incident (UINT32_MAX: none). */
typedef struct hn_kpi {
  const char *name, *title, *description;
  const char *pack, *version;  /* the pack that declares it */
  const char *hash;            /* "sha256:..." of its definition (value, where, by, every, target) */
  const char *text;            /* the value as written, canonically */
  uint32_t corr;
  uint8_t *roots;              /* hn_kpi_root per aggregate of corrs[corr] */
  uint32_t n_roots;
  uint32_t where;
  uint8_t *dims;               /* hn_kpi_dim, in `by` order */
  uint32_t n_dims;
  int64_t every;               /* ns */
  uint8_t type;                /* hn_ftype of the value: HN_FT_INT, HN_FT_FLOAT or HN_FT_DURATION */
  uint8_t target_op;           /* hn_pop + 1 (EQ LT LE GT GE); 0: no target */
  uint32_t target;             /* const index */
  hn_kpi_factor *factors;      /* none unless the value is a product or quotient of two or more */
  uint32_t n_factors;
} hn_kpi;

/* ---- tests of the pack ----------------------------------------------------------------- */
typedef struct hn_test_expect {
  uint32_t rule;        /* index into rules */
  bool negated;
  int64_t count;        /* -1: at least once */
} hn_test_expect;

typedef struct hn_test {
  const char *name, *file;
  int line;
  const char **events;  /* JSON text of each event */
  uint32_t n_events;
  hn_test_expect *expects;
  uint32_t n_expects;
} hn_test;

/* Native code for the rule logic (compiler/jit.c): whether single-event rule r fires, given an
 * hn_eval begun on the event. */
typedef bool (*hn_native_fn)(void *eval, uint32_t rule);
/* Native code for a score (a having-style tree, hn_corr index corr) over computed aggregates;
 * NaN when the score is missing. */
typedef double (*hn_native_score_fn)(void *eval, uint32_t corr, const void *aggregates);
/* The contract between generated code and this runtime: hn_eval's memo fields, the helpers'
 * signatures (hn_rt_pred, hn_rt_hnode, called through the pointers the code exports) and the
 * entry points. Bump it when any of them changes: native code of another ABI is not loaded. */
#define HN_NATIVE_ABI 8

struct hn_program {
  hn_field_spec *fields;
  uint32_t n_fields;
  int32_t time_slot;    /* the event-time field, -1 when none */
  hn_const *consts;
  uint32_t n_consts;
  hn_vexpr *vexprs;
  uint32_t n_vexprs;
  hn_pred *preds;
  uint32_t n_preds;
  hn_bnode *bnodes;
  uint32_t n_bnodes;
  uint32_t *kids;
  uint32_t n_kids;
  hn_rule *rules;
  uint32_t n_rules;
  hn_corr *corrs;
  uint32_t n_corrs;
  int64_t lateness;     /* settings (§17): ns */
  int64_t suppress;     /* ns; 0: none */
  uint64_t memory;      /* bytes of correlation state */
  uint64_t max_keys;
  int64_t checkpoint;   /* ns of wall-clock time between checkpoints */
  int64_t max_skew;     /* ns an event may be ahead of the wall clock and move the watermark; 0: no bound */
  hn_test *tests;
  uint32_t n_tests;
  hn_asset *assets;     /* the merged asset inventories */
  uint32_t n_assets;
  hn_asset_addr *asset_addrs;
  uint32_t n_asset_addrs;
  hn_identity *identities;
  uint32_t n_identities;
  hn_range *ranges;
  uint32_t n_ranges;
  hn_score *scores;
  uint32_t n_scores;
  uint32_t incident_score; /* the score named `incident`, UINT32_MAX when none */
  hn_domain *domains;   /* in routing order */
  uint32_t n_domains;
  int64_t horizon;      /* ns (§11.1), default 24h */
  hn_exposure *exposures;
  uint32_t n_exposures;
  hn_service *services;
  uint32_t n_services;
  hn_control *controls; /* declared controls of every loaded pack */
  uint32_t n_controls;
  hn_kpi *kpis;         /* KPIs of every loaded pack: the root packs' first */
  uint32_t n_kpis;
  struct hn_inventory_index *inventory; /* lookups by address and name (assets.h) */
  hn_decoder *decoder;
  struct hn_prefilter *prefilter; /* multi-pattern scans and string sets (prefilter.h) */
  struct hn_index *index;         /* which rules an event can fire (index.h) */
  hn_native_fn native;           /* NULL: the interpreter runs the rules */
  const hn_native_fn *native_chunks; /* with native: rule r is native_chunks[r / native_chunk](e, r) */
  uint32_t native_chunk;
  hn_native_score_fn native_score; /* NULL: the interpreter computes the scores */
  void *native_owner;            /* what keeps the native code alive (owned) */
  void (*native_free)(void *);
  void *arena; /* everything above lives in it (owned) */
  bool no_prefilter;   /* set before hn_program_prepare: build no prefilter (--no-prefilter) */
  char warning[512];   /* what the user should know about how it runs ("" when nothing): the
                        * multi-pattern engine failed its self-test, so there is no prefilter;
                        * an image's native code cannot run here, so the interpreter does */
  void *image;         /* a program loaded from an image lives in this private mapping (owned) */
  size_t image_len;
  void *native_handle; /* the image's native code (dlopen handle), owned */
};
/* The built-in workflow of an incident without a service (§11.1): `new -> closed` (workflow.c). */
const hn_service *hn_service_builtin(void);

/* Finishes a program the compiler filled in: compiles regexes, creates the decoder. */
hn_status hn_program_prepare(hn_program *p, char *err, size_t errlen);
/* The same for a program read from an image: the prefilter's databases come from `patterns`
 * (the engine's serialisation, hn_prefilter_serialize) instead of being compiled; NULL: none. */
hn_status hn_program_prepare_loaded(hn_program *p, const void *patterns, size_t len, char *err, size_t errlen);
/* Whether every index of p names an element of its table (a program from outside). false with
 * err saying which does not. */
bool hn_program_validate(const hn_program *p, char *err, size_t errlen);
#endif
