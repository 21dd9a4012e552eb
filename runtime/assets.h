/* assets.h - lookups in the program's inventories (lang/SPEC.md §14.1-14.2): an address to the
 * host listing it, else to the host whose range holds it with the longest prefix; a host name
 * case-insensitively, else by its first label when that label is unique; a user name
 * case-insensitively. Built once per program; each lookup is a few hash probes, cheap enough
 * for every alert of a stream.
 * Depends on program.h and text.h. */
#ifndef HN_ASSETS_H
#define HN_ASSETS_H
#include "program.h"

enum { HN_NO_ASSET = UINT32_MAX };

hn_status hn_inventory_build(hn_program *p);
void hn_inventory_free(hn_program *p);

/* The host of an address (ip: 4 or 16 bytes), or HN_NO_ASSET. */
uint32_t hn_asset_by_ip(const hn_program *p, const uint8_t *ip, bool v6);
/* The host of a name (any case; a full name or its unique first label), or HN_NO_ASSET. */
uint32_t hn_asset_by_name(const hn_program *p, const char *name, size_t len);
/* The organisation's range holding an address, the narrowest, or HN_NO_ASSET. */
uint32_t hn_range_by_ip(const hn_program *p, const uint8_t *ip, bool v6);
/* The identity of a user name (any case), or HN_NO_ASSET. */
uint32_t hn_identity_by_name(const hn_program *p, const char *name, size_t len);
#endif
