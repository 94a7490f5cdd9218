import json

import numpy as np
import pytest

from framework.events import Cycle, HeapSample, Pause, PKind, Recorder
from framework.metrics import heap_stats, summarize

MS = 1_000_000


def _sample(t, alloc, inuse, goal, **kw):
    base = dict(
        heap_live=alloc,
        alloc_req_bytes=alloc,
        mapped_bytes=2 * inuse,
        trigger=-1,
        marked_last=0,
        stack_bytes=0,
        globals_bytes=64,
        objects=1,
    )
    base.update(kw)
    return HeapSample(t_ns=t, alloc_bytes=alloc, inuse_span_bytes=inuse, goal=goal, **base)


def _log():
    rec = Recorder(2)
    for p in range(2):
        rec.interval(p, 0, 4 * MS, PKind.MUTATOR)
        rec.interval(p, 4 * MS, 5 * MS, PKind.GC_STW)
        rec.interval(p, 5 * MS, 10 * MS, PKind.MUTATOR)
    rec.pause(Pause(4 * MS, 5 * MS, "sweep_term", 1, 20_000))
    rec.sample(_sample(0, 1000, 8192, -1, stack_bytes=100))
    rec.sample(_sample(2 * MS, 3000, 16384, 4000, stack_bytes=300))
    rec.sample(_sample(6 * MS, 2000, 8192, 6000, stack_bytes=200))
    rec.cycle(Cycle(cycle=1, start_ns=4 * MS, end_ns=5 * MS, marked=1500))
    rec.cycle(Cycle(cycle=2, start_ns=7 * MS, end_ns=8 * MS, marked=2500))
    rec.cycle(Cycle(cycle=3, start_ns=9 * MS, marked=9999))  # unfinished at the end
    t = rec.totals
    t.sim_time_ns, t.mutator_ops, t.alloc_count = 10 * MS, 12345, 30
    t.alloc_bytes, t.alloc_req_bytes, t.goroutines = 3000, 2500, 4
    t.counters.update({"write_barrier_calls": 17, "gc_cycles": 99})
    return rec.finish()


def test_heap_stats_hand_example():
    st = heap_stats(_log())
    assert st["heap_peak_bytes"] == 16384
    assert st["heap_alloc_peak_bytes"] == 3000
    assert st["heap_live_mean_bytes"] == pytest.approx(2000.0)  # unfinished cycle left out
    assert st["heap_live_final_bytes"] == 2500
    assert st["heap_goal_mean_bytes"] == pytest.approx((4000 * 4 + 6000 * 4) / 8)
    assert st["heap_overhead"] == pytest.approx(16384 / 2000)
    assert st["heap_mapped_peak_bytes"] == 32768
    assert st["stack_bytes_max"] == 300
    assert st["globals_bytes"] == 64


def test_heap_stats_empty_log():
    st = heap_stats(Recorder(1).finish())
    assert all(v == 0 for v in st.values())


def test_summary_flat_json_ready():
    s = summarize(_log(), mmu_windows_ns=[MS, 2 * MS, 10 * MS])
    json.dumps(s)  # must not raise

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                assert isinstance(k, str)
                walk(v)
        elif isinstance(x, list):  # the cycle table
            for v in x:
                walk(v)
        else:
            assert type(x) in (int, float, bool, str), (x, type(x))

    walk(s)
    assert s["gc_cycles"] == 3
    assert s["sim_time_ns"] == 10 * MS and s["mutator_ops"] == 12345
    assert (s["alloc_count"], s["alloc_bytes"], s["alloc_req_bytes"]) == (30, 3000, 2500)
    assert s["gomaxprocs"] == 2 and s["goroutines"] == 4
    assert s["write_barrier_calls"] == 17
    assert s["counter_gc_cycles"] == 99  # clashing counter name is prefixed
    assert s["pause_count"] == 1 and s["pause_max_ns"] == MS and s["ttsp_max_ns"] == 20_000
    assert s["pause_by_phase"]["sweep_term"]["count"] == 1
    assert s["gc_cpu_fraction"] == pytest.approx(0.1)
    assert s["frag_internal"] == pytest.approx(500 / 3000)
    assert s["heap_peak_bytes"] == 16384
    assert s["mmu"] == pytest.approx({"1000000": 0.0, "2000000": 0.5, "10000000": 0.9})
    assert s["bmu"] == pytest.approx({"1000000": 0.0, "2000000": 0.5, "10000000": 0.9})


def test_summary_default_windows():
    s = summarize(_log())
    keys = [int(k) for k in s["mmu"]]
    assert keys[0] == 10_000 and keys[-1] == 10 * MS
    assert list(s["bmu"]) == list(s["mmu"])
    b = np.array(list(s["bmu"].values()))
    assert np.all(np.diff(b) >= 0)
    assert s["mmu"][str(10 * MS)] == pytest.approx(0.9)
