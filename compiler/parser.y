/* parser.y - the hornet grammar (lang/GRAMMAR.md), a pure Bison parser with locations.
 * Actions only build AST nodes in the arena; every check belongs to sema.c.
 * Error recovery: at the item level inside a declaration body and at the declaration level,
 * so one run reports the errors of every declaration. */
%define api.pure full
%define api.prefix {hnc_yy}
%define parse.error custom
%locations
%param {yyscan_t scanner}
%parse-param {hnc_parser *p}

%code requires {
#include "parser_ctx.h"
typedef void *yyscan_t;
}

%code provides {
int hnc_yylex(HNC_YYSTYPE *lval, HNC_YYLTYPE *lloc, yyscan_t scanner);
}

%code {
#include <string.h>
/* Nesting is bounded by depth() below, at HNC_MAX_DEPTH levels; the parser's stack is allowed
 * far more than that takes (a few entries a level), so it overflows only on input nested far
 * deeper, which is then reported the same way. */
#define YYMAXDEPTH 10000

#define LOC(l) hnc_parser_loc(p, (l).first_line, (l).first_column, (l).last_line, (l).last_column)
#define SPAN(a, b) hnc_parser_loc(p, (a).first_line, (a).first_column, (b).last_line, (b).last_column)

static void hnc_yyerror(HNC_YYLTYPE *loc, yyscan_t scanner, hnc_parser *p, const char *msg) {
  (void)scanner;
  /* bison's only message of its own is "memory exhausted": its stack, i.e. nesting */
  if (strcmp(msg, "memory exhausted") == 0) {
    hnc_error(p->c, LOC(*loc), "nesting", "nested too deeply (more than %d levels)", HNC_MAX_DEPTH);
    p->too_deep = true;
  } else {
    hnc_error(p->c, LOC(*loc), "syntax", "%s", msg);
  }
  p->errors++;
  p->broken = true;
}

static hnc_node *mk(hnc_parser *p, hnc_kind k, hnc_loc loc) {
  return hnc_node_new(p->arena, k, loc);
}

/* Whether n is an and/or whose left operand k continues its chain (`a or b or c`): walkers loop
 * over such a chain, so its length is not nesting. */
static bool chain_link(const hnc_node *n, const hnc_node *k) {
  return n->kind == N_BINARY && (n->op == HNC_OP_AND || n->op == HNC_OP_OR) && k->kind == N_BINARY && k->op == n->op;
}

/* Sets n's nesting depth (lang/SPEC.md §18.4): one more than its deepest operand, element or
 * pair; leaves are 0 and an and/or chain is one level however long. Deeper than HNC_MAX_DEPTH
 * is an error at n (once per declaration), and n becomes a broken leaf, so what encloses it
 * stays shallow: nothing deeper reaches the checker, the formatter or the back ends, whose
 * walks recurse once per level. */
static hnc_node *depth(hnc_parser *p, hnc_node *n) {
  if (!n) return n;
  uint32_t d = 0;
  const hnc_node *kids[3] = {n->a, n->b, n->c};
  for (int i = 0; i < 3; i++) {
    if (!kids[i]) continue;
    uint32_t k = kids[i]->depth + 1;
    if (i == 0 && chain_link(n, kids[i])) k--;
    if (k > d) d = k;
  }
  for (const hnc_node *e = n->list; e; e = e->next)
    if (e->depth + 1 > d) d = e->depth + 1;
  n->depth = d;
  if (d <= HNC_MAX_DEPTH) return n;
  if (!p->deep_reported) {
    hnc_error(p->c, n->loc, "nesting", "nested too deeply (more than %d levels)", HNC_MAX_DEPTH);
    hnc_hint(p->c, "an and/or chain is one level however long: drop needless parentheses, or test a list with in [...]");
    p->deep_reported = true;
    p->errors++;
  }
  p->broken = true;
  hnc_node *leaf = mk(p, N_BOOL, n->loc);
  if (leaf) leaf->flags |= HNC_F_BROKEN;
  return leaf;
}

/* A declaration that contained a syntax error is marked, so sema skips its shape checks. */
static void mark_broken(hnc_parser *p, hnc_node *d) {
  if (p->broken && d) d->flags |= HNC_F_BROKEN;
  p->broken = false;
}

/* The same for a block nested in a declaration: the declaration is marked too, later. */
static void mark_broken_nested(hnc_parser *p, hnc_node *d) {
  if (p->broken && d) d->flags |= HNC_F_BROKEN;
}

/* A node with a name taken from a token node (the token node is only a carrier). */
static hnc_node *named(hnc_parser *p, hnc_kind k, hnc_loc loc, hnc_node *name) {
  hnc_node *n = mk(p, k, loc);
  if (n && name) { n->str = name->str; n->len = name->len; }
  return n;
}

static hnc_node *item(hnc_parser *p, int it, hnc_loc loc, hnc_node *a, hnc_node *b, hnc_node *list) {
  hnc_node *n = mk(p, N_ITEM, loc);
  if (n) { n->op = (uint8_t)it; n->a = a; n->b = b; n->list = list; }
  return n;
}

static hnc_node *bin(hnc_parser *p, hnc_kind k, int op, int flags, hnc_loc loc, hnc_node *a, hnc_node *b) {
  hnc_node *n = mk(p, k, loc);
  if (n) { n->op = (uint8_t)op; n->flags = (uint8_t)flags; n->a = a; n->b = b; }
  return depth(p, n);
}

static hnc_node *un(hnc_parser *p, hnc_kind k, hnc_loc loc, hnc_node *a) {
  hnc_node *n = mk(p, k, loc);
  if (n) n->a = a;
  return depth(p, n);
}

/* A node over a list (call, list literal, object). */
static hnc_node *over(hnc_parser *p, hnc_node *n, hnc_node *list) {
  if (n) n->list = list;
  return depth(p, n);
}
}

%union {
  hnc_node *node;
  int num;
}

