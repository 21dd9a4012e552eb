#!/usr/bin/env bash
# bench/pipeline.sh - the whole pipeline against matching alone (the incidents issue): the
# 2,000-rule pack of bench/run.sh with the standard domains and incident score, a 10,000-host
# inventory and two exposures, over the same stream; `hornet run` (matching only: alerts out)
# against `hornet queue` (matching, incidents, routing, scores, exposures, the queue out).
#
#   bench/pipeline.sh                 # 200,000 events
#   EVENTS=50000 RUNS=1 bench/pipeline.sh
#
# Environment: EVENTS (200000), RUNS (3: median of), SEED (1), RULE_SEED (7), BUILD.
# Prints a markdown section (also in bench/out/pipeline/results.md).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
OUT=$BENCH/out/pipeline
BUILD=${BUILD:-$ROOT/build-bench}
EVENTS=${EVENTS:-200000}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
RULE_SEED=${RULE_SEED:-7}

"$ROOT/scripts/setup.sh" >/dev/null
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHN_BENCH=ON -DHN_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target hornet-cli gen_events rerank >/dev/null
HORNET=$BUILD/hornet
mkdir -p "$OUT/pack"
python3 "$BENCH/gen_rules.py" --seed "$RULE_SEED" --rules 2000 --sizes 2000 --out "$OUT" >/dev/null
cp "$OUT/bench_2000.hn" "$OUT/pack/rules.hn"
"$BUILD/bench/gen_events" --seed "$SEED" --events "$EVENTS" --attacks 2000 --witness "$OUT/bench_2000.witness" \
  --truth "$OUT/truth.tsv" --out "$OUT/events.jsonl" --assets "$OUT/pack/assets.yaml"
cat >"$OUT/pack/pipeline.hn" <<'HN'
// The incident side of the pipeline benchmark: the standard domains and incident score, the
// generated inventory, an activity exposure and a state exposure.
pack bench.rules2000 1.0.0

import std.ecs
import std.domains

assets "assets.yaml"

exposure rdp_reached {
  title "RDP reached from the internet"
  open when event.category has "network" and destination.port == 3389 and not in_ranges(source.ip)
    on destination.ip
  close when event.category has "network" and event.action == "rdp-blocked" on destination.ip
  weight 2
}

exposure critical_and_vulnerable {
  title "Critical host with an unfixed vulnerability"
  state asset.criticality >= 4 and asset.vulnerable
  weight 1.5
}
HN
"$HORNET" check "$OUT/pack" >/dev/null

wall() { # wall ns of one command, its output thrown away
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>"$OUT/last.log" || { cat "$OUT/last.log" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $((t1 - t0))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
timed() {
  local ts=() i
  for ((i = 0; i < RUNS; i++)); do ts+=("$(wall "$@")"); done
  median "${ts[@]}"
}
"$HORNET" run "$OUT/pack" --input "$OUT/events.jsonl" --output /dev/null 2>/dev/null # fills the cache
NS_RUN=$(timed "$HORNET" run "$OUT/pack" --input "$OUT/events.jsonl" --output /dev/null)
NS_Q=$(timed "$HORNET" queue "$OUT/pack" --input "$OUT/events.jsonl" --incidents "$OUT/records.jsonl")
INC=$(awk '/incidents$/ {print $3}' "$OUT/last.log")
EXPO=$(grep -c '"record":"exposure"' "$OUT/records.jsonl" || true)
RERANK=$("$BUILD/bench/rerank" --incidents 1000 | tr '\n' ';')
python3 - "$EVENTS" "$NS_RUN" "$NS_Q" "$INC" "$EXPO" "$OUT/results.md" "$(git -C "$ROOT" rev-parse --short HEAD)" "$RERANK" <<'PY'
import sys
E, run, q, inc, expo, dest, tree = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
rerank = [l.strip() for l in sys.argv[8].split(";") if l.strip()]
L = ["## The whole pipeline against matching alone", "",
     "Written by `bench/pipeline.sh` (tree %s): %d events of bench/gen_events.c, the 2,000-rule pack, the "
     "standard domains and incident score, a 10,000-host inventory, two exposures. Wall clock of the whole "
     "command, median of the runs." % (tree, E), "",
     "| run | wall (s) | events/s |", "| --- | ---: | ---: |",
     "| `hornet run` (matching: alerts) | %.3f | %s |" % (run / 1e9, format(int(E / (run / 1e9)), ",")),
     "| `hornet queue` (matching, incidents, routing, scores, exposures) | %.3f | %s |" % (q / 1e9, format(int(E / (q / 1e9)), ",")),
     "", "**pipeline ÷ matching: %.2f×** (goal < 1.5×); %s incidents, %s exposure records." % (q / run, inc, expo), "",
     "`bench/rerank`, in process: " + "; ".join(rerank) + ".", ""]
open(dest, "w").write("\n".join(L) + "\n")
print("\n".join(L))
PY
