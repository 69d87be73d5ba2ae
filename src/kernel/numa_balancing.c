/*
 * numa_balancing.c - automatic NUMA balancing's task side, as Linux 6.12's
 * kernel/sched/fair.c does it: the scheduler tick that starts a scan
 * (task_tick_numa), the scanner itself (task_numa_work), the statistics
 * each hinting fault leaves (task_numa_fault), the scan period's
 * adaptation to them (update_task_scan_period), the preferred node
 * (task_numa_placement), numa_groups of tasks sharing memory
 * (task_numa_group), and the decision a hinting fault asks for: the
 * cpupid two-stage filter (should_numa_migrate_memory).
 *
 * Time.  Each CPU has its own cycle clock; at MMSIM_CPU_MHZ it reads as
 * ns and ms.  A CPU ticks every TICK_MS of its clock (Linux's HZ=250): the
 * access path compares the clock with the CPU's next tick, one compare,
 * and only a tick does more.  The cycles since the CPU's previous tick are
 * credited to the task current at the tick (its sum_exec_runtime, as
 * tick-based accounting would); jiffies are the running CPU's clock.
 *
 * Where this is simpler than Linux (docs/design.md, "Automatic NUMA balancing"):
 * a task moves to its preferred node only onto an idle CPU its affinity
 * allows (mmsim has no load balancer: no swap with a task already there,
 * no other node of its group tried); the per-VMA scan state of 6.x (numab_state: new VMAs' scan
 * delay, the PIDs that touched a VMA) is not kept, every suitable VMA is
 * scanned; the scan's own cost does not push node_stamp on;
 * preferred_group_nid is the NUMA_DIRECT case (the group's busiest node)
 * on every topology.  Memory tiering's half of the decision (a lower
 * tier's page, hot or cold) is memory_tiers.c's.
 *
 * Locking: a task's state is its own CPU's; numa_lock guards group
 * membership and the groups' statistics, which faults read with relaxed
 * loads; mm->numa_next_scan is claimed with a compare-and-swap, so one
 * thread of an address space scans at a time.
 */
#include "kernel.h"

#include <stdlib.h>
#include <string.h>

#define TICK_MS 4ULL					/* HZ 250 */
#define CYCLES_PER_MS ((uint64_t)MMSIM_CPU_MHZ * 1000)
#define TICK_CYCLES (TICK_MS * CYCLES_PER_MS)
#define TICK_NSEC (TICK_MS * 1000000)
#define NSEC_PER_MSEC 1000000ULL

/* update_task_scan_period's ten slots and the threshold of seven. */
#define NUMA_PERIOD_SLOTS 10
#define NUMA_PERIOD_THRESHOLD 7
/* The fastest scan: 2560 MB/s whatever scan_size is. */
#define MAX_SCAN_WINDOW 2560
/* A node is active for a group past a third of its busiest node's faults. */
#define ACTIVE_NODE_FRACTION 3

/* Linux's numa_faults_stats: the decayed and the new (buffer) faults, by
 * memory node and by CPU node. */
enum { NUMA_MEM, NUMA_CPU, NUMA_MEMBUF, NUMA_CPUBUF, NUMA_BUCKETS };

struct numa_group {
	int refcount;		/* member tasks */
	int nr_tasks;
	int gid;		/* the pid of the task that made it */
	unsigned active_nodes;
	unsigned long max_faults_cpu;
	unsigned long total_faults;
	unsigned long faults[];	/* as a task's, NUMA_MEM and NUMA_CPU decayed */
};

static unsigned nr_node_ids(const struct mmsim *m)
{
	return m->hw->nr_nodes;
}

static size_t faults_len(const struct mmsim *m)
{
	return (size_t)NUMA_BUCKETS * nr_node_ids(m) * 2;
}

static size_t faults_idx(const struct mmsim *m, unsigned bucket, unsigned nid, int priv)
{
	return 2 * ((size_t)bucket * nr_node_ids(m) + nid) + (unsigned)priv;
}

static const struct mmsim_config *cfg_of(const struct mmsim *m)
{
	return &m->hw->cfg;
}

static uint64_t clock_ns(const struct hw_cpu *cpu)
{
	return hw_cpu_clock(cpu) * 1000 / MMSIM_CPU_MHZ;
}

