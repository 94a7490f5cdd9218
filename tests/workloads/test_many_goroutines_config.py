"""configs/many_goroutines.toml: 1,000 goroutines, each 100 frames deep with one pointer per
frame to its own 64 B object, a FIFO ring of 200 objects, 40,000 allocations, a YIELD every
1,000 and a start barrier, all from config alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from framework.config import load_config
from framework.ops import Op
from framework.workloads import get
from framework.workloads.goroutines import Goroutines
from framework.workloads.interpreter import Interpreter

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "many_goroutines.toml"


def test_config_validates():
    cfg = load_config(CONFIG)
    assert cfg.run.gomaxprocs == 2 and cfg.pacer.gogc == 100
    assert cfg.collector.name == "concurrent" and cfg.collector.barrier == "hybrid-go"
    w = cfg.workload
    assert (w.name, w.goroutines, w.allocating) == ("goroutines", 1000, 1000)
    assert (w.live_in, w.replace, w.live_objects, w.replacements) == (
        "stack",
        "oldest",
        200,
        40_000_000,
    )


def test_streams_have_the_stated_shape():
    cfg = load_config(CONFIG)
    w = get("goroutines")(cfg.workload, np.random.SeedSequence(cfg.run.seed))
    assert isinstance(w, Goroutines)
    assert not any(s.daemon for s in w.goroutines()) and len(w.goroutines()) == 1000
    assert w.n_globals == 0 and w.max_fields == 1
    it = Interpreter(w)
    for g in (0, 1, 999):
        s = it.gs[g]
        # 100 frames of one slot, each with its own pointer-free 64 B object
        it.run_goroutine(g, 200)
        assert s.frames == [(1, 96)] * 100 and len(set(s.stack)) == 100
        assert all(it.sizes[o] == 64 and it.heap[o] == [] for o in s.stack)
        frame_objects = list(s.stack)
        # the ring, then one SYNC for all 1,000 goroutines, before the first ring allocation
        ops0 = list(it.op_counts)
        it.run_goroutine(g, 2)
        assert s.frames[-1] == (200, 8 * 200 + 64) and s.stack[100:] == [None] * 200
        assert it.op_counts[Op.SYNC] - ops0[Op.SYNC] == 1
        chunks = list(w.stream(g))
        rows = np.concatenate(chunks)
        assert rows[201].tolist() == [Op.SYNC, 1000, 0, 0]
        # 40,000 allocations into ring[k % 200] (a field each, always nil), a YIELD every 1,000
        body = rows[202:-101]
        allocs = body[body[:, 0] == Op.ALLOC]
        assert len(allocs) == 40_000
        assert np.array_equal(allocs[:, 1], 100 + np.arange(40_000) % 200)
        assert np.all(allocs[:, 2:] == (64, 1))
        yields = np.flatnonzero(body[:, 0] == Op.YIELD)
        assert np.array_equal(yields, 1001 * np.arange(1, 41) - 1)
        assert set(np.unique(body[:, 0])) == {Op.ALLOC, Op.YIELD}
        # ... then every frame is popped
        assert rows[-101].tolist() == [Op.POP, 200, 1664, 0]
        assert np.all(rows[-100:] == (Op.POP, 1, 96, 0))
        it.run_goroutine(g, len(rows) - 202 - 101)
        assert s.stack[:100] == frame_objects
        # the ring holds the last 200 allocations (39,800 + i in slot i; 39 YIELDs before them)
        ring = s.stack[100:]
        assert [it.origin[o][1] for o in ring] == [202 + 39 + 39_800 + i for i in range(200)]
        assert all(it.heap[o] == [None] for o in ring)
        it.run_goroutine(g)
        assert s.exhausted and s.frames == [] and s.stack_bytes == 0
        assert max(len(c) for c in chunks) <= 4194
