/* decode.c - the event decoder: validates one JSON object per line and converts only the
 * requested fields, straight into slots. Must not depend on the compiler or LLVM (libc only). */
#include "decode.h"
#include "alloc.h"
#include "value.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* SSE2 is baseline on x86-64: no run-time dispatch. (32-bit x86 lacks the 64-bit moves.) */
#if defined(__SSE2__) && defined(__x86_64__)
#define DEC_SSE2 1
#include <emmintrin.h>
#endif

#define DEC_NONE UINT32_MAX
#if defined(__GNUC__)
#define DEC_INLINE inline __attribute__((always_inline)) /* the hot path's small helpers */
#else
#define DEC_INLINE inline
#endif
#if defined(__GNUC__)
#define DEC_COLD __attribute__((cold, noinline)) /* error paths: out of the hot path's registers */
#define DEC_NOINLINE __attribute__((noinline))
#else
#define DEC_COLD
#define DEC_NOINLINE
#endif
#define DEC_ROOT 0u
#define DEC_NS 1000000000LL

/* ---- data structures ---- */

/* A trie node: one path prefix. Children hang off the decoder's edge hash table; a node with
 * at most DEC_FEW_KIDS children also has copies of its edges side by side in `kids`. */
typedef struct dec_node {
  uint32_t field;  /* first field whose path ends here (more through dec_field.next), or DEC_NONE */
  uint32_t nchild; /* 0: no key below here can matter, so lookups stop at once */
  uint32_t kid0;   /* its edges at kids[kid0 .. kid0 + nchild), if nchild <= DEC_FEW_KIDS */
  uint32_t dotted; /* a child is a backquoted segment holding a dot (dec_dot): keys are read
                    * the slow way here, as no dot inside that segment may end a key */
} dec_node;

/* Most nodes have a handful of children. Comparing a key with each in turn costs branches the
 * predictor learns, where the hash table puts a multiply and a dependent load before every
 * answer, so small nodes are searched in their list and only wide ones through the table. */
#define DEC_FEW_KIDS 8

/* (parent node, segment bytes) -> child node. For a wide node, one open-addressed table for
 * the whole trie beats a child list: a lookup is one hash of the segment and usually one
 * probe, and the segment's first 16 bytes sit in the entry, so most keys compare without
 * memcmp. */
typedef struct dec_edge {
  uint64_t w0, w1;        /* segment bytes 0-7 and 8-15, little-endian, zero-padded */
  uint32_t parent, child; /* child == 0 marks an empty entry: the root is nobody's child */
  uint32_t off, len;      /* segment bytes at segs + off */
} dec_edge;

/* A backquoted segment holding dots (`id.orig_h`): one key, never split (lang/SPEC.md §5.4).
 * Its edge is also in the table, under its whole text, where no lookup finds it (lookups stop
 * at dots); key readers look here first at a node whose `dotted` is set. Rare: a list. */
typedef struct dec_dot {
  uint32_t parent, child;
  uint32_t off, len; /* segment bytes at segs + off */
} dec_dot;

typedef struct dec_field {
  hn_ftype type;
  uint32_t next;    /* next field at the same node, or DEC_NONE */
  uint32_t depth;   /* segments in the path: bounds the object levels an assignment crosses */
  uint32_t lvl_off; /* this field's hn_dec_level entries in the event */
} dec_field;

struct hn_decoder {
  dec_node *nodes;
  size_t n_nodes, cap_nodes;
  dec_edge *edges;
  size_t edge_mask;
  dec_edge *kids; /* the edges of small nodes, grouped by parent (dec_node.kid0) */
  size_t n_kids;
  char *segs;
  size_t segs_len;
  dec_dot *dots;
  size_t n_dots, cap_dots;
  dec_field *fields;
  size_t n_fields, n_levels;
  uint32_t anystr; /* the first HN_FT_ANYSTR field (more through dec_field.next), or DEC_NONE */
  locale_t c_locale; /* strtod must read '.' whatever the embedding program's locale */
  hn_decode_alloc_fn alloc;
  void *ud;
};

/* Value i in document order, which emit() builds in place as ev->values[i]: `prev` chains
 * the values of one field backwards, so dropping a field's latest values (a later spelling
 * wins) is popping its chain. `v` holds a copy only while relayout() reorders the values. */
struct hn_dec_rec {
  hn_value v;
  uint32_t prev;
};

/* Per field, per event: the chain head and count, and how many object levels its last
 * assignment crossed (its hn_dec_level entries). Valid only when gen is the event's: fields an
 * event never reaches cost nothing, however many the rules reference. */
struct hn_dec_fstate {
  uint32_t head, count, m, flags, gen;
};

/* Where a field's last assignment came from at one object level: which object, which of its
 * keys, and the field's value count when that object first contributed. Comparing these with
 * the open objects tells "another element of the same array" (append) from "a later key of the
 * same object" (replace that object's contribution) from "another object in an array"
 * (append). */
struct hn_dec_level {
  uint32_t obj, key, base;
};

/* An open container on the matched path: the trie node its members are matched against. */
struct hn_dec_frame {
  uint32_t node;
  uint32_t is_arr;
};

/* An open object on the matched path: its id and the id of the key being read. */
struct hn_dec_olevel {
  uint32_t obj, key;
};

typedef struct hn_dec_rec dec_rec;
typedef struct hn_dec_fstate dec_fstate;
typedef struct hn_dec_level dec_level;
typedef struct hn_dec_frame dec_frame;
typedef struct hn_dec_olevel dec_olevel;

/* State of one hn_decode call. */
typedef struct dcx {
  const hn_decoder *d;
  hn_event *ev;
  const char *end;
  uint32_t narr; /* arrays open on the matched path: nulls inside them are dropped */
  uint32_t m;    /* objects open on the matched path (ev->ostack) */
  uint32_t nval; /* values the fields hold now; fewer than built means some were replaced */
  int moved;     /* a value was built out of the final order (finish() must reorder) */
  int scratch;   /* a value is a string in scratch, held by offset until finish() */
  const char *err_at;
  const char *err_msg;
  int nomem;
} dcx;

/* A scalar JSON value about to be converted. */
enum { J_STRING, J_NUMBER, J_TRUE, J_FALSE, J_NULL };
typedef struct dec_scalar {
  int jt;
  const char *text; /* the token in the line (numbers, literals) or the string's bytes */
  size_t len;
  int64_t soff;     /* >= 0: the string's bytes are in scratch at this offset */
} dec_scalar;

DEC_COLD static const char *fail(dcx *cx, const char *at, const char *msg) {
  if (!cx->err_msg) {
    cx->err_at = at;
    cx->err_msg = msg;
  }
  return NULL;
}

DEC_COLD static const char *nomem(dcx *cx) {
  cx->nomem = 1;
  return fail(cx, cx->end, "out of memory");
}

/* ---- memory ---- */

static void *default_alloc(void *ud, void *ptr, size_t old_size, size_t new_size) {
  (void)ud;
  (void)old_size;
  if (new_size == 0) {
    hn_free(ptr);
    return NULL;
  }
  return hn_realloc(ptr, new_size);
}

/* Grows *buf (of *cap elements of `elem` bytes) to hold `need`, doubling. 0 when out of
 * memory, the buffer then unchanged. */
static int grow(hn_decode_alloc_fn a, void *ud, void **buf, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 1;
  size_t nc = *cap ? *cap : 16;
  while (nc < need) {
    if (nc > SIZE_MAX / 2 / elem) return 0;
    nc *= 2;
  }
  void *nb = a(ud, *buf, *cap * elem, nc * elem);
  if (!nb) return 0;
  *buf = nb;
  *cap = nc;
  return 1;
}

static void *xalloc(hn_decode_alloc_fn a, void *ud, size_t n, size_t elem) {
  if (n == 0) n = 1;
  if (n > SIZE_MAX / elem) return NULL;
  void *p = a(ud, NULL, 0, n * elem);
  if (p) memset(p, 0, n * elem);
  return p;
}

static void xfree(hn_decode_alloc_fn a, void *ud, void *p, size_t n, size_t elem) {
  if (p) a(ud, p, (n ? n : 1) * elem, 0);
}

/* ---- byte classes ---- */

enum { C_STR = 1, C_HI = 2, C_DOT = 4 };
/* C_STR: ends a plain run in a string ('"', '\\', control); C_HI: non-ASCII; C_DOT: '.' */
#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const uint8_t cls[256] = {
  R16(C_STR), R16(C_STR),                                    /* 0x00-0x1f */
  0, 0, C_STR, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, C_DOT, 0,    /* 0x20-0x2f: '"' '.' */
  R16(0), R16(0),                                            /* 0x30-0x4f */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, C_STR, 0, 0, 0,        /* 0x50-0x5f: '\\' */
  R16(0), R16(0),                                            /* 0x60-0x7f */
  R16(C_HI), R16(C_HI), R16(C_HI), R16(C_HI), R16(C_HI), R16(C_HI), R16(C_HI), R16(C_HI),
};

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Word-at-a-time test: the high bit of each byte of the result is set for the bytes of x
 * whose class is in `mask`. A byte equals c < 0x80 when (b ^ c) - 1 borrows into bit 7 while
 * b's own bit 7 is clear, and is below 0x20 when b - 0x20 does: all tests share that last
 * "& ~x". Bits above the first flagged byte may be spurious (borrows), but the lowest set bit
 * is always exact, which is all scan() uses. */
