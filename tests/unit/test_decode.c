/* test_decode.c - the event decoder: one row per edge case (escapes, UTF-8, numbers, coercions,
 * timestamps, dotted spellings, arrays, malformed lines), each also decoded with no fields to
 * prove the skipping parser agrees; then sizes, depth, truncation, reuse and allocation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "decode.h"

/* The fields every row decodes; `label` names a field in the rows (paths may repeat). */
static const struct {
  const char *label;
  hn_field_spec spec;
} fields[] = {
  {"s", {"s", HN_FT_STRING}},
  {"i", {"i", HN_FT_INT}},
  {"f", {"f", HN_FT_FLOAT}},
  {"b", {"b", HN_FT_BOOL}},
  {"ip", {"ip", HN_FT_IP}},
  {"net", {"net", HN_FT_CIDR}},
  {"t", {"t", HN_FT_TIME}},
  {"d", {"d", HN_FT_DURATION}},
  {"@timestamp", {"@timestamp", HN_FT_TIME}},
  {"process.name", {"process.name", HN_FT_STRING}},
  {"process.pid", {"process.pid", HN_FT_INT}},
  {"process.parent.name", {"process.parent.name", HN_FT_STRING}},
  {"event.category", {"event.category", HN_FT_STRING}},
  {"dns.answers.data", {"dns.answers.data", HN_FT_STRING}},
  {"a.b", {"a.b", HN_FT_INT}},
  {"a.b.c", {"a.b.c", HN_FT_STRING}},
  {"x", {"x", HN_FT_STRING}},
  {"x#int", {"x", HN_FT_INT}},
  /* backquoted segments: syntax, not part of the key; one holding dots is one key (§5.4) */
  {"xff", {"http.headers.`X-Forwarded-For`", HN_FT_STRING}},
  {"orig_h", {"zeek.`id.orig_h`", HN_FT_STRING}},
  {"resp_p", {"zeek.id.resp_p", HN_FT_INT}},
  {"long", {"conn_log_records_x.`id.resp_h`.v", HN_FT_STRING}},
  {"*", {"*", HN_FT_ANYSTR}}, /* every string value: each row's line goes through that pass too */
};
enum { NF = sizeof fields / sizeof fields[0] };

static hn_decoder *make_decoder(void) {
  hn_field_spec spec[NF];
  for (size_t i = 0; i < NF; i++) spec[i] = fields[i].spec;
  hn_status st;
  hn_decoder *d = hn_decoder_create(spec, NF, &st);
  assert_int_equal(st, HN_OK);
  assert_non_null(d);
  return d;
}

static size_t field_index(const char *label) {
  for (size_t i = 0; i < NF; i++)
    if (strcmp(fields[i].label, label) == 0) return i;
  fail_msg("no field labelled '%s'", label);
  return 0;
}

/* Renders a slot: "-" missing, "[]" empty array, else values joined by ','. */
static void render(const hn_event *ev, size_t f, char *out, size_t cap) {
  FILE *m = fmemopen(out, cap, "w");
  const hn_slot *sl = &ev->slots[f];
  if (sl->n == 0) fputs(sl->flags & HN_SLOT_ARRAY ? "[]" : "-", m);
  for (uint32_t k = 0; k < sl->n; k++) {
    const hn_value *v = &ev->values[sl->first + k];
    char ipbuf[64];
    if (k) fputc(',', m);
    switch (v->kind) {
    case HN_V_NULL: fputs("null", m); break;
    case HN_V_BOOL: fputs(v->u.i ? "true" : "false", m); break;
    case HN_V_INT: fprintf(m, "%lld", (long long)v->u.i); break;
    case HN_V_FLOAT: fprintf(m, "f:%.17g", v->u.f); break;
    case HN_V_TIME: fprintf(m, "t:%lld", (long long)v->u.i); break;
    case HN_V_BAD: fputs("BAD", m); break;
    case HN_V_IP:
      inet_ntop(v->v6 ? AF_INET6 : AF_INET, v->u.ip, ipbuf, sizeof ipbuf);
      fprintf(m, "ip:%s/%u", ipbuf, (unsigned)v->len);
      break;
    case HN_V_STRING:
      fputc('"', m);
      for (uint32_t i = 0; i < v->len; i++) {
        unsigned char c = (unsigned char)v->u.s[i];
        if (c < 0x20 || c >= 0x7f || c == '\\') fprintf(m, "\\x%02x", c);
        else fputc(c, m);
      }
      fputc('"', m);
      break;
    default: fprintf(m, "?kind%d", v->kind);
    }
  }
  fclose(m);
}

typedef struct dec_case {
  const char *name, *line;
  const char *field; /* label; NULL for a malformed line */
  const char *want;  /* rendered slot, or "OFFSET message" for a malformed line */
} dec_case;

#define BADROW(name, line, want) {name, line, NULL, want}

