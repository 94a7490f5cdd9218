"""``growing``: a live set that ramps up to a peak and is then dropped, ``phases`` times.

Each phase allocates ``peak_objects`` live objects, one after the other, into globals
``[0, peak_objects)`` (object i into global i). Sizes are log-uniform in
``[min_size, max_size]`` bytes; each object has ``pointers`` fields, each of which points to
a uniformly chosen earlier live object of the same phase (or stays nil with probability
``nil_fraction``; always nil for the first object). After each live allocation come on
average ``churn`` short-lived garbage allocations (pointer-free, same size distribution;
``floor(churn)`` plus one more with probability ``churn - floor(churn)``). At the end of a
phase every global is set to nil and the stack slots are cleared, so nothing is reachable.

Stack: one frame of 3 slots (s0: the new live object, s1: a loaded earlier object, s2: the
latest garbage object). Rows per live object: ``ALLOC``, ``GLOAD + STORE`` per non-nil
pointer, ``GSTORE``, then the churn ``ALLOC``s; plus one ``GSTORE nil`` per object per drop.
Defaults: about (1 + 2*2*0.75 + 1 + 4) + 1 = 10 rows per live object, 10^6 rows in all.

With G goroutines, goroutine g owns globals ``i % G == g`` and its pointers stay within them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from framework.ops import NIL, Op
from framework.workloads.base import CHUNK_OPS, GoroutineSpec, Workload, WorkloadParams

_STACK_SLOTS = 3
_FRAME_BYTES = 64


def log_uniform_sizes(rng: np.random.Generator, lo: int, hi: int, n: int) -> np.ndarray:
    """``n`` integer sizes log-uniformly distributed in ``[lo, hi]``."""
    u = rng.uniform(np.log(lo), np.log(hi + 1), size=n)
    return np.clip(np.floor(np.exp(u)), lo, hi).astype(np.int64)


class GrowingParams(WorkloadParams):
    name: Literal["growing"] = "growing"
    peak_objects: int = Field(50_000, ge=1, le=100_000_000, description="live objects at peak")
    min_size: int = Field(16, ge=1, le=1 << 24, description="smallest object size (bytes)")
    max_size: int = Field(2048, ge=1, le=1 << 24, description="largest object size (bytes)")
    pointers: int = Field(2, ge=0, le=16, description="pointer fields per live object")
    nil_fraction: float = Field(0.25, ge=0.0, le=1.0, description="P(a pointer field is nil)")
    churn: float = Field(4.0, ge=0.0, le=1000.0, description="garbage allocs per live alloc")
    phases: int = Field(2, ge=1, le=1000, description="ramp-up / drop cycles")
    goroutines: int = Field(1, ge=1, le=4096)

    @model_validator(mode="after")
    def _fits(self) -> GrowingParams:
        if self.min_size > self.max_size:
            raise ValueError(f"min_size={self.min_size} > max_size={self.max_size}")
        if self.pointers * 8 > self.min_size:
            raise ValueError(
                f"pointers={self.pointers} needs min_size >= {self.pointers * 8} (8 bytes each)"
            )
        if self.goroutines > self.peak_objects:
            raise ValueError("goroutines must be <= peak_objects")
        return self


class Growing(Workload):
    name = "growing"
    Params = GrowingParams
    smoke_params = {"peak_objects": 3000, "churn": 2.0, "phases": 2}
    params: GrowingParams

    def goroutines(self) -> list[GoroutineSpec]:
        return [GoroutineSpec() for _ in range(self.params.goroutines)]

    @property
    def n_globals(self) -> int:
        return self.params.peak_objects

    @property
    def max_fields(self) -> int:
        return self.params.pointers

    def _live_block(
        self, rng: np.random.Generator, own: np.ndarray, lo: int, hi: int
    ) -> np.ndarray:
        """Ops allocating own live objects ``lo .. hi-1`` (local indices) with their churn."""
        p = self.params
        n = hi - lo
        P = p.pointers
        max_churn = int(np.ceil(p.churn))
        per = 2 + 2 * P + max_churn
        ops = np.zeros((n, per, 4), dtype=np.int32)
        keep = np.ones((n, per), dtype=bool)
        ops[:, 0, 0] = Op.ALLOC
        ops[:, 0, 2] = log_uniform_sizes(rng, p.min_size, p.max_size, n)
        ops[:, 0, 3] = P
        local = np.arange(lo, hi)
        if P:
            earlier = np.floor(rng.random((n, P)) * local[:, None]).astype(np.int64)
            nil = (rng.random((n, P)) < p.nil_fraction) | (local[:, None] == 0)
            for f in range(P):
                ops[:, 1 + 2 * f, 0] = Op.GLOAD
                ops[:, 1 + 2 * f, 1] = 1
                ops[:, 1 + 2 * f, 2] = own[earlier[:, f]]
                ops[:, 2 + 2 * f] = (Op.STORE, 0, f, 1)
                keep[:, 1 + 2 * f] = keep[:, 2 + 2 * f] = ~nil[:, f]
        ops[:, 1 + 2 * P, 0] = Op.GSTORE
        ops[:, 1 + 2 * P, 1] = own[local]
        if max_churn:
            base = int(np.floor(p.churn))
            counts = base + (rng.random(n) < p.churn - base)
            sizes = log_uniform_sizes(rng, p.min_size, p.max_size, n * max_churn)
            c = ops[:, 2 + 2 * P :]
            c[:, :, 0] = Op.ALLOC
            c[:, :, 1] = 2
            c[:, :, 2] = sizes.reshape(n, max_churn)
            keep[:, 2 + 2 * P :] = np.arange(max_churn)[None, :] < counts[:, None]
        return np.ascontiguousarray(ops[keep])

    def stream(self, g: int) -> Iterator[np.ndarray]:
        p = self.params
        rng = self.rng(g)
        own = np.arange(g, p.peak_objects, p.goroutines, dtype=np.int64)
        per = 2 + 2 * p.pointers + int(np.ceil(p.churn))
        batch = max(1, CHUNK_OPS // per)
        drop_batch = CHUNK_OPS
        yield np.array([(Op.PUSH, _STACK_SLOTS, _FRAME_BYTES, 0)], dtype=np.int32)
        for _ in range(p.phases):
            for lo in range(0, len(own), batch):
                yield self._live_block(rng, own, lo, min(len(own), lo + batch))
            for lo in range(0, len(own), drop_batch):
                idx = own[lo : lo + drop_batch]
                ops = np.zeros((len(idx), 4), dtype=np.int32)
                ops[:, 0] = Op.GSTORE
                ops[:, 1] = idx
                ops[:, 2] = NIL
                yield ops
            yield np.array([(Op.CLEAR, s, 0, 0) for s in range(_STACK_SLOTS)], dtype=np.int32)
        yield np.array([(Op.POP, _STACK_SLOTS, _FRAME_BYTES, 0)], dtype=np.int32)
