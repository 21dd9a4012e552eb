/* kpi.c - the KPI and gap writers of the auxiliary library (hornetaux.h): the cells
 * hn_kpi_compute hands over as a table for people, CSV or one JSON document, and the gap
 * analysis the same ways. Built on hornet.h and the shared value printers (value.h) only. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "hornet/hornetaux.h"
#include "value.h"

#define NS 1000000000.0

/* "2024-05-13" for a period starting at midnight, else the whole time. */
static void period_text(int64_t t, char *buf) {
  size_t n = hn_time_format(t, buf);
  if (t % (86400 * INT64_C(1000000000)) == 0 && n >= 10) buf[10] = 0;
}

/* A duration for people: "2d 3h", "3h 12m", "12m 5s", "5.2s". */
static void duration_text(double s, char *buf, size_t cap) {
  double a = fabs(s);
  const char *sign = s < 0 ? "-" : "";
  long long v = (long long)llround(a);
  if (a >= 86400) snprintf(buf, cap, "%s%lldd %lldh", sign, v / 86400, v / 3600 % 24);
  else if (a >= 3600) snprintf(buf, cap, "%s%lldh %lldm", sign, v / 3600, v / 60 % 60);
  else if (a >= 60) snprintf(buf, cap, "%s%lldm %llds", sign, v / 60, v % 60);
  else snprintf(buf, cap, "%s%.3gs", sign, a);
}

