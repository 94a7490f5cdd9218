"""GC CPU against heap overhead across GOGC: the space-time trade-off of a pacer setting.

Each point is one configuration (mean over seeds, 95% CI whiskers on both axes); a
family's points are joined in order of the swept axis and labelled with its values.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from framework.metric_units import unit
from framework.plots import style
from framework.plots.figure_io import axis_name, family_legend_title, save
from framework.plots.sweep_data import SweepData
from framework.stats import mean_ci

X, Y = "heap_overhead", "gc_cpu_fraction"


def plot_gogc_tradeoff(data: SweepData, out: Path) -> list[Path]:
    style.apply()
    fig, ax = plt.subplots(figsize=(style.COLUMN_IN, 2.8))
    df = data.slice_others(data.df)
    ux, uy = unit(X), unit(Y)
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
        c = data.colours[fam]
        px, py = [p[0] for p in pts], [p[1] for p in pts]
        ax.plot(px, py, "-", color=c, lw=1, label=fam)
        ax.errorbar(px, py, xerr=[p[2] for p in pts], yerr=[p[3] for p in pts], fmt="o", ms=3,
                    color=c, capsize=2, lw=0.8)  # fmt: skip
        for x, y, _, _, xv in pts if fam == data.families[0] else []:  # one family: no clutter
            if xv is not None:
                ax.annotate(f"{axis_name(data.x)} {xv:g}", (x, y), xytext=(5, -9),
                            textcoords="offset points", fontsize=7, color=c,
                            ha="left")  # fmt: skip
    ax.set_xlabel(ux.axis_label())
    ax.set_ylabel(uy.axis_label())
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3, lw=0.5)
    ax.set_title("GC CPU vs heap overhead" + (f" across {axis_name(data.x)}" if data.x else ""),
                 loc="left")  # fmt: skip
    ax.legend(frameon=False, loc="upper right", title=family_legend_title(data.family_axes))
    ax.margins(x=0.12)
    fig.tight_layout()
    return save(fig, out, "gc_cpu_vs_heap_overhead")
