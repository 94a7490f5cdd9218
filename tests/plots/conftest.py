"""A small finished sweep (2 variants x 2 GOGC x 2 seeds) for report and figure tests."""

import pytest

SWEEP = """
[run]
gomaxprocs = 2

[workload]
name = "steady"
live_objects = 20000
anchors = 64
replacements = 200000

[collector]
name = "concurrent"

[sweep]
name = "figs"
seeds = 2
"pacer.gogc" = [25, 100]

[sweep.variants.hybrid]
"collector.barrier" = "hybrid"

[sweep.variants.stw]
"collector.name" = "stw"
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    from framework.cli import main

    d = tmp_path_factory.mktemp("figs")
    (d / "figs.toml").write_text(SWEEP)
    args = ["sweep", str(d / "figs.toml"), "--out", str(d / "out"), "-q", "--executor", "serial"]
    assert main(args) == 0
    return d / "out"
