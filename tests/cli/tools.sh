#!/usr/bin/env bash
# tools.sh MMSIM - the tools' shared helpers and option parsing (issue 16):
#  - JSON strings are escaped: a scenario whose name holds a quote, a
#    backslash and a tab gives valid JSON (`run --json`), and metric names
#    stay plain in `replay --json`;
#  - every command parses its options with getopt_long: `report
#    --output=FILE` and `-oFILE` work as `-o FILE` does;
#  - one size grammar (decimal or 0x hex, a suffix from the command's
#    set in either case): what each command accepts and refuses.
set -euo pipefail
MMSIM=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# refuse CMD...: a usage error (exit 2).
refuse() {
	local rc=0
	"$@" >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "$*: exit $rc, want 2"
}

# JSON: the scenario's name escaped, one object per result line.
name=$(printf 'q"b\\s\tt.mms')
printf 'a = mmap 1p rw\nwrite a 1p\n' >"$d/$name"
(cd "$d" && "$MMSIM" run --json "$name") >"$d/out.json"
grep -qF '{"scenario": "q\"b\\s\tt.mms", "line": 2, "verb": "write", "result": "ok", "ok": true}' "$d/out.json" ||
	{ cat "$d/out.json"; fail "json results, or the scenario name not escaped"; }
# Typed fields beside each result string: stats as numbers, status arrays as arrays
# (tests/cli/json.sh checks every scenario of tests/scenarios).
printf 'machine nodes=2 cpus=2\na = mmap 4p rw\nwrite a 2p\nmove_pages a*3 to=1\nnodes a*3\nstats\n' |
	"$MMSIM" run --json - >"$d/data.json"
if command -v python3 >/dev/null; then
	python3 - "$d/data.json" <<'PY' || { cat "$d/data.json"; fail "run --json data"; }
import json, sys
r = {x["verb"]: x for x in map(json.loads, open(sys.argv[1]))}
assert r["move_pages"]["status"] == [1, 1, "ENOENT"] and r["move_pages"]["ret"] == 0, r["move_pages"]
assert r["nodes"]["status"] == [1, 1, "ENOENT"], r["nodes"]
s = r["stats"]["stats"]
assert s["stores"] == 8192 and isinstance(s["faults"], int) and s["nodes"]["0"]["MemTotal"] == 262144, s
assert r["write"]["ok"] is True
PY
fi
if command -v python3 >/dev/null; then
	python3 -c 'import json, sys; assert all(json.loads(l)["scenario"] == sys.argv[2] for l in open(sys.argv[1]))' \
		"$d/out.json" "$name" || fail "run --json: not valid JSON"
fi

# report: -o FILE, -oFILE, --output FILE, --output=FILE.
printf ' S 10000000,8\n L 10000000,8\n' >"$d/t.trace"
for o in "-o $d/a.html" "-o$d/b.html" "--output $d/c.html" "--output=$d/e.html"; do
	# shellcheck disable=SC2086 # the words of o are arguments
	"$MMSIM" report $o --sample=1 "$d/t.trace" >/dev/null || fail "report $o"
done
for f in a b c e; do
	grep -q '<svg ' "$d/$f.html" || fail "report: no page in $f.html"
done
refuse "$MMSIM" report --output "$d/t.trace" # no trace left
refuse "$MMSIM" report --sample=x "$d/t.trace"

# Sizes and counts: the suffixes each command takes, in either case.
"$MMSIM" replay --mem 8M "$d/t.trace" >/dev/null || fail "replay --mem 8M"
"$MMSIM" replay --mem 0x800000 "$d/t.trace" >/dev/null || fail "replay --mem 0x800000"
refuse "$MMSIM" replay --mem 8p "$d/t.trace"
refuse "$MMSIM" replay --mem 1t "$d/t.trace"
refuse "$MMSIM" replay --mem " 8m" "$d/t.trace"
refuse "$MMSIM" replay --limit 5k "$d/t.trace"
refuse "$MMSIM" bench --pages 16x fault
refuse "$MMSIM" bench --loads 5000x access
"$MMSIM" bcache format --size 0x4000000 --bucket 256K "$d/c.img" >/dev/null ||
	fail "bcache format --size 0x4000000 --bucket 256K"
rc=0; "$MMSIM" bcache format --size 64q "$d/d.img" >/dev/null 2>&1 || rc=$?
[ "$rc" != 0 ] && [ ! -e "$d/d.img" ] || fail "bcache format --size 64q: exit $rc"
printf 'a = mmap 0x2P rw\nb = mmap 1K rw\nwrite a+1p 1p\nread b 1k\n' >"$d/sizes.mms"
"$MMSIM" run "$d/sizes.mms" >"$d/out" || fail "scenario sizes"
grep -q '^3: write = ok' "$d/out" && grep -q '^4: read = ok' "$d/out" || { cat "$d/out"; fail "scenario sizes: output"; }
printf 'a = mmap 1t rw\n' >"$d/tera.mms"
refuse "$MMSIM" run "$d/tera.mms"
echo "tools: ok"
