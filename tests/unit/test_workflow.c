/* test_workflow.c - the workflow of cases in the core (lang/SPEC.md §12-13): the services and
 * domains a program declares, as the accessors hand them out (checked against std.catalog's
 * text, read here by a parser of its own); every refusal of hn_workflow_check; and the cases a
 * store tells a session (hn_session_set_case), which scores and domain conditions read: golden
 * scenarios in tests/golden/case/. Runs from the source root. */
#include <ctype.h>
#include "test_util.h"
#include "value.h"

static hn_program *compile_src(const char *src) {
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  assert_int_equal(hnc_compiler_add_source(c, "t.hn", src, strlen(src)), HN_OK);
  if (hnc_compiler_check(c) != HN_OK) hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, 0);
  hn_program *p = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  assert_non_null(p);
  return p;
}

static hn_program *compile_path(const char *path) {
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_path(c, path);
  if (hnc_compiler_check(c) != HN_OK) hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, 0);
  hn_program *p = hnc_compiler_program(c);
  hnc_compiler_destroy(c);
  assert_non_null(p);
  return p;
}

/* ---- the accessors against std.catalog ---------------------------------------------------------
 * The catalog's text, read line by line (its services are written one item a line): each
 * service's items as declared, to compare with what the program hands out. */
typedef struct decl_service {
  char name[64], title[128], domain[64], description[256];
  char states[12][32];
  int n_states;
  int edges[32][2], n_edges;
  int sla_state[12];
  int64_t sla_ns[12];
  int n_slas;
  int step_state[24];
  char steps[24][200];
  int n_steps;
  char require[8][32];
  int n_require;
} decl_service;

static int state_no(const decl_service *s, const char *name, size_t n) {
  for (int i = 0; i < s->n_states; i++)
    if (strlen(s->states[i]) == n && memcmp(s->states[i], name, n) == 0) return i;
  fail_msg("service %s: no state %.*s", s->name, (int)n, name);
  return -1;
}

static const char *word(const char *s, size_t *n) {
  while (*s == ' ' || *s == ',') s++;
  *n = 0;
  while (isalnum((unsigned char)s[*n]) || s[*n] == '_') (*n)++;
  return s;
}

static int64_t duration(const char *s, const char **end) {
  int64_t v = strtoll(s, (char **)end, 10);
  int64_t unit = **end == 's' ? 1 : **end == 'm' ? 60 : **end == 'h' ? 3600 : **end == 'd' ? 86400 : 604800;
  (*end)++;
  return v * unit * 1000000000;
}

static void add_edge(decl_service *s, int from, int to) {
  for (int i = 0; i < s->n_edges; i++)
    if (s->edges[i][0] == from && s->edges[i][1] == to) return;
  s->edges[s->n_edges][0] = from;
  s->edges[s->n_edges++][1] = to;
}

static void read_item(decl_service *s, const char *l) {
  size_t n;
  const char *w;
  if (sscanf(l, "title \"%127[^\"]\"", s->title) == 1 || sscanf(l, "domain %63s", s->domain) == 1 ||
      sscanf(l, "description \"%255[^\"]\"", s->description) == 1)
    return;
  if (strncmp(l, "states ", 7) == 0) {
    for (const char *p = l + 7; (w = word(p, &n)), n; p = w + n + (strncmp(w + n, " -> ", 4) == 0 ? 4 : 0)) {
      memcpy(s->states[s->n_states], w, n);
      s->states[s->n_states++][n] = 0;
    }
    for (int i = 0; i + 1 < s->n_states; i++) add_edge(s, i, i + 1);
  } else if (strncmp(l, "transition ", 11) == 0) {
    w = word(l + 11, &n);
    int from = state_no(s, w, n);
    const char *to = word(w + n + 4, &n);
    add_edge(s, from, state_no(s, to, n));
  } else if (strncmp(l, "sla ", 4) == 0) {
    for (const char *p = l + 4; (w = word(p, &n)), n;) {
      s->sla_state[s->n_slas] = state_no(s, w, n);
      s->sla_ns[s->n_slas++] = duration(w + n + 1, &p);
    }
  } else if (strncmp(l, "step ", 5) == 0) {
    w = word(l + 5, &n);
    s->step_state[s->n_steps] = state_no(s, w, n);
    assert_int_equal(sscanf(w + n, " \"%199[^\"]\"", s->steps[s->n_steps++]), 1);
  } else if (strncmp(l, "require ", 8) == 0) {
    for (const char *p = l + 8; (w = word(p, &n)), n; p = w + n) {
      memcpy(s->require[s->n_require], w, n);
      s->require[s->n_require++][n] = 0;
    }
  }
}

