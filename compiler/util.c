/* util.c - small helpers shared by the compiler: edit distance for "did you mean", durations.
 * Depends on libc only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hnc.h"

/* strerror into buf: strerror itself may share one buffer between threads. */
const char *hnc_strerror(int err, char *buf, size_t n) {
  if (strerror_r(err, buf, n) != 0) snprintf(buf, n, "error %d", err);
  return buf;
}

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

static bool word_char(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

/* Whether windash() varies s[i]: a '-' or '/' that starts a word after the start or a non-word
 * character (Sigma's \B[-/]\b). The checker counts them, the lowering expands them. */
bool hnc_windash_at(const char *s, size_t n, size_t i) {
  return (s[i] == '-' || s[i] == '/') && (i == 0 || !word_char((unsigned char)s[i - 1])) && i + 1 < n &&
         word_char((unsigned char)s[i + 1]);
}

size_t hnc_windash_count(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += hnc_windash_at(s, n, i);
  return k;
}

/* A pack name is identifiers joined by '.' (§3.1): nothing else may reach the file system
 * through the search path (a backquoted `..` would leave it). */
bool hnc_pack_name_ok(const char *s, size_t n) {
  bool start = true;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (ch == '.' && !start && i + 1 < n) { start = true; continue; }
    bool alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
    if (!alpha && (start || ch < '0' || ch > '9')) return false;
    start = false;
  }
  return n > 0 && !start;
}

/* ---- paths ---------------------------------------------------------------------------------- */
/* path made absolute (from the working directory) with "." and ".." segments and repeated
 * slashes removed, by its text alone (no symbolic link is followed): malloc'd, NULL when out of
 * memory. */
char *hnc_path_normal(const char *path) {
  char *cwd = NULL;
  for (size_t cap = 256; path[0] != '/' && !cwd && cap <= (1u << 20); cap *= 2) { /* any length */
    cwd = malloc(cap);
    if (cwd && !getcwd(cwd, cap)) { free(cwd); cwd = NULL; }
  }
  if (path[0] != '/' && !cwd) return NULL;
  size_t n = (cwd ? strlen(cwd) : 0) + strlen(path) + 2;
  char *in = malloc(n), *out = malloc(n);
  if (!in || !out) { free(in); free(out); free(cwd); return NULL; }
  snprintf(in, n, "%s/%s", cwd ? cwd : "", path);
  free(cwd);
  size_t k = 0;
  for (char *seg = in, *end; *seg; seg = end) {
    while (*seg == '/') seg++;
    end = seg;
    while (*end && *end != '/') end++;
    size_t len = (size_t)(end - seg);
    if (len == 0 || (len == 1 && seg[0] == '.')) continue;
    if (len == 2 && seg[0] == '.' && seg[1] == '.') {
      while (k > 0 && out[k - 1] != '/') k--; /* drop the last segment; the root stays */
      if (k > 0) k--;
      continue;
    }
    out[k++] = '/';
    memcpy(out + k, seg, len);
    k += len;
  }
  if (k == 0) out[k++] = '/';
  out[k] = 0;
  free(in);
  return out;
}

/* Whether normalised path p is dir or below it (dir normalised too). */
bool hnc_path_within(const char *p, const char *dir) {
  size_t n = strlen(dir);
  if (n == 1 && dir[0] == '/') return true;
  return strncmp(p, dir, n) == 0 && (p[n] == '/' || p[n] == 0);
}
