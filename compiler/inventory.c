/* inventory.c - asset and identity inventories (lang/SPEC.md §14.1-14.2): the YAML files that
 * `assets "..."` and `identities "..."` name are read and checked here, at compile time, like
 * the packs themselves: every error (syntax, unknown key, wrong type, missing name, duplicate
 * host, an address in two hosts, a CIDR twice) is a diagnostic at its line and column in the
 * YAML file. The entries are kept in the compiler and copied into the program by lower.c.
 * Depends on libyaml and the compiler's diagnostics. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "hnc.h"
#include "pack.h"
#include "text.h"
#include "types.h"
#include "value.h"
#include "yaml_guard.h"

/* The inventory's lookup tables, made on first use (in the compiler's arena). */
static hnc_table *tab(hnc_compiler *c, void **slot) {
  if (!*slot && (*slot = hn_arena_alloc(&c->arena, sizeof(hnc_table)))) memset(*slot, 0, sizeof(hnc_table));
  return *slot;
}

/* A lowercased copy of a name, the key of the name tables (names compare case-insensitively). */
static char *folded(hnc_compiler *c, const char *s) {
  size_t n = strlen(s);
  char *d = hn_arena_alloc(&c->arena, n + 1);
  if (!d) return NULL;
  for (size_t i = 0; i <= n; i++) d[i] = (char)tolower((unsigned char)s[i]);
  return d;
}

typedef struct rd {
  hnc_compiler *c;
  yaml_document_t *doc;
  int file;              /* the YAML file as a source, for locations */
  hnc_inventory *inv;
} rd;

static hnc_loc at(const rd *r, const yaml_node_t *n) {
  int line = (int)n->start_mark.line + 1, col = (int)n->start_mark.column + 1;
  hnc_loc l = {r->file, line, col, line, col + (n->type == YAML_SCALAR_NODE ? (int)n->data.scalar.length : 1) - 1};
  return l;
}

static const char *kind_name(const yaml_node_t *n) {
  return n->type == YAML_MAPPING_NODE ? "a mapping" : n->type == YAML_SEQUENCE_NODE ? "a list" : "a scalar";
}

static bool is_scalar(const yaml_node_t *n) { return n && n->type == YAML_SCALAR_NODE; }
static const char *sval(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }
static bool plain(const yaml_node_t *n) { return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE; }

static char *keep(rd *r, const yaml_node_t *n) {
  char *s = hn_arena_strndup(&r->c->arena, sval(n), n->data.scalar.length);
  return s;
}

static bool want_string(rd *r, const yaml_node_t *n, const char *key) {
  if (is_scalar(n)) return true;
  hnc_error(r->c, at(r, n), "inventory", "'%s' must be a string, not %s", key, kind_name(n));
  return false;
}

static bool want_bool(rd *r, const yaml_node_t *n, const char *key, bool *out) {
  if (is_scalar(n) && plain(n) && (strcmp(sval(n), "true") == 0 || strcmp(sval(n), "false") == 0)) {
    *out = sval(n)[0] == 't';
    return true;
  }
  hnc_error(r->c, at(r, n), "inventory", "'%s' must be true or false", key);
  return false;
}

/* An int in [lo, hi], or (names) a severity name. */
static bool want_level(rd *r, const yaml_node_t *n, const char *key, bool names, uint8_t *out) {
  static const char *const sev[] = {"info", "low", "medium", "high", "critical"};
  if (is_scalar(n)) {
    const char *s = sval(n);
    char *end;
    long v = strtol(s, &end, 10);
    if (plain(n) && *s && !*end && v >= 1 && v <= 5) {
      *out = (uint8_t)v;
      return true;
    }
    for (int i = 0; names && i < 5; i++)
      if (strcmp(s, sev[i]) == 0) {
        *out = (uint8_t)(i + 1);
        return true;
      }
  }
  hnc_error(r->c, at(r, n), "inventory", "'%s' must be an integer from 1 to 5%s", key,
            names ? " or a severity name (info, low, medium, high, critical)" : "");
  return false;
}

