/* assets.c - inventory lookups (see assets.h). Names are keyed by their ASCII-lowercased
 * bytes; addresses by [v6, prefix, network bytes], probed once per prefix length present,
 * longest first, after the exact addresses.
 * Depends on program.h and text.h. */
#include "assets.h"
#include "alloc.h"
#include <stdlib.h>
#include <string.h>
#include "text.h"

enum { AMBIGUOUS = UINT32_MAX - 1 };

typedef struct slot {
  uint64_t h;
  uint32_t klen, value;  /* value + 1 in a used slot */
  char key[18];          /* addresses; names point into the program (below) */
  const char *name;
} slot;

typedef struct table {
  slot *s;
  uint32_t cap, n;
} table;

struct hn_inventory_index {
  table names, labels, users, addrs;
  uint8_t plen[2][129];  /* prefix lengths of the hosts' cidrs, longest first */
  uint8_t n_plen[2];
  uint8_t rlen[2][129];  /* and of the organisation's ranges (keyed with v6 | 2) */
  uint8_t n_rlen[2];
};

/* Adds a prefix length to a list kept longest first. */
static void add_len(uint8_t *lens, uint8_t *n, uint8_t prefix) {
  for (unsigned j = 0; j < *n; j++)
    if (lens[j] == prefix) return;
  unsigned j = (*n)++;
  for (; j && lens[j - 1] < prefix; j--) lens[j] = lens[j - 1];
  lens[j] = prefix;
}

static bool eq_fold(const char *a, const char *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x >= 'A' && x <= 'Z') x += 32;
    if (y >= 'A' && y <= 'Z') y += 32;
    if (x != y) return false;
  }
  return true;
}

static uint64_t hash_fold(const char *s, size_t n) {
  char buf[256];
  uint64_t h = 0x51ED27A3C4F0B1D9ull;
  for (size_t i = 0; i < n; i += sizeof buf) {
    size_t k = n - i < sizeof buf ? n - i : sizeof buf;
    for (size_t j = 0; j < k; j++) buf[j] = (char)(s[i + j] >= 'A' && s[i + j] <= 'Z' ? s[i + j] + 32 : s[i + j]);
    h = hn_hash_mix(h ^ hn_hash_bytes(buf, k), 0x9E3779B97F4A7C15ull);
  }
  return h;
}

static bool t_init(table *t, uint32_t n) {
  t->cap = 16;
  while (t->cap < n * 2 + 2) t->cap *= 2;
  t->s = hn_calloc(t->cap, sizeof *t->s);
  t->n = 0;
  return t->s != NULL;
}

/* Finds the slot of a key: a name (folded compare) or bytes (exact). */
static slot *t_find(const table *t, uint64_t h, const char *key, uint32_t len, bool name) {
  if (!t->cap) return NULL;
  for (uint32_t i = (uint32_t)h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
    slot *s = &t->s[i];
    if (!s->value) return s;
    if (s->h == h && s->klen == len && (name ? eq_fold(s->name, key, len) : memcmp(s->key, key, len) == 0)) return s;
  }
}

/* Puts key -> v; a second, different value for a key makes it AMBIGUOUS when `mark`. */
static void t_put(table *t, uint64_t h, const char *key, uint32_t len, bool name, uint32_t v, bool mark) {
  slot *s = t_find(t, h, key, len, name);
  if (s->value) {
    if (mark && s->value - 1 != v) s->value = AMBIGUOUS + 1;
    return;
  }
  s->h = h;
  s->klen = len;
  s->value = v + 1;
  if (name) s->name = key;
  else memcpy(s->key, key, len);
  t->n++;
}

static uint32_t addr_key(char *key, const uint8_t *ip, bool v6, unsigned prefix) {
  unsigned n = v6 ? 16 : 4;
  key[0] = (char)v6;
  key[1] = (char)prefix;
  memset(key + 2, 0, n);
  for (unsigned b = 0; b < prefix; b++)
    if (ip[b / 8] & (0x80u >> (b % 8))) key[2 + b / 8] = (char)(key[2 + b / 8] | (0x80u >> (b % 8)));
  return 2 + n;
}

