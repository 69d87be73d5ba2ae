#!/usr/bin/env bash
# disk-damage.sh MMSIM - `run --disk` images damaged the way a power cut
# cannot damage them are never taken for torn writes (issue 15):
#  - a byte flipped in the root node's second set after a clean stop: fsck
#    says NOT CLEAN and the next run refuses, naming the set (a torn write
#    is possible only while the journal still holds the node's keys);
#  - a byte flipped in a journal entry with newer entries after it: fsck
#    says NOT CLEAN; after a crash (the entries still needed) the next run
#    refuses rather than replaying older keys over newer ones; after a
#    clean stop (none needed) the run reads back every fsync'ed file;
#  - the images are locked: a run on a disk directory another process holds
#    is refused with a clear error, and of two runs at once one is refused.
set -euo pipefail
MMSIM=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
result() { sed -n "s/^$1: [a-z_]* = //p" "$2"; }
# flip FILE OFFSET: xor one byte with 0xff
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\x$(printf %02x $((b ^ 0xff)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
u64hex() { od -An -tx8 -j "$2" -N8 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
u16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }
# entries IMG: "OFFSET SEQ KEYS" of every journal entry in the first journal
# bucket (the superblock at 4096: bucket_size at +194, set_magic at +56, d[0]
# at +208; a jset: magic at +8, seq at +16, keys at +28).
entries() {
	local img=$1 bs d0 magic off end
	bs=$(( $(u16 "$img" $((4096 + 194))) * 512 ))
	d0=$(od -An -tu8 -j $((4096 + 208)) -N8 "$img" | tr -d ' ')
	magic=$(printf %016x $(( 0x$(u64hex "$img" $((4096 + 56))) ^ 0x245235c1a3625032 )))
	off=$((d0 * bs)); end=$((off + bs))
	for ((; off < end; off += 4096)); do
		[ "$(u64hex "$img" $((off + 8)))" = "$magic" ] || continue
		echo "$off $(od -An -tu8 -j $((off + 16)) -N8 "$img" | tr -d ' ') $(u32 "$img" $((off + 28)))"
	done
}
# flip_middle_entry IMG: a byte inside the keys of the largest entry that is
# not the newest
flip_middle_entry() {
	local newest at
	newest=$(entries "$1" | sort -k2,2n | tail -1 | cut -d' ' -f2)
	at=$(entries "$1" | awk -v n="$newest" '$2 != n && $3 > 100' | sort -k3,3n | tail -1 |
	     cut -d' ' -f1)
	[ -n "$at" ] || fail "no journal entry with keys before the newest"
	flip "$1" $((at + 240 + 800))
}

cat >"$d/a.mms" <<'MMS'
machine nodes=2 cpus=2
file a 64p
m = mmap 64p rw shared file=a
write m 64p 0x11
fsync a
read m 64p
MMS
cat >"$d/b.mms" <<'MMS'
machine nodes=2 cpus=2
file b 64p
n = mmap 64p rw shared file=b
write n 64p 0x22
fsync b
read n 64p
MMS
cat >"$d/ab.mms" <<'MMS'
machine nodes=2 cpus=2
m = mmap 64p r shared file=a
read m 64p
n = mmap 64p r shared file=b
read n 64p
MMS

# 1. A later btree set damaged after a clean stop.
cat >"$d/f.mms" <<'MMS'
machine nodes=2 cpus=2
file f 20p
m = mmap 20p rw shared file=f
write m 20p 0x5c
fsync f
MMS
"$MMSIM" run --disk "$d/d1" "$d/f.mms" >/dev/null || fail "run (btree case)"
root=$("$MMSIM" bcache dump-journal "$d/d1/cache.img" |
       sed -n 's/.* root level [0-9]* at \([0-9]*\) .*/\1/p' | tail -1)
[ -n "$root" ] || fail "dump-journal names no root"
"$MMSIM" bcache fsck "$d/d1/cache.img" >/dev/null || fail "fsck before the damage"
flip "$d/d1/cache.img" $((root * 512 + 4096 + 100))
if "$MMSIM" bcache fsck "$d/d1/cache.img" >"$d/fsck1"; then
	cat "$d/fsck1"; fail "fsck: a damaged later set called clean"
fi
cat "$d/fsck1"
grep -q "not a torn write" "$d/fsck1" || fail "fsck does not say damage"
grep -q "^NOT CLEAN" "$d/fsck1" || fail "fsck summary"
if "$MMSIM" run --disk "$d/d1" "$d/f.mms" >/dev/null 2>"$d/err1"; then
	fail "run on a damaged btree node accepted"
fi
cat "$d/err1"
grep -q "reading the btree: .*not a torn write" "$d/err1" || fail "run: $(cat "$d/err1")"

# 2a. A journal entry damaged while the entries after it are still needed.
cat "$d/a.mms" - <<'MMS' >"$d/crash.mms"
file b 64p
n = mmap 64p rw shared file=b
write n 64p 0x22
fsync b
crash
MMS
"$MMSIM" run --disk "$d/d2" "$d/crash.mms" >/dev/null || fail "run (crash)"
flip_middle_entry "$d/d2/cache.img"
if "$MMSIM" bcache fsck "$d/d2/cache.img" >"$d/fsck2"; then
	cat "$d/fsck2"; fail "fsck: a damaged journal entry called clean"
fi
cat "$d/fsck2"
grep -q "damage, not a torn write" "$d/fsck2" || fail "fsck does not say damage"
if "$MMSIM" run --disk "$d/d2" "$d/ab.mms" >"$d/out2" 2>"$d/err2"; then
	cat "$d/out2"; fail "run replayed around a damaged journal entry"
fi
cat "$d/err2"
grep -q "refusing to replay around them" "$d/err2" || fail "run: $(cat "$d/err2")"

# 2b. The same damage after clean stops: nothing needed is lost.
"$MMSIM" run --disk "$d/d3" "$d/a.mms" >"$d/wa" || fail "run a"
"$MMSIM" run --disk "$d/d3" "$d/b.mms" >"$d/wb" || fail "run b"
flip_middle_entry "$d/d3/cache.img"
if "$MMSIM" bcache fsck "$d/d3/cache.img" >"$d/fsck3"; then
	cat "$d/fsck3"; fail "fsck: a damaged journal entry called clean (clean stop)"
fi
cat "$d/fsck3"
"$MMSIM" run --disk "$d/d3" "$d/ab.mms" >"$d/out3" || fail "run after a damaged old entry"
[ "$(result 3 "$d/out3")" = "$(result 6 "$d/wa")" ] || fail "file a: $(result 3 "$d/out3")"
[ "$(result 5 "$d/out3")" = "$(result 6 "$d/wb")" ] || fail "file b: $(result 5 "$d/out3")"

# 3. Locked images.  Another process holding one: refused, and nothing written.
"$MMSIM" run --disk "$d/d4" "$d/a.mms" >/dev/null || fail "run (lock case)"
flock -x "$d/d4/backing.img" -c "! '$MMSIM' run --disk '$d/d4' '$d/ab.mms' >/dev/null 2>'$d/err4'" ||
	fail "run on a locked image accepted"
cat "$d/err4"
grep -q "in use by another process" "$d/err4" || fail "lock message: $(cat "$d/err4")"
"$MMSIM" bcache fsck "$d/d4/cache.img" >/dev/null || fail "fsck after the refused run"
# Two runs at once on fresh and on existing disks: exactly one is refused
# when they overlap, and every run that said fsync = 0 is readable after.
{
	echo "machine nodes=2 cpus=2"; echo "file a 64p"; echo "m = mmap 64p rw shared file=a"
	for i in $(seq 1 200); do echo "write m 64p 0x$((i % 9 + 1))1"; echo "fsync a"; done
} >"$d/long.mms"
for disk in d5 d4; do
	rc1=0; rc2=0
	"$MMSIM" run --disk "$d/$disk" "$d/long.mms" >"$d/o1" 2>&1 & p1=$!
	"$MMSIM" run --disk "$d/$disk" "$d/long.mms" >"$d/o2" 2>&1 || rc2=$?
	wait $p1 || rc1=$?
	tail -n1 "$d/o1" "$d/o2"
	if [ $rc1 -ne 0 ] && [ $rc2 -ne 0 ]; then fail "both runs failed ($disk)"; fi
	for o in 1 2; do
		rc=$rc1; [ $o = 2 ] && rc=$rc2
		if [ "$rc" -ne 0 ]; then
			grep -q "in use by another process" "$d/o$o" || fail "run $o: $(tail -n1 "$d/o$o")"
		fi
	done
	"$MMSIM" bcache fsck "$d/$disk/cache.img" >/dev/null || fail "fsck after two runs ($disk)"
done
echo "disk-damage: ok"
