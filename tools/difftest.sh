#!/usr/bin/env bash
# The long differential run: N random traces from SEED through the real
# validator and the reference model (tests/model/), in batches of 5,000,
# JOBS batches at a time. Mismatches are shrunk and saved under OUT (default
# BUILD_DIR/difftest-mismatches) for a look; once the defect is fixed its
# trace goes to tests/model/regressions/.
# Mismatches that the chain cache's two known defects explain are counted
# and not saved (see tests/model/model.cpp). Fails on any other mismatch.
#   tools/difftest.sh [-n TRACES] [-s SEED] [-j JOBS] [-b BUILD_DIR] [-o OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
traces=100000 seed=$(date +%s) jobs=2 build=build out=
while getopts n:s:j:b:o: opt; do
  case $opt in
    n) traces=$OPTARG ;;
    s) seed=$OPTARG ;;
    j) jobs=$OPTARG ;;
    b) build=$OPTARG ;;
    o) out=$OPTARG ;;
    *) echo "usage: $0 [-n TRACES] [-s SEED] [-j JOBS] [-b BUILD_DIR] [-o OUT]" >&2; exit 2 ;;
  esac
done
out=${out:-$build/difftest-mismatches}
mkdir -p "$out"
cmake --build "$build" -j "$jobs" --target difftest >/dev/null
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# A copy, so that rebuilding while this runs changes nothing.
cp "$build/tests/model/difftest" "$logs/difftest"
difftest=$logs/difftest
batch=5000
echo "difftest: $traces traces from seed $seed, $jobs batches at a time; mismatches to $out"
start=$SECONDS
running=0
for ((first = 0; first < traces; first += batch)); do
  n=$((traces - first < batch ? traces - first : batch))
  "$difftest" --seed "$seed" --first "$first" --count "$n" --save "$out" >"$logs/batch$first.log" 2>&1 &
  if ((++running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true
grep -hv '^difftest: seed\|^reports agreed on\|known chain cache defect: ' "$logs"/batch*.log || true
total=0 mismatches=0 known=0
while read -r count bad explained; do
  total=$((total + count))
  mismatches=$((mismatches + bad))
  known=$((known + explained))
done < <(sed -n 's/^difftest: seed .*(\([0-9]*\) traces, [0-9]* steps): \([0-9]*\) mismatches, \([0-9]*\) of them.*/\1 \2 \3/p' "$logs"/batch*.log)
agreed=$(sed -n 's/^reports agreed on: //p' "$logs"/batch*.log |
  awk '{for (i = 1; i < NF; i += 2) n[$i] += $(i + 1)} END {for (k in n) printf " %s %d", k, n[k]}')
echo "difftest: seed $seed: $total traces in $((SECONDS - start)) s; reports agreed on:$agreed"
by_defect=$(sed -n 's/.*known chain cache defect: //p' "$logs"/batch*.log | sort | uniq -c |
  awk '{n = $1; $1 = ""; printf "%s%s:%d", sep, $0, n; sep = ","}')
echo "difftest: $mismatches mismatches, $known of them the known chain cache defects" \
  "(tests/model/regressions/pending/; by defect:${by_defect:- none}), $((mismatches - known)) unexplained"
[ "$total" -eq "$traces" ] || { echo "difftest: some batches did not finish" >&2; exit 1; }
[ "$mismatches" -eq "$known" ]
