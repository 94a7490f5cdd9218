"""One flat, JSON-ready summary of a finished run (DESIGN.md §3)."""

from __future__ import annotations

from typing import Any

import numpy as np

from framework.events import RunLog
from framework.metrics.cpu import cpu_stats
from framework.metrics.cycles import cycle_stats, cycle_table
from framework.metrics.fragmentation import fragmentation_stats
from framework.metrics.heap import heap_stats
from framework.metrics.mmu import bmu, default_windows, mmu
from framework.metrics.pauses import pause_stats
from framework.metrics.rc import rc_stats


def to_builtin(x: Any) -> Any:
    """Recursively turn numpy scalars/arrays (and tuples) into plain Python values."""
    if isinstance(x, dict):
        return {str(k): to_builtin(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [to_builtin(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x)
    return x


def summarize(log: RunLog, mmu_windows_ns: np.ndarray | list[int] | None = None) -> dict[str, Any]:
    """All metrics of ``log`` in one dict of plain ints/floats.

    Top level: ``pause_stats``, ``cpu_stats``, ``heap_stats`` and ``fragmentation_stats``
    keys, ``gc_cycles`` (= ``len(log.cycles)``), the ``Totals`` fields (``sim_time_ns``,
    ``mutator_ops``, ``alloc_count``, ``alloc_bytes``, ``alloc_req_bytes``, ``gomaxprocs``,
    ``goroutines``) and every entry of ``totals.counters`` (prefixed ``counter_`` only if its
    name clashes with a metric). Nested: ``pause_by_phase``, and ``mmu`` / ``bmu`` as
    ``{str(window_ns): value}`` (windows default to ``default_windows(sim_time_ns)``).
    """
    tot = log.totals
    out: dict[str, Any] = {
        "gc_cycles": len(log.cycles),
        "sim_time_ns": tot.sim_time_ns,
        "mutator_ops": tot.mutator_ops,
        "alloc_count": tot.alloc_count,
        "alloc_bytes": tot.alloc_bytes,
        "alloc_req_bytes": tot.alloc_req_bytes,
        "gomaxprocs": tot.gomaxprocs,
        "goroutines": tot.goroutines,
    }
    out.update(pause_stats(log))
    out.update(cpu_stats(log))
    out.update(heap_stats(log))
    out.update(fragmentation_stats(log))
    out.update(cycle_stats(log))
    out.update(rc_stats(log))
    for phase, st in out["pause_by_phase"].items():
        for k in ("count", "total_ns", "max_ns", "p50_ns", "p99_ns"):
            out[f"pause_{phase}_{k}"] = st[k]
    for name, value in tot.counters.items():
        out[f"counter_{name}" if name in out else name] = value
    if mmu_windows_ns is None:
        windows = default_windows(tot.sim_time_ns)
    else:
        windows = np.rint(np.asarray(mmu_windows_ns, dtype=np.float64)).astype(np.int64).ravel()
    m = mmu(log, windows)
    b = bmu(m, windows)
    out["mmu"] = {str(int(w)): float(v) for w, v in zip(windows, m, strict=True)}
    out["bmu"] = {str(int(w)): float(v) for w, v in zip(windows, b, strict=True)}
    out["cycles"] = cycle_table(log)
    return to_builtin(out)
