/* oracle.c - the naive reference evaluator of oracle.h: lang/SPEC.md §4-§6 read literally, over
 * the raw JSON line and the checked AST, every predicate recomputed from scratch each time.
 * Depends on the compiler's AST types (hnc.h, pack.h, types.h: data only), PCRE2 (no JIT) and
 * ICU (Unicode case data); nothing from runtime/, so the engines' shared code is not its own. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "oracle.h"
#include <math.h>
#include <pcre2.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include "pack.h"
#include "types.h"

/* ---- an arena: everything of one evaluation is freed at once (also after a longjmp) ------- */
typedef struct oblk {
  struct oblk *next;
  size_t used, cap;
  max_align_t data[];
} oblk;

typedef struct oarena {
  oblk *b;
} oarena;

static void *oa(oarena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (!a->b || a->b->cap - a->b->used < n) {
    size_t cap = n > 65536 ? n : 65536;
    oblk *b = malloc(sizeof *b + cap);
    if (!b) abort(); /* test code: out of memory ends the test */
    b->next = a->b;
    b->used = 0;
    b->cap = cap;
    a->b = b;
  }
  void *p = (char *)a->b->data + a->b->used;
  a->b->used += n;
  return p;
}

static void oa_free(oarena *a) {
  while (a->b) {
    oblk *n = a->b->next;
    free(a->b);
    a->b = n;
  }
}

/* ---- UTF-8 --------------------------------------------------------------------------------- */
/* The code point at s (n bytes available) and its length; an ill-formed sequence gives U+FFFD
 * and the length of its maximal subpart (The Unicode Standard, 3.9, table 3-7). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned c = s[0], lo = 0x80, hi = 0xBF, need;
  uint32_t v;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) need = 1, v = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) need = 2, v = c & 0x0F, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) need = 3, v = c & 0x07, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else {
    *cp = 0xFFFD;
    return 1;
  }
  for (unsigned i = 1; i <= need; i++) {
    if (i >= n || s[i] < lo || s[i] > hi) {
      *cp = 0xFFFD;
      return i;
    }
    v = v << 6 | (s[i] & 0x3Fu);
    lo = 0x80;
    hi = 0xBF;
  }
  *cp = v;
  return need + 1;
}

static char *utf8_put(char *o, uint32_t cp) {
  if (cp < 0x80) {
    *o++ = (char)cp;
  } else if (cp < 0x800) {
    *o++ = (char)(0xC0 | cp >> 6);
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | cp >> 12);
    *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (char)(0xF0 | cp >> 18);
    *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
    *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  return o;
}

/* ---- the JSON reader (RFC 8259) -------------------------------------------------------- */
typedef enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ } jkind;

typedef struct jval {
  jkind k;
  const char *s; /* J_STR: the decoded text; J_NUM: the number as written */
  size_t n;
  size_t nk;     /* J_ARR, J_OBJ: members in document order */
  struct jval **kid;
  const char **key;
  size_t *klen;
} jval;

struct hno_event {
  oarena a;
  jval *root;
};

enum { MAX_DEPTH = 512 }; /* the event's own object counts as 1 */

typedef struct jparse {
  const char *p, *end;
  oarena *a;
  const char *err;
  int depth;
} jparse;

static void jws(jparse *x) {
  while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r')) x->p++;
}

static int hexdig(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Four hex digits at s (before end), or -1. */
static long hex4(const char *s, const char *end) {
  if (end - s < 4) return -1;
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int d = hexdig(s[i]);
    if (d < 0) return -1;
    v = v << 4 | d;
  }
  return v;
}

/* A string; x->p after its opening quote. A lone surrogate escape and an ill-formed byte
 * sequence each become U+FFFD (how the text reaches the rules). */
static const char *jstring(jparse *x, size_t *len) {
  const char *q = x->p;
  while (q < x->end && *q != '"') q += *q == '\\' ? 2 : 1;
  if (q >= x->end) {
    x->err = "unterminated string";
    return NULL;
  }
  char *out = oa(x->a, (size_t)(q - x->p) * 3 + 4), *o = out;
  while (x->p < q) {
    unsigned char c = (unsigned char)*x->p;
    if (c < 0x20) {
      x->err = "control character in a string";
      return NULL;
    }
    if (c != '\\') {
      uint32_t cp;
      size_t k = utf8_next((const unsigned char *)x->p, (size_t)(q - x->p), &cp);
      o = utf8_put(o, cp);
      x->p += k;
      continue;
    }
    char e = x->p[1];
    x->p += 2;
    switch (e) {
    case '"': *o++ = '"'; break;
    case '\\': *o++ = '\\'; break;
    case '/': *o++ = '/'; break;
    case 'b': *o++ = '\b'; break;
    case 'f': *o++ = '\f'; break;
    case 'n': *o++ = '\n'; break;
    case 'r': *o++ = '\r'; break;
    case 't': *o++ = '\t'; break;
    case 'u': {
      long v = hex4(x->p, q);
      if (v < 0) {
        x->err = "bad \\u escape";
        return NULL;
      }
      x->p += 4;
      uint32_t cp = (uint32_t)v;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        long lo = q - x->p >= 6 && x->p[0] == '\\' && x->p[1] == 'u' ? hex4(x->p + 2, q) : -1;
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
          x->p += 6;
        } else {
          cp = 0xFFFD;
        }
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
      }
      o = utf8_put(o, cp);
      break;
    }
    default: x->err = "bad escape"; return NULL;
    }
  }
  x->p = q + 1;
  *o = 0;
  *len = (size_t)(o - out);
  return out;
}

static bool jdigits(jparse *x) {
  const char *s = x->p;
  while (x->p < x->end && *x->p >= '0' && *x->p <= '9') x->p++;
  return x->p > s;
}

static bool jnumber(jparse *x) {
  if (*x->p == '-') x->p++;
  if (x->p < x->end && *x->p == '0') x->p++;
  else if (x->p >= x->end || *x->p < '1' || *x->p > '9' || !jdigits(x)) return false;
  if (x->p < x->end && *x->p == '.') {
    x->p++;
    if (!jdigits(x)) return false;
  }
  if (x->p < x->end && (*x->p == 'e' || *x->p == 'E')) {
    x->p++;
    if (x->p < x->end && (*x->p == '+' || *x->p == '-')) x->p++;
    if (!jdigits(x)) return false;
  }
  return true;
}

static jval *jvalue(jparse *x);

/* Members of an array or object, gathered in a growing buffer then copied to the arena. */
static jval *jcontainer(jparse *x, bool obj) {
  if (++x->depth > MAX_DEPTH) {
    x->err = "nested too deep";
    return NULL;
  }
  x->p++;
  jval *v = oa(x->a, sizeof *v);
  memset(v, 0, sizeof *v);
  v->k = obj ? J_OBJ : J_ARR;
  size_t cap = 8, n = 0;
  jval **kid = malloc(cap * sizeof *kid);
  const char **key = malloc(cap * sizeof *key);
  size_t *klen = malloc(cap * sizeof *klen);
  jws(x);
  bool ok = x->p < x->end;
  if (ok && *x->p == (obj ? '}' : ']')) {
    x->p++;
  } else {
    for (;;) {
      if (n == cap) {
        cap *= 2;
        kid = realloc(kid, cap * sizeof *kid);
        key = realloc(key, cap * sizeof *key);
        klen = realloc(klen, cap * sizeof *klen);
      }
      jws(x);
      if (obj) {
        if (x->p >= x->end || *x->p != '"') { x->err = "expected a key"; ok = false; break; }
        x->p++;
        if (!(key[n] = jstring(x, &klen[n]))) { ok = false; break; }
        jws(x);
        if (x->p >= x->end || *x->p != ':') { x->err = "expected ':'"; ok = false; break; }
        x->p++;
      }
      if (!(kid[n] = jvalue(x))) { ok = false; break; }
      n++;
      jws(x);
      if (x->p < x->end && *x->p == ',') { x->p++; continue; }
      if (x->p < x->end && *x->p == (obj ? '}' : ']')) { x->p++; break; }
      x->err = obj ? "expected ',' or '}'" : "expected ',' or ']'";
      ok = false;
      break;
    }
  }
  if (ok) {
    v->nk = n;
    v->kid = oa(x->a, (n + 1) * sizeof *kid);
    memcpy(v->kid, kid, n * sizeof *kid);
    if (obj) {
      v->key = oa(x->a, (n + 1) * sizeof *key);
      v->klen = oa(x->a, (n + 1) * sizeof *klen);
      memcpy(v->key, key, n * sizeof *key);
      memcpy(v->klen, klen, n * sizeof *klen);
    }
  }
  free(kid);
  free(key);
  free(klen);
  x->depth--;
  if (!ok && !x->err) x->err = "unexpected end";
  return ok ? v : NULL;
}

