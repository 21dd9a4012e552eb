/* json.c - the case store's text: a growable buffer, JSON strings, arrays and field values as the
 * JSON Lines writers print them, times in RFC 3339 and durations for people.
 * Depends on the C library only (no runtime internals: a collector links the store with
 * libhornet.so, which exports the public API alone). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static bool grow(hns_buf *b, size_t more) {
  if (b->bad) return false;
  if (b->n + more + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->n + more + 1) cap *= 2;
  char *s = realloc(b->s, cap);
  if (!s) {
    b->bad = true;
    return false;
  }
  b->s = s;
  b->cap = cap;
  return true;
}

void hns_buf_put(hns_buf *b, const char *s, size_t n) {
  if (!grow(b, n)) return;
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = 0;
}

void hns_buf_puts(hns_buf *b, const char *s) { hns_buf_put(b, s, strlen(s)); }

void hns_buf_printf(hns_buf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    hns_buf_put(b, small, (size_t)n);
    return;
  }
  if (!grow(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->n += (size_t)n;
}

void hns_buf_free(hns_buf *b) {
  free(b->s);
  *b = (hns_buf){0};
}

/* What a libhornet writer prints to f, appended to b (through a memory stream): the store writes
 * strings, times and fields exactly as the JSON Lines writers do, with their code. */
static FILE *buf_stream(hns_buf *b, char **p, size_t *n) {
  *p = NULL;
  *n = 0;
  FILE *m = b->bad ? NULL : open_memstream(p, n);
  if (!m) b->bad = true;
  return m;
}

static void buf_take(hns_buf *b, FILE *m, char **p, size_t *n) {
  if (fclose(m) != 0) b->bad = true;
  else hns_buf_put(b, *p, *n);
  free(*p);
}

void hns_buf_json(hns_buf *b, const char *s, size_t n) {
  char *p;
  size_t len;
  FILE *m = buf_stream(b, &p, &len);
  if (!m) return;
  hnx_write_json_string(m, s, n);
  buf_take(b, m, &p, &len);
}

void hns_buf_jstr(hns_buf *b, const char *s) {
  if (s) hns_buf_json(b, s, strlen(s));
  else hns_buf_puts(b, "null");
}

void hns_buf_jarray(hns_buf *b, const char *const *v, uint32_t n) {
  hns_buf_put(b, "[", 1);
  for (uint32_t i = 0; i < n; i++) {
    if (i) hns_buf_put(b, ",", 1);
    hns_buf_jstr(b, v[i]);
  }
  hns_buf_put(b, "]", 1);
}

void hns_buf_fields(hns_buf *b, const hn_field *f, uint32_t n) {
  char *p;
  size_t len;
  FILE *m = buf_stream(b, &p, &len);
  if (!m) return;
  hnx_write_fields(m, f, n);
  buf_take(b, m, &p, &len);
}

size_t hns_time_format(int64_t ns, char *out) { return hnx_time_format(ns, out); }

void hns_duration(int64_t ns, char *out, size_t cap) {
  const char *sign = ns < 0 ? "-" : "";
  uint64_t s = (ns < 0 ? -(uint64_t)ns : (uint64_t)ns) / 1000000000;
  if (s >= 86400) snprintf(out, cap, "%s%" PRIu64 "d%02" PRIu64 "h", sign, s / 86400, s / 3600 % 24);
  else if (s >= 3600) snprintf(out, cap, "%s%" PRIu64 "h%02" PRIu64 "m", sign, s / 3600, s / 60 % 60);
  else if (s >= 60) snprintf(out, cap, "%s%" PRIu64 "m%02" PRIu64 "s", sign, s / 60, s % 60);
  else snprintf(out, cap, "%s%" PRIu64 "s", sign, s);
}

void hns_json(FILE *f, const char *s) {
  hns_buf b = {0};
  hns_buf_jstr(&b, s);
  if (b.s) fwrite(b.s, 1, b.n, f);
  hns_buf_free(&b);
}

void hns_json_time(FILE *f, int64_t ns) {
  char t[HNS_TIME_CAP];
  if (ns == INT64_MIN) fputs("null", f);
  else fprintf(f, "\"%.*s\"", (int)hns_time_format(ns, t), t);
}

hn_status hns_time_parse(const char *text, int64_t *ns) {
  return hnx_time_parse(text, strlen(text), ns) ? HN_OK : HN_ERR_SYNTAX;
}
