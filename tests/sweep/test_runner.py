"""Running sweeps: the store, executors giving identical results, failures recorded, and
the results loading as tidy DataFrames."""

import sqlite3

import pandas as pd
import pytest

from framework.sweep import load_sweep
from framework.sweep.executors import LocalPoolExecutor, SerialExecutor
from framework.sweep.results import load_curves, load_results, load_series
from framework.sweep.runner import run_sweep
from framework.sweep.store import Store, StoreError

from .conftest import without_wall


def _run(spec, out, executor, **kw):
    with Store(out, create=True) as st, executor:
        st.lock()
        return run_sweep(spec, st, executor, progress=False, **kw)


def _results(out):
    with Store(out) as st:
        return {r["run_id"]: r for r in st.runs()}


@pytest.fixture
def serial_results(reference):
    return reference[0], reference[1]


def test_local_pool_gives_identical_results_to_serial(serial_results, tmp_path):
    """(test_dask.py compares a Dask LocalCluster with the same serial reference.)"""
    spec, serial_out = serial_results
    rep = _run(spec, tmp_path / "pool", LocalPoolExecutor(2))
    assert rep.ok == 12 and rep.failed == 0
    a, b = _results(serial_out), _results(tmp_path / "pool")
    assert a.keys() == b.keys() == {r.run_id for r in spec.runs}
    for rid in a:
        assert without_wall(a[rid]["summary"]) == without_wall(b[rid]["summary"])
    with Store(serial_out) as sa, Store(tmp_path / "pool") as sb:
        for rid in a:
            for name in ("pauses", "heap", "cycles", "intervals"):
                pd.testing.assert_frame_equal(sa.series(rid, name), sb.series(rid, name))
    workers = {r["worker"].split(":")[1] for r in b.values()}
    assert len(workers) == 2  # really ran on two processes


def test_seeds_and_parameters_reach_the_runs(serial_results):
    _, out = serial_results
    df = load_results(out)
    assert list(df.columns[:5]) == ["run_id", "status", "variant", "pacer.gogc", "seed"]
    assert len(df) == 12 and (df.status == "ok").all()
    assert set(df.seed) == {1, 2}
    cycles = df.groupby(["variant", "pacer.gogc"])["gc_cycles"].mean()
    for v in ("stw", "hybrid", "dijkstra"):
        assert cycles[(v, 25)] > cycles[(v, 100)] > 0  # GOGC really changed each run
    assert set(df.loc[df.variant == "stw", "collector"]) == {"stw"}
    assert set(df.loc[df.variant != "stw", "collector"]) == {"concurrent"}
    assert df.pause_max_ns.dtype.kind in "if" and df.pause_max_ns.gt(0).all()


def test_series_and_curves_load_with_one_call(serial_results):
    _, out = serial_results
    df = load_results(out)
    pauses = load_series(out, "pauses")
    assert {"run_id", "variant", "pacer.gogc", "seed", "phase", "duration_ns"} <= set(
        pauses.columns
    )
    by_run = df.set_index("run_id")
    counts = pauses.groupby("run_id").size()
    assert counts.to_dict() == by_run.pause_count[by_run.pause_count > 0].to_dict()
    heap = load_series(out, "heap")
    assert set(heap.run_id) == set(df.run_id)
    assert heap.groupby("run_id").t_ns.apply(lambda t: t.is_monotonic_increasing).all()
    iv = load_series(out, "intervals")
    assert {"mutator", "gc_stw"} <= set(iv.kind)
    cyc = load_series(out, "cycles")
    assert cyc.groupby("run_id").size().to_dict() == by_run.gc_cycles.to_dict()
    mmu = load_curves(out, "mmu")
    assert {"window_ns", "value"} <= set(mmu.columns) and mmu.value.between(0, 1).all()


