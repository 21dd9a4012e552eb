/* write.c - the JSON Lines writers of the auxiliary library (hornetaux.h): alerts, incident
 * records, exposure changes and dead letters, from the structs sessions hand over.
 * Built on hornet.h and the shared value printers (value.h) only: no engine internals. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "hornet/hornetaux.h"
#include "value.h"

static const char *const sev_names[] = {"unknown", "info", "low", "medium", "high", "critical"};

/* 0, or -1 when a write to f failed (errno set). */
static int done(FILE *f) {
  if (!ferror(f)) return 0;
  if (!errno) errno = EIO;
  return -1;
}

static void value_json(FILE *f, const hn_value *v) {
  switch (v->kind) {
  case HN_V_STRING: hn_json_str(f, v->u.s, v->len); break;
  case HN_V_INT: fprintf(f, "%" PRId64, v->u.i); break;
  case HN_V_FLOAT: fprintf(f, "%.17g", v->u.f); break;
  case HN_V_BOOL: fputs(v->u.i ? "true" : "false", f); break;
  case HN_V_TIME: hn_json_time(f, v->u.i); break;
  case HN_V_IP: hn_json_ip(f, v->u.ip, v->v6, v->v6 ? 128 : 32); break;
  default: fputs("null", f); break;
  }
}

/* A field's values: one plainly (unless the event held an array), several as an array, none
 * as null. */
static void field_json(FILE *f, const hn_field *x) {
  if (x->n == 0 && !x->array) {
    fputs("null", f);
    return;
  }
  if (x->n == 1 && !x->array) {
    value_json(f, x->values);
    return;
  }
  fputc('[', f);
  for (uint32_t i = 0; i < x->n; i++) {
    if (i) fputc(',', f);
    value_json(f, &x->values[i]);
  }
  fputc(']', f);
}

void hnx_write_fields(FILE *f, const hn_field *v, uint32_t n) {
  fputc('{', f);
  for (uint32_t i = 0; i < n; i++) {
    if (i) fputc(',', f);
    hn_json_cstr(f, v[i].name);
    fputc(':', f);
    field_json(f, &v[i]);
  }
  fputc('}', f);
}

static void fields_json(FILE *f, const char *name, const hn_field *v, uint32_t n) {
  fprintf(f, ",\"%s\":", name);
  hnx_write_fields(f, v, n);
}

_Static_assert(HNX_TIME_CAP == HN_TIME_TEXT_CAP, "hornetaux.h's time text capacity is value.h's");
size_t hnx_time_format(int64_t ns, char *out) { return hn_time_format(ns, out); }
bool hnx_time_parse(const char *s, size_t n, int64_t *ns) { return hn_time_parse(s, n, ns); }
void hnx_write_json_string(FILE *f, const char *s, size_t n) { hn_json_str(f, s, n); }

static void opt_str(FILE *f, const char *name, const char *v) {
  if (!v) return;
  fprintf(f, ",\"%s\":", name);
  hn_json_cstr(f, v);
}

static void time_or_null(FILE *f, bool timed, int64_t t) {
  if (timed) hn_json_time(f, t);
  else fputs("null", f);
}

/* {"rule", "title"?, "id"?, "severity", "tags", "control"?, "service"?, "time", "count"?,
 *  "entities", ("key", "events")?, "input", "matched"?} */
int hnx_write_alert(FILE *f, const hn_alert *a) {
  fputs("{\"rule\":", f);
  hn_json_cstr(f, a->rule);
  opt_str(f, "title", a->title);
  opt_str(f, "id", a->rule_id);
  fprintf(f, ",\"severity\":\"%s\",\"tags\":[", sev_names[a->severity >= 0 && a->severity <= 5 ? a->severity : 0]);
  for (uint32_t i = 0; i < a->n_tags; i++) {
    if (i) fputc(',', f);
    hn_json_cstr(f, a->tags[i]);
  }
  fputc(']', f);
  opt_str(f, "control", a->control);
  opt_str(f, "service", a->service);
  fputs(",\"time\":", f);
  time_or_null(f, a->timed, a->time);
  if (a->count > 1) fprintf(f, ",\"count\":%" PRIu64, a->count);
  fields_json(f, "entities", a->entities, a->n_entities);
  if (a->correlation) {
    fields_json(f, "key", a->key, a->n_key);
    fprintf(f, ",\"events\":%" PRIu64, a->events);
  }
  fputs(",\"input\":{\"file\":", f);
  hn_json_cstr(f, a->origin.source ? a->origin.source : "");
  fprintf(f, ",\"line\":%" PRIu64 ",\"offset\":%" PRIu64 "}", a->origin.line, a->origin.offset);
  if (!a->correlation && a->matched) fields_json(f, "matched", a->matched, a->n_matched);
  fputs("}\n", f);
  return done(f);
}