/* Calls f for each string element of a list value. */
static void each_string(rd *r, const yaml_node_t *n, const char *key, void (*f)(rd *, const yaml_node_t *, void *), void *ud) {
  if (n->type != YAML_SEQUENCE_NODE) {
    hnc_error(r->c, at(r, n), "inventory", "'%s' must be a list, not %s", key, kind_name(n));
    return;
  }
  for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
    const yaml_node_t *e = yaml_document_get_node(r->doc, *it);
    if (e && want_string(r, e, key)) f(r, e, ud);
  }
}

static void unknown_key(rd *r, const yaml_node_t *k, const char *const *keys) {
  hnc_error(r->c, at(r, k), "inventory", "unknown key '%s'", sval(k));
  const char *best = NULL;
  int bd = 3;
  for (int i = 0; keys[i]; i++) {
    int d = hnc_edit_distance(sval(k), k->data.scalar.length, keys[i], strlen(keys[i]), bd);
    if (d < bd) { best = keys[i]; bd = d; }
  }
  if (best) hnc_hint(r->c, "did you mean '%s'?", best);
  else {
    char list[256] = "";
    for (int i = 0; keys[i]; i++) {
      strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
      strncat(list, keys[i], sizeof list - strlen(list) - 1);
    }
    hnc_hint(r->c, "the keys are %s", list);
  }
}

/* ---- hosts -------------------------------------------------------------------------------- */
static void *grow(hnc_compiler *c, void *v, uint32_t n, uint32_t *cap, size_t size) {
  if (n < *cap) return v;
  uint32_t nc = *cap ? *cap * 2 : 16;
  void *nv = hn_arena_alloc(&c->arena, nc * size);
  if (!nv) return NULL;
  if (n) memcpy(nv, v, n * size);
  *cap = nc;
  return nv;
}

typedef struct host_ctx {
  uint32_t asset;
  bool cidr;
} host_ctx;

