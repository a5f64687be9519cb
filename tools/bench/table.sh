#!/usr/bin/env bash
# The benchmark table of issue 11, as Markdown: every workload bare, under
# `lockdep --` (the same, uninstrumented binary) and built with
# -fsanitize=thread (the *_tsan twins), interleaved in this one invocation,
# medians of several runs, each with its ratio to bare.
#
#   tools/bench/table.sh [BUILD_DIR] [smoke|quick|full]
#
# quick (the default) takes a few minutes on a 2-core machine; full runs more
# repetitions and every graph shape at 10^6 locks; smoke is the ctest run
# (tiny sizes, seconds). Needs a build with -DLOCKDEP_BUILD_BENCHMARKS=ON
# (tools/setup.sh does that); without a ThreadSanitizer build its column
# says n/a. Exits non-zero only when a bare or lockdep run fails (the
# table is still printed, the failure marked in it); the last line counts
# the failed cells, ThreadSanitizer's included.
set -uo pipefail
build=${1:-build}
size=${2:-quick}
bench=$build/tools/bench
lockdep=$build/tools/lockdep/lockdep

case $size in
  smoke) runs=1 ops_n=20000 churn_n=20000 graph_sizes="1000" big_shapes="chain:asc chain:desc dag:asc dag:desc"
    many_seconds=0.2 many_runs=1 forks=20 fork_runs=1 ;;
  quick) runs=5 ops_n=3000000 churn_n=1000000 graph_sizes="1000 10000 100000 1000000"
    big_shapes="chain:asc chain:desc dag:asc" many_seconds=2 many_runs=1 forks=300 fork_runs=3 ;;
  full) runs=7 ops_n=10000000 churn_n=1000000 graph_sizes="1000 10000 100000 1000000"
    big_shapes="chain:asc chain:desc dag:asc dag:desc" many_seconds=4 many_runs=3 forks=2000 fork_runs=5 ;;
  *) echo "usage: tools/bench/table.sh [BUILD_DIR] [smoke|quick|full]" >&2; exit 2 ;;
esac
for p in ops_bench lock_graph many_locks fork_bench graph_growth; do
  [ -x "$bench/$p" ] || { echo "table.sh: $bench/$p missing (build with -DLOCKDEP_BUILD_BENCHMARKS=ON)" >&2; exit 2; }
done
[ -x "$lockdep" ] || { echo "table.sh: $lockdep missing" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0        # a bare or lockdep run failed: the exit status
failed_cells=0  # any cell failed, ThreadSanitizer's included
count_failure() {  # tool
  failed_cells=$((failed_cells + 1))
  [ "$1" = tsan ] || failed=1
}
notes=()  # footnotes, numbered in order
MARK=
note() {  # text: sets MARK to the footnote's marker, adding the note once
  local i
  for i in "${!notes[@]}"; do
    [ "${notes[$i]}" = "$1" ] && { MARK="[^$((i + 1))]"; return; }
  done
  notes+=("$1")
  MARK="[^${#notes[@]}]"
}

# ThreadSanitizer column: the twins exist and a trivial one runs.
tsan_missing=
if [ ! -x "$bench/ops_bench_tsan" ]; then
  tsan_missing="no ThreadSanitizer build: the compiler could not link -fsanitize=thread (libtsan missing?)"
elif ! "$bench/ops_bench_tsan" rest >/dev/null 2>"$tmp/tsan_probe"; then
  tsan_missing="ThreadSanitizer does not start here: $(head -n 1 "$tmp/tsan_probe")"
fi

# run TOOL PROGRAM ARGS...: runs one measurement; sets OUT (stdout), ERR
# (stderr file) and RC. TOOL is bare, lockdep or tsan.
run() {
  local tool=$1 prog=$2
  shift 2
  local cmd
  case $tool in
    bare) cmd=("$bench/$prog" "$@") ;;
    lockdep) cmd=("$lockdep" -- "$bench/$prog" "$@") ;;
    tsan) cmd=("$bench/${prog}_tsan" "$@") ;;
  esac
  ERR=$tmp/err.$tool
  OUT=$("${cmd[@]}" 2>"$ERR")
  RC=$?
}

