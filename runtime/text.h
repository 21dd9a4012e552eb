/* text.h - string matching for the runtime: case folding, substring, wildcard (like).
 * Depends on libc only. */
#ifndef HN_TEXT_H
#define HN_TEXT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A hash of a byte string for the runtime's tables (rule index, string sets), eight bytes a
 * step: the values hashed per event include command lines and hashes of 64 characters, where
 * a byte-at-a-time hash was the larger part of a probe. Not for anything adversarial. */
static inline uint64_t hn_hash_mix(uint64_t a, uint64_t b) {
  __uint128_t r = (__uint128_t)a * b;
  return (uint64_t)r ^ (uint64_t)(r >> 64);
}
static inline uint64_t hn_hash_bytes(const void *data, size_t n) {
  const unsigned char *s = data;
  uint64_t h = hn_hash_mix(n ^ 0x9E3779B97F4A7C15ull, 0xA0761D6478BD642Full);
  for (; n >= 8; s += 8, n -= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = hn_hash_mix(h ^ w, 0xE7037ED1A0B428DBull);
  }
  if (n) {
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = hn_hash_mix(h ^ w, 0x8EBC6AF09C88C6E3ull);
  }
  return h;
}

/* Simple case folding of UTF-8 text into out (room for n bytes: folding never grows a string
 * here). Folds ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic, the scripts of the logs
 * hornet reads; other code points are kept. Returns the folded length. */
size_t hn_fold(const char *s, size_t n, char *out);

/* Whether needle occurs in hay. */
bool hn_contains(const char *hay, size_t hn, const char *needle, size_t nn);

/* Whole-value wildcard match (lang/SPEC.md §6.7): `*` any run, `?` one code point, `\*` `\?`
 * `\\` literal, any other backslash literal. Both sides already folded when caseless. */
bool hn_like(const char *s, size_t sn, const char *pat, size_t pn);
#endif
