"""Large heaps: the concurrent collector with Go's barrier finishes where it once livelocked
(3 M live objects: an assist asked the drain for a fraction of a byte, got int(0) = 0 and
looped for ever at one simulated instant)."""

import pytest

from framework.config import parse_config
from framework.simulation import simulate


def steady(live: int, replacements: int):
    return parse_config(
        {
            "run": {"seed": 1, "gomaxprocs": 2},
            "workload": {"name": "steady", "live_objects": live, "replacements": replacements},
            "collector": {"name": "concurrent", "barrier": "hybrid-go"},
        }
    )


def test_three_million_live_objects_complete():
    s = simulate(steady(3_000_000, 300_000)).summary
    assert s["gc_cycles"] >= 3
    assert s["heap_live_final_bytes"] >= 3_000_000 * 32


@pytest.mark.slow
def test_ten_million_live_objects_complete():
    s = simulate(steady(10_000_000, 2_000_000)).summary
    assert s["gc_cycles"] >= 3
    assert s["heap_live_final_bytes"] >= 10_000_000 * 32
