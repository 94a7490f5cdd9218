"""Log against simulation: the same per-run metrics from either's cycle table.

Rule: every metric is computed by one function from cycle rows with ``framework.events.Cycle``
columns, so a real log (imported, sizes truncated to whole MiB as Go prints them) and a
simulation (``summary["cycles"]``, truncated the same way) are measured alike:

- ``gc_count``: cycles; ``goal_mean_mib`` / ``marked_mean_mib``: means over cycles of the
  whole-MiB values gctrace prints; ``peak_heap_mib``: the largest heap at a cycle start or
  mark end;
- ``gc_cpu_pct``: Go's definition (runtime/mgc.go ``gcMarkTermination``, the gctrace
  percentage): STW x P + assist + background mark CPU over elapsed x P, at the last cycle's
  end; idle marking is free.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

MiB = 1 << 20
METRICS = ("gc_count", "goal_mean_mib", "marked_mean_mib", "peak_heap_mib", "gc_cpu_pct")
LABELS = {
    "gc_count": "GC cycles",
    "goal_mean_mib": "mean heap goal (MiB)",
    "marked_mean_mib": "mean marked heap (MiB)",
    "peak_heap_mib": "peak heap (MiB)",
    "gc_cpu_pct": "GC CPU (%)",
}


def metrics(cycles: pd.DataFrame | list[dict[str, Any]], nprocs: int) -> dict[str, float]:
    df = pd.DataFrame(cycles)
    if df.empty:
        return {"gc_count": 0, "goal_mean_mib": 0.0, "marked_mean_mib": 0.0,
                "peak_heap_mib": 0.0, "gc_cpu_pct": 0.0}  # fmt: skip

    def mib(col: str) -> pd.Series:
        return (df[col].astype("int64").clip(lower=0) // MiB).astype(float)

    stw = (df["mark_start_ns"] - df["start_ns"]) + (df["end_ns"] - df["mark_end_ns"])
    gc = (stw * nprocs + df["assist_cpu_ns"] + df["background_cpu_ns"]).sum()
    elapsed = max(1.0, float(df["end_ns"].iloc[-1]))
    return {
        "gc_count": len(df),
        "goal_mean_mib": float(mib("goal").mean()),
        "marked_mean_mib": float(mib("marked").mean()),
        "peak_heap_mib": float(max(mib("heap_at_start").max(), mib("heap_at_mark_end").max())),
        "gc_cpu_pct": float(100 * gc / (elapsed * nprocs)),
    }


def ratio(sim: float, real: float) -> float:
    return sim / real if real else float("inf") if sim else 1.0
