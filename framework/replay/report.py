"""``replay.md``, ``replay.png`` and ``tradeoff.png`` of a replay.

Rule: the log and the simulation are measured by the same functions
(``framework.replay.compare``); a figure uses the shared style (``framework.plots.style``)
and colours (``palette.SERIES_COLOURS``), the log drawn beside the simulation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framework.replay.compare import LABELS, METRICS, metrics, ratio
from framework.replay.derive import Derived

MiB = float(1 << 20)


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:.3g}"


def comparison(d: Derived, summary: dict[str, Any]) -> list[tuple[str, float, float, float]]:
    """``(metric, log, simulation, simulation / log)`` per metric."""
    real = metrics(d.cycles, d.gomaxprocs)
    sim = metrics(summary["cycles"], int(summary.get("gomaxprocs", d.gomaxprocs)))
    return [(k, real[k], sim[k], ratio(sim[k], real[k])) for k in METRICS]


def per_cycle(d: Derived, summary: dict[str, Any]) -> list[tuple[str, float, float]]:
    """``(quantity, median, 90th percentile)`` of the relative error per logged cycle of the
    simulation's heap goal and marked heap, the simulation read at the same progress (bytes
    allocated before the cycle's start, ``derive.progress``) by linear interpolation."""
    import numpy as np
    import pandas as pd

    from framework.replay.derive import progress

    sim = pd.DataFrame(summary["cycles"])
    if len(sim) < 2:
        return []
    x_log, m_log, _ = progress(d.cycles)
    x_sim, m_sim, _ = progress(sim, whole_mib=False)
    goal_log = d.cycles["goal"].to_numpy(float) + 0.5 * MiB
    inside = (x_log >= x_sim[0]) & (x_log <= x_sim[-1])
    out = []
    for name, real, simulated in (
        ("heap goal", goal_log, sim["goal"].to_numpy(float)),
        ("marked heap", m_log, m_sim),
    ):
        at = np.interp(x_log[inside], x_sim, simulated)
        err = np.abs(at / real[inside] - 1)
        if len(err):
            out.append((name, float(np.median(err)), float(np.percentile(err, 90))))
    return out


def write_report(d: Derived, summary: dict[str, Any], overrides: list[str], out: Path) -> None:
    what = (
        "prediction with " + ", ".join(f"`{o}`" for o in overrides)
        if overrides
        else ("reproduction check (the log's own settings)")
    )
    limit = f"{d.log_memory_limit_mib} MiB" if d.log_memory_limit_mib else "off"
    lines = [
        "# gclab replay",
        "",
        f"Log: {len(d.cycles)} cycles, GOMAXPROCS {d.gomaxprocs}, GOGC {d.log_gogc}, "
        f"GOMEMLIMIT {limit}. Simulation: {what}.",
        "",
        "## log vs simulation",
        "",
        "| metric | log | simulation | simulation / log |",
        "|---|---|---|---|",
    ]
    for k, real, sim, r in comparison(d, summary):
        lines.append(f"| {LABELS[k]} | {_fmt(real)} | {_fmt(sim)} | {r:.2f} |")
    rows = per_cycle(d, summary)
    if rows:
        lines += [
            "",
            "Per logged cycle, the simulation read at the same bytes allocated:",
            "",
            "| per cycle | median error | 90th percentile |",
            "|---|---|---|",
            *[f"| {n} | {100 * a:.0f}% | {100 * b:.0f}% |" for n, a, b in rows],
        ]
    lines += [
        "",
        "Sizes are whole MiB as gctrace prints them, for both; GC CPU is Go's definition "
        "(STW x P + assist + background over elapsed x P, idle marking free).",
        "",
        "## how the workload was derived",
        "",
        *[f"- {n}" for n in d.notes],
        "",
    ]
    (out / "replay.md").write_text("\n".join(lines))


