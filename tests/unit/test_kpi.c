/* test_kpi.c - KPIs (lang/SPEC.md §15) over facts: std.kpi over the two weeks of
 * tests/golden/kpi/scenario.facts with every value computed by hand below, attribution of a
 * product and a quotient, the gap analysis, the facts reader's records and its errors, and the
 * writers' formats (golden files; HN_UPDATE_GOLDEN=1 rewrites them). */
#define _GNU_SOURCE /* strptime, timegm, fmemopen */
#include <math.h>
#include <time.h>
#include "test_util.h"

#define H 3600.0
#define SCENARIO "tests/golden/kpi/scenario"

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

static int64_t at(const char *t) { /* "2024-05-13" at midnight UTC, in ns */
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  assert_non_null(strptime(t, "%Y-%m-%d", &tm));
  return (int64_t)timegm(&tm) * INT64_C(1000000000);
}

/* ---- what hn_kpi_compute handed over ------------------------------------------------------ */
typedef struct cell {
  char kpi[64], key[256];
  int64_t start;
  bool has, has_prev, attributed;
  double num, prev, log_change, contrib_sum;
  int met;
  uint32_t n_factors;
  double fchange[4];
} cell;

typedef struct cells {
  cell v[512];
  unsigned n;
} cells;

static void collect(void *ud, const hn_kpi_cell *c) {
  cells *s = ud;
  assert_true(s->n < 512);
  cell *o = &s->v[s->n++];
  memset(o, 0, sizeof *o);
  snprintf(o->kpi, sizeof o->kpi, "%s", c->view->name);
  size_t k = 0;
  for (uint32_t d = 0; d < c->n_dims; d++) k += (size_t)snprintf(o->key + k, sizeof o->key - k, "%s%s", d ? "/" : "", c->values[d]);
  o->start = c->start;
  o->has = c->has_value;
  o->num = c->number;
  o->has_prev = c->has_previous;
  o->prev = c->previous;
  o->met = c->target_met;
  o->log_change = c->log_change;
  o->attributed = c->attributed;
  o->n_factors = c->n_factors;
  for (uint32_t j = 0; j < c->n_factors && j < 4; j++) {
    o->contrib_sum += c->factors[j].contribution;
    o->fchange[j] = c->factors[j].change;
  }
}

static const cell *find(const cells *s, const char *kpi, const char *week, const char *key) {
  for (unsigned i = 0; i < s->n; i++)
    if (!strcmp(s->v[i].kpi, kpi) && s->v[i].start == at(week) && !strcmp(s->v[i].key, key)) return &s->v[i];
  fail_msg("no cell %s %s [%s]", kpi, week, key);
  return NULL;
}

/* The cell's value is `want` (within a rounding error) and its target status `met`. */
static void expect(const cells *s, const char *kpi, const char *week, const char *key, double want, int met) {
  const cell *c = find(s, kpi, week, key);
  if (!c->has || fabs(c->num - want) > 1e-6 * fmax(1, fabs(want)) || c->met != met)
    fail_msg("%s %s [%s]: got %s%.9g (target %d), want %.9g (target %d)", kpi, week, key, c->has ? "" : "no value ",
             c->num, c->met, want, met);
}

static void expect_none(const cells *s, const char *kpi, const char *week, const char *key) {
  const cell *c = find(s, kpi, week, key);
  if (c->has) fail_msg("%s %s [%s]: got %g, want no value", kpi, week, key, c->num);
}

typedef struct scenario {
  hn_program *p;
  hnx_facts *fx;
  const hn_kpi_facts *f;
} scenario;