static void strings_json(FILE *f, const char *name, hn_strings s) {
  fprintf(f, ",\"%s\":[", name);
  for (uint32_t i = 0; i < s.n; i++) {
    if (i) fputc(',', f);
    hn_json_cstr(f, s.v[i]);
  }
  fputc(']', f);
}

/* Its case (lang/SPEC.md §13), what is set of it: "state", "assignee"?, "sla_due"?,
 * "sla_breached"? (only when true), "closed_at"?. */
static void case_json(FILE *f, const hn_incident *i) {
  opt_str(f, "state", i->state);
  opt_str(f, "assignee", i->assignee);
  if (i->sla_due != INT64_MAX) {
    fputs(",\"sla_due\":", f);
    hn_json_time(f, i->sla_due);
  }
  if (i->sla_breached) fputs(",\"sla_breached\":true", f);
  if (i->closed_at != INT64_MIN) {
    fputs(",\"closed_at\":", f);
    hn_json_time(f, i->closed_at);
  }
}

/* The incident itself: {"id", "score", "severity", "alerts", "age_s", "domain", "first_seen",
 * "last_seen", "asset"?, "service"?, its case, "why", and its sets}. */
static void incident_json(FILE *f, const hn_incident *i) {
  fputs("{\"id\":", f);
  hn_json_cstr(f, i->id);
  fprintf(f, ",\"score\":%.10g,\"severity\":%u,\"alerts\":%u,\"age_s\":%" PRId64 ",\"domain\":", i->score, i->severity,
          i->n_alerts, i->age / 1000000000);
  hn_json_cstr(f, i->domain);
  fputs(",\"first_seen\":", f);
  hn_json_time(f, i->first_seen);
  fputs(",\"last_seen\":", f);
  hn_json_time(f, i->last_seen);
  opt_str(f, "asset", i->asset);
  opt_str(f, "service", i->service);
  case_json(f, i);
  fputs(",\"why\":", f);
  hn_json_cstr(f, i->why);
  strings_json(f, "rules", i->rules);
  strings_json(f, "tags", i->tags);
  strings_json(f, "tactics", i->tactics);
  strings_json(f, "techniques", i->techniques);
  strings_json(f, "controls", i->controls);
  strings_json(f, "services", i->services);
  strings_json(f, "hosts", i->hosts);
  strings_json(f, "users", i->users);
  strings_json(f, "entities", i->entities);
  strings_json(f, "business_units", i->business_units);
  strings_json(f, "asset_roles", i->asset_roles);
  fputc('}', f);
}

/* {"record":"incident", "event", "time", "alert"?, "incident"} or, for a merge,
 * {"record":"incident", "event":"merged", "time", "alert", "into", "from"}. */
int hnx_write_incident(FILE *f, const hn_incident *i) {
  fprintf(f, "{\"record\":\"incident\",\"event\":\"%s\",\"time\":", i->change_name);
  hn_json_time(f, i->time);
  if (i->alert_rule) {
    fputs(",\"alert\":", f);
    hn_json_cstr(f, i->alert_rule);
  }
  if (i->change == HN_INCIDENT_MERGED) {
    fputs(",\"into\":", f);
    hn_json_cstr(f, i->id);
    fputs(",\"from\":", f);
    hn_json_cstr(f, i->merged_from);
  } else {
    fputs(",\"incident\":", f);
    incident_json(f, i);
  }
  fputs("}\n", f);
  return done(f);
}

/* {"record":"exposure", "event":"opened"|"closed", "time", "exposure", ("asset",
 *  "asset_exposure" | "unknown_asset"), "control"?} */
int hnx_write_exposure(FILE *f, const hn_exposure_change *x) {
  fprintf(f, "{\"record\":\"exposure\",\"event\":\"%s\",\"time\":", x->opened ? "opened" : "closed");
  hn_json_time(f, x->time);
  fputs(",\"exposure\":", f);
  hn_json_cstr(f, x->exposure);
  if (x->asset) {
    fputs(",\"asset\":", f);
    hn_json_cstr(f, x->asset);
    fprintf(f, ",\"asset_exposure\":%.6g", x->asset_exposure);
  } else {
    fputs(",\"unknown_asset\":", f);
    hn_json_cstr(f, x->unknown_value);
  }
  opt_str(f, "control", x->control);
  fputs("}\n", f);
  return done(f);
}

static void base64(FILE *f, const char *s, size_t n) {
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *u = (const unsigned char *)s;
  fputc('"', f);
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)u[i] << 16 | (i + 1 < n ? (uint32_t)u[i + 1] << 8 : 0) | (i + 2 < n ? u[i + 2] : 0);
    char q[4] = {b64[v >> 18], b64[v >> 12 & 63], i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '='};
    fwrite(q, 1, 4, f);
  }
  fputc('"', f);
}

