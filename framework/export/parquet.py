"""A sweep's results (or one run folder) as Parquet or CSV tables for pandas, polars, DuckDB.

Rules:
- the tables are the store's own loaders, written as they load: ``runs`` is
  ``load_results`` (one row per run: ``run_id``, ``status``, the axes, ``seed``, every
  scalar metric, ``error``); ``pauses``, ``heap``, ``cycles`` and ``intervals`` are
  ``load_series`` (long format: every finished run's rows, with ``run_id`` and the
  parameters); ``mmu`` and ``bmu`` are ``load_curves``. Reading a Parquet table back with
  pandas gives the loader's frame, values and dtypes;
- a single run folder (``gclab run``'s output) exports as a sweep of one run: ``run_id``
  is the folder's name, the parameter is the config's ``seed``;
- an object column holding values of several types (an axis such as ``[100, "off"]``) is
  written as strings, since a Parquet column has one type;
- pyarrow is optional and needed only for Parquet (``MissingPyarrowError`` says how to get
  it); every file is written to a temporary name and renamed.
"""

from __future__ import annotations

import io
import os
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from framework.cli.usage import BadInputError

FORMATS = ("parquet", "csv")
SERIES_TABLES = ("pauses", "heap", "cycles", "intervals")
CURVES = ("mmu", "bmu")
TABLES = ("runs", *SERIES_TABLES, *CURVES)
PYARROW_HINT = "--format parquet needs pyarrow: pip install 'gclab[parquet]'"
_PANDAS_MAJOR = int(pd.__version__.split(".")[0])


class MissingPyarrowError(ImportError):
    """Parquet was asked for and pyarrow is not installed."""


def require_pyarrow() -> None:
    """Raise ``MissingPyarrowError`` unless pyarrow (with its Parquet module) imports."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise MissingPyarrowError(PYARROW_HINT) from None


def source_kind(folder: str | Path) -> str:
    """``"sweep"`` (holds results.sqlite) or ``"run"`` (gclab run's output); else a
    ``BadInputError`` saying what is allowed."""
    from framework.export.chrome_trace import run_folder_problem
    from framework.sweep.store import DB_NAME

    d = Path(folder)
    if not d.is_dir():
        what = "is a file, not a folder" if d.exists() else "no such folder"
        raise BadInputError(f"{d}: {what}; give a sweep folder or a run folder")
    if (d / DB_NAME).is_file():
        return "sweep"
    if run_folder_problem(d) is None:
        return "run"
    raise BadInputError(
        f"{d}: neither a sweep folder (no {DB_NAME}) nor a run folder (no summary.json "
        "and CSVs); give a folder written by gclab sweep or gclab run"
    )


def load_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Every exported table of ``folder`` (a sweep or a run folder), by name."""
    if source_kind(folder) == "run":
        return _run_tables(Path(folder))
    from framework.sweep.results import load_curves, load_results, load_series

    tables = {"runs": load_results(folder)}
    for name in SERIES_TABLES:
        tables[name] = load_series(folder, name)
    for which in CURVES:
        tables[which] = load_curves(folder, which)
    return tables


def _read_csv(path: Path) -> pd.DataFrame:
    """A run CSV read as the store decodes its series (``worker.decode_frame``)."""
    try:
        text = path.read_text(encoding="utf-8")
        if not text.strip():
            return pd.DataFrame()
        if _PANDAS_MAJOR < 3:  # pandas 3 parses floats round-trip by default
            return pd.read_csv(io.StringIO(text), float_precision="round_trip")
        return pd.read_csv(io.StringIO(text))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise BadInputError(f"{path}: cannot read ({e})") from None


def _run_tables(d: Path) -> dict[str, pd.DataFrame]:
    from framework.export.chrome_trace import read_summary
    from framework.sweep.results import _scalars

    summary = read_summary(d)
    seed: Any = None
    try:
        seed = tomllib.loads((d / "config.toml").read_text("utf-8")).get("run", {}).get("seed")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        seed = None  # config.toml is optional for an export
    rid = d.resolve().name
    row: dict[str, Any] = {"run_id": rid, "status": "ok", "seed": seed}
    row.update(_scalars(summary))
    row["error"] = None
    tables = {"runs": pd.DataFrame([row])}
    for name in SERIES_TABLES:
        df = _read_csv(d / f"{name}.csv")
        df.insert(0, "run_id", [rid] * len(df))
        df.insert(1, "seed", [seed] * len(df))
        tables[name] = df
    for which in CURVES:
        rows = [
            {"run_id": rid, "seed": seed, "window_ns": int(w), "value": float(v)}
            for w, v in (summary.get(which) or {}).items()
        ]
        tables[which] = pd.DataFrame(rows, columns=["run_id", "seed", "window_ns", "value"])
    return tables


def arrow_table(df: pd.DataFrame) -> Any:
    """``df`` as a pyarrow Table (no index); object columns of mixed types as strings."""
    import pyarrow as pa

    df = df.copy(deep=False)
    for col in df.columns:
        if df[col].dtype != object:
            continue
        try:
            pa.array(df[col], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            df[col] = df[col].map(lambda v: v if v is None or v != v else str(v))
    return pa.Table.from_pandas(df, preserve_index=False)


def write_tables(tables: dict[str, pd.DataFrame], out: str | Path, fmt: str) -> list[Path]:
    """Write each table as ``out/<name>.<fmt>``; returns the paths."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    if fmt == "parquet":
        require_pyarrow()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in tables.items():
        path = out / f"{name}.{fmt}"
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        try:
            if fmt == "parquet":
                import pyarrow.parquet as pq

                pq.write_table(arrow_table(df), tmp)
            else:
                df.to_csv(tmp, index=False)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)  # only left if writing failed
        paths.append(path)
    return paths


def export(folder: str | Path, out: str | Path, fmt: str = "parquet") -> dict[Path, int]:
    """Export the sweep or run at ``folder`` into ``out`` as ``fmt`` files: {path: rows}."""
    if fmt == "parquet":
        require_pyarrow()
    tables = load_tables(folder)
    paths = write_tables(tables, out, fmt)
    return {p: len(df) for p, df in zip(paths, tables.values(), strict=True)}
