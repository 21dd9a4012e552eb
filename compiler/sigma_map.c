/* sigma_map.c - mapping files of `hornet import-sigma`: how Sigma log sources select events
 * and how Sigma field names become event fields (format: stdlib/sigma/windows.yml). A file is
 * checked as it is read: an unknown key, a value of the wrong shape or an entry that selects
 * no events is an error at its line and column, and every error is reported.
 * Depends on libyaml. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "hnc.h"
#include "sigma.h"
#include "yaml_guard.h"

typedef struct loader {
  yaml_document_t *doc;
  const char *path, *stdlib;
  FILE *report;
  unsigned errors;
} loader;

static void err(loader *l, const yaml_node_t *n, const char *fmt, const char *arg) {
  fprintf(l->report, "%s:%zu:%zu: error: ", l->path, n ? n->start_mark.line + 1 : 1, n ? n->start_mark.column + 1 : 1);
  fprintf(l->report, fmt, arg);
  fputc('\n', l->report);
  l->errors++;
}

static const yaml_node_t *node(loader *l, int i) { return yaml_document_get_node(l->doc, i); }
static bool scalar(const yaml_node_t *n) { return n && n->type == YAML_SCALAR_NODE; }
static const char *text(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }

static char *dup_scalar(loader *l, const yaml_node_t *n, const char *what) {
  if (!scalar(n)) {
    err(l, n, "%s must be a string", what);
    return NULL;
  }
  return strdup(text(n));
}

/* A list of strings, or one string. */
static char **str_list(loader *l, const yaml_node_t *n, size_t *count, const char *what) {
  *count = 0;
  if (scalar(n)) {
    char **v = malloc(sizeof *v);
    if (v && (v[0] = strdup(text(n)))) *count = 1;
    return v;
  }
  if (!n || n->type != YAML_SEQUENCE_NODE) {
    err(l, n, "%s must be a list of strings", what);
    return NULL;
  }
  size_t k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
  char **v = calloc(k ? k : 1, sizeof *v);
  if (!v) return NULL;
  for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
    char *s = dup_scalar(l, node(l, *it), what);
    if (s) v[(*count)++] = s;
  }
  return v;
}

static void renames(loader *l, const yaml_node_t *n, sg_renames *r) {
  if (!n || n->type != YAML_MAPPING_NODE) {
    err(l, n, "%s must be a map of Sigma field names to event fields", "fields");
    return;
  }
  size_t k = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
  r->v = calloc(k ? k : 1, sizeof *r->v);
  if (!r->v) return;
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    const yaml_node_t *key = node(l, p->key), *val = node(l, p->value);
    if (!scalar(key) || !scalar(val) || !*text(val)) {
      err(l, scalar(key) ? val : key, "%s: a rename is `SigmaField: event.field`", "fields");
      continue;
    }
    r->v[r->n].from = strdup(text(key));
    r->v[r->n].to = strdup(text(val));
    r->n++;
  }
}

static void free_renames(sg_renames *r) {
  for (size_t i = 0; i < r->n; i++) {
    free(r->v[i].from);
    free(r->v[i].to);
  }
  free(r->v);
}

/* Checks a map's keys against the allowed ones (a space-separated list). */
static void keys(loader *l, const yaml_node_t *n, const char *allowed, const char *where) {
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    const yaml_node_t *key = node(l, p->key);
    if (!scalar(key)) { err(l, key, "%s: a key must be a string", where); continue; }
    const char *k = text(key), *a = allowed;
    size_t kl = strlen(k);
    bool ok = false;
    while (*a && !ok) {
      size_t al = strcspn(a, " ");
      ok = al == kl && !strncmp(a, k, kl);
      a += al + (a[al] == ' ');
    }
    if (!ok) {
      char msg[512];
      snprintf(msg, sizeof msg, "%s: unknown key '%%s' (known: %s)", where, allowed);
      err(l, key, msg, k);
    }
  }
}

static const yaml_node_t *get(loader *l, const yaml_node_t *map, const char *key) {
  if (!map || map->type != YAML_MAPPING_NODE) return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    const yaml_node_t *k = node(l, p->key);
    if (scalar(k) && !strcmp(text(k), key)) return node(l, p->value);
  }
  return NULL;
}

static char *opt_str(loader *l, const yaml_node_t *map, const char *key) {
  const yaml_node_t *n = get(l, map, key);
  return n ? dup_scalar(l, n, key) : NULL;
}

