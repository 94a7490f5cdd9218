"""The ``gclab`` command line. Exit status: 0 ok, 1 a run failed or a check found a
violation, 2 bad input (config or arguments), with nothing written."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from framework.cli import console
from framework.cli.console import log, out
from framework.cli.usage import (
    USAGE,
    BadInputError,
    load_cli_config,
    out_problem,
    positive_int,
    usage_error,
)


def _cmd_run(args: argparse.Namespace) -> int:
    cfg = load_cli_config(args)
    if cfg is None:
        return USAGE
    dest = Path(args.out) if args.out else Path("results") / Path(args.config).stem
    if msg := out_problem(dest):
        return usage_error(msg)
    from framework.sim.machine import SimulationStalledError, WorkloadError
    from framework.simulation import simulate
    from framework.traces.output import format_summary, write_run

    log.debug("resolved config: %s", cfg.model_dump(mode="json"))
    try:
        result = simulate(cfg, progress=console.progress_wanted())
    except (SimulationStalledError, WorkloadError) as e:
        log.error("gclab run: %s: %s", type(e).__name__, e)
        return 1
    write_run(result, dest)
    if args.gctrace:  # asked for explicitly: shown even with -q, on stderr as Go does
        from framework.traces.gctrace import format_trace

        for line in format_trace(result.summary["cycles"], result.log.nprocs):
            print(line, file=sys.stderr)
    if not args.no_plot:
        from framework.plots.run_figure import plot_run

        plot_run(dest)
    out.info(format_summary(result.summary))
    out.info("results written to %s/", dest)
    log.debug("simulated in %.2f s", result.summary["wall_s"])
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from framework.bench import run_bench

    run_bench(
        quick=args.quick,
        collectors=args.collectors.split(",") if args.collectors else None,
        memory_live=args.memory_live,
        memory_only=args.memory_only,
    )
    return 0


def _cmd_experiment(args: argparse.Namespace) -> int:
    from framework import experiment

    if args.list or not args.name:
        for name in experiment.names():
            out.info("%-22s %s", name, experiment.load(name).description)
        return 0
    try:
        study = experiment.load(args.name)
    except KeyError as e:
        return usage_error(f"experiment: {e.args[0]}")
    dest = Path(args.out) if args.out else Path("results") / args.name
    if msg := out_problem(dest):
        return usage_error(msg)
    from framework.sweep.runner import ExecutorStartError
    from framework.sweep.store import StoreError

    try:
        rows = experiment.run_study(
            study,
            args.scale,
            args.jobs,
            dest,
            args.executor,
            args.scheduler,
            progress=console.progress_wanted(),
            retry_failed=args.retry_failed,
        )
    except StoreError as e:
        return usage_error(f"--out {e}")
    except ExecutorStartError as e:
        return usage_error(f"--scheduler {args.scheduler}: cannot connect: {e}")
    except experiment.StudyRunsFailedError as e:
        log.error("gclab experiment %s: %s (recorded in %s/results.sqlite)", args.name, e, dest)
        return 1
    figures = experiment.write_study(study, rows, dest)
    out.info((dest / "check.txt").read_text().rstrip())
    for f in figures:
        out.info("figure: %s", f)
    return 0 if not study.check(rows) else 1


def _cmd_check_plugin(args: argparse.Namespace) -> int:
    from framework import conformance

    try:
        kind = args.kind or conformance.kind_of(args.name)
    except KeyError as e:
        return usage_error(f"check-plugin: {e.args[0]}")
    if args.name not in conformance.names_of(kind):
        known = ", ".join(conformance.names_of(kind))
        return usage_error(
            f"--kind {kind}: {args.name!r} is not a registered {kind}; known: {known}"
        )
    report = conformance.check(args.name, kind)
    console.result(str(report))
    return 0 if report.ok else 1


def _cmd_schema(args: argparse.Namespace) -> int:
    import json

    from framework.config.json_schema import config_schema

    text = json.dumps(config_schema(), indent=2) + "\n"
    if args.out is None:
        out.info(text.rstrip())
        return 0
    dest = Path(args.out)
    if msg := out_problem(dest, file=True):
        return usage_error(msg)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text)
    log.info("schema written to %s", dest)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gclab", description="Simulate garbage collectors in Go's shape."
    )
    p.add_argument("--version", action="version", version=f"gclab {_version()}")
    p.add_argument(
        "--plugin",
        action="append",
        metavar="MODULE",
        help="import a plugin module (a dotted name or a .py file) that registers workloads, "
        "collectors or pacers; repeatable. Installed plugins (entry points) load by themselves",
    )
    _add_verbosity(p, top=True)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run one simulation from a TOML config")
    r.add_argument("config", help="TOML config file")
    r.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a config key, e.g. --set pacer.gogc=200 (repeatable)",
    )
    r.add_argument("--out", metavar="DIR", help="output folder (default results/<config name>)")
    r.add_argument(
        "--gctrace",
        action="store_true",
        help="print one line per cycle in Go's GODEBUG=gctrace=1 format to stderr",
    )
    r.add_argument("--no-plot", action="store_true", help="skip overview.png / overview.pdf")
    r.set_defaults(func=_cmd_run)
    e = sub.add_parser("experiment", help="run a named study from experiments/")
    e.add_argument("name", nargs="?", help="study name (omit to list them)")
    e.add_argument("--list", action="store_true", help="list the studies")
    e.add_argument("--scale", choices=("tiny", "full"), default="full")
    e.add_argument(
        "--jobs", type=positive_int, default=None, help="worker processes (default: all cores)"
    )
    e.add_argument(
        "--out",
        metavar="DIR",
        help="output folder (default results/<name>): figures, tables and results.sqlite",
    )
    e.add_argument(
        "--executor", choices=("serial", "local", "dask"), default="local", help="as gclab sweep"
    )
    e.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler (with --executor dask)")
    e.add_argument("--retry-failed", action="store_true", help="run failed runs again")
    e.set_defaults(func=_cmd_experiment)
    from framework.sweep.command import add_parser as add_sweep

    add_sweep(sub)
    from framework.cli.report_commands import add_gctrace_parser
    from framework.cli.report_commands import add_parsers as add_report_and_plot

    add_report_and_plot(sub)
    add_gctrace_parser(sub)
    from framework.checking.command import add_parser as add_check

    add_check(sub)
    from framework.calibrate.command import add_parser as add_calibrate
    from framework.checking.explore_command import add_parser as add_explore

    add_calibrate(sub)
    add_explore(sub)
    cp = sub.add_parser(
        "check-plugin",
        help="run the conformance suite (safety, progress, determinism, accounting) on a "
        "registered workload, collector, barrier or pacer",
    )
    cp.add_argument("name", help="the registered name (use --plugin to load an unpackaged one)")
    cp.add_argument(
        "--kind", choices=("workload", "collector", "barrier", "pacer"), help="if ambiguous"
    )
    cp.set_defaults(func=_cmd_check_plugin)
    s = sub.add_parser(
        "schema",
        help="write the JSON Schema of a config file (for editors: see the README)",
    )
    s.add_argument("--out", metavar="FILE", help="write it here (default: standard output)")
    s.set_defaults(func=_cmd_schema)
    from framework.export.command import add_parsers as add_trace_and_export

    add_trace_and_export(sub)
    from framework.replay.command import add_parser as add_replay

    add_replay(sub)
    b = sub.add_parser("bench", help="print simulation speed and memory figures")
    b.add_argument("--quick", action="store_true", help="small sizes (seconds, for smoke tests)")
    b.add_argument(
        "--memory-live",
        type=int,
        nargs="+",
        metavar="N",
        help="live objects of the memory rows (default 10,000,000; 500,000 with --quick), "
        "e.g. --memory-live 10000000 100000000",
    )
    b.add_argument("--memory-only", action="store_true", help="skip the speed rows")
    b.add_argument("--collectors", metavar="LIST", help="comma-separated subset of stw,concurrent")
    b.set_defaults(func=_cmd_bench)
    for cmd in sub.choices.values():  # every command, plugins' and later ones included
        _add_verbosity(cmd)
        for action in cmd._actions:  # and their own subcommands (gctrace import)
            if isinstance(action, argparse._SubParsersAction):
                for nested in action.choices.values():
                    _add_verbosity(nested)
    return p


def _version() -> str:
    """The installed distribution's version (``pip show gclab``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gclab")
    except PackageNotFoundError:
        return "(not installed)"


