/* test_run.c - golden runs: each tests/golden/run/NAME.hn runs over NAME.jsonl and the
 * (line, rule) pairs of its alerts, plus "# malformed N", "# late N" and "# regex-limit N",
 * must equal NAME.expected (and the dead letters NAME.dead, when present). The same
 * corpus runs whole and through a dead-letter file, and each alert must be valid enough to
 * carry the rule, the input position and the entities. Runs from the source root. */
#include <dirent.h>
#include <time.h>
#include "test_util.h"

#define DIR_ "tests/golden/run"


/* Pulls "rule":"X" and "line":N out of each alert line: enough to compare, no JSON parser. */
static void summarize(const char *alerts, const hn_run_stats *st, FILE *out) {
  uint64_t malformed = st->malformed, late = st->late;
  for (const char *l = alerts; l && *l;) {
    const char *nl = strchr(l, '\n');
    const char *r = strstr(l, "{\"rule\":\"");
    const char *ln = strstr(l, "\"line\":");
    assert_non_null(r);
    assert_non_null(ln);
    r += 9;
    fprintf(out, "%ld %.*s\n", strtol(ln + 7, NULL, 10), (int)(strchr(r, '"') - r), r);
    assert_non_null(strstr(l, "\"entities\":{"));
    l = nl ? nl + 1 : l + strlen(l);
  }
  if (malformed) fprintf(out, "# malformed %llu\n", (unsigned long long)malformed);
  if (late) fprintf(out, "# late %llu\n", (unsigned long long)late);
  if (st->regex_undecided) fprintf(out, "# regex-limit %llu\n", (unsigned long long)st->regex_undecided);
}

/* Compares got with the golden file at path, or rewrites it with HN_UPDATE_GOLDEN; a missing
 * file is no check unless required. */
static void golden_file(const char *path, const char *got, bool required) {
  char *want = slurp_file(path, NULL);
  if (getenv("HN_UPDATE_GOLDEN") && (want || required)) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(got ? got : "", f);
    fclose(f);
  } else if (want || required) {
    if (!want) fail_msg("missing %s (run with HN_UPDATE_GOLDEN=1 and review)", path);
    if (strcmp(want, got ? got : "") != 0) fail_msg("%s differs.\n--- expected\n%s--- got\n%s", path, want, got);
  }
  free(want);
}

static void run_golden(void **state) {
  const char *name = *state; /* without extension */
  char hn[512], ev[512], exp[512];
  snprintf(hn, sizeof hn, "%s/%s.hn", DIR_, name);
  snprintf(ev, sizeof ev, "%s/%s.jsonl", DIR_, name);
  snprintf(exp, sizeof exp, "%s/%s.expected", DIR_, name);
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_path(c, hn);
  assert_int_equal(hnc_compiler_check(c), HN_OK);
  hn_program *p = hnc_compiler_program(c);
  assert_non_null(p);
  hnc_compiler_destroy(c);
  FILE *in = fopen(ev, "rb");
  assert_non_null(in);
  char *alerts = NULL, *dead = NULL, *got = NULL;
  size_t al = 0, dl = 0, gl = 0;
  FILE *out = open_memstream(&alerts, &al), *dl_f = open_memstream(&dead, &dl);
  hn_run_options o = {ev, in, out, dl_f, NULL, 0, HN_ENGINE_AUTO, NULL, 0, 0, false, NULL, NULL, false, NULL, 0};
  hn_run_stats st;
  assert_int_equal(hn_run_stream(p, &o, &st), HN_OK);
  fclose(in);
  fclose(out);
  fclose(dl_f);
  FILE *g = open_memstream(&got, &gl);
  summarize(alerts, &st, g);
  fclose(g);
  size_t dead_lines = 0;
  for (const char *q = dead; q && *q; q++) dead_lines += *q == '\n';
  /* malformed and late lines went there, and a letter per rule at a regex limit */
  assert_int_equal(dead_lines, st.malformed + st.late + st.regex_undecided);
  golden_file(exp, got, true);
  /* NAME.alerts, when present, holds the whole alert output: the format of every field;
   * NAME.dead the dead letters */
  snprintf(exp, sizeof exp, "%s/%s.alerts", DIR_, name);
  golden_file(exp, alerts, false);
  snprintf(exp, sizeof exp, "%s/%s.dead", DIR_, name);
  golden_file(exp, dead, false);
  free(got);
  free(alerts);
  free(dead);
  hn_program_destroy(p);
}

