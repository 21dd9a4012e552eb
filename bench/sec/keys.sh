#!/usr/bin/env bash
# bench/sec/keys.sh - one million distinct keys live at once under the count-window threshold:
# events/s, peak RSS and memory per live key, for hornet (and SEC unless SEC=0).
#
#   bench/sec/keys.sh                 # 1,000,000 keys, one failed logon each
#   KEYS=100000 RUNS=1 bench/sec/keys.sh
#
# The stream (gen_auth.py --mode keys): KEYS distinct (user.name, source.ip) keys, PER_KEY
# failed logons each (1..4: nothing fires), all within 9 minutes of event time, so at the end of
# the stream every key is in a 10-minute window. Memory per live key = (peak RSS of the run with
# the threshold - peak RSS of the same run with a stateless single-event rule over the same
# fields and events) / KEYS. hornet also prints its own estimate of the correlation state
# (`N keys at most (~M MB)`), reported beside it.
#
# Environment: KEYS (1000000), PER_KEY (1), SEED (1), RUNS (3, hornet; SEC runs once: over two
# minutes for a million keys), SEC (1: also measure SEC), BUILD, REBUILD (see run.sh).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$HERE/out
BUILD=${BUILD:-$ROOT/build-bench}
KEYS=${KEYS:-1000000}
PER_KEY=${PER_KEY:-1}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
SEC=${SEC:-1}

# shellcheck source=common.sh
source "$HERE/common.sh"
need_packages time
[[ "$SEC" == 1 ]] && need_packages sec
ensure_hornet hornet-cli

mkdir -p "$OUT"
JSON=$OUT/keys.jsonl
TEXT=$OUT/keys.log
textarg=()
[[ "$SEC" == 1 ]] && textarg=(--text "$TEXT")
python3 "$HERE/gen_auth.py" --mode keys --seed "$SEED" --keys "$KEYS" --per-key "$PER_KEY" --json "$JSON" "${textarg[@]}"
EVENTS=$((KEYS * PER_KEY))
"$HORNET" check "$HERE/keys_count.hn" "$HERE/keys_base.hn"

echo "measuring hornet (median of $RUNS runs each)..."
for p in keys_count keys_base; do
  "$HORNET" run "$HERE/$p.hn" --input "$JSON" --output /dev/null 2>/dev/null  # fills the object-code cache
done
timed /dev/null "$HORNET" run "$HERE/keys_count.hn" --input "$JSON" --output /dev/null
NS_C=$T_NS KB_C=$T_KB
sed 's/^/  /' "$LOG"
state_figures
timed /dev/null "$HORNET" run "$HERE/keys_base.hn" --input "$JSON" --output /dev/null
NS_B=$T_NS KB_B=$T_KB

NS_SC=0 KB_SC=0 NS_SB=0 KB_SB=0
if [[ "$SEC" == 1 ]]; then
  echo "measuring SEC (one run each)..."
  RUNS=1 timed "$OUT/sec_keys_alerts.txt" sec --conf="$HERE/sec_keys.conf" --input="$TEXT" --notail
  NS_SC=$T_NS KB_SC=$T_KB
  RUNS=1 timed /dev/null sec --conf="$HERE/sec_keys_base.conf" --input="$TEXT" --notail
  NS_SB=$T_NS KB_SB=$T_KB
fi

python3 - "$OUT/keys.md" <<EOF
import sys
K, E, per, runs = $KEYS, $EVENTS, $PER_KEY, $RUNS
L = []
w = L.append
eps = lambda ns: format(int(E / (ns / 1e9)), ",")
w("## One million live keys\n" if K == 1000000 else "## %s live keys\n" % format(K, ","))
w("Written by \`bench/sec/keys.sh\` (\`KEYS=%d PER_KEY=%d\`): %s events, %s distinct (user.name, source.ip) keys "
  "with %d failed logon%s each, all within 9 minutes, so every key is live in the 10-minute count window at the end; "
  "nothing fires. Bytes per key = (peak RSS with the threshold − peak RSS with a stateless rule over the same "
  "fields) ÷ keys. hornet: median of %d runs; SEC: one run.\n"
  % (K, per, format(E, ","), format(K, ","), per, "" if per == 1 else "s", runs))
w("| run | wall (s) | events/s | peak RSS (MB) | bytes per live key |")
w("| --- | ---: | ---: | ---: | ---: |")
kc, kb = $KB_C, $KB_B
w("| hornet, threshold (\`keys_count.hn\`) | %.3f | %s | %.0f | **%.0f** |" % ($NS_C / 1e9, eps($NS_C), kc / 1024, (kc - kb) * 1024 / K))
w("| hornet, stateless baseline (\`keys_base.hn\`) | %.3f | %s | %.0f | |" % ($NS_B / 1e9, eps($NS_B), kb / 1024))
if $NS_SC:
    sc, sb = $KB_SC, $KB_SB
    w("| SEC, SingleWithThreshold (\`sec_keys.conf\`) | %.3f | %s | %.0f | **%.0f** |" % ($NS_SC / 1e9, eps($NS_SC), sc / 1024, (sc - sb) * 1024 / K))
    w("| SEC, stateless baseline (\`sec_keys_base.conf\`) | %.3f | %s | %.0f | |" % ($NS_SB / 1e9, eps($NS_SB), sb / 1024))
w("")
hk, hmb = "${H_KEYS:-}", "${H_MB:-}"
if hk:
    w("hornet's own estimate of its correlation state: %s keys at most, ~%s MB, %.0f bytes per key." % (
        format(int(hk), ","), hmb, float(hmb) * 1e6 / int(hk)))
w("Goal: under 200 bytes per live key for a count window: %s (%.0f bytes)." % (
    "met" if (kc - kb) * 1024 / K < 200 else "NOT met", (kc - kb) * 1024 / K))
if $NS_SC:
    w("hornet ÷ SEC: %.1f× the events/s, %.1f× less memory per key." % ($NS_SC / $NS_C, (sc - sb) / max(1, kc - kb)))
w("")
open(sys.argv[1], "w").write("\n".join(L) + "\n")
EOF
cat "$OUT/keys.md"
