/* pfcheck.c - the multi-pattern engine's known-answer self-test: literals, caseless literals and
 * start-anchored literals planted at every offset of buffers of 0 to 4096 bytes, the engine's
 * hits against a plain search's, before a program trusts the engine on this CPU (once per
 * process). Depends on prefilter.h (and its cache of databases) and libhs; no program, no event.
 *
 * Cost: 20,334 scans, 4.9 MB. On this project's 2-core AVX-512 machine under load, about 8 ms
 * of CPU in a new process when the four databases come from the cache, 21 ms when they are
 * compiled (the first run for an engine, a CPU and a hornet version, or HORNET_CACHE_DIR=off).
 * A third of it is the engine's scanning, a sixth the plain search, a tenth reading the cache. */
#include <ctype.h>
#include <hs.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "prefilter.h"
#include "alloc.h"

/* A literal as the prefilter compiles one (SINGLEMATCH | DOTALL, see prefilter.c). */
typedef struct kat_pat {
  const char *s;
  bool nocase, anchored;
} kat_pat;

/* The databases, each shaped like one a real field gets: the issue's exact pair (a small
 * literal set: Teddy), one caseless literal (a single-literal scanner), a mixed handful, and the
 * handful among N_GEN more literals (a large set: FDR, as Teddy takes at most 96 literals).
 * The generated ones hold '#', which the filler never does. */
enum { N_GEN = 100, MAX_PATS = 8 + N_GEN, WORDS = (MAX_PATS + 63) / 64, MAX_LEN = 4096 };
static const kat_pat pair_pats[] = {{".com", false, false}, {".exe", false, false}};
static const kat_pat one_pats[] = {{".exe", true, false}};
static const kat_pat mixed_pats[] = {
    {".exe", false, false}, {"powershell", true, false}, {"C:\\", false, true},
    {"http", true, true},   {"|", false, false},         {"\\AppData\\Local\\Temp\\", false, false},
    {"-enc", false, false}, {"rundll32", true, false}};

typedef struct kat_db {
  const char *name;
  kat_pat pats[MAX_PATS];
  unsigned lens[MAX_PATS], n, max_len;
  /* the patterns by folded first byte, for the plain search: order[start[b] .. start[b + 1]) */
  unsigned short order[MAX_PATS], start[257];
  hs_database_t *db;
} kat_db;

/* One literal of one database, swept alone: a match earlier in the buffer hid nearly all of the
 * fault of Vectorscan 5.4.9 (it lost '.exe' at the end of buffers of 68 bytes or more: 2,963
 * misses of 43,956 buffers alone, none with '.com' planted before it). */
typedef struct kat_case {
  unsigned db, pat;
  bool deep; /* also buffers of 1 and 4 KiB */
} kat_case;

typedef struct kat_plant {
  size_t off, n;
  const char *text;
} kat_plant;

typedef struct kat {
  kat_db dbs[4];
  unsigned n_dbs;
  hs_scratch_t *scratch;
  char gen[N_GEN][8];
  char filler[MAX_LEN];
  char buf[MAX_LEN];
  const hn_pf_fault *fault;
  unsigned long scans;
  unsigned long long bytes;
  unsigned cached; /* databases that came from the cache */
  char *why;
  size_t why_len;
} kat;

typedef struct kat_hits {
  uint64_t bits[WORDS];
  size_t len;
  const hn_pf_fault *fault;
} kat_hits;

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx) {
  (void)from;
  (void)flags;
  kat_hits *h = ctx;
  const hn_pf_fault *f = h->fault; /* a simulated fault (tests): the match is lost */
  if (f && h->len >= f->min_len && h->len <= f->max_len && to + f->tail > h->len) return 0;
  h->bits[id / 64] |= 1ull << (id % 64);
  return 0;
}

/* Scans buf[0, len) into h, with the simulated fault if any. */
static hs_error_t kat_hs_scan(kat *t, const hs_database_t *db, const char *buf, size_t len, kat_hits *h) {
  memset(h, 0, sizeof *h);
  h->len = len;
  h->fault = t->fault;
  t->scans++;
  t->bytes += len;
  hs_error_t err = hs_scan(db, buf, (unsigned)len, 0, t->scratch, on_hit, h);
  if (t->fault && t->fault->phantom_len && t->fault->phantom_len == len) h->bits[0] |= 1; /* pattern 0 reported, present or not */
  return err;
}

static unsigned char fold(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

static bool lit_at(const kat_pat *p, size_t n, const char *buf, size_t len, size_t at) {
  if (at + n > len) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char a = (unsigned char)buf[at + i], b = (unsigned char)p->s[i];
    if (a != b && !(p->nocase && fold(a) == fold(b))) return false;
  }
  return true;
}

