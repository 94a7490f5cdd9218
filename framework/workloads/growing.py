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

A permanent *base set* of ``base_objects`` objects (same size distribution, no churn; each
pointer field points to a uniformly chosen earlier base object, or is nil with probability
``nil_fraction``, always for the first) is allocated before the first phase into globals
``[peak_objects, peak_objects + base_objects)`` and never dropped. After each drop (the
phase's GSTOREs of nil and CLEARs) come ``flat_allocs`` pure-garbage allocations (pointer-free,
same size distribution, into s2, which is then cleared): the flat phase in which only the base
set is live and Go's heap goal collapses towards it. Both default to 0, which draws nothing.

With G goroutines, goroutine g owns globals ``i % G == g`` and base objects
``peak_objects + i`` with ``i % G == g``, its pointers stay within them, and it does
``flat_allocs // G`` flat allocations after each drop (one more for ``g < flat_allocs % G``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from framework.ops import NIL, Op
from framework.workloads.base import (
    CHUNK_OPS,
    GoroutineSpec,
    Workload,
    WorkloadParams,
    kept_rows,
)

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
    base_objects: int = Field(
        0, ge=0, le=100_000_000, description="permanent objects allocated before the phases"
    )
    flat_allocs: int = Field(
        0, ge=0, le=10_000_000_000, description="garbage allocations after each drop, all gs"
    )

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
        return self.params.peak_objects + self.params.base_objects

    @property
    def max_fields(self) -> int:
        return self.params.pointers

    def expected_allocations(self) -> int:
        p = self.params
        per_phase = round(p.peak_objects * (1 + p.churn)) + p.flat_allocs
        return p.base_objects + p.phases * per_phase

    def live_estimate(self) -> tuple[int, int]:
        p = self.params
        lo, hi = p.min_size, p.max_size
        mean = (hi - lo) / np.log(hi / lo) if hi > lo else lo  # log-uniform sizes
        objects = p.peak_objects + p.base_objects
        return objects, int(objects * mean)

    def _live_block(
        self, rng: np.random.Generator, own: np.ndarray, lo: int, hi: int, churn: float
    ) -> np.ndarray:
        """Ops allocating objects ``own[lo:hi]`` (pointing at earlier ones) with their churn."""
        p = self.params
        n = hi - lo
        P = p.pointers
        max_churn = int(np.ceil(churn))
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
            base = int(np.floor(churn))
            counts = base + (rng.random(n) < churn - base)
            sizes = log_uniform_sizes(rng, p.min_size, p.max_size, n * max_churn)
            c = ops[:, 2 + 2 * P :]
            c[:, :, 0] = Op.ALLOC
            c[:, :, 1] = 2
            c[:, :, 2] = sizes.reshape(n, max_churn)
            keep[:, 2 + 2 * P :] = np.arange(max_churn)[None, :] < counts[:, None]
        return kept_rows(ops, keep)

    def _flat_block(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` pointer-free garbage allocations into s2."""
        p = self.params
        ops = np.zeros((n, 4), dtype=np.int32)
        ops[:, 0] = Op.ALLOC
        ops[:, 1] = 2
        ops[:, 2] = log_uniform_sizes(rng, p.min_size, p.max_size, n)
        return ops

    def flat_share(self, g: int) -> int:
        """Goroutine ``g``'s flat allocations after each drop."""
        p = self.params
        return p.flat_allocs // p.goroutines + (1 if g < p.flat_allocs % p.goroutines else 0)

    def stream(self, g: int) -> Iterator[np.ndarray]:
        p = self.params
        rng = self.rng(g)
        own = np.arange(g, p.peak_objects, p.goroutines, dtype=np.int64)
        own_base = p.peak_objects + np.arange(g, p.base_objects, p.goroutines, dtype=np.int64)
        per = 2 + 2 * p.pointers + int(np.ceil(p.churn))
        batch = max(1, CHUNK_OPS // per)
        base_batch = max(1, CHUNK_OPS // (2 + 2 * p.pointers))
        drop_batch = CHUNK_OPS
        flat = self.flat_share(g)
        yield np.array([(Op.PUSH, _STACK_SLOTS, _FRAME_BYTES, 0)], dtype=np.int32)
        for lo in range(0, len(own_base), base_batch):
            yield self._live_block(rng, own_base, lo, min(len(own_base), lo + base_batch), 0.0)
        for _ in range(p.phases):
            for lo in range(0, len(own), batch):
                yield self._live_block(rng, own, lo, min(len(own), lo + batch), p.churn)
            for lo in range(0, len(own), drop_batch):
                idx = own[lo : lo + drop_batch]
                ops = np.zeros((len(idx), 4), dtype=np.int32)
                ops[:, 0] = Op.GSTORE
                ops[:, 1] = idx
                ops[:, 2] = NIL
                yield ops
            yield np.array([(Op.CLEAR, s, 0, 0) for s in range(_STACK_SLOTS)], dtype=np.int32)
            for lo in range(0, flat, CHUNK_OPS):
                yield self._flat_block(rng, min(CHUNK_OPS, flat - lo))
            if flat:
                yield np.array([(Op.CLEAR, 2, 0, 0)], dtype=np.int32)
        yield np.array([(Op.POP, _STACK_SLOTS, _FRAME_BYTES, 0)], dtype=np.int32)
