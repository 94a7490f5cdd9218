"""The object allocator's slow path (Go: mallocgc's refill and large-object paths) over size
classes, spans and the sweeper. The fast path (a free slot in the class's current span) is
inline in the op loop (``mutator.run_ops``), for speed (see jit.py).

Abstractions (see docs/architecture.md): one span cache per size class rather than per P (a
quantum runs atomically, so per-P caches would only change heapLive's granularity); no tiny
allocator; no scan/noscan span split.

Capacity is checked (``can_new_span``) before anything changes, so an ``ST_GROW`` return
leaves the heap as it was and the caller can retry after growing the tables.
"""

from __future__ import annotations

from framework.runtime import layout as L
from framework.runtime.kernels.alloc import PAGE, can_new_span, new_span
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
def alloc_slow(a, size, c, cost):
    """The allocator's slow path (Go: mcache.refill / largeAlloc): a large object's own
    span, or a refill of class ``c``'s current span. Returns (slot, span, cost_ns, grow);
    slot < 0 iff grow > 0. The caller finishes the allocation (the fast path in run_ops).
    Spans taken from the partial list are swept; unswept ones are swept here first.
    """
    ctr = a.ctr
    spent = 0.0
    if c == 0:
        npages = (size + PAGE - 1) // PAGE
        g = can_new_span(a, 1, npages)
        if g != 0:
            return -1, -1, 0.0, g
        spent += deduct_sweep_credit(a, npages * PAGE, cost)
        s, t = new_span(a, 0, 1, npages, npages * PAGE, cost)
        spent += cost[L.K_SPAN_ALLOC] + t
        a.sp_freeindex[s] = 1
        ctr[L.LARGE_ALLOCS] += 1
        return a.sp_base[s], s, spent, 0
    # Refill (Go: mcache.refill -> mcentral.cacheSpan): pay proportional sweep credit, then
    # a swept partial span, else sweep unswept spans of this class, else a new span.
    # Retrying after ST_GROW is safe: the credit is then already paid.
    a.cls_cur[c] = -1
    nelems = a.cls_nelems[c]
    npages = a.cls_npages[c]
    spent += deduct_sweep_credit(a, npages * PAGE, cost)
    while True:
        s = a.cls_partial[c]
        if s < 0:
            break
        a.cls_partial[c] = a.sp_next[s]
        a.sp_next[s] = -1
        a.sp_inlist[s] = 0
        slot = _take_slot(a, s)
        if slot >= 0:
            a.cls_cur[c] = s
            return slot, s, spent, 0
    s, t = sweep_class_for_alloc(a, c, cost)
    spent += t
    ctr[L.LAZY_SWEEP_NS] += int(t)
    if s >= 0:
        a.cls_cur[c] = s
        return _take_slot(a, s), s, spent, 0
    g = can_new_span(a, nelems, npages)
    if g != 0:
        return -1, -1, 0.0, g
    s, t = new_span(a, c, nelems, npages, a.cls_size[c], cost)
    spent += cost[L.K_SPAN_ALLOC] + t
    a.cls_cur[c] = s
    return _take_slot(a, s), s, spent, 0
