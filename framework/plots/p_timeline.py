"""A per-P timeline around one GC cycle, as Go's execution trace viewer shows it: one lane
per processor, coloured (and, where luminance alone would not separate them, hatched) by
what it ran (mutator, mark workers, assists, sweep, and the stop-the-world phases), for
each family's representative run. The panels share one time axis: every window is as long
as the longest cycle's."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from framework.plots import style
from framework.plots.figure_io import axis_name, save
from framework.plots.palette import ACTIVITY, ACTIVITY_LABELS, EDGE, PAPER
from framework.plots.sweep_data import SweepData
from framework.sweep.store import Store

DRAW_ORDER = list(ACTIVITY)  # STW last, on top


def cycle_window(cycles, sim_end_ns: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The window shown: the second cycle (else the first) with a margin on both sides."""
    if len(cycles) == 0:
        return 0.0, float(sim_end_ns)
    c = cycles.iloc[1 if len(cycles) > 1 else 0]
    start, end = float(c.start_ns), float(max(c.end_ns, c.get("sweep_end_ns", 0)))
    margin = 0.25 * (end - start)
    return max(0.0, start - margin), min(float(sim_end_ns), end + margin)


def plot_p_timeline(data: SweepData, out: Path) -> list[Path]:
    style.apply()
    picks = [(f, data.representative(f)) for f in data.families]
    picks = [(f, r) for f, r in picks if r is not None]
    nprocs = {r: int(data.configs[r]["run"]["gomaxprocs"]) for _, r in picks}
    heights = [nprocs[r] for _, r in picks]
    fig, axes = plt.subplots(
        len(picks), 1, figsize=(style.FULL_IN, 0.35 * sum(heights) + 0.4 * len(picks) + 0.8),
        gridspec_kw={"height_ratios": heights}, squeeze=False, sharex=True,
    )  # fmt: skip
    seen: set[str] = set()
    with Store.reader(data.folder) as st:
        runs = {}
        for _, rid in picks:
            iv = st.series(rid, "intervals")
            cycles = st.series(rid, "cycles")
            sim_end = float(iv.end_ns.max()) if len(iv) else 1.0
            runs[rid] = (iv, cycles, sim_end, cycle_window(cycles, sim_end))
    span = max((t1 - t0 for *_, (t0, t1) in runs.values()), default=1.0)
    for ax, (fam, rid) in zip(axes[:, 0], picks, strict=True):
        iv, cycles, sim_end, (t0, _) = runs[rid]
        t1 = min(sim_end, t0 + span)  # the shared window length, cut at the run's end
        iv = iv[(iv.end_ns > t0) & (iv.start_ns < t1)]
        for kind in DRAW_ORDER:
            d = iv[iv.kind == kind]
            if d.empty:
                continue
            seen.add(kind)
            for p, g in d.groupby("p"):
                s = (np.maximum(g.start_ns, t0) - t0) / 1e6
                w = (np.minimum(g.end_ns, t1) - np.maximum(g.start_ns, t0)) / 1e6
                ax.broken_barh(list(zip(s, w, strict=True)), (p - 0.4, 0.8), lw=0,
                               **ACTIVITY[kind].area())  # fmt: skip
        n = nprocs[rid]
        ax.set_yticks(range(n), [f"P{p}" for p in range(n)])
        ax.set_ylim(n - 0.5, -0.5)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        row = data.df.set_index("run_id").loc[rid]
        where = f", {axis_name(data.x)} = {row[data.x]:g}" if data.x else ""
        which = "cycle 2" if len(cycles) > 1 else ("cycle 1" if len(cycles) else "no cycle")
        ax.set_title(f"{fam}{where}: {which}, from {t0 / 1e6:.2f} ms", loc="left")
    axes[-1, 0].set_xlim(0, span / 1e6)
    axes[-1, 0].set_xlabel("time since the window start (ms)")
    legend = [Patch(lw=0, label=ACTIVITY_LABELS[k], **ACTIVITY[k].area()) for k in DRAW_ORDER
              if k in seen]  # fmt: skip
    legend.append(Patch(facecolor=PAPER, edgecolor=EDGE, lw=0.5, label="idle"))
    fig.legend(handles=legend, loc="lower center", ncol=min(len(legend), 4), frameon=False)
    n_rows_legend = int(np.ceil(len(legend) / 4))
    fig.tight_layout(rect=(0, 0.035 * n_rows_legend * 6 / max(sum(heights), 6), 1, 1))
    return save(fig, out, "p_timeline")
