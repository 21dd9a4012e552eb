/* aot.c - ahead-of-time native code for pack images: the program's object code (jit.c) linked
 * into a shared object by the system's C compiler driver, so that libhornet loads it with
 * dlopen and no LLVM. Depends on jit.c and a `cc` (or $CC) on the building machine only.
 *
 * Why a shared object: the runtime would otherwise need an object-file linker of its own
 * (relocations per architecture) or LLVM's; the dynamic loader is already in every process. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hnc.h"
#include "program.h"

extern char **environ;

static bool write_file(const char *path, const void *d, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return false;
  bool ok = fwrite(d, 1, n, f) == n;
  return (fclose(f) == 0) && ok;
}

static void *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  struct stat sb;
  void *d = NULL;
  if (fstat(fileno(f), &sb) == 0 && (d = malloc((size_t)sb.st_size + 1)) &&
      fread(d, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
    free(d);
    d = NULL;
  }
  *n = d ? (size_t)sb.st_size : 0;
  fclose(f);
  return d;
}

/* Runs `cc -shared -o so obj` with its messages in log. 0 when it succeeded. */
static int link_shared(const char *cc, const char *obj, const char *so, const char *log) {
  char *argv[] = {(char *)cc, "-shared", "-o", (char *)so, (char *)obj, "-lm", NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid;
  int rc = posix_spawnp(&pid, cc, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

hn_status hnc_program_shared_object(const hn_program *p, const char *cpu, void **so, size_t *so_len, char *err,
                                    size_t errlen) {
  *so = NULL;
  *so_len = 0;
  void *obj = NULL;
  size_t obj_len = 0;
  hn_status st = hnc_program_object(p, cpu, &obj, &obj_len, err, errlen);
  if (st != HN_OK) return st;
  const char *tmpdir = getenv("TMPDIR");
  char dir[512];
  snprintf(dir, sizeof dir, "%s/hornet-build-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
  if (!mkdtemp(dir)) {
    snprintf(err, errlen, "cannot make a temporary directory: %s", strerror(errno));
    free(obj);
    return HN_ERR_IO;
  }
  char o[600], s[600], log[600];
  snprintf(o, sizeof o, "%s/native.o", dir);
  snprintf(s, sizeof s, "%s/native.so", dir);
  snprintf(log, sizeof log, "%s/link.log", dir);
  const char *cc = getenv("CC");
  if (!cc || !*cc) cc = "cc";
  int rc = write_file(o, obj, obj_len) ? link_shared(cc, o, s, log) : -2;
  free(obj);
  if (rc == 0) *so = read_file(s, so_len);
  if (rc == -2) snprintf(err, errlen, "cannot write %s: %s", o, strerror(errno));
  else if (rc == -1) snprintf(err, errlen, "cannot run the C compiler driver '%s' to link the native code", cc);
  else if (rc != 0 || !*so) {
    size_t n = 0;
    char *msg = read_file(log, &n);
    if (msg) msg[n] = 0;
    snprintf(err, errlen, "linking the native code with '%s' failed%s%.300s", cc, msg && n ? ": " : "", msg ? msg : "");
    free(msg);
  }
  remove(o);
  remove(s);
  remove(log);
  rmdir(dir);
  if (rc != 0 || !*so) return HN_ERR_IO;
  return HN_OK;
}
