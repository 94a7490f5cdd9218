"""A fixed-trigger-ratio pacer: start a cycle when the heap has used a fixed fraction of the
runway to the GOGC goal. This is the shape of Go 1.5-1.17's trigger without its feedback
loop (Go 1.5 adapted the ratio each cycle; here it stays put), useful as a baseline for
pacer studies."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from framework.pacer.base import NonHeap, Pacer, PacerParams, assist_ratios
from framework.pacer.goal import heap_goal


class FixedParams(PacerParams):
    name: Literal["fixed"] = "fixed"
    trigger_ratio: float = Field(0.7, gt=0, le=1, description="trigger at marked + ratio*runway")

    @field_validator("memory_limit_mib")
    @classmethod
    def _no_limit(cls, v: float | str) -> float | str:
        if v != "off":
            raise ValueError("the fixed pacer has no memory limit; use pacer.name = 'go119'")
        return v


class FixedRatioPacer(Pacer):
    name = "fixed"
    Params = FixedParams
    params: FixedParams

    def __init__(self, params: PacerParams) -> None:
        super().__init__(params)
        self.last_scan = 0
        self.stack_scan = 0

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
        trig = self.heap_marked + int(self.params.trigger_ratio * (goal - self.heap_marked))
        return trig, goal

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
