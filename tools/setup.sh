#!/usr/bin/env bash
# Installs what the build needs from Debian 12's packages (when missing) and
# builds into build/ (or $BUILD_DIR).
#   tools/setup.sh [extra cmake arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config liburcu-dev libboost-container-dev catch2
          libunwind-dev libbenchmark-dev clang-format pigz zstd libjemalloc2 python3
          redis-server)
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
