#!/usr/bin/env bash
# kpistore.sh HORNET - `hornet kpi --store` and `hornet report --store` (README.md): the KPIs of
# a case store are those of the same run's --incidents records; after analysts work the store,
# its transitions, case fields and SLA events count too; the report's queue shows each domain's
# WIP use as `hornet queue --store` does; refusals.
set -u
hornet=$1
cd "$(dirname "$0")/.."
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
tmp=$(mktemp -d)
[[ -n ${HN_KEEP:-} ]] || trap 'rm -rf "$tmp"' EXIT
export HORNET_CACHE_DIR=$tmp/cache
acme=examples/acme
now=2024-05-14T17:00:00Z
printf 'import std.kpi ^1.0.0\n' >"$tmp/stdkpi.hn" # acme's KPIs and std.kpi's (transitions, SLA, WIP)
sql() { python3 -c "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); [print('|'.join('' if v is None else str(v) for v in r)) for r in db.execute(sys.argv[2])]" "$@"; }

# 1. One run writes the store and the --incidents records: the same facts, the same KPIs, byte
#    for byte, in each format. The store's extra rows are not facts of their own here: the
#    transition a run writes when it opens an incident (from none into `new`) is its detection,
#    not a move (else MTTA would read 0 and WIP would count it), and its SLA events are those
#    the records carry.
"$hornet" run $acme --input $acme/events.jsonl --store "$tmp/h.db" --incidents "$tmp/inc.jsonl" --output /dev/null \
  2>/dev/null || ko "the run into the store"
for fmt in json table csv; do
  "$hornet" kpi $acme "$tmp/stdkpi.hn" --facts "$tmp/inc.jsonl" --format $fmt >"$tmp/facts.$fmt" 2>"$tmp/err" &&
    "$hornet" kpi $acme "$tmp/stdkpi.hn" --store "$tmp/h.db" --format $fmt >"$tmp/store.$fmt" 2>>"$tmp/err" &&
    [[ -s $tmp/store.$fmt ]] && cmp -s "$tmp/facts.$fmt" "$tmp/store.$fmt" && ok ||
    { ko "kpi --store --format $fmt differs from kpi --facts"; diff "$tmp/facts.$fmt" "$tmp/store.$fmt" | head; cat "$tmp/err"; }
done
grep -q '"name":"mtta"' "$tmp/store.json" && grep -q '"name":"sla_attainment"' "$tmp/store.json" && ok ||
  ko "std.kpi's KPIs computed over the store"
# Without PACK: the packs of the store's last run (acme), as `hornet case` builds them.
"$hornet" kpi $acme --facts "$tmp/inc.jsonl" --format json >"$tmp/acme-facts.json" &&
  "$hornet" kpi --store "$tmp/h.db" --format json >"$tmp/acme-store.json" &&
  grep -q '"name":"control_gaps"' "$tmp/acme-store.json" && cmp -s "$tmp/acme-facts.json" "$tmp/acme-store.json" && ok ||
  ko "kpi --store without PACK: the store's packs"
"$hornet" kpi --gaps --store "$tmp/h.db" --format json >"$tmp/gaps-store.json" &&
  "$hornet" kpi --gaps $acme --facts "$tmp/inc.jsonl" --format json >"$tmp/gaps-facts.json" &&
  cmp -s "$tmp/gaps-facts.json" "$tmp/gaps-store.json" && ok || ko "kpi --gaps --store differs from --facts"

# 2. Analysts work the store: their moves are transitions, their fields case fields, SLAs are
#    decided. The KPIs that read them follow the store's tables.
cp "$tmp/h.db" "$tmp/w.db"
HORNET_ACTOR=analyst "$hornet" case apply $acme/actions.jsonl --store "$tmp/w.db" --now $now >/dev/null 2>&1
moves=$(sql "$tmp/w.db" "SELECT count(*) FROM transitions WHERE kind = 'analyst'")
"$hornet" kpi $acme "$tmp/stdkpi.hn" --store "$tmp/w.db" --kpi analyst_load --format json --now $now >"$tmp/load.json" ||
  ko "kpi --store after the analysts' actions"
