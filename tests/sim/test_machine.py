"""The machine's scheduler, safepoint and watchdog, on small hand-written op streams and on
real workloads: fairness, time slices, Gosched, start barriers, stop-the-world costs, idle-P
marking, stalls."""

from collections.abc import Iterator

import numpy as np
import pytest

from framework.collectors.concurrent import Concurrent, ConcurrentParams
from framework.collectors.stw import StopTheWorld, StwParams
from framework.config import parse_config
from framework.config.schema import CostModel
from framework.events import PKind
from framework.ops import Op, op_array
from framework.pacer.go119 import Go119Pacer, Go119Params
from framework.runtime import layout as L
from framework.sim.machine import TIME_SLICE_NS, Machine, SimulationStalledError
from framework.simulation import build, simulate
from framework.workloads.base import GoroutineSpec, Workload, WorkloadParams


class _Params(WorkloadParams):
    name: str = "scripted"


class Scripted(Workload):
    """One fixed list of op chunks per goroutine."""

    name = "scripted"
    Params = _Params

    def __init__(self, chunks: list[list], n_globals: int = 4, max_fields: int = 1) -> None:
        self._chunks = chunks
        self._n_globals = n_globals
        self._max_fields = max_fields
        super().__init__(_Params(), np.random.SeedSequence(0))

    def goroutines(self) -> list[GoroutineSpec]:
        return [GoroutineSpec() for _ in self._chunks]

    @property
    def n_globals(self) -> int:
        return self._n_globals

    @property
    def max_fields(self) -> int:
        return self._max_fields

    def stream(self, g: int) -> Iterator[np.ndarray]:
        for c in self._chunks[g]:
            yield op_array(c)


def machine(chunks, nprocs=2, collector=None, gogc=100, n_globals=4, **cost) -> Machine:
    return Machine(
        Scripted(chunks, n_globals=n_globals),
        collector or StopTheWorld(StwParams()),
        nprocs=nprocs,
        cost=CostModel(**cost).vector(),
        quantum_ops=2000,
        quantum_ns=50_000.0,
        sample_interval_ns=200_000.0,
        pacer=Go119Pacer(Go119Params(gogc=gogc)),
    )


def compute(ns: int) -> list:
    """Rows that compute for ``ns`` (compute_ns = 1)."""
    return [(Op.COMPUTE, ns, 0, 0)]


def test_a_cpu_bound_goroutine_is_preempted_after_its_time_slice():
    # Three CPU-bound goroutines on one P: each runs 10 ms slices in turn, so after 30 ms
    # each has had one slice, not one goroutine all of it.
    chunks = [[compute(1_000_000)] * 40 for _ in range(3)]
    m = machine(chunks, nprocs=1)
    m.max_sim_time_ns = 3 * TIME_SLICE_NS + 1
    m.run()
    ops = sorted(int(g.gs[L.G_OPS]) for g in m.roots.goroutines)
    assert ops == [10, 10, 11]  # the third has just begun its second slice


def test_yield_lets_the_other_goroutines_run_first():
    # Two goroutines on one P: each YIELD sends the running one to the global queue.
    row = [*compute(1000), (Op.YIELD, 0, 0, 0)]
    m = machine([[row * 5], [row * 5]], nprocs=1)
    order = []
    original = m._quantum

    def spy(g):
        order.append(g.gid)
        return original(g)

    m._quantum = spy
    m.run()
    assert order == [1, 0] * 5 + [1, 0] or order[:10] == [1, 0] * 5


def test_a_start_barrier_releases_everyone_when_the_last_arrives():
    # Goroutine g computes g ms, then waits at SYNC 3, then allocates.
    chunks = [
        [
            [(Op.PUSH, 1, 16, 0), *compute((g + 1) * 1_000_000), (Op.SYNC, 3, 0, 0)],
            [(Op.ALLOC, 0, 64, 0), (Op.POP, 1, 16, 0)],
        ]
        for g in range(3)
    ]
    m = machine(chunks, nprocs=3)
    released = []
    original = m._arrive

    def spy(g, n):
        go_on = original(g, n)
        if go_on:
            released.append((m.env.now, [int(x.gs[L.G_OPS]) for x in m.roots.goroutines]))
        return go_on

    m._arrive = spy
    m.run()
    ((t, ops),) = released
    assert t >= 3_000_000  # the slowest goroutine computes for 3 ms
    assert ops == [3, 3, 3]  # nobody allocated before the release
    assert int(m.heap.a.ctr[L.TOTAL_ALLOCS]) == 3


def test_a_barrier_that_can_never_be_released_is_a_deadlock():
    chunks = [[[(Op.SYNC, 3, 0, 0)]], [[(Op.SYNC, 3, 0, 0)]]]
    with pytest.raises(SimulationStalledError, match="deadlock"):
        machine(chunks).run()


def test_a_livelocked_collector_is_stopped_by_the_watchdog():
    class Spinning(StopTheWorld):
        def find_idle_worker(self, ctx, pid):  # a worker that never lets time pass
            return iter(())

    m = machine([[compute(10_000)]], nprocs=2, collector=Spinning(StwParams()))
    with pytest.raises(SimulationStalledError, match="without time passing"):
        m.run()


def many_goroutines(**over):
    wl = {
        "name": "goroutines",
        "goroutines": 1000,
        "allocating": 1000,
        "allocator_frames": True,
        "stack_depth": 10,
        "frame_slots": 1,
        "frame_object_size": 64,
        "frame_object_fields": 0,
        "live_in": "stack",
        "live_objects": 20,
        "replace": "oldest",
        "nil_fraction": 1.0,
        "replacements": 10_000_000,
        "yield_every": 20,
        "start_barrier": True,
    }
    wl.update(over)
    return parse_config(
        {
            "run": {"gomaxprocs": 2, "max_sim_time_ms": 60.0},
            "workload": wl,
            "collector": {"name": "concurrent", "barrier": "hybrid-go"},
        }
    )


