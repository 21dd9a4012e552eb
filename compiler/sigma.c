/* sigma.c - `hornet import-sigma`: Sigma rules (YAML) into a readable hornet pack, by the
 * correspondence of lang/SPEC.md §6.19, through a mapping file (sigma_map.c) that says how
 * Sigma log sources select events and how Sigma field names become event fields.
 *
 * Covered: detection rules, single- or multi-document; selections as maps (and) and lists of
 * maps (or); keyword (field-less) searches, in the mapping's keyword fields; value lists (or;
 * and with |all); the modifiers contains, startswith, endswith, all, re (with i, m, s), cidr,
 * base64, base64offset, wide/utf16le/utf16be, windash, exists, cased, gt/gte/lt/lte, neq,
 * fieldref; wildcards and escapes as Sigma has them; null and empty values; numbers and
 * booleans; conditions with and/or/not, parentheses, `1 of x*`, `all of x*`, `1 of them`,
 * `all of them`, lists of conditions. Filters (they add `except` to the rules they name) and
 * correlation rules (event_count, value_count, temporal, temporal_ordered, value_sum,
 * value_avg: rules over the alerts of the rules they name, §10.9).
 * Not yet: expand, the time modifiers, value_percentile, correlation aliases.
 * What is not imported is reported rule by rule with the reason.
 * Depends on libyaml. */
#include <ctype.h>
#include <dirent.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <limits.h>
#include <pcre2.h>
#include <yaml.h>
#include "hnc.h"
#include "hornet/compiler.h"
#include "sigma.h"
#include "types.h"
#include "value.h"
#include "yaml_guard.h"

typedef struct extra_field {
  char *name;
  const char *type;
} extra_field;

typedef struct imp {
  yaml_document_t *doc;
  FILE *out;         /* the condition being written */
  const char *why;   /* why the rule cannot be imported, or NULL */
  sg_mapping map;
  sg_ctx ctx;        /* the rule's log source and names */
  extra_field *extra; /* fields the rules use that no import declares */
  size_t n_extra, cap_extra;
  char **ls_names;   /* the log sources declared in the pack written (mapping `where`) */
  size_t n_ls;
  FILE *ls_out;      /* their declarations */
  char **kept;       /* reasons made up at run time (they outlive the rule) */
  size_t n_kept;
  char detail[200];  /* what the reason is about (a log source, a rule), for the rule's line */
  hnc_compiler *check; /* checks the pack written (options' check), or NULL */
} imp;

/* A reason that names something (a modifier, a rule): kept until the import ends. */
static const char *keep(imp *m, const char *why) {
  for (size_t i = 0; i < m->n_kept; i++)
    if (!strcmp(m->kept[i], why)) return m->kept[i];
  char **nk = realloc(m->kept, (m->n_kept + 1) * sizeof *nk);
  if (!nk) return "out of memory";
  m->kept = nk;
  if (!(nk[m->n_kept] = strdup(why))) return "out of memory";
  return nk[m->n_kept++];
}

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

static const char *get_str(yaml_document_t *d, const yaml_node_t *map, const char *key) {
  const yaml_node_t *n = get(d, map, key);
  return is_scalar(n) ? sval(n) : NULL;
}

/* `*` in a mapping's keywords: every string value of the event (lang/SPEC.md §6.20), written
 * `*`. A pointer of its own, so that no field named "*" is mistaken for it. */
static const char any_string[] = "*";

/* An event field's type: the imports' schemas say, or it is declared in the pack written
 * (as `type`: string for the fields rules compare with strings). */
static const char *field_type_as(imp *m, const char *f, const char *type) {
  const char *t = sg_known_type(&m->map, f);
  if (t) return t;
  for (size_t i = 0; i < m->n_extra; i++)
    if (strcmp(m->extra[i].name, f) == 0) return m->extra[i].type;
  if (m->n_extra == m->cap_extra) {
    size_t cap = m->cap_extra ? m->cap_extra * 2 : 32;
    extra_field *ne = realloc(m->extra, cap * sizeof *ne);
    if (!ne) return type;
    m->extra = ne;
    m->cap_extra = cap;
  }
  m->extra[m->n_extra] = (extra_field){strdup(f), type};
  if (m->extra[m->n_extra].name) m->n_extra++;
  return type;
}

static const char *field_type_of(imp *m, const char *f) { return f == any_string ? "string" : field_type_as(m, f, "string"); }

/* Keyword field k of the mapping: a field, or every string value of the event. */
static const char *keyword_field(const imp *m, size_t k) {
  return strcmp(m->map.keywords[k], "*") ? m->map.keywords[k] : any_string;
}

/* Whether hornet can write a field of this name (a backquoted name holds no backquote and no
 * control character). */
static bool field_ok(const char *f) {
  if (!*f) return false;
  for (const unsigned char *s = (const unsigned char *)f; *s; s++)
    if (*s == '`' || *s < 0x20 || *s == 0x7f) return false;
  return true;
}

/* A field's name as a hornet path: plain when it is one, else backquoted. */
static void path(FILE *o, const char *f) {
  if (f == any_string) {
    fputc('*', o);
    return;
  }
  bool plain = isalpha((unsigned char)f[0]) || f[0] == '_' || f[0] == '@';
  for (const char *s = f + 1; *s && plain; s++) plain = isalnum((unsigned char)*s) || *s == '_' || *s == '.';
  if (plain && f[strlen(f) - 1] != '.' && !hnc_is_keyword(f, strlen(f))) fputs(f, o);
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
    else if (c < 0x20 || c == 0x7f) fprintf(o, "\\x%02x", c);
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
       M_RE_S = 32768, M_NEQ = 65536, M_EXPAND = 131072 };

/* A value: its text, and whether YAML gave it plain (unquoted null, ~ and '' are null). */
typedef struct val {
  const char *s;
  bool plain;
} val;

typedef struct mods {
  unsigned flags;
  const char *timepart; /* |minute .. |year: the part of a timestamp compared, or NULL */
  const char *transform[4]; /* base64, base64offset, wide, utf16le, utf16be, windash: outermost last */
  int n_transform;
} mods;

