"""``gclab report DIR`` and ``gclab plot DIR``: bad input exits 2 with nothing written."""

from __future__ import annotations

import argparse
from pathlib import Path

from framework.cli.console import out as shown
from framework.cli.usage import out_problem, usage_error


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    r = sub.add_parser("report", help="Markdown and LaTeX tables (mean ± 95%% CI, tests)")
    r.add_argument("dir", help="a sweep's results folder (holding results.sqlite)")
    r.add_argument("--metrics", help="comma-separated summary metrics (default: a standard set)")
    r.add_argument(
        "--baseline",
        metavar="AXIS=VALUE",
        help="compare every configuration with this one (default: first value of first axis)",
    )
    r.add_argument("--out", metavar="DIR", help="output folder (default DIR/report)")
    r.set_defaults(func=report_command)
    p = sub.add_parser("plot", help="figures for papers (PDF and PNG) from a sweep's results")
    p.add_argument("dir", help="a sweep's results folder (holding results.sqlite)")
    p.add_argument("--out", metavar="DIR", help="output folder (default DIR/figures)")
    p.add_argument(
        "--gctrace",
        metavar="LOG",
        help="a real Go GODEBUG=gctrace=1 log (or its imported CSV) to plot beside a run",
    )
    p.set_defaults(func=plot_command)


def _check_dir(d: str, out: str | None, default: str) -> str | None:
    """Why ``d`` is not a results folder, or the output folder cannot be written, or None."""
    if not (Path(d) / "results.sqlite").is_file():
        return f"{d}: no sweep results here (expected {Path(d) / 'results.sqlite'})"
    return out_problem(Path(out) if out else Path(d) / default)


def report_command(args: argparse.Namespace) -> int:
    from framework.reporting.report import ReportError, write_report

    if msg := _check_dir(args.dir, args.out, "report"):
        return usage_error(msg)
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    if metrics is not None and not metrics:
        return usage_error("--metrics: give at least one metric name")
    try:
        paths = write_report(args.dir, args.out, metrics, args.baseline)
    except ReportError as e:
        return usage_error(str(e))
    shown.info(next(p for p in paths if p.name == "report.md").read_text().rstrip())
    shown.info(f"\ntables written to {paths[0].parent}/")
    return 0


def plot_command(args: argparse.Namespace) -> int:
    from framework.plots.sweep_figures import PlotError, plot_sweep

    if msg := _check_dir(args.dir, args.out, "figures"):
        return usage_error(msg)
    if args.gctrace and not Path(args.gctrace).is_file():
        return usage_error(f"--gctrace {args.gctrace}: no such file")
    try:
        paths = plot_sweep(args.dir, args.out, args.gctrace)
    except PlotError as e:
        return usage_error(str(e))
    for p in paths:
        shown.info(f"figure: {p}")
    return 0


def add_gctrace_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    g = sub.add_parser("gctrace", help="Go gctrace logs: import real ones")
    gsub = g.add_subparsers(dest="gctrace_command", required=True)
    i = gsub.add_parser(
        "import",
        help="parse a GODEBUG=gctrace=1 log into the per-cycle schema (cycles.csv columns)",
    )
    i.add_argument("log", help="a log holding gctrace lines (other lines are ignored)")
    i.add_argument("--out", metavar="CSV", help="output CSV (default: LOG with .cycles.csv)")
    i.set_defaults(func=gctrace_import_command)


def gctrace_import_command(args: argparse.Namespace) -> int:
    from framework.traces.gctrace_import import import_log

    log = Path(args.log)
    if not log.is_file():
        return usage_error(f"{log}: no such file")
    out = Path(args.out) if args.out else log.with_suffix(".cycles.csv")
    if msg := out_problem(out, file=True):
        return usage_error(msg)
    imported = import_log(log)
    if imported.cycles.empty:
        return usage_error(f"{log}: no gctrace lines found ({imported.lines} lines read)")
    out.parent.mkdir(parents=True, exist_ok=True)
    imported.cycles.to_csv(out, index=False)
    c = imported.cycles
    pauses = (c.stw_sweep_term_ns + c.stw_mark_term_ns) / 1e3
    shown.info(
        f"{len(c)} cycles ({imported.skipped} other lines skipped), GOMAXPROCS "
        f"{int(c.gomaxprocs.iloc[-1])}, max pause {pauses.max():.1f} µs, "
        f"last goal {int(c.goal.iloc[-1]) >> 20} MiB"
    )
    shown.info(f"cycles written to {out}")
    return 0
