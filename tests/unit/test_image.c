/* test_image.c - pack images (`hornet build`, hn_program_load): a program written as an image
 * and loaded back raises the same alerts and incident records as the program from source,
 * under both engines, with and without its native code; a damaged image is refused with an
 * error and never crashes (truncation, flipped bits, and crafted changes whose content hash
 * was recomputed, so that only the loader's own checks stand between them and the runtime).
 * Runs from the source root. */
#include <unistd.h>
#include "test_util.h"
#include "image.h"

static const char *const packs[][2] = {
  {"examples/acme", "examples/acme/events.jsonl"},
  {"tests/golden/run/predicates.hn", "tests/golden/run/predicates.jsonl"},
  {"tests/golden/run/correlation.hn", "tests/golden/run/correlation.jsonl"},
  {"tests/golden/run/alias.hn", "tests/golden/run/alias.jsonl"},
  {"tests/golden/run/generate.hn", "tests/golden/run/generate.jsonl"},
  {"tests/golden/run/percentile.hn", "tests/golden/run/percentile.jsonl"},
  {"tests/golden/run/anystr.hn", "tests/golden/run/anystr.jsonl"}, /* `*`: a field spec of its own kind */
  {"tests/golden/run/refused.hn", "tests/golden/run/refused.jsonl"}, /* a regex the engine refuses */
};

static hn_program *compile(const char *path) {
  hnc_compiler *c = hnc_compiler_create();
  hnc_compiler_set_stdlib(c, "stdlib");
  hnc_compiler_add_path(c, path);
  assert_int_equal(hnc_compiler_check(c), HN_OK);
  hn_program *p = hnc_compiler_program(c);
  assert_non_null(p);
  hnc_compiler_destroy(c);
  return p;
}

/* Alerts and incident records of p over the events file, as one text. */
static char *run(const hn_program *p, const char *events, int engine) {
  FILE *in = fopen(events, "rb");
  assert_non_null(in);
  char *out = NULL;
  size_t len = 0;
  FILE *o = open_memstream(&out, &len);
  hn_run_options opt = {0};
  opt.input_name = events;
  opt.in = in;
  opt.out = o;
  opt.incidents = o;
  opt.engine = engine;
  hn_run_stats st;
  assert_int_equal(hn_run_stream(p, &opt, &st), HN_OK);
  fclose(in);
  fclose(o);
  return out;
}

static char *tmp_path(const char *name) {
  const char *d = getenv("TMPDIR");
  char *s = malloc(1024);
  assert_non_null(s);
  snprintf(s, 1024, "%s/hornet-test-image-%ld-%s", d && *d ? d : "/tmp", (long)getpid(), name);
  return s;
}

static void write_image(const hn_program *p, bool native, const char *path) {
  void *so = NULL;
  size_t so_len = 0;
  char err[1024];
  if (native && hnc_program_shared_object(p, "generic", &so, &so_len, err, sizeof err) != HN_OK)
    fail_msg("no native code: %s", err);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  if (hn_program_write_image(p, so, so_len, "generic", f, err, sizeof err) != HN_OK) fail_msg("%s", err);
  assert_int_equal(fclose(f), 0);
  free(so);
}

/* The prefilter of an image splits the predicates as the source's did: the same ones
 * prefiltered, each constant with the same pattern id (the load collects the patterns without
 * asking the engine, then again for a field that disagrees with its database). */
static void same_prefilter(const hn_program *src, const hn_program *img) {
  assert_int_equal(src->n_preds, img->n_preds);
  for (uint32_t i = 0; i < src->n_preds; i++) {
    assert_int_equal(src->preds[i].flags & HN_PF_FILTERED, img->preds[i].flags & HN_PF_FILTERED);
    for (uint32_t k = 0; k < src->preds[i].n; k++)
      assert_int_equal(src->consts[src->preds[i].first + k].pf, img->consts[img->preds[i].first + k].pf);
  }
}

static void same_alerts(void **state) {
  (void)state;
  setenv("HORNET_CACHE_DIR", "off", 1);
  char *path = tmp_path("same.hnp");
  for (size_t i = 0; i < sizeof packs / sizeof packs[0]; i++) {
    hn_program *src = compile(packs[i][0]);
    char *want = run(src, packs[i][1], HN_ENGINE_INTERP);
    assert_true(strlen(want) > 0);
    for (int native = 0; native < 2; native++) {
      write_image(src, native, path);
      for (int engine = 0; engine < 2; engine++) {
        hn_program *img = NULL;
        char err[512];
        unsigned flags = engine == HN_ENGINE_INTERP ? HN_LOAD_INTERP : 0;
        if (hn_program_load(path, flags, &img, err, sizeof err) != HN_OK) fail_msg("%s", err);
        assert_null(hn_program_warning(img));
        same_prefilter(src, img);
        /* the native code runs when the image has it and the load asked for it */
        assert_int_equal(img->native != NULL, native && engine != HN_ENGINE_INTERP);
        char *got = run(img, packs[i][1], engine);
        if (strcmp(want, got) != 0)
          fail_msg("%s: the image (native %d, engine %d) differs.\n--- source\n%s--- image\n%s", packs[i][0], native,
                   engine, want, got);
        free(got);
        hn_program_destroy(img);
      }
    }
    free(want);
    hn_program_destroy(src);
  }
  unlink(path);
  free(path);
}

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint64_t rnd(uint64_t n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng % n;
}

