/* session.c - the session API of hornet.h: one stream of events through a program, events in
 * one at a time, alerts, incident records, exposure changes and rejected lines out through
 * callbacks as structs. Everything that formats or opens files is the auxiliary library's
 * (runtime/aux/) or the embedder's.
 * Depends on the engines (decode, interp, corr, incident); never on the compiler or LLVM. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ckpt.h"
#include "alloc.h"
#include "corr.h"
#include "incident.h"
#include "interp.h"
#include "program.h"
#include "session.h"


/* ---- alerts --------------------------------------------------------------------------------- */
/* The fields read by the true predicates of a node (what made the rule fire). */
static void matched(const hn_eval *e, uint32_t node, uint8_t *seen) {
  const hn_program *p = e->p;
  const hn_bnode *b = &p->bnodes[node];
  if (hn_eval_known(e, node) != 1) return;
  if (b->op == HN_B_PRED) {
    uint32_t s = p->preds[b->a].slot;
    if (s != UINT32_MAX && s < p->n_fields) seen[s] = 1;
  } else if (b->op == HN_B_AND || b->op == HN_B_OR) {
    for (uint32_t k = 0; k < b->n; k++) matched(e, p->kids[b->first + k], seen);
  }
}

/* Every node under `node` evaluated, not just those short-circuiting reached: the matched fields
 * are then the same whichever engine decided. */
static void eval_all(hn_eval *e, uint32_t node) {
  const hn_bnode *b = &e->p->bnodes[node];
  if (b->op == HN_B_AND || b->op == HN_B_OR)
    for (uint32_t k = 0; k < b->n; k++) eval_all(e, e->p->kids[b->first + k]);
  else if (b->op == HN_B_NOT) eval_all(e, b->a);
  hn_eval_node(e, node);
}

static hn_field slot_field(const hn_event *ev, const char *name, uint32_t slot) {
  const hn_slot *s = &ev->slots[slot];
  return (hn_field){name, ev->values + s->first, s->n, (s->flags & HN_SLOT_ARRAY) != 0};
}

/* The alert a callback receives: the rule's metadata, the entities that have a value, the
 * correlation key, the matched fields. The field arrays live in the session's scratch. */
static void alert_view(hn_session *s, const hn_calert *a, hn_alert *v) {
  const hn_program *p = s->p;
  const hn_rule *r = &p->rules[a->rule];
  const hn_event *ev = a->ev;
  hn_field *f = s->fields;
  memset(v, 0, sizeof *v);
  v->rule_index = a->rule;
  v->rule = r->name;
  v->title = r->title;
  v->rule_id = r->id;
  v->control = r->control;
  v->service = r->service;
  v->status = r->status;
  v->severity = r->severity;
  v->tags = r->tags;
  v->n_tags = r->n_tags;
  v->timed = a->timed;
  v->time = a->time;
  v->count = a->count > 1 ? a->count : 1;
  v->quiet = r->quiet;
  v->origin = (hn_origin){a->file, a->line, a->offset};
  v->entities = f;
  for (uint32_t i = 0; i < r->n_entities; i++) {
    hn_field x = {r->entity_names[i], NULL, 0, false};
    if (i < a->n_ent) x = (hn_field){r->entity_names[i], a->ent_vals[i].v, a->ent_vals[i].n, false};
    else if (ev) x = slot_field(ev, r->entity_names[i], r->entities[i]);
    if (x.n) f[v->n_entities++] = x;
  }
  f += v->n_entities;
  bool single = r->kind == HN_R_SINGLE || r->kind == HN_R_OVER_ALERTS;
  if (!single) {
    v->correlation = true;
    v->events = a->events;
    v->key = f;
    for (uint32_t i = 0; i < a->n_keys; i++) {
      const hn_vals *kv = a->key_vals ? &a->key_vals[i] : NULL;
      f[v->n_key++] = (hn_field){p->fields[a->key_slots[i]].path, kv ? kv->v : NULL, kv ? kv->n : 0, false};
    }
    f += v->n_key;
  }
  if (single && a->e && ev && !(s->o.flags & HN_SESSION_NO_MATCHED)) {
    eval_all(a->e, r->cond);
    memset(s->seen, 0, p->n_fields);
    matched(a->e, r->cond, s->seen);
    v->matched = f;
    for (uint32_t i = 0; i < p->n_fields; i++)
      if (s->seen[i] && ev->slots[i].n) f[v->n_matched++] = slot_field(ev, p->fields[i].path, i);
  }
}