static jval *jword(jparse *x, const char *w, jkind k) {
  size_t n = strlen(w);
  if ((size_t)(x->end - x->p) < n || memcmp(x->p, w, n) != 0) {
    x->err = "bad literal";
    return NULL;
  }
  x->p += n;
  jval *v = oa(x->a, sizeof *v);
  memset(v, 0, sizeof *v);
  v->k = k;
  return v;
}

static jval *jvalue(jparse *x) {
  jws(x);
  if (x->p >= x->end) {
    x->err = "unexpected end";
    return NULL;
  }
  char c = *x->p;
  if (c == '{' || c == '[') return jcontainer(x, c == '{');
  if (c == 't') return jword(x, "true", J_TRUE);
  if (c == 'f') return jword(x, "false", J_FALSE);
  if (c == 'n') return jword(x, "null", J_NULL);
  jval *v = oa(x->a, sizeof *v);
  memset(v, 0, sizeof *v);
  if (c == '"') {
    x->p++;
    v->k = J_STR;
    v->s = jstring(x, &v->n);
    return v->s ? v : NULL;
  }
  const char *s = x->p;
  if (!jnumber(x)) {
    x->err = "bad value";
    return NULL;
  }
  v->k = J_NUM;
  v->s = s;
  v->n = (size_t)(x->p - s);
  return v;
}

hno_event *hno_event_parse(const char *line, size_t len, char *err, size_t errlen) {
  hno_event *ev = calloc(1, sizeof *ev);
  if (!ev) abort();
  if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) line += 3, len -= 3;
  if (len && line[len - 1] == '\r') len--;
  /* the text is copied so that number spellings outlive the caller's buffer */
  char *copy = oa(&ev->a, len + 1);
  memcpy(copy, line, len);
  copy[len] = 0;
  jparse x = {copy, copy + len, &ev->a, NULL, 0};
  jws(&x);
  jval *root = x.p < x.end && *x.p == '{' ? jvalue(&x) : NULL;
  if (root) jws(&x);
  if (!root || x.p != x.end) {
    snprintf(err, errlen, "malformed event at byte %zu: %s", (size_t)(x.p - copy), x.err ? x.err : "not one JSON object");
    hno_event_free(ev);
    return NULL;
  }
  ev->root = root;
  return ev;
}

void hno_event_free(hno_event *ev) {
  if (!ev) return;
  oa_free(&ev->a);
  free(ev);
}

/* ---- evaluation context: an unsupported construct jumps out with a message ---------------- */
typedef struct octx {
  oarena a;
  const hno_event *ev;
  jmp_buf jb;
  char msg[512];
} octx;

static _Noreturn void unsupported(octx *x, const hnc_node *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = snprintf(x->msg, sizeof x->msg, "oracle: %d:%d: ", n ? n->loc.line : 0, n ? n->loc.col : 0);
  vsnprintf(x->msg + k, sizeof x->msg - (size_t)k, fmt, ap);
  va_end(ap);
  longjmp(x->jb, 1);
}

/* ---- values ------------------------------------------------------------------------------ */
enum { V_STR = 1, V_INT, V_FLOAT, V_BOOL, V_IP, V_CIDR, V_TIME, V_DUR };

typedef struct oval {
  int k;
  int64_t i;       /* V_INT, V_BOOL, V_TIME (ns since the epoch), V_DUR (ns) */
  double f;        /* V_FLOAT */
  const char *s;   /* V_STR */
  size_t n;
  uint8_t ip[16];  /* V_IP, V_CIDR: 4 bytes used when !v6 */
  bool v6;
  int plen;        /* V_CIDR */
} oval;

/* What a path or an expression gives: its state and its values (the any-element list). */
enum { S_ABSENT, S_NULL, S_MISMATCH, S_PRESENT };

typedef struct ovals {
  int state;  /* S_PRESENT with n == 0: an empty array (or one whose elements were all dropped) */
  oval *v;
  size_t n, cap;
} ovals;

static void vpush(octx *x, ovals *l, oval v) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    oval *nv = oa(&x->a, cap * sizeof *nv);
    if (l->n) memcpy(nv, l->v, l->n * sizeof *nv);
    l->v = nv;
    l->cap = cap;
  }
  l->v[l->n++] = v;
  l->state = S_PRESENT;
}

static oval mk(int k) {
  oval v;
  memset(&v, 0, sizeof v);
  v.k = k;
  return v;
}

/* ---- decimal numbers, exactly (int coercion, epochs, durations) ----------------------------- */
typedef struct odec {
  bool neg;
  char dig[48]; /* significant digits, no leading zero; nd == 0 for zero */
  int nd;
  int64_t exp;  /* value = dig * 10^exp */
  bool huge;    /* more digits than dig holds */
} odec;

/* A JSON number text (or digits[.digits]) as an exact decimal. */
static bool dec_parse(const char *s, size_t n, odec *d) {
  memset(d, 0, sizeof *d);
  size_t i = 0;
  if (i < n && s[i] == '-') d->neg = true, i++;
  bool any = false;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    any = true;
    if (d->nd == 0 && s[i] == '0') continue;
    if (d->nd < (int)sizeof d->dig) d->dig[d->nd++] = s[i];
    else d->huge = true, d->exp++;
  }
  if (i < n && s[i] == '.') {
    i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
      any = true;
      if (d->nd == 0 && s[i] == '0') { d->exp--; continue; }
      if (d->nd < (int)sizeof d->dig) d->dig[d->nd++] = s[i], d->exp--;
    }
  }
  if (!any) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i] == '-', i++;
    int64_t e = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
      if (e < 100000) e = e * 10 + (s[i] - '0');
    d->exp += eneg ? -e : e;
  }
  if (d->nd == 0) d->exp = 0, d->huge = false;
  return i == n;
}

/* value * 10^shift truncated toward zero into an int64; false when it does not fit. */
static bool dec_to_int(const odec *d, int64_t shift, bool need_integral, int64_t *out) {
  if (d->nd == 0) {
    *out = 0;
    return true;
  }
  if (d->huge) return false;
  int64_t e = d->exp + shift;
  if (d->nd + e > 20) return false;
  __int128 v = 0;
  int keep = e >= 0 ? d->nd : (int)(d->nd + e);
  for (int i = 0; i < d->nd; i++) {
    if (i < keep) v = v * 10 + (d->dig[i] - '0');
    else if (need_integral && d->dig[i] != '0') return false;
  }
  for (int64_t k = 0; k < e; k++) v *= 10;
  if (d->neg) v = -v;
  if (v > INT64_MAX || v < INT64_MIN) return false;
  *out = (int64_t)v;
  return true;
}

/* ---- literal syntaxes --------------------------------------------------------------------- */
/* -?[0-9]+ in range (an int field's string, §4.4; a string literal for an int, §4.3) */
static bool parse_int(const char *s, size_t n, int64_t *out) {
  size_t i = s && n && s[0] == '-';
  if (i == n) return false;
  for (size_t k = i; k < n; k++)
    if (s[k] < '0' || s[k] > '9') return false;
  odec d;
  return dec_parse(s, n, &d) && dec_to_int(&d, 0, true, out);
}

static bool parse_v4(const char *s, size_t n, uint8_t out[4]) {
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part) {
      if (i >= n || s[i] != '.') return false;
      i++;
    }
    size_t st = i;
    unsigned v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - st < 3) v = v * 10 + (unsigned)(s[i++] - '0');
    if (i == st || v > 255 || (i - st > 1 && s[st] == '0')) return false;
    out[part] = (uint8_t)v;
  }
  return i == n;
}

static bool parse_v6(const char *s, size_t n, uint8_t out[16]) {
  uint16_t g[8];
  int ng = 0, gap = -1;
  size_t i = 0;
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    i = 2;
  } else if (n && s[0] == ':') {
    return false;
  }
  while (i < n) {
    size_t st = i;
    unsigned v = 0;
    while (i < n && hexdig(s[i]) >= 0 && i - st < 5) v = v << 4 | (unsigned)hexdig(s[i++]);
    if (i < n && s[i] == '.') { /* a dotted IPv4 tail: the last two groups */
      uint8_t q[4];
      if (ng > 6 || !parse_v4(s + st, n - st, q)) return false;
      g[ng++] = (uint16_t)(q[0] << 8 | q[1]);
      g[ng++] = (uint16_t)(q[2] << 8 | q[3]);
      i = n;
      break;
    }
    if (i == st || i - st > 4 || ng == 8) return false;
    g[ng++] = (uint16_t)v;
    if (i == n) break;
    if (s[i] != ':') return false;
    i++;
    if (i < n && s[i] == ':') {
      if (gap >= 0) return false;
      gap = ng;
      i++;
      if (i == n) break;
    } else if (i == n) {
      return false; /* a trailing single colon */
    }
  }
  if (gap < 0 && ng != 8) return false;
  if (gap >= 0 && ng > 7) return false;
  memset(out, 0, 16);
  int tail = gap < 0 ? 0 : ng - gap;
  for (int k = 0; k < ng; k++) {
    int at = gap < 0 || k < gap ? k : 8 - tail + (k - gap);
    out[2 * at] = (uint8_t)(g[k] >> 8);
    out[2 * at + 1] = (uint8_t)g[k];
  }
  return true;
}

