#!/usr/bin/env bash
# json.sh MMSIM SCENARIOS - `mmsim run --json` over every scenario of
# tests/scenarios (docs/json.md):
#  - every line parses as one JSON object with scenario, line, verb and
#    result first, and its typed fields agree with the result text: an
#    error's errno, a signal's page, status arrays entry for entry, stats
#    as numbers with each node's figures nested, views as arrays;
#  - the lines are the text output's, one for one (where Linux's
#    output, X.out, is there: its lines, stats aside);
#  - --summary (the migrate scenarios): each status array's counts per
#    node and errno are those of the full array, which it replaces.
# MMSIM_JSON_STRIDE=k checks every k-th scenario only (scripts/test.sh's
# sanitizer run).
set -euo pipefail
MMSIM=$1
SCEN=$2
command -v python3 >/dev/null || { echo "json: SKIP: python3 is not installed"; exit 77; }
python3 - "$MMSIM" "$SCEN" <<'PY'
import collections, concurrent.futures, glob, json, os, re, subprocess, sys

mmsim, root = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(os.path.join(root, "**", "*.mms"), recursive=True))
assert len(files) > 100, f"only {len(files)} scenarios under {root}"
# MMSIM_JSON_STRIDE=k: every k-th scenario only (the sanitizer runs, where
# each is several times slower; the release run takes them all).
files = files[::max(1, int(os.environ.get("MMSIM_JSON_STRIDE", "1")))]
bad = []

def entry(tok):
    return None if tok == "?" else int(tok) if re.fullmatch(r"-?\d+", tok) else tok

def status_of(text):
    return [entry(t) for t in text[1:-1].split(",")] if text != "[]" else []

def check_obj(f, o, n):
    where = f"{f}:{n}"
    assert isinstance(o, dict), where
    assert list(o)[:4] == ["scenario", "line", "verb", "result"], (where, list(o))
    assert o["scenario"] == f and isinstance(o["line"], int), where
    res, verb = o["result"], o["verb"]
    if res == "killed":
        assert o["killed"] is True, where
    elif re.fullmatch(r"-1 E[A-Z0-9]+", res):
        assert o["ret"] == -1 and o["errno"] == res[3:], (where, o)
    elif res.startswith("SIG"):
        sig, page = res.split()
        assert o["signal"] == sig and o["page"] == int(page[1:-1]), (where, o)
    elif verb == "nodes":
        assert o["status"] == status_of(res), (where, o)
    elif verb == "move_pages":
        ret, st = res.split(" status=")
        assert o["ret"] == int(ret) and o["status"] == status_of(st), (where, o)
    elif verb == "stats":
        s = o["stats"]
        flat = dict(kv.split("=") for kv in res.split())
        assert all(isinstance(v, int) for k, v in s.items() if k not in ("nodes", "cpus")), where
        for k, v in flat.items():
            m = re.fullmatch(r"([NC])(\d+)\.(.+)", k)
            got = s["nodes" if m[1] == "N" else "cpus"][m[2]][m[3]] if m else s[k]
            assert got == int(v), (where, k)
    elif verb == "vmstat":
        want = {} if res == "none" else {k: int(v) for k, v in (kv.split("=") for kv in res.split())}
        assert o["vmstat"] == want, (where, o)
    elif verb in ("numa_maps", "smaps"):
        assert isinstance(o[verb], list) and len(o[verb]) == (0 if res == "none" else res.count(" | ") + 1), where
        for e in o[verb]:
            assert isinstance(e["start"], int), where
            if verb == "numa_maps":
                assert all(isinstance(v, int) for v in e["nodes"].values()), where
            else:
                assert isinstance(e["VmFlags"], list) and e["end"] > e["start"], where
    elif verb == "vmas":
        assert len(o["vmas"]) == res.count(")"), where
    elif verb == "distance":
        want = {k: [int(d) for d in v.split(",")] for k, v in (kv.split("=") for kv in res.split())}
        assert o["distance"] == want, (where, o)
    elif res.split()[0] == "ok":
        assert o["ok"] is True, where
    elif re.fullmatch(r"-?\d+", res.split()[0]):
        assert o["ret"] == int(res.split()[0]), where
    for kv in res.split()[1:]:
        if verb not in ("stats", "vmstat", "numa_maps", "smaps", "vmas", "distance") and "=" in kv:
            k, v = kv.split("=", 1)
            if k == "nodes" or k == "status":
                continue
            want = v if k in ("fnv", "mode") or not re.fullmatch(r"-?\d+", v) else int(v)
            assert o[k] == want, (where, k, o)

def run(f):
    try:
        p = subprocess.run([mmsim, "run", "--json", f], capture_output=True, text=True)
        assert p.returncode == 0, f"{f}: exit {p.returncode}: {p.stderr[-300:]}"
        out = p.stdout
        objs = []
        for n, l in enumerate(out.splitlines(), 1):
            objs.append(json.loads(l))
            check_obj(f, objs[-1], n)
        # The text lines: Linux's, which mmsim check holds the text output to
        # (the scenarios without an X.out: a sample, run in text too).
        mirror = [f'{o["line"]}: {o["verb"]} = {o["result"]}' for o in objs]
        exp = f[:-4] + ".out"
        if not os.path.exists(exp) or "/foundation/" in f:
            text = subprocess.run([mmsim, "run", f], capture_output=True, text=True).stdout
            assert mirror == text.splitlines(), f"{f}: the JSON lines are not the text lines"
        if os.path.exists(exp):
            want = [l for l in open(exp).read().splitlines() if ": stats = " not in l]
            got = [l for l in mirror if ": stats = " not in l]
            assert got == want, f"{f}: the JSON lines differ from Linux's {exp}"
        if "/migrate/" in f:
            summ = subprocess.run([mmsim, "run", "--json", "--summary", f],
                                  capture_output=True, text=True).stdout.splitlines()
            for o, s in zip(objs, map(json.loads, summ)):
                if "status" not in o:
                    assert "summary" not in s, f
                    continue
                c = collections.Counter(o["status"])
                want = {"pages": len(o["status"]), "unset": c.pop(None, 0),
                        "nodes": {str(k): v for k, v in c.items() if isinstance(k, int)},
                        "errno": {k: v for k, v in c.items() if isinstance(k, str)}}
                assert s["summary"]["pages"] == want["pages"] and s["summary"]["unset"] == want["unset"], (f, s)
                assert s["summary"]["nodes"] == want["nodes"] and s["summary"]["errno"] == want["errno"], (f, s)
                assert "status" not in s and " status=" not in s["result"], (f, s)
        return len(objs)
    except Exception as e:  # noqa: the failure's text is the report
        bad.append(f"{f}: {e!r}"[:600])
        return 0

with concurrent.futures.ThreadPoolExecutor(2) as ex:
    lines = sum(ex.map(run, files))
for b in bad[:20]:
    print("FAIL:", b)
if bad:
    sys.exit(1)
print(f"json: ok ({len(files)} scenarios, {lines} JSON lines)")
PY
