/*
 * tlb.c - per-CPU TLBs, the access path (TLB, walk, fault), address-space
 * switches and TLB shootdown with IPIs.
 *
 * Each CPU has two set-associative TLBs, one for 4 KiB and one for 2 MiB
 * pages, tagged with the address space's ASID (x86 PCID) so a switch need
 * not flush.  Shootdown follows x86's flush_tlb_mm_range(): CPUs running
 * the address space are invalidated now (remote ones by IPI); CPUs that ran
 * it earlier find its generation moved on when they switch back, and flush
 * its entries then.
 *
 * In threaded mode every CPU's TLB is guarded by its TLB lock (hw.h, "Threaded
 * mode"): the owner holds it across an access, and a shootdown takes it on
 * each target in turn, which is how a flush waits for accesses in flight.
 */
#include "hw.h"
#include "trace.h"

#include <sched.h>
#include <signal.h>

#define MAX_FAULT_RETRIES (1u << 20)

/* Per-address-space counters are shared by every CPU running the mm. */
#define count_pm(pm, field, n)                                                     \
	do {                                                                       \
		if ((pm)->cnt)                                                     \
			__atomic_fetch_add(&(pm)->cnt->field, (n), __ATOMIC_RELAXED); \
	} while (0)

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

void hw_tlb_lock_slow(struct hw_cpu *cpu, uint32_t ticket)
{
	for (unsigned spins = 0;
	     __atomic_load_n(&cpu->tlb_lock.owner, __ATOMIC_ACQUIRE) != ticket; spins++) {
		/* The holder is inside one access or one invalidation, so it is
		 * quick unless its host thread was preempted (more simulated
		 * CPUs than host cores): then give it the core. */
		if (spins < 128)
			cpu_relax();
		else
			sched_yield();
	}
}

static inline uint64_t tag_of(uint64_t vpn, uint16_t asid)
{
	return (vpn << 16) | asid;
}

static inline uint16_t tag_asid(uint64_t tag)
{
	return (uint16_t)tag;
}

static void tlb_fill(struct tlb *t, struct tlb_entry *set, unsigned ways, uint8_t *next,
		     uint64_t tag, uint8_t *host, uint32_t perm)
{
	unsigned victim = ways;
	for (unsigned w = 0; w < ways; w++) {
		if (set[w].tag == tag) {
			victim = w;	/* refresh (e.g. the dirty bit got set) */
			break;
		}
		if (victim == ways && set[w].tag == TLB_INVALID)
			victim = w;
	}
	if (victim == ways) {
		victim = *next;
		*next = (uint8_t)((victim + 1) % ways);
	}
	if (set[victim].tag == TLB_INVALID)
		t->live++;
	set[victim].tag = tag;
	set[victim].host = host;
	set[victim].perm = perm;
}

static uint8_t *tlb2m_lookup(struct hw_cpu *cpu, uint64_t va, unsigned access)
{
	struct tlb *t = &cpu->tlb;
	uint64_t hvpn = va >> PMD_SHIFT;
	struct tlb_entry *set = t->e2m + (size_t)(hvpn & (t->sets2m - 1)) * t->ways2m;
	uint64_t tag = tag_of(hvpn, cpu->asid);
	for (unsigned w = 0; w < t->ways2m; w++)
		if (set[w].tag == tag && (set[w].perm & access) == access)
			return set[w].host + (va & ~PMD_MASK);
	return NULL;
}

static void tlb_insert(struct hw_cpu *cpu, uint64_t va, bool huge, uint8_t *host, uint32_t perm)
{
	struct tlb *t = &cpu->tlb;
	if (huge) {
		uint64_t hvpn = va >> PMD_SHIFT;
		unsigned s = (unsigned)(hvpn & (t->sets2m - 1));
		tlb_fill(t, t->e2m + (size_t)s * t->ways2m, t->ways2m, &t->next2m[s],
			 tag_of(hvpn, cpu->asid), host, perm);
	} else {
		uint64_t vpn = va >> PAGE_SHIFT;
		unsigned s = (unsigned)(vpn & (t->sets4k - 1));
		tlb_fill(t, t->e4k + (size_t)s * t->ways4k, t->ways4k, &t->next4k[s],
			 tag_of(vpn, cpu->asid), host, perm);
	}
}

