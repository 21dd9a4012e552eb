/* prefilter.c - the multi-pattern prefilter and the string sets (see prefilter.h).
 * Depends on program.h, interp's value layout and libhs (Vectorscan or Hyperscan). */
#include "prefilter.h"
#include "alloc.h"
#include <ctype.h>
#include <hs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cache.h"
#include "text.h"

static uint64_t hash(const char *s, size_t n) { return hn_hash_bytes(s, n); }

static bool ascii(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80) return false;
  return true;
}

char *hn_pf_literal_regex(const char *s, size_t n, bool anchor_start) {
  char *r = hn_malloc(n * 4 + 2);
  if (!r) return NULL;
  size_t k = 0;
  if (anchor_start) r[k++] = '^';
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      r[k++] = (char)c;
    } else {
      r[k++] = '\\';
      r[k++] = 'x';
      r[k++] = hex[c >> 4];
      r[k++] = hex[c & 15];
    }
  }
  r[k] = 0;
  return r;
}

/* Whether a regex reads Unicode's tables: a property (\p, \P, \X), or non-ASCII text matched
 * caselessly (the ~, or an inline (?i)). The engine's tables are older than PCRE2's (U+13A0 is
 * no upper-case letter to it, U+AB70 no case of U+13A0), so its superset of such a regex can
 * miss what PCRE2 matches: those are left to PCRE2 alone. */
static bool reads_unicode_tables(const char *r, size_t n, bool nocase) {
  bool non_ascii = false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)r[i];
    if (c >= 0x80) non_ascii = true;
    if (c == '(' && i + 2 < n && r[i + 1] == '?') /* inline options: (?i) (?si) (?i:...) */
      for (size_t k = i + 2; k < n && r[k] != ')' && r[k] != ':'; k++) nocase |= r[k] == 'i';
    if (c != '\\' || i + 1 >= n) continue;
    char e = r[++i];
    if (e == 'p' || e == 'P' || e == 'X') return true;
    if (e == 'x' || e == 'N' || e == 'o') non_ascii = true; /* \x{212A}, \N{U+..}: maybe past ASCII */
  }
  return nocase && non_ascii;
}

/* The longest literal run of a like pattern (what any match must contain). */
static char *like_literal(const char *p, size_t n, size_t *out_n) {
  char *best = NULL, *cur = hn_malloc(n + 1);
  size_t bn = 0, cn = 0;
  if (!cur) return NULL;
  for (size_t i = 0; i <= n; i++) {
    bool end = i == n || p[i] == '*' || p[i] == '?';
    if (!end && p[i] == '\\' && i + 1 < n && (p[i + 1] == '*' || p[i + 1] == '?' || p[i + 1] == '\\')) {
      cur[cn++] = p[++i];
      continue;
    }
    if (!end) {
      cur[cn++] = p[i];
      continue;
    }
    if (cn > bn) {
      hn_free(best);
      best = hn_malloc(cn + 1);
      if (!best) break;
      memcpy(best, cur, cn);
      bn = cn;
    }
    cn = 0;
  }
  hn_free(cur);
  *out_n = bn;
  return best;
}

/* The patterns of one field, as the engine takes them (exprs, flags, ids), with the literal
 * each one is (lits, lit_lens; NULL for a regex), to check the database against. */
typedef struct pat_list {
  char **exprs, **lits;
  unsigned *flags, *ids;
  uint32_t *lit_lens;
  uint32_t n, cap;
} pat_list;

static bool pat_grow(pat_list *l) {
  uint32_t cap = l->cap ? l->cap * 2 : 16;
  char **e = hn_realloc(l->exprs, cap * sizeof *e);
  if (e) l->exprs = e;
  char **t = e ? hn_realloc(l->lits, cap * sizeof *t) : NULL;
  if (t) l->lits = t;
  unsigned *f = t ? hn_realloc(l->flags, cap * sizeof *f) : NULL;
  if (f) l->flags = f;
  unsigned *d = f ? hn_realloc(l->ids, cap * sizeof *d) : NULL;
  if (d) l->ids = d;
  uint32_t *ln = d ? hn_realloc(l->lit_lens, cap * sizeof *ln) : NULL;
  if (ln) l->lit_lens = ln;
  if (ln) l->cap = cap;
  return ln != NULL;
}

