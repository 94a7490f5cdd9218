"""Sweeping kernels (Go: mspan.sweep, sweepone, mcentral's unswept sets, deductSweepCredit).

Sweeping a span frees its allocated-but-unmarked slots, clears the mark bits for the next
cycle, returns a fully free span's pages to the page heap, and puts a small-object span with
free slots on its class's partial list.

Go's sweepgen protocol: ``begin_sweep`` advances ``ctr[SWEEPGEN]`` by 2 at mark termination
and moves every in-use span onto its class's *unswept* list; a span is swept when
``sp_sweepgen == ctr[SWEEPGEN]``. Allocation never uses an unswept span: it takes a swept
partial span, or sweeps unswept spans of its class until one has room (at most
``SPAN_BUDGET`` of them, as mcentral.cacheSpan does), or grows the heap.
"""

from __future__ import annotations

from framework.runtime import layout as L
from framework.runtime.kernels.alloc import release_span
from framework.runtime.kernels.jit import kernel

SPAN_BUDGET = 100  # Go: mcentral.cacheSpan's spanBudget
PAGE = 8192


@kernel
def sweep_span(a, s, cost):
    """Sweep one in-use span. Returns (objects_freed, bytes_freed, cost_ns).

    The span is not on any list afterwards; the caller decides where it goes.
    """
    ctr = a.ctr
    base = a.sp_base[s]
    n = a.sp_nelems[s]
    esize = a.sp_elemsize[s]
    freed = 0
    freed_req = 0
    freed_scan = 0
    for i in range(base, base + n):
        if a.sl_alloc[i] != 0 and a.sl_mark[i] == 0:
            a.sl_alloc[i] = 0
            freed += 1
            freed_req += a.sl_req[i]
            freed_scan += 8 * a.sl_nfields[i]
        a.sl_mark[i] = 0
    a.sp_nalloc[s] -= freed
    a.sp_freeindex[s] = 0
    a.sp_sweepgen[s] = ctr[L.SWEEPGEN]
    a.sp_next[s] = -1
    ctr[L.ALLOC_BYTES] -= freed * esize
    ctr[L.ALLOC_REQ] -= freed_req
    ctr[L.HEAP_SCAN] -= freed_scan
    ctr[L.OBJECTS] -= freed
    ctr[L.FREED_OBJECTS] += freed
    ctr[L.FREED_BYTES] += freed * esize
    ctr[L.SPANS_SWEPT] += 1
    ctr[L.SLOTS_SWEPT] += n
    ctr[L.PAGES_SWEPT] += a.sp_npages[s]
    ctr[L.SWEEP_PENDING] -= 1
    spent = cost[L.K_SWEEP_SPAN] + cost[L.K_SWEEP_OBJ] * n
    if a.sp_nalloc[s] == 0:
        release_span(a, s)
    return freed, freed * esize, spent


@kernel
def begin_sweep(a):
    """Mark termination: every in-use span becomes unswept (Go: sweepgen += 2) and goes on
    its class's unswept list; per-class current and partial spans are dropped (Go flushes
    the mcaches). Returns the number of spans to sweep."""
    ctr = a.ctr
    ctr[L.SWEEPGEN] += 2
    for c in range(a.cls_partial.shape[0]):
        a.cls_partial[c] = -1
        a.cls_cur[c] = -1
        a.cls_unswept[c] = -1
    n = 0
    for s in range(ctr[L.NSPANS] - 1, -1, -1):  # pushed in reverse: lists run by address
        if a.sp_state[s] != 1:
            continue
        c = a.sp_class[s]
        a.sp_next[s] = a.cls_unswept[c]
        a.cls_unswept[c] = s
        a.sp_inlist[s] = 0
        n += 1
    ctr[L.SWEEP_PENDING] = n
    ctr[L.PAGES_SWEPT] = 0
    ctr[L.SWEEP_CLASS_CURSOR] = 0
    return n


@kernel
def _put_swept(a, s):
    """After sweeping: a span with free slots goes on its class's partial list."""
    if a.sp_state[s] == 1:
        c = a.sp_class[s]
        if c > 0 and a.sp_nalloc[s] < a.sp_nelems[s]:
            a.sp_next[s] = a.cls_partial[c]
            a.cls_partial[c] = s
            a.sp_inlist[s] = 1


