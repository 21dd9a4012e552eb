/* value.c - the parsers and printers of value.h: timestamps, addresses, JSON strings, UTF-8.
 * The only place these texts are read or written. Depends on libc only (inet_pton for
 * IPv6 text): no compiler, no LLVM. */
#include "value.h"

#include <arpa/inet.h>
#include <string.h>

#define NS_PER_S 1000000000LL

/* ---- UTF-8 ----------------------------------------------------------------------------- */

size_t hn_utf8_check(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s, *end = u + n;
  size_t i = 0;
  while (i < n) {
    if (u[i] < 0x80) { i++; continue; }
    int k = hn_utf8_seq(u + i, end);
    if (k < 0) return i;
    i += (size_t)k;
  }
  return n;
}

/* ---- timestamps ------------------------------------------------------------------------ */

/* n decimal digits at s into *v. */
static bool digits(const char *s, int n, int *v) {
  *v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    *v = *v * 10 + (s[i] - '0');
  }
  return true;
}

static bool valid_day(int y, int m, int d) {
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return false;
  return !(m == 2 && d == 29) || (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil), and back. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* secs * 10^9 + frac (0 <= frac < 10^9) into *out, or false when it leaves int64. */
static bool to_ns(int64_t secs, int64_t frac, int64_t *out) {
  if (secs < INT64_MIN / NS_PER_S - 1 || secs > INT64_MAX / NS_PER_S) return false;
  if (secs < 0) { /* keep secs * 10^9 in range: borrow one second into the fraction */
    secs++;
    frac -= NS_PER_S;
  }
  int64_t base = secs * NS_PER_S;
  if (frac > 0 ? base > INT64_MAX - frac : base < INT64_MIN - frac) return false;
  *out = base + frac;
  return true;
}

/* ".digits" at s[*i..n): 1 or more digits, those past the ninth truncated. */
static bool fraction(const char *s, size_t n, size_t *i, int64_t *frac) {
  int k = 0;
  for (++*i; *i < n && s[*i] >= '0' && s[*i] <= '9'; ++*i, k++)
    if (k < 9) *frac = *frac * 10 + (s[*i] - '0');
  if (k == 0) return false;
  for (; k < 9; k++) *frac *= 10;
  return true;
}

/* 'Z', 'z' or ±hh:mm at s[*i..n) as seconds east of UTC; nothing means UTC. */
static bool offset(const char *s, size_t n, size_t *i, int64_t *off) {
  if (*i == n) return true;
  if (s[*i] == 'Z' || s[*i] == 'z') {
    ++*i;
    return true;
  }
  if (s[*i] != '+' && s[*i] != '-') return false;
  int oh, om;
  if (n - *i != 6 || !digits(s + *i + 1, 2, &oh) || s[*i + 3] != ':' || !digits(s + *i + 4, 2, &om) ||
      oh > 23 || om > 59)
    return false;
  *off = (s[*i] == '-' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
  *i += 6;
  return true;
}

/* The part after the date, s[0..n): separator, hh:mm:ss, fraction, offset. Seconds since
 * midnight (a leap second is 59 with the fraction 999999999), less the offset. */
static bool time_of_day(const char *s, size_t n, int64_t *secs, int64_t *frac) {
  int h, mi, se;
  if (n < 9 || (s[0] != 'T' && s[0] != 't' && s[0] != ' ') || !digits(s + 1, 2, &h) || s[3] != ':' ||
      !digits(s + 4, 2, &mi) || s[6] != ':' || !digits(s + 7, 2, &se) || h > 23 || mi > 59 || se > 60)
    return false;
  size_t i = 9;
  int64_t off = 0;
  if (i < n && s[i] == '.' && !fraction(s, n, &i, frac)) return false;
  if (!offset(s, n, &i, &off) || i != n) return false;
  if (se == 60) { /* a leap second: after every instant of second 59 */
    se = 59;
    *frac = NS_PER_S - 1;
  }
  *secs = h * 3600 + mi * 60 + se - off;
  return true;
}

/* The text as seconds since the epoch and a fraction, whatever the range. */
static bool time_text(const char *s, size_t n, int64_t *secs, int64_t *frac) {
  int y, mo, d;
  if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
      !digits(s + 8, 2, &d) || !valid_day(y, mo, d))
    return false;
  int64_t sod = 0;
  *frac = 0;
  if (n > 10 && !time_of_day(s + 10, n - 10, &sod, frac)) return false;
  *secs = days_from_civil(y, mo, d) * 86400 + sod;
  return true;
}

bool hn_time_parse(const char *s, size_t n, int64_t *ns) {
  int64_t secs, frac;
  return time_text(s, n, &secs, &frac) && to_ns(secs, frac, ns);
}

bool hn_time_out_of_range(const char *s, size_t n) {
  int64_t secs, frac, ns;
  return time_text(s, n, &secs, &frac) && !to_ns(secs, frac, &ns);
}

/* v as exactly w decimal digits at o. */
static char *put_digits(char *o, int64_t v, int w) {
  for (int i = w - 1; i >= 0; i--, v /= 10) o[i] = (char)('0' + v % 10);
  return o + w;
}

/* sep, then v as exactly w decimal digits. */
static char *put_part(char *o, char sep, int64_t v, int w) {
  *o++ = sep;
  return put_digits(o, v, w);
}

size_t hn_time_format(int64_t ns, char *out) {
  int64_t secs = ns / NS_PER_S, frac = ns % NS_PER_S; /* C divides toward zero: floor it */
  if (frac < 0) { frac += NS_PER_S; secs--; }
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) { sod += 86400; days--; }
  int y, m, d;
  civil_from_days(days, &y, &m, &d);
  char *o = put_digits(out, y, 4);
  o = put_part(o, '-', m, 2);
  o = put_part(o, '-', d, 2);
  o = put_part(o, 'T', sod / 3600, 2);
  o = put_part(o, ':', sod / 60 % 60, 2);
  o = put_part(o, ':', sod % 60, 2);
  if (frac) {
    int w = 9;
    for (; frac % 10 == 0; frac /= 10) w--; /* the shortest exact fraction */
    o = put_part(o, '.', frac, w);
  }
  *o++ = 'Z';
  *o = 0;
  return (size_t)(o - out);
}

