/* sigma.c - `hornet import-sigma`: Sigma detection rules (YAML) into a readable hornet pack,
 * by the correspondence of lang/SPEC.md §6.19, over the Windows fields and log sources of
 * std.windows. What cannot be imported (yet) is reported rule by rule with the reason; a
 * report line names the file.
 *
 * Covered: single-document detection rules; selections as maps (and) and lists of maps (or);
 * value lists (or; and with |all); the modifiers contains, startswith, endswith, all, re (with
 * i, m, s), cidr (on address fields), base64, base64offset, wide/utf16le/utf16be, windash,
 * exists, cased, gt/gte/lt/lte, fieldref; wildcards and escapes as Sigma has them; null and
 * empty values; numbers against int fields or as strings; conditions with and/or/not,
 * parentheses, `1 of x*`, `all of x*`, `1 of them`, `all of them`, lists of conditions.
 * Not yet: keyword (field-less) searches, correlation rules and filters, other products'
 * log sources, expand, the time modifiers.
 * Depends on libyaml. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "hnc.h"
#include "hornet/compiler.h"

typedef struct field_type {
  char name[64];
  char type[16];
} field_type;

typedef struct imp {
  yaml_document_t *doc;
  FILE *out;             /* the rule's text */
  const char *why;       /* why the rule cannot be imported, or NULL */
  field_type *known;     /* std.windows' fields */
  size_t n_known;
  char **extra;          /* fields the rules use that std.windows lacks: declared as strings */
  size_t n_extra, cap_extra;
  char **sources;        /* std.windows' log sources */
  size_t n_sources;
} imp;

static const char *sval(const yaml_node_t *n) { return (const char *)n->data.scalar.value; }
static bool is_scalar(const yaml_node_t *n) { return n && n->type == YAML_SCALAR_NODE; }

static const yaml_node_t *get(yaml_document_t *d, const yaml_node_t *map, const char *key) {
  if (!map || map->type != YAML_MAPPING_NODE) return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    const yaml_node_t *k = yaml_document_get_node(d, p->key);
    if (is_scalar(k) && strcmp(sval(k), key) == 0) return yaml_document_get_node(d, p->value);
  }
  return NULL;
}

static const char *field_type_of(imp *m, const char *f) {
  for (size_t i = 0; i < m->n_known; i++)
    if (strcmp(m->known[i].name, f) == 0) return m->known[i].type;
  for (size_t i = 0; i < m->n_extra; i++)
    if (strcmp(m->extra[i], f) == 0) return "string";
  if (m->n_extra == m->cap_extra) {
    size_t cap = m->cap_extra ? m->cap_extra * 2 : 32;
    char **ne = realloc(m->extra, cap * sizeof *ne);
    if (!ne) return "string";
    m->extra = ne;
    m->cap_extra = cap;
  }
  m->extra[m->n_extra] = strdup(f);
  if (m->extra[m->n_extra]) m->n_extra++;
  return "string";
}

/* A field's name as a hornet path: plain when it is one, else backquoted. */
static void path(FILE *o, const char *f) {
  bool plain = isalpha((unsigned char)f[0]) || f[0] == '_';
  for (const char *s = f; *s && plain; s++) plain = isalnum((unsigned char)*s) || *s == '_' || *s == '.';
  if (plain) fputs(f, o);
  else fprintf(o, "`%s`", f);
}

/* A hornet string literal of s (its bytes as they are: escapes of the string syntax only). */
static void lit(FILE *o, const char *s) {
  fputc('"', o);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(o, "\\%c", c);
    else if (c == '\n') fputs("\\n", o);
    else if (c == '\t') fputs("\\t", o);
    else if (c < 0x20) fprintf(o, "\\u%04x", c);
    else fputc(c, o);
  }
  fputc('"', o);
}

/* Whether a Sigma value has an unescaped wildcard. */
static bool wild(const char *s) {
  for (; *s; s++) {
    if (*s == '\\' && (s[1] == '*' || s[1] == '?' || s[1] == '\\')) { s++; continue; }
    if (*s == '*' || *s == '?') return true;
  }
  return false;
}

/* The value without Sigma's escapes (\* \? \\), for the exact operators. */
static char *unescape(const char *s) {
  char *d = malloc(strlen(s) + 1), *p = d;
  if (!d) return NULL;
  for (; *s; s++) {
    if (*s == '\\' && (s[1] == '*' || s[1] == '?' || s[1] == '\\')) s++;
    *p++ = *s;
  }
  *p = 0;
  return d;
}

