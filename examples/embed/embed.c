/* embed.c - hornet inside a log collector, in one file: load a pack image (no compiler, no
 * LLVM), push each line of standard input through a session, write each alert as JSON Lines.
 * Build: cc embed.c $(pkg-config --cflags --libs hornet)
 * Run:   hornet build PACK -o pack.hnp && ./a.out pack.hnp [interp] < events.jsonl */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hornet/hornet.h>
#include <hornet/hornetaux.h>

/* Called by the session for each alert; `a` lives until we return. */
static void on_alert(void *ud, const hn_alert *a) {
  if (hnx_write_alert(ud, a) != 0) perror("embed: writing an alert");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("usage: embed PACK.hnp [interp] < events.jsonl\n", stderr);
    return 2;
  }
  char err[512];
  hn_program *p;
  unsigned flags = argc > 2 && strcmp(argv[2], "interp") == 0 ? HN_LOAD_INTERP : 0;
  if (hn_program_load(argv[1], flags, &p, err, sizeof err) != HN_OK) {
    fprintf(stderr, "embed: %s\n", err);
    return 1;
  }
  hn_session_options o = {flags ? HN_ENGINE_INTERP : HN_ENGINE_AUTO, 0};
  hn_callbacks cb = {.ud = stdout, .alert = on_alert};
  hn_session *s;
  if (hn_session_new(p, &o, &cb, &s) != HN_OK) return 1;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  hn_origin at = {"-", 0, 0};
  while ((n = getline(&line, &cap, stdin)) > 0) {
    at.line++;
    size_t len = line[n - 1] == '\n' ? (size_t)n - 1 : (size_t)n;
    if (len && hn_session_push(s, line, len, &at) == HN_ERR_NOMEM) break;
    at.offset += (uint64_t)n;
  }
  hn_session_flush(s); /* the input ended: close every window */
  hn_stats st;
  hn_session_stats(s, &st);
  fprintf(stderr, "embed: %llu events, %llu alerts\n", (unsigned long long)st.events, (unsigned long long)st.alerts);
  free(line);
  hn_session_free(s);
  hn_program_destroy(p);
  return 0;
}
