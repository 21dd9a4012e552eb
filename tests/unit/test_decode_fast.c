/* test_decode_fast.c - the event decoder's fast paths against their plain equivalents: the
 * SSE2 scanner against the portable one and a byte loop, child lists against the hash table,
 * values built in place against the relaid layout. Compiles decode.c itself to reach its
 * static functions, so it links no library of ours. */
#include "decode.c" /* first: cmocka's fail() macro would rename decode.c's fail() */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64: the same buffers on every run */
static uint64_t rng_state;

static uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* ---- scanning ---- */

static const unsigned masks[] = {C_STR, C_STR | C_HI, C_STR | C_DOT};

static const char *scan_bytes(const char *p, const char *end, unsigned mask) {
  for (; p < end; p++)
    if (cls[(uint8_t)*p] & mask) return p;
  return end;
}

/* Every start in buf[0..len): scan, scan_word and the byte loop agree. buf is its own
 * allocation of exactly len bytes, so ASan reports any read past its end. */
static void check_scans(const char *buf, size_t len) {
  const char *end = buf + len;
  for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++)
    for (const char *p = buf; p <= end; p++) {
      const char *want = scan_bytes(p, end, masks[m]);
      if (scan(p, end, masks[m]) != want || scan_word(p, end, masks[m]) != want)
        fail_msg("mask %u, length %zu, start %td: scan %td, scan_word %td, want %td", masks[m], len, p - buf,
                 scan(p, end, masks[m]) - buf, scan_word(p, end, masks[m]) - buf, want - buf);
    }
}

/* A copy of s[0..len) at `align` bytes into an allocation that ends where the copy does. */
static char *placed(const unsigned char *s, size_t len, size_t align, char **block) {
  *block = malloc(align + len ? align + len : 1);
  memcpy(*block + align, s, len);
  return *block + align;
}

/* Random bytes of every value, at every alignment and length 0-64; then the bytes around
 * each class boundary, alone at each position of a plain run. */
static void test_scan_matches_portable(void **state) {
  (void)state;
  static const unsigned char edges[] = {0x00, 0x09, 0x1F, 0x20, 0x21, '"', 0x23, '-', '.', '/', '\\',
                                        ']',  0x7E, 0x7F, 0x80, 0xBF, 0xC0, 0xFE, 0xFF};
  unsigned char s[64];
  rng_state = 0x9E3779B97F4A7C15ULL;
  for (size_t align = 0; align < 16; align++)
    for (size_t len = 0; len <= 64; len++) {
      for (int round = 0; round < 8; round++) {
        for (size_t i = 0; i < len; i++) s[i] = (unsigned char)rng();
        if (round & 1) /* mostly plain, as strings are */
          for (size_t i = 0; i < len; i++) s[i] = rng() % 8 ? (unsigned char)('a' + rng() % 26) : s[i];
        char *block, *b = placed(s, len, align, &block);
        check_scans(b, len);
        free(block);
      }
      for (size_t e = 0; e < sizeof edges; e++)
        for (size_t at = 0; at < len; at++) {
          memset(s, 'x', len);
          s[at] = edges[e];
          char *block, *b = placed(s, len, align, &block);
          for (size_t m = 0; m < sizeof masks / sizeof masks[0]; m++) {
            const char *want = scan_bytes(b, b + len, masks[m]);
            assert_ptr_equal(scan(b, b + len, masks[m]), want);
            assert_ptr_equal(scan_word(b, b + len, masks[m]), want);
          }
          free(block);
        }
    }
}

/* ---- child lists ---- */

/* Each node's child, for the trie's own segments and for near misses (a byte changed, one
 * byte shorter or longer, a NUL inside), found through the lists as through the table. */
static void check_children(const hn_decoder *d, const char *probe, size_t n) {
  char *copy = malloc(n + 1);
  memcpy(copy, probe, n);
  for (uint32_t node = 0; node < d->n_nodes; node++)
    assert_int_equal(trie_child(d, node, copy, n, copy + n), trie_hashed(d, node, copy, n, copy + n));
  free(copy);
}

