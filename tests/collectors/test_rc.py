"""Reference counting: counts stay exact, nothing reachable is freed, plain RC leaks exactly
the cyclic garbage, trial deletion frees it, tracing collectors leak nothing."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework.checking.oracle import reachable
from framework.checking.stepper import Stepper
from framework.collectors.rc import RcParams, ReferenceCounting
from framework.config import parse_config
from framework.ops import Op
from framework.runtime import layout as L
from framework.runtime.kernels.rc import collect_cycles, count_stack_refs, reconcile
from framework.simulation import build, simulate

N_SLOTS = 6
N_GLOBALS = 3


def expected_counts(stp: Stepper, count_stacks: bool) -> np.ndarray:
    a = stp.heap.a
    n = stp.heap.nslots
    alloc = a.sl_alloc[:n].astype(bool)
    fields = a.fields[:n]
    used = np.arange(fields.shape[1])[None, :] < a.sl_nfields[:n][:, None]
    refs = fields[alloc[:, None] & used]
    parts = [refs, stp.roots.globals]
    if count_stacks:
        parts.append(stp.roots.stack_slots())
    allrefs = np.concatenate(parts)
    return np.bincount(allrefs[allrefs >= 0], minlength=n)[:n]


def rc_stepper(deferred: bool, cycles: bool) -> Stepper:
    stp = Stepper(1, N_GLOBALS, 2)
    col = ReferenceCounting(RcParams(deferred=deferred, cycle_collection=cycles))
    col._arm(stp.heap)
    stp.run(0, np.array([(Op.PUSH, N_SLOTS, 64, 0)], dtype=np.int32))
    return stp


def random_op(rng: np.random.Generator, stp: Stepper) -> tuple[int, int, int, int]:
    g = stp.roots.goroutines[0]
    s, t = (int(x) for x in rng.integers(0, N_SLOTS, 2))
    k = int(rng.integers(0, 10))
    if k < 3:
        return (Op.ALLOC, s, int(rng.choice([16, 32, 40000])), 2)
    if k < 6 and g.stack[s] >= 0:
        return (Op.STORE, s, int(rng.integers(0, 2)), t if rng.random() < 0.8 else -1)
    if k < 7 and g.stack[s] >= 0:
        return (Op.LOAD, t, s, int(rng.integers(0, 2)))
    if k < 8:
        return (Op.GSTORE, int(rng.integers(0, N_GLOBALS)), s, 0)
    if k < 9:
        return (Op.GLOAD, s, int(rng.integers(0, N_GLOBALS)), 0)
    return (Op.MOVE, s, t, 0) if rng.random() < 0.5 else (Op.CLEAR, s, 0, 0)


@pytest.mark.parametrize(
    ("deferred", "cycles"), [(False, False), (True, False), (False, True), (True, True)]
)
@settings(deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300))
def test_counts_exact_and_nothing_reachable_freed(deferred, cycles, seed, n):
    rng = np.random.default_rng(seed)
    stp = rc_stepper(deferred, cycles)
    a = stp.heap.a
    for step in range(n):
        stp.run(0, np.array([random_op(rng, stp)], dtype=np.int32))
        if step % 17 == 16:  # a collection, as the collector would run it with the world stopped
            stacks = stp.roots.stack_slots()
            if deferred:
                reconcile(stp.heap.a, stacks, stp.heap.work, stp.cost)
            if cycles:
                if deferred:
                    count_stack_refs(stp.heap.a, stacks, 1)
                collect_cycles(stp.heap.a, stp.heap.work, stp.cost)
                if deferred:
                    count_stack_refs(stp.heap.a, stacks, -1)
        a = stp.heap.a
        nsl = stp.heap.nslots
        alloc = a.sl_alloc[:nsl].astype(bool)
        want = expected_counts(stp, count_stacks=not deferred)
        np.testing.assert_array_equal(a.sl_rc[:nsl][alloc], want[alloc])
        reach = reachable(stp.heap, stp.roots)
        assert not (reach & ~alloc).any(), "a reachable object was freed"
        assert (want[~alloc] == 0).all(), "a freed object is still referenced"
    # Eager RC without cycle collection frees every acyclic object the moment it dies.
    if not deferred:
        dead = alloc & ~reach
        stuck = dead & ((a.sl_rcflags[:nsl] & L.RCF_BUFFERED) == 0)
        assert not (stuck & (a.sl_rc[:nsl] == 0)).any()


def cycles_config(collector: dict, structures: int = 20_000) -> dict:
    return {
        "run": {"seed": 3},
        "workload": {
            "name": "cycles",
            "structures": structures,
            "window": 64,
            "live_structures": 16,
            "acyclic_fraction": 0.3,
        },
        "collector": collector,
        "pacer": {"gogc": 10},
    }


def test_plain_rc_leaks_exactly_the_cyclic_garbage():
    data = cycles_config({"name": "rc"})
    cyclic, acyclic = build(parse_config(data)).workload.garbage_bytes_expected()
    assert cyclic > 0 and acyclic > 0
    s = simulate(parse_config(data)).summary
    assert s["leaked_bytes"] == cyclic
    assert s["objects_freed"] > 0  # the acyclic garbage was freed at once


@pytest.mark.parametrize("deferred", [False, True])
def test_trial_deletion_frees_all_cyclic_garbage(deferred):
    data = cycles_config(
        {"name": "rc", "deferred": deferred, "cycle_collection": True, "cycle_buffer": 500}
    )
    r = simulate(parse_config(data), verify=True)
    assert r.violations == []
    s = r.summary
    assert s["leaked_bytes"] == 0 and s["leaked_objects"] == 0
    assert s["pause_rc_cycle_collection_count"] >= 2
    assert s["rc_cycle_collection_freed_objects"] > 0


@pytest.mark.parametrize("collector", [{"name": "stw"}, {"name": "concurrent"}])
def test_tracing_collectors_leak_nothing_on_the_same_stream(collector):
    s = simulate(parse_config(cycles_config(collector))).summary
    assert s["leaked_bytes"] == 0 and s["gc_cycles"] >= 1


def test_cascade_of_a_dropped_list_is_one_goroutine_pause():
    n = 500
    ops = [(Op.PUSH, 2, 16, 0), (Op.ALLOC, 0, 16, 1)]
    for _ in range(n - 1):  # s0 = new node whose next is the previous head (held in s1)
        ops += [(Op.MOVE, 1, 0, 0), (Op.ALLOC, 0, 16, 1), (Op.STORE, 0, 0, 1)]
    ops += [(Op.CLEAR, 1, 0, 0), (Op.CLEAR, 0, 0, 0), (Op.POP, 2, 16, 0)]
    stp = rc_stepper(False, False)
    stp.run(0, np.array(ops[1:], dtype=np.int32))
    assert stp.heap.counter(L.CASCADE_MAX) == n
    assert stp.heap.counter(L.OBJECTS) == 0


def test_summary_reports_rc_metrics_and_cascade_pauses():
    data = {
        "workload": {"name": "binary_trees", "max_depth": 10},
        "collector": {"name": "rc", "cascade_event_objects": 100},
    }
    s = simulate(parse_config(data)).summary
    for key in ("leaked_bytes", "leaked_objects", "rc_ops", "cascade_max_objects"):
        assert key in s
    assert s["cascade_max_objects"] >= 2**10 - 1  # a dropped tree of depth 9 or more
    assert s["pause_rc_cascade_count"] > 0
    assert s["pause_rc_cascade_max_ns"] > 0
    assert s["rc_ns"] > 0


def test_deferred_rc_counts_fewer_operations_but_pauses():
    base = {"workload": {"name": "binary_trees", "max_depth": 10}}
    eager = simulate(parse_config({**base, "collector": {"name": "rc"}})).summary
    deferred = simulate(
        parse_config({**base, "collector": {"name": "rc", "deferred": True, "reconcile_us": 200}})
    ).summary
    assert deferred["rc_ops"] < eager["rc_ops"] / 2
    assert deferred["pause_rc_reconcile_count"] > 0
    assert eager.get("pause_rc_reconcile_count", 0) == 0


def test_unreclaimed_garbage_is_sampled_over_time():
    data = cycles_config({"name": "rc", "leak_sample_us": 200})
    r = simulate(parse_config(data))
    samples = r.log.unreclaimed
    assert len(samples) >= 3
    garbage = [b for _, _, b in samples]
    assert garbage == sorted(garbage)  # plain RC: cyclic garbage only accumulates
    assert garbage[-1] > 0
    assert r.summary["unreclaimed_bytes_max"] == max(garbage)


def test_a_cycle_dropped_by_a_cascade_is_a_candidate_and_collected():
    """Bacon & Rajan: every decrement to a non-zero count buffers a possible root, also the
    decrements of a cascade. x -> a <-> b: dropping x frees x, a's count falls to 1 inside
    the cascade; only that makes the a-b cycle collectable."""
    stp = rc_stepper(False, True)
    a = stp.heap.a
    ops = [(Op.ALLOC, 0, 16, 2), (Op.ALLOC, 1, 16, 2), (Op.STORE, 0, 0, 1), (Op.STORE, 1, 0, 0)]
    ops += [(Op.ALLOC, 2, 16, 2), (Op.STORE, 2, 0, 0), (Op.CLEAR, 0, 0, 0), (Op.CLEAR, 1, 0, 0)]
    stp.run(0, np.array(ops, dtype=np.int32))
    collect_cycles(a, stp.heap.work, stp.cost)  # a and b were candidates: still live
    assert stp.heap.counter(L.OBJECTS) == 3 and stp.heap.counter(L.RCBUF_N) == 0
    stp.run(0, np.array([(Op.CLEAR, 2, 0, 0)], dtype=np.int32))
    assert stp.heap.counter(L.OBJECTS) == 2  # x freed by the cascade
    assert stp.heap.counter(L.RCBUF_N) == 1  # a, decremented by the cascade
    collect_cycles(a, stp.heap.work, stp.cost)
    assert stp.heap.counter(L.OBJECTS) == 0


def test_slots_rc_frees_are_reused_at_once():
    """A slot freed when its count drops to zero is the next one its span hands out (the
    free index moves back to it): a churning stack slot keeps to one span's first two
    slots. Otherwise nothing finds those slots again and the heap grows a span every 128
    allocations."""
    stp = rc_stepper(False, False)
    stp.run(0, np.array([(Op.ALLOC, 0, 64, 0)] * 1000, dtype=np.int32))
    a = stp.heap.a
    assert stp.heap.counter(L.OBJECTS) == 1
    assert stp.heap.counter(L.FREED_OBJECTS) == 999
    assert stp.heap.counter(L.SPANS_INUSE) == 1 and stp.heap.nslots == 128
    assert int(a.sp_freeindex[a.sl_span[stp.roots.goroutines[0].stack[0]]]) <= 2
