/* sema.c - name resolution and type checking of packs: imports and their versions, symbols,
 * schemas, and every declaration's expressions in the scope where it stands.
 * Reports through diag.c; never stops at the first error. Depends on the AST and packs. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pack.h"
#include "types.h"
#include "value.h"

#define T(k) hnc_type_base(k)

/* ---- built-in scopes -------------------------------------------------------------------- */
typedef struct builtin {
  const char *name;
  hnc_tk k, elem; /* elem: for lists */
} builtin;

static const builtin alert_fields[] = {
  {"alert.rule", TY_STRING, 0}, {"alert.title", TY_STRING, 0}, {"alert.severity", TY_INT, 0},
  {"alert.tags", TY_LIST, TY_STRING}, {"alert.tactics", TY_LIST, TY_STRING},
  {"alert.techniques", TY_LIST, TY_STRING}, {"alert.control", TY_STRING, 0},
  {"alert.service", TY_STRING, 0}, {"alert.time", TY_TIME, 0}, {"alert.count", TY_INT, 0},
  {"alert.entities", TY_LIST, TY_STRING}, {NULL, 0, 0},
};
static const builtin incident_fields[] = {
  {"incident.id", TY_STRING, 0}, {"incident.first_seen", TY_TIME, 0},
  {"incident.last_seen", TY_TIME, 0}, {"incident.detected_at", TY_TIME, 0},
  {"incident.closed_at", TY_TIME, 0}, {"incident.alert_count", TY_INT, 0},
  {"incident.severity", TY_INT, 0}, {"incident.rules", TY_LIST, TY_STRING},
  {"incident.tags", TY_LIST, TY_STRING}, {"incident.tactics", TY_LIST, TY_STRING},
  {"incident.techniques", TY_LIST, TY_STRING}, {"incident.controls", TY_LIST, TY_STRING},
  {"incident.services", TY_LIST, TY_STRING}, {"incident.hosts", TY_LIST, TY_STRING},
  {"incident.users", TY_LIST, TY_STRING}, {"incident.entities", TY_LIST, TY_STRING},
  {"incident.business_units", TY_LIST, TY_STRING}, {"incident.asset_roles", TY_LIST, TY_STRING},
  {"incident.domain", TY_STRING, 0}, {"incident.service", TY_STRING, 0},
  {"incident.state", TY_STRING, 0}, {"incident.exposed", TY_BOOL, 0},
  {"incident.assignee", TY_STRING, 0}, {"incident.sla_breached", TY_BOOL, 0},
  {"incident.sla_due", TY_TIME, 0}, {NULL, 0, 0},
};
static const builtin asset_fields[] = {
  {"asset.name", TY_STRING, 0}, {"asset.ips", TY_LIST, TY_IP},
  {"asset.business_unit", TY_STRING, 0}, {"asset.owner", TY_STRING, 0},
  {"asset.role", TY_STRING, 0}, {"asset.criticality", TY_INT, 0},
  {"asset.tags", TY_LIST, TY_STRING}, {"asset.managed", TY_BOOL, 0},
  {"asset.exposed", TY_BOOL, 0}, {"asset.exposure", TY_FLOAT, 0},
  {"asset.vuln_count", TY_INT, 0}, {"asset.max_vuln_severity", TY_INT, 0},
  {"asset.vulnerable", TY_BOOL, 0}, {NULL, 0, 0},
};

/* The rows a KPI aggregates (§15) beyond incidents, alerts and assets, and the incident fields
 * only KPIs read (the case store knows them: assignee, SLA clocks, case fields, states entered). */
static const builtin transition_fields[] = {
  {"transition.from", TY_STRING, 0}, {"transition.to", TY_STRING, 0}, {"transition.at", TY_TIME, 0},
  {"transition.actor", TY_STRING, 0}, {"transition.kind", TY_STRING, 0}, {"transition.wip", TY_INT, 0},
  {"transition.wip_limit", TY_INT, 0}, {NULL, 0, 0},
};
static const builtin sla_fields[] = {
  {"sla.service", TY_STRING, 0}, {"sla.state", TY_STRING, 0}, {"sla.due", TY_TIME, 0},
  {"sla.at", TY_TIME, 0}, {"sla.met", TY_BOOL, 0}, {"sla.breached", TY_BOOL, 0}, {NULL, 0, 0},
};
static const builtin exposure_fields[] = {
  {"exposure.name", TY_STRING, 0}, {"exposure.title", TY_STRING, 0}, {"exposure.asset", TY_STRING, 0},
  {"exposure.value", TY_STRING, 0}, {"exposure.control", TY_STRING, 0}, {"exposure.known", TY_BOOL, 0},
  {"exposure.open", TY_BOOL, 0}, {"exposure.opened", TY_TIME, 0}, {"exposure.closed", TY_TIME, 0},
  {"exposure.length", TY_DUR, 0}, {"exposure.weight", TY_FLOAT, 0}, {NULL, 0, 0},
};
static const builtin kpi_incident_fields[] = {
  {"incident.assignee", TY_STRING, 0}, {"incident.sla_breached", TY_BOOL, 0}, {"incident.sla_due", TY_TIME, 0},
  {"incident.asset", TY_STRING, 0}, {"incident.acknowledged_at", TY_TIME, 0}, {NULL, 0, 0},
};

static const char *const severities[] = {"info", "low", "medium", "high", "critical", NULL};
static const char *const statuses[] = {"experimental", "test", "stable", "deprecated",
                                       "unsupported", NULL};
static const char *const tactics[] = {
  "reconnaissance", "resource_development", "initial_access", "execution", "persistence",
  "privilege_escalation", "defense_evasion", "credential_access", "discovery",
  "lateral_movement", "collection", "command_and_control", "exfiltration", "impact", "stealth",
  "defense_impairment", NULL,
};
/* The dimensions of `by`: the runtime's table (runtime/kpi.c). */
#define kpi_dims hn_kpi_dim_names
static const struct { const char *name; hnc_tk k; } settings_tab[] = {
  {"lateness", TY_DUR}, {"horizon", TY_DUR}, {"memory", TY_INT}, {"suppress", TY_DUR},
  {"checkpoint", TY_DUR}, {"max_keys", TY_INT}, {"max_skew", TY_DUR}, {NULL, 0},
};

static int word_index(const char *const *words, const char *s, size_t n) {
  for (int i = 0; words[i]; i++)
    if (strlen(words[i]) == n && memcmp(words[i], s, n) == 0) return i;
  return -1;
}

static const char *closest_word(const char *const *words, const char *s, size_t n) {
  const char *best = NULL;
  int bd = n < 4 ? 1 : 2;
  for (int i = 0; words[i]; i++) {
    int d = hnc_edit_distance(s, n, words[i], strlen(words[i]), bd);
    if (d <= bd && (!best || d < bd)) { best = words[i]; bd = d; }
  }
  return best;
}

static const hnc_type *builtin_type(const builtin *tab, const char *s, size_t n) {
  for (; tab->name; tab++)
    if (strlen(tab->name) == n && memcmp(tab->name, s, n) == 0)
      return tab->k == TY_LIST ? hnc_type_list(T(tab->elem)) : T(tab->k);
  return NULL;
}

static bool has_prefix(const char *s, size_t n, const char *pre) {
  size_t k = strlen(pre);
  return n >= k && memcmp(s, pre, k) == 0;
}

/* ---- symbols ---------------------------------------------------------------------------- */
static int decl_ns(int kind) {
  switch (kind) {
  case N_LISTDECL: case N_MACRO: return NS_VALUE;
  case N_SCHEMA: return NS_SCHEMA;
  case N_LOGSOURCE: return NS_LOGSOURCE;
  case N_CONTROL: return NS_CONTROL;
  case N_RULE: return NS_RULE;
  case N_SCORE: return NS_SCORE;
  case N_DOMAIN: return NS_DOMAIN;
  case N_SERVICE: return NS_SERVICE;
  case N_EXPOSURE: return NS_EXPOSURE;
  case N_KPI: return NS_KPI;
  default: return -1;
  }
}

static const char *const ns_names[NS_COUNT] = {
  "list or macro", "schema", "logsource", "control", "rule", "score", "domain", "service",
  "exposure", "kpi", "test",
};

/* The name of a declaration and where it is, for diagnostics. */
static hnc_loc name_loc(const hnc_node *d) { return d->loc; }

void hnc_sema_collect(hnc_compiler *c, hnc_pack *p) {
  if (p->collected) return;
  p->collected = true;
  for (size_t f = 0; f < p->n_files; f++) {
    hnc_node *root = p->files[f].root;
    for (hnc_node *d = root ? root->list : NULL; d; d = d->next) {
      int ns = decl_ns(d->kind);
      if (ns < 0 || !d->str) continue;
      p->n_decls[ns]++;
      hnc_sym *old = hnc_table_get(&p->syms[ns], d->str, d->len);
      if (old) {
        hnc_error(c, name_loc(d), "duplicate", "%s '%s' is declared twice in pack '%s'",
                  ns == NS_VALUE ? (d->kind == N_MACRO ? "macro" : "list") : ns_names[ns], d->str, p->name);
        hnc_note_at(c, name_loc(old->decl), "the first declaration is here");
        continue;
      }
      hnc_sym *s = hn_arena_alloc(&c->arena, sizeof *s);
      if (!s) return;
      s->name = d->str;
      s->len = d->len;
      s->decl = d;
      s->pack = p;
      d->sym = s;
      hnc_table_put(&c->arena, &p->syms[ns], d->str, d->len, s);
    }
  }
}

typedef struct ectx ectx;

/* Looks a name up in the pack, then in its direct imports. Reports use of a name that two
 * imports define (without a local one). */
static hnc_sym *lookup(hnc_compiler *c, hnc_pack *p, int ns, const char *s, size_t n,
                       hnc_loc loc) {
  hnc_sym *sym = n ? hnc_table_get(&p->syms[ns], s, n) : NULL;
  if (sym) return sym;
  hnc_sym *found = NULL;
  for (size_t i = 0; i < p->n_imports; i++) {
    hnc_pack *q = p->imports[i];
    if (!q) continue;
    hnc_sym *t = hnc_table_get(&q->syms[ns], s, n);
    if (!t || t == found) continue;
    if (found) {
      hnc_error(c, loc, "ambiguous", "%s '%.*s' is ambiguous: packs '%s' and '%s' both declare it",
                ns_names[ns], (int)n, s, found->pack->name, q->name);
      return found;
    }
    found = t;
  }
  return found;
}

/* A "did you mean" over the names visible in namespace ns. */
static void suggest_sym(hnc_compiler *c, hnc_pack *p, int ns, const char *s, size_t n) {
  const char *best = NULL;
  int bd = n < 4 ? 1 : n < 8 ? 2 : 3;
  for (size_t k = 0; k <= p->n_imports; k++) {
    hnc_pack *q = k == 0 ? p : p->imports[k - 1];
    if (!q) continue;
    hnc_table *t = &q->syms[ns];
    for (size_t i = 0; i < t->cap; i++) {
      if (!t->keys[i] || !t->lens[i]) continue;
      int d = hnc_edit_distance(s, n, t->keys[i], t->lens[i], bd);
      if (d < bd || (d == bd && !best)) { best = t->keys[i]; bd = d; }
    }
  }
  if (best) hnc_hint(c, "did you mean '%s'?", best);
}

static hnc_sym *resolve(hnc_compiler *c, hnc_pack *p, int ns, hnc_node *name, const char *what) {
  if (!name || !name->str) return NULL;
  hnc_sym *s = lookup(c, p, ns, name->str, name->len, name->loc);
  if (s) {
    s->used = true;
    name->sym = s;
    return s;
  }
  if (p->import_failed) return NULL; /* the failed import may declare it: said once */
  hnc_error(c, name->loc, "unknown-name", "unknown %s '%s'", what, name->str);
  suggest_sym(c, p, ns, name->str, name->len);
  return NULL;
}

