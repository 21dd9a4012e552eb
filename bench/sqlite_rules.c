// sqlite_rules.c - the SQL baseline of the hornet benchmark.
//
//   sqlite_rules bench_2000.sql EVENTS.jsonl [PAIRS_OUT]
//
// Loads the events into an in-memory SQLite table `ev` (rowid = line number, one column per
// field the pack references), then runs every rule of bench_N.sql (generated from the same
// model as the hornet pack; regex rules are left out) as `SELECT rowid FROM ev WHERE ...`,
// a full scan each (no index: rules are arbitrary predicates, as in a detection back end).
//
// Flattening is done in C, by a small JSON reader below (not json_extract): nested objects
// give dotted paths; list fields (list<T>) keep their elements joined by char(31) with a
// char(31) at both ends, so `has` is an instr() of the framed value; an ip field that a rule
// tests with `in` also gets a numeric twin column (IPv4 as an integer, NULL otherwise).
// Prints load and query times (CLOCK_MONOTONIC); with PAIRS_OUT writes `rule<TAB>line` lines.
#define _GNU_SOURCE
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAXCOL 128
typedef struct {
  char field[96], type[32], col[96];
  bool list, ipnum, isint, isbool;
  int src;  // for ipnum twins: the column index of the text column
  char *buf;
  size_t len, cap;
  bool present;
} column;
static column cols[MAXCOL];
static int ncols;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int find_col(const char *path, size_t n) {
  for (int i = 0; i < ncols; i++)
    if (!cols[i].ipnum && strlen(cols[i].field) == n && memcmp(cols[i].field, path, n) == 0) return i;
  return -1;
}

static void append(column *c, const char *s, size_t n) {
  if (c->len + n + 2 > c->cap) {
    c->cap = (c->len + n + 2) * 2;
    c->buf = realloc(c->buf, c->cap);
  }
  memcpy(c->buf + c->len, s, n);
  c->len += n;
}

// ---- a small JSON reader: only what JSON Lines events need -------------------------------
typedef struct {
  const char *p, *end;
  char path[256];
  size_t plen;
  bool bad;
} reader;

static void ws(reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r')) r->p++;
}

// reads a string at r->p (at the quote) unescaped into out; returns its length
static size_t read_string(reader *r, char *out, size_t cap) {
  size_t o = 0;
  r->p++;
  while (r->p < r->end && *r->p != '"') {
    char c = *r->p++;
    if (c == '\\' && r->p < r->end) {
      char e = *r->p++;
      unsigned cp = 0;
      switch (e) {
      case 'n': c = '\n'; break;
      case 't': c = '\t'; break;
      case 'r': c = '\r'; break;
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'u':
        for (int i = 0; i < 4 && r->p < r->end; i++) {
          char h = *r->p++;
          cp = cp * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
        }
        if (cp < 0x80) c = (char)cp;
        else {
          if (o + 3 < cap) {
            if (cp < 0x800) { out[o++] = (char)(0xc0 | cp >> 6); c = (char)(0x80 | (cp & 63)); }
            else { out[o++] = (char)(0xe0 | cp >> 12); out[o++] = (char)(0x80 | ((cp >> 6) & 63)); c = (char)(0x80 | (cp & 63)); }
          }
        }
        break;
      default: c = e;
      }
    }
    if (o + 1 < cap) out[o++] = c;
  }
  r->p++;
  return o;
}

static void value(reader *r, int colidx);

static void object(reader *r) {
  r->p++;  // {
  ws(r);
  if (r->p < r->end && *r->p == '}') { r->p++; return; }
  while (r->p < r->end) {
    ws(r);
    if (*r->p != '"') { r->bad = true; return; }
    char key[128];
    size_t kl = read_string(r, key, sizeof key);
    size_t saved = r->plen;
    if (r->plen) r->path[r->plen++] = '.';
    if (r->plen + kl < sizeof r->path) { memcpy(r->path + r->plen, key, kl); r->plen += kl; }
    ws(r);
    if (*r->p != ':') { r->bad = true; return; }
    r->p++;
    ws(r);
    value(r, -2);
    r->plen = saved;
    ws(r);
    if (r->p < r->end && *r->p == ',') { r->p++; continue; }
    if (r->p < r->end && *r->p == '}') { r->p++; return; }
    r->bad = true;
    return;
  }
}

// colidx -2: look the current path up; -1: not referenced (skip); else: that column
static void value(reader *r, int colidx) {
  if (colidx == -2) colidx = find_col(r->path, r->plen);
  char c = *r->p;
  if (c == '{') {
    object(r);
  } else if (c == '[') {
    r->p++;
    ws(r);
    if (*r->p == ']') { r->p++; if (colidx >= 0) cols[colidx].present = true; return; }
    while (r->p < r->end) {
      ws(r);
      if (*r->p == '{') object(r);  // a path crossing an array of objects
      else value(r, colidx);
      ws(r);
      if (*r->p == ',') { r->p++; continue; }
      if (*r->p == ']') { r->p++; return; }
      r->bad = true;
      return;
    }
  } else if (c == '"') {
    char tmp[4096];
    size_t n = read_string(r, tmp, sizeof tmp);
    if (colidx >= 0) {
      column *k = &cols[colidx];
      if (k->list) {
        if (!k->present) append(k, "\x1f", 1);
        append(k, tmp, n);
        append(k, "\x1f", 1);
      } else {
        k->len = 0;
        append(k, tmp, n);
      }
      k->present = true;
    }
  } else {  // number, true, false, null
    const char *s = r->p;
    while (r->p < r->end && *r->p != ',' && *r->p != '}' && *r->p != ']' && *r->p != ' ') r->p++;
    if (colidx >= 0 && !(r->p - s == 4 && memcmp(s, "null", 4) == 0)) {
      column *k = &cols[colidx];
      if (k->list) {
        if (!k->present) append(k, "\x1f", 1);
        append(k, s, (size_t)(r->p - s));
        append(k, "\x1f", 1);
      } else {
        k->len = 0;
        if (k->isbool) append(k, *s == 't' ? "1" : "0", 1);
        else append(k, s, (size_t)(r->p - s));
      }
      k->present = true;
    }
  }
}

