#!/usr/bin/env bash
# demo.sh - the main job: set up, build, then check and format-check the example pack and
# the standard library, and print what the pack declares.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
scripts/build.sh build
echo "== hornet check --summary examples/acme"
build/hornet check --summary examples/acme
echo "== hornet check stdlib"
build/hornet check stdlib
echo "== hornet fmt --check examples stdlib (lists files whose layout is not canonical)"
build/hornet fmt --check examples stdlib && echo "all files are in the canonical layout"
