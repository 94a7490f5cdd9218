"""The ``gclab`` command line. Exit status: 0 ok, 1 a run failed or a check found a
violation, 2 bad input (config or arguments), with nothing written."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from framework.usage import (
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
    out = Path(args.out) if args.out else Path("results") / Path(args.config).stem
    if msg := out_problem(out):
        return usage_error(msg)
    from framework.output import format_summary, write_run
    from framework.sim.machine import SimulationStalledError, WorkloadError
    from framework.simulation import simulate

    try:
        result = simulate(cfg)
    except (SimulationStalledError, WorkloadError) as e:
        print(f"gclab run: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    write_run(result, out)
    if args.gctrace:
        from framework.gctrace import format_trace

        for line in format_trace(result.summary["cycles"], result.log.nprocs):
            print(line, file=sys.stderr)
    if not args.no_plot:
        from framework.plots.run_figure import plot_run

        plot_run(out)
    if not args.quiet:
        print(format_summary(result.summary))
        print(f"results written to {out}/")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from framework.bench import run_bench

    run_bench(quick=args.quick)
    return 0


def _cmd_experiment(args: argparse.Namespace) -> int:
    from framework import experiment

    if args.list or not args.name:
        for name in experiment.names():
            print(f"{name:22s} {experiment.load(name).description}")
        return 0
    try:
        study = experiment.load(args.name)
    except KeyError as e:
        return usage_error(f"experiment: {e.args[0]}")
    out = Path(args.out) if args.out else Path("results") / args.name
    if msg := out_problem(out):
        return usage_error(msg)
    rows = experiment.run_study(study, args.scale, args.jobs)
    figures = experiment.write_study(study, rows, out)
    print((out / "check.txt").read_text().rstrip())
    for f in figures:
        print(f"figure: {f}")
    return 0 if not study.check(rows) else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gclab", description="Simulate garbage collectors in Go's shape."
    )
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
    r.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
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
    e.add_argument("--out", metavar="DIR", help="output folder (default results/<name>)")
    e.set_defaults(func=_cmd_experiment)
    from framework.sweep.command import add_parser as add_sweep

    add_sweep(sub)
    from framework.report_command import add_gctrace_parser
    from framework.report_command import add_parsers as add_report_and_plot

    add_report_and_plot(sub)
    add_gctrace_parser(sub)
    from framework.checking.command import add_parser as add_check

    add_check(sub)
    from framework.calibrate.command import add_parser as add_calibrate
    from framework.checking.explore_command import add_parser as add_explore

    add_calibrate(sub)
    add_explore(sub)
    from framework.replay.command import add_parser as add_replay

    add_replay(sub)
    b = sub.add_parser("bench", help="print simulation speed and memory figures")
    b.add_argument("--quick", action="store_true", help="small sizes (seconds, for smoke tests)")
    b.set_defaults(func=_cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BadInputError as e:  # the one guard for what readers find wrong in users' files
        return usage_error(str(e))


if __name__ == "__main__":
    sys.exit(main())
