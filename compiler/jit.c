/* jit.c - the native back end: the program's boolean DAG as LLVM IR, compiled to an object
 * through the LLVM-C API, cached on disk by content (plus LLVM version, target and CPU), and
 * loaded into an ORC LLJIT (../shared/LLVM-ORC.md has the call sequence and its traps).
 *
 * What is native today: the boolean logic of every rule (and/or/not, short-circuit, shared
 * nodes memoised per event in the evaluator's memo arrays, read directly) and the dispatch
 * to the rules the index names (one switch); predicates call
 * the runtime's hn_rt_pred, the interpreter's own predicate code, so both engines agree by
 * construction on predicate semantics and the differential test checks the rest.
 * Depends on LLVM (compiler side only) and on the runtime's program format. */
#include <math.h>
#include <stddef.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <llvm/Config/llvm-config.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alloc.h"
#include "cache.h"
#include "hnc.h"
#include "interp.h"
#include "program.h"

typedef struct hnc_jit {
  LLVMOrcLLJITRef jit;
} hnc_jit;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void init_llvm(void) {
  LLVMInitializeNativeTarget();
  LLVMInitializeNativeAsmPrinter();
}

static void set_err(char *err, size_t n, const char *what, LLVMErrorRef e) {
  char *m = LLVMGetErrorMessage(e); /* consumes e */
  snprintf(err, n, "%s: %s", what, m);
  LLVMDisposeErrorMessage(m);
}

static void jit_free(void *owner) {
  hnc_jit *j = owner;
  if (!j) return;
  if (j->jit) {
    LLVMErrorRef e = LLVMOrcDisposeLLJIT(j->jit);
    if (e) LLVMConsumeError(e);
  }
  free(j);
}

/* ---- IR ---------------------------------------------------------------------------------- */
typedef struct gen {
  const hn_program *p;
  LLVMContextRef ctx;
  LLVMModuleRef m;
  LLVMBuilderRef b;
  LLVMTypeRef i1, i8, i32, ptr;
  LLVMTypeRef pred_t, node_t, f64, i64, hnode_t;
  LLVMValueRef pred_f, hnode_f;
  LLVMValueRef *node_fn; /* per bnode: its own function, for nodes shared by several parents */
  uint32_t *uses;        /* per bnode: how many parents (other nodes) use it */
  uint32_t n_parts;      /* functions made for parts of wide and/or nodes (their names) */
} gen;

/* What generated code threads through: the evaluator, and its memo arrays and epoch (read once
 * per event, so a memo check is two loads and a compare, not a call). */
typedef struct cur {
  LLVMValueRef fn, e, stamp, val, epoch;
} cur;

static LLVMValueRef value(gen *g, const cur *c, uint32_t i);

/* Kid k of an and/or being generated, its code at the builder's position. */
typedef LLVMValueRef (*kid_fn)(gen *g, const cur *c, const void *ctx, uint32_t k);

/* and / or over n kids: short-circuit through a chain of blocks into one phi. */
static LLVMValueRef chain_with(gen *g, const cur *c, bool is_and, uint32_t n, kid_fn kid, const void *ctx) {
  if (n == 0) return LLVMConstInt(g->i1, is_and ? 1 : 0, 0);
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, c->fn, is_and ? "and.end" : "or.end");
  LLVMValueRef *vals = malloc(n * sizeof *vals);
  LLVMBasicBlockRef *bbs = malloc(n * sizeof *bbs);
  if (!vals || !bbs) { free(vals); free(bbs); return LLVMConstInt(g->i1, 0, 0); }
  for (uint32_t k = 0; k < n; k++) {
    LLVMValueRef v = kid(g, c, ctx, k);
    bbs[k] = LLVMGetInsertBlock(g->b);
    if (k + 1 == n) {
      vals[k] = v;
      LLVMBuildBr(g->b, done);
      break;
    }
    LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(g->ctx, c->fn, "next");
    vals[k] = LLVMConstInt(g->i1, is_and ? 0 : 1, 0);
    if (is_and) LLVMBuildCondBr(g->b, v, next, done);
    else LLVMBuildCondBr(g->b, v, done, next);
    LLVMPositionBuilderAtEnd(g->b, next);
  }
  LLVMPositionBuilderAtEnd(g->b, done);
  LLVMValueRef phi = LLVMBuildPhi(g->b, g->i1, "v");
  LLVMAddIncoming(phi, vals, bbs, n);
  free(vals);
  free(bbs);
  return phi;
}

static LLVMValueRef node_kid(gen *g, const cur *c, const void *kids, uint32_t k) {
  return value(g, c, ((const uint32_t *)kids)[k]);
}

static LLVMValueRef chain(gen *g, const cur *c, bool is_and, const uint32_t *kids, uint32_t n) {
  return chain_with(g, c, is_and, n, node_kid, kids);
}

/* An and/or node has as many kids as its source has operands: 100,000 for a list imported from
 * Sigma. LLVM's code generation is worse than linear in the size of a function and of a phi (an
 * 8,000-kid `or` took 7 s to compile, a 70,000-kid one more than 5 minutes), so in a node wider
 * than this the predicates (and negated predicates) are tested in a loop over a constant array
 * of their numbers (the same calls, in the same order), and the other kids go in parts of this
 * many, each a function of its own: no function and no phi is larger. */
#define HN_JIT_WIDE 256

/* and (is_and) / or over predicates in a loop: preds[k] is a predicate's number, its top bit set
 * when the kid is the predicate negated. The value when one decides, or all were tested. */