def plot_heap(d: Derived, result: Any, overrides: list[str], out: Path) -> Path:
    """Heap over time: the log's cycles (heap at start, at mark end, marked, goal) beside
    the simulation's."""
    import matplotlib.pyplot as plt

    from framework.plots import palette, style

    style.apply()
    fig, axes = plt.subplots(1, 2, figsize=(style.FULL_IN, 2.9), sharex=True, sharey=True)
    sim_label = "simulation" + (" (" + ", ".join(overrides) + ")" if overrides else "")
    sim_rows = result.summary["cycles"]
    for ax, rows, title in ((axes[0], d.cycles.to_dict("records"), "log"),
                            (axes[1], sim_rows, sim_label)):  # fmt: skip
        _cycles_plot(ax, rows, palette.SERIES_COLOURS)
        ax.set_title(title)
        ax.set_xlabel("time (s)")
    axes[0].set_ylabel("MiB")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False)
    fig.subplots_adjust(bottom=0.3)
    path = out / "replay.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def _cycles_plot(ax: Any, rows: list[dict[str, Any]], colours: dict[str, str]) -> None:
    """Goal, marked heap and heapLive as gctrace shows it: rising from the cycle start to
    mark termination, then reset to the marked bytes (straight lines between)."""
    t = [r["start_ns"] / 1e9 for r in rows]
    ax.step(t, [r["goal"] / MiB for r in rows], where="post", color=colours["goal"], ls="--",
            label="goal")  # fmt: skip
    xs, ys = [], []
    for r in rows:
        xs += [r["start_ns"] / 1e9, r["mark_end_ns"] / 1e9, r["end_ns"] / 1e9]
        ys += [r["heap_at_start"] / MiB, r["heap_at_mark_end"] / MiB, r["marked"] / MiB]
    ax.plot(xs, ys, color=colours["alloc"], lw=0.8, label="heapLive (gctrace)")
    ax.plot(t, [r["marked"] / MiB for r in rows], ".", ms=3, color=colours["live"],
            label="marked")  # fmt: skip


def plot_tradeoff(d: Derived, folder: Path, axes_names: list[str], out: Path) -> Path:
    """Peak heap against GC CPU, and the longest pause, per sweep point; the log marked
    (its peak from the gctrace columns, the points' as in-use span bytes)."""
    import matplotlib.pyplot as plt

    from framework.plots import style
    from framework.plots.palette import FALLBACK, SERIES
    from framework.sweep.results import load_results

    log_colour = SERIES["real_go"].colour  # a recorded Go run, as in every figure

    style.apply()
    df = load_results(folder)
    real = metrics(d.cycles, d.gomaxprocs)
    fig, (a, b) = plt.subplots(1, 2, figsize=(style.FULL_IN, 2.6))
    df = df[df["status"] == "ok"] if "status" in df else df
    label = [", ".join(f"{k.split('.')[-1]}={r[k]}" for k in axes_names if k in r) for _, r in
             df.iterrows()]  # fmt: skip
    peak = df["heap_peak_bytes"] / MiB
    cpu = 100 * df["gc_cpu_fraction"]
    pause = df["pause_max_ns"] / 1e6
    a.scatter(
        cpu, peak, s=14, color=FALLBACK[0].colour, marker=FALLBACK[0].marker, label="simulated"
    )
    b.scatter(pause, peak, s=14, color=FALLBACK[0].colour, marker=FALLBACK[0].marker)
    for x, y, z, text in zip(cpu, peak, pause, label, strict=True):
        a.annotate(text, (x, y), fontsize=5, xytext=(2, 2), textcoords="offset points")
        b.annotate(text, (z, y), fontsize=5, xytext=(2, 2), textcoords="offset points")
    a.scatter([real["gc_cpu_pct"]], [real["peak_heap_mib"]], marker="*", s=60,
              color=log_colour, label=f"log (GOGC={d.log_gogc})")  # fmt: skip
    worst = float(max(d.cycles["stw_sweep_term_ns"].max(), d.cycles["stw_mark_term_ns"].max()))
    b.scatter([worst / 1e6], [real["peak_heap_mib"]], marker="*", s=60, color=log_colour)
    b.ticklabel_format(axis="x", useOffset=False)
    a.set_xlabel("GC CPU (%)")
    a.set_ylabel("peak heap (MiB)")
    b.set_xlabel("longest pause (ms)")
    a.legend(frameon=False, loc="upper right")
    path = out / "tradeoff.png"
    fig.savefig(path)
    plt.close(fig)
    return path
