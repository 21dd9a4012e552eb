/* run.c - what the commands run over a program: the event stream (hornet run), the pack's
 * test blocks (hornet test) and the explanation of one event (hornet explain). Alerts are
 * JSON Lines. Streams through one reused line buffer and one reused event: no per-event
 * allocation once warm. Depends on the interpreter and the decoder. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "corr.h"
#include "incident.h"
#include "interp.h"
#include "value.h"

static const char *const sev_names[] = {"unknown", "info", "low", "medium", "high", "critical"};

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

/* A field's value(s): one value plainly, several as an array. */
static void slot_json(FILE *f, const hn_event *ev, uint32_t slot) {
  const hn_slot *s = &ev->slots[slot];
  if (s->n == 1 && !(s->flags & HN_SLOT_ARRAY)) {
    value_json(f, &ev->values[s->first]);
    return;
  }
  fputc('[', f);
  for (uint32_t i = 0; i < s->n; i++) {
    if (i) fputc(',', f);
    value_json(f, &ev->values[s->first + i]);
  }
  fputc(']', f);
}

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

static void eval_all(hn_eval *e, uint32_t node);

static void vals_json(FILE *f, const hn_value *v, uint32_t n) {
  if (n == 1) {
    value_json(f, v);
    return;
  }
  fputc('[', f);
  for (uint32_t i = 0; i < n; i++) {
    if (i) fputc(',', f);
    value_json(f, &v[i]);
  }
  fputc(']', f);
}

/* Writes one alert as a JSON line: the rule and its metadata, the time, how many alerts it
 * stands for when suppression held some back, the entities, the correlation key and event
 * count, the input position and, for a single-event rule, the fields that matched. */
static void write_alert(FILE *f, const hn_program *p, const hn_calert *a, uint8_t *seen) {
  const hn_rule *r = &p->rules[a->rule];
  const hn_event *ev = a->ev;
  bool single = r->kind == HN_R_SINGLE || r->kind == HN_R_OVER_ALERTS;
  /* every condition of the rule, not just those short-circuiting reached: the matched fields
   * are then the same whichever engine decided */
  if (single && a->e) eval_all(a->e, r->cond);
  fputs("{\"rule\":", f);
  hn_json_cstr(f, r->name);
  if (r->title) { fputs(",\"title\":", f); hn_json_cstr(f, r->title); }
  if (r->id) { fputs(",\"id\":", f); hn_json_cstr(f, r->id); }
  fprintf(f, ",\"severity\":\"%s\"", sev_names[r->severity >= 0 && r->severity <= 5 ? r->severity : 0]);
  fputs(",\"tags\":[", f);
  for (uint32_t i = 0; i < r->n_tags; i++) {
    if (i) fputc(',', f);
    hn_json_cstr(f, r->tags[i]);
  }
  fputc(']', f);
  if (r->control) { fputs(",\"control\":", f); hn_json_cstr(f, r->control); }
  if (r->service) { fputs(",\"service\":", f); hn_json_cstr(f, r->service); }
  fputs(",\"time\":", f);
  if (a->timed) hn_json_time(f, a->time);
  else fputs("null", f);
  if (a->count > 1) fprintf(f, ",\"count\":%" PRIu64, a->count);
  fputs(",\"entities\":{", f);
  int k = 0;
  for (uint32_t i = 0; i < r->n_entities; i++) {
    const hn_value *v = NULL;
    uint32_t n = 0;
    if (i < a->n_ent) {
      v = a->ent_vals[i].v;
      n = a->ent_vals[i].n;
    } else if (ev && ev->slots[r->entities[i]].n) {
      v = ev->values + ev->slots[r->entities[i]].first;
      n = ev->slots[r->entities[i]].n;
    }
    if (!n) continue;
    if (k++) fputc(',', f);
    hn_json_cstr(f, r->entity_names[i]);
    fputc(':', f);
    if (i < a->n_ent) vals_json(f, v, n);
    else slot_json(f, ev, r->entities[i]);
  }
  fputc('}', f);
  if (!single) {
    fputs(",\"key\":{", f);
    for (uint32_t i = 0; i < a->n_keys; i++) {
      if (i) fputc(',', f);
      hn_json_cstr(f, p->fields[a->key_slots[i]].path);
      fputc(':', f);
      if (a->key_vals && a->key_vals[i].n) vals_json(f, a->key_vals[i].v, a->key_vals[i].n);
      else fputs("null", f);
    }
    fprintf(f, "},\"events\":%" PRIu64, a->events);
  }
  fputs(",\"input\":{\"file\":", f);
  hn_json_cstr(f, a->file);
  fprintf(f, ",\"line\":%" PRIu64 ",\"offset\":%" PRIu64 "}", a->line, a->offset);
  if (single && a->e && ev) {
    fputs(",\"matched\":{", f);
    memset(seen, 0, p->n_fields);
    matched(a->e, r->cond, seen);
    k = 0;
    for (uint32_t i = 0; i < p->n_fields; i++) {
      if (!seen[i] || !ev->slots[i].n) continue;
      if (k++) fputc(',', f);
      hn_json_cstr(f, p->fields[i].path);
      fputc(':', f);
      slot_json(f, ev, i);
    }
    fputc('}', f);
  }
  fputs("}\n", f);
}

/* Where alerts go: the output stream (hn_run_stream) or per-rule counts (tests). */
typedef struct sink {
  FILE *out;
  const hn_program *p;
  uint8_t *seen;
  uint64_t *alerts;
  int64_t *count;
  hn_incidents *inc;     /* every alert joins an incident, when incidents are kept */
  int64_t now;
  int64_t wall;          /* the clock for max_skew: an alert far ahead of it does not move now */
  FILE *records;         /* the incidents' records, checked after each write (may be NULL) */
  FILE *bad;             /* the first output a write failed on (the run stops), and errno then */
  int bad_errno;
} sink;

/* Notes a failed write on f, the first one only: errno still holds the cause. */
static void out_check(sink *k, FILE *f) {
  if (f && !k->bad && ferror(f)) {
    k->bad = f;
    k->bad_errno = errno ? errno : EIO;
  }
}

/* Flushes f and notes a failure. */
static void out_flush(sink *k, FILE *f) {
  if (f && fflush(f) != 0 && !k->bad) {
    k->bad = f;
    k->bad_errno = errno ? errno : EIO;
  }
  out_check(k, f);
}

