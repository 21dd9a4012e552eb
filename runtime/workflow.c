/* workflow.c - what a program declares about cases (lang/SPEC.md §12-13): each service's
 * workflow and each domain, as views for a case store, and the rules a move of a case obeys.
 * Depends on program.h only: pure functions of the program, no session, no storage. */
#include <stdio.h>
#include <string.h>
#include "program.h"

/* The built-in workflow of an incident without a service (§11.1): new -> closed. */
static const char *const builtin_states[] = {"new", "closed"};
static const hn_edge builtin_edge = {0, 1};
static const hn_service builtin = {.name = "", .initial = "new", .terminal = "closed", .domain = UINT32_MAX,
                                   .states = (const char **)builtin_states, .n_states = 2, .n_edges = 1,
                                   .edges = (hn_edge *)&builtin_edge};

const hn_service *hn_service_builtin(void) { return &builtin; }

uint32_t hn_program_service_count(const hn_program *p) { return p->n_services; }

hn_status hn_program_service(const hn_program *p, uint32_t i, hn_service_view *out) {
  if (i >= p->n_services) return HN_ERR_NOT_FOUND;
  const hn_service *s = &p->services[i];
  _Static_assert(sizeof(hn_edge) == 2 * sizeof(uint32_t), "edges are (from, to) pairs");
  *out = (hn_service_view){s->name, s->title, s->description, s->domain, s->states, s->n_states,
                           (const uint32_t *)s->edges, s->n_edges, s->slas, s->n_slas, s->steps, s->n_steps,
                           s->require, s->n_require};
  return HN_OK;
}

uint32_t hn_program_service_find(const hn_program *p, const char *name) {
  for (uint32_t i = 0; name && i < p->n_services; i++)
    if (strcmp(p->services[i].name, name) == 0) return i;
  return UINT32_MAX;
}

uint32_t hn_program_domain_count(const hn_program *p) { return p->n_domains; }

hn_status hn_program_domain(const hn_program *p, uint32_t i, hn_domain_view *out) {
  if (i >= p->n_domains) return HN_ERR_NOT_FOUND;
  const hn_domain *d = &p->domains[i];
  *out = (hn_domain_view){d->name, d->title ? d->title : d->name, d->wip, d->is_default};
  return HN_OK;
}

uint32_t hn_program_domain_find(const hn_program *p, const char *name) {
  for (uint32_t i = 0; name && i < p->n_domains; i++)
    if (strcmp(p->domains[i].name, name) == 0) return i;
  return UINT32_MAX;
}

/* ---- the rules of a move ------------------------------------------------------------------ */
static uint32_t state_index(const hn_service *s, const char *name) {
  for (uint32_t i = 0; name && i < s->n_states; i++)
    if (strcmp(s->states[i], name) == 0) return i;
  return UINT32_MAX;
}

static bool has_edge(const hn_service *s, uint32_t from, uint32_t to) {
  for (uint32_t i = 0; i < s->n_edges; i++)
    if (s->edges[i].from == from && s->edges[i].to == to) return true;
  return false;
}

/* Appends the states listed by `pick` (those reachable from `from`, or all) to why, as "a, b or c". */
static void list_states(const hn_service *s, uint32_t from, char *why, size_t whylen) {
  uint32_t n = 0, total = 0;
  for (uint32_t i = 0; i < s->n_states; i++) total += from == UINT32_MAX || has_edge(s, from, i);
  for (uint32_t i = 0; i < s->n_states; i++) {
    if (from != UINT32_MAX && !has_edge(s, from, i)) continue;
    size_t k = strlen(why);
    snprintf(why + k, whylen - k, "%s%s", n == 0 ? "" : n + 1 == total ? " or " : ", ", s->states[i]);
    n++;
  }
}

static const char *service_name(const hn_service *s) { return s->name[0] ? s->name : "an incident without a service"; }

