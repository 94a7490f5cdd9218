"""Saving figures (vector PDF and PNG, same name) and the axis helpers every figure shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from framework.plots import palette
from framework.reporting.metric_units import unit

AXIS_LABELS = {
    "pacer.gogc": "GOGC (%)",
    "run.gomaxprocs": "GOMAXPROCS",
    "workload.goroutines": "goroutines",
    "workload.live_objects": "live objects",
    "workload.stack_depth": "stack depth (frames)",
}


def save(fig: Any, out: Path, name: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.pdf", out / f"{name}.png"]
    for p in paths:
        fig.savefig(p)
    plt.close(fig)
    return paths


AXIS_NAMES = {"pacer.gogc": "GOGC", "run.gomaxprocs": "GOMAXPROCS"}


def axis_label(key: str) -> str:
    """The axis label of a swept key, with its unit."""
    return AXIS_LABELS.get(key, key)


def axis_name(key: str) -> str:
    """A swept key's short name, for titles such as ``GOGC = 100``."""
    return AXIS_NAMES.get(key, AXIS_LABELS.get(key, key))


def family_legend_title(family_axes: list[str]) -> str:
    return " / ".join(family_axes) if family_axes else "collector"


def plain(v: float, _pos: Any = None) -> str:
    """A tick label as a plain number: 0.01, 50, 1,000 (never 6x10^1 or 1e3)."""
    return f"{v:,.12g}"


def plain_log_ticks(axis: Any, lo: float, hi: float) -> None:
    """Plain-number major ticks on a log ``axis`` spanning ``lo``..``hi`` (> 0), no minor
    labels: linear steps within half a decade, 1-1.5-2-3-5-7 within 1.3 decades, 1-2-5 up
    to 2.5, 1-3 up to 4, decades beyond."""
    decades = np.log10(hi / lo) if lo > 0 and hi > lo else 0.0
    if decades < 0.5:
        axis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    else:
        subs = (1.0,)
        if decades <= 1.3:
            subs = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
        elif decades <= 2.5:
            subs = (1.0, 2.0, 5.0)
        elif decades <= 4:
            subs = (1.0, 3.0)
        axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(plain))
    axis.set_minor_formatter(NullFormatter())


def log_axis(ax: Any, which: str, lo: float, hi: float, base: float = 10) -> None:
    """Put ``ax``'s ``which`` ("x" or "y") axis on a log scale with plain-number ticks."""
    if which == "x":
        ax.set_xscale("log", base=base)
        plain_log_ticks(ax.xaxis, lo, hi)
    else:
        ax.set_yscale("log", base=base)
        plain_log_ticks(ax.yaxis, lo, hi)


def markevery(n: int, series: int, markers: int = 6) -> tuple[int, int]:
    """``markevery`` for a dense line of ``n`` points: about ``markers`` markers, staggered
    by the series' index so that lines lying on each other still show every marker."""
    step = max(1, n // markers)
    return (series * step // 4) % step, step


def note(fig: Any, text: str, y: float = 0.0) -> None:
    """A one-line note under the figure (e.g. metrics left out because they are all zero)."""
    fig.text(0.01, y, text, ha="left", va="bottom", fontsize=6.5, color=palette.NOTE)


def set_swept_x(ax: Any, key: str, values: list[Any]) -> None:
    """An x axis for a swept parameter: log scale over wide ranges, a tick at every value."""
    vals = sorted(float(v) for v in values)
    if len(vals) >= 3 and vals[0] > 0 and vals[-1] / vals[0] >= 8:
        ax.set_xscale("log", base=2 if key == "pacer.gogc" else 10)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_major_formatter(FuncFormatter(plain))
    if len(vals) <= 10:
        ax.set_xticks(vals, [f"{v:g}" for v in vals])
        ax.minorticks_off()
    ax.set_xlabel(axis_label(key))


def metric_ylabel(ax: Any, key: str) -> None:
    ax.set_ylabel(unit(key).axis_label())


def panel_title(ax: Any, letter: str, text: str) -> None:
    ax.set_title(f"({letter}) {text}", loc="left")
