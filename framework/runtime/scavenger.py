"""Go 1.19's background scavenger policy (runtime/mgcscavenge.go), as plain bookkeeping: no
simpy and no clock of its own (callers pass ``now_ns``).

Rules, each from the Go 1.19 function named:

- **Goals** (gcPaceScavenger, called by gcControllerCommit at mark termination):
  - memory-limit goal: Go 1.19 computes ``limit * (100 - reduceExtraPercent)``, i.e. 95x the
    limit, not 95% of it (golang/go#62449), so the memory-limit goal is never in force and the
    limit is kept only by allocating goroutines (mheap.allocSpan). ``fixed_limit_goal=True``
    uses the intended ``limit * (1 - reduceExtraPercent/100)``. Either way the goal is off
    while mappedReady is at or below it.
  - GC-percent goal: ``lastHeapInUse * heapGoal / lastHeapGoal``, plus retainExtraPercent
    (10%), rounded up to a physical page; off before the first cycle (lastHeapGoal == 0)
    and while heapRetained (heapInUse + heapFree) is within one physical page of it.
- **Stopping** (scavengerState.init's shouldStop): heapRetained <= GC-percent goal and
  mappedReady <= memory-limit goal.
- **Work** (scavengerState.run): release 64 KiB quanta, highest addresses first, until 1 ms
  of work, a stop, or the heap is out of free unscavenged pages (a quantum came back short).
- **Pacing** (bgscavenge, scavengerState.sleep): after a batch that released something,
  sleep ``max(worked, 1 ms) / sleepRatio``; after the sleep a PI controller (kp 0.3375,
  ti 3.2e6, tt 1e9, output in [0.001, 1000]) moves sleepRatio so the scavenger uses
  scavengePercent (1%) of ``GOMAXPROCS`` x wall time. A batch that released nothing parks
  the scavenger until it is woken (Go: at the end of each sweep, finishsweep_m and bgsweep).

The synchronous scavenging done by allocating goroutines is in the allocation kernel
(``kernels/alloc.py: new_span``), driven by the counters ``publish`` writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from framework.runtime import layout as L
from framework.runtime.heap import Heap
from framework.runtime.kernels.scavenge import scavenge_pages
from framework.runtime.sizeclasses import PAGE_SIZE

NONE = L.NO_LIMIT_BYTES  # Go: ^uint64(0), "no goal"
SCAVENGE_PERCENT = 1  # Go: scavengePercent
RETAIN_EXTRA_PERCENT = 10  # Go: retainExtraPercent
REDUCE_EXTRA_PERCENT = 5  # Go: reduceExtraPercent
PHYS_PAGE_SIZE = 4096  # linux/amd64 physPageSize
STARTING_SLEEP_RATIO = 0.001  # Go: startingScavSleepRatio
MIN_WORK_NS = 1e6  # Go: minScavWorkTime
SCAVENGE_QUANTUM = 64 << 10  # Go: scavengerState.run's scavengeQuantum
APPROX_NS_PER_PHYS_PAGE = 10e3  # Go: run's approxWorkedNSPerPhysicalPage (zero-cost fallback)
SCAVENGE_COST_RATIO = 0.0  # Go: scavengeCostRatio (0 except on Darwin/iOS)
CONTROLLER_COOLDOWN_NS = 5e9  # Go: sleep's controllerCooldown after a controller failure


def pace_goals(
    memory_limit: int,
    heap_goal: int,
    last_heap_goal: int,
    last_heap_inuse: int,
    heap_retained: int,
    mapped_ready: int,
    fixed_limit_goal: bool = False,
) -> tuple[int, int]:
    """(gcPercentGoal, memoryLimitGoal) as Go 1.19's gcPaceScavenger sets them; ``NONE``
    means that goal is met (not in force)."""
    if memory_limit >= NONE:
        limit_goal = NONE
    else:
        factor = (
            (1 - REDUCE_EXTRA_PERCENT / 100) if fixed_limit_goal else 100 - REDUCE_EXTRA_PERCENT
        )
        limit_goal = min(int(memory_limit * factor), NONE)
        if mapped_ready <= limit_goal:
            limit_goal = NONE
    if last_heap_goal == 0:
        return NONE, limit_goal
    goal = int(last_heap_inuse * (heap_goal / last_heap_goal))
    goal += goal // (100 // RETAIN_EXTRA_PERCENT)
    goal = -(-goal // PHYS_PAGE_SIZE) * PHYS_PAGE_SIZE
    if heap_retained <= goal or heap_retained - goal < PHYS_PAGE_SIZE:
        goal = NONE
    return goal, limit_goal


@dataclass
class SleepController:
    """Go's piController (mgcpacer.go) with the scavenger's tuning (scavengerState.init)."""

    kp: float = 0.3375
    ti: float = 3.2e6
    tt: float = 1e9
    lo: float = 0.001
    hi: float = 1000.0
    err_integral: float = 0.0

    def next(self, value: float, setpoint: float, period: float) -> tuple[float, bool]:
        raw = self.kp * (setpoint - value) + self.err_integral
        if not math.isfinite(raw):
            self.err_integral = 0.0
            return self.lo, False
        out = min(max(raw, self.lo), self.hi)
        self.err_integral += (self.kp * period / self.ti) * (setpoint - value) + (
            period / self.tt
        ) * (out - raw)
        if not math.isfinite(self.err_integral):
            self.err_integral = 0.0
            return self.lo, False
        return out, True


@dataclass(frozen=True)
class ScavengeStep:
    """One turn of the background scavenger's loop."""

    released_bytes: int
    cost_ns: float  # CPU time of the batch, to run on a P before sleeping
    sleep_ns: float | None  # then sleep this long; None: park until ``wake``


