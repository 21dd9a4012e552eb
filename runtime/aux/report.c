/* report.c - `hornet report` (hornetaux.h: hnx_write_report): one self-contained HTML file, no
 * external asset, no script that runs: each KPI's trend against its target as inline SVG with
 * its change written out in words and attributed to its factors, the control gap heat map, the
 * open incidents per domain with their SLA clocks, and the windows of exposure on a timeline.
 * The numbers are hn_kpi_compute's, and the document carries them as `hornet kpi --format json`
 * writes them (a test compares the two). Built on hornet.h and value.h's printers only. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hornet/hornetaux.h"
#include "alloc.h"
#include "value.h"

#define NS 1000000000.0
#define DAY (86400 * INT64_C(1000000000))

static void esc(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    default: fputc(*s, f);
    }
  }
}

/* The date of t: buf holds HN_TIME_TEXT_CAP bytes (the whole time is written first). */
static void date_of(int64_t t, char *buf) {
  hn_time_format(t, buf);
  buf[10] = 0;
}

/* ---- the KPIs' cells, kept ----------------------------------------------------------------- */
typedef struct rcell {
  char *key;                   /* the cell's values joined by " / " ("" without dimensions) */
  int64_t start;
  bool has, has_prev;
  double num, prev, change;
  int met;
  char *why;                   /* the factors' changes in words, or NULL */
} rcell;

typedef struct rkpi {
  hn_kpi_view v;
  rcell *c;
  uint32_t n, cap;
  bool failed;
} rkpi;

static char *dupf(const char *s) { return hn_strdup(s ? s : ""); }

static void keep_cell(void *ud, const hn_kpi_cell *c) {
  rkpi *k = ud;
  if (k->n == k->cap) {
    uint32_t cap = k->cap ? k->cap * 2 : 32;
    rcell *v = hn_realloc(k->c, cap * sizeof *v);
    if (!v) { k->failed = true; return; }
    k->c = v;
    k->cap = cap;
  }
  rcell *o = &k->c[k->n++];
  memset(o, 0, sizeof *o);
  char key[512] = "";
  size_t at = 0;
  for (uint32_t d = 0; d < c->n_dims && at < sizeof key; d++)
    at += (size_t)snprintf(key + at, sizeof key - at, "%s%s", d ? " / " : "", c->values[d]);
  o->key = dupf(key);
  o->start = c->start;
  o->has = c->has_value;
  o->num = c->number;
  o->has_prev = c->has_previous;
  o->prev = c->previous;
  o->change = c->change;
  o->met = c->target_met;
  if (c->n_factors && c->has_value && c->has_previous) {
    char why[1024];
    size_t w = 0;
    for (uint32_t j = 0; j < c->n_factors && w < sizeof why; j++) {
      double ch = c->factors[j].change;
      if (isfinite(ch)) w += (size_t)snprintf(why + w, sizeof why - w, "%s%s %+.1f%%", j ? ", " : "", c->factors[j].text, ch * 100);
      else w += (size_t)snprintf(why + w, sizeof why - w, "%s%s from nothing", j ? ", " : "", c->factors[j].text);
    }
    o->why = dupf(why);
  }
  if (!o->key || (c->n_factors && c->has_value && c->has_previous && !o->why)) k->failed = true;
}

static void rkpi_free(rkpi *k) {
  for (uint32_t i = 0; i < k->n; i++) {
    hn_free(k->c[i].key);
    hn_free(k->c[i].why);
  }
  hn_free(k->c);
}

/* ---- one KPI: a chart and its sentences ------------------------------------------------------ */
enum { W = 640, HGT = 200, ML = 56, MR = 150, MT = 12, MB = 28, MAX_LINES = 8 };
static const char *const colours[MAX_LINES] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                               "#9467bd", "#8c564b", "#e377c2", "#17becf"};

static double target_number(const hn_kpi_view *v) {
  if (!v->target_op) return NAN;
  double t = v->target.kind == HN_V_FLOAT ? v->target.u.f : (double)v->target.u.i;
  return strcmp(v->type, "duration") == 0 && v->target.kind != HN_V_FLOAT ? t / NS : t;
}

