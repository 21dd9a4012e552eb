/* program.c - a compiled program's life: preparing what the compiler cannot hand over as plain
 * data (compiled regexes, the decoder) and freeing it all.
 * Depends on program.h, decode.h, arena.h and PCRE2. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "program.h"
#include "assets.h"
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"
#include "index.h"
#include "prefilter.h"

void hn_program_destroy(hn_program *p) {
  if (!p) return;
  for (uint32_t i = 0; i < p->n_consts; i++)
    if (p->consts[i].re) pcre2_code_free((pcre2_code *)p->consts[i].re);
  hn_decoder_destroy(p->decoder);
  hn_index_free(p);
  hn_inventory_free(p);
  hn_prefilter_free(p);
  if (p->native_free) p->native_free(p->native_owner);
  if (p->arena) {
    hn_arena_fini(p->arena);
    free(p->arena);
  }
  free(p);
}

/* Regexes are compiled here, once, with PCRE2's JIT where the platform has it: `matches`
 * constants carry their pattern in s/len and whether they are caseless in `prefix`. */
hn_status hn_program_prepare(hn_program *p, char *err, size_t errlen) {
  for (uint32_t i = 0; i < p->n_preds; i++) {
    const hn_pred *pr = &p->preds[i];
    if (pr->op != HN_P_MATCHES) continue;
    for (uint32_t k = 0; k < pr->n; k++) {
      hn_const *c = &p->consts[pr->first + k];
      if (c->re) continue;
      int code;
      PCRE2_SIZE off;
      uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | ((pr->flags & HN_PF_NOCASE) ? PCRE2_CASELESS : 0);
      pcre2_code *re = pcre2_compile((PCRE2_SPTR)c->u.s, c->len, opts, &code, &off, NULL);
      if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, errlen, "regex /%.*s/: %s", (int)c->len, c->u.s, (char *)msg);
        return HN_ERR_SEMANTIC;
      }
      pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter when absent */
      c->re = re;
    }
  }
  /* HORNET_NO_PREFILTER=1 as --no-prefilter: the same alerts, found without the engine */
  const char *no_pf = getenv("HORNET_NO_PREFILTER");
  bool prefilter = !p->no_prefilter && !(no_pf && *no_pf && strcmp(no_pf, "0") != 0);
  hn_status st = prefilter ? hn_prefilter_build(p) : HN_OK;
  if (st != HN_OK) {
    snprintf(err, errlen, "cannot build the pattern prefilter (%s)", hn_status_str(st));
    return st;
  }
  if ((st = hn_index_build(p)) != HN_OK) {
    snprintf(err, errlen, "cannot build the rule index (%s)", hn_status_str(st));
    return st;
  }
  if ((st = hn_inventory_build(p)) != HN_OK) {
    snprintf(err, errlen, "cannot index the inventories (%s)", hn_status_str(st));
    return st;
  }
  p->decoder = hn_decoder_create(p->fields, p->n_fields, &st);
  if (!p->decoder) {
    snprintf(err, errlen, "cannot build the event decoder (%s)", hn_status_str(st));
    return st;
  }
  return HN_OK;
}

const char *hn_program_warning(const hn_program *p) { return p->warning[0] ? p->warning : NULL; }

uint64_t hn_program_scan_errors(const hn_program *p) {
  return p->prefilter ? atomic_load_explicit(&p->prefilter->scan_errors, memory_order_relaxed) : 0;
}

bool hn_program_prefiltered(const hn_program *p) { return p->prefilter != NULL; }

const char *hn_pattern_engine(void) { return hn_pf_engine(); }

const char *hn_pattern_engine_selftest(void) { return hn_pf_selftest(); }