/* An address (§4.1): IPv4-mapped IPv6 is the IPv4 address; a zone suffix is dropped. *mapped
 * tells that it was written mapped (a network's prefix then counts from the IPv6 text). */
static bool parse_ip_mapped(const char *s, size_t n, oval *v, bool *was_mapped) {
  *v = mk(V_IP);
  *was_mapped = false;
  if (memchr(s, ':', n)) {
    const char *pct = memchr(s, '%', n);
    if (pct) {
      if (pct + 1 == s + n) return false;
      n = (size_t)(pct - s);
    }
    if (!parse_v6(s, n, v->ip)) return false;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (memcmp(v->ip, mapped, 12) == 0) {
      memmove(v->ip, v->ip + 12, 4);
      memset(v->ip + 4, 0, 12);
      *was_mapped = true;
      return true;
    }
    v->v6 = true;
    return true;
  }
  return parse_v4(s, n, v->ip);
}

static bool parse_ip(const char *s, size_t n, oval *v) {
  bool mapped;
  return parse_ip_mapped(s, n, v, &mapped);
}

/* A network: "addr/len" or a bare address (a one-address network); on an IPv4-mapped address
 * the prefix is 96 to 128, counted from the IPv6 text (§4.1). */
static bool parse_cidr(const char *s, size_t n, oval *v) {
  const char *slash = memchr(s, '/', n);
  bool mapped;
  if (!parse_ip_mapped(s, slash ? (size_t)(slash - s) : n, v, &mapped)) return false;
  int max = v->v6 || mapped ? 128 : 32, len = max;
  if (slash) {
    size_t k = (size_t)(slash - s) + 1;
    if (k == n || n - k > 3) return false;
    len = 0;
    for (; k < n; k++) {
      if (s[k] < '0' || s[k] > '9') return false;
      len = len * 10 + (s[k] - '0');
    }
    if (len > max || (mapped && len < 96)) return false;
  }
  if (mapped) len -= 96;
  v->k = V_CIDR;
  v->plen = len;
  return true;
}

static bool ip_in_net(const oval *a, const oval *net) {
  if (a->v6 != net->v6) return false; /* IPv4 is never inside an IPv6 network (§6.9) */
  for (int b = 0; b < net->plen; b++) {
    int byte = b / 8, bit = 7 - b % 8;
    if (((a->ip[byte] >> bit) & 1) != ((net->ip[byte] >> bit) & 1)) return false;
  }
  return true;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

/* A timestamp as §5.6 says: RFC 3339 with T, t or a space, seconds, 1+ fraction digits (past 9
 * truncated), Z, z, ±hh:mm or no offset (UTC); or a date alone (midnight UTC). Second 60 reads
 * as 59.999999999 whatever its fraction. Instants outside int64 nanoseconds are none. */
static bool parse_rfc3339(const char *s, size_t n, int64_t *ns) {
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d))
    return false;
  if (n > 10 && (n < 19 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, &h) || s[13] != ':' ||
                 !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se)))
    return false;
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 || se > 60) return false;
  size_t i = n == 10 ? 10 : 19;
  int64_t frac = 0;
  if (i < n && s[i] == '.') {
    i++;
    size_t st = i;
    int64_t scale = 100000000;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
      if (scale) frac += (s[i] - '0') * scale;
    if (i == st) return false;
  }
  int64_t off = 0;
  if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
    i++;
  } else if (i < n && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (n - i < 6 || !digits(s + i + 1, 2, &oh) || s[i + 3] != ':' || !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
      return false;
    off = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
    i += 6;
  }
  if (i != n) return false;
  if (se == 60) se = 59, frac = 999999999;
  int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
  __int128 t = (__int128)secs * 1000000000 + frac;
  if (t > INT64_MAX || t < INT64_MIN) return false;
  *ns = (int64_t)t;
  return true;
}

/* An epoch (events only, §5.6): seconds below 1e11, milliseconds below 1e14, microseconds
 * below 1e17, else nanoseconds. */
static bool epoch_ns(const odec *d, int64_t *ns) {
  int64_t whole;
  if (!dec_to_int(d, 0, false, &whole)) return false; /* past 2^63 ns in any unit */
  int64_t shift = whole < 100000000000LL ? 9 : whole < 100000000000000LL ? 6 : whole < 100000000000000000LL ? 3 : 0;
  return dec_to_int(d, shift, false, ns);
}

static bool parse_epoch_string(const char *s, size_t n, int64_t *ns) {
  size_t i = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  if (i == 0) return false;
  if (i < n) {
    if (s[i] != '.' || i + 1 == n) return false;
    for (size_t k = i + 1; k < n; k++)
      if (s[k] < '0' || s[k] > '9') return false;
  }
  odec d;
  return dec_parse(s, n, &d) && epoch_ns(&d, ns);
}

/* A duration literal (§2.9): parts with strictly decreasing units, each at most once. */
static bool parse_duration(const char *s, size_t n, int64_t *ns) {
  static const int64_t unit_ns[] = {1000000, 1000000000LL, 60000000000LL, 3600000000000LL, 86400000000000LL,
                                    604800000000000LL};
  size_t i = 0;
  int last = 99;
  __int128 total = 0;
  if (n == 0) return false;
  while (i < n) {
    __int128 v = 0;
    size_t st = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + (s[i++] - '0');
      if (v > INT64_MAX) return false;
    }
    if (i == st || i == n) return false;
    int u;
    if (n - i >= 2 && s[i] == 'm' && s[i + 1] == 's') u = 0, i += 2;
    else if (s[i] == 's') u = 1, i++;
    else if (s[i] == 'm') u = 2, i++;
    else if (s[i] == 'h') u = 3, i++;
    else if (s[i] == 'd') u = 4, i++;
    else if (s[i] == 'w') u = 5, i++;
    else return false;
    if (u >= last) return false;
    last = u;
    total += v * unit_ns[u];
    if (total > INT64_MAX) return false;
  }
  *ns = (int64_t)total;
  return true;
}

/* ---- case: Unicode simple case folding and simple case mapping, from ICU ------------------ */
enum { MAP_FOLD, MAP_LOWER, MAP_UPPER };

static const char *case_map(octx *x, const char *s, size_t n, int how, size_t *out_n) {
  char *out = oa(&x->a, n * 2 + 4), *o = out; /* a code point grows by at most one byte */
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t k = utf8_next((const unsigned char *)s + i, n - i, &cp);
    if (cp == 0xFFFD && !(k == 3 && memcmp(s + i, "\xEF\xBF\xBD", 3) == 0)) { /* not UTF-8: as is */
      memcpy(o, s + i, k);
      o += k;
      i += k;
      continue;
    }
    UChar32 m = how == MAP_FOLD ? u_foldCase((UChar32)cp, U_FOLD_CASE_DEFAULT)
                : how == MAP_LOWER ? u_tolower((UChar32)cp) : u_toupper((UChar32)cp);
    o = utf8_put(o, (uint32_t)m);
    i += k;
  }
  *out_n = (size_t)(o - out);
  return out;
}

/* ---- paths and fields (§5.4-5.5) ------------------------------------------------------------ */
typedef struct oseg {
  const char *s;
  size_t n;
  bool quoted;
} oseg;

enum { MAX_SEGS = 64 };

static size_t split_path(const char *p, size_t n, oseg *sg) {
  size_t ns = 0, i = 0;
  while (i < n && ns < MAX_SEGS) {
    if (p[i] == '`') {
      const char *e = memchr(p + i + 1, '`', n - i - 1);
      size_t end = e ? (size_t)(e - p) : n;
      sg[ns++] = (oseg){p + i + 1, end - i - 1, true};
      i = end + 1;
    } else {
      const char *e = memchr(p + i, '.', n - i);
      size_t end = e ? (size_t)(e - p) : n;
      sg[ns++] = (oseg){p + i, end - i, false};
      i = end;
    }
    if (i < n && p[i] == '.') i++;
  }
  return ns;
}