static LLVMValueRef pred_loop(gen *g, const cur *c, bool is_and, const uint32_t *preds, uint32_t n) {
  if (n == 0) return LLVMConstInt(g->i1, is_and ? 1 : 0, 0);
  LLVMTypeRef at = LLVMArrayType(g->i32, n);
  LLVMValueRef *v = malloc(n * sizeof *v);
  if (!v) return LLVMConstInt(g->i1, 0, 0);
  for (uint32_t k = 0; k < n; k++) v[k] = LLVMConstInt(g->i32, preds[k], 0);
  LLVMValueRef tab = LLVMAddGlobal(g->m, at, "preds");
#if LLVM_VERSION_MAJOR >= 17
  LLVMSetInitializer(tab, LLVMConstArray2(g->i32, v, n));
#else
  LLVMSetInitializer(tab, LLVMConstArray(g->i32, v, n));
#endif
  LLVMSetGlobalConstant(tab, 1);
  LLVMSetLinkage(tab, LLVMPrivateLinkage);
  free(v);
  LLVMBasicBlockRef entry = LLVMGetInsertBlock(g->b);
  LLVMBasicBlockRef loop = LLVMAppendBasicBlockInContext(g->ctx, c->fn, "preds");
  LLVMBasicBlockRef more = LLVMAppendBasicBlockInContext(g->ctx, c->fn, "preds.next");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, c->fn, "preds.end");
  LLVMBuildBr(g->b, loop);
  LLVMPositionBuilderAtEnd(g->b, loop);
  LLVMValueRef k = LLVMBuildPhi(g->b, g->i32, "k");
  LLVMValueRef idx[2] = {LLVMConstInt(g->i32, 0, 0), k};
  LLVMValueRef word = LLVMBuildLoad2(g->b, g->i32, LLVMBuildInBoundsGEP2(g->b, at, tab, idx, 2, "at"), "word");
  LLVMValueRef args[2] = {c->e, LLVMBuildAnd(g->b, word, LLVMConstInt(g->i32, 0x7FFFFFFF, 0), "pred")};
  LLVMValueRef fp = LLVMBuildLoad2(g->b, g->ptr, g->pred_f, "hn_rt_pred");
  LLVMValueRef r = LLVMBuildICmp(g->b, LLVMIntNE, LLVMBuildCall2(g->b, g->pred_t, fp, args, 2, "p"),
                                 LLVMConstInt(g->i32, 0, 0), "pb");
  LLVMValueRef neg = LLVMBuildICmp(g->b, LLVMIntSLT, word, LLVMConstInt(g->i32, 0, 0), "neg");
  LLVMValueRef hit = LLVMBuildXor(g->b, r, neg, "hit");
  LLVMBuildCondBr(g->b, hit, is_and ? more : done, is_and ? done : more);
  LLVMPositionBuilderAtEnd(g->b, more);
  LLVMValueRef k1 = LLVMBuildAdd(g->b, k, LLVMConstInt(g->i32, 1, 0), "k1");
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntULT, k1, LLVMConstInt(g->i32, n, 0), "more"), loop, done);
  LLVMValueRef ks[2] = {LLVMConstInt(g->i32, 0, 0), k1};
  LLVMBasicBlockRef kb[2] = {entry, more};
  LLVMAddIncoming(k, ks, kb, 2);
  LLVMPositionBuilderAtEnd(g->b, done);
  LLVMValueRef phi = LLVMBuildPhi(g->b, g->i1, "v");
  LLVMValueRef rv[2] = {LLVMConstInt(g->i1, is_and ? 0 : 1, 0), LLVMConstInt(g->i1, is_and ? 1 : 0, 0)};
  LLVMBasicBlockRef rb[2] = {loop, more};
  LLVMAddIncoming(phi, rv, rb, 2);
  return phi;
}

static LLVMValueRef parts_chain(gen *g, const cur *c, bool is_and, const uint32_t *kids, uint32_t n);

/* A function computing and/or over kids[0..n) (a part of a wide node): called once, it is kept
 * out of line, or the optimiser would inline it back into one huge function. */
static LLVMValueRef part_function(gen *g, bool is_and, const uint32_t *kids, uint32_t n) {
  char name[32];
  snprintf(name, sizeof name, "part%u", g->n_parts++);
  LLVMValueRef fn = LLVMAddFunction(g->m, name, g->node_t);
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(g->ctx, noinline, 0));
  LLVMBasicBlockRef saved = LLVMGetInsertBlock(g->b);
  cur c = {fn, LLVMGetParam(fn, 0), LLVMGetParam(fn, 1), LLVMGetParam(fn, 2), LLVMGetParam(fn, 3)};
  LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, fn, "entry"));
  LLVMBuildRet(g->b, parts_chain(g, &c, is_and, kids, n));
  if (saved) LLVMPositionBuilderAtEnd(g->b, saved);
  return fn;
}

typedef struct parts {
  const uint32_t *kids;
  uint32_t n, size; /* kids, and kids a part */
  bool is_and;
} parts;

static LLVMValueRef part_kid(gen *g, const cur *c, const void *ctx, uint32_t k) {
  const parts *ps = ctx;
  uint32_t first = k * ps->size, len = ps->n - first < ps->size ? ps->n - first : ps->size;
  LLVMValueRef args[4] = {c->e, c->stamp, c->val, c->epoch};
  return LLVMBuildCall2(g->b, g->node_t, part_function(g, ps->is_and, ps->kids + first, len), args, 4, "part");
}

/* and/or over kids[0..n): a chain, or, when wider than HN_JIT_WIDE, a chain over parts of
 * HN_JIT_WIDE^j kids each (at most HN_JIT_WIDE of them). */
static LLVMValueRef parts_chain(gen *g, const cur *c, bool is_and, const uint32_t *kids, uint32_t n) {
  if (n <= HN_JIT_WIDE) return chain(g, c, is_and, kids, n);
  parts ps = {kids, n, HN_JIT_WIDE, is_and};
  while ((n + ps.size - 1) / ps.size > HN_JIT_WIDE) ps.size *= HN_JIT_WIDE;
  return chain_with(g, c, is_and, (n + ps.size - 1) / ps.size, part_kid, &ps);
}

