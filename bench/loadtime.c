/* loadtime.c - the start-up of a program that links libhornet alone, in parts: the pattern
 * engine's self-test, hn_program_load of an image, a session, the first event, the teardown.
 * Depends on hornet.h only (links libhornet.so): what a collector sees, without the CLI.
 *
 *   loadtime IMAGE [full|interp|noprefilter|selftest] [EVENT_JSON]
 *   loadtime IMAGE mmap|mmap-populate [WRITE_BYTES]
 *
 * full: hn_program_load with the native code and the prefilter (the default); interp: without
 * the native code (HN_LOAD_INTERP: no dlopen); noprefilter: without the native code nor the
 * pattern databases (HN_LOAD_INTERP | HN_LOAD_NO_PREFILTER). The differences between the three
 * give the cost of dlopen and of the prefilter (each part in wall and in CPU time); selftest: the self-test alone, no image loaded
 * (to tell its library calls from the load's under bench/hsprof.c); mmap: no hornet call, the
 * floor of mapping the file as hn_program_load does (private, writable), reading every 8-byte
 * word of it once (as the content hash does) and writing one byte in each page of its first
 * WRITE_BYTES (as relocating the program section does: each written page is copied);
 * mmap-populate: the same mapped with MAP_POPULATE (the page tables filled in one call). Prints one line of `name value` pairs
 * (milliseconds, from clock_gettime(CLOCK_MONOTONIC)). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <hornet/hornet.h>

static double clock_ms(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double now_ms(void) { return clock_ms(CLOCK_MONOTONIC); }

/* The process's CPU time: on a busy shared machine the wall clock also counts the time others
 * ran, CPU time does not (so each part is also given in CPU time, `*_cpu_ms`). */
static double cpu_ms(void) { return clock_ms(CLOCK_PROCESS_CPUTIME_ID); }

static unsigned flags_of(const char *mode) {
  if (strcmp(mode, "interp") == 0) return HN_LOAD_INTERP;
  if (strcmp(mode, "noprefilter") == 0) return HN_LOAD_INTERP | HN_LOAD_NO_PREFILTER;
  return 0;
}

/* The page-fault floor of an image's mapping (mode mmap, mmap-populate). */
static int map_floor(const char *path, bool populate, size_t write_bytes) {
  double t0 = now_ms();
  int fd = open(path, O_RDONLY);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb) != 0) return 1;
  size_t size = (size_t)sb.st_size;
  unsigned char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, 0);
  close(fd);
  if (m == MAP_FAILED) return 1;
  double t1 = now_ms();
  uint64_t h = 0;
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t w;
    memcpy(&w, m + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull; /* a dependent chain, as the content hash is */
    h ^= h >> 32;
  }
  double t2 = now_ms();
  if (write_bytes > size) write_bytes = size;
  for (size_t i = 0; i < write_bytes; i += 4096) m[i] ^= 1;
  double t3 = now_ms();
  munmap(m, size);
  double t4 = now_ms();
  printf("mode %s bytes %zu map_ms %.3f read_hash_ms %.3f write_pages %zu write_ms %.3f unmap_ms %.3f total_ms %.3f "
         "(hash %016llx)\n",
         populate ? "mmap-populate" : "mmap", size, t1 - t0, t2 - t1, (write_bytes + 4095) / 4096, t3 - t2, t4 - t3,
         t4 - t0, (unsigned long long)h);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("usage: loadtime IMAGE [full|interp|noprefilter|selftest] [EVENT_JSON]\n"
          "       loadtime IMAGE mmap|mmap-populate [WRITE_BYTES]\n", stderr);
    return 2;
  }
  const char *mode = argc > 2 ? argv[2] : "full";
  if (strncmp(mode, "mmap", 4) == 0)
    return map_floor(argv[1], strcmp(mode, "mmap-populate") == 0, argc > 3 ? strtoull(argv[3], NULL, 10) : 0);
  const char *event = argc > 3 ? argv[3] : "{}";
  unsigned flags = flags_of(mode);
  double t0 = now_ms(), c0 = cpu_ms();
  /* once per process, whichever program loads first pays it: timed on its own here */
  const char *why = flags & HN_LOAD_NO_PREFILTER ? NULL : hn_pattern_engine_selftest();
  double t1 = now_ms(), c1 = cpu_ms();
  if (strcmp(mode, "selftest") == 0) {
    printf("mode selftest selftest_ms %.3f selftest_cpu_ms %.3f\n", t1 - t0, c1 - c0);
    return why != NULL;
  }
  char err[512];
  hn_program *p;
  if (hn_program_load(argv[1], flags, &p, err, sizeof err) != HN_OK) {
    fprintf(stderr, "loadtime: %s\n", err);
    return 1;
  }
  double t2 = now_ms(), c2 = cpu_ms();
  const char *warn = hn_program_warning(p);
  if (warn && *warn) fprintf(stderr, "loadtime: %s\n", warn);
  bool prefiltered = hn_program_prefiltered(p);
  const char *native = flags & HN_LOAD_INTERP ? "off" : warn && *warn ? "failed" : "on";
  hn_session_options o = {flags & HN_LOAD_INTERP ? HN_ENGINE_INTERP : HN_ENGINE_AUTO, 0};
  hn_session *s;
  if (hn_session_new(p, &o, NULL, &s) != HN_OK) return 1;
  double t3 = now_ms(), c3 = cpu_ms();
  hn_origin at = {"-", 1, 0};
  hn_session_push(s, event, strlen(event), &at);
  hn_session_flush(s);
  double t4 = now_ms(), c4 = cpu_ms();
  hn_session_free(s);
  hn_program_destroy(p);
  double t5 = now_ms(), c5 = cpu_ms();
  printf("mode %s selftest_ms %.3f load_ms %.3f session_ms %.3f first_event_ms %.3f teardown_ms %.3f in_main_ms %.3f "
         "selftest_cpu_ms %.3f load_cpu_ms %.3f session_cpu_ms %.3f first_event_cpu_ms %.3f teardown_cpu_ms %.3f "
         "in_main_cpu_ms %.3f native %s prefiltered %s\n",
         mode, t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0, c1 - c0, c2 - c1, c3 - c2, c4 - c3, c5 - c4, c5 - c0,
         native, prefiltered ? "yes" : "no");
  if (why) fprintf(stderr, "loadtime: the pattern engine failed its self-test: %s\n", why);
  return 0;
}