static bool parse_mods(imp *m, char *spec, mods *x) {
  memset(x, 0, sizeof *x);
  static const struct { const char *name; unsigned flag; } flags[] = {
      {"contains", M_CONTAINS}, {"startswith", M_STARTS}, {"endswith", M_ENDS}, {"all", M_ALL}, {"re", M_RE},
      {"i", M_RE_I}, {"m", M_RE_M}, {"s", M_RE_S}, {"cased", M_CASED}, {"cidr", M_CIDR}, {"exists", M_EXISTS},
      {"gt", M_GT}, {"gte", M_GTE}, {"lt", M_LT}, {"lte", M_LTE}, {"fieldref", M_FIELDREF}, {"neq", M_NEQ},
      {"expand", M_EXPAND}};
  char *save = NULL;
  for (char *t = strtok_r(spec, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
    size_t i = 0;
    while (i < sizeof flags / sizeof *flags && strcmp(t, flags[i].name)) i++;
    if (i < sizeof flags / sizeof *flags) x->flags |= flags[i].flag;
    else if (!strcmp(t, "base64") || !strcmp(t, "base64offset") || !strcmp(t, "wide") || !strcmp(t, "utf16le") ||
             !strcmp(t, "utf16be") || !strcmp(t, "utf16") || !strcmp(t, "windash")) {
      if (x->n_transform == 4) { m->why = "more than four value transforms"; return false; }
      x->transform[x->n_transform++] = !strcmp(t, "utf16") ? "utf16le" : t;
    } else if (!strcmp(t, "minute") || !strcmp(t, "hour") || !strcmp(t, "day") || !strcmp(t, "week") ||
               !strcmp(t, "month") || !strcmp(t, "year")) {
      static const char *const parts[] = {"minute", "hour", "day", "week", "month", "year"};
      for (int k = 0; k < 6; k++)
        if (!strcmp(t, parts[k])) x->timepart = parts[k];
    } else {
      char why[96];
      snprintf(why, sizeof why, "an unknown modifier |%.40s", t);
      m->why = keep(m, why);
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

/* A startswith value over an address field as the network it names ("10." is 10.0.0.0/8,
 * "fe80:" fe80::/16, "fd" fd00::/8), or false when it names none exactly. */
static bool ip_prefix(const char *s, char *out, size_t len) {
  size_t n = strlen(s);
  if (!n) return false;
  if (strspn(s, "0123456789.") == n) { /* IPv4: whole octets, each followed by a dot */
    if (s[n - 1] != '.') return false;
    unsigned oct[4] = {0}, k = 0;
    for (const char *p = s; *p && k < 4; k++) {
      char *end;
      unsigned long v = strtoul(p, &end, 10);
      if (end == p || *end != '.' || v > 255) return false;
      oct[k] = (unsigned)v;
      p = end + 1;
    }
    snprintf(out, len, "%u.%u.%u.%u/%u", oct[0], oct[1], oct[2], oct[3], k * 8);
    return true;
  }
  if (strspn(s, "0123456789abcdefABCDEF:") != n || strstr(s, "::")) return false;
  char groups[8][5];
  unsigned k = 0, bits = 0;
  for (const char *p = s; *p && k < 8;) {
    size_t g = strspn(p, "0123456789abcdefABCDEF");
    if (g == 0 || g > 4) return false;
    snprintf(groups[k], sizeof groups[k], "%.*s", (int)g, p);
    bool whole = p[g] == ':';
    if (!whole) { /* a partial group: its digits are the high ones */
      for (size_t i = g; i < 4; i++) groups[k][i] = '0';
      groups[k][4] = 0;
    }
    bits += whole ? 16 : (unsigned)(4 * g);
    k++;
    p += g + whole;
    if (!whole) break;
  }
  size_t w = 0;
  for (unsigned i = 0; i < k && w < len; i++) w += (size_t)snprintf(out + w, len - w, "%s:", groups[i]);
  if (w < len) snprintf(out + w, len - w, "%s/%u", k < 8 ? ":" : "", bits);
  return true;
}

/* A number hornet reads as a literal: an integer in range, or a decimal with digits. */
static bool number_text(const char *s, bool integer) {
  const char *p = s + (*s == '-');
  if (!isdigit((unsigned char)*p)) return false;
  char *end;
  errno = 0;
  if (integer) {
    strtoll(s, &end, 10);
    return !*end && errno != ERANGE;
  }
  double d = strtod(s, &end);
  return !*end && errno != ERANGE && d == d && strspn(p, "0123456789.eE+-") == strlen(p);
}

/* Whether PCRE2 compiles re as the rule will run it (hornet checks every regex). */
static bool regex_ok(const char *re, bool nocase) {
  int err;
  PCRE2_SIZE off;
  pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF | (nocase ? PCRE2_CASELESS : 0), &err, &off, NULL);
  if (c) pcre2_code_free(c);
  return c != NULL;
}

/* `f` holds a value that is not an address ("-"): present, yet in no network (§4.4). */
static void not_an_address(FILE *o, const char *f) {
  fputs("(exists ", o);
  path(o, f);
  fputs(" and not (", o);
  path(o, f);
  fputs(" in \"0.0.0.0/0\" or ", o);
  path(o, f);
  fputs(" in \"::/0\"))", o);
}

/* The string operators a value becomes (sop_names: as written, before the `~`). */
enum { SOP_EQ, SOP_CONTAINS, SOP_STARTS, SOP_ENDS, SOP_LIKE, SOP_COUNT };
static const char *const sop_names[SOP_COUNT] = {"==", "contains", "startswith", "endswith", "like"};

/* How a string value s is tested under the modifiers x: *op, and the pattern (a like pattern
 * with the operator's implied stars where s has wildcards, else s without Sigma's escapes),
 * malloc'd; NULL when out of memory. An encoded value (transforms) is looked for inside. */
static char *string_test(const mods *x, const char *s, int *op) {
  unsigned flags = x->flags & (M_CONTAINS | M_STARTS | M_ENDS);
  if (wild(s) || (flags && x->n_transform == 0 && (strchr(s, '*') || strchr(s, '?')))) {
    size_t n = strlen(s), lone = 0;
    char *pat = malloc(n + 4);
    if (!pat) return NULL;
    /* a value ending in a lone backslash (literal in Sigma) keeps it literal before the star
     * the operator adds: `\Temp\` + `*` must not read as an escaped star */
    for (size_t i = n; i > 0 && s[i - 1] == '\\'; i--) lone++;
    bool add_star = flags & (M_CONTAINS | M_STARTS);
    snprintf(pat, n + 4, "%s%s%s%s", flags & (M_CONTAINS | M_ENDS) ? "*" : "", s, add_star && lone % 2 ? "\\" : "",
             add_star ? "*" : "");
    *op = SOP_LIKE;
    return pat;
  }
  *op = flags == M_CONTAINS ? SOP_CONTAINS : flags == M_STARTS ? SOP_STARTS : flags == M_ENDS ? SOP_ENDS
        : x->n_transform ? SOP_CONTAINS : SOP_EQ;
  return unescape(s);
}

/* One value test of the event field f (of type `type`). */
static void value_cond(imp *m, const char *f, const char *type, const mods *x, const val *v) {
  FILE *o = m->out;
  const char *tl = x->flags & M_CASED ? "" : "~";
  const char *s = v->s;
  bool plain_scalar = v->plain;
  unsigned flags = x->flags & ~(unsigned)(M_NEQ | M_EXPAND);
  if (plain_scalar && (!strcmp(s, "null") || !strcmp(s, "~") || !*s) && !flags && !x->n_transform) {
    path(o, f);
    fputs(" == null", o);
    return;
  }
  if (x->timepart) { /* a part of a timestamp: hour(f) == 8, or with |gt...: hour(f) >= 20 */
    if (!number_text(s, true)) { m->why = "a time modifier with a value that is not a whole number"; return; }
    if (strcmp(type, "timestamp")) { m->why = "a time modifier on a field that is not a timestamp"; return; }
    fprintf(o, "%s(", x->timepart);
    path(o, f);
    fprintf(o, ") %s %s", flags & M_GT ? ">" : flags & M_GTE ? ">=" : flags & M_LT ? "<" : flags & M_LTE ? "<=" : "==", s);
    return;
  }
  if (flags & M_FIELDREF) {
    char buf[256];
    const char *g = sg_map_field(&m->ctx, s, buf, sizeof buf);
    if (!field_ok(g)) { m->why = "a field name hornet cannot write (a backquote or a control character)"; return; }
    path(o, f);
    fprintf(o, " ==%s ", tl);
    path(o, g);
    field_type_of(m, g);
    return;
  }
  if (flags & (M_GT | M_GTE | M_LT | M_LTE)) {
    if (!number_text(s, false)) { m->why = "a comparison with a value that is not a number"; return; }
    if (strcmp(type, "int") && strcmp(type, "float")) { m->why = "a numeric comparison on a field that is not a number"; return; }
    path(o, f);
    fprintf(o, " %s %s", flags & M_GT ? ">" : flags & M_GTE ? ">=" : flags & M_LT ? "<" : "<=", s);
    return;
  }
  if (flags & M_RE) {
    char re[4096];
    snprintf(re, sizeof re, "%s%s%s%s", flags & (M_RE_M | M_RE_S) ? "(?" : "", flags & M_RE_M ? "m" : "",
             flags & M_RE_S ? "s" : "", flags & (M_RE_M | M_RE_S) ? ")" : "");
    size_t used = strlen(re);
    if (snprintf(re + used, sizeof re - used, "%s", s) >= (int)(sizeof re - used)) { m->why = "a regular expression longer than 4 KB"; return; }
    if (!regex_ok(re, flags & M_RE_I)) { m->why = "a regular expression PCRE2 rejects"; return; }
    path(o, f);
    fprintf(o, " matches%s ", flags & M_RE_I ? "~" : "");
    lit(o, re);
    return;
  }
  if (flags & M_CIDR) {
    if (strcmp(type, "ip")) { m->why = "|cidr on a field that is not an address"; return; }
    uint8_t ip[16];
    bool v6;
    unsigned bits;
    if (!hn_cidr_parse(s, strlen(s), ip, &v6, &bits)) { m->why = "|cidr with a value that is not a network"; return; }
    path(o, f);
    fputs(" in ", o);
    lit(o, s);
    return;
  }
  if (!strcmp(type, "bool") && !flags && !x->n_transform && (!strcasecmp(s, "true") || !strcasecmp(s, "false"))) {
    path(o, f);
    fprintf(o, " == %s", !strcasecmp(s, "true") ? "true" : "false");
    return;
  }
  if ((!strcmp(type, "int") || !strcmp(type, "float")) && !flags && !x->n_transform) { /* numbers */
    if (number_text(s, !strcmp(type, "int"))) {
      path(o, f);
      fprintf(o, " == %s", s);
      return;
    }
    m->why = "a string value for a number field";
    return;
  }
  if (!strcmp(type, "ip") && !x->n_transform) { /* addresses: equal, or in a prefix's network */
    char net[64], pre[64];
    size_t sl = strlen(s);
    bool star = sl > 1 && sl < sizeof pre && s[sl - 1] == '*'; /* "127.*": a prefix */
    if (star) snprintf(pre, sizeof pre, "%.*s", (int)(sl - 1), s);
    if (!(flags & (M_CONTAINS | M_ENDS)) && (!wild(s) || (star && !wild(pre)))) {
      if (star && ip_prefix(pre, net, sizeof net)) {
        path(o, f);
        fputs(" in ", o);
        lit(o, net);
        return;
      }
      if (!(flags & M_STARTS) && !star) {
        unsigned char addr[16];
        bool v6;
        if (!hn_ip_parse(s, strlen(s), addr, &v6)) { /* a value that is no address ("-"): present, not an address */
          not_an_address(o, f);
          return;
        }
        path(o, f);
        fputs(" == ", o);
        lit(o, s);
        return;
      }
      if (ip_prefix(s, net, sizeof net)) {
        path(o, f);
        fputs(" in ", o);
        lit(o, net);
        return;
      }
    }
  }
  if (!strcmp(type, "ip") && !x->n_transform && !wild(s) && strspn(s, "0123456789abcdefABCDEF:.") < strlen(s)) {
    /* a part no address has ("-"): the field holds something that is not an address */
    not_an_address(o, f);
    return;
  }
  if (strcmp(type, "string") && strcmp(type, "list")) { m->why = "a string operator on a field that is not a string"; return; }
  if (wild(s) && x->n_transform) { m->why = "wildcards inside an encoded value"; return; }
  int op;
  char *t = string_test(x, s, &op);
  if (!t) return;
  path(o, f);
  fprintf(o, " %s%s ", sop_names[op], tl);
  if (op == SOP_LIKE) lit(o, t);
  else value_operand(o, x, t);
  free(t);
}

/* A keyword (field-less) value: found anywhere in one of the mapping's keyword fields, as
 * Sigma's full-text search does. */
static void keyword_cond(imp *m, const mods *x, const val *v) {
  FILE *o = m->out;
  if (!m->map.n_keywords) { m->why = "keyword (field-less) searches need `keywords` fields in the mapping"; return; }
  if (x->flags & ~(unsigned)(M_ALL | M_CASED | M_CONTAINS | M_EXPAND)) { m->why = "a keyword search with a modifier other than all or cased"; return; }
  mods kx = *x;
  kx.flags |= M_CONTAINS;
  if (m->map.n_keywords > 1) fputc('(', o);
  for (size_t k = 0; k < m->map.n_keywords && !m->why; k++) {
    if (k) fputs(" or ", o);
    const char *kf = keyword_field(m, k);
    value_cond(m, kf, field_type_of(m, kf), &kx, v);
  }
  if (m->map.n_keywords > 1) fputc(')', o);
}

/* |expand: the values of s with each %name% replaced by each of its placeholder's values (the
 * product, when several); at most max. Sets m->why for a placeholder without values. */
static size_t expand(imp *m, const char *s, char **out, size_t max) {
  size_t n = 1;
  out[0] = strdup(s);
  if (!out[0]) return 0;
  for (;;) {
    const char *a = strchr(out[0], '%'), *b = a ? strchr(a + 1, '%') : NULL;
    if (!a || !b) return n;
    const sg_placeholder *ph = sg_placeholder_find(&m->map, a + 1, (size_t)(b - a - 1));
    if (!ph || !ph->n) {
      snprintf(m->detail, sizeof m->detail, "%.*s", (int)(b - a + 1), a);
      m->why = "a placeholder without values (give them with --placeholders FILE)";
      for (size_t i = 0; i < n; i++) free(out[i]);
      return 0;
    }
    /* replace the first placeholder (the same one) in every value so far */
    size_t name = (size_t)(b - a + 1), nn = 0;
    char *next[64];
    for (size_t i = 0; i < n; i++) {
      size_t pre = (size_t)(strchr(out[i], '%') - out[i]);
      for (size_t k = 0; k < ph->n && nn < max && nn < 64; k++) {
        size_t len = strlen(out[i]) - name + strlen(ph->values[k]) + 1;
        char *t = malloc(len);
        if (!t) continue;
        snprintf(t, len, "%.*s%s%s", (int)pre, out[i], ph->values[k], out[i] + pre + name);
        next[nn++] = t;
      }
      free(out[i]);
    }
    if (!nn) return 0;
    for (size_t i = 0; i < nn; i++) out[i] = next[i];
    n = nn;
  }
}

static void field_values(imp *m, const char *f, const char *type, const mods *xp, bool keywords, const val *vals, size_t nv);

/* field|mods: values -> a hornet condition; an empty field is a keyword search. */
static void field_cond(imp *m, const char *key, const yaml_node_t *val_node) {
  char spec[256], buf[256];
  snprintf(spec, sizeof spec, "%s", key);
  char *bar = strchr(spec, '|');
  mods x;
  memset(&x, 0, sizeof x);
  if (bar) {
    *bar = 0;
    if (!parse_mods(m, bar + 1, &x)) return;
  }
  bool keywords = !*spec;
  const char *f = keywords ? "" : sg_map_field(&m->ctx, spec, buf, sizeof buf);
  if (!keywords && !field_ok(f)) { m->why = "a field name hornet cannot write (a backquote or a control character)"; return; }
  const char *type = keywords ? "string" : field_type_as(m, f, x.timepart ? "timestamp" : "string");
  /* the values: one scalar or a list (of any length: vulnerable-driver rules list thousands) */
  size_t nv = 0, cap = val_node->type == YAML_SEQUENCE_NODE
                          ? (size_t)(val_node->data.sequence.items.top - val_node->data.sequence.items.start) : 1;
  val *vals = malloc((cap ? cap : 1) * sizeof *vals);
  if (!vals) { m->why = "out of memory"; return; }
  if (is_scalar(val_node)) vals[nv++] = (val){sval(val_node), val_node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE};
  else if (val_node->type == YAML_SEQUENCE_NODE)
    for (yaml_node_item_t *it = val_node->data.sequence.items.start; it < val_node->data.sequence.items.top; it++) {
      const yaml_node_t *e = yaml_document_get_node(m->doc, *it);
      if (!is_scalar(e)) { m->why = "a value list holds a mapping or a list"; break; }
      vals[nv++] = (val){sval(e), e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE};
    }
  else m->why = "a field's value is a mapping";
  if (m->why) { free(vals); return; }
  field_values(m, f, type, &x, keywords, vals, nv);
  free(vals);
}

/* Whether a list of values can be written as list predicates: an `or` of plain string tests
 * (numbers on a number field), no modifier that needs a test of its own per value. `|all`
 * stays an `and` of tests: on an array field `contains all [..]` would need one element with
 * every value. */
static bool listable(const char *type, const mods *x, bool keywords) {
  if (x->timepart || x->n_transform || (x->flags & (M_ALL | M_EXPAND))) return false;
  if (keywords) return !(x->flags & ~(unsigned)(M_CONTAINS | M_CASED));
  bool num = !strcmp(type, "int") || !strcmp(type, "float");
  if (x->flags & ~(unsigned)(num ? M_NEQ : M_CONTAINS | M_STARTS | M_ENDS | M_CASED | M_NEQ)) return false;
  return num || !strcmp(type, "string") || !strcmp(type, "list");
}

/* One predicate over the values of a group: `f op "v"` for one, `f in~ [..]` (equality) or
 * `f contains~ any [..]` for several; numbers as written, without `~`. */
static void write_group(FILE *o, const char *f, int op, bool num, const char *tl, char *const *v, size_t n) {
  path(o, f);
  if (n == 1) fprintf(o, " %s%s ", sop_names[op], num ? "" : tl);
  else if (op == SOP_EQ) fprintf(o, " in%s [", num ? "" : tl);
  else fprintf(o, " %s%s any [", sop_names[op], tl);
  for (size_t i = 0; i < n; i++) {
    if (i) fputs(", ", o);
    if (num) fputs(v[i], o);
    else lit(o, v[i]);
  }
  if (n > 1) fputc(']', o);
}

/* The values of a list on field f, `or`ed, those that share an operator in one predicate (a
 * list of 100,000 hashes is one predicate, not 100,000); a null is tested alone. *first: no
 * term written yet. */
static void value_list(imp *m, const char *f, const char *type, const mods *x, const val *vals, size_t nv, bool *first) {
  FILE *o = m->out;
  bool num = !strcmp(type, "int") || !strcmp(type, "float");
  char **g[SOP_COUNT] = {0};
  size_t gn[SOP_COUNT] = {0};
  for (int k = 0; k < SOP_COUNT; k++)
    if (!(g[k] = calloc(nv, sizeof *g[k]))) m->why = "out of memory";
  for (size_t i = 0; i < nv && !m->why; i++) {
    const val *v = &vals[i];
    int op = SOP_EQ;
    char *t = NULL;
    if (v->plain && (!strcmp(v->s, "null") || !strcmp(v->s, "~") || !*v->s)) {
      fputs(*first ? "" : " or ", o);
      *first = false;
      value_cond(m, f, type, x, v);
      continue;
    }
    if (num && !number_text(v->s, !strcmp(type, "int"))) m->why = "a string value for a number field";
    else if (!(t = num ? strdup(v->s) : string_test(x, v->s, &op))) m->why = "out of memory";
    else g[op][gn[op]++] = t;
  }
  for (int k = 0; k < SOP_COUNT; k++) {
    if (gn[k] && !m->why) {
      fputs(*first ? "" : " or ", o);
      *first = false;
      write_group(o, f, k, num, x->flags & M_CASED ? "" : "~", g[k], gn[k]);
    }
    for (size_t i = 0; i < gn[k]; i++) free(g[k][i]);
    free(g[k]);
  }
}

/* A list of values as list predicates (listable): on the field, or on each keyword field;
 * with |neq, none of them. */
static void field_list(imp *m, const char *f, const char *type, const mods *x, bool keywords, const val *vals, size_t nv) {
  FILE *o = m->out;
  if (keywords && !m->map.n_keywords) { m->why = "keyword (field-less) searches need `keywords` fields in the mapping"; return; }
  fputs(x->flags & M_NEQ ? "not (" : "(", o);
  bool first = true;
  if (!keywords) value_list(m, f, type, x, vals, nv, &first);
  mods kx = *x;
  kx.flags |= M_CONTAINS;
  for (size_t k = 0; keywords && k < m->map.n_keywords && !m->why; k++) {
    const char *kf = keyword_field(m, k);
    value_list(m, kf, field_type_of(m, kf), &kx, vals, nv, &first);
  }
  fputc(')', o);
}

/* The tests of a field's values, joined as the modifiers say. */
static void field_values(imp *m, const char *f, const char *type, const mods *xp, bool keywords, const val *vals, size_t nv) {
  FILE *o = m->out;
  mods x = *xp;
  if (x.flags & M_EXISTS) {
    if (keywords) { m->why = "|exists without a field"; return; }
    bool yes = nv && !strcmp(vals[0].s, "true");
    fprintf(o, "%s ", yes ? "exists" : "missing");
    path(o, f);
    return;
  }
  if (!nv) { fputs("false", o); return; }
  if (nv > 1 && listable(type, &x, keywords)) {
    field_list(m, f, type, &x, keywords, vals, nv);
    return;
  }
  /* |neq: the field equals none of the values (true where it is missing, as `!=` is) */
  bool neq = x.flags & M_NEQ;
  const char *join = x.flags & M_ALL || neq ? " and " : " or ";
  if (nv > 1) fputc('(', o);
  for (size_t i = 0; i < nv && !m->why; i++) {
    if (i) fputs(join, o);
    if (neq) fputs("not ", o);
    /* |expand: each value the placeholders give, any of them */
    char *ex[64];
    size_t ne = 0;
    if (x.flags & M_EXPAND) ne = expand(m, vals[i].s, ex, 64);
    if (m->why) break;
    if (ne > 1) fputc('(', o);
    for (size_t k = 0; k < (ne ? ne : 1) && !m->why; k++) {
      val v = ne ? (val){ex[k], false} : vals[i];
      if (k) fputs(" or ", o);
      if (keywords) keyword_cond(m, &x, &v);
      else value_cond(m, f, type, &x, &v);
    }
    if (ne > 1) fputc(')', o);
    for (size_t k = 0; k < ne; k++) free(ex[k]);
  }
  if (nv > 1) fputc(')', o);
}

/* A search identifier's definition: a map (and of its fields), a list of maps (or), or
 * keywords (a list of values, or one: or). */
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
    bool maps = false, scalars = false;
    for (yaml_node_item_t *it = sel->data.sequence.items.start; it < sel->data.sequence.items.top; it++) {
      const yaml_node_t *e = yaml_document_get_node(m->doc, *it);
      maps |= e && e->type == YAML_MAPPING_NODE;
      scalars |= is_scalar(e);
    }
    if (scalars && !maps) { field_cond(m, "", sel); return; }
    if (scalars) { m->why = "a search mixes keywords and field maps"; return; }
    fputc('(', o);
    bool first = true;
    for (yaml_node_item_t *it = sel->data.sequence.items.start; it < sel->data.sequence.items.top; it++) {
      const yaml_node_t *e = yaml_document_get_node(m->doc, *it);
      if (!e) continue;
      if (!first) fputs(" or ", o);
      first = false;
      selection(m, e);
      if (m->why) return;
    }
    if (first) fputs("false", o);
    fputc(')', o);
    return;
  }
  field_cond(m, "", sel);
}
/* ---- conditions ------------------------------------------------------------------------------- */
typedef struct cond {
  imp *m;
  const yaml_node_t *det;
  const char *s;
  bool filter; /* a filter's: its `rules` is no search identifier */
  unsigned depth; /* parentheses and nots open: at most SG_MAX_NESTING (the parser recurses) */
} cond;

/* Sigma conditions nest a few levels; this bounds the recursion of c_atom on hostile ones. */
#define SG_MAX_NESTING 32

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
    if (!is_scalar(k) || !strcmp(sval(k), "condition") || !strcmp(sval(k), "timeframe") || (c->filter && !strcmp(sval(k), "rules"))) continue;
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
  bool paren = *c->s == '(', neg = !paren && word(c, "not");
  if ((paren || neg) && c->depth == SG_MAX_NESTING) {
    c->m->why = "a condition nested deeper than 32 levels (parentheses and nots)";
    return;
  }
  if (paren) {
    c->s++;
    fputc('(', o);
    c->depth++;
    c_or(c);
    c->depth--;
    if (c->m->why) return;
    skip_ws(c);
    if (*c->s != ')') { c->m->why = "a condition with unbalanced parentheses"; return; }
    c->s++;
    fputc(')', o);
    return;
  }
  if (neg) {
    fputs("not ", o);
    c->depth++;
    c_atom(c);
    c->depth--;
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


/* The condition of a detection (or a filter) in the current context, into a new string. */
static char *condition_text(imp *m, yaml_document_t *doc, const yaml_node_t *det, bool filter) {
  const yaml_node_t *cnd = get(doc, det, "condition");
  if (!cnd) { m->why = "a detection without condition"; return NULL; }
  char *body = NULL;
  size_t blen = 0;
  m->doc = doc;
  m->out = open_memstream(&body, &blen);
  if (!m->out) { m->why = "out of memory"; return NULL; }
  cond c = {m, det, NULL, filter, 0};
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
  m->out = NULL;
  if (m->why) {
    free(body);
    return NULL;
  }
  return body;
}

/* The condition over all the renderings of the log source: where a variant names the fields
 * the condition uses otherwise, `(when and cond') or (not when and cond)`. */
static char *condition_all(imp *m, yaml_document_t *doc, const yaml_node_t *det, bool filter) {
  m->ctx.variant = NULL;
  char *base = condition_text(m, doc, det, filter);
  const sg_source *s = m->ctx.source;
  if (!base || !s || !s->n_variants) return base;
  char *alt[16] = {0}, *res = NULL;
  size_t n = s->n_variants < 16 ? s->n_variants : 16, differ = 0, rlen = 0;
  for (size_t i = 0; i < n && !m->why; i++) {
    m->ctx.variant = &s->variants[i];
    alt[i] = condition_text(m, doc, det, filter);
    if (alt[i] && !strcmp(alt[i], base)) {
      free(alt[i]);
      alt[i] = NULL;
    } else if (alt[i]) differ++;
  }
  m->ctx.variant = NULL;
  if (m->why || !differ) {
    for (size_t i = 0; i < n; i++) free(alt[i]);
    if (m->why) { free(base); return NULL; }
    return base;
  }
  FILE *o = open_memstream(&res, &rlen);
  if (!o) return base;
  fputs("(not (", o);
  bool first = true;
  for (size_t i = 0; i < n; i++)
    if (alt[i]) { fprintf(o, "%s(%s)", first ? "" : " or ", s->variants[i].when); first = false; }
  fprintf(o, ") and (%s))", base); /* the condition whole: it may be an `or` */
  for (size_t i = 0; i < n; i++)
    if (alt[i]) fprintf(o, " or ((%s) and (%s))", s->variants[i].when, alt[i]);
  fclose(o);
  for (size_t i = 0; i < n; i++) free(alt[i]);
  free(base);
  return res;
}

/* ---- documents ------------------------------------------------------------------------------- */
enum { D_RULE, D_CORRELATION, D_FILTER, D_OTHER };

typedef struct sdoc {
  yaml_document_t doc;
  const char *file;
  int kind;
  const char *name, *id, *title; /* into doc */
  char ident[96];                /* the hornet rule's name */
  const char *why;               /* not imported, or NULL */
  char *detail;                  /* what the reason is about, or NULL */
  bool done;                     /* written (or given up) */
  int generate;                  /* rules: named by a correlation with generate false (1) or true (2) */
  char *aliases;                 /* `alias A = F` items correlations' aliases give the rule */
  const sg_source *source;       /* the rule's log source entry and product (rules) */
  const sg_product *product;
  char *text;                    /* the hornet rule */
} sdoc;

static void rule_name(char *buf, size_t len, const char *title, const char *id, const char *file) {
  char base[72];
  size_t n = 0;
  const char *src = title ? title : file;
  for (const char *s = src; *s && n < 60; s++) {
    char ch = (char)tolower((unsigned char)*s);
    if (isalnum((unsigned char)ch)) base[n++] = ch;
    else if (n && base[n - 1] != '_') base[n++] = '_';
  }
  while (n && base[n - 1] == '_') n--;
  base[n] = 0;
  /* unique: the id's first 8 hex digits */
  char tail[16] = "";
  if (id) {
    size_t k = 0;
    for (const char *s = id; *s && k < 8; s++)
      if (isxdigit((unsigned char)*s)) tail[k++] = (char)tolower((unsigned char)*s);
    tail[k] = 0;
  }
  snprintf(buf, len, "%s%s%s%s", isalpha((unsigned char)base[0]) && (*tail || !hnc_is_keyword(base, strlen(base))) ? "" : "r_",
           base, *tail ? "_" : "", tail);
}

static const char *severity_of(const char *level) {
  if (!level) return "medium";
  if (!strcmp(level, "informational")) return "info";
  if (!strcmp(level, "low") || !strcmp(level, "medium") || !strcmp(level, "high") || !strcmp(level, "critical")) return level;
  return "medium";
}

/* The rule's head: name and metadata (Sigma's id, title, level, tags, status, references...). */
static void meta(FILE *out, sdoc *d) {
  yaml_document_t *doc = &d->doc;
  const yaml_node_t *root = yaml_document_get_root_node(doc);
  const char *desc = get_str(doc, root, "description"), *author = get_str(doc, root, "author"),
             *status = get_str(doc, root, "status"), *level = get_str(doc, root, "level");
  const yaml_node_t *tags = get(doc, root, "tags"), *refs = get(doc, root, "references"), *fps = get(doc, root, "falsepositives");
  fprintf(out, "// imported from %s\nrule %s {\n", d->file, d->ident);
  if (d->id) { fputs("  id ", out); lit(out, d->id); fputc('\n', out); }
  if (d->title) { fputs("  title ", out); lit(out, d->title); fputc('\n', out); }
  if (desc) { fputs("  description ", out); lit(out, desc); fputc('\n', out); }
  if (author) { fputs("  author ", out); lit(out, author); fputc('\n', out); }
  static const char *const statuses[] = {"stable", "test", "experimental", "deprecated", "unsupported", NULL};
  for (int i = 0; status && statuses[i]; i++)
    if (!strcmp(status, statuses[i])) fprintf(out, "  status %s\n", statuses[i]);
  fprintf(out, "  severity %s\n", severity_of(level));
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
}

/* The hornet log source of a rule's Sigma log source: the mapping's `from`, or a log source
 * the pack written declares from the mapping's `where` ({product}, {category} and
 * {service} there stand for the rule's). Sets the context; NULL when the mapping has none. */
static const char *log_source(imp *m, sdoc *d, char *name, size_t len) {
  const yaml_node_t *root = yaml_document_get_root_node(&d->doc), *ls = get(&d->doc, root, "logsource");
  const char *keys[3] = {get_str(&d->doc, ls, "product"), get_str(&d->doc, ls, "category"), get_str(&d->doc, ls, "service")};
  const sg_source *s = sg_source_for(&m->map, keys[0], keys[1], keys[2]);
  d->source = s;
  d->product = sg_product_for(&m->map, keys[0]);
  m->ctx = (sg_ctx){&m->map, d->product, s, NULL};
  if (!s) return NULL;
  if (s->from) {
    snprintf(name, len, "%s", s->from);
    return name;
  }
  /* the where, with its placeholders */
  char where[2048];
  size_t w = 0;
  bool placeholders = false;
  for (const char *p = s->where; *p && w < sizeof where - 1; p++) {
    static const char *const ph[3] = {"{product}", "{category}", "{service}"};
    int k = 0;
    while (k < 3 && strncmp(p, ph[k], strlen(ph[k]))) k++;
    if (k < 3) {
      for (const char *v = keys[k] ? keys[k] : ""; *v; v++)
        if (!isalnum((unsigned char)*v) && !strchr("_.-", *v)) return NULL; /* not a name to write into a condition */
      placeholders = true;
      w += (size_t)snprintf(where + w, sizeof where - w, "%s", keys[k] ? keys[k] : "");
      if (w >= sizeof where) w = sizeof where - 1;
      p += strlen(ph[k]) - 1;
    } else where[w++] = *p;
  }
  where[w] = 0;
  /* its name: the rule's keys where the entry stands for several log sources, else the entry's */
  bool several = placeholders || (s->category && !strcmp(s->category, "*")) || (s->service && !strcmp(s->service, "*"));
  const char *parts[3] = {several ? keys[0] : s->product, several ? keys[1] : s->category, several ? keys[2] : s->service};
  size_t n = (size_t)snprintf(name, len, "sigma");
  for (int k = 0; k < 3; k++) {
    if (!parts[k] || n + 1 >= len) continue;
    name[n++] = '_';
    for (const char *p = parts[k]; *p && n + 1 < len; p++) name[n++] = isalnum((unsigned char)*p) ? (char)tolower((unsigned char)*p) : '_';
    name[n] = 0;
  }
  for (size_t i = 0; i < m->n_ls; i++)
    if (!strcmp(m->ls_names[i], name)) return name;
  char **nl = realloc(m->ls_names, (m->n_ls + 1) * sizeof *nl);
  if (!nl) return NULL;
  m->ls_names = nl;
  nl[m->n_ls++] = strdup(name);
  fprintf(m->ls_out, "// from %s line %u\nlogsource %s {\n  where %s\n}\n\n", m->map.path, s->line, name, where);
  return name;
}

static bool names(const sdoc *d, const char *ref) {
  return (d->name && !strcmp(d->name, ref)) || (d->id && !strcmp(d->id, ref));
}

/* A detection rule, with the filters that name it as `except` items. */
static const char *one_rule(imp *m, sdoc *docs, size_t nd, sdoc *d) {
  yaml_document_t *doc = &d->doc;
  const yaml_node_t *root = yaml_document_get_root_node(doc), *det = get(doc, root, "detection");
  if (!det || det->type != YAML_MAPPING_NODE) return "no detection";
  char from[128];
  if (!log_source(m, d, from, sizeof from)) {
    const yaml_node_t *ls = get(doc, root, "logsource");
    const char *p = get_str(doc, ls, "product"), *c = get_str(doc, ls, "category"), *s = get_str(doc, ls, "service");
    snprintf(m->detail, sizeof m->detail, "product %s%s%s%s%s", p ? p : "(none)", c ? ", category " : "", c ? c : "",
             s ? ", service " : "", s ? s : "");
    return "the mapping has no log source for it";
  }
  m->why = NULL;
  char *where = condition_all(m, doc, det, false);
  if (!where) return m->why;
  char *text = NULL;
  size_t tlen = 0;
  FILE *out = open_memstream(&text, &tlen);
  if (!out) { free(where); return "out of memory"; }
  meta(out, d);
  fprintf(out, "  from %s\n  where %s\n", from, where);
  free(where);
  /* filters: the rule holds only where the filter's condition does */
  for (size_t i = 0; i < nd && !m->why; i++) {
    sdoc *f = &docs[i];
    if (f->kind != D_FILTER) continue;
    const yaml_node_t *fr = yaml_document_get_root_node(&f->doc), *flt = get(&f->doc, fr, "filter");
    const yaml_node_t *rules = get(&f->doc, flt, "rules");
    bool applies = false;
    for (yaml_node_item_t *it = rules && rules->type == YAML_SEQUENCE_NODE ? rules->data.sequence.items.start : NULL;
         it && it < rules->data.sequence.items.top && !applies; it++) {
      const yaml_node_t *r = yaml_document_get_node(&f->doc, *it);
      applies = is_scalar(r) && names(d, sval(r));
    }
    if (is_scalar(rules)) applies = names(d, sval(rules));
    if (!applies) continue;
    char *fc = condition_all(m, &f->doc, flt, true);
    if (!fc) break;
    fprintf(out, "  except not %s%s%s  // filter %s\n", fc[0] == '(' ? "" : "(", fc, fc[0] == '(' ? "" : ")",
            f->title ? f->title : f->file);
    free(fc);
  }
  for (size_t i = 0; i < m->map.n_entities; i++) {
    fputs(i ? ", " : "  entities ", out);
    path(out, m->map.entities[i]);
    field_type_of(m, m->map.entities[i]);
  }
  fputs(m->map.n_entities ? "\n}\n\n" : "}\n\n", out);
  fclose(out);
  if (m->why) {
    free(text);
    char why[160];
    snprintf(why, sizeof why, "a filter that names it cannot be imported: %s", m->why);
    return keep(m, why);
  }
  d->text = text;
  return NULL;
}

/* ---- correlation rules ------------------------------------------------------------------------ */
static bool sigma_duration(const char *s) {
  size_t n = strspn(s, "0123456789");
  return n && n < 10 && s[n] && strchr("smhdw", s[n]) && !s[n + 1] && strtol(s, NULL, 10) > 0;
}

/* `condition: {gte: 10, field: X}` as a hornet comparison of `agg`; upper tells whether it
 * bounds only from above (evaluated per tumbling window, as "at most N" needs the window). */
static const char *corr_condition(yaml_document_t *doc, const yaml_node_t *cn, const char *agg, FILE *o, bool *upper) {
  static const struct { const char *k, *op; } ops[] = {{"gt", ">"}, {"gte", ">="}, {"lt", "<"}, {"lte", "<="}, {"eq", "=="}, {"neq", "!="}};
  bool any = false, lower = false;
  *upper = false;
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
    const char *v = get_str(doc, cn, ops[i].k);
    if (!v) continue;
    char *end;
    strtod(v, &end);
    if (!*v || *end) return "a correlation condition with a value that is not a number";
    fprintf(o, "%s%s %s %s", any ? " and " : "", agg, ops[i].op, v);
    any = true;
    if (i == 2 || i == 3) *upper = true;
    else lower = true;
  }
  if (!any) return "a correlation condition without gt, gte, lt, lte, eq or neq";
  if (lower) *upper = false;
  return NULL;
}

static const char *one_correlation(imp *m, sdoc *docs, size_t nd, sdoc *d, bool *later) {
  yaml_document_t *doc = &d->doc;
  const yaml_node_t *root = yaml_document_get_root_node(doc), *c = get(doc, root, "correlation");
  const char *type = get_str(doc, c, "type");
  const yaml_node_t *rules = get(doc, c, "rules"), *gb = get(doc, c, "group-by"), *cn = get(doc, c, "condition");
  const char *span = get_str(doc, c, "timespan");
  if (!span) span = get_str(doc, c, "timeframe");
  *later = false;
  if (!type) return "a correlation without type";
  bool pct = !strcmp(type, "value_percentile"), median = !strcmp(type, "value_median");
  if (strcmp(type, "event_count") && strcmp(type, "value_count") && strcmp(type, "temporal") && strcmp(type, "temporal_ordered") &&
      strcmp(type, "value_sum") && strcmp(type, "value_avg") && !pct && !median)
    return "an unknown correlation type";
  if (!span || !sigma_duration(span)) return "a correlation without a timespan hornet reads (a number above zero and s, m, h, d or w)";
  if (!rules) return "a correlation without rules";
  /* the rules it names, as hornet rules */
  const yaml_node_t *refs[64];
  size_t nr = 0;
  if (is_scalar(rules)) refs[nr++] = rules;
  else if (rules->type == YAML_SEQUENCE_NODE)
    for (yaml_node_item_t *it = rules->data.sequence.items.start; it < rules->data.sequence.items.top && nr < 64; it++)
      refs[nr++] = yaml_document_get_node(doc, *it);
  sdoc *target[64];
  for (size_t i = 0; i < nr; i++) {
    if (!is_scalar(refs[i])) return "a correlation's rules must be names or ids";
    target[i] = NULL;
    for (size_t j = 0; j < nd && !target[i]; j++)
      if ((docs[j].kind == D_RULE || docs[j].kind == D_CORRELATION) && &docs[j] != d && names(&docs[j], sval(refs[i]))) target[i] = &docs[j];
    snprintf(m->detail, sizeof m->detail, "%s", sval(refs[i]));
    if (!target[i]) return "a correlation names a rule the files given do not have";
    if (!target[i]->done) { *later = true; return NULL; }
    if (target[i]->why) return "a correlation names a rule that was not imported";
  }
  if (!nr) return "a correlation without rules";
  /* aliases: a name for a field each rule names, which the rule's alerts then carry */
  const yaml_node_t *al = get(doc, c, "aliases");
  struct { sdoc *d; char item[300]; } adds[64];
  size_t nadd = 0;
  if (al && al->type != YAML_MAPPING_NODE) return "correlation aliases must be a map";
  for (yaml_node_pair_t *ap = al ? al->data.mapping.pairs.start : NULL; ap && ap < al->data.mapping.pairs.top; ap++) {
    const yaml_node_t *an = yaml_document_get_node(doc, ap->key), *am = yaml_document_get_node(doc, ap->value);
    if (!is_scalar(an) || !am || am->type != YAML_MAPPING_NODE || !field_ok(sval(an))) return "an alias is NAME: {rule: field, ...}";
    for (yaml_node_pair_t *q = am->data.mapping.pairs.start; q < am->data.mapping.pairs.top; q++) {
      const yaml_node_t *rk = yaml_document_get_node(doc, q->key), *fv = yaml_document_get_node(doc, q->value);
      if (!is_scalar(rk) || !is_scalar(fv) || !field_ok(sval(fv))) return "an alias is NAME: {rule: field, ...}";
      sdoc *t = NULL;
      for (size_t i = 0; i < nr && !t; i++)
        if (names(target[i], sval(rk))) t = target[i];
      snprintf(m->detail, sizeof m->detail, "%s", sval(rk));
      if (!t) return "an alias names a rule the correlation does not";
      char buf[256];
      sg_ctx cx = {&m->map, t->product, t->source, NULL};
      const char *ev = t->kind == D_RULE ? sg_map_field(&cx, sval(fv), buf, sizeof buf) : sval(fv);
      const char *ft = field_type_of(m, ev), *at = field_type_as(m, sval(an), ft);
      if (strcmp(ft, at)) return "an alias over fields of different types";
      if (nadd == 64) return "too many aliases";
      char *pa = NULL, *pf = NULL;
      size_t la = 0, lf = 0;
      FILE *fa = open_memstream(&pa, &la), *ff = open_memstream(&pf, &lf);
      if (fa) { path(fa, sval(an)); fclose(fa); }
      if (ff) { path(ff, ev); fclose(ff); }
      adds[nadd].d = t;
      snprintf(adds[nadd++].item, sizeof adds[0].item, "  alias %s = %s\n", pa ? pa : "", pf ? pf : "");
      free(pa);
      free(pf);
    }
  }
  m->detail[0] = 0;
  /* group-by fields: the event fields the named rules give them (one name for all), or aliases */
  char group[1024] = "";
  size_t gl = 0;
  const yaml_node_t *gbs[32];
  size_t ng = 0;
  if (is_scalar(gb)) gbs[ng++] = gb;
  else if (gb && gb->type == YAML_SEQUENCE_NODE)
    for (yaml_node_item_t *it = gb->data.sequence.items.start; it < gb->data.sequence.items.top && ng < 32; it++)
      gbs[ng++] = yaml_document_get_node(doc, *it);
  for (size_t g = 0; g < ng; g++) {
    if (!is_scalar(gbs[g]) || !field_ok(sval(gbs[g]))) return "a group-by that is not a field name hornet can write";
    const char *ev = NULL;
    char buf[256], first[256] = "";
    if (get(doc, al, sval(gbs[g]))) snprintf(first, sizeof first, "%s", sval(gbs[g])); /* an alias */
    for (size_t i = 0; i < nr && !*first; i++) {
      sg_ctx cx = {&m->map, target[i]->product, target[i]->source, NULL};
      ev = target[i]->kind == D_RULE ? sg_map_field(&cx, sval(gbs[g]), buf, sizeof buf) : sval(gbs[g]);
      if (!i) snprintf(first, sizeof first, "%s", ev);
      else if (strcmp(first, ev)) return "a group-by field with other names in the rules named (give it an alias)";
    }
    field_type_of(m, first);
    char *pb = NULL;
    size_t pl = 0;
    FILE *po = open_memstream(&pb, &pl);
    if (!po) return "out of memory";
    path(po, first);
    fclose(po);
    gl += (size_t)snprintf(group + gl, gl < sizeof group ? sizeof group - gl : 0, "%s%s", g ? ", " : "", pb);
    free(pb);
    if (gl >= sizeof group) return "too many group-by fields";
  }
  /* the aggregate */
  char agg[300] = "count()";
  const char *value = get_str(doc, cn, "field");
  if (!strcmp(type, "value_count") || !strcmp(type, "value_sum") || !strcmp(type, "value_avg") || pct || median) {
    if (!value || !field_ok(value)) return "a value correlation without a condition.field hornet can write";
    sg_ctx cx = {&m->map, target[0]->product, target[0]->source, NULL};
    char buf[256], *pb = NULL;
    size_t pl = 0;
    const char *ev = target[0]->kind == D_RULE ? sg_map_field(&cx, value, buf, sizeof buf) : value;
    const char *t = field_type_as(m, ev, strcmp(type, "value_count") ? "float" : "string");
    if (strcmp(type, "value_count") && strcmp(t, "int") && strcmp(t, "float")) return "a value correlation over a field that is not a number";
    /* value_percentile: which one is condition.percentile; value_median the 50th */
    const char *pv = pct ? get_str(doc, cn, "percentile") : "50";
    char *end = NULL;
    double pn = pv ? strtod(pv, &end) : -1;
    if ((pct || median) && (!pv || *end || pn < 0 || pn > 100)) return "value_percentile without a condition.percentile from 0 to 100";
    FILE *po = open_memstream(&pb, &pl);
    if (!po) return "out of memory";
    path(po, ev);
    fclose(po);
    if (pct || median) snprintf(agg, sizeof agg, "percentile(%s, %s)", pb, pv);
    else snprintf(agg, sizeof agg, "%s(%s)", !strcmp(type, "value_count") ? "distinct" : !strcmp(type, "value_sum") ? "sum" : "avg", pb);
    free(pb);
  }
  if (!strcmp(type, "temporal")) snprintf(agg, sizeof agg, "distinct(alert.rule)");
  /* generate (false by default): whether the rules named keep their own alerts */
  const char *gen = get_str(doc, c, "generate");
  for (size_t i = 0; i < nr; i++)
    target[i]->generate |= gen && (!strcmp(gen, "true") || !strcmp(gen, "yes")) ? 2 : 1;
  char *text = NULL;
  size_t tlen = 0;
  FILE *out = open_memstream(&text, &tlen);
  if (!out) return "out of memory";
  meta(out, d);
  fputs("  from ", out);
  for (size_t i = 0; i < nr; i++) {
    bool dup = false;
    for (size_t j = 0; j < i; j++) dup |= target[j] == target[i];
    if (!dup) fprintf(out, "%s%s", i ? ", " : "", target[i]->ident);
  }
  fputc('\n', out);
  const char *why = NULL;
  if (!strcmp(type, "temporal_ordered")) { /* a sequence of the rules' alerts, in the order named */
    fprintf(out, "  sequence%s%s within %s {\n", ng ? " by " : "", group, span);
    for (size_t i = 0; i < nr; i++) fprintf(out, "    step%zu: alert.rule == \"%s\"\n", i + 1, target[i]->ident);
    fputs("  }\n", out);
  } else {
    bool upper = false;
    char *hv = NULL;
    size_t hl = 0;
    FILE *ho = open_memstream(&hv, &hl);
    if (!ho) { fclose(out); free(text); return "out of memory"; }
    if (!strcmp(type, "temporal") && !cn) {
      size_t distinct = 0;
      for (size_t i = 0; i < nr; i++) {
        bool dup = false;
        for (size_t j = 0; j < i; j++) dup |= target[j] == target[i];
        distinct += !dup;
      }
      fprintf(ho, "%s >= %zu", agg, distinct);
    } else if (!cn) why = "a correlation without condition";
    else why = corr_condition(doc, cn, agg, ho, &upper);
    fclose(ho);
    fputs("  where true\n", out);
    if (ng) fprintf(out, "  group by %s\n", group);
    fprintf(out, "  window %s%s\n  having %s\n", upper ? "tumbling " : "", span, hv ? hv : "");
    free(hv);
  }
  fputs("}\n\n", out);
  fclose(out);
  if (why) { free(text); return why; }
  d->text = text;
  for (size_t i = 0; i < nadd; i++) { /* the rules named carry the aliases (once each) */
    sdoc *t = adds[i].d;
    if (t->aliases && strstr(t->aliases, adds[i].item)) continue;
    size_t ol = t->aliases ? strlen(t->aliases) : 0, il = strlen(adds[i].item);
    char *na = realloc(t->aliases, ol + il + 1);
    if (!na) return "out of memory";
    memcpy(na + ol, adds[i].item, il + 1);
    t->aliases = na;
  }
  return NULL;
}

/* ---- the import ------------------------------------------------------------------------------- */
static bool yaml_name(const char *n) {
  size_t len = strlen(n);
  return (len > 4 && !strcmp(n + len - 4, ".yml")) || (len > 5 && !strcmp(n + len - 5, ".yaml"));
}

void hnc_sigma_files(const char *path, char ***v, size_t *n, size_t *cap) {
  struct stat sb;
  if (stat(path, &sb) != 0) return;
  if (!S_ISDIR(sb.st_mode)) {
    if (*n == *cap) {
      size_t nc = *cap ? *cap * 2 : 256;
      char **nv = realloc(*v, nc * sizeof *nv);
      if (!nv) return;
      *v = nv;
      *cap = nc;
    }
    if (((*v)[*n] = strdup(path))) (*n)++;
    return;
  }
  struct dirent **ents;
  int k = scandir(path, &ents, NULL, alphasort);
  for (int i = 0; i < k; i++) {
    const char *nm = ents[i]->d_name;
    char sub[4096];
    snprintf(sub, sizeof sub, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", nm);
    struct stat st;
    if (nm[0] != '.' && stat(sub, &st) == 0 && (S_ISDIR(st.st_mode) || yaml_name(nm))) hnc_sigma_files(sub, v, n, cap);
    free(ents[i]);
  }
  if (k >= 0) free(ents);
}

typedef struct why_count {
  const char *why;
  unsigned n;
} why_count;

static void count_why(why_count *whys, size_t *n, const char *why) {
  size_t w = 0;
  while (w < *n && strcmp(whys[w].why, why)) w++;
  if (w == *n && *n < 64) whys[(*n)++] = (why_count){why, 0};
  if (w < 64) whys[w].n++;
}

/* Reads every document of the files; a file that cannot be read or parsed is reported. */
static sdoc *read_docs(const char *const *files, size_t n_files, size_t *nd, FILE *report, unsigned *bad) {
  size_t cap = n_files + 16;
  sdoc *docs = calloc(cap, sizeof *docs);
  *nd = 0;
  if (!docs) return NULL;
  for (size_t i = 0; i < n_files; i++) {
    size_t len;
    char *text = hnc_read_file(files[i], &len);
    if (!text) {
      fprintf(report, "%s: cannot read\n", files[i]);
      (*bad)++;
      continue;
    }
    /* a cycle, a bomb, nesting too deep, a key twice: that document and the rest are not walked */
    hnc_yaml_problem pb;
    bool guarded = hnc_yaml_guard(text, len, &pb);
    yaml_parser_t yp;
    yaml_parser_initialize(&yp);
    yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
    for (size_t k = 1;; k++) {
      if (!guarded && k >= pb.document) {
        fprintf(report, "%s:%zu:%zu: YAML: %s\n", files[i], pb.line, pb.column, pb.message);
        (*bad)++;
        break;
      }
      if (*nd == cap) {
        sdoc *nn = realloc(docs, 2 * cap * sizeof *nn);
        if (!nn) break;
        docs = nn;
        memset(docs + cap, 0, cap * sizeof *docs);
        cap *= 2;
      }
      sdoc *d = &docs[*nd];
      if (!yaml_parser_load(&yp, &d->doc)) {
        fprintf(report, "%s:%zu:%zu: YAML: %s\n", files[i], yp.problem_mark.line + 1, yp.problem_mark.column + 1,
                yp.problem ? yp.problem : "syntax error");
        (*bad)++;
        break;
      }
      const yaml_node_t *root = yaml_document_get_root_node(&d->doc);
      if (!root) {
        yaml_document_delete(&d->doc);
        break;
      }
      d->file = files[i];
      d->kind = get(&d->doc, root, "correlation") ? D_CORRELATION : get(&d->doc, root, "filter") ? D_FILTER
                : get(&d->doc, root, "detection")     ? D_RULE
                                                      : D_OTHER;
      d->name = get_str(&d->doc, root, "name");
      d->id = get_str(&d->doc, root, "id");
      d->title = get_str(&d->doc, root, "title");
      if (root->type != YAML_MAPPING_NODE) d->why = "not a Sigma rule (no mapping)";
      else if (get(&d->doc, root, "action")) d->why = "rule collections (action: global) are deprecated";
      else if (d->kind == D_OTHER) d->why = "no detection, correlation or filter";
      (*nd)++;
    }
    yaml_parser_delete(&yp);
    free(text);
  }
  return docs;
}

static void write_schema(imp *m, FILE *out) {
  if (!m->n_extra) return;
  fputs("// fields the rules use that the imports do not declare\nschema sigma_fields {\n", out);
  for (size_t i = 0; i < m->n_extra; i++) {
    fputs("  ", out);
    path(out, m->extra[i].name);
    fprintf(out, ": %s\n", m->extra[i].type);
  }
  fputs("}\n\n", out);
}

/* The length of a file's folder part (up to its last '/'). */
static size_t dir_len(const char *f) {
  const char *sl = strrchr(f, '/');
  return sl ? (size_t)(sl - f) : 0;
}

static bool same_dir(const char *a, const char *b) {
  size_t n = dir_len(a);
  return n == dir_len(b) && !strncmp(a, b, n);
}

/* The folders' common part, cut at a '/'. */
static size_t common_dir(const sdoc *docs, size_t nd) {
  size_t n = SIZE_MAX;
  const char *ref = NULL;
  for (size_t i = 0; i < nd; i++) {
    if (!docs[i].text) continue;
    if (!ref) { ref = docs[i].file; n = dir_len(ref); continue; }
    size_t k = 0, dl = dir_len(docs[i].file);
    while (k < n && k < dl && ref[k] == docs[i].file[k]) k++;
    if (k < n) { /* back to a whole folder name */
      while (k > 0 && ref[k] != '/') k--;
      n = k;
    }
  }
  return n == SIZE_MAX ? 0 : n;
}

/* A folder's file name in the directory pack: its path below the common part, '_' for '/'. */
static void folder_name(const char *file, size_t common, char *out, size_t len) {
  size_t n = dir_len(file), k = 0;
  const char *s = file + (common < n ? common : n);
  while (*s == '/') s++;
  for (; s < file + n && k + 1 < len; s++) out[k++] = isalnum((unsigned char)*s) || *s == '-' ? *s : '_';
  out[k] = 0;
  if (!k) snprintf(out, len, "rules");
}

/* A pack file: head (pack, imports), the declarations given, and the rules of `folder` (all
 * when NULL), then the correlations; through the formatter. */
static hn_status write_pack(imp *m, FILE *out, const char *name, FILE *report, const char *pack, sdoc *docs, size_t nd,
                            const char *folder, const char *decl, size_t decl_len) {
  char *pk = NULL;
  size_t pklen = 0;
  FILE *po = open_memstream(&pk, &pklen);
  if (!po) return HN_ERR_NOMEM;
  fprintf(po, "// Sigma rules imported by hornet import-sigma with the mapping %s (SigmaHQ rules\n"
              "// are under the Detection Rule License 1.1: keep the attribution of their authors).\n",
          m->map.path);
  fprintf(po, "pack %s 1.0.0\n\n", pack);
  for (size_t i = 0; i < m->map.n_imports; i++) fprintf(po, "import %s\n", m->map.imports[i]);
  fputc('\n', po);
  if (decl) {
    write_schema(m, po);
    fwrite(decl, 1, decl_len, po);
  }
  for (int pass = 0; pass < 2; pass++) /* the rules, then the correlations over them */
    for (size_t i = 0; i < nd; i++) {
      const char *t = docs[i].text, *from = t ? strstr(t, "\n  from ") : NULL;
      if (!t || (docs[i].kind == D_CORRELATION) != pass || (folder && !same_dir(folder, docs[i].file))) continue;
      if (from && (docs[i].generate == 1 || docs[i].aliases)) /* items correlations add to the rules they name */
        fprintf(po, "%.*s\n%s%s%s", (int)(from - t), t, docs[i].generate == 1 ? "  generate false\n" : "",
                docs[i].aliases ? docs[i].aliases : "", from + 1);
      else fputs(t, po);
    }
  fclose(po);
  hnc_compiler *hc = hnc_compiler_create();
  char *formatted = NULL;
  size_t flen = 0;
  bool ok = hc && hnc_format(hc, "import-sigma", pk, pklen, &formatted, &flen) == HN_OK;
  if (!ok) { /* a mapping's `where` that is no hornet condition: written as it is, for check to point at */
    formatted = pk;
    flen = pklen;
    pk = NULL;
    fprintf(report, "import-sigma: the pack written has syntax errors (see hornet check); a mapping's `where` or `when` may be wrong\n");
  }
  fwrite(formatted, 1, flen, out);
  if (m->check) hnc_compiler_add_source(m->check, name, formatted, flen);
  free(formatted);
  if (hc) hnc_compiler_destroy(hc);
  free(pk);
  return ferror(out) ? HN_ERR_IO : HN_OK;
}

/* Checks what write_pack() gave m->check as `hornet check` would (the imports from stdlib or
 * beside the mapping); its errors go to the report. HN_ERR_SEMANTIC when there are any. */
static hn_status check_written(imp *m, const char *stdlib, FILE *report) {
  hnc_compiler_set_stdlib(m->check, stdlib);
  const char *slash = strrchr(m->map.path, '/');
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - m->map.path) : 1, slash ? m->map.path : ".");
  hnc_compiler_add_search_dir(m->check, dir);
  if (hnc_compiler_check(m->check) == HN_OK) return HN_OK;
  size_t errors = hnc_compiler_error_count(m->check), shown = 0;
  fprintf(report, "import-sigma: the pack written does not check (%zu error%s):\n", errors, errors == 1 ? "" : "s");
  for (size_t i = 0; i < hnc_compiler_diag_count(m->check) && shown < 10; i++) {
    hnc_diag_view d;
    if (hnc_compiler_diag_get(m->check, i, &d) != HN_OK || d.severity != HNC_ERROR) continue;
    fprintf(report, "  %s:%d:%d: %s\n", d.file ? d.file : "import-sigma", d.line, d.col, d.message);
    shown++;
  }
  if (errors > shown) fprintf(report, "  ... and %zu more (hornet check shows them all)\n", errors - shown);
  return HN_ERR_SEMANTIC;
}