/* Group statistics: written under numa_lock, read by faults without it. */
static unsigned long ng_load(const struct numa_group *ng, size_t i)
{
	return __atomic_load_n(&ng->faults[i], __ATOMIC_RELAXED);
}

static void ng_add(struct numa_group *ng, size_t i, long d)
{
	__atomic_store_n(&ng->faults[i], ng->faults[i] + (unsigned long)d, __ATOMIC_RELAXED);
}

static unsigned long group_faults(const struct mmsim *m, const struct numa_group *ng,
				  unsigned nid)
{
	return ng_load(ng, faults_idx(m, NUMA_MEM, nid, 0)) +
	       ng_load(ng, faults_idx(m, NUMA_MEM, nid, 1));
}

static unsigned long group_faults_cpu(const struct mmsim *m, const struct numa_group *ng,
				      unsigned nid)
{
	return ng_load(ng, faults_idx(m, NUMA_CPU, nid, 0)) +
	       ng_load(ng, faults_idx(m, NUMA_CPU, nid, 1));
}

static unsigned long group_faults_by_type(const struct mmsim *m, const struct numa_group *ng,
					  int priv)
{
	unsigned long sum = 0;
	for (unsigned nid = 0; nid < nr_node_ids(m); nid++)
		sum += ng_load(ng, faults_idx(m, NUMA_MEM, nid, priv));
	return sum;
}

static bool numa_is_active_node(const struct mmsim *m, const struct numa_group *ng, unsigned nid)
{
	return group_faults_cpu(m, ng, nid) * ACTIVE_NODE_FRACTION >
	       __atomic_load_n(&ng->max_faults_cpu, __ATOMIC_RELAXED);
}

/* ---- the scan period ---------------------------------------------------------- */

/* How many scan_size windows cover the task's resident memory. */
static unsigned long task_nr_scan_windows(struct mmsim_task *t)
{
	unsigned long nr_scan_pages = (unsigned long)cfg_of(t->m)->numa_balancing_scan_size_mb
				      << (20 - PAGE_SHIFT);
	unsigned long rss = __atomic_load_n(&t->mm->numa_rss, __ATOMIC_RELAXED);
	if (!rss)
		rss = nr_scan_pages;
	rss = (rss + nr_scan_pages - 1) / nr_scan_pages * nr_scan_pages;
	return rss / nr_scan_pages;
}

static unsigned task_scan_min(struct mmsim_task *t)
{
	unsigned scan_size = cfg_of(t->m)->numa_balancing_scan_size_mb;
	unsigned windows = 1;
	/* Never slower than MAX_SCAN_WINDOW MB a second over the whole pass. */
	if (scan_size < MAX_SCAN_WINDOW)
		windows = MAX_SCAN_WINDOW / scan_size;
	unsigned floor = 1000 / windows;
	unsigned long scan = cfg_of(t->m)->numa_balancing_scan_period_min_ms /
			     task_nr_scan_windows(t);
	return scan > floor ? (unsigned)scan : floor;
}

/* A group's period grows with its members and with the share of its
 * faults that are shared. */
static unsigned long group_scaled_period(struct mmsim_task *t, unsigned long period)
{
	struct numa_group *ng = t->numa.group;
	if (!ng)
		return period;
	unsigned long shared = group_faults_by_type(t->m, ng, 0);
	unsigned long private = group_faults_by_type(t->m, ng, 1);
	period *= (unsigned long)__atomic_load_n(&ng->refcount, __ATOMIC_RELAXED);
	period *= shared + 1;
	period /= private + shared + 1;
	return period;
}

static unsigned task_scan_start(struct mmsim_task *t)
{
	unsigned long smin = task_scan_min(t);
	unsigned long period = group_scaled_period(t, smin);
	return (unsigned)(period > smin ? period : smin);
}

static unsigned task_scan_max(struct mmsim_task *t)
{
	unsigned long smin = task_scan_min(t);
	unsigned long smax = cfg_of(t->m)->numa_balancing_scan_period_max_ms /
			     task_nr_scan_windows(t);
	unsigned long scaled = group_scaled_period(t, smax);
	if (scaled > smax)
		smax = scaled;
	return (unsigned)(smax > smin ? smax : smin);
}

/*
 * Once per pass of the scanner: slow the scan down when the task's faults
 * are mostly private or mostly local (its memory is where it should be),
 * speed it up otherwise, by up to three tenths of the period at a time;
 * no faults at all, or failed migrations, double it.
 */
