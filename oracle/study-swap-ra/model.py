#!/usr/bin/env python3
"""A small executable model of Linux 6.12 swap-out/swap-in on the oracle's swap
disk (virtio-blk: rotational, so cluster readahead and the HDD slot allocator),
written from the algorithm in FINDINGS.md (not from kernel code).

  python3 model.py FILE.mms        prints the scenario's vmstat lines as the
                                   model predicts them (swap counters only)
  python3 model.py --check DIR     compares with DIR/*.out (vmstat lines,
                                   restricted to the counters modelled)

Subset of the scenario language: machine cpus=, swapon, swapoff, mmap (private
anonymous), hole, write, read, madvise pageout|willneed, mlock, task cpu=,
use, vmstat; other commands are ignored. No fork, no THP, no file mappings.
Deterministic choice where Linux races: the writes MADV_PAGEOUT starts
complete at the end of that madvise call (after the folios were put back).
"""
import os
import re
import sys

KEYS = ["pgactivate", "pswpin", "pswpout", "pgmajfault", "swap_ra", "swap_ra_hit",
        "pgrotated"]
PAGE = 4096
SWAP_BATCH = 64          # slots-cache size and get_swap_pages batch
LRU_BATCH = 31           # per-CPU LRU-add batch (PAGEVEC_SIZE)
SWAPFILE_CLUSTER = 512      # HPAGE_PMD_NR: the kernel has CONFIG_THP_SWAP=y
LATENCY_LIMIT = 256
PAGE_CLUSTER = 3


class Folio:
    __slots__ = ("zero", "dirty", "slot", "ra", "reclaim", "wb", "where", "locked_vma",
                 "mapped")

    def __init__(self, zero):
        self.zero = zero        # contents all zero
        self.dirty = True
        self.slot = 0           # swap cache slot (0: not in the swap cache)
        self.ra = False         # PG_readahead (same bit as PG_reclaim)
        self.reclaim = False    # PG_reclaim set by pageout for the write
        self.wb = False         # under writeback
        self.where = None       # None (isolated/free), 'lru', or ('batch', cpu)
        self.mapped = False


