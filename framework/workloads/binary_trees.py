"""``binary_trees``: the GCBench / benchmarks-game binary-trees shape.

The benchmark (``n = max_depth``)::

    check(bottomUpTree(max_depth + 1))                 # stretch tree (optional here)
    longLived := bottomUpTree(max_depth)               # held in global 0
    for d := min_depth; d <= max_depth; d += 2 {
        for i := 0; i < 1 << (max_depth - d + min_depth); i++ {
            check(bottomUpTree(d))                     # short-lived, dropped at once
        }
    }
    check(longLived)

A tree of depth d has ``2**(d+1) - 1`` nodes of ``node_size`` bytes with 2 pointer fields
(``left``, ``right``; nil in leaves). Trees are built by the recursive ``bottomUpTree`` and
walked by the recursive ``itemCheck``, each call being a stack frame of 2 pointer slots
and ``frame_bytes`` bytes, so the stack really is ``depth`` frames deep while a tree is built.

Stack layout: a base frame of 1 slot (slot 0: the tree being built or checked, 64 bytes);
the recursion frame at level j (the call for a node at depth j) holds slots ``1 + 2j``
(left) and ``2 + 2j`` (right). Op rows per node:

- build, internal node: ``PUSH, <left subtree>, <right subtree>, ALLOC, STORE, STORE, POP``
  (5 rows); leaf: ``ALLOC`` into the caller's slot (1 row; the leaf call's empty frame is
  not modelled);
- check (``check=True``), internal node: ``PUSH, LOAD left, LOAD right, <left>, <right>,
  POP`` (4 rows); leaf: ``PUSH, LOAD left (nil), POP`` (3 rows);
- one ``CLEAR`` of slot 0 after each short-lived tree is checked.

So about 3 rows per node built and 3.5 per node checked. The workload is not random: the
stream does not depend on the seed. With the defaults (14, 4) the short-lived trees are
6 * 2**19 = 3.1 M nodes, about 2 * 10^7 rows; ``max_depth=10`` gives about 10^6 rows.

With G goroutines, goroutine g does the iterations ``i % G == g`` of every depth; goroutine
0 also builds the stretch tree and the long-lived tree (which stays in global 0 at the end).
The stream is a tiling of cached per-depth templates, so generation is memcpy-bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from framework.ops import Op
from framework.workloads.base import CHUNK_OPS, GoroutineSpec, Workload, WorkloadParams

_SENT = -7777  # placeholder for the caller's slot in cached subtree templates
_MAT_DEPTH = 12  # subtrees up to this depth are materialised (and cached) as one array
_BASE_BYTES = 64


def rechunk(pieces: Iterable[np.ndarray], limit: int = CHUNK_OPS) -> Iterator[np.ndarray]:
    """Concatenate/split a sequence of op arrays into chunks of exactly ``limit`` rows
    (the last one shorter)."""
    buf: list[np.ndarray] = []
    n = 0
    for p in pieces:
        while len(p):
            take = min(limit - n, len(p))
            buf.append(p[:take])
            n += take
            p = p[take:]
            if n == limit:
                yield np.ascontiguousarray(np.concatenate(buf), dtype=np.int32)
                buf, n = [], 0
    if n:
        yield np.ascontiguousarray(np.concatenate(buf), dtype=np.int32)


def _rows(*rows: tuple[int, int, int, int]) -> np.ndarray:
    return np.array(rows, dtype=np.int32).reshape(-1, 4)


def _fill(template: np.ndarray, slot: int) -> np.ndarray:
    """A copy of ``template`` with the placeholder slot replaced by ``slot``."""
    out = template.copy()
    out[out == _SENT] = slot
    return out


class BinaryTreesParams(WorkloadParams):
    name: Literal["binary_trees"] = "binary_trees"
    max_depth: int = Field(10, ge=1, le=24, description="depth of the long-lived tree")
    min_depth: int = Field(4, ge=0, le=24, description="depth of the smallest short-lived trees")
    node_size: int = Field(32, ge=16, le=1 << 20, description="bytes per node (2 pointers)")
    frame_bytes: int = Field(48, ge=16, le=1 << 16, description="bytes per recursion frame")
    stretch: bool = Field(True, description="build and check a tree of depth max_depth+1 first")
    check: bool = Field(True, description="walk every tree with LOADs (itemCheck)")
    goroutines: int = Field(1, ge=1, le=1024, description="goroutines splitting the iterations")

    @model_validator(mode="after")
    def _fits(self) -> BinaryTreesParams:
        if self.min_depth > self.max_depth:
            raise ValueError(f"min_depth={self.min_depth} > max_depth={self.max_depth}")
        return self


class BinaryTrees(Workload):
    name = "binary_trees"
    Params = BinaryTreesParams
    smoke_params = {"max_depth": 8, "min_depth": 4}
    params: BinaryTreesParams

    def __init__(self, params: BinaryTreesParams, seed: np.random.SeedSequence) -> None:
        super().__init__(params, seed)
        self._build_cache: dict[tuple[int, int], np.ndarray] = {}
        self._walk_cache: dict[tuple[int, int], np.ndarray] = {}

    def goroutines(self) -> list[GoroutineSpec]:
        return [GoroutineSpec() for _ in range(self.params.goroutines)]

    @property
    def n_globals(self) -> int:
        return 1

    @property
    def max_fields(self) -> int:
        return 2

    def expected_allocations(self) -> int:
        p = self.params
        trees = sum(self.iterations(d) * ((2 << d) - 1) for d in self.depths())
        stretch = (4 << p.max_depth) - 1 if p.stretch else 0
        return trees + stretch + (2 << p.max_depth) - 1

    def live_estimate(self) -> tuple[int, int]:
        p = self.params
        # the stretch tree (or the long-lived one) and a tree of max_depth per goroutine
        nodes = 2 ** (p.max_depth + 2) + p.goroutines * 2 ** (p.max_depth + 1)
        return nodes, nodes * p.node_size

    # --- schedule ---------------------------------------------------------------

    def depths(self) -> list[int]:
        p = self.params
        return list(range(p.min_depth, p.max_depth + 1, 2))

    def iterations(self, d: int) -> int:
        p = self.params
        return 2 ** (p.max_depth - d + p.min_depth)

    def iterations_of(self, g: int, d: int) -> int:
        """Short-lived trees of depth ``d`` built by goroutine ``g``."""
        n, G = self.iterations(d), self.params.goroutines
        return n // G + (1 if g < n % G else 0)

    @staticmethod
    def tree_nodes(d: int) -> int:
        return 2 ** (d + 1) - 1

    # --- templates --------------------------------------------------------------

    def _frame(self) -> tuple[np.ndarray, np.ndarray]:
        fb = self.params.frame_bytes
        return _rows((Op.PUSH, 2, fb, 0)), _rows((Op.POP, 2, fb, 0))

    def _build(self, d: int, j: int) -> np.ndarray:
        """Rows building a depth-``d`` tree whose root goes to the caller's slot (``_SENT``),
        the first call being at recursion level ``j``. Cached; ``d <= _MAT_DEPTH``."""
        key = (d, j)
        if key not in self._build_cache:
            size = self.params.node_size
            if d == 0:
                arr = _rows((Op.ALLOC, _SENT, size, 2))
            else:
                left, right = 1 + 2 * j, 2 + 2 * j
                child = self._build(d - 1, j + 1)
                push, pop = self._frame()
                arr = np.concatenate(
                    [
                        push,
                        _fill(child, left),
                        _fill(child, right),
                        _rows(
                            (Op.ALLOC, _SENT, size, 2),
                            (Op.STORE, _SENT, 0, left),
                            (Op.STORE, _SENT, 1, right),
                        ),
                        pop,
                    ]
                )
            self._build_cache[key] = arr
        return self._build_cache[key]

    def _walk(self, d: int, j: int) -> np.ndarray:
        """Rows checking a depth-``d`` tree held in the caller's slot (``_SENT``)."""
        key = (d, j)
        if key not in self._walk_cache:
            left, right = 1 + 2 * j, 2 + 2 * j
            push, pop = self._frame()
            if d == 0:
                arr = np.concatenate([push, _rows((Op.LOAD, left, _SENT, 0)), pop])
            else:
                child = self._walk(d - 1, j + 1)
                arr = np.concatenate(
                    [
                        push,
                        _rows((Op.LOAD, left, _SENT, 0), (Op.LOAD, right, _SENT, 1)),
                        _fill(child, left),
                        _fill(child, right),
                        pop,
                    ]
                )
            self._walk_cache[key] = arr
        return self._walk_cache[key]

    def _build_pieces(self, d: int, j: int, target: int) -> Iterator[np.ndarray]:
        if d <= _MAT_DEPTH:
            yield _fill(self._build(d, j), target)
            return
        size = self.params.node_size
        left, right = 1 + 2 * j, 2 + 2 * j
        push, pop = self._frame()
        yield push
        yield from self._build_pieces(d - 1, j + 1, left)
        yield from self._build_pieces(d - 1, j + 1, right)
        yield _rows(
            (Op.ALLOC, target, size, 2), (Op.STORE, target, 0, left), (Op.STORE, target, 1, right)
        )
        yield pop

    def _walk_pieces(self, d: int, j: int, source: int) -> Iterator[np.ndarray]:
        if not self.params.check:
            return
        if d <= _MAT_DEPTH:
            yield _fill(self._walk(d, j), source)
            return
        left, right = 1 + 2 * j, 2 + 2 * j
        push, pop = self._frame()
        yield push
        yield _rows((Op.LOAD, left, source, 0), (Op.LOAD, right, source, 1))
        yield from self._walk_pieces(d - 1, j + 1, left)
        yield from self._walk_pieces(d - 1, j + 1, right)
        yield pop

    def _short_lived(self, d: int) -> Iterator[np.ndarray]:
        """One short-lived tree: build into slot 0, check, drop."""
        yield from self._build_pieces(d, 0, 0)
        yield from self._walk_pieces(d, 0, 0)
        yield _rows((Op.CLEAR, 0, 0, 0))

    def _repeat(self, d: int, n: int) -> Iterator[np.ndarray]:
        """``n`` short-lived trees of depth ``d``."""
        if n <= 0:
            return
        if d > _MAT_DEPTH:
            for _ in range(n):
                yield from self._short_lived(d)
            return
        block = np.concatenate(list(self._short_lived(d)))
        per_chunk = max(1, CHUNK_OPS // len(block))
        for lo in range(0, n, per_chunk):
            yield np.tile(block, (min(per_chunk, n - lo), 1))

    # --- stream -----------------------------------------------------------------

    def _pieces(self, g: int) -> Iterator[np.ndarray]:
        p = self.params
        yield _rows((Op.PUSH, 1, _BASE_BYTES, 0))
        if g == 0:
            if p.stretch:
                yield from self._short_lived(p.max_depth + 1)
            yield from self._build_pieces(p.max_depth, 0, 0)
            yield _rows((Op.GSTORE, 0, 0, 0), (Op.CLEAR, 0, 0, 0))
        for d in self.depths():
            yield from self._repeat(d, self.iterations_of(g, d))
        if g == 0 and p.check:
            yield _rows((Op.GLOAD, 0, 0, 0))
            yield from self._walk_pieces(p.max_depth, 0, 0)
            yield _rows((Op.CLEAR, 0, 0, 0))
        yield _rows((Op.POP, 1, _BASE_BYTES, 0))

    def stream(self, g: int) -> Iterator[np.ndarray]:
        yield from rechunk(self._pieces(g))
