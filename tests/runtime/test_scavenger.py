"""Go 1.19's background scavenger policy (mgcscavenge.go: gcPaceScavenger, bgscavenge,
scavengerState.run/sleep), against values computed by hand from Go's formulas."""

import numpy as np
import pytest

from framework.runtime import layout as L
from framework.runtime.heap import Heap
from framework.runtime.kernels.alloc import can_new_span, new_span, release_span
from framework.runtime.scavenger import NONE, Scavenger, pace_goals
from framework.runtime.sizeclasses import PAGE_SIZE

MIB = 1 << 20


def test_gc_percent_goal_by_hand():
    # lastHeapInUse 40 MiB * (60/80) = 30 MiB; + 10% = 33 MiB (page aligned already).
    g, _ = pace_goals(NONE, 60 * MIB, 80 * MIB, 40 * MIB, heap_retained=50 * MIB, mapped_ready=0)
    assert g == 33 * MIB
    # 30 MiB + 1 byte -> + 3 MiB (integer tenth) -> rounded up to 4 KiB.
    g, _ = pace_goals(NONE, 1, 1, 30 * MIB + 1, heap_retained=50 * MIB, mapped_ready=0)
    assert g == 33 * MIB + 4096
    # Met, or within one physical page: no goal.
    assert pace_goals(NONE, 60 * MIB, 80 * MIB, 40 * MIB, 33 * MIB, 0)[0] == NONE
    assert pace_goals(NONE, 60 * MIB, 80 * MIB, 40 * MIB, 33 * MIB + 4095, 0)[0] == NONE
    assert pace_goals(NONE, 60 * MIB, 80 * MIB, 40 * MIB, 33 * MIB + 4096, 0)[0] == 33 * MIB
    # Before the first cycle ends (lastHeapGoal == 0): off.
    assert pace_goals(NONE, 60 * MIB, 0, 40 * MIB, 50 * MIB, 0)[0] == NONE


def test_memory_limit_goal_go119_and_fixed():
    # Go 1.19 multiplies by (100 - 5): the goal is 95x the limit, so never in force.
    assert pace_goals(100 * MIB, 1, 1, 1, 0, mapped_ready=120 * MIB)[1] == NONE
    assert pace_goals(100 * MIB, 1, 1, 1, 0, mapped_ready=9501 * MIB)[1] == 9500 * MIB
    # The intended rule: 95% of the limit, in force while mappedReady is above it.
    fixed = pace_goals(100 * MIB, 1, 1, 1, 0, mapped_ready=120 * MIB, fixed_limit_goal=True)
    assert fixed[1] == 95 * MIB
    below = pace_goals(100 * MIB, 1, 1, 1, 0, mapped_ready=95 * MIB, fixed_limit_goal=True)
    assert below[1] == NONE
    assert pace_goals(NONE, 1, 1, 1, 0, mapped_ready=1 << 62)[1] == NONE


def _heap_with_free_pages(n_free: int) -> Heap:
    """A heap whose first ``n_free`` pages were used and freed (ready), one span above."""
    h = Heap(1)
    cost = np.zeros(L.N_COSTS)
    while (g := can_new_span(h.a, 1, n_free)) != 0:
        h.grow(int(g))
    s, _ = new_span(h.a, 0, 1, n_free, n_free * PAGE_SIZE, cost)
    new_span(h.a, 0, 1, 1, PAGE_SIZE, cost)
    release_span(h.a, s)
    return h


def _cost(ns_per_page: float) -> np.ndarray:
    c = np.zeros(L.N_COSTS)
    c[L.K_SCAV_PAGE] = ns_per_page
    return c


def test_pace_publishes_the_allocation_kernel_counters():
    h = _heap_with_free_pages(100)
    sc = Scavenger(nprocs=2)
    sc.pace(
        h,
        memory_limit=64 * MIB,
        heap_goal=8 * MIB,
        last_heap_goal=8 * MIB,
        last_heap_inuse=PAGE_SIZE,
        nonheap_ready=3 * MIB,
    )
    c = h.a.ctr
    assert c[L.MEMORY_LIMIT] == 64 * MIB and c[L.NONHEAP_READY] == 3 * MIB
    # retained goal: 8 KiB * 1 + 10% -> 9011 -> 12288 (4 KiB aligned); retained is 101 pages.
    assert sc.gc_percent_goal == c[L.SCAV_GC_GOAL] == 12288
    assert sc.memory_limit_goal == NONE


def test_background_batch_works_one_ms_then_sleeps_by_the_ratio():
    h = _heap_with_free_pages(4000)
    sc = Scavenger(nprocs=2)
    sc.gc_percent_goal = PAGE_SIZE  # far below the retained heap: keep releasing
    assert sc.wake() and not sc.wake()  # parked at start; woken once
    step = sc.work(h, _cost(1700.0), nonheap_ready=0, now_ns=0.0)
    # 64 KiB quanta (8 pages, 13.6 us each) until >= 1 ms: 74 quanta.
    assert step.released_bytes == 74 * 8 * PAGE_SIZE
    assert step.cost_ns == pytest.approx(74 * 8 * 1700.0)
    # sleep = max(worked, 1 ms) / sleepRatio (starting at 0.001).
    assert step.sleep_ns == pytest.approx(74 * 8 * 1700.0 / 0.001)
    released = np.flatnonzero(h.a.pg_scav[:4000])
    assert released.min() == 4000 - 592 and released.max() == 3999  # the top pages
    # After sleeping exactly that long the PI controller raises the ratio: CPU fraction
    # worked / ((slept + worked) * GOMAXPROCS) is under the 1% setpoint.
    worked = 74 * 8 * 1700.0
    slept = step.sleep_ns
    sc.work(h, _cost(1700.0), nonheap_ready=0, now_ns=step.cost_ns + slept)
    frac = worked / ((slept + worked) * 2)
    assert sc.sleep_ratio == pytest.approx(0.3375 * (0.01 - frac))


def test_short_batches_count_as_one_ms_and_exhaustion_parks():
    h = _heap_with_free_pages(20)
    sc = Scavenger(nprocs=1)
    sc.gc_percent_goal = PAGE_SIZE
    step = sc.work(h, _cost(1000.0), nonheap_ready=0, now_ns=0.0)
    assert step.released_bytes == 20 * PAGE_SIZE and step.cost_ns == 20_000.0
    assert step.sleep_ns == pytest.approx(1e6 / 0.001)  # minScavWorkTime
    step = sc.work(h, _cost(1000.0), nonheap_ready=0, now_ns=1e9)
    assert step.released_bytes == 0 and step.sleep_ns is None and sc.parked


def test_met_goals_stop_the_background_scavenger():
    h = _heap_with_free_pages(100)
    sc = Scavenger(nprocs=1)  # both goals NONE: nothing to do
    assert sc.work(h, _cost(1000.0), 0, 0.0).sleep_ns is None
    sc.gc_percent_goal = h.heap_ready_bytes() - 10 * PAGE_SIZE
    step = sc.work(h, _cost(1000.0), 0, 0.0)
    # Stops at the first check after the goal is met: one 8-page quantum past 10 pages.
    assert step.released_bytes == 16 * PAGE_SIZE
    assert h.heap_ready_bytes() <= sc.gc_percent_goal
