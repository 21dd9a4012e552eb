// sigma_sqlite.c - the SQL baseline of the Sigma matching benchmark (the Zircolite approach).
//
//   sigma_sqlite [--index] sigma.sql EVENTS.jsonl [PAIRS_OUT]
//
// sigma.sql comes from bench/sigma_sql.py: `#col<TAB>field<TAB>int|text<TAB>column` lines, then
// one `SIGMA_ID<TAB>SELECT rowid FROM ev WHERE ...` line per rule. Loads the JSON Lines events
// into an in-memory table `ev` (rowid = line number; TEXT columns `COLLATE NOCASE` as Zircolite
// declares them, so `=` and `IN` fold ASCII case), flattened in C by a small JSON reader (a
// number or a boolean in a text column is stored as its JSON text, as hornet reads it), then
// runs every rule's SELECT, a full scan each (Zircolite creates no index; `--index` adds one on
// (EventID, Channel), which most rules' log source can use).
//
// Registers two functions: REGEXP (PCRE2, UTF mode, ASCII \d\w\s as hornet; the pattern
// carries its (?i)/(?m)/(?s); compiled once per statement and JIT-compiled) and
// cidr_match(address, network) (IPv4 in IPv4 networks, IPv6 in IPv6 networks).
// Prints load and query times (CLOCK_MONOTONIC); with PAIRS_OUT writes `sigma_id<TAB>line`.
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <pcre2.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXCOL 2000
typedef struct {
  char *field, *col;
  bool isint;
  char *buf;
  size_t len, cap;
  int kind;  // 0 absent/null, 1 string, 2 number, 3 true/false
} column;
static column cols[MAXCOL];
static int ncols;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// ---- the columns: field names hashed ---------------------------------------------------------
#define HSIZE 8192
static int htab[HSIZE];
static uint32_t hash(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}
static int find_col(const char *path, size_t n) {
  for (uint32_t h = hash(path, n) & (HSIZE - 1);; h = (h + 1) & (HSIZE - 1)) {
    int i = htab[h] - 1;
    if (i < 0) return -1;
    if (strlen(cols[i].field) == n && memcmp(cols[i].field, path, n) == 0) return i;
  }
}
static void add_col(int i) {
  uint32_t h = hash(cols[i].field, strlen(cols[i].field)) & (HSIZE - 1);
  while (htab[h]) h = (h + 1) & (HSIZE - 1);
  htab[h] = i + 1;
}

static void set(column *c, const char *s, size_t n, int kind) {
  if (n + 1 > c->cap) {
    c->cap = (n + 1) * 2;
    c->buf = realloc(c->buf, c->cap);
  }
  memcpy(c->buf, s, n);
  c->buf[n] = 0;
  c->len = n;
  c->kind = kind;
}

// ---- a small JSON reader: flat or nested objects (dotted paths) ------------------------------
typedef struct {
  const char *p, *end;
  char path[512];
  size_t plen;
  bool bad;
} reader;

static char *sbuf;  // unescaped string scratch, as long as the longest line
static size_t sbuf_cap;

static void ws(reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n')) r->p++;
}

static void put_utf8(char *out, size_t *o, unsigned cp) {
  if (cp < 0x80) out[(*o)++] = (char)cp;
  else if (cp < 0x800) { out[(*o)++] = (char)(0xc0 | cp >> 6); out[(*o)++] = (char)(0x80 | (cp & 63)); }
  else if (cp < 0x10000) {
    out[(*o)++] = (char)(0xe0 | cp >> 12); out[(*o)++] = (char)(0x80 | ((cp >> 6) & 63)); out[(*o)++] = (char)(0x80 | (cp & 63));
  } else {
    out[(*o)++] = (char)(0xf0 | cp >> 18); out[(*o)++] = (char)(0x80 | ((cp >> 12) & 63));
    out[(*o)++] = (char)(0x80 | ((cp >> 6) & 63)); out[(*o)++] = (char)(0x80 | (cp & 63));
  }
}

static unsigned hex4(reader *r) {
  unsigned cp = 0;
  for (int i = 0; i < 4 && r->p < r->end; i++) {
    char h = *r->p++;
    cp = cp * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
  }
  return cp;
}

