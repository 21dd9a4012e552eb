/* hornet.h - the runtime's public C API (libhornet).
 * Must not depend on LLVM or on the compiler: collectors embed this library alone. */
#ifndef HORNET_HORNET_H
#define HORNET_HORNET_H

#include <stdbool.h>
#include <stddef.h>
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

/* ---- memory ------------------------------------------------------------------------------------
 * Every allocation of libhornet (and of the engines it drives: Hyperscan's databases and
 * scratch, PCRE2's compiled regexes and match data) goes through one allocator, libc's unless
 * set here. Call hn_set_allocator before any other call of the library, once: memory
 * allocated by one allocator must be freed by it. NULL restores libc's. Not thread-safe (it
 * is a process-wide setting). When it returns NULL the call in progress returns HN_ERR_NOMEM
 * and frees what it took; a session is then unusable (free it), a program is not changed. */
typedef struct hn_allocator {
  void *(*malloc)(void *ud, size_t n);          /* NULL when out of memory */
  void *(*realloc)(void *ud, void *p, size_t n); /* as realloc(3) */
  void (*free)(void *ud, void *p);               /* p never NULL */
  void *ud;
} hn_allocator;
HN_API void hn_set_allocator(const hn_allocator *a);

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

/* Loads a pack image written by `hornet build` (README: hornet build): the file is mapped, not
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

/* ---- values ----------------------------------------------------------------------------------
 * A value of an event's field, an alert's entity or key, as the runtime holds it. Strings are
 * UTF-8, `len` bytes, not NUL-terminated (they may hold NUL). Times are nanoseconds since
 * 1970-01-01T00:00:00Z. */
typedef enum hn_vkind {
  HN_V_NULL = 1, /* JSON null outside any array */
  HN_V_BOOL,     /* u.i: 1 or 0 */
  HN_V_INT,      /* u.i; also durations, in nanoseconds */
  HN_V_FLOAT,    /* u.f, finite */
  HN_V_STRING,   /* u.s, len bytes */
  HN_V_IP,       /* u.ip: 4 bytes (v6 == 0) or 16 bytes (v6 == 1); len is 4 or 16 */
  HN_V_TIME,     /* u.i: nanoseconds since the epoch */
  HN_V_BAD       /* present but not convertible to the field's declared type */
} hn_vkind;

typedef struct hn_value {
  uint8_t kind; /* hn_vkind */
  uint8_t v6;
  uint32_t len;
  union {
    int64_t i;
    double f;
    const char *s;
    uint8_t ip[16];
  } u;
} hn_value;

/* A named list of values: an entity, a key field, a matched field. */
typedef struct hn_field {
  const char *name;
  const hn_value *values;
  uint32_t n;
  bool array;                /* the event held a JSON array there (even of one value, or none) */
} hn_field;

/* A list of strings (an incident's rules, tags, hosts...). */
typedef struct hn_strings {
  const char *const *v;
  uint32_t n;
} hn_strings;

/* Where an event came from, for alerts and rejected lines: a source name (a file, "-", a
 * collector's channel) and the event's line and byte offset in it. May be all zero. */
typedef struct hn_origin {
  const char *source;
  uint64_t line, offset;
} hn_origin;

/* ---- sessions ----------------------------------------------------------------------------------
 * A session runs one stream of events through a program: decoding, matching, correlation,
 * incidents. Events go in one at a time (hn_session_push); what they cause comes out through
 * callbacks, as structs. A session is used by one thread at a time; any number of sessions may
 * share one program, each on its own thread.
 *
 * Ownership: every struct a callback receives, and every pointer in it, is the session's and
 * lives until the callback returns; copy what must outlive it. Callbacks must not call back into
 * the same session. Strings of the program (rule names, titles, tags) live as long as the
 * program. */

