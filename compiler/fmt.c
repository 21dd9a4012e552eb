/* fmt.c - the canonical layout of a .hn file, printed from the AST with the comments kept.
 * Literals keep their spelling, parentheses are kept, so reparsing the output gives the same
 * tree (tests/unit/test_fmt.c and the repository-wide round trip prove it).
 * Layout: two-space indents, one declaration header per line, one item per line, a blank line
 * between block declarations, at most one blank line where the source had some; lines longer
 * than WIDTH break and/or chains, lists and event objects one element a line.
 * Comments: own-line comments stay before what follows them; a trailing comment stays at the
 * end of its line; a comment inside a multi-line item moves just before that item.
 * Depends on the AST only. */
#include <stdlib.h>
#include <string.h>
#include "hnc.h"

enum { WIDTH = 100 };

typedef struct buf {
  char *s;
  size_t n, cap;
  bool failed;
} buf;

static void put(buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 4096;
    while (cap < b->n + n + 1) cap *= 2;
    char *v = realloc(b->s, cap);
    if (!v) { b->failed = true; return; }
    b->s = v;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = 0;
}
static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

typedef struct fmt {
  buf out;
  const hnc_comments *cm;
  size_t ci;      /* next comment to place */
  int src_line;   /* last source line consumed */
  int depth;
  bool at_bol;    /* the output is at the beginning of a line */
} fmt;

/* ---- and/or chains ------------------------------------------------------------------------- */
/* The links of an and/or chain `a or b or c` (left-deep, one operator), outermost first; its
 * first operand is links[n-1]->a. A chain may be as long as a Sigma list of 100,000 values, so
 * the printers loop over it; every other construct recurses, within the parser's bound on
 * nesting. NULL (n = 0) when n is not a chain or memory runs out (the caller recurses then). */
static const hnc_node **chain_links(const hnc_node *n, size_t *k) {
  *k = 0;
  if (n->kind != N_BINARY || (n->op != HNC_OP_AND && n->op != HNC_OP_OR)) return NULL;
  size_t cap = 0;
  const hnc_node **v = NULL;
  for (const hnc_node *x = n; x->kind == N_BINARY && x->op == n->op; x = x->a) {
    if (*k == cap) {
      cap = cap ? cap * 2 : 16;
      const hnc_node **w = realloc(v, cap * sizeof *w);
      if (!w) { free(v); *k = 0; return NULL; }
      v = w;
    }
    v[(*k)++] = x;
  }
  return v;
}

/* ---- expressions (flat) ------------------------------------------------------------------ */
static void expr(buf *b, const hnc_node *n);

static bool chain_flat(buf *b, const hnc_node *n) {
  size_t k;
  const hnc_node **links = chain_links(n, &k);
  if (!links) return false;
  expr(b, links[k - 1]->a);
  for (size_t i = k; i-- > 0;) {
    puts_(b, " ");
    puts_(b, hnc_op_spelling(n->op));
    puts_(b, " ");
    expr(b, links[i]->b);
  }
  free(links);
  return true;
}

static void list_flat(buf *b, const hnc_node *l, const char *sep) {
  for (; l; l = l->next) {
    expr(b, l);
    if (l->next) puts_(b, sep);
  }
}

static void lit(buf *b, const hnc_node *n) {
  if (n->raw) put(b, n->raw, n->rawlen);
  else if (n->str) put(b, n->str, n->len);
}

