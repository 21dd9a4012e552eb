/* sigma.h - the parts of `hornet import-sigma` shared between its files: mapping files
 * (sigma_map.c) and the importer (sigma.c). A mapping file says how Sigma log sources and
 * field names become hornet log sources and event fields; stdlib/sigma/windows.yml
 * documents the format. */
#ifndef HORNET_SIGMA_H
#define HORNET_SIGMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct sg_rename {
  char *from, *to;
} sg_rename;

typedef struct sg_renames {
  sg_rename *v;
  size_t n;
} sg_renames;

/* Events of a log source that carry other field names (Security 4688 against Sysmon 1). */
typedef struct sg_variant {
  char *when; /* a hornet condition */
  sg_renames fields;
} sg_variant;

/* One Sigma log source: the keys it matches, and how its events are selected and named. */
typedef struct sg_source {
  char *product, *category, *service; /* NULL: not given (matches any) */
  char *from;                         /* a log source of the imports, or NULL */
  char *where;                        /* a hornet condition, or NULL; may hold {product}... */
  char *unmapped;                     /* NULL: the product's or the file's */
  sg_renames fields;
  sg_variant *variants;
  size_t n_variants;
  unsigned line, column;
} sg_source;

typedef struct sg_product {
  char *product;
  char *unmapped;
  sg_renames fields;
} sg_product;

typedef struct sg_field {
  char *name;
  char type[16]; /* string, int, float, bool, ip, list, ... */
} sg_field;

/* Values for |expand: %name% stands for each of them. */
typedef struct sg_placeholder {
  char *name;
  char **values;
  size_t n;
} sg_placeholder;

typedef struct sg_mapping {
  char *path;
  char **imports;
  size_t n_imports;
  char *unmapped; /* "keep" or a prefix */
  char **keywords;
  size_t n_keywords;
  char **entities; /* the event fields that name what a rule's alerts are about */
  size_t n_entities;
  sg_renames fields;
  sg_product *products;
  size_t n_products;
  sg_source *sources;
  size_t n_sources;
  sg_placeholder *placeholders;
  size_t n_placeholders;
  /* read from the imports' sources: their schemas' fields and their log sources' names */
  sg_field *known;
  size_t n_known;
  char **lognames;
  size_t n_lognames;
} sg_mapping;

/* Loads a mapping: `name` is a file path (it has a '/' or ends in .yml/.yaml) or the name of
 * one of stdlib/sigma/NAME.yml. Errors go to `report` with file:line:column; false then. */
bool sg_mapping_load(sg_mapping *m, const char *name, const char *stdlib, FILE *report);
void sg_mapping_free(sg_mapping *m);

/* Adds the placeholders of a YAML file (a map of names to a value or a list of values). */
bool sg_placeholders_load(sg_mapping *m, const char *path, FILE *report);
const sg_placeholder *sg_placeholder_find(const sg_mapping *m, const char *name, size_t len);

/* The entry for a rule's log source, or NULL: its category and service are the rule's (both
 * absent, equal, or `*` for any value), its product the rule's or absent (any); the closest
 * fit wins. And the product defaults for its product, or NULL. */
const sg_source *sg_source_for(const sg_mapping *m, const char *product, const char *category, const char *service);
const sg_product *sg_product_for(const sg_mapping *m, const char *product);

/* Where a field's values are read, and how they are named: a rule's context. */
typedef struct sg_ctx {
  const sg_mapping *map;
  const sg_product *product;
  const sg_source *source;
  const sg_variant *variant;
} sg_ctx;

/* The event field a Sigma field is renamed to in ctx (into buf). */
const char *sg_map_field(const sg_ctx *c, const char *field, char *buf, size_t len);

/* The type of an event field the imports declare, or NULL. */
const char *sg_known_type(const sg_mapping *m, const char *field);

#endif