void update_task_scan_period(struct mmsim_task *t, struct hw_cpu *cpu, unsigned long shared,
			     unsigned long private)
{
	struct task_numa *n = &t->numa;
	unsigned long remote = n->faults_locality[0];
	unsigned long local = n->faults_locality[1];
	long diff;

	if (local + shared == 0 || n->faults_locality[2]) {
		unsigned doubled = n->scan_period << 1;
		n->scan_period = doubled < n->scan_period_max ? doubled : n->scan_period_max;
		__atomic_store_n(&t->mm->numa_next_scan, hw_cpu_ms(cpu) + n->scan_period,
				 __ATOMIC_RELAXED);
		return;
	}
	long period_slot = (n->scan_period + NUMA_PERIOD_SLOTS - 1) / NUMA_PERIOD_SLOTS;
	long lr_ratio = (long)(local * NUMA_PERIOD_SLOTS / (local + remote));
	long ps_ratio = (long)(private * NUMA_PERIOD_SLOTS / (private + shared));

	if (ps_ratio >= NUMA_PERIOD_THRESHOLD) {
		long slot = ps_ratio - NUMA_PERIOD_THRESHOLD;
		diff = (slot ? slot : 1) * period_slot;
	} else if (lr_ratio >= NUMA_PERIOD_THRESHOLD) {
		long slot = lr_ratio - NUMA_PERIOD_THRESHOLD;
		diff = (slot ? slot : 1) * period_slot;
	} else {
		long ratio = lr_ratio > ps_ratio ? lr_ratio : ps_ratio;
		diff = -(NUMA_PERIOD_THRESHOLD - ratio) * period_slot;
	}
	long p = (long)n->scan_period + diff;
	long lo = task_scan_min(t), hi = task_scan_max(t);
	n->scan_period = (unsigned)(p < lo ? lo : p > hi ? hi : p);
	memset(n->faults_locality, 0, sizeof n->faults_locality);
}

/* ---- placement ------------------------------------------------------------------ */

/* The nearest node with CPUs (a task cannot be placed on the others). */
static unsigned nearest_cpu_node(struct mmsim *m, unsigned nid)
{
	for (unsigned k = 0; k < nr_node_ids(m); k++) {
		unsigned n = m->mm.zonelist[nid][k];
		if (m->hw->node[n].cpumask)
			return n;
	}
	return nid;
}

/* Linux's numa_group_count_active_nodes(), numa_lock held. */
static void group_count_active_nodes(struct mmsim *m, struct numa_group *ng)
{
	unsigned long max_faults = 0;
	unsigned active = 0;
	for (unsigned nid = 0; nid < nr_node_ids(m); nid++) {
		unsigned long f = group_faults_cpu(m, ng, nid);
		if (f > max_faults)
			max_faults = f;
	}
	for (unsigned nid = 0; nid < nr_node_ids(m); nid++)
		if (group_faults_cpu(m, ng, nid) * ACTIVE_NODE_FRACTION > max_faults)
			active++;
	__atomic_store_n(&ng->max_faults_cpu, max_faults, __ATOMIC_RELAXED);
	__atomic_store_n(&ng->active_nodes, active, __ATOMIC_RELAXED);
}

/*
 * How much of the time since the last placement the task ran, as
 * runtime/period (Linux's numa_get_avg_runtime); the first time, as if it
 * ran all along.
 */
static void task_avg_runtime(struct mmsim_task *t, struct hw_cpu *cpu, uint64_t *runtime,
			     uint64_t *period)
{
	struct task_numa *n = &t->numa;
	uint64_t now = clock_ns(cpu);
	if (n->last_placement && now > n->last_placement) {
		*runtime = n->runtime - n->last_runtime;
		*period = now - n->last_placement;
	} else {
		*runtime = *period = 1;
	}
	n->last_placement = now;
	n->last_runtime = n->runtime;
}

/*
 * Once per scan pass (the mm's numa_scan_seq moved on): decay the fault
 * statistics by half and fold in the new ones, pick the node with most
 * faults (the group's when in one) as the preferred node, and adapt the
 * scan period to the pass's private/shared and local/remote faults.
 */
