#!/usr/bin/env bash
# replay.sh MMSIM - `mmsim replay` on lackey traces made here:
#  - a small trace: the record counts, the pages and where they are, and
#    the same output twice (the replay is deterministic), text and --json;
#  - a program that moves to the other node's CPU: without a policy its
#    pages stay on node 0; with --numa-scan they follow it to node 1, and
#    the counters say the NUMA hinting faults moved exactly those pages;
#  - standard input, --limit, --instr;
#  - `mmsim report`: the HTML page of plots, its header, its errors (a
#    failed write leaves what was there, and removes nothing it did not make);
#  - bad input of every kind exits 1 with the line number (a malformed
#    record, garbage bytes, an address below mmap_min_addr or past user
#    space, a machine out of memory), bad options exit 2; nothing crashes.
set -euo pipefail
MMSIM=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
val() { sed -n "s/^$2 = \([0-9]*\).*/\1/p" "$1"; }
want() { # file name value
	local v
	v=$(val "$1" "$2")
	[ "$v" = "$3" ] || { cat "$1"; fail "$1: $2 = '$v', want $3"; }
}

# A lackey trace as valgrind writes it: its own lines, then the records.
{
	echo "==4242== Lackey, an example Valgrind tool"
	echo "==4242== Command: ./a.out"
	echo "I  04000b20,3"
	echo " L 04022e80,8"
	echo " S 1ffefffe48,8"
	echo " M 0421a118,4"
	echo " S 1ffefffe40,16"
	echo "I  04000b23,5"
	echo " L 04021ff8,16"
	echo "==4242== "
} >"$d/small.trace"
"$MMSIM" replay "$d/small.trace" >"$d/a" || { cat "$d/a"; fail "replay small"; }
"$MMSIM" replay "$d/small.trace" >"$d/b"
cmp -s "$d/a" "$d/b" || fail "two replays of one trace differ"
want "$d/a" replay.lines 10
want "$d/a" replay.instr 2
want "$d/a" replay.instr_not_replayed 2
want "$d/a" replay.loads 2
want "$d/a" replay.stores 2
want "$d/a" replay.modifies 1
want "$d/a" replay.accesses 5
want "$d/a" replay.regions_2m 3
want "$d/a" replay.pages 2           # the loads alone map the zero page
want "$d/a" replay.pages_node0 2
# A store to a page a load mapped to the zero page gets a zeroed page: a
# demand-zero fault like the first store's, not a copy.
want "$d/a" counters.faults_anon 2
want "$d/a" counters.faults_cow 0
"$MMSIM" replay --json "$d/small.trace" >"$d/json"
# One object on one line: the options and machine used, the figures nested.
[ "$(wc -l <"$d/json")" = 1 ] || { cat "$d/json"; fail "json: not one line"; }
python3 - "$d/json" "$d/small.trace" <<'PY' || { cat "$d/json"; fail "json"; }
import json, sys
j = json.load(open(sys.argv[1]))
assert list(j) == ["trace", "options", "machine", "replay", "counters"], list(j)
assert j["trace"] == sys.argv[2]
assert j["options"]["cpu"] == 0 and j["options"]["policy"] is None and j["options"]["instr"] is False
assert j["machine"] == {"nodes": 2, "cpus": 2, "mem_per_node": 256 << 20, "thp": "never",
                        "flush": "gather", "lru": "mglru", "cache": "2048x16"}, j["machine"]
assert j["replay"]["accesses"] == 5 and j["replay"]["nodes"] == {"0": {"pages": 2}, "1": {"pages": 0}}
assert j["counters"]["faults_anon"] == 2
PY
"$MMSIM" replay --json --nodes 4 --cpus 4 --flush per_vma --policy interleave:1,3 "$d/small.trace" >"$d/json"
python3 - "$d/json" <<'PY' || { cat "$d/json"; fail "json options"; }
import json, sys
j = json.load(open(sys.argv[1]))
assert j["machine"]["nodes"] == 4 and j["machine"]["flush"] == "per_vma", j["machine"]
assert j["options"]["policy"] == "interleave:1,3" and sorted(j["replay"]["nodes"]) == ["0", "1", "2", "3"]
PY
"$MMSIM" replay - <"$d/small.trace" >"$d/stdin"
cmp -s "$d/a" "$d/stdin" || fail "standard input differs from the file"
"$MMSIM" replay --limit 3 "$d/small.trace" >"$d/limit"
want "$d/limit" replay.accesses 3
"$MMSIM" replay --instr "$d/small.trace" >"$d/instr"
want "$d/instr" replay.accesses 7
want "$d/instr" replay.instr_not_replayed 0

