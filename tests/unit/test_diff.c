/* test_diff.c - differential test: random packs (predicates of every kind) against random events,
 * native code against the reference interpreter, rule by rule. 60 packs x 24 rules x 80 events
 * = 115,200 (rule, event) pairs per run (fixed seed, so a failure reproduces). A disagreement
 * prints a minimal reproducer: the one rule and the one event, ready to paste into a pack. */
#include "test_util.h"
#include "interp.h"
#include "program.h"

enum { PACKS = 60, RULES = 24, EVENTS = 80 };

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

static const char *const strs[] = {"cmd.exe", "CMD.EXE", "powershell.exe", "-enc", "Invoice.pdf.exe",
                                   "abc", "", "a*b", "C:\\Windows\\x.exe", "\xc3\x89t\xc3\xa9", "iex", "aHR0cDovL"};
static const char *const pats[] = {"cmd", "CMD", "exe", ".exe", "-enc", "a", "", "invoice*.exe", "a\\\\*b", "*.exe", "?bc",
                                   "\xc3\xa9t\xc3\xa9", "C:\\\\Windows", "IEX"};
static const char *const sfields[] = {"s1", "s2", "s3"};

/* A string as a hornet literal (patterns are written already escaped). */
static const char *lit(const char *s) {
  static char buf[4][64];
  static int k;
  char *b = buf[k++ & 3];
  size_t n = 0;
  for (; *s && n < 60; s++) {
    if (*s == '"' || *s == '\\') b[n++] = '\\';
    b[n++] = *s;
  }
  b[n] = 0;
  return b;
}

/* A random predicate, written in hornet. */
static void pred(FILE *f) {
  const char *sf = sfields[rnd(3)];
  const char *tl = rnd(2) ? "~" : "";
  switch (rnd(25)) {
  case 0: fprintf(f, "%s ==%s \"%s\"", sf, tl, lit(strs[rnd(12)])); break;
  case 1: fprintf(f, "%s != \"%s\"", sf, lit(strs[rnd(12)])); break;
  case 2: fprintf(f, "n1 %s %d", (const char *[]){"<", "<=", ">", ">=", "==", "!="}[rnd(6)], (int)rnd(7) - 2); break;
  case 3: fprintf(f, "f1 > %d.5", (int)rnd(5) - 2); break;
  case 4: fprintf(f, "%s in%s [\"%s\", \"%s\"]", sf, tl, lit(strs[rnd(12)]), lit(strs[rnd(12)])); break;
  case 5: fprintf(f, "%s contains%s %s[\"%s\", \"%s\"]", sf, tl, rnd(2) ? "all " : "any ", pats[rnd(14)], pats[rnd(14)]); break;
  case 6: fprintf(f, "%s startswith%s \"%s\"", sf, tl, pats[rnd(14)]); break;
  case 7: fprintf(f, "%s endswith%s \"%s\"", sf, tl, pats[rnd(14)]); break;
  case 8: fprintf(f, "%s like%s \"%s\"", sf, tl, pats[rnd(14)]); break;
  case 9: fprintf(f, "%s matches%s r\"%s\"", sf, tl, (const char *[]){"^c.d", "e$", "[0-9]", "x\\.exe", "(?i)abc"}[rnd(5)]); break;
  case 10: fprintf(f, "ip1 in %s", (const char *[]){"\"10.0.0.0/8\"", "[\"192.168.1.0/24\", \"fd00::/8\"]", "\"0.0.0.0/0\""}[rnd(3)]); break;
  case 11: fprintf(f, "n1 in %d..%d", (int)rnd(3) - 1, (int)rnd(3) + 1); break;
  case 12: fprintf(f, "exists %s", (const char *[]){"s1", "n1", "ip1", "tags"}[rnd(4)]); break;
  case 13: fprintf(f, "missing %s", (const char *[]){"s2", "f1", "t1"}[rnd(3)]); break;
  case 14: fprintf(f, "tags has \"%s\"", lit(strs[rnd(12)])); break;
  case 15: fprintf(f, "s1 ==%s s2", tl); break;
  case 16: fprintf(f, "lower(%s) == \"cmd.exe\"", sf); break;
  case 17: fprintf(f, "%s contains base64offset(\"http\")", sf); break;
  case 18: fprintf(f, "%s contains%s windash(\" -enc\")", sf, tl); break;
  case 19: fprintf(f, "t1 >= \"2024-01-01T00:00:00Z\""); break;
  case 20: fprintf(f, "b1"); break;
  case 21: /* a long list: the string-set path */
    fprintf(f, "%s in%s [", sf, tl);
    for (int k = 0; k < 10; k++) fprintf(f, "%s\"%s\"", k ? ", " : "", lit(strs[rnd(12)]));
    fputc(']', f);
    break;
  case 22: /* addresses: equality and mixed lists (the index's network maps, one probe per prefix) */
    fprintf(f, "ip1 %s", (const char *[]){"== \"10.1.2.3\"", "in [\"10.1.2.3\", \"192.168.0.0/16\", \"::1\"]",
                                           "in [\"8.8.8.8\", \"10.0.0.0/12\", \"fd00::/12\", \"fd00::1\"]", "== \"::1\""}[rnd(4)]);
    break;
  case 23: fprintf(f, "n1 in [%d, %d, 4]", (int)rnd(5) - 2, (int)rnd(5) - 2); break; /* int maps; 4.0 is a float */
  default: fprintf(f, "%s == null", sf); break;
  }
}

