#!/usr/bin/env bash
# cli.sh HORNET - the command line's contract: exit codes, output formats, fmt --check.
set -u
hornet=$1
cd "$(dirname "$0")/.."
pass=0 fail=0
expect() { # expect NAME WANT_EXIT CMD...
  local name=$1 want=$2; shift 2
  "$@" >/tmp/hn_cli_out.$$ 2>&1
  local got=$?
  if [[ $got -eq $want ]]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $name: exit $got, want $want"; sed 's/^/  | /' /tmp/hn_cli_out.$$ | head -20
  fi
}
contains() { # contains NAME TEXT CMD...
  local name=$1 text=$2; shift 2
  if "$@" 2>&1 | grep -qF -- "$text"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $name: no '$text'"; fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" /tmp/hn_cli_out.$$' EXIT

expect "check clean pack" 0 "$hornet" check examples/acme
expect "check stdlib" 0 "$hornet" check stdlib
expect "check broken pack" 1 "$hornet" check tests/golden/check/rule_unknown_field.hn
expect "no command" 2 "$hornet"
expect "unknown command" 2 "$hornet" frobnicate
expect "check without path" 2 "$hornet" check
expect "unknown option" 2 "$hornet" check --bogus examples
expect "unknown format" 2 "$hornet" check --format xml examples
expect "unknown warning" 2 "$hornet" check -Wno-such examples
expect "missing file" 1 "$hornet" check /nonexistent.hn
contains "summary" "rules: 32" "$hornet" check --summary examples/acme
contains "json" '"errors": ' "$hornet" check --format json tests/golden/check/rule_unknown_field.hn
contains "sarif" '"version": "2.1.0"' "$hornet" check --format sarif tests/golden/check/rule_unknown_field.hn
printf 'import std.ecs\nrule r { severity low where event.action == "x" }\n' > "$tmp/w.hn"
expect "warning alone is clean" 0 "$hornet" check "$tmp/w.hn"
expect "-Werror" 1 "$hornet" check -Werror "$tmp/w.hn"
expect "-Werror=name" 1 "$hornet" check -Werror=missing-entities "$tmp/w.hn"
expect "-Wno-name silences" 0 "$hornet" check -Wno-missing-entities -Werror "$tmp/w.hn"
expect "fmt --check canonical" 0 "$hornet" fmt --check examples stdlib
# the Sigma import: every modifier, wildcard, condition form, value kind, filter and correlation
# type the importer reads, against events that must and must not match; one set per mapping
# (tests/sigma/SET: rules/, events.jsonl, expected.txt, report.txt, and `mapping` if not windows).
# The report (what was not imported, and why) is golden too.
for set in tests/sigma/*/; do
  set=${set%/}; name=${set##*/}
  mapping=windows; [[ -f $set/mapping ]] && mapping=$(cat "$set/mapping")
  ph=(); [[ -f $set/placeholders.yml ]] && ph=(--placeholders "$set/placeholders.yml")
  "$hornet" import-sigma --mapping "$mapping" "${ph[@]}" "$set/rules" -o "$tmp/sigma-$name.hn" 2> "$tmp/sigma-$name.report"
  if diff -u "$set/report.txt" "$tmp/sigma-$name.report"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL sigma report $name"; fi
  expect "imported Sigma checks ($name)" 0 "$hornet" check -Wno-missing-entities "$tmp/sigma-$name.hn"
  expect "imported Sigma is formatted ($name)" 0 "$hornet" fmt --check "$tmp/sigma-$name.hn"
  "$hornet" run "$tmp/sigma-$name.hn" --input "$set/events.jsonl" 2>/dev/null |
    sed -n 's/^{"rule":"\([^"]*\)".*"line":\([0-9]*\).*/\2 \1/p' > "$tmp/sigma-$name.got"
  if diff -u "$set/expected.txt" "$tmp/sigma-$name.got"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL sigma conformance $name"; fi
done
# -o DIR/: a directory pack, one file per folder of rules, with the alerts of the single file
"$hornet" import-sigma --placeholders tests/sigma/windows/placeholders.yml tests/sigma/windows/rules tests/sigma/correlation/rules -o "$tmp/sigma-dir/" 2>/dev/null
expect "sigma directory pack: a file per folder" 0 test -f "$tmp/sigma-dir/correlation_rules.hn" -a -f "$tmp/sigma-dir/windows_rules.hn"
expect "sigma directory pack checks" 0 "$hornet" check -Wno-missing-entities "$tmp/sigma-dir"
"$hornet" import-sigma --placeholders tests/sigma/windows/placeholders.yml tests/sigma/windows/rules tests/sigma/correlation/rules -o "$tmp/sigma-one.hn" 2>/dev/null
for p in sigma-dir sigma-one.hn; do
  cat tests/sigma/windows/events.jsonl tests/sigma/correlation/events.jsonl |
    "$hornet" run "$tmp/$p" --input - 2>/dev/null | sed -n 's/^{"rule":"\([^"]*\)".*"line":\([0-9]*\).*/\2 \1/p' | sort > "$tmp/$p.got"