static inline uint64_t word_special(uint64_t x, unsigned mask) {
  uint64_t t = ((x ^ ONES * '"') - ONES) | ((x ^ ONES * '\\') - ONES) | (x - ONES * 0x20);
  if (mask & C_DOT) t |= (x ^ ONES * '.') - ONES;
  t &= ~x;
  if (mask & C_HI) t |= x;
  return t & HIGHS;
}

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DEC_LE 1
#endif

/* First byte in [p, end) whose class is in `mask`, or end: the portable scanner, and the
 * SSE2 one's tail. 8 bytes per step, and on little-endian machines the stop position comes
 * from the lowest flagged bit without a byte loop. */
static DEC_INLINE const char *scan_word(const char *p, const char *end, unsigned mask) {
  while (end - p >= 8) {
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t t = word_special(x, mask);
#ifdef DEC_LE
    if (t) return p + (__builtin_ctzll(t) >> 3);
#else
    if (t) break;
#endif
    p += 8;
  }
  for (; p < end; p++)
    if (cls[(uint8_t)*p] & mask) return p;
  return end;
}

#ifdef DEC_SSE2
/* As scan_word, 16 bytes per step. Strings are most of a line's bytes, so this loop is the
 * decoder's inner loop; a whole short string (most keys and values) is one step. The signed
 * "< 0x20" flags control and non-ASCII bytes in one compare; without C_HI the control test
 * must be unsigned (min_epu8). Fewer than 16 bytes left: never read past end. */
static DEC_INLINE const char *scan(const char *p, const char *end, unsigned mask) {
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i t = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    if (mask & C_HI) t = _mm_or_si128(t, _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
    else t = _mm_or_si128(t, _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v));
    if (mask & C_DOT) t = _mm_or_si128(t, _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
    unsigned m = (unsigned)_mm_movemask_epi8(t);
    if (m) return p + __builtin_ctz(m);
    p += 16;
  }
  return scan_word(p, end, mask);
}
#else
#define scan scan_word
#endif

/* Most lines have no whitespace between tokens: one comparison settles the usual case. */
static DEC_INLINE const char *skip_ws(const char *p, const char *end) {
  while (p < end && (unsigned char)*p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  return p;
}

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* ---- JSON tokens (validation) ---- */

/* Checks the escape at p (a backslash); returns the byte after it. */
static const char *check_escape(dcx *cx, const char *p) {
  const char *end = cx->end;
  if (end - p < 2) return fail(cx, end, "unterminated string");
  switch (p[1]) {
  case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
    return p + 2;
  case 'u':
    for (int i = 2; i < 6; i++) {
      if (p + i >= end) return fail(cx, end, "unterminated string");
      if (hexval(p[i]) < 0) return fail(cx, p, "invalid \\u escape");
    }
    return p + 6;
  default:
    return fail(cx, p, "invalid escape");
  }
}

/* string := '"' char* '"'; p is after the opening quote. Returns the byte after the closing
 * quote. */
static DEC_INLINE const char *skip_string(dcx *cx, const char *p) {
  const char *end = cx->end;
  for (;;) {
    p = scan(p, end, C_STR);
    if (p == end) return fail(cx, end, "unterminated string");
    if (*p == '"') return p + 1;
    if (*p != '\\') return fail(cx, p, "control character in string");
    if (!(p = check_escape(cx, p))) return NULL;
  }
}

/* number := '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?
 * Returns the end of the number at s, or NULL with *bad at the offending byte. */
static const char *number_end(const char *s, const char *end, const char **bad) {
  const char *p = s;
  if (p < end && *p == '-') p++;
  if (p < end && *p == '0') {
    p++;
    if (p < end && is_digit(*p)) return *bad = p, NULL;
  } else if (p < end && is_digit(*p)) {
    while (p < end && is_digit(*p)) p++;
  } else return *bad = p, NULL;
  if (p < end && *p == '.') {
    if (++p == end || !is_digit(*p)) return *bad = p, NULL;
    while (p < end && is_digit(*p)) p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p == end || !is_digit(*p)) return *bad = p, NULL;
    while (p < end && is_digit(*p)) p++;
  }
  return p;
}

static const char *skip_number(dcx *cx, const char *p) {
  const char *bad, *q = number_end(p, cx->end, &bad);
  return q ? q : fail(cx, bad, bad == cx->end ? "unexpected end of line" : "invalid number");
}

static const char *skip_literal(dcx *cx, const char *p, const char *word, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (p + i == cx->end) return fail(cx, cx->end, "unexpected end of line");
    if (p[i] != word[i]) return fail(cx, p, "invalid literal");
  }
  return p + n;
}

/* Validates and skips one value of any shape at p, iteratively: `depth` containers are already
 * open. Only the kind of each open container is kept (one byte a level), never a tree. Each
 * step first tries what compact JSON has there (a string, no whitespace); the general path
 * after it is the one that reports errors. */
static const char *skip_value(dcx *cx, const char *p, uint32_t depth) {
  const char *end = cx->end;
  uint8_t is_arr[HN_DECODE_MAX_DEPTH];
  uint32_t sp = 0;
value:
  if (p == end) return fail(cx, end, "unexpected end of line");
  switch (*p) {
  case '{':
    if (depth + sp >= HN_DECODE_MAX_DEPTH) return fail(cx, p, "nesting deeper than 512");
    is_arr[sp++] = 0;
    p++;
    if (p < end && *p == '"') goto key_string;
    p = skip_ws(p, end);
    if (p < end && *p == '}') {
      p++;
      sp--;
      goto after;
    }
    goto key;
  case '[':
    if (depth + sp >= HN_DECODE_MAX_DEPTH) return fail(cx, p, "nesting deeper than 512");
    is_arr[sp++] = 1;
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']') {
      p++;
      sp--;
      goto after;
    }
    goto value;
  case '"': p = skip_string(cx, p + 1); break;
  case 't': p = skip_literal(cx, p, "true", 4); break;
  case 'f': p = skip_literal(cx, p, "false", 5); break;
  case 'n': p = skip_literal(cx, p, "null", 4); break;
  case '-': case '0': case '1': case '2': case '3': case '4':
  case '5': case '6': case '7': case '8': case '9':
    p = skip_number(cx, p);
    break;
  default: return fail(cx, p, "unexpected character");
  }
  if (!p) return NULL;
after:
  if (sp == 0) return p;
  if (p < end && (unsigned char)*p <= ' ') p = skip_ws(p, end);
  if (p == end) return fail(cx, end, "unexpected end of line");
  if (*p == ',') {
    p++;
    if (is_arr[sp - 1]) {
      if (p < end && *p == '"') {
        if (!(p = skip_string(cx, p + 1))) return NULL;
        goto after;
      }
      p = skip_ws(p, end);
      goto value;
    }
    if (p < end && *p == '"') goto key_string;
    p = skip_ws(p, end);
    goto key;
  }
  if (*p == (is_arr[sp - 1] ? ']' : '}')) {
    p++;
    sp--;
    goto after;
  }
  return fail(cx, p, is_arr[sp - 1] ? "expected ',' or ']'" : "expected ',' or '}'");
key:
  if (p == end) return fail(cx, end, "unexpected end of line");
  if (*p != '"') return fail(cx, p, "expected a key string");
key_string:
  if (!(p = skip_string(cx, p + 1))) return NULL;
  if (end - p >= 2 && *p == ':' && (unsigned char)p[1] > ' ') { /* "key":"value" */
    p++;
    if (*p == '"') {
      if (!(p = skip_string(cx, p + 1))) return NULL;
      goto after;
    }
    goto value;
  }
  p = skip_ws(p, end);
  if (p == end) return fail(cx, end, "unexpected end of line");
  if (*p != ':') return fail(cx, p, "expected ':' after a key");
  p = skip_ws(p + 1, end);
  goto value;
}

/* ---- strings ---- */

/* Makes room for `n` more scratch bytes. */
static int scratch_reserve(dcx *cx, size_t n) {
  hn_event *ev = cx->ev;
  if (n > SIZE_MAX - ev->scratch_len) return 0;
  return grow(ev->alloc, ev->alloc_ud, (void **)&ev->scratch, &ev->scratch_cap, ev->scratch_len + n, 1);
}

