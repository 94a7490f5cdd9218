"""Metrics: pure functions of a finished ``RunLog`` (DESIGN.md §3). Nothing here touches
simulation state."""

from framework.metrics.cpu import cpu_by_kind, cpu_stats
from framework.metrics.fragmentation import (
    external_fragmentation,
    fragmentation_stats,
    internal_fragmentation,
)
from framework.metrics.heap import heap_live_mean_bytes, heap_stats, time_weighted_mean
from framework.metrics.mmu import MMU_GC_KINDS, bmu, default_windows, gc_curve, mmu
from framework.metrics.pauses import pause_durations, pause_stats
from framework.metrics.summary import summarize, to_builtin

__all__ = [
    "MMU_GC_KINDS",
    "bmu",
    "cpu_by_kind",
    "cpu_stats",
    "default_windows",
    "external_fragmentation",
    "fragmentation_stats",
    "gc_curve",
    "heap_live_mean_bytes",
    "heap_stats",
    "internal_fragmentation",
    "mmu",
    "pause_durations",
    "pause_stats",
    "summarize",
    "time_weighted_mean",
    "to_builtin",
]