static int read_catalog(decl_service *out, int max) {
  FILE *f = fopen("stdlib/catalog.hn", "r");
  assert_non_null(f);
  char line[1024];
  int n = 0;
  decl_service *s = NULL;
  while (fgets(line, sizeof line, f)) {
    char *l = line;
    while (*l == ' ') l++;
    char *cm = strstr(l, "  //"); /* a trailing comment */
    if (cm) *cm = 0;
    l[strcspn(l, "\n")] = 0;
    if (strncmp(l, "service ", 8) == 0) {
      assert_true(n < max);
      s = &out[n++];
      memset(s, 0, sizeof *s);
      sscanf(l + 8, "%63[a-z_]", s->name);
    } else if (s && strcmp(l, "}") == 0) {
      s = NULL;
    } else if (s) {
      read_item(s, l);
    }
  }
  fclose(f);
  return n;
}

static void service_as_declared(const hn_program *p, const decl_service *d) {
  uint32_t i = hn_program_service_find(p, d->name);
  assert_int_not_equal(i, UINT32_MAX);
  hn_service_view v;
  assert_int_equal(hn_program_service(p, i, &v), HN_OK);
  assert_string_equal(v.name, d->name);
  assert_string_equal(v.title, d->title);
  assert_string_equal(v.description, d->description);
  hn_domain_view dv;
  assert_int_equal(hn_program_domain(p, v.domain, &dv), HN_OK);
  assert_string_equal(dv.name, d->domain);
  assert_int_equal(v.n_states, d->n_states);
  for (int k = 0; k < d->n_states; k++) assert_string_equal(v.states[k], d->states[k]);
  assert_int_equal(v.n_edges, d->n_edges);
  for (int k = 0; k < d->n_edges; k++) {
    assert_int_equal(v.edges[2 * k], d->edges[k][0]);
    assert_int_equal(v.edges[2 * k + 1], d->edges[k][1]);
  }
  assert_int_equal(v.n_slas, d->n_slas);
  for (int k = 0; k < d->n_slas; k++) {
    assert_int_equal(v.slas[k].state, d->sla_state[k]);
    assert_int_equal(v.slas[k].within, d->sla_ns[k]);
  }
  assert_int_equal(v.n_steps, d->n_steps);
  for (int k = 0; k < d->n_steps; k++) {
    assert_int_equal(v.steps[k].state, d->step_state[k]);
    assert_string_equal(v.steps[k].text, d->steps[k]);
  }
  assert_int_equal(v.n_require, d->n_require);
  for (int k = 0; k < d->n_require; k++) assert_string_equal(v.require[k], d->require[k]);
}

/* Every service of std.catalog, every state, edge, SLA, step and required field as written. */
static void catalog_services(void **state) {
  (void)state;
  static decl_service decl[16];
  int n = read_catalog(decl, 16);
  assert_int_equal(n, 9);
  hn_program *p = compile_src("import std.catalog\nimport std.domains\n");
  assert_int_equal(hn_program_service_count(p), 9);
  for (int i = 0; i < n; i++) service_as_declared(p, &decl[i]);
  hn_service_view v;
  assert_int_equal(hn_program_service(p, 9, &v), HN_ERR_NOT_FOUND);
  assert_int_equal(hn_program_service_find(p, "no_such_service"), UINT32_MAX);
  /* the domains of std.domains, with their WIP limits; the default one */
  uint32_t t = hn_program_domain_find(p, "triage"), e = hn_program_domain_find(p, "endpoint");
  hn_domain_view dv;
  assert_int_equal(hn_program_domain(p, t, &dv), HN_OK);
  assert_true(dv.is_default);
  assert_int_equal(dv.wip, 8);
  assert_string_equal(dv.title, "Triage");
  assert_int_equal(hn_program_domain(p, e, &dv), HN_OK);
  assert_false(dv.is_default);
  assert_int_equal(dv.wip, 6);
  assert_int_equal(hn_program_domain(p, hn_program_domain_count(p), &dv), HN_ERR_NOT_FOUND);
  assert_int_equal(hn_program_domain_find(p, "unrouted"), UINT32_MAX);
  hn_program_destroy(p);
}

