/*
 * fuzz_btree_node.c - the btree node reader (bch_btree_open: bsets,
 * checksums, key validity, ranges, order, torn or damaged later sets)
 * against damaged nodes, on its own: no journal replay, no fsck around it.
 *
 * A template cache set with a two-level btree is made once and peeked (as
 * fsck does: journal read, prios read, nothing written).  An input is
 *   byte 0   flags: FIX_CSUMS recomputes the checksum of every set of the
 *            node's sequence after the damage; SALVAGE reads as fsck does
 *            (a damaged set is counted, what precedes it kept); PENDING
 *            gives the reader the journal entries still to replay (so a
 *            bad last set may be a torn write); bits 3-4: the level to
 *            read the node at (0: the root's own, else 1-3 for 0-2)
 *   the rest the node (at most a bucket; what is not given is zero)
 * and is written over the root node, then the tree is read from it: an
 * interior root's children are the template's own nodes.  A tree that
 * reads is walked and closed.  Never a crash, a hang or a sanitizer report.
 *
 * Entries:
 *  - libFuzzer (clang, -DMMSIM_FUZZ=ON): LLVMFuzzerTestOneInput; seeds in
 *    tests/fuzz/corpus/fuzz_btree_node (tests/fuzz/README).
 *  - test_btree_node_garbage SEED ROUNDS: the real root and a real leaf
 *    damaged at random, TAP output; --seeds DIR writes the seed corpus.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bcache/btree.h"
#include "fuzz_common.h"

#define FIX_CSUMS 1u
#define SALVAGE 2u
#define PENDING 4u
#define LEVEL_SHIFT 3

#define NODE_BYTES (FZ_BUCKET * 512u)

static char img_path[256];
static int img_fd = -1;
static struct blk_dev *dev;
static struct cache_set *c;
static struct journal_replay *list;
static uint64_t root_off, root_ptr0, bset_magic;
static unsigned root_level;
static uint8_t *node;
static FILE *devnull;

static void setup(void)
{
	char why[256];

	devnull = fopen("/dev/null", "w");
	node = aligned_alloc(4096, NODE_BYTES);
	snprintf(img_path, sizeof(img_path), "%s/mmsim-fuzz-node-%d.img", fz_tmpdir(),
		 (int)getpid());
	/* 300 keys at distinct places: more than a leaf holds, so a root
	 * with leaves under it. */
	if (!devnull || !node || fz_make_bcache(img_path, 300, 8))
		abort();
	dev = fz_open_img(img_path, FZ_BYTES, false);
	if (!dev || bch_cache_set_peek(dev, &c, why, sizeof(why))) {
		fprintf(stderr, "fuzz_btree_node: %s\n", dev ? why : "cannot open the image");
		abort();
	}
	c->log = devnull;
	if (bch_journal_read(c, &list, NULL) || !list || bch_journal_start(c, list) ||
	    bch_prio_read(c, c->prio_bucket))
		abort();
	root_off = PTR_OFFSET(&c->root_key.key, 0) * 512;
	root_ptr0 = c->root_key.key.ptr[0];
	root_level = c->root_level;
	bset_magic = bch_bset_magic(&c->cache->sb);
	img_fd = open(img_path, O_RDWR);
	if (img_fd < 0)
		abort();
}

static int count_key(void *arg, const struct bkey *k)
{
	(*(uint64_t *)arg)++;
	return 0;
}

/* Reads the tree from the node in `node`; whether it read. */
static bool read_tree(uint8_t flags)
{
	unsigned lv = (flags >> LEVEL_SHIFT) & 3;
	struct bch_btree_stats st;
	uint64_t n = 0;
	int r;

	if (flags & FIX_CSUMS)
		fz_fix_bsets(node, NODE_BYTES, c->cache->block_sectors * 512u, bset_magic,
			     root_ptr0);
	if (pwrite(img_fd, node, NODE_BYTES, (off_t)root_off) != (ssize_t)NODE_BYTES)
		abort();
	c->root_level = lv ? lv - 1 : root_level;
	c->read_salvage = flags & SALVAGE;
	c->replay_pending = flags & PENDING ? list : NULL;
	c->read_why[0] = 0;
	r = bch_btree_open(c);
	if (!r) {
		bch_btree_get_stats(c, &st);
		bch_btree_map_keys(c, count_key, &n);
		bch_btree_map_extents(c, 0, 1000, 3000, count_key, &n);
		bch_btree_close(c);
	}
	c->replay_pending = NULL;
	c->root_level = root_level;
	return !r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!c)
		setup();
	memset(node, 0, NODE_BYTES);
	if (size > 1)
		memcpy(node, data + 1, size - 1 < NODE_BYTES ? size - 1 : NODE_BYTES);
	read_tree(size ? data[0] : 0);
	return 0;
}

