#!/usr/bin/env bash
# test.sh - set up, build, and run the whole test suite: once in a normal -Werror build,
# once under AddressSanitizer + UndefinedBehaviorSanitizer (leak checks included), then the
# libFuzzer parser target for a bounded number of runs over the repository's .hn files.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh

echo "== build (-Wall -Wextra -Werror)"
scripts/build.sh build
(cd build && ctest --output-on-failure)

echo "== build with ASan + UBSan"
scripts/build.sh build-asan -DHN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure)

echo "== libFuzzer: parser (check, fmt round trip), event decoder, Sigma import (what it writes checks)"
CC=clang scripts/build.sh build-fuzz -DHN_FUZZ=ON -DHN_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
mkdir -p "$corpus/hn" "$corpus/events" "$corpus/sigma"
find examples stdlib tests lang -name '*.hn' -exec cp {} "$corpus/hn"/ \;
cp examples/acme/events.jsonl tests/golden/run/*.jsonl "$corpus/events"/
for f in tests/sigma/*/rules/*.yml; do cp "$f" "$corpus/sigma/${f//\//_}"; done
# -timeout: an input that takes a minute is a bug (an exponential walk was found this way)
build-fuzz/fuzz_parser -runs="${HN_FUZZ_RUNS:-10000}" -max_len=4096 -seed=1 -timeout=60 \
  -dict=tests/fuzz/hornet.dict "$corpus/hn" 2>&1 | tail -n 2
build-fuzz/fuzz_decode -runs="${HN_FUZZ_RUNS:-10000}" -max_len=4096 -seed=1 -timeout=60 \
  -dict=tests/fuzz/decode.dict "$corpus/events" 2>&1 | tail -n 2
build-fuzz/fuzz_sigma -runs="${HN_FUZZ_RUNS:-10000}" -max_len=4096 -seed=1 -timeout=60 \
  -dict=tests/fuzz/sigma.dict "$corpus/sigma" 2>&1 | tail -n 2
echo "fuzz: 3 passed, 0 failed"
