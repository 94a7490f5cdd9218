"""The pacer in steady state (Go 1.18+ pacer, proposal 44167): once the cons/mark estimate
has settled, background mark utilisation sits within a few hundredths of 25%, the heap at
the trigger is well under the goal, the heap at mark termination is close to the goal, and
mark assists stay small and steady.

Assists do not vanish: every goroutine's first allocation after the sweep-termination pause
finds no background credit yet and pays a 64 KiB over-assist (Go's gcOverAssistWork), as in
Go 1.19, whose gctrace shows 2-11% of mark CPU in assists on steady heaps (measured in
experiments/go_reference). The check allows Go's upper figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from framework.plots import style
from framework.plots.figure_io import save
from framework.plots.palette import ACTIVITY, GUIDE, SERIES

DESCRIPTION = "per-cycle background utilisation, assists, heap at trigger and at mark end / goal"
SIZE = {
    "tiny": {
        # Large enough that the goal is above the 4 MiB heap minimum: below it the first
        # assists of a cycle do all the marking and cons/mark collapses to 0.
        "workload.live_objects": 100_000,
        "workload.replacements": 2_500_000,
        "run.gomaxprocs": 4,
        "workload.goroutines": 4,
    },
    "full": {},
}


def points(scale: str) -> list[dict[str, Any]]:
    return [dict(SIZE[scale])]


def _cycles(rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    cyc = rows[0]["summary"]["cycles"]
    goal = np.array([c["goal"] for c in cyc], dtype=float)
    return {
        "n": np.array([c["cycle"] for c in cyc]),
        "bg": np.array([c["background_utilization"] for c in cyc]),
        "assist": np.array([c["assist_utilization"] for c in cyc]),
        "trigger": np.array([c["heap_at_start"] for c in cyc]) / goal,
        "end": np.array([c["heap_at_mark_end"] for c in cyc]) / goal,
        "cons_mark": np.array([c["cons_mark"] for c in cyc]),
    }


def check(rows: list[dict[str, Any]]) -> list[str]:
    c = _cycles(rows)
    fails = []
    if len(c["n"]) < 12:
        return [f"only {len(c['n'])} cycles; need at least 12 to judge the steady state"]
    settled = slice(len(c["n"]) // 2, None)
    bg = c["bg"][settled]
    if not np.all(np.abs(bg - 0.25) <= 0.03):
        fails.append(f"background utilisation off 25%: {np.round(bg, 3).tolist()}")
    late = c["assist"][-max(3, len(c["n"]) // 4) :]
    if not late.mean() <= 0.11 or np.ptp(late) > 0.02:
        fails.append(f"assists not small and steady: {np.round(late, 3).tolist()}")
    if not np.all(c["trigger"][settled] < 0.97):
        fails.append(f"heap at trigger not under the goal: {np.round(c['trigger'], 3).tolist()}")
    if not np.all(np.abs(c["end"][settled] - 1) <= 0.08):
        fails.append(f"heap at mark end not close to the goal: {np.round(c['end'], 3).tolist()}")
    return fails


def plot(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    style.apply()
    c = _cycles(rows)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(style.FULL_IN, 2.5), sharex=True)
    ax.plot(c["n"], 100 * c["bg"], ms=2.5, label="background workers",
            **ACTIVITY["gc_dedicated"].line())  # fmt: skip
    ax.plot(c["n"], 100 * c["assist"], ms=2.5, label="mark assists",
            **ACTIVITY["gc_assist"].line(ls="--"))  # fmt: skip
    ax.axhline(25, color=GUIDE, ls=":", lw=0.9, label="25% goal")
    ax.set_ylabel("mark-phase CPU (% of GOMAXPROCS)")
    ax.set_title("utilisation during mark")
    bx.plot(c["n"], c["trigger"], ms=2.5, label="at trigger", **SERIES["trigger"].line())
    bx.plot(c["n"], c["end"], ms=2.5, label="at mark termination", **SERIES["mark_end"].line())
    bx.axhline(1.0, color=GUIDE, ls=":", lw=0.9, label="goal")
    bx.set_ylabel("heap live / heap goal")
    bx.set_title("heap against the goal")
    bx.set_ylim(0.5, 1.15)
    for a in (ax, bx):
        a.set_xlabel("GC cycle")
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
        a.xaxis.set_tick_params(labelbottom=True)
        a.grid(alpha=0.3, lw=0.5)
    ax.legend(frameon=False, loc="center right")
    bx.legend(frameon=False, loc="lower right")
    ax.set_ylim(bottom=0)
    fig.tight_layout()
    return save(fig, out, "pacer_steady_state")
