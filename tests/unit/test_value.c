/* test_value.c - the one parser and printer per value kind (runtime/value.c): a table each for
 * timestamps, addresses and JSON strings (every accepted and rejected form, the boundaries,
 * round trips), then the same values end to end: a rule literal and an event value of the
 * same text are the same instant, an alert and its incident record print one time alike,
 * and no output is invalid JSON whatever bytes the pack or the events hold. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "decode.h"
#include "hornet/compiler.h"
#include "hornet/hornet.h"
#include "hornet/hornetaux.h"
#include "value.h"

/* ---- timestamps ------------------------------------------------------------------------ */

typedef struct time_case {
  const char *name, *text;
  int64_t ns;
  const char *canon; /* what the printer writes for ns; NULL: the text is not a timestamp */
} time_case;

#define NO_TIME(name, text) {name, text, 0, NULL}

static const time_case time_cases[] = {
  {"z", "2024-05-14T09:12:03Z", 1715677923000000000, "2024-05-14T09:12:03Z"},
  {"lower_t_z", "2024-05-14t09:12:03z", 1715677923000000000, "2024-05-14T09:12:03Z"},
  {"space_offset_fraction", "2024-05-14 09:12:03.123+02:00", 1715670723123000000, "2024-05-14T07:12:03.123Z"},
  {"negative_offset", "2024-05-14T09:12:03-05:30", 1715697723000000000, "2024-05-14T14:42:03Z"},
  {"minus_zero_offset", "2024-05-14T09:12:03-00:00", 1715677923000000000, "2024-05-14T09:12:03Z"},
  {"largest_offset", "2024-05-14T23:59:59+23:59", 1715644859000000000, "2024-05-14T00:00:59Z"},
  {"no_offset_is_utc", "2024-05-14T09:12:03", 1715677923000000000, "2024-05-14T09:12:03Z"},
  {"date_only_is_midnight_utc", "2024-06-01", 1717200000000000000, "2024-06-01T00:00:00Z"},
  {"fraction_1", "2024-06-01T10:00:00.5Z", 1717236000500000000, "2024-06-01T10:00:00.5Z"},
  {"fraction_trailing_zeros", "2024-06-01T10:00:00.250Z", 1717236000250000000, "2024-06-01T10:00:00.25Z"},
  {"fraction_zero", "2024-06-01T10:00:00.000Z", 1717236000000000000, "2024-06-01T10:00:00Z"},
  {"fraction_9", "2024-05-14T09:12:03.123456789Z", 1715677923123456789, "2024-05-14T09:12:03.123456789Z"},
  {"fraction_12_truncated", "2024-05-14T09:12:03.123456789999Z", 1715677923123456789, "2024-05-14T09:12:03.123456789Z"},
  {"leap_second", "2016-12-31T23:59:60Z", 1483228799999999999, "2016-12-31T23:59:59.999999999Z"},
  {"leap_second_any_minute", "2024-06-01T00:00:60Z", 1717200059999999999, "2024-06-01T00:00:59.999999999Z"},
  {"leap_second_fraction", "2016-12-31T23:59:60.5Z", 1483228799999999999, "2016-12-31T23:59:59.999999999Z"},
  {"leap_second_offset", "2017-01-01T00:59:60+01:00", 1483228799999999999, "2016-12-31T23:59:59.999999999Z"},
  {"leap_day", "2024-02-29T00:00:00Z", 1709164800000000000, "2024-02-29T00:00:00Z"},
  {"leap_day_2000", "2000-02-29", 951782400000000000, "2000-02-29T00:00:00Z"},
  {"epoch", "1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00Z"},
  {"before_epoch", "1969-12-31T23:59:59.5Z", -500000000, "1969-12-31T23:59:59.5Z"},
  {"max", "2262-04-11T23:47:16.854775807Z", INT64_MAX, "2262-04-11T23:47:16.854775807Z"},
  {"min", "1677-09-21T00:12:43.145224192Z", INT64_MIN, "1677-09-21T00:12:43.145224192Z"},
  {"max_by_offset", "2262-04-12T00:47:16.854775807+01:00", INT64_MAX, "2262-04-11T23:47:16.854775807Z"},
  {"min_by_offset", "1677-09-20T23:12:43.145224192-01:00", INT64_MIN, "1677-09-21T00:12:43.145224192Z"},
  /* outside int64 nanoseconds: rejected, never wrapped (2262 is not 1677) */
  NO_TIME("past_max", "2262-04-11T23:47:16.854775808Z"),
  NO_TIME("past_max_by_offset", "2262-04-11T23:47:16.854775807-00:01"),
  NO_TIME("before_min", "1677-09-21T00:12:43.145224191Z"),
  NO_TIME("day_after_max", "2262-04-12"),
  NO_TIME("day_before_min", "1677-09-20"),
  NO_TIME("year_9999", "9999-12-31T23:59:59Z"),
  NO_TIME("year_0", "0000-01-01T00:00:00Z"),
  /* no such day or time */
  NO_TIME("not_leap_day", "2023-02-29T00:00:00Z"),
  NO_TIME("not_leap_century", "1900-02-29"),
  NO_TIME("april_31", "2024-04-31T00:00:00Z"),
  NO_TIME("month_13", "2024-13-01"),
  NO_TIME("month_0", "2024-00-01"),
  NO_TIME("day_0", "2024-01-00"),
  NO_TIME("hour_24", "2024-05-14T24:00:00Z"),
  NO_TIME("minute_60", "2024-05-14T09:60:00Z"),
  NO_TIME("second_61", "2024-05-14T09:12:61Z"),
  /* not the syntax */
  NO_TIME("offset_no_colon", "2024-05-14T09:12:03+0200"),
  NO_TIME("offset_hours_only", "2024-05-14T09:12:03+02"),
  NO_TIME("offset_hour_24", "2024-05-14T09:12:03+24:00"),
  NO_TIME("offset_minute_60", "2024-05-14T09:12:03+01:60"),
  NO_TIME("offset_then_more", "2024-05-14T09:12:03+02:00Z"),
  NO_TIME("date_with_offset", "2024-05-14+02:00"),
  NO_TIME("date_with_z", "2024-05-14Z"),
  NO_TIME("date_then_t", "2024-05-14T"),
  NO_TIME("no_seconds", "2024-05-14T09:12Z"),
  NO_TIME("empty_fraction", "2024-05-14T09:12:03.Z"),
  NO_TIME("comma_fraction", "2024-05-14T09:12:03,5Z"),
  NO_TIME("trailing", "2024-05-14T09:12:03Zx"),
  NO_TIME("two_spaces", "2024-05-14  09:12:03Z"),
  NO_TIME("other_separator", "2024-05-14x09:12:03Z"),
  NO_TIME("leading_space", " 2024-05-14"),
  NO_TIME("short_year", "24-05-14"),
  NO_TIME("five_digit_year", "20245-05-14"),
  NO_TIME("signed_year", "+2024-05-14"),
  NO_TIME("one_digit_month", "2024-5-14"),
  NO_TIME("slashes", "2024/05/14"),
  NO_TIME("epoch_digits", "1717200000"),
  NO_TIME("empty", ""),
  NO_TIME("word", "yesterday"),
};
enum { N_TIME = sizeof time_cases / sizeof time_cases[0] };

