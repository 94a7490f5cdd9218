"""``cycles``: short-lived cyclic structures (and some acyclic ones) that become garbage.

Each structure is a linked list of nodes (``node_size`` bytes, one pointer field ``next``):

- a *pair*: two nodes pointing at each other (a <-> b);
- a *ring*: ``ring_len`` nodes, the last pointing back at the first;
- a *chain* (with probability ``acyclic_fraction``): the same nodes, the last ``next`` nil.

``shape`` chooses pairs, rings, or a 50/50 mix. A structure is built in 3 stack slots
(s0: head, s1: tail, s2: the new node) and its head stored into a global window of
``window`` slots, round-robin, overwriting (dropping) the structure stored ``window``
structures earlier. First, ``live_structures`` permanent rings are built into globals after
the windows and kept forever, so the heap has live cycles too. At the end every window slot
is set to nil and the stack cleared: the reachable set is then exactly the permanent rings,
and all other structures are garbage (cyclic garbage is what reference counting leaks).

Rows per structure of n nodes: ``ALLOC, MOVE``, ``(ALLOC, STORE, MOVE) * (n - 1)``, a closing
``STORE`` if cyclic, ``GSTORE``: 3n + 1 (cyclic) or 3n (chain); 13 for a default ring.

With G goroutines, goroutine g builds structures ``k % G == g`` into its own window region
``[g*w, (g+1)*w)`` (``w = min(window, structures // G)``, so every window slot is used) and
the permanent rings ``k % G == g``.
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
_BATCH = 4096  # structures per planning batch


class CyclesParams(WorkloadParams):
    name: Literal["cycles"] = "cycles"
    structures: int = Field(80_000, ge=1, le=1_000_000_000, description="short-lived structures")
    shape: Literal["pairs", "rings", "mixed"] = "mixed"
    ring_len: int = Field(4, ge=2, le=4096, description="nodes per ring")
    acyclic_fraction: float = Field(0.0, ge=0.0, le=1.0, description="P(built as a chain)")
    window: int = Field(256, ge=1, le=10_000_000, description="structures held at once")
    live_structures: int = Field(64, ge=0, le=10_000_000, description="permanent rings")
    node_size: int = Field(32, ge=8, le=1 << 20, description="bytes per node (1 pointer)")
    goroutines: int = Field(1, ge=1, le=4096)

    @model_validator(mode="after")
    def _fits(self) -> CyclesParams:
        if self.goroutines > self.structures:
            raise ValueError("goroutines must be <= structures")
        return self


class Cycles(Workload):
    name = "cycles"
    Params = CyclesParams
    smoke_params = {
        "structures": 12_000,
        "window": 64,
        "live_structures": 16,
        "acyclic_fraction": 0.25,
    }
    params: CyclesParams

    def goroutines(self) -> list[GoroutineSpec]:
        return [GoroutineSpec() for _ in range(self.params.goroutines)]

    @property
    def window_per_goroutine(self) -> int:
        p = self.params
        return min(p.window, p.structures // p.goroutines)

    @property
    def n_globals(self) -> int:
        return self.params.goroutines * self.window_per_goroutine + self.params.live_structures

    @property
    def max_fields(self) -> int:
        return 1

    def live_estimate(self) -> tuple[int, int]:
        p = self.params
        nodes = {"pairs": 2, "rings": p.ring_len, "mixed": (2 + p.ring_len) / 2}[p.shape]
        held = p.goroutines * self.window_per_goroutine * nodes + p.live_structures * p.ring_len
        return int(held), int(held * p.node_size)

    def structures_of(self, g: int) -> int:
        p = self.params
        return p.structures // p.goroutines + (1 if g < p.structures % p.goroutines else 0)

    # --- plan ---------------------------------------------------------------------

    def plan(self, g: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Goroutine ``g``'s short-lived structures in batches: (nodes, cyclic) arrays.

        Consumes the goroutine's RNG in the same order as ``stream``."""
        p = self.params
        rng = self.rng(g)
        m = self.structures_of(g)
        for lo in range(0, m, _BATCH):
            n = min(_BATCH, m - lo)
            if p.shape == "pairs":
                length = np.full(n, 2, dtype=np.int64)
            elif p.shape == "rings":
                length = np.full(n, p.ring_len, dtype=np.int64)
            else:
                length = np.where(rng.random(n) < 0.5, 2, p.ring_len).astype(np.int64)
            cyclic = rng.random(n) >= p.acyclic_fraction
            yield length, cyclic

    def garbage_bytes_expected(self) -> tuple[int, int]:
        """(cyclic, acyclic) requested bytes of all short-lived structures, all of which are
        garbage at the end of the run."""
        cyc = acyc = 0
        for g in range(self.params.goroutines):
            for length, cyclic in self.plan(g):
                cyc += int(length[cyclic].sum())
                acyc += int(length[~cyclic].sum())
        size = self.params.node_size
        return cyc * size, acyc * size

    # --- ops ----------------------------------------------------------------------

    def _structure_block(
        self, length: np.ndarray, cyclic: np.ndarray, dest: np.ndarray
    ) -> np.ndarray:
        """Ops building structure i (``length[i]`` nodes) and storing it in ``dest[i]``."""
        size = self.params.node_size
        n = len(length)
        lmax = int(length.max())
        per = 2 + 3 * (lmax - 1) + 2
        ops = np.zeros((n, per, 4), dtype=np.int32)
        keep = np.ones((n, per), dtype=bool)
        ops[:, 0] = (Op.ALLOC, 0, size, 1)
        ops[:, 1] = (Op.MOVE, 1, 0, 0)
        for m in range(1, lmax):
            r = 2 + 3 * (m - 1)
            ops[:, r] = (Op.ALLOC, 2, size, 1)
            ops[:, r + 1] = (Op.STORE, 1, 0, 2)
            ops[:, r + 2] = (Op.MOVE, 1, 2, 0)
            keep[:, r : r + 3] = (m < length)[:, None]
        ops[:, per - 2] = (Op.STORE, 1, 0, 0)
        keep[:, per - 2] = cyclic
        ops[:, per - 1, 0] = Op.GSTORE
        ops[:, per - 1, 1] = dest
        return kept_rows(ops, keep)

    def _chunked(
        self, length: np.ndarray, cyclic: np.ndarray, dest: np.ndarray
    ) -> Iterator[np.ndarray]:
        per = 3 * int(length.max()) + 1
        step = max(1, CHUNK_OPS // per)
        for lo in range(0, len(length), step):
            sl = slice(lo, lo + step)
            yield self._structure_block(length[sl], cyclic[sl], dest[sl])

    def stream(self, g: int) -> Iterator[np.ndarray]:
        p = self.params
        G, w = p.goroutines, self.window_per_goroutine
        yield np.array([(Op.PUSH, _STACK_SLOTS, _FRAME_BYTES, 0)], dtype=np.int32)
        # Permanent rings, in globals after all the windows.
        perm = np.arange(g, p.live_structures, G, dtype=np.int64)
        if len(perm):
            yield from self._chunked(
                np.full(len(perm), p.ring_len, dtype=np.int64),
                np.ones(len(perm), dtype=bool),
                G * w + perm,
            )
        # Short-lived structures, round-robin through the window.
        done = 0
        for length, cyclic in self.plan(g):
            dest = g * w + (np.arange(done, done + len(length)) % w)
            yield from self._chunked(length, cyclic, dest)
            done += len(length)
        # Drop everything still held.
        rows = np.zeros((w + _STACK_SLOTS, 4), dtype=np.int32)
        rows[:w, 0] = Op.GSTORE
        rows[:w, 1] = g * w + np.arange(w)
        rows[:w, 2] = NIL
        rows[w:, 0] = Op.CLEAR
        rows[w:, 1] = np.arange(_STACK_SLOTS)
        for lo in range(0, len(rows), CHUNK_OPS):
            yield rows[lo : lo + CHUNK_OPS]
        yield np.array([(Op.POP, _STACK_SLOTS, _FRAME_BYTES, 0)], dtype=np.int32)