/* Which segment follows when key k spells segments i..j-1 joined by dots; 0 when it spells
 * none. A backquoted segment's own dots are text: keys split only between segments. */
static size_t key_match(const char *k, size_t kn, const oseg *sg, size_t i, size_t ns) {
  size_t off = 0;
  for (size_t j = i; j < ns; j++) {
    if (j > i) {
      if (off >= kn || k[off] != '.') return 0;
      off++;
    }
    if (kn - off < sg[j].n || memcmp(k + off, sg[j].s, sg[j].n) != 0) return 0;
    off += sg[j].n;
    if (off == kn) return j + 1;
  }
  return 0;
}

typedef struct leaves {
  const jval **v;
  size_t n, cap;
  bool list; /* the value is an array, or the path crossed one */
} leaves;

static void leaf_push(octx *x, leaves *l, const jval *v) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    const jval **nv = oa(&x->a, cap * sizeof *nv);
    if (l->n) memcpy(nv, l->v, l->n * sizeof *nv);
    l->v = nv;
    l->cap = cap;
  }
  l->v[l->n++] = v;
}

/* Nested arrays flattened, null elements dropped. */
static void flatten(octx *x, leaves *l, const jval *v) {
  if (v->k == J_ARR) {
    for (size_t i = 0; i < v->nk; i++) flatten(x, l, v->kid[i]);
  } else if (v->k != J_NULL) {
    leaf_push(x, l, v);
  }
}

/* The values reached from v for segments i..: every element of an array crossed; of an
 * object, the last key (in document order) whose spelling reaches. Whether any was reached. */
static bool walk(octx *x, const jval *v, const oseg *sg, size_t i, size_t ns, leaves *out) {
  if (i == ns) {
    if (v->k == J_ARR) {
      out->list = true;
      flatten(x, out, v);
    } else {
      leaf_push(x, out, v);
    }
    return true;
  }
  if (v->k == J_ARR) {
    bool any = false;
    for (size_t e = 0; e < v->nk; e++)
      if (v->kid[e]->k == J_OBJ || v->kid[e]->k == J_ARR) any |= walk(x, v->kid[e], sg, i, ns, out);
    if (any) out->list = true;
    return any;
  }
  if (v->k != J_OBJ) return false;
  for (size_t m = v->nk; m-- > 0;) {
    size_t j = key_match(v->key[m], v->klen[m], sg, i, ns);
    if (!j) continue;
    leaves tmp = {0};
    if (!walk(x, v->kid[m], sg, j, ns, &tmp)) continue;
    for (size_t k = 0; k < tmp.n; k++) leaf_push(x, out, tmp.v[k]);
    out->list |= tmp.list;
    return true;
  }
  return false;
}

/* One JSON value as the declared type (§4.4); false for a mismatch. */
static bool convert(const jval *j, hnc_tk t, oval *v) {
  switch (t) {
  case TY_STRING:
    *v = mk(V_STR);
    if (j->k == J_STR || j->k == J_NUM) v->s = j->s, v->n = j->n;
    else if (j->k == J_TRUE) v->s = "true", v->n = 4;
    else if (j->k == J_FALSE) v->s = "false", v->n = 5;
    else return false;
    return true;
  case TY_INT: {
    *v = mk(V_INT);
    if (j->k == J_STR) return parse_int(j->s, j->n, &v->i);
    odec d;
    return j->k == J_NUM && dec_parse(j->s, j->n, &d) && dec_to_int(&d, 0, true, &v->i);
  }
  case TY_FLOAT: {
    *v = mk(V_FLOAT);
    if (j->k != J_NUM && j->k != J_STR) return false;
    if (j->k == J_STR) { /* a JSON number text */
      jparse p = {j->s, j->s + j->n, NULL, NULL, 0};
      if (!j->n || !jnumber(&p) || p.p != p.end) return false;
    }
    char buf[512];
    if (j->n >= sizeof buf) return false;
    memcpy(buf, j->s, j->n);
    buf[j->n] = 0;
    v->f = strtod(buf, NULL);
    return isfinite(v->f);
  }
  case TY_BOOL:
    *v = mk(V_BOOL);
    v->i = j->k == J_TRUE;
    return j->k == J_TRUE || j->k == J_FALSE;
  case TY_IP: return j->k == J_STR && parse_ip(j->s, j->n, v);
  case TY_CIDR: return j->k == J_STR && parse_cidr(j->s, j->n, v);
  case TY_TIME: {
    *v = mk(V_TIME);
    odec d;
    if (j->k == J_STR) return parse_rfc3339(j->s, j->n, &v->i) || parse_epoch_string(j->s, j->n, &v->i);
    return j->k == J_NUM && dec_parse(j->s, j->n, &d) && epoch_ns(&d, &v->i);
  }
  case TY_DUR: {
    *v = mk(V_DUR);
    odec d;
    if (j->k == J_STR) return parse_duration(j->s, j->n, &v->i);
    return j->k == J_NUM && dec_parse(j->s, j->n, &d) && dec_to_int(&d, 0, true, &v->i);
  }
  default: return false;
  }
}

static hnc_tk scalar_kind(const hnc_type *t) {
  if (!t) return TY_ERR;
  return t->k == TY_LIST && t->elem ? t->elem->k : t->k;
}

/* A field of the event: absent, null, a scalar mismatch, or its values. */
static ovals field(octx *x, const hnc_node *path) {
  ovals r = {0};
  oseg sg[MAX_SEGS];
  size_t ns = split_path(path->str, path->len, sg);
  if (ns == 0 || ns == MAX_SEGS) unsupported(x, path, "path '%s'", path->str);
  leaves l = {0};
  if (!walk(x, x->ev->root, sg, 0, ns, &l)) return r;
  hnc_tk t = scalar_kind(path->type);
  if (!l.list) { /* one value: null, a mismatch (present for exists only) or the value */
    if (l.v[0]->k == J_NULL) {
      r.state = S_NULL;
      return r;
    }
    oval v;
    if (!convert(l.v[0], t, &v)) {
      r.state = S_MISMATCH;
      return r;
    }
    vpush(x, &r, v);
    return r;
  }
  r.state = S_PRESENT; /* an array exists, even empty; its nulls and mismatches are dropped */
  for (size_t i = 0; i < l.n; i++) {
    oval v;
    if (l.v[i]->k != J_NULL && convert(l.v[i], t, &v)) vpush(x, &r, v);
  }
  return r;
}

/* ---- comparisons ------------------------------------------------------------------------- */
static bool is_number(const oval *v) { return v->k == V_INT || v->k == V_FLOAT; }
static double as_double(const oval *v) { return v->k == V_FLOAT ? v->f : (double)v->i; }

/* a vs b: -1, 0, 1; 2 when they do not compare (different kinds, CIDR order). */
static int order(const oval *a, const oval *b) {
  if (is_number(a) && is_number(b)) {
    if (a->k == V_INT && b->k == V_INT) return a->i < b->i ? -1 : a->i > b->i;
    double x = as_double(a), y = as_double(b);
    return x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;
  }
  if (a->k != b->k) return 2;
  switch (a->k) {
  case V_TIME: case V_DUR: case V_BOOL: return a->i < b->i ? -1 : a->i > b->i;
  case V_STR: { /* code point order is byte order in UTF-8 */
    size_t m = a->n < b->n ? a->n : b->n;
    int c = m ? memcmp(a->s, b->s, m) : 0;
    if (c) return c < 0 ? -1 : 1;
    return a->n < b->n ? -1 : a->n > b->n;
  }
  case V_IP: {
    if (a->v6 != b->v6) return a->v6 ? 1 : -1; /* every IPv4 address below every IPv6 one */
    int c = memcmp(a->ip, b->ip, a->v6 ? 16 : 4);
    return c < 0 ? -1 : c > 0;
  }
  case V_CIDR: { /* equal when network and prefix length are */
    if (a->v6 != b->v6 || a->plen != b->plen) return 2;
    oval an = *a;
    an.k = V_IP;
    return ip_in_net(&an, b) ? 0 : 2;
  }
  default: return 2;
  }
}

static bool str_equal_folded(octx *x, const oval *a, const oval *b) {
  size_t fa, fb;
  const char *sa = case_map(x, a->s, a->n, MAP_FOLD, &fa), *sb = case_map(x, b->s, b->n, MAP_FOLD, &fb);
  return fa == fb && (fa == 0 || memcmp(sa, sb, fa) == 0);
}

static bool pair_holds(octx *x, int op, const oval *a, const oval *b, bool nocase) {
  if (op == HNC_OP_EQ && nocase) return a->k == V_STR && b->k == V_STR && str_equal_folded(x, a, b);
  int c = order(a, b);
  if (c == 2) return false;
  switch (op) {
  case HNC_OP_EQ: return c == 0;
  case HNC_OP_LT: return c < 0;
  case HNC_OP_LE: return c <= 0;
  case HNC_OP_GT: return c > 0;
  case HNC_OP_GE: return c >= 0;
  default: return false;
  }
}

