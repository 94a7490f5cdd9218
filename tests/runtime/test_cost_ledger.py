"""The cost ledger: every simulated nanosecond of mutator work is a counted event times one
``[cost]`` entry, so a calibration can fit the costs by least squares; and the cost terms
Go's runtime needs (noscan objects marked without a scan, cache misses, pointer bitmaps)."""

import numpy as np
import pytest

from framework.checking.stepper import Stepper
from framework.collectors.tricolour import Policy, TriColour
from framework.config import parse_config
from framework.ops import Op, op_array
from framework.runtime import layout as L
from framework.simulation import simulate

COST = {
    "alloc_ns": 17.0,
    "alloc_byte_ns": 0.07,
    "alloc_scan_byte_ns": 0.03,
    "span_alloc_ns": 450.0,
    "store_ns": 1.5,
    "load_ns": 1.25,
    "push_ns": 2.5,
    "pop_ns": 1.75,
    "slot_ns": 0.5,
    "compute_ns": 1.0,
    "miss_ns": 60.0,
    "cache_mib": 1.0,
}


def test_mutator_time_is_the_ledger_times_the_costs():
    cfg = parse_config(
        {
            "run": {"gomaxprocs": 1},
            "workload": {"name": "steady", "live_objects": 40_000, "replacements": 100_000},
            "pacer": {"gogc": "off"},  # no GC: every busy ns is the mutator's
            "cost": COST,
        }
    )
    s = simulate(cfg).summary
    c = COST
    predicted = (
        s["ledger_op_alloc"] * c["alloc_ns"]
        + s["ledger_alloc_bytes"] * c["alloc_byte_ns"]
        + s["ledger_alloc_scan_bytes"] * c["alloc_scan_byte_ns"]
        + s["ledger_span_allocs"] * c["span_alloc_ns"]
        + (s["ledger_op_store"] + s["ledger_op_gstore"]) * c["store_ns"]
        + (s["ledger_op_load"] + s["ledger_op_gload"]) * c["load_ns"]
        + s["ledger_op_push"] * c["push_ns"]
        + s["ledger_op_pop"] * c["pop_ns"]
        + s["ledger_slots"] * c["slot_ns"]
        + s["ledger_compute_units"] * c["compute_ns"]
        + s["ledger_misses"] * c["miss_ns"]
    )
    assert s["ledger_misses"] > 0  # the heap outgrew the 1 MiB cache
    assert s["ledger_alloc_scan_bytes"] > 0
    assert s["mutator_ns"] == pytest.approx(predicted, rel=1e-6)  # intervals are whole ns


def test_pointer_free_objects_are_marked_black_without_a_scan():
    st = Stepper(n_goroutines=1, n_globals=8, max_fields=1)
    rows = [(Op.PUSH, 1, 16, 0)]
    for i in range(8):  # even globals: pointer-free objects; odd: one (nil) pointer field
        rows += [(Op.ALLOC, 0, 32, i % 2), (Op.GSTORE, i, 0, 0)]
    st.run(0, op_array([*rows, (Op.CLEAR, 0, 0, 0), (Op.POP, 1, 16, 0)]))
    tc = TriColour(Policy.for_barrier("hybrid-go"))
    tc.begin_cycle(st.heap, st.roots, st.cost)
    tc.mark_slice(st.heap, st.roots, 1e9, st.cost, max_work=64)  # the globals
    ctr = st.heap.a.ctr
    queued = st.heap.a.grey[: int(ctr[L.GREY_N])]
    assert int(ctr[L.NOSCAN_MARKED]) == 4 and int(ctr[L.MARKED_OBJECTS]) == 8
    assert len(queued) == 4 and np.all(st.heap.a.sl_nfields[queued] == 1)
    work, _, _ = tc.mark_slice(st.heap, st.roots, 1e9, st.cost)
    assert work == 4 * 8  # only the pointer-holding objects are scanned
    assert int(ctr[L.OBJECTS_SCANNED]) == 4


