"""``gclab plot DIR``: every sweep figure, as vector PDF and PNG, into ``DIR/figures``.

Figures: metric_vs_axis (GC CPU, max pause, peak heap, run time against the swept axis,
with 95% CI bands), gc_cpu_vs_heap_overhead, pause_cdf, mmu, heap_over_time,
fragmentation, p_timeline, and gctrace_compare when a real gctrace log is given.
"""

from __future__ import annotations

from pathlib import Path

from framework.plots.fragmentation import plot_fragmentation
from framework.plots.gogc_tradeoff import plot_gogc_tradeoff
from framework.plots.heap_timeline import plot_heap_timeline
from framework.plots.metric_vs_axis import plot_metrics_vs_axis
from framework.plots.mmu_curves import plot_mmu
from framework.plots.p_timeline import plot_p_timeline
from framework.plots.pause_cdf import plot_pause_cdf
from framework.plots.sweep_data import SweepData, load_sweep_data


class PlotError(ValueError):
    """Nothing to plot (no finished runs, an empty gctrace log)."""


def plot_gctrace(data: SweepData, log: str | Path, out: Path) -> list[Path]:
    from framework.cli.usage import BadInputError
    from framework.plots.gctrace_compare import plot_gctrace_compare
    from framework.sweep.store import Store
    from framework.traces.gctrace_import import load_cycles

    try:
        real = load_cycles(log)
    except BadInputError as e:
        raise PlotError(f"--gctrace {e}") from None
    if real.empty:
        raise PlotError(f"--gctrace {log}: no gctrace lines found")
    fam = data.families[0]
    rid = data.representative(fam)
    assert rid is not None
    with Store.reader(data.folder) as st:
        sim = st.series(rid, "cycles")
    return plot_gctrace_compare(real, sim, f"simulated {fam}", data.looks[fam], out)


def plot_sweep(
    folder: str | Path, out: str | Path | None = None, gctrace: str | Path | None = None
) -> list[Path]:
    """Write every figure of the sweep at ``folder``; returns the files written."""
    data = load_sweep_data(folder)
    if data.df.empty:
        raise PlotError(f"{folder}: no finished runs to plot")
    target = Path(out) if out else Path(folder) / "figures"
    extra: list[Path] = []
    if gctrace is not None:
        extra = plot_gctrace(data, gctrace, target)  # first: a bad log writes nothing else
    paths: list[Path] = []
    for fn in (
        plot_metrics_vs_axis,
        plot_gogc_tradeoff,
        plot_pause_cdf,
        plot_mmu,
        plot_heap_timeline,
        plot_fragmentation,
        plot_p_timeline,
    ):
        paths += fn(data, target)
    return paths + extra