static void add_addr(rd *r, const yaml_node_t *n, void *ud) {
  host_ctx *h = ud;
  hnc_inventory *inv = r->inv;
  const char *s = sval(n);
  unsigned prefix = 0;
  hn_asset_addr a;
  memset(&a, 0, sizeof a);
  bool v6 = false;
  /* ips: addresses only; cidrs: networks, a single address being a /32 or /128 */
  bool ok = h->cidr ? hn_cidr_parse(s, strlen(s), a.ip, &v6, &prefix) : hn_ip_parse(s, strlen(s), a.ip, &v6);
  if (!h->cidr) prefix = v6 ? 128 : 32;
  if (!ok) {
    hnc_error(r->c, at(r, n), "inventory", "'%s' is not %s", s, h->cidr ? "a CIDR such as 10.1.0.0/16" : "an IP address");
    return;
  }
  a.v6 = v6;
  a.prefix = (uint8_t)prefix;
  a.asset = h->asset;
  a.cidr = h->cidr;
  /* the network part only: 10.1.2.3/16 is 10.1.0.0/16 */
  for (unsigned b = prefix; b < (v6 ? 128u : 32u); b++) a.ip[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
  char *key = hn_arena_alloc(&r->c->arena, 19);
  hnc_table *t = tab(r->c, &inv->by_addr);
  if (!key || !t) return;
  key[0] = (char)a.cidr;
  key[1] = (char)a.v6;
  key[2] = (char)a.prefix;
  memcpy(key + 3, a.ip, 16);
  uintptr_t seen = (uintptr_t)hnc_table_get(t, key, 19);
  if (seen) {
    const hn_asset_addr *o = &inv->addrs[seen - 1];
    if (a.cidr)
      hnc_error(r->c, at(r, n), "inventory", "the range '%s' is listed twice", s);
    else
      hnc_error(r->c, at(r, n), "inventory", "the address '%s' belongs to two hosts", s);
    hnc_note_at(r->c, inv->addr_locs[seen - 1], "host '%s' has it", inv->assets[o->asset].name);
    return;
  }
  hnc_table_put(&r->c->arena, t, key, 19, (void *)(uintptr_t)(inv->n_addrs + 1));
  hn_asset_addr *na = grow(r->c, inv->addrs, inv->n_addrs, &inv->cap_addrs, sizeof *na);
  if (!na) return;
  if (na != inv->addrs) {
    hnc_loc *nl = hn_arena_alloc(&r->c->arena, inv->cap_addrs * sizeof *nl);
    if (!nl) return;
    if (inv->n_addrs) memcpy(nl, inv->addr_locs, inv->n_addrs * sizeof *nl);
    inv->addr_locs = nl;
  }
  inv->addrs = na;
  inv->addr_locs[inv->n_addrs] = at(r, n);
  inv->addrs[inv->n_addrs++] = a;
}

static void add_tag(rd *r, const yaml_node_t *n, void *ud) {
  hn_asset *a = ud;
  const char **nt = hn_arena_alloc(&r->c->arena, (a->n_tags + 1) * sizeof *nt);
  if (!nt) return;
  if (a->n_tags) memcpy(nt, a->tags, a->n_tags * sizeof *nt);
  nt[a->n_tags++] = keep(r, n);
  a->tags = nt;
}

static void read_vulns(rd *r, const yaml_node_t *n, hn_asset *a) {
  if (n->type != YAML_SEQUENCE_NODE) {
    hnc_error(r->c, at(r, n), "inventory", "'vulnerabilities' must be a list, not %s", kind_name(n));
    return;
  }
  static const char *const keys[] = {"id", "severity", "fixed", NULL};
  for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
    const yaml_node_t *v = yaml_document_get_node(r->doc, *it);
    if (!v) continue;
    if (v->type != YAML_MAPPING_NODE) {
      hnc_error(r->c, at(r, v), "inventory", "a vulnerability is a mapping {id, severity, fixed}, not %s", kind_name(v));
      continue;
    }
    hn_vuln x = {NULL, 0, false};
    bool given = false; /* a severity given but invalid was reported already */
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
      const yaml_node_t *k = yaml_document_get_node(r->doc, p->key), *val = yaml_document_get_node(r->doc, p->value);
      if (!is_scalar(k) || !val) continue;
      if (strcmp(sval(k), "id") == 0) { if (want_string(r, val, "id")) x.id = keep(r, val); }
      else if (strcmp(sval(k), "severity") == 0) {
        given = true;
        want_level(r, val, "severity", true, &x.severity);
      }
      else if (strcmp(sval(k), "fixed") == 0) want_bool(r, val, "fixed", &x.fixed);
      else unknown_key(r, k, keys);
    }
    if (!x.id) { hnc_error(r->c, at(r, v), "inventory", "a vulnerability needs an 'id'"); continue; }
    if (!x.severity) {
      if (!given) hnc_error(r->c, at(r, v), "inventory", "vulnerability '%s' needs a 'severity'", x.id);
      continue;
    }
    hn_vuln *nv = hn_arena_alloc(&r->c->arena, (a->n_vulns + 1) * sizeof *nv);
    if (!nv) return;
    if (a->n_vulns) memcpy(nv, a->vulns, a->n_vulns * sizeof *nv);
    nv[a->n_vulns++] = x;
    a->vulns = nv;
  }
}


