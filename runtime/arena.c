/* arena.c - bump allocator for one compilation.
 * Depends only on libc. */
#include "arena.h"
#include "alloc.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hn_arena_chunk {
  hn_arena_chunk *prev;
  size_t cap;
  _Alignas(16) unsigned char data[];
};

enum { CHUNK_MIN = 64 * 1024 };

void hn_arena_init(hn_arena *a) { memset(a, 0, sizeof *a); }

void hn_arena_fini(hn_arena *a) {
  hn_arena_chunk *c = a->head;
  while (c) {
    hn_arena_chunk *p = c->prev;
    hn_free(c);
    c = p;
  }
  memset(a, 0, sizeof *a);
}

void *hn_arena_alloc(hn_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (!a->head || a->cap - a->used < n) {
    size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
    hn_arena_chunk *c = hn_malloc(sizeof *c + cap);
    if (!c) {
      a->failed = 1;
      return NULL;
    }
    c->prev = a->head;
    c->cap = cap;
    a->head = c;
    a->used = 0;
    a->cap = cap;
  }
  void *p = a->head->data + a->used;
  a->used += n;
  memset(p, 0, n);
  return p;
}

char *hn_arena_strndup(hn_arena *a, const char *s, size_t n) {
  char *p = hn_arena_alloc(a, n + 1);
  if (!p) return NULL;
  if (n) memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *hn_arena_printf(hn_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *p = hn_arena_alloc(a, (size_t)n + 1);
  if (!p) return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}