/* The cells' distinct keys in first-seen order (the engine's order), at most MAX_LINES. */
static uint32_t line_keys(const rkpi *k, const char **keys) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < k->n && n < MAX_LINES; i++) {
    bool seen = false;
    for (uint32_t j = 0; j < n && !seen; j++) seen = strcmp(keys[j], k->c[i].key) == 0;
    if (!seen) keys[n++] = k->c[i].key;
  }
  return n;
}

static void number(FILE *f, const hn_kpi_view *v, double x);

static void chart(FILE *f, const rkpi *k, int64_t first, int64_t last) {
  const char *keys[MAX_LINES];
  uint32_t nk = line_keys(k, keys);
  double lo = 0, hi = 0, t = target_number(&k->v);
  for (uint32_t i = 0; i < k->n; i++)
    if (k->c[i].has && k->c[i].num > hi) hi = k->c[i].num;
  for (uint32_t i = 0; i < k->n; i++)
    if (k->c[i].has && k->c[i].num < lo) lo = k->c[i].num;
  if (isfinite(t) && t > hi) hi = t;
  if (hi <= lo) hi = lo + 1;
  hi *= 1.08;
  int64_t span = last > first ? last - first : 1;
  int pw = W - ML - MR, ph = HGT - MT - MB;
#define X(s) (ML + (double)((s) - first) / (double)span * pw)
#define Y(v) (MT + ph - ((v) - lo) / (hi - lo) * ph)
  fprintf(f, "<svg class=\"chart\" data-kpi=\"");
  esc(f, k->v.name);
  fprintf(f, "\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", W, HGT, W, HGT);
  fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", ML, MT + ph, ML + pw, MT + ph);
  double ends[2] = {hi, lo};
  for (int e = 0; e < 2; e++) {
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"axis\">", ML - 4, Y(ends[e]) + 4);
    number(f, &k->v, ends[e]);
    fputs("</text>\n", f);
  }
  if (isfinite(t)) {
    fprintf(f, "<line class=\"target\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#888\" stroke-dasharray=\"5,4\"/>"
            "<text x=\"%d\" y=\"%.1f\" class=\"axis\">target %s ", ML, Y(t), ML + pw, Y(t), ML + 4, Y(t) - 4, k->v.target_op);
    number(f, &k->v, t);
    fputs("</text>\n", f);
  }
  char d0[HN_TIME_TEXT_CAP], d1[HN_TIME_TEXT_CAP];
  date_of(first, d0);
  date_of(last, d1);
  fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"axis\">%s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"axis\">%s</text>\n",
          ML, HGT - 8, d0, ML + pw, HGT - 8, d1);
  for (uint32_t l = 0; l < nk; l++) {
    fprintf(f, "<polyline class=\"trend\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colours[l]);
    for (uint32_t i = 0; i < k->n; i++)
      if (k->c[i].has && strcmp(k->c[i].key, keys[l]) == 0) fprintf(f, "%.1f,%.1f ", X(k->c[i].start), Y(k->c[i].num));
    fputs("\"/>\n", f);
    for (uint32_t i = 0; i < k->n; i++) {
      const rcell *c = &k->c[i];
      if (!c->has || strcmp(c->key, keys[l]) != 0) continue;
      char d[HN_TIME_TEXT_CAP];
      date_of(c->start, d);
      fprintf(f, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" data-start=\"%s\" data-cell=\"", X(c->start),
              Y(c->num), c->met == 0 ? "#d62728" : colours[l], d);
      esc(f, c->key);
      fprintf(f, "\" data-value=\"%.10g\"><title>", c->num);
      esc(f, c->key);
      fprintf(f, " %s: %.4g</title></circle>\n", d, c->num);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"%s\" class=\"legend\">", ML + pw + 4, MT + 30 + 14 * (int)l, colours[l]);
    esc(f, *keys[l] ? keys[l] : k->v.name);
    fputs("</text>\n", f);
  }
  fputs("</svg>\n", f);
#undef X
#undef Y
}

static void number(FILE *f, const hn_kpi_view *v, double x) {
  if (strcmp(v->type, "duration") == 0) {
    double a = fabs(x);
    if (a >= 86400) fprintf(f, "%.1fd", x / 86400);
    else if (a >= 3600) fprintf(f, "%.1fh", x / 3600);
    else if (a >= 60) fprintf(f, "%.1fm", x / 60);
    else fprintf(f, "%.3gs", x);
  } else {
    fprintf(f, "%.4g", x);
  }
}