/* The plain search: the patterns of d that start in [lo, hi) of buf[0, len) and end after
 * byte `after`, added to want. */
static void plain(const kat_db *d, const char *buf, size_t len, size_t lo, size_t hi, size_t after, uint64_t *want) {
  for (size_t at = lo; at < hi && at < len; at++) {
    unsigned char b = fold((unsigned char)buf[at]);
    for (unsigned j = d->start[b]; j < d->start[b + 1]; j++) {
      unsigned k = d->order[j];
      if (at + d->lens[k] > after && (at == 0 || !d->pats[k].anchored) && lit_at(&d->pats[k], d->lens[k], buf, len, at))
        want[k / 64] |= 1ull << (k % 64);
    }
  }
}

static void fail(kat *t, const char *what, const kat_db *d, unsigned k, size_t len, const kat_plant *p, unsigned np) {
  if (t->why[0]) return;
  int n = snprintf(t->why, t->why_len, "%s '%s' (%s database) in a %zu-byte buffer", what, d->pats[k].s, d->name, len);
  for (unsigned i = 0; i < np && n > 0 && (size_t)n < t->why_len; i++)
    n += snprintf(t->why + n, t->why_len - (size_t)n, "%s '%.*s' at offset %zu", i ? " and" : " holding", (int)p[i].n,
                  p[i].text, p[i].off);
}

/* Plants p[0..np) in a len-byte filler buffer, scans it with d, compares every pattern's hit
 * with the plain search, and restores the filler. The filler holds no pattern (make_filler
 * sees to it), so a match overlaps a plant: the plain search looks at the starts from
 * max_len - 1 bytes before each plant to its end. */
static bool kat_scan(kat *t, const kat_db *d, size_t len, const kat_plant *p, unsigned np) {
  for (unsigned i = 0; i < np; i++) memcpy(t->buf + p[i].off, p[i].text, p[i].n);
  kat_hits h;
  hs_error_t err = kat_hs_scan(t, d->db, t->buf, len, &h);
  uint64_t want[WORDS] = {0};
  for (unsigned i = 0; i < np; i++)
    plain(d, t->buf, len, p[i].off >= d->max_len ? p[i].off - d->max_len + 1 : 0, p[i].off + p[i].n, p[i].off, want);
  for (unsigned i = 0; i < np; i++) memcpy(t->buf + p[i].off, t->filler + p[i].off, p[i].n);
  if (err != HS_SUCCESS) {
    if (!t->why[0])
      snprintf(t->why, t->why_len, "hs_scan failed (error %d) on the %s database, a %zu-byte buffer", (int)err, d->name, len);
    return false;
  }
  for (unsigned w = 0; w < WORDS; w++) {
    uint64_t diff = want[w] ^ h.bits[w];
    if (!diff) continue;
    unsigned k = w * 64 + (unsigned)__builtin_ctzll(diff);
    fail(t, (want[w] >> (k % 64)) & 1 ? "missed" : "found, where it is not,", d, k, len, p, np);
    return false;
  }
  return true;
}

/* How a literal is planted: a caseless one with every other letter in upper case. */
static kat_plant plant_of(const kat_db *d, unsigned k, char *text) {
  memcpy(text, d->pats[k].s, d->lens[k]);
  for (size_t i = 0; d->pats[k].nocase && i < d->lens[k]; i += 2) text[i] = (char)toupper((unsigned char)text[i]);
  return (kat_plant){0, d->lens[k], text};
}

/* The lengths swept, at every offset: each side of 16 and 32 bytes, and 60 to 72 (64, and 68
 * where the Vectorscan fault began). Then longer ones, at every offset within EDGE bytes of
 * either end (an anchored literal: of the start), so that the literal meets every residue
 * modulo 64 where a vector loop starts and where its tail is masked: each side of 128 and 256
 * bytes (and 96) for every case, and of 1024 and 4096 for the deep ones. */
enum { EDGE = 64 };
static const unsigned short_lens[][2] = {{0, 20}, {29, 35}, {60, 72}};
static const unsigned long_lens[] = {96, 127, 128, 129, 255, 256, 257};
static const unsigned deep_lens[] = {1023, 1024, 1025, 4095, 4096};

static bool sweep_len(kat *t, const kat_case *c, size_t len, bool edges) {
  const kat_db *d = &t->dbs[c->db];
  char text[32];
  kat_plant a = plant_of(d, c->pat, text);
  if (!kat_scan(t, d, len, &a, 0)) return false; /* the filler alone: no hit */
  bool anchored = d->pats[c->pat].anchored;
  for (size_t off = 0; off + a.n <= len; off++) {
    if (edges && off == EDGE) { /* past the head: on to the tail */
      if (anchored) break;
      if (off < len - a.n - EDGE + 1) off = len - a.n - EDGE + 1;
    }
    a.off = off;
    if (!kat_scan(t, d, len, &a, 1)) return false;
  }
  return true;
}

