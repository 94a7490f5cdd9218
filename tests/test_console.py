"""What the command line shows: --version, -q/-v on every command, the run progress bar."""

import io
import json
import sys
from importlib.metadata import version

import pytest

from framework import simulation, workloads
from framework.cli import build_parser, main
from framework.config import parse_config
from framework.runtime import layout as L

SMALL = {
    "run": {"seed": 3, "gomaxprocs": 2},
    "workload": {"name": "steady", "live_objects": 5000, "anchors": 64, "replacements": 30000},
}


@pytest.fixture
def small_config(tmp_path):
    import tomli_w

    p = tmp_path / "small.toml"
    p.write_text(tomli_w.dumps(SMALL))
    return p


def test_version_is_the_installed_distributions(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"gclab {version('gclab')}"


def _commands():
    p = build_parser()
    sub = next(a for a in p._actions if a.dest == "command")
    return sub.choices


def test_every_command_takes_quiet_and_verbose():
    commands = _commands()
    assert {"run", "sweep", "report", "plot", "check", "explore", "schema", "bench"} <= set(
        commands
    )
    for name, cmd in commands.items():
        parsers = [cmd] + [
            nested
            for a in cmd._actions
            if hasattr(a, "choices") and isinstance(a.choices, dict)
            for nested in a.choices.values()
        ]
        for parser in parsers:
            flags = {s for a in parser._actions for s in a.option_strings}
            assert {"-q", "--quiet", "-v", "--verbose"} <= flags, (name, parser.prog)


def test_quiet_run_shows_nothing_and_verbose_shows_detail(small_config, tmp_path, capsys):
    assert main(["run", str(small_config), "--out", str(tmp_path / "a"), "--no-plot", "-q"]) == 0
    got = capsys.readouterr()
    assert got.out == "" and got.err == ""
    assert main(["-v", "run", str(small_config), "--out", str(tmp_path / "b"), "--no-plot"]) == 0
    got = capsys.readouterr()
    assert "GC cycles" in got.out and "resolved config" in got.err
    assert main(["run", str(small_config), "--out", str(tmp_path / "c"), "--no-plot"]) == 0
    got = capsys.readouterr()
    assert "GC cycles" in got.out and "resolved config" not in got.err


def test_quiet_and_verbose_together_are_refused(small_config, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["-q", "run", str(small_config), "--out", str(out), "-v"]) == 2
    assert "-q and -v" in capsys.readouterr().err
    assert not out.exists()


def test_no_progress_bar_when_stderr_is_not_a_terminal(small_config, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(simulation, "PROGRESS_DELAY_S", 0.0)
    assert main(["run", str(small_config), "--out", str(tmp_path / "o"), "--no-plot"]) == 0
    assert "simulating" not in capsys.readouterr().err


def test_progress_bar_counts_allocations_and_changes_nothing(monkeypatch):
    cfg = parse_config(SMALL)
    plain = simulation.simulate(cfg).summary
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(simulation, "PROGRESS_DELAY_S", 0.0)
    monkeypatch.setattr(simulation, "PROGRESS_REFRESH_S", 0.0)
    shown = simulation.simulate(cfg, progress=True).summary
    monkeypatch.undo()
    drawn = err.getvalue()
    assert "simulating" in drawn and "alloc" in drawn and "ms simulated" in drawn
    for s in (plain, shown):
        s.pop("wall_s")
    assert json.dumps(plain, sort_keys=True) == json.dumps(shown, sort_keys=True)


@pytest.mark.parametrize("name", ["steady", "goroutines", "binary_trees", "growing"])
def test_expected_allocations_is_close_to_what_runs_allocate(name):
    cls = workloads.get(name)
    cfg = parse_config({"run": {"seed": 1}, "workload": {"name": name, **cls.smoke_params}})
    m = simulation.build(cfg)
    expected = m.workload.expected_allocations()
    m.run()
    done = int(m.heap.a.ctr[L.TOTAL_ALLOCS])
    assert expected == pytest.approx(done, rel=0.1)