/* Every alert leaves through here (after suppression): its id, the callback, its incident. */
static void emit(void *ud, const hn_calert *a) {
  hn_session *s = ud;
  bool quiet = s->p->rules[a->rule].quiet; /* `generate false`: for the rules that read it only */
  if (quiet && !(s->o.flags & HN_SESSION_QUIET_ALERTS)) return;
  hn_alert v;
  alert_view(s, a, &v);
  if (!quiet) {
    v.id = ++s->alert_seq;
    s->st.alerts++;
  }
  if (s->cb.alert) s->cb.alert(s->cb.ud, &v);
  if (s->inc && !quiet) {
    if (a->timed && a->time > s->now && !hn_time_ahead(s->p, &s->wall, a->time)) s->now = a->time;
    hn_incidents_alert(s->inc, a, v.id, s->now > INT64_MIN ? s->now : 0); /* before any time: 1970 (§10.12) */
  }
}

/* The single-event alerts of the current event, through suppression when there is any. */
static void single_alerts(hn_session *s, const uint32_t *fired, uint32_t nf) {
  const hn_program *p = s->p;
  hn_calert a = {0};
  a.e = &s->e;
  a.ev = &s->ev;
  a.file = s->at.source;
  a.line = s->at.line;
  a.offset = s->at.offset;
  const hn_slot *ts = p->time_slot >= 0 ? &s->ev.slots[p->time_slot] : NULL;
  if (ts && ts->n && s->ev.values[ts->first].kind == HN_V_TIME) {
    a.timed = true;
    a.time = s->ev.values[ts->first].u.i;
  }
  for (uint32_t f = 0; f < nf; f++) {
    a.rule = fired[f];
    a.count = 0;
    if (s->ce) hn_corr_alert(s->ce, &a);
    else emit(s, &a);
  }
}

/* ---- rejected lines ---------------------------------------------------------------------------- */
static void reject_held(hn_session *s, hn_reject_reason why, const char *message, const char *rule, const char *text,
                        size_t len, bool held) {
  static const char *const names[] = {"malformed", "late", "regex-limit", "ahead"};
  if (!s->cb.rejected) return;
  hn_rejected r = {why, names[why], message, rule, text, len, s->at, held};
  s->cb.rejected(s->cb.ud, &r);
}

static void reject(hn_session *s, hn_reject_reason why, const char *message, const char *rule, const char *text,
                   size_t len) {
  reject_held(s, why, message, rule, text, len, false);
}

/* What correlation did with the event, when it did not take it (§10.12). */
static void not_taken(hn_session *s, int what, const char *event, size_t len) {
  const hn_program *p = s->p;
  char msg[200];
  if (what == HN_CORR_LATE) {
    snprintf(msg, sizeof msg, "its time is below the watermark (lateness %" PRId64 "s); kept out of correlation",
             p->lateness / 1000000000);
    reject(s, HN_REJECT_LATE, msg, NULL, event, len);
    return;
  }
  bool dropped = what == HN_CORR_DROPPED;
  snprintf(msg, sizeof msg, "event ahead of the clock by more than max_skew (%" PRId64 "s): %s", p->max_skew / 1000000000,
           dropped ? "kept out of correlation: the events held back use half of `memory`"
                   : "held back from correlation until the watermark reaches it; the watermark does not move");
  reject_held(s, HN_REJECT_AHEAD, msg, NULL, event, len, !dropped);
}

/* Each rule whose regex matches of this event the limits left undecided (lang/SPEC.md §6.8):
 * counted once an event, and handed over as a rejected event naming the rule. */