field() {  # KEY: the value of KEY=VALUE in $OUT
  sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$OUT" | head -n 1
}

median() {  # numbers as arguments
  printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
    if (NR == 0) exit; if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

tools=(bare lockdep tsan)
declare -A OUTS STATUS VALUES

# measure KEY REPS PROGRAM ARGS...: runs bare, lockdep, tsan in turn, REPS
# times (interleaved). Every run must exit 0. Keeps each tool's outputs in
# OUTS[KEY,tool] and sets STATUS[KEY,tool] (ok, missing, or why it failed).
measure() {
  local key=$1 reps=$2
  shift 2
  local tool r
  for tool in "${tools[@]}"; do OUTS[$key,$tool]=; STATUS[$key,$tool]=ok; done
  for ((r = 0; r < reps; r++)); do
    for tool in "${tools[@]}"; do
      if [ "$tool" = tsan ] && [ -n "$tsan_missing" ]; then STATUS[$key,tsan]=missing; continue; fi
      [ "${STATUS[$key,$tool]}" = ok ] || continue
      run "$tool" "$@"
      if [ "$RC" != 0 ]; then
        STATUS[$key,$tool]="exit status $RC: $(grep -m1 -E 'WARNING|BUG|ERROR|FATAL|rror' "$ERR" | cut -c1-120)"
        continue
      fi
      OUTS[$key,$tool]+="$OUT"$'\n'
    done
  done
}

# summarize KEY NAME PARSER: VALUES[NAME,tool] = the median of PARSER over
# the outputs of KEY (PARSER reads one output in $OUT).
summarize() {
  local key=$1 name=$2 parser=$3 tool line vals
  for tool in "${tools[@]}"; do
    STATUS[$name,$tool]=${STATUS[$key,$tool]}
    vals=
    while IFS= read -r line; do
      [ -n "$line" ] || continue
      OUT=$line
      vals+=" $($parser)"
    done <<<"${OUTS[$key,$tool]}"
    # shellcheck disable=SC2086
    VALUES[$name,$tool]=$(median $vals)
  done
}

ns_per_op() { field ns_per_op; }
maxrss() { field maxrss_kib; }
many_cpu_ns() { sed -n 's/.*, \([0-9.]*\) ns CPU per operation.*/\1/p' <<<"$OUT"; }
fork_cpu_us() { sed -n 's/.*, \([0-9.]*\) us CPU (parent and child).*/\1/p' <<<"$OUT"; }

# cell KEY TOOL FORMAT [ratio|inverse|delta]: sets CELL to the value and
# its comparison with bare.
cell() {
  local key=$1 tool=$2 fmt=$3 kind=${4:-ratio}
  local st=${STATUS[$key,$tool]} v=${VALUES[$key,$tool]} b=${VALUES[$key,bare]}
  if [ "$st" = missing ]; then note "$tsan_missing"; CELL="n/a$MARK"; return; fi
  if [ "$st" != ok ]; then
    note "$tool, $key: $st"
    CELL="failed$MARK"
    count_failure "$tool"
    return
  fi
  # shellcheck disable=SC2059
  CELL=$(printf "$fmt" "$v")
  if [ "$tool" = bare ] || [ -z "$b" ]; then return; fi
  case $kind in
    ratio) CELL+=$(awk -v v="$v" -v b="$b" 'BEGIN { if (b > 0) printf " (%.1fx)", v / b }') ;;
    inverse) CELL+=$(awk -v v="$v" -v b="$b" 'BEGIN { if (v > 0) printf " (%.1fx)", b / v }') ;;
    delta) CELL+=$(awk -v v="$v" -v b="$b" 'BEGIN { printf " (%+.1f)", v - b }') ;;
  esac
}

