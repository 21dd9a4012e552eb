/* diag.c - the diagnostics sink: collect, sort, and print as text (GCC style with a caret),
 * JSON or SARIF 2.1.0. Library code reports here and never prints on its own.
 * Depends on sources.c for the source lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hnc.h"
#include "value.h"

/* Every warning has a name, usable as -Wname, -Wno-name, -Werror=name. */
const char *const hnc_warning_names[] = {
  "undeclared-control", /* a rule's control is a string no control declares */
  "unused",             /* a list or macro that nothing uses */
  "no-default-domain",  /* domains exist but none is `default` */
  "missing-entities",   /* a rule without entities cannot join an incident */
  "tag-format",         /* a tag that is not namespace.value, or an unknown ATT&CK tactic */
  "deprecated",         /* a rule with status deprecated */
  NULL,
};

int hnc_warning_index(const char *name) {
  for (int i = 0; hnc_warning_names[i]; i++)
    if (strcmp(hnc_warning_names[i], name) == 0) return i;
  return -1;
}

static hnc_diag *push(hnc_compiler *c) {
  if (c->n_diags == c->cap_diags) {
    size_t cap = c->cap_diags ? c->cap_diags * 2 : 32;
    hnc_diag *v = realloc(c->diags, cap * sizeof *v);
    if (!v) return NULL;
    c->diags = v;
    c->cap_diags = cap;
  }
  hnc_diag *d = &c->diags[c->n_diags];
  memset(d, 0, sizeof *d);
  d->seq = c->n_diags++;
  c->sorted = false;
  return d;
}