static void source(loader *l, const yaml_node_t *n, sg_source *s) {
  memset(s, 0, sizeof *s);
  s->line = (unsigned)n->start_mark.line + 1;
  s->column = (unsigned)n->start_mark.column + 1;
  if (n->type != YAML_MAPPING_NODE) { err(l, n, "%s: an entry must be a map", "logsources"); return; }
  keys(l, n, "product category service from where fields unmapped variants", "logsources");
  s->product = opt_str(l, n, "product");
  s->category = opt_str(l, n, "category");
  s->service = opt_str(l, n, "service");
  s->from = opt_str(l, n, "from");
  s->where = opt_str(l, n, "where");
  s->unmapped = opt_str(l, n, "unmapped");
  if (!s->product && !s->category && !s->service) err(l, n, "%s: an entry needs a product, a category or a service", "logsources");
  if (!s->from == !s->where) err(l, n, "%s: an entry selects its events by exactly one of `from` and `where`", "logsources");
  const yaml_node_t *f = get(l, n, "fields"), *v = get(l, n, "variants");
  if (f) renames(l, f, &s->fields);
  if (!v) return;
  if (v->type != YAML_SEQUENCE_NODE) { err(l, v, "%s: variants must be a list", "logsources"); return; }
  size_t k = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
  s->variants = calloc(k ? k : 1, sizeof *s->variants);
  if (!s->variants) return;
  for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
    const yaml_node_t *e = node(l, *it);
    if (!e || e->type != YAML_MAPPING_NODE) { err(l, e, "%s: a variant is a map with `when` and `fields`", "logsources"); continue; }
    keys(l, e, "when fields", "variants");
    sg_variant *var = &s->variants[s->n_variants++];
    var->when = opt_str(l, e, "when");
    if (!var->when) err(l, e, "%s: a variant needs `when` (the condition its events satisfy)", "variants");
    const yaml_node_t *vf = get(l, e, "fields");
    if (vf) renames(l, vf, &var->fields);
  }
}

/* The fields, with their types, and the log source names of a pack source (a .hn file):
 * read by lines, as the stdlib packs are laid out (one `name: type` per line in a schema). */
static void read_pack(sg_mapping *m, const char *path) {
  size_t len;
  char *src = hnc_read_file(path, &len);
  if (!src) return;
  bool in_schema = false;
  char *save = NULL;
  for (char *line = strtok_r(src, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (!strncmp(line, "schema ", 7)) in_schema = true;
    else if (line[0] == '}') in_schema = false;
    char name[128], type[16];
    if (sscanf(line, "logsource %127[A-Za-z0-9_]", name) == 1) {
      char **nl = realloc(m->lognames, (m->n_lognames + 1) * sizeof *nl);
      if (!nl) break;
      m->lognames = nl;
      if ((nl[m->n_lognames] = strdup(name))) m->n_lognames++;
    } else if (in_schema && sscanf(line, " %127[A-Za-z0-9_.@]: %15[a-z]", name, type) == 2) {
      sg_field *nk = realloc(m->known, (m->n_known + 1) * sizeof *nk);
      if (!nk) break;
      m->known = nk;
      nk[m->n_known].name = strdup(name);
      snprintf(nk[m->n_known].type, sizeof nk[m->n_known].type, "%s", type);
      if (nk[m->n_known].name) m->n_known++;
    }
  }
  free(src);
}

/* placeholders: NAME: value | [values] */
static void placeholders(loader *l, sg_mapping *m, const yaml_node_t *n) {
  if (!n || n->type != YAML_MAPPING_NODE) {
    err(l, n, "%s", "placeholders must be a map of names to values (NAME: [a, b])");
    return;
  }
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    const yaml_node_t *key = node(l, p->key);
    if (!scalar(key)) { err(l, key, "%s", "placeholders: a name must be a string"); continue; }
    sg_placeholder *np = realloc(m->placeholders, (m->n_placeholders + 1) * sizeof *np);
    if (!np) return;
    m->placeholders = np;
    sg_placeholder *ph = &np[m->n_placeholders++];
    ph->name = strdup(text(key));
    ph->values = str_list(l, node(l, p->value), &ph->n, "a placeholder's values");
  }
}

const sg_placeholder *sg_placeholder_find(const sg_mapping *m, const char *name, size_t len) {
  for (size_t i = 0; i < m->n_placeholders; i++)
    if (strlen(m->placeholders[i].name) == len && !memcmp(m->placeholders[i].name, name, len)) return &m->placeholders[i];
  return NULL;
}

static bool is_file(const char *name) {
  size_t n = strlen(name);
  return strchr(name, '/') || (n > 4 && !strcmp(name + n - 4, ".yml")) || (n > 5 && !strcmp(name + n - 5, ".yaml"));
}

/* Reads a YAML file and hands its root to fn; errors (the file's, the YAML's, fn's) go to
 * report. True when there were none. */
