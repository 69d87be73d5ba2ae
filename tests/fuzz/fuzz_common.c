/*
 * fuzz_common.c - template images and checksum fix-ups for the fuzz
 * targets (fuzz_common.h says why each exists).
 */
#include "fuzz_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *fz_tmpdir(void)
{
	struct stat st;

	if (!stat("/dev/shm", &st) && S_ISDIR(st.st_mode) && !access("/dev/shm", W_OK))
		return "/dev/shm";
	return getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
}

uint64_t fz_rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int fz_write_seed(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

struct blk_dev *fz_open_img(const char *path, uint64_t bytes, bool create)
{
	struct blk_open_opts o;
	struct blk_dev *d = NULL;

	blk_open_opts_default(&o);
	/* Buffered: the harnesses rewrite the image with pwrite between runs,
	 * and the page cache keeps both views the same. */
	o.flags = BLK_OPEN_BUFFERED | (create ? BLK_OPEN_CREATE : 0);
	o.nr_sectors = bytes / 512;
	o.engine = BLK_ENGINE_THREADS;
	if (blk_open(path, &o, &d))
		return NULL;
	return d;
}

/* ---- the cache-set template ------------------------------------------------------- */

static int write_some(struct cache_set *c, unsigned nkeys, unsigned sectors)
{
	uint64_t words[3], seq;
	struct bkey *k = (struct bkey *)words;
	int r = 0;

	for (unsigned i = 0; i < nkeys && !r; i++) {
		int got = bch_alloc_sectors(c, sectors, &words[2]);
		/* Distinct positions for the first 500 keys (37 is prime to
		 * 500), so enough keys split the root. */
		uint64_t pos = (uint64_t)(i * 37 % 500 + 1) * 8;

		if (got < 0)
			return got;
		bch_key_init(k, 0, pos, (unsigned)got);
		SET_KEY_PTRS(k, 1);
		SET_KEY_DIRTY(k, 1);
		r = bch_journal_add(c, words, 3, i % 10 ? 0 : JOURNAL_FLUSH, &seq);
		if (!r) {
			r = bch_btree_insert(c, words, 3, seq);
			bch_journal_pin_drop(c, seq);
		}
		if (i == nkeys * 3 / 5 && !r)
			r = bch_btree_flush_all(c);	/* some keys only in the journal */
	}
	return r ? r : bch_journal_flush(c);
}

int fz_make_bcache(const char *path, unsigned nkeys, unsigned sectors)
{
	struct bch_format_opts fo;
	struct bch_open_opts oo;
	struct blk_fault_opts fault = { .seed = 1, .survive_pct = 100 };
	struct cache_set *c;
	struct blk_dev *d;
	char why[256];
	int r;

	unlink(path);
	d = fz_open_img(path, FZ_BYTES, true);
	if (!d)
		return -1;
	bch_format_opts_default(&fo);
	fo.bucket_sectors = FZ_BUCKET;
	fo.njournal_buckets = 8;
	fo.seed = 3;
	bch_open_opts_default(&oo);
	oo.no_writeback_thread = true;
	r = bch_format(d, NULL, &fo, why, sizeof(why));
	if (!r)
		r = bch_cache_set_open(d, NULL, 0, &oo, &c, NULL, why, sizeof(why));
	if (r) {
		fprintf(stderr, "fuzz: template: %s\n", why);
		blk_close(d);
		return -1;
	}
	r = write_some(c, nkeys, sectors);
	if (r)
		fprintf(stderr, "fuzz: template: writing keys: %s\n", strerror(-r));
	blk_drain(d);
	if (!r)
		r = blk_fault_attach(d, &fault);
	blk_fault_power_loss(d, NULL);
	bch_cache_set_stop(c);
	blk_close(d);
	return r ? -1 : 0;
}

/* ---- checksum fix-ups ----------------------------------------------------------------- */

void fz_fix_sb(uint8_t *sb_block)
{
	struct cache_sb *sb = (struct cache_sb *)sb_block;

	if (sb->keys <= BCH_SB_JOURNAL_BUCKETS)	/* else the checksum reads past it */
		sb->csum = bch_sb_csum(sb);
}

void fz_fix_jsets(uint8_t *buf, size_t len, size_t block_bytes, uint64_t magic)
{
	for (size_t off = 0; off + sizeof(struct jset) <= len; off += block_bytes) {
		struct jset *j = (struct jset *)(buf + off);

		if (j->magic == magic && j->keys <= (len - off - sizeof(*j)) / 8)
			j->csum = bch_jset_csum(j);
	}
}

/* Every set of the node's seq, where the node's own reader would look. */
void fz_fix_bsets(uint8_t *node, size_t node_bytes, size_t block_bytes, uint64_t magic,
		  uint64_t ptr0)
{
	const struct bset *first = (const struct bset *)node;

	for (size_t off = 0; off + sizeof(struct bset) <= node_bytes; off += block_bytes) {
		struct bset *i = (struct bset *)(node + off);

		if (i->magic == magic && i->seq == first->seq &&
		    i->keys <= (node_bytes - off - sizeof(*i)) / 8)
			i->csum = bch_bset_csum(i, ptr0);
	}
}

void fz_fix_prio(uint8_t *bucket, size_t bytes, uint64_t magic)
{
	struct prio_set *p = (struct prio_set *)bucket;

	if (bytes > sizeof(*p) && p->magic == magic)
		p->csum = bch_crc64(&p->magic, bytes - 8);
}

void fz_fix_mmfs_sb(struct fz_mmfs_dsb *sb)
{
	sb->csum = 0;
	sb->csum = bch_crc64(sb, sizeof(*sb));
}

void fz_fix_dinode(struct fz_mmfs_dinode *d)
{
	d->csum = bch_crc64(d, offsetof(struct fz_mmfs_dinode, csum));
}

void fz_fix_ind(uint8_t *block, uint64_t pblk)
{
	struct fz_mmfs_ind_tail *t = (struct fz_mmfs_ind_tail *)(block + FZ_MMFS_PTRS * 8);

	if (t->magic == FZ_MMFS_IND_MAGIC)
		t->csum = crc64_be(pblk, block, 4096 - 8) ^ ~0ull;
}

/* ---- mmfs ------------------------------------------------------------------------------ */

static int mmfs_fill(struct cached_dev *dc, char *why, size_t whylen)
{
	static const struct {
		const char *name;
		uint64_t lblk[2];	/* 0 ends the list */
	} files[] = {
		{ "a", { 0, 1 } },					/* direct */
		{ "b", { 12, 12 + 512 + 3 } },				/* single, double */
		{ "c", { 12 + 512 + 262144 + 1, 0 } },			/* triple */
	};
	uint8_t buf[4096];
	struct mmfs *fs;
	int r = mmfs_format(dc);

	if (r || (r = mmfs_mount(dc, &fs, why, whylen)))
		return r;
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]) && !r; i++) {
		struct mmfs_inode *ino;

		r = mmfs_create(fs, files[i].name, 0, &ino);
		for (unsigned j = 0; j < 2 && !r && (j == 0 || files[i].lblk[j]); j++) {
			memset(buf, 'a' + (int)(i * 2 + j), sizeof(buf));
			if (mmfs_pwrite(ino, buf, sizeof(buf), files[i].lblk[j] * 4096) != 4096)
				r = -EIO;
		}
	}
	if (!r)
		r = mmfs_sync_all(fs);
	return mmfs_unmount(fs) ?: r;
}