/* "incidents per 100 hosts (eng) rose 100.0%: count(incident) +100.0%, count(asset) +0.0%" for
 * each cell of the last period whose value changed. */
static void sentences(FILE *f, const rkpi *k, int64_t last) {
  fputs("<ul class=\"changes\">\n", f);
  unsigned said = 0;
  for (uint32_t i = 0; i < k->n; i++) {
    const rcell *c = &k->c[i];
    if (c->start != last || !c->has) continue;
    fputs("<li>", f);
    esc(f, k->v.title ? k->v.title : k->v.name);
    if (*c->key) {
      fputs(" (", f);
      esc(f, c->key);
      fputc(')', f);
    }
    fputs(": ", f);
    number(f, &k->v, c->num);
    if (c->has_prev && isfinite(c->change) && c->change != 0) {
      fprintf(f, ", %s %.1f%%", c->change > 0 ? "rose" : "fell", fabs(c->change) * 100);
      if (c->why) {
        fputs(": ", f);
        esc(f, c->why);
      }
    } else if (c->has_prev && c->change == 0) {
      fputs(", unchanged", f);
    }
    if (c->met >= 0) fputs(c->met ? " <span class=\"met\">target met</span>" : " <span class=\"missed\">target missed</span>", f);
    fputs("</li>\n", f);
    said++;
  }
  if (!said) fputs("<li>no value in the last period</li>\n", f);
  fputs("</ul>\n", f);
}

/* ---- the gap heat map: controls (by rank) x business units, incidents in the range ----------- */
typedef struct gaps_ud {
  const char *names[64];
  uint32_t n;
} gaps_ud;

static void gap_name(void *ud, const hn_gap *g) {
  gaps_ud *u = ud;
  if (u->n < 64 && (g->incidents || g->exposures)) u->names[u->n++] = g->control;
}

static bool in_range(int64_t t, int64_t from, int64_t to) { return t != HN_TIME_NONE && t >= from && t < to; }

