/* hsprof.c - an LD_PRELOAD shim that times the library calls a pack image's start-up makes:
 * the pattern engine's (hs_expression_info, hs_deserialize_database, hs_alloc_scratch,
 * hs_scan, hs_compile_multi), PCRE2's (pcre2_compile, pcre2_jit_compile) and dlopen. Each call
 * is forwarded to the real one (dlsym RTLD_NEXT) and timed with clock_gettime: the calling
 * thread's CPU time (a busy shared machine preempts the process; CPU time does not count that),
 * except hs_scan, called tens of thousands of times, where reading that clock (a system call,
 * about 2 us here) would cost more than the scans: its time is the wall clock. At exit one line
 * per function goes to standard error: `hsprof NAME calls N ms T clock cpu|wall`.
 * Depends on libc and libdl only; knows nothing of hornet.
 *
 *   LD_PRELOAD=build-bench/bench/libhsprof.so loadtime IMAGE
 *   HSPROF_SLOW=1 ... also prints each hs_expression_info call over 1 ms (the pattern). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { EXPR_INFO, DESERIALIZE, ALLOC_SCRATCH, SCAN, COMPILE_MULTI, PCRE2_COMPILE, PCRE2_JIT, DLOPEN, N_FN };
static const char *const names[N_FN] = {"hs_expression_info", "hs_deserialize_database", "hs_alloc_scratch", "hs_scan",
                                        "hs_compile_multi", "pcre2_compile_8", "pcre2_jit_compile_8", "dlopen"};
static unsigned long calls[N_FN];
static double spent[N_FN];

static double clock_ms(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static clockid_t clock_of(int fn) { return fn == SCAN ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID; }

static void *real(int fn) {
  static void *r[N_FN];
  if (!r[fn]) r[fn] = dlsym(RTLD_NEXT, names[fn]);
  if (!r[fn]) {
    fprintf(stderr, "hsprof: no %s\n", names[fn]);
    abort();
  }
  return r[fn];
}

#define TIMED(fn, type, call)                    \
  do {                                           \
    double t0_ = clock_ms(clock_of(fn));         \
    type r_ = call;                              \
    spent[fn] += clock_ms(clock_of(fn)) - t0_;   \
    calls[fn]++;                                 \
    return r_;                                   \
  } while (0)

int hs_expression_info(const char *e, unsigned flags, void **info, void **err) {
  int (*f)(const char *, unsigned, void **, void **) = real(EXPR_INFO);
  double t0 = clock_ms(clock_of(EXPR_INFO));
  int r = f(e, flags, info, err);
  double d = clock_ms(clock_of(EXPR_INFO)) - t0;
  spent[EXPR_INFO] += d;
  calls[EXPR_INFO]++;
  if (d > 1 && getenv("HSPROF_SLOW")) fprintf(stderr, "hsprof slow hs_expression_info %.1f ms /%.100s/\n", d, e);
  return r;
}

int hs_deserialize_database(const char *bytes, size_t len, void **db) {
  int (*f)(const char *, size_t, void **) = real(DESERIALIZE);
  TIMED(DESERIALIZE, int, f(bytes, len, db));
}

int hs_alloc_scratch(const void *db, void **scratch) {
  int (*f)(const void *, void **) = real(ALLOC_SCRATCH);
  TIMED(ALLOC_SCRATCH, int, f(db, scratch));
}

int hs_scan(const void *db, const char *data, unsigned len, unsigned flags, void *scratch, void *cb, void *ctx) {
  int (*f)(const void *, const char *, unsigned, unsigned, void *, void *, void *) = real(SCAN);
  TIMED(SCAN, int, f(db, data, len, flags, scratch, cb, ctx));
}

int hs_compile_multi(const char *const *e, const unsigned *flags, const unsigned *ids, unsigned n, unsigned mode,
                     const void *platform, void **db, void **err) {
  int (*f)(const char *const *, const unsigned *, const unsigned *, unsigned, unsigned, const void *, void **, void **) =
      real(COMPILE_MULTI);
  TIMED(COMPILE_MULTI, int, f(e, flags, ids, n, mode, platform, db, err));
}

void *pcre2_compile_8(const unsigned char *pat, size_t len, unsigned opts, int *code, size_t *off, void *ctx) {
  void *(*f)(const unsigned char *, size_t, unsigned, int *, size_t *, void *) = real(PCRE2_COMPILE);
  TIMED(PCRE2_COMPILE, void *, f(pat, len, opts, code, off, ctx));
}

int pcre2_jit_compile_8(void *code, unsigned opts) {
  int (*f)(void *, unsigned) = real(PCRE2_JIT);
  TIMED(PCRE2_JIT, int, f(code, opts));
}

void *dlopen(const char *path, int mode) {
  void *(*f)(const char *, int) = real(DLOPEN);
  TIMED(DLOPEN, void *, f(path, mode));
}

__attribute__((destructor)) static void report(void) {
  for (int i = 0; i < N_FN; i++) fprintf(stderr, "hsprof %s calls %lu ms %.3f clock %s\n", names[i], calls[i], spent[i], i == SCAN ? "wall" : "cpu");
}
