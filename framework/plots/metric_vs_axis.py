"""A metric against a swept axis: one line per family, the mean over seeds with its 95%
confidence band (Student t); families without a numeric axis become points with error bars.
Each family has its own colour, marker and line style (``palette``); a metric that is zero
in every run gets no panel, only a note under the figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from framework.plots import palette, style
from framework.plots.figure_io import (
    family_legend_title,
    metric_ylabel,
    note,
    panel_title,
    plain_log_ticks,
    save,
    set_swept_x,
)
from framework.plots.sweep_data import SweepData
from framework.reporting.metric_units import unit
from framework.reporting.stats import mean_ci

DEFAULT_METRICS = ["gc_cpu_fraction", "pause_max_ns", "heap_peak_bytes", "sim_time_ns"]


def _wide_range(values: Any) -> bool:
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    return bool(len(v)) and v.min() > 0 and v.max() / v.min() > 20


def draw_metric(ax: Any, data: SweepData, metric: str) -> None:
    """Draw ``metric`` on ``ax`` (lines with CI bands, or points with error bars); the y
    axis is logarithmic when the means span more than a factor of 20."""
    u = unit(metric)
    df = data.slice_others(data.df)
    means = df.groupby([*data.axes], dropna=False)[metric].mean() if data.axes else df[metric]
    log = _wide_range(means)
    if data.x is None:
        for i, fam in enumerate(data.families):
            ci = mean_ci(df[df.family == fam][metric].astype(float))
            err = 0 if np.isnan(ci.lo) else (ci.hi - ci.lo) / 2 * u.scale
            ax.errorbar(i, ci.mean * u.scale, yerr=err, capsize=3,
                        **data.looks[fam].line(ls="none", ms=4))  # fmt: skip
        ax.set_xticks(range(len(data.families)), data.families, rotation=20, ha="right")
        ax.set_xlim(-0.6, len(data.families) - 0.4)
    else:
        xs = data.x_values()
        for fam in data.families:
            d = df[df.family == fam]
            stats = [mean_ci(d[d[data.x] == x][metric].astype(float)) for x in xs]
            keep = [i for i, s in enumerate(stats) if s.n > 0]
            x = np.array([xs[i] for i in keep], dtype=float)
            m = np.array([stats[i].mean for i in keep]) * u.scale
            lo = np.array([stats[i].lo for i in keep]) * u.scale
            hi = np.array([stats[i].hi for i in keep]) * u.scale
            look = data.looks[fam]
            c = look.colour
            ax.plot(x, m, label=fam, **look.line())
            ok = ~np.isnan(lo)
            if log:  # a CI reaching below zero is cut at a fifth of the mean on a log axis
                lo = np.maximum(lo, m / 5)
            if ok.any():
                ax.fill_between(x[ok], lo[ok], hi[ok], color=c, alpha=0.2, lw=0)
        set_swept_x(ax, data.x, xs)
    metric_ylabel(ax, metric)
    ax.grid(alpha=0.3, lw=0.5)
    if log:
        ax.set_yscale("log")
        m = np.asarray(means, dtype=float) * u.scale
        plain_log_ticks(ax.yaxis, float(np.nanmin(m)), float(np.nanmax(m)))
    else:  # from zero, with room above the highest point or band
        top = ax.get_ylim()[1]
        ax.set_ylim(0, top * 1.05 if top > 0 else 1)


def all_zero(data: SweepData, metric: str) -> bool:
    """Whether ``metric`` is zero in every run the figures show."""
    vals = data.slice_others(data.df)[metric].astype(float)
    return bool(len(vals)) and bool((vals == 0).all())


def zero_note(metrics: list[str]) -> str:
    """The note naming metrics left out because they are zero in every run."""
    names = ", ".join(unit(m).label for m in metrics)
    verb = "is" if len(metrics) == 1 else "are"
    return f"Not plotted: {names} {verb} zero in every run."


def legend_handles(data: SweepData, ax: Any) -> tuple[list[Any], list[str]]:
    handles, labels = ax.get_legend_handles_labels()
    if data.x is not None and (data.df.groupby(data.axes).size() > 1).any():
        handles.append(Patch(color=palette.CI_BAND, alpha=0.35, lw=0))
        n = int(data.df.groupby(data.axes).size().min())
        labels.append(f"95% CI over seeds (n = {n})")
    return handles, labels


def plot_metrics_vs_axis(
    data: SweepData,
    out: Path,
    metrics: list[str] | None = None,
    name: str = "metric_vs_axis",
    ncols: int | None = None,
) -> list[Path]:
    style.apply()
    wanted = [m for m in (metrics or DEFAULT_METRICS) if m in data.df]
    zeros = [m for m in wanted if all_zero(data, m)]
    metrics = [m for m in wanted if m not in zeros]
    ncols = min(ncols or 2, max(len(metrics), 1))
    nrows = max(int(np.ceil(len(metrics) / ncols)), 1)
    width = style.FULL_IN if ncols >= 2 else style.COLUMN_IN
    foot = 0.45 + (0.15 if zeros else 0)  # legend, and the note under it
    height = 2.3 * nrows + foot
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, sharex=True)
    for i, (ax, m) in enumerate(zip(axes.flat, metrics, strict=False)):
        draw_metric(ax, data, m)
        panel_title(ax, "abcdefgh"[i], unit(m).label)
        if i + ncols < len(metrics):  # a panel below shows the shared x axis
            ax.set_xlabel("")
        else:
            ax.xaxis.set_tick_params(labelbottom=True)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    handles, labels = legend_handles(data, axes.flat[0]) if metrics else ([], [])
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), frameon=False,
                   title=family_legend_title(data.family_axes),
                   bbox_to_anchor=(0.5, 0.15 / height if zeros else 0))  # fmt: skip
    if zeros:
        note(fig, zero_note(zeros))
    fig.tight_layout(rect=(0, foot / height if handles or zeros else 0, 1, 1))
    return save(fig, out, name)
