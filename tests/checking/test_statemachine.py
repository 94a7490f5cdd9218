"""The hypothesis state machine over the real collector code: correct collectors pass it;
unsafe variants are caught and shrunk to short, readable stories."""

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

from framework.checking.driver import Shape
from framework.checking.statemachine import (
    SafetyViolation,
    make_state_machine,
    state_machine_test,
)
from framework.collectors.rc import RcParams
from framework.collectors.tricolour import Policy

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
SMALL = Shape(goroutines=1, base_slots=2, frame_slots=1, globals=1, fields=2)
# Examples a bug-finding test may use before it fails. Each mutant is found after a few
# hundred to a few thousand examples (docs/checking.md has the figures), and hypothesis's
# search is not exactly repeatable even with `derandomize` (its pool of constants depends
# on the modules loaded), so the budget is far above that: a test stops at its first find.
BUDGET = 20_000


def run(machine, examples: int, steps: int = 30) -> None:
    """Search without hypothesis's shrink phase: a failing run is shrunk by ``minimize``
    (delta debugging on the recorded steps), faster and to shorter stories."""
    state_machine_test(
        machine,
        settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            derandomize=not THOROUGH,
            phases=[Phase.generate, Phase.target],
            suppress_health_check=list(HealthCheck),
        ),
    )


def holds(policy: Policy | None = None, rc: RcParams | None = None, stw: bool = False) -> None:
    """No invariant breaks, in two shapes: two goroutines with more slots (steps across
    goroutines), and the one-goroutine SMALL shape where races line up most often."""
    run(make_state_machine(policy=policy, rc=rc, stw=stw), 1000 if THOROUGH else 60)
    run(
        make_state_machine(policy=policy, rc=rc, stw=stw, shape=SMALL),
        5000 if THOROUGH else 300,
    )


def test_stop_the_world_holds_every_invariant():
    holds(stw=True)


@pytest.mark.parametrize("barrier", ["dijkstra", "yuasa", "hybrid", "hybrid-go"])
def test_correct_barriers_hold_every_invariant(barrier):
    holds(policy=Policy.for_barrier(barrier))


