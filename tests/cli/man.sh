#!/usr/bin/env bash
# man.sh MMSIM MANPAGE - the man page names every command `mmsim --help`
# lists and every benchmark `mmsim bench --help` lists; where groff is
# installed, it renders without a warning.
set -euo pipefail
MMSIM=$1
MAN=$2
fail() { echo "FAIL: $*"; exit 1; }

cmds=$("$MMSIM" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }' |
	grep -v '^help$')
[ -n "$cmds" ] || fail "no commands in mmsim --help"
for c in $cmds; do
	grep -q "^\.B mmsim $c\$" "$MAN" || fail "synopsis lacks 'mmsim $c'"
	grep -q "^\.B $c\$" "$MAN" || fail "COMMANDS lacks '$c'"
done
for b in $("$MMSIM" bench --help | awk '/^benchmarks:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'); do
	grep -Eq "^\.BR $b [,.]?\$" "$MAN" || fail "bench '$b' not in the man page"
done
if command -v groff >/dev/null; then
	out=$(groff -man -Tutf8 -ww -z "$MAN" 2>&1) || fail "groff failed"
	[ -z "$out" ] || fail "groff warnings: $out"
fi
echo "man: ok"