done
if [[ -s $tmp/sigma-dir.got ]] && diff -u "$tmp/sigma-one.hn.got" "$tmp/sigma-dir.got"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL sigma directory pack"; fi
# Sigma files stand for a pack: imported on the fly, with the same alerts
"$hornet" run tests/sigma/windows/rules --input tests/sigma/windows/events.jsonl 2>/dev/null |
  sed -n 's/^{"rule":"\([^"]*\)".*"line":\([0-9]*\).*/\2 \1/p' > "$tmp/sigma-direct.got"
if diff -u <(grep -v ' expand_' tests/sigma/windows/expected.txt) "$tmp/sigma-direct.got"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL sigma files as a pack"; fi
contains "sigma not imported is a warning" "warning: tests/sigma/windows/rules/other_product.yml" "$hornet" check tests/sigma/windows/rules
expect "sigma file as a pack, ECS mapping" 0 "$hornet" check --mapping ecs tests/sigma/ecs/rules/linux.yml
expect "a directory with .hn files is a pack, not Sigma" 0 "$hornet" check -Werror examples/acme
# a mapping with errors: each one at its line and column, and nothing imported
expect "bad mapping" 1 "$hornet" import-sigma --mapping tests/golden/sigma/bad_mapping.yml tests/sigma/windows/rules -o /dev/null
"$hornet" import-sigma --mapping tests/golden/sigma/bad_mapping.yml tests/sigma/windows/rules -o /dev/null 2> "$tmp/badmap.txt"
if diff -u tests/golden/sigma/bad_mapping.txt "$tmp/badmap.txt"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL bad mapping diagnostics"; fi
# a pack written that does not check (a mapping's `where` naming no field, another no condition):
# reported with its errors, and exit 1 (it was 0)
expect "import-sigma: a pack that does not check is exit 1" 1 \
  "$hornet" import-sigma --mapping tests/golden/sigma/broken_where.yml tests/sigma/windows/rules -o "$tmp/broken.hn"
contains "import-sigma: says why" "$tmp/broken.hn:19:9: unknown field 'EventIDD'" \
  "$hornet" import-sigma --mapping tests/golden/sigma/broken_where.yml tests/sigma/windows/rules -o "$tmp/broken.hn"
expect "import-sigma: a pack that checks is exit 0" 0 "$hornet" import-sigma tests/sigma/windows/rules -o "$tmp/good.hn"
# hostile YAML (tests/golden/sigma/hostile): a 162-byte alias cycle (it crashed), a 517-byte
# alias bomb (82 MB, 2 GB and 19.5 s), lists nested 70 deep, keys given twice, a condition
# 33 parentheses deep: each reported at its line and column, the other rules imported
"$hornet" import-sigma tests/golden/sigma/hostile -o "$tmp/hostile.hn" 2> "$tmp/hostile.txt"
if diff -u tests/golden/sigma/hostile.txt "$tmp/hostile.txt"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL hostile Sigma YAML"; fi
expect "hostile Sigma YAML: the good rule checks" 0 "$hornet" check -Wno-missing-entities "$tmp/hostile.hn"
printf 'title: deep\nlogsource: {product: windows}\ndetection:\n  sel: {Image: x}\n  condition: %s\n' \
  "$(printf '%.0s(' {1..100000})sel$(printf '%.0s)' {1..100000})" > "$tmp/deep_condition.yml"
contains "a Sigma condition 100,000 parentheses deep" "nested deeper than 32 levels" "$hornet" import-sigma "$tmp/deep_condition.yml" -o /dev/null
contains "a mapping with a key twice" "dup_mapping.yml:5:1: error: YAML: duplicate key 'keywords'" \
  "$hornet" import-sigma --mapping tests/golden/sigma/dup_mapping.yml tests/sigma/windows/rules -o /dev/null
expect "a mapping with a key twice: nothing imported" 1 "$hornet" import-sigma --mapping tests/golden/sigma/dup_mapping.yml tests/sigma/windows/rules -o /dev/null
contains "placeholders with a key twice" "dup_placeholders.yml:4:1: error: YAML: duplicate key 'admins'" \
  "$hornet" import-sigma --placeholders tests/golden/sigma/dup_placeholders.yml tests/sigma/windows/rules -o /dev/null
# a list of 100,000 values (it took 14 s to import, as 200,000 `or`s that crashed check): one
# list predicate per operator, imported and checked
{ printf 'title: A list of 100,000 values\nlogsource: {product: windows, category: process_creation}\n'
  printf 'detection:\n  sel:\n    Image|endswith:\n'
  seq -f "      - '\\drivers\\bad%06g.sys'" 0 99999
  printf '  condition: sel\n'; } > "$tmp/long_list.yml"
