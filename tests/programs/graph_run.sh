#!/usr/bin/env bash
# Runs a command that writes lock graphs, then checks its exit status and
# output, the graphs (check_graph.py) and `lockdep graph`'s summary of them.
# Every argument may say @TMP: a fresh directory, removed afterwards.
#
#   graph_run.sh LOCKDEP [checks...] -- command [args...]
#     --status N              exit status
#     --stdout REGEX          a line of stdout matches (grep -E)
#     --stderr REGEX          a line of stderr matches
#     --absent FILE           FILE was not written
#     --graph FILE CHECK... %  check_graph.py FILE --dot dot CHECK... ('%' ends)
#     --summary FILE REGEX    a line of `lockdep graph FILE -o FILE.svg` matches,
#                             and the SVG was rendered
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lockdep=$1
shift
tmp=$(mktemp -d /tmp/lockdep-graph.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
args=()
for a in "$@"; do args+=("${a//@TMP/$tmp}"); done
set -- "${args[@]}"

status= checks=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in
    --status) status=$2; shift 2 ;;
    --stdout|--stderr|--absent) checks+=("$1" "$2"); shift 2 ;;
    --summary) checks+=("$1" "$2" "$3"); shift 3 ;;
    --graph)
      file=$2; shift 2
      list=()
      while [ $# -gt 0 ] && [ "$1" != % ]; do list+=("$1"); shift; done
      shift
      checks+=(--graph "$file" "${#list[@]}" "${list[@]}")
      ;;
    *) echo "graph_run.sh: unknown check '$1'"; exit 2 ;;
  esac
done
shift  # --
"$@" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?

failed=0
fail() { echo "FAIL: $*"; failed=1; }
[ -n "$status" ] && [ "$rc" != "$status" ] && fail "exit status $rc, expected $status"
set -- "${checks[@]+"${checks[@]}"}"
while [ $# -gt 0 ]; do
  case $1 in
    --stdout) grep -qE -- "$2" "$tmp/stdout" || fail "stdout lacks /$2/"; shift 2 ;;
    --stderr) grep -qE -- "$2" "$tmp/stderr" || fail "stderr lacks /$2/"; shift 2 ;;
    --absent) [ ! -e "$2" ] || fail "$2 was written"; shift 2 ;;
    --graph)
      file=$2 n=$3; shift 3
      if [ -e "$file" ]; then
        python3 "$here/check_graph.py" "$file" --dot dot "${@:1:$n}" || failed=1
      else
        fail "no graph $file"
      fi
      shift "$n"
      ;;
    --summary)
      "$lockdep" graph "$2" -o "$2.svg" >"$tmp/summary" 2>&1 || fail "lockdep graph $2 failed"
      grep -qE -- "$3" "$tmp/summary" || fail "the summary lacks /$3/"
      grep -q "<svg" "$2.svg" 2>/dev/null || fail "no SVG rendered"
      shift 3
      ;;
  esac
done
if [ "$failed" != 0 ]; then
  echo "--- exit status $rc; stdout:"; cat "$tmp/stdout"
  echo "--- stderr:"; head -c 4000 "$tmp/stderr"
  [ -e "$tmp/summary" ] && { echo "--- summary:"; cat "$tmp/summary"; }
fi
exit "$failed"
