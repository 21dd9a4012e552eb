/* arena.h - bump allocator: one per compilation (AST, symbols) and one per compiled program.
 * Chunks never move, so pointers into the arena stay valid until hn_arena_fini. */
#ifndef HN_ARENA_H
#define HN_ARENA_H
#include <stddef.h>

typedef struct hn_arena_chunk hn_arena_chunk;
typedef struct hn_arena {
  hn_arena_chunk *head;
  size_t used, cap; /* bytes used and capacity of head */
  int failed;       /* an allocation failed: callers check once, at the end of a phase */
} hn_arena;

void hn_arena_init(hn_arena *a);
void hn_arena_fini(hn_arena *a);
/* Zeroed memory, 16-byte aligned; NULL (and a->failed) when out of memory. */
void *hn_arena_alloc(hn_arena *a, size_t n);
/* NUL-terminated copy of s[0..n). */
char *hn_arena_strndup(hn_arena *a, const char *s, size_t n);
char *hn_arena_printf(hn_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
