import pytest

from framework.events import PKind, Recorder
from framework.metrics import cpu_by_kind, cpu_stats

MS = 1_000_000


def _hand_log():
    """2 Ps, 10 ms. P0: mut [0,4) STW [4,5) dedicated [5,8) mut [8,10).
    P1: mut [0,2) sweep [2,3) mut [3,4) STW [4,5) assist [5,6) idle-mark [6,8) idle [8,10)."""
    rec = Recorder(2)
    for p, s, e, k in [
        (0, 0, 4, PKind.MUTATOR),
        (0, 4, 5, PKind.GC_STW),
        (0, 5, 8, PKind.GC_DEDICATED),
        (0, 8, 10, PKind.MUTATOR),
        (1, 0, 2, PKind.MUTATOR),
        (1, 2, 3, PKind.SWEEP),
        (1, 3, 4, PKind.MUTATOR),
        (1, 4, 5, PKind.GC_STW),
        (1, 5, 6, PKind.GC_ASSIST),
        (1, 6, 8, PKind.GC_IDLE),
    ]:
        rec.interval(p, s * MS, e * MS, k)
    rec.totals.sim_time_ns = 10 * MS
    rec.totals.mutator_ops = 5000
    return rec.finish()


def test_gc_cpu_fraction_hand_example():
    st = cpu_stats(_hand_log())
    # Go: STW * P (2 ms) + dedicated 3 ms + assist 1 ms = 6 ms of 20 ms; idle mark excluded
    assert st["gc_cpu_fraction"] == pytest.approx(0.3)
    assert st["collector_cpu_fraction"] == pytest.approx(0.35)  # + 1 ms sweep
    assert st["stw_cpu_ns"] == 2 * MS
    assert st["background_mark_ns"] == 3 * MS
    assert st["assist_ns"] == 1 * MS
    assert st["idle_mark_ns"] == 2 * MS
    assert st["sweep_ns"] == 1 * MS
    assert st["rc_ns"] == 0
    assert st["mutator_ns"] == 9 * MS
    assert st["mutator_utilization"] == pytest.approx(0.45)
    assert st["idle_ns"] == 2 * MS
    assert st["gc_cpu_ns"] == 6 * MS
    assert st["throughput_ops_per_s"] == pytest.approx(5000 / 0.01)


def test_fractional_and_rc_kinds():
    rec = Recorder(4)
    rec.interval(3, 0, 250, PKind.GC_FRACTIONAL)
    rec.interval(2, 0, 1000, PKind.RC)
    rec.totals.sim_time_ns = 1000
    st = cpu_stats(rec.finish())
    assert st["gc_cpu_fraction"] == pytest.approx(250 / 4000)
    assert st["rc_ns"] == 1000
    assert st["collector_cpu_fraction"] == pytest.approx(1250 / 4000)
    assert st["idle_ns"] == 4000 - 1250


def test_intervals_clipped_to_run_and_empty_run():
    rec = Recorder(1)
    rec.interval(0, 50, 150, PKind.GC_ASSIST)
    rec.totals.sim_time_ns = 100
    assert cpu_by_kind(rec.finish())[PKind.GC_ASSIST] == 50
    empty = Recorder(1)
    st = cpu_stats(empty.finish())
    assert st["gc_cpu_fraction"] == 0 and st["throughput_ops_per_s"] == 0