static void regex_limits(hn_session *s, const char *text, size_t len) {
  static const char msg[] = "a regex match reached the match limit";
  uint32_t listed = s->e.re_undecided < HN_RE_LISTED ? s->e.re_undecided : HN_RE_LISTED;
  for (uint32_t i = 0; i < listed; i++) {
    const uint32_t *rules;
    uint32_t n = hn_re_rules(&s->e, s->e.re_preds[i], &rules);
    if (n == 0) { /* a score or an exposure read it */
      s->st.regex_undecided++;
      reject(s, HN_REJECT_REGEX_LIMIT, msg, NULL, text, len);
    }
    for (uint32_t j = 0; j < n; j++) {
      bool again = false; /* a rule reading several undecided predicates counts once */
      for (uint32_t k = 0; k < i && !again; k++) {
        const uint32_t *prev;
        uint32_t m = hn_re_rules(&s->e, s->e.re_preds[k], &prev);
        for (uint32_t q = 0; q < m; q++) again |= prev[q] == rules[j];
      }
      if (again) continue;
      s->st.regex_undecided++;
      reject(s, HN_REJECT_REGEX_LIMIT, msg, s->p->rules[rules[j]].name, text, len);
    }
  }
}

/* ---- the session ------------------------------------------------------------------------------- */
static void corr_stats(hn_session *s) {
  if (!s->ce) return;
  const hn_corr_stats *cs = hn_corr_stats_of(s->ce);
  s->st.late = cs->late;
  s->st.untimed = cs->untimed;
  s->st.no_key = cs->no_key;
  s->st.suppressed = cs->suppressed;
  s->st.evicted = cs->evicted;
  s->st.peak_keys = cs->peak_keys;
  s->st.peak_state_bytes = cs->peak_bytes;
  s->st.ahead = cs->ahead;
  s->st.ahead_dropped = cs->dropped;
  s->st.released = cs->released;
}

hn_status hn_session_new(const hn_program *p, const hn_session_options *o, const hn_callbacks *cb, hn_session **out) {
  *out = NULL;
  hn_session *s = hn_calloc(1, sizeof *s);
  if (!s) return HN_ERR_NOMEM;
  s->p = p;
  if (o) s->o = *o;
  if (cb) s->cb = *cb;
  s->now = INT64_MIN;
  uint32_t most = p->n_fields; /* entities + key + matched fields of one alert, at most */
  for (uint32_t r = 0; r < p->n_rules; r++)
    if (p->rules[r].n_entities > most) most = p->rules[r].n_entities;
  for (uint32_t c = 0; c < p->n_corrs; c++)
    if (p->corrs[c].n_keys > most) most = p->corrs[c].n_keys;
  s->fields = hn_calloc((size_t)most * 3 + 1, sizeof *s->fields);
  s->seen = hn_calloc(p->n_fields + 1, 1);
  bool ok = s->fields && s->seen && hn_eval_init(&s->e, p) == HN_OK;
  if (ok && hn_event_init(&s->ev, p->decoder) != HN_OK) {
    hn_eval_fini(&s->e);
    ok = false;
  }
  if (!ok) {
    hn_free(s->fields);
    hn_free(s->seen);
    hn_free(s);
    return HN_ERR_NOMEM;
  }
  if (hn_corr_needed(p) && !(s->ce = hn_corr_create(p, emit, s))) ok = false;
  if (ok && (s->o.flags & HN_SESSION_INCIDENTS) &&
      !(s->inc = hn_incidents_create(p, &s->cb, s->o.engine != HN_ENGINE_INTERP)))
    ok = false;
  if (!ok) {
    hn_session_free(s);
    return HN_ERR_NOMEM;
  }
  *out = s;
  return HN_OK;
}

void hn_session_free(hn_session *s) {
  if (!s) return;
  hn_corr_destroy(s->ce);
  hn_incidents_destroy(s->inc);
  hn_event_fini(&s->ev);
  hn_eval_fini(&s->e);
  hn_free(s->fields);
  hn_free(s->seen);
  hn_free(s);
}

static hn_status nomem(hn_session *s) {
  s->failed = true;
  snprintf(s->err, sizeof s->err, "out of memory");
  return HN_ERR_NOMEM;
}

/* An allocation failed below (the evaluator, correlation, incidents), which left their state
 * incomplete: the session stops there (hornet.h: it is unusable after HN_ERR_NOMEM). */
static hn_status checked(hn_session *s) {
  if (s->failed || s->e.nomem || (s->inc && hn_incidents_failed(s->inc))) return nomem(s);
  return HN_OK;
}