/* Takes expr and lit (either may be NULL only for lit: a regex). */
static bool pat_add(pat_list *l, char *expr, unsigned flags, char *lit, uint32_t lit_len) {
  if (l->n == l->cap && !pat_grow(l)) return false;
  l->exprs[l->n] = expr;
  l->lits[l->n] = lit;
  l->lit_lens[l->n] = lit_len;
  l->flags[l->n] = flags;
  l->ids[l->n] = l->n;
  l->n++;
  return true;
}

static void pat_drop(pat_list *l, uint32_t from) {
  for (uint32_t i = from; i < l->n; i++) {
    hn_free(l->exprs[i]);
    hn_free(l->lits[i]);
  }
  l->n = from;
}

static void pat_fini(pat_list *l) {
  pat_drop(l, 0);
  hn_free(l->exprs);
  hn_free(l->lits);
  hn_free(l->flags);
  hn_free(l->ids);
  hn_free(l->lit_lens);
}

/* The pattern that must occur for constant c of predicate pr to match, or NULL; *lit gets the
 * literal it stands for (malloc'd; NULL for a regex). */
static char *pattern_of(const hn_pred *pr, const hn_const *c, bool check, unsigned *flags, char **lit_out, uint32_t *lit_len) {
  *lit_out = NULL;
  *lit_len = 0;
  bool nocase = (pr->flags & HN_PF_NOCASE) != 0;
  *flags = HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL;
  if (pr->op == HN_P_MATCHES) {
    /* the engine compiles a superset of the regex; PCRE2 confirms */
    *flags |= HS_FLAG_PREFILTER | HS_FLAG_UTF8 | (nocase ? HS_FLAG_CASELESS : 0);
    char *r = hn_malloc(c->len + 1);
    if (!r) return NULL;
    memcpy(r, c->u.s, c->len);
    r[c->len] = 0;
    /* a regex the engine cannot take even approximately is left to PCRE2 alone, so that one
     * pattern does not cost the whole field its database */
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *ce = NULL;
    if (memchr(r, 0, c->len) || reads_unicode_tables(r, c->len, nocase) ||
        (check && hs_expression_info(r, *flags, &info, &ce) != HS_SUCCESS)) {
      hs_free_compile_error(ce);
      hn_free(r);
      return NULL;
    }
    hn_free(info); /* allocated with the engine's default allocator, malloc */
    return r;
  }
  const char *s = c->u.s;
  size_t n = c->len;
  char *lit = NULL;
  if (pr->op == HN_P_LIKE) {
    lit = like_literal(s, n, &n);
    if (!lit) return NULL;
    s = lit;
  }
  /* caseless non-ASCII folds more than the engine's ASCII caselessness: leave it exact */
  if (n == 0 || (nocase && !ascii(s, n))) { hn_free(lit); return NULL; }
  if (nocase) *flags |= HS_FLAG_CASELESS;
  /* U+212A KELVIN SIGN folds to k and U+017F LONG S to s (lang/SPEC.md §6.5): the engine's
   * caselessness knows them only in UTF-8 mode (values are well-formed UTF-8, the decoder sees
   * to it), so a caseless pattern holding k or s is compiled so */
  if (nocase && (memchr(s, 'k', n) || memchr(s, 'K', n) || memchr(s, 's', n) || memchr(s, 'S', n))) *flags |= HS_FLAG_UTF8;
  char *r = hn_pf_literal_regex(s, n, pr->op == HN_P_STARTSWITH);
  if (!lit && r && (lit = hn_malloc(n))) memcpy(lit, s, n);
  if (!r || !lit) {
    hn_free(r);
    hn_free(lit);
    return NULL;
  }
  *lit_out = lit;
  *lit_len = (uint32_t)n;
  return r;
}

