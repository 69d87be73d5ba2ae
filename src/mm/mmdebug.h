/*
 * mmdebug.h - run-time checks of the memory-management invariants, Linux's
 * CONFIG_DEBUG_VM.
 *
 * In a build with MMSIM_DEBUG_VM (the ASan and TSan builds turn it on)
 * VM_BUG_ON(cond) reports the broken invariant with its place and aborts;
 * VM_BUG_ON_PAGE also prints the page's state first.  Without it they
 * compile to nothing, but the condition is still parsed, so it stays
 * correct C.  A condition must have no side effects.
 *
 * debug_vm_check_pages() audits every page of the machine against every
 * page table (refcount, mapcount per page and per compound page), the
 * buddy free lists, the LRU lists, every address space's VMAs and the
 * swap area (each slot's count against the swap entries naming it, the
 * swap cache against SWAP_HAS_CACHE):
 * mmsim_destroy() runs it in debug builds, so after every scenario and
 * every test.
 */
#ifndef MMSIM_MMDEBUG_H
#define MMSIM_MMDEBUG_H

#include <stdbool.h>

struct page;
struct mm_sys;
struct mm_struct;

void vm_bug(const char *file, int line, const char *cond, const struct page *p)
	__attribute__((noreturn, cold));

#ifdef MMSIM_DEBUG_VM
#define MMSIM_DEBUG_VM_ENABLED 1
#define VM_BUG_ON_PAGE(cond, page)                                               \
	do {                                                                     \
		if (__builtin_expect(!!(cond), 0))                               \
			vm_bug(__FILE__, __LINE__, #cond, (page));               \
	} while (0)
#else
#define MMSIM_DEBUG_VM_ENABLED 0
#define VM_BUG_ON_PAGE(cond, page)                                               \
	do {                                                                     \
		if (0 && (cond))                                                 \
			(void)(page);                                            \
	} while (0)
#endif
#define VM_BUG_ON(cond) VM_BUG_ON_PAGE(cond, (const struct page *)0)

/*
 * Checks, for every page of s, what the invariants in mm.h promise, with
 * mms[0..n) the address spaces alive (each counted once): the mapcounts
 * equal the page-table entries that map each page (PTE per page, PMD per
 * huge page), a compound page's sums agree, tails hold no reference, and
 * refcount >= mapcount.  Call with the machine quiet (no CPU running, LRU
 * batches in any state).  Returns the number of violations, each printed
 * to stderr (so a test can also provoke one and see it found).
 */
unsigned debug_vm_check_pages(struct mm_sys *s, struct mm_struct *const *mms, unsigned n);

/*
 * One address space's VMAs: well formed, sorted, not overlapping, total_vm
 * their sum.  (Not "merged where mergeable": Linux itself leaves such
 * neighbours, e.g. the split a failed munmap made, or two that could merge
 * one way only by their anon_vmas.)
 * Returns the violations (printed).  validate_mm() runs it in the debug
 * build at the end of every call that changes VMAs (mmap, munmap,
 * mprotect, mlock, madvise, userfaultfd registration), mmap_lock held
 * for writing, and aborts on a violation.
 */
unsigned debug_vm_check_vmas(struct mm_struct *mm);
void validate_mm(struct mm_struct *mm);

#endif
