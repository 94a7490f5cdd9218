"""The command line: outputs, exit statuses, and that bad input writes nothing."""

import json
import subprocess
import sys

import pytest

from framework.cli import main

SMALL = """
[run]
seed = 3
gomaxprocs = 2

[workload]
name = "steady"
live_objects = 20000
anchors = 64
replacements = 60000

[pacer]
gogc = 100
"""


@pytest.fixture
def small_config(tmp_path):
    p = tmp_path / "small.toml"
    p.write_text(SMALL)
    return p


def test_run_writes_config_summary_and_series(small_config, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(small_config), "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "config.toml",
        "summary.json",
        "pauses.csv",
        "heap.csv",
        "cycles.csv",
        "intervals.csv",
    } <= names
    s = json.loads((out / "summary.json").read_text())
    for key in [
        "gc_cycles",
        "pause_max_ns",
        "pause_p50_ns",
        "pause_p99_ns",
        "pause_total_ns",
        "gc_cpu_fraction",
        "mutator_utilization",
        "mmu",
        "heap_peak_bytes",
        "heap_live_mean_bytes",
        "heap_goal_mean_bytes",
        "frag_internal",
        "frag_external",
        "sim_time_ns",
        "mutator_ops",
        "alloc_count",
        "alloc_bytes",
        "wall_s",
    ]:
        assert key in s, key
    assert s["gc_cycles"] > 0
    assert "GC cycles" in capsys.readouterr().out
    # The resolved config re-runs to the same result.
    out2 = tmp_path / "out2"
    assert main(["run", str(out / "config.toml"), "--out", str(out2), "-q"]) == 0
    s2 = json.loads((out2 / "summary.json").read_text())
    s.pop("wall_s"), s2.pop("wall_s")
    assert s == s2


def test_set_overrides_a_key(small_config, tmp_path):
    out = tmp_path / "o"
    assert main(["run", str(small_config), "--set", "pacer.gogc=off", "--out", str(out), "-q"]) == 0
    assert json.loads((out / "summary.json").read_text())["gc_cycles"] == 0


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--set", "workload.live_objects=-1"], "workload.live_objects"),
        (["--set", "run.bogus=1"], "run.bogus: unknown key"),
        (["--set", "collector.name=zgc"], "collector"),
        (["--set", "pacer.gogc"], "KEY=VALUE"),
    ],
)
def test_bad_config_exits_2_names_the_key_and_writes_nothing(
    small_config, tmp_path, capsys, extra, needle
):
    out = tmp_path / "never"
    assert main(["run", str(small_config), "--out", str(out), *extra]) == 2
    assert needle in capsys.readouterr().err
    assert not out.exists()


def test_console_script_exit_status_for_bad_arguments(tmp_path):
    r = subprocess.run([sys.executable, "-m", "framework", "run"], capture_output=True, text=True)
    assert r.returncode == 2
    r = subprocess.run(
        [sys.executable, "-m", "framework", "frobnicate"], capture_output=True, text=True
    )
    assert r.returncode == 2


def test_a_stalled_run_exits_1_with_what_it_was_doing(small_config, tmp_path, capsys, monkeypatch):
    from framework import simulation
    from framework.sim.machine import SimulationStalledError

    def stalled(cfg, **_):
        raise SimulationStalledError("deadlock: every goroutine is asleep at 1.000 ms; P0: idle")

    monkeypatch.setattr(simulation, "simulate", stalled)
    out = tmp_path / "out"
    assert main(["run", str(small_config), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "SimulationStalledError: deadlock" in err and "P0: idle" in err
    assert "Traceback" not in err
    assert not out.exists()
