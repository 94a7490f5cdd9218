"""shuffle: objects move between slots (globals, or fields of heap containers); each move
clears its source slot, so no object is ever in two slots."""

from __future__ import annotations

import numpy as np
import pytest

from framework.ops import Op
from framework.workloads.interpreter import Interpreter
from framework.workloads.shuffle import Shuffle, ShuffleParams


def make(**kw) -> Shuffle:
    base = dict(slots=64, moves=3000, goroutines=2)
    base.update(kw)
    return Shuffle(ShuffleParams(**base), np.random.SeedSequence(3))


def slot_contents(w: Shuffle, it: Interpreter) -> list:
    if w.params.via == "globals":
        return list(it.globals)
    return [x for c in it.globals for x in it.heap[c]]


@pytest.mark.parametrize("via", ["globals", "heap"])
def test_objects_are_never_in_two_slots(via):
    w = make(via=via, fields=4)
    it = Interpreter(w).run()
    objs = slot_contents(w, it)
    held = [o for o in objs if o is not None]
    assert len(objs) == 64 and len(held) > 8
    assert len(set(held)) == len(held)  # a move takes the object out of its source slot


def test_heap_slots_are_container_fields_anchored_in_globals():
    w = make(via="heap", slots=30, fields=4)
    assert w.n_globals == 8 and w.max_fields == 4  # 30 slots round up to 8 containers of 4
    ops = np.concatenate(list(w.stream(0)))
    codes = set(ops[:, 0].tolist())
    assert {Op.LOAD, Op.STORE, Op.GLOAD} <= codes
    nil_stores = (ops[:, 0] == Op.STORE) & (ops[:, 3] == -1)
    assert nil_stores.any()  # the source field is cleared through the barrier


def test_more_goroutines_than_containers_is_rejected():
    with pytest.raises(ValueError, match="containers"):
        ShuffleParams(slots=8, fields=8, goroutines=2, via="heap")