static void load(scenario *sc) {
  sc->p = compile_one(SCENARIO ".hn");
  sc->fx = hnx_facts_new();
  FILE *in = fopen(SCENARIO ".facts", "rb");
  assert_non_null(in);
  char err[256] = "";
  hnx_read_stats st;
  hn_status rc = hnx_facts_read(sc->fx, in, "scenario.facts", &st, err, sizeof err);
  fclose(in);
  if (rc) fail_msg("%s", err);
  /* the records: 1 alert line skipped; 13 incident records, one a merge, 8 of the others alerts */
  assert_int_equal(st.skipped, 1);
  assert_int_equal(st.incidents, 12);
  assert_int_equal(st.alerts, 8);
  assert_int_equal(st.transitions, 9);
  assert_int_equal(st.slas, 5);
  assert_int_equal(st.exposures, 5);
  hnx_facts_set_now(sc->fx, at("2024-05-19"));
  sc->f = hnx_facts_view(sc->fx);
  assert_non_null(sc->f);
  assert_int_equal(sc->f->n_incidents, 5); /* INC-000004 merged into INC-000003 */
}

static void unload(scenario *sc) {
  hn_program_destroy(sc->p);
  hnx_facts_free(sc->fx);
}

static const char *const W1 = "2024-05-06", *const W2 = "2024-05-13";

/* The scenario (scenario.facts): week 1 has INC-1 (fin, h1, brute/mfa/t1110, severity 4,
 * first seen 09:00, detected 10:00 on 05-06, moved to triage at 10:30 and contain at 12:00 by
 * ana, closed by the stream 05-07 10:00, a true positive) and INC-2 (eng, h3, exfil/egress/t1048,
 * severity 3, detected 05-08 00:00, triage at 01:00 by bob, open). Week 2 has INC-3 (fin, brute,
 * detected 05-13 08:00, triage 08:15, INC-4 merged into it with its alert, closed 05-14 20:00 as
 * a false positive), INC-5 (eng, no inventoried host, brute then exfil: mfa and egress, t1110
 * and t1048, first seen 11:00, detected 12:00 on 05-15, triage 13:00, contain 16:00, closed
 * 05-16 12:00 by bob, a true positive) and INC-6 (eng, h4, exfil, detected 05-17, untouched). */
