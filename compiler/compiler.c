/* compiler.c - the public compiler object: options, loading files into packs, resolving
 * imports on the search path, and running the checks.
 * Depends on the parser (hnc_parse) and sema.c; nothing in runtime/ but hornet.h. */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "pack.h"

#ifndef HN_STDLIB_DIR
#define HN_STDLIB_DIR "stdlib"
#endif
#ifndef HN_STDLIB_REL
#define HN_STDLIB_REL "../share/hornet/stdlib"
#endif

/* The stdlib when none is set: $HORNET_STDLIB, else HN_STDLIB_REL from the running program's
 * directory (bin/../share/hornet/stdlib: where `cmake --install` puts it, whatever the
 * prefix), else the source tree's this was built from. buf holds PATH_MAX bytes. */
const char *hnc_stdlib_default(char *buf) {
  const char *env = getenv("HORNET_STDLIB");
  if (env && *env) return env;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe);
  if (n <= 0 || (size_t)n >= sizeof exe) return HN_STDLIB_DIR;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  struct stat st;
  if (slash && (size_t)(slash + 1 - exe) + sizeof HN_STDLIB_REL <= sizeof exe) {
    memcpy(slash + 1, HN_STDLIB_REL, sizeof HN_STDLIB_REL);
    if (realpath(exe, buf) && stat(buf, &st) == 0 && S_ISDIR(st.st_mode)) return buf;
  }
  return HN_STDLIB_DIR;
}

hnc_compiler *hnc_compiler_create(void) {
  hnc_compiler *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  hn_arena_init(&c->arena);
  size_t nw = 0;
  while (hnc_warning_names[nw]) nw++;
  c->wstate = hn_arena_alloc(&c->arena, nw + 1);
  char buf[PATH_MAX];
  const char *std = hnc_stdlib_default(buf);
  c->stdlib_dir = hn_arena_strndup(&c->arena, std, strlen(std));
  if (!c->wstate || !c->stdlib_dir) {
    hnc_compiler_destroy(c);
    return NULL;
  }
  return c;
}

void hnc_compiler_destroy(hnc_compiler *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n_packs; i++) {
    hnc_pack *p = c->packs[i];
    for (size_t j = 0; j < p->n_files; j++) free(p->files[j].comments.v);
    free(p->files);
  }
  free(c->packs);
  free(c->sources);
  free(c->diags);
  free(c->search);
  free(c->allowed);
  hn_arena_fini(&c->arena);
  free(c);
}

hn_status hnc_compiler_set_stdlib(hnc_compiler *c, const char *dir) {
  c->stdlib_dir = hn_arena_strndup(&c->arena, dir, strlen(dir));
  return c->stdlib_dir ? HN_OK : HN_ERR_NOMEM;
}

const char *hnc_compiler_stdlib(const hnc_compiler *c) { return c->stdlib_dir; }

hn_status hnc_compiler_add_search_dir(hnc_compiler *c, const char *dir) {
  char **v = realloc(c->search, (c->n_search + 1) * sizeof *v);
  if (!v) return HN_ERR_NOMEM;
  c->search = v;
  v[c->n_search] = hn_arena_strndup(&c->arena, dir, strlen(dir));
  if (!v[c->n_search]) return HN_ERR_NOMEM;
  c->n_search++;
  return HN_OK;
}

hn_status hnc_compiler_allow_path(hnc_compiler *c, const char *dir) {
  char **v = realloc(c->allowed, (c->n_allowed + 1) * sizeof *v);
  if (!v) return HN_ERR_NOMEM;
  c->allowed = v;
  v[c->n_allowed] = hn_arena_strndup(&c->arena, dir, strlen(dir));
  if (!v[c->n_allowed]) return HN_ERR_NOMEM;
  c->n_allowed++;
  return HN_OK;
}

