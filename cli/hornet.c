/* hornet.c - the command-line interface: check, fmt, run, test, explain.
 * Prints diagnostics; exit codes: 0 clean, 1 errors (or files fmt --check would change),
 * 2 bad usage. Depends on the public compiler API only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>
#include "hornet/compiler.h"
#include "hornet/hornet.h"

static void usage(FILE *f) {
  fputs("usage: hornet <command> [options] PATH...\n"
        "\n"
        "commands:\n"
        "  check   parse, resolve and type-check packs; print diagnostics\n"
        "  fmt     rewrite .hn files in the canonical layout (comments kept)\n"
        "  run     run a pack over JSON Lines events, write alerts as JSON Lines\n"
        "  test    run the test blocks of packs\n"
        "  explain show which conditions of each rule hold for one event\n"
        "  version print the version (--verbose: and the stdlib directory in use)\n"
        "\n"
        "check options:\n"
        "  --format text|json|sarif   diagnostics format (default text)\n"
        "  -I DIR                     add DIR to the import search path\n"
        "  --stdlib DIR               where std.* packs live\n"
        "  -Werror, -Werror=NAME, -Wno-NAME   warning control\n"
        "  --summary                  print what each pack declares\n"
        "  --color / --no-color       ANSI colours in text diagnostics\n"
        "fmt options:\n"
        "  --check                    do not write; list files that would change, exit 1 if any\n"
        "  --stdout                   print the formatted text instead of rewriting\n"
        "run:     hornet run PACK [--input FILE|-] [--output FILE] [--dead-letter FILE]\n"
        "                   [--state FILE [--final] [--checkpoint-every N] [--max-events N]]\n"
        "  --state FILE               keep correlation state and the input position in FILE across\n"
        "                             runs (resumes there; checkpoints every `checkpoint` setting)\n"
        "  --final                    with --state: this input ends the stream (close windows)\n"
        "  --checkpoint-every N       also checkpoint every N events\n"
        "  --max-events N             stop after N events (the state records where)\n"
        "  --incidents FILE           write incident records (created, updated, routed) as JSON Lines\n"
        "queue:   hornet queue PACK [--input FILE|-] [--json] [run's options]\n"
        "                             run the stream, then print the incidents per domain, highest\n"
        "                             priority first\n"
        "import-sigma: hornet import-sigma PATH... [-o FILE|DIR/] [--pack NAME] [--mapping windows|ecs|FILE]\n"
        "                             [--placeholders FILE]\n"
        "                             Sigma rules (files or folders of .yml) as one hornet pack, through\n"
        "                             a mapping; what is not imported is reported with the reason\n"
        "test:    hornet test PATH... [--junit FILE]\n"
        "explain: hornet explain PACK --event JSON [--rule NAME]\n"
        "(run, test and explain also take -I DIR, --stdlib DIR and --engine jit|interp)\n"
        "(run, queue, test and explain take --no-prefilter: every string predicate matched exactly,\n"
        " without the multi-pattern engine; the same alerts, more slowly)\n"
        "A Sigma file or a folder of Sigma rules (no .hn files) may stand for a pack anywhere: it is\n"
        "imported on the fly (check, run, test, queue and explain take --mapping windows|ecs|FILE).\n", f);
}

static int color_default(void) { return isatty(2) && getenv("NO_COLOR") == NULL; }

static int cmd_check(int argc, char **argv) {
  hnc_compiler *c = hnc_compiler_create();
  if (!c) { fputs("hornet: out of memory\n", stderr); return 1; }
  hnc_diag_format fmt = HNC_FORMAT_TEXT;
  int color = color_default(), summary = 0, npaths = 0, rc = 0;
  for (int i = 0; i < argc && rc == 0; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--format") == 0 && i + 1 < argc) {
      const char *v = argv[++i];
      if (strcmp(v, "text") == 0) fmt = HNC_FORMAT_TEXT;
      else if (strcmp(v, "json") == 0) fmt = HNC_FORMAT_JSON;
      else if (strcmp(v, "sarif") == 0) fmt = HNC_FORMAT_SARIF;
      else { fprintf(stderr, "hornet check: unknown format '%s' (text, json, sarif)\n", v); rc = 2; }
    } else if (strcmp(a, "-I") == 0 && i + 1 < argc) {
      hnc_compiler_add_search_dir(c, argv[++i]);
    } else if (strncmp(a, "-I", 2) == 0 && a[2]) {
      hnc_compiler_add_search_dir(c, a + 2);
    } else if (strcmp(a, "--stdlib") == 0 && i + 1 < argc) {
      hnc_compiler_set_stdlib(c, argv[++i]);
    } else if (strcmp(a, "--mapping") == 0 && i + 1 < argc) {
      hnc_compiler_set_sigma_mapping(c, argv[++i]);
    } else if (strncmp(a, "-W", 2) == 0) {
      if (hnc_compiler_warning_option(c, a + 2) != HN_OK) {
        fprintf(stderr, "hornet check: unknown warning option '%s'\n", a);
        rc = 2;
      }
    } else if (strcmp(a, "--summary") == 0) {
      summary = 1;
    } else if (strcmp(a, "--color") == 0) {
      color = 1;
    } else if (strcmp(a, "--no-color") == 0) {
      color = 0;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "hornet check: unknown option '%s'\n", a);
      rc = 2;
    } else {
      npaths++;
    }
  }
  if (rc == 0 && npaths == 0) {
    fputs("hornet check: no path given\n", stderr);
    rc = 2;
  }
  if (rc) {
    hnc_compiler_destroy(c);
    return rc;
  }
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if ((strcmp(a, "--format") == 0 || strcmp(a, "-I") == 0 || strcmp(a, "--stdlib") == 0 || strcmp(a, "--mapping") == 0)) { i++; continue; }
    if (a[0] == '-' && a[1]) continue;
    hnc_compiler_add_path(c, a);
  }
  hn_status st = hnc_compiler_check(c);
  hnc_compiler_print_diagnostics(c, fmt == HNC_FORMAT_TEXT ? stderr : stdout, fmt, color);
  if (summary && fmt == HNC_FORMAT_TEXT) hnc_compiler_print_summary(c, stdout);
  hnc_compiler_destroy(c);
  return st == HN_OK ? 0 : 1;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *b = malloc(cap);
  while (b) {
    n += fread(b + n, 1, cap - n, f);
    if (n < cap) break;
    char *nb = realloc(b, cap *= 2);
    if (!nb) { free(b); b = NULL; }
    else b = nb;
  }
  if (f != stdin) fclose(f);
  *len = n;
  return b;
}

static int write_atomic(const char *path, const char *text, size_t len) {
  size_t n = strlen(path) + 16;
  char *tmp = malloc(n);
  if (!tmp) return -1;
  snprintf(tmp, n, "%s.fmt~", path);
  FILE *f = fopen(tmp, "wb");
  int ok = f && fwrite(text, 1, len, f) == len;
  if (f && fclose(f) != 0) ok = 0;
  struct stat sb;
  if (ok && stat(path, &sb) == 0) chmod(tmp, sb.st_mode & 07777);
  if (ok && rename(tmp, path) != 0) ok = 0;
  if (!ok) remove(tmp);
  free(tmp);
  return ok ? 0 : -1;
}

typedef struct fmt_opts { int check, to_stdout, color; int changed, failed; } fmt_opts;

static void fmt_file(const char *path, fmt_opts *o) {
  size_t len;
  char *text = slurp(path, &len);
  if (!text) {
    fprintf(stderr, "hornet fmt: cannot read '%s'\n", path);
    o->failed++;
    return;
  }
  hnc_compiler *c = hnc_compiler_create();
  char *out = NULL;
  size_t out_len = 0;
  hn_status st = c ? hnc_format(c, strcmp(path, "-") == 0 ? "<stdin>" : path, text, len, &out, &out_len) : HN_ERR_NOMEM;
  if (st != HN_OK) {
    if (c) hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, o->color);
    fprintf(stderr, "hornet fmt: %s not formatted (%s)\n", path, hn_status_str(st));
    o->failed++;
  } else if (o->to_stdout || strcmp(path, "-") == 0) {
    fwrite(out, 1, out_len, stdout);
  } else if (out_len != len || memcmp(out, text, len) != 0) {
    o->changed++;
    if (o->check) printf("%s\n", path);
    else if (write_atomic(path, out, out_len) != 0) {
      fprintf(stderr, "hornet fmt: cannot write '%s'\n", path);
      o->failed++;
    }
  }
  free(out);
  free(text);
  hnc_compiler_destroy(c);
}

static int ends_with_hn(const char *s) {
  size_t n = strlen(s);
  return n > 3 && strcmp(s + n - 3, ".hn") == 0;
}

static void fmt_path(const char *path, fmt_opts *o) {
  struct stat sb;
  if (strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, alphasort);
    if (n < 0) { fprintf(stderr, "hornet fmt: cannot read '%s'\n", path); o->failed++; return; }
    for (int i = 0; i < n; i++) {
      const char *nm = ents[i]->d_name;
      if (nm[0] != '.') {
        size_t k = strlen(path) + strlen(nm) + 2;
        char *sub = malloc(k);
        if (sub) {
          snprintf(sub, k, "%s/%s", path, nm);
          struct stat s2;
          if (stat(sub, &s2) == 0 && (S_ISDIR(s2.st_mode) || ends_with_hn(nm))) fmt_path(sub, o);
          free(sub);
        }
      }
      free(ents[i]);
    }
    free(ents);
    return;
  }
  fmt_file(path, o);
}

static int cmd_fmt(int argc, char **argv) {
  fmt_opts o = {0, 0, color_default(), 0, 0};
  int npaths = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--check") == 0) o.check = 1;
    else if (strcmp(argv[i], "--stdout") == 0) o.to_stdout = 1;
    else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "hornet fmt: unknown option '%s'\n", argv[i]);
      return 2;
    } else npaths++;
  }
  if (!npaths) { fputs("hornet fmt: no path given (use - for standard input)\n", stderr); return 2; }
  for (int i = 0; i < argc; i++)
    if (argv[i][0] != '-' || !argv[i][1]) fmt_path(argv[i], &o);
  if (o.failed) return 1;
  return o.check && o.changed ? 1 : 0;
}

/* A pack image (`hornet build`): loaded without the compiler; native code that cannot run here
 * leaves the interpreter to run it, with a warning. */
