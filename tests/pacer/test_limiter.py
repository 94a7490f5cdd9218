"""Go 1.19's GC CPU limiter (runtime/mgclimit.go): the port of Go's TestGCCPULimiter
(mgclimit_test.go) with Go's assertions, the per-P events, the mark-phase 25% assumption
and idle accounting, and the deprecated pre-port ``CpuLimiter`` interface the concurrent
collector still uses."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework.pacer.limiter import (
    CAPACITY_PER_PROC_NS,
    UPDATE_PERIOD_NS,
    CpuLimiter,
    GcCpuLimiter,
    LimiterError,
    LimiterEvent,
)

GC_BACKGROUND_UTILIZATION = 0.25
MS = 1_000_000  # time.Millisecond
US = 1_000  # time.Microsecond
SECOND = 1_000_000_000
HOUR = 3600 * SECOND


def test_gc_cpu_limiter():
    """Go: TestGCCPULimiter, assertion for assertion."""
    procs = 14
    ticks = 0

    def advance(d: int) -> int:
        nonlocal ticks
        ticks += d
        return ticks

    def assist_time(d: int, frac: float) -> int:
        """CPU time for assists using ``frac`` of GOMAXPROCS over wall-clock ``d``."""
        return int(frac * float(d) * procs)

    cap = CAPACITY_PER_PROC_NS
    lim = GcCpuLimiter(ticks, procs)

    # Do the whole test twice to make sure state doesn't leak across.
    base_overflow = 0
    for _ in range(2):
        assert lim.capacity == procs * cap, f"unexpected capacity: {lim.capacity}"
        assert lim.fill == 0, "expected empty bucket to start"

        # Filling the bucket with just mutator time.
        lim.update(advance(10 * MS))
        lim.update(advance(1 * SECOND))
        lim.update(advance(1 * HOUR))
        assert lim.fill == 0, "expected empty bucket from only accumulating mutator time"

        # needUpdate.
        assert not lim.need_update(advance(UPDATE_PERIOD_NS // 2)), "updated half a period ago"
        assert lim.need_update(advance(UPDATE_PERIOD_NS)), "updated 1.5 periods ago"
        lim.update(advance(0))
        assert not lim.need_update(advance(0)), "need update even though just updated"

        # Transitioning the bucket to enable the GC.
        lim.start_gc_transition(True, advance(109 * MS))
        lim.finish_gc_transition(advance(2 * MS + 1 * US))
        expect = (2 * MS + 1 * US) * procs
        assert lim.fill == expect

        # Time without assists during a GC: just enough to drain the bucket to exactly
        # procs nanoseconds. window = (fill - n) / (procs * (1 - 2*gcBackgroundUtilization)).
        factor = 1 / (1 - 2 * GC_BACKGROUND_UTILIZATION)
        fill = (2 * MS + 1 * US) * procs
        lim.update(advance(int(factor * float(fill - procs) / procs)))
        assert lim.fill == procs, "expected fill procs cpu-ns from draining after a GC started"

        # Drain to zero for the rest of the test.
        lim.update(advance(2 * procs * cap))
        assert lim.fill == 0, "expected empty bucket from draining"

        # 50% total GC work does not move the bucket.
        lim.add_assist_time(assist_time(10 * MS, 0.5 - GC_BACKGROUND_UTILIZATION))
        lim.update(advance(10 * MS))
        assert lim.fill == 0, "expected empty bucket from 50% GC work"

        # 100% GC work adds to the bucket.
        lim.add_assist_time(assist_time(1 * MS, 1.0 - GC_BACKGROUND_UTILIZATION))
        lim.update(advance(1 * MS))
        assert lim.fill == procs * MS, "expected fill from 100% GC CPU"
        assert not lim.limiting, "limiter is enabled after filling bucket but shouldn't be"

        # Filling the bucket exactly full.
        lim.add_assist_time(assist_time(cap - 1 * MS, 1.0 - GC_BACKGROUND_UTILIZATION))
        lim.update(advance(cap - 1 * MS))
        assert lim.fill == lim.capacity, "expected bucket filled to capacity"
        assert lim.limiting, "limiter is not enabled after filling bucket but should be"
        assert lim.overflow == 0 + base_overflow, "bucket filled exactly should not overflow"

        # A delta of exactly zero (GC exactly 50%): still on, no overflow.
        lim.add_assist_time(assist_time(1 * SECOND, 0.5 - GC_BACKGROUND_UTILIZATION))
        lim.update(advance(1 * SECOND))
        assert lim.fill == lim.capacity, "expected bucket filled to capacity"
        assert lim.limiting, "limiter is not enabled after filling bucket but should be"
        assert lim.overflow == 0 + base_overflow, "bucket filled exactly should not overflow"

        # Drain the bucket by half.
        lim.add_assist_time(assist_time(cap, 0))
        lim.update(advance(cap))
        assert lim.fill == lim.capacity // 2, "failed to drain to half"
        assert not lim.limiting, "limiter is enabled after draining bucket but shouldn't be"

        # Overfilling the bucket.
        lim.add_assist_time(assist_time(cap, 1.0 - GC_BACKGROUND_UTILIZATION))
        lim.update(advance(cap))
        assert lim.fill == lim.capacity, "failed to fill to capacity"
        assert lim.limiting, "limiter is not enabled after overfill but should be"
        assert lim.overflow == cap * procs // 2 + base_overflow, "overflow after overfill"

        # Ending the cycle with some assists left over.
        lim.add_assist_time(assist_time(1 * MS, 1.0 - GC_BACKGROUND_UTILIZATION))
        lim.start_gc_transition(False, advance(1 * MS))
        assert lim.fill == lim.capacity, "failed to maintain fill to capacity"
        assert lim.limiting, "limiter is not enabled after overfill but should be"
        assert lim.overflow == (cap // 2 + 1 * MS) * procs + base_overflow

        # The STW adds to the bucket.
        lim.finish_gc_transition(advance(5 * MS))
        assert lim.fill == lim.capacity, "failed to maintain fill to capacity"
        assert lim.limiting, "limiter is not enabled after overfill but should be"
        assert lim.overflow == (cap // 2 + 6 * MS) * procs + base_overflow

        # Resize procs up: limiting stops.
        expect_fill = lim.capacity
        lim.reset_capacity(advance(0), procs + 10)
        assert lim.fill == expect_fill, "failed to maintain fill at old capacity"
        assert not lim.limiting, "limiter is enabled after resetting capacity higher"
        assert lim.overflow == (cap // 2 + 6 * MS) * procs + base_overflow

        # Resize procs down: limiting begins again; overflow is not affected.
        lim.reset_capacity(advance(0), procs - 10)
        assert lim.fill == lim.capacity, "failed lower fill to new capacity"
        assert lim.limiting, "limiter is disabled after resetting capacity lower"
        assert lim.overflow == (cap // 2 + 6 * MS) * procs + base_overflow

        # Get back to a zero state. The top of the loop will double check.
        lim.reset_capacity(advance(cap * procs), procs)

        # Track total overflow for future iterations.
        base_overflow += (cap // 2 + 6 * MS) * procs


# --- beyond Go's test: events, the mark phase, idle time ------------------------------------


def marking(nprocs: int = 4, now: int = 0) -> GcCpuLimiter:
    """A limiter in the mark phase, its transition taking no time."""
    lim = GcCpuLimiter(now, nprocs)
    lim.start_gc_transition(True, now)
    lim.finish_gc_transition(now)
    assert lim.gc_enabled and lim.fill == 0
    return lim


def test_mark_phase_assumes_25_percent_background():
    # 4 Ps, 10 ms in the mark phase, no assist, no idle: GC 25%, mutator 75% -> no fill;
    # assists for half the next window make GC 0.25W + 0.5W = 0.75W against 0.25W.
    lim = marking()
    w = 4 * 10 * MS
    lim.update(10 * MS)
    assert lim.fill == 0
    lim.add_assist_time(w // 2)
    lim.update(20 * MS)
    assert lim.fill == (w // 4 + w // 2) - (w - w // 4 - w // 2)
    # outside the mark phase the same assist time is not topped up by 25%
    lim = GcCpuLimiter(0, 4)
    lim.add_assist_time(w // 2)
    lim.update(10 * MS)
    assert lim.fill == 0


def test_idle_is_subtracted_after_the_25_percent():
    # Go's comment: idle time can turn the limiter on although the GC has CPU to spare.
    # 4 Ps, mark phase, 60% of the window idle (idle Ps or idle mark workers), no
    # assists: GC = 0.25 * W (of the full window), mutator = 0.4W - 0.25W -> fill +0.1W.
    lim = marking()
    w = 4 * 10 * MS
    lim.add_idle_time(w * 6 // 10)
    lim.update(10 * MS)
    assert lim.fill == w // 4 - (w - w * 6 // 10 - w // 4) == w // 10
    # with 50% idle the two balance
    lim = marking()
    lim.add_idle_time(w // 2)
    lim.update(10 * MS)
    assert lim.fill == 0


def test_in_flight_events_are_consumed_by_update():
    lim = marking(nprocs=2)
    assert lim.start_event(0, LimiterEvent.MARK_ASSIST, 1 * MS)
    assert not lim.start_event(0, LimiterEvent.MARK_ASSIST, 1 * MS)  # one per P
    assert lim.start_event(1, LimiterEvent.IDLE, 0)
    lim.update(10 * MS)
    # window 20 ms: GC = 5 ms (25%) + 9 ms assist; idle 10 ms; mutator = 10 - 14 < 0
    assert lim.fill == 14 * MS - (20 * MS - 10 * MS - 14 * MS)
    assert lim.event_in_flight(0) == LimiterEvent.MARK_ASSIST
    # stopping accounts only the time since the update consumed it
    lim.stop_event(0, LimiterEvent.MARK_ASSIST, 12 * MS)
    assert lim.assist_time_pool == 2 * MS
    lim.stop_event(1, LimiterEvent.IDLE, 12 * MS)
    assert lim.idle_time_pool == 2 * MS
    assert lim.event_in_flight(0) == LimiterEvent.NONE


def test_idle_mark_work_event_counts_as_idle():
    lim = marking(nprocs=1)
    lim.start_event(0, LimiterEvent.IDLE_MARK_WORK, 0)
    lim.stop_event(0, LimiterEvent.IDLE_MARK_WORK, 3 * MS)
    assert lim.idle_time_pool == 3 * MS and lim.assist_time_pool == 0
    lim.start_event(0, LimiterEvent.SCAVENGE_ASSIST, 3 * MS)
    lim.stop_event(0, LimiterEvent.SCAVENGE_ASSIST, 4 * MS)
    assert lim.assist_time_pool == 1 * MS


def test_stop_event_of_another_kind_throws():
    lim = GcCpuLimiter(0, 1)
    lim.start_event(0, LimiterEvent.IDLE, 0)
    with pytest.raises(LimiterError):
        lim.stop_event(0, LimiterEvent.MARK_ASSIST, 1)


def test_transitions_hold_the_limiter():
    lim = GcCpuLimiter(0, 2)
    with pytest.raises(LimiterError):
        lim.start_gc_transition(False, 0)  # the GC is already off
    with pytest.raises(LimiterError):
        lim.finish_gc_transition(0)  # none started
    lim.start_gc_transition(True, 5 * MS)
    lim.add_assist_time(1 * SECOND)
    lim.update(6 * MS)  # dropped: the transition holds the lock
    assert lim.assist_time_pool == 1 * SECOND and lim.last_update == 5 * MS
    with pytest.raises(LimiterError):
        lim.reset_capacity(6 * MS, 4)
    with pytest.raises(LimiterError):
        lim.start_gc_transition(False, 6 * MS)
    lim.finish_gc_transition(7 * MS)  # the 2 ms pause on 2 Ps is GC time
    assert lim.fill == 2 * 2 * MS
    assert lim.gc_enabled and not lim.transitioning


def test_last_enabled_cycle_is_numgc_plus_one():
    lim = GcCpuLimiter(0, 1)
    for cycle in range(3):  # three whole cycles, limiter off
        lim.start_gc_transition(True, cycle * 10 * SECOND)
        lim.finish_gc_transition(cycle * 10 * SECOND)
        lim.start_gc_transition(False, cycle * 10 * SECOND + 1)
        lim.finish_gc_transition(cycle * 10 * SECOND + 1)
    assert lim.numgc == 3 and lim.last_enabled_cycle == 0
    lim.start_gc_transition(True, 30 * SECOND)
    lim.finish_gc_transition(30 * SECOND)
    lim.add_assist_time(2 * SECOND)
    lim.update(31 * SECOND)
    assert lim.limiting and lim.last_enabled_cycle == 4  # the 4th cycle, in progress


def test_need_update_is_strictly_past_the_period():
    lim = GcCpuLimiter(0, 1)
    assert not lim.need_update(UPDATE_PERIOD_NS)
    assert lim.need_update(UPDATE_PERIOD_NS + 1)


# --- the deprecated pre-port interface (measured GC time, no transitions) ------------------

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