static void emit(void *ud, const hn_calert *a) {
  sink *k = ud;
  if (k->count) k->count[a->rule]++; /* tests see every rule fire, `generate false` ones too */
  if (k->p->rules[a->rule].quiet) return; /* `generate false`: for the rules that read it only */
  if (k->alerts) (*k->alerts)++;
  if (k->out) {
    write_alert(k->out, k->p, a, k->seen);
    out_check(k, k->out);
  }
  if (k->inc) {
    if (a->timed && a->time > k->now && !hn_time_ahead(k->p, &k->wall, a->time)) k->now = a->time;
    hn_incidents_alert(k->inc, a, k->now > INT64_MIN ? k->now : 0); /* before any time: 1970 (§10.12) */
    out_check(k, k->records);
  }
}

/* ---- dead letters -----------------------------------------------------------------------------
 * One JSON object a line (README): {"file", "line", "offset", "reason", ["message",] ["rule",]
 * "text"[, "base64"]}. "text" is the line as a JSON string; a line that is not valid UTF-8
 * has U+FFFD for its ill-formed bytes there (hn_json_str) and comes whole, byte for byte, in
 * "base64". */
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

/* Where a line came from, for a dead letter. */
typedef struct line_at {
  const char *text;
  size_t len;
  uint64_t line, offset;
} line_at;

/* Writes one dead letter to o->dead_letter (when there is one): reason is "malformed", "late"
 * or "regex-limit"; message and rule may be NULL. */
static void dead_letter(const hn_run_options *o, sink *k, const line_at *l, const char *reason, const char *message,
                        const char *rule) {
  FILE *f = o->dead_letter;
  if (!f) return;
  fputs("{\"file\":", f);
  hn_json_cstr(f, o->input_name);
  fprintf(f, ",\"line\":%" PRIu64 ",\"offset\":%" PRIu64 ",\"reason\":\"%s\"", l->line, l->offset, reason);
  if (message) { fputs(",\"message\":", f); hn_json_cstr(f, message); }
  if (rule) { fputs(",\"rule\":", f); hn_json_cstr(f, rule); }
  fputs(",\"text\":", f);
  hn_json_str(f, l->text, l->len);
  if (hn_utf8_check(l->text, l->len) < l->len) {
    fputs(",\"base64\":", f);
    base64(f, l->text, l->len);
  }
  fputs("}\n", f);
  out_check(k, f);
}

/* The single-event alerts of the current event, through suppression when there is any. */
static void single_alerts(const hn_program *p, hn_corr_engine *ce, sink *k, hn_eval *e, const hn_event *ev,
                          const uint32_t *fired, uint32_t nf, const char *file, uint64_t line, uint64_t offset) {
  hn_calert a = {0};
  a.e = e;
  a.ev = ev;
  a.file = file;
  a.line = line;
  a.offset = offset;
  const hn_slot *ts = p->time_slot >= 0 ? &ev->slots[p->time_slot] : NULL;
  if (ts && ts->n && ev->values[ts->first].kind == HN_V_TIME) {
    a.timed = true;
    a.time = ev->values[ts->first].u.i;
  }
  for (uint32_t f = 0; f < nf; f++) {
    a.rule = fired[f];
    a.count = 0;
    if (ce) hn_corr_alert(ce, &a);
    else emit(k, &a);
  }
}

/* An evaluator and an event for one thread's work over p; both or neither. */
static hn_status session_init(const hn_program *p, hn_eval *e, hn_event *ev) {
  if (hn_eval_init(e, p) != HN_OK) return HN_ERR_NOMEM;
  if (hn_event_init(ev, p->decoder) != HN_OK) {
    hn_eval_fini(e);
    return HN_ERR_NOMEM;
  }
  return HN_OK;
}

/* ---- checkpoints ------------------------------------------------------------------------------
 * A state file: a fixed header (magic, format, byte order, the version of hornet that wrote
 * it, the program's hash, the body's length and checksum), then the body: the input position
 * and the runner's counts, the outputs' lengths, the correlation engine's state and the
 * incidents'. Written to PATH.tmp, flushed to disk, renamed over PATH and the directory
 * synced: a crash leaves the old state or the new, never half. Read whole and checked (length,
 * checksum) before anything in it is used; then every length and index is checked again as
 * it is read, so a damaged file is refused, naming itself and what is wrong. */
#define HN_STATE_MAGIC "HORNETST"
enum { HN_STATE_FORMAT = 3, HN_STATE_ORDER = 0x01020304 };

typedef struct state_head {
  char magic[8];
  uint32_t format, order;      /* order: HN_STATE_ORDER as written by the host */
  char version[16];            /* HN_VERSION_STRING, NUL-padded */
  uint64_t program;            /* hn_program_hash of the program that wrote it */
  uint64_t length, sum;        /* the body's; the sum covers the header before it too */
} state_head;
_Static_assert(sizeof(state_head) == 56, "the header has no padding");

/* The runner's part of the body. */
typedef struct state_run {
  uint64_t offset, lines, events, bytes, alerts, malformed, late;
  int64_t lens[3];             /* output, dead letters, incident records: -1 when not a file */
  int64_t now;                 /* the incidents' clock (the latest alert time) */
} state_run;

/* The outputs a checkpoint records the length of, in state_run.lens order. */
static void outputs_of(const hn_run_options *o, FILE *f[3]) {
  f[0] = o->out;
  f[1] = o->dead_letter;
  f[2] = o->incidents;
}

/* Where a regular-file output ends after what was written to it, flushed and synced: -1 when
 * it is not a regular file. Appending (>>, or what the CLI opens with --state), every write
 * lands at the end whatever the stream's position says: the end is the file's size. */
static int64_t out_end(FILE *f) {
  struct stat sb;
  if (!f || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) return -1;
  fsync(fileno(f));
  int fl = fcntl(fileno(f), F_GETFL);
  return fl >= 0 && (fl & O_APPEND) ? (int64_t)sb.st_size : (int64_t)ftello(f);
}

/* Cuts a regular-file output back to len (what it held at the checkpoint) when it is longer;
 * a shorter one (rotated, emptied by >) is left alone. 0, or -1 on failure. */