"$hornet" import-sigma "$tmp/long_list.yml" -o "$tmp/long_list.hn" 2>/dev/null
contains "100,000 values: one predicate" 'Image endswith~ any ["\\drivers\\bad000000.sys",' cat "$tmp/long_list.hn"
expect "100,000 values: the pack checks" 0 "$hornet" check -Wno-missing-entities "$tmp/long_list.hn"
# each file of a directory pack may import what it uses; the constraints add up
mkdir -p "$tmp/two"
printf 'pack two.files 1.0.0\nimport std.ecs\nrule a { severity low where event.action == "a" entities host.name }\n' > "$tmp/two/a.hn"
printf 'pack two.files 1.0.0\nimport std.ecs\nrule b { severity low where event.action == "b" entities host.name }\n' > "$tmp/two/b.hn"
expect "one import per file" 0 "$hornet" check "$tmp/two"
printf 'pack two.files 1.0.0\nimport std.ecs ^9.0.0\nrule b { severity low where event.action == "b" entities host.name }\n' > "$tmp/two/b.hn"
expect "every file's constraint holds" 1 "$hornet" check "$tmp/two"
# uninitialised reads (ASan does not see them): the compiler once hashed struct padding
if command -v valgrind >/dev/null && [[ -z ${HN_NO_VALGRIND:-} ]]; then
  expect "valgrind: compile and run clean" 0 valgrind -q --error-exitcode=3 --leak-check=no \
    "$hornet" run --engine interp tests/golden/run/correlation.hn --input tests/golden/run/correlation.jsonl --output /dev/null
