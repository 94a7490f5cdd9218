"""Go 1.5's pacer as a gclab plugin: a trigger ratio adapted by a feedback loop each cycle.

Go 1.5-1.17 started a cycle when the heap reached ``marked * (1 + triggerRatio)`` and, at the
end of each cycle, moved ``triggerRatio`` toward the value that would have finished marking
exactly at the goal while using the goal utilisation (Clements, "Go 1.5 concurrent garbage
collector pacing", 2015; Go 1.17 ``mgcpacer.go``/``mgc.go`` ``endCycle``):

    error = h_g - h_T - (u_a / u_g) * (h_a - h_T)        h_T += K_T * error

with h_g the goal growth (GOGC/100), h_a the growth reached at mark end, u_a the GC CPU
utilisation of the cycle (background 25% plus assists), u_g = 0.30 and K_T = 0.5. Go 1.18
replaced it with the cons/mark pacer gclab ships as ``go119``. Written against gclab's
public pacer API only: subclassing a built-in pacer (``FixedRatioPacer``) and registering
it is all it takes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from framework import pacer
from framework.pacer import NonHeap, PacerParams
from framework.pacer.fixed import FixedRatioPacer

GOAL_UTILIZATION = 0.30  # u_g: Go 1.5 gcGoalUtilization
BACKGROUND_UTILIZATION = 0.25  # Go 1.5 gcBackgroundUtilization
TRIGGER_GAIN = 0.5  # K_T: Go 1.5 triggerGain


class Go15Params(PacerParams):
    name: Literal["go15"] = "go15"
    initial_trigger_ratio: float = Field(
        7 / 8, gt=0, le=10, description="h_T before any feedback (Go 1.5: 7/8)"
    )


class Go15Pacer(FixedRatioPacer):
    """Go 1.5's feedback pacer (no memory limit: Go 1.19 added that). The goal, the
    bookkeeping and the assist ratio are the fixed-ratio pacer's (its parent); only the
    trigger and its feedback differ."""

    name = "go15"
    Params = Go15Params
    params: Go15Params  # type: ignore[assignment]

    def __init__(self, params: PacerParams) -> None:
        super().__init__(params)
        self.trigger_ratio = self.params.initial_trigger_ratio

    def trigger(self, nh: NonHeap | None = None) -> tuple[int | None, int | None]:
        goal = self.goal(nh)
        if goal is None:
            return None, None
        h_g = (self.gogc or 0) / 100
        trig = self.heap_marked + int(self.trigger_ratio / h_g * (goal - self.heap_marked))
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
        h_g = (self.gogc or 0) / 100
        if self.heap_marked <= 0 or mark_ns <= 0 or h_g <= 0:
            return
        h_a = heap_live / self.heap_marked - 1
        u_a = BACKGROUND_UTILIZATION + assist_ns / (mark_ns * nprocs)
        error = h_g - self.trigger_ratio - u_a / GOAL_UTILIZATION * (h_a - self.trigger_ratio)
        self.trigger_ratio = min(max(self.trigger_ratio + TRIGGER_GAIN * error, 0.0), 0.95 * h_g)

    def state(self) -> dict[str, float]:
        return {"trigger_ratio": self.trigger_ratio}


pacer.register(Go15Pacer)
