import csv
from pathlib import Path

import numpy as np
import pytest

from framework.checking.stepper import Stepper
from framework.ops import Op, op_array
from framework.runtime import layout as L
from framework.runtime.sizeclasses import PAGE_SIZE, TABLE, size_to_class

CSV = Path(__file__).resolve().parents[2] / "framework" / "data" / "go1.19_sizeclasses.csv"
ROWS = list(csv.DictReader(CSV.read_text().splitlines()))


def test_table_has_go_67_classes():
    assert len(ROWS) == 67
    assert TABLE.size[1] == 8 and TABLE.size[67] == 32768


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"class{r['class']}")
def test_size_class_choice_and_span_shape(row):
    c = int(row["class"])
    size = int(row["bytes_obj"])
    prev = int(TABLE.size[c - 1]) if c > 1 else 0
    # The smallest class that fits: every size in (prev, size] maps to c.
    for s in {prev + 1, (prev + size) // 2 + 1, size}:
        assert size_to_class(s) == c, s
    assert int(row["objects"]) == int(row["npages"]) * PAGE_SIZE // size
    assert TABLE.nelems[c] == int(row["objects"])
    assert TABLE.npages[c] == int(row["npages"])


@pytest.mark.parametrize("row", [*ROWS[::6], ROWS[-1]], ids=lambda r: f"class{r['class']}")
def test_allocator_fills_spans_by_the_table(row):
    """Allocating nelems+1 objects of a class uses exactly two spans of npages each."""
    c = int(row["class"])
    size, nelems, npages = int(row["bytes_obj"]), int(row["objects"]), int(row["npages"])
    st = Stepper(1, 0, 1)
    ops = [(Op.PUSH, 1, 8, 0)] + [(Op.ALLOC, 0, size, 0)] * (nelems + 1)
    st.run(0, op_array(ops))
    a = st.heap.a
    assert st.heap.counter(L.SPANS_INUSE) == 2
    assert st.heap.counter(L.INUSE_SPAN_BYTES) == 2 * npages * PAGE_SIZE
    spans = st.heap.inuse_spans()
    assert sorted(a.sp_nalloc[spans].tolist()) == [1, nelems]
    assert (a.sp_class[spans] == c).all()
    assert st.heap.counter(L.ALLOC_BYTES) == (nelems + 1) * size


def test_large_objects_get_their_own_span():
    st = Stepper(1, 0, 1)
    st.run(0, op_array([(Op.PUSH, 1, 8, 0), (Op.ALLOC, 0, 32769, 0), (Op.ALLOC, 0, 100_000, 0)]))
    a = st.heap.a
    spans = st.heap.inuse_spans()
    assert len(spans) == 2
    assert (a.sp_class[spans] == 0).all()
    assert sorted(a.sp_npages[spans].tolist()) == [5, 13]
    assert st.heap.counter(L.ALLOC_BYTES) == (5 + 13) * PAGE_SIZE
    assert st.heap.counter(L.ALLOC_REQ) == 32769 + 100_000


def test_pages_are_first_fit_and_reused():
    st = Stepper(1, 0, 1)
    st.run(0, op_array([(Op.PUSH, 1, 8, 0)] + [(Op.ALLOC, 0, 40_000, 0)] * 3))
    a = st.heap.a
    pages = sorted(a.sp_page[st.heap.inuse_spans()].tolist())
    assert pages == [0, 5, 10]
    assert np.count_nonzero(a.pg_used) == 15


def test_a_large_object_of_whole_pages_takes_exactly_those_pages():
    """Go: largeAlloc's npages = size >> pageShift, plus one only for a remainder."""
    st = Stepper(1, 0, 1)
    sizes = [5 * PAGE_SIZE, 8 * PAGE_SIZE, 8 * PAGE_SIZE + 1]
    st.run(0, op_array([(Op.PUSH, 1, 8, 0)] + [(Op.ALLOC, 0, s, 0) for s in sizes]))
    a = st.heap.a
    spans = sorted(st.heap.inuse_spans().tolist(), key=lambda s: a.sp_page[s])
    assert a.sp_npages[spans].tolist() == [5, 8, 9]
    assert a.sp_page[spans].tolist() == [0, 5, 13]
    assert st.heap.counter(L.ALLOC_BYTES) == 22 * PAGE_SIZE
