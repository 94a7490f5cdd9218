"""Recorded Go runs to calibrate against, read and checked.

A *reference run* is one gclab config plus one or more recordings of the Go program it
mirrors: the ``GODEBUG=gctrace=1`` log and, optionally, the JSON the reference programs
print (process CPU from getrusage). Two layouts are read:

- a suite folder laid out like ``experiments/go_reference``: ``configs/<name>.toml`` and
  ``data/<name>/run<k>.gctrace.txt`` (or ``.gctrace.txt.gz``) with ``run<k>.json``;
- explicit ``(log, config)`` pairs, with the JSON found next to the log if it is there.

Rules: anything that cannot be used is a ``ReferenceError`` naming the file and what is
wrong (a log without a gctrace line, a config that does not validate, a config whose
GOMAXPROCS differs from the log's), never a traceback; nothing here simulates.
"""

from __future__ import annotations

import gzip
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from framework.config import ConfigError, parse_config
from framework.traces.gctrace import TraceLine
from framework.traces.gctrace_import import find_record


class ReferenceError(ValueError):
    """Recorded runs that cannot be calibrated against (message names the file)."""


@dataclass(frozen=True)
class Recording:
    """One recorded execution of a Go program."""

    lines: list[TraceLine]
    cpu_ns: float | None  # user + sys CPU of the whole process (None if not recorded)
    procs: int

    @property
    def mark_cpu_ns(self) -> float:
        """Go's mark CPU: assist + background + idle workers, summed over cycles."""
        return float(sum(t.assist_cpu_ns + t.background_cpu_ns + t.idle_cpu_ns for t in self.lines))

    @property
    def stw_cpu_ns(self) -> float:
        """CPU of the stop-the-world phases as gctrace prints it (clock x Ps)."""
        return float(sum(t.stw_sweep_term_cpu_ns + t.stw_mark_term_cpu_ns for t in self.lines))


@dataclass
class ReferenceRun:
    """A gclab config and its recordings; ``target`` gives the means over recordings."""

    name: str
    config: dict[str, Any]
    recordings: list[Recording] = field(default_factory=list)

    @property
    def procs(self) -> int:
        return self.recordings[0].procs

    def target(self) -> dict[str, float]:
        """What the calibration fits, averaged over recordings (ns): ``mark_cpu`` (per
        cycle),
        ``other_cpu`` (process CPU minus all GC CPU: the mutator and sweeping; absent when
        no recording has the JSON), ``stw_sweep_term_p50``, ``stw_mark_term_p50``; and for
        validation ``gc_count`` and ``goal_mean`` (bytes)."""
        recs = self.recordings
        out = {
            "mark_cpu": float(np.mean([r.mark_cpu_ns / len(r.lines) for r in recs])),
            "stw_sweep_term_p50": float(
                np.mean([np.median([t.sweep_term_ns for t in r.lines]) for r in recs])
            ),
            "stw_mark_term_p50": float(
                np.mean([np.median([t.mark_term_ns for t in r.lines]) for r in recs])
            ),
            "gc_count": float(np.mean([len(r.lines) for r in recs])),
            "goal_mean": float(np.mean([np.mean([t.goal_mib for t in r.lines]) for r in recs]))
            * 2**20,
        }
        cpu = [r.cpu_ns - r.stw_cpu_ns - r.mark_cpu_ns for r in recs if r.cpu_ns is not None]
        if cpu:
            out["other_cpu"] = float(np.mean(cpu))
        return out


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ReferenceError(f"{path}: cannot read ({e.strerror})") from None
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            raise ReferenceError(f"{path}: not a gzip file") from None
    return data.decode("utf-8", errors="replace")


def read_recording(log: Path, record: Path | None = None) -> Recording:
    """One recording: the gctrace log, and the reference program's JSON if given."""
    lines = [t for t in map(find_record, _read_text(log).splitlines()) if t is not None]
    if not lines:
        raise ReferenceError(f"{log}: no GODEBUG=gctrace=1 line in it")
    procs = {t.procs for t in lines}
    if len(procs) != 1:
        raise ReferenceError(f"{log}: GOMAXPROCS changes during the run ({sorted(procs)})")
    cpu = None
    if record is not None and record.exists():
        try:
            rep = json.loads(record.read_text())["report"]["rusage"]
            cpu = (float(rep["user_s"]) + float(rep["sys_s"])) * 1e9
        except (ValueError, KeyError, TypeError):
            raise ReferenceError(
                f"{record}: not a reference-program record (report.rusage.user_s/sys_s)"
            ) from None
    return Recording(lines, cpu, procs.pop())


def _config(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ReferenceError(f"{path}: not a readable TOML config ({e})") from None
    try:
        parse_config(data)
    except ConfigError as e:
        raise ReferenceError(f"{path}: {e.messages[0]}") from None
    return data


def _check(run: ReferenceRun, where: Path) -> ReferenceRun:
    procs = int(run.config.get("run", {}).get("gomaxprocs", 2))
    for r in run.recordings:
        if r.procs != procs:
            raise ReferenceError(
                f"{where}: run.gomaxprocs = {procs} but the log was recorded with "
                f"GOMAXPROCS={r.procs}"
            )
    return run


def _log_and_record(folder: Path, k: str) -> tuple[Path, Path]:
    log = folder / f"run{k}.gctrace.txt"
    if not log.exists():
        log = folder / f"run{k}.gctrace.txt.gz"
    return log, folder / f"run{k}.json"


def load_suite(folder: Path, names: list[str] | None = None) -> list[ReferenceRun]:
    """Every config in ``folder/configs`` with recordings in ``folder/data/<name>``."""
    cfg_dir, data_dir = folder / "configs", folder / "data"
    if not cfg_dir.is_dir() or not data_dir.is_dir():
        raise ReferenceError(f"{folder}: expected configs/ and data/ folders in it")
    runs = []
    for cfg in sorted(cfg_dir.glob("*.toml")):
        name = cfg.stem
        if names is not None and name not in names:
            continue
        runs_dir = data_dir / name
        ks = sorted({p.name[3:].split(".")[0] for p in runs_dir.glob("run*.gctrace.txt*")})
        if not ks:
            continue
        run = ReferenceRun(name, _config(cfg))
        for k in ks:
            run.recordings.append(read_recording(*_log_and_record(runs_dir, k)))
        runs.append(_check(run, cfg))
    if names is not None:
        missing = sorted(set(names) - {r.name for r in runs})
        if missing:
            raise ReferenceError(f"{folder}: no recorded config named {', '.join(missing)}")
    if not runs:
        raise ReferenceError(f"{folder}: no config with recorded runs")
    return runs


def load_pairs(pairs: list[tuple[Path, Path]]) -> list[ReferenceRun]:
    """Explicit (gctrace log, gclab config) pairs; a ``.json`` record beside the log (same
    name, ``.gctrace.txt`` replaced by ``.json``) adds the process CPU."""
    runs = []
    for log, cfg in pairs:
        record = log.with_name(log.name.split(".gctrace")[0] + ".json")
        run = ReferenceRun(f"{cfg.stem}:{log.name}", _config(cfg))
        run.recordings.append(read_recording(log, record))
        runs.append(_check(run, cfg))
    return runs
