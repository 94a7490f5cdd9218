"""``shuffle``: goroutines move objects between global slots through their stacks.

Each move loads the object of a random global slot onto the stack, clears that slot, works
for ``hold`` COMPUTE units while only its stack holds the object, then stores it into
another random slot (whose previous object becomes garbage); every ``alloc_every``-th move
stores a fresh object instead. This is the pattern that loses objects without a write
barrier (a pointer hides on an already-scanned stack while its heap copy is deleted), so
it is the workload ``gclab check`` uses to demonstrate unsafe barriers. With more than
32,768 slots the globals span several 256 KiB root jobs, so scanned and unscanned slots
coexist during marking.

With ``via = "heap"`` the slots are the pointer fields of *container* objects (``fields``
each), every container anchored in a global. Globals are scanned before stacks (Go's
markroot order), so a barrier that only misbehaves once the writer's stack is black (the
hybrid barrier without its deletion half) never meets an unscanned global slot; heap
containers are blackened throughout the mark phase, so there it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from framework.ops import Op
from framework.runtime.heap import MAX_FIELDS
from framework.workloads.base import CHUNK_OPS, GoroutineSpec, Workload, WorkloadParams


class ShuffleParams(WorkloadParams):
    name: Literal["shuffle"] = "shuffle"
    slots: int = Field(100_000, ge=1, le=50_000_000, description="global slots")
    moves: int = Field(500_000, ge=0, le=10_000_000_000, description="moves, all goroutines")
    object_size: int = Field(32, ge=1, le=1 << 20)
    hold: int = Field(20, ge=0, le=1_000_000, description="COMPUTE units an object is held")
    alloc_every: int = Field(
        4, ge=1, le=2**31 - 1, description="every n-th move stores a new object"
    )
    goroutines: int = Field(2, ge=1, le=4096)
    via: Literal["globals", "heap"] = Field(
        "globals", description="slots are globals, or fields of heap containers"
    )
    fields: int = Field(
        8, ge=1, le=MAX_FIELDS, description="slots per container (via heap; at most 255)"
    )

    @model_validator(mode="after")
    def _fits(self) -> ShuffleParams:
        if self.goroutines > self.slots:
            raise ValueError("goroutines must be <= slots")
        if self.via == "heap" and self.goroutines > -(-self.slots // self.fields):
            raise ValueError("goroutines must be <= containers (slots / fields, rounded up)")
        return self


class Shuffle(Workload):
    name = "shuffle"
    Params = ShuffleParams
    params: ShuffleParams
    smoke_params = {"slots": 4000, "moves": 80_000}

    def goroutines(self) -> list[GoroutineSpec]:
        return [GoroutineSpec() for _ in range(self.params.goroutines)]

    @property
    def n_containers(self) -> int:
        p = self.params
        return -(-p.slots // p.fields)

    @property
    def n_globals(self) -> int:
        return self.n_containers if self.params.via == "heap" else self.params.slots

    @property
    def max_fields(self) -> int:
        return self.params.fields if self.params.via == "heap" else 0

    def live_estimate(self) -> tuple[int, int]:
        p = self.params
        containers = self.n_containers if p.via == "heap" else 0
        return p.slots + containers, p.slots * p.object_size + containers * 8 * p.fields

    def stream(self, g: int) -> Iterator[np.ndarray]:
        if self.params.via == "heap":
            yield from self._heap_stream(g)
        else:
            yield from self._globals_stream(g)

    def _move_batches(self, g: int, batch: int) -> Iterator[tuple[int, np.ndarray]]:
        """Goroutine ``g``'s share of the moves in batches of at most ``batch``: (moves in
        the batch, which of them store a fresh object instead)."""
        p = self.params
        m = p.moves // p.goroutines + (1 if g < p.moves % p.goroutines else 0)
        for done in range(0, m, batch):
            n = min(batch, m - done)
            yield n, (np.arange(done, done + n) % p.alloc_every) == 0

    def _globals_stream(self, g: int) -> Iterator[np.ndarray]:
        p = self.params
        rng = self.rng(g)
        own = np.arange(g, p.slots, p.goroutines, dtype=np.int64)
        yield np.array([(Op.PUSH, 1, 16, 0)], dtype=np.int32)
        for lo in range(0, len(own), CHUNK_OPS // 2):
            k = own[lo : lo + CHUNK_OPS // 2]
            ops = np.zeros((len(k), 2, 4), dtype=np.int32)
            ops[:, 0] = (Op.ALLOC, 0, p.object_size, 0)
            ops[:, 1, 0] = Op.GSTORE
            ops[:, 1, 1] = k
            yield ops.reshape(-1, 4)
        for n, fresh in self._move_batches(g, CHUNK_OPS // 4):
            i = rng.choice(own, size=n)
            j = rng.choice(own, size=n)
            ops = np.zeros((n, 4, 4), dtype=np.int32)
            ops[:, 0, 0] = np.where(fresh, Op.ALLOC, Op.GLOAD)
            ops[:, 0, 1] = 0
            ops[:, 0, 2] = np.where(fresh, p.object_size, i)
            ops[:, 1, 0] = np.where(fresh, Op.COMPUTE, Op.GSTORE)  # clear the source slot
            ops[:, 1, 1] = np.where(fresh, 0, i)
            ops[:, 1, 2] = np.where(fresh, 0, -1)
            ops[:, 2] = (Op.COMPUTE, p.hold, 0, 0)
            ops[:, 3, 0] = Op.GSTORE
            ops[:, 3, 1] = j
            ops[:, 3, 2] = 0
            yield ops.reshape(-1, 4)
        yield np.array([(Op.CLEAR, 0, 0, 0), (Op.POP, 1, 16, 0)], dtype=np.int32)

    def _heap_stream(self, g: int) -> Iterator[np.ndarray]:
        """Stack slot 0 holds the moving object, slot 1 the container in hand. Goroutine g
        owns containers g, g + G, ...; slot k is field k % fields of container k // fields."""
        p = self.params
        rng = self.rng(g)
        f = p.fields
        own = np.arange(g, self.n_containers, p.goroutines, dtype=np.int64)
        size = max(p.object_size, 8 * f)
        yield np.array([(Op.PUSH, 2, 24, 0)], dtype=np.int32)
        per = max(1, CHUNK_OPS // (2 + 2 * f))
        for lo in range(0, len(own), per):
            c = own[lo : lo + per]
            ops = np.zeros((len(c), 2 + 2 * f, 4), dtype=np.int32)
            ops[:, 0] = (Op.ALLOC, 1, size, f)
            ops[:, 1, 0] = Op.GSTORE
            ops[:, 1, 1] = c
            ops[:, 1, 2] = 1
            ops[:, 2::2] = (Op.ALLOC, 0, p.object_size, 0)
            ops[:, 3::2, 0] = Op.STORE
            ops[:, 3::2, 1] = 1
            ops[:, 3::2, 2] = np.arange(f)
            ops[:, 3::2, 3] = 0
            yield ops.reshape(-1, 4)
        for n, fresh in self._move_batches(g, CHUNK_OPS // 6):
            ci, cj = rng.choice(own, size=n), rng.choice(own, size=n)
            fi, fj = rng.integers(0, f, size=n), rng.integers(0, f, size=n)
            ops = np.zeros((n, 6, 4), dtype=np.int32)
            ops[:, 0] = np.where(fresh[:, None], (Op.COMPUTE, 0, 0, 0), (Op.GLOAD, 1, 0, 0))
            ops[:, 0, 2] = np.where(fresh, 0, ci)
            ops[:, 1, 0] = np.where(fresh, Op.ALLOC, Op.LOAD)  # take the object ...
            ops[:, 1, 1] = 0
            ops[:, 1, 2] = np.where(fresh, p.object_size, 1)
            ops[:, 1, 3] = np.where(fresh, 0, fi)
            ops[:, 2, 0] = np.where(fresh, Op.COMPUTE, Op.STORE)  # ... and clear its slot
            ops[:, 2, 1] = np.where(fresh, 0, 1)
            ops[:, 2, 2] = np.where(fresh, 0, fi)
            ops[:, 2, 3] = np.where(fresh, 0, -1)
            ops[:, 3] = (Op.COMPUTE, p.hold, 0, 0)
            ops[:, 4, 0] = Op.GLOAD
            ops[:, 4, 1] = 1
            ops[:, 4, 2] = cj
            ops[:, 5, 0] = Op.STORE
            ops[:, 5, 1] = 1
            ops[:, 5, 2] = fj
            ops[:, 5, 3] = 0
            yield ops.reshape(-1, 4)
        yield np.array(
            [(Op.CLEAR, 0, 0, 0), (Op.CLEAR, 1, 0, 0), (Op.POP, 2, 24, 0)], dtype=np.int32
        )