static void test_child_lists_match_table(void **state) {
  (void)state;
  /* widths around DEC_FEW_KIDS, segments around 8 and 16 bytes, shared prefixes */
  static const char *paths[] = {
    "a", "ab", "abcdefg", "abcdefgh", "abcdefghi", "abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnopq",
    "p.x", "p.y", "p.abcdefghijklmno", "p.abcdefghijklmnp", "p.abcdefghijklmnop", "p.abcdefghijklmnoq",
    "w.k1", "w.k2", "w.k3", "w.k4", "w.k5", "w.k6", "w.k7", "w.k8", "w.k9", "w.k10",
    "e.k1", "e.k2", "e.k3", "e.k4", "e.k5", "e.k6", "e.k7", "e.k8",
    "n.a", "n.a.b", "n.a.b.c", "\x01\x02", "z.\x7f\xff", "q.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  };
  enum { NP = sizeof paths / sizeof paths[0] };
  hn_field_spec spec[NP];
  for (size_t i = 0; i < NP; i++) spec[i] = (hn_field_spec){paths[i], HN_FT_STRING};
  hn_decoder *d = hn_decoder_create(spec, NP, NULL);
  assert_non_null(d);
  char seg[64];
  for (size_t i = 0; i < NP; i++) {
    const char *s = paths[i];
    while (*s) { /* each segment of each path, and its near misses */
      const char *dot = strchr(s, '.');
      size_t n = dot ? (size_t)(dot - s) : strlen(s);
      check_children(d, s, n);
      check_children(d, s, n ? n - 1 : 0);
      memcpy(seg, s, n);
      seg[n] = 'x';
      check_children(d, seg, n + 1);
      seg[n] = '\0';
      check_children(d, seg, n + 1);
      for (size_t k = 0; k < n; k++) {
        memcpy(seg, s, n);
        seg[k] ^= 1;
        check_children(d, seg, n);
      }
      s += n + (dot != NULL);
    }
  }
  rng_state = 12345;
  for (int round = 0; round < 2000; round++) {
    size_t n = rng() % 24;
    for (size_t k = 0; k < n; k++) seg[k] = "abekpqwxyz0123456789.\x00"[rng() % 22];
    check_children(d, seg, n);
  }
  hn_decoder_destroy(d);
}

/* ---- values built in place ---- */

/* hn_decode, except that finish() always relays the values out as it did before values were
 * built in place. */
static hn_status decode_relaid(const hn_decoder *d, const char *line, size_t len, hn_event *ev) {
  event_reset(ev);
  const char *p = line, *end = line + len;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
  if (end > p && end[-1] == '\r') end--;
  dcx cx = {.d = d, .ev = ev, .end = end};
  p = parse_event(&cx, p);
  if (p && skip_ws(p, end) != end) p = NULL;
  if (!p) {
    event_reset(ev);
    return HN_ERR_SYNTAX;
  }
  cx.moved = 1;
  finish(&cx);
  return HN_OK;
}

static void same_values(const hn_event *a, const hn_event *b) {
  assert_int_equal(a->n_values, b->n_values);
  for (size_t f = 0; f < a->n_slots; f++) {
    assert_int_equal(a->slots[f].n, b->slots[f].n);
    assert_int_equal(a->slots[f].first, b->slots[f].first);
    assert_int_equal(a->slots[f].flags, b->slots[f].flags);
  }
  for (size_t i = 0; i < a->n_values; i++) {
    const hn_value *x = &a->values[i], *y = &b->values[i];
    assert_int_equal(x->kind, y->kind);
    assert_int_equal(x->v6, y->v6);
    assert_int_equal(x->len, y->len);
    if (x->kind == HN_V_STRING) {
      assert_int_equal(x->v6, 0);
      assert_memory_equal(x->u.s, y->u.s, x->len);
    } else {
      assert_memory_equal(&x->u, &y->u, sizeof x->u);
    }
  }
}

/* A random event over the fields' keys: nesting, dotted spellings, arrays (of objects too),
 * duplicates, nulls, escapes, numbers and literals. Writes at most `cap` bytes. */
static size_t gen_value(char *o, size_t cap, int depth);

static size_t gen_object(char *o, size_t cap, int depth) {
  static const char *keys[] = {"s", "i", "x", "a", "b", "c", "a.b", "b.c", "dns", "answers", "data",
                               "dns.answers", "answers.data", "process", "name", "pid", "parent", "zz", "ip"};
  size_t n = 0, members = rng() % 5;
  o[n++] = '{';
  for (size_t k = 0; k < members && n + 64 < cap; k++) {
    if (k) o[n++] = ',';
    n += (size_t)snprintf(o + n, cap - n, "\"%s\":", keys[rng() % (sizeof keys / sizeof keys[0])]);
    n += gen_value(o + n, cap - n - 2, depth + 1);
  }
  o[n++] = '}';
  return n;
}

static size_t gen_value(char *o, size_t cap, int depth) {
  static const char *scalars[] = {"\"v\"", "\"\\u00e9t\\n\"", "\"10.0.0.1\"", "\"caf\xc3\xa9\"", "\"a\xff\"", "1",
                                  "-2.5e3", "true", "false", "null", "\"2024-05-14T09:12:03Z\"", "\"1h\""};
  unsigned r = (unsigned)(rng() % 10);
  if (cap < 128 || depth > 5 || r < 5) {
    const char *s = scalars[rng() % (sizeof scalars / sizeof scalars[0])];
    size_t n = strlen(s) < cap ? strlen(s) : 0;
    memcpy(o, s, n);
    return n;
  }
  if (r < 8) return gen_object(o, cap, depth);
  size_t n = 0, elems = rng() % 4;
  o[n++] = '[';
  for (size_t k = 0; k < elems && n + 64 < cap; k++) {
    if (k) o[n++] = ',';
    n += gen_value(o + n, cap - n - 2, depth + 1);
  }
  o[n++] = ']';
  return n;
}

static void test_values_in_place_match_relaid(void **state) {
  (void)state;
  static const char *paths[] = {"s", "i", "x", "a", "a.b", "a.b.c", "b.c", "dns.answers.data", "dns.answers",
                                "process.name", "process.pid", "process.parent.name", "ip", "x"};
  static const hn_ftype types[] = {HN_FT_STRING, HN_FT_INT, HN_FT_STRING, HN_FT_FLOAT, HN_FT_INT, HN_FT_STRING,
                                   HN_FT_STRING, HN_FT_STRING, HN_FT_STRING, HN_FT_STRING, HN_FT_INT, HN_FT_STRING,
                                   HN_FT_IP, HN_FT_TIME};
  enum { NP = sizeof paths / sizeof paths[0] };
  hn_field_spec spec[NP];
  for (size_t i = 0; i < NP; i++) spec[i] = (hn_field_spec){paths[i], types[i]};
  hn_decoder *d = hn_decoder_create(spec, NP, NULL);
  hn_event ev, ev2;
  assert_int_equal(hn_event_init(&ev, d), HN_OK);
  assert_int_equal(hn_event_init(&ev2, d), HN_OK);
  static char line[8192];
  rng_state = 777;
  int moved = 0;
  for (int round = 0; round < 50000; round++) {
    size_t len = gen_object(line, sizeof line, 0);
    hn_status st = hn_decode(d, line, len, &ev, NULL);
    assert_int_equal(st, HN_OK);
    assert_int_equal(decode_relaid(d, line, len, &ev2), st);
    same_values(&ev, &ev2);
    moved += ev.n_recs != ev.n_values;
  }
  assert_true(moved > 100); /* the generator reaches the relayout path too */
  hn_event_fini(&ev);
  hn_event_fini(&ev2);
  hn_decoder_destroy(d);
}

int main(void) {
  static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_scan_matches_portable),
    cmocka_unit_test(test_child_lists_match_table),
    cmocka_unit_test(test_values_in_place_match_relaid),
  };
  return cmocka_run_group_tests_name("decode_fast", tests, NULL, NULL);
}
