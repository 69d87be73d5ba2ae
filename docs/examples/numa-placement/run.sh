#!/bin/sh
# run.sh - the worked example of docs/numa-example.md, in one command:
#   docs/examples/numa-placement/run.sh [OUTDIR]
# Builds workload.c, records its memory accesses with Valgrind's lackey
# tool, and replays them on a simulated two-node machine under first touch
# (the default), interleave, and automatic NUMA balancing (its scanner
# started at once and every simulated millisecond: the replay lasts a
# fifth of a simulated second, Linux's one-second defaults would not
# start it).  The program starts on CPU 0 (node 0) and moves to CPU 1
# (node 1) halfway through.  About two minutes, most of it Valgrind.
# Writes OUTDIR/numa-compare.html (default: a new directory in /tmp) and
# prints each run's figures.  Needs gcc, valgrind and mmsim (on PATH, or
# MMSIM=path/to/mmsim).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/mmsim-numa-example.XXXXXX")}
mmsim=${MMSIM:-mmsim}
mkdir -p "$out"
cc -O1 -o "$out/workload" "$here/workload.c"
# Lackey writes a line per instruction too: only the data accesses are kept.
valgrind --tool=lackey --trace-mem=yes --log-file="$out/lackey.log" "$out/workload" >/dev/null
grep -v '^I' "$out/lackey.log" > "$out/workload.trace"
accesses=$(grep -c '^ [LSM] ' "$out/workload.trace")
half=$((accesses / 2))
echo "trace: $accesses data accesses; the program moves to CPU 1 after $half"
"$mmsim" report --cpu 0 --move-at "$half" --move-to 1 --sample 20000 \
	--compare '--policy interleave:0-1' \
	--compare '--balancing --scan-delay 0 --scan-period 1' \
	-o "$out/numa-compare.html" "$out/workload.trace"
for opts in "" "--policy interleave:0-1" "--balancing --scan-delay 0 --scan-period 1"; do
	echo "== ${opts:-first touch}"
	# shellcheck disable=SC2086
	"$mmsim" replay --cpu 0 --move-at "$half" --move-to 1 $opts "$out/workload.trace" |
		grep -E '^(replay.pages_node|counters.(cycles|mem_local|mem_remote|pgmigrate_success|numa_hint_faults|tlb_flushes|ipis_sent) )'
done
echo "report: $out/numa-compare.html"
