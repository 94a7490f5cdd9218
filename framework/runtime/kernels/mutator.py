"""The mutator kernel: runs a goroutine's ops for one quantum (Go: the user code between two
safepoints), applying the write barrier to every single pointer store.

The barrier mode (``ctr[BARRIER]``) is a bit set (layout.SHADE_*); the named barriers, for
overwriting ``old`` with ``new``:

- Dijkstra (insertion): shade(new).
- Yuasa (deletion, snapshot at the beginning): shade(old).
- Hybrid-go (what Go 1.19's gcWriteBarrier actually does): shade(old); shade(new).
- Hybrid (Go 1.8+, runtime/mbarrier.go): shade(old); shade(new) if the writing goroutine's
  stack is still grey (not yet scanned this cycle).

The quantum ends when its simulated-time budget or op count is used up, when the op chunk
ends, or early when something needs the runtime: the heap reached the GC trigger, the heap
tables must grow, the stack must grow, the goroutine parks, yields or waits at a start
barrier, or the stream is malformed.
"""

from __future__ import annotations

import numpy as np

from framework.runtime import layout as L
from framework.runtime.kernels.jit import inline_kernel, kernel
from framework.runtime.kernels.malloc import alloc_slow
from framework.runtime.kernels.rc import rc_new_object, rc_write


@inline_kernel
def write_barrier(
    old, new, holder, mode, stack_black, sl_mark, sl_size, sl_nfields, grey, ctr, cost
):
    """The write barrier (Go: gcWriteBarrier) for overwriting ``old`` with ``new`` in a field
    of object ``holder`` (-1: a global), under the primitive bit set ``mode``
    (layout.SHADE_*, composed by each registered barrier); returns its simulated cost (ns).
    Dijkstra: shade(new); Yuasa: shade(old); hybrid (Go 1.8+): shade(old), and shade(new)
    while the writer's stack is grey; hybrid-go: both, always; Steele: re-grey a black
    holder that receives a white pointer (a global's holder is a root: shade(new))."""
    shaded = 0
    steele = (mode & L.SHADE_HOLDER) != 0
    for which in range(2):
        if which == 0:
            obj = old if (mode & L.SHADE_OLD) != 0 else -1
        else:
            take = (mode & L.SHADE_NEW) != 0 or (
                (mode & L.SHADE_NEW_IF_GREY) != 0 and stack_black == 0
            )
            obj = new if take or (steele and holder < 0) else -1
        if obj >= 0 and sl_mark[obj] == 0:
            if sl_nfields[obj] != 0:  # Go: a noscan object is black at once
                sl_mark[obj] = L.MARK_GREY
                grey[ctr[L.GREY_N]] = obj
                ctr[L.GREY_N] += 1
            else:
                sl_mark[obj] = L.MARK_BLACK
            ctr[L.MARKED_OBJECTS] += 1
            ctr[L.MARKED_BYTES] += sl_size[obj]
            shaded += 1
    if (
        steele
        and holder >= 0
        and new >= 0
        and sl_mark[new] == 0
        and sl_mark[holder] == L.MARK_BLACK
        and sl_nfields[holder] != 0
    ):  # re-grey: queued again, counted as a shade, not as newly marked
        sl_mark[holder] = L.MARK_GREY
        grey[ctr[L.GREY_N]] = holder
        ctr[L.GREY_N] += 1
        shaded += 1
    ctr[L.BARRIER_CALLS] += 1
    ctr[L.BARRIER_SHADES] += shaded
    return cost[L.K_BARRIER] + cost[L.K_SHADE] * shaded


@inline_kernel
def stack_order(nbytes):
    """k such that Go allocates a 2^k-byte stack for ``nbytes`` of live frames (Go:
    stackalloc, newstack): at least 2 KiB (``_StackMin``), rounded up to a power of two.
    Agrees with ``memstats.stack_alloc_sizes``."""
    k = 11
    while (1 << k) < nbytes:
        k += 1
    return k


@inline_kernel
def stack_count(ctr, nbytes, sign):
    """Add (``sign`` 1) or remove (-1) a goroutine stack with ``nbytes`` of live frames
    to or from Go's stack accounting (``layout.STACK_*``)."""
    k = stack_order(nbytes)
    ctr[L.STACK_ORDERS + k] += sign
    ctr[L.STACK_LIVE_SUM] += sign * nbytes


@kernel
def stack_end(ctr, nbytes):
    """A goroutine with ``nbytes`` of live frames ended: its stack leaves the accounting."""
    stack_count(ctr, nbytes, -1)


