"""Heap table growth: every table indexed by span or slot grows with its index space."""

import numpy as np
import pytest

from framework.runtime import layout as L
from framework.runtime.heap import EXTRA_SLOT_FIELDS, MAX_NELEMS, Heap
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


@pytest.mark.parametrize("extras", [True, False])
def test_every_table_is_fixed_span_or_slot_indexed(extras):
    h = Heap(3, slot_cap=256, extras=extras)
    h.grow(L.GROW_SLOTS)
    h.grow(L.GROW_SPANS)
    slots, spans = h.a.sl_alloc.shape[0], h.a.sp_class.shape[0]
    assert slots >= 512
    for name in h.a._fields:
        arr = getattr(h.a, name)
        if name in FIXED:
            continue
        want = spans if name.startswith("sp_") else slots
        if name in EXTRA_SLOT_FIELDS and not extras:
            want = 0  # reference counting and the checker only: empty without them
        assert arr.shape[0] == want, name
    assert h.a.cls_cur.shape[0] == NUM_CLASSES
    assert h.a.dead_head.shape[0] == MAX_NELEMS + 1
    assert h.a.fields.shape[1] == 3


def test_growth_keeps_contents():
    h = Heap(1, slot_cap=16)
    h.a.ctr[L.NSLOTS] = 4  # growth keeps the slot ids handed out to spans
    h.a.sl_alloc[3] = 1
    h.a.fields[3, 0] = 7
    h.grow(L.GROW_SLOTS)
    assert h.a.sl_alloc[3] == 1 and h.a.fields[3, 0] == 7
    assert (h.a.fields[16:] == 0).all()  # untouched capacity; new_span nils fresh slots


def test_rc_allocates_the_extra_tables_with_each_slots_span():
    h = Heap(1, slot_cap=16)
    h.a.ctr[L.NSPANS] = 2
    h.a.ctr[L.NSLOTS] = 12
    h.a.sp_base[:2] = (0, 4)
    h.a.sp_nelems[:2] = (4, 8)
    assert not h.has_extras
    h.set_rc(L.RC_EAGER, False, 1, 1, 1)
    assert all(getattr(h.a, f).shape[0] == 16 for f in EXTRA_SLOT_FIELDS)
    assert h.a.sl_span[:12].tolist() == [0] * 4 + [1] * 8
    h.grow(L.GROW_SLOTS)
    assert all(getattr(h.a, f).shape[0] == 32 for f in EXTRA_SLOT_FIELDS)
    assert np.array_equal(h.a.sl_span[:12], [0] * 4 + [1] * 8)


def test_fresh_slots_start_nil_after_growth():
    from framework.runtime.kernels.alloc import can_new_span, new_span
    from framework.runtime.sizeclasses import PAGE_SIZE

    h = Heap(2, slot_cap=16)
    cost = np.zeros(L.N_COSTS)
    while (g := can_new_span(h.a, 64, 1)) != 0:
        h.grow(g, 64)
    s, _ = new_span(h.a, 1, 64, 1, PAGE_SIZE // 64, cost)
    base = int(h.a.sp_base[s])
    assert h.a.sl_alloc.shape[0] >= base + 64
    assert (h.a.fields[base : base + 64] == -1).all()
