#!/usr/bin/env bash
# demo.sh - the main job: set up, build, check the example pack and the standard library,
# then run the pack over its event stream (native code) and show the alerts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
scripts/build.sh build
echo "== hornet check --summary examples/acme"
build/hornet check --summary examples/acme
echo "== hornet check stdlib"
build/hornet check stdlib
echo "== hornet test examples/acme"
build/hornet test examples/acme
echo "== hornet run examples/acme --input examples/acme/events.jsonl --output build/alerts.jsonl"
build/hornet run examples/acme --input examples/acme/events.jsonl --output build/alerts.jsonl
echo "== the alerts, by rule and severity (build/alerts.jsonl holds them in full)"
sed -n 's/^{"rule":"\([^"]*\)".*"severity":"\([^"]*\)".*/\2 \1/p' build/alerts.jsonl | sort | uniq -c | sort -rn
echo "== hornet queue examples/acme: the incidents per expert domain, highest priority first"
build/hornet queue examples/acme --input examples/acme/events.jsonl --incidents build/incidents.jsonl
