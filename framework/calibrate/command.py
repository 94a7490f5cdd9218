"""``gclab calibrate``: fit the ``[cost]`` section to recorded Go runs.

    gclab calibrate experiments/go_reference [--only NAME ...] [--holdout NAME ... |
        --holdout-every K] [--rounds N] [--jobs N] [--start COST.toml] [--out COST.toml]
    gclab calibrate --run LOG CONFIG [--run LOG CONFIG ...] ...

Writes a TOML file with one ``[cost]`` table (include it with ``base =``, or copy it into a
config) and prints, per run and target, Go's figure, the simulated one and their ratio,
training and held-out runs apart. Bad input (a log without gctrace lines, a config that
does not validate or whose GOMAXPROCS differs from the log's, unknown names) is one line
on stderr and exit status 2, with nothing written.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from framework.calibrate import model as M
from framework.calibrate.fit import TARGETS, Fit, calibrate, holdout_names
from framework.calibrate.reference import ReferenceError, ReferenceRun, load_pairs, load_suite
from framework.cli.console import log
from framework.cli.console import out as shown
from framework.cli.usage import USAGE, usage_error

REPORTED = (*TARGETS, "gc_count", "goal_mean")
UNITS = {"goal_mean": ("MiB", 2**20), "gc_count": ("", 1.0)}


def add_parser(sub: Any) -> None:
    c = sub.add_parser("calibrate", help="fit the [cost] section to recorded Go runs")
    c.add_argument("suite", nargs="?", help="a folder laid out like experiments/go_reference")
    c.add_argument(
        "--run",
        nargs=2,
        action="append",
        metavar=("LOG", "CONFIG"),
        help="a gctrace log and the gclab config it mirrors (repeatable)",
    )
    c.add_argument("--only", action="append", metavar="NAME", help="use only these configs")
    c.add_argument("--holdout", action="append", metavar="NAME", help="keep out of the fit")
    c.add_argument(
        "--holdout-every",
        type=int,
        default=0,
        metavar="K",
        help="keep every K-th run (sorted by name) out of the fit (default: none)",
    )
    c.add_argument("--rounds", type=int, default=6, help="simulate-and-solve rounds (default 6)")
    c.add_argument("--jobs", type=int, default=1, help="simulations in parallel (default 1)")
    c.add_argument("--start", metavar="TOML", help="a [cost] table to start from")
    c.add_argument(
        "--out", metavar="TOML", default="results/calibration/cost.toml", help="where to write"
    )
    c.set_defaults(func=run_command)


def _start_cost(path: str | None) -> dict[str, float]:
    from framework.config import CostModel

    base = CostModel().model_dump()
    if path is None:
        return base
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        table = data.get("cost", data)
        return CostModel(**{**base, **table}).model_dump()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError, ValueError) as e:
        raise ReferenceError(f"--start {path}: not a [cost] table ({e})") from None


def _load(args: argparse.Namespace) -> list[ReferenceRun]:
    if args.suite and args.run:
        raise ReferenceError("give a suite folder or --run pairs, not both")
    if args.suite:
        return load_suite(Path(args.suite), args.only)
    if args.run:
        return load_pairs([(Path(log), Path(cfg)) for log, cfg in args.run])
    raise ReferenceError("give a suite folder (e.g. experiments/go_reference) or --run LOG CONFIG")


def _split(args: argparse.Namespace, runs: list[ReferenceRun]) -> tuple[list, list]:
    names = [r.name for r in runs]
    held = set(args.holdout or [])
    unknown = held - set(names)
    if unknown:
        raise ReferenceError(f"--holdout: no run named {', '.join(sorted(unknown))}")
    held |= holdout_names(names, args.holdout_every)
    train = [r for r in runs if r.name not in held]
    if not train:
        raise ReferenceError("every run is held out: nothing left to fit")
    return train, [r for r in runs if r.name in held]


def _check_args(args: argparse.Namespace) -> str | None:
    if args.rounds < 1:
        return f"--rounds {args.rounds}: must be at least 1"
    if args.jobs < 1:
        return f"--jobs {args.jobs}: must be at least 1"
    if args.holdout_every < 0 or args.holdout_every == 1:
        return f"--holdout-every {args.holdout_every}: must be 0 (none) or at least 2"
    out = Path(args.out)
    if out.exists() and out.is_dir():
        return f"--out {out}: is a folder, not a file"
    for parent in out.parents:
        if parent.exists() and not parent.is_dir():
            return f"--out {out}: {parent} is not a folder"
    return None


def format_report(fit: Fit) -> str:
    """The fit per run and target, training and held-out runs apart, with the median
    absolute relative error of each target."""
    lines = []
    for title, group in (("training runs", fit.train), ("held-out runs", fit.holdout)):
        if not group:
            continue
        lines.append(f"{title}: sim / Go")
        head = f"  {'run':26s}" + "".join(f"{t:>20s}" for t in REPORTED)
        lines.append(head)
        errs: dict[str, list[float]] = {t: [] for t in REPORTED}
        for name, r in group.items():
            cells = []
            for t in REPORTED:
                go, sim = r["go"].get(t, np.nan), r["sim"].get(t, np.nan)
                ratio = sim / go if go and np.isfinite(go) else np.nan
                if np.isfinite(ratio):
                    errs[t].append(abs(ratio - 1))
                unit, scale = UNITS.get(t, ("ms", 1e6))
                cells.append(f"{sim / scale:9.3g}/{go / scale:<7.3g}{unit:>2s}"[:20].rjust(20))
            lines.append(f"  {name[:26]:26s}" + "".join(cells))
        med = "".join(
            f"{(np.median(errs[t]) * 100 if errs[t] else np.nan):19.1f}%" for t in REPORTED
        )
        lines.append(f"  {'median |error|':26s}" + med)
    return "\n".join(lines)


def write_cost(fit: Fit, path: Path, runs: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Fitted by `gclab calibrate` on {datetime.date.today().isoformat()}, "
        f"{platform.machine()} ({platform.processor() or 'cpu'}), {fit.rounds} rounds,\n"
        f"# against {len(runs)} runs: {', '.join(runs)}\n"
    )
    body = tomli_w.dumps({"cost": {k: round(float(v), 6) for k, v in fit.cost.items()}})
    path.write_text(header + body)


def run_command(args: argparse.Namespace) -> int:
    bad = _check_args(args)
    if bad:
        return usage_error(bad)
    try:
        runs = _load(args)
        train, holdout = _split(args, runs)
        start = _start_cost(args.start)
    except ReferenceError as e:
        return usage_error(str(e))

    def say(msg: str) -> None:
        log.info(f"calibrate: {msg}")

    fit = calibrate(train, holdout, start, rounds=args.rounds, jobs=args.jobs, progress=say)
    out = Path(args.out)
    write_cost(fit, out, [r.name for r in train])
    shown.info(format_report(fit))
    for field in sorted({f for p in M.PARAMS for f in p.fields}):
        a, b = start[field], fit.cost[field]
        if abs(a - b) > 1e-9 * max(abs(a), 1.0):
            shown.info(f"  {field:22s} {a:12.4g} -> {b:12.4g}")
    shown.info(f"cost written to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - convenience
    p = argparse.ArgumentParser(prog="gclab")
    add_parser(p.add_subparsers(dest="command", required=True))
    args = p.parse_args(argv)
    return int(args.func(args)) if args.command else USAGE
