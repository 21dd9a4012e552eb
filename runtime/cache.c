/* cache.c - the content-keyed cache of compiled artefacts (see cache.h).
 * A file: the key text, then HN_CACHE_MAGIC, the payload's length and its checksum (seeded
 * with the key's), then the payload. Depends on libc and ckpt.h's checksum only. */
#include "cache.h"
#include "alloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ckpt.h"

#define HN_CACHE_MAGIC "HNCACHE1"
/* Files of this layout have names of their own: a hornet that wrote the key and payload alone
 * would read these as damaged payloads, and the other way round. */
#define HN_CACHE_PREFIX "c1-"

typedef struct cache_head {
  char magic[8];
  uint64_t len, sum;
} cache_head;

uint64_t hn_cache_hash(uint64_t h, const void *data, size_t n) {
  const unsigned char *s = data;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ull;
  return h;
}

int hn_cache_dir(char *out, size_t n) {
  const char *d = getenv("HORNET_CACHE_DIR");
  if (d && strcmp(d, "off") == 0) return -1;
  if (d && *d) snprintf(out, n, "%s", d);
  else if ((d = getenv("XDG_CACHE_HOME")) && *d) snprintf(out, n, "%s/hornet", d);
  else if ((d = getenv("HOME")) && *d) snprintf(out, n, "%s/.cache/hornet", d);
  else return -1;
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s", out);
  for (char *q = tmp + 1; *q; q++)
    if (*q == '/') {
      *q = 0;
      mkdir(tmp, 0755);
      *q = '/';
    }
  return mkdir(tmp, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

static uint64_t payload_sum(const char *key, const void *data, size_t len) {
  return hn_ck_sum(hn_ck_sum(0, key, strlen(key)), data, len);
}

/* The whole file at path (*n bytes, malloc'd), or NULL. */
static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  struct stat sb;
  char *b = NULL;
  if (fstat(fileno(f), &sb) == 0 && sb.st_size >= 0 && (b = hn_malloc((size_t)sb.st_size + 1)) != NULL) {
    *n = fread(b, 1, (size_t)sb.st_size, f);
    if (ferror(f) || *n != (size_t)sb.st_size) {
      hn_free(b);
      b = NULL;
    }
  }
  fclose(f);
  return b;
}

char *hn_cache_read(const char *name, const char *key, size_t *len) {
  char dir[1024], path[1400];
  if (hn_cache_dir(dir, sizeof dir) != 0) return NULL;
  snprintf(path, sizeof path, "%s/" HN_CACHE_PREFIX "%s", dir, name);
  size_t n = 0, kl = strlen(key);
  char *b = slurp(path, &n);
  if (!b) return NULL;
  cache_head h;
  bool whole = n >= kl + sizeof h && memcmp(b, key, kl) == 0;
  if (whole) {
    memcpy(&h, b + kl, sizeof h);
    whole = memcmp(h.magic, HN_CACHE_MAGIC, 8) == 0 && h.len == n - kl - sizeof h &&
            h.sum == payload_sum(key, b + kl + sizeof h, h.len);
  }
  if (!whole) { /* damaged, or another key under the same name: built again and rewritten */
    hn_free(b);
    remove(path);
    return NULL;
  }
  memmove(b, b + kl + sizeof h, h.len);
  *len = h.len;
  return b;
}

void hn_cache_write(const char *name, const char *key, const void *data, size_t len) {
  char dir[1024], path[1400], tmp[1500];
  if (hn_cache_dir(dir, sizeof dir) != 0) return;
  snprintf(path, sizeof path, "%s/" HN_CACHE_PREFIX "%s", dir, name);
  snprintf(tmp, sizeof tmp, "%s.XXXXXX", path); /* one per writer: two threads may write one entry */
  int fd = mkstemp(tmp);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (!f) {
    if (fd >= 0) { close(fd); remove(tmp); }
    return;
  }
  cache_head h;
  memcpy(h.magic, HN_CACHE_MAGIC, 8);
  h.len = len;
  h.sum = payload_sum(key, data, len);
  int ok = fwrite(key, 1, strlen(key), f) == strlen(key) && fwrite(&h, sizeof h, 1, f) == 1 && fwrite(data, 1, len, f) == len;
  ok = fclose(f) == 0 && ok;
  /* readers see a whole file or none; after a crash the checksum catches what did not reach
   * the disk, so the cache costs no fsync */
  if (!ok || rename(tmp, path) != 0) remove(tmp);
}

void hn_cache_discard(const char *name) {
  char dir[1024], path[1400];
  if (hn_cache_dir(dir, sizeof dir) != 0) return;
  snprintf(path, sizeof path, "%s/" HN_CACHE_PREFIX "%s", dir, name);
  remove(path);
}