/* Four hex digits, or UINT32_MAX if one is not. */
static uint32_t hex4(const char *s) {
  int a = hexval(s[0]), b = hexval(s[1]), c = hexval(s[2]), d = hexval(s[3]);
  return (a | b | c | d) < 0 ? UINT32_MAX : (uint32_t)(a << 12 | b << 8 | c << 4 | d);
}

/* Writes the character of the (validated) escape at s; returns the byte after it. A \u
 * surrogate pair becomes one character; a lone surrogate becomes U+FFFD. */
static const char *unescape(const char *s, const char *stop, char **out) {
  char *o = *out;
  switch (s[1]) {
  case 'b': *o++ = '\b'; break;
  case 'f': *o++ = '\f'; break;
  case 'n': *o++ = '\n'; break;
  case 'r': *o++ = '\r'; break;
  case 't': *o++ = '\t'; break;
  case 'u': {
    uint32_t cp = hex4(s + 2);
    s += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      /* the pair's second half is consumed here, so it is validated here too */
      uint32_t lo = stop - s >= 6 && s[0] == '\\' && s[1] == 'u' ? hex4(s + 2) : 0;
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        s += 6;
      } else cp = 0xFFFD;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) cp = 0xFFFD;
    *out = hn_utf8_put(o, cp);
    return s;
  }
  default: *o++ = s[1]; break; /* '"', '\\', '/' */
  }
  *out = o;
  return s + 2;
}

/* The rarer path: the string at start has escapes or ill-formed UTF-8 from p on. One pass
 * validates and decodes; scratch is reserved for the worst case of the rest of the line (3
 * output bytes per input byte: U+FFFD for one bad byte), so it never grows mid-string, and
 * a warm event's scratch already has that room. */
static const char *read_string_slow(dcx *cx, const char *start, const char *p, dec_scalar *out) {
  const char *end = cx->end;
  if (!scratch_reserve(cx, (size_t)(end - start) * 3)) return nomem(cx);
  hn_event *ev = cx->ev;
  char *o0 = ev->scratch + ev->scratch_len, *o = o0;
  memcpy(o, start, (size_t)(p - start));
  o += p - start;
  for (const char *s = p;;) {
    const char *r = scan(s, end, C_STR | C_HI); /* copy plain runs whole */
    memcpy(o, s, (size_t)(r - s));
    o += r - s;
    if ((s = r) == end) return fail(cx, end, "unterminated string");
    unsigned char c = (unsigned char)*s;
    if (c == '"') {
      out->text = o0;
      out->len = (size_t)(o - o0);
      out->soff = (int64_t)ev->scratch_len;
      ev->scratch_len += out->len;
      return s + 1;
    }
    if (c == '\\') {
      if (!check_escape(cx, s)) return NULL;
      s = unescape(s, end, &o);
    } else if (c < 0x20) {
      return fail(cx, s, "control character in string");
    } else {
      int n = hn_utf8_seq((const unsigned char *)s, (const unsigned char *)end);
      if (n > 0) {
        memcpy(o, s, (size_t)n);
        o += n;
        s += n;
      } else {
        o = hn_utf8_put(o, 0xFFFD);
        s -= n;
      }
    }
  }
}

/* Reads a string value (p after its opening quote) into *out: borrowed from the line when it
 * is plain well-formed UTF-8, the common case, else decoded into scratch. */
static const char *read_string(dcx *cx, const char *p, dec_scalar *out) {
  const char *start = p, *end = cx->end;
  out->jt = J_STRING;
  out->soff = -1;
  for (;;) {
    p = scan(p, end, C_STR | C_HI);
    if (p == end) return fail(cx, end, "unterminated string");
    unsigned char c = (unsigned char)*p;
    if (c == '"') {
      out->text = start;
      out->len = (size_t)(p - start);
      return p + 1;
    }
    if (c >= 0x80) {
      int n = hn_utf8_seq((const unsigned char *)p, (const unsigned char *)end);
      if (n < 0) break;
      p += n;
      continue;
    }
    if (c != '\\') return fail(cx, p, "control character in string");
    break;
  }
  return read_string_slow(cx, start, p, out);
}

/* ---- the trie ---- */

/* Up to 8 bytes at s as a little-endian number, zero-padded. One load when the line has 8
 * bytes left (the usual case); byte by byte near its end. */
static DEC_INLINE uint64_t load_part(const char *s, size_t n, const char *end) {
  uint64_t w = 0;
#ifdef DEC_LE
  if (end - s >= 8) {
    memcpy(&w, s, 8);
    return n >= 8 ? w : w & ((1ULL << (8 * n)) - 1);
  }
#endif
  for (size_t i = 0; i < n && i < 8; i++) w |= (uint64_t)(uint8_t)s[i] << (8 * i);
  return w;
}

typedef struct seg_key {
  uint64_t w0, w1, h;
} seg_key;

/* The lookup key of a segment whose bytes 0-7 and 8-15 are w0 and w1. The hash covers the
 * first 8 bytes, the length and the parent (one multiply; the index comes from the well-mixed
 * high bits); keys sharing all three just probe once more. */
static DEC_INLINE seg_key seg_key_of(uint64_t w0, uint64_t w1, size_t n, uint32_t parent) {
  uint64_t h = (w0 + ((uint64_t)parent << 32 | n)) * 0x9E3779B97F4A7C15ULL;
  return (seg_key){w0, w1, h >> 32 ^ h};
}

/* The lookup key of segment s[0..n) under `parent`; bytes up to `end` may be read. */
static DEC_INLINE seg_key seg_make(const char *s, size_t n, uint32_t parent, const char *end) {
  return seg_key_of(load_part(s, n, end), n > 8 ? load_part(s + 8, n - 8, end) : 0, n, parent);
}

/* The child of `parent` for segment s[0..n) whose key is k, or DEC_NONE. */
static DEC_INLINE uint32_t trie_find(const hn_decoder *d, uint32_t parent, seg_key k, const char *s, size_t n) {
  for (size_t i = k.h & d->edge_mask;; i = (i + 1) & d->edge_mask) {
    const dec_edge *e = &d->edges[i];
    if (!e->child) return DEC_NONE;
    if (e->w0 == k.w0 && e->w1 == k.w1 && e->parent == parent && e->len == n &&
        (n <= 16 || memcmp(d->segs + e->off + 16, s + 16, n - 16) == 0))
      return e->child;
  }
}

/* The child of `parent` for segment s[0..n) through the hash table, or DEC_NONE; all the
 * decoder's builder has before kids_build(). */
static uint32_t trie_hashed(const hn_decoder *d, uint32_t parent, const char *s, size_t n, const char *end) {
  if (d->nodes[parent].nchild == 0) return DEC_NONE;
  return trie_find(d, parent, seg_make(s, n, parent, end), s, n);
}

/* The child for the segment whose bytes 0-7 and 8-15 are w0 and w1 in the list of a node with
 * 1 to DEC_FEW_KIDS children, or DEC_NONE. A segment under 16 bytes has a zero byte 15, where
 * the list and the caller put its length (an escaped key may hold NUL bytes, so the padding
 * alone does not tell "a" from "a\u0000"): two compares settle each candidate. */
static DEC_INLINE uint32_t kid_find(const hn_decoder *d, const dec_node *nd, uint64_t w0, uint64_t w1) {
  const dec_edge *k = d->kids + nd->kid0;
  uint32_t i = 0, nc = nd->nchild;
  for (; i < nc; i++)
    if (k[i].w0 == w0 && k[i].w1 == w1) break;
  return i < nc ? k[i].child : DEC_NONE;
}

/* The child of `parent` for the key segment s[0..n), or DEC_NONE; bytes up to `end` may be
 * read. */
static DEC_INLINE uint32_t trie_child(const hn_decoder *d, uint32_t parent, const char *s, size_t n, const char *end) {
  const dec_node *nd = &d->nodes[parent];
  if (nd->nchild == 0) return DEC_NONE;
  uint64_t w0 = load_part(s, n, end), w1 = n > 8 ? load_part(s + 8, n - 8, end) : 0;
  if (nd->nchild <= DEC_FEW_KIDS && n < 16) return kid_find(d, nd, w0, w1 | (uint64_t)n << 56);
  return trie_find(d, parent, seg_key_of(w0, w1, n, parent), s, n);
}

/* The child of `parent` for a backquoted segment holding dots that key text s[0..end) starts
 * with, up to a dot or the key's end (its closing quote when `quoted`, else `end`), or
 * DEC_NONE; *n is its length. The longest wins: `a.b.c` before `a.b`. */