/* An alert (lang/SPEC.md §10). */
typedef struct hn_alert {
  uint64_t id;               /* 1, 2, 3... within the session's stream, carried on by checkpoints */
  uint32_t rule_index;       /* the rule's index in the program */
  const char *rule, *title, *rule_id, *control, *service, *status; /* NULL when not declared */
  int severity;              /* 1 info, 2 low, 3 medium, 4 high, 5 critical */
  const char *const *tags;
  uint32_t n_tags;
  bool timed;                /* false: the event had no time (single-event rules only) */
  int64_t time;              /* ns since the epoch */
  uint64_t count;            /* 1 + the alerts of the same rule and key suppressed since the last */
  const hn_field *entities;  /* the rule's entities that have a value */
  uint32_t n_entities;
  bool correlation;          /* an aggregation, sequence or absence: key and events are set */
  const hn_field *key;       /* the group or sequence key */
  uint32_t n_key;
  uint64_t events;           /* events in the window or the match */
  const hn_field *matched;   /* single-event rules: the fields of the conditions that held */
  uint32_t n_matched;
  hn_origin origin;          /* the event that raised it (the last one of a correlation) */
  bool quiet;                /* a `generate false` rule's alert: only with HN_SESSION_QUIET_ALERTS */
} hn_alert;

/* What happened to an incident (lang/SPEC.md §11-12). */
typedef enum hn_incident_change {
  HN_INCIDENT_CREATED, HN_INCIDENT_UPDATED, HN_INCIDENT_ROUTED, HN_INCIDENT_RESCORED, HN_INCIDENT_MERGED
} hn_incident_change;

typedef struct hn_incident {
  hn_incident_change change;
  const char *change_name;   /* "created", "updated", "routed", "rescored", "merged" */
  int64_t time;              /* event time of the change */
  const char *id;            /* "INC-000001" */
  const char *alert_rule;    /* the alert that caused the change, NULL for a re-route or re-score */
  uint64_t alert_id;         /* its hn_alert.id, 0 when none */
  const char *merged_from;   /* HN_INCIDENT_MERGED: the incident merged into this one */
  double score;
  uint32_t severity, n_alerts;
  int64_t first_seen, last_seen, age; /* age: ns from first_seen to the session's clock */
  const char *domain;        /* "unrouted" when no domain takes it */
  const char *asset, *service; /* NULL when none */
  const char *state;         /* its case's state (hn_session_set_case), else its service's initial
                              * state; "new" for an incident without a service */
  const char *why;           /* why it ranks where it does, in words */
  hn_strings rules, tags, tactics, techniques, controls, services, hosts, users, entities, business_units,
      asset_roles;
  /* its case (lang/SPEC.md §13), as hn_session_set_case last told it */
  const char *assignee;      /* NULL: none */
  int64_t sla_due;           /* the next SLA deadline, INT64_MAX when none is pending; an incident
                              * never told its case: detected_at + its service's nearest SLA */
  bool sla_breached;         /* an SLA was breached (the case says so, or the clock passed sla_due) */
  int64_t closed_at;         /* when it entered its terminal state, INT64_MIN while open */
} hn_incident;

/* A window of exposure opened or closed (lang/SPEC.md §14.4). */
typedef struct hn_exposure_change {
  bool opened;
  int64_t time;
  const char *exposure, *title, *control; /* the exposure's name, title and control (NULL: none) */
  const char *asset;         /* the inventoried asset, or NULL and unknown_value set */
  const char *unknown_value; /* a value no inventoried asset has (reported, scoring nothing) */
  double asset_exposure;     /* the asset's exposure after the change */
} hn_exposure_change;

/* A line or event the session set aside: it is not lost, it is handed over. */
typedef enum hn_reject_reason {
  HN_REJECT_MALFORMED, HN_REJECT_LATE, HN_REJECT_REGEX_LIMIT,
  HN_REJECT_AHEAD /* more than `max_skew` ahead of the clock, and no room to hold it */
} hn_reject_reason;

typedef struct hn_rejected {
  hn_reject_reason reason;
  const char *reason_name;   /* "malformed", "late", "regex-limit", "ahead" */
  const char *message;       /* why, in words */
  const char *rule;          /* HN_REJECT_REGEX_LIMIT: the rule (NULL: a score or exposure read it) */
  const char *text;          /* the event as pushed, len bytes */
  size_t len;
  hn_origin origin;
  bool held;                 /* HN_REJECT_AHEAD: not lost, only held back until the watermark
                              * reaches it (reported, nothing to redo); false: set aside */
} hn_rejected;

typedef struct hn_callbacks {
  void *ud;                  /* passed to each callback */
  void (*alert)(void *ud, const hn_alert *a);
  void (*incident)(void *ud, const hn_incident *i);
  void (*exposure)(void *ud, const hn_exposure_change *x);
  void (*rejected)(void *ud, const hn_rejected *r);
} hn_callbacks;

/* Which code runs the rules: the native code when the program has it (the default), or the
 * reference interpreter. */
