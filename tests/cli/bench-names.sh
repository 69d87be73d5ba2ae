#!/usr/bin/env bash
# bench-names.sh MMSIM - `mmsim bench` prints every metric docs/bench.md
# names, with a number, in text and in --json, when all benchmarks run in
# one call (tiny sizes: this checks names and plumbing, never speed); an
# unknown benchmark name is a usage error before anything runs.
set -euo pipefail
MMSIM=$1
d=$(mktemp -d)
sc=$(mktemp -d)
trap 'rm -rf "$d" "$sc"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

names="boot.ms_small boot.ms_huge boot.rss_mib_huge boot.scenarios_per_s
fault.sim_per_s fault.host_per_s fault.ratio
access.hit_per_s access.miss_per_s access.host_per_s access.host_miss_per_s
access.hit_ratio access.miss_ratio
migrate.gbps_4k migrate.gbps_2m migrate.memcpy_gbps migrate.ratio_4k
migrate.ipis_per_batch migrate.flushes_per_batch
mprotect.ns_per_page mprotect.host_ns_per_page mprotect.ratio mprotect.flushes_per_call
mprotect.flushes_per_call_per_vma mprotect.ipis_per_call
replay.accesses_per_s replay.accesses_per_s_balancing replay.host_accesses_per_s
replay.ratio replay.ratio_balancing replay.parse_ms
journal.per_s_1 journal.per_s_4 journal.per_s_16
recovery.nbuckets recovery.buckets_read recovery.keys_per_s"
# The RocksDB baseline exists when mmsim-bench-rocksdb was built beside mmsim.
if [ -x "$(dirname "$MMSIM")/mmsim-bench-rocksdb" ]; then
	names="$names journal.rocksdb_per_s_16 journal.ratio_16"
fi

# boot runs `mmsim run` over the scenario directories it knows: one small
# scenario in each here.
src=$(cd "$(dirname "$0")/../scenarios" && pwd)
small="foundation/fdn-fork-cow mprotect/mp-prot-cycle migrate/mig-mlock-partial
thp/thp-shared-kid-unmaps-first"
for s in $small; do
	mkdir -p "$sc/${s%/*}"
	cp "$src/$s.mms" "$sc/$s.mms"
done
args=(--pages 1024 --loads 100000 --seconds 0.1 --dir "$d" --scenarios "$sc")
"$MMSIM" bench "${args[@]}" all >"$d/text" || { cat "$d/text"; fail "bench all"; }
"$MMSIM" bench --json "${args[@]}" all >"$d/json" || { cat "$d/json"; fail "bench --json all"; }
num='-?[0-9.]+(e[-+]?[0-9]+)?'
for n in $names; do
	grep -Eq "^${n//./\\.} = ${num}( |\$)" "$d/text" || { cat "$d/text"; fail "text: $n"; }
	grep -Eq "\"${n//./\\.}\": \{\"value\": ${num}," "$d/json" || { cat "$d/json"; fail "json: $n"; }
done
[ -z "$(ls -A "$d" | grep -v '^text$\|^json$' || true)" ] || fail "bench left files in --dir"
# Every ratio says which way is better; no helper values among the metrics.
bad=$(grep -E '(ratio[^ ]*) = ' "$d/text" | grep -v '(higher is better)$' || true)
[ -z "$bad" ] || fail "ratios without a direction: $bad"
! grep -q 'sink' "$d/text" || fail "a helper value printed as a metric"

set +e
"$MMSIM" bench --seconds 0.1 --dir "$d" journal no-such-bench >"$d/out" 2>"$d/err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "unknown benchmark: exit $rc, want 2"
grep -q "unknown benchmark 'no-such-bench'" "$d/err" || fail "unknown benchmark: message"
[ ! -s "$d/out" ] || fail "unknown benchmark: something ran"
# A benchmark that fails (its image directory does not exist) does not
# hide what the others measured: printed, and exit 1.
set +e
"$MMSIM" bench --pages 1024 --dir "$d/absent" fault reclaim >"$d/out" 2>"$d/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "a failed benchmark: exit $rc, want 1"
grep -Eq "^fault\.sim_per_s = ${num}" "$d/out" || { cat "$d/out"; fail "fault's metrics lost"; }
grep -q "reclaim failed" "$d/err" || { cat "$d/err"; fail "no word of reclaim's failure"; }
# --quick alone runs every benchmark (sizes made tinier still after it).
"$MMSIM" bench --quick --pages 1024 --loads 100000 --seconds 0.1 --dir "$d" --scenarios "$sc" \
	>"$d/quick" ||
	{ cat "$d/quick"; fail "bench --quick"; }
for b in boot fault access migrate mprotect reclaim replay journal recovery; do
	grep -q "^$b\." "$d/quick" || fail "--quick did not run $b"
done
echo "bench-names: ok"
