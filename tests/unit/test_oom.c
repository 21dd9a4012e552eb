/* test_oom.c - out of memory, everywhere: an allocator (hn_set_allocator) that fails the Nth
 * allocation, for N = 1, 2, 3... until a whole scenario over the public API (load an image or
 * compile the pack, sessions with incidents, push, checkpoint, restore, a case set, flush,
 * queue, explain, the test runner) runs with nothing failed. Each run must end with a clean status
 * (HN_ERR_NOMEM, or what the API documents), free every byte it took, and, when it succeeds,
 * give what a run without a failure gives. PCRE2's and Hyperscan's allocations are among them.
 * HN_OOM_FULL=1 runs the scenario over acme's whole event stream. To debug: HN_OOM_TEST=NAME
 * runs one test, HN_OOM_VERBOSE=1 names each allocation before it fails, HN_OOM_AT=N fails
 * allocation N alone and prints its stack (addr2line -f -i -e test_oom ADDR).
 * Runs from the source root. */
#include <execinfo.h>
#include <unistd.h>
#include "test_util.h"

/* ---- the failing allocator -------------------------------------------------------------------- */
typedef struct oom {
  uint64_t calls;   /* allocations (malloc and realloc) so far */
  uint64_t fail_at; /* the one that fails (0: none) */
  uint64_t failed;  /* how many did */
  int64_t live;     /* blocks allocated and not freed */
  bool armed;       /* allocations are counted (and one fails) only from here */
} oom;

static oom o;

static bool fail_now(void) {
  if (!o.armed || ++o.calls != o.fail_at) return false;
  o.failed++;
  if (getenv("HN_OOM_AT")) { /* where it failed, for addr2line */
    void *bt[24];
    backtrace_symbols_fd(bt, backtrace(bt, 24), 2);
  }
  return true;
}

static void *t_malloc(void *ud, size_t n) {
  (void)ud;
  if (fail_now()) return NULL;
  void *p = malloc(n);
  if (p) o.live++;
  return p;
}

static void *t_realloc(void *ud, void *p, size_t n) {
  (void)ud;
  if (fail_now()) return NULL;
  void *q = realloc(p, n);
  if (q && !p) o.live++;
  return q;
}

static void t_free(void *ud, void *p) {
  (void)ud;
  o.live--;
  free(p);
}

static const hn_allocator failing = {t_malloc, t_realloc, t_free, NULL};

/* ---- what a run gives, as text (the test's own memory: libc's, never counted) ---------------- */
typedef struct capture {
  char *text;
  size_t len;
  FILE *f;
} capture;

static void capture_open(capture *l) {
  l->text = NULL;
  l->len = 0;
  l->f = open_memstream(&l->text, &l->len);
  assert_non_null(l->f);
}

static char *capture_close(capture *l) {
  fclose(l->f);
  return l->text;
}

static void on_alert(void *ud, const hn_alert *a) {
  fprintf(ud, "alert %llu %s t=%lld count=%llu entities=%u key=%u events=%llu matched=%u\n", (unsigned long long)a->id,
          a->rule, (long long)a->time, (unsigned long long)a->count, a->n_entities, a->n_key,
          (unsigned long long)a->events, a->n_matched);
}

static void on_incident(void *ud, const hn_incident *i) {
  fprintf(ud, "incident %s %s score=%.3f alerts=%u domain=%s rules=%u hosts=%u users=%u\n", i->id, i->change_name,
          i->score, i->n_alerts, i->domain, i->rules.n, i->hosts.n, i->users.n);
}

static void on_exposure(void *ud, const hn_exposure_change *x) {
  fprintf(ud, "exposure %s %s %s %.3f\n", x->opened ? "opened" : "closed", x->exposure, x->asset ? x->asset : "?",
          x->asset_exposure);
}

static void on_rejected(void *ud, const hn_rejected *r) { fprintf(ud, "rejected %s %s\n", r->reason_name, r->message); }

static void on_domain(void *ud, const hn_queue_domain *d) { fprintf(ud, "domain %s open=%u\n", d->name, d->open); }

static void on_queued(void *ud, const hn_incident *i) { fprintf(ud, "queued %s %.3f\n", i->id, i->score); }

static void on_remediation(void *ud, const hn_remediation *r, uint32_t rank, uint32_t of) {
  fprintf(ud, "remediate %u/%u %s %.3f\n", rank, of, r->asset, r->priority);
}

static void on_explain(void *ud, const hn_explain_item *it) {
  fprintf(ud, "explain %d %s %s %d %d %s\n", it->kind, it->rule ? it->rule : "-", it->op ? it->op : "-", it->holds,
          it->value, it->text ? it->text : "-");
}

/* The checkpoint's bytes (the test's memory). */
typedef struct bytes {
  char *d;
  size_t n;
} bytes;

