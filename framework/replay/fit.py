"""One refinement of a derived replay workload from a pilot simulation of it.

Rule: the pilot runs the derived config at the log's own settings. Both the log and the
pilot are read with the same accounting (``derive.progress``: bytes allocated before each
cycle start, the heap marked, the start time), and the pilot's values are interpolated at
the log's cycle starts, by bytes allocated (the program's progress), then:

- each segment's live target moves by half of ``marked in the log - marked in the pilot``
  (what the simulated allocate-black and the workload's own anchors and holders add or
  miss; half, since the marked heap also answers the COMPUTE correction's change of the
  allocation rate during mark: the full step made ``growing``'s pilots swing between 70
  and 106 cycles against the log's 93);
- the cost model's marking costs (``MARK_COSTS``) scale by the log's mark CPU (assist +
  background + idle) over the pilot's, and its stop-the-world costs by the ratio of the
  mean pauses: the program's own marking speed, which sets how much is allocated black;
- each segment's ``COMPUTE`` per allocation moves by ``(log's mutator CPU - pilot's
  mutator CPU) / allocations``, where a segment's mutator CPU is its duration times the
  mutator's Ps minus the GC CPU taken from them (``derive.gc_steal``: STW, assists,
  background marking beyond the other Ps), the pilot's read at the same progress (never
  below 0). Matching the wall clock instead would fold the log's GC slowdown, which the
  simulated GC reproduces only in part, into the program's own work, which then stays
  when GC runs less often (``growing`` at GOGC=200/400 ran 38-56% too many cycles).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from framework.replay.derive import Derived, gc_steal, progress

MAX_LIVE_STEP = 2.0  # a live target moves by at most twice its value per refinement
MARK_COSTS = ("mark_object_ns", "mark_byte_ns", "mark_noscan_ns", "mark_miss_ns",
              "stack_scan_byte_ns", "global_scan_byte_ns")  # fmt: skip
STW_COSTS = ("stw_ns", "stw_per_p_ns")
SCALE_RANGE = (0.1, 20.0)
LIVE_DAMPING = 0.5  # share of the marked-heap difference a live target moves by per step


def _scaled(cost: dict[str, Any], keys: tuple[str, ...], factor: float) -> dict[str, Any]:
    """``cost`` with ``keys`` multiplied by ``factor`` (clipped), from the defaults."""
    from framework.config.schema import CostModel

    base = CostModel().model_dump()
    f = float(np.clip(factor, *SCALE_RANGE)) if np.isfinite(factor) else 1.0
    return {**cost, **{k: min(1e9, float(cost.get(k, base[k])) * f) for k in keys}}


def _mark_cpu(df: pd.DataFrame) -> float:
    return float((df["assist_cpu_ns"] + df["background_cpu_ns"] + df["idle_cpu_ns"]).sum())


def _stw(df: pd.DataFrame) -> float:
    return float(np.mean(df["stw_sweep_term_ns"] + df["stw_mark_term_ns"]))


def refine(d: Derived, pilot_cycles: list[dict[str, Any]]) -> Derived:
    """``d`` with its live targets and COMPUTE corrected by the pilot's cycles."""
    sim = pd.DataFrame(pilot_cycles)
    if len(sim) < 2:
        return d
    w = dict(d.config["workload"])
    x_log, m_log, t_log = progress(d.cycles)
    x_sim, m_sim, t_sim = progress(sim, whole_mib=False)
    live = np.asarray(w["segment_live"], dtype=np.float64)
    n = len(x_log)
    m_at = np.interp(x_log, x_sim, m_sim)
    delta = np.clip(m_log - m_at, -MAX_LIVE_STEP * live[:n], MAX_LIVE_STEP * live[:n])
    live[:n] = np.maximum(live[:n] + LIVE_DAMPING * delta, 0.0)
    live[n] = live[n - 1]
    # Durations of the segments in the log and, at the same progress, in the pilot.
    ends = np.append(x_log, x_log[-1] + w["segment_alloc"][-1])
    t_sim_ends = np.interp(ends, np.append(x_sim, x_sim[-1] + 1.0), np.append(t_sim, t_sim[-1]))
    # extrapolate the pilot's tail at its last rate
    last_rate = (t_sim[-1] - t_sim[0]) / max(x_sim[-1] - x_sim[0], 1.0)
    beyond = ends > x_sim[-1]
    t_sim_ends[beyond] = t_sim[-1] + (ends[beyond] - x_sim[-1]) * last_rate
    dur_sim = np.diff(np.concatenate([[0.0], t_sim_ends]))
    dur_log = np.diff(np.concatenate([[0.0], t_log, [t_log[-1] + d.tail_ns]]))
    mean = float(np.dot(w["sizes"], w["size_weights"]) / sum(w["size_weights"]))
    allocs = np.maximum(np.asarray(w["segment_alloc"], dtype=np.float64) / mean, 1.0)
    pm = min(w["goroutines"], d.gomaxprocs)
    # The mutator's own CPU: wall time on its Ps minus the GC CPU taken from them.
    own_log = dur_log * pm - np.append(0.0, gc_steal(d.cycles, d.gomaxprocs, pm))
    # a pilot cycle's GC CPU is spent between its start and the next one's (the last one's
    # in the tail)
    cum_sim = np.cumsum(gc_steal(sim, d.gomaxprocs, pm))
    steal_sim = np.interp(ends, x_sim, np.append(0.0, cum_sim[:-1]))
    steal_sim[ends > x_sim[-1]] = cum_sim[-1]
    own_sim = dur_sim * pm - np.diff(np.concatenate([[0.0], steal_sim]))
    compute = np.asarray(w["segment_compute"], dtype=np.float64)
    compute = np.clip(compute + (own_log - own_sim) / allocs, 0, 2**31 - 1)
    w["segment_live"] = [int(np.rint(v)) for v in live]
    w["segment_compute"] = [int(np.rint(v)) for v in compute]
    # GC costs: this program's marking and pauses as the log shows them.
    cost = dict(d.config.get("cost", {}))
    cost = _scaled(cost, MARK_COSTS, _mark_cpu(d.cycles) / max(_mark_cpu(sim), 1.0))
    cost = _scaled(cost, STW_COSTS, _stw(d.cycles) / max(_stw(sim), 1.0))
    config = {**d.config, "workload": w, "cost": cost}
    done = [n for n in d.notes if n.startswith("refined against")]
    k = int(done[0].split()[2]) + 1 if done else 1
    notes = [n for n in d.notes if not n.startswith("refined against")]
    notes.append(f"refined against {k} pilot simulation(s) at the log's settings")
    return Derived(config, d.cycles, d.log_gogc, d.log_memory_limit_mib, d.gomaxprocs, notes,
                   d.tail_ns)  # fmt: skip
