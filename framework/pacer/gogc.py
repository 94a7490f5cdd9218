"""The GOGC pacer for a stop-the-world collector: collect when the heap reaches its goal.

A stop-the-world cycle needs no runway (the world does not allocate while it runs), so the
trigger is the goal itself. The concurrent collector's pacer (trigger inside the runway,
assists, memory limit) builds on the same goal.
"""

from __future__ import annotations

from dataclasses import dataclass

from framework.pacer.goal import heap_goal


@dataclass
class GogcPacer:
    gogc: int | None  # None: GOGC=off

    def goal(self, marked: int, stack_bytes: int, globals_bytes: int) -> int | None:
        return heap_goal(marked, stack_bytes, globals_bytes, self.gogc)

    def trigger(self, goal: int | None, marked: int) -> int | None:
        return goal
