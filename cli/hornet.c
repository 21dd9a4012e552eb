/* hornet.c - the command-line interface: check, fmt, run, queue, import-sigma, test, explain,
 * build, version; `hornet case` is in case.c.
 * Prints diagnostics; exit codes: 0 clean, 1 errors (or files fmt --check would change, or an
 * output that could not be written), 2 bad usage. Depends on the public compiler API only. */
#define _GNU_SOURCE /* fopencookie: a stream that keeps why a write failed */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>
#include "hornet/compiler.h"
#include "hornet/hornet.h"
#include "hornet/hornetaux.h"
#include "hornet/store.h"
#include "cli.h"

FILE *out1; /* standard output: through a stream that keeps write errors (see below) */

/* Each command's usage, printed by `hornet COMMAND --help` (and `hornet help COMMAND`). */
static const char *const check_usage =
  "usage: hornet check [options] PATH...\n"
  "Parse, resolve and type-check packs (files, directories, Sigma rules); print diagnostics.\n"
  "Exit 0 clean, 1 errors, 2 bad usage.\n"
  "  --format text|json|sarif   diagnostics format (default text on stderr; json, sarif on stdout)\n"
  "  -I DIR                     add DIR to the import search path (any number of times)\n"
  "  --allow-path DIR           let packs read inventories under DIR too (by default only from\n"
  "                             their own directory)\n"
  "  --stdlib DIR               where std.* packs live\n"
  "  --mapping windows|ecs|FILE the mapping of Sigma rules read as a pack\n"
  "  -Werror, -Werror=NAME, -Wno-NAME   warning control\n"
  "  --summary                  print what each pack declares\n"
  "  --color / --no-color       ANSI colours in text diagnostics\n"
  "  -h, --help                 print this help\n";
static const char *const fmt_usage =
  "usage: hornet fmt [--check | --stdout] PATH...\n"
  "Rewrite .hn files (or the .hn files under directories) in the canonical layout, comments kept.\n"
  "PATH - reads standard input and writes standard output.\n"
  "  --check                    do not write; list files that would change, exit 1 if any\n"
  "  --stdout                   print the formatted text instead of rewriting\n"
  "  -h, --help                 print this help\n";
#define RUN_OPTIONS \
  "  --input FILE|-             events, JSON Lines (default: standard input)\n" \
  "  --output FILE              alerts, JSON Lines (default: standard output)\n" \
  "  --dead-letter FILE         the lines set aside (malformed, late, at a regex limit) as JSON Lines\n" \
  "  --incidents FILE           incident records (created, updated, routed) as JSON Lines\n" \
  "  --state FILE               keep correlation state and the input position in FILE across runs\n" \
  "                             (resumes there; checkpoints every `checkpoint` setting); the output\n" \
  "                             files are appended to, and cut back to their last checkpoint\n" \
  "  --store FILE               write alerts, incidents and exposure windows into the case store\n" \
  "                             FILE (SQLite; `hornet case` reads it), with the correlation state and\n" \
  "                             the input position: a run continues the store (see README.md)\n" \
  "  --final                    with --state or --store: this input ends the stream (close windows)\n" \
  "  --checkpoint-every N       also checkpoint every N events (N >= 1)\n" \
  "  --max-events N             stop after N events (N >= 1; the state records where)\n" \
  "  --engine jit|interp        native code (default) or the reference interpreter\n" \
  "  --no-prefilter             match every string exactly, without the multi-pattern engine (the\n" \
  "                             same alerts, more slowly; also HORNET_NO_PREFILTER=1)\n" \
  "  -I DIR, --allow-path DIR, --stdlib DIR, --mapping windows|ecs|FILE   as for check\n" \
  "  -h, --help                 print this help\n"
static const char *const run_usage =
  "usage: hornet run PACK... [options]\n"
  "Run packs over JSON Lines events; write alerts as JSON Lines. Exit 0, 1 on an error (a pack\n"
  "with errors, a file that cannot be read or written), 2 bad usage.\n" RUN_OPTIONS;
static const char *const queue_usage =
  "usage: hornet queue PACK... [--json] [run's options]\n"
  "       hornet queue --store [FILE] [--json] [--now TIME]\n"
  "Run the stream, then print the incidents per domain, highest priority first (--json: one JSON\n"
  "document). Alerts are written only with --output. With --store, the queue is the store's: the\n"
  "stream (when a pack is given) runs into it first, then each domain's open incidents, its WIP\n"
  "use and each incident's SLA clock are read from it (default FILE: hornet.db).\n"
  "  --json                     the queue as one JSON document\n"
  "  --now TIME                 with --store: read SLA clocks at TIME, not the wall clock\n" RUN_OPTIONS;
static const char *const import_usage =
  "usage: hornet import-sigma PATH... [-o FILE|DIR/] [--pack NAME] [--mapping windows|ecs|FILE]\n"
  "                           [--placeholders FILE] [--stdlib DIR]\n"
  "Turn Sigma rules (files or folders of .yml) into one hornet pack, through a mapping; what is\n"
  "not imported is reported with the reason.\n"
  "  -o FILE|DIR/               write the pack there (DIR/: one file per folder; default: stdout)\n"
  "  --pack NAME                the pack's name (default sigma.imported)\n"
  "  --mapping windows|ecs|FILE log sources and field names (default windows)\n"
  "  --placeholders FILE        values of the placeholders of |expand\n"
  "  --stdlib DIR               where std.* packs live\n"
  "  -h, --help                 print this help\n";
static const char *const test_usage =
  "usage: hornet test PATH... [--junit FILE] [-I DIR] [--allow-path DIR] [--stdlib DIR] [--mapping M]\n"
  "                  [--engine jit|interp]\n"
  "Run the test blocks of packs; exit 1 if one fails.\n"
  "  --junit FILE               also write a JUnit XML report\n"
  "  --no-prefilter             without the multi-pattern engine (the same results)\n"
  "  -h, --help                 print this help\n";
static const char *const explain_usage =
  "usage: hornet explain PACK... --event JSON [--rule NAME] [-I DIR] [--allow-path DIR] [--stdlib DIR]\n"
  "                         [--mapping M]\n"
  "Show which conditions of each rule (or the one named) hold for one event.\n"
  "  --event JSON               the event, one JSON object\n"
  "  --rule NAME                only this rule\n"
  "  --no-prefilter             without the multi-pattern engine (the same results)\n"
  "  -h, --help                 print this help\n";
static const char *const build_usage =
  "usage: hornet build PACK... -o FILE.hnp [--cpu CPU] [--no-native] [--dump] [-I DIR] [--allow-path DIR]\n"
  "                    [--stdlib DIR]\n"
  "       hornet build --dump FILE.hnp\n"
  "Compile packs once into a pack image that run, queue, test and explain (and libhornet's\n"
  "hn_program_load) take instead of the sources: no parsing, checking or LLVM at start-up.\n"
  "  -o FILE                    write the image there\n"
  "  --cpu CPU                  the CPU the native code is for: x86-64, x86-64-v2 (default),\n"
  "                             x86-64-v3, x86-64-v4 (generic on other architectures)\n"
  "  --no-native                no native code: the image runs on the interpreter everywhere\n"
  "  --dump                     print the program readably (an image's, or the one just built)\n"
  "  -h, --help                 print this help\n";
