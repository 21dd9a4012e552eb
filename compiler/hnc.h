/* hnc.h - the compiler's internal types: sources, locations, AST nodes, diagnostics, packs.
 * Shared by every compiler/ file; nothing in runtime/ may include it. */
#ifndef HNC_HNC_H
#define HNC_HNC_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "hornet/compiler.h"
#include "program.h"

/* A source range. Lines and columns 1-based; columns in code points; end_col inclusive. */
typedef struct hnc_loc {
  int file; /* index into hnc_compiler.sources; -1 when there is no location */
  int line, col, end_line, end_col;
} hnc_loc;

typedef struct hnc_source {
  char *path;          /* as given, used in diagnostics */
  char *dir;           /* the directory pack it was read from; NULL: the file's own directory */
  char *text;          /* NUL-terminated copy */
  size_t len;
  size_t *line_starts; /* byte offset of each line; n_lines entries */
  int n_lines;
} hnc_source;

/* ---- AST ---------------------------------------------------------------------------
 * One node shape for every construct (as Lua's expdesc, but for the whole tree): it keeps
 * the parser actions, the dump used by the formatter's round-trip test, and the walkers
 * small. Which fields a kind uses is written beside each kind. Lists are chained by `next`;
 * the head of a list under construction keeps its `tail`. */
typedef enum hnc_kind {
  N_FILE,       /* list: declarations (N_PACK among them, first when well placed) */
  N_PACK,       /* str: dotted name; a: N_VERSION */
  N_VERSION,    /* str: "1.2.3" */
  N_IMPORT,     /* str: dotted name; list: N_CONSTRAINT */
  N_CONSTRAINT, /* op: HNC_OP_*; a: N_VERSION */
  N_ASSETS,     /* a: N_STRING (path) */
  N_IDENTITIES, /* a: N_STRING (path) */
  N_SETTINGS,   /* list: N_SETTING */
  N_SETTING,    /* str: name; a: literal */
  N_SCHEMA,     /* str: name; list: N_TIMEFIELD | N_FIELD */
  N_TIMEFIELD,  /* a: path */
  N_FIELD,      /* a: path; b: N_TYPE */
  N_TYPE,       /* str: type name ("list" with a: element N_TYPE) */
  N_LOGSOURCE,  /* str: name; a: expr */
  N_LISTDECL,   /* str: name; b: N_TYPE or NULL; list: literals */
  N_MACRO,      /* str: name; a: expr */
  N_CONTROL,    /* str: name; list: items */
  N_RULE,       /* str: name; list: items */
  N_SCORE,      /* str: name; a: expr */
  N_DOMAIN,     /* str: name; list: items */
  N_SERVICE,    /* str: name; list: items */
  N_EXPOSURE,   /* str: name; list: items */
  N_KPI,        /* str: name; a: N_STRING title or NULL; list: items */
  N_TEST,       /* a: N_STRING name; list: items */
  N_ITEM,       /* op: HNC_IT_*; a, b, c and list as the item needs (see parser.y) */
  N_STEP,       /* str: label; flags: HNC_F_NOT; a: expr; b: N_INT repeat or NULL; op: cmp */
  N_SLA,        /* a: N_NAME state; b: N_DURATION */
  N_PAIR,       /* a: key (N_PATH or N_STRING); b: value */
  /* expressions */
  N_BINARY,     /* op: HNC_OP_*; flags: HNC_F_NOCASE; a, b */
  N_NOT,        /* a */
  N_NEG,        /* a */
  N_COND,       /* a ? b : c */
  N_EXISTS,     /* a: path */
  N_MISSING,    /* a: path */
  N_STROP,      /* op: HNC_OP_CONTAINS..MATCHES; flags: NOCASE, ANY, ALL; a, b */
  N_IN,         /* flags: NOCASE; a, b */
  N_HAS,        /* a, b */
  N_RANGE,      /* a .. b */
  N_PAREN,      /* a */
  N_PATH,       /* str: the dotted text as written (one segment for a plain name) */
  N_STEPREF,    /* str: step label; a: N_PATH */
  N_CALL,       /* str: function name; list: arguments */
  N_STRING,     /* str: decoded value (len bytes); raw: spelling */
  N_INT,        /* i; raw */
  N_FLOAT,      /* f; raw */
  N_DURATION,   /* i: milliseconds; raw */
  N_SIZE,       /* i: bytes; raw */
  N_BOOL,       /* i: 0 or 1 */
  N_NULL,
  N_LISTLIT,    /* list: elements */
  N_OBJECT,     /* list: N_PAIR */
  N_ANYSTR,     /* `*`: every string value of the event (lang/SPEC.md §6.20) */
  N_KIND_COUNT
} hnc_kind;

