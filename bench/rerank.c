/* rerank.c - how long re-scoring and re-ranking take when one exposure window changes for an
 * asset held by many open incidents (the incidents issue's figure). Builds N incidents on one
 * inventoried host (a one-second horizon keeps each alert apart), then times the event that
 * opens an exposure on it and the one that closes it, in process.
 *
 *   rerank [--incidents 1000]
 *
 * Prints one line per change: the incidents re-scored and the time in microseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hornet/compiler.h"
#include "incident.h"
#include "interp.h"

static const char *PACK =
  "pack bench.rerank 1.0.0\n"
  "assets \"rerank_assets.yaml\"\n"
  "settings { horizon 1s }\n"
  "schema s {\n  time @timestamp\n  host.name: string\n  event.action: string\n  destination.ip: ip\n}\n"
  "rule touch {\n  severity medium\n  where event.action == \"touch\"\n  entities host.name\n}\n"
  "exposure open_port {\n  open when event.action == \"fw-open\" on destination.ip\n"
  "  close when event.action == \"fw-close\" on destination.ip\n  weight 2\n}\n"
  "score incident = max(alert.severity) * (exists asset.criticality ? asset.criticality : 3)\n"
  "                 * (incident.exposed ? 3 : 1) + count(alert)\n"
  "domain soc {\n  default\n}\n";

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  int n = 1000;
  for (int i = 1; i + 1 < argc; i += 2)
    if (!strcmp(argv[i], "--incidents")) n = atoi(argv[i + 1]);
  char dir[] = "/tmp/hn_rerank_XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char path[512];
  snprintf(path, sizeof path, "%s/rerank.hn", dir);
  FILE *f = fopen(path, "w");
  fputs(PACK, f);
  fclose(f);
  snprintf(path, sizeof path, "%s/rerank_assets.yaml", dir);
  f = fopen(path, "w");
  fputs("hosts:\n  - {name: lab-vm, ips: [10.99.0.7], criticality: 2}\n", f);
  fclose(f);
  snprintf(path, sizeof path, "%s/rerank.hn", dir);
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_add_path(c, path);
  if (hnc_compiler_check(c) != HN_OK) { hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, 0); return 1; }
  hn_program *p = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  hn_incidents *x = hn_incidents_create(p, NULL, true);
  hn_eval e;
  hn_event ev;
  if (!p || !x || hn_eval_init(&e, p) != HN_OK || hn_event_init(&ev, p->decoder) != HN_OK) return 1;
  uint32_t rule = 0;
  int64_t t0 = 1717200000ll * 1000000000;
  for (int i = 0; i < n; i++) { /* one incident per alert: two seconds apart, horizon one second */
    char line[256];
    snprintf(line, sizeof line, "{\"host.name\":\"lab-vm\",\"event.action\":\"touch\"}");
    hn_decode(p->decoder, line, strlen(line), &ev, NULL);
    hn_eval_begin(&e, &ev);
    hn_calert a = {0};
    a.rule = rule;
    a.time = t0 + (int64_t)i * 2000000000;
    a.timed = true;
    a.e = &e;
    a.ev = &ev;
    a.count = 1;
    hn_incidents_alert(x, &a, a.time);
  }
  const char *acts[2] = {"fw-open", "fw-close"};
  for (int k = 0; k < 2; k++) {
    char line[256];
    snprintf(line, sizeof line, "{\"event.action\":\"%s\",\"destination.ip\":\"10.99.0.7\"}", acts[k]);
    hn_decode(p->decoder, line, strlen(line), &ev, NULL);
    hn_eval_begin(&e, &ev);
    double s = now_us();
    hn_incidents_event(x, &e, &ev, t0 + (int64_t)(n + k) * 2000000000, true);
    double d = now_us() - s;
    printf("%s: %u incidents on the asset re-scored and re-routed in %.0f us (%.2f us each)\n",
           k ? "window closed" : "window opened", hn_incidents_count(x), d, d / hn_incidents_count(x));
  }
  hn_incidents_destroy(x);
  hn_event_fini(&ev);
  hn_eval_fini(&e);
  hn_program_destroy(p);
  snprintf(path, sizeof path, "rm -rf '%s'", dir);
  return system(path) == 0 ? 0 : 1;
}
