"""``gclab sweep``: validate everything first (exit 2, nothing written), then run.

Exit status: 0 every run of the sweep is ok; 1 some run failed (now or in an earlier
session; ``--retry-failed`` runs them again); 2 bad input, with nothing written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from framework.cli.console import out, progress_wanted
from framework.cli.usage import out_problem, usage_error
from framework.config import ConfigError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    s = sub.add_parser(
        "sweep",
        help="run a sweep of configs (grid, zip, variants, seeds) into a results store",
        description="Run every missing run of a sweep file into DIR/results.sqlite. "
        "A sweep killed at any moment and started again runs only what is missing.",
    )
    s.add_argument("config", help="sweep TOML (a config with a [sweep] table, or a plain config)")
    s.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    s.add_argument(
        "--executor",
        default="local",
        help="serial | local (process pool, default) | dask",
    )
    s.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://host:8786 (default: a LocalCluster)",
    )
    s.add_argument("--out", metavar="DIR", help="results folder (default results/<sweep name>)")
    s.add_argument("--dry-run", action="store_true", help="list the runs and write nothing")
    s.add_argument(
        "--retry-failed", action="store_true", help="run again the runs recorded as failed"
    )
    s.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a key of the base config (not a swept one); repeatable",
    )
    s.set_defaults(func=run_command)


def _fmt(v: object) -> str:
    return "-" if v is None else str(v)


def _print_runs(spec: object) -> None:
    from framework.sweep.spec import SweepSpec

    assert isinstance(spec, SweepSpec)
    cols = ["#", "run_id", *spec.axes, "seed"]
    rows = [[str(r.index), r.run_id, *(_fmt(r.params.get(k)) for k in cols[2:])] for r in spec.runs]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    out.info("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip())
    for row in rows:
        out.info("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def run_command(args: argparse.Namespace) -> int:
    from framework.sweep.executors import EXECUTORS, dask_available
    from framework.sweep.spec import load_sweep
    from framework.sweep.store import StoreError

    if args.executor not in EXECUTORS:
        return usage_error(
            f"--executor {args.executor!r}: unknown; allowed: {', '.join(EXECUTORS)}"
        )
    if args.jobs is not None and args.jobs < 1:
        return usage_error(f"--jobs {args.jobs}: must be a positive number of worker processes")
    if args.scheduler and args.executor != "dask":
        return usage_error("--scheduler: only used with --executor dask")
    if args.executor == "dask" and not dask_available():
        return usage_error("--executor dask: dask is not installed; pip install 'gclab[dask]'")
    try:
        spec = load_sweep(args.config, args.set or [])
    except ConfigError as e:
        return usage_error(str(e))
    if args.dry_run:
        out.info("sweep %s: %d runs", spec.name, len(spec.runs))
        _print_runs(spec)  # piped into `head`: console stops writing quietly
        return 0
    dest = Path(args.out) if args.out else Path("results") / spec.name
    if msg := out_problem(dest):
        return usage_error(msg)
    from framework.sweep.runner import ExecutorStartError, run_into

    try:
        report = run_into(
            spec,
            dest,
            args.executor,
            args.jobs,
            args.scheduler,
            retry_failed=args.retry_failed,
            progress=progress_wanted(),
        )
    except StoreError as e:
        return usage_error(f"--out {e}")
    except ExecutorStartError as e:
        return usage_error(f"--scheduler {args.scheduler}: cannot connect: {e}")
    out.info(
        f"sweep {spec.name}: {report.planned} runs, {report.already_done} done before, "
        f"{report.submitted} run now; ok {report.ok}, failed {report.failed}"
    )
    for rid, params, error in report.failures:  # a warning: shown even with -q
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        out.warning(f"  failed {rid} [{shown}]: {error.splitlines()[0] if error else ''}")
    out.info(f"results in {dest}/results.sqlite")
    return 1 if report.failed else 0
