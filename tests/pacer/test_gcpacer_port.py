"""Go 1.19's TestGcPacer (runtime/mgcpacer_test.go), ported to drive ``Go119Pacer``.

Everything is as in Go: the 19 scenarios with their parameters, the idealized cycle
simulation (revise every 500 µs of simulated time; assists hold the assist ratio, so the GC
utilization follows from the alloc and scan rates), the float64 streams, the general
``check`` and each scenario's checker with its bounds and cycle numbers. Go's
``t.Errorf`` records a failure and goes on, ``t.FatalError`` stops the scenario; both fail it.
The export_test.go wrapper is ``gccontroller.GCController``; ``math/rand`` values come
from ``go_rand`` (recorded from Go).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from framework.pacer.base import GC_BACKGROUND_UTILIZATION
from framework.pacer.go119 import MEMORY_LIMIT_HEADROOM
from framework.pacer.goal import HEAP_MINIMUM

from .gccontroller import MAX_INT64, GCController, ReviseDelta
from .go_rand import go_float64s

GC_GOAL_UTILIZATION = GC_BACKGROUND_UTILIZATION  # Go: gcGoalUtilization
DEFAULT_HEAP_MINIMUM = HEAP_MINIMUM
INITIAL_HEAP_BYTES = 256 << 10
REVISE_PERIOD = 500_000  # ns: 500 µs
RATE_CONV = 1024 * float(REVISE_PERIOD) / float(1_000_000)  # KiB/cpu-ms → B per period
MIN_RATE = 0.0001  # Go: minRate


# --- float64Stream ------------------------------------------------------------------------


class Stream:
    """Go: float64Stream, an infinite stream of float64 values, one per call."""

    def __init__(self, f: Callable[[], float]) -> None:
        self.f = f

    def __call__(self) -> float:
        return self.f()

    def delay(self, cycles: int) -> Stream:
        zeroes = 0

        def g() -> float:
            nonlocal zeroes
            if zeroes < cycles:
                zeroes += 1
                return 0.0
            return self()

        return Stream(g)

    def scale(self, amt: float) -> Stream:
        return Stream(lambda: self() * amt)

    def offset(self, amt: float) -> Stream:
        return Stream(lambda: self() + amt)

    def sum(self, *fs: Stream) -> Stream:
        def g() -> float:
            total = self()
            for s in fs:
                total += s()
            return total

        return Stream(g)

    def quantize(self, mult: float) -> Stream:
        def g() -> float:
            r = self() / mult
            return math.ceil(r) * mult if r < 0 else math.floor(r) * mult

        return Stream(g)

    def min(self, lo: float) -> Stream:
        return Stream(lambda: max(lo, self()))

    def max(self, hi: float) -> Stream:
        return Stream(lambda: min(hi, self()))

    def limit(self, lo: float, hi: float) -> Stream:
        def g() -> float:
            v = self()
            return lo if v < lo else hi if v > hi else v

        return Stream(g)


def constant(c: float) -> Stream:
    return Stream(lambda: c)


def unit(amp: float) -> Stream:
    """A single peak of ``amp``, then zeroes (the Kronecker delta)."""
    dropped = False

    def g() -> float:
        nonlocal dropped
        if dropped:
            return 0.0
        dropped = True
        return amp

    return Stream(g)


def oscillate(amp: float, phase: float, period: int) -> Stream:
    cycle = 0

    def g() -> float:
        nonlocal cycle
        p = cycle / period * 2 * math.pi + phase
        cycle += 1
        if cycle == period:
            cycle = 0
        return math.sin(p) * amp

    return Stream(g)


def ramp(height: float, length: int) -> Stream:
    """From 0 to ``height`` over ``length`` steps."""
    cycle = 0

    def g() -> float:
        nonlocal cycle
        h = height * cycle / length
        if cycle < length:
            cycle += 1
        return h

    return Stream(g)


def random(amp: float, seed: int) -> Stream:
    """Uniform in [-amp, amp) from Go's math/rand with ``seed``."""
    values = iter(go_float64s(seed))
    return Stream(lambda: ((next(values) - 0.5) * 2) * amp)