static void read_host(rd *r, const yaml_node_t *n) {
  static const char *const keys[] = {"name", "ips", "cidrs", "business_unit", "owner", "role", "criticality", "tags",
                                     "managed", "vulnerabilities", NULL};
  if (n->type != YAML_MAPPING_NODE) {
    hnc_error(r->c, at(r, n), "inventory", "a host is a mapping with a name, not %s", kind_name(n));
    return;
  }
  hnc_inventory *inv = r->inv;
  hn_asset *na = grow(r->c, inv->assets, inv->n_assets, &inv->cap_assets, sizeof *na);
  if (!na) return;
  if (na != inv->assets) {
    hnc_loc *nl = hn_arena_alloc(&r->c->arena, inv->cap_assets * sizeof *nl);
    if (!nl) return;
    if (inv->n_assets) memcpy(nl, inv->asset_locs, inv->n_assets * sizeof *nl);
    inv->asset_locs = nl;
  }
  inv->assets = na;
  uint32_t ai = inv->n_assets;
  hn_asset *a = &inv->assets[ai];
  memset(a, 0, sizeof *a);
  a->criticality = 3;
  a->managed = true;
  const yaml_node_t *name = NULL, *ips = NULL, *cidrs = NULL, *tags = NULL;
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    const yaml_node_t *k = yaml_document_get_node(r->doc, p->key), *v = yaml_document_get_node(r->doc, p->value);
    if (!is_scalar(k) || !v) continue;
    const char *key = sval(k);
    if (strcmp(key, "name") == 0) { if (want_string(r, v, key)) name = v; }
    else if (strcmp(key, "ips") == 0) ips = v;
    else if (strcmp(key, "cidrs") == 0) cidrs = v;
    else if (strcmp(key, "tags") == 0) tags = v;
    else if (strcmp(key, "business_unit") == 0) { if (want_string(r, v, key)) a->business_unit = keep(r, v); }
    else if (strcmp(key, "owner") == 0) { if (want_string(r, v, key)) a->owner = keep(r, v); }
    else if (strcmp(key, "role") == 0) { if (want_string(r, v, key)) a->role = keep(r, v); }
    else if (strcmp(key, "criticality") == 0) want_level(r, v, key, false, &a->criticality);
    else if (strcmp(key, "managed") == 0) want_bool(r, v, key, &a->managed);
    else if (strcmp(key, "vulnerabilities") == 0) read_vulns(r, v, a);
    else unknown_key(r, k, keys);
  }
  if (!name) {
    hnc_error(r->c, at(r, n), "inventory", "a host needs a 'name'");
    return;
  }
  a->name = keep(r, name);
  char *fk = folded(r->c, a->name);
  hnc_table *t = tab(r->c, &inv->by_name);
  if (!fk || !t) return;
  uintptr_t seen = (uintptr_t)hnc_table_get(t, fk, strlen(fk));
  if (seen) {
    hnc_error(r->c, at(r, name), "inventory", "host '%s' is listed twice", a->name);
    hnc_note_at(r->c, inv->asset_locs[seen - 1], "the first entry for it (names compare case-insensitively)");
    return;
  }
  hnc_table_put(&r->c->arena, t, fk, strlen(fk), (void *)(uintptr_t)(ai + 1));
  inv->asset_locs[ai] = at(r, name);
  inv->n_assets++;
  host_ctx h = {ai, false};
  if (ips) each_string(r, ips, "ips", add_addr, &h);
  h.cidr = true;
  if (cidrs) each_string(r, cidrs, "cidrs", add_addr, &h);
  if (tags) each_string(r, tags, "tags", add_tag, &inv->assets[ai]);
}

