/* session.h - the session's state, shared by the files of the session API (session.c, explain.c)
 * and nothing else: embedders see an opaque hn_session.
 * Depends on the engines (interp, corr, incident). */
#ifndef HN_SESSION_H
#define HN_SESSION_H
#include "corr.h"
#include "incident.h"
#include "interp.h"

struct hn_session {
  const hn_program *p;
  hn_session_options o;
  hn_callbacks cb;
  hn_eval e;
  hn_event ev;
  hn_corr_engine *ce;     /* correlation and suppression, when the program has any */
  hn_incidents *inc;      /* with HN_SESSION_INCIDENTS */
  hn_stats st;
  uint64_t alert_seq;     /* the last alert id given */
  int64_t now;            /* the latest alert time seen (incidents' clock) */
  int64_t wall;           /* the wall clock for max_skew: an alert far ahead of it does not move now */
  hn_origin at;           /* the event being pushed */
  uint8_t *seen;          /* per field: read by a condition that held (matched) */
  hn_field *fields;       /* scratch for an alert's entities, key and matched fields */
  uint32_t n_fields_cap;
  bool failed;            /* out of memory in a callback path: the session is unusable */
  char err[256];
};
#endif
