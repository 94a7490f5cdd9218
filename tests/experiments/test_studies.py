"""Every named study reproduces its qualitative result at tiny scale, and writes its figures."""

import pytest

from framework import experiment

STUDIES = experiment.names()
# Claims that do not hold yet, each with its measured gap; strict, so the test fails (and
# this entry must go) once the claim holds.
KNOWN_GAPS = {
    "go_validation": "mark wall on held-out noscan_2048b is 0.56 ms vs Go's 0.90 ms (1.6x, "
    "claim 1.5x): the calibrated mark costs are a compromise across the suite (issue 11)",
}


def _param(name: str):
    if name in KNOWN_GAPS:
        return pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_GAPS[name], strict=True))
    return name


def test_the_four_studies_of_issue_3_exist():
    assert {"barriers", "gogc", "stw_vs_concurrent", "pacer_steady_state"} <= set(STUDIES)


@pytest.mark.parametrize("name", [_param(n) for n in STUDIES])
def test_study_holds_at_tiny_scale(name, tmp_path):
    study = experiment.load(name)
    rows = experiment.run_study(study, "tiny", jobs=2)
    assert study.check(rows) == []
    figures = experiment.write_study(study, rows, tmp_path)
    assert figures
    for f in figures:
        assert f.exists() and f.stat().st_size > 5000
    assert (tmp_path / "results.csv").read_text().count("\n") == len(rows) + 1
    assert (tmp_path / "check.txt").read_text().splitlines()[1] == "holds"


def test_unknown_study_is_a_usage_error(capsys):
    from framework.cli import main

    assert main(["experiment", "nope"]) == 2
    assert "unknown experiment 'nope'" in capsys.readouterr().err
