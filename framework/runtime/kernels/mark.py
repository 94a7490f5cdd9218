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
def scan_roots(a, roots, n, byte_cost, cost):
    """Shade every non-nil pointer in ``roots[:n]``; returns the cost in ns.

    Used for a goroutine's stack (``byte_cost`` = K_STACK_SCAN_BYTE) and for globals
    (K_GLOBAL_SCAN_BYTE). Scan work grows by 8 bytes per root word.
    """
    for i in range(n):
        shade(a, roots[i])
    a.ctr[L.SCAN_WORK] += 8 * n
    return cost[byte_cost] * 8 * n


@kernel
def drain(a, max_work, cost):
    """Blacken grey objects until the grey queue is empty or ``max_work`` bytes of scan work
    were done (Go: gcDrainN). Returns (work_bytes, cost_ns, objects_scanned)."""
    ctr = a.ctr
    work = 0
    spent = 0.0
    nobj = 0
    while ctr[L.GREY_N] > 0 and work < max_work:
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
    a.ctr[L.GREY_N] = 0
    a.ctr[L.MARKED_OBJECTS] = 0
    a.ctr[L.MARKED_BYTES] = 0
    a.ctr[L.SCAN_WORK] = 0
