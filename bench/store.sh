#!/usr/bin/env bash
# bench/store.sh - what the case store costs (issue 14): the 2,000-rule pack of bench/run.sh with
# the standard catalog and domains over the same stream, `hornet run --output FILE` (alerts to
# a file) and `hornet queue` (alerts and incidents, no store) against `hornet run --store`
# (alerts, incidents, links and transitions into SQLite, committed with the checkpoints); then
# transitions per second from `hornet case apply` (a close of every incident of the store, one
# JSON line each, from a file: committed in batches).
#
#   bench/store.sh                     # 200,000 events
#   EVENTS=50000 RUNS=1 bench/store.sh
#
# Environment: EVENTS (200000), RUNS (3: median of), SEED (1), RULE_SEED (7), BUILD (build:
# the default RelWithDebInfo build; gen_events is compiled beside it).
# Prints a markdown section (also in bench/out/store/results.md).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
OUT=$BENCH/out/store
BUILD=${BUILD:-$ROOT/build}
EVENTS=${EVENTS:-200000}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
RULE_SEED=${RULE_SEED:-7}
HORNET=$BUILD/hornet
export HORNET_STDLIB=$ROOT/stdlib

mkdir -p "$OUT/pack"
cc -O2 -o "$OUT/gen_events" "$BENCH/gen_events.c"
python3 "$BENCH/gen_rules.py" --seed "$RULE_SEED" --rules 2000 --sizes 2000 --out "$OUT" >/dev/null
cp "$OUT/bench_2000.hn" "$OUT/pack/rules.hn"
"$OUT/gen_events" --seed "$SEED" --events "$EVENTS" --attacks 2000 --witness "$OUT/bench_2000.witness" \
  --truth "$OUT/truth.tsv" --out "$OUT/events.jsonl" --assets "$OUT/pack/assets.yaml"
cat >"$OUT/pack/store.hn" <<'HN'
// The store benchmark: the standard catalog and domains, the generated inventory.
pack bench.store 1.0.0

import std.ecs
import std.catalog
import std.domains

assets "assets.yaml"
HN
"$HORNET" check "$OUT/pack" >/dev/null

measure() { # "WALL_NS CPU_NS" of one command (CPU: user + system, the machine being shared)
  python3 - "$OUT/last.log" "$@" <<'PY' || { cat "$OUT/last.log" >&2; exit 1; }
import resource, subprocess, sys, time
t = time.monotonic_ns()
p = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "w"))
w = time.monotonic_ns() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(w, int((r.ru_utime + r.ru_stime) * 1e9))
sys.exit(p.returncode)
PY
}
timed() { # the median run (by CPU time) of RUNS, each on a new store
  local ts=() i
  for ((i = 0; i < RUNS; i++)); do rm -f "$OUT"/bench.db*; ts+=("$(measure "$@" | awk '{print $2, $1}')"); done
  printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR]=$2 " " $1} END{print a[int((NR+1)/2)]}'
}
"$HORNET" run "$OUT/pack" --input "$OUT/events.jsonl" --output /dev/null 2>/dev/null # fills the cache
NS_RUN=$(timed "$HORNET" run "$OUT/pack" --input "$OUT/events.jsonl" --output "$OUT/alerts.jsonl")
ALERTS=$(wc -l <"$OUT/alerts.jsonl")
NS_STATE=$(timed "$HORNET" queue "$OUT/pack" --input "$OUT/events.jsonl" --output "$OUT/alerts.jsonl" \
  --incidents "$OUT/records.jsonl" --state "$OUT/bench.db")
rm -f "$OUT/alerts.jsonl" "$OUT/records.jsonl"
NS_Q=$(timed "$HORNET" queue "$OUT/pack" --input "$OUT/events.jsonl" --output "$OUT/alerts.jsonl" \
  --incidents "$OUT/records.jsonl")
