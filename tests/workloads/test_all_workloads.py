"""Checks every registered workload must pass (small parameters: SMALL below)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from pydantic import ValidationError

from framework.workloads import Workload, all_workloads, get, names
from framework.workloads.base import CHUNK_OPS
from framework.workloads.interpreter import Interpreter

# Small parameters per registered workload; a workload missing here is tested with its
# defaults, cut after HEAD_ROWS rows per goroutine and MAX_OPS interpreted ops.
SMALL: dict[str, dict] = {
    "steady": dict(live_objects=300, anchors=16, replacements=3000, goroutines=2, pointers=2),
    "binary_trees": dict(max_depth=7, min_depth=3, goroutines=2),
    "shuffle": dict(slots=200, moves=2000, goroutines=2),
    "growing": dict(peak_objects=2000, churn=1.5, goroutines=2, phases=2),
    "goroutines": dict(
        goroutines=6,
        allocating=2,
        live_objects=100,
        replacements=2000,
        stack_depth=8,
        frame_slots=4,
    ),
    "cycles": dict(
        structures=2000, window=32, acyclic_fraction=0.3, goroutines=2, live_structures=8
    ),
}

# Workloads whose streams do not depend on the seed at all.
NOT_RANDOM = {"binary_trees"}

HEAD_ROWS = 20_000  # rows taken from an infinite (daemon) stream
MAX_OPS = 200_000  # interpreter budget for workloads without small params


def make(cls: type[Workload], seed: int = 1, **overrides) -> Workload:
    kw = dict(SMALL.get(cls.name, cls.smoke_params))
    kw.update(overrides)
    return cls(cls.Params(**kw), np.random.SeedSequence(seed))


def head(w: Workload, g: int, limit: int | None = None) -> np.ndarray:
    """Goroutine ``g``'s stream concatenated (the first >= ``limit`` rows if given)."""
    chunks, n = [], 0
    for c in w.stream(g):
        chunks.append(c)
        n += len(c)
        if limit is not None and n >= limit:
            break
    return np.concatenate(chunks) if chunks else np.zeros((0, 4), dtype=np.int32)


def limit_for(w: Workload, g: int) -> int | None:
    """Row limit for reading goroutine ``g``'s stream in tests."""
    if w.goroutines()[g].daemon or w.name not in SMALL:
        return HEAD_ROWS
    return None


WORKLOADS = sorted(all_workloads())


def test_registry_has_the_builtin_workloads():
    assert {"steady", "binary_trees", "growing", "goroutines", "cycles"} <= set(names())
    for name in names():
        cls = get(name)
        assert cls.name == name
        assert cls.Params().name == name  # defaults are valid


@pytest.mark.parametrize("name", WORKLOADS)
def test_determinism(name):
    cls = get(name)
    w1, w1b, w2 = make(cls, seed=1), make(cls, seed=1), make(cls, seed=2)
    G = len(w1.goroutines())
    assert len(w1b.goroutines()) == len(w2.goroutines()) == G
    differs = False
    for g in range(G):
        n = limit_for(w1, g)
        a = head(w1, g, n)
        assert np.array_equal(a, head(w1b, g, n)), f"goroutine {g}: same seed, new instance"
        assert np.array_equal(a, head(w1, g, n)), f"goroutine {g}: replay differs"
        b = head(w2, g, n)
        differs = differs or a.shape != b.shape or not np.array_equal(a, b)
    assert differs == (name not in NOT_RANDOM)


@pytest.mark.parametrize("name", WORKLOADS)
def test_chunk_format(name):
    w = make(get(name))
    for g in range(len(w.goroutines())):
        n = 0
        for c in w.stream(g):
            assert isinstance(c, np.ndarray)
            assert c.dtype == np.int32 and c.ndim == 2 and c.shape[1] == 4
            assert c.flags.c_contiguous
            assert 0 < len(c) <= CHUNK_OPS
            n += len(c)
            lim = limit_for(w, g)
            if lim is not None and n >= lim:
                break


@pytest.mark.parametrize("name", WORKLOADS)
def test_streams_validate_in_interpreter(name):
    w = make(get(name))
    it = Interpreter(w)
    if name in SMALL:
        it.run()
        assert it.finished
        assert it.max_fields_used == w.max_fields
        assert it.max_global_used + 1 == w.n_globals
        for s, spec in zip(it.gs, w.goroutines(), strict=True):
            if not spec.daemon:
                assert s.frames == [] and s.stack == [] and s.stack_bytes == 0
    else:
        it.run(max_ops=MAX_OPS)
        assert it.max_fields_used <= w.max_fields
        assert it.max_global_used < w.n_globals
    assert it.ops > 0
    assert it.reachable() <= set(it.heap)
    assert 0 <= it.garbage_bytes() <= it.alloc_bytes


@pytest.mark.parametrize("name", WORKLOADS)
def test_default_params_generate_quickly(name):
    """The defaults are sized for ~10^6 ops or more and must generate fast."""
    w = get(name)(get(name).Params(), np.random.SeedSequence(0))
    t = time.perf_counter()
    for g, spec in enumerate(w.goroutines()):
        HEAD = 2000  # rows of each (infinite) daemon stream
        rows = 0
        for c in w.stream(g):
            rows += len(c)
            if spec.daemon and rows >= HEAD:
                break
        assert rows > 0
    assert time.perf_counter() - t < 5.0


@pytest.mark.parametrize("name", WORKLOADS)
def test_unknown_params_rejected(name):
    cls = get(name)
    with pytest.raises(ValidationError):
        cls.Params(no_such_parameter=1)
    with pytest.raises(ValidationError):
        cls.Params(name="not-" + name)


BAD = {
    "steady": [dict(object_size=-1), dict(pointers=3, object_size=16), dict(live_objects=0)],
    "binary_trees": [
        dict(node_size=8),
        dict(min_depth=6, max_depth=4),
        dict(max_depth=-1),
        dict(goroutines=0),
        dict(frame_bytes=-48),
    ],
    "growing": [
        dict(min_size=-1),
        dict(min_size=100, max_size=50),
        dict(pointers=4, min_size=16),
        dict(nil_fraction=1.5),
        dict(churn=-1),
        dict(phases=0),
        dict(peak_objects=2, goroutines=3),
        dict(base_objects=-1),
        dict(flat_allocs=-1),
    ],
    "goroutines": [
        dict(allocating=0),
        dict(goroutines=4, allocating=5),
        dict(frame_slots=8, frame_bytes=32),
        dict(park_ns=-1),
        dict(stack_depth=0),
        dict(object_size=-64),
        dict(frame_object_fields=4, frame_object_size=16),
        dict(frame_object_fields=0),  # daemons link their frame objects
        dict(park_ns=2**31),
        dict(nil_fraction=1.5),
        dict(yield_every=-1),
        dict(live_in="heap"),
        dict(replace="newest"),
    ],
    "cycles": [
        dict(ring_len=1),
        dict(node_size=-8),
        dict(shape="trees"),
        dict(acyclic_fraction=2.0),
        dict(structures=3, goroutines=4),
        dict(window=0),
    ],
}


@pytest.mark.parametrize("name, kw", [(n, kw) for n, kws in BAD.items() for kw in kws])
def test_bad_params_rejected(name, kw):
    with pytest.raises(ValidationError):
        get(name).Params(**kw)
