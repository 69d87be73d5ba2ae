#!/usr/bin/env bash
# Regenerates the seed corpora in tests/fuzz/corpus/ from images the
# project's own code makes (the CI drivers' --seeds mode writes real btree
# nodes and a real mmfs), plus small hand-made inputs for the targets whose
# input is a recipe rather than an image.
#   tests/fuzz/make-seeds.sh BUILD_DIR     (a normal build: the test_* drivers)
# Btree node sequences are random, so regenerated seeds differ in bytes,
# not in what they cover.
set -euo pipefail
build=${1:?usage: make-seeds.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
c=$here/corpus
mkdir -p "$c"/fuzz_btree_node "$c"/fuzz_mmfs "$c"/fuzz_bcache "$c"/fuzz_trace "$c"/fuzz_scenario
"$build"/tests/test_btree_node_garbage --seeds "$c"/fuzz_btree_node
"$build"/tests/test_mmfs_garbage --seeds "$c"/fuzz_mmfs

# fuzz_bcache: byte 0 region (0 sb, 1 journal, 2 root, 3 prio, 4 uuid) | 0x40
# fix checksums | 0x80 xor; bytes 1-2 offset in the region; then the bytes.
for r in 0 1 2 3 4; do
  printf "\\x$(printf %02x $((r | 0xc0)))\\x00\\x40\\x01" >"$c/fuzz_bcache/xor-fixed-$r"
  printf "\\x$(printf %02x $((r | 0x80)))\\x00\\x20\\x10\\x00\\x00\\x00" >"$c/fuzz_bcache/xor-$r"
done
# fuzz_trace: lackey traces.
printf '==77== Lackey\nI  04000000,3\n S 10000000,8\n L 10000008,4\n M 7ffffffff000,8\n' \
  >"$c/fuzz_trace/lackey"
printf 'I  10000000,4\n L 10001000,4096\n S 0000ffff,2\n L 10000000,1\n' >"$c/fuzz_trace/pages"
# fuzz_scenario: the smallest scenarios of the test suite.
for f in $(ls -S "$here"/../scenarios/foundation/*.mms 2>/dev/null | tail -n 3); do
  cp "$f" "$c/fuzz_scenario/"
done
du -sh "$c"
