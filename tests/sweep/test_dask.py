"""The same sweep on a Dask LocalCluster gives results identical to the local pool's."""

import pytest

from framework.cli import main
from framework.sweep.executors import dask_available
from framework.sweep.store import Store

from .conftest import without_wall

pytestmark = pytest.mark.skipif(
    not dask_available(), reason="dask[distributed] is not installed (pip install 'gclab[dask]')"
)


def _summaries(out):
    with Store(out) as st:
        rows = st.runs()
    assert rows and all(r["status"] == "ok" for r in rows)
    return {r["run_id"]: without_wall(r["summary"]) for r in rows}, {r["worker"] for r in rows}


def test_dask_local_cluster_matches_serial_and_local_pool(tiny_sweep, tmp_path, reference):
    """The local pool is compared with the same serial reference in test_runner.py."""
    dask_out = tmp_path / "dask"
    args = ["sweep", str(tiny_sweep), "-q", "--jobs", "2"]
    assert main([*args, "--executor", "dask", "--out", str(dask_out)]) == 0
    d, dask_workers = _summaries(dask_out)
    assert len(d) == 12 and d == reference[2]
    assert len(dask_workers) == 2  # both cluster workers ran runs
    with Store(dask_out) as st:
        assert st.sessions().executor.tolist() == ["dask x2"]


def test_unreachable_scheduler_exits_2_and_writes_nothing(
    tiny_sweep, tmp_path, capsys, monkeypatch
):
    from framework.sweep.executors import DaskExecutor

    monkeypatch.setattr(DaskExecutor, "connect_timeout", "1s")
    out = tmp_path / "never"
    args = ["sweep", str(tiny_sweep), "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"]
    assert main([*args, "--out", str(out)]) == 2
    assert "--scheduler tcp://127.0.0.1:9: cannot connect" in capsys.readouterr().err
    assert not out.exists()