hn_status hnc_compiler_warning_option(hnc_compiler *c, const char *opt) {
  if (strcmp(opt, "error") == 0) {
    c->werror = true;
    return HN_OK;
  }
  int state = 0;
  if (strncmp(opt, "no-", 3) == 0) { state = 1; opt += 3; }
  else if (strncmp(opt, "error=", 6) == 0) { state = 2; opt += 6; }
  int w = hnc_warning_index(opt);
  if (w < 0) return HN_ERR_USAGE;
  c->wstate[w] = (unsigned char)state;
  return HN_OK;
}

/* ---- packs ---------------------------------------------------------------------------- */
static hnc_pack *pack_new(hnc_compiler *c, const char *name, size_t len) {
  if (c->n_packs == c->cap_packs) {
    size_t cap = c->cap_packs ? c->cap_packs * 2 : 16;
    hnc_pack **v = realloc(c->packs, cap * sizeof *v);
    if (!v) return NULL;
    c->packs = v;
    c->cap_packs = cap;
  }
  hnc_pack *p = hn_arena_alloc(&c->arena, sizeof *p);
  if (!p) return NULL;
  p->name = hn_arena_strndup(&c->arena, name, len);
  c->packs[c->n_packs++] = p;
  return p;
}

hnc_pack *hnc_pack_find(hnc_compiler *c, const char *name, size_t len) {
  for (size_t i = 0; i < c->n_packs; i++)
    if (strlen(c->packs[i]->name) == len && memcmp(c->packs[i]->name, name, len) == 0)
      return c->packs[i];
  return NULL;
}

/* The N_PACK declaration of a file, reporting a misplaced or repeated one. */
static hnc_node *file_pack_decl(hnc_compiler *c, hnc_node *root) {
  hnc_node *found = NULL;
  int idx = 0;
  for (hnc_node *d = root ? root->list : NULL; d; d = d->next, idx++) {
    if (d->kind != N_PACK) continue;
    if (found) {
      hnc_error(c, d->loc, "duplicate-pack", "a file declares its pack only once");
      hnc_note_at(c, found->loc, "the pack was declared here");
      continue;
    }
    if (idx != 0)
      hnc_error(c, d->loc, "misplaced-pack", "the pack declaration must come first in the file");
    if (d->str && !hnc_pack_name_ok(d->str, d->len))
      hnc_error(c, d->loc, "bad-pack-name", "'%s' is not a pack name: a pack name is identifiers joined by '.'", d->str);
    found = d;
  }
  return found;
}

/* Parses one source and files it under its pack. `want` (when not NULL) is the pack name an
 * import expects there. Returns the pack, or NULL when out of memory. */
static hnc_pack *add_unit(hnc_compiler *c, int src, bool root) {
  hnc_file_unit u;
  memset(&u, 0, sizeof u);
  hnc_parse(c, src, &u);
  hnc_node *pd = file_pack_decl(c, u.root);
  const char *name = pd ? pd->str : c->sources[src].path;
  size_t len = pd ? pd->len : strlen(name);
  hnc_pack *p = hnc_pack_find(c, name, len);
  if (!p) {
    p = pack_new(c, name, len);
    if (!p) { free(u.comments.v); return NULL; }
    p->is_root = root;
    if (root) c->n_roots++;
  }
  if (pd) {
    const char *ver = pd->a ? pd->a->str : NULL;
    if (!p->decl) {
      p->decl = pd;
      p->version = ver;
    } else if (ver && p->version && strcmp(ver, p->version) != 0) {
      hnc_error(c, pd->a->loc, "pack-version", "pack '%s' is declared with version %s here and %s elsewhere",
                p->name, ver, p->version);
      hnc_note_at(c, p->decl->a->loc, "the other declaration");
    }
  }
  if (p->n_files == p->cap_files) {
    size_t cap = p->cap_files ? p->cap_files * 2 : 4;
    hnc_file_unit *v = realloc(p->files, cap * sizeof *v);
    if (!v) { free(u.comments.v); return NULL; }
    p->files = v;
    p->cap_files = cap;
  }
  p->files[p->n_files++] = u;
  return p;
}