def test_the_fixed_per_cycle_mark_cost_lengthens_every_mark_phase():
    def run(mark_cycle_ns):
        cfg = parse_config(
            {
                "run": {"gomaxprocs": 1},
                "workload": {"name": "steady", "live_objects": 20_000, "replacements": 200_000},
                "collector": {"name": "concurrent", "barrier": "hybrid-go"},
                "cost": {"mark_cycle_ns": mark_cycle_ns},
            }
        )
        return simulate(cfg).summary

    base, fixed = run(0.0), run(200_000.0)
    per_cycle = [
        (b["concurrent_mark_ns"], f["concurrent_mark_ns"])
        for b, f in zip(base["cycles"], fixed["cycles"], strict=False)
    ]
    assert all(f >= b + 150_000 for b, f in per_cycle[:3])


def _marked_list(order, locality_bytes):
    """Allocate len(order) one-pointer objects one after another, link them into a list that
    visits them in ``order`` (its head in a global), mark it with every heap access missing
    the cache (F_MISS = 1); returns (cost of the drain in ns, far and near misses counted,
    ctr, cost)."""
    n = len(order)
    cost = Stepper(1, 1, 1).cost.copy()
    cost[L.K_MARK_MISS] = 100.0
    cost[L.K_MARK_NEAR_MISS] = 30.0
    cost[L.K_LOCALITY_BYTES] = locality_bytes
    st = Stepper(n_goroutines=1, n_globals=1, max_fields=1, cost=cost)
    rows = [(Op.PUSH, n, 8 * n, 0)]
    rows += [(Op.ALLOC, i, 64, 1) for i in range(n)]
    rows += [(Op.STORE, order[i], 0, order[i + 1]) for i in range(n - 1)]
    rows += [(Op.GSTORE, 0, order[0], 0)]
    st.run(0, op_array([*rows, (Op.POP, n, 8 * n, 0)]))
    st.heap.a.fpar[L.F_MISS] = 1.0
    tc = TriColour(Policy.for_barrier("hybrid-go"))
    tc.begin_cycle(st.heap, st.roots, st.cost)
    tc.mark_slice(st.heap, st.roots, 1e12, st.cost, max_work=8)  # the global
    ctr = st.heap.a.ctr
    _, spent, _ = tc.mark_slice(st.heap, st.roots, 1e12, st.cost)
    assert int(ctr[L.OBJECTS_SCANNED]) == n and int(ctr[L.GREY_N]) == 0
    fpar = st.heap.a.fpar
    return spent, float(fpar[L.F_MISS_MARK]), float(fpar[L.F_MISS_MARK_NEAR]), ctr, cost


@pytest.mark.parametrize("locality_bytes", [0.0, 4096.0])
def test_marking_in_allocation_order_is_near_within_the_locality_window(locality_bytes):
    n = 2000  # 125 KiB of 64-byte objects: a random jump rarely lands within 4 KiB
    rng = np.random.default_rng(5)
    sequential, shuffled = list(range(n)), [int(i) for i in rng.permutation(n)]
    for order in (sequential, shuffled):
        spent, misses, near, ctr, cost = _marked_list(order, locality_bytes)
        assert misses + near == n  # every object misses (F_MISS = 1), far or near
        # the ledger stays linear: the drain's cost is its counts times the costs
        predicted = (
            ctr[L.OBJECTS_SCANNED] * cost[L.K_MARK_OBJ]
            + (ctr[L.SCAN_WORK] - ctr[L.GLOBAL_SCAN_WORK]) * cost[L.K_MARK_BYTE]
            + misses * cost[L.K_MARK_MISS]
            + near * cost[L.K_MARK_NEAR_MISS]
        )
        assert spent == pytest.approx(predicted, rel=1e-9)
        if locality_bytes == 0 or order is shuffled:
            # no locality, or a list that jumps about: (nearly) every object misses
            assert misses >= 0.85 * n
        else:
            assert misses <= 2  # 64-byte neighbours: only the first object is far
