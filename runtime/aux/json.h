/* json.h - a small JSON reader for the auxiliary library: one document into a tree of values
 * (the facts files of `hornet kpi`). Not for events: the decoder reads those, into slots.
 * Must not depend on the engine: only alloc.h. */
#ifndef HN_AUX_JSON_H
#define HN_AUX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum jx_kind { JX_NULL, JX_BOOL, JX_NUM, JX_STR, JX_ARR, JX_OBJ } jx_kind;

typedef struct jx {
  uint8_t kind;                /* jx_kind */
  bool b;
  double num;
  char *s;                     /* JX_STR: NUL-terminated (a \u0000 ends it early) */
  char **keys;                 /* JX_OBJ: n keys */
  struct jx *items;            /* JX_ARR, JX_OBJ: n values */
  uint32_t n;
} jx;

/* Parses text[0..len) as one JSON value (whitespace around it allowed) into *out. 0, or the
 * 1-based column of the error with err filled (out is then empty). Free with jx_free. */
size_t jx_parse(const char *text, size_t len, jx *out, char *err, size_t errlen);
void jx_free(jx *v);
/* The value of key in an object, NULL when absent or v is not an object. */
const jx *jx_get(const jx *v, const char *key);
/* The string of key, NULL when absent, null or not a string. */
const char *jx_str(const jx *v, const char *key);

#endif
