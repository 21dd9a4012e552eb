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
secs() { python3 -c "print(round(($2-$1)/1e9,3))"; }
TOTAL=$(find "$SIGMA/rules" "$SIGMA/rules-emerging-threats" "$SIGMA/rules-threat-hunting" -name '*.yml' | wc -l)
WINDOWS=$(grep -rl '^ *product: windows' "$SIGMA/rules" "$SIGMA/rules-emerging-threats" "$SIGMA/rules-threat-hunting" | wc -l)
echo '{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws1","TimeCreated":"2024-01-01T10:00:00Z","Image":"C:\\x.exe"}' >"$OUT/one.jsonl"

# one mapping: import, check, compile cold and cached; NAME is the pack's file stem
measure() {
  local mapping=$1 name=$2 t0 t1 t2 t3 t4 t5 t6
  t0=$(ns)
  "$HORNET" import-sigma --mapping "$mapping" "$SIGMA/rules" "$SIGMA/rules-emerging-threats" \
    "$SIGMA/rules-threat-hunting" -o "$OUT/$name.hn" 2>"$OUT/$name.report.txt"
  t1=$(ns)
  "$HORNET" check -Wno-missing-entities "$OUT/$name.hn" 2>"$OUT/$name.check.txt" && CHECK=ok || CHECK=failed
  t2=$(ns)
  t3=$(ns)
  HORNET_CACHE_DIR=off "$HORNET" run "$OUT/$name.hn" --input "$OUT/one.jsonl" --output /dev/null 2>/dev/null
  t4=$(ns)
  "$HORNET" run "$OUT/$name.hn" --input "$OUT/one.jsonl" --output /dev/null 2>/dev/null # fills the cache
  t5=$(ns)
  "$HORNET" run "$OUT/$name.hn" --input "$OUT/one.jsonl" --output /dev/null 2>/dev/null
  t6=$(ns)
  local summary imported
  summary=$(grep '^import-sigma:' "$OUT/$name.report.txt")
  imported=$(echo "$summary" | awk '{print $2}')
  echo "### Mapping \`$mapping\`"
  echo
  # the Windows rules left out: report lines name their file
  local win_out
  win_out=$(sed -n 's/^\([^:]*\.yml\): .*not imported: .*/\1/p' "$OUT/$name.report.txt" | sort -u |
    xargs -r grep -l '^ *product: windows' | wc -l)
  echo "- **$imported of $TOTAL rules imported** ($(python3 -c "print(round(100*$imported/$TOTAL,1))")%); of the $WINDOWS Windows rules, $((WINDOWS - win_out)) ($(python3 -c "print(round(100*($WINDOWS-$win_out)/$WINDOWS,1))")%); \`hornet check\` of the pack: $CHECK ($(tail -1 "$OUT/$name.check.txt"))."
  echo "- Why the rest were not (counts):"
  echo
  echo '```'
  sed -n '/^import-sigma:/,$p' "$OUT/$name.report.txt" | tail -n +2
  echo '```'
  echo
  echo "| step | seconds |"
  echo "| --- | ---: |"
  echo "| import (YAML to hornet) | $(secs "$t0" "$t1") |"
  echo "| check (parse, resolve, type-check) | $(secs "$t1" "$t2") |"
  echo "| compile to native code, cache off | $(secs "$t3" "$t4") |"
  echo "| start with the cached object code | $(secs "$t5" "$t6") |"
  echo
}
{
  echo "## Sigma: the SigmaHQ corpus through hornet import-sigma"
  echo
  echo "Written by \`bench/sigma.sh\` (tree $(git -C "$ROOT" rev-parse --short HEAD)): rules/, rules-emerging-threats/ and rules-threat-hunting/, $TOTAL rule files, $WINDOWS of them for Windows. Each mapping's pack is imported, checked and compiled whole."
  echo
  measure windows corpus  # the flat Windows convention (std.windows): what sigma_match.sh runs
  measure ecs corpus-ecs  # ECS (std.ecs): every product
} | tee "$OUT/results.md"