class Area:
    def __init__(self, npages, ncpus):
        self.max = npages                       # slots 0..max-1, 0 is the header
        self.pages = npages - 1
        self.map = [0] * npages                 # swap count of each slot
        self.cache = [False] * npages           # SWAP_HAS_CACHE
        self.zeromap = set()
        self.inuse = 0
        self.lowest, self.highest = 1, npages - 1
        self.cluster_next, self.cluster_nr = 1, 0
        self.nr_free = self.pages               # nr_swap_pages
        self.ncpus = ncpus
        self.slots = [[] for _ in range(ncpus)]  # per-CPU slots cache
        self.slots_ret = [[] for _ in range(ncpus)]
        self.cache_active = False
        self.cache_enabled = True

    def used(self, o):
        return self.map[o] > 0 or self.cache[o]

    # ---- allocation (scan_swap_map_slots without cluster_info)
    def _take(self, o):
        self.cache[o] = True
        if o == self.lowest:
            self.lowest += 1
        if o == self.highest:
            self.highest -= 1
        self.inuse += 1
        if self.inuse == self.pages:
            self.lowest, self.highest = self.max, 0

    def scan(self, nr, swap_full, reclaim_cb):
        """scan_swap_map_slots for a device without cluster_info (rotational):
        sequential from cluster_next; a fresh run of SWAPFILE_CLUSTER free
        slots is searched from lowest_bit when the current run is used up.
        latency_ration (LATENCY_LIMIT) cuts a batch short, which matters: the
        very first batch after swapon holds only 3 slots."""
        got = []
        lat = LATENCY_LIMIT
        scanned_many = False
        scan_base = offset = self.cluster_next
        if self.cluster_nr == 0:
            if self.pages - self.inuse < SWAPFILE_CLUSTER:
                self.cluster_nr = SWAPFILE_CLUSTER - 1
            else:
                scan_base = offset = self.lowest
                last = offset + SWAPFILE_CLUSTER - 1
                found = False
                while last <= self.highest:
                    if self.used(offset):
                        last = offset + SWAPFILE_CLUSTER
                    elif offset == last:
                        offset -= SWAPFILE_CLUSTER - 1
                        self.cluster_next = offset
                        found = True
                        break
                    lat -= 1
                    if lat < 0:
                        lat = LATENCY_LIMIT
                    offset += 1
                if not found:
                    offset = scan_base
                self.cluster_nr = SWAPFILE_CLUSTER - 1
        else:
            self.cluster_nr -= 1
        state = 'checks'
        while True:
            if state == 'checks':
                if not self.highest:
                    return got
                if offset > self.highest:
                    scan_base = offset = self.lowest
                if swap_full and self.map[offset] == 0 and self.cache[offset]:
                    if reclaim_cb(offset) > 0:
                        continue
                    state = 'scan'
                    continue
                if self.used(offset):
                    if not got:
                        state = 'scan'
                        continue
                    break                                   # done
                self._take(offset)
                got.append(offset)
                if len(got) == nr or offset >= self.highest:
                    break
                lat -= 1
                if lat < 0:
                    break                                   # n_ret > 0: done
                if self.cluster_nr:
                    offset += 1
                    if not self.used(offset):
                        self.cluster_nr -= 1
                        continue
                if not scanned_many:
                    limit = scan_base if offset < scan_base else self.highest
                    moved = False
                    while offset <= limit:
                        lat -= 1
                        if not lat > 0:
                            break
                        if not self.used(offset):
                            moved = True
                            break
                        offset += 1
                    if moved:
                        continue
                break                                       # done
            else:                                           # scan
                nxt = None
                while offset + 1 <= self.highest:
                    offset += 1
                    lat -= 1
                    if lat < 0:
                        lat = LATENCY_LIMIT
                        scanned_many = True
                    if not self.used(offset) or (swap_full and self.map[offset] == 0):
                        nxt = offset
                        break
                if nxt is None:
                    offset = self.lowest
                    while offset < scan_base:
                        lat -= 1
                        if lat < 0:
                            lat = LATENCY_LIMIT
                            scanned_many = True
                        if not self.used(offset) or (swap_full and self.map[offset] == 0):
                            nxt = offset
                            break
                        offset += 1
                if nxt is None:
                    return got
                offset = nxt
                state = 'checks'
        self.cluster_next = offset + 1
        return got

    def get_swap_pages(self, n, swap_full, reclaim_cb):
        n = min(n, SWAP_BATCH, self.nr_free)
        if n <= 0:
            return []
        self.nr_free -= n
        got = self.scan(n, swap_full, reclaim_cb)
        self.nr_free += n - len(got)
        return got

    def check_cache_active(self):
        if not self.cache_enabled:
            return False
        if not self.cache_active:
            if self.nr_free > self.ncpus * 5 * SWAP_BATCH:
                self.cache_active = True
        elif self.nr_free < self.ncpus * 2 * SWAP_BATCH:
            self.cache_active = False
            self.drain_caches()
        return self.cache_active

    def alloc(self, cpu, swap_full, reclaim_cb):
        if self.check_cache_active():
            if not self.slots[cpu]:
                self.slots[cpu] = self.get_swap_pages(SWAP_BATCH, swap_full, reclaim_cb)
            if self.slots[cpu]:
                return self.slots[cpu].pop(0)
        got = self.get_swap_pages(1, swap_full, reclaim_cb)
        return got[0] if got else 0

    def _really_free(self, o):
        self.cache[o] = False
        self.map[o] = 0
        self.zeromap.discard(o)
        self.inuse -= 1
        self.nr_free += 1
        if o < self.lowest:
            self.lowest = o
        if o > self.highest:
            self.highest = o

    def free_slot(self, o, cpu):
        """the last user of slot o is gone (swap_map is SWAP_HAS_CACHE only)"""
        if self.cache_active and self.cache_enabled:
            if len(self.slots_ret[cpu]) >= SWAP_BATCH:
                for s in self.slots_ret[cpu]:
                    self._really_free(s)
                self.slots_ret[cpu] = []
            self.slots_ret[cpu].append(o)
        else:
            self._really_free(o)

    def drain_caches(self):
        for c in range(self.ncpus):
            for s in self.slots[c] + self.slots_ret[c]:
                self._really_free(s)
            self.slots[c], self.slots_ret[c] = [], []


