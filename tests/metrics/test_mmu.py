import itertools

import numpy as np
import pytest

from framework.events import PKind, Recorder, RunLog, Totals
from framework.metrics import MMU_GC_KINDS, bmu, default_windows, gc_curve, mmu

US = 1_000
MS = 1_000_000


def _stw_log():
    """One 1 ms stop-the-world pause (a GC_STW interval on each of 2 Ps) in a 10 ms run."""
    rec = Recorder(2)
    for p in range(2):
        rec.interval(p, 0, 4 * MS, PKind.MUTATOR)
        rec.interval(p, 4 * MS, 5 * MS, PKind.GC_STW)
        rec.interval(p, 5 * MS, 10 * MS, PKind.MUTATOR)
    rec.totals.sim_time_ns = 10 * MS
    return rec.finish()


def test_stw_pause_two_procs():
    got = mmu(_stw_log(), [500 * US, 1 * MS, 2 * MS, 4 * MS, 10 * MS, 20 * MS])
    np.testing.assert_allclose(got, [0.0, 0.0, 0.5, 0.75, 0.9, 0.9], atol=1e-12)


def test_collector_work_on_one_of_two_procs():
    rec = Recorder(2)
    rec.interval(1, 3 * MS, 4 * MS, PKind.GC_ASSIST)
    rec.totals.sim_time_ns = 10 * MS
    got = mmu(rec.finish(), [MS // 2, MS, 2 * MS, 10 * MS])
    np.testing.assert_allclose(got, [0.5, 0.5, 0.75, 0.95], atol=1e-12)


def test_fractional_worker_25_percent():
    """One P; the fractional worker runs the first 250 µs of every millisecond for 4 ms."""
    rec = Recorder(1)
    for k in range(4):
        rec.interval(0, k * MS, k * MS + 250 * US, PKind.GC_FRACTIONAL)
        rec.interval(0, k * MS + 250 * US, (k + 1) * MS, PKind.MUTATOR)
    rec.totals.sim_time_ns = 4 * MS
    w = [100 * US, 250 * US, 500 * US, 1 * MS, 1250 * US, 2 * MS, 4 * MS, 8 * MS]
    np.testing.assert_allclose(
        mmu(rec.finish(), w), [0.0, 0.0, 0.5, 0.75, 0.6, 0.75, 0.75, 0.75], atol=1e-12
    )


def test_dedicated_worker_on_one_of_four_procs():
    rec = Recorder(4)
    rec.interval(2, 0, 5 * MS, PKind.GC_DEDICATED)
    rec.totals.sim_time_ns = 5 * MS
    np.testing.assert_allclose(mmu(rec.finish(), [1, 1000, MS, 5 * MS]), 0.75, atol=1e-12)


@pytest.mark.parametrize("kind", [PKind.GC_IDLE, PKind.MUTATOR])
def test_kinds_that_do_not_reduce_utilisation(kind):
    rec = Recorder(2)
    rec.interval(0, 0, 1000, kind)
    rec.interval(1, 200, 700, kind)
    rec.totals.sim_time_ns = 1000
    np.testing.assert_array_equal(mmu(rec.finish(), [1, 100, 1000]), 1.0)


@pytest.mark.parametrize("kind", [PKind.SWEEP, PKind.RC, *list(MMU_GC_KINDS)])
def test_kinds_that_reduce_utilisation(kind):
    rec = Recorder(1)
    rec.interval(0, 100, 300, kind)
    rec.totals.sim_time_ns = 1000
    np.testing.assert_allclose(mmu(rec.finish(), [200, 400, 1000]), [0.0, 0.5, 0.8])


def test_gc_curve_shape():
    rec = Recorder(2)
    rec.interval(0, 10, 30, PKind.GC_ASSIST)
    rec.interval(1, 20, 40, PKind.SWEEP)
    rec.interval(1, 40, 50, PKind.MUTATOR)
    rec.totals.sim_time_ns = 60
    B, G, slope = gc_curve(rec.finish())
    np.testing.assert_array_equal(B, [0, 10, 20, 30, 40, 60])
    np.testing.assert_array_equal(slope, [0, 1, 2, 1, 0, 0])
    np.testing.assert_array_equal(G, [0, 0, 10, 30, 40, 40])


def _random_log(rng, nprocs, T):
    """Per-P random partitions of [0, T) into segments of random kind (or idle)."""
    rec = Recorder(nprocs)
    kinds = [None, *list(PKind)]
    for p in range(nprocs):
        cuts = np.unique(np.concatenate([[0, T], rng.integers(0, T + 1, rng.integers(0, 12))]))
        for s, e in itertools.pairwise(cuts):
            k = kinds[rng.integers(len(kinds))]
            if k is not None:
                rec.interval(p, int(s), int(e), k)
    rec.totals.sim_time_ns = T
    return rec.finish()


def _brute_mmu(log, windows):
    """Reference on a 1 ns grid (exact for integer interval ends and windows)."""
    T, P = log.totals.sim_time_ns, log.nprocs
    occ = np.zeros(T, dtype=np.int64)
    iv = log.intervals
    for s, e, k in zip(iv["start_ns"], iv["end_ns"], iv["kind"], strict=True):
        if k in MMU_GC_KINDS:
            occ[s:e] += 1
    cs = np.concatenate([[0], np.cumsum(occ)])
    out = []
    for w in windows:
        if w >= T:
            out.append(1 - cs[-1] / (T * P))
        else:
            out.append(1 - (cs[w:] - cs[:-w]).max() / (w * P))
    return np.array(out)


def test_exact_mmu_matches_brute_force_on_random_logs():
    rng = np.random.default_rng(20240601)
    for _ in range(60):
        T = int(rng.integers(2, 150))
        log = _random_log(rng, int(rng.integers(1, 5)), T)
        windows = np.arange(1, T + 3)
        np.testing.assert_allclose(mmu(log, windows), _brute_mmu(log, windows), atol=1e-12)


def test_bmu_running_minimum_from_largest_window():
    np.testing.assert_array_equal(bmu([0.5, 0.3, 0.6, 0.4]), [0.3, 0.3, 0.4, 0.4])
    # aligned with unsorted windows
    np.testing.assert_array_equal(
        bmu([0.6, 0.5, 0.4, 0.3], windows_ns=[30, 10, 40, 20]), [0.4, 0.3, 0.4, 0.3]
    )
    assert bmu([]).size == 0


def test_bmu_monotone_and_below_mmu():
    rng = np.random.default_rng(7)
    log = _random_log(rng, 3, 500)
    w = default_windows(500)
    m = mmu(log, w)
    b = bmu(m)
    assert np.all(np.diff(b) >= 0)
    assert np.all(b <= m)
    assert b[-1] == m[-1]


def test_default_windows():
    w = default_windows(1_000_000_000)
    assert w[0] == 10 * US and w[-1] == 1_000_000_000
    assert 35 <= w.size <= 40
    assert w.dtype.kind == "i" and np.all(np.diff(w) > 0)
    short = default_windows(500)
    assert short[0] == 5 and short[-1] == 500 and np.all(np.diff(short) > 0)
    assert default_windows(0).size == 0
    assert default_windows(3).tolist() == [1, 2, 3]


def test_degenerate_inputs():
    rec = Recorder(2)
    np.testing.assert_array_equal(mmu(rec.finish(), [1, 10]), 1.0)  # T = 0
    with pytest.raises(ValueError):
        mmu(_stw_log(), [0, 10])


def _bulk_log(rng, nprocs, n):
    """A RunLog built directly from arrays: n back-to-back intervals per P."""
    ends = np.cumsum(rng.integers(1, 2000, (nprocs, n)), axis=1)
    starts = np.concatenate([np.zeros((nprocs, 1), np.int64), ends[:, :-1]], axis=1)
    kinds = rng.choice([0, 0, 0, 2, 4, 5, 6], (nprocs, n)).astype(np.int8)
    procs = np.repeat(np.arange(nprocs, dtype=np.int16), n)
    intervals = {
        "p": procs,
        "start_ns": starts.ravel(),
        "end_ns": ends.ravel(),
        "kind": kinds.ravel(),
    }
    totals = Totals(sim_time_ns=int(ends.max()), gomaxprocs=nprocs)
    return RunLog(nprocs, [], [], [], intervals, totals)


def test_large_log_is_bounded():
    log = _bulk_log(np.random.default_rng(1), 8, 25_000)  # 200k intervals
    w = default_windows(log.totals.sim_time_ns)
    m = mmu(log, w)
    assert m.shape == w.shape
    assert np.all((m >= 0) & (m <= 1))
    assert m[0] < m[-1]
    assert np.all(bmu(m) <= m)
