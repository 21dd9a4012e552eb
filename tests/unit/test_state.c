/* test_state.c - what the runtime keeps across runs and in memory: state files refused when
 * damaged (one byte, every truncation, random corruptions, forged checksums), incidents that
 * carry on across checkpoints, events far ahead of the clock that must not blind correlation,
 * and held events counted in the memory bound. Runs from the source root. */
#define _GNU_SOURCE /* memmem */
#include <sys/stat.h>
#include "test_util.h"
#include "ckpt.h"
#include "hornet/hornet.h"

static hn_program *compile_src(const char *src) {
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  assert_int_equal(hnc_compiler_add_source(c, "t.hn", src, strlen(src)), HN_OK);
  assert_int_equal(hnc_compiler_check(c), HN_OK);
  hn_program *p = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  assert_non_null(p);
  return p;
}

static hn_program *compile_path(const char *path) {
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_path(c, path);
  assert_int_equal(hnc_compiler_check(c), HN_OK);
  hn_program *p = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  assert_non_null(p);
  return p;
}

static void write_file(const char *path, const void *b, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(b, 1, n, f), n);
  fclose(f);
}

/* One run of p over events (a file), with a state file when st_path is not NULL: the alerts,
 * the incident records and the diagnostics go to the strings given (each may be NULL). */
typedef struct run_out {
  char *alerts, *records, *queue, *diag;
  hn_run_stats st;
  hn_status rc;
  bool at_end;           /* the input was read to its end */
} run_out;

static void run_out_free(run_out *r) {
  free(r->alerts);
  free(r->records);
  free(r->queue);
  free(r->diag);
}

static run_out run_final(const hn_program *p, const char *events, const char *st_path, uint64_t max_events, bool incidents,
                         bool final) {
  run_out r;
  memset(&r, 0, sizeof r);
  size_t n1 = 0, n2 = 0, n3 = 0, n4 = 0;
  FILE *in = fopen(events, "rb");
  assert_non_null(in);
  FILE *out = open_memstream(&r.alerts, &n1), *rec = open_memstream(&r.records, &n2), *q = open_memstream(&r.queue, &n3),
       *d = open_memstream(&r.diag, &n4);
  hn_run_options o = {.input_name = events, .in = in, .out = out, .diag = d, .max_reports = 10,
                      .engine = HN_ENGINE_AUTO, .state_path = st_path, .max_events = max_events, .final_input = final,
                      .incidents = incidents ? rec : NULL, .queue = incidents ? q : NULL};
  r.rc = hn_run_stream(p, &o, &r.st);
  r.at_end = feof(in) != 0;
  fclose(in);
  fclose(out);
  fclose(rec);
  fclose(q);
  fclose(d);
  return r;
}

/* A run whose input ends the stream (with a state file, the end closes every window). */
static run_out run_once(const hn_program *p, const char *events, const char *st_path, uint64_t max_events, bool incidents) {
  return run_final(p, events, st_path, max_events, incidents, true);
}

static size_t count_lines(const char *s, const char *needle) {
  size_t n = 0;
  for (const char *l = s; l && *l;) {
    const char *nl = strchr(l, '\n');
    size_t len = nl ? (size_t)(nl - l) : strlen(l);
    if (!needle || memmem(l, len, needle, strlen(needle))) n++;
    l += len + (nl != NULL);
  }
  return n;
}

static char *tmpdir(void) {
  char *d = strdup("/tmp/hn_state_XXXXXX");
  assert_non_null(mkdtemp(d));
  return d;
}

static void rmdir_all(char *d) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
  assert_int_equal(system(cmd), 0);
  free(d);
}

/* ---- damaged state files ------------------------------------------------------------------------
 * The state of the correlation golden pack after its first 8 events (windows, partial
 * sequences, suppression records, held events, incidents), then damaged in every way: each
 * damaged file is refused, naming itself, and left as it was. */
#define CORR "tests/golden/run/correlation"

static char *first_lines(const char *dir, const char *from, int n) {
  char *text = slurp_file(from, NULL), *path = malloc(600);
  assert_non_null(text);
  snprintf(path, 600, "%s/part.jsonl", dir);
  char *q = text;
  for (int i = 0; i < n && q; i++) q = strchr(q, '\n') ? strchr(q, '\n') + 1 : NULL;
  write_file(path, text, q ? (size_t)(q - text) : strlen(text));
  free(text);
  return path;
}

