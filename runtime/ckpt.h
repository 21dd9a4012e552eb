/* ckpt.h - the encoding of what hornet writes to disk and reads back (checkpoints, cache
 * entries): a writer that checksums what it writes, and a reader over bytes in memory that
 * checks every length and count against what remains, so that a corrupt or truncated file is
 * refused with a reason and never trusted. Host byte order (files record it).
 * Depends on libc, text.h's hash and decode.h's values only. */
#ifndef HN_CKPT_H
#define HN_CKPT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "decode.h"
#include "value.h"

enum { HN_CK_BLOCK = 4096 };

/* A 64-bit checksum of data[0..n), chained from seed, block by block (HN_CK_BLOCK bytes), so a
 * writer computes the same sum as it goes. Detects corruption, not forgery. */
uint64_t hn_ck_sum(uint64_t seed, const void *data, size_t n);

/* A writer to f that sums every byte (sum, from seed) and counts them (n); bad after a failed
 * write. hn_ckw_end flushes what is buffered: then sum and n are final. */
typedef struct hn_ckw {
  FILE *f;
  uint64_t sum, n;
  bool bad;
  size_t used;
  unsigned char buf[HN_CK_BLOCK];
} hn_ckw;

void hn_ckw_init(hn_ckw *w, FILE *f, uint64_t seed);
void hn_ckw_bytes(hn_ckw *w, const void *b, size_t n);
void hn_ckw_u8(hn_ckw *w, uint8_t v);
void hn_ckw_u32(hn_ckw *w, uint32_t v);
void hn_ckw_u64(hn_ckw *w, uint64_t v);
void hn_ckw_i64(hn_ckw *w, int64_t v);
void hn_ckw_f64(hn_ckw *w, double v);
void hn_ckw_str(hn_ckw *w, const char *s); /* NULL is written as a distinct empty string */
void hn_ckw_value(hn_ckw *w, const hn_value *v);
bool hn_ckw_end(hn_ckw *w);

/* A reader over p[0..n), borrowed. The first problem stops it: err names what was being read
 * and err_at where; every later read returns zeros. */
typedef struct hn_ckr {
  const unsigned char *p;
  size_t n, at;
  const char *err;
  size_t err_at;
  bool nomem;       /* the problem was an allocation, not the bytes: HN_ERR_NOMEM, not damage */
} hn_ckr;

void hn_ckr_init(hn_ckr *r, const void *p, size_t n);
/* Records a problem (the first one only); returns false, for `return hn_ckr_fail(...)`. */
bool hn_ckr_fail(hn_ckr *r, const char *what);
/* Records that an allocation failed while reading, as hn_ckr_fail does, and sets nomem. */
bool hn_ckr_nomem(hn_ckr *r);
/* n bytes, borrowed from the buffer; NULL when fewer remain. */
const void *hn_ckr_bytes(hn_ckr *r, size_t n, const char *what);
uint8_t hn_ckr_u8(hn_ckr *r, const char *what);
uint32_t hn_ckr_u32(hn_ckr *r, const char *what);
uint64_t hn_ckr_u64(hn_ckr *r, const char *what);
int64_t hn_ckr_i64(hn_ckr *r, const char *what);
double hn_ckr_f64(hn_ckr *r, const char *what);
bool hn_ckr_bool(hn_ckr *r, const char *what); /* a byte that must be 0 or 1 */
/* A time (ns) within HN_CK_TIME_BOUND of the epoch (the years 1824 to 2116), so that adding a
 * window or a horizon to it cannot overflow; with extremes, INT64_MIN and INT64_MAX (the
 * "not yet" and "end of input" clocks) too. */
#define HN_CK_TIME_BOUND HN_TIME_BOUND
int64_t hn_ckr_time(hn_ckr *r, bool extremes, const char *what);
/* A count of items of at least `each` bytes: refused when they cannot fit in what remains. */
uint32_t hn_ckr_count(hn_ckr *r, size_t each, const char *what);
/* An index that must be below `limit`, or UINT32_MAX ("none") when none_ok. UINT32_MAX on a
 * problem: check r->err before using it. */
uint32_t hn_ckr_index(hn_ckr *r, uint32_t limit, bool none_ok, const char *what);
/* A string written by hn_ckw_str: malloc'd and NUL-terminated, *is_null for a NULL. NULL on
 * a problem (an embedded NUL, too long, out of memory). */
char *hn_ckr_str(hn_ckr *r, bool *is_null, const char *what);
/* A value written by hn_ckw_value; a string points into the buffer (borrowed). */
bool hn_ckr_value(hn_ckr *r, hn_value *v, const char *what);
#endif
