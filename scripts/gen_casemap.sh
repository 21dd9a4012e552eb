#!/usr/bin/env bash
# gen_casemap.sh - regenerates runtime/casemap.h (the runtime's Unicode case tables) from ICU's
# data (libicu-dev). Needed only when the Unicode version moves; the output is committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O1 -o "$tmp/gen" "$root/scripts/gen_casemap.c" $(pkg-config --cflags --libs icu-uc)
"$tmp/gen" > "$tmp/casemap.h"
mv "$tmp/casemap.h" "$root/runtime/casemap.h"
echo "wrote runtime/casemap.h"
