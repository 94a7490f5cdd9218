"""growing: the live set ramps up to the peak and is dropped, phases times."""

from __future__ import annotations

import numpy as np

from framework.ops import Op
from framework.workloads.growing import Growing, GrowingParams
from framework.workloads.interpreter import Interpreter


def make(seed: int = 0, **kw) -> Growing:
    return Growing(GrowingParams(**kw), np.random.SeedSequence(seed))


def test_ramps_to_peak_then_drops_to_zero():
    w = make(peak_objects=1500, churn=2.5, phases=3, min_size=16, max_size=4096)
    it = Interpreter(w)
    held, reach = [], []
    while not it.finished:
        if it.step(0):
            held.append(sum(x is not None for x in it.globals))
            reach.append(len(it.reachable()))
    # one chunk per live batch, one per drop, one of CLEARs per phase: the held count goes
    # up to the peak and back to zero three times, and nothing at all is reachable then.
    assert max(held) == 1500
    peaks = [i for i, h in enumerate(held) if h == 1500]
    zeros = [i for i, h in enumerate(held) if h == 0 and i > 0]
    assert len(peaks) == 3
    assert reach[-1] == 0 and it.reachable() == set()
    assert sum(1 for i in zeros if reach[i] == 0) >= 3
    assert max(reach) <= 1500 + 1  # live set plus the latest churn object (held in s2)
    assert it.garbage_bytes() == it.alloc_bytes
    # allocation counts: 3 * 1500 live objects plus ~2.5 garbage objects each
    assert it.allocs == it.op_counts[Op.ALLOC]
    assert abs((it.allocs - 4500) / 4500 - 2.5) < 0.1


def test_pointers_go_to_earlier_objects_and_sizes_are_log_uniform():
    w = make(
        peak_objects=3000,
        churn=0,
        pointers=3,
        nil_fraction=0.3,
        min_size=32,
        max_size=2048,
        phases=1,
    )
    it = Interpreter(w)
    it.step(0)  # PUSH
    while sum(x is not None for x in it.globals) < 3000:
        it.step(0)
    index = {o: i for i, o in enumerate(it.globals)}
    nil = 0
    for i, o in enumerate(it.globals):
        assert len(it.heap[o]) == 3
        for f in it.heap[o]:
            if f is None:
                nil += 1
            else:
                assert index[f] < i
    assert abs(nil / (3 * 3000) - 0.3) < 0.03
    sizes = np.array([it.sizes[o] for o in it.globals])
    assert sizes.min() >= 32 and sizes.max() <= 2048
    # log-uniform over 6 octaves: the median is near the geometric mean (256) and each
    # octave holds about a sixth of the objects
    assert 200 < np.median(sizes) < 330
    assert 0.13 < np.mean(sizes < 64) < 0.2
    assert 0.13 < np.mean(sizes >= 1024) < 0.2


def test_goroutines_own_disjoint_globals():
    w = make(peak_objects=1000, goroutines=4, churn=1.0)
    it = Interpreter(w)
    it.run()
    assert it.reachable() == set()
    per_g = [set() for _ in range(4)]
    for o, (g, _) in it.origin.items():
        per_g[g].add(o)
    for o in it.heap:
        g = it.origin[o][0]
        assert all(f is None or f in per_g[g] for f in it.heap[o])