enum { M_CONTAINS = 1, M_STARTS = 2, M_ENDS = 4, M_ALL = 8, M_RE = 16, M_CASED = 32, M_CIDR = 64, M_EXISTS = 128,
       M_GT = 256, M_GTE = 512, M_LT = 1024, M_LTE = 2048, M_FIELDREF = 4096, M_RE_I = 8192, M_RE_M = 16384,
       M_RE_S = 32768 };

typedef struct mods {
  unsigned flags;
  const char *transform[4]; /* base64, base64offset, wide, utf16le, utf16be, windash: outermost last */
  int n_transform;
} mods;

static bool parse_mods(imp *m, char *spec, mods *x) {
  memset(x, 0, sizeof *x);
  for (char *t = strtok(spec, "|"); t; t = strtok(NULL, "|")) {
    if (!strcmp(t, "contains")) x->flags |= M_CONTAINS;
    else if (!strcmp(t, "startswith")) x->flags |= M_STARTS;
    else if (!strcmp(t, "endswith")) x->flags |= M_ENDS;
    else if (!strcmp(t, "all")) x->flags |= M_ALL;
    else if (!strcmp(t, "re")) x->flags |= M_RE;
    else if (!strcmp(t, "i")) x->flags |= M_RE_I;
    else if (!strcmp(t, "m")) x->flags |= M_RE_M;
    else if (!strcmp(t, "s")) x->flags |= M_RE_S;
    else if (!strcmp(t, "cased")) x->flags |= M_CASED;
    else if (!strcmp(t, "cidr")) x->flags |= M_CIDR;
    else if (!strcmp(t, "exists")) x->flags |= M_EXISTS;
    else if (!strcmp(t, "gt")) x->flags |= M_GT;
    else if (!strcmp(t, "gte")) x->flags |= M_GTE;
    else if (!strcmp(t, "lt")) x->flags |= M_LT;
    else if (!strcmp(t, "lte")) x->flags |= M_LTE;
    else if (!strcmp(t, "fieldref")) x->flags |= M_FIELDREF;
    else if (!strcmp(t, "base64") || !strcmp(t, "base64offset") || !strcmp(t, "wide") || !strcmp(t, "utf16le") ||
             !strcmp(t, "utf16be") || !strcmp(t, "utf16") || !strcmp(t, "windash")) {
      if (x->n_transform == 4) { m->why = "more than four value transforms"; return false; }
      x->transform[x->n_transform++] = !strcmp(t, "utf16") ? "utf16le" : t;
    } else {
      static char why[96];
      snprintf(why, sizeof why, "the modifier |%s is not imported yet", t);
      m->why = why;
      return false;
    }
  }
  return true;
}

/* One value as a hornet operand: the transforms of §6.15 wrap the literal, innermost first. */
static void value_operand(FILE *o, const mods *x, const char *v) {
  for (int i = x->n_transform - 1; i >= 0; i--) fprintf(o, "%s(", x->transform[i]);
  lit(o, v);
  for (int i = 0; i < x->n_transform; i++) fputc(')', o);
}

