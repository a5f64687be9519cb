#!/usr/bin/env bash
# Runs one command and checks what it printed and how it ended.
#
#   check_run.sh [checks...] -- command [args...]
#
# checks:
#   --status N          exit status must be N
#   --timeout S         kill the command (SIGKILL) after S seconds
#   --has REGEX         stderr has a line matching REGEX (grep -E)
#   --lacks REGEX       stderr has no line matching REGEX
#   --has-text TEXT     stderr contains TEXT, which may span lines
#   --count TEXT N      exactly N lines of stderr contain TEXT
#   --stdout REGEX      stdout has a line matching REGEX
#   --file PATH REGEX   PATH exists and has a line matching REGEX
#   --clean             no report at all: no WARNING: and no BUG: line
set -u
status= timeout_s=60
checks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --status) status=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --has|--lacks|--has-text|--stdout) checks+=("$1" "$2"); shift 2 ;;
    --count|--file) checks+=("$1" "$2" "$3"); shift 3 ;;
    --clean) checks+=(--lacks '^(WARNING|BUG):'); shift ;;
    --) shift; break ;;
    *) echo "check_run.sh: unknown check '$1'" >&2; exit 2 ;;
  esac
done

out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
timeout -s KILL "$timeout_s" "$@" >"$out" 2>"$err"
rc=$?

failed=0
fail() { echo "FAIL: $*"; failed=1; }

[ -n "$status" ] && [ "$rc" != "$status" ] && fail "exit status $rc, expected $status"
set -- "${checks[@]+"${checks[@]}"}"
while [ $# -gt 0 ]; do
  case "$1" in
    --has) grep -Eq -- "$2" "$err" || fail "stderr lacks /$2/"; shift 2 ;;
    --lacks) grep -Eq -- "$2" "$err" && fail "stderr has /$2/"; shift 2 ;;
    --has-text)
      T=$2 perl -0777 -ne 'exit(index($_, $ENV{T}) >= 0 ? 0 : 1)' "$err" \
        || fail "stderr lacks the text: $2"
      shift 2 ;;
    --count)
      n=$(grep -cF -- "$2" "$err")
      [ "$n" = "$3" ] || fail "'$2' on $n lines, expected $3"
      shift 3 ;;
    --stdout) grep -Eq -- "$2" "$out" || fail "stdout lacks /$2/"; shift 2 ;;
    --file)
      if [ -f "$2" ]; then grep -Eq -- "$3" "$2" || fail "$2 lacks /$3/"
      else fail "$2 was not written"; fi
      shift 3 ;;
  esac
done

if [ "$failed" != 0 ]; then
  echo "---- command: $*"
  echo "---- exit status: $rc"
  echo "---- stdout:"; head -c 20000 "$out"
  echo "---- stderr:"; head -c 60000 "$err"
  exit 1
fi
echo "ok (exit status $rc)"
