"""``gclab report``: Markdown and LaTeX (booktabs) tables with mean ± 95% CI and tests.

(It lives next to the figure tests to share their finished sweep.)"""

import pandas as pd
import pytest

from framework.cli import main
from framework.reporting.report import tex_escape
from framework.reporting.stats import mean_ci
from framework.sweep.results import load_results


def test_report_writes_markdown_latex_and_tidy_csvs(sweep_dir, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["report", str(sweep_dir), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    names = {p.name for p in out.iterdir()}
    assert names == {
        "results.md", "results.tex", "comparison.md", "comparison.tex",
        "stats.csv", "comparison.csv", "runs.csv", "report.md",
    }  # fmt: skip
    md = (out / "results.md").read_text().splitlines()
    assert md[0].startswith("| variant | pacer.gogc | GC cycles | GC CPU (%) | max pause (µs)")
    assert len(md) == 2 + 4 + 2  # header, rule, 4 configurations, blank, caption
    df = load_results(sweep_dir)
    sel = df[(df.variant == "stw") & (df["pacer.gogc"] == 25)]
    ci = mean_ci(sel.gc_cpu_fraction)
    row = next(line for line in md if line.startswith("| stw | 25 |"))
    cell = row.split("|")[4].strip()
    assert cell == f"{100 * ci.mean:.1f} ± {100 * ci.half_width:.1f}"
    assert "# figs: results" in printed or "results" in printed

    tex = (out / "results.tex").read_text()
    for needle in ("\\toprule", "\\midrule", "\\bottomrule", "\\begin{tabular}{llrrrrrrrr}"):
        assert needle in tex
    assert "pacer.gogc & GC cycles & GC CPU (\\%)" in tex and "$\\pm$" in tex
    assert "µ" not in tex  # escaped to $\mu$

    comp = pd.read_csv(out / "comparison.csv")
    assert set(comp.variant) == {"stw"} and set(comp.baseline) == {"variant=hybrid"}
    c = comp[(comp["pacer.gogc"] == 25) & (comp.metric == "pause_max_ns")].iloc[0]
    assert c["mean"] > 2 * c["mean_baseline"]  # STW pauses are longer than concurrent ones
    assert c.p_value == pytest.approx(1 / 3)  # exact: the best 2 vs 2 seeds can give
    assert "| stw | 25 |" in (out / "comparison.md").read_text()
    stats = pd.read_csv(out / "stats.csv")
    assert set(stats.columns) == {"variant", "pacer.gogc", "metric", "n", "mean", "std",
                                  "ci_lo", "ci_hi"}  # fmt: skip


def test_report_options_and_bad_input(sweep_dir, tmp_path, capsys):
    out = tmp_path / "rep"
    args = ["report", str(sweep_dir), "--out", str(out)]
    assert main([*args, "--metrics", "gc_cycles", "--baseline", "pacer.gogc=100"]) == 0
    assert "Against pacer.gogc = 100" in (out / "report.md").read_text()
    assert (out / "results.md").read_text().count("|") == 5 * 6  # 4 columns, 6 lines
    bad = tmp_path / "never"
    for extra, needle in [
        (["--metrics", "nope"], "--metrics: unknown nope; available: gc_cycles"),
        (["--baseline", "variant=zgc"], "variant takes the values hybrid, stw"),
        (["--baseline", "colour=red"], "AXIS one of: variant, pacer.gogc"),
    ]:
        assert main(["report", str(sweep_dir), "--out", str(bad), *extra]) == 2
        assert needle in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert not bad.exists()


def test_tex_escape():
    assert tex_escape("a_b & 5% #1 {x} ~ ^ $ \\") == (
        "a\\_b \\& 5\\% \\#1 \\{x\\} \\textasciitilde{} \\textasciicircum{} \\$ \\textbackslash{}"
    )
    assert tex_escape("10 µs") == "10 $\\mu$s"


def test_report_says_when_n_is_too_small_for_significance(sweep_dir, tmp_path):
    out = tmp_path / "rep"
    assert main(["report", str(sweep_dir), "--out", str(out)]) == 0
    report = (out / "report.md").read_text()
    assert "**Too few seeds for significance: with 2 vs 2 seeds the smallest p-value" in report
    assert "is 0.33, so no comparison here can reach p < 0.05" in report
    assert "[sweep] seeds = 4" in report
    assert "Too few seeds for significance" in (out / "comparison.md").read_text()
    assert "p $<$ 0.05" in (out / "comparison.tex").read_text()
    comp = pd.read_csv(out / "comparison.csv")
    assert list(comp.p_smallest_possible) == pytest.approx([1 / 3] * len(comp))
    assert (comp.p_value >= comp.p_smallest_possible - 1e-9).all()


def test_smallest_possible_p_and_the_note():
    from framework.reporting.report import seeds_needed, small_n_note, smallest_p

    assert smallest_p(2, 2) == pytest.approx(1 / 3)
    assert smallest_p(3, 3) == pytest.approx(0.1)
    assert smallest_p(4, 4) == pytest.approx(2 / 70)
    assert smallest_p(5, 5) == pytest.approx(2 / 252)
    assert smallest_p(1, 1) == 1.0 and smallest_p(0, 5) == 1.0
    assert seeds_needed() == 4
    enough = pd.DataFrame({"n_baseline": [5, 5], "n": [5, 4]})
    assert small_n_note(enough) is None
    mixed = pd.DataFrame({"n_baseline": [5, 3], "n": [5, 3]})
    assert "with 3 vs 3 seeds" in small_n_note(mixed)
    assert small_n_note(pd.DataFrame()) is None
