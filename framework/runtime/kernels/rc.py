"""Reference-counting kernels: counts on every pointer write, cascading frees, deferred
counting (Deutsch & Bobrow 1976) and synchronous trial deletion (Bacon & Rajan 2001).

Rules:

- ``rc_write(a, old, new, ...)`` is the one entry point for a pointer write: it increments
  ``new`` before decrementing ``old`` (so ``x.f = x.f`` is harmless). The op loop calls it
  for heap and global stores (the barrier hook) and, in eager mode, for stack writes.
- An object whose count drops to zero is freed at once, its children decremented in turn
  (an explicit work stack, no recursion): a *cascade*. In deferred mode stack references
  are not counted, so a zero count only puts the object in the zero count table (ZCT);
  ``reconcile`` frees ZCT entries no stack references.
- With cycle collection on, an object decremented to a non-zero count becomes a purple
  candidate root (buffered once). A buffered object whose count reaches zero is released
  (children decremented, fields cleared) but its slot stays allocated until
  ``collect_cycles`` processes the buffer, as in Bacon & Rajan's Release.
- Freed slots go back to their span (its free index and partial list); empty small-object
  spans stay with their class (reused by the next allocation), large-object spans return
  their pages at once.
"""

from __future__ import annotations

from framework.runtime import layout as L
from framework.runtime.kernels.alloc import release_span
from framework.runtime.kernels.jit import kernel


@kernel
def _free_slot(a, o):
    """Return one object's slot to its span. Fields are left as they were."""
    ctr = a.ctr
    s = a.sl_span[o]
    esize = a.sl_size[o]
    a.sl_alloc[o] = 0
    a.sp_nalloc[s] -= 1
    ctr[L.ALLOC_BYTES] -= esize
    ctr[L.ALLOC_REQ] -= a.sl_req[o]
    ctr[L.OBJECTS] -= 1
    ctr[L.FREED_OBJECTS] += 1
    ctr[L.FREED_BYTES] += esize
    ctr[L.HEAP_LIVE] -= esize
    ctr[L.HEAP_SCAN] -= 8 * a.sl_nfields[o]
    idx = o - a.sp_base[s]
    if idx < a.sp_freeindex[s]:
        a.sp_freeindex[s] = idx
    c = a.sp_class[s]
    if c == 0:
        release_span(a, s)
    elif a.cls_cur[c] != s and a.sp_inlist[s] == 0:
        a.sp_next[s] = a.cls_partial[c]
        a.cls_partial[c] = s
        a.sp_inlist[s] = 1


@kernel
def _enqueue_once(a, queue, o, flag, n_idx, limit_idx):
    """Append ``o`` to ``queue`` unless its ``flag`` bit says it is already there; ask the
    collector to run (RC_REQUEST) when the queue reaches ``ctr[limit_idx]``."""
    if a.sl_rcflags[o] & flag == 0:
        a.sl_rcflags[o] |= flag
        queue[a.ctr[n_idx]] = o
        a.ctr[n_idx] += 1
        if a.ctr[n_idx] >= a.ctr[limit_idx]:
            a.ctr[L.RC_REQUEST] = 1


@kernel
def _zct_add(a, o):
    _enqueue_once(a, a.zct, o, L.RCF_ZCT, L.ZCT_N, L.ZCT_LIMIT)


@kernel
def _candidate(a, o):
    """Bacon-Rajan PossibleRoot: colour purple, buffer once."""
    a.sl_rcflags[o] = (a.sl_rcflags[o] & ~L.RCF_COLOR) | L.RC_PURPLE
    _enqueue_once(a, a.rcbuf, o, L.RCF_BUFFERED, L.RCBUF_N, L.RCBUF_LIMIT)


@kernel
def release_cascade(a, root, work, cost):
    """Free ``root`` (count already zero) and everything that drops to zero below it.
    ``work`` is a scratch int32 array as large as the slot table. Returns (objects, ns)."""
    ctr = a.ctr
    deferred = ctr[L.RC_MODE] == L.RC_DEFERRED
    cycles = ctr[L.RC_CYCLES] != 0
    top = 0
    work[top] = root
    top += 1
    freed = 0
    ops = 0
    while top > 0:
        top -= 1
        o = work[top]
        for f in range(a.sl_nfields[o]):
            k = a.fields[o, f]
            if k < 0:
                continue
            a.fields[o, f] = -1
            a.sl_rc[k] -= 1
            ops += 1
            if a.sl_rc[k] == 0:
                if deferred:
                    _zct_add(a, k)
                else:
                    work[top] = k
                    top += 1
            elif cycles:
                _candidate(a, k)
        a.sl_rcflags[o] &= ~L.RCF_COLOR  # black
        if a.sl_rcflags[o] & (L.RCF_BUFFERED | L.RCF_ZCT) == 0:
            _free_slot(a, o)
            freed += 1
    ctr[L.RC_OPS] += ops
    spent = cost[L.K_RC_OP] * ops + cost[L.K_RC_FREE] * freed
    return freed, spent