enum { HN_ENGINE_AUTO = 0, HN_ENGINE_INTERP = 1 };
/* Session flags. */
enum {
  HN_SESSION_INCIDENTS = 1,    /* cluster alerts into incidents, route and score them */
  HN_SESSION_QUIET_ALERTS = 2, /* also deliver the alerts of `generate false` rules (tests) */
  HN_SESSION_NO_MATCHED = 4    /* leave hn_alert.matched empty (saves evaluating every condition) */
};

typedef struct hn_session_options {
  int engine;                /* HN_ENGINE_AUTO or HN_ENGINE_INTERP */
  unsigned flags;            /* HN_SESSION_* */
} hn_session_options;

typedef struct hn_session hn_session;

/* Counts of what a session did; see the fields. */
typedef struct hn_stats {
  uint64_t events, bytes, alerts, malformed;
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
                              * lang/SPEC.md §6.8 (each also a rejected event) */
} hn_stats;

/* A new session over p (which must outlive it). o and cb may be NULL (defaults; no callback).
 * Thread-safe (p is only read). HN_OK, HN_ERR_NOMEM. */
HN_API hn_status hn_session_new(const hn_program *p, const hn_session_options *o, const hn_callbacks *cb,
                                hn_session **out);
/* Frees the session and everything it holds; accepts NULL. */
HN_API void hn_session_free(hn_session *s);
/* Pushes one event (a JSON object, len bytes, no trailing newline needed) from `at` (may be
 * NULL). Its alerts, incident changes and rejections are delivered before it returns, except
 * what correlation holds back until the watermark passes it (lateness, windows, absences).
 * HN_OK; HN_ERR_SYNTAX when the event is malformed (it went to the rejected callback and the
 * session goes on); HN_ERR_NOMEM (the session is unusable: free it). */
HN_API hn_status hn_session_push(hn_session *s, const char *event, size_t len, const hn_origin *at);
/* Moves the watermark to t (ns since the epoch) when t is ahead of it: held events up to t are
 * processed, windows and absence deadlines before t fire. For a quiet stream: time passes
 * without events. HN_OK, HN_ERR_NOMEM. */
HN_API hn_status hn_session_advance(hn_session *s, int64_t t);
/* The stream has ended: every held event is processed, every window and absence closes.
 * HN_OK, HN_ERR_NOMEM. The session may go on receiving events afterwards (a new stream). */
HN_API hn_status hn_session_flush(hn_session *s);
/* Writes the session's state (correlation windows, partial matches, held events, incidents,
 * counts, the alert sequence) through write(ud, bytes, n), which returns 0 on success.
 * HN_OK; HN_ERR_IO when write failed. The bytes are this version's own format, checksummed. */
typedef int (*hn_write_fn)(void *ud, const void *bytes, size_t n);
HN_API hn_status hn_session_checkpoint(hn_session *s, hn_write_fn write, void *ud);
/* Restores a state written by hn_session_checkpoint into a fresh session over the same (or a
 * newer, compatible) program. source (may be NULL) names the stream the session resumes, for
 * the alerts of what the state held back (it must outlive the session). HN_OK; HN_ERR_SYNTAX
 * when the state is damaged, truncated or from another program or version (hn_session_error
 * says why); HN_ERR_NOMEM. */
HN_API hn_status hn_session_restore(hn_session *s, const void *data, size_t len, const char *source);
/* The message of the session's last error, "" when none. */
HN_API const char *hn_session_error(const hn_session *s);
/* The counts so far. */
HN_API void hn_session_stats(const hn_session *s, hn_stats *out);
/* The event time the session has reached (its watermark), INT64_MIN before any timed event. */
HN_API int64_t hn_session_watermark(const hn_session *s);

/* The queue (lang/SPEC.md §12): each domain, then its open incidents highest priority first,
 * then the remediation queue (exposed and vulnerable assets). Needs HN_SESSION_INCIDENTS. */
typedef struct hn_queue_domain {
  const char *name, *title;
  int32_t wip;               /* -1: no limit */
  uint32_t open;             /* its open incidents (neither merged nor in a terminal state) */
  uint32_t working;          /* of those, in working states (the WIP limit counts them, §12) */
} hn_queue_domain;

typedef struct hn_remediation {
  const char *asset;
  double priority, exposure;
  uint32_t criticality;
} hn_remediation;