# The first 3000 lines of a real trace (valgrind 3.19's lackey on /bin/ls):
# every record parses, and the counts add up.
real="$(dirname "$0")/data/lackey-ls.trace"
"$MMSIM" replay "$real" >"$d/real" || { cat "$d/real"; fail "a real lackey trace"; }
want "$d/real" replay.lines 3000
n=$(( $(val "$d/real" replay.instr) + $(val "$d/real" replay.loads) +
      $(val "$d/real" replay.stores) + $(val "$d/real" replay.modifies) ))
want "$d/real" replay.accesses $(( n - $(val "$d/real" replay.instr) ))
[ "$n" = "$(grep -vc '^==' "$real")" ] || fail "real trace: $n records counted"

# The top 2 MiB of user space ends at TASK_SIZE, not at a 2 MiB boundary:
# its last page is user space like any other.
printf ' S 7fffffffe000,8\n S 7fffffffeff8,8\n L 7fffffe00000,8\n' | "$MMSIM" replay - >"$d/top" ||
	{ cat "$d/top"; fail "the top 2 MiB below TASK_SIZE"; }
want "$d/top" replay.regions_2m 1
want "$d/top" replay.pages 1        # and the zero page

# 64 pages written on CPU 0, then read four times from CPU 1 (node 1).
{
	for i in $(seq 0 63); do printf ' S %x,8\n' $((0x10000000 + i * 4096)); done
	for r in 1 2 3 4; do
		for i in $(seq 0 63); do printf ' L %x,8\n' $((0x10000000 + i * 4096 + 8)); done
	done
} >"$d/move.trace"
"$MMSIM" replay --move-at 64 "$d/move.trace" >"$d/stay"
want "$d/stay" replay.pages_node0 64
want "$d/stay" replay.pages_node1 0
want "$d/stay" counters.numa_pages_migrated 0
"$MMSIM" replay --move-at 64 --numa-scan 64 "$d/move.trace" >"$d/follow"
moved=$(val "$d/follow" replay.pages_node1)
[ "$moved" -gt 32 ] || { cat "$d/follow"; fail "NUMA balancing moved only $moved pages"; }
want "$d/follow" counters.numa_pages_migrated "$moved"
want "$d/follow" replay.pages 64
# --policy: the process's memory policy places its pages.
"$MMSIM" replay --policy interleave:0-1 "$d/move.trace" >"$d/il"
want "$d/il" replay.pages_node0 32
want "$d/il" replay.pages_node1 32
"$MMSIM" replay --policy bind:1 "$d/move.trace" >"$d/bind"
want "$d/bind" replay.pages_node1 64
"$MMSIM" replay --policy preferred:1 --move-at 64 --numa-scan 64 "$d/move.trace" >"$d/pref"
want "$d/pref" replay.pages_node1 64
want "$d/pref" counters.numa_pages_migrated 0   # bind and preferred: not moved by balancing
for p in bind interleave:4 local:0 nothing:1 bind:1-0 bind:; do
	rc=0
	"$MMSIM" replay --policy "$p" "$d/move.trace" >/dev/null 2>"$d/err" || rc=$?
	[ "$rc" = 2 ] || fail "--policy $p: exit $rc, want 2"
done

# mmsim report: one HTML page, six inline SVG plots, the trace's name escaped
# (cli.report_browser looks at the page in a browser).
cp "$d/move.trace" "$d/a&b.trace"
"$MMSIM" report -o "$d/r.html" --sample 32 --move-at 64 --numa-scan 64 "$d/a&b.trace" \
	>"$d/rout" || { cat "$d/rout"; fail "report"; }
grep -q "report: $d/r.html (11 samples)" "$d/rout" || { cat "$d/rout"; fail "report: output"; }
[ "$(grep -c '<svg ' "$d/r.html")" = 6 ] || fail "report: 6 plots"
[ "$(grep -c '</svg>' "$d/r.html")" = 6 ] || fail "report: 6 plots closed"
grep -q 'a&amp;b.trace</code>: 320 accesses replayed, sampled every 32' "$d/r.html" ||
	fail "report: header"