def _add_verbosity(p: argparse.ArgumentParser, top: bool = False) -> None:
    """``-q`` / ``-v`` on ``p`` (before or after the command name: ``gclab -q run`` and
    ``gclab run -q`` mean the same)."""
    if any(a.dest in ("quiet", "verbose") for a in p._actions):
        return
    prefix = "top_" if top else ""
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "-q",
        "--quiet",
        dest=prefix + "quiet",
        action="store_true",
        help="show only warnings and errors (no summary, listing or progress bar)",
    )
    g.add_argument(
        "-v", "--verbose", dest=prefix + "verbose", action="store_true", help="show debug detail"
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    quiet = args.top_quiet or getattr(args, "quiet", False)
    verbose = args.top_verbose or getattr(args, "verbose", False)
    if quiet and verbose:
        return usage_error("-q and -v: give at most one of them")
    args.quiet, args.verbose = quiet, verbose
    console.configure(console.QUIET if quiet else console.VERBOSE if verbose else console.NORMAL)
    from framework import plugins

    try:
        plugins.load_entry_points()
        for spec in args.plugin or []:
            plugins.load(spec)
    except plugins.PluginError as e:
        return usage_error(str(e))
    try:
        return int(args.func(args))
    except BadInputError as e:  # the one guard for what readers find wrong in users' files
        return usage_error(str(e))


if __name__ == "__main__":
    sys.exit(main())