typedef struct hn_queue_visitor {
  void *ud;
  void (*domain)(void *ud, const hn_queue_domain *d);
  void (*incident)(void *ud, const hn_incident *i); /* change is HN_INCIDENT_UPDATED */
  void (*remediation)(void *ud, const hn_remediation *r, uint32_t rank, uint32_t of);
} hn_queue_visitor;
HN_API hn_status hn_session_queue(hn_session *s, const hn_queue_visitor *v);

/* ---- explaining a decision ----------------------------------------------------------------------
 * hn_session_explain evaluates one event against a rule (or every rule) and hands over what it
 * found, in order: for each rule a RULE item (whether it fires, or for an aggregation whether
 * the event enters its windows), for a sequence a STEP item per step (whether the event alone
 * meets it), then the NODEs of each condition tree, depth first, every node evaluated; a NOTE
 * at the end when regex matches reached their limits. */
typedef enum hn_explain_kind { HN_EXPLAIN_RULE, HN_EXPLAIN_STEP, HN_EXPLAIN_NODE, HN_EXPLAIN_NOTE } hn_explain_kind;

typedef struct hn_explain_item {
  hn_explain_kind kind;
  uint32_t rule_index;
  const char *rule;
  const char *rule_kind;     /* "single", "aggregation", "sequence", "absence", "over-alerts" */
  const char *step;          /* STEP: its name */
  bool negated;              /* STEP: a `not` step */
  bool holds;                /* RULE: fires (single) / the event enters its windows (aggregation);
                              * STEP: the event meets it */
  int depth;                 /* NODE: 0 for a tree's root */
  const char *op;            /* NODE: "all of", "any of", "not", "true", "false" or "predicate" */
  const char *text;          /* NODE: a predicate as written in the language (session scratch) */
  int value;                 /* NODE: 1 true, 0 false, -1 not evaluated */
  uint32_t undecided;        /* NOTE: regex matches that reached the limits (lang/SPEC.md §6.8) */
} hn_explain_item;
typedef void (*hn_explain_fn)(void *ud, const hn_explain_item *it);
/* rule: a rule's name, or NULL for every rule. HN_OK; HN_ERR_SYNTAX for a malformed event
 * (hn_session_error says why); HN_ERR_NOT_FOUND for an unknown rule; HN_ERR_NOMEM. The
 * session's correlation state is not touched. */
HN_API hn_status hn_session_explain(hn_session *s, const char *event, size_t len, const char *rule, hn_explain_fn fn,
                                    void *ud);

/* ---- what a program declares ------------------------------------------------------------------ */
HN_API uint32_t hn_program_rule_count(const hn_program *p);
/* The pack's `checkpoint` setting (lang/SPEC.md §17): ns of wall-clock time between checkpoints. */
HN_API int64_t hn_program_checkpoint_interval(const hn_program *p);
/* Rule i's name (the program's string), NULL when out of range. */
HN_API const char *hn_program_rule_name(const hn_program *p, uint32_t i);
/* The rule named, or UINT32_MAX. */
HN_API uint32_t hn_program_rule_find(const hn_program *p, const char *name);

/* A rule as declared (lang/SPEC.md §10.2): its strings are the program's. */
typedef struct hn_rule_view {
  const char *name, *title, *id, *control, *service, *status; /* NULL when not declared */
  int severity;              /* 1 info .. 5 critical */
  const char *const *tags;
  uint32_t n_tags;
  const char *kind;          /* "single", "aggregation", "sequence", "absence", "over-alerts" */
  bool quiet;                /* `generate false` */
} hn_rule_view;
/* Fills *out with rule i. HN_OK, HN_ERR_NOT_FOUND when out of range. */
HN_API hn_status hn_program_rule(const hn_program *p, uint32_t i, hn_rule_view *out);

/* The inventories (lang/SPEC.md §14.1-14.2) as loaded, for a store that keeps a snapshot of
 * them beside its incidents (the KPIs' denominators). Strings are the program's, NULL when
 * the inventory gives none. */
