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
# The cases: the stream into a store (SQLite), then analysts work it. The replayed stream is of
# May 2024: analysts' actions are stamped, and SLA clocks read, at a fixed wall clock after it.
now=2024-05-14T17:00:00Z
rm -f build/hornet.db build/hornet.db-wal build/hornet.db-shm
echo "== hornet run examples/acme --input examples/acme/events.jsonl --store build/hornet.db"
build/hornet run examples/acme --input examples/acme/events.jsonl --store build/hornet.db --output /dev/null
echo "== hornet queue --store build/hornet.db: the live queue, each domain's WIP use, SLA clocks"
build/hornet queue --store build/hornet.db --now $now
echo "== hornet case apply examples/acme/actions.jsonl: assign, move, check off steps, merge, close"
echo "   (two actions are refused: a close before the required fields are set, an undeclared edge)"
HORNET_ACTOR=analyst build/hornet case apply examples/acme/actions.jsonl --store build/hornet.db --now $now || true
echo "== hornet queue --store build/hornet.db: the queue after them"
build/hornet queue --store build/hornet.db --now $now
echo "== hornet case show INC-000004 --store build/hornet.db"
build/hornet case show INC-000004 --store build/hornet.db --now $now
# The KPIs and the report read the same store: the incidents, the analysts' moves, case fields,
# SLA events and exposure windows; the packs are those of the store's run.
echo "== hornet kpi --store build/hornet.db: the KPIs over the store"
build/hornet kpi --store build/hornet.db --now $now
echo "== hornet report --store build/hornet.db -o build/report.html"
build/hornet report --store build/hornet.db --now $now -o build/report.html --title "acme: the case store"
echo "the report: $root/build/report.html (one self-contained HTML file: open it in a browser)"