/* A wide and/or: its predicates, plain and negated, in a loop, then its other kids. */
static LLVMValueRef wide(gen *g, const cur *c, bool is_and, const uint32_t *kids, uint32_t n) {
  uint32_t *preds = malloc(n * sizeof *preds), *rest = malloc(n * sizeof *rest), np = 0, nr = 0;
  if (!preds || !rest) { free(preds); free(rest); return chain(g, c, is_and, kids, n); }
  for (uint32_t k = 0; k < n; k++) {
    const hn_bnode *b = &g->p->bnodes[kids[k]];
    const hn_bnode *under = b->op == HN_B_NOT ? &g->p->bnodes[b->a] : NULL;
    if (b->op == HN_B_PRED && b->a < 0x80000000u) preds[np++] = b->a;
    else if (under && under->op == HN_B_PRED && under->a < 0x80000000u) preds[np++] = under->a | 0x80000000u;
    else rest[nr++] = kids[k];
  }
  LLVMValueRef v = pred_loop(g, c, is_and, preds, np);
  if (nr) { /* v decides, or the rest does */
    LLVMBasicBlockRef at = LLVMGetInsertBlock(g->b);
    LLVMBasicBlockRef others = LLVMAppendBasicBlockInContext(g->ctx, c->fn, "wide.rest");
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, c->fn, "wide.end");
    LLVMBuildCondBr(g->b, v, is_and ? others : done, is_and ? done : others);
    LLVMPositionBuilderAtEnd(g->b, others);
    LLVMValueRef w = parts_chain(g, c, is_and, rest, nr);
    LLVMBasicBlockRef wb = LLVMGetInsertBlock(g->b);
    LLVMBuildBr(g->b, done);
    LLVMPositionBuilderAtEnd(g->b, done);
    LLVMValueRef phi = LLVMBuildPhi(g->b, g->i1, "w");
    LLVMValueRef pv[2] = {v, w};
    LLVMBasicBlockRef pb[2] = {at, wb};
    LLVMAddIncoming(phi, pv, pb, 2);
    v = phi;
  }
  free(preds);
  free(rest);
  return v;
}

/* The code computing node i, inline at the builder's position. */
static LLVMValueRef compute(gen *g, const cur *c, uint32_t i) {
  const hn_bnode *b = &g->p->bnodes[i];
  if ((b->op == HN_B_AND || b->op == HN_B_OR) && b->n > HN_JIT_WIDE) return wide(g, c, b->op == HN_B_AND, g->p->kids + b->first, b->n);
  switch (b->op) {
  case HN_B_TRUE: return LLVMConstInt(g->i1, 1, 0);
  case HN_B_FALSE: return LLVMConstInt(g->i1, 0, 0);
  case HN_B_PRED: {
    LLVMValueRef args[2] = {c->e, LLVMConstInt(g->i32, b->a, 0)};
    LLVMValueRef fp = LLVMBuildLoad2(g->b, g->ptr, g->pred_f, "hn_rt_pred");
    LLVMValueRef r = LLVMBuildCall2(g->b, g->pred_t, fp, args, 2, "p");
    return LLVMBuildICmp(g->b, LLVMIntNE, r, LLVMConstInt(g->i32, 0, 0), "pb");
  }
  case HN_B_NOT: return LLVMBuildNot(g->b, value(g, c, b->a), "not");
  default: return chain(g, c, b->op == HN_B_AND, g->p->kids + b->first, b->n);
  }
}

static LLVMValueRef elem_ptr(gen *g, LLVMTypeRef t, LLVMValueRef base, uint32_t i) {
  LLVMValueRef idx = LLVMConstInt(g->i32, i, 0);
  return LLVMBuildInBoundsGEP2(g->b, t, base, &idx, 1, "at");
}

/* A shared node gets a function that memoises its value in the evaluator (as the interpreter
 * does), so it is computed once per event whichever rule asks first. */
static LLVMValueRef node_function(gen *g, uint32_t i) {
  if (g->node_fn[i]) return g->node_fn[i];
  char name[32];
  snprintf(name, sizeof name, "n%u", i);
  LLVMValueRef fn = LLVMAddFunction(g->m, name, g->node_t);
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  g->node_fn[i] = fn;
  LLVMBasicBlockRef saved = LLVMGetInsertBlock(g->b);
  cur c = {fn, LLVMGetParam(fn, 0), LLVMGetParam(fn, 1), LLVMGetParam(fn, 2), LLVMGetParam(fn, 3)};
  LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(g->ctx, fn, "entry");
  LLVMBasicBlockRef hit = LLVMAppendBasicBlockInContext(g->ctx, fn, "hit");
  LLVMBasicBlockRef miss = LLVMAppendBasicBlockInContext(g->ctx, fn, "miss");
  LLVMPositionBuilderAtEnd(g->b, entry);
  LLVMValueRef sp = elem_ptr(g, g->i32, c.stamp, i), vp = elem_ptr(g, g->i8, c.val, i);
  LLVMValueRef known = LLVMBuildICmp(g->b, LLVMIntEQ, LLVMBuildLoad2(g->b, g->i32, sp, "st"), c.epoch, "known");
  LLVMBuildCondBr(g->b, known, hit, miss);
  LLVMPositionBuilderAtEnd(g->b, hit);
  LLVMBuildRet(g->b, LLVMBuildTrunc(g->b, LLVMBuildLoad2(g->b, g->i8, vp, "mv"), g->i1, "m1"));
  LLVMPositionBuilderAtEnd(g->b, miss);
  LLVMValueRef v = compute(g, &c, i);
  LLVMBuildStore(g->b, c.epoch, sp);
  LLVMBuildStore(g->b, LLVMBuildZExt(g->b, v, g->i8, "v8"), vp);
  LLVMBuildRet(g->b, v);
  if (saved) LLVMPositionBuilderAtEnd(g->b, saved);
  return fn;
}

static LLVMValueRef value(gen *g, const cur *c, uint32_t i) {
  const hn_bnode *b = &g->p->bnodes[i];
  if (g->uses[i] > 1 && b->op != HN_B_TRUE && b->op != HN_B_FALSE) {
    LLVMValueRef args[4] = {c->e, c->stamp, c->val, c->epoch};
    return LLVMBuildCall2(g->b, g->node_t, node_function(g, i), args, 4, "n");
  }
  return compute(g, c, i);
}

/* Rules go in chunks of HN_JIT_CHUNK: each chunk is one function, i1 chunk(hn_eval *e, i32 r),
 * a switch over its rules (a jump table) whose cases are the rules' logic. The runtime calls
 * hn_chunks[r / HN_JIT_CHUNK](e, r) for the rules the index names as candidates. One function
 * for a whole pack optimised in more than linear time (a 2,800-rule Sigma pack took minutes);
 * one function per rule cost a call per candidate and 15% of matching speed; chunks keep both
 * the compile time proportional to the pack and the jump straight into a rule's code. */
