/* cache.c - the content-keyed cache of compiled artefacts (see cache.h).
 * Depends on libc only. */
#include "cache.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

char *hn_cache_read(const char *name, const char *key, size_t *len) {
  char dir[1024], path[1400];
  if (hn_cache_dir(dir, sizeof dir) != 0) return NULL;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t kl = strlen(key);
  char *head = malloc(kl + 1);
  char *data = NULL;
  if (head && fread(head, 1, kl, f) == kl && memcmp(head, key, kl) == 0) {
    size_t cap = 1 << 16, n = 0;
    data = malloc(cap);
    while (data) {
      n += fread(data + n, 1, cap - n, f);
      if (n < cap) break;
      char *d2 = realloc(data, cap *= 2);
      if (!d2) { free(data); data = NULL; }
      else data = d2;
    }
    if (data && ferror(f)) { free(data); data = NULL; }
    *len = n;
  }
  free(head);
  fclose(f);
  return data;
}

void hn_cache_write(const char *name, const char *key, const void *data, size_t len) {
  char dir[1024], path[1400], tmp[1500];
  if (hn_cache_dir(dir, sizeof dir) != 0) return;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (!f) return;
  int ok = fwrite(key, 1, strlen(key), f) == strlen(key) && fwrite(data, 1, len, f) == len;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) remove(tmp); /* readers see a whole file or none */
}
