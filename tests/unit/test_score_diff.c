/* test_score_diff.c - differential test of the scores: random score formulas (aggregates over
 * the alerts, incident and asset values, arithmetic, comparisons, conditionals, decay) over
 * random alert streams; every incident record written with the scores' native code must equal
 * the one written by the interpreter. Fixed seed: a failure reproduces; it prints the pack and
 * the stream. */
#include "test_util.h"

enum { PACKS = 400, EVENTS = 40 };

static uint64_t rng = 7;
static unsigned rnd(unsigned n) {
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (unsigned)(rng >> 33) % n;
}

static void num(FILE *f, int depth);

static void cond(FILE *f, int depth) {
  switch (depth > 2 ? rnd(4) : rnd(10) % 8) { /* comparisons twice as often */
  case 0: fputc('(', f); num(f, depth + 1); fprintf(f, " %s ", (const char *[]){"<", "<=", ">", ">=", "==", "!="}[rnd(6)]); num(f, depth + 1); fputc(')', f); break;
  case 1: fprintf(f, "incident.tactics has \"%s\"", (const char *[]){"execution", "discovery", "impact"}[rnd(3)]); break;
  case 2: fputs("exists asset.criticality", f); break;
  case 3: fprintf(f, "asset.role == \"%s\"", rnd(2) ? "lab" : "domain-controller"); break;
  case 4: fputc('(', f); cond(f, depth + 1); fputs(rnd(2) ? " and " : " or ", f); cond(f, depth + 1); fputc(')', f); break;
  case 5: fputs("not (", f); cond(f, depth + 1); fputc(')', f); break;
  case 6: fputs("incident.exposed", f); break;
  default: /* a quotient that is often missing (a zero divisor), compared */
    fputs("((", f);
    num(f, depth + 1);
    fprintf(f, ") / (min(alert.severity) - max(alert.severity)) > %d)", (int)rnd(3));
  }
}

static void num(FILE *f, int depth) {
  switch (depth > 3 ? rnd(9) : rnd(14)) {
  case 0: fprintf(f, "%d", (int)rnd(9)); break;
  case 1: fprintf(f, "%d.%d", (int)rnd(5), (int)rnd(10)); break;
  case 2: fputs("max(alert.severity)", f); break;
  case 3: fputs("min(alert.severity)", f); break;
  case 4: fputs("count(alert)", f); break;
  case 5: fputs("distinct(alert.tactics)", f); break;
  case 6: fputs("avg(alert.severity)", f); break;
  case 7: fputs("asset.criticality", f); break;
  case 8: fputs("count(alert.severity >= high)", f); break;
  case 9: fprintf(f, "incident.%s", rnd(2) ? "severity" : "alert_count"); break;
  case 10: fputs("decay(now - incident.last_seen, 1h)", f); break;
  case 11: fputc('(', f); cond(f, depth + 1); fputs(" ? ", f); num(f, depth + 1); fputs(" : ", f); num(f, depth + 1); fputc(')', f); break;
  case 12: fputs("sum(alert.severity)", f); break;
  default: {
    unsigned op = rnd(5);
    fputc('(', f);
    num(f, depth + 1);
    fprintf(f, " %s ", (const char *[]){"+", "-", "*", "/", "%"}[op]);
    if (op >= 3 && rnd(3) == 0) fputs("(min(alert.severity) - max(alert.severity))", f); /* often zero: missing */
    else num(f, depth + 1);
    fputc(')', f);
  }
  }
}

static char *run(hn_program *p, const char *events, int engine) {
  FILE *in = fopen(events, "rb"), *out = fopen("/dev/null", "wb");
  char *rec = NULL;
  size_t rl = 0;
  FILE *rf = open_memstream(&rec, &rl);
  hn_run_options o = {events, in, out, NULL, NULL, 0, engine, NULL, 0, 0, false, rf, NULL, false, NULL, 0};
  hn_run_stats st;
  assert_int_equal(hn_run_stream(p, &o, &st), HN_OK);
  fclose(in);
  fclose(out);
  fclose(rf);
  return rec;
}