static hn_program *load_image(const char *path, int native, int prefilter) {
  hn_program *p = NULL;
  char err[512];
  unsigned flags = (native ? 0 : HN_LOAD_INTERP) | (prefilter ? 0 : HN_LOAD_NO_PREFILTER);
  if (hn_program_load(path, flags, &p, err, sizeof err) != HN_OK) {
    fprintf(stderr, "hornet: %s\n", err);
    return NULL;
  }
  if (hn_program_warning(p)) fprintf(stderr, "hornet: warning: %s\n", hn_program_warning(p));
  return p;
}

/* Checks and compiles the packs at paths[0..n); prints diagnostics; NULL when they have errors.
 * With native set, the rule logic is compiled to native code (cached); if that fails the
 * interpreter runs, with a warning. */
static hn_program *compile_paths(char **paths, int n, char **incs, int ninc, const char *stdlib, const char *mapping,
                                 int native, int prefilter) {
  if (n == 1 && hn_is_image(paths[0])) return load_image(paths[0], native, prefilter);
  hnc_compiler *c = hnc_compiler_create();
  if (!c) return NULL;
  hnc_compiler_set_prefilter(c, prefilter != 0);
  if (stdlib) hnc_compiler_set_stdlib(c, stdlib);
  if (mapping) hnc_compiler_set_sigma_mapping(c, mapping);
  for (int i = 0; i < ninc; i++) hnc_compiler_add_search_dir(c, incs[i]);
  for (int i = 0; i < n; i++) hnc_compiler_add_path(c, paths[i]);
  hn_program *p = NULL;
  if (hnc_compiler_check(c) == HN_OK) p = hnc_compiler_program(c);
  if (hnc_compiler_diag_count(c)) hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, color_default());
  hnc_compiler_destroy(c);
  char err[512];
  if (p && native && hnc_program_native(p, NULL, err, sizeof err) != HN_OK)
    fprintf(stderr, "hornet: warning: native code unavailable (%s); the interpreter runs the rules\n", err);
  if (p && hn_program_warning(p)) fprintf(stderr, "hornet: warning: %s\n", hn_program_warning(p));
  return p;
}

