"""Whole-simulation properties: determinism, GOGC scaling, the safepoint."""

import numpy as np
import pytest

from framework.config import parse_config
from framework.simulation import build, simulate


def steady(**over):
    data = {
        "run": {"seed": 5, "gomaxprocs": 2},
        "workload": {
            "name": "steady",
            "live_objects": 50_000,
            "anchors": 256,
            "replacements": 400_000,
            "goroutines": 2,
        },
        "pacer": {"gogc": 100},
    }
    for key, val in over.items():
        sec, _, k = key.partition("__")
        data.setdefault(sec, {})[k] = val
    return parse_config(data)


def without_wall(s):
    return {k: v for k, v in s.items() if k != "wall_s"}


def test_same_config_and_seed_give_identical_summaries():
    a = simulate(steady()).summary
    b = simulate(steady()).summary
    assert without_wall(a) == without_wall(b)


def test_the_seed_reaches_the_workload_streams():
    # steady's summary is seed-independent by design (every replacement makes exactly one
    # object garbage), but which objects are replaced depends on the seed.
    def first_ops(seed):
        return np.concatenate(list(build(steady(run__seed=seed)).workload.stream(0)))

    np.testing.assert_array_equal(first_ops(5), first_ops(5))
    assert not np.array_equal(first_ops(5), first_ops(6))


def test_doubling_gogc_roughly_halves_cycles():
    cycles = {
        g: simulate(steady(pacer__gogc=g, workload__replacements=1_500_000)).summary["gc_cycles"]
        for g in (100, 200, 400)
    }
    assert cycles[100] >= 8
    assert 1.6 <= cycles[100] / cycles[200] <= 2.5, cycles
    assert 1.6 <= cycles[200] / cycles[400] <= 2.6, cycles


def test_heap_peaks_near_the_goal_and_live_matches_the_workload():
    s = simulate(steady(workload__replacements=1_000_000)).summary
    live = 50_000 * 64 + 256 * 64
    assert s["heap_live_final_bytes"] == pytest.approx(live, rel=0.02)
    # GOGC=100: the heap grows to about twice the live heap (plus globals) before a cycle.
    assert 1.7 <= s["heap_peak_bytes"] / s["heap_live_final_bytes"] <= 2.6


def test_time_to_safepoint_is_inside_the_pause_and_bounded_by_the_quantum():
    s = simulate(steady(run__quantum_us=20.0)).summary
    assert 0 < s["ttsp_max_ns"] <= 20_000 + 1_000
    assert s["pause_max_ns"] > s["ttsp_max_ns"]


@pytest.mark.parametrize("collector", ["stw", "concurrent"])
def test_results_converge_as_the_quantum_shrinks(collector):
    runs = {
        q: simulate(steady(run__quantum_ops=q, collector__name=collector)).summary
        for q in (4000, 250, 50)
    }
    coarse, fine, finer = runs[4000], runs[250], runs[50]
    assert coarse["gc_cycles"] == fine["gc_cycles"] == finer["gc_cycles"]
    for s in (coarse, fine):
        # Triggers and the run's end are seen at quantum boundaries: a 4,000-op quantum is
        # ~60-80 us here, 0.5-0.6% of this 12.5 ms run, so two of them apart at most.
        assert s["sim_time_ns"] == pytest.approx(finer["sim_time_ns"], rel=0.015)
        assert s["heap_goal_mean_bytes"] == pytest.approx(finer["heap_goal_mean_bytes"], rel=0.01)
        assert abs(s["gc_cpu_fraction"] - finer["gc_cpu_fraction"]) <= 0.05


def test_gogc_off_never_collects():
    s = simulate(steady(pacer__gogc="off")).summary
    assert s["gc_cycles"] == 0 and s["pause_count"] == 0


@pytest.mark.parametrize("q", [4000, 250])
def test_every_cycle_starts_at_its_trigger(q):
    # A goroutine whose quantum reached the trigger but was cut by the stop acts on the
    # trigger after the cycle: Go re-tests it (gcTrigger.test), so no cycle starts early.
    r = simulate(steady(run__quantum_ops=q))
    for c in r.log.cycles:
        assert c.heap_at_start >= c.goal, (c.cycle, c.heap_at_start, c.goal)
