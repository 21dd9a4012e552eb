/* rerank.c - how long re-scoring and re-ranking take when one exposure window changes for an
 * asset held by many open incidents (the incidents issue's figure). Builds N incidents on one
 * inventoried host (a one-second horizon keeps each alert apart), then times the event that
 * opens an exposure on it and the one that closes it, in process.
 *
 *   rerank [--incidents 1000]
 *
 * Prints one line per change: the incidents re-scored and the time in microseconds; then the
 * cost of an inventory lookup (by address, by host name, by range) in a 10,000-host inventory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hornet/compiler.h"
#include "assets.h"
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
  for (int i = 1; i < 10000; i++) /* a realistic inventory size for the lookups below */
    fprintf(f, "  - {name: host-%05d.corp.example, ips: [10.%d.%d.%d], criticality: %d}\n", i, 1 + i / 62500,
            i / 250 % 250, i % 250 + 1, 1 + i % 5);
  fputs("ranges:\n  - {cidr: 10.0.0.0/8, business_unit: corporate}\n  - {cidr: 10.99.0.0/16, business_unit: lab}\n", f);
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
    hn_incidents_alert(x, &a, (uint64_t)i + 1, a.time); /* alert ids 1, 2, 3... */
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
  /* inventory lookups: a million of each */
  enum { N = 1000000 };
  uint32_t found = 0;
  double s = now_us();
  for (int i = 0; i < N; i++) {
    uint8_t ip[4] = {10, 1, (uint8_t)(i / 250 % 250), (uint8_t)(i % 250 + 1)};
    found += hn_asset_by_ip(p, ip, false) != HN_NO_ASSET;
  }
  double d_ip = (now_us() - s) * 1000 / N;
  char names[64][40];
  for (int i = 0; i < 64; i++) snprintf(names[i], sizeof names[i], "HOST-%05d", 1 + i * 150);
  s = now_us();
  for (int i = 0; i < N; i++) found += hn_asset_by_name(p, names[i & 63], strlen(names[i & 63])) != HN_NO_ASSET;
  double d_name = (now_us() - s) * 1000 / N;
  s = now_us();
  for (int i = 0; i < N; i++) {
    uint8_t ip[4] = {10, (uint8_t)(i % 200), (uint8_t)(i / 200 % 250), 9};
    found += hn_range_by_ip(p, ip, false) != HN_NO_ASSET;
  }
  double d_range = (now_us() - s) * 1000 / N;
  printf("inventory of 10,000 hosts: %.0f ns by address, %.0f ns by host name (first label, any case), %.0f ns by range "
         "(%u found)\n", d_ip, d_name, d_range, found);
  hn_incidents_destroy(x);
  hn_event_fini(&ev);
  hn_eval_fini(&e);
  hn_program_destroy(p);
  snprintf(path, sizeof path, "rm -rf '%s'", dir);
  return system(path) == 0 ? 0 : 1;
}
