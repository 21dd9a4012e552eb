/* test_threads.c - the compiler is safe to use from several threads, one compiler per thread:
 * several threads compile real packs (examples/acme, stdlib) at once, to native code too, and
 * each gets the diagnostics and the program a single thread gets; threads also read one
 * compiler's diagnostics at once (the getters are const). Run it under -fsanitize=thread to see
 * races the comparison cannot. Runs from the source root. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include "test_util.h"
#include "program.h"

enum { THREADS = 4, ROUNDS = 3 };

typedef struct job {
  const char *path;  /* the pack */
  const char *flags; /* warning option, or NULL */
} job;

/* Packs compiled with and without an option that changes the diagnostics, broken ones, and
 * TYPES: 6,000 type errors that name list types (hnc_type_name once wrote them into a shared
 * rotating buffer). */
static char tmp_dir[] = "/tmp/hornet-threads-XXXXXX", types_path[64];
static const job jobs[] = {
  {types_path, NULL},
  {"examples/acme", NULL},
  {"stdlib", NULL},
  {"tests/golden/check/rule_tag_format_warning.hn", NULL},
  {"tests/golden/check/rule_tag_format_warning.hn", "no-tag-format"},
  {"tests/golden/check/nesting_macro_chain.hn", NULL},
};
enum { JOBS = sizeof jobs / sizeof jobs[0] };

/* ---- a program as text: what the compiler decided, not where it put it -------------------- */
static void str(FILE *f, const char *s) { fprintf(f, "%s|", s ? s : "(null)"); }

static void value_text(FILE *f, const hn_const *c) {
  fprintf(f, "k%u p%u v%u f%u n%u:", c->kind, c->prefix, c->v6, c->folded, c->len);
  if (c->kind == HN_V_STRING) fwrite(c->u.s, 1, c->len, f);
  else if (c->kind == HN_V_IP) for (int i = 0; i < 16; i++) fprintf(f, "%02x", c->u.ip[i]);
  else if (c->kind == HN_V_FLOAT) fprintf(f, "%a", c->u.f);
  else fprintf(f, "%lld", (long long)c->u.i);
  fputc('\n', f);
}

static void corr_text(FILE *f, const hn_corr *C) {
  fprintf(f, "corr keys %u window %lld tumbling %d having %u until %u\n", C->n_keys, (long long)C->window, C->tumbling,
          C->having, C->until);
  for (uint32_t i = 0; i < C->n_keys; i++) fprintf(f, " key %u\n", C->keys[i]);
  for (uint32_t i = 0; i < C->n_aggs; i++)
    fprintf(f, " agg %u %u %u %u %a\n", C->aggs[i].kind, C->aggs[i].type, C->aggs[i].arg, C->aggs[i].cond, C->aggs[i].p);
  for (uint32_t i = 0; i < C->n_hn; i++)
    fprintf(f, " hn %u %u %u %u %u\n", C->hn[i].op, C->hn[i].cmp, C->hn[i].a, C->hn[i].b, C->hn[i].c);
  for (uint32_t i = 0; i < C->n_steps; i++) {
    str(f, C->steps[i].name);
    fprintf(f, " step %u %d %u %u\n", C->steps[i].cond, C->steps[i].negated, C->steps[i].repeat_op, C->steps[i].repeat);
  }
  for (uint32_t i = 0; i < C->n_binds; i++) fprintf(f, " bind %u %u\n", C->binds[i].step, C->binds[i].slot);
}