#define HN_JIT_CHUNK 128

static LLVMValueRef build_chunk(gen *g, uint32_t first, uint32_t end) {
  const hn_program *p = g->p;
  char name[32];
  snprintf(name, sizeof name, "chunk%u", first / HN_JIT_CHUNK);
  LLVMTypeRef rt_args[2] = {g->ptr, g->i32};
  LLVMValueRef fn = LLVMAddFunction(g->m, name, LLVMFunctionType(g->i1, rt_args, 2, 0));
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  LLVMValueRef e = LLVMGetParam(fn, 0), r = LLVMGetParam(fn, 1);
  LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, fn, "entry"));
  /* the memo arrays and the epoch, read from the evaluator once */
  LLVMValueRef off_s = LLVMConstInt(g->i32, offsetof(hn_eval, stamp), 0);
  LLVMValueRef off_v = LLVMConstInt(g->i32, offsetof(hn_eval, val), 0);
  LLVMValueRef off_e = LLVMConstInt(g->i32, offsetof(hn_eval, epoch), 0);
  cur c = {fn, e, NULL, NULL, NULL};
  c.stamp = LLVMBuildLoad2(g->b, g->ptr, LLVMBuildInBoundsGEP2(g->b, g->i8, e, &off_s, 1, "ps"), "stamp");
  c.val = LLVMBuildLoad2(g->b, g->ptr, LLVMBuildInBoundsGEP2(g->b, g->i8, e, &off_v, 1, "pv"), "val");
  c.epoch = LLVMBuildLoad2(g->b, g->i32, LLVMBuildInBoundsGEP2(g->b, g->i8, e, &off_e, 1, "pe"), "epoch");
  LLVMBasicBlockRef none = LLVMAppendBasicBlockInContext(g->ctx, fn, "none");
  LLVMValueRef sw = LLVMBuildSwitch(g->b, r, none, end - first);
  for (uint32_t q = first; q < end; q++) {
    if (p->rules[q].kind != HN_R_SINGLE) continue;
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(g->ctx, fn, "rule");
    LLVMAddCase(sw, LLVMConstInt(g->i32, q, 0), bb);
    LLVMPositionBuilderAtEnd(g->b, bb);
    LLVMBuildRet(g->b, value(g, &c, p->rules[q].cond));
  }
  LLVMPositionBuilderAtEnd(g->b, none);
  LLVMBuildRet(g->b, LLVMConstInt(g->i1, 0, 0));
  return fn;
}

/* The chunks, their table hn_chunks, and i1 hn_rule(hn_eval *e, i32 r) over them. */
static void build(gen *g) {
  const hn_program *p = g->p;
  for (uint32_t i = 0; i < p->n_bnodes; i++) {
    const hn_bnode *b = &p->bnodes[i];
    if (b->op == HN_B_NOT) g->uses[b->a]++;
    if (b->op == HN_B_AND || b->op == HN_B_OR)
      for (uint32_t k = 0; k < b->n; k++) g->uses[p->kids[b->first + k]]++;
  }
  uint32_t nc = (p->n_rules + HN_JIT_CHUNK - 1) / HN_JIT_CHUNK;
  LLVMValueRef *chunks = malloc((nc ? nc : 1) * sizeof *chunks);
  if (!chunks) return;
  unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
  for (uint32_t k = 0; k < nc; k++) {
    uint32_t end = (k + 1) * HN_JIT_CHUNK < p->n_rules ? (k + 1) * HN_JIT_CHUNK : p->n_rules;
    chunks[k] = build_chunk(g, k * HN_JIT_CHUNK, end);
    /* kept out of line: inlining chunks into hn_rule would rebuild the one huge function */
    LLVMAddAttributeAtIndex(chunks[k], LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(g->ctx, noinline, 0));
  }
  LLVMTypeRef at = LLVMArrayType(g->ptr, nc);
  LLVMValueRef tab = LLVMAddGlobal(g->m, at, "hn_chunks");
#if LLVM_VERSION_MAJOR >= 17
  LLVMSetInitializer(tab, LLVMConstArray2(g->ptr, chunks, nc));
#else
  LLVMSetInitializer(tab, LLVMConstArray(g->ptr, chunks, nc));
#endif
  LLVMSetGlobalConstant(tab, 1);
  /* hn_rule(e, r): the chunk of r, for callers without the table */
  LLVMTypeRef rt_args[2] = {g->ptr, g->i32}, chunk_t = LLVMFunctionType(g->i1, rt_args, 2, 0);
  LLVMValueRef fn = LLVMAddFunction(g->m, "hn_rule", chunk_t);
  LLVMValueRef e = LLVMGetParam(fn, 0), r = LLVMGetParam(fn, 1);
  LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, fn, "entry"));
  LLVMValueRef ci = LLVMBuildUDiv(g->b, r, LLVMConstInt(g->i32, HN_JIT_CHUNK, 0), "ci");
  LLVMBasicBlockRef none = LLVMAppendBasicBlockInContext(g->ctx, fn, "none");
  LLVMValueRef sw = LLVMBuildSwitch(g->b, ci, none, nc);
  for (uint32_t k = 0; k < nc; k++) {
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(g->ctx, fn, "chunk");
    LLVMAddCase(sw, LLVMConstInt(g->i32, k, 0), bb);
    LLVMPositionBuilderAtEnd(g->b, bb);
    LLVMValueRef args[2] = {e, r};
    LLVMBuildRet(g->b, LLVMBuildCall2(g->b, chunk_t, chunks[k], args, 2, "r"));
  }
  LLVMPositionBuilderAtEnd(g->b, none);
  LLVMBuildRet(g->b, LLVMConstInt(g->i1, 0, 0));
  free(chunks);
}

/* ---- scores --------------------------------------------------------------------------------
 * double hn_score(hn_eval *e, i32 corr, const hn_value *agg): a score's tree over its computed
 * aggregates, in doubles (missing is NaN, so every comparison with it is false, as in the
 * interpreter): constants, aggregates, arithmetic, comparisons, and/or/not and conditionals
 * are native; values and conditions of the incident, and comparisons of strings, call
 * hn_rt_hnode, the interpreter on that subtree. */
