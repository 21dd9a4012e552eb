/* types.c - type instances, names, and parsers for the literals the checker validates
 * (IP, CIDR, timestamps, versions). Depends on libc only. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "types.h"

static const hnc_type bases[TY_COUNT] = {
  {TY_ERR, NULL}, {TY_NULL, NULL}, {TY_BOOL, NULL}, {TY_INT, NULL}, {TY_FLOAT, NULL},
  {TY_STRING, NULL}, {TY_IP, NULL}, {TY_CIDR, NULL}, {TY_TIME, NULL}, {TY_DUR, NULL},
  {TY_LIST, NULL}, {TY_PATTERNS, NULL},
};
static const hnc_type lists[TY_COUNT] = {
  {TY_LIST, &bases[TY_ERR]}, {TY_LIST, &bases[TY_NULL]}, {TY_LIST, &bases[TY_BOOL]},
  {TY_LIST, &bases[TY_INT]}, {TY_LIST, &bases[TY_FLOAT]}, {TY_LIST, &bases[TY_STRING]},
  {TY_LIST, &bases[TY_IP]}, {TY_LIST, &bases[TY_CIDR]}, {TY_LIST, &bases[TY_TIME]},
  {TY_LIST, &bases[TY_DUR]}, {TY_LIST, NULL}, {TY_LIST, NULL},
};

const hnc_type *hnc_type_base(hnc_tk k) { return &bases[k]; }

const hnc_type *hnc_type_list(const hnc_type *elem) {
  if (!elem || elem->k == TY_LIST || elem->k == TY_PATTERNS) return NULL;
  return &lists[elem->k];
}

static const char *const names[TY_COUNT] = {
  "<error>", "null", "bool", "int", "float", "string", "ip", "cidr", "timestamp", "duration",
  "list", "patterns",
};

const char *hnc_type_name(const hnc_type *t) {
  static char buf[4][32];
  static int k;
  if (!t) return "?";
  if (t->k != TY_LIST || !t->elem) return names[t->k];
  char *b = buf[k++ & 3];
  snprintf(b, sizeof buf[0], "list<%s>", names[t->elem->k]);
  return b;
}

const hnc_type *hnc_type_by_name(const char *s, size_t n) {
  static const struct { const char *n; hnc_tk k; } tab[] = {
    {"string", TY_STRING}, {"int", TY_INT}, {"float", TY_FLOAT}, {"bool", TY_BOOL},
    {"ip", TY_IP}, {"cidr", TY_CIDR}, {"timestamp", TY_TIME}, {"duration", TY_DUR},
  };
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
    if (strlen(tab[i].n) == n && memcmp(tab[i].n, s, n) == 0) return &bases[tab[i].k];
  return NULL;
}

bool hnc_parse_ip(const char *s, size_t n, unsigned char out[16], bool *v6) {
  char buf[64];
  if (n == 0 || n >= sizeof buf) return false;
  memcpy(buf, s, n);
  buf[n] = 0;
  if (inet_pton(AF_INET, buf, out) == 1) { *v6 = false; return true; }
  if (inet_pton(AF_INET6, buf, out) == 1) { *v6 = true; return true; }
  return false;
}

/* "10.0.0.0/8", "fd00::/8"; a bare address is a /32 or /128. */
bool hnc_parse_cidr(const char *s, size_t n) {
  const char *slash = memchr(s, '/', n);
  unsigned char a[16];
  bool v6;
  if (!hnc_parse_ip(s, slash ? (size_t)(slash - s) : n, a, &v6)) return false;
  if (!slash) return true;
  const char *p = slash + 1, *e = s + n;
  if (p == e || e - p > 3) return false;
  int bits = 0;
  for (; p < e; p++) {
    if (*p < '0' || *p > '9') return false;
    bits = bits * 10 + (*p - '0');
  }
  return bits <= (v6 ? 128 : 32);
}

static bool digits(const char *s, int n, int *v) {
  *v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    *v = *v * 10 + (s[i] - '0');
  }
  return true;
}

static int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool hnc_parse_timestamp(const char *s, size_t n, int64_t *ns) {
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
      !digits(s + 8, 2, &d))
    return false;
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]) return false;
  if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return false;
  size_t i = 10;
  int64_t frac = 0, off = 0;
  if (i < n) {
    if ((s[i] != 'T' && s[i] != 't' && s[i] != ' ') || n < i + 9) return false;
    if (!digits(s + i + 1, 2, &h) || s[i + 3] != ':' || !digits(s + i + 4, 2, &mi) ||
        s[i + 6] != ':' || !digits(s + i + 7, 2, &se))
      return false;
    if (h > 23 || mi > 59 || se > 60) return false;
    i += 9;
    if (i < n && s[i] == '.') {
      int k = 0;
      for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++)
        if (k < 9) frac = frac * 10 + (s[i] - '0');
      if (k == 0) return false;
      for (; k < 9; k++) frac *= 10;
    }
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
      i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
      int oh, om;
      if (n - i != 6 || !digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
          !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
        return false;
      off = (oh * 60 + om) * 60 * (s[i] == '+' ? 1 : -1);
      i += 6;
    }
    if (i != n) return false;
  }
  int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
  *ns = secs * 1000000000 + frac;
  return true;
}

bool hnc_parse_semver(const char *s, int v[3]) {
  for (int k = 0; k < 3; k++) {
    if (*s < '0' || *s > '9') return false;
    if (*s == '0' && s[1] >= '0' && s[1] <= '9') return false; /* no leading zeros */
    long x = 0;
    while (*s >= '0' && *s <= '9') {
      x = x * 10 + (*s++ - '0');
      if (x > 999999) return false;
    }
    v[k] = (int)x;
    if (k < 2 && *s++ != '.') return false;
  }
  return *s == 0 || *s == '-' || *s == '+';
}
