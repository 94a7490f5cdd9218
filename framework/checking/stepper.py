"""A step-by-step driver over the real heap, allocator, barrier and collector kernels, with
no simpy: tests and the invariant checker choose every step (which goroutine runs which
ops, when the collector marks or sweeps) to force any interleaving.

Rules: the stepper runs exactly the code the simulator runs (``run_ops`` and the collector
kernels); it adds no semantics of its own beyond growing tables on request.
"""

from __future__ import annotations

import numpy as np

from framework.runtime import layout as L
from framework.runtime.heap import Heap
from framework.runtime.kernels.mutator import run_ops
from framework.sim.roots import Goroutine, Roots

DEFAULT_COST = np.ones(L.N_COSTS, dtype=np.float64)  # unit costs: a step's cost counts work
# no extra root job, no misses, no locality window
NO_COST = (L.K_MARK_CYCLE, L.K_MISS, L.K_MARK_MISS, L.K_MARK_NEAR_MISS, L.K_CACHE_BYTES)
DEFAULT_COST[[*NO_COST, L.K_LOCALITY_BYTES]] = 0.0


class StepError(RuntimeError):
    pass


class Stepper:
    def __init__(
        self, n_goroutines: int, n_globals: int, max_fields: int, cost: np.ndarray | None = None
    ) -> None:
        self.heap = Heap(max_fields, extras=True)  # the codec and invariants read them all
        self.roots = Roots(
            globals=np.full(n_globals, -1, dtype=np.int32),
            goroutines=[Goroutine(i, False) for i in range(n_goroutines)],
        )
        self.cost = DEFAULT_COST if cost is None else cost

    def run(self, g: int, ops: np.ndarray) -> int:
        """Run ``ops`` on goroutine ``g`` to completion (ignoring the trigger); returns the
        number of TRIGGER reports seen."""
        gor = self.roots.goroutines[g]
        ops = np.ascontiguousarray(ops, dtype=np.int32)
        pos = 0
        triggers = 0
        while pos < ops.shape[0]:
            pos, _, status, aux = run_ops(
                self.heap.a,
                gor.gs,
                gor.stack,
                self.roots.globals,
                ops,
                pos,
                1e30,
                1 << 60,
                self.cost,
                self.heap.work,
            )
            if status == L.ST_GROW:
                self.heap.grow(int(aux))
            elif status == L.ST_STACK_GROW:
                gor.grow_stack(int(aux))
            elif status == L.ST_TRIGGER:
                triggers += 1
            elif status == L.ST_ERROR:
                raise StepError(
                    f"g{g}: op {ops[pos].tolist()} at row {pos}: {L.ERROR_TEXT.get(int(aux))}"
                )
        return triggers