static int out_cut(FILE *f, int64_t len) {
  struct stat sb;
  if (!f || len < 0 || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= len) return 0;
  if (fflush(f) != 0 || ftruncate(fileno(f), (off_t)len) != 0) return -1;
  return fseeko(f, 0, SEEK_END) == 0 ? 0 : -1;
}

static uint64_t head_seed(const state_head *h) { return hn_ck_sum(0, h, offsetof(state_head, length)); }

static hn_status state_body(hn_ckw *w, const state_run *sr, const hn_corr_engine *ce, const hn_incidents *inc) {
  const uint64_t u[] = {sr->offset, sr->lines, sr->events, sr->bytes, sr->alerts, sr->malformed, sr->late};
  for (size_t i = 0; i < sizeof u / sizeof *u; i++) hn_ckw_u64(w, u[i]);
  for (int i = 0; i < 3; i++) hn_ckw_i64(w, sr->lens[i]);
  hn_ckw_i64(w, sr->now);
  hn_status rc = hn_corr_save(ce, w);
  hn_ckw_u8(w, inc != NULL);
  if (inc) hn_incidents_save(inc, w);
  return rc;
}

/* The header (its length and sum filled in once the body is written), the body, synced. */
static hn_status write_state(FILE *f, state_head *h, const state_run *sr, const hn_corr_engine *ce,
                             const hn_incidents *inc) {
  hn_ckw *w = malloc(sizeof *w);
  if (!w) return HN_ERR_NOMEM;
  hn_status rc = fwrite(h, sizeof *h, 1, f) == 1 ? HN_OK : HN_ERR_IO;
  if (rc == HN_OK) {
    hn_ckw_init(w, f, head_seed(h));
    rc = state_body(w, sr, ce, inc);
    if (!hn_ckw_end(w) && rc == HN_OK) rc = HN_ERR_IO;
    h->length = w->n;
    h->sum = hn_ck_sum(w->sum, &h->length, sizeof h->length);
  }
  free(w);
  if (rc == HN_OK && (fseeko(f, 0, SEEK_SET) != 0 || fwrite(h, sizeof *h, 1, f) != 1 || fflush(f) != 0 ||
                      fsync(fileno(f)) != 0))
    rc = HN_ERR_IO;
  return rc;
}

