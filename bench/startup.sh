#!/usr/bin/env bash
# bench/startup.sh - issue 11's figures: pack images against packs compiled from source, side by
# side in the same runs, and the session API against the stream runner.
#
#   bench/startup.sh [SIGMA_DIR]     # default: ../shared/sigma or ../../shared/sigma from the checkout
#
# 1. Start-up (a one-line input) of the SigmaHQ Windows corpus and of the 2,000-rule benchmark
#    pack: `hornet run PACK` (object code and pattern databases cached) against `hornet run
#    IMAGE` and against examples/embed (a collector linking libhornet.so alone) loading the
#    image; `hornet version` (the CLI's floor: libLLVM's loading) and the embed example on the
#    small examples/acme image (libhornet's floor); peak RSS of each.
# 2. Where the image's start-up goes: bench/loadtime (hn_program_load with and without the
#    prefilter and the native code, the pattern engine's self-test, the session, the first
#    event), bench/hsprof (the pattern engine's, PCRE2's and dlopen's calls), the page-fault
#    floor of the mapping, and `perf record` shares when perf is installed.
# 3. Push overhead: bench/push (hn_session_push of each line held in memory against
#    hn_run_stream over the file, same image, same events, alerts checked identical).
# 4. Throughput: `hornet run IMAGE` against `hornet run PACK` over 200,000 events of
#    bench/gen_events.c (2,000 rules) and 100,000 of bench/gen_winevents.py (the Sigma corpus),
#    alerts checked byte-identical.
#
# Environment: EVENTS (200000), WIN_EVENTS (100000), PUSH_WIN_EVENTS (20000: the Sigma pack's
# push runs take its first lines), RUNS (11: start-up rounds), TRUNS (3: throughput rounds),
# PUSH_RUNS (5), PERF (1 when perf is installed; 0: skip it), BUILD (build-bench), JOBS (2).
# Writes bench/out/startup/results.md and puts it into bench/RESULTS.md as the section
# "## Start-up, pack images and the session API" (replaced when it is there, else appended at
# the end, after the hand-written notes that bench/run.sh keeps). Exits 1 when alerts differ.
# The object-code cache is private to this run's output (bench/out/startup/cache): the first
# run compiles the Sigma pack from source once (about 30 s) to warm it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
OUT=$BENCH/out/startup
BUILD=${BUILD:-$ROOT/build-bench}
SIGMA=${1:-}
if [[ -z $SIGMA ]]; then
  for d in "$ROOT/../shared/sigma" "$ROOT/../../shared/sigma"; do
    [[ -d $d/rules ]] && { SIGMA=$(cd "$d" && pwd); break; }
  done
fi
[[ -n $SIGMA && -d $SIGMA/rules ]] || { echo "startup.sh: no SigmaHQ checkout (give SIGMA_DIR)" >&2; exit 2; }
EVENTS=${EVENTS:-200000}
WIN_EVENTS=${WIN_EVENTS:-100000}
PUSH_WIN_EVENTS=${PUSH_WIN_EVENTS:-20000}
RUNS=${RUNS:-11}
TRUNS=${TRUNS:-3}
PUSH_RUNS=${PUSH_RUNS:-5}
JOBS=${JOBS:-2}
PERF=${PERF:-$(command -v perf >/dev/null && echo 1 || echo 0)}
mkdir -p "$OUT"
export HORNET_CACHE_DIR=$OUT/cache
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
say() { echo "startup.sh: $*" >&2; }