static void differential(void **state) {
  (void)state;
  setenv("HORNET_CACHE_DIR", "off", 1);
  char dir[] = "/tmp/hn_scorediff_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char pack[512], events[512], assets[512];
  snprintf(pack, sizeof pack, "%s/p.hn", dir);
  snprintf(events, sizeof events, "%s/e.jsonl", dir);
  snprintf(assets, sizeof assets, "%s/assets.yaml", dir);
  FILE *f = fopen(assets, "wb");
  fputs("hosts:\n  - {name: dc01, ips: [10.0.0.10], role: domain-controller, criticality: 5}\n"
        "  - {name: lab, ips: [10.9.0.1], role: lab, criticality: 1}\n"
        "  - {name: ws, ips: [10.0.4.1], criticality: 3}\n", f);
  fclose(f);
  size_t records = 0;
  for (int pk = 0; pk < PACKS; pk++) {
    f = fopen(pack, "wb");
    fputs("pack t.scorediff 1.0.0\nassets \"assets.yaml\"\n"
          "schema s {\n  time @timestamp\n  host.name: string\n  user.name: string\n  event.action: string\n"
          "  destination.ip: ip\n}\n", f);
    static const char *const tags[] = {"attack.execution", "attack.discovery", "attack.impact, attack.t1486"};
    for (int r = 0; r < 3; r++)
      fprintf(f, "rule r%d {\n  severity %s\n  tags %s\n  where event.action == \"a%d\"\n  entities host.name, user.name\n}\n",
              r, (const char *[]){"low", "medium", "high", "critical"}[rnd(4)], tags[r], r);
    fputs("exposure open_port {\n  open when event.action == \"open\" on destination.ip\n"
          "  close when event.action == \"close\" on destination.ip\n}\n", f);
    fputs("score incident = ", f);
    num(f, 0);
    fputs("\ndomain d {\n  default\n}\n", f);
    fclose(f);
    f = fopen(events, "wb");
    for (int i = 0; i < EVENTS; i++) {
      unsigned k = rnd(8);
      const char *host = (const char *[]){"dc01", "lab", "ws", "unknown-7"}[rnd(4)];
      if (k == 6 || k == 7)
        fprintf(f, "{\"@timestamp\":\"2024-01-01T10:%02d:%02dZ\",\"event.action\":\"%s\",\"destination.ip\":\"%s\"}\n",
                i / 60, i % 60, k == 6 ? "open" : "close", rnd(2) ? "10.9.0.1" : "10.0.0.10");
      else
        fprintf(f, "{\"@timestamp\":\"2024-01-01T10:%02d:%02dZ\",\"host.name\":\"%s\",\"user.name\":\"u%u\",\"event.action\":\"a%u\"}\n",
                i / 60, i % 60, host, rnd(3), k % 3);
    }
    fclose(f);
    hnc_compiler *c = hnc_compiler_create();
    hnc_compiler_add_path(c, pack);
    if (hnc_compiler_check(c) != HN_OK) { /* a formula the checker refuses (a type error): skip it */
      hnc_compiler_destroy(c);
      continue;
    }
    hn_program *p = hnc_compiler_program(c);
    hnc_compiler_destroy(c);
    assert_non_null(p);
    char err[256];
    assert_int_equal(hnc_program_native(p, NULL, err, sizeof err), HN_OK);
    char *native = run(p, events, HN_ENGINE_AUTO), *interp = run(p, events, HN_ENGINE_INTERP);
    if (strcmp(native, interp) != 0) {
      char *pt = slurp_file(pack, NULL), *et = slurp_file(events, NULL);
      print_error("pack %d: native and interpreted scores differ\n--- pack\n%s--- events\n%s--- native\n%s--- interpreter\n%s",
                  pk, pt, et, native, interp);
      free(pt);
      free(et);
      fail();
    }
    for (const char *q = native; *q; q++) records += *q == '\n';
    free(native);
    free(interp);
    hn_program_destroy(p);
  }
  assert_true(records > 1000);
  print_message("%zu incident records agree between native and interpreted scores\n", records);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(differential)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