static void expr(buf *b, const hnc_node *n) {
  if (!n) return;
  switch (n->kind) {
  case N_BINARY:
    if (chain_flat(b, n)) break;
    expr(b, n->a);
    puts_(b, " ");
    puts_(b, hnc_op_spelling(n->op));
    if (n->flags & HNC_F_NOCASE) puts_(b, "~");
    puts_(b, " ");
    expr(b, n->b);
    break;
  case N_STROP:
    expr(b, n->a);
    puts_(b, " ");
    puts_(b, hnc_op_spelling(n->op));
    if (n->flags & HNC_F_NOCASE) puts_(b, "~");
    if (n->flags & HNC_F_ANY) puts_(b, " any");
    if (n->flags & HNC_F_ALL) puts_(b, " all");
    puts_(b, " ");
    expr(b, n->b);
    break;
  case N_IN:
    expr(b, n->a);
    puts_(b, (n->flags & HNC_F_NOCASE) ? " in~ " : " in ");
    expr(b, n->b);
    break;
  case N_HAS: expr(b, n->a); puts_(b, " has "); expr(b, n->b); break;
  case N_RANGE: expr(b, n->a); puts_(b, ".."); expr(b, n->b); break;
  case N_NOT: puts_(b, "not "); expr(b, n->a); break;
  case N_NEG: puts_(b, "-"); expr(b, n->a); break;
  case N_COND: expr(b, n->a); puts_(b, " ? "); expr(b, n->b); puts_(b, " : "); expr(b, n->c); break;
  case N_EXISTS: puts_(b, "exists "); expr(b, n->a); break;
  case N_MISSING: puts_(b, "missing "); expr(b, n->a); break;
  case N_PAREN: puts_(b, "("); expr(b, n->a); puts_(b, ")"); break;
  case N_PATH: case N_TYPE:
    put(b, n->str, n->len);
    if (n->kind == N_TYPE && n->a) { puts_(b, "<"); expr(b, n->a); puts_(b, ">"); }
    break;
  case N_STEPREF: puts_(b, "$"); put(b, n->str, n->len); puts_(b, "."); expr(b, n->a); break;
  case N_CALL: put(b, n->str, n->len); puts_(b, "("); list_flat(b, n->list, ", "); puts_(b, ")"); break;
  case N_LISTLIT: puts_(b, "["); list_flat(b, n->list, ", "); puts_(b, "]"); break;
  case N_OBJECT: puts_(b, "{"); list_flat(b, n->list, ", "); puts_(b, "}"); break;
  case N_PAIR: lit(b, n->a); puts_(b, ": "); expr(b, n->b); break;
  case N_BOOL: puts_(b, n->i ? "true" : "false"); break;
  case N_NULL: puts_(b, "null"); break;
  case N_ANYSTR: puts_(b, "*"); break;
  case N_VERSION: put(b, n->str, n->len); break;
  default: lit(b, n); break;
  }
}

/* ---- comments and lines ----------------------------------------------------------------- */
/* An expression on one line, as `hornet fmt` writes it (malloc'd; NULL when out of memory):
 * KPI factors' labels and the text a KPI's definition hash covers. */
char *hnc_fmt_expr(const hnc_node *n) {
  buf b = {0};
  expr(&b, n);
  if (!b.failed && !b.s) puts_(&b, "");
  if (b.failed) { free(b.s); return NULL; }
  return b.s;
}

static void indent(fmt *f) {
  for (int i = 0; i < f->depth; i++) puts_(&f->out, "  ");
}

/* Ends the current output line, taking along a trailing comment of the last source line. */
static void newline(fmt *f) {
  while (f->ci < f->cm->n) {
    const hnc_comment *c = &f->cm->v[f->ci];
    if (c->own_line || c->line > f->src_line) break;
    puts_(&f->out, "  ");
    put(&f->out, c->text, c->len);
    f->ci++;
    if (c->end_line > f->src_line) f->src_line = c->end_line;
  }
  puts_(&f->out, "\n");
  f->at_bol = true;
}

/* Places the comments that come before source line `line` (own-line comments, and any
 * comment inside the span that just ended). `blank`: keep one blank line from the source. */
static void comments_before_col(fmt *f, int line, int col, bool blank_ok) {
  while (f->ci < f->cm->n &&
         (f->cm->v[f->ci].line < line || (f->cm->v[f->ci].line == line && f->cm->v[f->ci].col < col))) {
    const hnc_comment *c = &f->cm->v[f->ci];
    if (!c->own_line && c->line <= f->src_line && !f->at_bol) { newline(f); continue; }
    if (blank_ok && c->line > f->src_line + 1 && f->src_line > 0) puts_(&f->out, "\n");
    indent(f);
    put(&f->out, c->text, c->len);
    puts_(&f->out, "\n");
    f->at_bol = true;
    f->ci++;
    f->src_line = c->end_line;
  }
  if (blank_ok && line > f->src_line + 1 && f->src_line > 0 && line < (1 << 30)) puts_(&f->out, "\n");
}

static void comments_before(fmt *f, int line, bool blank_ok) {
  comments_before_col(f, line, 0, blank_ok);
}

/* The closing brace of a block, with a trailing comment of its line kept beside it (it moved
 * to a line of its own, and the next run then put a blank line above it: not idempotent). */
