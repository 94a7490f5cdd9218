"""One palette for every figure: every registered plug-in and worker kind has an entry, no
figure module or study hard-codes a colour, and series survive greyscale printing."""

import itertools
import re
from pathlib import Path

import pytest

from framework import collectors, pacer
from framework.collectors import barriers
from framework.events import PKind
from framework.plots import palette
from framework.plots.palette import (
    ACTIVITY,
    ACTIVITY_LABELS,
    BARRIERS,
    COLLECTORS,
    FALLBACK,
    MIN_LUMA_STEP,
    PACERS,
    USED_TOGETHER,
    Look,
    distinct_looks,
    luminance,
)

ROOT = Path(__file__).resolve().parents[2]
FIGURE_CODE = sorted(
    [p for p in (ROOT / "framework" / "plots").glob("*.py") if p.name != "palette.py"]
    + list((ROOT / "experiments").glob("*/study.py"))
)
HEX = re.compile(r"""["']#[0-9a-fA-F]{3,8}["']""")
COLOUR_KW = re.compile(
    r"""\b(colou?r|facecolou?r|edgecolou?r|fc|ec|c|mfc|mec|markerfacecolou?r|"""
    r"""markeredgecolou?r|hatch_colou?r)\s*=\s*["'](?!none["'])"""
)
NAMED = re.compile(r"""["'](tab:\w+|C\d|xkcd:[\w ]+)["']|\bcmap\s*=|plt\.cm\.""")


def test_every_collector_barrier_pacer_and_worker_kind_has_an_entry():
    assert set(collectors.names()) <= set(COLLECTORS)
    assert "rc_cycle" in COLLECTORS  # RC with trial deletion is drawn apart from plain RC
    assert set(barriers.names()) <= set(BARRIERS)  # every built-in barrier
    assert set(pacer.names()) <= set(PACERS)
    kinds = {k.name.lower() for k in PKind}
    assert kinds <= set(ACTIVITY) and kinds <= set(ACTIVITY_LABELS)
    assert BARRIERS["hybrid"] == COLLECTORS["concurrent"]  # Go's barrier is the collector's


@pytest.mark.parametrize("path", FIGURE_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_figure_module_or_study_hard_codes_a_colour(path):
    bad = [
        f"{path.name}:{i}: {line.strip()}"
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if HEX.search(line) or COLOUR_KW.search(line) or NAMED.search(line)
    ]
    assert not bad, "colours belong in framework/plots/palette.py:\n" + "\n".join(bad)


def test_the_grep_would_catch_a_hard_coded_colour():
    for line in ('ax.plot(x, y, color="#c44e52")', "bar(x, y, color='0.6')",
                 'Patch(facecolor="white")', 'ax.plot(x, y, c="tab:red")'):  # fmt: skip
        assert HEX.search(line) or COLOUR_KW.search(line) or NAMED.search(line), line
    assert not COLOUR_KW.search('ax.plot(x, y, mfc="none")')


def test_looks_drawn_together_differ_in_luminance():
    for group, looks in USED_TOGETHER.items():
        for a, b in itertools.combinations(looks, 2):
            gap = abs(luminance(a.colour) - luminance(b.colour))
            assert gap >= MIN_LUMA_STEP, (group, a.colour, b.colour, gap)


def test_every_line_look_has_its_own_marker_and_line_style():
    lines = list({*COLLECTORS.values(), *BARRIERS.values(), *FALLBACK})
    pairs = [(lk.marker, str(lk.linestyle)) for lk in lines]
    assert len(set(pairs)) == len(pairs)
    assert len({lk.marker for lk in lines}) == len(lines)  # markers alone tell them apart
    assert len({str(lk.linestyle) for lk in lines}) == len(lines)  # and line styles alone
    assert len({(lk.marker, str(lk.linestyle)) for lk in PACERS.values()}) == len(PACERS)
    bars = [lk.hatch for lk in COLLECTORS.values()]
    assert len(set(bars)) == len(bars)  # rc_vs_tracing's bars differ in hatch too


def test_worker_kinds_differ_in_luminance_or_hatch():
    kinds = list(ACTIVITY.items())
    paper = ("idle", Look(palette.PAPER, "", "-"))
    for (a, x), (b, y) in itertools.combinations([*kinds, paper], 2):
        gap = abs(luminance(x.colour) - luminance(y.colour))
        assert gap >= MIN_LUMA_STEP or x.hatch != y.hatch, (a, b, gap)


def test_families_that_share_a_look_get_distinct_ones():
    stw = COLLECTORS["stw"]
    looks = distinct_looks([stw, stw, None, BARRIERS["yuasa"]])
    assert looks[0] == stw and looks[3] == BARRIERS["yuasa"]
    assert len({(lk.marker, str(lk.linestyle)) for lk in looks}) == 4
    assert len({lk.colour for lk in looks}) == 4
    many = distinct_looks([None] * (len(FALLBACK) + 3))
    assert len({(lk.marker, str(lk.linestyle)) for lk in many}) == len(many)


def test_collector_looks_follow_the_config():
    assert palette.collector_look({"name": "concurrent", "barrier": "yuasa"}) == BARRIERS["yuasa"]
    rc_cycle = palette.collector_look({"name": "rc", "cycle_collection": True})
    assert rc_cycle == COLLECTORS["rc_cycle"]
    assert palette.collector_look("stw") == COLLECTORS["stw"]