/* The options shared by run, test and explain; the rest are the command's own. */
typedef struct run_args {
  char *paths[64], *incs[16];
  int npaths, ninc;
  const char *stdlib, *input, *output, *dead, *junit, *event, *rule, *engine, *state, *every, *max, *incidents, *mapping;
  int native, final, json, no_prefilter;
} run_args;

static int parse_run_args(const char *cmd, int argc, char **argv, run_args *a) {
  memset(a, 0, sizeof *a);
  for (int i = 0; i < argc; i++) {
    const char *o = argv[i];
    const char **slot = strcmp(o, "--input") == 0 ? &a->input : strcmp(o, "--output") == 0 ? &a->output
                      : strcmp(o, "--dead-letter") == 0 ? &a->dead : strcmp(o, "--junit") == 0 ? &a->junit
                      : strcmp(o, "--event") == 0 ? &a->event : strcmp(o, "--rule") == 0 ? &a->rule
                      : strcmp(o, "--stdlib") == 0 ? &a->stdlib : strcmp(o, "--engine") == 0 ? &a->engine
                      : strcmp(o, "--state") == 0 ? &a->state : strcmp(o, "--checkpoint-every") == 0 ? &a->every
                      : strcmp(o, "--max-events") == 0 ? &a->max : strcmp(o, "--incidents") == 0 ? &a->incidents
                      : strcmp(o, "--mapping") == 0 ? &a->mapping
                      : NULL;
    if (slot) {
      if (i + 1 >= argc) { fprintf(stderr, "hornet %s: %s needs a value\n", cmd, o); return 2; }
      *slot = argv[++i];
    } else if (strcmp(o, "--final") == 0) {
      a->final = 1;
    } else if (strcmp(o, "--json") == 0) {
      a->json = 1;
    } else if (strcmp(o, "--no-prefilter") == 0) {
      a->no_prefilter = 1;
    } else if (strcmp(o, "-I") == 0 && i + 1 < argc && a->ninc < 16) {
      a->incs[a->ninc++] = argv[++i];
    } else if (o[0] == '-' && o[1]) {
      fprintf(stderr, "hornet %s: unknown option '%s'\n", cmd, o);
      return 2;
    } else if (a->npaths < 64) {
      a->paths[a->npaths++] = argv[i];
    }
  }
  if (!a->npaths) { fprintf(stderr, "hornet %s: no pack given\n", cmd); return 2; }
  a->native = 1;
  if (a->engine && strcmp(a->engine, "interp") == 0) a->native = 0;
  else if (a->engine && strcmp(a->engine, "jit") != 0) {
    fprintf(stderr, "hornet %s: unknown engine '%s' (jit, interp)\n", cmd, a->engine);
    return 2;
  }
  return 0;
}