def test_a_thousand_equal_goroutines_share_the_cpu_fairly_through_gc_cycles():
    m = build(many_goroutines())
    log = m.run()
    assert len(log.cycles) >= 3  # stacks are scanned, goroutines suspended, every cycle
    ops = np.array([int(g.gs[L.G_OPS]) for g in m.roots.goroutines])
    assert ops.min() > 0
    # Goroutines that assist spend part of their turns marking (so they do in Go): judge the
    # spread of the bulk, and bound the extremes more loosely.
    lo, hi = np.percentile(ops, [1, 99])
    assert hi / lo <= 1.10, (lo, hi)
    assert ops.max() / ops.min() <= 1.20, (ops.min(), ops.max())


def test_stop_the_world_costs_follow_the_machine():
    # P=1: no other P to stop or restart: a pause is the fixed cost plus its work, and the
    # requesting P stops at once (the goroutine that hit the trigger, the last worker).
    cost = {"stw_ns": 4000.0, "stw_per_p_ns": 3000.0, "preempt_ns": 50_000.0}
    alloc = [(Op.PUSH, 1, 16, 0)] + [(Op.ALLOC, 0, 4096, 0)] * 3000 + [(Op.POP, 1, 16, 0)]
    one = machine([[alloc]], nprocs=1, collector=Concurrent(ConcurrentParams()), **cost)
    log1 = one.run()
    assert log1.pauses
    assert all(p.ttsp_ns == 0 for p in log1.pauses)
    assert 4000 <= min(p.duration_ns for p in log1.pauses) < 4000 + 3000
    # P=2 with a second goroutine computing: that P is busy and is preempted after
    # preempt_ns; the pause also pays the per-P cost.
    two = machine(
        [[alloc], [compute(200_000)] * 200],
        nprocs=2,
        collector=Concurrent(ConcurrentParams()),
        **cost,
    )
    log2 = two.run()
    busy = [p for p in log2.pauses if p.ttsp_ns > 0]
    assert busy and all(p.ttsp_ns <= 50_000 for p in busy)
    assert max(p.ttsp_ns for p in busy) == 50_000
    assert min(p.duration_ns - p.ttsp_ns for p in log2.pauses) >= 4000 + 3000 - 1  # rounding


def steady(procs, goroutines=1, **over):
    return parse_config(
        {
            "run": {"gomaxprocs": procs},
            "workload": {
                "name": "steady",
                "live_objects": 100_000,
                "anchors": 256,
                "replacements": 600_000,
                "goroutines": goroutines,
            },
            "collector": {"name": "concurrent", "barrier": "hybrid-go", **over},
        }
    )


def test_one_mutator_at_two_ps_leaves_the_idle_p_to_idle_marking():
    # Go: the P without a goroutine runs an idle-priority worker; the fractional worker
    # runs only when a P schedules, so it takes far less than its 25% here.
    s = simulate(steady(2)).summary
    log_cycles = s["gc_cycles"]
    assert log_cycles >= 3
    assert s["idle_mark_ns"] > 2 * s["background_mark_ns"]
    without = simulate(steady(2, idle_workers=False)).summary
    assert without["idle_mark_ns"] == 0


def test_four_ps_get_a_dedicated_worker_and_no_fractional_one():
    cfg = steady(4, goroutines=4)
    m = build(cfg)
    log = m.run()
    kinds = set(log.intervals["kind"].tolist())
    assert PKind.GC_DEDICATED in kinds and PKind.GC_FRACTIONAL not in kinds
    assert all(c.extra["dedicated_workers"] == 1 for c in log.cycles)


def test_the_first_cycle_knows_the_globals():
    # 16 MiB of (nil) globals: Go's first goal is max(4 MiB, 16 MiB x GOGC/100), and the
    # first cycle's assists keep the heap near it.
    n = 2 << 20
    alloc = [(Op.PUSH, 1, 16, 0)] + [(Op.ALLOC, 0, 1024, 0)] * 30_000 + [(Op.POP, 1, 16, 0)]
    m = machine([[alloc]], nprocs=2, collector=Concurrent(ConcurrentParams()), n_globals=n)
    log = m.run()
    first = log.cycles[0]
    assert first.goal == 16 << 20
    assert first.heap_at_mark_end <= first.goal * 1.02


def test_a_quantum_cut_by_a_stop_still_parks_afterwards():
    # The quantum computes 30 us and ends with PARK 5 ms; a stop-the-world at 10 us cuts it
    # (preempt_ns = 1 us). The goroutine owes the rest, then must still sleep its 5 ms.
    class StopOnce(StopTheWorld):
        def run(self, ctx):
            yield ctx.sleep(10_000)
            token = yield from ctx.stop_the_world()
            yield ctx.sleep(1_000)
            ctx.start_the_world(token, "test", 1)
            yield ctx.event()

    rows = [*compute(30_000), (Op.PARK, 5_000_000, 0, 0), *compute(1)]
    m = machine([[rows]], nprocs=1, collector=StopOnce(StwParams()), preempt_ns=1_000.0)
    log = m.run()
    (pause,) = log.pauses
    assert pause.ttsp_ns == 1_000
    assert log.totals.sim_time_ns >= 5_000_000 + 30_000
