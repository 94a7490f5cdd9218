"""Colours of collectors, barriers and per-P activity, shared by every sweep figure.

Rule: a collector keeps ``style.COLLECTOR_COLOURS``'s colour everywhere; the concurrent
collector with Go's hybrid barrier *is* that colour, and its other barriers get fixed
colours of their own (never one of a collector's).
"""

from __future__ import annotations

from framework.plots import style

BARRIER_COLOURS = {
    "hybrid": style.COLLECTOR_COLOURS["concurrent"],
    "dijkstra": "#937860",
    "yuasa": "#8172b3",
    "none": "#da8bc3",
    "hybrid-go": "#64b5cd",
}

#: colours for families that share (or lack) a collector colour
FALLBACK = ("#64b5cd", "#8c8c8c", "#ccb974", "#17becf", "#bcbd22", "#7f7f7f", "#aec7e8")

#: per-P activity, after Go's execution trace viewer (mutator calm, GC work warm, STW red)
ACTIVITY_COLOURS = {
    "mutator": "#9ecae1",
    "gc_dedicated": "#fd8d3c",
    "gc_fractional": "#fdd0a2",
    "gc_idle": "#dadaeb",
    "gc_assist": "#9e58b8",
    "sweep": "#a1d99b",
    "rc": "#74c476",
    "gc_stw": "#d62728",
}
ACTIVITY_LABELS = {
    "mutator": "mutator",
    "gc_dedicated": "dedicated mark worker",
    "gc_fractional": "fractional mark worker",
    "gc_idle": "idle mark worker",
    "gc_assist": "mark assist",
    "sweep": "sweep",
    "rc": "reference counting",
    "gc_stw": "stop-the-world",
}


def colour_of(collector: str, barrier: str | None = None) -> str:
    """The colour of a collector (and, for ``concurrent``, of its write barrier)."""
    if collector == "concurrent" and barrier in BARRIER_COLOURS:
        return BARRIER_COLOURS[barrier]
    return style.collector_colour(collector)