static void run_time_case(void **state) {
  const time_case *c = *state;
  int64_t ns = 42;
  bool ok = hn_time_parse(c->text, strlen(c->text), &ns);
  if (!c->canon) {
    if (ok) fail_msg("'%s' parsed as %lld", c->text, (long long)ns);
    return;
  }
  if (!ok) fail_msg("'%s' did not parse", c->text);
  assert_int_equal(ns, c->ns);
  char buf[HN_TIME_TEXT_CAP];
  assert_int_equal(hn_time_format(ns, buf), strlen(c->canon));
  assert_string_equal(buf, c->canon);
  int64_t back;
  assert_true(hn_time_parse(buf, strlen(buf), &back));
  assert_int_equal(back, ns);
  assert_false(hn_time_out_of_range(c->text, strlen(c->text)));
}

/* The range's edges: a message can say "out of range" instead of "not a timestamp". */
static void time_out_of_range(void **state) {
  (void)state;
  static const char *const out[] = {"2262-04-11T23:47:16.854775808Z", "1677-09-21T00:12:43.145224191Z", "2262-04-12",
                                    "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z"};
  static const char *const not_text[] = {"2023-02-29", "2262-04-12T", "tomorrow", "2024-05-14T09:12:03+0200"};
  for (size_t i = 0; i < sizeof out / sizeof *out; i++) assert_true(hn_time_out_of_range(out[i], strlen(out[i])));
  for (size_t i = 0; i < sizeof not_text / sizeof *not_text; i++)
    assert_false(hn_time_out_of_range(not_text[i], strlen(not_text[i])));
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Every instant prints in at most 30 characters and reads back to itself: 200,000 random
 * ones (every magnitude), and each second's edges around the epoch and the limits. */
static void time_round_trip(void **state) {
  (void)state;
  char buf[HN_TIME_TEXT_CAP];
  for (int i = 0; i < 200000; i++) {
    uint64_t r = rng();
    int64_t ns = (int64_t)(i % 4 == 0 ? r : r >> (r % 64)) * (i % 2 ? -1 : 1);
    if (i % 8 == 1) ns -= ns % 1000000000; /* whole seconds: no fraction */
    size_t n = hn_time_format(ns, buf);
    assert_true(n >= 20 && n <= 30 && n == strlen(buf));
    int64_t back;
    if (!hn_time_parse(buf, n, &back) || back != ns) fail_msg("%lld printed as %s", (long long)ns, buf);
  }
  static const int64_t edges[] = {INT64_MIN, INT64_MIN + 1, -1000000001, -1000000000, -999999999, -1, 0, 1,
                                  999999999, 1000000000, INT64_MAX - 1, INT64_MAX};
  for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
    int64_t back;
    size_t n = hn_time_format(edges[i], buf);
    assert_true(hn_time_parse(buf, n, &back));
    assert_int_equal(back, edges[i]);
  }
}

