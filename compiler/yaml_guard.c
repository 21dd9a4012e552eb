/* yaml_guard.c - checks a YAML text, event by event, before libyaml loads it into a document
 * (see yaml_guard.h): cycles of aliases, alias expansion, nesting depth, duplicate keys. It
 * keeps no tree: a stack of the open collections, the anchors with their expanded sizes, and
 * the keys of the open mappings. Depends on libyaml only. */
#include "yaml_guard.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define NONE UINT32_MAX

/* An anchor: how many nodes an alias to it adds, and whether its collection is still open
 * (an alias to it from inside is a cycle). A scalar's value is kept for aliases used as keys. */
typedef struct g_anchor {
  char *name;
  size_t size;
  bool open;
  char *scalar;
  size_t scalar_len;
} g_anchor;

/* A key of an open mapping, for the duplicate check at the mapping's end. */
typedef struct g_key {
  char *s;
  size_t len, line, column, seq;
} g_key;

/* An open collection. */
typedef struct g_open {
  bool map, want_key; /* a mapping, and whether its next node is a key */
  uint32_t anchor;    /* its anchor, or NONE */
  size_t start;       /* the document's node count (aliases expanded) before it */
  size_t keys;        /* its first key in keys[] */
} g_open;

typedef struct guard {
  g_anchor *an;
  size_t n_an, cap_an;
  uint32_t *tab; /* anchor name -> latest anchor of that name (open addressing) */
  size_t tab_cap;
  g_key *keys;
  size_t n_keys, cap_keys, seq;
  g_open open[HNC_YAML_MAX_DEPTH];
  size_t depth;
  size_t nodes, added; /* nodes written, nodes aliases add */
  size_t docs;         /* documents begun */
  hnc_yaml_problem *pb;
  bool failed;
} guard;

static void problem(guard *g, const yaml_mark_t *at, const char *msg) {
  if (g->failed) return;
  g->failed = true;
  g->pb->line = at ? at->line + 1 : 1;
  g->pb->column = at ? at->column + 1 : 1;
  g->pb->document = g->docs;
  snprintf(g->pb->message, sizeof g->pb->message, "%s", msg);
}

static void nomem(guard *g) { problem(g, NULL, "out of memory"); }

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* The slot of name in the anchor table: its entry, or the empty slot where it goes. */
static size_t tab_slot(const guard *g, const char *name) {
  size_t i = (size_t)hash(name) & (g->tab_cap - 1);
  while (g->tab[i] != NONE && strcmp(g->an[g->tab[i]].name, name)) i = (i + 1) & (g->tab_cap - 1);
  return i;
}

/* Keeps the table at most half full. */
static bool tab_grow(guard *g) {
  if (g->tab_cap && (g->n_an + 1) * 2 <= g->tab_cap) return true;
  size_t cap = g->tab_cap ? g->tab_cap * 2 : 64;
  uint32_t *old = g->tab, *nt = malloc(cap * sizeof *nt);
  if (!nt) return false;
  memset(nt, 0xFF, cap * sizeof *nt);
  g->tab = nt;
  g->tab_cap = cap;
  /* re-enter the latest anchor of each name */
  for (size_t i = 0; i < g->n_an; i++) g->tab[tab_slot(g, g->an[i].name)] = (uint32_t)i;
  free(old);
  return true;
}

static g_anchor *find(guard *g, const char *name) {
  if (!g->tab_cap) return NULL;
  uint32_t k = g->tab[tab_slot(g, name)];
  return k == NONE ? NULL : &g->an[k];
}

/* Registers an anchor (a later one of the same name hides the earlier, as YAML says). */
static uint32_t anchor_add(guard *g, const char *name) {
  if (!tab_grow(g)) {
    nomem(g);
    return NONE;
  }
  if (g->n_an == g->cap_an) {
    size_t cap = g->cap_an ? g->cap_an * 2 : 32;
    g_anchor *na = realloc(g->an, cap * sizeof *na);
    if (!na) {
      nomem(g);
      return NONE;
    }
    g->an = na;
    g->cap_an = cap;
  }
  g_anchor *a = &g->an[g->n_an];
  memset(a, 0, sizeof *a);
  if (!(a->name = strdup(name))) {
    nomem(g);
    return NONE;
  }
  g->tab[tab_slot(g, name)] = (uint32_t)g->n_an;
  return (uint32_t)g->n_an++;
}

