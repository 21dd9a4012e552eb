#!/usr/bin/env bash
# state.sh HORNET - what hornet keeps on disk, from the command line: cache entries damaged in
# every way are rebuilt with the same alerts, state files are written atomically and refused
# when damaged, and an event far ahead of the clock is reported and counted.
set -u
hornet=$1
cd "$(dirname "$0")/.."
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HORNET_CACHE_DIR=$tmp/cache

# ---- the cache: each entry damaged (a flipped bit, a truncation, bytes appended), then a run
# that must give the alerts of a cold run and leave the entry as a cold run writes it
"$hornet" run examples/acme --input examples/acme/events.jsonl --output "$tmp/cold.jsonl" 2>/dev/null || ko "cold run"
cp -r "$tmp/cache" "$tmp/cache.cold"
entries=("$tmp"/cache/*)
[[ ${#entries[@]} -ge 2 ]] && ok || ko "the cold run cached nothing"
RANDOM=7
runs=0
for ((round = 1; round <= ${HN_CACHE_ROUNDS:-3}; round++)); do  # each round damages every entry once
  for e in "${entries[@]}"; do
    size=$(stat -c %s "$e")
    case $(( (round + RANDOM) % 3 )) in
      0) pos=$(( (RANDOM * 32768 + RANDOM) % size )); bit=$(( RANDOM % 8 ))
         python3 -c "import sys; p,o,b=sys.argv[1],int(sys.argv[2]),int(sys.argv[3]); d=bytearray(open(p,'rb').read()); d[o]^=1<<b; open(p,'wb').write(d)" "$e" $pos $bit
         how="bit $bit of byte $pos flipped";;
      1) len=$(( (RANDOM * 32768 + RANDOM) % size )); truncate -s $len "$e"; how="truncated to $len bytes";;
      2) printf 'garbage' >> "$e"; how="bytes appended";;
    esac
    "$hornet" run examples/acme --input examples/acme/events.jsonl --output "$tmp/warm.jsonl" 2>"$tmp/err"
    rc=$?
    runs=$((runs + 1))
    if [[ $rc -ne 0 ]] || ! cmp -s "$tmp/cold.jsonl" "$tmp/warm.jsonl"; then
      ko "cache entry ${e##*/} $how: exit $rc or other alerts"; sed 's/^/  | /' "$tmp/err" | head -5
    elif ! cmp -s "$e" "$tmp/cache.cold/${e##*/}"; then
      ko "cache entry ${e##*/} $how: not rebuilt"
    else ok; fi
  done