uint8_t *hw_translate_slow(struct hw_cpu *cpu, uint64_t va, unsigned access, int *sig)
{
	struct hw_machine *hw = cpu->hw;

	for (unsigned tries = 0; tries < MAX_FAULT_RETRIES; tries++) {
		uint8_t *p = va < TASK_SIZE ? tlb2m_lookup(cpu, va, access) : NULL;
		if (p) {
			cpu->cnt.tlb_hits++;
			hw_charge(cpu, hw->cfg.cost.tlb_hit);
			return p;
		}
		cpu->cnt.tlb_misses++;
		if (va < TASK_SIZE && cpu->pmap) {
			uint32_t perm = 0;
			bool huge;
			unsigned levels = 0;
			uint8_t *page = pmap_hw_walk(cpu->pmap, va, access, &perm, &huge, &levels);
			cpu->cnt.walks++;
			hw_charge(cpu, (uint64_t)levels * hw->cfg.cost.walk_level);
			if (page) {
				tlb_insert(cpu, va, huge, page, perm);
				return page + (va & (huge ? ~PMD_MASK : ~PAGE_MASK));
			}
		}
		cpu->cnt.faults++;
		hw_charge(cpu, hw->cfg.cost.fault);
		if (!hw->fault) {
			*sig = SIGSEGV;
			return NULL;
		}
		/* The handler sleeps on the core's locks, which a flusher may
		 * hold while it waits for this CPU's TLB lock, and may flush
		 * this CPU itself: it never runs with the lock held. */
		if (hw->threaded)
			hw_tlb_unlock(cpu);
		int s = hw->fault(cpu, va, access);
		if (hw->threaded)
			hw_tlb_lock(cpu);
		if (s) {
			*sig = s;
			return NULL;
		}
	}
	/* A fault handler that keeps saying "retry" without fixing anything
	 * is a simulator bug; the program sees a bus error, not a hang. */
	*sig = SIGBUS;
	return NULL;
}

/* ---- invalidation ---------------------------------------------------------- */

/*
 * The invalidations charge cnt: the CPU's own counters when its owner does
 * the work, its irq_cnt when a sender does it for it (the IPI handler).
 */
static void inval_page(struct hw_cpu *cpu, struct mmsim_counters *cnt, uint16_t asid, uint64_t va)
{
	struct tlb *t = &cpu->tlb;
	uint64_t vpn = va >> PAGE_SHIFT;
	struct tlb_entry *set = t->e4k + (size_t)(vpn & (t->sets4k - 1)) * t->ways4k;
	uint64_t tag = tag_of(vpn, asid);
	for (unsigned w = 0; w < t->ways4k; w++)
		if (set[w].tag == tag) {
			set[w].tag = TLB_INVALID;
			t->live--;
		}
	uint64_t hvpn = va >> PMD_SHIFT;
	set = t->e2m + (size_t)(hvpn & (t->sets2m - 1)) * t->ways2m;
	tag = tag_of(hvpn, asid);
	for (unsigned w = 0; w < t->ways2m; w++)
		if (set[w].tag == tag) {
			set[w].tag = TLB_INVALID;
			t->live--;
		}
	cnt->tlb_invlpg++;
	cnt->cycles += cpu->hw->cfg.cost.invlpg;
}

