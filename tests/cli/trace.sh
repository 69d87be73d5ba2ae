#!/usr/bin/env bash
# trace.sh MMSIM - trace events (docs/trace.md): a scenario's trace is the
# same bytes on every run; every line has the documented form
#   COMM-PID [CPU] SECONDS.MICROS: EVENT: FIELDS
# and the events of each mechanism the scenario exercises are there, with
# their fields as Linux 6.12 prints them; a replay writes one too; a run
# with disks shows bcache's events; a trace file that cannot be written
# fails the run; without --trace nothing is written.
set -euo pipefail
MMSIM=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
line_re='^ *[^ ].{0,14}-[0-9]+ +\[[0-9]{3}\] [0-9]+\.[0-9]{6}: [a-z_]+: .*$'

cat >"$d/s.mms" <<'MMS'
machine nodes=2 cpus=2 thp=always
a = mmap 16p rw
write a 8p
fork child
use child
write a 1p 0x33
use main
move_pages a*4 to=1
mprotect a 4p r
b = mmap 2m rw
write b 1p
move_pages b to=1
munmap b+1m 4p
file f 8p
s = mmap 8p rw shared file=f
write s 2p
MMS
"$MMSIM" run --trace "$d/t1" "$d/s.mms" >"$d/o1" || fail "run --trace"
"$MMSIM" run --trace "$d/t2" "$d/s.mms" >"$d/o2" || fail "run --trace (again)"
"$MMSIM" run "$d/s.mms" >"$d/o3" || fail "run"
cmp -s "$d/o1" "$d/o3" || fail "--trace changed the scenario's output"
cmp -s "$d/t1" "$d/t2" || fail "two runs wrote different traces"
[ -s "$d/t1" ] || fail "empty trace"
bad=$(grep -Evc "$line_re" "$d/t1" || true)
[ "$bad" = 0 ] || { grep -Ev "$line_re" "$d/t1" | head -3; fail "$bad lines of another form"; }
# Each mechanism's events, with Linux's field layout.
want() { grep -Eq "$1" "$d/t1" || fail "no line matches: $1"; }
want ' main-[0-9]+ +\[000\] [0-9.]+: page_fault_user: address=0x[0-9a-f]+ ip=0x0 error_code=0x6$'
want 'child-[0-9]+ +\[000\] [0-9.]+: page_fault_user: address=0x[0-9a-f]+ ip=0x0 error_code=0x7$'
want ': mm_page_alloc: page=[0-9a-f]{16} pfn=0x[0-9a-f]+ order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE'
want ': mm_page_alloc: page=[0-9a-f]{16} pfn=0x[0-9a-f]+ order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE'
want ': mm_page_free: page=[0-9a-f]{16} pfn=0x[0-9a-f]+ order=0$'
want ': mm_lru_insertion: folio=[0-9a-f]{16} pfn=0x[0-9a-f]+ lru=0 flags=Ma b  $'
want ': mm_migrate_pages_start: mode=MIGRATE_SYNC reason=syscall_or_cpuset$'
want ': mm_migrate_pages: nr_succeeded=1 nr_failed=0 nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 nr_split=0 mode=MIGRATE_SYNC reason=syscall_or_cpuset$'
want ': mm_migrate_pages: nr_succeeded=512 nr_failed=0 nr_thp_succeeded=1 '
want ': set_migration_pte: addr=[0-9]+, pte=[0-9]+ order=0$'
want ': remove_migration_pte: addr=[0-9]+, pte=[0-9]+ order=0$'
want ': set_migration_pmd: addr=[0-9a-f]+, pmd=[0-9a-f]+$'
want ': tlb_flush: pages:-?[0-9]+ reason:local shootdown \(2\)$'
want ': mm_filemap_add_to_page_cache: dev 0:0 ino [0-9a-f]+ pfn=0x[0-9a-f]+ ofs=4096 order=0$'
# Timestamps never go back within a CPU's lines.
awk '{ split($3, t, ":"); c = $2; if (t[1] + 0 < last[c]) bad = 1; last[c] = t[1] + 0 }
     END { exit bad }' "$d/t1" || fail "a timestamp goes back"

# A replay's trace.
printf ' S 0400000,8\n L 0400000,8\n S 0800000,4\n' >"$d/r.trace"
"$MMSIM" replay --trace "$d/rt" "$d/r.trace" >/dev/null || fail "replay --trace"
grep -Eq 'replay-[0-9]+ +\[000\] [0-9.]+: page_fault_user: address=0x400000 ip=0x0 error_code=0x6$' \
	"$d/rt" || fail "replay trace: $(head -3 "$d/rt")"

# Files on disks: the page cache is written back through bcache's journal and btree.
cat >"$d/disk.mms" <<'MMS'
file g 16p
m = mmap 16p rw shared file=g
write m 16p 0x44
fsync g
MMS
"$MMSIM" run --disk "$d/disk" --trace "$d/dt" "$d/disk.mms" >/dev/null || fail "run --disk --trace"
grep -Eq ': writeback_dirty_folio: bdi 254:0: ino=[0-9]+ index=0$' "$d/dt" || fail "no writeback_dirty_folio"
grep -Eq ': bcache_journal_write: 254,0  [0-9]+ keys [0-9]+$' "$d/dt" || fail "no bcache_journal_write"
grep -Eq ': mm_filemap_add_to_page_cache: dev 254:0 ino [0-9a-f]+ pfn=' "$d/dt" || fail "no disk file page"
bad=$(grep -Evc "$line_re" "$d/dt" || true)
[ "$bad" = 0 ] || fail "$bad malformed lines in the disk trace"

# A trace that cannot be written fails the run; no trace without --trace.
if [ -w /dev/full ]; then
	if "$MMSIM" run --trace /dev/full "$d/s.mms" >/dev/null 2>"$d/err"; then
		fail "a trace to /dev/full succeeded"
	fi
	grep -q "writing /dev/full failed" "$d/err" || fail "message: $(cat "$d/err")"
fi
if "$MMSIM" run --trace "$d/no/such/dir/t" "$d/s.mms" >/dev/null 2>"$d/err"; then
	fail "a trace in a missing directory succeeded"
fi
echo "trace: ok"
