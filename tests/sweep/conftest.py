"""A tiny sweep (runs of ~0.1 s) shared by the sweep tests."""

from pathlib import Path

import pytest

BASE = """
[run]
seed = 1
gomaxprocs = 2

[workload]
name = "steady"
live_objects = 5000
anchors = 64
replacements = 100000
goroutines = 2

[collector]
name = "concurrent"
barrier = "hybrid"
"""

SWEEP = """
base = "base.toml"

[sweep]
name = "tiny"
seeds = 2
"pacer.gogc" = [25, 100]

[sweep.variants.stw]
"collector.name" = "stw"

[sweep.variants.hybrid]
"collector.barrier" = "hybrid"

[sweep.variants.dijkstra]
"collector.barrier" = "dijkstra"
"""


@pytest.fixture
def tiny_sweep(tmp_path: Path) -> Path:
    (tmp_path / "base.toml").write_text(BASE)
    p = tmp_path / "tiny.toml"
    p.write_text(SWEEP)
    return p


def without_wall(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "wall_s"}


@pytest.fixture(scope="session")
def reference(tmp_path_factory):
    """The tiny sweep run serially, uninterrupted: ``(spec, out_dir, {run_id: summary})``."""
    from framework.sweep import load_sweep
    from framework.sweep.executors import SerialExecutor
    from framework.sweep.runner import run_sweep
    from framework.sweep.store import Store

    d = tmp_path_factory.mktemp("reference")
    (d / "base.toml").write_text(BASE)
    (d / "tiny.toml").write_text(SWEEP)
    spec = load_sweep(d / "tiny.toml")
    with Store(d / "out", create=True) as st, SerialExecutor() as ex:
        rep = run_sweep(spec, st, ex, progress=False)
        assert (rep.ok, rep.failed, rep.submitted) == (12, 0, 12)
        summaries = {r["run_id"]: without_wall(r["summary"]) for r in st.runs()}
    return spec, d / "out", summaries