static void expr(FILE *f, int depth) {
  unsigned k = depth >= 3 ? 0 : rnd(4);
  if (k == 0) { pred(f); return; }
  if (k == 1) { fputs("not (", f); expr(f, depth + 1); fputs(")", f); return; }
  fputc('(', f);
  expr(f, depth + 1);
  fputs(k == 2 ? " and " : " or ", f);
  expr(f, depth + 1);
  fputc(')', f);
}

static void json_s(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

/* A random event over the same fields, with nulls, arrays, wrong types and dotted keys. */
static void event(FILE *f) {
  fputc('{', f);
  int n = 0;
  for (int i = 0; i < 3; i++) {
    if (rnd(4) == 0) continue;
    fprintf(f, "%s\"%s\":", n++ ? "," : "", sfields[i]);
    unsigned k = rnd(10);
    if (k == 0) fputs("null", f);
    else if (k == 1) fprintf(f, "%d", (int)rnd(5));
    else if (k == 2) { fputc('[', f); json_s(f, strs[rnd(12)]); fputc(',', f); json_s(f, strs[rnd(12)]); fputc(']', f); }
    else json_s(f, strs[rnd(12)]);
  }
  if (rnd(4)) fprintf(f, "%s\"n1\":%s", n++ ? "," : "", (const char *[]){"0", "1", "-2", "3", "\"2\"", "null", "4.0", "\"x\""}[rnd(8)] );
  if (rnd(3)) fprintf(f, "%s\"f1\":%s", n++ ? "," : "", (const char *[]){"0.5", "-1.5", "2", "1e1", "\"x\""}[rnd(5)]);
  if (rnd(3)) fprintf(f, "%s\"ip1\":\"%s\"", n++ ? "," : "", (const char *[]){"10.1.2.3", "192.168.1.9", "8.8.8.8", "fd00::1", "::1", "bad"}[rnd(6)]);
  if (rnd(3)) fprintf(f, "%s\"t1\":\"%s\"", n++ ? "," : "", rnd(2) ? "2024-06-01T00:00:00Z" : "2023-12-31T23:59:59.5+00:00");
  if (rnd(3)) {
    fprintf(f, "%s\"tags\":[", n++ ? "," : "");
    json_s(f, strs[rnd(12)]);
    fputc(',', f);
    json_s(f, strs[rnd(12)]);
    fputc(']', f);
  }
  if (rnd(3)) fprintf(f, "%s\"b1\":%s", n++ ? "," : "", rnd(2) ? "true" : "false");
  fputc('}', f);
}

static void differential(void **state) {
  (void)state;
  setenv("HORNET_CACHE_DIR", "off", 1);
  size_t pairs = 0, fired = 0, filtered = 0, keyed = 0;
  for (int pk = 0; pk < PACKS; pk++) {
    char *rules[RULES];
    char *src = NULL;
    size_t sl = 0;
    FILE *f = open_memstream(&src, &sl);
    fputs("schema t {\n  s1: string\n  s2: string\n  s3: string\n  n1: int\n  f1: float\n  ip1: ip\n"
          "  t1: timestamp\n  tags: list<string>\n  b1: bool\n}\n", f);
    for (int r = 0; r < RULES; r++) {
      char *e = NULL;
      size_t el = 0;
      FILE *g = open_memstream(&e, &el);
      expr(g, 0);
      fclose(g);
      rules[r] = e;
      fprintf(f, "rule r%d { severity low where %s entities s1 }\n", r, e);
    }
    fclose(f);
    hnc_compiler *c = hnc_compiler_create();
    hnc_compiler_add_source(c, "diff.hn", src, strlen(src));
    if (hnc_compiler_check(c) != HN_OK) {
      hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, 0);
      fail_msg("a generated pack does not check:\n%s", src);
    }
    hn_program *p = hnc_compiler_program(c);
    hnc_compiler_destroy(c);
    assert_non_null(p);
    char err[256];
    if (hnc_program_native(p, NULL, err, sizeof err) != HN_OK) fail_msg("native code: %s", err);
    for (uint32_t i = 0; i < p->n_preds; i++) filtered += (p->preds[i].flags & HN_PF_FILTERED) != 0;
    keyed += p->index->n_keyed;
    hn_eval e;
    hn_event ev;
    assert_int_equal(hn_eval_init(&e, p), HN_OK);
    assert_int_equal(hn_event_init(&ev, p->decoder), HN_OK);
    uint8_t nat[RULES];
    for (int k = 0; k < EVENTS; k++) {
      char *js = NULL;
      size_t jl = 0;
      FILE *g = open_memstream(&js, &jl);
      event(g);
      fclose(g);
      hn_decode_error de = {0, NULL};
      if (hn_decode(p->decoder, js, jl, &ev, &de) != HN_OK) fail_msg("generated event does not decode (%s at %zu): %s", de.message, de.offset, js);
      /* native code over the rule index and the prefilter... */
      e.no_prefilter = e.no_index = false;
      hn_eval_begin(&e, &ev);
      const uint32_t *fl;
      uint32_t nf = hn_match_event(&e, true, &fl);
      memset(nat, 0, sizeof nat);
      for (uint32_t x = 0; x < nf; x++) nat[fl[x]] = 1;
      /* ...against the interpreter, every rule, exact matching: from nothing the native code left */
      hn_eval_begin(&e, &ev);
      e.no_prefilter = e.no_index = true;
      for (int r = 0; r < RULES; r++) {
        bool in = hn_eval_node(&e, p->rules[r].cond);
        pairs++;
        fired += in;
        if (in != (nat[r] != 0))
          fail_msg("native and interpreter disagree (native %d, interpreter %d). Reproducer:\n"
                   "schema t { s1: string  s2: string  s3: string  n1: int  f1: float  ip1: ip  t1: timestamp  "
                   "tags: list<string>  b1: bool }\nrule r { severity low where %s entities s1 }\nevent: %s\n",
                   nat[r], in, rules[r], js);
      }
      free(js);
    }
    hn_event_fini(&ev);
    hn_eval_fini(&e);
    hn_program_destroy(p);
    for (int r = 0; r < RULES; r++) free(rules[r]);
    free(src);
  }
  print_message("%zu (rule, event) pairs agree; %zu of them fired; %zu predicates went through the prefilter; "
                "%zu of %d rules were reached through the rule index\n", pairs, fired, filtered, keyed, PACKS * RULES);
  assert_true(keyed > PACKS * RULES / 5); /* the index path is exercised, against the oracle that has none */
  assert_true(filtered > 100); /* the prefilter path is exercised, against the exact oracle */
  assert_true(pairs >= 100000);
  assert_true(fired > pairs / 50); /* the generator must exercise matches, not only misses */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(differential)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
