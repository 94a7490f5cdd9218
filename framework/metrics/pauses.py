"""Stop-the-world pause statistics (DESIGN.md §3, "Pause").

A pause runs from the stop request to the restart, so it includes the time to safepoint
(TTSP), like Go 1.22's runtime/metrics ``/sched/pauses/total/gc:seconds`` (from deciding to
stop the world until it is started again; ``/sched/pauses/stopping/gc:seconds`` is the TTSP
part). Percentiles use numpy's default ``'linear'`` method (type 7 of Hyndman & Fan
1996): the p-th percentile of n sorted values is ``x[(n-1)p/100]``, interpolated linearly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from framework.events import RunLog


def pause_durations(log: RunLog) -> np.ndarray:
    """Durations ``end_ns - start_ns`` of every pause, in recording order (int64 ns)."""
    return np.fromiter((p.duration_ns for p in log.pauses), dtype=np.int64, count=len(log.pauses))


def _percentiles(d: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    if d.size == 0:
        return [0.0] * len(qs)
    return [float(v) for v in np.percentile(d, qs, method="linear")]


def pause_stats(log: RunLog) -> dict[str, Any]:
    """Pause count, total, max, mean, p50/p95/p99 (ns; all 0 without pauses), the same per
    phase under ``pause_by_phase`` ({phase: {count, total_ns, max_ns, p50_ns, p99_ns}}), and
    ``ttsp_max_ns``, the longest time to safepoint."""
    d = pause_durations(log)
    p50, p95, p99 = _percentiles(d, (50.0, 95.0, 99.0))
    phases = np.array([p.phase for p in log.pauses], dtype=object)
    by_phase: dict[str, dict[str, float | int]] = {}
    for phase in sorted(set(phases.tolist())):
        dp = d[phases == phase]
        q50, q99 = _percentiles(dp, (50.0, 99.0))
        by_phase[phase] = {
            "count": int(dp.size),
            "total_ns": int(dp.sum()),
            "max_ns": int(dp.max()),
            "p50_ns": q50,
            "p99_ns": q99,
        }
    ttsp = max((p.ttsp_ns for p in log.pauses), default=0)
    return {
        "pause_count": int(d.size),
        "pause_total_ns": int(d.sum()),
        "pause_max_ns": int(d.max()) if d.size else 0,
        "pause_mean_ns": float(d.mean()) if d.size else 0.0,
        "pause_p50_ns": p50,
        "pause_p95_ns": p95,
        "pause_p99_ns": p99,
        "pause_by_phase": by_phase,
        "ttsp_max_ns": int(ttsp),
    }
