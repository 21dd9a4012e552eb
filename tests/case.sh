#!/usr/bin/env bash
# case.sh HORNET - `hornet case` on a store (README.md: hornet case): every action in text and
# --json and through `case apply`; every refusal (undeclared edge, terminal state, WIP limit,
# required field) with its reason and exit 1; SLA breaches at the exact boundary, one second
# before, at and one second after, in wall time (analysts' commands) and in event time (a run's
# watermark); a run telling its session the cases; the lifecycle of each std.catalog service
# against its golden (tests/golden/store/; HN_UPDATE=1 rewrites them).
set -u
hornet=$1
cd "$(dirname "$0")/.."
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HORNET_CACHE_DIR=$tmp/cache HORNET_ACTOR=alice
wf=tests/fixtures/store/workflow
sql() { python3 -c "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); [print('|'.join('' if v is None else str(v) for v in r)) for r in db.execute(sys.argv[2])]; db.commit()" "$@"; }
# expect RC DESCRIPTION COMMAND...: the exit status, stdout and stderr in $tmp/out, $tmp/err
expect() {
  local want=$1 what=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if ((rc == want)); then ok; else ko "$what: exit $rc, not $want"; cat "$tmp/out" "$tmp/err"; fi
}
says() { grep -qF -- "$2" "$tmp/$1" && ok || { ko "$3: no '$2' in"; cat "$tmp/$1"; }; }
fresh() { rm -f "$1"*; "$hornet" run $wf --input $wf/events.jsonl --store "$1" --output /dev/null 2>/dev/null || ko "run into $1"; }
c() { "$hornet" case "$@" --store "$db"; }

# ---- the workflow's refusals: each a reason and exit 1 ------------------------------------------------
db=$tmp/w.db
fresh "$db"
T=(--now 2024-06-01T09:10:00Z)
expect 1 "undeclared edge" c move INC-000001 contain "${T[@]}"
says err "cleanup declares no transition new -> contain: from new a case moves to triage" "undeclared edge"
expect 1 "unknown state" c move INC-000001 nowhere "${T[@]}"
says err "cleanup has no state 'nowhere': its states are new, triage, contain or closed" "unknown state"
expect 0 "a declared edge" c move INC-000001 triage "${T[@]}"
says out "INC-000001: new -> triage" "a move"
expect 1 "WIP full" c move INC-000002 triage "${T[@]}"
says err "domain endpoint is at its WIP limit: 1 incident in working states, limit 1" "WIP full"
expect 1 "required field unset" c close INC-000001 "${T[@]}"
says err "cleanup cannot enter closed with a required case field unset: root_cause (set it first)" "required field"
expect 0 "set a field" c set INC-000001 root_cause "macro in an invoice" "${T[@]}"
expect 0 "close with the field set" c close INC-000001 --why "cleaned" "${T[@]}"
says out "INC-000001: triage -> closed (closed)" "close"
expect 1 "terminal state" c move INC-000001 triage "${T[@]}"
says err "closed is the terminal state of cleanup: no transition leaves it" "terminal"
expect 0 "room under the WIP limit again" c move INC-000002 triage "${T[@]}"
expect 1 "no such incident" c assign INC-000404 bob "${T[@]}"
says err "INC-000404: no such incident in the store" "unknown incident"
expect 1 "no such step" c step INC-000002 3 "${T[@]}"
says err "INC-000002 is in state 'triage', whose playbook has 2 steps: no step 3" "step out of range"
expect 2 "a step that is no number" c step INC-000002 two "${T[@]}"
expect 1 "merge into a closed incident" c merge INC-000002 INC-000001 "${T[@]}"
says err "INC-000002 cannot be merged into INC-000001, which is closed" "merge into closed"
# a refusal changes nothing
[[ $(sql "$db" "SELECT state || ',' || COALESCE(closed_at, '') FROM incidents WHERE id = 'INC-000002'") == "triage," ]] && ok ||
  ko "a refused action changed the case"
[[ $(sql "$db" "SELECT count(*) FROM transitions WHERE kind = 'analyst'") == 3 ]] && ok || ko "3 analyst transitions"
# --json: refusals are objects too, exit 1
expect 1 "a refusal in JSON" c move INC-000003 closed --json "${T[@]}"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['ok'] is False and 'declares no transition' in d['error'] and d['incident']=='INC-000003', d" "$tmp/out" && ok ||
  ko "a refusal in JSON"; cat "$tmp/out" | head -3 >/dev/null

# a store that is not there is not made by a reader
expect 1 "no store" "$hornet" case list --store "$tmp/none.db"
says err "hornet case: no store at '$tmp/none.db'" "no store"
[[ ! -e "$tmp/none.db" ]] && ok || ko "case list made a store"
expect 1 "no store for the queue" "$hornet" queue --store "$tmp/none.db"

