/* image.c - the pack image (.hnp): a compiled program as one versioned file, written by
 * `hornet build` and mapped by hn_program_load (the README: `hornet build`).
 * Depends on program.h, prefilter.h (the engine's own serialisation) and libc (mmap, dlopen);
 * never on the compiler, LLVM or libyaml: a collector loads images with libhornet alone.
 *
 * Layout (all integers little-endian, the host's; an image is for one target):
 *   header, 128 bytes: magic, format, layout id, hornet version, size, content hash, the
 *                      number of sections, the target triple
 *   section table:     {kind, offset, size} per section, 16-byte aligned sections after it
 *   PROGRAM:           the hn_program struct at offset 0, then every table it points to, in
 *                      the host's in-memory layout, each pointer replaced by its offset in the
 *                      section + 1 (0 stays NULL); strings deduplicated, NUL-terminated
 *   TARGET:            "cpu\0features\0" the native code was compiled for
 *   PATTERNS:          the prefilter's databases as the engine serialises them
 *   NATIVE:            a shared object with the native matcher (dlopen'ed from memory)
 * Loading maps the file privately and rewrites the pointers in place (like a dynamic loader's
 * relocations), so the big tables are used where they lie: pages without pointers are never
 * copied. One descriptor table per struct below drives the writer, the loader and the dump,
 * so a new field is one row; the static assertions make a forgotten row a compile error. */
#define _GNU_SOURCE
#include "image.h"
#include "alloc.h"
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "arena.h"
#include "assets.h"
#include "index.h"
#include "interp.h"
#include "prefilter.h"
#include "progtext.h"

/* ---- descriptors --------------------------------------------------------------------------- */
/* A pointer field of a struct: what it points to and where its element count lives. */
typedef enum pkind {
  PK_STR,    /* NUL-terminated string */
  PK_ARR,    /* array of `elem`, count at count_off (a uint32_t) */
  PK_STRARR, /* array of strings, count at count_off */
  PK_CONST,  /* hn_const.u.s: a string of len bytes (may hold NUL) when kind is a string */
  PK_RUNTIME, /* built at load time (a regex, the decoder, native code): written as NULL */
  PK_BOOL     /* not a pointer: a bool, which must hold 0 or 1 (any other byte is undefined) */
} pkind;

typedef struct tdesc tdesc;
typedef struct pdesc {
  const char *name;
  uint16_t off, count_off;
  uint8_t kind;
  const tdesc *elem;
} pdesc;

struct tdesc {
  const char *name;
  size_t size;
  const pdesc *ptrs;
  uint32_t n_ptrs;
};

#define NOCOUNT 0xffff
#define P_STR(T, f) {#f, offsetof(T, f), NOCOUNT, PK_STR, NULL}
#define P_ARR(T, f, n, E) {#f, offsetof(T, f), offsetof(T, n), PK_ARR, &E}
#define P_STRS(T, f, n) {#f, offsetof(T, f), offsetof(T, n), PK_STRARR, NULL}
#define P_RT(T, f) {#f, offsetof(T, f), NOCOUNT, PK_RUNTIME, NULL}
#define P_BOOL(T, f) {#f, offsetof(T, f), NOCOUNT, PK_BOOL, NULL}
#define TDESC(T, P) {#T, sizeof(T), P, sizeof P / sizeof P[0]}
#define TPOD(T) {#T, sizeof(T), NULL, 0}

static const tdesc d_u32 = TPOD(uint32_t);
static const tdesc d_vexpr = TPOD(hn_vexpr);
static const tdesc d_pred = TPOD(hn_pred);
static const tdesc d_bnode = TPOD(hn_bnode);
static const tdesc d_agg = TPOD(hn_agg);
static const tdesc d_hnode = TPOD(hn_hnode);
static const tdesc d_bind = TPOD(hn_bind);
static const pdesc p_addr[] = {P_BOOL(hn_asset_addr, cidr)};
static const tdesc d_addr = TDESC(hn_asset_addr, p_addr);
static const pdesc p_expect[] = {P_BOOL(hn_test_expect, negated)};
static const tdesc d_expect = TDESC(hn_test_expect, p_expect);

static const pdesc p_field[] = {P_STR(hn_field_spec, path)};
static const tdesc d_field = TDESC(hn_field_spec, p_field);
static const pdesc p_const[] = {{"u.s", offsetof(hn_const, u), NOCOUNT, PK_CONST, NULL}, P_RT(hn_const, re)};
static const tdesc d_const = TDESC(hn_const, p_const);
static const pdesc p_rule[] = {
  P_STR(hn_rule, name), P_STR(hn_rule, title), P_STR(hn_rule, id), P_STR(hn_rule, control),
  P_STR(hn_rule, service), P_STR(hn_rule, status), P_STRS(hn_rule, tags, n_tags),
  P_ARR(hn_rule, entities, n_entities, d_u32), P_STRS(hn_rule, entity_names, n_entities),
  P_ARR(hn_rule, alias_to, n_alias, d_u32), P_ARR(hn_rule, alias_from, n_alias, d_u32),
  P_ARR(hn_rule, supp_keys, n_supp_keys, d_u32), P_ARR(hn_rule, from, n_from, d_u32), P_BOOL(hn_rule, quiet)};