/* declarations */
%token T_PACK "pack" T_IMPORT "import" T_ASSETS "assets" T_IDENTITIES "identities"
%token T_SETTINGS "settings" T_SCHEMA "schema" T_TIME "time" T_LIST "list"
%token T_LOGSOURCE "logsource" T_MACRO "macro" T_CONTROL "control" T_RULE "rule"
%token T_SCORE "score" T_DOMAIN "domain" T_SERVICE "service" T_EXPOSURE "exposure"
%token T_KPI "kpi" T_TEST "test"
/* items */
%token T_ID "id" T_TITLE "title" T_SEVERITY "severity" T_STATUS "status" T_TAGS "tags"
%token T_DESCRIPTION "description" T_REFERENCES "references"
%token T_FALSEPOSITIVES "falsepositives" T_AUTHOR "author" T_DATE "date" T_FROM "from"
%token T_WHERE "where" T_EXCEPT "except" T_GROUP "group" T_BY "by" T_WINDOW "window"
%token T_TUMBLING "tumbling" T_SLIDING "sliding" T_HAVING "having" T_SEQUENCE "sequence"
%token T_WITHIN "within" T_UNTIL "until" T_REPEAT "repeat" T_ENTITIES "entities"
%token T_GENERATE "generate" T_ALIAS "alias" T_SUPPRESS "suppress" T_WHEN "when" T_WIP "wip" T_DEFAULT "default" T_STATES "states"
%token T_TRANSITION "transition" T_SLA "sla" T_STEP "step" T_REQUIRE "require" T_OPEN "open"
%token T_CLOSE "close" T_STATE "state" T_ON "on" T_WEIGHT "weight" T_VALUE "value"
%token T_EVERY "every" T_TARGET "target" T_FRAMEWORK "framework" T_OWNER "owner"
%token T_EVENT "event" T_EXPECT "expect" T_COUNT "count"
/* expressions */
%token T_AND "and" T_OR "or" T_NOT "not" T_EXISTS "exists" T_MISSING "missing"
%token T_CONTAINS "contains" T_STARTSWITH "startswith" T_ENDSWITH "endswith" T_LIKE "like"
%token T_MATCHES "matches" T_IN "in" T_HAS "has" T_ANY "any" T_ALL "all"
%token T_TRUE "true" T_FALSE "false" T_NULL "null"
%token T_EQ "==" T_NE "!=" T_LE "<=" T_GE ">=" T_ARROW "->" T_DOTDOT ".."
/* literals and names: every one carries a node */
%token <node> T_IDENT "identifier" T_PATH "field path" T_STRING "string" T_INT "integer"
%token <node> T_FLOAT "number" T_DURATION "duration" T_SIZE "size" T_VERSION "version"

%type <node> soft_keyword
%type <node> kpi_dim kpi_dims T_DOMAIN T_SERVICE T_CONTROL T_RULE T_TRANSITION T_SLA T_EXPOSURE row_keyword
%type <node> T_GENERATE T_ALIAS T_SUPPRESS T_TIME T_TITLE T_STATUS T_SEVERITY T_TAGS T_ID T_DATE T_STATE T_VALUE T_STEP T_OPEN T_CLOSE T_EVENT T_DEFAULT T_OWNER T_WEIGHT T_TARGET T_AUTHOR T_SCORE T_TEST T_KPI T_ASSETS
%type <node> file decls decl import constraints constraint version
%type <node> settings setting_list setting schema schema_items schema_item type
%type <node> logsource listdecl literal_list_opt literal_list macro control ctl_items ctl_item
%type <node> rule rule_items rule_item meta from_list paths path tag_list tag
%type <node> steps step until_opt by_opt string_list name name_list
%type <node> score domain dom_items dom_item service svc_items svc_item state_chain sla_list sla
%type <node> exposure exp_items exp_item kpi kpi_title_opt kpi_items kpi_item test test_items test_item
%type <node> object pairs_opt pairs pair tvalue tvalues_opt tvalues
%type <node> expr primary literal number args_opt args strop_rhs control_ref
%type <num> cmp strop quant tilde_opt window_kind_opt repeat_op

%destructor { (void)$$; } <node>

%right '?' ':'
%left T_OR
%left T_AND
%right T_NOT
%nonassoc T_EQ T_NE '<' T_LE '>' T_GE T_CONTAINS T_STARTSWITH T_ENDSWITH T_LIKE T_MATCHES T_IN T_HAS
%left '+' '-'
%left '*' '/' '%'
%right UMINUS
%nonassoc T_DOTDOT

%expect 0
%start file

%%

file:
    decls {
      $$ = mk(p, N_FILE, LOC(@$));
      if ($$) $$->list = $1;
      p->root = $$;
    }
  ;

/* Numbers are accepted where a version stands, so `^1.0` is checked (and reported) by sema. */
version: T_VERSION { $$ = $1; } | T_FLOAT { $$ = $1; } | T_INT { $$ = $1; } ;

decls:
    %empty { $$ = NULL; }
  | decls decl { $$ = hnc_list_append($1, $2); p->deep_reported = false; }
  | decls error { $$ = $1; p->broken = false; p->deep_reported = false; }
  ;

decl:
    import | settings | schema | logsource | listdecl | macro | control | rule
  | score | domain | service | exposure | kpi | test
  | T_ASSETS T_STRING { $$ = un(p, N_ASSETS, SPAN(@1, @2), $2); }
  | T_IDENTITIES T_STRING { $$ = un(p, N_IDENTITIES, SPAN(@1, @2), $2); }
  | T_PACK path version { $$ = named(p, N_PACK, SPAN(@1, @3), $2); if ($$) $$->a = $3; }
  ;

/* import := 'import' dotted_name constraint* */
import:
    T_IMPORT path constraints { $$ = named(p, N_IMPORT, SPAN(@1, @2), $2); if ($$) $$->list = $3; }
  ;

constraints:
    %empty { $$ = NULL; }
  | constraints constraint { $$ = hnc_list_append($1, $2); }
  ;

