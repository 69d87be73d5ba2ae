#!/usr/bin/env bash
# bcache-tools.sh MMSIM - the bcache tools on real image files:
#  - `mmsim bcache format` makes a cache and a backing image;
#  - Debian's bcache-super-show (bcache-tools) accepts both superblocks and
#    reads back the geometry mmsim wrote;
#  - `mmsim bcache show`, `dump-journal` and `fsck` succeed on them;
#  - format refuses one file as both devices, and a failed format leaves
#    no file it created or extended;
#  - each tool exits 1 with a message on a corrupt or foreign image, and 2
#    on a usage error.
set -euo pipefail
MMSIM=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$MMSIM" bcache format --size 64m --backing-size 32m --bucket 256k --journal-buckets 16 \
	--label ci --seed 1 "$d/cache.img" "$d/backing.img" || fail "format"

command -v bcache-super-show >/dev/null ||
	fail "bcache-super-show missing: apt-get install bcache-tools (scripts/setup.sh does)"
bcache-super-show "$d/cache.img" >"$d/c.txt" || { cat "$d/c.txt"; fail "bcache-super-show cache"; }
bcache-super-show "$d/backing.img" >"$d/b.txt" || { cat "$d/b.txt"; fail "bcache-super-show backing"; }
cat "$d/c.txt" "$d/b.txt"
grep -Eq '^sb\.csum.*\[match\]' "$d/c.txt" || fail "cache csum not matched"
grep -Eq '^sb\.csum.*\[match\]' "$d/b.txt" || fail "backing csum not matched"
grep -Eq '^sb\.version[[:space:]]+3 \[cache device\]' "$d/c.txt" || fail "cache version"
grep -Eq '^sb\.version[[:space:]]+1 \[backing device\]' "$d/b.txt" || fail "backing version"
grep -Eq "^dev\.cache\.total_sectors[[:space:]]+131072$" "$d/c.txt" || fail "device size"
grep -Eq '^dev\.sectors_per_bucket[[:space:]]+512$' "$d/c.txt" || fail "bucket size"
grep -Eq '^dev\.sectors_per_block[[:space:]]+8$' "$d/c.txt" || fail "block size"
grep -Eq '^dev\.data\.cache_mode[[:space:]]+1 \[writeback\]' "$d/b.txt" || fail "cache mode"
cset_c=$(awk '/^cset\.uuid/ {print $2}' "$d/c.txt")
cset_b=$(awk '/^cset\.uuid/ {print $2}' "$d/b.txt")
[[ -n $cset_c && $cset_c == "$cset_b" ]] || fail "backing not attached to the cache set"

"$MMSIM" bcache show "$d/cache.img" | grep -q 'cset.journal_buckets	16' || fail "mmsim show"
"$MMSIM" bcache dump-journal "$d/cache.img" | grep -q '^entries [1-9]' || fail "dump-journal"
"$MMSIM" bcache fsck "$d/cache.img" | grep -q '^clean' || fail "fsck of a fresh set"

# One file cannot be both devices, by whatever path: refused, and nothing
# left (a file format created is removed, one it found is not).
set +e
"$MMSIM" bcache format --size 64m "$d/one.img" "$d/one.img" 2>"$d/err"; rc=$?
"$MMSIM" bcache format --size 64m "$d/one.img" "$d/./one.img" 2>>"$d/err"; rc2=$?
ln "$d/cache.img" "$d/link.img"
"$MMSIM" bcache format "$d/cache.img" "$d/link.img" 2>>"$d/err"; rc3=$?
set -e
[[ $rc -eq 1 && $rc2 -eq 1 && $rc3 -eq 1 ]] || fail "format X X: rc $rc $rc2 $rc3"
[[ $(grep -c 'are the same file' "$d/err") -eq 3 ]] || { cat "$d/err"; fail "format X X: message"; }
[[ ! -e $d/one.img ]] || fail "format X X: left a file it created"
"$MMSIM" bcache show "$d/cache.img" | grep -q 'cache device' || fail "format X X: changed the cache"
rm "$d/link.img"
# A failed format undoes what it did to the files: removes those it
# created, truncates back those it extended.
head -c 4096 /dev/urandom >"$d/small.img"
set +e
"$MMSIM" bcache format --size 64k "$d/new.img" 2>"$d/err"; rc=$?
"$MMSIM" bcache format --size 64k "$d/small.img" 2>>"$d/err"; rc2=$?
"$MMSIM" bcache format --size 64m "$d/new.img" --backing-size 4k "$d/newb.img" 2>>"$d/err"; rc3=$?
set -e
[[ $rc -eq 1 && $rc2 -eq 1 && $rc3 -eq 1 ]] || { cat "$d/err"; fail "failed formats: rc $rc $rc2 $rc3"; }
[[ ! -e $d/new.img && ! -e $d/newb.img ]] || fail "a failed format left files it created"
[[ $(stat -c %s "$d/small.img") -eq 4096 ]] || fail "a failed format left a file extended"

# Corruptions: a clear message and exit status 1, never a crash.
cp "$d/cache.img" "$d/bad.img"
printf '\xff' | dd of="$d/bad.img" bs=1 seek=$((4096 + 100)) conv=notrunc status=none
set +e
"$MMSIM" bcache show "$d/bad.img" 2>"$d/err"; rc=$?
set -e
[[ $rc -eq 1 ]] && grep -q checksum "$d/err" || fail "show of a bad checksum: rc $rc $(cat "$d/err")"
set +e
"$MMSIM" bcache fsck "$d/bad.img" >"$d/out"; rc=$?
"$MMSIM" bcache fsck "$d/backing.img" >"$d/out2"; rc2=$?
truncate -s 4096 "$d/bad.img"
"$MMSIM" bcache dump-journal "$d/bad.img" 2>"$d/err3"; rc3=$?
"$MMSIM" bcache fsck; rc4=$?
"$MMSIM" bcache frobnicate x; rc5=$?
set -e
[[ $rc -eq 1 ]] || fail "fsck of a bad superblock: rc $rc"
[[ $rc2 -eq 1 ]] || fail "fsck of a backing device: rc $rc2"
[[ $rc3 -eq 1 ]] && grep -q 'too small' "$d/err3" || fail "dump-journal of a truncated image: rc $rc3"
[[ $rc4 -eq 2 && $rc5 -eq 2 ]] || fail "usage errors: rc $rc4 $rc5"
echo "bcache tools: ok"