/* Resumes from the damaged bytes b[0..n) and expects a refusal that names the file. */
static void expect_refused(const hn_program *p, const char *st_path, const unsigned char *b, size_t n, const char *why,
                           const char *what) {
  write_file(st_path, b, n);
  run_out r = run_once(p, CORR ".jsonl", st_path, 0, true);
  char needle[700];
  snprintf(needle, sizeof needle, "hornet: state file '%s': ", st_path);
  if (r.rc == HN_OK || !strstr(r.diag, needle) || (why && !strstr(r.diag, why)))
    fail_msg("%s: not refused as it should be (rc %d); diagnostics:\n%s", what, r.rc, r.diag);
  size_t m = 0;
  char *after = slurp_file(st_path, &m);
  if (m != n || memcmp(after, b, n) != 0) fail_msg("%s: the refused state file was changed", what);
  free(after);
  run_out_free(&r);
}

static unsigned char *good_state(const hn_program *p, const char *dir, const char *st_path, int lines, size_t *n) {
  char *part = first_lines(dir, CORR ".jsonl", lines);
  remove(st_path);
  run_out r = run_final(p, part, st_path, 0, true, false); /* the stream goes on: windows stay open */
  assert_int_equal(r.rc, HN_OK);
  run_out_free(&r);
  free(part);
  unsigned char *b = (unsigned char *)slurp_file(st_path, n);
  assert_non_null(b);
  return b;
}

static uint64_t lcg(uint64_t *x) {
  *x = *x * 6364136223846793005ull + 1442695040888963407ull;
  return *x >> 33;
}

static void state_damaged(void **state) {
  (void)state;
  char *dir = tmpdir(), st_path[600];
  snprintf(st_path, sizeof st_path, "%s/state", dir);
  hn_program *p = compile_path(CORR ".hn");
  size_t n;
  /* one changed byte: after 10 events, the length of the string "db-2" in the key of an hourly
   * window made the alert its end raises read past the key (heap-buffer-overflow under ASan,
   * in write_alert); every key holding it is tried */
  unsigned char *good = good_state(p, dir, st_path, 10, &n), *b = malloc(n);
  const unsigned char pat[] = {5, 4, 0, 0, 0, 'd', 'b', '-', '2'};
  int tried = 0;
  for (unsigned char *at = good; (at = memmem(at, n - (size_t)(at - good), pat, sizeof pat)) != NULL; at++, tried++) {
    memcpy(b, good, n);
    b[at - good + 1] = 0x7f;
    expect_refused(p, st_path, b, n, "corrupt: its checksum does not match its content", "one changed byte");
  }
  assert_true(tried >= 2);
  free(good);
  free(b);
  good = good_state(p, dir, st_path, 8, &n);
  b = malloc(n);
  /* truncated at every length */
  for (size_t k = 0; k < n; k++) {
    char what[64];
    snprintf(what, sizeof what, "truncated to %zu bytes", k);
    expect_refused(p, st_path, good, k, NULL, what);
  }
  /* random damage: one to four bytes changed or bits flipped, anywhere */
  uint64_t x = 1234;
  for (int i = 0; i < 300; i++) {
    memcpy(b, good, n);
    int changes = 1 + (int)(lcg(&x) % 4);
    for (int c = 0; c < changes; c++) {
      size_t pos = lcg(&x) % n;
      if (lcg(&x) & 1) b[pos] ^= (unsigned char)(1u << (lcg(&x) % 8));
      else b[pos] = (unsigned char)(b[pos] + 1 + lcg(&x) % 255);
    }
    char what[64];
    snprintf(what, sizeof what, "random damage %d", i);
    expect_refused(p, st_path, b, n, NULL, what);
  }
  print_message("state of %zu bytes: 1 changed byte, %zu truncations, 300 random corruptions refused\n", n, n);
  free(b);
  free(good);
  hn_program_destroy(p);
  rmdir_all(dir);
}

