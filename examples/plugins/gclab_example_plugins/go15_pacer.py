"""Go 1.5's pacer as a gclab plugin: a trigger ratio adapted by a feedback loop each cycle.

Go 1.5-1.17 started a cycle when the heap reached ``marked * (1 + triggerRatio)`` and, at the
end of each cycle, moved ``triggerRatio`` toward the value that would have finished marking
exactly at the goal while using the goal utilisation (Clements, "Go 1.5 concurrent garbage
collector pacing", 2015; Go 1.17 ``mgcpacer.go``/``mgc.go`` ``endCycle``):

    error = h_g - h_T - (u_a / u_g) * (h_a - h_T)        h_T += K_T * error

with h_g the goal growth (GOGC/100), h_a the growth reached at mark end, u_a the GC CPU
utilisation of the cycle (background 25% plus assists), u_g = 0.30 and K_T = 0.5. Go 1.18
replaced it with the cons/mark pacer gclab ships as ``go119``. Written against gclab's
public pacer API only: subclassing ``framework.pacer.Pacer`` and registering it is all it
takes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from framework import pacer
from framework.pacer import NonHeap, Pacer, PacerParams
from framework.pacer.base import assist_ratios
from framework.pacer.goal import heap_goal

GOAL_UTILIZATION = 0.30  # u_g: Go 1.5 gcGoalUtilization
BACKGROUND_UTILIZATION = 0.25  # Go 1.5 gcBackgroundUtilization
TRIGGER_GAIN = 0.5  # K_T: Go 1.5 triggerGain


class Go15Params(PacerParams):
    name: Literal["go15"] = "go15"
    initial_trigger_ratio: float = Field(
        7 / 8, gt=0, le=10, description="h_T before any feedback (Go 1.5: 7/8)"
    )


class Go15Pacer(Pacer):
    """Go 1.5's feedback pacer (no memory limit: Go 1.19 added that)."""

    name = "go15"
    Params = Go15Params
    params: Go15Params

    def __init__(self, params: PacerParams) -> None:
        super().__init__(params)
        self.trigger_ratio = self.params.initial_trigger_ratio
        self.last_scan = 0
        self.stack_scan = 0

    def _goal_growth(self) -> float:
        return (self.gogc or 0) / 100

    def reset_live(
        self,
        marked: int,
        heap_scan_work: int,
        stack_scan_work: int,
        globals_bytes: int | None = None,
    ) -> None:
        if globals_bytes is not None:
            self.globals_scan = globals_bytes
        self.heap_marked = marked
        self.last_scan = heap_scan_work + stack_scan_work + self.globals_scan
        self.stack_scan = stack_scan_work
        self.triggered = None

    def commit(self, heap_live: int, sweep_done: bool) -> None:
        pass

    def goal(self, nh: NonHeap | None = None) -> int | None:
        return heap_goal(self.heap_marked, self.stack_scan, self.globals_scan, self.gogc)

    def trigger(self, nh: NonHeap | None = None) -> tuple[int | None, int | None]:
        goal = self.goal(nh)
        if goal is None:
            return None, None
        trig = self.heap_marked + int(
            self.trigger_ratio / self._goal_growth() * (goal - self.heap_marked)
        )
        return min(trig, goal), goal

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
        h_g = self._goal_growth()
        if self.heap_marked <= 0 or mark_ns <= 0 or h_g <= 0:
            return
        h_a = heap_live / self.heap_marked - 1
        u_a = BACKGROUND_UTILIZATION + assist_ns / (mark_ns * nprocs)
        error = h_g - self.trigger_ratio - u_a / GOAL_UTILIZATION * (h_a - self.trigger_ratio)
        self.trigger_ratio = min(max(self.trigger_ratio + TRIGGER_GAIN * error, 0.0), 0.95 * h_g)

    def assist_ratio(
        self,
        work_done: int,
        heap_live: int,
        heap_scan: int,
        max_stack_scan: int | None = None,
        nh: NonHeap | None = None,
    ) -> tuple[float, float]:
        stacks = self.max_stack_scan if max_stack_scan is None else max_stack_scan
        goal = self.goal(nh) or heap_live + 1
        expected = max(self.last_scan, heap_scan + stacks + self.globals_scan)
        return assist_ratios(expected, work_done, goal, heap_live)

    def state(self) -> dict[str, float]:
        return {"trigger_ratio": self.trigger_ratio}


pacer.register(Go15Pacer)
