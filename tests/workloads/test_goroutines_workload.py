"""goroutines: daemons hold deep pointer-filled stacks and park forever."""

from __future__ import annotations

import itertools

import numpy as np

from framework.ops import Op
from framework.workloads.goroutines import Goroutines, GoroutinesParams
from framework.workloads.interpreter import Interpreter


def make(**kw) -> Goroutines:
    base = dict(
        goroutines=10,
        allocating=2,
        live_objects=100,
        replacements=1000,
        stack_depth=12,
        frame_slots=3,
        frame_bytes=128,
    )
    base.update(kw)
    return Goroutines(GoroutinesParams(**base), np.random.SeedSequence(3))


def test_specs_and_sizes():
    w = make()
    assert [s.daemon for s in w.goroutines()] == [False] * 2 + [True] * 8
    assert w.n_globals == 200
    assert w.max_fields == 2
    assert make(pointers=0).max_fields == 2
    assert make(goroutines=2, daemon_fields=3, daemon_object_size=32).max_fields == 1


def test_daemon_stacks_after_setup():
    w = make()
    it = Interpreter(w)
    for g in range(2, 10):
        assert it.run_goroutine(g, w.daemon_setup_rows) == w.daemon_setup_rows
        s = it.gs[g]
        assert len(s.frames) == 12 and len(s.stack) == 36
        assert s.stack_bytes == 12 * 128 == w.daemon_stack_bytes()
        assert all(r is not None for r in s.stack)
        roots = it.roots(g)
        assert len(roots) == 12 * 3 == w.daemon_slots
        assert it.reachable_from(roots) == roots  # fields link the daemon's own objects
        assert all(f is not None for o in roots for f in it.heap[o])
    assert it.op_counts[Op.PARK] == 0
    # the next chunk starts the park loop
    it.step(2)
    assert it.op_counts[Op.PARK] == w.params.park_chunk


def test_full_run_daemons_keep_parking_and_stay_consistent():
    w = make(load_fraction=0.7)
    it = Interpreter(w).run()
    assert it.finished and it.park_ns > 0
    assert it.park_ns == it.op_counts[Op.PARK] * w.params.park_ns
    for g in range(2, 10):
        s = it.gs[g]
        assert not s.exhausted and len(s.frames) == 12
        assert all(r is not None for r in s.stack)  # loads never produce nil
        assert len(it.reachable_from(it.roots(g))) <= w.daemon_slots
    # only daemon objects and the allocators' live tables remain reachable
    assert len(it.reachable()) <= 200 + 100 * 2 + 8 * w.daemon_slots
    globals_live = it.reachable_from([o for o in it.globals if o is not None])
    assert 200 <= len(globals_live)


def test_daemon_stream_is_infinite_and_loads_change_the_stack():
    w = make()
    chunks = list(itertools.islice(w.stream(5), 2000))
    rows = np.concatenate(chunks)
    assert len(rows) > 2000 * w.params.park_chunk
    body = rows[w.daemon_setup_rows :]
    assert np.all(body[0::2, 0] == Op.PARK)
    work = body[1::2, 0]
    assert set(np.unique(work)) == {Op.LOAD, Op.STORE}
    assert abs(np.mean(work == Op.LOAD) - w.params.load_fraction) < 0.02