class Machine:
    def __init__(self, ncpus=2):
        self.ncpus = ncpus
        self.ev = {k: 0 for k in KEYS}
        self.area = None
        self.swapcache = {}                 # slot -> Folio
        self.batches = [[] for _ in range(ncpus)]
        # cluster readahead state (global, survives swapoff/swapon)
        self.ra_hits = 4
        self.prev_offset = 0
        self.last_ra = 0
        self.mmlist = []                    # mms in try_to_unuse order
        self.tasks = {}                     # name -> dict(cpu, maps=[mapping names])
        self.maps = {}                      # name -> dict(task, n, ptes, locked, order)
        self.nmaps = 0

    # ---- LRU batches
    def lru_add(self, f, cpu):
        f.where = ('batch', cpu)
        b = self.batches[cpu]
        b.append(f)
        if len(b) >= LRU_BATCH:
            self.drain(cpu)

    def drain(self, cpu):
        for f in self.batches[cpu]:
            if f.where == ('batch', cpu):
                f.where = 'lru'
        self.batches[cpu] = []

    def drain_all(self):
        for c in range(self.ncpus):
            self.drain(c)

    # ---- swap helpers
    def swap_full(self):
        a = self.area
        return a is not None and a.nr_free * 2 < a.pages

    def swapcache_del(self, f, cpu):
        a = self.area
        s = f.slot
        del self.swapcache[s]
        f.slot = 0
        a.cache[s] = False
        if a.map[s] == 0:
            a.cache[s] = True       # back to HAS_CACHE placeholder, then freed
            a.free_slot(s, cpu)

    def folio_free_swap(self, f, cpu):
        if not f.slot or f.wb or self.area.map[f.slot] > 0:
            return False
        self.swapcache_del(f, cpu)
        f.dirty = True
        return True

    def reclaim_cache_only(self, slot):
        f = self.swapcache.get(slot)
        if f is None or f.mapped or f.wb:
            return 0
        self.swapcache_del(f, 0)
        return 1

    def read_slot(self, slot, ra, cpu):
        """__read_swap_cache_async + swap_read_folio; returns the folio or None"""
        a = self.area
        f = self.swapcache.get(slot)
        if f is not None:
            return f, False
        if a.map[slot] == 0 and (a.cache_enabled or not a.cache[slot]):
            return None, False
        zero = slot in a.zeromap
        f = Folio(zero)
        f.dirty = False
        f.slot = slot
        a.cache[slot] = True
        self.swapcache[slot] = f
        self.lru_add(f, cpu)
        if not zero:
            self.ev["pswpin"] += 1
        if ra:
            f.ra = True
            self.ev["swap_ra"] += 1
        return f, True

    def swapin_nr_pages(self, offset):
        max_pages = 1 << PAGE_CLUSTER
        if max_pages <= 1:
            return 1
        hits, self.ra_hits = self.ra_hits, 0
        pages = hits + 2
        if pages == 2:
            if offset != self.prev_offset + 1 and offset != self.prev_offset - 1:
                pages = 1
        else:
            r = 4
            while r < pages:
                r <<= 1
            pages = r
        pages = min(pages, max_pages)
        pages = max(pages, self.last_ra // 2)
        if hits == 0:
            self.prev_offset = offset
        self.last_ra = pages
        return pages

    def cluster_readahead(self, slot, cpu):
        a = self.area
        mask = self.swapin_nr_pages(slot) - 1
        if mask:
            start, end = slot & ~mask, slot | mask
            if start == 0:
                start = 1
            end = min(end, a.max - 1)
            for o in range(start, end + 1):
                self.read_slot(o, o != slot, cpu)
            self.drain(cpu)
        f, _ = self.read_slot(slot, False, cpu)
        return f

    def cache_lookup(self, slot):
        """swap_cache_get_folio"""
        f = self.swapcache.get(slot)
        if f is not None and f.ra:
            f.ra = False
            self.ra_hits += 1
            self.ev["swap_ra_hit"] += 1
        return f

    def map_in(self, m, i, f, slot, write, cpu):
        """the end of do_swap_page / unuse_pte: the pte maps f, one swap
        reference on slot is dropped, the swap cache is maybe freed"""
        a = self.area
        m["ptes"][i] = f
        f.mapped = True
        a.map[slot] -= 1
        if (self.swap_full() or m["locked"] or write) and f.slot:
            self.folio_free_swap(f, cpu)
        if write:
            f.dirty = True

    def fault(self, m, i, write, cpu):
        p = m["ptes"][i]
        if p is None:                       # never touched
            if write:
                f = Folio(zero=False)
                m["ptes"][i] = f
                f.mapped = True
                self.lru_add(f, cpu)
            else:
                m["ptes"][i] = 'zero'
            return
        if p == 'zero':
            if write:
                f = Folio(zero=False)
                m["ptes"][i] = f
                f.mapped = True
                self.lru_add(f, cpu)
            return
        if isinstance(p, Folio):
            if write:
                p.dirty = True
            return
        slot = p[1]                         # ('swap', slot)
        f = self.cache_lookup(slot)
        if f is None:
            f = self.cluster_readahead(slot, cpu)
            self.ev["pgmajfault"] += 1
        self.map_in(m, i, f, slot, write, cpu)

    # ---- commands
    def pageout(self, m, idxs, cpu):
        self.drain(cpu)
        lst = []
        for i in idxs:
            f = m["ptes"][i]
            if isinstance(f, Folio) and f.where == 'lru' and not m["locked"]:
                f.where = None              # isolated
                lst.append((i, f))
        kept = []
        wrote = []
        a = self.area
        for i, f in lst:
            if not f.slot:
                s = a.alloc(cpu, self.swap_full(), self.reclaim_cache_only) if a else 0
                if not s:
                    self.ev["pgactivate"] += 1
                    kept.append(f)
                    continue
                f.slot = s
                self.swapcache[s] = f
                f.dirty = True
            # unmap: the pte holds the slot
            m["ptes"][i] = ('swap', f.slot)
            f.mapped = False
            a.map[f.slot] += 1
            if m["task"] not in self.mmlist:
                self.mmlist.insert(0, m["task"])
            if f.dirty:
                f.dirty = False
                if f.zero:
                    a.zeromap.add(f.slot)
                else:
                    a.zeromap.discard(f.slot)
                    self.ev["pswpout"] += 1
                    f.wb = True
                    f.reclaim = True
                    wrote.append(f)
                    kept.append(f)
                    continue
            # clean: reclaimed now (leaves the swap cache, freed)
            del self.swapcache[f.slot]
            f.slot = 0
        for f in kept:
            self.lru_add(f, cpu)
        for f in wrote:                     # the writes complete
            f.wb = False
            if f.reclaim:
                f.reclaim = False
                if f.where == 'lru':
                    self.ev["pgrotated"] += 1

    def willneed(self, m, idxs, cpu):
        for i in idxs:
            p = m["ptes"][i]
            if isinstance(p, tuple):
                self.read_slot(p[1], False, cpu)
        self.drain(cpu)

    def swapoff(self, cpu):
        a = self.area
        if a is None:
            return
        a.cache_enabled = False
        a.drain_caches()
        for t in list(self.mmlist):
            for mname in sorted(self.tasks[t]["maps"], key=lambda n: -self.maps[n]["order"]):
                m = self.maps[mname]
                for i in range(m["n"]):
                    p = m["ptes"][i]
                    if not isinstance(p, tuple):
                        continue
                    slot = p[1]
                    f = self.cache_lookup(slot)
                    if f is None:
                        f = self.cluster_readahead(slot, cpu)
                    m["ptes"][i] = f
                    f.mapped = True
                    a.map[slot] -= 1
                    self.folio_free_swap(f, cpu)
        for s, f in list(self.swapcache.items()):
            self.swapcache_del(f, cpu)
        self.mmlist = []
        self.area = None

    def swapon(self, npages):
        self.area = Area(npages, self.ncpus)


def size_arg(s):
    m = re.fullmatch(r'(0x[0-9a-fA-F]+|\d+)([kmgp]?)', s)
    v = int(m.group(1), 0)
    return v * {'': 1, 'k': 1024, 'm': 1 << 20, 'g': 1 << 30, 'p': PAGE}[m.group(2)]


def run(path):
    mach = Machine()
    cur = 'main'
    mach.tasks['main'] = dict(cpu=0, maps=[])
    out = []
    base = dict(mach.ev)
    for ln, line in enumerate(open(path), 1):
        line = line.split('#')[0].strip()
        if not line:
            continue
        tok = line.split()
        cpu = mach.tasks[cur]["cpu"]

        def addr(a):
            name, _, off = a.partition('+')
            return mach.maps[name], (size_arg(off) // PAGE if off else 0)

        def rng(a, sz):
            m, o = addr(a)
            return m, range(o, o + (size_arg(sz) + PAGE - 1) // PAGE)

        if tok[0] == 'machine':
            for t in tok[1:]:
                if t.startswith('cpus='):
                    mach = Machine(int(t[5:]))
                    mach.tasks['main'] = dict(cpu=0, maps=[])
        elif len(tok) >= 3 and tok[1] == '=' and tok[2] == 'mmap':
            mach.nmaps += 1
            mach.maps[tok[0]] = dict(task=cur, n=size_arg(tok[3]) // PAGE,
                                     ptes=[None] * (size_arg(tok[3]) // PAGE),
                                     locked=False, order=mach.nmaps)
            mach.tasks[cur]["maps"].append(tok[0])
        elif tok[0] == 'task':
            c = 0
            for t in tok[2:]:
                if t.startswith('cpu='):
                    c = int(t[4:])
            mach.tasks[tok[1]] = dict(cpu=c, maps=[])
        elif tok[0] == 'use':
            cur = tok[1]
        elif tok[0] == 'swapon':
            if mach.area is None:
                mach.swapon(size_arg(tok[1]) // PAGE)
        elif tok[0] == 'swapoff':
            mach.swapoff(cpu)
        elif tok[0] in ('write', 'read'):
            m, r = rng(tok[1], tok[2])
            write = tok[0] == 'write'
            byte = int(tok[3], 0) if write and len(tok) > 3 else 0x5a
            for i in r:
                mach.fault(m, i, write, cpu)
                f = m["ptes"][i]
                if write and isinstance(f, Folio):
                    f.zero = byte == 0 and (f.zero or True)
        elif tok[0] == 'madvise':
            m, r = rng(tok[1], tok[2])
            if tok[3] == 'pageout':
                mach.pageout(m, r, cpu)
            elif tok[3] == 'willneed' and mach.area is not None:
                mach.willneed(m, r, cpu)
        elif tok[0] == 'mlock':
            m, r = rng(tok[1], tok[2])
            m["locked"] = True
            for i in r:
                mach.fault(m, i, True, cpu)
        elif tok[0] == 'vmstat':
            mach.drain_all()
            d = [f"{k}={mach.ev[k] - base[k]}" for k in KEYS if mach.ev[k] != base[k]]
            out.append(f"{ln}: vmstat = {' '.join(d) if d else 'none'}")
    return out


def filt(line):
    head, _, rest = line.partition(' = ')
    if rest == 'none':
        return head + ' = none'
    kv = [x for x in rest.split() if x.split('=')[0] in KEYS]
    return head + ' = ' + (' '.join(kv) if kv else 'none')


if __name__ == '__main__':
    if sys.argv[1] == '--check':
        d = sys.argv[2]
        bad = 0
        for fn in sorted(os.listdir(d)):
            if not fn.endswith('.mms') or not os.path.exists(os.path.join(d, fn[:-4] + '.out')):
                continue
            txt = open(os.path.join(d, fn)).read()
            if re.search(r'^\s*(fork|machine .*thp=always)\b|file=|shared|populate|locked', txt, re.M):
                print(f"skip {fn}")
                continue
            pred = run(os.path.join(d, fn))
            real = [filt(l.strip()) for l in open(os.path.join(d, fn[:-4] + '.out'))
                    if ': vmstat = ' in l]
            ok = pred == real
            bad += not ok
            print(f"{'ok  ' if ok else 'DIFF'} {fn}")
            if not ok:
                for p, r in zip(pred, real):
                    if p != r:
                        print(f"   model: {p}\n   linux: {r}")
        sys.exit(1 if bad else 0)
    for l in run(sys.argv[1]):
        print(l)
