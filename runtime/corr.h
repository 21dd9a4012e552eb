/* corr.h - the correlation engine: aggregation windows, sequences and absences on event time,
 * with lateness and the watermark (lang/SPEC.md §10.6-10.8, §10.12), and the suppression of
 * every rule's alerts (§10.11). State is per rule and key, bounded by the pack's `memory` and
 * `max_keys` settings: past them the least recently updated keys are evicted (counted).
 *
 * The runner matches single-event rules itself, then hands each event here; alerts of every
 * kind leave through one callback, after suppression, in a deterministic order.
 * Depends on the interpreter (interp.h) and the decoder. */
#ifndef HN_CORR_H
#define HN_CORR_H
#include <stdio.h>
#include <string.h>
#include "ckpt.h"
#include "interp.h"

/* What a rule's tag names in ATT&CK (§10.3; tags are normalised by the compiler): 't' a
 * technique (attack.t1059.001), 'a' a tactic (attack.credential-access: a name, no digits), 0
 * anything else: not attack., or another id (group attack.g0032, software attack.s0002, tactic
 * id attack.ta0006, mitigation...), which is neither. */
static inline char hn_attack_tag(const char *tag, const char **id) {
  if (strncmp(tag, "attack.", 7) != 0) return 0;
  const char *v = *id = tag + 7;
  if (v[0] == 't' && v[1] >= '0' && v[1] <= '9') return 't';
  return strpbrk(v, "0123456789") ? 0 : 'a';
}

/* Owned copies of values (strings included), for what outlives the event. */
typedef struct hn_vals {
  hn_value *v;
  uint32_t n, cap;
} hn_vals;

/* An alert on its way out. */
typedef struct hn_calert {
  uint32_t rule;
  int64_t time;          /* ns since the epoch */
  bool timed;            /* false: the event had no time (single-event rules only) */
  hn_eval *e;            /* begun on ev: its fields and what matched; NULL when there is no event */
  const hn_event *ev;
  const uint32_t *ent_slots; /* correlations: the entity values (ev's fields otherwise) */
  const hn_vals *ent_vals;
  uint32_t n_ent;
  const uint32_t *key_slots; /* correlations: the group or sequence key */
  const hn_vals *key_vals;
  uint32_t n_keys;
  const char *file;      /* the input position of the event that fired it (the last one) */
  uint64_t line, offset;
  uint64_t count;        /* 1 + the alerts of the same rule and key suppressed since the last */
  uint64_t events;       /* correlations: events in the window or the match */
} hn_calert;

typedef void (*hn_emit_fn)(void *ud, const hn_calert *a);

typedef struct hn_corr_stats {
  uint64_t late;         /* events below the watermark: not added to correlation state */
  uint64_t ahead;        /* events more than max_skew ahead of the clock: held, the watermark kept */
  uint64_t dropped;      /* of those, dropped: the held events had reached half of `memory` */
  uint64_t released;     /* held events released before their lateness was up, for `memory` */
  uint64_t untimed;      /* events without a time, where correlation rules needed one */
  uint64_t no_key;       /* events a correlation left out for a missing key value */
  uint64_t evicted;      /* keys evicted by the memory or max_keys bound */
  uint64_t suppressed;   /* alerts suppressed */
  uint64_t keys, peak_keys;  /* live keys */
  uint64_t bytes, peak_bytes; /* an estimate of the state's memory: keys and held events */
  uint64_t held_bytes;   /* held events' part of it */
} hn_corr_stats;

typedef struct hn_corr_engine hn_corr_engine;

hn_corr_engine *hn_corr_create(const hn_program *p, hn_emit_fn emit, void *ud);
void hn_corr_destroy(hn_corr_engine *c);
const hn_corr_stats *hn_corr_stats_of(const hn_corr_engine *c);

/* A single-event alert: suppression, then the callback. */
void hn_corr_alert(hn_corr_engine *c, hn_calert *a);

/* What hn_corr_event did with an event. */
enum { HN_CORR_TAKEN = 0, HN_CORR_LATE = 1, HN_CORR_AHEAD = 2, HN_CORR_DROPPED = 3 };

