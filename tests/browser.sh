#!/usr/bin/env bash
# browser.sh HORNET - the HTML report in a real browser: headless Chromium loads the report of
# the KPI scenario (tests/golden/kpi) with no console message, takes a screenshot, and, through
# tests/browser/harness.html, reports what it drew; the counts must be the report's own (one
# point per valued cell, each inside its chart). Exit 77 (skipped) without Chromium.
set -u
hornet=$1
cd "$(dirname "$0")/.."
chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $chromium ]]; then echo "browser.sh: no chromium (scripts/setup.sh installs it): skipped"; exit 77; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # check NAME WANT GOT
  if [[ "$2" == "$3" ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: got '$3', want '$2'"; fi
}
browse() { # browse ARGS...: headless, no sandbox (root in CI), its own profile
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$tmp/profile" "$@"
}
sc=tests/golden/kpi/scenario
"$hornet" report $sc.hn --facts $sc.facts --now 2024-05-19 -o "$tmp/report.html" || { echo "FAIL hornet report"; exit 1; }
cp tests/browser/harness.html "$tmp/"
# the report alone: no console message (an error, a blocked resource), and a screenshot
browse --enable-logging=stderr --v=0 --dump-dom "file://$tmp/report.html" > "$tmp/dom.html" 2> "$tmp/console.txt"
check "console messages" 0 "$(grep -c ':CONSOLE' "$tmp/console.txt")"
check "the DOM has the charts" 17 "$(grep -o '<svg class="chart"' "$tmp/dom.html" | wc -l)"
browse --window-size=1100,1400 --screenshot="$tmp/report.png" "file://$tmp/report.html" > /dev/null 2>&1
check "screenshot is a PNG" "PNG" "$(head -c 4 "$tmp/report.png" 2>/dev/null | tail -c 3)"
check "screenshot is not empty" 1 "$(( $(stat -c %s "$tmp/report.png" 2>/dev/null || echo 0) > 20000 ))"
# what was drawn, measured by the browser
browse --allow-file-access-from-files --virtual-time-budget=5000 --dump-dom "file://$tmp/harness.html" 2>/dev/null |
  sed -n '/<pre id="out">/,/<\/pre>/p' | sed 's/<[^>]*>//g' > "$tmp/drawn.txt"
points=$(grep -o '<circle class="point"' "$tmp/report.html" | wc -l)
cells=$(grep -o '<rect class="cell"' "$tmp/report.html" | wc -l)
get() { sed -n "s/^$1 \([0-9]*\)$/\1/p" "$tmp/drawn.txt"; }
check "charts drawn" 17 "$(get charts)"
check "points drawn (the report's)" "$points" "$(get points)"
check "points: 50 valued cells in the scenario" 50 "$points"
check "points outside their chart" 0 "$(get 'points outside their chart')"
check "lines drawn empty" 0 "$(get 'lines drawn empty')"
check "heat map cells drawn" "$cells" "$(get 'heatmap cells')"
check "exposure windows drawn" 3 "$(get windows)"
check "queue rows (header, domain, INC-000002, INC-000006)" 4 "$(get 'queue rows')"
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