hn_status hn_inventory_build(hn_program *p) {
  struct hn_inventory_index *x = hn_calloc(1, sizeof *x);
  if (!x) return HN_ERR_NOMEM;
  p->inventory = x;
  if (!t_init(&x->names, p->n_assets) || !t_init(&x->labels, p->n_assets) || !t_init(&x->users, p->n_identities) ||
      !t_init(&x->addrs, p->n_asset_addrs + p->n_ranges))
    return HN_ERR_NOMEM;
  for (uint32_t i = 0; i < p->n_assets; i++) {
    const char *nm = p->assets[i].name;
    size_t n = strlen(nm);
    t_put(&x->names, hash_fold(nm, n), nm, (uint32_t)n, true, i, false);
    const char *dot = memchr(nm, '.', n);
    size_t ln = dot ? (size_t)(dot - nm) : n; /* ws-0142.acme.local and WS-0142 are one host */
    t_put(&x->labels, hash_fold(nm, ln), nm, (uint32_t)ln, true, i, true);
  }
  for (uint32_t i = 0; i < p->n_identities; i++) {
    const char *nm = p->identities[i].name;
    t_put(&x->users, hash_fold(nm, strlen(nm)), nm, (uint32_t)strlen(nm), true, i, false);
  }
  for (uint32_t i = 0; i < p->n_asset_addrs; i++) {
    const hn_asset_addr *a = &p->asset_addrs[i];
    char key[18];
    /* exact addresses first: a range's /32 is a different key (cidr flag in the prefix byte) */
    unsigned prefix = a->cidr ? a->prefix : 255;
    uint32_t kn = addr_key(key, a->ip, a->v6, a->cidr ? a->prefix : (a->v6 ? 128 : 32));
    key[1] = (char)prefix;
    t_put(&x->addrs, hn_hash_bytes(key, kn), key, kn, false, a->asset, false);
    if (a->cidr) add_len(x->plen[a->v6], &x->n_plen[a->v6], a->prefix);
  }
  for (uint32_t i = 0; i < p->n_ranges; i++) {
    const hn_range *g = &p->ranges[i];
    char key[18];
    uint32_t kn = addr_key(key, g->ip, g->v6, g->prefix);
    key[0] = (char)(g->v6 | 2);
    t_put(&x->addrs, hn_hash_bytes(key, kn), key, kn, false, i, false);
    add_len(x->rlen[g->v6], &x->n_rlen[g->v6], g->prefix);
  }
  return HN_OK;
}

void hn_inventory_free(hn_program *p) {
  struct hn_inventory_index *x = p->inventory;
  if (!x) return;
  hn_free(x->names.s);
  hn_free(x->labels.s);
  hn_free(x->users.s);
  hn_free(x->addrs.s);
  hn_free(x);
  p->inventory = NULL;
}

uint32_t hn_asset_by_ip(const hn_program *p, const uint8_t *ip, bool v6) {
  const struct hn_inventory_index *x = p->inventory;
  if (!x || !x->addrs.n) return HN_NO_ASSET;
  char key[18];
  uint32_t kn = addr_key(key, ip, v6, v6 ? 128 : 32);
  key[1] = (char)255;
  const slot *s = t_find(&x->addrs, hn_hash_bytes(key, kn), key, kn, false);
  if (s && s->value) return s->value - 1;
  for (unsigned j = 0; j < x->n_plen[v6]; j++) {
    kn = addr_key(key, ip, v6, x->plen[v6][j]);
    s = t_find(&x->addrs, hn_hash_bytes(key, kn), key, kn, false);
    if (s && s->value) return s->value - 1;
  }
  return HN_NO_ASSET;
}

uint32_t hn_range_by_ip(const hn_program *p, const uint8_t *ip, bool v6) {
  const struct hn_inventory_index *x = p->inventory;
  if (!x) return HN_NO_ASSET;
  char key[18];
  for (unsigned j = 0; j < x->n_rlen[v6]; j++) {
    uint32_t kn = addr_key(key, ip, v6, x->rlen[v6][j]);
    key[0] = (char)(v6 | 2);
    const slot *s = t_find(&x->addrs, hn_hash_bytes(key, kn), key, kn, false);
    if (s && s->value) return s->value - 1;
  }
  return HN_NO_ASSET;
}

uint32_t hn_asset_by_name(const hn_program *p, const char *name, size_t len) {
  const struct hn_inventory_index *x = p->inventory;
  if (!x || !len) return HN_NO_ASSET;
  const slot *s = t_find(&x->names, hash_fold(name, len), name, (uint32_t)len, true);
  if (s && s->value) return s->value - 1;
  const char *dot = memchr(name, '.', len);
  size_t ln = dot ? (size_t)(dot - name) : len;
  s = t_find(&x->labels, hash_fold(name, ln), name, (uint32_t)ln, true);
  if (s && s->value && s->value - 1 != AMBIGUOUS) return s->value - 1;
  return HN_NO_ASSET;
}

uint32_t hn_identity_by_name(const hn_program *p, const char *name, size_t len) {
  const struct hn_inventory_index *x = p->inventory;
  if (!x || !len) return HN_NO_ASSET;
  const slot *s = t_find(&x->users, hash_fold(name, len), name, (uint32_t)len, true);
  return s && s->value ? s->value - 1 : HN_NO_ASSET;
}
