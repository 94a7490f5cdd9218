"""framework.api is the CLI's path in Python: the same config validation and messages, the
same overrides as ``--set``, the same simulation and the same sweep store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import tomli_w

import framework
from framework import api
from framework.cli import main
from framework.config import ConfigError, load_config

CONFIG: dict[str, Any] = {
    "run": {"seed": 3, "gomaxprocs": 2},
    "workload": {"name": "steady", "live_objects": 5000, "anchors": 64, "replacements": 60000},
    "collector": {"name": "concurrent", "barrier": "hybrid"},
    "pacer": {"gogc": 100},
}


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    p = tmp_path / "small.toml"
    p.write_text(tomli_w.dumps(CONFIG))
    return p


def _cli_summary(config: Path, out: Path, *sets: str) -> dict[str, Any]:
    args = ["run", str(config), "--out", str(out), "--no-plot", "-q"]
    assert main([*args, *(a for s in sets for a in ("--set", s))]) == 0
    summary = json.loads((out / "summary.json").read_text())
    del summary["wall_s"]
    return summary


def _summary(run: api.Run) -> dict[str, Any]:
    """As summary.json holds it (JSON keys are strings), without the wall time."""
    out = json.loads(json.dumps(run.summary))
    del out["wall_s"]
    return out


def test_run_from_a_dict_equals_gclab_run(config_file: Path, tmp_path: Path) -> None:
    run = api.run(CONFIG)
    assert _summary(run) == _cli_summary(config_file, tmp_path / "cli")
    assert _summary(api.run(config_file)) == _summary(run)  # from the file too
    assert _summary(api.run(run.config)) == _summary(run)  # and from its Config
    assert framework.run is api.run  # re-exported lazily
    # The time series are the run's CSVs as DataFrames.
    assert len(run.cycles) == run.summary["gc_cycles"] > 0
    assert len(run.pauses) == len(run.result.log.pauses) > 0
    assert {"t_ns", "heap_live", "goal"} <= set(run.heap.columns)
    saved = run.save(tmp_path / "saved")
    cli_heap = pd.read_csv(tmp_path / "cli" / "heap.csv")
    pd.testing.assert_frame_equal(pd.read_csv(saved / "heap.csv"), cli_heap)
    pd.testing.assert_frame_equal(run.heap, cli_heap, check_dtype=False)
    assert "GC cycles" in str(run)


def test_overrides_are_set_arguments(config_file: Path, tmp_path: Path) -> None:
    over = {"pacer.gogc": 200, "collector.barrier": "yuasa", "workload.live_objects": 4000.0}
    sets = ["pacer.gogc=200", 'collector.barrier="yuasa"', "workload.live_objects=4000.0"]
    assert api.set_args(over) == sets
    expected = load_config(config_file, sets)
    assert api.load(CONFIG, **over) == expected
    assert api.load(config_file, **over) == expected
    assert api.load(CONFIG, pacer__gogc=200, collector={"barrier": "yuasa"}, **{
        "workload.live_objects": 4000
    }) == expected  # fmt: skip
    assert api.load(CONFIG, **{"metrics.mmu_windows_us": [10, 1000]}) == load_config(
        config_file, ["metrics.mmu_windows_us=[10, 1000]"]
    )
    run = api.run(CONFIG, **{"pacer.gogc": 200})
    assert run.config.pacer.gogc == 200 and CONFIG["pacer"]["gogc"] == 100  # not mutated
    assert _summary(run) == _cli_summary(config_file, tmp_path / "cli", "pacer.gogc=200")
    assert run.summary["gc_cycles"] < api.run(CONFIG).summary["gc_cycles"]


def test_a_bad_key_raises_the_cli_message(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli"
    assert main(["run", str(config_file), "--out", str(out), "--set", "pacer.gogcc=200"]) == 2
    cli = capsys.readouterr().err
    with pytest.raises(ConfigError) as from_file:
        api.run(config_file, **{"pacer.gogcc": 200})
    assert cli == f"gclab: {from_file.value}\n"
    assert "pacer.gogcc: unknown key; allowed keys here: gogc" in cli
    with pytest.raises(ConfigError) as from_dict:
        api.run(CONFIG, **{"pacer.gogcc": 200})
    assert from_dict.value.messages == from_file.value.messages
    bad = {**CONFIG, "pacer": {"gogcc": 200}}  # the same key in the dict itself
    with pytest.raises(ConfigError) as in_dict:
        api.run(bad)
    assert in_dict.value.messages == from_file.value.messages
    with pytest.raises(ConfigError, match=r"pacer\.gogc: cannot set None"):
        api.run(CONFIG, **{"pacer.gogc": None})
    assert not out.exists()


SWEEP = {
    **CONFIG,
    "sweep": {
        "name": "api",
        "seeds": 2,
        "variants": {"hybrid": {}, "stw": {"collector.name": "stw"}},
    },
}


def test_sweep_runs_into_the_store_and_loads_back(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    done = api.sweep(SWEEP, out, executor="serial", progress=False, **{"pacer.gogc": 50})
    assert (done.report.planned, done.report.ok, done.report.failed) == (4, 4, 0)
    runs = api.load_runs(out)
    assert list(runs.columns[:4]) == ["run_id", "status", "variant", "seed"]
    assert (runs.status == "ok").all() and "gc_cpu_fraction" in runs
    assert runs[["variant", "seed"]].values.tolist() == [
        ["hybrid", 3], ["hybrid", 4], ["stw", 3], ["stw", 4]
    ]  # fmt: skip
    pd.testing.assert_frame_equal(done.runs(), runs)
    # Each run is the run api.run makes of its config.
    stw = api.run({**CONFIG, "collector": {"name": "stw"}}, **{"pacer.gogc": 50, "run.seed": 4})
    row = runs[(runs.variant == "stw") & (runs.seed == 4)].iloc[0]
    for k in ("gc_cycles", "pause_max_ns", "heap_peak_bytes", "gc_cpu_fraction"):
        assert row[k] == stw.summary[k], k
    heap = api.load_series(out, "heap")
    assert set(heap.run_id) == set(runs.run_id)
    mine = heap[heap.run_id == row.run_id].drop(columns=["run_id", "variant", "seed"])
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), stw.heap, check_dtype=False)
    # Again: nothing left to run.
    again = api.sweep(SWEEP, out, executor="serial", progress=False, **{"pacer.gogc": 50})
    assert (again.report.submitted, again.report.ok) == (0, 4)
    with pytest.raises(KeyError, match="known: heap"):
        api.load_series(out, "heaps")
    with pytest.raises(ConfigError, match="base: a sweep given as a dict"):
        api.sweep({**SWEEP, "base": "x.toml"}, tmp_path / "other")
    with pytest.raises(ConfigError, match="is swept by"):
        api.sweep(SWEEP, tmp_path / "other", **{"collector.name": "stw"})