static const tdesc d_rule = TDESC(hn_rule, p_rule);
static const pdesc p_step[] = {P_STR(hn_step, name), P_BOOL(hn_step, negated)};
static const tdesc d_step = TDESC(hn_step, p_step);
static const pdesc p_corr[] = {P_ARR(hn_corr, keys, n_keys, d_u32), P_ARR(hn_corr, aggs, n_aggs, d_agg),
                               P_ARR(hn_corr, hn, n_hn, d_hnode), P_ARR(hn_corr, steps, n_steps, d_step),
                               P_ARR(hn_corr, binds, n_binds, d_bind), P_BOOL(hn_corr, tumbling)};
static const tdesc d_corr = TDESC(hn_corr, p_corr);
static const pdesc p_test[] = {P_STR(hn_test, name), P_STR(hn_test, file), P_STRS(hn_test, events, n_events),
                               P_ARR(hn_test, expects, n_expects, d_expect)};
static const tdesc d_test = TDESC(hn_test, p_test);
static const pdesc p_vuln[] = {P_STR(hn_vuln, id), P_BOOL(hn_vuln, fixed)};
static const tdesc d_vuln = TDESC(hn_vuln, p_vuln);
static const pdesc p_asset[] = {P_STR(hn_asset, name), P_STR(hn_asset, business_unit), P_STR(hn_asset, owner),
                                P_STR(hn_asset, role), P_STRS(hn_asset, tags, n_tags),
                                P_ARR(hn_asset, vulns, n_vulns, d_vuln), P_BOOL(hn_asset, managed)};
static const tdesc d_asset = TDESC(hn_asset, p_asset);
static const pdesc p_identity[] = {P_STR(hn_identity, name), P_STR(hn_identity, business_unit),
                                   P_STR(hn_identity, department), P_BOOL(hn_identity, privileged)};
static const tdesc d_identity = TDESC(hn_identity, p_identity);
static const pdesc p_range[] = {P_STR(hn_range, business_unit), P_BOOL(hn_range, managed)};
static const tdesc d_range = TDESC(hn_range, p_range);
static const pdesc p_score[] = {P_STR(hn_score, name)};
static const tdesc d_score = TDESC(hn_score, p_score);
static const pdesc p_domain[] = {P_STR(hn_domain, name), P_STR(hn_domain, title), P_BOOL(hn_domain, is_default)};
static const tdesc d_domain = TDESC(hn_domain, p_domain);
static const pdesc p_exposure[] = {P_STR(hn_exposure, name), P_STR(hn_exposure, title), P_STR(hn_exposure, control)};
static const tdesc d_exposure = TDESC(hn_exposure, p_exposure);
static const tdesc d_edge = TPOD(hn_edge);
static const tdesc d_sla = TPOD(hn_sla_view);
static const pdesc p_svc_step[] = {P_STR(hn_step_view, text)};
static const tdesc d_svc_step = TDESC(hn_step_view, p_svc_step);
static const pdesc p_service[] = {P_STR(hn_service, name), P_STR(hn_service, title), P_STR(hn_service, description),
                                  P_STR(hn_service, initial), P_STR(hn_service, terminal),
                                  P_STRS(hn_service, states, n_states), P_ARR(hn_service, edges, n_edges, d_edge),
                                  P_ARR(hn_service, slas, n_slas, d_sla), P_ARR(hn_service, steps, n_steps, d_svc_step),
                                  P_STRS(hn_service, require, n_require)};
static const tdesc d_service = TDESC(hn_service, p_service);
static const tdesc d_u8 = TPOD(uint8_t);
static const pdesc p_control[] = {P_STR(hn_control, name), P_STR(hn_control, title), P_STR(hn_control, description),
                                  P_STR(hn_control, owner), P_STRS(hn_control, framework_names, n_frameworks),
                                  P_STRS(hn_control, framework_ids, n_frameworks)};
static const tdesc d_control = TDESC(hn_control, p_control);
static const pdesc p_kpi_factor[] = {P_STR(hn_kpi_factor, text)};
static const tdesc d_kpi_factor = TDESC(hn_kpi_factor, p_kpi_factor);
static const pdesc p_kpi[] = {P_STR(hn_kpi, name), P_STR(hn_kpi, title), P_STR(hn_kpi, description), P_STR(hn_kpi, pack),
                              P_STR(hn_kpi, version), P_STR(hn_kpi, hash), P_STR(hn_kpi, text),
                              P_ARR(hn_kpi, roots, n_roots, d_u8), P_ARR(hn_kpi, dims, n_dims, d_u8),
                              P_ARR(hn_kpi, factors, n_factors, d_kpi_factor)};
static const tdesc d_kpi = TDESC(hn_kpi, p_kpi);