@kernel
def run_ops(a, gs, stack, globs, ops, pos, budget_ns, max_ops, cost, work):
    """Execute ``ops[pos:]`` for goroutine state ``gs`` with stack slots ``stack``.

    Returns ``(pos, spent_ns, status, aux)``; ``pos`` is the next op to run. On ST_GROW,
    ST_STACK_GROW and ST_ERROR the op at ``pos`` was not executed. ``work`` is a scratch
    array for reference-counting cascades (``Heap.work``).
    """
    ctr = a.ctr
    spent = 0.0
    n = ops.shape[0]
    done = 0
    nglob = globs.shape[0]
    rc_on = ctr[L.RC_MODE] != L.RC_OFF
    rc_eager = ctr[L.RC_MODE] == L.RC_EAGER
    mode = ctr[L.BARRIER]
    barrier_on = mode != L.BARRIER_OFF
    # Arrays and costs used per op, hoisted (attribute access on the heap tuple is cheap,
    # but this keeps the loop body readable).
    sl_alloc = a.sl_alloc
    sl_mark = a.sl_mark
    sl_size = a.sl_size
    sl_nfields = a.sl_nfields
    sl_req = a.sl_req
    fields = a.fields
    grey = a.grey
    cls_cur = a.cls_cur
    sp_base = a.sp_base
    sp_nelems = a.sp_nelems
    sp_freeindex = a.sp_freeindex
    sp_nalloc = a.sp_nalloc
    lookup8 = a.lookup8
    lookup128 = a.lookup128
    kf = fields.shape[1]
    k_alloc = cost[L.K_ALLOC]
    k_alloc_byte = cost[L.K_ALLOC_BYTE]
    k_alloc_scan = cost[L.K_ALLOC_SCAN_BYTE]
    miss = a.fpar[L.F_MISS]  # a heap access misses the cache with this probability
    k_miss = cost[L.K_MISS] * miss
    misses = 0
    # Counters only added to (by this loop, and only subtracted from by the sweeps and
    # frees it may call, never read there): summed in locals, added to ctr once at the end.
    n_alloc = 0
    n_alloc_bytes = 0
    n_alloc_req = 0
    n_heap_scan = 0
    n_scan_bytes = 0
    by_code = np.zeros(L.OP_CODES, np.int64)
    status = L.ST_END
    aux = 0
    while pos < n:
        if spent >= budget_ns or done >= max_ops:
            status = L.ST_BUDGET
            aux = 0
            break
        code = ops[pos, 0]
        x = ops[pos, 1]
        y = ops[pos, 2]
        z = ops[pos, 3]
        sp = gs[L.G_SP]
        if rc_on:
            ctr[L.LAST_CASCADE] = 0
            ctr[L.LAST_CASCADE_NS] = 0
        if code == 1:  # ALLOC stack[x] = new(y bytes, z fields)
            if x < 0 or x >= sp:
                status = L.ST_ERROR
                aux = L.ERR_SLOT
                break
            if z > kf or z * 8 > y or z < 0 or y < 1:
                status = L.ST_ERROR
                aux = L.ERR_ALLOC
                break
            # mallocgc fast path: the next free slot of the class's current span.
            if y <= 1016:
                c = lookup8[(y + 7) >> 3]
            elif y <= 32768:
                c = lookup128[(y - 1024 + 127) >> 7]
            else:
                c = 0
            slot = -1
            s = -1
            t = 0.0
            if c > 0:
                s = cls_cur[c]
                if s >= 0:
                    base = sp_base[s]
                    nel = sp_nelems[s]
                    i = sp_freeindex[s]
                    while i < nel and sl_alloc[base + i] != 0:
                        i += 1
                    sp_freeindex[s] = min(i + 1, nel)
                    if i < nel:
                        slot = base + i
            if slot < 0:
                slot, s, t, grow = alloc_slow(a, y, c, cost)
                if grow != 0:
                    status = L.ST_GROW
                    aux = grow
                    break
            esize = sl_size[slot]
            sl_alloc[slot] = 1
            sl_nfields[slot] = z
            sl_req[slot] = y
            for f in range(kf):
                fields[slot, f] = -1
            sp_nalloc[s] += 1
            if ctr[L.ALLOC_BLACK] != 0:  # Go: gcmarknewobject
                sl_mark[slot] = L.MARK_BLACK
                ctr[L.MARKED_OBJECTS] += 1
                ctr[L.MARKED_BYTES] += esize
            else:
                sl_mark[slot] = 0
            ctr[L.HEAP_LIVE] += esize
            n_alloc += 1
            n_alloc_bytes += esize
            n_alloc_req += y
            n_heap_scan += 8 * z
            if z > 0:  # Go: heapBitsSetType writes the pointer bitmap of the object
                n_scan_bytes += esize
                spent += k_alloc_scan * esize
            if rc_on:
                rc_new_object(a, slot)
                if rc_eager:
                    spent += rc_write(a, stack[x], slot, work, cost)
            stack[x] = slot
            spent += k_alloc + t + k_alloc_byte * esize
            pos += 1
            done += 1
            by_code[code] += 1
            if rc_on and ctr[L.LAST_CASCADE] >= ctr[L.CASCADE_EVENT_MIN]:
                status = L.ST_CASCADE
                aux = ctr[L.LAST_CASCADE]
                break
            if ctr[L.HEAP_LIVE] >= ctr[L.TRIGGER]:
                status = L.ST_TRIGGER
                aux = 0
                break
            if ctr[L.ASSISTS_ON] != 0:
                # Go: mallocgc charges gcAssistBytes and calls gcAssistAlloc when in debt
                # (which returns at once while the GC CPU limiter is engaged).
                gs[L.G_ASSIST_CREDIT] -= sl_size[slot]
                if gs[L.G_ASSIST_CREDIT] < 0 and ctr[L.ASSISTS_SKIPPED] == 0:
                    ctr[L.ASSIST_REQUESTS] += 1
                    status = L.ST_ASSIST
                    aux = 0
                    break
            continue
        elif code == 2:  # STORE stack[x].field[y] = stack[z]
            if x < 0 or x >= sp or z >= sp or z < -1 or y < 0:
                status = L.ST_ERROR
                aux = L.ERR_SLOT
                break
            obj = stack[x]
            if obj < 0:
                status = L.ST_ERROR
                aux = L.ERR_NIL
                break
            if y >= sl_nfields[obj]:
                if sl_alloc[obj] == 0:
                    ctr[L.DANGLING] += 1
                    pos += 1
                    done += 1
                    by_code[code] += 1
                    continue
                status = L.ST_ERROR
                aux = L.ERR_FIELD
                break
            if sl_alloc[obj] == 0:
                ctr[L.DANGLING] += 1
            new = stack[z] if z >= 0 else -1
            old = fields[obj, y]
            if barrier_on:
                spent += write_barrier(
                    old,
                    new,
                    obj,
                    mode,
                    gs[L.G_STACK_BLACK],
                    sl_mark,
                    sl_size,
                    sl_nfields,
                    grey,
                    ctr,
                    cost,
                )
            if rc_on:
                spent += rc_write(a, old, new, work, cost)
            fields[obj, y] = new
            spent += cost[L.K_STORE] + k_miss
            misses += 1
        elif code == 3:  # LOAD stack[x] = stack[y].field[z]
            if x < 0 or x >= sp or y < 0 or y >= sp or z < 0:
                status = L.ST_ERROR
                aux = L.ERR_SLOT
                break
            obj = stack[y]
            if obj < 0:
                status = L.ST_ERROR
                aux = L.ERR_NIL
                break
            if z >= sl_nfields[obj]:
                if sl_alloc[obj] == 0:
                    ctr[L.DANGLING] += 1
                    if rc_eager:
                        spent += rc_write(a, stack[x], -1, work, cost)
                    stack[x] = -1
                    pos += 1
                    done += 1
                    by_code[code] += 1
                    continue
                status = L.ST_ERROR
                aux = L.ERR_FIELD
                break
            if sl_alloc[obj] == 0:
                ctr[L.DANGLING] += 1
            v = fields[obj, z]
            if rc_eager:
                spent += rc_write(a, stack[x], v, work, cost)
            stack[x] = v
            spent += cost[L.K_LOAD] + k_miss
            misses += 1
        elif code == 4:  # GSTORE globals[x] = stack[y]
            if x < 0 or x >= nglob:
                status = L.ST_ERROR
                aux = L.ERR_GLOBAL
                break
            if y >= sp or y < -1:
                status = L.ST_ERROR
                aux = L.ERR_SLOT
                break
            new = stack[y] if y >= 0 else -1
            old = globs[x]
            if barrier_on and ctr[L.BARRIER_GLOBALS] != 0:
                spent += write_barrier(
                    old,
                    new,
                    -1,
                    mode,
                    gs[L.G_STACK_BLACK],
                    sl_mark,
                    sl_size,
                    sl_nfields,
                    grey,
                    ctr,
                    cost,
                )
            if rc_on:
                spent += rc_write(a, old, new, work, cost)
            globs[x] = new
            spent += cost[L.K_STORE] + k_miss
            misses += 1
        elif code == 5:  # GLOAD stack[x] = globals[y]
            if y < 0 or y >= nglob:
                status = L.ST_ERROR
                aux = L.ERR_GLOBAL
                break
            if x < 0 or x >= sp:
                status = L.ST_ERROR
                aux = L.ERR_SLOT
                break
            v = globs[y]
            if rc_eager:
                spent += rc_write(a, stack[x], v, work, cost)
            stack[x] = v
            spent += cost[L.K_LOAD] + k_miss
            misses += 1
        elif code == 6:  # PUSH x slots, y bytes
            if x < 0:
                status = L.ST_ERROR
                aux = L.ERR_BAD_OP
                break
            if sp + x > stack.shape[0]:
                status = L.ST_STACK_GROW
                aux = sp + x
                break
            for i in range(sp, sp + x):
                stack[i] = -1
            gs[L.G_SP] = sp + x
            stack_count(ctr, gs[L.G_STACK_BYTES], -1)
            gs[L.G_STACK_BYTES] += y
            stack_count(ctr, gs[L.G_STACK_BYTES], 1)
            ctr[L.SLOTS_TOUCHED] += x
            spent += cost[L.K_PUSH] + cost[L.K_SLOT] * x
        elif code == 7:  # POP x slots, y bytes
            if x > sp or x < 0:
                status = L.ST_ERROR
                aux = L.ERR_POP
                break
            for i in range(sp - x, sp):
                if rc_eager:
                    spent += rc_write(a, stack[i], -1, work, cost)
                stack[i] = -1
            gs[L.G_SP] = sp - x
            stack_count(ctr, gs[L.G_STACK_BYTES], -1)
            gs[L.G_STACK_BYTES] -= y
            stack_count(ctr, gs[L.G_STACK_BYTES], 1)
            ctr[L.SLOTS_TOUCHED] += x
            spent += cost[L.K_POP] + cost[L.K_SLOT] * x
        elif code == 8:  # CLEAR stack[x]
            if x < 0 or x >= sp:
                status = L.ST_ERROR
                aux = L.ERR_SLOT
                break
            if rc_eager:
                spent += rc_write(a, stack[x], -1, work, cost)
            stack[x] = -1
            ctr[L.SLOTS_TOUCHED] += 1
            spent += cost[L.K_SLOT]
        elif code == 9:  # MOVE stack[x] = stack[y]  (y == NIL stores nil)
            if x < 0 or x >= sp or y >= sp or y < -1:
                status = L.ST_ERROR
                aux = L.ERR_SLOT
                break
            v = stack[y] if y >= 0 else -1
            if rc_eager:
                spent += rc_write(a, stack[x], v, work, cost)
            stack[x] = v
            ctr[L.SLOTS_TOUCHED] += 1
            spent += cost[L.K_SLOT]
        elif code == 0:  # COMPUTE x units
            ctr[L.COMPUTE_UNITS] += x
            spent += cost[L.K_COMPUTE] * x
        elif code == 10:  # PARK x ns
            pos += 1
            done += 1
            by_code[code] += 1
            status = L.ST_PARK
            aux = x
            break
        elif code == 11:  # YIELD
            pos += 1
            done += 1
            by_code[code] += 1
            status = L.ST_YIELD
            aux = 0
            break
        elif code == 12:  # SYNC x goroutines
            if x < 1:
                status = L.ST_ERROR
                aux = L.ERR_BAD_OP
                break
            pos += 1
            done += 1
            by_code[code] += 1
            status = L.ST_SYNC
            aux = x
            break
        else:
            status = L.ST_ERROR
            aux = L.ERR_BAD_OP
            break
        pos += 1
        done += 1
        by_code[code] += 1
        if rc_on:
            if ctr[L.LAST_CASCADE] >= ctr[L.CASCADE_EVENT_MIN]:
                status = L.ST_CASCADE
                aux = ctr[L.LAST_CASCADE]
                break
            if ctr[L.RC_REQUEST] != 0:
                status = L.ST_TRIGGER
                aux = 0
                break
    ctr[L.ALLOC_BYTES] += n_alloc_bytes
    ctr[L.ALLOC_REQ] += n_alloc_req
    ctr[L.OBJECTS] += n_alloc
    ctr[L.TOTAL_ALLOCS] += n_alloc
    ctr[L.TOTAL_ALLOC_BYTES] += n_alloc_bytes
    ctr[L.TOTAL_ALLOC_REQ] += n_alloc_req
    ctr[L.HEAP_SCAN] += n_heap_scan
    ctr[L.ALLOC_SCAN_BYTES] += n_scan_bytes
    for c in range(L.OP_CODES):
        ctr[L.OPS_BY_CODE + c] += by_code[c]
    gs[L.G_OPS] += done
    ctr[L.MUTATOR_OPS] += done
    a.fpar[L.F_MISS_MUT] += miss * misses
    return pos, spent, status, aux
