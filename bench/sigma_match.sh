#!/usr/bin/env bash
# bench/sigma_match.sh - matching speed of the whole imported SigmaHQ Windows corpus over a
# stream of Windows events in the flat convention (std.windows), side by side with SQLite
# running the same rules as SQL (the Zircolite approach), and a differential check: hornet's
# (Sigma id, event line) pairs must equal SQLite's over the rules both sides have.
#
#   bench/sigma_match.sh [SIGMA_DIR]      # default: ../shared/sigma next to the checkout
#
# Environment: EVENTS (100000), SEED (1), RUNS (3: hornet and the floors, median of),
# SQL_RUNS (1: SQLite takes minutes), MAPPING (stdlib/sigma/windows.yml), INDEX (1: also SQLite with an index on EventID,
# Channel; 0: not), BUILD (build-bench), HORNET (a hornet binary to use instead of building
# hornet-cli), SHOW (20 disagreements printed).
# Uses bench/out/sigma/corpus.hn when it exists (bench/sigma.sh writes it), else imports the
# corpus; the first run compiles the 2,800-rule pack (2-3 minutes), later ones load the
# cached object code. Prints a markdown section (also bench/out/sigma_match/results.md);
# exits 1 when hornet and SQLite disagree.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIGMA=${1:-$ROOT/../shared/sigma}
OUT=$ROOT/bench/out/sigma_match
BUILD=${BUILD:-$ROOT/build-bench}
EVENTS=${EVENTS:-100000}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
SQL_RUNS=${SQL_RUNS:-1}
INDEX=${INDEX:-1}
SHOW=${SHOW:-20}
mkdir -p "$OUT"

# ---- build -----------------------------------------------------------------------------------
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHN_BENCH=ON -DHN_TESTS=OFF >/dev/null
HORNET_GIVEN=${HORNET:-}
if [[ -n ${HORNET:-} ]]; then
  cmake --build "$BUILD" -j2 --target sigma_sqlite simdjson_floor >/dev/null
else
  cmake --build "$BUILD" -j2 --target hornet-cli sigma_sqlite simdjson_floor >/dev/null
  HORNET=$BUILD/hornet
fi

# ---- the rules: hornet's pack, and the same rules as SQL ------------------------------------
CORPUS=$ROOT/bench/out/sigma/corpus.hn
if [[ ! -s $CORPUS ]]; then
  mkdir -p "$(dirname "$CORPUS")"
  "$HORNET" import-sigma "$SIGMA/rules" "$SIGMA/rules-emerging-threats" "$SIGMA/rules-threat-hunting" \
    -o "$CORPUS" 2>"$(dirname "$CORPUS")/report.txt"
fi
cp "$CORPUS" "$OUT/corpus.hn"  # the snapshot measured (sigma.sh may rewrite the other)
PACK=$OUT/corpus.hn
# the mapping import-sigma used (log sources, renames, 4688 variants); MAPPING= for a pack
# imported before mappings existed (a category or service then names the std.windows log source)
MAPPING=${MAPPING-$ROOT/stdlib/sigma/windows.yml}
[[ -n $MAPPING && ! -f $MAPPING ]] && MAPPING=
python3 "$ROOT/bench/sigma_sql.py" --corpus "$PACK" --windows "$ROOT/stdlib/windows.hn" ${MAPPING:+--mapping "$MAPPING"} \
  --out "$OUT" | tee "$OUT/sigma_sql.txt"

# ---- the events ------------------------------------------------------------------------------
EV=$OUT/events.jsonl
python3 "$ROOT/bench/gen_winevents.py" --events "$EVENTS" --seed "$SEED" --corpus "$PACK" \
  --windows "$ROOT/stdlib/windows.hn" --out "$EV" --truth "$OUT/truth.tsv"