typedef struct hn_asset_view {
  const char *name, *business_unit, *owner, *role;
  const char *const *tags;
  uint32_t n_tags;
  uint32_t criticality;      /* 1..5 */
  bool managed;
  uint32_t vulnerabilities, open_vulnerabilities; /* listed; of those, not fixed */
} hn_asset_view;
typedef struct hn_identity_view {
  const char *name, *business_unit, *department;
  bool privileged;
} hn_identity_view;
HN_API uint32_t hn_program_asset_count(const hn_program *p);
/* HN_OK, HN_ERR_NOT_FOUND when out of range. */
HN_API hn_status hn_program_asset(const hn_program *p, uint32_t i, hn_asset_view *out);
HN_API uint32_t hn_program_identity_count(const hn_program *p);
HN_API hn_status hn_program_identity(const hn_program *p, uint32_t i, hn_identity_view *out);
/* A fingerprint of what the program's state depends on (fields, rules, settings, inventories,
 * domains, exposures): checkpoints written by one program restore into another of the same
 * fingerprint. */
HN_API uint64_t hn_program_fingerprint(const hn_program *p);

/* The pack's test blocks (lang/SPEC.md §16), for a test runner. */
typedef struct hn_test_expect_view {
  uint32_t rule_index;
  const char *rule;
  bool negated;              /* `expect not RULE` */
  int64_t count;             /* -1: at least once; else exactly */
} hn_test_expect_view;

typedef struct hn_test_view {
  const char *name, *file;
  int line;
  const char *const *events; /* the events' JSON text, NUL-terminated (the program's) */
  uint32_t n_events;
  uint32_t n_expects;        /* hn_program_test_expect */
} hn_test_view;
HN_API uint32_t hn_program_test_count(const hn_program *p);
/* Fills *out with test i. HN_OK, HN_ERR_NOT_FOUND when out of range. */
HN_API hn_status hn_program_test(const hn_program *p, uint32_t i, hn_test_view *out);
/* Fills *out with expectation k of test i. HN_OK, HN_ERR_NOT_FOUND when out of range. */
HN_API hn_status hn_program_test_expect(const hn_program *p, uint32_t i, uint32_t k, hn_test_expect_view *out);

/* ---- services, domains and the workflow of cases (lang/SPEC.md §12-13) ------------------------
 * The program declares each service's workflow; the case store (a client) keeps each incident's
 * case: its state, assignee, case fields, playbook steps and SLA clocks, and tells the session
 * (hn_session_set_case) so that scores and domain conditions read them (incident.state,
 * incident.assignee, incident.sla_breached, incident.sla_due, incident.closed_at,
 * incident.case.FIELD). All strings are the program's and live as long as it. */
typedef struct hn_sla_view {
  uint32_t state;            /* index into the service's states */
  int64_t within;            /* ns after detected_at */
} hn_sla_view;

typedef struct hn_step_view {
  uint32_t state;            /* index into the service's states */
  const char *text;
} hn_step_view;

typedef struct hn_service_view {
  const char *name, *title, *description;
  uint32_t domain;           /* index into the domains, UINT32_MAX when it names none */
  const char *const *states; /* states[0] initial, states[n_states - 1] terminal */
  uint32_t n_states;
  const uint32_t *edges;     /* n_edges pairs (from, to) of state indices, `states` order first */
  uint32_t n_edges;
  const hn_sla_view *slas;
  uint32_t n_slas;
  const hn_step_view *steps; /* in the order written, per state */
  uint32_t n_steps;
  const char *const *require; /* case fields that must be set before the terminal state */
  uint32_t n_require;
} hn_service_view;

typedef struct hn_domain_view {
  const char *name, *title;
  int32_t wip;               /* -1: no limit */
  bool is_default;
} hn_domain_view;

HN_API uint32_t hn_program_service_count(const hn_program *p);
/* HN_OK, HN_ERR_NOT_FOUND when out of range. */
HN_API hn_status hn_program_service(const hn_program *p, uint32_t i, hn_service_view *out);
/* The service named, or UINT32_MAX. */
HN_API uint32_t hn_program_service_find(const hn_program *p, const char *name);
HN_API uint32_t hn_program_domain_count(const hn_program *p);
HN_API hn_status hn_program_domain(const hn_program *p, uint32_t i, hn_domain_view *out);
/* The domain named (an incident's hn_incident.domain), or UINT32_MAX ("unrouted", or a name the
 * program does not declare). */
HN_API uint32_t hn_program_domain_find(const hn_program *p, const char *name);

/* Why a move of a case would be refused (the workflow's rules, lang/SPEC.md §12-13), or HN_OK:
 * HN_ERR_SEMANTIC with why filled: an undeclared edge, a WIP limit reached (wip_used: the
 * domain's incidents in working states now, not counting this one), a required field unset
 * (is_set(ud, field) says whether the case has a non-empty value). from/to are state names. */