static const dec_case cases[] = {
  /* `*`: every string value, at any depth, unescaped, keys left out, in document order */
  {"any_nested", "{\"a\":{\"b\":[\"x\",{\"c\":\"y\"}],\"n\":1,\"t\":true,\"z\":null},\"k\":\"v\"}", "*", "\"x\",\"y\",\"v\""},
  {"any_escapes", "{\"s\":\"a\\tb\",\"k\\u0065y\":\"\\u00e9\\\\\"}", "*", "\"a\\x09b\",\"\\xc3\\xa9\\x5c\""},
  {"any_no_strings", "{\"only\":1,\"o\":{\"p\":[true,null,2.5]}}", "*", "-"},
  {"any_whitespace", "{ \"a\" : \"b\" , \"c\" :\t[ \"d\" , \"e\" ] }", "*", "\"b\",\"d\",\"e\""},
  {"any_every_spelling", "{\"s\":\"1\",\"s\":\"2\"}", "*", "\"1\",\"2\""},
  {"any_quote_colon_inside", "{\"a\":\"x:y\",\"b\":\"\\\":\",\"c\":[\":\"]}", "*", "\"x:y\",\"\":\",\":\""},
  {"any_with_fields", "{\"process\":{\"name\":\"p\\u0041\"},\"s\":\"q\"}", "process.name", "\"pA\""},
  {"any_with_fields_too", "{\"process\":{\"name\":\"p\\u0041\"},\"s\":\"q\"}", "*", "\"pA\",\"q\""},
  {"any_bad_utf8", "{\"s\":\"a\xff\"}", "*", "\"a\\xef\\xbf\\xbd\""},
  /* escapes */
  {"esc_simple", "{\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}", "s", "\"a\"b\\x5cc/d\\x08\\x0c\\x0a\\x0d\\x09\""},
  {"esc_u_bmp", "{\"s\":\"\\u00e9\\u4E2D\"}", "s", "\"\\xc3\\xa9\\xe4\\xb8\\xad\""},
  {"esc_u_ascii", "{\"s\":\"\\u0041b\"}", "s", "\"Ab\""},
  {"esc_u_nul", "{\"s\":\"a\\u0000b\"}", "s", "\"a\\x00b\""},
  {"esc_surrogate_pair", "{\"s\":\"\\ud83d\\ude00\"}", "s", "\"\\xf0\\x9f\\x98\\x80\""},
  {"esc_lone_high", "{\"s\":\"\\ud83dx\"}", "s", "\"\\xef\\xbf\\xbdx\""},
  {"esc_lone_high_at_end", "{\"s\":\"\\ud83d\"}", "s", "\"\\xef\\xbf\\xbd\""},
  {"esc_lone_low", "{\"s\":\"\\ude00\"}", "s", "\"\\xef\\xbf\\xbd\""},
  {"esc_high_high_low", "{\"s\":\"\\ud83d\\ud83d\\ude00\"}", "s", "\"\\xef\\xbf\\xbd\\xf0\\x9f\\x98\\x80\""},
  {"esc_high_then_escape", "{\"s\":\"\\ud83d\\n\"}", "s", "\"\\xef\\xbf\\xbd\\x0a\""},
  {"esc_in_key", "{\"proc\\u0065ss\":{\"n\\u0061me\":\"a\"}}", "process.name", "\"a\""},
  {"esc_dot_in_key_splits", "{\"process\\u002ename\":\"a\"}", "process.name", "\"a\""},
  {"del_is_not_control", "{\"s\":\"\x7f\"}", "s", "\"\\x7f\""},
  BADROW("bad_escape", "{\"s\":\"\\x\"}", "6 invalid escape"),
  BADROW("bad_u_escape", "{\"s\":\"\\u12g4\"}", "6 invalid \\u escape"),
  BADROW("bad_escape_skipped", "{\"zz\":\"\\q\"}", "7 invalid escape"),
  BADROW("bad_escape_in_key", "{\"s\\q\":1}", "3 invalid escape"),
  BADROW("raw_tab_in_string", "{\"s\":\"a\tb\"}", "7 control character in string"),
  BADROW("raw_newline_skipped", "{\"zz\":\"a\nb\"}", "8 control character in string"),
  BADROW("raw_control_in_key", "{\"z\x01\":1}", "3 control character in string"),
  BADROW("raw_control_after_escape", "{\"s\":\"\\n\x02\"}", "8 control character in string"),
  /* backquoted segments */
  {"bq_nested", "{\"http\":{\"headers\":{\"X-Forwarded-For\":\"1.2.3.4\"}}}", "xff", "\"1.2.3.4\""},
  {"bq_flat", "{\"http.headers.X-Forwarded-For\":\"a\"}", "xff", "\"a\""},
  {"bq_backquotes_are_not_the_key", "{\"http\":{\"headers\":{\"`X-Forwarded-For`\":\"a\"}}}", "xff", "-"},
  {"bq_dotted_one_key", "{\"zeek\":{\"id.orig_h\":\"10.0.0.1\"}}", "orig_h", "\"10.0.0.1\""},
  {"bq_dotted_flat", "{\"zeek.id.orig_h\":\"x\"}", "orig_h", "\"x\""},
  {"bq_dotted_never_split", "{\"zeek\":{\"id\":{\"orig_h\":\"x\"}}}", "orig_h", "-"},
  {"bq_dotted_not_across_keys", "{\"zeek.id\":{\"orig_h\":\"x\"}}", "orig_h", "-"},
  {"bq_dotted_escaped_key", "{\"zeek\":{\"id\\u002eorig_h\":\"x\"}}", "orig_h", "\"x\""},
  {"bq_dotted_escaped_flat", "{\"zeek\\u002eid.orig_h\":\"x\"}", "orig_h", "\"x\""},
  {"bq_dotted_prefix_only", "{\"zeek\":{\"id.orig_hx\":\"x\"}}", "orig_h", "-"},
  {"bq_dotted_beside_plain", "{\"zeek\":{\"id.orig_h\":\"x\",\"id\":{\"resp_p\":5}}}", "resp_p", "5"},
  {"bq_dotted_beside_plain_flat", "{\"zeek\":{\"id.resp_p\":6,\"id.orig_h\":\"x\"}}", "resp_p", "6"},
  {"bq_dotted_long_nested", "{\"conn_log_records_x\":{\"id.resp_h\":{\"v\":\"y\"}}}", "long", "\"y\""},
  {"bq_dotted_long_flat", "{\"conn_log_records_x.id.resp_h.v\":\"y\"}", "long", "\"y\""},
  {"bq_dotted_long_mixed", "{\"conn_log_records_x\":{\"id.resp_h.v\":\"z\"}}", "long", "\"z\""},
  {"bq_dotted_long_split", "{\"conn_log_records_x\":{\"id\":{\"resp_h\":{\"v\":\"y\"}}}}", "long", "-"},
  /* UTF-8 */
  {"utf8_valid", "{\"s\":\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}", "s", "\"h\\xc3\\xa9 \\xe2\\x82\\xac \\xf0\\x9f\\x98\\x80\""},
  {"utf8_invalid_byte", "{\"s\":\"a\xff" "b\"}", "s", "\"a\\xef\\xbf\\xbdb\""},
  {"utf8_truncated_sequence", "{\"s\":\"a\xe2\x82\"}", "s", "\"a\\xef\\xbf\\xbd\""},
  {"utf8_overlong", "{\"s\":\"\xc0\xaf\"}", "s", "\"\\xef\\xbf\\xbd\\xef\\xbf\\xbd\""},
  {"utf8_encoded_surrogate", "{\"s\":\"\xed\xa0\x80\"}", "s", "\"\\xef\\xbf\\xbd\\xef\\xbf\\xbd\\xef\\xbf\\xbd\""},
  {"utf8_above_max", "{\"s\":\"\xf4\x90\x80\x80!\"}", "s", "\"\\xef\\xbf\\xbd\\xef\\xbf\\xbd\\xef\\xbf\\xbd\\xef\\xbf\\xbd!\""},
  {"utf8_invalid_and_escape", "{\"s\":\"\xfe\\t\"}", "s", "\"\\xef\\xbf\\xbd\\x09\""},
  {"utf8_invalid_in_skipped_key", "{\"\xff\":1,\"s\":\"x\"}", "s", "\"x\""},
  /* numbers at the edges */
  {"int_max", "{\"i\":9223372036854775807}", "i", "9223372036854775807"},
  {"int_min", "{\"i\":-9223372036854775808}", "i", "-9223372036854775808"},
  {"int_over", "{\"i\":9223372036854775808}", "i", "BAD"},
  {"int_under", "{\"i\":-9223372036854775809}", "i", "BAD"},
  {"int_huge", "{\"i\":123456789012345678901234567890}", "i", "BAD"},
  {"float_past_int64", "{\"f\":9223372036854775808}", "f", "f:9.2233720368547758e+18"},
  {"int_neg_zero", "{\"i\":-0}", "i", "0"},
  {"float_neg_zero", "{\"f\":-0}", "f", "f:-0"},
  {"float_neg_zero_frac", "{\"f\":-0.0e5}", "f", "f:-0"},
  {"float_1e308", "{\"f\":1e308}", "f", "f:1e+308"},
  {"float_1e309", "{\"f\":1e309}", "f", "BAD"},
  {"float_neg_1e309", "{\"f\":-1e309}", "f", "BAD"},
  {"int_1e309", "{\"i\":1e309}", "i", "BAD"},
  {"string_1e309", "{\"s\":1e309}", "s", "\"1e309\""},
  {"float_underflow", "{\"f\":1e-400}", "f", "f:0"},
  {"float_tenth", "{\"f\":0.1}", "f", "f:0.10000000000000001"},
  {"float_long", "{\"f\":3.14159265358979323846264338327950288}", "f", "f:3.1415926535897931"},
  {"float_many_digits", "{\"f\":123456789012345678901234567890}", "f", "f:1.2345678901234568e+29"},
  {"float_exp", "{\"f\":-2.5E-3}", "f", "f:-0.0025000000000000001"},
  {"float_min_subnormal", "{\"f\":4.9406564584124654e-324}", "f", "f:4.9406564584124654e-324"},
  {"int_from_integral_frac", "{\"i\":1.0}", "i", "1"},
  {"int_from_exp", "{\"i\":1e3}", "i", "1000"},
  {"int_from_frac_exp", "{\"i\":12.50e1}", "i", "125"},
  {"int_from_big_exp_form", "{\"i\":9.223372036854775807e18}", "i", "9223372036854775807"},
  {"int_from_zero_frac", "{\"i\":-0.000}", "i", "0"},
  {"int_not_integral", "{\"i\":1.5}", "i", "BAD"},
  {"int_neg_exp", "{\"i\":1e-1}", "i", "BAD"},
  {"int_huge_exp", "{\"i\":1e999999999999999999}", "i", "BAD"},
  {"int_tiny_zero_exp", "{\"i\":0e999999999999999999}", "i", "0"},
  BADROW("num_leading_zero", "{\"i\":01}", "6 invalid number"),
  BADROW("num_leading_zero_skipped", "{\"zz\":-01}", "8 invalid number"),
  BADROW("num_trailing_dot", "{\"i\":1.}", "7 invalid number"),
  BADROW("num_lone_minus", "{\"i\":-}", "6 invalid number"),
  BADROW("num_plus", "{\"i\":+1}", "5 unexpected character"),
  BADROW("num_leading_dot", "{\"i\":.5}", "5 unexpected character"),
  BADROW("num_empty_exp", "{\"i\":1e}", "7 invalid number"),
  BADROW("num_exp_sign_only", "{\"i\":1e+}", "8 invalid number"),
  BADROW("num_hex", "{\"i\":0x10}", "6 expected ',' or '}'"),
  BADROW("num_nan", "{\"f\":NaN}", "5 unexpected character"),
  BADROW("num_infinity", "{\"zz\":Infinity}", "6 unexpected character"),
  /* coercion: string fields */
  {"string_as_is", "{\"s\":\"powershell.exe\"}", "s", "\"powershell.exe\""},
  {"string_from_number_text", "{\"s\":1.50}", "s", "\"1.50\""},
  {"string_from_neg_zero", "{\"s\":-0}", "s", "\"-0\""},
  {"string_from_exp", "{\"s\":1E+2}", "s", "\"1E+2\""},
  {"string_from_true", "{\"s\":true}", "s", "\"true\""},
  {"string_from_false", "{\"s\":false}", "s", "\"false\""},
  {"string_from_object", "{\"s\":{\"a\":1}}", "s", "BAD"},
  {"string_from_empty_object", "{\"s\":{}}", "s", "BAD"},
  /* int */
  {"int_from_string", "{\"i\":\"4688\"}", "i", "4688"},
  {"int_from_neg_string", "{\"i\":\"-12\"}", "i", "-12"},
  {"int_from_zero_padded_string", "{\"i\":\"007\"}", "i", "7"},
  {"int_from_max_string", "{\"i\":\"9223372036854775807\"}", "i", "9223372036854775807"},
  {"int_from_over_string", "{\"i\":\"9223372036854775808\"}", "i", "BAD"},
  {"int_from_float_string", "{\"i\":\"4688.0\"}", "i", "BAD"},
  {"int_from_spaced_string", "{\"i\":\" 1\"}", "i", "BAD"},
  {"int_from_plus_string", "{\"i\":\"+1\"}", "i", "BAD"},
  {"int_from_empty_string", "{\"i\":\"\"}", "i", "BAD"},
  {"int_from_minus_string", "{\"i\":\"-\"}", "i", "BAD"},
  {"int_from_escaped_string", "{\"i\":\"4\\u0036\"}", "i", "46"},
  {"int_from_true", "{\"i\":true}", "i", "BAD"},
  {"int_from_object", "{\"i\":{\"v\":1}}", "i", "BAD"},
  {"int_array_mixed", "{\"i\":[1,\"2\",3.0,\"x\",true,{}]}", "i", "1,2,3,BAD,BAD,BAD"},
  /* float */
  {"float_from_int", "{\"f\":2}", "f", "f:2"},
  {"float_from_string", "{\"f\":\"1.5\"}", "f", "f:1.5"},
  {"float_from_exp_string", "{\"f\":\"-5e-1\"}", "f", "f:-0.5"},
  {"float_from_word", "{\"f\":\"abc\"}", "f", "BAD"},
  {"float_from_non_json_number", "{\"f\":\"1.\"}", "f", "BAD"},
  {"float_from_padded", "{\"f\":\" 1\"}", "f", "BAD"},
  {"float_from_inf_string", "{\"f\":\"inf\"}", "f", "BAD"},
  {"float_from_bool", "{\"f\":false}", "f", "BAD"},
  /* bool: a string is a mismatch (SPEC §4.4) */
  {"bool_true", "{\"b\":true}", "b", "true"},
  {"bool_false", "{\"b\":false}", "b", "false"},
  {"bool_from_string", "{\"b\":\"true\"}", "b", "BAD"},
  {"bool_from_number", "{\"b\":1}", "b", "BAD"},
  {"bool_array", "{\"b\":[true,false]}", "b", "true,false"},
  /* ip */
  {"ip_v4", "{\"ip\":\"10.0.0.5\"}", "ip", "ip:10.0.0.5/4"},
  {"ip_v6", "{\"ip\":\"2001:db8::1\"}", "ip", "ip:2001:db8::1/16"},
  {"ip_v6_loopback", "{\"ip\":\"::1\"}", "ip", "ip:::1/16"},
  {"ip_v4_mapped", "{\"ip\":\"::ffff:10.0.0.5\"}", "ip", "ip:10.0.0.5/4"},
  {"ip_zone_dropped", "{\"ip\":\"fe80::1%eth0\"}", "ip", "ip:fe80::1/16"},
  {"ip_empty_zone", "{\"ip\":\"fe80::1%\"}", "ip", "BAD"},
  {"ip_v4_with_zone", "{\"ip\":\"10.0.0.5%eth0\"}", "ip", "BAD"},
  {"ip_octet_range", "{\"ip\":\"10.0.0.256\"}", "ip", "BAD"},
  {"ip_three_octets", "{\"ip\":\"10.0.1\"}", "ip", "BAD"},
  {"ip_trailing_space", "{\"ip\":\"10.0.0.5 \"}", "ip", "BAD"},
  {"ip_empty", "{\"ip\":\"\"}", "ip", "BAD"},
  {"ip_number", "{\"ip\":167772165}", "ip", "BAD"},
  {"ip_escaped", "{\"ip\":\"10.0.0.\\u0035\"}", "ip", "ip:10.0.0.5/4"},
  {"ip_with_nul", "{\"ip\":\"10.0.0.5\\u0000\"}", "ip", "BAD"},
  /* cidr: validated, kept as a string */
  {"cidr_v4", "{\"net\":\"10.0.0.0/8\"}", "net", "\"10.0.0.0/8\""},
  {"cidr_v6", "{\"net\":\"fd00::/8\"}", "net", "\"fd00::/8\""},
  {"cidr_host", "{\"net\":\"10.0.0.1\"}", "net", "\"10.0.0.1\""},
  {"cidr_v6_128", "{\"net\":\"::1/128\"}", "net", "\"::1/128\""},
  {"cidr_prefix_too_long", "{\"net\":\"10.0.0.0/33\"}", "net", "BAD"},
  {"cidr_empty_prefix", "{\"net\":\"10.0.0.0/\"}", "net", "BAD"},
  {"cidr_bad_addr", "{\"net\":\"x/8\"}", "net", "BAD"},
  {"cidr_number", "{\"net\":8}", "net", "BAD"},
  /* duration */
  {"duration_number_ns", "{\"d\":1500}", "d", "1500"},
  {"duration_negative_ns", "{\"d\":-5}", "d", "-5"},
  {"duration_integral_float", "{\"d\":2.0e3}", "d", "2000"},
  {"duration_fraction", "{\"d\":1.5}", "d", "BAD"},
  {"duration_literal", "{\"d\":\"1h30m\"}", "d", "5400000000000"},
  {"duration_ms", "{\"d\":\"1s500ms\"}", "d", "1500000000"},
  {"duration_weeks_days", "{\"d\":\"1w2d\"}", "d", "777600000000000"},
  {"duration_out_of_order", "{\"d\":\"30m1h\"}", "d", "BAD"},
  {"duration_repeated_unit", "{\"d\":\"1h1h\"}", "d", "BAD"},
  {"duration_no_unit", "{\"d\":\"90\"}", "d", "BAD"},
  {"duration_unknown_unit", "{\"d\":\"5y\"}", "d", "BAD"},
  {"duration_overflow", "{\"d\":\"99999999999999d\"}", "d", "BAD"},
  {"duration_bool", "{\"d\":true}", "d", "BAD"},
  /* timestamps */
  {"time_z", "{\"t\":\"2024-05-14T09:12:03Z\"}", "t", "t:1715677923000000000"},
  {"time_lower_t_z", "{\"t\":\"2024-05-14t09:12:03z\"}", "t", "t:1715677923000000000"},
  {"time_space_offset_fraction", "{\"t\":\"2024-05-14 09:12:03.123+02:00\"}", "t", "t:1715670723123000000"},
  {"time_negative_offset", "{\"t\":\"2024-05-14T09:12:03-05:30\"}", "t", "t:1715697723000000000"},
  {"time_no_offset_is_utc", "{\"t\":\"2024-05-14T09:12:03\"}", "t", "t:1715677923000000000"},
  {"time_fraction_1", "{\"t\":\"2024-05-14T09:12:03.5Z\"}", "t", "t:1715677923500000000"},
  {"time_fraction_9", "{\"t\":\"2024-05-14T09:12:03.123456789Z\"}", "t", "t:1715677923123456789"},
  {"time_fraction_12_truncated", "{\"t\":\"2024-05-14T09:12:03.123456789999Z\"}", "t", "t:1715677923123456789"},
  {"time_leap_second", "{\"t\":\"2016-12-31T23:59:60Z\"}", "t", "t:1483228799999999999"},
  {"time_leap_day", "{\"t\":\"2024-02-29T00:00:00Z\"}", "t", "t:1709164800000000000"},
  {"time_epoch_zero", "{\"t\":\"1970-01-01T00:00:00Z\"}", "t", "t:0"},
  {"time_max", "{\"t\":\"2262-04-11T23:47:16.854775807Z\"}", "t", "t:9223372036854775807"},
  {"time_past_max", "{\"t\":\"2262-04-11T23:47:16.854775808Z\"}", "t", "BAD"},
  {"time_before_min", "{\"t\":\"1677-09-21T00:00:00Z\"}", "t", "BAD"},
  {"time_not_leap_day", "{\"t\":\"2023-02-29T00:00:00Z\"}", "t", "BAD"},
  {"time_day_31", "{\"t\":\"2024-04-31T00:00:00Z\"}", "t", "BAD"},
  {"time_hour_24", "{\"t\":\"2024-05-14T24:00:00Z\"}", "t", "BAD"},
  {"time_date_only_is_midnight_utc", "{\"t\":\"2024-05-14\"}", "t", "t:1715644800000000000"},
  {"time_offset_no_colon", "{\"t\":\"2024-05-14T09:12:03+0200\"}", "t", "BAD"},
  {"time_empty_fraction", "{\"t\":\"2024-05-14T09:12:03.Z\"}", "t", "BAD"},
  {"time_trailing", "{\"t\":\"2024-05-14T09:12:03Zx\"}", "t", "BAD"},
  {"time_two_spaces", "{\"t\":\"2024-05-14  09:12:03Z\"}", "t", "BAD"},
  {"epoch_seconds", "{\"t\":1715677923}", "t", "t:1715677923000000000"},
  {"epoch_seconds_fraction", "{\"t\":1715677923.25}", "t", "t:1715677923250000000"},
  {"epoch_seconds_exp", "{\"t\":1.715677923e9}", "t", "t:1715677923000000000"},
  {"epoch_ms", "{\"t\":1715677923123}", "t", "t:1715677923123000000"},
  {"epoch_us", "{\"t\":1715677923123456}", "t", "t:1715677923123456000"},
  {"epoch_ns", "{\"t\":1715677923123456789}", "t", "t:1715677923123456789"},
  {"epoch_ms_boundary", "{\"t\":100000000000}", "t", "t:100000000000000000"},
  {"epoch_largest_seconds_overflows", "{\"t\":99999999999}", "t", "BAD"},
  {"epoch_ms_14_digits_overflows", "{\"t\":10000000000000}", "t", "BAD"},
  {"epoch_us_boundary", "{\"t\":100000000000000}", "t", "t:100000000000000000"},
  {"epoch_us_17_digits_overflows", "{\"t\":10000000000000000}", "t", "BAD"},
  {"epoch_ns_boundary", "{\"t\":100000000000000000}", "t", "t:100000000000000000"},
  {"epoch_ns_max", "{\"t\":9223372036854775807}", "t", "t:9223372036854775807"},
  {"epoch_ns_over_max", "{\"t\":9223372036854775808}", "t", "BAD"},
  {"epoch_zero", "{\"t\":0}", "t", "t:0"},
  {"epoch_negative", "{\"t\":-1.5}", "t", "t:-1500000000"},
  {"epoch_sub_ns_truncated", "{\"t\":1e-10}", "t", "t:0"},
  {"epoch_string", "{\"t\":\"1715677923\"}", "t", "t:1715677923000000000"},
  {"epoch_string_fraction", "{\"t\":\"1715677923.5\"}", "t", "t:1715677923500000000"},
  {"epoch_string_ms", "{\"t\":\"1715677923123\"}", "t", "t:1715677923123000000"},
  {"epoch_string_signed", "{\"t\":\"-1715677923\"}", "t", "BAD"},
  {"epoch_string_exp", "{\"t\":\"1e9\"}", "t", "BAD"},
  {"time_from_bool", "{\"t\":true}", "t", "BAD"},
  {"time_from_word", "{\"t\":\"yesterday\"}", "t", "BAD"},
  {"at_timestamp", "{\"@timestamp\":\"2024-05-14T09:12:03.000Z\"}", "@timestamp", "t:1715677923000000000"},
  /* null, missing, empty (SPEC §4.6) */
  {"missing", "{}", "s", "-"},
  {"missing_other_keys", "{\"ss\":\"a\",\"S\":\"b\"}", "s", "-"},
  {"null", "{\"s\":null}", "s", "null"},
  {"null_int", "{\"i\":null}", "i", "null"},
  {"null_time", "{\"t\":null}", "t", "null"},
  {"null_ip", "{\"ip\":null}", "ip", "null"},
  {"empty_string", "{\"s\":\"\"}", "s", "\"\""},
  {"empty_array", "{\"s\":[]}", "s", "[]"},
  {"array_of_null", "{\"s\":[null]}", "s", "[]"},
  {"null_dropped_in_array", "{\"s\":[null,\"a\",null]}", "s", "\"a\""},
  /* dotted spellings (SPEC §5.4) */
  {"dotted_nested", "{\"process\":{\"parent\":{\"name\":\"a\"}}}", "process.parent.name", "\"a\""},
  {"dotted_flat", "{\"process.parent.name\":\"a\"}", "process.parent.name", "\"a\""},
  {"dotted_split_first", "{\"process.parent\":{\"name\":\"a\"}}", "process.parent.name", "\"a\""},
  {"dotted_split_last", "{\"process\":{\"parent.name\":\"a\"}}", "process.parent.name", "\"a\""},
  {"dotted_siblings", "{\"process\":{\"name\":\"n\",\"pid\":4,\"parent\":{\"name\":\"p\"}}}", "process.pid", "4"},
  {"dotted_last_wins_flat", "{\"process\":{\"parent\":{\"name\":\"a\"}},\"process.parent.name\":\"b\"}", "process.parent.name", "\"b\""},
  {"dotted_last_wins_nested", "{\"process.parent.name\":\"b\",\"process\":{\"parent\":{\"name\":\"a\"}}}", "process.parent.name", "\"a\""},
  {"dotted_last_wins_inner", "{\"process\":{\"parent.name\":\"a\",\"parent\":{\"name\":\"b\"}}}", "process.parent.name", "\"b\""},
  {"dotted_last_wins_across_objects", "{\"process\":{\"name\":\"a\"},\"process\":{\"pid\":1}}", "process.name", "\"a\""},
  {"dotted_prefix_only", "{\"process\":{\"parentx\":{\"name\":\"a\"}}}", "process.parent.name", "-"},
  {"dotted_empty_segment", "{\"process..name\":\"a\"}", "process.name", "-"},
  {"dotted_trailing_dot", "{\"process.\":{\"name\":\"a\"}}", "process.name", "-"},
  {"dotted_leading_dot", "{\".process.name\":\"a\"}", "process.name", "-"},
  {"dotted_too_long", "{\"process.name.x\":\"a\"}", "process.name", "-"},
  {"dotted_case_sensitive", "{\"Process.name\":\"a\"}", "process.name", "-"},
  {"key_nul_is_not_end", "{\"process\":{\"name\\u0000\":\"b\"}}", "process.name", "-"},
  {"key_nul_is_not_end_flat", "{\"process.name\\u0000\":\"b\",\"s\\u0000\":\"c\"}", "process.name", "-"},
  {"key_segment_across_16_bytes", "{\"process.parent.name\":\"a\",\"zzzzzzzzzzzzzzzzzzzz\":1}", "process.parent.name", "\"a\""},
  {"object_where_scalar", "{\"process\":{\"name\":{\"x\":1}}}", "process.name", "BAD"},
  {"scalar_where_object", "{\"process\":\"x\"}", "process.name", "-"},
  {"field_and_children_object", "{\"a\":{\"b\":{\"c\":\"x\"}}}", "a.b", "BAD"},
  {"field_and_children_child", "{\"a\":{\"b\":{\"c\":\"x\"}}}", "a.b.c", "\"x\""},
  {"field_and_children_scalar", "{\"a\":{\"b\":5}}", "a.b", "5"},
  {"field_and_children_flat", "{\"a.b\":5,\"a.b.c\":\"y\"}", "a.b.c", "\"y\""},
  {"same_path_as_string", "{\"x\":\"5\"}", "x", "\"5\""},
  {"same_path_as_int", "{\"x\":\"5\"}", "x#int", "5"},
  {"same_path_escaped", "{\"x\":\"\\u0035\"}", "x", "\"5\""},
  {"same_path_escaped_int", "{\"x\":\"\\u0035\"}", "x#int", "5"},
  /* duplicate keys: the last wins */
  {"dup_last_wins", "{\"s\":\"a\",\"s\":\"b\"}", "s", "\"b\""},
  {"dup_null_last", "{\"s\":\"a\",\"s\":null}", "s", "null"},
  {"dup_bad_last", "{\"i\":1,\"i\":\"x\"}", "i", "BAD"},
  {"dup_array_then_scalar", "{\"s\":[\"a\",\"b\"],\"s\":\"c\"}", "s", "\"c\""},
  {"dup_scalar_then_array", "{\"s\":\"c\",\"s\":[\"a\",\"b\"]}", "s", "\"a\",\"b\""},
  {"dup_array_then_empty", "{\"s\":[\"a\"],\"s\":[]}", "s", "[]"},
  {"dup_empty_then_scalar", "{\"s\":[],\"s\":\"a\"}", "s", "\"a\""},
  {"dup_array_then_nulls", "{\"s\":[\"a\"],\"s\":[null]}", "s", "[]"},
  {"dup_with_other_keys_between", "{\"s\":\"a\",\"i\":1,\"zz\":{\"s\":2},\"s\":\"b\"}", "s", "\"b\""},
  /* arrays (SPEC §5.5) */
  {"array_of_strings", "{\"event\":{\"category\":[\"network\",\"process\"]}}", "event.category", "\"network\",\"process\""},
  {"array_single_flat", "{\"event.category\":[\"network\"]}", "event.category", "\"network\""},
  {"array_of_objects", "{\"dns\":{\"answers\":[{\"data\":\"a\"},{\"data\":\"b\"}]}}", "dns.answers.data", "\"a\",\"b\""},
  {"array_of_objects_flat_key", "{\"dns.answers\":[{\"data\":\"a\"},{\"data\":\"b\"}]}", "dns.answers.data", "\"a\",\"b\""},
  {"array_of_objects_gap", "{\"dns\":{\"answers\":[{\"data\":\"a\"},{\"x\":1},{\"data\":\"b\"}]}}", "dns.answers.data", "\"a\",\"b\""},
  {"array_of_objects_nested", "{\"dns\":[{\"answers\":[{\"data\":\"a\"}]},{\"answers.data\":\"b\"}]}", "dns.answers.data", "\"a\",\"b\""},
  {"array_of_objects_inner_arrays", "{\"dns\":{\"answers\":[{\"data\":[\"a\",\"b\"]},{\"data\":\"c\"}]}}", "dns.answers.data", "\"a\",\"b\",\"c\""},
  {"array_of_objects_dup_in_element", "{\"dns\":{\"answers\":[{\"data\":\"a\",\"data\":\"b\"},{\"data\":\"c\"}]}}", "dns.answers.data", "\"b\",\"c\""},
  {"array_of_objects_later_spelling", "{\"dns.answers\":[{\"data\":\"a\"}],\"dns\":{\"answers\":[{\"data\":\"b\"}]}}", "dns.answers.data", "\"b\""},
  {"array_of_objects_null_dropped", "{\"dns\":{\"answers\":[{\"data\":null},{\"data\":\"a\"}]}}", "dns.answers.data", "\"a\""},
  {"array_of_objects_all_null", "{\"dns\":{\"answers\":[{\"data\":null}]}}", "dns.answers.data", "-"},
  {"array_of_objects_empty", "{\"dns\":{\"answers\":[]}}", "dns.answers.data", "-"},
  {"array_of_objects_reached_before_filled", "{\"process\":[{\"name\":[],\"pid\":1},{\"name\":\"n\"}]}", "process.name", "\"n\""},
  {"array_of_objects_reached_before_filled_other", "{\"process\":[{\"name\":[],\"pid\":1},{\"name\":\"n\"}]}", "process.pid", "1"},
  {"array_of_arrays_of_objects", "{\"dns\":{\"answers\":[[{\"data\":\"a\"}],[{\"data\":\"b\"},{\"data\":\"c\"}]]}}", "dns.answers.data", "\"a\",\"b\",\"c\""},
  {"array_nested_flatten", "{\"s\":[[\"a\",[\"b\"]],\"c\",[]]}", "s", "\"a\",\"b\",\"c\""},
  {"array_object_elements_bad", "{\"s\":[\"a\",{\"x\":1},\"b\"]}", "s", "\"a\",BAD,\"b\""},
  {"array_with_field_and_children", "{\"a\":{\"b\":[1,{\"c\":\"x\"}]}}", "a.b", "1,BAD"},
  {"array_with_field_and_children_child", "{\"a\":{\"b\":[1,{\"c\":\"x\"}]}}", "a.b.c", "\"x\""},
  {"array_whitespace", "{ \"s\" : [ \"a\" , \"b\" ] }", "s", "\"a\",\"b\""},
  /* framing */
  {"bom", "\xEF\xBB\xBF{\"s\":\"a\"}", "s", "\"a\""},
  {"crlf", "{\"s\":\"a\"}\r", "s", "\"a\""},
  {"bom_and_crlf", "\xEF\xBB\xBF{\"s\":\"a\"}\r", "s", "\"a\""},
  {"two_cr", "{\"s\":\"a\"}\r\r", "s", "\"a\""},
  {"surrounding_whitespace", " \t{\"s\":\"a\"} \t", "s", "\"a\""},
  {"newline_inside_is_whitespace", "{\"s\":\n\"a\"}", "s", "\"a\""},
  {"skipped_everything", "{\"zz\":{\"a\":[1,2.5e3,true,false,null,\"x\",{},[],{\"b\":{\"c\":[]}}]},\"s\":\"a\"}", "s", "\"a\""},
  BADROW("bom_after_space", " \xEF\xBB\xBF{}", "1 expected '{': an event is one JSON object"),
  BADROW("bom_then_truncated", "\xEF\xBB\xBF{", "4 unexpected end of line"),
  BADROW("cr_inside", "{\"s\":\"a\r\"}", "7 control character in string"),
  BADROW("cr_stripped_before_parsing", "{\"s\":\"abc\r", "9 unterminated string"),
  /* malformed */
  BADROW("empty_line", "", "0 expected '{': an event is one JSON object"),
  BADROW("blank_line", "   ", "3 expected '{': an event is one JSON object"),
  BADROW("top_level_array", "[]", "0 expected '{': an event is one JSON object"),
  BADROW("top_level_string", "\"x\"", "0 expected '{': an event is one JSON object"),
  BADROW("top_level_number", "5", "0 expected '{': an event is one JSON object"),
  BADROW("open_brace_only", "{", "1 unexpected end of line"),
  BADROW("trailing_garbage", "{}x", "2 trailing characters after the event"),
  BADROW("two_objects", "{} {}", "3 trailing characters after the event"),
  BADROW("extra_close", "{\"s\":1}}", "7 trailing characters after the event"),
  BADROW("trailing_comma_object", "{\"s\":\"a\",}", "9 expected a key string"),
  BADROW("trailing_comma_array", "{\"s\":[1,]}", "8 unexpected character"),
  BADROW("trailing_comma_skipped", "{\"zz\":[1,]}", "9 unexpected character"),
  BADROW("missing_colon", "{\"s\" \"a\"}", "5 expected ':' after a key"),
  BADROW("missing_comma", "{\"s\":\"a\" \"b\"}", "9 expected ',' or '}'"),
  BADROW("missing_array_comma", "{\"s\":[1 2]}", "8 expected ',' or ']'"),
  BADROW("mismatched_close_matched", "{\"a\":{\"b\":1]}", "11 expected ',' or '}'"),
  BADROW("mismatched_close_skipped", "{\"q\":{\"b\":1]}", "11 expected ',' or '}'"),
  BADROW("mismatched_array_close", "{\"s\":[1}", "7 expected ',' or ']'"),
  BADROW("bad_literal", "{\"s\":tru}", "5 invalid literal"),
  BADROW("truncated_literal", "{\"s\":nul", "8 unexpected end of line"),
  BADROW("unterminated_string", "{\"s\":\"abc", "9 unterminated string"),
  BADROW("unterminated_key", "{\"s", "3 unterminated string"),
  BADROW("unquoted_key", "{s:1}", "1 expected a key string"),
  BADROW("single_quotes", "{'s':1}", "1 expected a key string"),
  BADROW("undefined", "{\"s\":undefined}", "5 unexpected character"),
  BADROW("missing_value", "{\"s\":}", "5 unexpected character"),
  BADROW("comment", "{\"s\":1 /* c */}", "7 expected ',' or '}'"),
};