/* The directory of path, synced so that the rename is on disk too. */
static void sync_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1, slash ? path : ".");
  int fd = open(dir, O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

/* PATH.tmp written whole and synced, then renamed over PATH: the old state or the new. A
 * failure to write it is reported to o->diag, one of the outputs' noted in k (they are flushed
 * first: what they hold is part of the checkpoint). */
static hn_status state_save(const hn_run_options *o, sink *k, const hn_corr_engine *ce, const hn_run_stats *st,
                            uint64_t offset) {
  const char *path = o->state_path;
  FILE *outs[3];
  outputs_of(o, outs);
  for (int i = 0; i < 3; i++) out_flush(k, outs[i]);
  if (k->bad) return HN_ERR_IO;
  state_run sr = {offset, st->lines, st->events, st->bytes, st->alerts, st->malformed, st->late, {0}, k->now};
  for (int i = 0; i < 3; i++) sr.lens[i] = out_end(outs[i]);
  state_head h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, HN_STATE_MAGIC, 8);
  h.format = HN_STATE_FORMAT;
  h.order = HN_STATE_ORDER;
  snprintf(h.version, sizeof h.version, "%s", HN_VERSION_STRING);
  h.program = hn_program_hash(k->p);
  size_t n = strlen(path) + 5;
  char *tmp = malloc(n);
  if (!tmp) return HN_ERR_NOMEM;
  snprintf(tmp, n, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  hn_status rc = f ? write_state(f, &h, &sr, ce, k->inc) : HN_ERR_IO;
  int err = errno;
  if (f && fclose(f) != 0 && rc == HN_OK) {
    rc = HN_ERR_IO;
    err = errno;
  }
  if (rc == HN_OK && rename(tmp, path) != 0) {
    rc = HN_ERR_IO;
    err = errno;
  }
  if (rc == HN_OK) sync_dir(path);
  else if (f) remove(tmp);
  if (rc != HN_OK && o->diag)
    fprintf(o->diag, "hornet: cannot write the state file '%s': %s\n", path, rc == HN_ERR_NOMEM ? "out of memory" : strerror(err));
  free(tmp);
  return rc;
}

/* The header's verdict on a file of n bytes: NULL when it is whole and its sum matches. */
static const char *head_check(const unsigned char *b, size_t n, state_head *h, char *why, size_t cap) {
  if (n < 8 || memcmp(b, HN_STATE_MAGIC, 8) != 0) return "not a hornet state file";
  if (n < sizeof *h) {
    snprintf(why, cap, "truncated: %zu bytes, shorter than its %zu-byte header", n, sizeof *h);
    return why;
  }
  memcpy(h, b, sizeof *h);
  char ver[sizeof h->version + 1] = "";
  memcpy(ver, h->version, sizeof h->version);
  for (size_t i = 0; i < sizeof h->version; i++) ver[i] = ver[i] >= 0x20 && ver[i] < 0x7f ? ver[i] : ver[i] ? '?' : 0;
  if (h->order != HN_STATE_ORDER) return "written on a machine of another byte order";
  if (h->format != HN_STATE_FORMAT) {
    snprintf(why, cap, "format %u (written by hornet %s); this hornet (%s) reads format %d: start without it",
             h->format, ver, HN_VERSION_STRING, HN_STATE_FORMAT);
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

/* The body after a good header: the runner's part into sr, then the engines'. */
static hn_status state_parse(hn_ckr *r, const hn_program *p, hn_corr_engine *ce, hn_incidents **inc, bool native,
                             state_run *sr, const hn_run_options *o, char *err, size_t cap) {
  uint64_t *u[] = {&sr->offset, &sr->lines, &sr->events, &sr->bytes, &sr->alerts, &sr->malformed, &sr->late};
  for (size_t i = 0; i < sizeof u / sizeof *u; i++) *u[i] = hn_ckr_u64(r, "the runner's counts");
  if (sr->offset > INT64_MAX) hn_ckr_fail(r, "the input's position");
  for (int i = 0; i < 3; i++)
    if ((sr->lens[i] = hn_ckr_i64(r, "an output's length")) < -1) hn_ckr_fail(r, "an output's length");
  sr->now = hn_ckr_time(r, true, "the incidents' clock");
  if (r->err) return HN_ERR_SYNTAX;
  hn_status rc = hn_corr_load(ce, r, o->input_name, o->diag, err, cap);
  if (rc == HN_OK && hn_ckr_bool(r, "the incidents' flag")) {
    if (!*inc && !(*inc = hn_incidents_create(p, NULL, native))) return HN_ERR_NOMEM; /* carried on to the next state */
    rc = hn_incidents_load(*inc, r, err, cap);
  }
  if (rc == HN_OK && !r->err && r->at != r->n) hn_ckr_fail(r, "bytes after the end of the state");
  return rc == HN_OK && r->err ? HN_ERR_SYNTAX : rc;
}

/* The input where the checkpoint left it, each output cut back to its length then: 1, or -1
 * (diag says why). */
static int state_resume(const char *path, const state_run *sr, const hn_run_options *o) {
  struct stat sb;
  if (fstat(fileno(o->in), &sb) == 0 && S_ISREG(sb.st_mode)) {
    const char *why = sr->offset > (uint64_t)sb.st_size ? "the input is shorter: not the input it was written for"
                      : fseeko(o->in, (off_t)sr->offset, SEEK_SET) != 0 ? strerror(errno) : NULL;
    if (why) {
      if (o->diag)
        fprintf(o->diag, "hornet: state file '%s': cannot resume '%s' at byte %" PRIu64 ": %s\n", path, o->input_name,
                sr->offset, why);
      return -1;
    }
  }
  FILE *outs[3];
  outputs_of(o, outs);
  for (int i = 0; i < 3; i++)
    if (out_cut(outs[i], sr->lens[i]) != 0) {
      if (o->diag)
        fprintf(o->diag, "hornet: state file '%s': cannot cut an output back to its %" PRId64 " bytes at the "
                "checkpoint: %s\n", path, sr->lens[i], strerror(errno));
      return -1;
    }
  return 1;
}

/* Reads the whole of path into memory (*len bytes, malloc'd); NULL with errno set. */
static unsigned char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  struct stat sb;
  unsigned char *b = NULL;
  if (fstat(fileno(f), &sb) == 0 && sb.st_size >= 0 && (b = malloc((size_t)sb.st_size + 1)) != NULL) {
    *len = fread(b, 1, (size_t)sb.st_size, f);
    if (ferror(f) || *len != (size_t)sb.st_size) { free(b); b = NULL; errno = EIO; }
  }
  fclose(f);
  return b;
}

/* Reads PATH if it exists: 0 none, 1 restored, -1 refused (diag says why). The incidents it
 * holds go to *inc, created when this run keeps none, so that they carry on. */
static int state_load(const char *path, const hn_program *p, hn_corr_engine *ce, hn_incidents **inc, bool native,
                      hn_run_stats *st, uint64_t *offset, int64_t *now, const hn_run_options *o) {
  size_t n = 0;
  unsigned char *b = read_all(path, &n);
  if (!b && errno == ENOENT) return 0;
  char err[512] = "", why[256];
  state_head h;
  const char *bad = b ? head_check(b, n, &h, why, sizeof why) : strerror(errno);
  state_run sr;
  memset(&sr, 0, sizeof sr);
  hn_ckr r;
  if (!bad) {
    hn_ckr_init(&r, b + sizeof h, n - sizeof h);
    hn_status rc = state_parse(&r, p, ce, inc, native, &sr, o, err, sizeof err);
    if (rc == HN_ERR_NOMEM) bad = "out of memory";
    else if (*err) bad = err;
    else if (r.err) {
      snprintf(why, sizeof why, "corrupt: %s at byte %zu", r.err, sizeof h + r.err_at);
      bad = why;
    }
    if (!bad && h.program != hn_program_hash(p) && o->diag) /* a new version of the pack: migrated rule by rule */
      fprintf(o->diag, "hornet: state file '%s' was written by another version of the pack: the state of its "
              "unchanged rules is kept\n", path);
  }
  free(b);
  if (bad) {
    if (o->diag) fprintf(o->diag, "hornet: state file '%s': %s\n", path, bad);
    return -1;
  }
  *offset = sr.offset;
  st->lines = sr.lines;
  st->events = sr.events;
  st->bytes = sr.bytes;
  st->alerts = sr.alerts;
  st->malformed = sr.malformed;
  st->late = sr.late;
  *now = sr.now;
  return state_resume(path, &sr, o);
}

static int64_t wall_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* ---- regex limits ------------------------------------------------------------------------------
 * Each rule that read a regex match the limits left undecided (lang/SPEC.md §6.8) counts once
 * an event, in the stats and per rule, and gets a dead letter and a report: an evasion by
 * padding is visible. */
typedef struct re_limits {
  uint64_t *count;   /* per rule: events (allocated at the first) */
  uint64_t *last;    /* per rule: the last line counted */
} re_limits;

static void re_report(const hn_run_options *o, sink *k, hn_run_stats *st, const char *rule, const line_at *l) {
  st->regex_undecided++;
  if (o->diag && st->regex_undecided <= o->max_reports)
    fprintf(o->diag, "%s:%" PRIu64 ": rule '%s': a regex match reached the match limit (lang/SPEC.md §6.8)\n",
            o->input_name, l->line, rule ? rule : "?");
  dead_letter(o, k, l, "regex-limit", "a regex match reached the match limit", rule);
}

/* Counts and reports the rules whose regex matches of this event the limits left undecided. */
static hn_status re_limited(const hn_program *p, hn_eval *e, re_limits *rl, const hn_run_options *o, sink *k,
                            hn_run_stats *st, const line_at *l) {
  if (!rl->count) {
    rl->count = calloc(p->n_rules + 1, sizeof *rl->count);
    rl->last = calloc(p->n_rules + 1, sizeof *rl->last);
    if (!rl->count || !rl->last) return HN_ERR_NOMEM;
  }
  uint32_t listed = e->re_undecided < HN_RE_LISTED ? e->re_undecided : HN_RE_LISTED;
  for (uint32_t i = 0; i < listed; i++) {
    const uint32_t *rules;
    uint32_t n = hn_re_rules(e, e->re_preds[i], &rules);
    if (n == 0) re_report(o, k, st, NULL, l); /* a score or an exposure read it */
    for (uint32_t j = 0; j < n; j++) {
      if (rl->last[rules[j]] == l->line) continue;
      rl->last[rules[j]] = l->line;
      rl->count[rules[j]]++;
      re_report(o, k, st, p->rules[rules[j]].name, l);
    }
  }
  return HN_OK;
}

/* The per-rule totals, at the end of the run. */
static void re_summary(const hn_program *p, const re_limits *rl, const hn_run_options *o) {
  for (uint32_t r = 0; o->diag && rl->count && r < p->n_rules; r++)
    if (rl->count[r])
      fprintf(o->diag, "%s: rule '%s': %" PRIu64 " event%s with a regex match at the match limit\n", o->input_name,
              p->rules[r].name, rl->count[r], rl->count[r] == 1 ? "" : "s");
}

/* ---- the stream ------------------------------------------------------------------------------ */
static void malformed(const hn_run_options *o, sink *k, hn_run_stats *st, const line_at *l, const hn_decode_error *de) {
  st->malformed++;
  const char *why = de->message ? de->message : "not a JSON object";
  if (o->diag && st->malformed <= o->max_reports)
    fprintf(o->diag, "%s:%" PRIu64 ": malformed event: %s (at byte %zu)\n", o->input_name, l->line, why, de->offset);
  char msg[256];
  snprintf(msg, sizeof msg, "%s (at byte %zu)", why, de->offset);
  dead_letter(o, k, l, "malformed", msg, NULL);
}

static void late(const hn_program *p, const hn_run_options *o, sink *k, hn_run_stats *st, const line_at *l) {
  st->late++;
  char msg[160];
  snprintf(msg, sizeof msg, "its time is below the watermark (lateness %" PRId64 "s); kept out of correlation",
           p->lateness / 1000000000);
  if (o->diag && st->late <= o->max_reports) fprintf(o->diag, "%s:%" PRIu64 ": late event: %s\n", o->input_name, l->line, msg);
  dead_letter(o, k, l, "late", msg, NULL);
}

/* The last lines of the run's reports. */
/* An event more than max_skew ahead of the clock (§10.12): held back, or (dropped) kept out of
 * correlation for want of room, which is a dead letter. The first few of each are reported. */
static void ahead(const hn_program *p, const hn_run_options *o, sink *k, const hn_corr_stats *cs, bool dropped,
                  const line_at *l) {
  char msg[200];
  snprintf(msg, sizeof msg, "event ahead of the clock by more than max_skew (%" PRId64 "s): %s", p->max_skew / 1000000000,
           dropped ? "kept out of correlation: the events held back use half of `memory`"
                   : "held back from correlation until the watermark reaches it; the watermark does not move");
  if (o->diag && (dropped ? cs->dropped : cs->ahead - cs->dropped) <= o->max_reports)
    fprintf(o->diag, "%s:%" PRIu64 ": %s\n", o->input_name, l->line, msg);
  if (dropped) dead_letter(o, k, l, "ahead", msg, NULL);
}

static void run_summary(const hn_program *p, const hn_run_options *o, const hn_run_stats *st, const re_limits *rl) {
  uint64_t held = st->ahead - st->ahead_dropped;
  uint64_t unshown = (held > o->max_reports ? held - o->max_reports : 0) +
                     (st->ahead_dropped > o->max_reports ? st->ahead_dropped - o->max_reports : 0);
  if (o->diag && unshown) fprintf(o->diag, "%s: %" PRIu64 " more events ahead of the clock not shown\n", o->input_name, unshown);
  if (o->diag && st->late > o->max_reports)
    fprintf(o->diag, "%s: %" PRIu64 " more late events not shown\n", o->input_name, st->late - o->max_reports);
  if (o->diag && st->malformed > o->max_reports)
    fprintf(o->diag, "%s: %" PRIu64 " more malformed events not shown\n", o->input_name, st->malformed - o->max_reports);
  if (o->diag && st->regex_undecided > o->max_reports)
    fprintf(o->diag, "%s: %" PRIu64 " more regex matches at the match limit not shown\n", o->input_name,
            st->regex_undecided - o->max_reports);
  re_summary(p, rl, o);
}

hn_status hn_run_stream(const hn_program *p, const hn_run_options *o, hn_run_stats *st) {
  memset(st, 0, sizeof *st);
  hn_eval e;
  hn_event ev;
  if (session_init(p, &e, &ev) != HN_OK) return HN_ERR_NOMEM;
  uint8_t *seen = malloc(p->n_fields ? p->n_fields : 1);
  sink sk = {o->out, p, seen, &st->alerts, NULL, NULL, INT64_MIN, 0, o->incidents, NULL, 0};
  if (o->incidents || o->queue) sk.inc = hn_incidents_create(p, o->incidents, o->engine != HN_ENGINE_INTERP);
  bool need = hn_corr_needed(p) || o->state_path;
  hn_corr_engine *ce = need ? hn_corr_create(p, emit, &sk) : NULL;
  if ((need && !ce) || !seen || ((o->incidents || o->queue) && !sk.inc)) {
    hn_corr_destroy(ce);
    hn_incidents_destroy(sk.inc);
    free(seen);
    hn_event_fini(&ev);
    hn_eval_fini(&e);
    return HN_ERR_NOMEM;
  }
  bool native = o->engine != HN_ENGINE_INTERP;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  uint64_t offset = 0, segment = 0;
  re_limits rl = {NULL, NULL};
  hn_status rc = HN_OK;
  if (o->state_path && state_load(o->state_path, p, ce, &sk.inc, native, st, &offset, &sk.now, o) < 0) rc = HN_ERR_SEMANTIC;
  uint64_t events0 = st->events;
  int64_t next_ck = wall_ns() + p->checkpoint;
  while (rc == HN_OK && !sk.bad && (!o->max_events || st->events - events0 < o->max_events) &&
         (n = getline(&line, &cap, o->in)) >= 0) {
    size_t len = (size_t)n;
    line_at at = {line, len, 0, offset};
    offset += len;
    at.line = ++st->lines;
    st->bytes += len;
    if (len && line[len - 1] == '\n') at.len = --len;
    size_t k = 0;
    while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r')) k++;
    if (k == len) continue; /* blank lines are not events */
    hn_decode_error de = {0, NULL};
    hn_status ds = hn_decode(p->decoder, line, len, &ev, &de);
    if (ds == HN_ERR_NOMEM) { rc = ds; break; }
    if (ds != HN_OK) {
      malformed(o, &sk, st, &at, &de);
      continue;
    }
    st->events++;
    hn_eval_begin(&e, &ev);
    const uint32_t *fired;
    uint32_t nf = hn_match_event(&e, native, &fired);
    single_alerts(p, ce, &sk, &e, &ev, fired, nf, o->input_name, at.line, at.offset);
    if (sk.inc) { /* windows of exposure this event opens or closes; scores that read `now` */
      const hn_slot *ts = p->time_slot >= 0 ? &ev.slots[p->time_slot] : NULL;
      bool timed = ts && ts->n && ev.values[ts->first].kind == HN_V_TIME;
      hn_incidents_event(sk.inc, &e, &ev, timed ? ev.values[ts->first].u.i : 0, timed);
      out_check(&sk, o->incidents);
    }
    int lt = ce ? hn_corr_event(ce, &e, &ev, line, len, o->input_name, at.line, at.offset) : 0;
    if (lt < 0) { rc = HN_ERR_NOMEM; break; }
    if (lt == HN_CORR_LATE) late(p, o, &sk, st, &at);
    else if (lt == HN_CORR_AHEAD || lt == HN_CORR_DROPPED) ahead(p, o, &sk, hn_corr_stats_of(ce), lt == HN_CORR_DROPPED, &at);
    if (e.re_undecided && (rc = re_limited(p, &e, &rl, o, &sk, st, &at)) != HN_OK) break;
    if (o->state_path && ((o->checkpoint_events && ++segment % o->checkpoint_events == 0) ||
                          ((st->events & 1023) == 0 && wall_ns() >= next_ck))) {
      if ((rc = state_save(o, &sk, ce, st, offset)) != HN_OK) break;
      next_ck = wall_ns() + p->checkpoint;
    }
  }
  if (rc == HN_OK && !sk.bad && ferror(o->in)) {
    sk.bad = o->in;
    sk.bad_errno = errno ? errno : EIO;
  }
  if (sk.bad) rc = HN_ERR_IO;
  bool at_end = feof(o->in) != 0; /* not stopped by max_events */
  if (ce) {
    /* the end of a finite input closes every window; with a state file the stream goes on
     * in the next run unless this input is its end */
    if (rc == HN_OK && at_end && (!o->state_path || o->final_input) && hn_corr_finish(ce, &e) != HN_OK)
      rc = HN_ERR_NOMEM;
    if (rc == HN_OK && o->state_path) rc = state_save(o, &sk, ce, st, offset);
    const hn_corr_stats *cs = hn_corr_stats_of(ce);
    st->untimed = cs->untimed;
    st->no_key = cs->no_key;
    st->suppressed = cs->suppressed;
    st->evicted = cs->evicted;
    st->peak_keys = cs->peak_keys;
    st->peak_state_bytes = cs->peak_bytes;
    st->ahead = cs->ahead;
    st->ahead_dropped = cs->dropped;
    st->released = cs->released;
    hn_corr_destroy(ce);
  }
  if (sk.inc) {
    st->incidents = hn_incidents_count(sk.inc);
    if (o->queue && rc == HN_OK) hn_incidents_queue(sk.inc, o->queue, o->queue_json);
    hn_incidents_destroy(sk.inc);
  }
  FILE *outs[3];
  outputs_of(o, outs);
  for (int i = 0; i < 3; i++) out_flush(&sk, outs[i]);
  out_flush(&sk, o->queue);
  if (sk.bad) {
    rc = HN_ERR_IO;
    st->io_failed = sk.bad;
    st->io_errno = sk.bad_errno;
  }
  run_summary(p, o, st, &rl);
  free(rl.count);
  free(rl.last);
  free(line);
  free(seen);
  hn_event_fini(&ev);
  hn_eval_fini(&e);
  return rc;
}

/* ---- tests -------------------------------------------------------------------------------- */
static void xml_str(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    default: fputc(*s, f);
    }
  }
}

