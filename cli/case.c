/* case.c - `hornet case`: the analysts' side of the case store (hornet/store.h): list, show,
 * assign, move, step, set, note, merge, close, and apply (the same actions as JSON Lines). Text
 * for people, --json for tools; every refusal is a message with its reason and exit 1.
 * Depends on the public headers only (and the CLI's shared helpers, cli.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

const char *const case_usage =
  "usage: hornet case COMMAND [ARGUMENTS] [options]\n"
  "Work the cases of a store that `hornet run --store` fills (default ./hornet.db), while a run may\n"
  "be writing it. Exit 0; 1 when an action is refused (with the reason) or fails; 2 bad usage.\n"
  "  list                       open cases, highest score first: --domain D, --state S,\n"
  "                             --assignee A, --breached (an SLA breached), --all (closed too)\n"
  "  show ID                    one case: alerts, entities, assets, history, playbook steps, SLA clocks\n"
  "  assign ID WHO              assign (WHO - unassigns)\n"
  "  move ID STATE              move along the service's workflow (declared edges, WIP limits,\n"
  "                             required fields before the terminal state)\n"
  "  step ID N                  check off step N of the current state's playbook\n"
  "  set ID FIELD VALUE         set a case field (an empty VALUE unsets it)\n"
  "  note ID TEXT               add a note\n"
  "  merge ID INTO              close ID as a duplicate of INTO, its alerts going to INTO\n"
  "  close ID                   move to the service's terminal state\n"
  "  apply FILE|-               the same actions as JSON Lines (README.md: hornet case apply)\n"
  "options:\n"
  "  --store FILE               the store (default hornet.db)\n"
  "  --json                     JSON for tools (apply: one result per line)\n"
  "  --actor NAME               who acts (default $HORNET_ACTOR, else $USER)\n"
  "  --why TEXT                 why, for move, close and merge\n"
  "  --now TIME                 the wall clock: actions are stamped with it and SLA clocks read at it\n"
  "                             (replays, tests; default: now)\n"
  "  --pack PATH                the pack whose workflows moves follow (repeatable; default: the one\n"
  "                             the store's last run used); -I DIR, --allow-path DIR, --stdlib DIR,\n"
  "                             --mapping M as for run\n"
  "  -h, --help                 print this help\n";

typedef struct case_args {
  const char *sub, *pos[3];
  int npos;
  const char *store, *actor, *why, *now, *domain, *state, *assignee, *stdlib, *mapping;
  char *packs[64], *incs[16], *allow[16];
  int npacks, ninc, nallow;
  bool json, breached, all;
} case_args;

static const struct { const char *name; int npos; const char *args; } subs[] = {
  {"list", 0, ""}, {"show", 1, " ID"}, {"assign", 2, " ID WHO"}, {"move", 2, " ID STATE"}, {"step", 2, " ID N"},
  {"set", 3, " ID FIELD VALUE"}, {"note", 2, " ID TEXT"}, {"merge", 2, " ID INTO"}, {"close", 1, " ID"},
  {"apply", 1, " FILE|-"},
};

/* An option with a value: its slot, or NULL. */
static const char **value_slot(case_args *a, const char *o) {
  const char *names[] = {"--store", "--actor", "--why", "--now", "--domain", "--state", "--assignee", "--stdlib",
                         "--mapping"};
  const char **slots[] = {&a->store, &a->actor, &a->why, &a->now, &a->domain, &a->state, &a->assignee, &a->stdlib,
                          &a->mapping};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (!strcmp(o, names[i])) return slots[i];
  return NULL;
}

