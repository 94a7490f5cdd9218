"""Go 1.19's pacer (docs/go-reference.md §1-§5): goal, trigger bounds, GOGC=off and the
memory limit, the dedicated/fractional worker split, the PI-controlled cons/mark estimate,
the assist ratio (revise), and the fixed-ratio baseline pacer."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework.pacer.base import NonHeap, Workers, background_workers
from framework.pacer.fixed import FixedParams, FixedRatioPacer
from framework.pacer.go119 import Go119Pacer, Go119Params, PIController, go_uint64

KiB = 1 << 10
MiB = 1 << 20

MARKED = 100 * MiB
HEAP_SCAN = 48 * MiB
STACK = 10 * MiB
GLOBALS = 6 * MiB
SCAN = HEAP_SCAN + STACK + GLOBALS  # 64 MiB: lastHeapScan + lastStackScan + globalsScan
GOAL = 216 * MiB  # 100 + (100 + 10 + 6) * 100/100
STEP = (GOAL - MARKED) // 64  # Go: integer division before the multiply
LOWER = MARKED + STEP * 45
UPPER_61 = MARKED + STEP * 61


def pacer_after_cycle(gogc=100, cons_mark=0.0, **kw) -> Go119Pacer:
    p = Go119Pacer(Go119Params(gogc=gogc, **kw))
    p.reset_live(MARKED, HEAP_SCAN, STACK, GLOBALS)
    p.cons_mark = cons_mark
    p.commit(heap_live=MARKED, sweep_done=True)
    return p


# --- first cycle --------------------------------------------------------------------------


def test_first_cycle_goal_is_heap_minimum_and_trigger_61_64ths():
    p = Go119Pacer(Go119Params(gogc=100))
    assert p.goal() == 4 * MiB
    trig, goal = p.trigger()
    assert goal == 4 * MiB
    assert trig == 0 + (4 * MiB // 64) * 61 == int(3.8125 * MiB)
    assert p.runway == 0.0 and p.cons_mark == 0.0


@pytest.mark.parametrize("gogc", [50, 200])
def test_first_cycle_heap_minimum_scales_with_gogc(gogc):
    p = Go119Pacer(Go119Params(gogc=gogc))
    assert p.goal() == 4 * MiB * gogc // 100
    trig, _ = p.trigger()
    assert trig == (4 * MiB * gogc // 100 // 64) * 61


# --- goal and trigger after a cycle -------------------------------------------------------


def test_goal_counts_stacks_and_globals():
    p = pacer_after_cycle()
    assert p.goal() == GOAL
    assert p.triggered is None  # reset_live clears it (Go: triggered = MaxUint64)


def test_trigger_with_zero_cons_mark_is_upper_bound():
    p = pacer_after_cycle(cons_mark=0.0)
    assert p.runway == 0.0
    trig, goal = p.trigger()
    assert goal == GOAL
    # the large-heap rule: goal - 4 MiB (212 MiB) beats 61/64 of the runway (~210.6 MiB)
    assert GOAL - 4 * MiB > UPPER_61
    assert trig == max(UPPER_61, GOAL - 4 * MiB) == 212 * MiB


def test_trigger_upper_bound_61_64ths_when_heap_is_small():
    # goal - 4 MiB below 61/64: marked 8 MiB, goal 16 MiB -> max trigger 8 + 61/64 * 8 MiB
    p = Go119Pacer(Go119Params(gogc=100))
    p.reset_live(8 * MiB, 4 * MiB, 0, 0)
    p.commit(heap_live=8 * MiB, sweep_done=True)
    trig, goal = p.trigger()
    assert goal == 16 * MiB
    assert trig == 8 * MiB + (8 * MiB // 64) * 61


def test_trigger_with_large_cons_mark_clamps_to_lower_bound():
    p = pacer_after_cycle(cons_mark=10.0)
    assert p.runway > GOAL
    trig, goal = p.trigger()
    assert goal == GOAL
    assert trig == LOWER == MARKED + ((GOAL - MARKED) // 64) * 45


def test_trigger_with_mid_cons_mark_is_goal_minus_runway():
    # runway = consMark * (1 - 0.25) / 0.25 * scan = 0.125 * 3 * 64 MiB = 24 MiB (exact)
    p = pacer_after_cycle(cons_mark=0.125)
    assert p.runway == 24 * MiB
    trig, goal = p.trigger()
    assert goal == GOAL
    assert LOWER < trig < GOAL - 4 * MiB
    assert trig == GOAL - 24 * MiB == 192 * MiB


def test_runway_is_three_times_cons_mark_times_scan():
    p = pacer_after_cycle(cons_mark=0.37)
    assert p.runway == pytest.approx(3 * 0.37 * SCAN, rel=1e-12, abs=1)
    # Go: uint64(consMark * (1 - 0.25) / 0.25 * scan) truncates to whole bytes
    assert p.runway == int(0.37 * 0.75 / 0.25 * SCAN)
    assert isinstance(p.runway, int)


def test_negative_cons_mark_wraps_the_runway_as_go_on_amd64():
    # Go: runway = uint64(negative float), which wraps on amd64 (2**64 - 5 for -5.0), so
    # runway > goal and the trigger is the lower bound.
    p = pacer_after_cycle(cons_mark=-2.0)
    assert p.runway == (1 << 64) + int(-2.0 * 0.75 / 0.25 * SCAN)
    assert p.runway > GOAL
    assert p.trigger()[0] == LOWER


@pytest.mark.parametrize(
    ("x", "expect"),
    [
        (0.0, 0),
        (12.9, 12),
        (-0.5, 0),
        (-5.0, (1 << 64) - 5),
        (-3.3e6, (1 << 64) - 3_300_000),
        (-1e30, 1 << 63),
        (float("nan"), 1 << 63),
    ],
)
def test_go_uint64_conversion(x, expect):
    assert go_uint64(x) == expect


def test_commit_is_what_moves_the_trigger():
    # The runway is fixed at commit; changing cons_mark alone does not move the trigger.
    p = pacer_after_cycle(cons_mark=0.0)
    p.cons_mark = 10.0
    assert p.trigger()[0] == 212 * MiB
    p.commit(heap_live=MARKED, sweep_done=True)
    assert p.trigger()[0] == LOWER


@settings(deadline=None)
@given(cons=st.floats(0, 50, allow_nan=False))
def test_trigger_always_between_bounds(cons):
    p = pacer_after_cycle(cons_mark=cons)
    trig, goal = p.trigger()
    assert goal == GOAL
    assert LOWER <= trig <= GOAL - 4 * MiB
    expect = min(max(int(GOAL - p.runway) if p.runway <= GOAL else LOWER, LOWER), 212 * MiB)
    assert trig == expect


def test_unfinished_sweep_raises_goal_and_min_trigger():
    # Go: sweepDistMinTrigger = heapLive + 1 MiB while sweeping is not done.
    p = Go119Pacer(Go119Params(gogc=100))
    p.reset_live(MARKED, HEAP_SCAN, STACK, GLOBALS)
    p.commit(heap_live=300 * MiB, sweep_done=False)
    trig, goal = p.trigger()
    assert goal == 301 * MiB
    assert trig == 301 * MiB


def test_min_runway_above_triggered():
    p = pacer_after_cycle()
    p.triggered = GOAL  # pretend the cycle triggered at the goal
    assert p.goal() == GOAL + 64 * KiB


# --- GOGC=off and the memory limit --------------------------------------------------------


def nonheap(non_heap: int, heap_alloc: int = 20 * MiB, heap_free: int = 4 * MiB) -> NonHeap:
    return NonHeap(
        ready_bytes=non_heap + heap_alloc + heap_free,
        heap_free_bytes=heap_free,
        heap_alloc_bytes=heap_alloc,
    )


def test_gogc_off_has_no_goal_and_no_trigger():
    p = Go119Pacer(Go119Params(gogc="off"))
    assert p.goal() is None
    assert p.trigger() == (None, None)
    p.reset_live(MARKED, HEAP_SCAN, STACK, GLOBALS)
    p.commit(heap_live=MARKED, sweep_done=True)
    assert p.goal() is None
    assert p.trigger() == (None, None)
    assert p.goal(nonheap(10 * MiB)) is None  # no limit: the NonHeap changes nothing


def test_gogc_off_with_memory_limit_goal_from_limit():
    p = Go119Pacer(Go119Params(gogc="off", memory_limit_mib=64))
    nh = nonheap(10 * MiB)
    assert p.goal(nh) == 64 * MiB - 10 * MiB - 1 * MiB
    trig, goal = p.trigger(nh)
    assert goal == 53 * MiB
    # memory-limit regime: minTrigger 0, heapMarked 0 -> upper bound goal - 4 MiB
    assert trig == max((53 * MiB // 64) * 61, 49 * MiB)


def test_memory_limit_goal_floored_at_heap_marked():
    p = Go119Pacer(Go119Params(gogc="off", memory_limit_mib=64))
    p.reset_live(60 * MiB, 30 * MiB, 0, 0)
    p.commit(heap_live=60 * MiB, sweep_done=True)
    nh = nonheap(10 * MiB)  # limit goal 53 MiB < marked
    assert p.goal(nh) == 60 * MiB
    assert p.trigger(nh) == (60 * MiB, 60 * MiB)  # heapMarked >= goal: trigger at goal


def test_memory_limit_goal_when_non_heap_exceeds_limit():
    p = Go119Pacer(Go119Params(gogc="off", memory_limit_mib=64))
    p.reset_live(5 * MiB, 1 * MiB, 0, 0)
    p.commit(heap_live=5 * MiB, sweep_done=True)
    assert p.goal(nonheap(64 * MiB)) == 5 * MiB
    assert p.goal(nonheap(80 * MiB)) == 5 * MiB


def test_memory_limit_goal_counts_overage():
    # ready 80 MiB > limit 64 MiB: overage 16 MiB is subtracted as well.
    p = Go119Pacer(Go119Params(gogc="off", memory_limit_mib=64))
    nh = NonHeap(ready_bytes=80 * MiB, heap_free_bytes=10 * MiB, heap_alloc_bytes=60 * MiB)
    assert p.goal(nh) == 64 * MiB - (10 * MiB + 16 * MiB) - 1 * MiB


def test_memory_limit_goal_tiny_headroom():
    # limit - nonHeap below 2 MiB: the goal is 1 MiB (then floored at heapMarked).
    p = Go119Pacer(Go119Params(gogc="off", memory_limit_mib=64))
    nh = nonheap(62 * MiB + 512 * KiB, heap_alloc=512 * KiB, heap_free=0)  # ready 63 MiB
    assert p.goal(nh) == 1 * MiB


def test_memory_limit_lower_than_gogc_goal_wins():
    p = pacer_after_cycle(memory_limit_mib=150)
    nh = nonheap(10 * MiB)
    assert p.goal(nh) == 150 * MiB - 10 * MiB - 1 * MiB < GOAL
    trig, goal = p.trigger(nh)
    assert goal == 139 * MiB
    step = (139 * MiB - MARKED) // 64
    assert 139 * MiB - 4 * MiB < MARKED + step * 61
    assert trig == MARKED + step * 61  # runway 0: the 61/64 upper bound
    assert p.goal() == GOAL  # without the non-heap figures the limit is not evaluated


def test_memory_limit_higher_than_gogc_goal_is_ignored():
    p = pacer_after_cycle(memory_limit_mib=1000)
    assert p.goal(nonheap(10 * MiB)) == GOAL
    assert p.trigger(nonheap(10 * MiB)) == (212 * MiB, GOAL)


# --- workers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("procs", "dedicated", "fractional"),
    [
        (1, 0, 0.25),
        (2, 0, 0.25),
        (3, 0, 0.25),
        (4, 1, 0.0),
        (5, 1, 0.0),  # 20%: error -0.2 is within maxUtilError
        (6, 1, (1.5 - 1) / 6),
        (7, 2, 0.0),
        (8, 2, 0.0),
        (16, 4, 0.0),
    ],
)
def test_background_workers(procs, dedicated, fractional):
    w = background_workers(procs)
    assert w.dedicated == dedicated
    assert w.fractional_goal == pytest.approx(fractional, abs=1e-12)
    assert Go119Pacer(Go119Params()).workers(procs) == w


@settings(deadline=None)
@given(procs=st.integers(1, 256))
def test_background_utilization_within_30_percent(procs):
    w = background_workers(procs)
    assert isinstance(w, Workers)
    assert w.dedicated >= 0 and w.fractional_goal >= 0
    total = w.dedicated + w.fractional_goal * procs
    assert total == pytest.approx(0.25 * procs, rel=0.3)


# --- the PI controller --------------------------------------------------------------------


@pytest.mark.parametrize("m", [1.0, 0.37, 12.5])
def test_pi_controller_cold_start_sequence(m):
    pi = PIController()
    est = 0.0
    outs = []
    for _ in range(9):
        est, ok = pi.next(est, m, 1.0)
        assert ok
        outs.append(est / m)
    expect = [0.9, 0.315, 0.864, 0.524, 0.861, 0.665, 0.872, 0.761, 0.89]
    assert outs == pytest.approx(expect, abs=1.5e-3)
    assert outs[0] == pytest.approx(0.9, rel=1e-12)
    assert outs[1] == pytest.approx(0.315, rel=1e-12)


def test_pi_controller_converges():
    pi = PIController()
    est = 0.0
    m = 2.5
    for _ in range(60):
        est, ok = pi.next(est, m, 1.0)
        assert ok
    assert est == pytest.approx(m, rel=0.05)


def test_pi_controller_clamps_and_recovers_from_nan():
    pi = PIController()
    out, ok = pi.next(0.0, 1e9, 1.0)
    assert ok and out == 1000.0
    pi = PIController()
    out, ok = pi.next(0.0, float("inf"), 1.0)
    assert not ok and out == -1000.0 and pi.err_integral == 0.0


def test_end_cycle_measures_cons_mark_and_smooths_it():
    p = pacer_after_cycle(cons_mark=0.0)
    p.start_cycle()
    assert p.triggered == 212 * MiB
    heap_live = p.triggered + 8 * MiB
    mark_ns, assist_ns, idle_ns, procs, scan = 1e6, 2e5, 4e5, 4, 40 * MiB
    p.end_cycle(
        heap_live=heap_live,
        mark_ns=mark_ns,
        assist_ns=assist_ns,
        idle_ns=idle_ns,
        scan_work=scan,
        nprocs=procs,
    )
    u = 0.25 + assist_ns / (mark_ns * procs)
    u_id = idle_ns / (mark_ns * procs)
    current = (heap_live - 212 * MiB) * (u + u_id) / (scan * (1 - u))
    assert p.state()["cons_mark_measured"] == pytest.approx(current, rel=1e-12)
    assert p.cons_mark == pytest.approx(0.9 * current, rel=1e-12)


def test_end_cycle_ignored_when_heap_did_not_pass_trigger():
    p = pacer_after_cycle(cons_mark=0.5)
    p.start_cycle()
    p.end_cycle(
        heap_live=p.triggered,
        mark_ns=1e6,
        assist_ns=0,
        idle_ns=0,
        scan_work=MiB,
        nprocs=2,
    )
    assert p.cons_mark == 0.5


# --- assist ratio (revise) ----------------------------------------------------------------


def marking_pacer() -> Go119Pacer:
    """A cycle started after the standard one: triggered 212 MiB, goal 216 MiB,
    expected scan work 64 MiB."""
    p = pacer_after_cycle()
    p.start_cycle()
    assert p.triggered == 212 * MiB
    assert p.goal() == GOAL
    return p


def test_assist_ratio_on_schedule():
    p = marking_pacer()
    done, live = 10 * MiB, 213 * MiB
    wpb, bpw = p.assist_ratio(done, live, HEAP_SCAN, STACK)
    assert wpb == pytest.approx((SCAN - done) / (GOAL - live), rel=1e-12)
    assert wpb == pytest.approx(18.0, rel=1e-12)
    assert bpw == pytest.approx(1 / wpb, rel=1e-12)


def test_assist_ratio_extrapolates_when_work_exceeds_expected():
    p = marking_pacer()
    heap_scan, max_stack = 80 * MiB, 20 * MiB
    max_scan = heap_scan + max_stack + GLOBALS  # 106 MiB
    done, live = 70 * MiB, 214 * MiB
    wpb, bpw = p.assist_ratio(done, live, heap_scan, max_stack)
    ext = (GOAL - 212 * MiB) / SCAN * max_scan + 212 * MiB  # 218.625 MiB
    assert ext < 2 * GOAL
    assert wpb == pytest.approx((max_scan - done) / (ext - live), rel=1e-12)
    assert bpw == pytest.approx((ext - live) / (max_scan - done), rel=1e-12)


@pytest.mark.parametrize("gogc", [100, 50])
def test_assist_ratio_extrapolation_capped_at_hard_goal(gogc):
    p = Go119Pacer(Go119Params(gogc=gogc))
    p.reset_live(MARKED, HEAP_SCAN, STACK, GLOBALS)
    p.commit(heap_live=MARKED, sweep_done=True)
    p.start_cycle()
    goal = p.goal()
    triggered = p.triggered
    heap_scan = 40_000 * MiB  # a huge heap-scan estimate: extrapolation runs away
    max_scan = heap_scan + GLOBALS
    ext = (goal - triggered) / SCAN * max_scan + triggered
    hard = (1 + gogc / 100) * goal
    assert ext > hard
    done, live = 70 * MiB, goal + 10 * MiB
    wpb, _ = p.assist_ratio(done, live, heap_scan, 0)
    assert wpb == pytest.approx((max_scan - done) / (hard - live), rel=1e-12)


def test_assist_ratio_over_goal_allows_10_percent_overshoot():
    p = marking_pacer()
    heap_scan, max_stack = 60 * MiB, 10 * MiB
    max_scan = heap_scan + max_stack + GLOBALS  # 76 MiB
    done, live = 10 * MiB, 220 * MiB
    wpb, _ = p.assist_ratio(done, live, heap_scan, max_stack)
    # Go: heapGoal = int64(float64(heapGoal) * maxOvershoot), truncated to whole bytes
    assert wpb == (max_scan - done) / (int(GOAL * 1.1) - live)
    assert wpb == pytest.approx(66 / 17.6, rel=1e-7)


def test_assist_ratio_minimum_remaining_work():
    p = marking_pacer()
    done, live = SCAN - 10, 213 * MiB
    wpb, bpw = p.assist_ratio(done, live, HEAP_SCAN, STACK)
    assert wpb == pytest.approx(1000 / (3 * MiB), rel=1e-12)
    assert bpw == pytest.approx(3 * MiB / 1000, rel=1e-12)


def test_assist_ratio_heap_remaining_at_least_one_byte():
    p = marking_pacer()
    wpb, _ = p.assist_ratio(10 * MiB, GOAL, HEAP_SCAN, STACK)
    assert wpb == pytest.approx(SCAN - 10 * MiB, rel=1e-12)


@settings(deadline=None)
@given(
    done=st.integers(0, 200 * MiB),
    live=st.integers(MARKED, 400 * MiB),
    heap_scan=st.integers(0, 200 * MiB),
)
def test_assist_ratio_positive_and_reciprocal(done, live, heap_scan):
    p = marking_pacer()
    wpb, bpw = p.assist_ratio(done, live, heap_scan, STACK)
    assert wpb > 0 and bpw > 0
    assert wpb * bpw == pytest.approx(1.0, rel=1e-9)


# --- the fixed-ratio pacer ----------------------------------------------------------------


@pytest.mark.parametrize("ratio", [0.5, 0.7, 0.95, 1.0])
def test_fixed_ratio_trigger(ratio):
    p = FixedRatioPacer(FixedParams(gogc=100, trigger_ratio=ratio))
    p.reset_live(MARKED, HEAP_SCAN, STACK, GLOBALS)
    p.commit(heap_live=MARKED, sweep_done=True)
    trig, goal = p.trigger()
    assert goal == GOAL
    assert trig == MARKED + int(ratio * (GOAL - MARKED))


def test_fixed_ratio_first_cycle_and_gogc_off():
    p = FixedRatioPacer(FixedParams(gogc=100, trigger_ratio=0.5))
    assert p.trigger() == (2 * MiB, 4 * MiB)
    off = FixedRatioPacer(FixedParams(gogc="off"))
    assert off.goal() is None
    assert off.trigger() == (None, None)


# --- globals and stacks before the first cycle (Go: addGlobals, addScannableStack) ----------


@pytest.mark.parametrize(
    ("gogc", "globals_", "goal"),
    [
        (100, 128 * MiB, 128 * MiB),  # globals * GOGC/100 beats heapMinimum
        (50, 128 * MiB, 64 * MiB),
        (200, 3 * MiB, 8 * MiB),  # heapMinimum = 4 MiB * 2 wins over 6 MiB
        (100, 32 * KiB, 4 * MiB),
    ],
)
def test_globals_known_before_cycle_one_set_its_goal(gogc, globals_, goal):
    """Go's modulesinit runs addGlobals before gcinit's commit, so the first goal is
    max(heapMinimum, (0 + 0 + globalsScan) * GOGC/100)."""
    p = Go119Pacer(Go119Params(gogc=gogc))
    p.set_globals_scan(globals_)
    assert p.globals_scan == globals_
    assert p.goal() == goal == max(4 * MiB * gogc // 100, globals_ * gogc // 100)
    trig, g = p.trigger()
    assert g == goal
    upper = (goal // 64) * 61
    assert trig == (goal - 4 * MiB if goal - 4 * MiB > upper else upper)
    assert p.sweep_min_trigger == 0  # init's commit: "no sweep phase in the first GC cycle"


def test_add_globals_waits_for_commit():
    p = Go119Pacer(Go119Params(gogc=100))
    p.add_globals(128 * MiB)
    assert p.goal() == 4 * MiB  # Go: addGlobals does not commit
    p.recommit()
    assert p.goal() == 128 * MiB


def test_first_cycle_assist_ratio_counts_globals():
    # 128 MiB of globals: goal 128 MiB, trigger 124 MiB, and the expected scan work is the
    # globals, so assists pay 128 MiB of work over the 4 MiB of runway.
    p = Go119Pacer(Go119Params(gogc=100))
    p.set_globals_scan(128 * MiB)
    p.start_cycle()
    assert p.triggered == 124 * MiB
    wpb, bpw = p.assist_ratio(0, 124 * MiB, 0)
    assert wpb == 32.0 and bpw == 1 / 32
    # not told about the globals, the pacer expected no work and barely assisted
    q = Go119Pacer(Go119Params(gogc=100))
    q.start_cycle()
    wpb_q, _ = q.assist_ratio(0, q.triggered, 0)
    assert wpb_q == 1000 / (4 * MiB - q.triggered) < wpb / 100


def test_scannable_stack_is_the_pacers_own_count():
    p = marking_pacer()
    p.add_scannable_stack(16 * MiB)
    p.add_scannable_stack(-4 * MiB)
    assert p.max_stack_scan == 12 * MiB
    done, live, heap_scan = 70 * MiB, 214 * MiB, 80 * MiB  # past the expected 64 MiB
    own = p.assist_ratio(done, live, heap_scan)
    assert own == p.assist_ratio(done, live, heap_scan, 12 * MiB)
    assert own != p.assist_ratio(done, live, heap_scan, 0)
    max_scan = heap_scan + 12 * MiB + GLOBALS
    ext = int((GOAL - 212 * MiB) / SCAN * max_scan) + 212 * MiB
    assert own[0] == (max_scan - done) / (ext - live)


def test_first_cycle_assist_extrapolates_with_stacks():
    # Cycle 1, 1 MiB of globals and 6 MiB of stacks: once the globals are scanned the
    # extrapolated goal counts the stacks (maxScanWork = heapScan + maxStackScan + globals).
    p = Go119Pacer(Go119Params(gogc=100))
    p.set_globals_scan(1 * MiB)
    p.add_scannable_stack(6 * MiB)
    p.start_cycle()
    goal, trig = p.goal(), p.triggered
    assert goal == 4 * MiB
    heap_scan = 2 * MiB
    done, live = 1 * MiB + 1, trig + 1000
    wpb, _ = p.assist_ratio(done, live, heap_scan)
    max_scan = heap_scan + 6 * MiB + 1 * MiB
    ext = min(int((goal - trig) / (1 * MiB) * max_scan) + trig, int(2.0 * goal))
    assert wpb == (max_scan - done) / (ext - live)


def test_set_globals_scan_after_a_cycle_recommits_with_the_last_inputs():
    p = Go119Pacer(Go119Params(gogc=100))
    p.reset_live(MARKED, HEAP_SCAN, STACK, GLOBALS)
    p.commit(heap_live=MARKED, sweep_done=False)
    assert p.sweep_min_trigger == MARKED + 1 * MiB
    p.set_globals_scan(GLOBALS + 10 * MiB)
    assert p.goal() == GOAL + 10 * MiB
    assert p.sweep_min_trigger == MARKED + 1 * MiB


def test_reset_live_without_globals_keeps_the_pacers_count():
    p = Go119Pacer(Go119Params(gogc=100))
    p.set_globals_scan(GLOBALS)
    p.reset_live(MARKED, HEAP_SCAN, STACK)
    p.commit(heap_live=MARKED, sweep_done=True)
    assert p.goal() == GOAL
    f = FixedRatioPacer(FixedParams(gogc=100))
    f.set_globals_scan(GLOBALS)
    f.reset_live(MARKED, HEAP_SCAN, STACK)
    assert f.goal() == GOAL


def test_fixed_ratio_pacer_counts_globals_and_own_stacks():
    p = FixedRatioPacer(FixedParams(gogc=100, trigger_ratio=0.5))
    p.set_globals_scan(128 * MiB)
    assert p.trigger() == (64 * MiB, 128 * MiB)
    p.add_scannable_stack(8 * MiB)
    assert p.assist_ratio(0, 100 * MiB, 10 * MiB) == p.assist_ratio(0, 100 * MiB, 10 * MiB, 8 * MiB)
    wpb, _ = p.assist_ratio(0, 100 * MiB, 10 * MiB)
    assert wpb == (10 * MiB + 8 * MiB + 128 * MiB) / (28 * MiB)