/* run and queue: the same stream; queue prints the incidents per domain at the end and
 * writes alerts only when --output is given. */
static int run_or_queue(int argc, char **argv, bool queue) {
  const char *cmd = queue ? "queue" : "run";
  run_args a;
  int rc = parse_run_args(cmd, argc, argv, &a);
  if (rc) return rc;
  FILE *in = !a.input || strcmp(a.input, "-") == 0 ? stdin : fopen(a.input, "rb");
  if (!in) { fprintf(stderr, "hornet %s: cannot read '%s'\n", cmd, a.input); return 1; }
  /* with a state file the output grows across runs (and is cut back to the last checkpoint) */
  FILE *out = a.output ? fopen(a.output, a.state ? "ab" : "wb") : queue ? fopen("/dev/null", "wb") : stdout;
  FILE *dead = a.dead ? fopen(a.dead, "wb") : NULL;
  FILE *inc = a.incidents ? fopen(a.incidents, "wb") : NULL;
  if (!out || (a.dead && !dead) || (a.incidents && !inc)) {
    fprintf(stderr, "hornet %s: cannot write '%s'\n", cmd, !out ? a.output : a.dead && !dead ? a.dead : a.incidents);
    return 1;
  }
  hn_program *p = compile_paths(a.paths, a.npaths, a.incs, a.ninc, a.stdlib, a.mapping, a.native, !a.no_prefilter);
  if (!p) return 1;
  hn_run_options o = {a.input ? a.input : "-", in, out, dead, stderr, 10, a.native ? HN_ENGINE_AUTO : HN_ENGINE_INTERP,
                      a.state, a.every ? strtoull(a.every, NULL, 10) : 0, a.max ? strtoull(a.max, NULL, 10) : 0,
                      a.final != 0, inc, queue ? stdout : NULL, a.json != 0};
  hn_run_stats st;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  hn_status s = hn_run_stream(p, &o, &st);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  fprintf(stderr, "hornet %s: %llu events, %llu bytes, %llu alerts, %llu malformed, %.3f s (%.0f events/s)\n", cmd,
          (unsigned long long)st.events, (unsigned long long)st.bytes, (unsigned long long)st.alerts,
          (unsigned long long)st.malformed, secs, secs > 0 ? (double)st.events / secs : 0.0);
  if (st.late || st.untimed || st.no_key || st.suppressed || st.evicted || st.peak_keys)
    fprintf(stderr, "hornet %s: correlation: %llu late, %llu without a time, %llu without a key value, %llu alerts "
            "suppressed, %llu keys evicted, %llu keys at most (~%.1f MB)\n", cmd,
            (unsigned long long)st.late, (unsigned long long)st.untimed, (unsigned long long)st.no_key,
            (unsigned long long)st.suppressed, (unsigned long long)st.evicted, (unsigned long long)st.peak_keys,
            (double)st.peak_state_bytes / 1e6);
  if (st.incidents) fprintf(stderr, "hornet %s: %llu incidents\n", cmd, (unsigned long long)st.incidents);
  if (hn_program_scan_errors(p)) /* none lost a match (the exact matchers decided), but the engine is failing */
    fprintf(stderr, "hornet: warning: %llu pattern scans failed; their fields were matched exactly\n",
            (unsigned long long)hn_program_scan_errors(p));
  if (in != stdin) fclose(in);
  if (out != stdout && fclose(out) != 0) s = HN_ERR_IO;
  if (dead) fclose(dead);
  if (inc && fclose(inc) != 0) s = HN_ERR_IO;
  hn_program_destroy(p);
  if (s != HN_OK) { fprintf(stderr, "hornet %s: %s\n", cmd, hn_status_str(s)); return 1; }
  return 0;
}