/* ---- addresses ------------------------------------------------------------------------- */

/* Dotted-quad IPv4 as inet_pton(AF_INET) reads it (four decimal parts of at most 255, no
 * leading zeros), without a NUL-terminated copy: most addresses in events are IPv4. */
static bool ip4_parse(const char *s, size_t n, uint8_t out[4]) {
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part && (i == n || s[i++] != '.')) return false;
    size_t st = i;
    unsigned v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - st < 3) v = v * 10 + (unsigned)(s[i++] - '0');
    if (i == st || v > 255 || (s[st] == '0' && i - st > 1)) return false;
    out[part] = (uint8_t)v;
  }
  return i == n;
}

/* IPv6 text as inet_pton(AF_INET6) reads it, after a non-empty zone ("%eth0") is dropped. */
static bool ip6_parse(const char *s, size_t n, uint8_t out[16]) {
  char buf[64];
  const char *pct = memchr(s, '%', n);
  if (pct) {
    if (pct + 1 == s + n) return false;
    n = (size_t)(pct - s);
  }
  if (n == 0 || n >= sizeof buf || memchr(s, 0, n)) return false;
  memcpy(buf, s, n);
  buf[n] = 0;
  return inet_pton(AF_INET6, buf, out) == 1;
}

/* hn_ip_parse, also telling whether the text was an IPv4-mapped IPv6 address. */
static bool addr_parse(const char *s, size_t n, uint8_t ip[16], bool *v6, bool *mapped) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  memset(ip, 0, 16);
  *mapped = false;
  if (!memchr(s, ':', n)) {
    *v6 = false;
    return ip4_parse(s, n, ip);
  }
  if (!ip6_parse(s, n, ip)) return false;
  *v6 = memcmp(ip, prefix, 12) != 0;
  if (!*v6) { /* ::ffff:a.b.c.d is a.b.c.d (§4.1) */
    memmove(ip, ip + 12, 4);
    memset(ip + 4, 0, 12);
    *mapped = true;
  }
  return true;
}

bool hn_ip_parse(const char *s, size_t n, uint8_t ip[16], bool *v6) {
  bool mapped;
  return addr_parse(s, n, ip, v6, &mapped);
}

bool hn_cidr_parse(const char *s, size_t n, uint8_t ip[16], bool *v6, unsigned *prefix) {
  const char *slash = memchr(s, '/', n);
  size_t an = slash ? (size_t)(slash - s) : n, pn = slash ? n - an - 1 : 0;
  bool mapped;
  if (!addr_parse(s, an, ip, v6, &mapped)) return false;
  unsigned full = *v6 ? 128 : 32, bits = 0;
  if (!slash) {
    *prefix = full;
    return true;
  }
  if (pn == 0 || pn > 3) return false;
  for (size_t i = 0; i < pn; i++) {
    if (slash[1 + i] < '0' || slash[1 + i] > '9') return false;
    bits = bits * 10 + (unsigned)(slash[1 + i] - '0');
  }
  if (mapped) { /* a prefix of the IPv6 text: the IPv4 network is what is left past 96 bits */
    if (bits < 96 || bits > 128) return false;
    bits -= 96;
  }
  if (bits > full) return false;
  *prefix = bits;
  return true;
}

