"""``shuffle``: goroutines move objects between global slots through their stacks.

Each move loads the object of a random global slot onto the stack, clears that slot, works
for ``hold`` COMPUTE units while only its stack holds the object, then stores it into
another random slot (whose previous object becomes garbage); every ``alloc_every``-th move
stores a fresh object instead. This is the pattern that loses objects without a write
barrier (a pointer hides on an already-scanned stack while its heap copy is deleted), so
it is the workload ``gclab check`` uses to demonstrate unsafe barriers. With more than
32,768 slots the globals span several 256 KiB root jobs, so scanned and unscanned slots
coexist during marking.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from framework.ops import Op
from framework.workloads.base import CHUNK_OPS, GoroutineSpec, Workload, WorkloadParams


class ShuffleParams(WorkloadParams):
    name: Literal["shuffle"] = "shuffle"
    slots: int = Field(100_000, ge=1, le=50_000_000, description="global slots")
    moves: int = Field(500_000, ge=0, le=10_000_000_000, description="moves, all goroutines")
    object_size: int = Field(32, ge=1, le=1 << 20)
    hold: int = Field(20, ge=0, le=1_000_000, description="COMPUTE units an object is held")
    alloc_every: int = Field(4, ge=1, description="every n-th move stores a new object")
    goroutines: int = Field(2, ge=1, le=4096)

    @model_validator(mode="after")
    def _fits(self) -> ShuffleParams:
        if self.goroutines > self.slots:
            raise ValueError("goroutines must be <= slots")
        return self


class Shuffle(Workload):
    name = "shuffle"
    Params = ShuffleParams
    params: ShuffleParams
    smoke_params = {"slots": 4000, "moves": 80_000}

    def goroutines(self) -> list[GoroutineSpec]:
        return [GoroutineSpec() for _ in range(self.params.goroutines)]

    @property
    def n_globals(self) -> int:
        return self.params.slots

    @property
    def max_fields(self) -> int:
        return 0

    def stream(self, g: int) -> Iterator[np.ndarray]:
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
        m = p.moves // p.goroutines + (1 if g < p.moves % p.goroutines else 0)
        batch = CHUNK_OPS // 4
        done = 0
        while done < m:
            n = min(batch, m - done)
            i = rng.choice(own, size=n)
            j = rng.choice(own, size=n)
            fresh = (np.arange(done, done + n) % p.alloc_every) == 0
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
            done += n
        yield np.array([(Op.CLEAR, 0, 0, 0), (Op.POP, 1, 16, 0)], dtype=np.int32)