done
echo "cache: $runs damaged entries tried"
# damaged or not, no temporary file is left behind
ls "$tmp"/cache/*.tmp >/dev/null 2>&1 && ko "temporary cache files left" || ok

# ---- state files
pack=tests/golden/run/correlation.hn
events=tests/golden/run/correlation.jsonl
head -8 $events > "$tmp/part.jsonl"
"$hornet" run $pack --input "$tmp/part.jsonl" --state "$tmp/st" --output /dev/null 2>/dev/null || ko "state written"
cp "$tmp/st" "$tmp/st.good"
# one changed byte: refused with exit 1, naming the file and what is wrong, the file untouched
python3 -c "import sys; p=sys.argv[1]; d=bytearray(open(p,'rb').read()); d[len(d)//2]^=0x10; open(p,'wb').write(d)" "$tmp/st"
cp "$tmp/st" "$tmp/st.bad"
"$hornet" run $pack --input $events --state "$tmp/st" --output /dev/null 2>"$tmp/err"
rc=$?
[[ $rc -eq 1 ]] && ok || ko "damaged state: exit $rc, want 1"
grep -qF "hornet: state file '$tmp/st': corrupt: its checksum does not match its content" "$tmp/err" && ok ||
  { ko "damaged state: no clear message"; sed 's/^/  | /' "$tmp/err"; }
cmp -s "$tmp/st" "$tmp/st.bad" && ok || ko "a refused state file was changed"
# truncated
head -c 100 "$tmp/st.good" > "$tmp/st"
"$hornet" run $pack --input $events --state "$tmp/st" --output /dev/null 2>"$tmp/err"
[[ $? -eq 1 ]] && grep -qF "truncated or corrupt" "$tmp/err" && ok || { ko "truncated state"; sed 's/^/  | /' "$tmp/err"; }
# resumed over an input shorter than the position it holds: not the input it was written for
cp "$tmp/st.good" "$tmp/st"
head -2 $events > "$tmp/short.jsonl"
"$hornet" run $pack --input "$tmp/short.jsonl" --state "$tmp/st" --output /dev/null 2>"$tmp/err"
[[ $? -eq 1 ]] && grep -qF "cannot resume '$tmp/short.jsonl' at byte" "$tmp/err" && ok || { ko "shorter input"; sed 's/^/  | /' "$tmp/err"; }
# not a state file at all
echo '{"not":"a state"}' > "$tmp/st"
"$hornet" run $pack --input $events --state "$tmp/st" --output /dev/null 2>"$tmp/err"
[[ $? -eq 1 ]] && grep -qF "not a hornet state file" "$tmp/err" && ok || ko "not a state file"

# written atomically: a run killed while writing its state (here by the file size limit,
# SIGXFSZ) leaves the previous state whole, and the next run resumes from it
cp "$tmp/st.good" "$tmp/st"
python3 -c "
import sys
for i in range(3000):
    print('{\"@timestamp\":\"2024-03-01T%02d:%02d:%02dZ\",\"user.name\":\"u%d\",\"event.outcome\":\"failure\",\"pad\":\"%s\"}' % (10 + i // 3600, i // 60 % 60, i % 60, i % 50, 'x' * 100))
" > "$tmp/big.jsonl"
printf 'pack t.atomic 1.0.0\nsettings { lateness 1d }\nschema s { time @timestamp\n user.name: string\n event.outcome: string }\nrule r { severity low where event.outcome == "failure" group by user.name window 1h having count() >= 1000 }\n' > "$tmp/atomic.hn"
"$hornet" run "$tmp/atomic.hn" --input "$tmp/part.jsonl" --state "$tmp/sa" --output /dev/null 2>/dev/null || ko "small state"
cp "$tmp/sa" "$tmp/sa.before"
rc=$(sh -c 'ulimit -f 64; "$@" 2>/dev/null; echo $?' sh "$hornet" run "$tmp/atomic.hn" --input "$tmp/big.jsonl" \
  --state "$tmp/sa" --output /dev/null 2>/dev/null)
[[ $rc -ne 0 ]] && ok || ko "the write of a large state was not cut short (exit $rc)"
cmp -s "$tmp/sa" "$tmp/sa.before" && ok || ko "a state write cut short changed the state file"
"$hornet" run "$tmp/atomic.hn" --input "$tmp/part.jsonl" --state "$tmp/sa" --output /dev/null 2>"$tmp/err" && ok ||
  { ko "resuming after a cut-short write"; sed 's/^/  | /' "$tmp/err"; }
# the data reach the disk before the rename, and the rename reaches it too
if command -v strace >/dev/null; then
  ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=fsync,rename -o "$tmp/trace" "$hornet" run $pack --input "$tmp/part.jsonl" --state "$tmp/sf" --output /dev/null 2>/dev/null
  if awk '/rename\(.*sf\.tmp/ {r = 1; next} /fsync/ {if (r) after = 1; else before = 1} END {exit !(r && before && after)}' "$tmp/trace"; then ok; else
    ko "state file not synced before and after its rename"; sed 's/^/  | /' "$tmp/trace" | tail -8; fi
fi

# ---- incidents carry on: a stream in two halves with --state writes the alerts and incident
# records of one run over the whole stream (ids go on, open incidents take later alerts)
q=tests/golden/queue/scenario
"$hornet" run $q.hn --input $q.jsonl --output "$tmp/whole.alerts" --incidents "$tmp/whole.rec" 2>/dev/null || ko "whole run"
rm -f "$tmp/sq"
"$hornet" run $q.hn --input $q.jsonl --output "$tmp/half.alerts" --incidents "$tmp/half.rec" --state "$tmp/sq" --max-events 4 2>/dev/null &&
"$hornet" run $q.hn --input $q.jsonl --output "$tmp/half.alerts" --incidents "$tmp/half.rec" --state "$tmp/sq" --final 2>/dev/null || ko "runs in halves"
grep -q '"INC-000002"' "$tmp/whole.rec" && cmp -s "$tmp/whole.alerts" "$tmp/half.alerts" && ok || ko "alerts in two halves differ"
if cmp -s "$tmp/whole.rec" "$tmp/half.rec"; then ok; else ko "incident records in two halves differ"; diff "$tmp/whole.rec" "$tmp/half.rec" | head -10; fi

# ---- an event far ahead of the clock: reported with its line, counted in the summary
printf '{"@timestamp":"2024-03-01T09:00:00Z","user.name":"a","event.outcome":"failure"}\n{"@timestamp":"2099-01-01T00:00:00Z","user.name":"a","event.outcome":"failure"}\n{"@timestamp":"2024-03-01T09:01:00Z","user.name":"a","event.outcome":"failure"}\n' > "$tmp/skew.jsonl"
"$hornet" run $pack --input "$tmp/skew.jsonl" --output /dev/null 2>"$tmp/err"
grep -qF "skew.jsonl:2: event ahead of the clock by more than max_skew (300s)" "$tmp/err" && ok || { ko "ahead event not reported"; sed 's/^/  | /' "$tmp/err"; }
grep -qF "held back: 1 events ahead of the clock" "$tmp/err" && grep -qF "0 late" "$tmp/err" && ok ||
  { ko "ahead event not in the summary"; sed 's/^/  | /' "$tmp/err"; }

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