static void rule_text(FILE *f, const hn_rule *r) {
  str(f, r->name), str(f, r->title), str(f, r->id), str(f, r->control), str(f, r->service), str(f, r->status);
  fprintf(f, "sev %d kind %u quiet %d source %u cond %u corr %u supp %lld\n", r->severity, r->kind, r->quiet, r->source,
          r->cond, r->corr, (long long)r->suppress);
  for (uint32_t i = 0; i < r->n_tags; i++) str(f, r->tags[i]);
  for (uint32_t i = 0; i < r->n_entities; i++) fprintf(f, "%s=%u ", r->entity_names[i], r->entities[i]);
  for (uint32_t i = 0; i < r->n_alias; i++) fprintf(f, "alias %u=%u ", r->alias_to[i], r->alias_from[i]);
  for (uint32_t i = 0; i < r->n_supp_keys; i++) fprintf(f, "supp %u ", r->supp_keys[i]);
  for (uint32_t i = 0; i < r->n_from; i++) fprintf(f, "from %u ", r->from[i]);
  fputc('\n', f);
}

static void program_text(FILE *f, const hn_program *p) {
  fprintf(f, "time %d lateness %lld suppress %lld memory %llu keys %llu checkpoint %lld horizon %lld\n", p->time_slot,
          (long long)p->lateness, (long long)p->suppress, (unsigned long long)p->memory,
          (unsigned long long)p->max_keys, (long long)p->checkpoint, (long long)p->horizon);
  for (uint32_t i = 0; i < p->n_fields; i++) fprintf(f, "field %s %d\n", p->fields[i].path, (int)p->fields[i].type);
  for (uint32_t i = 0; i < p->n_consts; i++) value_text(f, &p->consts[i]);
  for (uint32_t i = 0; i < p->n_vexprs; i++)
    fprintf(f, "vx %u %u %u %u\n", p->vexprs[i].op, p->vexprs[i].type, p->vexprs[i].a, p->vexprs[i].b);
  for (uint32_t i = 0; i < p->n_preds; i++) {
    const hn_pred *q = &p->preds[i];
    fprintf(f, "pred %u %u %u %u %u %u %u\n", q->op, q->flags & ~HN_PF_FILTERED, q->lhs, q->rhs, q->first, q->n, q->slot);
  }
  for (uint32_t i = 0; i < p->n_bnodes; i++)
    fprintf(f, "b %u %u %u %u %u\n", p->bnodes[i].op, p->bnodes[i].dyn, p->bnodes[i].a, p->bnodes[i].first, p->bnodes[i].n);
  for (uint32_t i = 0; i < p->n_kids; i++) fprintf(f, "kid %u\n", p->kids[i]);
  for (uint32_t i = 0; i < p->n_rules; i++) rule_text(f, &p->rules[i]);
  for (uint32_t i = 0; i < p->n_corrs; i++) corr_text(f, &p->corrs[i]);
  for (uint32_t i = 0; i < p->n_scores; i++) fprintf(f, "score %s %u\n", p->scores[i].name, p->scores[i].corr);
  fprintf(f, "incident score %u\n", p->incident_score);
  for (uint32_t i = 0; i < p->n_domains; i++) {
    const hn_domain *d = &p->domains[i];
    str(f, d->name), str(f, d->title);
    fprintf(f, "domain %u %u %d %d\n", d->when, d->score, d->wip, d->is_default);
  }
  for (uint32_t i = 0; i < p->n_services; i++) {
    const hn_service *s = &p->services[i];
    str(f, s->name), str(f, s->title), str(f, s->initial), str(f, s->terminal);
    fprintf(f, "service %u\n", s->domain);
  }
  for (uint32_t i = 0; i < p->n_exposures; i++) {
    const hn_exposure *x = &p->exposures[i];
    str(f, x->name), str(f, x->title), str(f, x->control);
    fprintf(f, "exposure %u %u %u %u %u %a\n", x->open, x->close, x->open_on, x->close_on, x->state, x->weight);
  }
  for (uint32_t i = 0; i < p->n_tests; i++) {
    const hn_test *t = &p->tests[i];
    str(f, t->name), str(f, t->file);
    fprintf(f, "test line %d\n", t->line);
    for (uint32_t k = 0; k < t->n_events; k++) fprintf(f, " event %s\n", t->events[k]);
    for (uint32_t k = 0; k < t->n_expects; k++)
      fprintf(f, " expect %u %d %lld\n", t->expects[k].rule, t->expects[k].negated, (long long)t->expects[k].count);
  }
  fprintf(f, "inventory %u hosts %u addresses %u identities %u ranges\n", p->n_assets, p->n_asset_addrs, p->n_identities,
          p->n_ranges);
  for (uint32_t i = 0; i < p->n_assets; i++) fprintf(f, "asset %s %u\n", p->assets[i].name, p->assets[i].criticality);
}

