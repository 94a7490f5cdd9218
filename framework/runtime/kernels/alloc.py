"""Page heap and span kernels in Go's shape: pages are found first fit by address (as Go's
pageAlloc does), spans are created for a size class and released when empty.

Span records and their slot-id ranges are recycled by ``nelems``: a dead span's slot range is
reused by the next span with the same number of slots, so slot ids stay dense.

Page states (Go 1.19: mheap.grow, mheap.allocSpan, mem.go's sysMap/sysUsed/sysUnused): the
heap maps pages in whole 4 MiB chunks (``ctr[GROWN_PAGES]``, Go's HeapSys); grown pages
start released ("Prepared", ``pg_scav`` = 1, counted in ``ctr[RELEASED_PAGES]``), as do
pages the scavenger releases. First fit ignores the scavenged state (Go's pageAlloc.find
searches the allocation bitmap only); a span that takes released pages makes them ready
again (sysUsed: mappedReady grows by the released bytes it took).

Synchronous scavenging (Go 1.19: the end of mheap.allocSpan): after taking its pages and
before making them ready, a span allocation scavenges, at the allocating goroutine's cost,
the larger of (a) what would push mappedReady over the memory limit (``ctr[NONHEAP_READY]``
+ heap ready bytes + the released bytes it takes - ``ctr[MEMORY_LIMIT]``), skipped while
the GC CPU limiter is limiting (``ctr[ASSISTS_SKIPPED]``), and (b) after a heap growth, the
growth beyond the retained goal ``ctr[SCAV_GC_GOAL]`` (heapInUse + heapFree + growth -
goal, at most the growth).
"""

from __future__ import annotations

import numpy as np

from framework.runtime import layout as L
from framework.runtime.kernels.jit import kernel
from framework.runtime.kernels.scavenge import scavenge_pages

MAX_SMALL = 32768
PAGE = 8192
CHUNK_PAGES = 512  # Go: pallocChunkPages; mheap.grow maps whole chunks (4 MiB)


@kernel
def size_class(a, size):
    """Go's size_to_class8 / size_to_class128 lookup; 0 means large object."""
    if size <= 1024 - 8:
        return np.int64(a.lookup8[(size + 7) >> 3])
    if size <= MAX_SMALL:
        return np.int64(a.lookup128[(size - 1024 + 127) >> 7])
    return np.int64(0)


@kernel
def find_pages(a, n):
    """First free run of n pages at or above the hint (address-ordered first fit), or -1."""
    ctr = a.ctr
    npages = ctr[L.NPAGES]
    i = ctr[L.PAGE_HINT]
    while i < npages and a.pg_used[i] != 0:
        i += 1
    ctr[L.PAGE_HINT] = i
    run = 0
    start = i
    while i < npages:
        if a.pg_used[i] == 0:
            if run == 0:
                start = i
            run += 1
            if run == n:
                return start
        else:
            run = 0
        i += 1
    return -1


@kernel
def free_pages(a, start, n):
    """Free pages stay ready (Go: pageAlloc.free with scavenged=false) and become
    candidates for the scavenger (scavengeIndex.mark)."""
    for i in range(start, start + n):
        a.pg_used[i] = 0
    if start < a.ctr[L.PAGE_HINT]:
        a.ctr[L.PAGE_HINT] = start
    if start + n > a.ctr[L.SCAV_SEARCH]:
        a.ctr[L.SCAV_SEARCH] = start + n