/* ---- imports -------------------------------------------------------------------------- */
static int cmp_ver(const int a[3], const int b[3]) {
  for (int i = 0; i < 3; i++)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

static bool satisfies(const int v[3], int op, const int w[3]) {
  int r = cmp_ver(v, w);
  switch (op) {
  case HNC_OP_EQ: return r == 0;
  case HNC_OP_LT: return r < 0;
  case HNC_OP_LE: return r <= 0;
  case HNC_OP_GT: return r > 0;
  case HNC_OP_GE: return r >= 0;
  case HNC_OP_NE: return r != 0;
  case HNC_OP_CARET: /* ^1.2.3: >=1.2.3, same major (or same minor when major is 0) */
    if (r < 0 || v[0] != w[0]) return false;
    return w[0] != 0 || v[1] == w[1];
  case HNC_OP_TILDE: return r >= 0 && v[0] == w[0] && v[1] == w[1];
  default: return false;
  }
}

static void check_constraints(hnc_compiler *c, hnc_node *imp, hnc_pack *q) {
  int v[3] = {0, 0, 0};
  bool have = q->version && hnc_parse_semver(q->version, v);
  for (hnc_node *k = imp->list; k; k = k->next) {
    int w[3];
    if (!k->a || !hnc_parse_semver(k->a->str, w)) {
      hnc_error(c, k->loc, "bad-version", "'%s' is not a semantic version (MAJOR.MINOR.PATCH)",
                k->a ? k->a->str : "");
      continue;
    }
    if (!have) {
      hnc_error(c, k->loc, "version-mismatch", "pack '%s' declares no version, so it cannot satisfy a constraint",
                q->name);
      continue;
    }
    if (!satisfies(v, k->op, w)) {
      hnc_error(c, k->loc, "version-mismatch", "pack '%s' is version %s, which does not satisfy this constraint",
                q->name, q->version);
      if (q->decl) hnc_note_at(c, q->decl->loc, "'%s' declares its version here", q->name);
    }
  }
}

/* The closest known pack name: loaded packs and the stdlib directory's files. */
static const char *closest_pack(hnc_compiler *c, const char *s, size_t n) {
  const char *best = NULL;
  int bd = n < 5 ? 1 : 2;
  for (size_t i = 0; i < c->n_packs; i++) {
    const char *nm = c->packs[i]->name;
    int d = hnc_edit_distance(s, n, nm, strlen(nm), bd);
    if (d <= bd && (!best || d < bd)) { best = nm; bd = d; }
  }
  DIR *dir = opendir(c->stdlib_dir);
  struct dirent *e;
  while (dir && (e = readdir(dir)) != NULL) {
    size_t k = strlen(e->d_name);
    if (k < 4 || strcmp(e->d_name + k - 3, ".hn") != 0) continue;
    char *nm = hn_arena_printf(&c->arena, "std.%.*s", (int)(k - 3), e->d_name);
    if (!nm) break;
    int d = hnc_edit_distance(s, n, nm, strlen(nm), bd);
    if (d <= bd && (!best || d < bd)) { best = nm; bd = d; }
  }
  if (dir) closedir(dir);
  return best;
}

/* The packs whose imports are being resolved, innermost first, each with the import (in the
 * pack above it) that led to it: an import of one of them closes a cycle, named whole. */
typedef struct resolving {
  hnc_pack *p;
  const hnc_node *via;
  const struct resolving *up;
} resolving;

/* Import d of at->p names q, which is being resolved further up: "a -> b -> c -> a", at d,
 * with a note at each import of the cycle. */
static void report_cycle(hnc_compiler *c, const resolving *at, const hnc_node *d, const hnc_pack *q) {
  size_t n = 1;
  for (const resolving *e = at; e && e->p != q; e = e->up) n++;
  const resolving **chain = hn_arena_alloc(&c->arena, n * sizeof *chain); /* q first, at last */
  if (!chain) return;
  size_t k = n;
  for (const resolving *e = at; e && k > 0; e = e->up) {
    chain[--k] = e;
    if (e->p == q) break;
  }
  if (k != 0) return; /* q is not above: not a cycle (cannot happen) */
  char *names = hn_arena_printf(&c->arena, "%s", q->name);
  for (size_t i = 1; i < n && names; i++) names = hn_arena_printf(&c->arena, "%s -> %s", names, chain[i]->p->name);
  if (!names) return;
  hnc_error(c, d->loc, "import-cycle", "import cycle: %s -> %s", names, q->name);
  for (size_t i = 1; i < n; i++)
    hnc_note_at(c, chain[i]->via->loc, "'%s' imports '%s' here", chain[i - 1]->p->name, chain[i]->p->name);
}

static void resolve_imports(hnc_compiler *c, hnc_pack *p, const hnc_node *via, const resolving *up) {
  if (p->visit == 2) return;
  p->visit = 1;
  resolving self = {p, via, up};
  size_t n = 0;
  for (size_t f = 0; f < p->n_files; f++)
    for (hnc_node *d = p->files[f].root ? p->files[f].root->list : NULL; d; d = d->next)
      n += d->kind == N_IMPORT;
  p->imports = hn_arena_alloc(&c->arena, (n + 1) * sizeof *p->imports);
  p->import_decls = hn_arena_alloc(&c->arena, (n + 1) * sizeof *p->import_decls);
  if (!p->imports || !p->import_decls) return;
  for (size_t f = 0; f < p->n_files; f++) {
    for (hnc_node *d = p->files[f].root ? p->files[f].root->list : NULL; d; d = d->next) {
      if (d->kind != N_IMPORT || !d->str) continue;
      if (!hnc_pack_name_ok(d->str, d->len)) {
        p->import_failed = true;
        hnc_error(c, d->loc, "bad-pack-name", "'%s' is not a pack name: a pack name is identifiers joined by '.'", d->str);
        continue;
      }
      hnc_pack *q = hnc_pack_load(c, d->str, d->len, d);
      if (!q) {
        p->import_failed = true;
        hnc_error(c, d->loc, "unknown-pack", "cannot find pack '%s'", d->str);
        const char *near = closest_pack(c, d->str, d->len);
        if (near) hnc_hint(c, "did you mean '%s'?", near);
        else if (has_prefix(d->str, d->len, "std."))
          hnc_hint(c, "standard packs are looked up in %s (set HORNET_STDLIB or --stdlib)", c->stdlib_dir);
        else
          hnc_hint(c, "packs are looked up in -I directories, then $HORNET_PATH");
        continue;
      }
      if (q == p) {
        hnc_error(c, d->loc, "import-cycle", "pack '%s' imports itself", p->name);
        continue;
      }
      for (size_t i = 0; i < p->n_imports; i++)
        if (p->imports[i] == q) {
          /* each file of a pack may import what it uses (§3.4): constraints add up; twice in
           * one file is a slip */
          if (p->import_decls[i]->loc.file == d->loc.file) {
            hnc_error(c, d->loc, "duplicate", "pack '%s' is imported twice", q->name);
            hnc_note_at(c, p->import_decls[i]->loc, "the first import is here");
          } else {
            check_constraints(c, d, q);
          }
          q = NULL;
          break;
        }
      if (!q) continue;
      hnc_sema_collect(c, q);
      if (q->visit == 1) {
        report_cycle(c, &self, d, q);
        continue;
      }
      resolve_imports(c, q, d, &self);
      check_constraints(c, d, q);
      p->import_decls[p->n_imports] = d;
      p->imports[p->n_imports++] = q;
    }
  }
  p->visit = 2;
}

/* ---- fields --------------------------------------------------------------------------- */
static const hnc_type *node_type(hnc_compiler *c, hnc_node *t) {
  if (!t) return T(TY_ERR);
  if (t->len == 4 && memcmp(t->str, "list", 4) == 0 && t->a) {
    const hnc_type *e = node_type(c, t->a);
    if (e->k == TY_ERR) return e;
    const hnc_type *l = hnc_type_list(e);
    if (!l) {
      hnc_error(c, t->a->loc, "bad-type", "lists of lists are not supported");
      return T(TY_ERR);
    }
    return l;
  }
  const hnc_type *b = hnc_type_by_name(t->str, t->len);
  if (!b) {
    static const char *const tn[] = {"string", "int", "float", "bool", "ip", "cidr",
                                     "timestamp", "duration", "list", NULL};
    hnc_error(c, t->loc, "bad-type", "unknown type '%s'", t->str);
    const char *s = closest_word(tn, t->str, t->len);
    if (s) hnc_hint(c, "did you mean '%s'?", s);
    else hnc_hint(c, "types are string, int, float, bool, ip, cidr, timestamp, duration, list<T>");
    return T(TY_ERR);
  }
  return b;
}

static void add_field(hnc_compiler *c, hnc_pack *p, hnc_field *f) {
  hnc_field *old = hnc_table_get(&p->fields, f->name, f->len);
  if (old == f) return;
  if (old) {
    if (old->type != f->type && old->type->k != TY_ERR && f->type->k != TY_ERR) {
      hnc_error(c, f->decl->loc, "field-conflict", "field '%s' is declared as %s here and as %s elsewhere",
                f->name, hnc_type_name(f->type), hnc_type_name(old->type));
      hnc_note_at(c, old->decl->loc, "the other declaration");
      /* uses of the field are not checked against either type: one error, not one per use */
      hnc_field *poison = hn_arena_alloc(&c->arena, sizeof *poison);
      if (poison) {
        *poison = *f;
        poison->type = T(TY_ERR);
        hnc_table_put(&c->arena, &p->fields, f->name, f->len, poison);
      }
    }
    return;
  }
  hnc_table_put(&c->arena, &p->fields, f->name, f->len, f);
}

static void set_time_field(hnc_compiler *c, hnc_pack *p, const hnc_field *f, hnc_loc loc) {
  if (!p->time_field) {
    p->time_field = f;
    return;
  }
  if (p->time_field->len == f->len && memcmp(p->time_field->name, f->name, f->len) == 0) return;
  hnc_error(c, loc, "time-field", "two event-time fields: '%s' here and '%s' elsewhere", f->name,
            p->time_field->name);
  hnc_note_at(c, p->time_field->decl->loc, "the other event-time field's declaration");
}

static void build_fields(hnc_compiler *c, hnc_pack *p) {
  if (p->fields_done) return;
  p->fields_done = true;
  for (size_t i = 0; i < p->n_imports; i++) {
    hnc_pack *q = p->imports[i];
    if (!q) continue;
    build_fields(c, q);
    for (size_t k = 0; k < q->fields.cap; k++)
      if (q->fields.keys[k]) add_field(c, p, q->fields.vals[k]);
    if (q->time_field) set_time_field(c, p, q->time_field, p->import_decls[i]->loc);
  }
  for (size_t f = 0; f < p->n_files; f++) {
    for (hnc_node *d = p->files[f].root ? p->files[f].root->list : NULL; d; d = d->next) {
      if (d->kind != N_SCHEMA) continue;
      for (hnc_node *it = d->list; it; it = it->next) {
        if (it->kind != N_FIELD || !it->a) continue;
        hnc_field *fd = hn_arena_alloc(&c->arena, sizeof *fd);
        if (!fd) return;
        fd->name = it->a->str;
        fd->len = it->a->len;
        fd->type = node_type(c, it->b);
        fd->decl = it->a;
        hnc_field *old = hnc_table_get(&p->fields, fd->name, fd->len);
        if (old && old->decl && old->decl->loc.file == fd->decl->loc.file &&
            old->type == fd->type) {
          hnc_error(c, it->a->loc, "duplicate", "field '%s' is declared twice", fd->name);
          hnc_note_at(c, old->decl->loc, "the first declaration is here");
          continue;
        }
        add_field(c, p, fd);
      }
    }
  }
  /* time fields after all fields, so a schema may name a field declared below or elsewhere */
  for (size_t f = 0; f < p->n_files; f++) {
    for (hnc_node *d = p->files[f].root ? p->files[f].root->list : NULL; d; d = d->next) {
      if (d->kind != N_SCHEMA) continue;
      for (hnc_node *it = d->list; it; it = it->next) {
        if (it->kind != N_TIMEFIELD || !it->a) continue;
        hnc_field *fd = hnc_table_get(&p->fields, it->a->str, it->a->len);
        if (!fd) { /* `time f` declares f as a timestamp when nothing else declares it */
          fd = hn_arena_alloc(&c->arena, sizeof *fd);
          if (!fd) return;
          fd->name = it->a->str;
          fd->len = it->a->len;
          fd->type = T(TY_TIME);
          fd->decl = it->a;
          add_field(c, p, fd);
        }
        if (fd->type->k != TY_TIME && fd->type->k != TY_ERR) {
          hnc_error(c, it->a->loc, "type", "the event-time field '%s' must be a timestamp, not %s",
                    fd->name, hnc_type_name(fd->type));
          continue;
        }
        set_time_field(c, p, fd, it->a->loc);
      }
    }
  }
}

/* "did you mean": over the schema's fields (when p is given), the built-in tables, and, for a
 * bare name, the lists and macros in sight. */
static void suggest_field(hnc_compiler *c, hnc_pack *p, const char *s, size_t n,
                          const builtin *extra1, const builtin *extra2) {
  const char *best = NULL;
  const char *what = "";
  int bd = n < 6 ? 1 : n < 12 ? 2 : 3;
  for (size_t i = 0; p && i < p->fields.cap; i++) {
    if (!p->fields.keys[i]) continue;
    int d = hnc_edit_distance(s, n, p->fields.keys[i], p->fields.lens[i], bd);
    if (d < bd || (d == bd && !best)) { best = p->fields.keys[i]; bd = d; }
  }
  for (size_t k = 0; p && !memchr(s, '.', n) && k <= p->n_imports; k++) {
    hnc_pack *q = k == 0 ? p : p->imports[k - 1];
    hnc_table *t = q ? &q->syms[NS_VALUE] : NULL;
    for (size_t i = 0; t && i < t->cap; i++) {
      if (!t->keys[i]) continue;
      int d = hnc_edit_distance(s, n, t->keys[i], t->lens[i], bd);
      if (d < bd || (d == bd && !best)) {
        best = t->keys[i];
        bd = d;
        what = ((hnc_sym *)t->vals[i])->decl->kind == N_MACRO ? "the macro " : "the list ";
      }
    }
  }
  const builtin *tabs[2] = {extra1, extra2};
  for (int k = 0; k < 2; k++)
    for (const builtin *b = tabs[k]; b && b->name; b++) {
      int d = hnc_edit_distance(s, n, b->name, strlen(b->name), bd);
      if (d < bd || (d == bd && !best)) { best = b->name; bd = d; }
    }
  if (best) hnc_hint(c, "did you mean %s'%s'?", what, best);
}

/* A field name used as a value that is the prefix of declared fields: say so. */
static const char *object_example(hnc_pack *p, const char *s, size_t n) {
  /* prefer X.name, then the shortest field under X */
  const char *best = NULL;
  size_t best_rank = SIZE_MAX;
  for (size_t i = 0; i < p->fields.cap; i++) {
    const char *k = p->fields.keys[i];
    size_t kl = p->fields.lens[i];
    if (!k || kl <= n || memcmp(k, s, n) != 0 || k[n] != '.') continue;
    size_t rank = (kl == n + 5 && memcmp(k + n, ".name", 5) == 0) ? 0 : kl;
    if (rank < best_rank || (rank == best_rank && strcmp(k, best) < 0)) {
      best = k;
      best_rank = rank;
    }
  }
  return best;
}

/* ---- expressions ------------------------------------------------------------------------ */
enum scope { SC_EVENT, SC_INCIDENT, SC_ASSET, SC_KPI };

struct ectx {
  hnc_compiler *c;
  hnc_pack *p;
  int scope;
  bool alert_fields;   /* a rule over other rules' alerts: alert.* is visible */
  bool agg_ok;         /* aggregates are allowed here (having, score, kpi value) */
  bool in_agg;         /* inside an aggregate's argument */
  bool used_agg;       /* an aggregate was used */
  bool kpi_value;      /* a KPI's value: every field stands inside an aggregate */
  unsigned kpi_roots;  /* the rows the aggregate being checked reads (bits of hn_kpi_root) */
  hnc_node *kpi_bare;  /* the first field of a KPI value outside any aggregate */
  hnc_node *steps;     /* the sequence's steps, for $step references */
  hnc_node *cur_step;  /* the step being checked: only earlier steps may be referenced */
  /* the size of the expression with its macros expanded, as the back ends will see it */
  uint32_t depth;      /* levels above the node being checked (an and/or chain is one) */
  uint32_t max_depth;  /* the deepest level reached */
  uint64_t nodes;      /* nodes so far */
  const hnc_sym *macro; /* the macro whose body is checked, for messages */
  bool reported;       /* the expression was said to be too deep or too large */
};

static const hnc_type *ex(ectx *x, hnc_node *n);
static void ectx_for(ectx *x, hnc_compiler *c, hnc_pack *p, int scope);

/* Macros expand where they are used, so what they nest and hold adds up: a chain of macros can
 * nest deeper than HNC_MAX_DEPTH (the parser bounds each expression alone), and macros that use
 * a macro twice, each, double at every step. The bound on nodes keeps such a pack from
 * expanding without end in the back ends (lang/SPEC.md §18.4). */
#define HNC_MAX_EXPANSION 1000000

/* A use of macro s whose body stands `at` levels deep: its levels and nodes add to x's. */
static bool macro_fits(ectx *x, const hnc_sym *s, hnc_node *use, uint32_t at) {
  if (s->too_big) { /* said where it happened: not again at each use */
    x->reported = true;
    return false;
  }
  uint32_t total = at + s->depth;
  if (total > x->max_depth) x->max_depth = total;
  x->nodes = x->nodes + s->size < HNC_MAX_EXPANSION * 2ull ? x->nodes + s->size : HNC_MAX_EXPANSION * 2ull;
  if (x->reported) return total <= HNC_MAX_DEPTH && x->nodes <= HNC_MAX_EXPANSION;
  if (total > HNC_MAX_DEPTH) {
    hnc_error(x->c, use->loc, "nesting", "nested too deeply with macro '%s' expanded (%u levels, more than %d)",
              s->name, total, HNC_MAX_DEPTH);
  } else if (x->nodes > HNC_MAX_EXPANSION) {
    hnc_error(x->c, use->loc, "expansion", "with macro '%s' expanded this expression has more than %d nodes",
              s->name, HNC_MAX_EXPANSION);
    hnc_hint(x->c, "a macro that uses another twice doubles it: use each macro once per macro");
  } else {
    return true;
  }
  hnc_note_at(x->c, s->decl->loc, "'%s' is declared here", s->name);
  x->reported = true;
  return false;
}

/* The type of a macro's body, checked on first use (macros may use macros declared later),
 * where the use stands (`at` levels deep), so that a chain of macros stops at the bound.
 * decl->i: 0 unchecked, 1 being checked (a use now is a cycle), 2 done. */
static const hnc_type *macro_type(ectx *x, hnc_sym *s, hnc_node *use, uint32_t at) {
  hnc_node *m = s->decl;
  if (m->i == 1) {
    hnc_error(x->c, use->loc, "macro-cycle", "macro '%s' is used inside its own definition (a cycle of macros)", m->str);
    hnc_note_at(x->c, m->loc, "'%s' is declared here", m->str);
    return T(TY_ERR);
  }
  if (m->i == 0) {
    m->i = 1;
    ectx y;
    ectx_for(&y, x->c, s->pack, SC_EVENT);
    y.depth = y.max_depth = at;
    y.macro = s;
    ex(&y, m->a);
    m->i = 2;
    s->depth = y.max_depth - at;
    s->size = y.nodes;
    s->too_big = y.reported;
  }
  if (!macro_fits(x, s, use, at)) return T(TY_ERR);
  return m->a && m->a->type ? m->a->type : T(TY_ERR);
}

static bool is_num(const hnc_type *t) { return t->k == TY_INT || t->k == TY_FLOAT; }
static bool is_err(const hnc_type *t) { return t->k == TY_ERR; }
/* The element type a predicate compares: lists apply predicates to each element. */
static const hnc_type *scalar(const hnc_type *t) { return t->k == TY_LIST && t->elem ? t->elem : t; }

static void type_error(ectx *x, hnc_node *n, const char *fmt, const hnc_type *a, const hnc_type *b) {
  hnc_error(x->c, n->loc, "type", fmt, hnc_type_name(a), hnc_type_name(b));
}

/* did you mean the nearest tactic to tac (spelt with `_`), in its `-` spelling (§10.3) */
static void hint_tactic(hnc_compiler *c, const char *prefix, const char *tac, size_t n) {
  const char *best = closest_word(tactics, tac, n);
  if (!best) return;
  char dash[64];
  snprintf(dash, sizeof dash, "%s", best);
  for (char *d = dash; *d; d++) *d = *d == '_' ? '-' : *d;
  hnc_hint(c, "did you mean '%s%s'?", prefix, dash);
}

/* `incident.tactics has "..."` (or alert.tactics): a name that is no ATT&CK tactic, in either
 * spelling, can never be there (§10.3). */
static void check_tactic_literal(ectx *x, const hnc_node *list, const hnc_node *v) {
  if (list->kind != N_PATH || v->kind != N_STRING) return;
  if (!(list->len == 16 && memcmp(list->str, "incident.tactics", 16) == 0) &&
      !(list->len == 13 && memcmp(list->str, "alert.tactics", 13) == 0))
    return;
  char tac[64];
  size_t n = v->len < sizeof tac - 1 ? v->len : sizeof tac - 1;
  for (size_t i = 0; i < n; i++) tac[i] = v->str[i] == '-' ? '_' : (char)tolower((unsigned char)v->str[i]);
  tac[n] = 0;
  if (word_index(tactics, tac, n) >= 0) return;
  hnc_warning(x->c, v->loc, "tag-format", "'%s' is not an ATT&CK tactic: %s never holds it", v->str, list->str);
  hint_tactic(x->c, "", tac, n);
}

/* ---- KPI scope (§15): rows of six kinds, each aggregate over one ------------------------ */
/* In hn_kpi_root order (runtime/program.h). */
static const struct { const char *root, *what; const builtin *fields; } kpi_rows[] = {
  {"incident", "incident", incident_fields}, {"alert", "alert", alert_fields}, {"asset", "asset", asset_fields},
  {"transition", "transition", transition_fields}, {"sla", "SLA event", sla_fields},
  {"exposure", "exposure window", exposure_fields},
};
enum { KPI_ROWS = sizeof kpi_rows / sizeof kpi_rows[0] };

/* The row kind a path belongs to ("transition.to": transition), or -1. */
static int kpi_row_of(const char *s, size_t len) {
  for (int r = 0; r < KPI_ROWS; r++) {
    size_t k = strlen(kpi_rows[r].root);
    if (len > k + 1 && memcmp(s, kpi_rows[r].root, k) == 0 && s[k] == '.') return r;
  }
  return -1;
}

/* A field of a KPI row: the row's built-ins, then the incident's KPI-only fields and its
 * open-ended ones (incident.case.NAME, a case field; incident.entered.STATE, when it first
 * entered a state). */
static const hnc_type *kpi_field(int row, const char *s, size_t len) {
  const hnc_type *t = builtin_type(kpi_rows[row].fields, s, len);
  if (t || row != 0) return t;
  if ((t = builtin_type(kpi_incident_fields, s, len))) return t;
  if (has_prefix(s, len, "incident.case.") && len > 14 && !memchr(s + 14, '.', len - 14)) return T(TY_STRING);
  if (has_prefix(s, len, "incident.entered.") && len > 17 && !memchr(s + 17, '.', len - 17)) return T(TY_TIME);
  return NULL;
}

static const hnc_type *kpi_path_type(ectx *x, hnc_node *n) {
  const char *s = n->str;
  size_t len = n->len;
  if (len == 3 && memcmp(s, "now", 3) == 0) return T(TY_TIME);
  int row = kpi_row_of(s, len);
  if (row < 0) {
    hnc_error(x->c, n->loc, "scope", "unknown name '%s' here: a KPI reads incident.*, alert.*, asset.*, transition.*, "
              "sla.*, exposure.* and now", s);
    suggest_field(x->c, NULL, s, len, incident_fields, kpi_incident_fields);
    return T(TY_ERR);
  }
  if (!x->in_agg && x->kpi_value && !x->kpi_bare) x->kpi_bare = n; /* reported by check_kpi, once */
  if (!x->in_agg && !x->kpi_value && row != 0 && row != 2) {
    hnc_error(x->c, n->loc, "scope", "'%s' is one %s among many: a KPI's where reads the incident (incident.*, its "
              "asset.*, now)", s, kpi_rows[row].what);
    hnc_hint(x->c, "count such rows in the value instead, e.g. count(%s)", kpi_rows[row].root);
    return T(TY_ERR);
  }
  const hnc_type *t = kpi_field(row, s, len);
  if (!t) {
    hnc_error(x->c, n->loc, "unknown-field", "unknown %s field '%s'", kpi_rows[row].what, s);
    suggest_field(x->c, NULL, s, len, kpi_rows[row].fields, row == 0 ? kpi_incident_fields : NULL);
    return T(TY_ERR);
  }
  if (x->in_agg) x->kpi_roots |= 1u << row;
  return t;
}

static const hnc_type *path_type(ectx *x, hnc_node *n) {
  hnc_compiler *c = x->c;
  const char *s = n->str;
  size_t len = n->len;
  const hnc_type *t = NULL;
  if (x->scope == SC_KPI) return kpi_path_type(x, n);
  if (has_prefix(s, len, "alert.")) {
    if (x->alert_fields || (x->in_agg && x->scope == SC_INCIDENT)) {
      t = builtin_type(alert_fields, s, len);
      if (t) return t;
      hnc_field *f = x->alert_fields ? hnc_table_get(&x->p->fields, s, len) : NULL;
      if (f) return f->type; /* an event field that happens to begin with alert. */
      hnc_error(c, n->loc, "unknown-field", "unknown alert field '%s'", s);
      suggest_field(c, x->p, s, len, alert_fields, NULL);
      return T(TY_ERR);
    }
    if (x->scope == SC_INCIDENT && builtin_type(alert_fields, s, len)) {
      hnc_error(c, n->loc, "scope", "'%s' names one alert: use it inside an aggregate such as max(%s)", s, s);
      return T(TY_ERR);
    }
  }
  if (has_prefix(s, len, "incident.") && (x->scope == SC_INCIDENT || x->scope == SC_KPI)) {
    t = builtin_type(incident_fields, s, len);
    if (t) return t;
    /* case fields are free values analysts record (§13): any name, read as a string */
    if (has_prefix(s, len, "incident.case.") && len > 14 && !memchr(s + 14, '.', len - 14)) return T(TY_STRING);
    hnc_error(c, n->loc, "unknown-field", "unknown incident field '%s'", s);
    suggest_field(c, x->p, s, len, incident_fields, NULL);
    return T(TY_ERR);
  }
  if (has_prefix(s, len, "asset.") && x->scope != SC_EVENT) {
    t = builtin_type(asset_fields, s, len);
    if (t) return t;
    hnc_error(c, n->loc, "unknown-field", "unknown asset field '%s'", s);
    suggest_field(c, x->p, s, len, asset_fields, NULL);
    return T(TY_ERR);
  }
  if (len == 3 && memcmp(s, "now", 3) == 0 && x->scope != SC_EVENT) return T(TY_TIME);
  if (x->scope == SC_EVENT || x->alert_fields) {
    hnc_field *f = hnc_table_get(&x->p->fields, s, len);
    if (f) return f->type;
  }
  if (x->p->import_failed) return T(TY_ERR); /* the failed import may declare it: said once */
  if (x->scope == SC_EVENT && has_prefix(s, len, "alert.") && builtin_type(alert_fields, s, len)) {
    hnc_error(c, n->loc, "scope", "'%s' is not an event field: alert.* exists in a rule that reads other rules' alerts", s);
    hnc_hint(c, "add: from RULE, naming the rule whose alerts this one reads");
    return T(TY_ERR);
  }
  if (x->scope == SC_EVENT && ((has_prefix(s, len, "incident.") && builtin_type(incident_fields, s, len)) ||
                               (has_prefix(s, len, "asset.") && builtin_type(asset_fields, s, len)) ||
                               (len == 3 && memcmp(s, "now", 3) == 0))) {
    hnc_error(c, n->loc, "scope", "'%s' is not an event field: incident.*, asset.* and now are seen by score, domain and kpi", s);
    return T(TY_ERR);
  }
  /* not found: the most helpful message for where it stands */
  const char *ex1 = x->scope == SC_EVENT ? object_example(x->p, s, len) : NULL;
  if (ex1) {
    hnc_error(c, n->loc, "unknown-field", "'%s' is an object in the schema, not a field", s);
    hnc_hint(c, "name one of its fields, such as '%s'", ex1);
    return T(TY_ERR);
  }
  if (x->scope == SC_EVENT) {
    if (!x->p->fields.n) {
      hnc_error(c, n->loc, "unknown-field", "unknown field '%s': this pack has no schema", s);
      hnc_hint(c, "import a schema pack such as std.ecs or std.windows, or declare a schema");
      return T(TY_ERR);
    }
    hnc_error(c, n->loc, "unknown-field", "unknown field '%s'", s);
    suggest_field(c, x->p, s, len, x->alert_fields ? alert_fields : NULL, NULL);
    if (memchr(s, '-', len) && memchr(s, '.', len))
      hnc_hint(c, "'-' inside a dotted name is part of the name: put spaces around '-' to subtract");
  } else {
    const char *where = x->scope == SC_ASSET ? "asset.*"
                        : x->scope == SC_KPI ? "incident.*, now"
                                             : "incident.*, asset.*, now, and alert.* inside aggregates";
    hnc_error(c, n->loc, "scope", "unknown name '%s' here: this expression sees %s", s, where);
    suggest_field(c, NULL, s, len, x->scope == SC_ASSET ? asset_fields : incident_fields,
                  x->scope == SC_INCIDENT ? asset_fields : NULL);
  }
  return T(TY_ERR);
}

/* A bare name or a dotted path in an expression. */
static const hnc_type *name_type(ectx *x, hnc_node *n) {
  if (!memchr(n->str, '.', n->len) && n->str[0] != '`') {
    hnc_sym *s = lookup(x->c, x->p, NS_VALUE, n->str, n->len, n->loc);
    if (s) {
      s->used = true;
      n->sym = s;
      if (s->decl->kind == N_MACRO) {
        if (x->scope != SC_EVENT) {
          hnc_error(x->c, n->loc, "scope", "macro '%s' is over event fields and cannot be used here", n->str);
          return T(TY_ERR);
        }
        return macro_type(x, s, n, x->depth - 1); /* the body stands where the use does */
      }
      hnc_error(x->c, n->loc, "type", "list '%s' can only follow in, contains, startswith, endswith, like or matches", n->str);
      return T(TY_ERR);
    }
    if (word_index(severities, n->str, n->len) >= 0) return T(TY_INT);
  }
  return path_type(x, n);
}

/* Literal transforms: they turn strings into the alternatives a string operator looks for. */
static const char *const transforms[] = {"base64", "base64offset", "wide", "utf16le", "utf16be",
                                         "windash", NULL};

/* The literal strings of a transform's argument: a string or a list of strings. */
static bool const_strings(ectx *x, hnc_node *a) {
  if (a->kind == N_STRING) return true;
  /* transforms compose as Sigma's modifiers do: base64offset(wide("...")) */
  if (a->kind == N_CALL && word_index(transforms, a->str, a->len) >= 0) return true;
  if (a->kind == N_LISTLIT) {
    for (hnc_node *e = a->list; e; e = e->next)
      if (e->kind != N_STRING) return false;
    return true;
  }
  if (a->kind == N_PATH) {
    hnc_sym *s = lookup(x->c, x->p, NS_VALUE, a->str, a->len, a->loc);
    if (s && s->decl->kind == N_LISTDECL) {
      s->used = true;
      a->sym = s;
      return true;
    }
  }
  return false;
}

/* windash() of a string with too many dashes: 5^k variants, so k is bounded (§6.15). */
static void check_windash(ectx *x, const hnc_node *a) {
  if (a->kind == N_LISTLIT || (a->kind == N_PATH && a->sym && a->sym->decl->kind == N_LISTDECL)) {
    for (const hnc_node *e = a->kind == N_LISTLIT ? a->list : a->sym->decl->list; e; e = e->next)
      if (e->kind == N_STRING) check_windash(x, e);
    return;
  }
  size_t k = a->kind == N_STRING ? hnc_windash_count(a->str, a->len) : 0;
  if (k > HNC_WINDASH_MAX)
    hnc_error(x->c, a->loc, "windash", "windash() varies at most %d dashes in one string; this one has %zu",
              HNC_WINDASH_MAX, k);
}

static const char *const aggregates[] = {"count", "distinct", "sum", "avg", "min", "max", "percentile", NULL};
static const char *const functions[] = {"lower", "upper", "len", "abs", "ip", "cidr", "decay", "inventoried", "in_ranges",
                                        "base64", "base64offset", "wide", "utf16le", "utf16be",
                                        "windash", "count", "distinct", "sum", "avg", "min", "max",
                                        "percentile", "minute", "hour", "day", "week", "month", "year", NULL};

static int nargs(hnc_node *n) { return (int)hnc_list_len(n->list); }

static bool want_args(ectx *x, hnc_node *n, int want) {
  if (nargs(n) == want) return true;
  hnc_error(x->c, n->loc, "arity", "%s() takes %d argument%s, not %d", n->str, want,
            want == 1 ? "" : "s", nargs(n));
  return false;
}

/* count(incident), count(transition)...: the rows themselves; in a KPI the call's i records
 * which (hn_kpi_root + 1). */
static const hnc_type *kpi_count_rows(ectx *x, hnc_node *n, hnc_node *a) {
  for (int r = 0; r < KPI_ROWS && x->scope == SC_KPI; r++)
    if (strlen(kpi_rows[r].root) == a->len && memcmp(a->str, kpi_rows[r].root, a->len) == 0) n->i = r + 1;
  return T(TY_INT);
}

/* An aggregate of a KPI reads one kind of row (§15): the one its paths name, incidents when
 * they name none (count(), count(now > ...)). Recorded in the call's i (hn_kpi_root + 1). */
static bool kpi_one_row(ectx *x, hnc_node *n) {
  unsigned m = x->kpi_roots;
  if (m & (m - 1)) {
    const char *a = NULL, *b = NULL;
    for (int r = 0; r < KPI_ROWS; r++)
      if (m & (1u << r)) { if (!a) a = kpi_rows[r].root; else if (!b) b = kpi_rows[r].root; }
    hnc_error(x->c, n->loc, "kpi-shape", "%s() reads %s.* and %s.*: an aggregate is over one kind of row", n->str, a, b);
    hnc_hint(x->c, "aggregate each kind of row on its own and combine the aggregates: count(%s) / count(%s)", a, b);
    return false;
  }
  n->i = 1;
  for (int r = 0; r < KPI_ROWS; r++)
    if (m & (1u << r)) n->i = r + 1;
  return true;
}

static const hnc_type *aggregate_type(ectx *x, hnc_node *n) {
  if (!x->agg_ok) {
    hnc_error(x->c, n->loc, "scope", "aggregate %s() is only allowed in having, score and kpi value", n->str);
    return T(TY_ERR);
  }
  if (x->in_agg) {
    hnc_error(x->c, n->loc, "scope", "aggregates cannot be nested");
    return T(TY_ERR);
  }
  x->used_agg = true;
  bool is_count = strcmp(n->str, "count") == 0, is_pct = strcmp(n->str, "percentile") == 0;
  if (is_count && nargs(n) == 0) return T(TY_INT);
  if (!want_args(x, n, is_pct ? 2 : 1)) return T(TY_ERR);
  if (is_pct) { /* percentile(e, P): P a number from 0 to 100, written out; over a window's events */
    hnc_node *p = n->list->next;
    double v = p->kind == N_INT ? (double)p->i : p->kind == N_FLOAT ? p->f : -1;
    if (v < 0 || v > 100) {
      hnc_error(x->c, p->loc, "type", "percentile() takes the percentile as a number from 0 to 100");
      return T(TY_ERR);
    }
    if (x->scope != SC_EVENT) {
      hnc_error(x->c, n->loc, "scope", "percentile() is only allowed in having");
      return T(TY_ERR);
    }
  }
  hnc_node *a = n->list;
  if (is_count && a->kind == N_PATH &&
      ((a->len == 5 && memcmp(a->str, "alert", 5) == 0) ||
       (a->len == 8 && memcmp(a->str, "incident", 8) == 0) ||
       (a->len == 5 && memcmp(a->str, "asset", 5) == 0)))
    return kpi_count_rows(x, n, a);
  if (is_count && a->kind == N_PATH && x->scope == SC_KPI) {
    for (int r = 3; r < KPI_ROWS; r++)
      if (strlen(kpi_rows[r].root) == a->len && memcmp(a->str, kpi_rows[r].root, a->len) == 0)
        return kpi_count_rows(x, n, a);
  }
  x->in_agg = true;
  x->kpi_roots = 0;
  const hnc_type *t = ex(x, a);
  x->in_agg = false;
  if (x->scope == SC_KPI && !kpi_one_row(x, n)) return T(TY_ERR);
  if (is_err(t)) return strcmp(n->str, "count") == 0 || strcmp(n->str, "distinct") == 0 ? T(TY_INT) : t;
  if (is_count || strcmp(n->str, "distinct") == 0) return T(TY_INT);
  const hnc_type *s = scalar(t);
  if (!is_num(s) && s->k != TY_DUR && !(s->k == TY_TIME && n->str[1] != 'u' && n->str[0] != 'a')) {
    hnc_error(x->c, a->loc, "type", "%s() needs numbers or durations, not %s", n->str, hnc_type_name(t));
    return T(TY_ERR);
  }
  if ((strcmp(n->str, "avg") == 0 || is_pct) && s->k == TY_INT) return T(TY_FLOAT);
  if (is_pct && s->k == TY_TIME) {
    hnc_error(x->c, a->loc, "type", "percentile() needs numbers or durations, not %s", hnc_type_name(t));
    return T(TY_ERR);
  }
  return s;
}

static const hnc_type *call_type(ectx *x, hnc_node *n) {
  const char *f = n->str;
  if (word_index(aggregates, f, n->len) >= 0) return aggregate_type(x, n);
  if (word_index(transforms, f, n->len) >= 0) {
    if (!want_args(x, n, 1)) return T(TY_ERR);
    if (!const_strings(x, n->list)) {
      hnc_error(x->c, n->list->loc, "type", "%s() takes a string, a list of strings or a list name", f);
      return T(TY_ERR);
    }
    if (n->list->kind != N_PATH) ex(x, n->list);
    if (strcmp(f, "windash") == 0) check_windash(x, n->list);
    return T(TY_PATTERNS);
  }
  if (strcmp(f, "ip") == 0 || strcmp(f, "cidr") == 0) {
    if (!want_args(x, n, 1)) return T(TY_ERR);
    hnc_node *a = n->list;
    unsigned char b[16];
    bool v6;
    if (a->kind != N_STRING) {
      hnc_error(x->c, a->loc, "type", "%s() takes a string literal", f);
      return T(TY_ERR);
    }
    a->type = T(TY_STRING);
    unsigned bits;
    bool ok = f[0] == 'i' ? hn_ip_parse(a->str, a->len, b, &v6) : hn_cidr_parse(a->str, a->len, b, &v6, &bits);
    if (!ok) {
      hnc_error(x->c, a->loc, "bad-literal", "'%s' is not a valid %s", a->str, f[0] == 'i' ? "IP address" : "CIDR range");
      return T(TY_ERR);
    }
    return T(f[0] == 'i' ? TY_IP : TY_CIDR);
  }
  if (strcmp(f, "lower") == 0 || strcmp(f, "upper") == 0) {
    if (!want_args(x, n, 1)) return T(TY_ERR);
    const hnc_type *t = ex(x, n->list);
    if (!is_err(t) && scalar(t)->k != TY_STRING) {
      hnc_error(x->c, n->list->loc, "type", "%s() takes a string, not %s", f, hnc_type_name(t));
      return T(TY_ERR);
    }
    return t;
  }
  if (strcmp(f, "len") == 0) {
    if (!want_args(x, n, 1)) return T(TY_ERR);
    const hnc_type *t = ex(x, n->list);
    if (!is_err(t) && t->k != TY_STRING && t->k != TY_LIST) {
      hnc_error(x->c, n->list->loc, "type", "len() takes a string or a list, not %s", hnc_type_name(t));
      return T(TY_ERR);
    }
    return T(TY_INT);
  }
  static const char *const parts[] = {"minute", "hour", "day", "week", "month", "year", NULL};
  if (word_index(parts, f, n->len) >= 0) { /* a part of a timestamp, in UTC */
    if (!want_args(x, n, 1)) return T(TY_ERR);
    const hnc_type *t = ex(x, n->list);
    if (!is_err(t) && scalar(t)->k != TY_TIME) {
      hnc_error(x->c, n->list->loc, "type", "%s() takes a timestamp, not %s", f, hnc_type_name(t));
      return T(TY_ERR);
    }
    return T(TY_INT);
  }
  if (strcmp(f, "abs") == 0) {
    if (!want_args(x, n, 1)) return T(TY_ERR);
    const hnc_type *t = ex(x, n->list);
    if (!is_err(t) && !is_num(t) && t->k != TY_DUR) {
      hnc_error(x->c, n->list->loc, "type", "abs() takes a number or a duration, not %s", hnc_type_name(t));
      return T(TY_ERR);
    }
    return t;
  }
  if (strcmp(f, "inventoried") == 0 || strcmp(f, "in_ranges") == 0) {
    /* inventoried(f): an address or host name of an inventoried host; in_ranges(f): an address
     * in the organisation's ranges (§14.1) */
    if (!want_args(x, n, 1)) return T(TY_ERR);
    const hnc_type *t = ex(x, n->list);
    bool names = strcmp(f, "inventoried") == 0;
    if (!is_err(t) && scalar(t)->k != TY_IP && !(names && scalar(t)->k == TY_STRING)) {
      hnc_error(x->c, n->list->loc, "type", "%s() takes an ip%s, not %s", f, names ? " or a host name" : "",
                hnc_type_name(t));
      return T(TY_ERR);
    }
    if (n->list->kind != N_PATH || n->list->sym) {
      hnc_error(x->c, n->list->loc, "type", "%s() takes a field", f);
      return T(TY_ERR);
    }
    return T(TY_BOOL);
  }
  if (strcmp(f, "decay") == 0) {
    if (!want_args(x, n, 2)) return T(TY_ERR);
    for (hnc_node *a = n->list; a; a = a->next) {
      const hnc_type *t = ex(x, a);
      if (!is_err(t) && t->k != TY_DUR)
        hnc_error(x->c, a->loc, "type", "decay() takes two durations (age, half-life), not %s", hnc_type_name(t));
    }
    return T(TY_FLOAT);
  }
  hnc_error(x->c, n->loc, "unknown-name", "unknown function '%s'", f);
  const char *s = closest_word(functions, f, n->len);
  for (int i = 0; !s && functions[i]; i++) {
    size_t fl = strlen(functions[i]);
    if (fl >= 3 && fl < n->len && memcmp(functions[i], f, fl) == 0) s = functions[i];
  }
  if (s) hnc_hint(x->c, "did you mean '%s'?", s);
  for (hnc_node *a = n->list; a; a = a->next) ex(x, a);
  return T(TY_ERR);
}

/* Can a literal of type `lit` (node `ln`) stand where `want` is expected? Parses strings
 * into ip/cidr/timestamp at compile time, so a bad literal is an error at its place. */
static bool literal_fits(ectx *x, hnc_node *ln, const hnc_type *lit, const hnc_type *want) {
  want = scalar(want);
  if (lit->k == TY_ERR || want->k == TY_ERR || lit->k == TY_NULL) return true;
  if (lit->k == want->k) return true;
  if (is_num(lit) && is_num(want)) return true;
  if (lit->k == TY_STRING && ln && ln->kind == N_STRING) {
    unsigned char b[16];
    bool v6;
    unsigned bits;
    int64_t ns;
    switch (want->k) {
    case TY_IP:
      if (hn_ip_parse(ln->str, ln->len, b, &v6)) return true;
      hnc_error(x->c, ln->loc, "bad-literal", "'%s' is not a valid IP address", ln->str);
      return true; /* reported */
    case TY_CIDR:
      if (hn_cidr_parse(ln->str, ln->len, b, &v6, &bits)) return true;
      hnc_error(x->c, ln->loc, "bad-literal", "'%s' is not a valid CIDR range", ln->str);
      return true;
    case TY_INT: case TY_FLOAT: {
      /* "4688" for an int field: Sigma writes numbers as strings */
      char *end = NULL;
      char *tmp = ln->len ? hn_arena_strndup(&x->c->arena, ln->str, ln->len) : NULL;
      if (!tmp) break;
      if (want->k == TY_INT) (void)strtoll(tmp, &end, 10);
      else (void)strtod(tmp, &end);
      if (end && *end == 0) return true;
      break;
    }
    case TY_DUR: {
      bool ok;
      hnc_parse_duration_ms(ln->str, ln->len, &ok);
      if (ok) return true;
      hnc_error(x->c, ln->loc, "bad-literal", "'%s' is not a duration", ln->str);
      hnc_hint(x->c, "write durations without quotes: 5m, 1h30m");
      return true;
    }
    case TY_TIME:
      if (hn_time_parse(ln->str, ln->len, &ns)) return true;
      if (hn_time_out_of_range(ln->str, ln->len)) {
        hnc_error(x->c, ln->loc, "bad-literal", "'%s' is outside the timestamp range", ln->str);
        hnc_hint(x->c, "timestamps are nanoseconds in 64 bits: from %s to %s", HN_TIME_TEXT_MIN, HN_TIME_TEXT_MAX);
        return true;
      }
      hnc_error(x->c, ln->loc, "bad-literal", "'%s' is not an RFC 3339 timestamp", ln->str);
      hnc_hint(x->c, "write timestamps as \"2024-05-01T12:00:00Z\"");
      return true;
    default: break;
    }
  }
  return false;
}

static bool comparable(const hnc_type *a, const hnc_type *b) {
  a = scalar(a);
  b = scalar(b);
  if (a->k == TY_ERR || b->k == TY_ERR || a->k == TY_NULL || b->k == TY_NULL) return true;
  if (a->k == b->k) return true;
  if (is_num(a) && is_num(b)) return true;
  if ((a->k == TY_IP && b->k == TY_CIDR) || (a->k == TY_CIDR && b->k == TY_IP)) return false;
  return false;
}

static bool is_literal(const hnc_node *n) {
  return n->kind == N_STRING || n->kind == N_INT || n->kind == N_FLOAT || n->kind == N_NULL ||
         n->kind == N_BOOL || n->kind == N_DURATION || n->kind == N_SIZE ||
         (n->kind == N_NEG && n->a && (n->a->kind == N_INT || n->a->kind == N_FLOAT));
}

static const hnc_type *compare(ectx *x, hnc_node *n) {
  const hnc_type *a = ex(x, n->a), *b = ex(x, n->b);
  if (is_err(a) || is_err(b)) return T(TY_BOOL);
  bool eq = n->op == HNC_OP_EQ || n->op == HNC_OP_NE;
  if (n->flags & HNC_F_NOCASE) {
    if (!eq) {
      hnc_error(x->c, n->loc, "type", "'~' makes ==, !=, in and the string operators case-insensitive; it does not apply to '%s'",
                hnc_op_spelling(n->op));
      return T(TY_BOOL);
    }
    if ((scalar(a)->k != TY_STRING && a->k != TY_NULL) || (scalar(b)->k != TY_STRING && b->k != TY_NULL)) {
      type_error(x, n, "'==~' compares strings, not %s and %s", a, b);
      return T(TY_BOOL);
    }
  }
  if (a->k == TY_PATTERNS || b->k == TY_PATTERNS) {
    hnc_error(x->c, n->loc, "type", "a transform such as base64offset() can only follow a string operator (contains, startswith, ...)");
    return T(TY_BOOL);
  }
  if (!eq && (a->k == TY_NULL || b->k == TY_NULL)) {
    hnc_error(x->c, n->loc, "type", "null can only be compared with == or !=");
    return T(TY_BOOL);
  }
  bool ok = comparable(a, b);
  if (!ok && is_literal(n->b)) ok = literal_fits(x, n->b, b, a);
  if (!ok && is_literal(n->a)) ok = literal_fits(x, n->a, a, b);
  if (!ok) {
    type_error(x, n, "cannot compare %s with %s", a, b);
    if (scalar(a)->k == TY_STRING && is_num(b) && is_literal(n->b))
      hnc_hint(x->c, "the field is a string: quote the value, e.g. \"%.*s\"", (int)n->b->rawlen, n->b->raw);
    else if (scalar(a)->k == TY_DUR || scalar(b)->k == TY_DUR)
      hnc_hint(x->c, "units are part of the type: write a duration such as 5m");
    return T(TY_BOOL);
  }
  if (!eq) {
    const hnc_type *s = scalar(a)->k == TY_NULL ? scalar(b) : scalar(a);
    /* §6.4: addresses in numeric order, strings in code point order; bool and cidr only == != */
    if (!is_num(s) && s->k != TY_TIME && s->k != TY_DUR && s->k != TY_IP && s->k != TY_STRING) {
      type_error(x, n, "ordering comparisons need numbers, timestamps, durations, addresses or strings, not %s and %s", a, b);
    }
  }
  return T(TY_BOOL);
}

static void check_regex(ectx *x, hnc_node *s, bool nocase) {
  int err;
  PCRE2_SIZE off;
  uint32_t opts = PCRE2_UTF | (nocase ? PCRE2_CASELESS : 0);
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)s->str, s->len, opts, &err, &off, NULL);
  if (re) {
    pcre2_code_free(re);
    return;
  }
  PCRE2_UCHAR msg[256];
  pcre2_get_error_message(err, msg, sizeof msg);
  hnc_loc at = s->loc;
  if ((s->flags & HNC_F_RAW) && s->loc.line == s->loc.end_line && s->raw && s->raw[1] == '"') {
    /* r"...": the offset maps to a column (code points) */
    int col = s->loc.col + 2;
    for (size_t i = 0; i < off && i < s->len; i++)
      if (((unsigned char)s->str[i] & 0xC0) != 0x80) col++;
    at.col = at.end_col = col;
  }
  hnc_error(x->c, at, "bad-regex", "invalid regular expression: %s (at offset %zu)", (char *)msg, (size_t)off);
  if (!(s->flags & HNC_F_RAW) && memchr(s->raw, '\\', s->rawlen))
    hnc_hint(x->c, "in \"...\" a backslash is an escape: write regexes as raw strings r\"...\"");
}

