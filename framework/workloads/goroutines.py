"""``goroutines``: many goroutines with deep, pointer-holding stacks that mostly park.

Goroutines ``0 .. allocating-1`` are non-daemon and run a steady churn (like ``steady``):
each owns ``live_objects`` globals (goroutine g: ``[g*live_objects, (g+1)*live_objects)``),
fills them with objects of ``object_size`` bytes whose ``pointers`` fields point to random
objects of its own region, then performs its share of ``replacements``: allocate a fresh
object (pointing at random own objects) and store it over a random own global. Rows per
object: ``ALLOC, (GLOAD, STORE) * pointers, GSTORE`` (4 with the defaults).

The other goroutines are daemons. Each pushes ``stack_depth`` frames of ``frame_slots``
pointer slots and ``frame_bytes`` bytes, allocating an object of ``daemon_object_size``
bytes with ``daemon_fields`` pointer fields into every slot as its frame is pushed, then
links its objects into a ring (field f of the object in slot i points at the object in slot
``(i + 1 + f) % n_slots``, so every field is non-nil). That setup is
``daemon_setup_rows`` rows. Then it loops forever: ``PARK park_ns`` followed by one small
piece of work on its own objects, a ``LOAD`` (slot x = slot y.field f, changing the stack)
with probability ``load_fraction``, else a pointer ``STORE`` (slot x.field f = slot y).
Every slot and field stays non-nil, so no op ever dereferences nil. The infinite part is
generated lazily in chunks of ``park_chunk`` iterations (2 rows each).

This is the workload behind "mark termination pause grows with goroutines and stack depth
under Dijkstra's barrier (stacks must be re-scanned), flat under the hybrid barrier".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from framework.ops import Op
from framework.workloads.base import CHUNK_OPS, GoroutineSpec, Workload, WorkloadParams

_ALLOC_SLOTS = 2  # allocating goroutines: s0 new object, s1 a loaded own object
_ALLOC_FRAME_BYTES = 64
_INT32_MAX = 2**31 - 1


class GoroutinesParams(WorkloadParams):
    name: Literal["goroutines"] = "goroutines"
    goroutines: int = Field(64, ge=1, le=100_000, description="all goroutines")
    allocating: int = Field(2, ge=1, le=100_000, description="non-daemon allocating goroutines")
    # allocating goroutines
    live_objects: int = Field(4096, ge=1, le=10_000_000, description="live objects per allocator")
    object_size: int = Field(64, ge=1, le=1 << 20)
    pointers: int = Field(1, ge=0, le=16, description="pointer fields per allocated object")
    replacements: int = Field(
        250_000, ge=0, le=10_000_000_000, description="churn allocations, split among allocators"
    )
    # daemon goroutines
    stack_depth: int = Field(32, ge=1, le=100_000, description="frames per daemon stack")
    frame_slots: int = Field(4, ge=1, le=1024, description="pointer slots per frame")
    frame_bytes: int = Field(256, ge=8, le=1 << 20, description="bytes per frame")
    daemon_object_size: int = Field(32, ge=8, le=1 << 20)
    daemon_fields: int = Field(2, ge=1, le=16, description="pointer fields per daemon object")
    park_ns: int = Field(1_000_000, ge=0, le=_INT32_MAX, description="ns per PARK")
    load_fraction: float = Field(0.5, ge=0.0, le=1.0, description="P(work is a LOAD)")
    park_chunk: int = Field(64, ge=1, le=CHUNK_OPS // 2, description="park iterations/chunk")

    @model_validator(mode="after")
    def _fits(self) -> GoroutinesParams:
        if self.allocating > self.goroutines:
            raise ValueError(f"allocating={self.allocating} > goroutines={self.goroutines}")
        if self.pointers * 8 > self.object_size:
            raise ValueError(f"pointers={self.pointers} needs object_size >= {self.pointers * 8}")
        if self.daemon_fields * 8 > self.daemon_object_size:
            raise ValueError(
                f"daemon_fields={self.daemon_fields} needs daemon_object_size >= "
                f"{self.daemon_fields * 8}"
            )
        if self.frame_slots * 8 > self.frame_bytes:
            raise ValueError(
                f"frame_slots={self.frame_slots} needs frame_bytes >= {self.frame_slots * 8}"
            )
        if self.stack_depth * self.frame_slots > _INT32_MAX // 2:
            raise ValueError("stack_depth * frame_slots too large")
        return self


class Goroutines(Workload):
    name = "goroutines"
    Params = GoroutinesParams
    smoke_params = {
        "goroutines": 12,
        "allocating": 2,
        "live_objects": 1000,
        "replacements": 20_000,
        "stack_depth": 8,
        "park_ns": 20_000,
    }
    params: GoroutinesParams

    def goroutines(self) -> list[GoroutineSpec]:
        p = self.params
        return [GoroutineSpec(daemon=g >= p.allocating) for g in range(p.goroutines)]

    @property
    def daemons(self) -> int:
        return self.params.goroutines - self.params.allocating

    @property
    def n_globals(self) -> int:
        return self.params.allocating * self.params.live_objects

    @property
    def max_fields(self) -> int:
        p = self.params
        return max(p.pointers, p.daemon_fields if self.daemons else 0)

    @property
    def daemon_slots(self) -> int:
        return self.params.stack_depth * self.params.frame_slots

    @property
    def daemon_setup_rows(self) -> int:
        """Rows of a daemon's stream before its infinite park loop starts."""
        p = self.params
        return p.stack_depth * (1 + p.frame_slots) + self.daemon_slots * p.daemon_fields

    def daemon_stack_bytes(self) -> int:
        """Stack bytes of one daemon after its setup."""
        return self.params.stack_depth * self.params.frame_bytes

    # --- allocating goroutines ----------------------------------------------------

    def _replacement_block(self, table_idx: np.ndarray, targets: np.ndarray) -> np.ndarray:
        p = self.params
        n = len(table_idx)
        per = 2 * p.pointers + 2
        ops = np.zeros((n, per, 4), dtype=np.int32)
        ops[:, 0] = (Op.ALLOC, 0, p.object_size, p.pointers)
        for f in range(p.pointers):
            ops[:, 1 + 2 * f, 0] = Op.GLOAD
            ops[:, 1 + 2 * f, 1] = 1
            ops[:, 1 + 2 * f, 2] = targets[:, f]
            ops[:, 2 + 2 * f] = (Op.STORE, 0, f, 1)
        ops[:, per - 1, 0] = Op.GSTORE
        ops[:, per - 1, 1] = table_idx
        return ops.reshape(n * per, 4)

    def _allocator_stream(self, g: int) -> Iterator[np.ndarray]:
        p = self.params
        rng = self.rng(g)
        own = np.arange(g * p.live_objects, (g + 1) * p.live_objects, dtype=np.int64)
        batch = max(1, CHUNK_OPS // (2 * p.pointers + 2))
        yield np.array([(Op.PUSH, _ALLOC_SLOTS, _ALLOC_FRAME_BYTES, 0)], dtype=np.int32)
        for lo in range(0, len(own), batch):
            idx = own[lo : lo + batch]
            yield self._replacement_block(idx, rng.choice(own, size=(len(idx), p.pointers)))
        m = p.replacements // p.allocating + (1 if g < p.replacements % p.allocating else 0)
        for lo in range(0, m, batch):
            n = min(batch, m - lo)
            yield self._replacement_block(
                rng.choice(own, size=n), rng.choice(own, size=(n, p.pointers))
            )
        yield np.array(
            [
                (Op.CLEAR, 0, 0, 0),
                (Op.CLEAR, 1, 0, 0),
                (Op.POP, _ALLOC_SLOTS, _ALLOC_FRAME_BYTES, 0),
            ],
            dtype=np.int32,
        )

    # --- daemon goroutines --------------------------------------------------------

    def _daemon_setup(self) -> np.ndarray:
        p = self.params
        S, F, D = p.frame_slots, p.daemon_fields, p.stack_depth
        frames = np.zeros((D, 1 + S, 4), dtype=np.int32)
        frames[:, 0] = (Op.PUSH, S, p.frame_bytes, 0)
        frames[:, 1:, 0] = Op.ALLOC
        frames[:, 1:, 1] = np.arange(D * S).reshape(D, S)
        frames[:, 1:, 2] = p.daemon_object_size
        frames[:, 1:, 3] = F
        n = D * S
        links = np.zeros((n, F, 4), dtype=np.int32)
        slots = np.arange(n)
        links[:, :, 0] = Op.STORE
        links[:, :, 1] = slots[:, None]
        links[:, :, 2] = np.arange(F)[None, :]
        links[:, :, 3] = (slots[:, None] + 1 + np.arange(F)[None, :]) % n
        return np.concatenate([frames.reshape(-1, 4), links.reshape(-1, 4)])

    def _daemon_stream(self, g: int) -> Iterator[np.ndarray]:
        p = self.params
        rng = self.rng(g)
        setup = self._daemon_setup()
        for lo in range(0, len(setup), CHUNK_OPS):
            yield setup[lo : lo + CHUNK_OPS]
        n, k = self.daemon_slots, p.park_chunk
        while True:
            ops = np.zeros((k, 2, 4), dtype=np.int32)
            ops[:, 0, 0] = Op.PARK
            ops[:, 0, 1] = p.park_ns
            x = rng.integers(0, n, size=k)
            y = rng.integers(0, n, size=k)
            f = rng.integers(0, p.daemon_fields, size=k)
            load = rng.random(k) < p.load_fraction
            w = ops[:, 1]
            w[:, 0] = np.where(load, Op.LOAD, Op.STORE)
            w[:, 1] = x
            w[:, 2] = np.where(load, y, f)
            w[:, 3] = np.where(load, f, y)
            yield ops.reshape(-1, 4)

    def stream(self, g: int) -> Iterator[np.ndarray]:
        if g < self.params.allocating:
            return self._allocator_stream(g)
        return self._daemon_stream(g)