row() {  # label KEY FORMAT [kind]
  local line="| $1 |" tool
  for tool in "${tools[@]}"; do
    cell "$2" "$tool" "$3" "${4:-ratio}"
    line+=" $CELL |"
  done
  echo "$line"
}

kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

pow10() {  # 1000000 -> 10^6
  awk -v n="$1" 'BEGIN { e = log(n) / log(10); r = int(e + 0.5);
    if (10 ^ r == n) printf "10^%d", r; else printf "%d", n }'
}

# ---- measurements -----------------------------------------------------------
started=$(date +%s)
echo "Measuring ($size)..." >&2
header_load=$(uptime)

for mode in pair nested4 std_mutex; do
  measure "$mode" "$runs" ops_bench "$mode" "$ops_n"
  summarize "$mode" "$mode" ns_per_op
done
measure churn "$runs" ops_bench churn "$churn_n"
summarize churn churn ns_per_op
summarize churn churn_rss maxrss
measure rest "$runs" ops_bench rest
summarize rest rest maxrss
for tool in "${tools[@]}"; do
  for key in churn_rss rest; do
    [ -n "${VALUES[$key,$tool]}" ] && VALUES[$key,$tool]=$(kib_to_mib "${VALUES[$key,$tool]}")
  done
done

# Graphs: one run per size and shape (several for the small ones), noting
# whether the closing cycle was reported and whether checking stayed on.
declare -A GRAPH_NS GRAPH_CPU GRAPH_SEEN GRAPH_STATUS
graph_run() {  # n shape order reps
  local n=$1 shape=$2 order=$3 reps=$4 tool r
  local key="$n,$shape,$order"
  declare -A ns cpu
  for ((r = 0; r < reps; r++)); do
    for tool in "${tools[@]}"; do
      if [ "$tool" = tsan ] && [ -n "$tsan_missing" ]; then GRAPH_STATUS[$key,tsan]=missing; continue; fi
      run "$tool" lock_graph "$n" "$shape" "$order"
      local seen=none st=ok
      case $tool in
        bare) [ "$RC" = 0 ] || st="exit status $RC" ;;
        lockdep)
          grep -q '^WARNING: possible circular locking dependency detected' "$ERR" && seen=cycle
          grep -q '^BUG:' "$ERR" && seen="$seen, $(grep -m1 '^BUG:' "$ERR")"
          [ "$RC" = 66 ] || [ "$RC" = 0 ] || st="exit status $RC" ;;
        tsan)
          grep -q 'ThreadSanitizer: lock-order-inversion' "$ERR" && seen=cycle
          [ "$RC" = 66 ] || [ "$RC" = 0 ] || st="exit status $RC: $(grep -m1 -E 'ThreadSanitizer|FATAL' "$ERR" | cut -c1-120)" ;;
      esac
      grep -q '^closed: ' <<<"$OUT" || [ "$st" != ok ] || st="did not run to the end"
      GRAPH_STATUS[$key,$tool]=$st
      GRAPH_SEEN[$key,$tool]=$seen
      ns[$tool]+=" $(field ns_per_edge)"
      cpu[$tool]+=" $(field cpu_total)"
    done
  done
  for tool in "${tools[@]}"; do
    # shellcheck disable=SC2086
    GRAPH_NS[$key,$tool]=$(median ${ns[$tool]:-})
    # shellcheck disable=SC2086
    GRAPH_CPU[$key,$tool]=$(median ${cpu[$tool]:-})
  done
}
api_run() {  # n shape order reps: lockdep's C API alone (graph_growth)
  local n=$1 shape=$2 order=$3 reps=$4 r vals=
  for ((r = 0; r < reps; r++)); do
    OUT=$("$bench/graph_growth" "$n" "$shape" "$order" 2>"$tmp/err.api")
    local rc=$?
    if [ $rc != 0 ] || ! grep -q 'enabled=1$' <<<"$OUT"; then
      GRAPH_NS["$n,$shape,$order",api]="failed"
      return
    fi
    vals+=" $(sed -n 's/.* \([0-9.]*\) ns per edge.*/\1/p' <<<"$OUT")"
  done
  # shellcheck disable=SC2086
  GRAPH_NS["$n,$shape,$order",api]=$(median $vals)
}
largest=${graph_sizes##* }
for n in $graph_sizes; do
  for so in chain:asc chain:desc dag:asc dag:desc; do
    shape=${so%:*} order=${so#*:}
    if [ "$n" = "$largest" ] && [ "$n" -ge 1000000 ] && [[ " $big_shapes " != *" $so "* ]]; then continue; fi
    reps=1
    [ "$n" -le 10000 ] && reps=$runs
    [ "$n" = 100000 ] && [ "$size" = full ] && reps=3
    graph_run "$n" "$shape" "$order" "$reps"
    api_run "$n" "$shape" "$order" "$reps"
  done
done

for locks in 1000 10000; do
  measure "many$locks" "$many_runs" many_locks "$locks" 16 "$many_seconds"
  summarize "many$locks" "many$locks" many_cpu_ns
done
measure fork "$fork_runs" fork_bench "$forks"
summarize fork fork fork_cpu_us

# ---- the table ----------------------------------------------------------------
echo "Benchmarks ($size): $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(git -C "$(dirname "$0")" describe --always --dirty 2>/dev/null || echo '?')"
echo
echo "Load at start: \`${header_load# }\`; at end: \`$(uptime | sed 's/^ *//')\`"
echo
echo "Bare, \`lockdep --\` and ThreadSanitizer (\`-fsanitize=thread\`, the same source) run interleaved in this one invocation;"
echo "every time is CPU time (getrusage: user + system, all threads), so that other work on the machine matters less;"
echo "per-operation rows are medians of $runs run(s); (Nx) is the cost relative to bare."
echo
echo "| workload | bare | lockdep | ThreadSanitizer |"
echo "|---|---|---|---|"
row "lock+unlock pair, worker thread (ns)" pair "%.1f ns"
row "nested depth 4, per pair (ns)" nested4 "%.1f ns"
row "std::mutex + lock_guard (ns)" std_mutex "%.1f ns"
row "churn: malloc, init, lock under a global lock, destroy, free; 1 thread (ns/iter)" churn "%.0f ns"
row "churn max RSS, $(pow10 "$churn_n") iterations, at most 2 locks alive (MiB)" churn_rss "%.1f MiB" delta
row "memory at rest: max RSS of a program creating no locks (MiB)" rest "%.1f MiB" delta

graph_cell() {  # key tool: sets CELL
  local key=$1 tool=$2
  local st=${GRAPH_STATUS[$key,$tool]:-}
  if [ "$st" = missing ]; then note "$tsan_missing"; CELL="n/a$MARK"; return; fi
  if [ "$st" != ok ]; then
    note "$tool, lock_graph ${key//,/ }: $st"
    CELL="failed$MARK"
    count_failure "$tool"
    return
  fi
  local w=${GRAPH_CPU[$key,$tool]} b=${GRAPH_CPU[$key,bare]}
  CELL=$(printf '%.3f s' "$w")
  [ "$tool" = bare ] && return
  CELL+=$(awk -v v="$w" -v b="$b" 'BEGIN { if (b > 0) printf " (%.1fx)", v / b }')
  case ${GRAPH_SEEN[$key,$tool]} in
    cycle) CELL+=', cycle reported' ;;
    none) CELL+=', **no report**' ;;
    *) CELL+=", ${GRAPH_SEEN[$key,$tool]}" ;;
  esac
}
graph_row() {  # label key
  local key=$2 line="| $1 |" tool
  [ -n "${GRAPH_STATUS[$key,bare]:-}" ] || return 0
  for tool in "${tools[@]}"; do
    graph_cell "$key" "$tool"
    line+=" $CELL |"
  done
  echo "$line"
}
big=$largest
graph_row "$(pow10 "$big") locks taken in a chain (lock[i] then lock[i+1]), ascending, then a 9-lock cycle closed (process CPU time)" "$big,chain,asc"
graph_row "$(pow10 "$big") locks in a random DAG, 4 edges each, ascending; then lock[last] before lock[0]" "$big,dag,asc"
graph_row "$(pow10 "$big") locks in a random DAG, 4 edges each, descending" "$big,dag,desc"
for n in $graph_sizes; do
  [ "$n" -ge 100000 ] || [ "$n" = "$big" ] || continue
  graph_row "the chain built in descending order, $(pow10 "$n") locks" "$n,chain,desc"