constraint:
    version { $$ = bin(p, N_CONSTRAINT, HNC_OP_EQ, 0, LOC(@$), $1, NULL); }
  | '=' version { $$ = bin(p, N_CONSTRAINT, HNC_OP_EQ, 0, LOC(@$), $2, NULL); }
  | '^' version { $$ = bin(p, N_CONSTRAINT, HNC_OP_CARET, 0, LOC(@$), $2, NULL); }
  | '~' version { $$ = bin(p, N_CONSTRAINT, HNC_OP_TILDE, 0, LOC(@$), $2, NULL); }
  | cmp version { $$ = bin(p, N_CONSTRAINT, $1, 0, LOC(@$), $2, NULL); }
  ;

/* settings := 'settings' '{' (IDENT value)* '}' */
settings:
    T_SETTINGS '{' setting_list '}' { $$ = mk(p, N_SETTINGS, LOC(@$)); if ($$) { $$->list = $3; $$->close_line = @4.first_line; mark_broken(p, $$); } }
  ;
setting_list:
    %empty { $$ = NULL; }
  | setting_list setting { $$ = hnc_list_append($1, $2); }
  | setting_list error { $$ = $1; }
  ;
setting:
    name literal { $$ = named(p, N_SETTING, SPAN(@1, @2), $1); if ($$) $$->a = $2; }
  ;

/* schema := 'schema' IDENT '{' schema_item* '}' */
schema:
    T_SCHEMA name '{' schema_items '}' { $$ = named(p, N_SCHEMA, SPAN(@1, @2), $2); if ($$) { $$->list = $4; $$->close_line = @5.first_line; mark_broken(p, $$); } }
  ;
schema_items:
    %empty { $$ = NULL; }
  | schema_items schema_item { $$ = hnc_list_append($1, $2); }
  | schema_items error { $$ = $1; }
  ;
schema_item:
    T_TIME path { $$ = un(p, N_TIMEFIELD, SPAN(@1, @2), $2); }
  | path ':' type { $$ = bin(p, N_FIELD, 0, 0, SPAN(@1, @3), $1, $3); }
  ;
type:
    name { $$ = $1; if ($$) $$->kind = N_TYPE; }
  | T_LIST '<' type '>' {
      $$ = mk(p, N_TYPE, LOC(@$));
      if ($$) { $$->str = "list"; $$->len = 4; $$->a = $3; }
    }
  ;

logsource:
    T_LOGSOURCE name '{' T_WHERE expr '}' { $$ = named(p, N_LOGSOURCE, SPAN(@1, @2), $2); if ($$) { $$->a = $5; $$->close_line = @6.first_line; mark_broken(p, $$); } }
  ;

/* list := 'list' IDENT ('=' | ':' type '=') '[' literal,* ']' */
listdecl:
    T_LIST name '=' '[' literal_list_opt ']' { $$ = named(p, N_LISTDECL, SPAN(@1, @2), $2); if ($$) $$->list = $5; }
  | T_LIST name '=' '[' error ']' {
      $$ = named(p, N_LISTDECL, SPAN(@1, @2), $2);
      if ($$) $$->flags |= HNC_F_BROKEN;
      p->broken = false;
    }
  | T_LIST name ':' type '=' '[' literal_list_opt ']' {
      $$ = named(p, N_LISTDECL, SPAN(@1, @2), $2);
      if ($$) { $$->b = $4; $$->list = $7; }
    }
  ;
literal_list_opt:
    %empty { $$ = NULL; }
  | literal_list { $$ = $1; }
  | literal_list ',' { $$ = $1; }
  ;
literal_list:
    literal { $$ = hnc_list_append(NULL, $1); }
  | literal_list ',' literal { $$ = hnc_list_append($1, $3); }
  ;

macro:
    T_MACRO name '=' expr { $$ = named(p, N_MACRO, SPAN(@1, @2), $2); if ($$) $$->a = $4; }
  ;

control:
    T_CONTROL name '{' ctl_items '}' { $$ = named(p, N_CONTROL, SPAN(@1, @2), $2); if ($$) { $$->list = $4; $$->close_line = @5.first_line; mark_broken(p, $$); } }
  ;
ctl_items:
    %empty { $$ = NULL; }
  | ctl_items ctl_item { $$ = hnc_list_append($1, $2); }
  | ctl_items error { $$ = $1; }
  ;
ctl_item:
    T_TITLE T_STRING { $$ = item(p, HNC_IT_TITLE, SPAN(@1, @2), $2, NULL, NULL); }
  | T_DESCRIPTION T_STRING { $$ = item(p, HNC_IT_DESCRIPTION, SPAN(@1, @2), $2, NULL, NULL); }
  | T_OWNER T_STRING { $$ = item(p, HNC_IT_OWNER, SPAN(@1, @2), $2, NULL, NULL); }
  | T_FRAMEWORK T_STRING T_STRING { $$ = item(p, HNC_IT_FRAMEWORK, SPAN(@1, @3), $2, $3, NULL); }
  ;

/* rule := 'rule' IDENT '{' rule_item* '}' */
rule:
    T_RULE name '{' rule_items '}' { $$ = named(p, N_RULE, SPAN(@1, @2), $2); if ($$) { $$->list = $4; $$->close_line = @5.first_line; mark_broken(p, $$); } }
  ;
rule_items:
    %empty { $$ = NULL; }
  | rule_items rule_item { $$ = hnc_list_append($1, $2); }
  | rule_items error { $$ = $1; }
  | rule_items ';' { $$ = $1; }
  ;
