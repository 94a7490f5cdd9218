"""The one palette: every colour, marker, line style and hatch a figure draws a series with.

Rules:
- every series colour in ``framework/plots`` and ``experiments/*/study.py`` comes from
  here (``tests/plots/test_palette.py`` greps for hard-coded colours);
- one entry per collector, write barrier, pacer and per-P activity (worker kind); a new
  plug-in adds its entry here (the coverage test fails until it does);
- a collector keeps its look everywhere; the concurrent collector with Go's hybrid barrier
  *is* that look, and its other barriers get looks of their own;
- series must survive greyscale printing: every line look has its own (marker, line style)
  pair, looks drawn together differ in luminance, and bars/areas carry hatches where
  colour alone would separate them (activities closer than ``MIN_LUMA_STEP`` in luminance
  differ in hatch).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

#: the least luminance difference (0-255, PIL's ``L``) between looks drawn side by side
MIN_LUMA_STEP = 25.0

#: neutral inks: reference lines, confidence bands, notes, hatch strokes, edges
GUIDE = "#707070"  # reference lines (y = x, a goal, 1 + GOGC/100)
BAND = "#dddddd"  # a tolerance band
CI_BAND = "#999999"  # the legend's swatch for confidence bands (drawn at low alpha)
NOTE = "#555555"  # notes written on a figure
HATCH_INK = "#333333"  # hatch strokes on light areas
HATCH_ON_DARK = "#c8c8c8"  # hatch strokes on dark areas (luminance under 100)
EDGE = "#808080"  # outlines (the idle swatch, bars' edges)
PAPER = "#ffffff"  # idle processor time: nothing drawn


@dataclass(frozen=True)
class Look:
    """How one series is drawn: colour, marker and line style for lines, hatch for areas."""

    colour: str
    marker: str
    linestyle: Any  # a matplotlib line style: "-", "--", ":", "-." or (offset, on-off)
    hatch: str = ""

    def line(self, **kw: Any) -> dict[str, Any]:
        """Keyword arguments for ``ax.plot``/``ax.errorbar`` (colour, marker, line style)."""
        return {"color": self.colour, "marker": self.marker, "ls": self.linestyle, **kw}

    def area(self, **kw: Any) -> dict[str, Any]:
        """Keyword arguments for ``ax.bar``/``broken_barh``/``Patch`` (fill and hatch)."""
        ink = HATCH_INK if luminance(self.colour) >= 100 else HATCH_ON_DARK
        return {"facecolor": self.colour, "hatch": self.hatch, "edgecolor": ink, **kw}


DASH_DOT_DOT = (0, (5, 1.5, 1, 1.5, 1, 1.5))
LONG_DASH = (0, (8, 2))
DENSE_DOT = (0, (1, 1))
DENSE_DASH_DOT = (0, (3, 1, 1, 1))

#: collectors (``framework.collectors``); ``rc_cycle`` is RC with trial deletion
COLLECTORS: dict[str, Look] = {
    "stw": Look("#14305e", "s", "--", "////"),
    "concurrent": Look("#f28e2b", "o", "-", ""),
    "rc": Look("#59a14f", "^", DASH_DOT_DOT, "...."),
    "rc_cycle": Look("#b2353f", "v", LONG_DASH, "xxxx"),
}
#: the concurrent collector's write barriers (``collector.barrier``)
BARRIERS: dict[str, Look] = {
    "hybrid": COLLECTORS["concurrent"],
    "dijkstra": Look("#6b4423", "D", "-.", "\\\\\\\\"),
    "yuasa": Look("#926fc8", "P", ":", "++++"),
    "hybrid-go": Look("#2a8080", "X", DENSE_DASH_DOT, "----"),
    "none": Look("#f1a7c9", "h", DENSE_DOT, "oo"),
}
#: pacers (``framework.pacer``), for families that differ only in their pacer
PACERS: dict[str, Look] = {
    "go119": Look("#4e79a7", "p", "-", ""),
    "fixed": Look("#edc948", "*", "--", "////"),
}
#: looks for families that share (or lack) one of the above: their own marker and line style
FALLBACK: tuple[Look, ...] = (
    Look("#17becf", "<", (0, (4, 2, 1, 2)), "\\\\"),
    Look("#8c8c8c", ">", (0, (2, 2)), "//"),
    Look("#bcbd22", "d", (0, (6, 1, 1, 1)), "xx"),
    Look("#e377c2", "H", (0, (1, 2)), ".."),
    Look("#7f7f7f", "8", (0, (10, 3)), "++"),
    Look("#aec7e8", "1", (0, (3, 3, 1, 3)), "--"),
)

#: per-P activity (``events.PKind``, lower-case), after Go's trace viewer: mutator calm, GC
#: work warm, STW dark red; kinds close in luminance differ in hatch
ACTIVITY: dict[str, Look] = {
    "mutator": Look("#a6cee3", "o", "-", ""),
    "gc_dedicated": Look("#f08c3c", "o", "-", ""),
    "gc_fractional": Look("#fdc086", "s", "--", "////"),
    "gc_idle": Look("#e0e0f0", "^", ":", "...."),
    "gc_assist": Look("#9b59b6", "s", "-", ""),
    "sweep": Look("#8fd175", "D", "-.", "\\\\\\\\"),
    "rc": Look("#3a8e3a", "v", "--", "xxxx"),
    "scavenge": Look("#b8a68a", "P", ":", "----"),
    "gc_stw": Look("#8b1a1a", "X", "-", ""),
}
ACTIVITY_LABELS = {
    "mutator": "mutator",
    "gc_dedicated": "dedicated mark worker",
    "gc_fractional": "fractional mark worker",
    "gc_idle": "idle mark worker",
    "gc_assist": "mark assist",
    "sweep": "sweep",
    "rc": "reference counting",
    "scavenge": "scavenger",
    "gc_stw": "stop-the-world",
}
ACTIVITY_COLOURS = {k: v.colour for k, v in ACTIVITY.items()}

#: series of one run's heap (overview, heap_over_time) and of the studies' own figures
SERIES: dict[str, Look] = {
    "inuse": Look("#1f3f78", "", "-"),
    "alloc": Look("#7fa6d8", "", "-."),
    "goal": Look("#b2353f", "", "--"),
    "live": Look("#3a8e3a", "o", "none"),
    "pause": Look("#c0c0c0", "", "-", "////"),
    "trigger": Look("#3a8e3a", "o", "-"),  # heap at the GC trigger / goal
    "mark_end": Look("#e8702a", "s", "--"),  # heap at mark termination / goal
    "real_go": Look("#222222", "s", "-"),  # a recorded Go run
    "fitted": Look("#1f3f78", "o", "none"),  # configurations the cost fit saw
    "heldout": Look("#f28e2b", "^", "none"),  # configurations kept out of the fit
    "mmu": Look("#1f3f78", "", "-"),
}

COLLECTOR_COLOURS = {k: v.colour for k, v in COLLECTORS.items()}
BARRIER_COLOURS = {k: v.colour for k, v in BARRIERS.items()}
SERIES_COLOURS = {k: v.colour for k, v in SERIES.items()}

#: looks drawn side by side somewhere (quick start, barriers study, rc_vs_tracing, the
#: heap panels, the pacer study): their luminances differ by at least ``MIN_LUMA_STEP``
USED_TOGETHER: dict[str, tuple[Look, ...]] = {
    "collectors": tuple(COLLECTORS.values()),
    "quickstart families": (
        BARRIERS["hybrid"],
        BARRIERS["yuasa"],
        BARRIERS["dijkstra"],
        COLLECTORS["stw"],
    ),
    "barriers": tuple(BARRIERS.values()),
    "pacers": tuple(PACERS.values()),
    "heap series": (SERIES["inuse"], SERIES["alloc"], SERIES["goal"], SERIES["pause"]),
    "pacer study": (ACTIVITY["gc_dedicated"], ACTIVITY["gc_assist"]),
    "validation": (SERIES["fitted"], SERIES["heldout"]),
}


def luminance(colour: str) -> float:
    """Luminance 0-255 of ``#rrggbb`` as greyscale conversion (PIL's ``L``) computes it."""
    h = colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b