# --- results, checks ----------------------------------------------------------------------


@dataclass(frozen=True)
class CycleResult:
    """Go: gcCycleResult."""

    cycle: int
    heap_live: int
    heap_trigger: int
    heap_goal: int
    heap_peak: int
    heap_scannable: int
    gc_utilization: float

    def goal_ratio(self) -> float:
        return self.heap_peak / self.heap_goal

    def runway(self) -> float:
        return float(self.heap_goal - self.heap_trigger)

    def trigger_ratio(self) -> float:
        return (self.heap_trigger - self.heap_live) / (self.heap_goal - self.heap_live)

    def __str__(self) -> str:
        return (
            f"{self.cycle} {self.gc_utilization * 100:2.1f}% {self.heap_live}->"
            f"{self.heap_trigger}->{self.heap_peak} (goal: {self.heap_goal})"
        )


class FatalError(Exception):
    pass


class T:
    """The part of Go's *testing.T the checkers use."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def errorf(self, msg: str) -> None:
        self.errors.append(msg)

    def fatal(self, msg: str) -> None:
        self.errors.append(msg)
        raise FatalError(msg)


def assert_in_epsilon(t: T, name: str, a: float, b: float, epsilon: float) -> None:
    assert_in_range(t, name, a, b - epsilon, b + epsilon)


def assert_in_range(t: T, name: str, a: float, lo: float, hi: float) -> None:
    if a < lo or a > hi:
        t.errorf(f"{name} not in range ({lo:f}, {hi:f}): {a:f}")


Checker = Callable[[T, list[CycleResult]], None]


@dataclass
class Cycle:
    """Go: gcCycle."""

    alloc_rate: float
    scan_rate: float
    growth_rate: float
    scannable_frac: float
    stack_bytes: int


@dataclass
class ExecTest:
    """Go: gcExecTest."""

    name: str
    gc_percent: int
    memory_limit: int
    globals_bytes: int
    n_cores: int
    alloc_rate: Stream  # > 0, KiB / cpu-ms
    scan_rate: Stream  # > 0, KiB / cpu-ms
    growth_rate: Stream  # > 0
    scannable_frac: Stream  # clamped to [0, 1]
    stack_bytes: Stream  # multiple of 2048
    length: int
    checker: Checker

    def __post_init__(self) -> None:
        # Go builds these wrappers on every next() call around the same closures; building
        # them once is the same stream.
        self._alloc = self.alloc_rate.min(MIN_RATE)
        self._scan = self.scan_rate.min(MIN_RATE)
        self._growth = self.growth_rate.min(MIN_RATE)
        self._frac = self.scannable_frac.limit(0, 1)
        self._stack = self.stack_bytes.quantize(2048).min(0)

    def next(self) -> Cycle:
        return Cycle(
            alloc_rate=self._alloc(),
            scan_rate=self._scan(),
            growth_rate=self._growth(),
            scannable_frac=self._frac(),
            stack_bytes=int(self._stack()),
        )

    def check(self, t: T, results: list[CycleResult]) -> None:
        n = len(results)
        if n == 0:
            t.fatal("no results passed to check")
        elif n == 1:
            if results[0].cycle != 1:
                t.errorf("first cycle has incorrect number")
        elif results[n - 1].cycle != results[n - 2].cycle + 1:
            t.errorf("cycle numbers out of order")
        u = results[n - 1].gc_utilization
        if u < 0 or u > 1:
            t.fatal("GC utilization not within acceptable bounds")
        if results[n - 1].heap_scannable < 0:
            t.fatal("heapScannable is negative")
        self.checker(t, results)


def run_exec_test(e: ExecTest, t: T) -> list[CycleResult]:
    """The body of Go's ``t.Run(e.name, ...)`` in TestGcPacer."""
    c = GCController(e.gc_percent, e.memory_limit)
    bytes_allocated_black_last = 0
    results: list[CycleResult] = []
    for i in range(e.length):
        cycle = e.next()
        c.start_cycle(cycle.stack_bytes, e.globals_bytes, cycle.scannable_frac, e.n_cores)

        if i == 0:
            next_heap_marked = INITIAL_HEAP_BYTES
        else:
            next_heap_marked = int(
                float(c.heap_marked() - bytes_allocated_black_last) * cycle.growth_rate
            )
        left = [e.globals_bytes, cycle.stack_bytes, int(next_heap_marked * cycle.scannable_frac)]

        def do_work(work: int, left: list[int] = left) -> tuple[int, int, int]:
            """Globals first, then stacks, then heap."""
            deltas = [0, 0, 0]
            for k in range(3):
                if left[k] == 0:
                    continue
                if left[k] > work:
                    deltas[k] += work
                    left[k] -= work
                    work = 0
                    break
                deltas[k] += left[k]
                work -= left[k]
                left[k] = 0
            return deltas[0], deltas[1], deltas[2]

        gc_duration = 0
        assist_time = 0
        bytes_allocated_black = 0
        while sum(left) > 0:
            # Idealized assist pacing: over a revise period the assist ratio fixes the
            # ratio of bytes scanned to bytes allocated, which gives the utilization
            #   u = assistRatio * allocRate / (assistRatio * allocRate + scanRate),
            # rounded up to the background utilization (dedicated workers).
            assist_ratio = c.assist_work_per_byte
            utilization = (
                assist_ratio
                * cycle.alloc_rate
                / (assist_ratio * cycle.alloc_rate + cycle.scan_rate)
            )
            utilization = max(utilization, GC_BACKGROUND_UTILIZATION)

            bytes_scanned = int(cycle.scan_rate * RATE_CONV * float(e.n_cores) * utilization)
            bytes_allocated = int(
                cycle.alloc_rate * RATE_CONV * float(e.n_cores) * (1 - utilization)
            )

            globals_scanned, stack_scanned, heap_scanned = do_work(bytes_scanned)

            # do_work may not use all of bytes_scanned: the GC ends inside this period.
            actual_elapsed = REVISE_PERIOD
            actual_allocated = bytes_allocated
            actual_scanned = globals_scanned + stack_scanned + heap_scanned
            if actual_scanned < bytes_scanned:
                actual_elapsed = int(
                    float(actual_scanned)
                    * float(REVISE_PERIOD)
                    / (cycle.scan_rate * RATE_CONV * float(e.n_cores) * utilization)
                )
                actual_allocated = int(
                    cycle.alloc_rate
                    * RATE_CONV
                    * float(actual_elapsed)
                    / float(REVISE_PERIOD)
                    * float(e.n_cores)
                    * (1 - utilization)
                )

            c.revise(
                ReviseDelta(
                    heap_live=actual_allocated,
                    heap_scan=int(float(actual_allocated) * cycle.scannable_frac),
                    heap_scan_work=heap_scanned,
                    stack_scan_work=stack_scanned,
                    globals_scan_work=globals_scanned,
                )
            )

            assist_time += int(
                float(actual_elapsed) * float(e.n_cores) * (utilization - GC_BACKGROUND_UTILIZATION)
            )
            gc_duration += actual_elapsed
            bytes_allocated_black += actual_allocated

        result = CycleResult(
            cycle=i + 1,
            heap_live=c.heap_marked(),
            heap_scannable=int(
                float(c.heap_marked() - bytes_allocated_black_last) * cycle.scannable_frac
            ),
            heap_trigger=c.triggered(),
            heap_peak=c.heap_live,
            heap_goal=c.heap_goal(),
            gc_utilization=float(assist_time) / (float(gc_duration) * float(e.n_cores))
            + GC_BACKGROUND_UTILIZATION,
        )
        results.append(result)

        e.check(t, results)

        c.end_cycle(next_heap_marked + bytes_allocated_black, assist_time, gc_duration, e.n_cores)
        bytes_allocated_black_last = bytes_allocated_black
    return results