# ---- packages and build ----------------------------------------------------------------------
missing=()
for p in libsimdjson-dev libsqlite3-dev g++ time; do  # bench/CMakeLists.txt needs the first two
  [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHN_BENCH=ON -DHN_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target hornet-cli hornet_shared gen_events embed loadtime push hsprof >/dev/null
H=$BUILD/hornet
B=$BUILD/bench
HSPROF=$B/libhsprof.so

# ---- the packs, the images, the events -----------------------------------------------------
ns() { date +%s%N; }
ms_since() { echo $((($(ns) - $1) / 1000000)); }
say "importing the SigmaHQ corpus (windows mapping)"
"$H" import-sigma --mapping windows "$SIGMA/rules" "$SIGMA/rules-emerging-threats" "$SIGMA/rules-threat-hunting" \
  -o "$OUT/sigma.hn" 2>"$OUT/sigma.import.txt"
python3 "$BENCH/gen_rules.py" --seed 7 --rules 3000 --sizes 2000 --out "$OUT" >/dev/null
"$B/gen_events" --seed 1 --events "$EVENTS" --attacks 2000 --witness "$OUT/bench_2000.witness" \
  --truth "$OUT/truth.tsv" --out "$OUT/events.jsonl"
python3 "$BENCH/gen_winevents.py" --events "$WIN_EVENTS" --seed 1 --corpus "$OUT/sigma.hn" \
  --windows "$ROOT/stdlib/windows.hn" --out "$OUT/winevents.jsonl" --truth "$OUT/wintruth.tsv"
head -n "$PUSH_WIN_EVENTS" "$OUT/winevents.jsonl" >"$OUT/winevents_push.jsonl"
echo '{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws1","TimeCreated":"2024-01-01T10:00:00Z","Image":"C:\\x.exe"}' >"$OUT/one_win.jsonl"
head -n 1 "$OUT/events.jsonl" >"$OUT/one_ecs.jsonl"

say "building the images (native code compiled ahead of time, cache off: about 35 s)"
declare -A BUILD_MS
for pack in sigma bench_2000; do
  t=$(ns)
  HORNET_CACHE_DIR=off "$H" build "$OUT/$pack.hn" -o "$OUT/$pack.hnp" 2>"$OUT/$pack.build.txt"
  BUILD_MS[$pack]=$(ms_since "$t")
  "$H" build --dump "$OUT/$pack.hnp" >"$OUT/$pack.dump.txt"
done
"$H" build "$ROOT/examples/acme" -o "$OUT/acme.hnp" 2>/dev/null

say "warming the cache for the packs from source (the Sigma pack compiles once: about 30 s)"
"$H" run "$OUT/sigma.hn" --input "$OUT/one_win.jsonl" --output /dev/null 2>/dev/null
"$H" run "$OUT/bench_2000.hn" --input "$OUT/one_ecs.jsonl" --output /dev/null 2>/dev/null

# ---- 1. start-up ---------------------------------------------------------------------------
say "start-up: $RUNS rounds of 9 commands in alternation"
python3 "$BENCH/wallrss.py" -n "$RUNS" --json "$OUT/startup.json" \
  sigma_src="$H run $OUT/sigma.hn --input $OUT/one_win.jsonl --output /dev/null" \
  sigma_img="$H run $OUT/sigma.hnp --input $OUT/one_win.jsonl --output /dev/null" \
  sigma_embed="$B/embed $OUT/sigma.hnp <$OUT/one_win.jsonl" \
  bench_src="$H run $OUT/bench_2000.hn --input $OUT/one_ecs.jsonl --output /dev/null" \
  bench_img="$H run $OUT/bench_2000.hnp --input $OUT/one_ecs.jsonl --output /dev/null" \
  bench_embed="$B/embed $OUT/bench_2000.hnp <$OUT/one_ecs.jsonl" \
  cli_floor="$H version" \
  lib_floor="$B/embed $OUT/acme.hnp <$OUT/one_ecs.jsonl" \
  selftest_floor="$B/loadtime $OUT/acme.hnp selftest" | tee "$OUT/startup.txt" >&2

# ---- 2. where the image's start-up goes ------------------------------------------------------
say "start-up breakdown (bench/loadtime, bench/hsprof)"
for pack in sigma bench_2000; do
  ev=$OUT/one_win.jsonl; [[ $pack == bench_2000 ]] && ev=$OUT/one_ecs.jsonl
  : >"$OUT/loadtime_$pack.txt"
  for ((i = 0; i < RUNS; i++)); do
    for mode in full interp noprefilter selftest; do
      "$B/loadtime" "$OUT/$pack.hnp" "$mode" "$(cat "$ev")" >>"$OUT/loadtime_$pack.txt" 2>/dev/null
    done
  done
  : >"$OUT/hsprof_$pack.txt"
  for ((i = 0; i < 5; i++)); do
    for mode in full selftest; do
      LD_PRELOAD=$HSPROF "$B/loadtime" "$OUT/$pack.hnp" "$mode" 2>&1 >/dev/null | sed "s/^/$mode /" >>"$OUT/hsprof_$pack.txt"
    done
  done
  LD_PRELOAD=$HSPROF HSPROF_SLOW=1 "$B/loadtime" "$OUT/$pack.hnp" full 2>&1 >/dev/null | grep 'slow' >"$OUT/hsprof_slow_$pack.txt" || true
  prog_bytes=$(awk '$1 == "section" && $2 == "program" {print $5}' "$OUT/$pack.dump.txt" | tr -d ,)
  : >"$OUT/mmap_$pack.txt"
  for ((i = 0; i < 5; i++)); do "$B/loadtime" "$OUT/$pack.hnp" mmap "$prog_bytes" >>"$OUT/mmap_$pack.txt"; done
  /usr/bin/time -f "%R" "$B/loadtime" "$OUT/$pack.hnp" full 2>&1 >/dev/null | tail -1 >"$OUT/faults_$pack.txt"
  /usr/bin/time -f "%R" "$B/loadtime" "$OUT/$pack.hnp" noprefilter 2>&1 >/dev/null | tail -1 >>"$OUT/faults_$pack.txt"
  if [[ $PERF == 1 ]]; then
    # 10 loads under perf at 2 kHz with DWARF unwinding; the shares of the samples in loadtime
    perf record -q -F 2000 --call-graph dwarf,8192 -o "$OUT/perf_$pack.data" -- \
      sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do '$B/loadtime' '$OUT/$pack.hnp' full >/dev/null 2>&1; done" 2>/dev/null
    perf report -i "$OUT/perf_$pack.data" --comm loadtime --children --sort symbol --stdio -g none 2>/dev/null |
      grep -E '^ +[0-9.]+%' >"$OUT/perf_$pack.txt" || true
  fi
done

# ---- 3. push overhead ----------------------------------------------------------------------
say "push overhead (bench/push)"
"$B/push" "$OUT/bench_2000.hnp" "$OUT/events.jsonl" "$PUSH_RUNS" >"$OUT/push_bench.txt" || PUSH_BAD=1
"$B/push" "$OUT/sigma.hnp" "$OUT/winevents_push.jsonl" 3 >"$OUT/push_sigma.txt" || PUSH_BAD=1
cat "$OUT/push_bench.txt" "$OUT/push_sigma.txt" >&2

# ---- 4. image against source, throughput -------------------------------------------------------
say "throughput: $TRUNS rounds, image and source in alternation"
python3 "$BENCH/wallrss.py" -n "$TRUNS" --warmup 0 --json "$OUT/throughput.json" \
  bench_src="$H run $OUT/bench_2000.hn --input $OUT/events.jsonl --output $OUT/alerts_bench_src.jsonl" \
  bench_img="$H run $OUT/bench_2000.hnp --input $OUT/events.jsonl --output $OUT/alerts_bench_img.jsonl" \
  sigma_src="$H run $OUT/sigma.hn --input $OUT/winevents.jsonl --output $OUT/alerts_sigma_src.jsonl" \
  sigma_img="$H run $OUT/sigma.hnp --input $OUT/winevents.jsonl --output $OUT/alerts_sigma_img.jsonl" |
  tee "$OUT/throughput.txt" >&2
SAME_BENCH=no; cmp -s "$OUT/alerts_bench_src.jsonl" "$OUT/alerts_bench_img.jsonl" && SAME_BENCH=yes
SAME_SIGMA=no; cmp -s "$OUT/alerts_sigma_src.jsonl" "$OUT/alerts_sigma_img.jsonl" && SAME_SIGMA=yes

# ---- the report ----------------------------------------------------------------------------------
cat >"$OUT/meta.json" <<EOF
{"commit": "$(git -C "$ROOT" rev-parse --short HEAD)",
 "dirty": "$(git -C "$ROOT" status --porcelain -- compiler runtime cli include | head -1)",
 "load_start": "$LOAD_START", "load_end": "$(cut -d' ' -f1-3 /proc/loadavg)", "nproc": $(nproc),
 "cpu": "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)",
 "runs": $RUNS, "truns": $TRUNS, "push_runs": $PUSH_RUNS, "events": $EVENTS, "win_events": $WIN_EVENTS,
 "push_win_events": $PUSH_WIN_EVENTS,
 "sigma_rules": $(grep -c '^rule ' "$OUT/sigma.hn"), "bench_rules": $(grep -c '^rule ' "$OUT/bench_2000.hn"),
 "sigma_image_bytes": $(stat -c %s "$OUT/sigma.hnp"), "bench_image_bytes": $(stat -c %s "$OUT/bench_2000.hnp"),
 "sigma_build_ms": ${BUILD_MS[sigma]}, "bench_build_ms": ${BUILD_MS[bench_2000]},
 "alerts_bench": $(wc -l <"$OUT/alerts_bench_img.jsonl"), "alerts_sigma": $(wc -l <"$OUT/alerts_sigma_img.jsonl"),
 "same_bench": "$SAME_BENCH", "same_sigma": "$SAME_SIGMA", "perf": $PERF,
 "cli_libs": "$(ldd "$H" | awk '/LLVM/ {print $1}')", "embed_libs": "$(ldd "$B/embed" | awk '{print $1}' | grep -v vdso | tr '\n' ' ')",
 "llvm_bytes": $(stat -L -c %s "$(ldd "$H" | awk '/LLVM/ {print $3}')" 2>/dev/null || echo 0)}
EOF
python3 "$BENCH/startup_report.py" "$OUT" >"$OUT/results.md"
python3 - "$BENCH/RESULTS.md" "$OUT/results.md" <<'EOF'
import sys, re
dest, sec = sys.argv[1], open(sys.argv[2]).read().rstrip("\n") + "\n"
text = open(dest).read()
head = "## Start-up, pack images and the session API"
i = text.find(head)
if i < 0:
    text = text.rstrip("\n") + "\n\n" + sec
else:
    j = text.find("\n## ", i + len(head))
    text = text[:i] + sec + ("\n" + text[j + 1:] if j >= 0 else "")
open(dest, "w").write(text)
EOF
cat "$OUT/results.md"
[[ $SAME_BENCH == yes && $SAME_SIGMA == yes && -z ${PUSH_BAD:-} ]]
