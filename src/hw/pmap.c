/*
 * pmap.c - x86-64 four-level page tables stored in simulated frames.
 *
 * Owns the bit layout of page-table entries; nothing outside src/hw reads
 * one.  Entries are little-endian 64-bit words, as on x86-64:
 *
 *   bit 0 P (present)   1 RW   2 US   5 A   6 D   7 PSE (2 MiB leaf at PMD)
 *   bit 8 G, reused while P is clear as PROTNONE: a mapped page made
 *         inaccessible (PROT_NONE, NUMA hinting) - as Linux does
 *   bit 10 uffd-wp (software)   bit 11 soft-dirty (software)   bit 63 NX
 *   bits 12..51 the frame (bits 21..51 for a 2 MiB leaf)
 *
 * A non-zero entry with P and PROTNONE clear is a software entry (swap or
 * migration): its value sits in bits 9..62 and bit 1 marks it non-zero.
 * A software entry at PMD level carries PSE too, so a walker can tell a
 * huge leaf from a pointer to a PTE table without looking further.
 *
 * The MMU (pmap_hw_walk) reads the tables without the core's page-table
 * lock, possibly on another host thread, and writes entries only to set
 * A/D by compare-and-swap: a leaf's A and D, and the A of a PMD entry
 * pointing to a PTE table (x86's non-leaf accessed bit) when it is clear.
 * So every slot, table or leaf, is read and written here with single
 * atomic operations (slot_get/slot_put, an exchange or a CAS);
 * a new table is filled before the release store that publishes it.
 */
#include "hw.h"

#include <errno.h>
#include <string.h>

#define E_P (1ULL << 0)
#define E_RW (1ULL << 1)
#define E_US (1ULL << 2)
#define E_A (1ULL << 5)
#define E_D (1ULL << 6)
#define E_PSE (1ULL << 7)
#define E_PROTNONE (1ULL << 8)
#define E_UFFD_WP (1ULL << 10)
#define E_SOFTDIRTY (1ULL << 11)
#define E_NX (1ULL << 63)
#define E_ADDR 0x000ffffffffff000ULL
#define E_SWP_SHIFT 9
#define E_SWP_MARK (1ULL << 1)
#define E_TABLE (E_P | E_RW | E_US | E_A)

