"""Per-cycle metrics: the cycle table (gctrace's rows) and what is summarised from it."""

from __future__ import annotations

from typing import Any

import numpy as np

from framework.events import RunLog


def cycle_table(log: RunLog) -> list[dict[str, Any]]:
    """One row per completed cycle: every ``Cycle`` field plus its ``extra`` measurements."""
    return [c.row() for c in log.cycles if c.end_ns > 0]


def cycle_stats(log: RunLog) -> dict[str, Any]:
    """Floating garbage and pacing figures over the completed cycles.

    - ``floating_garbage_bytes_mean``: bytes marked at mark termination that were already
      unreachable (they survive the cycle), averaged over cycles;
    - ``heap_trigger_over_goal_mean``: heapLive when a cycle started / that cycle's goal;
    - ``heap_mark_end_over_goal_mean``: heapLive at mark termination / goal;
    - ``background_utilization_mean``: dedicated + fractional mark time / (mark phase * P).
    """
    rows = cycle_table(log)
    out: dict[str, Any] = {
        "floating_garbage_bytes_mean": 0.0,
        "floating_garbage_bytes_max": 0,
        "heap_trigger_over_goal_mean": 0.0,
        "heap_mark_end_over_goal_mean": 0.0,
        "background_utilization_mean": 0.0,
        "assist_utilization_mean": 0.0,
    }
    if not rows:
        return out
    fg = np.array([r.get("floating_garbage_bytes", 0) for r in rows], dtype=np.float64)
    out["floating_garbage_bytes_mean"] = float(fg.mean())
    out["floating_garbage_bytes_max"] = int(fg.max())
    goals = np.array([r["goal"] for r in rows], dtype=np.float64)
    ok = goals > 0
    if ok.any():
        start = np.array([r["heap_at_start"] for r in rows], dtype=np.float64)
        end = np.array([r["heap_at_mark_end"] for r in rows], dtype=np.float64)
        out["heap_trigger_over_goal_mean"] = float((start[ok] / goals[ok]).mean())
        out["heap_mark_end_over_goal_mean"] = float((end[ok] / goals[ok]).mean())
    for key in ("background_utilization", "assist_utilization"):
        vals = [r[key] for r in rows if key in r]
        if vals:
            out[f"{key}_mean"] = float(np.mean(vals))
    return out
