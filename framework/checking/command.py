"""``gclab check CONFIG``: a full simulation with the oracle re-tracing the heap at every
collector checkpoint (mark termination, sweep termination, the end of each sweep, each
reference-counting collection) - the debug mode PyPy and MMTk keep. Exit 1 on a violation.
"""

from __future__ import annotations

import argparse

from framework.cli.console import log, result
from framework.cli.usage import USAGE, load_cli_config, non_negative_int


def _cmd_check(args: argparse.Namespace) -> int:
    cfg = load_cli_config(args)
    if cfg is None:
        return USAGE
    from framework.sim.machine import SimulationStalledError, WorkloadError
    from framework.simulation import simulate

    try:
        r = simulate(cfg, verify=True)
    except (SimulationStalledError, WorkloadError) as e:  # as `gclab run` answers them
        log.error(f"gclab check: {type(e).__name__}: {e}")
        return 1
    s = r.summary
    c = cfg.collector
    what = f"{cfg.workload.name} / {c.name}"
    if hasattr(c, "barrier"):
        without = getattr(c, "barrier_without", "")
        what += f" ({c.barrier} barrier" + (f" without its {without} half)" if without else ")")
    result(
        f"checked {what}: {s['gc_cycles']} cycles, {s['checkpoints']} checkpoints, "
        f"{s['mutator_ops']:,} mutator ops"
    )
    if not r.violations:
        result(
            "no violations: every reachable object stayed allocated, and every reachable "
            "object was marked at each mark termination"
        )
        return 0
    shown = r.violations[: args.max_violations]
    result(f"{len(r.violations)} violation(s); the first {len(shown)}:")
    for v in shown:
        result(f"  - {v}")
    return 1


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    c = sub.add_parser("check", help="run a simulation with the reachability oracle on")
    c.add_argument("config", help="TOML config file")
    c.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config key")
    c.add_argument(
        "--max-violations", type=non_negative_int, default=10, help="how many to print (>= 0)"
    )
    c.set_defaults(func=_cmd_check)
