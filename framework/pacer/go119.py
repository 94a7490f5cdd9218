"""Go 1.19's GC pacer (runtime/mgcpacer.go, gcControllerState), as a swappable component.

Facts and line references are in docs/go-reference.md; the short version:

- goal: GOGC goal ``marked + (marked + lastStackScan + globalsScan) * GOGC/100`` floored at
  ``heapMinimum = 4 MiB * GOGC/100``, or the memory-limit goal if lower
  (``limit - nonHeap - overage - 1 MiB``, at least ``marked``) (heapGoalInternal,
  memoryLimitHeapGoal);
- trigger: ``goal - runway`` clamped to ``[marked + 45/64 runway, marked + 61/64 runway]``,
  the upper bound raised to ``goal - 4 MiB`` for large heaps; runway =
  ``consMark * (1 - 0.25)/0.25 * (lastHeapScan + lastStackScan + globalsScan)`` (trigger,
  commit);
- cons/mark: measured each cycle by endCycle, smoothed by Go 1.19's PI controller
  (kp 0.9, ti 4, tt 1000, output clamped to +-1000);
- workers: dedicated = round(0.25 P) unless more than 30% off, then a fractional goal
  (startCycle);
- assists: assistWorkPerByte = remaining expected scan work / remaining heap, with the goal
  extrapolated (capped at (1 + GOGC/100) * goal) when scan work exceeds the estimate (revise).

- non-heap scan sources: ``globals_scan`` (Go: addGlobals, known before the first commit:
  call ``set_globals_scan`` before cycle 1) and ``max_stack_scan`` (Go: addScannableStack).

Integer conversions follow Go's (runway, revise's goals; a negative runway wraps as on
amd64). Driven by Go's TestGcPacer harness (tests/pacer/test_gcpacer_port.py), the pacer
reproduces go1.19.8's per-cycle trigger, peak and goal to the byte.

Abstraction: the trigger is recomputed whenever the runtime asks (as in Go) but checked at
allocation granularity rather than span refills.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from framework.pacer.base import (
    GC_BACKGROUND_UTILIZATION,
    NO_LIMIT,
    NonHeap,
    Pacer,
    PacerParams,
    assist_ratios,
)
from framework.pacer.goal import HEAP_MINIMUM, heap_goal

TRIGGER_RATIO_DEN = 64  # Go: triggerRatioDen
MIN_TRIGGER_RATIO_NUM = 45  # ~0.70
MAX_TRIGGER_RATIO_NUM = 61  # ~0.95
MEMORY_LIMIT_HEADROOM = 1 << 20  # Go 1.19: memoryLimitHeapGoalHeadroom
SWEEP_MIN_HEAP_DISTANCE = 1 << 20  # Go: sweepMinHeapDistance
MIN_RUNWAY = 64 << 10  # Go: heapGoalInternal's minRunway
MAX_OVERSHOOT = 1.1  # Go: revise's maxOvershoot


@dataclass
class PIController:
    """Go's piController (mgcpacer.go): a PI controller with anti-windup."""

    kp: float = 0.9
    ti: float = 4.0
    tt: float = 1000.0
    lo: float = -1000.0
    hi: float = 1000.0
    err_integral: float = 0.0

    def next(self, value: float, setpoint: float, period: float = 1.0) -> tuple[float, bool]:
        err = setpoint - value
        raw = self.kp * err + self.err_integral
        if not math.isfinite(raw):
            self.err_integral = 0.0
            return self.lo, False
        out = min(max(raw, self.lo), self.hi)
        self.err_integral += (self.kp * period / self.ti) * err + (period / self.tt) * (out - raw)
        if not math.isfinite(self.err_integral):
            self.err_integral = 0.0
            return self.lo, False
        return out, True


class Go119Params(PacerParams):
    name: Literal["go119"] = "go119"


