"""``goroutines``: allocating goroutines next to many goroutines with deep, pointer-holding stacks.

Goroutines ``0 .. allocating-1`` are non-daemon *allocators*; the others are *daemons*.

Frames. A goroutine "with frames" pushes ``stack_depth`` frames of ``frame_slots`` pointer
slots and ``frame_bytes`` bytes, allocating into every slot, as its frame is pushed, its own
object of ``frame_object_size`` bytes with ``frame_object_fields`` pointer fields: rows
``(PUSH, ALLOC * frame_slots) * stack_depth`` (``frame_rows``), slots
``[0, frame_slots_total)``. Daemons always have frames; allocators with ``allocator_frames``.

Allocators. Stream (Go: recurse ``stack_depth`` frames, then in the deepest frame the loop):

1. frames, if ``allocator_frames`` (their objects' fields stay nil);
2. ``PUSH`` the work frame (at slot ``base`` = the frames' slots, or 0); then ``SYNC
   allocating`` if ``start_barrier``: every allocator executes exactly one SYNC, with the count
   ``allocating``, after its frames and before its first allocation;
3. its allocations, a ``YIELD`` after every ``yield_every``-th (counted over this step: live
   set and replacements, not frame objects);
4. ``POP`` of the work frame, then ``POP`` of every frame, deepest first.

With ``live_in = "globals"`` (the default) the work frame has 2 slots and 64 bytes (s0 the new
object, s1 a loaded one) and allocator g owns globals ``[g*live_objects, (g+1)*live_objects)``:
it fills them in order, then does its share of ``replacements`` (``replacements //
allocating``, one more for the first ``replacements % allocating``), each stored over a random
own global (``replace = "random"``) or the oldest (``"oldest"``: allocation k overall goes to
own global ``k % live_objects``). Rows per object: ``ALLOC, (GLOAD, STORE) * non-nil field,
GSTORE``. A field loads a random own global (which may still be nil while filling).

With ``live_in = "stack"`` the work frame is a ring of R = ``live_objects`` slots and ``8 *
R + 64`` bytes (Go: ``var ring [R]*T`` plus the loop's locals) and the allocator uses no
globals. The ring starts nil; its share of ``replacements`` fills it and then replaces:
allocation k (from 0) goes straight into ring slot ``k % R`` while ``k < R``, and afterwards
into slot ``k % R`` too (``"oldest"``: a FIFO ring) or a random slot (``"random"``). Rows:
``ALLOC ring[k]``, then ``STORE ring[k].f = ring[j]`` per non-nil field, where ring[j] is a
random *other* ring object that is non-nil: while the ring fills, one of slots ``0 .. k-1``,
so the very first object's fields (and every field when R = 1) are nil.

Each pointer field of an allocator's object is nil with probability ``nil_fraction`` (scan
work without an edge; 0, the default, draws no random numbers for it).

Daemons. After their frames, they link their frame objects into a ring (field f of the object
in slot i points at the object in slot ``(i + 1 + f) % n_slots``, so every field is non-nil):
``daemon_setup_rows`` rows in all. Then they loop forever: ``PARK park_ns`` followed by one
small piece of work on their own objects, a ``LOAD`` (slot x = slot y.field f, changing the
stack) with probability ``load_fraction``, else a pointer ``STORE`` (slot x.field f = slot y).
Every slot and field stays non-nil, so no op ever dereferences nil. The infinite part is
generated lazily in chunks of ``park_chunk`` iterations (2 rows each).

Chunks. Every stream is lazy; frame rows are computed per chunk from their row index. A
simulator holds every goroutine's current chunk, so chunks have ``chunk_rows(goroutines)``
rows at most (allocations: ``chunk_rows(allocating)``), which shares 2^22 rows among them
within ``[1024, CHUNK_OPS]``: up to 128 goroutines (up to 128 allocators: every existing
study) get CHUNK_OPS, 10,000 goroutines with 1,000 frames get 1,024 rows each.

Frame objects were ``daemon_object_size``/``daemon_fields`` before allocators had frames.

This is the workload behind "mark termination pause grows with goroutines and stack depth
under Dijkstra's barrier (stacks must be re-scanned), flat under the hybrid barrier", and,
with allocator frames and stack rings, behind 1,000-10,000 goroutines each allocating while
holding a deep stack (``configs/many_goroutines.toml``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from framework.ops import Op
from framework.workloads.base import (
    CHUNK_OPS,
    GoroutineSpec,
    Workload,
    WorkloadParams,
    kept_rows,
)

_ALLOC_SLOTS = 2  # live_in="globals": s0 new object, s1 a loaded own object
_ALLOC_FRAME_BYTES = 64  # the globals work frame; the locals beside a stack ring
_INT32_MAX = 2**31 - 1
_CHUNK_BUDGET = 1 << 22  # rows all goroutines may hold at once (64 MiB), see chunk_rows


def chunk_rows(holders: int) -> int:
    """Rows per chunk when ``holders`` goroutines each hold one: ``_CHUNK_BUDGET`` shared,
    within ``[1024, CHUNK_OPS]`` (a simulator holds every goroutine's current chunk)."""
    return max(1024, min(CHUNK_OPS, _CHUNK_BUDGET // max(1, holders)))


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
    live_in: Literal["globals", "stack"] = Field(
        "globals", description="allocators keep their live objects in globals or a stack ring"
    )
    replace: Literal["random", "oldest"] = Field(
        "random", description="a new object replaces a random live one or the oldest (FIFO)"
    )
    nil_fraction: float = Field(
        0.0, ge=0.0, le=1.0, description="P(a pointer field of an allocated object is nil)"
    )
    yield_every: int = Field(
        0, ge=0, le=_INT32_MAX, description="YIELD after every n allocations (0: never)"
    )
    start_barrier: bool = Field(
        False, description="allocators SYNC after their frames, before allocating"
    )
    allocator_frames: bool = Field(
        False, description="allocators also push the frames (with their objects) first"
    )
    # frames: every daemon's, and the allocators' with allocator_frames
    stack_depth: int = Field(32, ge=1, le=100_000, description="frames per stack")
    frame_slots: int = Field(4, ge=1, le=1024, description="pointer slots per frame")
    frame_bytes: int = Field(256, ge=8, le=1 << 20, description="bytes per frame")
    frame_object_size: int = Field(32, ge=1, le=1 << 20, description="bytes per frame object")
    frame_object_fields: int = Field(
        2, ge=0, le=16, description="pointer fields per frame object (daemons need >= 1)"
    )
    # daemon goroutines
    park_ns: int = Field(1_000_000, ge=0, le=_INT32_MAX, description="ns per PARK")
    load_fraction: float = Field(0.5, ge=0.0, le=1.0, description="P(work is a LOAD)")
    park_chunk: int = Field(64, ge=1, le=CHUNK_OPS // 2, description="park iterations/chunk")

    @model_validator(mode="after")
    def _fits(self) -> GoroutinesParams:
        if self.allocating > self.goroutines:
            raise ValueError(f"allocating={self.allocating} > goroutines={self.goroutines}")
        if self.pointers * 8 > self.object_size:
            raise ValueError(f"pointers={self.pointers} needs object_size >= {self.pointers * 8}")
        if self.frame_object_fields * 8 > self.frame_object_size:
            raise ValueError(
                f"frame_object_fields={self.frame_object_fields} needs frame_object_size >= "
                f"{self.frame_object_fields * 8}"
            )
        if self.goroutines > self.allocating and self.frame_object_fields < 1:
            raise ValueError("daemons link their frame objects: frame_object_fields must be >= 1")
        if self.frame_slots * 8 > self.frame_bytes:
            raise ValueError(
                f"frame_slots={self.frame_slots} needs frame_bytes >= {self.frame_slots * 8}"
            )
        if self.stack_depth * self.frame_slots + self.live_objects > _INT32_MAX // 2:
            raise ValueError("stack_depth * frame_slots + live_objects too large")
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
        p = self.params
        return p.allocating * p.live_objects if p.live_in == "globals" else 0

    @property
    def max_fields(self) -> int:
        p = self.params
        frames = self.daemons > 0 or p.allocator_frames
        return max(p.pointers, p.frame_object_fields if frames else 0)

    def expected_allocations(self) -> int:
        p = self.params
        return p.allocating * p.live_objects + p.replacements

    def live_estimate(self) -> tuple[int, int]:
        p = self.params
        with_frames = self.daemons + (p.allocating if p.allocator_frames else 0)
        frame_objects = with_frames * p.stack_depth * p.frame_slots
        live = p.allocating * p.live_objects
        return live + frame_objects, live * p.object_size + frame_objects * p.frame_object_size

    @property
    def frame_slots_total(self) -> int:
        """Pointer slots of one goroutine's frames."""
        return self.params.stack_depth * self.params.frame_slots

    daemon_slots = frame_slots_total

    @property
    def frame_rows(self) -> int:
        """Rows pushing one goroutine's frames and allocating their objects."""
        return self.params.stack_depth * (1 + self.params.frame_slots)

    @property
    def daemon_setup_rows(self) -> int:
        """Rows of a daemon's stream before its infinite park loop starts."""
        return self.frame_rows + self.frame_slots_total * self.params.frame_object_fields

    def frames_stack_bytes(self) -> int:
        """Stack bytes of one goroutine's frames."""
        return self.params.stack_depth * self.params.frame_bytes

    daemon_stack_bytes = frames_stack_bytes

    def allocations(self, g: int) -> int:
        """Allocator ``g``'s share of ``replacements``."""
        p = self.params
        return p.replacements // p.allocating + (1 if g < p.replacements % p.allocating else 0)

    @property
    def allocator_base(self) -> int:
        """First slot of an allocator's work frame (its frames lie below)."""
        return self.frame_slots_total if self.params.allocator_frames else 0

    @property
    def work_frame(self) -> tuple[int, int]:
        """``(slots, bytes)`` of an allocator's work frame."""
        p = self.params
        if p.live_in == "stack":
            return p.live_objects, 8 * p.live_objects + _ALLOC_FRAME_BYTES
        return _ALLOC_SLOTS, _ALLOC_FRAME_BYTES

    # --- frames -------------------------------------------------------------------

    def _frame_rows(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``[lo, hi)`` of the frame build: per frame a PUSH, then an ALLOC per slot."""
        p = self.params
        S = p.frame_slots
        d, j = np.divmod(np.arange(lo, hi, dtype=np.int64), 1 + S)
        push = j == 0
        ops = np.empty((hi - lo, 4), dtype=np.int32)
        ops[:, 0] = np.where(push, Op.PUSH, Op.ALLOC)
        ops[:, 1] = np.where(push, S, d * S + j - 1)
        ops[:, 2] = np.where(push, p.frame_bytes, p.frame_object_size)
        ops[:, 3] = np.where(push, 0, p.frame_object_fields)
        return ops

    def _link_rows(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``[lo, hi)`` linking a daemon's frame objects: slot i.field f = slot i+1+f."""
        n, F = self.frame_slots_total, self.params.frame_object_fields
        i, f = np.divmod(np.arange(lo, hi, dtype=np.int64), F)
        ops = np.empty((hi - lo, 4), dtype=np.int32)
        ops[:, 0] = Op.STORE
        ops[:, 1] = i
        ops[:, 2] = f
        ops[:, 3] = (i + 1 + f) % n
        return ops

    def _daemon_setup_rows(self, lo: int, hi: int) -> np.ndarray:
        k = self.frame_rows
        parts = []
        if lo < k:
            parts.append(self._frame_rows(lo, min(hi, k)))
        if hi > k:
            parts.append(self._link_rows(max(lo, k) - k, hi - k))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _pop_rows(self, lo: int, hi: int) -> np.ndarray:
        """``hi - lo`` POPs of frames."""
        p = self.params
        ops = np.zeros((hi - lo, 4), dtype=np.int32)
        ops[:] = (Op.POP, p.frame_slots, p.frame_bytes, 0)
        return ops

    def _chunked(self, total: int, rows: Callable[[int, int], np.ndarray]) -> Iterator[np.ndarray]:
        """``rows(lo, hi)`` for consecutive ranges of ``chunk_rows(goroutines)`` up to ``total``."""
        step = chunk_rows(self.params.goroutines)
        for lo in range(0, total, step):
            yield rows(lo, min(total, lo + step))

    # --- allocating goroutines ----------------------------------------------------

    @property
    def _field_rows(self) -> int:
        """Pointer fields that may get a STORE (none if they are all nil)."""
        p = self.params
        return p.pointers if p.nil_fraction < 1.0 else 0

    @property
    def _per_alloc(self) -> int:
        """Upper bound on rows per allocation."""
        p = self.params
        body = 2 + 2 * self._field_rows if p.live_in == "globals" else 1 + self._field_rows
        return body + (1 if p.yield_every else 0)

    @property
    def _batch(self) -> int:
        """Allocations per chunk (the RNG draws per batch, so it fixes the streams)."""
        return max(1, chunk_rows(self.params.allocating) // self._per_alloc)

    def _finish(self, ops: np.ndarray, keep: np.ndarray | None, t0: int) -> np.ndarray:
        """Set the YIELD column (the last) and drop the rows ``keep`` rules out."""
        n, per, _ = ops.shape
        Y = self.params.yield_every
        if Y:
            if keep is None:
                keep = np.ones((n, per), dtype=bool)
            ops[:, per - 1, 0] = Op.YIELD
            keep[:, per - 1] = (t0 + np.arange(1, n + 1)) % Y == 0
        if keep is None:
            return ops.reshape(n * per, 4)
        return kept_rows(ops, keep)

    def _nil(self, rng: np.random.Generator, n: int) -> np.ndarray | None:
        """Which of the ``(n, fields)`` fields are nil by ``nil_fraction`` (None: none)."""
        nf = self.params.nil_fraction
        if self._field_rows == 0 or nf == 0.0:
            return None
        return rng.random((n, self._field_rows)) < nf

    def _globals_block(
        self,
        rng: np.random.Generator,
        own: np.ndarray,
        table_idx: np.ndarray,
        t0: int,
    ) -> np.ndarray:
        """Allocations ``t0 ..`` stored into own globals ``table_idx`` (live_in="globals")."""
        p = self.params
        n = len(table_idx)
        P = self._field_rows
        s0 = self.allocator_base
        ops = np.zeros((n, self._per_alloc, 4), dtype=np.int32)
        ops[:, 0] = (Op.ALLOC, s0, p.object_size, p.pointers)
        keep = None
        if P:
            targets = rng.choice(own, size=(n, P))
            nil = self._nil(rng, n)
            if nil is not None:
                keep = np.ones(ops.shape[:2], dtype=bool)
            for f in range(P):
                ops[:, 1 + 2 * f, 0] = Op.GLOAD
                ops[:, 1 + 2 * f, 1] = s0 + 1
                ops[:, 1 + 2 * f, 2] = targets[:, f]
                ops[:, 2 + 2 * f] = (Op.STORE, s0, f, s0 + 1)
                if keep is not None and nil is not None:
                    keep[:, 1 + 2 * f] = keep[:, 2 + 2 * f] = ~nil[:, f]
        ops[:, 1 + 2 * P] = (Op.GSTORE, 0, s0, 0)
        ops[:, 1 + 2 * P, 1] = table_idx
        return self._finish(ops, keep, t0)

    def _globals_allocations(self, g: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
        p = self.params
        L = p.live_objects
        own = np.arange(g * L, (g + 1) * L, dtype=np.int64)
        batch = self._batch
        for lo in range(0, L, batch):
            yield self._globals_block(rng, own, own[lo : lo + batch], lo)
        m = self.allocations(g)
        for lo in range(0, m, batch):
            n = min(batch, m - lo)
            if p.replace == "random":
                idx = rng.choice(own, size=n)
            else:
                idx = own[np.arange(lo, lo + n) % L]
            yield self._globals_block(rng, own, idx, L + lo)

    def _ring_block(self, rng: np.random.Generator, t0: int, n: int) -> np.ndarray:
        """Allocations ``t0 .. t0+n-1`` into the stack ring (live_in="stack")."""
        p = self.params
        R, P = p.live_objects, self._field_rows
        s0 = self.allocator_base
        t = np.arange(t0, t0 + n, dtype=np.int64)
        k = t % R
        if p.replace == "random":
            full = t >= R
            k[full] = rng.integers(0, R, size=int(full.sum()))
        ops = np.zeros((n, self._per_alloc, 4), dtype=np.int32)
        ops[:, 0] = (Op.ALLOC, 0, p.object_size, p.pointers)
        ops[:, 0, 1] = s0 + k
        keep = None
        if P:
            # a random other non-nil ring slot: one of 0..t-1 while filling, else one of the
            # R-1 slots after k (mod R); nil when there is none
            m = np.minimum(t, R - 1)[:, None]
            off = np.minimum(np.floor(rng.random((n, P)) * m), np.maximum(m - 1, 0))
            off = off.astype(np.int64)
            j = np.where(t[:, None] < R, off, (k[:, None] + 1 + off) % R)
            none = m == 0
            nil = self._nil(rng, n)
            keep = np.ones(ops.shape[:2], dtype=bool)
            keep[:, 1 : 1 + P] = ~(none | nil) if nil is not None else ~none
            ops[:, 1 : 1 + P, 0] = Op.STORE
            ops[:, 1 : 1 + P, 1] = (s0 + k)[:, None]
            ops[:, 1 : 1 + P, 2] = np.arange(P)[None, :]
            ops[:, 1 : 1 + P, 3] = s0 + j
        return self._finish(ops, keep, t0)

    def _ring_allocations(self, g: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
        m = self.allocations(g)
        batch = self._batch
        for lo in range(0, m, batch):
            yield self._ring_block(rng, lo, min(batch, m - lo))

    def _allocator_stream(self, g: int) -> Iterator[np.ndarray]:
        p = self.params
        rng = self.rng(g)
        s0 = self.allocator_base
        slots, nbytes = self.work_frame
        if p.allocator_frames:
            yield from self._chunked(self.frame_rows, self._frame_rows)
        head = [(Op.PUSH, slots, nbytes, 0)]
        if p.start_barrier:
            head.append((Op.SYNC, p.allocating, 0, 0))
        yield np.array(head, dtype=np.int32)
        if p.live_in == "globals":
            yield from self._globals_allocations(g, rng)
            tail = [(Op.CLEAR, s0, 0, 0), (Op.CLEAR, s0 + 1, 0, 0)]
        else:
            yield from self._ring_allocations(g, rng)
            tail = []
        tail.append((Op.POP, slots, nbytes, 0))
        yield np.array(tail, dtype=np.int32)
        if p.allocator_frames:
            yield from self._chunked(p.stack_depth, self._pop_rows)

    # --- daemon goroutines --------------------------------------------------------

    def _daemon_stream(self, g: int) -> Iterator[np.ndarray]:
        p = self.params
        rng = self.rng(g)
        yield from self._chunked(self.daemon_setup_rows, self._daemon_setup_rows)
        n, k, F = self.frame_slots_total, p.park_chunk, p.frame_object_fields
        while True:
            ops = np.zeros((k, 2, 4), dtype=np.int32)
            ops[:, 0, 0] = Op.PARK
            ops[:, 0, 1] = p.park_ns
            x = rng.integers(0, n, size=k)
            y = rng.integers(0, n, size=k)
            f = rng.integers(0, F, size=k)
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
