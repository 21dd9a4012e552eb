/* sha256.h - SHA-256 (FIPS 180-4), for what must be identified by content beyond accidents: a
 * KPI's definition (two teams compare numbers) and an imported pack pinned by hornet.lock.
 * Depends on nothing. */
#ifndef HN_SHA256_H
#define HN_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct hn_sha256 {
  uint32_t h[8];
  uint64_t len;          /* bytes hashed so far */
  uint8_t buf[64];
  uint32_t n;            /* bytes waiting in buf */
} hn_sha256;

void hn_sha256_init(hn_sha256 *s);
void hn_sha256_update(hn_sha256 *s, const void *data, size_t n);
void hn_sha256_final(hn_sha256 *s, uint8_t out[32]);
/* "sha256:" and the 64 lowercase hex digits of data's digest, into out (72 bytes, NUL included). */
#define HN_SHA256_TEXT_CAP 72
void hn_sha256_text(const uint8_t digest[32], char out[HN_SHA256_TEXT_CAP]);
#endif