rule_item:
    meta
  | T_FROM from_list { $$ = item(p, HNC_IT_FROM, LOC(@$), NULL, NULL, $2); }
  | T_WHERE expr { $$ = item(p, HNC_IT_WHERE, LOC(@$), $2, NULL, NULL); }
  | T_EXCEPT expr { $$ = item(p, HNC_IT_EXCEPT, LOC(@$), $2, NULL, NULL); }
  | T_GROUP T_BY paths { $$ = item(p, HNC_IT_GROUPBY, LOC(@$), NULL, NULL, $3); }
  | T_WINDOW window_kind_opt T_DURATION {
      $$ = item(p, HNC_IT_WINDOW, LOC(@$), $3, NULL, NULL);
      if ($$) $$->flags = (uint8_t)$2;
    }
  | T_HAVING expr { $$ = item(p, HNC_IT_HAVING, LOC(@$), $2, NULL, NULL); }
  | T_SEQUENCE by_opt T_WITHIN T_DURATION '{' steps until_opt '}' {
      $$ = item(p, HNC_IT_SEQUENCE, SPAN(@1, @4), $4, $7, $6);
      if ($$) { $$->c = $2; $$->close_line = @8.first_line; mark_broken_nested(p, $$); }
    }
  | T_ENTITIES paths { $$ = item(p, HNC_IT_ENTITIES, LOC(@$), NULL, NULL, $2); }
  | T_SUPPRESS T_DURATION by_opt { $$ = item(p, HNC_IT_SUPPRESS, LOC(@$), $2, NULL, $3); }
  | T_ALIAS path '=' path { $$ = item(p, HNC_IT_ALIAS, LOC(@$), $2, $4, NULL); }
  ;
window_kind_opt:
    %empty { $$ = 0; }
  | T_TUMBLING { $$ = HNC_F_TUMBLING; }
  | T_SLIDING { $$ = HNC_F_SLIDING; }
  ;
by_opt:
    %empty { $$ = NULL; }
  | T_BY paths { $$ = $2; }
  ;
meta:
    T_ID T_STRING { $$ = item(p, HNC_IT_ID, LOC(@$), $2, NULL, NULL); }
  | T_TITLE T_STRING { $$ = item(p, HNC_IT_TITLE, LOC(@$), $2, NULL, NULL); }
  | T_SEVERITY name { $$ = item(p, HNC_IT_SEVERITY, LOC(@$), $2, NULL, NULL); }
  | T_STATUS name { $$ = item(p, HNC_IT_STATUS, LOC(@$), $2, NULL, NULL); }
  | T_STATUS T_TEST { $$ = item(p, HNC_IT_STATUS, LOC(@$), $2, NULL, NULL); }
  | T_TAGS tag_list { $$ = item(p, HNC_IT_TAGS, LOC(@$), NULL, NULL, $2); }
  | T_CONTROL control_ref { $$ = item(p, HNC_IT_CONTROL, LOC(@$), $2, NULL, NULL); }
  | T_SERVICE name { $$ = item(p, HNC_IT_SERVICE, LOC(@$), $2, NULL, NULL); }
  | T_DESCRIPTION T_STRING { $$ = item(p, HNC_IT_DESCRIPTION, LOC(@$), $2, NULL, NULL); }
  | T_REFERENCES string_list { $$ = item(p, HNC_IT_REFERENCES, LOC(@$), NULL, NULL, $2); }
  | T_FALSEPOSITIVES string_list { $$ = item(p, HNC_IT_FALSEPOSITIVES, LOC(@$), NULL, NULL, $2); }
  | T_AUTHOR T_STRING { $$ = item(p, HNC_IT_AUTHOR, LOC(@$), $2, NULL, NULL); }
  | T_DATE T_STRING { $$ = item(p, HNC_IT_DATE, LOC(@$), $2, NULL, NULL); }
  | T_GENERATE T_TRUE {
      hnc_node *b = mk(p, N_BOOL, LOC(@2));
      if (b) b->i = 1;
      $$ = item(p, HNC_IT_GENERATE, LOC(@$), b, NULL, NULL);
    }
  | T_GENERATE T_FALSE { $$ = item(p, HNC_IT_GENERATE, LOC(@$), mk(p, N_BOOL, LOC(@2)), NULL, NULL); }
  ;
control_ref:
    name { $$ = $1; }
  | T_STRING { $$ = $1; }
  ;
from_list:
    name { $$ = hnc_list_append(NULL, $1); }
  | from_list ',' name { $$ = hnc_list_append($1, $3); }
  ;
tag_list:
    tag { $$ = hnc_list_append(NULL, $1); }
  | tag_list ',' tag { $$ = hnc_list_append($1, $3); }
  ;
tag:
    path { $$ = $1; }
  | T_STRING { $$ = $1; }
  ;
string_list:
    T_STRING { $$ = hnc_list_append(NULL, $1); }
  | string_list ',' T_STRING { $$ = hnc_list_append($1, $3); }
  ;
paths:
    path { $$ = hnc_list_append(NULL, $1); }
  | paths ',' path { $$ = hnc_list_append($1, $3); }
  ;
steps:
    step { $$ = hnc_list_append(NULL, $1); }
  | steps step { $$ = hnc_list_append($1, $2); }
  | steps ';' { $$ = $1; }
  | steps error { $$ = $1; }
  ;
/* step := 'not'? IDENT ':' expr ('repeat' ('>='|'==') INT)? */
step:
    name ':' expr {
      $$ = named(p, N_STEP, SPAN(@1, @3), $1);
      if ($$) $$->a = $3;
    }
  | name ':' expr T_REPEAT repeat_op T_INT {
      $$ = named(p, N_STEP, SPAN(@1, @6), $1);
      if ($$) { $$->a = $3; $$->b = $6; $$->op = (uint8_t)$5; }
    }
  | T_NOT name ':' expr {
      $$ = named(p, N_STEP, SPAN(@1, @4), $2);
      if ($$) { $$->a = $4; $$->flags = HNC_F_NOT; }
    }
  | T_NOT name ':' expr T_REPEAT repeat_op T_INT {
      $$ = named(p, N_STEP, SPAN(@1, @7), $2);
      if ($$) { $$->a = $4; $$->b = $7; $$->op = (uint8_t)$6; $$->flags = HNC_F_NOT; }
    }
  ;
repeat_op:
    T_GE { $$ = HNC_OP_GE; }
  | T_EQ { $$ = HNC_OP_EQ; }
  ;