typedef struct scur {
  LLVMValueRef fn, e, corr, agg;
} scur;

static bool numeric(const hn_program *p, const hn_corr *C, uint32_t h) {
  const hn_hnode *n = &C->hn[h];
  switch (n->op) {
  case HN_H_CONST: {
    int k = p->consts[n->a].kind;
    return k == HN_V_INT || k == HN_V_FLOAT || k == HN_V_TIME || k == HN_V_BOOL;
  }
  case HN_H_VALUE: {
    int t = p->vexprs[n->a].type;
    return t == HN_FT_INT || t == HN_FT_FLOAT || t == HN_FT_TIME || t == HN_FT_DURATION || t == HN_FT_BOOL;
  }
  case HN_H_COND: return numeric(p, C, n->b) && numeric(p, C, n->c);
  default: return true;
  }
}

static LLVMValueRef fconst(gen *g, double d) { return LLVMConstReal(g->f64, d); }

static LLVMValueRef truthy_v(gen *g, LLVMValueRef v) { return LLVMBuildFCmp(g->b, LLVMRealONE, v, fconst(g, 0), "t"); }

static LLVMValueRef from_bool(gen *g, LLVMValueRef b) { return LLVMBuildUIToFP(g->b, b, g->f64, "b2d"); }

static LLVMValueRef helper(gen *g, const scur *c, uint32_t h) {
  LLVMValueRef args[4] = {c->e, c->corr, LLVMConstInt(g->i32, h, 0), c->agg};
  LLVMValueRef fp = LLVMBuildLoad2(g->b, g->ptr, g->hnode_f, "hn_rt_hnode");
  return LLVMBuildCall2(g->b, g->hnode_t, fp, args, 4, "hv");
}

static LLVMValueRef sval(gen *g, const scur *c, const hn_corr *C, uint32_t h) {
  const hn_program *p = g->p;
  const hn_hnode *n = &C->hn[h];
  switch (n->op) {
  case HN_H_CONST: {
    const hn_const *k = &p->consts[n->a];
    if (k->kind == HN_V_FLOAT) return fconst(g, k->u.f);
    if (k->kind == HN_V_INT || k->kind == HN_V_TIME || k->kind == HN_V_BOOL) return fconst(g, (double)k->u.i);
    return helper(g, c, h);
  }
  case HN_H_AGG: { /* agg[a]: its kind, then the int or the double */
    LLVMValueRef base = LLVMBuildInBoundsGEP2(g->b, g->i8, c->agg,
                                              (LLVMValueRef[]){LLVMConstInt(g->i64, (uint64_t)n->a * sizeof(hn_value), 0)},
                                              1, "ag");
    LLVMValueRef kind = LLVMBuildLoad2(g->b, g->i8, base, "kind");
    LLVMValueRef up = LLVMBuildInBoundsGEP2(g->b, g->i8, base,
                                            (LLVMValueRef[]){LLVMConstInt(g->i64, offsetof(hn_value, u), 0)}, 1, "up");
    LLVMValueRef iv = LLVMBuildSIToFP(g->b, LLVMBuildLoad2(g->b, g->i64, up, "i"), g->f64, "id");
    LLVMValueRef fv = LLVMBuildLoad2(g->b, g->f64, up, "f");
    LLVMValueRef is_f = LLVMBuildICmp(g->b, LLVMIntEQ, kind, LLVMConstInt(g->i8, HN_V_FLOAT, 0), "isf");
    LLVMValueRef is_i = LLVMBuildOr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, kind, LLVMConstInt(g->i8, HN_V_INT, 0), "ii"),
                                    LLVMBuildICmp(g->b, LLVMIntEQ, kind, LLVMConstInt(g->i8, HN_V_TIME, 0), "it"), "isi");
    return LLVMBuildSelect(g->b, is_f, fv, LLVMBuildSelect(g->b, is_i, iv, fconst(g, NAN), "iorn"), "agv");
  }
  case HN_H_ARITH: {
    LLVMValueRef a = sval(g, c, C, n->a);
    if (n->cmp == HN_VX_NEG) return LLVMBuildFNeg(g->b, a, "neg");
    LLVMValueRef b = sval(g, c, C, n->b);
    switch (n->cmp) {
    case HN_VX_ADD: return LLVMBuildFAdd(g->b, a, b, "add");
    case HN_VX_SUB: return LLVMBuildFSub(g->b, a, b, "sub");
    case HN_VX_MUL: return LLVMBuildFMul(g->b, a, b, "mul");
    case HN_VX_DIV: /* by zero: missing, as in the interpreter */
      return LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOEQ, b, fconst(g, 0), "z"), fconst(g, NAN),
                             LLVMBuildFDiv(g->b, a, b, "div"), "divz");
    default: return helper(g, c, h); /* % is defined on integers only: the interpreter knows the kinds */
    }
  }
  case HN_H_CMP: {
    if (!numeric(p, C, n->a) || !numeric(p, C, n->b)) return helper(g, c, h);
    static const LLVMRealPredicate preds[] = {[HN_P_EQ] = LLVMRealOEQ, [HN_P_NE] = LLVMRealONE, [HN_P_LT] = LLVMRealOLT,
                                              [HN_P_LE] = LLVMRealOLE, [HN_P_GT] = LLVMRealOGT, [HN_P_GE] = LLVMRealOGE};
    if (n->cmp > HN_P_GE) return helper(g, c, h);
    return from_bool(g, LLVMBuildFCmp(g->b, preds[n->cmp], sval(g, c, C, n->a), sval(g, c, C, n->b), "cmp"));
  }
  case HN_H_AND: case HN_H_OR: {
    LLVMValueRef a = truthy_v(g, sval(g, c, C, n->a)), b = truthy_v(g, sval(g, c, C, n->b));
    return from_bool(g, n->op == HN_H_AND ? LLVMBuildAnd(g->b, a, b, "and") : LLVMBuildOr(g->b, a, b, "or"));
  }
  case HN_H_NOT: return from_bool(g, LLVMBuildNot(g->b, truthy_v(g, sval(g, c, C, n->a)), "not"));
  case HN_H_COND:
    return LLVMBuildSelect(g->b, truthy_v(g, sval(g, c, C, n->a)), sval(g, c, C, n->b), sval(g, c, C, n->c), "cond");
  default: return helper(g, c, h);
  }
}

