"""cycles: dropped structures are (mostly) cycles; the permanent rings stay reachable."""

from __future__ import annotations

import numpy as np
import pytest

from framework.workloads.cycles import Cycles, CyclesParams
from framework.workloads.interpreter import Interpreter


def make(**kw) -> Cycles:
    base = dict(structures=1500, window=40, live_structures=12)
    base.update(kw)
    return Cycles(CyclesParams(**base), np.random.SeedSequence(7))


def cycle_length(it: Interpreter, o: int) -> int | None:
    """Length of the ``next`` cycle through ``o``, or None if following ``next`` ends."""
    seen = {o: 0}
    x = o
    for step in range(1, len(it.heap) + 1):
        x = it.heap[x][0]
        if x is None:
            return None
        if x == o:
            return step
        if x in seen:  # a cycle not through o (cannot happen in these structures)
            return None
        seen[x] = step
    return None


def test_end_state_is_exactly_the_permanent_rings():
    w = make(shape="rings", ring_len=5, goroutines=2)
    it = Interpreter(w).run()
    w_per = w.window_per_goroutine
    assert all(o is None for o in it.globals[: 2 * w_per])
    perm = it.globals[2 * w_per :]
    assert len(perm) == 12 and all(o is not None for o in perm)
    live = it.reachable()
    assert len(live) == 12 * 5
    assert live == it.reachable_from(perm)
    assert all(cycle_length(it, o) == 5 for o in live)


@pytest.mark.parametrize(
    "shape, ring_len, lengths", [("pairs", 4, {2}), ("rings", 3, {3}), ("mixed", 6, {2, 6})]
)
def test_all_garbage_is_cyclic_without_chains(shape, ring_len, lengths):
    w = make(shape=shape, ring_len=ring_len)
    it = Interpreter(w).run()
    garbage = it.garbage()
    assert len(garbage) == it.allocs - 12 * ring_len
    found = {cycle_length(it, o) for o in garbage}
    assert found == lengths  # every dropped object lies on a cycle of its structure's length
    cyc, acyc = w.garbage_bytes_expected()
    assert acyc == 0 and cyc == it.garbage_bytes()


def test_mixed_cyclic_and_acyclic_garbage():
    w = make(shape="mixed", ring_len=4, acyclic_fraction=0.4, goroutines=3)
    it = Interpreter(w).run()
    cyclic_bytes = acyclic_bytes = 0
    for o in it.garbage():
        if cycle_length(it, o) is None:
            acyclic_bytes += it.sizes[o]
        else:
            cyclic_bytes += it.sizes[o]
    assert (cyclic_bytes, acyclic_bytes) == w.garbage_bytes_expected()
    assert cyclic_bytes > 0 and acyclic_bytes > 0
    # chains end in nil: at least one garbage object has a nil next pointer
    assert any(it.heap[o][0] is None for o in it.garbage())


def test_window_holds_structures_during_the_run():
    w = make(shape="pairs", structures=5000, window=64)
    it = Interpreter(w)
    it.step(0)  # PUSH
    it.step(0)  # the permanent rings
    it.step(0)  # a first batch of short-lived pairs
    held = [o for o in it.globals[:64] if o is not None]
    assert len(held) == 64
    assert all(cycle_length(it, o) == 2 for o in held)
    # held pairs plus permanent rings (+ the stack's references into the latest pair)
    assert len(it.reachable()) == 64 * 2 + 12 * 4