@kernel
def rc_write(a, old, new, work, cost):
    """Count a pointer write that replaces ``old`` with ``new`` (either may be nil).
    Returns the cost in ns. The largest cascade since the op loop last reset them is in
    ``ctr[LAST_CASCADE]`` (objects) and their cost in ``ctr[LAST_CASCADE_NS]``."""
    ctr = a.ctr
    spent = 0.0
    if new >= 0:
        a.sl_rc[new] += 1
        ctr[L.RC_OPS] += 1
        spent += cost[L.K_RC_OP]
    if old >= 0:
        a.sl_rc[old] -= 1
        ctr[L.RC_OPS] += 1
        spent += cost[L.K_RC_OP]
        if a.sl_rc[old] == 0:
            if ctr[L.RC_MODE] == L.RC_DEFERRED:
                _zct_add(a, old)
            else:
                n, t = release_cascade(a, old, work, cost)
                spent += t
                if n > 0:
                    ctr[L.CASCADES] += 1
                    ctr[L.LAST_CASCADE] = max(ctr[L.LAST_CASCADE], n)
                    ctr[L.LAST_CASCADE_NS] += int(t)
                    if n > ctr[L.CASCADE_MAX]:
                        ctr[L.CASCADE_MAX] = n
        elif ctr[L.RC_CYCLES] != 0:
            _candidate(a, old)
    ctr[L.RC_NS] += int(spent)
    return spent


@kernel
def rc_new_object(a, slot):
    """A fresh allocation: count zero, black, unbuffered; deferred mode puts it in the
    ZCT (only the stack may hold it)."""
    a.sl_rc[slot] = 0
    a.sl_rcflags[slot] = 0
    if a.ctr[L.RC_MODE] == L.RC_DEFERRED:
        _zct_add(a, slot)


@kernel
def _compact_zct(a):
    """Keep only ZCT entries that are allocated with a zero count; unflag the others (an
    object whose count went back up left the table)."""
    ctr = a.ctr
    keep = 0
    for j in range(ctr[L.ZCT_N]):
        o = a.zct[j]
        if a.sl_alloc[o] == 0:
            continue
        if a.sl_rc[o] == 0 and a.sl_rcflags[o] & L.RCF_ZCT != 0:
            a.zct[keep] = o
            keep += 1
        else:
            a.sl_rcflags[o] &= ~L.RCF_ZCT
    ctr[L.ZCT_N] = keep


@kernel
def reconcile(a, stack_roots, work, cost):
    """Deferred RC's periodic collection (Deutsch-Bobrow): with the world stopped, free
    every ZCT entry with a zero count that no stack references, cascading (children that
    reach zero join the ZCT and are examined in the same pass).
    Returns (objects_freed, cost_ns)."""
    ctr = a.ctr
    spent = 0.0
    for i in range(stack_roots.shape[0]):
        o = stack_roots[i]
        if o >= 0:
            a.sl_rcflags[o] |= L.RCF_STACK
    spent += cost[L.K_RC_OP] * stack_roots.shape[0]
    _compact_zct(a)
    freed = 0
    i = 0
    while i < ctr[L.ZCT_N]:
        o = a.zct[i]
        i += 1
        f = a.sl_rcflags[o]
        if a.sl_alloc[o] == 0 or a.sl_rc[o] != 0 or f & L.RCF_STACK != 0:
            continue
        a.sl_rcflags[o] = f & ~L.RCF_ZCT
        n, t = release_cascade(a, o, work, cost)
        freed += n
        spent += t
    _compact_zct(a)  # what is left is referenced from stacks
    for i in range(stack_roots.shape[0]):
        o = stack_roots[i]
        if o >= 0:
            a.sl_rcflags[o] &= ~L.RCF_STACK
    ctr[L.RC_REQUEST] = 0
    return freed, spent


@kernel
def _color(a, o):
    return a.sl_rcflags[o] & L.RCF_COLOR