/* ---- expressions ------------------------------------------------------------------------- */
static bool ev_bool(octx *x, const hnc_node *n);
static ovals ev_value(octx *x, const hnc_node *n, const hnc_type *want);

static const hnc_node *unparen(const hnc_node *n) {
  while (n && n->kind == N_PAREN) n = n->a;
  return n;
}

static bool is_macro(const hnc_node *n) { return n->kind == N_PATH && n->sym && n->sym->decl->kind == N_MACRO; }
static bool is_list_name(const hnc_node *n) {
  return n->kind == N_PATH && n->sym && n->sym->decl->kind == N_LISTDECL;
}

static int severity_of(const hnc_node *n) {
  static const char *const names[] = {"info", "low", "medium", "high", "critical"};
  if (n->kind != N_PATH || n->sym || memchr(n->str, '.', n->len) || n->str[0] == '`') return 0;
  for (int i = 0; i < 5; i++)
    if (strlen(names[i]) == n->len && memcmp(names[i], n->str, n->len) == 0) return i + 1;
  return 0;
}

/* A literal as the type it stands for (§4.3): strings parse as ip, cidr, timestamp, duration
 * or int where those are expected. */
static oval literal(octx *x, const hnc_node *n, const hnc_type *want) {
  hnc_tk wk = scalar_kind(want);
  oval v = mk(0);
  switch (n->kind) {
  case N_STRING:
    if (wk == TY_IP) {
      if (!parse_ip(n->str, n->len, &v)) unsupported(x, n, "'%s' as an address", n->str);
    } else if (wk == TY_CIDR) {
      if (!parse_cidr(n->str, n->len, &v)) unsupported(x, n, "'%s' as a network", n->str);
    } else if (wk == TY_TIME) {
      v.k = V_TIME;
      if (!parse_rfc3339(n->str, n->len, &v.i)) unsupported(x, n, "'%s' as a timestamp", n->str);
    } else if (wk == TY_DUR) {
      v.k = V_DUR;
      if (!parse_duration(n->str, n->len, &v.i)) unsupported(x, n, "'%s' as a duration", n->str);
    } else if (wk == TY_INT) {
      v.k = V_INT;
      if (!parse_int(n->str, n->len, &v.i)) unsupported(x, n, "'%s' as an int", n->str);
    } else if (wk == TY_STRING || wk == TY_ERR || wk == TY_NULL) {
      v.k = V_STR;
      v.s = n->str;
      v.n = n->len;
    } else {
      unsupported(x, n, "a string literal where %d is expected", (int)wk);
    }
    return v;
  case N_INT: case N_SIZE: v.k = V_INT; v.i = n->i; return v;
  case N_FLOAT: v.k = V_FLOAT; v.f = n->f; return v;
  case N_DURATION: v.k = V_DUR; v.i = n->i * 1000000; return v; /* written in ms */
  case N_BOOL: v.k = V_BOOL; v.i = n->i != 0; return v;
  case N_NEG: {
    const hnc_node *a = unparen(n->a);
    if (a->kind != N_INT && a->kind != N_FLOAT && a->kind != N_DURATION) break;
    v = literal(x, a, want);
    if (v.k == V_FLOAT) v.f = -v.f;
    else v.i = -v.i;
    return v;
  }
  default: break;
  }
  unsupported(x, n, "literal of kind %s", hnc_kind_name(n->kind));
}

static bool is_literal(const hnc_node *n) {
  n = unparen(n);
  switch (n->kind) {
  case N_STRING: case N_INT: case N_SIZE: case N_FLOAT: case N_DURATION: case N_BOOL: return true;
  case N_NEG: return is_literal(n->a) && unparen(n->a)->kind != N_STRING && unparen(n->a)->kind != N_BOOL;
  default: return false;
  }
}

static ovals one(octx *x, oval v) {
  ovals r = {0};
  vpush(x, &r, v);
  return r;
}

/* §6.13: one pair of operands; false when the result is missing (overflow, division by zero,
 * NaN or infinity, an operation the table does not define). */
static bool arith(int op, const oval *a, const oval *b, oval *out) {
  *out = mk(0);
  bool ai = a->k == V_INT, bi = b->k == V_INT, an = is_number(a), bn = is_number(b);
  if (an && bn) {
    if (ai && bi && op != HNC_OP_DIV) {
      out->k = V_INT;
      switch (op) {
      case HNC_OP_ADD: return !__builtin_add_overflow(a->i, b->i, &out->i);
      case HNC_OP_SUB: return !__builtin_sub_overflow(a->i, b->i, &out->i);
      case HNC_OP_MUL: return !__builtin_mul_overflow(a->i, b->i, &out->i);
      case HNC_OP_MOD:
        if (b->i == 0 || (a->i == INT64_MIN && b->i == -1)) return false;
        out->i = a->i % b->i; /* C's %: the sign of the dividend */
        return true;
      default: return false;
      }
    }
    double p = as_double(a), q = as_double(b), r;
    switch (op) {
    case HNC_OP_ADD: r = p + q; break;
    case HNC_OP_SUB: r = p - q; break;
    case HNC_OP_MUL: r = p * q; break;
    case HNC_OP_DIV: if (q == 0) return false; r = p / q; break;
    default: return false; /* % on floats: not in the table */
    }
    out->k = V_FLOAT;
    out->f = r;
    return isfinite(r);
  }
  int64_t r;
  if (a->k == V_TIME && b->k == V_TIME && op == HNC_OP_SUB) {
    out->k = V_DUR;
    if (__builtin_sub_overflow(a->i, b->i, &r)) return false;
    out->i = r;
    return true;
  }
  if ((a->k == V_TIME && b->k == V_DUR && (op == HNC_OP_ADD || op == HNC_OP_SUB)) ||
      (a->k == V_DUR && b->k == V_TIME && op == HNC_OP_ADD) ||
      (a->k == V_DUR && b->k == V_DUR && (op == HNC_OP_ADD || op == HNC_OP_SUB || op == HNC_OP_MOD))) {
    out->k = a->k == V_TIME || b->k == V_TIME ? V_TIME : V_DUR;
    r = 0;
    if (op == HNC_OP_ADD && __builtin_add_overflow(a->i, b->i, &r)) return false;
    if (op == HNC_OP_SUB && __builtin_sub_overflow(a->i, b->i, &r)) return false;
    if (op == HNC_OP_MOD) {
      if (b->i == 0 || (a->i == INT64_MIN && b->i == -1)) return false;
      r = a->i % b->i;
    }
    out->i = r;
    return true;
  }
  if (a->k == V_DUR && b->k == V_DUR && op == HNC_OP_DIV) {
    if (b->i == 0) return false;
    out->k = V_FLOAT;
    out->f = (double)a->i / (double)b->i;
    return true;
  }
  if ((a->k == V_DUR && bi && (op == HNC_OP_MUL || op == HNC_OP_DIV)) || (ai && b->k == V_DUR && op == HNC_OP_MUL)) {
    out->k = V_DUR;
    int64_t d = a->k == V_DUR ? a->i : b->i, k = a->k == V_DUR ? b->i : a->i;
    if (op == HNC_OP_MUL) return !__builtin_mul_overflow(d, k, &out->i);
    if (k == 0 || (d == INT64_MIN && k == -1)) return false;
    /* rounded to the nanosecond, halves away from zero */
    double q = (double)d / (double)k;
    out->i = (int64_t)llround(q);
    return true;
  }
  return false; /* durations with floats: rounding the spec leaves open */
}

static const char *fn_name(const hnc_node *n) { return n->str ? n->str : ""; }

