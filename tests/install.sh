#!/usr/bin/env bash
# install.sh BUILD_DIR LIBDIR [EXAMPLE_DIR...] - installs BUILD_DIR into a temporary prefix
# (cmake --install --prefix) and checks what a user of the install gets: the files and library
# symlinks, an installed `hornet` that finds the installed stdlib, and C programs built
# against the install with pkg-config and with find_package(hornet).
#
# LIBDIR is CMAKE_INSTALL_LIBDIR (lib, lib64, lib/x86_64-linux-gnu). $CC compiles (default cc)
# with $HN_CFLAGS (the sanitizer flags of a sanitized build). Each EXAMPLE_DIR is an embedding
# example: every .c file in it is built with `pkg-config --cflags --libs hornet` into one
# program, then the directory's run.sh runs as `run.sh PROGRAM` (from the example directory,
# with HORNET=the installed CLI, PREFIX, and LD_LIBRARY_PATH set) and must exit 0; without a
# run.sh the program runs with no arguments and must exit 0.
set -euo pipefail
build=$(cd "$1" && pwd)
libdir=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cc=${CC:-cc}
read -r -a cflags <<<"${HN_CFLAGS:-}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$(cd "$tmp" && pwd -P)/prefix
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; exit 1; }
lib=$prefix/$libdir
export LD_LIBRARY_PATH=$lib PKG_CONFIG_PATH=$lib/pkgconfig
unset HORNET_STDLIB

# ---- the files, and each library's symlink chain down to the versioned file ----
for f in bin/hornet include/hornet/hornet.h include/hornet/compiler.h share/hornet/stdlib/ecs.hn \
         share/hornet/stdlib/sigma/windows.yml "$libdir/pkgconfig/hornet.pc" "$libdir/pkgconfig/hornetc.pc" \
         "$libdir/cmake/hornet/hornetConfig.cmake" "$libdir/cmake/hornet/hornetConfigVersion.cmake"; do
  if [[ -f $prefix/$f ]]; then ok; else bad "not installed: $f"; fi