until_opt:
    %empty { $$ = NULL; }
  | T_UNTIL expr { $$ = $2; }
  ;

score:
    T_SCORE name '=' expr { $$ = named(p, N_SCORE, SPAN(@1, @2), $2); if ($$) $$->a = $4; }
  ;

domain:
    T_DOMAIN name '{' dom_items '}' { $$ = named(p, N_DOMAIN, SPAN(@1, @2), $2); if ($$) { $$->list = $4; $$->close_line = @5.first_line; mark_broken(p, $$); } }
  ;
dom_items:
    %empty { $$ = NULL; }
  | dom_items dom_item { $$ = hnc_list_append($1, $2); }
  | dom_items error { $$ = $1; }
  ;
dom_item:
    T_TITLE T_STRING { $$ = item(p, HNC_IT_TITLE, LOC(@$), $2, NULL, NULL); }
  | T_DESCRIPTION T_STRING { $$ = item(p, HNC_IT_DESCRIPTION, LOC(@$), $2, NULL, NULL); }
  | T_WHEN expr { $$ = item(p, HNC_IT_WHEN, LOC(@$), $2, NULL, NULL); }
  | T_WIP T_INT { $$ = item(p, HNC_IT_WIP, LOC(@$), $2, NULL, NULL); }
  | T_SCORE name { $$ = item(p, HNC_IT_SCORE, LOC(@$), $2, NULL, NULL); }
  | T_DEFAULT { $$ = item(p, HNC_IT_DEFAULT, LOC(@$), NULL, NULL, NULL); }
  ;

service:
    T_SERVICE name '{' svc_items '}' { $$ = named(p, N_SERVICE, SPAN(@1, @2), $2); if ($$) { $$->list = $4; $$->close_line = @5.first_line; mark_broken(p, $$); } }
  ;
svc_items:
    %empty { $$ = NULL; }
  | svc_items svc_item { $$ = hnc_list_append($1, $2); }
  | svc_items error { $$ = $1; }
  ;
svc_item:
    T_TITLE T_STRING { $$ = item(p, HNC_IT_TITLE, LOC(@$), $2, NULL, NULL); }
  | T_DESCRIPTION T_STRING { $$ = item(p, HNC_IT_DESCRIPTION, LOC(@$), $2, NULL, NULL); }
  | T_DOMAIN name { $$ = item(p, HNC_IT_DOMAIN, LOC(@$), $2, NULL, NULL); }
  | T_STATES state_chain { $$ = item(p, HNC_IT_STATES, LOC(@$), NULL, NULL, $2); }
  | T_TRANSITION name T_ARROW name { $$ = item(p, HNC_IT_TRANSITION, LOC(@$), $2, $4, NULL); }
  | T_SLA sla_list { $$ = item(p, HNC_IT_SLA, LOC(@$), NULL, NULL, $2); }
  | T_STEP name T_STRING { $$ = item(p, HNC_IT_STEP, LOC(@$), $2, $3, NULL); }
  | T_REQUIRE name_list { $$ = item(p, HNC_IT_REQUIRE, LOC(@$), NULL, NULL, $2); }
  ;
state_chain:
    name T_ARROW name { $$ = hnc_list_append(hnc_list_append(NULL, $1), $3); }
  | state_chain T_ARROW name { $$ = hnc_list_append($1, $3); }
  ;
sla_list:
    sla { $$ = hnc_list_append(NULL, $1); }
  | sla_list ',' sla { $$ = hnc_list_append($1, $3); }
  ;
sla:
    name T_DURATION { $$ = bin(p, N_SLA, 0, 0, LOC(@$), $1, $2); }
  ;
name_list:
    name { $$ = hnc_list_append(NULL, $1); }
  | name_list ',' name { $$ = hnc_list_append($1, $3); }
  ;

exposure:
    T_EXPOSURE name '{' exp_items '}' { $$ = named(p, N_EXPOSURE, SPAN(@1, @2), $2); if ($$) { $$->list = $4; $$->close_line = @5.first_line; mark_broken(p, $$); } }
  ;
exp_items:
    %empty { $$ = NULL; }
  | exp_items exp_item { $$ = hnc_list_append($1, $2); }
  | exp_items error { $$ = $1; }
  ;
exp_item:
    T_TITLE T_STRING { $$ = item(p, HNC_IT_TITLE, LOC(@$), $2, NULL, NULL); }
  | T_DESCRIPTION T_STRING { $$ = item(p, HNC_IT_DESCRIPTION, LOC(@$), $2, NULL, NULL); }
  | T_FROM from_list { $$ = item(p, HNC_IT_FROM, LOC(@$), NULL, NULL, $2); }
  | T_OPEN T_WHEN expr T_ON path { $$ = item(p, HNC_IT_OPEN, LOC(@$), $3, $5, NULL); }
  | T_CLOSE T_WHEN expr T_ON path { $$ = item(p, HNC_IT_CLOSE, LOC(@$), $3, $5, NULL); }
  | T_STATE expr { $$ = item(p, HNC_IT_STATE, LOC(@$), $2, NULL, NULL); }
  | T_WEIGHT number { $$ = item(p, HNC_IT_WEIGHT, LOC(@$), $2, NULL, NULL); }
  | T_CONTROL control_ref { $$ = item(p, HNC_IT_CONTROL, LOC(@$), $2, NULL, NULL); }
  ;

kpi:
    T_KPI name kpi_title_opt '{' kpi_items '}' {
      $$ = named(p, N_KPI, SPAN(@1, @2), $2);
      if ($$) { $$->a = $3; $$->list = $5; $$->close_line = @6.first_line; mark_broken(p, $$); }
    }
  ;
/* KPI dimensions: names, and the keywords that name dimensions (domain, service, ...) */
kpi_dims:
    kpi_dim { $$ = hnc_list_append(NULL, $1); }
  | kpi_dims ',' kpi_dim { $$ = hnc_list_append($1, $3); }
  ;
