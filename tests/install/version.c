/* version.c - a program built against an installed libhornet alone (pkg-config hornet, or
 * find_package(hornet) and hornet::hornet): prints the library's version and a status text. */
#include <stdio.h>
#include <string.h>
#include <hornet/hornet.h>

int main(void) {
  printf("hornet %s: %s\n", hn_version(), hn_status_str(HN_ERR_NOT_FOUND));
  return strcmp(hn_version(), HN_VERSION_STRING) == 0 ? 0 : 1;  /* header and library agree */
}