/* Decodes `line` with the shared decoder and with a decoder of no fields: both must agree on
 * whether (and where, and why) it is malformed. Returns the status; fills err. */
static hn_status decode_both(hn_decoder *d, hn_event *ev, const char *line, size_t len, hn_decode_error *err) {
  hn_status st = hn_decode(d, line, len, ev, err);
  hn_status st0;
  hn_decoder *d0 = hn_decoder_create(NULL, 0, &st0);
  assert_non_null(d0);
  hn_event ev0;
  assert_int_equal(hn_event_init(&ev0, d0), HN_OK);
  hn_decode_error err0 = {0, NULL};
  assert_int_equal(hn_decode(d0, line, len, &ev0, &err0), st);
  if (st == HN_ERR_SYNTAX) {
    assert_int_equal(err0.offset, err->offset);
    assert_string_equal(err0.message, err->message);
  }
  hn_event_fini(&ev0);
  hn_decoder_destroy(d0);
  return st;
}

static void run_case(void **state) {
  const dec_case *c = *state;
  hn_decoder *d = make_decoder();
  hn_event ev;
  assert_int_equal(hn_event_init(&ev, d), HN_OK);
  hn_decode_error err = {0, NULL};
  /* the line goes through an exactly sized heap copy, so ASan sees any read past its end */
  size_t len = strlen(c->line);
  char *line = malloc(len ? len : 1);
  memcpy(line, c->line, len);
  hn_status st = decode_both(d, &ev, line, len, &err);
  char got[512];
  if (c->field) {
    if (st != HN_OK) fail_msg("malformed at %zu: %s", err.offset, err.message);
    render(&ev, field_index(c->field), got, sizeof got);
  } else {
    assert_int_equal(st, HN_ERR_SYNTAX);
    snprintf(got, sizeof got, "%zu %s", err.offset, err.message);
    for (size_t f = 0; f < NF; f++) assert_int_equal(ev.slots[f].n, 0);
  }
  assert_string_equal(got, c->want);
  free(line);
  hn_event_fini(&ev);
  hn_decoder_destroy(d);
}

