/*
 * mempolicy.c - NUMA placement queries and policies.
 *
 * do_pages_stat() is move_pages(2) with nodes == NULL: for each address,
 * the node of the page mapped there.  As in Linux 6.12: no VMA is -EFAULT,
 * the shared zero page is -EFAULT, an address with no page is -ENOENT
 * (6.12 fixed the -EFAULT that 4.3 to 6.11 reported by accident).
 */
#include "mm.h"

#include <errno.h>

void do_pages_stat(struct mm_struct *mm, unsigned long n, const uint64_t *pages, int *status)
{
	pthread_rwlock_rdlock(&mm->mmap_lock);
	for (unsigned long i = 0; i < n; i++) {
		struct vm_area_struct *vma = vma_lookup(mm, pages[i]);
		bool zero;
		if (!vma) {
			status[i] = -EFAULT;
			continue;
		}
		struct page *p = follow_page(mm, vma, pages[i], &zero);
		if (zero)
			status[i] = -EFAULT;
		else if (!p)
			status[i] = -ENOENT;
		else
			status[i] = (int)page_to_nid(mm->sys, p);
	}
	pthread_rwlock_unlock(&mm->mmap_lock);
}