/* field|mods: values -> a hornet condition. */
static void field_cond(imp *m, const char *key, const yaml_node_t *val) {
  FILE *o = m->out;
  char spec[256];
  snprintf(spec, sizeof spec, "%s", key);
  char *bar = strchr(spec, '|');
  mods x;
  memset(&x, 0, sizeof x);
  if (bar) {
    *bar = 0;
    if (!parse_mods(m, bar + 1, &x)) return;
  }
  const char *f = spec;
  if (!*f) { m->why = "a field-less value with modifiers"; return; }
  const char *type = field_type_of(m, f);
  const char *tl = x.flags & M_CASED ? "" : "~";
  /* the values: one scalar or a list */
  const yaml_node_t *vals[512];
  size_t nv = 0;
  if (is_scalar(val)) vals[nv++] = val;
  else if (val->type == YAML_SEQUENCE_NODE)
    for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top && nv < 512; it++)
      vals[nv++] = yaml_document_get_node(m->doc, *it);
  else { m->why = "a field's value is a mapping"; return; }
  if (x.flags & M_EXISTS) {
    bool yes = nv && is_scalar(vals[0]) && !strcmp(sval(vals[0]), "true");
    fprintf(o, "%s ", yes ? "exists" : "missing");
    path(o, f);
    return;
  }
  if (!nv) { fputs("false", o); return; }
  const char *join = x.flags & M_ALL ? " and " : " or ";
  if (nv > 1) fputc('(', o);
  for (size_t i = 0; i < nv; i++) {
    const yaml_node_t *v = vals[i];
    if (i) fputs(join, o);
    if (!is_scalar(v)) { m->why = "a value list holds a mapping or a list"; return; }
    const char *s = sval(v);
    bool plain_scalar = v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (plain_scalar && (!strcmp(s, "null") || !strcmp(s, "~") || !*s) && !x.flags && !x.n_transform) {
      path(o, f);
      fputs(" == null", o);
      continue;
    }
    if (x.flags & M_FIELDREF) {
      path(o, f);
      fprintf(o, " ==%s ", tl);
      path(o, s);
      field_type_of(m, s);
      continue;
    }
    if (x.flags & (M_GT | M_GTE | M_LT | M_LTE)) {
      char *end;
      strtod(s, &end);
      if (!*s || *end) { m->why = "a comparison with a value that is not a number"; return; }
      if (strcmp(type, "int") && strcmp(type, "float")) { m->why = "a numeric comparison on a field that is not a number"; return; }
      path(o, f);
      fprintf(o, " %s %s", x.flags & M_GT ? ">" : x.flags & M_GTE ? ">=" : x.flags & M_LT ? "<" : "<=", s);
      continue;
    }
    if (x.flags & M_RE) {
      if (x.flags & M_RE_M || x.flags & M_RE_S) {
        char re[4096];
        snprintf(re, sizeof re, "(?%s%s)%s", x.flags & M_RE_M ? "m" : "", x.flags & M_RE_S ? "s" : "", s);
        path(o, f);
        fprintf(o, " matches%s ", x.flags & M_RE_I ? "~" : "");
        lit(o, re);
      } else {
        path(o, f);
        fprintf(o, " matches%s ", x.flags & M_RE_I ? "~" : "");
        lit(o, s);
      }
      continue;
    }
    if (x.flags & M_CIDR) {
      if (strcmp(type, "ip")) { m->why = "|cidr on a field that is not an address"; return; }
      path(o, f);
      fputs(" in ", o);
      lit(o, s);
      continue;
    }
    /* numbers against int fields */
    if (!strcmp(type, "int") && !x.flags && !x.n_transform) {
      char *end;
      long long n = strtoll(s, &end, 10);
      if (*s && !*end) {
        path(o, f);
        fprintf(o, " == %lld", n);
        continue;
      }
      m->why = "a string value for a number field";
      return;
    }
    if (!strcmp(type, "int") || !strcmp(type, "ip")) { m->why = "a string operator on a field that is not a string"; return; }
    unsigned op = x.flags & (M_CONTAINS | M_STARTS | M_ENDS);
    if (wild(s) || (op && x.n_transform == 0 && (strchr(s, '*') || strchr(s, '?')))) {
      /* wildcards: the whole value as a like pattern, with the operator's implied stars */
      if (x.n_transform) { m->why = "wildcards inside an encoded value"; return; }
      size_t n = strlen(s);
      char *pat = malloc(n + 3);
      if (!pat) return;
      snprintf(pat, n + 3, "%s%s%s", op & (M_CONTAINS | M_ENDS) ? "*" : "", s, op & (M_CONTAINS | M_STARTS) ? "*" : "");
      path(o, f);
      fprintf(o, " like%s ", tl);
      lit(o, pat);
      free(pat);
      continue;
    }
    char *u = unescape(s);
    if (!u) return;
    path(o, f);
    if (op == M_CONTAINS) fprintf(o, " contains%s ", tl);
    else if (op == M_STARTS) fprintf(o, " startswith%s ", tl);
    else if (op == M_ENDS) fprintf(o, " endswith%s ", tl);
    else if (x.n_transform) fprintf(o, " contains%s ", tl); /* an encoded value is looked for inside */
    else fprintf(o, " ==%s ", tl);
    value_operand(o, &x, u);
    free(u);
  }
  if (nv > 1) fputc(')', o);
}