static DEC_NOINLINE uint32_t dot_child(const hn_decoder *d, uint32_t parent, const char *s, const char *end,
                                       bool quoted, size_t *n) {
  uint32_t best = DEC_NONE;
  size_t avail = (size_t)(end - s);
  for (size_t i = 0; i < d->n_dots; i++) {
    const dec_dot *t = &d->dots[i];
    if (t->parent != parent || t->len > avail || (best != DEC_NONE && t->len <= *n)) continue;
    if (memcmp(s, d->segs + t->off, t->len) != 0) continue;
    char c = t->len < avail ? s[t->len] : 0;
    if (c == '.' || (quoted ? c == '"' : t->len == avail)) {
      best = t->child;
      *n = t->len;
    }
  }
  return best;
}

/* Walks the trie from `node` along the dot-separated segments of k[0..n). */
static uint32_t trie_walk(const hn_decoder *d, uint32_t node, const char *k, size_t n) {
  const char *e = k + n;
  for (;;) {
    size_t dl = 0;
    uint32_t dc = d->nodes[node].dotted ? dot_child(d, node, k, e, false, &dl) : DEC_NONE;
    const char *dot = dc != DEC_NONE ? (k + dl < e ? k + dl : NULL) : memchr(k, '.', (size_t)(e - k));
    const char *se = dot ? dot : e;
    node = dc != DEC_NONE ? dc : trie_child(d, node, k, (size_t)(se - k), e);
    if (node == DEC_NONE || !dot) return node;
    k = dot + 1;
  }
}

/* A key with escapes: unescape it into scratch (released after) and walk that. */
static const char *match_key_escaped(dcx *cx, const char *start, uint32_t node, uint32_t *out) {
  dec_scalar s;
  size_t mark = cx->ev->scratch_len;
  const char *q = read_string_slow(cx, start, start, &s);
  if (!q) return NULL;
  *out = trie_walk(cx->d, node, s.text, s.len);
  cx->ev->scratch_len = mark;
  return q;
}

/* Reads a key (p after its opening quote) and walks the trie from `node`, one level per
 * dotted segment, so {"a.b":1}, {"a":{"b":1}} and every mixed split reach the same node.
 * *out is the node reached or DEC_NONE. Returns the byte after the closing quote. */
static const char *match_key(dcx *cx, const char *p, uint32_t node, uint32_t *out) {
  const char *start = p, *seg = p, *end = cx->end;
  uint32_t from = node;
#ifdef DEC_SSE2
  /* A segment shorter than 16 bytes ends within one load, and that load, masked, is its
   * lookup key: no second pass over its bytes. Anything else (longer, an escape, a control
   * byte, near the line's end) goes the general way below from where this stopped. */
  static const uint8_t keep[32] = {R16(0xFF), R16(0)};
  while (end - p >= 16 && !cx->d->nodes[node].dotted) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i t = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    t = _mm_or_si128(t, _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
    t = _mm_or_si128(t, _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v));
    unsigned m = (unsigned)_mm_movemask_epi8(t);
    if (!m) break;
    unsigned n = (unsigned)__builtin_ctz(m);
    char c = p[n];
    if (c != '"' && c != '.') break;
    const dec_node *nd = &cx->d->nodes[node];
    if (nd->nchild == 0) node = DEC_NONE;
    else {
      v = _mm_and_si128(v, _mm_loadu_si128((const __m128i *)(const void *)(keep + 16 - n)));
      uint64_t w0 = (uint64_t)_mm_cvtsi128_si64(v), w1 = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v));
      node = nd->nchild <= DEC_FEW_KIDS ? kid_find(cx->d, nd, w0, w1 | (uint64_t)n << 56)
                                        : trie_find(cx->d, node, seg_key_of(w0, w1, n, node), p, n);
    }
    p += n + 1;
    if (c == '"') {
      *out = node;
      return p;
    }
    if (node == DEC_NONE) {
      *out = DEC_NONE;
      return skip_string(cx, p);
    }
  }
  seg = p;
#endif
  for (;;) {
    size_t dl = 0;
    uint32_t dc = cx->d->nodes[node].dotted ? dot_child(cx->d, node, seg, end, true, &dl) : DEC_NONE;
    p = dc != DEC_NONE ? seg + dl : scan(p, end, C_STR | C_DOT);
    if (p == end) return fail(cx, end, "unterminated string");
    char c = *p;
    if (c == '"' || c == '.') {
      node = dc != DEC_NONE ? dc : trie_child(cx->d, node, seg, (size_t)(p - seg), end);
      if (c == '"') {
        *out = node;
        return p + 1;
      }
      if (node == DEC_NONE) {
        *out = DEC_NONE;
        return skip_string(cx, p + 1);
      }
      seg = ++p;
      continue;
    }
    if (c != '\\') return fail(cx, p, "control character in string");
    return match_key_escaped(cx, start, from, out);
  }
}

/* ---- numbers ---- */

/* A decimal number as significant digits times a power of ten: value = digits * 10^exp.
 * Exact, so integral checks and epoch units never suffer binary rounding. */
typedef struct dec_num {
  int neg, nd, sticky; /* sticky: a non-zero digit beyond `cap` was dropped */
  int64_t exp;
  char *d;
  int cap;
} dec_num;

/* Reads a valid number text (JSON number grammar, or digits with a fraction) into *x. */
static void num_parse(const char *s, size_t len, dec_num *x) {
  const char *p = s, *e = s + len;
  x->neg = x->nd = x->sticky = 0;
  x->exp = 0;
  if (p < e && *p == '-') x->neg = 1, p++;
  for (int frac = 0; p < e; p++) {
    char c = *p;
    if (c == '.') {
      frac = 1;
      continue;
    }
    if (!is_digit(c)) break;
    if (x->nd == 0 && c == '0') {
      if (frac) x->exp--;
    } else if (x->nd < x->cap) {
      x->d[x->nd++] = c;
      if (frac) x->exp--;
    } else {
      if (c != '0') x->sticky = 1;
      if (!frac) x->exp++;
    }
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    int eneg = 0;
    int64_t ev = 0;
    p++;
    if (p < e && (*p == '+' || *p == '-')) eneg = *p++ == '-';
    for (; p < e && is_digit(*p); p++)
      if (ev < 100000000) ev = ev * 10 + (*p - '0'); /* saturate: far beyond any double */
    x->exp += eneg ? -ev : ev;
  }
  while (x->nd > 0 && x->d[x->nd - 1] == '0') x->nd--, x->exp++;
}

/* digits[0..n) * 10^e as uint64 if it does not exceed `limit`. */
static int num_u64(const char *dg, int n, int64_t e, uint64_t limit, uint64_t *out) {
  if (n + e > 20) return 0;
  uint64_t u = 0;
  for (int i = 0; i < n; i++) {
    unsigned dv = (unsigned)(dg[i] - '0');
    if (u > (limit - dv) / 10) return 0;
    u = u * 10 + dv;
  }
  for (; e > 0; e--) {
    if (u > limit / 10) return 0;
    u *= 10;
  }
  *out = u;
  return 1;
}

static int num_signed(const dec_num *x, const char *dg, int n, int64_t e, int64_t *out) {
  uint64_t u;
  if (!num_u64(dg, n, e, x->neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &u)) return 0;
  *out = x->neg ? (int64_t)(0 - u) : (int64_t)u; /* two's complement: INT64_MIN round-trips */
  return 1;
}

/* An integral value in int64 range (1.0 and 1e3 are integral; 1.5 is not). */
static int num_to_int(const char *s, size_t len, int64_t *out) {
  size_t i = len > 0 && s[0] == '-', k = i;
  if (len > i && len - i <= 18) { /* the usual plain integer: no overflow possible */
    int64_t v = 0;
    for (; k < len && is_digit(s[k]); k++) v = v * 10 + (s[k] - '0');
    if (k == len) return *out = i ? -v : v, 1;
  }
  char dg[40];
  dec_num x = {.d = dg, .cap = 40};
  num_parse(s, len, &x);
  if (x.nd == 0) return *out = 0, 1;
  if (x.sticky || x.exp < 0) return 0;
  return num_signed(&x, dg, x.nd, x.exp, out);
}

/* An epoch whose unit follows from its magnitude (§5.6): below 1e11 seconds, below 1e14
 * milliseconds, below 1e17 microseconds, else nanoseconds. Sub-nanosecond digits truncate. */
