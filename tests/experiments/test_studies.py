"""Every named study reproduces its qualitative result at tiny scale, and writes its figures."""

import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

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


def _record_figures(monkeypatch) -> list[Figure]:
    """Figures as drawn, recorded at ``savefig``."""
    drawn: list[Figure] = []
    orig = Figure.savefig

    def record(self, fname, *args, **kwargs):
        drawn.append(self)
        return orig(self, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    return drawn


def _check_review_rules(fig: Figure) -> None:
    """Plain-number ticks; bars only on linear axes (a zero bar cannot vanish)."""
    for ax in fig.axes:
        for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
            assert "$" not in t.get_text() and "e+" not in t.get_text(), t.get_text()
        if any(isinstance(p, Rectangle) for p in ax.patches):  # bars
            assert ax.get_yscale() == "linear"


@pytest.mark.parametrize("name", STUDIES)
def test_study_holds_at_tiny_scale(name, tmp_path, monkeypatch):
    study = experiment.load(name)
    rows = experiment.run_study(study, "tiny", jobs=2)
    misses = study.check(rows)
    known = KNOWN_GAPS.get(name, [])
    assert [m.split(":")[0] for m in misses] == known, misses
    drawn = _record_figures(monkeypatch)
    figures = experiment.write_study(study, rows, tmp_path)
    for fig in drawn:
        _check_review_rules(fig)
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


def test_rc_vs_tracing_marks_zero_bars_on_linear_axes(tmp_path, monkeypatch):
    """Zeros (no pause, no leak) are written as "0" on the bar's baseline."""
    study = experiment.load("rc_vs_tracing")
    keys = ("throughput_ops_per_s", "pause_max_ns", "pause_p99_ns", "heap_peak_bytes",
            "leaked_bytes", "rc_ops")  # fmt: skip
    rows = [
        {
            "point": p,
            "summary": {k: (0 if k in ("pause_max_ns", "leaked_bytes") else 1e6) for k in keys},
        }
        for p in study.points("tiny")
    ]
    drawn = _record_figures(monkeypatch)
    study.plot(rows, tmp_path)
    (fig,) = set(drawn)  # one figure, saved as PDF and PNG
    zeros = [t for ax in fig.axes for t in ax.texts if t.get_text() == "0"]
    assert len(zeros) == 2 * len(rows)  # every pause and every leak of the rows
    assert all(ax.get_yscale() == "linear" for ax in fig.axes)


# --- a study is a sweep: one batch system --------------------------------------------------
def _small_study():
    base = {
        "run": {"seed": 1, "gomaxprocs": 2},
        "workload": {"name": "steady", "live_objects": 5000, "anchors": 64, "replacements": 30000},
    }
    return experiment.Study(
        "small",
        "two GOGC values",
        base,
        lambda scale: [{"pacer.gogc": 50, "label": "a"}, {"pacer.gogc": 200, "label": "b"}],
        lambda rows: [],
        lambda rows, out: [],
    )


def test_a_study_runs_as_a_sweep_into_its_folder_and_resumes(tmp_path):
    from framework.sweep.results import load_results
    from framework.sweep.store import Store

    study = _small_study()
    rows = experiment.run_study(study, "tiny", jobs=1, out=tmp_path)
    assert [r["point"]["label"] for r in rows] == ["a", "b"]
    assert rows[0]["summary"]["gc_cycles"] > rows[1]["summary"]["gc_cycles"]
    df = load_results(tmp_path)  # gclab report / export read it as any sweep
    assert sorted(df["pacer.gogc"]) == [50, 200] and set(df.status) == {"ok"}
    again = experiment.run_study(study, "tiny", jobs=1, out=tmp_path)
    assert again == rows
    with Store.reader(tmp_path) as st:
        assert list(st.sessions().submitted) == [2, 0]  # the second call ran nothing


def test_a_failed_study_run_is_recorded_and_the_others_kept(tmp_path, monkeypatch):
    from framework.sweep import worker
    from framework.sweep.results import load_results

    real = worker.simulate_config

    def flaky(cfg):
        if cfg.pacer.gogc == 200:
            raise ValueError("bad luck")
        return real(cfg)

    monkeypatch.setattr(worker, "simulate_config", flaky)
    with pytest.raises(experiment.StudyRunsFailedError, match="bad luck"):
        experiment.run_study(_small_study(), "tiny", jobs=1, out=tmp_path)
    df = load_results(tmp_path)
    assert sorted(df.status) == ["failed", "ok"]
    monkeypatch.setattr(worker, "simulate_config", real)
    with pytest.raises(experiment.StudyRunsFailedError):  # failed runs stay failed ...
        experiment.run_study(_small_study(), "tiny", jobs=1, out=tmp_path)
    rows = experiment.run_study(_small_study(), "tiny", jobs=1, out=tmp_path, retry_failed=True)
    assert len(rows) == 2  # ... until retried
