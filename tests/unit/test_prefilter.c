/* test_prefilter.c - trusting the multi-pattern engine: its known-answer self-test passes here
 * and catches simulated faults; issue 10's reproducer (Vectorscan 5.4.9 lost '.exe' at the end
 * of buffers of 68 bytes or more) gives every alert with both engines, with and without the
 * prefilter; a pack of many string predicates over long values gives the same alerts without
 * the prefilter; a failed scan never reads as "no pattern"; a cached database that misses its
 * own patterns is rebuilt; the cache key names the engine. */
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <hs.h>
#include "hornet/hornetaux.h"
#include "test_util.h"
#include "interp.h"
#include "prefilter.h"
#include "program.h"
#include "cache.h"

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* ---- the self-test ------------------------------------------------------------------------ */

static void selftest_passes(void **state) {
  (void)state;
  char why[256];
  hn_pf_kat_stats st;
  double t0 = now_ms();
  bool ok = hn_pf_selftest_run(NULL, why, sizeof why, &st);
  double t1 = now_ms();
  if (!ok) fail_msg("the engine (%s) fails its self-test: %s", hn_pf_engine(), why);
  print_message("%s: %lu scans, %llu bytes, %u databases from the cache, %.1f ms of CPU\n", hn_pf_engine(), st.scans,
                st.bytes, st.cached, t1 - t0);
  assert_true(st.scans > 10000); /* every offset of the short lengths, the edges of the long ones */
  assert_null(hn_pf_selftest());  /* the once-per-process verdict agrees */
  assert_null(hn_pattern_engine_selftest());
}

/* A simulated fault and what the self-test must say about it. */
typedef struct fault_case {
  const char *name;
  hn_pf_fault fault;
  const char *says;
} fault_case;

static const fault_case faults[] = {
    /* Vectorscan 5.4.9 on AVX-512 */
    {"tail_68_and_longer", {68, SIZE_MAX, 16, 0}, "missed '.exe' (pair database) in a 68-byte buffer"},
    /* a length the sweeps skip: the issue's own buffers, "C:\" + N a's + "\drop.exe", see it */
    {"tail_of_300", {300, 300, 16, 0}, "'C:\\<288 a>\\drop.exe' (300 bytes): .exe missed"},
    {"last_byte_of_16", {16, 16, 1, 0}, "in a 16-byte buffer"},
    {"last_byte_of_17", {17, 17, 1, 0}, "in a 17-byte buffer"},
    {"last_byte_of_33", {33, 33, 1, 0}, "in a 33-byte buffer"},
    {"last_byte_of_65", {65, 65, 1, 0}, "in a 65-byte buffer"},
    {"tail_of_129", {129, 129, 8, 0}, "in a 129-byte buffer"},
    {"last_byte_of_4096", {4096, 4096, 1, 0}, "missed '.exe' (pair database) in a 4096-byte buffer"},
    {"every_match_of_a_2_byte_buffer", {2, 2, 2, 0}, "in a 2-byte buffer"}, /* '|' alone */
    {"phantom_in_32", {0, 0, 0, 32}, "found, where it is not, '.com' (pair database) in a 32-byte buffer"},
};

/* Tests of hornet's use of the engine need one that works (selftest_passes fails otherwise);
 * the alerts of a pack are checked whatever the engine. */
#define NEED_WORKING_ENGINE() do { if (hn_pf_selftest()) skip(); } while (0)

static void selftest_catches(void **state) {
  const fault_case *f = *state;
  NEED_WORKING_ENGINE();
  char why[256];
  assert_false(hn_pf_selftest_run(&f->fault, why, sizeof why, NULL));
  if (!strstr(why, f->says)) fail_msg("the self-test says \"%s\", not \"%s\"", why, f->says);
}

/* ---- packs run over events ---------------------------------------------------------------- */

static hn_program *compile_src(const char *src, bool prefilter, bool native) {
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_prefilter(c, prefilter);
  assert_int_equal(hnc_compiler_add_source(c, "t.hn", src, strlen(src)), HN_OK);
  if (hnc_compiler_check(c) != HN_OK) {
    hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, 0);
    fail_msg("the pack does not check");
  }
  hn_program *p = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  assert_non_null(p);
  assert_int_equal(hn_program_prefiltered(p), prefilter && !hn_pf_selftest()); /* a failing engine: none */
  char err[256];
  if (native && hnc_program_native(p, NULL, err, sizeof err) != HN_OK) fail_msg("native code: %s", err);
  return p;
}