static int num_to_epoch(const char *s, size_t len, int64_t *out) {
  char dg[40];
  dec_num x = {.d = dg, .cap = 40};
  num_parse(s, len, &x);
  if (x.nd == 0) return *out = 0, 1;
  int64_t nint = x.nd + x.exp; /* digits before the point */
  int64_t e = x.exp + (nint <= 11 ? 9 : nint <= 14 ? 6 : nint <= 17 ? 3 : 0);
  int64_t keep = e >= 0 ? x.nd : x.nd + e;
  if (keep <= 0) return *out = 0, 1;
  return num_signed(&x, dg, (int)keep, e > 0 ? e : 0, out);
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A finite double; 0 on overflow. Short numbers take Clinger's exact fast path; the rest go
 * to strtod under the C locale (the embedder may have set one whose decimal point is ','). */
static int num_to_float(const hn_decoder *d, const char *s, size_t len, double *out) {
  char dg[800];
  dec_num x = {.d = dg, .cap = 800};
  num_parse(s, len, &x);
  if (x.nd == 0) return *out = x.neg ? -0.0 : 0.0, 1;
  if (!x.sticky && x.nd <= 15 && x.exp >= -22 && x.exp <= 22) {
    uint64_t m = 0;
    for (int i = 0; i < x.nd; i++) m = m * 10 + (uint64_t)(dg[i] - '0');
    double v = (double)m;
    v = x.exp >= 0 ? v * pow10_exact[x.exp] : v / pow10_exact[-x.exp];
    return *out = x.neg ? -v : v, 1;
  }
  /* 800 digits plus a sticky 1 round as the full text would (767 suffice for doubles) */
  char buf[840];
  int n = 0;
  if (x.neg) buf[n++] = '-';
  memcpy(buf + n, dg, (size_t)x.nd);
  n += x.nd;
  if (x.sticky) buf[n++] = '1', x.exp--;
  snprintf(buf + n, sizeof buf - (size_t)n, "e%lld", (long long)x.exp);
  locale_t old = uselocale(d->c_locale);
  double v = strtod(buf, NULL);
  uselocale(old);
  if (!isfinite(v)) return 0;
  *out = v;
  return 1;
}

/* ---- string coercions ---- */

/* -?[0-9]+ in int64 range (§4.4). */
static int str_to_int(const char *s, size_t n, int64_t *out) {
  size_t i = n > 0 && s[0] == '-';
  if (i == n) return 0;
  for (size_t k = i; k < n; k++)
    if (!is_digit(s[k])) return 0;
  return num_to_int(s, n, out);
}

/* Decimal digits with an optional fraction: an epoch in a string (§5.6). */
static int str_is_epoch(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && is_digit(s[i])) i++;
  if (i == 0) return 0;
  if (i == n) return 1;
  if (s[i++] != '.' || i == n) return 0;
  while (i < n && is_digit(s[i])) i++;
  return i == n;
}

static int str_is_number(const char *s, size_t n) {
  const char *bad;
  return number_end(s, s + n, &bad) == s + n;
}

/* Duration literal syntax (§2.9): digits+unit parts, units strictly decreasing. */
static int str_to_duration(const char *s, size_t n, int64_t *out) {
  static const int64_t unit_ns[] = {7 * 86400 * DEC_NS, 86400 * DEC_NS, 3600 * DEC_NS,
                                    60 * DEC_NS,        DEC_NS,         1000000};
  int64_t total = 0;
  int last = -1;
  size_t i = 0;
  if (n == 0) return 0;
  while (i < n) {
    int64_t v = 0;
    size_t ds = i;
    for (; i < n && is_digit(s[i]); i++) {
      if (v > (INT64_MAX - 9) / 10) return 0;
      v = v * 10 + (s[i] - '0');
    }
    if (i == ds || i == n) return 0;
    int u;
    switch (s[i]) {
    case 'w': u = 0; break;
    case 'd': u = 1; break;
    case 'h': u = 2; break;
    case 'm': u = i + 1 < n && s[i + 1] == 's' ? (i++, 5) : 3; break;
    case 's': u = 4; break;
    default: return 0;
    }
    i++;
    if (u <= last) return 0;
    last = u;
    if (v > (INT64_MAX - total) / unit_ns[u]) return 0;
    total += v * unit_ns[u];
  }
  *out = total;
  return 1;
}

/* ---- coercion (§4.4) ---- */

/* Converts a scalar for a field of type t. Returns 1 when v keeps the scratch string (the
 * caller may release scratch otherwise). */
static int convert(const hn_decoder *d, hn_event *ev, hn_ftype t, const dec_scalar *sc, hn_value *v) {
  const char *s = sc->soff >= 0 ? ev->scratch + sc->soff : sc->text;
  size_t n = sc->len;
  int str = sc->jt == J_STRING, num = sc->jt == J_NUMBER, ok = 0;
  bool is6;
  v->v6 = 0;
  v->len = 0;
  memset(&v->u, 0, sizeof v->u);
  switch (t) {
  case HN_FT_STRING:
  case HN_FT_ANYSTR:
  case HN_FT_CIDR: {
    uint8_t ip[16];
    unsigned bits;
    if (t == HN_FT_CIDR && !(str && hn_cidr_parse(s, n, ip, &is6, &bits))) break;
    v->kind = HN_V_STRING;
    v->len = (uint32_t)n;
    if (sc->soff >= 0) {
      v->v6 = 1; /* u.i is a scratch offset until the event is finished: scratch may move */
      v->u.i = sc->soff;
      return 1;
    }
    v->u.s = sc->text;
    return 0;
  }
  case HN_FT_INT:
    v->kind = HN_V_INT;
    ok = num ? num_to_int(s, n, &v->u.i) : str && str_to_int(s, n, &v->u.i);
    break;
  case HN_FT_DURATION:
    v->kind = HN_V_INT;
    ok = num ? num_to_int(s, n, &v->u.i) : str && str_to_duration(s, n, &v->u.i);
    break;
  case HN_FT_FLOAT:
    v->kind = HN_V_FLOAT;
    ok = (num || (str && str_is_number(s, n))) && num_to_float(d, s, n, &v->u.f);
    break;
  case HN_FT_BOOL:
    v->kind = HN_V_BOOL;
    v->u.i = sc->jt == J_TRUE;
    ok = sc->jt == J_TRUE || sc->jt == J_FALSE;
    break;
  case HN_FT_IP:
    v->kind = HN_V_IP;
    if (str && hn_ip_parse(s, n, v->u.ip, &is6)) {
      ok = 1;
      v->v6 = is6;
      v->len = is6 ? 16 : 4;
    }
    break;
  case HN_FT_TIME:
    v->kind = HN_V_TIME;
    if (num) ok = num_to_epoch(s, n, &v->u.i);
    else if (str) ok = str_is_epoch(s, n) ? num_to_epoch(s, n, &v->u.i) : hn_time_parse(s, n, &v->u.i);
    break;
  }
  if (!ok) {
    v->kind = HN_V_BAD;
    v->v6 = 0;
    v->len = 0;
    memset(&v->u, 0, sizeof v->u);
  }
  return 0;
}

/* ---- assignment: last spelling wins, arrays append ---- */

static void truncate_field(dcx *cx, dec_fstate *fs, uint32_t base) {
  hn_event *ev = cx->ev;
  cx->nval -= fs->count - base;
  while (fs->count > base) {
    fs->head = ev->recs[fs->head].prev;
    fs->count--;
  }
  if (base == 0) fs->flags = 0;
}

/* Field f's state, emptied: its first use in this event puts it on the touched list. */
static DEC_INLINE dec_fstate *reset_field(dcx *cx, uint32_t f) {
  hn_event *ev = cx->ev;
  dec_fstate *fs = &ev->fst[f];
  if (fs->gen != ev->gen) ev->touched[ev->n_touched++] = f;
  else cx->nval -= fs->count;
  *fs = (dec_fstate){DEC_NONE, 0, 0, 0, ev->gen};
  return fs;
}

static void record_path(dcx *cx, uint32_t f) {
  dec_level *lv = cx->ev->levels + cx->d->fields[f].lvl_off;
  const dec_olevel *os = cx->ev->ostack;
  for (uint32_t k = 0; k < cx->m; k++) lv[k] = (dec_level){os[k].obj, os[k].key, 0};
  cx->ev->fst[f].m = cx->m;
}

/* Prepares field f for a value at the current position: if the position is a later key of an
 * object that already gave f values, those values go (the last spelling or duplicate wins);
 * another element of the same array or another object inside an array appends.
 *
 * With no array open on the path (the usual scalar), whatever f had is replaced: without an
 * array between them, two positions can only differ by a later key of a shared object. Such
 * assignments record no path (m = 0), and the next one replaces them in turn. Inside arrays,
 * the path of open objects and keys (hn_dec_level) tells append from replace. */
static void touch_in_array(dcx *cx, uint32_t f);
static DEC_INLINE void touch(dcx *cx, uint32_t f) {
  if (cx->narr == 0) reset_field(cx, f);
  else touch_in_array(cx, f);
}

