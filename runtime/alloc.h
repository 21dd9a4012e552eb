/* alloc.h - every allocation of the runtime goes through here, to the allocator an embedder
 * set with hn_set_allocator (libc's by default): the hook Lua has in lua_Alloc, so a collector
 * plugs in its own allocator and a test fails the Nth allocation.
 * Depends on hornet.h only. */
#ifndef HN_ALLOC_H
#define HN_ALLOC_H
#include <stddef.h>
#include "hornet/hornet.h"

void *hn_malloc(size_t n);
void *hn_calloc(size_t count, size_t size); /* zeroed; NULL on overflow */
void *hn_realloc(void *p, size_t n);
void hn_free(void *p);
char *hn_strdup(const char *s);
char *hn_strndup(const char *s, size_t n);
/* For the engines' own allocators (Hyperscan's hs_set_allocator, PCRE2's general context). */
void *hn_malloc_cb(size_t n);
void hn_free_cb(void *p);
/* A PCRE2 general context (pcre2_general_context *) on this allocator, NULL when out of memory.
 * What is created with it (compiled code, match data, contexts, JIT stacks) keeps the allocator
 * and frees through it, so the context is freed (pcre2_general_context_free) right after. */
void *hn_pcre2_general(void);
#endif