# --- the scenarios ------------------------------------------------------------------------

LIMIT_GOAL = (512 << 20) - MEMORY_LIMIT_HEADROOM


def check_steady(t: T, c: list[CycleResult]) -> None:
    n = len(c)
    if n >= 25:
        # At this alloc/scan rate, the pacer should be extremely close to the goal utilization.
        assert_in_epsilon(t, "GC utilization", c[n - 1].gc_utilization, GC_GOAL_UTILIZATION, 0.005)
        # Settles into a non-degenerate state in at least 25 GC cycles.
        assert_in_epsilon(
            t, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.005
        )
        assert_in_range(t, "goal ratio", c[n - 1].goal_ratio(), 0.95, 1.05)


def check_steady_big(t: T, c: list[CycleResult]) -> None:
    """SteadyBigStacks and SteadyBigGlobals (same checks, Go's order)."""
    n = len(c)
    if n >= 25:
        assert_in_epsilon(t, "GC utilization", c[n - 1].gc_utilization, GC_GOAL_UTILIZATION, 0.005)
        assert_in_range(t, "goal ratio", c[n - 1].goal_ratio(), 0.95, 1.05)
        assert_in_epsilon(
            t, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.005
        )


def check_step(t: T, c: list[CycleResult]) -> None:
    """StepAlloc, HeavyStepAlloc, StepScannableFrac: settle, then settle again."""
    n = len(c)
    if (n >= 25 and n < 50) or n >= 75:
        assert_in_epsilon(
            t, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.005
        )
        assert_in_range(t, "goal ratio", c[n - 1].goal_ratio(), 0.95, 1.05)