done
version=$(sed -n 's/^#define HN_VERSION_STRING "\(.*\)"/\1/p' "$root/include/hornet/hornet.h")
for name in hornet hornetc; do
  major=${version%%.*}
  if [[ $(readlink "$lib/lib$name.so") == "lib$name.so.$major" &&
        $(readlink "$lib/lib$name.so.$major") == "lib$name.so.$version" && -f $lib/lib$name.so.$version ]]; then ok
  else bad "lib$name.so -> lib$name.so.$major -> lib$name.so.$version: $(ls -l "$lib" | grep "lib$name\.")"; fi
  soname=$(readelf -d "$lib/lib$name.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  if [[ $soname == "lib$name.so.$major" ]]; then ok; else bad "lib$name.so.$version: SONAME '$soname'"; fi
done

# ---- the installed CLI uses the installed stdlib, from any working directory ----
hornet=$prefix/bin/hornet
mkdir "$tmp/cwd" "$tmp/pack"
cat >"$tmp/pack/check.hn" <<'EOF'
pack install.check 1.0.0

import std.ecs ^1.0.0

rule whoami {
  severity low
  where process.name == "whoami.exe"
  entities host.name
}
EOF
out=$(cd "$tmp/cwd" && "$hornet" version --verbose)
if [[ $out == *"stdlib $prefix/share/hornet/stdlib"* ]]; then ok; else bad "hornet version --verbose: $out"; fi
out=$(cd "$tmp/cwd" && HORNET_STDLIB=/elsewhere "$hornet" version --verbose)
if [[ $out == *"stdlib /elsewhere"* ]]; then ok; else bad "HORNET_STDLIB ignored: $out"; fi
out=$(cd "$tmp/cwd" && HORNET_STDLIB=/elsewhere "$hornet" version --verbose --stdlib /there)
if [[ $out == *"stdlib /there"* ]]; then ok; else bad "--stdlib ignored: $out"; fi
if (cd "$tmp/cwd" && "$hornet" check --summary ../pack/check.hn >"$tmp/out" 2>&1) &&
   grep -q "imports std.ecs" "$tmp/out"; then ok; else bad "check with the installed stdlib: $(cat "$tmp/out")"; fi
# Without the installed std.ecs, the check fails though the source tree still has it.
mv "$prefix/share/hornet/stdlib/ecs.hn" "$tmp/ecs.hn"
if (cd "$tmp/cwd" && ! "$hornet" check ../pack/check.hn >"$tmp/out" 2>&1) &&
   grep -q "looked up in $prefix/share/hornet/stdlib" "$tmp/out"; then ok
else bad "check did not use the installed stdlib: $(cat "$tmp/out")"; fi
mv "$tmp/ecs.hn" "$prefix/share/hornet/stdlib/ecs.hn"

# ---- programs built against the install: pkg-config ----
# needed NAME PROGRAM: PROGRAM loads lib NAME.so from the prefix, and no compiler, LLVM or
# libyaml when NAME is hornet.
needed() {
  local deps
  deps=$(ldd "$2")
  if grep -q "lib$1\.so\.[0-9]* => $lib/" <<<"$deps"; then ok; else bad "$2 does not load $lib/lib$1.so: $deps"; fi
  if [[ $1 == hornet ]] && grep -E "libhornetc|libLLVM|libyaml" <<<"$deps"; then bad "$2 loads the compiler"; else ok; fi
}
run_ok() { # run_ok PATTERN PROGRAM...: the program exits 0 and prints PATTERN (if not empty)
  if "${@:2}" >"$tmp/out" 2>&1 && { [[ -z $1 ]] || grep -q -- "$1" "$tmp/out"; }; then ok
  else bad "${*:2}: $(cat "$tmp/out")"; fi
}
mkdir "$tmp/pc"
read -r -a rt <<<"$(pkg-config --cflags --libs hornet)"
read -r -a comp <<<"$(pkg-config --cflags --libs hornetc)"
stdlib=$(pkg-config --variable=stdlibdir hornetc)
if [[ $(pkg-config --modversion hornet) == "$version" && $stdlib == "$prefix/share/hornet/stdlib" ]]; then ok
else bad "pkg-config: version $(pkg-config --modversion hornet), stdlibdir $stdlib"; fi
"$cc" "${cflags[@]}" -Wall -Wextra -Werror -o "$tmp/pc/version" "$here/install/version.c" "${rt[@]}"
"$cc" "${cflags[@]}" -Wall -Wextra -Werror -DSTDLIB="\"$stdlib\"" -o "$tmp/pc/compile" "$here/install/compile.c" "${comp[@]}"
run_ok "hornet $version: " "$tmp/pc/version"
needed hornet "$tmp/pc/version"
run_ok "imports std.ecs" "$tmp/pc/compile"
needed hornetc "$tmp/pc/compile"

# ---- programs built against the install: find_package(hornet) ----
if cmake -S "$here/install" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
     -DCMAKE_C_FLAGS="${HN_CFLAGS:-}" >"$tmp/cm.log" 2>&1 && cmake --build "$tmp/cm" >>"$tmp/cm.log" 2>&1; then
  ok
  run_ok "hornet $version: " "$tmp/cm/version"
  needed hornet "$tmp/cm/version"
  run_ok "stdlib $prefix/share/hornet/stdlib" "$tmp/cm/compile"
  needed hornetc "$tmp/cm/compile"
else
  bad "find_package(hornet): $(cat "$tmp/cm.log")"
fi

# ---- embedding examples ----
for dir in "$@"; do
  dir=$(cd "$dir" && pwd)
  name=$(basename "$dir")
  if "$cc" "${cflags[@]}" -Wall -Wextra -Werror -o "$tmp/$name" "$dir"/*.c "${rt[@]}" 2>"$tmp/out"; then ok
  else bad "example $name does not build: $(cat "$tmp/out")"; continue; fi
  needed hornet "$tmp/$name"
  if [[ -f $dir/run.sh ]]; then
    run_ok "" env HORNET="$hornet" PREFIX="$prefix" bash -c 'cd "$1" && bash ./run.sh "$2"' - "$dir" "$tmp/$name"
  else
    run_ok "" "$tmp/$name"
  fi
done

echo "install: $pass passed, $fail failed"
((fail == 0))