// reads the string at r->p (at the quote), unescaped, into sbuf; returns its length
static size_t read_string(reader *r) {
  size_t o = 0;
  r->p++;
  while (r->p < r->end && *r->p != '"') {
    char c = *r->p++;
    if (c != '\\' || r->p >= r->end) { sbuf[o++] = c; continue; }
    char e = *r->p++;
    switch (e) {
    case 'n': sbuf[o++] = '\n'; break;
    case 't': sbuf[o++] = '\t'; break;
    case 'r': sbuf[o++] = '\r'; break;
    case 'b': sbuf[o++] = '\b'; break;
    case 'f': sbuf[o++] = '\f'; break;
    case 'u': {
      unsigned cp = hex4(r);
      if (cp >= 0xd800 && cp < 0xdc00 && r->p + 6 <= r->end && r->p[0] == '\\' && r->p[1] == 'u') {
        r->p += 2;
        unsigned lo = hex4(r);
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      }
      put_utf8(sbuf, &o, cp);
      break;
    }
    default: sbuf[o++] = e;
    }
  }
  r->p++;
  return o;
}

static void value(reader *r);

static void object(reader *r) {
  r->p++;  // {
  ws(r);
  if (r->p < r->end && *r->p == '}') { r->p++; return; }
  while (r->p < r->end) {
    ws(r);
    if (*r->p != '"') { r->bad = true; return; }
    size_t kl = read_string(r);
    size_t saved = r->plen;
    if (r->plen) r->path[r->plen++] = '.';
    if (r->plen + kl < sizeof r->path) { memcpy(r->path + r->plen, sbuf, kl); r->plen += kl; }
    ws(r);
    if (r->p >= r->end || *r->p != ':') { r->bad = true; return; }
    r->p++;
    ws(r);
    value(r);
    r->plen = saved;
    ws(r);
    if (r->p < r->end && *r->p == ',') { r->p++; continue; }
    if (r->p < r->end && *r->p == '}') { r->p++; return; }
    r->bad = true;
    return;
  }
  r->bad = true;
}

static void value(reader *r) {
  if (r->p >= r->end) { r->bad = true; return; }
  char c = *r->p;
  if (c == '{') { object(r); return; }
  if (c == '[') {  // arrays do not occur in the flat Windows convention: skipped
    int depth = 0;
    bool instr = false;
    for (; r->p < r->end; r->p++) {
      if (instr) { if (*r->p == '\\') r->p++; else if (*r->p == '"') instr = false; continue; }
      if (*r->p == '"') instr = true;
      else if (*r->p == '[' || *r->p == '{') depth++;
      else if ((*r->p == ']' || *r->p == '}') && --depth == 0) { r->p++; return; }
    }
    r->bad = true;
    return;
  }
  int ci = find_col(r->path, r->plen);
  if (c == '"') {
    size_t n = read_string(r);
    if (ci >= 0) set(&cols[ci], sbuf, n, 1);
    return;
  }
  const char *s = r->p;
  while (r->p < r->end && *r->p != ',' && *r->p != '}' && *r->p != ']' && *r->p != ' ' && *r->p != '\n') r->p++;
  size_t n = (size_t)(r->p - s);
  if (ci < 0 || (n == 4 && memcmp(s, "null", 4) == 0)) return;
  set(&cols[ci], s, n, *s == 't' || *s == 'f' ? 3 : 2);
}

// ---- SQL functions -----------------------------------------------------------------------------
typedef struct {
  pcre2_code *code;
  pcre2_match_data *md;
} rx;
static void rx_free(void *p) {
  rx *x = p;
  pcre2_match_data_free(x->md);
  pcre2_code_free(x->code);
  free(x);
}
static long n_regexp_calls;

// X REGEXP Y calls regexp(Y, X): argv[0] the pattern, argv[1] the value
static void fn_regexp(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[1]) == SQLITE_NULL) return;  // NULL: as hornet, false
  rx *x = sqlite3_get_auxdata(ctx, 0);
  if (!x) {
    const char *pat = (const char *)sqlite3_value_text(argv[0]);
    int err;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &off, NULL);
    if (!code) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof msg);
      char e[512];
      snprintf(e, sizeof e, "regexp %s: %s at %zu", pat, (char *)msg, (size_t)off);
      sqlite3_result_error(ctx, e, -1);
      return;
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    x = malloc(sizeof *x);
    x->code = code;
    x->md = pcre2_match_data_create_from_pattern(code, NULL);
    sqlite3_set_auxdata(ctx, 0, x, rx_free);
    x = sqlite3_get_auxdata(ctx, 0);
    if (!x) { sqlite3_result_error_nomem(ctx); return; }
  }
  n_regexp_calls++;
  const unsigned char *v = sqlite3_value_text(argv[1]);
  int n = sqlite3_value_bytes(argv[1]);
  int rc = pcre2_match(x->code, (PCRE2_SPTR)v, (PCRE2_SIZE)n, 0, 0, x->md, NULL);
  sqlite3_result_int(ctx, rc >= 0);
}

