/* hornetaux.h - the auxiliary library of libhornet, built only on the public calls of
 * hornet.h (as Lua's lauxlib is on lua.h): the stream runner over files, checkpoint files, the
 * writers (alerts, incident records, exposure changes and dead letters as JSON Lines; the queue
 * as text or JSON), the test runner and explain. A collector that has its own framing and
 * formats uses hornet.h alone; these show how, and serve the CLI.
 * Must not depend on the compiler, LLVM or libyaml. */
#ifndef HORNET_HORNETAUX_H
#define HORNET_HORNETAUX_H

#include <stdio.h>
#include "hornet/hornet.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- writers ----------------------------------------------------------------------------------
 * One JSON object a line, in the formats the README documents. Each returns 0, or -1 when a
 * write to f failed (errno says why). */
HN_API int hnx_write_alert(FILE *f, const hn_alert *a);
HN_API int hnx_write_incident(FILE *f, const hn_incident *i);
HN_API int hnx_write_exposure(FILE *f, const hn_exposure_change *x);
HN_API int hnx_write_rejected(FILE *f, const hn_rejected *r);

/* The value printers and the timestamp parser the writers above use, for clients that write
 * or read the same values (the case store): one text for every instant, string and field.
 * hnx_time_format writes RFC 3339 UTC with the shortest exact fraction into out (HNX_TIME_CAP
 * bytes, NUL-terminated) and returns its length; hnx_time_parse reads it, and the other forms
 * of SPEC §5.6, back (false when s[0..n) is no timestamp). hnx_write_json_string writes
 * s[0..n) as a JSON string, always valid (ill-formed UTF-8 as \ufffd); hnx_write_fields writes
 * fields as one JSON object {name: value or [values]}, as alerts carry their entities. Write
 * errors stay on f (ferror). */
enum { HNX_TIME_CAP = 32 };
HN_API size_t hnx_time_format(int64_t ns, char *out);
HN_API bool hnx_time_parse(const char *s, size_t n, int64_t *ns);
HN_API void hnx_write_json_string(FILE *f, const char *s, size_t n);
HN_API void hnx_write_fields(FILE *f, const hn_field *v, uint32_t n);
/* The queue of a session with incidents, as text for people or one JSON document. */
HN_API int hnx_write_queue(FILE *f, hn_session *s, bool json);

/* ---- the stream runner --------------------------------------------------------------------- */
/* A checkpoint store in place of a state file (hornet/store.h's case store, or an embedder's
 * database): each checkpoint is handed to it, to be kept atomically with what it recorded from
 * the session since the previous one, so that a crash at any point neither loses nor repeats
 * what the run wrote there. */
typedef struct hn_run_store {
  void *ud;
  hn_callbacks tee;          /* also given every alert, incident record and exposure change */
  /* The last checkpoint kept: *state and *len (the store's memory, valid until the next call),
   * and whether opt->in is the input it was written for: the input then resumes at the
   * checkpoint's position and the outputs are cut back to it; otherwise the session carries on
   * into a new input, read from its start. 0 none, 1 found, -1 refused (reported on diag). */
  int (*load)(void *ud, const void **state, size_t *len, bool *same_input);
  /* Before each checkpoint (and a first one at the start, after the state is restored: the
   * session then learns what changed while no run was going): what changed
   * outside the session (an analyst's actions on its incidents), told to it. Records it makes
   * itself go to `incidents` (NULL: none). 0, or -1 to stop the run (reported on diag). */
  int (*prepare)(void *ud, hn_session *s, FILE *incidents);
  /* Keeps a checkpoint: a state file's bytes, the input's byte offset and line there. 0, or -1
   * (reported on diag). */
  int (*save)(void *ud, const void *state, size_t len, uint64_t offset, uint64_t lines);
} hn_run_store;

