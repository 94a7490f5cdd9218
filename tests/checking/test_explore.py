"""Exhaustive exploration (``gclab explore``): every unsafe variant is found with a shortest
story, every correct design is clean within the bound, the sleep-set reduction loses no
state, and the state keys are sound (independent steps commute, statistics and stale slot
contents change nothing, keys round-trip)."""

import random

import numpy as np
import pytest

from framework.checking import explore as ex
from framework.checking.codec import KEEP, STATS, Codec
from framework.checking.driver import CheckDriver
from framework.cli import main
from framework.runtime import layout as L

TEST = ex.TEST
TWO = ex.Scope(goroutines=2, slots=2, globals=1, fields=1, objects=2, cycles=1)
BOUND = 9  # the longest shortest story in TEST below

# Shortest violating runs in TEST (1 goroutine x 2 slots, 1 global, 2 objects x 1 field),
# and the invariant that breaks. Breadth-first search makes these exact minima.
SHORTEST = {
    "none": (7, "reachable but unmarked"),
    "dijkstra-no-rescan": (9, "reachable but unmarked"),
    "hybrid-no-deletion": (8, "weak tri-colour"),
    "hybrid-no-insertion": (5, "weak tri-colour"),
    "hybrid-white": (5, "reachable but unmarked"),
    "yuasa-white": (4, "reachable but unmarked"),
    "hybrid-globals-unbarriered": (5, "weak tri-colour"),
    "dijkstra-globals-unbarriered": (4, "strong tri-colour"),
    "yuasa-globals-unbarriered": (7, "weak tri-colour"),
    "hybrid-skip-g0": (5, "reachable but unmarked"),
    "dijkstra-skip-g0": (5, "reachable but unmarked"),
    "yuasa-skip-g0": (4, "reachable but unmarked"),
}


def test_every_unsafe_design_is_listed():
    assert set(SHORTEST) == {n for n, d in ex.DESIGNS.items() if not d.safe}


@pytest.mark.parametrize("name", list(SHORTEST))
def test_every_unsafe_variant_is_found_with_a_shortest_story(name):
    """... with and without the reduction: sleep sets never miss a shortest violation."""
    steps, broken = SHORTEST[name]
    for reduce in (True, False):
        r = ex.explore(name, TEST, max_depth=BOUND + 1, reduce=reduce)
        assert r.trace is not None, r.summary()
        assert len(r.trace) == steps, r.story
        assert r.story.startswith(f"safety violation after {steps} steps"), r.story
        assert broken in r.story, r.story
        # every shorter run was explored and was clean
        assert r.depth == steps and [lv.depth for lv in r.levels] == list(range(steps))


# Correct designs: the whole TEST state space, and what the mark-termination window holds
# there: (states after mark_done, of which some object is grey).
WINDOW = {"dijkstra": True, "dijkstra-white": True, "yuasa": False, "hybrid": False}
WINDOW["hybrid-go"] = False


@pytest.mark.parametrize("name", [n for n, d in ex.DESIGNS.items() if d.safe])
def test_every_correct_design_is_clean_in_the_whole_test_scope(name):
    n = {"window": 0, "grey": 0}

    def visit(d: CheckDriver, _: int) -> None:
        if d.mark_done_seen:
            n["window"] += 1
            n["grey"] += int(d.st.heap.a.ctr[L.GREY_N] > 0)

    r = ex.explore(name, TEST, time_limit=600, visit=visit)
    assert r.trace is None, r.story
    assert r.complete, r.summary()
    assert r.states == sum(lv.states for lv in r.levels) and r.states > 300
    if name in WINDOW:
        # Between gcMarkDone's transition and the stop the mutators run with the barrier
        # on. Under dijkstra a store can shade a white object a black stack holds (the
        # re-scan's drain takes it); without a re-scan nothing white is left to shade, which
        # is why terminate_mark has no drain of its own (invariants.nothing_grey holds).
        assert n["window"] > 0
        assert (n["grey"] > 0) == WINDOW[name], n


# --- the reduction ---------------------------------------------------------------------------
def _raw(codec: Codec, d: CheckDriver) -> tuple:
    return tuple(codec.parts[i][k] for i, k in enumerate(codec.key(d)))


def _states_by_depth(name: str, scope: ex.Scope, depth: int, reduce: bool):
    """(states seen at each depth, steps executed)."""
    codec = Codec(exact=ex.DESIGNS[name].rc is not None)
    seen: list[set] = [set() for _ in range(depth + 1)]
    r = ex.explore(
        name, scope, depth, reduce=reduce, visit=lambda d, k: seen[k].add(_raw(codec, d))
    )
    return seen, r.transitions


@pytest.mark.parametrize(("name", "depth"), [("hybrid", 5), ("dijkstra-white", 5), ("rc", 5)])
def test_sleep_sets_visit_every_state_at_its_depth(name, depth):
    full, full_steps = _states_by_depth(name, TWO, depth, reduce=False)
    red, red_steps = _states_by_depth(name, TWO, depth, reduce=True)
    assert [len(s) for s in red] == [len(s) for s in full]
    assert red == full
    assert red_steps <= full_steps
    if name != "rc":  # eager RC: every step counts, nothing is independent
        assert red_steps < full_steps


# --- the soundness of states and footprints ---------------------------------------------------
def _sample(name: str, scope: ex.Scope, depth: int, n: int, seed: int = 1):
    """(codec, keys) of n states explored up to depth, chosen at random."""
    codec = Codec(exact=ex.DESIGNS[name].rc is not None)
    keys: list = []
    ex.explore(name, scope, depth, visit=lambda d, k: keys.append(codec.key(d)))
    rng = random.Random(seed)
    return codec, rng.sample(keys, min(n, len(keys)))