done
row "many-lock server: 16 threads take random ascending sets of 1-4 of 1,000 mutexes for ${many_seconds} s (CPU ns per set)" many1000 "%.0f ns"
row "many-lock server, 10,000 mutexes (CPU ns per set)" many10000 "%.0f ns"
row "fork+wait after locks were freed, 1 other thread (CPU µs of parent and child, $forks forks)" fork "%.0f µs"

echo
echo "Cost per new dependency (CPU ns per pair taken for the first time, median of $runs run(s) up to 10^4 locks, one run above) as the graph grows; the last column is the growth from the smallest to the largest size:"
echo
printf '| shape | tool |'
for n in $graph_sizes; do printf ' %s |' "$(pow10 "$n")"; done
printf ' growth |\n|---|---|'
for n in $graph_sizes; do printf -- '---|'; done
printf -- '---|\n'
first=${graph_sizes%% *}
for so in chain:asc chain:desc dag:asc dag:desc; do
  shape=${so%:*} order=${so#*:}
  for tool in bare lockdep api tsan; do
    case $tool in
      bare) label=bare ;;
      lockdep) label='`lockdep --`' ;;
      api) label='lockdep C API (graph_growth)' ;;
      tsan) label=ThreadSanitizer ;;
    esac
    printf '| %s %s | %s |' "$shape" "$order" "$label"
    last='' last_n=''
    for n in $graph_sizes; do
      key="$n,$shape,$order"
      v=${GRAPH_NS[$key,$tool]:-}
      st=${GRAPH_STATUS[$key,$tool]:-ok}
      if [ "$tool" = tsan ] && [ "$st" = missing ]; then
        note "$tsan_missing"
        printf ' n/a%s |' "$MARK"; last=
      elif [ -z "${GRAPH_STATUS[$key,bare]:-}" ]; then printf ' – |'
      elif [ "$v" = failed ] || [ "$st" != ok ] || [ -z "$v" ]; then
        [ "$tool" = api ] && st="graph_growth failed or switched checking off"
        note "$tool, lock_graph ${key//,/ }: $st"
        printf ' failed%s |' "$MARK"; last=
        count_failure "$tool"
      else printf ' %.0f |' "$v"; last=$v last_n=$n
      fi
    done
    f=${GRAPH_NS["$first,$shape,$order",$tool]:-}
    if [ -n "$last" ] && [ -n "$f" ] && [ "$f" != failed ]; then
      awk -v a="$f" -v b="$last" 'BEGIN { if (a > 0) printf " %.1fx", b / a }'
      [ "$last_n" = "$largest" ] || printf ' (to %s)' "$(pow10 "$last_n")"
      echo ' |'
    else
      echo ' |'
    fi
  done
done

echo
echo "Notes: every run of every column is the program's own exit; \`lockdep\` must report the closing cycle of each graph"
echo "row and must not switch checking off (a \`BUG:\` line would be shown). No row holds more than 4 locks at once, so"
echo "ThreadSanitizer's 64-held-lock limit does not apply. ThreadSanitizer reports lock-order inversions only among"
echo "the locks its detector still remembers (it forgets when its graph fills). The cost per new dependency of small"
echo "graphs includes first-touch page faults of the tools' tables (system time). Total time: $(($(date +%s) - started)) s."
if [ ${#notes[@]} -gt 0 ]; then
  echo
  for i in "${!notes[@]}"; do echo "[^$((i + 1))]: ${notes[$i]}"; done
fi
echo
echo "Failed cells: $failed_cells"
exit $failed
