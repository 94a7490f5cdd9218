"""MMU curves: minimum mutator utilisation against window size, the mean over seeds (each
run's curve interpolated on a common log grid of windows), one line per family (its colour,
marker and line style), one panel per swept value, sharing both axes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from framework.plots import style
from framework.plots.figure_io import axis_name, markevery, panel_title, plain_log_ticks, save
from framework.plots.pause_cdf import panels, shared_legend
from framework.plots.sweep_data import SweepData
from framework.sweep.results import load_curves


def plot_mmu(data: SweepData, out: Path, which: str = "mmu") -> list[Path]:
    style.apply()
    curves = load_curves(data.folder, which).merge(data.df[["run_id", "family"]], on="run_id")
    curves = curves[curves.run_id.isin(data.slice_others(data.df).run_id)]
    fig, axes, values = panels(data)
    ms = curves.window_ns.to_numpy(dtype=float) / 1e6
    for i, (ax, xv) in enumerate(zip(axes, values, strict=True)):
        sel = curves if xv is None else curves[curves[data.x] == xv]
        for j, fam in enumerate(data.families):
            d = sel[sel.family == fam]
            if d.empty:
                continue
            runs = [g.sort_values("window_ns") for _, g in d.groupby("run_id")]
            lo = max(g.window_ns.iloc[0] for g in runs)
            hi = min(g.window_ns.iloc[-1] for g in runs)
            grid = np.geomspace(lo, hi, 60)
            ys = [np.interp(np.log(grid), np.log(g.window_ns), g.value) for g in runs]
            ax.plot(grid / 1e6, np.mean(ys, axis=0), label=fam, markevery=markevery(len(grid), j),
                    **data.looks[fam].line())  # fmt: skip
        ax.set_xscale("log")
        if len(ms):
            plain_log_ticks(ax.xaxis, float(ms[ms > 0].min()), float(ms.max()))
        ax.set_ylim(-0.02, 1.02)  # a curve at zero stays visible above the axis
        ax.set_xlabel("window (ms)")
        ax.grid(alpha=0.3, lw=0.5)
        title = "all runs" if xv is None else f"{axis_name(data.x)} = {xv:g}"
        panel_title(ax, "abcd"[i], title)
    axes[0].set_ylabel("minimum mutator utilisation" if which == "mmu" else "BMU")
    shared_legend(fig, axes[0], data)
    return save(fig, out, which)