static void std_kpis(void **state) {
  (void)state;
  scenario sc;
  load(&sc);
  static cells s;
  s.n = 0;
  char err[256] = "";
  assert_int_equal(hn_kpi_compute(sc.p, sc.f, NULL, collect, &s, err, sizeof err), HN_OK);
  /* mttd = avg(detected_at - first_seen): W1 (1h + 0) / 2 = 30m; W2 (0 + 1h + 0) / 3 = 20m */
  expect(&s, "mttd", W1, "soc", 0.5 * H, 1);
  expect(&s, "mttd", W2, "soc", H / 3, 1);
  /* mtta = avg(first move - detected): W1 (30m + 1h) / 2 = 45m; W2 (15m + 1h) / 2 = 37.5m (INC-6
   * never moved); target < 30m missed both weeks */
  expect(&s, "mtta", W1, "soc", 0.75 * H, 0);
  expect(&s, "mtta", W2, "soc", 0.625 * H, 0);
  /* mttc = avg(entered contain - detected): W1 INC-1 2h; W2 INC-5 4h, not < 4h */
  expect(&s, "mttc", W1, "soc", 2 * H, 1);
  expect(&s, "mttc", W2, "soc", 4 * H, 0);
  /* mttr over the closed: W1 INC-1 24h; W2 (INC-3 36h + INC-5 24h) / 2 = 30h */
  expect(&s, "mttr", W1, "soc", 24 * H, 1);
  expect(&s, "mttr", W2, "soc", 30 * H, 1);
  /* dwell = avg(closed - first seen): W1 25h; W2 (36h + 25h) / 2 = 30.5h */
  expect(&s, "dwell_time", W1, "soc", 25 * H, 1);
  expect(&s, "dwell_time", W2, "soc", 30.5 * H, 1);
  /* SLA events: W1 triage met (INC-1) and breached (INC-2): 50; no contain event: no value;
   * W2 triage met (INC-3), breached (INC-5): 50; contain met (INC-5): 100 */
  expect(&s, "sla_attainment", W1, "ir/triage", 50, 0);
  expect_none(&s, "sla_attainment", W1, "ir/contain");
  expect(&s, "sla_attainment", W2, "ir/triage", 50, 0);
  expect(&s, "sla_attainment", W2, "ir/contain", 100, 1);
  /* analysts' moves by the moved incident's assignee: W1 ana 2 (INC-1 triage, contain; its
   * close was the stream's), bob 1; W2 ana 2 (INC-3), bob 3 (INC-5) */
  expect(&s, "analyst_load", W1, "ana", 2, -1);
  expect(&s, "analyst_load", W1, "bob", 1, -1);
  expect(&s, "analyst_load", W2, "ana", 2, -1);
  expect(&s, "analyst_load", W2, "bob", 3, -1);
  /* WIP (domain soc, wip 2): W1 at most 1 in work (INC-1, then INC-2 after INC-1 closed): 50;
   * W2 INC-2 and INC-3 at once, then INC-2 and INC-5: 2 of 2 = 100, over the 80 target */
  expect(&s, "wip_use", W1, "soc", 50, 1);
  expect(&s, "wip_use", W2, "soc", 100, 0);
  /* incidents per 100 hosts (fin 2 hosts, eng 3): W1 fin 1 -> 50, eng 1 -> 33.3; W2 fin 1 -> 50,
   * eng 2 -> 66.7 */
  expect(&s, "incident_rate", W1, "fin", 50, 0);
  expect(&s, "incident_rate", W1, "eng", 100.0 / 3, 0);
  expect(&s, "incident_rate", W2, "fin", 50, 0);
  expect(&s, "incident_rate", W2, "eng", 200.0 / 3, 0);
  /* false positives of the closed, per rule: W1 brute 0 of 1; exfil none closed; W2 brute
   * INC-3 false, INC-5 true: 50; exfil INC-5 true: 0 */
  expect(&s, "false_positive_rate", W1, "brute", 0, 1);
  expect_none(&s, "false_positive_rate", W1, "exfil");
  expect(&s, "false_positive_rate", W2, "brute", 50, 0);
  expect(&s, "false_positive_rate", W2, "exfil", 0, 1);
  /* alerts per incident: W1 2 / 2; W2 (INC-3 3 with INC-4's, INC-5 2, INC-6 1) 6 / 3 */
  expect(&s, "alert_reduction", W1, "", 1, -1);
  expect(&s, "alert_reduction", W2, "", 2, -1);
  /* incidents without an inventoried host: W1 none; W2 INC-5 of 3 */
  expect(&s, "unknown_asset_rate", W1, "soc", 0, 1);
  expect(&s, "unknown_asset_rate", W2, "soc", 100.0 / 3, 0);
  /* control x business unit: W1 mfa/fin 1, egress/eng 1, mfa/eng 0; W2 mfa/fin 1 (INC-3),
   * mfa/eng 1 and egress/eng 2 (INC-5 in both, INC-6) */
  expect(&s, "control_gaps", W1, "mfa/fin", 1, -1);
  expect(&s, "control_gaps", W1, "egress/eng", 1, -1);
  expect(&s, "control_gaps", W1, "mfa/eng", 0, -1);
  expect(&s, "control_gaps", W2, "mfa/fin", 1, -1);
  expect(&s, "control_gaps", W2, "mfa/eng", 1, -1);
  expect(&s, "control_gaps", W2, "egress/eng", 2, -1);
  /* technique x control: INC-5 counts in all four cells */
  expect(&s, "technique_gaps", W2, "t1110/mfa", 2, -1);
  expect(&s, "technique_gaps", W2, "t1110/egress", 1, -1);
  expect(&s, "technique_gaps", W2, "t1048/mfa", 1, -1);
  expect(&s, "technique_gaps", W2, "t1048/egress", 2, -1);
  expect(&s, "technique_gaps", W1, "t1048/mfa", 0, -1);
  /* windows of rdp_open: W1 h1 12h; W2 h3 36h and 10.9.9.9 still open at now (05-19): 72h, mean
   * 54h; closed only: W2 36h */
  expect(&s, "exposure_window", W1, "rdp_open", 12 * H, 1);
  expect(&s, "exposure_window", W2, "rdp_open", 54 * H, 0);
  expect(&s, "exposure_time_to_close", W1, "rdp_open", 12 * H, 1);
  expect(&s, "exposure_time_to_close", W2, "rdp_open", 36 * H, 0);
  unload(&sc);
}