fi
for d in tests/packs/*/; do  # in-language scenario tests of the correlation engine
  expect "pack tests $d" 0 "$hornet" test --allow-path tests/fixtures "$d"
done
printf 'rule   r{severity low}\n' > "$tmp/u.hn"
expect "fmt --check ugly" 1 "$hornet" fmt --check "$tmp/u.hn"
expect "fmt rewrites" 0 "$hornet" fmt "$tmp/u.hn"
expect "fmt now canonical" 0 "$hornet" fmt --check "$tmp/u.hn"
printf 'rule r {\n' > "$tmp/b.hn"
expect "fmt refuses syntax errors" 1 "$hornet" fmt "$tmp/b.hn"
contains "fmt stdin" "rule r {" sh -c "printf 'rule r{severity low}' | '$hornet' fmt -"
expect "test example pack" 0 "$hornet" test examples/acme
expect "test junit" 0 "$hornet" test examples/acme --junit "$tmp/junit.xml"
contains "junit written" "<testsuite" cat "$tmp/junit.xml"
printf 'import std.ecs\nrule r { severity low where process.name == "a" entities host.name }\ntest "t" { event { process.name: "b" } expect r }\n' > "$tmp/ft.hn"
expect "failing test exits 1" 1 "$hornet" test "$tmp/ft.hn"
expect "run over malformed input" 0 "$hornet" run tests/golden/run/malformed.hn --input tests/golden/run/malformed.jsonl --output "$tmp/alerts.jsonl" --dead-letter "$tmp/dead.jsonl"
contains "alerts written" '"rule":"whoami"' cat "$tmp/alerts.jsonl"
contains "dead letters written" 'not json at all' cat "$tmp/dead.jsonl"
contains "run summary" "4 malformed" "$hornet" run tests/golden/run/malformed.hn --input tests/golden/run/malformed.jsonl --output /dev/null
expect "run without pack" 2 "$hornet" run
expect "run broken pack" 1 "$hornet" run tests/golden/check/rule_unknown_field.hn --input /dev/null
expect "explain" 0 "$hornet" explain examples/acme --rule office_spawns_shell --event '{"process":{"name":"cmd.exe"}}'
contains "explain shows values" "does not fire" "$hornet" explain examples/acme --rule office_spawns_shell --event '{"process":{"name":"cmd.exe"}}'
expect "explain unknown rule" 1 "$hornet" explain examples/acme --rule nope --event '{}'
expect "explain malformed event" 1 "$hornet" explain examples/acme --event '{'
# the cache: a second run loads the native code and the pattern databases, with the same output
HORNET_CACHE_DIR="$tmp/cache" "$hornet" run examples/acme --input examples/acme/events.jsonl --output "$tmp/a1.jsonl" 2>/dev/null
HORNET_CACHE_DIR="$tmp/cache" "$hornet" run examples/acme --input examples/acme/events.jsonl --output "$tmp/a2.jsonl" 2>/dev/null
expect "cached run gives the same alerts" 0 cmp "$tmp/a1.jsonl" "$tmp/a2.jsonl"
expect "object code cached" 0 sh -c "ls '$tmp'/cache/*.o"
expect "pattern databases cached" 0 sh -c "ls '$tmp'/cache/*.hs"
HORNET_CACHE_DIR=off "$hornet" run --engine interp examples/acme --input examples/acme/events.jsonl --output "$tmp/a3.jsonl" 2>/dev/null
expect "interpreter without cache gives the same alerts" 0 cmp "$tmp/a1.jsonl" "$tmp/a3.jsonl"
expect "version" 0 "$hornet" version
expect "version: unknown option" 2 "$hornet" version --bogus
# the stdlib in use: --stdlib, else $HORNET_STDLIB, else (not installed) the source tree's
contains "version --verbose: the source tree's stdlib" "stdlib $PWD/stdlib" env -u HORNET_STDLIB "$hornet" version --verbose
contains "version --verbose: \$HORNET_STDLIB" "stdlib /elsewhere" env HORNET_STDLIB=/elsewhere "$hornet" version -v
contains "version --verbose: --stdlib first" "stdlib /there" env HORNET_STDLIB=/elsewhere "$hornet" version -v --stdlib /there
# the multi-pattern engine (issue 10): named by version, trusted after its self-test; without it
# (--no-prefilter, HORNET_NO_PREFILTER=1, or an engine that fails its self-test) the same alerts
contains "version names the engine" "multi-pattern engine: " "$hornet" version
contains "engine self-test passes here" "self-test on this CPU: passed" "$hornet" version
contains "a failing engine is reported" "self-test on this CPU: FAILED: missed '.exe'" env HORNET_PREFILTER_SELFTEST=fail "$hornet" version
"$hornet" run examples/acme --input examples/acme/events.jsonl > "$tmp/pf-on.jsonl" 2>/dev/null
"$hornet" run --no-prefilter examples/acme --input examples/acme/events.jsonl > "$tmp/pf-off.jsonl" 2>/dev/null
HORNET_NO_PREFILTER=1 "$hornet" run examples/acme --input examples/acme/events.jsonl > "$tmp/pf-env.jsonl" 2>/dev/null
HORNET_PREFILTER_SELFTEST=fail "$hornet" run examples/acme --input examples/acme/events.jsonl > "$tmp/pf-fail.jsonl" 2>/dev/null
expect "acme has alerts" 0 test -s "$tmp/pf-on.jsonl"
expect "acme: same alerts with --no-prefilter" 0 cmp "$tmp/pf-on.jsonl" "$tmp/pf-off.jsonl"
expect "acme: same alerts with HORNET_NO_PREFILTER=1" 0 cmp "$tmp/pf-on.jsonl" "$tmp/pf-env.jsonl"
expect "acme: same alerts when the engine fails its self-test" 0 cmp "$tmp/pf-on.jsonl" "$tmp/pf-fail.jsonl"
contains "a failing engine: a warning" "hornet: warning: the multi-pattern engine (" env HORNET_PREFILTER_SELFTEST=fail "$hornet" run examples/acme --input examples/acme/events.jsonl --output /dev/null
expect "test --no-prefilter" 0 "$hornet" test --no-prefilter examples/acme
expect "queue --no-prefilter" 0 "$hornet" queue --no-prefilter examples/acme --input examples/acme/events.jsonl
expect "explain --no-prefilter" 0 "$hornet" explain --no-prefilter examples/acme --rule office_spawns_shell --event '{"process":{"name":"cmd.exe"}}'
# the issue's reproducer: "C:\" + N a's + "\drop.exe", N = 0..299 (68 bytes and more from
# N = 56, where Vectorscan 5.4.9 lost '.exe' on AVX-512): 300 alerts in every configuration
printf 'schema s { F: string }\nrule r { severity low where F endswith ".com" or F endswith ".exe" entities F }\n' > "$tmp/issue10.hn"
as=""; for n in $(seq 0 299); do printf '{"F":"C:\\\\%s\\\\drop.exe"}\n' "$as"; as+=a; done > "$tmp/issue10.jsonl"
"$hornet" run "$tmp/issue10.hn" --input "$tmp/issue10.jsonl" > "$tmp/issue10.want" 2>/dev/null
expect "issue 10 reproducer: 300 alerts" 0 test "$(wc -l < "$tmp/issue10.want")" -eq 300
for engine in jit interp; do
  for how in --no-prefilter HORNET_NO_PREFILTER=1 HORNET_PREFILTER_SELFTEST=fail ""; do
    if [[ $how == --* ]]; then env "$hornet" run --engine $engine $how "$tmp/issue10.hn" --input "$tmp/issue10.jsonl"
    else env $how "$hornet" run --engine $engine "$tmp/issue10.hn" --input "$tmp/issue10.jsonl"; fi > "$tmp/issue10.got" 2>/dev/null
    expect "issue 10 reproducer: the same 300 alerts ($engine ${how:-prefilter})" 0 cmp "$tmp/issue10.want" "$tmp/issue10.got"
  done
done
# backquoted segments are syntax: a real event line and the pack's test blocks agree (§2.4, §5.4)
expect "backquoted segments: test blocks" 0 "$hornet" test tests/golden/run/backquoted.hn
contains "backquoted segments: an event line" '"rule":"xff"' sh -c "printf '%s\n' '{\"@timestamp\":\"2024-01-01T00:00:00Z\",\"http\":{\"request\":{\"headers\":{\"X-Forwarded-For\":\"1.2.3.4\"}}}}' | '$hornet' run tests/golden/run/backquoted.hn"

# -h/--help: every command prints its own usage on standard output and exits 0
for c in check fmt run queue import-sigma test explain build kpi report version; do
  expect "$c --help" 0 "$hornet" $c --help
  contains "$c -h: its usage on stdout" "usage: hornet $c" sh -c "'$hornet' $c -h 2>/dev/null"
done
contains "help COMMAND" "usage: hornet queue" "$hornet" help queue
# numeric options are whole numbers >= 1, or a usage error that says so
for v in abc 1x -1 0 +5 " 5" 99999999999999999999999 ""; do
  expect "--max-events '$v'" 2 "$hornet" run examples/acme --max-events "$v" --input /dev/null
  expect "--checkpoint-every '$v'" 2 "$hornet" run examples/acme --state "$tmp/never" --checkpoint-every "$v" --input /dev/null
done
contains "--max-events abc: why" "--max-events wants a whole number, not 'abc'" "$hornet" run examples/acme --max-events abc
contains "--max-events 2 stops after 2" "hornet run: 2 events" "$hornet" run examples/acme --input examples/acme/events.jsonl --max-events 2 --output /dev/null
# a failed write is reported, naming the file, with exit 1 (ten thousand alerts went nowhere with exit 0)
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "{\"host\":{\"name\":\"h%d\"},\"process\":{\"name\":\"whoami.exe\"}}\n", i }' > "$tmp/many.jsonl"
full() { # full NAME MESSAGE CMD...: CMD writes to /dev/full
  local name=$1 msg=$2; shift 2
  "$@" > "$tmp/full.out" 2>&1
  local got=$?
  if [[ $got -eq 1 ]] && grep -qF -- "$msg" "$tmp/full.out"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL $name: exit $got, want 1 and '$msg'"; sed 's/^/  | /' "$tmp/full.out" | head -5
  fi
}
if [[ -w /dev/full ]]; then
  stdout_full="hornet: cannot write to standard output: No space left on device"
  file_full="hornet: cannot write to '/dev/full': No space left on device"
  full "run > /dev/full" "$stdout_full" sh -c "'$hornet' run tests/golden/run/malformed.hn --input '$tmp/many.jsonl' > /dev/full"
  n=$(sh -c "'$hornet' run tests/golden/run/malformed.hn --input '$tmp/many.jsonl' > /dev/full" 2>&1 | sed -n 's/^hornet run: \([0-9]*\) events.*/\1/p')
  expect "run stops at the failed write ($n of 10000 events)" 0 test "${n:-10000}" -lt 10000
  full "run --output" "$file_full" "$hornet" run tests/golden/run/malformed.hn --input "$tmp/many.jsonl" --output /dev/full
  full "run --dead-letter" "$file_full" "$hornet" run tests/golden/run/malformed.hn --input tests/golden/run/malformed.jsonl --output /dev/null --dead-letter /dev/full
  full "run --incidents" "$file_full" "$hornet" run tests/golden/run/malformed.hn --input tests/golden/run/malformed.jsonl --output /dev/null --incidents /dev/full
  full "run --state, > /dev/full" "$stdout_full" sh -c "'$hornet' run tests/golden/run/malformed.hn --input tests/golden/run/malformed.jsonl --state '$tmp/full.state' > /dev/full"
  full "queue" "$stdout_full" sh -c "'$hornet' queue examples/acme --input examples/acme/events.jsonl > /dev/full"
  full "test" "$stdout_full" sh -c "'$hornet' test examples/acme > /dev/full"
  full "test --junit" "$file_full" "$hornet" test examples/acme --junit /dev/full
  full "import-sigma" "$stdout_full" sh -c "'$hornet' import-sigma tests/sigma/windows/rules > /dev/full"
  full "import-sigma -o" "$file_full" "$hornet" import-sigma tests/sigma/windows/rules -o /dev/full
  full "explain" "$stdout_full" sh -c "'$hornet' explain examples/acme --event '{}' > /dev/full"
  full "fmt --stdout" "$stdout_full" sh -c "'$hornet' fmt --stdout examples/acme > /dev/full"
  printf 'rule   r{severity low}\n' > "$tmp/u2.hn"
  full "fmt --check" "$stdout_full" sh -c "'$hornet' fmt --check '$tmp/u2.hn' > /dev/full"
  full "check --format sarif" "$stdout_full" sh -c "'$hornet' check --format sarif examples/acme > /dev/full"
  full "check --format json" "$stdout_full" sh -c "'$hornet' check --format json examples/acme > /dev/full"
  full "check --summary" "$stdout_full" sh -c "'$hornet' check --summary examples/acme > /dev/full"
  full "version" "$stdout_full" sh -c "'$hornet' version > /dev/full"
  full "--help" "$stdout_full" sh -c "'$hornet' run --help > /dev/full"