def test_a_failing_run_is_recorded_and_the_others_go_on(tmp_path, monkeypatch):
    from framework.sweep import worker

    spec = load_sweep_from(tmp_path)
    bad = spec.runs[3].run_id
    real = worker.simulate_config

    def boom(cfg):
        if cfg.run.seed == 2 and cfg.pacer.gogc == 100 and cfg.collector.name == "stw":
            raise RuntimeError("injected failure")
        return real(cfg)

    monkeypatch.setattr(worker, "simulate_config", boom)
    rep = _run(spec, tmp_path / "out", SerialExecutor())
    assert (rep.ok, rep.failed) == (11, 1)
    assert [f[0] for f in rep.failures] == [bad]
    row = _results(tmp_path / "out")[bad]
    assert row["status"] == "failed" and row["error"] == "RuntimeError: injected failure"
    assert "Traceback" in row["traceback"] and "boom" in row["traceback"]
    df = load_results(tmp_path / "out")
    assert df.set_index("run_id").loc[bad, "error"] == "RuntimeError: injected failure"
    # a restart runs nothing (failed is finished) unless asked to retry
    monkeypatch.setattr(worker, "simulate_config", real)
    again = _run(spec, tmp_path / "out", SerialExecutor())
    assert again.submitted == 0 and again.failed == 1
    retry = _run(spec, tmp_path / "out", SerialExecutor(), retry_failed=True)
    assert retry.submitted == 1 and (retry.ok, retry.failed) == (12, 0)
    assert _results(tmp_path / "out")[bad]["attempts"] == 2


def load_sweep_from(tmp_path):
    from .conftest import BASE, SWEEP

    (tmp_path / "base.toml").write_text(BASE)
    (tmp_path / "tiny.toml").write_text(SWEEP)
    return load_sweep(tmp_path / "tiny.toml")


def test_extending_a_sweep_runs_only_the_new_points(serial_results, tmp_path):
    import shutil

    spec, out = serial_results
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    from .conftest import BASE, SWEEP

    (tmp_path / "base.toml").write_text(BASE)
    (tmp_path / "tiny.toml").write_text(SWEEP.replace("[25, 100]", "[25, 50, 100]"))
    bigger = load_sweep(tmp_path / "tiny.toml")
    rep = _run(bigger, copy, SerialExecutor())
    assert rep.planned == 18 and rep.submitted == 6 and rep.ok == 18
    assert len(load_results(copy)) == 18
    smaller = load_sweep(spec.source)
    with Store(copy) as st:
        st.register(smaller)
        assert len(st.runs()) == 12 and len(st.runs(include_stale=True)) == 18


def test_store_refuses_another_sweep_and_a_second_runner(serial_results, tmp_path):
    spec, out = serial_results
    other = type(spec)("other", "x", "", [], [1], [])
    with Store(out) as st, pytest.raises(StoreError, match="holds results of sweep 'tiny'"):
        st.register(other)
    with Store(out) as a, Store(out) as b:
        a.lock()
        with pytest.raises(StoreError, match="another sweep is running"):
            b.lock()
    with pytest.raises(StoreError, match="no sweep results here"):
        Store(tmp_path / "empty")


def test_an_outcome_is_all_or_nothing(tmp_path):
    """A transaction that dies half-way leaves the run pending with no series."""
    from framework.sweep.worker import Outcome

    spec = load_sweep_from(tmp_path)
    with Store(tmp_path / "out", create=True) as st:
        st.register(spec)
        rid = spec.runs[0].run_id
        bad = Outcome(rid, "ok", summary={"x": 1}, series={"pauses": b"a", "heap": None})
        with pytest.raises(sqlite3.IntegrityError):
            st.record(bad)
        assert st.status()[rid] == "pending"
        assert st.db.execute("SELECT COUNT(*) FROM series").fetchone()[0] == 0


def test_a_store_killed_before_its_tables_existed_opens(tmp_path):
    """A kill between creating results.sqlite and its tables must not wedge the folder."""
    (tmp_path / "results.sqlite").touch()
    spec = load_sweep_from(tmp_path)
    with Store(tmp_path) as st:
        assert st.meta() == {} and st.status() == {}
        st.check_compatible(spec)
        st.register(spec)
        assert st.counts()["pending"] == 12
