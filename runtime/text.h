/* text.h - string matching for the runtime: case folding, substring, wildcard (like).
 * Depends on libc only. */
#ifndef HN_TEXT_H
#define HN_TEXT_H
#include <stdbool.h>
#include <stddef.h>

/* Simple case folding of UTF-8 text into out (room for n bytes: folding never grows a string
 * here). Folds ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic, the scripts of the logs
 * hornet reads; other code points are kept. Returns the folded length. */
size_t hn_fold(const char *s, size_t n, char *out);

/* Whether needle occurs in hay. */
bool hn_contains(const char *hay, size_t hn, const char *needle, size_t nn);

/* Whole-value wildcard match (lang/SPEC.md §6.7): `*` any run, `?` one code point, `\*` `\?`
 * `\\` literal, any other backslash literal. Both sides already folded when caseless. */
bool hn_like(const char *s, size_t sn, const char *pat, size_t pn);
#endif