/* {"file", "line", "offset", "reason", "message"?, "rule"?, "text", "base64"?}: "text" is the
 * line as a JSON string (U+FFFD for ill-formed UTF-8); a line that is not valid UTF-8 also
 * comes whole, byte for byte, in "base64". */
int hnx_write_rejected(FILE *f, const hn_rejected *r) {
  fputs("{\"file\":", f);
  hn_json_cstr(f, r->origin.source ? r->origin.source : "");
  fprintf(f, ",\"line\":%" PRIu64 ",\"offset\":%" PRIu64 ",\"reason\":\"%s\"", r->origin.line, r->origin.offset,
          r->reason_name);
  opt_str(f, "message", r->message);
  opt_str(f, "rule", r->rule);
  fputs(",\"text\":", f);
  hn_json_str(f, r->text, r->len);
  if (hn_utf8_check(r->text, r->len) < r->len) {
    fputs(",\"base64\":", f);
    base64(f, r->text, r->len);
  }
  fputs("}\n", f);
  return done(f);
}

/* ---- the queue -------------------------------------------------------------------------------- */
typedef struct qw {
  FILE *f;
  bool json;
  uint32_t domains, rank; /* domains seen; the rank of the next incident in its domain */
  uint32_t remediations;
} qw;

static void close_domains(qw *w) {
  if (!w->json || w->remediations) return;
  if (w->domains) fputs("]}", w->f);
  fputs("],\"sections\":[{\"remediation\":[", w->f);
}

static void q_domain(void *ud, const hn_queue_domain *d) {
  qw *w = ud;
  FILE *f = w->f;
  w->rank = 0;
  if (w->json) {
    fprintf(f, "%s{\"domain\":", w->domains ? "]}," : "");
    hn_json_cstr(f, d->name);
    fputs(",\"title\":", f);
    hn_json_cstr(f, d->title ? d->title : d->name);
    if (d->wip >= 0) fprintf(f, ",\"wip\":%d", d->wip);
    fprintf(f, ",\"working\":%u,\"incidents\":[", d->working);
  } else {
    fprintf(f, "== %s (%s): %u incident%s", d->name, d->title ? d->title : d->name, d->open, d->open == 1 ? "" : "s");
    if (d->wip >= 0) fprintf(f, ", wip limit %d", d->wip);
    if (d->working) fprintf(f, ", %u in work", d->working);
    fputc('\n', f);
  }
  w->domains++;
}

static void q_incident(void *ud, const hn_incident *i) {
  qw *w = ud;
  FILE *f = w->f;
  if (w->json) {
    if (w->rank++) fputc(',', f);
    incident_json(f, i);
    return;
  }
  int64_t age = i->age / 1000000000;
  fprintf(f, "%3u. %s  score %-8.4g age %3" PRId64 "h%02" PRId64 "m  alerts %-3u  why: %s;  rules", ++w->rank, i->id,
          i->score, age / 3600, age / 60 % 60, i->n_alerts, i->why);
  for (uint32_t k = 0; k < i->rules.n && k < 4; k++) fprintf(f, "%s%s", k ? ", " : " ", i->rules.v[k]);
  if (i->rules.n > 4) fprintf(f, " +%u", i->rules.n - 4);
  fputc('\n', f);
}

static void q_remediation(void *ud, const hn_remediation *r, uint32_t rank, uint32_t of) {
  qw *w = ud;
  FILE *f = w->f;
  if (w->json) {
    close_domains(w);
    fprintf(f, "%s{\"asset\":", rank > 1 ? "," : "");
    hn_json_cstr(f, r->asset);
    fprintf(f, ",\"priority\":%.6g,\"exposure\":%.6g}", r->priority, r->exposure);
  } else {
    if (rank == 1) fprintf(f, "== remediation (exposed and vulnerable): %u asset%s\n", of, of == 1 ? "" : "s");
    fprintf(f, "%3u. %-20s priority %-8.4g exposure %.4g, criticality %u\n", rank, r->asset, r->priority, r->exposure,
            r->criticality);
  }
  w->remediations++;
}

int hnx_write_queue(FILE *f, hn_session *s, bool json) {
  qw w = {f, json, 0, 0, 0};
  hn_queue_visitor v = {&w, q_domain, q_incident, q_remediation};
  if (json) fputs("{\"domains\":[", f);
  hn_status st = hn_session_queue(s, &v);
  if (json) {
    close_domains(&w);
    w.remediations = 1;
    fputs("]}]}\n", f);
  }
  if (st != HN_OK) {
    errno = st == HN_ERR_NOMEM ? ENOMEM : EINVAL;
    return -1;
  }
  return done(f);
}
