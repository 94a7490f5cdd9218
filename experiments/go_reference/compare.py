"""Simulated (gclab) vs recorded (Go 1.19) runs of the reference matrix, one Markdown table
per config.

Rule: a recorded metric (``summary.summarize``: mean over the Go runs, with their range) is
set against the same quantity from gclab's ``summary.json`` (``framework.metrics.summary``)
and the ratio sim / real is given. Goals and peak heaps come from the simulated cycle table
(``summary["cycles"]``); gctrace prints whole MiB, so the real ones are truncated by up to
1 MiB. A config whose gclab config does not validate (or whose simulation fails) is listed
as "not simulated: <reason>" instead of stopping the run.

    python -m experiments.go_reference.compare [--only NAME] [--reuse] [--jobs N] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from experiments.go_reference.matrix import CONFIGS, load_matrix
from experiments.go_reference.record import select
from experiments.go_reference.summary import MiB, summarize

OUT = Path("results/go_reference")
Sim = dict[str, Any]


def _cycles(s: Sim, key: str) -> np.ndarray:
    return np.array([c.get(key, np.nan) for c in s.get("cycles", [])], dtype=np.float64)


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else float("nan")


def _share(s: Sim, key: str) -> float:
    """One kind's share of all mark CPU (assist + background + idle), over every cycle, as
    summary.py computes it from gctrace's ``e/f/g`` columns."""
    kinds = ("assist_cpu_ns", "background_cpu_ns", "idle_cpu_ns")
    total = sum(_cycles(s, k).sum() for k in kinds)
    return float(_cycles(s, key).sum() / total) if total > 0 else float("nan")


def _peak(s: Sim) -> float:
    x = np.concatenate([_cycles(s, "heap_at_start"), _cycles(s, "heap_at_mark_end")])
    return float(x.max()) if x.size else float("nan")


METRICS: list[tuple[str, str, Callable[[Sim], float], float, int]] = [
    # (label, recorded metric, simulated value, display scale, digits)
    ("GC count", "gc_count", lambda s: s["gc_cycles"], 1, 0),
    ("mean heap goal (MiB)", "goal_mean_bytes", lambda s: _mean(_cycles(s, "goal")), 1 / MiB, 1),
    ("mean marked (MiB)", "marked_mean_bytes", lambda s: _mean(_cycles(s, "marked")), 1 / MiB, 1),
    ("peak heap (MiB)", "heap_peak_bytes", _peak, 1 / MiB, 1),
    ("GC CPU (%)", "gc_cpu", lambda s: s["gc_cpu_fraction"], 100, 1),
    ("STW sweep term p50 (µs)", "stw_sweep_term_p50_ns",
     lambda s: s.get("pause_sweep_termination_p50_ns", float("nan")), 1e-3, 1),
    ("STW mark term p50 (µs)", "stw_mark_term_p50_ns",
     lambda s: s.get("pause_mark_termination_p50_ns", float("nan")), 1e-3, 1),
    ("background share of mark CPU", "background_share",
     lambda s: _share(s, "background_cpu_ns"), 1, 2),
    ("assist share of mark CPU", "assist_share", lambda s: _share(s, "assist_cpu_ns"), 1, 2),
    ("idle share of mark CPU", "idle_share", lambda s: _share(s, "idle_cpu_ns"), 1, 2),
    ("mark wall mean (ms)", "mark_wall_mean_ns",
     lambda s: _mean(_cycles(s, "concurrent_mark_ns")), 1e-6, 2),
    ("run time (s)", "work_s", lambda s: s["sim_time_ns"] / 1e9, 1, 3),
]  # fmt: skip


def table(name: str, real: dict[str, dict[str, float]] | None, sim: Sim | str) -> str:
    """The Markdown section of one config. ``sim`` is a gclab summary, or the reason it is
    missing; ``real`` is the config's recorded summary (None if not recorded)."""
    lines = [f"### {name}", ""]
    if real is None:
        lines.append("not recorded (run `python -m experiments.go_reference.record`)")
    if isinstance(sim, str):
        lines.append(f"not simulated: {sim}")
    if real is None or isinstance(sim, str):
        return "\n".join(lines) + "\n"
    n = real["gc_count"]["n"]
    lines += [
        f"| metric | Go 1.19 (mean of {n}, range) | gclab | gclab / Go |",
        "|---|---|---|---|",
    ]
    for label, key, get, scale, d in METRICS:
        if key not in real:
            continue
        r = real[key]
        s = float(get(sim))
        cell = f"{r['mean'] * scale:.{d}f}"
        if r["max"] != r["min"]:
            cell += f" ({r['min'] * scale:.{d}f}-{r['max'] * scale:.{d}f})"
        ratio = f"{s / r['mean']:.2f}" if r["mean"] and np.isfinite(s) else "-"
        lines.append(f"| {label} | {cell} | {s * scale:.{d}f} | {ratio} |")
    return "\n".join(lines) + "\n"


def write_tables(real: dict[str, dict[str, Any]], sims: dict[str, Sim | str], out: Path) -> Path:
    """``out/compare.md``: one section per config of ``sims`` (in its order)."""
    out.mkdir(parents=True, exist_ok=True)
    body = "\n".join(table(n, real.get(n), s) for n, s in sims.items())
    path = out / "compare.md"
    path.write_text("# gclab vs Go 1.19: the go_reference matrix\n\n" + body)
    return path


def simulate_config(name: str) -> Sim | str:
    """gclab's summary for ``configs/<name>.toml``, or why there is none."""
    from framework.config import ConfigError, load_config
    from framework.simulation import simulate

    try:
        cfg = load_config(CONFIGS / f"{name}.toml")
    except ConfigError as e:
        return "; ".join(e.messages)
    try:
        return simulate(cfg).summary
    except Exception as e:  # a failed simulation is reported, not fatal
        return f"{type(e).__name__}: {e}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.go_reference.compare")
    ap.add_argument("--only", action="append", metavar="NAME", help="config name or glob")
    ap.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT})")
    ap.add_argument("--reuse", action="store_true", help="reuse simulated summaries in OUT/sim")
    ap.add_argument("--jobs", type=int, default=1, help="simulations in parallel (default 1)")
    args = ap.parse_args(argv)
    names = select(load_matrix(), args.only)
    real = summarize(names=names)
    sim_dir = args.out / "sim"
    sim_dir.mkdir(parents=True, exist_ok=True)
    sims: dict[str, Sim | str] = {}
    todo = []
    for n in names:
        if args.reuse and (sim_dir / f"{n}.json").exists():
            sims[n] = json.loads((sim_dir / f"{n}.json").read_text())
        else:
            todo.append(n)
    print(f"simulating {len(todo)} configs: {' '.join(todo)}", file=sys.stderr, flush=True)
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for n, s in zip(todo, pool.map(simulate_config, todo), strict=True):
            sims[n] = s
            if not isinstance(s, str):
                (sim_dir / f"{n}.json").write_text(json.dumps(s) + "\n")
    sims = {n: sims[n] for n in names}
    path = write_tables(real, sims, args.out)
    print(path.read_text(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