@kernel
def _set_color(a, o, c):
    a.sl_rcflags[o] = (a.sl_rcflags[o] & ~L.RCF_COLOR) | c


@kernel
def collect_cycles(a, work, cost):
    """Bacon & Rajan's synchronous cycle collection over the candidate buffer:
    MarkRoots (MarkGray each purple root, trial-decrementing internal edges), ScanRoots
    (restore counts of anything still externally referenced: ScanBlack), CollectRoots
    (free what stayed white). Must run with the world stopped.
    Returns (objects_freed, bytes_freed, objects_visited, cost_ns)."""
    ctr = a.ctr
    visited = 0
    bytes0 = ctr[L.FREED_BYTES]
    objs0 = ctr[L.FREED_OBJECTS]
    # MarkRoots
    nroots = 0
    for i in range(ctr[L.RCBUF_N]):
        s = a.rcbuf[i]
        if a.sl_alloc[s] != 0 and _color(a, s) == L.RC_PURPLE:
            a.rcbuf[nroots] = s
            nroots += 1
            # MarkGray(s)
            if _color(a, s) != L.RC_GRAY:
                _set_color(a, s, L.RC_GRAY)
                top = 0
                work[top] = s
                top += 1
                while top > 0:
                    top -= 1
                    t = work[top]
                    visited += 1
                    for f in range(a.sl_nfields[t]):
                        k = a.fields[t, f]
                        if k < 0:
                            continue
                        a.sl_rc[k] -= 1
                        if _color(a, k) != L.RC_GRAY:
                            _set_color(a, k, L.RC_GRAY)
                            work[top] = k
                            top += 1
        else:
            a.sl_rcflags[s] &= ~L.RCF_BUFFERED
            if (
                a.sl_alloc[s] != 0
                and _color(a, s) == L.RC_BLACK
                and a.sl_rc[s] == 0
                and (a.sl_rcflags[s] & L.RCF_ZCT == 0)
            ):
                _free_slot(a, s)
    ctr[L.RCBUF_N] = nroots
    # ScanRoots
    for i in range(nroots):
        top = 0
        work[top] = a.rcbuf[i]
        top += 1
        while top > 0:
            top -= 1
            t = work[top]
            if _color(a, t) != L.RC_GRAY:
                continue
            visited += 1
            if a.sl_rc[t] > 0:
                # ScanBlack(t): blacken t and restore counts below it.
                _set_color(a, t, L.RC_BLACK)
                base = top
                work[top] = t
                top += 1
                while top > base:
                    top -= 1
                    u = work[top]
                    for f in range(a.sl_nfields[u]):
                        k = a.fields[u, f]
                        if k < 0:
                            continue
                        a.sl_rc[k] += 1
                        if _color(a, k) != L.RC_BLACK:
                            _set_color(a, k, L.RC_BLACK)
                            visited += 1
                            work[top] = k
                            top += 1
            else:
                _set_color(a, t, L.RC_WHITE)
                for f in range(a.sl_nfields[t]):
                    k = a.fields[t, f]
                    if k >= 0:
                        work[top] = k
                        top += 1
    # CollectRoots
    for i in range(nroots):
        s = a.rcbuf[i]
        a.sl_rcflags[s] &= ~L.RCF_BUFFERED
        top = 0
        work[top] = s
        top += 1
        while top > 0:
            top -= 1
            t = work[top]
            if _color(a, t) != L.RC_WHITE or a.sl_rcflags[t] & L.RCF_BUFFERED != 0:
                continue
            _set_color(a, t, L.RC_BLACK)
            visited += 1
            for f in range(a.sl_nfields[t]):
                k = a.fields[t, f]
                if k >= 0:
                    work[top] = k
                    top += 1
                a.fields[t, f] = -1
            _free_slot(a, t)
    ctr[L.RCBUF_N] = 0
    _compact_zct(a)  # drop ZCT entries of freed slots before the slots are reused
    ctr[L.RC_REQUEST] = 0
    freed = ctr[L.FREED_OBJECTS] - objs0
    spent = cost[L.K_RC_CYCLE_OBJ] * visited + cost[L.K_RC_FREE] * freed
    return freed, ctr[L.FREED_BYTES] - bytes0, visited, spent


@kernel
def count_stack_refs(a, stack_roots, delta):
    """Add ``delta`` to the count of every object a stack slot references (deferred RC's
    cycle collection counts stack references for the duration of the collection)."""
    for i in range(stack_roots.shape[0]):
        o = stack_roots[i]
        if o >= 0:
            a.sl_rc[o] += delta
