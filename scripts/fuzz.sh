#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -DMMSIM_FUZZ=ON: harnesses and the
# whole library instrumented) in build-fuzz and runs each for
# MMSIM_FUZZ_SECONDS (default 20) from a copy of its seed corpus, so the
# committed corpus does not grow.  scripts/test.sh (CI) runs it; for long
# local campaigns see tests/fuzz/README.md.  A finding leaves its input in
# build-fuzz/fuzz-findings/TARGET/ and fails the run.  Without clang and
# libFuzzer it says so and exits 0 (scripts/setup.sh installs them).
#   scripts/fuzz.sh [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${MMSIM_FUZZ_SECONDS:-20}
targets=("$@")
((${#targets[@]})) || targets=(fuzz_bcache fuzz_btree_node fuzz_mmfs fuzz_trace fuzz_scenario)

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }' \
  >"$probe/p.c"
if ! command -v clang >/dev/null ||
   ! clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>/dev/null; then
  echo "fuzz.sh: clang with libFuzzer not available: fuzz targets skipped"
  exit 0
fi

CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMSIM_FUZZ=ON \
  >/dev/null
ninja -C build-fuzz "${targets[@]}"
fail=0
for t in "${targets[@]}"; do
  work=build-fuzz/fuzz-run/$t
  found=build-fuzz/fuzz-findings/$t
  rm -rf "$work"
  mkdir -p "$work" "$found"
  cp tests/fuzz/corpus/"$t"/* "$work"/
  # Nodes are a bucket (8 KiB) plus the flags byte.
  extra=()
  [[ $t == fuzz_btree_node ]] && extra=(-max_len=8193)
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
     build-fuzz/tests/"$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
       -artifact_prefix="$found"/ -print_final_stats=1 ${extra[@]+"${extra[@]}"} "$work" \
       >"$work.log" 2>&1; then
    echo "fuzz.sh: $t: $(grep -E '^#[0-9]+.*DONE' "$work.log" | tail -n 1)"
  else
    echo "fuzz.sh: $t FAILED (input in $found/):" >&2
    grep -E -A 30 'ERROR|runtime error|deadly signal|timeout' "$work.log" | head -n 60 >&2
    fail=1
  fi
done
exit $fail