static const char *const kpi_usage =
  "usage: hornet kpi PACK... --facts FILE [options]\n"
  "       hornet kpi [PACK...] --store [FILE] [options]\n"
  "Compute every kpi of the packs over facts (lang/SPEC.md §15): per period and cell, with the\n"
  "target status and the change against the previous period, attributed to the factors of a\n"
  "product or quotient. Facts are JSON Lines: what `hornet run --incidents` writes (incident,\n"
  "exposure and SLA records), and transition and case records. Exit 0, 1 on an error, 2 bad usage.\n"
  "  --facts FILE               the facts (repeatable; - for standard input)\n"
  "  --store [FILE]             the facts of a case store instead (default hornet.db): its incidents,\n"
  "                             alerts, transitions, SLA events, case fields and exposure windows;\n"
  "                             without PACK, the packs of the store's last run\n"
  "  --kpi NAME                 only this KPI\n"
  "  --format table|csv|json    table for people (default), CSV (a row per cell), one JSON document\n"
  "  --period DUR               periods of this length instead of each KPI's `every` (1d, 1w, 12h)\n"
  "  --from TIME, --to TIME     only the periods that end after --from and start before --to\n"
  "                             (RFC 3339 or a date: 2024-05-13)\n"
  "  --by DIM[,DIM...]          cut by these dimensions instead of each KPI's `by`\n"
  "  --now TIME                 when the facts were taken (open windows end there; default: the\n"
  "                             latest time in them)\n"
  "  --gaps                     the gap analysis instead: controls ranked by the incidents naming\n"
  "                             them, with framework ids, owner and trend (last period: --period,\n"
  "                             1w by default)\n"
  "  -I DIR, --allow-path DIR, --stdlib DIR   as for check\n";
static const char *const report_usage =
  "usage: hornet report PACK... --facts FILE -o FILE.html [--title TEXT] [hornet kpi's options]\n"
  "       hornet report [PACK...] --store [FILE] -o FILE.html [--title TEXT] [hornet kpi's options]\n"
  "Write one self-contained HTML file (no external asset, no script): each KPI's trend against its\n"
  "target as an SVG chart with its last change in words and attributed to its factors, the control\n"
  "gap heat map, the open incidents per domain with their WIP use and SLA clocks, and the windows of exposure\n"
  "on a timeline. It carries the numbers of `hornet kpi --format json` in a JSON block (kpi-data).\n"
  "  -o FILE.html               where to write it\n"
  "  --title TEXT               its title (default: hornet report)\n"
  "  --facts, --store, --kpi, --period, --from, --to, --by, --now, -I, --allow-path, --stdlib\n"
  "                             as for kpi\n";
static const char *const version_usage =
  "usage: hornet version [--verbose [--stdlib DIR]]\n"
  "Print the version.\n"
  "  -v, --verbose              also the stdlib directory in use (--stdlib, $HORNET_STDLIB, the\n"
  "                             installed one, or the source tree's)\n"
  "  -h, --help                 print this help\n";

static const struct { const char *name, *summary, *const *usage; } commands[] = {
  {"check", "parse, resolve and type-check packs; print diagnostics", &check_usage},
  {"fmt", "rewrite .hn files in the canonical layout (comments kept)", &fmt_usage},
  {"run", "run packs over JSON Lines events, write alerts as JSON Lines", &run_usage},
  {"queue", "run the stream, then print the incidents per domain", &queue_usage},
  {"import-sigma", "turn Sigma rules into a hornet pack", &import_usage},
  {"test", "run the test blocks of packs", &test_usage},
  {"explain", "show which conditions of each rule hold for one event", &explain_usage},
  {"build", "compile packs into a pack image (.hnp) that loads in milliseconds", &build_usage},
  {"case", "list, show and work the cases of a store: assign, move, step, set, note, merge, close", &case_usage},
  {"kpi", "compute the packs' KPIs (or --gaps, the control gap analysis) over facts", &kpi_usage},
  {"report", "write the KPIs, gap heat map, queue and exposures as one HTML file", &report_usage},
  {"version", "print the version (--verbose: and the stdlib directory in use)", &version_usage},
};

static void usage(FILE *f) {
  fputs("usage: hornet <command> [options] PATH...\n\ncommands:\n", f);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-13s%s\n", commands[i].name, commands[i].summary);
  fputs("\n`hornet COMMAND --help` (or `hornet help COMMAND`) prints a command's options.\n"
        "A Sigma file or a folder of Sigma rules (no .hn files) may stand for a pack anywhere: it is\n"
        "imported on the fly (check, run, test, queue and explain take --mapping windows|ecs|FILE).\n", f);
}

/* `COMMAND --help`: its usage on standard output, exit 0. */
int help(const char *cmd) {
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(cmd, commands[i].name) == 0) {
      fputs(*commands[i].usage, out1);
      return 0;
    }
  fprintf(stderr, "hornet: unknown command '%s'\n", cmd);
  return 2;
}

bool is_help(const char *a) { return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0; }

/* ---- outputs ----------------------------------------------------------------------------------
 * Every output is checked: a write that fails (a full disk, a closed stdout) is reported, naming
 * the file, and the command exits 1. stdio forgets why a write failed (glibc drops the buffer
 * and the next fflush succeeds), so the outputs the CLI writes through the libraries go through
 * a stream over the descriptor that keeps the errno of its first failure. `hornet run` writes
 * its alerts to stdout itself (the state file needs the descriptor): the runner notes errno. */
typedef struct fd_sink {
  int fd, err;
  bool own; /* close fd with the stream */
} fd_sink;

static ssize_t sink_write(void *cookie, const char *buf, size_t n) {
  fd_sink *k = cookie;
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(k->fd, buf + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      if (!k->err) k->err = w < 0 ? errno : EIO;
      return -1;
    }
    done += (size_t)w;
  }
  return (ssize_t)n;
}

static int sink_close(void *cookie) {
  fd_sink *k = cookie;
  if (k->own && close(k->fd) != 0) {
    if (!k->err) k->err = errno;
    return -1;
  }
  return 0;
}

/* A stream writing to k->fd; NULL when out of memory. */
static FILE *sink_open(fd_sink *k) {
  cookie_io_functions_t io = {NULL, sink_write, NULL, sink_close};
  return fopencookie(k, "w", io);
}

static fd_sink std_sink = {1, 0, false}; /* out1's, but for `hornet run` (stdout itself) */
static bool stdout_reported; /* a failure on stdout was reported: main does not repeat it */

/* Reports a failed write to the file named name (NULL: standard output); returns 1. */
int write_failed(const char *name, int err) {
  if (name) fprintf(stderr, "hornet: cannot write to '%s': %s\n", name, strerror(err ? err : EIO));
  else if (!stdout_reported) fprintf(stderr, "hornet: cannot write to standard output: %s\n", strerror(err ? err : EIO));
  if (!name) stdout_reported = true;
  return 1;
}

/* Flushes and closes f (stdout is only flushed), named name (NULL: standard output); reports
 * a write error on it, now or earlier (err: errno then, when known). 0, or 1 when something
 * written to f was lost. */