typedef struct {
  int fam, bits;
  unsigned char net[16];
} cidr;

static bool parse_addr(const char *s, int *fam, unsigned char out[16]) {
  if (inet_pton(AF_INET, s, out) == 1) { *fam = 4; return true; }
  if (inet_pton(AF_INET6, s, out) == 1) { *fam = 6; return true; }
  return false;
}

static void cidr_free(void *p) { free(p); }

static void fn_cidr(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  cidr *c = sqlite3_get_auxdata(ctx, 1);
  if (!c) {
    char s[128];
    snprintf(s, sizeof s, "%s", (const char *)sqlite3_value_text(argv[1]));
    c = calloc(1, sizeof *c);
    char *slash = strchr(s, '/');
    if (slash) *slash = 0;
    if (!parse_addr(s, &c->fam, c->net)) { free(c); sqlite3_result_error(ctx, "cidr_match: bad network", -1); return; }
    c->bits = slash ? atoi(slash + 1) : (c->fam == 4 ? 32 : 128);
    sqlite3_set_auxdata(ctx, 1, c, cidr_free);
    c = sqlite3_get_auxdata(ctx, 1);
    if (!c) { sqlite3_result_error_nomem(ctx); return; }
  }
  char a[128];
  snprintf(a, sizeof a, "%s", (const char *)sqlite3_value_text(argv[0]));
  int fam;
  unsigned char addr[16];
  if (!parse_addr(a, &fam, addr) || fam != c->fam) { sqlite3_result_int(ctx, 0); return; }
  int bits = c->bits;
  for (int i = 0; bits > 0; i++, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
    if ((addr[i] & mask) != (c->net[i] & mask)) { sqlite3_result_int(ctx, 0); return; }
  }
  sqlite3_result_int(ctx, 1);
}