/* 0, 2 (usage, reported) or -1 (help). */
static int parse(int argc, char **argv, case_args *a) {
  memset(a, 0, sizeof *a);
  for (int i = 0; i < argc; i++) {
    const char *o = argv[i], **slot = value_slot(a, o);
    if (is_help(o)) return -1;
    if (slot || !strcmp(o, "--pack") || !strcmp(o, "-I") || !strcmp(o, "--allow-path")) {
      if (i + 1 >= argc) { fprintf(stderr, "hornet case: %s needs a value\n", o); return 2; }
      int *n = !strcmp(o, "-I") ? &a->ninc : !strcmp(o, "--pack") ? &a->npacks : &a->nallow;
      char **list = !strcmp(o, "-I") ? a->incs : !strcmp(o, "--pack") ? a->packs : a->allow;
      if (slot) *slot = argv[++i];
      else if (*n < (list == a->packs ? 64 : 16)) list[(*n)++] = argv[++i];
      else { fprintf(stderr, "hornet case: too many %s options\n", o); return 2; }
    } else if (!strcmp(o, "--json")) a->json = true;
    else if (!strcmp(o, "--breached")) a->breached = true;
    else if (!strcmp(o, "--all")) a->all = true;
    else if (o[0] == '-' && o[1] && !(a->sub && a->npos)) { fprintf(stderr, "hornet case: unknown option '%s'\n", o); return 2; }
    else if (!a->sub) a->sub = o;
    else if (a->npos < 3) a->pos[a->npos++] = o;
    else { fprintf(stderr, "hornet case %s: too many arguments ('%s')\n", a->sub, o); return 2; }
  }
  if (!a->sub) { fputs("hornet case: no command given (list, show, assign, move, step, set, note, merge, close, apply)\n", stderr); return 2; }
  for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
    if (!strcmp(a->sub, subs[i].name)) {
      if (a->npos == subs[i].npos) return 0;
      fprintf(stderr, "hornet case %s: usage: hornet case %s%s\n", a->sub, a->sub, subs[i].args);
      return 2;
    }
  fprintf(stderr, "hornet case: unknown command '%s' (list, show, assign, move, step, set, note, merge, close, apply)\n",
          a->sub);
  return 2;
}

/* The program moves follow: --pack, else what the store's last run used. NULL, reported. */
static hn_program *workflow_program(hns_store *st, case_args *a) {
  if (a->npacks)
    return compile_paths(a->packs, a->npacks, a->incs, a->ninc, a->allow, a->nallow, a->stdlib, a->mapping, 0, 0);
  char cmd[64];
  snprintf(cmd, sizeof cmd, "case %s", a->sub);
  return stored_program(st, cmd, "--pack", a->stdlib, a->mapping);
}

hn_program *stored_program(hns_store *st, const char *cmd, const char *opt, const char *stdlib, const char *mapping) {
  char **v;
  if (hns_pack(st, &v) != HN_OK) {
    fprintf(stderr, "hornet %s: %s; name the pack%s%s\n", cmd, hns_error(st), *opt ? " with " : "", opt);
    return NULL;
  }
  int n = 0;
  while (v[n]) n++;
  char **paths = calloc((size_t)n + 1, sizeof *paths), **incs = calloc((size_t)n + 1, sizeof *incs);
  char **allow = calloc((size_t)n + 1, sizeof *allow);
  int np = 0, ni = 0, na = 0;
  for (int i = 0; paths && incs && allow && v[i]; i++) {
    if (!strcmp(v[i], "-I") && v[i + 1]) incs[ni++] = v[++i];
    else if (!strcmp(v[i], "--allow-path") && v[i + 1]) allow[na++] = v[++i];
    else if (!strcmp(v[i], "--stdlib") && v[i + 1]) stdlib = stdlib ? stdlib : v[++i];
    else if (!strcmp(v[i], "--mapping") && v[i + 1]) mapping = mapping ? mapping : v[++i];
    else paths[np++] = v[i];
  }
  hn_program *p = paths && incs && allow ? compile_paths(paths, np, incs, ni, allow, na, stdlib, mapping, 0, 0) : NULL;
  if (!(paths && incs && allow)) fprintf(stderr, "hornet %s: out of memory\n", cmd);
  free(paths);
  free(incs);
  free(allow);
  free(v);
  return p;
}

static const char *actor_of(const case_args *a) {
  const char *who = a->actor ? a->actor : getenv("HORNET_ACTOR");
  if (!who || !*who) who = getenv("USER");
  return who && *who ? who : "analyst";
}