static const pdesc p_program[] = {
  P_ARR(hn_program, fields, n_fields, d_field), P_ARR(hn_program, consts, n_consts, d_const),
  P_ARR(hn_program, vexprs, n_vexprs, d_vexpr), P_ARR(hn_program, preds, n_preds, d_pred),
  P_ARR(hn_program, bnodes, n_bnodes, d_bnode), P_ARR(hn_program, kids, n_kids, d_u32),
  P_ARR(hn_program, rules, n_rules, d_rule), P_ARR(hn_program, corrs, n_corrs, d_corr),
  P_ARR(hn_program, tests, n_tests, d_test), P_ARR(hn_program, assets, n_assets, d_asset),
  P_ARR(hn_program, asset_addrs, n_asset_addrs, d_addr),
  P_ARR(hn_program, identities, n_identities, d_identity), P_ARR(hn_program, ranges, n_ranges, d_range),
  P_ARR(hn_program, scores, n_scores, d_score), P_ARR(hn_program, domains, n_domains, d_domain),
  P_ARR(hn_program, exposures, n_exposures, d_exposure), P_ARR(hn_program, services, n_services, d_service),
  P_ARR(hn_program, controls, n_controls, d_control), P_ARR(hn_program, kpis, n_kpis, d_kpi),
  P_RT(hn_program, inventory), P_RT(hn_program, decoder), P_RT(hn_program, prefilter), P_RT(hn_program, index),
  P_RT(hn_program, native), P_RT(hn_program, native_chunks), P_RT(hn_program, native_score),
  P_RT(hn_program, native_owner), P_RT(hn_program, native_free), P_RT(hn_program, arena),
  P_RT(hn_program, image), P_RT(hn_program, native_handle)};
static const tdesc d_program = TDESC(hn_program, p_program);

/* The struct sizes the descriptors above were written for (LP64). A field added to one of
 * these structs changes its size: add its row above (a pointer) or nothing (plain data), bump
 * HN_IMAGE_FORMAT, and update the size here. */
_Static_assert(sizeof(hn_program) == 992, "hn_program changed: update image.c");
_Static_assert(sizeof(hn_rule) == 168, "hn_rule changed: update image.c");
_Static_assert(sizeof(hn_corr) == 96, "hn_corr changed: update image.c");
_Static_assert(sizeof(hn_const) == 40, "hn_const changed: update image.c");
_Static_assert(sizeof(hn_test) == 56, "hn_test changed: update image.c");
_Static_assert(sizeof(hn_asset) == 64, "hn_asset changed: update image.c");
_Static_assert(sizeof(hn_service) == 112, "hn_service changed: update image.c");
_Static_assert(sizeof(hn_sla_view) == 16 && sizeof(hn_step_view) == 16 && sizeof(hn_edge) == 8,
               "a workflow table changed: update image.c");
_Static_assert(sizeof(hn_control) == 56, "hn_control changed: update image.c");
_Static_assert(sizeof(hn_kpi) == 128, "hn_kpi changed: update image.c");
_Static_assert(sizeof(hn_kpi_factor) == 16, "hn_kpi_factor changed: update image.c");

/* ---- hashing -------------------------------------------------------------------------------- */
/* A 64-bit hash of the content, eight bytes a step (the image of a large pack is megabytes;
 * a byte-at-a-time hash would cost milliseconds of the start-up). Not cryptographic: it finds
 * corruption, not forgery. */
uint64_t hn_image_hash(const void *data, size_t n) {
  const unsigned char *s = data;
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  uint64_t t = 0;
  memcpy(&t, s + i, n - i);
  h = (h ^ t) * 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 29;
  return h;
}

/* The content hash of an image: the header (its hash field as zero) and everything after it, so
 * that no byte of the file goes unchecked (a flipped bit in the triple or the version's padding
 * too). */
static uint64_t image_hash(const unsigned char *m, size_t size) {
  hn_image_header h;
  memcpy(&h, m, sizeof h);
  h.hash = 0;
  return hn_image_hash(m + sizeof h, size - sizeof h) ^ (hn_image_hash(&h, sizeof h) * 0x9E3779B97F4A7C15ull);
}

/* The layout id: every descriptor's struct size and pointer fields, so an image written by a
 * build whose structs differ (another compiler, another hornet) is refused, not misread. */
static uint64_t layout_fold(uint64_t h, const tdesc *d) {
  uint64_t w[2] = {d->size, d->n_ptrs};
  h = hn_image_hash(w, sizeof w) ^ (h * 31);
  for (uint32_t i = 0; i < d->n_ptrs; i++) {
    uint64_t f[3] = {d->ptrs[i].off, d->ptrs[i].count_off, d->ptrs[i].kind};
    h = hn_image_hash(f, sizeof f) ^ (h * 31);
    if (d->ptrs[i].elem) h = layout_fold(h, d->ptrs[i].elem);
  }
  return h;
}

static uint32_t layout_id(void) {
  uint64_t h = layout_fold(HN_IMAGE_FORMAT, &d_program);
  const tdesc *pods[] = {&d_vexpr, &d_pred, &d_bnode, &d_agg, &d_hnode, &d_bind, &d_addr, &d_expect};
  for (size_t i = 0; i < sizeof pods / sizeof pods[0]; i++) h = layout_fold(h, pods[i]);
  return (uint32_t)(h ^ h >> 32);
}

/* Recomputes an image's content hash in place (for tests that craft images). */
void hn_image_rehash(void *image, size_t size) {
  hn_image_header *h = image;
  h->hash = image_hash(image, size);
}

/* ---- the writer ----------------------------------------------------------------------------- */
typedef struct buf {
  unsigned char *d;
  size_t n, cap;
  bool failed;
} buf;

static size_t buf_reserve(buf *b, size_t n, size_t align) {
  size_t at = (b->n + align - 1) & ~(align - 1);
  if (at + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < at + n) cap *= 2;
    unsigned char *d = hn_realloc(b->d, cap);
    if (!d) { b->failed = true; return SIZE_MAX; }
    b->d = d;
    b->cap = cap;
  }
  memset(b->d + b->n, 0, at + n - b->n);
  b->n = at + n;
  return at;
}