load=$(python3 -c "import json,sys; print(int(sum(c['value'] for k in json.load(open(sys.argv[1]))['kpis'] for c in k['cells'])))" "$tmp/load.json")
((moves > 0 && load == moves)) && ok || ko "analyst_load over the store: $load moves, the store has $moves"
"$hornet" kpi $acme "$tmp/stdkpi.hn" --store "$tmp/w.db" --kpi mtta --format json --now $now >"$tmp/mtta.json"
python3 - "$tmp/mtta.json" "$tmp/w.db" <<'PY' && ok || ko "mtta over the store: the first analyst move of each incident"
import json, sqlite3, sys
# by hand: per domain, the mean of (first change of state - detected_at) over the incidents moved
db = sqlite3.connect(sys.argv[2])
want = {}
for dom, ack in db.execute("SELECT i.domain, min(t.at) - i.detected_at FROM incidents i JOIN transitions t"
                           " ON t.incident = i.id AND t.from_state IS NOT NULL"
                           " WHERE i.merged_into IS NULL GROUP BY i.id"):
    want.setdefault(dom, []).append(ack)
got = {c["cell"]["domain"]: c["value"] for k in json.load(open(sys.argv[1]))["kpis"] for c in k["cells"]
       if c["value"] is not None}
want = {d: sum(v) / len(v) for d, v in want.items()}
assert want and set(got) == set(want), (got, want)
for d in want:
    assert abs(got[d] - want[d] / 1e9) < 1, (d, got[d], want[d])  # JSON durations in seconds
PY

# 3. The report over the store: its sections, its numbers those of kpi --store, and the queue's
#    WIP use per domain that of `hornet queue --store`.
"$hornet" report --store "$tmp/w.db" -o "$tmp/report.html" --now $now 2>"$tmp/err" || { ko "report --store"; cat "$tmp/err"; }
for h in KPIs "Control gaps" Queue "Windows of exposure"; do
  grep -q "<h2>$h</h2>" "$tmp/report.html" && ok || ko "the report has no section '$h'"
done
"$hornet" kpi --store "$tmp/w.db" --format json --now $now >"$tmp/w.json"
"$hornet" queue --store "$tmp/w.db" --json --now $now >"$tmp/queue.json"
python3 - "$tmp/report.html" "$tmp/w.json" "$tmp/queue.json" <<'PY' && ok || ko "the report's numbers and WIP use"
import json, re, sys
html = open(sys.argv[1]).read()
data = re.search(r'<script type="application/json" id="kpi-data">(.*?)</script>', html, re.S).group(1)
assert json.loads(data) == json.load(open(sys.argv[2])), "kpi-data is not kpi --store --format json"
rows = dict((d, (int(o), int(w), int(u), int(l))) for d, o, w, u, l in
            re.findall(r'<td colspan="7">([^:<]+): (\d+) open, (\d+) in work <span class="wip[^"]*">\(WIP (\d+)/(\d+)\)', html))
want = {d["domain"]: (d["open"], d["working"], d["working"], d["wip"]) for d in json.load(open(sys.argv[3]))["domains"]
        if d["open"] and d["wip"] is not None}
assert rows == want, (rows, want)
assert any(w for _, w, _, _ in rows.values()), "no domain has work in progress"
PY

# 4. Refusals.
"$hornet" kpi --store "$tmp/none.db" >/dev/null 2>"$tmp/err"; rc=$?
((rc == 1)) && grep -q "no store at" "$tmp/err" && ok || { ko "kpi --store on a missing store (exit $rc)"; cat "$tmp/err"; }
"$hornet" kpi $acme --store "$tmp/h.db" --facts "$tmp/inc.jsonl" >/dev/null 2>"$tmp/err"; rc=$?
((rc == 2)) && grep -q "not both" "$tmp/err" && ok || { ko "--store with --facts (exit $rc)"; cat "$tmp/err"; }
cp "$tmp/h.db" "$tmp/empty.db" # a store whose run left no pack: PACK is needed
python3 -c "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute('DELETE FROM checkpoint'); db.commit()" "$tmp/empty.db"
"$hornet" report --store "$tmp/empty.db" -o "$tmp/e.html" >/dev/null 2>"$tmp/err"; rc=$?
((rc != 0)) && grep -q "name the pack" "$tmp/err" && ok || { ko "report --store without a stored pack nor PACK (exit $rc)"; cat "$tmp/err"; }

echo "kpistore: $pass passed, $fail failed"
((fail == 0))
