"""Small runs (about a second each) and a tiny sweep shared by the export tests."""

from pathlib import Path

import pytest

RUNS = {
    # 4 Ps: a dedicated worker, assists, idle workers, sweeping.
    "concurrent": """
[run]
seed = 3
gomaxprocs = 4

[workload]
name = "steady"
live_objects = 20000
anchors = 64
replacements = 200000
goroutines = 3

[collector]
name = "concurrent"
barrier = "hybrid"

[pacer]
gogc = 50
""",
    # 3 Ps: 0.75 workers, so a fractional one (Go's 30% rule).
    "fractional": """
[run]
seed = 3
gomaxprocs = 3

[workload]
name = "steady"
live_objects = 20000
anchors = 64
replacements = 200000
goroutines = 3

[collector]
name = "concurrent"

[pacer]
gogc = 50
""",
    # Stop the world: every cycle is one pause.
    "stw": """
[run]
seed = 2
gomaxprocs = 2

[workload]
name = "steady"
live_objects = 20000
anchors = 64
replacements = 200000
goroutines = 2

[collector]
name = "stw"
""",
    # Reference counting: cascades are goroutine pauses, RC time on the Ps.
    "rc": """
[run]
seed = 1
gomaxprocs = 2

[workload]
name = "binary_trees"
max_depth = 10

[collector]
name = "rc"
cascade_event_objects = 100
""",
}


@pytest.fixture(scope="session", params=sorted(RUNS))
def run_dir(request, tmp_path_factory) -> Path:
    """A folder written by ``gclab run`` for each of ``RUNS``."""
    from framework.cli import main

    d = tmp_path_factory.mktemp(f"run-{request.param}")
    cfg = d / f"{request.param}.toml"
    cfg.write_text(RUNS[request.param])
    out = d / "run"
    assert main(["run", str(cfg), "--out", str(out), "-q", "--no-plot"]) == 0
    return out


def tree(folder: Path) -> dict[str, int]:
    """Every path under ``folder``, with its mtime for files (to assert nothing was written;
    a folder's own mtime moves when ``out_problem`` probes it)."""
    return {str(p): p.is_file() and p.stat().st_mtime_ns for p in sorted(folder.rglob("*"))}


SWEEP_BASE = """
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
seeds = 1
"pacer.gogc" = [25, 100]

[sweep.variants.stw]
"collector.name" = "stw"

[sweep.variants.hybrid]
"collector.barrier" = "hybrid"
"""


@pytest.fixture(scope="session")
def sweep_dir(tmp_path_factory) -> Path:
    """A finished sweep of 4 runs (stw and hybrid x GOGC 25 and 100), run serially; the
    run stw/GOGC 25 fails (injected), so the store holds a failed row too."""
    from framework.sweep import load_sweep, worker
    from framework.sweep.executors import SerialExecutor
    from framework.sweep.runner import run_sweep
    from framework.sweep.store import Store

    d = tmp_path_factory.mktemp("sweep")
    (d / "base.toml").write_text(SWEEP_BASE)
    (d / "tiny.toml").write_text(SWEEP)
    spec = load_sweep(d / "tiny.toml")
    real = worker.simulate_config

    def boom(cfg):
        if cfg.collector.name == "stw" and cfg.pacer.gogc == 25:
            raise RuntimeError("injected failure")
        return real(cfg)

    worker.simulate_config = boom
    try:
        with Store(d / "out", create=True) as st, SerialExecutor() as ex:
            rep = run_sweep(spec, st, ex, progress=False)
    finally:
        worker.simulate_config = real
    assert (rep.ok, rep.failed) == (3, 1)
    return d / "out"