static int cmd_test(int argc, char **argv) {
  run_args a;
  int rc = parse_run_args("test", argc, argv, &a);
  if (rc) return rc;
  hn_program *p = compile_paths(a.paths, a.npaths, a.incs, a.ninc, a.stdlib, a.mapping, a.native, !a.no_prefilter);
  if (!p) return 1;
  FILE *junit = a.junit ? fopen(a.junit, "wb") : NULL;
  if (a.junit && !junit) { fprintf(stderr, "hornet test: cannot write '%s'\n", a.junit); hn_program_destroy(p); return 1; }
  hn_test_report rep;
  hn_status s = hn_run_tests(p, stdout, junit, &rep);
  if (junit) fclose(junit);
  hn_program_destroy(p);
  return s == HN_OK ? 0 : 1;
}

/* hornet import-sigma PATH... [-o FILE] [--pack NAME] [--mapping NAME|FILE] [--stdlib DIR] */
static int cmd_import_sigma(int argc, char **argv) {
  const char *outp = NULL, *pack = "sigma.imported", *stdlib = NULL, *mapping = NULL, *placeholders = NULL;
  char **files = NULL;
  size_t n = 0, cap = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "-o") && i + 1 < argc) outp = argv[++i];
    else if (!strcmp(argv[i], "--pack") && i + 1 < argc) pack = argv[++i];
    else if (!strcmp(argv[i], "--stdlib") && i + 1 < argc) stdlib = argv[++i];
    else if (!strcmp(argv[i], "--mapping") && i + 1 < argc) mapping = argv[++i];
    else if (!strcmp(argv[i], "--placeholders") && i + 1 < argc) placeholders = argv[++i];
    else if (argv[i][0] == '-') { fprintf(stderr, "hornet import-sigma: unknown option '%s'\n", argv[i]); return 2; }
    else hnc_sigma_files(argv[i], &files, &n, &cap);
  }
  if (!n) { fputs("hornet import-sigma: no Sigma files given\n", stderr); free(files); return 2; }
  /* -o DIR (an existing directory, or a path ending in '/'): a directory pack, one file per folder */
  struct stat sb;
  size_t ol = outp ? strlen(outp) : 0;
  bool dir = outp && ((stat(outp, &sb) == 0 && S_ISDIR(sb.st_mode)) || (ol && outp[ol - 1] == '/'));
  if (dir) { /* with its parents, as mkdir -p */
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", outp);
    for (char *q = buf + 1; *q; q++)
      if (*q == '/') { *q = 0; mkdir(buf, 0777); *q = '/'; }
  }
  if (dir && mkdir(outp, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "hornet import-sigma: cannot create '%s': %s\n", outp, strerror(errno));
    return 1;
  }
  FILE *out = dir ? NULL : outp ? fopen(outp, "wb") : stdout;
  if (!dir && !out) { fprintf(stderr, "hornet import-sigma: cannot write '%s'\n", outp); return 1; }
  unsigned imported = 0, skipped = 0;
  hnc_sigma_options o = {stdlib, mapping, pack, placeholders, dir ? outp : NULL};
  hn_status st = hnc_sigma_import((const char *const *)files, n, &o, out, stderr, &imported, &skipped);
  if (out && out != stdout && fclose(out) != 0) st = HN_ERR_IO;
  for (size_t i = 0; i < n; i++) free(files[i]);
  free(files);
  return st == HN_OK ? 0 : 1;
}

