"""The one figure style: readable at a single column's width (3.5 in), vector-friendly,
plain-number ticks. Colours, markers and hatches live in ``palette``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from framework.plots.palette import collector_look

COLUMN_IN = 3.5
FULL_IN = 7.2


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
            "axes.formatter.useoffset": False,  # plain numbers: no "+1e6" offsets
            "axes.formatter.limits": (-5, 7),  # and no "1e7" scale factors on linear axes
            "figure.dpi": 150,
            "savefig.dpi": 200,
            "savefig.bbox": "tight",
            "pdf.fonttype": 42,
            "lines.linewidth": 1.2,
            "lines.markersize": 3.5,
            "hatch.linewidth": 0.5,
        }
    )


def collector_colour(name: str) -> str:
    """A collector's colour (``palette.collector_look``)."""
    return collector_look(name).colour