static bool sweep(kat *t, const kat_case *c) {
  for (size_t r = 0; r < sizeof short_lens / sizeof *short_lens; r++)
    for (size_t len = short_lens[r][0]; len <= short_lens[r][1]; len++)
      if (!sweep_len(t, c, len, false)) return false;
  for (size_t i = 0; i < sizeof long_lens / sizeof *long_lens; i++)
    if (!sweep_len(t, c, long_lens[i], true)) return false;
  for (size_t i = 0; c->deep && i < sizeof deep_lens / sizeof *deep_lens; i++)
    if (!sweep_len(t, c, deep_lens[i], true)) return false;
  return true;
}

/* The issue's reproducer, exactly: "C:\" + N x "a" + "\drop.exe", N = 0..299, against the pair
 * (\x2ecom, \x2eexe): '.exe' is found and '.com' is not, at every length. */
static bool issue_pair(kat *t) {
  const kat_db *d = &t->dbs[0];
  char b[3 + 300 + 9];
  for (size_t n = 0; n < 300; n++) {
    memcpy(b, "C:\\", 3);
    memset(b + 3, 'a', n);
    memcpy(b + 3 + n, "\\drop.exe", 9);
    kat_hits h;
    if (kat_hs_scan(t, d->db, b, 3 + n + 9, &h) != HS_SUCCESS || h.bits[0] != 2) {
      snprintf(t->why, t->why_len, "'C:\\<%zu a>\\drop.exe' (%zu bytes): .exe %s, .com %s", n, h.len,
               h.bits[0] & 2 ? "found" : "missed", h.bits[0] & 1 ? "found" : "not found");
      return false;
    }
  }
  return true;
}

static void add_db(kat *t, const char *name, const kat_pat *pats, unsigned n, bool gen) {
  kat_db *d = &t->dbs[t->n_dbs++];
  d->name = name;
  memcpy(d->pats, pats, n * sizeof *pats);
  d->n = n;
  for (unsigned i = 0; gen && i < N_GEN; i++) d->pats[d->n++] = (kat_pat){t->gen[i], false, false};
  unsigned count[257] = {0};
  for (unsigned k = 0; k < d->n; k++) {
    d->lens[k] = (unsigned)strlen(d->pats[k].s);
    if (d->lens[k] > d->max_len) d->max_len = d->lens[k];
    count[fold((unsigned char)d->pats[k].s[0]) + 1]++;
  }
  for (unsigned b = 0; b < 256; b++) d->start[b + 1] = (unsigned short)(d->start[b] + count[b + 1]);
  unsigned short fill[256];
  memcpy(fill, d->start, sizeof fill);
  for (unsigned k = 0; k < d->n; k++) d->order[fill[fold((unsigned char)d->pats[k].s[0])]++] = (unsigned short)k;
}

/* A deterministic filler over letters of the patterns (near misses such as "exe" without the
 * dot, or "powershel") but without '.', ':', '|' or '#'; reseeded until no pattern occurs. */
static void make_filler(kat *t) {
  static const char alpha[] = "acemoxprstwhlndu AEXCOMPH\\-_0123";
  for (uint64_t seed = 0x9E3779B97F4A7C15ull;; seed += 0x632BE59BD9B4E019ull) {
    uint64_t r = seed;
    for (size_t i = 0; i < MAX_LEN; i++) {
      r ^= r << 13;
      r ^= r >> 7;
      r ^= r << 17;
      t->filler[i] = alpha[r % (sizeof alpha - 1)];
    }
    uint64_t found[WORDS] = {0}, any = 0;
    for (unsigned d = 0; d < t->n_dbs; d++) plain(&t->dbs[d], t->filler, MAX_LEN, 0, MAX_LEN, 0, found);
    for (unsigned w = 0; w < WORDS; w++) any |= found[w];
    if (!any) break;
  }
  memcpy(t->buf, t->filler, MAX_LEN);
}

/* d as the prefilter gets a field's database: from the cache (unless fresh: a database this
 * engine compiled before on this kind of CPU), else compiled (and cached). Compiling the four
 * costs about 13 ms of CPU in a new process, loading them about 1 ms. */