static void anchors_clear(guard *g) {
  for (size_t i = 0; i < g->n_an; i++) {
    free(g->an[i].name);
    free(g->an[i].scalar);
  }
  g->n_an = 0;
  if (g->tab) memset(g->tab, 0xFF, g->tab_cap * sizeof *g->tab);
}

static void key_add(guard *g, const char *s, size_t len, const yaml_mark_t *at) {
  if (g->n_keys == g->cap_keys) {
    size_t cap = g->cap_keys ? g->cap_keys * 2 : 64;
    g_key *nk = realloc(g->keys, cap * sizeof *nk);
    if (!nk) {
      nomem(g);
      return;
    }
    g->keys = nk;
    g->cap_keys = cap;
  }
  char *c = malloc(len + 1);
  if (!c) {
    nomem(g);
    return;
  }
  memcpy(c, s, len);
  c[len] = 0;
  g->keys[g->n_keys++] = (g_key){c, len, at->line + 1, at->column + 1, g->seq++};
}

static int key_cmp(const void *a, const void *b) {
  const g_key *x = a, *y = b;
  if (x->len != y->len) return x->len < y->len ? -1 : 1;
  int c = memcmp(x->s, y->s, x->len);
  if (c) return c;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A key's text for a message: at most 60 bytes, control characters shown as '?'. */
static void key_text(const g_key *k, char *out, size_t cap) {
  size_t n = k->len < 60 ? k->len : 60, i = 0;
  for (; i < n && i + 4 < cap; i++) out[i] = (unsigned char)k->s[i] < 0x20 ? '?' : k->s[i];
  snprintf(out + i, cap - i, "%s", k->len > n ? "..." : "");
}

/* The keys of the mapping that ends: sorted, a key equal to its neighbour is a duplicate;
 * the one written first in the document among the second spellings is reported. */
static void keys_check(guard *g, size_t first) {
  g_key *k = g->keys + first;
  size_t n = g->n_keys - first;
  qsort(k, n, sizeof *k, key_cmp);
  const g_key *dup = NULL, *orig = NULL;
  for (size_t i = 1; i < n; i++)
    if (k[i].len == k[i - 1].len && !memcmp(k[i].s, k[i - 1].s, k[i].len) && (!dup || k[i].seq < dup->seq)) {
      dup = &k[i];
      size_t j = i - 1;
      while (j > 0 && k[j - 1].len == k[i].len && !memcmp(k[j - 1].s, k[i].s, k[i].len)) j--;
      orig = &k[j];
    }
  if (dup) {
    char name[80], msg[200];
    key_text(dup, name, sizeof name);
    snprintf(msg, sizeof msg, "duplicate key '%s' in a mapping (first at line %zu, column %zu)", name, orig->line,
             orig->column);
    yaml_mark_t at = {0, dup->line - 1, dup->column - 1};
    problem(g, &at, msg);
  }
  for (size_t i = first; i < g->n_keys; i++) free(g->keys[i].s);
  g->n_keys = first;
}

/* An alias: a cycle when what it names is still open; else it adds the nodes of what it names
 * (expanded), within the bound. As a key, it stands for the scalar it names. */
static void alias(guard *g, const yaml_event_t *e, bool is_key) {
  const g_anchor *a = find(g, (const char *)e->data.alias.anchor);
  if (!a) return; /* the loader reports an undefined alias */
  char msg[200];
  if (a->open) {
    snprintf(msg, sizeof msg, "the alias *%.60s is inside the node it names (a cycle)", a->name);
    problem(g, &e->start_mark, msg);
    return;
  }
  g->added += a->size - 1;
  if (g->added > HNC_YAML_MAX_ALIAS_NODES && g->added > g->nodes) {
    snprintf(msg, sizeof msg, "aliases expand to more than %d nodes (an alias bomb)", HNC_YAML_MAX_ALIAS_NODES);
    problem(g, &e->start_mark, msg);
    return;
  }
  if (is_key && a->scalar) key_add(g, a->scalar, a->scalar_len, &e->start_mark);
}

/* The node an event starts (a scalar, an alias, a collection) in its parent: a mapping's key
 * is recorded, the node counted, an anchor registered, a collection opened. */
static void node(guard *g, const yaml_event_t *e) {
  g->nodes++;
  g_open *parent = g->depth ? &g->open[g->depth - 1] : NULL;
  bool is_key = parent && parent->map && parent->want_key;
  if (parent && parent->map) parent->want_key = !parent->want_key;
  if (e->type == YAML_ALIAS_EVENT) {
    alias(g, e, is_key);
    return;
  }
  const yaml_char_t *name = e->type == YAML_SCALAR_EVENT           ? e->data.scalar.anchor
                            : e->type == YAML_SEQUENCE_START_EVENT ? e->data.sequence_start.anchor
                                                                   : e->data.mapping_start.anchor;
  uint32_t ai = name ? anchor_add(g, (const char *)name) : NONE;
  if (g->failed) return;
  if (e->type == YAML_SCALAR_EVENT) {
    const char *v = (const char *)e->data.scalar.value;
    size_t n = e->data.scalar.length;
    if (is_key) key_add(g, v, n, &e->start_mark);
    if (ai == NONE) return;
    g_anchor *a = &g->an[ai];
    a->size = 1;
    if (!(a->scalar = malloc(n + 1))) {
      nomem(g);
      return;
    }
    memcpy(a->scalar, v, n);
    a->scalar[n] = 0;
    a->scalar_len = n;
    return;
  }
  if (g->depth == HNC_YAML_MAX_DEPTH) {
    char msg[200];
    snprintf(msg, sizeof msg, "lists and mappings nested deeper than %d levels", HNC_YAML_MAX_DEPTH);
    problem(g, &e->start_mark, msg);
    return;
  }
  g->open[g->depth++] = (g_open){e->type == YAML_MAPPING_START_EVENT, true, ai, g->nodes + g->added - 1, g->n_keys};
  if (ai != NONE) g->an[ai].open = true;
}

/* A collection ends: its anchor's size is known, its keys are checked. */
static void end(guard *g) {
  if (!g->depth) return;
  g_open *o = &g->open[--g->depth];
  if (o->anchor != NONE) {
    g->an[o->anchor].open = false;
    g->an[o->anchor].size = g->nodes + g->added - o->start;
  }
  if (o->map) keys_check(g, o->keys);
}

static void guard_free(guard *g) {
  anchors_clear(g);
  for (size_t i = 0; i < g->n_keys; i++) free(g->keys[i].s);
  free(g->keys);
  free(g->an);
  free(g->tab);
}

bool hnc_yaml_guard(const char *text, size_t len, hnc_yaml_problem *pb) {
  guard g;
  memset(&g, 0, sizeof g);
  g.pb = pb;
  yaml_parser_t yp;
  if (!yaml_parser_initialize(&yp)) {
    nomem(&g);
    return false;
  }
  yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
  for (bool done = false; !done && !g.failed;) {
    yaml_event_t e;
    if (!yaml_parser_parse(&yp, &e)) break; /* a syntax error: the loader says where */
    switch (e.type) {
    case YAML_DOCUMENT_START_EVENT: /* anchors are per document */
      anchors_clear(&g);
      g.nodes = g.added = 0;
      g.docs++;
      break;
    case YAML_ALIAS_EVENT: case YAML_SCALAR_EVENT: case YAML_SEQUENCE_START_EVENT: case YAML_MAPPING_START_EVENT:
      node(&g, &e);
      break;
    case YAML_SEQUENCE_END_EVENT: case YAML_MAPPING_END_EVENT: end(&g); break;
    case YAML_STREAM_END_EVENT: done = true; break;
    default: break;
    }
    yaml_event_delete(&e);
  }
  yaml_parser_delete(&yp);
  guard_free(&g);
  return !g.failed;
}