/* One action from the command line. */
static int act(hns_store *st, case_args *a, int64_t now) {
  static const struct { const char *name; hns_verb verb; } verbs[] = {
    {"assign", HNS_ASSIGN}, {"move", HNS_MOVE}, {"step", HNS_STEP}, {"set", HNS_SET}, {"note", HNS_NOTE},
    {"merge", HNS_MERGE}, {"close", HNS_CLOSE}};
  hns_action x = {.incident = a->pos[0], .value = a->pos[1], .value2 = a->pos[2], .why = a->why,
                  .actor = actor_of(a), .at = now};
  for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
    if (!strcmp(a->sub, verbs[i].name)) x.verb = verbs[i].verb;
  if (x.verb == HNS_ASSIGN && !strcmp(x.value, "-")) x.value = "";
  if (x.verb == HNS_STEP) {
    char *end;
    unsigned long n = strtoul(a->pos[1], &end, 10);
    if (*end || !n || n > UINT32_MAX) { fprintf(stderr, "hornet case step: N is a step number, from 1, not '%s'\n", a->pos[1]); return 2; }
    x.step = (uint32_t)n;
  }
  hn_program *p = x.verb == HNS_MOVE || x.verb == HNS_CLOSE ? workflow_program(st, a) : NULL;
  if ((x.verb == HNS_MOVE || x.verb == HNS_CLOSE) && !p) return 1;
  hns_result r;
  hn_status rc = hns_act(st, p, &x, &r);
  hn_program_destroy(p);
  if (a->json) hns_write_result(out1, 0, &x, rc, &r);
  else if (rc == HN_OK) {
    fprintf(out1, "%s\n", r.message);
  } else {
    fprintf(stderr, "hornet case %s: %s\n", a->sub, r.message);
  }
  return rc == HN_OK ? 0 : rc == HN_ERR_USAGE ? 2 : 1;
}

static int apply(hns_store *st, case_args *a, int64_t now) {
  const char *name = a->pos[0];
  FILE *in = strcmp(name, "-") ? fopen(name, "rb") : stdin;
  if (!in) {
    fprintf(stderr, "hornet case apply: cannot read '%s': %s\n", name, strerror(errno));
    return 1;
  }
  hn_program *p = workflow_program(st, a);
  hns_apply_stats s = {0};
  hn_status rc = p ? hns_apply(st, p, in, name, actor_of(a), now, a->json, out1, stderr, &s) : HN_ERR_SEMANTIC;
  if (rc == HN_ERR_IO) fprintf(stderr, "hornet case apply: %s\n", hns_error(st));
  if (p)
    fprintf(stderr, "hornet case apply: %llu actions, %llu applied (%llu transitions), %llu refused or malformed\n",
            (unsigned long long)(s.applied + s.failed), (unsigned long long)s.applied,
            (unsigned long long)s.transitions, (unsigned long long)s.failed);
  if (in != stdin) fclose(in);
  hn_program_destroy(p);
  return rc != HN_OK || s.failed ? 1 : 0;
}

int cmd_case(int argc, char **argv) {
  case_args a;
  int rc = parse(argc, argv, &a);
  if (rc) return rc < 0 ? help("case") : rc;
  int64_t now = now_or("case", a.now);
  if (now == INT64_MIN) return 2;
  hns_store *st;
  if (open_store("case", a.store ? a.store : HNS_DEFAULT_PATH, false, &st)) return 1;
  hn_status s = HN_OK;
  if (!strcmp(a.sub, "list")) {
    hns_filter f = {a.domain, a.state, a.assignee, a.breached, a.all};
    s = hns_list(st, &f, now, a.json, out1);
  } else if (!strcmp(a.sub, "show")) {
    s = hns_show(st, a.pos[0], now, a.json, out1);
  } else {
    rc = !strcmp(a.sub, "apply") ? apply(st, &a, now) : act(st, &a, now);
  }
  if (s != HN_OK) {
    fprintf(stderr, "hornet case %s: %s\n", a.sub, hns_error(st));
    rc = 1;
  }
  hns_close(st);
  return rc;
}
