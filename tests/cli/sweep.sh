#!/usr/bin/env bash
# sweep.sh MMSIM - `mmsim sweep` through GNU parallel on the local cores
# (docs/sweep.md):
#  - expand: flush modes x node counts x two traces make 8 command lines,
#    the first parameter varying slowest, values shell-quoted;
#  - the lines run by `parallel -k` and by plain sh give the same JSON
#    lines, which merge into one CSV: a header of every key, one row per
#    run, each row's options and machine those of its combination, and
#    the counters the replay's own; merging the lines in parts gives the same;
#  - bad input: a malformed spec, an unknown parameter, a missing file, a
#    line that is not JSON - a message and a non-zero exit, no crash.
# Exits 77 (skipped) when GNU parallel is missing: scripts/setup.sh installs it.
set -euo pipefail
MMSIM=$(realpath "$1")
command -v parallel >/dev/null || { echo "sweep: SKIP: GNU parallel is not installed (scripts/setup.sh installs it)"; exit 77; }
command -v python3 >/dev/null || { echo "sweep: SKIP: python3 is not installed"; exit 77; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$d"

# Two small traces: stores to 64 pages, and stores and loads over 48
# pages 128 KiB apart (3 regions of 2 MiB); NUMA scans make both flush.
for i in $(seq 0 63); do printf ' S %x,8\n' $((0x10000000 + i * 4096)); done >a.trace
for i in $(seq 0 47); do printf ' S %x,8\n L %x,8\n' $((0x20000000 + i * 0x20000)) $((0x20000000 + i * 0x20000)); done >b_c.trace
cat >spec <<'S'
# flush modes x machines x traces
param flush gather per_vma
param nodes 2 4   # node counts
param trace a.trace b_c.trace
command {mmsim} replay --json --numa-scan 16 --move-at 20 --flush {flush} --nodes {nodes} --cpus {nodes} {trace} # run {run}
S
"$MMSIM" sweep expand spec >cmds || fail "expand"
[ "$(wc -l <cmds)" = 8 ] || { cat cmds; fail "expand: $(wc -l <cmds) lines, want 8"; }
sed -n 1p cmds | grep -q -- "--flush gather --nodes 2 --cpus 2 a.trace # run 1$" || { cat cmds; fail "expand: first line"; }
sed -n 8p cmds | grep -q -- "--flush per_vma --nodes 4 --cpus 4 b_c.trace # run 8$" || { cat cmds; fail "expand: last line"; }
grep -q "^$MMSIM replay" cmds || { cat cmds; fail "expand: {mmsim}"; }

parallel -j2 -k <cmds >par.jsonl || fail "parallel"
sh cmds >seq.jsonl || fail "sh"
cmp -s par.jsonl seq.jsonl || fail "parallel and sh runs differ"
[ "$(wc -l <par.jsonl)" = 8 ] || fail "parallel: not 8 JSON lines"
"$MMSIM" sweep merge par.jsonl >table.csv || fail "merge"
# Several files merge as one (a Slurm array's outputs).
split -l 3 par.jsonl part.
"$MMSIM" sweep merge part.* >table2.csv || fail "merge of parts"
cmp -s table.csv table2.csv || fail "merging parts differs"
python3 - table.csv <<'PY' || { cat table.csv; fail "merged CSV"; }
import csv, itertools, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 8, len(rows)
for col in ("trace", "options.numa_scan", "machine.nodes", "machine.flush", "replay.accesses",
            "replay.nodes.0.pages", "counters.tlb_flushes", "counters.faults"):
    assert col in rows[0], col
combos = list(itertools.product(["gather", "per_vma"], ["2", "4"], ["a.trace", "b_c.trace"]))
for r, (flush, nodes, trace) in zip(rows, combos):
    assert (r["machine.flush"], r["machine.nodes"], r["machine.cpus"], r["trace"]) == (flush, nodes, nodes, trace), r
    assert r["options.numa_scan"] == "16" and r["options.policy"] == "", r
    assert r["replay.accesses"] == ("64" if trace == "a.trace" else "96"), r
    assert ("replay.nodes.3.pages" in r and r["replay.nodes.3.pages"] != "") == (nodes == "4"), r
PY

# Bad input: a clear message, a non-zero exit.
bad() { # name want-rc message-regex command...
	local name=$1 want=$2 re=$3 rc=0
	shift 3
	"$@" >out 2>err || rc=$?
	[ "$rc" = "$want" ] || { cat err; fail "$name: exit $rc, want $want"; }
	grep -Eq "$re" err || { cat err; fail "$name: message"; }
}
printf 'param x 1 2\ncommand echo {y}\n' >s1
bad "unknown parameter" 2 "^s1:2: unknown parameter \{y\}" "$MMSIM" sweep expand s1
printf 'param x 1 2\nparam z 3\ncommand echo {x}\n' >s2
bad "unused parameter" 2 "^s2:2: parameter z is not used" "$MMSIM" sweep expand s2
printf 'param x\ncommand echo {x}\n' >s3
bad "no values" 2 "^s3:1: parameter x has no values" "$MMSIM" sweep expand s3
printf 'param x 1\nparam x 2\ncommand echo {x}\n' >s4
bad "defined twice" 2 "^s4:2: parameter x defined twice" "$MMSIM" sweep expand s4
printf 'values x 1\ncommand echo {x}\n' >s5
bad "unknown directive" 2 "^s5:1: unknown directive 'values'" "$MMSIM" sweep expand s5
printf 'param x 1\n' >s6
bad "no command" 2 "^s6: no command line" "$MMSIM" sweep expand s6
printf 'param x 1\ncommand echo {x\n' >s7
bad "open brace" 2 "^s7:2: '\{' without '\}'" "$MMSIM" sweep expand s7
bad "missing spec" 1 "nothere" "$MMSIM" sweep expand nothere
bad "missing file" 1 "nothere.jsonl" "$MMSIM" sweep merge par.jsonl nothere.jsonl
printf '{"a": 1}\n{"a": [1, 2}\n' >j1
bad "malformed JSON" 1 "j1:2: " "$MMSIM" sweep merge j1
printf '[1, 2]\n' >j2
bad "not an object" 1 "j2:1: not a JSON object" "$MMSIM" sweep merge j2
printf '{"a": "x"} tail\n' >j3
bad "trailing text" 1 "j3:1: more after the object" "$MMSIM" sweep merge j3
bad "no subcommand" 2 "usage: mmsim sweep" "$MMSIM" sweep
bad "unknown subcommand" 2 "unknown subcommand 'run'" "$MMSIM" sweep run spec

# Strings come out decoded, CSV-quoted where needed; arrays as their JSON text.
printf '{"s": "a,\\"b\\"\\tc\\u00e9", "n": {"x": null, "t": true}, "v": [1, "E", null]}\n{"w": 2}\n' >j4
"$MMSIM" sweep merge j4 >t4 || fail "merge j4"
python3 - t4 <<'PY' || { cat t4; fail "merge: cells"; }
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
assert rows[0] == ["s", "n.x", "n.t", "v", "w"], rows[0]
assert rows[1] == ['a,"b"\tc\u00e9', "", "true", '[1, "E", null]', ""], rows[1]
assert rows[2] == ["", "", "", "", "2"], rows[2]
PY
echo "sweep: ok"
