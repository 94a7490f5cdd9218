"""A real Go run (an imported gctrace log) beside a simulated one, cycle by cycle: the live
heap and goal, and the two stop-the-world pauses of each cycle."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

from framework.plots import style
from framework.plots.figure_io import panel_title, plain_log_ticks, save
from framework.plots.palette import SERIES, Look

MiB = float(1 << 20)


def plot_gctrace_compare(
    real: pd.DataFrame, sim: pd.DataFrame, sim_label: str, sim_look: Look, out: Path
) -> list[Path]:
    style.apply()
    fig, (a, b) = plt.subplots(1, 2, figsize=(style.FULL_IN, 3.0))
    for df, label, c, mk in (
        (real, "real Go (gctrace)", SERIES["real_go"].colour, "s"),
        (sim, sim_label, sim_look.colour, "o" if sim_look.marker == "s" else sim_look.marker),
    ):
        if df.empty:
            continue
        a.plot(df.cycle, df.marked / MiB, mk + "-", ms=2.5, color=c, label=f"{label}: live")
        a.plot(df.cycle, df.goal / MiB, mk + "--", ms=2.5, color=c, mfc="none", lw=0.9,
               label=f"{label}: goal")  # fmt: skip
        b.plot(df.cycle, df.stw_sweep_term_ns / 1e3, mk + "-", ms=2.5, color=c,
               label=f"{label}: sweep termination")  # fmt: skip
        b.plot(df.cycle, df.stw_mark_term_ns / 1e3, mk + ":", ms=2.5, color=c, mfc="none",
               label=f"{label}: mark termination")  # fmt: skip
    a.set_xlabel("GC cycle")
    a.set_ylabel("heap (MiB)")
    a.set_ylim(bottom=0)
    panel_title(a, "a", "live heap (marked) and heap goal")
    b.set_xlabel("GC cycle")
    b.set_ylabel("pause (µs)")
    b.set_yscale("log")
    panel_title(b, "b", "stop-the-world pauses")
    us = pd.concat([d[k] for d in (real, sim) if not d.empty
                    for k in ("stw_sweep_term_ns", "stw_mark_term_ns")]) / 1e3  # fmt: skip
    us = us[us > 0]
    if len(us):
        plain_log_ticks(b.yaxis, float(us.min()), float(us.max()))
    for ax in (a, b):
        ax.grid(alpha=0.3, lw=0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False, fontsize=6, ncol=2, loc="upper center",
                  bbox_to_anchor=(0.5, -0.22))  # fmt: skip
    fig.tight_layout()
    return save(fig, out, "gctrace_compare")