typedef enum hnc_op {
  HNC_OP_NONE, HNC_OP_OR, HNC_OP_AND, HNC_OP_EQ, HNC_OP_NE, HNC_OP_LT, HNC_OP_LE, HNC_OP_GT,
  HNC_OP_GE, HNC_OP_ADD, HNC_OP_SUB, HNC_OP_MUL, HNC_OP_DIV, HNC_OP_MOD, HNC_OP_CONTAINS,
  HNC_OP_STARTSWITH, HNC_OP_ENDSWITH, HNC_OP_LIKE, HNC_OP_MATCHES, HNC_OP_CARET, HNC_OP_TILDE,
  HNC_OP_COUNT
} hnc_op;

/* Items: the clause keyword of a declaration body. */
typedef enum hnc_item {
  HNC_IT_ID, HNC_IT_TITLE, HNC_IT_SEVERITY, HNC_IT_STATUS, HNC_IT_TAGS, HNC_IT_CONTROL,
  HNC_IT_SERVICE, HNC_IT_DESCRIPTION, HNC_IT_REFERENCES, HNC_IT_FALSEPOSITIVES, HNC_IT_AUTHOR,
  HNC_IT_DATE, HNC_IT_FROM, HNC_IT_WHERE, HNC_IT_EXCEPT, HNC_IT_GROUPBY, HNC_IT_WINDOW,
  HNC_IT_HAVING, HNC_IT_SEQUENCE, HNC_IT_ENTITIES, HNC_IT_SUPPRESS, HNC_IT_WHEN, HNC_IT_WIP,
  HNC_IT_SCORE, HNC_IT_DEFAULT, HNC_IT_DOMAIN, HNC_IT_STATES, HNC_IT_TRANSITION, HNC_IT_SLA,
  HNC_IT_STEP, HNC_IT_REQUIRE, HNC_IT_OPEN, HNC_IT_CLOSE, HNC_IT_STATE, HNC_IT_WEIGHT,
  HNC_IT_VALUE, HNC_IT_BY, HNC_IT_EVERY, HNC_IT_TARGET, HNC_IT_FRAMEWORK, HNC_IT_OWNER,
  HNC_IT_EVENT, HNC_IT_EXPECT, HNC_IT_GENERATE, HNC_IT_ALIAS, HNC_IT_COUNT
} hnc_item;

enum {
  HNC_F_NOCASE = 1,   /* `~` after a string operator */
  HNC_F_ANY = 2,      /* `any` quantifier */
  HNC_F_ALL = 4,      /* `all` quantifier */
  HNC_F_NOT = 8,      /* `not` step, `expect not` */
  HNC_F_TUMBLING = 16,
  HNC_F_SLIDING = 32, /* written explicitly */
  HNC_F_RAW = 64,     /* string literal written raw */
  HNC_F_BROKEN = 128  /* a declaration with a syntax error inside, or a literal lexed in error:
                         checks of its shape are skipped so one mistake gives one error */
};

struct hnc_type;
struct hnc_sym;

