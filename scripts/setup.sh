#!/usr/bin/env bash
# setup.sh - installs, on Debian 12, every package the build, the tests and the demo need.
# Only what is missing is installed, so a second run costs nothing. Needs root (or sudo)
# only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config   # toolchain
  flex bison                         # the front end
  llvm-19-dev                        # the JIT back end (LLVM-C, ORC LLJIT)
  libyaml-dev                        # asset inventories, Sigma rules
  libpcre2-dev                       # regexes: validated at check time, run by PCRE2's JIT
  libcmocka-dev                      # unit tests
  libsqlite3-dev                     # the case store (hornet run --store, hornet case)
  libicu-dev                         # Unicode case data: the oracle test's reference, gen_casemap.sh
  clang libclang-rt-14-dev           # libFuzzer targets (clang 14's fuzzer runtime)
  valgrind                           # reads of uninitialised memory, which ASan does not see
  chromium                           # the HTML report's browser test (headless)
)

# The multi-pattern engine (one scan per field for every rule's literals): Intel Hyperscan
# on x86-64. Debian's Vectorscan 5.4.9 misses literal matches on AVX-512 CPUs, so it is
# used only where Hyperscan does not exist (arm64 and the rest); the runtime's known-answer
# self-test guards either one.
if [[ $(dpkg --print-architecture) == amd64 ]]; then
  PACKAGES+=(libhyperscan-dev)
else
  PACKAGES+=(libvectorscan-dev)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
