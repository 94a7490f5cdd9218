"""The review rules, checked on the drawn figures (not the PNGs): families told apart by
marker and line style, panels that compare share their x axis, plain-number ticks, and an
all-zero metric gets a note rather than a panel."""

from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from framework.plots import metric_vs_axis as mva
from framework.plots.figure_io import log_axis, plain
from framework.plots.sweep_data import load_sweep_data
from framework.plots.sweep_figures import plot_sweep


@pytest.fixture(scope="module")
def drawn(sweep_dir, tmp_path_factory) -> dict[str, Figure]:
    """Every sweep figure, by name, as drawn (recorded at ``savefig``)."""
    figs: dict[str, Figure] = {}
    orig = Figure.savefig

    def record(self, fname, *args, **kwargs):
        figs[Path(fname).stem] = self
        return orig(self, fname, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Figure, "savefig", record)
        plot_sweep(sweep_dir, tmp_path_factory.mktemp("drawn"))
    return figs


def _family_lines(ax, families):
    return [ln for ln in ax.get_lines() if ln.get_label() in families]


@pytest.mark.parametrize("name", ["metric_vs_axis", "mmu", "pause_cdf", "fragmentation"])
def test_families_differ_in_marker_and_line_style(drawn, sweep_dir, name):
    families = load_sweep_data(sweep_dir).families
    for ax in drawn[name].axes:
        lines = _family_lines(ax, families)
        if not lines:
            continue
        assert len(lines) == len(families), (name, ax.get_title())
        assert len({ln.get_marker() for ln in lines}) == len(lines), name
        assert len({str(ln.get_linestyle()) for ln in lines}) == len(lines), name


def test_comparing_panels_share_their_x_axis(drawn):
    for name in (
        "p_timeline",
        "heap_over_time",
        "mmu",
        "pause_cdf",
        "metric_vs_axis",
        "fragmentation",
    ):
        axes = [ax for ax in drawn[name].axes if ax.get_visible() and ax.has_data()]
        assert len(axes) >= 2, name
        shared = axes[0].get_shared_x_axes()
        assert all(shared.joined(axes[0], ax) for ax in axes[1:]), name
        assert len({ax.get_xlim() for ax in axes}) == 1, name


def test_worker_kinds_are_hatched_where_colour_alone_separates(drawn):
    hatches = {c.get_hatch() for ax in drawn["p_timeline"].axes for c in ax.collections}
    assert "////" in hatches  # the fractional worker, as light as the mutator


def test_ticks_are_plain_numbers(drawn):
    for name, fig in drawn.items():
        for ax in fig.axes:
            for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
                text = t.get_text()
                assert "$" not in text and "times" not in text and "e+" not in text, (name, text)
    assert [plain(v) for v in (0.01, 0.5, 60, 1000, 2e6)] == [
        "0.01", "0.5", "60", "1,000", "2,000,000",
    ]  # fmt: skip


def test_log_axis_over_less_than_a_decade_labels_its_ticks():
    fig, ax = plt.subplots()
    ax.plot([8, 96], [55, 330])
    log_axis(ax, "y", 55, 330)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    plt.close(fig)
    assert len(labels) >= 3 and all(lbl.replace(",", "").isdigit() for lbl in labels), labels


def test_an_all_zero_metric_gets_a_note_not_a_panel(sweep_dir, tmp_path, monkeypatch):
    data = load_sweep_data(sweep_dir)
    data.df["frag_internal"] = 0.0
    figs: list[Figure] = []
    monkeypatch.setattr(mva, "save", lambda fig, out, name: figs.append(fig) or [])
    mva.plot_metrics_vs_axis(
        data, tmp_path, ["frag_internal", "frag_external", "gc_cycles"], ncols=3
    )
    (fig,) = figs
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2
    assert all("internal" not in ax.get_title() for ax in visible)
    notes = [t.get_text() for t in fig.texts]
    assert "Not plotted: internal fragmentation is zero in every run." in notes