@pytest.mark.parametrize(
    ("deferred", "cycles"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_reference_counting_holds_every_invariant(deferred, cycles):
    holds(rc=RcParams(deferred=deferred, cycle_collection=cycles))


def caught(policy: Policy) -> SafetyViolation:
    """Search until the variant breaks an invariant (``run``); the story is shrunk."""
    with pytest.raises(SafetyViolation) as e:
        run(make_state_machine(policy=policy, shape=SMALL), BUDGET)
    return e.value


def test_no_barrier_loses_an_object_and_shrinks_to_a_short_story():
    v = caught(Policy.for_barrier("none"))
    assert v.steps <= 12, str(v)
    text = str(v)
    # either classic race: a black stack loads the only copy out of an unscanned global,
    # or a grey stack hides one in a scanned global
    assert "GC starts cycle 1" in text and "GC scans" in text and "g0 stores" in text
    assert "reachable but unmarked" in text or "freed while reachable" in text


def test_dijkstra_without_stack_rescan_is_caught():
    v = caught(Policy.for_barrier("dijkstra", rescan_stacks=False))
    assert v.steps <= 12, str(v)
    assert "re-scanning" not in str(v)
    assert "reachable but unmarked" in str(v) or "freed while reachable" in str(v)


LOST = ("reachable but unmarked", "freed while reachable")
BROKEN = (*LOST, "tri-colour invariant broken")

# Further mutants (docs/checking.md): the policy, what the story must show, and the
# invariant that breaks first. Each is the real kernel or TriColour with one part removed.
MUTANTS = {
    # Go's barrier without shade(old): a black stack moves a pointer out of an unscanned
    # global or grey object and nothing shades it.
    "hybrid without its deletion half": (
        Policy.for_barrier("hybrid", barrier_without="deletion"),
        "g0 stores nil into",
        LOST,
    ),
    # Without shade(new) while the stack is grey: a grey stack hides a white object in a
    # scanned global or a black object (the search finds either, depending on what ran
    # before it in the process). (The same design as yuasa without its stack snapshot.)
    "hybrid without its insertion half": (
        Policy.for_barrier("hybrid", barrier_without="insertion"),
        "g0 stores",
        BROKEN,
    ),
    "hybrid allocating white": (
        Policy.for_barrier("hybrid", allocate_black=False),
        "allocates",
        BROKEN,
    ),
    "yuasa allocating white": (
        Policy.for_barrier("yuasa", allocate_black=False),
        "allocates",
        BROKEN,
    ),
    "hybrid skipping globals": (
        Policy.for_barrier("hybrid", barrier_on_globals=False),
        "into global[0]",
        BROKEN,
    ),
    "dijkstra skipping globals": (
        Policy.for_barrier("dijkstra", barrier_on_globals=False),
        "into global[0]",
        BROKEN,
    ),
    "yuasa skipping globals": (
        Policy.for_barrier("yuasa", barrier_on_globals=False),
        "into global[0]",
        BROKEN,
    ),
    "hybrid forgetting a stack": (Policy.for_barrier("hybrid", skip_stack_of=0), "g0", LOST),
    "dijkstra forgetting a stack": (Policy.for_barrier("dijkstra", skip_stack_of=0), "g0", LOST),
    "yuasa forgetting a stack": (Policy.for_barrier("yuasa", skip_stack_of=0), "g0", LOST),
}


@pytest.mark.parametrize("name", list(MUTANTS))
def test_further_mutants_are_caught_with_short_stories(name):
    policy, shown, broken = MUTANTS[name]
    v = caught(policy)
    text = str(v)
    assert v.steps <= 12, text
    assert shown in text, text
    assert any(b in text for b in broken), text


def test_dijkstra_allocating_white_is_safe():
    """The re-scan at mark termination finds a new white object wherever it sits: on a
    stack (re-scanned), or in a heap object or global (the store shaded it)."""
    holds(policy=Policy.for_barrier("dijkstra", allocate_black=False))


def test_minimize_turns_a_long_failing_run_into_the_short_story():
    from framework.checking.driver import CheckDriver
    from framework.checking.minimize import minimize

    pol = Policy.for_barrier("dijkstra", rescan_stacks=False)
    d = CheckDriver(policy=pol, shape=SMALL)
    d.alloc(0, 0), d.gstore(0, 0, 0), d.clear(0, 0)
    d.start_cycle(), d.scan_globals(), d.scan_stack(0), d.drain(1), d.terminate()  # harmless
    d.start_cycle(), d.scan_stack(0)
    d.gload(0, 0, 0), d.gload(0, 0, 0), d.gload(0, 0, 0)
    d.gstore(0, 0, None), d.scan_globals(), d.terminate()
    assert len(d.story) == 16 and d.check()
    small, failures = minimize(d.trace, d.fresh)
    assert failures and len(small.story) == 9
    assert "GC starts cycle 1" in small.report(failures)
    assert not any("cycle 2" in line for line in small.story)


def test_stop_the_world_step_frees_what_was_unreachable_and_keeps_the_rest():
    from framework.checking.driver import CheckDriver

    d = CheckDriver(stw=True, shape=SMALL)
    d.alloc(0, 0), d.gstore(0, 0, 0), d.alloc(0, 1)
    kept, dropped = d._slot(0, 0), d._slot(0, 1)
    d.clear(0, 0), d.clear(0, 1)
    assert d.stw_collect() and d.check() == []
    a = d.st.heap.a
    assert a.sl_alloc[kept] == 1 and a.sl_alloc[dropped] == 0
    assert "GC stops the world" in d.story[-1] and "freeing 1" in d.story[-1]
