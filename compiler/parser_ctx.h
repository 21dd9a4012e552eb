/* parser_ctx.h - state shared by the Flex lexer and the Bison parser of one source file.
 * Only lexer.l and parser.y include it. */
#ifndef HNC_PARSER_CTX_H
#define HNC_PARSER_CTX_H
#include <setjmp.h>
#include "hnc.h"

typedef struct hnc_parser {
  hnc_compiler *c;
  hnc_arena *arena;
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
} hnc_parser;

hnc_loc hnc_parser_loc(hnc_parser *p, int fl, int fc, int ll, int lc);
#endif