/* Runs one test; its failures go to msg. Returns 1 passed, 0 failed, -1 skipped. */
static int one_test(const hn_program *p, const hn_test *t, hn_eval *e, hn_event *ev, int64_t *count, FILE *msg) {
  memset(count, 0, p->n_rules * sizeof *count);
  int verdict = 1;
  /* every test starts from empty correlation state; its events are one finite input */
  sink sk = {NULL, p, NULL, NULL, count, NULL, INT64_MIN, 0, NULL, NULL, 0};
  hn_corr_engine *ce = hn_corr_needed(p) ? hn_corr_create(p, emit, &sk) : NULL;
  if (hn_corr_needed(p) && !ce) {
    fprintf(msg, "  out of memory\n");
    return 0;
  }
  for (uint32_t i = 0; i < t->n_events; i++) {
    hn_decode_error de = {0, NULL};
    size_t len = strlen(t->events[i]);
    if (hn_decode(p->decoder, t->events[i], len, ev, &de) != HN_OK) {
      fprintf(msg, "  event %u does not decode: %s\n", i + 1, de.message ? de.message : "?");
      hn_corr_destroy(ce);
      return 0;
    }
    hn_eval_begin(e, ev);
    const uint32_t *fired;
    uint32_t nf = hn_match_event(e, true, &fired);
    single_alerts(p, ce, &sk, e, ev, fired, nf, t->file, i + 1, 0);
    if (ce) hn_corr_event(ce, e, ev, t->events[i], len, t->file, i + 1, 0);
  }
  if (ce) {
    hn_corr_finish(ce, e);
    hn_corr_destroy(ce);
  }
  bool any_run = false;
  for (uint32_t k = 0; k < t->n_expects; k++) {
    const hn_test_expect *x = &t->expects[k];
    const hn_rule *r = &p->rules[x->rule];
    any_run = true;
    int64_t c = count[x->rule];
    bool ok = x->negated ? c == 0 : x->count >= 0 ? c == x->count : c > 0;
    if (ok) continue;
    verdict = 0;
    if (x->negated)
      fprintf(msg, "  expected rule %s not to fire, but it fired %" PRId64 " time%s\n", r->name, c, c == 1 ? "" : "s");
    else if (x->count >= 0)
      fprintf(msg, "  expected rule %s to fire %" PRId64 " time%s, it fired %" PRId64 "\n", r->name, x->count,
              x->count == 1 ? "" : "s", c);
    else
      fprintf(msg, "  expected rule %s to fire, it did not\n", r->name);
  }
  if (verdict == 0)
    for (uint32_t i = 0; i < t->n_events; i++) fprintf(msg, "  event %u: %s\n", i + 1, t->events[i]);
  return verdict == 0 ? 0 : any_run ? 1 : -1;
}

