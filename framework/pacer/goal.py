"""Go 1.18+'s GOGC heap goal (runtime/mgcpacer.go, gcControllerState.commit).

    goal = marked + (marked + last stack scan + globals scan) * GOGC / 100

with Go's floor ``heapMinimum = 4 MiB * GOGC / 100`` (defaultHeapMinimum, scaled by GOGC),
which is also the goal before the first cycle. GOGC=off means no goal (returns None).
"""

from __future__ import annotations

HEAP_MINIMUM = 4 << 20  # Go: defaultHeapMinimum


def heap_goal(marked: int, stack_bytes: int, globals_bytes: int, gogc: int | None) -> int | None:
    """Heap goal in bytes, or None when GOGC is off."""
    if gogc is None:
        return None
    goal = marked + (marked + stack_bytes + globals_bytes) * gogc // 100
    return max(goal, HEAP_MINIMUM * gogc // 100)