/* Only the domains of the root pack and of the packs it imports itself route by `when` and
 * `default` (§12): std.catalog's import of std.domains brings only the domains its services name,
 * which route nothing else; a domain of the root shadows an imported one of its name (the acme
 * queue listed two `database` domains). */
static void imported_domains(void **state) {
  (void)state;
  hn_program *p = compile_src("import std.catalog\ndomain soc { default }\n");
  hn_domain_view v;
  assert_int_equal(hn_program_domain_find(p, "triage"), UINT32_MAX); /* no service names these */
  assert_int_equal(hn_program_domain_find(p, "database"), UINT32_MAX);
  assert_int_equal(hn_program_domain(p, hn_program_domain_find(p, "soc"), &v), HN_OK);
  assert_true(v.is_default);
  uint32_t e = hn_program_domain_find(p, "endpoint"); /* malware_response's */
  assert_int_equal(hn_program_domain(p, e, &v), HN_OK);
  assert_false(v.is_default);
  assert_int_equal(v.wip, 6);
  hn_service_view sv;
  assert_int_equal(hn_program_service(p, hn_program_service_find(p, "malware_response"), &sv), HN_OK);
  assert_int_equal(sv.domain, e);
  hn_program_destroy(p);
  p = compile_src("import std.domains\ndomain database { title \"Ours\" when incident.severity >= 4 wip 2 }\n");
  uint32_t n = 0;
  for (uint32_t i = 0; i < hn_program_domain_count(p); i++) {
    assert_int_equal(hn_program_domain(p, i, &v), HN_OK);
    if (strcmp(v.name, "database") != 0) continue;
    n++;
    assert_string_equal(v.title, "Ours");
  }
  assert_int_equal(n, 1);
  assert_int_not_equal(hn_program_domain_find(p, "triage"), UINT32_MAX); /* imported by the root: routes */
  assert_int_equal(hn_program_domain(p, hn_program_domain_find(p, "triage"), &v), HN_OK);
  assert_true(v.is_default);
  hn_program_destroy(p);
  p = compile_src("import std.domains\ndomain soc { default }\n"); /* the root's default overrides */
  for (uint32_t i = 0; i < hn_program_domain_count(p); i++) {
    assert_int_equal(hn_program_domain(p, i, &v), HN_OK);
    assert_true(v.is_default == (strcmp(v.name, "soc") == 0));
  }
  hn_program_destroy(p);
}

/* ---- refusals -------------------------------------------------------------------------------- */
static const char *const workflow_pack =
  "schema s {\n time @timestamp\n host.name: string\n event.action: string\n}\n"
  "domain ops { title \"Ops\" when incident.severity >= 1 wip 2 }\n"
  "domain idn { title \"Identity\" wip 1 }\n"
  "domain soc { default }\n"
  "service svc {\n"
  "  title \"A service\"\n  domain idn\n"
  "  states new -> triage -> contain -> closed\n"
  "  transition triage -> closed\n  transition new -> closed\n"
  "  sla triage 30m, closed 1d\n  step triage \"look\"\n"
  "  require root_cause, ticket\n}\n"
  "service free { states open -> work -> done }\n";

/* The case fields set, as "name=value" strings: set when the value is not empty. */
static bool is_set(void *ud, const char *field) {
  for (const char *const *f = ud; *f; f++) {
    size_t n = strlen(field);
    if (strncmp(*f, field, n) == 0 && (*f)[n] == '=' && (*f)[n + 1]) return true;
  }
  return false;
}

typedef struct refusal {
  const char *name, *service; /* service NULL: the built-in workflow */
  const char *domain;         /* for hn_workflow_check_in; NULL: hn_workflow_check */
  const char *from, *to;
  uint32_t wip_used;
  const char *fields[4];      /* "name=value" */
  hn_status want;
  const char *why;            /* a part of the reason */
} refusal;