def check_high_gogc(t: T, c: list[CycleResult]) -> None:
    n = len(c)
    if n > 12:
        if n == 26:
            # A heap growth in the 26th cycle: overshoot is expected, but never more than
            # GOGC of the next cycle.
            assert_in_range(t, "goal ratio", c[n - 1].goal_ratio(), 0.90, 15)
        else:
            # With such a high GOGC we're forced to undershoot.
            assert_in_range(t, "goal ratio", c[n - 1].goal_ratio(), 0.90, 1.05)
        assert_in_epsilon(
            t,
            "GC utilization",
            c[n - 1].gc_utilization,
            GC_GOAL_UTILIZATION,
            GC_GOAL_UTILIZATION + 0.03,
        )
        assert_in_epsilon(
            t, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.03
        )


def check_osc_jitter(t: T, c: list[CycleResult]) -> None:
    """OscAlloc and JitterAlloc."""
    n = len(c)
    if n > 12:
        assert_in_range(t, "goal ratio", c[n - 1].goal_ratio(), 0.95, 1.05)
        assert_in_range(t, "GC utilization", c[n - 1].gc_utilization, 0.25, 0.3)


def check_heavy_jitter(t: T, c: list[CycleResult]) -> None:
    n = len(c)
    if n > 13:
        assert_in_range(t, "goal ratio", c[n - 1].goal_ratio(), 0.95, 1.05)
        assert_in_epsilon(
            t, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.05
        )
        assert_in_epsilon(t, "GC utilization", c[n - 1].gc_utilization, c[11].gc_utilization, 0.05)


def check_slow_alloc(first: int) -> Checker:
    """SmallHeapSlowAlloc (first=4) and MediumHeapSlowAlloc (first=9)."""

    def check(t: T, c: list[CycleResult]) -> None:
        n = len(c)
        if n > first:
            assert_in_range(t, "goal ratio", c[n - 1].goal_ratio(), 0.925, 1.025)
            assert_in_range(t, "trigger ratio", c[n - 1].trigger_ratio(), 0.925, 0.975)
        if n > 25:
            assert_in_epsilon(
                t, "GC utilization", c[n - 1].gc_utilization, GC_GOAL_UTILIZATION, 0.005
            )
            assert_in_epsilon(
                t, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.05
            )
            assert_in_epsilon(
                t, "GC utilization", c[n - 1].gc_utilization, c[11].gc_utilization, 0.05
            )

    return check


