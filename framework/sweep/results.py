"""Reading a sweep's results back as tidy pandas DataFrames, each with one call.

- ``load_results(dir)``: one row per run: ``run_id``, ``status``, the sweep's parameters
  (``variant``, each swept dotted key, ``seed``), every scalar summary metric, and
  ``error`` for failed runs;
- ``load_series(dir, name)``: a run time series (``pauses``, ``heap``, ``cycles``,
  ``intervals``) of every finished run, stacked, with ``run_id`` and the parameters;
- ``load_curves(dir, "mmu" | "bmu")``: the MMU/BMU curves, one row per (run, window).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from framework.sweep.store import Store


def _scalars(summary: dict[str, Any] | None) -> dict[str, Any]:
    if not summary:
        return {}
    return {k: v for k, v in summary.items() if isinstance(v, int | float | str | bool)}


def param_columns(folder: str | Path) -> list[str]:
    """The parameter columns of the sweep at ``folder`` (its axes, then ``seed``)."""
    with Store.reader(folder) as st:
        return [*st.axes(), "seed"]


def load_results(folder: str | Path, include_stale: bool = False) -> pd.DataFrame:
    """One row per run of the sweep at ``folder`` (pending and failed runs included)."""
    with Store.reader(folder) as st:
        axes = [*st.axes(), "seed"]
        rows = []
        for r in st.runs(include_stale):
            row: dict[str, Any] = {"run_id": r["run_id"], "status": r["status"]}
            row.update({k: r["params"].get(k) for k in axes})
            row.update(_scalars(r["summary"]))
            row["error"] = r["error"]
            rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        df = pd.DataFrame(columns=["run_id", "status", *axes, "error"])
    return df


def load_series(folder: str | Path, name: str, run_ids: list[str] | None = None) -> pd.DataFrame:
    """The ``name`` series of every finished run (or of ``run_ids``), with parameters."""
    with Store.reader(folder) as st:
        axes = [*st.axes(), "seed"]
        frames = []
        for r in st.runs():
            if r["status"] != "ok" or (run_ids is not None and r["run_id"] not in run_ids):
                continue
            df = st.series(r["run_id"], name)
            df.insert(0, "run_id", r["run_id"])
            for i, k in enumerate(axes):
                df.insert(1 + i, k, [r["params"].get(k)] * len(df))
            frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["run_id", *axes])
    return pd.concat(frames, ignore_index=True)


def load_curves(folder: str | Path, which: str = "mmu") -> pd.DataFrame:
    """MMU or BMU curves: columns run_id, parameters, ``window_ns``, ``value``."""
    if which not in ("mmu", "bmu"):
        raise KeyError(f"unknown curve {which!r}; known: mmu, bmu")
    with Store.reader(folder) as st:
        axes = [*st.axes(), "seed"]
        rows = []
        for r in st.runs():
            if r["status"] != "ok":
                continue
            base = {"run_id": r["run_id"], **{k: r["params"].get(k) for k in axes}}
            for w, v in (r["summary"].get(which) or {}).items():
                rows.append({**base, "window_ns": int(w), "value": float(v)})
    return pd.DataFrame(rows, columns=["run_id", *axes, "window_ns", "value"])