static void task_numa_placement(struct mmsim_task *t, struct hw_cpu *cpu)
{
	struct mmsim *m = t->m;
	struct task_numa *n = &t->numa;
	int seq = __atomic_load_n(&t->mm->numa_scan_seq, __ATOMIC_RELAXED);
	if (n->scan_seq == seq)
		return;
	n->scan_seq = seq;
	n->scan_period_max = task_scan_max(t);

	unsigned long fault_types[2] = { 0, 0 }, max_faults = 0;
	unsigned long total = n->faults_locality[0] + n->faults_locality[1];
	unsigned max_nid = 0;
	uint64_t runtime, period;
	task_avg_runtime(t, cpu, &runtime, &period);
	struct numa_group *ng = n->group;
	if (ng)
		pthread_mutex_lock(&m->numa_lock);
	for (unsigned nid = 0; nid < nr_node_ids(m); nid++) {
		unsigned long faults = 0, gfaults = 0;
		for (int priv = 0; priv < 2; priv++) {
			size_t mem = faults_idx(m, NUMA_MEM, nid, priv);
			size_t membuf = faults_idx(m, NUMA_MEMBUF, nid, priv);
			size_t cpui = faults_idx(m, NUMA_CPU, nid, priv);
			size_t cpubuf = faults_idx(m, NUMA_CPUBUF, nid, priv);
			long diff = (long)n->faults[membuf] - (long)(n->faults[mem] / 2);
			fault_types[priv] += n->faults[membuf];
			n->faults[membuf] = 0;
			/* CPU faults weighed by the share of time the task ran. */
			long f_weight = (long)((runtime << 16) / (period + 1));
			f_weight = f_weight * (long)n->faults[cpubuf] / (long)(total + 1);
			long f_diff = f_weight - (long)(n->faults[cpui] / 2);
			n->faults[cpubuf] = 0;
			n->faults[mem] += (unsigned long)diff;
			n->faults[cpui] += (unsigned long)f_diff;
			faults += n->faults[mem];
			n->total_faults += (unsigned long)diff;
			if (ng) {
				ng_add(ng, mem, diff);
				ng_add(ng, cpui, f_diff);
				__atomic_store_n(&ng->total_faults, ng->total_faults + (unsigned long)diff,
						 __ATOMIC_RELAXED);
				gfaults += ng_load(ng, mem);
			}
		}
		unsigned long f = ng ? gfaults : faults;
		if (f > max_faults) {
			max_faults = f;
			max_nid = nid;
		}
	}
	max_nid = nearest_cpu_node(m, max_nid);
	if (ng) {
		group_count_active_nodes(m, ng);
		pthread_mutex_unlock(&m->numa_lock);
	}
	if (max_faults)
		n->preferred_nid = (int)max_nid;
	update_task_scan_period(t, cpu, fault_types[0], fault_types[1]);
}

/*
 * The task moves towards its preferred node (Linux's numa_migrate_preferred
 * and task_numa_migrate), retried every scan period / 16 (at most a
 * second) while it is elsewhere.  Linux moves it to an idle CPU there when
 * the two nodes' loads allow, which with one task per CPU they do; it
 * would otherwise swap it with a task there, or stay.  Here: the first
 * CPU of the node in the task's affinity that no task has, else it stays.
 */
static void numa_migrate_preferred(struct mmsim_task *t, struct hw_cpu *cpu)
{
	struct task_numa *n = &t->numa;
	if (n->preferred_nid < 0 || !n->faults)
		return;
	uint64_t interval = n->scan_period / 16;
	n->migrate_retry = hw_cpu_ms(cpu) + (interval < 1000 ? interval : 1000);
	if ((int)cpu->node == n->preferred_nid || __atomic_load_n(&t->move_cpu, __ATOMIC_RELAXED) >= 0)
		return;
	if (task_claim_idle_cpu(t, (unsigned)n->preferred_nid))
		n->cpu_moves++;
}

/* ---- numa_group ----------------------------------------------------------------- */

/* numa_lock held; refcount is read without it (task_scan_max). */
static void put_numa_group(struct numa_group *ng)
{
	if (__atomic_sub_fetch(&ng->refcount, 1, __ATOMIC_RELAXED) == 0)
		free(ng);
}

