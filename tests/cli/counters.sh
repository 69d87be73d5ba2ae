#!/usr/bin/env bash
# counters.sh MMSIM SCENARIOS_DIR - the machine counters keep the relations
# their definitions promise (docs/counters.md), over every scenario in the
# tree: each run with a `stats` line appended, every relation checked.
set -euo pipefail
MMSIM=$1
DIR=$2
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
n=0
while IFS= read -r f; do
	{ cat "$f"; echo; echo "stats"; } >"$d/s.mms"
	line=$("$MMSIM" run "$d/s.mms" 2>/dev/null | grep ': stats = ' | tail -n1) ||
		fail "$f: no stats line"
	[ -n "$line" ] || fail "$f: no stats line"
	# A machine line with cache=off has no cache counter to move.
	nocache=0
	grep -q '^machine.*cache=off' "$f" && nocache=1
	# Each node's figures aside; each CPU's cache counters summed (C<cpu>.name).
	echo "${line#*stats = }" | tr ' ' '\n' | grep -v '^N[0-9]' |
		awk -F= -v f="$f" -v nocache=$nocache '
		/^C[0-9]+\./ { sub(/^C[0-9]+\./, "", $1); cpu[$1] += $2; next }
		{ v[$1] = $2 }
		function need(cond, what) { if (!cond) { print "FAIL: " f ": " what; bad = 1 } }
		END {
			need(v["tlb_flushes"] >= v["tlb_flush_full"], "tlb_flushes >= tlb_flush_full")
			need(v["faults"] >= v["faults_anon"] + v["faults_zero"] + v["faults_cow"] + v["faults_reuse"],
			     "faults >= faults_anon + faults_zero + faults_cow + faults_reuse")
			need(v["pages_copied"] >= v["faults_cow"], "pages_copied >= faults_cow")
			need(v["pages_zeroed"] >= v["faults_anon"], "pages_zeroed >= faults_anon")
			need(v["pt_alloc"] >= v["pt_free"], "pt_alloc >= pt_free")
			need(v["ipis_sent"] == v["ipis_received"], "ipis_sent == ipis_received")
			need(v["numa_hint_faults"] >= v["numa_hint_faults_local"],
			     "numa_hint_faults >= numa_hint_faults_local")
			need(v["faults"] > 0 || v["loads"] + v["stores"] == 0, "accesses without a fault")
			need(v["cache_misses"] == v["mem_local"] + v["mem_remote"],
			     "cache_misses == mem_local + mem_remote")
			need(v["cache_hits"] + v["cache_misses"] <= v["loads"] + v["stores"],
			     "cache_hits + cache_misses <= loads + stores (a line per byte at most)")
			need(nocache || v["loads"] + v["stores"] == 0 || v["cache_hits"] + v["cache_misses"] > 0,
			     "accesses without a cache line")
			need(v["mem_local_cycles"] + v["mem_remote_cycles"] <= v["cycles"],
			     "mem_local_cycles + mem_remote_cycles <= cycles")
			need((v["mem_local"] == 0) == (v["mem_local_cycles"] == 0) &&
			     (v["mem_remote"] == 0) == (v["mem_remote_cycles"] == 0),
			     "memory cycles move with the misses they are for")
			split("cache_hits cache_misses mem_local mem_remote mem_local_cycles mem_remote_cycles", per, " ")
			for (i in per)
				need(cpu[per[i]] + 0 == v[per[i]] + 0, "the CPUs'"'"' " per[i] " add up to the machine'"'"'s")
			exit bad
		}' || exit 1
	n=$((n + 1))
done < <(find "$DIR" -name '*.mms' | sort)
[ "$n" -gt 100 ] || fail "only $n scenarios found in $DIR"
echo "counters: ok ($n scenarios)"
