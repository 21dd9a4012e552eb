/* text.c - case folding, substring search and wildcard matching over UTF-8.
 * Depends on libc only. */
#include "text.h"
#include <string.h>

#include "casemap.h"

/* Where a code point goes in a table of ranges (casemap.h); itself when no range moves it. */
static uint32_t case_lookup(const hn_case_range *t, size_t n, uint32_t cp) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (t[mid].last < cp) lo = mid + 1;
    else hi = mid;
  }
  if (lo < n && t[lo].first <= cp && (cp - t[lo].first) % t[lo].step == 0) return (uint32_t)((int32_t)cp + t[lo].delta);
  return cp;
}

/* The well-formed UTF-8 sequence at s (2 to 4 bytes, The Unicode Standard table 3-7), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned c = s[0], lo = 0x80, hi = 0xBF;
  size_t k;
  uint32_t v;
  if (c >= 0xC2 && c <= 0xDF) k = 2, v = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) k = 3, v = c & 0x0F, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) k = 4, v = c & 0x07, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (k > n) return 0;
  for (size_t i = 1; i < k; i++) {
    if (s[i] < lo || s[i] > hi) return 0;
    v = v << 6 | (s[i] & 0x3Fu);
    lo = 0x80;
    hi = 0xBF;
  }
  *cp = v;
  return k;
}

static size_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18);
  o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Each code point of s through table t; ASCII letters move by `ascii` (32 down to lower case,
 * -32 up), in the tight loop that most log text never leaves. */
static size_t case_map(const hn_case_range *t, size_t nt, int ascii, const char *s, size_t n, char *out) {
  size_t i = 0, k = 0;
  unsigned char from = ascii > 0 ? 'A' : 'a';
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      out[k++] = (char)((unsigned)(c - from) < 26u ? c + ascii : c);
      i++;
      continue;
    }
    uint32_t cp;
    size_t len = utf8_len((const unsigned char *)s + i, n - i, &cp);
    if (!len) { /* ill-formed: as it is */
      out[k++] = (char)c;
      i++;
      continue;
    }
    k += put_utf8(out + k, case_lookup(t, nt, cp));
    i += len;
  }
  return k;
}

#define N_RANGES(t) (sizeof(t) / sizeof *(t))

size_t hn_fold(const char *s, size_t n, char *out) { return case_map(hn_fold_ranges, N_RANGES(hn_fold_ranges), 32, s, n, out); }
size_t hn_lower(const char *s, size_t n, char *out) { return case_map(hn_lower_ranges, N_RANGES(hn_lower_ranges), 32, s, n, out); }
size_t hn_upper(const char *s, size_t n, char *out) { return case_map(hn_upper_ranges, N_RANGES(hn_upper_ranges), -32, s, n, out); }

bool hn_contains(const char *hay, size_t hn, const char *needle, size_t nn) {
  if (nn == 0) return true;
  if (nn > hn) return false;
  const char *end = hay + hn - nn;
  for (const char *p = hay; p <= end;) {
    p = memchr(p, needle[0], (size_t)(end - p) + 1);
    if (!p) return false;
    if (memcmp(p, needle, nn) == 0) return true;
    p++;
  }
  return false;
}

static size_t cp_len(const char *s, size_t n) {
  unsigned char c = (unsigned char)s[0];
  size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
  return k <= n ? k : n;
}

/* Iterative wildcard match with one backtrack point (the last `*`): linear for usual patterns. */
bool hn_like(const char *s, size_t sn, const char *pat, size_t pn) {
  size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
  while (si < sn) {
    if (pi < pn) {
      char pc = pat[pi];
      if (pc == '*') {
        star_p = ++pi;
        star_s = si;
        continue;
      }
      if (pc == '?') {
        si += cp_len(s + si, sn - si);
        pi++;
        continue;
      }
      size_t lit = pi, ll = 1;
      if (pc == '\\' && pi + 1 < pn && (pat[pi + 1] == '*' || pat[pi + 1] == '?' || pat[pi + 1] == '\\')) {
        lit = pi + 1;
        ll = 2;
      }
      if (s[si] == pat[lit]) {
        si++;
        pi += ll;
        continue;
      }
    }
    if (star_p == (size_t)-1) return false;
    star_s += cp_len(s + star_s, sn - star_s);
    si = star_s;
    pi = star_p;
  }
  while (pi < pn && pat[pi] == '*') pi++;
  return pi == pn;
}
