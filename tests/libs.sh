#!/usr/bin/env bash
# libs.sh LIBHORNET_SO LIBHORNETC_SO INCLUDE_DIR - what the shared libraries export and need.
# libhornet.so exports the runtime's HN_API functions and nothing else (no internal hn_*, no
# LLVM, libyaml or compiler symbol) and needs no LLVM, libyaml or libhornetc; libhornetc.so
# exports the compiler's and the runtime's HN_API functions only. Both carry a SONAME.
set -euo pipefail
rt=$1 comp=$2 inc=$3
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# The functions headers declare HN_API: comments and directives out, the declarations joined
# (one may span lines); the name is the last identifier before the first parenthesis.
api() {
  grep -vh '^ *#' "$@" | tr '\n' ' ' | sed -E 's,/\*([^*]|\*+[^*/])*\*+/,,g' |
    grep -oE 'HN_API[^;{]*' | sed -E 's/\(.*//; s/.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*) *$/\1/' | sort -u
}
# The symbols a library defines for others, less those the linker itself adds.
exports() {
  nm -D --defined-only "$1" | awk '{print $NF}' | grep -vxE '_init|_fini|_edata|_end|__bss_start' | sort -u
}
all_api=$(mktemp)
trap 'rm -f "$all_api"' EXIT
api "$inc"/hornet/*.h >"$all_api"

# check LIB PATTERN HEADER...: every export matches PATTERN and is declared HN_API in some
# public header; every HN_API function of HEADER... is exported.
check() {
  local lib=$1 pattern=$2 name
  shift 2
  local exp
  exp=$(exports "$lib")
  [[ -n $exp ]] || bad "$lib exports nothing"
  while read -r name; do
    if [[ $name =~ $pattern ]] && grep -qx "$name" "$all_api"; then ok
    else bad "$(basename "$lib") exports $name, which is not a public $pattern function"; fi
  done <<<"$exp"
  while read -r name; do
    if grep -qx "$name" <<<"$exp"; then ok; else bad "$(basename "$lib") does not export $name ($*)"; fi
  done < <(api "$@")
}
check "$rt" '^hnx?_' "$inc/hornet/hornet.h" "$inc/hornet/hornetaux.h"
check "$comp" '^hn[cx]?_' "$inc/hornet/hornet.h" "$inc/hornet/hornetaux.h" "$inc/hornet/compiler.h"

# The runtime stands alone: nothing of LLVM, libyaml, C++ or the compiler, directly or not.
if nm -D --defined-only "$rt" | grep -iE ' (_Z|LLVM|yaml_|hnc_)'; then bad "libhornet.so defines the symbols above"; else ok; fi
if readelf -d "$rt" | grep NEEDED | grep -E 'LLVM|yaml|hornetc|stdc\+\+'; then bad "libhornet.so needs the above"; else ok; fi
if ldd "$rt" | grep -E 'LLVM|yaml|hornetc'; then bad "libhornet.so loads the above"; else ok; fi
for lib in "$rt" "$comp"; do
  soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  if [[ $soname =~ ^libhornetc?\.so\.[0-9]+$ ]]; then ok; else bad "$(basename "$lib"): SONAME '$soname'"; fi
done

echo "libs: $pass passed, $fail failed"
((fail == 0))
