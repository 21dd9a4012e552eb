/* store.h - the case store: a run's alerts, incidents, exposure windows and checkpoints, and the
 * analysts' cases (states, assignees, fields, steps, notes, SLA clocks; lang/SPEC.md §11-13), in
 * one SQLite file that a running `hornet run --store` and any number of `hornet case` commands
 * share (WAL: readers never wait, writers take turns). A client of hornet.h and hornetaux.h, as
 * a collector can be; the tables are documented in README.md for SQL readers (the KPIs).
 *
 * Ownership: the store owns what it returns unless said otherwise; strings passed in are
 * copied. Times are nanoseconds since the epoch (UTC), in the API and in the tables. */
#ifndef HORNET_STORE_H
#define HORNET_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hornet/hornet.h"
#include "hornet/hornetaux.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The store commands read when none is named: in the working directory. */
#define HNS_DEFAULT_PATH "hornet.db"
/* The schema this hornet writes (PRAGMA user_version); older stores are migrated on open. */
enum { HNS_SCHEMA_VERSION = 2 };

typedef struct hns_store hns_store;

/* Opens the store at path, creating it when missing (WAL mode, foreign keys) and bringing an
 * older schema to this one; a store written by a newer hornet is refused. Waits while another
 * process holds it. HN_OK; HN_ERR_IO (err says why: not a database, unreadable); HN_ERR_SEMANTIC
 * (a newer schema); HN_ERR_NOMEM. Close with hns_close. */
hn_status hns_open(const char *path, hns_store **out, char *err, size_t errlen);
/* Closes the store; accepts NULL. */
void hns_close(hns_store *st);
/* The store's last error in words, "" when none. */
const char *hns_error(const hns_store *st);

/* ---- runs ------------------------------------------------------------------------------------
 * hn_run_stream with the store as its checkpoint: the session's alerts, incident records and
 * exposure changes become rows, committed with the session's checkpoint in one transaction
 * every o->checkpoint_events events and every o->checkpoint_interval (default 1 s) of wall
 * time, and at the end. A run continues the store: the session resumes from its checkpoint (on
 * the same input, at its offset; on another, from its start), so ids go on and an open incident
 * takes a later related alert. At each commit the run tells its session the analysts' actions
 * since the last one, and records the SLA breaches its watermark has passed. pack: how the
 * program was built (command-line arguments, NULL-terminated; may be NULL), kept so that
 * `hornet case` can build it again. o->state_path must be NULL. Returns as hn_run_stream;
 * failures of the store itself are HN_ERR_IO with io_failed NULL, reported on o->diag. */
hn_status hns_run_stream(hns_store *st, const hn_program *p, const char *const *pack, const hn_run_options *o,
                         hn_run_stats *stats);
/* What the last run gave as `pack`: *argv is one malloc'd block (free it once), NULL-terminated.
 * HN_OK; HN_ERR_NOT_FOUND before any run; HN_ERR_IO; HN_ERR_NOMEM. */
hn_status hns_pack(hns_store *st, char ***argv);

/* ---- analysts' actions ------------------------------------------------------------------------ */
typedef enum hns_verb { HNS_ASSIGN, HNS_MOVE, HNS_STEP, HNS_SET, HNS_NOTE, HNS_MERGE, HNS_CLOSE } hns_verb;

typedef struct hns_action {
  hns_verb verb;
  const char *incident;      /* "INC-000042" */
  const char *value;         /* ASSIGN: the assignee ("" unassigns); MOVE: the state; SET: the field;
                              * NOTE: the text; MERGE: the incident it merges into */
  const char *value2;        /* SET: the field's value ("" unsets it) */
  uint32_t step;             /* STEP: its number in the current state, from 1 */
  const char *why;           /* MOVE, CLOSE, MERGE: why, in words (may be NULL) */
  const char *actor;         /* who acts */
  int64_t at;                /* when: the wall clock */
} hns_action;

/* What an action did, or why it was refused. */
typedef struct hns_result {
  char from[128], to[128];   /* MOVE, CLOSE, MERGE: the states before and after */
  char message[768];         /* what was done, or why not, in words */
} hns_result;

/* Applies one action in its own transaction. A move (and a close: a move to the terminal
 * state) follows the incident's service workflow in p (lang/SPEC.md §12-13): it is refused along
 * an undeclared edge, past the domain's WIP limit, or into the terminal state with a required
 * field unset. HN_OK; HN_ERR_SEMANTIC refused; HN_ERR_NOT_FOUND no such incident (or step,
 * state); HN_ERR_USAGE a bad action; HN_ERR_IO. r->message says which, always. */
hn_status hns_act(hns_store *st, const hn_program *p, const hns_action *a, hns_result *r);

/* An action's result as one JSON object and a newline: {"line"? (when line is not 0), "ok",
 * "action", "incident", "from"?, "to"?, "message" | "error"}. */
void hns_write_result(FILE *out, uint64_t line, const hns_action *a, hn_status rc, const hns_result *r);

/* `hornet case apply`: one action per line of `in` as a JSON object (README.md: hornet case),
 * each applied as hns_act does, with actor and at as defaults. One result per line: as JSON
 * Lines to out (json), or as text, what was done to out and refusals and bad lines (named
 * name:line) to err; stats counts them. Each action is atomic; from a regular file they are
 * committed in batches, from a pipe one by one. HN_OK (even with refusals); HN_ERR_IO. */
typedef struct hns_apply_stats {
  uint64_t lines, applied, failed, transitions;
} hns_apply_stats;
hn_status hns_apply(hns_store *st, const hn_program *p, FILE *in, const char *name, const char *actor, int64_t at,
                    bool json, FILE *out, FILE *err, hns_apply_stats *stats);

/* ---- reading ----------------------------------------------------------------------------------
 * SLA clocks are read at `now` (the wall clock; a replay or a test may give another). Each
 * writes text for people or one JSON document (`json`). HN_OK; HN_ERR_NOT_FOUND; HN_ERR_IO. */
typedef struct hns_filter {
  const char *domain, *state, *assignee; /* NULL: any */
  bool breached;             /* only incidents with a breached SLA */
  bool closed;               /* also closed and merged incidents */
} hns_filter;
hn_status hns_list(hns_store *st, const hns_filter *f, int64_t now, bool json, FILE *out);
/* One incident: its alerts, entities, assets, history, playbook steps and SLA clocks. */
hn_status hns_show(hns_store *st, const char *id, int64_t now, bool json, FILE *out);
/* The live queue: per domain its WIP use and open incidents by score with their SLA clocks. */
hn_status hns_queue(hns_store *st, int64_t now, bool json, FILE *out);

/* The store as the facts KPIs are computed over (`hornet kpi --store`, `hornet report --store`):
 * its incidents (sla_due and sla_breached from its SLA clocks and events, exposed when their
 * asset has an open window), each incident's alerts, transitions, SLA events, case fields,
 * exposure windows and merges, fed to fx as one consistent read. HN_OK; HN_ERR_IO (hns_error
 * says why); HN_ERR_NOMEM. */
hn_status hns_facts(hns_store *st, hnx_facts *fx);

/* Reads an RFC 3339 time ("2024-05-14T09:00:00Z", a fraction and an offset allowed, or a date
 * alone: midnight UTC) as ns since the epoch. HN_OK, HN_ERR_SYNTAX. */
hn_status hns_time_parse(const char *text, int64_t *ns);

#ifdef __cplusplus
}
#endif
#endif
