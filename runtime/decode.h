/* decode.h - the event decoder (internal to libhornet): one JSON Lines event into typed values
 * for the fields the rules reference, without building a tree. Must not depend on the compiler.
 *
 * Semantics are lang/SPEC.md §4.4-4.6 and §5.4-5.6: a dotted path matches nested objects,
 * dotted keys and every mixed split; the last spelling or duplicate key in document order
 * wins; arrays (and arrays of objects on the path) give one value per element, flattened,
 * with null elements dropped; each value is coerced to the field's declared type or marked
 * HN_V_BAD (a mismatch). A line that is not exactly one JSON object is malformed.
 *
 * Ownership: a hn_decoder owns a copy of its field paths and is immutable once created, so
 * threads may share it. A hn_event lives in the caller's storage and owns its buffers; each
 * thread decodes into its own hn_event. Decoded strings borrow from the line passed to
 * hn_decode or from the event's scratch, and stay valid until the next hn_decode on that event
 * or until the line is freed, whichever comes first. */
#ifndef HORNET_RUNTIME_DECODE_H
#define HORNET_RUNTIME_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include "hornet/hornet.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Containers may nest this deep (the event's own object counts as 1); deeper is malformed. */
#define HN_DECODE_MAX_DEPTH 512

/* The declared type of a field (lang/SPEC.md §4.1). It decides the run-time coercion (§4.4). */
typedef enum hn_ftype {
  HN_FT_STRING,  /* string as is; number: its JSON text; true/false: "true"/"false" */
  HN_FT_INT,     /* integral number in int64 (1.0, 1e3 too); string -?[0-9]+ in range */
  HN_FT_FLOAT,   /* number, or a string holding a JSON number; overflow (1e309) is BAD */
  HN_FT_BOOL,    /* true/false only: a string is a mismatch (§4.4) */
  HN_FT_IP,      /* string IPv4/IPv6 (hn_ip_parse); zone dropped, v4-mapped is v4 */
  HN_FT_CIDR,    /* string "addr/len" or a bare address (hn_cidr_parse), kept as HN_V_STRING */
  HN_FT_TIME,    /* timestamp string (hn_time_parse), or an epoch number / digit string */
  HN_FT_DURATION, /* number: nanoseconds; string: duration literal ("1h30m"); HN_V_INT */
  HN_FT_ANYSTR    /* not a field: every string value of the event (keys excluded), at any
                   * depth and inside arrays, unescaped, in document order, as one list
                   * (lang/SPEC.md §6.20); its path is not looked up ("*" by convention) */
} hn_ftype;

/* One requested field. `path` is written as in the schema ("process.parent.name",
 * "@timestamp", "http.headers.`X-Forwarded-For`", "zeek.`id.orig_h`"): the backquotes are
 * syntax, not part of the key; a dot outside backquotes is any split of the key into JSON keys,
 * a dot inside them only ever a dot within one key (lang/SPEC.md §5.4). Several specs may name
 * the same path, with the same or different types. */
typedef struct hn_field_spec {
  const char *path;
  hn_ftype type;
} hn_field_spec;

/* hn_vkind and hn_value, the values decoded, are public: hornet/hornet.h. */

/* Set in hn_slot.flags when the field's value was a JSON array: with n == 0 it tells an empty
 * array (the field exists, §4.6) from a missing field. */
#define HN_SLOT_ARRAY 1u

/* The values of field i of the spec list: ev->values[first .. first + n), in document order.
 * n == 0 without HN_SLOT_ARRAY: the field is missing. A scalar null is one HN_V_NULL value. */
typedef struct hn_slot {
  uint32_t n, first;
  uint32_t flags;
} hn_slot;

/* Private to decode.c. */
struct hn_dec_rec;
struct hn_dec_fstate;
struct hn_dec_level;
struct hn_dec_frame;
struct hn_dec_olevel;
struct hn_decoder;

/* Lua-style allocation hook: new_size 0 frees and returns NULL; otherwise like realloc. */
typedef void *(*hn_decode_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);

/* The decoded event. The public part is read-only for callers; buffers persist across
 * hn_decode calls so that a warm event decodes without allocating. */
typedef struct hn_event {
  hn_slot *slots;          /* one per field spec, in spec order */
  size_t n_slots;
  hn_value *values;
  size_t n_values, cap_values;
  char *scratch;           /* unescaped or repaired strings; grows to at most 3x the longest line
                            * (9x with an HN_FT_ANYSTR field: every string is decoded again) */
  size_t scratch_len, scratch_cap;
  /* private */
  const struct hn_decoder *dec;
  hn_decode_alloc_fn alloc;
  void *alloc_ud;
  struct hn_dec_rec *recs; /* values in document order, chained per field */
  size_t n_recs, cap_recs;
  struct hn_dec_fstate *fst;
  uint32_t *touched;       /* fields reached by the current event */
  size_t n_touched;
  uint32_t gen;
  struct hn_dec_level *levels;
  size_t n_levels;
  struct hn_dec_frame *frames;
  struct hn_dec_olevel *ostack;
} hn_event;

/* Where and why a line is malformed. `message` is a static string. */
typedef struct hn_decode_error {
  size_t offset; /* bytes from the start of the line passed to hn_decode */
  const char *message;
} hn_decode_error;

typedef struct hn_decoder hn_decoder;

/* Builds a decoder for `n` fields (the paths are copied). NULL on failure with *st set:
 * HN_ERR_USAGE for an empty path, an empty segment ("a..b") or an unknown type,
 * HN_ERR_NOMEM. `st` may be NULL. */
hn_decoder *hn_decoder_create(const hn_field_spec *fields, size_t n, hn_status *st);

/* As hn_decoder_create, allocating through `alloc` (events initialised from this decoder use
 * it too). */
hn_decoder *hn_decoder_create_alloc(const hn_field_spec *fields, size_t n, hn_decode_alloc_fn alloc,
                                    void *ud, hn_status *st);

/* Frees the decoder; NULL is fine. Events made from it must be finalised first. */
void hn_decoder_destroy(hn_decoder *d);

/* Prepares `ev` (caller's storage) to receive events from `d`. HN_OK or HN_ERR_NOMEM (then
 * `ev` needs no hn_event_fini, though calling it is harmless). */
hn_status hn_event_init(hn_event *ev, const hn_decoder *d);

/* Frees the event's buffers; the storage itself stays the caller's. Safe after a failed init
 * if the event was zeroed or init failed. */
void hn_event_fini(hn_event *ev);

/* Decodes one line (without its newline; one trailing \r and a leading UTF-8 BOM are
 * ignored) into `ev`, replacing its previous contents. Returns HN_OK; HN_ERR_SYNTAX when the
 * line is not exactly one JSON object, with *err filled (err may be NULL) and every slot
 * empty; HN_ERR_NOMEM when a buffer could not grow (every slot empty); HN_ERR_USAGE when `ev`
 * was initialised for another decoder or the line is 4 GiB or longer. Never reads line[len]. */
hn_status hn_decode(const hn_decoder *d, const char *line, size_t len, hn_event *ev, hn_decode_error *err);

#ifdef __cplusplus
}
#endif
#endif
