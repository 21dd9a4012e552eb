/* yaml_guard.h - the check every YAML text the compiler reads goes through before libyaml
 * loads it (Sigma rules, mapping and placeholder files, inventories): libyaml's document is a
 * graph in which an alias is the node it names, so a cycle or an alias bomb only bites when
 * the graph is walked. Depends on nothing but libyaml. */
#ifndef HNC_YAML_GUARD_H
#define HNC_YAML_GUARD_H
#include <stdbool.h>
#include <stddef.h>

/* Collections may nest this deep (the document's root counts as 1). */
#define HNC_YAML_MAX_DEPTH 64
/* Aliases may add this many nodes to a document, or as many as the document has itself if
 * that is more (an alias adds the nodes of what it names, expanded). */
#define HNC_YAML_MAX_ALIAS_NODES 100000

/* The first problem found: where (1-based line and column, in characters) and what. */
typedef struct hnc_yaml_problem {
  size_t line, column;
  size_t document; /* which document of the stream (1 for the first) */
  char message[200];
} hnc_yaml_problem;

/* Checks every document of text[0..len): an alias to a node that contains it (a cycle),
 * aliases that expand beyond HNC_YAML_MAX_ALIAS_NODES, collections nested deeper than
 * HNC_YAML_MAX_DEPTH, and a key given twice in one mapping (YAML forbids it). True when none
 * was found; false with *pb filled for the first. A syntax error is left to the loader, which
 * reports it where it stands: the check stops there and says true. */
bool hnc_yaml_guard(const char *text, size_t len, hnc_yaml_problem *pb);

#endif
