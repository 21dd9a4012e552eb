/* sources.c - source texts and their line maps (jq's locfile).
 * Depends on the compiler struct only. */
#include <stdlib.h>
#include <string.h>
#include "hnc.h"

hnc_loc hnc_loc_none(void) {
  hnc_loc l = {-1, 0, 0, 0, 0};
  return l;
}

/* Copies text into a new source; returns its index or -1 when out of memory. */
int hnc_source_add(hnc_compiler *c, const char *path, const char *text, size_t len) {
  if (c->n_sources == c->cap_sources) {
    size_t cap = c->cap_sources ? c->cap_sources * 2 : 16;
    hnc_source *v = realloc(c->sources, cap * sizeof *v);
    if (!v) return -1;
    c->sources = v;
    c->cap_sources = cap;
  }
  hnc_source *s = &c->sources[c->n_sources];
  memset(s, 0, sizeof *s);
  s->path = hn_arena_strndup(&c->arena, path, strlen(path));
  s->text = hn_arena_strndup(&c->arena, text, len);
  s->len = len;
  size_t n = 1;
  for (size_t i = 0; i < len; i++) n += text[i] == '\n';
  s->line_starts = hn_arena_alloc(&c->arena, n * sizeof *s->line_starts);
  if (!s->path || !s->text || !s->line_starts) return -1;
  size_t k = 0;
  s->line_starts[k++] = 0;
  for (size_t i = 0; i < len; i++)
    if (text[i] == '\n') s->line_starts[k++] = i + 1;
  s->n_lines = (int)n;
  return (int)c->n_sources++;
}

/* The text of a line (1-based) without its newline; NULL when out of range. */
const char *hnc_source_line(const hnc_compiler *c, int file, int line, size_t *len) {
  if (file < 0 || (size_t)file >= c->n_sources) return NULL;
  const hnc_source *s = &c->sources[file];
  if (line < 1 || line > s->n_lines) return NULL;
  size_t a = s->line_starts[line - 1];
  size_t b = line < s->n_lines ? s->line_starts[line] - 1 : s->len;
  if (b > a && s->text[b - 1] == '\r') b--;
  *len = b - a;
  return s->text + a;
}
