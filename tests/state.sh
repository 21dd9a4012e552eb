#!/usr/bin/env bash
# state.sh HORNET - what hornet keeps on disk, from the command line: cache entries damaged in
# every way are rebuilt with the same alerts.
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

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
