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

Mark CPU is compared per cycle (Go's mean over its cycles, the simulation's over its own),
so a cost is not bent to make up for a cycle count that differs.

Rules: a ``Param`` names the cost fields it scales together (what the recordings cannot
tell apart keeps the ratios of its starting values) or sets (additive ones, which may start
at 0); nothing here simulates or fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Param:
    """One fitted number. It multiplies the starting value of each cost in ``fields``
    (a group keeps the ratios an expert gave the costs it cannot tell apart, e.g. loads to
    stores, object to byte scanning), or, for ``additive`` parameters that may start at 0,
    it is the cost itself."""

    name: str
    fields: tuple[str, ...]
    block: str  # "mark", "other" or "stw"
    additive: bool = False
    scale: float = 1.0  # additive parameters: a typical size (ns), for their prior


PARAMS: tuple[Param, ...] = (
    Param("mutator", ("alloc_ns", "store_ns", "load_ns", "push_ns", "pop_ns", "slot_ns"), "other"),
    Param("alloc_byte", ("alloc_byte_ns",), "other"),
    Param("alloc_scan_byte_ns", ("alloc_scan_byte_ns",), "other", True, 0.1),
    Param("span_alloc", ("span_alloc_ns",), "other"),
    Param("barrier", ("barrier_ns", "shade_ns"), "other"),
    Param("sweep", ("sweep_span_ns", "sweep_object_ns"), "other"),
    Param("miss_ns", ("miss_ns",), "other", True, 50.0),
    Param(
        "mark",
        ("mark_object_ns", "mark_byte_ns", "stack_scan_byte_ns", "global_scan_byte_ns"),
        "mark",
    ),
    Param("mark_noscan", ("mark_noscan_ns",), "mark"),
    Param("mark_cycle_ns", ("mark_cycle_ns",), "mark", True, 100_000.0),
    Param("mark_miss_ns", ("mark_miss_ns",), "mark", True, 50.0),
    Param("mark_near_miss_ns", ("mark_near_miss_ns",), "mark", True, 50.0),
    Param("stw_ns", ("stw_ns",), "stw", True, 30_000.0),
    Param("stw_per_p_ns", ("stw_per_p_ns",), "stw", True, 15_000.0),
    Param("preempt_ns", ("preempt_ns",), "stw", True, 25_000.0),
)
LINEAR = tuple(p for p in PARAMS if p.block != "stw")
STW = tuple(p for p in PARAMS if p.block == "stw")
# The counts each cost multiplies (a cost absent here is not fitted).
MARK_COUNTS = {
    "mark_object_ns": "objects_scanned",
    "mark_byte_ns": "heap_scan_work",
    "mark_noscan_ns": "noscan_marked",
    "stack_scan_byte_ns": "stack_scan_bytes",
    "global_scan_byte_ns": "global_scan_bytes",
    "mark_cycle_ns": "cycles",
    "mark_miss_ns": "mark_misses",
    "mark_near_miss_ns": "mark_near_misses",
}


def values(cost: dict[str, float], start: dict[str, float]) -> dict[str, float]:
    """Parameter values of a ``[cost]`` table, relative to ``start`` (multiplicative
    parameters are the ratio of their first field; additive ones the cost itself)."""
    out = {}
    for p in PARAMS:
        f = p.fields[0]
        if p.additive:
            out[p.name] = float(cost[f])
        else:
            out[p.name] = float(cost[f]) / start[f] if start[f] > 0 else 1.0
    return out


def cost_table(start: dict[str, float], params: dict[str, float]) -> dict[str, float]:
    """``start`` (a full ``[cost]`` table) with every parameter applied."""
    out = dict(start)
    for p in PARAMS:
        if p.name not in params:
            continue
        for f in p.fields:
            out[f] = float(params[p.name]) if p.additive else start[f] * float(params[p.name])
    return out


def columns(
    features: dict[str, float], start: dict[str, float], params: tuple[Param, ...]
) -> list[float]:
    """One equation's coefficients on ``params``: per-cost counts folded into parameters
    (a multiplicative parameter's coefficient is its costs' starting values times their
    counts)."""
    out = []
    for p in params:
        if p.additive:
            out.append(sum(features.get(f, 0.0) for f in p.fields))
        else:
            out.append(sum(features.get(f, 0.0) * start[f] for f in p.fields))
    return out


def _cycles(s: dict[str, Any], key: str) -> float:
    return float(sum(c.get(key, 0) for c in s.get("cycles", [])))


def mark_features(s: dict[str, Any]) -> dict[str, float]:
    """Per cost field, the count the mark CPU of a run is linear in, per cycle (so that a
    run whose cycle count differs from Go's is still compared cycle for cycle)."""
    n = max(1, len(s.get("cycles", [])))
    heap = _cycles(s, "heap_scan_work")
    stack = _cycles(s, "stack_scan_bytes")
    return {
        "mark_object_ns": _cycles(s, "objects_scanned") / n,
        "mark_byte_ns": heap / n,
        "mark_noscan_ns": _cycles(s, "noscan_marked") / n,
        "stack_scan_byte_ns": stack / n,
        "global_scan_byte_ns": (_cycles(s, "scan_work_bytes") - heap - stack) / n,
        "mark_cycle_ns": 1.0 if s.get("cycles") else 0.0,
        "mark_miss_ns": _cycles(s, "mark_misses") / n,
        "mark_near_miss_ns": _cycles(s, "mark_near_misses") / n,
    }


def other_features(s: dict[str, Any]) -> dict[str, float]:
    """Per cost field, the count the other CPU of a run is linear in (the mutator's and
    sweeper's ledger, for the whole run)."""

    def n(key: str) -> float:
        return float(s.get(key, 0))

    return {
        "alloc_ns": n("ledger_op_alloc"),
        "alloc_byte_ns": n("ledger_alloc_bytes"),
        "alloc_scan_byte_ns": n("ledger_alloc_scan_bytes"),
        "store_ns": n("ledger_op_store") + n("ledger_op_gstore"),
        "load_ns": n("ledger_op_load") + n("ledger_op_gload"),
        "push_ns": n("ledger_op_push"),
        "pop_ns": n("ledger_op_pop"),
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
    n = max(1, len(cyc))
    return {
        "mark_cpu": (
            _cycles(s, "assist_cpu_ns")
            + _cycles(s, "background_cpu_ns")
            + _cycles(s, "idle_cpu_ns")
        )
        / n,
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