static bool load_yaml(sg_mapping *m, const char *path, const char *stdlib, const char *what, FILE *report,
                      void (*fn)(loader *, sg_mapping *, const yaml_node_t *)) {
  size_t len;
  char *src = hnc_read_file(path, &len);
  if (!src) {
    fprintf(report, "%s: error: cannot read the %s\n", path, what);
    return false;
  }
  yaml_parser_t yp;
  yaml_document_t doc;
  yaml_parser_initialize(&yp);
  yaml_parser_set_input_string(&yp, (const unsigned char *)src, len);
  loader l = {&doc, path, stdlib, report, 0};
  hnc_yaml_problem pb;
  if (!hnc_yaml_guard(src, len, &pb)) {
    fprintf(report, "%s:%zu:%zu: error: YAML: %s\n", path, pb.line, pb.column, pb.message);
    l.errors++;
  } else if (!yaml_parser_load(&yp, &doc)) {
    fprintf(report, "%s:%zu:%zu: error: YAML: %s\n", path, yp.problem_mark.line + 1, yp.problem_mark.column + 1,
            yp.problem ? yp.problem : "syntax error");
    l.errors++;
  } else {
    fn(&l, m, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
  }
  yaml_parser_delete(&yp);
  free(src);
  return l.errors == 0;
}

bool sg_placeholders_load(sg_mapping *m, const char *path, FILE *report) {
  return load_yaml(m, path, NULL, "placeholders", report, placeholders);
}

/* A mapping file's root: every key, then the imports' fields and log sources. */
static void mapping_root(loader *l, sg_mapping *m, const yaml_node_t *root) {
  if (!root || root->type != YAML_MAPPING_NODE) {
    err(l, root, "%s", "a mapping file is a map (imports, fields, logsources...)");
  } else {
    keys(l, root, "imports unmapped keywords entities fields products logsources placeholders", "mapping");
    const yaml_node_t *n;
    if ((n = get(l, root, "imports"))) m->imports = str_list(l, n, &m->n_imports, "imports");
    if (!m->n_imports) err(l, root, "%s", "a mapping names the packs its rules import (imports: [std.windows])");
    m->unmapped = opt_str(l, root, "unmapped");
    if ((n = get(l, root, "keywords"))) m->keywords = str_list(l, n, &m->n_keywords, "keywords");
    if ((n = get(l, root, "entities"))) m->entities = str_list(l, n, &m->n_entities, "entities");
    if ((n = get(l, root, "fields"))) renames(l, n, &m->fields);
    if ((n = get(l, root, "placeholders"))) placeholders(l, m, n);
    if ((n = get(l, root, "products"))) {
      if (n->type != YAML_MAPPING_NODE) err(l, n, "%s", "products must be a map of product names");
      else {
        size_t k = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
        m->products = calloc(k ? k : 1, sizeof *m->products);
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; m->products && p < n->data.mapping.pairs.top; p++) {
          const yaml_node_t *key = node(l, p->key), *val = node(l, p->value);
          if (!scalar(key) || !val || val->type != YAML_MAPPING_NODE) { err(l, key, "%s", "products: NAME: {unmapped, fields}"); continue; }
          keys(l, val, "unmapped fields", "products");
          sg_product *pr = &m->products[m->n_products++];
          pr->product = strdup(text(key));
          pr->unmapped = opt_str(l, val, "unmapped");
          const yaml_node_t *f = get(l, val, "fields");
          if (f) renames(l, f, &pr->fields);
        }
      }
    }
    n = get(l, root, "logsources");
    if (!n || n->type != YAML_SEQUENCE_NODE) err(l, n ? n : root, "%s", "a mapping needs a list of logsources");
    else {
      size_t k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
      m->sources = calloc(k ? k : 1, sizeof *m->sources);
      for (yaml_node_item_t *it = n->data.sequence.items.start; m->sources && it < n->data.sequence.items.top; it++)
        source(l, node(l, *it), &m->sources[m->n_sources++]);
    }
    /* the imports' fields and log sources: std.X is stdlib/X.hn, another pack NAME.hn beside the mapping */
    for (size_t i = 0; i < m->n_imports; i++) {
      char pp[4096];
      if (!strncmp(m->imports[i], "std.", 4)) snprintf(pp, sizeof pp, "%s/%s.hn", l->stdlib, m->imports[i] + 4);
      else {
        const char *slash = strrchr(l->path, '/');
        snprintf(pp, sizeof pp, "%.*s%s.hn", slash ? (int)(slash - l->path + 1) : 0, l->path, m->imports[i]);
      }
      read_pack(m, pp);
    }
    for (size_t i = 0; i < m->n_sources; i++) {
      const sg_source *s = &m->sources[i];
      bool found = !s->from || !m->n_lognames;
      for (size_t j = 0; j < m->n_lognames && !found; j++) found = !strcmp(m->lognames[j], s->from);
      if (!found) {
        fprintf(l->report, "%s:%u:%u: error: no imported pack declares the log source '%s'\n", l->path, s->line, s->column, s->from);
        l->errors++;
      }
    }
  }
}

