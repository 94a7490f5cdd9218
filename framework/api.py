"""The Python API of the common path: run a config, run a sweep, read results as pandas.

Rule: every function here is a thin wrapper over the code the ``gclab`` commands run, never
a second copy of it. A config is read and validated by ``framework.config`` (so a bad key
raises the ``ConfigError`` ``gclab run`` prints), overrides are applied exactly as
``--set KEY=VALUE`` (each value is written as TOML and parsed back), one run is
``simulation.simulate``, a sweep is ``sweep.spec`` + ``sweep.runner.run_sweep`` into a
``sweep.store.Store``, and results come back through ``sweep.results``. Heavy modules
(numba kernels, pandas) are imported on first use, so ``import framework`` stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from framework.config import Config
    from framework.simulation import RunResult
    from framework.sweep.runner import SweepReport

__all__ = ["Run", "SweepRun", "load", "load_runs", "load_series", "run", "sweep"]

#: the time series a run (and a sweep's store) holds, as ``framework.traces.output``'s CSVs
SERIES = ("heap", "pauses", "cycles", "intervals")


def set_args(overrides: Mapping[str, Any]) -> list[str]:
    """``overrides`` as ``--set`` arguments: ``{"pacer.gogc": 200}`` -> ``["pacer.gogc=200"]``.

    A key is dotted (``"pacer.gogc"``) or uses ``__`` for the dots (``pacer__gogc``, for
    keyword arguments); a mapping value sets each of its keys under the key.
    """
    import tomli_w

    from framework.config import ConfigError

    out: list[str] = []
    for raw_key, value in overrides.items():
        key = raw_key.replace("__", ".")
        if isinstance(value, Mapping):
            out += set_args({f"{key}.{k}": v for k, v in value.items()})
            continue
        try:
            text = tomli_w.dumps({"v": value})
        except (TypeError, ValueError):
            text = ""
        if not text.startswith("v = "):  # None, an object, a list of tables
            raise ConfigError(
                [f"{key}: cannot set {value!r}; give a number, string, boolean or list"],
                "overrides",
            )
        out.append(f"{key}={text.removeprefix('v = ').strip()}")
    return out


def load(config: Mapping[str, Any] | str | Path | Config, /, **overrides: Any) -> Config:
    """The validated ``Config`` of ``config`` (a dict, a TOML file, or a ``Config``) with
    ``overrides`` applied: what ``gclab run CONFIG --set ...`` would run."""
    from framework import plugins
    from framework.config import Config, config_to_dict, load_config, parse_config
    from framework.config.loader import apply_overrides

    plugins.load_entry_points()
    args = set_args(overrides)
    if isinstance(config, str | Path):
        return load_config(config, args)
    data = config_to_dict(config) if isinstance(config, Config) else dict(config)
    return parse_config(apply_overrides(data, args), "config")


@dataclass(frozen=True)
class Run:
    """One finished run: its resolved config, summary and time series.

    ``heap``, ``pauses``, ``cycles`` and ``intervals`` are DataFrames with the columns of
    the CSV files ``gclab run`` writes (times in simulated ns, sizes in bytes).
    """

    result: RunResult

    @property
    def config(self) -> Config:
        """The validated config that ran (``config_to_dict`` gives it as plain data)."""
        return self.result.config

    @property
    def summary(self) -> dict[str, Any]:
        """Every metric (``gc_cycles``, ``gc_cpu_fraction``, ``pause_max_ns``, ...);
        ``wall_s`` is the only key that differs between two runs of one config."""
        return self.result.summary

    @cached_property
    def _frames(self) -> dict[str, pd.DataFrame]:
        from framework.sweep.worker import series_frames

        return series_frames(self.result.log, self.summary.get("cycles", []))

    @property
    def heap(self) -> pd.DataFrame:
        """Heap samples over time (``t_ns``, ``inuse_span_bytes``, ``goal``, ...)."""
        return self._frames["heap"]

    @property
    def pauses(self) -> pd.DataFrame:
        """One row per stop-the-world pause (``start_ns``, ``end_ns``, ``duration_ns``, ...)."""
        return self._frames["pauses"]

    @property
    def cycles(self) -> pd.DataFrame:
        """One row per GC cycle: the gctrace table (``start_ns``, ``end_ns``, ``marked``, ...)."""
        return self._frames["cycles"]

    @property
    def intervals(self) -> pd.DataFrame:
        """Per-P busy intervals (``p``, ``start_ns``, ``end_ns``, ``kind``)."""
        return self._frames["intervals"]

    def save(self, out: str | Path) -> Path:
        """Write the files ``gclab run --out OUT`` writes (config.toml, summary.json, the
        CSVs; no figure) into the folder ``out``; returns it."""
        from framework.traces.output import write_run

        write_run(self.result, Path(out))
        return Path(out)

    def __str__(self) -> str:
        from framework.traces.output import format_summary

        return format_summary(self.summary)


def run(config: Mapping[str, Any] | str | Path | Config, /, **overrides: Any) -> Run:
    """Run one simulation, as ``gclab run`` does, and return it.

    ``config`` is a config dict (the TOML file's tables as dicts), the path of a TOML config,
    or a ``Config``. ``overrides`` are dotted keys, as ``--set`` takes them:
    ``run(cfg, **{"pacer.gogc": 200})``, or with ``__`` for the dots:
    ``run(cfg, pacer__gogc=200)``. A bad config raises ``ConfigError`` with the message
    ``gclab run`` prints; nothing is written (``Run.save`` writes the run's files).
    """
    from framework.simulation import simulate

    return Run(simulate(load(config, **overrides)))


@dataclass(frozen=True)
class SweepRun:
    """A sweep's results folder (``folder/results.sqlite``) and the report of this session
    (``report.ok``, ``report.failed``, ``report.failures``)."""

    folder: Path
    report: SweepReport

    def runs(self) -> pd.DataFrame:
        """``load_runs(self.folder)``."""
        return load_runs(self.folder)

    def series(self, name: str) -> pd.DataFrame:
        """``load_series(self.folder, name)``."""
        return load_series(self.folder, name)


def sweep(
    spec: Mapping[str, Any] | str | Path,
    out: str | Path,
    *,
    jobs: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    **overrides: Any,
) -> SweepRun:
    """Run every missing run of a sweep into ``out/results.sqlite``, as ``gclab sweep`` does.

    ``spec`` is a sweep file's path, or its data as a dict: a config with a ``"sweep"``
    table (a dict has no ``base``: give the whole config). ``executor`` is ``"serial"``,
    ``"local"`` (a pool of ``jobs`` processes, default all cores) or ``"dask"`` (at
    ``scheduler``, else a LocalCluster). ``overrides`` set keys of the base config that
    are not swept, as ``--set`` does. Runs already in the store are not run again, so a
    second call resumes; a run that raises is recorded as failed (``report.failed``, the
    ``status`` and ``error`` columns of ``load_runs``) and the others go on. A bad spec
    raises ``ConfigError``, a store of another sweep ``StoreError``.
    """
    from framework import plugins
    from framework.config import ConfigError
    from framework.sweep.runner import run_into
    from framework.sweep.spec import build_sweep, load_sweep

    plugins.load_entry_points()
    args = set_args(overrides)
    if isinstance(spec, str | Path):
        parsed = load_sweep(spec, args)
    elif "base" in spec:
        raise ConfigError(
            [
                "base: a sweep given as a dict has no file to be relative to; merge the base "
                "config into the dict, or pass the sweep file's path"
            ],
            "sweep",
        )
    else:
        parsed = build_sweep(dict(spec), "sweep", "sweep", args)
    folder = Path(out)
    report = run_into(parsed, folder, executor, jobs, scheduler, retry_failed, progress)
    return SweepRun(folder, report)


def load_runs(folder: str | Path) -> pd.DataFrame:
    """One row per run of the sweep at ``folder``: ``run_id``, ``status``, the parameters
    (``variant``, each swept dotted key such as ``pacer.gogc``, ``seed``), every scalar
    summary metric, and ``error`` (failed runs). ``sweep.results.load_results``."""
    from framework.sweep.results import load_results

    return load_results(folder)


def load_series(folder: str | Path, name: str) -> pd.DataFrame:
    """The ``name`` series (``"heap"``, ``"pauses"``, ``"cycles"`` or ``"intervals"``) of
    every finished run of the sweep at ``folder``, stacked, each row with ``run_id`` and the
    run's parameters. ``sweep.results.load_series``."""
    from framework.sweep.results import load_series as _load_series

    if name not in SERIES:
        raise KeyError(f"unknown series {name!r}; known: {', '.join(SERIES)}")
    return _load_series(folder, name)
