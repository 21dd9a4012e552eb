#!/usr/bin/env bash
# store.sh HORNET - the case store from the command line (README.md: hornet run --store, hornet
# case): a run continues the store; a run killed with SIGKILL at random points and run again
# leaves the store an uninterrupted run leaves; `hornet case` commands while a run writes the
# store lose nothing and never see "database is locked"; refusals; schema versions.
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
ev=$acme/events.jsonl

# The store's content that a run decides, one table after the other, sorted: what two runs over
# the same events must agree on (the checkpoint's wall-clock time and the input's file name
# aside).
dump() {
  python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
q = {
  "alerts": "SELECT id, rule, severity, time, control, service, tags, entities, key, events, count, line, offset FROM alerts ORDER BY id",
  "incidents": "SELECT * FROM incidents ORDER BY id",
  "incident_alerts": "SELECT * FROM incident_alerts ORDER BY alert",
  "transitions": "SELECT incident, from_state, to_state, at, actor, why, kind FROM transitions ORDER BY incident, at, seq",
  "sla_events": "SELECT * FROM sla_events ORDER BY incident, state",
  "exposures": "SELECT exposure, title, control, asset, unknown_value, opened_at, closed_at, asset_exposure FROM exposures ORDER BY seq",
  "checkpoint": "SELECT input_offset, input_line, watermark FROM checkpoint",
}
for name, sql in q.items():
    for row in db.execute(sql):
        print(name, "|".join("" if v is None else str(v) for v in row))
PY
}
sql() { python3 -c "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); [print('|'.join('' if v is None else str(v) for v in r)) for r in db.execute(sys.argv[2])]; db.commit()" "$@"; }

# ---- a run fills the store; the same events in two runs (two days) give the same store -----------
"$hornet" run $acme --input $ev --store "$tmp/full.db" --output "$tmp/alerts.jsonl" 2>"$tmp/err" && ok || ko "run --store"
[[ $(sql "$tmp/full.db" "SELECT count(*) FROM alerts") == $(wc -l <"$tmp/alerts.jsonl") ]] && ok || ko "every alert in the store"
[[ $(sql "$tmp/full.db" "SELECT count(*) FROM incidents") == 17 ]] && ok || ko "17 incidents"
[[ $(sql "$tmp/full.db" "SELECT count(*) FROM incident_alerts") == 30 ]] && ok || ko "each alert linked to its incident"
[[ $(sql "$tmp/full.db" "SELECT count(*) FROM rules") == 34 && $(sql "$tmp/full.db" "SELECT count(*) FROM assets") -gt 20 ]] && ok ||
  ko "the pack's rules and assets"
head -32 $ev >"$tmp/day1.jsonl"
tail -n +33 $ev >"$tmp/day2.jsonl"
"$hornet" run $acme --input "$tmp/day1.jsonl" --store "$tmp/days.db" --output /dev/null 2>/dev/null || ko "day 1"
"$hornet" run $acme --input "$tmp/day2.jsonl" --store "$tmp/days.db" --output /dev/null 2>/dev/null || ko "day 2"
dump "$tmp/full.db" | grep -v '^checkpoint\|^alerts' >"$tmp/full.dump"
dump "$tmp/days.db" | grep -v '^checkpoint\|^alerts' >"$tmp/days.dump"
if diff "$tmp/full.dump" "$tmp/days.dump" >"$tmp/diff"; then ok; else ko "two days differ from one run"; head -5 "$tmp/diff" | cut -c1-300; fi
# day 2's brute force joins day 1's INC-000001 (it shares vpn01's address with it)
[[ $(sql "$tmp/days.db" "SELECT incident FROM incident_alerts WHERE alert = 28") == INC-000001 ]] && ok ||
  ko "an open incident of yesterday takes today's related alert"
# the same input again: resumed at its end, nothing repeated
"$hornet" run $acme --input "$tmp/day2.jsonl" --store "$tmp/days.db" --output "$tmp/again.jsonl" 2>/dev/null || ko "rerun"
[[ ! -s "$tmp/again.jsonl" && $(sql "$tmp/days.db" "SELECT count(*) FROM alerts") == 30 ]] && ok || ko "a rerun repeated alerts"

# ---- a bigger stream: the acme events 60 times, two days apart (beyond the horizon) -------------------
python3 - "$ev" "$tmp/big.jsonl" <<'PY'
import json, sys, datetime
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
with open(sys.argv[2], "w") as out:
    for k in range(60):
        for e in lines:
            t = datetime.datetime.fromisoformat(e["@timestamp"].replace("Z", "+00:00")) + datetime.timedelta(days=2 * k)
            e2 = dict(e, **{"@timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ")})
            out.write(json.dumps(e2, separators=(",", ":")) + "\n")
PY
"$hornet" run $acme --input "$tmp/big.jsonl" --store "$tmp/ref.db" --output "$tmp/ref.alerts" --incidents "$tmp/ref.inc" \
  --final 2>/dev/null && ok || ko "uninterrupted run"
dump "$tmp/ref.db" >"$tmp/ref.dump"

# ---- kill -9 at random points, then a rerun: the store an uninterrupted run leaves ----------------
RANDOM=${HN_KILL_SEED:-14}
kills=0
for ((round = 0; round < ${HN_KILL_ROUNDS:-12}; round++)); do
  "$hornet" run $acme --input "$tmp/big.jsonl" --store "$tmp/kill.db" --output "$tmp/kill.alerts" \
    --incidents "$tmp/kill.inc" --final --checkpoint-every $((20 + RANDOM % 200)) 2>/dev/null &
  pid=$!
  sleep "$((RANDOM % 2)).$(printf '%03d' $((RANDOM % 1000)))"
  if kill -9 $pid 2>/dev/null; then kills=$((kills + 1)); fi
  wait $pid 2>/dev/null
