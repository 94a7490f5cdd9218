"""The one figure style: readable at a single column's width (3.5 in), vector-friendly."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

COLUMN_IN = 3.5
FULL_IN = 7.2

COLLECTOR_COLOURS = {
    "stw": "#4c72b0",
    "concurrent": "#dd8452",
    "rc": "#55a868",
    "rc_cycle": "#c44e52",
}
SERIES_COLOURS = {
    "inuse": "#4c72b0",
    "alloc": "#8da0cb",
    "goal": "#c44e52",
    "live": "#2ca02c",
    "pause": "#999999",
}


def apply() -> None:
    plt.rcParams.update(
        {
            "font.size": 8,
            "axes.titlesize": 8,
            "axes.labelsize": 8,
            "legend.fontsize": 7,
            "xtick.labelsize": 7,
            "ytick.labelsize": 7,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.dpi": 150,
            "savefig.dpi": 200,
            "savefig.bbox": "tight",
            "pdf.fonttype": 42,
            "lines.linewidth": 1.2,
        }
    )


def collector_colour(name: str) -> str:
    return COLLECTOR_COLOURS.get(name, "#8172b3")