/* `*`, every string value of the event, on the left of a string operator: conditions over
 * one event only (not having, scores, kpis, nor a rule over alerts, which reads no event). */
static const hnc_type *anystr(ectx *x, hnc_node *n) {
  if (x->scope != SC_EVENT || x->alert_fields || x->agg_ok) {
    hnc_error(x->c, n->loc, "scope", "'*' (every string value of the event) is allowed only in conditions over one event");
    hnc_hint(x->c, "where, except, sequence steps, logsource where, macros");
    return n->type = T(TY_ERR);
  }
  const hnc_type *t = hnc_type_list(T(TY_STRING));
  return n->type = t ? t : T(TY_ERR);
}

/* The right side of contains/startswith/endswith/like/matches. */
static const hnc_type *strop(ectx *x, hnc_node *n) {
  const hnc_type *a = n->a->kind == N_ANYSTR ? anystr(x, n->a) : ex(x, n->a);
  hnc_node *r = n->b;
  const char *opname = hnc_op_spelling(n->op);
  if (!is_err(a) && scalar(a)->k != TY_STRING) {
    hnc_error(x->c, n->a->loc, "type", "'%s' applies to strings, not %s", opname, hnc_type_name(a));
    hnc_hint(x->c, "compare numbers with == or in, addresses with in \"10.0.0.0/8\"");
  }
  const hnc_type *b;
  bool is_list_name = false;
  if (r->kind == N_PATH && !memchr(r->str, '.', r->len)) {
    hnc_sym *s = lookup(x->c, x->p, NS_VALUE, r->str, r->len, r->loc);
    if (s && s->decl->kind == N_LISTDECL) {
      s->used = true;
      r->sym = s;
      is_list_name = true;
      b = s->decl->type ? s->decl->type : T(TY_ERR);
      r->type = b;
    } else {
      b = ex(x, r);
    }
  } else {
    b = ex(x, r);
  }
  bool list_rhs = is_list_name || b->k == TY_LIST || b->k == TY_PATTERNS;
  if ((n->flags & (HNC_F_ANY | HNC_F_ALL)) && !list_rhs && !is_err(b))
    hnc_error(x->c, n->loc, "type", "'%s' needs a list after it", (n->flags & HNC_F_ALL) ? "all" : "any");
  if (!is_err(b) && scalar(b)->k != TY_STRING && b->k != TY_PATTERNS && b->k != TY_NULL)
    hnc_error(x->c, r->loc, "type", "'%s' needs a string or a list of strings on its right, not %s", opname,
              hnc_type_name(b));
  if (n->op == HNC_OP_MATCHES) {
    if (r->kind == N_STRING) check_regex(x, r, n->flags & HNC_F_NOCASE);
    else if (r->kind == N_LISTLIT)
      for (hnc_node *e = r->list; e; e = e->next)
        if (e->kind == N_STRING) check_regex(x, e, n->flags & HNC_F_NOCASE);
  }
  return T(TY_BOOL);
}