static void touch_in_array(dcx *cx, uint32_t f) {
  hn_event *ev = cx->ev;
  dec_fstate *fs = &ev->fst[f];
  if (fs->gen != ev->gen) fs = reset_field(cx, f);
  uint32_t m = cx->m, mo = fs->m, j = 0;
  if (mo == 0) { /* first value inside an array; anything before was array-free */
    reset_field(cx, f);
    record_path(cx, f);
    return;
  }
  dec_level *lv = ev->levels + cx->d->fields[f].lvl_off;
  const dec_olevel *os = ev->ostack;
  /* a key instance has one chain of ancestors: the same innermost key is the same path, so
   * this is the next element of one array */
  if (m == mo && lv[m - 1].key == os[m - 1].key) return;
  while (j < mo && j < m && lv[j].obj == os[j].obj && lv[j].key == os[j].key) j++;
  if (j < mo && j < m && lv[j].obj == os[j].obj) truncate_field(cx, fs, lv[j].base);
  else lv[j].base = fs->count;
  for (uint32_t k = j; k < m; k++) {
    lv[k].obj = os[k].obj;
    lv[k].key = os[k].key;
    if (k > j) lv[k].base = fs->count;
  }
  fs->m = m;
}

/* An array starts at field f's node: outside other arrays it replaces what f had, and its
 * elements must append, so its path is recorded. */
static void touch_array(dcx *cx, uint32_t f) {
  touch(cx, f);
  if (cx->narr == 0) record_path(cx, f);
  cx->ev->fst[f].flags |= HN_SLOT_ARRAY;
}

/* Room for value n_recs in recs and in values alike. 0 when out of memory. */
static int grow_recs(hn_event *ev) {
  return grow(ev->alloc, ev->alloc_ud, (void **)&ev->recs, &ev->cap_recs, ev->n_recs + 1, sizeof *ev->recs) &&
         grow(ev->alloc, ev->alloc_ud, (void **)&ev->values, &ev->cap_values, ev->n_recs + 1, sizeof *ev->values);
}

/* Appends a value to field f, replacing or appending as touch() decides, and returns it for
 * the caller to fill. Values are built where they stay, not copied from a fresh temporary
 * (whose narrow stores a wide copy would stall on): in ev->values, in document order, which
 * is usually finish()'s layout already, each field's values in one run, fields in the order
 * first reached. When a value breaks that (its field is not the latest reached, or another
 * field's value came between), the event is `moved`. Outside arrays the field's state is
 * written whole, without touch()'s reset before the append. NULL when out of memory. */
static DEC_INLINE hn_value *emit(dcx *cx, uint32_t f) {
  hn_event *ev = cx->ev;
  size_t i = ev->n_recs;
  if ((i >= ev->cap_recs || i >= ev->cap_values) && !grow_recs(ev)) return NULL;
  ev->n_recs = i + 1;
  dec_fstate *fs = &ev->fst[f];
  dec_rec *r = &ev->recs[i];
  if (cx->narr == 0) {
    if (fs->gen != ev->gen) ev->touched[ev->n_touched++] = f;
    else { /* a later spelling: whatever f had goes */
      cx->nval -= fs->count;
      cx->moved = 1;
    }
    *fs = (dec_fstate){(uint32_t)i, 1, 0, 0, ev->gen};
    r->prev = DEC_NONE;
  } else {
    touch_in_array(cx, f);
    if (ev->touched[ev->n_touched - 1] != f || (fs->count && fs->head != i - 1)) cx->moved = 1;
    r->prev = fs->head;
    fs->head = (uint32_t)i;
    fs->count++;
  }
  cx->nval++;
  return &ev->values[i];
}

static void set_empty(hn_value *v, hn_vkind kind) {
  v->kind = (uint8_t)kind;
  v->v6 = 0;
  v->len = 0;
  memset(&v->u, 0, sizeof v->u);
}

/* A scalar at a node where fields end: read it once, convert it per field. */
static const char *scalar(dcx *cx, const char *p, uint32_t node) {
  const hn_decoder *d = cx->d;
  hn_event *ev = cx->ev;
  dec_scalar sc = {.text = p, .soff = -1};
  switch (*p) {
  case '"': p = read_string(cx, p + 1, &sc); break;
  case 't': sc.jt = J_TRUE, p = skip_literal(cx, p, "true", 4); break;
  case 'f': sc.jt = J_FALSE, p = skip_literal(cx, p, "false", 5); break;
  case 'n': sc.jt = J_NULL, p = skip_literal(cx, p, "null", 4); break;
  case '-': case '0': case '1': case '2': case '3': case '4':
  case '5': case '6': case '7': case '8': case '9':
    sc.jt = J_NUMBER;
    p = skip_number(cx, p);
    break;
  default: return fail(cx, p, "unexpected character");
  }
  if (!p) return NULL;
  if (sc.jt != J_STRING) sc.len = (size_t)(p - sc.text);
  int keep = 0;
  for (uint32_t f = d->nodes[node].field; f != DEC_NONE; f = d->fields[f].next) {
    if (sc.jt == J_NULL && cx->narr) { /* §5.5: null elements are dropped, yet this spelling still wins */
      touch(cx, f);
      continue;
    }
    hn_value *v = emit(cx, f);
    if (!v) return nomem(cx);
    if (sc.jt == J_NULL) set_empty(v, HN_V_NULL);
    else keep |= convert(d, ev, d->fields[f].type, &sc, v);
  }
  if (sc.soff >= 0) {
    if (keep) cx->scratch = 1;
    else ev->scratch_len = (size_t)sc.soff;
  }
  return p;
}

/* Every field ending at `node` gets HN_V_BAD: an object where a scalar belongs. */
static int emit_bad(dcx *cx, uint32_t node) {
  for (uint32_t f = cx->d->nodes[node].field; f != DEC_NONE; f = cx->d->fields[f].next) {
    hn_value *v = emit(cx, f);
    if (!v) return 0;
    set_empty(v, HN_V_BAD);
  }
  return 1;
}

/* Appends a value to HN_FT_ANYSTR field f (a list: values append, never replace) and returns
 * it for the caller to fill; NULL when out of memory. As emit() in an array: the event is
 * `moved` when f's values are not one run at the end. */
static hn_value *append(dcx *cx, uint32_t f) {
  hn_event *ev = cx->ev;
  size_t i = ev->n_recs;
  if ((i >= ev->cap_recs || i >= ev->cap_values) && !grow_recs(ev)) return NULL;
  ev->n_recs = i + 1;
  dec_fstate *fs = &ev->fst[f];
  if (fs->gen != ev->gen) {
    ev->touched[ev->n_touched++] = f;
    *fs = (dec_fstate){DEC_NONE, 0, 0, HN_SLOT_ARRAY, ev->gen};
  }
  if (ev->touched[ev->n_touched - 1] != f || (fs->count && fs->head != i - 1)) cx->moved = 1;
  ev->recs[i].prev = fs->head;
  fs->head = (uint32_t)i;
  fs->count++;
  cx->nval++;
  return &ev->values[i];
}

/* Every string value of the event, for the HN_FT_ANYSTR fields: a second pass over the line
 * parse_event() has validated, so it needs no grammar. Between strings there is no '"'; a
 * string followed by ':' is a key, every other one a value (at any depth, in arrays too),
 * unescaped as the fields' strings are. 0 when out of memory. */
static int collect_strings(dcx *cx, const char *p) {
  const hn_decoder *d = cx->d;
  hn_event *ev = cx->ev;
  const char *end = cx->end;
  while ((p = memchr(p, '"', (size_t)(end - p)))) {
    dec_scalar sc = {.text = p, .soff = -1};
    const char *q = read_string(cx, p + 1, &sc), *r;
    if (!q) return 0;
    r = skip_ws(q, end);
    int keep = 0;
    for (uint32_t f = d->anystr; f != DEC_NONE && !(r < end && *r == ':'); f = d->fields[f].next) {
      hn_value *v = append(cx, f);
      if (!v) {
        nomem(cx);
        return 0;
      }
      keep |= convert(d, ev, HN_FT_STRING, &sc, v);
    }
    if (sc.soff >= 0) {
      if (keep) cx->scratch = 1;
      else ev->scratch_len = (size_t)sc.soff; /* a key, or a value no field keeps */
    }
    p = q;
  }
  return 1;
}

/* ---- the event ---- */

/* The decoder's one long dispatch: an iterative parser over the matched part of the event
 * (frames hold trie nodes); everything that no field needs goes to skip_value. Returns the
 * byte after the event's closing brace, or NULL. Compact JSON takes the first test at each
 * step. Not inlined into hn_decode: on its own it keeps its state in registers. */
