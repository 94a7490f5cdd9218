"""The results store of a sweep: one SQLite file, ``<out>/results.sqlite``.

Rules:
- only the coordinating process writes; workers return outcomes to it;
- a run's outcome (row + summary + time series) is committed in one transaction, so a kill
  at any moment leaves each run either fully recorded or missing, never half;
- ``register`` records the planned runs as ``pending``; a restarted sweep runs only the
  runs that are still pending (and failed ones if asked), never a finished one;
- every recorded outcome increments the run's ``attempts``, and each sweep invocation is a
  ``session`` row (what it planned, submitted, finished), for provenance;
- one sweep name per store: a store refuses to register a sweep with another name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from framework.sweep.spec import SweepSpec
from framework.sweep.worker import SERIES, Outcome, decode_frame

DB_NAME = "results.sqlite"
LOCK_NAME = ".sweep.lock"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    idx INTEGER NOT NULL,
    in_spec INTEGER NOT NULL DEFAULT 1,
    params TEXT NOT NULL,
    config TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    summary TEXT,
    error TEXT,
    traceback TEXT,
    wall_s REAL,
    worker TEXT,
    session INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS series (
    run_id TEXT NOT NULL,
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    argv TEXT,
    executor TEXT,
    planned INTEGER,
    submitted INTEGER,
    ok INTEGER DEFAULT 0,
    failed INTEGER DEFAULT 0
);
"""


class StoreError(RuntimeError):
    """A store that cannot be used (another sweep's results, another sweep running)."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """The SQLite results store of one sweep folder."""

    def __init__(self, folder: str | Path, create: bool = False) -> None:
        self.folder = Path(folder)
        self.path = self.folder / DB_NAME
        if not create and not self.path.exists():
            raise StoreError(f"{self.folder}: no sweep results here (no {DB_NAME})")
        if create:
            self.folder.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        # Idempotent: a process killed between creating the file and its tables leaves a
        # store that the next open completes.
        self.db.executescript(_SCHEMA)
        self._lock_fd: Any = None

    # -- locking ---------------------------------------------------------------------------
    def lock(self) -> None:
        """Hold an exclusive lock on the folder (released by the OS if the process dies)."""
        fd = (self.folder / LOCK_NAME).open("w")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fd.close()
            raise StoreError(f"{self.folder}: another sweep is running on this folder") from None
        self._lock_fd = fd

    def close(self) -> None:
        self.db.close()
        if self._lock_fd is not None:
            self._lock_fd.close()
            self._lock_fd = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- meta ------------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def axes(self) -> list[str]:
        return json.loads(self.meta().get("axes", "[]"))

    def check_compatible(self, spec: SweepSpec) -> None:
        name = self.meta().get("sweep_name")
        if name is not None and name != spec.name:
            raise StoreError(
                f"{self.folder}: holds results of sweep {name!r}, not {spec.name!r}; "
                "choose another --out"
            )

    # -- writing ---------------------------------------------------------------------------
    def register(self, spec: SweepSpec) -> None:
        """Record the sweep and its planned runs (existing results are kept)."""
        self.check_compatible(spec)
        from framework import __version__

        with self._tx() as db:
            for k, v in {
                "schema_version": SCHEMA_VERSION,
                "sweep_name": spec.name,
                "description": spec.description,
                "source": spec.source,
                "spec_text": spec.text,
                "axes": json.dumps(spec.axes),
                "seeds": json.dumps(spec.seeds),
                "gclab_version": __version__,
            }.items():
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (k, v))
            db.execute("UPDATE runs SET in_spec = 0")
            for r in spec.runs:
                db.execute(
                    "INSERT INTO runs (run_id, idx, params, config) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(run_id) DO UPDATE SET idx = excluded.idx, in_spec = 1, "
                    "params = excluded.params",
                    (r.run_id, r.index, json.dumps(r.params), json.dumps(r.config)),
                )

    def start_session(self, executor: str, planned: int, submitted: int) -> int:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO sessions (started_at, argv, executor, planned, submitted) "
                "VALUES (?, ?, ?, ?, ?)",
                (_now(), json.dumps(sys.argv), executor, planned, submitted),
            )
            return int(cur.lastrowid or 0)

    def finish_session(self, session: int, ok: int, failed: int) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE sessions SET finished_at = ?, ok = ?, failed = ? WHERE id = ?",
                (_now(), ok, failed, session),
            )

    def record(self, outcome: Outcome, session: int | None = None) -> None:
        """Commit one outcome: its row, summary and series, atomically."""
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET status = ?, summary = ?, error = ?, traceback = ?, wall_s = ?, "
                "worker = ?, session = ?, attempts = attempts + 1, finished_at = ? "
                "WHERE run_id = ?",
                (
                    outcome.status,
                    json.dumps(outcome.summary) if outcome.summary is not None else None,
                    outcome.error or None,
                    outcome.traceback or None,
                    outcome.wall_s,
                    outcome.worker,
                    session,
                    _now(),
                    outcome.run_id,
                ),
            )
            db.execute("DELETE FROM series WHERE run_id = ?", (outcome.run_id,))
            for name, blob in outcome.series.items():
                db.execute("INSERT INTO series VALUES (?, ?, ?)", (outcome.run_id, name, blob))

    # -- reading ---------------------------------------------------------------------------
    def status(self) -> dict[str, str]:
        """run_id -> status for the runs of the current spec."""
        return dict(self.db.execute("SELECT run_id, status FROM runs WHERE in_spec = 1"))

    def counts(self) -> dict[str, int]:
        out = {"pending": 0, "ok": 0, "failed": 0}
        for s in self.status().values():
            out[s] = out.get(s, 0) + 1
        return out

    def sessions(self) -> pd.DataFrame:
        return pd.read_sql_query("SELECT * FROM sessions ORDER BY id", self.db)

    def runs(self, include_stale: bool = False) -> list[dict[str, Any]]:
        """Every run row (params, status, summary, error...) in sweep order."""
        where = "" if include_stale else "WHERE in_spec = 1"
        cur = self.db.execute(
            "SELECT run_id, idx, params, config, status, summary, error, traceback, wall_s, "
            f"worker, session, attempts, finished_at FROM runs {where} ORDER BY in_spec DESC, idx"
        )
        cols = [c[0] for c in cur.description]
        out = []
        for row in cur.fetchall():
            d = dict(zip(cols, row, strict=True))
            d["params"] = json.loads(d["params"])
            d["config"] = json.loads(d["config"])
            d["summary"] = json.loads(d["summary"]) if d["summary"] else None
            out.append(d)
        return out

    def series(self, run_id: str, name: str) -> pd.DataFrame:
        if name not in SERIES:
            raise KeyError(f"unknown series {name!r}; known: {', '.join(SERIES)}")
        row = self.db.execute(
            "SELECT data FROM series WHERE run_id = ? AND name = ?", (run_id, name)
        ).fetchone()
        if row is None:
            raise KeyError(f"run {run_id}: no {name} series (not finished, or failed)")
        return decode_frame(row[0])
