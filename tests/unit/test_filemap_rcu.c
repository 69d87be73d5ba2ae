/*
 * test_filemap_rcu.c - lockless page-cache lookups racing with migration's
 * slot replacement (src/mm/filemap.c find_get_page, migrate_page_move_mapping
 * and buffer.c's buffer_migrate_page).
 *
 * Machine: cfg.threaded, 2 nodes, 2 CPUs, 64 MiB per node.  A fake file of
 * NPAGES pages (an in-memory disk of 1 KiB blocks read through buffer
 * heads) is read into the page cache.  Then, for MMSIM_STRESS_SECONDS
 * (default 1 s):
 *
 *   readers (two host threads, no simulated CPU: a lookup needs none) loop
 *           over the slots: find_get_page(idx) must always find a page (a
 *           slot is never seen empty while its page is replaced), and the
 *           page it returns, while referenced, must have mapping == the
 *           file, index == idx, PG_uptodate, buffers whose b_page is the
 *           page, and the file's bytes; then put_page().
 *   migrator (a host thread driving CPU 0) isolates every page and moves
 *           them all to the other node with migrate_pages(), round after
 *           round, alternating MIGRATE_SYNC and MIGRATE_ASYNC; a page a
 *           reader holds at the wrong moment just fails to move this round.
 *
 * Afterwards every slot holds an uptodate page with its buffers and
 * refcount 2 (slot, buffers), nr_file adds up, and once the mapping is
 * dropped every frame is free again.  Meant to run under TSan and ASan.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel.h"
#include "harness.h"
#include "tap.h"

#define P PAGE_SIZE
#define NPAGES 48u
#define BS 1024u
#define BPP ((unsigned)(P / BS))
#define NREADERS 2

static struct mmsim *m;

/* ---- the fake file: read-only after the cache is filled -------------------------- */

static uint8_t disk[NPAGES * BPP + 1][BS];	/* block 0 unused */

static uint8_t fbyte(uint64_t off)
{
	return (uint8_t)(off * 13 + (off >> 10) * 5 + (off >> 12) * 17 + 3);
}

static int fs_get_block(void *host, uint64_t block, bool create, uint64_t *blocknr)
{
	(void)host;
	if (block >= NPAGES * BPP)
		return create ? -ENOSPC : 0;
	*blocknr = 1 + block;
	return 0;
}

static int fs_block_io(void *host, uint64_t blocknr, void *buf, bool write)
{
	(void)host;
	if (write)
		return -EROFS;	/* nothing is ever dirtied here */
	memcpy(buf, disk[blocknr], BS);
	return 0;
}

static const struct buffer_ops bops = { BS, fs_get_block, fs_block_io };

static int fs_readpage(struct address_space *mp, struct page *p)
{
	return block_read_full_page(mp->sys, &bops, mp->host, p);
}

static int fs_writepage(struct address_space *mp, struct page *p)
{
	return block_write_full_page(mp->sys, &bops, mp->host, p);
}

static bool fs_releasepage(struct address_space *mp, struct page *p)
{
	return try_to_free_buffers(mp->sys, p);
}

static const struct address_space_operations ops = {
	.readpage = fs_readpage,
	.writepage = fs_writepage,
	.migratepage = buffer_migrate_page,
	.releasepage = fs_releasepage,
};

/* ---- readers ------------------------------------------------------------------------ */

struct reader {
	struct address_space *mp;
	pthread_t th;
	uint64_t rng;
	unsigned long lookups, full_checks, misses, bad;
	unsigned long seen_node[2];
	char first_bad[200];
};

static int stop;

static void bad(struct reader *r, const char *what, uint64_t idx, struct page *p)
{
	if (r->bad++ == 0)
		snprintf(r->first_bad, sizeof r->first_bad, "slot %llu, page %p: %s",
			 (unsigned long long)idx, (void *)p, what);
}