int close_output(FILE *f, const char *name, int err) {
  if (!f) return 0;
  errno = 0;
  bool bad = fflush(f) != 0;
  if (bad && !err) err = errno;
  bad |= ferror(f) != 0;
  if (f != stdout && fclose(f) != 0 && !bad) {
    bad = true;
    err = errno;
  }
  return bad ? write_failed(name, err) : 0;
}

/* An output file of the CLI's through a sink (k): fopen's "wb". NULL with errno. */
static FILE *open_output(const char *path, fd_sink *k) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return NULL;
  *k = (fd_sink){fd, 0, true};
  FILE *f = sink_open(k);
  if (!f) close(fd);
  return f;
}

/* Opens /dev/null on any of fds 0-2 that is closed, so that no file opened later takes the
 * number (a dead-letter file given fd 1 received the alerts). In the direction that fails: a
 * closed stdout stays an error to write to (EBADF, reported), not a silent sink. */
static void guard_std_fds(void) {
  for (int fd = 0; fd < 3; fd++)
    if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
      int n = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
      if (n >= 0 && n != fd) {
        dup2(n, fd);
        close(n);
      }
    }
}

/* A count option (--max-events, --checkpoint-every): decimal digits only, at least 1, no
 * overflow; else a usage error (2) with a message. */
static int parse_count(const char *cmd, const char *opt, const char *text, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = text[0] >= '0' && text[0] <= '9' ? strtoull(text, &end, 10) : 0;
  if (!end || *end) {
    fprintf(stderr, "hornet %s: %s wants a whole number, not '%s'\n", cmd, opt, text);
    return 2;
  }
  if (errno == ERANGE) {
    fprintf(stderr, "hornet %s: %s %s is too large\n", cmd, opt, text);
    return 2;
  }
  if (v == 0) {
    fprintf(stderr, "hornet %s: %s must be at least 1\n", cmd, opt);
    return 2;
  }
  *out = (uint64_t)v;
  return 0;
}

int color_default(void) { return isatty(2) && getenv("NO_COLOR") == NULL; }

