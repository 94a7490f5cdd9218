"""Every bad-input probe (``probes.py``) gets the clean answer, in process: exit status 2,
a message naming the key or argument, no traceback, nothing written, and no simulation."""

from pathlib import Path

import pytest

from framework.cli import main

from . import probes

PROBES, EXTRA = probes.all_probes()


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    return probes.make_finished_sweep(tmp_path_factory.mktemp("finished"))


def _never(*args, **kwargs):
    raise AssertionError("bad input reached the simulation")


@pytest.mark.parametrize("probe", PROBES, ids=[f"{p.cls}: {p.id}" for p in PROBES])
def test_bad_input_is_answered_cleanly(probe, finished, tmp_path, monkeypatch, capsys):
    from framework import experiment, simulation
    from framework.sweep import runner

    for mod, name in ((simulation, "simulate"), (experiment, "run_study"), (runner, "run_sweep")):
        monkeypatch.setattr(mod, name, _never)
    probes.make_workspace(tmp_path, finished)
    for name, data in EXTRA.items():
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    before = probes.snapshot(tmp_path)
    try:
        code = main(list(probe.argv))
    except SystemExit as e:  # argparse
        code = e.code
    err = capsys.readouterr().err
    assert probes.judge(probe, code, err, before, probes.snapshot(tmp_path)) == "", err


def test_the_probes_cover_every_class():
    assert len(PROBES) >= 224
    assert {p.cls for p in PROBES} == {
        "not UTF-8", "workload name", "numbers", "types", "cross-key", "heap plausibility",
        "sweep axes", "arguments", "--out", "stores and CSVs",
    }  # fmt: skip