kpi_dim: name | T_DOMAIN | T_SERVICE | T_CONTROL | T_RULE | T_EXPOSURE ;
kpi_title_opt:
    %empty { $$ = NULL; }
  | T_STRING { $$ = $1; }
  ;
kpi_items:
    %empty { $$ = NULL; }
  | kpi_items kpi_item { $$ = hnc_list_append($1, $2); }
  | kpi_items error { $$ = $1; }
  ;
kpi_item:
    T_TITLE T_STRING { $$ = item(p, HNC_IT_TITLE, LOC(@$), $2, NULL, NULL); }
  | T_DESCRIPTION T_STRING { $$ = item(p, HNC_IT_DESCRIPTION, LOC(@$), $2, NULL, NULL); }
  | T_VALUE expr { $$ = item(p, HNC_IT_VALUE, LOC(@$), $2, NULL, NULL); }
  | T_WHERE expr { $$ = item(p, HNC_IT_WHERE, LOC(@$), $2, NULL, NULL); }
  | T_BY kpi_dims { $$ = item(p, HNC_IT_BY, LOC(@$), NULL, NULL, $2); }
  | T_EVERY T_DURATION { $$ = item(p, HNC_IT_EVERY, LOC(@$), $2, NULL, NULL); }
  | T_TARGET cmp literal {
      $$ = item(p, HNC_IT_TARGET, LOC(@$), $3, NULL, NULL);
      if ($$) $$->i = $2;
    }
  ;

test:
    T_TEST T_STRING '{' test_items '}' { $$ = un(p, N_TEST, SPAN(@1, @2), $2); if ($$) { $$->list = $4; $$->close_line = @5.first_line; mark_broken(p, $$); } }
  ;
test_items:
    %empty { $$ = NULL; }
  | test_items test_item { $$ = hnc_list_append($1, $2); }
  | test_items error { $$ = $1; }
  ;
test_item:
    T_EVENT object { $$ = item(p, HNC_IT_EVENT, LOC(@$), $2, NULL, NULL); }
  | T_EXPECT name { $$ = item(p, HNC_IT_EXPECT, LOC(@$), $2, NULL, NULL); }
  | T_EXPECT name T_COUNT T_INT { $$ = item(p, HNC_IT_EXPECT, LOC(@$), $2, $4, NULL); }
  | T_EXPECT T_NOT name {
      $$ = item(p, HNC_IT_EXPECT, LOC(@$), $3, NULL, NULL);
      if ($$) $$->flags = HNC_F_NOT;
    }
  ;
object:
    '{' pairs_opt '}' {
      $$ = over(p, mk(p, N_OBJECT, LOC(@$)), $2);
      if ($$ && $$->kind == N_OBJECT) { $$->close_line = @3.first_line; mark_broken_nested(p, $$); }
    }
  ;
pairs_opt:
    %empty { $$ = NULL; }
  | pairs { $$ = $1; }
  | pairs ',' { $$ = $1; }
  ;
pairs:
    pair { $$ = hnc_list_append(NULL, $1); }
  | pairs ',' pair { $$ = hnc_list_append($1, $3); }
  ;
pair:
    path ':' tvalue { $$ = bin(p, N_PAIR, 0, 0, LOC(@$), $1, $3); }
  | T_STRING ':' tvalue { $$ = bin(p, N_PAIR, 0, 0, LOC(@$), $1, $3); }
  ;
tvalue:
    literal { $$ = $1; }
  | '-' number { $$ = un(p, N_NEG, LOC(@$), $2); }
  | object { $$ = $1; }
  | '[' tvalues_opt ']' { $$ = over(p, mk(p, N_LISTLIT, LOC(@$)), $2); }
  ;
tvalues_opt:
    %empty { $$ = NULL; }
  | tvalues { $$ = $1; }
  | tvalues ',' { $$ = $1; }
  ;
tvalues:
    tvalue { $$ = hnc_list_append(NULL, $1); }
  | tvalues ',' tvalue { $$ = hnc_list_append($1, $3); }
  ;

/* ---- expressions ---- */
expr:
    expr T_OR expr { $$ = bin(p, N_BINARY, HNC_OP_OR, 0, LOC(@$), $1, $3); }
  | expr T_AND expr { $$ = bin(p, N_BINARY, HNC_OP_AND, 0, LOC(@$), $1, $3); }
  | T_NOT expr { $$ = un(p, N_NOT, LOC(@$), $2); }
  | expr '?' expr ':' expr {
      $$ = mk(p, N_COND, LOC(@$));
      if ($$) { $$->a = $1; $$->b = $3; $$->c = $5; }
      $$ = depth(p, $$);
    }
  | expr cmp tilde_opt expr %prec T_EQ { $$ = bin(p, N_BINARY, $2, $3, LOC(@$), $1, $4); }
  | expr strop tilde_opt quant strop_rhs %prec T_CONTAINS {
      $$ = bin(p, N_STROP, $2, $3 | $4, LOC(@$), $1, $5);
    }
  | expr T_IN tilde_opt strop_rhs %prec T_IN { $$ = bin(p, N_IN, 0, $3, LOC(@$), $1, $4); }
  | expr T_HAS expr { $$ = bin(p, N_HAS, 0, 0, LOC(@$), $1, $3); }
  | expr '+' expr { $$ = bin(p, N_BINARY, HNC_OP_ADD, 0, LOC(@$), $1, $3); }
  | expr '-' expr { $$ = bin(p, N_BINARY, HNC_OP_SUB, 0, LOC(@$), $1, $3); }
  | expr '*' expr { $$ = bin(p, N_BINARY, HNC_OP_MUL, 0, LOC(@$), $1, $3); }
  | expr '/' expr { $$ = bin(p, N_BINARY, HNC_OP_DIV, 0, LOC(@$), $1, $3); }
  | expr '%' expr { $$ = bin(p, N_BINARY, HNC_OP_MOD, 0, LOC(@$), $1, $3); }
  | '-' expr %prec UMINUS { $$ = un(p, N_NEG, LOC(@$), $2); }
  | T_EXISTS primary { $$ = un(p, N_EXISTS, LOC(@$), $2); }
  | T_MISSING primary { $$ = un(p, N_MISSING, LOC(@$), $2); }
  | primary { $$ = $1; }
  ;