/* The bytes of a file (malloc'd; not NUL-terminated); NULL with errno set when unreadable. */
char *hnc_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t k = fread(buf + n, 1, cap - n, f);
    n += k;
    if (n < cap) break;
    char *b = realloc(buf, cap * 2);
    if (!b) { free(buf); buf = NULL; break; }
    buf = b;
    cap *= 2;
  }
  int err = ferror(f);
  fclose(f);
  if (err) { free(buf); return NULL; }
  *len = n;
  return buf;
}

/* Reads a file into a pack; `dir` is the directory pack it belongs to (NULL: a pack of its own). */
static hnc_pack *add_file(hnc_compiler *c, const char *path, bool root, const char *dir, hn_status *st) {
  size_t len = 0;
  char *text = hnc_read_file(path, &len);
  if (!text) {
    char why[128];
    *st = HN_ERR_IO;
    hnc_error(c, hnc_loc_none(), "io", "cannot read '%s': %s", path, hnc_strerror(errno, why, sizeof why));
    return NULL;
  }
  int src = hnc_source_add(c, path, text, len);
  free(text);
  if (src < 0) { *st = HN_ERR_NOMEM; return NULL; }
  if (dir) c->sources[src].dir = hn_arena_strndup(&c->arena, dir, strlen(dir));
  hnc_pack *p = add_unit(c, src, root);
  if (!p) *st = HN_ERR_NOMEM;
  return p;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n >= k && strcmp(s + n - k, suf) == 0;
}

static bool push_path(char ***v, size_t *n, size_t *cap, char *path) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 16;
    char **w = realloc(*v, nc * sizeof *w);
    if (!w) return false;
    *v = w;
    *cap = nc;
  }
  (*v)[(*n)++] = path;
  return true;
}

/* The entries of dir (but . and ..-like hidden names) as paths; the directory is closed before
 * anything is done with them, so a deep tree does not hold one descriptor a level. */
