#!/usr/bin/env bash
# Sets up, builds, and runs mmsim: the built-in tour, or the scenario given.
#   scripts/run.sh                 the tour
#   scripts/run.sh FILE.mms        a scenario
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build mmsim-cli >/dev/null
exec build/mmsim run "$@"
