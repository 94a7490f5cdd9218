"""The side-by-side speed harness (experiments/go_reference/speed.py): its rows come from
whole ``gclab run`` processes; ``--before`` times another checkout alongside."""

import pytest

from experiments.go_reference import speed


def test_before_must_be_a_gclab_checkout(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        speed.main(["--only", "bintree_d16", "--before", str(tmp_path)])
    assert e.value.code == 2
    assert "not a gclab checkout" in capsys.readouterr().err


def test_a_row_times_this_checkout_and_the_before_one(capsys, monkeypatch):
    calls = []

    def fake(name, root=speed.ROOT):
        calls.append(root)
        return 1.0, {"alloc_count": 10**6}

    monkeypatch.setattr(speed, "time_gclab", fake)
    assert speed.main(["--only", "bintree_d16", "--before", str(speed.ROOT)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("| work | before (s) | gclab wall (s) | Go wall (s) |")
    assert table[2].startswith("| bintree_d16 | 1.00 | 1.00 |")
    assert calls == [speed.ROOT, speed.ROOT]


def test_gclab_is_run_from_the_checkout_it_times(tmp_path, monkeypatch):
    # `python -m framework` puts the working folder first on sys.path: a run started
    # elsewhere would time that folder's gclab, whatever PYTHONPATH says.
    seen = {}

    def fake_run(cmd, check, env, cwd):
        seen.update(cwd=cwd, path=env["PYTHONPATH"])
        out = cmd[cmd.index("--out") + 1]
        (speed.Path(out) / "summary.json").write_text("{}")

    monkeypatch.setattr(speed.subprocess, "run", fake_run)
    speed.time_gclab("bintree_d16", tmp_path)
    assert seen == {"cwd": tmp_path, "path": str(tmp_path)}
