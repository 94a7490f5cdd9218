"""``gclab export``: a sweep's runs table and time series as Parquet (or CSV) files that read
back to the store's own loaders, values and dtypes; a run folder exports as a sweep of one;
Parquet without pyarrow, and other bad input, exit 2 with nothing written."""

import json
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from framework.cli import main
from framework.export.parquet import CURVES, SERIES_TABLES, TABLES
from framework.sweep.results import load_curves, load_results, load_series

from .conftest import tree


@pytest.fixture(scope="session")
def exported(sweep_dir: Path) -> Path:
    assert main(["export", str(sweep_dir), "--format", "parquet"]) == 0
    return sweep_dir / "export"  # the default out


def loader(sweep_dir: Path, name: str) -> pd.DataFrame:
    if name == "runs":
        return load_results(sweep_dir)
    if name in CURVES:
        return load_curves(sweep_dir, name)
    return load_series(sweep_dir, name)


def test_every_table_is_written(exported):
    assert sorted(p.name for p in exported.iterdir()) == sorted(f"{t}.parquet" for t in TABLES)


@pytest.mark.parametrize("name", TABLES)
def test_each_table_reads_back_as_the_stores_loader(exported, sweep_dir, name):
    got = pd.read_parquet(exported / f"{name}.parquet")
    want = loader(sweep_dir, name)
    assert len(got) > 0
    assert_frame_equal(got, want, check_dtype=True, check_exact=True)


def test_runs_table_has_one_row_per_run_with_its_parameters_and_metrics(exported):
    runs = pd.read_parquet(exported / "runs.parquet")
    assert len(runs) == 4 and runs.run_id.is_unique
    assert list(runs.columns[:5]) == ["run_id", "status", "variant", "pacer.gogc", "seed"]
    assert {"gc_cpu_fraction", "pause_total_ns", "heap_peak_bytes", "error"} <= set(runs.columns)
    assert str(runs["pacer.gogc"].dtype) == "int64" and runs.pause_total_ns.dtype == "float64"
    failed = runs[runs.status == "failed"].iloc[0]
    assert (failed.variant, failed["pacer.gogc"]) == ("stw", 25)
    assert failed.error == "RuntimeError: injected failure" and pd.isna(failed.gc_cpu_fraction)
    ok = runs[runs.status == "ok"]
    assert ok.error.isna().all() and (ok.gc_cycles > 0).all()


def test_series_are_long_format_with_a_run_id(exported, sweep_dir):
    runs = pd.read_parquet(exported / "runs.parquet")
    ok = set(runs.run_id[runs.status == "ok"])
    for name in SERIES_TABLES:
        df = pd.read_parquet(exported / f"{name}.parquet")
        assert list(df.columns[:4]) == ["run_id", "variant", "pacer.gogc", "seed"], name
        assert set(df.run_id) == ok, name
    iv = pd.read_parquet(exported / "intervals.parquet")
    summaries = {r["run_id"]: r["summary"] for r in _store_runs(sweep_dir) if r["summary"]}
    busy = (iv.end_ns - iv.start_ns).groupby([iv.run_id, iv.kind]).sum()
    for rid, s in summaries.items():
        assert busy[rid, "mutator"] == s["mutator_ns"]


def _store_runs(sweep_dir: Path) -> list[dict]:
    from framework.sweep.store import Store

    with Store.reader(sweep_dir) as st:
        return st.runs()


def test_parquet_columns_have_native_types(exported):
    import pyarrow.parquet as pq

    schema = pq.read_schema(exported / "runs.parquet")
    assert str(schema.field("run_id").type) in ("string", "large_string")
    assert str(schema.field("pacer.gogc").type) == "int64"
    assert str(schema.field("gc_cpu_fraction").type) == "double"
    schema = pq.read_schema(exported / "intervals.parquet")
    assert [str(schema.field(c).type) for c in ("p", "start_ns", "end_ns")] == ["int64"] * 3


