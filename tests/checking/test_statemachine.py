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


def run(machine, examples: int, steps: int = 30) -> None:
    state_machine_test(
        machine,
        settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            database=None,
            derandomize=not THOROUGH,
            suppress_health_check=list(HealthCheck),
        ),
    )


@pytest.mark.parametrize("barrier", ["dijkstra", "yuasa", "hybrid"])
def test_correct_barriers_hold_every_invariant(barrier):
    run(make_state_machine(policy=Policy.for_barrier(barrier)), 1000 if THOROUGH else 60)


@pytest.mark.parametrize(
    ("deferred", "cycles"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_reference_counting_holds_every_invariant(deferred, cycles):
    rc = RcParams(deferred=deferred, cycle_collection=cycles)
    run(make_state_machine(rc=rc), 500 if THOROUGH else 40)


def caught(policy: Policy, examples: int) -> SafetyViolation:
    """Search (generate + targeted phases) until the variant breaks an invariant; the story
    is then shrunk by ``minimize`` (delta debugging on the recorded steps), which is much
    faster than hypothesis's own shrinker here and reaches shorter stories."""
    with pytest.raises(SafetyViolation) as e:
        state_machine_test(
            make_state_machine(policy=policy, shape=SMALL),
            settings(
                max_examples=examples,
                stateful_step_count=30,
                deadline=None,
                database=None,
                derandomize=not THOROUGH,
                phases=[Phase.generate, Phase.target],
                suppress_health_check=list(HealthCheck),
            ),
        )
    return e.value


def test_no_barrier_loses_an_object_and_shrinks_to_a_short_story():
    v = caught(Policy.for_barrier("none"), 2000)
    assert v.steps <= 12, str(v)
    text = str(v)
    assert "GC scans g0's stack" in text and "loads" in text
    assert "reachable but unmarked" in text or "freed while reachable" in text


def test_dijkstra_without_stack_rescan_is_caught():
    v = caught(Policy.for_barrier("dijkstra", rescan_stacks=False), 6000)
    assert v.steps <= 12, str(v)
    assert "re-scanning" not in str(v)
    assert "reachable but unmarked" in str(v) or "freed while reachable" in str(v)


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
    small, failures = minimize(d.trace, pol, None, SMALL)
    assert failures and len(small.story) == 9
    assert "GC starts cycle 1" in small.report(failures)
    assert not any("cycle 2" in line for line in small.story)