grep -q '>node 1 (60)<' "$d/r.html" || fail "report: node 1 ends with 60 pages"
grep -q 'Journal activity' "$d/r.html" || fail "report: journal section"
# The move and the four scans marked on each plot (and in its legend); the
# events as CSV.
[ "$(grep -c '^<line class="move" ' "$d/r.html")" = $((6 * 2)) ] || fail "report: the move marked"
[ "$(grep -c '^<line class="scan" ' "$d/r.html")" = $((6 * 5)) ] || fail "report: the scans marked"
grep -q 'accesses,event,from_cpu,to_cpu%0A64,move,0,1%0A64,numa_scan,,%0A128,numa_scan' "$d/r.html" ||
	fail "report: the events' CSV"
# A long run: at most 1000 samples plotted, so the page stays small.
awk 'BEGIN { for (i = 0; i < 30000; i++) printf " S %x,8\n", 268435456 + (i % 2048) * 4096 }' \
	>"$d/long.trace"
"$MMSIM" report -o "$d/long.html" --sample 1 --numa-scan 100 "$d/long.trace" >"$d/rout" ||
	fail "report of a long run"
grep -q '(30001 samples)' "$d/rout" || { cat "$d/rout"; fail "report: long run's samples"; }
grep -q 'Plotted: every 31st sample and the last (969 points)' "$d/long.html" ||
	fail "report: the long run's plotted points"
[ "$(stat -c %s "$d/long.html")" -lt 800000 ] || fail "report: $(stat -c %s "$d/long.html") bytes"
grep -q '>299 NUMA scans, unmarked<' "$d/long.html" || fail "report: 299 scans not marked one by one"
grep -q 'the events (CSV)</a>: 299\.' "$d/long.html" || fail "report: 299 scans in the events' CSV"
# report --compare: run A (the command's options) and one run per --compare
# on the same charts; the figures in the table are each run's own.
"$MMSIM" report -o "$d/cmp.html" --sample 32 --move-at 64 --compare '--policy interleave:0-1' \
	--compare '--numa-scan 64' "$d/move.trace" >"$d/rout" || { cat "$d/rout"; fail "report --compare"; }
grep -q "report: $d/cmp.html (3 runs compared, 11 samples each)" "$d/rout" ||
	{ cat "$d/rout"; fail "report --compare: output"; }
for id in runs time remote migrated hinting tlb ipis node0 node1; do
	grep -q "<h2 id=\"$id\">" "$d/cmp.html" || fail "report --compare: no $id section"
done
grep -q '<tr><th>A</th><td><code>--move-at 64 </code>' "$d/cmp.html" || fail "compare: run A's options"
grep -q '<tr><th>B</th><td><code>A + --policy interleave:0-1</code>' "$d/cmp.html" ||
	fail "compare: run B's options"
# The table's last column: where each run's pages ended up.
grep -q '<tr><th>A</th>.*node 0: 64, node 1: 0</td></tr>' "$d/cmp.html" || fail "compare: A's pages"
grep -q '<tr><th>B</th>.*node 0: 32, node 1: 32</td></tr>' "$d/cmp.html" || fail "compare: B's pages"
grep -q '<tr><th>C</th>.*node 0: [0-9]*, node 1: [1-9][0-9]*</td></tr>' "$d/cmp.html" ||
	fail "compare: C's pages follow the move"
"$MMSIM" replay --move-at 64 --numa-scan 64 "$d/move.trace" >"$d/c"
grep -q "<tr><th>C</th>.*<td>$(sed -n 's/^counters.pgmigrate_success = //p' "$d/c")</td><td>$(sed -n 's/^counters.numa_hint_faults = //p' "$d/c")</td>" "$d/cmp.html" ||
	fail "compare: C's migrations and hinting faults are replay's"
for bad in '--no-such' '--policy' 'stray' '--json' '--series x.csv'; do
	rc=0; "$MMSIM" report -o "$d/x.html" --compare "$bad" "$d/move.trace" 2>"$d/err" >/dev/null || rc=$?
	[ "$rc" = 2 ] && [ ! -e "$d/x.html" ] || fail "--compare '$bad': exit $rc"
done
rc=0; "$MMSIM" report -o "$d/x.html" --compare --balancing - <"$d/move.trace" 2>"$d/err" || rc=$?
[ "$rc" = 2 ] && grep -q 'not standard input' "$d/err" || fail "--compare of stdin: exit $rc"

# --tiering: the CPU-less nodes are a lower tier; the figures say so.
rc=0; "$MMSIM" replay --tiering "$d/move.trace" 2>"$d/err" >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q 'nodes without a CPU' "$d/err" || fail "--tiering on 2 nodes, 2 CPUs: exit $rc"
"$MMSIM" replay --nodes 3 --cpus 2 --tiering --json "$d/move.trace" >"$d/t.json"
grep -q '"tiering": true' "$d/t.json" && grep -q '"pgdemote": 0' "$d/t.json" &&
	grep -q '"pgpromote_success": 0' "$d/t.json" || fail "--tiering --json"