hn_status hn_session_push(hn_session *s, const char *event, size_t len, const hn_origin *at) {
  const hn_program *p = s->p;
  if (s->failed) return HN_ERR_NOMEM;
  s->at = at ? *at : (hn_origin){NULL, 0, 0};
  s->st.bytes += len;
  hn_decode_error de = {0, NULL};
  hn_status ds = hn_decode(p->decoder, event, len, &s->ev, &de);
  if (ds == HN_ERR_NOMEM) return nomem(s);
  if (ds != HN_OK) {
    s->st.malformed++;
    snprintf(s->err, sizeof s->err, "%s (at byte %zu)", de.message ? de.message : "not a JSON object", de.offset);
    reject(s, HN_REJECT_MALFORMED, s->err, NULL, event, len);
    return HN_ERR_SYNTAX;
  }
  s->st.events++;
  hn_eval_begin(&s->e, &s->ev);
  const uint32_t *fired;
  uint32_t nf = hn_match_event(&s->e, s->o.engine != HN_ENGINE_INTERP, &fired);
  single_alerts(s, fired, nf);
  if (s->inc) { /* windows of exposure this event opens or closes; scores that read `now` */
    const hn_slot *ts = p->time_slot >= 0 ? &s->ev.slots[p->time_slot] : NULL;
    bool timed = ts && ts->n && s->ev.values[ts->first].kind == HN_V_TIME;
    hn_incidents_event(s->inc, &s->e, &s->ev, timed ? s->ev.values[ts->first].u.i : 0, timed);
  }
  int late = s->ce ? hn_corr_event(s->ce, &s->e, &s->ev, event, len, s->at.source, s->at.line, s->at.offset) : 0;
  if (late < 0) return nomem(s);
  if (late != HN_CORR_TAKEN) not_taken(s, late, event, len);
  if (s->e.re_undecided) regex_limits(s, event, len);
  corr_stats(s);
  return checked(s);
}

hn_status hn_session_advance(hn_session *s, int64_t t) {
  if (s->failed) return HN_ERR_NOMEM;
  if (s->ce && hn_corr_advance(s->ce, &s->e, t) != HN_OK) return nomem(s);
  corr_stats(s);
  if (s->inc) hn_incidents_advance(s->inc, t);
  return checked(s);
}

hn_status hn_session_set_case(hn_session *s, const char *incident_id, const hn_case_view *c) {
  if (s->failed) return HN_ERR_NOMEM;
  if (!s->inc || !c) {
    snprintf(s->err, sizeof s->err, "%s", !c ? "no case given" : "the session keeps no incidents (HN_SESSION_INCIDENTS)");
    return HN_ERR_USAGE;
  }
  hn_status st = hn_incidents_set_case(s->inc, incident_id, c, s->err, sizeof s->err);
  if (st == HN_ERR_NOMEM) return nomem(s);
  return st == HN_OK ? checked(s) : st; /* rating the incident again may have run out */
}

hn_status hn_session_flush(hn_session *s) {
  if (s->failed) return HN_ERR_NOMEM;
  if (s->ce && hn_corr_finish(s->ce, &s->e) != HN_OK) return nomem(s);
  corr_stats(s);
  return checked(s);
}

const char *hn_session_error(const hn_session *s) { return s->err; }

void hn_session_stats(const hn_session *s, hn_stats *out) {
  *out = s->st;
  out->incidents = s->inc ? hn_incidents_count(s->inc) : 0;
}

int64_t hn_session_watermark(const hn_session *s) { return s->ce ? hn_corr_watermark(s->ce) : s->now; }

hn_status hn_session_queue(hn_session *s, const hn_queue_visitor *v) {
  if (!s->inc) {
    snprintf(s->err, sizeof s->err, "the session keeps no incidents (HN_SESSION_INCIDENTS)");
    return HN_ERR_USAGE;
  }
  return hn_incidents_queue(s->inc, v);
}

/* ---- what a program declares ---------------------------------------------------------------------- */
uint32_t hn_program_rule_count(const hn_program *p) { return p->n_rules; }

int64_t hn_program_checkpoint_interval(const hn_program *p) { return p->checkpoint; }

const char *hn_program_rule_name(const hn_program *p, uint32_t i) { return i < p->n_rules ? p->rules[i].name : NULL; }

uint32_t hn_program_rule_find(const hn_program *p, const char *name) {
  for (uint32_t i = 0; name && i < p->n_rules; i++)
    if (strcmp(p->rules[i].name, name) == 0) return i;
  return UINT32_MAX;
}

uint32_t hn_program_test_count(const hn_program *p) { return p->n_tests; }

