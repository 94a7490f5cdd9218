import numpy as np
import pytest

from framework.events import Pause, Recorder
from framework.metrics import pause_durations, pause_stats


def _log(durations, phases=None, ttsp=None):
    rec = Recorder(2)
    t = 0
    for i, d in enumerate(durations):
        phase = phases[i] if phases else "sweep_term"
        rec.pause(Pause(t, t + d, phase, i, ttsp[i] if ttsp else 0))
        t += d + 1000
    rec.totals.sim_time_ns = t + 1
    return rec.finish()


def test_no_pauses_all_zero():
    st = pause_stats(_log([]))
    for k in (
        "pause_count",
        "pause_total_ns",
        "pause_max_ns",
        "pause_mean_ns",
        "pause_p50_ns",
        "pause_p95_ns",
        "pause_p99_ns",
        "ttsp_max_ns",
    ):
        assert st[k] == 0
    assert st["pause_by_phase"] == {}
    assert pause_durations(_log([])).size == 0


def test_percentiles_linear_on_known_list():
    # shuffled 1..10: linear percentile at q is 1 + 9 q / 100
    d = [7, 3, 10, 1, 5, 2, 9, 4, 8, 6]
    st = pause_stats(_log(d))
    assert st["pause_count"] == 10
    assert st["pause_total_ns"] == 55
    assert st["pause_max_ns"] == 10
    assert st["pause_mean_ns"] == pytest.approx(5.5)
    assert st["pause_p50_ns"] == pytest.approx(5.5)
    assert st["pause_p95_ns"] == pytest.approx(9.55)
    assert st["pause_p99_ns"] == pytest.approx(9.91)
    np.testing.assert_array_equal(pause_durations(_log(d)), d)


def test_single_pause():
    st = pause_stats(_log([123]))
    assert st["pause_p50_ns"] == st["pause_p99_ns"] == st["pause_max_ns"] == 123


def test_by_phase_and_ttsp():
    d = [100, 300, 50, 200, 400]
    ph = ["sweep_term", "mark_term", "sweep_term", "mark_term", "mark_term"]
    st = pause_stats(_log(d, ph, ttsp=[5, 40, 7, 9, 11]))
    sw, mt = st["pause_by_phase"]["sweep_term"], st["pause_by_phase"]["mark_term"]
    assert set(st["pause_by_phase"]) == {"sweep_term", "mark_term"}
    assert (sw["count"], sw["total_ns"], sw["max_ns"]) == (2, 150, 100)
    assert sw["p50_ns"] == pytest.approx(75.0)
    assert sw["p99_ns"] == pytest.approx(99.5)
    assert (mt["count"], mt["total_ns"], mt["max_ns"]) == (3, 900, 400)
    assert mt["p50_ns"] == pytest.approx(300.0)
    assert mt["p99_ns"] == pytest.approx(398.0)
    assert st["ttsp_max_ns"] == 40