static int64_t time_part(int64_t ns, const char *f) {
  int64_t s = ns / 1000000000 - (ns % 1000000000 < 0);
  int64_t days = s / 86400 - (s % 86400 < 0), sod = s - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  if (!strcmp(f, "minute")) return sod / 60 % 60;
  if (!strcmp(f, "hour")) return sod / 3600;
  if (!strcmp(f, "day")) return d;
  if (!strcmp(f, "month")) return m;
  if (!strcmp(f, "year")) return y;
  /* ISO 8601 week: the week (Monday first) whose Thursday falls in the year */
  int64_t wd = ((days + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday: Monday = 0 */
  int64_t thu = days - wd + 3, ty;
  unsigned tm, td;
  civil_from_days(thu, &ty, &tm, &td);
  return (thu - days_from_civil(ty, 1, 1)) / 7 + 1;
}

static size_t code_points(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; k++) {
    uint32_t cp;
    i += utf8_next((const unsigned char *)s + i, n - i, &cp);
  }
  return k;
}

static ovals call_value(octx *x, const hnc_node *n) {
  const char *f = fn_name(n);
  const hnc_node *a = n->list;
  ovals r = {0};
  if (!strcmp(f, "lower") || !strcmp(f, "upper")) {
    ovals v = ev_value(x, a, NULL);
    for (size_t i = 0; i < v.n; i++) {
      if (v.v[i].k != V_STR) continue;
      oval o = mk(V_STR);
      o.s = case_map(x, v.v[i].s, v.v[i].n, f[0] == 'l' ? MAP_LOWER : MAP_UPPER, &o.n);
      vpush(x, &r, o);
    }
    if (v.state == S_PRESENT) r.state = S_PRESENT;
    return r;
  }
  if (!strcmp(f, "len")) {
    ovals v = ev_value(x, a, NULL);
    if (a->type && a->type->k == TY_LIST) { /* a list: its number of elements */
      if (v.state == S_PRESENT) {
        oval o = mk(V_INT);
        o.i = (int64_t)v.n;
        vpush(x, &r, o);
      }
      return r;
    }
    for (size_t i = 0; i < v.n; i++) {
      oval o = mk(V_INT);
      o.i = (int64_t)code_points(v.v[i].s, v.v[i].n);
      vpush(x, &r, o);
    }
    return r;
  }
  if (!strcmp(f, "abs")) {
    ovals v = ev_value(x, a, NULL);
    for (size_t i = 0; i < v.n; i++) {
      oval o = v.v[i];
      if (o.k == V_FLOAT) o.f = fabs(o.f);
      else if (o.i == INT64_MIN) continue;
      else if (o.i < 0) o.i = -o.i;
      vpush(x, &r, o);
    }
    return r;
  }
  static const char *const parts[] = {"minute", "hour", "day", "week", "month", "year", NULL};
  for (int p = 0; parts[p]; p++) {
    if (strcmp(f, parts[p])) continue;
    ovals v = ev_value(x, a, NULL);
    for (size_t i = 0; i < v.n; i++) {
      if (v.v[i].k != V_TIME) continue;
      oval o = mk(V_INT);
      o.i = time_part(v.v[i].i, f);
      vpush(x, &r, o);
    }
    return r;
  }
  if ((!strcmp(f, "ip") || !strcmp(f, "cidr")) && a && a->kind == N_STRING) {
    oval v;
    bool ok = f[0] == 'i' ? parse_ip(a->str, a->len, &v) : parse_cidr(a->str, a->len, &v);
    if (!ok) unsupported(x, a, "'%s' in %s()", a->str, f);
    return one(x, v);
  }
  unsupported(x, n, "function %s()", f);
}

static ovals ev_value(octx *x, const hnc_node *n, const hnc_type *want) {
  n = unparen(n);
  if (is_literal(n)) return one(x, literal(x, n, want));
  switch (n->kind) {
  case N_PATH: {
    if (is_macro(n)) return ev_value(x, n->sym->decl->a, want);
    if (n->sym) unsupported(x, n, "list name '%s' as a value", n->str);
    int sev = severity_of(n); /* a severity constant before a field (§6.18) */
    if (sev) {
      oval v = mk(V_INT);
      v.i = sev;
      return one(x, v);
    }
    if (n->len == 3 && !memcmp(n->str, "now", 3)) unsupported(x, n, "now");
    return field(x, n);
  }
  case N_NEG: {
    ovals v = ev_value(x, n->a, want), r = {0};
    for (size_t i = 0; i < v.n; i++) {
      oval o = v.v[i];
      if (o.k == V_FLOAT) o.f = -o.f;
      else if (o.k == V_INT || o.k == V_DUR) {
        if (o.i == INT64_MIN) continue;
        o.i = -o.i;
      } else {
        unsupported(x, n, "negating a value of kind %d", o.k);
      }
      vpush(x, &r, o);
    }
    return r;
  }
  case N_BINARY: {
    if (n->op < HNC_OP_ADD || n->op > HNC_OP_MOD) unsupported(x, n, "'%s' as a value", hnc_op_spelling(n->op));
    ovals a = ev_value(x, n->a, n->b->type), b = ev_value(x, n->b, n->a->type), r = {0};
    for (size_t i = 0; i < a.n; i++)
      for (size_t j = 0; j < b.n; j++) {
        oval o;
        if (arith(n->op, &a.v[i], &b.v[j], &o)) vpush(x, &r, o);
      }
    return r;
  }
  case N_COND: {
    bool c = ev_bool(x, n->a); /* missing is false: the second branch (§6.13) */
    ovals yes = ev_value(x, n->b, want), no = ev_value(x, n->c, want);
    return c ? yes : no;
  }
  case N_CALL: return call_value(x, n);
  default: unsupported(x, n, "%s as a value", hnc_kind_name(n->kind));
  }
}

/* ---- patterns (§6.5, §6.15) ----------------------------------------------------------------- */
typedef struct ostrs {
  const char **s;
  size_t *n;
  size_t count, cap;
} ostrs;

static void spush(octx *x, ostrs *l, const char *s, size_t n) {
  if (l->count == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    const char **ns = oa(&x->a, cap * sizeof *ns);
    size_t *nn = oa(&x->a, cap * sizeof *nn);
    if (l->count) {
      memcpy(ns, l->s, l->count * sizeof *ns);
      memcpy(nn, l->n, l->count * sizeof *nn);
    }
    l->s = ns;
    l->n = nn;
    l->cap = cap;
  }
  l->s[l->count] = s;
  l->n[l->count++] = n;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t base64(const unsigned char *s, size_t n, char *o) {
  size_t k = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    o[k++] = B64[s[i] >> 2];
    o[k++] = B64[(s[i] & 3) << 4 | s[i + 1] >> 4];
    o[k++] = B64[(s[i + 1] & 15) << 2 | s[i + 2] >> 6];
    o[k++] = B64[s[i + 2] & 63];
  }
  if (n - i == 1) {
    o[k++] = B64[s[i] >> 2];
    o[k++] = B64[(s[i] & 3) << 4];
    o[k++] = '=';
    o[k++] = '=';
  } else if (n - i == 2) {
    o[k++] = B64[s[i] >> 2];
    o[k++] = B64[(s[i] & 3) << 4 | s[i + 1] >> 4];
    o[k++] = B64[(s[i + 1] & 15) << 2];
    o[k++] = '=';
  }
  return k;
}

static bool word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Every variant of s with each replaceable dash replaced by one of the five (§6.15). */
static void windash_all(octx *x, const char *s, size_t n, size_t from, char *buf, size_t k, ostrs *out) {
  static const char *const dashes[] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};
  for (size_t i = from; i < n; i++) {
    bool repl = (s[i] == '-' || s[i] == '/') && (i == 0 || !word_byte((unsigned char)s[i - 1])) && i + 1 < n &&
                word_byte((unsigned char)s[i + 1]);
    if (!repl) {
      buf[k++] = s[i];
      continue;
    }
    for (int d = 0; d < 5; d++) {
      size_t dl = strlen(dashes[d]);
      char *b2 = oa(&x->a, n * 3 + 4);
      memcpy(b2, buf, k);
      memcpy(b2 + k, dashes[d], dl);
      windash_all(x, s, n, i + 1, b2, k + dl, out);
    }
    return;
  }
  char *r = oa(&x->a, k + 1);
  memcpy(r, buf, k);
  spush(x, out, r, k);
}

