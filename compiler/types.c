/* types.c - type instances, names, and the version parser. Addresses and timestamps are
 * read by runtime/value.c, shared with the runtime. Depends on libc only. */
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

/* One constant name per type: no buffer, so two compilers on two threads may name types at once. */
static const char *const list_names[TY_COUNT] = {
  "list<<error>>", "list<null>", "list<bool>", "list<int>", "list<float>", "list<string>", "list<ip>",
  "list<cidr>", "list<timestamp>", "list<duration>", "list<list>", "list<patterns>",
};

const char *hnc_type_name(const hnc_type *t) {
  if (!t) return "?";
  if (t->k != TY_LIST || !t->elem) return names[t->k];
  return list_names[t->elem->k];
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