static void close_brace(fmt *f, int close_line) {
  if (close_line > f->src_line) f->src_line = close_line;
  puts_(&f->out, "}");
  f->at_bol = false;
  newline(f);
}

static void consumed(fmt *f, const hnc_node *n) {
  if (n && n->loc.end_line > f->src_line) f->src_line = n->loc.end_line;
}

/* The last source line a subtree reaches (items' own locations do not always cover it): n,
 * the siblings after it (up to a rule or the file), and all their descendants. A walk with
 * its own stack: and/or chains are as deep as they are long. */
static int last_line(const hnc_node *n) {
  int m = 0;
  size_t top = 0, cap = 64;
  const hnc_node **stack = malloc(cap * sizeof *stack);
  if (!stack) return n ? n->loc.end_line : 0;
  if (n) stack[top++] = n;
  while (top > 0) {
    for (const hnc_node *k = stack[--top]; k; k = k->next) {
      if (k->loc.end_line > m) m = k->loc.end_line;
      const hnc_node *kids[4] = {k->a, k->b, k->c, k->list};
      for (int i = 0; i < 4; i++) {
        if (!kids[i]) continue;
        if (top == cap) {
          const hnc_node **v = realloc(stack, cap * 2 * sizeof *v);
          if (!v) break; /* out of memory: a line too early at worst */
          stack = v;
          cap *= 2;
        }
        stack[top++] = kids[i];
      }
      if (k->kind == N_RULE || k->kind == N_FILE) break;
    }
  }
  free(stack);
  return m;
}
static int last_line_one(const hnc_node *n) {
  if (!n) return 0;
  int m = n->loc.end_line;
  const hnc_node *kids[4] = {n->a, n->b, n->c, n->list};
  for (int i = 0; i < 4; i++) {
    int x = kids[i] ? last_line(kids[i]) : 0;
    if (x > m) m = x;
  }
  return m;
}

/* Emits the text of a line at the current depth; `n` is the node it came from. */
static void line(fmt *f, const hnc_node *n, const char *text, size_t len) {
  indent(f);
  put(&f->out, text, len);
  f->at_bol = false;
  if (n) {
    int m = last_line_one(n);
    if (m > f->src_line) f->src_line = m;
  }
  newline(f);
}

/* ---- breaking long lines ------------------------------------------------------------------ */
static size_t column(const fmt *f) {
  size_t k = f->out.n, col = 0;
  while (k > 0 && f->out.s[k - 1] != '\n') {
    if (((unsigned char)f->out.s[k - 1] & 0xC0) != 0x80) col++;
    k--;
  }
  return col;
}

static size_t flat_len(const hnc_node *n) {
  buf b = {0};
  expr(&b, n);
  size_t len = b.n;
  free(b.s);
  return len;
}

static void put_flat(fmt *f, const hnc_node *n) {
  expr(&f->out, n);
  f->at_bol = false;
}

static void pad_to(fmt *f, size_t col) {
  for (size_t i = 0; i < col; i++) puts_(&f->out, " ");
}

/* Breaks a line inside n when it does not fit: and/or chains one operand a line (continuing
 * at `cont`, or aligned under the first operand when cont is 0), parentheses and lists align
 * their contents after the opening bracket. Reparsing gives the same tree: only whitespace
 * changes. */
