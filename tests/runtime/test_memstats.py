"""Go 1.19 MemStats for the simulated heap (framework/runtime/memstats.py)."""

import numpy as np

from framework.checking.stepper import Stepper
from framework.ops import Op, op_array
from framework.runtime import layout as L
from framework.runtime import memstats as M
from framework.runtime.kernels.scavenge import scavenge_pages
from framework.runtime.kernels.sweep import sweep_all


def test_stack_spans_follow_the_stack_pools():
    assert M.stack_spans([]) == (0, 0)
    # 1000 2 KiB stacks: 16 per 32 KiB span -> 63 spans (Go's probe: +62 spans).
    assert M.stack_spans([2048] * 1000) == (63 * 32768, 63)
    # Sizes round up to a power of two of at least 2 KiB; 32 KiB and up get their own span.
    assert M.stack_spans([100, 3000, 5000]) == (3 * 32768, 3)
    assert M.stack_spans([40_000, 65536]) == (65536 + 65536, 2)


def test_memstats_identities_and_scavenging():
    st = Stepper(1, 0, 1)
    ops = [(Op.PUSH, 1, 8, 0)] + [(Op.ALLOC, 0, 64, 1)] * 50_000 + [(Op.CLEAR, 0, 0, 0)]
    st.run(0, op_array(ops))
    h = st.heap
    ms = M.memstats(h, M.stack_spans([2048, 8192]), nprocs=2)
    spans = h.counter(L.SPANS_INUSE)
    assert ms.heap_inuse == spans * 8192 == ms.heap_sys - ms.heap_idle
    assert ms.heap_idle == ms.heap_free + ms.heap_released
    assert ms.mapped_ready == ms.sys - ms.heap_released == ms.heap_ready + ms.nonheap_ready
    assert ms.nonheap_ready == ms.sys - ms.heap_sys
    assert ms.stack_inuse == M.STACK_RUNTIME_BASE + 2 * 32768 + 2 * 32768
    assert ms.mspan_inuse == 144 * (spans + 2 + 7 + M.MSPAN_RUNTIME)
    assert ms.mspan_sys % (113 * 144) == 0 and ms.mspan_sys >= ms.mspan_inuse
    # One arena, and 128-object spans: 16 B of bits per copy.
    assert ms.gc_sys == M.GC_SYS_BASE + M.HEAP_ARENA_BYTES + spans * (6 * 16 + 16)
    assert ms.nonheap_args() == {
        "ready_bytes": ms.mapped_ready,
        "heap_free_bytes": ms.heap_free,
        "heap_alloc_bytes": h.counter(L.ALLOC_BYTES),
    }
    # Everything is garbage: sweeping frees the pages (still ready), scavenging releases them.
    h.a.ctr[L.SWEEPGEN] += 2
    sweep_all(h.a, np.zeros(L.N_COSTS))
    free = M.memstats(h, M.stack_spans([]), 2)
    assert free.heap_inuse == 0 and free.heap_free == ms.heap_inuse
    assert free.mapped_ready == ms.mapped_ready - M.stack_spans([2048, 8192])[0]
    scavenge_pages(h.a, 1 << 30, np.zeros(L.N_COSTS))
    released = M.memstats(h, M.stack_spans([]), 2)
    assert released.heap_released == released.heap_sys and released.heap_ready == 0
    assert released.mapped_ready == free.mapped_ready - free.heap_free
