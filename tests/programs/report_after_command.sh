#!/usr/bin/env bash
# A process that outlives the `lockdep` command (a daemon it started) and
# reports afterwards: the command's socket is closed, so the process prints
# the report itself (in-process format) instead of losing it.
#   report_after_command.sh LOCKDEP PROGRAM
set -u
lockdep=$1 prog=$2
done_file=$(mktemp -u)
# The grandchild waits until the command (its parent's parent) has exited.
"$lockdep" -- sh -c '
  command_pid=$PPID
  (while kill -0 "$command_pid" 2>/dev/null; do sleep 0.05; done
   "$0"; touch "$1") &
  exit 0' "$prog" "$done_file"
status=$?
while [ ! -e "$done_file" ]; do sleep 0.05; done
rm -f "$done_file"
exit "$status"