/* ---- addresses ------------------------------------------------------------------------- */

typedef struct addr_case {
  const char *name, *text;
  bool cidr;         /* hn_cidr_parse, else hn_ip_parse */
  const char *canon; /* the printer's text of what was read; NULL: rejected */
  int v6;
} addr_case;

#define IP(name, text, canon, v6) {name, text, false, canon, v6}
#define NO_IP(name, text) {name, text, false, NULL, 0}
#define NET(name, text, canon, v6) {name, text, true, canon, v6}
#define NO_NET(name, text) {name, text, true, NULL, 0}

static const addr_case addr_cases[] = {
  IP("v4", "10.0.0.5", "10.0.0.5", 0),
  IP("v4_zero", "0.0.0.0", "0.0.0.0", 0),
  IP("v4_max", "255.255.255.255", "255.255.255.255", 0),
  IP("v6_loopback", "::1", "::1", 1),
  IP("v6_any", "::", "::", 1),
  IP("v6_upper_case", "FD00::ABCD", "fd00::abcd", 1),
  IP("v6_leading_zeros", "2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1", 1),
  IP("v6_first_longest_run", "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", 1),
  IP("v6_longer_second_run", "2001:0:0:1:0:0:0:1", "2001:0:0:1::1", 1),
  IP("v6_single_zero_kept", "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", 1),
  IP("v6_trailing_run", "1::", "1::", 1),
  IP("v6_full", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", 1),
  IP("v6_embedded_v4", "64:ff9b::10.0.0.5", "64:ff9b::a00:5", 1),
  IP("v4_mapped_is_v4", "::ffff:10.0.0.5", "10.0.0.5", 0),
  IP("v4_mapped_hex_is_v4", "::FFFF:a00:5", "10.0.0.5", 0),
  IP("zone_dropped", "fe80::1%eth0", "fe80::1", 1),
  NO_IP("v4_part_256", "256.0.0.1"),
  NO_IP("v4_three_parts", "1.2.3"),
  NO_IP("v4_five_parts", "1.2.3.4.5"),
  NO_IP("v4_leading_zero", "01.2.3.4"),
  NO_IP("v4_leading_zero_last", "1.2.3.04"),
  NO_IP("v4_empty_part", "1..2.3"),
  NO_IP("v4_trailing_dot", "1.2.3.4."),
  NO_IP("v4_leading_space", " 1.2.3.4"),
  NO_IP("v4_trailing_space", "1.2.3.4 "),
  NO_IP("v4_negative", "1.2.3.-4"),
  NO_IP("v4_hex", "0x1.2.3.4"),
  NO_IP("v4_zone", "10.0.0.1%eth0"),
  NO_IP("address_with_prefix", "10.0.0.0/8"),
  NO_IP("v6_empty_zone", "fe80::1%"),
  NO_IP("v6_triple_colon", ":::1"),
  NO_IP("v6_nine_groups", "1:2:3:4:5:6:7:8:9"),
  NO_IP("v6_long_group", "12345::"),
  NO_IP("v6_not_hex", "g::1"),
  NO_IP("v6_two_runs", "1::2::3"),
  NO_IP("v6_bad_embedded_v4", "::ffff:1.2.3.256"),
  NO_IP("empty", ""),
  NO_IP("word", "localhost"),
  NET("v4_network", "10.0.0.0/8", "10.0.0.0/8", 0),
  NET("v4_address_is_32", "10.0.0.5", "10.0.0.5", 0),
  NET("v4_32", "10.0.0.5/32", "10.0.0.5", 0),
  NET("v4_everything", "0.0.0.0/0", "0.0.0.0/0", 0),
  NET("v4_host_bits_kept", "10.1.2.3/16", "10.1.2.3/16", 0),
  NET("v4_prefix_leading_zero", "10.0.0.0/08", "10.0.0.0/8", 0),
  NET("v6_network", "fd00::/8", "fd00::/8", 1),
  NET("v6_everything", "::/0", "::/0", 1),
  NET("v6_128", "::1/128", "::1", 1),
  NET("v6_zone", "fe80::%eth0/64", "fe80::/64", 1),
  NET("v4_mapped_network", "::ffff:10.0.0.0/104", "10.0.0.0/8", 0),
  NET("v4_mapped_128", "::ffff:10.0.0.5/128", "10.0.0.5", 0),
  NO_NET("v4_prefix_33", "10.0.0.0/33"),
  NO_NET("v4_prefix_empty", "10.0.0.0/"),
  NO_NET("v4_prefix_negative", "10.0.0.0/-1"),
  NO_NET("v4_prefix_plus", "10.0.0.0/+8"),
  NO_NET("v4_prefix_space", "10.0.0.0/ 8"),
  NO_NET("v4_prefix_four_digits", "10.0.0.0/0008"),
  NO_NET("v4_two_prefixes", "10.0.0.0/8/8"),
  NO_NET("v6_prefix_129", "fd00::/129"),
  NO_NET("v4_mapped_prefix_95", "::ffff:10.0.0.0/95"),
  NO_NET("bad_address", "x/8"),
  NO_NET("only_prefix", "/8"),
};
enum { N_ADDR = sizeof addr_cases / sizeof addr_cases[0] };

static void run_addr_case(void **state) {
  const addr_case *c = *state;
  uint8_t ip[16];
  bool v6 = false;
  unsigned prefix = 0;
  bool ok = c->cidr ? hn_cidr_parse(c->text, strlen(c->text), ip, &v6, &prefix)
                    : hn_ip_parse(c->text, strlen(c->text), ip, &v6);
  if (!c->cidr) prefix = v6 ? 128 : 32;
  if (!c->canon) {
    if (ok) fail_msg("'%s' was read", c->text);
    return;
  }
  if (!ok) fail_msg("'%s' was not read", c->text);
  assert_int_equal(v6, c->v6);
  if (!v6)
    for (int i = 4; i < 16; i++) assert_int_equal(ip[i], 0);
  char buf[HN_IP_TEXT_CAP];
  assert_int_equal(hn_ip_format(ip, v6, prefix, buf), strlen(c->canon));
  assert_string_equal(buf, c->canon);
  uint8_t back[16];
  bool bv6;
  unsigned bp;
  assert_true(hn_cidr_parse(buf, strlen(buf), back, &bv6, &bp));
  assert_memory_equal(back, ip, 16);
  assert_int_equal(bv6, v6);
  assert_int_equal(bp, prefix);
}

/* Random addresses, many with zero groups to compress, print canonically and read back. */
static void addr_round_trip(void **state) {
  (void)state;
  for (int i = 0; i < 100000; i++) {
    uint8_t ip[16] = {0}, back[16];
    bool v6 = i % 2, bv6;
    uint64_t r = rng(), z = rng();
    for (int k = 0; k < (v6 ? 16 : 4); k++) ip[k] = (z >> (k / 2 * 3) & 3) ? (uint8_t)(r >> (k * 4)) : 0;
    if (v6 && memcmp(ip, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) ip[0] = 1; /* mapped: reads as IPv4 */
    unsigned prefix = (unsigned)(rng() % (v6 ? 129 : 33)), bp;
    char buf[HN_IP_TEXT_CAP];
    size_t n = hn_ip_format(ip, v6, prefix, buf);
    assert_true(n < HN_IP_TEXT_CAP && !strstr(buf, ":::"));
    if (!hn_cidr_parse(buf, n, back, &bv6, &bp)) fail_msg("'%s' does not read back", buf);
    assert_memory_equal(back, ip, 16);
    assert_int_equal(bv6, v6);
    assert_int_equal(bp, prefix);
  }
}

/* ---- JSON strings ---------------------------------------------------------------------- */

typedef struct json_case {
  const char *name, *in;
  size_t len; /* 0: strlen(in) */
  const char *out;
} json_case;

static const json_case json_cases[] = {
  {"plain", "abc", 0, "\"abc\""},
  {"empty", "", 0, "\"\""},
  {"quote_backslash", "a\"b\\c", 0, "\"a\\\"b\\\\c\""},
  {"slash_is_plain", "a/b", 0, "\"a/b\""},
  {"short_escapes", "\b\f\n\r\t", 0, "\"\\b\\f\\n\\r\\t\""},
  {"controls", "\x01\x1f", 0, "\"\\u0001\\u001f\""},
  {"nul", "a\0b", 3, "\"a\\u0000b\""},
  {"del_is_plain", "\x7f", 0, "\"\x7f\""},
  {"utf8_kept", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 0, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""},
  {"line_separator_kept", "\xe2\x80\xa8", 0, "\"\xe2\x80\xa8\""},
  {"replacement_char_kept", "\xef\xbf\xbd", 0, "\"\xef\xbf\xbd\""},
  {"max_code_point", "\xf4\x8f\xbf\xbf", 0, "\"\xf4\x8f\xbf\xbf\""},
  /* ill-formed: one \ufffd per maximal subpart, as Unicode recommends and decoders do */
  {"byte_ff", "a\xff" "b", 0, "\"a\\ufffdb\""},
  {"lone_continuation", "\x80", 0, "\"\\ufffd\""},
  {"two_continuations", "\x80\xbf", 0, "\"\\ufffd\\ufffd\""},
  {"truncated_3_byte", "\xe2\x82", 0, "\"\\ufffd\""},
  {"truncated_3_byte_then_ascii", "\xe2\x82" "A", 0, "\"\\ufffdA\""},
  {"truncated_4_byte", "\xf0\x9f\x98", 0, "\"\\ufffd\""},
  {"truncated_then_lead", "\xe2\xe2\x82\xac", 0, "\"\\ufffd\xe2\x82\xac\""},
  {"overlong_2_byte", "\xc0\xaf", 0, "\"\\ufffd\\ufffd\""},
  {"overlong_3_byte", "\xe0\x80\xaf", 0, "\"\\ufffd\\ufffd\\ufffd\""},
  {"surrogate", "\xed\xa0\x80", 0, "\"\\ufffd\\ufffd\\ufffd\""},
  {"past_10ffff", "\xf4\x90\x80\x80", 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
  {"lead_f5", "\xf5\x80", 0, "\"\\ufffd\\ufffd\""},
  {"latin1_word", "caf\xe9 ok", 0, "\"caf\\ufffd ok\""},
};
enum { N_JSON = sizeof json_cases / sizeof json_cases[0] };

static char *json_of(const char *s, size_t n, size_t *len) {
  char *out = NULL;
  size_t ol = 0;
  FILE *f = open_memstream(&out, &ol);
  assert_non_null(f);
  hn_json_str(f, s, n);
  fclose(f);
  if (len) *len = ol;
  return out;
}

static void run_json_case(void **state) {
  const json_case *c = *state;
  char *out = json_of(c->in, c->len ? c->len : strlen(c->in), NULL);
  assert_string_equal(out, c->out);
  free(out);
}

/* Whether text is valid UTF-8 and each of its lines one JSON object the decoder takes: with
 * the decoder's strict grammar, that is valid JSON. s, when not NULL, is read from each. */
static void assert_json_lines(const char *text, size_t len) {
  if (hn_utf8_check(text, len) != len) fail_msg("invalid UTF-8 at byte %zu of:\n%s", hn_utf8_check(text, len), text);
  hn_field_spec spec = {"s", HN_FT_STRING};
  hn_status st;
  hn_decoder *d = hn_decoder_create(&spec, 1, &st);
  hn_event ev;
  assert_int_equal(hn_event_init(&ev, d), HN_OK);
  for (const char *l = text; l < text + len;) {
    const char *nl = memchr(l, '\n', (size_t)(text + len - l));
    size_t n = nl ? (size_t)(nl - l) : (size_t)(text + len - l);
    if (hn_decode(d, l, n, &ev, NULL) != HN_OK) fail_msg("not a JSON object: %.*s", (int)n, l);
    l += n + 1;
  }
  hn_event_fini(&ev);
  hn_decoder_destroy(d);
}

/* Turns each \ufffd escape of JSON text j into the character itself, in place: what the
 * JSON of the decoded string holds instead. */
static void unescape_fffd(char *j) {
  char *o = j;
  for (const char *s = j; *s;) {
    if (s[0] == '\\' && strncmp(s + 1, "ufffd", 5) == 0) {
      memcpy(o, "\xef\xbf\xbd", 3);
      o += 3;
      s += 6;
    } else if (s[0] == '\\') {
      *o++ = *s++;
      *o++ = *s++;
    } else {
      *o++ = *s++;
    }
  }
  *o = 0;
}

/* Random bytes (quotes, backslashes, controls and high bytes frequent) always give valid JSON
 * that the decoder reads back to the string it stands for: its JSON is the same text, each
 * \ufffd now the character itself. */
static void json_always_valid(void **state) {
  (void)state;
  static const char alphabet[] = "a\"\\\n\x01\x7f\x80\xbf\xc2\xc3\xe2\xed\xf0\xf4\xff";
  hn_field_spec spec = {"s", HN_FT_STRING};
  hn_status st;
  hn_decoder *d = hn_decoder_create(&spec, 1, &st);
  hn_event ev;
  assert_int_equal(hn_event_init(&ev, d), HN_OK);
  for (int i = 0; i < 20000; i++) {
    char s[48];
    size_t n = rng() % sizeof s;
    for (size_t k = 0; k < n; k++) {
      uint64_t r = rng();
      s[k] = r % 3 ? alphabet[r / 3 % (sizeof alphabet - 1)] : (char)(r >> 8);
    }
    size_t jl;
    char *j = json_of(s, n, &jl);
    char line[512];
    int ll = snprintf(line, sizeof line, "{\"s\":%s}", j);
    assert_true(hn_utf8_check(j, jl) == jl);
    assert_int_equal(hn_decode(d, line, (size_t)ll, &ev, NULL), HN_OK);
    const hn_value *v = &ev.values[ev.slots[0].first];
    char *again = json_of(v->u.s, v->len, NULL);
    unescape_fffd(j);
    assert_string_equal(again, j);
    free(again);
    free(j);
  }
  hn_event_fini(&ev);
  hn_decoder_destroy(d);
}

static void json_helpers(void **state) {
  (void)state;
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  static const uint8_t v6[16] = {0xfd, 0, [15] = 1};
  hn_json_cstr(f, NULL);
  hn_json_cstr(f, "x\xff");
  hn_json_time(f, 1717236000250000000);
  hn_json_ip(f, v6, true, 128);
  hn_json_ip(f, (const uint8_t[16]){10}, false, 8);
  fclose(f);
  assert_string_equal(out, "null\"x\\ufffd\"\"2024-06-01T10:00:00.25Z\"\"fd00::1\"\"10.0.0.0/8\"");
  free(out);
}

/* ---- end to end ------------------------------------------------------------------------ */

static hn_program *compile(const char *src, size_t *errors, char **diags, hnc_diag_format fmt) {
  hnc_compiler *c = hnc_compiler_create();
  assert_non_null(c);
  hnc_compiler_set_stdlib(c, "stdlib");
  assert_int_equal(hnc_compiler_add_source(c, "t.hn", src, strlen(src)), HN_OK);
  hn_status st = hnc_compiler_check(c);
  *errors = hnc_compiler_error_count(c);
  if (diags) {
    size_t len;
    FILE *f = open_memstream(diags, &len);
    hnc_compiler_print_diagnostics(c, f, fmt, 0);
    fclose(f);
  }
  hn_program *p = st == HN_OK ? hnc_compiler_program(c) : NULL;
  hnc_compiler_destroy(c);
  return p;
}

typedef struct run_out {
  char *alerts, *records, *queue;
  size_t al, rl, ql;
} run_out;

static void run_events(const hn_program *p, const char *events, run_out *o) {
  memset(o, 0, sizeof *o);
  FILE *in = fmemopen((void *)events, strlen(events), "rb");
  FILE *out = open_memstream(&o->alerts, &o->al), *rec = open_memstream(&o->records, &o->rl),
       *q = open_memstream(&o->queue, &o->ql);
  hn_run_options opt = {.input_name = "e.jsonl", .in = in, .out = out, .engine = HN_ENGINE_INTERP,
                        .incidents = rec, .queue = q, .queue_json = true};
  hn_run_stats st;
  assert_int_equal(hn_run_stream(p, &opt, &st), HN_OK);
  fclose(in);
  fclose(out);
  fclose(rec);
  fclose(q);
}

static void run_out_free(run_out *o) {
  free(o->alerts);
  free(o->records);
  free(o->queue);
}

/* Every row of the timestamp table, as a rule literal and as an event value: the literal is
 * accepted exactly when the event value is a timestamp, and then they are the same instant
 * (the rule on that string fires on that event). Before one parser served both, "2024-06-01"
 * compiled but was no timestamp in an event, and a rule on "...:00:60Z" never matched. */
static void literal_and_event_agree(void **state) {
  (void)state;
  char *src = NULL, *events = NULL;
  size_t sl = 0, el = 0;
  FILE *s = open_memstream(&src, &sl), *e = open_memstream(&events, &el);
  fputs("schema s { time t\n n: int }\n", s);
  int line = 0, lines[N_TIME];
  for (size_t i = 0; i < N_TIME; i++) {
    const time_case *c = &time_cases[i];
    lines[i] = 0;
    char one[256];
    snprintf(one, sizeof one, "schema s { time t }\nrule r { severity low where t == \"%s\" }\n", c->text);
    size_t errors;
    char *diags = NULL;
    hn_program *p = compile(one, &errors, &diags, HNC_FORMAT_TEXT);
    if ((errors == 0) != (c->canon != NULL)) fail_msg("rule on '%s': %s", c->text, diags);
    if (!c->canon && !strstr(diags, "timestamp")) fail_msg("rule on '%s': %s", c->text, diags);
    free(diags);
    hn_program_destroy(p);
    if (c->text[0] && strspn(c->text, "0123456789") == strlen(c->text)) continue; /* an epoch in events only (§5.6) */
    fprintf(e, "{\"t\":\"%s\",\"n\":%zu}\n", c->text, i);
    lines[i] = ++line;
    if (c->canon) fprintf(s, "rule r%zu { severity low where t == \"%s\" and n == %zu }\n", i, c->text, i);
    else fprintf(s, "rule r%zu { severity low where t >= \"%s\" and n == %zu }\n", i, HN_TIME_TEXT_MIN, i);
  }
  fclose(s);
  fclose(e);
  size_t errors;
  hn_program *p = compile(src, &errors, NULL, HNC_FORMAT_TEXT);
  assert_non_null(p);
  run_out o;
  run_events(p, events, &o);
  for (size_t i = 0; i < N_TIME; i++) {
    char want[64];
    snprintf(want, sizeof want, "{\"rule\":\"r%zu\",", i);
    if (!lines[i]) continue;
    const char *a = strstr(o.alerts, want);
    /* a timestamp fires its equality rule; text that is none is never >= the earliest instant */
    if ((a != NULL) != (time_cases[i].canon != NULL))
      fail_msg("row %s (line %d): %s", time_cases[i].name, lines[i], a ? "fired" : "did not fire");
  }
  run_out_free(&o);
  hn_program_destroy(p);
  free(src);
  free(events);
}

/* Pulls the string after `"key":"` in text. */
static void field_text(const char *text, const char *key, char *out, size_t cap) {
  char k[64];
  snprintf(k, sizeof k, "\"%s\":\"", key);
  const char *p = strstr(text, k);
  if (!p) fail_msg("no %s in %s", key, text);
  p += strlen(k);
  size_t n = (size_t)(strchr(p, '"') - p);
  assert_true(n < cap);
  memcpy(out, p, n);
  out[n] = 0;
}

/* An alert and the incident record it makes print the same instant the same way (they were
 * 10:00:00.25Z and 10:00:00Z). */
static void alert_and_incident_times_agree(void **state) {
  (void)state;
  size_t errors;
  hn_program *p = compile("schema s { time t\n host: string }\nrule r { severity high where host == \"a\" entities host }\n",
                          &errors, NULL, HNC_FORMAT_TEXT);
  assert_non_null(p);
  run_out o;
  run_events(p, "{\"t\":\"2024-06-01T10:00:00.250Z\",\"host\":\"a\"}\n", &o);
  char at[64], rt[64], first[64];
  field_text(o.alerts, "time", at, sizeof at);
  field_text(o.records, "time", rt, sizeof rt);
  field_text(o.records, "first_seen", first, sizeof first);
  assert_string_equal(at, "2024-06-01T10:00:00.25Z");
  assert_string_equal(rt, at);
  assert_string_equal(first, at);
  run_out_free(&o);
  hn_program_destroy(p);
}

/* Arithmetic on instants saturates at the ends of the range: an incident first seen at the
 * earliest instant is, at the latest, as old as can be (the difference wrapped to -1 ns, and
 * was undefined behaviour). */
static void time_arithmetic_saturates(void **state) {
  (void)state;
  assert_int_equal(hn_time_add(INT64_MAX, 1), INT64_MAX);
  assert_int_equal(hn_time_add(INT64_MIN, -1), INT64_MIN);
  assert_int_equal(hn_time_add(5, -7), -2);
  assert_int_equal(hn_time_sub(INT64_MAX, INT64_MIN), INT64_MAX);
  assert_int_equal(hn_time_sub(INT64_MIN, INT64_MAX), INT64_MIN);
  assert_int_equal(hn_time_sub(INT64_MIN, 86400000000000), INT64_MIN);
  assert_int_equal(hn_time_sub(-2, -7), 5);
  size_t errors;
  hn_program *p = compile("schema s { time t\n host: string }\nrule r { severity high where host == \"a\" entities host }\n",
                          &errors, NULL, HNC_FORMAT_TEXT);
  assert_non_null(p);
  run_out o;
  run_events(p, "{\"t\":\"" HN_TIME_TEXT_MIN "\",\"host\":\"a\"}\n{\"t\":\"" HN_TIME_TEXT_MAX "\",\"host\":\"a\"}\n", &o);
  assert_non_null(strstr(o.queue, "\"id\":\"INC-000001\",\"score\":4,\"severity\":4,\"alerts\":1,\"age_s\":9223372036,"));
  run_out_free(&o);
  hn_program_destroy(p);
}

/* Bytes that are not UTF-8 in the pack (a \xFF escape in a title, a tag, an entity name) or
 * cut mid-character (an entity text the incident keeps 512 bytes of) reach no output as
 * invalid JSON: alerts, incident records and the queue are valid UTF-8 and JSON. */
static void outputs_are_valid_json(void **state) {
  (void)state;
  size_t errors;
  hn_program *p = compile("schema s { time t\n host: string\n user: string }\n"
                          "rule r { title \"bad \\xFF title\" severity high tags \"x.\\xC3\" where exists host\n"
                          "  entities host, user }\n",
                          &errors, NULL, HNC_FORMAT_TEXT);
  assert_non_null(p);
  char events[2048];
  size_t k = (size_t)snprintf(events, sizeof events, "{\"t\":\"2024-06-01T10:00:00Z\",\"user\":\"u\\u0001\xff\",\"host\":\"");
  for (int i = 0; i < 200; i++) k += (size_t)snprintf(events + k, sizeof events - k, "\xe2\x82\xac"); /* 3 bytes each */
  snprintf(events + k, sizeof events - k, "\"}\n");
  run_out o;
  run_events(p, events, &o);
  assert_non_null(strstr(o.alerts, "\"title\":\"bad \\ufffd title\""));
  assert_non_null(strstr(o.alerts, "\"tags\":[\"x.\\ufffd\"]"));
  assert_non_null(strstr(o.records, "\"hosts\":[\"")); /* the 512-byte cut is in there */
  assert_json_lines(o.alerts, o.al);
  assert_json_lines(o.records, o.rl);
  assert_json_lines(o.queue, o.ql);
  run_out_free(&o);
  hn_program_destroy(p);
  /* diagnostics quoting such bytes, as JSON and as SARIF */
  hnc_diag_format fmts[] = {HNC_FORMAT_JSON, HNC_FORMAT_SARIF};
  for (int i = 0; i < 2; i++) {
    char *diags = NULL;
    hn_program_destroy(compile("rule caf\xe9 { severity low where true }\n", &errors, &diags, fmts[i]));
    assert_true(errors > 0);
    size_t n = strlen(diags);
    assert_true(hn_utf8_check(diags, n) == n);
    free(diags);
  }
}

/* A pack with a byte sequence that is not UTF-8 is an error at its line and column (§2.1),
 * one per line, wherever it is: a string, a comment. */
static void source_must_be_utf8(void **state) {
  (void)state;
  size_t errors;
  char *diags = NULL;
  hn_program_destroy(compile("// caf\xe9\nschema s { time t }\nrule r { title \"\xe2\x82 x \xff\" severity low where true }\n",
                             &errors, &diags, HNC_FORMAT_TEXT));
  assert_int_equal(errors, 2);
  assert_non_null(strstr(diags, "t.hn:1:7: error: invalid UTF-8: byte 0xE9"));
  assert_non_null(strstr(diags, "t.hn:3:17: error: invalid UTF-8: byte 0xE2"));
  free(diags);
  diags = NULL;
  hn_program_destroy(compile("\xef\xbb\xbfschema s { time t }\nrule r { title \"\xc3\xa9t\xc3\xa9 \xe2\x82\xac\" severity low where true }\n",
                             &errors, &diags, HNC_FORMAT_TEXT));
  if (errors) fail_msg("%s", diags);
  free(diags);
}

/* A timestamp literal past the range is a diagnostic, not an instant of 1677. */
static void literal_out_of_range(void **state) {
  (void)state;
  size_t errors;
  char *diags = NULL;
  hn_program_destroy(compile("schema s { time t }\nrule r { severity low where t > \"2262-04-12T00:00:00Z\" }\n", &errors,
                             &diags, HNC_FORMAT_TEXT));
  assert_int_equal(errors, 1);
  assert_non_null(strstr(diags, "t.hn:2:33: error: '2262-04-12T00:00:00Z' is outside the timestamp range"));
  free(diags);
}

int main(void) {
  static const struct CMUnitTest extra[] = {
    cmocka_unit_test(time_out_of_range),
    cmocka_unit_test(time_round_trip),
    cmocka_unit_test(addr_round_trip),
    cmocka_unit_test(json_always_valid),
    cmocka_unit_test(json_helpers),
    cmocka_unit_test(literal_and_event_agree),
    cmocka_unit_test(alert_and_incident_times_agree),
    cmocka_unit_test(time_arithmetic_saturates),
    cmocka_unit_test(outputs_are_valid_json),
    cmocka_unit_test(source_must_be_utf8),
    cmocka_unit_test(literal_out_of_range),
  };
  enum { NX = sizeof extra / sizeof extra[0], N = N_TIME + N_ADDR + N_JSON + NX };
  struct CMUnitTest *tests = calloc(N, sizeof *tests);
  char (*names)[64] = calloc(N, sizeof *names);
  size_t k = 0;
  for (size_t i = 0; i < N_TIME; i++, k++) {
    snprintf(names[k], sizeof names[k], "time_%s", time_cases[i].name);
    tests[k] = (struct CMUnitTest){names[k], run_time_case, NULL, NULL, (void *)&time_cases[i]};
  }
  for (size_t i = 0; i < N_ADDR; i++, k++) {
    snprintf(names[k], sizeof names[k], "%s_%s", addr_cases[i].cidr ? "cidr" : "ip", addr_cases[i].name);
    tests[k] = (struct CMUnitTest){names[k], run_addr_case, NULL, NULL, (void *)&addr_cases[i]};
  }
  for (size_t i = 0; i < N_JSON; i++, k++) {
    snprintf(names[k], sizeof names[k], "json_%s", json_cases[i].name);
    tests[k] = (struct CMUnitTest){names[k], run_json_case, NULL, NULL, (void *)&json_cases[i]};
  }
  for (size_t i = 0; i < NX; i++) tests[k++] = extra[i];
  int rc = _cmocka_run_group_tests("value", tests, N, NULL, NULL);
  free(tests);
  free(names);
  return rc;
}
