"""Named studies (``experiments/<name>/``): configs in, results and figures out.

A study folder holds ``config.toml`` (the base config) and ``study.py``, which defines:

- ``DESCRIPTION``: one line;
- ``points(scale) -> list[dict]``: the runs, as ``{"dotted.key": value}`` overrides of the
  base config (plus undotted metadata such as ``label``), for ``scale`` in
  ``("tiny", "full")`` (tiny: seconds, for tests);
- ``check(rows) -> list[str]``: the qualitative result the study reproduces, as a list of
  failures (empty when it holds);
- ``plot(rows, out) -> list[Path]``: its figures.

``rows`` is a list of ``{"point": overrides, "summary": summary}``. A study runs as a sweep
(``study_sweep``, executed by ``sweep.runner.run_into``, the one batch system): its runs
land in ``results.sqlite`` beside its figures, so it resumes after a kill, runs on the pool
or on Dask, records a failed run with its error, and ``gclab report``/``export`` read it.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framework.config import parse_config
from framework.config.loader import apply_overrides, read_config
from framework.sweep.spec import SweepSpec

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


class StudyRunsFailedError(RuntimeError):
    """Some runs of a study failed; they are recorded in the study's store."""


def study_sweep(
    study: Study, scale: str = "full", points: list[dict[str, Any]] | None = None
) -> SweepSpec:
    """The study as a sweep: one run per point (its overrides and metadata as parameters),
    each validated before anything runs. ``points``: ``study.points(scale)`` if None."""
    from framework.config import config_to_dict
    from framework.sweep.spec import RunSpec, SweepSpec, run_id

    points = study.points(scale) if points is None else points
    runs = []
    axes: list[str] = []
    for i, point in enumerate(points):
        cfg = parse_config(resolve(study.base, point), f"experiment {study.name}")
        resolved = config_to_dict(cfg)
        axes += [k for k in point if k not in axes]
        runs.append(RunSpec(i, run_id(resolved), {**point, "seed": cfg.run.seed}, resolved))
    return SweepSpec(
        name=f"{study.name}-{scale}",
        source=f"experiments/{study.name}",
        description=study.description,
        axes=axes,
        seeds=sorted({r.params["seed"] for r in runs}),
        runs=runs,
    )


def run_study(
    study: Study,
    scale: str = "full",
    jobs: int | None = None,
    out: Path | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    progress: bool = False,
    retry_failed: bool = False,
) -> list[dict[str, Any]]:
    """Run the study's points as a sweep into ``out/results.sqlite`` (a temporary folder
    when None): seeds, resume, a progress bar, the pool or Dask, as ``gclab sweep`` has
    them. Returns ``rows``; raises ``StudyRunsFailedError`` naming failed runs (the others are
    kept, and a second call runs only what is missing)."""
    import contextlib
    import tempfile

    from framework.sweep.runner import run_into
    from framework.sweep.store import Store

    points = study.points(scale)
    spec = study_sweep(study, scale, points)
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 and executor == "local":
        executor = "serial"
    with contextlib.ExitStack() as stack:
        if out is None:
            out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gclab-study-")))
        report = run_into(spec, out, executor, jobs, scheduler, retry_failed, progress)
        if report.failed:
            shown = "; ".join(f"{r} {params}: {err}" for r, params, err in report.failures[:3])
            raise StudyRunsFailedError(f"{report.failed} of {report.planned} runs failed: {shown}")
        with Store.reader(out) as store:
            summaries = {r["run_id"]: r["summary"] for r in store.runs()}
    return [{"point": points[r.index], "summary": summaries[r.run_id]} for r in spec.runs]


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
