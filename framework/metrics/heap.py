"""Heap size metrics (DESIGN.md §3, "Heap").

The live heap is what the collector measures: the bytes marked by each completed cycle
(gctrace's third heap figure, Go's ``heapMarked``). In-use is Go's ``HeapInuse`` (bytes of
in-use spans). Heap overhead = peak in-use / mean live, the space cost of collecting
lazily (cf. Hertz & Berger, "Quantifying the performance of garbage collection vs. explicit
memory management", OOPSLA 2005).
"""

from __future__ import annotations

import numpy as np

from framework.events import Cycle, RunLog


def sample_weights(t_ns: np.ndarray, sim_time_ns: int) -> np.ndarray:
    """Time weights of samples sorted by time: each sample holds until the next one; the last
    holds until ``T`` (at least 1 ns)."""
    t = np.asarray(t_ns, dtype=np.int64)
    if t.size == 0:
        return np.zeros(0, dtype=np.int64)
    w = np.empty(t.size, dtype=np.int64)
    w[:-1] = np.diff(t)
    w[-1] = max(int(sim_time_ns) - int(t[-1]), 1)
    return w


def time_weighted_mean(
    t_ns: np.ndarray,
    values: np.ndarray,
    sim_time_ns: int,
    mask: np.ndarray | None = None,
) -> float:
    """Time-weighted mean of a sampled step function (``t_ns`` ascending), weights from
    ``sample_weights``. ``mask`` selects the samples that count (their weights are unchanged).
    One sample gives its value; no selected samples give 0; if every selected weight is 0 the
    plain mean is returned."""
    v = np.asarray(values, dtype=np.float64)
    w = sample_weights(t_ns, sim_time_ns).astype(np.float64)
    if mask is not None:
        v, w = v[mask], w[mask]
    if v.size == 0:
        return 0.0
    total = w.sum()
    if total <= 0:
        return float(v.mean())
    return float(np.dot(v, w) / total)


def sorted_samples(log: RunLog) -> dict[str, np.ndarray]:
    """``log.samples_array()`` stably sorted by ``t_ns``."""
    s = log.samples_array()
    if s["t_ns"].size:
        order = np.argsort(s["t_ns"], kind="stable")
        s = {k: v[order] for k, v in s.items()}
    return s


def completed_cycles(log: RunLog) -> list[Cycle]:
    """Cycles that reached the end of mark termination (``end_ns > 0``); a cycle still running
    when the run stopped has the default ``end_ns = 0``."""
    return [c for c in log.cycles if c.end_ns > 0]


def heap_live_mean_bytes(log: RunLog) -> float:
    """Mean ``marked`` over completed cycles; without cycles, the time-weighted mean of
    ``alloc_bytes`` over samples (0 without samples)."""
    cyc = completed_cycles(log)
    if cyc:
        return float(np.mean([c.marked for c in cyc]))
    s = sorted_samples(log)
    return time_weighted_mean(s["t_ns"], s["alloc_bytes"], log.totals.sim_time_ns)


def _max(a: np.ndarray) -> int:
    return int(a.max()) if a.size else 0


def heap_stats(log: RunLog) -> dict[str, float | int]:
    """Heap peaks and means (bytes).

    ``heap_peak_bytes`` max in-use span bytes; ``heap_alloc_peak_bytes`` max allocated slot
    bytes; ``heap_live_mean_bytes`` see ``heap_live_mean_bytes``; ``heap_goal_mean_bytes``
    time-weighted mean goal over samples with a goal (``goal >= 0``; 0 if none);
    ``heap_live_final_bytes`` marked by the last completed cycle; ``heap_overhead`` =
    peak / live mean (0 if live is 0); ``heap_mapped_peak_bytes``; ``stack_bytes_max``;
    ``globals_bytes`` (max over samples); Go's memory figures: ``mapped_ready_peak_bytes``
    (what GOMEMLIMIT limits), ``heap_sys_final_bytes`` and ``heap_released_final_bytes``
    (HeapSys and HeapReleased at the end).
    """
    s = sorted_samples(log)
    T = log.totals.sim_time_ns
    peak = _max(s["inuse_span_bytes"])
    live = heap_live_mean_bytes(log)
    cyc = completed_cycles(log)
    goal = s["goal"]
    return {
        "heap_peak_bytes": peak,
        "heap_alloc_peak_bytes": _max(s["alloc_bytes"]),
        "heap_live_mean_bytes": live,
        "heap_goal_mean_bytes": time_weighted_mean(s["t_ns"], goal, T, mask=goal >= 0),
        "heap_live_final_bytes": int(cyc[-1].marked) if cyc else 0,
        "heap_overhead": peak / live if live > 0 else 0.0,
        "heap_mapped_peak_bytes": _max(s["mapped_bytes"]),
        "stack_bytes_max": _max(s["stack_bytes"]),
        "globals_bytes": _max(s["globals_bytes"]),
        "mapped_ready_peak_bytes": _max(s["mapped_ready"]),
        "heap_sys_final_bytes": int(s["heap_sys"][-1]) if len(s["heap_sys"]) else 0,
        "heap_released_final_bytes": (
            int(s["heap_released"][-1]) if len(s["heap_released"]) else 0
        ),
    }
