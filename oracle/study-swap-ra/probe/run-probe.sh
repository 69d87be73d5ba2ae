#!/bin/bash
# run-probe.sh NAME SWAP_KIB PROBE-ARGS...: boots the oracle's Linux 6.12 once
# with a fresh 1 GiB swap disk (mkswap SWAP_KIB KiB of it, swapon), runs
# probe.c (built statically into /tmp) with PROBE-ARGS, prints its output.
# Ops of probe.c: map N | w R LIST | r R LIST | rt R LIST (per-page trace:
# M/m = major/minor fault, inN/raN/hitN = pswpin/swap_ra/swap_ra_hit deltas)
# | po R A B (MADV_PAGEOUT pages [A,B)) | wn R A B (WILLNEED) | ml R A B
# (mlock) | pm R (pagemap: S<slot>, P present, c = mincore in core) | vm
# (vmstat deltas) | iowait (poll /sys/block/vda/inflight until 0 0) |
# wbwait (poll nr_writeback, unreliable: per-CPU drift) | cpu N | sleep MS
# | swapoff | swapon. LIST: 0-15, 15-0, 8,5,13.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
name=$1 kb=$2; shift 2
w=$(mktemp -d /tmp/run-probe.XXXXXX); trap 'rm -rf "$w"' EXIT
gcc -static -O1 -Wall -o "$w/probe" "$here/probe.c"
truncate -s 1G "$w/disk.img"
cat >"$w/$name.sh" <<EOS
[ "\$(cat /sys/block/vda/serial)" = oracle-disk0 ] || exit 1
mkswap /dev/vda $kb >/dev/null && swapon /dev/vda
/oracle/probe $*
EOS
"$here/../../run-in-linux.sh" -q --suite trixie --disk "$w/disk.img" --file "$w/probe" \
	--file "$w/$name.sh" /bin/busybox sh "/oracle/$name.sh"
