#!/usr/bin/env bash
# Sets up, builds, and runs lockdep's main job on the bundled example: an
# unmodified pthread program whose lock order could deadlock.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh >/dev/null
echo "\$ build/tools/lockdep/lockdep -- build/examples/dining_philosophers"
status=0
build/tools/lockdep/lockdep -- build/examples/dining_philosophers || status=$?
echo "lockdep exited with status $status (66: a report was printed)"
[ "$status" = 66 ]
