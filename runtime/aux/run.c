/* run.c - hn_run_stream of the auxiliary library: JSON Lines from a FILE through a session,
 * alerts, dead letters, incident records and the queue written by the writers (write.c), and
 * checkpoint files (--state) that resume the input and cut the outputs back to where the
 * checkpoint left them.
 * Built on hornet.h only (and POSIX files). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "hornet/hornetaux.h"
#include "alloc.h"
#include "ckpt.h"

/* What the callbacks need: the options, the outputs' first failure, the per-rule regex-limit
 * counts, the reports given so far. */
typedef struct runner {
  const hn_run_options *o;
  const hn_program *p;
  FILE *bad;              /* the first output a write failed on (the run stops), and errno then */
  int bad_errno;
  uint64_t malformed, late, regex, held, dropped; /* reports of each kind given */
  uint64_t *regex_rules;  /* per rule: events with a regex match at the limits */
} runner;

static void out_check(runner *k, FILE *f, int failed) {
  if (f && !k->bad && (failed || ferror(f))) {
    k->bad = f;
    k->bad_errno = errno ? errno : EIO;
  }
}

static void out_flush(runner *k, FILE *f) {
  if (f && fflush(f) != 0) out_check(k, f, 1);
  out_check(k, f, 0);
}

/* Each goes to its writer, then to the checkpoint store's tee when there is one. */
static void on_alert(void *ud, const hn_alert *a) {
  runner *k = ud;
  if (k->o->out) out_check(k, k->o->out, hnx_write_alert(k->o->out, a));
  if (k->o->store && k->o->store->tee.alert) k->o->store->tee.alert(k->o->store->tee.ud, a);
}

static void on_incident(void *ud, const hn_incident *i) {
  runner *k = ud;
  if (k->o->incidents) out_check(k, k->o->incidents, hnx_write_incident(k->o->incidents, i));
  if (k->o->store && k->o->store->tee.incident) k->o->store->tee.incident(k->o->store->tee.ud, i);
}

static void on_exposure(void *ud, const hn_exposure_change *x) {
  runner *k = ud;
  if (k->o->incidents) out_check(k, k->o->incidents, hnx_write_exposure(k->o->incidents, x));
  if (k->o->store && k->o->store->tee.exposure) k->o->store->tee.exposure(k->o->store->tee.ud, x);
}

/* A rejected line: reported to diag (the first max_reports of each kind), counted per rule for
 * regex limits, and written to the dead letters. */
static void on_rejected(void *ud, const hn_rejected *r) {
  runner *k = ud;
  const hn_run_options *o = k->o;
  const char *src = r->origin.source ? r->origin.source : "-";
  if (r->reason == HN_REJECT_MALFORMED && o->diag && ++k->malformed <= o->max_reports)
    fprintf(o->diag, "%s:%" PRIu64 ": malformed event: %s\n", src, r->origin.line, r->message);
  if (r->reason == HN_REJECT_LATE && o->diag && ++k->late <= o->max_reports)
    fprintf(o->diag, "%s:%" PRIu64 ": late event: %s\n", src, r->origin.line, r->message);
  if (r->reason == HN_REJECT_REGEX_LIMIT) {
    uint32_t rule = r->rule ? hn_program_rule_find(k->p, r->rule) : UINT32_MAX;
    if (rule != UINT32_MAX && k->regex_rules) k->regex_rules[rule]++;
    if (o->diag && ++k->regex <= o->max_reports)
      fprintf(o->diag, "%s:%" PRIu64 ": rule '%s': a regex match reached the match limit (lang/SPEC.md §6.8)\n", src,
              r->origin.line, r->rule ? r->rule : "?");
  }
  if (r->reason == HN_REJECT_AHEAD && o->diag && ++*(r->held ? &k->held : &k->dropped) <= o->max_reports)
    fprintf(o->diag, "%s:%" PRIu64 ": %s\n", src, r->origin.line, r->message);
  if (o->dead_letter && !r->held) out_check(k, o->dead_letter, hnx_write_rejected(o->dead_letter, r));
}

/* ---- checkpoint files ---------------------------------------------------------------------------
 * A state file: a fixed header (magic, format, byte order, hornet's version, the body's length
 * and checksum), then the body: the input position and line, the outputs' lengths, then the
 * session's own state (hn_session_checkpoint: itself checksummed and checked when restored).
 * Written to PATH.tmp, synced, renamed over PATH and the directory synced: a crash leaves the
 * old state or the new, never half. Read whole and checked before anything in it is used. */