static const hnc_type *in_expr(ectx *x, hnc_node *n) {
  const hnc_type *a = ex(x, n->a);
  hnc_node *r = n->b;
  const hnc_type *sa = scalar(a);
  if ((n->flags & HNC_F_NOCASE) && !is_err(a) && sa->k != TY_STRING)
    hnc_error(x->c, n->loc, "type", "'in~' compares strings, not %s", hnc_type_name(a));
  if (r->kind == N_RANGE) {
    const hnc_type *lo = ex(x, r->a), *hi = ex(x, r->b);
    if (!is_err(a) && !is_num(sa))
      hnc_error(x->c, n->a->loc, "type", "a range needs a number on the left, not %s", hnc_type_name(a));
    double l = r->a->kind == N_NEG ? -(r->a->a->kind == N_INT ? (double)r->a->a->i : r->a->a->f)
                                   : (r->a->kind == N_INT ? (double)r->a->i : r->a->f);
    double h = r->b->kind == N_NEG ? -(r->b->a->kind == N_INT ? (double)r->b->a->i : r->b->a->f)
                                   : (r->b->kind == N_INT ? (double)r->b->i : r->b->f);
    if (l > h) hnc_error(x->c, r->loc, "bad-range", "empty range: %g is greater than %g", l, h);
    (void)lo;
    (void)hi;
    r->type = T(TY_LIST);
    return T(TY_BOOL);
  }
  const hnc_type *b;
  hnc_node *elems = NULL;
  if (r->kind == N_PATH && !memchr(r->str, '.', r->len)) {
    hnc_sym *s = lookup(x->c, x->p, NS_VALUE, r->str, r->len, r->loc);
    if (s && s->decl->kind == N_LISTDECL) {
      s->used = true;
      r->sym = s;
      b = s->decl->type ? s->decl->type : T(TY_ERR);
      r->type = b;
    } else {
      b = ex(x, r);
    }
  } else if (r->kind == N_LISTLIT) {
    b = ex(x, r);
    elems = r->list;
  } else {
    b = ex(x, r);
  }
  if (is_err(a) || is_err(b)) return T(TY_BOOL);
  if (sa->k == TY_IP) {
    /* addresses: a CIDR string, a list of CIDRs / addresses, or a cidr-typed field */
    uint8_t ip[16];
    bool v6;
    unsigned bits;
    if (r->kind == N_STRING) {
      if (!hn_cidr_parse(r->str, r->len, ip, &v6, &bits))
        hnc_error(x->c, r->loc, "bad-literal", "'%s' is not a valid CIDR range", r->str);
      return T(TY_BOOL);
    }
    for (hnc_node *e = elems; e; e = e->next)
      if (e->kind == N_STRING && !hn_cidr_parse(e->str, e->len, ip, &v6, &bits))
        hnc_error(x->c, e->loc, "bad-literal", "'%s' is not a valid CIDR range or address", e->str);
    const hnc_type *sb = scalar(b);
    if (sb->k == TY_STRING || sb->k == TY_CIDR || sb->k == TY_IP || sb->k == TY_NULL) return T(TY_BOOL);
    type_error(x, n, "cannot test %s in %s", a, b);
    return T(TY_BOOL);
  }
  if (b->k != TY_LIST) {
    type_error(x, n, "'in' needs a list, a list name, a range or a CIDR on its right; got %s (left side %s)", b, a);
    return T(TY_BOOL);
  }
  if (elems) {
    for (hnc_node *e = elems; e; e = e->next)
      if (e->type && !comparable(sa, e->type) && !literal_fits(x, e, e->type, sa))
        hnc_error(x->c, e->loc, "type", "list element of type %s cannot be compared with %s",
                  hnc_type_name(e->type), hnc_type_name(a));
  } else if (b->elem && !comparable(sa, b->elem)) {
    type_error(x, n, "cannot test %s in %s", a, b);
  }
  return T(TY_BOOL);
}