static void strset_build(hn_program *p, uint32_t pi, hn_strset *set) {
  const hn_pred *pr = &p->preds[pi];
  uint32_t cap = 16;
  while (cap < pr->n * 2) cap *= 2;
  set->slots = hn_calloc(cap, sizeof *set->slots);
  if (!set->slots) return;
  set->cap = cap;
  for (uint32_t k = 0; k < pr->n; k++) {
    const hn_const *c = &p->consts[pr->first + k];
    uint32_t i = (uint32_t)hash(c->u.s, c->len) & (cap - 1);
    while (set->slots[i]) i = (i + 1) & (cap - 1);
    set->slots[i] = pr->first + k + 1;
  }
}

bool hn_strset_has(const hn_program *p, uint32_t pi, const char *s, size_t n) {
  const hn_strset *set = &p->prefilter->sets[pi];
  for (uint32_t i = (uint32_t)hash(s, n) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
    uint32_t v = set->slots[i];
    if (!v) return false;
    const hn_const *c = &p->consts[v - 1];
    if (c->len == n && (n == 0 || memcmp(c->u.s, s, n) == 0)) return true;
  }
}

/* The engine linked in, named from its run-time version: Intel's last Hyperscan release is
 * 5.4.2, so a later version is Vectorscan (a fork that kept the API, the library name and the
 * numbering). A library other than the one built against is said too. */
static char engine_name[128];
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void engine_init(void) {
  const char *v = hs_version();
  unsigned a = 0, b = 0, c = 0;
  if (sscanf(v, "%u.%u.%u", &a, &b, &c) != 3) a = b = c = 0;
  bool vectorscan = a > 5 || (a == 5 && (b > 4 || (b == 4 && c > 2)));
  int k = snprintf(engine_name, sizeof engine_name, "%s %s", vectorscan ? "Vectorscan" : "Hyperscan", v);
  while (k > 0 && (size_t)k < sizeof engine_name && engine_name[k - 1] == ' ') engine_name[--k] = 0; /* "5.4.9 " */
  if ((a != HS_MAJOR || b != HS_MINOR || c != HS_PATCH) && k > 0 && (size_t)k < sizeof engine_name)
    snprintf(engine_name + k, sizeof engine_name - (size_t)k, " (built against %d.%d.%d)", HS_MAJOR, HS_MINOR, HS_PATCH);
}

const char *hn_pf_engine(void) {
  pthread_once(&engine_once, engine_init);
  return engine_name;
}

char *hn_pf_db_key(const char *engine, const char *const *exprs, const unsigned *flags, uint32_t n, char *name,
                   size_t nlen) {
  char *key = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&key, &len);
  if (!f) return NULL;
  hs_platform_info_t pl;
  if (hs_populate_platform(&pl) != HS_SUCCESS) memset(&pl, 0, sizeof pl);
  /* the engine and the CPU features it compiled for: a database from another engine or
   * another machine (a shared cache directory) is never loaded */
  fprintf(f, "hornet-patterns %s %s tune %u features %llu\n", HN_VERSION_STRING, engine ? engine : hn_pf_engine(),
          pl.tune, (unsigned long long)pl.cpu_features);
  for (uint32_t i = 0; i < n; i++) fprintf(f, "%u %u %s\n", flags[i], i, exprs[i]);
  if (fclose(f) != 0) {
    free(key); /* open_memstream's: libc's */
    return NULL;
  }
  snprintf(name, nlen, "%016llx.hs", (unsigned long long)hn_cache_hash(1469598103934665603ull, key, len));
  return key;
}

void *hn_pf_cache_load(const char *const *exprs, const unsigned *flags, uint32_t n) {
  char name[64];
  char *key = hn_pf_db_key(NULL, exprs, flags, n, name, sizeof name);
  size_t len = 0;
  char *data = key ? hn_cache_read(name, key, &len) : NULL;
  hs_database_t *db = NULL;
  if (data && hs_deserialize_database(data, len, &db) != HS_SUCCESS) db = NULL;
  hn_free(data);
  free(key); /* hn_pf_db_key's: libc's (open_memstream) */
  return db;
}

void hn_pf_cache_store(const char *const *exprs, const unsigned *flags, uint32_t n, const void *db) {
  char name[64];
  char *key = hn_pf_db_key(NULL, exprs, flags, n, name, sizeof name), *bytes = NULL;
  size_t len = 0;
  if (key && hs_serialize_database(db, &bytes, &len) == HS_SUCCESS) hn_cache_write(name, key, bytes, len);
  hn_free(bytes);
  free(key); /* hn_pf_db_key's: libc's (open_memstream) */
}

