"""Pause CDFs: the distribution of every stop-the-world pause, pooled over seeds, one line
per family (its colour, marker and line style), one panel per value of the swept axis (at
most four, evenly picked), sharing both axes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from framework.plots import style
from framework.plots.figure_io import (
    axis_name,
    family_legend_title,
    markevery,
    panel_title,
    plain_log_ticks,
    save,
)
from framework.plots.sweep_data import SweepData
from framework.sweep.results import load_series


def panel_values(data: SweepData, most: int = 4) -> list[Any]:
    xs = data.x_values()
    if len(xs) <= most:
        return xs
    idx = np.unique(np.linspace(0, len(xs) - 1, most).round().astype(int))
    return [xs[i] for i in idx]


def panels(data: SweepData, most: int = 4) -> tuple[Any, Any, list[Any]]:
    values = panel_values(data, most) or [None]
    n = len(values)
    width = style.COLUMN_IN if n == 1 else style.FULL_IN
    fig, axes = plt.subplots(1, n, figsize=(width, 2.9), sharex=True, sharey=True, squeeze=False)
    return fig, axes[0], values


def shared_legend(fig: Any, ax: Any, data: SweepData) -> None:
    """One legend for every panel, under them."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), frameon=False,
               title=family_legend_title(data.family_axes))  # fmt: skip
    fig.tight_layout(rect=(0, 0.42 / fig.get_figheight(), 1, 1))


def plot_pause_cdf(data: SweepData, out: Path) -> list[Path]:
    style.apply()
    pauses = load_series(data.folder, "pauses")
    pauses = pauses.merge(data.df[["run_id", "family"]], on="run_id")
    pauses = pauses[pauses.run_id.isin(data.slice_others(data.df).run_id)]
    fig, axes, values = panels(data)
    us = pauses.duration_ns.to_numpy(dtype=float) / 1e3
    us = us[us > 0]
    for i, (ax, xv) in enumerate(zip(axes, values, strict=True)):
        sel = pauses if xv is None else pauses[pauses[data.x] == xv]
        for j, fam in enumerate(data.families):
            d = np.sort(sel[sel.family == fam].duration_ns.to_numpy(dtype=float)) / 1e3
            if len(d) == 0:
                continue
            y = np.arange(1, len(d) + 1) / len(d)
            ax.step(np.r_[d[0], d], np.r_[0, y], where="post", label=fam,
                    markevery=markevery(len(d) + 1, j), **data.looks[fam].line())  # fmt: skip
        ax.set_xscale("log")
        if len(us):
            plain_log_ticks(ax.xaxis, float(us.min()), float(us.max()))
        ax.set_xlabel("pause (µs)")
        ax.grid(alpha=0.3, lw=0.5)
        ax.set_ylim(0, 1.02)
        title = "all runs" if xv is None else f"{axis_name(data.x)} = {xv:g}"
        panel_title(ax, "abcd"[i], f"{title}: {len(sel)} pauses")
    axes[0].set_ylabel("fraction of pauses ≤ x")
    shared_legend(fig, axes[0], data)
    return save(fig, out, "pause_cdf")