static bool ip4(const char *s, size_t n, int64_t *out) {
  unsigned a[4], i = 0, v = 0, digits = 0;
  for (size_t j = 0; j <= n; j++) {
    if (j == n || s[j] == '.') {
      if (!digits || v > 255 || i > 3) return false;
      a[i++] = v; v = 0; digits = 0;
    } else if (s[j] >= '0' && s[j] <= '9') { v = v * 10 + (unsigned)(s[j] - '0'); digits++; }
    else return false;
  }
  if (i != 4) return false;
  *out = (int64_t)a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
  return true;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: sqlite_rules RULES.sql EVENTS.jsonl [PAIRS_OUT]\n");
    return 2;
  }
  FILE *rf = fopen(argv[1], "r");
  if (!rf) { perror(argv[1]); return 1; }
  char **qname = NULL, **qsql = NULL;
  int nq = 0, qcap = 0;
  char *line = NULL;
  size_t lcap = 0;
  ssize_t len;
  while ((len = getline(&line, &lcap, rf)) > 0) {
    if (line[len - 1] == '\n') line[--len] = 0;
    if (!strncmp(line, "#col\t", 5)) {
      column *c = &cols[ncols++];
      if (sscanf(line + 5, "%95[^\t]\t%31[^\t]\t%95s", c->field, c->type, c->col) != 3) { fprintf(stderr, "bad #col\n"); return 1; }
      c->list = !strncmp(c->type, "list<", 5);
      c->isint = !strcmp(c->type, "int");
      c->isbool = !strcmp(c->type, "bool");
      c->ipnum = !strcmp(c->type, "ipnum");
      if (c->ipnum) c->src = find_col(c->field, strlen(c->field));
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
  sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000;", 0, 0, 0);
  char *ddl = malloc(65536), *ins = malloc(65536);
  int o = sprintf(ddl, "CREATE TABLE ev(");
  int oi = sprintf(ins, "INSERT INTO ev(rowid");
  for (int i = 0; i < ncols; i++) {
    const char *t = cols[i].isint || cols[i].isbool || cols[i].ipnum ? "INTEGER" : "TEXT";
    o += sprintf(ddl + o, "%s\"%s\" %s", i ? ", " : "", cols[i].col, t);
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
  FILE *ef = fopen(argv[2], "r");
  if (!ef) { perror(argv[2]); return 1; }
  sqlite3_exec(db, "BEGIN", 0, 0, 0);
  long lineno = 0, bad = 0;
  while ((len = getline(&line, &lcap, ef)) > 0) {
    lineno++;
    for (int i = 0; i < ncols; i++) { cols[i].len = 0; cols[i].present = false; }
    reader r = {.p = line, .end = line + len, .plen = 0};
    ws(&r);
    if (r.p < r.end && *r.p == '{') object(&r); else r.bad = true;
    if (r.bad) { bad++; continue; }
    sqlite3_bind_int64(st, 1, lineno);
    for (int i = 0; i < ncols; i++) {
      column *c = &cols[i];
      if (c->ipnum) {
        column *s = &cols[c->src];
        int64_t v;
        if (s->present && ip4(s->buf, s->len, &v)) sqlite3_bind_int64(st, i + 2, v);
        else sqlite3_bind_null(st, i + 2);
      } else if (!c->present) {
        sqlite3_bind_null(st, i + 2);
      } else if (c->isint || c->isbool) {
        c->buf[c->len] = 0;
        sqlite3_bind_int64(st, i + 2, strtoll(c->buf, NULL, 10));
      } else {
        sqlite3_bind_text(st, i + 2, c->buf, (int)c->len, SQLITE_STATIC);
      }
    }
    if (sqlite3_step(st) != SQLITE_DONE) { fprintf(stderr, "sqlite insert: %s\n", sqlite3_errmsg(db)); return 1; }
    sqlite3_reset(st);
  }
  sqlite3_exec(db, "COMMIT", 0, 0, 0);
  fclose(ef);
  sqlite3_finalize(st);
  double t1 = now_s();

  FILE *pf = argc > 3 ? fopen(argv[3], "w") : NULL;
  long matches = 0;
  for (int q = 0; q < nq; q++) {
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, qsql[q], -1, &s, 0) != SQLITE_OK) {
      fprintf(stderr, "sqlite: rule %s: %s\n", qname[q], sqlite3_errmsg(db));
      return 1;
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      matches++;
      if (pf) fprintf(pf, "%s\t%lld\n", qname[q], (long long)sqlite3_column_int64(s, 0));
    }
    if (rc != SQLITE_DONE) { fprintf(stderr, "sqlite: rule %s: %s\n", qname[q], sqlite3_errmsg(db)); return 1; }
    sqlite3_finalize(s);
  }
  double t2 = now_s();
  if (pf) fclose(pf);
  printf("events %ld bad %ld columns %d rules %d matches %ld load_s %.3f query_s %.3f total_s %.3f\n", lineno - bad, bad,
         ncols, nq, matches, t1 - t0, t2 - t1, t2 - t0);
  sqlite3_close(db);
  return 0;
}
