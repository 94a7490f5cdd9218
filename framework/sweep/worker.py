"""What one executor task does: simulate one run and package its outcome.

Rules: a task is a pure function of ``(run_id, config)``; it never touches the store (only
the coordinator writes there); any exception becomes a ``failed`` outcome carrying the
error and its traceback, so one bad run never stops a sweep. Time series travel as
gzip-compressed CSV (``mtime=0``: identical results give identical bytes). A worker
process dies with its coordinator (``die_with``), so a killed sweep leaves no orphan.
"""

from __future__ import annotations

import gzip
import io
import os
import select
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

_PANDAS_MAJOR = int(pd.__version__.split(".")[0])
SERIES = ("pauses", "heap", "cycles", "intervals")


@dataclass
class Outcome:
    run_id: str
    status: str  # "ok" | "failed"
    summary: dict[str, Any] | None = None
    series: dict[str, bytes] = field(default_factory=dict)
    error: str = ""
    traceback: str = ""
    wall_s: float = 0.0
    worker: str = ""  # host:pid that ran it


def encode_frame(df: pd.DataFrame) -> bytes:
    return gzip.compress(df.to_csv(index=False).encode(), mtime=0)


def decode_frame(blob: bytes) -> pd.DataFrame:
    text = gzip.decompress(blob).decode()
    if not text.strip():
        return pd.DataFrame()
    if _PANDAS_MAJOR < 3:  # pandas 3 parses floats round-trip by default
        return pd.read_csv(io.StringIO(text), float_precision="round_trip")
    return pd.read_csv(io.StringIO(text))


def series_frames(log: Any, cycles: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """The run's time series as DataFrames (the columns of ``framework.traces.output``'s CSVs)."""
    from framework.events import Cycle, HeapSample, Pause, PKind

    pf = [f.name for f in fields(Pause)]
    pauses = pd.DataFrame([[getattr(p, n) for n in pf] for p in log.pauses], columns=pf)
    pauses["duration_ns"] = pauses["end_ns"] - pauses["start_ns"]
    hf = [f.name for f in fields(HeapSample)]
    heap = pd.DataFrame([[getattr(s, n) for n in hf] for s in log.samples], columns=hf)
    cyc_cols = [f.name for f in fields(Cycle) if f.name != "extra"]
    cyc = pd.DataFrame(cycles) if cycles else pd.DataFrame(columns=cyc_cols)
    iv = log.intervals
    intervals = pd.DataFrame(
        {
            "p": iv["p"].astype("int64"),
            "start_ns": iv["start_ns"],
            "end_ns": iv["end_ns"],
            "kind": [PKind(int(k)).name.lower() for k in iv["kind"]],
        }
    )
    return {"pauses": pauses, "heap": heap, "cycles": cyc, "intervals": intervals}


def die_with(coordinator: int) -> None:
    """Process-pool initializer: exit at once when process ``coordinator`` dies. Without
    it a SIGKILLed coordinator left its workers blocked on their task queue for ever (each
    holds both ends of its pipes), and with them the forkserver and the resource tracker,
    which exit only once no process holds their pipes."""

    def watch() -> None:
        try:
            fd = os.pidfd_open(coordinator)  # Linux: readable once the process has exited
        except ProcessLookupError:
            os._exit(1)
        except (AttributeError, OSError):
            fd = -1
        if fd >= 0:
            select.select([fd], [], [])
        else:
            while True:
                time.sleep(0.5)
                try:
                    os.kill(coordinator, 0)
                except ProcessLookupError:
                    break
                except PermissionError:  # alive, another user's (cannot happen here)
                    pass
        os._exit(1)

    threading.Thread(target=watch, name="die-with-coordinator", daemon=True).start()


def simulate_config(cfg: Any) -> Any:
    """Run one validated config (a seam for tests that inject failures)."""
    from framework.simulation import simulate

    return simulate(cfg)


def execute(task: tuple[Any, ...]) -> Outcome:
    """Run one sweep task ``(run_id, resolved config dict[, plugin modules])``; never
    raises. The plugin modules (``plugins.outside_modules``) are imported first."""
    rid, config = task[0], task[1]
    who = f"{socket.gethostname()}:{os.getpid()}"
    t0 = time.perf_counter()
    try:
        from framework import plugins
        from framework.config import parse_config

        plugins.ensure(task[2] if len(task) > 2 else ())

        result = simulate_config(parse_config(config, f"run {rid}"))
        summary = dict(result.summary)
        frames = series_frames(result.log, summary.get("cycles", []))
        return Outcome(
            rid,
            "ok",
            summary=summary,
            series={k: encode_frame(v) for k, v in frames.items()},
            wall_s=time.perf_counter() - t0,
            worker=who,
        )
    except Exception as e:  # recorded with its traceback, never lost
        return Outcome(
            rid,
            "failed",
            error=f"{type(e).__name__}: {e}",
            traceback=traceback.format_exc(),
            wall_s=time.perf_counter() - t0,
            worker=who,
        )