def _step(d: CheckDriver, steps: ex.Steps, lab: int) -> bool:
    name, args = steps.names[lab]
    return bool(getattr(d, name)(*args))


SOUNDNESS = ["hybrid", "dijkstra-white", "yuasa", "stw", "rc-deferred", "rc-cycles", "none"]
COMMUTING = [n for n in SOUNDNESS if n != "rc-cycles"]  # eager RC: every step counts


@pytest.mark.parametrize("name", COMMUTING)
def test_independent_steps_commute(name):
    """The diamond property the reduction rests on: two steps the footprints call
    independent are both still enabled after the other, and both orders reach one state."""
    des = ex.DESIGNS[name]
    codec, keys = _sample(name, TWO, 4, 25)
    steps = ex.Steps(des, TWO)
    d = des.driver(TWO)
    rng = random.Random(2)
    pairs = 0
    for key in keys:
        codec.restore(d, key, None)
        if d.check():
            continue
        en = steps.enabled(d)
        ind = [
            (a, b)
            for i, a in enumerate(en)
            for b in en[i + 1 :]
            if ex.independent(a[1], a[2], b[1], b[2])
        ]
        for a, b in rng.sample(ind, min(40, len(ind))):
            ends = []
            for x, y in ((a, b), (b, a)):
                codec.restore(d, key, None)
                assert _step(d, steps, x[0])
                assert y[0] in [e[0] for e in steps.enabled(d)], (steps.names[x[0]], y)
                assert _step(d, steps, y[0])
                ends.append(codec.key(d))
            assert ends[0] == ends[1], (steps.names[a[0]], steps.names[b[0]])
            pairs += 1
    assert pairs > 100


@pytest.mark.parametrize("name", SOUNDNESS)
def test_statistics_and_stale_slots_change_nothing(name):
    """What the key leaves out (counters in STATS, a goroutine's op count, and, for tracing
    collectors, a free slot's stale fields) changes no successor's key or verdict."""
    des = ex.DESIGNS[name]
    codec, keys = _sample(name, TWO, 4, 20)
    steps = ex.Steps(des, TWO)
    d1, d2 = des.driver(TWO), des.driver(TWO)
    rng = np.random.default_rng(3)

    def perturb(d: CheckDriver) -> None:
        a = d.st.heap.a
        stats = np.array(STATS)
        a.ctr[stats] = rng.integers(0, 1 << 20, stats.shape[0])
        for g in d.st.roots.goroutines:
            g.gs[L.G_OPS] = rng.integers(0, 1000)
        if des.rc is None:
            n = d.st.heap.nslots
            free = np.flatnonzero(a.sl_alloc[:n] == 0)[:8]
            a.sl_nfields[free] = 1
            a.fields[free, 0] = rng.integers(-1, 4, free.shape[0])

    checked = 0
    for key in keys:
        codec.restore(d1, key, None)
        codec.restore(d2, key, None)
        perturb(d2)
        assert codec.key(d2) == key
        assert d1.check() == d2.check()
        en = steps.enabled(d1)
        assert en == steps.enabled(d2)
        for lab, _, _ in en:
            codec.restore(d1, key, None)
            codec.restore(d2, key, None)
            perturb(d2)
            assert _step(d1, steps, lab) and _step(d2, steps, lab)
            assert codec.key(d1) == codec.key(d2), steps.names[lab]
            assert bool(d1.check()) == bool(d2.check()), steps.names[lab]
            checked += 1
    assert checked > 200


@pytest.mark.parametrize("name", SOUNDNESS)
def test_keys_round_trip_through_a_fresh_driver(name):
    des = ex.DESIGNS[name]
    codec, keys = _sample(name, TWO, 4, 40)
    for key in keys:
        d = des.driver(TWO)
        codec.restore(d, key, None)
        assert codec.key(d) == key
    assert KEEP.shape[0] + len(STATS) == L.N_COUNTERS


# --- the mark-termination window --------------------------------------------------------------
def test_a_rescan_that_does_not_drain_is_caught(monkeypatch):
    """nothing_grey catches grey objects left at mark termination."""
    from framework.collectors.tricolour import TriColour

    def scan_only(self, heap, roots, cost):
        return sum(self.scan_stack(heap, g, cost) for g in roots.goroutines if not g.finished)

    monkeypatch.setattr(TriColour, "scan_all_stacks", scan_only)
    r = ex.explore("dijkstra", TEST, BOUND)
    assert r.trace is not None
    assert "grey objects left unscanned at mark termination" in r.story, r.story


# --- the command ---------------------------------------------------------------------------------
def test_explore_command_proves_and_finds(capsys):
    assert main(["explore", "hybrid", "--scope", "test", "--depth", "5", "-q"]) == 0
    out = capsys.readouterr().out
    assert "hybrid: no violation in all" in out and "up to depth 5" in out
    assert main(["explore", "yuasa-white", "--scope", "test", "-q"]) == 1
    out = capsys.readouterr().out
    assert "violation after 4 steps" in out and "reachable but unmarked" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["explore"],
        ["explore", "nosuch"],
        ["explore", "hybrid", "--goroutines", "0"],
        ["explore", "hybrid", "--depth", "-1"],
        ["explore", "hybrid", "--time-limit", "0"],
    ],
)
def test_explore_command_rejects_bad_arguments(argv, capsys):
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("gclab: explore:")
