"""Heap table growth: every table indexed by span or slot grows with its index space."""

from framework.runtime import layout as L
from framework.runtime.heap import MAX_NELEMS, Heap
from framework.runtime.sizeclasses import NUM_CLASSES

FIXED = {
    "cls_size",
    "cls_npages",
    "cls_nelems",
    "lookup8",
    "lookup128",
    "cls_cur",
    "cls_partial",
    "cls_unswept",
    "dead_head",
    "pg_used",
    "pg_scav",
    "ctr",
    "fpar",
}


def test_every_table_is_fixed_span_or_slot_indexed():
    h = Heap(3, slot_cap=256)
    h.grow(L.GROW_SLOTS)
    h.grow(L.GROW_SPANS)
    slots, spans = h.a.sl_alloc.shape[0], h.a.sp_class.shape[0]
    assert slots >= 512
    for name in h.a._fields:
        arr = getattr(h.a, name)
        if name in FIXED:
            continue
        want = spans if name.startswith("sp_") else slots
        assert arr.shape[0] == want, name
    assert h.a.cls_cur.shape[0] == NUM_CLASSES
    assert h.a.dead_head.shape[0] == MAX_NELEMS + 1
    assert h.a.fields.shape[1] == 3


def test_growth_keeps_contents():
    h = Heap(1, slot_cap=16)
    h.a.sl_alloc[3] = 1
    h.a.fields[3, 0] = 7
    h.grow(L.GROW_SLOTS)
    assert h.a.sl_alloc[3] == 1 and h.a.fields[3, 0] == 7
    assert (h.a.fields[16:] == -1).all()
