/* table.c - a string-keyed open-addressing hash table of pointers, in the arena.
 * Used for symbols and schema fields; insert and look-up only, no removal. */
#include <string.h>
#include "pack.h"

static uint64_t hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

void *hnc_table_get(const hnc_table *t, const char *k, size_t n) {
  if (!t->cap) return NULL;
  for (size_t i = hash(k, n) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
    if (!t->keys[i]) return NULL;
    if (t->lens[i] == n && memcmp(t->keys[i], k, n) == 0) return t->vals[i];
  }
}

static bool grow(hn_arena *a, hnc_table *t) {
  hnc_table nt = {0};
  nt.cap = t->cap ? t->cap * 2 : 64;
  nt.keys = hn_arena_alloc(a, nt.cap * sizeof *nt.keys);
  nt.lens = hn_arena_alloc(a, nt.cap * sizeof *nt.lens);
  nt.vals = hn_arena_alloc(a, nt.cap * sizeof *nt.vals);
  if (!nt.keys || !nt.lens || !nt.vals) return false;
  for (size_t i = 0; i < t->cap; i++)
    if (t->keys[i]) hnc_table_put(a, &nt, t->keys[i], t->lens[i], t->vals[i]);
  *t = nt;
  return true;
}

/* Inserts or replaces k -> v. The key is not copied: it must outlive the table. */
bool hnc_table_put(hn_arena *a, hnc_table *t, const char *k, size_t n, void *v) {
  if ((t->n + 1) * 4 > t->cap * 3 && !grow(a, t)) return false;
  for (size_t i = hash(k, n) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
    if (!t->keys[i]) {
      t->keys[i] = k;
      t->lens[i] = n;
      t->vals[i] = v;
      t->n++;
      return true;
    }
    if (t->lens[i] == n && memcmp(t->keys[i], k, n) == 0) {
      t->vals[i] = v;
      return true;
    }
  }
}