int main(int argc, char **argv) {
  bool index = false;
  int a = 1;
  if (a < argc && !strcmp(argv[a], "--index")) { index = true; a++; }
  if (argc - a < 2) {
    fprintf(stderr, "usage: sigma_sqlite [--index] sigma.sql EVENTS.jsonl [PAIRS_OUT]\n");
    return 2;
  }
  const char *rules_path = argv[a], *events_path = argv[a + 1], *pairs_path = argc - a > 2 ? argv[a + 2] : NULL;
  FILE *rf = fopen(rules_path, "r");
  if (!rf) { perror(rules_path); return 1; }
  char **qname = NULL, **qsql = NULL;
  int nq = 0, qcap = 0;
  char *line = NULL;
  size_t lcap = 0;
  ssize_t len;
  while ((len = getline(&line, &lcap, rf)) > 0) {
    if (line[len - 1] == '\n') line[--len] = 0;
    if (!strncmp(line, "#col\t", 5)) {
      if (ncols == MAXCOL) { fprintf(stderr, "too many columns\n"); return 1; }
      column *c = &cols[ncols];
      char *f = line + 5, *t = strchr(f, '\t'), *k = t ? strchr(t + 1, '\t') : NULL;
      if (!k) { fprintf(stderr, "bad #col line\n"); return 1; }
      *t = *k = 0;
      c->field = strdup(f);
      c->isint = !strcmp(t + 1, "int");
      c->col = strdup(k + 1);
      add_col(ncols++);
      continue;
    }
    if (line[0] == '#' || !len) continue;
    char *tab = strchr(line, '\t');
    if (!tab) continue;
    *tab = 0;
    if (nq == qcap) {
      qcap = qcap ? qcap * 2 : 1024;
      qname = realloc(qname, (size_t)qcap * sizeof *qname);
      qsql = realloc(qsql, (size_t)qcap * sizeof *qsql);
    }
    qname[nq] = strdup(line);
    qsql[nq++] = strdup(tab + 1);
  }
  fclose(rf);

  sqlite3 *db;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) { fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db)); return 1; }
  sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2000000;", 0, 0, 0);
  sqlite3_create_function(db, "regexp", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fn_regexp, NULL, NULL);
  sqlite3_create_function(db, "cidr_match", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fn_cidr, NULL, NULL);
  size_t dcap = 256 + (size_t)ncols * 128;
  char *ddl = malloc(dcap), *ins = malloc(dcap);
  int o = sprintf(ddl, "CREATE TABLE ev(");
  int oi = sprintf(ins, "INSERT INTO ev(rowid");
  for (int i = 0; i < ncols; i++) {
    o += sprintf(ddl + o, "%s\"%s\" %s", i ? ", " : "", cols[i].col, cols[i].isint ? "INTEGER" : "TEXT COLLATE NOCASE");
    oi += sprintf(ins + oi, ", \"%s\"", cols[i].col);
  }
  sprintf(ddl + o, ")");
  oi += sprintf(ins + oi, ") VALUES(?");
  for (int i = 0; i < ncols; i++) oi += sprintf(ins + oi, ", ?");
  sprintf(ins + oi, ")");
  char *err = NULL;
  if (sqlite3_exec(db, ddl, 0, 0, &err) != SQLITE_OK) { fprintf(stderr, "sqlite: %s\n", err); return 1; }
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, ins, -1, &st, 0) != SQLITE_OK) { fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db)); return 1; }

  double t0 = now_s();
  FILE *ef = fopen(events_path, "r");
  if (!ef) { perror(events_path); return 1; }
  sqlite3_exec(db, "BEGIN", 0, 0, 0);
  long lineno = 0, bad = 0;
  while ((len = getline(&line, &lcap, ef)) > 0) {
    lineno++;
    if ((size_t)len * 4 + 16 > sbuf_cap) {  // \uXXXX never grows: 6 bytes give at most 4
      sbuf_cap = (size_t)len * 4 + 16;
      sbuf = realloc(sbuf, sbuf_cap);
    }
    for (int i = 0; i < ncols; i++) cols[i].kind = 0;
    reader r = {.p = line, .end = line + len, .plen = 0};
    ws(&r);
    if (r.p < r.end && *r.p == '{') object(&r); else r.bad = true;
    if (r.bad) { bad++; continue; }
    sqlite3_bind_int64(st, 1, lineno);
    for (int i = 0; i < ncols; i++) {
      column *c = &cols[i];
      if (!c->kind) sqlite3_bind_null(st, i + 2);
      else if (c->isint && c->kind == 2) sqlite3_bind_int64(st, i + 2, strtoll(c->buf, NULL, 10));
      else if (c->isint && c->kind == 3) sqlite3_bind_null(st, i + 2);  // a mismatch: as missing
      else sqlite3_bind_text(st, i + 2, c->buf, (int)c->len, SQLITE_STATIC);
    }
    if (sqlite3_step(st) != SQLITE_DONE) { fprintf(stderr, "sqlite insert: %s\n", sqlite3_errmsg(db)); return 1; }
    sqlite3_reset(st);
  }
  sqlite3_exec(db, "COMMIT", 0, 0, 0);
  fclose(ef);
  sqlite3_finalize(st);
  double t1 = now_s();
  if (index) {
    int ie = -1, ic = -1;
    for (int i = 0; i < ncols; i++) {
      if (!strcmp(cols[i].field, "EventID")) ie = i;
      if (!strcmp(cols[i].field, "Channel")) ic = i;
    }
    char q[256];
    snprintf(q, sizeof q, "CREATE INDEX ev_id ON ev(\"%s\", \"%s\" COLLATE BINARY); ANALYZE;", cols[ie].col, cols[ic].col);
    if (ie < 0 || ic < 0 || sqlite3_exec(db, q, 0, 0, &err) != SQLITE_OK) { fprintf(stderr, "sqlite: index: %s\n", err ? err : "no EventID"); return 1; }
  }
  double t1i = now_s();

  FILE *pf = pairs_path ? fopen(pairs_path, "w") : NULL;
  long matches = 0;
  int failed = 0;
  for (int q = 0; q < nq; q++) {
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, qsql[q], -1, &s, 0) != SQLITE_OK) {
      fprintf(stderr, "sqlite: rule %s: %s\n", qname[q], sqlite3_errmsg(db));
      failed++;
      continue;
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      matches++;
      if (pf) fprintf(pf, "%s\t%lld\n", qname[q], (long long)sqlite3_column_int64(s, 0));
    }
    if (rc != SQLITE_DONE) { fprintf(stderr, "sqlite: rule %s: %s\n", qname[q], sqlite3_errmsg(db)); failed++; }
    sqlite3_finalize(s);
  }
  double t2 = now_s();
  if (pf) fclose(pf);
  printf("events %ld bad %ld columns %d rules %d failed %d matches %ld regexp_calls %ld load_s %.3f index_s %.3f "
         "query_s %.3f total_s %.3f\n",
         lineno - bad, bad, ncols, nq, failed, matches, n_regexp_calls, t1 - t0, t1i - t1, t2 - t1i, t2 - t0);
  sqlite3_close(db);
  return failed ? 1 : 0;
}