static void heatmap(FILE *f, const hn_program *p, const hn_kpi_facts *fx, const hn_kpi_query *q, int64_t from, int64_t to) {
  gaps_ud g = {{0}, 0};
  char err[128];
  hn_kpi_gaps(p, fx, q, gap_name, &g, err, sizeof err);
  const char *bus[32];
  uint32_t nb = 0;
  for (uint32_t i = 0; i < fx->n_incidents; i++)
    for (uint32_t b = 0; b < fx->incidents[i].business_units.n && nb < 32; b++) {
      const char *s = fx->incidents[i].business_units.v[b];
      bool seen = false;
      for (uint32_t j = 0; j < nb && !seen; j++) seen = strcmp(bus[j], s) == 0;
      if (!seen) bus[nb++] = s;
    }
  if (!g.n || !nb) { fputs("<p>No incident names a control.</p>\n", f); return; }
  uint32_t max = 1, count[64][32];
  memset(count, 0, sizeof count);
  for (uint32_t i = 0; i < fx->n_incidents; i++) {
    const hn_fact_incident *x = &fx->incidents[i];
    if (!in_range(x->detected_at, from, to)) continue;
    for (uint32_t c = 0; c < x->controls.n; c++)
      for (uint32_t r = 0; r < g.n; r++)
        for (uint32_t b = 0; strcmp(g.names[r], x->controls.v[c]) == 0 && b < x->business_units.n; b++)
          for (uint32_t j = 0; j < nb; j++)
            if (strcmp(bus[j], x->business_units.v[b]) == 0 && ++count[r][j] > max) max = count[r][j];
  }
  enum { CW = 90, CH = 24, LW = 200, TH = 30 };
  fprintf(f, "<svg class=\"heatmap\" width=\"%u\" height=\"%u\" role=\"img\">\n", LW + CW * nb + 4, TH + CH * g.n + 4);
  for (uint32_t j = 0; j < nb; j++) {
    fprintf(f, "<text x=\"%u\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">", LW + CW * j + CW / 2, TH - 10);
    esc(f, bus[j]);
    fputs("</text>\n", f);
  }
  for (uint32_t r = 0; r < g.n; r++) {
    fprintf(f, "<text x=\"%d\" y=\"%u\" text-anchor=\"end\" class=\"axis\">", LW - 6, TH + CH * r + CH / 2 + 4);
    esc(f, g.names[r]);
    fputs("</text>\n", f);
    for (uint32_t j = 0; j < nb; j++) {
      double a = (double)count[r][j] / max;
      fprintf(f, "<rect class=\"cell\" x=\"%u\" y=\"%u\" width=\"%d\" height=\"%d\" fill=\"rgba(214,39,40,%.2f)\" "
              "stroke=\"#ddd\" data-control=\"", LW + CW * j, TH + CH * r, CW - 2, CH - 2, 0.08 + 0.92 * a);
      esc(f, g.names[r]);
      fputs("\" data-business-unit=\"", f);
      esc(f, bus[j]);
      fprintf(f, "\" data-incidents=\"%u\"/><text x=\"%u\" y=\"%u\" text-anchor=\"middle\">%u</text>\n", count[r][j],
              LW + CW * j + CW / 2 - 1, TH + CH * r + CH / 2 + 4, count[r][j]);
    }
  }
  fputs("</svg>\n", f);
}

/* ---- the queue: open incidents per domain with their SLA clocks ------------------------------- */
static bool is_open(const hn_fact_incident *x) {
  return x->closed_at == HN_TIME_NONE && !(x->state && strcmp(x->state, "closed") == 0);
}

/* In one of its service's working states: neither its initial nor its terminal one (the
 * built-in workflow, new -> closed, when its service is not the program's). */
static bool is_working(const hn_program *p, const hn_fact_incident *x) {
  const char *state = x->state ? x->state : "new", *first = "new", *last = "closed";
  hn_service_view sv;
  if (x->service && hn_program_service(p, hn_program_service_find(p, x->service), &sv) == HN_OK && sv.n_states) {
    first = sv.states[0];
    last = sv.states[sv.n_states - 1];
  }
  return strcmp(state, first) != 0 && strcmp(state, last) != 0;
}

/* "domain: 3 open, 2 in work (WIP 2/4)": the limit when the program declares the domain with one. */
static void domain_row(FILE *f, const hn_program *p, const char *dom, uint32_t open, uint32_t working) {
  fputs("<tr class=\"domain\"><td colspan=\"7\">", f);
  esc(f, dom);
  fprintf(f, ": %u open, %u in work", open, working);
  hn_domain_view d;
  if (hn_program_domain(p, hn_program_domain_find(p, dom), &d) == HN_OK && d.wip >= 0)
    fprintf(f, " <span class=\"wip%s\">(WIP %u/%d)</span>", (int64_t)working >= d.wip ? " full" : "", working, d.wip);
  fputs("</td></tr>\n", f);
}

static void queue(FILE *f, const hn_program *p, const hn_kpi_facts *fx, int64_t now) {
  const char *doms[64];
  uint32_t nd = 0;
  for (uint32_t i = 0; i < fx->n_incidents && nd < 64; i++) {
    const char *d = fx->incidents[i].domain ? fx->incidents[i].domain : "unrouted";
    bool seen = false;
    for (uint32_t j = 0; j < nd && !seen; j++) seen = strcmp(doms[j], d) == 0;
    if (!seen && is_open(&fx->incidents[i])) doms[nd++] = d;
  }
  if (!nd) { fputs("<p>No open incident.</p>\n", f); return; }
  fputs("<table class=\"queue\"><tr><th>domain</th><th>incident</th><th>state</th><th>assignee</th><th>severity</th>"
        "<th>age</th><th>SLA</th></tr>\n", f);
  for (uint32_t j = 0; j < nd; j++) {
    uint32_t open = 0, working = 0;
    for (uint32_t i = 0; i < fx->n_incidents; i++) {
      const hn_fact_incident *x = &fx->incidents[i];
      if (!is_open(x) || strcmp(x->domain ? x->domain : "unrouted", doms[j]) != 0) continue;
      open++;
      working += is_working(p, x);
    }
    domain_row(f, p, doms[j], open, working);
    for (uint32_t i = 0; i < fx->n_incidents; i++) {
      const hn_fact_incident *x = &fx->incidents[i];
      if (!is_open(x) || strcmp(x->domain ? x->domain : "unrouted", doms[j]) != 0) continue;
      fputs("<tr><td></td><td>", f);
      esc(f, x->id);
      fputs("</td><td>", f);
      esc(f, x->state ? x->state : "new");
      fputs("</td><td>", f);
      esc(f, x->assignee ? x->assignee : "");
      fprintf(f, "</td><td>%u</td><td>%.1fh</td><td>", x->severity, (double)(now - x->detected_at) / NS / 3600);
      if (x->sla_breached) fputs("<span class=\"missed\">breached</span>", f);
      else if (x->sla_due != HN_TIME_NONE) fprintf(f, "due in %.1fh", (double)(x->sla_due - now) / NS / 3600);
      fputs("</td></tr>\n", f);
    }
  }
  fputs("</table>\n", f);
}

/* ---- the windows of exposure on a timeline ---------------------------------------------------- */
static void timeline(FILE *f, const hn_kpi_facts *fx, int64_t from, int64_t to) {
  uint32_t rows = 0;
  for (uint32_t i = 0; i < fx->n_exposures; i++) rows += fx->exposures[i].opened != HN_TIME_NONE;
  if (!rows) { fputs("<p>No window of exposure.</p>\n", f); return; }
  enum { TW = 640, LW = 220, RH = 18 };
  double span = (double)(to > from ? to - from : 1);
  fprintf(f, "<svg class=\"timeline\" width=\"%d\" height=\"%u\" role=\"img\">\n", LW + TW + 10, RH * rows + 30);
  uint32_t r = 0;
  for (uint32_t i = 0; i < fx->n_exposures; i++) {
    const hn_fact_exposure *w = &fx->exposures[i];
    if (w->opened == HN_TIME_NONE) continue;
    int64_t end = w->closed != HN_TIME_NONE ? w->closed : to;
    double x0 = LW + fmax(0, (double)(w->opened - from) / span) * TW, x1 = LW + fmin(1, (double)(end - from) / span) * TW;
    fprintf(f, "<text x=\"%d\" y=\"%u\" text-anchor=\"end\" class=\"axis\">", LW - 6, RH * r + 13);
    esc(f, w->exposure);
    fputs(" on ", f);
    esc(f, w->asset ? w->asset : w->value);
    fprintf(f, "</text><rect class=\"window\" x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"%d\" fill=\"%s\" data-open=\"%s\">"
            "<title>%.1fh</title></rect>\n", x0, RH * r + 2, fmax(1, x1 - x0), RH - 4,
            w->closed != HN_TIME_NONE ? "#ff7f0e" : "#d62728", w->closed != HN_TIME_NONE ? "false" : "true",
            (double)(end - w->opened) / NS / 3600);
    r++;
  }
  char d0[HN_TIME_TEXT_CAP], d1[HN_TIME_TEXT_CAP];
  date_of(from, d0);
  date_of(to, d1);
  fprintf(f, "<text x=\"%d\" y=\"%u\" class=\"axis\">%s</text><text x=\"%d\" y=\"%u\" text-anchor=\"end\" class=\"axis\">%s</text>\n",
          LW, RH * rows + 22, d0, LW + TW, RH * rows + 22, d1);
  fputs("</svg>\n", f);
}

/* ---- the document ------------------------------------------------------------------------------ */
static const char *const css =
  "body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}"
  "h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}h3{margin-bottom:.2em}"
  ".kpi{margin:1.5em 0}.desc{color:#555;margin:.2em 0}.axis{font-size:11px;fill:#555}.legend{font-size:11px}"
  ".met{color:#2ca02c}.missed{color:#d62728;font-weight:bold}.wip.full{color:#d62728}table{border-collapse:collapse}"
  "td,th{padding:2px 10px;text-align:left}tr.domain td{font-weight:bold;background:#f3f3f3}";

/* The JSON of `hornet kpi --format json`, as a script block that never runs (its "</" escaped). */
static hn_status embed_json(FILE *out, const hn_program *p, const hn_kpi_facts *f, const hn_kpi_query *q, char *err,
                            size_t errlen) {
  char *json = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&json, &len);
  if (!m) return HN_ERR_NOMEM;
  hn_status st = hnx_write_kpis(m, p, f, q, HNX_JSON, err, errlen);
  fclose(m);
  if (st == HN_OK) {
    fputs("<script type=\"application/json\" id=\"kpi-data\">\n", out);
    for (size_t i = 0; i < len; i++) {
      if (json[i] == '<' && i + 1 < len && json[i + 1] == '/') fputs("<\\", out);
      else fputc(json[i], out);
    }
    fputs("</script>\n", out);
  }
  free(json); /* open_memstream's: libc's */
  return st;
}