static hn_status dir_entries(hnc_compiler *c, const char *dir, char ***v, size_t *n) {
  DIR *d = opendir(dir);
  if (!d) {
    char why[128];
    if (c) hnc_error(c, hnc_loc_none(), "io", "cannot read directory '%s': %s", dir, hnc_strerror(errno, why, sizeof why));
    return HN_ERR_IO;
  }
  size_t cap = 0;
  hn_status st = HN_OK;
  for (struct dirent *e; st == HN_OK && (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    size_t need = strlen(dir) + strlen(e->d_name) + 2;
    char *path = malloc(need);
    if (path) snprintf(path, need, "%s%s%s", dir, has_suffix(dir, "/") ? "" : "/", e->d_name);
    if (!path || !push_path(v, n, &cap, path)) { free(path); st = HN_ERR_NOMEM; }
  }
  closedir(d);
  return st;
}

/* Collects the .hn files under dir (recursively), sorted so that loading is deterministic. A
 * directory that cannot be read is reported by its own name when c is given (the others are
 * still listed): HN_ERR_IO then. */
static hn_status list_dir(hnc_compiler *c, const char *dir, char ***out, size_t *n, size_t *cap) {
  char **ents = NULL;
  size_t ne = 0, first = *n;
  hn_status st = dir_entries(c, dir, &ents, &ne);
  for (size_t i = 0; i < ne; i++) {
    struct stat sb;
    if (st != HN_ERR_NOMEM && stat(ents[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
      hn_status s2 = list_dir(c, ents[i], out, n, cap);
      if (s2 != HN_OK && st != HN_ERR_NOMEM) st = s2;
    } else if (st != HN_ERR_NOMEM && has_suffix(ents[i], ".hn")) {
      if (push_path(out, n, cap, ents[i])) continue; /* now theirs */
      st = HN_ERR_NOMEM;
    }
    free(ents[i]);
  }
  free(ents);
  if (*n > first) qsort(*out + first, *n - first, sizeof **out, cmp_str); /* *out may be NULL: none yet */
  return st;
}

static hn_status add_dir(hnc_compiler *c, const char *dir, bool root) {
  char **files = NULL;
  size_t n = 0, cap = 0;
  hn_status st = list_dir(c, dir, &files, &n, &cap);
  for (size_t i = 0; i < n; i++) {
    hn_status s2 = HN_OK;
    if (st != HN_ERR_NOMEM) add_file(c, files[i], root, dir, &s2);
    if (s2 != HN_OK) st = s2;
    free(files[i]);
  }
  free(files);
  return st;
}

void hnc_compiler_set_sigma_mapping(hnc_compiler *c, const char *mapping) { c->sigma_mapping = mapping; }

void hnc_compiler_set_prefilter(hnc_compiler *c, bool on) { c->no_prefilter = !on; }

/* Sigma rules given as a pack: imported (sigma.c) into a source of their own, named after the
 * path, with what was not imported as warnings. So the YAML stays the source of truth. */
static hn_status add_sigma(hnc_compiler *c, const char *path, char **files, size_t n) {
  char pack[160] = "sigma.", *rep = NULL, *text = NULL;
  size_t k = 6, rlen = 0, tlen = 0;
  const char *base = path + strlen(path);
  while (base > path && base[-1] == '/') base--;
  const char *end = base;
  while (base > path && base[-1] != '/') base--;
  for (const char *s = base; s < end && k < sizeof pack - 1 && *s != '.'; s++)
    pack[k++] = isalnum((unsigned char)*s) ? (char)tolower((unsigned char)*s) : '_';
  pack[k] = 0;
  if (k == 6 || !isalpha((unsigned char)pack[6])) snprintf(pack, sizeof pack, "sigma.rules");
  FILE *out = open_memstream(&text, &tlen), *report = open_memstream(&rep, &rlen);
  if (!out || !report) {
    if (out) fclose(out);
    if (report) fclose(report);
    free(text);
    free(rep);
    return HN_ERR_NOMEM;
  }
  hnc_sigma_options o = {c->stdlib_dir, c->sigma_mapping, pack, NULL, NULL, NULL};
  unsigned imported = 0, skipped = 0;
  hn_status st = hnc_sigma_import((const char *const *)files, n, &o, out, report, &imported, &skipped);
  fclose(out);
  fclose(report);
  for (char *line = rep, *nl; line && *line; line = nl ? nl + 1 : NULL) {
    nl = strchr(line, '\n');
    if (nl) *nl = 0;
    char *e = strstr(line, ": error: ");
    if (e) memmove(e + 2, e + 9, strlen(e + 9) + 1); /* the mapping's place, then the message */
    if (st != HN_OK) hnc_error(c, hnc_loc_none(), "sigma-mapping", "%s", line);
    else if (strncmp(line, "import-sigma:", 13) && line[0] != ' ')
      hnc_warning(c, hnc_loc_none(), "sigma-not-imported", "%s", line);
  }
  free(rep);
  if (st == HN_OK) {
    char name[4200];
    snprintf(name, sizeof name, "%s (Sigma, imported)", path);
    st = hnc_compiler_add_source(c, name, text, tlen);
  }
  free(text);
  return st;
}

static bool sigma_name(const char *p) { return has_suffix(p, ".yml") || has_suffix(p, ".yaml"); }

static hn_status add_path(hnc_compiler *c, const char *path) {
  struct stat sb;
  if (stat(path, &sb) != 0) {
    char why[128];
    hnc_error(c, hnc_loc_none(), "io", "cannot read '%s': %s", path, hnc_strerror(errno, why, sizeof why));
    return HN_ERR_IO;
  }
  c->checked = false;
  char **yml = NULL;
  size_t ny = 0, cy = 0;
  hn_status st = HN_OK;
  if (S_ISDIR(sb.st_mode)) {
    char **hn = NULL;
    size_t nh = 0, ch = 0;
    list_dir(NULL, path, &hn, &nh, &ch); /* add_dir reports what cannot be read */
    for (size_t i = 0; i < nh; i++) free(hn[i]);
    free(hn);
    /* a directory of hornet files is a pack (its YAML files are inventories); one without
     * any holds Sigma rules */
    if (nh) return add_dir(c, path, true);
    hnc_sigma_files(path, &yml, &ny, &cy);
    if (!ny) return add_dir(c, path, true);
  } else if (sigma_name(path)) {
    hnc_sigma_files(path, &yml, &ny, &cy);
  } else {
    add_file(c, path, true, NULL, &st);
    return st;
  }
  {
    hn_status s2 = add_sigma(c, path, yml, ny);
    if (st == HN_OK) st = s2;
  }
  for (size_t i = 0; i < ny; i++) free(yml[i]);
  free(yml);
  return st;
}

hn_status hnc_compiler_add_path(hnc_compiler *c, const char *path) {
  hn_status st = add_path(c, path);
  hnc_diag_sort(c);
  return st;
}

hn_status hnc_compiler_add_source(hnc_compiler *c, const char *name, const char *text,
                                  size_t len) {
  int src = hnc_source_add(c, name, text, len);
  if (src < 0) return HN_ERR_NOMEM;
  c->checked = false;
  hn_status st = add_unit(c, src, true) ? HN_OK : HN_ERR_NOMEM;
  hnc_diag_sort(c);
  return st;
}

/* ---- the search path ------------------------------------------------------------------- */
static bool is_file(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}
static bool is_dir(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Tries DIR/a/b/c.hn, DIR/a.b.c.hn, then the directory DIR/a/b/c/ (dir: n bytes). */
static bool try_dir(hnc_compiler *c, const char *dir, size_t n, const char *name, size_t len) {
  char *rel = hn_arena_strndup(&c->arena, name, len);
  if (!rel) return false;
  for (char *q = rel; *q; q++)
    if (*q == '.') *q = '/';
  hn_status st = HN_OK;
  char *path = hn_arena_printf(&c->arena, "%.*s/%s.hn", (int)n, dir, rel);
  if (path && is_file(path)) return add_file(c, path, false, NULL, &st) != NULL;
  path = hn_arena_printf(&c->arena, "%.*s/%.*s.hn", (int)n, dir, (int)len, name);
  if (path && is_file(path)) return add_file(c, path, false, NULL, &st) != NULL;
  path = hn_arena_printf(&c->arena, "%.*s/%s", (int)n, dir, rel);
  if (path && is_dir(path)) return add_dir(c, path, false) == HN_OK;
  return false;
}

hnc_pack *hnc_pack_load(hnc_compiler *c, const char *name, size_t len, hnc_node *from) {
  hnc_pack *p = hnc_pack_find(c, name, len);
  if (p) return p;
  (void)from;
  if (len > 4 && memcmp(name, "std.", 4) == 0) {
    try_dir(c, c->stdlib_dir, strlen(c->stdlib_dir), name + 4, len - 4);
    return hnc_pack_find(c, name, len);
  }
  for (size_t i = 0; i < c->n_search; i++)
    if (try_dir(c, c->search[i], strlen(c->search[i]), name, len)) return hnc_pack_find(c, name, len);
  const char *env = getenv("HORNET_PATH");
  while (env && *env) {
    const char *colon = strchr(env, ':');
    size_t n = colon ? (size_t)(colon - env) : strlen(env);
    if (n && try_dir(c, env, n, name, len)) return hnc_pack_find(c, name, len);
    env += n + (colon ? 1 : 0);
  }
  return NULL;
}

hn_status hnc_compiler_check(hnc_compiler *c) {
  if (!c->checked) {
    /* sema may load imported packs, which appends to c->packs: index, don't iterate pointers */
    for (size_t i = 0; i < c->n_packs; i++) hnc_sema_collect(c, c->packs[i]);
    for (size_t i = 0; i < c->n_packs; i++) hnc_sema_pack(c, c->packs[i]);
    c->checked = true;
  }
  hnc_diag_sort(c);
  if (c->arena.failed) return HN_ERR_NOMEM;
  return c->n_errors ? HN_ERR_SEMANTIC : HN_OK;
}

/* ---- formatting and dumps ------------------------------------------------------------------ */
static hn_status parse_one(hnc_compiler *c, const char *name, const char *text, size_t len,
                           hnc_file_unit *u) {
  int src = hnc_source_add(c, name, text, len);
  if (src < 0) return HN_ERR_NOMEM;
  memset(u, 0, sizeof *u);
  int errs = hnc_parse(c, src, u);
  if (c->arena.failed) return HN_ERR_NOMEM;
  return errs ? HN_ERR_SYNTAX : HN_OK;
}

hn_status hnc_format(hnc_compiler *c, const char *name, const char *text, size_t len, char **out,
                     size_t *out_len) {
  hnc_file_unit u;
  hn_status st = parse_one(c, name, text, len, &u);
  if (st == HN_OK) {
    *out = hnc_fmt_unit(c, &u, out_len);
    if (!*out) st = HN_ERR_NOMEM;
  }
  free(u.comments.v);
  hnc_diag_sort(c);
  return st;
}

hn_status hnc_dump_ast(hnc_compiler *c, const char *name, const char *text, size_t len, FILE *f) {
  hnc_file_unit u;
  hn_status st = parse_one(c, name, text, len, &u);
  if (st == HN_OK) hnc_ast_dump(u.root, f);
  free(u.comments.v);
  hnc_diag_sort(c);
  return st;
}

void hnc_compiler_print_summary(const hnc_compiler *c, FILE *f) {
  for (size_t i = 0; i < c->n_packs; i++) {
    const hnc_pack *p = c->packs[i];
    if (!p->is_root) continue;
    fprintf(f, "pack %s%s%s (%zu file%s", p->name, p->version ? " " : "", p->version ? p->version : "",
            p->n_files, p->n_files == 1 ? "" : "s");
    size_t nimp = 0;
    for (size_t k = 0; k < p->n_imports; k++) nimp += p->imports[k] != NULL;
    if (nimp) {
      fprintf(f, "; imports");
      for (size_t k = 0; k < p->n_imports; k++)
        if (p->imports[k]) fprintf(f, " %s", p->imports[k]->name);
    }
    fprintf(f, ")\n");
    int nr = p->n_rules[0] + p->n_rules[1] + p->n_rules[2] + p->n_rules[3] + p->n_rules[4];
    if (nr)
      fprintf(f, "  rules: %d (%d single-event, %d aggregation, %d sequence, %d absence, %d over alerts)\n", nr,
              p->n_rules[0], p->n_rules[1], p->n_rules[2], p->n_rules[3], p->n_rules[4]);
    static const struct { int ns; const char *what; } rows[] = {
      {NS_SCHEMA, "schemas"}, {NS_LOGSOURCE, "logsources"}, {NS_VALUE, "lists and macros"},
      {NS_CONTROL, "controls"}, {NS_SCORE, "scores"}, {NS_DOMAIN, "domains"},
      {NS_SERVICE, "services"}, {NS_EXPOSURE, "exposures"}, {NS_KPI, "kpis"},
    };
    fprintf(f, " ");
    int any = 0;
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
      if (p->n_decls[rows[k].ns]) fprintf(f, "%s %s: %d", any++ ? "," : "", rows[k].what, p->n_decls[rows[k].ns]);
    if (p->n_tests) fprintf(f, "%s tests: %d", any++ ? "," : "", p->n_tests);
    if (p->fields.n) fprintf(f, "%s fields: %zu", any++ ? "," : "", p->fields.n);
    if (p->time_field) fprintf(f, " (event time: %s)", p->time_field->name);
    fprintf(f, "%s\n", any ? "" : " (empty)");
  }
}

hn_program *hnc_compiler_program(hnc_compiler *c) {
  if (!c->checked || c->n_errors) {
    hnc_error(c, hnc_loc_none(), "usage", "the packs must check without errors before they are compiled");
    hnc_diag_sort(c);
    return NULL;
  }
  char err[256];
  hn_program *p = hnc_lower(c, err, sizeof err);
  if (!p && err[0]) hnc_error(c, hnc_loc_none(), "compile", "%s", err);
  hnc_diag_sort(c);
  return p;
}