# ---- every action, in text and JSON, and their history ----------------------------------------------
expect 0 "assign" c assign INC-000002 bob "${T[@]}"
says out "INC-000002 assigned to bob" "assign"
expect 0 "unassign" c assign INC-000003 - "${T[@]}"
expect 0 "step" c step INC-000002 1 "${T[@]}"
says out "INC-000002: step 1 of triage done" "step"
expect 0 "step again" c step INC-000002 1 "${T[@]}"
says out "was already done" "a step done twice"
expect 0 "note" c note INC-000002 "called the user" --actor carol "${T[@]}"
expect 0 "merge" c merge INC-000003 INC-000002 --why "same user" "${T[@]}" --json
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['ok'] and d['from']=='new' and d['to']=='closed', d" "$tmp/out" && ok ||
  { ko "merge in JSON"; cat "$tmp/out"; }
expect 1 "act on a merged incident" c assign INC-000003 bob "${T[@]}"
says err "INC-000003 was merged into INC-000002: act on INC-000002" "merged"
[[ $(sql "$db" "SELECT count(*) FROM incident_alerts WHERE incident = 'INC-000002'") == 2 ]] && ok || ko "merged alerts moved"
expect 0 "show" c show INC-000002 --now 2024-06-01T09:20:00Z
for s in "assignee        bob" "[x] 1. Look at the process tree" "[ ] 2. Collect a triage package" "called the user" \
  "triage          due 2024-06-01T09:30:00Z  met at 2024-06-01T09:10:00Z" "alice        moved new -> triage"; do
  says out "$s" "case show"
done
expect 0 "show --json" c show INC-000002 --json --now 2024-06-01T09:20:00Z
python3 - "$tmp/out" <<'PY' && ok || ko "case show --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["id"] == "INC-000002" and d["state"] == "triage" and d["assignee"] == "bob", d
assert [a["id"] for a in d["alert_list"]] == [2, 3], d["alert_list"]
assert any(s["state"] == "triage" and s["status"] == "met" for s in d["sla"]), d["sla"]
assert d["steps"][0]["done_by"] == "alice" and d["steps"][1]["done_at"] is None, d["steps"]
PY
expect 0 "list --json" c list --json --now 2024-06-01T09:20:00Z
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert [i['id'] for i in d['incidents']]==['INC-000002'], d" "$tmp/out" && ok ||
  { ko "list --json: open cases only"; cat "$tmp/out"; }
expect 0 "list --all" c list --all --now 2024-06-01T09:20:00Z
[[ $(grep -c INC- "$tmp/out") == 3 ]] && ok || ko "list --all"
expect 0 "list --assignee" c list --assignee nobody --now 2024-06-01T09:20:00Z
grep -q INC- "$tmp/out" && ko "list --assignee nobody listed a case" || ok

# ---- case apply: the same actions as JSON Lines --------------------------------------------------------
fresh "$db"
cat >"$tmp/actions.jsonl" <<'EOF'
{"action":"assign","incident":"INC-000001","assignee":"bob"}
{"action":"move","incident":"INC-000001","state":"triage","actor":"bot"}
{"action":"move","incident":"INC-000002","state":"triage"}
{"action":"step","incident":"INC-000001","step":2}
{"action":"set","incident":"INC-000001","field":"root_cause","value":"usb stick"}
not json
{"action":"fly","incident":"INC-000001"}
{"action":"note","incident":"INC-000001","text":"done","colour":"red"}
{"action":"close","incident":"INC-000001","why":"clean"}
EOF
"$hornet" case apply - --store "$db" --json --now 2024-06-01T09:20:00Z <"$tmp/actions.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
((rc == 1)) && ok || ko "apply with refusals: exit $rc"
python3 - "$tmp/out" <<'PY' && ok || { ko "apply --json results"; cat "$tmp/out"; }
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x["line"] for x in r] == list(range(1, 10)), r
assert [x["ok"] for x in r] == [True, True, False, True, True, False, False, False, True], [x["ok"] for x in r]
assert "WIP limit" in r[2]["error"] and "not a JSON object" in r[5]["error"], r
assert "unknown key 'colour'" in r[7]["error"] and r[8]["to"] == "closed", r
PY
says err "9 actions, 5 applied (2 transitions), 4 refused or malformed" "apply's summary"
[[ $(sql "$db" "SELECT actor FROM transitions WHERE kind = 'analyst' ORDER BY seq LIMIT 1") == bot ]] && ok || ko "apply's actor"
"$hornet" case apply - --store "$db" --now 2024-06-01T09:20:00Z <<<'{"action":"move","incident":"INC-000002","state":"triage"}' \
  >"$tmp/out" 2>"$tmp/err" && ok || ko "apply in text"
