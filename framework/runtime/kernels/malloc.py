"""The object allocator (Go: mallocgc) over size classes, spans and the sweeper.

Abstractions (see docs/architecture.md): one span cache per size class rather than per P (a
quantum runs atomically, so per-P caches would only change heapLive's granularity); no tiny
allocator; no scan/noscan span split.

Capacity is checked (``can_new_span``) before anything changes, so an ``ST_GROW`` return
leaves the heap as it was and the caller can retry after growing the tables.
"""

from __future__ import annotations

from framework.runtime import layout as L
from framework.runtime.kernels.alloc import PAGE, can_new_span, new_span, size_class
from framework.runtime.kernels.jit import kernel
from framework.runtime.kernels.sweep import deduct_sweep_credit, sweep_class_for_alloc


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
        spent += deduct_sweep_credit(a, npages * PAGE, cost)
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
        if slot < 0:
            # Refill (Go: mcache.refill -> mcentral.cacheSpan): pay proportional sweep
            # credit, then a swept partial span, else sweep unswept spans of this class,
            # else a new span from the page heap.
            # Retrying after ST_GROW is safe: the credit is then already paid.
            a.cls_cur[c] = -1
            nelems = a.cls_nelems[c]
            npages = a.cls_npages[c]
            spent += deduct_sweep_credit(a, npages * PAGE, cost)
        while slot < 0:
            s = a.cls_partial[c]
            if s < 0:
                break
            a.cls_partial[c] = a.sp_next[s]
            a.sp_next[s] = -1
            a.cls_cur[c] = s
            slot = _take_slot(a, s)
        if slot < 0:
            s, t = sweep_class_for_alloc(a, c, cost)
            spent += t
            ctr[L.LAZY_SWEEP_NS] += int(t)
            if s >= 0:
                a.cls_cur[c] = s
                slot = _take_slot(a, s)
        if slot < 0:
            g = can_new_span(a, nelems, npages)
            if g != 0:
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
    ctr[L.HEAP_SCAN] += 8 * nfields
    if ctr[L.ALLOC_BLACK] != 0:
        ctr[L.MARKED_OBJECTS] += 1
        ctr[L.MARKED_BYTES] += esize
    spent += cost[L.K_ALLOC_BYTE] * esize
    return slot, spent, 0