/* Appends literal i of l to b, caseless ones with every other letter's case flipped (the
 * engine must fold them), then a newline. */
static size_t put_lit(char *b, const pat_list *l, uint32_t i) {
  uint32_t n = l->lit_lens[i];
  memcpy(b, l->lits[i], n);
  for (uint32_t k = 0; (l->flags[i] & HS_FLAG_CASELESS) && k < n; k += 2) {
    unsigned char c = (unsigned char)b[k];
    if (c < 0x80) b[k] = (char)(isupper(c) ? tolower(c) : toupper(c));
  }
  b[n] = '\n';
  return n + 1;
}

static bool anchored(const pat_list *l, uint32_t i) { return l->exprs[i][0] == '^'; }

int hn_pf_on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx) {
  (void)from;
  (void)to;
  (void)flags;
  uint64_t *bits = ctx;
  bits[id / 64] |= 1ull << (id % 64);
  return 0;
}

static bool scan_has(const hs_database_t *db, hs_scratch_t *sc, const char *b, size_t n, uint64_t *bits,
                     size_t words) {
  memset(bits, 0, words * 8);
  return hs_scan(db, b, (unsigned)n, 0, sc, hn_pf_on_match, bits) == HS_SUCCESS;
}

#define HAS(bits, i) (((bits)[(i) / 64] >> ((i) % 64)) & 1)

/* Whether db finds every literal of l (a regex cannot be planted; PCRE2 confirms those): all of
 * them in one buffer, one after the other, then in reverse order after a 61-byte prefix (each
 * literal at another alignment, the first one at the end); each anchored one at the start of a
 * 68-byte buffer (where the tail code of an AVX-512 scan begins). A database that misses one of
 * its own patterns is not trusted, whether it came from the cache or the compiler. On the
 * SigmaHQ Windows pack (21,406 patterns in 111 fields) that is 770 scans, 15-25 ms of CPU.
 * HN_OK; HN_ERR_NOT_FOUND with *missed the first pattern missed (l->n: a scan failed);
 * HN_ERR_NOMEM. */
static hn_status db_check(const pat_list *l, const hs_database_t *db, hs_scratch_t *sc, uint32_t *missed) {
  size_t total = 61 + 68, words = (l->n + 63) / 64;
  for (uint32_t i = 0; i < l->n; i++) total += l->lits[i] ? l->lit_lens[i] + 1 : 0;
  char *b = hn_malloc(total);
  uint64_t *bits = hn_malloc(words * 8);
  hn_status st = b && bits ? HN_ERR_NOT_FOUND : HN_ERR_NOMEM;
  *missed = l->n;
  for (int pass = 0; pass < 2 && st == HN_ERR_NOT_FOUND; pass++) {
    size_t k = pass ? 61 : 0;
    if (pass) memset(b, '-', 61);
    for (uint32_t j = 0; j < l->n; j++) {
      uint32_t i = pass ? l->n - 1 - j : j;
      if (l->lits[i] && !anchored(l, i)) k += put_lit(b + k, l, i);
    }
    if (!scan_has(db, sc, b, k, bits, words)) goto done;
    for (uint32_t i = 0; i < l->n; i++)
      if (l->lits[i] && !anchored(l, i) && !HAS(bits, i)) { *missed = i; goto done; }
  }
  for (uint32_t i = 0; i < l->n && st == HN_ERR_NOT_FOUND; i++) {
    if (!l->lits[i] || !anchored(l, i)) continue;
    size_t k = put_lit(b, l, i);
    memset(b + k, ' ', 67);
    if (!scan_has(db, sc, b, k + 67, bits, words)) goto done;
    if (!HAS(bits, i)) { *missed = i; goto done; }
  }
  if (st == HN_ERR_NOT_FOUND) st = HN_OK;
done:
  hn_free(b);
  hn_free(bits);
  return st;
}

/* The prefilter off for this program: no predicate filtered, no pattern id left, the exact
 * matchers and the index without pattern keys decide everything. */
