/* ckpt.c - checksummed writing and bounds-checked reading of what hornet keeps on disk (see
 * ckpt.h). Depends on libc and text.h's hash only. */
#include "ckpt.h"
#include "alloc.h"
#include <stdlib.h>
#include <string.h>
#include "text.h"

uint64_t hn_ck_sum(uint64_t seed, const void *data, size_t n) {
  const unsigned char *s = data;
  do { /* an empty input still mixes the seed, so the sum of nothing depends on it */
    size_t k = n < HN_CK_BLOCK ? n : HN_CK_BLOCK;
    seed = hn_hash_mix(seed ^ hn_hash_bytes(s, k), 0x9FB21C651E98DF25ull) + k;
    s += k;
    n -= k;
  } while (n);
  return seed;
}

/* ---- writing ----------------------------------------------------------------------------------- */
void hn_ckw_init(hn_ckw *w, FILE *f, uint64_t seed) {
  w->f = f;
  w->sum = seed;
  w->n = 0;
  w->bad = false;
  w->used = 0;
}

/* One full block (or the last, shorter one) to the sum and the file. */
static void flush_block(hn_ckw *w) {
  w->sum = hn_ck_sum(w->sum, w->buf, w->used);
  if (w->used && fwrite(w->buf, 1, w->used, w->f) != w->used) w->bad = true;
  w->used = 0;
}

void hn_ckw_bytes(hn_ckw *w, const void *b, size_t n) {
  const unsigned char *s = b;
  w->n += n;
  while (n) {
    size_t k = HN_CK_BLOCK - w->used < n ? HN_CK_BLOCK - w->used : n;
    memcpy(w->buf + w->used, s, k);
    w->used += k;
    s += k;
    n -= k;
    if (w->used == HN_CK_BLOCK) flush_block(w);
  }
}

void hn_ckw_u8(hn_ckw *w, uint8_t v) { hn_ckw_bytes(w, &v, 1); }
void hn_ckw_u32(hn_ckw *w, uint32_t v) { hn_ckw_bytes(w, &v, 4); }
void hn_ckw_u64(hn_ckw *w, uint64_t v) { hn_ckw_bytes(w, &v, 8); }
void hn_ckw_i64(hn_ckw *w, int64_t v) { hn_ckw_bytes(w, &v, 8); }
void hn_ckw_f64(hn_ckw *w, double v) { hn_ckw_bytes(w, &v, 8); }

void hn_ckw_str(hn_ckw *w, const char *s) {
  if (!s) {
    hn_ckw_u32(w, UINT32_MAX);
    return;
  }
  size_t n = strlen(s);
  hn_ckw_u32(w, (uint32_t)n);
  hn_ckw_bytes(w, s, n);
}

void hn_ckw_value(hn_ckw *w, const hn_value *v) {
  hn_ckw_u8(w, v->kind);
  hn_ckw_u8(w, v->v6);
  hn_ckw_u32(w, v->len);
  if (v->kind == HN_V_STRING) hn_ckw_bytes(w, v->u.s, v->len);
  else if (v->kind == HN_V_IP) hn_ckw_bytes(w, v->u.ip, 16);
  else hn_ckw_u64(w, (uint64_t)v->u.i);
}

bool hn_ckw_end(hn_ckw *w) {
  /* the last block is summed even when empty, as hn_ck_sum does for a whole buffer */
  if (w->used || w->n == 0) flush_block(w);
  return !w->bad;
}

/* ---- reading ------------------------------------------------------------------------------------ */
void hn_ckr_init(hn_ckr *r, const void *p, size_t n) {
  r->p = p;
  r->n = n;
  r->at = 0;
  r->err = NULL;
  r->err_at = 0;
  r->nomem = false;
}

bool hn_ckr_fail(hn_ckr *r, const char *what) {
  if (!r->err) {
    r->err = what;
    r->err_at = r->at;
  }
  return false;
}

bool hn_ckr_nomem(hn_ckr *r) {
  if (!r->err) r->nomem = true;
  return hn_ckr_fail(r, "out of memory");
}