static size_t buf_put(buf *b, const void *data, size_t n, size_t align) {
  size_t at = buf_reserve(b, n, align);
  if (at != SIZE_MAX && n) memcpy(b->d + at, data, n);
  return at;
}

/* Strings are deduplicated: the same tag or field name in a thousand rules is stored once. */
typedef struct strtab {
  uint64_t *keys; /* hash */
  size_t *at;     /* offset + 1, 0 = empty */
  size_t cap, n;
} strtab;

typedef struct writer {
  buf b;
  strtab st;
} writer;

static size_t put_string(writer *w, const char *s, size_t len) {
  uint64_t h = hn_image_hash(s, len);
  if (w->st.n * 2 >= w->st.cap) { /* grow and rehash */
    size_t cap = w->st.cap ? w->st.cap * 2 : 1024;
    uint64_t *k = hn_calloc(cap, sizeof *k);
    size_t *a = hn_calloc(cap, sizeof *a);
    if (!k || !a) { hn_free(k); hn_free(a); w->b.failed = true; return 0; }
    for (size_t i = 0; i < w->st.cap; i++)
      if (w->st.at[i]) {
        size_t j = w->st.keys[i] & (cap - 1);
        while (a[j]) j = (j + 1) & (cap - 1);
        k[j] = w->st.keys[i];
        a[j] = w->st.at[i];
      }
    hn_free(w->st.keys);
    hn_free(w->st.at);
    w->st.keys = k;
    w->st.at = a;
    w->st.cap = cap;
  }
  size_t j = h & (w->st.cap - 1);
  for (; w->st.at[j]; j = (j + 1) & (w->st.cap - 1)) {
    size_t at = w->st.at[j] - 1;
    if (w->st.keys[j] == h && at + len < w->b.n && memcmp(w->b.d + at, s, len) == 0 && w->b.d[at + len] == 0)
      return at + 1;
  }
  size_t at = buf_reserve(&w->b, len + 1, 1);
  if (at == SIZE_MAX) return 0;
  if (len) memcpy(w->b.d + at, s, len);
  w->st.keys[j] = h;
  w->st.at[j] = at + 1;
  w->st.n++;
  return at + 1;
}

static size_t put_array(writer *w, const tdesc *d, const void *src, size_t n);

/* Rewrites the pointer fields of the element copied at `at` (its original is `src`). */
static void put_ptrs(writer *w, const tdesc *d, size_t at, const unsigned char *src) {
  for (uint32_t i = 0; i < d->n_ptrs && !w->b.failed; i++) {
    const pdesc *f = &d->ptrs[i];
    void *ptr;
    memcpy(&ptr, src + f->off, sizeof ptr);
    size_t off = 0;
    uint32_t count = 0;
    if (f->count_off != NOCOUNT) memcpy(&count, src + f->count_off, sizeof count);
    switch ((pkind)f->kind) {
    case PK_STR: if (ptr) off = put_string(w, ptr, strlen(ptr)); break;
    case PK_CONST: {
      const hn_const *c = (const hn_const *)src;
      if (c->kind == HN_V_STRING && ptr) off = put_string(w, ptr, c->len);
      else continue; /* a number or an address: the union is plain data */
      break;
    }
    case PK_ARR: if (ptr && count) off = put_array(w, f->elem, ptr, count); break;
    case PK_STRARR:
      if (ptr && count) {
        const char *const *v = ptr;
        size_t *tmp = hn_malloc(count * sizeof *tmp);
        if (!tmp) { w->b.failed = true; return; }
        for (uint32_t k = 0; k < count; k++) tmp[k] = v[k] ? put_string(w, v[k], strlen(v[k])) : 0;
        off = buf_put(&w->b, tmp, count * sizeof *tmp, 8) + 1;
        hn_free(tmp);
      }
      break;
    case PK_RUNTIME: break;
    case PK_BOOL: continue;
    }
    if (w->b.failed) return;
    memcpy(w->b.d + at + f->off, &off, sizeof off); /* the offset + 1 where the pointer was */
  }
}

static size_t put_array(writer *w, const tdesc *d, const void *src, size_t n) {
  size_t at = buf_put(&w->b, src, d->size * n, 16);
  if (at == SIZE_MAX) return 0;
  for (size_t i = 0; i < n && d->n_ptrs; i++) put_ptrs(w, d, at + i * d->size, (const unsigned char *)src + i * d->size);
  return at + 1;
}

typedef struct section {
  uint32_t kind;
  const void *data;
  size_t size;
} section;

static bool write_all(FILE *f, const void *d, size_t n) { return n == 0 || fwrite(d, 1, n, f) == n; }