/* Attribution: the change of ln value is the sum of the factors' contributions. A product,
 * count(incident) * avg(incident.severity): W1 2 * 3.5 = 7, W2 3 * 11/3 = 11 (+57%: incidents
 * +50%, mean severity +4.8%). Quotients: alerts per incident, W1 2/2, W2 6/3 (+100%: alerts
 * +200%, incidents +50%); incidents per 100 hosts in eng, W1 1 * 100/3, W2 2 * 100/3 (hosts
 * unchanged). */
static void attribution(void **state) {
  (void)state;
  scenario sc;
  load(&sc);
  static cells s;
  s.n = 0;
  char err[256] = "";
  assert_int_equal(hn_kpi_compute(sc.p, sc.f, NULL, collect, &s, err, sizeof err), HN_OK);
  expect(&s, "severity_load", W1, "", 7, -1);
  expect(&s, "severity_load", W2, "", 11, -1);
  struct { const char *kpi, *key; double ratio, f0, f1; } want[] = {
    {"severity_load", "", 11.0 / 7, 0.5, (11.0 / 3) / 3.5 - 1},
    {"alert_reduction", "", 2, 2, 0.5},
    {"incident_rate", "eng", 2, 1, 0},
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    const cell *c = find(&s, want[i].kpi, W2, want[i].key);
    assert_true(c->attributed);
    assert_int_equal(c->n_factors, 2);
    assert_true(fabs(c->log_change - log(want[i].ratio)) < 1e-9);
    assert_true(fabs(c->contrib_sum - c->log_change) < 1e-9);
    assert_true(fabs(c->fchange[0] - want[i].f0) < 1e-9);
    assert_true(fabs(c->fchange[1] - want[i].f1) < 1e-9);
  }
  /* no attribution from a period with a zero factor: eng had no incident the week before W1 */
  const cell *c = find(&s, "incident_rate", W1, "eng");
  assert_false(c->attributed);
  unload(&sc);
}

/* Slicing: --period 1d, --from/--to, --by. */
static void query(void **state) {
  (void)state;
  scenario sc;
  load(&sc);
  static cells s;
  s.n = 0;
  char err[256] = "";
  const char *by[] = {"business_unit"};
  /* incidents per 100 hosts by day, 05-15 and 05-16 only: eng has INC-5 on the 15th (33.3) and
   * none on the 16th (0), whose previous day is the 15th */
  hn_kpi_query q = {.kpi = "incident_rate", .from = at("2024-05-15"), .to = at("2024-05-17"), .every = 86400 * INT64_C(1000000000)};
  assert_int_equal(hn_kpi_compute(sc.p, sc.f, &q, collect, &s, err, sizeof err), HN_OK);
  assert_int_equal(s.n, 4); /* 2 days x (eng, fin) */
  expect(&s, "incident_rate", "2024-05-15", "eng", 100.0 / 3, 0);
  expect(&s, "incident_rate", "2024-05-16", "eng", 0, 1);
  assert_true(find(&s, "incident_rate", "2024-05-16", "eng")->has_prev);
  /* mttr by business unit instead of domain: W2 fin INC-3 36h, eng INC-5 24h */
  s.n = 0;
  hn_kpi_query q2 = {.kpi = "mttr", .by = by, .n_by = 1};
  assert_int_equal(hn_kpi_compute(sc.p, sc.f, &q2, collect, &s, err, sizeof err), HN_OK);
  expect(&s, "mttr", W2, "fin", 36 * H, 1);
  expect(&s, "mttr", W2, "eng", 24 * H, 1);
  /* errors: an unknown KPI, an unknown dimension, an empty range */
  hn_kpi_query bad = {.kpi = "nope"};
  assert_int_equal(hn_kpi_compute(sc.p, sc.f, &bad, collect, &s, err, sizeof err), HN_ERR_NOT_FOUND);
  const char *badby[] = {"colour"};
  hn_kpi_query bad2 = {.by = badby, .n_by = 1};
  assert_int_equal(hn_kpi_compute(sc.p, sc.f, &bad2, collect, &s, err, sizeof err), HN_ERR_USAGE);
  assert_non_null(strstr(err, "unknown dimension 'colour'"));
  hn_kpi_query bad3 = {.from = at("2024-05-16"), .to = at("2024-05-10")};
  assert_int_equal(hn_kpi_compute(sc.p, sc.f, &bad3, collect, &s, err, sizeof err), HN_ERR_USAGE);
  /* no facts at all, over a week: no row of any kind; the KPIs without dimensions still have
   * their one cell (alert_reduction: 0 / 0, no value; severity_load 0 * none, none) */
  s.n = 0;
  hn_kpi_facts none = {.now = HN_TIME_NONE};
  hn_kpi_query week = {.from = at(W1), .to = at(W2)};
  assert_int_equal(hn_kpi_compute(sc.p, &none, &week, collect, &s, err, sizeof err), HN_OK);
  expect_none(&s, "alert_reduction", W1, "");
  expect_none(&s, "severity_load", W1, "");
  /* incident_rate's cells come from the inventory: 0 incidents per 100 hosts */
  expect(&s, "incident_rate", W1, "fin", 0, 1);
  unload(&sc);
}