@kernel
def growth_pages(a, page, n):
    """Pages Go's mheap.grow maps for a run found at ``page``: none if the run lies in the
    grown heap, else ``n`` rounded up to whole chunks (grow's ``ask``)."""
    if page + n <= a.ctr[L.GROWN_PAGES]:
        return 0
    return ((n + CHUNK_PAGES - 1) // CHUNK_PAGES) * CHUNK_PAGES


@kernel
def can_new_span(a, nelems, npages):
    """0 if a span of this shape can be created now, else the GROW_* code needed."""
    page = find_pages(a, npages)
    if page < 0:
        return L.GROW_PAGES
    if a.ctr[L.GROWN_PAGES] + growth_pages(a, page, npages) > a.ctr[L.NPAGES]:
        return L.GROW_PAGES
    if a.dead_head[nelems] >= 0:
        return 0
    if a.ctr[L.NSPANS] >= a.sp_class.shape[0]:
        return L.GROW_SPANS
    if a.ctr[L.NSLOTS] + nelems > a.sl_alloc.shape[0]:
        return L.GROW_SLOTS
    return 0


@kernel
def new_span(a, cls, nelems, npages, elemsize, cost):
    """Create an in-use span (caller checked ``can_new_span``). Returns (span id, cost_ns
    of synchronous scavenging)."""
    ctr = a.ctr
    page = find_pages(a, npages)
    growth = growth_pages(a, page, npages)
    if growth > 0:  # Go: mheap.grow maps the chunks as released (sysMap -> heapReleased)
        ctr[L.GROWN_PAGES] += growth
        ctr[L.RELEASED_PAGES] += growth
    scav = 0
    for i in range(page, page + npages):
        a.pg_used[i] = 1
        if a.pg_scav[i] != 0:
            a.pg_scav[i] = 0
            scav += 1
    # Go 1.19 allocSpan: scavenge before sysUsed (see the module docstring).
    ready = (ctr[L.GROWN_PAGES] - ctr[L.RELEASED_PAGES]) * PAGE  # heapInUse + heapFree
    todo = 0
    if ctr[L.ASSISTS_SKIPPED] == 0:  # Go: !gcCPULimiter.limiting()
        inuse = ctr[L.NONHEAP_READY] + ready  # gcController.mappedReady
        if scav * PAGE + inuse > ctr[L.MEMORY_LIMIT]:
            todo = scav * PAGE + inuse - ctr[L.MEMORY_LIMIT]
    goal = ctr[L.SCAV_GC_GOAL]
    if growth > 0 and goal != L.NO_LIMIT_BYTES and ready + growth * PAGE > goal:
        todo = max(todo, min(growth * PAGE, ready + growth * PAGE - goal))
    spent = 0.0
    if todo > 0:
        released, spent = scavenge_pages(a, (todo + PAGE - 1) // PAGE, cost)
        ctr[L.SYNC_SCAV_PAGES] += released
        ctr[L.SYNC_SCAV_NS] += int(spent)
    ctr[L.RELEASED_PAGES] -= scav  # Go: sysUsed(scav); heapReleased -= scav
    ctr[L.SCAV_REUSED_PAGES] += scav
    if page + npages > ctr[L.PAGES_HWM]:
        ctr[L.PAGES_HWM] = page + npages
    s = a.dead_head[nelems]
    if s >= 0:
        a.dead_head[nelems] = a.sp_next[s]
    else:
        s = ctr[L.NSPANS]
        ctr[L.NSPANS] += 1
        fresh = ctr[L.NSLOTS]
        a.sp_base[s] = fresh
        ctr[L.NSLOTS] += nelems
        # Fresh slot ids: their fields start nil (Heap.grow leaves new capacity zeroed).
        for i in range(fresh, fresh + nelems):
            for f in range(a.fields.shape[1]):
                a.fields[i, f] = -1
    a.sp_class[s] = cls
    a.sp_npages[s] = npages
    a.sp_page[s] = page
    a.sp_nelems[s] = nelems
    a.sp_elemsize[s] = elemsize
    a.sp_nalloc[s] = 0
    a.sp_freeindex[s] = 0
    a.sp_state[s] = 1
    a.sp_next[s] = -1
    a.sp_sweepgen[s] = ctr[L.SWEEPGEN]  # a fresh span counts as swept (Go: mheap.alloc)
    base = a.sp_base[s]
    a.sp_inlist[s] = 0
    for i in range(base, base + nelems):
        a.sl_alloc[i] = 0
        a.sl_mark[i] = 0
        a.sl_size[i] = elemsize
    if a.sl_span.shape[0] != 0:  # only with reference counting or the checker (Heap.extras)
        for i in range(base, base + nelems):
            a.sl_span[i] = s
    ctr[L.INUSE_SPAN_BYTES] += npages * PAGE
    ctr[L.SPANS_INUSE] += 1
    if ctr[L.SPANS_INUSE] > ctr[L.SPANS_HWM]:
        ctr[L.SPANS_HWM] = ctr[L.SPANS_INUSE]
    ctr[L.SPAN_ALLOCS] += 1
    return s, spent


@kernel
def release_span(a, s):
    """Return a fully free span's pages to the page heap; keep its record for reuse."""
    free_pages(a, a.sp_page[s], a.sp_npages[s])
    a.ctr[L.INUSE_SPAN_BYTES] -= a.sp_npages[s] * PAGE
    a.ctr[L.SPANS_INUSE] -= 1
    a.sp_state[s] = 0
    n = a.sp_nelems[s]
    a.sp_next[s] = a.dead_head[n]
    a.dead_head[n] = s