static void build_scores(gen *g) {
  const hn_program *p = g->p;
  LLVMTypeRef args[3] = {g->ptr, g->i32, g->ptr};
  LLVMValueRef fn = LLVMAddFunction(g->m, "hn_score", LLVMFunctionType(g->f64, args, 3, 0));
  scur c = {fn, LLVMGetParam(fn, 0), LLVMGetParam(fn, 1), LLVMGetParam(fn, 2)};
  LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, fn, "entry"));
  LLVMBasicBlockRef none = LLVMAppendBasicBlockInContext(g->ctx, fn, "none");
  LLVMValueRef sw = LLVMBuildSwitch(g->b, c.corr, none, p->n_scores);
  for (uint32_t i = 0; i < p->n_scores; i++) {
    const hn_corr *C = &p->corrs[p->scores[i].corr];
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(g->ctx, fn, "score");
    LLVMAddCase(sw, LLVMConstInt(g->i32, p->scores[i].corr, 0), bb);
    LLVMPositionBuilderAtEnd(g->b, bb);
    LLVMBuildRet(g->b, sval(g, &c, C, C->having));
  }
  LLVMPositionBuilderAtEnd(g->b, none);
  LLVMBuildRet(g->b, fconst(g, NAN));
}

/* ---- the object cache ------------------------------------------------------------------------- */
/* Bump when the code build() emits changes for the same program: cached objects of another
 * version are then not loaded. */
#define HN_JIT_CODEGEN 11

/* The cache key: what the emitted code is a function of (the boolean DAG, the rules, the
 * evaluator's layout, this file's codegen version), the LLVM version, the target triple and CPU
 * features, and hornet's version. It is computed without building the module, so a cache hit
 * skips code generation entirely. The key text is stored in the file and compared. */
static char *cache_key(const hn_program *p, const char *triple, const char *cpu, const char *feat, uint64_t *h) {
  uint64_t x = 1469598103934665603ull;
  for (uint32_t i = 0; i < p->n_bnodes; i++) {
    const hn_bnode *b = &p->bnodes[i];
    uint32_t f[4] = {b->op, b->a, b->first, b->n};
    x = hn_cache_hash(x, f, sizeof f);
  }
  x = hn_cache_hash(x, p->kids, p->n_kids * sizeof *p->kids);
  for (uint32_t i = 0; i < p->n_scores; i++) { /* the scores' trees, with what decides native or helper */
    const hn_corr *C = &p->corrs[p->scores[i].corr];
    uint32_t f[2] = {p->scores[i].corr, C->having};
    x = hn_cache_hash(x, f, sizeof f);
    for (uint32_t k = 0; k < C->n_hn; k++) {
      const hn_hnode *n = &C->hn[k];
      uint64_t w[4] = {(uint64_t)n->op << 8 | n->cmp, n->a, n->b, n->c};
      if (n->op == HN_H_CONST) w[1] = (uint64_t)p->consts[n->a].kind << 56 ^ (uint64_t)p->consts[n->a].u.i;
      if (n->op == HN_H_VALUE) w[2] = p->vexprs[n->a].type;
      x = hn_cache_hash(x, w, sizeof w);
    }
  }
  for (uint32_t r = 0; r < p->n_rules; r++) {
    uint32_t f[2] = {p->rules[r].kind, p->rules[r].cond};
    x = hn_cache_hash(x, f, sizeof f);
  }
  char *key = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&key, &n);
  if (!m) return NULL;
  fprintf(m, "hornet %s codegen %d llvm %d %s %s %s eval %zu %zu %zu program %u %u %u %016llx\n", HN_VERSION_STRING,
          HN_JIT_CODEGEN, LLVM_VERSION_MAJOR, triple, cpu, feat, offsetof(hn_eval, stamp), offsetof(hn_eval, val),
          offsetof(hn_eval, epoch), p->n_bnodes, p->n_kids, p->n_rules, (unsigned long long)x);
  fclose(m);
  *h = hn_cache_hash(1469598103934665603ull, key, n);
  return key;
}

/* ---- depth ------------------------------------------------------------------------------------ */
/* Code generation recurses once per level of the boolean DAG and of a score's tree. The
 * compiler bounds both (HNC_MAX_DEPTH levels of source, a few DAG levels each; and/or chains of
 * `having` balanced); a program deeper than this is refused here, whatever made it. Kids and
 * operands come before their parents in the arrays, so one forward pass measures it. */
#define HN_JIT_MAX_DEPTH (8 * HNC_MAX_DEPTH)

static bool too_deep(const hn_program *p, char *err, size_t errlen) {
  uint32_t *d = calloc(p->n_bnodes ? p->n_bnodes : 1, sizeof *d), worst = 0;
  if (!d) return false; /* the walk needs no memory: go on */
  for (uint32_t i = 0; i < p->n_bnodes && worst <= HN_JIT_MAX_DEPTH; i++) {
    const hn_bnode *b = &p->bnodes[i];
    uint32_t m = b->op == HN_B_NOT && b->a < i ? d[b->a] : 0;
    for (uint32_t k = 0; (b->op == HN_B_AND || b->op == HN_B_OR) && k < b->n; k++) {
      uint32_t kid = p->kids[b->first + k];
      if (kid < i && d[kid] > m) m = d[kid];
      if (kid >= i) m = UINT32_MAX - 1; /* not in order: not a DAG the compiler made */
    }
    d[i] = m + 1;
    if (d[i] > worst) worst = d[i];
  }
  for (uint32_t s = 0; s < p->n_scores && worst <= HN_JIT_MAX_DEPTH; s++) {
    const hn_corr *C = &p->corrs[p->scores[s].corr];
    uint32_t *h = calloc(C->n_hn ? C->n_hn : 1, sizeof *h);
    if (!h) break;
    for (uint32_t i = 0; i < C->n_hn; i++) {
      const hn_hnode *n = &C->hn[i];
      bool tree = n->op == HN_H_AND || n->op == HN_H_OR || n->op == HN_H_NOT || n->op == HN_H_CMP ||
                  n->op == HN_H_ARITH || n->op == HN_H_COND;
      uint32_t m = 0, ops[3] = {n->a, n->b, n->c};
      for (int k = 0; tree && k < (n->op == HN_H_COND ? 3 : 2); k++)
        m = ops[k] >= i ? UINT32_MAX - 1 : h[ops[k]] > m ? h[ops[k]] : m;
      h[i] = m + 1;
      if (h[i] > worst) worst = h[i];
    }
    free(h);
  }
  free(d);
  if (worst <= HN_JIT_MAX_DEPTH) return false;
  snprintf(err, errlen, "the rules' logic nests more than %d levels deep", HN_JIT_MAX_DEPTH);
  return true;
}

