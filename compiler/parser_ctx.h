/* parser_ctx.h - state shared by the Flex lexer and the Bison parser of one source file.
 * Only lexer.l and parser.y include it. */
#ifndef HNC_PARSER_CTX_H
#define HNC_PARSER_CTX_H
#include <setjmp.h>
#include "hnc.h"

typedef struct hnc_parser {
  hnc_compiler *c;
  hn_arena *arena;
  int file;              /* source index */
  hnc_node *root;        /* N_FILE when parsing ends */
  hnc_comments comments; /* malloc'd array; moved to the file unit */
  int errors;            /* syntax errors, lexical ones included */
  int line, col;         /* lexer position: next character */
  size_t off, str_off;   /* byte offsets: next character, start of the string literal */
  jmp_buf fatal;         /* where a fatal scanner error unwinds to */
  bool line_has_token;   /* a token was seen on the current line (for trailing comments) */
  char *sbuf;            /* string literal being decoded */
  size_t slen, scap;
  int str_line, str_col; /* where the string literal began */
  bool str_bad;          /* the literal had a bad escape (already reported) */
  /* Open braces, so that a declaration keyword at column 1 inside a block, or the end of the
   * file, can close the blocks left open: one clear error instead of a cascade. */
  int depth;
  int *brace_line, *brace_col; /* malloc'd, brace_cap entries */
  int brace_cap;
  int inject;            /* closing braces still to hand to the parser */
  int pending;           /* the token to return after them (0: none) */
  hnc_node *pending_node;
  int pending_loc[4];    /* first line, first column, last line, last column */
  bool broken;           /* a syntax error inside the declaration being parsed */
  bool deep_reported;    /* "nested too deeply" was said in this declaration */
  bool too_deep;         /* the parser's stack overflowed: that was the nesting, not memory */
} hnc_parser;

hnc_loc hnc_parser_loc(hnc_parser *p, int fl, int fc, int ll, int lc);
#endif
