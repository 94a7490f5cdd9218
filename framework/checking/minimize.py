"""Delta debugging on the *meaning* of a failing run: replay its recorded steps (``CheckDriver
.trace``) with one step left out at a time, keep any shorter run that still breaks an
invariant, until no single step can go. Hypothesis shrinks the encoding of a run; this
shrinks the run itself, which matters when leaving out an early step changes what the
later encoded choices mean.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from framework.checking.driver import CheckDriver

Trace = list[tuple[str, tuple[Any, ...]]]


def replay(trace: Trace, fresh: Callable[[], CheckDriver]) -> tuple[CheckDriver, list[str]]:
    """Run ``trace`` on a fresh driver, checking the invariants after every step as the
    state machine does; stop at the first failure. Steps that no longer make sense are
    refused by the driver and dropped."""
    d = fresh()
    for name, args in trace:
        getattr(d, name)(*args)
        failures = d.check()
        if failures:
            return d, failures
    return d, []


def minimize(trace: Trace, fresh: Callable[[], CheckDriver]) -> tuple[CheckDriver, list[str]]:
    """The shortest failing run reachable by deleting single steps (a 1-minimal run);
    ``fresh`` makes a driver in the initial state (``CheckDriver.fresh``)."""
    d, failures = replay(trace, fresh)
    if not failures:
        return d, failures
    cur = list(d.trace)
    changed = True
    while changed:  # a deletion can make an earlier step deletable: repeat to a fixpoint
        changed = False
        i = len(cur) - 1
        while i >= 0:
            cand = cur[:i] + cur[i + 1 :]
            d2, f2 = replay(cand, fresh)
            if f2:
                d, failures, cur = d2, f2, list(d2.trace)
                i = min(i, len(cur)) - 1
                changed = True
            else:
                i -= 1
    return d, failures