/* ---- whole-event properties ---- */

static const char sample[] =
  "{\"@timestamp\":\"2024-05-14T09:12:03.123Z\",\"event\":{\"kind\":\"event\",\"category\":[\"process\"],"
  "\"type\":[\"start\"]},\"host\":{\"name\":\"ws-042\",\"os\":{\"family\":\"windows\"}},"
  "\"process\":{\"pid\":4688,\"name\":\"powershell.exe\",\"command_line\":\"powershell -enc SQBFAFgA\","
  "\"parent\":{\"pid\":812,\"name\":\"winword.exe\"}},\"user\":{\"name\":\"alice\"},"
  "\"dns\":{\"answers\":[{\"data\":\"1.2.3.4\"},{\"data\":\"5.6.7.8\"}]},\"ip\":\"10.0.0.5\",\"s\":\"caf\\u00e9\"}";

static void expect(const hn_event *ev, const char *label, const char *want) {
  char got[512];
  render(ev, field_index(label), got, sizeof got);
  assert_string_equal(got, want);
}

static void check_sample(const hn_event *ev) {
  expect(ev, "@timestamp", "t:1715677923123000000");
  expect(ev, "event.category", "\"process\"");
  expect(ev, "process.pid", "4688");
  expect(ev, "process.name", "\"powershell.exe\"");
  expect(ev, "process.parent.name", "\"winword.exe\"");
  expect(ev, "dns.answers.data", "\"1.2.3.4\",\"5.6.7.8\"");
  expect(ev, "ip", "ip:10.0.0.5/4");
  expect(ev, "s", "\"caf\\xc3\\xa9\"");
  expect(ev, "i", "-");
}

