"""Marking reaches exactly the reachable set; a cycle frees exactly the unreachable objects."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework.checking.oracle import reachable
from framework.checking.stepper import Stepper
from framework.collectors.stw import mark_from_roots
from framework.ops import Op
from framework.runtime import layout as L
from framework.runtime.kernels.sweep import begin_sweep, pace_sweeper, sweep_all

N_SLOTS = 6
N_GLOBALS = 4


def build_heap(seed: int, n_ops: int = 300) -> Stepper:
    """A heap with a random graph: allocate, then wire fields by STOREs between live slots."""
    rng = np.random.default_rng(seed)
    stp = Stepper(1, N_GLOBALS, 2)
    stp.run(0, np.array([(Op.PUSH, N_SLOTS, 48, 0)], dtype=np.int32))
    g = stp.roots.goroutines[0]
    for _ in range(n_ops):
        k = int(rng.integers(0, 10))
        s, t = (int(x) for x in rng.integers(0, N_SLOTS, 2))
        if k < 3:
            op = (Op.ALLOC, s, int(rng.choice([16, 24, 48, 4000, 40000])), 2)
        elif k < 6 and g.stack[s] >= 0:
            op = (Op.STORE, s, int(rng.integers(0, 2)), t if rng.random() < 0.8 else -1)
        elif k < 7 and g.stack[s] >= 0:
            op = (Op.LOAD, t, s, int(rng.integers(0, 2)))
        elif k < 8:
            op = (Op.GSTORE, int(rng.integers(0, N_GLOBALS)), s, 0)
        elif k < 9:
            op = (Op.GLOAD, s, int(rng.integers(0, N_GLOBALS)), 0)
        else:
            op = (Op.CLEAR, s, 0, 0)
        stp.run(0, np.array([op], dtype=np.int32))
    return stp


@settings(deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400))
def test_marking_reaches_exactly_the_reachable_set(seed, n):
    stp = build_heap(seed, n)
    expect = reachable(stp.heap, stp.roots)
    mark_from_roots(stp.heap, stp.roots, stp.cost)
    marked = stp.heap.a.sl_mark[: stp.heap.nslots].astype(bool)
    np.testing.assert_array_equal(marked, expect)
    assert stp.heap.counter(L.GREY_N) == 0
    assert stp.heap.counter(L.MARKED_OBJECTS) == int(expect.sum())


@settings(deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400))
def test_cycle_frees_exactly_the_unreachable(seed, n):
    stp = build_heap(seed, n)
    a = stp.heap.a
    reach = reachable(stp.heap, stp.roots)
    alloc_before = a.sl_alloc[: stp.heap.nslots].astype(bool)
    mark_from_roots(stp.heap, stp.roots, stp.cost)
    sweep_all(stp.heap.a, stp.cost)
    a = stp.heap.a
    alloc_after = a.sl_alloc[: stp.heap.nslots].astype(bool)
    assert not (reach & ~alloc_after).any(), "a reachable object was freed"
    assert not (alloc_before & ~reach & alloc_after).any(), "garbage survived the cycle"
    assert not a.sl_mark[: stp.heap.nslots].any(), "sweep must whiten every slot"
    spans = stp.heap.inuse_spans()
    # Span accounting: nalloc is the number of allocated slots of each in-use span.
    for s in spans:
        b, n_el = int(a.sp_base[s]), int(a.sp_nelems[s])
        assert a.sp_nalloc[s] == int(a.sl_alloc[b : b + n_el].sum())
        assert a.sp_nalloc[s] > 0, "an empty span must go back to the page heap"
    assert stp.heap.counter(L.OBJECTS) == int(alloc_after.sum())
    assert stp.heap.counter(L.ALLOC_BYTES) == int(a.sl_size[: stp.heap.nslots][alloc_after].sum())


def test_freed_slots_are_reused_by_later_allocations():
    stp = Stepper(1, 0, 1)
    stp.run(0, np.array([(Op.PUSH, 1, 8, 0)] + [(Op.ALLOC, 0, 64, 0)] * 10, dtype=np.int32))
    assert stp.heap.counter(L.OBJECTS) == 10
    mark_from_roots(stp.heap, stp.roots, stp.cost)
    sweep_all(stp.heap.a, stp.cost)
    assert stp.heap.counter(L.OBJECTS) == 1
    stp.run(0, np.array([(Op.ALLOC, 0, 64, 0)] * 9, dtype=np.int32))
    assert stp.heap.counter(L.SPANS_INUSE) == 1
    assert stp.heap.nslots == 128  # one span of class 64 B: no new slot range


def test_malformed_ops_are_reported():
    stp = Stepper(1, 1, 1)
    with pytest.raises(Exception, match="stack slot out of range"):
        stp.run(0, np.array([(Op.ALLOC, 0, 64, 0)], dtype=np.int32))
    stp.run(0, np.array([(Op.PUSH, 1, 8, 0)], dtype=np.int32))
    with pytest.raises(Exception, match="nil"):
        stp.run(0, np.array([(Op.STORE, 0, 0, 0)], dtype=np.int32))
    with pytest.raises(Exception, match="too many pointer fields"):
        stp.run(0, np.array([(Op.ALLOC, 0, 8, 2)], dtype=np.int32))


def partial_lists_hold_exactly_the_spans_with_room(a, nspans: int) -> None:
    """After a sweep, a class's partial list holds exactly its in-use spans with a free slot
    (Go: mcentral's partial swept set; full spans go to the full set), each once."""
    listed = set()
    for c in range(1, a.cls_partial.shape[0]):
        s = int(a.cls_partial[c])
        while s >= 0:
            assert s not in listed and a.sp_inlist[s] == 1
            assert a.sp_state[s] == 1 and a.sp_class[s] == c
            assert a.sp_nalloc[s] < a.sp_nelems[s], f"span {s} is full but on a partial list"
            listed.add(s)
            s = int(a.sp_next[s])
    room = {
        s
        for s in range(nspans)
        if a.sp_state[s] == 1 and a.sp_class[s] > 0 and a.sp_nalloc[s] < a.sp_nelems[s]
    }
    assert listed == room


def test_a_sweep_lists_the_spans_with_room_and_no_full_span():
    stp = Stepper(1, 0, 1)
    ops = [(Op.PUSH, 2, 16, 0)]
    for i in range(3 * 128):  # three spans of 128 x 64 B; the first keeps every object
        ops.append((Op.ALLOC, i < 128, 64, 1))
        if i < 128:
            ops.append((Op.STORE, 1, 0, 0))  # chain: stack[1] -> ... -> every object so far
            ops.append((Op.MOVE, 0, 1, 0))
    stp.run(0, np.array(ops, dtype=np.int32))
    a = stp.heap.a
    assert stp.heap.counter(L.SPANS_INUSE) == 3
    mark_from_roots(stp.heap, stp.roots, stp.cost)
    sweep_all(a, stp.cost)
    # The full span stays in use, off the list; the half-used one (stack[0]'s last object)
    # is listed; the empty one went back to the page heap.
    assert stp.heap.counter(L.SPANS_INUSE) == 2
    partial_lists_hold_exactly_the_spans_with_room(a, stp.heap.counter(L.NSPANS))
    assert stp.heap.counter(L.OBJECTS) == 129


def test_refills_sweep_proportionally_and_finish_before_the_trigger():
    """Go's proportional sweep (gcPaceSweeper, deductSweepCredit): with the unswept pages
    spread over the heap growth up to the trigger (less 1 MiB), span refills alone sweep
    every page before heapLive gets there, each refill keeping pages swept at or above
    sweepPagesPerByte x the growth since the basis."""
    stp = Stepper(1, 0, 1)
    stp.run(0, np.array([(Op.PUSH, 1, 8, 0)] + [(Op.ALLOC, 0, 64, 0)] * (20 * 128), np.int32))
    a = stp.heap.a
    mark_from_roots(stp.heap, stp.roots, stp.cost)
    assert begin_sweep(a) == 20
    distance = 10 * 8192
    pace_sweeper(a, stp.heap.counter(L.HEAP_LIVE) + (1 << 20) + distance)
    ppb = a.fpar[L.F_SWEEP_PPB]
    assert ppb == pytest.approx(20 / distance)
    basis_live, basis_pages = stp.heap.counter(L.HEAP_LIVE), stp.heap.counter(L.PAGES_SWEPT)
    for _ in range(distance // 1024):  # 1 KiB objects: a refill every 8 (another class)
        stp.run(0, np.array([(Op.ALLOC, 0, 1024, 0)], np.int32))
        grown = stp.heap.counter(L.HEAP_LIVE) - basis_live
        assert stp.heap.counter(L.PAGES_SWEPT) - basis_pages >= int(ppb * grown)
    assert stp.heap.counter(L.SWEEP_PENDING) == 0
    assert stp.heap.counter(L.LAZY_SWEEP_SPANS) == 20
