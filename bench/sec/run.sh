#!/usr/bin/env bash
# bench/sec/run.sh - hornet side by side with SEC (the Simple Event Correlator, Debian package
# `sec`) on one workload: install what is missing, generate the events in their JSON and text
# forms, run both, check that they report the same detections (and the ground truth), print a
# markdown section with the figures. Exits non-zero when the detections disagree.
#
#   bench/sec/run.sh                  # 200,000 events
#   EVENTS=20000 RUNS=1 bench/sec/run.sh
#   SCALE=1 bench/sec/run.sh          # then bench/sec/keys.sh and bench/sec/pack.sh; writes RESULTS.md
#
# Environment: EVENTS (200000), ATTACKS (EVENTS/400 bursts of 5 failed logons), PAIR_PERCENT
# (50: bursts followed by a success), SEED (1), RUNS (3: each figure is the median of RUNS
# runs), BUILD (build-bench), REBUILD (0: build hornet only when the binary is missing),
# SCALE (0), SEC_CONF (sec.conf; sec_pairwindow.conf writes the pair as a PairWithWindow rule).
# Timing uses only bash's `date +%s%N` (wall clock of each whole command); the peak resident
# set comes from /usr/bin/time -v around the same timed runs (the largest of them).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$HERE/out
BUILD=${BUILD:-$ROOT/build-bench}
EVENTS=${EVENTS:-200000}
ATTACKS=${ATTACKS:-$((EVENTS / 400 > 0 ? EVENTS / 400 : 1))}
PAIR_PERCENT=${PAIR_PERCENT:-50}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
REBUILD=${REBUILD:-0}
SCALE=${SCALE:-0}
SEC_CONF=${SEC_CONF:-sec.conf}
[[ "$SEC_CONF" == /* ]] || SEC_CONF=$HERE/$SEC_CONF
HORNET=$BUILD/hornet
export BUILD REBUILD RUNS SEED

# ---- packages and hornet -------------------------------------------------------------------
# shellcheck source=common.sh
source "$HERE/common.sh"
need_packages sec time
ensure_hornet hornet-cli simdjson_floor

# ---- generate ------------------------------------------------------------------------------
mkdir -p "$OUT"
JSON=$OUT/auth.jsonl
TEXT=$OUT/auth.log
python3 "$HERE/gen_auth.py" --seed "$SEED" --events "$EVENTS" --attacks "$ATTACKS" --pair-percent "$PAIR_PERCENT" \
  --json "$JSON" --text "$TEXT" --truth "$OUT/truth.tsv"
"$HORNET" check "$HERE/sec_bench.hn"
sec --conf="$SEC_CONF" --testonly >/dev/null || { echo "run.sh: $SEC_CONF does not load" >&2; exit 1; }
# the fields sec_bench.hn reads, for the simdjson floor (bench/simdjson_floor.cpp)
printf '%s\n' @timestamp event.action event.outcome host.name user.name source.ip destination.ip destination.port \
  process.name process.parent.name process.executable process.command_line dns.question.name dns.question.type \
  url.original user_agent.original file.path file.extension >"$OUT/sec_bench.fields"
JBYTES=$(stat -c %s "$JSON")
TBYTES=$(stat -c %s "$TEXT")

# ---- measure -------------------------------------------------------------------------------
# hornet writes its alerts itself; SEC reads the file to its end and exits (--notail), its
# detections (`write -` actions) on standard output
HORNET_CMD=("$HORNET" run "$HERE/sec_bench.hn" --input "$JSON" --output "$OUT/hornet_alerts.jsonl")
SEC_CMD=(sec --conf="$SEC_CONF" --input="$TEXT" --notail)

echo "measuring (median of $RUNS runs each)..."
"${HORNET_CMD[@]}" 2>/dev/null  # fills the object-code cache: the timed runs load it, as in bench/run.sh
timed /dev/null "${HORNET_CMD[@]}"
NS_H=$T_NS KB_H=$T_KB
sed 's/^/  /' "$LOG"
timed "$OUT/sec_alerts.txt" "${SEC_CMD[@]}"
NS_S=$T_NS KB_S=$T_KB
# the floor of any JSON Lines engine: one simdjson On Demand pass that extracts those fields
timed /dev/null "$BUILD/bench/simdjson_floor" "$OUT/sec_bench.fields" "$JSON"
NS_F=$T_NS KB_F=$T_KB

# ---- correctness ---------------------------------------------------------------------------
set +e
python3 "$HERE/compare.py" --truth "$OUT/truth.tsv" --hornet "$OUT/hornet_alerts.jsonl" --sec "$OUT/sec_alerts.txt" \
  --out "$OUT/compare.md" >/dev/null
CHECK_RC=$?
set -e

# ---- report --------------------------------------------------------------------------------
python3 - "$OUT/results.md" <<EOF
import sys, os
E, runs = $EVENTS, $RUNS
ns_h, ns_s, ns_f, kb_h, kb_s, kb_f = $NS_H, $NS_S, $NS_F, $KB_H, $KB_S, $KB_F
eps_h, eps_s, eps_f = E / (ns_h / 1e9), E / (ns_s / 1e9), E / (ns_f / 1e9)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
ver = os.popen("dpkg-query -W -f='\${Version}' sec 2>/dev/null").read().strip() or "?"
commit = os.popen("git -C $ROOT rev-parse --short HEAD 2>/dev/null").read().strip() or "?"
if os.popen("git -C $ROOT status --porcelain -- compiler runtime cli include 2>/dev/null").read().strip():
    commit += " with uncommitted changes under compiler/ runtime/ cli/ include/"
L = []
w = L.append
w("## hornet and SEC side by side\n")
w("Written by \`bench/sec/run.sh\` (\`EVENTS=%d RUNS=%d\`): %s, nproc %s, load average %s; tree %s, SEC %s." % (
    E, runs, cpu, os.cpu_count(), " ".join(open("/proc/loadavg").read().split()[:3]), commit, ver))
w("The same %s events (SSH logons, process starts, firewall, DNS, proxy, file creations; $ATTACKS bursts of 5 failed "
  "logons, ${PAIR_PERCENT}%% of them followed by a success) as JSON Lines for hornet (%.1f MB) and as syslog-like "
  "text for SEC (%.1f MB); 30 single-event rules, the threshold and the pair on each side. Wall clock of the whole "
  "command, median of %d runs; peak RSS from \`/usr/bin/time -v\`.\n" % (format(E, ","), $JBYTES / 1e6, $TBYTES / 1e6, runs))
w("| engine | input | wall (s) | events/s | µs/event | peak RSS (MB) |")
w("| --- | --- | ---: | ---: | ---: | ---: |")
w("| hornet run (jit, cached) | JSON Lines | %.3f | %s | %.2f | %.0f |" % (ns_h / 1e9, format(int(eps_h), ","), ns_h / 1e3 / E, kb_h / 1024))
w("| SEC --notail (\`$(basename "$SEC_CONF")\`) | text | %.3f | %s | %.2f | %.0f |" % (ns_s / 1e9, format(int(eps_s), ","), ns_s / 1e3 / E, kb_s / 1024))
w("| simdjson On Demand floor (the 18 fields the pack reads, no rules) | JSON Lines | %.3f | %s | %.2f | %.0f |" % (
    ns_f / 1e9, format(int(eps_f), ","), ns_f / 1e3 / E, kb_f / 1024))
w("")
w("**hornet ÷ SEC events/s: %.1f×** (goal ≥ 100×). hornet ÷ the simdjson floor (time): %.1f×; the floor ÷ SEC, "
  "the most a JSON Lines engine could reach on this input and machine: %.0f×.\n" % (eps_h / eps_s, ns_h / ns_f, eps_f / eps_s))
w("Detections:\n")
L.extend(l.rstrip("\n") for l in open("$OUT/compare.md"))
w("")
open(sys.argv[1], "w").write("\n".join(L) + "\n")
EOF
cat "$OUT/results.md"

# with the scale runs, the three sections together make bench/sec/RESULTS.md
if [[ "$SCALE" == 1 ]]; then
  REBUILD=0 "$HERE/keys.sh"
  REBUILD=0 "$HERE/pack.sh"
  { echo "# hornet against SEC: results"; echo
    echo "Written by \`SCALE=1 bench/sec/run.sh\`; see bench/sec/README.md for what each figure means."; echo
    cat "$OUT/results.md" "$OUT/keys.md" "$OUT/pack.md"; } >"$HERE/RESULTS.md"
fi
exit $CHECK_RC
