"""Reference counting versus tracing (the seed article's comparison).

Plain RC frees acyclic garbage the moment it dies, but never frees cycles: it leaks
exactly the cyclic garbage. Trial deletion (Bacon & Rajan) frees the cycles at the cost of
stop-the-world collections. Tracing collectors leak nothing; their cost is pauses (STW) or
background CPU (concurrent). RC's own pauses are cascades: dropping a large structure frees
it all on the goroutine that dropped it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from framework.plots import style
from framework.plots.figure_io import save
from framework.plots.palette import COLLECTORS as LOOKS
from framework.plots.palette import NOTE

DESCRIPTION = "RC, RC + trial deletion, STW and concurrent on cycles, binary_trees, steady"
COLLECTORS = {
    "rc": {"collector.name": "rc"},
    "rc_cycle": {
        "collector.name": "rc",
        "collector.cycle_collection": True,
        "collector.cycle_buffer": 2000,
    },
    "stw": {"collector.name": "stw"},
    "concurrent": {"collector.name": "concurrent", "collector.barrier": "hybrid"},
}
LABELS = {
    "rc": "RC",
    "rc_cycle": "RC + trial deletion",
    "stw": "stop-the-world",
    "concurrent": "concurrent (hybrid)",
}
WORKLOADS = {
    "tiny": {
        "cycles": {
            "workload.name": "cycles",
            "workload.structures": 20_000,
            "workload.acyclic_fraction": 0.3,
        },
        "binary_trees": {"workload.name": "binary_trees", "workload.max_depth": 10},
        "steady": {
            "workload.name": "steady",
            "workload.live_objects": 20_000,
            "workload.anchors": 256,
            "workload.replacements": 200_000,
        },
    },
    "full": {
        "cycles": {
            "workload.name": "cycles",
            "workload.structures": 200_000,
            "workload.acyclic_fraction": 0.3,
        },
        "binary_trees": {"workload.name": "binary_trees", "workload.max_depth": 14},
        "steady": {
            "workload.name": "steady",
            "workload.live_objects": 200_000,
            "workload.anchors": 1024,
            "workload.replacements": 2_000_000,
        },
    },
}


def points(scale: str) -> list[dict[str, Any]]:
    return [
        {"label": c, **spec, **wl}
        for wl in WORKLOADS[scale].values()
        for c, spec in COLLECTORS.items()
    ]


def _get(rows: list[dict[str, Any]], workload: str, label: str) -> dict[str, Any]:
    for r in rows:
        if r["point"]["workload.name"] == workload and r["point"]["label"] == label:
            return r["summary"]
    raise KeyError((workload, label))


def check(rows: list[dict[str, Any]]) -> list[str]:
    fails = []
    wls = sorted({r["point"]["workload.name"] for r in rows})
    for wl in wls:
        for c in ("rc_cycle", "stw", "concurrent"):
            if _get(rows, wl, c)["leaked_bytes"] != 0:
                fails.append(f"{LABELS[c]} leaked on {wl}")
    if "cycles" in wls and not _get(rows, "cycles", "rc")["leaked_bytes"] > 0:
        fails.append("plain RC did not leak the cyclic garbage of `cycles`")
    for wl in wls:
        if wl != "cycles" and _get(rows, wl, "rc")["leaked_bytes"] != 0:
            fails.append(f"plain RC leaked on acyclic {wl}")
    return fails


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table: throughput, pauses, heap peak and leaks per workload x collector."""
    head = (
        "| workload | collector | throughput (M ops / simulated s) | max pause (µs) "
        "| p99 pause (µs) | heap peak (MiB) | leaked (KiB) | RC ops (M) |"
    )
    lines = [head, "|" + "---|" * 8]
    for wl in sorted({r["point"]["workload.name"] for r in rows}):
        for c in COLLECTORS:
            s = _get(rows, wl, c)
            lines.append(
                f"| {wl} | {LABELS[c]} | {s['throughput_ops_per_s'] / 1e6:.1f} | "
                f"{s['pause_max_ns'] / 1e3:.0f} | {s['pause_p99_ns'] / 1e3:.0f} | "
                f"{s['heap_peak_bytes'] / 2**20:.1f} | {s['leaked_bytes'] / 1024:.0f} | "
                f"{s['rc_ops'] / 1e6:.2f} |"
            )
    return "\n".join(lines) + "\n"


def plot(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    """Four panels of grouped bars on linear axes (one group per workload, one hatched bar
    per collector); a bar at zero is marked "0" so that it cannot vanish."""
    style.apply()
    wls = sorted({r["point"]["workload.name"] for r in rows})
    metrics = (
        ("throughput_ops_per_s", 1e-6, "throughput (M ops / sim. s)"),
        ("pause_max_ns", 1e-3, "max pause (µs)"),
        ("heap_peak_bytes", 2**-20, "heap peak (MiB)"),
        ("leaked_bytes", 2**-20, "leaked (MiB)"),
    )
    fig, axes = plt.subplots(2, 2, figsize=(style.FULL_IN, 4.4), sharex=True)
    x = np.arange(len(wls))
    width = 0.8 / len(COLLECTORS)
    for k, (ax, (key, scale, label)) in enumerate(zip(axes.flat, metrics, strict=True)):
        for i, c in enumerate(COLLECTORS):
            vals = np.array([_get(rows, wl, c)[key] * scale for wl in wls])
            pos = x + (i - (len(COLLECTORS) - 1) / 2) * width
            ax.bar(pos, vals, width, label=LABELS[c], lw=0.4,
                   **LOOKS[c].area())  # fmt: skip
            for px in pos[vals == 0]:
                ax.annotate("0", (px, 0), xytext=(0, 1.5), textcoords="offset points",
                            ha="center", va="bottom", fontsize=6, color=NOTE)  # fmt: skip
        ax.set_xticks(x, [w.replace("_", " ") for w in wls])
        ax.xaxis.set_tick_params(labelbottom=True)
        ax.set_ylabel(label)
        ax.set_ylim(bottom=0)
        ax.margins(y=0.12)
        ax.grid(axis="y", alpha=0.3, lw=0.5)
        ax.set_title(f"({'abcd'[k]}) {label.split(' (')[0]}", loc="left")
    fig.legend(
        *axes[0, 0].get_legend_handles_labels(),
        loc="lower center",
        ncol=len(COLLECTORS),
        frameon=False,
    )
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    (out / "table.md").write_text(table(rows))
    return save(fig, out, "rc_vs_tracing")