/* A group of its own for t, with t's statistics (numa_lock held). */
static struct numa_group *numa_group_new(struct mmsim_task *t)
{
	struct mmsim *m = t->m;
	struct numa_group *ng = calloc(1, sizeof *ng + faults_len(m) * sizeof(unsigned long));
	if (!ng)
		return NULL;
	ng->refcount = 1;
	ng->nr_tasks = 1;
	ng->gid = t->pid;
	ng->active_nodes = 1;
	memcpy(ng->faults, t->numa.faults, faults_len(m) * sizeof(unsigned long));
	ng->total_faults = t->numa.total_faults;
	__atomic_store_n(&t->numa.group, ng, __ATOMIC_RELAXED);
	return ng;
}

/* Is tsk still one of the machine's tasks?  m->lock held. */
static bool task_alive(struct mmsim *m, const struct mmsim_task *tsk)
{
	for (int i = 0; i < m->ntasks; i++)
		if (m->tasks[i] == tsk)
			return true;
	return false;
}

/*
 * t took a fault on a page another task (cpupid) touched last.  If that
 * task still runs on the CPU the cpupid names, is in a group at least as
 * big as t's, and shares t's address space (or the page is mapped shared
 * by several processes: TNF_SHARED), t joins its group, taking its fault
 * statistics along; the fault counts as shared.  Otherwise it is taken
 * for false sharing: private.  The bigger group never joins the smaller:
 * the other task joins us at its next such fault.
 */
static void task_numa_group(struct mmsim_task *t, int cpupid, unsigned flags, int *priv)
{
	struct mmsim *m = t->m;
	unsigned cpu = cpupid_to_cpu(cpupid);

	pthread_mutex_lock(&m->lock);
	pthread_mutex_lock(&m->numa_lock);
	struct numa_group *my = t->numa.group;
	if (!my && !(my = numa_group_new(t)))
		goto out;
	if (cpu >= m->hw->nr_cpus)
		goto out;
	struct mmsim_task *tsk = __atomic_load_n((struct mmsim_task **)&m->hw->cpu[cpu].current,
						 __ATOMIC_RELAXED);
	if (!tsk || !task_alive(m, tsk) || (tsk->pid & LAST__PID_MASK) != cpupid_to_pid(cpupid))
		goto out;
	struct numa_group *grp = tsk->numa.group;
	if (!grp || grp == my)
		goto out;
	if (my->nr_tasks > grp->nr_tasks || (my->nr_tasks == grp->nr_tasks && my > grp))
		goto out;
	bool join = tsk->mm == t->mm || (flags & TNF_SHARED);
	*priv = !join;
	if (!join)
		goto out;
	__atomic_add_fetch(&grp->refcount, 1, __ATOMIC_RELAXED);
	for (size_t i = 0; i < faults_len(m); i++) {
		ng_add(my, i, -(long)t->numa.faults[i]);
		ng_add(grp, i, (long)t->numa.faults[i]);
	}
	my->total_faults -= t->numa.total_faults;
	grp->total_faults += t->numa.total_faults;
	my->nr_tasks--;
	grp->nr_tasks++;
	__atomic_store_n(&t->numa.group, grp, __ATOMIC_RELAXED);
	put_numa_group(my);
out:
	pthread_mutex_unlock(&m->numa_lock);
	pthread_mutex_unlock(&m->lock);
}

/* ---- the hinting fault's questions ----------------------------------------------- */

static bool cpupid_match_pid(const struct mmsim_task *t, int cpupid)
{
	return (t->pid & LAST__PID_MASK) == cpupid_to_pid(cpupid);
}

static unsigned cpupid_to_nid(const struct mmsim *m, int cpupid)
{
	unsigned cpu = cpupid_to_cpu(cpupid);
	return cpu < m->hw->nr_cpus ? m->hw->cpu[cpu].node : 0;
}