class Scavenger:
    """Go 1.19's background scavenger (bgscavenge) and its pacing (gcPaceScavenger)."""

    def __init__(self, nprocs: int, fixed_limit_goal: bool = False) -> None:
        self.nprocs = nprocs
        self.fixed_limit_goal = fixed_limit_goal
        self.gc_percent_goal = NONE
        self.memory_limit_goal = NONE
        self.sleep_ratio = STARTING_SLEEP_RATIO
        self.controller = SleepController()
        self.cooldown_ns = 0.0
        self.parked = True  # Go: bgscavenge parks right after starting
        self._sleep_start: float | None = None
        self._worked = 0.0
        self.released_bytes = 0
        self.work_ns = 0.0
        self.batches = 0

    # --- pacing (mark termination) --------------------------------------------------------
    def pace(
        self,
        heap: Heap,
        *,
        memory_limit: int,
        heap_goal: int,
        last_heap_goal: int,
        last_heap_inuse: int,
        nonheap_ready: int,
    ) -> None:
        """Go: gcPaceScavenger, from gcControllerCommit at mark termination. ``heap_goal`` is
        the next cycle's goal, ``last_heap_goal`` the goal of the cycle that just ended (0
        before any), ``last_heap_inuse`` HeapInuse at this mark termination, before sweeping.
        Also publishes the limit and the GC-percent goal to the allocation kernel."""
        ready = heap.heap_ready_bytes()
        self.gc_percent_goal, self.memory_limit_goal = pace_goals(
            memory_limit,
            heap_goal,
            last_heap_goal,
            last_heap_inuse,
            heap_retained=ready,
            mapped_ready=ready + nonheap_ready,
            fixed_limit_goal=self.fixed_limit_goal,
        )
        self.publish(heap, memory_limit, nonheap_ready)

    def publish(self, heap: Heap, memory_limit: int, nonheap_ready: int) -> None:
        """Set the counters the allocation kernel's synchronous scavenging reads."""
        ctr = heap.a.ctr
        ctr[L.MEMORY_LIMIT] = min(memory_limit, NONE)
        ctr[L.SCAV_GC_GOAL] = self.gc_percent_goal
        ctr[L.NONHEAP_READY] = nonheap_ready

    def should_stop(self, heap_retained: int, mapped_ready: int) -> bool:
        """Go: scavengerState.shouldStop."""
        return heap_retained <= self.gc_percent_goal and mapped_ready <= self.memory_limit_goal

    # --- the background goroutine ---------------------------------------------------------
    def wake(self) -> bool:
        """Go: scavengerState.wake (end of sweep). True if the scavenger was parked or
        asleep, i.e. the caller should resume it now."""
        was = self.parked
        self.parked = False
        return was

    def run(self, heap: Heap, cost: object, nonheap_ready: int) -> tuple[int, float]:
        """Go: scavengerState.run. Returns (bytes released, work in ns)."""
        released = 0
        worked = 0.0
        quantum = SCAVENGE_QUANTUM // PAGE_SIZE
        while worked < MIN_WORK_NS:
            ready = heap.heap_ready_bytes()
            if self.should_stop(ready, ready + nonheap_ready):
                break
            pages, t = scavenge_pages(heap.a, quantum, cost)
            worked += t if t > 0 else APPROX_NS_PER_PHYS_PAGE * pages * PAGE_SIZE / PHYS_PAGE_SIZE
            released += int(pages) * PAGE_SIZE
            if pages < quantum:
                break
        return released, worked

    def work(self, heap: Heap, cost: object, nonheap_ready: int, now_ns: float) -> ScavengeStep:
        """One turn of bgscavenge's loop at ``now_ns``: account the sleep that just ended
        (scavengerState.sleep's controller update), run a batch, then say how long to sleep
        or to park. The caller runs ``cost_ns`` on a P, then sleeps (``wake`` may end the
        sleep early), then calls ``work`` again."""
        if self._sleep_start is not None:
            self._after_sleep(now_ns - self._sleep_start)
            self._sleep_start = None
        self.parked = False
        released, worked = self.run(heap, cost, nonheap_ready)
        self.released_bytes += released
        self.work_ns += worked
        self.batches += 1
        if released == 0:
            self.parked = True
            return ScavengeStep(0, worked, None)
        # Go: scavengerState.sleep counts at least minScavWorkTime of work.
        self._worked = max(worked, MIN_WORK_NS) * (1 + SCAVENGE_COST_RATIO)
        self._sleep_start = now_ns + worked
        self.parked = True  # Go: sleep parks too, so wake() cuts it short
        return ScavengeStep(released, worked, self._worked / self.sleep_ratio)

    def _after_sleep(self, slept_ns: float) -> None:
        """Go: the end of scavengerState.sleep: the sleep-ratio controller update."""
        worked = self._worked
        if self.cooldown_ns > 0:
            t = slept_ns + worked
            self.cooldown_ns = 0.0 if t > self.cooldown_ns else self.cooldown_ns - t
            return
        fraction = worked / ((slept_ns + worked) * self.nprocs)
        ratio, ok = self.controller.next(fraction, SCAVENGE_PERCENT / 100, slept_ns + worked)
        if ok:
            self.sleep_ratio = ratio
        else:
            self.sleep_ratio = STARTING_SLEEP_RATIO
            self.cooldown_ns = CONTROLLER_COOLDOWN_NS