/* A search identifier's definition: a map (and of its fields) or a list of maps (or). */
static void selection(imp *m, const yaml_node_t *sel) {
  FILE *o = m->out;
  if (sel->type == YAML_MAPPING_NODE) {
    size_t n = (size_t)(sel->data.mapping.pairs.top - sel->data.mapping.pairs.start);
    if (!n) { fputs("true", o); return; }
    if (n > 1) fputc('(', o);
    for (yaml_node_pair_t *p = sel->data.mapping.pairs.start; p < sel->data.mapping.pairs.top; p++) {
      const yaml_node_t *k = yaml_document_get_node(m->doc, p->key), *v = yaml_document_get_node(m->doc, p->value);
      if (!is_scalar(k) || !v) continue;
      if (p != sel->data.mapping.pairs.start) fputs(" and ", o);
      field_cond(m, sval(k), v);
      if (m->why) return;
    }
    if (n > 1) fputc(')', o);
    return;
  }
  if (sel->type == YAML_SEQUENCE_NODE) {
    fputc('(', o);
    bool first = true;
    for (yaml_node_item_t *it = sel->data.sequence.items.start; it < sel->data.sequence.items.top; it++) {
      const yaml_node_t *e = yaml_document_get_node(m->doc, *it);
      if (!e) continue;
      if (e->type != YAML_MAPPING_NODE) { m->why = "keyword (field-less) searches are not imported yet"; return; }
      if (!first) fputs(" or ", o);
      first = false;
      selection(m, e);
      if (m->why) return;
    }
    if (first) fputs("false", o);
    fputc(')', o);
    return;
  }
  m->why = "keyword (field-less) searches are not imported yet";
}

/* ---- conditions ------------------------------------------------------------------------------- */
typedef struct cond {
  imp *m;
  const yaml_node_t *det;
  const char *s;
} cond;

static void skip_ws(cond *c) {
  while (*c->s == ' ' || *c->s == '\t' || *c->s == '\n') c->s++;
}

static bool word(cond *c, const char *w) {
  skip_ws(c);
  size_t n = strlen(w);
  if (strncmp(c->s, w, n) == 0 && !isalnum((unsigned char)c->s[n]) && c->s[n] != '_' && c->s[n] != '*') {
    c->s += n;
    return true;
  }
  return false;
}

static void c_or(cond *c);

/* `1 of x*`, `all of them`: the selections matching a pattern, or'ed or and'ed. */
static void quantified(cond *c, bool all) {
  skip_ws(c);
  char pat[128];
  size_t n = 0;
  while ((isalnum((unsigned char)*c->s) || *c->s == '_' || *c->s == '*' || *c->s == '-' || *c->s == '.') && n < sizeof pat - 1)
    pat[n++] = *c->s++;
  pat[n] = 0;
  bool them = !strcmp(pat, "them");
  size_t plen = strchr(pat, '*') ? (size_t)(strchr(pat, '*') - pat) : n;
  FILE *o = c->m->out;
  fputc('(', o);
  bool first = true;
  for (yaml_node_pair_t *p = c->det->data.mapping.pairs.start; p < c->det->data.mapping.pairs.top; p++) {
    const yaml_node_t *k = yaml_document_get_node(c->m->doc, p->key);
    if (!is_scalar(k) || !strcmp(sval(k), "condition") || !strcmp(sval(k), "timeframe")) continue;
    const char *name = sval(k);
    if (them ? name[0] == '_' : strchr(pat, '*') ? strncmp(name, pat, plen) != 0 : strcmp(name, pat) != 0) continue;
    if (!first) fputs(all ? " and " : " or ", o);
    first = false;
    selection(c->m, yaml_document_get_node(c->m->doc, p->value));
    if (c->m->why) return;
  }
  if (first) c->m->why = "a condition names no search identifier";
  fputc(')', o);
}

