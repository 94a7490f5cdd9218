"""``steady``: a constant live heap with constant churn.

N live objects of S bytes, each holding P pointers into a set of A permanent anchor objects,
are kept in globals ``[0, N)``; anchors live in globals ``[N, N + A)``. After the live set is
built, M replacements each allocate a fresh object (pointing at random anchors) and store it
over a live one, chosen at random or oldest-first. The live heap therefore stays at about
``N * size_class(S) + A * size_class(anchor_size)`` and every replaced object becomes garbage.

With G goroutines, goroutine g owns table indices ``i % G == g`` and anchors ``k % G == g``,
and performs ``M // G`` (plus one for the first ``M % G``) replacements.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from framework.ops import Op
from framework.workloads.base import CHUNK_OPS, GoroutineSpec, Workload, WorkloadParams

_STACK_SLOTS = 2  # s0: the new object, s1: an anchor
_FRAME_BYTES = 64


class SteadyParams(WorkloadParams):
    name: Literal["steady"] = "steady"
    live_objects: int = Field(100_000, ge=1, le=100_000_000, description="N: live objects kept")
    object_size: int = Field(64, ge=1, le=1 << 20, description="S: bytes per live object")
    pointers: int = Field(1, ge=0, le=16, description="P: pointer fields per live object")
    anchors: int = Field(4096, ge=1, le=10_000_000, description="A: permanent anchor objects")
    anchor_size: int = Field(64, ge=1, le=1 << 20)
    replacements: int = Field(1_000_000, ge=0, le=10_000_000_000, description="M: allocations")
    replace: Literal["random", "oldest"] = "random"
    goroutines: int = Field(1, ge=1, le=4096)
    compute: int = Field(0, ge=0, le=1_000_000, description="COMPUTE units per replacement")

    @model_validator(mode="after")
    def _fits(self) -> SteadyParams:
        if self.pointers * 8 > self.object_size:
            raise ValueError(
                f"pointers={self.pointers} needs object_size >= {self.pointers * 8} (8 bytes each)"
            )
        if self.goroutines > min(self.live_objects, self.anchors):
            raise ValueError("goroutines must be <= live_objects and <= anchors")
        return self


class Steady(Workload):
    name = "steady"
    Params = SteadyParams
    smoke_params = {"live_objects": 5000, "anchors": 64, "replacements": 30_000, "goroutines": 2}
    params: SteadyParams

    def goroutines(self) -> list[GoroutineSpec]:
        return [GoroutineSpec() for _ in range(self.params.goroutines)]

    @property
    def n_globals(self) -> int:
        return self.params.live_objects + self.params.anchors

    @property
    def max_fields(self) -> int:
        return self.params.pointers

    def expected_allocations(self) -> int:
        p = self.params
        return p.live_objects + p.anchors + p.replacements

    def live_estimate(self) -> tuple[int, int]:
        p = self.params
        return (
            p.live_objects + p.anchors,
            p.live_objects * p.object_size + p.anchors * p.anchor_size,
        )

    def _replacement_block(self, table_idx: np.ndarray, anchor_idx: np.ndarray) -> np.ndarray:
        """Ops for allocating one object per entry of ``table_idx`` and storing it there.

        ``anchor_idx`` has shape ``(len(table_idx), P)``: the anchors each new object points to.
        """
        p = self.params
        n = len(table_idx)
        per = self._per_replacement
        ops = np.empty((n, per, 4), dtype=np.int32)
        ops[:] = self._template  # the constant parts of one replacement, broadcast
        for f in range(p.pointers):
            ops[:, 1 + 2 * f, 2] = p.live_objects + anchor_idx[:, f]
        ops[:, 2 * p.pointers + 1, 1] = table_idx
        return ops.reshape(n * per, 4)

    @functools.cached_property
    def _template(self) -> np.ndarray:
        """One replacement's ops with the per-replacement operands (anchor, table slot) 0:
        ALLOC, (GLOAD anchor, STORE) per pointer, GSTORE, [COMPUTE]."""
        p = self.params
        t = np.zeros((self._per_replacement, 4), dtype=np.int32)
        t[0] = (Op.ALLOC, 0, p.object_size, p.pointers)
        for f in range(p.pointers):
            t[1 + 2 * f] = (Op.GLOAD, 1, 0, 0)
            t[2 + 2 * f] = (Op.STORE, 0, f, 1)
        g = 2 * p.pointers + 1
        t[g] = (Op.GSTORE, 0, 0, 0)
        if p.compute:
            t[g + 1] = (Op.COMPUTE, p.compute, 0, 0)
        return t

    @property
    def _per_replacement(self) -> int:
        return 2 * self.params.pointers + 2 + (1 if self.params.compute else 0)

    def stream(self, g: int) -> Iterator[np.ndarray]:
        p = self.params
        rng = self.rng(g)
        G = p.goroutines
        own_table = np.arange(g, p.live_objects, G, dtype=np.int32)  # 4 B per live object
        own_anchors = np.arange(g, p.anchors, G, dtype=np.int64)
        batch = max(1, CHUNK_OPS // self._per_replacement)

        yield np.array([(Op.PUSH, _STACK_SLOTS, _FRAME_BYTES, 0)], dtype=np.int32)
        # Anchors: permanent objects held only by globals.
        for lo in range(0, len(own_anchors), batch):
            k = own_anchors[lo : lo + batch]
            ops = np.zeros((len(k), 2, 4), dtype=np.int32)
            ops[:, 0] = (Op.ALLOC, 0, p.anchor_size, 0)
            ops[:, 1, 0] = Op.GSTORE
            ops[:, 1, 1] = p.live_objects + k
            yield ops.reshape(-1, 4)
        # Build the live set.
        for lo in range(0, len(own_table), batch):
            idx = own_table[lo : lo + batch]
            anchors = rng.choice(own_anchors, size=(len(idx), p.pointers))
            yield self._replacement_block(idx, anchors)
        # Churn.
        m = p.replacements // G + (1 if g < p.replacements % G else 0)
        done = 0
        while done < m:
            n = min(batch, m - done)
            if p.replace == "random":
                idx = rng.choice(own_table, size=n)
            else:
                idx = own_table[(np.arange(done, done + n)) % len(own_table)]
            anchors = rng.choice(own_anchors, size=(n, p.pointers))
            yield self._replacement_block(idx, anchors)
            done += n
        yield np.array(
            [(Op.CLEAR, 0, 0, 0), (Op.CLEAR, 1, 0, 0), (Op.POP, _STACK_SLOTS, _FRAME_BYTES, 0)],
            dtype=np.int32,
        )