static void pp(fmt *f, const hnc_node *n, size_t cont) {
  size_t col = column(f);
  if (!n || col + flat_len(n) <= WIDTH) {
    put_flat(f, n);
    return;
  }
  switch (n->kind) {
  case N_BINARY: {
    size_t k;
    const hnc_node **links = chain_links(n, &k);
    if (links) { /* one operand a line */
      size_t at = cont ? cont : col;
      const hnc_node *prev = links[k - 1]->a;
      pp(f, prev, 0);
      for (size_t i = k; i-- > 0;) {
        consumed(f, prev);
        newline(f);
        pad_to(f, at);
        puts_(&f->out, hnc_op_spelling(n->op));
        puts_(&f->out, " ");
        f->at_bol = false;
        pp(f, prev = links[i]->b, 0);
      }
      free(links);
      return;
    }
    put_flat(f, n->a);
    puts_(&f->out, " ");
    puts_(&f->out, hnc_op_spelling(n->op));
    puts_(&f->out, (n->flags & HNC_F_NOCASE) ? "~ " : " ");
    pp(f, n->b, 0);
    return;
  }
  case N_STROP:
    put_flat(f, n->a);
    puts_(&f->out, " ");
    puts_(&f->out, hnc_op_spelling(n->op));
    if (n->flags & HNC_F_NOCASE) puts_(&f->out, "~");
    if (n->flags & HNC_F_ANY) puts_(&f->out, " any");
    if (n->flags & HNC_F_ALL) puts_(&f->out, " all");
    puts_(&f->out, " ");
    pp(f, n->b, 0);
    return;
  case N_IN:
    put_flat(f, n->a);
    puts_(&f->out, (n->flags & HNC_F_NOCASE) ? " in~ " : " in ");
    pp(f, n->b, 0);
    return;
  case N_NOT:
    puts_(&f->out, "not ");
    pp(f, n->a, 0);
    return;
  case N_PAREN:
    puts_(&f->out, "(");
    pp(f, n->a, 0);
    puts_(&f->out, ")");
    return;
  case N_LISTLIT: case N_CALL: {
    bool call = n->kind == N_CALL;
    if (call) put(&f->out, n->str, n->len);
    puts_(&f->out, call ? "(" : "[");
    size_t at = column(f);
    for (const hnc_node *e = n->list; e; e = e->next) {
      size_t need = flat_len(e) + (e->next ? 1 : 2);
      if (e != n->list) {
        puts_(&f->out, ",");
        if (column(f) + 1 + need > WIDTH) {
          consumed(f, e);
          newline(f);
          pad_to(f, at);
        } else {
          puts_(&f->out, " ");
        }
      }
      pp(f, e, 0);
    }
    puts_(&f->out, call ? ")" : "]");
    return;
  }
  default:
    put_flat(f, n);
    return;
  }
}

/* Prints `head` then expression e (then tail), breaking it when it is too long. */
static void expr_item(fmt *f, const hnc_node *it, const char *head, const hnc_node *e, const char *tail) {
  indent(f);
  puts_(&f->out, head);
  f->at_bol = false;
  pp(f, e, (size_t)f->depth * 2 + 2);
  if (tail) puts_(&f->out, tail);
  int ml = last_line_one(it);
  if (ml > f->src_line) f->src_line = ml;
  newline(f);
}

/* head + names separated by sep, filled to the width, continuing under the first name. */
static void fill_item(fmt *f, const hnc_node *it, const char *head, const hnc_node *l, const char *sep) {
  indent(f);
  puts_(&f->out, head);
  f->at_bol = false;
  size_t at = column(f);
  for (const hnc_node *e = l; e; e = e->next) {
    if (e != l) {
      puts_(&f->out, sep[0] == ',' ? "," : sep);
      if (sep[0] == ',' && column(f) + 1 + flat_len(e) + (e->next ? 1 : 0) > WIDTH) {
        consumed(f, e);
        newline(f);
        pad_to(f, at);
      } else if (sep[0] == ',') {
        puts_(&f->out, " ");
      }
    }
    put_flat(f, e);
  }
  int ml = last_line_one(it);
  if (ml > f->src_line) f->src_line = ml;
  newline(f);
}

/* A bracketed sequence (list literal, object): flat if it fits, else one element a line. */
static void seq_item(fmt *f, const hnc_node *it, const char *head, const hnc_node *elems,
                     const char *open, const char *close, bool force_break) {
  buf b = {0};
  puts_(&b, head);
  puts_(&b, open);
  list_flat(&b, elems, ", ");
  puts_(&b, close);
  if (!force_break && b.n + (size_t)f->depth * 2 <= WIDTH) {
    line(f, it, b.s ? b.s : "", b.n);
    free(b.s);
    return;
  }
  free(b.s);
  buf h = {0};
  puts_(&h, head);
  puts_(&h, open);
  indent(f);
  put(&f->out, h.s, h.n);
  free(h.s);
  f->at_bol = false;
  if (it) f->src_line = it->loc.line > f->src_line ? it->loc.line : f->src_line;
  newline(f);
  f->depth++;
  for (const hnc_node *e = elems; e; e = e->next) {
    comments_before(f, e->loc.line, false);
    buf m = {0};
    expr(&m, e);
    puts_(&m, ",");
    line(f, e, m.s, m.n);
    free(m.s);
  }
  f->depth--;
  comments_before(f, last_line_one(it) + (it ? 0 : 0), false);
  indent(f);
  puts_(&f->out, close + (close[0] == ' ' ? 1 : 0));
  f->at_bol = false;
  if (it) consumed(f, it);
  newline(f);
}

