"""Hybrid barrier versus Dijkstra with stack re-scan (Go 1.7 -> 1.8, proposal 17503).

Under Dijkstra's insertion barrier stacks are not barriered, so mark termination must
re-scan every stack with the world stopped: the pause grows with goroutines x stack depth.
Yuasa's deletion barrier needs a snapshot of the stacks instead, taken in the
sweep-termination pause. Go's hybrid barrier needs neither: both pauses stay flat.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from framework.plots import style
from framework.plots.figure_io import plain_log_ticks, save
from framework.plots.palette import BARRIERS as LOOKS

DESCRIPTION = "STW pauses vs goroutines x stack depth for dijkstra (re-scan), yuasa, hybrid"
BARRIERS = ("dijkstra", "yuasa", "hybrid")
GRID = {
    "tiny": {"goroutines": (8, 96), "stack_depth": (8, 48), "replacements": 200_000},
    "full": {"goroutines": (8, 32, 128, 512), "stack_depth": (8, 32, 128), "replacements": 600_000},
}


def points(scale: str) -> list[dict[str, Any]]:
    g = GRID[scale]
    return [
        {
            "collector.barrier": b,
            "workload.goroutines": n + 2,
            "workload.stack_depth": d,
            "workload.replacements": g["replacements"],
        }
        for b in BARRIERS
        for d in g["stack_depth"]
        for n in g["goroutines"]
    ]


def _series(rows: list[dict[str, Any]], barrier: str, depth: int, key: str) -> tuple[list, list]:
    sel = sorted(
        (r["point"]["workload.goroutines"] - 2, r["summary"].get(key, 0))
        for r in rows
        if r["point"]["collector.barrier"] == barrier
        and r["point"]["workload.stack_depth"] == depth
    )
    return [x for x, _ in sel], [y for _, y in sel]


def check(rows: list[dict[str, Any]]) -> list[str]:
    fails = []
    for r in rows:
        if r["summary"]["gc_cycles"] < 1:
            fails.append(f"no completed cycle at {r['point']}")
    depths = sorted({r["point"]["workload.stack_depth"] for r in rows})
    deep = depths[-1]
    key = "pause_mark_termination_max_ns"
    xs, dij = _series(rows, "dijkstra", deep, key)
    _, hyb = _series(rows, "hybrid", deep, key)
    # What a design adds to a pause is its pause minus hybrid's at the same point: the
    # fixed cost of stopping the world (tens of microseconds, as in Go) is common to all.
    if len(xs) >= 2:
        rescan = [d - h for d, h in zip(dij, hyb, strict=True)]
        if not (rescan[-1] > 3 * max(rescan[0], 1) and dij[-1] > 2 * dij[0]):
            fails.append(f"dijkstra mark-termination pause did not grow with goroutines: {dij}")
        if not hyb[-1] < 2 * max(hyb[0], 1) or not hyb[-1] < dij[-1] / 2:
            fails.append(f"hybrid mark-termination pause not flat: {hyb} (dijkstra {dij})")
    _, yu = _series(rows, "yuasa", deep, "pause_sweep_termination_max_ns")
    _, hyb_st = _series(rows, "hybrid", deep, "pause_sweep_termination_max_ns")
    if len(yu) >= 2:
        snapshot = [y - h for y, h in zip(yu, hyb_st, strict=True)]
        if not (snapshot[-1] > 3 * max(snapshot[0], 1) and yu[-1] > 2 * yu[0]):
            fails.append(f"yuasa sweep-termination (snapshot) pause did not grow: {yu}")
    return fails


def plot(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    style.apply()
    depths = sorted({r["point"]["workload.stack_depth"] for r in rows})
    fig, axes = plt.subplots(
        2, len(depths), figsize=(style.FULL_IN, 4.2), sharex=True, sharey="row", squeeze=False
    )
    ticks = sorted({r["point"]["workload.goroutines"] - 2 for r in rows})
    for j, d in enumerate(depths):
        for i, (key, title) in enumerate(
            (
                ("pause_mark_termination_max_ns", "mark termination"),
                ("pause_sweep_termination_max_ns", "sweep termination"),
            )
        ):
            ax = axes[i][j]
            for b in BARRIERS:
                xs, ys = _series(rows, b, d, key)
                ax.plot(xs, np.array(ys) / 1e3, label=b, **LOOKS[b].line())
            ax.set_xscale("log", base=2)
            ax.set_xticks(ticks, [str(t) for t in ticks])
            ax.minorticks_off()
            ax.set_yscale("log")
            us = [r["summary"].get(key, 0) / 1e3 for r in rows if r["summary"].get(key, 0) > 0]
            if us:
                plain_log_ticks(ax.yaxis, min(us), max(us))
            ax.grid(alpha=0.3, lw=0.5)
            ax.set_title(f"{title}, {d} frames/stack")
            if i == 1:
                ax.set_xlabel("parked goroutines")
            if j == 0:
                ax.set_ylabel("max pause (µs)")
    axes[0][0].legend(frameon=False, title="write barrier")
    fig.tight_layout()
    return save(fig, out, "barriers")