bool sg_mapping_load(sg_mapping *m, const char *name, const char *stdlib, FILE *report) {
  memset(m, 0, sizeof *m);
  char path[4096];
  if (is_file(name)) snprintf(path, sizeof path, "%s", name);
  else snprintf(path, sizeof path, "%s/sigma/%s.yml", stdlib, name);
  m->path = strdup(path);
  return load_yaml(m, path, stdlib, is_file(name) ? "mapping" : "mapping (the shipped ones: windows, ecs)", report, mapping_root);
}

void sg_mapping_free(sg_mapping *m) {
  free(m->path);
  for (size_t i = 0; i < m->n_imports; i++) free(m->imports[i]);
  free(m->imports);
  free(m->unmapped);
  for (size_t i = 0; i < m->n_keywords; i++) free(m->keywords[i]);
  free(m->keywords);
  for (size_t i = 0; i < m->n_entities; i++) free(m->entities[i]);
  free(m->entities);
  free_renames(&m->fields);
  for (size_t i = 0; i < m->n_products; i++) {
    free(m->products[i].product);
    free(m->products[i].unmapped);
    free_renames(&m->products[i].fields);
  }
  free(m->products);
  for (size_t i = 0; i < m->n_sources; i++) {
    sg_source *s = &m->sources[i];
    free(s->product);
    free(s->category);
    free(s->service);
    free(s->from);
    free(s->where);
    free(s->unmapped);
    free_renames(&s->fields);
    for (size_t j = 0; j < s->n_variants; j++) {
      free(s->variants[j].when);
      free_renames(&s->variants[j].fields);
    }
    free(s->variants);
  }
  free(m->sources);
  for (size_t i = 0; i < m->n_placeholders; i++) {
    for (size_t j = 0; j < m->placeholders[i].n; j++) free(m->placeholders[i].values[j]);
    free(m->placeholders[i].values);
    free(m->placeholders[i].name);
  }
  free(m->placeholders);
  for (size_t i = 0; i < m->n_known; i++) free(m->known[i].name);
  free(m->known);
  for (size_t i = 0; i < m->n_lognames; i++) free(m->lognames[i]);
  free(m->lognames);
  memset(m, 0, sizeof *m);
}

/* How well an entry's key fits the rule's: -1 not at all; 0 both absent (or the entry gives
 * no product: it holds for every product); 1 `*` (any value the rule gives); 2 equal. */
static int key_fit(const char *entry, const char *rule, bool product) {
  if (!entry) return !rule || product ? 0 : -1;
  if (!rule) return -1;
  if (!strcmp(entry, "*")) return 1;
  return !strcmp(entry, rule) ? 2 : -1;
}

const sg_source *sg_source_for(const sg_mapping *m, const char *product, const char *category, const char *service) {
  const sg_source *best = NULL;
  int best_fit = -1;
  for (size_t i = 0; i < m->n_sources; i++) {
    const sg_source *s = &m->sources[i];
    int p = key_fit(s->product, product, true), c = key_fit(s->category, category, false), v = key_fit(s->service, service, false);
    if (p < 0 || c < 0 || v < 0) continue;
    if (p + c + v > best_fit) best = s, best_fit = p + c + v;
  }
  return best;
}

const sg_product *sg_product_for(const sg_mapping *m, const char *product) {
  for (size_t i = 0; product && i < m->n_products; i++)
    if (!strcmp(m->products[i].product, product)) return &m->products[i];
  return NULL;
}

static const char *lookup(const sg_renames *r, const char *f) {
  for (size_t i = 0; i < r->n; i++)
    if (!strcmp(r->v[i].from, f)) return r->v[i].to;
  return NULL;
}

const char *sg_map_field(const sg_ctx *c, const char *f, char *buf, size_t len) {
  const char *to = NULL;
  if (c->variant) to = lookup(&c->variant->fields, f);
  if (!to && c->source) to = lookup(&c->source->fields, f);
  if (!to && c->product) to = lookup(&c->product->fields, f);
  if (!to) to = lookup(&c->map->fields, f);
  if (to) return to;
  const char *un = c->source && c->source->unmapped ? c->source->unmapped
                   : c->product && c->product->unmapped ? c->product->unmapped
                                                         : c->map->unmapped;
  if (!un || !strcmp(un, "keep") || sg_known_type(c->map, f)) return f;
  snprintf(buf, len, "%s%s", un, f);
  return buf;
}

const char *sg_known_type(const sg_mapping *m, const char *f) {
  for (size_t i = 0; i < m->n_known; i++)
    if (!strcmp(m->known[i].name, f)) return m->known[i].type;
  return NULL;
}