static void c_atom(cond *c) {
  FILE *o = c->m->out;
  skip_ws(c);
  if (*c->s == '(') {
    c->s++;
    fputc('(', o);
    c_or(c);
    skip_ws(c);
    if (*c->s != ')') { c->m->why = "a condition with unbalanced parentheses"; return; }
    c->s++;
    fputc(')', o);
    return;
  }
  if (word(c, "not")) {
    fputs("not ", o);
    c_atom(c);
    return;
  }
  if (word(c, "1")) {
    if (!word(c, "of")) { c->m->why = "a condition this importer does not read"; return; }
    quantified(c, false);
    return;
  }
  if (word(c, "all")) {
    if (!word(c, "of")) { c->m->why = "a condition this importer does not read"; return; }
    quantified(c, true);
    return;
  }
  char name[128];
  size_t n = 0;
  while ((isalnum((unsigned char)*c->s) || *c->s == '_' || *c->s == '-' || *c->s == '.') && n < sizeof name - 1)
    name[n++] = *c->s++;
  name[n] = 0;
  if (!n) { c->m->why = *c->s == '|' ? "aggregation conditions (deprecated) are not imported" : "a condition this importer does not read"; return; }
  const yaml_node_t *sel = get(c->m->doc, c->det, name);
  if (!sel) { c->m->why = "a condition names an undefined search identifier"; return; }
  selection(c->m, sel);
}

static void c_and(cond *c) {
  c_atom(c);
  while (!c->m->why && word(c, "and")) {
    fputs(" and ", c->m->out);
    c_atom(c);
  }
}

static void c_or(cond *c) {
  c_and(c);
  while (!c->m->why && word(c, "or")) {
    fputs(" or ", c->m->out);
    c_and(c);
  }
}

/* ---- rules -------------------------------------------------------------------------------------- */
static void rule_name(FILE *o, const char *title, const char *id, const char *path) {
  char buf[80];
  size_t n = 0;
  const char *src = title ? title : path;
  for (const char *s = src; *s && n < 60; s++) {
    char ch = (char)tolower((unsigned char)*s);
    if (isalnum((unsigned char)ch)) buf[n++] = ch;
    else if (n && buf[n - 1] != '_') buf[n++] = '_';
  }
  while (n && buf[n - 1] == '_') n--;
  buf[n] = 0;
  /* unique: the id's first 8 hex digits */
  char tail[16] = "";
  if (id) {
    size_t k = 0;
    for (const char *s = id; *s && k < 8; s++)
      if (isxdigit((unsigned char)*s)) tail[k++] = (char)tolower((unsigned char)*s);
    tail[k] = 0;
  }
  fprintf(o, "%s%s%s%s", isalpha((unsigned char)buf[0]) ? "" : "r_", buf, *tail ? "_" : "", tail);
}

static const char *severity_of(const char *level) {
  if (!level) return "medium";
  if (!strcmp(level, "informational")) return "info";
  if (!strcmp(level, "low") || !strcmp(level, "medium") || !strcmp(level, "high") || !strcmp(level, "critical")) return level;
  return "medium";
}