DEC_NOINLINE static const char *parse_event(dcx *cx, const char *p) {
  const hn_decoder *d = cx->d;
  hn_event *ev = cx->ev;
  const char *end = cx->end;
  dec_frame *fr = ev->frames;
  dec_olevel *os = ev->ostack;
  uint32_t sp = 0, node = DEC_NONE, tick = 0; /* tick: ids for objects and keys, fresh per event */
  p = skip_ws(p, end);
  if (p == end || *p != '{') return fail(cx, p, "expected '{': an event is one JSON object");
  fr[sp++] = (dec_frame){DEC_ROOT, 0};
  os[cx->m++] = (dec_olevel){++tick, 0};
  p = skip_ws(p + 1, end);
  if (p < end && *p == '}') return p + 1;
key:
  if (p == end) return fail(cx, end, "unexpected end of line");
  if (*p != '"') return fail(cx, p, "expected a key string");
key_string:
  if (!(p = match_key(cx, p + 1, fr[sp - 1].node, &node))) return NULL;
  os[cx->m - 1].key = ++tick;
  if (end - p >= 2 && *p == ':' && (unsigned char)p[1] > ' ') { /* compact JSON */
    p++;
  } else {
    p = skip_ws(p, end);
    if (p == end) return fail(cx, end, "unexpected end of line");
    if (*p != ':') return fail(cx, p, "expected ':' after a key");
    p = skip_ws(p + 1, end);
  }
value:
  if (node == DEC_NONE) { /* unwanted: scalars inline, containers to skip_value */
    if (p < end && *p == '"') p = skip_string(cx, p + 1);
    else if (p < end && (is_digit(*p) || *p == '-')) p = skip_number(cx, p);
    else p = skip_value(cx, p, sp);
    if (!p) return NULL;
    goto after;
  }
  if (p == end) return fail(cx, end, "unexpected end of line");
  switch (*p) {
  case '{':
    if (!emit_bad(cx, node)) return nomem(cx);
    if (d->nodes[node].nchild == 0) {
      if (!(p = skip_value(cx, p, sp))) return NULL;
      goto after;
    }
    if (sp >= HN_DECODE_MAX_DEPTH) return fail(cx, p, "nesting deeper than 512");
    fr[sp++] = (dec_frame){node, 0};
    os[cx->m++] = (dec_olevel){++tick, 0};
    p++;
    if (p < end && *p == '"') goto key_string;
    p = skip_ws(p, end);
    if (p < end && *p == '}') {
      p++;
      sp--;
      cx->m--;
      goto after;
    }
    goto key;
  case '[':
    if (sp >= HN_DECODE_MAX_DEPTH) return fail(cx, p, "nesting deeper than 512");
    for (uint32_t f = d->nodes[node].field; f != DEC_NONE; f = d->fields[f].next)
      touch_array(cx, f); /* even an empty array replaces an earlier spelling */
    fr[sp++] = (dec_frame){node, 1};
    cx->narr++;
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']') {
      p++;
      sp--;
      cx->narr--;
      goto after;
    }
    goto value;
  default:
    p = d->nodes[node].field == DEC_NONE ? skip_value(cx, p, sp) : scalar(cx, p, node);
    if (!p) return NULL;
  }
after:
  if (sp == 0) return p;
  if (p < end && (unsigned char)*p <= ' ') p = skip_ws(p, end);
  if (p == end) return fail(cx, end, "unexpected end of line");
  if (*p == ',') {
    p++;
    if (fr[sp - 1].is_arr) {
      node = fr[sp - 1].node;
      p = skip_ws(p, end);
      goto value;
    }
    if (p < end && *p == '"') goto key_string;
    p = skip_ws(p, end);
    goto key;
  }
  if (fr[sp - 1].is_arr) {
    if (*p != ']') return fail(cx, p, "expected ',' or ']'");
    p++;
    sp--;
    cx->narr--;
    goto after;
  }
  if (*p != '}') return fail(cx, p, "expected ',' or '}'");
  p++;
  sp--;
  cx->m--;
  goto after;
}

/* Puts each touched field's live values side by side in ev->values, fields in touched order,
 * each field's in document order, when emit() could not build them there: replaced values
 * leave gaps, interleaved arrays a mixed order. The values go through recs[].v. */
static void relayout(hn_event *ev) {
  for (size_t i = 0; i < ev->n_recs; i++) ev->recs[i].v = ev->values[i];
  uint32_t pos = 0;
  for (size_t i = 0; i < ev->n_touched; i++) {
    const dec_fstate *fs = &ev->fst[ev->touched[i]];
    uint32_t r = fs->head;
    for (uint32_t k = fs->count; k-- > 0; r = ev->recs[r].prev) ev->values[pos + k] = ev->recs[r].v;
    pos += fs->count;
  }
}

/* Lays the touched fields' values out (relayout() when emit() could not) and fills their
 * slots, and turns scratch offsets into pointers now that scratch no longer moves. */
static void finish(dcx *cx) {
  hn_event *ev = cx->ev;
  if (cx->moved || ev->n_recs != cx->nval) relayout(ev);
  uint32_t pos = 0;
  for (size_t i = 0; i < ev->n_touched; i++) {
    const dec_fstate *fs = &ev->fst[ev->touched[i]];
    ev->slots[ev->touched[i]] = (hn_slot){fs->count, pos, fs->flags};
    pos += fs->count;
  }
  if (cx->scratch)
    for (hn_value *v = ev->values; v < ev->values + pos; v++)
      if (v->kind == HN_V_STRING && v->v6) {
        v->v6 = 0;
        v->u.s = ev->scratch + v->u.i;
      }
  ev->n_values = pos;
}

/* Empties the event: only the slots the previous event touched can be non-zero. */
static void event_reset(hn_event *ev) {
  for (size_t i = 0; i < ev->n_touched; i++) ev->slots[ev->touched[i]] = (hn_slot){0, 0, 0};
  ev->n_touched = 0;
  if (++ev->gen == 0) { /* once in 2^32 events: no stale state may look current */
    for (size_t f = 0; f < ev->n_slots; f++) ev->fst[f].gen = 0;
    ev->gen = 1;
  }
  ev->n_values = 0;
  ev->n_recs = 0;
  ev->scratch_len = 0;
}

hn_status hn_decode(const hn_decoder *d, const char *line, size_t len, hn_event *ev, hn_decode_error *err) {
  if (!d || !ev || ev->dec != d || (!line && len) || len >= UINT32_MAX) return HN_ERR_USAGE;
  event_reset(ev);
  const char *p = line, *end = line + len;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
  if (end > p && end[-1] == '\r') end--;
  dcx cx = {.d = d, .ev = ev, .end = end};
  const char *body = p;
  p = parse_event(&cx, p);
  if (p) {
    p = skip_ws(p, end);
    if (p != end) fail(&cx, p, "trailing characters after the event");
  }
  if (!cx.err_msg && d->anystr != DEC_NONE) collect_strings(&cx, body);
  if (!cx.err_msg) {
    finish(&cx);
    return HN_OK;
  }
  event_reset(ev);
  if (cx.nomem) return HN_ERR_NOMEM;
  if (err) {
    err->offset = (size_t)(cx.err_at - line);
    err->message = cx.err_msg;
  }
  return HN_ERR_SYNTAX;
}

/* ---- construction ---- */

static uint32_t trie_add(hn_decoder *d, uint32_t parent, const char *seg, size_t n) {
  const char *end = d->segs + d->segs_len;
  uint32_t c = trie_hashed(d, parent, seg, n, end);
  if (c != DEC_NONE) return c;
  c = (uint32_t)d->n_nodes++;
  d->nodes[c] = (dec_node){DEC_NONE, 0, 0, 0};
  seg_key k = seg_make(seg, n, parent, end);
  size_t i = k.h & d->edge_mask;
  while (d->edges[i].child) i = (i + 1) & d->edge_mask;
  d->edges[i] = (dec_edge){k.w0, k.w1, parent, c, (uint32_t)(seg - d->segs), (uint32_t)n};
  d->nodes[parent].nchild++;
  return c;
}

/* Copies the edges of each node with at most DEC_FEW_KIDS children side by side, once the trie
 * is complete, with the segment's length in byte 15 of w1 (kid_find). 0 when out of memory. */
static int kids_build(hn_decoder *d) {
  size_t n = 0;
  for (size_t i = 0; i < d->n_nodes; i++)
    if (d->nodes[i].nchild <= DEC_FEW_KIDS) {
      d->nodes[i].kid0 = (uint32_t)n;
      n += d->nodes[i].nchild;
    }
  d->n_kids = n;
  if (!(d->kids = xalloc(d->alloc, d->ud, n, sizeof *d->kids))) return 0;
  for (size_t i = 0; i <= d->edge_mask; i++) { /* kid0 runs ahead as the node's list fills */
    const dec_edge *e = &d->edges[i];
    if (!e->child || d->nodes[e->parent].nchild > DEC_FEW_KIDS) continue;
    dec_edge *k = &d->kids[d->nodes[e->parent].kid0++];
    *k = *e;
    k->w1 |= (uint64_t)(e->len < 16 ? e->len : 0xFF) << 56; /* 0xFF: no lookup here matches */
  }
  for (size_t i = 0; i < d->n_nodes; i++)
    if (d->nodes[i].nchild <= DEC_FEW_KIDS) d->nodes[i].kid0 -= d->nodes[i].nchild;
  return 1;
}

