/* image.h - the pack image (.hnp) format, its writer and its loader (internal to libhornet;
 * the public calls are in hornet/hornet.h). See image.c for the layout.
 * Must not depend on the compiler, LLVM or libyaml. */
#ifndef HN_IMAGE_H
#define HN_IMAGE_H
#include <stdio.h>
#include "program.h"

#define HN_IMAGE_MAGIC "\x89HNP\r\n\x1a\n" /* PNG's trick: mangled line ends and 7-bit copies show */
/* Bump when the sections or the meaning of a table change (struct layouts are checked apart). */
#define HN_IMAGE_FORMAT 4u

enum { HN_SEC_PROGRAM = 1, HN_SEC_TARGET = 2, HN_SEC_PATTERNS = 3, HN_SEC_NATIVE = 4 };

typedef struct hn_image_header {
  char magic[8];
  uint32_t format, layout;  /* HN_IMAGE_FORMAT; a hash of the struct layouts (image.c) */
  uint32_t byte_order;      /* 0x01020304 as written by the host */
  uint32_t n_sections;
  char version[16];         /* hornet's, NUL-padded */
  uint64_t size;            /* of the whole file */
  uint64_t hash;            /* hn_image_hash of everything after the header */
  char triple[72];          /* the target the native code is for */
} hn_image_header;
_Static_assert(sizeof(hn_image_header) == 128, "the image header is 128 bytes");

typedef struct hn_image_section {
  uint32_t kind, reserved;
  uint64_t offset, size;
} hn_image_section;

/* Native code for an image: a shared object (see compiler/aot.c) and the target it is for. */
typedef struct hn_image_native {
  const char *triple, *cpu, *features;
  const void *so;
  size_t so_len;
} hn_image_native;

/* Writes p (prepared: its prefilter built) and its native code (may be NULL) as an image to out.
 * HN_OK; HN_ERR_NOMEM, HN_ERR_IO with err filled. */
hn_status hn_image_write(const hn_program *p, const hn_image_native *nat, FILE *out, char *err, size_t errlen);
uint64_t hn_image_hash(const void *data, size_t n);
void hn_image_rehash(void *image, size_t size);
const char *hn_image_host_triple(void);
bool hn_image_cpu_ok(const char *cpu);
/* Prints every table of the program: its name, element count and size, and its strings. */
void hn_image_dump_tables(const hn_program *p, FILE *f);
#endif
