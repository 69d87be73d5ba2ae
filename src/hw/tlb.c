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
 */
#include "hw.h"

#include <signal.h>

#define MAX_FAULT_RETRIES (1u << 20)

static inline uint64_t tag_of(uint64_t vpn, uint16_t asid)
{
	return (vpn << 16) | asid;
}

static inline uint16_t tag_asid(uint64_t tag)
{
	return (uint16_t)tag;
}

static void tlb_fill(struct tlb_entry *set, unsigned ways, uint8_t *next, uint64_t tag,
		     uint8_t *host, uint32_t perm)
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
		tlb_fill(t->e2m + (size_t)s * t->ways2m, t->ways2m, &t->next2m[s],
			 tag_of(hvpn, cpu->asid), host, perm);
	} else {
		uint64_t vpn = va >> PAGE_SHIFT;
		unsigned s = (unsigned)(vpn & (t->sets4k - 1));
		tlb_fill(t->e4k + (size_t)s * t->ways4k, t->ways4k, &t->next4k[s],
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
		int s = hw->fault ? hw->fault(cpu, va, access) : SIGSEGV;
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

static void inval_page(struct hw_cpu *cpu, uint16_t asid, uint64_t va)
{
	struct tlb *t = &cpu->tlb;
	uint64_t vpn = va >> PAGE_SHIFT;
	struct tlb_entry *set = t->e4k + (size_t)(vpn & (t->sets4k - 1)) * t->ways4k;
	uint64_t tag = tag_of(vpn, asid);
	for (unsigned w = 0; w < t->ways4k; w++)
		if (set[w].tag == tag)
			set[w].tag = TLB_INVALID;
	uint64_t hvpn = va >> PMD_SHIFT;
	set = t->e2m + (size_t)(hvpn & (t->sets2m - 1)) * t->ways2m;
	tag = tag_of(hvpn, asid);
	for (unsigned w = 0; w < t->ways2m; w++)
		if (set[w].tag == tag)
			set[w].tag = TLB_INVALID;
	cpu->cnt.tlb_invlpg++;
	hw_charge(cpu, cpu->hw->cfg.cost.invlpg);
}

static void inval_asid(struct hw_cpu *cpu, uint16_t asid)
{
	struct tlb *t = &cpu->tlb;
	size_t n4 = (size_t)t->sets4k * t->ways4k, n2 = (size_t)t->sets2m * t->ways2m;
	for (size_t i = 0; i < n4; i++)
		if (t->e4k[i].tag != TLB_INVALID && tag_asid(t->e4k[i].tag) == asid)
			t->e4k[i].tag = TLB_INVALID;
	for (size_t i = 0; i < n2; i++)
		if (t->e2m[i].tag != TLB_INVALID && tag_asid(t->e2m[i].tag) == asid)
			t->e2m[i].tag = TLB_INVALID;
	cpu->cnt.tlb_flush_full++;
	hw_charge(cpu, cpu->hw->cfg.cost.flush_full);
}

void hw_switch_mm(struct hw_cpu *cpu, struct pmap *pm)
{
	if (cpu->pmap == pm)
		return;
	if (cpu->pmap)
		__atomic_and_fetch(&cpu->pmap->cpumask, ~(1ULL << cpu->id), __ATOMIC_ACQ_REL);
	cpu->pmap = pm;
	cpu->asid = pm ? pm->asid : 0;
	if (!pm)
		return;
	__atomic_or_fetch(&pm->cpumask, 1ULL << cpu->id, __ATOMIC_ACQ_REL);
	uint64_t gen = __atomic_load_n(&pm->tlb_gen, __ATOMIC_ACQUIRE);
	if (pm->seen_gen[cpu->id] != gen) {
		inval_asid(cpu, pm->asid);
		pm->seen_gen[cpu->id] = gen;
	}
}

/* Runs the invalidation on one CPU: its own, or a remote one's IPI handler. */
static void flush_on(struct hw_cpu *cpu, struct pmap *pm, uint64_t start, uint64_t end,
		     unsigned stride_shift, bool full, uint64_t gen)
{
	if (full) {
		inval_asid(cpu, pm->asid);
	} else {
		for (uint64_t va = start; va < end; va += 1ULL << stride_shift)
			inval_page(cpu, pm->asid, va);
	}
	pm->seen_gen[cpu->id] = gen;
}

static void shootdown(struct hw_cpu *self, struct pmap *pm, uint64_t start, uint64_t end,
		      unsigned stride_shift, bool full)
{
	struct hw_machine *hw = pm->hw;
	uint64_t gen = __atomic_add_fetch(&pm->tlb_gen, 1, __ATOMIC_ACQ_REL);
	uint64_t mask = __atomic_load_n(&pm->cpumask, __ATOMIC_ACQUIRE);

	if (self) {
		self->cnt.tlb_flushes++;
		if (pm->cnt)
			pm->cnt->tlb_flushes++;
	}
	for (unsigned c = 0; c < hw->nr_cpus; c++) {
		if (!(mask & (1ULL << c)))
			continue;
		struct hw_cpu *cpu = &hw->cpu[c];
		if (cpu != self) {
			if (self) {
				self->cnt.ipis_sent++;
				hw_charge(self, hw->cfg.cost.ipi_send);
			}
			if (pm->cnt)
				pm->cnt->ipis_sent++;
			cpu->cnt.ipis_received++;
			hw_charge(cpu, hw->cfg.cost.ipi_receive);
		}
		flush_on(cpu, pm, start, end, stride_shift, full, gen);
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
	if (full && pm->cnt)
		pm->cnt->tlb_flush_full++;
	else if (pm->cnt)
		pm->cnt->tlb_invlpg += nr;
	shootdown(self, pm, start, end, stride_shift, full);
}

void hw_flush_mm(struct hw_cpu *self, struct pmap *pm)
{
	if (pm->cnt)
		pm->cnt->tlb_flush_full++;
	shootdown(self, pm, 0, 0, PAGE_SHIFT, true);
}