/* The alerts of p over events (JSON Lines), as text (caller frees); *n gets their number. */
static char *run_events(const hn_program *p, const char *events, bool native, uint64_t *n) {
  FILE *in = fmemopen((void *)events, strlen(events), "rb");
  char *out = NULL;
  size_t len = 0;
  FILE *o = open_memstream(&out, &len);
  hn_run_options opt = {"events", in, o, NULL, NULL, 0, native ? HN_ENGINE_AUTO : HN_ENGINE_INTERP,
                        NULL, 0, 0, false, NULL, NULL, false, NULL, 0};
  hn_run_stats st;
  assert_int_equal(hn_run_stream(p, &opt, &st), HN_OK);
  fclose(in);
  fclose(o);
  *n = st.alerts;
  return out;
}

static const char issue_pack[] =
    "schema s { F: string }\n"
    "rule r { severity low where F endswith \".com\" or F endswith \".exe\" entities F }\n";

/* {"F":"C:\\<N a's>\\drop.exe"}, N = 0..299: 68 bytes and more from N = 56 on. */
static char *issue_events(void) {
  char *ev = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&ev, &len);
  char as[300];
  memset(as, 'a', sizeof as);
  for (int n = 0; n < 300; n++) fprintf(f, "{\"F\":\"C:\\\\%.*s\\\\drop.exe\"}\n", n, as);
  fclose(f);
  return ev;
}

static void issue_reproducer(void **state) {
  (void)state;
  char *ev = issue_events();
  char *first = NULL;
  for (int native = 0; native < 2; native++)
    for (int prefilter = 0; prefilter < 2; prefilter++) {
      hn_program *p = compile_src(issue_pack, prefilter, native);
      uint64_t n;
      char *out = run_events(p, ev, native, &n);
      if (n != 300) fail_msg("%s, %s the prefilter: %llu alerts of 300", native ? "jit" : "interp",
                             prefilter ? "with" : "without", (unsigned long long)n);
      if (!first) first = out;
      else {
        assert_string_equal(first, out); /* the same alerts, byte for byte */
        free(out);
      }
      assert_int_equal(hn_program_scan_errors(p), 0);
      hn_program_destroy(p);
    }
  free(first);
  free(ev);
}

/* A pack of many string predicates (every operator, caseless too, anchored, like, regexes, and
 * an IOC list) over long values: the literals planted at random offsets of values of 0 to 4 KiB,
 * near the 16/32/64-byte boundaries, in a random case. With and without the prefilter, with the
 * interpreter and native code: the same alerts. */
static const char *const lits[] = {".exe", "powershell", "-enc", "\\AppData\\Local\\Temp\\", "C:\\Windows",
                                   "rundll32", "|", "http://", "mimikatz", "\\drop.exe", ".com", "cmd /c",
                                   "Invoke-Expression", "certutil", "a", "%TEMP%"};
enum { N_LITS = sizeof lits / sizeof *lits, N_RULES = 64, N_EVENTS = 400 };

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static unsigned rnd(unsigned n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

/* A literal as a hornet string (backslashes and quotes escaped). */
static void put_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static char *many_pack(void) {
  char *src = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&src, &len);
  fputs("schema s { A: string  B: string  C: string }\n", f);
  static const char *const ops[] = {"contains", "startswith", "endswith", "contains~", "startswith~", "endswith~"};
  for (int r = 0; r < N_RULES; r++) {
    const char *field = (const char *[]){"A", "B", "C"}[r % 3];
    fprintf(f, "rule r%d { severity low where ", r);
    switch (r % 8) {
    case 6: fprintf(f, "%s like~ \"*%s*\\\\*.exe\"", field, (const char *[]){"temp", "appdata", "windows"}[rnd(3)]); break;
    case 7: fprintf(f, "%s matches r\"(?i)(cmd|powershell)(\\.exe)? .*-enc\"", field); break;
    default:
      fprintf(f, "%s %s any [", field, ops[rnd(6)]);
      for (int k = 0, n = 1 + (int)rnd(3); k < n; k++) {
        if (k) fputs(", ", f);
        put_str(f, lits[rnd(N_LITS)]);
      }
      fputc(']', f);
    }
    if (r % 5 == 0) {
      fprintf(f, " and %s in~ [", (const char *[]){"A", "B", "C"}[(r + 1) % 3]);
      for (int k = 0; k < 9; k++) fprintf(f, "%s\"ioc%d\"", k ? ", " : "", k); /* a string set */
      fputc(']', f);
    }
    fprintf(f, " entities %s }\n", field);
  }
  fclose(f);
  return src;
}

