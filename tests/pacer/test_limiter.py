"""Go 1.19's GC CPU limiter (docs/go-reference.md §6): a leaky bucket of capacity
``nprocs * 1 s``, filled by GC CPU and drained by mutator CPU, engaged once full."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework.pacer.limiter import CAPACITY_PER_PROC_NS, UPDATE_PERIOD_NS, CpuLimiter

PERIOD = UPDATE_PERIOD_NS  # 10 ms


def feed(lim: CpuLimiter, gc_frac: float, n: int, idle_frac: float = 0.0) -> list[bool]:
    """``n`` update periods in which GC uses ``gc_frac`` of all Ps' time (idle_frac idle)."""
    seen = []
    for _ in range(n):
        now = lim.last_ns + PERIOD
        window = PERIOD * lim.nprocs
        lim.update(now, gc_frac * window, idle_frac * window)
        seen.append(lim.limiting)
    return seen


def periods_to_fill(nprocs: int, gc_frac: float, idle_frac: float = 0.0) -> float:
    window = PERIOD * nprocs
    per_update = gc_frac * window - (1 - gc_frac - idle_frac) * window
    return nprocs * CAPACITY_PER_PROC_NS / per_update


def test_capacity_is_one_second_per_p():
    assert CpuLimiter(4).capacity == 4e9
    assert CpuLimiter(1).capacity == CAPACITY_PER_PROC_NS == 1e9


def test_due_every_10ms():
    lim = CpuLimiter(2)
    assert not lim.due(PERIOD - 1)
    assert lim.due(PERIOD)
    lim.update(PERIOD, 0.0, 0.0)
    assert not lim.due(2 * PERIOD - 1)
    assert lim.due(2 * PERIOD)


@pytest.mark.parametrize("nprocs", [1, 2, 8])
@pytest.mark.parametrize("gc_frac", [0.6, 0.75, 1.0])
def test_engages_above_half_once_bucket_full(nprocs, gc_frac):
    lim = CpuLimiter(nprocs)
    need = periods_to_fill(nprocs, gc_frac)  # e.g. 60%: fill 0.2 * window per period
    n_fill = int(need + 0.999999)
    seen = feed(lim, gc_frac, n_fill + 5)
    first = seen.index(True)
    # it engages exactly when the bucket reaches capacity, not before
    assert first + 1 == pytest.approx(need, abs=1.0)
    assert not any(seen[:first])
    assert all(seen[first:])
    assert lim.fill == lim.capacity
    assert lim.enabled_count == len(seen) - first


def test_60_percent_takes_nprocs_seconds_over_fill_rate():
    # 2 Ps at 60% GC: net fill 0.2 * 20 ms = 4 ms per 10 ms update -> 2 s / 4 ms = 500 updates
    lim = CpuLimiter(2)
    seen = feed(lim, 0.6, 499)
    assert not any(seen)
    assert lim.fill == pytest.approx(499 * 0.2 * 2 * PERIOD)
    feed(lim, 0.6, 1)
    assert lim.limiting


@pytest.mark.parametrize("gc_frac", [0.0, 0.25, 0.4, 0.5])
def test_never_engages_at_or_below_half(gc_frac):
    lim = CpuLimiter(4)
    seen = feed(lim, gc_frac, 5000)  # 50 s simulated
    assert not any(seen)
    assert lim.enabled_count == 0
    assert lim.fill == 0.0


def test_40_percent_after_bursts_drains():
    lim = CpuLimiter(2)
    feed(lim, 0.9, 100)  # part-fill the bucket
    assert 0 < lim.fill < lim.capacity and not lim.limiting
    feed(lim, 0.4, 10_000)
    assert lim.fill == 0.0 and not lim.limiting


def test_disengages_when_mutator_dominates_again():
    lim = CpuLimiter(2)
    feed(lim, 0.9, int(periods_to_fill(2, 0.9)) + 10)
    assert lim.limiting
    count = lim.enabled_count
    seen = feed(lim, 0.2, 1)
    assert seen == [False]
    assert lim.fill < lim.capacity
    assert not any(feed(lim, 0.2, 50))
    assert lim.enabled_count == count
    # and it re-engages only after refilling what was drained
    drained = lim.capacity - lim.fill
    seen = feed(lim, 0.9, int(drained / (0.8 * 2 * PERIOD)) + 2)
    assert not seen[0]
    assert seen[-1]


def test_idle_time_is_neither_gc_nor_mutator():
    # GC 30%, idle 70%: no mutator time drains the bucket, so it fills and engages.
    lim = CpuLimiter(2)
    need = periods_to_fill(2, 0.3, idle_frac=0.7)
    seen = feed(lim, 0.3, int(need) + 2, idle_frac=0.7)
    assert seen[-1]
    assert not any(seen[: int(need) - 1])
    # GC 30%, idle 40%, mutator 30%: balanced, never fills.
    lim = CpuLimiter(2)
    assert not any(feed(lim, 0.3, 2000, idle_frac=0.4))


def test_long_window_counts_whole_time():
    # One update covering 3 s on 1 P at 80% GC: +1.8 s, capped at the 1 s capacity.
    lim = CpuLimiter(1)
    lim.update(3e9, 0.8 * 3e9, 0.0)
    assert lim.limiting and lim.fill == lim.capacity


@settings(deadline=None)
@given(
    nprocs=st.integers(1, 16),
    fracs=st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=300),
)
def test_fill_stays_in_bucket_and_enabled_means_full(nprocs, fracs):
    lim = CpuLimiter(nprocs)
    for f in fracs:
        now = lim.last_ns + 50 * PERIOD
        window = 50 * PERIOD * nprocs
        lim.update(now, f * window, 0.0)
        assert 0.0 <= lim.fill <= lim.capacity
        assert lim.limiting == (lim.fill == lim.capacity)
        if f < 0.5:
            assert not lim.limiting