static void transform(octx *x, const hnc_node *n, const ostrs *in, ostrs *out) {
  const char *f = fn_name(n);
  for (size_t i = 0; i < in->count; i++) {
    const char *s = in->s[i];
    size_t len = in->n[i];
    if (!strcmp(f, "base64")) {
      char *o = oa(&x->a, len * 4 / 3 + 8);
      spush(x, out, o, base64((const unsigned char *)s, len, o));
    } else if (!strcmp(f, "base64offset")) {
      /* Sigma's base64offset: s after 0, 1 or 2 bytes, the characters that depend on the
       * unknown neighbours cut: start (0, 2, 3), end by (len + i) % 3: (none, 3, 2) */
      static const size_t start[3] = {0, 2, 3}, cut[3] = {0, 3, 2};
      for (size_t k = 0; k < 3; k++) {
        unsigned char *pre = oa(&x->a, len + 3);
        memset(pre, ' ', k);
        memcpy(pre + k, s, len);
        char *o = oa(&x->a, (len + 3) * 4 / 3 + 8);
        size_t m = base64(pre, len + k, o), e = m - cut[(len + k) % 3];
        if (start[k] < e) spush(x, out, o + start[k], e - start[k]);
        else spush(x, out, "", 0);
      }
    } else if (!strcmp(f, "wide") || !strcmp(f, "utf16le") || !strcmp(f, "utf16be")) {
      bool be = !strcmp(f, "utf16be");
      char *o = oa(&x->a, len * 4 + 4), *p = o;
      for (size_t j = 0; j < len;) {
        uint32_t cp;
        j += utf8_next((const unsigned char *)s + j, len - j, &cp);
        uint32_t u[2] = {cp, 0};
        int nu = 1;
        if (cp >= 0x10000) {
          u[0] = 0xD800 + ((cp - 0x10000) >> 10);
          u[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
          nu = 2;
        }
        for (int q = 0; q < nu; q++) {
          *p++ = (char)(be ? u[q] >> 8 : u[q] & 0xFF);
          *p++ = (char)(be ? u[q] & 0xFF : u[q] >> 8);
        }
      }
      spush(x, out, o, (size_t)(p - o));
    } else if (!strcmp(f, "windash")) {
      windash_all(x, s, len, 0, oa(&x->a, len * 3 + 4), 0, out);
    } else {
      unsupported(x, n, "transform %s()", f);
    }
  }
}

/* The constant strings on the right of a string operator. */
static void patterns(octx *x, const hnc_node *n, ostrs *out) {
  n = unparen(n);
  switch (n->kind) {
  case N_STRING: spush(x, out, n->str, n->len); return;
  case N_LISTLIT:
    for (const hnc_node *e = n->list; e; e = e->next) patterns(x, e, out);
    return;
  case N_PATH:
    if (is_list_name(n)) {
      for (const hnc_node *e = n->sym->decl->list; e; e = e->next) patterns(x, e, out);
      return;
    }
    if (is_macro(n)) {
      patterns(x, n->sym->decl->a, out);
      return;
    }
    unsupported(x, n, "a field on the right of a string operator");
  case N_CALL: {
    ostrs in = {0};
    patterns(x, n->list, &in);
    transform(x, n, &in, out);
    return;
  }
  default: unsupported(x, n, "%s as a pattern", hnc_kind_name(n->kind));
  }
}

/* ---- like (§6.7): code points, `*` any run, `?` one, backslash escapes --------------------- */
enum { L_LIT, L_ANY, L_STAR };

typedef struct ltok {
  int k;
  uint32_t cp;
} ltok;

static size_t to_cps(octx *x, const char *s, size_t n, uint32_t **out) {
  uint32_t *v = oa(&x->a, (n + 1) * sizeof *v);
  size_t k = 0;
  for (size_t i = 0; i < n;) i += utf8_next((const unsigned char *)s + i, n - i, &v[k++]);
  *out = v;
  return k;
}

static bool like(octx *x, const char *s, size_t sn, const char *p, size_t pn) {
  uint32_t *pc, *vc;
  size_t np = to_cps(x, p, pn, &pc), nv = to_cps(x, s, sn, &vc), nt = 0;
  ltok *t = oa(&x->a, (np + 1) * sizeof *t);
  for (size_t i = 0; i < np; i++) {
    if (pc[i] == '*') t[nt++] = (ltok){L_STAR, 0};
    else if (pc[i] == '?') t[nt++] = (ltok){L_ANY, 0};
    else if (pc[i] == '\\' && i + 1 < np && (pc[i + 1] == '*' || pc[i + 1] == '?' || pc[i + 1] == '\\'))
      t[nt++] = (ltok){L_LIT, pc[++i]};
    else t[nt++] = (ltok){L_LIT, pc[i]}; /* a backslash before anything else is itself */
  }
  /* m[j]: tokens 0..i-1 match value code points 0..j-1 */
  bool *m = oa(&x->a, nv + 1), *m2 = oa(&x->a, nv + 1);
  memset(m, 0, nv + 1);
  m[0] = true;
  for (size_t i = 0; i < nt; i++) {
    memset(m2, 0, nv + 1);
    for (size_t j = 0; j <= nv; j++) {
      if (t[i].k == L_STAR) m2[j] = m[j] || (j > 0 && m2[j - 1]);
      else if (j > 0) m2[j] = m[j - 1] && (t[i].k == L_ANY || t[i].cp == vc[j - 1]);
    }
    bool *sw = m;
    m = m2;
    m2 = sw;
  }
  return m[nv];
}

static bool contains_bytes(const char *h, size_t hn, const char *nd, size_t nn) {
  if (nn == 0) return true;
  for (size_t i = 0; i + nn <= hn; i++)
    if (memcmp(h + i, nd, nn) == 0) return true;
  return false;
}

static bool regex_match(octx *x, const hnc_node *at, const char *s, size_t n, const char *re, size_t rn, bool nocase) {
  int err;
  PCRE2_SIZE off;
  pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, rn, PCRE2_UTF | (nocase ? PCRE2_CASELESS : 0), &err, &off, NULL);
  if (!code) unsupported(x, at, "regex that PCRE2 refuses");
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
  int rc = pcre2_match(code, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
  pcre2_match_data_free(md);
  pcre2_code_free(code);
  if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) unsupported(x, at, "PCRE2 error %d while matching", rc);
  return rc >= 0;
}

static bool str_match(octx *x, const hnc_node *n, const char *s, size_t sn, const char *p, size_t pn, bool nocase) {
  if (n->op == HNC_OP_MATCHES) return regex_match(x, n, s, sn, p, pn, nocase);
  if (nocase) {
    s = case_map(x, s, sn, MAP_FOLD, &sn);
    p = case_map(x, p, pn, MAP_FOLD, &pn);
  }
  switch (n->op) {
  case HNC_OP_CONTAINS: return contains_bytes(s, sn, p, pn);
  case HNC_OP_STARTSWITH: return sn >= pn && (pn == 0 || memcmp(s, p, pn) == 0);
  case HNC_OP_ENDSWITH: return sn >= pn && (pn == 0 || memcmp(s + sn - pn, p, pn) == 0);
  case HNC_OP_LIKE: return like(x, s, sn, p, pn);
  default: unsupported(x, n, "string operator %d", n->op);
  }
}

static bool ev_strop(octx *x, const hnc_node *n) {
  ostrs ps = {0};
  patterns(x, n->b, &ps);
  ovals v = ev_value(x, n->a, NULL);
  bool nocase = (n->flags & HNC_F_NOCASE) != 0, all = (n->flags & HNC_F_ALL) != 0;
  bool r = false;
  for (size_t i = 0; i < v.n; i++) { /* per element: some pattern (any) or every pattern (all) */
    if (v.v[i].k != V_STR) continue;
    size_t hits = 0;
    for (size_t k = 0; k < ps.count; k++) hits += str_match(x, n, v.v[i].s, v.v[i].n, ps.s[k], ps.n[k], nocase);
    if (all ? hits == ps.count && ps.count : hits > 0) r = true;
  }
  return r;
}

/* ---- in, has (§6.9, §6.10) ------------------------------------------------------------------ */
static void networks(octx *x, const hnc_node *n, ovals *out) {
  n = unparen(n);
  switch (n->kind) {
  case N_STRING: {
    oval v;
    if (!parse_cidr(n->str, n->len, &v)) unsupported(x, n, "'%s' as a network", n->str);
    vpush(x, out, v);
    return;
  }
  case N_LISTLIT:
    for (const hnc_node *e = n->list; e; e = e->next) networks(x, e, out);
    return;
  case N_CALL: {
    ovals v = call_value(x, n);
    for (size_t i = 0; i < v.n; i++) {
      oval o = v.v[i];
      if (o.k == V_IP) o.k = V_CIDR, o.plen = o.v6 ? 128 : 32;
      vpush(x, out, o);
    }
    return;
  }
  case N_PATH:
    if (is_list_name(n)) {
      for (const hnc_node *e = n->sym->decl->list; e; e = e->next) networks(x, e, out);
      return;
    }
    if (is_macro(n)) {
      networks(x, n->sym->decl->a, out);
      return;
    }
    {
      ovals v = ev_value(x, n, NULL); /* a cidr (or ip) field: its networks */
      for (size_t i = 0; i < v.n; i++) {
        oval o = v.v[i];
        if (o.k == V_IP) o.k = V_CIDR, o.plen = o.v6 ? 128 : 32;
        if (o.k == V_CIDR) vpush(x, out, o);
      }
    }
    return;
  default: unsupported(x, n, "%s as a network", hnc_kind_name(n->kind));
  }
}