hn_status hn_run_tests(const hn_program *p, FILE *out, FILE *junit, hn_test_report *rep) {
  memset(rep, 0, sizeof *rep);
  hn_eval e;
  hn_event ev;
  if (session_init(p, &e, &ev) != HN_OK) return HN_ERR_NOMEM;
  int64_t *count = calloc(p->n_rules ? p->n_rules : 1, sizeof *count);
  char **msgs = calloc(p->n_tests ? p->n_tests : 1, sizeof *msgs);
  int *verdicts = calloc(p->n_tests ? p->n_tests : 1, sizeof *verdicts);
  if (!count || !msgs || !verdicts) {
    free(count);
    free(msgs);
    free(verdicts);
    hn_event_fini(&ev);
    hn_eval_fini(&e);
    return HN_ERR_NOMEM;
  }
  for (uint32_t i = 0; i < p->n_tests; i++) {
    const hn_test *t = &p->tests[i];
    size_t len = 0;
    FILE *m = open_memstream(&msgs[i], &len);
    int v = m ? one_test(p, t, &e, &ev, count, m) : 0;
    if (m) fclose(m);
    verdicts[i] = v;
    rep->tests++;
    if (v == 1) rep->passed++;
    else if (v == 0) rep->failed++;
    else rep->skipped++;
    if (v == 0) fprintf(out, "FAIL %s:%d: test \"%s\"\n%s", t->file, t->line, t->name, msgs[i] ? msgs[i] : "");
  }
  fprintf(out, "%u tests: %u passed, %u failed, %u skipped\n", rep->tests, rep->passed, rep->failed, rep->skipped);
  if (junit) {
    fprintf(junit, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"hornet\" tests=\"%u\" failures=\"%u\" skipped=\"%u\">\n",
            rep->tests, rep->failed, rep->skipped);
    for (uint32_t i = 0; i < p->n_tests; i++) {
      const hn_test *t = &p->tests[i];
      fputs("  <testcase classname=\"", junit);
      xml_str(junit, t->file);
      fputs("\" name=\"", junit);
      xml_str(junit, t->name);
      fputs("\">", junit);
      if (verdicts[i] == 0) {
        fputs("<failure message=\"expectation not met\">", junit);
        xml_str(junit, msgs[i]);
        fputs("</failure>", junit);
      } else if (verdicts[i] < 0) {
        fputs("<skipped message=\"no expectation could be checked\"/>", junit);
      }
      fputs("</testcase>\n", junit);
    }
    fputs("</testsuite>\n", junit);
  }
  for (uint32_t i = 0; i < p->n_tests; i++) free(msgs[i]);
  free(msgs);
  free(verdicts);
  free(count);
  hn_event_fini(&ev);
  hn_eval_fini(&e);
  return rep->failed ? HN_ERR_SEMANTIC : HN_OK;
}