"$MMSIM" report -o "$d/t.html" --nodes 3 --cpus 2 --tiering --sample 32 "$d/move.trace" >/dev/null
grep -q '<h2 id="tiers">Resident pages per memory tier' "$d/t.html" || fail "report --tiering: tiers"
grep -q 'nodes 2 (no CPU) are a lower tier' "$d/t.html" || fail "report --tiering: the run's table"
# --cache: off, or a shape the machine check accepts.
"$MMSIM" replay --cache off --json "$d/move.trace" >"$d/c.json"
grep -q '"cache": "off"' "$d/c.json" && grep -q '"cache_misses": 0,' "$d/c.json" || fail "--cache off"
"$MMSIM" replay --cache 64x4 "$d/move.trace" >"$d/c64"
grep -q '^counters.cache_misses = [1-9]' "$d/c64" || fail "--cache 64x4: no miss"
for bad in 3x4 64x0 64x65 64 x4 on; do
	rc=0; "$MMSIM" replay --cache "$bad" "$d/move.trace" >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "--cache $bad: exit $rc"
done
# NUMA balancing's tunables: checked as the machine's.
rc=0; "$MMSIM" replay --balancing --scan-period 0 "$d/move.trace" 2>/dev/null >&2 || rc=$?
[ "$rc" = 2 ] || fail "--scan-period 0: exit $rc"
"$MMSIM" replay --balancing --scan-delay 0 --scan-period 1 --scan-size 1 "$d/move.trace" >/dev/null ||
	fail "--balancing with its tunables"

rc=0; "$MMSIM" report --sample 0 "$d/move.trace" 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "report --sample 0: exit $rc"
rc=0; printf ' Q 1,1\n' | "$MMSIM" report -o "$d/bad.html" - 2>/dev/null || rc=$?
[ "$rc" = 1 ] && [ ! -e "$d/bad.html" ] || fail "report of a bad trace: exit $rc, or a page left"
rc=0; "$MMSIM" report -o "$d/no/such/dir.html" "$d/move.trace" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || fail "report to an unwritable path: exit $rc"
# A failed write removes nothing it did not create: not a device behind a
# symlink (as root, `-o /dev/full` once deleted /dev/full), not the page an
# earlier run left (the new one is written beside it, then renamed).
ln -s /dev/full "$d/full.html"
rc=0; "$MMSIM" report -o "$d/full.html" "$d/move.trace" 2>"$d/err" || rc=$?
[ "$rc" = 1 ] && grep -q "No space left" "$d/err" || { cat "$d/err"; fail "report to /dev/full: exit $rc"; }
[ -L "$d/full.html" ] || fail "report to /dev/full: the symlink was removed"
echo "an earlier page" >"$d/old.html"
rc=0; (ulimit -f 1; trap '' XFSZ; exec "$MMSIM" report -o "$d/old.html" "$d/move.trace") \
	2>"$d/err" || rc=$?
[ "$rc" = 1 ] && grep -q "File too large" "$d/err" || { cat "$d/err"; fail "report past ulimit -f: exit $rc"; }
[ "$(cat "$d/old.html")" = "an earlier page" ] || fail "report past ulimit -f: the old page is gone"
[ -z "$(find "$d" -name '.old.html.*')" ] || fail "report past ulimit -f: a temporary file left"
"$MMSIM" report -o "$d/old.html" "$d/move.trace" >/dev/null && grep -q '<svg ' "$d/old.html" ||
	fail "report over an earlier page"

