"""The calibration's linear model: what each ``[cost]`` entry multiplies.

Every simulated nanosecond is a counted event times one cost (the ledger, see
``framework.runtime.layout``), so for one simulated run

    mark CPU  = sum over the mark costs   of (count in the cycles' ledger) x cost
    other CPU = sum over the other costs  of (count in the run's ledger)   x cost

where *mark CPU* is assist + background + idle worker time (Go's gctrace ``e/f/g``) and
*other CPU* is everything else outside the pauses: the mutator, allocation, barriers,
sweeping, scavenging (Go: process CPU minus all GC CPU). Pauses are fitted apart: a pause
is ``stw_ns + stw_per_p_ns x (P - 1) + preempt_ns x (share of its pauses that had to
preempt a running P) + its own work``.

Rules: a ``Param`` names the cost fields it sets (tied fields move together, e.g. one cost
for loads and stores, which every workload does in fixed proportion) and the scale of its
prior; nothing here simulates or fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Param:
    name: str
    fields: tuple[str, ...]  # CostModel fields set to this value
    block: str  # "mark", "other", "both" (the cache-miss cost) or "stw"
    scale: float  # a typical size (ns), for the prior of parameters that default to 0


PARAMS: tuple[Param, ...] = (
    Param("alloc_ns", ("alloc_ns",), "other", 20.0),
    Param("alloc_byte_ns", ("alloc_byte_ns",), "other", 0.1),
    Param("alloc_scan_byte_ns", ("alloc_scan_byte_ns",), "other", 0.1),
    Param("access_ns", ("store_ns", "load_ns"), "other", 2.0),
    Param("push_pop_ns", ("push_ns", "pop_ns"), "other", 2.0),
    Param("slot_ns", ("slot_ns",), "other", 1.0),
    Param("span_alloc_ns", ("span_alloc_ns",), "other", 500.0),
    Param("barrier_ns", ("barrier_ns",), "other", 2.0),
    Param("shade_ns", ("shade_ns",), "other", 5.0),
    Param("sweep_span_ns", ("sweep_span_ns",), "other", 100.0),
    Param("sweep_object_ns", ("sweep_object_ns",), "other", 1.0),
    Param("miss_ns", ("miss_ns",), "both", 50.0),
    Param("mark_object_ns", ("mark_object_ns",), "mark", 10.0),
    Param("mark_byte_ns", ("mark_byte_ns",), "mark", 0.3),
    Param("mark_noscan_ns", ("mark_noscan_ns",), "mark", 5.0),
    Param("stack_scan_byte_ns", ("stack_scan_byte_ns",), "mark", 0.3),
    Param("global_scan_byte_ns", ("global_scan_byte_ns",), "mark", 0.3),
    Param("mark_cycle_ns", ("mark_cycle_ns",), "mark", 100_000.0),
    Param("stw_ns", ("stw_ns",), "stw", 30_000.0),
    Param("stw_per_p_ns", ("stw_per_p_ns",), "stw", 15_000.0),
    Param("preempt_ns", ("preempt_ns",), "stw", 25_000.0),
)
LINEAR = tuple(p for p in PARAMS if p.block != "stw")
STW = tuple(p for p in PARAMS if p.block == "stw")


def values(cost: dict[str, float]) -> dict[str, float]:
    """Parameter values read from a ``[cost]`` table (a tied group takes its first field)."""
    return {p.name: float(cost[p.fields[0]]) for p in PARAMS}


def cost_table(base: dict[str, float], params: dict[str, float]) -> dict[str, float]:
    """``base`` (a full ``[cost]`` table) with every parameter's fields set."""
    out = dict(base)
    for p in PARAMS:
        if p.name in params:
            for f in p.fields:
                out[f] = float(params[p.name])
    return out


def _cycles(s: dict[str, Any], key: str) -> float:
    return float(sum(c.get(key, 0) for c in s.get("cycles", [])))


def mark_features(s: dict[str, Any]) -> dict[str, float]:
    """Counts the mark CPU of a run is linear in (from its cycles' ledger)."""
    heap = _cycles(s, "heap_scan_work")
    stack = _cycles(s, "stack_scan_bytes")
    return {
        "mark_object_ns": _cycles(s, "objects_scanned"),
        "mark_byte_ns": heap,
        "mark_noscan_ns": _cycles(s, "noscan_marked"),
        "stack_scan_byte_ns": stack,
        "global_scan_byte_ns": _cycles(s, "scan_work_bytes") - heap - stack,
        "mark_cycle_ns": float(len(s.get("cycles", []))),
        "miss_ns": _cycles(s, "mark_misses"),
    }


def other_features(s: dict[str, Any]) -> dict[str, float]:
    """Counts the other CPU of a run is linear in (the mutator's and sweeper's ledger)."""

    def n(key: str) -> float:
        return float(s.get(key, 0))

    return {
        "alloc_ns": n("ledger_op_alloc"),
        "alloc_byte_ns": n("ledger_alloc_bytes"),
        "alloc_scan_byte_ns": n("ledger_alloc_scan_bytes"),
        "access_ns": n("ledger_op_store")
        + n("ledger_op_gstore")
        + n("ledger_op_load")
        + n("ledger_op_gload"),
        "push_pop_ns": n("ledger_op_push") + n("ledger_op_pop"),
        "slot_ns": n("ledger_slots"),
        "span_alloc_ns": n("ledger_span_allocs"),
        "barrier_ns": n("barrier_calls"),
        "shade_ns": n("barrier_shades"),
        "sweep_span_ns": n("ledger_spans_swept"),
        "sweep_object_ns": n("ledger_slots_swept"),
        "miss_ns": n("ledger_misses"),
    }


def other_fixed_ns(s: dict[str, Any], cost: dict[str, float]) -> float:
    """Other CPU from costs the calibration does not fit (compute units, scavenging)."""
    pages = float(s.get("scavenged_bytes", 0)) / 8192
    return (
        float(s.get("ledger_compute_units", 0)) * cost["compute_ns"]
        + pages * cost["scavenge_page_ns"]
    )


def measured(s: dict[str, Any]) -> dict[str, float]:
    """The simulated run's own figures for the calibration targets (ns, bytes)."""
    cyc = s.get("cycles", [])
    return {
        "mark_cpu": _cycles(s, "assist_cpu_ns")
        + _cycles(s, "background_cpu_ns")
        + _cycles(s, "idle_cpu_ns"),
        "other_cpu": float(s["mutator_ns"] + s["sweep_ns"] + s.get("scavenge_ns", 0)),
        "stw_sweep_term_p50": float(s.get("pause_sweep_termination_p50_ns", np.nan)),
        "stw_mark_term_p50": float(s.get("pause_mark_termination_p50_ns", np.nan)),
        "gc_count": float(s["gc_cycles"]),
        "goal_mean": float(np.mean([c["goal"] for c in cyc])) if cyc else float("nan"),
    }


def stw_features(s: dict[str, Any], phase: str, procs: int) -> tuple[dict[str, float], float]:
    """(coefficients of the STW parameters, the rest) in a run's median pause of ``phase``:
    the fixed cost, the per-P cost, the preemption latency times the share of that phase's
    pauses that preempted a running P; the rest is the pause's own work."""
    pauses = [p for p in s.get("pauses", []) if p["phase"] == phase]
    if not pauses:
        return {}, float("nan")
    busy = float(np.mean([p["ttsp_ns"] > 0 for p in pauses]))
    work = float(np.median([p["work_ns"] for p in pauses]))
    return {"stw_ns": 1.0, "stw_per_p_ns": float(procs - 1), "preempt_ns": busy}, work
