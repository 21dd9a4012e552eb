/* declared.c - views of what a program declares beyond its rules' logic: each rule's metadata
 * and the inventories, for clients that keep them (the case store's snapshot for KPIs).
 * Depends on program.h only; the views borrow the program's strings. */
#include <string.h>
#include "corr.h"
#include "program.h"

hn_status hn_program_rule(const hn_program *p, uint32_t i, hn_rule_view *out) {
  static const char *const kinds[] = {"single", "aggregation", "sequence", "absence", "over-alerts"};
  if (i >= p->n_rules) return HN_ERR_NOT_FOUND;
  const hn_rule *r = &p->rules[i];
  *out = (hn_rule_view){r->name, r->title, r->id, r->control, r->service, r->status, r->severity,
                        (const char *const *)r->tags, r->n_tags, kinds[r->kind <= 4 ? r->kind : 0], r->quiet};
  return HN_OK;
}

uint32_t hn_program_asset_count(const hn_program *p) { return p->n_assets; }

hn_status hn_program_asset(const hn_program *p, uint32_t i, hn_asset_view *out) {
  if (i >= p->n_assets) return HN_ERR_NOT_FOUND;
  const hn_asset *a = &p->assets[i];
  uint32_t open = 0;
  for (uint32_t k = 0; k < a->n_vulns; k++) open += !a->vulns[k].fixed;
  *out = (hn_asset_view){a->name, a->business_unit, a->owner, a->role, (const char *const *)a->tags, a->n_tags,
                         a->criticality, a->managed, a->n_vulns, open};
  return HN_OK;
}

uint32_t hn_program_identity_count(const hn_program *p) { return p->n_identities; }

hn_status hn_program_identity(const hn_program *p, uint32_t i, hn_identity_view *out) {
  if (i >= p->n_identities) return HN_ERR_NOT_FOUND;
  const hn_identity *d = &p->identities[i];
  *out = (hn_identity_view){d->name, d->business_unit, d->department, d->privileged};
  return HN_OK;
}

uint64_t hn_program_fingerprint(const hn_program *p) { return hn_program_hash(p); }
