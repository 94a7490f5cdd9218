"""GC CPU against heap overhead across GOGC: the space-time trade-off of a pacer setting.

Each point is one configuration (mean over seeds, 95% CI whiskers on both axes); a
family's points are joined in order of the swept axis, each family with its own colour,
marker and line style. The first family's points are labelled with the swept values; each
label sits in the corner (of the four around its point) that crosses the fewest whiskers
and lines, and a corner never touches its own point's whiskers.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.path import Path as MplPath

from framework.plots import palette, style
from framework.plots.figure_io import axis_name, family_legend_title, save
from framework.plots.sweep_data import SweepData
from framework.reporting.metric_units import unit
from framework.reporting.stats import mean_ci

X, Y = "heap_overhead", "gc_cpu_fraction"


def plot_gogc_tradeoff(data: SweepData, out: Path) -> list[Path]:
    style.apply()
    fig, ax = plt.subplots(figsize=(style.COLUMN_IN, 3.2))
    df = data.slice_others(data.df)
    ux, uy = unit(X), unit(Y)
    segments: list[tuple[tuple[float, float], tuple[float, float]]] = []
    labels: list[tuple[float, float, str]] = []
    for fam in data.families:
        d = df[df.family == fam]
        groups = [(x, d[d[data.x] == x]) for x in data.x_values()] if data.x else [(None, d)]
        pts = []
        for xv, g in groups:
            if g.empty:
                continue
            cx, cy = mean_ci(g[X].astype(float)), mean_ci(g[Y].astype(float))
            ex = 0 if np.isnan(cx.lo) else cx.half_width * ux.scale
            ey = 0 if np.isnan(cy.lo) else cy.half_width * uy.scale
            pts.append((cx.mean * ux.scale, cy.mean * uy.scale, ex, ey, xv))
        if not pts:
            continue
        look = data.looks[fam]
        px, py = [p[0] for p in pts], [p[1] for p in pts]
        ax.errorbar(px, py, xerr=[p[2] for p in pts], yerr=[p[3] for p in pts], capsize=2,
                    elinewidth=0.7, lw=1, label=fam, **look.line())  # fmt: skip
        for (x0, y0, *_), (x1, y1, *_) in pairwise(pts):
            segments.append(((x0, y0), (x1, y1)))
        for x, y, ex, ey, xv in pts:
            segments += [((x - ex, y), (x + ex, y)), ((x, y - ey), (x, y + ey))]
            if fam == data.families[0] and xv is not None:  # one family: no clutter
                labels.append((x, y, f"{axis_name(data.x)} {xv:g}"))
    ax.set_xlabel(ux.axis_label())
    ax.set_ylabel(uy.axis_label())
    ax.set_ylim(0, ax.get_ylim()[1] * 1.05)  # from zero, room above the highest whisker
    ax.grid(alpha=0.3, lw=0.5)
    ax.set_title("GC CPU vs heap overhead" + (f" across {axis_name(data.x)}" if data.x else ""),
                 loc="left")  # fmt: skip
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2),
              ncol=min(len(data.families), 4),
              title=family_legend_title(data.family_axes))  # fmt: skip
    ax.margins(x=0.18)
    fig.tight_layout()
    place_labels(fig, ax, labels, segments)
    return save(fig, out, "gc_cpu_vs_heap_overhead")


#: label corners around a point: (offset in points, ha, va), the preferred first
CORNERS = (
    ((4, -4), "left", "top"),
    ((4, 4), "left", "bottom"),
    ((-4, 4), "right", "bottom"),
    ((-4, -4), "right", "top"),
)


def place_labels(
    fig: Any,
    ax: Any,
    labels: list[tuple[float, float, str]],
    segments: list[tuple[tuple[float, float], tuple[float, float]]],
) -> None:
    """Write each ``(x, y, text)`` label in the corner around its point that crosses the
    fewest ``segments`` (whiskers, lines; data coordinates) and stays inside the axes."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_px = ax.transData.transform
    paths = [MplPath([to_px(a), to_px(b)]) for a, b in segments]
    inside = ax.get_window_extent(renderer)
    placed: list[Any] = []
    for x, y, text in labels:
        best: tuple[int, Any] | None = None
        for offset, ha, va in CORNERS:
            t = ax.annotate(text, (x, y), xytext=offset, textcoords="offset points",
                            fontsize=6.5, color=palette.NOTE, ha=ha, va=va,
                            zorder=5)  # fmt: skip
            box = t.get_window_extent(renderer).expanded(1.05, 1.1)
            hits = sum(p.intersects_bbox(box, filled=False) for p in paths)
            hits += sum(box.overlaps(o) for o in placed)
            hits += 0 if inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1) else 9
            if best is None or hits < best[0]:
                if best is not None:
                    best[1].remove()
                best = (hits, t)
            else:
                t.remove()
        if best is not None:
            placed.append(best[1].get_window_extent(renderer))