/* The right side of a string operator or `in`: a value, a list, a list name, a call, a range. */
strop_rhs:
    primary { $$ = $1; }
  | number T_DOTDOT number { $$ = bin(p, N_RANGE, 0, 0, LOC(@$), $1, $3); }
  | '-' number T_DOTDOT number { $$ = bin(p, N_RANGE, 0, 0, LOC(@$), un(p, N_NEG, SPAN(@1, @2), $2), $4); }
  | number T_DOTDOT '-' number { $$ = bin(p, N_RANGE, 0, 0, LOC(@$), $1, un(p, N_NEG, SPAN(@3, @4), $4)); }
  | '-' number T_DOTDOT '-' number {
      $$ = bin(p, N_RANGE, 0, 0, LOC(@$), un(p, N_NEG, SPAN(@1, @2), $2), un(p, N_NEG, SPAN(@4, @5), $5));
    }
  ;
cmp:
    T_EQ { $$ = HNC_OP_EQ; } | T_NE { $$ = HNC_OP_NE; } | '<' { $$ = HNC_OP_LT; }
  | T_LE { $$ = HNC_OP_LE; } | '>' { $$ = HNC_OP_GT; } | T_GE { $$ = HNC_OP_GE; }
  ;
strop:
    T_CONTAINS { $$ = HNC_OP_CONTAINS; } | T_STARTSWITH { $$ = HNC_OP_STARTSWITH; }
  | T_ENDSWITH { $$ = HNC_OP_ENDSWITH; } | T_LIKE { $$ = HNC_OP_LIKE; }
  | T_MATCHES { $$ = HNC_OP_MATCHES; }
  ;
tilde_opt:
    %empty { $$ = 0; }
  | '~' { $$ = HNC_F_NOCASE; }
  ;
quant:
    %empty { $$ = 0; }
  | T_ANY { $$ = HNC_F_ANY; }
  | T_ALL { $$ = HNC_F_ALL; }
  ;
primary:
    literal { $$ = $1; }
  | path { $$ = $1; }
  | '*' { $$ = mk(p, N_ANYSTR, LOC(@$)); } /* every string value of the event (sema: before a string operator) */
  | '$' name '.' path {
      $$ = named(p, N_STEPREF, LOC(@$), $2);
      if ($$) $$->a = $4;
    }
  | '$' T_PATH {
      /* `$fail.user.name` lexes as '$' and one path: the first segment is the step. */
      $$ = mk(p, N_STEPREF, LOC(@$));
      if ($$ && $2) {
        const char *dot = memchr($2->str, '.', $2->len);
        size_t k = dot ? (size_t)(dot - $2->str) : $2->len;
        $$->str = $2->str; $$->len = k;
        $2->str += dot ? k + 1 : k; $2->len -= dot ? k + 1 : k;
        $2->loc.col += (int)(dot ? k + 1 : k);
        $2->raw = $2->str; $2->rawlen = $2->len;
        $$->a = $2;
      }
    }
  | name '(' args_opt ')' { $$ = over(p, named(p, N_CALL, LOC(@$), $1), $3); }
  | T_COUNT '(' args_opt ')' {
      $$ = mk(p, N_CALL, LOC(@$));
      if ($$) { $$->str = "count"; $$->len = 5; }
      $$ = over(p, $$, $3);
    }
  | T_COUNT '(' row_keyword ')' { /* count(transition): the rows a KPI counts (lang/SPEC.md §15) */
      $$ = mk(p, N_CALL, LOC(@$));
      if ($$) { $$->str = "count"; $$->len = 5; $$->list = $3; }
      if ($3) $3->kind = N_PATH;
    }
  | '(' expr ')' { $$ = un(p, N_PAREN, LOC(@$), $2); }
  | '[' ']' { $$ = mk(p, N_LISTLIT, LOC(@$)); }
  | '[' args ']' { $$ = over(p, mk(p, N_LISTLIT, LOC(@$)), $2); }
  | '[' args ',' ']' { $$ = over(p, mk(p, N_LISTLIT, LOC(@$)), $2); }
  ;
args_opt:
    %empty { $$ = NULL; }
  | args { $$ = $1; }
  ;
args:
    expr { $$ = hnc_list_append(NULL, $1); }
  | args ',' expr { $$ = hnc_list_append($1, $3); }
  ;
literal:
    T_STRING { $$ = $1; }
  | number { $$ = $1; }
  | T_DURATION { $$ = $1; }
  | T_SIZE { $$ = $1; }
  | T_TRUE { $$ = mk(p, N_BOOL, LOC(@$)); if ($$) $$->i = 1; }
  | T_FALSE { $$ = mk(p, N_BOOL, LOC(@$)); }
  | T_NULL { $$ = mk(p, N_NULL, LOC(@$)); }
  ;
number:
    T_INT { $$ = $1; }
  | T_FLOAT { $$ = $1; }
  ;
path:
    T_PATH { $$ = $1; }
  | name { $$ = $1; if ($$) $$->kind = N_PATH; }
  ;
/* Rows of a KPI whose names are keywords elsewhere (services' transitions and SLAs, exposures). */
row_keyword: T_TRANSITION | T_SLA | T_EXPOSURE ;
/* A name: an identifier, or a keyword that cannot be mistaken where a name stands. */
name:
    T_IDENT { $$ = $1; }
  | soft_keyword { $$ = $1; }
  ;
soft_keyword:
    T_TIME | T_TITLE | T_STATUS | T_SEVERITY | T_TAGS | T_ID | T_DATE | T_STATE | T_VALUE
  | T_STEP | T_OPEN | T_CLOSE | T_EVENT | T_DEFAULT | T_OWNER | T_WEIGHT | T_TARGET | T_AUTHOR
  | T_SUPPRESS | T_GENERATE | T_ALIAS
  ;