bool should_numa_migrate_memory(struct hw_cpu *cpu, struct page *head, unsigned src_nid)
{
	struct mmsim_task *t = cpu->current;
	if (!t)
		return true;
	struct mmsim *m = t->m;
	struct mm_sys *s = &m->mm;
	unsigned dst_nid = cpu->node;
	/* A lower tier's pages go by hot or cold, not private or shared. */
	if (folio_use_access_time(s, head))
		return numa_promotion_allowed(s, cpu, head, dst_nid);
	int this_cpupid = cpu_pid_to_cpupid(cpu->id, t->pid);
	int last_cpupid = folio_xchg_last_cpupid(&m->mm, head, this_cpupid);

	/* Without tiering, a lower-tier page nobody has faulted on stays. */
	if (!numa_tiering_mode(s) && !node_is_toptier(s, src_nid) &&
	    cpupid_to_cpu(last_cpupid) >= m->hw->nr_cpus)
		return false;

	/* Early in a task's life (no preferred node yet, or within its first
	 * passes) first faults and private faults move the page at once. */
	if ((t->numa.preferred_nid < 0 || t->numa.scan_seq <= 4) &&
	    (cpupid_pid_unset(last_cpupid) || cpupid_match_pid(t, last_cpupid)))
		return true;
	/* The two-stage filter: only a second fault in a row from this node
	 * moves the page, which squares the chance of acting on a passing
	 * task<->page relation. */
	if (!cpupid_pid_unset(last_cpupid) && cpupid_to_nid(m, last_cpupid) != dst_nid)
		return false;
	if (cpupid_match_pid(t, last_cpupid))
		return true;	/* private */
	struct numa_group *ng = t->numa.group;
	if (!ng)
		return true;	/* shared, but no group yet */
	/* Shared within a group: towards the node that uses it much more,
	 * or by CPU use over memory use with a 3/4 hysteresis. */
	unsigned long cpu_dst = group_faults_cpu(m, ng, dst_nid);
	unsigned long cpu_src = group_faults_cpu(m, ng, src_nid);
	if (cpu_dst > cpu_src * ACTIVE_NODE_FRACTION)
		return true;
	return cpu_dst * group_faults(m, ng, src_nid) * 3 > cpu_src * group_faults(m, ng, dst_nid) * 4;
}

void task_numa_fault(struct hw_cpu *cpu, int last_cpupid, unsigned mem_node, unsigned pages,
		     unsigned flags)
{
	struct mmsim_task *t = cpu->current;
	if (!t || !cfg_of(t->m)->numa_balancing)
		return;
	struct mmsim *m = t->m;
	struct task_numa *n = &t->numa;
	unsigned cpu_node = cpu->node;
	int local = !!(flags & TNF_FAULT_LOCAL);
	int priv;

	if (!n->faults) {
		n->faults = calloc(faults_len(m), sizeof *n->faults);
		if (!n->faults)
			return;
		n->total_faults = 0;
		memset(n->faults_locality, 0, sizeof n->faults_locality);
	}
	/* A first fault is private; later ones are when the pid is ours. */
	if (last_cpupid == LAST_CPUPID_MASK) {
		priv = 1;
	} else {
		priv = cpupid_match_pid(t, last_cpupid);
		if (!priv && !(flags & TNF_NO_GROUP))
			task_numa_group(t, last_cpupid, flags, &priv);
	}
	/* A shared fault between two of the group's active nodes is as good
	 * as local: the group has settled over them. */
	struct numa_group *ng = n->group;
	if (!priv && !local && ng && __atomic_load_n(&ng->active_nodes, __ATOMIC_RELAXED) > 1 &&
	    numa_is_active_node(m, ng, cpu_node) && numa_is_active_node(m, ng, mem_node))
		local = 1;
	if (hw_cpu_ms(cpu) >= n->migrate_retry) {
		task_numa_placement(t, cpu);
		numa_migrate_preferred(t, cpu);
	}
	if (flags & TNF_MIGRATED)
		n->pages_migrated += pages;
	if (flags & TNF_MIGRATE_FAIL)
		n->faults_locality[2] += pages;
	n->faults[faults_idx(m, NUMA_MEMBUF, mem_node, priv)] += pages;
	n->faults[faults_idx(m, NUMA_CPUBUF, cpu_node, priv)] += pages;
	n->faults_locality[local] += pages;
}

/* ---- the scanner ----------------------------------------------------------------- */