def collector_look(collector: dict[str, Any] | str, barrier: str | None = None) -> Look:
    """The look of a collector config (``{"name": ..., "barrier": ...}``) or name."""
    cfg = {"name": collector, "barrier": barrier} if isinstance(collector, str) else collector
    name = cfg.get("name", "")
    if name == "concurrent" and cfg.get("barrier") in BARRIERS:
        return BARRIERS[cfg["barrier"]]
    if name == "concurrent" and cfg.get("barrier"):
        return barrier_look(cfg["barrier"])
    if name == "rc" and cfg.get("cycle_collection"):
        return COLLECTORS["rc_cycle"]
    return COLLECTORS.get(name, FALLBACK[0])


def barrier_look(name: str) -> Look:
    """A write barrier's look: the palette's entry for a built-in, else the look its
    registered ``Barrier`` carries (a plugin's), else a spare one."""
    if name in BARRIERS:
        return BARRIERS[name]
    from framework.collectors import barriers

    look = barriers.get(name).look if name in barriers.names() else None
    return look if isinstance(look, Look) else FALLBACK[0]


def colour_of(collector: str, barrier: str | None = None) -> str:
    """The colour of a collector (and, for ``concurrent``, of its write barrier)."""
    return collector_look(collector, barrier).colour


def distinct_looks(wanted: list[Look | None]) -> list[Look]:
    """One look per series: the wanted one unless an earlier series has its colour or its
    (marker, line style), else the next unused fallback."""
    out: list[Look] = []
    spare = iter(FALLBACK)

    def clash(look: Look) -> bool:
        return any(
            look.colour == o.colour or (look.marker, look.linestyle) == (o.marker, o.linestyle)
            for o in out
        )

    for look in wanted:
        while look is None or clash(look):
            look = next(spare, None)
            if look is None:  # more series than fallbacks: reuse with a thinner variation
                look = replace(FALLBACK[len(out) % len(FALLBACK)], marker=str(len(out) % 5))
                break
        out.append(look)
    return out
