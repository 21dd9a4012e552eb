/* text.c - case folding, substring search and wildcard matching over UTF-8.
 * Depends on libc only. */
#include "text.h"
#include <string.h>

/* Folds one 2-byte code point (U+0080..U+07FF) to lower case; returns it unchanged otherwise. */
static unsigned fold2(unsigned cp) {
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;          /* Latin-1 */
  if (cp >= 0x100 && cp <= 0x17F) {                                         /* Latin Ext-A */
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) return (cp & 1) ? cp + 1 : cp;
    if (cp == 0x130 || cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F) return cp;
    return (cp & 1) ? cp : cp + 1;
  }
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 0x20;        /* Greek */
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;                        /* Cyrillic */
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  if (cp >= 0x460 && cp <= 0x4FF && !(cp >= 0x482 && cp <= 0x489)) return (cp & 1) ? cp : cp + 1;
  return cp;
}

size_t hn_fold(const char *s, size_t n, char *out) {
  size_t i = 0, k = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      out[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
      i++;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
      unsigned cp = ((c & 0x1Fu) << 6) | ((unsigned char)s[i + 1] & 0x3Fu);
      cp = fold2(cp);
      out[k++] = (char)(0xC0 | (cp >> 6));
      out[k++] = (char)(0x80 | (cp & 0x3F));
      i += 2;
    } else {
      out[k++] = (char)c;
      i++;
    }
  }
  return k;
}

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