static bool comment_within(const fmt *f, int from, int to) {
  for (size_t i = f->ci; i < f->cm->n; i++) {
    if (f->cm->v[i].line > to) break;
    if (f->cm->v[i].line > from) return true;
  }
  return false;
}

/* ---- items and declarations --------------------------------------------------------------- */
static void names(buf *b, const hnc_node *l, const char *sep) { list_flat(b, l, sep); }

static void steps(fmt *f, const hnc_node *seq) {
  for (const hnc_node *s = seq->list; s; s = s->next) {
    comments_before(f, s->loc.line, true);
    buf h = {0};
    if (s->flags & HNC_F_NOT) puts_(&h, "not ");
    put(&h, s->str, s->len);
    puts_(&h, ": ");
    buf t = {0};
    if (s->b) {
      puts_(&t, " repeat ");
      puts_(&t, hnc_op_spelling(s->op));
      puts_(&t, " ");
      lit(&t, s->b);
    }
    expr_item(f, s, h.s, s->a, t.s);
    free(h.s);
    free(t.s);
  }
  if (seq->b) {
    comments_before(f, seq->b->loc.line, true);
    expr_item(f, seq->b, "until ", seq->b, NULL);
  }
}

static void item(fmt *f, const hnc_node *it) {
  buf b = {0};
  const char *kw = hnc_item_keyword(it->op);
  switch (it->op) {
  case HNC_IT_WHERE: case HNC_IT_EXCEPT: case HNC_IT_HAVING: case HNC_IT_WHEN:
  case HNC_IT_STATE: case HNC_IT_VALUE: {
    char head[32];
    snprintf(head, sizeof head, "%s ", kw);
    expr_item(f, it, head, it->a, NULL);
    return;
  }
  case HNC_IT_OPEN: case HNC_IT_CLOSE: {
    char head[32];
    snprintf(head, sizeof head, "%s ", kw);
    buf t = {0};
    puts_(&t, " on ");
    expr(&t, it->b);
    expr_item(f, it, head, it->a, t.s);
    free(t.s);
    return;
  }
  case HNC_IT_SEQUENCE:
    puts_(&b, "sequence ");
    if (it->c) { puts_(&b, "by "); names(&b, it->c, ", "); puts_(&b, " "); }
    puts_(&b, "within ");
    lit(&b, it->a);
    puts_(&b, " {");
    indent(f);
    put(&f->out, b.s, b.n);
    f->at_bol = false;
    if (it->loc.end_line > f->src_line) f->src_line = it->loc.end_line;
    newline(f);
    free(b.s);
    f->depth++;
    steps(f, it);
    comments_before(f, it->close_line, true);
    f->depth--;
    if (it->close_line > f->src_line) f->src_line = it->close_line;
    indent(f);
    puts_(&f->out, "}");
    f->at_bol = false;
    newline(f);
    return;
  case HNC_IT_EVENT: {
    const hnc_node *o = it->a;
    bool brk = o && comment_within(f, it->loc.line, last_line_one(it));
    seq_item(f, it, "event ", o ? o->list : NULL, "{", "}", brk);
    return;
  }
  default: break;
  }
  switch (it->op) {
  case HNC_IT_GROUPBY: case HNC_IT_ENTITIES: case HNC_IT_FROM: case HNC_IT_TAGS:
  case HNC_IT_REFERENCES: case HNC_IT_FALSEPOSITIVES: case HNC_IT_REQUIRE: case HNC_IT_BY: {
    char head[32];
    snprintf(head, sizeof head, "%s ", kw);
    fill_item(f, it, head, it->list, ", ");
    return;
  }
  default: break;
  }
  puts_(&b, kw);
  switch (it->op) {
  case HNC_IT_WINDOW:
    if (it->flags & HNC_F_TUMBLING) puts_(&b, " tumbling");
    if (it->flags & HNC_F_SLIDING) puts_(&b, " sliding");
    puts_(&b, " ");
    lit(&b, it->a);
    break;
  case HNC_IT_SUPPRESS:
    puts_(&b, " ");
    lit(&b, it->a);
    if (it->list) { puts_(&b, " by "); names(&b, it->list, ", "); }
    break;
  case HNC_IT_STATES: puts_(&b, " "); names(&b, it->list, " -> "); break;
  case HNC_IT_TRANSITION: puts_(&b, " "); expr(&b, it->a); puts_(&b, " -> "); expr(&b, it->b); break;
  case HNC_IT_ALIAS: puts_(&b, " "); expr(&b, it->a); puts_(&b, " = "); expr(&b, it->b); break;
  case HNC_IT_SLA:
    puts_(&b, " ");
    for (const hnc_node *s = it->list; s; s = s->next) {
      expr(&b, s->a);
      puts_(&b, " ");
      lit(&b, s->b);
      if (s->next) puts_(&b, ", ");
    }
    break;
  case HNC_IT_STEP: case HNC_IT_FRAMEWORK:
    puts_(&b, " "); expr(&b, it->a); puts_(&b, " "); expr(&b, it->b);
    break;
  case HNC_IT_DEFAULT: break;
  case HNC_IT_TARGET:
    puts_(&b, " ");
    puts_(&b, hnc_op_spelling((int)it->i));
    puts_(&b, " ");
    expr(&b, it->a);
    break;
  case HNC_IT_EXPECT:
    puts_(&b, (it->flags & HNC_F_NOT) ? " not " : " ");
    expr(&b, it->a);
    if (it->b) { puts_(&b, " count "); lit(&b, it->b); }
    break;
  default:
    if (it->a) { puts_(&b, " "); expr(&b, it->a); }
    if (it->b) { puts_(&b, " "); expr(&b, it->b); }
    break;
  }
  line(f, it, b.s ? b.s : "", b.n);
  free(b.s);
}

