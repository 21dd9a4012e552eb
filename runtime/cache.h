/* cache.h - the on-disk cache of compiled artefacts (native object code, pattern databases),
 * keyed by content. $HORNET_CACHE_DIR, else $XDG_CACHE_HOME/hornet, else ~/.cache/hornet;
 * HORNET_CACHE_DIR=off disables it. Every file starts with its full key text, compared on
 * read, so a hash collision cannot load the wrong thing; then the payload's length and a 64-bit
 * checksum, so a damaged entry (a flipped bit, a truncated file) is never loaded: it is removed
 * and the caller builds the artefact again. Writes are atomic (temp file, rename); an entry a
 * crash left half on disk fails its checksum.
 * Depends on libc and ckpt.h's checksum only. */
#ifndef HN_CACHE_H
#define HN_CACHE_H
#include <stddef.h>
#include <stdint.h>

/* FNV-1a, for cache file names. */
uint64_t hn_cache_hash(uint64_t h, const void *data, size_t n);
/* The cache directory (created if needed); -1 when the cache is off or unusable. */
int hn_cache_dir(char *out, size_t n);
/* The payload of cache file `name` if it exists, starts with `key` and is whole (malloc'd),
 * else NULL; a file that is not whole is removed. */
char *hn_cache_read(const char *name, const char *key, size_t *len);
/* Writes key + payload to cache file `name`; failures only cost the next start. */
void hn_cache_write(const char *name, const char *key, const void *data, size_t len);
/* Removes cache file `name`: its payload was read but could not be used. */
void hn_cache_discard(const char *name);
#endif