/* ---- putting it together ---------------------------------------------------------------------- */
/* A global the runtime sets: the generated code calls the runtime through it, so the object has
 * no undefined symbol and loads the same into the JIT or, as a shared object, with dlopen. */
static LLVMValueRef helper_ptr(gen *g, const char *name) {
  LLVMValueRef v = LLVMAddGlobal(g->m, g->ptr, name);
  LLVMSetInitializer(v, LLVMConstNull(g->ptr));
  return v;
}

static void export_u32(gen *g, const char *name, uint32_t value) {
  LLVMValueRef v = LLVMAddGlobal(g->m, g->i32, name);
  LLVMSetInitializer(v, LLVMConstInt(g->i32, value, 0));
  LLVMSetGlobalConstant(v, 1);
}

/* The module of program p, verified. false with err filled. */
static bool build_module(gen *g, char *err, size_t errlen) {
  g->ctx = LLVMContextCreate();
  g->m = LLVMModuleCreateWithNameInContext("hornet", g->ctx);
  g->b = LLVMCreateBuilderInContext(g->ctx);
  g->i1 = LLVMInt1TypeInContext(g->ctx);
  g->i8 = LLVMInt8TypeInContext(g->ctx);
  g->i32 = LLVMInt32TypeInContext(g->ctx);
  g->ptr = LLVMPointerType(g->i8, 0);
  LLVMTypeRef pa[2] = {g->ptr, g->i32};
  g->pred_t = LLVMFunctionType(g->i32, pa, 2, 0);
  LLVMTypeRef na[4] = {g->ptr, g->ptr, g->ptr, g->i32}; /* evaluator, stamps, values, epoch */
  g->node_t = LLVMFunctionType(g->i1, na, 4, 0);
  g->f64 = LLVMDoubleTypeInContext(g->ctx);
  g->i64 = LLVMInt64TypeInContext(g->ctx);
  LLVMTypeRef ha[4] = {g->ptr, g->i32, g->i32, g->ptr};
  g->hnode_t = LLVMFunctionType(g->f64, ha, 4, 0);
  g->pred_f = helper_ptr(g, "hn_rt_pred_ptr");
  g->hnode_f = helper_ptr(g, "hn_rt_hnode_ptr");
  export_u32(g, "hn_native_abi", HN_NATIVE_ABI);
  export_u32(g, "hn_native_chunk", HN_JIT_CHUNK);
  build(g);
  build_scores(g);
  char *msg = NULL;
  if (LLVMVerifyModule(g->m, LLVMReturnStatusAction, &msg)) {
    snprintf(err, errlen, "internal error: invalid native code: %s", msg);
    LLVMDisposeMessage(msg);
    return false;
  }
  LLVMDisposeMessage(msg);
  return true;
}

static void gen_fini(gen *g) {
  if (g->b) LLVMDisposeBuilder(g->b);
  if (g->m) LLVMDisposeModule(g->m);
  if (g->ctx) LLVMContextDispose(g->ctx);
  free(g->node_fn);
  free(g->uses);
}

/* The object code of p for a target (from the cache when it was built before and read_cache).
 * *obj is the caller's. HN_OK, or an error with err filled. */
static hn_status native_object(const hn_program *p, const char *triple, const char *cpu, const char *feat, bool read_cache,
                               LLVMMemoryBufferRef *obj, int *cache_hit, char *err, size_t errlen) {
  pthread_once(&init_once, init_llvm);
  *obj = NULL;
  if (cache_hit) *cache_hit = false;
  if (too_deep(p, err, errlen)) return HN_ERR_SEMANTIC;
  uint64_t h = 0;
  char *key = cache_key(p, triple, cpu, feat, &h), name[64];
  snprintf(name, sizeof name, "%016llx.o", (unsigned long long)h);
  size_t clen = 0;
  char *cached = key && read_cache ? hn_cache_read(name, key, &clen) : NULL;
  if (cached) {
    *obj = LLVMCreateMemoryBufferWithMemoryRangeCopy(cached, clen, "hornet-cached");
    hn_free(cached); /* the runtime's allocator */
    free(key);
    if (cache_hit) *cache_hit = true;
    return *obj ? HN_OK : HN_ERR_NOMEM;
  }
  gen g;
  memset(&g, 0, sizeof g);
  g.p = p;
  g.node_fn = calloc(p->n_bnodes ? p->n_bnodes : 1, sizeof *g.node_fn);
  g.uses = calloc(p->n_bnodes ? p->n_bnodes : 1, sizeof *g.uses);
  hn_status st = HN_ERR_SEMANTIC;
  LLVMTargetMachineRef tm = NULL;
  char *msg = NULL;
  LLVMTargetRef target;
  if (!g.node_fn || !g.uses) {
    snprintf(err, errlen, "out of memory");
    st = HN_ERR_NOMEM;
    goto done;
  }
  if (!build_module(&g, err, errlen)) goto done;
  if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
    snprintf(err, errlen, "no LLVM target for %s: %s", triple, msg);
    LLVMDisposeMessage(msg);
    goto done;
  }
  tm = LLVMCreateTargetMachine(target, triple, cpu, feat, LLVMCodeGenLevelDefault, LLVMRelocPIC, LLVMCodeModelDefault);
  LLVMSetTarget(g.m, triple);
  LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
  LLVMSetModuleDataLayout(g.m, td);
  LLVMDisposeTargetData(td);
  LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
  LLVMErrorRef e = LLVMRunPasses(g.m, "default<O2>", tm, po);
  LLVMDisposePassBuilderOptions(po);
  if (e) {
    set_err(err, errlen, "optimisation failed", e);
    goto done;
  }
  if (LLVMTargetMachineEmitToMemoryBuffer(tm, g.m, LLVMObjectFile, &msg, obj)) {
    snprintf(err, errlen, "code generation failed: %s", msg);
    LLVMDisposeMessage(msg);
    goto done;
  }
  if (key) hn_cache_write(name, key, LLVMGetBufferStart(*obj), LLVMGetBufferSize(*obj));
  st = HN_OK;