/* A forged checksum (as a corruption that happened to match it would be): the loader checks
 * every length and index itself, so a damaged body is refused or loads, and never crashes
 * (this test is for the sanitizers). */
static void state_forged(void **state) {
  (void)state;
  char *dir = tmpdir(), st_path[600];
  snprintf(st_path, sizeof st_path, "%s/state", dir);
  hn_program *p = compile_path(CORR ".hn");
  size_t n;
  unsigned char *good = good_state(p, dir, st_path, 10, &n);
  unsigned char *b = malloc(n);
  /* the state file's header, then the runner's part (offset, line, three lengths) and the
   * session's state with a header and checksum of its own, both forged */
  enum { HEAD = 48, SUM = 40, LEN = 32, INNER = HEAD + 40 + 8, IHEAD = 56, ISUM = 48, ILEN = 40 };
  assert_true(n > INNER + IHEAD);
  assert_memory_equal(good + INNER, "HNSESSN1", 8);
  uint64_t x = 99;
  int refused = 0, loaded = 0, rounds = getenv("HN_FORGED") ? atoi(getenv("HN_FORGED")) : 400; /* more: a longer search */
  for (int i = 0; i < rounds; i++) {
    memcpy(b, good, n);
    for (int c = 1 + (int)(lcg(&x) % 3); c > 0; c--) {
      size_t pos = INNER + IHEAD + lcg(&x) % (n - INNER - IHEAD);
      b[pos] = (unsigned char)(lcg(&x) % 4 == 0 ? 0xff : b[pos] ^ (1u << (lcg(&x) % 8)));
    }
    uint64_t len, ilen;
    memcpy(&ilen, b + INNER + ILEN, 8);
    uint64_t isum = hn_ck_sum(hn_ck_sum(hn_ck_sum(0, b + INNER, ILEN), b + INNER + IHEAD, n - INNER - IHEAD), &ilen, 8);
    memcpy(b + INNER + ISUM, &isum, 8);
    memcpy(&len, b + LEN, 8);
    uint64_t sum = hn_ck_sum(hn_ck_sum(hn_ck_sum(0, b, LEN), b + HEAD, n - HEAD), &len, 8);
    memcpy(b + SUM, &sum, 8);
    write_file(st_path, b, n);
    run_out r = run_once(p, CORR ".jsonl", st_path, 0, true);
    char needle[700];
    snprintf(needle, sizeof needle, "hornet: state file '%s': ", st_path);
    if (r.rc == HN_OK) loaded++;
    else if (strstr(r.diag, needle)) refused++;
    else fail_msg("forged state %d: neither loaded nor refused:\n%s", i, r.diag);
    run_out_free(&r);
  }
  print_message("%d forged states: %d refused, %d loaded (a changed time or count is a valid state)\n", rounds, refused,
                loaded);
  assert_true(refused > rounds / 4);
  free(b);
  free(good);
  hn_program_destroy(p);
  rmdir_all(dir);
}

/* A state written by another pack is refused, not taken for this one's. */
static void state_of_another_pack(void **state) {
  (void)state;
  char *dir = tmpdir(), st_path[600];
  snprintf(st_path, sizeof st_path, "%s/state", dir);
  hn_program *p = compile_path(CORR ".hn");
  size_t n;
  unsigned char *good = good_state(p, dir, st_path, 8, &n);
  hn_program *q = compile_src("pack other.pack 1.0.0\nschema s { time @timestamp\n user.name: string }\n"
                              "rule x { severity low where user.name == \"a\" }\n");
  run_out r = run_once(q, CORR ".jsonl", st_path, 0, false);
  assert_int_not_equal(r.rc, HN_OK);
  if (!strstr(r.diag, "written for another pack")) fail_msg("not refused as another pack's:\n%s", r.diag);
  run_out_free(&r);
  free(good);
  hn_program_destroy(q);
  hn_program_destroy(p);
  rmdir_all(dir);
}

/* ---- incidents across checkpoints ------------------------------------------------------------------
 * A stream stopped every k events and resumed from its state writes the same alerts and the
 * same incident records as one uninterrupted run (ids go on: INC-000002 after INC-000001, and
 * an open incident takes a later related alert), and ends with the same queue. */
