/* util.c - small helpers shared by the compiler: edit distance for "did you mean", durations.
 * Depends on libc only. */
#include <string.h>
#include "hnc.h"

/* Levenshtein distance between a and b, or limit + 1 once it exceeds limit. */
int hnc_edit_distance(const char *a, size_t alen, const char *b, size_t blen, int limit) {
  if (alen > 128 || blen > 128) return limit + 1;
  int diff = (int)alen - (int)blen;
  if (diff > limit || -diff > limit) return limit + 1;
  int row[129];
  for (size_t j = 0; j <= blen; j++) row[j] = (int)j;
  for (size_t i = 1; i <= alen; i++) {
    int prev = row[0], best;
    row[0] = (int)i;
    best = row[0];
    for (size_t j = 1; j <= blen; j++) {
      int cur = row[j];
      int ca = a[i - 1] | 0x20, cb = b[j - 1] | 0x20; /* case differences count less */
      int cost = a[i - 1] == b[j - 1] ? 0 : (ca == cb ? 0 : 1);
      int v = prev + cost;
      if (row[j] + 1 < v) v = row[j] + 1;
      if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
      row[j] = v;
      prev = cur;
      if (v < best) best = v;
    }
    if (best > limit) return limit + 1;
  }
  return row[blen];
}

/* Parses "1h30m", "500ms", "5d"; returns milliseconds. *ok false on overflow or bad text. */
int64_t hnc_parse_duration_ms(const char *s, size_t n, bool *ok) {
  int64_t total = 0, last = INT64_MAX; /* units must strictly decrease: 1h30m, not 30m1h */
  size_t i = 0;
  *ok = n > 0;
  while (i < n && *ok) {
    int64_t v = 0;
    size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      if (v > (INT64_MAX - 9) / 10) { *ok = false; return 0; }
      v = v * 10 + (s[i++] - '0');
    }
    if (i == start) { *ok = false; return 0; }
    int64_t m;
    if (i + 1 < n && s[i] == 'm' && s[i + 1] == 's') { m = 1; i += 2; }
    else if (i < n && s[i] == 's') { m = 1000; i++; }
    else if (i < n && s[i] == 'm') { m = 60000; i++; }
    else if (i < n && s[i] == 'h') { m = 3600000; i++; }
    else if (i < n && s[i] == 'd') { m = 86400000; i++; }
    else if (i < n && s[i] == 'w') { m = 7 * 86400000LL; i++; }
    else { *ok = false; return 0; }
    if (m >= last) { *ok = false; return 0; }
    last = m;
    if (v > (INT64_MAX - total) / m) { *ok = false; return 0; }
    total += v * m;
  }
  return total;
}
