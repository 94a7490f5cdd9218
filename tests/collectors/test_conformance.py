"""The conformance suite every registered collector must pass, on every registered workload.

- safety: at every collector checkpoint the oracle re-trace finds every reachable object
  allocated (and, where the collector says the heap is complete, no garbage allocated);
- progress: the run ends, with at least one cycle on a workload that makes garbage;
- determinism: the same config and seed give the same summary;
- accounting: no GC CPU without cycles, no negative metrics.
"""

import pytest

from framework import collectors, workloads
from framework.collectors import barriers
from framework.config import parse_config
from framework.simulation import simulate

COLLECTORS = collectors.names()
WORKLOADS = workloads.names()


def config(collector: str, workload: str, seed: int = 1):
    wl = {"name": workload, **workloads.get(workload).smoke_params}
    return parse_config(
        {
            "run": {"seed": seed, "gomaxprocs": 2, "max_sim_time_ms": 400.0},
            "workload": wl,
            "collector": {"name": collector},
            "pacer": {"gogc": 10},  # small floor (0.4 MiB), so smoke runs collect
        }
    )


@pytest.mark.parametrize("workload", WORKLOADS)
@pytest.mark.parametrize("collector", COLLECTORS)
def test_safe_and_live(collector, workload):
    r = simulate(config(collector, workload), verify=True)
    assert r.violations == [], "\n".join(map(str, r.violations))
    s = r.summary
    assert s["objects_freed"] > 0
    assert s["gc_cycles"] >= 1 or not collectors.get(collector).capabilities.traces
    assert s["dangling_accesses"] == 0
    assert 0 <= s["gc_cpu_fraction"] < 1
    assert 0 < s["mutator_utilization"] <= 1
    assert s["pause_max_ns"] >= s["pause_p50_ns"] >= 0


@pytest.mark.parametrize("collector", COLLECTORS)
def test_deterministic(collector):
    a = simulate(config(collector, "growing", seed=3)).summary
    b = simulate(config(collector, "growing", seed=3)).summary
    a.pop("wall_s"), b.pop("wall_s")
    assert a == b


def test_every_collector_declares_its_capabilities():
    for name in COLLECTORS:
        cls = collectors.get(name)
        assert cls.name == name
        assert cls.Params().name == name
        assert cls.capabilities is not None


BARRIERS = tuple(barriers.names())  # every registered barrier


@pytest.mark.parametrize("workload", WORKLOADS)
@pytest.mark.parametrize("barrier", BARRIERS)
def test_every_barrier_runs_every_workload(barrier, workload):
    # A dedicated worker (4 Ps), fine interleaving and no assists: a smoke heap is marked
    # within one 50 us worker slice or one 64 KiB assist, faster than one default quantum,
    # so with the defaults no mutator store might fall inside the mark phase.
    data = {
        "run": {"seed": 2, "gomaxprocs": 4, "max_sim_time_ms": 400.0, "quantum_us": 2.0},
        "workload": {"name": workload, **workloads.get(workload).smoke_params},
        "collector": {
            "name": "concurrent",
            "barrier": barrier,
            "worker_slice_us": 2.0,
            "assists": False,
        },
        "pacer": {"gogc": 1},  # 40 KiB floor: many short cycles
    }
    r = simulate(parse_config(data), verify=barrier != "none")
    assert r.violations == [], "\n".join(map(str, r.violations))
    s = r.summary
    assert s["gc_cycles"] >= 1
    assert s["pause_sweep_termination_count"] >= 1
    assert (s["barrier_calls"] > 0) == (barrier != "none")