static void inval_asid(struct hw_cpu *cpu, struct mmsim_counters *cnt, uint16_t asid)
{
	struct tlb *t = &cpu->tlb;
	size_t n4 = (size_t)t->sets4k * t->ways4k, n2 = (size_t)t->sets2m * t->ways2m;
	/* An empty TLB (common: nothing ran since the last flush) needs no
	 * scan of its 2560 entries. */
	for (size_t i = 0; i < n4 && t->live; i++)
		if (t->e4k[i].tag != TLB_INVALID && tag_asid(t->e4k[i].tag) == asid) {
			t->e4k[i].tag = TLB_INVALID;
			t->live--;
		}
	for (size_t i = 0; i < n2 && t->live; i++)
		if (t->e2m[i].tag != TLB_INVALID && tag_asid(t->e2m[i].tag) == asid) {
			t->e2m[i].tag = TLB_INVALID;
			t->live--;
		}
	cnt->cycles += cpu->hw->cfg.cost.flush_full;
}

/* Records that cpu holds no entry of pm older than flush generation gen.
 * Concurrent senders may finish out of order: never move backwards. */
static void set_seen_gen(struct pmap *pm, struct hw_cpu *cpu, uint64_t gen)
{
	if (pm->seen_gen[cpu->id] < gen)
		pm->seen_gen[cpu->id] = gen;
}

static void switch_mm_locked(struct hw_cpu *cpu, struct pmap *pm)
{
	if (cpu->pmap == pm)
		return;
	if (cpu->pmap)
		__atomic_and_fetch(&cpu->pmap->cpumask, ~(1ULL << cpu->id), __ATOMIC_SEQ_CST);
	cpu->pmap = pm;
	cpu->asid = pm ? pm->asid : 0;
	if (!pm)
		return;
	/*
	 * Set our cpumask bit, then read tlb_gen; shootdown() bumps tlb_gen,
	 * then reads cpumask.  Both sequentially consistent: either the sender
	 * sees us (and invalidates us under our lock, after this switch) or we
	 * see its generation and flush pm's entries here.
	 */
	__atomic_or_fetch(&pm->cpumask, 1ULL << cpu->id, __ATOMIC_SEQ_CST);
	uint64_t gen = __atomic_load_n(&pm->tlb_gen, __ATOMIC_SEQ_CST);
	if (pm->seen_gen[cpu->id] != gen) {
		/* A flush this CPU starts itself, and a full one (Linux's
		 * "flush on task switch"). */
		inval_asid(cpu, &cpu->cnt, pm->asid);
		cpu->cnt.tlb_flushes++;
		cpu->cnt.tlb_flush_full++;
		set_seen_gen(pm, cpu, gen);
	}
}

void hw_switch_mm(struct hw_cpu *cpu, struct pmap *pm)
{
	bool threaded = cpu->hw->threaded;
	if (threaded)
		hw_tlb_lock(cpu);
	switch_mm_locked(cpu, pm);
	if (threaded)
		hw_tlb_unlock(cpu);
}

void hw_leave_mm(struct hw_cpu *cpu, struct pmap *pm)
{
	bool threaded = cpu->hw->threaded;
	if (threaded)
		hw_tlb_lock(cpu);
	if (cpu->pmap == pm)
		switch_mm_locked(cpu, NULL);
	if (threaded)
		hw_tlb_unlock(cpu);
}

/* Runs the invalidation on one CPU, with its TLB lock held in threaded mode:
 * its own, or a remote one's IPI handler (charging cnt). */
static void flush_on(struct hw_cpu *cpu, struct mmsim_counters *cnt, struct pmap *pm,
		     uint64_t start, uint64_t end, unsigned stride_shift, bool full, uint64_t gen)
{
	if (full) {
		inval_asid(cpu, cnt, pm->asid);
	} else {
		for (uint64_t va = start; va < end; va += 1ULL << stride_shift)
			inval_page(cpu, cnt, pm->asid, va);
	}
	set_seen_gen(pm, cpu, gen);
}