typedef struct hn_run_options {
  const char *input_name;    /* for messages ("-" for standard input) */
  FILE *in;                  /* JSON Lines, one event a line */
  FILE *out;                 /* alerts, JSON Lines */
  FILE *dead_letter;         /* rejected lines (malformed, late, at a regex limit), JSON Lines (may be NULL) */
  FILE *diag;                /* malformed-line reports (may be NULL) */
  unsigned max_reports;      /* malformed lines reported one by one before only counting */
  int engine;                /* HN_ENGINE_AUTO or HN_ENGINE_INTERP */
  /* Checkpoints (lang/SPEC.md §17). With state_path, a state file there is read first (the
   * input resumes at its recorded position when `in` can seek, and `out`, `dead_letter` and
   * `incidents`, when regular files, are cut back to their recorded lengths, so what was written
   * after the last checkpoint is not repeated: open them for appending); the state is written
   * atomically every checkpoint_events events (0: never), every `checkpoint` setting of
   * wall-clock time, and at the end. It holds the session's state: correlation and incidents.
   * A damaged state file, or one another pack wrote, is refused (HN_ERR_SEMANTIC, the reason on
   * diag) and left as it is. */
  const char *state_path;
  uint64_t checkpoint_events;
  uint64_t max_events;       /* stop after this many events (0: the whole input) */
  bool final_input;          /* with state_path: the input's end is the stream's end (close
                              * every window and absence); without state_path it always is */
  /* Incidents (lang/SPEC.md §11-12): every alert joins one, routed and scored. */
  FILE *incidents;           /* incident records and exposure changes, JSON Lines (may be NULL) */
  FILE *queue;               /* at the end, the queue per domain (may be NULL) */
  bool queue_json;           /* the queue as one JSON document, else text */
  const hn_run_store *store; /* checkpoints kept there instead of a state file (state_path NULL) */
  int64_t checkpoint_interval; /* ns of wall-clock time between checkpoints; 0: the pack's setting */
} hn_run_options;

typedef struct hn_run_stats {
  uint64_t lines, events, bytes, alerts, malformed;
  uint64_t late, ahead, ahead_dropped, released, untimed, no_key, suppressed, evicted, peak_keys, peak_state_bytes,
      incidents;
  uint64_t regex_undecided;  /* see hn_stats */
  FILE *io_failed;           /* HN_ERR_IO: the stream of the options whose read or write failed
                              * (NULL: the state file, reported to diag), and errno then */
  int io_errno;
} hn_run_stats;

/* Streams events from opt->in through a session over the program and writes one JSON object
 * per alert. Malformed lines are counted, reported and skipped. HN_OK, HN_ERR_IO, HN_ERR_NOMEM. */
HN_API hn_status hn_run_stream(const hn_program *p, const hn_run_options *opt, hn_run_stats *stats);

/* ---- facts and KPIs (lang/SPEC.md §15) ------------------------------------------------------------
 * hnx_facts holds the facts KPIs are computed over (hn_kpi_facts), added row by row and copied:
 * a case store turns its rows into these calls, and hnx_facts_read reads them from JSON Lines.
 * An incident added again (by id) replaces the earlier record, keeping the earliest
 * detected_at; a merged incident leaves the view, its rows going to the incident it joined. */
typedef struct hnx_facts hnx_facts;
HN_API hnx_facts *hnx_facts_new(void); /* NULL when out of memory */
HN_API void hnx_facts_free(hnx_facts *fx);
/* Each HN_OK or HN_ERR_NOMEM (HN_ERR_USAGE: an incident without id). */
HN_API hn_status hnx_facts_incident(hnx_facts *fx, const hn_fact_incident *x);
HN_API hn_status hnx_facts_alert(hnx_facts *fx, const hn_fact_alert *a);
HN_API hn_status hnx_facts_transition(hnx_facts *fx, const hn_fact_transition *t);
HN_API hn_status hnx_facts_sla(hnx_facts *fx, const hn_fact_sla *s);
HN_API hn_status hnx_facts_exposure(hnx_facts *fx, const hn_fact_exposure *w);
/* Closes the last open window of that exposure on that asset (or unknown value) at `at`;
 * HN_ERR_NOT_FOUND when none is open. */
