#!/usr/bin/env bash
# files-crash.sh MMSIM - crash and reboot through the scenario language:
#  - after `crash` (torn or not) and `reboot`, what fsync and msync(MS_SYNC)
#    made durable reads back with the same hash as before the crash, and
#    what was only stored in memory does not;
#  - between the crash and the reboot the disks answer EIO;
#  - a run is repeatable: the same scenario prints the same lines, the
#    number of journal keys replayed included;
#  - `run --disk DIR` keeps the disks: a later run names the files of the
#    earlier one without `file` lines and reads back what it fsync'ed.
set -euo pipefail
MMSIM=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# result LINE OUTPUT: the result of scenario line LINE
result() { sed -n "s/^$1: [a-z_]* = //p" "$2"; }

for torn in "" torn; do
	cat >"$d/crash.mms" <<MMS
machine nodes=2 cpus=2
file f 8p
file g 4p
s = mmap 8p rw shared file=f
write s 8p 0x11
fsync f
read s 8p
write s 2p 0x22
read s 8p
t = mmap 4p rw shared file=g
write t 4p 0x33
msync t 4p sync
read t 4p
crash $torn
fsync g
reboot
a = mmap 8p r shared file=f
read a 8p
b = mmap 4p r shared file=g
read b 4p
MMS
	"$MMSIM" run "$d/crash.mms" >"$d/out1" || fail "run ($torn)"
	"$MMSIM" run "$d/crash.mms" >"$d/out2" || fail "second run ($torn)"
	cat "$d/out1"
	cmp -s "$d/out1" "$d/out2" || fail "two runs differ ($torn)"
	[ "$(result 18 "$d/out1")" = "$(result 7 "$d/out1")" ] || fail "fsync'ed f did not survive ($torn)"
	[ "$(result 18 "$d/out1")" != "$(result 9 "$d/out1")" ] || fail "unsynced stores survived ($torn)"
	[ "$(result 20 "$d/out1")" = "$(result 13 "$d/out1")" ] || fail "msync'ed g did not survive ($torn)"
	[ "$(result 15 "$d/out1")" = "-1 EIO" ] || fail "fsync between crash and reboot: $(result 15 "$d/out1")"
	result 16 "$d/out1" | grep -Eq '^ok replayed=[0-9]+$' || fail "reboot line"
done

# Disks kept across runs.
cat >"$d/w.mms" <<'MMS'
machine nodes=2 cpus=2
file keep 3p
m = mmap 3p rw shared file=keep
write m 3p 0x5c
fsync keep
read m 3p
MMS
cat >"$d/r.mms" <<'MMS'
machine nodes=2 cpus=2
m = mmap 3p r shared file=keep
read m 3p
n = mmap 1p r shared file=absent
MMS
"$MMSIM" run --disk "$d/disk" "$d/w.mms" >"$d/w.out" || fail "run --disk (write)"
[ -f "$d/disk/cache.img" ] && [ -f "$d/disk/backing.img" ] || fail "--disk kept no images"
"$MMSIM" run --disk "$d/disk" "$d/r.mms" >"$d/r.out" || fail "run --disk (read)"
cat "$d/w.out" "$d/r.out"
[ "$(result 3 "$d/r.out")" = "$(result 6 "$d/w.out")" ] || fail "the kept file reads differently"
[ "$(result 4 "$d/r.out")" = "-1 ENOENT" ] || fail "a file that never existed: $(result 4 "$d/r.out")"
# Without --disk, an undeclared file is a usage error.
if "$MMSIM" run "$d/r.mms" >/dev/null 2>"$d/err"; then fail "undeclared file accepted"; fi
grep -q "unknown file 'keep'" "$d/err" || fail "usage message: $(cat "$d/err")"
echo "files-crash: ok"