static void incidents_resume(void **state) {
  (void)state;
  static const char *const packs[][2] = {{"tests/golden/queue/scenario.hn", "tests/golden/queue/scenario.jsonl"},
                                         {"tests/golden/queue/decay.hn", "tests/golden/queue/decay.jsonl"},
                                         {CORR ".hn", CORR ".jsonl"}};
  char *dir = tmpdir(), st_path[600];
  snprintf(st_path, sizeof st_path, "%s/state", dir);
  unsigned runs = 0;
  for (size_t i = 0; i < sizeof packs / sizeof *packs; i++) {
    hn_program *p = compile_path(packs[i][0]);
    run_out whole = run_once(p, packs[i][1], NULL, 0, true);
    assert_int_equal(whole.rc, HN_OK);
    char *text = slurp_file(packs[i][1], NULL);
    size_t events = count_lines(text, NULL);
    free(text);
    assert_true(count_lines(whole.records, "\"created\"") >= 2);
    for (uint64_t k = 1; k < events; k++) {
      char *alerts = calloc(1, 1), *records = calloc(1, 1), *queue = NULL;
      remove(st_path);
      for (bool done = false; !done; runs++) {
        run_out r = run_once(p, packs[i][1], st_path, k, true);
        assert_int_equal(r.rc, HN_OK);
        done = r.at_end;
        alerts = realloc(alerts, strlen(alerts) + strlen(r.alerts) + 1);
        strcat(alerts, r.alerts);
        records = realloc(records, strlen(records) + strlen(r.records) + 1);
        strcat(records, r.records);
        free(queue);
        queue = strdup(r.queue);
        run_out_free(&r);
      }
      if (strcmp(alerts, whole.alerts) != 0)
        fail_msg("%s stopped every %llu events: the alerts differ.\n--- one run\n%s--- in pieces\n%s", packs[i][1],
                 (unsigned long long)k, whole.alerts, alerts);
      if (strcmp(records, whole.records) != 0)
        fail_msg("%s stopped every %llu events: the incident records differ.\n--- one run\n%s--- in pieces\n%s",
                 packs[i][1], (unsigned long long)k, whole.records, records);
      if (strcmp(queue, whole.queue) != 0)
        fail_msg("%s stopped every %llu events: the queue differs.\n--- one run\n%s--- in pieces\n%s", packs[i][1],
                 (unsigned long long)k, whole.queue, queue);
      free(alerts);
      free(records);
      free(queue);
    }
    run_out_free(&whole);
    hn_program_destroy(p);
  }
  print_message("%u resumed runs kept their incidents\n", runs);
  rmdir_all(dir);
}

/* ---- an event far ahead of the clock (lang/SPEC.md §10.12) ---------------------------------------
 * One event dated 2099 among real ones must not move the watermark: brute force still fires on
 * the real events after it, as often as without it, and the event is counted as ahead. */
static const char *const SKEW_PACK =
  "pack t.skew 1.0.0\n"
  "settings { lateness %s %s }\n"
  "schema s { time @timestamp\n user.name: string\n event.outcome: string }\n"
  "rule brute { severity high where event.outcome == \"failure\" group by user.name window 10m having count() >= 3 }\n";

static void write_brute_force(const char *path, int inject) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  for (int i = 0; i < 30; i++) {
    for (int k = 0; i == 4 && k < inject; k++)
      fputs("{\"@timestamp\":\"2099-01-01T00:00:00Z\",\"user.name\":\"alice\",\"event.outcome\":\"failure\"}\n", f);
    fprintf(f, "{\"@timestamp\":\"2024-06-01T10:%02d:%02dZ\",\"user.name\":\"alice\",\"event.outcome\":\"failure\"}\n",
            i / 6, i % 6 * 10);
  }
  fclose(f);
}