static bool buffers_ok(struct page *p)
{
	if (!page_test(p, PG_private))
		return false;
	struct buffer_head *head = page_buffers(p), *bh = head;
	unsigned n = 0;
	do {
		if (!bh || bh->b_page != p)
			return false;
		bh = bh->b_this_page;
	} while (++n < BPP + 1 && bh != head);
	return n == BPP && bh == head;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct mm_sys *s = &m->mm;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (uint64_t idx = 0; idx < NPAGES; idx++) {
			struct page *p = find_get_page(s, r->mp, idx);
			r->lookups++;
			if (!p) {
				r->misses++;
				bad(r, "the slot was empty", idx, p);
				continue;
			}
			if (p->mapping != (uintptr_t)r->mp)
				bad(r, "wrong mapping", idx, p);
			else if (p->index != idx)
				bad(r, "wrong index", idx, p);
			else if (!page_test(p, PG_uptodate))
				bad(r, "not uptodate", idx, p);
			else if (page_count(p) < 2)
				bad(r, "refcount below 2 while we hold it", idx, p);
			/* The buffers are the page lock's: look under it. */
			lock_page(p);
			if (p->mapping == (uintptr_t)r->mp && !buffers_ok(p))
				bad(r, "buffers missing or pointing elsewhere", idx, p);
			unlock_page(p);
			const uint8_t *d = hw_frame(m->hw, page_to_pfn(s, p));
			uint64_t x = xorshift(&r->rng);
			bool full = (x & 15) == 0;
			unsigned from = full ? 0 : (unsigned)(x >> 8) % (P - 64);
			unsigned len = full ? (unsigned)P : 64;
			for (unsigned j = from; j < from + len; j++)
				if (d[j] != fbyte(idx * P + j)) {
					bad(r, "wrong data", idx, p);
					break;
				}
			r->full_checks += full;
			r->seen_node[page_to_nid(s, p) & 1]++;
			put_page(s, p);
		}
	}
	return NULL;
}

/* ---- the migrator ---------------------------------------------------------------------- */

struct migrator {
	struct address_space *mp;
	struct hw_cpu *cpu;
	double secs;
	pthread_t th;
	unsigned long rounds, moved, not_moved, enomem, iso_fail, bad;
	unsigned long full_rounds[2];	/* rounds after which every page was on node n */
};

static void *migrator_main(void *arg)
{
	struct migrator *g = arg;
	struct mm_sys *s = &m->mm;
	double t0 = now();
	for (unsigned long round = 0;; round++) {
		double el = now() - t0;
		if ((el >= g->secs && g->full_rounds[0] && g->full_rounds[1]) ||
		    el >= g->secs * 5 + 20)
			break;
		unsigned to = (unsigned)(round + 1) & 1;
		struct migration_target_control mtc = { to, UINT64_MAX };
		struct list_head list;
		list_init(&list);
		for (uint64_t idx = 0; idx < NPAGES; idx++) {
			struct page *p = find_get_page(s, g->mp, idx);
			if (!p) {
				g->bad++;
				continue;
			}
			if (page_to_nid(s, p) != to && isolate_page_for_migration(s, p, &list))
				g->iso_fail++;
			put_page(s, p);
		}
		unsigned nr = 0;
		int ret = migrate_pages(s, g->cpu, &list, alloc_migration_target, (unsigned long)&mtc,
					round % 4 == 3 ? MIGRATE_ASYNC : MIGRATE_SYNC, &nr);
		g->moved += nr;
		if (ret > 0)
			g->not_moved += (unsigned long)ret;
		else if (ret < 0)
			g->enomem++;
		putback_movable_pages(s, &list);
		unsigned there = 0;
		for (uint64_t idx = 0; idx < NPAGES; idx++) {
			struct page *p = find_get_page(s, g->mp, idx);
			if (p) {
				there += page_to_nid(s, p) == to;
				put_page(s, p);
			}
		}
		if (there == NPAGES)
			g->full_rounds[to]++;
		g->rounds++;
	}
	return NULL;
}

static double stress_seconds(void)
{
	const char *e = getenv("MMSIM_STRESS_SECONDS");
	double d = e ? strtod(e, NULL) : 1.0;
	return d > 0 ? d : 1.0;
}