/* ---- the gap analysis ------------------------------------------------------------------------ */
typedef struct gap {
  char control[32], owner[64], fw[64];
  uint64_t incidents, exposures, current, previous;
} gap;

static void collect_gap(void *ud, const hn_gap *g) {
  gap *v = ud;
  gap *o = &v[g->rank - 1];
  snprintf(o->control, sizeof o->control, "%s", g->control);
  snprintf(o->owner, sizeof o->owner, "%s", g->view && g->view->owner ? g->view->owner : "");
  snprintf(o->fw, sizeof o->fw, "%s", g->view && g->view->n_frameworks ? g->view->framework_ids[0] : "");
  o->incidents = g->incidents;
  o->exposures = g->exposures;
  o->current = g->current;
  o->previous = g->previous;
}

/* Controls by the incidents naming them: mfa (INC-1, INC-3, INC-5) and egress (INC-2, INC-5,
 * INC-6) tie at 3; egress comes first with its 3 windows of exposure. Both 2 in W2, 1 in W1.
 * edr is declared and named by nothing: last, with 0. */
static void gaps(void **state) {
  (void)state;
  scenario sc;
  load(&sc);
  gap v[8];
  memset(v, 0, sizeof v);
  char err[256] = "";
  assert_int_equal(hn_kpi_gaps(sc.p, sc.f, NULL, collect_gap, v, err, sizeof err), HN_OK);
  assert_string_equal(v[0].control, "egress");
  assert_int_equal(v[0].incidents, 3);
  assert_int_equal(v[0].exposures, 3);
  assert_string_equal(v[0].owner, "net@acme.example");
  assert_string_equal(v[0].fw, "13.4");
  assert_string_equal(v[1].control, "mfa");
  assert_int_equal(v[1].incidents, 3);
  assert_int_equal(v[1].current, 2);
  assert_int_equal(v[1].previous, 1);
  assert_string_equal(v[1].fw, "6.4");
  assert_string_equal(v[2].control, "edr");
  assert_int_equal(v[2].incidents, 0);
  unload(&sc);
}

/* ---- the writers: golden files ------------------------------------------------------------- */
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

static void formats(void **state) {
  (void)state;
  scenario sc;
  load(&sc);
  static const char *const ext[] = {"table", "csv", "json"};
  for (int fmt = HNX_TABLE; fmt <= HNX_JSON; fmt++) {
    char *text = NULL, path[256], err[256] = "";
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(hnx_write_kpis(f, sc.p, sc.f, NULL, fmt, err, sizeof err), HN_OK);
    fclose(f);
    snprintf(path, sizeof path, SCENARIO ".%s", ext[fmt]);
    compare_or_update(path, text);
    free(text);
    f = open_memstream(&text, &len);
    assert_int_equal(hnx_write_gaps(f, sc.p, sc.f, NULL, fmt, err, sizeof err), HN_OK);
    fclose(f);
    snprintf(path, sizeof path, SCENARIO ".gaps.%s", ext[fmt]);
    compare_or_update(path, text);
    free(text);
  }
  unload(&sc);
}