/* head: the declaration's first line without the brace (hlen bytes: a test's name may hold
 * any byte its escapes allow). */
static void block(fmt *f, const hnc_node *d, const char *head, size_t hlen, const hnc_node *items) {
  indent(f);
  put(&f->out, head, hlen);
  puts_(&f->out, " {");
  f->at_bol = false;
  if (d->loc.line > f->src_line) f->src_line = d->loc.line;
  newline(f);
  f->depth++;
  for (const hnc_node *it = items; it; it = it->next) {
    comments_before(f, it->loc.line, true);
    if (it->kind == N_ITEM) {
      item(f, it);
    } else if (it->kind == N_SETTING) {
      buf b = {0};
      put(&b, it->str, it->len);
      puts_(&b, " ");
      expr(&b, it->a);
      line(f, it, b.s, b.n);
      free(b.s);
    } else if (it->kind == N_FIELD || it->kind == N_TIMEFIELD) {
      buf b = {0};
      if (it->kind == N_TIMEFIELD) { puts_(&b, "time "); expr(&b, it->a); }
      else { expr(&b, it->a); puts_(&b, ": "); expr(&b, it->b); }
      line(f, it, b.s, b.n);
      free(b.s);
    }
  }
  f->depth--;
  /* comments before the closing brace stay inside the block */
  f->depth++;
  comments_before(f, d->close_line, true);
  f->depth--;
  close_brace(f, d->close_line);
}

static bool is_block(const hnc_node *d) {
  switch (d->kind) {
  case N_SETTINGS: case N_SCHEMA: case N_LOGSOURCE: case N_CONTROL: case N_RULE:
  case N_DOMAIN: case N_SERVICE: case N_EXPOSURE: case N_KPI: case N_TEST:
    return true;
  case N_LISTDECL: case N_MACRO: case N_SCORE: return false;
  default: return false;
  }
}

