#!/usr/bin/env bash
# bench/run.sh - the hornet benchmark, end to end: install what is missing, build, generate the
# packs and the events, measure, check correctness, write bench/RESULTS.md.
#
#   bench/run.sh                 # 200,000 events
#   EVENTS=50000 bench/run.sh    # fewer events
#
# Environment: EVENTS (200000), ATTACKS (one per rule of the 2,000-rule pack: 2000), SEED (1),
# RULE_SEED (7), RUNS (3: each figure is the median of RUNS runs), JOBS (2).
# Timing uses only bash's `date +%s%N` (wall clock of each whole command) and /usr/bin/time -v.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
OUT=$BENCH/out
BUILD=${BUILD:-$ROOT/build-bench}
EVENTS=${EVENTS:-200000}
ATTACKS=${ATTACKS:-2000}
SEED=${SEED:-1}
RULE_SEED=${RULE_SEED:-7}
RUNS=${RUNS:-3}
JOBS=${JOBS:-2}
CMDLINE="EVENTS=$EVENTS RUNS=$RUNS bench/run.sh"

# ---- packages ------------------------------------------------------------------------------
"$ROOT/scripts/setup.sh"
missing=()
for p in libsimdjson-dev libsqlite3-dev g++ time; do
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "run.sh: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ---- build ---------------------------------------------------------------------------------
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHN_BENCH=ON -DHN_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target hornet-cli gen_events sqlite_rules simdjson_floor >/dev/null
HORNET=$BUILD/hornet

# ---- generate ------------------------------------------------------------------------------
mkdir -p "$OUT"
python3 "$BENCH/gen_rules.py" --seed "$RULE_SEED" --rules 3000 --sizes 30,2000,3000 --out "$OUT"
for n in 30 2000 3000; do
  "$HORNET" check "$OUT/bench_$n.hn"
done
EV=$OUT/events.jsonl
"$BUILD/bench/gen_events" --seed "$SEED" --events "$EVENTS" --attacks "$ATTACKS" \
  --witness "$OUT/bench_2000.witness" --truth "$OUT/truth.tsv" --out "$EV"