/* The scanner went past the last VMA: a pass is over, the next starts at 0. */
static void reset_ptenuma_scan(struct mm_struct *mm)
{
	__atomic_store_n(&mm->numa_scan_seq, __atomic_load_n(&mm->numa_scan_seq, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&mm->numa_scan_offset, 0, __ATOMIC_RELAXED);
}

/*
 * One step of the scanner, when the mm's next scan is due: claim it
 * (numa_next_scan moves a scan period on, for every thread of the mm), then
 * make up to scan_size MB of present pages inaccessible from
 * numa_scan_offset on, each 2 MiB-aligned chunk one change_prot_numa with
 * its own gathered flush, looking at no more than 8 x scan_size of address
 * space; past the last VMA the pass ends (numa_scan_seq++) and the next
 * starts at 0.
 */
static void task_numa_work(struct mmsim_task *t, struct hw_cpu *cpu)
{
	struct mm_struct *mm = t->mm;
	const struct mmsim_config *c = cfg_of(t->m);
	uint64_t now = hw_cpu_ms(cpu);
	uint64_t migrate = __atomic_load_n(&mm->numa_next_scan, __ATOMIC_RELAXED);

	if (!migrate) {
		__atomic_store_n(&mm->numa_next_scan, now + c->numa_balancing_scan_delay_ms,
				 __ATOMIC_RELAXED);
		return;
	}
	if (now < migrate)
		return;
	if (!t->numa.scan_period) {
		t->numa.scan_period_max = task_scan_max(t);
		t->numa.scan_period = task_scan_start(t);
	}
	uint64_t next_scan = now + t->numa.scan_period;
	if (!__atomic_compare_exchange_n(&mm->numa_next_scan, &migrate, next_scan, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	/* Let another thread of the mm win the next one. */
	t->numa.node_stamp += 2 * TICK_NSEC;

	long pages = (long)c->numa_balancing_scan_size_mb << (20 - PAGE_SHIFT);
	long virtpages = pages * 8;
	if (pthread_rwlock_tryrdlock(&mm->mmap_lock))
		return;
	uint64_t start = __atomic_load_n(&mm->numa_scan_offset, __ATOMIC_RELAXED);
	if (!start)
		__atomic_store_n(&mm->numa_rss, get_mm_rss(mm), __ATOMIC_RELAXED);
	struct vm_area_struct *vma = find_vma(mm, start);
	if (!vma) {
		reset_ptenuma_scan(mm);
		start = 0;
		__atomic_store_n(&mm->numa_rss, get_mm_rss(mm), __ATOMIC_RELAXED);
		vma = find_vma(mm, 0);
	}
	for (; vma; vma = find_vma(mm, vma->vm_end)) {
		if (!vma_numa_scannable(cpu, vma))
			continue;
		uint64_t end;
		do {
			if (start < vma->vm_start)
				start = vma->vm_start;
			end = (start + ((uint64_t)pages << PAGE_SHIFT) + PMD_SIZE - 1) & PMD_MASK;
			if (end > vma->vm_end)
				end = vma->vm_end;
			/* Only chunks with something to hint count against
			 * scan_size; empty ones only against the address span. */
			if (change_prot_numa_vma(vma, cpu, start, end))
				pages -= (long)((end - start) >> PAGE_SHIFT);
			virtpages -= (long)((end - start) >> PAGE_SHIFT);
			start = end;
			if (pages <= 0 || virtpages <= 0)
				goto out;
		} while (end != vma->vm_end);
	}
out:
	if (vma)
		__atomic_store_n(&mm->numa_scan_offset, start, __ATOMIC_RELAXED);
	else
		reset_ptenuma_scan(mm);
	pthread_rwlock_unlock(&mm->mmap_lock);
}

/* Linux's task_tick_numa(): after a scan period of the task's own run
 * time, run the scanner if the mm's next scan is due. */
static void task_tick_numa(struct mmsim_task *t, struct hw_cpu *cpu)
{
	struct task_numa *n = &t->numa;
	if (!t->mm || t->killed)
		return;
	uint64_t period = (uint64_t)n->scan_period * NSEC_PER_MSEC;
	if (n->runtime <= n->node_stamp + period)
		return;
	if (!n->node_stamp)
		n->scan_period = task_scan_start(t);
	n->node_stamp += period;
	if (hw_cpu_ms(cpu) >= __atomic_load_n(&t->mm->numa_next_scan, __ATOMIC_RELAXED))
		task_numa_work(t, cpu);
}

void numa_tick(struct mmsim *m, struct hw_cpu *cpu)
{
	uint64_t now = cpu->cnt.cycles;
	uint64_t ran = now - m->numa_tick_last[cpu->id];
	m->numa_tick_last[cpu->id] = now;
	m->numa_tick_next[cpu->id] = (now / TICK_CYCLES + 1) * TICK_CYCLES;
	struct mmsim_task *t = cpu->current;
	if (!t)
		return;
	t->numa.runtime += ran * 1000 / MMSIM_CPU_MHZ;
	task_tick_numa(t, cpu);
}

/* ---- tasks and the machine -------------------------------------------------------- */

void numa_balancing_init(struct mmsim *m)
{
	pthread_mutex_init(&m->numa_lock, NULL);
	for (unsigned c = 0; c < MMSIM_MAX_CPUS; c++)
		m->numa_tick_next[c] = cfg_of(m)->numa_balancing ? TICK_CYCLES : UINT64_MAX;
}

void task_numa_init(struct mmsim_task *t, struct mmsim_task *parent, bool new_mm)
{
	struct task_numa *n = &t->numa;
	struct hw_cpu *cpu = &t->m->hw->cpu[t->cpu];
	memset(n, 0, sizeof *n);
	n->preferred_nid = -1;
	n->scan_period = cfg_of(t->m)->numa_balancing_scan_delay_ms;
	if (new_mm) {
		t->mm->numa_next_scan = hw_cpu_ms(cpu) + cfg_of(t->m)->numa_balancing_scan_delay_ms;
		t->mm->numa_scan_seq = 0;
		t->mm->numa_scan_offset = 0;
		return;
	}
	n->scan_seq = __atomic_load_n(&t->mm->numa_scan_seq, __ATOMIC_RELAXED);
	if (!parent)
		return;
	/* A new thread keeps its creator's preferred node (not its group),
	 * and starts its first scan a little later than its creator would:
	 * Linux takes the smaller of task_scan_max (ms) and the period times
	 * the threads (ns), plus two ticks. */
	n->preferred_nid = parent->numa.preferred_nid;
	uint64_t delay = (uint64_t)parent->numa.scan_period *
			 (uint64_t)__atomic_load_n(&t->mm->users, __ATOMIC_RELAXED) * NSEC_PER_MSEC;
	uint64_t smax = parent->numa.scan_period ? task_scan_max(parent) : delay;
	n->node_stamp = (smax < delay ? smax : delay) + 2 * TICK_NSEC;
}

void task_numa_free(struct mmsim_task *t)
{
	struct mmsim *m = t->m;
	struct numa_group *ng = t->numa.group;
	if (ng) {
		pthread_mutex_lock(&m->numa_lock);
		for (size_t i = 0; t->numa.faults && i < faults_len(m); i++)
			ng_add(ng, i, -(long)t->numa.faults[i]);
		ng->total_faults -= t->numa.total_faults;
		ng->nr_tasks--;
		__atomic_store_n(&t->numa.group, NULL, __ATOMIC_RELAXED);
		put_numa_group(ng);
		pthread_mutex_unlock(&m->numa_lock);
	}
	free(t->numa.faults);
	t->numa.faults = NULL;
}

/* ---- introspection for tests and tools -------------------------------------------- */

int task_numa_group_id(struct mmsim_task *t)
{
	pthread_mutex_lock(&t->m->numa_lock);
	int gid = t->numa.group ? t->numa.group->gid : 0;
	pthread_mutex_unlock(&t->m->numa_lock);
	return gid;
}

int mmsim_task_numa_info(struct mmsim_task *t, struct mmsim_task_numa *out)
{
	struct mmsim *m = t->m;
	memset(out, 0, sizeof *out);
	out->scan_period_ms = t->numa.scan_period;
	out->scan_period_max_ms = t->numa.scan_period_max;
	out->preferred_nid = t->numa.preferred_nid;
	out->pages_migrated = t->numa.pages_migrated;
	out->cpu_moves = t->numa.cpu_moves;
	out->mm_scan_seq = __atomic_load_n(&t->mm->numa_scan_seq, __ATOMIC_RELAXED);
	out->mm_scan_offset = __atomic_load_n(&t->mm->numa_scan_offset, __ATOMIC_RELAXED);
	out->mm_next_scan_ms = __atomic_load_n(&t->mm->numa_next_scan, __ATOMIC_RELAXED);
	pthread_mutex_lock(&m->numa_lock);
	struct numa_group *ng = t->numa.group;
	if (ng) {
		out->group_id = ng->gid;
		out->group_tasks = ng->nr_tasks;
	}
	pthread_mutex_unlock(&m->numa_lock);
	return 0;
}