static bool get_db(kat *t, kat_db *d, bool fresh) {
  char *exprs[MAX_PATS];
  unsigned flags[MAX_PATS], ids[MAX_PATS], n = 0;
  for (; n < d->n; n++) {
    if (!(exprs[n] = hn_pf_literal_regex(d->pats[n].s, d->lens[n], d->pats[n].anchored))) break;
    flags[n] = HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL | (d->pats[n].nocase ? HS_FLAG_CASELESS : 0);
    ids[n] = n;
  }
  hs_compile_error_t *ce = NULL;
  bool ok = n == d->n;
  if (ok && !fresh && (d->db = hn_pf_cache_load((const char *const *)exprs, flags, n))) t->cached++;
  if (ok && !d->db) {
    ok = hs_compile_multi((const char *const *)exprs, flags, ids, n, HS_MODE_BLOCK, NULL, &d->db, &ce) == HS_SUCCESS;
    if (ok) hn_pf_cache_store((const char *const *)exprs, flags, n, d->db);
  }
  ok = ok && hs_alloc_scratch(d->db, &t->scratch) == HS_SUCCESS;
  if (!ok) snprintf(t->why, t->why_len, "cannot compile the %s database (%s)", d->name, ce ? ce->message : "out of memory");
  hs_free_compile_error(ce);
  for (unsigned i = 0; i < n; i++) hn_free(exprs[i]);
  return ok;
}

static void kat_init(kat *t) {
  for (unsigned i = 0; i < N_GEN; i++) snprintf(t->gen[i], sizeof t->gen[i], "#%u%.*s", i, (int)(i % 3), "zz");
  add_db(t, "pair", pair_pats, 2, false);
  add_db(t, "one", one_pats, 1, false);
  add_db(t, "mixed", mixed_pats, 8, false);
  add_db(t, "large", mixed_pats, 8, true);
  make_filler(t);
}

/* The literals swept (indices into each database's patterns; pair: .com .exe; one: .exe
 * caseless; mixed and large as mixed_pats): exact, caseless and anchored ones in each kind of
 * database. */
static const kat_case cases[] = {
    {0, 1, true},                   /* the issue's pair: ".exe" */
    {1, 0, false},                  /* one caseless literal: ".eXe" */
    {2, 1, false}, {2, 2, false},   /* caseless "PoWeRsHeLl", anchored "C:\" */
    {2, 3, false}, {2, 4, false},   /* anchored caseless "HtTp", one byte "|" */
    {2, 5, false},                  /* 20 bytes: "\AppData\Local\Temp\" */
    {3, 0, true}, {3, 1, false}, {3, 2, false}, /* ".exe", "PoWeRsHeLl", "C:\" among 108 */
};

static bool kat_run(kat *t, bool fresh) {
  bool ok = true;
  for (unsigned d = 0; ok && d < t->n_dbs; d++) ok = get_db(t, &t->dbs[d], fresh);
  for (unsigned i = 0; ok && i < sizeof cases / sizeof *cases; i++) ok = sweep(t, &cases[i]);
  ok = ok && issue_pair(t);
  for (unsigned d = 0; d < t->n_dbs; d++) {
    hs_free_database(t->dbs[d].db);
    t->dbs[d].db = NULL;
  }
  return ok;
}

bool hn_pf_selftest_run(const hn_pf_fault *fault, char *why, size_t why_len, hn_pf_kat_stats *stats) {
  kat *t = hn_calloc(1, sizeof *t);
  why[0] = 0;
  if (!t) {
    snprintf(why, why_len, "out of memory");
    return false;
  }
  t->why = why;
  t->why_len = why_len;
  t->fault = fault;
  kat_init(t);
  bool ok = kat_run(t, false);
  if (!ok && t->cached) { /* a cached database failed: the engine is judged on fresh ones */
    why[0] = 0;
    t->cached = 0;
    ok = kat_run(t, true);
  }
  if (stats) *stats = (hn_pf_kat_stats){t->scans, t->bytes, t->cached};
  hs_free_scratch(t->scratch);
  hn_free(t);
  return ok;
}

static pthread_once_t selftest_once = PTHREAD_ONCE_INIT;
static char selftest_why[256];
static bool selftest_ok;

static void selftest_run_once(void) {
  /* HORNET_PREFILTER_SELFTEST=fail (tests): an engine that loses matches near the end of
   * buffers of 68 bytes or more, as Vectorscan 5.4.9 did on AVX-512 */
  static const hn_pf_fault vectorscan_549 = {68, SIZE_MAX, 16, 0};
  const char *env = getenv("HORNET_PREFILTER_SELFTEST");
  bool fault = env && strcmp(env, "fail") == 0;
  selftest_ok = hn_pf_selftest_run(fault ? &vectorscan_549 : NULL, selftest_why, sizeof selftest_why, NULL);
}

const char *hn_pf_selftest(void) {
  pthread_once(&selftest_once, selftest_run_once);
  return selftest_ok ? NULL : selftest_why;
}