int fz_mmfs_setup(struct fz_mmfs *m, FILE *log)
{
	struct bch_format_opts fo;
	struct bch_open_opts oo;
	char why[256] = "";
	int r;

	memset(m, 0, sizeof(*m));
	snprintf(m->cache_path, sizeof(m->cache_path), "%s/mmsim-fuzz-mmfs-%d.cache",
		 fz_tmpdir(), (int)getpid());
	snprintf(m->backing_path, sizeof(m->backing_path), "%s/mmsim-fuzz-mmfs-%d.backing",
		 fz_tmpdir(), (int)getpid());
	unlink(m->cache_path);
	unlink(m->backing_path);
	m->cache = fz_open_img(m->cache_path, FZ_BYTES, true);
	m->backing = fz_open_img(m->backing_path, FZ_MMFS_BACKING_BYTES, true);
	if (!m->cache || !m->backing)
		goto fail;
	bch_format_opts_default(&fo);
	fo.bucket_sectors = FZ_BUCKET;
	fo.njournal_buckets = 8;
	fo.seed = 5;
	bch_open_opts_default(&oo);
	oo.no_writeback_thread = true;
	oo.log = log;
	if ((r = bch_format(m->cache, m->backing, &fo, why, sizeof(why))) ||
	    (r = bch_cache_set_open(m->cache, &m->backing, 1, &oo, &m->c, NULL, why,
				    sizeof(why))))
		goto fail;
	m->dc = m->c->bdev[0];
	/* Writes go to the backing image, never stay in the cache: the
	 * harness rewrites the fs there between runs. */
	m->dc->mode = BCH_MODE_WRITEAROUND;
	if (m->dc->data_offset * 512 != FZ_MMFS_DATA_OFFSET ||
	    m->dc->sectors * 512 != FZ_MMFS_BLOCKS * 4096ull) {
		snprintf(why, sizeof(why), "backing data at sector %llu, %llu sectors: not the "
			 "layout the harness writes", (unsigned long long)m->dc->data_offset,
			 (unsigned long long)m->dc->sectors);
		goto fail;
	}
	if ((r = mmfs_fill(m->dc, why, sizeof(why)))) {
		if (!why[0])
			snprintf(why, sizeof(why), "making the fs: %s", strerror(-r));
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "fuzz: mmfs template: %s\n", why[0] ? why : "cannot open the images");
	fz_mmfs_teardown(m);
	return -1;
}

void fz_mmfs_teardown(struct fz_mmfs *m)
{
	if (m->c)
		bch_cache_set_stop(m->c);
	if (m->cache)
		blk_close(m->cache);
	if (m->backing)
		blk_close(m->backing);
	unlink(m->cache_path);
	unlink(m->backing_path);
	memset(m, 0, sizeof(*m));
}
