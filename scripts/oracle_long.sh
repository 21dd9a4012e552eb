#!/usr/bin/env bash
# oracle_long.sh [BUILD_DIR] - the oracle differential (tests/unit/test_oracle.c) at length:
# HN_ORACLE_PAIRS (rule, event) pairs (default 1,000,000), each judged by the 8 engine
# configurations against the naive oracle, from HN_ORACLE_SEED (default: a new one, printed,
# so a failure reruns with the same seed). A disagreement prints a one-rule, one-event
# reproducer. Builds BUILD_DIR (default build) first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
"$root/scripts/build.sh" "$build"
export HN_ORACLE_PAIRS=${HN_ORACLE_PAIRS:-1000000}
export HN_ORACLE_SEED=${HN_ORACLE_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}
export HORNET_STDLIB=$root/stdlib
echo "oracle_long: seed $HN_ORACLE_SEED, $HN_ORACLE_PAIRS pairs (rerun: HN_ORACLE_SEED=$HN_ORACLE_SEED $0)"
cd "$root"
exec "$build/tests/test_oracle"