def check_large_heap_slow_alloc(t: T, c: list[CycleResult]) -> None:
    n = len(c)
    if n > 13:
        assert_in_range(t, "goal ratio", c[n - 1].goal_ratio(), 0.95, 1.05)
        # Some minimum distance between the goal and the trigger: about the minimum heap.
        assert_in_range(
            t,
            "runway",
            c[n - 1].runway(),
            DEFAULT_HEAP_MINIMUM - (64 << 10),
            DEFAULT_HEAP_MINIMUM + (64 << 10),
        )
    if n > 25:
        assert_in_epsilon(t, "GC utilization", c[n - 1].gc_utilization, GC_GOAL_UTILIZATION, 0.005)
        assert_in_epsilon(
            t, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.05
        )
        assert_in_epsilon(t, "GC utilization", c[n - 1].gc_utilization, c[11].gc_utilization, 0.05)


def check_steady_memory_limit(t: T, c: list[CycleResult]) -> None:
    n = len(c)
    peak = c[n - 1].heap_peak
    if peak >= (512 << 20) - MEMORY_LIMIT_HEADROOM:
        t.errorf(f"peak heap size reaches heap limit: {peak}")
    check_steady(t, c)


def check_steady_memory_limit_no_gc_percent(t: T, c: list[CycleResult]) -> None:
    n = len(c)
    goal = c[n - 1].heap_goal
    if goal != LIMIT_GOAL:
        t.errorf(f"heap goal is not the heap limit: {goal}")
    check_steady(t, c)


def check_exceed_memory_limit(no_gc_percent: bool) -> Checker:
    def check(t: T, c: list[CycleResult]) -> None:
        n = len(c)
        if no_gc_percent and n < 10:
            goal = c[n - 1].heap_goal
            if goal != LIMIT_GOAL:
                t.errorf(f"heap goal is not the heap limit: {goal}")
        if n > 12:
            # Way over the memory limit: the goal is as low as it can be.
            goal, live = c[n - 1].heap_goal, c[n - 1].heap_live
            if goal != live:
                t.errorf(f"heap goal is not equal to live heap: {goal} != {live}")
        if n >= 25:
            # Memory pressure scales GC CPU to 100% (the CPU limiter is not the pacer's job).
            assert_in_epsilon(t, "GC utilization", c[n - 1].gc_utilization, 1.0, 0.005)
            assert_in_epsilon(
                t, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.005
            )

    return check


def check_maintain_memory_limit(no_gc_percent: bool) -> Checker:
    def check(t: T, c: list[CycleResult]) -> None:
        n = len(c)
        if no_gc_percent or n > 12:
            goal = c[n - 1].heap_goal
            if goal != LIMIT_GOAL:
                t.errorf(f"heap goal is not the heap limit: {goal}")
        if n >= 25:
            assert_in_epsilon(
                t, "GC utilization", c[n - 1].gc_utilization, GC_GOAL_UTILIZATION, 0.005
            )
            assert_in_epsilon(
                t, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.005
            )
            assert_in_range(t, "goal ratio", c[n - 1].goal_ratio(), 0.95, 1.05)

    return check


def _base(**kw: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "gc_percent": 100,
        "memory_limit": MAX_INT64,
        "globals_bytes": 32 << 10,
        "n_cores": 8,
        "scan_rate": constant(1024.0),
        "scannable_frac": constant(1.0),
        "stack_bytes": constant(8192),
        "length": 50,
    }
    d.update(kw)
    return d


