#!/bin/bash
# gen-expected.sh DIR [SUITE]: run every DIR/X.mms on real Linux (QEMU, the scenario's NUMA
# nodes, CPUs and memory per node: mem=, default 256 MiB) with the reference interpreter and write its output to
# DIR/X.out. SUITE defaults to trixie (Linux 6.12). A scenario that fails leaves X.err.
# The interpreter is mms-linux.c beside this script, compiled statically into the cache
# (ORACLE_CACHE, default /var/cache/oracle) under a name that carries its checksum, so two
# checkouts with different interpreters never share a binary.
# A scenario with a swapon or swapoff line gets a swap disk: a fresh sparse raw
# image of 1 GiB (in a temporary directory, removed afterwards) attached with
# --disk, /dev/vda in the guest. Other scenarios boot without a disk.
set -u
usage() { sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"; }
[[ $# -ge 1 && ( $1 == -h || $1 == --help ) ]] && { usage; exit 0; }
[[ $# -eq 1 || $# -eq 2 ]] || { usage >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd); dir=$1; suite=${2:-trixie}
src=$here/mms-linux.c
sum=$(sha256sum "$src" | cut -c1-16) || exit 1
bin=${ORACLE_CACHE:-/var/cache/oracle}/mms-linux-$sum
mkdir -p "$(dirname "$bin")" || exit 1
if [[ ! -x $bin ]]; then
  gcc -static -O2 -Wall -o "$bin.tmp.$$" "$src" && mv -f "$bin.tmp.$$" "$bin" || exit 1
fi
swapdir=
trap '[[ -n $swapdir ]] && rm -rf "$swapdir"' EXIT
for f in "$dir"/*.mms; do
  [[ -e $f ]] || { echo "gen-expected: no .mms file in $dir" >&2; exit 2; }
  n=$(basename "$f")
  nodes=$(sed -n 's/^machine .*nodes=\([0-9]*\).*/\1/p' "$f" | head -n 1); nodes=${nodes:-2}
  cpus=$(sed -n 's/^machine .*cpus=\([0-9]*\).*/\1/p' "$f" | head -n 1); cpus=${cpus:-2}
  # mem=SIZE (per node) in MiB for QEMU: a number with k, m, g or p (pages), or bytes.
  mem=$(sed -n 's/^machine .*mem=\([0-9]*[kKmMgGpP]\{0,1\}\).*/\1/p' "$f" | head -n 1)
  dist=$(sed -n 's/^machine .*distance=\([0-9,]*\).*/\1/p' "$f" | head -n 1)
  distarg=()
  [[ -z $dist ]] || distarg=(--distance "$dist")
  case $mem in
  "") mb=256 ;;
  *[kK]) mb=$(( ${mem%?} / 1024 )) ;;
  *[mM]) mb=${mem%?} ;;
  *[gG]) mb=$(( ${mem%?} * 1024 )) ;;
  *[pP]) mb=$(( ${mem%?} * 4096 / 1048576 )) ;;
  *) mb=$(( mem / 1048576 )) ;;
  esac
  disk=()
  if grep -Eq '^[[:space:]]*swap(on|off)([[:space:]#]|$)' "$f"; then
    [[ -n $swapdir ]] || swapdir=$(mktemp -d "${TMPDIR:-/tmp}/gen-expected-swap.XXXXXX") || exit 1
    rm -f "$swapdir/swap.img"
    truncate -s 1G "$swapdir/swap.img" || exit 1
    disk=(--disk "$swapdir/swap.img")
  fi
  "$here/run-in-linux.sh" -q --exit-status --suite "$suite" --nodes "$nodes" --cpus "$cpus" --mem-per-node "$mb" ${distarg[@]+"${distarg[@]}"} ${disk[@]+"${disk[@]}"} --file "$f" "$bin" "$n" >"${f%.mms}.out" 2>"${f%.mms}.err"
  rc=$?
  # 0: ran every command; 2 with no output: a usage error in the scenario (unless
  # run-in-linux.sh said it); else the interpreter (its output then ends early),
  # run-in-linux.sh or the guest failed
  if [[ $rc == 0 ]] || { [[ $rc == 2 && ! -s ${f%.mms}.out ]] && ! grep -q '^run-in-linux: ' "${f%.mms}.err"; }; then
    rm -f "${f%.mms}.err"
  else
    echo "FAILED: $n (see ${f%.mms}.err)"
  fi
done
