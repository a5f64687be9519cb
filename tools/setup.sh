#!/usr/bin/env bash
# Installs what the build needs from Debian 12's packages (when missing) and
# builds into build/ (or $BUILD_DIR).
#   tools/setup.sh [extra cmake arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# clang-14, libclang-rt-14-dev: the libFuzzer targets (tools/fuzz.sh); llvm-14:
# llvm-symbolizer, for their crash stacks. libdw-dev, libelf-dev,
# libdebuginfod-dev: the command's symbolizer (elfutils for eu-readelf in
# tests); libc6-dbg: libc's separate debug file, so its frames get names.
# dpkg-dev: dpkg-shlibdeps for `cpack -G DEB`; groff-base: the man page's test;
# graphviz: dot, which the lock-graph tests render with.
packages=(build-essential cmake pkg-config liburcu-dev libboost-container-dev catch2
          libunwind-dev libbenchmark-dev clang-format pigz zstd
          xz-utils sqlite3 python3 perl git make rsync redis-server redis-tools memcached
          libjemalloc2 openjdk-17-jdk-headless
          libc6-dev libasan8 libtsan2 util-linux clang-14 libclang-rt-14-dev llvm-14
          libdw-dev libelf-dev libdebuginfod-dev elfutils libc6-dbg dpkg-dev groff-base graphviz)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOCKDEP_BUILD_BENCHMARKS=ON "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
