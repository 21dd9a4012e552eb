/* cache.h - the on-disk cache of compiled artefacts (native object code, pattern databases),
 * keyed by content. $HORNET_CACHE_DIR, else $XDG_CACHE_HOME/hornet, else ~/.cache/hornet;
 * HORNET_CACHE_DIR=off disables it. Every file starts with its full key text, compared on
 * read, so a hash collision cannot load the wrong thing; writes are atomic (temp + rename).
 * Depends on libc only. */
#ifndef HN_CACHE_H
#define HN_CACHE_H
#include <stddef.h>
#include <stdint.h>

/* FNV-1a, for cache file names. */
uint64_t hn_cache_hash(uint64_t h, const void *data, size_t n);
/* The cache directory (created if needed); -1 when the cache is off or unusable. */
int hn_cache_dir(char *out, size_t n);
/* The payload of cache file `name` if it exists and starts with `key` (malloc'd), else NULL. */
char *hn_cache_read(const char *name, const char *key, size_t *len);
/* Writes key + payload to cache file `name`; failures only cost the next start. */
void hn_cache_write(const char *name, const char *key, const void *data, size_t len);
#endif