/* Imports one rule document into out; returns NULL, or why it could not be. */
static const char *one_rule(imp *m, yaml_document_t *doc, const char *file, FILE *out) {
  m->doc = doc;
  m->why = NULL;
  const yaml_node_t *root = yaml_document_get_root_node(doc);
  if (!root || root->type != YAML_MAPPING_NODE) return "not a Sigma rule (no mapping)";
  if (get(doc, root, "correlation")) return "correlation rules are not imported yet";
  if (get(doc, root, "filter")) return "filters are not imported yet";
  if (get(doc, root, "action")) return "rule collections (action:) are not imported yet";
  const yaml_node_t *det = get(doc, root, "detection"), *ls = get(doc, root, "logsource");
  if (!det || det->type != YAML_MAPPING_NODE) return "no detection";
  const yaml_node_t *product = get(doc, ls, "product"), *category = get(doc, ls, "category"), *service = get(doc, ls, "service");
  if (!is_scalar(product) || strcmp(sval(product), "windows")) return "only Windows log sources are imported yet";
  char source[96] = "";
  const yaml_node_t *pick = is_scalar(category) ? category : service;
  if (!is_scalar(pick)) return "a Windows log source without category or service";
  for (size_t i = 0; sval(pick)[i] && i < sizeof source - 1; i++) source[i] = sval(pick)[i] == '-' ? '_' : sval(pick)[i];
  bool known = false; /* the log sources std.windows declares */
  for (size_t i = 0; i < m->n_sources && !known; i++) known = !strcmp(m->sources[i], source);
  if (!known) return "a Windows log source std.windows does not declare";
  const yaml_node_t *cnd = get(doc, det, "condition");
  if (!cnd) return "a detection without condition";
  /* the condition first, into its own buffer: a rule that fails leaves nothing behind */
  char *body = NULL;
  size_t blen = 0;
  m->out = open_memstream(&body, &blen);
  if (!m->out) return "out of memory";
  cond c = {m, det, NULL};
  if (is_scalar(cnd)) {
    c.s = sval(cnd);
    c_or(&c);
    skip_ws(&c);
    if (!m->why && *c.s) m->why = *c.s == '|' ? "aggregation conditions (deprecated) are not imported" : "a condition this importer does not read";
  } else if (cnd->type == YAML_SEQUENCE_NODE) { /* a list of conditions: any */
    fputc('(', m->out);
    for (yaml_node_item_t *it = cnd->data.sequence.items.start; it < cnd->data.sequence.items.top && !m->why; it++) {
      const yaml_node_t *e = yaml_document_get_node(doc, *it);
      if (!is_scalar(e)) { m->why = "a condition list holds a non-string"; break; }
      if (it != cnd->data.sequence.items.start) fputs(") or (", m->out);
      c.s = sval(e);
      c_or(&c);
    }
    fputc(')', m->out);
  } else {
    m->why = "a condition that is not a string";
  }
  fclose(m->out);
  if (m->why) {
    free(body);
    return m->why;
  }
  const yaml_node_t *title = get(doc, root, "title"), *id = get(doc, root, "id"), *status = get(doc, root, "status"),
                    *level = get(doc, root, "level"), *tags = get(doc, root, "tags"), *desc = get(doc, root, "description"),
                    *refs = get(doc, root, "references"), *fps = get(doc, root, "falsepositives"), *author = get(doc, root, "author");
  fprintf(out, "// imported from %s\n", file);
  fputs("rule ", out);
  rule_name(out, is_scalar(title) ? sval(title) : NULL, is_scalar(id) ? sval(id) : NULL, file);
  fputs(" {\n", out);
  if (is_scalar(id)) { fputs("  id ", out); lit(out, sval(id)); fputc('\n', out); }
  if (is_scalar(title)) { fputs("  title ", out); lit(out, sval(title)); fputc('\n', out); }
  if (is_scalar(desc)) { fputs("  description ", out); lit(out, sval(desc)); fputc('\n', out); }
  if (is_scalar(author)) { fputs("  author ", out); lit(out, sval(author)); fputc('\n', out); }
  static const char *const statuses[] = {"stable", "test", "experimental", "deprecated", "unsupported", NULL};
  for (int i = 0; is_scalar(status) && statuses[i]; i++)
    if (!strcmp(sval(status), statuses[i])) fprintf(out, "  status %s\n", statuses[i]);
  fprintf(out, "  severity %s\n", severity_of(is_scalar(level) ? sval(level) : NULL));
  if (tags && tags->type == YAML_SEQUENCE_NODE) {
    bool first = true;
    for (yaml_node_item_t *it = tags->data.sequence.items.start; it < tags->data.sequence.items.top; it++) {
      const yaml_node_t *t = yaml_document_get_node(doc, *it);
      if (!is_scalar(t)) continue;
      bool ok = isalpha((unsigned char)sval(t)[0]);
      for (const char *s = sval(t); *s && ok; s++) ok = isalnum((unsigned char)*s) || *s == '.' || *s == '_' || *s == '-';
      if (!ok || !strchr(sval(t), '.')) continue; /* a tag hornet cannot spell: left out */
      fprintf(out, "%s%s", first ? "  tags " : ", ", sval(t));
      first = false;
    }
    if (!first) fputc('\n', out);
  }
  for (int k = 0; k < 2; k++) {
    const yaml_node_t *list = k ? fps : refs;
    if (!list || list->type != YAML_SEQUENCE_NODE) continue;
    for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
      const yaml_node_t *t = yaml_document_get_node(doc, *it);
      if (!is_scalar(t)) continue;
      fputs(k ? "  falsepositives " : "  references ", out);
      lit(out, sval(t));
      fputc('\n', out);
    }
  }
  fprintf(out, "  from %s\n  where %s\n  entities Computer\n}\n\n", source, body);
  free(body);
  return NULL;
}