static void prefilter_off(hn_program *p) {
  hn_prefilter_free(p);
  for (uint32_t pi = 0; pi < p->n_preds; pi++) {
    hn_pred *pr = &p->preds[pi];
    if (!(pr->flags & HN_PF_FILTERED)) continue;
    pr->flags &= (uint8_t)~HN_PF_FILTERED;
    for (uint32_t k = 0; k < pr->n; k++) p->consts[pr->first + k].pf = 0;
  }
}

/* Field s's predicates left to the exact matcher (the engine refused one of its patterns). */
static void field_exact(hn_program *p, uint32_t s) {
  for (uint32_t pi = 0; pi < p->n_preds; pi++) {
    hn_pred *pr = &p->preds[pi];
    if (!(pr->flags & HN_PF_FILTERED) || p->vexprs[pr->lhs].a != s) continue;
    pr->flags &= (uint8_t)~HN_PF_FILTERED;
    for (uint32_t k = 0; k < pr->n; k++) p->consts[pr->first + k].pf = 0;
  }
}

/* The patterns every prefiltered predicate needs, per field (the predicates get
 * HN_PF_FILTERED and their constants a pattern id), and the string sets of large `in`s.
 * redo NULL: every field, each regex asked of the engine (hs_expression_info). From an image,
 * a first pass asks nothing (the engine's answers were a third of a large pack's start-up),
 * and redo then names the fields whose patterns do not match the image's database: only those
 * are collected again, asking. */
static bool collect(hn_program *p, hn_prefilter *pf, pat_list *lists, bool trust, const bool *redo) {
  for (uint32_t pi = 0; pi < p->n_preds; pi++) {
    hn_pred *pr = &p->preds[pi];
    if (pr->lhs == UINT32_MAX || p->vexprs[pr->lhs].op != HN_VX_FIELD) continue;
    uint32_t slot = p->vexprs[pr->lhs].a;
    if (redo && !redo[slot]) continue;
    bool strings = pr->n > 0;
    for (uint32_t k = 0; k < pr->n; k++) strings &= p->consts[pr->first + k].kind == HN_V_STRING;
    if (pr->op == HN_P_IN && strings && pr->n >= 8) { /* IOC lists: a set, not a loop */
      if (redo) continue; /* built by the first pass */
      strset_build(p, pi, &pf->sets[pi]);
      if (!pf->sets[pi].cap) return false;
      continue;
    }
    if (!strings || pr->rhs != UINT32_MAX ||
        (pr->op != HN_P_CONTAINS && pr->op != HN_P_STARTSWITH && pr->op != HN_P_ENDSWITH && pr->op != HN_P_LIKE &&
         pr->op != HN_P_MATCHES))
      continue;
    /* every constant needs a pattern, or the predicate is left exact */
    bool all = true;
    uint32_t first_id = lists[slot].n;
    for (uint32_t k = 0; k < pr->n && all; k++) {
      hn_const *c = &p->consts[pr->first + k];
      unsigned flags;
      char *lit;
      uint32_t lit_len;
      char *expr = pattern_of(pr, c, !trust, &flags, &lit, &lit_len);
      if (!expr || !pat_add(&lists[slot], expr, flags, lit, lit_len)) {
        hn_free(expr);
        hn_free(lit);
        all = false;
        break;
      }
      c->pf = lists[slot].n; /* pattern id + 1 */
    }
    if (!all) { /* roll back this predicate's patterns */
      pat_drop(&lists[slot], first_id);
      for (uint32_t k = 0; k < pr->n; k++) p->consts[pr->first + k].pf = 0;
      continue;
    }
    pr->flags |= HN_PF_FILTERED;
  }
  return true;
}

/* The databases an image holds: {u32 slot, u32 n_patterns, u64 length, bytes, padding to 8}
 * records (hn_prefilter_serialize), read in place. */
typedef struct image_dbs {
  const unsigned char *data;
  size_t len;
} image_dbs;

/* Field s's record in the image (each field has one at most): its pattern count in *n and its
 * bytes; false when there is none, or the records are damaged. */