HN_API hn_status hn_workflow_check(const hn_program *p, uint32_t service, const char *from, const char *to,
                                   uint32_t wip_used, bool (*is_set)(void *ud, const char *field), void *ud, char *why,
                                   size_t whylen);
/* The limit is the WIP of the service's own domain (none when it names none). service may be
 * UINT32_MAX: an incident without a service follows the built-in workflow `new -> closed`
 * (§11.1). HN_ERR_NOT_FOUND (why filled) for a service index out of range.
 * hn_workflow_check_in is the same for an incident routed to `domain` (an index; UINT32_MAX:
 * unrouted, no limit), for services that name no domain (their incidents go where the domains'
 * conditions send them, §12); HN_ERR_NOT_FOUND also for a domain out of range. */
HN_API hn_status hn_workflow_check_in(const hn_program *p, uint32_t service, uint32_t domain, const char *from,
                                      const char *to, uint32_t wip_used, bool (*is_set)(void *ud, const char *field),
                                      void *ud, char *why, size_t whylen);

/* The case of an incident as the store knows it. fields: the case fields set (name, value). */
typedef struct hn_case_view {
  const char *state;         /* a state of the incident's service (NULL: leave it) */
  const char *assignee;      /* NULL: none */
  bool sla_breached;         /* an SLA of the incident was breached */
  int64_t sla_due;           /* the next SLA deadline, INT64_MAX when none is pending */
  int64_t closed_at;         /* when it entered the terminal state, INT64_MIN while open */
  const hn_field *fields;
  uint32_t n_fields;
} hn_case_view;

/* Tells the session an incident's case (copied): the incident is routed and scored again (a
 * record when that changes it), and one in its service's terminal state takes no new alert.
 * HN_OK; HN_ERR_NOT_FOUND for an incident the session does not hold; HN_ERR_NOMEM. */
HN_API hn_status hn_session_set_case(hn_session *s, const char *incident_id, const hn_case_view *c);
/* (Also HN_ERR_USAGE, hn_session_error saying why, for a state the incident's workflow does not
 * have, or a session that keeps no incidents. Fields without a value are left out; a value
 * that is not a string is kept as its text. A case in the terminal state without closed_at is
 * closed at the session's clock.) */

/* ---- controls (lang/SPEC.md §9) -----------------------------------------------------------------
 * The declared controls of every loaded pack, with their framework safeguards and owners. Strings
 * are the program's and live as long as it. */
typedef struct hn_control_view {
  const char *name, *title, *description, *owner; /* NULL when not declared */
  const char *const *framework_names, *const *framework_ids; /* pairs: `framework NAME ID` */
  uint32_t n_frameworks;
  uint32_t rules, exposures;   /* how many rules and exposures name it: none means no failure of it
                                * would ever be seen */
} hn_control_view;
HN_API uint32_t hn_program_control_count(const hn_program *p);
/* HN_OK, HN_ERR_NOT_FOUND when out of range. */
HN_API hn_status hn_program_control(const hn_program *p, uint32_t i, hn_control_view *out);
/* The control named, or UINT32_MAX. */
HN_API uint32_t hn_program_control_find(const hn_program *p, const char *name);

/* ---- KPIs (lang/SPEC.md §15) ----------------------------------------------------------------------
 * A KPI is computed over facts: what a case store holds about incidents, their alerts, state
 * transitions and SLA events, and the windows of exposure; the assets are the program's
 * inventory. The engine reads the facts and hands each cell (a KPI, a period, one value per
 * dimension) to a callback, with its target status, its change against the previous period and,
 * for a product or quotient, that change attributed to its factors. Nothing here reads a file
 * or a database: a store turns its rows into these structs (hornetaux.h reads them from JSON
 * Lines). Ownership: the facts are the caller's and only read; what a callback receives lives
 * until it returns. Times are ns since the epoch; HN_TIME_NONE stands for "none". */
#define HN_TIME_NONE INT64_MIN

typedef struct hn_fact_field {
  const char *name, *value;
} hn_fact_field;

typedef struct hn_fact_time {
  const char *name;
  int64_t at;
} hn_fact_time;

