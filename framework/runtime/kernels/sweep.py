"""Sweeping kernels (Go: mspan.sweep). Sweeping a span frees its allocated-but-unmarked
slots, clears the mark bits for the next cycle, returns a fully free span's pages to the
page heap, and puts a span with free slots on its class's partial list.

Go's sweepgen protocol: a span with ``sweepgen == h - 2`` needs sweeping, ``h`` is swept
(``h`` = ``ctr[SWEEPGEN]``, advanced by 2 at each mark termination). Only in-use spans are
swept.
"""

from __future__ import annotations

from framework.runtime import layout as L
from framework.runtime.kernels.alloc import release_span
from framework.runtime.kernels.jit import kernel


@kernel
def sweep_span(a, s, cost):
    """Sweep one in-use span. Returns (objects_freed, bytes_freed, cost_ns)."""
    ctr = a.ctr
    base = a.sp_base[s]
    n = a.sp_nelems[s]
    esize = a.sp_elemsize[s]
    freed = 0
    freed_req = 0
    for i in range(base, base + n):
        if a.sl_alloc[i] != 0 and a.sl_mark[i] == 0:
            a.sl_alloc[i] = 0
            freed += 1
            freed_req += a.sl_req[i]
        a.sl_mark[i] = 0
    a.sp_nalloc[s] -= freed
    a.sp_freeindex[s] = 0
    a.sp_sweepgen[s] = ctr[L.SWEEPGEN]
    ctr[L.ALLOC_BYTES] -= freed * esize
    ctr[L.ALLOC_REQ] -= freed_req
    ctr[L.OBJECTS] -= freed
    ctr[L.FREED_OBJECTS] += freed
    ctr[L.FREED_BYTES] += freed * esize
    ctr[L.SPANS_SWEPT] += 1
    spent = cost[L.K_SWEEP_SPAN] + cost[L.K_SWEEP_OBJ] * n
    if a.sp_nalloc[s] == 0:
        c = a.sp_class[s]
        if c > 0 and a.cls_cur[c] == s:
            a.cls_cur[c] = -1
        release_span(a, s)
    return freed, freed * esize, spent


@kernel
def sweep_all(a, cost):
    """Sweep every in-use span and rebuild the per-class partial lists (a stop-the-world
    sweep). Returns (spans_swept, objects_freed, bytes_freed, cost_ns)."""
    ctr = a.ctr
    for c in range(a.cls_partial.shape[0]):
        a.cls_partial[c] = -1
        a.cls_cur[c] = -1
    nspans = ctr[L.NSPANS]
    swept = 0
    objs = 0
    nbytes = 0
    spent = 0.0
    for s in range(nspans - 1, -1, -1):
        if a.sp_state[s] != 1:
            continue
        a.sp_next[s] = -1
        f, b, t = sweep_span(a, s, cost)
        swept += 1
        objs += f
        nbytes += b
        spent += t
        if a.sp_state[s] == 1 and a.sp_class[s] > 0 and a.sp_nalloc[s] < a.sp_nelems[s]:
            c = a.sp_class[s]
            a.sp_next[s] = a.cls_partial[c]
            a.cls_partial[c] = s
    ctr[L.SWEEP_PENDING] = 0
    return swept, objs, nbytes, spent
