"""The write barrier, through the real mutator kernel (``run_ops`` via the Stepper): which
objects each barrier mode shades on a heap STORE or a GSTORE, the counters, that stack-only
ops are never barriered, and allocate-black."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework.checking.stepper import Stepper
from framework.collectors.tricolour import Policy
from framework.ops import NIL, Op
from framework.runtime import layout as L
from framework.runtime.kernels.mutator import run_ops

MODES = {
    "off": L.BARRIER_OFF,
    "dijkstra": L.BARRIER_DIJKSTRA,
    "yuasa": L.BARRIER_YUASA,
    "hybrid": L.BARRIER_HYBRID,
    "hybrid-go": L.BARRIER_HYBRID_GO,
    # the halves of Go's barrier, as Policy.barrier_without leaves them (mutants)
    "hybrid-without-deletion": Policy.for_barrier(
        "hybrid", barrier_without="deletion"
    ).barrier_mode,
    "hybrid-without-insertion": Policy.for_barrier(
        "hybrid", barrier_without="insertion"
    ).barrier_mode,
}

# stack slots of the fixture heap
HOLDER, OLD, NEW, SPARE = 0, 1, 2, 3
N_SLOTS = 4
SIZES = {HOLDER: 64, OLD: 32, NEW: 48, SPARE: 16}


def ops(*rows):
    return np.array(rows, dtype=np.int32).reshape(-1, 4)


def setup(old_in_field: bool = True, old_in_global: bool = True) -> Stepper:
    """holder.f0 = old, globals[0] = old; new is only on the stack. Marks and counters are
    cleared afterwards, as at the start of a mark phase."""
    stp = Stepper(1, 2, 2)
    rows = [(Op.PUSH, N_SLOTS, 8 * N_SLOTS, 0)]
    rows += [(Op.ALLOC, s, SIZES[s], 2) for s in (HOLDER, OLD, NEW, SPARE)]
    if old_in_field:
        rows.append((Op.STORE, HOLDER, 0, OLD))
    if old_in_global:
        rows.append((Op.GSTORE, 0, OLD, 0))
    stp.run(0, ops(*rows))
    begin_mark(stp)
    return stp


def begin_mark(stp: Stepper) -> None:
    a = stp.heap.a
    a.sl_mark[:] = 0
    for k in (L.GREY_N, L.BARRIER_CALLS, L.BARRIER_SHADES, L.MARKED_OBJECTS, L.MARKED_BYTES):
        a.ctr[k] = 0


def obj(stp: Stepper, slot: int) -> int:
    return int(stp.roots.goroutines[0].stack[slot])


def greys(stp: Stepper) -> list[int]:
    a = stp.heap.a
    return [int(x) for x in a.grey[: a.ctr[L.GREY_N]]]


def marked(stp: Stepper) -> set[int]:
    return {int(x) for x in np.flatnonzero(stp.heap.a.sl_mark[: stp.heap.nslots])}


def set_mode(stp: Stepper, mode: int, stack_black: int = 0) -> None:
    stp.heap.a.ctr[L.BARRIER] = mode
    stp.roots.goroutines[0].gs[L.G_STACK_BLACK] = stack_black


def expected_shades(mode: str, stack_black: int, old: int, new: int) -> list[int]:
    """Objects shaded by overwriting ``old`` with ``new``, in barrier order (old first)."""
    out = []
    if mode in ("yuasa", "hybrid", "hybrid-go", "hybrid-without-insertion") and old >= 0:
        out.append(old)
    grey_insert = mode in ("hybrid", "hybrid-without-deletion") and stack_black == 0
    if (mode in ("dijkstra", "hybrid-go") or grey_insert) and new >= 0:
        out.append(new)
    return out


CASES = [
    ("off", 0, []),
    ("off", 1, []),
    ("dijkstra", 0, ["new"]),
    ("dijkstra", 1, ["new"]),
    ("yuasa", 0, ["old"]),
    ("yuasa", 1, ["old"]),
    ("hybrid", 0, ["old", "new"]),  # stack still grey: shade both
    ("hybrid", 1, ["old"]),  # stack already scanned (black): shade only old
    ("hybrid-go", 0, ["old", "new"]),
    ("hybrid-go", 1, ["old", "new"]),  # Go's code does not test the stack's colour
    ("hybrid-without-deletion", 0, ["new"]),
    ("hybrid-without-deletion", 1, []),  # the barrier runs and shades nothing
    ("hybrid-without-insertion", 0, ["old"]),
    ("hybrid-without-insertion", 1, ["old"]),
]


def check_shaded(stp: Stepper, expect_slots: list[str], barrier_on: bool) -> None:
    names = {"old": OLD, "new": NEW}
    expect = [obj(stp, names[n]) for n in expect_slots]
    a = stp.heap.a
    assert greys(stp) == expect
    assert marked(stp) == set(expect)
    assert a.ctr[L.BARRIER_CALLS] == (1 if barrier_on else 0)
    assert a.ctr[L.BARRIER_SHADES] == len(expect)
    assert a.ctr[L.MARKED_OBJECTS] == len(expect)
    assert a.ctr[L.MARKED_BYTES] == sum(int(a.sl_size[o]) for o in expect)
    assert a.ctr[L.MARKED_BYTES] >= sum(SIZES[names[n]] for n in expect_slots)


@pytest.mark.parametrize(("mode", "stack_black", "expect"), CASES)
def test_store_shades(mode, stack_black, expect):
    stp = setup()
    old, new, holder = obj(stp, OLD), obj(stp, NEW), obj(stp, HOLDER)
    assert stp.heap.a.fields[holder, 0] == old
    set_mode(stp, MODES[mode], stack_black)
    stp.run(0, ops((Op.STORE, HOLDER, 0, NEW)))
    assert stp.heap.a.fields[holder, 0] == new
    check_shaded(stp, expect, mode != "off")
    assert holder not in marked(stp)  # the slot's object itself is never shaded


@pytest.mark.parametrize(("mode", "stack_black", "expect"), CASES)
def test_gstore_shades(mode, stack_black, expect):
    stp = setup()
    old, new = obj(stp, OLD), obj(stp, NEW)
    assert stp.roots.globals[0] == old
    set_mode(stp, MODES[mode], stack_black)
    stp.run(0, ops((Op.GSTORE, 0, NEW, 0)))
    assert stp.roots.globals[0] == new
    check_shaded(stp, expect, mode != "off")


@pytest.mark.parametrize("mode", ["dijkstra", "yuasa", "hybrid"])
@pytest.mark.parametrize("stack_black", [0, 1])
@pytest.mark.parametrize("op", ["store", "gstore"])
@pytest.mark.parametrize(("old_nil", "new_nil"), [(True, False), (False, True), (True, True)])
def test_nil_values_are_not_shaded(mode, stack_black, op, old_nil, new_nil):
    stp = setup(old_in_field=not old_nil, old_in_global=not old_nil)
    old = -1 if old_nil else obj(stp, OLD)
    new = -1 if new_nil else obj(stp, NEW)
    set_mode(stp, MODES[mode], stack_black)
    src = NIL if new_nil else NEW
    if op == "store":
        stp.run(0, ops((Op.STORE, HOLDER, 0, src)))
        assert stp.heap.a.fields[obj(stp, HOLDER), 0] == new
    else:
        stp.run(0, ops((Op.GSTORE, 0, src, 0)))
        assert stp.roots.globals[0] == new
    expect = expected_shades(mode, stack_black, old, new)
    a = stp.heap.a
    assert greys(stp) == expect
    assert marked(stp) == set(expect)
    assert a.ctr[L.BARRIER_CALLS] == 1
    assert a.ctr[L.BARRIER_SHADES] == len(expect)


def test_nil_in_an_empty_stack_slot_stores_nil_unshaded():
    # A MOVE of nil into a slot, then storing that slot: new is nil even though src >= 0.
    stp = setup()
    set_mode(stp, L.BARRIER_HYBRID, 0)
    stp.run(0, ops((Op.MOVE, SPARE, NIL, 0), (Op.STORE, HOLDER, 0, SPARE)))
    assert greys(stp) == [obj(stp, OLD)]
    assert stp.heap.a.ctr[L.BARRIER_SHADES] == 1


@pytest.mark.parametrize("mode", ["dijkstra", "yuasa", "hybrid"])
def test_already_marked_objects_are_not_pushed_twice(mode):
    stp = setup()
    old, new = obj(stp, OLD), obj(stp, NEW)
    a = stp.heap.a
    a.sl_mark[old] = 1
    a.sl_mark[new] = 1
    set_mode(stp, MODES[mode], 0)
    stp.run(0, ops((Op.STORE, HOLDER, 0, NEW), (Op.GSTORE, 0, NEW, 0)))
    assert greys(stp) == []
    assert a.ctr[L.BARRIER_CALLS] == 2
    assert a.ctr[L.BARRIER_SHADES] == 0
    assert a.ctr[L.MARKED_BYTES] == 0 and a.ctr[L.MARKED_OBJECTS] == 0


def test_repeated_stores_shade_each_object_once():
    stp = setup()
    old, new = obj(stp, OLD), obj(stp, NEW)
    set_mode(stp, L.BARRIER_HYBRID, 0)
    # flip holder.f0 between new and old, and globals[0] likewise, several times
    rows = []
    for _ in range(3):
        rows += [(Op.STORE, HOLDER, 0, NEW), (Op.STORE, HOLDER, 0, OLD)]
        rows += [(Op.GSTORE, 0, NEW, 0), (Op.GSTORE, 0, OLD, 0)]
    stp.run(0, ops(*rows))
    a = stp.heap.a
    assert greys(stp) == [old, new]
    assert a.ctr[L.BARRIER_CALLS] == len(rows)
    assert a.ctr[L.BARRIER_SHADES] == 2
    assert a.ctr[L.MARKED_OBJECTS] == 2


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("stack_black", [0, 1])
def test_stack_only_ops_never_run_the_barrier(mode, stack_black):
    stp = setup()
    set_mode(stp, MODES[mode], stack_black)
    stp.run(
        0,
        ops(
            (Op.MOVE, SPARE, OLD, 0),
            (Op.MOVE, OLD, NEW, 0),
            (Op.MOVE, NEW, NIL, 0),
            (Op.CLEAR, OLD, 0, 0),
            (Op.LOAD, NEW, HOLDER, 0),  # reads old out of holder.f0
            (Op.GLOAD, OLD, 0, 0),
            (Op.LOAD, SPARE, HOLDER, 1),  # nil field
            (Op.PUSH, 2, 16, 0),
            (Op.MOVE, N_SLOTS, HOLDER, 0),
            (Op.POP, 2, 16, 0),
            (Op.COMPUTE, 5, 0, 0),
        ),
    )
    a = stp.heap.a
    assert a.ctr[L.BARRIER_CALLS] == 0
    assert a.ctr[L.BARRIER_SHADES] == 0
    assert a.ctr[L.GREY_N] == 0
    assert marked(stp) == set()
    # the ops did run
    g = stp.roots.goroutines[0]
    assert g.sp == N_SLOTS
    assert int(g.stack[NEW]) == int(g.stack[OLD]) == int(stp.roots.globals[0])
    assert int(g.stack[SPARE]) == -1


def test_barrier_cost_is_charged_per_call_and_per_shade():
    stp = setup()
    set_mode(stp, L.BARRIER_HYBRID, 0)
    cost = np.zeros(L.N_COSTS)
    cost[L.K_STORE], cost[L.K_BARRIER], cost[L.K_SHADE] = 3.0, 50.0, 700.0
    g = stp.roots.goroutines[0]
    a = stp.heap.a
    args = (a, g.gs, g.stack, stp.roots.globals)
    o = ops((Op.STORE, HOLDER, 0, NEW))
    pos, spent, status, _ = run_ops(*args, o, 0, 1e30, 1 << 60, cost, np.zeros(1, np.int32))
    assert (pos, status) == (1, L.ST_END)
    assert spent == 3.0 + 50.0 + 2 * 700.0
    # the same store again: barrier runs, shades nothing (both already grey)
    _, spent, _, _ = run_ops(*args, o, 0, 1e30, 1 << 60, cost, np.zeros(1, np.int32))
    assert spent == 3.0 + 50.0
    a.ctr[L.BARRIER] = L.BARRIER_OFF
    _, spent, _, _ = run_ops(*args, o, 0, 1e30, 1 << 60, cost, np.zeros(1, np.int32))
    assert spent == 3.0


@pytest.mark.parametrize("mode", list(MODES))
def test_allocate_black(mode):
    stp = setup()
    a = stp.heap.a
    set_mode(stp, MODES[mode], 0)
    a.ctr[L.ALLOC_BLACK] = 1
    live0 = int(a.ctr[L.HEAP_LIVE])
    stp.run(0, ops((Op.ALLOC, SPARE, 100, 2)))
    a = stp.heap.a
    fresh = obj(stp, SPARE)
    assert a.sl_alloc[fresh] == 1
    assert a.sl_mark[fresh] == 1
    size = int(a.sl_size[fresh])
    assert size >= 100
    assert a.ctr[L.MARKED_BYTES] == size
    assert a.ctr[L.MARKED_OBJECTS] == 1
    assert a.ctr[L.HEAP_LIVE] == live0 + size
    # black, not grey: it is not queued for scanning and no barrier ran
    assert greys(stp) == []
    assert a.ctr[L.BARRIER_CALLS] == 0
    # with allocate-black off, new objects are white and not counted
    a.ctr[L.ALLOC_BLACK] = 0
    stp.run(0, ops((Op.ALLOC, SPARE, 100, 2)))
    a = stp.heap.a
    assert obj(stp, SPARE) != fresh
    assert a.sl_mark[obj(stp, SPARE)] == 0
    assert a.ctr[L.MARKED_BYTES] == size
    assert a.ctr[L.MARKED_OBJECTS] == 1


def test_allocated_black_object_stored_is_not_shaded_again():
    stp = setup()
    a = stp.heap.a
    set_mode(stp, L.BARRIER_DIJKSTRA, 0)
    a.ctr[L.ALLOC_BLACK] = 1
    stp.run(0, ops((Op.ALLOC, SPARE, 16, 0), (Op.STORE, HOLDER, 1, SPARE)))
    a = stp.heap.a
    assert greys(stp) == []
    assert a.ctr[L.BARRIER_CALLS] == 1
    assert a.ctr[L.BARRIER_SHADES] == 0
    assert a.ctr[L.MARKED_OBJECTS] == 1


# --- model-based: random stores against a Python model of the barrier --------------------

N_OBJ = 5  # stack slots 0..4 hold objects, slot 5 is kept nil
N_GLOB = 3


@settings(deadline=None)
@given(
    mode=st.sampled_from(list(MODES)),
    stack_black=st.integers(0, 1),
    steps=st.lists(
        st.tuples(
            st.booleans(),  # True: STORE into an object field; False: GSTORE
            st.integers(0, N_OBJ - 1),  # destination object slot / global index
            st.integers(0, 1),  # field
            st.integers(-1, N_OBJ),  # source stack slot (-1: NIL, N_OBJ: a nil slot)
        ),
        max_size=40,
    ),
    premarked=st.sets(st.integers(0, N_OBJ - 1), max_size=N_OBJ),
)
def test_barrier_matches_model(mode, stack_black, steps, premarked):
    stp = Stepper(1, N_GLOB, 2)
    stp.run(
        0,
        ops(
            (Op.PUSH, N_OBJ + 1, 8 * (N_OBJ + 1), 0), *[(Op.ALLOC, s, 32, 2) for s in range(N_OBJ)]
        ),
    )
    begin_mark(stp)
    ids = [obj(stp, s) for s in range(N_OBJ)] + [-1]
    a = stp.heap.a
    for s in premarked:
        a.sl_mark[ids[s]] = 1
    set_mode(stp, MODES[mode], stack_black)
    fields = {(i, f): -1 for i in range(N_OBJ) for f in range(2)}
    globs = [-1] * N_GLOB
    marks = {ids[s] for s in premarked}
    grey = []
    rows = []
    for is_store, dst, f, src in steps:
        new = -1 if src == -1 else ids[src]
        if is_store:
            old = fields[(dst, f)]
            fields[(dst, f)] = new
            rows.append((Op.STORE, dst, f, src))
        else:
            g = dst % N_GLOB
            old = globs[g]
            globs[g] = new
            rows.append((Op.GSTORE, g, src, 0))
        for o in expected_shades(mode, stack_black, old, new):
            if o not in marks:
                marks.add(o)
                grey.append(o)
    if rows:
        stp.run(0, ops(*rows))
    a = stp.heap.a
    assert greys(stp) == grey
    assert marked(stp) == marks
    assert a.ctr[L.BARRIER_CALLS] == (0 if mode == "off" else len(rows))
    assert a.ctr[L.BARRIER_SHADES] == len(grey)
    assert a.ctr[L.MARKED_OBJECTS] == len(grey)
    for (i, f), v in fields.items():
        assert a.fields[ids[i], f] == v
    assert [int(x) for x in stp.roots.globals] == globs


# --- Steele's primitive (SHADE_HOLDER): re-grey a black holder, never queue it twice -------
def test_steele_regreys_a_black_holder_once_and_shades_new_on_globals():
    stp = setup()
    a = stp.heap.a
    holder, new = obj(stp, HOLDER), obj(stp, NEW)
    a.sl_mark[holder] = L.MARK_BLACK  # scanned already
    set_mode(stp, L.SHADE_HOLDER)
    stp.run(0, ops((Op.STORE, HOLDER, 1, NEW), (Op.STORE, HOLDER, 1, NEW)))
    assert greys(stp) == [holder]  # queued again, once
    assert a.sl_mark[holder] == L.MARK_GREY and a.sl_mark[new] == 0  # new stays white
    assert a.ctr[L.BARRIER_SHADES] == 1 and a.ctr[L.MARKED_OBJECTS] == 0
    stp.run(0, ops((Op.GSTORE, 0, NEW, 0)))  # a root holder: shade(new) instead
    assert set(greys(stp)) == {holder, new}


def test_steele_leaves_white_and_grey_holders_alone():
    stp = setup()
    a = stp.heap.a
    holder = obj(stp, HOLDER)
    set_mode(stp, L.SHADE_HOLDER)
    stp.run(0, ops((Op.STORE, HOLDER, 1, NEW)))  # white holder: nothing to redo
    assert greys(stp) == [] and a.ctr[L.BARRIER_SHADES] == 0
    a.sl_mark[holder] = L.MARK_GREY  # already queued
    a.grey[0] = holder
    a.ctr[L.GREY_N] = 1
    stp.run(0, ops((Op.STORE, HOLDER, 1, NEW)))
    assert greys(stp) == [holder]