static void elements(octx *x, const hnc_node *n, const hnc_type *want, ovals *out) {
  n = unparen(n);
  if (n->kind == N_LISTLIT) {
    for (const hnc_node *e = n->list; e; e = e->next) vpush(x, out, literal(x, e, want));
    return;
  }
  if (is_list_name(n)) {
    for (const hnc_node *e = n->sym->decl->list; e; e = e->next) vpush(x, out, literal(x, e, want));
    return;
  }
  if (is_macro(n)) {
    elements(x, n->sym->decl->a, want, out);
    return;
  }
  unsupported(x, n, "%s after in", hnc_kind_name(n->kind));
}

static bool ev_in(octx *x, const hnc_node *n) {
  const hnc_node *r = unparen(n->b);
  ovals v = ev_value(x, n->a, NULL);
  bool res = false;
  if (r->kind == N_RANGE) {
    oval lo = literal(x, r->a, n->a->type), hi = literal(x, r->b, n->a->type);
    for (size_t i = 0; i < v.n; i++) {
      int a = order(&v.v[i], &lo), b = order(&v.v[i], &hi);
      if (a != 2 && b != 2 && a >= 0 && b <= 0) res = true;
    }
    return res;
  }
  if (scalar_kind(n->a->type) == TY_IP) {
    ovals nets = {0};
    networks(x, r, &nets);
    for (size_t i = 0; i < v.n; i++)
      for (size_t k = 0; k < nets.n; k++)
        if (v.v[i].k == V_IP && ip_in_net(&v.v[i], &nets.v[k])) res = true;
    return res;
  }
  ovals el = {0};
  elements(x, r, n->a->type, &el);
  bool nocase = (n->flags & HNC_F_NOCASE) != 0;
  for (size_t i = 0; i < v.n; i++)
    for (size_t k = 0; k < el.n; k++)
      if (pair_holds(x, HNC_OP_EQ, &v.v[i], &el.v[k], nocase)) res = true;
  return res;
}

/* ---- conditions --------------------------------------------------------------------------- */
static const hnc_node *field_path(octx *x, const hnc_node *n) {
  n = unparen(n);
  if (n->kind != N_PATH || n->sym || severity_of(n)) unsupported(x, n, "null compared with something other than a field");
  return n;
}

static bool ev_compare(octx *x, const hnc_node *n) {
  const hnc_node *a = unparen(n->a), *b = unparen(n->b);
  bool nocase = (n->flags & HNC_F_NOCASE) != 0;
  if (a->kind == N_NULL || b->kind == N_NULL) { /* f == null: missing or null (§4.6) */
    if (nocase || (n->op != HNC_OP_EQ && n->op != HNC_OP_NE)) unsupported(x, n, "null with '%s'", hnc_op_spelling(n->op));
    ovals f = field(x, field_path(x, a->kind == N_NULL ? b : a));
    bool is_null = f.state == S_ABSENT || f.state == S_NULL;
    return n->op == HNC_OP_EQ ? is_null : !is_null;
  }
  ovals va = ev_value(x, a, b->type), vb = ev_value(x, b, a->type);
  int op = n->op == HNC_OP_NE ? HNC_OP_EQ : n->op;
  bool any = false;
  for (size_t i = 0; i < va.n; i++)
    for (size_t j = 0; j < vb.n; j++) any |= pair_holds(x, op, &va.v[i], &vb.v[j], nocase);
  return n->op == HNC_OP_NE ? !any : any; /* != is not == (§4.6) */
}

static bool ev_bool(octx *x, const hnc_node *n) {
  n = unparen(n);
  switch (n->kind) {
  case N_BOOL: return n->i != 0;
  case N_NOT: return !ev_bool(x, n->a);
  case N_BINARY:
    if (n->op == HNC_OP_AND || n->op == HNC_OP_OR) { /* both sides, so an unsupported one is seen */
      bool a = ev_bool(x, n->a), b = ev_bool(x, n->b);
      return n->op == HNC_OP_AND ? a && b : a || b;
    }
    if (n->op >= HNC_OP_EQ && n->op <= HNC_OP_GE) return ev_compare(x, n);
    unsupported(x, n, "'%s' as a condition", hnc_op_spelling(n->op));
  case N_COND: {
    bool c = ev_bool(x, n->a), yes = ev_bool(x, n->b), no = ev_bool(x, n->c);
    return c ? yes : no;
  }
  case N_STROP: return ev_strop(x, n);
  case N_IN: return ev_in(x, n);
  case N_HAS: {
    ovals a = ev_value(x, n->a, NULL), b = ev_value(x, n->b, n->a->type);
    bool any = false;
    for (size_t i = 0; i < a.n; i++)
      for (size_t j = 0; j < b.n; j++) any |= pair_holds(x, HNC_OP_EQ, &a.v[i], &b.v[j], false);
    return any;
  }
  case N_EXISTS: case N_MISSING: {
    ovals f = field(x, field_path(x, n->a));
    bool present = f.state == S_PRESENT || f.state == S_MISMATCH; /* §6.11 */
    return n->kind == N_EXISTS ? present : !present;
  }
  case N_PATH: {
    if (is_macro(n)) return ev_bool(x, n->sym->decl->a);
    ovals v = ev_value(x, n, NULL); /* a bool field: b means b == true */
    bool any = false;
    for (size_t i = 0; i < v.n; i++) any |= v.v[i].k == V_BOOL && v.v[i].i;
    return any;
  }
  default: unsupported(x, n, "%s as a condition", hnc_kind_name(n->kind));
  }
}

/* ---- rules --------------------------------------------------------------------------------- */
typedef struct orule {
  const char *name;
  const hnc_node *decl;
  bool single;
} orule;

struct hno_rules {
  orule *v;
  size_t n;
};

static const hnc_node *item(const hnc_node *decl, int op) {
  for (const hnc_node *it = decl->list; it; it = it->next)
    if (it->kind == N_ITEM && it->op == op) return it;
  return NULL;
}

static bool single_event(const hnc_node *d) {
  if (item(d, HNC_IT_SEQUENCE) || item(d, HNC_IT_HAVING) || item(d, HNC_IT_WINDOW) || item(d, HNC_IT_GROUPBY) ||
      !item(d, HNC_IT_WHERE))
    return false;
  const hnc_node *from = item(d, HNC_IT_FROM);
  for (const hnc_node *nm = from ? from->list : NULL; nm; nm = nm->next)
    if (nm->sym && nm->sym->decl->kind == N_RULE) return false;
  return true;
}

hno_rules *hno_rules_from(const hnc_compiler *c) {
  hno_rules *r = calloc(1, sizeof *r);
  size_t cap = 0;
  for (size_t i = 0; i < c->n_packs; i++) {
    const hnc_pack *p = c->packs[i];
    for (size_t f = 0; f < p->n_files; f++)
      for (const hnc_node *d = p->files[f].root ? p->files[f].root->list : NULL; d; d = d->next) {
        if (d->kind != N_RULE) continue;
        if (r->n == cap) {
          cap = cap ? cap * 2 : 16;
          r->v = realloc(r->v, cap * sizeof *r->v);
        }
        r->v[r->n++] = (orule){d->str, d, single_event(d)};
      }
  }
  return r;
}

void hno_rules_free(hno_rules *r) {
  if (!r) return;
  free(r->v);
  free(r);
}

size_t hno_rules_count(const hno_rules *r) { return r->n; }
const char *hno_rule_name(const hno_rules *r, size_t i) { return r->v[i].name; }
bool hno_rule_single(const hno_rules *r, size_t i) { return r->v[i].single; }

int hno_rule_fires(const hno_rules *r, size_t i, const hno_event *ev, char *err, size_t errlen) {
  octx *x = calloc(1, sizeof *x);
  if (!x) abort();
  x->ev = ev;
  const hnc_node *d = r->v[i].decl;
  volatile int res = -1;
  if (setjmp(x->jb) == 0) {
    if (!r->v[i].single) unsupported(x, d, "rule '%s' is not a single-event rule", d->str);
    /* from log sources: any of them (§10.4); where; no except holds (§10.5) */
    const hnc_node *from = item(d, HNC_IT_FROM);
    bool src = !from || !from->list;
    for (const hnc_node *nm = from ? from->list : NULL; nm; nm = nm->next) {
      if (!nm->sym || nm->sym->decl->kind != N_LOGSOURCE) unsupported(x, nm, "from '%s'", nm->str);
      src |= ev_bool(x, nm->sym->decl->a);
    }
    bool w = ev_bool(x, item(d, HNC_IT_WHERE)->a), ex = false;
    for (const hnc_node *it = d->list; it; it = it->next)
      if (it->kind == N_ITEM && it->op == HNC_IT_EXCEPT && it->a) ex |= ev_bool(x, it->a);
    res = src && w && !ex;
  } else {
    snprintf(err, errlen, "%s", x->msg);
  }
  oa_free(&x->a);
  free(x);
  return res;
}
