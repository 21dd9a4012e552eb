/* push.c - the per-event cost of the session API against the stream runner, on the same events
 * and the same loaded image, in one process: hn_session_push of each line (all lines read into
 * memory first, so no I/O is timed) and hn_run_stream over the file, in alternation.
 * Depends on hornet.h and hornetaux.h only (links libhornet.so).
 *
 *   push IMAGE EVENTS.jsonl [RUNS] [interp]
 *
 * Modes, each timed with clock_gettime(CLOCK_MONOTONIC) around the whole stream (session
 * created, every event pushed, flushed, freed):
 *   push        hn_session_push of each line, each alert written by hnx_write_alert to /dev/null
 *               (the work hn_run_stream does for an alert);
 *   push-count  the same, the alert callback only counting (what formatting costs);
 *   stream      hn_run_stream reading the file (fopen's default buffer, as the CLI's --input),
 *               alerts to /dev/null;
 *   stream-1m   the same with a 1 MiB input buffer (setvbuf): what the default buffer's
 *               4 KiB reads cost.
 * Before timing, one pass of push and one of stream write their alerts to files, which must be
 * byte-identical (the exit status is 1 otherwise). Prints one line per mode: median, min and
 * max ns/event over RUNS runs, then the ratio of the medians. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <hornet/hornet.h>
#include <hornet/hornetaux.h>

typedef struct line {
  const char *s;
  size_t len;
  uint64_t offset, lineno;
} line;

typedef struct events {
  char *buf;
  line *v;
  size_t n;
} events;

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* The whole file in memory, split into lines (empty ones skipped; the stream runner also skips blank ones). */
static int read_events(const char *path, events *e) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  e->buf = malloc((size_t)size + 1);
  size_t cap = 1024;
  e->v = malloc(cap * sizeof *e->v);
  if (!e->buf || !e->v || fread(e->buf, 1, (size_t)size, f) != (size_t)size) return fclose(f), -1;
  fclose(f);
  e->n = 0;
  uint64_t lineno = 0;
  for (size_t at = 0; at < (size_t)size;) {
    char *nl = memchr(e->buf + at, '\n', (size_t)size - at);
    size_t end = nl ? (size_t)(nl - e->buf) : (size_t)size;
    lineno++;
    if (end > at) {
      if (e->n == cap && !(e->v = realloc(e->v, (cap *= 2) * sizeof *e->v))) return -1;
      e->v[e->n++] = (line){e->buf + at, end - at, at, lineno};
    }
    at = end + 1;
  }
  return 0;
}

typedef struct sink {
  FILE *out;
  uint64_t alerts;
} sink;

static void on_alert_write(void *ud, const hn_alert *a) {
  sink *k = ud;
  k->alerts++;
  hnx_write_alert(k->out, a);
}

static void on_alert_count(void *ud, const hn_alert *a) {
  (void)a;
  ((sink *)ud)->alerts++;
}

/* One stream of pushes; returns its ns (session and all), or -1. */
static double run_push(const hn_program *p, int engine, const events *e, const char *source, FILE *out, bool write,
                       uint64_t *alerts) {
  sink k = {out, 0};
  hn_callbacks cb = {.ud = &k, .alert = write ? on_alert_write : on_alert_count};
  hn_session_options o = {engine, 0};
  double t0 = now_ns();
  hn_session *s;
  if (hn_session_new(p, &o, &cb, &s) != HN_OK) return -1;
  for (size_t i = 0; i < e->n; i++) {
    hn_origin at = {source, e->v[i].lineno, e->v[i].offset};
    if (hn_session_push(s, e->v[i].s, e->v[i].len, &at) == HN_ERR_NOMEM) return -1;
  }
  hn_session_flush(s);
  hn_session_free(s);
  fflush(out);
  double t1 = now_ns();
  *alerts = k.alerts;
  return t1 - t0;
}