/* ---- one compilation, as text ---------------------------------------------------------------- */
typedef struct result {
  char *diags;   /* the three formats of the diagnostics, and each one through the getters */
  char *program; /* NULL when the pack has errors */
  bool native;   /* its tests pass with native code */
} result;

static void getters_text(FILE *f, const hnc_compiler *c) {
  for (size_t i = 0; i < hnc_compiler_diag_count(c); i++) {
    hnc_diag_view v;
    assert_int_equal(hnc_compiler_diag_get(c, i, &v), HN_OK);
    fprintf(f, "%s:%d:%d-%d:%d %d %s %s %s\n", v.file ? v.file : "-", v.line, v.col, v.end_line, v.end_col, v.severity,
            v.code, v.message, v.hint ? v.hint : "");
    for (size_t j = 0; j < v.n_notes; j++) {
      hnc_diag_view n;
      assert_int_equal(hnc_compiler_diag_note(c, i, j, &n), HN_OK);
      fprintf(f, "  %s:%d:%d %s\n", n.file ? n.file : "-", n.line, n.col, n.message);
    }
  }
}

static result compile_job(const job *jb) {
  result r = {0};
  hnc_compiler *c = hnc_compiler_create();
  assert_non_null(c);
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_search_dir(c, "tests/golden/check/lib");
  if (jb->flags) assert_int_equal(hnc_compiler_warning_option(c, jb->flags), HN_OK);
  hnc_compiler_add_path(c, jb->path);
  hn_status st = hnc_compiler_check(c);
  size_t len = 0;
  FILE *f = open_memstream(&r.diags, &len);
  hnc_compiler_print_diagnostics(c, f, HNC_FORMAT_TEXT, 0);
  hnc_compiler_print_diagnostics(c, f, HNC_FORMAT_JSON, 0);
  hnc_compiler_print_diagnostics(c, f, HNC_FORMAT_SARIF, 0);
  hnc_compiler_print_summary(c, f);
  getters_text(f, c);
  fclose(f);
  hn_program *p = st == HN_OK ? hnc_compiler_program(c) : NULL;
  hnc_compiler_destroy(c);
  if (!p) return r;
  f = open_memstream(&r.program, &len);
  program_text(f, p);
  fclose(f);
  char err[512];
  if (hnc_program_native(p, NULL, err, sizeof err) == HN_OK) {
    char *out = NULL;
    size_t ol = 0;
    FILE *o = open_memstream(&out, &ol);
    hn_test_report rep;
    r.native = hn_run_tests(p, o, NULL, &rep) == HN_OK;
    fclose(o);
    free(out);
  }
  hn_program_destroy(p);
  return r;
}

static void result_free(result *r) {
  free(r->diags);
  free(r->program);
}

/* ---- threads ---------------------------------------------------------------------------------- */
static result reference[JOBS];

typedef struct worker {
  int id;
  int mismatches;
  char what[256];
} worker;

static void *work(void *arg) {
  worker *w = arg;
  for (int round = 0; round < ROUNDS; round++)
    for (int k = 0; k < JOBS; k++) {
      int j = (k + w->id + round) % JOBS; /* the threads compile different packs at once */
      result r = compile_job(&jobs[j]);
      const result *want = &reference[j];
      bool same = strcmp(r.diags, want->diags) == 0 && (r.program == NULL) == (want->program == NULL) &&
                  (!r.program || strcmp(r.program, want->program) == 0) && r.native == want->native;
      if (!same && !w->mismatches++)
        snprintf(w->what, sizeof w->what, "thread %d, round %d: %s (%s) differs", w->id, round, jobs[j].path,
                 jobs[j].flags ? jobs[j].flags : "");
      result_free(&r);
    }
  return NULL;
}

