"""Marking kernels: shading, root scanning and grey-queue draining (Go: greyobject,
scanobject, scanstack, markroot, gcDrain).

Scan work is counted as Go counts it: bytes of an object up to and including its last
pointer word (pointer fields lead the object in this model), plus bytes of stack and
globals scanned. Objects without pointer fields are marked black at once and never queued
(Go: greyobject returns early for noscan spans), costing ``K_MARK_NOSCAN``; a scanned
object costs ``K_MARK_OBJ`` plus ``K_MARK_BYTE`` per byte of scan work. Either one touches
memory that misses the cache with probability ``fpar[F_MISS]`` and then costs
``K_MARK_MISS`` more (a noscan mark reads only the span and its mark bits, so it likely
misses less than a scan, which reads the object: the model does not tell them apart yet).

Locality (``K_LOCALITY_BYTES``, the ``[cost] locality_bytes`` window; 0 turns it off): an
object whose address lies within the window of the object the marker touched just before
(``ctr[MARK_LAST_ADDR]``) is *near*: it still misses with the heap-size probability, but
pays ``K_MARK_NEAR_MISS`` instead of ``K_MARK_MISS``. Objects allocated one after another
sit next to each other in a span, so marking them in that order (a list built in
allocation order and reached from a stack) reads lines the previous object already brought
in or that the hardware's sequential prefetcher fetched ahead, and shares their span, mark
bit and heap bitmap lines; a pointer to anywhere in a large heap (random replacement) pays
the whole latency. An object's address is its span's first page x 8 KiB + its index in the
span x the element size, as in Go.

Every cost is also counted in the ledger (``OBJECTS_SCANNED``, ``NOSCAN_MARKED``, and the
sums of the miss probabilities of far and near objects, ``F_MISS_MARK`` and
``F_MISS_MARK_NEAR``), so a calibration can fit the costs.
"""

from __future__ import annotations

import numpy as np

from framework.runtime import layout as L
from framework.runtime.kernels.jit import inline_kernel, kernel

FAR = -(1 << 50)  # "no previous access": further than any window from every address


@inline_kernel
def obj_addr(obj, sl_span, sp_page, sp_base, sp_elemsize):
    """The byte address of slot ``obj``: its span's first page x 8 KiB (Go's _PageSize)
    plus its index in the span x the span's element size."""
    s = sl_span[obj]
    return np.int64(sp_page[s]) * 8192 + (np.int64(obj) - np.int64(sp_base[s])) * sp_elemsize[s]


@kernel
def shade(a, obj):
    """Grey a white object (black at once if pointer-free). Returns 1 if it was white."""
    if obj < 0 or a.sl_mark[obj] != 0:
        return 0
    ctr = a.ctr
    if a.sl_nfields[obj] == 0:
        a.sl_mark[obj] = L.MARK_BLACK
        ctr[L.NOSCAN_MARKED] += 1
        a.fpar[L.F_MISS_MARK] += a.fpar[L.F_MISS]
    else:
        a.sl_mark[obj] = L.MARK_GREY
        a.grey[ctr[L.GREY_N]] = obj
        ctr[L.GREY_N] += 1
    ctr[L.MARKED_OBJECTS] += 1
    ctr[L.MARKED_BYTES] += a.sl_size[obj]
    return 1


@kernel
def scan_roots(
    ctr,
    mark,
    nfields,
    sl_size,
    grey,
    fpar,
    sl_span,
    sp_page,
    sp_base,
    sp_elemsize,
    roots,
    n,
    nbytes,
    work_ctr,
    byte_cost,
    cost,
):
    """Shade every non-nil pointer in ``roots[:n]``; returns the cost in ns.

    It takes the heap arrays it needs (``Heap.root_scan_arrays``), not the heap tuple:
    it is called once per goroutine per cycle, and unboxing the whole tuple costs ~7 us a
    call against ~1 us for these (see jit.py).

    ``nbytes`` is the scan work of this root region (Go counts a stack's whole used size,
    ``hi - sp``, and a globals block's whole length), added to ``ctr[work_ctr]``
    (STACK_SCAN_WORK or GLOBAL_SCAN_WORK) and to SCAN_WORK; ``byte_cost`` indexes the cost
    vector (K_STACK_SCAN_BYTE or K_GLOBAL_SCAN_BYTE).
    """
    top = ctr[L.GREY_N]
    win = np.int64(cost[L.K_LOCALITY_BYTES])
    last = ctr[L.MARK_LAST_ADDR]
    nobj = 0
    nb = 0
    noscan = 0
    far = 0  # noscan marks outside the locality window (they may miss)
    near = 0  # and inside it (they may miss, at K_MARK_NEAR_MISS)
    for i in range(n):
        obj = roots[i]
        if obj >= 0 and mark[obj] == 0:  # shade(), inline (see jit.py)
            if nfields[obj] == 0:
                mark[obj] = L.MARK_BLACK
                noscan += 1
                if win > 0:
                    ad = obj_addr(obj, sl_span, sp_page, sp_base, sp_elemsize)
                    if abs(ad - last) >= win:
                        far += 1
                    else:
                        near += 1
                    last = ad
                else:
                    far += 1
            else:
                mark[obj] = L.MARK_GREY
                grey[top] = obj
                top += 1
            nobj += 1
            nb += sl_size[obj]
    ctr[L.GREY_N] = top
    ctr[L.MARKED_OBJECTS] += nobj
    ctr[L.MARKED_BYTES] += nb
    ctr[L.SCAN_WORK] += nbytes
    ctr[work_ctr] += nbytes
    ctr[L.NOSCAN_MARKED] += noscan
    ctr[L.MARK_LAST_ADDR] = last
    miss = fpar[L.F_MISS] * far
    fpar[L.F_MISS_MARK] += miss
    spent = cost[byte_cost] * nbytes + cost[L.K_MARK_NOSCAN] * noscan + cost[L.K_MARK_MISS] * miss
    if near > 0:
        near_miss = fpar[L.F_MISS] * near
        fpar[L.F_MISS_MARK_NEAR] += near_miss
        spent += cost[L.K_MARK_NEAR_MISS] * near_miss
    return spent


