"""Named studies (``experiments/<name>/``): configs in, results and figures out.

A study folder holds ``config.toml`` (the base config) and ``study.py``, which defines:

- ``DESCRIPTION``: one line;
- ``points(scale) -> list[dict]``: the runs, as ``{"dotted.key": value}`` overrides of the
  base config (plus undotted metadata such as ``label``), for ``scale`` in
  ``("tiny", "full")`` (tiny: seconds, for tests);
- ``check(rows) -> list[str]``: the qualitative result the study reproduces, as a list of
  failures (empty when it holds);
- ``plot(rows, out) -> list[Path]``: its figures.

``rows`` is a list of ``{"point": overrides, "summary": summary}``. Runs go to a process
pool; each run is deterministic, so the order of completion does not matter.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framework.config import parse_config
from framework.config.loader import apply_overrides, read_config

EXPERIMENTS_DIR = Path(__file__).resolve().parent.parent / "experiments"
SCALES = ("tiny", "full")


@dataclass
class Study:
    name: str
    description: str
    base: dict[str, Any]
    points: Callable[[str], list[dict[str, Any]]]
    check: Callable[[list[dict[str, Any]]], list[str]]
    plot: Callable[[list[dict[str, Any]], Path], list[Path]]


def names() -> list[str]:
    return sorted(p.parent.name for p in EXPERIMENTS_DIR.glob("*/study.py"))


def load(name: str) -> Study:
    folder = EXPERIMENTS_DIR / name
    if not (folder / "study.py").exists():
        raise KeyError(f"unknown experiment {name!r}; known: {', '.join(names())}")
    mod = importlib.import_module(f"experiments.{name}.study")
    base, _ = read_config(folder / "config.toml")
    return Study(name, mod.DESCRIPTION, base, mod.points, mod.check, mod.plot)


def resolve(base: dict[str, Any], point: dict[str, Any]) -> dict[str, Any]:
    """The config data of one point: the base with the point's overrides applied. Keys
    without a dot (e.g. ``label``) are the study's own metadata, not config."""
    out = apply_overrides(base, [])
    for key, value in point.items():
        if "." not in key:
            continue
        node = out
        *parents, last = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return out


def _run_one(data: dict[str, Any]) -> dict[str, Any]:
    from framework.simulation import simulate

    return simulate(parse_config(data)).summary


def run_study(study: Study, scale: str = "full", jobs: int | None = None) -> list[dict[str, Any]]:
    points = study.points(scale)
    configs = [resolve(study.base, p) for p in points]
    for c in configs:
        parse_config(c, f"experiment {study.name}")  # fail fast on a bad point
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(configs) == 1:
        summaries = [_run_one(c) for c in configs]
    else:
        from framework.sweep.worker import die_with

        with ProcessPoolExecutor(jobs, initializer=die_with, initargs=(os.getpid(),)) as pool:
            summaries = list(pool.map(_run_one, configs))
    return [{"point": p, "summary": s} for p, s in zip(points, summaries, strict=True)]


def write_study(study: Study, rows: list[dict[str, Any]], out: Path) -> list[Path]:
    """Write rows.json, results.csv (scalars per point) and the figures; returns the figures."""
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)
    (out / "rows.json").write_text(json.dumps(rows, indent=1) + "\n")
    flat = []
    for r in rows:
        scalars = {k: v for k, v in r["summary"].items() if isinstance(v, int | float | str)}
        flat.append({**r["point"], **scalars})
    pd.DataFrame(flat).to_csv(out / "results.csv", index=False)
    figures = study.plot(rows, out)
    failures = study.check(rows)
    report = "\n".join(["holds" if not failures else "does not hold:", *failures])
    (out / "check.txt").write_text(f"{study.name}: {study.description}\n{report}\n")
    return figures