def test_csv_format_needs_no_pyarrow(sweep_dir, tmp_path, monkeypatch, capsys):
    from framework.export import parquet

    def no_pyarrow() -> None:  # (pandas 3 itself uses pyarrow when present: hide only ours)
        raise parquet.MissingPyarrowError(parquet.PYARROW_HINT)

    monkeypatch.setattr(parquet, "require_pyarrow", no_pyarrow)
    out = tmp_path / "csv"
    assert main(["export", str(sweep_dir), "--format", "csv", "--out", str(out)]) == 0
    assert f"{out / 'runs.csv'}  4 rows" in capsys.readouterr().out
    for name in TABLES:
        got = pd.read_csv(out / f"{name}.csv")
        assert_frame_equal(got, loader(sweep_dir, name), check_dtype=False), name


def test_a_run_folder_exports_as_a_sweep_of_one(run_dir, tmp_path):
    out = tmp_path / "x"
    assert main(["export", str(run_dir), "--out", str(out)]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 1 and runs.run_id[0] == run_dir.name and runs.status[0] == "ok"
    assert runs.pause_total_ns[0] == summary["pause_total_ns"]
    assert runs.gc_cpu_fraction[0] == summary["gc_cpu_fraction"]
    for name in SERIES_TABLES:
        df = pd.read_parquet(out / f"{name}.parquet")
        csv = pd.read_csv(run_dir / f"{name}.csv")
        assert (df.run_id == run_dir.name).all()
        assert_frame_equal(df.drop(columns=["run_id", "seed"]), csv, check_dtype=False)
    mmu = pd.read_parquet(out / "mmu.parquet")
    assert dict(zip(mmu.window_ns.astype(str), mmu.value, strict=True)) == summary["mmu"]


def test_missing_pyarrow_is_one_line_exit_2_and_nothing_written(
    sweep_dir, tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    before = tree(sweep_dir)
    out = tmp_path / "never"
    assert main(["export", str(sweep_dir), "--format", "parquet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == "gclab: --format parquet needs pyarrow: pip install 'gclab[parquet]'\n"
    assert not out.exists() and tree(sweep_dir) == before


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("missing", "no such folder; give a sweep folder or a run folder"),
        ("neither", "neither a sweep folder (no results.sqlite) nor a run folder"),
        ("format", "--format 'xlsx': unknown; allowed: parquet, csv"),
        ("out_under_a_file", "is a file, not a folder"),
        ("out_is_a_file", "--out"),
        ("not_a_store", "not a gclab results store"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(sweep_dir, tmp_path, capsys, case, needle):
    target, extra = sweep_dir, []
    if case == "missing":
        target = tmp_path / "nope"
    elif case == "neither":
        target = tmp_path / "plain"
        target.mkdir()
        (target / "notes.txt").write_text("hi")
    elif case == "format":
        extra = ["--format", "xlsx", "--out", str(tmp_path / "never")]
    elif case == "out_under_a_file":
        (tmp_path / "f").write_text("x")
        extra = ["--out", str(tmp_path / "f" / "x")]
    elif case == "out_is_a_file":
        (tmp_path / "f").write_text("x")
        extra = ["--out", str(tmp_path / "f")]
    elif case == "not_a_store":
        target = tmp_path / "bad"
        target.mkdir()
        (target / "results.sqlite").write_text("not SQLite at all, just text\n" * 100)
    if not extra:
        extra = ["--out", str(tmp_path / "never")]
    before, sweep_before = tree(tmp_path), tree(sweep_dir)
    assert main(["export", str(target), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gclab: ") and needle in err and len(err.splitlines()) == 1
    assert tree(tmp_path) == before and tree(sweep_dir) == sweep_before


def test_a_copy_of_the_sweep_exports_into_its_own_folder(sweep_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(sweep_dir, copy, ignore=shutil.ignore_patterns("export"))
    assert main(["export", str(copy), "--format", "csv"]) == 0
    assert sorted(p.name for p in (copy / "export").iterdir()) == sorted(f"{t}.csv" for t in TABLES)


def test_a_column_of_mixed_types_is_written_as_strings(tmp_path):
    from framework.export.parquet import write_tables

    df = pd.DataFrame({"pacer.gogc": pd.Series([100, "off", None], dtype=object), "x": [1, 2, 3]})
    write_tables({"runs": df}, tmp_path, "parquet")
    back = pd.read_parquet(tmp_path / "runs.parquet")
    assert back["pacer.gogc"].tolist()[:2] == ["100", "off"] and pd.isna(back["pacer.gogc"][2])
    assert back.x.tolist() == [1, 2, 3]
