"""A port of Go 1.19's test wrapper ``GCController`` (runtime/export_test.go) over our
``Go119Pacer``.

Go's wrapper embeds ``gcControllerState`` and sets its runtime-side fields (heapLive,
heapScan, the scan-work counters, assistTime) directly. In gclab those fields belong to
the collector, which passes them to the pacer; here this wrapper plays the collector and
drives the pacer only through its public API: ``trigger``, ``add_globals``,
``add_scannable_stack``, ``start_cycle``, ``assist_ratio`` (Go: revise), ``goal``,
``end_cycle``, ``reset_live`` and ``commit``.

Go's test controller never updates mappedReady, heapFree, totalAlloc or totalFree, so its
``memoryLimitHeapGoal`` sees no non-heap memory: the wrapper passes an all-zero
``NonHeap`` ("we don't simulate non-heap overheads, so the memory limit and the heap limit
are identical", mgcpacer_test.go).
"""

from __future__ import annotations

from dataclasses import dataclass

from framework.pacer.base import NonHeap
from framework.pacer.go119 import Go119Pacer, Go119Params

MAX_INT64 = (1 << 63) - 1
NO_NON_HEAP = NonHeap(ready_bytes=0, heap_free_bytes=0, heap_alloc_bytes=0)


@dataclass(frozen=True)
class ReviseDelta:
    """Go: GCControllerReviseDelta."""

    heap_live: int
    heap_scan: int
    heap_scan_work: int
    stack_scan_work: int
    globals_scan_work: int


class GCController:
    """Go: export_test.go GCController (NewGCController, StartCycle, Revise, EndCycle and
    the accessors)."""

    def __init__(self, gc_percent: int, memory_limit: int) -> None:
        """Go: NewGCController → gcControllerState.init(gcPercent, memoryLimit)."""
        params = Go119Params(
            gogc="off" if gc_percent < 0 else gc_percent,
            memory_limit_mib="off" if memory_limit >= MAX_INT64 else memory_limit / (1 << 20),
        )
        self.pacer = Go119Pacer(params)
        assert self.pacer.memory_limit == memory_limit
        # gcControllerState's runtime-side fields (the collector's counters in gclab)
        self.heap_live = 0
        self.heap_scan = 0
        self.heap_scan_work = 0
        self.stack_scan_work = 0
        self.globals_scan_work = 0
        self.assist_work_per_byte = 0.0
        self.assist_bytes_per_work = 0.0
        self.nh = NO_NON_HEAP

    def start_cycle(
        self, stack_size: int, globals_size: int, scannable_frac: float, gomaxprocs: int
    ) -> None:  # gomaxprocs: Go's startCycle splits the workers; not used by the test
        """Go: GCController.StartCycle: heapLive jumps to the trigger, heapScan grows by the
        scannable part of the allocation, then gcControllerState.startCycle (which zeroes
        the work counters and ends with revise)."""
        p = self.pacer
        trigger, _ = p.trigger(self.nh)
        assert trigger is not None
        trigger = max(trigger, p.heap_marked)
        p.add_scannable_stack(stack_size - p.max_stack_scan)  # Go: c.maxStackScan = stackSize
        p.add_globals(globals_size - p.globals_scan)  # Go: c.globalsScan = globalsSize
        self.heap_live = trigger
        self.heap_scan += int(float(trigger - p.heap_marked) * scannable_frac)
        # gcControllerState.startCycle(markStartTime=0, gomaxprocs, gcTriggerHeap)
        self.heap_scan_work = self.stack_scan_work = self.globals_scan_work = 0
        p.start_cycle(self.nh)
        self._revise()

    def revise(self, d: ReviseDelta) -> None:
        """Go: GCController.Revise."""
        self.heap_live += d.heap_live
        self.heap_scan += d.heap_scan
        self.heap_scan_work += d.heap_scan_work
        self.stack_scan_work += d.stack_scan_work
        self.globals_scan_work += d.globals_scan_work
        self._revise()

    def _revise(self) -> None:
        work = self.heap_scan_work + self.stack_scan_work + self.globals_scan_work
        self.assist_work_per_byte, self.assist_bytes_per_work = self.pacer.assist_ratio(
            work, self.heap_live, self.heap_scan, None, self.nh
        )

    def end_cycle(self, bytes_marked: int, assist_time: int, elapsed: int, gomaxprocs: int) -> None:
        """Go: GCController.EndCycle: endCycle(now=elapsed; markStartTime is 0, idle mark
        time 0), resetLive(bytesMarked), commit(isSweepDone=false)."""
        p = self.pacer
        p.end_cycle(
            heap_live=self.heap_live,
            mark_ns=elapsed,
            assist_ns=assist_time,
            idle_ns=0,
            scan_work=self.heap_scan_work + self.stack_scan_work + self.globals_scan_work,
            nprocs=gomaxprocs,
        )
        p.reset_live(bytes_marked, self.heap_scan_work, self.stack_scan_work)
        self.heap_live = bytes_marked
        self.heap_scan = self.heap_scan_work
        p.commit(heap_live=self.heap_live, sweep_done=False)

    def heap_goal(self) -> int:
        goal = self.pacer.goal(self.nh)
        assert goal is not None
        return goal

    def heap_marked(self) -> int:
        return self.pacer.heap_marked

    def triggered(self) -> int:
        assert self.pacer.triggered is not None
        return self.pacer.triggered