static int cmd_check(int argc, char **argv) {
  hnc_compiler *c = hnc_compiler_create();
  if (!c) { fputs("hornet: out of memory\n", stderr); return 1; }
  hnc_diag_format fmt = HNC_FORMAT_TEXT;
  int color = color_default(), summary = 0, npaths = 0, rc = 0;
  for (int i = 0; i < argc && rc == 0; i++) {
    const char *a = argv[i];
    if (is_help(a)) {
      hnc_compiler_destroy(c);
      return help("check");
    } else if (strcmp(a, "--format") == 0 && i + 1 < argc) {
      const char *v = argv[++i];
      if (strcmp(v, "text") == 0) fmt = HNC_FORMAT_TEXT;
      else if (strcmp(v, "json") == 0) fmt = HNC_FORMAT_JSON;
      else if (strcmp(v, "sarif") == 0) fmt = HNC_FORMAT_SARIF;
      else { fprintf(stderr, "hornet check: unknown format '%s' (text, json, sarif)\n", v); rc = 2; }
    } else if (strcmp(a, "-I") == 0 && i + 1 < argc) {
      hnc_compiler_add_search_dir(c, argv[++i]);
    } else if (strncmp(a, "-I", 2) == 0 && a[2]) {
      hnc_compiler_add_search_dir(c, a + 2);
    } else if (strcmp(a, "--allow-path") == 0 && i + 1 < argc) {
      hnc_compiler_allow_path(c, argv[++i]);
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
    if ((strcmp(a, "--format") == 0 || strcmp(a, "-I") == 0 || strcmp(a, "--stdlib") == 0 || strcmp(a, "--mapping") == 0 ||
         strcmp(a, "--allow-path") == 0)) { i++; continue; }
    if (a[0] == '-' && a[1]) continue;
    hnc_compiler_add_path(c, a);
  }
  hn_status st = hnc_compiler_check(c);
  hnc_compiler_print_diagnostics(c, fmt == HNC_FORMAT_TEXT ? stderr : out1, fmt, color);
  if (summary && fmt == HNC_FORMAT_TEXT) hnc_compiler_print_summary(c, out1);
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
    fwrite(out, 1, out_len, out1);
  } else if (out_len != len || memcmp(out, text, len) != 0) {
    o->changed++;
    if (o->check) fprintf(out1, "%s\n", path);
    else if (write_atomic(path, out, out_len) != 0) {
      fprintf(stderr, "hornet fmt: cannot write '%s': %s\n", path, strerror(errno));
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
    if (is_help(argv[i])) return help("fmt");
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

/* Checks and compiles the packs at paths[0..n) (or loads the image paths[0]); prints
 * diagnostics; NULL when they have errors. With native set, the rule logic is compiled to
 * native code (cached); if that fails the interpreter runs, with a warning. prefilter 0: no
 * multi-pattern engine (--no-prefilter). */
hn_program *compile_paths(char **paths, int n, char **incs, int ninc, char **allow, int nallow, const char *stdlib,
                          const char *mapping, int native, int prefilter) {
  if (n == 1 && hn_is_image(paths[0])) return load_image(paths[0], native, prefilter);
  hnc_compiler *c = hnc_compiler_create();
  if (!c) return NULL;
  hnc_compiler_set_prefilter(c, prefilter != 0);
  if (stdlib) hnc_compiler_set_stdlib(c, stdlib);
  if (mapping) hnc_compiler_set_sigma_mapping(c, mapping);
  for (int i = 0; i < ninc; i++) hnc_compiler_add_search_dir(c, incs[i]);
  for (int i = 0; i < nallow; i++) hnc_compiler_allow_path(c, allow[i]);
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

/* The options shared by run, test and explain; the rest are the command's own. The lists point
 * into argv, in one array of argc entries each (freed at exit). */
typedef struct run_args {
  char **paths, **incs, **allow;
  int npaths, ninc, nallow;
  const char *stdlib, *input, *output, *dead, *junit, *event, *rule, *engine, *state, *every, *max, *incidents, *mapping;
  const char *store, *now; /* --store (with no value: the default path), --now */
  int native, final, json, no_prefilter;
  uint64_t every_n, max_n; /* --checkpoint-every, --max-events (0: not given) */
} run_args;

static char **run_lists;
static void free_run_lists(void) { free(run_lists); }

static int parse_run_args(const char *cmd, int argc, char **argv, run_args *a) {
  memset(a, 0, sizeof *a);
  static bool registered;
  free(run_lists); /* called once a process; twice would not leak */
  run_lists = calloc(3 * (size_t)argc + 3, sizeof *run_lists);
  if (!run_lists) { fprintf(stderr, "hornet %s: out of memory\n", cmd); return 1; }
  if (!registered) atexit(free_run_lists);
  registered = true;
  a->paths = run_lists;
  a->incs = run_lists + argc + 1;
  a->allow = run_lists + 2 * argc + 2;
  for (int i = 0; i < argc; i++) {
    const char *o = argv[i];
    const char **slot = strcmp(o, "--input") == 0 ? &a->input : strcmp(o, "--output") == 0 ? &a->output
                      : strcmp(o, "--dead-letter") == 0 ? &a->dead : strcmp(o, "--junit") == 0 ? &a->junit
                      : strcmp(o, "--event") == 0 ? &a->event : strcmp(o, "--rule") == 0 ? &a->rule
                      : strcmp(o, "--stdlib") == 0 ? &a->stdlib : strcmp(o, "--engine") == 0 ? &a->engine
                      : strcmp(o, "--state") == 0 ? &a->state : strcmp(o, "--checkpoint-every") == 0 ? &a->every
                      : strcmp(o, "--max-events") == 0 ? &a->max : strcmp(o, "--incidents") == 0 ? &a->incidents
                      : strcmp(o, "--mapping") == 0 ? &a->mapping : strcmp(o, "--now") == 0 ? &a->now
                      : NULL;
    if (is_help(o)) return -1;
    if (strcmp(o, "--store") == 0) { /* `queue` reads a store: its path may be left out (hornet.db) */
      bool queue = strcmp(cmd, "queue") == 0, given = i + 1 < argc && (!queue || argv[i + 1][0] != '-');
      if (!given && !queue) { fprintf(stderr, "hornet %s: --store needs a value\n", cmd); return 2; }
      a->store = given ? argv[++i] : HNS_DEFAULT_PATH;
      continue;
    }
    if (slot) {
      if (i + 1 >= argc) { fprintf(stderr, "hornet %s: %s needs a value\n", cmd, o); return 2; }
      *slot = argv[++i];
    } else if (strcmp(o, "--final") == 0) {
      a->final = 1;
    } else if (strcmp(o, "--json") == 0) {
      a->json = 1;
    } else if (strcmp(o, "--no-prefilter") == 0) {
      a->no_prefilter = 1;
    } else if ((strcmp(o, "-I") == 0 || strcmp(o, "--allow-path") == 0) && i + 1 < argc) {
      if (o[1] == 'I') a->incs[a->ninc++] = argv[++i];
      else a->allow[a->nallow++] = argv[++i];
    } else if (strncmp(o, "-I", 2) == 0 && o[2]) {
      a->incs[a->ninc++] = argv[i] + 2;
    } else if (o[0] == '-' && o[1]) {
      fprintf(stderr, "hornet %s: unknown option '%s'\n", cmd, o);
      return 2;
    } else {
      a->paths[a->npaths++] = argv[i];
    }
  }
  bool runs = strcmp(cmd, "run") == 0 || strcmp(cmd, "queue") == 0;
  if ((a->store || a->now) && !runs) {
    fprintf(stderr, "hornet %s: unknown option '%s'\n", cmd, a->store ? "--store" : "--now");
    return 2;
  }
  if (a->store && a->state) {
    fprintf(stderr, "hornet %s: --store keeps the state in the store: --state is not needed\n", cmd);
    return 2;
  }
  if (a->now && !(a->store && strcmp(cmd, "queue") == 0)) {
    fprintf(stderr, "hornet %s: --now is for `hornet queue --store`\n", cmd);
    return 2;
  }
  if (!a->npaths && !(a->store && strcmp(cmd, "queue") == 0)) {
    fprintf(stderr, "hornet %s: no pack given\n", cmd);
    return 2;
  }
  if (a->every && parse_count(cmd, "--checkpoint-every", a->every, &a->every_n)) return 2;
  if (a->max && parse_count(cmd, "--max-events", a->max, &a->max_n)) return 2;
  a->native = 1;
  if (a->engine && strcmp(a->engine, "interp") == 0) a->native = 0;
  else if (a->engine && strcmp(a->engine, "jit") != 0) {
    fprintf(stderr, "hornet %s: unknown engine '%s' (jit, interp)\n", cmd, a->engine);
    return 2;
  }
  return 0;
}

/* Whether path names the regular file `in` reads (same device and inode): opening it for
 * writing would empty the input before it is read. */
static bool names_input(FILE *in, const char *path) {
  struct stat si, so;
  return path && fstat(fileno(in), &si) == 0 && S_ISREG(si.st_mode) && stat(path, &so) == 0 &&
         si.st_dev == so.st_dev && si.st_ino == so.st_ino;
}

/* Refuses outputs that name the input; 0 or 1. */
static int outputs_apart(const char *cmd, FILE *in, const run_args *a) {
  const char *opt[] = {"--output", "--dead-letter", "--incidents"}, *path[] = {a->output, a->dead, a->incidents};
  for (int i = 0; i < 3; i++)
    if (names_input(in, path[i])) {
      fprintf(stderr, "hornet %s: %s '%s' is the input file: writing it would destroy the events before they are "
              "read\n", cmd, opt[i], path[i]);
      return 1;
    }
  return 0;
}

/* The summary lines of a run, on stderr. */
static void run_summary(const char *cmd, const hn_run_stats *st, double secs) {
  fprintf(stderr, "hornet %s: %llu events, %llu bytes, %llu alerts, %llu malformed, %.3f s (%.0f events/s)\n", cmd,
          (unsigned long long)st->events, (unsigned long long)st->bytes, (unsigned long long)st->alerts,
          (unsigned long long)st->malformed, secs, secs > 0 ? (double)st->events / secs : 0.0);
  if (st->late || st->untimed || st->no_key || st->suppressed || st->evicted || st->peak_keys)
    fprintf(stderr, "hornet %s: correlation: %llu late, %llu without a time, %llu without a key value, %llu alerts "
            "suppressed, %llu keys evicted, %llu keys at most (~%.1f MB)\n", cmd,
            (unsigned long long)st->late, (unsigned long long)st->untimed, (unsigned long long)st->no_key,
            (unsigned long long)st->suppressed, (unsigned long long)st->evicted, (unsigned long long)st->peak_keys,
            (double)st->peak_state_bytes / 1e6);
  if (st->ahead || st->released)
    fprintf(stderr, "hornet %s: held back: %llu events ahead of the clock by more than max_skew (%llu of them dropped "
            "for memory), %llu events released before their lateness for memory\n", cmd, (unsigned long long)st->ahead,
            (unsigned long long)st->ahead_dropped, (unsigned long long)st->released);
  if (st->regex_undecided)
    fprintf(stderr, "hornet %s: %llu regex matches reached the match limit (lang/SPEC.md §6.8; see the dead "
            "letters)\n", cmd, (unsigned long long)st->regex_undecided);
  if (st->incidents) fprintf(stderr, "hornet %s: %llu incidents\n", cmd, (unsigned long long)st->incidents);
}

/* The stream's files. */
typedef struct run_files {
  FILE *in, *out, *dead, *inc;
} run_files;

/* Opens the input and the outputs (appended to with a state file: they grow across runs and
 * are cut back to the last checkpoint). 0, or 1 with a message. */
static int open_files(const char *cmd, const run_args *a, bool queue, run_files *f) {
  memset(f, 0, sizeof *f);
  f->in = !a->input || strcmp(a->input, "-") == 0 ? stdin : fopen(a->input, "rb");
  if (!f->in) {
    fprintf(stderr, "hornet %s: cannot read '%s': %s\n", cmd, a->input, strerror(errno));
    return 1;
  }
  if (outputs_apart(cmd, f->in, a)) return 1;
  const char *mode = a->state || a->store ? "ab" : "wb", *bad = NULL;
  if (!(f->out = a->output ? fopen(a->output, mode) : queue ? fopen("/dev/null", "wb") : stdout)) bad = a->output;
  else if (a->dead && !(f->dead = fopen(a->dead, mode))) bad = a->dead;
  else if (a->incidents && !(f->inc = fopen(a->incidents, mode))) bad = a->incidents;
  if (bad) fprintf(stderr, "hornet %s: cannot write to '%s': %s\n", cmd, bad, strerror(errno));
  return bad != NULL;
}

/* Closes the files; 1 when a write to one of them failed (reported, but for `reported`, whose
 * failure the run reported), else 0. */
static int close_files(const run_args *a, run_files *f, FILE *reported) {
  if (f->in && f->in != stdin) fclose(f->in);
  FILE *outs[] = {f->out, f->dead, f->inc};
  const char *names[] = {f->out == stdout ? NULL : a->output ? a->output : "/dev/null", a->dead, a->incidents};
  int rc = 0;
  for (int i = 0; i < 3; i++) {
    if (outs[i] && outs[i] == reported) {
      clearerr(outs[i]);
      fflush(outs[i]); /* what it still holds is lost with the rest */
      if (outs[i] != stdout) fclose(outs[i]);
      rc = 1;
    } else {
      rc |= close_output(outs[i], names[i], 0);
    }
  }
  return rc;
}

/* Reports the stream that failed (hn_run_stats.io_failed), naming its file. */
static void io_failure(const char *cmd, const run_args *a, const run_files *f, const hn_run_stats *st) {
  FILE *bad = st->io_failed;
  if (bad == f->in)
    fprintf(stderr, "hornet %s: cannot read '%s': %s\n", cmd, a->input && strcmp(a->input, "-") ? a->input : "standard input",
            strerror(st->io_errno));
  else
    write_failed(bad == f->out ? a->output : bad == f->dead ? a->dead : bad == f->inc ? a->incidents : NULL, st->io_errno);
}

/* The pack's arguments for the store to keep, paths made absolute (so `hornet case` builds the
 * same program from any directory): one malloc'd block, NULL-terminated; NULL when out of memory. */
static char **pack_args(const run_args *a) {
  size_t cap = (size_t)a->npaths + 2 * ((size_t)a->ninc + (size_t)a->nallow) + 5;
  const char **v = calloc(cap, sizeof *v);
  char **abs = calloc(cap, sizeof *abs), **out = NULL;
  if (!v || !abs) goto done;
  size_t n = 0, bytes = 0;
  for (int i = 0; i < a->npaths; i++) v[n++] = a->paths[i];
  for (int i = 0; i < a->ninc; i++) v[n++] = "-I", v[n++] = a->incs[i];
  for (int i = 0; i < a->nallow; i++) v[n++] = "--allow-path", v[n++] = a->allow[i];
  if (a->stdlib) v[n++] = "--stdlib", v[n++] = a->stdlib;
  if (a->mapping) v[n++] = "--mapping", v[n++] = a->mapping;
  for (size_t i = 0; i < n; i++) {
    if (v[i][0] != '-' || !v[i][1]) abs[i] = realpath(v[i], NULL); /* a name (--mapping ecs) stays as it is */
    bytes += strlen(abs[i] ? abs[i] : v[i]) + 1;
  }
  out = malloc((n + 1) * sizeof *out + bytes);
  char *text = out ? (char *)(out + n + 1) : NULL;
  for (size_t i = 0; out && i < n; i++) {
    out[i] = strcpy(text, abs[i] ? abs[i] : v[i]);
    text += strlen(text) + 1;
  }
  if (out) out[n] = NULL;
done:
  for (size_t i = 0; abs && i < cap; i++) free(abs[i]);
  free(abs);
  free(v);
  return out;
}

/* Opens the store named: 0, or 1 with the reason on stderr. */
int open_store(const char *cmd, const char *path, bool create, hns_store **st) {
  char err[1100];
  if (!create && access(path, F_OK) != 0) { /* reading a store that is not there: a typo */
    fprintf(stderr, "hornet %s: no store at '%s': `hornet run PACK --store %s` makes one\n", cmd, path, path);
    return 1;
  }
  if (hns_open(path, st, err, sizeof err) == HN_OK) return 0;
  fprintf(stderr, "hornet %s: %s\n", cmd, err);
  return 1;
}

/* The wall clock, or --now: ns, or INT64_MIN with a message when --now is not a time. */
int64_t now_or(const char *cmd, const char *now) {
  int64_t t;
  if (!now) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
  }
  if (hns_time_parse(now, &t) == HN_OK) return t;
  fprintf(stderr, "hornet %s: --now wants a time such as 2024-05-14T09:00:00Z, not '%s'\n", cmd, now);
  return INT64_MIN;
}

/* `hornet queue --store [FILE]` without a pack: the store's live queue. */
static int store_queue(const run_args *a) {
  int64_t now = now_or("queue", a->now);
  hns_store *st;
  if (now == INT64_MIN) return 2;
  if (open_store("queue", a->store, false, &st)) return 1;
  hn_status s = hns_queue(st, now, a->json != 0, out1);
  if (s != HN_OK) fprintf(stderr, "hornet queue: %s\n", hns_error(st));
  hns_close(st);
  return s != HN_OK;
}

/* The stream into the store; false when the store could not be opened (reported). */
static hn_status run_store(const run_args *a, const hn_program *p, const hn_run_options *o, hn_run_stats *st,
                           bool queue) {
  hns_store *db;
  memset(st, 0, sizeof *st);
  if (open_store(queue ? "queue" : "run", a->store, true, &db)) return HN_ERR_SEMANTIC;
  char **args = pack_args(a);
  hn_status s = args ? hns_run_stream(db, p, (const char *const *)args, o, st) : HN_ERR_NOMEM;
  if (s == HN_ERR_USAGE) fprintf(stderr, "hornet: %s\n", hns_error(db));
  if (s == HN_OK && queue) {
    int64_t now = now_or("queue", a->now);
    if (hns_queue(db, now, a->json != 0, out1) != HN_OK) {
      fprintf(stderr, "hornet queue: %s\n", hns_error(db));
      s = HN_ERR_SEMANTIC;
    }
  }
  free(args);
  hns_close(db);
  return s;
}

/* run and queue: the same stream; queue prints the incidents per domain at the end and
 * writes alerts only when --output is given. */
static int run_or_queue(int argc, char **argv, bool queue) {
  const char *cmd = queue ? "queue" : "run";
  run_args a;
  int rc = parse_run_args(cmd, argc, argv, &a);
  if (rc) return rc < 0 ? help(cmd) : rc;
  if (queue && a.store && !a.npaths) return store_queue(&a);
  if (a.now && now_or(cmd, a.now) == INT64_MIN) return 2;
  run_files f;
  if (open_files(cmd, &a, queue, &f)) {
    close_files(&a, &f, NULL);
    return 1;
  }
  hn_program *p = compile_paths(a.paths, a.npaths, a.incs, a.ninc, a.allow, a.nallow, a.stdlib, a.mapping, a.native, !a.no_prefilter);
  if (!p) {
    close_files(&a, &f, NULL);
    return 1;
  }
  hn_run_options o = {.input_name = a.input ? a.input : "-", .in = f.in, .out = f.out, .dead_letter = f.dead,
                      .diag = stderr, .max_reports = 10, .engine = a.native ? HN_ENGINE_AUTO : HN_ENGINE_INTERP,
                      .state_path = a.state, .checkpoint_events = a.every_n, .max_events = a.max_n,
                      .final_input = a.final != 0, .incidents = f.inc, .queue = queue && !a.store ? out1 : NULL,
                      .queue_json = a.json != 0};
  hn_run_stats st;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  hn_status s = a.store ? run_store(&a, p, &o, &st, queue) : hn_run_stream(p, &o, &st);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  run_summary(cmd, &st, secs);
  if (s == HN_ERR_IO && st.io_failed) io_failure(cmd, &a, &f, &st);
  else if (s != HN_OK && s != HN_ERR_IO && !(a.store && s == HN_ERR_SEMANTIC)) /* IO, a store: reported */
    fprintf(stderr, "hornet %s: %s\n", cmd, hn_status_str(s));
  rc = close_files(&a, &f, s == HN_ERR_IO ? st.io_failed : NULL);
  if (hn_program_scan_errors(p)) /* none lost a match (the exact matchers decided), but the engine is failing */
    fprintf(stderr, "hornet: warning: %llu pattern scans failed; their fields were matched exactly\n",
            (unsigned long long)hn_program_scan_errors(p));
  hn_program_destroy(p);
  return s != HN_OK || rc ? 1 : 0;
}

static int cmd_test(int argc, char **argv) {
  run_args a;
  int rc = parse_run_args("test", argc, argv, &a);
  if (rc) return rc < 0 ? help("test") : rc;
  hn_program *p = compile_paths(a.paths, a.npaths, a.incs, a.ninc, a.allow, a.nallow, a.stdlib, a.mapping, a.native, !a.no_prefilter);
  if (!p) return 1;
  fd_sink jk;
  FILE *junit = a.junit ? open_output(a.junit, &jk) : NULL;
  if (a.junit && !junit) {
    fprintf(stderr, "hornet test: cannot write to '%s': %s\n", a.junit, strerror(errno));
    hn_program_destroy(p);
    return 1;
  }
  hn_test_report rep;
  hn_status s = hn_run_tests(p, out1, junit, &rep);
  rc = close_output(junit, a.junit, junit ? jk.err : 0);
  hn_program_destroy(p);
  return s == HN_OK && !rc ? 0 : 1;
}

/* hornet import-sigma PATH... [-o FILE] [--pack NAME] [--mapping NAME|FILE] [--stdlib DIR] */
static int cmd_import_sigma(int argc, char **argv) {
  const char *outp = NULL, *pack = "sigma.imported", *stdlib = NULL, *mapping = NULL, *placeholders = NULL;
  char **files = NULL;
  size_t n = 0, cap = 0;
  for (int i = 0; i < argc; i++) {
    if (is_help(argv[i])) {
      for (size_t k = 0; k < n; k++) free(files[k]);
      free(files);
      return help("import-sigma");
    }
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
  fd_sink ok;
  FILE *out = dir ? NULL : outp ? open_output(outp, &ok) : out1;
  if (!dir && !out) { fprintf(stderr, "hornet import-sigma: cannot write to '%s': %s\n", outp, strerror(errno)); return 1; }
  unsigned imported = 0, skipped = 0;
  hnc_sigma_options o = {stdlib, mapping, pack, placeholders, dir ? outp : NULL, outp ? outp : "<stdout>"};
  hn_status st = hnc_sigma_import((const char *const *)files, n, &o, out, stderr, &imported, &skipped);
  if (out != out1 && close_output(out, outp, out ? ok.err : 0)) st = HN_ERR_IO;
  for (size_t i = 0; i < n; i++) free(files[i]);
  free(files);
  return st == HN_OK ? 0 : 1;
}

static int cmd_explain(int argc, char **argv) {
  run_args a;
  int rc = parse_run_args("explain", argc, argv, &a);
  if (rc) return rc < 0 ? help("explain") : rc;
  if (!a.event) { fputs("hornet explain: --event JSON is required\n", stderr); return 2; }
  hn_program *p = compile_paths(a.paths, a.npaths, a.incs, a.ninc, a.allow, a.nallow, a.stdlib, a.mapping, a.native, !a.no_prefilter);
  if (!p) return 1;
  hn_status s = hn_explain(p, a.event, strlen(a.event), a.rule, out1);
  hn_program_destroy(p);
  if (s == HN_ERR_NOT_FOUND) { fprintf(stderr, "hornet explain: no rule named '%s'\n", a.rule); return 1; }
  return s == HN_OK ? 0 : 1;
}

static int cmd_build(int argc, char **argv) {
  const char *out = NULL, *cpu = NULL, *stdlib = NULL, *mapping = NULL;
  char **paths = calloc((size_t)argc + 1, sizeof *paths), **incs = calloc((size_t)argc + 1, sizeof *incs);
  char **allow = calloc((size_t)argc + 1, sizeof *allow);
  int npaths = 0, ninc = 0, nallow = 0, dump = 0, native = 1, rc = 0;
  if (!paths || !incs || !allow) { free(paths); free(incs); free(allow); fputs("hornet: out of memory\n", stderr); return 1; }
  for (int i = 0; i < argc && !rc; i++) {
    const char *a = argv[i];
    const char **slot = strcmp(a, "-o") == 0 ? &out : strcmp(a, "--cpu") == 0 ? &cpu : strcmp(a, "--stdlib") == 0 ? &stdlib
                      : strcmp(a, "--mapping") == 0 ? &mapping : NULL;
    if (slot || strcmp(a, "-I") == 0 || strcmp(a, "--allow-path") == 0) {
      if (i + 1 >= argc) { fprintf(stderr, "hornet build: %s needs a value\n", a); rc = 2; break; }
      if (slot) *slot = argv[++i];
      else if (a[1] == 'I') incs[ninc++] = argv[++i];
      else allow[nallow++] = argv[++i];
    } else if (strcmp(a, "--dump") == 0) dump = 1;
    else if (strcmp(a, "--no-native") == 0) native = 0;
    else if (is_help(a)) {
      free(paths);
      free(incs);
      free(allow);
      return help("build");
    } else if (a[0] == '-' && a[1]) { fprintf(stderr, "hornet build: unknown option '%s'\n", a); rc = 2; }
    else paths[npaths++] = argv[i];
  }
  if (!rc && !npaths) { fputs("hornet build: no pack given\n", stderr); rc = 2; }
  if (!rc && !out && !(dump && npaths == 1 && hn_is_image(paths[0]))) {
    fputs("hornet build: no output given (-o FILE.hnp)\n", stderr);
    rc = 2;
  }
  hn_program *p = rc ? NULL : compile_paths(paths, npaths, incs, ninc, allow, nallow, stdlib, mapping, 0, 1);
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
    if (shown) hn_program_dump(shown, out1);
    if (shown != p) hn_program_destroy(shown);
  }
  free(so);
  hn_program_destroy(p);
  free(paths);
  free(incs);
  free(allow);
  return rc;
}

/* ---- hornet kpi, hornet report ----------------------------------------------------------------- */
static const char *kcmd = "kpi"; /* the command whose options are being read, for messages */
/* A time for --from/--to/--now: RFC 3339 ("2024-05-13T09:00:00Z", an offset allowed) or a date
 * (midnight UTC). 0, or 2 with a message. */
static int parse_time_opt(const char *opt, const char *text, int64_t *out) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *p = strptime(text, "%Y-%m-%d", &tm);
  int off = 0;
  if (p && (*p == 'T' || *p == ' ')) p = strptime(p + 1, "%H:%M:%S", &tm);
  if (p && (*p == 'Z' || *p == 'z')) p++;
  else if (p && (*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
    off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
    if (*p == '-') off = -off;
    p += 6;
  }
  if (!p || *p) {
    fprintf(stderr, "hornet %s: %s wants a time (2024-05-13 or 2024-05-13T09:00:00Z), not '%s'\n", kcmd, opt, text);
    return 2;
  }
  *out = ((int64_t)timegm(&tm) - off) * INT64_C(1000000000);
  return 0;
}

/* A period for --period: a whole number and a unit (s, m, h, d, w). 0, or 2 with a message. */
static int parse_period(const char *text, int64_t *out) {
  char *end = NULL;
  long long n = text[0] >= '0' && text[0] <= '9' ? strtoll(text, &end, 10) : 0;
  static const char units[] = "smhdw";
  static const int64_t secs[] = {1, 60, 3600, 86400, 604800};
  const char *u = end && end[0] && !end[1] ? strchr(units, end[0]) : NULL;
  if (!u || n <= 0 || n > 1000000) {
    fprintf(stderr, "hornet %s: --period wants a duration such as 1d, 1w or 12h, not '%s'\n", kcmd, text);
    return 2;
  }
  *out = (int64_t)n * secs[u - units] * INT64_C(1000000000);
  return 0;
}

typedef struct kpi_args {
  char *paths[64], *incs[16], *allow[16], *facts[16], *by[16];
  int npaths, ninc, nallow, nfacts, nby, gaps, format;
  const char *stdlib, *kpi, *output, *title, *store;
  char *by_text;
  hn_kpi_query q;
  int64_t now;
} kpi_args;

static int kpi_option(kpi_args *a, const char *o, const char *v) {
  if (!strcmp(o, "--facts") && a->nfacts < 16) { a->facts[a->nfacts++] = (char *)v; return 0; }
  if (!strcmp(o, "--kpi")) { a->q.kpi = v; return 0; }
  if (!strcmp(o, "-o") && !strcmp(kcmd, "report")) { a->output = v; return 0; }
  if (!strcmp(o, "--title") && !strcmp(kcmd, "report")) { a->title = v; return 0; }
  if (!strcmp(o, "--stdlib")) { a->stdlib = v; return 0; }
  if (!strcmp(o, "-I") && a->ninc < 16) { a->incs[a->ninc++] = (char *)v; return 0; }
  if (!strcmp(o, "--allow-path") && a->nallow < 16) { a->allow[a->nallow++] = (char *)v; return 0; }
  if (!strcmp(o, "--period")) return parse_period(v, &a->q.every);
  if (!strcmp(o, "--from")) return parse_time_opt(o, v, &a->q.from);
  if (!strcmp(o, "--to")) return parse_time_opt(o, v, &a->q.to);
  if (!strcmp(o, "--now")) return parse_time_opt(o, v, &a->now);
  if (!strcmp(o, "--format")) {
    a->format = !strcmp(v, "table") ? HNX_TABLE : !strcmp(v, "csv") ? HNX_CSV : !strcmp(v, "json") ? HNX_JSON : -1;
    if (a->format >= 0) return 0;
    fprintf(stderr, "hornet %s: unknown format '%s' (table, csv, json)\n", kcmd, v);
    return 2;
  }
  if (!strcmp(o, "--by")) {
    free(a->by_text);
    a->by_text = strdup(v);
    a->nby = 0;
    for (char *save = NULL, *t = a->by_text ? strtok_r(a->by_text, ",", &save) : NULL; t && a->nby < 16;
         t = strtok_r(NULL, ",", &save))
      a->by[a->nby++] = t;
    a->q.by = (const char *const *)a->by;
    a->q.n_by = (uint32_t)a->nby;
    return 0;
  }
  fprintf(stderr, "hornet %s: %s '%s'\n", kcmd, strcmp(o, "--facts") && strcmp(o, "-I") && strcmp(o, "--allow-path")
          ? "unknown option" : "too many of", o);
  return 2;
}

static int parse_kpi_args(int argc, char **argv, kpi_args *a) {
  memset(a, 0, sizeof *a);
  a->now = HN_TIME_NONE;
  for (int i = 0; i < argc; i++) {
    const char *o = argv[i];
    if (is_help(o)) return -1;
    if (!strcmp(o, "--gaps") && !strcmp(kcmd, "kpi")) { a->gaps = 1; continue; }
    if (!strcmp(o, "--store")) { /* as `hornet queue --store`: the path may be left out (hornet.db) */
      a->store = i + 1 < argc && argv[i + 1][0] != '-' ? argv[++i] : HNS_DEFAULT_PATH;
      continue;
    }
    if (o[0] != '-' || !o[1]) {
      if (a->npaths == 64) { fprintf(stderr, "hornet %s: at most 64 packs\n", kcmd); return 2; }
      a->paths[a->npaths++] = argv[i];
      continue;
    }
    if (i + 1 >= argc) { fprintf(stderr, "hornet %s: %s needs a value\n", kcmd, o); return 2; }
    int rc = kpi_option(a, o, argv[++i]);
    if (rc) return rc;
  }
  if (a->store && a->nfacts) { fprintf(stderr, "hornet %s: --facts or --store, not both\n", kcmd); return 2; }
  if (!a->npaths && !a->store) { fprintf(stderr, "hornet %s: no pack given\n", kcmd); return 2; }
  if (!a->nfacts && !a->store) {
    fprintf(stderr, "hornet %s: no facts given (--store FILE, or --facts FILE: what hornet run --incidents wrote)\n", kcmd);
    return 2;
  }
  return 0;
}

/* Reads every --facts file into fx; 0, or 1 with a message. */
static int read_facts(const kpi_args *a, hnx_facts *fx) {
  for (int i = 0; i < a->nfacts; i++) {
    bool std = strcmp(a->facts[i], "-") == 0;
    FILE *in = std ? stdin : fopen(a->facts[i], "rb");
    if (!in) {
      fprintf(stderr, "hornet %s: cannot read '%s': %s\n", kcmd, a->facts[i], strerror(errno));
      return 1;
    }
    char err[512];
    hn_status st = hnx_facts_read(fx, in, std ? "<stdin>" : a->facts[i], NULL, err, sizeof err);
    if (!std) fclose(in);
    if (st != HN_OK) {
      fprintf(stderr, "hornet %s: %s\n", kcmd, st == HN_ERR_NOMEM ? "out of memory" : err);
      return 1;
    }
  }
  return 0;
}

/* The store's rows into fx, and the program: the packs named, else the one the store's last
 * run was built from. NULL, reported. */
static hn_program *store_facts(const kpi_args *a, hnx_facts *fx) {
  hns_store *st;
  if (open_store(kcmd, a->store, false, &st)) return NULL;
  hn_status s = hns_facts(st, fx);
  hn_program *p = NULL;
  if (s != HN_OK) fprintf(stderr, "hornet %s: %s: %s\n", kcmd, a->store, s == HN_ERR_NOMEM ? "out of memory" : hns_error(st));
  else if (a->npaths)
    p = compile_paths((char **)a->paths, a->npaths, (char **)a->incs, a->ninc, (char **)a->allow, a->nallow, a->stdlib,
                      NULL, 0, 0);
  else p = stored_program(st, kcmd, "", a->stdlib, NULL);
  hns_close(st);
  return p;
}

/* The facts into fx (--store or --facts) and the program; NULL, reported. */
static hn_program *load(kpi_args *a, hnx_facts *fx) {
  if (a->store) return store_facts(a, fx);
  return read_facts(a, fx) ? NULL : compile_paths(a->paths, a->npaths, a->incs, a->ninc, a->allow, a->nallow, a->stdlib, NULL, 0, 0);
}

static int cmd_kpi(int argc, char **argv) {
  kpi_args a;
  int rc = parse_kpi_args(argc, argv, &a);
  if (rc) { free(a.by_text); return rc < 0 ? help("kpi") : rc; }
  hnx_facts *fx = hnx_facts_new();
  if (!fx) { free(a.by_text); fprintf(stderr, "hornet %s: out of memory\n", kcmd); return 1; }
  hnx_facts_set_now(fx, a.now);
  hn_program *p = load(&a, fx);
  rc = 1;
  const hn_kpi_facts *f = p ? hnx_facts_view(fx) : NULL;
  if (p && !f) fprintf(stderr, "hornet %s: out of memory\n", kcmd);
  if (f) {
    char err[512];
    hn_status st = a.gaps ? hnx_write_gaps(out1, p, f, &a.q, a.format, err, sizeof err)
                          : hnx_write_kpis(out1, p, f, &a.q, a.format, err, sizeof err);
    if (st == HN_ERR_IO) write_failed(NULL, 0);
    else if (st != HN_OK) fprintf(stderr, "hornet %s: %s\n", kcmd, err);
    rc = st == HN_OK ? 0 : st == HN_ERR_USAGE ? 2 : 1;
  }
  hn_program_destroy(p);
  hnx_facts_free(fx);
  free(a.by_text);
  return rc;
}

/* hornet report: the KPIs, the gap heat map, the queue and the exposure timeline as one
 * self-contained HTML file (hnx_write_report). */
static int cmd_report(int argc, char **argv) {
  kcmd = "report";
  kpi_args a;
  int rc = parse_kpi_args(argc, argv, &a);
  if (!rc && !a.output) { fputs("hornet report: -o FILE.html is required\n", stderr); rc = 2; }
  if (!rc && a.format) { fputs("hornet report: --format is for hornet kpi\n", stderr); rc = 2; }
  if (rc) { free(a.by_text); return rc < 0 ? help("report") : rc; }
  hnx_facts *fx = hnx_facts_new();
  if (!fx) { free(a.by_text); fputs("hornet report: out of memory\n", stderr); return 1; }
  hnx_facts_set_now(fx, a.now);
  hn_program *p = load(&a, fx);
  const hn_kpi_facts *f = p ? hnx_facts_view(fx) : NULL;
  rc = 1;
  if (p && !f) fputs("hornet report: out of memory\n", stderr);
  fd_sink k;
  FILE *out = f ? open_output(a.output, &k) : NULL;
  if (f && !out) fprintf(stderr, "hornet report: cannot write to '%s': %s\n", a.output, strerror(errno));
  if (out) {
    char err[512];
    hn_status st = hnx_write_report(out, p, f, &a.q, a.title, err, sizeof err);
    int bad = close_output(out, a.output, k.err);
    if (st != HN_OK && st != HN_ERR_IO) fprintf(stderr, "hornet report: %s\n", err);
    rc = bad ? 1 : st == HN_OK ? 0 : st == HN_ERR_USAGE ? 2 : 1;
  }
  hn_program_destroy(p);
  hnx_facts_free(fx);
  free(a.by_text);
  return rc;
}

/* hornet version [--verbose [--stdlib DIR]]: with --verbose, also where std.* packs are found
 * (--stdlib, $HORNET_STDLIB, the installed share/hornet/stdlib, or the source tree's). */
static int cmd_version(int argc, char **argv) {
  const char *stdlib = NULL;
  int verbose = 0;
  for (int i = 0; i < argc; i++) {
    if (is_help(argv[i])) return help("version");
    if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) verbose = 1;
    else if (strcmp(argv[i], "--stdlib") == 0 && i + 1 < argc) stdlib = argv[++i];
    else { fprintf(stderr, "hornet version: unknown option '%s'\n", argv[i]); return 2; }
  }
  const char *why = hn_pattern_engine_selftest();
  fprintf(out1, "hornet %s\nmulti-pattern engine: %s, self-test on this CPU: %s%s\n", hn_version(), hn_pattern_engine(),
          why ? "FAILED: " : "passed", why ? why : "");
  if (!verbose) return 0;
  hnc_compiler *c = hnc_compiler_create();
  if (!c || (stdlib && hnc_compiler_set_stdlib(c, stdlib) != HN_OK)) {
    hnc_compiler_destroy(c);
    fputs("hornet: out of memory\n", stderr);
    return 1;
  }
  fprintf(out1, "stdlib %s\n", hnc_compiler_stdlib(c));
  hnc_compiler_destroy(c);
  return 0;
}

static int dispatch(int argc, char **argv) {
  if (argc < 2) { usage(stderr); return 2; }
  const char *cmd = argv[1];
  if (strcmp(cmd, "check") == 0) return cmd_check(argc - 2, argv + 2);
  if (strcmp(cmd, "fmt") == 0) return cmd_fmt(argc - 2, argv + 2);
  if (strcmp(cmd, "run") == 0) return run_or_queue(argc - 2, argv + 2, false);
  if (strcmp(cmd, "queue") == 0) return run_or_queue(argc - 2, argv + 2, true);
  if (strcmp(cmd, "import-sigma") == 0) return cmd_import_sigma(argc - 2, argv + 2);
  if (strcmp(cmd, "test") == 0) return cmd_test(argc - 2, argv + 2);
  if (strcmp(cmd, "explain") == 0) return cmd_explain(argc - 2, argv + 2);
  if (strcmp(cmd, "build") == 0) return cmd_build(argc - 2, argv + 2);
  if (strcmp(cmd, "kpi") == 0) return cmd_kpi(argc - 2, argv + 2);
  if (strcmp(cmd, "report") == 0) return cmd_report(argc - 2, argv + 2);
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) return cmd_version(argc - 2, argv + 2);
  if (strcmp(cmd, "case") == 0) return cmd_case(argc - 2, argv + 2);
  if (strcmp(cmd, "help") == 0 || is_help(cmd)) {
    if (argc > 2) return help(argv[2]);
    usage(out1);
    return 0;
  }
  fprintf(stderr, "hornet: unknown command '%s'\n\n", cmd);
  usage(stderr);
  return 2;
}

int main(int argc, char **argv) {
  guard_std_fds();
  bool run = argc > 1 && strcmp(argv[1], "run") == 0;
  out1 = run ? NULL : sink_open(&std_sink);
  if (!out1) out1 = stdout;
  int rc = dispatch(argc, argv);
  /* what went to stdout (alerts, SARIF, the formatted text, a report) must have arrived */
  if (close_output(out1, NULL, out1 == stdout ? 0 : std_sink.err) && rc == 0) rc = 1;
  if (out1 != stdout && close_output(stdout, NULL, 0) && rc == 0) rc = 1;
  return rc;
}
