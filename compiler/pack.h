/* pack.h - packs: files grouped under one `pack` name, their imports, and their symbols.
 * Used by compiler.c (loading) and sema.c (checking). */
#ifndef HNC_PACK_H
#define HNC_PACK_H
#include "hnc.h"

/* Namespaces of declarations. Lists and macros share one: both are used by bare name
 * inside expressions. */
typedef enum hnc_ns {
  NS_VALUE, NS_SCHEMA, NS_LOGSOURCE, NS_CONTROL, NS_RULE, NS_SCORE, NS_DOMAIN, NS_SERVICE,
  NS_EXPOSURE, NS_KPI, NS_TEST, NS_COUNT
} hnc_ns;

typedef struct hnc_sym {
  const char *name;
  size_t len;
  hnc_node *decl;
  struct hnc_pack *pack;
  bool used;
  uint32_t depth;     /* a macro's body, its macros expanded: levels (sema.c) */
  uint64_t size;      /* and nodes */
  bool too_big;       /* it is beyond either bound (reported once, where it happened) */
} hnc_sym;

/* A string-keyed open-addressing table of pointers (symbols or fields). */
typedef struct hnc_table {
  const char **keys;
  size_t *lens;
  void **vals;
  size_t n, cap;
} hnc_table;

void *hnc_table_get(const hnc_table *t, const char *k, size_t n);
bool hnc_table_put(hn_arena *a, hnc_table *t, const char *k, size_t n, void *v);

typedef struct hnc_field {
  const char *name;
  size_t len;
  const struct hnc_type *type;
  hnc_node *decl;
} hnc_field;

struct hnc_pack {
  const char *name;    /* dotted name, or the file path of a file without `pack` */
  const char *version; /* NULL when none was declared */
  hnc_node *decl;      /* the N_PACK of its first file, or NULL */
  hnc_file_unit *files;
  size_t n_files, cap_files;
  struct hnc_pack **imports; /* resolved, same order as the import decls; NULL where not */
  hnc_node **import_decls;
  size_t n_imports;
  int visit;           /* 0 new, 1 resolving, 2 resolved: cycle detection */
  bool is_root;
  bool checked;
  bool collected;
  bool import_failed; /* an import could not be resolved: unknown names are not reported */
  bool deep_macros;   /* macros nested too deeply were reported: once, for a whole chain */
  struct rule_graph *rule_graph; /* rules reading each other's alerts (sema.c), when needed */
  hnc_table syms[NS_COUNT];
  hnc_table settings;  /* setting name -> N_SETTING, across the pack's settings blocks */
  hnc_table fields;    /* this pack's schemas merged with those of its imports, transitively */
  const hnc_field *time_field;
  bool fields_done;
  /* what check found, for the summary */
  int n_rules[5]; /* single, aggregation, sequence, absence, over-alerts */
  int n_tests, n_decls[NS_COUNT];
};

/* compiler.c: the pack named `name`, loading it from the search path when needed; NULL when
 * not found. `from` is the importing declaration, for diagnostics. */
hnc_pack *hnc_pack_find(hnc_compiler *c, const char *name, size_t len);
hnc_pack *hnc_pack_load(hnc_compiler *c, const char *name, size_t len, hnc_node *from);

/* sema.c */
void hnc_sema_pack(hnc_compiler *c, hnc_pack *p);
void hnc_sema_collect(hnc_compiler *c, hnc_pack *p);
#endif