static const refusal refusals[] = {
  {"along the chain", "svc", NULL, "new", "triage", 0, {NULL}, HN_OK, ""},
  {"along a transition", "svc", NULL, "new", "closed", 0, {"root_cause=x", "ticket=1", NULL}, HN_OK, ""},
  {"undeclared edge", "svc", NULL, "new", "contain", 0, {NULL}, HN_ERR_SEMANTIC,
   "svc declares no transition new -> contain: from new a case moves to triage or closed"},
  {"backwards", "svc", NULL, "contain", "triage", 0, {NULL}, HN_ERR_SEMANTIC, "no transition contain -> triage"},
  {"to itself", "svc", NULL, "triage", "triage", 0, {NULL}, HN_ERR_SEMANTIC, "no transition triage -> triage"},
  {"out of the terminal state", "svc", NULL, "closed", "triage", 0, {NULL}, HN_ERR_SEMANTIC,
   "closed is the terminal state of svc: no transition leaves it"},
  {"out of the terminal state to itself", "svc", NULL, "closed", "closed", 0, {NULL}, HN_ERR_SEMANTIC,
   "terminal state"},
  {"unknown from", "svc", NULL, "nwe", "triage", 0, {NULL}, HN_ERR_SEMANTIC,
   "svc has no state 'nwe': its states are new, triage, contain or closed"},
  {"unknown to", "svc", NULL, "new", "done", 0, {NULL}, HN_ERR_SEMANTIC, "svc has no state 'done'"},
  {"wip one below the limit", "svc", NULL, "new", "triage", 0, {NULL}, HN_OK, ""},
  {"wip at the limit", "svc", NULL, "new", "triage", 1, {NULL}, HN_ERR_SEMANTIC,
   "domain idn is at its WIP limit: 1 incident in working states, limit 1"},
  {"wip above the limit", "svc", NULL, "new", "triage", 7, {NULL}, HN_ERR_SEMANTIC, "7 incidents in working states"},
  {"wip: between working states", "svc", NULL, "triage", "contain", 9, {NULL}, HN_OK, ""},
  {"wip: initial to terminal is no work", "svc", NULL, "new", "closed", 9, {"root_cause=a", "ticket=b", NULL}, HN_OK, ""},
  {"wip of the domain routed to: below", "free", "ops", "open", "work", 1, {NULL}, HN_OK, ""},
  {"wip of the domain routed to: at", "free", "ops", "open", "work", 2, {NULL}, HN_ERR_SEMANTIC,
   "domain ops is at its WIP limit: 2 incidents in working states, limit 2"},
  {"no domain, no limit", "free", NULL, "open", "work", 1000, {NULL}, HN_OK, ""},
  {"unrouted, no limit", "free", "-", "open", "work", 1000, {NULL}, HN_OK, ""},
  {"a domain without a limit", "free", "soc", "open", "work", 1000, {NULL}, HN_OK, ""},
  {"required fields unset", "svc", NULL, "triage", "closed", 0, {NULL}, HN_ERR_SEMANTIC,
   "svc cannot enter closed with a required case field unset: root_cause, ticket (set them first)"},
  {"a required field empty", "svc", NULL, "contain", "closed", 0, {"root_cause=", "ticket=42", NULL}, HN_ERR_SEMANTIC,
   "unset: root_cause (set it first)"},
  {"one required field set", "svc", NULL, "contain", "closed", 0, {"ticket=42", NULL}, HN_ERR_SEMANTIC,
   "unset: root_cause (set it first)"},
  {"required fields set", "svc", NULL, "contain", "closed", 0, {"ticket=42", "root_cause=phish", NULL}, HN_OK, ""},
  {"required only for the terminal state", "svc", NULL, "triage", "contain", 0, {NULL}, HN_OK, ""},
  {"no service: new -> closed", NULL, NULL, "new", "closed", 0, {NULL}, HN_OK, ""},
  {"no service: closed -> new", NULL, NULL, "closed", "new", 0, {NULL}, HN_ERR_SEMANTIC,
   "closed is the terminal state of an incident without a service"},
  {"no service: an unknown state", NULL, NULL, "new", "triage", 0, {NULL}, HN_ERR_SEMANTIC,
   "an incident without a service has no state 'triage': its states are new or closed"},
};

static void refusal_row(void **state) {
  const refusal *r = *state;
  hn_program *p = compile_src(workflow_pack);
  uint32_t sv = r->service ? hn_program_service_find(p, r->service) : UINT32_MAX;
  if (r->service) assert_int_not_equal(sv, UINT32_MAX);
  char why[512] = "garbage";
  const char *const *fields = r->fields;
  hn_status st;
  if (r->domain) {
    uint32_t d = hn_program_domain_find(p, r->domain);
    if (strcmp(r->domain, "-") != 0) assert_int_not_equal(d, UINT32_MAX);
    st = hn_workflow_check_in(p, sv, d, r->from, r->to, r->wip_used, is_set, (void *)fields, why, sizeof why);
  } else {
    st = hn_workflow_check(p, sv, r->from, r->to, r->wip_used, is_set, (void *)fields, why, sizeof why);
  }
  if (st != r->want || !strstr(why, r->why) || (st == HN_OK && why[0]))
    fail_msg("%s: got %s, \"%s\"; want %s, \"%s\"", r->name, hn_status_str(st), why, hn_status_str(r->want), r->why);
  hn_program_destroy(p);
}