# Bad input: exit 1, the line, no crash.
bad() { # name expected-message; the trace on stdin
	local rc=0
	"$MMSIM" replay - >"$d/out" 2>"$d/err" || rc=$?
	[ "$rc" = 1 ] || { cat "$d/err"; fail "$1: exit $rc, want 1"; }
	grep -q -- "$2" "$d/err" || { cat "$d/err"; fail "$1: message"; }
}
printf ' L 10000000,8\n L 10000000 8\n' | bad "malformed record" "line 2: not a lackey record"
printf ' L 10000000,0\n' | bad "size 0" "line 1: not a lackey record"
printf ' X 10000000,8\n' | bad "unknown kind" "line 1: not a lackey record"
printf ' L 10000000,8\n L 1ffffffffffffffff,8\n' | bad "address too long" "line 2:"
printf ' L 1000,8\n' | bad "page zero" "below mmap_min_addr"
printf ' S 7ffffffff000,8\n' | bad "past user space" "outside user space"
printf ' L ffffffffffffff00,8\n' | bad "near 2^64" "line 1: address 0xffffffffffffff00 is outside user space"
printf ' S 7fffffffeffc,8\n' | bad "across TASK_SIZE" "address 0x7ffffffff000 is outside user space"
head -c 1000000 /dev/zero | tr '\0' L >"$d/long.trace"
bad "a line of 1 MB" "line 1: longer than 65536 bytes" <"$d/long.trace"
{ printf 'Z'; head -c 4096 /dev/urandom; } | bad "garbage" "line 1:"
for i in $(seq 0 3000); do printf ' S %x,8\n' $((0x10000000 + i * 4096)); done |
	"$MMSIM" replay --nodes 1 --cpus 1 --mem 8m - >"$d/out" 2>"$d/err" && fail "out of memory: exit 0"
grep -q "killed by the OOM killer at .* see --mem" "$d/err" || { cat "$d/err"; fail "out of memory: message"; }
"$MMSIM" replay "$d/no-such-file" 2>"$d/err" && fail "missing file: exit 0"

usage() { # args...; want exit 2
	local rc=0
	"$MMSIM" replay "$@" >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "replay $*: exit $rc, want 2"
}
usage
usage --cpu 2 "$d/small.trace"
usage --numa-scan 0 "$d/small.trace"
usage --mem 3m "$d/small.trace"
usage --flush sometimes "$d/small.trace"
usage --no-such-option "$d/small.trace"
usage "$d/small.trace" "$d/small.trace"
# The message names the option, whatever else is on the command line or
# in the environment, and whichever way the value was given.
for args in "--limit 0" "--limit=0"; do
	rc=0
	env -i SECRET=x "$MMSIM" replay "$d/small.trace" $args 2>"$d/err" || rc=$?
	[ "$rc" = 2 ] && [ "$(cat "$d/err")" = "mmsim replay: bad value '0' for --limit" ] ||
		{ cat "$d/err"; fail "replay $args: exit $rc, or the message"; }
done
"$MMSIM" replay --help | grep -q "lackey" || fail "--help"

# --series: the run as CSV, every --sample accesses and at the end (the
# move trace: 320 accesses, sampled every 64 from 0: 6 rows), the last
# row's resident pages what the replay printed; report writes the same.
"$MMSIM" replay --move-at 64 --numa-scan 64 --sample 64 --series "$d/s.csv" "$d/move.trace" \
	>"$d/sout" || { cat "$d/sout"; fail "replay --series"; }
head -n 1 "$d/s.csv" | grep -q '^accesses,node0_pages,node1_pages,loads,stores,' ||
	fail "--series: header '$(head -n 1 "$d/s.csv")'"
[ "$(wc -l <"$d/s.csv")" = 7 ] || { cat "$d/s.csv"; fail "--series: want a header and 6 rows"; }
cut -d, -f1 "$d/s.csv" | tail -n +2 | tr '\n' ' ' | grep -q '^0 64 128 192 256 320 $' ||
	{ cat "$d/s.csv"; fail "--series: accesses column"; }
last=$(tail -n 1 "$d/s.csv")
[ "$(echo "$last" | cut -d, -f2)" = "$(val "$d/sout" replay.pages_node0)" ] &&
	[ "$(echo "$last" | cut -d, -f3)" = "$(val "$d/sout" replay.pages_node1)" ] ||
	{ cat "$d/sout"; echo "$last"; fail "--series: last row's pages differ from the replay's"; }
"$MMSIM" report -o "$d/s.html" --sample 64 --move-at 64 --numa-scan 64 --series "$d/r.csv" \
	"$d/move.trace" >/dev/null || fail "report --series"
cmp -s "$d/s.csv" "$d/r.csv" || fail "report's --series differs from replay's"
rc=0
"$MMSIM" replay --sample 0 --series "$d/x.csv" "$d/move.trace" >/dev/null 2>"$d/err" || rc=$?
[ "$rc" = 2 ] || fail "--sample 0: exit $rc, want 2"
rc=0
"$MMSIM" replay --series "$d/no/such/dir.csv" "$d/move.trace" >/dev/null 2>"$d/err" || rc=$?
[ "$rc" = 1 ] && grep -q "no/such/dir.csv" "$d/err" || { cat "$d/err"; fail "--series to nowhere: exit $rc"; }
echo "replay: ok"