done:
  if (tm) LLVMDisposeTargetMachine(tm);
  gen_fini(&g);
  free(key);
  return st;
}

static hn_status lookup(LLVMOrcLLJITRef J, const char *name, LLVMOrcExecutorAddress *addr, char *err, size_t errlen) {
  LLVMErrorRef e = LLVMOrcLLJITLookup(J, addr, name);
  if (!e) return HN_OK;
  char what[96];
  snprintf(what, sizeof what, "cannot find %s in the native code", name);
  set_err(err, errlen, what, e);
  return HN_ERR_SEMANTIC;
}

/* Removes the cache entry of p's object code for a target: it was read but would not load. */
static void discard_object(const hn_program *p, const char *triple, const char *cpu, const char *feat) {
  uint64_t h = 0;
  char *key = cache_key(p, triple, cpu, feat, &h), name[64];
  snprintf(name, sizeof name, "%016llx.o", (unsigned long long)h);
  if (key) hn_cache_discard(name);
  free(key);
}

/* Compiles the program's logic to native code for this machine (or takes it from the cache
 * when read_cache) and attaches it (p->native); *cache_hit says whether the cache gave it, and
 * a cached object that does not load is removed from the cache. HN_OK, or err filled. */
static hn_status attach_native(hn_program *p, bool read_cache, int *cache_hit, char *err, size_t errlen) {
  pthread_once(&init_once, init_llvm);
  hnc_jit *j = calloc(1, sizeof *j);
  if (!j) {
    snprintf(err, errlen, "out of memory");
    return HN_ERR_NOMEM;
  }
  char *triple = LLVMGetDefaultTargetTriple(), *cpu = LLVMGetHostCPUName(), *feat = LLVMGetHostCPUFeatures();
  LLVMMemoryBufferRef obj = NULL;
  hn_status st = native_object(p, triple, cpu, feat, read_cache, &obj, cache_hit, err, errlen);
  LLVMErrorRef e = NULL;
  if (st == HN_OK && (e = LLVMOrcCreateLLJIT(&j->jit, NULL))) {
    set_err(err, errlen, "cannot create the JIT", e);
    st = HN_ERR_SEMANTIC;
  }
  if (st == HN_OK && (e = LLVMOrcLLJITAddObjectFile(j->jit, LLVMOrcLLJITGetMainJITDylib(j->jit), obj))) {
    set_err(err, errlen, "cannot load the native code", e); /* obj was consumed all the same */
    st = HN_ERR_SEMANTIC;
  }
  if (st != HN_OK && obj && !j->jit) LLVMDisposeMemoryBuffer(obj);
  LLVMOrcExecutorAddress rule = 0, chunks = 0, score = 0, pred = 0, hnode = 0;
  if (st == HN_OK && (st = lookup(j->jit, "hn_rule", &rule, err, errlen)) == HN_OK &&
      (st = lookup(j->jit, "hn_chunks", &chunks, err, errlen)) == HN_OK &&
      (st = lookup(j->jit, "hn_score", &score, err, errlen)) == HN_OK &&
      (st = lookup(j->jit, "hn_rt_pred_ptr", &pred, err, errlen)) == HN_OK &&
      (st = lookup(j->jit, "hn_rt_hnode_ptr", &hnode, err, errlen)) == HN_OK) {
    *(void **)(uintptr_t)pred = (void *)hn_rt_pred;
    *(void **)(uintptr_t)hnode = (void *)hn_rt_hnode;
    p->native = (hn_native_fn)(uintptr_t)rule;
    p->native_chunks = (const hn_native_fn *)(uintptr_t)chunks;
    p->native_chunk = HN_JIT_CHUNK;
    p->native_score = (hn_native_score_fn)(uintptr_t)score;
    p->native_owner = j;
    p->native_free = jit_free;
    j = NULL;
  }
  if (st != HN_OK && *cache_hit) discard_object(p, triple, cpu, feat);
  LLVMDisposeMessage(triple);
  LLVMDisposeMessage(cpu);
  LLVMDisposeMessage(feat);
  jit_free(j);
  return st;
}

/* Compiles the program's logic to native code for this machine and attaches it (p->native).
 * cache_hit, when not NULL, gets whether the cache was hit. HN_OK, or an error with err filled. */
hn_status hnc_program_native(hn_program *p, int *cache_hit, char *err, size_t errlen) {
  int hit = 0;
  hn_status st = attach_native(p, true, &hit, err, errlen);
  if (st != HN_OK && hit) st = attach_native(p, false, &hit, err, errlen); /* built again, not loaded */
  if (cache_hit) *cache_hit = hit;
  return st;
}

/* The object code of p for `cpu` (an LLVM CPU name: x86-64-v2, generic, ...) on this machine's
 * triple, as malloc'd bytes (for `hornet build`; compiler/aot.c links it into a shared object). */
hn_status hnc_program_object(const hn_program *p, const char *cpu, void **bytes, size_t *len, char *err, size_t errlen) {
  pthread_once(&init_once, init_llvm);
  char *triple = LLVMGetDefaultTargetTriple();
  LLVMMemoryBufferRef obj = NULL;
  hn_status st = native_object(p, triple, cpu, "", true, &obj, NULL, err, errlen);
  LLVMDisposeMessage(triple);
  *bytes = NULL;
  *len = 0;
  if (st != HN_OK) return st;
  *len = LLVMGetBufferSize(obj);
  *bytes = malloc(*len ? *len : 1);
  if (*bytes) memcpy(*bytes, LLVMGetBufferStart(obj), *len);
  LLVMDisposeMemoryBuffer(obj);
  if (!*bytes) { snprintf(err, errlen, "out of memory"); return HN_ERR_NOMEM; }
  return HN_OK;
}