static void put(const char *path, const unsigned char *d, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(d, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

/* Loads path; when it loads, runs the acme events through it (no crash, whatever it says). */
static hn_status try_load(const char *path) {
  hn_program *p = NULL;
  char err[512] = "";
  hn_status st = hn_program_load(path, HN_LOAD_INTERP, &p, err, sizeof err);
  if (st == HN_OK) {
    free(run(p, "examples/acme/events.jsonl", HN_ENGINE_INTERP));
    hn_program_destroy(p);
  } else {
    assert_true(strlen(err) > 0); /* an error says what is wrong */
    assert_non_null(strstr(err, path));
  }
  return st;
}

static void damaged(void **state) {
  (void)state;
  setenv("HORNET_CACHE_DIR", "off", 1);
  char *path = tmp_path("good.hnp"), *bad = tmp_path("bad.hnp");
  hn_program *src = compile("examples/acme");
  write_image(src, false, path);
  hn_program_destroy(src);
  size_t n = 0;
  unsigned char *img = (unsigned char *)slurp_file(path, &n);
  assert_true(n > sizeof(hn_image_header));
  /* truncated anywhere: refused */
  for (int i = 0; i < 200; i++) {
    size_t len = i < 130 ? (size_t)i : rnd(n);
    put(bad, img, len);
    assert_int_not_equal(try_load(bad), HN_OK);
  }
  /* a flipped bit anywhere: refused (the header's fields or the content hash) */
  unsigned char *copy = malloc(n);
  for (int i = 0; i < 300; i++) {
    memcpy(copy, img, n);
    copy[rnd(n)] ^= (unsigned char)(1u << rnd(8));
    put(bad, copy, n);
    assert_int_not_equal(try_load(bad), HN_OK);
  }
  /* crafted: bytes of the program changed and the hash made to match, so that only the
   * relocation bounds and the table validation stand in the way; whatever loads must run */
  const hn_image_header *h = (const hn_image_header *)img;
  const hn_image_section *tab = (const hn_image_section *)(img + sizeof *h);
  const hn_image_section *prog = NULL;
  for (uint32_t k = 0; k < h->n_sections; k++)
    if (tab[k].kind == HN_SEC_PROGRAM) prog = &tab[k];
  assert_non_null(prog);
  int refused = 0, loaded = 0;
  for (int i = 0; i < 400; i++) {
    memcpy(copy, img, n);
    for (int k = 0; k < 1 + (int)rnd(3); k++) {
      size_t at = prog->offset + rnd(prog->size);
      copy[at] = rnd(2) ? (unsigned char)rnd(256) : copy[at] ^ (unsigned char)(1u << rnd(8));
    }
    hn_image_rehash(copy, n);
    put(bad, copy, n);
    if (try_load(bad) == HN_OK) loaded++;
    else refused++;
  }
  print_message("crafted images: %d refused, %d loaded and ran\n", refused, loaded);
  assert_true(refused > 0);
  /* not an image at all, and a foreign version */
  put(bad, (const unsigned char *)"{\"event\":1}\n", 12);
  assert_int_equal(try_load(bad), HN_ERR_SYNTAX);
  memcpy(copy, img, n);
  memcpy(((hn_image_header *)copy)->version, "9.9.9", 6);
  hn_image_rehash(copy, n);
  put(bad, copy, n);
  assert_int_equal(try_load(bad), HN_ERR_SYNTAX);
  free(copy);
  free(img);
  unlink(path);
  unlink(bad);
  free(path);
  free(bad);
}

/* The workflow tables (lang/SPEC.md §12-13) of every service and domain, as the accessors hand
 * them out: the same from the image as from source. */
static void same_workflow(const hn_program *a, const hn_program *b) {
  assert_int_equal(hn_program_service_count(a), hn_program_service_count(b));
  assert_true(hn_program_service_count(a) > 0);
  for (uint32_t i = 0; i < hn_program_service_count(a); i++) {
    hn_service_view x, y;
    assert_int_equal(hn_program_service(a, i, &x), HN_OK);
    assert_int_equal(hn_program_service(b, i, &y), HN_OK);
    assert_string_equal(x.name, y.name);
    assert_string_equal(x.title, y.title);
    assert_string_equal(x.description, y.description);
    assert_int_equal(x.domain, y.domain);
    assert_int_equal(x.n_states, y.n_states);
    for (uint32_t k = 0; k < x.n_states; k++) assert_string_equal(x.states[k], y.states[k]);
    assert_int_equal(x.n_edges, y.n_edges);
    assert_memory_equal(x.edges, y.edges, 2 * x.n_edges * sizeof *x.edges);
    assert_int_equal(x.n_slas, y.n_slas);
    for (uint32_t k = 0; k < x.n_slas; k++) {
      assert_int_equal(x.slas[k].state, y.slas[k].state);
      assert_int_equal(x.slas[k].within, y.slas[k].within);
    }
    assert_int_equal(x.n_steps, y.n_steps);
    for (uint32_t k = 0; k < x.n_steps; k++) {
      assert_int_equal(x.steps[k].state, y.steps[k].state);
      assert_string_equal(x.steps[k].text, y.steps[k].text);
    }
    assert_int_equal(x.n_require, y.n_require);
    for (uint32_t k = 0; k < x.n_require; k++) assert_string_equal(x.require[k], y.require[k]);
  }
  assert_int_equal(hn_program_domain_count(a), hn_program_domain_count(b));
  for (uint32_t i = 0; i < hn_program_domain_count(a); i++) {
    hn_domain_view x, y;
    assert_int_equal(hn_program_domain(a, i, &x), HN_OK);
    assert_int_equal(hn_program_domain(b, i, &y), HN_OK);
    assert_string_equal(x.name, y.name);
    assert_string_equal(x.title, y.title);
    assert_int_equal(x.wip, y.wip);
    assert_int_equal(x.is_default, y.is_default);
  }
}

/* The image carries the services' workflows; one whose edge names a state the service does not
 * have (the hash made to match) is refused by the table validation. */
static void workflow_tables(void **state) {
  (void)state;
  setenv("HORNET_CACHE_DIR", "off", 1);
  char *path = tmp_path("wf.hnp"), *bad = tmp_path("wf-bad.hnp");
  hn_program *src = compile("examples/acme");
  write_image(src, false, path);
  hn_program *img = NULL;
  char err[512];
  if (hn_program_load(path, 0, &img, err, sizeof err) != HN_OK) fail_msg("%s", err);
  same_workflow(src, img);
  uint32_t sv = hn_program_service_find(img, "malware_response");
  assert_int_equal(hn_workflow_check(img, sv, "closed", "triage", 0, NULL, NULL, err, sizeof err), HN_ERR_SEMANTIC);
  assert_non_null(strstr(err, "terminal state"));
  hn_program_destroy(img);
  /* the program section starts with the hn_program; its pointers are offsets + 1 in it */
  size_t n = 0;
  unsigned char *bytes = (unsigned char *)slurp_file(path, &n);
  const hn_image_header *h = (const hn_image_header *)bytes;
  const hn_image_section *tab = (const hn_image_section *)(bytes + sizeof *h);
  size_t base = 0;
  for (uint32_t k = 0; k < h->n_sections; k++)
    if (tab[k].kind == HN_SEC_PROGRAM) base = tab[k].offset;
  const hn_program *pr = (const hn_program *)(bytes + base);
  assert_true(pr->n_services > 0);
  size_t svc = base + (size_t)(uintptr_t)pr->services - 1;
  const hn_service *s0 = (const hn_service *)(bytes + svc);
  assert_true(s0->n_edges > 0 && s0->n_states > 1);
  size_t edges = base + (size_t)(uintptr_t)s0->edges - 1;
  const uint32_t wrong[] = {s0->n_states, s0->n_states - 1}; /* a `to` that is no state; a `from` that is terminal */
  for (int k = 0; k < 2; k++) {
    unsigned char *copy = malloc(n);
    memcpy(copy, bytes, n);
    memcpy(copy + edges + (k == 0 ? offsetof(hn_edge, to) : offsetof(hn_edge, from)), &wrong[k], sizeof wrong[k]);
    hn_image_rehash(copy, n);
    put(bad, copy, n);
    assert_int_equal(hn_program_load(bad, 0, &img, err, sizeof err), HN_ERR_SYNTAX);
    assert_non_null(strstr(err, "edge of service 0"));
    free(copy);
  }
  free(bytes);
  hn_program_destroy(src);
  unlink(path);
  unlink(bad);
  free(path);
  free(bad);
}

/* Native code built for a CPU this machine is not: the interpreter runs, with a warning. */
static void foreign_native(void **state) {
  (void)state;
  hn_program *src = compile("tests/golden/run/predicates.hn");
  char *path = tmp_path("foreign.hnp");
  FILE *f = fopen(path, "wb");
  char err[512];
  static const char not_elf[] = "not a shared object";
  assert_int_equal(hn_program_write_image(src, not_elf, sizeof not_elf, "generic", f, err, sizeof err), HN_OK);
  fclose(f);
  hn_program *p = NULL;
  assert_int_equal(hn_program_load(path, 0, &p, err, sizeof err), HN_OK);
  assert_null(p->native);
  assert_non_null(strstr(hn_program_warning(p), "interpreter"));
  char *want = run(src, "tests/golden/run/predicates.jsonl", HN_ENGINE_INTERP);
  char *got = run(p, "tests/golden/run/predicates.jsonl", HN_ENGINE_AUTO);
  assert_string_equal(want, got);
  free(want);
  free(got);
  hn_program_destroy(p);
  hn_program_destroy(src);
  unlink(path);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(same_alerts),
    cmocka_unit_test(damaged),
    cmocka_unit_test(foreign_native),
    cmocka_unit_test(workflow_tables),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
