#!/usr/bin/env bash
# errors.sh MMSIM - what a hostile user found (issue 15), each a clear
# message and a non-zero exit, never a silent success or a runaway:
#  - output that cannot be written (`> /dev/full`) fails every command;
#  - `mmsim run` reads at most 64 MiB of scenario (/dev/zero ends);
#  - a second `crash` with no `reboot` between is a usage error;
#  - 200,000 mapping names parse in well under a second (a hash, not a
#    linear strcmp: that took minutes);
#  - `mmsim check`: a directory with no scenarios, symlink loops (walked
#    once, not exponentially), directories it cannot read (reported);
#  - `bench --pages N mprotect` for N not a multiple of 16 or 256;
#  - a machine line's data cache of an impossible shape.
set -euo pipefail
MMSIM=$1
d=$(mktemp -d)
trap 'chmod -R u+rwx "$d"; rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# expect RC MESSAGE CMD...: CMD exits RC and says MESSAGE on stderr.
expect() {
	local want=$1 msg=$2 rc=0
	shift 2
	"$@" >"$d/out" 2>"$d/err" || rc=$?
	[ "$rc" = "$want" ] || { cat "$d/err"; fail "$*: exit $rc, want $want"; }
	grep -q -- "$msg" "$d/err" || { cat "$d/err"; fail "$*: no '$msg'"; }
}

# Standard output on a full disk: exit 1 (2 stays 2), with a message.
printf ' S 10000000,8\n' >"$d/t.trace"
printf 'a = mmap 1p rw\nwrite a 1p\n' >"$d/s.mms"
for cmd in "--version" "help" "run" "run $d/s.mms" "replay $d/t.trace" "bcache --help" \
	   "bench --pages 16 fault"; do
	rc=0
	# shellcheck disable=SC2086 # the words of cmd are arguments
	"$MMSIM" $cmd >/dev/full 2>"$d/err" || rc=$?
	[ "$rc" = 1 ] && grep -q "writing standard output: No space left on device" "$d/err" ||
		{ cat "$d/err"; fail "mmsim $cmd >/dev/full: exit $rc"; }
done
rc=0; "$MMSIM" run --no-such-option >/dev/full 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "a usage error with stdout full: exit $rc, want 2"

# Scenario size: /dev/zero (as a file and as standard input) ends at 64 MiB.
expect 1 "/dev/zero: larger than 64 MiB: not a scenario" timeout 60 "$MMSIM" run /dev/zero
head -c 65M /dev/zero >"$d/big.mms"
expect 1 "larger than 64 MiB" "$MMSIM" run - <"$d/big.mms"
rm "$d/big.mms"

# Two crashes: the second has no power to cut.
printf 'file f 4k\ncrash\ncrash\n' >"$d/crash2.mms"
expect 2 "crash2.mms:3: crash: the power is already off (reboot first)" "$MMSIM" run "$d/crash2.mms"
printf 'file f 4k\ncrash\nreboot\ncrash torn\nreboot\n' >"$d/crash-reboot.mms"
"$MMSIM" run "$d/crash-reboot.mms" >"$d/out" || { cat "$d/out"; fail "crash, reboot, crash"; }
[ "$(grep -c 'reboot = ok' "$d/out")" = 2 ] || { cat "$d/out"; fail "crash, reboot, crash: output"; }

# Many names: parsed (then refused at the last line, before anything runs)
# in seconds; a linear lookup took 20 s and more here.
seq 200000 | awk '{ print "m" $1 " = hole 4k" } END { print "write m199999 1p"; print "bogus" }' \
	>"$d/names.mms"
expect 2 "names.mms:200002: unknown command 'bogus'" timeout 10 "$MMSIM" run "$d/names.mms"
# ... and each name still finds its own mapping.
seq 2000 | awk '{ print "m" $1 " = mmap 1p rw" }
	END { print "munmap m1000 1p"; print "write m1000 1p"; print "write m999 1p" }' \
	>"$d/lookup.mms"
"$MMSIM" run "$d/lookup.mms" >"$d/out"
grep -q '^2002: write = SIGSEGV +0p' "$d/out" && grep -q '^2003: write = ok' "$d/out" ||
	{ tail -3 "$d/out"; fail "names looked up"; }

# check: nothing to check is an error, not a crash (qsort of NULL).
mkdir "$d/empty"
expect 1 "no scenario with an .out file found" "$MMSIM" check "$d/empty"
# Symlink loops: each directory walked once, each scenario run once.
mkdir -p "$d/loops/sub"
cp "$d/s.mms" "$d/loops/sub/x.mms"
"$MMSIM" run "$d/s.mms" >"$d/loops/sub/x.out"
for i in 1 2 3 4; do ln -s .. "$d/loops/sub/up$i"; ln -s . "$d/loops/here$i"; done
timeout 20 "$MMSIM" check "$d/loops" >"$d/out" || { cat "$d/out"; fail "check with symlink loops"; }
grep -q '^check: 1 passed, 0 failed' "$d/out" || { cat "$d/out"; fail "check with symlink loops: output"; }
# A directory that cannot be read: named, and the check fails.  Root
# reads everything: the check then runs as nobody.
mkdir -p "$d/locked/closed"
cp "$d/loops/sub/x.mms" "$d/loops/sub/x.out" "$d/locked/"
chmod 755 "$d" "$d/locked"
chmod 000 "$d/locked/closed"
as=()
if [ "$(id -u)" = 0 ]; then
	as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	"${as[@]}" true 2>/dev/null || as=()
fi
if [ "$(id -u)" = 0 ] && [ ${#as[@]} = 0 ]; then
	echo "# skipped: an unreadable directory (root, and no setpriv to drop to nobody)"
else
	expect 1 "closed: Permission denied" "${as[@]}" "$MMSIM" check "$d/locked"
	grep -q "1 directory not searched" "$d/err" || { cat "$d/err"; fail "check: the count"; }
	grep -q '^check: 1 passed' "$d/out" || { cat "$d/out"; fail "check: the readable part"; }
fi

# bench mprotect splits any number of pages into its 1, 16 and 256 VMAs.
for n in 1 17 300; do
	"$MMSIM" bench --pages $n mprotect >"$d/out" 2>"$d/err" ||
		{ cat "$d/err"; fail "bench --pages $n mprotect"; }
done
grep -q '^mprotect.k256.gather.ns_per_page' "$d/out" || { cat "$d/out"; fail "bench: 256 VMAs"; }
expect 2 "pages must be" "$MMSIM" bench --pages 17x mprotect

# A data cache of a shape no hardware has is a usage error on the machine
# line, with the reason; cache=off ignores the shape.
while IFS='|' read -r opts msg; do
	printf 'machine %s\na = mmap 1p rw\nwrite a 1p\n' "$opts" >"$d/c.mms"
	expect 2 "$msg" "$MMSIM" run "$d/c.mms"
done <<'EOF2'
cache=maybe|cache= must be on or off
cache_sets=3|cache sets must be a power of two
cache_sets=0|cache_sets= must be 1..
cache_sets=-1|cache_sets= must be 1..
cache_ways=0|cache_ways= must be 1..64
cache_ways=65|cache_ways= must be 1..64
cache_sets=1048576 cache_ways=2|cache must be at most 64 MiB
cache_sets=99999999999999999999|cache_sets= must be 1..
EOF2
printf 'machine cache=off cache_sets=3\na = mmap 1p rw\nwrite a 1p\n' >"$d/c.mms"
"$MMSIM" run "$d/c.mms" >"$d/out" 2>"$d/err" || { cat "$d/err"; fail "cache=off with a bad shape"; }
echo "errors: ok"
