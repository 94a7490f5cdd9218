"""Writing one run's results: the resolved config, the summary and the time series.

Files in the run folder:
  config.toml      the resolved config (defaults filled in), enough to re-run it exactly
  summary.json     scalar metrics, MMU/BMU curves, per-phase pause statistics
  pauses.csv       one row per stop-the-world pause
  heap.csv         heap samples over time
  cycles.csv       one row per GC cycle (the gctrace table)
  intervals.csv    per-P busy intervals (kind: see framework.events.PKind)
  gctrace.txt      the cycles in Go's GODEBUG=gctrace=1 format
  cascades.csv     reference-counting cascades recorded as goroutine pauses (RC only)
  unreclaimed.csv  allocated-but-unreachable garbage over time (when sampled)
Each file is written to a temporary name and renamed, so a crash never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import tomli_w

from framework.config import config_to_dict
from framework.events import HeapSample, Pause, PKind
from framework.simulation import RunResult


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def _csv(header: list[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_run(result: RunResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    log = result.log
    atomic_write(out / "config.toml", tomli_w.dumps(config_to_dict(result.config)))
    atomic_write(out / "summary.json", json.dumps(result.summary, indent=2, sort_keys=True) + "\n")
    pf = [f.name for f in fields(Pause)]
    atomic_write(
        out / "pauses.csv",
        _csv(
            [*pf, "duration_ns"],
            [[getattr(p, n) for n in pf] + [p.duration_ns] for p in log.pauses],
        ),
    )
    hf = [f.name for f in fields(HeapSample)]
    atomic_write(out / "heap.csv", _csv(hf, [[getattr(s, n) for n in hf] for s in log.samples]))
    rows = [c.row() for c in log.cycles]
    header = list(rows[0]) if rows else [k for k in asdict(_empty_cycle()) if k != "extra"]
    atomic_write(out / "cycles.csv", _csv(header, [[r.get(k, "") for k in header] for r in rows]))
    from framework.traces.gctrace import format_trace

    if log.cascades:
        atomic_write(
            out / "cascades.csv",
            _csv(["start_ns", "end_ns", "goroutine", "objects"], [list(c) for c in log.cascades]),
        )
    if log.unreclaimed:
        atomic_write(
            out / "unreclaimed.csv",
            _csv(["t_ns", "objects", "bytes"], [list(u) for u in log.unreclaimed]),
        )

    trace = format_trace(rows, log.nprocs)
    atomic_write(out / "gctrace.txt", "".join(line + "\n" for line in trace))
    iv = log.intervals
    names = {int(k): k.name.lower() for k in PKind}
    kinds = [names[k] for k in iv["kind"].tolist()]
    atomic_write(
        out / "intervals.csv",
        _csv(
            ["p", "start_ns", "end_ns", "kind"],
            zip(
                iv["p"].tolist(), iv["start_ns"].tolist(), iv["end_ns"].tolist(), kinds, strict=True
            ),
        ),
    )


def _empty_cycle() -> Any:
    from framework.events import Cycle

    return Cycle(cycle=0, start_ns=0)


def format_summary(s: dict[str, Any]) -> str:
    """A short human-readable summary of a run."""

    def ms(ns: float) -> str:
        return f"{ns / 1e6:.3f} ms"

    def mib(b: float) -> str:
        return f"{b / (1 << 20):.2f} MiB"

    lines = [
        f"workload {s['workload']}, collector {s['collector']}, GOMAXPROCS {s['gomaxprocs']}",
        f"  simulated time   {ms(s['sim_time_ns'])}   (wall {s['wall_s']:.2f} s)",
        f"  mutator ops      {s['mutator_ops']:,}   allocations {s['alloc_count']:,}"
        f" ({mib(s['alloc_bytes'])})",
        f"  GC cycles        {s['gc_cycles']}   GC CPU {100 * s['gc_cpu_fraction']:.1f}%"
        f"   mutator utilisation {100 * s['mutator_utilization']:.1f}%",
        f"  pauses           max {ms(s['pause_max_ns'])}  p50 {ms(s['pause_p50_ns'])}"
        f"  p99 {ms(s['pause_p99_ns'])}  total {ms(s['pause_total_ns'])}",
        f"  heap             peak {mib(s['heap_peak_bytes'])}"
        f"  live {mib(s['heap_live_mean_bytes'])}"
        f"  goal {mib(s['heap_goal_mean_bytes'])}",
        f"  fragmentation    internal {100 * s['frag_internal']:.1f}%"
        f"  external {100 * s['frag_external']:.1f}%",
    ]
    mmu = s.get("mmu") or {}
    if mmu:
        picks = list(mmu.items())[:: max(1, len(mmu) // 5)][:6]
        lines.append(
            "  MMU              " + "  ".join(f"{int(w) / 1e6:g} ms: {v:.2f}" for w, v in picks)
        )
    return "\n".join(lines)