typedef struct hnc_node {
  uint8_t kind, op, flags;
  hnc_loc loc;
  const char *str;
  size_t len;
  const char *raw; /* source spelling of a literal */
  size_t rawlen;
  int64_t i;
  double f;
  int close_line; /* the line of a block's closing brace (for the formatter's comments) */
  uint32_t depth; /* expressions, lists, objects: nesting levels below (parser.y), at most HNC_MAX_DEPTH */
  struct hnc_node *a, *b, *c, *list, *next, *tail;
  const struct hnc_type *type; /* set by sema for expressions */
  struct hnc_sym *sym;         /* set by sema for names that resolve to declarations */
} hnc_node;

/* A comment, kept for the formatter. */
typedef struct hnc_comment {
  int line, col, end_line;
  bool own_line; /* only whitespace before it on its line */
  const char *text;
  size_t len;
} hnc_comment;

typedef struct hnc_comments {
  hnc_comment *v;
  size_t n, cap;
} hnc_comments;

/* How deep an expression, list or test event may nest (lang/SPEC.md §18.4), macros expanded:
 * every walk over them (checker, formatter, lowering, native code, interpreter) recurses once
 * a level, so the bound is what keeps hostile input from overflowing a thread's stack. An
 * and/or chain is one level however long: the walks loop over it. */
enum { HNC_MAX_DEPTH = 256 };

/* ---- diagnostics -------------------------------------------------------------------- */
typedef struct hnc_note {
  hnc_loc loc;
  char *msg;
} hnc_note;

typedef struct hnc_diag {
  hnc_severity sev;
  const char *code;
  hnc_loc loc;
  char *msg, *hint;
  hnc_note *notes;
  size_t n_notes;
  size_t seq; /* emission order, the tie-breaker of the sort */
} hnc_diag;

/* ---- packs -------------------------------------------------------------------------- */
typedef struct hnc_file_unit {
  int source;     /* index of the hnc_source */
  hnc_node *root; /* N_FILE */
  hnc_comments comments;
} hnc_file_unit;

typedef struct hnc_pack hnc_pack;

/* ---- inventories (inventory.c) ------------------------------------------------------------ */
typedef struct hnc_inventory {
  hn_asset *assets;
  hnc_loc *asset_locs;
  uint32_t n_assets, cap_assets;
  hn_asset_addr *addrs;
  hnc_loc *addr_locs;
  uint32_t n_addrs, cap_addrs;
  hn_identity *users;
  hnc_loc *user_locs;
  uint32_t n_users, cap_users;
  hn_range *ranges;
  uint32_t n_ranges, cap_ranges;
  const char **read;     /* the files read, each once */
  uint32_t n_read;
  void *by_name, *by_addr, *by_user; /* hnc_tables (pack.h): duplicates found in one probe */
} hnc_inventory;

/* Reads and checks one inventory file (its text) into c->inventory; errors are diagnostics
 * located in the YAML file, with a note at `named_at`. */
void hnc_inventory_read(hnc_compiler *c, const char *path, const char *text, size_t len, bool users, hnc_loc named_at);

/* ---- the compiler ------------------------------------------------------------------- */
/* The stdlib directory when none is given (see compiler.c); buf holds PATH_MAX bytes. */
const char *hnc_stdlib_default(char *buf);
struct hnc_compiler {
  hn_arena arena;
  hnc_source *sources;
  size_t n_sources, cap_sources;
  hnc_diag *diags;
  size_t n_diags, cap_diags;
  size_t n_errors, n_warnings;
  bool werror;
  bool last_suppressed; /* the last warning was silenced: its notes go too */
  unsigned char *wstate; /* per warning: 0 default, 1 off, 2 error */
  char *stdlib_dir;
  const char *sigma_mapping; /* for Sigma files given as packs (NULL: windows) */
  bool no_prefilter; /* programs get no pattern prefilter (--no-prefilter) */
  char **search;
  size_t n_search;
  char **allowed;   /* directories a pack may read inventories from besides its own */
  size_t n_allowed;
  hnc_pack **packs; /* every pack loaded: given ones first, then imports */
  size_t n_packs, cap_packs;
  size_t n_roots;   /* the first n_roots packs were given by the user */
  bool checked;
  bool sorted;
  hnc_inventory inventory;
};