/* std.windows' fields and types, read from its source (the importer writes rules against it). */
static void load_known(imp *m, const char *stdlib) {
  char path[4096];
  snprintf(path, sizeof path, "%s/windows.hn", stdlib);
  size_t len;
  char *text = hnc_read_file(path, &len);
  if (!text) return;
  bool in_schema = false;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (!strncmp(line, "schema ", 7)) in_schema = true;
    else if (line[0] == '}') in_schema = false;
    char name[64], type[16];
    if (sscanf(line, "logsource %63[a-z0-9_]", name) == 1) {
      char **ns = realloc(m->sources, (m->n_sources + 1) * sizeof *ns);
      if (!ns) break;
      m->sources = ns;
      if ((m->sources[m->n_sources] = strdup(name))) m->n_sources++;
      continue;
    }
    if (in_schema && sscanf(line, " %63[A-Za-z0-9_.]: %15[a-z]", name, type) == 2) {
      field_type *nk = realloc(m->known, (m->n_known + 1) * sizeof *nk);
      if (!nk) break;
      m->known = nk;
      snprintf(m->known[m->n_known].name, sizeof m->known[m->n_known].name, "%s", name);
      snprintf(m->known[m->n_known].type, sizeof m->known[m->n_known].type, "%s", type);
      m->n_known++;
    }
  }
  free(text);
}

typedef struct why_count {
  const char *why;
  unsigned n;
} why_count;

#ifndef HN_STDLIB_DIR
#define HN_STDLIB_DIR "stdlib"
#endif

hn_status hnc_sigma_import(const char *const *files, size_t n_files, const char *stdlib, const char *pack, FILE *out,
                           FILE *report, unsigned *imported, unsigned *skipped) {
  imp m;
  memset(&m, 0, sizeof m);
  const char *env = getenv("HORNET_STDLIB");
  load_known(&m, stdlib ? stdlib : env && *env ? env : HN_STDLIB_DIR);
  char *rules = NULL;
  size_t rlen = 0;
  FILE *ro = open_memstream(&rules, &rlen);
  if (!ro) return HN_ERR_NOMEM;
  why_count whys[64];
  size_t n_whys = 0;
  *imported = *skipped = 0;
  for (size_t i = 0; i < n_files; i++) {
    size_t len;
    char *text = hnc_read_file(files[i], &len);
    if (!text) {
      fprintf(report, "%s: cannot read\n", files[i]);
      (*skipped)++;
      continue;
    }
    yaml_parser_t yp;
    yaml_parser_initialize(&yp);
    yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
    int docs = 0;
    for (;;) {
      yaml_document_t doc;
      if (!yaml_parser_load(&yp, &doc)) {
        fprintf(report, "%s:%zu: YAML: %s\n", files[i], yp.problem_mark.line + 1, yp.problem ? yp.problem : "syntax error");
        (*skipped)++;
        break;
      }
      if (!yaml_document_get_root_node(&doc)) {
        yaml_document_delete(&doc);
        break;
      }
      docs++;
      const char *why = docs > 1 ? "multi-document files (collections) are not imported yet" : one_rule(&m, &doc, files[i], ro);
      yaml_document_delete(&doc);
      if (why) {
        fprintf(report, "%s: not imported: %s\n", files[i], why);
        (*skipped)++;
        size_t w = 0;
        while (w < n_whys && strcmp(whys[w].why, why)) w++;
        if (w == n_whys && n_whys < 64) whys[n_whys++] = (why_count){why, 0};
        if (w < 64) whys[w].n++;
      } else {
        (*imported)++;
      }
    }
    yaml_parser_delete(&yp);
    free(text);
  }
  fclose(ro);
  fprintf(out, "// Sigma rules imported by hornet import-sigma (SigmaHQ rules are under the Detection\n"
               "// Rule License 1.1: keep the attribution of their authors).\n");
  fprintf(out, "pack %s 1.0.0\n\nimport std.windows\n\n", pack);
  if (m.n_extra) { /* the fields the rules use that std.windows does not declare */
    fputs("schema sigma_fields {\n", out);
    for (size_t i = 0; i < m.n_extra; i++) {
      fputs("  ", out);
      path(out, m.extra[i]);
      fputs(": string\n", out);
    }
    fputs("}\n\n", out);
  }
  fwrite(rules, 1, rlen, out);
  free(rules);
  fprintf(report, "import-sigma: %u rules imported, %u not imported\n", *imported, *skipped);
  for (size_t w = 0; w < n_whys; w++) fprintf(report, "  %5u  %s\n", whys[w].n, whys[w].why);
  for (size_t i = 0; i < m.n_extra; i++) free(m.extra[i]);
  free(m.extra);
  free(m.known);
  for (size_t i = 0; i < m.n_sources; i++) free(m.sources[i]);
  free(m.sources);
  return HN_OK;
}