static const hnc_type *arith(ectx *x, hnc_node *n) {
  const hnc_type *a = ex(x, n->a), *b = ex(x, n->b);
  if (is_err(a) || is_err(b)) return T(TY_ERR);
  hnc_tk ka = a->k, kb = b->k;
  int op = n->op;
  if ((op == HNC_OP_DIV || op == HNC_OP_MOD) && ((n->b->kind == N_INT && n->b->i == 0) || (n->b->kind == N_FLOAT && n->b->f == 0)))
    hnc_error(x->c, n->b->loc, "type", "division by zero");
  if (is_num(a) && is_num(b))
    return (ka == TY_FLOAT || kb == TY_FLOAT || op == HNC_OP_DIV) ? T(TY_FLOAT) : T(TY_INT);
  if (op == HNC_OP_SUB && ka == TY_TIME && kb == TY_TIME) return T(TY_DUR);
  if ((op == HNC_OP_ADD || op == HNC_OP_SUB) && ka == TY_TIME && kb == TY_DUR) return T(TY_TIME);
  if (op == HNC_OP_ADD && ka == TY_DUR && kb == TY_TIME) return T(TY_TIME);
  if ((op == HNC_OP_ADD || op == HNC_OP_SUB || op == HNC_OP_MOD) && ka == TY_DUR && kb == TY_DUR) return T(TY_DUR);
  if (op == HNC_OP_MUL && ((ka == TY_DUR && is_num(b)) || (is_num(a) && kb == TY_DUR))) return T(TY_DUR);
  if (op == HNC_OP_DIV && ka == TY_DUR && is_num(b)) return T(TY_DUR);
  if (op == HNC_OP_DIV && ka == TY_DUR && kb == TY_DUR) return T(TY_FLOAT);
  hnc_error(x->c, n->loc, "type", "cannot apply '%s' to %s and %s", hnc_op_spelling(op),
            hnc_type_name(a), hnc_type_name(b));
  return T(TY_ERR);
}

static const hnc_type *want_bool(ectx *x, hnc_node *n, const char *what) {
  const hnc_type *t = ex(x, n);
  if (!is_err(t) && t->k != TY_BOOL) {
    hnc_error(x->c, n->loc, "type", "%s must be a condition (bool), not %s", what, hnc_type_name(t));
    if (n->kind == N_PATH && !n->sym && t->k == TY_STRING)
      hnc_hint(x->c, "to test that the field is present, write: exists %s", n->str);
  }
  return t;
}

/* An and/or chain, `a or b or c` (the parser's left-deep links): its operands in order, in a
 * loop, each one level below the chain, because a chain may be as long as a list of 100,000
 * values imported from Sigma. */
static const hnc_type *chain_type(ectx *x, hnc_node *n) {
  const char *what = n->op == HNC_OP_AND ? "each side of 'and'" : "each side of 'or'";
  size_t k = 0, cap = 0;
  hnc_node **links = NULL, *e = n;
  for (; e->kind == N_BINARY && e->op == n->op; e = e->a) {
    e->type = T(TY_BOOL);
    if (k == cap) {
      cap = cap ? cap * 2 : 16;
      hnc_node **v = realloc(links, cap * sizeof *v);
      if (!v) break; /* out of memory: the rest of the chain goes unchecked */
      links = v;
    }
    links[k++] = e;
  }
  want_bool(x, e, what);
  while (k > 0) want_bool(x, links[--k]->b, what);
  free(links);
  return T(TY_BOOL);
}

static const hnc_type *ex_kind(ectx *x, hnc_node *n) {
  switch (n->kind) {
  case N_STRING: return T(TY_STRING);
  case N_INT: case N_SIZE: return T(TY_INT);
  case N_FLOAT: return T(TY_FLOAT);
  case N_DURATION: return T(TY_DUR);
  case N_BOOL: return T(TY_BOOL);
  case N_NULL: return T(TY_NULL);
  case N_PAREN: return ex(x, n->a);
  case N_PATH: return name_type(x, n);
  case N_CALL: return call_type(x, n);
  case N_LISTLIT: {
    const hnc_type *el = NULL;
    for (hnc_node *e = n->list; e; e = e->next) {
      const hnc_type *t = ex(x, e);
      if (is_err(t) || t->k == TY_NULL) continue;
      if (t->k == TY_LIST || t->k == TY_PATTERNS) {
        hnc_error(x->c, e->loc, "type", "lists cannot be nested");
        continue;
      }
      if (!el) el = t;
      else if (el != t && !(is_num(el) && is_num(t)))
        hnc_error(x->c, e->loc, "type", "list elements must share a type: %s after %s",
                  hnc_type_name(t), hnc_type_name(el));
    }
    const hnc_type *l = hnc_type_list(el ? el : T(TY_NULL));
    return l ? l : T(TY_ERR);
  }
  case N_BINARY:
    switch (n->op) {
    case HNC_OP_AND: case HNC_OP_OR: return chain_type(x, n);
    case HNC_OP_EQ: case HNC_OP_NE: case HNC_OP_LT: case HNC_OP_LE: case HNC_OP_GT: case HNC_OP_GE:
      return compare(x, n);
    default: return arith(x, n);
    }
  case N_NOT:
    want_bool(x, n->a, "the operand of 'not'");
    return T(TY_BOOL);
  case N_NEG: {
    const hnc_type *t = ex(x, n->a);
    if (!is_err(t) && !is_num(t) && t->k != TY_DUR) {
      hnc_error(x->c, n->loc, "type", "cannot negate %s", hnc_type_name(t));
      return T(TY_ERR);
    }
    return t;
  }
  case N_COND: {
    want_bool(x, n->a, "the condition of '?:'");
    const hnc_type *a = ex(x, n->b), *b = ex(x, n->c);
    if (is_err(a)) return b;
    if (is_err(b)) return a;
    if (is_num(a) && is_num(b)) return a->k == TY_FLOAT ? a : b;
    if (a != b) {
      type_error(x, n, "the two branches of '?:' differ: %s and %s", a, b);
      return T(TY_ERR);
    }
    return a;
  }
  case N_EXISTS: case N_MISSING:
    if (n->a && n->a->kind != N_PATH) {
      hnc_error(x->c, n->a->loc, "type", "%s takes a field, not an expression", n->kind == N_EXISTS ? "exists" : "missing");
      return T(TY_BOOL);
    }
    if (n->a) path_type(x, n->a);
    return T(TY_BOOL);
  case N_STROP: return strop(x, n);
  case N_IN: return in_expr(x, n);
  case N_HAS: {
    const hnc_type *a = ex(x, n->a), *b = ex(x, n->b);
    if (is_err(a) || is_err(b)) return T(TY_BOOL);
    check_tactic_literal(x, n->a, n->b);
    if (a->k != TY_LIST) {
      hnc_error(x->c, n->a->loc, "type", "'has' needs a list on its left, not %s", hnc_type_name(a));
      hnc_hint(x->c, "for a single value use ==, or in [...]");
    } else if (a->elem && !comparable(a->elem, b) && !literal_fits(x, n->b, b, a->elem)) {
      type_error(x, n, "cannot look for %s in %s", b, a);
    }
    return T(TY_BOOL);
  }
  case N_STEPREF: {
    bool found = false;
    for (hnc_node *s = x->steps; s && s != x->cur_step; s = s->next)
      if (s->len == n->len && memcmp(s->str, n->str, n->len) == 0) found = true;
    if (!found) {
      bool later = false;
      for (hnc_node *s = x->steps; s; s = s->next)
        if (s->len == n->len && memcmp(s->str, n->str, n->len) == 0) later = true;
      if (!x->steps)
        hnc_error(x->c, n->loc, "scope", "'$%.*s' refers to a sequence step, but this is not inside a sequence", (int)n->len, n->str);
      else if (later)
        hnc_error(x->c, n->loc, "scope", "step '%.*s' does not come before this one: a step can only use values bound by earlier steps", (int)n->len, n->str);
      else {
        hnc_error(x->c, n->loc, "unknown-name", "no step named '%.*s' in this sequence", (int)n->len, n->str);
        const char *best = NULL;
        int bd = 2;
        for (hnc_node *s = x->steps; s && s != x->cur_step; s = s->next) {
          int k = hnc_edit_distance(n->str, n->len, s->str, s->len, bd);
          if (k < bd || (k == bd && !best)) { best = s->str; bd = k; }
        }
        if (best) hnc_hint(x->c, "did you mean '%s'?", best);
      }
      return T(TY_ERR);
    }
    if (!n->a) return T(TY_ERR);
    hnc_field *f = hnc_table_get(&x->p->fields, n->a->str, n->a->len);
    if (!f) {
      hnc_error(x->c, n->a->loc, "unknown-field", "unknown field '%s'", n->a->str);
      suggest_field(x->c, x->p, n->a->str, n->a->len, NULL, NULL);
      return T(TY_ERR);
    }
    return f->type;
  }
  case N_RANGE:
    hnc_error(x->c, n->loc, "type", "a range can only follow 'in'");
    return T(TY_ERR);
  case N_OBJECT:
    hnc_error(x->c, n->loc, "type", "an object cannot be used in an expression");
    return T(TY_ERR);
  case N_ANYSTR:
    hnc_error(x->c, n->loc, "type", "'*' (every string value of the event) can only stand before contains, startswith, endswith, like or matches");
    hnc_hint(x->c, "for example: * contains~ \"mimikatz\"");
    return T(TY_ERR);
  default:
    return T(TY_ERR);
  }
}

/* The type of n, checked; x->depth is the number of levels above it. The parser bounds each
 * expression's depth, so only macros (expanded where used) can take it past the bound here. */
static const hnc_type *ex(ectx *x, hnc_node *n) {
  if (!n) return T(TY_ERR);
  if (n->flags & HNC_F_BROKEN) return n->type = T(TY_ERR); /* lexed in error: reported */
  if (x->depth > HNC_MAX_DEPTH) { /* a chain of macros: said once in the pack (each macro of a
                                   * chain 100,000 long is too deep, one mistake) */
    if (!x->reported && !x->p->deep_macros)
      hnc_error(x->c, n->loc, "nesting", "nested too deeply with macro '%s' expanded (more than %d levels)",
                x->macro ? x->macro->name : "?", HNC_MAX_DEPTH);
    x->p->deep_macros = true;
    x->reported = true;
    return n->type = T(TY_ERR);
  }
  if (x->depth > x->max_depth) x->max_depth = x->depth;
  x->nodes++;
  x->depth++;
  const hnc_type *t = ex_kind(x, n);
  x->depth--;
  n->type = t;
  return t;
}

/* ---- declarations ----------------------------------------------------------------------- */
typedef struct dctx {
  hnc_compiler *c;
  hnc_pack *p;
  hnc_node *seen[HNC_IT_COUNT]; /* first item of each kind in the declaration being checked */
} dctx;

static void ectx_for(ectx *x, hnc_compiler *c, hnc_pack *p, int scope) {
  memset(x, 0, sizeof *x);
  x->c = c;
  x->p = p;
  x->scope = scope;
}

static void ectx_init(ectx *x, dctx *d, int scope) { ectx_for(x, d->c, d->p, scope); }

/* Items that may appear once per declaration. */
static bool once(dctx *d, hnc_node *it) {
  if (it->op >= HNC_IT_COUNT) return false;
  if (d->seen[it->op]) {
    hnc_error(d->c, it->loc, "duplicate", "'%s' is given twice", hnc_item_keyword(it->op));
    hnc_note_at(d->c, d->seen[it->op]->loc, "the first one is here");
    return false;
  }
  d->seen[it->op] = it;
  return true;
}

static void positive_duration(dctx *d, hnc_node *n, const char *what) {
  if (n && n->kind == N_DURATION && n->i <= 0 && !(n->flags & HNC_F_BROKEN))
    hnc_error(d->c, n->loc, "bad-duration", "%s must be longer than zero", what);
  else if (n && n->kind == N_DURATION && n->i > HN_TIME_BOUND / 1000000 && !(n->flags & HNC_F_BROKEN))
    hnc_error(d->c, n->loc, "bad-duration", "%s must be at most 146 years (53375d): windows and deadlines are 64-bit nanoseconds", what);
}

static void check_field_path(dctx *d, hnc_node *path) {
  ectx x;
  ectx_init(&x, d, SC_EVENT);
  ex(&x, path);
}

