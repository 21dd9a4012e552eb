#!/usr/bin/env bash
# bench/sigma.sh - the SigmaHQ corpus through `hornet import-sigma` (the Sigma issue's
# measure): how many rules import and compile, why the rest do not, and the compile time of
# the whole imported corpus as one pack, cold (no cache) and cached.
#
#   bench/sigma.sh [SIGMA_DIR]        # default: ../shared/sigma next to the checkout
#
# Prints a markdown section (also in bench/out/sigma/results.md).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIGMA=${1:-$ROOT/../shared/sigma}
OUT=$ROOT/bench/out/sigma
BUILD=${BUILD:-$ROOT/build-bench}
mkdir -p "$OUT"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHN_BENCH=ON -DHN_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target hornet-cli >/dev/null
HORNET=$BUILD/hornet
ns() { date +%s%N; }
t0=$(ns)
"$HORNET" import-sigma "$SIGMA/rules" "$SIGMA/rules-emerging-threats" "$SIGMA/rules-threat-hunting" \
  -o "$OUT/corpus.hn" 2>"$OUT/report.txt"
t1=$(ns)
"$HORNET" check -Wno-missing-entities "$OUT/corpus.hn" 2>"$OUT/check.txt" && CHECK=ok || CHECK=failed
t2=$(ns)
echo '{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws1","TimeCreated":"2024-01-01T10:00:00Z","Image":"C:\\x.exe"}' >"$OUT/one.jsonl"
t3=$(ns)
HORNET_CACHE_DIR=off "$HORNET" run "$OUT/corpus.hn" --input "$OUT/one.jsonl" --output /dev/null 2>/dev/null
t4=$(ns)
"$HORNET" run "$OUT/corpus.hn" --input "$OUT/one.jsonl" --output /dev/null 2>/dev/null # fills the cache
t5=$(ns)
"$HORNET" run "$OUT/corpus.hn" --input "$OUT/one.jsonl" --output /dev/null 2>/dev/null
t6=$(ns)
SUMMARY=$(grep '^import-sigma:' "$OUT/report.txt")
IMPORTED=$(echo "$SUMMARY" | awk '{print $2}')
SKIPPED=$(echo "$SUMMARY" | awk '{print $5}')
OTHER=$(grep -c ': not imported: only Windows log sources' "$OUT/report.txt" || true)
ERRORS=$(tail -1 "$OUT/check.txt")
{
  echo "## Sigma: the SigmaHQ corpus through hornet import-sigma"
  echo
  echo "Written by \`bench/sigma.sh\` (tree $(git -C "$ROOT" rev-parse --short HEAD)): rules/, rules-emerging-threats/ and rules-threat-hunting/."
  echo
  echo "- $((IMPORTED + SKIPPED)) rule files; $OTHER are for other products than Windows (not imported yet)."
  echo "- Windows rules: **$IMPORTED of $((IMPORTED + SKIPPED - OTHER)) imported** ($(python3 -c "print(round(100*$IMPORTED/max(1,$IMPORTED+$SKIPPED-$OTHER),1))")%); \`hornet check\` of the imported pack: $CHECK ($ERRORS)."
  echo "- Why the rest were not (counts):"
  echo
  echo '```'
  sed -n '/^import-sigma:/,$p' "$OUT/report.txt" | tail -n +2
  echo '```'
  echo
  echo "| step | seconds |"
  echo "| --- | ---: |"
  echo "| import (YAML to hornet) | $(python3 -c "print(round(($t1-$t0)/1e9,3))") |"
  echo "| check (parse, resolve, type-check) | $(python3 -c "print(round(($t2-$t1)/1e9,3))") |"
  echo "| compile to native code, cache off | $(python3 -c "print(round(($t4-$t3)/1e9,3))") |"
  echo "| start with the cached object code | $(python3 -c "print(round(($t6-$t5)/1e9,3))") |"
  echo
} | tee "$OUT/results.md"
