"""goroutines: daemons hold deep pointer-filled stacks and park forever; allocators churn,
optionally with frames, a stack ring, FIFO replacement, nil fields, YIELDs and a start barrier."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from framework.ops import Op
from framework.workloads.goroutines import Goroutines, GoroutinesParams
from framework.workloads.interpreter import Interpreter


def make(seed: int = 3, **kw) -> Goroutines:
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
    return Goroutines(GoroutinesParams(**base), np.random.SeedSequence(seed))


def test_specs_and_sizes():
    w = make()
    assert [s.daemon for s in w.goroutines()] == [False] * 2 + [True] * 8
    assert w.n_globals == 200
    assert w.max_fields == 2
    assert make(pointers=0).max_fields == 2
    assert make(goroutines=2, frame_object_fields=3, frame_object_size=32).max_fields == 1


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


# --- allocators: frames, stack rings, replacement order, nil fields, YIELD, SYNC ---------


def allocator(seed: int = 3, **kw) -> Goroutines:
    """Allocators only (no daemons), small."""
    base = dict(goroutines=3, allocating=3, live_objects=50, replacements=1200, stack_depth=5)
    base.update(kw)
    return make(seed, **base)


def rows_of(w: Goroutines, g: int) -> np.ndarray:
    return np.concatenate(list(w.stream(g)))


VARIANTS = [
    dict(),
    dict(allocator_frames=True, frame_slots=2, frame_object_fields=1, frame_object_size=16),
    dict(live_in="stack", pointers=2),
    dict(live_in="stack", replace="oldest", pointers=0),
    dict(live_in="stack", pointers=3, nil_fraction=0.4, allocator_frames=True),
    dict(replace="oldest", nil_fraction=0.5, pointers=2),
    dict(nil_fraction=1.0, yield_every=7, start_barrier=True),
    dict(live_in="stack", yield_every=100, start_barrier=True, allocator_frames=True),
    dict(goroutines=6, live_in="stack", allocator_frames=True, start_barrier=True),  # daemons
]


def test_default_streams_unchanged():
    """The new parameters' defaults reproduce the streams from before they existed (digest of
    the code before them), so existing configs and studies keep their results."""
    import hashlib

    w = Goroutines(
        GoroutinesParams(
            goroutines=5,
            allocating=2,
            live_objects=3000,
            replacements=50_001,
            pointers=2,
            object_size=32,
            stack_depth=6,
        ),
        np.random.SeedSequence(11),
    )
    h = hashlib.sha256()
    for g in range(5):
        for c in itertools.islice(w.stream(g), 30):
            h.update(np.int64(len(c)).tobytes())
            h.update(c.tobytes())
    assert h.hexdigest()[:16] == "5c807ed7bc6ce61c"


@pytest.mark.parametrize("kw", VARIANTS)
def test_variants_validate_and_are_deterministic(kw):
    w, w_same, w_other = allocator(**kw), allocator(**kw), allocator(4, **kw)
    it = Interpreter(w).run(max_ops=None if w.daemons == 0 else 400_000)
    assert it.finished
    assert it.max_fields_used <= w.max_fields
    assert it.max_global_used < w.n_globals
    syncs = [r for g in range(w.params.allocating) for r in rows_of(w, g) if r[0] == Op.SYNC]
    assert len(syncs) == (w.params.allocating if w.params.start_barrier else 0)
    assert all(r[1] == w.params.allocating for r in syncs)
    # a FIFO ring of objects without stored fields draws no random numbers at all
    p = w.params
    random = not (p.live_in == "stack" and p.replace == "oldest" and p.pointers == 0)
    for g in range(p.allocating):
        assert it.gs[g].frames == [] and it.gs[g].stack_bytes == 0
        a = rows_of(w, g)
        assert np.array_equal(a, rows_of(w_same, g))  # same seed, new instance
        assert np.array_equal(a, rows_of(w, g))  # replay
        b = rows_of(w_other, g)
        assert (a.shape != b.shape or not np.array_equal(a, b)) == random  # another seed
    # each goroutine has its own RNG: allocators differ, and one's stream does not depend on
    # how far another has run
    a0, a1 = rows_of(w, 0), rows_of(w, 1)
    assert (a0.shape != a1.shape or not np.array_equal(a0, a1)) == random
    fresh = allocator(**kw)
    partial = fresh.stream(0)
    next(partial), next(partial)
    assert np.array_equal(rows_of(fresh, 1), a1)


def test_allocator_frames_hold_one_object_per_slot():
    w = allocator(
        allocator_frames=True,
        stack_depth=7,
        frame_slots=2,
        frame_bytes=48,
        frame_object_size=24,
        frame_object_fields=3,
        pointers=1,
    )
    assert w.max_fields == 3 and w.frame_rows == 7 * 3 and w.allocator_base == 14
    it = Interpreter(w)
    assert it.run_goroutine(1, w.frame_rows) == w.frame_rows
    s = it.gs[1]
    assert s.frames == [(2, 48)] * 7 and s.stack_bytes == 7 * 48
    assert len(set(s.stack)) == 14 and None not in s.stack  # its own object per slot
    assert all(it.sizes[o] == 24 and it.heap[o] == [None] * 3 for o in s.stack)
    frame_objects = list(s.stack)
    it.run_goroutine(1, 1)  # the work frame
    assert s.frames[-1] == (2, 64) and len(s.stack) == 16
    while len(s.frames) == 8:
        it.run_goroutine(1, 1)
        assert s.stack[:14] == frame_objects  # the allocations never touch the frames
    assert it.allocs == 14 + 50 + 400
    it.run_goroutine(1)
    assert s.frames == [] and s.stack == []


def ring_state(w: Goroutines, g: int) -> tuple[Interpreter, list]:
    """Run allocator ``g`` up to (not including) its tail; return its ring slots."""
    it = Interpreter(w)
    rows = rows_of(w, g)
    tail = 1 + (w.params.stack_depth if w.params.allocator_frames else 0)
    it.run_goroutine(g, len(rows) - tail)
    base = w.allocator_base
    return it, it.gs[g].stack[base : base + w.params.live_objects]


def test_stack_ring_oldest_is_fifo():
    w = allocator(
        live_in="stack", replace="oldest", live_objects=40, replacements=3 * 1001, pointers=0
    )
    assert w.n_globals == 0 and w.work_frame == (40, 8 * 40 + 64)
    rows = rows_of(w, 2)
    allocs = rows[rows[:, 0] == Op.ALLOC]
    assert len(allocs) == 1001 == w.allocations(2)
    assert np.array_equal(allocs[:, 1], np.arange(1001) % 40)  # allocation k -> ring[k % R]
    it, ring = ring_state(w, 2)
    order = [it.origin[o][1] for o in ring]  # op index of each ring object's ALLOC
    newest = int(np.argmax(order))
    assert newest == 1000 % 40
    assert order[newest + 1 :] + order[: newest + 1] == sorted(order)  # oldest..newest
    assert len(it.reachable()) == 40  # the ring is the whole live set


def test_stack_ring_fields_point_at_other_filled_slots():
    w = allocator(live_in="stack", pointers=2, live_objects=30, replacements=3 * 500)
    rows = rows_of(w, 0)
    s0 = w.allocator_base
    target = None
    filled: set[int] = set()
    stores = 0
    for code, a, _, c in rows.tolist():
        if code == Op.ALLOC:
            target = a
            filled.add(a)
        elif code == Op.STORE:
            stores += 1
            assert a == target and c != target and c in filled  # another non-nil ring object
    # every field of every object except the first is stored (nil_fraction = 0)
    assert stores == 2 * (500 - 1)
    first_free = [a for code, a, _, _ in rows.tolist() if code == Op.ALLOC][:30]
    assert first_free == list(range(s0, s0 + 30))  # the ring fills in order
    it, ring = ring_state(w, 0)
    assert all(o is not None for o in ring)
    for o in ring:
        assert all(f is not None and f != o for f in it.heap[o])


@pytest.mark.parametrize("live_in", ["globals", "stack"])
def test_nil_fraction(live_in):
    w = allocator(live_in=live_in, pointers=4, nil_fraction=0.3, replacements=3 * 2000)
    rows = rows_of(w, 1)
    n_alloc = int(np.sum(rows[:, 0] == Op.ALLOC))
    assert np.all(rows[rows[:, 0] == Op.ALLOC, 3] == 4)  # the fields exist either way
    stored = np.sum(rows[:, 0] == Op.STORE) / (4 * n_alloc)
    assert abs(stored - 0.7) < 0.03
    none = allocator(live_in=live_in, pointers=4, nil_fraction=1.0)
    rows = rows_of(none, 1)
    assert not np.any(np.isin(rows[:, 0], [Op.STORE, Op.GLOAD]))
    assert np.all(rows[rows[:, 0] == Op.ALLOC, 3] == 4)
    it = Interpreter(none).run()
    assert all(f is None for fields in it.heap.values() for f in fields)


@pytest.mark.parametrize("live_in", ["globals", "stack"])
def test_yield_every_counts_allocations(live_in):
    w = allocator(live_in=live_in, yield_every=64, pointers=2, nil_fraction=0.5)
    for g in range(3):
        rows = rows_of(w, g)
        allocs = np.cumsum(rows[:, 0] == Op.ALLOC)
        yields = np.flatnonzero(rows[:, 0] == Op.YIELD)
        total = allocs[-1]
        assert total == w.allocations(g) + (50 if live_in == "globals" else 0)
        assert len(yields) == total // 64
        assert np.array_equal(allocs[yields], 64 * np.arange(1, len(yields) + 1))
        # the YIELD comes right after the 64th allocation's rows, before the next ALLOC
        nxt = rows[yields[:-1] + 1, 0]
        assert np.all(nxt == Op.ALLOC)


def test_start_barrier_after_frames_before_allocations():
    w = make(
        goroutines=5,
        allocating=3,
        allocator_frames=True,
        start_barrier=True,
        live_in="stack",
        stack_depth=4,
        frame_slots=2,
    )
    for g in range(3):
        rows = rows_of(w, g)
        sync = np.flatnonzero(rows[:, 0] == Op.SYNC)
        assert len(sync) == 1 and rows[sync[0], 1] == 3
        pushes = np.flatnonzero(rows[:, 0] == Op.PUSH)
        assert len(pushes) == 5 and pushes[-1] < sync[0]  # 4 frames and the ring first
        ring_allocs = np.flatnonzero((rows[:, 0] == Op.ALLOC) & (rows[:, 1] >= w.allocator_base))
        assert sync[0] < ring_allocs[0] and sync[0] == pushes[-1] + 1
    for g in range(3, 5):
        head = np.concatenate(list(itertools.islice(w.stream(g), 40)))
        assert not np.any(head[:, 0] == Op.SYNC)  # daemons never SYNC


def test_deep_stacks_of_many_goroutines_are_lazy_and_cheap():
    """10,000 goroutines x 1,000 frames: every first chunk is small and quick to make."""
    from framework.workloads.goroutines import chunk_rows

    w = make(
        goroutines=10_000,
        allocating=10_000,
        allocator_frames=True,
        stack_depth=1000,
        frame_slots=1,
        frame_object_fields=0,
        live_in="stack",
        live_objects=200,
        replacements=10_000 * 40_000,
        yield_every=1000,
        start_barrier=True,
    )
    t = time.perf_counter()
    rows = sum(len(next(w.stream(g))) for g in range(10_000))
    assert time.perf_counter() - t < 10.0
    assert rows == 10_000 * chunk_rows(10_000) == 10_000 * 1024
    chunks = list(w.stream(7))
    assert max(len(c) for c in chunks) <= 1024
    assert [len(c) for c in chunks[:2]] == [1024, 2000 - 1024]  # the frame build, lazily
    assert chunks[2].tolist() == [[Op.PUSH, 200, 8 * 200 + 64, 0], [Op.SYNC, 10_000, 0, 0]]