hn_status hn_image_write(const hn_program *p, const hn_image_native *nat, FILE *out, char *err, size_t errlen) {
  writer w = {0};
  /* the root first, at offset 0: its pointer fields are rewritten like any other */
  put_array(&w, &d_program, p, 1);
  buf pat = {0};
  hn_status st = hn_prefilter_serialize(p, &pat.d, &pat.n);
  char target[512] = {0};
  size_t tlen = 0;
  if (nat && nat->so_len) {
    tlen = (size_t)snprintf(target, sizeof target, "%s", nat->cpu ? nat->cpu : "") + 1;
    tlen += (size_t)snprintf(target + tlen, sizeof target - tlen, "%s", nat->features ? nat->features : "") + 1;
  }
  if (w.b.failed || st != HN_OK) {
    snprintf(err, errlen, "out of memory writing the image");
    hn_free(w.b.d); hn_free(w.st.keys); hn_free(w.st.at); free(pat.d); /* open_memstream's */
    return HN_ERR_NOMEM;
  }
  section secs[4] = {{HN_SEC_PROGRAM, w.b.d, w.b.n}, {HN_SEC_TARGET, target, tlen},
                     {HN_SEC_PATTERNS, pat.d, pat.n}, {HN_SEC_NATIVE, nat ? nat->so : NULL, nat ? nat->so_len : 0}};
  hn_image_header h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, HN_IMAGE_MAGIC, 8);
  h.byte_order = 0x01020304u;
  h.format = HN_IMAGE_FORMAT;
  h.layout = layout_id();
  snprintf(h.version, sizeof h.version, "%s", HN_VERSION_STRING);
  snprintf(h.triple, sizeof h.triple, "%s", nat && nat->triple ? nat->triple : hn_image_host_triple());
  h.n_sections = 4;
  hn_image_section tab[4];
  size_t at = sizeof h + sizeof tab;
  for (int i = 0; i < 4; i++) {
    at = (at + 15) & ~(size_t)15;
    tab[i] = (hn_image_section){secs[i].kind, 0, at, secs[i].size};
    at += secs[i].size;
  }
  h.size = at;
  /* the hash covers everything after the header: the table, the padding and the sections */
  buf body = {0};
  buf_put(&body, tab, sizeof tab, 1);
  for (int i = 0; i < 4; i++) {
    size_t o = buf_reserve(&body, secs[i].size, 16);
    if (o != SIZE_MAX && secs[i].size) memcpy(body.d + o, secs[i].data, secs[i].size);
  }
  if (body.failed) st = HN_ERR_NOMEM;
  else {
    h.hash = 0;
    h.hash = hn_image_hash(body.d, body.n) ^ (hn_image_hash(&h, sizeof h) * 0x9E3779B97F4A7C15ull);
    if (!write_all(out, &h, sizeof h) || !write_all(out, body.d, body.n)) st = HN_ERR_IO;
  }
  if (st == HN_ERR_NOMEM) snprintf(err, errlen, "out of memory writing the image");
  else if (st == HN_ERR_IO) snprintf(err, errlen, "%s", strerror(errno));
  hn_free(body.d); hn_free(w.b.d); hn_free(w.st.keys); hn_free(w.st.at); free(pat.d); /* open_memstream's */
  return st;
}

/* ---- the loader ----------------------------------------------------------------------------- */
typedef struct loader {
  unsigned char *base; /* the PROGRAM section */
  size_t size;
  char *err;
  size_t errlen;
} loader;