%%

/* The text of the token at l, from the source (for "unexpected 'condition'"). */
static void token_text(hnc_parser *p, const HNC_YYLTYPE *l, char *out, size_t cap) {
  size_t len;
  const char *line = hnc_source_line(p->c, p->file, l->first_line, &len);
  out[0] = 0;
  if (!line) return;
  size_t i = 0;
  for (int col = 1; i < len && col < l->first_column; i++)
    if (((unsigned char)line[i] & 0xC0) != 0x80) col++;
  size_t j = i;
  for (int col = l->first_column; j < len && (l->last_line > l->first_line || col <= l->last_column); j++)
    if (j + 1 >= len || ((unsigned char)line[j + 1] & 0xC0) != 0x80) col++;
  size_t n = j - i < cap - 4 ? j - i : cap - 4;
  memcpy(out, line + i, n);
  strcpy(out + n, j - i > n ? "..." : "");
}

static bool expects(const yysymbol_kind_t *v, int n, yysymbol_kind_t k) {
  for (int i = 0; i < n; i++)
    if (v[i] == k) return true;
  return false;
}

/* Syntax errors say what was expected in the author's terms: "a rule item", "an expression",
 * not bison's list of forty tokens. */
static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner, hnc_parser *p) {
  (void)scanner;
  yysymbol_kind_t ex[YYNTOKENS];
  int n = yypcontext_expected_tokens(ctx, ex, YYNTOKENS);
  if (n < 0) n = 0;
  yysymbol_kind_t got = yypcontext_token(ctx);
  const HNC_YYLTYPE *l = yypcontext_location(ctx);
  char tok[64], buf[512];
  const char *hint = NULL;
  if (got == YYSYMBOL_YYEOF) snprintf(tok, sizeof tok, "end of file");
  else {
    char t[48];
    token_text(p, l, t, sizeof t);
    snprintf(tok, sizeof tok, "'%s'", t);
  }
  const char *what = NULL;
  bool cmp_tok = got == YYSYMBOL_T_EQ || got == YYSYMBOL_T_NE || got == YYSYMBOL_T_LE ||
                 got == YYSYMBOL_T_GE || got == YYTRANSLATE('<') || got == YYTRANSLATE('>');
  if (cmp_tok && expects(ex, n, YYTRANSLATE('+')) && !expects(ex, n, YYSYMBOL_T_EQ)) {
    what = "comparisons cannot be chained";
    hint = "write a range such as port in 1025..49151, or join two comparisons with and";
  } else if (expects(ex, n, YYSYMBOL_T_GROUP) && expects(ex, n, YYSYMBOL_T_WHERE)) {
    /* (only non-soft keywords discriminate: soft ones are in every set that allows a name) */
    what = "expected a rule item (title, severity, tags, control, service, from, where, except, group by, window, having, sequence, entities, suppress) or '}'";
    if (got == YYSYMBOL_T_IDENT) hint = "Sigma's detection and condition are written as where EXPRESSION";
  } else if (expects(ex, n, YYSYMBOL_T_STATES) && expects(ex, n, YYSYMBOL_T_SLA)) {
    what = "expected a service item (title, description, domain, states, transition, sla, step, require) or '}'";
  } else if (expects(ex, n, YYSYMBOL_T_WIP) && expects(ex, n, YYSYMBOL_T_WHEN)) {
    what = "expected a domain item (title, description, when, wip, score, default) or '}'";
  } else if (expects(ex, n, YYSYMBOL_T_EVERY)) {
    what = "expected a kpi item (title, description, value, where, by, every, target) or '}'";
  } else if (expects(ex, n, YYSYMBOL_T_FRAMEWORK)) {
    what = "expected a control item (title, description, framework, owner) or '}'";
  } else if (expects(ex, n, YYSYMBOL_T_EXPECT)) {
    what = "expected event {...}, expect RULE or '}'";
  } else if (expects(ex, n, YYSYMBOL_T_FROM) && expects(ex, n, YYSYMBOL_T_DESCRIPTION)) {
    what = "expected an exposure item (title, description, from, open when, close when, state, weight, control) or '}'";
  } else if (expects(ex, n, YYSYMBOL_T_LOGSOURCE) && expects(ex, n, YYSYMBOL_T_IMPORT)) {
    what = "expected a declaration (pack, import, assets, settings, schema, logsource, list, macro, control, rule, score, domain, service, exposure, kpi, test)";
  } else if (expects(ex, n, YYSYMBOL_T_UNTIL)) {
    what = "expected a step (NAME: condition), until or '}'";
  } else if (expects(ex, n, YYSYMBOL_T_NOT) && expects(ex, n, YYTRANSLATE('('))) {
    what = "expected an expression";
  } else if (expects(ex, n, YYSYMBOL_T_AND) && expects(ex, n, YYTRANSLATE('+'))) {
    what = "expected an operator (and, or, ==, in, contains, ...) or the next clause";
  } else if (expects(ex, n, YYSYMBOL_T_STRING) && expects(ex, n, YYSYMBOL_T_DURATION) && !expects(ex, n, YYSYMBOL_T_IDENT)) {
    what = "expected a literal (a number, duration, size or string)";
  } else if (expects(ex, n, YYSYMBOL_T_IDENT) && n > 6) {
    what = "expected a name";
  }
  size_t k = (size_t)snprintf(buf, sizeof buf, "unexpected %s", tok);
  if (what) {
    snprintf(buf + k, sizeof buf - k, ": %s", what);
  } else if (n > 0 && n <= 6) {
    for (int i = 0; i < n && k < sizeof buf; i++)
      k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", i == 0 ? ", expected " : i == n - 1 ? " or " : ", ",
                            yysymbol_name(ex[i]));
  }
  hnc_error(p->c, LOC(*l), "syntax", "%s", buf);
  if (hint) hnc_hint(p->c, "%s", hint);
  p->errors++;
  p->broken = true;
  return 0;
}
