"""Log file -> refined replay workload: derive, then refine against pilot simulations.

Rule: ``PILOTS`` pilots at the log's own settings, each refining the previous derivation
(``fit.refine``); the result is what ``gclab replay`` simulates and what the
``replay_validation`` study predicts from.
"""

from __future__ import annotations

from pathlib import Path

from framework.replay.derive import Derived, derive, read_memstats

PILOTS = 3


def prepare(
    log: str | Path,
    memstats: str | Path | None = None,
    log_gogc: int | None = None,
    log_memory_limit_mib: int | None = None,
    pilots: int = PILOTS,
) -> Derived:
    from framework.gctrace_import import import_log

    info = read_memstats(memstats) if memstats else None
    d = derive(import_log(log).cycles, str(log), info, log_gogc, log_memory_limit_mib)
    return refined(d, pilots)


def refined(d: Derived, pilots: int = PILOTS) -> Derived:
    from framework.config import parse_config
    from framework.replay.fit import refine
    from framework.simulation import simulate

    for _ in range(pilots):
        d = refine(d, simulate(parse_config(d.config)).summary["cycles"])
    return d