static char *put_hex(char *o, unsigned v) {
  static const char hex[] = "0123456789abcdef";
  int sh = 12;
  while (sh > 0 && !(v >> sh & 0xF)) sh -= 4;
  for (; sh >= 0; sh -= 4) *o++ = hex[v >> sh & 0xF];
  return o;
}

/* RFC 5952 §4: the longest run of two or more zero groups (the first of equal runs) is "::". */
static char *ip6_format(const uint8_t ip[16], char *o) {
  unsigned w[8];
  int best = -1, best_len = 1;
  for (int i = 0; i < 8; i++) w[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
  for (int i = 0, j; i < 8; i = j + 1) {
    for (j = i; j < 8 && !w[j]; j++) {}
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
  }
  for (int i = 0; i < 8;) {
    if (i == best) {
      *o++ = ':';
      *o++ = ':';
      i += best_len;
      continue;
    }
    if (i > 0 && i != best + best_len) *o++ = ':';
    o = put_hex(o, w[i++]);
  }
  return o;
}

/* v in decimal, without leading zeros. */
static char *put_uint(char *o, unsigned v) {
  int w = v >= 100 ? 3 : v >= 10 ? 2 : 1;
  return put_digits(o, v, w);
}

size_t hn_ip_format(const uint8_t ip[16], bool v6, unsigned prefix, char *out) {
  char *o = out;
  if (v6) {
    o = ip6_format(ip, o);
  } else {
    for (int i = 0; i < 4; i++) {
      if (i) *o++ = '.';
      o = put_uint(o, ip[i]);
    }
  }
  if (prefix < (v6 ? 128u : 32u)) {
    *o++ = '/';
    o = put_uint(o, prefix);
  }
  *o = 0;
  return (size_t)(o - out);
}

/* ---- JSON strings ---------------------------------------------------------------------- */

static void json_escape(FILE *f, unsigned ch) {
  static const char hex[] = "0123456789abcdef";
  switch (ch) {
  case '"': fputs("\\\"", f); break;
  case '\\': fputs("\\\\", f); break;
  case '\b': fputs("\\b", f); break;
  case '\f': fputs("\\f", f); break;
  case '\n': fputs("\\n", f); break;
  case '\r': fputs("\\r", f); break;
  case '\t': fputs("\\t", f); break;
  default: {
    char u[6] = {'\\', 'u', '0', '0', hex[ch >> 4 & 0xF], hex[ch & 0xF]};
    fwrite(u, 1, sizeof u, f);
  }
  }
}

/* Writes runs of plain bytes with one fwrite each: alerts are the runner's main output. */
void hn_json_str(FILE *f, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s, *end = u + n;
  size_t i = 0, run = 0;
  fputc('"', f);
  while (i < n) {
    unsigned ch = u[i];
    if (ch >= 0x20 && ch < 0x80 && ch != '"' && ch != '\\') { i++; continue; }
    int k = ch >= 0x80 ? hn_utf8_seq(u + i, end) : 0;
    if (k > 0) { i += (size_t)k; continue; }
    if (i > run) fwrite(s + run, 1, i - run, f);
    if (k < 0) {
      fputs("\\ufffd", f); /* as a UTF-8 decoder reads the maximal ill-formed subpart */
      i += (size_t)-k;
    } else {
      json_escape(f, ch);
      i++;
    }
    run = i;
  }
  if (n > run) fwrite(s + run, 1, n - run, f);
  fputc('"', f);
}

void hn_json_cstr(FILE *f, const char *s) {
  if (s) hn_json_str(f, s, strlen(s));
  else fputs("null", f);
}

void hn_json_time(FILE *f, int64_t ns) {
  char buf[HN_TIME_TEXT_CAP];
  size_t n = hn_time_format(ns, buf);
  hn_json_str(f, buf, n);
}

void hn_json_ip(FILE *f, const uint8_t ip[16], bool v6, unsigned prefix) {
  char buf[HN_IP_TEXT_CAP];
  size_t n = hn_ip_format(ip, v6, prefix, buf);
  hn_json_str(f, buf, n);
}
