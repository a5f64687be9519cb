#!/usr/bin/env bash
# lockdep(1) is valid roff (groff reports no warning) and documents every
# option that `lockdep --help` lists, and every exit status the command has.
#   check_man_page.sh MAN_PAGE LOCKDEP_COMMAND
set -uo pipefail
man=$1 lockdep=$2
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

warnings=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
[ -z "$warnings" ] || fail "groff warns: $warnings"
rendered=$(groff -man -Tascii "$man" 2>/dev/null | col -b)
grep -q "^NAME" <<<"$rendered" && grep -q "^EXIT STATUS" <<<"$rendered" ||
  fail "no NAME or EXIT STATUS section"

keys=$("$lockdep" --help | grep -oE '^  [a-z_]+=' | tr -d ' =')
[ -n "$keys" ] || fail "no options found in lockdep --help"
for key in $keys; do
  grep -qE "^\.BI $key= " "$man" || fail "option $key (in lockdep --help) is not in $man"
done
exit_section=$(sed -n '/^EXIT STATUS/,/^[A-Z]/p' <<<"$rendered")
for status in 2 127 '128\+N' 65 66; do
  grep -qE "(^| |\()$status( |\)|$)" <<<"$exit_section" || fail "exit status $status is not in $man"
done
[ "$failures" = 0 ] && echo "man page: $(wc -w <<<"$keys") options documented"
exit $((failures != 0))
