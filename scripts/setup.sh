#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build and test mmsim.
# Idempotent: installs only missing packages (needs root or sudo for those).
set -euo pipefail
# clang and its runtimes (libclang-rt-dev: libFuzzer, ASan) for the fuzz step;
# GNU parallel and python3 for the sweep and JSON tests (cli.sweep, cli.json);
# chromium: cli.report_browser renders `mmsim report`'s page headless.
pkgs=(cmake ninja-build gcc make pkg-config liburcu-dev liburing-dev bcache-tools librocksdb-dev
      clang libclang-rt-dev parallel python3 chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  # Another apt run (an unattended upgrade, a second checkout's setup) may
  # hold dpkg's lock: wait for it rather than fail.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends "${missing[@]}"
fi