#ifndef MMSIM_LIBFUZZER
#include "tap.h"

/* A node as an input: flags, then the node without its trailing zeros. */
static size_t node_input(uint8_t *out, uint8_t flags, uint64_t off)
{
	size_t len = NODE_BYTES;

	out[0] = flags;
	if (pread(img_fd, out + 1, NODE_BYTES, (off_t)off) != (ssize_t)NODE_BYTES)
		abort();
	while (len && !out[len])
		len--;
	return len + 1;
}

int main(int argc, char **argv)
{
	static uint8_t root[NODE_BYTES + 1], leaf[NODE_BYTES + 1], in[NODE_BYTES + 1];
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	unsigned rounds = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 500, read = 0;
	size_t nroot, nleaf = 0;
	bool seeds = argc > 2 && !strcmp(argv[1], "--seeds");

	setup();
	nroot = node_input(root, 0, root_off);
	if (root_level) {
		/* The root's first key points at a leaf: it, read at the
		 * root's place (checksums fixed: they are seeded with the
		 * node's own pointer) as a level-0 node. */
		/* The input's node starts after its flags byte, so it is not
		 * aligned: copy the key out before reading it. */
		uint64_t kw[BKEY_PAD];
		memcpy(kw, root + 1 + offsetof(struct bset, d), sizeof(kw));
		nleaf = node_input(leaf, FIX_CSUMS | 1u << LEVEL_SHIFT,
				   PTR_OFFSET((const struct bkey *)kw, 0) * 512);
	}
	if (seeds) {
		int r = fz_write_seed(argv[2], "root", root, nroot);

		root[0] = SALVAGE | PENDING;
		r = r ?: fz_write_seed(argv[2], "root-salvage", root, nroot);
		root[0] = 0;
		if (nleaf) {
			r = r ?: fz_write_seed(argv[2], "leaf", leaf, nleaf);
			leaf[0] |= SALVAGE | PENDING;
			r = r ?: fz_write_seed(argv[2], "leaf-salvage", leaf, nleaf);
		}
		unlink(img_path);
		return r ? 1 : 0;
	}
	ok(root_level == 1, "the template's root is interior (level %u)", root_level);
	memcpy(node, root + 1, nroot - 1);
	memset(node + nroot - 1, 0, NODE_BYTES - (nroot - 1));
	ok(read_tree(0), "the real root reads back");
	memcpy(node, leaf + 1, nleaf - 1);
	memset(node + nleaf - 1, 0, NODE_BYTES - (nleaf - 1));
	ok(nleaf && read_tree(leaf[0]), "a real leaf reads back at the root's place");
	for (unsigned i = 0; i < rounds; i++) {
		const uint8_t *src = i % 3 ? root : leaf;
		size_t n = i % 3 ? nroot : nleaf, flips = 1 + fz_rng(&seed) % 4;

		memcpy(in, src, n);
		in[0] = (uint8_t)(src[0] & ~FIX_CSUMS) | (i % 2 ? FIX_CSUMS : 0) |
			(uint8_t)(fz_rng(&seed) % 4 == 0 ? SALVAGE | PENDING : 0);
		for (size_t f = 0; f < flips; f++)
			in[1 + fz_rng(&seed) % (n - 1)] ^= (uint8_t)(1u << (fz_rng(&seed) % 8));
		memset(node, 0, NODE_BYTES);
		memcpy(node, in + 1, n - 1);
		read += read_tree(in[0]);
	}
	ok(1, "%u damaged nodes read without a crash", rounds);
	ok(rounds < 20 || (read && read < rounds), "... some read (%u), some refused", read);
	bch_journal_free_list(list);
	bch_cache_set_peek_free(c);
	blk_close(dev);
	unlink(img_path);
	return done_testing();
}
#endif