/* hornet build PACK... -o FILE.hnp [--cpu CPU] [--no-native] [--dump]: the pack compiled once
 * into an image that `run`, `test`, `queue` and `explain` (and libhornet's hn_program_load)
 * take instead of the sources. */
static int cmd_build(int argc, char **argv) {
  const char *out = NULL, *cpu = NULL, *stdlib = NULL, *mapping = NULL;
  char **paths = calloc((size_t)argc + 1, sizeof *paths), **incs = calloc((size_t)argc + 1, sizeof *incs);
  int npaths = 0, ninc = 0, dump = 0, native = 1, rc = 0;
  if (!paths || !incs) { free(paths); free(incs); fputs("hornet: out of memory\n", stderr); return 1; }
  for (int i = 0; i < argc && !rc; i++) {
    const char *a = argv[i];
    const char **slot = strcmp(a, "-o") == 0 ? &out : strcmp(a, "--cpu") == 0 ? &cpu : strcmp(a, "--stdlib") == 0 ? &stdlib
                      : strcmp(a, "--mapping") == 0 ? &mapping : NULL;
    if (slot || strcmp(a, "-I") == 0) {
      if (i + 1 >= argc) { fprintf(stderr, "hornet build: %s needs a value\n", a); rc = 2; break; }
      if (slot) *slot = argv[++i];
      else incs[ninc++] = argv[++i];
    } else if (strcmp(a, "--dump") == 0) dump = 1;
    else if (strcmp(a, "--no-native") == 0) native = 0;
    else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs("usage: hornet build PACK... -o FILE.hnp [--cpu CPU] [--no-native] [--dump] [-I DIR] [--stdlib DIR]\n"
            "       hornet build --dump FILE.hnp\n"
            "  -o FILE          write the image there\n"
            "  --cpu CPU        the CPU the native code is for: x86-64, x86-64-v2 (default), x86-64-v3,\n"
            "                   x86-64-v4 (generic on other architectures)\n"
            "  --no-native      no native code: the image runs on the interpreter everywhere\n"
            "  --dump           print the program readably (an image's, or the one just built)\n", stdout);
      free(paths); free(incs);
      return 0;
    } else if (a[0] == '-' && a[1]) { fprintf(stderr, "hornet build: unknown option '%s'\n", a); rc = 2; }
    else paths[npaths++] = argv[i];
  }
  if (!rc && !npaths) { fputs("hornet build: no pack given\n", stderr); rc = 2; }
  if (!rc && !out && !(dump && npaths == 1 && hn_is_image(paths[0]))) {
    fputs("hornet build: no output given (-o FILE.hnp)\n", stderr);
    rc = 2;
  }
  hn_program *p = rc ? NULL : compile_paths(paths, npaths, incs, ninc, stdlib, mapping, 0, 1);
  if (!rc && !p) rc = 1;
#if defined(__x86_64__)
  if (!cpu) cpu = "x86-64-v2";
#else
  if (!cpu) cpu = "generic";