static void check_control_ref(dctx *d, hnc_node *ref) {
  if (!ref) return;
  if (ref->kind != N_STRING) {
    resolve(d->c, d->p, NS_CONTROL, ref, "control");
    return;
  }
  /* a string resolves to the control whose title it is */
  for (size_t k = 0; k <= d->p->n_imports; k++) {
    hnc_pack *q = k == 0 ? d->p : d->p->imports[k - 1];
    if (!q) continue;
    hnc_table *t = &q->syms[NS_CONTROL];
    for (size_t i = 0; i < t->cap; i++) {
      hnc_sym *s = t->vals[i];
      if (!t->keys[i] || !s) continue;
      for (hnc_node *it = s->decl->list; it; it = it->next)
        if (it->op == HNC_IT_TITLE && it->a && it->a->len == ref->len &&
            memcmp(it->a->str, ref->str, ref->len) == 0) {
          s->used = true;
          ref->sym = s;
          return;
        }
    }
  }
  hnc_warning(d->c, ref->loc, "undeclared-control", "control \"%s\" is not declared, so it cannot be tracked as a gap",
              ref->str);
  hnc_hint(d->c, "declare it with: control NAME { title \"%s\" owner \"...\" }", ref->str);
}

/* An ATT&CK id after `attack.`, lower case (tags are normalised): a technique tNNNN or
 * sub-technique tNNNN.NNN, or a tactic TA, group G, software S, mitigation M, campaign C, data
 * source DS, data component DC or asset A, each with four digits. */
static bool attack_id(const char *v, size_t n) {
  static const char *const kinds[] = {"t", "ta", "g", "s", "m", "c", "ds", "dc", "a", NULL};
  for (int k = 0; kinds[k]; k++) {
    size_t p = strlen(kinds[k]);
    if (n < p + 4 || memcmp(v, kinds[k], p) != 0) continue;
    bool ok = true;
    for (size_t i = p; ok && i < p + 4; i++) ok = v[i] >= '0' && v[i] <= '9';
    if (ok && n == p + 4) return true;
    if (ok && k == 0 && n == p + 8 && v[p + 4] == '.') /* t1059.001 */
      return v[p + 5] >= '0' && v[p + 5] <= '9' && v[p + 6] >= '0' && v[p + 6] <= '9' && v[p + 7] >= '0' &&
             v[p + 7] <= '9';
  }
  return false;
}

static void check_tags(dctx *d, hnc_node *tags) {
  for (hnc_node *t = tags; t; t = t->next) {
    const char *s = t->str;
    size_t n = t->len;
    const char *dot = memchr(s, '.', n);
    if (!dot || dot == s || dot == s + n - 1) {
      hnc_warning(d->c, t->loc, "tag-format", "tag '%s' is not of the form namespace.value", s);
      hnc_hint(d->c, "ATT&CK tags read attack.t1059.001 or attack.execution");
      continue;
    }
    if (n < 7 || strncasecmp(s, "attack.", 7) != 0) continue;
    const char *v = dot + 1;
    size_t vn = n - (size_t)(v - s);
    char tac[64]; /* lower case (tags are normalised), '_' for '-' (Sigma spells tactics with dashes) */
    size_t tn = vn < sizeof tac - 1 ? vn : sizeof tac - 1;
    for (size_t i = 0; i < tn; i++) tac[i] = v[i] == '-' ? '_' : (char)tolower((unsigned char)v[i]);
    tac[tn] = 0;
    bool id = tn == vn && attack_id(tac, tn);
    if (id || word_index(tactics, tac, tn) >= 0) continue;
    hnc_warning(d->c, t->loc, "tag-format", "'%s' is neither an ATT&CK id (attack.t1059.001, attack.g0016, ...) nor a tactic", s);
    hint_tactic(d->c, "attack.", tac, tn);
  }
}

/* The correlation engine keys on at most HN_MAX_KEYS fields and carries at most
 * HN_MAX_ENTITIES entities: more is an error at the first one too many (§18.4). */
static void at_most(dctx *d, const hnc_node *list, size_t max, const char *what) {
  size_t k = 0;
  for (const hnc_node *n = list; n; n = n->next)
    if (++k == max + 1) hnc_error(d->c, n->loc, "limit", "%s takes at most %zu fields", what, max);
}

static bool loc_before(hnc_loc a, hnc_loc b) {
  return a.file != b.file ? a.file < b.file : a.line != b.line ? a.line < b.line : a.col < b.col;
}

/* Rules that read each other's alerts, directly or through others: the strongly connected
 * components of the pack's `from` graph (Tarjan's algorithm, with its own stacks), computed once
 * per pack. An edge r -> s is in a cycle when r and s share a component. Linear, and no
 * recursion: a chain of 100,000 rules each reading the one before is a pack like any other (a
 * search per edge was cubic, and recursed as deep as the chain). */
typedef struct rule_graph {
  const hnc_node **rules; /* the pack's rules (declarations in its NS_RULE table) */
  uint32_t n;
  uint32_t *first, *to;   /* edges of rule i: to[first[i] .. first[i + 1]) */
  uint32_t *comp;         /* component of each rule */
  hnc_table index;        /* declaration (its address, 8 bytes) -> index + 1 */
} rule_graph;

static uint32_t rule_index(const rule_graph *g, const hnc_node *d) {
  return (uint32_t)(uintptr_t)hnc_table_get(&g->index, (const char *)&d, sizeof d);
}

/* The rules of p and their `from` edges, into g (arrays in the arena). False out of memory. */
static bool rule_graph_build(hnc_compiler *c, hnc_pack *p, rule_graph *g) {
  hnc_table *t = &p->syms[NS_RULE];
  g->rules = hn_arena_alloc(&c->arena, (t->n + 1) * sizeof *g->rules);
  if (!g->rules) return false;
  for (size_t i = 0; i < t->cap; i++)
    if (t->keys[i]) {
      const hnc_node **key = hn_arena_alloc(&c->arena, sizeof *key);
      if (!key) return false;
      *key = g->rules[g->n] = ((hnc_sym *)t->vals[i])->decl;
      hnc_table_put(&c->arena, &g->index, (const char *)key, sizeof *key, (void *)(uintptr_t)++g->n);
    }
  g->first = hn_arena_alloc(&c->arena, (g->n + 1) * sizeof *g->first);
  g->comp = hn_arena_alloc(&c->arena, (g->n + 1) * sizeof *g->comp);
  if (!g->first || !g->comp) return false;
  for (int pass = 0; pass < 2; pass++) { /* count, then fill */
    uint32_t k = 0;
    for (uint32_t i = 0; i < g->n; i++) {
      g->first[i] = k;
      for (const hnc_node *it = g->rules[i]->list; it; it = it->next)
        for (const hnc_node *nm = it->kind == N_ITEM && it->op == HNC_IT_FROM ? it->list : NULL; nm; nm = nm->next) {
          hnc_sym *s = hnc_table_get(t, nm->str, nm->len);
          if (!s) continue;
          if (pass) g->to[k] = rule_index(g, s->decl) - 1;
          k++;
        }
    }
    g->first[g->n] = k;
    if (!pass && !(g->to = hn_arena_alloc(&c->arena, (k + 1) * sizeof *g->to))) return false;
  }
  return true;
}

/* Tarjan's components, iteratively: frames hold (rule, next edge). */
static bool rule_graph_components(rule_graph *g) {
  uint32_t n = g->n, next = 1, ncomp = 0, top = 0, sp = 0;
  uint32_t *num = calloc(n + 1, sizeof *num), *low = calloc(n + 1, sizeof *low);
  uint32_t *stack = malloc((n + 1) * sizeof *stack), *fv = malloc((n + 1) * sizeof *fv), *fe = malloc((n + 1) * sizeof *fe);
  bool *on = calloc(n + 1, sizeof *on), ok = num && low && stack && fv && fe && on;
  for (uint32_t root = 0; ok && root < n; root++) {
    if (num[root]) continue;
    fv[top] = root, fe[top++] = g->first[root];
    num[root] = low[root] = next++, stack[sp++] = root, on[root] = true;
    while (top > 0) {
      uint32_t v = fv[top - 1];
      if (fe[top - 1] < g->first[v + 1]) {
        uint32_t w = g->to[fe[top - 1]++];
        if (!num[w]) {
          fv[top] = w, fe[top++] = g->first[w];
          num[w] = low[w] = next++, stack[sp++] = w, on[w] = true;
        } else if (on[w] && num[w] < low[v]) {
          low[v] = num[w];
        }
        continue;
      }
      if (low[v] == num[v]) { /* v roots a component: pop it */
        uint32_t w;
        do {
          w = stack[--sp];
          on[w] = false;
          g->comp[w] = ncomp;
        } while (w != v);
        ncomp++;
      }
      top--;
      if (top > 0 && low[v] < low[fv[top - 1]]) low[fv[top - 1]] = low[v];
    }
  }
  free(num), free(low), free(stack), free(fv), free(fe), free(on);
  return ok;
}

/* When rule r reading rule s closes a cycle of rules reading alerts (both of pack p): 2 when s
 * reads r itself, else how many rules the cycle's component has; 0 when there is no cycle. */
static uint32_t same_cycle(hnc_compiler *c, hnc_pack *p, const hnc_node *r, const hnc_node *s) {
  rule_graph *g = p->rule_graph;
  if (!g) {
    g = hn_arena_alloc(&c->arena, sizeof *g);
    if (!g || !rule_graph_build(c, p, g) || !rule_graph_components(g)) return 0; /* out of memory */
    p->rule_graph = g;
  }
  uint32_t a = rule_index(g, r), b = rule_index(g, s);
  if (!a || !b || g->comp[a - 1] != g->comp[b - 1]) return 0;
  for (uint32_t e = g->first[b - 1]; e < g->first[b]; e++)
    if (g->to[e] == a - 1) return 2; /* s reads r back itself */
  uint32_t k = 0;
  for (uint32_t i = 0; i < g->n; i++) k += g->comp[i] == g->comp[a - 1];
  return k;
}

static void check_sequence(dctx *d, hnc_node *it, bool over_alerts, bool broken, int *kind) {
  hnc_node *steps = it->list;
  size_t n = hnc_list_len(steps);
  positive_duration(d, it->a, "the span of a sequence");
  for (hnc_node *k = it->c; k; k = k->next) check_field_path(d, k);
  at_most(d, it->c, HN_MAX_KEYS, "a sequence's by");
  bool absence = false;
  for (hnc_node *s = steps; s; s = s->next) {
    for (hnc_node *t = steps; t != s; t = t->next)
      if (t->len == s->len && memcmp(t->str, s->str, s->len) == 0) {
        hnc_error(d->c, s->loc, "duplicate", "step '%s' is named twice in this sequence", s->str);
        hnc_note_at(d->c, t->loc, "the first step of that name");
        break;
      }
    if (s->flags & HNC_F_NOT) {
      if (s->next) {
        hnc_error(d->c, s->loc, "bad-sequence", "only the last step of a sequence can be 'not' (absence)");
      } else {
        absence = true;
        if (s->b) hnc_error(d->c, s->b->loc, "bad-sequence", "a 'not' step cannot repeat");
      }
    }
    if (s->b && s->b->i < 1) hnc_error(d->c, s->b->loc, "bad-sequence", "repeat needs a count of at least 1");
    ectx x;
    ectx_init(&x, d, SC_EVENT);
    x.alert_fields = over_alerts;
    x.steps = steps;
    x.cur_step = s;
    want_bool(&x, s->a, "a sequence step");
  }
  if (n < 2 && !broken) {
    hnc_error(d->c, it->loc, "bad-sequence", "a sequence needs at least two steps");
    hnc_hint(d->c, "a single step is a plain rule: write it with where");
  }
  if (it->b) {
    ectx x;
    ectx_init(&x, d, SC_EVENT);
    x.alert_fields = over_alerts;
    x.steps = steps;
    want_bool(&x, it->b, "until");
  }
  *kind = absence ? 3 : 2;
}

static void check_rule(dctx *d, hnc_node *r) {
  hnc_compiler *c = d->c;
  bool over_alerts = false;
  int kind = 0;
  uint32_t ncycle; /* rules in a cycle */
  memset(d->seen, 0, sizeof d->seen);
  hnc_node *first_source = NULL, *first_rule = NULL;
  for (hnc_node *it = r->list; it; it = it->next) {
    if (it->kind != N_ITEM) continue;
    if (it->op != HNC_IT_EXCEPT && it->op != HNC_IT_TAGS && it->op != HNC_IT_REFERENCES &&
        it->op != HNC_IT_FALSEPOSITIVES)
      if (!once(d, it)) continue;
    if (it->op == HNC_IT_FROM) {
      for (hnc_node *nm = it->list; nm; nm = nm->next) {
        hnc_sym *s = lookup(c, d->p, NS_LOGSOURCE, nm->str, nm->len, nm->loc);
        if (s) {
          s->used = true;
          nm->sym = s;
          if (!first_source) first_source = nm;
          if (first_rule) {
            hnc_error(c, nm->loc, "rule-shape", "'from' names either log sources or rules, not both");
            hnc_note_at(c, first_rule->loc, "'%s' is a rule", first_rule->str);
          }
          continue;
        }
        s = lookup(c, d->p, NS_RULE, nm->str, nm->len, nm->loc);
        if (s) {
          if (!first_rule) first_rule = nm;
          if (first_source) {
            hnc_error(c, nm->loc, "rule-shape", "'from' names either log sources or rules, not both");
            hnc_note_at(c, first_source->loc, "'%s' is a log source", first_source->str);
          }
          s->used = true;
          nm->sym = s;
          over_alerts = true;
          if (s->decl == r) hnc_error(c, nm->loc, "rule-cycle", "rule '%s' cannot read its own alerts", r->str);
          else if ((ncycle = same_cycle(c, d->p, r, s->decl)) && loc_before(r->loc, s->decl->loc)) {
            /* reported once, at the first rule of the cycle */
            if (ncycle == 2)
              hnc_error(c, nm->loc, "rule-cycle", "rules '%s' and '%s' read each other's alerts", r->str, nm->str);
            else
              hnc_error(c, nm->loc, "rule-cycle", "rule '%s' reads the alerts of '%s', which come back to it through a cycle of %u rules",
                        r->str, nm->str, ncycle);
            hnc_note_at(c, s->decl->loc, "'%s' is declared here", nm->str);
          }
          continue;
        }
        hnc_error(c, nm->loc, "unknown-name", "'%s' is neither a logsource nor a rule", nm->str);
        suggest_sym(c, d->p, NS_LOGSOURCE, nm->str, nm->len);
      }
    }
  }
  hnc_node **seen = d->seen;
  bool broken = r->flags & HNC_F_BROKEN; /* a syntax error inside: its shape is not what was meant */
  if (!seen[HNC_IT_SEVERITY] && !broken) {
    hnc_error(c, r->loc, "missing-severity", "rule '%s' has no severity", r->str);
    hnc_hint(c, "add: severity info|low|medium|high|critical");
  }
  if (seen[HNC_IT_WHERE] && seen[HNC_IT_SEQUENCE]) {
    hnc_error(c, seen[HNC_IT_SEQUENCE]->loc, "rule-shape", "a rule has either where or sequence, not both");
    hnc_note_at(c, seen[HNC_IT_WHERE]->loc, "the where clause");
  } else if (!seen[HNC_IT_WHERE] && !seen[HNC_IT_SEQUENCE] && !broken) {
    hnc_error(c, r->loc, "rule-shape", "rule '%s' has no logic: add a where clause or a sequence", r->str);
  }
  static const int agg_items[] = {HNC_IT_GROUPBY, HNC_IT_WINDOW, HNC_IT_HAVING};
  if (seen[HNC_IT_SEQUENCE])
    for (int i = 0; i < 3; i++)
      if (seen[agg_items[i]])
        hnc_error(c, seen[agg_items[i]]->loc, "rule-shape", "'%s' belongs to an aggregation; a sequence has its own by and within",
                  hnc_item_keyword(agg_items[i]));
  if (seen[HNC_IT_WHERE] && !broken && (seen[HNC_IT_HAVING] != NULL) != (seen[HNC_IT_WINDOW] != NULL)) {
    hnc_node *has = seen[HNC_IT_HAVING] ? seen[HNC_IT_HAVING] : seen[HNC_IT_WINDOW];
    hnc_error(c, has->loc, "rule-shape", "an aggregation needs both window and having");
    hnc_hint(c, seen[HNC_IT_HAVING] ? "add e.g.: window 10m" : "add e.g.: having count() >= 5");
  }
  if (seen[HNC_IT_WHERE] && seen[HNC_IT_GROUPBY] && !seen[HNC_IT_HAVING] && !seen[HNC_IT_WINDOW] && !broken)
    hnc_error(c, seen[HNC_IT_GROUPBY]->loc, "rule-shape", "group by needs window and having");
  if (seen[HNC_IT_WHERE]) kind = seen[HNC_IT_HAVING] ? 1 : 0;
  for (hnc_node *it = r->list; it; it = it->next) {
    if (it->kind != N_ITEM) continue;
    ectx x;
    ectx_init(&x, d, SC_EVENT);
    x.alert_fields = over_alerts;
    switch (it->op) {
    case HNC_IT_SEVERITY:
      if (it->a && word_index(severities, it->a->str, it->a->len) < 0) {
        hnc_error(c, it->a->loc, "bad-severity", "unknown severity '%s'", it->a->str);
        const char *s = closest_word(severities, it->a->str, it->a->len);
        hnc_hint(c, s ? "did you mean '%s'?" : "severities are %s", s ? s : "info, low, medium, high, critical");
      }
      break;
    case HNC_IT_STATUS:
      if (it->a && word_index(statuses, it->a->str, it->a->len) < 0) {
        hnc_error(c, it->a->loc, "bad-status", "unknown status '%s'", it->a->str);
        hnc_hint(c, "statuses are experimental, test, stable, deprecated, unsupported");
      } else if (it->a && strcmp(it->a->str, "deprecated") == 0) {
        hnc_warning(c, it->a->loc, "deprecated", "rule '%s' is deprecated", r->str);
      }
      break;
    case HNC_IT_TAGS: check_tags(d, it->list); break;
    case HNC_IT_CONTROL: check_control_ref(d, it->a); break;
    case HNC_IT_SERVICE: resolve(c, d->p, NS_SERVICE, it->a, "service"); break;
    case HNC_IT_WHERE: want_bool(&x, it->a, "where"); break;
    case HNC_IT_EXCEPT: want_bool(&x, it->a, "except"); break;
    case HNC_IT_GROUPBY: case HNC_IT_ENTITIES:
      for (hnc_node *k = it->list; k; k = k->next) ex(&x, k);
      if (it->op == HNC_IT_GROUPBY) at_most(d, it->list, HN_MAX_KEYS, "group by");
      else at_most(d, it->list, HN_MAX_ENTITIES, "entities");
      break;
    case HNC_IT_SUPPRESS:
      positive_duration(d, it->a, "a suppression window");
      for (hnc_node *k = it->list; k; k = k->next) ex(&x, k);
      break;
    case HNC_IT_WINDOW: positive_duration(d, it->a, "a window"); break;
    case HNC_IT_ALIAS: { /* alias to = from: both declared event fields, of one type */
      ectx ax;
      ectx_init(&ax, d, SC_EVENT);
      const hnc_type *ta = ex(&ax, it->a), *tb = ex(&ax, it->b);
      if (!is_err(ta) && !is_err(tb) && !(ta == tb || (ta->k == tb->k && (ta->k != TY_LIST || ta->elem == tb->elem))))
        hnc_error(c, it->loc, "type", "alias '%s' is %s but '%s' is %s: an alias takes a field of its own type", it->a->str,
                  hnc_type_name(ta), it->b->str, hnc_type_name(tb));
      break;
    }
    case HNC_IT_HAVING:
      x.agg_ok = true;
      want_bool(&x, it->a, "having");
      if (!x.used_agg)
        hnc_error(c, it->a->loc, "rule-shape", "having must use an aggregate such as count() or distinct(field)");
      break;
    case HNC_IT_SEQUENCE: check_sequence(d, it, over_alerts, broken, &kind); break;
    default: break;
    }
  }
  /* an aggregation takes its group-by paths as entities, a sequence its by paths (§10.10) */
  bool keyed = (seen[HNC_IT_GROUPBY] && seen[HNC_IT_GROUPBY]->list) || (seen[HNC_IT_SEQUENCE] && seen[HNC_IT_SEQUENCE]->c);
  if (!seen[HNC_IT_ENTITIES] && !keyed && !broken)
    hnc_warning(c, r->loc, "missing-entities", "rule '%s' declares no entities, so its alerts cannot join incidents",
                r->str);
  if (over_alerts && kind == 0) kind = 4;
  d->p->n_rules[kind]++;
}

