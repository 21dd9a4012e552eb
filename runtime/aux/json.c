/* json.c - a small JSON reader (json.h): recursive descent into a tree, strings unescaped
 * (UTF-16 surrogate pairs joined), depth bounded so a hostile line cannot exhaust the stack.
 * Depends on alloc.h and value.h (UTF-8 output) only. */
#include "json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alloc.h"
#include "value.h"

enum { MAX_DEPTH = 64 };

typedef struct jp {
  const char *s, *end, *p;
  char *err;
  size_t errlen;
  bool failed;
} jp;

static bool fail(jp *j, const char *what) {
  if (!j->failed) snprintf(j->err, j->errlen, "%s", what);
  j->failed = true;
  return false;
}

static void ws(jp *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static int hex4(const char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/* A \u escape at j->p (after the backslash and 'u'), a surrogate pair joined. */
static bool unicode(jp *j, char **o) {
  if (j->end - j->p < 4 || hex4(j->p) < 0) return fail(j, "a \\u escape wants four hex digits");
  uint32_t cp = (uint32_t)hex4(j->p);
  j->p += 4;
  if (cp >= 0xD800 && cp < 0xDC00 && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' && hex4(j->p + 2) >= 0xDC00 &&
      hex4(j->p + 2) < 0xE000) {
    cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)hex4(j->p + 2) - 0xDC00);
    j->p += 6;
  } else if (cp >= 0xD800 && cp < 0xE000) {
    cp = 0xFFFD;
  }
  *o = hn_utf8_put(*o, cp);
  return true;
}

static bool string(jp *j, char **out) {
  const char *q = ++j->p;
  while (q < j->end && *q != '"') q += *q == '\\' ? 2 : 1;
  if (q >= j->end) return fail(j, "a string is not closed");
  char *buf = hn_malloc((size_t)(q - j->p) + 1), *o = buf;
  if (!buf) return fail(j, "out of memory");
  while (*j->p != '"') {
    char c = *j->p++;
    if ((unsigned char)c < 0x20) { hn_free(buf); return fail(j, "a control character in a string"); }
    if (c != '\\') { *o++ = c; continue; }
    c = *j->p++;
    const char *esc = strchr("\"\\/bfnrt", c);
    if (c == 'u') {
      if (!unicode(j, &o)) { hn_free(buf); return false; }
    } else if (esc && c) {
      *o++ = "\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"];
    } else {
      hn_free(buf);
      j->p -= 2; /* at the backslash */
      return fail(j, "an unknown escape in a string");
    }
  }
  j->p++;
  *o = 0;
  *out = buf;
  return true;
}

static bool value(jp *j, jx *v, int depth);

static bool push(jp *j, jx *v, uint32_t *cap, bool keyed) {
  if (v->n < *cap) return true;
  uint32_t c = *cap ? *cap * 2 : 4;
  jx *items = hn_realloc(v->items, c * sizeof *items);
  if (items) v->items = items;
  char **keys = keyed && items ? hn_realloc(v->keys, c * sizeof *keys) : NULL;
  if (keys) v->keys = keys;
  if (!items || (keyed && !keys)) return fail(j, "out of memory");
  *cap = c;
  return true;
}

static bool container(jp *j, jx *v, int depth) {
  bool obj = *j->p == '{';
  char close = obj ? '}' : ']';
  uint32_t cap = 0;
  v->kind = obj ? JX_OBJ : JX_ARR;
  j->p++;
  ws(j);
  if (j->p < j->end && *j->p == close) { j->p++; return true; }
  for (;;) {
    if (!push(j, v, &cap, obj)) return false;
    memset(&v->items[v->n], 0, sizeof *v->items);
    if (obj) {
      ws(j);
      if (j->p >= j->end || *j->p != '"') return fail(j, "an object key must be a string");
      if (!string(j, &v->keys[v->n])) return false;
      ws(j);
      if (j->p >= j->end || *j->p != ':') { hn_free(v->keys[v->n]); return fail(j, "':' expected after a key"); }
      j->p++;
    }
    v->n++;
    if (!value(j, &v->items[v->n - 1], depth + 1)) return false;
    ws(j);
    if (j->p < j->end && *j->p == ',') { j->p++; continue; }
    if (j->p < j->end && *j->p == close) { j->p++; return true; }
    return fail(j, obj ? "',' or '}' expected" : "',' or ']' expected");
  }
}

static bool word(jp *j, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) return fail(j, "a value expected");
  j->p += n;
  return true;
}

static bool number(jp *j, jx *v) {
  char buf[64];
  size_t n = 0;
  while (j->p + n < j->end && n < sizeof buf - 1 && strchr("+-0123456789.eE", j->p[n])) n++;
  memcpy(buf, j->p, n);
  buf[n] = 0;
  char *e = NULL;
  v->kind = JX_NUM;
  v->num = n ? strtod(buf, &e) : 0;
  if (!n || *e) return fail(j, "a malformed number");
  j->p += n;
  return true;
}

static bool value(jp *j, jx *v, int depth) {
  ws(j);
  if (depth > MAX_DEPTH) return fail(j, "nested too deeply");
  if (j->p >= j->end) return fail(j, "a value expected");
  switch (*j->p) {
  case '{': case '[': return container(j, v, depth);
  case '"': v->kind = JX_STR; return string(j, &v->s);
  case 't': v->kind = JX_BOOL; v->b = true; return word(j, "true");
  case 'f': v->kind = JX_BOOL; return word(j, "false");
  case 'n': v->kind = JX_NULL; return word(j, "null");
  default: return number(j, v);
  }
}

size_t jx_parse(const char *text, size_t len, jx *out, char *err, size_t errlen) {
  jp j = {text, text + len, text, err, errlen, false};
  memset(out, 0, sizeof *out);
  bool ok = value(&j, out, 0);
  if (ok) {
    ws(&j);
    if (j.p < j.end) ok = fail(&j, "text after the value");
  }
  if (ok) return 0;
  jx_free(out);
  return (size_t)(j.p - text) + 1;
}

void jx_free(jx *v) {
  if (!v) return;
  hn_free(v->s);
  for (uint32_t i = 0; i < v->n; i++) {
    jx_free(&v->items[i]);
    if (v->keys) hn_free(v->keys[i]);
  }
  hn_free(v->items);
  hn_free(v->keys);
  memset(v, 0, sizeof *v);
}

const jx *jx_get(const jx *v, const char *key) {
  if (!v || v->kind != JX_OBJ) return NULL;
  for (uint32_t i = 0; i < v->n; i++)
    if (strcmp(v->keys[i], key) == 0) return &v->items[i];
  return NULL;
}

const char *jx_str(const jx *v, const char *key) {
  const jx *x = jx_get(v, key);
  return x && x->kind == JX_STR ? x->s : NULL;
}
