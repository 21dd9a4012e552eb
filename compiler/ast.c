/* ast.c - AST node construction, lists, names of kinds and operators, and the
 * location-free dump used to prove that the formatter does not change a tree.
 * Depends on the arena only. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "hnc.h"

hnc_node *hnc_node_new(hn_arena *a, hnc_kind k, hnc_loc loc) {
  hnc_node *n = hn_arena_alloc(a, sizeof *n);
  if (!n) return NULL;
  n->kind = (uint8_t)k;
  n->loc = loc;
  return n;
}

/* Appends n to the list whose head is `list`; returns the head. O(1): the head keeps the tail.
 * A NULL n (allocation failure or a recovered error) leaves the list as it is. */
hnc_node *hnc_list_append(hnc_node *list, hnc_node *n) {
  if (!n) return list;
  n->next = NULL;
  if (!list) {
    n->tail = n;
    return n;
  }
  list->tail->next = n;
  list->tail = n;
  return list;
}

size_t hnc_list_len(const hnc_node *list) {
  size_t n = 0;
  for (; list; list = list->next) n++;
  return n;
}

static const char *const kind_names[N_KIND_COUNT] = {
  "file", "pack", "version", "import", "constraint", "assets", "identities", "settings",
  "setting", "schema", "timefield", "field", "type", "logsource", "list", "macro", "control",
  "rule", "score", "domain", "service", "exposure", "kpi", "test", "item", "step", "sla",
  "pair", "binary", "not", "neg", "cond", "exists", "missing", "strop", "in", "has", "range",
  "paren", "path", "stepref", "call", "string", "int", "float", "duration", "size", "bool",
  "null", "listlit", "object", "anystr",
};

const char *hnc_kind_name(int kind) {
  return kind >= 0 && kind < N_KIND_COUNT ? kind_names[kind] : "?";
}

static const char *const op_spellings[HNC_OP_COUNT] = {
  "", "or", "and", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "contains",
  "startswith", "endswith", "like", "matches", "^", "~",
};

const char *hnc_op_spelling(int op) {
  return op >= 0 && op < HNC_OP_COUNT ? op_spellings[op] : "?";
}

static const char *const item_keywords[HNC_IT_COUNT] = {
  "id", "title", "severity", "status", "tags", "control", "service", "description",
  "references", "falsepositives", "author", "date", "from", "where", "except", "group by",
  "window", "having", "sequence", "entities", "suppress", "when", "wip", "score", "default",
  "domain", "states", "transition", "sla", "step", "require", "open when", "close when",
  "state", "weight", "value", "by", "every", "target", "framework", "owner", "event", "expect",
  "generate", "alias",
};

const char *hnc_item_keyword(int item) {
  return item >= 0 && item < HNC_IT_COUNT ? item_keywords[item] : "?";
}

static void dump_str(FILE *f, const char *s, size_t n) {
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
    else if (ch < 0x20 || ch == 0x7f) fprintf(f, "\\x%02x", ch);
    else fputc(ch, f);
  }
  fputc('"', f);
}

static void dump(const hnc_node *n, FILE *f, int depth);

/* An and/or chain `a or b or c` (left-deep links of one operator) as one node with its operands,
 * so that a chain 100,000 long is neither a recursion nor 100,000 levels of indent. False when
 * n is not a chain (or memory runs out: then it is dumped as nested nodes). */
static bool dump_chain(const hnc_node *n, FILE *f, int depth) {
  if (n->kind != N_BINARY || (n->op != HNC_OP_AND && n->op != HNC_OP_OR)) return false;
  size_t k = 0, cap = 0;
  const hnc_node **links = NULL;
  for (const hnc_node *x = n; x->kind == N_BINARY && x->op == n->op; x = x->a) {
    if (k == cap) {
      cap = cap ? cap * 2 : 16;
      const hnc_node **v = realloc(links, cap * sizeof *v);
      if (!v) { free(links); return false; }
      links = v;
    }
    links[k++] = x;
  }
  fprintf(f, "%*s(chain op=%d operands=%zu)\n", depth * 2, "", n->op, k + 1);
  dump(links[k - 1]->a, f, depth + 1);
  for (size_t i = k; i-- > 0;) dump(links[i]->b, f, depth + 1);
  free(links);
  return true;
}

static void dump(const hnc_node *n, FILE *f, int depth) {
  for (; n; n = n->next) {
    if (dump_chain(n, f, depth)) {
      if (depth == 0) break;
      continue;
    }
    fprintf(f, "%*s(%s", depth * 2, "", hnc_kind_name(n->kind));
    if (n->op) fprintf(f, " op=%d", n->op);
    if (n->flags) fprintf(f, " flags=%d", n->flags);
    if (n->str) {
      fputc(' ', f);
      dump_str(f, n->str, n->len);
    }
    if (n->kind == N_INT || n->kind == N_DURATION || n->kind == N_SIZE || n->kind == N_BOOL ||
        (n->kind == N_ITEM && n->i))
      fprintf(f, " %" PRId64, n->i);
    if (n->kind == N_FLOAT) fprintf(f, " %.17g", n->f);
    fputc('\n', f);
    const hnc_node *kids[4] = {n->a, n->b, n->c, n->list};
    static const char *const tags[4] = {"a", "b", "c", "list"};
    for (int i = 0; i < 4; i++) {
      if (!kids[i]) continue;
      fprintf(f, "%*s%s:\n", depth * 2 + 1, "", tags[i]);
      dump(kids[i], f, depth + 1);
    }
    if (depth == 0) break; /* the root's siblings are not part of it */
  }
}

/* Writes n and its subtree, without locations or raw spellings, one node a line. */
void hnc_ast_dump(const hnc_node *n, FILE *f) { dump(n, f, 0); }