fi
# a closed stdout stays closed: the dead-letter file opened next does not become fd 1 and take the alerts
sh -c "'$hornet' run tests/golden/run/malformed.hn --dead-letter '$tmp/closed.dead' < tests/golden/run/malformed.jsonl >&-" 2> "$tmp/closed.err"
got=$?
if [[ $got -eq 1 ]] && ! grep -q '"rule"' "$tmp/closed.dead" && [[ $(grep -c '"reason":"malformed"' "$tmp/closed.dead") -eq 4 ]] &&
   grep -qF "cannot write to standard output: Bad file descriptor" "$tmp/closed.err"; then pass=$((pass + 1)); else
  fail=$((fail + 1)); echo "FAIL closed stdout: exit $got"; head -3 "$tmp/closed.dead" "$tmp/closed.err"; fi
# an input that cannot be read is named
contains "unreadable input named" "cannot read 'tests': Is a directory" "$hornet" run examples/acme --input tests
expect "unreadable input exits 1" 1 "$hornet" run examples/acme --input tests
contains "missing input named" "cannot read '$tmp/nope': No such file or directory" "$hornet" run examples/acme --input "$tmp/nope"
# --state and the outputs: appended (>> too), cut back to the checkpoint, never emptied by a resumed run
m=(tests/golden/run/malformed.hn --input tests/golden/run/malformed.jsonl)
for i in 1 2 3; do
  sh -c "'$hornet' run ${m[*]} --state '$tmp/st' --dead-letter '$tmp/st.dead' --incidents '$tmp/st.inc' >> '$tmp/st.alerts'" 2>/dev/null
  [[ $i -eq 1 ]] && cp "$tmp/st.inc" "$tmp/st.inc1"
