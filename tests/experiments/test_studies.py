"""Every named study reproduces its qualitative result at tiny scale, and writes its figures."""

import pytest

from framework import experiment

STUDIES = experiment.names()
# Claims that do not hold yet, by the claim's label, each with its measured gap (issue 11):
# the test asserts exactly these misses, so it fails when one closes (remove it here) or when
# another claim breaks.
KNOWN_GAPS = {
    # held-out noscan_2048b: mark wall 0.56 ms vs Go's 0.90 ms (1.6x, claim 1.5x); the
    # calibrated mark costs are a compromise across the suite
    "go_validation": ["mark wall mean (ms)"],
}


def test_the_four_studies_of_issue_3_exist():
    assert {"barriers", "gogc", "stw_vs_concurrent", "pacer_steady_state"} <= set(STUDIES)


@pytest.mark.parametrize("name", STUDIES)
def test_study_holds_at_tiny_scale(name, tmp_path):
    study = experiment.load(name)
    rows = experiment.run_study(study, "tiny", jobs=2)
    misses = study.check(rows)
    known = KNOWN_GAPS.get(name, [])
    assert [m.split(":")[0] for m in misses] == known, misses
    figures = experiment.write_study(study, rows, tmp_path)
    assert figures
    for f in figures:
        assert f.exists() and f.stat().st_size > 5000
    assert (tmp_path / "results.csv").read_text().count("\n") == len(rows) + 1
    verdict = "does not hold:" if known else "holds"
    assert (tmp_path / "check.txt").read_text().splitlines()[1] == verdict


def test_unknown_study_is_a_usage_error(capsys):
    from framework.cli import main

    assert main(["experiment", "nope"]) == 2
    assert "unknown experiment 'nope'" in capsys.readouterr().err