/* Several compilers on several threads give what one gives alone: diagnostics in every format,
 * the program, and native code whose tests pass (compiled into one object cache at once). */
static void compilers_on_threads(void **state) {
  (void)state;
  for (int j = 0; j < JOBS; j++) {
    reference[j] = compile_job(&jobs[j]);
    assert_non_null(reference[j].diags);
  }
  setenv("HORNET_CACHE_DIR", tmp_dir, 1); /* before any thread starts */
  assert_non_null(strstr(reference[0].diags, "cannot compare list<string> with int"));
  assert_non_null(strstr(reference[0].diags, "cannot compare list<ip> with bool"));
  assert_non_null(reference[1].program); /* acme compiles */
  assert_true(reference[1].native);
  assert_string_not_equal(reference[3].diags, reference[4].diags); /* the option is the compiler's own */
  assert_non_null(strstr(reference[5].diags, "nested too deeply"));
  pthread_t t[THREADS];
  worker w[THREADS];
  for (int i = 0; i < THREADS; i++) {
    w[i] = (worker){i, 0, ""};
    assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
  }
  int bad = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(t[i], NULL);
    if (w[i].mismatches) print_error("%s\n", w[i].what);
    bad += w[i].mismatches;
  }
  for (int j = 0; j < JOBS; j++) result_free(&reference[j]);
  assert_int_equal(bad, 0);
}

/* Threads reading one compiler's diagnostics at once, through the const getters. */
typedef struct reader {
  const hnc_compiler *c;
  char *text;
} reader;

static void *read_diags(void *arg) {
  reader *r = arg;
  size_t len = 0;
  FILE *f = open_memstream(&r->text, &len);
  for (int i = 0; i < 20; i++) {
    hnc_compiler_print_diagnostics(r->c, f, HNC_FORMAT_JSON, 0);
    getters_text(f, r->c);
  }
  fclose(f);
  return NULL;
}

static void readers_share_a_compiler(void **state) {
  (void)state;
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_path(c, "tests/golden/check/rule_tag_format_warning.hn");
  hnc_compiler_add_path(c, "tests/golden/check/import_not_a_pack_name.hn");
  hnc_compiler_check(c);
  assert_true(hnc_compiler_diag_count(c) > 3);
  pthread_t t[THREADS];
  reader r[THREADS];
  for (int i = 0; i < THREADS; i++) {
    r[i] = (reader){c, NULL};
    assert_int_equal(pthread_create(&t[i], NULL, read_diags, &r[i]), 0);
  }
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  for (int i = 1; i < THREADS; i++) assert_string_equal(r[i].text, r[0].text);
  for (int i = 0; i < THREADS; i++) free(r[i].text);
  hnc_compiler_destroy(c);
}

static void write_types(void) {
  snprintf(types_path, sizeof types_path, "%s/types.hn", tmp_dir);
  FILE *f = fopen(types_path, "w");
  if (!f) exit(1);
  fprintf(f, "import std.ecs\n");
  for (int i = 0; i < 3000; i++)
    fprintf(f, "rule r%d { severity low where process.args == %d and host.ip == true entities host.name }\n", i, i);
  fclose(f);
}

int main(void) {
  if (!mkdtemp(tmp_dir)) return 1;
  write_types();
  /* the reference compiles without the object cache; the threads then start from an empty one,
   * so several write one entry at once */
  setenv("HORNET_CACHE_DIR", "off", 1);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(compilers_on_threads),
    cmocka_unit_test(readers_share_a_compiler),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
  if (system(cmd) != 0) rc = rc ? rc : 1;
  return rc;
}