static double run_stream(const hn_program *p, int engine, const char *path, FILE *out, size_t buf, uint64_t *alerts) {
  FILE *in = fopen(path, "rb");
  if (!in) return -1;
  if (buf && setvbuf(in, NULL, _IOFBF, buf) != 0) return fclose(in), -1;
  hn_run_options o = {.input_name = path, .in = in, .out = out, .engine = engine};
  hn_run_stats st;
  double t0 = now_ns();
  hn_status rc = hn_run_stream(p, &o, &st);
  double t1 = now_ns();
  fclose(in);
  *alerts = st.alerts;
  return rc == HN_OK ? t1 - t0 : -1;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

/* Whether the two files hold the same bytes. */
static bool same_file(FILE *a, FILE *b) {
  rewind(a);
  rewind(b);
  int x, y;
  do {
    x = getc(a);
    y = getc(b);
  } while (x == y && x != EOF);
  return x == y;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fputs("usage: push IMAGE EVENTS.jsonl [RUNS] [interp]\n", stderr);
    return 2;
  }
  int runs = argc > 3 ? atoi(argv[3]) : 5;
  bool interp = argc > 4 && strcmp(argv[4], "interp") == 0;
  if (runs < 1 || runs > 100) runs = 5;
  char err[512];
  hn_program *p;
  if (hn_program_load(argv[1], interp ? HN_LOAD_INTERP : 0, &p, err, sizeof err) != HN_OK) {
    fprintf(stderr, "push: %s\n", err);
    return 1;
  }
  int engine = interp ? HN_ENGINE_INTERP : HN_ENGINE_AUTO;
  events e;
  if (read_events(argv[2], &e) != 0) {
    fprintf(stderr, "push: cannot read %s\n", argv[2]);
    return 1;
  }
  /* the same alerts both ways, byte for byte */
  FILE *fa = tmpfile(), *fb = tmpfile(), *null = fopen("/dev/null", "w");
  uint64_t na = 0, nb = 0, n;
  if (!fa || !fb || !null || run_push(p, engine, &e, argv[2], fa, true, &na) < 0 ||
      run_stream(p, engine, argv[2], fb, 0, &nb) < 0) {
    fputs("push: a run failed\n", stderr);
    return 1;
  }
  bool same = na == nb && same_file(fa, fb);
  double t_push[100], t_count[100], t_stream[100], t_big[100];
  for (int r = 0; r < runs; r++) { /* in alternation, so that drift hits every mode alike */
    t_push[r] = run_push(p, engine, &e, argv[2], null, true, &n) / (double)e.n;
    t_count[r] = run_push(p, engine, &e, argv[2], null, false, &n) / (double)e.n;
    t_stream[r] = run_stream(p, engine, argv[2], null, 0, &n) / (double)e.n;
    t_big[r] = run_stream(p, engine, argv[2], null, 1 << 20, &n) / (double)e.n;
  }
  double mp = median(t_push, runs), mc = median(t_count, runs), ms = median(t_stream, runs), mb = median(t_big, runs);
  printf("events %zu alerts %llu identical %s runs %d engine %s\n", e.n, (unsigned long long)na, same ? "yes" : "NO", runs,
         interp ? "interp" : "native");
  printf("push ns_per_event %.0f min %.0f max %.0f\n", mp, t_push[0], t_push[runs - 1]);
  printf("push-count ns_per_event %.0f min %.0f max %.0f\n", mc, t_count[0], t_count[runs - 1]);
  printf("stream ns_per_event %.0f min %.0f max %.0f\n", ms, t_stream[0], t_stream[runs - 1]);
  printf("stream-1m ns_per_event %.0f min %.0f max %.0f\n", mb, t_big[0], t_big[runs - 1]);
  printf("ratio push/stream %.3f push-count/stream %.3f push/stream-1m %.3f\n", mp / ms, mc / ms, mp / mb);
  fclose(fa);
  fclose(fb);
  fclose(null);
  free(e.buf);
  free(e.v);
  hn_program_destroy(p);
  return same ? 0 : 1;
}