#define HN_STATE_MAGIC "HORNETST"
enum { HN_STATE_FORMAT = 4, HN_STATE_ORDER = 0x01020304 };

typedef struct state_head {
  char magic[8];
  uint32_t format, order;
  char version[16];            /* HN_VERSION_STRING, NUL-padded */
  uint64_t length, sum;        /* the body's; the sum covers the header before it too */
} state_head;
_Static_assert(sizeof(state_head) == 48, "the header has no padding");

/* The runner's part of the body. */
typedef struct state_run {
  uint64_t offset, lines;
  int64_t lens[3];             /* output, dead letters, incident records: -1 when not a file */
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

static int to_ckw(void *ud, const void *bytes, size_t n) {
  hn_ckw *w = ud;
  hn_ckw_u64(w, n);
  hn_ckw_bytes(w, bytes, n);
  return w->bad ? -1 : 0;
}

/* The header (its length and sum filled in once the body is written), the body. The caller
 * writes the header again, filled in: over the file's first bytes, or a memory buffer's. */
static hn_status write_state(FILE *f, state_head *h, const state_run *sr, hn_session *s) {
  hn_ckw *w = hn_malloc(sizeof *w);
  if (!w) return HN_ERR_NOMEM;
  hn_status rc = fwrite(h, sizeof *h, 1, f) == 1 ? HN_OK : HN_ERR_IO;
  if (rc == HN_OK) {
    hn_ckw_init(w, f, head_seed(h));
    hn_ckw_u64(w, sr->offset);
    hn_ckw_u64(w, sr->lines);
    for (int i = 0; i < 3; i++) hn_ckw_i64(w, sr->lens[i]);
    rc = hn_session_checkpoint(s, to_ckw, w);
    if (!hn_ckw_end(w) && rc == HN_OK) rc = HN_ERR_IO;
    h->length = w->n;
    h->sum = hn_ck_sum(w->sum, &h->length, sizeof h->length);
  }
  hn_free(w);
  return rc;
}

/* A state file: the header rewritten once known, everything synced. */
static hn_status write_state_file(FILE *f, state_head *h, const state_run *sr, hn_session *s) {
  hn_status rc = write_state(f, h, sr, s);
  if (rc == HN_OK && (fseeko(f, 0, SEEK_SET) != 0 || fwrite(h, sizeof *h, 1, f) != 1 || fflush(f) != 0 ||
                      fsync(fileno(f)) != 0))
    rc = HN_ERR_IO;
  return rc;
}

/* The state, as a state file's bytes, to the checkpoint store (which keeps it together with
 * what it recorded since the last one). */
static hn_status store_save(runner *k, hn_session *s, state_head *h, const state_run *sr) {
  const hn_run_options *o = k->o;
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  hn_status rc = f ? write_state(f, h, sr, s) : HN_ERR_NOMEM;
  if (f && fclose(f) != 0 && rc == HN_OK) rc = HN_ERR_NOMEM;
  if (rc == HN_OK && n >= sizeof *h) memcpy(buf, h, sizeof *h); /* filled in */
  if (rc == HN_OK && o->store->save(o->store->ud, buf, n, sr->offset, sr->lines) != 0) rc = HN_ERR_IO;
  else if (rc != HN_OK && o->diag) fprintf(o->diag, "hornet: cannot write a checkpoint: %s\n", hn_status_str(rc));
  free(buf); /* open_memstream's: libc's */
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
static hn_status state_save(runner *k, hn_session *s, uint64_t offset, uint64_t lines) {
  const hn_run_options *o = k->o;
  const char *path = o->state_path;
  if (o->store && o->store->prepare && o->store->prepare(o->store->ud, s, o->incidents) != 0) return HN_ERR_IO;
  FILE *outs[3];
  outputs_of(o, outs);
  for (int i = 0; i < 3; i++) out_flush(k, outs[i]);
  if (k->bad) return HN_ERR_IO;
  state_run sr = {offset, lines, {0}};
  for (int i = 0; i < 3; i++) sr.lens[i] = out_end(outs[i]);
  state_head h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, HN_STATE_MAGIC, 8);
  h.format = HN_STATE_FORMAT;
  h.order = HN_STATE_ORDER;
  snprintf(h.version, sizeof h.version, "%s", HN_VERSION_STRING);
  if (o->store) return store_save(k, s, &h, &sr);
  size_t n = strlen(path) + 5;
  char *tmp = hn_malloc(n);
  if (!tmp) return HN_ERR_NOMEM;
  snprintf(tmp, n, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  hn_status rc = f ? write_state_file(f, &h, &sr, s) : HN_ERR_IO;
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
  hn_free(tmp);
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
  for (size_t i = 0; i < sizeof h->version; i++) ver[i] = h->version[i] >= 0x20 && h->version[i] < 0x7f ? h->version[i] : 0;
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

/* The input where the checkpoint left it, each output cut back to its length then: 1, or -1
 * (diag says why). */
static int state_resume(const hn_run_options *o, const state_run *sr) {
  struct stat sb;
  char where[4200];
  if (o->state_path) snprintf(where, sizeof where, "state file '%s'", o->state_path);
  else snprintf(where, sizeof where, "the store's checkpoint");
  if (fstat(fileno(o->in), &sb) == 0 && S_ISREG(sb.st_mode)) {
    const char *why = sr->offset > (uint64_t)sb.st_size ? "the input is shorter: not the input it was written for"
                      : fseeko(o->in, (off_t)sr->offset, SEEK_SET) != 0 ? strerror(errno) : NULL;
    if (why) {
      if (o->diag)
        fprintf(o->diag, "hornet: %s: cannot resume '%s' at byte %" PRIu64 ": %s\n", where, o->input_name,
                sr->offset, why);
      return -1;
    }
  }
  FILE *outs[3];
  outputs_of(o, outs);
  for (int i = 0; i < 3; i++)
    if (out_cut(outs[i], sr->lens[i]) != 0) {
      if (o->diag)
        fprintf(o->diag, "hornet: %s: cannot cut an output back to its %" PRId64 " bytes at the "
                "checkpoint: %s\n", where, sr->lens[i], strerror(errno));
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
  if (fstat(fileno(f), &sb) == 0 && sb.st_size >= 0 && (b = hn_malloc((size_t)sb.st_size + 1)) != NULL) {
    *len = fread(b, 1, (size_t)sb.st_size, f);
    if (ferror(f) || *len != (size_t)sb.st_size) { hn_free(b); b = NULL; errno = EIO; }
  }
  fclose(f);
  return b;
}

/* The body after a good header: the runner's part into sr, then the session's state. NULL, or
 * why it is refused. */
static const char *state_parse(hn_ckr *r, hn_session *s, state_run *sr, const char *source, char *why, size_t cap) {
  sr->offset = hn_ckr_u64(r, "the input's position");
  sr->lines = hn_ckr_u64(r, "the input's line");
  if (sr->offset > INT64_MAX) hn_ckr_fail(r, "the input's position");
  for (int i = 0; i < 3; i++)
    if ((sr->lens[i] = hn_ckr_i64(r, "an output's length")) < -1) hn_ckr_fail(r, "an output's length");
  uint64_t n = hn_ckr_u64(r, "the session's state");
  const void *sess = hn_ckr_bytes(r, n, "the session's state");
  if (!r->err && r->at != r->n) hn_ckr_fail(r, "bytes after the end of the state");
  if (r->err) {
    snprintf(why, cap, "corrupt: %s at byte %zu", r->err, sizeof(state_head) + r->err_at);
    return why;
  }
  hn_status rc = hn_session_restore(s, sess, n, source);
  if (rc == HN_OK) return NULL;
  snprintf(why, cap, "%s", rc == HN_ERR_NOMEM ? "out of memory" : hn_session_error(s));
  return why;
}

/* Checks and restores a state of n bytes: NULL, or why it is refused. */
static const char *state_restore(const unsigned char *b, size_t n, hn_session *s, state_run *sr, const char *source,
                                 char *why, size_t cap) {
  state_head h;
  const char *bad = head_check(b, n, &h, why, cap);
  if (bad) return bad;
  hn_ckr r;
  hn_ckr_init(&r, b + sizeof h, n - sizeof h);
  return state_parse(&r, s, sr, source, why, cap);
}

/* The checkpoint store's last checkpoint, if there is one: 0 none, 1 restored, -1 refused. On
 * another input than the one it was written for, the session carries on from its start. */
static int store_load(runner *k, hn_session *s, uint64_t *offset, uint64_t *lines) {
  const hn_run_options *o = k->o;
  const void *b = NULL;
  size_t n = 0;
  bool same = false;
  int got = o->store->load(o->store->ud, &b, &n, &same);
  if (got <= 0) return got;
  char why[512];
  state_run sr;
  memset(&sr, 0, sizeof sr);
  const char *bad = state_restore(b, n, s, &sr, o->input_name, why, sizeof why);
  if (bad) {
    if (o->diag) fprintf(o->diag, "hornet: the store's checkpoint: %s\n", bad);
    return -1;
  }
  if (!same) return 1;
  *offset = sr.offset;
  *lines = sr.lines;
  return state_resume(o, &sr);
}

/* Reads the state file if it exists (or the store's checkpoint): 0 none, 1 restored, -1
 * refused (diag says why). */
static int state_load(runner *k, hn_session *s, uint64_t *offset, uint64_t *lines) {
  const hn_run_options *o = k->o;
  if (o->store) return store_load(k, s, offset, lines);
  size_t n = 0;
  unsigned char *b = read_all(o->state_path, &n);
  if (!b && errno == ENOENT) return 0;
  char why[512];
  state_run sr;
  memset(&sr, 0, sizeof sr);
  const char *bad = b ? state_restore(b, n, s, &sr, o->input_name, why, sizeof why) : strerror(errno);
  hn_free(b);
  if (bad) {
    if (o->diag) fprintf(o->diag, "hornet: state file '%s': %s\n", o->state_path, bad);
    return -1;
  }
  *offset = sr.offset;
  *lines = sr.lines;
  return state_resume(o, &sr);
}

static int64_t wall_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The last lines of the run's reports. */
static void run_summary(const runner *k, const hn_run_stats *st) {
  const hn_run_options *o = k->o;
  if (!o->diag) return;
  uint64_t held = st->ahead - st->ahead_dropped;
  uint64_t unshown = (held > o->max_reports ? held - o->max_reports : 0) +
                     (st->ahead_dropped > o->max_reports ? st->ahead_dropped - o->max_reports : 0);
  if (unshown) fprintf(o->diag, "%s: %" PRIu64 " more events ahead of the clock not shown\n", o->input_name, unshown);
  if (st->late > o->max_reports)
    fprintf(o->diag, "%s: %" PRIu64 " more late events not shown\n", o->input_name, st->late - o->max_reports);
  if (st->malformed > o->max_reports)
    fprintf(o->diag, "%s: %" PRIu64 " more malformed events not shown\n", o->input_name, st->malformed - o->max_reports);
  if (st->regex_undecided > o->max_reports)
    fprintf(o->diag, "%s: %" PRIu64 " more regex matches at the match limit not shown\n", o->input_name,
            st->regex_undecided - o->max_reports);
  for (uint32_t r = 0; k->regex_rules && r < hn_program_rule_count(k->p); r++)
    if (k->regex_rules[r])
      fprintf(o->diag, "%s: rule '%s': %" PRIu64 " event%s with a regex match at the match limit\n", o->input_name,
              hn_program_rule_name(k->p, r), k->regex_rules[r], k->regex_rules[r] == 1 ? "" : "s");
}

static void stats_of(hn_session *s, hn_run_stats *st) {
  hn_stats x;
  hn_session_stats(s, &x);
  st->events = x.events;
  st->alerts = x.alerts;
  st->malformed = x.malformed;
  st->late = x.late;
  st->ahead = x.ahead;
  st->ahead_dropped = x.ahead_dropped;
  st->released = x.released;
  st->untimed = x.untimed;
  st->no_key = x.no_key;
  st->suppressed = x.suppressed;
  st->evicted = x.evicted;
  st->peak_keys = x.peak_keys;
  st->peak_state_bytes = x.peak_state_bytes;
  st->incidents = x.incidents;
  st->regex_undecided = x.regex_undecided;
}

/* The lines of the input through the session, until its end, max_events, a failed write or a
 * failed checkpoint. */
static hn_status stream(runner *k, hn_session *s, hn_run_stats *st, uint64_t *offset) {
  const hn_run_options *o = k->o;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  uint64_t segment = 0, events0 = st->events;
  int64_t every = o->checkpoint_interval > 0 ? o->checkpoint_interval : hn_program_checkpoint_interval(k->p);
  int64_t next_ck = wall_ns() + every;
  bool persist = o->state_path || o->store;
  hn_status rc = HN_OK;
  while (rc == HN_OK && !k->bad && (!o->max_events || st->events - events0 < o->max_events) &&
         (n = getline(&line, &cap, o->in)) >= 0) {
    size_t len = (size_t)n;
    hn_origin at = {o->input_name, ++st->lines, *offset};
    *offset += len;
    st->bytes += len;
    if (len && line[len - 1] == '\n') len--;
    size_t b = 0;
    while (b < len && (line[b] == ' ' || line[b] == '\t' || line[b] == '\r')) b++;
    if (b == len) continue; /* blank lines are not events */
    hn_status ps = hn_session_push(s, line, len, &at);
    if (ps == HN_ERR_NOMEM) rc = ps;
    stats_of(s, st);
    if (persist && rc == HN_OK && ps == HN_OK &&
        ((o->checkpoint_events && ++segment % o->checkpoint_events == 0) ||
         ((st->events & 1023) == 0 && wall_ns() >= next_ck))) {
      int64_t t0 = wall_ns();
      rc = state_save(k, s, *offset, st->lines);
      int64_t t1 = wall_ns();
      /* a store commits often (analysts see the run, the run sees them), but a large state must
       * not make the stream wait on its checkpoints: at most a tenth of the time goes to them */
      next_ck = t1 + (o->store && 9 * (t1 - t0) > every ? 9 * (t1 - t0) : every);
    }
  }
  free(line); /* getline's: libc's */
  if (rc == HN_OK && !k->bad && ferror(o->in)) {
    k->bad = o->in;
    k->bad_errno = errno ? errno : EIO;
  }
  return rc;
}

hn_status hn_run_stream(const hn_program *p, const hn_run_options *o, hn_run_stats *st) {
  memset(st, 0, sizeof *st);
  runner k = {o, p, NULL, 0, 0, 0, 0, 0, 0, hn_calloc(hn_program_rule_count(p) + 1, sizeof(uint64_t))};
  hn_session_options so = {o->engine, (o->incidents || o->queue || o->store) ? HN_SESSION_INCIDENTS : 0};
  hn_callbacks cb = {&k, on_alert, on_incident, on_exposure, on_rejected};
  hn_session *s = NULL;
  if (!k.regex_rules || hn_session_new(p, &so, &cb, &s) != HN_OK) {
    hn_free(k.regex_rules);
    return HN_ERR_NOMEM;
  }
  uint64_t offset = 0;
  hn_status rc = HN_OK;
  bool persist = o->state_path || o->store;
  if (persist && state_load(&k, s, &offset, &st->lines) < 0) rc = HN_ERR_SEMANTIC;
  /* a store learns at once what the run starts from, and tells the session what changed
   * there since its checkpoint */
  if (rc == HN_OK && o->store) rc = state_save(&k, s, offset, st->lines);
  stats_of(s, st);
  if (rc == HN_OK) rc = stream(&k, s, st, &offset);
  bool at_end = feof(o->in) != 0; /* not stopped by max_events */
  if (k.bad) rc = HN_ERR_IO;
  /* the end of a finite input closes every window; with a state file the stream goes on in
   * the next run unless this input is its end */
  if (rc == HN_OK && at_end && (!persist || o->final_input)) rc = hn_session_flush(s);
  if (rc == HN_OK && persist) rc = state_save(&k, s, offset, st->lines);
  stats_of(s, st);
  if (o->queue && rc == HN_OK) out_check(&k, o->queue, hnx_write_queue(o->queue, s, o->queue_json));
  FILE *outs[3];
  outputs_of(o, outs);
  for (int i = 0; i < 3; i++) out_flush(&k, outs[i]);
  out_flush(&k, o->queue);
  if (k.bad) {
    rc = HN_ERR_IO;
    st->io_failed = k.bad;
    st->io_errno = k.bad_errno;
  }
  run_summary(&k, st);
  hn_free(k.regex_rules);
  hn_session_free(s);
  return rc;
}