static bool image_find(const image_dbs *img, uint32_t s, uint32_t *n, const unsigned char **bytes, size_t *blen) {
  for (size_t at = 0; img->len - at >= 16 && at < img->len;) {
    uint32_t head[2];
    uint64_t l64;
    memcpy(head, img->data + at, 8);
    memcpy(&l64, img->data + at + 8, 8);
    at += 16;
    if (l64 > img->len - at) return false;
    if (head[0] == s) {
      *n = head[1];
      *bytes = img->data + at;
      *blen = (size_t)l64;
      return true;
    }
    at += (size_t)((l64 + 7) & ~(uint64_t)7);
  }
  return false;
}

/* Field s's database from the image, when it has one for the same number of patterns and this
 * engine can read it; else NULL (the database is then compiled, as from a cold cache). */
static hs_database_t *image_db(const image_dbs *img, uint32_t s, uint32_t n_patterns) {
  uint32_t n;
  const unsigned char *bytes;
  size_t blen;
  hs_database_t *db = NULL;
  if (image_find(img, s, &n, &bytes, &blen) && n == n_patterns &&
      hs_deserialize_database((const char *)bytes, blen, &db) == HS_SUCCESS)
    return db;
  return NULL;
}

/* Whether the image holds a database for field s made of n patterns. */
static bool image_has(const image_dbs *img, uint32_t s, uint32_t n) {
  uint32_t got;
  const unsigned char *bytes;
  size_t blen;
  return image_find(img, s, &got, &bytes, &blen) && got == n;
}

/* After a first pass that asked the engine nothing: a field whose pattern count differs from
 * its database in the image (a regex the engine refused when the image was built was left
 * out then), or that has none there, is collected again, asking. */
static bool recollect(hn_program *p, hn_prefilter *pf, pat_list *lists, const image_dbs *img) {
  bool *redo = hn_calloc(p->n_fields ? p->n_fields : 1, sizeof *redo), any = false;
  if (!redo) return false;
  for (uint32_t s = 0; s < p->n_fields; s++) any |= redo[s] = lists[s].n && !image_has(img, s, lists[s].n);
  for (uint32_t pi = 0; any && pi < p->n_preds; pi++) {
    hn_pred *pr = &p->preds[pi];
    if (pr->lhs == UINT32_MAX || p->vexprs[pr->lhs].op != HN_VX_FIELD || !redo[p->vexprs[pr->lhs].a] ||
        !(pr->flags & HN_PF_FILTERED))
      continue;
    pr->flags &= ~HN_PF_FILTERED;
    for (uint32_t k = 0; k < pr->n; k++) p->consts[pr->first + k].pf = 0;
  }
  for (uint32_t s = 0; any && s < p->n_fields; s++)
    if (redo[s]) pat_drop(&lists[s], 0);
  bool ok = !any || collect(p, pf, lists, false, redo);
  hn_free(redo);
  return ok;
}

static void warn_missed(hn_program *p, uint32_t s, const pat_list *l, uint32_t i) {
  char what[96];
  if (i < l->n) snprintf(what, sizeof what, "misses its own pattern /%.60s/", l->exprs[i]);
  else snprintf(what, sizeof what, "fails to scan");
  snprintf(p->warning, sizeof p->warning,
           "the multi-pattern engine (%s) compiled a database for field '%s' that %s; the prefilter is off for "
           "this run (matching stays exact)", hn_pf_engine(), p->fields[s].path, what);
}

/* Field s's database: from the cache when it finds its own patterns, else compiled, checked
 * and cached. HN_OK (the field may be left exact: the engine refused a pattern);
 * HN_ERR_NOMEM; HN_ERR_SEMANTIC when a fresh database misses one of its own patterns (the
 * warning says which: the engine is not to be trusted). */