def scenarios() -> list[ExecTest]:
    """Go's 19 gcExecTest cases, in Go's order. Built fresh per run: streams keep state."""

    def steady_growth() -> Stream:
        return constant(2.0).sum(ramp(-1.0, 12))

    return [
        ExecTest(
            name="Steady",
            **_base(alloc_rate=constant(33.0), growth_rate=steady_growth(), checker=check_steady),
        ),
        ExecTest(
            name="SteadyBigStacks",
            **_base(
                alloc_rate=constant(132.0),
                growth_rate=steady_growth(),
                stack_bytes=constant(2048).sum(ramp(128 << 20, 8)),
                checker=check_steady_big,
            ),
        ),
        ExecTest(
            name="SteadyBigGlobals",
            **_base(
                globals_bytes=128 << 20,
                alloc_rate=constant(132.0),
                growth_rate=steady_growth(),
                checker=check_steady_big,
            ),
        ),
        ExecTest(
            name="StepAlloc",
            **_base(
                alloc_rate=constant(33.0).sum(ramp(66.0, 1).delay(50)),
                growth_rate=steady_growth(),
                length=100,
                checker=check_step,
            ),
        ),
        ExecTest(
            name="HeavyStepAlloc",
            **_base(
                alloc_rate=constant(33).sum(ramp(330, 1).delay(50)),
                growth_rate=steady_growth(),
                length=100,
                checker=check_step,
            ),
        ),
        ExecTest(
            name="StepScannableFrac",
            **_base(
                alloc_rate=constant(128.0),
                growth_rate=steady_growth(),
                scannable_frac=constant(0.2).sum(unit(0.5).delay(50)),
                length=100,
                checker=check_step,
            ),
        ),
        ExecTest(
            name="HighGOGC",
            **_base(
                gc_percent=1500,
                alloc_rate=random(7, 0x53).offset(165),
                growth_rate=constant(2.0).sum(
                    ramp(-1.0, 12), random(0.01, 0x1), unit(14).delay(25)
                ),
                checker=check_high_gogc,
            ),
        ),
        ExecTest(
            name="OscAlloc",
            **_base(
                alloc_rate=oscillate(13, 0, 8).offset(67),
                growth_rate=steady_growth(),
                checker=check_osc_jitter,
            ),
        ),
        ExecTest(
            name="JitterAlloc",
            **_base(
                alloc_rate=random(13, 0xF).offset(132),
                growth_rate=constant(2.0).sum(ramp(-1.0, 12), random(0.01, 0xE)),
                checker=check_osc_jitter,
            ),
        ),
        ExecTest(
            name="HeavyJitterAlloc",
            **_base(
                alloc_rate=random(33.0, 0x0).offset(330),
                growth_rate=constant(2.0).sum(ramp(-1.0, 12), random(0.01, 0x152)),
                checker=check_heavy_jitter,
            ),
        ),
        ExecTest(
            name="SmallHeapSlowAlloc",
            **_base(
                alloc_rate=constant(1.0),
                scan_rate=constant(2048.0),
                growth_rate=constant(2.0).sum(ramp(-1.0, 3)),
                scannable_frac=constant(0.01),
                checker=check_slow_alloc(4),
            ),
        ),
        ExecTest(
            name="MediumHeapSlowAlloc",
            **_base(
                alloc_rate=constant(1.0),
                scan_rate=constant(2048.0),
                growth_rate=constant(2.0).sum(ramp(-1.0, 8)),
                scannable_frac=constant(0.01),
                checker=check_slow_alloc(9),
            ),
        ),
        ExecTest(
            name="LargeHeapSlowAlloc",
            **_base(
                alloc_rate=constant(1.0),
                scan_rate=constant(2048.0),
                growth_rate=constant(4.0).sum(ramp(-3.0, 12)),
                scannable_frac=constant(0.01),
                checker=check_large_heap_slow_alloc,
            ),
        ),
        ExecTest(
            name="SteadyMemoryLimit",
            **_base(
                memory_limit=512 << 20,
                alloc_rate=constant(33.0),
                growth_rate=steady_growth(),
                checker=check_steady_memory_limit,
            ),
        ),
        ExecTest(
            name="SteadyMemoryLimitNoGCPercent",
            **_base(
                gc_percent=-1,
                memory_limit=512 << 20,
                alloc_rate=constant(33.0),
                growth_rate=steady_growth(),
                checker=check_steady_memory_limit_no_gc_percent,
            ),
        ),
        ExecTest(
            name="ExceedMemoryLimit",
            **_base(
                memory_limit=512 << 20,
                alloc_rate=constant(33.0),
                growth_rate=constant(3.5).sum(ramp(-2.5, 12)),
                checker=check_exceed_memory_limit(no_gc_percent=False),
            ),
        ),
        ExecTest(
            name="ExceedMemoryLimitNoGCPercent",
            **_base(
                gc_percent=-1,
                memory_limit=512 << 20,
                alloc_rate=constant(33.0),
                growth_rate=constant(3.5).sum(ramp(-2.5, 12)),
                checker=check_exceed_memory_limit(no_gc_percent=True),
            ),
        ),
        ExecTest(
            name="MaintainMemoryLimit",
            **_base(
                memory_limit=512 << 20,
                alloc_rate=constant(33.0),
                growth_rate=constant(3.0).sum(ramp(-2.0, 12)),
                checker=check_maintain_memory_limit(no_gc_percent=False),
            ),
        ),
        ExecTest(
            name="MaintainMemoryLimitNoGCPercent",
            **_base(
                gc_percent=-1,
                memory_limit=512 << 20,
                alloc_rate=constant(33.0),
                growth_rate=constant(3.0).sum(ramp(-2.0, 12)),
                checker=check_maintain_memory_limit(no_gc_percent=True),
            ),
        ),
    ]


