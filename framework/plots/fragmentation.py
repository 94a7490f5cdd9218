"""Fragmentation against the swept axis: internal (size-class rounding), external (free
slots in in-use spans) and in-use span bytes per live byte, mean with 95% CI bands."""

from __future__ import annotations

from pathlib import Path

from framework.plots.metric_vs_axis import plot_metrics_vs_axis
from framework.plots.sweep_data import SweepData

METRICS = ["frag_internal", "frag_external", "span_bytes_per_live"]


def plot_fragmentation(data: SweepData, out: Path) -> list[Path]:
    return plot_metrics_vs_axis(data, out, METRICS, name="fragmentation", ncols=3)
