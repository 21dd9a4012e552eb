/* alloc.c - the runtime's allocator (see alloc.h) and hn_set_allocator.
 * Depends on libc and the engines' allocator hooks (Hyperscan, PCRE2). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "alloc.h"
#include <hs.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *libc_malloc(void *ud, size_t n) { (void)ud; return malloc(n); }
static void *libc_realloc(void *ud, void *p, size_t n) { (void)ud; return realloc(p, n); }
static void libc_free(void *ud, void *p) { (void)ud; free(p); }

static hn_allocator cur = {libc_malloc, libc_realloc, libc_free, NULL};

void hn_set_allocator(const hn_allocator *a) {
  cur = a && a->malloc && a->realloc && a->free ? *a : (hn_allocator){libc_malloc, libc_realloc, libc_free, NULL};
  /* Hyperscan allocates databases, scratch and serialised bytes through its own hooks */
  hs_set_allocator(hn_malloc_cb, hn_free_cb);
}

void *hn_malloc(size_t n) { return cur.malloc(cur.ud, n ? n : 1); }

void *hn_calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return NULL;
  size_t n = count * size;
  void *p = cur.malloc(cur.ud, n ? n : 1);
  if (p) memset(p, 0, n);
  return p;
}

void *hn_realloc(void *p, size_t n) { return cur.realloc(cur.ud, p, n ? n : 1); }

void hn_free(void *p) {
  if (p) cur.free(cur.ud, p);
}

char *hn_strndup(const char *s, size_t n) {
  char *d = hn_malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *hn_strdup(const char *s) { return hn_strndup(s, strlen(s)); }

void *hn_malloc_cb(size_t n) { return hn_malloc(n); }
void hn_free_cb(void *p) { hn_free(p); }

static void *pcre2_malloc_cb(size_t n, void *ud) { (void)ud; return hn_malloc(n); }
static void pcre2_free_cb(void *p, void *ud) { (void)ud; hn_free(p); }

void *hn_pcre2_general(void) { return pcre2_general_context_create(pcre2_malloc_cb, pcre2_free_cb, NULL); }