NAMES = [e.name for e in scenarios()]


def run(name: str) -> tuple[list[CycleResult], T]:
    e = next(s for s in scenarios() if s.name == name)
    t = T()
    try:
        results = run_exec_test(e, t)
    except FatalError:
        results = []
    return results, t


def test_nineteen_scenarios() -> None:
    assert len(NAMES) == 19 and len(set(NAMES)) == 19


@pytest.mark.parametrize("name", NAMES)
def test_gc_pacer(name: str) -> None:
    """Go: TestGcPacer/<name>, with Go's checks."""
    e = next(s for s in scenarios() if s.name == name)
    results, t = run(name)
    log = "\n".join(f"GC {r}" for r in results)
    assert not t.errors, f"{name}: {len(t.errors)} failed checks: {t.errors[:10]}\n{log}"
    assert len(results) == e.length


# --- beyond Go's assertions: the cycle-by-cycle log of Go itself ---------------------------

TRACE = Path(__file__).parent / "data" / "go119_gcpacer_trace.txt"


def go_trace() -> dict[str, list[str]]:
    """Go's per-cycle ``t.Log("GC", result)`` lines per scenario (data file header)."""
    out: dict[str, list[str]] = {}
    lines: list[str] = []
    for ln in TRACE.read_text().splitlines():
        if ln.startswith("## "):
            lines = out.setdefault(ln[3:], [])
        elif ln and not ln.startswith("#"):
            lines.append(ln)
    return out


def test_go_trace_covers_every_scenario() -> None:
    trace = go_trace()
    assert set(trace) == set(NAMES)
    for e in scenarios():
        assert len(trace[e.name]) == e.length


@pytest.mark.parametrize("name", NAMES)
def test_gc_pacer_matches_go_cycle_by_cycle(name: str) -> None:
    """Each cycle's heapLive, trigger, peak and goal equal Go 1.19.8's to the byte, and the
    utilization to Go's printed 0.1%."""
    results, _ = run(name)
    expect = go_trace()[name]
    got = [str(r) for r in results]
    diffs = [(i + 1, g, x) for i, (g, x) in enumerate(zip(got, expect, strict=True)) if g != x]
    assert not diffs, f"{name}: {len(diffs)} cycles differ from Go, first: {diffs[:3]}"


def test_checks_fail_for_a_pacer_without_cons_mark_feedback(monkeypatch) -> None:
    """The port's checks have teeth: with endCycle a no-op (no cons/mark estimate, so the
    trigger stays at its upper bound) Steady misses Go's 25% utilization."""
    from framework.pacer.go119 import Go119Pacer

    monkeypatch.setattr(Go119Pacer, "end_cycle", lambda self, **kw: None)
    _, t = run("Steady")
    assert any(msg.startswith("GC utilization not in range") for msg in t.errors)