static bool fail(loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(loader *l, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(l->err, l->errlen, fmt, ap);
  va_end(ap);
  return false;
}

/* The pointer a stored offset stands for, checked to hold `need` bytes inside the section. */
static bool target(loader *l, size_t stored, size_t need, size_t align, void **out, const char *what) {
  if (stored == 0) { *out = NULL; return true; }
  size_t off = stored - 1;
  if (off >= l->size || need > l->size - off || (off & (align - 1)))
    return fail(l, "corrupt image: %s points outside the program (offset %zu, %zu bytes)", what, off, need);
  *out = l->base + off;
  return true;
}

static bool string_at(loader *l, size_t stored, size_t len, bool nul_free, void **out, const char *what) {
  if (!target(l, stored, len + 1, 1, out, what)) return false;
  const char *s = *out;
  if (s && (s[len] != 0 || (nul_free && memchr(s, 0, len))))
    return fail(l, "corrupt image: %s is not a terminated string", what);
  return true;
}

static bool relocate(loader *l, const tdesc *d, unsigned char *elems, size_t n);

static bool relocate_one(loader *l, const tdesc *d, unsigned char *e) {
  for (uint32_t i = 0; i < d->n_ptrs; i++) {
    const pdesc *f = &d->ptrs[i];
    if (f->kind == PK_BOOL) {
      if (e[f->off] > 1) return fail(l, "corrupt image: %s.%s is neither true nor false", d->name, f->name);
      continue;
    }
    size_t stored;
    memcpy(&stored, e + f->off, sizeof stored);
    uint32_t count = 0;
    if (f->count_off != NOCOUNT) memcpy(&count, e + f->count_off, sizeof count);
    void *ptr = NULL;
    switch ((pkind)f->kind) {
    case PK_STR: {
      size_t off = stored - 1, max = stored && off < l->size ? l->size - off : 0;
      const char *s = stored && off < l->size ? (const char *)l->base + off : NULL;
      size_t len = s ? strnlen(s, max) : 0;
      if (s && len == max) return fail(l, "corrupt image: %s.%s is not a terminated string", d->name, f->name);
      if (!string_at(l, stored, len, true, &ptr, f->name)) return false;
      break;
    }
    case PK_CONST: {
      const hn_const *c = (const hn_const *)e;
      if (c->kind != HN_V_STRING) continue;
      if (!string_at(l, stored, c->len, false, &ptr, "a string constant")) return false;
      break;
    }
    case PK_ARR:
      if (!target(l, stored, (size_t)count * f->elem->size, 16, &ptr, f->name)) return false;
      if (!ptr && count) return fail(l, "corrupt image: %s.%s has %u elements and no table", d->name, f->name, count);
      if (ptr && !relocate(l, f->elem, ptr, count)) return false;
      break;
    case PK_STRARR: {
      if (!target(l, stored, (size_t)count * sizeof(size_t), 8, &ptr, f->name)) return false;
      if (!ptr && count) return fail(l, "corrupt image: %s.%s has %u strings and no table", d->name, f->name, count);
      size_t *v = ptr;
      for (uint32_t k = 0; ptr && k < count; k++) {
        size_t so = v[k], off = so - 1;
        const char *s = so && off < l->size ? (const char *)l->base + off : NULL;
        if (so && !s) return fail(l, "corrupt image: a string of %s.%s is outside the program", d->name, f->name);
        if (s && strnlen(s, l->size - off) == l->size - off)
          return fail(l, "corrupt image: a string of %s.%s is not terminated", d->name, f->name);
        ((const char **)v)[k] = s;
      }
      break;
    }
    case PK_RUNTIME: case PK_BOOL: break;
    }
    memcpy(e + f->off, &ptr, sizeof ptr);
  }
  return true;
}

static bool relocate(loader *l, const tdesc *d, unsigned char *elems, size_t n) {
  for (size_t i = 0; i < n && d->n_ptrs; i++)
    if (!relocate_one(l, d, elems + i * d->size)) return false;
  return true;
}

const char *hn_image_host_triple(void) {
#if defined(__x86_64__)
  return "x86_64-pc-linux-gnu";
#elif defined(__aarch64__)
  return "aarch64-unknown-linux-gnu";
#else
  return "unknown";
#endif
}

/* Whether this CPU runs code compiled for `cpu`: an x86-64 micro-architecture level
 * (x86-64, x86-64-v2, -v3, -v4, as `hornet build --cpu` takes them) or "generic". Each level is
 * checked through the features that define it (the ones both GCC and clang can query). */
bool hn_image_cpu_ok(const char *cpu) {
  if (!cpu || !*cpu || strcmp(cpu, "generic") == 0) return true;
#if defined(__x86_64__)
  __builtin_cpu_init();
  bool v2 = __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("sse3") && __builtin_cpu_supports("ssse3") &&
            __builtin_cpu_supports("sse4.1") && __builtin_cpu_supports("sse4.2");
  bool v3 = v2 && __builtin_cpu_supports("avx") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
            __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("fma");
  bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  if (strcmp(cpu, "x86-64") == 0) return true;
  if (strcmp(cpu, "x86-64-v2") == 0) return v2;
  if (strcmp(cpu, "x86-64-v3") == 0) return v3;
  if (strcmp(cpu, "x86-64-v4") == 0) return v4;
#endif
  return false; /* a CPU this build cannot check: the interpreter runs instead */
}

/* ---- loading -------------------------------------------------------------------------------- */
static const hn_image_section *section_of(const hn_image_section *tab, uint32_t n, uint32_t kind) {
  for (uint32_t i = 0; i < n; i++)
    if (tab[i].kind == kind) return &tab[i];
  return NULL;
}

/* The header and the section table, checked against the file before anything is read. */
static bool check_header(const unsigned char *m, size_t size, const char *path, char *err, size_t errlen) {
  const hn_image_header *h = (const hn_image_header *)m;
  if (size < sizeof *h || memcmp(h->magic, HN_IMAGE_MAGIC, 8) != 0) {
    snprintf(err, errlen, "%s: not a hornet pack image (build one with `hornet build PACK -o FILE.hnp`)", path);
    return false;
  }
  if (h->byte_order != 0x01020304u) {
    snprintf(err, errlen, "%s: the image was built on a machine of the other byte order", path);
    return false;
  }
  if (h->format != HN_IMAGE_FORMAT || h->layout != layout_id() || strncmp(h->version, HN_VERSION_STRING, sizeof h->version)) {
    snprintf(err, errlen, "%s: built by hornet %.16s (image format %u), this is hornet %s (format %u): rebuild it with "
             "`hornet build`", path, h->version, h->format, HN_VERSION_STRING, HN_IMAGE_FORMAT);
    return false;
  }
  if (h->size != size) {
    snprintf(err, errlen, "%s: the image is %s (%zu bytes, its header says %llu)", path,
             size < h->size ? "truncated" : "longer than written", size, (unsigned long long)h->size);
    return false;
  }
  if (h->n_sections == 0 || h->n_sections > 64 || sizeof *h + h->n_sections * sizeof(hn_image_section) > size) {
    snprintf(err, errlen, "%s: corrupt image (section table)", path);
    return false;
  }
  if (image_hash(m, size) != h->hash) {
    snprintf(err, errlen, "%s: corrupt image (its content hash does not match: the file was damaged)", path);
    return false;
  }
  const hn_image_section *tab = (const hn_image_section *)(m + sizeof *h);
  for (uint32_t i = 0; i < h->n_sections; i++)
    if (tab[i].offset > size || tab[i].size > size - tab[i].offset || (tab[i].offset & 15)) {
      snprintf(err, errlen, "%s: corrupt image (section %u lies outside the file)", path, i);
      return false;
    }
  const hn_image_section *ps = section_of(tab, h->n_sections, HN_SEC_PROGRAM);
  if (!ps || ps->size < sizeof(hn_program)) {
    snprintf(err, errlen, "%s: corrupt image (no program)", path);
    return false;
  }
  return true;
}

/* Loads the shared object of the NATIVE section from memory (a memfd, so nothing touches the
 * disk) and attaches its entry points. The generated code calls the runtime through two
 * pointers it exports, set here: it has no undefined symbol, whatever links libhornet. */
static bool load_native(hn_program *p, const void *so, size_t n, char *warn, size_t wlen) {
  int fd = memfd_create("hornet-native", MFD_CLOEXEC);
  char path[64];
  if (fd < 0) {
    snprintf(warn, wlen, "cannot hold the native code in memory (%s)", strerror(errno));
    return false;
  }
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, (const char *)so + done, n - done);
    if (w <= 0) { snprintf(warn, wlen, "cannot hold the native code in memory (%s)", strerror(errno)); close(fd); return false; }
    done += (size_t)w;
  }
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  close(fd);
  if (!h) {
    snprintf(warn, wlen, "cannot load the native code (%s)", dlerror());
    return false;
  }
  const uint32_t *abi = dlsym(h, "hn_native_abi");
  void **pred = dlsym(h, "hn_rt_pred_ptr"), **hnode = dlsym(h, "hn_rt_hnode_ptr");
  void *rule = dlsym(h, "hn_rule"), *chunks = dlsym(h, "hn_chunks"), *score = dlsym(h, "hn_score");
  const uint32_t *chunk = dlsym(h, "hn_native_chunk");
  if (!abi || *abi != HN_NATIVE_ABI || !pred || !hnode || !rule || !chunks || !score || !chunk || !*chunk) {
    snprintf(warn, wlen, "the native code does not fit this runtime (ABI %u, expected %u)", abi ? *abi : 0, HN_NATIVE_ABI);
    dlclose(h);
    return false;
  }
  *pred = (void *)hn_rt_pred;
  *hnode = (void *)hn_rt_hnode;
  p->native = (hn_native_fn)(uintptr_t)rule;
  p->native_chunks = (const hn_native_fn *)chunks;
  p->native_chunk = *chunk;
  p->native_score = (hn_native_score_fn)(uintptr_t)score;
  p->native_handle = h;
  return true;
}