static void shootdown(struct hw_cpu *self, struct pmap *pm, uint64_t start, uint64_t end,
		      unsigned stride_shift, bool full)
{
	struct hw_machine *hw = pm->hw;
	/* Pairs with switch_mm_locked(): see there. */
	uint64_t gen = __atomic_add_fetch(&pm->tlb_gen, 1, __ATOMIC_SEQ_CST);
	uint64_t mask = __atomic_load_n(&pm->cpumask, __ATOMIC_SEQ_CST);

	if (self) {
		self->cnt.tlb_flushes++;
		self->cnt.tlb_flush_full += full;
	} else {
		__atomic_add_fetch(&hw->kthread_cnt.tlb_flushes, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&hw->kthread_cnt.tlb_flush_full, full, __ATOMIC_RELAXED);
	}
	count_pm(pm, tlb_flushes, 1);
	/* Linux's tlb:tlb_flush, on the flushing CPU: its own TLB (local
	 * shootdown) and the IPIs it sends; pages, or -1 for a full flush. */
	if (self && (mask & (1ULL << self->id)))
		TRACE("tlb_flush", "pages:%lld reason:local shootdown (2)",
		      full ? -1LL : (long long)((end - start) >> stride_shift));
	if (mask & ~(self ? 1ULL << self->id : 0))
		TRACE("tlb_flush", "pages:%lld reason:remote ipi send (4)",
		      full ? -1LL : (long long)((end - start) >> stride_shift));
	for (unsigned c = 0; c < hw->nr_cpus; c++) {
		if (!(mask & (1ULL << c)))
			continue;
		struct hw_cpu *cpu = &hw->cpu[c];
		struct mmsim_counters *cnt = &cpu->cnt;
		if (cpu != self) {
			if (self) {
				self->cnt.ipis_sent++;
				hw_charge(self, hw->cfg.cost.ipi_send);
			} else {
				__atomic_add_fetch(&hw->kthread_cnt.ipis_sent, 1, __ATOMIC_RELAXED);
				__atomic_add_fetch(&hw->kthread_cnt.cycles, hw->cfg.cost.ipi_send,
						   __ATOMIC_RELAXED);
			}
			count_pm(pm, ipis_sent, 1);
			cnt = &cpu->irq_cnt;
		}
		/* The IPI: taken once the access in flight there is done.  The
		 * CPU may have left pm meanwhile; its entries are still
		 * tagged with pm's ASID, so invalidate them all the same. */
		if (hw->threaded)
			hw_tlb_lock(cpu);
		if (cpu != self) {
			cnt->ipis_received++;
			cnt->cycles += hw->cfg.cost.ipi_receive;
		}
		flush_on(cpu, cnt, pm, start, end, stride_shift, full, gen);
		if (hw->threaded)
			hw_tlb_unlock(cpu);
	}
}

void hw_flush_range(struct hw_cpu *self, struct pmap *pm, uint64_t start, uint64_t end,
		    unsigned stride_shift)
{
	if (end <= start)
		return;
	start &= ~((1ULL << stride_shift) - 1);
	uint64_t nr = (end - start + (1ULL << stride_shift) - 1) >> stride_shift;
	bool full = nr > pm->hw->cfg.flush_ceiling;
	if (full)
		count_pm(pm, tlb_flush_full, 1);
	else
		count_pm(pm, tlb_invlpg, nr);
	shootdown(self, pm, start, end, stride_shift, full);
}

void hw_flush_mm(struct hw_cpu *self, struct pmap *pm)
{
	count_pm(pm, tlb_flush_full, 1);
	shootdown(self, pm, 0, 0, PAGE_SHIFT, true);
}

/* ---- counters ------------------------------------------------------------ */

void hw_cpu_counters(struct hw_cpu *cpu, struct mmsim_counters *out)
{
	uint64_t *d = (uint64_t *)out;
	const uint64_t *irq = (const uint64_t *)&cpu->irq_cnt;

	*out = cpu->cnt;
	if (cpu->hw->threaded)
		hw_tlb_lock(cpu);
	for (size_t i = 0; i < sizeof *out / sizeof *d; i++)
		d[i] += irq[i];
	if (cpu->hw->threaded)
		hw_tlb_unlock(cpu);
}
