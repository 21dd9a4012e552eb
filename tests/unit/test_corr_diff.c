/* test_corr_diff.c - differential test of the correlation engine: random aggregation,
 * sequence and absence rules over random event streams, the engine (incremental state,
 * deadlines, re-arm) against a reference written here straight from lang/SPEC.md §10.6-10.8
 * that recomputes every window and match from the whole history. A disagreement prints the
 * pack and the stream that show it. Fixed seed: a failure reproduces. */
#define _GNU_SOURCE /* timegm */
#include <time.h>
#include "test_util.h"

enum { PACKS = 600, EVENTS = 160, RULES = 6, USERS = 3 };

typedef struct ev {
  int64_t t; /* seconds */
  int u;     /* user index */
  char a;    /* action: 'f', 's' or 'x' */
  int n;     /* 0..9 */
} ev;

typedef enum { K_SLIDE, K_TUMBLE, K_SEQ, K_ABSENT } kind;
typedef enum { H_COUNT, H_DISTINCT, H_SUM, H_MAX, H_MIN } hkind;

typedef struct rule {
  kind k;
  int filter;   /* aggregation: 0 a == "f", 1 n >= 5, 2 a != "x" */
  int64_t w;    /* window or within, seconds */
  hkind h;
  int thr;
  int repeat;   /* sequences: 0 one event, else repeat >= N on the first step */
} rule;

typedef struct alert {
  int rule, u;
  int64_t t;
} alert;

static uint64_t rng = 1;
static unsigned rnd(unsigned n) {
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (unsigned)(rng >> 33) % n;
}

static const char *const users[USERS] = {"ann", "bob", "cy"};

static bool passes(const rule *r, const ev *e) {
  switch (r->filter) {
  case 0: return e->a == 'f';
  case 1: return e->n >= 5;
  default: return e->a != 'x';
  }
}

/* `having` over the events idx[0..m) of the stream */
static bool having(const rule *r, const ev *s, const int *idx, int m) {
  int64_t sum = 0, mx = -1, mn = 100;
  int seen[10] = {0}, distinct = 0;
  for (int i = 0; i < m; i++) {
    int v = s[idx[i]].n;
    sum += v;
    if (v > mx) mx = v;
    if (v < mn) mn = v;
    if (!seen[v]++) distinct++;
  }
  switch (r->h) {
  case H_COUNT: return m >= r->thr;
  case H_DISTINCT: return distinct >= r->thr;
  case H_SUM: return sum >= r->thr;
  case H_MAX: return m > 0 && mx >= r->thr && m >= 2;
  default: return m > 0 && mn <= r->thr && m >= 3;
  }
}