/* Indices out of range, a NULL is_set (no field is set), no room for the reason. */
static void check_edges_of_the_api(void **state) {
  (void)state;
  hn_program *p = compile_src(workflow_pack);
  char why[256];
  assert_int_equal(hn_workflow_check(p, 99, "new", "triage", 0, NULL, NULL, why, sizeof why), HN_ERR_NOT_FOUND);
  assert_non_null(strstr(why, "no service #99"));
  assert_int_equal(hn_workflow_check_in(p, 0, 99, "new", "triage", 0, NULL, NULL, why, sizeof why), HN_ERR_NOT_FOUND);
  assert_non_null(strstr(why, "no domain #99"));
  uint32_t sv = hn_program_service_find(p, "svc");
  assert_int_equal(hn_workflow_check(p, sv, "triage", "closed", 0, NULL, NULL, why, sizeof why), HN_ERR_SEMANTIC);
  assert_non_null(strstr(why, "root_cause, ticket"));
  assert_int_equal(hn_workflow_check(p, sv, "new", "triage", 0, NULL, NULL, NULL, 0), HN_OK);
  assert_int_equal(hn_workflow_check(p, sv, "new", "contain", 0, NULL, NULL, NULL, 0), HN_ERR_SEMANTIC);
  char tiny[8];
  assert_int_equal(hn_workflow_check(p, sv, "new", "contain", 0, NULL, NULL, tiny, sizeof tiny), HN_ERR_SEMANTIC);
  assert_int_equal(strlen(tiny), sizeof tiny - 1);
  hn_program_destroy(p);
}

/* ---- cases told to a session: golden scenarios -------------------------------------------------
 * tests/golden/case/NAME.hn over NAME.script writes exactly NAME.records and NAME.queue
 * (HN_UPDATE_GOLDEN=1 rewrites them). A script line is an event (JSON), a comment (#), `advance
 * TIME`, or `case ID item...` telling the session an incident's case, the items: state=S,
 * assignee=A, due=TIME|none, breached, closed_at=TIME, field:NAME=VALUE. The records are the
 * incident records, and each case told with its status. The same script is run again with the
 * session checkpointed and restored after every case line: the same records and queue. */
typedef struct golden_run {
  hn_program *p;
  hn_session *s;
  FILE *rec;
} golden_run;

static void on_incident(void *ud, const hn_incident *i) { hnx_write_incident(((golden_run *)ud)->rec, i); }

static void new_session(golden_run *g) {
  hn_callbacks cb = {g, NULL, on_incident, NULL, NULL};
  hn_session_options o = {HN_ENGINE_AUTO, HN_SESSION_INCIDENTS};
  assert_int_equal(hn_session_new(g->p, &o, &cb, &g->s), HN_OK);
}

static int mem_write(void *ud, const void *b, size_t n) { return fwrite(b, 1, n, ud) == n ? 0 : -1; }

/* The session replaced by a fresh one restored from its checkpoint. */
static void reload(golden_run *g) {
  char *buf = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&buf, &n);
  assert_int_equal(hn_session_checkpoint(g->s, mem_write, m), HN_OK);
  fclose(m);
  hn_session_free(g->s);
  new_session(g);
  if (hn_session_restore(g->s, buf, n, NULL) != HN_OK) fail_msg("restore: %s", hn_session_error(g->s));
  free(buf);
}

static int64_t time_of(const char *t) {
  int64_t ns;
  if (!hn_time_parse(t, strlen(t), &ns)) fail_msg("bad time '%s'", t);
  return ns;
}

