# bench/sec/common.sh - what run.sh, keys.sh and pack.sh share (sourced, not run): packages,
# the hornet binary, and the timing helpers. Expects HERE, ROOT, OUT, BUILD, RUNS to be set.
# shellcheck shell=bash disable=SC2034  # it sets variables for the scripts that source it

HORNET=$BUILD/hornet
LOG=$OUT/last.log  # standard error of the last timed command

# need_packages PKG... : installs the missing ones with apt-get (sudo when not root)
need_packages() {
  local missing=() p
  for p in "$@"; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" == "install ok installed" ]] || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "bench/sec: installing ${missing[*]}"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# ensure_hornet TARGET... : builds the targets named (hornet-cli: $BUILD/hornet; gen_events:
# $BUILD/bench/gen_events) when missing or when REBUILD=1, Release with HN_BENCH, one job only
# (the machine is shared). Warns when the sources are newer than the hornet binary.
ensure_hornet() {
  local targets=() t bin
  for t in "$@"; do
    bin=$BUILD/bench/$t
    [[ $t == hornet-cli ]] && bin=$HORNET
    [[ -x "$bin" && "${REBUILD:-0}" != 1 ]] || targets+=("$t")
  done
  if ((${#targets[@]})); then
    "$ROOT/scripts/setup.sh"
    need_packages libsimdjson-dev libsqlite3-dev g++  # HN_BENCH configures the bench/ tools too
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHN_BENCH=ON -DHN_TESTS=OFF >/dev/null
    cmake --build "$BUILD" -j1 --target "${targets[@]}" >/dev/null
  fi
  local newer
  newer=$(find "$ROOT/runtime" "$ROOT/compiler" "$ROOT/cli" "$ROOT/include" -newer "$HORNET" -type f 2>/dev/null | head -n 3)
  if [[ -n "$newer" ]]; then
    echo "bench/sec: warning: $HORNET is older than $(echo "$newer" | tr '\n' ' ')(REBUILD=1 rebuilds it)" >&2
  fi
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

# timed STDOUT_FILE CMD... : runs CMD RUNS times (standard output to STDOUT_FILE, standard error
# to $LOG) under /usr/bin/time -v; sets T_NS (median wall ns) and T_KB (the largest peak RSS,
# kB). Call it directly, not in a subshell, so that a failure stops the script.
timed() {
  local dest=$1 ts=() i t0 t1 k
  shift
  T_KB=0
  for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$OUT/time.log" "$@" >"$dest" 2>"$LOG" || {
      echo "bench/sec: failed: $*" >&2
      cat "$LOG" "$OUT/time.log" >&2
      exit 1
    }
    t1=$(date +%s%N)
    ts+=($((t1 - t0)))
    k=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/time.log")
    ((k > T_KB)) && T_KB=$k
  done
  T_NS=$(median "${ts[@]}")
}

# state_figures : hornet's own estimate from the last run's summary ("N keys at most (~M MB)"),
# into H_KEYS and H_MB (empty when the summary has no such line)
state_figures() {
  H_KEYS="" H_MB=""
  read -r H_KEYS H_MB < <(sed -n 's/.* \([0-9]*\) keys at most (~\([0-9.]*\) MB).*/\1 \2/p' "$LOG" | tail -n 1) || true
}