BYTES=$(stat -c %s "$EV")
MEDLEN=$(awk '{print length($0)}' "$EV" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
echo "events: $EVENTS lines, $BYTES bytes, median line $MEDLEN bytes"

# ---- measuring -----------------------------------------------------------------------------
# wall ns of one command (its output to $LOG)
LOG=$OUT/last.log
wall() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >"$LOG" 2>&1 || { echo "run.sh: failed: $*" >&2; cat "$LOG" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $((t1 - t0))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
# median wall ns of RUNS runs
timed() {
  local ts=() i
  for ((i = 0; i < RUNS; i++)); do ts+=("$(wall "$@")"); done
  median "${ts[@]}"
}
# peak resident set (kB) of one run
peak() {
  /usr/bin/time -v "$@" >/dev/null 2>"$OUT/time.log" || { cat "$OUT/time.log" >&2; exit 1; }
  awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/time.log"
}
hrun() {  # hrun PACK ENGINE OUTPUT
  "$HORNET" run "$1" --input "$EV" --output "$3" --engine "$2"
}

declare -A NS MEM
echo "measuring (median of $RUNS runs each)..."
catfile() { cat "$EV" >/dev/null; }
NS[cat]=$(timed catfile)
# compile: the cache off, on a 1,000-line input, so the figure is the compiler's; then the
# same with a warm cache (the object code loaded, nothing compiled)
head -n 1000 "$EV" >"$OUT/small.jsonl"
for n in 30 2000 3000; do
  NS[compile_$n]=$(wall env HORNET_CACHE_DIR=off "$HORNET" run "$OUT/bench_$n.hn" --input "$OUT/small.jsonl" --output /dev/null)
  wall "$HORNET" run "$OUT/bench_$n.hn" --input "$OUT/small.jsonl" --output /dev/null >/dev/null  # fills the cache
  NS[cached_$n]=$(timed "$HORNET" run "$OUT/bench_$n.hn" --input "$OUT/small.jsonl" --output /dev/null)
done
NS[jit_2000]=$(timed hrun "$OUT/bench_2000.hn" jit "$OUT/alerts_jit.jsonl")
NS[interp_2000]=$(timed hrun "$OUT/bench_2000.hn" interp "$OUT/alerts_interp.jsonl")
NS[jit_30]=$(timed hrun "$OUT/bench_30.hn" jit "$OUT/alerts_30.jsonl")
NS[jit_3000]=$(timed hrun "$OUT/bench_3000.hn" jit "$OUT/alerts_3000.jsonl")
NS[simdjson]=$(timed "$BUILD/bench/simdjson_floor" "$OUT/bench_2000.fields" "$EV")
SIMD_INNER=$(awk '{for (i = 1; i < NF; i++) if ($i == "parse_ns_per_event") print $(i+1)}' "$LOG")
NS[sqlite]=$(timed "$BUILD/bench/sqlite_rules" "$OUT/bench_2000.sql" "$EV" "$OUT/sql_pairs.tsv")
read -r SQL_LOAD SQL_QUERY SQL_RULES < <(awk '{for (i = 1; i < NF; i++) { if ($i == "load_s") l = $(i+1); if ($i == "query_s") q = $(i+1); if ($i == "rules") r = $(i+1) } print l, q, r}' "$LOG")
ALERTS=$(wc -l <"$OUT/alerts_jit.jsonl")
MEM[jit_2000]=$(peak "$HORNET" run "$OUT/bench_2000.hn" --input "$EV" --output /dev/null --engine jit)
MEM[interp_2000]=$(peak "$HORNET" run "$OUT/bench_2000.hn" --input "$EV" --output /dev/null --engine interp)
MEM[jit_3000]=$(peak "$HORNET" run "$OUT/bench_3000.hn" --input "$EV" --output /dev/null --engine jit)
MEM[simdjson]=$(peak "$BUILD/bench/simdjson_floor" "$OUT/bench_2000.fields" "$EV")
MEM[sqlite]=$(peak "$BUILD/bench/sqlite_rules" "$OUT/bench_2000.sql" "$EV")

# ---- correctness ---------------------------------------------------------------------------
set +e
python3 "$BENCH/check.py" --truth "$OUT/truth.tsv" --jit "$OUT/alerts_jit.jsonl" --interp "$OUT/alerts_interp.jsonl" \
  --sql "$OUT/sql_pairs.tsv" --pack "$OUT/bench_2000.hn" --out "$OUT/check.txt"
CHECK_RC=$?
set -e

# ---- RESULTS.md ----------------------------------------------------------------------------
python3 - "$OUT" "$BENCH/RESULTS.md" <<EOF
import sys, os, subprocess
out, dest = sys.argv[1], sys.argv[2]
E = $EVENTS
ns = {$(for k in "${!NS[@]}"; do printf '"%s": %s, ' "$k" "${NS[$k]}"; done)}
mem = {$(for k in "${!MEM[@]}"; do printf '"%s": %s, ' "$k" "${MEM[$k]}"; done)}
per = lambda k: ns[k] / E
eps = lambda k: E / (ns[k] / 1e9)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
try:
    commit = subprocess.run(["git", "-C", "$ROOT", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", "$ROOT", "status", "--porcelain", "--", "compiler", "runtime", "cli", "include"], capture_output=True, text=True).stdout.strip()
except Exception:
    commit, dirty = "?", ""
load = open("/proc/loadavg").read().split()[:3]
sql_load, sql_query, sql_rules = float("$SQL_LOAD"), float("$SQL_QUERY"), int("$SQL_RULES")
r_floor = per("jit_2000") / per("simdjson")
r_scale = per("jit_3000") / per("jit_30")
r_sql = eps("jit_2000") / eps("sqlite")
r_sql_q = eps("jit_2000") / (E / sql_query)
r_ji = per("jit_2000") / per("interp_2000")
rows = [
    ("cat of the file", "cat", None),
    ("simdjson On Demand floor (40 fields, no rules)", "simdjson", "simdjson"),
    ("hornet jit, 30 rules", "jit_30", None),
    ("hornet jit, 2,000 rules", "jit_2000", "jit_2000"),
    ("hornet interp, 2,000 rules", "interp_2000", "interp_2000"),
    ("hornet jit, 3,000 rules", "jit_3000", "jit_3000"),
    ("SQLite, %d non-regex rules of the 2,000 (load + queries)" % sql_rules, "sqlite", "sqlite"),
]
L = []
w = L.append
w("# hornet benchmark results\n")
w("Written by \`bench/run.sh\`; see bench/README.md for what each figure means.\n")
w("- Machine: %s, nproc %s (shared: load average at the end %s)" % (cpu, os.cpu_count(), " ".join(load)))
w("- Tree: commit %s%s" % (commit, " with uncommitted changes under compiler/ runtime/ cli/ include/" if dirty else ""))
w("- Command: \`$CMDLINE\`")
w("- Events: %d lines, %d bytes (median line $MEDLEN bytes), $ATTACKS injected attacks, %d alerts with 2,000 rules" % (E, $BYTES, $ALERTS))
w("- Every time is the wall clock of the whole command (\`date +%s%N\`), median of $RUNS runs; peak memory from \`/usr/bin/time -v\`.\n")
w("| what | wall (s) | events/s | ns/event | peak RSS (MB) |")
w("| --- | ---: | ---: | ---: | ---: |")
for label, k, m in rows:
    w("| %s | %.3f | %s | %s | %s |" % (label, ns[k] / 1e9, format(int(eps(k)), ","), format(int(per(k)), ","),
                                     "%.0f" % (mem[m] / 1024) if m else ""))
w("| SQLite: load only (C flattening + INSERT) | %.3f | %s | %s | |" % (sql_load, format(int(E / sql_load), ","), format(int(sql_load * 1e9 / E), ",")))
w("| SQLite: queries only | %.3f | %s | %s | |" % (sql_query, format(int(E / sql_query), ","), format(int(sql_query * 1e9 / E), ",")))
w("")
w("simdjson's own parse-only figure (file read excluded, measured inside the program): $SIMD_INNER ns/event.\n")
w("| pack | compile, cache off (s) | load from cache (s) |")
w("| --- | ---: | ---: |")
for n in (30, 2000, 3000):
    w("| %s rules | %.3f | %.3f |" % (format(n, ","), ns["compile_%d" % n] / 1e9, ns["cached_%d" % n] / 1e9))
w("\n(Both on a 1,000-line input, so they are almost all start-up: parse, check, compile or load the object code.)\n")
w("## Ratios\n")
w("| ratio | value | goal |")
w("| --- | ---: | --- |")
w("| hornet jit 2,000 rules ns/event ÷ simdjson floor ns/event | %.1f× | ≤ 2× (bar 3×) |" % r_floor)
w("| hornet jit 3,000 rules ÷ 30 rules (ns/event) | %.1f× | < 2× |" % r_scale)
w("| hornet jit 2,000 events/s ÷ SQLite events/s (incl. load) | %.1f× | ≥ 100× |" % r_sql)
w("| hornet jit 2,000 events/s ÷ SQLite events/s (queries only) | %.1f× | |" % r_sql_q)
w("| hornet jit ÷ interp (ns/event, 2,000 rules) | %.2f | < 1 |" % r_ji)
w("| compile (cache off) ÷ cached load, 2,000 rules | %.0f× | |" % (ns["compile_2000"] / ns["cached_2000"]))
w("\n## Correctness\n")
for l in open(os.path.join(out, "check.txt")):
    w("- " + l.strip())
w("")
open(dest + ".tmp", "w").write("\n".join(L) + "\n")
EOF
# the notes section is kept from the previous RESULTS.md when present (written by hand)
if [[ -f "$BENCH/RESULTS.md" ]] && grep -q '^## Where hornet stands' "$BENCH/RESULTS.md"; then
  sed -n '/^## Where hornet stands/,$p' "$BENCH/RESULTS.md" >>"$BENCH/RESULTS.md.tmp"
fi
mv "$BENCH/RESULTS.md.tmp" "$BENCH/RESULTS.md"
cat "$BENCH/RESULTS.md"
exit $CHECK_RC
