"""GOGC trades CPU for memory: doubling GOGC roughly halves the number of cycles and the GC
CPU fraction and roughly doubles the heap overhead (heap goal = live + GOGC% of live and
roots; cycles ~ allocated bytes / (GOGC/100 * (live + roots)))."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from framework.plots import style
from framework.plots.figure_io import save
from framework.plots.palette import GUIDE, collector_look

DESCRIPTION = "GC CPU fraction and heap overhead (peak / live) for GOGC in 25..800"
GOGC = {"tiny": (50, 100, 200, 400), "full": (25, 50, 100, 200, 400, 800)}
SIZE = {"tiny": {"workload.live_objects": 50_000, "workload.replacements": 1_500_000}, "full": {}}


def points(scale: str) -> list[dict[str, Any]]:
    return [{"pacer.gogc": g, **SIZE[scale]} for g in GOGC[scale]]


def _table(rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    rows = sorted(rows, key=lambda r: r["point"]["pacer.gogc"])
    s = [r["summary"] for r in rows]
    return {
        "gogc": np.array([r["point"]["pacer.gogc"] for r in rows], dtype=float),
        "cycles": np.array([x["gc_cycles"] for x in s], dtype=float),
        "cpu": np.array([x["gc_cpu_fraction"] for x in s]),
        "overhead": np.array([x["heap_overhead"] for x in s]),
    }


def check(rows: list[dict[str, Any]]) -> list[str]:
    t = _table(rows)
    fails = []
    for i in range(len(t["gogc"]) - 1):
        if t["gogc"][i + 1] != 2 * t["gogc"][i]:
            continue
        rc = t["cycles"][i] / max(t["cycles"][i + 1], 1)
        ru = t["cpu"][i] / max(t["cpu"][i + 1], 1e-12)
        label = f"GOGC {t['gogc'][i]:.0f} -> {t['gogc'][i + 1]:.0f}"
        # Allocation during marking counts as marked heap, so the headroom per cycle grows
        # a little less than GOGC and the ratio sits above 2 (Go 1.19 on steady, P=2: 2.32
        # from GOGC 50 to 100; here 2.4-2.7 at tiny scale, where marking is a larger share).
        if t["cycles"][i + 1] >= 4 and not 1.5 <= rc <= 3.0:
            fails.append(f"{label}: cycles ratio {rc:.2f}, expected about 2")
        if t["cycles"][i + 1] >= 4 and not 1.4 <= ru <= 2.8:
            fails.append(f"{label}: GC CPU ratio {ru:.2f}, expected about 2")
        if not t["overhead"][i + 1] > t["overhead"][i]:
            fails.append(f"{label}: heap overhead did not grow")
    return fails


def plot(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    style.apply()
    t = _table(rows)
    look = collector_look("concurrent", "hybrid")
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(style.FULL_IN, 2.5), sharex=True)
    ax.plot(t["gogc"], 100 * t["cpu"], **look.line())
    ax.set_ylabel("GC CPU (% of GOMAXPROCS)")
    bx.plot(t["gogc"], t["overhead"], label="measured (concurrent, hybrid)", **look.line())
    bx.plot(t["gogc"], 1 + t["gogc"] / 100, ":", color=GUIDE, label="1 + GOGC/100")
    bx.set_ylabel("heap overhead (peak in-use / live)")
    bx.legend(frameon=False)
    for a in (ax, bx):
        a.set_xscale("log", base=2)
        a.set_xticks(t["gogc"], [f"{g:.0f}" for g in t["gogc"]])
        a.set_xlabel("GOGC (%)")
        a.xaxis.set_tick_params(labelbottom=True)
        a.grid(alpha=0.3, lw=0.5)
        a.set_ylim(bottom=0)
    ax.set_title("GC CPU fraction")
    bx.set_title("heap overhead")
    fig.tight_layout()
    return save(fig, out, "gogc")