/* Every proper prefix of an event is malformed, is reported inside the prefix, and reads
 * nothing past it (each prefix is its own exactly sized allocation). */
static void test_truncated_at_every_offset(void **state) {
  (void)state;
  hn_decoder *d = make_decoder();
  hn_event ev;
  assert_int_equal(hn_event_init(&ev, d), HN_OK);
  size_t len = strlen(sample);
  for (size_t k = 0; k < len; k++) {
    char *p = malloc(k ? k : 1);
    memcpy(p, sample, k);
    hn_decode_error err = {0, NULL};
    assert_int_equal(decode_both(d, &ev, p, k, &err), HN_ERR_SYNTAX);
    assert_true(err.offset <= k);
    assert_non_null(err.message);
    free(p);
  }
  assert_int_equal(hn_decode(d, sample, len, &ev, NULL), HN_OK);
  check_sample(&ev);
  hn_event_fini(&ev);
  hn_decoder_destroy(d);
}

/* Strings without escapes borrow from the line; decoded ones live in scratch. */
static void test_string_storage(void **state) {
  (void)state;
  hn_decoder *d = make_decoder();
  hn_event ev;
  assert_int_equal(hn_event_init(&ev, d), HN_OK);
  const char *line = "{\"s\":\"plain\",\"process\":{\"name\":\"a\\tb\"},\"x\":7}";
  assert_int_equal(hn_decode(d, line, strlen(line), &ev, NULL), HN_OK);
  const hn_value *s = &ev.values[ev.slots[field_index("s")].first];
  assert_ptr_equal(s->u.s, line + 6);
  const hn_value *pn = &ev.values[ev.slots[field_index("process.name")].first];
  assert_true(pn->u.s >= ev.scratch && pn->u.s + pn->len <= ev.scratch + ev.scratch_len);
  const hn_value *x = &ev.values[ev.slots[field_index("x")].first];
  assert_ptr_equal(x->u.s, strstr(line, "7}"));
  assert_int_equal(x->len, 1);
  hn_event_fini(&ev);
  hn_decoder_destroy(d);
}

