/* oracle.h - a deliberately naive evaluator of single-event rules, the reference every engine
 * configuration is tested against (tests/unit/test_oracle.c). Test code only.
 * It reads the compiler's checked AST and the raw JSON line, and shares no code with the
 * runtime (decoder, index, prefilter, interpreter, text helpers): no memo, no fold cache. */
#ifndef HN_TEST_ORACLE_H
#define HN_TEST_ORACLE_H
#include <stdbool.h>
#include <stddef.h>
#include "hnc.h"

/* One event: the JSON line as a tree. */
typedef struct hno_event hno_event;

/* Parses one JSON Lines event (exactly one object; a leading BOM and one trailing CR are
 * ignored). NULL when the line is malformed, with the reason in err. */
hno_event *hno_event_parse(const char *line, size_t len, char *err, size_t errlen);
void hno_event_free(hno_event *ev);

/* The rules of a checked compiler, in the order the compiler lowers them (packs, files,
 * declarations), so that oracle rule i is program rule i. The compiler must outlive it. */
typedef struct hno_rules hno_rules;

hno_rules *hno_rules_from(const hnc_compiler *c);
void hno_rules_free(hno_rules *r);
size_t hno_rules_count(const hno_rules *r);
const char *hno_rule_name(const hno_rules *r, size_t i);
/* Whether rule i is a single-event rule (the only kind the oracle judges). */
bool hno_rule_single(const hno_rules *r, size_t i);

/* Whether single-event rule i fires on ev: 1 or 0; -1 when the rule uses a construct the
 * oracle does not implement (err says which, with its location): never a guess. */
int hno_rule_fires(const hno_rules *r, size_t i, const hno_event *ev, char *err, size_t errlen);
#endif