/* ---- restart equivalence ---------------------------------------------------------------------
 * A stream stopped every k events and resumed from its state file writes, over all its runs,
 * exactly the alerts of one uninterrupted run: none lost, none repeated, same order. */
static hn_program *compile_one(const char *path) {
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_path(c, path);
  assert_int_equal(hnc_compiler_check(c), HN_OK);
  hn_program *p = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  assert_non_null(p);
  return p;
}

/* Runs events (a file) through p in runs of at most k events (0: one run), each resuming from
 * the state file; returns everything written, malloc'd. */
static char *run_in_pieces(const hn_program *p, const char *events, uint64_t k, const char *dir, unsigned *runs) {
  char state[512], outp[512];
  snprintf(state, sizeof state, "%s/state", dir);
  snprintf(outp, sizeof outp, "%s/alerts", dir);
  remove(state);
  remove(outp);
  *runs = 0;
  for (;;) {
    FILE *in = fopen(events, "rb"), *out = fopen(outp, "ab");
    assert_non_null(in);
    assert_non_null(out);
    hn_run_options o = {events, in, out, NULL, NULL, 0, HN_ENGINE_AUTO, k ? state : NULL, 0, k, true, NULL, NULL, false, NULL, 0};
    hn_run_stats st;
    assert_int_equal(hn_run_stream(p, &o, &st), HN_OK);
    bool done = feof(in) || !k;
    fclose(in);
    fclose(out);
    (*runs)++;
    if (done) break;
  }
  return slurp_file(outp, NULL);
}

/* A scenario stream for the correlation golden pack: brute force, sequences, absences, volume,
 * out-of-order events within the minute of lateness, and a few late ones. */
static void write_scenario(const char *path, int n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  uint64_t x = 42;
  long t = 1709280000; /* 2024-03-01T08:00:00Z */
  static const char *const users[] = {"alice", "bob", "carol"};
  static const char *const hosts[] = {"db-1", "db-2"};
  for (int i = 0; i < n; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    unsigned r = (unsigned)(x >> 33);
    t += 5 + r % 90;
    long et = t - (r % 7 == 0 ? (long)(r % 50) : 0) - (r % 61 == 0 ? 300 : 0); /* a little out of order; some late */
    char ts[32];
    time_t tt = (time_t)et;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    switch (r % 5) {
    case 0: case 1:
      fprintf(f, "{\"@timestamp\":\"%s\",\"user.name\":\"%s\",\"source.ip\":\"203.0.113.%u\",\"event.outcome\":\"%s\"}\n",
              ts, users[(r >> 3) % 3], (r >> 5) % 2, (r >> 7) % 4 ? "failure" : "success");
      break;
    case 2:
      fprintf(f, "{\"@timestamp\":\"%s\",\"host.name\":\"%s\",\"event.action\":\"%s\",\"service.name\":\"edr\"}\n", ts,
              hosts[(r >> 3) % 2], (r >> 4) % 2 ? "service-stopped" : "service-started");
      break;
    default:
      fprintf(f, "{\"@timestamp\":\"%s\",\"host.name\":\"%s\",\"bytes\":%u}\n", ts, hosts[(r >> 3) % 2], (r >> 6) % 400);
    }
  }
  fclose(f);
}