hn_status hn_program_test(const hn_program *p, uint32_t i, hn_test_view *out) {
  if (i >= p->n_tests) return HN_ERR_NOT_FOUND;
  const hn_test *t = &p->tests[i];
  *out = (hn_test_view){t->name, t->file, t->line, t->events, t->n_events, t->n_expects};
  return HN_OK;
}

hn_status hn_program_test_expect(const hn_program *p, uint32_t i, uint32_t k, hn_test_expect_view *out) {
  if (i >= p->n_tests || k >= p->tests[i].n_expects) return HN_ERR_NOT_FOUND;
  const hn_test_expect *x = &p->tests[i].expects[k];
  *out = (hn_test_expect_view){x->rule, p->rules[x->rule].name, x->negated, x->count};
  return HN_OK;
}

/* ---- checkpoints -------------------------------------------------------------------------------
 * The session's state: a fixed header (magic, format, byte order, the version of hornet that
 * wrote it, the program's hash, the body's length and checksum), then the body: the alert
 * sequence, the counts and the incidents' clock, the correlation engine's state and the
 * incidents'. Checked whole (length, checksum) before anything in it is used, then every
 * length and index again as it is read (ckpt.h): damaged bytes are refused, never trusted. */
#define HN_SESSION_MAGIC "HNSESSN1"
/* Format 2 added each incident's case (hn_session_set_case); format 1 states are read as
 * incidents without cases. */
enum { HN_SESSION_FORMAT = 2, HN_SESSION_FORMAT_OLDEST = 1, HN_SESSION_ORDER = 0x01020304 };

typedef struct session_head {
  char magic[8];
  uint32_t format, order;
  char version[16];
  uint64_t program;            /* hn_program_hash of the program that wrote it */
  uint64_t length, sum;        /* the body's; the sum covers the header before it too */
} session_head;
_Static_assert(sizeof(session_head) == 56, "the header has no padding");

static uint64_t head_seed(const session_head *h) { return hn_ck_sum(0, h, offsetof(session_head, length)); }

static void body(hn_session *s, hn_ckw *w, hn_status *st) {
  hn_ckw_u64(w, s->alert_seq);
  const uint64_t u[] = {s->st.events, s->st.bytes, s->st.alerts, s->st.malformed, s->st.regex_undecided};
  for (size_t i = 0; i < sizeof u / sizeof *u; i++) hn_ckw_u64(w, u[i]);
  hn_ckw_i64(w, s->now);
  hn_ckw_u8(w, s->ce != NULL);
  if (s->ce) *st = hn_corr_save(s->ce, w);
  hn_ckw_u8(w, s->inc != NULL);
  if (s->inc) hn_incidents_save(s->inc, w);
}

hn_status hn_session_checkpoint(hn_session *s, hn_write_fn write, void *ud) {
  if (s->failed) return HN_ERR_NOMEM;
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  hn_ckw *w = hn_malloc(sizeof *w);
  if (!f || !w) {
    if (f) fclose(f);
    free(buf); /* open_memstream's: libc's */
    hn_free(w);
    return nomem(s);
  }
  session_head h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, HN_SESSION_MAGIC, 8);
  h.format = HN_SESSION_FORMAT;
  h.order = HN_SESSION_ORDER;
  snprintf(h.version, sizeof h.version, "%s", HN_VERSION_STRING);
  h.program = hn_program_hash(s->p);
  hn_status st = fwrite(&h, sizeof h, 1, f) == 1 ? HN_OK : HN_ERR_NOMEM;
  hn_ckw_init(w, f, head_seed(&h));
  if (st == HN_OK) body(s, w, &st);
  if (!hn_ckw_end(w) && st == HN_OK) st = HN_ERR_NOMEM;
  h.length = w->n;
  h.sum = hn_ck_sum(w->sum, &h.length, sizeof h.length);
  hn_free(w);
  if (fclose(f) != 0 && st == HN_OK) st = HN_ERR_NOMEM;
  if (st == HN_OK) memcpy(buf, &h, sizeof h); /* the length and sum, now known */
  if (st == HN_OK && write(ud, buf, n) != 0) {
    snprintf(s->err, sizeof s->err, "cannot write the checkpoint");
    st = HN_ERR_IO;
  }
  free(buf);
  return st == HN_ERR_NOMEM ? nomem(s) : st;
}

