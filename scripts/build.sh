#!/usr/bin/env bash
# build.sh DIR [cmake options...] - configures (once) and builds hornet into DIR.
set -euo pipefail
dir=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
if [[ ! -f "$dir/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$dir" -DHN_WERROR=ON "$@" >/dev/null
fi
cmake --build "$dir" -j"$jobs" >/dev/null
