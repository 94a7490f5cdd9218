import numpy as np
import pytest

from framework.events import HeapSample, Recorder
from framework.metrics import (
    external_fragmentation,
    fragmentation_stats,
    internal_fragmentation,
    time_weighted_mean,
)


def _sample(t, alloc, req, inuse, **kw):
    base = dict(
        heap_live=alloc,
        mapped_bytes=inuse,
        goal=-1,
        trigger=-1,
        marked_last=0,
        stack_bytes=0,
        globals_bytes=0,
        objects=0,
    )
    base.update(kw)
    return HeapSample(
        t_ns=t, alloc_bytes=alloc, alloc_req_bytes=req, inuse_span_bytes=inuse, **base
    )


def test_helpers_hand_built_heap():
    # three 20 B objects in 24 B slots of one 8 KiB span
    assert internal_fragmentation([20, 20, 20], [24, 24, 24]) == pytest.approx(12 / 72)
    assert external_fragmentation([8192], [72]) == pytest.approx((8192 - 72) / 8192)
    # two spans: one full, one with a single 16 B slot used
    assert external_fragmentation([8192, 8192], [8192, 16]) == pytest.approx(8176 / 16384)
    assert internal_fragmentation([], []) == 0.0
    assert external_fragmentation([], []) == 0.0


def test_helpers_reject_bad_input():
    with pytest.raises(ValueError):
        internal_fragmentation([25], [24])
    with pytest.raises(ValueError):
        internal_fragmentation([1, 2], [8])
    with pytest.raises(ValueError):
        external_fragmentation([8192], [9000])


def test_run_level_hand_built_heap():
    rec = Recorder(1)
    rec.totals.alloc_bytes, rec.totals.alloc_req_bytes = 72, 60
    rec.sample(_sample(0, 72, 60, 8192))
    rec.totals.sim_time_ns = 1000
    st = fragmentation_stats(rec.finish())
    assert st["frag_internal"] == pytest.approx(12 / 72)
    assert st["frag_internal_live"] == pytest.approx(12 / 72)
    assert st["frag_external"] == pytest.approx((8192 - 72) / 8192)
    assert st["frag_external_final"] == pytest.approx((8192 - 72) / 8192)
    # no cycles: live = mean alloc_bytes = 72
    assert st["span_bytes_per_live"] == pytest.approx(8192 / 72)


def test_time_weighting_and_empty_samples_skipped():
    rec = Recorder(1)
    rec.sample(_sample(0, 0, 0, 0))  # empty heap: no ratio defined, left out
    rec.sample(_sample(100, 400, 300, 800))  # internal 0.25, external 0.5, for 300 ns
    rec.sample(_sample(400, 600, 600, 800))  # internal 0, external 0.25, for 100 ns
    rec.totals.sim_time_ns = 500
    st = fragmentation_stats(rec.finish())
    assert st["frag_external"] == pytest.approx((0.5 * 300 + 0.25 * 100) / 400)
    assert st["frag_internal_live"] == pytest.approx(0.25 * 300 / 400)
    assert st["frag_external_final"] == pytest.approx(0.25)
    assert st["frag_internal"] == 0.0  # totals left at zero


def test_time_weighted_mean_definition():
    t = np.array([0, 10, 40])
    v = np.array([1.0, 2.0, 4.0])
    assert time_weighted_mean(t, v, 50) == pytest.approx((10 + 60 + 40) / 50)
    assert time_weighted_mean(t, v, 40) == pytest.approx((10 + 60 + 4) / 41)  # last >= 1 ns
    assert time_weighted_mean(np.array([7]), np.array([3.0]), 0) == 3.0
    assert time_weighted_mean(np.array([], dtype=np.int64), np.array([]), 10) == 0.0