/* The segment of a schema path at s: plain up to a dot or the end, or backquoted (the content
 * is the key, dots and all: lang/SPEC.md §2.4). Sets the key's bytes in *seg, *n; returns
 * where the next segment starts, "" after the last, NULL when the path is malformed (an empty
 * segment, an unterminated backquote, a backquote inside a plain segment). */
static const char *path_seg(const char *s, const char **seg, size_t *n) {
  const char *e;
  if (*s == '`') {
    *seg = s + 1;
    if (!(e = strchr(s + 1, '`')) || e == s + 1) return NULL;
    *n = (size_t)(e - *seg);
    e++;
  } else {
    *seg = s;
    e = s + strcspn(s, ".`");
    if (*e == '`' || e == s) return NULL;
    *n = (size_t)(e - s);
  }
  if (*e == 0) return e;
  return *e == '.' && e[1] ? e + 1 : NULL;
}

static hn_status check_spec(const hn_field_spec *fields, size_t n, size_t *nseg, size_t *nbytes, size_t *ndots) {
  if (n && !fields) return HN_ERR_USAGE;
  if (n >= UINT32_MAX / 4) return HN_ERR_LIMIT;
  for (size_t i = 0; i < n; i++) {
    const char *s = fields[i].path, *seg;
    if (!s || !*s || (unsigned)fields[i].type > HN_FT_ANYSTR) return HN_ERR_USAGE;
    for (size_t len; *s; (*nseg)++) {
      if (!(s = path_seg(s, &seg, &len))) return HN_ERR_USAGE;
      *ndots += memchr(seg, '.', len) != NULL;
    }
    *nbytes += strlen(fields[i].path) + 1;
  }
  if (*nbytes >= UINT32_MAX || *nseg >= UINT32_MAX / 4) return HN_ERR_LIMIT;
  return HN_OK;
}

/* Adds the segments of one checked schema path below the root, copying their bytes to *w;
 * returns its last node and sets *depth to its segment count. */
static uint32_t path_add(hn_decoder *d, const char *path, char **w, uint32_t *depth) {
  uint32_t node = DEC_ROOT;
  const char *seg;
  size_t len;
  for (*depth = 0; *path; ++*depth) {
    path = path_seg(path, &seg, &len);
    memcpy(*w, seg, len);
    uint32_t parent = node;
    node = trie_add(d, parent, *w, len);
    if (memchr(*w, '.', len)) {
      size_t k = 0;
      while (k < d->n_dots && d->dots[k].child != node) k++;
      if (k == d->n_dots) d->dots[d->n_dots++] = (dec_dot){parent, node, (uint32_t)(*w - d->segs), (uint32_t)len};
      d->nodes[parent].dotted = 1;
    }
    *w += len;
  }
  return node;
}

hn_decoder *hn_decoder_create_alloc(const hn_field_spec *fields, size_t n, hn_decode_alloc_fn alloc,
                                    void *ud, hn_status *st) {
  size_t nseg = 0, nbytes = 0, ndots = 0;
  hn_status s = check_spec(fields, n, &nseg, &nbytes, &ndots);
  hn_decoder *d = NULL;
  if (!alloc) alloc = default_alloc;
  if (s) goto fail;
  s = HN_ERR_NOMEM;
  if (!(d = xalloc(alloc, ud, 1, sizeof *d))) goto fail;
  d->alloc = alloc;
  d->ud = ud;
  size_t ecap = 8;
  while (ecap < nseg * 2) ecap *= 2;
  d->edge_mask = ecap - 1;
  d->cap_nodes = nseg + 1;
  d->segs_len = nbytes;
  d->n_fields = n;
  d->nodes = xalloc(alloc, ud, d->cap_nodes, sizeof *d->nodes);
  d->edges = xalloc(alloc, ud, ecap, sizeof *d->edges);
  d->segs = xalloc(alloc, ud, nbytes, 1);
  d->fields = xalloc(alloc, ud, n, sizeof *d->fields);
  d->dots = ndots ? xalloc(alloc, ud, ndots, sizeof *d->dots) : NULL;
  d->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  if (!d->nodes || !d->edges || !d->segs || !d->fields || (ndots && !d->dots) || !d->c_locale) goto fail;
  d->cap_dots = ndots;
  d->nodes[DEC_ROOT] = (dec_node){DEC_NONE, 0, 0, 0};
  d->n_nodes = 1;
  d->anystr = DEC_NONE;
  char *w = d->segs;
  for (size_t i = n; i-- > 0;) /* `*`: no path to match, a chain of its own (in spec order) */
    if (fields[i].type == HN_FT_ANYSTR) {
      d->fields[i] = (dec_field){HN_FT_ANYSTR, d->anystr, 1, (uint32_t)d->n_levels++};
      d->anystr = (uint32_t)i;
    }
  for (size_t i = 0; i < n; i++) {
    if (fields[i].type == HN_FT_ANYSTR) continue;
    uint32_t depth, node = path_add(d, fields[i].path, &w, &depth);
    d->fields[i] = (dec_field){fields[i].type, DEC_NONE, depth, (uint32_t)d->n_levels};
    d->n_levels += depth;
    uint32_t *link = &d->nodes[node].field; /* keep spec order among fields of one path */
    while (*link != DEC_NONE) link = &d->fields[*link].next;
    *link = (uint32_t)i;
  }
  if (!kids_build(d)) goto fail;
  if (st) *st = HN_OK;
  return d;
fail:
  hn_decoder_destroy(d);
  if (st) *st = s;
  return NULL;
}

hn_decoder *hn_decoder_create(const hn_field_spec *fields, size_t n, hn_status *st) {
  return hn_decoder_create_alloc(fields, n, NULL, NULL, st);
}

void hn_decoder_destroy(hn_decoder *d) {
  if (!d) return;
  hn_decode_alloc_fn a = d->alloc;
  size_t ecap = d->edge_mask + 1;
  if (d->c_locale) freelocale(d->c_locale);
  xfree(a, d->ud, d->nodes, d->cap_nodes, sizeof *d->nodes);
  xfree(a, d->ud, d->edges, ecap, sizeof *d->edges);
  xfree(a, d->ud, d->kids, d->n_kids, sizeof *d->kids);
  xfree(a, d->ud, d->segs, d->segs_len, 1);
  xfree(a, d->ud, d->fields, d->n_fields, sizeof *d->fields);
  xfree(a, d->ud, d->dots, d->cap_dots, sizeof *d->dots);
  a(d->ud, d, sizeof *d, 0);
}

hn_status hn_event_init(hn_event *ev, const hn_decoder *d) {
  if (!ev || !d) return HN_ERR_USAGE;
  memset(ev, 0, sizeof *ev);
  ev->dec = d;
  ev->alloc = d->alloc;
  ev->alloc_ud = d->ud;
  size_t nf = d->n_fields;
  ev->n_slots = nf;
  ev->slots = xalloc(d->alloc, d->ud, nf, sizeof *ev->slots);
  ev->fst = xalloc(d->alloc, d->ud, nf, sizeof *ev->fst);
  ev->touched = xalloc(d->alloc, d->ud, nf, sizeof *ev->touched);
  ev->gen = 1; /* fst is zeroed: gen 0 is never current */
  ev->n_levels = d->n_levels;
  ev->levels = xalloc(d->alloc, d->ud, d->n_levels, sizeof *ev->levels);
  ev->frames = xalloc(d->alloc, d->ud, HN_DECODE_MAX_DEPTH, sizeof *ev->frames);
  ev->ostack = xalloc(d->alloc, d->ud, HN_DECODE_MAX_DEPTH, sizeof *ev->ostack);
  if (!ev->slots || !ev->fst || !ev->touched || !ev->levels || !ev->frames || !ev->ostack) {
    hn_event_fini(ev);
    return HN_ERR_NOMEM;
  }
  return HN_OK;
}

void hn_event_fini(hn_event *ev) {
  if (!ev || !ev->alloc) return;
  hn_decode_alloc_fn a = ev->alloc;
  void *ud = ev->alloc_ud;
  size_t nf = ev->n_slots, nl = ev->n_levels;
  xfree(a, ud, ev->slots, nf, sizeof *ev->slots);
  xfree(a, ud, ev->fst, nf, sizeof *ev->fst);
  xfree(a, ud, ev->touched, nf, sizeof *ev->touched);
  xfree(a, ud, ev->levels, nl, sizeof *ev->levels);
  xfree(a, ud, ev->frames, HN_DECODE_MAX_DEPTH, sizeof *ev->frames);
  xfree(a, ud, ev->ostack, HN_DECODE_MAX_DEPTH, sizeof *ev->ostack);
  xfree(a, ud, ev->recs, ev->cap_recs, sizeof *ev->recs);
  xfree(a, ud, ev->values, ev->cap_values, sizeof *ev->values);
  xfree(a, ud, ev->scratch, ev->scratch_cap, 1);
  memset(ev, 0, sizeof *ev);
}
