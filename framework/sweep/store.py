"""The results store of a sweep: one SQLite file, ``<out>/results.sqlite``.

Rules:
- only the coordinating process writes; workers return outcomes to it;
- a run's outcome (row + summary + time series) is committed in one transaction, so a kill
  at any moment leaves each run either fully recorded or missing, never half;
- ``register`` records the planned runs as ``pending``; a restarted sweep runs only the
  runs that are still pending (and failed ones if asked), never a finished one;
- every recorded outcome increments the run's ``attempts``, and each sweep invocation is a
  ``session`` row (what it planned, submitted, finished), for provenance;
- one sweep name per store: a store refuses to register a sweep with another name;
- a sweep locks the folder (``FolderLock``) before it opens the database, so a second
  sweep started on the folder fails cleanly instead of meeting the first one's
  transactions;
- a file that is not a gclab store (not SQLite, or SQLite with other tables) is refused
  with ``StoreError`` before anything is written to it; readers (``Store.reader``) never
  write, and any SQLite error while reading is a ``StoreError`` naming the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from framework.cli.usage import BadInputError
from framework.sweep.spec import SweepSpec
from framework.sweep.worker import SERIES, Outcome, decode_frame

DB_NAME = "results.sqlite"
SCHEMA_VERSION = "1"
TABLES = ("meta", "runs", "series", "sessions")

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


class StoreError(BadInputError):
    """A store that cannot be used (not a store, another sweep's results, another sweep
    running on it)."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class FolderLock:
    """An exclusive lock on a folder itself (``flock`` on its descriptor): taking it writes
    nothing, and the OS releases it when the process dies."""

    def __init__(self, folder: str | Path, acquire: bool = True) -> None:
        self.folder = Path(folder)
        self._fd: int | None = None
        self._acquire_on_enter = acquire

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreError(f"{self.folder}: another sweep is running on this folder") from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FolderLock:
        if self._acquire_on_enter:
            self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Store:
    """The SQLite results store of one sweep folder. ``create``: make the folder and the
    store if missing; ``write=False``: a reader, which never writes (``Store.reader``)."""

    def __init__(self, folder: str | Path, create: bool = False, write: bool = True) -> None:
        self.folder = Path(folder)
        self.path = self.folder / DB_NAME
        self._lock = FolderLock(self.folder)
        if not create and not self.path.is_file():
            raise StoreError(f"{self.folder}: no sweep results here (no {DB_NAME})")
        if create:
            self.folder.mkdir(parents=True, exist_ok=True)
        self.db = self._open(write)

    @classmethod
    def reader(cls, folder: str | Path) -> Store:
        """The store at ``folder`` opened for reading only."""
        return cls(folder, write=False)

    def _open(self, write: bool) -> sqlite3.Connection:
        mode = "rwc" if write else "rw"
        if not write and not os.access(self.folder, os.W_OK):
            mode = "ro&immutable=1"  # a read-only copy: no lock or WAL files to create
        uri = f"file:{quote(str(self.path.resolve()))}?mode={mode}"
        try:
            db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: cannot open ({e})") from None
        try:
            tables = {
                r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            foreign = tables - {*TABLES, "sqlite_sequence"}
            if foreign:
                raise StoreError(
                    f"{self.path}: not a gclab results store (it holds the tables "
                    f"{', '.join(sorted(foreign))}); choose another folder"
                )
            if write:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                # Idempotent: a process killed between creating the file and its tables
                # leaves a store that the next open completes.
                db.executescript(_SCHEMA)
            elif "meta" not in tables:
                raise StoreError(f"{self.folder}: no sweep results here yet (an empty store)")
            version = dict(db.execute("SELECT key, value FROM meta").fetchall()).get(
                "schema_version", SCHEMA_VERSION
            )
        except sqlite3.DatabaseError as e:
            db.close()
            raise StoreError(f"{self.path}: not a gclab results store ({e})") from None
        except BaseException:
            db.close()
            raise
        if version != SCHEMA_VERSION:
            db.close()
            raise StoreError(
                f"{self.path}: a store of schema version {version}; this gclab reads "
                f"version {SCHEMA_VERSION}"
            )
        return db

    # -- locking ---------------------------------------------------------------------------
    def lock(self) -> None:
        """Hold the folder's lock until ``close`` (a sweep takes it before opening the
        store: ``FolderLock``)."""
        self._lock.acquire()

    def close(self) -> None:
        self.db.close()
        self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        """Rows of a query; a damaged file is a ``StoreError`` naming it."""
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: cannot read the store ({e})") from None

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
        return dict(self._read("SELECT key, value FROM meta"))

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
        return dict(self._read("SELECT run_id, status FROM runs WHERE in_spec = 1"))

    def counts(self) -> dict[str, int]:
        out = {"pending": 0, "ok": 0, "failed": 0}
        for s in self.status().values():
            out[s] = out.get(s, 0) + 1
        return out

    def sessions(self) -> pd.DataFrame:
        try:
            return pd.read_sql_query("SELECT * FROM sessions ORDER BY id", self.db)
        except sqlite3.DatabaseError as e:  # pragma: no cover - pandas re-raises as-is
            raise StoreError(f"{self.path}: cannot read the store ({e})") from None

    def runs(self, include_stale: bool = False) -> list[dict[str, Any]]:
        """Every run row (params, status, summary, error...) in sweep order."""
        where = "" if include_stale else "WHERE in_spec = 1"
        cols = [
            "run_id", "idx", "params", "config", "status", "summary", "error", "traceback",
            "wall_s", "worker", "session", "attempts", "finished_at",
        ]  # fmt: skip
        rows = self._read(f"SELECT {', '.join(cols)} FROM runs {where} ORDER BY in_spec DESC, idx")
        out = []
        for row in rows:
            d = dict(zip(cols, row, strict=True))
            try:
                d["params"] = json.loads(d["params"])
                d["config"] = json.loads(d["config"])
                d["summary"] = json.loads(d["summary"]) if d["summary"] else None
            except (TypeError, ValueError) as e:
                raise StoreError(f"{self.path}: run {d['run_id']}: damaged row ({e})") from None
            out.append(d)
        return out

    def series(self, run_id: str, name: str) -> pd.DataFrame:
        if name not in SERIES:
            raise KeyError(f"unknown series {name!r}; known: {', '.join(SERIES)}")
        rows = self._read("SELECT data FROM series WHERE run_id = ? AND name = ?", (run_id, name))
        if not rows:
            raise KeyError(f"run {run_id}: no {name} series (not finished, or failed)")
        try:
            return decode_frame(rows[0][0])
        except (OSError, EOFError, ValueError) as e:  # gzip, UTF-8 or CSV damage
            raise StoreError(f"{self.path}: run {run_id}: damaged {name} series ({e})") from None
