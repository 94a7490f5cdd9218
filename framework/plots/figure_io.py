"""Saving figures (vector PDF and PNG, same name) and the axis helpers every figure shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.ticker import NullFormatter

from framework.metric_units import unit

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


def set_swept_x(ax: Any, key: str, values: list[Any]) -> None:
    """An x axis for a swept parameter: log scale over wide ranges, a tick at every value."""
    vals = sorted(float(v) for v in values)
    if len(vals) >= 3 and vals[0] > 0 and vals[-1] / vals[0] >= 8:
        ax.set_xscale("log", base=2 if key == "pacer.gogc" else 10)
        ax.xaxis.set_minor_formatter(NullFormatter())
    if len(vals) <= 10:
        ax.set_xticks(vals, [f"{v:g}" for v in vals])
        ax.minorticks_off()
    ax.set_xlabel(axis_label(key))


def metric_ylabel(ax: Any, key: str) -> None:
    ax.set_ylabel(unit(key).axis_label())


def panel_title(ax: Any, letter: str, text: str) -> None:
    ax.set_title(f"({letter}) {text}", loc="left")