done
expect "resumed runs keep the alerts (>>)" 0 test "$(wc -l < "$tmp/st.alerts")" -eq 3
expect "resumed runs keep the dead letters" 0 test "$(wc -l < "$tmp/st.dead")" -eq 4
expect "resumed runs keep the incident records" 0 cmp "$tmp/st.inc1" "$tmp/st.inc"
"$hornet" run "${m[@]}" --output "$tmp/whole.alerts" --dead-letter "$tmp/whole.dead" 2>/dev/null
for i in 1 2 3 4 5; do
  "$hornet" run "${m[@]}" --state "$tmp/pc" --max-events 2 --output "$tmp/pc.alerts" --dead-letter "$tmp/pc.dead" 2>/dev/null
done
expect "runs of 2 events: the alerts of one run" 0 cmp "$tmp/whole.alerts" "$tmp/pc.alerts"
expect "runs of 2 events: the dead letters of one run" 0 cmp "$tmp/whole.dead" "$tmp/pc.dead"
# an output naming the input is refused before anything is opened for writing
cp tests/golden/run/malformed.jsonl "$tmp/in.jsonl"
expect "--output is the input" 1 "$hornet" run tests/golden/run/malformed.hn --input "$tmp/in.jsonl" --output "$tmp/in.jsonl"
contains "--output is the input: why" "is the input file" "$hornet" run tests/golden/run/malformed.hn --input "$tmp/in.jsonl" --output "$tmp/in.jsonl"
expect "--dead-letter is the input" 1 "$hornet" run tests/golden/run/malformed.hn --input "$tmp/in.jsonl" --dead-letter "$tmp/./in.jsonl"
expect "--incidents is the input (stdin)" 1 sh -c "'$hornet' run tests/golden/run/malformed.hn --incidents '$tmp/in.jsonl' < '$tmp/in.jsonl'"
expect "the input is intact" 0 cmp tests/golden/run/malformed.jsonl "$tmp/in.jsonl"
# regex matches at PCRE2's limits: counted in the summary, the same with native code and the interpreter
contains "regex limits in the summary" "2 regex matches reached the match limit" "$hornet" run tests/golden/run/deadletter.hn --input tests/golden/run/deadletter.jsonl --output /dev/null
contains "regex limits per rule" "rule 'evil': 1 event with a regex match at the match limit" "$hornet" run tests/golden/run/deadletter.hn --input tests/golden/run/deadletter.jsonl --output /dev/null
for eng in jit interp; do
  "$hornet" run --engine $eng tests/golden/run/deadletter.hn --input tests/golden/run/deadletter.jsonl --dead-letter "$tmp/re.$eng.dead" 2>/dev/null |
    sed -n 's/^{"rule":"\([^"]*\)".*"line":\([0-9]*\).*/\2 \1/p' > "$tmp/re.$eng"
done
expect "regex limits: jit alerts" 0 cmp "$tmp/re.jit" <(grep -v '^#' tests/golden/run/deadletter.expected)
expect "regex limits: interp alerts" 0 cmp "$tmp/re.interp" <(grep -v '^#' tests/golden/run/deadletter.expected)
expect "regex limits: jit dead letters" 0 cmp "$tmp/re.jit.dead" tests/golden/run/deadletter.dead
contains "regex limits: explain says so" "1 regex match reached the match limit" "$hornet" explain tests/golden/run/deadletter.hn --rule evil --event "$(sed -n 2p tests/golden/run/deadletter.jsonl)"

# pack images (issue 11): built once, run like the pack, refused with a reason when damaged
expect "build an image" 0 "$hornet" build examples/acme -o "$tmp/acme.hnp"
"$hornet" run examples/acme --input examples/acme/events.jsonl --incidents "$tmp/src.inc" > "$tmp/src.alerts" 2>/dev/null
"$hornet" run "$tmp/acme.hnp" --input examples/acme/events.jsonl --incidents "$tmp/img.inc" > "$tmp/img.alerts" 2>/dev/null
expect "image: the same alerts as the pack" 0 cmp "$tmp/src.alerts" "$tmp/img.alerts"
expect "image: the same incident records" 0 cmp "$tmp/src.inc" "$tmp/img.inc"
"$hornet" run --engine interp "$tmp/acme.hnp" --input examples/acme/events.jsonl > "$tmp/img2.alerts" 2>/dev/null
expect "image, interpreter: the same alerts" 0 cmp "$tmp/src.alerts" "$tmp/img2.alerts"
expect "image: test blocks" 0 "$hornet" test "$tmp/acme.hnp"
contains "image: --dump lists the rules" "office_spawns_shell" "$hornet" build --dump "$tmp/acme.hnp"
head -c 5000 "$tmp/acme.hnp" > "$tmp/cut.hnp"
contains "a truncated image is refused" "the image is truncated" "$hornet" run "$tmp/cut.hnp" --input /dev/null
expect "a truncated image: exit 1" 1 "$hornet" run "$tmp/cut.hnp" --input /dev/null
expect "build without -o" 2 "$hornet" build examples/acme