static void check_simple_items(dctx *d, hnc_node *decl) {
  memset(d->seen, 0, sizeof d->seen);
  for (hnc_node *it = decl->list; it; it = it->next)
    if (it->kind == N_ITEM && it->op != HNC_IT_TRANSITION && it->op != HNC_IT_STEP && it->op != HNC_IT_ALIAS &&
        it->op != HNC_IT_SLA && it->op != HNC_IT_REQUIRE && it->op != HNC_IT_EVENT &&
        it->op != HNC_IT_EXPECT && it->op != HNC_IT_OPEN && it->op != HNC_IT_CLOSE &&
        it->op != HNC_IT_FRAMEWORK) /* a control may map to several frameworks */
      once(d, it);
}

/* Does a service of any loaded pack route its incidents to this domain? */
static bool service_routes_to(hnc_compiler *c, hnc_node *dom) {
  for (size_t i = 0; i < c->n_packs; i++)
    for (size_t f = 0; f < c->packs[i]->n_files; f++)
      for (hnc_node *n = c->packs[i]->files[f].root ? c->packs[i]->files[f].root->list : NULL; n; n = n->next) {
        if (n->kind != N_SERVICE) continue;
        for (hnc_node *it = n->list; it; it = it->next)
          if (it->op == HNC_IT_DOMAIN && it->a && it->a->len == dom->len && memcmp(it->a->str, dom->str, dom->len) == 0)
            return true;
      }
  return false;
}

static void check_domain(dctx *d, hnc_node *dom) {
  check_simple_items(d, dom);
  for (hnc_node *it = dom->list; it; it = it->next) {
    ectx x;
    ectx_init(&x, d, SC_INCIDENT);
    if (it->op == HNC_IT_WHEN) want_bool(&x, it->a, "a domain's when");
    else if (it->op == HNC_IT_SCORE) resolve(d->c, d->p, NS_SCORE, it->a, "score");
    else if (it->op == HNC_IT_WIP && it->a && it->a->i < 1)
      hnc_error(d->c, it->a->loc, "bad-wip", "a WIP limit must be at least 1");
  }
  if (!d->seen[HNC_IT_WHEN] && !d->seen[HNC_IT_DEFAULT] && !(dom->flags & HNC_F_BROKEN) &&
      !service_routes_to(d->c, dom))
    hnc_error(d->c, dom->loc, "domain-shape", "domain '%s' has no when, is not the default and no service routes to it, so nothing can reach it", dom->str);
}

static hnc_node *find_state(hnc_node *states, hnc_node *name) {
  for (hnc_node *s = states; s; s = s->next)
    if (s->len == name->len && memcmp(s->str, name->str, s->len) == 0) return s;
  return NULL;
}

static void state_ref(dctx *d, hnc_node *states, hnc_node *name, const char *svc) {
  if (!name || !states || find_state(states, name)) return;
  hnc_error(d->c, name->loc, "unknown-name", "service '%s' has no state '%s'", svc, name->str);
  const char *best = NULL;
  int bd = 2;
  for (hnc_node *s = states; s; s = s->next) {
    int k = hnc_edit_distance(name->str, name->len, s->str, s->len, bd);
    if (k < bd || (k == bd && !best)) { best = s->str; bd = k; }
  }
  if (best) hnc_hint(d->c, "did you mean '%s'?", best);
}

/* An earlier SLA of the service for the same state as s, or NULL. */
static hnc_node *sla_seen(dctx *d, hnc_node *svc, hnc_node *s) {
  (void)d;
  for (hnc_node *it = svc->list; it; it = it->next) {
    if (it->op != HNC_IT_SLA) continue;
    for (hnc_node *t = it->list; t; t = t->next) {
      if (t == s) return NULL;
      if (t->a && s->a && t->a->len == s->a->len && memcmp(t->a->str, s->a->str, s->a->len) == 0) return t;
    }
  }
  return NULL;
}

static void check_service(dctx *d, hnc_node *svc) {
  check_simple_items(d, svc);
  hnc_node *states = d->seen[HNC_IT_STATES] ? d->seen[HNC_IT_STATES]->list : NULL;
  if (!states && !(svc->flags & HNC_F_BROKEN)) hnc_error(d->c, svc->loc, "service-shape", "service '%s' declares no states", svc->str);
  for (hnc_node *s = states; s; s = s->next)
    for (hnc_node *t = states; t != s; t = t->next)
      if (t->len == s->len && memcmp(t->str, s->str, s->len) == 0) {
        hnc_error(d->c, s->loc, "duplicate", "state '%s' appears twice", s->str);
        hnc_note_at(d->c, t->loc, "its first appearance");
        break;
      }
  for (hnc_node *it = svc->list; it; it = it->next) {
    switch (it->op) {
    case HNC_IT_DOMAIN: resolve(d->c, d->p, NS_DOMAIN, it->a, "domain"); break;
    case HNC_IT_TRANSITION:
      state_ref(d, states, it->a, svc->str);
      state_ref(d, states, it->b, svc->str);
      if (states && it->a && it->a->len == states->tail->len && memcmp(it->a->str, states->tail->str, it->a->len) == 0)
        hnc_error(d->c, it->a->loc, "bad-transition", "'%s' is the final state of service '%s': no transition leaves it",
                  it->a->str, svc->str);
      break;
    case HNC_IT_REQUIRE:
      for (hnc_node *r = it->list; r; r = r->next)
        for (hnc_node *q = it->list; q != r; q = q->next)
          if (q->len == r->len && memcmp(q->str, r->str, r->len) == 0) {
            hnc_error(d->c, r->loc, "duplicate", "field '%s' is required twice", r->str);
            break;
          }
      break;
    case HNC_IT_SLA:
      for (hnc_node *s = it->list; s; s = s->next) {
        state_ref(d, states, s->a, svc->str);
        positive_duration(d, s->b, "an SLA");
        hnc_node *prev = sla_seen(d, svc, s);
        if (prev && s->a) {
          hnc_error(d->c, s->a->loc, "duplicate", "state '%s' has two SLAs", s->a->str);
          hnc_note_at(d->c, prev->loc, "the first one is here");
        }
        if (states && s->a && find_state(states, s->a) == states)
          hnc_error(d->c, s->a->loc, "bad-sla", "'%s' is the initial state: an SLA counts time until a state is reached", s->a->str);
      }
      break;
    case HNC_IT_STEP: state_ref(d, states, it->a, svc->str); break;
    default: break;
    }
  }
}

static void check_exposure(dctx *d, hnc_node *e) {
  check_simple_items(d, e);
  hnc_node *open = NULL, *close = NULL;
  for (hnc_node *it = e->list; it; it = it->next) {
    ectx x;
    ectx_init(&x, d, SC_EVENT);
    switch (it->op) {
    case HNC_IT_OPEN: case HNC_IT_CLOSE: {
      hnc_node **slot = it->op == HNC_IT_OPEN ? &open : &close;
      if (*slot) {
        hnc_error(d->c, it->loc, "duplicate", "'%s' is given twice", hnc_item_keyword(it->op));
        hnc_note_at(d->c, (*slot)->loc, "the first one is here");
      }
      *slot = it;
      want_bool(&x, it->a, it->op == HNC_IT_OPEN ? "open when" : "close when");
      const hnc_type *t = ex(&x, it->b);
      if (!is_err(t) && scalar(t)->k != TY_IP && scalar(t)->k != TY_STRING)
        hnc_error(d->c, it->b->loc, "type", "an exposure is on an asset named by an ip or a host name, not %s",
                  hnc_type_name(t));
      break;
    }
    case HNC_IT_STATE:
      x.scope = SC_ASSET;
      want_bool(&x, it->a, "state");
      break;
    case HNC_IT_WEIGHT:
      if (it->a && ((it->a->kind == N_INT && it->a->i <= 0) || (it->a->kind == N_FLOAT && it->a->f <= 0)))
        hnc_error(d->c, it->a->loc, "bad-weight", "an exposure weight must be greater than zero");
      break;
    case HNC_IT_CONTROL: check_control_ref(d, it->a); break;
    case HNC_IT_FROM:
      for (hnc_node *nm = it->list; nm; nm = nm->next) resolve(d->c, d->p, NS_LOGSOURCE, nm, "logsource");
      break;
    default: break;
    }
  }
  if (e->flags & HNC_F_BROKEN) {
    /* shape unknown */
  } else if ((open || close) && d->seen[HNC_IT_STATE]) {
    hnc_error(d->c, d->seen[HNC_IT_STATE]->loc, "exposure-shape",
              "exposure '%s' is either opened and closed by activity or held by state, not both", e->str);
    hnc_hint(d->c, "declare two exposures");
  } else if (open && close && open->b && close->b &&
             (open->b->len != close->b->len || memcmp(open->b->str, close->b->str, open->b->len) != 0)) {
    hnc_error(d->c, close->b->loc, "exposure-shape", "exposure '%s' opens on '%s' but closes on '%s': a window closes on the asset it opened on",
              e->str, open->b->str, close->b->str);
  } else if (open && !close) {
    hnc_error(d->c, open->loc, "exposure-shape", "exposure '%s' opens but never closes", e->str);
    hnc_hint(d->c, "add: close when ... on %s", open->b ? open->b->str : "FIELD");
  } else if (close && !open) {
    hnc_error(d->c, close->loc, "exposure-shape", "exposure '%s' closes but never opens", e->str);
  } else if (!open && !d->seen[HNC_IT_STATE]) {
    hnc_error(d->c, e->loc, "exposure-shape", "exposure '%s' has neither open/close nor state", e->str);
  }
}

static void check_kpi(dctx *d, hnc_node *k) {
  check_simple_items(d, k);
  const hnc_type *vt = NULL;
  for (hnc_node *it = k->list; it; it = it->next) {
    ectx x;
    ectx_init(&x, d, SC_KPI);
    switch (it->op) {
    case HNC_IT_VALUE:
      x.agg_ok = true;
      x.kpi_value = true;
      vt = ex(&x, it->a);
      if (!is_err(vt) && !is_num(vt) && vt->k != TY_DUR)
        hnc_error(d->c, it->a->loc, "type", "a KPI value must be a number or a duration, not %s", hnc_type_name(vt));
      else if (!x.used_agg)
        hnc_error(d->c, it->a->loc, "kpi-shape", "a KPI value aggregates incidents: use count(), avg(...), sum(...), ...");
      else if (x.kpi_bare) {
        const char *f = x.kpi_bare->str;
        hnc_error(d->c, x.kpi_bare->loc, "kpi-shape", "'%s' stands outside an aggregate: a KPI value combines aggregates "
                  "over rows", f);
        hnc_hint(d->c, "put it inside one, such as max(%s)", f);
      }
      break;
    case HNC_IT_WHERE: want_bool(&x, it->a, "a KPI's where"); break;
    case HNC_IT_BY:
      for (hnc_node *nm = it->list; nm; nm = nm->next) {
        for (hnc_node *o = it->list; o != nm; o = o->next)
          if (o->len == nm->len && memcmp(o->str, nm->str, nm->len) == 0) {
            hnc_error(d->c, nm->loc, "duplicate", "dimension '%s' is given twice", nm->str);
            hnc_note_at(d->c, o->loc, "the first one is here");
            break;
          }
        if (word_index(kpi_dims, nm->str, nm->len) < 0) {
          hnc_error(d->c, nm->loc, "unknown-name", "unknown KPI dimension '%s'", nm->str);
          const char *s = closest_word(kpi_dims, nm->str, nm->len);
          if (s) hnc_hint(d->c, "did you mean '%s'?", s);
          else hnc_hint(d->c, "dimensions: domain, business_unit, control, service, technique, tactic, severity, rule, "
                        "asset_role, owner, state, assignee, disposition, exposure");
        }
      }
      break;
    case HNC_IT_EVERY: positive_duration(d, it->a, "a KPI period"); break;
    default: break;
    }
  }
  if (!d->seen[HNC_IT_VALUE] && !(k->flags & HNC_F_BROKEN)) hnc_error(d->c, k->loc, "kpi-shape", "kpi '%s' has no value", k->str);
  hnc_node *tg = d->seen[HNC_IT_TARGET];
  if (tg && tg->a && vt && !is_err(vt)) {
    ectx x;
    ectx_init(&x, d, SC_KPI);
    const hnc_type *tt = ex(&x, tg->a);
    if (!comparable(vt, tt))
      hnc_error(d->c, tg->a->loc, "type", "the target is %s but the value is %s", hnc_type_name(tt), hnc_type_name(vt));
  }
}