static void add(alert *out, int *n, int ri, int u, int64_t t) {
  out[*n].rule = ri;
  out[*n].u = u;
  out[*n].t = t;
  (*n)++;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* The reference: what the spec says each rule raises over the whole stream. */
static void reference(const rule *r, int ri, const ev *s, int ns, alert *out, int *n) {
  int idx[EVENTS];
  for (int u = 0; u < USERS; u++) {
    if (r->k == K_SLIDE) { /* (t - W, t], re-armed after each alert */
      int rearm = -1;
      for (int i = 0; i < ns; i++) {
        if (s[i].u != u || !passes(r, &s[i])) continue;
        int m = 0;
        for (int j = rearm + 1; j <= i; j++)
          if (s[j].u == u && passes(r, &s[j]) && s[j].t > s[i].t - r->w) idx[m++] = j;
        if (having(r, s, idx, m)) {
          add(out, n, ri, u, s[i].t);
          rearm = i;
        }
      }
    } else if (r->k == K_TUMBLE) { /* (kW, (k+1)W], decided at the window's end */
      for (int i = 0; i < ns; i++) {
        if (s[i].u != u || !passes(r, &s[i])) continue;
        int64_t k = floor_div(s[i].t - 1, r->w);
        bool first = true; /* decide each window once, at its first event */
        for (int j = 0; j < i; j++)
          if (s[j].u == u && passes(r, &s[j]) && floor_div(s[j].t - 1, r->w) == k) first = false;
        if (!first) continue;
        int m = 0;
        for (int j = 0; j < ns; j++)
          if (s[j].u == u && passes(r, &s[j]) && floor_div(s[j].t - 1, r->w) == k) idx[m++] = j;
        if (having(r, s, idx, m)) add(out, n, ri, u, (k + 1) * r->w);
      }
    } else if (r->k == K_SEQ) { /* f (repeat >= N) then s within W; re-armed at each match */
      int rearm = -1, need = r->repeat ? r->repeat : 1;
      for (int i = 0; i < ns; i++) {
        if (s[i].u != u || s[i].a != 's') continue;
        int m = 0;
        for (int j = rearm + 1; j < i; j++)
          if (s[j].u == u && s[j].a == 'f' && s[j].t >= s[i].t - r->w) m++;
        if (m >= need) {
          add(out, n, ri, u, s[i].t);
          rearm = i;
        }
      }
    } else { /* f not followed by s within W: fires at f + W; re-arm drops the other pending */
      int64_t pend[EVENTS];
      int np = 0;
      for (int i = 0; i <= ns; i++) {
        int64_t t = i < ns ? s[i].t : INT64_MAX;
        /* deadlines the watermark passed (it reaches t before the event at t counts) */
        while (np && pend[0] < t) {
          add(out, n, ri, u, pend[0]);
          np = 0;
        }
        if (i == ns || s[i].u != u) continue;
        if (s[i].a == 's') np = 0;
        else if (s[i].a == 'f') pend[np++] = s[i].t + r->w;
      }
    }
  }
}

static void rule_text(FILE *f, const rule *r, int i) {
  static const char *const filters[] = {"a == \"f\"", "n >= 5", "a != \"x\""};
  fprintf(f, "rule r%d {\n  severity low\n", i);
  if (r->k == K_SLIDE || r->k == K_TUMBLE) {
    fprintf(f, "  where %s\n  group by u\n  window %s%llds\n  having ", filters[r->filter],
            r->k == K_TUMBLE ? "tumbling " : "", (long long)r->w);
    switch (r->h) {
    case H_COUNT: fprintf(f, "count() >= %d\n", r->thr); break;
    case H_DISTINCT: fprintf(f, "distinct(n) >= %d\n", r->thr); break;
    case H_SUM: fprintf(f, "sum(n) >= %d\n", r->thr); break;
    case H_MAX: fprintf(f, "max(n) >= %d and count() >= 2\n", r->thr); break;
    default: fprintf(f, "min(n) <= %d and count() >= 3\n", r->thr); break;
    }
  } else if (r->k == K_SEQ) {
    fprintf(f, "  sequence by u within %llds {\n    one: a == \"f\"", (long long)r->w);
    if (r->repeat) fprintf(f, " repeat >= %d", r->repeat);
    fprintf(f, "\n    two: a == \"s\"\n  }\n");
  } else {
    fprintf(f, "  sequence by u within %llds {\n    one: a == \"f\"\n    not two: a == \"s\"\n  }\n", (long long)r->w);
  }
  fputs("  entities u\n}\n", f);
}

static int cmp_alert(const void *x, const void *y) {
  const alert *a = x, *b = y;
  if (a->rule != b->rule) return a->rule - b->rule;
  if (a->u != b->u) return a->u - b->u;
  return (a->t > b->t) - (a->t < b->t);
}

/* The (rule, user, time) of each alert line the engine wrote. */
static int parse_alerts(const char *text, alert *out) {
  int n = 0;
  for (const char *l = text; l && *l;) {
    const char *nl = strchr(l, '\n');
    const char *r = strstr(l, "\"rule\":\"r"), *u = strstr(l, "\"key\":{\"u\":\""), *t = strstr(l, "\"time\":\"");
    assert_non_null(r);
    assert_non_null(u);
    assert_non_null(t);
    out[n].rule = atoi(r + 9);
    u += 12;
    out[n].u = strncmp(u, "ann", 3) == 0 ? 0 : strncmp(u, "bob", 3) == 0 ? 1 : 2;
    struct tm tm = {0};
    int y, mo, d, h, mi, sec;
    assert_int_equal(sscanf(t + 8, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec), 6);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    out[n++].t = (int64_t)timegm(&tm);
    l = nl ? nl + 1 : l + strlen(l);
  }
  return n;
}

static void differential(void **state) {
  (void)state;
  setenv("HORNET_CACHE_DIR", "off", 1);
  char dir[] = "/tmp/hn_corrdiff_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char pack[512], events[512];
  snprintf(pack, sizeof pack, "%s/p.hn", dir);
  snprintf(events, sizeof events, "%s/e.jsonl", dir);
  static alert want[RULES * EVENTS * 2], got[RULES * EVENTS * 2];
  size_t total_events = 0, total_alerts = 0;
  for (int pk = 0; pk < PACKS; pk++) {
    rule rules[RULES];
    FILE *f = fopen(pack, "wb");
    fputs("pack t.corrdiff 1.0.0\nschema s {\n  time @timestamp\n  u: string\n  a: string\n  n: int\n}\n", f);
    for (int i = 0; i < RULES; i++) {
      rule *r = &rules[i];
      r->k = (kind)rnd(4);
      r->filter = (int)rnd(3);
      static const int64_t ws[] = {30, 60, 90, 120, 300};
      r->w = ws[rnd(5)];
      r->h = (hkind)rnd(5);
      static const int thr[][3] = {{2, 3, 4}, {2, 3, 4}, {10, 15, 25}, {7, 8, 9}, {0, 1, 2}};
      r->thr = thr[r->h][rnd(3)];
      r->repeat = rnd(2) ? 0 : 2 + (int)rnd(3);
      rule_text(f, r, i);
    }
    fclose(f);
    ev s[EVENTS];
    int64_t t = 1704103200; /* 2024-01-01T10:00:00Z */
    f = fopen(events, "wb");
    for (int i = 0; i < EVENTS; i++) {
      t += rnd(4) == 0 ? 0 : (int64_t)rnd(rnd(6) == 0 ? 200 : 25); /* ties, bursts, gaps */
      s[i] = (ev){t, (int)rnd(USERS), "ffsx"[rnd(4)], (int)rnd(10)};
      time_t tt = (time_t)t;
      struct tm tm;
      gmtime_r(&tt, &tm);
      char ts[32];
      strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
      fprintf(f, "{\"@timestamp\":\"%s\",\"u\":\"%s\",\"a\":\"%c\",\"n\":%d}\n", ts, users[s[i].u], s[i].a, s[i].n);
    }
    fclose(f);
    int nw = 0;
    for (int i = 0; i < RULES; i++) reference(&rules[i], i, s, EVENTS, want, &nw);
    hnc_compiler *c = hnc_compiler_create();
    hnc_compiler_set_stdlib(c, "stdlib");
    hnc_compiler_add_path(c, pack);
    assert_int_equal(hnc_compiler_check(c), HN_OK);
    hn_program *p = hnc_compiler_program(c);
    hnc_compiler_destroy(c);
    assert_non_null(p);
    FILE *in = fopen(events, "rb");
    char *text = NULL;
    size_t tl = 0;
    FILE *out = open_memstream(&text, &tl);
    hn_run_options o = {events, in, out, NULL, NULL, 0, HN_ENGINE_AUTO, NULL, 0, 0, false, NULL, NULL, false, NULL, 0};
    hn_run_stats st;
    assert_int_equal(hn_run_stream(p, &o, &st), HN_OK);
    fclose(in);
    fclose(out);
    int ng = parse_alerts(text, got);
    qsort(want, (size_t)nw, sizeof *want, cmp_alert);
    qsort(got, (size_t)ng, sizeof *got, cmp_alert);
    bool same = nw == ng;
    for (int i = 0; same && i < nw; i++) same = cmp_alert(&want[i], &got[i]) == 0;
    if (!same) {
      char *pk_text = slurp_file(pack, NULL), *ev_text = slurp_file(events, NULL);
      print_error("pack %d: the engine and the reference disagree\n--- pack\n%s--- events\n%s--- reference\n", pk, pk_text,
                  ev_text);
      for (int i = 0; i < nw; i++) print_error("r%d %s %lld\n", want[i].rule, users[want[i].u], (long long)want[i].t);
      print_error("--- engine\n%s", text);
      free(pk_text);
      free(ev_text);
      fail();
    }
    total_events += EVENTS;
    total_alerts += (size_t)ng;
    free(text);
    hn_program_destroy(p);
  }
  print_message("%zu events through %d random packs: %zu correlation alerts, the same as the reference\n",
                total_events, PACKS, total_alerts);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(differential)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
