"""``replay``: a synthetic program that follows a real program's gctrace log.

Written by ``gclab replay`` (``framework/replay/derive.py``) from a log, and editable like any
workload. The program's progress is measured in bytes allocated, never in time, so the same
stream behaves like the logged program under any GOGC, limit or collector.

Rules:

- The run is a list of *segments* (one per interval between two logged GC starts, plus the
  head before the first and the tail after the last). In segment k the goroutines together
  allocate ``segment_alloc[k]`` bytes, and the live heap moves linearly (in allocated
  bytes) from the previous segment's ``segment_live`` to ``segment_live[k]``.
- Each allocation is one object; its size is drawn from ``sizes`` with ``size_weights``
  (one size by default) and it has ``pointers`` fields, each pointing to a random live
  *anchor* (``_ANCHORS`` permanent 16-byte pointer-free objects per goroutine, in globals
  after the slots): pointing at live objects would keep replaced ones reachable. A new
  object either fills a new live *slot* (while the live set grows) or replaces a random
  live one, which becomes garbage; while the live set shrinks, slots are set to nil.
  Targets are applied every ``_STEP`` allocations.
- Live slots are globals (``holder = "globals"``, as a program's global table) or fields of
  permanent pointer arrays of ``_HOLDER_FIELDS`` fields in the heap held by globals
  (``holder = "heap"``, as a slice of pointers). Slot counts are live bytes over the mean
  object size (plus 8 bytes a slot in the heap holders, which are live heap too).
- ``globals_bytes`` pads the globals with nil slots up to that size (Go counts every
  global in the heap goal); ``stack_bytes`` is split over the goroutines' one frame.
- After each allocation comes ``COMPUTE segment_compute[k]`` (ns at the default
  ``cost.compute_ns`` = 1): the mutator's own work, which makes the simulated wall clock
  follow the log's timestamps.
- Goroutine g does every allocation ``i % goroutines == g`` of a segment and owns the slots
  ``[g * C, (g + 1) * C)`` with ``C = ceil(max slots / goroutines)``.
"""

from __future__ import annotations

import math
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

_STEP = 1024  # allocations between two applications of the live-set target
_HOLDER_FIELDS = 128  # pointer fields of one heap holder (a 1 KiB pointer array)
_ANCHORS = 64
_ANCHOR_BYTES = 16
_SLOTS = 4  # s0 the new object, s1 a loaded live object, s2 a holder, s3 always nil
_INT32_MAX = 2**31 - 1
_MAX_SEGMENTS = 100_000