static hn_status field_db(hn_program *p, hn_prefilter *pf, uint32_t s, const pat_list *l, const image_dbs *img) {
  hs_scratch_t **sc = (hs_scratch_t **)&pf->scratch_proto;
  /* compiling thousands of patterns is most of a big pack's start-up: the image's database, or
   * the cache's, first; either is used only once it finds its own patterns */
  hs_database_t *db = img ? image_db(img, s, l->n) : hn_pf_cache_load((const char *const *)l->exprs, l->flags, l->n);
  uint32_t missed;
  hn_status st = HN_OK;
  if (db && (hs_alloc_scratch(db, sc) != HS_SUCCESS || (st = db_check(l, db, *sc, &missed)) != HN_OK)) {
    hs_free_database(db); /* a cached database that misses: compile a fresh one */
    db = NULL;
    if (st == HN_ERR_NOMEM) return st;
  }
  hs_compile_error_t *ce = NULL;
  if (!db && hs_compile_multi((const char *const *)l->exprs, l->flags, l->ids, l->n, HS_MODE_BLOCK, NULL, &db, &ce) == HS_SUCCESS) {
    st = hs_alloc_scratch(db, sc) != HS_SUCCESS ? HN_ERR_NOMEM : db_check(l, db, *sc, &missed);
    if (st == HN_ERR_NOT_FOUND) warn_missed(p, s, l, missed);
    if (st != HN_OK) {
      hs_free_database(db);
      return st == HN_ERR_NOT_FOUND ? HN_ERR_SEMANTIC : st;
    }
    hn_pf_cache_store((const char *const *)l->exprs, l->flags, l->n, db);
  }
  hs_free_compile_error(ce);
  if (!db) { /* some pattern the engine refuses (a regex construct): the field stays exact */
    field_exact(p, s);
    return HN_OK;
  }
  pf->fields[s].db = db;
  pf->fields[s].n_patterns = l->n;
  return HN_OK;
}

/* The prefilter of p; with img, each field's database comes from an image when it is there. */
static hn_status build(hn_program *p, const image_dbs *img) {
  hn_prefilter *pf = hn_calloc(1, sizeof *pf);
  if (!pf) return HN_ERR_NOMEM;
  p->prefilter = pf;
  pf->fields = hn_calloc(p->n_fields ? p->n_fields : 1, sizeof *pf->fields);
  pf->sets = hn_calloc(p->n_preds ? p->n_preds : 1, sizeof *pf->sets);
  pat_list *lists = hn_calloc(p->n_fields ? p->n_fields : 1, sizeof *lists);
  hn_status st = pf->fields && pf->sets && lists && collect(p, pf, lists, img != NULL, NULL) &&
                 (!img || recollect(p, pf, lists, img)) ? HN_OK : HN_ERR_NOMEM;
  bool any = false;
  for (uint32_t s = 0; lists && s < p->n_fields; s++) any |= lists[s].n > 0;
  /* the engine is trusted only once it passed its known-answer test on this CPU */
  const char *why = st == HN_OK && any ? hn_pf_selftest() : NULL;
  if (why) {
    snprintf(p->warning, sizeof p->warning,
             "the multi-pattern engine (%s) failed its self-test on this CPU: %s; the prefilter is off for this run "
             "(matching stays exact)", hn_pf_engine(), why);
    st = HN_ERR_SEMANTIC;
  }
  for (uint32_t s = 0; st == HN_OK && s < p->n_fields; s++)
    if (lists[s].n) st = field_db(p, pf, s, &lists[s], img);
  for (uint32_t s = 0; lists && s < p->n_fields; s++) pat_fini(&lists[s]);
  hn_free(lists);
  if (st == HN_ERR_SEMANTIC) { /* the engine is wrong: exact matching, and the warning says why */
    prefilter_off(p);
    st = HN_OK;
  }
  return st;
}

hn_status hn_prefilter_build(hn_program *p) { return build(p, NULL); }

void hn_prefilter_free(hn_program *p) {
  hn_prefilter *pf = p->prefilter;
  if (!pf) return;
  for (uint32_t s = 0; pf->fields && s < p->n_fields; s++) hs_free_database(pf->fields[s].db);
  for (uint32_t i = 0; pf->sets && i < p->n_preds; i++) hn_free(pf->sets[i].slots);
  hs_free_scratch(pf->scratch_proto);
  hn_free(pf->fields);
  hn_free(pf->sets);
  hn_free(pf);
  p->prefilter = NULL;
}