HN_API hn_status hnx_facts_exposure_closed(hnx_facts *fx, const char *exposure, const char *asset, const char *value,
                                           int64_t at);
/* incident.case.NAME of an incident (value NULL: unset); later calls win. */
HN_API hn_status hnx_facts_case_field(hnx_facts *fx, const char *incident, const char *name, const char *value);
/* Incident `from` merged into `into`. HN_ERR_NOT_FOUND when `from` was never added. */
HN_API hn_status hnx_facts_merged(hnx_facts *fx, const char *from, const char *into);
/* When the facts were taken (hn_kpi_facts.now); HN_TIME_NONE (the default): their latest time. */
HN_API void hnx_facts_set_now(hnx_facts *fx, int64_t now);
/* The facts as the engine reads them, valid until the next call on fx; NULL when out of memory. */
HN_API const hn_kpi_facts *hnx_facts_view(hnx_facts *fx);

/* Reads JSON Lines into fx (README.md: hornet kpi): the records `hornet run --incidents` writes
 * (incident records, each caused by an alert also that alert; merges; exposure windows opened
 * and closed; SLA records), and {"record":"transition"} and {"record":"case"} lines. Alert lines
 * and unknown records are skipped (counted). HN_OK; HN_ERR_SYNTAX with err "name:line[:col]:
 * why"; HN_ERR_IO; HN_ERR_NOMEM. */
typedef struct hnx_read_stats {
  uint64_t lines, incidents, alerts, exposures, transitions, slas, cases, skipped;
} hnx_read_stats;
HN_API hn_status hnx_facts_read(hnx_facts *fx, FILE *in, const char *name, hnx_read_stats *stats, char *err,
                                size_t errlen);

/* Writes the KPIs of p over f as q asks: a table for people, CSV (one row per cell) or one JSON
 * document (README.md: hornet kpi). HN_OK, or hn_kpi_compute's errors (err filled), HN_ERR_IO. */
enum { HNX_TABLE, HNX_CSV, HNX_JSON };
HN_API hn_status hnx_write_kpis(FILE *out, const hn_program *p, const hn_kpi_facts *f, const hn_kpi_query *q, int format,
                                char *err, size_t errlen);
/* The gap analysis (hn_kpi_gaps) in the same formats. */
HN_API hn_status hnx_write_gaps(FILE *out, const hn_program *p, const hn_kpi_facts *f, const hn_kpi_query *q, int format,
                                char *err, size_t errlen);

/* One self-contained HTML report (README.md: hornet report): each KPI's trend against its target
 * as inline SVG with its last change in words, the control gap heat map, the open incidents per
 * domain with their SLA clocks, the windows of exposure on a timeline; the numbers of
 * hnx_write_kpis' JSON carried in a <script type="application/json" id="kpi-data"> block.
 * title may be NULL. Returns as hnx_write_kpis. */
HN_API hn_status hnx_write_report(FILE *out, const hn_program *p, const hn_kpi_facts *f, const hn_kpi_query *q,
                                  const char *title, char *err, size_t errlen);

/* ---- the test runner and explain ---------------------------------------------------------------- */
typedef struct hn_test_report {
  unsigned tests, passed, failed, skipped;
} hn_test_report;

/* Runs the program's test blocks; writes each failure (and a summary) to out and, when junit
 * is not NULL, a JUnit XML report. HN_OK when every test passed or was skipped; HN_ERR_SEMANTIC
 * when one failed; HN_ERR_NOMEM when memory ran out (no summary is written then). */
HN_API hn_status hn_run_tests(const hn_program *p, FILE *out, FILE *junit, hn_test_report *report);

/* Evaluates one event (JSON text) and writes, for each rule (or the one named), whether it
 * fired and the value of every condition in its logic. HN_ERR_SYNTAX for a malformed event,
 * HN_ERR_NOT_FOUND for an unknown rule name. */
HN_API hn_status hn_explain(const hn_program *p, const char *event, size_t len, const char *rule, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
