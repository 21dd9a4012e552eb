/* value.h - one parser and one printer per value kind that has a text form: timestamps, IP
 * addresses and networks, JSON strings, and the UTF-8 they rest on (lang/SPEC.md §2.1, §4.1,
 * §5.6). The compiler (literals, Sigma, inventories, diagnostics) and the runtime (decoder,
 * alerts, incidents, explain) call only these, so a value means one thing everywhere and one
 * test table (tests/unit/test_value.c) pins it. Depends on libc only: no compiler, no LLVM. */
#ifndef HN_VALUE_H
#define HN_VALUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Correlation's time domain: event times within HN_TIME_BOUND ns of the epoch (the years 1824
 * to 2116) and spans (windows, `within`, lateness, horizons) of at most HN_TIME_BOUND ns (146
 * years), so that a time plus or minus a span never overflows 64 bits. Times outside it parse
 * and compare as any time; only windows and deadlines leave them out. */
#define HN_TIME_BOUND (INT64_C(1) << 62)

/* ---- UTF-8 ----------------------------------------------------------------------------- */

/* The length of the well-formed UTF-8 sequence at s (1 to 4; lim is one past the last byte
 * that may be read), or minus the length (1 to 3) of its maximal ill-formed subpart: the
 * bytes one U+FFFD stands for, Unicode's recommended practice (Python's and the browsers'
 * decoders replace the same spans). Overlong forms, surrogates and code points past 10FFFF
 * are ill-formed. Inline: the decoder calls it for every non-ASCII byte of every event. */
static inline int hn_utf8_seq(const unsigned char *s, const unsigned char *lim) {
  unsigned c = s[0], lo = 0x80, hi = 0xBF;
  int n;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;      /* shorter forms exist: overlong */
    else if (c == 0xED) hi = 0x9F; /* UTF-16 surrogates are not characters */
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F; /* past U+10FFFF */
  } else return -1;
  for (int i = 1; i < n; i++) {
    if (s + i >= lim || s[i] < lo || s[i] > hi) return -i;
    lo = 0x80;
    hi = 0xBF;
  }
  return n;
}

/* Writes code point cp (at most 10FFFF, not a surrogate) as UTF-8 at o; returns the byte
 * after it (1 to 4 bytes written). */
static inline char *hn_utf8_put(char *o, uint32_t cp) {
  if (cp < 0x80) *o++ = (char)cp;
  else if (cp < 0x800) {
    *o++ = (char)(0xC0 | cp >> 6);
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | cp >> 12);
    *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (char)(0xF0 | cp >> 18);
    *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
    *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  return o;
}

/* The offset of the first ill-formed sequence in s[0..n), or n when s is all well-formed. */
size_t hn_utf8_check(const char *s, size_t n);

/* ---- timestamps (§5.6): int64 nanoseconds since 1970-01-01T00:00:00Z ------------------- */

/* The instants a timestamp can hold: int64 nanoseconds reach from
 * 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z. */
#define HN_TIME_TEXT_MIN "1677-09-21T00:12:43.145224192Z"
#define HN_TIME_TEXT_MAX "2262-04-11T23:47:16.854775807Z"
/* Room for any printed timestamp and its NUL. */
#define HN_TIME_TEXT_CAP 32

/* Parses s[0..n) as a timestamp (§5.6): a date YYYY-MM-DD alone (midnight UTC), or a date,
 * 'T', 't' or one space, hh:mm:ss, an optional fraction of 1 or more digits (past 9 digits
 * truncated), and an optional offset 'Z', 'z' or ±hh:mm (none means UTC); second 60 (a leap
 * second) is 59.999999999 of its minute. Sets *ns and returns true; false when s is not such
 * a text, names no calendar day, or lies outside the range above (never wraps). */
bool hn_time_parse(const char *s, size_t n, int64_t *ns);
/* Whether s[0..n) is a timestamp's text whose instant lies outside the range: for messages. */
bool hn_time_out_of_range(const char *s, size_t n);

/* Writes ns as RFC 3339 UTC into out (HN_TIME_TEXT_CAP bytes, NUL-terminated): 'T', 'Z',
 * and the shortest fraction that is exact (none, or 1 to 9 digits): 2024-06-01T10:00:00Z,
 * 2024-06-01T10:00:00.25Z. hn_time_parse reads it back to the same ns. Returns its length. */
size_t hn_time_format(int64_t ns, char *out);

/* a + b and a - b over timestamps and durations, saturated at the ends of the int64 range
 * instead of wrapping: a horizon reaching before 1677 stops there, and the age between
 * instants at both ends is the largest there is. */
static inline int64_t hn_time_add(int64_t a, int64_t b) {
  int64_t r;
  return !__builtin_add_overflow(a, b, &r) ? r : b > 0 ? INT64_MAX : INT64_MIN;
}
static inline int64_t hn_time_sub(int64_t a, int64_t b) {
  int64_t r;
  return !__builtin_sub_overflow(a, b, &r) ? r : b < 0 ? INT64_MAX : INT64_MIN;
}

/* ---- addresses (§4.1) ------------------------------------------------------------------ */

/* Room for any printed address or network ("ffff:...:ffff/128") and its NUL. */
#define HN_IP_TEXT_CAP 48

/* Parses s[0..n) as an IP address: IPv4 as four decimal parts 0-255 without leading zeros
 * (10.0.0.5), or IPv6 text as inet_pton reads it (fd00::1, ::ffff:10.0.0.5), with an
 * optional zone (fe80::1%eth0) that is dropped. An IPv4-mapped IPv6 address is the IPv4
 * address. Fills ip (the first 4 bytes for IPv4, the rest zero) and *v6; false otherwise. */
bool hn_ip_parse(const char *s, size_t n, uint8_t ip[16], bool *v6);

/* Parses s[0..n) as a network: an address (as hn_ip_parse) alone, which is a /32 or /128,
 * or an address, '/', and a prefix length of 1 to 3 decimal digits, at most 32 (IPv4) or 128
 * (IPv6). An IPv4-mapped address takes a prefix of 96 to 128, which becomes the IPv4 prefix
 * less 96. The address is kept as written: bits past the prefix are not cleared. */
bool hn_cidr_parse(const char *s, size_t n, uint8_t ip[16], bool *v6, unsigned *prefix);

/* Writes an address, followed by "/prefix" when prefix is less than the full length (32 or
 * 128), into out (HN_IP_TEXT_CAP bytes, NUL-terminated). IPv6 is RFC 5952's canonical text:
 * lower-case hex, no leading zeros, the longest run of two or more zero groups (the first of
 * equal runs) as "::". hn_cidr_parse reads it back. Returns its length. */
size_t hn_ip_format(const uint8_t ip[16], bool v6, unsigned prefix, char *out);

/* ---- JSON strings ---------------------------------------------------------------------- */

/* Writes s[0..n) to f as a JSON string, always valid JSON (RFC 8259): '"' and '\' escaped,
 * control characters as \b \f \n \r \t or \u00XX, well-formed UTF-8 as it is, and each
 * maximal ill-formed subpart (hn_utf8_seq) as \ufffd, as a UTF-8 decoder would read it. Write
 * errors stay on f (ferror). */
void hn_json_str(FILE *f, const char *s, size_t n);
/* The same for a NUL-terminated string; NULL writes null. */
void hn_json_cstr(FILE *f, const char *s);
/* A timestamp as a JSON string (hn_time_format). */
void hn_json_time(FILE *f, int64_t ns);
/* An address or network as a JSON string (hn_ip_format). */
void hn_json_ip(FILE *f, const uint8_t ip[16], bool v6, unsigned prefix);
#endif
