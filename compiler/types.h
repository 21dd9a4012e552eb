/* types.h - the types of hornet expressions and the version parser (addresses and timestamps:
 * runtime/value.h).
 * Units are part of the type: a duration is not an int, a timestamp is not a string. */
#ifndef HNC_TYPES_H
#define HNC_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hnc_tk {
  TY_ERR,      /* an error was reported already: accepted everywhere, so errors don't cascade */
  TY_NULL, TY_BOOL, TY_INT, TY_FLOAT, TY_STRING, TY_IP, TY_CIDR, TY_TIME, TY_DUR,
  TY_LIST,     /* list<elem> */
  TY_PATTERNS, /* what a literal transform yields: alternatives for a string operator */
  TY_COUNT
} hnc_tk;

typedef struct hnc_type {
  hnc_tk k;
  const struct hnc_type *elem; /* TY_LIST */
} hnc_type;

const hnc_type *hnc_type_base(hnc_tk k);
const hnc_type *hnc_type_list(const hnc_type *elem); /* NULL for a list of lists */
/* "string", "list<ip>", ...: a constant string, for messages. */
const char *hnc_type_name(const hnc_type *t);
/* A base type by its name in a schema ("string", "int", ...); NULL when unknown. */
const hnc_type *hnc_type_by_name(const char *s, size_t n);

bool hnc_parse_semver(const char *s, int v[3]);
#endif