static char *vformat(hnc_compiler *c, const char *fmt, va_list ap) {
  va_list aq;
  va_copy(aq, ap);
  int n = vsnprintf(NULL, 0, fmt, aq);
  va_end(aq);
  if (n < 0) return NULL;
  char *s = hn_arena_alloc(&c->arena, (size_t)n + 1);
  if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

static void emit(hnc_compiler *c, hnc_severity sev, hnc_loc loc, const char *code,
                 const char *fmt, va_list ap) {
  hnc_diag *d = push(c);
  c->last_suppressed = false;
  if (!d) return;
  d->sev = sev;
  d->code = code;
  d->loc = loc;
  d->msg = vformat(c, fmt, ap);
  if (sev == HNC_ERROR) c->n_errors++;
  else if (sev == HNC_WARNING) c->n_warnings++;
}

void hnc_error(hnc_compiler *c, hnc_loc loc, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit(c, HNC_ERROR, loc, code, fmt, ap);
  va_end(ap);
}

/* A warning the options silenced is not recorded; its notes and hint are dropped with it
 * because they attach to the last diagnostic only while last_suppressed is false. */

void hnc_warning(hnc_compiler *c, hnc_loc loc, const char *name, const char *fmt, ...) {
  int w = hnc_warning_index(name);
  int state = w >= 0 && c->wstate ? c->wstate[w] : 0;
  c->last_suppressed = state == 1;
  if (state == 1) return;
  va_list ap;
  va_start(ap, fmt);
  emit(c, (state == 2 || c->werror) ? HNC_ERROR : HNC_WARNING, loc, name, fmt, ap);
  va_end(ap);
}

static hnc_diag *last(hnc_compiler *c) {
  if (c->last_suppressed || c->n_diags == 0) return NULL;
  return &c->diags[c->n_diags - 1];
}

void hnc_note_at(hnc_compiler *c, hnc_loc loc, const char *fmt, ...) {
  hnc_diag *d = last(c);
  if (!d) return;
  hnc_note *v = hn_arena_alloc(&c->arena, (d->n_notes + 1) * sizeof *v);
  if (!v) return;
  if (d->n_notes) memcpy(v, d->notes, d->n_notes * sizeof *v);
  va_list ap;
  va_start(ap, fmt);
  v[d->n_notes].loc = loc;
  v[d->n_notes].msg = vformat(c, fmt, ap);
  va_end(ap);
  d->notes = v;
  d->n_notes++;
}

void hnc_hint(hnc_compiler *c, const char *fmt, ...) {
  hnc_diag *d = last(c);
  if (!d) return;
  va_list ap;
  va_start(ap, fmt);
  d->hint = vformat(c, fmt, ap);
  va_end(ap);
}

static int cmp_diag(const void *pa, const void *pb) {
  const hnc_diag *a = pa, *b = pb;
  if (a->loc.file != b->loc.file) return a->loc.file < b->loc.file ? -1 : 1;
  if (a->loc.line != b->loc.line) return a->loc.line < b->loc.line ? -1 : 1;
  if (a->loc.col != b->loc.col) return a->loc.col < b->loc.col ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sorts by file (in load order), line, column, then emission order: stable output. Every
 * public call that may report sorts before it returns, so the const getters below only read
 * (two threads may read one compiler's diagnostics). */
void hnc_diag_sort(hnc_compiler *c) {
  if (c->sorted) return;
  if (c->n_diags) qsort(c->diags, c->n_diags, sizeof *c->diags, cmp_diag);
  c->sorted = true;
}

/* ---- text ---------------------------------------------------------------------------- */
static const char *sev_name(hnc_severity s) {
  return s == HNC_ERROR ? "error" : s == HNC_WARNING ? "warning" : "note";
}

/* The bytes of one column, as the lexer counts them: a character or an ill-formed subpart. */
static size_t unit_len(const unsigned char *s, const unsigned char *end) {
  int k = hn_utf8_seq(s, end);
  return (size_t)(k < 0 ? -k : k);
}

/* A source line, each ill-formed UTF-8 subpart shown as U+FFFD: the terminal gets text. */
static void print_line(FILE *f, const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < len;) {
    int k = hn_utf8_seq(u + i, u + len);
    if (k > 0) fwrite(s + i, 1, (size_t)k, f);
    else fputs("\xEF\xBF\xBD", f);
    i += (size_t)(k < 0 ? -k : k);
  }
}

/* Prints the line and a caret under [col, end_col] (the first line of a multi-line range
 * is underlined to its end). Tabs in the prefix are kept so the caret lines up. */
static void print_caret(const hnc_compiler *c, FILE *f, hnc_loc l, int color) {
  size_t len;
  const char *s = hnc_source_line(c, l.file, l.line, &len);
  if (!s) return;
  char num[16];
  int w = snprintf(num, sizeof num, "%d", l.line);
  if (w < 4) w = 4;
  fprintf(f, " %*d | ", w, l.line);
  print_line(f, s, len);
  fprintf(f, "\n %*s | ", w, "");
  const unsigned char *u = (const unsigned char *)s;
  int col = 1, end = l.end_line == l.line ? l.end_col : 1 << 30;
  size_t i = 0;
  for (; i < len && col < l.col; i += unit_len(u + i, u + len), col++) fputc(s[i] == '\t' ? '\t' : ' ', f);
  if (color) fputs("\033[1;32m", f);
  fputc('^', f);
  if (i < len) i += unit_len(u + i, u + len);
  for (col++; col <= end && i < len; i += unit_len(u + i, u + len), col++) fputc('~', f);
  if (color) fputs("\033[0m", f);
  fputc('\n', f);
}

static void print_head(const hnc_compiler *c, FILE *f, hnc_loc l, const char *sev,
                       const char *msg, const char *code, int color) {
  const char *sc = !color ? "" : strcmp(sev, "error") == 0 ? "\033[1;31m"
                               : strcmp(sev, "warning") == 0 ? "\033[1;35m" : "\033[1;36m";
  if (l.file >= 0)
    fprintf(f, "%s%s:%d:%d:%s ", color ? "\033[1m" : "", c->sources[l.file].path, l.line, l.col,
            color ? "\033[0m" : "");
  else
    fprintf(f, "hornet: ");
  fprintf(f, "%s%s:%s %s", sc, sev, color ? "\033[0m" : "", msg ? msg : "");
  if (code && hnc_warning_index(code) >= 0) fprintf(f, " [-W%s]", code);
  fputc('\n', f);
}

static void print_text(const hnc_compiler *c, FILE *f, int color) {
  for (size_t i = 0; i < c->n_diags; i++) {
    const hnc_diag *d = &c->diags[i];
    print_head(c, f, d->loc, sev_name(d->sev), d->msg, d->code, color);
    print_caret(c, f, d->loc, color);
    if (d->hint) fprintf(f, "      = hint: %s\n", d->hint);
    for (size_t j = 0; j < d->n_notes; j++) {
      print_head(c, f, d->notes[j].loc, "note", d->notes[j].msg, NULL, color);
      print_caret(c, f, d->notes[j].loc, color);
    }
  }
  if (c->n_errors || c->n_warnings)
    fprintf(f, "%zu error%s, %zu warning%s\n", c->n_errors, c->n_errors == 1 ? "" : "s",
            c->n_warnings, c->n_warnings == 1 ? "" : "s");
}

/* ---- JSON and SARIF ------------------------------------------------------------------ */
/* A message or path that failed to format (out of memory) is "", never null. */
static void json_str(FILE *f, const char *s) { hn_json_cstr(f, s ? s : ""); }

static void json_loc(const hnc_compiler *c, FILE *f, hnc_loc l) {
  if (l.file < 0) return;
  fputs("\"file\": ", f);
  json_str(f, c->sources[l.file].path);
  fprintf(f, ", \"line\": %d, \"column\": %d, \"end_line\": %d, \"end_column\": %d, ", l.line,
          l.col, l.end_line, l.end_col);
}

static void print_json(const hnc_compiler *c, FILE *f) {
  fputs("{\"diagnostics\": [", f);
  for (size_t i = 0; i < c->n_diags; i++) {
    const hnc_diag *d = &c->diags[i];
    fputs(i ? ",\n  {" : "\n  {", f);
    json_loc(c, f, d->loc);
    fprintf(f, "\"severity\": \"%s\", \"code\": ", sev_name(d->sev));
    json_str(f, d->code);
    fputs(", \"message\": ", f);
    json_str(f, d->msg);
    if (d->hint) {
      fputs(", \"hint\": ", f);
      json_str(f, d->hint);
    }
    fputs(", \"notes\": [", f);
    for (size_t j = 0; j < d->n_notes; j++) {
      fputs(j ? ", {" : "{", f);
      json_loc(c, f, d->notes[j].loc);
      fputs("\"message\": ", f);
      json_str(f, d->notes[j].msg);
      fputc('}', f);
    }
    fputs("]}", f);
  }
  fprintf(f, "%s], \"errors\": %zu, \"warnings\": %zu}\n", c->n_diags ? "\n" : "", c->n_errors,
          c->n_warnings);
}

static void sarif_location(const hnc_compiler *c, FILE *f, hnc_loc l) {
  fputs("{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ", f);
  json_str(f, c->sources[l.file].path);
  fprintf(f, "}, \"region\": {\"startLine\": %d, \"startColumn\": %d, \"endLine\": %d, "
             "\"endColumn\": %d}}}", l.line, l.col, l.end_line, l.end_col + 1);
}

static void print_sarif(const hnc_compiler *c, FILE *f) {
  fputs("{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
        "  \"version\": \"2.1.0\",\n  \"runs\": [{\n"
        "    \"tool\": {\"driver\": {\"name\": \"hornet\", \"version\": \"" HN_VERSION_STRING "\"}},\n"
        "    \"columnKind\": \"unicodeCodePoints\",\n    \"results\": [", f);
  for (size_t i = 0; i < c->n_diags; i++) {
    const hnc_diag *d = &c->diags[i];
    fputs(i ? ",\n      {" : "\n      {", f);
    fputs("\"ruleId\": ", f);
    json_str(f, d->code ? d->code : "hornet");
    fprintf(f, ", \"level\": \"%s\", \"message\": {\"text\": ",
            d->sev == HNC_ERROR ? "error" : d->sev == HNC_WARNING ? "warning" : "note");
    char *joined = d->hint ? malloc(strlen(d->msg ? d->msg : "") + strlen(d->hint) + 10) : NULL;
    if (joined) sprintf(joined, "%s (hint: %s)", d->msg ? d->msg : "", d->hint); /* whatever their length */
    json_str(f, joined ? joined : d->msg);
    free(joined);
    fputc('}', f);
    if (d->loc.file >= 0) {
      fputs(", \"locations\": [", f);
      sarif_location(c, f, d->loc);
      fputc(']', f);
    }
    size_t nrel = 0;
    for (size_t j = 0; j < d->n_notes; j++) {
      if (d->notes[j].loc.file < 0) continue;
      fputs(nrel++ ? ", " : ", \"relatedLocations\": [", f);
      fprintf(f, "{\"id\": %zu, \"message\": {\"text\": ", j);
      json_str(f, d->notes[j].msg);
      fputs("}, ", f);
      /* a related location is a location object with id and message around it */
      fputs("\"physicalLocation\": {\"artifactLocation\": {\"uri\": ", f);
      json_str(f, c->sources[d->notes[j].loc.file].path);
      fprintf(f, "}, \"region\": {\"startLine\": %d, \"startColumn\": %d}}}",
              d->notes[j].loc.line, d->notes[j].loc.col);
    }
    if (nrel) fputc(']', f);
    fputc('}', f);
  }
  fputs(c->n_diags ? "\n    ]\n  }]\n}\n" : "]\n  }]\n}\n", f);
}

void hnc_compiler_print_diagnostics(const hnc_compiler *c, FILE *f, hnc_diag_format fmt,
                                    int color) {
  if (fmt == HNC_FORMAT_JSON) print_json(c, f);
  else if (fmt == HNC_FORMAT_SARIF) print_sarif(c, f);
  else print_text(c, f, color);
}

size_t hnc_compiler_error_count(const hnc_compiler *c) { return c->n_errors; }
size_t hnc_compiler_warning_count(const hnc_compiler *c) { return c->n_warnings; }
size_t hnc_compiler_diag_count(const hnc_compiler *c) { return c->n_diags; }

static void fill_view(const hnc_compiler *c, hnc_loc l, hnc_diag_view *out) {
  out->file = l.file >= 0 ? c->sources[l.file].path : NULL;
  out->line = l.line;
  out->col = l.col;
  out->end_line = l.end_line;
  out->end_col = l.end_col;
}

hn_status hnc_compiler_diag_get(const hnc_compiler *c, size_t i, hnc_diag_view *out) {
  if (i >= c->n_diags || !out) return HN_ERR_USAGE;
  const hnc_diag *d = &c->diags[i];
  memset(out, 0, sizeof *out);
  fill_view(c, d->loc, out);
  out->severity = d->sev;
  out->code = d->code;
  out->message = d->msg;
  out->hint = d->hint;
  out->n_notes = d->n_notes;
  return HN_OK;
}

hn_status hnc_compiler_diag_note(const hnc_compiler *c, size_t i, size_t j, hnc_diag_view *out) {
  if (i >= c->n_diags || !out) return HN_ERR_USAGE;
  const hnc_diag *d = &c->diags[i];
  if (j >= d->n_notes) return HN_ERR_USAGE;
  memset(out, 0, sizeof *out);
  fill_view(c, d->notes[j].loc, out);
  out->severity = HNC_NOTE;
  out->message = d->notes[j].msg;
  return HN_OK;
}