static void ahead_of_clock(void **state) {
  (void)state;
  FILE *f;
  char *dir = tmpdir(), clean[600], injected[600];
  snprintf(clean, sizeof clean, "%s/clean.jsonl", dir);
  snprintf(injected, sizeof injected, "%s/injected.jsonl", dir);
  write_brute_force(clean, 0);
  write_brute_force(injected, 1);
  static const char *const lateness[] = {"0s", "1m"};
  for (int l = 0; l < 2; l++) {
    char src[1024];
    snprintf(src, sizeof src, SKEW_PACK, lateness[l], "");
    hn_program *p = compile_src(src);
    run_out a = run_once(p, clean, NULL, 0, false), b = run_once(p, injected, NULL, 0, false);
    assert_int_equal(a.rc, HN_OK);
    assert_int_equal(b.rc, HN_OK);
    size_t want = count_lines(a.alerts, "\"rule\":\"brute\""), got = count_lines(b.alerts, "\"rule\":\"brute\"");
    assert_int_equal(want, 10);
    if (got != want) fail_msg("lateness %s: %zu brute-force alerts with the 2099 event, %zu without", lateness[l], got, want);
    assert_int_equal(b.st.late, 0);
    assert_int_equal(b.st.ahead, 1);
    assert_int_equal(b.st.ahead_dropped, 0);
    if (!strstr(b.diag, ":5: event ahead of the clock")) fail_msg("the 2099 event is not reported:\n%s", b.diag);
    run_out_free(&a);
    run_out_free(&b);
    hn_program_destroy(p);
  }
  /* thirty such events: those the held events' half of `memory` has no room for are kept out
   * of correlation, counted */
  char many[600], src4[1024];
  snprintf(many, sizeof many, "%s/many.jsonl", dir);
  write_brute_force(many, 30);
  snprintf(src4, sizeof src4, SKEW_PACK, "0s", "memory 4KB");
  hn_program *p4 = compile_src(src4);
  run_out m = run_once(p4, many, NULL, 0, false);
  assert_int_equal(m.st.ahead, 30);
  assert_true(m.st.ahead_dropped >= 10 && m.st.ahead_dropped < 30);
  assert_int_equal(m.st.late, 0);
  assert_int_equal(count_lines(m.alerts, "\"time\":\"2024-"), 10); /* the held ones fire at the end of the input */
  if (!strstr(m.diag, "kept out of correlation: the events held back use half of `memory`"))
    fail_msg("dropped events are not reported:\n%s", m.diag);
  run_out_free(&m);
  hn_program_destroy(p4);
  /* incidents: the 2099 alert does not move their clock, so the scores that decay with `now`
   * stay those of the real stream (tests/golden/queue/decay.queue) */
  char dq[600];
  snprintf(dq, sizeof dq, "%s/decay.jsonl", dir);
  f = fopen(dq, "wb");
  fputs("{\"@timestamp\":\"2024-06-01T08:00:00Z\",\"host.name\":\"a\",\"event.action\":\"critical-thing\"}\n"
        "{\"@timestamp\":\"2099-01-01T00:00:00Z\",\"host.name\":\"z\",\"event.action\":\"medium-thing\"}\n"
        "{\"@timestamp\":\"2024-06-01T11:00:00Z\",\"host.name\":\"b\",\"event.action\":\"medium-thing\"}\n"
        "{\"@timestamp\":\"2024-06-01T11:30:00Z\",\"host.name\":\"c\",\"event.action\":\"nothing\"}\n", f);
  fclose(f);
  hn_program *dp = compile_path("tests/golden/queue/decay.hn");
  run_out d = run_once(dp, dq, NULL, 0, true);
  if (!strstr(d.records, "\"id\":\"INC-000003\",\"score\":3,\"severity\":3,\"alerts\":1,\"age_s\":0,") ||
      !strstr(d.queue, "score 2.121    age   0h30m") || !strstr(d.queue, "score 0.4419   age   3h30m"))
    fail_msg("the incidents' clock moved with the 2099 alert:\n%s%s", d.records, d.queue);
  run_out_free(&d);
  hn_program_destroy(dp);
  /* exposure windows: after a 2099 event that raises nothing, the firewall change still exposes
   * the lab VM and its revert still closes it: the golden queue and records, unchanged */
  char sq[600];
  snprintf(sq, sizeof sq, "%s/scenario.jsonl", dir);
  char *scen = slurp_file("tests/golden/queue/scenario.jsonl", NULL);
  f = fopen(sq, "wb");
  fputs("{\"@timestamp\":\"2099-01-01T00:00:00Z\",\"host.name\":\"lab-vm\",\"event.action\":\"nothing\"}\n", f);
  fputs(scen, f);
  fclose(f);
  free(scen);
  hn_program *sp = compile_path("tests/golden/queue/scenario.hn");
  run_out sr = run_once(sp, sq, NULL, 0, true);
  char *want_q = slurp_file("tests/golden/queue/scenario.queue", NULL), *want_r = slurp_file("tests/golden/queue/scenario.records", NULL);
  if (strcmp(sr.queue, want_q) != 0 || strcmp(sr.records, want_r) != 0)
    fail_msg("a 2099 event changed the exposures:\n%s%s", sr.records, sr.queue);
  free(want_q);
  free(want_r);
  run_out_free(&sr);
  hn_program_destroy(sp);
  /* max_skew 0s takes the bound away: the 2099 event then blinds correlation, as it did */
  char src[1024];
  snprintf(src, sizeof src, SKEW_PACK, "0s", "max_skew 0s");
  hn_program *p = compile_src(src);
  run_out b = run_once(p, injected, NULL, 0, false);
  assert_int_equal(b.st.ahead, 0);
  assert_int_equal(b.st.late, 26);
  assert_int_equal(count_lines(b.alerts, "\"rule\":\"brute\""), 1);
  run_out_free(&b);
  hn_program_destroy(p);
  rmdir_all(dir);
}