static int to_bytes(void *ud, const void *d, size_t n) {
  bytes *b = ud;
  char *m = realloc(b->d, b->n + n);
  if (!m) return -1;
  memcpy(m + b->n, d, n);
  b->d = m;
  b->n += n;
  return 0;
}

/* ---- the scenario ----------------------------------------------------------------------------- */
typedef struct scenario {
  const char *pack;  /* compiled in the run (the compiler's output), or NULL: */
  const char *image; /* loaded */
  unsigned load_flags;
  int engine;
  char **events; /* lines of the events file */
  char what[256]; /* for messages */
  size_t n_events;
} scenario;

/* A status the call may return: OK, out of memory, or the documented `also` (0: none). */
#define CLEAN(st, also) ((st) == HN_OK || (st) == HN_ERR_NOMEM || ((also) && (st) == (also)))
#define STEP(call, also)                                                       \
  do {                                                                         \
    hn_status st_ = (call);                                                    \
    if (!CLEAN(st_, also)) fail_msg("%s: %s at allocation %llu", #call, hn_status_str(st_), (unsigned long long)o.fail_at); \
    if (st_ == HN_ERR_NOMEM) {                                                 \
      failed = true;                                                           \
      goto done;                                                               \
    }                                                                          \
  } while (0)

/* After HN_ERR_NOMEM a session is unusable (hornet.h): every further call says so again, and
 * calls back nothing. */
static void unusable(hn_session *s, const scenario *sc) {
  bytes b = {NULL, 0};
  assert_int_equal(hn_session_push(s, sc->events[0], strlen(sc->events[0]), NULL), HN_ERR_NOMEM);
  assert_int_equal(hn_session_flush(s), HN_ERR_NOMEM);
  assert_int_equal(hn_session_checkpoint(s, to_bytes, &b), HN_ERR_NOMEM);
  assert_null(b.d);
}

/* The store tells the session the first incident's case: an assignee and a field. */
static hn_status set_case(hn_session *s, FILE *out) {
  hn_value v = {0};
  v.kind = HN_V_STRING;
  v.u.s = "INC-4711";
  v.len = 8;
  hn_field f = {"ticket", &v, 1, false};
  hn_case_view cv = {NULL, "alice", false, INT64_MAX, INT64_MIN, &f, 1};
  hn_status st = hn_session_set_case(s, "INC-000001", &cv);
  if (st != HN_ERR_NOMEM) fprintf(out, "case %s\n", hn_status_str(st));
  return st;
}

/* Pushes events [from, to) into s; HN_ERR_SYNTAX (a malformed line) is the session's to report. */
static hn_status push_range(hn_session *s, const scenario *sc, size_t from, size_t to) {
  for (size_t i = from; i < to; i++) {
    hn_origin at = {"events", i + 1, 0};
    hn_status st = hn_session_push(s, sc->events[i], strlen(sc->events[i]), &at);
    if (st != HN_OK && st != HN_ERR_SYNTAX) return st;
  }
  return HN_OK;
}

/* The program: the image loaded, or the pack compiled with the allocator in place. The
 * compiler's own allocations are not failed (its lexer and lowering do not survive that yet):
 * the loop starts after it, on what it made. A compile that fails must say it ran out of
 * memory. */
static hn_status program(const scenario *sc, hn_program **p, char *err, size_t errlen) {
  o.armed = !sc->pack;
  if (!sc->pack) return hn_program_load(sc->image, sc->load_flags, p, err, errlen);
  *p = NULL;
  hnc_compiler *c = hnc_compiler_create();
  if (!c) return snprintf(err, errlen, "out of memory"), HN_ERR_NOMEM;
  hn_status st = hnc_compiler_set_stdlib(c, "stdlib");
  if (st == HN_OK) st = hnc_compiler_add_path(c, sc->pack);
  if (st == HN_OK) st = hnc_compiler_check(c);
  if (st == HN_OK && !(*p = hnc_compiler_program(c))) st = HN_ERR_SEMANTIC; /* its diagnostic says why */
  size_t nd = hnc_compiler_diag_count(c);
  hnc_diag_view d = {0};
  if (nd) hnc_compiler_diag_get(c, nd - 1, &d);
  snprintf(err, errlen, "%s (%s)", hn_status_str(st), nd ? d.message : "no diagnostic");
  o.armed = true;
  if (st != HN_OK && st != HN_ERR_NOMEM && strstr(err, "out of memory")) st = HN_ERR_NOMEM;
  hnc_compiler_destroy(c);
  return st;
}

/* Runs the scenario; what it gave goes to out. Returns whether a call said HN_ERR_NOMEM. */
static bool run(const scenario *sc, FILE *out) {
  hn_program *p = NULL;
  hn_session *s1 = NULL, *s2 = NULL, *used = NULL;
  bytes ck = {NULL, 0};
  bool failed = false;
  char err[512] = "";
  hn_session_options opt = {sc->engine, HN_SESSION_INCIDENTS};
  hn_callbacks cb = {out, on_alert, on_incident, on_exposure, on_rejected};
  hn_queue_visitor qv = {out, on_domain, on_queued, on_remediation};
  hn_status st = program(sc, &p, err, sizeof err);
  if (st != HN_OK) {
    if (st != HN_ERR_NOMEM) fail_msg("the program: %s at allocation %llu", err, (unsigned long long)o.fail_at);
    assert_null(p);
    assert_true(strlen(err) > 0);
    return true;
  }
  size_t half = sc->n_events / 2;
  STEP(hn_session_new(p, &opt, &cb, &s1), 0);
  used = s1; /* the session a failed call leaves unusable */
  STEP(push_range(s1, sc, 0, half), 0);
  STEP(hn_session_checkpoint(s1, to_bytes, &ck), 0);
  used = NULL;
  STEP(hn_session_new(p, &opt, &cb, &s2), 0);
  used = s2;
  STEP(hn_session_restore(s2, ck.d, ck.n, "events"), 0);
  STEP(set_case(s2, out), HN_ERR_NOT_FOUND);
  STEP(push_range(s2, sc, half, sc->n_events), 0);
  STEP(hn_session_flush(s2), 0);
  used = NULL; /* the queue and explain only read the session */
  STEP(hn_session_queue(s2, &qv), 0);
  STEP(hn_session_explain(s2, sc->events[0], strlen(sc->events[0]), NULL, on_explain, out), 0);
  hn_stats stats;
  hn_session_stats(s2, &stats);
  fprintf(out, "stats events=%llu alerts=%llu incidents=%llu malformed=%llu\n", (unsigned long long)stats.events,
          (unsigned long long)stats.alerts, (unsigned long long)stats.incidents, (unsigned long long)stats.malformed);
  hn_test_report rep;
  char *tests = NULL;
  size_t tlen = 0;
  FILE *t = open_memstream(&tests, &tlen);
  st = hn_run_tests(p, t, NULL, &rep);
  fclose(t);
  free(tests);
  if (st == HN_ERR_NOMEM) failed = true;
  else if (st != HN_OK) fail_msg("hn_run_tests: %s at allocation %llu", hn_status_str(st), (unsigned long long)o.fail_at);
  else fprintf(out, "tests %u passed %u\n", rep.tests, rep.passed);
done:
  if (failed && used) unusable(used, sc);
  hn_session_free(s1);
  hn_session_free(s2);
  hn_program_destroy(p);
  free(ck.d);
  return failed;
}

/* ---- the loop --------------------------------------------------------------------------------- */
static char *tmp_path(const char *name) {
  const char *d = getenv("TMPDIR");
  char *s = malloc(1024);
  assert_non_null(s);
  snprintf(s, 1024, "%s/hornet-test-oom-%ld-%s", d && *d ? d : "/tmp", (long)getpid(), name);
  return s;
}

/* Compiles the pack and writes its image (with native code when asked), all with libc's
 * allocator. */
static void write_image(const char *pack, bool native, const char *path) {
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_path(c, pack);
  assert_int_equal(hnc_compiler_check(c), HN_OK);
  hn_program *p = hnc_compiler_program(c);
  assert_non_null(p);
  hnc_compiler_destroy(c);
  void *so = NULL;
  size_t so_len = 0;
  char err[1024];
  if (native && hnc_program_shared_object(p, "generic", &so, &so_len, err, sizeof err) != HN_OK)
    fail_msg("no native code: %s", err);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  if (hn_program_write_image(p, so, so_len, "generic", f, err, sizeof err) != HN_OK) fail_msg("%s", err);
  assert_int_equal(fclose(f), 0);
  free(so);
  hn_program_destroy(p);
}

/* The first `most` lines of an events file (0: all), each NUL-terminated. */
static char **read_events(const char *path, size_t most, size_t *n) {
  char *text = slurp_file(path, NULL);
  assert_non_null(text);
  char **v = calloc(strlen(text) + 1, sizeof *v);
  *n = 0;
  for (char *line = strtok(text, "\n"); line && (most == 0 || *n < most); line = strtok(NULL, "\n")) v[(*n)++] = strdup(line);
  free(text);
  return v;
}

static void free_events(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

/* The first line where a and b differ (0-based). */
static size_t first_difference(const char *a, const char *b) {
  size_t line = 0;
  for (; *a && *a == *b; a++, b++) line += *a == '\n';
  return line;
}

static const char *line_at(const char *s, size_t line) {
  for (; line && *s; s++) line -= *s == '\n';
  return s;
}

/* Fails allocation 1, 2, 3... of the scenario until it runs whole; returns how many
 * allocations it makes. */
static uint64_t loop(const scenario *sc) {
  capture l;
  capture_open(&l);
  hn_set_allocator(&failing);
  o = (oom){0, 0, 0, 0, false};
  assert_false(run(sc, l.f)); /* the reference: nothing fails */
  char *want = capture_close(&l);
  assert_int_equal(o.live, 0);
  assert_true(strstr(want, "alert ") && strstr(want, "incident ") && strstr(want, "explain ") && strstr(want, "tests "));
  uint64_t total = o.calls, nomem = 0;
  const char *only = getenv("HN_OOM_AT"); /* one allocation alone, to debug it (break on fail_now) */
  for (uint64_t n = only ? strtoull(only, NULL, 10) : 1;; n++) {
    o = (oom){0, n, 0, 0, false};
    if (getenv("HN_OOM_VERBOSE")) fprintf(stderr, "failing allocation %llu\n", (unsigned long long)n);
    capture_open(&l);
    bool failed = run(sc, l.f);
    char *got = capture_close(&l);
    if (o.live != 0) fail_msg("%s: %lld blocks leaked when allocation %llu failed", sc->what, (long long)o.live,
                              (unsigned long long)n);
    if (!failed && o.failed && strcmp(got, want) != 0) {
      size_t at = first_difference(want, got);
      fail_msg("%s: allocation %llu failed, the run succeeded and gave another result; from its line %zu:\n"
               "--- want\n%.300s\n--- got\n%.300s", sc->what, (unsigned long long)n, at + 1, line_at(want, at),
               line_at(got, at));
    }
    free(got);
    nomem += failed;
    if (!o.failed || only) break; /* the whole scenario ran: every allocation of it has failed once */
  }
  hn_set_allocator(NULL);
  print_message("%s: %llu allocations, each failed in turn: %llu runs said out of memory, the others recovered\n",
                sc->what, (unsigned long long)total, (unsigned long long)nomem);
  free(want);
  return total;
}

static bool full(void) {
  const char *f = getenv("HN_OOM_FULL");
  return f && *f && strcmp(f, "0") != 0;
}

/* From the image of pack (native code in it when asked), or from pack compiled in each run. */
enum { IMAGE, IMAGE_NATIVE, COMPILED };

static void oom_loop(const char *pack, const char *events, size_t most, int from, int engine) {
  setenv("HORNET_CACHE_DIR", "off", 1);
  char *path = tmp_path("pack.hnp");
  if (from != COMPILED) write_image(pack, from == IMAGE_NATIVE, path);
  scenario sc = {.pack = from == COMPILED ? pack : NULL, .image = path, .engine = engine,
                 .load_flags = engine == HN_ENGINE_INTERP ? HN_LOAD_INTERP : 0};
  static const char *const from_name[] = {"its image", "its image with native code", "the compiler"};
  snprintf(sc.what, sizeof sc.what, "%s from %s, %s", pack, from_name[from],
           engine == HN_ENGINE_INTERP ? "interpreted" : "engine auto");
  sc.events = read_events(events, full() ? 0 : most, &sc.n_events);
  assert_true(sc.n_events >= 2);
  assert_true(loop(&sc) > 0);
  free_events(sc.events, sc.n_events);
  if (from != COMPILED) unlink(path);
  free(path);
}

/* A pack with every kind of correlation, its native code loaded. */
static void correlation_native(void **state) {
  (void)state;
  oom_loop("tests/golden/run/correlation.hn", "tests/golden/run/correlation.jsonl", 0, IMAGE_NATIVE, HN_ENGINE_AUTO);
}

/* The same under the interpreter. */
static void correlation_interp(void **state) {
  (void)state;
  oom_loop("tests/golden/run/correlation.hn", "tests/golden/run/correlation.jsonl", 0, IMAGE, HN_ENGINE_INTERP);
}

/* acme: regexes, the pattern prefilter, inventories, exposures, domains, scores, tests. */
static void acme(void **state) {
  (void)state;
  oom_loop("examples/acme", "examples/acme/events.jsonl", 12, IMAGE, HN_ENGINE_AUTO);
}

/* The compiler's output: correlation.hn compiled in each run (the interpreter runs it). */
static void correlation_compiled(void **state) {
  (void)state;
  oom_loop("tests/golden/run/correlation.hn", "tests/golden/run/correlation.jsonl", 0, COMPILED, HN_ENGINE_AUTO);
}


int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(correlation_native),
    cmocka_unit_test(correlation_interp),
    cmocka_unit_test(acme),
    cmocka_unit_test(correlation_compiled),
  };
  if (getenv("HN_OOM_TEST")) cmocka_set_test_filter(getenv("HN_OOM_TEST")); /* one of them, to debug */
  return cmocka_run_group_tests(tests, NULL, NULL);
}
