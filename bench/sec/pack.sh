#!/usr/bin/env bash
# bench/sec/pack.sh - the 2,000-rule pack of the matchers benchmark (bench/gen_rules.py) plus 50
# correlation rules (gen_corr.py), over the ECS stream of bench/gen_events.c: events/s with and
# without the correlations, their state, and checks that they change nothing else.
#
#   bench/sec/pack.sh                 # 200,000 events
#   EVENTS=50000 RUNS=1 bench/sec/pack.sh
#
# Environment: EVENTS (200000), ATTACKS (2000: one per single-event rule), CORR (50), SEED (1),
# RULE_SEED (7, as bench/run.sh), CORR_SEED (3), RUNS (3: median of), BUILD, REBUILD (run.sh).
# Checks: (1) every injected attack raised an alert of its rule; (2) the single-event alerts are
# the same with and without the correlations; (3) jit and interp write identical alert files
# for the 2,050 rules (correlation alerts included).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$HERE/out
BUILD=${BUILD:-$ROOT/build-bench}
EVENTS=${EVENTS:-200000}
ATTACKS=${ATTACKS:-2000}
CORR=${CORR:-50}
SEED=${SEED:-1}
RULE_SEED=${RULE_SEED:-7}
CORR_SEED=${CORR_SEED:-3}
RUNS=${RUNS:-3}

# shellcheck source=common.sh
source "$HERE/common.sh"
need_packages time
ensure_hornet hornet-cli gen_events

P=$OUT/pack
mkdir -p "$P"
python3 "$ROOT/bench/gen_rules.py" --seed "$RULE_SEED" --rules 2000 --sizes 2000 --out "$P" >/dev/null
python3 "$HERE/gen_corr.py" --seed "$CORR_SEED" --rules "$CORR" --out "$P/corr_$CORR.hn"
"$BUILD/bench/gen_events" --seed "$SEED" --events "$EVENTS" --attacks "$ATTACKS" \
  --witness "$P/bench_2000.witness" --truth "$P/truth.tsv" --out "$P/events.jsonl"
SINGLE=("$P/bench_2000.hn")
BOTH=("$P/bench_2000.hn" "$P/corr_$CORR.hn")  # two files of one pack
"$HORNET" check "${SINGLE[@]}"
"$HORNET" check "${BOTH[@]}"

echo "measuring (median of $RUNS runs each)..."
# fill the object-code cache of both packs: the timed runs load it, as in bench/run.sh
"$HORNET" run "${SINGLE[@]}" --input "$P/events.jsonl" --output /dev/null 2>/dev/null
"$HORNET" run "${BOTH[@]}" --input "$P/events.jsonl" --output /dev/null 2>/dev/null
timed /dev/null "$HORNET" run "${SINGLE[@]}" --input "$P/events.jsonl" --output "$P/alerts_2000.jsonl"
NS_1=$T_NS KB_1=$T_KB
timed /dev/null "$HORNET" run "${BOTH[@]}" --input "$P/events.jsonl" --output "$P/alerts_both.jsonl"
NS_2=$T_NS KB_2=$T_KB
sed 's/^/  /' "$LOG"
state_figures
"$HORNET" run "${BOTH[@]}" --input "$P/events.jsonl" --output "$P/alerts_both_interp.jsonl" --engine interp 2>/dev/null

set +e
python3 - "$P" "$OUT/pack.md" <<EOF
import sys, json, collections
P, dest = sys.argv[1], sys.argv[2]
E, runs, ncorr = $EVENTS, $RUNS, $CORR
ns1, ns2, kb1, kb2 = $NS_1, $NS_2, $KB_1, $KB_2
def alerts(path):
    return [json.loads(l) for l in open(path, encoding="utf-8")]
a1, a2 = alerts(P + "/alerts_2000.jsonl"), alerts(P + "/alerts_both.jsonl")
corr_rules = {l.split()[1] for l in open(P + "/corr_%d.hn" % ncorr) if l.startswith("rule ")}
s1 = {(a["rule"], a["input"]["line"]) for a in a1}
s2 = {(a["rule"], a["input"]["line"]) for a in a2 if a["rule"] not in corr_rules}
c2 = collections.Counter(a["rule"] for a in a2 if a["rule"] in corr_rules)
truth = [(l.split("\t")[1].strip(), int(l.split("\t")[0])) for l in open(P + "/truth.tsv") if l.strip()]
missed = [t for t in truth if (t[0], t[1]) not in s2]
same_single = s1 == s2
ji = open(P + "/alerts_both.jsonl", "rb").read() == open(P + "/alerts_both_interp.jsonl", "rb").read()
ok = not missed and same_single and ji
eps = lambda ns: format(int(E / (ns / 1e9)), ",")
L = []
w = L.append
w("## The 2,000-rule pack plus %d correlations\n" % ncorr)
w("Written by \`bench/sec/pack.sh\` (\`EVENTS=%d RUNS=%d\`): the 2,000 single-event rules of \`bench/gen_rules.py\` "
  "(seed $RULE_SEED) and %d correlation rules of \`gen_corr.py\` (seed $CORR_SEED: sliding and tumbling "
  "windows, sequences, an absence) as one pack, over %s events of \`bench/gen_events.c\` with $ATTACKS attacks. "
  "Wall clock of the whole command (jit, cached), median of %d runs.\n" % (E, runs, ncorr, format(E, ","), runs))
w("| pack | wall (s) | events/s | µs/event | alerts | peak RSS (MB) |")
w("| --- | ---: | ---: | ---: | ---: | ---: |")
w("| 2,000 single-event rules | %.3f | %s | %.2f | %s | %.0f |" % (ns1 / 1e9, eps(ns1), ns1 / 1e3 / E, format(len(a1), ","), kb1 / 1024))
w("| 2,000 + %d correlations | %.3f | %s | %.2f | %s (%s correlation) | %.0f |" % (
    ncorr, ns2 / 1e9, eps(ns2), ns2 / 1e3 / E, format(len(a2), ","), format(sum(c2.values()), ","), kb2 / 1024))
w("")
w("The %d correlations cost %.2f µs per event (%.1f× the time of the 2,000 rules alone); %d of them fired." % (
    ncorr, (ns2 - ns1) / 1e3 / E, ns2 / ns1, len(c2)))
hk, hmb = "${H_KEYS:-}", "${H_MB:-}"
if hk:
    w("Correlation state at its largest (hornet's estimate): %s keys, ~%s MB." % (format(int(hk), ","), hmb))
w("")
w("Checks:\n")
w("- ground truth: %d/%d injected attacks raised an alert of their rule with the correlations loaded%s" % (
    len(truth) - len(missed), len(truth), "" if not missed else "; missed e.g. %s" % missed[:3]))
w("- single-event alerts with and without the correlations: %s (%s (rule, event) pairs)" % (
    "identical" if same_single else "DIFFERENT", format(len(s1 | s2), ",")))
w("- jit vs interp, 2,000 + %d rules: %s" % (ncorr, "identical alert files" if ji else "DIFFERENT alert files"))
w("")
open(dest, "w").write("\n".join(L) + "\n")
sys.exit(0 if ok else 1)
EOF
RC=$?
set -e
cat "$OUT/pack.md"
exit $RC