static hn_status one_kpi(FILE *out, const hn_program *p, const hn_kpi_facts *f, const hn_kpi_query *q, uint32_t i,
                         int64_t *first, int64_t *last, char *err, size_t errlen) {
  rkpi k;
  memset(&k, 0, sizeof k);
  hn_program_kpi(p, i, &k.v);
  hn_kpi_query one = q ? *q : (hn_kpi_query){0};
  one.kpi = k.v.name;
  hn_status st = hn_kpi_compute(p, f, &one, keep_cell, &k, err, errlen);
  if (st == HN_OK && k.failed) st = HN_ERR_NOMEM;
  if (st == HN_OK) {
    int64_t a = INT64_MAX, b = INT64_MIN;
    for (uint32_t c = 0; c < k.n; c++) {
      if (k.c[c].start < a) a = k.c[c].start;
      if (k.c[c].start > b) b = k.c[c].start;
    }
    fputs("<section class=\"kpi\"><h3>", out);
    esc(out, k.v.title ? k.v.title : k.v.name);
    fputs(" <small>(", out);
    esc(out, k.v.name);
    if (k.v.pack) {
      fputs(", ", out);
      esc(out, k.v.pack);
      fputc(' ', out);
      esc(out, k.v.version);
    }
    fputs(")</small></h3>\n", out);
    if (k.v.description) {
      fputs("<p class=\"desc\">", out);
      esc(out, k.v.description);
      fputs("</p>\n", out);
    }
    if (!k.n) {
      fputs("<p>No rows in the range.</p>\n", out);
    } else {
      chart(out, &k, a, b);
      sentences(out, &k, b);
      if (a < *first) *first = a;
      if (b > *last) *last = b;
    }
    fputs("</section>\n", out);
  }
  rkpi_free(&k);
  return st;
}