/* A random value: filler, and now and then literals (case varied) planted at random offsets. */
static void put_value(FILE *f) {
  static const unsigned lens[] = {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 67, 68, 69, 127, 128, 129, 300, 1024, 4095, 4096};
  unsigned n = rnd(3) ? lens[rnd(sizeof lens / sizeof *lens)] : rnd(4097);
  char v[4200];
  for (unsigned i = 0; i < n; i++) v[i] = "abcdefghijklmnopqrstuvwxyzEXE.-_ 0123"[rnd(37)];
  for (unsigned k = rnd(4); k > 0; k--) {
    const char *l = lits[rnd(N_LITS)];
    size_t ln = strlen(l);
    if (ln > n) continue;
    size_t at = rnd(4) == 0 ? n - ln : rnd(3) == 0 ? 0 : rnd((unsigned)(n - ln + 1));
    for (size_t i = 0; i < ln; i++) v[at + i] = rnd(4) ? l[i] : (char)(l[i] ^ (((l[i] | 32) >= 'a' && (l[i] | 32) <= 'z') ? 32 : 0));
  }
  if (n && rnd(9) == 0) memcpy(v, "ioc3", n < 4 ? n : 4);
  fputc('"', f);
  for (unsigned i = 0; i < n; i++) {
    if (v[i] == '"' || v[i] == '\\') fputc('\\', f);
    fputc(v[i], f);
  }
  fputc('"', f);
}

static char *many_events(void) {
  char *ev = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&ev, &len);
  for (int e = 0; e < N_EVENTS; e++) {
    fputs("{\"A\":", f);
    put_value(f);
    fputs(",\"B\":", f);
    put_value(f);
    fputs(",\"C\":", f);
    put_value(f);
    fputs("}\n", f);
  }
  fclose(f);
  return ev;
}

static void same_alerts_without_prefilter(void **state) {
  (void)state;
  char *src = many_pack(), *ev = many_events();
  char *base = NULL;
  uint64_t base_n = 0;
  for (int native = 0; native < 2; native++)
    for (int prefilter = 1; prefilter >= 0; prefilter--) {
      hn_program *p = compile_src(src, prefilter, native);
      uint32_t filtered = 0;
      for (uint32_t i = 0; i < p->n_preds; i++) filtered += (p->preds[i].flags & HN_PF_FILTERED) != 0;
      assert_true(prefilter && !hn_pf_selftest() ? filtered > N_RULES / 2 : filtered == 0);
      uint64_t n;
      char *out = run_events(p, ev, native, &n);
      if (!base) {
        base = out;
        base_n = n;
      } else {
        if (strcmp(base, out) != 0)
          fail_msg("%s %s the prefilter: %llu alerts, not the %llu of the interpreter with it", native ? "jit" : "interp",
                   prefilter ? "with" : "without", (unsigned long long)n, (unsigned long long)base_n);
        free(out);
      }
      hn_program_destroy(p);
    }
  print_message("%d rules over %d events: %llu alerts in every configuration\n", N_RULES, N_EVENTS,
                (unsigned long long)base_n);
  assert_true(base_n > N_EVENTS / 4); /* the literals planted do fire rules */
  free(base);
  free(ev);
  free(src);
}

/* ---- scan errors -------------------------------------------------------------------------- */

/* A scan the engine refuses (here: no scratch space) proves nothing: every pattern of the field
 * counts as present, so the exact matcher finds the match, and the failure is counted. */
static void scan_error_is_not_a_miss(void **state) {
  (void)state;
  NEED_WORKING_ENGINE();
  hn_program *p = compile_src(issue_pack, true, false);
  hn_eval e;
  hn_event ev;
  assert_int_equal(hn_eval_init(&e, p), HN_OK);
  assert_int_equal(hn_event_init(&ev, p->decoder), HN_OK);
  hs_free_scratch(e.pf.scratch);
  e.pf.scratch = NULL;
  const char *js = "{\"F\":\"C:\\\\aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\\\drop.exe\"}";
  hn_decode_error de = {0, NULL};
  assert_int_equal(hn_decode(p->decoder, js, strlen(js), &ev, &de), HN_OK);
  hn_eval_begin(&e, &ev);
  const uint32_t *fired;
  assert_int_equal(hn_match_event(&e, false, &fired), 1); /* through the index's pattern keys */
  hn_eval_begin(&e, &ev);
  assert_true(hn_eval_node(&e, p->rules[0].cond)); /* and the predicates themselves */
  assert_true(hn_program_scan_errors(p) >= 2);
  hn_event_fini(&ev);
  hn_eval_fini(&e);
  hn_program_destroy(p);
}