#endif
  void *so = NULL;
  size_t so_len = 0;
  char err[1024];
  if (!rc && out && native && hnc_program_shared_object(p, cpu, &so, &so_len, err, sizeof err) != HN_OK)
    fprintf(stderr, "hornet build: warning: no native code in the image (%s): the interpreter will run it\n", err);
  if (!rc && out) {
    FILE *f = fopen(out, "wb");
    if (!f) { fprintf(stderr, "hornet build: cannot write '%s': %s\n", out, strerror(errno)); rc = 1; }
    else {
      hn_status st = hn_program_write_image(p, so, so_len, cpu, f, err, sizeof err);
      if (fclose(f) != 0 && st == HN_OK) { st = HN_ERR_IO; snprintf(err, sizeof err, "%s", strerror(errno)); }
      if (st != HN_OK) { fprintf(stderr, "hornet build: cannot write '%s': %s\n", out, err); remove(out); rc = 1; }
    }
  }
  if (!rc && dump) {
    hn_program *shown = p;
    if (out) { /* the image as written: what a runtime will load */
      shown = NULL;
      if (hn_program_load(out, HN_LOAD_INTERP, &shown, err, sizeof err) != HN_OK) { fprintf(stderr, "hornet: %s\n", err); rc = 1; }
    }
    if (shown) hn_program_dump(shown, stdout);
    if (shown != p) hn_program_destroy(shown);
  }
  free(so);
  hn_program_destroy(p);
  free(paths);
  free(incs);
  return rc;
}

static int cmd_explain(int argc, char **argv) {
  run_args a;
  int rc = parse_run_args("explain", argc, argv, &a);
  if (rc) return rc;
  if (!a.event) { fputs("hornet explain: --event JSON is required\n", stderr); return 2; }
  hn_program *p = compile_paths(a.paths, a.npaths, a.incs, a.ninc, a.stdlib, a.mapping, a.native, !a.no_prefilter);
  if (!p) return 1;
  hn_status s = hn_explain(p, a.event, strlen(a.event), a.rule, stdout);
  hn_program_destroy(p);
  if (s == HN_ERR_NOT_FOUND) { fprintf(stderr, "hornet explain: no rule named '%s'\n", a.rule); return 1; }
  return s == HN_OK ? 0 : 1;
}

/* hornet version [--verbose [--stdlib DIR]]: with --verbose, also where std.* packs are found
 * (--stdlib, $HORNET_STDLIB, the installed share/hornet/stdlib, or the source tree's). */
static int cmd_version(int argc, char **argv) {
  const char *stdlib = NULL;
  int verbose = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) verbose = 1;
    else if (strcmp(argv[i], "--stdlib") == 0 && i + 1 < argc) stdlib = argv[++i];
    else { fprintf(stderr, "hornet version: unknown option '%s'\n", argv[i]); return 2; }
  }
  const char *why = hn_pattern_engine_selftest();
  printf("hornet %s\nmulti-pattern engine: %s, self-test on this CPU: %s%s\n", hn_version(), hn_pattern_engine(),
         why ? "FAILED: " : "passed", why ? why : "");
  if (!verbose) return 0;
  hnc_compiler *c = hnc_compiler_create();
  if (!c || (stdlib && hnc_compiler_set_stdlib(c, stdlib) != HN_OK)) {
    hnc_compiler_destroy(c);
    fputs("hornet: out of memory\n", stderr);
    return 1;
  }
  printf("stdlib %s\n", hnc_compiler_stdlib(c));
  hnc_compiler_destroy(c);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) { usage(stderr); return 2; }
  const char *cmd = argv[1];
  if (strcmp(cmd, "check") == 0) return cmd_check(argc - 2, argv + 2);
  if (strcmp(cmd, "fmt") == 0) return cmd_fmt(argc - 2, argv + 2);
  if (strcmp(cmd, "run") == 0) return run_or_queue(argc - 2, argv + 2, false);
  if (strcmp(cmd, "queue") == 0) return run_or_queue(argc - 2, argv + 2, true);
  if (strcmp(cmd, "import-sigma") == 0) return cmd_import_sigma(argc - 2, argv + 2);
  if (strcmp(cmd, "test") == 0) return cmd_test(argc - 2, argv + 2);
  if (strcmp(cmd, "build") == 0) return cmd_build(argc - 2, argv + 2);
  if (strcmp(cmd, "explain") == 0) return cmd_explain(argc - 2, argv + 2);
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) return cmd_version(argc - 2, argv + 2);
  if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
    usage(stdout);
    return 0;
  }
  fprintf(stderr, "hornet: unknown command '%s'\n\n", cmd);
  usage(stderr);
  return 2;
}