/* ---- the organisation's ranges ----------------------------------------------------------------- */
static void read_range(rd *r, const yaml_node_t *n) {
  static const char *const keys[] = {"cidr", "business_unit", "managed", NULL};
  if (n->type != YAML_MAPPING_NODE) {
    hnc_error(r->c, at(r, n), "inventory", "a range is a mapping {cidr, business_unit, managed}, not %s", kind_name(n));
    return;
  }
  hn_range g;
  memset(&g, 0, sizeof g);
  g.managed = true;
  const yaml_node_t *cidr = NULL;
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    const yaml_node_t *k = yaml_document_get_node(r->doc, p->key), *v = yaml_document_get_node(r->doc, p->value);
    if (!is_scalar(k) || !v) continue;
    const char *key = sval(k);
    if (strcmp(key, "cidr") == 0) { if (want_string(r, v, key)) cidr = v; }
    else if (strcmp(key, "business_unit") == 0) { if (want_string(r, v, key)) g.business_unit = keep(r, v); }
    else if (strcmp(key, "managed") == 0) want_bool(r, v, key, &g.managed);
    else unknown_key(r, k, keys);
  }
  if (!cidr) {
    hnc_error(r->c, at(r, n), "inventory", "a range needs a 'cidr'");
    return;
  }
  const char *s = sval(cidr);
  unsigned pfx;
  bool v6 = false;
  if (!strchr(s, '/') || !hn_cidr_parse(s, strlen(s), g.ip, &v6, &pfx)) { /* a range names its prefix */
    hnc_error(r->c, at(r, cidr), "inventory", "'%s' is not a CIDR such as 10.1.0.0/16", s);
    return;
  }
  g.v6 = v6;
  g.prefix = (uint8_t)pfx;
  for (unsigned b = g.prefix; b < (v6 ? 128u : 32u); b++) g.ip[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
  hnc_inventory *inv = r->inv;
  for (uint32_t i = 0; i < inv->n_ranges; i++)
    if (inv->ranges[i].v6 == g.v6 && inv->ranges[i].prefix == g.prefix && memcmp(inv->ranges[i].ip, g.ip, 16) == 0) {
      hnc_error(r->c, at(r, cidr), "inventory", "the range '%s' is listed twice", s);
      return;
    }
  hn_range *nr = grow(r->c, inv->ranges, inv->n_ranges, &inv->cap_ranges, sizeof *nr);
  if (!nr) return;
  inv->ranges = nr;
  inv->ranges[inv->n_ranges++] = g;
}

/* ---- identities ------------------------------------------------------------------------------ */
static void read_user(rd *r, const yaml_node_t *n) {
  static const char *const keys[] = {"name", "business_unit", "privileged", "department", NULL};
  if (n->type != YAML_MAPPING_NODE) {
    hnc_error(r->c, at(r, n), "inventory", "a user is a mapping with a name, not %s", kind_name(n));
    return;
  }
  hnc_inventory *inv = r->inv;
  hn_identity u = {NULL, NULL, NULL, false};
  const yaml_node_t *name = NULL;
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    const yaml_node_t *k = yaml_document_get_node(r->doc, p->key), *v = yaml_document_get_node(r->doc, p->value);
    if (!is_scalar(k) || !v) continue;
    const char *key = sval(k);
    if (strcmp(key, "name") == 0) { if (want_string(r, v, key)) name = v; }
    else if (strcmp(key, "business_unit") == 0) { if (want_string(r, v, key)) u.business_unit = keep(r, v); }
    else if (strcmp(key, "department") == 0) { if (want_string(r, v, key)) u.department = keep(r, v); }
    else if (strcmp(key, "privileged") == 0) want_bool(r, v, key, &u.privileged);
    else unknown_key(r, k, keys);
  }
  if (!name) {
    hnc_error(r->c, at(r, n), "inventory", "a user needs a 'name'");
    return;
  }
  u.name = keep(r, name);
  char *fk = folded(r->c, u.name);
  hnc_table *t = tab(r->c, &inv->by_user);
  if (!fk || !t) return;
  uintptr_t seen = (uintptr_t)hnc_table_get(t, fk, strlen(fk));
  if (seen) {
    hnc_error(r->c, at(r, name), "inventory", "user '%s' is listed twice", u.name);
    hnc_note_at(r->c, inv->user_locs[seen - 1], "the first entry for them (names compare case-insensitively)");
    return;
  }
  hnc_table_put(&r->c->arena, t, fk, strlen(fk), (void *)(uintptr_t)(inv->n_users + 1));
  hn_identity *nu = grow(r->c, inv->users, inv->n_users, &inv->cap_users, sizeof *nu);
  if (!nu) return;
  if (nu != inv->users) {
    hnc_loc *nl = hn_arena_alloc(&r->c->arena, inv->cap_users * sizeof *nl);
    if (!nl) return;
    if (inv->n_users) memcpy(nl, inv->user_locs, inv->n_users * sizeof *nl);
    inv->user_locs = nl;
  }
  inv->users = nu;
  inv->user_locs[inv->n_users] = at(r, name);
  inv->users[inv->n_users++] = u;
}