/* An exact duration as written in a pack: "1w", "2d", "36h", "90s". */
static void exact_duration(int64_t ns, char *buf, size_t cap) {
  static const struct { int64_t s; const char *u; } units[] = {{604800, "w"}, {86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  int64_t s = ns / 1000000000;
  if (ns % 1000000000 != 0 || s == 0) { snprintf(buf, cap, "%gs", (double)ns / NS); return; }
  for (int i = 0; i < 5; i++)
    if (s % units[i].s == 0) { snprintf(buf, cap, "%" PRId64 "%s", s / units[i].s, units[i].u); return; }
}

static void value_text(const hn_kpi_view *v, bool has, double num, char *buf, size_t cap) {
  if (!has) snprintf(buf, cap, "-");
  else if (strcmp(v->type, "duration") == 0) duration_text(num, buf, cap);
  else if (strcmp(v->type, "int") == 0) snprintf(buf, cap, "%.0f", num);
  else snprintf(buf, cap, "%.4g", num);
}

static void target_text(const hn_kpi_view *v, char *buf, size_t cap) {
  if (!v->target_op) { buf[0] = 0; return; }
  char t[64];
  if (v->target.kind == HN_V_FLOAT) snprintf(t, sizeof t, "%g", v->target.u.f);
  else if (strcmp(v->type, "duration") == 0) exact_duration(v->target.u.i, t, sizeof t);
  else snprintf(t, sizeof t, "%" PRId64, v->target.u.i);
  snprintf(buf, cap, "%s %s", v->target_op, t);
}

static void pct(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, "%+.1f%%", x * 100);
  else fputs("-", f);
}

/* The change in words: "+30.0% (count(incident) +40.0%, count(asset) +8.0%)". */
static void change_text(FILE *f, const hn_kpi_cell *c) {
  pct(f, c->change);
  if (!c->n_factors || !c->has_previous || !c->has_value) return;
  fputs(" (", f);
  for (uint32_t j = 0; j < c->n_factors; j++) {
    fprintf(f, "%s%s ", j ? ", " : "", c->factors[j].text);
    pct(f, c->factors[j].change);
  }
  fputc(')', f);
}

/* ---- the table ----------------------------------------------------------------------------- */
/* Columns as wide as their longest cell (a control's name can be 30 characters): the cells are
 * computed once to measure (measure set) and once to print. */
enum { TW_DIMS = 16 };
typedef struct tw {
  FILE *f;
  int64_t last_start;
  uint32_t cells;
  bool measure;
  int wdim[TW_DIMS], wval, wprev;
} tw;

static int width_of(int w, const char *s) {
  int n = (int)strlen(s);
  return n > w ? n : w;
}

static void table_head(FILE *f, const hn_kpi_view *v) {
  char t[96], e[32];
  target_text(v, t, sizeof t);
  exact_duration(v->every, e, sizeof e);
  fprintf(f, "== %s", v->name);
  if (v->title) fprintf(f, "  %s", v->title);
  fprintf(f, "\n   %s = %s; every %s%s%s", v->type, v->value, e, *t ? "; target " : "", t);
  if (v->pack) fprintf(f, "; %s %s", v->pack, v->version ? v->version : "");
  fputc('\n', f);
}

static void table_cell(void *ud, const hn_kpi_cell *c) {
  tw *w = ud;
  FILE *f = w->f;
  char per[48], val[48], prev[48];
  period_text(c->start, per);
  value_text(c->view, c->has_value, c->number, val, sizeof val);
  value_text(c->view, c->has_previous, c->previous, prev, sizeof prev);
  if (w->measure) {
    for (uint32_t d = 0; d < c->n_dims && d < TW_DIMS; d++)
      w->wdim[d] = width_of(width_of(w->wdim[d], c->dims[d]), c->values[d]);
    w->wval = width_of(w->wval, val);
    w->wprev = width_of(w->wprev, prev);
    return;
  }
  if (!w->cells++) {
    fprintf(f, "   %-12s", "period");
    for (uint32_t d = 0; d < c->n_dims; d++) fprintf(f, "%-*s ", d < TW_DIMS ? w->wdim[d] : 17, c->dims[d]);
    fprintf(f, "%-*s %-8s %-*s %s\n", w->wval, "value", "target", w->wprev, "previous", "change");
  }
  fprintf(f, "   %-12s", c->start != w->last_start ? per : "");
  w->last_start = c->start;
  for (uint32_t d = 0; d < c->n_dims; d++) fprintf(f, "%-*s ", d < TW_DIMS ? w->wdim[d] : 17, c->values[d]);
  fprintf(f, "%-*s %-8s %-*s ", w->wval, val, c->target_met < 0 ? "" : c->target_met ? "met" : "MISSED", w->wprev, prev);
  change_text(f, c);
  fputc('\n', f);
}

/* ---- CSV --------------------------------------------------------------------------------------- */
static void csv_str(FILE *f, const char *s) {
  if (!s) return;
  if (!strpbrk(s, ",\"\n\r")) { fputs(s, f); return; }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void csv_num(FILE *f, bool has, double x) {
  fputc(',', f);
  if (has && isfinite(x)) fprintf(f, "%.10g", x == 0 ? 0.0 : x);
}

static void csv_cell(void *ud, const hn_kpi_cell *c) {
  FILE *f = ((tw *)ud)->f;
  char s[48], e[48], cell[1024];
  size_t o = 0;
  cell[0] = 0;
  for (uint32_t d = 0; d < c->n_dims && o < sizeof cell; d++)
    o += (size_t)snprintf(cell + o, sizeof cell - o, "%s%s=%s", d ? ";" : "", c->dims[d], c->values[d]);
  hn_time_format(c->start, s);
  hn_time_format(c->end, e);
  csv_str(f, c->view->name);
  fputc(',', f);
  csv_str(f, c->view->pack);
  fputc(',', f);
  csv_str(f, c->view->version);
  fprintf(f, ",%s,%s,", s, e);
  csv_str(f, cell);
  csv_num(f, c->has_value, c->number);
  csv_num(f, c->has_previous, c->previous);
  csv_num(f, c->has_value && c->has_previous, c->change);
  fprintf(f, ",%s", c->target_met < 0 ? "" : c->target_met ? "met" : "missed");
  fputc(',', f);
  for (uint32_t j = 0; j < c->n_factors; j++) {
    if (j) fputc(';', f);
    fprintf(f, "%s ", c->factors[j].text);
    pct(f, c->factors[j].change);
  }
  fputc('\n', f);
}

/* ---- JSON ------------------------------------------------------------------------------------ */
static void json_num(FILE *f, bool has, double x) {
  if (has && isfinite(x)) fprintf(f, "%.10g", x == 0 ? 0.0 : x); /* never -0 */
  else fputs("null", f);
}

static void json_head(FILE *f, const hn_kpi_view *v, bool first) {
  fputs(first ? "\n{\"name\":" : ",\n{\"name\":", f);
  hn_json_cstr(f, v->name);
  fputs(",\"title\":", f);
  if (v->title) hn_json_cstr(f, v->title); else fputs("null", f);
  fputs(",\"pack\":", f);
  if (v->pack) hn_json_cstr(f, v->pack); else fputs("null", f);
  fputs(",\"version\":", f);
  if (v->version) hn_json_cstr(f, v->version); else fputs("null", f);
  fputs(",\"hash\":", f);
  hn_json_cstr(f, v->hash ? v->hash : "");
  fputs(",\"value\":", f);
  hn_json_cstr(f, v->value);
  fprintf(f, ",\"type\":\"%s\",\"unit\":%s,\"by\":[", v->type, strcmp(v->type, "duration") == 0 ? "\"s\"" : "null");
  for (uint32_t d = 0; d < v->n_by; d++) {
    if (d) fputc(',', f);
    hn_json_cstr(f, v->by[d]);
  }
  fprintf(f, "],\"every_s\":%.0f,\"target\":", (double)v->every / NS);
  if (v->target_op) {
    fprintf(f, "{\"op\":\"%s\",\"value\":", v->target_op);
    double t = v->target.kind == HN_V_FLOAT ? v->target.u.f : (double)v->target.u.i;
    json_num(f, true, strcmp(v->type, "duration") == 0 && v->target.kind != HN_V_FLOAT ? t / NS : t);
    fputc('}', f);
  } else {
    fputs("null", f);
  }
  fputs(",\"cells\":[", f);
}

static void json_cell(void *ud, const hn_kpi_cell *c) {
  tw *w = ud;
  FILE *f = w->f;
  fputs(w->cells++ ? ",\n {\"start\":" : "\n {\"start\":", f);
  hn_json_time(f, c->start);
  fputs(",\"end\":", f);
  hn_json_time(f, c->end);
  fputs(",\"cell\":{", f);
  for (uint32_t d = 0; d < c->n_dims; d++) {
    if (d) fputc(',', f);
    hn_json_cstr(f, c->dims[d]);
    fputc(':', f);
    hn_json_cstr(f, c->values[d]);
  }
  fputs("},\"value\":", f);
  json_num(f, c->has_value, c->number);
  fputs(",\"target_met\":", f);
  fputs(c->target_met < 0 ? "null" : c->target_met ? "true" : "false", f);
  fputs(",\"previous\":", f);
  json_num(f, c->has_previous, c->previous);
  fputs(",\"change\":", f);
  json_num(f, c->has_value && c->has_previous, c->change);
  if (c->n_factors) {
    fprintf(f, ",\"attributed\":%s,\"factors\":[", c->attributed ? "true" : "false");
    for (uint32_t j = 0; j < c->n_factors; j++) {
      const hn_kpi_factor_view *x = &c->factors[j];
      fputs(j ? ",{\"text\":" : "{\"text\":", f);
      hn_json_cstr(f, x->text);
      fprintf(f, ",\"sign\":%d,\"value\":", x->sign);
      json_num(f, x->has_value, x->value);
      fputs(",\"previous\":", f);
      json_num(f, x->has_previous, x->previous);
      fputs(",\"change\":", f);
      json_num(f, true, x->change);
      fputs(",\"contribution\":", f);
      json_num(f, true, x->contribution);
      fputc('}', f);
    }
    fputc(']', f);
  }
  fputc('}', f);
}

static hn_status finish(FILE *out, hn_status st, char *err, size_t errlen) {
  if (st == HN_OK && (fflush(out) != 0 || ferror(out))) {
    snprintf(err, errlen, "%s", strerror(errno ? errno : EIO));
    return HN_ERR_IO;
  }
  return st;
}

hn_status hnx_write_kpis(FILE *out, const hn_program *p, const hn_kpi_facts *f, const hn_kpi_query *q, int format,
                         char *err, size_t errlen) {
  hn_kpi_query one = q ? *q : (hn_kpi_query){0};
  if (one.kpi && hn_program_kpi_find(p, one.kpi) == UINT32_MAX) {
    snprintf(err, errlen, "no KPI named '%s'", one.kpi);
    return HN_ERR_NOT_FOUND;
  }
  if (format == HNX_CSV) fputs("kpi,pack,version,start,end,cell,value,previous,change,target,factors\n", out);
  if (format == HNX_JSON) fputs("{\"kpis\":[", out);
  hn_kpi_fn fn = format == HNX_CSV ? csv_cell : format == HNX_JSON ? json_cell : table_cell;
  hn_status st = HN_OK;
  uint32_t shown = 0;
  for (uint32_t i = 0; st == HN_OK && i < hn_program_kpi_count(p); i++) {
    hn_kpi_view v;
    hn_program_kpi(p, i, &v);
    if (q && q->kpi && strcmp(q->kpi, v.name) != 0) continue;
    one.kpi = v.name;
    tw w = {.f = out, .last_start = INT64_MIN};
    if (format == HNX_TABLE) {
      for (int d = 0; d < TW_DIMS; d++) w.wdim[d] = 17;
      w.wval = 11;
      w.wprev = 11;
      w.measure = true;
      st = hn_kpi_compute(p, f, &one, fn, &w, err, errlen);
      w.measure = false;
      if (st != HN_OK) break;
      fputs(shown ? "\n" : "", out);
      table_head(out, &v);
    }
    if (format == HNX_JSON) {
      if (q && q->n_by) v.n_by = 0; /* the cells say which */
      json_head(out, &v, shown == 0);
    }
    st = hn_kpi_compute(p, f, &one, fn, &w, err, errlen);
    if (format == HNX_TABLE && !w.cells) fputs("   (no cell: no rows in the range)\n", out);
    if (format == HNX_JSON) fputs("]}", out);
    shown++;
  }
  if (format == HNX_JSON) fputs("\n]}\n", out);
  return finish(out, st, err, errlen);
}

/* ---- gaps ------------------------------------------------------------------------------------ */
typedef struct gw {
  FILE *f;
  int format;
  uint32_t n;
} gw;

static void frameworks(FILE *f, const hn_control_view *c, const char *sep) {
  for (uint32_t i = 0; c && i < c->n_frameworks; i++) fprintf(f, "%s%s %s", i ? sep : "", c->framework_names[i], c->framework_ids[i]);
}

static void gap_table(FILE *f, const hn_gap *g) {
  if (g->rank == 1) {
    char s[48];
    period_text(g->period_start, s);
    fprintf(f, "controls by the incidents that name them; the last period starts %s\n", s);
    fprintf(f, "%-5s %-28s %9s %9s %6s %6s %-8s  %s\n", "rank", "control", "incidents", "exposures", "last", "before",
            "trend", "owner; framework");
  }
  fprintf(f, "%-5u %-28s %9" PRIu64 " %9" PRIu64 " %6" PRIu64 " %6" PRIu64 " ", g->rank, g->control, g->incidents,
          g->exposures, g->current, g->previous);
  char trend[32];
  if (isfinite(g->change)) snprintf(trend, sizeof trend, "%+.0f%%", g->change * 100);
  else snprintf(trend, sizeof trend, "%s", g->current ? "new" : "-");
  fprintf(f, "%-8s", trend);
  fprintf(f, "  %s", g->view && g->view->owner ? g->view->owner : "(no owner)");
  if (g->view && g->view->n_frameworks) {
    fputs("; ", f);
    frameworks(f, g->view, ", ");
  }
  if (!g->view) fputs("; (not declared)", f);
  else if (!g->view->rules && !g->view->exposures) fputs("; nothing reveals its failure", f);
  fputc('\n', f);
}

static void gap_csv(FILE *f, const hn_gap *g) {
  if (g->rank == 1) fputs("rank,control,title,owner,frameworks,incidents,exposures,current,previous,change,rules\n", f);
  fprintf(f, "%u,", g->rank);
  csv_str(f, g->control);
  fputc(',', f);
  csv_str(f, g->view ? g->view->title : NULL);
  fputc(',', f);
  csv_str(f, g->view ? g->view->owner : NULL);
  fputc(',', f);
  char fw[1024] = "";
  size_t o = 0;
  for (uint32_t i = 0; g->view && i < g->view->n_frameworks && o < sizeof fw; i++)
    o += (size_t)snprintf(fw + o, sizeof fw - o, "%s%s %s", i ? ";" : "", g->view->framework_names[i], g->view->framework_ids[i]);
  csv_str(f, fw);
  fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, g->incidents, g->exposures, g->current, g->previous);
  csv_num(f, true, g->change);
  fprintf(f, ",%u\n", g->view ? g->view->rules : 0);
}

static void gap_json(FILE *f, const hn_gap *g) {
  fputs(g->rank == 1 ? "\n{\"rank\":1" : ",\n{\"rank\":", f);
  if (g->rank != 1) fprintf(f, "%u", g->rank);
  fputs(",\"control\":", f);
  hn_json_cstr(f, g->control);
  fprintf(f, ",\"declared\":%s,\"title\":", g->view ? "true" : "false");
  if (g->view && g->view->title) hn_json_cstr(f, g->view->title); else fputs("null", f);
  fputs(",\"owner\":", f);
  if (g->view && g->view->owner) hn_json_cstr(f, g->view->owner); else fputs("null", f);
  fputs(",\"frameworks\":[", f);
  for (uint32_t i = 0; g->view && i < g->view->n_frameworks; i++) {
    fputs(i ? ",{\"framework\":" : "{\"framework\":", f);
    hn_json_cstr(f, g->view->framework_names[i]);
    fputs(",\"id\":", f);
    hn_json_cstr(f, g->view->framework_ids[i]);
    fputc('}', f);
  }
  fprintf(f, "],\"rules\":%u,\"incidents\":%" PRIu64 ",\"exposures\":%" PRIu64 ",\"current\":%" PRIu64
          ",\"previous\":%" PRIu64 ",\"change\":", g->view ? g->view->rules : 0, g->incidents, g->exposures, g->current,
          g->previous);
  json_num(f, true, g->change);
  fputs(",\"period_start\":", f);
  hn_json_time(f, g->period_start);
  fputc('}', f);
}

static void gap_cb(void *ud, const hn_gap *g) {
  gw *w = ud;
  w->n++;
  if (w->format == HNX_CSV) gap_csv(w->f, g);
  else if (w->format == HNX_JSON) gap_json(w->f, g);
  else gap_table(w->f, g);
}

hn_status hnx_write_gaps(FILE *out, const hn_program *p, const hn_kpi_facts *f, const hn_kpi_query *q, int format,
                         char *err, size_t errlen) {
  gw w = {out, format, 0};
  if (format == HNX_JSON) fputs("{\"gaps\":[", out);
  hn_status st = hn_kpi_gaps(p, f, q, gap_cb, &w, err, errlen);
  if (format == HNX_JSON) fputs("\n]}\n", out);
  else if (format == HNX_TABLE && !w.n) fputs("no control: no rule, exposure or incident names one\n", out);
  return finish(out, st, err, errlen);
}
