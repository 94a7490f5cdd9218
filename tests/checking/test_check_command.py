"""``gclab check``: a clean configuration passes, an unsafe one is reported with exit 1."""

from pathlib import Path

from framework.cli import main

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "check_none.toml"


def run_check(capsys, barrier: str) -> tuple[int, str]:
    code = main(["check", str(CONFIG), "--set", f"collector.barrier={barrier}"])
    return code, capsys.readouterr().out


def test_clean_configuration_passes(capsys):
    code, out = run_check(capsys, "hybrid")
    assert code == 0, out
    assert "no violations" in out


def test_missing_barrier_is_reported_with_cycle_object_and_path(capsys):
    code, out = run_check(capsys, "none")
    assert code == 1, out
    assert "violation(s)" in out
    assert "cycle " in out and " -> o" in out and "global[" in out


def test_bad_config_is_a_usage_error(tmp_path, capsys):
    p = tmp_path / "bad.toml"
    p.write_text('[workload]\nname = "shuffle"\nslots = -1\n')
    assert main(["check", str(p)]) == 2
    assert "workload.slots" in capsys.readouterr().err