/* The header's verdict on a state of n bytes: NULL when it is whole and its sum matches. */
static const char *head_check(const unsigned char *b, size_t n, session_head *h, char *why, size_t cap) {
  if (n < 8 || memcmp(b, HN_SESSION_MAGIC, 8) != 0) return "not a hornet session state";
  if (n < sizeof *h) return "truncated: shorter than its header";
  memcpy(h, b, sizeof *h);
  if (h->order != HN_SESSION_ORDER) return "written on a machine of another byte order";
  if (h->format < HN_SESSION_FORMAT_OLDEST || h->format > HN_SESSION_FORMAT) {
    char ver[sizeof h->version + 1] = "";
    for (size_t i = 0; i < sizeof h->version; i++) ver[i] = h->version[i] >= 0x20 && h->version[i] < 0x7f ? h->version[i] : 0;
    snprintf(why, cap, "format %u (written by hornet %s); this hornet (%s) reads format %d: start without it", h->format,
             ver, HN_VERSION_STRING, HN_SESSION_FORMAT);
    return why;
  }
  if (h->length != n - sizeof *h) {
    snprintf(why, cap, "truncated or corrupt: it holds %zu bytes after its header, which says %" PRIu64, n - sizeof *h,
             h->length);
    return why;
  }
  uint64_t sum = hn_ck_sum(hn_ck_sum(head_seed(h), b + sizeof *h, n - sizeof *h), &h->length, sizeof h->length);
  return sum == h->sum ? NULL : "corrupt: its checksum does not match its content";
}

/* The body after a good header. The incidents it holds are restored even into a session that
 * keeps none, so that they carry on to its next checkpoint. */
static hn_status parse(hn_session *s, hn_ckr *r, const char *source, uint32_t format) {
  s->alert_seq = hn_ckr_u64(r, "the alert sequence");
  uint64_t *u[] = {&s->st.events, &s->st.bytes, &s->st.alerts, &s->st.malformed, &s->st.regex_undecided};
  for (size_t i = 0; i < sizeof u / sizeof *u; i++) *u[i] = hn_ckr_u64(r, "the session's counts");
  s->now = hn_ckr_time(r, true, "the incidents' clock");
  bool corr = hn_ckr_bool(r, "the correlation flag");
  if (r->err) return HN_ERR_SYNTAX;
  if (corr != (s->ce != NULL)) {
    snprintf(s->err, sizeof s->err, "written for another pack: it %s correlation state and this pack has %s",
             corr ? "holds" : "holds no", corr ? "no correlation rule" : "correlation rules");
    return HN_ERR_SYNTAX;
  }
  hn_status rc = s->ce ? hn_corr_load(s->ce, r, source, NULL, s->err, sizeof s->err) : HN_OK;
  if (rc == HN_OK && hn_ckr_bool(r, "the incidents' flag")) {
    if (!s->inc && !(s->inc = hn_incidents_create(s->p, &s->cb, s->o.engine != HN_ENGINE_INTERP))) return HN_ERR_NOMEM;
    rc = hn_incidents_load(s->inc, r, format >= 2, s->err, sizeof s->err);
  }
  if (rc == HN_OK && !r->err && r->at != r->n) hn_ckr_fail(r, "bytes after the end of the state");
  return rc == HN_OK && r->err ? HN_ERR_SYNTAX : rc;
}

hn_status hn_session_restore(hn_session *s, const void *data, size_t len, const char *source) {
  session_head h;
  char why[256];
  s->err[0] = 0;
  const char *bad = head_check(data, len, &h, why, sizeof why);
  if (bad) {
    snprintf(s->err, sizeof s->err, "%s", bad);
    return HN_ERR_SYNTAX;
  }
  hn_ckr r;
  hn_ckr_init(&r, (const unsigned char *)data + sizeof h, len - sizeof h);
  hn_status rc = parse(s, &r, source, h.format);
  if (rc == HN_ERR_NOMEM || r.nomem) return nomem(s);
  if (rc != HN_OK && !s->err[0] && r.err)
    snprintf(s->err, sizeof s->err, "corrupt: %s at byte %zu", r.err, sizeof h + r.err_at);
  if (rc != HN_OK && !s->err[0]) snprintf(s->err, sizeof s->err, "the state cannot be read");
  if (rc != HN_OK) return rc;
  corr_stats(s);
  return HN_OK;
}
