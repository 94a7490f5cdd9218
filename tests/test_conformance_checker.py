"""The public conformance checker (framework.conformance): every built-in passes it."""

import pytest

from framework import collectors, conformance, pacer, workloads
from framework.collectors import barriers


@pytest.mark.parametrize(
    "name, kind",
    [("steady", "workload"), ("stw", "collector"), ("hybrid", "barrier"), ("go119", "pacer")],
)
def test_one_builtin_of_each_kind_conforms(name, kind):
    rep = conformance.check(name)
    assert rep.kind == kind and rep.ok, str(rep)
    assert rep.runs >= 2


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        *workloads.names(),
        *collectors.names(),
        *(b for b in barriers.names() if b != "none"),
        *pacer.names(),
    ],
)
def test_every_builtin_conforms(name):
    conformance.assert_conforms(name)


def test_the_no_barrier_baseline_is_reported_unsafe():
    rep = conformance.check("none", "barrier")
    assert not rep.ok and any("exhaustive check" in p for p in rep.problems)


def test_unknown_names_say_what_exists():
    with pytest.raises(KeyError, match="registered workload, collector, barrier or pacer"):
        conformance.kind_of("nope")
