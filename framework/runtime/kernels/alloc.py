"""Allocator kernels in Go's shape: page heap (first fit by address, as Go's pageAlloc),
spans per size class (mcentral), and the object allocator (mallocgc).

Abstractions (documented in docs/architecture.md): one span cache per size class rather than
per P (a quantum runs atomically, so per-P caches would change nothing observable but the
heapLive granularity); no tiny allocator; no scan/noscan span split.
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
    for i in range(base, base + nelems):
        a.sl_alloc[i] = 0
        a.sl_mark[i] = 0
        a.sl_size[i] = elemsize
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


@kernel
def _take_slot(a, s):
    """Next free slot of span s at or after its freeindex (Go: nextFreeIndex), or -1."""
    base = a.sp_base[s]
    n = a.sp_nelems[s]
    i = a.sp_freeindex[s]
    while i < n and a.sl_alloc[base + i] != 0:
        i += 1
    if i >= n:
        a.sp_freeindex[s] = n
        return -1
    a.sp_freeindex[s] = i + 1
    return base + i


@kernel
def alloc_object(a, size, nfields, cost):
    """Allocate one object. Returns (slot, cost_ns, grow_code); slot < 0 iff grow_code > 0.

    New objects are allocated black while ``ALLOC_BLACK`` is set (Go: gcmarknewobject).
    Spans taken from the partial list must already be swept (the caller sweeps lazily).
    """
    ctr = a.ctr
    c = size_class(a, size)
    spent = cost[L.K_ALLOC]
    if c == 0:
        npages = (size + PAGE - 1) // PAGE
        g = can_new_span(a, 1, npages)
        if g != 0:
            return -1, 0.0, g
        s = new_span(a, 0, 1, npages, npages * PAGE)
        spent += cost[L.K_SPAN_ALLOC]
        slot = a.sp_base[s]
        a.sp_freeindex[s] = 1
        ctr[L.LARGE_ALLOCS] += 1
    else:
        slot = -1
        s = a.cls_cur[c]
        if s >= 0:
            slot = _take_slot(a, s)
        while slot < 0:
            s = a.cls_partial[c]
            if s < 0:
                break
            a.cls_partial[c] = a.sp_next[s]
            a.sp_next[s] = -1
            a.cls_cur[c] = s
            slot = _take_slot(a, s)
        if slot < 0:
            nelems = a.cls_nelems[c]
            npages = a.cls_npages[c]
            g = can_new_span(a, nelems, npages)
            if g != 0:
                a.cls_cur[c] = -1
                return -1, 0.0, g
            s = new_span(a, c, nelems, npages, a.cls_size[c])
            spent += cost[L.K_SPAN_ALLOC]
            a.cls_cur[c] = s
            slot = _take_slot(a, s)
    esize = a.sl_size[slot]
    a.sl_alloc[slot] = 1
    a.sl_mark[slot] = 1 if ctr[L.ALLOC_BLACK] != 0 else 0
    a.sl_nfields[slot] = nfields
    a.sl_req[slot] = size
    for f in range(a.fields.shape[1]):
        a.fields[slot, f] = -1
    a.sp_nalloc[s] += 1
    ctr[L.HEAP_LIVE] += esize
    ctr[L.ALLOC_BYTES] += esize
    ctr[L.ALLOC_REQ] += size
    ctr[L.OBJECTS] += 1
    ctr[L.TOTAL_ALLOCS] += 1
    ctr[L.TOTAL_ALLOC_BYTES] += esize
    ctr[L.TOTAL_ALLOC_REQ] += size
    if ctr[L.ALLOC_BLACK] != 0:
        ctr[L.MARKED_OBJECTS] += 1
        ctr[L.MARKED_BYTES] += esize
    spent += cost[L.K_ALLOC_BYTE] * esize
    return slot, spent, 0
