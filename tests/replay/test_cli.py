"""``gclab replay`` on a small real log: bad input, the reproduction check, a what-if, and
``config.toml`` re-running the replay."""

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from framework.cli import main

DATA = Path(__file__).parent / "data"
LOG = DATA / "small.gctrace.txt"
MEMSTATS = DATA / "small.json"


def _gc_lines() -> list[str]:
    return [line for line in LOG.read_text().splitlines() if line.startswith("gc ")]


@pytest.mark.parametrize(
    ("make", "args", "says"),
    [
        (lambda p: p.write_text("not a log\n"), [], "at least 3"),
        (lambda p: p.write_text("\n".join(_gc_lines()[:2])), [], "at least 3"),
        (
            lambda p: p.write_text("\n".join(f"{line} (forced)" for line in _gc_lines())),
            [],
            "forced",
        ),
        (lambda p: shutil.copy(LOG, p), ["--set", "workload.name=steady"], "workload.name"),
        (lambda p: shutil.copy(LOG, p), ["--set", "pacer.gogc=off"], "memory_limit_mib"),
        (lambda p: shutil.copy(LOG, p), ["--set", "pacer.gogc=0"], "pacer.gogc"),
        (lambda p: shutil.copy(LOG, p), ["--set", "nonsense.key=1"], "nonsense"),
        (lambda p: shutil.copy(LOG, p), ["--memstats", "/no/such.json"], "--memstats"),
        (lambda p: shutil.copy(LOG, p), ["--sweep", "/no/such.toml"], "--sweep"),
        (lambda p: shutil.copy(LOG, p), ["--log-gogc", "0"], "--log-gogc"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, make, args, says):
    log = tmp_path / "app.log"
    make(log)
    out = tmp_path / "out"
    assert main(["replay", str(log), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("gclab: ") and len(err.splitlines()) == 1 and says in err, err
    assert not out.exists()


def test_a_missing_log_is_bad_input(tmp_path, capsys):
    assert main(["replay", str(tmp_path / "none.log"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_sweep_spec_without_axes_is_bad_input(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text("[pacer]\ngogc = 200\n")
    out = tmp_path / "out"
    assert main(["replay", str(LOG), "--sweep", str(spec), "--out", str(out)]) == 2
    assert "[sweep]" in capsys.readouterr().err and not out.exists()


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    out = tmp_path_factory.mktemp("replay") / "small"
    assert main(["replay", str(LOG), "--memstats", str(MEMSTATS), "--out", str(out), "-q"]) == 0
    return out


def test_the_reproduction_check_follows_the_log(replayed):
    from framework.replay.compare import metrics
    from framework.traces.gctrace_import import import_log

    for name in ("config.toml", "summary.json", "replay.md", "replay.png", "cycles.csv"):
        assert (replayed / name).exists(), name
    assert (replayed / "replay.png").stat().st_size > 10_000
    real = metrics(import_log(LOG).cycles, 2)
    sim = metrics(json.loads((replayed / "summary.json").read_text())["cycles"], 2)
    # a short log recorded on a shared machine: looser than the reference programs' 10%
    assert sim["gc_count"] == pytest.approx(real["gc_count"], rel=0.2)
    assert sim["goal_mean_mib"] == pytest.approx(real["goal_mean_mib"], rel=0.15)
    md = (replayed / "replay.md").read_text()
    assert "| GC cycles | 11 |" in md and "reproduction check" in md


def test_config_toml_reruns_the_replay(replayed, tmp_path):
    cfg = tomllib.loads((replayed / "config.toml").read_text())
    assert cfg["workload"]["name"] == "replay"
    out = tmp_path / "again"
    assert main(["run", str(replayed / "config.toml"), "--out", str(out), "-q", "--no-plot"]) == 0
    a = json.loads((replayed / "summary.json").read_text())
    b = json.loads((out / "summary.json").read_text())
    assert a["cycles"] == b["cycles"]


def test_a_higher_gogc_means_fewer_cycles_and_a_higher_goal(replayed, tmp_path):
    out = tmp_path / "gogc200"
    cfg = replayed / "config.toml"
    assert main(["run", str(cfg), "--set", "pacer.gogc=200", "--out", str(out), "-q",
                 "--no-plot"]) == 0  # fmt: skip
    base = json.loads((replayed / "summary.json").read_text())
    what_if = json.loads((out / "summary.json").read_text())
    assert what_if["gc_cycles"] < base["gc_cycles"]
    assert what_if["heap_goal_mean_bytes"] > base["heap_goal_mean_bytes"]


@pytest.mark.slow
def test_a_sweep_writes_its_store_and_the_tradeoff_figure(tmp_path):
    spec = tmp_path / "whatif.toml"
    spec.write_text('[sweep]\nname = "whatif"\n"pacer.gogc" = [50, 200]\n')
    out = tmp_path / "out"
    args = ["replay", str(LOG), "--memstats", str(MEMSTATS), "--sweep", str(spec)]
    assert main([*args, "--out", str(out), "-q", "--jobs", "1"]) == 0
    assert (out / "sweep" / "results.sqlite").exists()
    assert (out / "tradeoff.png").stat().st_size > 10_000
    from framework.sweep.results import load_results

    df = load_results(out / "sweep").sort_values("pacer.gogc")
    assert list(df["pacer.gogc"]) == [50, 200]
    assert df["gc_cycles"].iloc[0] > df["gc_cycles"].iloc[1]


def test_a_binding_memory_limit_means_more_cycles_and_a_lower_peak(replayed, tmp_path):
    out = tmp_path / "limit"
    cfg = replayed / "config.toml"
    assert main(["run", str(cfg), "--set", "pacer.memory_limit_mib=20", "--out", str(out),
                 "-q", "--no-plot"]) == 0  # fmt: skip
    base = json.loads((replayed / "summary.json").read_text())
    limited = json.loads((out / "summary.json").read_text())
    assert limited["gc_cycles"] > base["gc_cycles"]
    assert limited["heap_peak_bytes"] < base["heap_peak_bytes"]


def test_more_ps_keep_a_busy_log_s_goroutine_per_p():
    from types import SimpleNamespace

    from framework.replay.command import with_settings

    config = {"run": {"gomaxprocs": 2}, "workload": {"name": "replay", "goroutines": 2}}
    d = SimpleNamespace(gomaxprocs=2, config=config)
    assert with_settings(d, ["run.gomaxprocs=4"])["workload"]["goroutines"] == 4
    pinned = with_settings(d, ["run.gomaxprocs=4", "workload.goroutines=3"])
    assert pinned["workload"]["goroutines"] == 3
    d.config["workload"]["goroutines"] = 1
    assert with_settings(d, ["run.gomaxprocs=4"])["workload"]["goroutines"] == 1