# paths: no limit on the number of packs or -I directories (the first 64 paths and 16 -I were
# taken, the rest dropped without a word or "unknown option")
mkdir -p "$tmp/many"
for i in $(seq 1 71); do
  printf 'import std.ecs\nrule r%d { severity low where process.name == "x" entities host.name }\n' "$i" > "$tmp/many/r$i.hn"
done
echo '{"process":{"name":"x"}}' > "$tmp/many/ev.jsonl"
contains "71 packs, 71 alerts" "71 alerts" "$hornet" run $(ls "$tmp"/many/r*.hn) --input "$tmp/many/ev.jsonl" --output /dev/null
for i in $(seq 1 17); do mkdir -p "$tmp/inc/d$i"; incs+=(-I "$tmp/inc/d$i"); done
printf 'pack deep.p 1.0.0\nimport std.ecs\nrule far { severity low where process.name == "x" entities host.name }\n' > "$tmp/inc/d17/deep.p.hn"
printf 'import deep.p\n' > "$tmp/inc/main.hn"
contains "17th -I is searched" "1 alerts" "$hornet" run "${incs[@]}" "$tmp/inc/main.hn" --input "$tmp/many/ev.jsonl" --output /dev/null
# a pack name of any length is looked up (past 1,023 bytes one was "not found")
deep=$(printf 'd/%.0s' $(seq 1 600)) name=$(printf 'd.%.0s' $(seq 1 600))
mkdir -p "$tmp/long/$deep" && printf 'pack %sp 1.0.0\nimport std.ecs\nrule far { severity low where process.name == "x" entities host.name }\n' "$name" > "$tmp/long/${deep}p.hn"
printf 'import %sp\n' "$name" > "$tmp/long/main.hn"
contains "a 1,200-byte pack name is found" "1 alerts" "$hornet" run -I "$tmp/long" "$tmp/long/main.hn" --input "$tmp/many/ev.jsonl" --output /dev/null
# a backquoted import segment cannot leave the search path (`..` in the name's second form)
mkdir -p "$tmp/esc/lib/a.\`" "$tmp/esc/outside"
printf 'TOPSECRET password=hunter2\n' > "$tmp/esc/outside/evil\`.hn"
printf 'import a.`/../../outside/evil`\n' > "$tmp/esc/main.hn"
expect "backquoted import refused" 1 "$hornet" check -I "$tmp/esc/lib" "$tmp/esc/main.hn"
contains "backquoted import: not a pack name" "is not a pack name" "$hornet" check -I "$tmp/esc/lib" "$tmp/esc/main.hn"
expect "backquoted import reads nothing outside" 1 sh -c "'$hornet' check -I '$tmp/esc/lib' '$tmp/esc/main.hn' 2>&1 | grep -q TOPSECRET"
# inventories stay in the pack's directory unless --allow-path allows more
mkdir -p "$tmp/inv/pack" "$tmp/inv/private"
printf 'hosts:\n  - name: TOPSECRET\n    bogus: hunter2\n' > "$tmp/inv/private/assets.yaml"
printf 'import std.ecs\nassets "../private/assets.yaml"\n' > "$tmp/inv/pack/p.hn"
contains "inventory outside the pack" "outside the pack's directory" "$hornet" check "$tmp/inv/pack"
expect "inventory outside the pack: not read" 1 sh -c "'$hornet' check '$tmp/inv/pack' 2>&1 | grep -q hunter2"
contains "--allow-path reads it" "hunter2" "$hornet" check --allow-path "$tmp/inv/private" "$tmp/inv/pack"
# from a working directory longer than PATH_MAX the inventory is still checked
(std="$PWD/stdlib" h=$hornet long=$(printf 'x%.0s' $(seq 1 200)); [[ $h = /* ]] || h=$PWD/$h; cd "$tmp" && for i in $(seq 1 25); do mkdir -p "$long" && cd "$long" || exit; done
 mkdir -p p && printf 'hosts:\n  - name: h\n    bogus: 1\n' > p/assets.yaml && printf 'import std.ecs\nassets "assets.yaml"\n' > p/p.hn
 "$h" check --stdlib "$std" p > "$tmp/longcwd.out" 2>&1) 2>/dev/null
contains "inventory checked from a long working directory" "unknown key 'bogus'" cat "$tmp/longcwd.out"
contains "pack tests need --allow-path" "outside the pack's directory" "$hornet" test tests/packs/unknown/
# a directory that cannot be read is named, not its parent (as another user: root reads all)
mkdir -p "$tmp/perm/pack/sub" && printf 'import std.ecs\n' > "$tmp/perm/pack/a.hn" && chmod 755 "$tmp" "$tmp/perm" "$tmp/perm/pack"
chmod 700 "$tmp/perm/pack/sub"
as_other=()
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then as_other=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
if [[ $(id -u) -ne 0 || ${#as_other[@]} -gt 0 ]]; then
  contains "unreadable directory named" "cannot read directory '$tmp/perm/pack/sub'" "${as_other[@]}" "$hornet" check --stdlib "$PWD/stdlib" "$tmp/perm/pack"
fi
chmod 755 "$tmp/perm/pack/sub"
# event times at the edges of 64-bit nanoseconds: no window end or deadline wraps to 1677
"$hornet" run tests/fixtures/time_edges/pack.hn --input tests/fixtures/time_edges/events.jsonl >"$tmp/edges.out" 2>"$tmp/edges.err"
if grep -q '"time":"1677' "$tmp/edges.out" || ! grep -qF '6 without a time' "$tmp/edges.err"; then
  fail=$((fail + 1)); echo "FAIL time edges: an alert wrapped to 1677, or the events were not counted"; head -5 "$tmp/edges.out"
else pass=$((pass + 1)); fi
# hornet kpi (issue 15): KPIs over the records a run wrote, the golden scenario through the CLI
sc=tests/golden/kpi/scenario
# the table's columns widen to their longest cell (application_allowlisting, 24 characters, pushed
# its row's value out of the value column)
"$hornet" kpi examples/acme --facts "$tmp/src.inc" --kpi detection_coverage > "$tmp/kpi-table.txt"
expect "kpi table: every value under its header" 0 awk '
  /^   period/ { col = index($0, "value"); next }
  col && NF >= 2 { v = substr($0, col); if (substr($0, col - 1, 1) != " " || v ~ /^ /) bad++ }
  END { exit !(col && !bad) }' "$tmp/kpi-table.txt"
contains "kpi over a run's incident records" "== control_gaps  Incidents by failed control" "$hornet" kpi examples/acme --facts "$tmp/src.inc"
"$hornet" kpi $sc.hn --facts $sc.facts --now 2024-05-19 --format json > "$tmp/kpi.json"
expect "kpi --format json: the golden numbers" 0 cmp "$tmp/kpi.json" $sc.json
"$hornet" build $sc.hn -o "$tmp/kpi.hnp" 2>/dev/null
"$hornet" kpi "$tmp/kpi.hnp" --facts $sc.facts --now 2024-05-19 --format json > "$tmp/kpi-image.json"
expect "kpi from a pack image: the same numbers, pack, version and hash" 0 cmp "$tmp/kpi-image.json" $sc.json
"$hornet" kpi $sc.hn --facts - --now 2024-05-19T00:00:00Z --gaps < $sc.facts > "$tmp/gaps.txt"
expect "kpi --gaps (facts on stdin): the golden ranking" 0 cmp "$tmp/gaps.txt" $sc.gaps.table
contains "kpi --kpi --period --from --to --by --format csv" "incident_rate,std.kpi,1.0.0,2024-05-16T00:00:00Z,2024-05-17T00:00:00Z,business_unit=eng,0,33.33333333,-1,met," \
  "$hornet" kpi $sc.hn --facts $sc.facts --kpi incident_rate --period 1d --from 2024-05-15 --to 2024-05-17 --by business_unit --format csv
expect "kpi: unknown format" 2 "$hornet" kpi $sc.hn --facts $sc.facts --format xml
expect "kpi: a bad period" 2 "$hornet" kpi $sc.hn --facts $sc.facts --period 3x
expect "kpi: a bad time" 2 "$hornet" kpi $sc.hn --facts $sc.facts --from yesterday
expect "kpi: without facts" 2 "$hornet" kpi $sc.hn
expect "kpi: an unknown dimension" 2 "$hornet" kpi $sc.hn --facts $sc.facts --by colour
contains "kpi: an unknown dimension, named" "unknown dimension 'colour'" "$hornet" kpi $sc.hn --facts $sc.facts --by colour
expect "kpi: an empty range" 2 "$hornet" kpi $sc.hn --facts $sc.facts --from 2024-05-16 --to 2024-05-10
expect "kpi: an unknown KPI" 1 "$hornet" kpi $sc.hn --facts $sc.facts --kpi nope
expect "kpi: a missing facts file" 1 "$hornet" kpi $sc.hn --facts /nonexistent.jsonl
printf '{"record":"case","incident":"I","field":"f","value":"v"}\n{"record":"incident",\n' > "$tmp/bad.facts"
expect "report: writes one HTML file" 0 "$hornet" report $sc.hn --facts $sc.facts --now 2024-05-19 -o "$tmp/report.html"
contains "report: its KPI charts" '<svg class="chart" data-kpi="incident_rate"' cat "$tmp/report.html"
expect "report: without -o" 2 "$hornet" report $sc.hn --facts $sc.facts
expect "report: --gaps is kpi's" 2 "$hornet" report $sc.hn --facts $sc.facts -o "$tmp/r2.html" --gaps
expect "report: an unwritable output" 1 "$hornet" report $sc.hn --facts $sc.facts -o /nonexistent/dir/r.html
contains "kpi: a bad facts line, located" "bad.facts:2:22: an object key must be a string" "$hornet" kpi $sc.hn --facts "$tmp/bad.facts"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
