"""``gclab trace RUN_DIR`` and ``gclab export DIR``: bad input (a missing folder, a folder
gclab did not write, an unwritable ``--out``, an unknown ``--format``, Parquet without
pyarrow) exits 2 with nothing written; every check is made before any output."""

from __future__ import annotations

import argparse
from pathlib import Path

from framework.cli.console import out as shown
from framework.cli.usage import BadInputError, out_problem, usage_error


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    t = sub.add_parser(
        "trace",
        help="a run as Chrome trace-event JSON (open it in ui.perfetto.dev)",
        description="Write a run's per-P intervals, STW pauses, GC cycles and heap counters "
        "as Chrome trace-event JSON, which Perfetto (ui.perfetto.dev) and chrome://tracing "
        "open.",
    )
    t.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by gclab run")
    t.add_argument("--out", metavar="FILE", help="output file (default RUN_DIR/trace.json)")
    t.set_defaults(func=trace_command)
    x = sub.add_parser(
        "export",
        help="a sweep's results (or a run's) as Parquet or CSV tables",
        description="Write the runs table (one row per run) and the time series (long "
        "format, with a run_id column) as files pandas, polars and DuckDB read directly.",
    )
    x.add_argument("dir", metavar="DIR", help="a sweep folder (results.sqlite) or a run folder")
    x.add_argument(
        "--format",
        default="parquet",
        metavar="FMT",
        help="parquet (default; needs pyarrow) or csv",
    )
    x.add_argument("--out", metavar="DIR2", help="output folder (default DIR/export)")
    x.set_defaults(func=export_command)


def trace_command(args: argparse.Namespace) -> int:
    from framework.export.chrome_trace import build_trace, dumps, run_folder_problem
    from framework.traces.output import atomic_write

    if msg := run_folder_problem(args.run_dir):
        return usage_error(msg)
    out = Path(args.out) if args.out else Path(args.run_dir) / "trace.json"
    if msg := out_problem(out, file=True):
        return usage_error(msg)
    trace = build_trace(args.run_dir)  # a damaged file is a BadInputError: nothing written
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, dumps(trace))
    n = len(trace["traceEvents"])
    shown.info(f"trace written to {out} ({n:,} events); open it in ui.perfetto.dev")
    return 0


def export_command(args: argparse.Namespace) -> int:
    from framework.export.parquet import (
        FORMATS,
        PYARROW_HINT,
        MissingPyarrowError,
        export,
        require_pyarrow,
        source_kind,
    )

    if args.format not in FORMATS:
        return usage_error(f"--format {args.format!r}: unknown; allowed: {', '.join(FORMATS)}")
    try:
        source_kind(args.dir)
    except BadInputError as e:
        return usage_error(str(e))
    if args.format == "parquet":
        try:
            require_pyarrow()
        except MissingPyarrowError:
            return usage_error(PYARROW_HINT)
    out = Path(args.out) if args.out else Path(args.dir) / "export"
    if msg := out_problem(out):
        return usage_error(msg)
    written = export(args.dir, out, args.format)
    for path, rows in written.items():
        shown.info(f"{path}  {rows:,} rows")
    return 0
