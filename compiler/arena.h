/* arena.h - bump allocator for one compilation: AST, symbols, strings.
 * Chunks never move, so pointers into the arena stay valid until hnc_arena_fini. */
#ifndef HNC_ARENA_H
#define HNC_ARENA_H
#include <stddef.h>

typedef struct hnc_arena_chunk hnc_arena_chunk;
typedef struct hnc_arena {
  hnc_arena_chunk *head;
  size_t used, cap; /* bytes used and capacity of head */
  int failed;       /* an allocation failed: callers check once, at the end of a phase */
} hnc_arena;

void hnc_arena_init(hnc_arena *a);
void hnc_arena_fini(hnc_arena *a);
/* Zeroed memory, 16-byte aligned; NULL (and a->failed) when out of memory. */
void *hnc_arena_alloc(hnc_arena *a, size_t n);
/* NUL-terminated copy of s[0..n). */
char *hnc_arena_strndup(hnc_arena *a, const char *s, size_t n);
char *hnc_arena_printf(hnc_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