static void tell_case(golden_run *g, char *line) {
  fprintf(g->rec, "# case %s\n", line);
  hn_case_view cv = {NULL, NULL, false, INT64_MAX, INT64_MIN, NULL, 0};
  hn_field fields[8];
  hn_value vals[8];
  char *save = NULL, *id = strtok_r(line, " ", &save);
  for (char *t = strtok_r(NULL, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
    if (strncmp(t, "state=", 6) == 0) cv.state = t + 6;
    else if (strncmp(t, "assignee=", 9) == 0) cv.assignee = t + 9;
    else if (strcmp(t, "due=none") == 0) cv.sla_due = INT64_MAX;
    else if (strncmp(t, "due=", 4) == 0) cv.sla_due = time_of(t + 4);
    else if (strcmp(t, "breached") == 0) cv.sla_breached = true;
    else if (strncmp(t, "closed_at=", 10) == 0) cv.closed_at = time_of(t + 10);
    else if (strncmp(t, "field:", 6) == 0 && strchr(t, '=') && cv.n_fields < 8) {
      char *eq = strchr(t, '=');
      *eq = 0;
      vals[cv.n_fields] = (hn_value){.kind = HN_V_STRING, .len = (uint32_t)strlen(eq + 1), .u.s = eq + 1};
      fields[cv.n_fields] = (hn_field){t + 6, &vals[cv.n_fields], 1, false};
      cv.n_fields++;
    } else fail_msg("bad case item '%s'", t);
  }
  cv.fields = fields;
  hn_status st = hn_session_set_case(g->s, id, &cv);
  fprintf(g->rec, "#   %s%s%s\n", hn_status_str(st), st ? ": " : "", st ? hn_session_error(g->s) : "");
}

/* Runs a script; returns the records and the queue as one text, "--- queue" between them. */
static char *run_script(hn_program *p, const char *script, bool reloads) {
  char *rtext = NULL;
  size_t rl = 0;
  golden_run g = {p, NULL, open_memstream(&rtext, &rl)};
  new_session(&g);
  FILE *f = fopen(script, "r");
  assert_non_null(f);
  char line[4096];
  for (uint64_t no = 1; fgets(line, sizeof line, f); no++) {
    line[strcspn(line, "\n")] = 0;
    if (!line[0] || line[0] == '#') continue;
    if (strncmp(line, "case ", 5) == 0) {
      tell_case(&g, line + 5);
      if (reloads) reload(&g);
    } else if (strncmp(line, "advance ", 8) == 0) {
      assert_int_equal(hn_session_advance(g.s, time_of(line + 8)), HN_OK);
    } else {
      hn_origin at = {script, no, 0};
      assert_int_equal(hn_session_push(g.s, line, strlen(line), &at), HN_OK);
    }
  }
  fclose(f);
  assert_int_equal(hn_session_flush(g.s), HN_OK);
  fputs("--- queue\n", g.rec);
  assert_int_equal(hnx_write_queue(g.rec, g.s, false), 0);
  hn_session_free(g.s);
  fclose(g.rec);
  return rtext;
}

static void case_golden(void **state) {
  const char *name = *state;
  char hn[512], script[512], want_path[512];
  snprintf(hn, sizeof hn, "tests/golden/case/%s.hn", name);
  snprintf(script, sizeof script, "tests/golden/case/%s.script", name);
  snprintf(want_path, sizeof want_path, "tests/golden/case/%s.expected", name);
  hn_program *p = compile_path(hn);
  char *got = run_script(p, script, false), *want = slurp_file(want_path, NULL);
  if (getenv("HN_UPDATE_GOLDEN")) {
    FILE *f = fopen(want_path, "wb");
    fputs(got, f);
    fclose(f);
  } else if (!want || strcmp(want, got) != 0) {
    fail_msg("%s differs.\n--- expected\n%s--- got\n%s", want_path, want ? want : "(none)", got);
  }
  char *again = run_script(p, script, true);
  if (strcmp(again, got) != 0) fail_msg("%s: restored after each case, the run differs:\n%s", name, again);
  free(again);
  free(got);
  free(want);
  hn_program_destroy(p);
}

static const char *const case_goldens[] = {"sla", "closing"};

int main(void) {
  size_t nr = sizeof refusals / sizeof *refusals;
  struct CMUnitTest *tests = calloc(nr + 8, sizeof *tests);
  size_t n = 0;
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(catalog_services);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(imported_domains);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(check_edges_of_the_api);
  for (size_t i = 0; i < nr; i++)
    tests[n++] = (struct CMUnitTest){refusals[i].name, refusal_row, NULL, NULL, (void *)&refusals[i]};
  for (size_t i = 0; i < sizeof case_goldens / sizeof *case_goldens; i++)
    tests[n++] = (struct CMUnitTest){case_goldens[i], case_golden, NULL, NULL, (void *)case_goldens[i]};
  int rc = _cmocka_run_group_tests("workflow", tests, n, NULL, NULL);
  free(tests);
  return rc;
}