/* A new event replaces everything of the previous one. */
static void test_event_reuse(void **state) {
  (void)state;
  hn_decoder *d = make_decoder();
  hn_event ev;
  assert_int_equal(hn_event_init(&ev, d), HN_OK);
  assert_int_equal(hn_decode(d, sample, strlen(sample), &ev, NULL), HN_OK);
  const char *other = "{\"i\":3}";
  assert_int_equal(hn_decode(d, other, strlen(other), &ev, NULL), HN_OK);
  expect(&ev, "i", "3");
  expect(&ev, "process.name", "-");
  expect(&ev, "dns.answers.data", "-");
  assert_int_equal(ev.n_values, 1);
  assert_int_equal(hn_decode(d, "{", 1, &ev, NULL), HN_ERR_SYNTAX);
  expect(&ev, "i", "-");
  assert_int_equal(ev.n_values, 0);
  assert_int_equal(hn_decode(d, sample, strlen(sample), &ev, NULL), HN_OK);
  check_sample(&ev);
  hn_event_fini(&ev);
  hn_decoder_destroy(d);
}

static char *nested(const char *key, int depth, const char *inner) {
  size_t il = strlen(inner), kl = strlen(key);
  char *s = malloc(kl + il + 2 * (size_t)depth + 8);
  char *w = s;
  w += sprintf(w, "{\"%s\":", key);
  for (int i = 0; i < depth; i++) *w++ = '[';
  memcpy(w, inner, il);
  w += il;
  for (int i = 0; i < depth; i++) *w++ = ']';
  *w++ = '}';
  *w = 0;
  return s;
}

