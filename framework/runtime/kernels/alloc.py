"""Page heap and span kernels in Go's shape: pages are found first fit by address (as Go's
pageAlloc does), spans are created for a size class and released when empty.

Span records and their slot-id ranges are recycled by ``nelems``: a dead span's slot range is
reused by the next span with the same number of slots, so slot ids stay dense.
"""

from __future__ import annotations

import numpy as np

from framework.runtime import layout as L
from framework.runtime.kernels.jit import kernel

MAX_SMALL = 32768
PAGE = 8192


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
    for i in range(start, start + n):
        a.pg_used[i] = 0
    if start < a.ctr[L.PAGE_HINT]:
        a.ctr[L.PAGE_HINT] = start


@kernel
def can_new_span(a, nelems, npages):
    """0 if a span of this shape can be created now, else the GROW_* code needed."""
    if find_pages(a, npages) < 0:
        return L.GROW_PAGES
    if a.dead_head[nelems] >= 0:
        return 0
    if a.ctr[L.NSPANS] >= a.sp_class.shape[0]:
        return L.GROW_SPANS
    if a.ctr[L.NSLOTS] + nelems > a.sl_alloc.shape[0]:
        return L.GROW_SLOTS
    return 0


@kernel
def new_span(a, cls, nelems, npages, elemsize):
    """Create an in-use span (caller checked ``can_new_span``). Returns the span id."""
    ctr = a.ctr
    page = find_pages(a, npages)
    for i in range(page, page + npages):
        a.pg_used[i] = 1
    if page + npages > ctr[L.PAGES_HWM]:
        ctr[L.PAGES_HWM] = page + npages
    s = a.dead_head[nelems]
    if s >= 0:
        a.dead_head[nelems] = a.sp_next[s]
    else:
        s = ctr[L.NSPANS]
        ctr[L.NSPANS] += 1
        a.sp_base[s] = ctr[L.NSLOTS]
        ctr[L.NSLOTS] += nelems
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
        a.sl_span[i] = s
    ctr[L.INUSE_SPAN_BYTES] += npages * PAGE
    ctr[L.SPANS_INUSE] += 1
    ctr[L.SPAN_ALLOCS] += 1
    return s


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
