/* json.c - the case store's text: a growable buffer, JSON strings, arrays and field values as the
 * JSON Lines writers print them, times in RFC 3339 and durations for people.
 * Depends on the C library only (no runtime internals: a collector links the store with
 * libhornet.so, which exports the public API alone). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* The length of the well-formed UTF-8 sequence at s (1-4), or 0 when it is ill-formed; then
 * *skip is the length of its maximal ill-formed subpart (what a decoder replaces by U+FFFD). */
static int utf8_seq(const unsigned char *s, const unsigned char *end, int *skip) {
  unsigned c = s[0];
  int n = c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
  unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80, hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
  *skip = 1;
  for (int i = 1; i < n; i++) {
    if (s + i >= end || s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF)) return 0;
    *skip = i + 1;
  }
  return n;
}

void hns_buf_json(hns_buf *b, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s, *end = u + n;
  size_t i = 0, run = 0;
  hns_buf_put(b, "\"", 1);
  while (i < n) {
    unsigned c = u[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') { i++; continue; }
    int skip = 1, k = c >= 0x80 ? utf8_seq(u + i, end, &skip) : 1;
    if (c >= 0x80 && k) { i += (size_t)k; continue; }
    hns_buf_put(b, s + run, i - run);
    if (c >= 0x80) hns_buf_puts(b, "\\ufffd");
    else if (c == '"' || c == '\\') hns_buf_printf(b, "\\%c", c);
    else if (c == '\n') hns_buf_puts(b, "\\n");
    else if (c == '\t') hns_buf_puts(b, "\\t");
    else if (c == '\r') hns_buf_puts(b, "\\r");
    else hns_buf_printf(b, "\\u%04x", c);
    i += (size_t)skip;
    run = i;
  }
  hns_buf_put(b, s + run, n - run);
  hns_buf_put(b, "\"", 1);
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

void hns_buf_value(hns_buf *b, const hn_value *v) {
  char t[HNS_TIME_CAP > INET6_ADDRSTRLEN ? HNS_TIME_CAP : INET6_ADDRSTRLEN];
  switch (v->kind) {
  case HN_V_STRING: hns_buf_json(b, v->u.s, v->len); break;
  case HN_V_INT: hns_buf_printf(b, "%" PRId64, v->u.i); break;
  case HN_V_FLOAT: hns_buf_printf(b, "%.17g", v->u.f); break;
  case HN_V_BOOL: hns_buf_puts(b, v->u.i ? "true" : "false"); break;
  case HN_V_TIME: hns_buf_json(b, t, hns_time_format(v->u.i, t)); break;
  case HN_V_IP:
    if (!inet_ntop(v->v6 ? AF_INET6 : AF_INET, v->u.ip, t, sizeof t)) t[0] = 0;
    hns_buf_jstr(b, t);
    break;
  default: hns_buf_puts(b, "null"); break;
  }
}

void hns_buf_fields(hns_buf *b, const hn_field *f, uint32_t n) {
  hns_buf_put(b, "{", 1);
  for (uint32_t i = 0; i < n; i++) {
    if (i) hns_buf_put(b, ",", 1);
    hns_buf_jstr(b, f[i].name);
    hns_buf_put(b, ":", 1);
    if (f[i].n <= 1 && !f[i].array) {
      if (f[i].n) hns_buf_value(b, f[i].values);
      else hns_buf_puts(b, "null");
      continue;
    }
    hns_buf_put(b, "[", 1);
    for (uint32_t k = 0; k < f[i].n; k++) {
      if (k) hns_buf_put(b, ",", 1);
      hns_buf_value(b, &f[i].values[k]);
    }
    hns_buf_put(b, "]", 1);
  }
  hns_buf_put(b, "}", 1);
}

size_t hns_time_format(int64_t ns, char *out) {
  int64_t sec = ns / 1000000000, frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    sec--;
  }
  time_t t = (time_t)sec;
  struct tm tm;
  if (!gmtime_r(&t, &tm)) return (size_t)snprintf(out, HNS_TIME_CAP, "%" PRId64, ns);
  int n = snprintf(out, HNS_TIME_CAP, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                   tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (frac) {
    int digits = 9;
    while (frac % 10 == 0) {
      frac /= 10;
      digits--;
    }
    n += snprintf(out + n, (size_t)(HNS_TIME_CAP - n), ".%0*" PRId64, digits, frac);
  }
  out[n++] = 'Z';
  out[n] = 0;
  return (size_t)n;
}

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

/* Reads n digits at *s into *v: true when they are all digits. */
static bool digits(const char **s, int n, int *v) {
  *v = 0;
  for (int i = 0; i < n; i++, (*s)++) {
    if (**s < '0' || **s > '9') return false;
    *v = *v * 10 + (**s - '0');
  }
  return true;
}

/* The offset "Z", "+hh:mm" or "-hh:mm" at s (none: UTC) in seconds; false when malformed. */
static bool offset_of(const char *s, int64_t *secs) {
  int h, m;
  *secs = 0;
  if (!*s || ((*s == 'Z' || *s == 'z') && !s[1])) return true;
  int sign = *s == '+' ? 1 : *s == '-' ? -1 : 0;
  s++;
  if (!sign || !digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &m) || *s || h > 23 || m > 59) return false;
  *secs = sign * (h * 3600 + m * 60);
  return true;
}

hn_status hns_time_parse(const char *text, int64_t *ns) {
  const char *s = text;
  int y, mo, d, h = 0, mi = 0, sec = 0;
  int64_t frac = 0, off;
  if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' || !digits(&s, 2, &d)) return HN_ERR_SYNTAX;
  if (*s == 'T' || *s == 't' || *s == ' ') {
    s++;
    if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi) || *s++ != ':' || !digits(&s, 2, &sec))
      return HN_ERR_SYNTAX;
    if (*s == '.') {
      int n = 0;
      for (s++; *s >= '0' && *s <= '9'; s++, n++)
        if (n < 9) frac = frac * 10 + (*s - '0');
      if (!n) return HN_ERR_SYNTAX;
      for (; n < 9; n++) frac *= 10;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || !offset_of(s, &off)) return HN_ERR_SYNTAX;
  struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
  time_t t = timegm(&tm);
  if (tm.tm_mday != d) return HN_ERR_SYNTAX; /* February 30th */
  *ns = ((int64_t)t - off) * 1000000000 + frac;
  return HN_OK;
}