hn_status hn_pf_state_init(hn_pf_state *s, const hn_program *p) {
  memset(s, 0, sizeof *s);
  const hn_prefilter *pf = p->prefilter;
  if (!pf) return HN_OK;
  s->scanned = hn_calloc(p->n_fields ? p->n_fields : 1, sizeof *s->scanned);
  s->hits = hn_calloc(p->n_fields ? p->n_fields : 1, sizeof *s->hits);
  if (!s->scanned || !s->hits) return HN_ERR_NOMEM;
  for (uint32_t f = 0; f < p->n_fields; f++)
    if (pf->fields[f].db && !(s->hits[f] = hn_calloc((pf->fields[f].n_patterns + 63) / 64, 8))) return HN_ERR_NOMEM;
  if (pf->scratch_proto && hs_clone_scratch(pf->scratch_proto, (hs_scratch_t **)&s->scratch) != HS_SUCCESS)
    return HN_ERR_NOMEM;
  return HN_OK;
}

void hn_pf_state_fini(hn_pf_state *s, const hn_program *p) {
  if (s->hits)
    for (uint32_t f = 0; f < p->n_fields; f++) hn_free(s->hits[f]);
  hn_free(s->hits);
  hn_free(s->scanned);
  hs_free_scratch(s->scratch);
  memset(s, 0, sizeof *s);
}

const uint64_t *hn_pf_hits(hn_pf_state *s, const hn_program *p, const hn_event *ev, uint32_t slot, uint32_t epoch) {
  const hn_pf_field *f = &p->prefilter->fields[slot];
  uint64_t *bits = s->hits[slot];
  if (s->scanned[slot] == epoch) return bits;
  s->scanned[slot] = epoch;
  size_t words = (f->n_patterns + 63) / 64;
  memset(bits, 0, words * 8);
  const hn_slot *sl = &ev->slots[slot];
  for (uint32_t i = 0; i < sl->n; i++) {
    const hn_value *v = &ev->values[sl->first + i];
    if (v->kind != HN_V_STRING) continue;
    if (hs_scan((const hs_database_t *)f->db, v->u.s, v->len, 0, (hs_scratch_t *)s->scratch, hn_pf_on_match, bits) ==
        HS_SUCCESS)
      continue;
    /* a failed scan proves nothing: every pattern counts as present, so the exact matchers
     * decide, and the failure is counted (hn_program_scan_errors) */
    atomic_fetch_add_explicit(&p->prefilter->scan_errors, 1, memory_order_relaxed);
    memset(bits, 0xFF, words * 8);
    if (f->n_patterns % 64) bits[words - 1] = (1ull << (f->n_patterns % 64)) - 1; /* no id past the last */
    break;
  }
  return bits;
}

/* ---- images --------------------------------------------------------------------------------- */
hn_status hn_prefilter_serialize(const hn_program *p, unsigned char **out, size_t *len) {
  *out = NULL;
  *len = 0;
  const hn_prefilter *pf = p->prefilter;
  char *data = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&data, &n);
  if (!f) return HN_ERR_NOMEM;
  bool ok = true;
  for (uint32_t s = 0; pf && s < p->n_fields && ok; s++) {
    if (!pf->fields[s].db) continue;
    char *bytes = NULL;
    size_t blen = 0;
    if (hs_serialize_database((const hs_database_t *)pf->fields[s].db, &bytes, &blen) != HS_SUCCESS) { ok = false; break; }
    uint32_t head[2] = {s, pf->fields[s].n_patterns};
    uint64_t l64 = blen;
    static const char pad[8] = {0};
    ok = fwrite(head, sizeof head, 1, f) == 1 && fwrite(&l64, sizeof l64, 1, f) == 1 && fwrite(bytes, 1, blen, f) == blen &&
         (blen % 8 == 0 || fwrite(pad, 1, 8 - blen % 8, f) == 8 - blen % 8);
    hn_free(bytes);
  }
  if (fclose(f) != 0) ok = false;
  if (!ok) { free(data); return HN_ERR_NOMEM; } /* open_memstream's: libc's */
  *out = (unsigned char *)data;
  *len = n;
  return HN_OK;
}

hn_status hn_prefilter_restore(hn_program *p, const unsigned char *data, size_t len) {
  /* the patterns are collected again from the program (cheap, no compilation): the flags and
   * pattern ids the image holds are recomputed, not trusted */
  prefilter_off(p);
  if (!data) return HN_OK;
  image_dbs img = {data, len};
  return build(p, &img);
}