/* ---- explain --------------------------------------------------------------------------------- */
static void vexpr_text(FILE *f, const hn_program *p, const hn_corr *C, uint32_t i);

static void const_text(FILE *f, const hn_const *c) {
  hn_value v;
  memset(&v, 0, sizeof v);
  v.kind = c->kind;
  v.v6 = c->v6;
  v.len = c->len;
  memcpy(&v.u, &c->u, sizeof v.u);
  if (c->kind == HN_V_IP) {
    hn_json_ip(f, c->u.ip, c->v6, c->prefix);
    return;
  }
  if (c->kind == HN_V_NULL) fputs("null", f);
  else value_json(f, &v);
}

static void vexpr_text(FILE *f, const hn_program *p, const hn_corr *C, uint32_t i) {
  static const char *const ops[] = {[HN_VX_ADD] = " + ", [HN_VX_SUB] = " - ", [HN_VX_MUL] = " * ",
                                    [HN_VX_DIV] = " / ", [HN_VX_MOD] = " % "};
  const hn_vexpr *x = &p->vexprs[i];
  switch (x->op) {
  case HN_VX_FIELD: fputs(p->fields[x->a].path, f); break;
  case HN_VX_CONST: const_text(f, &p->consts[x->a]); break;
  case HN_VX_BOUND:
    fprintf(f, "$%s.%s", C && x->a < C->n_steps ? C->steps[x->a].name : "?", p->fields[x->b].path);
    break;
  case HN_VX_COND: fputs("(a condition ? ", f); vexpr_text(f, p, C, p->vexprs[x->b].a); fputs(" : ", f);
    vexpr_text(f, p, C, p->vexprs[x->b].b); fputc(')', f); break;
  case HN_VX_DECAY: fputs("decay(", f); vexpr_text(f, p, C, x->a); fputs(", ", f); vexpr_text(f, p, C, x->b); fputc(')', f);
    break;
  case HN_VX_NEG: fputc('-', f); vexpr_text(f, p, C, x->a); break;
  case HN_VX_TIMEPART: {
    static const char *const parts[] = {"minute(", "hour(", "day(", "week(", "month(", "year("};
    fputs(x->b < 6 ? parts[x->b] : "?(", f);
    vexpr_text(f, p, C, x->a);
    fputc(')', f);
    break;
  }
  case HN_VX_LOWER: case HN_VX_UPPER: case HN_VX_LEN: case HN_VX_ABS:
    fputs(x->op == HN_VX_LOWER ? "lower(" : x->op == HN_VX_UPPER ? "upper(" : x->op == HN_VX_LEN ? "len(" : "abs(", f);
    vexpr_text(f, p, C, x->a);
    fputc(')', f);
    break;
  default:
    fputc('(', f);
    vexpr_text(f, p, C, x->a);
    fputs(ops[x->op], f);
    vexpr_text(f, p, C, x->b);
    fputc(')', f);
  }
}

