"""Heap over time for each family's representative run: bytes in in-use spans, the heap
goal in force, live bytes (marked at each mark termination) and the stop-the-world pauses
(hatched), the panels sharing both axes."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from framework.plots import style
from framework.plots.figure_io import axis_name, save
from framework.plots.palette import SERIES
from framework.plots.sweep_data import SweepData
from framework.sweep.store import Store

MiB = float(1 << 20)


def plot_heap_timeline(data: SweepData, out: Path) -> list[Path]:
    style.apply()
    picks = [(f, data.representative(f)) for f in data.families]
    picks = [(f, r) for f, r in picks if r is not None]
    ncols = min(len(picks), 2)
    nrows = int(np.ceil(len(picks) / ncols))
    width = style.FULL_IN if ncols == 2 else style.COLUMN_IN
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, 1.9 * nrows + 0.5), squeeze=False,
                             sharex=True, sharey=True)  # fmt: skip
    t_end = 1e-3
    c = SERIES
    with Store.reader(data.folder) as st:
        for ax, (fam, rid) in zip(axes.flat, picks, strict=False):
            heap = st.series(rid, "heap").sort_values("t_ns", kind="stable")
            cycles = st.series(rid, "cycles")
            pauses = st.series(rid, "pauses")
            t = heap.t_ns.to_numpy() / 1e6
            ax.plot(t, heap.inuse_span_bytes / MiB, label="in-use spans", **c["inuse"].line())
            goal = heap.goal.to_numpy()
            ok = goal >= 0
            if ok.any():
                ax.step(t[ok], goal[ok] / MiB, where="post", lw=0.9, label="heap goal",
                        **c["goal"].line())  # fmt: skip
            if len(cycles):
                ax.plot(cycles.end_ns / 1e6, cycles.marked / MiB, ms=2.5, label="live (marked)",
                        **c["live"].line())  # fmt: skip
            for s, e in zip(pauses.get("start_ns", []), pauses.get("end_ns", []), strict=True):
                ax.axvspan(s / 1e6, e / 1e6, lw=0, zorder=0, alpha=0.5, **c["pause"].area())
            row = data.df.set_index("run_id").loc[rid]
            where = f", {axis_name(data.x)} = {row[data.x]:g}" if data.x else ""
            ax.set_title(f"{fam}{where}, seed {row['seed']}", loc="left")
            t_end = max(t_end, float(t[-1]) if len(t) else 1.0)
            ax.set_ylim(bottom=0)
            ax.grid(axis="y", alpha=0.3, lw=0.5)  # no x grid: it would look like short pauses
    axes[0, 0].set_xlim(0, t_end)  # shared: every panel on the same time scale
    for k, ax in enumerate(axes.flat):
        if k >= len(picks):
            ax.set_visible(False)
        elif k + ncols >= len(picks):  # the lowest panel of its column: the time axis
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel("simulated time (ms)")
    for ax in axes[:, 0]:
        ax.set_ylabel("heap (MiB)")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    handles.append(plt.Rectangle((0, 0), 1, 1, lw=0, alpha=0.5, **c["pause"].area()))
    labels.append("stop-the-world pause")
    fig.legend(handles, labels, loc="lower center", ncol=4, frameon=False)
    fig.tight_layout(rect=(0, 0.08 if nrows == 1 else 0.05, 1, 1))
    return save(fig, out, "heap_over_time")