class Go119Pacer(Pacer):
    """Go 1.19's gcControllerState (mgcpacer.go). The runtime-side counters (heapLive,
    heapScan, the scan-work counters, assist/idle time) stay with the collector, which
    passes them in; the pacer keeps what Go's commit/resetLive/endCycle keep, plus
    ``globals_scan`` and ``max_stack_scan`` (Go: addGlobals, addScannableStack)."""

    name = "go119"
    Params = Go119Params

    def __init__(self, params: PacerParams) -> None:
        super().__init__(params)
        # state committed at each mark termination (Go: resetLive, commit)
        self.last_heap_scan = 0
        self.last_stack_scan = 0
        self.cons_mark = 0.0
        self.runway = 0
        self.gc_percent_goal = 0
        self.sweep_min_trigger = 0
        self.pi = PIController()
        self.last_cons_mark_measured = 0.0
        self._commit_inputs = (0, True)
        # Go: gcControllerState.init commits with isSweepDone=true ("no sweep phase in the
        # first GC cycle").
        self.commit(heap_live=0, sweep_done=True)

    @property
    def heap_minimum(self) -> int:
        """Go: setGCPercent's ``defaultHeapMinimum * GOGC / 100`` (the floor ``heap_goal``
        applies)."""
        return HEAP_MINIMUM * (self.gogc or 100) // 100

    # --- goal and trigger -----------------------------------------------------------------
    def commit(self, heap_live: int, sweep_done: bool) -> None:
        """Recompute the GOGC goal and the runway (Go: gcControllerState.commit). Go runs it
        at init, at mark termination and on SetGCPercent/SetMemoryLimit. ``heap_live`` is
        Go's heapLive at that moment (the marked bytes at mark termination).

        The runway is Go's ``uint64(...)`` of the float (``go_uint64``): truncated, and
        for a negative cons/mark (the PI controller can undershoot below 0) wrapped as on
        amd64, so that the runway exceeds the goal and the trigger falls to its lower
        bound."""
        self._commit_inputs = (heap_live, sweep_done)
        g = heap_goal(self.heap_marked, self.last_stack_scan, self.globals_scan, self.gogc)
        self.gc_percent_goal = NO_LIMIT if g is None else g
        self.sweep_min_trigger = 0 if sweep_done else heap_live + SWEEP_MIN_HEAP_DISTANCE
        u = GC_BACKGROUND_UTILIZATION
        scan = self.last_heap_scan + self.last_stack_scan + self.globals_scan
        self.runway = go_uint64(self.cons_mark * (1 - u) / u * scan)

    def recommit(self) -> None:
        """``commit`` again with the last commit's heapLive and sweep state (Go:
        gcControllerCommit after a parameter change)."""
        self.commit(*self._commit_inputs)

    def memory_limit_goal(self, nh: NonHeap | None) -> int:
        """Go: memoryLimitHeapGoal. ``nh`` carries Go's mappedReady, heapFree and
        totalAlloc - totalFree; None means "not evaluated" (no limit)."""
        if self.memory_limit >= NO_LIMIT or nh is None:
            return NO_LIMIT
        non_heap = nh.ready_bytes - nh.heap_free_bytes - nh.heap_alloc_bytes
        overage = max(nh.ready_bytes - self.memory_limit, 0)
        if non_heap + overage >= self.memory_limit:
            return self.heap_marked
        goal = self.memory_limit - (non_heap + overage)
        goal = (
            MEMORY_LIMIT_HEADROOM
            if goal < 2 * MEMORY_LIMIT_HEADROOM
            else goal - MEMORY_LIMIT_HEADROOM
        )
        return max(goal, self.heap_marked)

    def goal_and_min_trigger(self, nh: NonHeap | None = None) -> tuple[int, int]:
        """Go: heapGoalInternal."""
        goal = self.gc_percent_goal
        limit_goal = self.memory_limit_goal(nh)
        if limit_goal < goal:
            return limit_goal, 0
        goal = max(goal, self.sweep_min_trigger)
        if self.triggered is not None and goal < self.triggered + MIN_RUNWAY:
            goal = self.triggered + MIN_RUNWAY
        return goal, self.sweep_min_trigger

    def goal(self, nh: NonHeap | None = None) -> int | None:
        """Go: heapGoal."""
        g, _ = self.goal_and_min_trigger(nh)
        return None if g >= NO_LIMIT else g

    def trigger(self, nh: NonHeap | None = None) -> tuple[int | None, int | None]:
        """(trigger, goal) (Go: gcControllerState.trigger); None means never."""
        goal, min_trigger = self.goal_and_min_trigger(nh)
        if goal >= NO_LIMIT:
            return None, None
        marked = self.heap_marked
        if marked >= goal:
            return goal, goal
        min_trigger = max(min_trigger, marked)
        step = (goal - marked) // TRIGGER_RATIO_DEN
        min_trigger = max(min_trigger, marked + step * MIN_TRIGGER_RATIO_NUM)
        max_trigger = marked + step * MAX_TRIGGER_RATIO_NUM
        if goal > HEAP_MINIMUM and goal - HEAP_MINIMUM > max_trigger:
            max_trigger = goal - HEAP_MINIMUM
        max_trigger = max(max_trigger, min_trigger)
        trig = min_trigger if self.runway > goal else goal - self.runway
        return min(max(trig, min_trigger), max_trigger), goal

    # --- a cycle --------------------------------------------------------------------------
    def assist_ratio(
        self,
        work_done: int,
        heap_live: int,
        heap_scan: int,
        max_stack_scan: int | None = None,
        nh: NonHeap | None = None,
    ) -> tuple[float, float]:
        """(assistWorkPerByte, assistBytesPerWork) (Go: revise). ``work_done`` is
        heapScanWork + stackScanWork + globalsScanWork so far, ``heap_scan`` Go's heapScan
        (frozen at the cycle start), ``max_stack_scan`` Go's maxStackScan (None: the
        pacer's own count). Goals are truncated to integers as Go's int64 conversions do.

        Departure: with no expected work (no previous cycle and no globals, impossible in
        Go, whose runtime always has globals) the extrapolated goal is the hard goal, the
        limit of Go's formula; Go's float division would give +Inf, which its int64
        conversion wraps on amd64."""
        gogc = self.gogc if self.gogc is not None else 100_000
        goal = self.goal(nh)
        heap_goal = NO_LIMIT if goal is None else goal
        expected = self.last_heap_scan + self.last_stack_scan + self.globals_scan
        stacks = self.max_stack_scan if max_stack_scan is None else max_stack_scan
        max_scan = heap_scan + stacks + self.globals_scan
        triggered = -1 if self.triggered is None else self.triggered  # Go: int64(MaxUint64)
        if work_done > expected:
            hard = int((1.0 + gogc / 100.0) * heap_goal)
            if expected > 0:
                ext = int((heap_goal - triggered) / expected * max_scan) + triggered
            else:
                ext = hard
            expected = max_scan
            heap_goal = min(ext, hard)
        if heap_live > heap_goal:
            heap_goal = int(heap_goal * MAX_OVERSHOOT)
            expected = max_scan
        return assist_ratios(expected, work_done, heap_goal, heap_live)

    def end_cycle(
        self,
        *,
        heap_live: int,
        mark_ns: float,
        assist_ns: float,
        idle_ns: float,
        scan_work: int,
        nprocs: int,
    ) -> None:
        """Update the cons/mark estimate (Go: endCycle). ``mark_ns`` is Go's
        assistDuration (mark termination decided - markStartTime), ``assist_ns`` and
        ``idle_ns`` the cycle's assistTime and idleMarkTime, ``scan_work`` all scan work
        done. Background workers are assumed to have used exactly 25%, as in Go. A zero
        denominator gives Go's IEEE infinity, which resets the PI controller and the
        estimate to 0, as in Go."""
        if self.triggered is None:
            return  # no cycle started: Go's triggered is MaxUint64, so heapLive <= it
        u = GC_BACKGROUND_UTILIZATION
        if mark_ns > 0:
            u += assist_ns / (mark_ns * nprocs)
        if heap_live <= self.triggered:
            return
        u_idle = idle_ns / (mark_ns * nprocs) if mark_ns > 0 else 0.0
        current = _ieee_div((heap_live - self.triggered) * (u + u_idle), scan_work * (1 - u))
        self.last_cons_mark_measured = current
        out, ok = self.pi.next(self.cons_mark, current, 1.0)
        self.cons_mark = out if ok else 0.0

    def reset_live(
        self,
        marked: int,
        heap_scan_work: int,
        stack_scan_work: int,
        globals_bytes: int | None = None,
    ) -> None:
        """Go: resetLive at mark termination (Go also sets heapLive = marked and
        heapScan = heapScanWork: the collector's counters)."""
        if globals_bytes is not None:
            self.globals_scan = globals_bytes
        self.heap_marked = marked
        self.last_heap_scan = heap_scan_work
        self.last_stack_scan = stack_scan_work
        self.triggered = None

    def state(self) -> dict[str, float]:
        return {
            "cons_mark": self.cons_mark,
            "runway": float(self.runway),
            "cons_mark_measured": self.last_cons_mark_measured,
        }


def go_uint64(x: float) -> int:
    """Go's ``uint64(x)`` for a float64 on amd64 (the Go spec leaves out-of-range values
    implementation-defined): truncation toward zero; a value at or below -1 converts
    through int64 and wraps to ``2**64 + trunc(x)`` (-5.0 gives 2**64 - 5, -0.5 gives 0;
    checked with go1.19.8 linux/amd64). arm64 would give 0 instead."""
    if math.isnan(x):
        return 1 << 63
    if x >= 0:
        return min(int(x), (1 << 64) - 1)
    t = int(x)
    if t == 0:
        return 0
    if t < -(1 << 63):
        return 1 << 63
    return t + (1 << 64)


def _ieee_div(a: float, b: float) -> float:
    """``a / b`` with IEEE 754 semantics for ``b == 0`` (Go's float division)."""
    if b != 0:
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)
