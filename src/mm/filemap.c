/*
 * filemap.c - the page lock, waiting for a page's lock or writeback, and
 * the slow path of the core's spinlocks.
 *
 * PG_locked is a sleeping bit lock held across long operations (migrating
 * a page, reading it from disk); PG_writeback marks a page being written.
 * Both can be waited for.  As in Linux, struct page has no room for a wait
 * queue: waiters sleep on one of a fixed table of queues chosen by hashing
 * the page, and set PG_waiters so that whoever clears the bit knows it
 * must wake the queue.  Several pages share a queue; every waiter rechecks
 * its own page's bit after a wake-up.
 *
 * Ordering: a waiter sets PG_waiters, then rechecks the bit, both under the
 * queue's mutex; the waker clears the bit, then reads PG_waiters, then
 * takes the mutex to broadcast.  With sequentially consistent flag updates
 * one of the two always sees the other, so no wake-up is lost.  The waker
 * clears PG_waiters under the mutex; sleepers still waiting set it again
 * before they sleep.
 */
#include "mm.h"

#include <sched.h>

#define WAIT_TABLE_BITS 8
#define WAIT_TABLE_SIZE (1u << WAIT_TABLE_BITS)

struct page_wait_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static struct page_wait_queue wait_table[WAIT_TABLE_SIZE];
static pthread_once_t wait_table_once = PTHREAD_ONCE_INIT;

static void wait_table_init(void)
{
	for (unsigned i = 0; i < WAIT_TABLE_SIZE; i++) {
		pthread_mutex_init(&wait_table[i].lock, NULL);
		pthread_cond_init(&wait_table[i].cond, NULL);
	}
}

static struct page_wait_queue *page_waitqueue(const struct page *p)
{
	pthread_once(&wait_table_once, wait_table_init);
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL;
	return &wait_table[h >> (64 - WAIT_TABLE_BITS)];
}

static bool test_bit_sc(const struct page *p, enum pageflags bit)
{
	return __atomic_load_n(&p->flags, __ATOMIC_SEQ_CST) & (1u << bit);
}

/* Sleeps until `bit` of p is clear; with `take`, also sets it (a lock). */
static void wait_on_bit(struct page *p, enum pageflags bit, bool take)
{
	struct page_wait_queue *q = page_waitqueue(p);
	pthread_mutex_lock(&q->lock);
	for (;;) {
		__atomic_or_fetch(&p->flags, 1u << PG_waiters, __ATOMIC_SEQ_CST);
		if (take) {
			if (!(__atomic_fetch_or(&p->flags, 1u << bit, __ATOMIC_SEQ_CST) & (1u << bit)))
				break;
		} else if (!test_bit_sc(p, bit)) {
			break;
		}
		pthread_cond_wait(&q->cond, &q->lock);
	}
	pthread_mutex_unlock(&q->lock);
}

static void wake_up_bit(struct page *p)
{
	if (!test_bit_sc(p, PG_waiters))
		return;
	struct page_wait_queue *q = page_waitqueue(p);
	pthread_mutex_lock(&q->lock);
	__atomic_and_fetch(&p->flags, ~(1u << PG_waiters), __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

bool trylock_page(struct page *p)
{
	return !(__atomic_fetch_or(&p->flags, 1u << PG_locked, __ATOMIC_SEQ_CST) &
		 (1u << PG_locked));
}

void lock_page(struct page *p)
{
	if (!trylock_page(p))
		wait_on_bit(p, PG_locked, true);
}

void unlock_page(struct page *p)
{
	__atomic_and_fetch(&p->flags, ~(1u << PG_locked), __ATOMIC_SEQ_CST);
	wake_up_bit(p);
}

void set_page_writeback(struct page *p)
{
	__atomic_or_fetch(&p->flags, 1u << PG_writeback, __ATOMIC_SEQ_CST);
}

void end_page_writeback(struct page *p)
{
	__atomic_and_fetch(&p->flags, ~(1u << PG_writeback), __ATOMIC_SEQ_CST);
	wake_up_bit(p);
}

void wait_on_page_writeback(struct page *p)
{
	if (test_bit_sc(p, PG_writeback))
		wait_on_bit(p, PG_writeback, false);
}

/* ---- spinlocks ---------------------------------------------------------------- */

void spin_lock_slow(spinlock_t *l)
{
	__atomic_add_fetch(&l->waiting, 1, __ATOMIC_RELAXED);
	for (unsigned spins = 0;; spins++) {
		if (!__atomic_load_n(&l->locked, __ATOMIC_RELAXED) && spin_trylock(l))
			break;
		if (spins % 64 == 63)
			sched_yield();	/* the holder's thread may be off the CPU */
		else
			__builtin_ia32_pause();
	}
	__atomic_sub_fetch(&l->waiting, 1, __ATOMIC_RELAXED);
}

/*
 * For a fault that found a migration entry: called with the page-table
 * lock held (which keeps the page from being unlocked and freed under us),
 * joins the page's wait queue, then drops that lock and sleeps until the
 * page is unlocked (or another page of its wait queue is: the caller
 * retries the fault either way).  Being queued with PG_waiters set before the lock is
 * dropped is what lets the waiter hold no reference: the migration cannot
 * unlock the page before it has taken the page-table lock to rewrite the
 * entry, so its unlock_page() sees PG_waiters and wakes us.
 */
void wait_on_page_locked_drop(struct page *p, spinlock_t *ptl)
{
	struct page_wait_queue *q = page_waitqueue(p);
	pthread_mutex_lock(&q->lock);
	__atomic_or_fetch(&p->flags, 1u << PG_waiters, __ATOMIC_SEQ_CST);
	spin_unlock(ptl);
	/* One wake-up only, then the fault retries: once unlocked, the page
	 * may be freed and reused at once, and a waiter that looped (setting
	 * PG_waiters again) could be waiting on a stranger's page whose
	 * flags its new owner writes without atomics. */
	if (test_bit_sc(p, PG_locked))
		pthread_cond_wait(&q->cond, &q->lock);
	pthread_mutex_unlock(&q->lock);
}
