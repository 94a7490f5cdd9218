"""A hypothesis ``RuleBasedStateMachine`` over ``CheckDriver``: each step is a mutator step
on some goroutine or a collector step, drawn from the steps that make sense in the current
state, and every invariant is checked after every step. A failure raises
``SafetyViolation`` whose message is the story of the (shrunk) run.

Why one rule with weighted actions rather than one rule per action: hypothesis draws rules
with a strong bias and wastes steps on rules whose operands do not fit the state. Drawing
the action from the *enabled* actions with fixed weights keeps every step useful and puts
the race-opening steps (starting a cycle, scanning a root, moving pointers between heap and
stack) at a steady rate, so short races are found in hundreds, not tens of thousands, of
examples. Shrinking still deletes whole steps, so stories come out short.

Usage (see tests/checking)::

    Machine = make_state_machine(policy=Policy.for_barrier("hybrid"))
    state_machine_test(Machine, settings(...))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis import target
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from framework.checking.driver import CheckDriver, Shape
from framework.checking.minimize import minimize
from framework.collectors.rc import RcParams
from framework.collectors.tricolour import Policy


class SafetyViolation(AssertionError):  # noqa: N818 - reads as what it is
    """An invariant failed; ``str()`` tells the run as a story, step by step."""

    def __init__(self, story: str, steps: int, driver: CheckDriver | None = None) -> None:
        super().__init__(story)
        self.steps = steps
        self.driver = driver


Action = tuple[str, int, Callable[[Any, Any], object]]


def _mutator_actions(sh: Shape) -> list[Action]:
    def g_of(data: Any) -> int:
        return data.draw(st.integers(0, sh.goroutines - 1), label="g")

    def slot(d: CheckDriver, data: Any, g: int) -> int:
        return data.draw(st.integers(0, d._sp(g) - 1), label="slot")

    def live(d: CheckDriver, data: Any, g: int) -> int | None:
        ss = [s for s in range(d._sp(g)) if d._slot(g, s) >= 0]
        return data.draw(st.sampled_from(ss), label="obj") if ss else None

    def src(d: CheckDriver, data: Any, g: int) -> int | None:
        return data.draw(st.none() | st.integers(0, d._sp(g) - 1), label="src")

    def field(data: Any) -> int:
        return data.draw(st.integers(0, sh.fields - 1), label="field")

    def glob(data: Any) -> int:
        return data.draw(st.integers(0, sh.globals - 1), label="global")

    def gload(d: CheckDriver, data: Any) -> object:
        g = g_of(data)
        return d.gload(g, slot(d, data, g), glob(data))

    def gstore(d: CheckDriver, data: Any) -> object:
        g = g_of(data)
        return d.gstore(g, glob(data), src(d, data, g))

    def load(d: CheckDriver, data: Any) -> object:
        g = g_of(data)
        s = live(d, data, g)
        return s is not None and d.load(g, slot(d, data, g), s, field(data))

    def store(d: CheckDriver, data: Any) -> object:
        g = g_of(data)
        s = live(d, data, g)
        return s is not None and d.store(g, s, field(data), src(d, data, g))

    def alloc(d: CheckDriver, data: Any) -> object:
        g = g_of(data)
        return d.alloc(g, slot(d, data, g))

    def clear(d: CheckDriver, data: Any) -> object:
        g = g_of(data)
        s = live(d, data, g)
        return s is not None and d.clear(g, s)

    def move(d: CheckDriver, data: Any) -> object:
        g = g_of(data)
        return d.move(g, slot(d, data, g), slot(d, data, g))

    def call_or_return(d: CheckDriver, data: Any) -> object:
        g = g_of(data)
        return d.pop(g) if d.pushed[g] else d.push(g)

    return [
        ("gload", 3, gload),
        ("gstore", 3, gstore),
        ("load", 3, load),
        ("store", 3, store),
        ("alloc", 2, alloc),
        ("clear", 2, clear),
        ("move", 1, move),
        ("call_or_return", 1, call_or_return),
    ]


def _enabled_collector_actions(d: CheckDriver) -> list[Action]:
    acts: list[Action] = []
    if d.tc is not None:
        if d.phase != "mark":
            acts.append(("start_cycle", 2, lambda d, data: d.start_cycle()))
        else:
            if d.tc.root_jobs:

                def scan(d: CheckDriver, data: Any) -> object:
                    job = data.draw(st.sampled_from(list(d.tc.root_jobs)), label="root")
                    return d.scan_globals() if job[0] == "globals" else d.scan_stack(job[1])

                acts.append(("scan_root", 4, scan))
            if d.grey_count() > 0:
                acts.append(
                    ("drain", 2, lambda d, data: d.drain(data.draw(st.integers(1, 3), label="k")))
                )
            if d.tc.out_of_work(d.st.heap):
                acts.append(("terminate", 3, lambda d, data: d.terminate()))
        if d.phase == "sweep":
            acts.append(
                ("sweep", 2, lambda d, data: d.sweep(data.draw(st.integers(1, 4), label="k")))
            )
    if d.stw:
        acts.append(("stw_collect", 3, lambda d, data: d.stw_collect()))
    if d.rc is not None:
        if d.rc.deferred:
            acts.append(("reconcile", 2, lambda d, data: d.rc_reconcile()))
        if d.rc.cycle_collection:
            acts.append(("collect_cycles", 2, lambda d, data: d.rc_collect_cycles()))
    return acts


def make_state_machine(
    policy: Policy | None = None,
    rc: RcParams | None = None,
    shape: Shape | None = None,
    stw: bool = False,
) -> type[RuleBasedStateMachine]:
    """A state machine class checking the concurrent ``policy``, stop-the-world mark-sweep
    (``stw``) or the RC configuration ``rc``."""
    sh = shape or Shape()
    mutator = _mutator_actions(sh)

    class GCSafety(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.d = CheckDriver(policy=policy, rc=rc, shape=sh, stw=stw)
            self.danger = 0

        @initialize(data=st.data())
        def setup(self, data: Any) -> None:
            """Hang 1-3 objects off the globals through goroutine 0's real ops, so races
            can start from a populated heap."""
            for i in range(data.draw(st.integers(1, 3), label="objects")):
                self.d.alloc(0, 0)
                self.d.gstore(0, i % sh.globals, 0)
                self.d.clear(0, 0)

        @rule(data=st.data())
        def step(self, data: Any) -> None:
            acts = _enabled_collector_actions(self.d) + mutator
            total = sum(w for _, w, _ in acts)
            pick = data.draw(st.integers(0, total - 1), label="action")
            for _, w, act in acts:
                if pick < w:
                    act(self.d, data)
                    return
                pick -= w

        @invariant()
        def safe(self) -> None:
            self.danger = max(self.danger, min(self.d.danger(), 1))
            failures = self.d.check()
            if failures:
                raise SafetyViolation(self.d.report(failures), len(self.d.story), self.d)

        def teardown(self) -> None:
            # Guide the search towards races (hypothesis.target): white objects that only
            # black things refer to are one barrier or re-scan away from being lost. The
            # score is capped at 1 (in ``safe``): an unbounded one kept hypothesis
            # hill-climbing it instead of generating (docs/checking.md).
            target(float(self.danger), label="white objects at risk")

    GCSafety.__name__ = f"GCSafety_{'stw' if stw else _label(policy, rc)}"
    return GCSafety


def _label(policy: Policy | None, rc: RcParams | None) -> str:
    if policy is not None:
        return policy.barrier
    assert rc is not None
    return "rc" + ("_deferred" if rc.deferred else "") + ("_cycles" if rc.cycle_collection else "")


def state_machine_test(machine: type[RuleBasedStateMachine], settings: Any) -> None:
    """Run ``machine`` as a test under ``settings`` (for users' own checks)."""
    from hypothesis.stateful import run_state_machine_as_test

    try:
        run_state_machine_as_test(machine, settings=settings)
    except SafetyViolation as e:
        d = e.driver
        if d is None:
            raise
        small, failures = minimize(d.trace, d.fresh)
        if not failures or len(small.story) >= e.steps:
            raise
        raise SafetyViolation(small.report(failures), len(small.story), small) from None