/* The event's object counts as one level: 511 arrays inside it make 512 (fine), 512 do not. */
static void test_depth(void **state) {
  (void)state;
  hn_decoder *d = make_decoder();
  hn_event ev;
  assert_int_equal(hn_event_init(&ev, d), HN_OK);
  static const struct { const char *key; int depth; hn_status want; } rows[] = {
    {"zz", 500, HN_OK}, {"zz", 511, HN_OK}, {"zz", 512, HN_ERR_SYNTAX}, {"zz", 600, HN_ERR_SYNTAX},
    {"s", 500, HN_OK},  {"s", 511, HN_OK},  {"s", 512, HN_ERR_SYNTAX},  {"s", 600, HN_ERR_SYNTAX},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    char *line = nested(rows[i].key, rows[i].depth, "\"x\"");
    hn_decode_error err = {0, NULL};
    assert_int_equal(decode_both(d, &ev, line, strlen(line), &err), rows[i].want);
    if (rows[i].want == HN_OK && strcmp(rows[i].key, "s") == 0) expect(&ev, "s", "\"x\"");
    if (rows[i].want != HN_OK) {
      assert_string_equal(err.message, "nesting deeper than 512");
      assert_int_equal(err.offset, strlen(rows[i].key) + 4 + 511); /* the 512th bracket */
    }
    free(line);
  }
  /* deep objects, skipped and matched */
  for (int matched = 0; matched < 2; matched++) {
    for (int depth = 500; depth <= 600; depth += 100) {
      size_t cap = (size_t)depth * 8 + 32;
      char *line = malloc(cap), *w = line;
      for (int k = 0; k < depth; k++) w += sprintf(w, "{\"%s\":", matched && k == 0 ? "a" : "b");
      w += sprintf(w, "1");
      for (int k = 0; k < depth; k++) *w++ = '}';
      *w = 0;
      hn_decode_error err = {0, NULL};
      assert_int_equal(decode_both(d, &ev, line, strlen(line), &err), depth == 500 ? HN_OK : HN_ERR_SYNTAX);
      free(line);
    }
  }
  hn_event_fini(&ev);
  hn_decoder_destroy(d);
}

