"""``gclab replay LOG``: a real program's gctrace log -> a workload, a check, a what-if.

Rules:

- Everything the user gave is checked before any simulation or write (exit 2, one line
  ``gclab: ...``, nothing written): the log (at least 3 cycles, not only forced ones),
  ``--memstats``, ``--out``, every ``--set`` (validated as a config, and refused if the
  replay cannot honour it: another workload, or GOGC=off without a memory limit, which
  would keep every allocated byte), and ``--sweep``.
- The derived workload is refined against pilot simulations at the log's own settings
  (``pipeline.refined``; the best pilot is the reproduction run); ``DIR/config.toml``
  holds the refined workload with the ``--set`` settings, so ``gclab run
  DIR/config.toml`` re-runs the replay.
- A log that kept every P busy is replayed with one goroutine per P, and
  ``--set run.gomaxprocs=N`` keeps it so (``with_settings``).
- Without ``--set`` the run is the reproduction check; with it, a prediction. Either way
  ``DIR`` gets what ``gclab run`` writes plus ``replay.md`` (log vs simulation per metric)
  and ``replay.png`` (heap over time, the log beside the simulation).
- ``--sweep SPEC``: the ``[sweep]`` table of SPEC (as in ``configs/quickstart.toml``) over
  the replay config, run into ``DIR/sweep/`` with ``framework.sweep``; ``DIR/tradeoff.png``
  plots peak heap against GC CPU, and the longest pause, with the log marked.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from framework.cli.console import out as shown
from framework.cli.console import progress_wanted
from framework.cli.usage import BadInputError, out_problem, usage_error


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    r = sub.add_parser(
        "replay",
        help="turn a GODEBUG=gctrace=1 log into a workload, check it, change settings",
        description="Derive a workload from a Go program's gctrace log, simulate it (the "
        "reproduction check, or with --set a prediction) and write DIR/config.toml, "
        "summary.json, replay.md and replay.png.",
    )
    r.add_argument("log", help="gctrace log (the program's stderr with GODEBUG=gctrace=1)")
    r.add_argument("--memstats", metavar="JSON", help="the run's runtime.MemStats as JSON")
    r.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="change a setting for the simulation, e.g. pacer.gogc=200 (repeatable)",
    )
    r.add_argument(
        "--log-gogc",
        type=int,
        metavar="N",
        help="the GOGC the log ran with (default: inferred from goal / marked)",
    )
    r.add_argument(
        "--log-memory-limit-mib",
        type=int,
        metavar="MIB",
        help="the GOMEMLIMIT the log ran with (default: from --memstats, else none)",
    )
    r.add_argument("--sweep", metavar="SPEC", help="TOML with a [sweep] table over the replay")
    r.add_argument("--jobs", type=int, default=None, help="sweep worker processes")
    r.add_argument("--out", metavar="DIR", help="output folder (default results/replay-<log>)")
    r.set_defaults(func=run_command)


def _honour(cfg_data: dict[str, Any]) -> str | None:
    """Why the replay cannot honour these settings, or None."""
    if cfg_data.get("workload", {}).get("name") != "replay":
        return "--set workload.name: the replay runs the derived 'replay' workload only"
    pacer = cfg_data.get("pacer", {})
    if pacer.get("gogc") == "off" and pacer.get("memory_limit_mib", "off") == "off":
        return (
            "--set pacer.gogc=off: needs pacer.memory_limit_mib too (with neither, the "
            "program would keep every byte it allocates)"
        )
    return None


def with_settings(d: Any, overrides: list[str]) -> dict[str, Any]:
    """The replay config with ``overrides``. A log that kept every P busy was replayed with
    one goroutine per P; a new ``run.gomaxprocs`` keeps that so (unless the overrides set
    ``workload.goroutines`` themselves)."""
    from framework.config.loader import apply_overrides

    data = apply_overrides(d.config, overrides)
    keys = {o.partition("=")[0].strip() for o in overrides}
    busy = d.config["workload"].get("goroutines") == d.gomaxprocs > 1
    procs = data.get("run", {}).get("gomaxprocs")
    if busy and "run.gomaxprocs" in keys and "workload.goroutines" not in keys:
        if isinstance(procs, int) and not isinstance(procs, bool) and procs >= 1:
            data["workload"] = {**data["workload"], "goroutines": procs}
    return data


def _sweep_data(path: str, base: dict[str, Any]) -> dict[str, Any]:
    from framework.config import ConfigError, read_toml
    from framework.config.loader import deep_merge

    try:
        data, _ = read_toml(path)
    except ConfigError as e:
        raise BadInputError(f"--sweep {path}: {e.messages[0] if e.messages else e}") from None
    except OSError as e:
        raise BadInputError(f"--sweep {path}: cannot read ({e.strerror or e})") from None
    if not isinstance(data.get("sweep"), dict):
        raise BadInputError(f'--sweep {path}: needs a [sweep] table of axes, e.g. "pacer.gogc"')
    extra = {k: v for k, v in data.items() if k != "sweep"}
    if "workload" in extra:
        raise BadInputError(f"--sweep {path}: [workload] is the replay's; sweep other tables")
    return {**deep_merge(base, extra), "sweep": data["sweep"]}


def run_command(args: argparse.Namespace) -> int:
    from framework.config import ConfigError, parse_config
    from framework.replay.derive import derive, read_memstats
    from framework.traces.gctrace_import import import_log

    log = Path(args.log)
    if not log.is_file():
        return usage_error(f"replay {log}: no such file (or not a file); give a gctrace log")
    out = Path(args.out) if args.out else Path("results") / f"replay-{log.stem.split('.')[0]}"
    if msg := out_problem(out):
        return usage_error(msg)
    if args.log_gogc is not None and not 1 <= args.log_gogc <= 100_000:
        return usage_error(f"--log-gogc {args.log_gogc}: allowed 1 to 100000")
    if args.log_memory_limit_mib is not None and args.log_memory_limit_mib < 1:
        return usage_error(f"--log-memory-limit-mib {args.log_memory_limit_mib}: must be >= 1")
    imported = import_log(log)
    info = read_memstats(args.memstats) if args.memstats else None
    d = derive(imported.cycles, str(log), info, args.log_gogc, args.log_memory_limit_mib)
    overrides = args.set or []
    try:
        final_data = with_settings(d, overrides)
        if why := _honour(final_data):
            return usage_error(why)
        parse_config(final_data, "replay --set")
        sweep = None
        if args.sweep:
            from framework.sweep.spec import build_sweep

            sweep = build_sweep(
                _sweep_data(args.sweep, final_data), f"replay-{log.stem}", args.sweep
            )
    except ConfigError as e:
        return usage_error(str(e).replace("\n", " "))
    # Pilot at the log's settings, refinement, then the run the user asked for.
    from framework.replay.pipeline import refined
    from framework.replay.report import plot_heap, write_report
    from framework.sim.machine import SimulationStalledError, WorkloadError
    from framework.simulation import simulate
    from framework.traces.output import write_run

    try:
        d, result = refined(d)
        final_data = with_settings(d, overrides)
        if overrides:
            result = simulate(parse_config(final_data))
    except (SimulationStalledError, WorkloadError) as e:
        log.error(f"gclab replay: {type(e).__name__}: {e}")
        return 1
    write_run(result, out)
    write_report(d, result.summary, overrides, out)
    plot_heap(d, result, overrides, out)
    status = 0
    if sweep is not None:
        status = _run_sweep(args, d, final_data, out)
    shown.info((out / "replay.md").read_text().split("\n## ")[1].split("\n", 1)[1].strip())
    shown.info(f"results written to {out}/")
    return status


def _run_sweep(args: argparse.Namespace, d: Any, final_data: dict[str, Any], out: Path) -> int:
    from framework.replay.report import plot_tradeoff
    from framework.sweep.runner import run_into
    from framework.sweep.spec import build_sweep

    spec = build_sweep(_sweep_data(args.sweep, final_data), "replay", args.sweep)
    folder = out / "sweep"
    report = run_into(spec, folder, "local", args.jobs, progress=progress_wanted())
    plot_tradeoff(d, folder, spec.axes, out)
    return 1 if report.failed else 0