static void native_attach(hn_program *p, const unsigned char *m, const hn_image_section *tab, uint32_t n) {
  const hn_image_header *h = (const hn_image_header *)m;
  const hn_image_section *ns = section_of(tab, n, HN_SEC_NATIVE), *ts = section_of(tab, n, HN_SEC_TARGET);
  if (!ns || !ns->size) return;
  char cpu[128] = "", why[300] = "";
  if (ts && ts->size) snprintf(cpu, sizeof cpu, "%.*s", (int)strnlen((const char *)m + ts->offset, ts->size), m + ts->offset);
  if (strncmp(h->triple, hn_image_host_triple(), sizeof h->triple) != 0)
    snprintf(why, sizeof why, "the native code is for %.72s, this is %s", h->triple, hn_image_host_triple());
  else if (!hn_image_cpu_ok(cpu))
    snprintf(why, sizeof why, "the native code needs a %s CPU, this one is older", cpu);
  else if (load_native(p, m + ns->offset, ns->size, why, sizeof why))
    return;
  size_t l = strlen(p->warning); /* after the prefilter's warning, if there is one */
  snprintf(p->warning + l, sizeof p->warning - l, "%s%s: the interpreter runs the pack", l ? "; " : "", why);
}

hn_status hn_program_load(const char *path, unsigned flags, hn_program **out, char *err, size_t errlen) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb) != 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    return errno == ENOENT ? HN_ERR_NOT_FOUND : HN_ERR_IO;
  }
  size_t size = (size_t)sb.st_size;
  unsigned char *m = size ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  close(fd);
  if (m == MAP_FAILED) {
    snprintf(err, errlen, size ? "%s: cannot map the image (%s)" : "%s: empty file, not a pack image%s", path,
             size ? strerror(errno) : "");
    return HN_ERR_IO;
  }
  if (!check_header(m, size, path, err, errlen)) {
    munmap(m, size);
    return HN_ERR_SYNTAX;
  }
  const hn_image_header *h = (const hn_image_header *)m;
  const hn_image_section *tab = (const hn_image_section *)(m + sizeof *h);
  const hn_image_section *ps = section_of(tab, h->n_sections, HN_SEC_PROGRAM);
  char msg[200] = "";
  loader l = {m + ps->offset, ps->size, msg, sizeof msg};
  hn_program *p = (hn_program *)l.base;
  if (!relocate_one(&l, &d_program, l.base) || !hn_program_validate(p, msg, sizeof msg)) {
    snprintf(err, errlen, "%s: %s", path, msg);
    munmap(m, size);
    return HN_ERR_SYNTAX;
  }
  p->image = m;
  p->image_len = size;
  p->warning[0] = 0;
  p->no_prefilter = (flags & HN_LOAD_NO_PREFILTER) != 0;
  const hn_image_section *pat = section_of(tab, h->n_sections, HN_SEC_PATTERNS);
  hn_status st = hn_program_prepare_loaded(p, pat ? m + pat->offset : NULL, pat ? pat->size : 0, msg, sizeof msg);
  if (st != HN_OK) {
    snprintf(err, errlen, "%s: %s", path, msg);
    hn_program_destroy(p);
    return st;
  }
  if (!(flags & HN_LOAD_INTERP)) native_attach(p, m, tab, h->n_sections);
  *out = p;
  return HN_OK;
}

