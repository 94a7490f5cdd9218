"""Log file -> refined replay workload: derive, then refine against pilot simulations.

Rule: ``PILOTS`` simulations at the log's own settings, each of the previous derivation,
which ``fit.refine`` then corrects; the derivation kept is the simulated one closest to the
log (``distance``: GC count and mean heap goal, relative), since the corrections can
overshoot. Its pilot is the reproduction run. This is what ``gclab replay`` simulates and
what the ``replay_validation`` study predicts from.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from framework.replay.derive import Derived, derive, read_memstats

PILOTS = 4


def distance(d: Derived, cycles: list[dict[str, Any]]) -> float:
    """How far a simulation's cycles are from the log: the sum of the absolute log-ratios
    of GC count and mean heap goal."""
    from framework.replay.compare import metrics

    real, sim = metrics(d.cycles, d.gomaxprocs), metrics(cycles, d.gomaxprocs)
    out = 0.0
    for k in ("gc_count", "goal_mean_mib"):
        if real[k] <= 0 or sim[k] <= 0:
            return math.inf
        out += abs(math.log(sim[k] / real[k]))
    return out


def prepare(
    log: str | Path,
    memstats: str | Path | None = None,
    log_gogc: int | None = None,
    log_memory_limit_mib: int | None = None,
    pilots: int = PILOTS,
) -> Derived:
    from framework.traces.gctrace_import import import_log

    info = read_memstats(memstats) if memstats else None
    d = derive(import_log(log).cycles, str(log), info, log_gogc, log_memory_limit_mib)
    return refined(d, pilots)[0]


def refined(d: Derived, pilots: int = PILOTS) -> tuple[Derived, Any]:
    """The best of ``pilots`` successive refinements of ``d``, and its simulation."""
    from framework.config import parse_config
    from framework.replay.fit import refine
    from framework.simulation import simulate

    best: tuple[float, Derived, Any] | None = None
    for i in range(pilots):
        result = simulate(parse_config(d.config))
        score = distance(d, result.summary["cycles"])
        if best is None or score < best[0]:
            best = (score, d, result)
        if i < pilots - 1:
            d = refine(d, result.summary["cycles"])
    assert best is not None
    return best[1], best[2]