static void decl(fmt *f, const hnc_node *d) {
  buf h = {0};
  switch (d->kind) {
  case N_PACK:
    puts_(&h, "pack "); put(&h, d->str, d->len); puts_(&h, " "); expr(&h, d->a);
    line(f, d, h.s, h.n);
    break;
  case N_IMPORT:
    puts_(&h, "import ");
    put(&h, d->str, d->len);
    for (const hnc_node *k = d->list; k; k = k->next) {
      puts_(&h, " ");
      if (k->op != HNC_OP_EQ || (k->a && k->loc.col != k->a->loc.col)) puts_(&h, k->op == HNC_OP_EQ ? "=" : hnc_op_spelling(k->op));
      expr(&h, k->a);
    }
    line(f, d, h.s, h.n);
    break;
  case N_ASSETS: case N_IDENTITIES:
    puts_(&h, d->kind == N_ASSETS ? "assets " : "identities ");
    expr(&h, d->a);
    line(f, d, h.s, h.n);
    break;
  case N_SETTINGS: block(f, d, "settings", 8, d->list); break;
  case N_SCHEMA: puts_(&h, "schema "); put(&h, d->str, d->len); block(f, d, h.s, h.n, d->list); break;
  case N_LOGSOURCE:
    puts_(&h, "logsource "); put(&h, d->str, d->len); puts_(&h, " {");
    indent(f); puts_(&f->out, h.s); f->at_bol = false; consumed(f, d); newline(f);
    f->depth++;
    comments_before(f, d->a ? d->a->loc.line : 0, false);
    expr_item(f, d->a, "where ", d->a, NULL);
    comments_before(f, d->close_line, true);
    f->depth--;
    close_brace(f, d->close_line);
    break;
  case N_LISTDECL: {
    puts_(&h, "list ");
    put(&h, d->str, d->len);
    if (d->b) { puts_(&h, ": "); expr(&h, d->b); }
    puts_(&h, " = ");
    bool brk = comment_within(f, d->loc.line, last_line_one(d));
    if (brk) {
      seq_item(f, d, h.s, d->list, "[", "]", true);
    } else {
      hnc_node tmp = *d;
      tmp.kind = N_LISTLIT;
      tmp.next = NULL;
      expr_item(f, d, h.s, &tmp, NULL);
    }
    break;
  }
  case N_MACRO:
    puts_(&h, "macro "); put(&h, d->str, d->len); puts_(&h, " = ");
    expr_item(f, d, h.s, d->a, NULL);
    break;
  case N_SCORE:
    puts_(&h, "score "); put(&h, d->str, d->len); puts_(&h, " = ");
    expr_item(f, d, h.s, d->a, NULL);
    break;
  case N_CONTROL: case N_RULE: case N_DOMAIN: case N_SERVICE: case N_EXPOSURE: {
    static const char *const kw[] = {[N_CONTROL] = "control", [N_RULE] = "rule", [N_DOMAIN] = "domain",
                                     [N_SERVICE] = "service", [N_EXPOSURE] = "exposure"};
    puts_(&h, kw[d->kind]); puts_(&h, " "); put(&h, d->str, d->len);
    block(f, d, h.s, h.n, d->list);
    break;
  }
  case N_KPI:
    puts_(&h, "kpi "); put(&h, d->str, d->len);
    if (d->a) { puts_(&h, " "); lit(&h, d->a); }
    block(f, d, h.s, h.n, d->list);
    break;
  case N_TEST:
    puts_(&h, "test "); lit(&h, d->a);
    block(f, d, h.s, h.n, d->list);
    break;
  default: break;
  }
  free(h.s);
}

/* Formats one parsed file; returns a malloc'd string (NULL when out of memory). */
char *hnc_fmt_unit(const hnc_compiler *c, const hnc_file_unit *u, size_t *len) {
  (void)c;
  fmt f;
  memset(&f, 0, sizeof f);
  f.cm = &u->comments;
  f.at_bol = true;
  const hnc_node *prev = NULL;
  for (const hnc_node *d = u->root ? u->root->list : NULL; d; d = d->next) {
    bool want_blank = prev && (is_block(d) || is_block(prev) || prev->kind != d->kind);
    /* comments directly above a declaration belong to it: the blank goes before them */
    int dl = d->loc.line, dc = d->loc.col;
    if (want_blank && f.ci < f.cm->n && f.cm->v[f.ci].own_line &&
        (f.cm->v[f.ci].line < dl || (f.cm->v[f.ci].line == dl && f.cm->v[f.ci].col < dc))) {
      if (f.cm->v[f.ci].line <= f.src_line + 1) puts_(&f.out, "\n");
      comments_before_col(&f, dl, dc, true);
    } else if (want_blank) {
      comments_before_col(&f, dl, dc, false);
      puts_(&f.out, "\n");
    } else {
      comments_before_col(&f, dl, dc, prev != NULL);
    }
    decl(&f, d);
    prev = d;
  }
  comments_before(&f, 1 << 30, prev != NULL);
  if (f.out.failed) {
    free(f.out.s);
    return NULL;
  }
  if (!f.out.s) puts_(&f.out, "");
  *len = f.out.n;
  return f.out.s;
}
