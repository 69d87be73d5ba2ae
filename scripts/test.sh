#!/usr/bin/env bash
# Sets up, builds and runs every test twice: an optimised build, and a build
# under AddressSanitizer + UndefinedBehaviorSanitizer; then the concurrency
# tests (label `concurrency`) a third time under ThreadSanitizer; then each
# libFuzzer target briefly (scripts/fuzz.sh).  Exit status 0 only if all
# pass.  CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)

echo "== release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMSIM_WERROR=ON >/dev/null
ninja -C build
# Machine crash states with files: 600 here, the test's default (120) under ASan.
MMSIM_FILE_CRASH_STATES=600 ctest --test-dir build --output-on-failure -j "$jobs"

echo "== ASan + UBSan build"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMMSIM_ASAN=ON -DMMSIM_WERROR=ON >/dev/null
ninja -C build-asan
# The release run walks 1000 cache-set crash states and 1000 mmfs crash
# states; the sanitizer runs walk fewer (each state is several times
# slower there) with other seeds; the JSON check takes every 4th scenario.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  MMSIM_BCACHE_CRASH_STATES=150 MMSIM_BCACHE_CRASH_SEED=100001 \
  MMSIM_FS_CRASH_STATES=250 MMSIM_FS_CRASH_SEED=100001 MMSIM_BLOCK_SEED=100001 \
  MMSIM_CORRUPTION_STEP=40 MMSIM_CORRUPTION_SEED=100001 MMSIM_JSON_STRIDE=4 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

echo "== ThreadSanitizer build (concurrency tests)"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMSIM_TSAN=ON -DMMSIM_WERROR=ON >/dev/null
ninja -C build-tsan
# TSan's runtime wants its fixed address-space layout: on kernels with more
# mmap randomisation than it knows (vm.mmap_rnd_bits above 28 for older
# runtimes) a TSan binary dies at start with "unexpected memory mapping".
# Then run the tests with ASLR off, which the personality passes to children.
tsan_run=()
if ! build-tsan/mmsim --help >/dev/null 2>&1; then
  if setarch "$(uname -m)" -R build-tsan/mmsim --help >/dev/null 2>&1; then
    echo "test.sh: ThreadSanitizer needs ASLR off on this kernel: running under setarch -R"
    tsan_run=(setarch "$(uname -m)" -R)
  else
    echo "test.sh: ThreadSanitizer binaries cannot start on this machine" >&2
    exit 1
  fi
fi
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  MMSIM_BCACHE_CRASH_STATES=60 MMSIM_BCACHE_CRASH_SEED=200001 ${tsan_run[@]+"${tsan_run[@]}"} \
  ctest --test-dir build-tsan -L concurrency --output-on-failure -j "$jobs"

echo "== libFuzzer targets (short runs on the instrumented build)"
MMSIM_FUZZ_SECONDS=${MMSIM_FUZZ_SECONDS:-20} scripts/fuzz.sh
