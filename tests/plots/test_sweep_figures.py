"""Every sweep figure type is written as a non-empty PDF and PNG; colours are consistent."""

import shutil

import pytest
from PIL import Image

from framework.cli import main
from framework.plots.palette import BARRIER_COLOURS, COLLECTOR_COLOURS, colour_of
from framework.plots.sweep_data import load_sweep_data

FIGURES = [
    "metric_vs_axis",
    "gc_cpu_vs_heap_overhead",
    "pause_cdf",
    "mmu",
    "heap_over_time",
    "fragmentation",
    "p_timeline",
    "gctrace_compare",
]
GCTRACE = (
    "gc 1 @0.019s 1%: 0.015+1.3+0.022 ms clock, 0.061+0.31/1.1/2.4+0.089 ms cpu, "
    "4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 4 P\n"
    "gc 2 @0.042s 2%: 0.021+2.1+0.030 ms clock, 0.084+0.52/1.9/3.3+0.12 ms cpu, "
    "4->5->2 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 4 P\n"
)


def test_every_figure_type_is_written_and_non_empty(sweep_dir, tmp_path, capsys):
    log = tmp_path / "go.log"
    log.write_text("hello\n" + GCTRACE)
    out = tmp_path / "figs"
    assert main(["plot", str(sweep_dir), "--out", str(out), "--gctrace", str(log)]) == 0
    printed = capsys.readouterr().out
    for name in FIGURES:
        pdf, png = out / f"{name}.pdf", out / f"{name}.png"
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000, name
        assert f"figure: {png}" in printed
        img = Image.open(png).convert("L")
        w, h = img.size
        assert w > 600 and h > 300, name
        lo, hi = img.getextrema()
        assert lo < 100 and hi > 240, name  # ink on paper, not a blank canvas


def test_families_get_collector_colours(sweep_dir):
    data = load_sweep_data(sweep_dir)
    assert data.families == ["hybrid", "stw"]
    assert data.x == "pacer.gogc" and data.family_axes == ["variant"]
    assert data.colours == {
        "hybrid": COLLECTOR_COLOURS["concurrent"],
        "stw": COLLECTOR_COLOURS["stw"],
    }
    assert colour_of("concurrent", "hybrid") == COLLECTOR_COLOURS["concurrent"]
    assert set(BARRIER_COLOURS.values()).isdisjoint(
        {c for k, c in COLLECTOR_COLOURS.items() if k != "concurrent"}
    )
    looks = list(data.looks.values())  # greyscale: each family its own marker and line style
    assert len({(lk.marker, str(lk.linestyle)) for lk in looks}) == len(looks)
    rid = data.representative("stw")
    row = data.df.set_index("run_id").loc[rid]
    assert (row["pacer.gogc"], row["seed"]) == (100, 1)


def test_plot_bad_input_exits_2_and_writes_nothing(sweep_dir, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["plot", str(tmp_path / "nothing"), "--out", str(out)]) == 2
    assert "no sweep results here" in capsys.readouterr().err
    empty = tmp_path / "empty.log"
    empty.write_text("no gc lines here\n")
    assert main(["plot", str(sweep_dir), "--out", str(out), "--gctrace", str(empty)]) == 2
    assert "no gctrace lines found" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_figures_of_a_sweep_without_numeric_axes(sweep_dir, tmp_path):
    """Categorical-only sweeps fall back to points with error bars."""
    from framework.sweep import load_sweep
    from framework.sweep.executors import SerialExecutor
    from framework.sweep.runner import run_sweep
    from framework.sweep.store import Store

    from .conftest import SWEEP

    (tmp_path / "s.toml").write_text(SWEEP.replace('"pacer.gogc" = [25, 100]', ""))
    spec = load_sweep(tmp_path / "s.toml")
    with Store(tmp_path / "o", create=True) as st, SerialExecutor() as ex:
        run_sweep(spec, st, ex, progress=False)
    assert main(["plot", str(tmp_path / "o")]) == 0
    assert len(list((tmp_path / "o" / "figures").glob("*.png"))) == 7
    shutil.rmtree(tmp_path / "o")
