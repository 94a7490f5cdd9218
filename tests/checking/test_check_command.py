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


HEAP_CONFIG = CONFIG.parent / "check_hybrid_without_deletion.toml"


def test_hybrid_without_its_deletion_half_is_caught_in_a_whole_simulation(capsys):
    code = main(["check", str(HEAP_CONFIG)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "without its deletion half" in out
    # the lost object hangs off a heap container: the path goes through a field
    assert "reachable but unmarked" in out and ".f" in out


def test_the_whole_hybrid_barrier_is_clean_on_the_same_workload(capsys):
    code = main(["check", str(HEAP_CONFIG), "--set", "collector.barrier_without="])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "no violations" in out