/* ---- the cache ---------------------------------------------------------------------------- */

static char cache_dir[] = "/tmp/hn_test_prefilter_XXXXXX";

/* A cached database that misses its own patterns (here: another database under its key, as a
 * damaged or differently compiled entry would be) is not trusted: the prefilter compiles a
 * fresh one, and the alerts are all there. */
static void bad_cached_database_is_rebuilt(void **state) {
  (void)state;
  NEED_WORKING_ENGINE();
  char *exprs[2] = {hn_pf_literal_regex(".com", 4, false), hn_pf_literal_regex(".exe", 4, false)};
  unsigned flags[2] = {HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL, HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL}, ids[2] = {0, 1};
  char *wrong[2] = {exprs[0], hn_pf_literal_regex(".zzz", 4, false)}; /* '.exe' is never found */
  hs_database_t *bad = NULL;
  hs_compile_error_t *ce = NULL;
  assert_int_equal(hs_compile_multi((const char *const *)wrong, flags, ids, 2, HS_MODE_BLOCK, NULL, &bad, &ce), HS_SUCCESS);
  hn_pf_cache_store((const char *const *)exprs, flags, 2, bad);
  hs_free_database(bad);
  hs_database_t *got = hn_pf_cache_load((const char *const *)exprs, flags, 2);
  assert_non_null(got); /* the bad entry is what the cache holds */
  hs_free_database(got);

  char *ev = issue_events();
  hn_program *p = compile_src(issue_pack, true, false);
  assert_null(hn_program_warning(p)); /* a fresh database was compiled, and it passed */
  uint64_t n;
  free(run_events(p, ev, false, &n));
  assert_int_equal(n, 300);
  hn_program_destroy(p);

  got = hn_pf_cache_load((const char *const *)exprs, flags, 2); /* the fresh one replaced it */
  hs_scratch_t *sc = NULL;
  assert_int_equal(hs_alloc_scratch(got, &sc), HS_SUCCESS);
  uint64_t bits = 0;
  assert_int_equal(hs_scan(got, "drop.exe", 8, 0, sc, hn_pf_on_match, &bits), HS_SUCCESS);
  assert_int_equal(bits, 2);
  hs_free_scratch(sc);
  hs_free_database(got);
  free(ev);
  free(wrong[1]);
  free(exprs[0]);
  free(exprs[1]);
}

/* The cache key names the engine and its version: a database another engine compiled is never
 * loaded, it is compiled again. */
static void cache_key_names_the_engine(void **state) {
  (void)state;
  const char *e = hn_pattern_engine();
  assert_true(strncmp(e, "Hyperscan ", 10) == 0 || strncmp(e, "Vectorscan ", 11) == 0);
  assert_non_null(strstr(e, hs_version()));
  char *exprs[1] = {hn_pf_literal_regex(".exe", 4, false)};
  unsigned flags[1] = {HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL};
  char a[64], b[64], c[64];
  char *ka = hn_pf_db_key("Hyperscan 5.4.0 2021-01-26", (const char *const *)exprs, flags, 1, a, sizeof a);
  char *kb = hn_pf_db_key("Vectorscan 5.4.9 2023-03-28", (const char *const *)exprs, flags, 1, b, sizeof b);
  char *kc = hn_pf_db_key(NULL, (const char *const *)exprs, flags, 1, c, sizeof c);
  assert_string_not_equal(a, b);
  assert_string_not_equal(ka, kb);
  assert_non_null(strstr(kc, e)); /* the linked engine's own identity */
  free(ka);
  free(kb);
  free(kc);
  free(exprs[0]);
}

static int rm_cache(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache_dir);
  return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
  /* a cache of our own: the test plants entries in it */
  if (!mkdtemp(cache_dir)) return 1;
  setenv("HORNET_CACHE_DIR", cache_dir, 1);
  struct CMUnitTest tests[32];
  size_t n = 0;
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(selftest_passes);
  for (size_t i = 0; i < sizeof faults / sizeof *faults; i++)
    tests[n++] = (struct CMUnitTest){faults[i].name, selftest_catches, NULL, NULL, (void *)&faults[i]};
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(issue_reproducer);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(same_alerts_without_prefilter);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(scan_error_is_not_a_miss);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(bad_cached_database_is_rebuilt);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(cache_key_names_the_engine);
  return _cmocka_run_group_tests("prefilter", tests, n, NULL, rm_cache);
}