/* ---- the dump (hornet build --dump) ---------------------------------------------------------- */
static void dump_table(FILE *f, const tdesc *d, const unsigned char *elems, size_t n, const char *name, int depth);

static void dump_value(FILE *f, const pdesc *pd, const unsigned char *e) {
  void *ptr;
  memcpy(&ptr, e + pd->off, sizeof ptr);
  if (pd->kind == PK_STR) fprintf(f, " %s=%s%s%s", pd->name, ptr ? "\"" : "", ptr ? (const char *)ptr : "null", ptr ? "\"" : "");
}

static void dump_table(FILE *f, const tdesc *d, const unsigned char *elems, size_t n, const char *name, int depth) {
  fprintf(f, "%*s%s: %zu x %s (%zu bytes)\n", depth * 2, "", name, n, d->name, n * d->size);
  for (size_t i = 0; i < n && d->n_ptrs; i++) {
    const unsigned char *e = elems + i * d->size;
    bool any = false;
    for (uint32_t k = 0; k < d->n_ptrs; k++)
      if (d->ptrs[k].kind == PK_STR) any = true;
    if (any) {
      fprintf(f, "%*s[%zu]", depth * 2 + 2, "", i);
      for (uint32_t k = 0; k < d->n_ptrs; k++) dump_value(f, &d->ptrs[k], e);
      fputc('\n', f);
    }
  }
}

void hn_image_dump_tables(const hn_program *p, FILE *f) {
  const unsigned char *root = (const unsigned char *)p;
  for (uint32_t k = 0; k < d_program.n_ptrs; k++) {
    const pdesc *pd = &d_program.ptrs[k];
    if (pd->kind != PK_ARR) continue;
    void *ptr;
    uint32_t count;
    memcpy(&ptr, root + pd->off, sizeof ptr);
    memcpy(&count, root + pd->count_off, sizeof count);
    if (count) dump_table(f, pd->elem, ptr, count, pd->name, 0);
  }
}

bool hn_is_image(const char *path) {
  FILE *f = fopen(path, "rb");
  char m[8];
  bool yes = f && fread(m, 1, 8, f) == 8 && memcmp(m, HN_IMAGE_MAGIC, 8) == 0;
  if (f) fclose(f);
  return yes;
}

hn_status hn_program_write_image(const hn_program *p, const void *native, size_t native_len, const char *cpu, FILE *out,
                                 char *err, size_t errlen) {
  hn_image_native nat = {hn_image_host_triple(), cpu, "", native, native_len};
  return hn_image_write(p, native ? &nat : NULL, out, err, errlen);
}

static const char *const kind_names[] = {"single", "aggregate", "sequence", "absence", "over-alerts"};

void hn_program_dump(const hn_program *p, FILE *f) {
  if (p->image) {
    const hn_image_header *h = p->image;
    const hn_image_section *tab = (const hn_image_section *)((const unsigned char *)p->image + sizeof *h);
    fprintf(f, "image: format %u, hornet %.16s, %s, %llu bytes, hash %016llx\n", h->format, h->version, h->triple,
            (unsigned long long)h->size, (unsigned long long)h->hash);
    static const char *const secs[] = {"?", "program", "target", "patterns", "native"};
    for (uint32_t i = 0; i < h->n_sections; i++)
      fprintf(f, "  section %-8s at %10llu, %10llu bytes\n", tab[i].kind <= 4 ? secs[tab[i].kind] : "?",
              (unsigned long long)tab[i].offset, (unsigned long long)tab[i].size);
    fprintf(f, "native code: %s\n", p->native ? "loaded" : p->warning[0] ? p->warning : "none");
  }
  fprintf(f, "settings: lateness %lldns, suppress %lldns, memory %llu bytes, max_keys %llu, horizon %lldns, "
          "max_skew %lldns\n", (long long)p->lateness, (long long)p->suppress, (unsigned long long)p->memory,
          (unsigned long long)p->max_keys, (long long)p->horizon, (long long)p->max_skew);
  hn_image_dump_tables(p, f);
  fprintf(f, "rules:\n");
  for (uint32_t r = 0; r < p->n_rules; r++) {
    const hn_rule *R = &p->rules[r];
    fprintf(f, "  %4u %s: %s, severity %d, condition b%u", r, R->name, kind_names[R->kind <= 4 ? R->kind : 0], R->severity,
            R->cond);
    if (R->corr != UINT32_MAX) fprintf(f, ", correlation %u", R->corr);
    fputc('\n', f);
    const hn_corr *C = R->corr != UINT32_MAX ? &p->corrs[R->corr] : NULL;
    hn_node_text(f, p, C, R->cond, 3);
    for (uint32_t k = 0; C && k < C->n_steps; k++) {
      fprintf(f, "      step %s%s:\n", C->steps[k].negated ? "not " : "", C->steps[k].name);
      hn_node_text(f, p, C, C->steps[k].cond, 4);
    }
  }
}