/* An incident as the store has it (hn_incident's fields and its case). */
typedef struct hn_fact_incident {
  const char *id;              /* "INC-000001": alerts, transitions and SLA events name it */
  int64_t detected_at, first_seen, last_seen;
  int64_t closed_at;           /* HN_TIME_NONE while open */
  int64_t sla_due;             /* the next SLA deadline, HN_TIME_NONE when none is pending */
  bool sla_breached, exposed;
  uint32_t severity, alert_count;
  const char *state, *assignee, *domain, *service, *asset; /* NULL when none */
  hn_strings rules, tags, tactics, techniques, controls, services, hosts, users, entities, business_units,
      asset_roles;
  const hn_fact_field *case_fields; /* incident.case.NAME */
  uint32_t n_case_fields;
  const hn_fact_time *entered; /* when it first entered each state; states left out are taken
                                * from its transitions, its service's initial state from
                                * detected_at (incident.entered.STATE) */
  uint32_t n_entered;
} hn_fact_incident;

/* An alert of an incident. NULL or empty title, tags, control, service: the program's rule's. */
typedef struct hn_fact_alert {
  uint64_t id;
  const char *incident;
  const char *rule, *title, *control, *service;
  uint32_t severity;           /* 0: the rule's */
  int64_t time;                /* HN_TIME_NONE: untimed (the incident's detected_at counts) */
  uint64_t count;              /* 1 + suppressed repeats (0 reads as 1) */
  hn_strings tags, tactics, techniques, entities; /* tactics, techniques: from the tags when empty */
} hn_fact_alert;

/* A change of an incident's state: by an analyst (kind "analyst") or the stream ("stream"). */
typedef struct hn_fact_transition {
  const char *incident, *from, *to, *actor, *kind;
  int64_t at;
} hn_fact_transition;

/* An SLA decided (lang/SPEC.md §13): met when the state was entered by `due`, else breached at `due`. */
typedef struct hn_fact_sla {
  const char *incident, *service, *state; /* service NULL: the incident's */
  int64_t due, at;             /* at HN_TIME_NONE: due */
  bool met;
} hn_fact_sla;

/* A window of exposure (lang/SPEC.md §14.4): on an inventoried asset, or a value no asset has. */
typedef struct hn_fact_exposure {
  const char *exposure, *asset, *value, *control; /* control NULL: the exposure's */
  int64_t opened, closed;      /* closed HN_TIME_NONE while open */
} hn_fact_exposure;

typedef struct hn_kpi_facts {
  const hn_fact_incident *incidents;
  uint32_t n_incidents;
  const hn_fact_alert *alerts;
  uint32_t n_alerts;
  const hn_fact_transition *transitions;
  uint32_t n_transitions;
  const hn_fact_sla *slas;
  uint32_t n_slas;
  const hn_fact_exposure *exposures;
  uint32_t n_exposures;
  int64_t now;                 /* when the facts were taken (`now`, open windows' length);
                                * HN_TIME_NONE: the latest time in them */
} hn_kpi_facts;

/* A KPI as declared. A KPI has at most this many dimensions (each once). */
#define HN_KPI_MAX_DIMS 16
typedef struct hn_kpi_view {
  const char *name, *title, *description; /* title, description NULL when not given */
  const char *pack, *version;  /* the pack that declares it (pack NULL: the unnamed root pack) */
  const char *hash;            /* "sha256:...": of its definition (value, where, by, every, target
                                * and the lists they use), so that two teams comparing numbers
                                * know whether they computed the same thing */
  const char *value;           /* the value as written, canonically */
  const char *type;            /* "int", "float" or "duration" (ns) */
  const char *by[HN_KPI_MAX_DIMS]; /* its dimensions */
  uint32_t n_by;
  int64_t every;               /* ns */
  const char *target_op;       /* "<", "<=", ">", ">=", "==", "!=", or NULL without a target */
  hn_value target;             /* HN_V_INT (durations in ns) or HN_V_FLOAT */
  uint32_t n_factors;          /* of a product or quotient (attribution), else 0 */
} hn_kpi_view;
HN_API uint32_t hn_program_kpi_count(const hn_program *p);
/* HN_OK, HN_ERR_NOT_FOUND when out of range. */
HN_API hn_status hn_program_kpi(const hn_program *p, uint32_t i, hn_kpi_view *out);
/* The KPI named (the first, the root packs' before imported ones), or UINT32_MAX. */
HN_API uint32_t hn_program_kpi_find(const hn_program *p, const char *name);
/* The dimensions a KPI may be cut by ("domain", "business_unit", ...), NULL-terminated. */
HN_API const char *const *hn_kpi_dimensions(void);

