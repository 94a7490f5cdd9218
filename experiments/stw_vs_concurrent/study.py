"""Stop-the-world pauses grow with the live heap (the whole mark and sweep happen in the
pause); the concurrent collector's pauses (sweep and mark termination) stay nearly flat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import matplotlib.ticker as ticker
import numpy as np

from framework.plots import style
from framework.plots.figure_io import plain_log_ticks, save
from framework.plots.palette import collector_look

DESCRIPTION = "max pause vs live heap size, stop-the-world vs concurrent (hybrid barrier)"
COLLECTORS = (
    {"collector.name": "stw"},
    {"collector.name": "concurrent", "collector.barrier": "hybrid"},
)
LIVE = {"tiny": (20_000, 80_000), "full": (25_000, 50_000, 100_000, 200_000, 400_000, 800_000)}


def points(scale: str) -> list[dict[str, Any]]:
    return [
        {**c, "workload.live_objects": n, "workload.replacements": 3 * n}
        for c in COLLECTORS
        for n in LIVE[scale]
    ]


def _series(rows: list[dict[str, Any]], name: str) -> tuple[np.ndarray, np.ndarray]:
    sel = sorted(
        (r["summary"]["heap_live_mean_bytes"], r["summary"]["pause_max_ns"])
        for r in rows
        if r["point"]["collector.name"] == name
    )
    return np.array([x for x, _ in sel]), np.array([y for _, y in sel])


def check(rows: list[dict[str, Any]]) -> list[str]:
    fails = []
    live_s, stw = _series(rows, "stw")
    _, conc = _series(rows, "concurrent")
    growth = live_s[-1] / live_s[0]
    if not stw[-1] / stw[0] > 0.5 * growth:
        fails.append(f"stw max pause grew {stw[-1] / stw[0]:.1f}x for {growth:.1f}x live heap")
    if not conc[-1] / conc[0] < 1 + 0.25 * (growth - 1) or not conc[-1] < stw[-1] / 5:
        fails.append(f"concurrent max pause not flat: {conc} vs stw {stw}")
    return fails


def plot(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    style.apply()
    fig, ax = plt.subplots(figsize=(style.COLUMN_IN, 2.6))
    for name, label in (("stw", "stop-the-world"), ("concurrent", "concurrent (hybrid)")):
        live, pause = _series(rows, name)
        ax.plot(live / 2**20, pause / 1e3, label=label, **collector_look(name, "hybrid").line())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks([0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500])
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    us = [r["summary"]["pause_max_ns"] / 1e3 for r in rows if r["summary"]["pause_max_ns"] > 0]
    if us:
        plain_log_ticks(ax.yaxis, min(us), max(us))
    ax.set_xlabel("live heap (MiB)")
    ax.set_ylabel("max pause (µs)")
    ax.grid(alpha=0.3, lw=0.5)
    ax.legend(frameon=False)
    lo = min(r["summary"]["heap_live_mean_bytes"] for r in rows) / 2**20
    hi = max(r["summary"]["heap_live_mean_bytes"] for r in rows) / 2**20
    ax.set_xlim(lo / 1.3, hi * 1.3)
    fig.tight_layout()
    return save(fig, out, "stw_vs_concurrent")
