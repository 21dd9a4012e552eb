/* fuzz_decode.c - libFuzzer target: any bytes through the event decoder against a fixed field
 * list. Aborts when a value breaks the decoder's contract (kind for the field type, string
 * inside the line or scratch, valid UTF-8, slot bounds), when the skipping parser (no fields)
 * disagrees on malformed input, or when a trailing \r changes the result. Built with
 * -DHN_FUZZ=ON (clang). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "decode.h"

static const hn_field_spec fields[] = {
  {"s", HN_FT_STRING},          {"i", HN_FT_INT},
  {"f", HN_FT_FLOAT},           {"b", HN_FT_BOOL},
  {"ip", HN_FT_IP},             {"net", HN_FT_CIDR},
  {"t", HN_FT_TIME},            {"d", HN_FT_DURATION},
  {"@timestamp", HN_FT_TIME},   {"process.name", HN_FT_STRING},
  {"process.pid", HN_FT_INT},   {"process.parent.name", HN_FT_STRING},
  {"a.b", HN_FT_INT},           {"a.b.c", HN_FT_STRING},
  {"a.b.c.d.e", HN_FT_IP},      {"dns.answers.data", HN_FT_STRING},
  {"x", HN_FT_STRING},          {"x", HN_FT_TIME},
  {"a", HN_FT_FLOAT},           {"event.category", HN_FT_STRING},
  {"*", HN_FT_ANYSTR}, /* every string value */
};
enum { NF = sizeof fields / sizeof fields[0] };

static int utf8_ok(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned c = s[i], lo = 0x80, hi = 0xBF;
    size_t k;
    if (c < 0x80) k = 1;
    else if (c >= 0xC2 && c <= 0xDF) k = 2;
    else if (c >= 0xE0 && c <= 0xEF) k = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4) k = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else return 0;
    if (n - i < k) return 0;
    for (size_t j = 1; j < k; j++) {
      if (s[i + j] < lo || s[i + j] > hi) return 0;
      lo = 0x80, hi = 0xBF;
    }
    i += k;
  }
  return 1;
}

static int inside(const char *p, size_t n, const char *base, size_t len) {
  return base && p >= base && n <= len && (size_t)(p - base) <= len - n;
}

static int kind_ok(hn_ftype t, const hn_value *v) {
  if (t == HN_FT_ANYSTR) return v->kind == HN_V_STRING; /* every string value: strings only */
  if (v->kind == HN_V_NULL || v->kind == HN_V_BAD) return 1;
  switch (t) {
  case HN_FT_STRING: case HN_FT_CIDR: return v->kind == HN_V_STRING;
  case HN_FT_ANYSTR: break;
  case HN_FT_INT: case HN_FT_DURATION: return v->kind == HN_V_INT;
  case HN_FT_FLOAT: return v->kind == HN_V_FLOAT && isfinite(v->u.f);
  case HN_FT_BOOL: return v->kind == HN_V_BOOL && (v->u.i == 0 || v->u.i == 1);
  case HN_FT_IP: return v->kind == HN_V_IP && (v->v6 ? v->len == 16 : v->len == 4);
  case HN_FT_TIME: return v->kind == HN_V_TIME;
  }
  return 0;
}

static void check_event(const hn_event *ev, const char *line, size_t len) {
  size_t total = 0;
  for (size_t f = 0; f < NF; f++) {
    const hn_slot *sl = &ev->slots[f];
    if (sl->first > ev->n_values || sl->n > ev->n_values - sl->first) abort();
    total += sl->n;
    for (uint32_t k = 0; k < sl->n; k++) {
      const hn_value *v = &ev->values[sl->first + k];
      if (!kind_ok(fields[f].type, v)) abort();
      if (v->kind == HN_V_NULL && (sl->n != 1 || (sl->flags & HN_SLOT_ARRAY))) abort();
      if (v->kind != HN_V_STRING) continue;
      if (!inside(v->u.s, v->len, line, len) && !inside(v->u.s, v->len, ev->scratch, ev->scratch_len)) abort();
      if (!utf8_ok((const unsigned char *)v->u.s, v->len)) abort();
    }
  }
  if (total != ev->n_values || ev->scratch_len > ev->scratch_cap) abort();
}

/* Same shape and same contents (strings compared by bytes: they may live elsewhere). */
static void same_event(const hn_event *a, const hn_event *b) {
  if (a->n_values != b->n_values) abort();
  for (size_t f = 0; f < NF; f++)
    if (a->slots[f].n != b->slots[f].n || a->slots[f].first != b->slots[f].first ||
        a->slots[f].flags != b->slots[f].flags)
      abort();
  for (size_t i = 0; i < a->n_values; i++) {
    const hn_value *x = &a->values[i], *y = &b->values[i];
    if (x->kind != y->kind || x->len != y->len || x->v6 != y->v6) abort();
    if (x->kind == HN_V_STRING ? memcmp(x->u.s, y->u.s, x->len) != 0 : memcmp(&x->u, &y->u, sizeof x->u) != 0)
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static hn_decoder *d, *d0;
  static hn_event ev, ev2, ev0;
  if (!d) {
    d = hn_decoder_create(fields, NF, NULL);
    d0 = hn_decoder_create(NULL, 0, NULL);
    if (!d || !d0 || hn_event_init(&ev, d) || hn_event_init(&ev2, d) || hn_event_init(&ev0, d0)) abort();
  }
  const char *line = (const char *)data;
  hn_decode_error err = {0, NULL}, err0 = {0, NULL};
  hn_status st = hn_decode(d, line, size, &ev, &err);
  hn_status st0 = hn_decode(d0, line, size, &ev0, &err0);
  if (st != st0 || (st != HN_OK && st != HN_ERR_SYNTAX)) abort();
  if (st == HN_ERR_SYNTAX) {
    if (!err.message || err.offset > size || ev.n_values) abort();
    if (err.offset != err0.offset || strcmp(err.message, err0.message) != 0) abort();
    for (size_t f = 0; f < NF; f++)
      if (ev.slots[f].n || ev.slots[f].flags) abort();
    return 0;
  }
  check_event(&ev, line, size);
  /* a CRLF line decodes as the LF line does, unless it already ended in \r */
  if (size && line[size - 1] == '\r') return 0;
  char *crlf = malloc(size + 1);
  if (!crlf) return 0;
  memcpy(crlf, line, size);
  crlf[size] = '\r';
  if (hn_decode(d, crlf, size + 1, &ev2, NULL) != HN_OK) abort();
  check_event(&ev2, crlf, size + 1);
  same_event(&ev, &ev2);
  free(crlf);
  return 0;
}
