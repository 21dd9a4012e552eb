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

/* The room hn_fold, hn_lower and hn_upper need for n bytes: a code point may grow by one byte
 * (U+023A, two bytes, folds to U+2C65, three), never more, and ASCII stays ASCII. */
#define HN_CASE_ROOM(n) ((n) + (n) / 2 + 4)

/* Unicode simple case folding (lang/SPEC.md §6.5: one code point to one code point, no locale)
 * of UTF-8 text into out (room for HN_CASE_ROOM(n) bytes); ill-formed bytes are copied as they
 * are. Returns the folded length, which may differ from n (U+212A KELVIN SIGN folds to k). */
size_t hn_fold(const char *s, size_t n, char *out);
/* Unicode simple lower and upper case mapping (lower(), upper(): §6.14), the same way. */
size_t hn_lower(const char *s, size_t n, char *out);
size_t hn_upper(const char *s, size_t n, char *out);

/* Whether needle occurs in hay. */
bool hn_contains(const char *hay, size_t hn, const char *needle, size_t nn);

/* Whole-value wildcard match (lang/SPEC.md §6.7): `*` any run, `?` one code point, `\*` `\?`
 * `\\` literal, any other backslash literal. Both sides already folded when caseless. */
bool hn_like(const char *s, size_t sn, const char *pat, size_t pn);
#endif
