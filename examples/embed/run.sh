#!/usr/bin/env bash
# run.sh PROGRAM - the embedding example against `hornet run`: the same alerts from a pack
# image, under both engines. Run by tests/install.sh with HORNET (the installed CLI) set.
set -euo pipefail
prog=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$HORNET" build "$root/examples/acme" -o "$tmp/acme.hnp"
events="$root/examples/acme/events.jsonl"
"$HORNET" run "$root/examples/acme" --input - < "$events" > "$tmp/want.jsonl" 2>/dev/null
for engine in jit interp; do
  "$prog" "$tmp/acme.hnp" "$engine" < "$events" > "$tmp/got.jsonl"
  cmp "$tmp/want.jsonl" "$tmp/got.jsonl" || { echo "embed ($engine): alerts differ from hornet run"; exit 1; }
done
[[ -s $tmp/want.jsonl ]] || { echo "no alerts at all"; exit 1; }
echo "embed: the same $(wc -l < "$tmp/want.jsonl") alerts as hornet run, under both engines"