says out "INC-000002: new -> triage" "apply in text"

# ---- SLA boundaries in wall time: entered one second before, at and after the due time ---------------
# cleanup's `sla triage 30m`: INC-000001 was detected at 09:00:00, due at 09:30:00
for t in 09:29:59 09:30:00 09:30:01; do
  db=$tmp/sla-$t.db
  fresh "$db"
  c move INC-000001 triage --now 2024-06-01T$t"Z" >/dev/null 2>&1 || ko "move at $t"
  sql "$db" "SELECT kind, at FROM sla_events WHERE incident = 'INC-000001' AND state = 'triage'" >"$tmp/sla-$t"
done
[[ $(cat "$tmp/sla-09:29:59") == "met|1717234199000000000" ]] && ok || ko "one second before: $(cat "$tmp/sla-09:29:59")"
[[ $(cat "$tmp/sla-09:30:00") == "met|1717234200000000000" ]] && ok || ko "at the boundary: $(cat "$tmp/sla-09:30:00")"
[[ $(cat "$tmp/sla-09:30:01") == "breached|1717234200000000000" ]] && ok || ko "one second after: $(cat "$tmp/sla-09:30:01")"
# a case that waits: read at the boundary it is not breached; one second after it is, recorded at
# the boundary, once however often it is read
db=$tmp/wait.db
fresh "$db"
expect 0 "list at the boundary" c list --breached --now 2024-06-01T09:30:00Z
grep -q INC-000001 "$tmp/out" && ko "breached at the boundary" || ok
expect 0 "list one second after" c list --breached --now 2024-06-01T09:30:01Z
grep -q INC-000001 "$tmp/out" && ok || ko "not breached one second after"
c list --now 2024-06-01T09:31:00Z >/dev/null && c show INC-000001 --now 2024-06-01T10:00:00Z >"$tmp/out"
[[ $(sql "$db" "SELECT group_concat(incident || ' ' || state || ' ' || at, ',') FROM sla_events") == \
   "INC-000001 triage 1717234200000000000,INC-000002 triage 1717234200000000000" ]] && ok || ko "breaches recorded once, at the boundary"
says out "triage          due 2024-06-01T09:30:00Z  breached at 2024-06-01T09:30:00Z" "show's SLA clock"

# ---- SLA boundaries in event time: the run's watermark; the breach on --incidents ------------------
for t in 09:29:59 09:30:00 09:30:01; do
  db=$tmp/ev-$t.db
  printf '{"@timestamp":"2024-06-01T%sZ","event.action":"noise","host.name":"ws-9"}\n' $t >"$tmp/tick.jsonl"
  "$hornet" run $wf --input $wf/events.jsonl --store "$db" --output /dev/null 2>/dev/null
  "$hornet" run $wf --input "$tmp/tick.jsonl" --store "$db" --output /dev/null --incidents "$tmp/ev-$t.inc" 2>/dev/null ||
    ko "run to $t"
done
[[ $(sql "$tmp/ev-09:30:00.db" "SELECT count(*) FROM sla_events") == 0 ]] && ok || ko "event time: breached at the boundary"
grep -q '"record":"sla"' "$tmp/ev-09:30:00.inc" && ko "a breach record at the boundary" || ok
[[ $(sql "$tmp/ev-09:30:01.db" "SELECT group_concat(incident || ' ' || kind || ' ' || at, ',') FROM sla_events") == \
   "INC-000001 breached 1717234200000000000,INC-000002 breached 1717234200000000000" ]] && ok ||
  ko "event time: breaches one second after"
grep -q '{"record":"sla","event":"breached","time":"2024-06-01T09:30:00Z","incident":"INC-000001","state":"triage","due":"2024-06-01T09:30:00Z"}' \
  "$tmp/ev-09:30:01.inc" && ok || { ko "the breach record on --incidents"; cat "$tmp/ev-09:30:01.inc"; }
# the session learnt it: the score reads incident.sla_breached (+100)
[[ $(sql "$tmp/ev-09:30:01.db" "SELECT score FROM incidents WHERE id = 'INC-000001'") == 140.0 ]] && ok ||
  ko "a breached SLA raises the score: $(sql "$tmp/ev-09:30:01.db" "SELECT score FROM incidents WHERE id = 'INC-000001'")"

