/*
 * buffer.c - buffer heads: the blocks of a page-cache page and the disk
 * blocks they map to, for filesystems that map files block by block
 * (Linux's fs/buffer.c, as far as mmsim needs it).
 *
 * A page's buffers are one allocation of PAGE_SIZE / blocksize heads
 * linked in a ring by b_this_page, hung off page->private with PG_private
 * set and one page reference held for them.  They are created the first
 * time the page is read or written, moved to the new page when the page
 * migrates (buffer_migrate_page), and freed when the page leaves the
 * cache or the filesystem releases them.  Everything here runs with the
 * page locked, which is what serialises a page's buffers.
 *
 * The filesystem supplies get_block (file block -> disk block, allocating
 * on write) and block_io (one block between memory and disk); this file
 * never touches the disk itself.
 */
#include "mm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *page_data(struct mm_sys *s, struct page *p)
{
	return hw_frame(s->hw, page_to_pfn(s, p));
}

/* The page's buffers, created unmapped if it has none; NULL: no memory. */
static struct buffer_head *page_get_buffers(const struct buffer_ops *ops, struct page *p)
{
	if (page_test(p, PG_private))
		return page_buffers(p);
	unsigned n = PAGE_SIZE / ops->blocksize;
	struct buffer_head *bh = calloc(n, sizeof *bh);
	if (!bh)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		bh[i].b_this_page = &bh[(i + 1) % n];
		bh[i].b_page = p;
		bh[i].b_size = ops->blocksize;
	}
	p->private = (uint64_t)(uintptr_t)bh;
	get_page(p);			/* the buffers' reference */
	page_set(p, PG_private);
	return bh;
}

static void free_page_buffers(struct mm_sys *s, struct page *p)
{
	struct buffer_head *bh = page_buffers(p);
	p->private = 0;
	page_clear(p, PG_private);
	free(bh);
	put_page(s, p);
}

void discard_buffers(struct mm_sys *s, struct page *p)
{
	if (page_test(p, PG_private))
		free_page_buffers(s, p);
}

bool try_to_free_buffers(struct mm_sys *s, struct page *p)
{
	if (!page_test(p, PG_private))
		return true;
	if (page_test(p, PG_dirty) || page_test(p, PG_writeback))
		return false;
	free_page_buffers(s, p);
	return true;
}

/* The file's size, from the page's mapping (buffers only exist on file pages). */
static uint64_t page_file_size(const struct page *p)
{
	const struct address_space *m = (const struct address_space *)p->mapping;
	return m ? __atomic_load_n(&m->i_size, __ATOMIC_RELAXED) : 0;
}

/* What reading or writing a whole page needs: its buffers, its bytes,
 * the file block of its first buffer, the file size and its position. */
struct page_io {
	struct buffer_head *head;
	uint8_t *data;
	uint64_t first_block, size, pos;
};

static int page_io_start(struct mm_sys *s, const struct buffer_ops *ops, struct page *p,
			 struct page_io *io)
{
	io->head = page_get_buffers(ops, p);
	if (!io->head)
		return -ENOMEM;
	io->data = page_data(s, p);
	io->first_block = p->index * (PAGE_SIZE / ops->blocksize);
	io->size = page_file_size(p);
	io->pos = p->index << PAGE_SHIFT;
	return 0;
}

/* Maps bh (file block `block`) if it is not yet: a hole stays unmapped
 * unless create, which allocates (BH_new). */
static int map_buffer(const struct buffer_ops *ops, void *host, struct buffer_head *bh,
		      uint64_t block, bool create)
{
	if (bh->b_state & BH_mapped)
		return 0;
	uint64_t blk = 0;
	int err = ops->get_block(host, block, create, &blk);
	if (!err && blk) {
		bh->b_blocknr = blk;
		bh->b_state |= BH_mapped | (create ? BH_new : 0);
	}
	return err;
}

int block_read_full_page(struct mm_sys *s, const struct buffer_ops *ops, void *host,
			 struct page *p)
{
	struct page_io io;
	int err = page_io_start(s, ops, p, &io);
	struct buffer_head *bh = io.head;
	for (unsigned off = 0; !err; off += ops->blocksize) {
		uint8_t *buf = io.data + off;
		err = map_buffer(ops, host, bh, io.first_block + off / ops->blocksize, false);
		if (err)
			break;
		if (bh->b_state & BH_mapped)
			err = ops->block_io(host, bh->b_blocknr, buf, false);
		else
			memset(buf, 0, ops->blocksize);	/* a hole */
		if (err)
			break;
		bh->b_state |= BH_uptodate;
		bh = bh->b_this_page;
		if (bh == io.head)
			break;
	}
	if (err)
		return err;
	/* What lies past the end of the file reads as zeros. */
	if (io.size < io.pos + PAGE_SIZE) {
		uint64_t keep = io.size > io.pos ? io.size - io.pos : 0;
		memset(io.data + keep, 0, PAGE_SIZE - keep);
	}
	return 0;
}

int block_write_full_page(struct mm_sys *s, const struct buffer_ops *ops, void *host,
			  struct page *p)
{
	struct page_io io;
	int err = page_io_start(s, ops, p, &io);
	struct buffer_head *bh = io.head;
	for (unsigned off = 0; !err; off += ops->blocksize) {
		uint64_t bpos = io.pos + off;
		if (bpos >= io.size)
			break;		/* wholly past the end: not written */
		err = map_buffer(ops, host, bh, io.first_block + off / ops->blocksize, true);
		if (err)
			break;
		if (!(bh->b_state & BH_mapped)) {
			err = -EIO;	/* get_block allocated nothing */
			break;
		}
		if (bpos + ops->blocksize > io.size) {
			/*
			 * The block the end of the file cuts: the disk gets
			 * zeros past the end.  Linux zeroes the page itself;
			 * a copy keeps what a mapping stored there visible,
			 * as it stays on filesystems without writeback.
			 */
			uint8_t bounce[ops->blocksize];
			memcpy(bounce, io.data + off, io.size - bpos);
			memset(bounce + (io.size - bpos), 0, ops->blocksize - (io.size - bpos));
			err = ops->block_io(host, bh->b_blocknr, bounce, true);
		} else {
			err = ops->block_io(host, bh->b_blocknr, io.data + off, true);
		}
		if (err)
			break;
		bh->b_state = (bh->b_state | BH_uptodate) & ~(unsigned)(BH_dirty | BH_new);
		bh = bh->b_this_page;
		if (bh == io.head)
			break;
	}
	if (!err)
		page_set(p, PG_mappedtodisk);
	return err;
}

/*
 * The migratepage of block-mapped files: the slot switch, then the
 * buffers (and their page reference) go over to the new page.  Both pages
 * are locked and nobody maps the old one, so no buffer user can see the
 * change half done.
 */
int buffer_migrate_page(struct mm_sys *s, struct address_space *m, struct page *dst,
			struct page *src, enum migrate_mode mode)
{
	if (!page_test(src, PG_private))
		return migrate_page(s, m, dst, src, mode);
	int err = migrate_page_move_mapping(s, m, dst, src, 1);
	if (err)
		return err;
	struct buffer_head *head = page_buffers(src), *bh = head;
	do {
		bh->b_page = dst;
		bh = bh->b_this_page;
	} while (bh != head);
	dst->private = src->private;
	get_page(dst);
	page_set(dst, PG_private);
	src->private = 0;
	page_clear(src, PG_private);
	put_page(s, src);	/* never the last: the migrator holds one */
	return 0;
}