const void *hn_ckr_bytes(hn_ckr *r, size_t n, const char *what) {
  if (r->err) return NULL;
  if (n > r->n - r->at) {
    hn_ckr_fail(r, what);
    return NULL;
  }
  const void *p = r->p + r->at;
  r->at += n;
  return p;
}

/* Copies n bytes to out, or zeros once the reader has failed. */
static void rd(hn_ckr *r, void *out, size_t n, const char *what) {
  const void *p = hn_ckr_bytes(r, n, what);
  if (p) memcpy(out, p, n);
  else memset(out, 0, n);
}

uint8_t hn_ckr_u8(hn_ckr *r, const char *what) { uint8_t v; rd(r, &v, 1, what); return v; }
uint32_t hn_ckr_u32(hn_ckr *r, const char *what) { uint32_t v; rd(r, &v, 4, what); return v; }
uint64_t hn_ckr_u64(hn_ckr *r, const char *what) { uint64_t v; rd(r, &v, 8, what); return v; }
int64_t hn_ckr_i64(hn_ckr *r, const char *what) { int64_t v; rd(r, &v, 8, what); return v; }
double hn_ckr_f64(hn_ckr *r, const char *what) { double v; rd(r, &v, 8, what); return v; }

bool hn_ckr_bool(hn_ckr *r, const char *what) {
  uint8_t v = hn_ckr_u8(r, what);
  if (v > 1) hn_ckr_fail(r, what);
  return v == 1;
}

int64_t hn_ckr_time(hn_ckr *r, bool extremes, const char *what) {
  int64_t t = hn_ckr_i64(r, what);
  if (t >= -HN_CK_TIME_BOUND && t <= HN_CK_TIME_BOUND) return t;
  if (extremes && (t == INT64_MIN || t == INT64_MAX)) return t;
  hn_ckr_fail(r, what);
  return 0;
}

uint32_t hn_ckr_count(hn_ckr *r, size_t each, const char *what) {
  uint32_t n = hn_ckr_u32(r, what);
  if (r->err) return 0;
  if (each && n > (r->n - r->at) / each) {
    hn_ckr_fail(r, what);
    return 0;
  }
  return n;
}

uint32_t hn_ckr_index(hn_ckr *r, uint32_t limit, bool none_ok, const char *what) {
  uint32_t i = hn_ckr_u32(r, what);
  if (r->err) return UINT32_MAX;
  if (i >= limit && !(none_ok && i == UINT32_MAX)) {
    hn_ckr_fail(r, what);
    return UINT32_MAX;
  }
  return i;
}

char *hn_ckr_str(hn_ckr *r, bool *is_null, const char *what) {
  uint32_t n = hn_ckr_u32(r, what);
  *is_null = false;
  if (r->err) return NULL;
  if (n == UINT32_MAX) {
    *is_null = true;
    return NULL;
  }
  const char *s = hn_ckr_bytes(r, n, what);
  if (!s) return NULL;
  if (memchr(s, 0, n)) {
    hn_ckr_fail(r, what);
    return NULL;
  }
  char *d = hn_malloc((size_t)n + 1);
  if (!d) {
    hn_ckr_nomem(r);
    return NULL;
  }
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

bool hn_ckr_value(hn_ckr *r, hn_value *v, const char *what) {
  memset(v, 0, sizeof *v);
  v->kind = hn_ckr_u8(r, what);
  v->v6 = hn_ckr_u8(r, what);
  v->len = hn_ckr_u32(r, what);
  if (r->err) return false;
  if (v->kind < HN_V_NULL || v->kind > HN_V_BAD || v->v6 > 1) {
    v->kind = HN_V_NULL;
    return hn_ckr_fail(r, what);
  }
  if (v->kind == HN_V_STRING) {
    v->u.s = hn_ckr_bytes(r, v->len, what);
    if (!v->u.s) { v->kind = HN_V_NULL; v->len = 0; }
  } else if (v->kind == HN_V_IP) {
    rd(r, v->u.ip, 16, what);
  } else {
    v->u.i = hn_ckr_i64(r, what);
  }
  return !r->err;
}