/* What to compute. Zero is the default everywhere. */
typedef struct hn_kpi_query {
  const char *kpi;             /* one KPI by name (NULL: every one) */
  int64_t from, to;            /* the periods that end after `from` and start before `to`
                                * (HN_TIME_NONE or 0: from the facts' first period, to their last) */
  int64_t every;               /* a period length instead of each KPI's `every` (0: its own) */
  const char *const *by;       /* dimensions instead of each KPI's `by` (NULL: its own) */
  uint32_t n_by;
} hn_kpi_query;

/* A factor of a product or quotient: its value in the cell now and in the previous period. */
typedef struct hn_kpi_factor_view {
  const char *text;            /* as written: "count(incident)" */
  int sign;                    /* +1 multiplies, -1 divides */
  bool has_value, has_previous;
  double value, previous;
  double change;               /* value / previous - 1 (NaN when previous is not positive) */
  double contribution;         /* sign * (ln value - ln previous): the factors' contributions add up
                                * to the KPI's change of ln value (NaN unless both are positive) */
} hn_kpi_factor_view;

typedef struct hn_kpi_cell {
  uint32_t kpi;                /* index (hn_program_kpi) */
  const hn_kpi_view *view;
  int64_t start, end;          /* the period [start, end) */
  const char *const *dims;     /* the dimensions' names */
  const char *const *values;   /* the cell's value of each: "(none)" for rows that have none */
  uint32_t n_dims;
  bool has_value;              /* false: undefined here (an average of no rows, a division by zero) */
  hn_value value;              /* HN_V_INT (durations in ns) or HN_V_FLOAT */
  double number;               /* the value as a double (durations in seconds) */
  int target_met;              /* 1 met, 0 missed, -1 no target or no value */
  bool has_previous;           /* the previous period's value of the same cell */
  double previous;             /* as `number` */
  double change;               /* number / previous - 1 (NaN when previous is 0) */
  double log_change;           /* ln number - ln previous (NaN unless both are positive) */
  bool attributed;             /* every factor positive in both periods: the contributions add up */
  const hn_kpi_factor_view *factors;
  uint32_t n_factors;
} hn_kpi_cell;
typedef void (*hn_kpi_fn)(void *ud, const hn_kpi_cell *c);

/* Computes the KPIs of p over f as q asks (q may be NULL) and hands every cell to fn: KPI by
 * KPI (program order), period by period, cells in order of their values. Every cell seen in
 * any period of the range is given in every period (zero incidents is a value). HN_OK;
 * HN_ERR_NOT_FOUND for an unknown KPI, HN_ERR_USAGE for an unknown dimension or an empty range
 * (err says which); HN_ERR_NOMEM. Thread-safe (the program and the facts are only read). */
HN_API hn_status hn_kpi_compute(const hn_program *p, const hn_kpi_facts *f, const hn_kpi_query *q, hn_kpi_fn fn,
                                void *ud, char *err, size_t errlen);

/* The gap analysis (lang/SPEC.md §9, §15): controls ranked by the incidents that name them in
 * the range (then by exposure windows, then name), each with its framework ids, its owner and
 * its trend (incidents in the last period of the range and in the one before; q->every sets
 * the period, 1w by default). Declared controls no incident names follow, with zero. */
typedef struct hn_gap {
  uint32_t rank;               /* 1, 2, ... */
  const char *control;
  const hn_control_view *view; /* NULL: named by a rule or an incident but not declared */
  uint64_t incidents, exposures; /* in the range: incidents naming it, windows of exposures naming it */
  uint64_t current, previous;  /* incidents in the last period and in the one before */
  int64_t period_start, period_end; /* the last period */
  double change;               /* current / previous - 1 (NaN when previous is 0) */
} hn_gap;
typedef void (*hn_gap_fn)(void *ud, const hn_gap *g);
/* HN_OK, HN_ERR_USAGE (a bad range), HN_ERR_NOMEM. */
HN_API hn_status hn_kpi_gaps(const hn_program *p, const hn_kpi_facts *f, const hn_kpi_query *q, hn_gap_fn fn, void *ud,
                             char *err, size_t errlen);
/* The start of the period of length `every` that holds t (lang/SPEC.md §15): 1d from 00:00 UTC,
 * 1w from Monday 00:00 UTC, other lengths aligned to the Unix epoch. */
HN_API int64_t hn_kpi_period_start(int64_t t, int64_t every);

#ifdef __cplusplus
}
#endif
#endif