static void check_event_object(dctx *d, hnc_node *obj, const char *prefix) {
  for (hnc_node *pr = obj ? obj->list : NULL; pr; pr = pr->next) {
    hnc_node *k = pr->a, *v = pr->b;
    if (!k || !v || (v->flags & HNC_F_BROKEN)) continue; /* a broken value was reported */
    char *name = hn_arena_printf(&d->c->arena, "%s%s%.*s", prefix, *prefix ? "." : "", (int)k->len, k->str);
    if (!name) return;
    if (v->kind == N_OBJECT) {
      check_event_object(d, v, name);
      continue;
    }
    hnc_field *f = hnc_table_get(&d->p->fields, name, strlen(name));
    if (!f) {
      hnc_error(d->c, k->loc, "unknown-field", "unknown field '%s' in a test event", name);
      suggest_field(d->c, d->p, name, strlen(name), NULL, NULL);
      continue;
    }
    ectx x;
    ectx_init(&x, d, SC_EVENT);
    const hnc_type *t = ex(&x, v);
    if (is_err(t) || t->k == TY_NULL) continue;
    const hnc_type *want = f->type;
    if (t->k == TY_LIST) {
      if (want->k != TY_LIST) {
        hnc_error(d->c, v->loc, "type", "field '%s' is %s, not a list", name, hnc_type_name(want));
        continue;
      }
      for (hnc_node *e = v->list; e; e = e->next)
        if (e->type && !comparable(want->elem, e->type) && !literal_fits(&x, e, e->type, want->elem))
          hnc_error(d->c, e->loc, "type", "field '%s' holds %s, not %s", name, hnc_type_name(want->elem), hnc_type_name(e->type));
      continue;
    }
    if (!comparable(want, t) && !literal_fits(&x, v, t, want)) {
      hnc_error(d->c, v->loc, "type", "field '%s' is %s, not %s", name, hnc_type_name(want), hnc_type_name(t));
      if (scalar(want)->k == TY_STRING && is_num(t)) hnc_hint(d->c, "quote the value: \"%.*s\"", (int)v->rawlen, v->raw);
    }
  }
}

static void check_test(dctx *d, hnc_node *t) {
  bool any_event = false, any_expect = false;
  for (hnc_node *it = t->list; it; it = it->next) {
    if (it->op == HNC_IT_EVENT) {
      any_event = true;
      check_event_object(d, it->a, "");
    } else if (it->op == HNC_IT_EXPECT) {
      any_expect = true;
      resolve(d->c, d->p, NS_RULE, it->a, "rule");
      if (it->b && it->b->i < 0) hnc_error(d->c, it->b->loc, "bad-test", "an expected count cannot be negative");
    }
  }
  const char *nm = t->a ? t->a->str : "";
  if (!any_event && !(t->flags & HNC_F_BROKEN)) hnc_error(d->c, t->loc, "bad-test", "test \"%s\" has no event", nm);
  if (!any_expect && !(t->flags & HNC_F_BROKEN)) hnc_error(d->c, t->loc, "bad-test", "test \"%s\" expects nothing", nm);
  d->p->n_tests++;
}

static void check_list(dctx *d, hnc_node *l) {
  if (l->flags & HNC_F_BROKEN) { /* its elements did not parse: reported already */
    l->type = T(TY_ERR);
    return;
  }
  ectx x;
  ectx_init(&x, d, SC_EVENT);
  const hnc_type *el = l->b ? node_type(d->c, l->b) : NULL;
  if (el && el->k == TY_LIST) {
    hnc_error(d->c, l->b->loc, "bad-type", "a list's type is the type of its elements");
    el = NULL;
  }
  for (hnc_node *e = l->list; e; e = e->next) {
    const hnc_type *t = ex(&x, e);
    if (is_err(t) || t->k == TY_NULL) continue;
    if (!el) { el = t; continue; }
    /* strings stand for the types that have no literal of their own (ip, cidr, timestamp);
     * a quoted number in a list of numbers is a mistake worth saying */
    bool parsed = (el->k == TY_IP || el->k == TY_CIDR || el->k == TY_TIME) && literal_fits(&x, e, t, el);
    if (el != t && !(is_num(el) && is_num(t)) && !parsed)
      hnc_error(d->c, e->loc, "type", "list '%s' holds %s, not %s", l->str, hnc_type_name(el), hnc_type_name(t));
  }
  l->type = hnc_type_list(el ? el : T(TY_STRING));
  if (!l->list) hnc_error(d->c, l->loc, "empty-list", "list '%s' is empty", l->str);
}

static void check_settings(dctx *d, hnc_node *s) {
  for (hnc_node *it = s->list; it; it = it->next) {
    hnc_node *old = hnc_table_get(&d->p->settings, it->str, it->len);
    if (old) {
      hnc_error(d->c, it->loc, "duplicate", "setting '%s' is given twice", it->str);
      hnc_note_at(d->c, old->loc, "the first one is here");
    } else {
      hnc_table_put(&d->c->arena, &d->p->settings, it->str, it->len, it);
    }
    int k = -1;
    for (int i = 0; settings_tab[i].name; i++)
      if (strlen(settings_tab[i].name) == it->len && memcmp(settings_tab[i].name, it->str, it->len) == 0) k = i;
    if (k < 0) {
      static const char *const names[] = {"lateness", "horizon", "memory", "suppress", "checkpoint", "max_keys",
                                          "max_skew", NULL};
      hnc_error(d->c, it->loc, "unknown-setting", "unknown setting '%s'", it->str);
      const char *b = closest_word(names, it->str, it->len);
      if (b) hnc_hint(d->c, "did you mean '%s'?", b);
      else hnc_hint(d->c, "settings: lateness, horizon, memory, suppress, checkpoint, max_keys, max_skew");
      continue;
    }
    hnc_tk want = settings_tab[k].k;
    hnc_node *v = it->a;
    bool ok = v && ((want == TY_DUR && v->kind == N_DURATION) ||
                    (want == TY_INT && (v->kind == N_INT || v->kind == N_SIZE)));
    if (!ok && v)
      hnc_error(d->c, v->loc, "type", "setting '%s' takes a %s", it->str,
                want == TY_DUR ? "duration such as 30s" : strcmp(it->str, "memory") == 0 ? "size such as 512MB" : "count");
    else if (v && v->i <= 0 && strcmp(it->str, "lateness") != 0 && strcmp(it->str, "max_skew") != 0)
      hnc_error(d->c, v->loc, "bad-setting", "setting '%s' must be greater than zero", it->str);
    else if (v && want == TY_DUR && v->i > HN_TIME_BOUND / 1000000) /* durations are in ms */
      hnc_error(d->c, v->loc, "bad-setting", "setting '%s' must be at most 146 years (53375d): times are 64-bit nanoseconds", it->str);
  }
}

/* Whether `path` (normalised) is under dir or an allowed directory: by their text, then, for a
 * file that exists, with symbolic links followed (a link in the pack may point anywhere). */
static bool path_allowed(hnc_compiler *c, const char *path, const char *dir) {
  bool ok = false;
  for (size_t i = 0; i <= c->n_allowed && !ok; i++) {
    char *a = hnc_path_normal(i == 0 ? dir : c->allowed[i - 1]);
    ok = a && hnc_path_within(path, a);
    free(a);
  }
  char *real = ok ? realpath(path, NULL) : NULL;
  if (!real) return ok; /* missing: reported when it is opened */
  ok = false;
  for (size_t i = 0; i <= c->n_allowed && !ok; i++) {
    char *a = realpath(i == 0 ? dir : c->allowed[i - 1], NULL);
    ok = a && hnc_path_within(real, a);
    free(a);
  }
  free(real);
  return ok;
}

/* An inventory named by `assets` / `identities` must exist inside the pack's directory (or a
 * directory the user allows); it is read and checked here (inventory.c), each file once, its
 * errors located in the YAML file, whose lines the diagnostics quote. */
static void check_file_ref(dctx *d, hnc_node *decl) {
  hnc_node *s = decl->a;
  if (!s || !s->len) return;
  const hnc_source *sf = &d->c->sources[decl->loc.file];
  const char *src = sf->path;
  const char *what = decl->kind == N_ASSETS ? "asset inventory" : "identity inventory";
  const char *slash = strrchr(src, '/');
  char *path = s->str[0] == '/' || !slash ? hn_arena_printf(&d->c->arena, "%s", s->str)
                                          : hn_arena_printf(&d->c->arena, "%.*s/%s", (int)(slash - src), src, s->str);
  char *dir = sf->dir ? sf->dir : slash ? hn_arena_strndup(&d->c->arena, src, (size_t)(slash - src) + (slash == src))
                                        : hn_arena_strndup(&d->c->arena, ".", 1);
  char *norm = path ? hnc_path_normal(path) : NULL;
  if (!path || !dir || !norm) { /* not read, and said so */
    char why[128];
    hnc_error(d->c, s->loc, "io", "cannot open the %s file '%s': %s", what, s->str, hnc_strerror(errno, why, sizeof why));
    free(norm);
    return;
  }
  bool inside = path_allowed(d->c, norm, dir);
  free(norm);
  if (!inside) {
    hnc_error(d->c, s->loc, "path", "the %s file '%s' is outside the pack's directory '%s'", what, s->str, dir);
    hnc_hint(d->c, "a pack reads files from its own directory; to allow another, pass --allow-path DIR");
    return;
  }
  hnc_inventory *inv = &d->c->inventory;
  for (uint32_t i = 0; i < inv->n_read; i++)
    if (strcmp(inv->read[i], path) == 0) return;
  size_t len = 0;
  char *text = hnc_read_file(path, &len);
  if (!text) {
    char why[128];
    hnc_error(d->c, s->loc, "io", "cannot open the %s file '%s': %s", what, s->str, hnc_strerror(errno, why, sizeof why));
    hnc_hint(d->c, "paths are relative to the file that names them (%s)", src);
    return;
  }
  const char **nr = hn_arena_alloc(&d->c->arena, (inv->n_read + 1) * sizeof *nr);
  if (nr) {
    if (inv->n_read) memcpy(nr, inv->read, inv->n_read * sizeof *nr);
    nr[inv->n_read++] = hn_arena_strndup(&d->c->arena, path, strlen(path));
    inv->read = nr;
  }
  hnc_inventory_read(d->c, path, text, len, decl->kind == N_IDENTITIES, s->loc);
  free(text);
}

static void check_decl(dctx *d, hnc_node *decl) {
  ectx x;
  ectx_init(&x, d, SC_EVENT);
  switch (decl->kind) {
  case N_PACK:
    if (decl->a) {
      int v[3];
      if (!hnc_parse_semver(decl->a->str, v))
        hnc_error(d->c, decl->a->loc, "bad-version", "'%s' is not a semantic version (MAJOR.MINOR.PATCH)", decl->a->str);
    }
    break;
  case N_ASSETS: case N_IDENTITIES: check_file_ref(d, decl); break;
  case N_SETTINGS: check_settings(d, decl); break;
  case N_LOGSOURCE: want_bool(&x, decl->a, "a logsource's where"); break;
  case N_LISTDECL: check_list(d, decl); break;
  case N_MACRO:
    if (decl->sym) macro_type(&x, decl->sym, decl, 0);
    break;
  case N_CONTROL: check_simple_items(d, decl); break;
  case N_RULE: check_rule(d, decl); break;
  case N_SCORE: {
    x.scope = SC_INCIDENT;
    x.agg_ok = true;
    const hnc_type *t = ex(&x, decl->a);
    if (!is_err(t) && !is_num(t))
      hnc_error(d->c, decl->a->loc, "type", "a score must be a number, not %s", hnc_type_name(t));
    break;
  }
  case N_DOMAIN: check_domain(d, decl); break;
  case N_SERVICE: check_service(d, decl); break;
  case N_EXPOSURE: check_exposure(d, decl); break;
  case N_KPI: check_kpi(d, decl); break;
  case N_TEST: check_test(d, decl); break;
  default: break;
  }
}

/* Macros are checked before everything else: their type is what a use of them has. */
static void check_macros_first(dctx *d) {
  for (size_t f = 0; f < d->p->n_files; f++)
    for (hnc_node *n = d->p->files[f].root ? d->p->files[f].root->list : NULL; n; n = n->next)
      if (n->kind == N_MACRO || n->kind == N_LISTDECL) check_decl(d, n);
}

/* The default domain: a pack's own default overrides the imported ones; two defaults in one
 * pack, or (without an own one) from two imports, are ambiguous. */
static void check_defaults(dctx *d) {
  hnc_node *own = NULL, *imported = NULL;
  const char *own_name = "", *imp_name = "";
  hnc_pack *imp_pack = NULL;
  size_t n_domains = 0;
  for (size_t k = 0; k <= d->p->n_imports; k++) {
    hnc_pack *q = k == 0 ? d->p : d->p->imports[k - 1];
    if (!q) continue;
    hnc_table *t = &q->syms[NS_DOMAIN];
    for (size_t i = 0; i < t->cap; i++) {
      hnc_sym *s = t->vals[i];
      if (!t->keys[i] || !s) continue;
      n_domains++;
      for (hnc_node *it = s->decl->list; it; it = it->next) {
        if (it->op != HNC_IT_DEFAULT) continue;
        if (k == 0 && own) {
          hnc_error(d->c, it->loc, "duplicate-default", "two default domains in pack '%s': '%s' and '%s'",
                    d->p->name, own_name, s->decl->str);
          hnc_note_at(d->c, own->loc, "the other default");
        } else if (k == 0) {
          own = it;
          own_name = s->decl->str;
        } else if (imported && imp_pack != q && !own) {
          hnc_error(d->c, d->p->import_decls[k - 1]->loc, "duplicate-default",
                    "packs '%s' and '%s' both declare a default domain ('%s' and '%s')", imp_pack->name, q->name,
                    imp_name, s->decl->str);
          hnc_hint(d->c, "declare a default domain in this pack to choose");
        } else if (!imported) {
          imported = it;
          imp_name = s->decl->str;
          imp_pack = q;
        }
      }
    }
  }
  if (n_domains && !own && !imported && d->p->decl)
    hnc_warning(d->c, d->p->decl->loc, "no-default-domain", "pack '%s' sees %zu domain%s but none is the default: unmatched incidents stay unrouted",
                d->p->name, n_domains, n_domains == 1 ? "" : "s");
}

void hnc_sema_pack(hnc_compiler *c, hnc_pack *p) {
  if (p->checked) return;
  p->checked = true;
  hnc_sema_collect(c, p);
  resolve_imports(c, p, NULL, NULL);
  /* imports first: their lists and macros must have types before this pack uses them */
  for (size_t i = 0; i < p->n_imports; i++)
    if (p->imports[i]) hnc_sema_pack(c, p->imports[i]);
  build_fields(c, p);
  dctx d = {c, p, {0}};
  check_macros_first(&d);
  for (size_t f = 0; f < p->n_files; f++)
    for (hnc_node *n = p->files[f].root ? p->files[f].root->list : NULL; n; n = n->next)
      if (n->kind != N_MACRO && n->kind != N_LISTDECL) check_decl(&d, n);
  check_defaults(&d);
  /* ids must be unique within a pack: Sigma and SIEMs key on them */
  hnc_table ids = {0};
  for (size_t f = 0; f < p->n_files; f++)
    for (hnc_node *n = p->files[f].root ? p->files[f].root->list : NULL; n; n = n->next) {
      if (n->kind != N_RULE) continue;
      for (hnc_node *it = n->list; it; it = it->next) {
        if (it->op != HNC_IT_ID || !it->a) continue;
        hnc_node *old = hnc_table_get(&ids, it->a->str, it->a->len);
        if (old) {
          hnc_error(c, it->a->loc, "duplicate", "rule id \"%s\" is used twice", it->a->str);
          hnc_note_at(c, old->loc, "the first use");
        } else {
          hnc_table_put(&c->arena, &ids, it->a->str, it->a->len, it->a);
        }
      }
    }
  if (!p->is_root) return;
  hnc_table *t = &p->syms[NS_VALUE];
  for (size_t i = 0; i < t->cap; i++) {
    hnc_sym *s = t->vals[i];
    if (t->keys[i] && s && !s->used)
      hnc_warning(c, s->decl->loc, "unused", "%s '%s' is never used", s->decl->kind == N_MACRO ? "macro" : "list",
                  s->name);
  }
}
