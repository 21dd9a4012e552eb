/* progtext.h - predicates and condition trees written back in the language (progtext.c).
 * Depends on program.h. */
#ifndef HN_PROGTEXT_H
#define HN_PROGTEXT_H
#include <stdio.h>
#include "program.h"

/* A predicate as written in the language (long lists shortened). C: the sequence whose $step
 * values it may read, or NULL. */
void hn_pred_text(FILE *f, const hn_program *p, const hn_corr *C, const hn_pred *pr);
/* A condition tree from node, one node a line, indented by depth. */
void hn_node_text(FILE *f, const hn_program *p, const hn_corr *C, uint32_t node, int depth);
#endif