/* Both names must be states of the service, and the move a declared edge. */
static hn_status check_edge(const hn_service *s, const char *from, const char *to, uint32_t *fi, uint32_t *ti,
                            char *why, size_t whylen) {
  *fi = state_index(s, from);
  *ti = state_index(s, to);
  const char *unknown = *fi == UINT32_MAX ? from : *ti == UINT32_MAX ? to : NULL;
  if (*fi == UINT32_MAX || *ti == UINT32_MAX) {
    snprintf(why, whylen, "%s has no state '%s': its states are ", service_name(s), unknown ? unknown : "(none)");
    list_states(s, UINT32_MAX, why, whylen);
    return HN_ERR_SEMANTIC;
  }
  if (has_edge(s, *fi, *ti)) return HN_OK;
  if (*fi == s->n_states - 1) {
    snprintf(why, whylen, "%s is the terminal state of %s: no transition leaves it", from, service_name(s));
    return HN_ERR_SEMANTIC;
  }
  snprintf(why, whylen, "%s declares no transition %s -> %s: from %s a case moves to ", service_name(s), from, to, from);
  list_states(s, *fi, why, whylen);
  return HN_ERR_SEMANTIC;
}

/* §12: a move out of the initial state into a working state needs room under the WIP limit. */
static hn_status check_wip(const hn_program *p, const hn_service *s, uint32_t domain, uint32_t fi, uint32_t ti,
                           uint32_t wip_used, char *why, size_t whylen) {
  if (domain == UINT32_MAX || p->domains[domain].wip < 0) return HN_OK;
  if (fi != 0 || ti == 0 || ti == s->n_states - 1) return HN_OK; /* not a move into work */
  uint32_t limit = (uint32_t)p->domains[domain].wip;
  if (wip_used < limit) return HN_OK;
  snprintf(why, whylen, "domain %s is at its WIP limit: %u incident%s in working states, limit %u; move or close one "
           "first (this case waits in %s)", p->domains[domain].name, wip_used, wip_used == 1 ? "" : "s", limit,
           s->states[0]);
  return HN_ERR_SEMANTIC;
}

/* §13: every required case field set to a non-empty value before the terminal state. */
static hn_status check_required(const hn_service *s, uint32_t ti, bool (*is_set)(void *ud, const char *field),
                                void *ud, char *why, size_t whylen) {
  if (ti != s->n_states - 1) return HN_OK;
  uint32_t unset = 0;
  for (uint32_t i = 0; i < s->n_require; i++) {
    if (is_set && is_set(ud, s->require[i])) continue;
    if (!unset++) snprintf(why, whylen, "%s cannot enter %s with a required case field unset: ", service_name(s), s->terminal);
    size_t k = strlen(why);
    snprintf(why + k, whylen - k, "%s%s", unset > 1 ? ", " : "", s->require[i]);
  }
  if (!unset) return HN_OK;
  size_t k = strlen(why);
  snprintf(why + k, whylen - k, " (set %s first)", unset == 1 ? "it" : "them");
  return HN_ERR_SEMANTIC;
}

hn_status hn_workflow_check_in(const hn_program *p, uint32_t service, uint32_t domain, const char *from,
                               const char *to, uint32_t wip_used, bool (*is_set)(void *ud, const char *field),
                               void *ud, char *why, size_t whylen) {
  char scratch[8];
  if (!why || !whylen) {
    why = scratch;
    whylen = sizeof scratch;
  }
  *why = 0;
  if ((service != UINT32_MAX && service >= p->n_services) || (domain != UINT32_MAX && domain >= p->n_domains)) {
    snprintf(why, whylen, "no %s #%u in the program", service != UINT32_MAX && service >= p->n_services ? "service" : "domain",
             service != UINT32_MAX && service >= p->n_services ? service : domain);
    return HN_ERR_NOT_FOUND;
  }
  const hn_service *s = service == UINT32_MAX ? &builtin : &p->services[service];
  uint32_t fi, ti;
  hn_status st = check_edge(s, from, to, &fi, &ti, why, whylen);
  if (st == HN_OK) st = check_wip(p, s, domain, fi, ti, wip_used, why, whylen);
  if (st == HN_OK) st = check_required(s, ti, is_set, ud, why, whylen);
  return st;
}

hn_status hn_workflow_check(const hn_program *p, uint32_t service, const char *from, const char *to, uint32_t wip_used,
                            bool (*is_set)(void *ud, const char *field), void *ud, char *why, size_t whylen) {
  uint32_t domain = service < p->n_services ? p->services[service].domain : UINT32_MAX;
  return hn_workflow_check_in(p, service, domain, from, to, wip_used, is_set, ud, why, whylen);
}