static void pred_text(FILE *f, const hn_program *p, const hn_corr *C, const hn_pred *pr) {
  static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">=", "contains", "startswith", "endswith",
                                    "like", "matches", "in", "in", "has", "exists", "missing", "inventoried",
                                    "in_ranges"};
  const char *tilde = (pr->flags & HN_PF_NOCASE) ? "~" : "";
  if (pr->op == HN_P_EXISTS || pr->op == HN_P_MISSING) {
    fprintf(f, "%s %s", ops[pr->op], p->fields[pr->slot].path);
    return;
  }
  if (pr->op == HN_P_INVENTORIED || pr->op == HN_P_IN_RANGES) {
    fprintf(f, "%s(%s)", ops[pr->op], p->fields[pr->slot].path);
    return;
  }
  vexpr_text(f, p, C, pr->lhs);
  fprintf(f, " %s%s ", ops[pr->op], tilde);
  if (pr->rhs != UINT32_MAX) {
    vexpr_text(f, p, C, pr->rhs);
    return;
  }
  if (pr->op == HN_P_RANGE) {
    const_text(f, &p->consts[pr->first]);
    fputs("..", f);
    const_text(f, &p->consts[pr->first + 1]);
    return;
  }
  if (pr->flags & HN_PF_ALL) fputs("all ", f);
  if (pr->n != 1) fputc('[', f);
  for (uint32_t k = 0; k < pr->n && k < 8; k++) {
    if (k) fputs(", ", f);
    const_text(f, &p->consts[pr->first + k]);
  }
  if (pr->n > 8) fprintf(f, ", ... %u more", pr->n - 8);
  if (pr->n != 1) fputc(']', f);
}

static void explain_node(FILE *f, hn_eval *e, uint32_t node, int depth) {
  const hn_program *p = e->p;
  const hn_bnode *b = &p->bnodes[node];
  int v = hn_eval_known(e, node);
  const char *mark = v == 1 ? "true " : v == 0 ? "false" : "  -  "; /* - : not evaluated */
  fprintf(f, "  %s %*s", mark, depth * 2, "");
  switch (b->op) {
  case HN_B_TRUE: fputs("true\n", f); break;
  case HN_B_FALSE: fputs("false\n", f); break;
  case HN_B_PRED: pred_text(f, p, e->corr, &p->preds[b->a]); fputc('\n', f); break;
  case HN_B_NOT:
    fputs("not\n", f);
    explain_node(f, e, b->a, depth + 1);
    break;
  default:
    fputs(b->op == HN_B_AND ? "all of\n" : "any of\n", f);
    for (uint32_t k = 0; k < b->n; k++) explain_node(f, e, p->kids[b->first + k], depth + 1);
  }
}

/* Evaluates every node of the rule, so explain shows what short-circuiting skipped. */
static void eval_all(hn_eval *e, uint32_t node) {
  if (hn_eval_known(e, node) >= 0 && e->p->bnodes[node].op == HN_B_PRED) return;
  const hn_bnode *b = &e->p->bnodes[node];
  if (b->op == HN_B_NOT) eval_all(e, b->a);
  if (b->op == HN_B_AND || b->op == HN_B_OR)
    for (uint32_t k = 0; k < b->n; k++) eval_all(e, e->p->kids[b->first + k]);
  hn_eval_node(e, node);
}

hn_status hn_explain(const hn_program *p, const char *event, size_t len, const char *rule, FILE *out) {
  hn_eval e;
  hn_event ev;
  if (session_init(p, &e, &ev) != HN_OK) return HN_ERR_NOMEM;
  hn_status st = HN_OK;
  hn_decode_error de = {0, NULL};
  if (hn_decode(p->decoder, event, len, &ev, &de) != HN_OK) {
    fprintf(out, "the event is not a JSON object: %s (at byte %zu)\n", de.message ? de.message : "?", de.offset);
    st = HN_ERR_SYNTAX;
  }
  bool found = rule == NULL;
  hn_eval_begin(&e, &ev);
  for (uint32_t r = 0; st == HN_OK && r < p->n_rules; r++) {
    const hn_rule *ru = &p->rules[r];
    if (rule && strcmp(rule, ru->name) != 0) continue;
    found = true;
    if (ru->kind == HN_R_AGGREGATE) { /* one event decides whether it enters a window */
      eval_all(&e, ru->cond);
      bool in = hn_eval_node(&e, ru->cond);
      fprintf(out, "rule %s: an aggregation; this event %s its windows\n", ru->name, in ? "ENTERS" : "does not enter");
      explain_node(out, &e, ru->cond, 0);
      continue;
    }
    if (ru->kind == HN_R_SEQUENCE || ru->kind == HN_R_ABSENCE) {
      /* each step as this event alone meets it: comparisons with $step values are false */
      const hn_corr *C = &p->corrs[ru->corr];
      e.corr = C;
      fprintf(out, "rule %s: a %s; the steps this event meets on its own:\n", ru->name,
              ru->kind == HN_R_ABSENCE ? "sequence with an absence" : "sequence");
      for (uint32_t k = 0; k < C->n_steps; k++) {
        eval_all(&e, C->steps[k].cond);
        bool m = hn_eval_node(&e, C->steps[k].cond);
        fprintf(out, "  %s%s: %s\n", C->steps[k].negated ? "not " : "", C->steps[k].name, m ? "MEETS" : "does not meet");
        explain_node(out, &e, C->steps[k].cond, 1);
      }
      e.corr = NULL;
      continue;
    }
    if (ru->kind != HN_R_SINGLE) {
      fprintf(out, "rule %s: reads other rules' alerts, not events\n", ru->name);
      continue;
    }
    eval_all(&e, ru->cond);
    bool fired = hn_eval_node(&e, ru->cond);
    fprintf(out, "rule %s: %s\n", ru->name, fired ? "FIRES" : "does not fire");
    explain_node(out, &e, ru->cond, 0);
  }
  if (st == HN_OK && !found) st = HN_ERR_NOT_FOUND;
  if (st == HN_OK && e.re_undecided)
    fprintf(out, "note: %u regex match%s reached the match limit: each counts as the value that lets the rules "
            "reading it fire (lang/SPEC.md §6.8)\n", e.re_undecided, e.re_undecided == 1 ? "" : "es");
  hn_event_fini(&ev);
  hn_eval_fini(&e);
  return st;
}