/* ---- the reader ------------------------------------------------------------------------------ */
static hn_status read_text(const char *text, char *err, size_t errlen, hnx_facts **out) {
  hnx_facts *fx = hnx_facts_new();
  FILE *in = fmemopen((void *)text, strlen(text), "rb");
  hn_status st = hnx_facts_read(fx, in, "f.jsonl", NULL, err, errlen);
  fclose(in);
  if (out) *out = fx;
  else hnx_facts_free(fx);
  return st;
}

static void reader_errors(void **state) {
  (void)state;
  char err[256];
  static const struct { const char *text, *want; } cases[] = {
    {"\n{\"record\":\"incident\",\"event\":\"created\",\"time\":\"2024-05-06T10:00:00Z\",\"incident\":{\"id\":\"I\"}\n",
     "f.jsonl:2:"},
    {"{\"record\":\"incident\",\"time\":\"yesterday\",\"incident\":{\"id\":\"I\"}}\n", "f.jsonl:1: 'time' is not a time"},
    {"{\"record\":\"incident\",\"event\":\"merged\",\"time\":null,\"into\":\"A\",\"from\":\"B\"}\n",
     "f.jsonl:1: a merge of an incident no record before named ('B')"},
    {"[1,2]\n", "f.jsonl:1: a line must be a JSON object"},
    {"{\"record\":\"sla\",\"event\":\"late\",\"incident\":\"I\",\"state\":\"s\",\"due\":\"2024-05-06T10:00:00Z\"}\n",
     "f.jsonl:1: an SLA record wants"},
    {"{\"a\":\"\\x\"}\n", "f.jsonl:1:7: an unknown escape"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    err[0] = 0;
    assert_int_equal(read_text(cases[i].text, err, sizeof err, NULL), HN_ERR_SYNTAX);
    if (!strstr(err, cases[i].want)) fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
  }
}

/* The latest record of an incident wins but keeps its first detection; a window closed without
 * having been opened in the facts opened before them; \u escapes, surrogate pairs joined. */
static void reader_records(void **state) {
  (void)state;
  char err[256] = "";
  hnx_facts *fx;
  const char *text =
    "{\"record\":\"incident\",\"event\":\"created\",\"time\":\"2024-05-06T10:00:00Z\",\"incident\":{\"id\":\"I\","
    "\"state\":\"new\",\"hosts\":[\"caf\\u00e9\",\"\\ud83d\\ude00\"]}}\n"
    "{\"record\":\"incident\",\"event\":\"updated\",\"time\":\"2024-05-07T10:00:00Z\",\"incident\":{\"id\":\"I\","
    "\"state\":\"closed\",\"hosts\":[\"caf\\u00e9\",\"\\ud83d\\ude00\"]}}\n"
    "{\"record\":\"exposure\",\"event\":\"closed\",\"time\":\"2024-05-06T00:00:00Z\",\"exposure\":\"x\",\"asset\":\"h\"}\n";
  assert_int_equal(read_text(text, err, sizeof err, &fx), HN_OK);
  const hn_kpi_facts *f = hnx_facts_view(fx);
  assert_int_equal(f->n_incidents, 1);
  assert_string_equal(f->incidents[0].state, "closed");
  assert_true(f->incidents[0].detected_at == at("2024-05-06") + 10 * 3600 * INT64_C(1000000000));
  assert_int_equal(f->incidents[0].hosts.n, 2);
  assert_string_equal(f->incidents[0].hosts.v[0], "caf\xc3\xa9");
  assert_string_equal(f->incidents[0].hosts.v[1], "\xf0\x9f\x98\x80");
  assert_int_equal(f->n_exposures, 1);
  assert_true(f->exposures[0].opened == HN_TIME_NONE);
  hnx_facts_free(fx);
}

/* ---- the HTML report ------------------------------------------------------------------------ */
static unsigned occurrences(const char *s, const char *needle) {
  unsigned n = 0;
  for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle)) n++;
  return n;
}