int main(void)
{
	struct mmsim_config cfg;
	setvbuf(stdout, NULL, _IOLBF, 0);
	mmsim_config_default(&cfg);
	cfg.nodes = 2;
	cfg.cpus = 2;
	cfg.mem_per_node = 64ULL << 20;
	cfg.threaded = true;
	int err = mmsim_create(&cfg, &m);
	is(err, 0, "threaded machine, 2 nodes, 2 CPUs");
	if (err)
		return done_testing();
	struct mm_sys *s = &m->mm;
	struct hw_cpu *cpu0 = &m->hw->cpu[0];

	for (uint64_t b = 0; b < NPAGES * BPP; b++)
		for (unsigned j = 0; j < BS; j++)
			disk[1 + b][j] = fbyte(b * BS + j);
	lru_add_drain_all(s);
	uint64_t free0 = node_free_pages(s, 0) + node_free_pages(s, 1);
	uint64_t fn0 = s->node[0].nr_file, fn1 = s->node[1].nr_file, file0 = fn0 + fn1;
	struct address_space *mp = mapping_create(s, &ops, NULL, NPAGES * P);
	ok(mp != NULL, "a %u-page file", NPAGES);

	/* Fill the cache from the migrator's CPU; the pages start on node 0. */
	unsigned filled = 0;
	for (uint64_t idx = 0; idx < NPAGES; idx++) {
		int e = 0;
		struct page *p = pagecache_get_page(s, cpu0, mp, idx, 0, UINT64_MAX, false, &e, NULL);
		if (p) {
			filled += page_test(p, PG_private) && page_to_nid(s, p) == 0;
			put_page(s, p);
		}
	}
	is(filled, NPAGES, "every page read in, with buffers, on node 0");
	lru_add_drain_all(s);
	is(s->node[0].nr_file + s->node[1].nr_file, file0 + NPAGES, "nr_file +%u", NPAGES);

	double secs = stress_seconds();
	printf("# %.1f s: %d readers looking up %u slots, a migrator moving them between nodes\n",
	       secs, NREADERS, NPAGES);
	struct reader rd[NREADERS];
	struct migrator g;
	memset(rd, 0, sizeof rd);
	memset(&g, 0, sizeof g);
	g.mp = mp;
	g.cpu = cpu0;
	g.secs = secs;
	for (int i = 0; i < NREADERS; i++) {
		rd[i].mp = mp;
		rd[i].rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		pthread_create(&rd[i].th, NULL, reader_main, &rd[i]);
	}
	pthread_create(&g.th, NULL, migrator_main, &g);
	pthread_join(g.th, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < NREADERS; i++)
		pthread_join(rd[i].th, NULL);

	printf("# migrator: %lu rounds, %lu pages moved, %lu not moved, all on node 0 after %lu rounds, "
	       "on node 1 after %lu\n",
	       g.rounds, g.moved, g.not_moved, g.full_rounds[0], g.full_rounds[1]);
	for (int i = 0; i < NREADERS; i++) {
		printf("# reader %d: %lu lookups (%lu full-page checks), seen on node 0 %lu, node 1 %lu\n", i,
		       rd[i].lookups, rd[i].full_checks, rd[i].seen_node[0], rd[i].seen_node[1]);
		ok(rd[i].lookups > NPAGES, "reader %d ran (%lu lookups)", i, rd[i].lookups);
		is(rd[i].misses, 0, "reader %d: find_get_page never found a slot empty", i);
		is(rd[i].bad, 0, "reader %d: every page it got had the right mapping, index, buffers and data", i);
		if (rd[i].bad)
			printf("#   first: %s\n", rd[i].first_bad);
		ok(rd[i].seen_node[0] && rd[i].seen_node[1], "reader %d saw pages on both nodes", i);
	}
	ok(g.moved >= 2 * NPAGES, "pages were migrated (%lu)", g.moved);
	ok(g.full_rounds[0] && g.full_rounds[1], "every page was on node 1, and back on node 0");
	is(g.enomem, 0, "no -ENOMEM");
	is(g.bad, 0, "the migrator always found every slot filled");

	/* Quiescent. */
	lru_add_drain_all(s);
	unsigned good = 0;
	uint64_t on[2] = { 0, 0 };
	for (uint64_t idx = 0; idx < NPAGES; idx++) {
		struct page *p = find_page_peek(mp, idx);
		if (!p)
			continue;
		const uint8_t *d = hw_frame(m->hw, page_to_pfn(s, p));
		bool data = true;
		for (unsigned j = 0; j < P && data; j++)
			data = d[j] == fbyte(idx * P + j);
		good += data && p->mapping == (uintptr_t)mp && p->index == idx && page_count(p) == 2 &&
			buffers_ok(p) && page_test(p, PG_lru) && !page_locked(p);
		on[page_to_nid(s, p) & 1]++;
	}
	is(good, NPAGES, "after the run: every slot's page has its data, buffers, refcount 2, is on an LRU");
	is(s->node[0].nr_file + s->node[1].nr_file, file0 + NPAGES, "nr_file adds up");
	ok(s->node[0].nr_file == fn0 + on[0] && s->node[1].nr_file == fn1 + on[1],
	   "nr_file of each node counts the pages there (%llu, %llu)", (unsigned long long)on[0],
	   (unsigned long long)on[1]);
	mapping_put(s, mp);
	lru_add_drain_all(s);
	is(s->node[0].nr_file + s->node[1].nr_file, file0, "nr_file back after the mapping is dropped");
	is(node_free_pages(s, 0) + node_free_pages(s, 1), free0, "every frame free again");
	mmsim_destroy(m);
	return done_testing();
}
