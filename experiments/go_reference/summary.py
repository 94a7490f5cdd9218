"""Per-config metrics of the recorded Go runs (``data/<config>/run<k>.*``).

Rules. Per run, from the gctrace (parsed by ``framework.traces.gctrace_import.find_record``) and
the program's report:

- ``gc_count``: gctrace lines; ``numgc``: ``MemStats.NumGC`` (they agree unless a line
  was lost);
- ``goal_mean_bytes`` / ``marked_mean_bytes``: mean over cycles of the goal and of the
  marked heap (gctrace prints whole MiB, truncated: ``>> 20`` in gcMarkTermination);
- ``heap_peak_bytes``: the largest heap-at-start or heap-at-mark-termination;
- ``gc_cpu``: Go's definition, (STW CPU + assist + dedicated/fractional) / (elapsed x P),
  from the trace's cpu columns ``d+e/f/g+h`` (d, h = stwprocs x STW clock; idle g is
  "free" and left out, as in gcMarkTermination's ``work.totaltime``), elapsed = the
  program's ``work_s`` (main's start to the end of the workload);
  ``gc_cpu_memstats`` = ``MemStats.GCCPUFraction`` (the same sum, but over the time up
  to the last mark termination);
- ``assist_share`` / ``background_share`` / ``idle_share``: of all mark CPU (e + f + g);
- STW per phase from the clock columns: sweep termination (first) and mark termination
  (third), p50 and max; ``mark_wall_mean_ns``: the concurrent mark (second);
- ``heap_released_bytes`` and ``sys_minus_heapsys_bytes`` from MemStats at exit;
- ``work_s`` (the workload's wall time), ``user_s`` / ``sys_s`` (rusage), ``load_before``
  (1-minute load average, which includes the run before) and ``others_cpu_frac`` (CPU
  that other processes used during the run, over wall x cores).

Per config: ``{metric: {"mean", "min", "max", "n"}}`` over its runs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from experiments.go_reference.matrix import HERE, load_matrix
from framework.traces.gctrace import TraceLine
from framework.traces.gctrace_import import find_record

DATA = HERE / "data"
README = HERE / "README.md"
MiB = 1 << 20
_START, _END = "<!-- summary:start -->", "<!-- summary:end -->"


def read_trace(folder: Path, k: int) -> str:
    plain = folder / f"run{k}.gctrace.txt"
    if plain.exists():
        return plain.read_text(errors="replace")
    return gzip.decompress((folder / f"run{k}.gctrace.txt.gz").read_bytes()).decode(
        errors="replace"
    )


def trace_lines(text: str) -> list[TraceLine]:
    return [t for t in map(find_record, text.splitlines()) if t is not None]


def run_metrics(record: dict[str, Any], trace: str) -> dict[str, float]:
    """The metrics of one run (see the module docstring)."""
    rep = record["report"]
    ms = rep["memstats"]
    P = int(record["env"]["GOMAXPROCS"])
    lines = trace_lines(trace)
    work_s = float(rep["work_s"])
    out: dict[str, float] = {
        "gc_count": len(lines),
        "numgc": ms["NumGC"],
        "gc_cpu_memstats": ms["GCCPUFraction"],
        "heap_released_bytes": ms["HeapReleased"],
        "sys_minus_heapsys_bytes": ms["Sys"] - ms["HeapSys"],
        "work_s": work_s,
        "process_wall_s": record["process_wall_s"],
        "user_s": rep["rusage"]["user_s"],
        "sys_s": rep["rusage"]["sys_s"],
        "load_before": record["loadavg_before"][0],
        "others_cpu_frac": record["others_cpu_frac"],
    }
    if not lines:
        return out
    arr = {
        f: np.array([getattr(t, f) for t in lines], dtype=np.float64)
        for f in TraceLine.__dataclass_fields__
        if f not in ("forced", "stacks_mib", "globals_mib")
    }
    stw_cpu = arr["stw_sweep_term_cpu_ns"].sum() + arr["stw_mark_term_cpu_ns"].sum()
    a, b, i = arr["assist_cpu_ns"].sum(), arr["background_cpu_ns"].sum(), arr["idle_cpu_ns"].sum()
    mark = max(a + b + i, 1e-9)
    out.update(
        goal_mean_bytes=arr["goal_mib"].mean() * MiB,
        marked_mean_bytes=arr["marked_mib"].mean() * MiB,
        heap_peak_bytes=max(arr["heap_start_mib"].max(), arr["heap_mark_end_mib"].max()) * MiB,
        gc_cpu=(stw_cpu + a + b) / (work_s * 1e9 * P),
        gc_cpu_pct_last=arr["gc_cpu_pct"][-1],
        assist_share=a / mark,
        background_share=b / mark,
        idle_share=i / mark,
        stw_sweep_term_p50_ns=float(np.median(arr["sweep_term_ns"])),
        stw_sweep_term_max_ns=arr["sweep_term_ns"].max(),
        stw_mark_term_p50_ns=float(np.median(arr["mark_term_ns"])),
        stw_mark_term_max_ns=arr["mark_term_ns"].max(),
        mark_wall_mean_ns=arr["mark_ns"].mean(),
        stacks_max_bytes=max(t.stacks_mib or 0 for t in lines) * MiB,
        globals_bytes=(lines[-1].globals_mib or 0) * MiB,
        forced=sum(t.forced for t in lines),
    )
    return {k: float(v) for k, v in out.items()}


def config_runs(name: str, data: Path = DATA) -> list[tuple[dict[str, Any], str]]:
    """``(record, gctrace text)`` of every recorded run of ``name``, by run number."""
    folder = data / name
    runs = sorted(folder.glob("run*.json"), key=lambda p: int(p.stem[3:]))
    return [(json.loads(p.read_text()), read_trace(folder, int(p.stem[3:]))) for p in runs]


def aggregate(per_run: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    keys = sorted(set().union(*per_run)) if per_run else []
    out = {}
    for k in keys:
        v = np.array([r[k] for r in per_run if k in r], dtype=np.float64)
        out[k] = {
            "mean": float(v.mean()),
            "min": float(v.min()),
            "max": float(v.max()),
            "n": len(v),
        }
    return out


def summarize(data: Path = DATA, names: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """``{config: {metric: {mean, min, max, n}}}`` for every recorded config (matrix order)."""
    names = list(load_matrix()) if names is None else names
    out = {}
    for n in names:
        runs = config_runs(n, data)
        if runs:
            out[n] = aggregate([run_metrics(rec, tr) for rec, tr in runs])
    return out


def _fmt(m: dict[str, float], scale: float, digits: int) -> str:
    """``mean`` and, when the runs differ, the range ``(min-max)``."""
    mean, lo, hi = (m[k] * scale for k in ("mean", "min", "max"))
    s = f"{mean:.{digits}f}"
    if f"{lo:.{digits}f}" != f"{hi:.{digits}f}":
        s += f" ({lo:.{digits}f}-{hi:.{digits}f})"
    return s


COLUMNS = [  # (header, metric, scale, digits)
    ("GCs", "gc_count", 1, 0),
    ("goal MiB", "goal_mean_bytes", 1 / MiB, 1),
    ("peak MiB", "heap_peak_bytes", 1 / MiB, 0),
    ("GC CPU %", "gc_cpu", 100, 1),
    ("GCCPUFraction %", "gc_cpu_memstats", 100, 1),
    ("STW sweep-term p50 µs", "stw_sweep_term_p50_ns", 1e-3, 0),
    ("STW mark-term p50 µs", "stw_mark_term_p50_ns", 1e-3, 0),
    ("mark wall ms", "mark_wall_mean_ns", 1e-6, 1),
    ("wall s", "work_s", 1, 2),
    ("others' CPU %", "others_cpu_frac", 100, 0),
]


def markdown(summary: dict[str, dict[str, Any]]) -> str:
    """One row per config: the mean over runs, and the range when the runs differ."""
    head = "| config | runs | " + " | ".join(c[0] for c in COLUMNS) + " |"
    rule = "|" + "---|" * (len(COLUMNS) + 2)
    rows = [head, rule]
    for name, s in summary.items():
        cells = [_fmt(s[m], sc, d) if m in s else "-" for _, m, sc, d in COLUMNS]
        rows.append(f"| {name} | {s['gc_count']['n']} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def update_readme(table: str, readme: Path = README) -> None:
    text = readme.read_text()
    a, b = text.index(_START) + len(_START), text.index(_END)
    readme.write_text(text[:a] + "\n" + table + text[b:])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.go_reference.summary")
    ap.add_argument("--only", action="append", metavar="NAME", help="config name (repeatable)")
    ap.add_argument("--json", type=Path, help="also write the summary as JSON here")
    ap.add_argument("--readme", action="store_true", help="rewrite the table in README.md")
    args = ap.parse_args(argv)
    summary = summarize(names=args.only)
    table = markdown(summary)
    print(table, end="")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n")
    if args.readme:
        update_readme(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