static void count_valued(void *ud, const hn_kpi_cell *c) { *(unsigned *)ud += c->has_value; }

/* The report carries the numbers of `hornet kpi --format json` exactly; draws one point per
 * cell with a value; says the change in words with its factors; and its heat map, queue and
 * timeline are the scenario's (counted by hand: mfa x fin INC-1 and INC-3; egress x eng INC-2,
 * INC-5, INC-6; three windows, one still open; INC-2 and INC-6 open). No external asset. */
static void report(void **state) {
  (void)state;
  scenario sc;
  load(&sc);
  char *html = NULL, *json = NULL, err[256] = "";
  size_t hl = 0, jl = 0;
  FILE *f = open_memstream(&html, &hl);
  assert_int_equal(hnx_write_report(f, sc.p, sc.f, NULL, "Scenario <2 weeks>", err, sizeof err), HN_OK);
  fclose(f);
  f = open_memstream(&json, &jl);
  assert_int_equal(hnx_write_kpis(f, sc.p, sc.f, NULL, HNX_JSON, err, sizeof err), HN_OK);
  fclose(f);
  const char *open_tag = "<script type=\"application/json\" id=\"kpi-data\">\n";
  char *data = strstr(html, open_tag);
  assert_non_null(data);
  data += strlen(open_tag);
  char *end = strstr(data, "</script>");
  assert_non_null(end);
  *end = 0;
  for (char *r = data, *w = data;; r++) { /* "<\/" back to "</" */
    if (r[0] == '<' && r[1] == '\\' && r[2] == '/') r++;
    if (!(*w++ = *r)) break;
  }
  assert_string_equal(data, json);
  *end = '<';
  unsigned valued = 0;
  assert_int_equal(hn_kpi_compute(sc.p, sc.f, NULL, count_valued, &valued, err, sizeof err), HN_OK);
  assert_int_equal(occurrences(html, "<circle class=\"point\""), valued);
  assert_int_equal(occurrences(html, "<svg class=\"chart\""), hn_program_kpi_count(sc.p));
  assert_non_null(strstr(html, "data-start=\"2024-05-13\" data-cell=\"eng\" data-value=\"66.66666667\""));
  assert_non_null(strstr(html, "<li>Incidents per 100 hosts (eng): 66.67, rose 100.0%: count(incident) +100.0%, "
                               "count(asset) +0.0% <span class=\"missed\">target missed</span></li>"));
  assert_non_null(strstr(html, "<title>Scenario &lt;2 weeks&gt;</title>"));
  assert_non_null(strstr(html, "data-control=\"mfa\" data-business-unit=\"fin\" data-incidents=\"2\""));
  assert_non_null(strstr(html, "data-control=\"egress\" data-business-unit=\"eng\" data-incidents=\"3\""));
  assert_non_null(strstr(html, "data-control=\"mfa\" data-business-unit=\"eng\" data-incidents=\"1\""));
  assert_int_equal(occurrences(html, "<rect class=\"window\""), 3);
  assert_int_equal(occurrences(html, "data-open=\"true\""), 1);
  assert_non_null(strstr(html, "<td>INC-000002</td><td>triage</td><td>bob</td>"));
  assert_non_null(strstr(html, "<td>INC-000006</td><td>new</td>"));
  assert_null(strstr(html, "INC-000005</td>"));
  assert_null(strstr(html, "src="));
  assert_null(strstr(html, "href="));
  assert_null(strstr(html, "url("));
  free(html);
  free(json);
  unload(&sc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(std_kpis), cmocka_unit_test(attribution), cmocka_unit_test(query), cmocka_unit_test(gaps),
    cmocka_unit_test(formats), cmocka_unit_test(reader_errors), cmocka_unit_test(reader_records), cmocka_unit_test(report),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
