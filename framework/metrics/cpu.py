"""CPU accounting and throughput (DESIGN.md §3, "Throughput").

``gc_cpu_fraction`` follows Go's ``MemStats.GCCPUFraction``: in ``gcMarkTermination`` the
runtime adds ``stwprocs * (sweep-termination + mark-termination wall time)`` plus assist,
dedicated and fractional mark time to ``work.totaltime`` and divides by the total CPU time
available (``gomaxprocs * wall``); idle-priority marking is left out because it is "free".
Here a STW pause is one ``GC_STW`` interval per P, so summing ``GC_CPU_KINDS`` over all Ps
gives exactly that numerator; the denominator is ``T * P`` with ``T = totals.sim_time_ns``.
"""

from __future__ import annotations

import numpy as np

from framework.events import GC_CPU_KINDS, PKind, RunLog
from framework.metrics.mmu import MMU_GC_KINDS


def cpu_by_kind(log: RunLog) -> dict[PKind, int]:
    """Total interval time (ns, summed over Ps) per ``PKind``, intervals clipped to ``[0, T]``."""
    T = int(log.totals.sim_time_ns)
    iv = log.intervals
    dur = np.clip(iv["end_ns"].astype(np.int64), 0, T) - np.clip(iv["start_ns"], 0, T)
    dur = np.maximum(dur, 0)
    kind = iv["kind"]
    return {k: int(dur[kind == int(k)].sum()) for k in PKind}


def cpu_stats(log: RunLog) -> dict[str, float | int]:
    """CPU split of the run (all ``*_ns`` are P-time summed over Ps).

    ``gc_cpu_fraction`` = (STW + dedicated + fractional + assist) / (T * P) as Go defines it;
    ``collector_cpu_fraction`` additionally charges sweeping and RC work (the kinds that
    reduce MMU); ``mutator_utilization`` = MUTATOR time / (T * P); ``idle_ns`` = T * P minus
    all recorded interval time (negative only if intervals on one P overlap);
    ``throughput_ops_per_s`` = ``totals.mutator_ops`` per simulated second.
    """
    T = int(log.totals.sim_time_ns)
    P = max(int(log.nprocs), 1)
    by = cpu_by_kind(log)
    avail = T * P
    gc_ns = sum(by[k] for k in GC_CPU_KINDS)
    coll_ns = sum(by[k] for k in MMU_GC_KINDS)

    def frac(x: int) -> float:
        return x / avail if avail > 0 else 0.0

    return {
        "gc_cpu_fraction": frac(gc_ns),
        "collector_cpu_fraction": frac(coll_ns),
        "mutator_utilization": frac(by[PKind.MUTATOR]),
        "gc_cpu_ns": gc_ns,
        "stw_cpu_ns": by[PKind.GC_STW],
        "assist_ns": by[PKind.GC_ASSIST],
        "background_mark_ns": by[PKind.GC_DEDICATED] + by[PKind.GC_FRACTIONAL],
        "idle_mark_ns": by[PKind.GC_IDLE],
        "sweep_ns": by[PKind.SWEEP],
        "rc_ns": by[PKind.RC],
        "scavenge_ns": by[PKind.SCAVENGE],
        "mutator_ns": by[PKind.MUTATOR],
        "idle_ns": avail - sum(by.values()),
        "throughput_ops_per_s": log.totals.mutator_ops / (T / 1e9) if T > 0 else 0.0,
    }