/* The correlation side of the current event (e begun on ev, single-event rules matched).
 * line/len is the event's text, kept when lateness holds it back. Returns HN_CORR_LATE when
 * the event was below the watermark (kept out of correlation), HN_CORR_AHEAD when it was more
 * than `max_skew` ahead of the clock (held, the watermark not moved), HN_CORR_DROPPED when it
 * was ahead and there was no room to hold it, HN_CORR_TAKEN otherwise, -1 when out of memory. */
int hn_corr_event(hn_corr_engine *c, hn_eval *e, const hn_event *ev, const char *line, size_t len,
                  const char *file, uint64_t lineno, uint64_t offset);

/* The input ended: releases held events, then the watermark passes every window end and
 * absence deadline. e is used for held events. */
hn_status hn_corr_finish(hn_corr_engine *c, hn_eval *e);
/* Time passes without events: the watermark moves to w (when ahead), held events up to it are
 * processed and deadlines before it fire. */
hn_status hn_corr_advance(hn_corr_engine *c, hn_eval *e, int64_t w);
int64_t hn_corr_watermark(const hn_corr_engine *c);

/* Whether event time t is more than the `max_skew` setting ahead of the wall clock (§10.12).
 * *wall caches the clock (0 before the first reading): it is read again only when t seems
 * ahead of it. */
bool hn_time_ahead(const hn_program *p, int64_t *wall, int64_t t);

/* Checkpoints. hn_corr_save writes the engine's state (windows, partial matches,
 * suppression records, deadlines, held events, the clock) to w: HN_OK, HN_ERR_IO,
 * HN_ERR_NOMEM. hn_corr_load reads it into a fresh engine of the same or a newer version of
 * the pack: rules are found again by name and fingerprint; suppression records of changed
 * rules are dropped (reported to diag); the correlation state of a changed rule, or a state
 * naming none of the pack's rules, refuses the load (HN_ERR_SYNTAX, err says why); anything
 * malformed stops the reader (HN_ERR_SYNTAX, r->err says what). `file` names the input for
 * alerts of the restored held events. */
hn_status hn_corr_save(const hn_corr_engine *c, hn_ckw *w);
hn_status hn_corr_load(hn_corr_engine *c, hn_ckr *r, const char *file, FILE *diag, char *err, size_t errlen);
/* A hash of everything a checkpoint's meaning depends on: fields, rules (logic and metadata),
 * scores, domains, services, exposures, inventories, settings. */
uint64_t hn_program_hash(const hn_program *p);

/* An alert as an event of its own (lang/SPEC.md §10.13): the fields it carries and alert.*,
 * owned (hn_alert_event_free). aslot from hn_alert_slots. Used for rules over alerts and for
 * incidents' aggregates. */
void hn_alert_slots(const hn_program *p, uint32_t aslot[11]);
bool hn_alert_event(const hn_program *p, const uint32_t aslot[11], const hn_calert *a, hn_event *ev);
void hn_alert_event_free(hn_event *ev);
/* The entity kind of a field (§10.10): "host", "user", "ip" or the path itself. */
const char *hn_entity_kind(const hn_program *p, uint32_t slot);
/* A score (or any having-style tree C) over an incident: its aggregates over the alert events,
 * the rest over the incident event, by the native code when `native` and the program has it.
 * HN_V_NULL when undefined. */
hn_value hn_score_eval(hn_eval *e, const hn_corr *C, const hn_event *incident, const hn_event *const *alerts, uint32_t n,
                       bool native);

/* KPIs (kpi.c): aggregate `agg` of C over n rows, row i laid out by begin(ud, i, e), which
 * begins e on it (false: skip the row). *out is a number, or HN_V_NULL when undefined (avg of
 * nothing). false when out of memory. */
typedef bool (*hn_row_fn)(void *ud, uint32_t i, hn_eval *e);
bool hn_agg_over(hn_eval *e, const hn_corr *C, uint32_t agg, uint32_t n, hn_row_fn begin, void *ud, hn_value *out);
/* Node h of C's `having` tree over computed aggregates (no event: H_VALUE and H_EVENT nodes
 * are missing and false). */
hn_value hn_having_value(hn_eval *e, const hn_corr *C, uint32_t h, const hn_value *agg);

/* Whether the program needs the engine at all (correlation rules or suppression). */
bool hn_corr_needed(const hn_program *p);
#endif