BYTES=$(stat -c %s "$EV")
MEDLEN=$(awk '{print length($0)}' "$EV" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')

# ---- measuring -------------------------------------------------------------------------------
LOG=$OUT/last.log
wall() {  # wall ns of one command, its output in $LOG
  local t0 t1
  t0=$(date +%s%N)
  "$@" >"$LOG" 2>&1 || { echo "sigma_match.sh: failed: $*" >&2; cat "$LOG" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $((t1 - t0))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
timed() {  # median wall ns of N runs: timed N CMD...
  local n=$1 ts=() i
  shift
  for ((i = 0; i < n; i++)); do ts+=("$(wall "$@")"); done
  median "${ts[@]}"
}
peak() {  # peak RSS (kB) of one run
  /usr/bin/time -v "$@" >/dev/null 2>"$OUT/time.log" || { cat "$OUT/time.log" >&2; exit 1; }
  awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/time.log"
}
declare -A NS MEM

head -n 1000 "$EV" >"$OUT/small.jsonl"
echo "sigma_match.sh: hornet start-up (the first run compiles the pack: 2-3 minutes cold)..." >&2
wall "$HORNET" run "$PACK" --input "$OUT/small.jsonl" --output /dev/null >/dev/null  # fills the cache
NS[start]=$(timed "$RUNS" "$HORNET" run "$PACK" --input "$OUT/small.jsonl" --output /dev/null)
catfile() { cat "$EV" >/dev/null; }
NS[cat]=$(timed "$RUNS" catfile)
NS[floor]=$(timed "$RUNS" "$BUILD/bench/simdjson_floor" "$OUT/sigma.fields" "$EV")
FLOOR_INNER=$(awk '{for (i = 1; i < NF; i++) if ($i == "parse_ns_per_event") print $(i+1)}' "$LOG")
echo "sigma_match.sh: hornet, $RUNS runs..." >&2
NS[hornet]=$(timed "$RUNS" "$HORNET" run "$PACK" --input "$EV" --output "$OUT/alerts.jsonl")
HSUM=$(grep '^hornet run:' "$LOG" || true)
MEM[hornet]=$(peak "$HORNET" run "$PACK" --input "$EV" --output /dev/null)
echo "sigma_match.sh: SQLite, $SQL_RUNS run(s) (minutes)..." >&2
NS[sqlite]=$(timed "$SQL_RUNS" "$BUILD/bench/sigma_sqlite" "$OUT/sigma.sql" "$EV" "$OUT/sql_pairs.tsv")
SQLSUM=$(cat "$LOG")
field() { awk -v k="$1" '{for (i = 1; i < NF; i++) if ($i == k) print $(i+1)}' <<<"$2"; }
SQL_LOAD=$(field load_s "$SQLSUM")
SQL_QUERY=$(field query_s "$SQLSUM")
if [[ $INDEX == 1 ]]; then
  NS[sqlite_ix]=$(timed "$SQL_RUNS" "$BUILD/bench/sigma_sqlite" --index "$OUT/sigma.sql" "$EV" "$OUT/sql_pairs_ix.tsv")
  SQLIXSUM=$(cat "$LOG")
  SQLIX_QUERY=$(field query_s "$SQLIXSUM")
  SQLIX_INDEX=$(field index_s "$SQLIXSUM")
  cmp -s <(sort "$OUT/sql_pairs.tsv") <(sort "$OUT/sql_pairs_ix.tsv") && IXSAME=identical || IXSAME=DIFFERENT
fi

# ---- the differential check -----------------------------------------------------------------
set +e
python3 "$ROOT/bench/sigma_diff.py" --corpus "$PACK" --sql "$OUT/sigma.sql" --alerts "$OUT/alerts.jsonl" \
  --pairs "$OUT/sql_pairs.tsv" --truth "$OUT/truth.tsv" --events "$EV" --show "$SHOW" >"$OUT/diff.txt"
DIFF_RC=$?
set -e
ALERTS=$(wc -l <"$OUT/alerts.jsonl")

# ---- the report ------------------------------------------------------------------------------
eps() { python3 -c "print(f'{$EVENTS/($1/1e9):,.0f}')"; }
sec() { python3 -c "print(f'{$1/1e9:.3f}')"; }
nsev() { python3 -c "print(f'{$1/$EVENTS:,.0f}')"; }
ratio() { python3 -c "print(f'{$1/$2:.1f}')"; }
{
  echo "### Matching the corpus over Windows events: hornet and SQLite (bench/sigma_match.sh)"
  echo
  echo "Written by \`EVENTS=$EVENTS bench/sigma_match.sh\` (tree $(git -C "$ROOT" rev-parse --short HEAD)$( [[ -n ${HORNET_GIVEN:-} ]] && echo "; hornet: $HORNET"); pack: $CORPUS of $(date -u -r "$CORPUS" '+%F %H:%M'); machine: $(nproc) cores, shared, load $(cut -d' ' -f1-3 /proc/loadavg))."
  echo
  echo "- Events: $EVENTS lines of \`bench/gen_winevents.py --seed $SEED\` in the flat convention, $BYTES bytes (median line $MEDLEN bytes); $(wc -l <"$OUT/truth.tsv") of them crafted from the rules' selections, one per rule."
  echo "- Rules: the $(grep -c '^rule ' "$PACK") rules of the imported pack; $(grep -vc '^#' "$OUT/sigma.sql") of them translated to SQL by \`bench/sigma_sql.py\` (the others left out on both sides: $(wc -l <"$OUT/sigma_sql_skipped.tsv"))."
  echo "- Every time is the wall clock of the whole command, median of $RUNS runs (SQLite: $SQL_RUNS); hornet with its object-code cache warm."
  echo
  echo "| what | wall (s) | events/s | ns/event | peak RSS (MB) |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  echo "| cat of the file | $(sec "${NS[cat]}") | $(eps "${NS[cat]}") | $(nsev "${NS[cat]}") | |"
  echo "| simdjson floor ($(wc -l <"$OUT/sigma.fields") fields, no rules) | $(sec "${NS[floor]}") | $(eps "${NS[floor]}") | $(nsev "${NS[floor]}") | |"
  echo "| **hornet run** ($(grep -c '^rule ' "$PACK") rules, jit) | $(sec "${NS[hornet]}") | **$(eps "${NS[hornet]}")** | $(nsev "${NS[hornet]}") | $((MEM[hornet] / 1024)) |"
  echo "| hornet start-up alone (1,000 events) | $(sec "${NS[start]}") | | | |"
  echo "| **SQLite** (load + $(grep -vc '^#' "$OUT/sigma.sql") SELECTs, full scans) | $(sec "${NS[sqlite]}") | **$(eps "${NS[sqlite]}")** | $(nsev "${NS[sqlite]}") | |"
  echo "| SQLite: load only (C flattening + INSERT) | $SQL_LOAD | | | |"
  echo "| SQLite: queries only | $SQL_QUERY | | | |"
  if [[ $INDEX == 1 ]]; then
    echo "| SQLite with an index on (EventID, Channel) | $(sec "${NS[sqlite_ix]}") | $(eps "${NS[sqlite_ix]}") | $(nsev "${NS[sqlite_ix]}") | |"
    echo "| SQLite with the index: queries only (index built in ${SQLIX_INDEX} s) | $SQLIX_QUERY | | | |"
  fi
  echo
  echo "simdjson's own parse-only figure (file read excluded): ${FLOOR_INNER} ns/event. hornet's own summary: \`${HSUM}\`"
  echo
  echo "| ratio | value |"
  echo "| --- | ---: |"
  echo "| hornet events/s ÷ SQLite events/s (load + queries) | **$(ratio "${NS[sqlite]}" "${NS[hornet]}")×** |"
  echo "| hornet events/s ÷ SQLite events/s (queries only) | $(python3 -c "print(f'{$SQL_QUERY/(${NS[hornet]}/1e9):.1f}')")× |"
  if [[ $INDEX == 1 ]]; then
    echo "| hornet events/s ÷ SQLite with the index | $(ratio "${NS[sqlite_ix]}" "${NS[hornet]}")× |"
  fi
  echo "| hornet ns/event ÷ simdjson floor ns/event | $(ratio "${NS[hornet]}" "${NS[floor]}")× |"
  echo
  echo "Differential check (\`bench/sigma_diff.py\`), $ALERTS hornet alerts:"
  echo
  echo '```'
  cat "$OUT/diff.txt"
  [[ $INDEX == 1 ]] && echo "SQLite with and without the index: $IXSAME pairs"
  echo '```'
  echo
} | tee "$OUT/results.md"
exit $DIFF_RC