static void restart_equivalence(void **state) {
  (void)state;
  char dir[] = "/tmp/hn_restart_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char scen[512];
  snprintf(scen, sizeof scen, "%s/scenario.jsonl", dir);
  write_scenario(scen, 400);
  hn_program *p = compile_one(DIR_ "/correlation.hn");
  const char *streams[] = {DIR_ "/correlation.jsonl", scen};
  unsigned total = 0;
  for (int s = 0; s < 2; s++) {
    unsigned runs;
    char *whole = run_in_pieces(p, streams[s], 0, dir, &runs);
    assert_non_null(whole);
    size_t lines = 0;
    for (const char *q = whole; *q; q++) lines += *q == '\n';
    assert_true(lines >= (s ? 60u : 10u)); /* the scenario raises correlation alerts */
    for (uint64_t k = 1; k <= (s ? 400u : 16u); k++) {
      char *pieces = run_in_pieces(p, streams[s], k, dir, &runs);
      assert_non_null(pieces);
      if (strcmp(whole, pieces) != 0)
        fail_msg("%s stopped every %llu events differs from one run.\n--- one run\n%s--- in pieces\n%s", streams[s],
                 (unsigned long long)k, whole, pieces);
      total += runs;
      free(pieces);
    }
    free(whole);
  }
  print_message("%u resumed runs matched the uninterrupted ones\n", total);
  hn_program_destroy(p);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

/* A state file written by another pack whose correlation rules changed is refused, naming the
 * rule; one whose rules are unchanged is taken. */
static void state_of_changed_pack(void **state) {
  (void)state;
  char dir[] = "/tmp/hn_state_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char pk[512], ev[512], st_path[512];
  snprintf(pk, sizeof pk, "%s/p.hn", dir);
  snprintf(ev, sizeof ev, "%s/e.jsonl", dir);
  snprintf(st_path, sizeof st_path, "%s/state", dir);
  const char *head = "pack t.state 1.0.0\nschema s { time @timestamp\n user.name: string\n event.outcome: string }\n"
                     "rule other { severity low where event.outcome == \"x\" group by user.name window 1h having count() >= 2 }\n";
  FILE *f = fopen(ev, "wb");
  fputs("{\"@timestamp\":\"2024-01-01T10:00:00Z\",\"user.name\":\"a\",\"event.outcome\":\"failure\"}\n"
        "{\"@timestamp\":\"2024-01-01T10:00:01Z\",\"user.name\":\"a\",\"event.outcome\":\"x\"}\n", f);
  fclose(f);
  const char *rules[] = {
    "rule r { severity low where event.outcome == \"failure\" group by user.name window 1h having count() >= 2 }\n",
    "rule r { severity low where event.outcome == \"failure\" group by user.name window 1h having count() >= 3 }\n",
  };
  for (int v = 0; v < 2; v++) {
    f = fopen(pk, "wb");
    fputs(head, f);
    fputs(rules[v], f);
    fclose(f);
    hn_program *p = compile_one(pk);
    FILE *in = fopen(ev, "rb");
    char *diag = NULL, *alerts = NULL;
    size_t dl = 0, al = 0;
    FILE *d = open_memstream(&diag, &dl), *out = open_memstream(&alerts, &al);
    hn_run_options o = {ev, in, out, NULL, d, 10, HN_ENGINE_AUTO, st_path, 0, 0, false, NULL, NULL, false, NULL, 0};
    hn_run_stats st;
    hn_status rc = hn_run_stream(p, &o, &st);
    fclose(in);
    fclose(d);
    fclose(out);
    if (v == 0) {
      assert_int_equal(rc, HN_OK);
    } else { /* rule r changed and holds a window: refused, and said so */
      assert_int_not_equal(rc, HN_OK);
      assert_non_null(strstr(diag, "rule 'r' changed"));
    }
    free(diag);
    free(alerts);
    hn_program_destroy(p);
  }
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

/* Golden queues: tests/golden/queue/NAME.hn over NAME.jsonl writes exactly NAME.records (the
 * incident records) and NAME.queue (the queue as text). HN_UPDATE_GOLDEN=1 rewrites them. */
static void compare_or_update(const char *path, const char *got) {
  char *want = slurp_file(path, NULL);
  if (getenv("HN_UPDATE_GOLDEN")) {
    FILE *f = fopen(path, "wb");
    fputs(got, f);
    fclose(f);
  } else {
    assert_non_null(want);
    if (strcmp(want, got) != 0) fail_msg("%s differs.\n--- expected\n%s--- got\n%s", path, want, got);
  }
  free(want);
}

static void queue_golden(void **state) {
  (void)state;
  /* (pack, events): the scenario whole, and stopped while the lab VM is exposed */
  static const char *const runs[][2] = {{"scenario", "scenario"}, {"scenario", "exposed"}, {"decay", "decay"}, {"tactics", "tactics"},
                                        {"imported_domains", "imported_domains"}, {"priority", "priority"},
                                        {"shadow_it", "shadow_it"}};
  for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
    char hn[512], ev[512], rec[512], q[512];
    snprintf(hn, sizeof hn, "tests/golden/queue/%s.hn", runs[i][0]);
    snprintf(ev, sizeof ev, "tests/golden/queue/%s.jsonl", runs[i][1]);
    snprintf(rec, sizeof rec, "tests/golden/queue/%s.records", runs[i][1]);
    snprintf(q, sizeof q, "tests/golden/queue/%s.queue", runs[i][1]);
    hn_program *p = compile_one(hn);
    FILE *in = fopen(ev, "rb");
    char *rtext = NULL, *qtext = NULL;
    size_t rl = 0, ql = 0;
    FILE *rf = open_memstream(&rtext, &rl), *qf = open_memstream(&qtext, &ql), *out = fopen("/dev/null", "wb");
    hn_run_options o = {ev, in, out, NULL, NULL, 0, HN_ENGINE_AUTO, NULL, 0, 0, false, rf, qf, false, NULL, 0};
    hn_run_stats st;
    assert_int_equal(hn_run_stream(p, &o, &st), HN_OK);
    fclose(in);
    fclose(out);
    fclose(rf);
    fclose(qf);
    compare_or_update(rec, rtext);
    compare_or_update(q, qtext);
    free(rtext);
    free(qtext);
    hn_program_destroy(p);
  }
}

/* The example pack's own test blocks pass, correlation tests included. */
static void example_tests(void **state) {
  (void)state;
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_path(c, "examples");
  assert_int_equal(hnc_compiler_check(c), HN_OK);
  hn_program *p = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  assert_non_null(p);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  hn_test_report rep;
  hn_status st = hn_run_tests(p, f, NULL, &rep);
  fclose(f);
  if (st != HN_OK) print_error("%s", buf);
  assert_int_equal(st, HN_OK);
  assert_true(rep.passed >= 40);
  assert_int_equal(rep.skipped, 0);
  free(buf);
  hn_program_destroy(p);
}

/* A failing expectation is reported with the rule and the event, and makes the run fail. */
static void failing_test_is_reported(void **state) {
  (void)state;
  const char *src = "import std.ecs\nrule r { severity low where process.name == \"a\" entities host.name }\n"
                    "test \"should fire\" { event { process.name: \"b\" } expect r }\n";
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_source(c, "t.hn", src, strlen(src));
  assert_int_equal(hnc_compiler_check(c), HN_OK);
  hn_program *p = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  char *buf = NULL, *xml = NULL;
  size_t len = 0, xl = 0;
  FILE *f = open_memstream(&buf, &len), *j = open_memstream(&xml, &xl);
  hn_test_report rep;
  assert_int_equal(hn_run_tests(p, f, j, &rep), HN_ERR_SEMANTIC);
  fclose(f);
  fclose(j);
  assert_int_equal(rep.failed, 1);
  assert_non_null(strstr(buf, "FAIL t.hn:3: test \"should fire\""));
  assert_non_null(strstr(buf, "expected rule r to fire, it did not"));
  assert_non_null(strstr(buf, "{\"process.name\":\"b\"}"));
  assert_non_null(strstr(xml, "<failure"));
  free(buf);
  free(xml);
  hn_program_destroy(p);
}

static int is_hn(const struct dirent *e) {
  size_t n = strlen(e->d_name);
  return n > 3 && strcmp(e->d_name + n - 3, ".hn") == 0;
}

int main(void) {
  struct dirent **ents;
  int n = scandir(DIR_, &ents, is_hn, alphasort);
  if (n <= 0) return 1;
  struct CMUnitTest *tests = calloc((size_t)n + 5, sizeof *tests);
  char **names = calloc((size_t)n, sizeof *names);
  for (int i = 0; i < n; i++) {
    names[i] = strndup(ents[i]->d_name, strlen(ents[i]->d_name) - 3);
    tests[i] = (struct CMUnitTest){names[i], run_golden, NULL, NULL, names[i]};
    free(ents[i]);
  }
  free(ents);
  tests[n] = (struct CMUnitTest)cmocka_unit_test(example_tests);
  tests[n + 1] = (struct CMUnitTest)cmocka_unit_test(failing_test_is_reported);
  tests[n + 2] = (struct CMUnitTest)cmocka_unit_test(restart_equivalence);
  tests[n + 3] = (struct CMUnitTest)cmocka_unit_test(state_of_changed_pack);
  tests[n + 4] = (struct CMUnitTest)cmocka_unit_test(queue_golden);
  int rc = _cmocka_run_group_tests("run", tests, (size_t)n + 5, NULL, NULL);
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
  free(tests);
  return rc;
}