/* sources.c */
int hnc_source_add(hnc_compiler *c, const char *path, const char *text, size_t len);
const char *hnc_source_line(const hnc_compiler *c, int file, int line, size_t *len);
hnc_loc hnc_loc_none(void);

/* diag.c: every function formats like printf. A warning is named (see hnc_warning_names) and
 * may be silenced or turned into an error by options. */
void hnc_error(hnc_compiler *c, hnc_loc loc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void hnc_warning(hnc_compiler *c, hnc_loc loc, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds a note (a related location) to the last diagnostic emitted. */
void hnc_note_at(hnc_compiler *c, hnc_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets the hint of the last diagnostic emitted. */
void hnc_hint(hnc_compiler *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern const char *const hnc_warning_names[];
int hnc_warning_index(const char *name);
/* True when the last diagnostic was kept (a silenced warning is dropped with its notes). */
void hnc_diag_sort(hnc_compiler *c);

/* parse.c (in lexer.l): parses one source into a file unit; syntax errors are diagnostics.
 * Returns the number of syntax errors. */
int hnc_parse(hnc_compiler *c, int source, hnc_file_unit *out);
/* Lexes a source into token numbers (parser.h); returns the count, -1 when out of memory. */
int hnc_lex_tokens(hnc_compiler *c, int source, int *out, int max);

/* ast.c */
hnc_node *hnc_node_new(hn_arena *a, hnc_kind k, hnc_loc loc);
hnc_node *hnc_list_append(hnc_node *list, hnc_node *n);
size_t hnc_list_len(const hnc_node *list);
void hnc_ast_dump(const hnc_node *n, FILE *f);
const char *hnc_op_spelling(int op);
const char *hnc_item_keyword(int item);
const char *hnc_kind_name(int kind);

/* lower.c */
struct hn_program *hnc_lower(hnc_compiler *c, char *err, size_t errlen);

/* fmt.c */
char *hnc_fmt_unit(const hnc_compiler *c, const hnc_file_unit *u, size_t *len);
/* An expression on one line, canonically (malloc'd, the caller frees; NULL when out of memory). */
char *hnc_fmt_expr(const hnc_node *n);

/* compiler.c */
char *hnc_read_file(const char *path, size_t *len);
/* Whether s is a keyword of the language (a field so named is written `service`). */
bool hnc_is_keyword(const char *s, size_t n);

/* util.c */
const char *hnc_strerror(int err, char *buf, size_t n);
/* Whether s is identifiers joined by '.', as a pack name must be (§3.1). */
bool hnc_pack_name_ok(const char *s, size_t n);
/* A path made absolute and free of "." and ".." by its text (malloc'd; NULL out of memory or when
 * the working directory cannot be read), and
 * whether a path so made is inside a directory so made. */
char *hnc_path_normal(const char *path);
bool hnc_path_within(const char *p, const char *dir);
int hnc_edit_distance(const char *a, size_t alen, const char *b, size_t blen, int limit);
int64_t hnc_parse_duration_ms(const char *s, size_t n, bool *ok);
/* jit.c: the object code of p for `cpu` on this machine's triple (malloc'd bytes). */
hn_status hnc_program_object(const hn_program *p, const char *cpu, void **bytes, size_t *len, char *err, size_t errlen);
/* windash(): the characters it varies, and the most one string may have (5^6 variants). */
enum { HNC_WINDASH_MAX = 6 };
bool hnc_windash_at(const char *s, size_t n, size_t i);
size_t hnc_windash_count(const char *s, size_t n);
#endif