/* A 1 MB string, a 1 MB string full of escapes, and a 1 MB array of numbers. */
static void test_megabyte_lines(void **state) {
  (void)state;
  enum { MB = 1 << 20 };
  hn_decoder *d = make_decoder();
  hn_event ev;
  assert_int_equal(hn_event_init(&ev, d), HN_OK);
  char *line = malloc(MB + 64);
  /* plain */
  size_t n = (size_t)sprintf(line, "{\"s\":\"");
  memset(line + n, 'x', MB);
  n += MB;
  n += (size_t)sprintf(line + n, "\"}");
  assert_int_equal(hn_decode(d, line, n, &ev, NULL), HN_OK);
  const hn_value *v = &ev.values[ev.slots[0].first];
  assert_int_equal(v->len, MB);
  assert_ptr_equal(v->u.s, line + 6);
  /* escapes: half a million \n decode to as many bytes in scratch */
  n = (size_t)sprintf(line, "{\"s\":\"");
  for (size_t k = 0; k < MB / 2; k++) line[n++] = '\\', line[n++] = 'n';
  n += (size_t)sprintf(line + n, "\"}");
  assert_int_equal(hn_decode(d, line, n, &ev, NULL), HN_OK);
  v = &ev.values[ev.slots[0].first];
  assert_int_equal(v->len, MB / 2);
  assert_true(v->u.s[0] == '\n' && v->u.s[MB / 2 - 1] == '\n');
  /* numbers: 1,1,1,... */
  n = (size_t)sprintf(line, "{\"i\":[");
  size_t count = 0;
  while (n < MB) line[n++] = '1', line[n++] = ',', count++;
  line[n++] = '2';
  count++;
  n += (size_t)sprintf(line + n, "]}");
  assert_int_equal(hn_decode(d, line, n, &ev, NULL), HN_OK);
  const hn_slot *sl = &ev.slots[field_index("i")];
  assert_int_equal(sl->n, count);
  assert_int_equal(ev.values[sl->first + sl->n - 1].u.i, 2);
  free(line);
  hn_event_fini(&ev);
  hn_decoder_destroy(d);
}

/* ---- allocation ---- */

typedef struct counting { long calls, fail_at; } counting;

static void *counting_alloc(void *ud, void *ptr, size_t old_size, size_t new_size) {
  counting *c = ud;
  (void)old_size;
  if (new_size == 0) {
    free(ptr);
    return NULL;
  }
  if (++c->calls == c->fail_at) return NULL;
  return realloc(ptr, new_size);
}

/* Once warm, decoding allocates nothing. */
static void test_no_allocation_when_warm(void **state) {
  (void)state;
  counting c = {0, -1};
  hn_field_spec spec[NF];
  for (size_t i = 0; i < NF; i++) spec[i] = fields[i].spec;
  hn_decoder *d = hn_decoder_create_alloc(spec, NF, counting_alloc, &c, NULL);
  hn_event ev;
  assert_int_equal(hn_event_init(&ev, d), HN_OK);
  assert_int_equal(hn_decode(d, sample, strlen(sample), &ev, NULL), HN_OK);
  long warm = c.calls;
  for (int i = 0; i < 100; i++) {
    assert_int_equal(hn_decode(d, sample, strlen(sample), &ev, NULL), HN_OK);
    check_sample(&ev);
  }
  assert_int_equal(c.calls, warm);
  hn_event_fini(&ev);
  hn_decoder_destroy(d);
}

/* Fail the 1st, 2nd, ... allocation until none fails: every failure is HN_ERR_NOMEM and
 * leaks nothing (ASan's leak check), and the event stays usable. */
static void test_allocation_failures(void **state) {
  (void)state;
  hn_field_spec spec[NF];
  for (size_t i = 0; i < NF; i++) spec[i] = fields[i].spec;
  const char *line = "{\"s\":\"a\\tb\",\"i\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20],"
                     "\"dns\":{\"answers\":[{\"data\":\"\\u00e9\"}]}}";
  for (long n = 1;; n++) {
    counting c = {0, n};
    hn_status st;
    hn_decoder *d = hn_decoder_create_alloc(spec, NF, counting_alloc, &c, &st);
    if (!d) {
      assert_int_equal(st, HN_ERR_NOMEM);
      continue;
    }
    hn_event ev;
    st = hn_event_init(&ev, d);
    if (st != HN_OK) {
      assert_int_equal(st, HN_ERR_NOMEM);
      hn_decoder_destroy(d);
      continue;
    }
    st = hn_decode(d, line, strlen(line), &ev, NULL);
    int done = c.calls < n;
    if (st != HN_OK) {
      assert_int_equal(st, HN_ERR_NOMEM);
      assert_int_equal(ev.n_values, 0);
      c.fail_at = -1;
      assert_int_equal(hn_decode(d, line, strlen(line), &ev, NULL), HN_OK);
    }
    expect(&ev, "i", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20");
    expect(&ev, "s", "\"a\\x09b\"");
    hn_event_fini(&ev);
    hn_decoder_destroy(d);
    if (done) break;
  }
}

static void test_create_errors(void **state) {
  (void)state;
  static const char *bad[] = {"", ".a", "a.", "a..b", ".", "`a", "``", "a.``", "`a`b", "a`b`", "a.`b", "`a`."};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    hn_field_spec f = {bad[i], HN_FT_STRING};
    hn_status st = HN_OK;
    assert_null(hn_decoder_create(&f, 1, &st));
    assert_int_equal(st, HN_ERR_USAGE);
  }
  hn_field_spec f = {"a", (hn_ftype)99};
  hn_status st = HN_OK;
  assert_null(hn_decoder_create(&f, 1, &st));
  assert_int_equal(st, HN_ERR_USAGE);
  /* an event belongs to its decoder */
  hn_decoder *d1 = make_decoder(), *d2 = make_decoder();
  hn_event ev;
  assert_int_equal(hn_event_init(&ev, d1), HN_OK);
  assert_int_equal(hn_decode(d2, "{}", 2, &ev, NULL), HN_ERR_USAGE);
  hn_event_fini(&ev);
  hn_decoder_destroy(d1);
  hn_decoder_destroy(d2);
  hn_decoder_destroy(NULL);
  hn_event_fini(NULL);
}

/* Floats read '.' whatever LC_NUMERIC says (the slow strtod path included). */
static void test_locale_independent(void **state) {
  (void)state;
  const char *loc = setlocale(LC_NUMERIC, "de_DE.UTF-8");
  if (!loc) loc = setlocale(LC_NUMERIC, "fr_FR.UTF-8");
  if (!loc) skip();
  hn_decoder *d = make_decoder();
  hn_event ev;
  assert_int_equal(hn_event_init(&ev, d), HN_OK);
  const char *line = "{\"f\":1.2345678901234567890}";
  assert_int_equal(hn_decode(d, line, strlen(line), &ev, NULL), HN_OK);
  assert_true(ev.values[0].u.f > 1.23 && ev.values[0].u.f < 1.24);
  setlocale(LC_NUMERIC, "C");
  hn_event_fini(&ev);
  hn_decoder_destroy(d);
}

int main(void) {
  enum { N = sizeof cases / sizeof cases[0] };
  static const struct CMUnitTest extra[] = {
    cmocka_unit_test(test_truncated_at_every_offset),
    cmocka_unit_test(test_string_storage),
    cmocka_unit_test(test_event_reuse),
    cmocka_unit_test(test_depth),
    cmocka_unit_test(test_megabyte_lines),
    cmocka_unit_test(test_no_allocation_when_warm),
    cmocka_unit_test(test_allocation_failures),
    cmocka_unit_test(test_create_errors),
    cmocka_unit_test(test_locale_independent),
  };
  enum { NX = sizeof extra / sizeof extra[0] };
  struct CMUnitTest tests[N + NX];
  for (size_t i = 0; i < N; i++)
    tests[i] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
  for (size_t i = 0; i < NX; i++) tests[N + i] = extra[i];
  return _cmocka_run_group_tests("decode", tests, N + NX, NULL, NULL);
}
