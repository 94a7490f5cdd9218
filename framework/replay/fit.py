"""One refinement of a derived replay workload from a pilot simulation of it.

Rule: the pilot runs the derived config at the log's own settings. Both the log and the
pilot are read with the same accounting (``derive.progress``: bytes allocated before each
cycle start, the heap marked, the start time), and the pilot's values are interpolated at
the log's cycle starts, by bytes allocated (the program's progress), then:

- each segment's live target moves by ``marked in the log - marked in the pilot`` (what the
  simulated allocate-black and the workload's own anchors and holders add or miss);
- the cost model's marking costs (``MARK_COSTS``) scale by the log's mark CPU (assist +
  background + idle) over the pilot's, and its stop-the-world costs by the ratio of the
  mean pauses: the program's own marking speed, which sets how much is allocated black;
- each segment's ``COMPUTE`` per allocation moves by ``(log's duration - pilot's
  duration) x mutator Ps / allocations`` (never below 0: a simulated mutator already
  slower than the program cannot be sped up by the workload).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from framework.replay.derive import Derived, progress

MAX_LIVE_STEP = 2.0  # a live target moves by at most twice its value per refinement
MARK_COSTS = ("mark_object_ns", "mark_byte_ns", "mark_noscan_ns", "mark_miss_ns",
              "stack_scan_byte_ns", "global_scan_byte_ns")  # fmt: skip
STW_COSTS = ("stw_ns", "stw_per_p_ns")
SCALE_RANGE = (0.1, 20.0)


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
    live[:n] = np.maximum(live[:n] + delta, 0.0)
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
    compute = np.asarray(w["segment_compute"], dtype=np.float64)
    compute = np.clip(compute + (dur_log - dur_sim) * pm / allocs, 0, 2**31 - 1)
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
