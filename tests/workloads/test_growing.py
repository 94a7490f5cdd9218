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


def test_default_streams_unchanged():
    """base_objects = flat_allocs = 0 reproduce the streams from before they existed (digest
    of the code before them), so existing configs and studies keep their results."""
    import hashlib
    import itertools

    w = make(11, peak_objects=20_000, goroutines=3, churn=1.5, phases=2)
    h = hashlib.sha256()
    for g in range(3):
        for c in itertools.islice(w.stream(g), 30):
            h.update(np.int64(len(c)).tobytes())
            h.update(c.tobytes())
    assert h.hexdigest()[:16] == "30290dacf92b0f33"


def test_base_set_is_allocated_first_and_never_dropped():
    w = make(
        peak_objects=900,
        base_objects=301,
        goroutines=2,
        churn=1.0,
        phases=2,
        pointers=2,
        nil_fraction=0.2,
    )
    assert w.n_globals == 1201
    it = Interpreter(w)
    for g in range(2):
        it.step(g)  # PUSH
        it.step(g)  # the base set: one chunk
    base = it.globals[900:]
    assert None not in base and all(x is None for x in it.globals[:900])
    assert it.allocs == 301  # no churn while building the base set
    # pointers go to earlier base objects of the same goroutine (or are nil)
    index = {o: i for i, o in enumerate(base)}
    nil = 0
    for i, o in enumerate(base):
        for f in it.heap[o]:
            if f is None:
                nil += 1
            else:
                assert index[f] < i and index[f] % 2 == i % 2
    assert 0.1 < nil / (2 * 301) < 0.35
    dropped = []  # reachable sets whenever both goroutines have dropped everything else
    while not it.finished:
        for g in range(2):
            if it.step(g) and all(x is None for x in it.globals[:900]) and not it.roots(0):
                if not it.roots(1):
                    dropped.append(it.reachable())
    assert it.globals[900:] == base
    assert it.reachable_from(base) == set(base)  # base objects only point at base objects
    assert len(dropped) >= 2 and all(r == set(base) for r in dropped)
    assert it.reachable() == set(base)


def test_flat_allocations_after_each_drop_while_only_the_base_is_live():
    w = make(peak_objects=600, base_objects=100, flat_allocs=2001, goroutines=2, churn=0.5)
    assert [w.flat_share(g) for g in range(2)] == [1001, 1000]
    for g in range(2):
        rows = np.concatenate(list(w.stream(g)))
        clears = np.flatnonzero((rows[:, 0] == Op.CLEAR) & (rows[:, 1] == 0))
        assert len(clears) == 2  # one drop per phase
        for c in clears:
            flat = rows[c + 3 : c + 3 + w.flat_share(g)]
            assert np.all(flat[:, 0] == Op.ALLOC) and np.all(flat[:, 1] == 2)
            assert np.all(flat[:, 3] == 0)  # pointer-free
            assert np.all((flat[:, 2] >= 16) & (flat[:, 2] <= 2048))
            assert rows[c + 3 + w.flat_share(g)].tolist() == [Op.CLEAR, 2, 0, 0]
    # run one goroutine alone through its first flat phase: only its base set stays live
    it = Interpreter(w)
    rows = np.concatenate(list(w.stream(0)))
    first_flat = int(np.flatnonzero((rows[:, 0] == Op.CLEAR) & (rows[:, 1] == 0))[0]) + 3
    it.run_goroutine(0, first_flat)
    base = {o for o in it.globals[600:] if o is not None}
    assert len(base) == 50 and it.reachable() == base
    allocs = it.allocs
    it.run_goroutine(0, w.flat_share(0) + 1)
    assert it.allocs - allocs == 1001 and it.reachable() == base
    it.run_goroutine(0)
    it.run()
    assert it.reachable() == {o for o in it.globals if o is not None}
    assert len(it.reachable()) == 100
