/* hornet.h - the runtime's public C API (libhornet).
 * Must not depend on LLVM or on the compiler: collectors embed this library alone. */
#ifndef HORNET_HORNET_H
#define HORNET_HORNET_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(HN_BUILDING) && defined(__GNUC__)
#define HN_API __attribute__((visibility("default")))
#else
#define HN_API
#endif

#define HN_VERSION_MAJOR 0
#define HN_VERSION_MINOR 1
#define HN_VERSION_PATCH 0
#define HN_VERSION_STRING "0.1.0"

/* One status enum for the whole project. HN_OK is zero so `if (st)` reads as "failed". */
typedef enum hn_status {
  HN_OK = 0,
  HN_ERR_NOMEM,     /* an allocation failed */
  HN_ERR_IO,        /* a file could not be read or written */
  HN_ERR_SYNTAX,    /* the input has syntax errors (details went to the diagnostics sink) */
  HN_ERR_SEMANTIC,  /* the input is well formed but wrong (details as above) */
  HN_ERR_USAGE,     /* the caller passed an invalid argument */
  HN_ERR_NOT_FOUND, /* a named thing (file, pack, rule) does not exist */
  HN_ERR_LIMIT      /* a configured limit was reached */
} hn_status;

/* A static English description of a status; never NULL. */
HN_API const char *hn_status_str(hn_status st);

/* The library version, "MAJOR.MINOR.PATCH". */
HN_API const char *hn_version(void);

#ifdef __cplusplus
}
#endif
#endif