@kernel
def drain(a, max_work, cost):
    """Blacken grey objects until the grey queue is empty or ``max_work`` bytes of scan work
    were done (Go: gcDrainN). Returns (work_bytes, cost_ns, objects_scanned)."""
    return drain_budget(a, max_work, 1e300, cost)


@kernel
def drain_budget(a, max_work, max_ns, cost):
    """``drain`` that also stops once ``max_ns`` of marking cost was spent (a worker's
    time slice; Go's workers check for preemption between objects)."""
    ctr = a.ctr
    mark = a.sl_mark
    grey = a.grey
    fields = a.fields
    nfields = a.sl_nfields
    size = a.sl_size
    k_obj = cost[L.K_MARK_OBJ]
    k_byte = cost[L.K_MARK_BYTE]
    k_noscan = cost[L.K_MARK_NOSCAN]
    m = a.fpar[L.F_MISS]
    k_miss = cost[L.K_MARK_MISS] * m
    k_near = cost[L.K_MARK_NEAR_MISS] * m
    win = np.int64(cost[L.K_LOCALITY_BYTES])
    sl_span = a.sl_span
    sp_page = a.sp_page
    sp_base = a.sp_base
    sp_elemsize = a.sp_elemsize
    last = ctr[L.MARK_LAST_ADDR]
    top = ctr[L.GREY_N]
    work = 0
    spent = 0.0
    nobj = 0
    shaded = 0
    shaded_bytes = 0
    noscan = 0
    far = 0  # objects scanned or marked outside the locality window (they may miss)
    nnear = 0  # and inside it (they may miss, at K_MARK_NEAR_MISS)
    while top > 0 and work < max_work and spent < max_ns:
        top -= 1
        obj = grey[top]
        mark[obj] = L.MARK_BLACK
        nf = nfields[obj]
        if win > 0:
            ad = obj_addr(obj, sl_span, sp_page, sp_base, sp_elemsize)
            near = abs(ad - last) < win
            last = ad
        else:
            near = False
        if near:
            nnear += 1
            mo = k_near
        else:
            far += 1
            mo = k_miss
        for f in range(nf):
            k = fields[obj, f]
            if k >= 0 and mark[k] == 0:  # shade(), inline (see jit.py)
                shaded += 1
                shaded_bytes += size[k]
                if nfields[k] == 0:  # Go: noscan objects are marked, never queued
                    mark[k] = L.MARK_BLACK
                    noscan += 1
                    mk = 0.0
                    if win > 0:
                        ad = obj_addr(k, sl_span, sp_page, sp_base, sp_elemsize)
                        if abs(ad - last) >= win:
                            far += 1
                            mk = k_miss
                        else:
                            nnear += 1
                            mk = k_near
                        last = ad
                    else:
                        far += 1
                        mk = k_miss
                    spent += k_noscan + mk
                else:
                    mark[k] = L.MARK_GREY
                    grey[top] = k
                    top += 1
        w = 8 * np.int64(nf)
        work += w
        nobj += 1
        spent += k_obj + k_byte * w + mo
    ctr[L.GREY_N] = top
    ctr[L.MARK_LAST_ADDR] = last
    ctr[L.MARKED_OBJECTS] += shaded
    ctr[L.MARKED_BYTES] += shaded_bytes
    ctr[L.SCAN_WORK] += work
    ctr[L.OBJECTS_SCANNED] += nobj
    ctr[L.NOSCAN_MARKED] += noscan
    a.fpar[L.F_MISS_MARK] += m * far
    a.fpar[L.F_MISS_MARK_NEAR] += m * nnear
    return work, spent, nobj


@kernel
def clear_marks(a):
    """Whiten every slot (start of a cycle, after the previous sweep finished)."""
    n = a.ctr[L.NSLOTS]
    for i in range(n):
        a.sl_mark[i] = 0
    reset_mark_counters(a)


@kernel
def reset_mark_counters(a):
    """Start of a cycle: nothing marked or scanned yet."""
    a.ctr[L.GREY_N] = 0
    a.ctr[L.MARKED_OBJECTS] = 0
    a.ctr[L.MARKED_BYTES] = 0
    a.ctr[L.SCAN_WORK] = 0
    a.ctr[L.STACK_SCAN_WORK] = 0
    a.ctr[L.GLOBAL_SCAN_WORK] = 0
    a.ctr[L.OBJECTS_SCANNED] = 0
    a.ctr[L.NOSCAN_MARKED] = 0
    a.ctr[L.MARK_LAST_ADDR] = FAR
    a.fpar[L.F_MISS_MARK] = 0.0
    a.fpar[L.F_MISS_MARK_NEAR] = 0.0