/* Reads the inventory at path (text already loaded) into c->inventory. `named_at` is where the
 * pack names it (a note on errors); users: an identity file (`users`), else assets (`hosts`). */
void hnc_inventory_read(hnc_compiler *c, const char *path, const char *text, size_t len, bool users, hnc_loc named_at) {
  const char *what = users ? "identity inventory" : "asset inventory";
  int file = hnc_source_add(c, path, text, len);
  hnc_yaml_problem pb;
  if (!hnc_yaml_guard(text, len, &pb)) { /* a key twice (a second hosts: would replace the first), a cycle, a bomb */
    hnc_loc l = {file, (int)pb.line, (int)pb.column, (int)pb.line, (int)pb.column};
    hnc_error(c, l, "yaml", "%s: %s", what, pb.message);
    hnc_note_at(c, named_at, "the %s is named here", what);
    return;
  }
  yaml_parser_t yp;
  yaml_document_t doc;
  yaml_parser_initialize(&yp);
  yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
  if (!yaml_parser_load(&yp, &doc)) {
    int line = (int)yp.problem_mark.line + 1, col = (int)yp.problem_mark.column + 1;
    hnc_loc l = {file, line, col, line, col};
    hnc_error(c, l, "yaml", "%s: %s%s%s", what, yp.problem ? yp.problem : "syntax error", yp.context ? " " : "",
              yp.context ? yp.context : "");
    hnc_note_at(c, named_at, "the %s is named here", what);
    yaml_parser_delete(&yp);
    return;
  }
  rd r = {c, &doc, file, &c->inventory};
  const char *top = users ? "users" : "hosts";
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  const yaml_node_t *list = NULL, *ranges = NULL;
  if (root && root->type == YAML_MAPPING_NODE) {
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
      const yaml_node_t *k = yaml_document_get_node(&doc, p->key);
      if (is_scalar(k) && strcmp(sval(k), top) == 0) list = yaml_document_get_node(&doc, p->value);
      else if (is_scalar(k) && !users && strcmp(sval(k), "ranges") == 0) ranges = yaml_document_get_node(&doc, p->value);
      else if (is_scalar(k)) {
        hnc_error(c, at(&r, k), "inventory", "unknown key '%s': an %s holds %s", sval(k), what,
                  users ? "one key, 'users'" : "'hosts' and 'ranges'");
      }
    }
  }
  if (ranges && ranges->type != YAML_SEQUENCE_NODE) {
    hnc_error(c, at(&r, ranges), "inventory", "'ranges' must be a list, not %s", kind_name(ranges));
  } else if (ranges) {
    for (yaml_node_item_t *it = ranges->data.sequence.items.start; it < ranges->data.sequence.items.top; it++) {
      const yaml_node_t *e = yaml_document_get_node(&doc, *it);
      if (e) read_range(&r, e);
    }
  }
  if (root && !list && !ranges) {
    hnc_error(c, at(&r, root), "inventory", "an %s is a mapping with one key, '%s': a list of %s", what, top,
              users ? "users" : "hosts");
  } else if (list && list->type != YAML_SEQUENCE_NODE) {
    hnc_error(c, at(&r, list), "inventory", "'%s' must be a list, not %s", top, kind_name(list));
  } else if (list) {
    for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
      const yaml_node_t *e = yaml_document_get_node(&doc, *it);
      if (e) users ? read_user(&r, e) : read_host(&r, e);
    }
  }
  yaml_document_delete(&doc);
  yaml_parser_delete(&yp);
}