done
"$hornet" run $acme --input "$tmp/big.jsonl" --store "$tmp/kill.db" --output "$tmp/kill.alerts" --incidents "$tmp/kill.inc" \
  --final 2>"$tmp/err" && ok || { ko "the run after the kills"; cat "$tmp/err"; }
dump "$tmp/kill.db" >"$tmp/kill.dump"
echo "kill -9: $kills runs killed"
if diff "$tmp/ref.dump" "$tmp/kill.dump" >"$tmp/diff"; then ok; else ko "killed runs left another store"; head -10 "$tmp/diff"; fi
cmp -s "$tmp/ref.alerts" "$tmp/kill.alerts" && ok || ko "killed runs left other alerts in --output"
# SLA breach records are emitted at the run's commits (the store's sla_events, compared above, are
# what stays); the other records are the stream's
cmp -s <(grep -v '"record":"sla"' "$tmp/ref.inc") <(grep -v '"record":"sla"' "$tmp/kill.inc") && ok ||
  ko "killed runs left other records in --incidents"
grep -q '"record":"sla"' "$tmp/ref.inc" && ok || ko "no SLA breach record on --incidents"

# ---- two processes on one store: a run writing it, analysts' commands at the same time ------------
"$hornet" run $acme --input "$tmp/big.jsonl" --store "$tmp/two.db" --output /dev/null --incidents /dev/null --final \
  --checkpoint-every 50 2>"$tmp/run.err" &
pid=$!
# the first incident appears at the run's first commit
while kill -0 $pid 2>/dev/null && ! "$hornet" case show INC-000001 --store "$tmp/two.db" >/dev/null 2>&1; do :; done
n=0 bad=0 during=0
while kill -0 $pid 2>/dev/null || ((n < 20)); do
  kill -0 $pid 2>/dev/null && during=$((during + 1))
  n=$((n + 1))
  "$hornet" case note INC-000001 "note $n" --store "$tmp/two.db" --actor "ana" >/dev/null 2>>"$tmp/case.err" || bad=$((bad + 1))
  "$hornet" case assign INC-000001 "analyst$n" --store "$tmp/two.db" >/dev/null 2>>"$tmp/case.err" || bad=$((bad + 1))
  "$hornet" case list --store "$tmp/two.db" --json >"$tmp/list.json" 2>>"$tmp/case.err" || bad=$((bad + 1))
  ((n >= 200)) && break
done
wait $pid && ok || { ko "the run beside analysts' commands"; cat "$tmp/run.err"; }
echo "two processes: $n rounds of note, assign and list, $during of them while the run wrote the store"
((bad == 0)) && ok || { ko "$bad case commands failed beside a run"; head -5 "$tmp/case.err"; }
grep -qi "locked\|busy" "$tmp/case.err" "$tmp/run.err" && ko "database is locked reached the user" || ok
[[ $(sql "$tmp/two.db" "SELECT count(*) FROM notes WHERE actor = 'ana'") == "$n" ]] && ok || ko "notes were lost"
[[ $(sql "$tmp/two.db" "SELECT assignee FROM incidents WHERE id = 'INC-000001'") == "analyst$n" ]] && ok ||
  ko "the last assignment was lost"
dump "$tmp/two.db" | grep '^alerts\|^incident_alerts\|^transitions\|^exposures' >"$tmp/two.dump"
grep '^alerts\|^incident_alerts\|^transitions\|^exposures' "$tmp/ref.dump" >"$tmp/ref.part"
diff -q "$tmp/ref.part" "$tmp/two.dump" >/dev/null && ok || ko "the run beside analysts' commands wrote another store"

# ---- schema versions: an older store migrates, a newer one is refused --------------------------------
sqlite3_load() { python3 -c "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.executescript(open(sys.argv[2]).read()); db.close()" "$@"; }
sqlite3_load "$tmp/v1.db" tests/fixtures/store/v1.sql
"$hornet" case show INC-000001 --store "$tmp/v1.db" >"$tmp/v1.out" 2>&1 && ok || { ko "a version 1 store"; cat "$tmp/v1.out"; }
[[ $(sql "$tmp/v1.db" "PRAGMA user_version") == 2 && $(sql "$tmp/v1.db" "SELECT count(*) FROM sla_events") == 0 ]] && ok ||
  ko "version 1 migrated to 2"
grep -q "user confirms the macro" "$tmp/v1.out" && grep -q alice "$tmp/v1.out" && ok || ko "a migrated store kept its cases"
cp "$tmp/v1.db" "$tmp/v99.db"
sql "$tmp/v99.db" "PRAGMA user_version = 99"
"$hornet" case list --store "$tmp/v99.db" >/dev/null 2>"$tmp/v99.err"; rc=$?
((rc == 1)) && grep -q "schema version 99, written by a newer hornet" "$tmp/v99.err" && ok ||
  { ko "a newer store not refused (exit $rc)"; cat "$tmp/v99.err"; }
"$hornet" case list --store "$tmp/nonexistent/x.db" >/dev/null 2>"$tmp/nx.err" && ko "a store in a missing directory" || ok
printf 'not a database at all, not at all, not at all\n%.0s' {1..200} >"$tmp/junk.db"
"$hornet" case list --store "$tmp/junk.db" >/dev/null 2>"$tmp/junk.err"; rc=$?
((rc == 1)) && grep -q "junk.db" "$tmp/junk.err" && ok || { ko "a file that is no store (exit $rc)"; cat "$tmp/junk.err"; }

echo "store: $pass passed, $fail failed"
((fail == 0))
