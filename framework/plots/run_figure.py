"""The overview figure of one run: heap over time with pauses, and the MMU curve."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from framework.plots import style
from framework.plots.figure_io import plain_log_ticks, save
from framework.plots.palette import PAPER, SERIES, collector_look

MiB = float(1 << 20)


def _read_csv(path: Path) -> dict[str, np.ndarray]:
    with path.open() as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    out = {}
    for k in rows[0]:
        try:
            out[k] = np.array([float(r[k]) for r in rows])
        except ValueError:
            out[k] = np.array([r[k] for r in rows])
    return out


def _collector_config(run_dir: Path, name: str) -> dict[str, Any]:
    """The run's ``[collector]`` table (``config.toml``), for its palette look."""
    try:
        with (run_dir / "config.toml").open("rb") as f:
            return dict(tomllib.load(f).get("collector", {"name": name}))
    except (OSError, tomllib.TOMLDecodeError):
        return {"name": name}


def plot_run(run_dir: Path) -> list[Path]:
    """Write ``overview.png`` and ``overview.pdf`` into ``run_dir``; returns their paths."""
    style.apply()
    summary = json.loads((run_dir / "summary.json").read_text())
    heap = _read_csv(run_dir / "heap.csv")
    pauses = _read_csv(run_dir / "pauses.csv")
    cycles = _read_csv(run_dir / "cycles.csv")
    fig, (ax, bx) = plt.subplots(
        1, 2, figsize=(style.FULL_IN, 2.6), gridspec_kw={"width_ratios": [1.6, 1]}
    )
    c = SERIES
    if heap:
        t = heap["t_ns"] / 1e6
        order = np.argsort(t, kind="stable")
        t = t[order]
        ax.plot(t, heap["inuse_span_bytes"][order] / MiB, label="in-use spans", **c["inuse"].line())
        ax.plot(
            t,
            heap["alloc_bytes"][order] / MiB,
            lw=0.8,
            label="allocated objects",
            **c["alloc"].line(),
        )
        goal = heap["goal"][order]
        ok = goal >= 0
        if ok.any():
            ax.step(
                t[ok],
                goal[ok] / MiB,
                where="post",
                lw=0.9,
                label="heap goal",
                **c["goal"].line(),
            )
    if cycles and "marked" in cycles:
        ax.plot(
            cycles["end_ns"] / 1e6,
            cycles["marked"] / MiB,
            ms=2.5,
            label="marked (live)",
            **c["live"].line(),
        )
    if pauses:
        for s, e in zip(pauses["start_ns"], pauses["end_ns"], strict=True):
            ax.axvspan(s / 1e6, e / 1e6, lw=0, zorder=0, alpha=0.5, **c["pause"].area())
        ax.fill_between([], [], lw=0, label="stop-the-world pause", alpha=0.5, **c["pause"].area())
    ax.set_xlabel("simulated time (ms)")
    ax.set_ylabel("heap (MiB)")
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    ax.set_title(f"{summary['workload']} / {summary['collector']}: heap over time")
    # a paper-coloured frame keeps the legend readable over hatched pauses
    ax.legend(
        loc="upper left", ncol=2, frameon=True, facecolor=PAPER, edgecolor="none", framealpha=0.9
    )
    ymax = ax.get_ylim()[1]
    ax.set_ylim(0, ymax * 1.3)  # room for the legend above the curves
    mmu = summary.get("mmu") or {}
    if mmu:
        w = np.array([float(k) for k in mmu]) / 1e6
        v = np.array(list(mmu.values()))
        order = np.argsort(w)
        look = collector_look(_collector_config(run_dir, summary["collector"]))
        bx.plot(w[order], v[order], markevery=max(1, len(w) // 6), **look.line())
        bx.set_xscale("log")
        plain_log_ticks(bx.xaxis, float(w.min()), float(w.max()))
    bx.set_ylim(0, 1.02)
    bx.set_xlabel("window (ms)")
    bx.set_ylabel("minimum mutator utilisation")
    bx.set_title("MMU")
    bx.grid(alpha=0.3, lw=0.5)
    fig.tight_layout()
    return save(fig, run_dir, "overview")