hn_status hnc_sigma_import(const char *const *files, size_t n_files, const hnc_sigma_options *opt, FILE *out,
                           FILE *report, unsigned *imported, unsigned *skipped) {
  imp m;
  memset(&m, 0, sizeof m);
  char buf[PATH_MAX];
  const char *stdlib = opt && opt->stdlib ? opt->stdlib : hnc_stdlib_default(buf);
  const char *pack = opt && opt->pack ? opt->pack : "sigma.imported";
  *imported = *skipped = 0;
  if (!sg_mapping_load(&m.map, opt && opt->mapping ? opt->mapping : "windows", stdlib, report) ||
      (opt && opt->placeholders && !sg_placeholders_load(&m.map, opt->placeholders, report))) {
    sg_mapping_free(&m.map);
    return HN_ERR_SYNTAX;
  }
  if (opt && opt->check && !(m.check = hnc_compiler_create())) {
    sg_mapping_free(&m.map);
    return HN_ERR_NOMEM;
  }
  char *lsdecl = NULL;
  size_t lslen = 0;
  m.ls_out = open_memstream(&lsdecl, &lslen);
  size_t nd = 0;
  sdoc *docs = m.ls_out ? read_docs(files, n_files, &nd, report, skipped) : NULL;
  if (!docs) {
    if (m.ls_out) fclose(m.ls_out);
    free(lsdecl);
    hnc_compiler_destroy(m.check);
    sg_mapping_free(&m.map);
    return HN_ERR_NOMEM;
  }
  /* ids: one rule each (hornet refuses two rules with one id); the later ones are reported */
  for (size_t i = 0; i < nd; i++)
    for (size_t j = 0; j < i && docs[i].id && !docs[i].why; j++)
      if (docs[j].id && !strcmp(docs[i].id, docs[j].id)) docs[i].why = "an id an earlier rule has";
  /* names: unique among the rules written */
  for (size_t i = 0; i < nd; i++) {
    sdoc *d = &docs[i];
    rule_name(d->ident, sizeof d->ident, d->title, d->id, d->file);
    for (unsigned k = 2;; k++) {
      size_t j = 0;
      while (j < i && strcmp(docs[j].ident, d->ident)) j++;
      if (j == i) break;
      char base[96];
      snprintf(base, sizeof base, "%s", d->ident);
      char *us = strrchr(base, '_');
      if (k > 2 && us) *us = 0;
      snprintf(d->ident, sizeof d->ident, "%.80s_%u", base, k);
    }
  }
  /* detection rules (with their filters), then correlations until no more can be written */
  for (size_t i = 0; i < nd; i++)
    if (docs[i].kind == D_RULE && !docs[i].why) {
      m.detail[0] = 0;
      docs[i].why = one_rule(&m, docs, nd, &docs[i]);
      if (docs[i].why && m.detail[0]) docs[i].detail = strdup(m.detail);
    }
  for (size_t i = 0; i < nd; i++) docs[i].done = docs[i].kind != D_CORRELATION || docs[i].why;
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < nd; i++) {
      if (docs[i].done) continue;
      bool later;
      m.detail[0] = 0;
      docs[i].why = one_correlation(&m, docs, nd, &docs[i], &later);
      if (docs[i].why && m.detail[0]) docs[i].detail = strdup(m.detail);
      if (!later) docs[i].done = progress = true;
    }
  }
  for (size_t i = 0; i < nd; i++)
    if (!docs[i].done) docs[i].why = "a correlation in a cycle of correlations";
  /* filters: imported when every rule they name was */
  for (size_t i = 0; i < nd; i++) {
    sdoc *f = &docs[i];
    if (f->kind != D_FILTER || f->why) continue;
    const yaml_node_t *flt = get(&f->doc, yaml_document_get_root_node(&f->doc), "filter"), *rules = get(&f->doc, flt, "rules");
    if (!rules || (rules->type == YAML_SEQUENCE_NODE && rules->data.sequence.items.top == rules->data.sequence.items.start)) {
      f->why = "a filter without rules";
      continue;
    }
    if (!get(&f->doc, flt, "condition")) { f->why = "a filter without condition"; continue; }
    for (yaml_node_item_t *it = rules->type == YAML_SEQUENCE_NODE ? rules->data.sequence.items.start : NULL;
         it && it < rules->data.sequence.items.top && !f->why; it++) {
      const yaml_node_t *r = yaml_document_get_node(&f->doc, *it);
      size_t j = 0;
      while (j < nd && !(docs[j].kind == D_RULE && is_scalar(r) && names(&docs[j], sval(r)))) j++;
      if (j == nd) f->why = "a filter names a rule the files given do not have";
      else if (docs[j].why) f->why = "a filter names a rule that was not imported";
      if (f->why && is_scalar(r)) f->detail = strdup(sval(r));
    }
  }
  why_count whys[64];
  size_t n_whys = 0;
  for (size_t i = 0; i < nd; i++) {
    if (docs[i].why) {
      fprintf(report, "%s: ", docs[i].file);
      if (docs[i].title) { /* which rule of the file */
        lit(report, docs[i].title);
        fputs(": ", report);
      }
      fprintf(report, "not imported: %s%s%s\n", docs[i].why, docs[i].detail ? ": " : "", docs[i].detail ? docs[i].detail : "");
      (*skipped)++;
      count_why(whys, &n_whys, docs[i].why);
    } else {
      (*imported)++;
    }
  }
  fclose(m.ls_out);
  hn_status st = HN_OK;
  if (!opt || !opt->out_dir) {
    st = write_pack(&m, out, opt && opt->check ? opt->check : "import-sigma", report, pack, docs, nd, NULL, lsdecl, lslen);
  } else { /* a directory pack: the declarations, then one file per folder of rules */
    char path[4096];
    if (m.n_extra || lslen) {
      snprintf(path, sizeof path, "%s/sigma_declarations.hn", opt->out_dir);
      FILE *f = fopen(path, "wb");
      if (!f) { fprintf(report, "import-sigma: cannot write '%s'\n", path); st = HN_ERR_IO; }
      else {
        st = write_pack(&m, f, path, report, pack, docs, 0, NULL, lsdecl, lslen);
        if (fclose(f) != 0) st = HN_ERR_IO;
      }
    }
    size_t common = common_dir(docs, nd);
    for (size_t i = 0; i < nd && st == HN_OK; i++) {
      if (!docs[i].text) continue;
      bool first = true; /* the first rule of its folder writes the folder's file */
      for (size_t j = 0; j < i && first; j++) first = !(docs[j].text && same_dir(docs[i].file, docs[j].file));
      if (!first) continue;
      char name[1024];
      folder_name(docs[i].file, common, name, sizeof name);
      snprintf(path, sizeof path, "%s/%s.hn", opt->out_dir, name);
      FILE *f = fopen(path, "wb");
      if (!f) { fprintf(report, "import-sigma: cannot write '%s'\n", path); st = HN_ERR_IO; break; }
      st = write_pack(&m, f, path, report, pack, docs, nd, docs[i].file, NULL, 0);
      if (fclose(f) != 0) st = HN_ERR_IO;
    }
  }
  fprintf(report, "import-sigma: %u rules imported, %u not imported\n", *imported, *skipped);
  for (size_t w = 0; w < n_whys; w++) fprintf(report, "  %5u  %s\n", whys[w].n, whys[w].why);
  if (st == HN_OK && m.check) st = check_written(&m, stdlib, report);
  hnc_compiler_destroy(m.check);
  for (size_t i = 0; i < nd; i++) {
    free(docs[i].text);
    free(docs[i].detail);
    free(docs[i].aliases);
    yaml_document_delete(&docs[i].doc);
  }
  free(docs);
  free(lsdecl);
  for (size_t i = 0; i < m.n_extra; i++) free(m.extra[i].name);
  free(m.extra);
  for (size_t i = 0; i < m.n_ls; i++) free(m.ls_names[i]);
  free(m.ls_names);
  for (size_t i = 0; i < m.n_kept; i++) free(m.kept[i]);
  free(m.kept);
  sg_mapping_free(&m.map);
  return st;
}
