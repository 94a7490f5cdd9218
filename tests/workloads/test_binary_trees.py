"""binary_trees: the trees the stream builds are the benchmark's trees."""

from __future__ import annotations

import numpy as np
import pytest

from framework.ops import Op
from framework.workloads.binary_trees import BinaryTrees, BinaryTreesParams
from framework.workloads.interpreter import Interpreter


def make(**kw) -> BinaryTrees:
    return BinaryTrees(BinaryTreesParams(**kw), np.random.SeedSequence(0))


def tree_depth(it: Interpreter, root: int) -> int:
    """Depth of the perfect binary tree at ``root``; fails if it is not one (or shares nodes)."""
    seen: set[int] = set()

    def walk(n: int) -> int:
        assert n not in seen, "node shared"
        seen.add(n)
        assert it.sizes[n] == it.workload.params.node_size
        left, right = it.heap[n]
        if left is None:
            assert right is None
            return 0
        dl, dr = walk(left), walk(right)
        assert dl == dr, "not perfect"
        return dl + 1

    return walk(root)


@pytest.mark.parametrize(
    "kw",
    [
        dict(max_depth=6, min_depth=2),
        dict(max_depth=7, min_depth=4, goroutines=3, stretch=False),
        dict(max_depth=5, min_depth=5, check=False),
    ],
)
def test_long_lived_tree_and_counts(kw):
    w = make(**kw)
    p = w.params
    it = Interpreter(w).run()
    live = it.reachable()
    assert len(live) == 2 ** (p.max_depth + 1) - 1
    assert it.reachable_from([it.globals[0]]) == live
    assert tree_depth(it, it.globals[0]) == p.max_depth
    expected = sum(w.iterations(d) * w.tree_nodes(d) for d in w.depths())
    expected += w.tree_nodes(p.max_depth) + (w.tree_nodes(p.max_depth + 1) if p.stretch else 0)
    assert it.allocs == expected
    assert it.garbage_bytes() == (expected - len(live)) * p.node_size
    # itemCheck: 2 LOADs per internal node and 1 (nil) per leaf, for every tree checked
    # (the long-lived tree is checked once, at the end).
    trees = [d for d in w.depths() for _ in range(w.iterations(d))] + [p.max_depth]
    trees += [p.max_depth + 1] if p.stretch else []
    loads = sum(2 * (2**d - 1) + 2**d for d in trees)
    assert it.op_counts[Op.LOAD] == (loads if p.check else 0)


def test_stack_is_as_deep_as_the_tree():
    w = make(max_depth=5, min_depth=1, stretch=False)
    it = Interpreter(w)
    deepest = 0
    while not it.finished:
        it.run_goroutine(0, 1)
        deepest = max(deepest, len(it.gs[0].frames))
    # base frame + one frame per level (the check walk also pushes a frame for each leaf)
    assert deepest == 1 + 5 + 1
    assert it.gs[0].stack_bytes == 0


def test_goroutines_split_the_work_and_seed_is_irrelevant():
    one = Interpreter(make(max_depth=6, min_depth=2)).run()
    three = Interpreter(make(max_depth=6, min_depth=2, goroutines=3)).run()
    assert one.allocs == three.allocs and one.alloc_bytes == three.alloc_bytes
    w = make(max_depth=6)
    other = BinaryTrees(w.params, np.random.SeedSequence(99))
    assert all(np.array_equal(a, b) for a, b in zip(w.stream(0), other.stream(0), strict=True))


def test_row_counts_and_big_trees_streamed_in_pieces():
    """Rows per tree are as documented, also for trees deeper than the cached templates."""
    w = make(max_depth=13, min_depth=0, stretch=False)

    def build(d):
        return 5 * (2**d - 1) + 2**d

    def walk(d):
        return 4 * (2**d - 1) + 3 * 2**d

    rows = sum(len(c) for c in w.stream(0))
    expected = 2 + (build(13) + 2) + (1 + walk(13) + 1)
    expected += sum(w.iterations(d) * (build(d) + walk(d) + 1) for d in w.depths())
    assert rows == expected
