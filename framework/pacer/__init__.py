"""Pacers decide when a cycle starts (trigger) and what heap size it aims at (goal)."""

from framework.pacer.goal import HEAP_MINIMUM, heap_goal

__all__ = ["HEAP_MINIMUM", "heap_goal"]