def _rechunk(blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    """The rows of ``blocks`` in chunks of ``CHUNK_OPS`` rows (the last one shorter)."""
    buf: list[np.ndarray] = []
    n = 0
    for b in blocks:
        buf.append(b)
        n += len(b)
        if n >= CHUNK_OPS:
            rows = np.concatenate(buf)
            whole = len(rows) - len(rows) % CHUNK_OPS
            for lo in range(0, whole, CHUNK_OPS):
                yield rows[lo : lo + CHUNK_OPS]
            buf, n = ([rows[whole:]], len(rows) - whole) if whole < len(rows) else ([], 0)
    if n:
        yield np.ascontiguousarray(np.concatenate(buf))


class ReplayParams(WorkloadParams):
    name: Literal["replay"] = "replay"
    sizes: list[int] = Field(
        [64], min_length=1, max_length=64, description="object sizes (bytes) drawn per alloc"
    )
    size_weights: list[float] = Field(
        [1.0], min_length=1, max_length=64, description="relative frequency of each size"
    )
    pointers: int = Field(1, ge=0, le=16, description="pointer fields per object")
    segment_alloc: list[int] = Field(
        [16_000_000, 16_000_000],
        min_length=1,
        max_length=_MAX_SEGMENTS,
        description="bytes allocated per segment",
    )
    segment_live: list[int] = Field(
        [4_000_000, 2_000_000],
        min_length=1,
        max_length=_MAX_SEGMENTS,
        description="live bytes at segment end",
    )
    segment_compute: list[int] = Field(
        [0, 0], min_length=1, max_length=_MAX_SEGMENTS, description="COMPUTE units per alloc"
    )
    holder: Literal["globals", "heap"] = Field(
        "globals", description="live slots are globals or fields of heap pointer arrays"
    )
    globals_bytes: int = Field(0, ge=0, le=1 << 30, description="pad globals to this size")
    stack_bytes: int = Field(0, ge=0, le=1 << 30, description="frame bytes over all goroutines")
    goroutines: int = Field(1, ge=1, le=4096, description="allocating goroutines")

    @model_validator(mode="after")
    def _fits(self) -> ReplayParams:
        n = len(self.segment_alloc)
        if len(self.segment_live) != n or len(self.segment_compute) != n:
            raise ValueError(
                "segment_alloc, segment_live and segment_compute must have the same length"
            )
        if len(self.sizes) != len(self.size_weights):
            raise ValueError("sizes and size_weights must have the same length")
        if min(self.sizes) < max(1, 8 * self.pointers) or max(self.sizes) > 1 << 24:
            raise ValueError(
                f"sizes must be in [{max(1, 8 * self.pointers)}, {1 << 24}] bytes "
                f"(pointers={self.pointers} needs 8 bytes each)"
            )
        if min(self.size_weights) < 0 or sum(self.size_weights) <= 0:
            raise ValueError("size_weights must be >= 0 with a positive sum")
        if min(self.segment_alloc) < 0 or min(self.segment_live) < 0:
            raise ValueError("segment_alloc and segment_live must be >= 0")
        if min(self.segment_compute) < 0 or max(self.segment_compute) > _INT32_MAX:
            raise ValueError(f"segment_compute must be in [0, {_INT32_MAX}]")
        if sum(self.segment_alloc) > 1 << 40:
            raise ValueError("segment_alloc: at most 1 TiB allocated in all")
        return self


class Replay(Workload):
    name = "replay"
    Params = ReplayParams
    smoke_params = {
        "segment_alloc": [2_000_000, 2_000_000, 1_000_000],
        "segment_live": [500_000, 300_000, 400_000],
        "segment_compute": [10, 10, 10],
        "goroutines": 2,
    }
    params: ReplayParams

    # --- derived sizes -------------------------------------------------------------------
    @property
    def mean_size(self) -> float:
        p = self.params
        w = np.asarray(p.size_weights, dtype=np.float64)
        return float(np.dot(np.asarray(p.sizes, dtype=np.float64), w / w.sum()))

    @property
    def _slot_bytes(self) -> float:
        """Live bytes one slot stands for (a heap holder's 8 bytes included)."""
        return self.mean_size + (8 if self.params.holder == "heap" else 0)

    def _counts(self, live: int) -> int:
        return int(live / self._slot_bytes)

    @property
    def per_goroutine(self) -> int:
        """Slots each goroutine owns (``C``)."""
        p = self.params
        return max(1, math.ceil(self._counts(max(p.segment_live)) / p.goroutines))

    @property
    def _holders_per_g(self) -> int:
        return math.ceil(self.per_goroutine / _HOLDER_FIELDS)

    @property
    def _slot_globals(self) -> int:
        p = self.params
        if p.holder == "globals":
            return self.per_goroutine * p.goroutines
        return self._holders_per_g * p.goroutines

    # --- Workload interface ---------------------------------------------------------------
    def goroutines(self) -> list[GoroutineSpec]:
        return [GoroutineSpec() for _ in range(self.params.goroutines)]

    @property
    def _anchor_base(self) -> int:
        return self._slot_globals

    @property
    def n_globals(self) -> int:
        anchors = _ANCHORS * self.params.goroutines if self.params.pointers else 0
        return max(self._slot_globals + anchors, self.params.globals_bytes // 8)

    @property
    def max_fields(self) -> int:
        return max(self.params.pointers, _HOLDER_FIELDS if self.params.holder == "heap" else 0)

    def live_estimate(self) -> tuple[int, int]:
        live = max(self.params.segment_live)
        return self._counts(live), live

    @property
    def _frame_bytes(self) -> int:
        return max(64, self.params.stack_bytes // self.params.goroutines)

    def stream(self, g: int) -> Iterator[np.ndarray]:
        return _rechunk(self._blocks(g))

    def _blocks(self, g: int) -> Iterator[np.ndarray]:
        """Goroutine ``g``'s ops in blocks of any size."""
        p = self.params
        rng = self.rng(g)
        G = p.goroutines
        C = self.per_goroutine
        base = g * C
        sizes = np.asarray(p.sizes, dtype=np.int64)
        w = np.asarray(p.size_weights, dtype=np.float64)
        w = w / w.sum()
        mean = self.mean_size
        frame = self._frame_bytes
        yield np.array([(Op.PUSH, _SLOTS, frame, 0)], dtype=np.int32)
        if p.holder == "heap":
            hb = _HOLDER_FIELDS * 8
            h0 = g * self._holders_per_g
            ops = np.zeros((self._holders_per_g, 2, 4), dtype=np.int32)
            ops[:, 0] = (Op.ALLOC, 2, hb, _HOLDER_FIELDS)
            ops[:, 1, 0] = Op.GSTORE
            ops[:, 1, 1] = h0 + np.arange(self._holders_per_g)
            ops[:, 1, 2] = 2
            yield ops.reshape(-1, 4)
        a0 = self._anchor_base + g * _ANCHORS
        if p.pointers:
            ops = np.zeros((_ANCHORS, 2, 4), dtype=np.int32)
            ops[:, 0] = (Op.ALLOC, 1, _ANCHOR_BYTES, 0)
            ops[:, 1, 0] = Op.GSTORE
            ops[:, 1, 1] = a0 + np.arange(_ANCHORS)
            ops[:, 1, 2] = 1
            yield ops.reshape(-1, 4)
        count = 0  # live slots of this goroutine: [base, base + count)
        live_prev = 0
        for k in range(len(p.segment_alloc)):
            total = round(p.segment_alloc[k] / mean)
            n = total // G + (1 if g < total % G else 0)
            compute = int(p.segment_compute[k])
            live0, live1 = live_prev, p.segment_live[k]
            live_prev = live1
            done = 0
            while done < n:
                m = min(_STEP, n - done)
                done += m
                target = min(C, self._counts(live0 + (live1 - live0) * done / n) // G)
                if target < count:
                    yield self._clear(base + np.arange(target, count))
                    count = target
                grow = min(m, max(0, target - count))
                slots = np.empty(m, dtype=np.int64)
                slots[:grow] = base + count + np.arange(grow)
                count += grow
                if count:
                    slots[grow:] = base + rng.integers(0, count, size=m - grow)
                else:
                    slots[grow:] = -1  # nothing live yet: the object is garbage at once
                size = sizes[rng.choice(len(sizes), size=m, p=w)] if len(sizes) > 1 else None
                srcs = a0 + rng.integers(0, _ANCHORS, size=(m, p.pointers))
                yield self._alloc_block(slots, size, srcs, compute)
        clear = [(Op.CLEAR, s, 0, 0) for s in range(_SLOTS)]
        yield np.array([*clear, (Op.POP, _SLOTS, frame, 0)], dtype=np.int32)

    # --- op blocks ------------------------------------------------------------------------
    def _put(self, ops: np.ndarray, col: int, slots: np.ndarray, src: int) -> int:
        """Write rows storing stack slot ``src`` (or NIL) into live ``slots`` at ``ops[:,
        col:]``; returns the rows used per slot."""
        if self.params.holder == "globals":
            ops[:, col, 0] = Op.GSTORE
            ops[:, col, 1] = slots
            ops[:, col, 2] = src
            return 1
        ops[:, col, 0] = Op.GLOAD
        ops[:, col, 1] = 2
        ops[:, col, 2] = self._holder_of(slots)
        ops[:, col + 1, 0] = Op.STORE
        ops[:, col + 1, 1] = 2
        ops[:, col + 1, 2] = slots % self.per_goroutine % _HOLDER_FIELDS
        ops[:, col + 1, 3] = src
        return 2

    def _holder_of(self, slots: np.ndarray) -> np.ndarray:
        C = self.per_goroutine
        g, local = slots // C, slots % C
        return g * self._holders_per_g + local // _HOLDER_FIELDS

    def _clear(self, slots: np.ndarray) -> np.ndarray:
        per = 1 if self.params.holder == "globals" else 2
        ops = np.zeros((len(slots), per, 4), dtype=np.int32)
        self._put(ops, 0, slots, NIL)
        return ops.reshape(-1, 4)

    def _alloc_block(
        self,
        slots: np.ndarray,
        size: np.ndarray | None,
        srcs: np.ndarray,
        compute: int,
    ) -> np.ndarray:
        """One allocation per entry of ``slots`` (-1: kept nowhere), each followed by its
        pointer stores (to the anchors ``srcs``), the store into its slot and its COMPUTE."""
        p = self.params
        m = len(slots)
        h = 1 if p.holder == "globals" else 2
        P = p.pointers
        per = 1 + 2 * P + h + (1 if compute else 0)
        ops = np.zeros((m, per, 4), dtype=np.int32)
        keep = np.ones((m, per), dtype=bool)
        ops[:, 0, 0] = Op.ALLOC
        ops[:, 0, 2] = p.sizes[0] if size is None else size
        ops[:, 0, 3] = p.pointers
        col = 1
        for f in range(P):
            ops[:, col, 0] = Op.GLOAD
            ops[:, col, 1] = 1
            ops[:, col, 2] = srcs[:, f]
            ops[:, col + 1] = (Op.STORE, 0, f, 1)
            col += 2
        kept = slots >= 0
        safe = np.where(kept, slots, 0)
        self._put(ops, col, safe, 0)
        keep[:, col : col + h] = kept[:, None]
        col += h
        if compute:
            ops[:, col] = (Op.COMPUTE, compute, 0, 0)
        return kept_rows(ops, keep)