hn_status hnx_write_report(FILE *out, const hn_program *p, const hn_kpi_facts *f, const hn_kpi_query *q, const char *title,
                           char *err, size_t errlen) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", out);
  esc(out, title ? title : "hornet report");
  fprintf(out, "</title><style>%s</style></head><body>\n<h1>", css);
  esc(out, title ? title : "hornet report");
  fputs("</h1>\n<h2>KPIs</h2>\n", out);
  hn_status st = HN_OK;
  int64_t first = INT64_MAX, last = INT64_MIN;
  for (uint32_t i = 0; st == HN_OK && i < hn_program_kpi_count(p); i++) {
    hn_kpi_view v;
    hn_program_kpi(p, i, &v);
    if (q && q->kpi && strcmp(q->kpi, v.name) != 0) continue;
    st = one_kpi(out, p, f, q, i, &first, &last, err, errlen);
  }
  if (st != HN_OK) return st;
  int64_t now = f->now;
  for (uint32_t i = 0; now == HN_TIME_NONE && i < f->n_incidents; i++) now = f->incidents[i].last_seen;
  if (first == INT64_MAX) first = last = now != HN_TIME_NONE ? now : 0;
  int64_t to = now != HN_TIME_NONE && now > last ? now : last + 7 * DAY;
  fputs("<h2>Control gaps</h2>\n<p class=\"desc\">Incidents by the control they reveal failed (rows, ranked as "
        "<code>hornet kpi --gaps</code>) and business unit.</p>\n", out);
  heatmap(out, p, f, q, first, to);
  fputs("<h2>Queue</h2>\n", out);
  queue(out, p, f, now != HN_TIME_NONE ? now : to);
  fputs("<h2>Windows of exposure</h2>\n", out);
  timeline(out, f, first, to);
  st = embed_json(out, p, f, q, err, errlen);
  fputs("</body></html>\n", out);
  if (st == HN_OK && (fflush(out) != 0 || ferror(out))) {
    snprintf(err, errlen, "%s", strerror(errno ? errno : EIO));
    return HN_ERR_IO;
  }
  return st;
}
