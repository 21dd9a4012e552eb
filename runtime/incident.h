/* incident.h - from alerts to a prioritised, routed queue (lang/SPEC.md §11-12): every alert
 * raised joins an incident by shared entity within the horizon (host and address entities of
 * one inventoried asset are one entity); each incident is routed to a domain by the domains'
 * conditions (first match, else the default) and scored by its domain's score (else the
 * pack's `incident` score, else its severity), both recomputed whenever it changes. Records of
 * what happened go out through the session's callbacks, as structs; the queue per domain,
 * highest score first, through a visitor.
 * Depends on the correlation engine's alert events (corr.h) and the inventories (assets.h). */
#ifndef HN_INCIDENT_H
#define HN_INCIDENT_H
#include <stdio.h>
#include "corr.h"

typedef struct hn_incidents hn_incidents;

/* cb: where incident records and exposure changes go (its incident and exposure callbacks;
 * may be NULL); native: scores by their native code when the program has it (else the
 * interpreter). */
hn_incidents *hn_incidents_create(const hn_program *p, const hn_callbacks *cb, bool native);
void hn_incidents_destroy(hn_incidents *x);

/* An alert raised (after suppression), with its id; now is the watermark. */
void hn_incidents_alert(hn_incidents *x, const hn_calert *a, uint64_t alert_id, int64_t now);

/* The current event (e begun on it): exposures it opens or closes (§14.4). t: its time, when
 * timed. Call before the correlation engine moves the evaluator to other events. */
void hn_incidents_event(hn_incidents *x, hn_eval *e, const hn_event *ev, int64_t t, bool timed);

/* Time passed without events (hn_session_advance): the clock moves to t when it is ahead, and
 * what reads it (`now`, SLA deadlines) is rated again. */
void hn_incidents_advance(hn_incidents *x, int64_t t);

/* The case of incident `id` ("INC-000001") as the store knows it (copied, §13): its state,
 * assignee, SLA clocks and case fields, read by scores and domains; routed and scored again (a
 * record when that changes). HN_OK; HN_ERR_NOT_FOUND with err filled for an incident it does not
 * hold; HN_ERR_USAGE for a state its workflow does not have; HN_ERR_NOMEM. */
hn_status hn_incidents_set_case(hn_incidents *x, const char *id, const hn_case_view *cv, char *err, size_t errlen);

/* The queue: per domain in routing order, then unrouted; highest score first; then the
 * remediation queue (exposed and vulnerable assets). */
hn_status hn_incidents_queue(hn_incidents *x, const hn_queue_visitor *v);

uint32_t hn_incidents_count(const hn_incidents *x);
/* Whether an allocation failed: the incidents are incomplete from then on (the session stops). */
bool hn_incidents_failed(const hn_incidents *x);

/* Checkpoints: the whole state (incidents with their alerts, entities, assets and scores, the
 * next id, the entity index, open exposure windows, the clock) to w; read back into a fresh
 * x, every length and index checked: HN_OK; HN_ERR_SYNTAX with err filled when the pack's
 * fields, assets, domains or exposures changed since (the state's indices refer to them), or
 * with r->err set when the state is malformed; HN_ERR_NOMEM. cases: the state holds each
 * incident's case (session format 2 on; format 1 had none). */
void hn_incidents_save(const hn_incidents *x, hn_ckw *w);
hn_status hn_incidents_load(hn_incidents *x, hn_ckr *r, bool cases, char *err, size_t errlen);
#endif