@kernel
def sweep_one(a, cost):
    """Sweep the next unswept span of any class (Go: sweepone). Returns (pages, cost_ns),
    pages = -1 when nothing is left to sweep."""
    ctr = a.ctr
    nc = a.cls_unswept.shape[0]
    c = ctr[L.SWEEP_CLASS_CURSOR]
    while c < nc and a.cls_unswept[c] < 0:
        c += 1
    ctr[L.SWEEP_CLASS_CURSOR] = c
    if c >= nc:
        return -1, 0.0
    s = a.cls_unswept[c]
    a.cls_unswept[c] = a.sp_next[s]
    pages = a.sp_npages[s]
    _, _, t = sweep_span(a, s, cost)
    _put_swept(a, s)
    return pages, t


@kernel
def sweep_some(a, max_spans, max_ns, cost):
    """Sweep up to ``max_spans`` spans or ``max_ns`` of work. Returns (spans, pages, cost_ns);
    spans < max_spans with cost < max_ns means the sweep is complete."""
    spans = 0
    pages = 0
    spent = 0.0
    while spans < max_spans and spent < max_ns:
        p, t = sweep_one(a, cost)
        if p < 0:
            break
        spans += 1
        pages += p
        spent += t
    return spans, pages, spent


@kernel
def sweep_all(a, cost):
    """A stop-the-world sweep of the whole heap: begin a sweep and finish it.
    Returns (spans_swept, objects_freed, bytes_freed, cost_ns)."""
    ctr = a.ctr
    objs0 = ctr[L.FREED_OBJECTS]
    bytes0 = ctr[L.FREED_BYTES]
    begin_sweep(a)
    spans, _, spent = sweep_some(a, 1 << 62, 1e300, cost)
    return spans, ctr[L.FREED_OBJECTS] - objs0, ctr[L.FREED_BYTES] - bytes0, spent


@kernel
def finish_sweep(a, cost):
    """Sweep termination: sweep whatever is still unswept (Go: finishsweep_m).
    Returns (spans, cost_ns)."""
    spans, _, spent = sweep_some(a, 1 << 62, 1e300, cost)
    a.fpar[L.F_SWEEP_PPB] = 0.0
    return spans, spent


@kernel
def sweep_class_for_alloc(a, c, cost):
    """Sweep unswept spans of class ``c`` until one has a free slot (Go: mcentral.cacheSpan
    with its span budget). Returns (span or -1, cost_ns). The span returned is swept and
    not on any list."""
    spent = 0.0
    for _ in range(SPAN_BUDGET):
        s = a.cls_unswept[c]
        if s < 0:
            break
        a.cls_unswept[c] = a.sp_next[s]
        _, _, t = sweep_span(a, s, cost)
        spent += t
        if a.sp_state[s] == 1 and a.sp_nalloc[s] < a.sp_nelems[s]:
            return s, spent
    return -1, spent


@kernel
def deduct_sweep_credit(a, span_bytes, cost):
    """Proportional sweep on a span refill (Go: deductSweepCredit): sweep until
    pages swept since the basis >= sweepPagesPerByte * (heapLive - basis + span_bytes).
    Returns the cost in ns (charged to the allocating goroutine)."""
    ppb = a.fpar[L.F_SWEEP_PPB]
    if ppb == 0.0:
        return 0.0
    ctr = a.ctr
    live = ctr[L.HEAP_LIVE]
    new_live = span_bytes
    if ctr[L.SWEEP_LIVE_BASIS] < live:
        new_live += live - ctr[L.SWEEP_LIVE_BASIS]
    target = int(ppb * new_live)
    spent = 0.0
    while target > ctr[L.PAGES_SWEPT] - ctr[L.PAGES_SWEPT_BASIS]:
        p, t = sweep_one(a, cost)
        if p < 0:
            a.fpar[L.F_SWEEP_PPB] = 0.0
            break
        spent += t
        ctr[L.LAZY_SWEEP_SPANS] += 1
    ctr[L.LAZY_SWEEP_NS] += int(spent)
    return spent


def pace_sweeper(a, trigger: int) -> None:
    """Go's gcPaceSweeper, called at mark termination once the next trigger is known:
    sweep the unswept pages before heapLive grows from here to (trigger - 1 MiB)."""
    ctr = a.ctr
    live_basis = int(ctr[L.HEAP_LIVE])
    distance = max(int(trigger) - live_basis - (1 << 20), PAGE)
    inuse_pages = int(ctr[L.INUSE_SPAN_BYTES]) // PAGE
    pages_left = inuse_pages - int(ctr[L.PAGES_SWEPT])
    if pages_left <= 0 or ctr[L.SWEEP_PENDING] <= 0:
        a.fpar[L.F_SWEEP_PPB] = 0.0
        return
    a.fpar[L.F_SWEEP_PPB] = pages_left / distance
    ctr[L.SWEEP_LIVE_BASIS] = live_basis
    ctr[L.PAGES_SWEPT_BASIS] = int(ctr[L.PAGES_SWEPT])
