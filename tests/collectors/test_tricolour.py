"""TriColour's marking slices on the real kernels (framework.checking.stepper drives the heap)."""

import threading

from framework.checking.stepper import Stepper
from framework.collectors.tricolour import Policy, TriColour
from framework.ops import Op, op_array
from framework.runtime import layout as L


def marked_heap_with_grey_objects() -> tuple[Stepper, TriColour]:
    st = Stepper(n_goroutines=1, n_globals=64, max_fields=1)
    rows = [(Op.PUSH, 1, 16, 0)]
    for i in range(64):
        rows += [(Op.ALLOC, 0, 64, 1), (Op.GSTORE, i, 0, 0)]
    rows += [(Op.CLEAR, 0, 0, 0), (Op.POP, 1, 16, 0)]
    st.run(0, op_array(rows))
    tc = TriColour(Policy.for_barrier("hybrid-go"))
    tc.begin_cycle(st.heap, st.roots, st.cost)
    tc.mark_slice(st.heap, st.roots, 1e9, st.cost, max_work=8)  # the globals: all grey
    assert st.heap.a.ctr[L.GREY_N] > 0
    return st, tc


def test_a_slice_owing_a_fraction_of_a_byte_of_work_still_makes_progress():
    # The 3 M livelock: an assist whose remaining scan work was 0.4 bytes asked the drain
    # for int(0.4) = 0 bytes, which drained nothing, and looped for ever.
    st, tc = marked_heap_with_grey_objects()
    grey = int(st.heap.a.ctr[L.GREY_N])
    result = []
    t = threading.Thread(
        target=lambda: result.append(tc.mark_slice(st.heap, st.roots, 1e9, st.cost, 0.4)),
        daemon=True,
    )
    t.start()
    t.join(timeout=20)
    assert result, "mark_slice did not return: the livelock is back"
    work, spent, _ = result[0]
    assert work > 0 and spent > 0
    assert int(st.heap.a.ctr[L.GREY_N]) < grey


def test_a_slice_reports_when_each_suspended_goroutine_is_released():
    st = Stepper(n_goroutines=2, n_globals=4, max_fields=1)
    for g in range(2):
        st.run(g, op_array([(Op.PUSH, 4, 4096, 0), (Op.ALLOC, 0, 64, 0)]))
    tc = TriColour(Policy.for_barrier("hybrid"))
    tc.begin_cycle(st.heap, st.roots, st.cost)
    suspended_now = []
    _, spent, suspended = tc.mark_slice(
        st.heap, st.roots, 1e9, st.cost, suspend=suspended_now.append
    )
    assert [g.gid for g in suspended_now] == [0, 1]
    (g0, t0), (g1, t1) = suspended
    assert (g0.gid, g1.gid) == (0, 1)
    assert 0 < t0 < t1 <= spent  # each stays suspended only until its own scan ends
