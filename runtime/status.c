/* status.c - status strings and version of libhornet.
 * Depends on nothing but the public header. */
#include "hornet/hornet.h"

const char *hn_status_str(hn_status st) {
  switch (st) {
  case HN_OK: return "ok";
  case HN_ERR_NOMEM: return "out of memory";
  case HN_ERR_IO: return "input/output error";
  case HN_ERR_SYNTAX: return "syntax error";
  case HN_ERR_SEMANTIC: return "semantic error";
  case HN_ERR_USAGE: return "invalid usage";
  case HN_ERR_NOT_FOUND: return "not found";
  case HN_ERR_LIMIT: return "limit reached";
  }
  return "unknown status";
}

const char *hn_version(void) { return HN_VERSION_STRING; }
