"""The mutator kernel: runs a goroutine's ops for one quantum (Go: the user code between two
safepoints), applying the write barrier to every single pointer store.

The quantum ends when its simulated-time budget or op count is used up, when the op chunk
ends, or early when something needs the runtime: the heap reached the GC trigger, the heap
tables must grow, the stack must grow, the goroutine parks, or the stream is malformed.
"""

from __future__ import annotations

from framework.runtime import layout as L
from framework.runtime.kernels.jit import kernel
from framework.runtime.kernels.malloc import alloc_object
from framework.runtime.kernels.mark import shade


@kernel
def write_barrier(a, gs, old, new, cost):
    """The write barrier in force (``ctr[BARRIER]``) for overwriting ``old`` with ``new``.

    - Dijkstra (insertion): shade(new).
    - Yuasa (deletion, snapshot at the beginning): shade(old).
    - Hybrid (Go 1.8+, runtime/mbarrier.go): shade(old); shade(new) if the writing
      goroutine's stack is still grey (not yet scanned this cycle).
    Returns the cost in ns.
    """
    mode = a.ctr[L.BARRIER]
    a.ctr[L.BARRIER_CALLS] += 1
    n = 0
    if mode == L.BARRIER_DIJKSTRA:
        n += shade(a, new)
    elif mode == L.BARRIER_YUASA:
        n += shade(a, old)
    elif mode == L.BARRIER_HYBRID:
        n += shade(a, old)
        if gs[L.G_STACK_BLACK] == 0:
            n += shade(a, new)
    a.ctr[L.BARRIER_SHADES] += n
    return cost[L.K_BARRIER] + cost[L.K_SHADE] * n


@kernel
def run_ops(a, gs, stack, globs, ops, pos, budget_ns, max_ops, cost):
    """Execute ``ops[pos:]`` for goroutine state ``gs`` with stack slots ``stack``.

    Returns ``(pos, spent_ns, status, aux)``; ``pos`` is the next op to run. On ST_GROW,
    ST_STACK_GROW and ST_ERROR the op at ``pos`` was not executed.
    """
    ctr = a.ctr
    spent = 0.0
    n = ops.shape[0]
    done = 0
    nglob = globs.shape[0]
    barrier_on = ctr[L.BARRIER] != L.BARRIER_OFF
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
        if code == 1:  # ALLOC stack[x] = new(y bytes, z fields)
            if x < 0 or x >= sp:
                status = L.ST_ERROR
                aux = L.ERR_SLOT
                break
            if z > a.fields.shape[1] or z * 8 > y or z < 0 or y < 1:
                status = L.ST_ERROR
                aux = L.ERR_ALLOC
                break
            slot, t, grow = alloc_object(a, y, z, cost)
            if grow != 0:
                status = L.ST_GROW
                aux = grow
                break
            stack[x] = slot
            spent += t
            pos += 1
            done += 1
            if ctr[L.HEAP_LIVE] >= ctr[L.TRIGGER]:
                status = L.ST_TRIGGER
                aux = 0
                break
            if ctr[L.ASSISTS_ON] != 0:
                # Go: mallocgc charges gcAssistBytes and calls gcAssistAlloc when in debt.
                gs[L.G_ASSIST_CREDIT] -= a.sl_size[slot]
                if gs[L.G_ASSIST_CREDIT] < 0:
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
            if y >= a.sl_nfields[obj]:
                if a.sl_alloc[obj] == 0:
                    ctr[L.DANGLING] += 1
                    pos += 1
                    done += 1
                    continue
                status = L.ST_ERROR
                aux = L.ERR_FIELD
                break
            if a.sl_alloc[obj] == 0:
                ctr[L.DANGLING] += 1
            new = stack[z] if z >= 0 else -1
            if barrier_on:
                spent += write_barrier(a, gs, a.fields[obj, y], new, cost)
            a.fields[obj, y] = new
            spent += cost[L.K_STORE]
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
            if z >= a.sl_nfields[obj]:
                if a.sl_alloc[obj] == 0:
                    ctr[L.DANGLING] += 1
                    stack[x] = -1
                    pos += 1
                    done += 1
                    continue
                status = L.ST_ERROR
                aux = L.ERR_FIELD
                break
            if a.sl_alloc[obj] == 0:
                ctr[L.DANGLING] += 1
            stack[x] = a.fields[obj, z]
            spent += cost[L.K_LOAD]
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
            if barrier_on:
                spent += write_barrier(a, gs, globs[x], new, cost)
            globs[x] = new
            spent += cost[L.K_STORE]
        elif code == 5:  # GLOAD stack[x] = globals[y]
            if y < 0 or y >= nglob:
                status = L.ST_ERROR
                aux = L.ERR_GLOBAL
                break
            if x < 0 or x >= sp:
                status = L.ST_ERROR
                aux = L.ERR_SLOT
                break
            stack[x] = globs[y]
            spent += cost[L.K_LOAD]
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
            gs[L.G_STACK_BYTES] += y
            spent += cost[L.K_PUSH] + cost[L.K_SLOT] * x
        elif code == 7:  # POP x slots, y bytes
            if x > sp or x < 0:
                status = L.ST_ERROR
                aux = L.ERR_POP
                break
            for i in range(sp - x, sp):
                stack[i] = -1
            gs[L.G_SP] = sp - x
            gs[L.G_STACK_BYTES] -= y
            spent += cost[L.K_POP] + cost[L.K_SLOT] * x
        elif code == 8:  # CLEAR stack[x]
            if x < 0 or x >= sp:
                status = L.ST_ERROR
                aux = L.ERR_SLOT
                break
            stack[x] = -1
            spent += cost[L.K_SLOT]
        elif code == 9:  # MOVE stack[x] = stack[y]  (y == NIL stores nil)
            if x < 0 or x >= sp or y >= sp or y < -1:
                status = L.ST_ERROR
                aux = L.ERR_SLOT
                break
            stack[x] = stack[y] if y >= 0 else -1
            spent += cost[L.K_SLOT]
        elif code == 0:  # COMPUTE x units
            spent += cost[L.K_COMPUTE] * x
        elif code == 10:  # PARK x ns
            pos += 1
            done += 1
            status = L.ST_PARK
            aux = x
            break
        else:
            status = L.ST_ERROR
            aux = L.ERR_BAD_OP
            break
        pos += 1
        done += 1
    gs[L.G_OPS] += done
    ctr[L.MUTATOR_OPS] += done
    return pos, spent, status, aux
