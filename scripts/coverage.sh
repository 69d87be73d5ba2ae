#!/usr/bin/env bash
# Line coverage of src/ by the test suite: a gcov build (build-cov), every
# test once, then gcovr's summary (and an HTML report in build-cov/coverage/).
# Not part of CI: run it by hand when you want the figure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if ! command -v gcovr >/dev/null 2>&1; then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends gcovr
fi
cmake -S . -B build-cov -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMMSIM_COVERAGE=ON >/dev/null
ninja -C build-cov
find build-cov -name '*.gcda' -delete
ctest --test-dir build-cov -j "$(nproc)" --output-on-failure || true
mkdir -p build-cov/coverage
gcovr -r . --filter 'src/' --gcov-ignore-parse-errors build-cov --html-details build-cov/coverage/index.html --print-summary
