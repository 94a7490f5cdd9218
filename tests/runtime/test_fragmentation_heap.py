"""Fragmentation figures on hand-built heaps, through the real allocator and the metrics."""

import numpy as np
import pytest

from framework.checking.stepper import Stepper
from framework.collectors.stw import mark_from_roots
from framework.events import HeapSample, Recorder
from framework.metrics import fragmentation_stats
from framework.ops import Op
from framework.runtime import layout as L
from framework.runtime.kernels.sweep import sweep_all


def sample(stp: Stepper, t: int) -> HeapSample:
    c = stp.heap.a.ctr
    return HeapSample(
        t,
        int(c[L.HEAP_LIVE]),
        int(c[L.ALLOC_BYTES]),
        int(c[L.ALLOC_REQ]),
        int(c[L.INUSE_SPAN_BYTES]),
        0,
        -1,
        -1,
        0,
        0,
        0,
        int(c[L.OBJECTS]),
    )


def test_three_20_byte_objects_in_one_span():
    stp = Stepper(1, 3, 1)
    ops = [(Op.PUSH, 1, 8, 0)]
    for i in range(3):
        ops += [(Op.ALLOC, 0, 20, 0), (Op.GSTORE, i, 0, 0)]
    stp.run(0, np.array(ops, dtype=np.int32))
    # 20 B rounds up to the 24 B class; one span of one 8 KiB page.
    rec = Recorder(1)
    rec.sample(sample(stp, 0))
    rec.totals.sim_time_ns = 10
    rec.totals.alloc_bytes = stp.heap.counter(L.TOTAL_ALLOC_BYTES)
    rec.totals.alloc_req_bytes = stp.heap.counter(L.TOTAL_ALLOC_REQ)
    f = fragmentation_stats(rec.finish())
    assert f["frag_internal"] == pytest.approx(12 / 72)
    assert f["frag_external"] == pytest.approx((8192 - 72) / 8192)


def test_external_fragmentation_after_sweeping_every_other_object():
    stp = Stepper(1, 128, 1)
    ops = [(Op.PUSH, 1, 8, 0)]
    for i in range(256):  # two full spans of 128 x 64 B
        ops.append((Op.ALLOC, 0, 64, 0))
        if i % 2 == 0:
            ops.append((Op.GSTORE, i // 2, 0, 0))
    ops.append((Op.CLEAR, 0, 0, 0))
    stp.run(0, np.array(ops, dtype=np.int32))
    mark_from_roots(stp.heap, stp.roots, stp.cost)
    sweep_all(stp.heap.a, stp.cost)
    s = sample(stp, 0)
    assert s.inuse_span_bytes == 2 * 8192
    assert s.alloc_bytes == 128 * 64
    rec = Recorder(1)
    rec.sample(s)
    rec.totals.sim_time_ns = 1
    f = fragmentation_stats(rec.finish())
    assert f["frag_external"] == pytest.approx(0.5)