# ---- a run tells its session the cases: scores follow, a closed incident takes no new alert ---------
db=$tmp/tell.db
fresh "$db"
c assign INC-000001 alice --now 2024-06-01T09:10:00Z >/dev/null
c set INC-000001 ticket T-1 --now 2024-06-01T09:10:00Z >/dev/null
c move INC-000002 triage --now 2024-06-01T09:10:00Z >/dev/null
c set INC-000002 root_cause x --now 2024-06-01T09:10:00Z >/dev/null
c close INC-000002 --now 2024-06-01T09:11:00Z >/dev/null
printf '%s\n' '{"@timestamp":"2024-06-01T09:12:00Z","event.action":"malware","host.name":"ws-2"}' \
  '{"@timestamp":"2024-06-01T09:12:00Z","event.action":"malware","host.name":"ws-1"}' >"$tmp/more.jsonl"
"$hornet" run $wf --input "$tmp/more.jsonl" --store "$db" --output /dev/null 2>/dev/null || ko "the run after the actions"
[[ $(sql "$db" "SELECT id || ' ' || score FROM incidents WHERE id = 'INC-000001'") == "INC-000001 43.0" ]] && ok ||
  ko "the score reads the assignee and a case field: $(sql "$db" "SELECT score FROM incidents WHERE id = 'INC-000001'")"
[[ $(sql "$db" "SELECT group_concat(a.incident, ',') FROM incident_alerts a WHERE a.alert = 4 OR a.alert = 5") == "INC-000004,INC-000001" ]] &&
  ok || ko "a closed incident took a new alert: $(sql "$db" "SELECT * FROM incident_alerts")"
[[ $(sql "$db" "SELECT state || ' ' || assignee FROM incidents WHERE id = 'INC-000001'") == "new alice" ]] && ok ||
  ko "the run overwrote the case"

# ---- the lifecycle of each std.catalog service (goldens) --------------------------------------------
db=$tmp/life.db
lc=tests/fixtures/store/lifecycle
"$hornet" run $lc --input $lc/events.jsonl --store "$db" --output /dev/null 2>/dev/null || ko "the lifecycle run"
mkdir -p "$tmp/life"
python3 - "$hornet" "$db" "$tmp/life" <<'PY' || ko "the lifecycle walk"
# Each incident walked along its service's `states`, ten minutes an action from 09:20: assigned,
# each state entered in order, its playbook checked off, the required fields set before the
# terminal state; the transcript, then `case show` at the end.
import sqlite3, subprocess, sys, datetime
hornet, db, out = sys.argv[1:]
con = sqlite3.connect(db)
t = datetime.datetime(2024, 6, 1, 9, 20, tzinfo=datetime.timezone.utc)
for inc, svc in con.execute("SELECT id, service FROM incidents ORDER BY id").fetchall():
    log = []
    def case(*a):
        global t
        now = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        t += datetime.timedelta(minutes=10)
        p = subprocess.run([hornet, "case", *a, "--store", db, "--now", now], capture_output=True, text=True)
        log.append(f"$ hornet case {' '.join(a)}   # {now}, exit {p.returncode}\n{p.stdout}{p.stderr}")
        return p.returncode
    states = [s for (s,) in con.execute("SELECT state FROM service_states WHERE service = ? ORDER BY ord", (svc,))]
    req = [f for (f,) in con.execute("SELECT field FROM service_requires WHERE service = ? ORDER BY field", (svc,))]
    case("assign", inc, "alice")
    for s in states[1:]:
        if s == states[-1]:
            case("close", inc)  # refused: the required fields
            for f in req: case("set", inc, f, f"{f} of {inc}")
            case("close", inc)
            break
        case("move", inc, s)
        n = con.execute("SELECT count(*) FROM service_steps WHERE service = ? AND state = ?", (svc, s)).fetchone()[0]
        for k in range(1, n + 1): case("step", inc, str(k))
    case("show", inc)
    open(f"{out}/{svc}.txt", "w").write("".join(log))
PY
for f in "$tmp"/life/*.txt; do
  g=tests/golden/store/lifecycle_$(basename "$f")
  if [[ ${HN_UPDATE:-} == 1 ]]; then cp "$f" "$g"; fi
  if diff -u "$g" "$f" >"$tmp/diff" 2>&1; then ok; else ko "lifecycle $(basename "$f" .txt) differs from $g"; head -20 "$tmp/diff"; fi
done
[[ $(ls "$tmp"/life/*.txt | wc -l) == 9 ]] && ok || ko "a lifecycle per std.catalog service"
[[ $(sql "$db" "SELECT count(*) FROM incidents WHERE closed_at IS NULL") == 0 ]] && ok || ko "every lifecycle closed"

echo "case: $pass passed, $fail failed"
((fail == 0))
