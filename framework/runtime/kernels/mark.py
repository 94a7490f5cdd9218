"""Marking kernels: shading, root scanning and grey-queue draining (Go: greyobject,
scanobject, scanstack, markroot, gcDrain).

Scan work is counted as Go counts it: bytes of an object up to and including its last
pointer word (pointer fields lead the object in this model), plus bytes of stack and
globals scanned. Objects without pointer fields are marked but not scanned (Go's noscan).
"""

from __future__ import annotations

from framework.runtime import layout as L
from framework.runtime.kernels.jit import kernel


@kernel
def shade(a, obj):
    """Grey a white object. Returns 1 if it was white (and is now grey), else 0."""
    if obj < 0 or a.sl_mark[obj] != 0:
        return 0
    a.sl_mark[obj] = 1
    ctr = a.ctr
    a.grey[ctr[L.GREY_N]] = obj
    ctr[L.GREY_N] += 1
    ctr[L.MARKED_OBJECTS] += 1
    ctr[L.MARKED_BYTES] += a.sl_size[obj]
    return 1


@kernel
def scan_roots(a, roots, n, nbytes, work_ctr, byte_cost, cost):
    """Shade every non-nil pointer in ``roots[:n]``; returns the cost in ns.

    ``nbytes`` is the scan work of this root region (Go counts a stack's whole used size,
    ``hi - sp``, and a globals block's whole length), added to ``ctr[work_ctr]``
    (STACK_SCAN_WORK or GLOBAL_SCAN_WORK) and to SCAN_WORK; ``byte_cost`` indexes the cost
    vector (K_STACK_SCAN_BYTE or K_GLOBAL_SCAN_BYTE).
    """
    for i in range(n):
        shade(a, roots[i])
    a.ctr[L.SCAN_WORK] += nbytes
    a.ctr[work_ctr] += nbytes
    return cost[byte_cost] * nbytes


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
    work = 0
    spent = 0.0
    nobj = 0
    while ctr[L.GREY_N] > 0 and work < max_work and spent < max_ns:
        ctr[L.GREY_N] -= 1
        obj = a.grey[ctr[L.GREY_N]]
        nf = a.sl_nfields[obj]
        for f in range(nf):
            shade(a, a.fields[obj, f])
        w = 8 * nf
        work += w
        nobj += 1
        spent += cost[L.K_MARK_OBJ] + cost[L.K_MARK_BYTE] * w
    ctr[L.SCAN_WORK] += work
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
