/*
 * mmfs_aops.c - mmfs's address_space operations: the page cache reads and
 * writes an mmfs file's pages block by block through buffer heads
 * (src/mm/buffer.c), mapping blocks with mmfs_bmap, and migrates them with
 * buffer_migrate_page, as a block-based Linux filesystem does.
 *
 * The mapping's host is the file's mmfs_inode.  This file is the only
 * place where src/mm and mmfs meet.
 */
#include "fs.h"
#include "mm.h"

static int mmfs_get_block(void *host, uint64_t block, bool create, uint64_t *blocknr)
{
	return mmfs_bmap(host, block, create, blocknr);
}

static int mmfs_block_io(void *host, uint64_t blocknr, void *buf, bool write)
{
	struct mmfs *fs = mmfs_of(host);
	return write ? mmfs_write_block(fs, blocknr, buf) : mmfs_read_block(fs, blocknr, buf);
}

static const struct buffer_ops mmfs_buffer_ops = {
	.blocksize = MMFS_BLOCK_SIZE,
	.get_block = mmfs_get_block,
	.block_io = mmfs_block_io,
};

static int mmfs_readpage(struct address_space *m, struct page *p)
{
	return block_read_full_page(m->sys, &mmfs_buffer_ops, m->host, p);
}

static int mmfs_writepage(struct address_space *m, struct page *p)
{
	return block_write_full_page(m->sys, &mmfs_buffer_ops, m->host, p);
}

static bool mmfs_releasepage(struct address_space *m, struct page *p)
{
	return try_to_free_buffers(m->sys, p);
}

static int mmfs_fsync(struct address_space *m)
{
	return mmfs_sync_inode(m->host);
}

const struct address_space_operations mmfs_aops = {
	.readpage = mmfs_readpage,
	.writepage = mmfs_writepage,
	.migratepage = buffer_migrate_page,
	.releasepage = mmfs_releasepage,
	.fsync = mmfs_fsync,
};