/* ---- held events and the memory bound ------------------------------------------------------------
 * With a day of lateness every event is held; their text counts in the state's size, which
 * stays within `memory`: the earliest are released before their lateness is up (counted),
 * and in order, so the alerts are those of a run with room for them all. */
static void held_events_bounded(void **state) {
  (void)state;
  char *dir = tmpdir(), ev[600];
  snprintf(ev, sizeof ev, "%s/many.jsonl", dir);
  FILE *f = fopen(ev, "wb");
  assert_non_null(f);
  char pad[201];
  memset(pad, 'x', 200);
  pad[200] = 0;
  for (int i = 0; i < 20000; i++)
    fprintf(f, "{\"@timestamp\":\"2024-06-01T%02d:%02d:%02dZ\",\"user.name\":\"u%d\",\"event.outcome\":\"failure\",\"pad\":\"%s\"}\n",
            i / 3600, i / 60 % 60, i % 60, i % 7, pad);
  fclose(f);
  const char *fmt = "pack t.held 1.0.0\nsettings { lateness 1d %s }\n"
                    "schema s { time @timestamp\n user.name: string\n event.outcome: string }\n"
                    "rule brute { severity high where event.outcome == \"failure\" group by user.name window 1m "
                    "having count() >= 5 }\n";
  char src[1024];
  snprintf(src, sizeof src, fmt, "memory 1MB");
  hn_program *small = compile_src(src);
  snprintf(src, sizeof src, fmt, "");
  hn_program *big = compile_src(src);
  run_out a = run_once(big, ev, NULL, 0, false), b = run_once(small, ev, NULL, 0, false);
  assert_int_equal(a.rc, HN_OK);
  assert_int_equal(b.rc, HN_OK);
  print_message("20,000 held events: %.1f MB of state with memory 512MB, %.2f MB with memory 1MB (%llu released early)\n",
                a.st.peak_state_bytes / 1e6, b.st.peak_state_bytes / 1e6, (unsigned long long)b.st.released);
  assert_true(a.st.peak_state_bytes > 20000ull * 200); /* every held event's text is counted */
  assert_int_equal(a.st.released, 0);
  assert_true(b.st.peak_state_bytes <= 1000000);
  assert_true(b.st.peak_state_bytes >= 400000);
  assert_true(b.st.released > 15000);
  assert_int_equal(b.st.late, 0);
  if (strcmp(a.alerts, b.alerts) != 0) fail_msg("the alerts differ with the memory bound");
  run_out_free(&a);
  run_out_free(&b);
  hn_program_destroy(small);
  hn_program_destroy(big);
  rmdir_all(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(state_damaged),     cmocka_unit_test(state_forged),    cmocka_unit_test(state_of_another_pack),
    cmocka_unit_test(incidents_resume),  cmocka_unit_test(ahead_of_clock),  cmocka_unit_test(held_events_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