static inline uint64_t slot_get(const uint64_t *slot)
{
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

static inline void slot_put(uint64_t *slot, uint64_t v)
{
	__atomic_store_n(slot, v, __ATOMIC_RELEASE);
}

static inline unsigned idx(uint64_t va, unsigned shift)
{
	return (unsigned)((va >> shift) & (PTRS_PER_TABLE - 1));
}

static inline uint64_t *table_of(struct pmap *pm, uint64_t entry)
{
	return (uint64_t *)hw_frame(pm->hw, (entry & E_ADDR) >> PAGE_SHIFT);
}

static inline bool is_table(uint64_t entry)
{
	return (entry & E_P) && !(entry & E_PSE);
}

static uint64_t encode(const struct pmap_entry *e, bool huge)
{
	uint64_t v;

	if (e->kind == PMAP_EMPTY)
		return 0;
	if (e->kind == PMAP_SWAP) {
		v = (e->swp << E_SWP_SHIFT) | E_SWP_MARK;
		return huge ? v | E_PSE : v;
	}
	v = (e->pfn << PAGE_SHIFT) & E_ADDR;
	if (huge)
		v |= E_PSE;
	if (e->prot) {
		v |= E_P | E_US;
		if (e->prot & PMAP_W)
			v |= E_RW;
		if (!(e->prot & PMAP_X))
			v |= E_NX;
	} else {
		v |= E_PROTNONE | E_NX;
	}
	if (e->flags & PMAP_DIRTY)
		v |= E_D;
	if (e->flags & PMAP_ACCESSED)
		v |= E_A;
	if (e->flags & PMAP_SOFTDIRTY)
		v |= E_SOFTDIRTY;
	if (e->flags & PMAP_UFFD_WP)
		v |= E_UFFD_WP;
	return v;
}

static void decode(uint64_t v, bool huge, struct pmap_entry *e)
{
	memset(e, 0, sizeof *e);
	if (!v)
		return;
	if (!(v & (E_P | E_PROTNONE))) {
		e->kind = PMAP_SWAP;
		e->swp = (v & ~E_PSE & ~E_SWP_MARK) >> E_SWP_SHIFT;
		if (huge)
			e->flags |= PMAP_HUGE;
		return;
	}
	e->kind = PMAP_PAGE;
	e->pfn = (v & E_ADDR) >> PAGE_SHIFT;
	if (v & E_P) {
		e->prot = PMAP_R;
		if (v & E_RW)
			e->prot |= PMAP_W;
		if (!(v & E_NX))
			e->prot |= PMAP_X;
	}
	if (v & E_D)
		e->flags |= PMAP_DIRTY;
	if (v & E_A)
		e->flags |= PMAP_ACCESSED;
	if (v & E_SOFTDIRTY)
		e->flags |= PMAP_SOFTDIRTY;
	if (v & E_UFFD_WP)
		e->flags |= PMAP_UFFD_WP;
	if (huge)
		e->flags |= PMAP_HUGE;
}

/* A zeroed table frame in *pfn: 0, or the core's error. */
static int alloc_table(struct pmap *pm, uint64_t *pfn)
{
	int err = pm->ops->alloc_table(pm->ops_arg, pm, pm->node, pfn);
	if (err)
		return err;
	pm->nr_tables++;
	if (pm->cnt)	/* shared with the flush counters of every CPU */
		__atomic_fetch_add(&pm->cnt->pt_alloc, 1, __ATOMIC_RELAXED);
	return 0;
}

static void free_table(struct pmap *pm, uint64_t pfn, void (*free_fn)(void *, uint64_t),
		       void *arg)
{
	pm->nr_tables--;
	if (pm->cnt)
		__atomic_fetch_add(&pm->cnt->pt_free, 1, __ATOMIC_RELAXED);
	if (free_fn)
		free_fn(arg, pfn);
	else
		pm->ops->free_table(pm->ops_arg, pfn);
}

int pmap_init(struct pmap *pm, struct hw_machine *hw, unsigned node, const struct pmap_ops *ops,
	      void *arg, struct mmsim_counters *cnt)
{
	memset(pm, 0, sizeof *pm);
	pm->hw = hw;
	pm->node = node;
	pm->ops = ops;
	pm->ops_arg = arg;
	pm->cnt = cnt;
	pm->tlb_gen = 1;	/* every CPU flushes this ASID on first switch */
	/* Address spaces may be created on several threads at once.  ASID 0
	 * means "no address space": skip it when the counter wraps (stale tags
	 * of a reused ASID are flushed at switch: tlb_gen starts at 1). */
	do
		pm->asid = __atomic_fetch_add(&hw->next_asid, 1, __ATOMIC_RELAXED);
	while (pm->asid == 0);
	int err = alloc_table(pm, &pm->root_pfn);
	if (err)
		pm->root_pfn = NO_PFN;
	return err;
}

static void destroy_level(struct pmap *pm, uint64_t *t, int level)
{
	for (unsigned i = 0; i < PTRS_PER_TABLE; i++) {
		uint64_t v = slot_get(&t[i]);
		if (!is_table(v))
			continue;
		uint64_t pfn = (v & E_ADDR) >> PAGE_SHIFT;
		if (level > 2)
			destroy_level(pm, table_of(pm, v), level - 1);
		slot_put(&t[i], 0);
		free_table(pm, pfn, NULL, NULL);
	}
}

void pmap_destroy(struct pmap *pm)
{
	if (pm->root_pfn == NO_PFN || !pm->ops)
		return;
	destroy_level(pm, (uint64_t *)hw_frame(pm->hw, pm->root_pfn), 4);
	free_table(pm, pm->root_pfn, NULL, NULL);
	pm->root_pfn = NO_PFN;
}

/*
 * Finds the slot of the leaf for va: the PMD slot for a huge leaf, else
 * the PTE slot.  With alloc, missing tables are created.  Returns NULL
 * when a table is missing (or could not be allocated: *err is alloc_table's error).
 */
static uint64_t *find_slot(struct pmap *pm, uint64_t va, bool alloc, bool want_pmd, bool *huge,
			   int *err)
{
	uint64_t *t = (uint64_t *)hw_frame(pm->hw, pm->root_pfn);
	static const unsigned shifts[3] = { PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT };

	*huge = false;
	for (int lvl = 0; lvl < 3; lvl++) {
		uint64_t *slot = &t[idx(va, shifts[lvl])];
		uint64_t v = slot_get(slot);
		if (lvl == 2 && (want_pmd || (v & E_PSE))) {
			*huge = true;
			return slot;
		}
		if (!is_table(v)) {
			if (v || !alloc)
				return NULL;
			uint64_t pfn;
			if ((*err = alloc_table(pm, &pfn)))
				return NULL;
			/* The table is zeroed: publish it only after that. */
			v = (pfn << PAGE_SHIFT) | E_TABLE;
			slot_put(slot, v);
		}
		t = table_of(pm, v);
	}
	return &t[idx(va, PAGE_SHIFT)];
}

int pmap_lookup(struct pmap *pm, uint64_t va, struct pmap_entry *out)
{
	bool huge;
	int err = 0;
	uint64_t *slot = find_slot(pm, va, false, false, &huge, &err);

	decode(slot ? slot_get(slot) : 0, huge, out);
	return out->kind;
}

int pmap_set(struct pmap *pm, uint64_t va, const struct pmap_entry *e, struct pmap_entry *old)
{
	bool huge_e = e->flags & PMAP_HUGE;
	bool huge;
	int err = 0;
	uint64_t *slot = find_slot(pm, va, true, huge_e, &huge, &err);

	if (!slot)
		return err ? err : -EINVAL;	/* a huge leaf is in the way */
	if (huge != huge_e)
		return -EINVAL;			/* a 4 KiB entry inside a huge leaf */
	if (huge_e && is_table(slot_get(slot)))
		return -EINVAL;			/* a PTE table is in the way */
	uint64_t prev = __atomic_exchange_n(slot, encode(e, huge_e), __ATOMIC_ACQ_REL);
	if (old)
		decode(prev, huge, old);
	return 0;
}

/* ---- range iteration ------------------------------------------------------ */

void pmap_iter_init(struct pmap_iter *it, struct pmap *pm, uint64_t start, uint64_t end)
{
	memset(it, 0, sizeof *it);
	it->pm = pm;
	it->va = start;
	it->end = end;
}

static inline uint64_t next_boundary(uint64_t va, unsigned shift)
{
	return ((va >> shift) + 1) << shift;
}

bool pmap_iter_next(struct pmap_iter *it, struct pmap_entry *e)
{
	struct pmap *pm = it->pm;
	uint64_t va = it->started ? it->va + it->size : it->va;

	it->started = true;
	while (va < it->end) {
		if (it->pte_table && va - it->tbl_base < PMD_SIZE) {
			uint64_t *slot = &it->pte_table[idx(va, PAGE_SHIFT)];
			uint64_t v = slot_get(slot);
			if (v) {
				it->va = va;
				it->slot = slot;
				it->size = PAGE_SIZE;
				decode(v, false, e);
				return true;
			}
			va += PAGE_SIZE;
			continue;
		}
		it->pte_table = NULL;
		uint64_t *pgd = (uint64_t *)hw_frame(pm->hw, pm->root_pfn);
		uint64_t g = slot_get(&pgd[idx(va, PGDIR_SHIFT)]);
		if (!is_table(g)) {
			va = next_boundary(va, PGDIR_SHIFT);
			continue;
		}
		uint64_t u = slot_get(&table_of(pm, g)[idx(va, PUD_SHIFT)]);
		if (!is_table(u)) {
			va = next_boundary(va, PUD_SHIFT);
			continue;
		}
		uint64_t *pslot = &table_of(pm, u)[idx(va, PMD_SHIFT)];
		uint64_t m = slot_get(pslot);
		if (!m) {
			va = next_boundary(va, PMD_SHIFT);
			continue;
		}
		if (m & E_PSE) {
			it->va = va & PMD_MASK;
			it->slot = pslot;
			it->size = PMD_SIZE;
			decode(m, true, e);
			return true;
		}
		it->pte_table = table_of(pm, m);
		it->tbl_base = va & PMD_MASK;
	}
	it->va = it->end;
	it->size = 0;
	return false;
}

void pmap_iter_clear(struct pmap_iter *it, struct pmap_entry *old)
{
	uint64_t prev = __atomic_exchange_n(it->slot, 0, __ATOMIC_ACQ_REL);
	if (old)
		decode(prev, it->size == PMD_SIZE, old);
}

void pmap_iter_write(struct pmap_iter *it, const struct pmap_entry *e)
{
	slot_put(it->slot, encode(e, it->size == PMD_SIZE));
}

void pmap_iter_modify_start(struct pmap_iter *it, struct pmap_entry *old)
{
	/* With CPUs on threads an MMU may be setting A or D right now: take
	 * the entry out with one exchange so those bits are in what we read
	 * and none lands after it (the MMU's compare-and-swap fails, it walks
	 * again, finds nothing and faults - waiting on the ptl our caller
	 * holds).  One thread drives everything otherwise: just read it. */
	uint64_t v = it->pm->hw->threaded ? __atomic_exchange_n(it->slot, 0, __ATOMIC_ACQ_REL)
					  : slot_get(it->slot);
	decode(v, it->size == PMD_SIZE, old);
}

void pmap_iter_modify_commit(struct pmap_iter *it, const struct pmap_entry *e)
{
	slot_put(it->slot, encode(e, it->size == PMD_SIZE));
}

/* ---- freeing page tables ------------------------------------------------- */

static bool table_empty(const uint64_t *t)
{
	for (unsigned i = 0; i < PTRS_PER_TABLE; i++)
		if (slot_get(&t[i]))
			return false;
	return true;
}

struct free_ctx {
	struct pmap *pm;
	uint64_t start, end, floor, ceiling;
	void (*fn)(void *, uint64_t);
	void *arg;
	unsigned freed;
};

/* May the table covering [base, base + size) go? */
static bool within(const struct free_ctx *c, uint64_t base, uint64_t size)
{
	uint64_t ceil = c->ceiling ? c->ceiling : UINT64_MAX;
	return base >= c->floor && base + size - 1 <= ceil - 1;
}

/* Walks the entries of table t (covering entries of 1 << shift bytes) that
 * meet [start, end); frees child tables that may go and are empty. */
static void free_level(struct free_ctx *c, uint64_t *t, uint64_t base, unsigned shift)
{
	uint64_t step = 1ULL << shift;
	for (unsigned i = 0; i < PTRS_PER_TABLE; i++) {
		uint64_t lo = base + i * step;
		uint64_t v = slot_get(&t[i]);
		if (lo + step <= c->start || lo >= c->end || !is_table(v))
			continue;
		uint64_t *child = table_of(c->pm, v);
		if (shift > PMD_SHIFT)
			free_level(c, child, lo, shift - 9);
		if (within(c, lo, step) && table_empty(child)) {
			/* A walker may still be inside the table: the frame goes
			 * to free_fn, which frees it only after the flush (whose
			 * IPIs wait for walks in flight). */
			slot_put(&t[i], 0);
			free_table(c->pm, (v & E_ADDR) >> PAGE_SHIFT, c->fn, c->arg);
			c->freed++;
		}
	}
}

unsigned pmap_free_tables(struct pmap *pm, uint64_t start, uint64_t end, uint64_t floor,
			  uint64_t ceiling, void (*free_fn)(void *arg, uint64_t pfn), void *arg)
{
	struct free_ctx c = { pm, start, end, floor, ceiling, free_fn, arg, 0 };
	free_level(&c, (uint64_t *)hw_frame(pm->hw, pm->root_pfn), 0, PGDIR_SHIFT);
	return c.freed;
}

/* ---- the MMU's walk ----------------------------------------------------- */

/*
 * Walks for an access, as the hardware does: sets A (and D for a write) on
 * the leaf when the access is allowed.  Returns the host address of the
 * page (or huge page) and its TLB permissions, or NULL when the access
 * must fault.  Used only by tlb.c.
 *
 * A/D are set by compare-and-swap against the value this walk read: the
 * core may clear or replace the leaf meanwhile, and an OR into a cleared
 * slot would fabricate a non-present entry that decodes as swap.  When the
 * swap fails the walk starts again from the root, as an x86 MMU's locked
 * update of a changed entry does.
 */
uint8_t *pmap_hw_walk(struct pmap *pm, uint64_t va, unsigned access, uint32_t *perm, bool *huge,
		      unsigned *levels)
{
	static const unsigned shifts[4] = { PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT, PAGE_SHIFT };

	*huge = false;
retry:;
	uint64_t *t = (uint64_t *)hw_frame(pm->hw, pm->root_pfn);
	for (unsigned lvl = 0; lvl < 4; lvl++) {
		uint64_t *slot = &t[idx(va, shifts[lvl])];
		uint64_t v = slot_get(slot);
		*levels = lvl + 1;
		if (!(v & E_P))
			return NULL;
		bool leaf = lvl == 3 || (lvl == 2 && (v & E_PSE));
		if (!leaf) {
			/* x86 sets A in every paging-structure entry it uses;
			 * only the PMD level's is ever cleared (MGLRU's walk),
			 * so only there can it be missing.  Same rule as a
			 * leaf's A: never OR into a slot the core changed. */
			if (lvl == 2 && !(v & E_A) &&
			    !__atomic_compare_exchange_n(slot, &v, v | E_A, false, __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				goto retry;
			t = table_of(pm, v);
			continue;
		}
		if (!(v & E_US))
			return NULL;
		if ((access & HW_ACC_WRITE) && !(v & E_RW))
			return NULL;
		if ((access & HW_ACC_EXEC) && (v & E_NX))
			return NULL;
		uint64_t set = E_A | ((access & HW_ACC_WRITE) ? E_D : 0);
		if ((v & set) != set) {
			if (!__atomic_compare_exchange_n(slot, &v, v | set, false, __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				goto retry;
			v |= set;
		}
		*perm = TLB_R | (((v & E_RW) && (v & E_D)) ? TLB_W : 0) | ((v & E_NX) ? 0 : TLB_X);
		*huge = lvl == 2;
		uint64_t pfn = (v & E_ADDR) >> PAGE_SHIFT;
		return hw_frame(pm->hw, pfn);
	}
	return NULL;
}

/* ---- splitting a huge leaf ---------------------------------------------------- */

int pmap_split_huge(struct pmap *pm, uint64_t va)
{
	bool huge;
	int err = 0;
	uint64_t *slot = find_slot(pm, va, false, true, &huge, &err);
	uint64_t v = slot ? slot_get(slot) : 0;
	if (!(v & E_PSE) || !(v & (E_P | E_PROTNONE)))
		return -EINVAL;
	uint64_t pfn;
	if ((err = alloc_table(pm, &pfn)))
		return err;
	uint64_t *t = (uint64_t *)hw_frame(pm->hw, pfn);
	/* The MMU may set A/D on the huge leaf while we copy it: install the
	 * table only over the value the copies were made from. */
	do {
		if (!(v & E_PSE) || !(v & (E_P | E_PROTNONE))) {
			free_table(pm, pfn, NULL, NULL);
			return -EINVAL;
		}
		uint64_t leaf = v & ~E_PSE;
		for (unsigned i = 0; i < PTRS_PER_TABLE; i++)
			t[i] = leaf + ((uint64_t)i << PAGE_SHIFT);	/* not yet visible */
	} while (!__atomic_compare_exchange_n(slot, &v, (pfn << PAGE_SHIFT) | E_TABLE, false,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return 0;
}

bool pmap_pmd_none(struct pmap *pm, uint64_t va)
{
	bool huge;
	int err = 0;
	uint64_t *slot = find_slot(pm, va, false, true, &huge, &err);
	return !slot || !__atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

/* ---- the accessed bit of a PMD entry pointing to a PTE table ----------------- */

/* The PMD slot covering va when it holds a PTE table pointer, else NULL. */
static uint64_t *pmd_table_slot(struct pmap *pm, uint64_t va)
{
	bool huge;
	int err = 0;
	uint64_t *slot = find_slot(pm, va, false, true, &huge, &err);
	return slot && is_table(slot_get(slot)) ? slot : NULL;
}

bool pmap_pmd_young(struct pmap *pm, uint64_t va)
{
	uint64_t *slot = pmd_table_slot(pm, va);
	return slot && (slot_get(slot) & E_A);
}

/*
 * As x86's pmdp_test_and_clear_young on a non-leaf entry: no flush (a
 * TLB entry filled through this table stays; mmsim keeps no paging-
 * structure cache, so the next miss through it sets A again).  The MMU
 * may set A meanwhile: a compare-and-swap loop, so a bit it sets after
 * our read is never lost and we never write over a table the core
 * replaced.
 */
bool pmap_pmd_test_and_clear_young(struct pmap *pm, uint64_t va)
{
	uint64_t *slot = pmd_table_slot(pm, va);
	if (!slot)
		return false;
	uint64_t v = slot_get(slot);
	do {
		if (!is_table(v) || !(v & E_A))
			return false;
	} while (!__atomic_compare_exchange_n(slot, &v, v & ~E_A, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	return true;
}
