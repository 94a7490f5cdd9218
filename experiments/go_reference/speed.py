"""Whole-process wall time, gclab against the real Go program on the same work.

Rule: each row is one reference configuration; gclab is timed as a user runs it (a fresh
``python -m framework run configs/<name>.toml --no-plot -q`` process: imports, numba
cache load, simulation, writing the run folder), and Go as the recorded binary run
(``process_wall_s`` of ``data/<name>/run*.json``, recorded by ``record.py`` on this
machine class). With ``--go`` (Go installed) the Go binary is built and run again,
alternating with gclab, so both see the same machine load. The work is reported in the
workload's own unit (replacements or allocations per second of gclab's wall time).

    python -m experiments.go_reference.speed [--only NAME ...] [--repeat N] [--go]
        [--before CHECKOUT]

``--before`` times another checkout of gclab (say, a ``git worktree`` of an older commit)
on the same configurations, alternating with this one, for a before/after table measured
side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from experiments.go_reference.matrix import CONFIGS, load_matrix

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[2]
#: the rows of issue 13's table
DEFAULT = ["steady_p2_gogc100", "gor_g10000_d100_gogc100", "gor_g1000_d100_gogc50", "bintree_d16"]


def recorded_go_walls(name: str) -> list[float]:
    return [
        json.loads(p.read_text())["process_wall_s"] for p in sorted((DATA / name).glob("run*.json"))
    ]


def time_gclab(name: str, root: Path = ROOT) -> tuple[float, dict[str, Any]]:
    """(whole-process wall seconds, summary) of one ``gclab run`` of ``name``'s config,
    with the ``framework`` package of the checkout ``root``."""
    with tempfile.TemporaryDirectory(prefix="gclab-speed-") as tmp:
        env = dict(os.environ, PYTHONPATH=str(root))
        cmd = [sys.executable, "-m", "framework", "run", str(CONFIGS / f"{name}.toml")]
        t0 = time.perf_counter()
        # in ``root`` too: ``python -m`` puts the working folder first on the path
        subprocess.run([*cmd, "--out", tmp, "--no-plot", "-q"], check=True, env=env, cwd=root)
        wall = time.perf_counter() - t0
        summary = json.loads((Path(tmp) / "summary.json").read_text())
    return wall, summary


def time_go(name: str, entry: dict[str, Any]) -> float:
    """Whole-process wall seconds of one run of the Go program (needs Go)."""
    from experiments.go_reference.matrix import go_build, go_env
    from experiments.go_reference.record import build

    consts, argv = go_build(entry)
    binary, _ = build(consts)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(go_env(entry))
    t0 = time.perf_counter()
    subprocess.run([str(binary), *argv], env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def unit(entry: dict[str, Any], summary: dict[str, Any], wall: float) -> str:
    w = entry["workload"]
    if w["name"] == "steady":
        return f"{w['replacements'] / wall / 1e6:.2f} M replacements/s"
    return f"{summary['alloc_count'] / wall / 1e6:.2f} M allocations/s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", default=DEFAULT, help="configurations (default: 4)")
    ap.add_argument("--repeat", type=int, default=1, help="gclab runs per configuration")
    ap.add_argument("--go", action="store_true", help="run the Go programs too (needs Go)")
    ap.add_argument("--before", type=Path, help="another gclab checkout to time alongside")
    args = ap.parse_args(argv)
    if args.before is not None and not (args.before / "framework" / "__init__.py").is_file():
        ap.error(f"--before {args.before}: not a gclab checkout (no framework/__init__.py)")
    matrix = load_matrix()
    before = args.before is not None
    head = "| work |" + (" before (s) |" if before else "") + " gclab wall (s) | Go wall (s) |"
    head += " gclab / Go | gclab speed |"
    rows = [head, "|---" * (head.count("|") - 1) + "|"]
    for name in args.only:
        entry = matrix[name]
        ours, go, old = [], [], []
        for _ in range(args.repeat):
            if before:
                old.append(time_gclab(name, args.before)[0])
            wall, summary = time_gclab(name)
            ours.append(wall)
            if args.go:
                go.append(time_go(name, entry))
        go = go or recorded_go_walls(name)
        g, o = statistics.median(go), statistics.median(ours)
        src = "now" if args.go else "recorded"
        was = f" {statistics.median(old):.2f} |" if before else ""
        rows.append(
            f"| {name} |{was} {o:.2f} | {g:.2f} ({src}) | {o / g:.1f}x | "
            f"{unit(entry, summary, o)} |"
        )
        print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