NS_STORE=$(timed "$HORNET" run "$OUT/pack" --input "$OUT/events.jsonl" --store "$OUT/bench.db" --output /dev/null)
read -r S_ALERTS S_INC S_BYTES < <(python3 -c "
import sqlite3, os, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute('SELECT count(*) FROM alerts').fetchone()[0], db.execute('SELECT count(*) FROM incidents').fetchone()[0],
      os.path.getsize(sys.argv[1]))" "$OUT/bench.db")
# a close of every open incident (the built-in workflow new -> closed needs no field; services'
# incidents move to triage, then close along triage -> closed after their fields are set)
python3 - "$OUT/bench.db" "$OUT/actions.jsonl" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = 0
with open(sys.argv[2], "w") as out:
    for (i,) in db.execute("SELECT id FROM incidents WHERE closed_at IS NULL AND service IS NULL ORDER BY id"):
        out.write(json.dumps({"action": "close", "incident": i, "why": "bench"}) + "\n")
PY
N_ACT=$(wc -l <"$OUT/actions.jsonl")
cp "$OUT/bench.db" "$OUT/apply.db"
NS_APPLY=$(measure "$HORNET" case apply "$OUT/actions.jsonl" --store "$OUT/apply.db" --pack "$OUT/pack" \
  --now 2030-01-01T00:00:00Z)
TRANS=$(sed -n 's/.*applied (\([0-9]*\) transitions).*/\1/p' "$OUT/last.log")
NS_EMPTY=$(measure "$HORNET" case apply /dev/null --store "$OUT/apply.db" --pack "$OUT/pack")
python3 - "$EVENTS" "$ALERTS" "$S_ALERTS" "$S_INC" "$S_BYTES" "$N_ACT" "$TRANS" "$OUT/results.md" \
  "$(git -C "$ROOT" rev-parse --short HEAD)" "$NS_RUN" "$NS_STATE" "$NS_Q" "$NS_STORE" "$NS_APPLY" "$NS_EMPTY" <<'PY'
import sys
E, A, sa, si, sb, nact, trans = map(int, sys.argv[1:8])
dest, tree = sys.argv[8], sys.argv[9]
run, state, q, store, apply, empty = [tuple(int(x) / 1e9 for x in a.split()) for a in sys.argv[10:16]]
L = ["## The case store against the plain run", "",
     f"- Command: `EVENTS={E} bench/store.sh` (tree {tree}, the default RelWithDebInfo build; the median run by CPU time)",
     f"- The 2,000-rule pack with std.catalog and std.domains, a 10,000-host inventory; {E} events, {A} alerts,"
     f" {si} incidents; the store after the run: {sb / 1e6:.1f} MB", "",
     "| run | wall s | CPU s | events/s (CPU) | alerts/s (CPU) | CPU against the plain run | against `queue --state` |",
     "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
for name, (w, c) in [("`run --output FILE`: alerts to a file", run), ("`queue`: alerts and incidents, no state", q),
                     ("`queue --state FILE`: the same, checkpointed to a file", state),
                     ("`run --store`: alerts, incidents, links, transitions and checkpoints into SQLite", store)]:
    L.append(f"| {name} | {w:.3f} | {c:.3f} | {E / c:,.0f} | {A / c:,.0f} | {100 * (c - run[1]) / run[1]:+.1f}% |"
             f" {100 * (c - state[1]) / state[1]:+.1f}% |")
L += ["", f"{sa} alerts in the store.", "",
      f"`hornet case apply` of {nact} closes (one JSON line each, from a file; each checked against the workflow,"
      f" journalled, its SLA clock read): {trans} transitions in {apply[0]:.3f} s wall, {apply[1]:.3f} s CPU, of which"
      f" {empty[1]:.3f} s loading the pack (an empty apply): {trans / max(apply[1] - empty[1], 1e-9):,.0f} transitions"
      f" per CPU second past loading the pack.", ""]
open(dest, "w").write("\n".join(L))
print("\n".join(L))
PY
