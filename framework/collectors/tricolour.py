"""The heap work of a concurrent tri-colour cycle, with no notion of time.

The concurrent collector (``concurrent.py``) drives it from simpy processes; the step driver
(``framework.checking.stepper``) and the hypothesis state machine drive it one step at a time. Both
run exactly this code and the same kernels, so what the checker proves about one interleaving
holds for the simulator.

Rules: nothing here reads a clock or the config; every method returns the simulated cost
of what it did, and the caller decides when that time passes.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from framework.collectors import barriers
from framework.runtime import layout as L
from framework.runtime.heap import Heap
from framework.runtime.kernels.mark import drain, drain_budget, reset_mark_counters, scan_roots
from framework.runtime.kernels.sweep import begin_sweep, finish_sweep
from framework.sim.roots import Goroutine, Roots

HALVES = {  # what ``Policy.barrier_without`` removes from the barrier
    "": 0,
    "deletion": L.SHADE_OLD,
    "insertion": L.SHADE_NEW | L.SHADE_NEW_IF_GREY | L.SHADE_HOLDER,
}
ROOT_BLOCK_BYTES = 256 << 10  # Go: rootBlockBytes
ALL = 1 << 62


@dataclass(frozen=True)
class Policy:
    """What a cycle does. The defaults for each barrier are the correct designs; the other
    combinations are the mutants the safety checker must catch (see docs/checking.md)."""

    barrier: str = "hybrid"
    rescan_stacks: bool = False  # re-scan every stack at mark termination (Dijkstra)
    snapshot_stacks: bool = False  # scan every stack at sweep termination (Yuasa)
    allocate_black: bool = True  # new objects marked during mark (Go: gcmarknewobject)
    barrier_on_globals: bool = True  # global stores go through the barrier
    skip_stack_of: int = -1  # never scan this goroutine's stack (a mutant)
    barrier_without: str = ""  # "deletion" or "insertion": drop that half (a mutant)

    def __post_init__(self) -> None:
        if self.barrier not in barriers.names():
            raise ValueError(f"barrier must be one of {barriers.names()}, not {self.barrier!r}")
        if self.barrier_without not in HALVES:
            raise ValueError(f"barrier_without must be one of {sorted(HALVES)}")

    @property
    def barrier_mode(self) -> int:
        """The kernel's barrier bit set (layout.SHADE_*) with ``barrier_without`` removed."""
        return barriers.get(self.barrier).shades & ~HALVES[self.barrier_without]

    @staticmethod
    def for_barrier(barrier: str, **overrides: Any) -> Policy:
        """The correct design for ``barrier`` (what its registered ``Barrier`` says it
        needs), with ``overrides`` (None = keep default)."""
        b = barriers.get(barrier)
        base = {
            "barrier": barrier,
            "rescan_stacks": b.rescan_stacks,
            "snapshot_stacks": b.snapshot_stacks,
        }
        base.update({k: v for k, v in overrides.items() if v is not None})
        return Policy(**base)


class TriColour:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.root_jobs: deque[tuple[str, int, int]] = deque()
        self.marking = False

    # --- sweep termination ----------------------------------------------------------------
    def begin_cycle(self, heap: Heap, roots: Roots, cost: Any) -> tuple[float, float]:
        """Finish sweeping, whiten everything, arm the barrier and allocate-black, queue the
        root jobs (globals in 256 KiB blocks, then one per stack), or scan the stacks now
        under a snapshot policy. Returns (sweep ns, snapshot ns)."""
        a = heap.a
        _, sweep_ns = finish_sweep(a, cost)
        spent = 0.0
        reset_mark_counters(heap.a)
        for g in roots.goroutines:
            g.stack_black = False
        p = self.policy
        heap.set_marking(p.barrier_mode, p.allocate_black, p.barrier_on_globals)
        self.root_jobs.clear()
        if cost[L.K_MARK_CYCLE] > 0:
            self.root_jobs.append(("runtime", 0, 0))
        n = roots.globals.shape[0]
        block = ROOT_BLOCK_BYTES // 8
        for lo in range(0, n, block):
            self.root_jobs.append(("globals", lo, min(lo + block, n)))
        if self.policy.snapshot_stacks:
            spent += self.scan_all_stacks(heap, roots, cost)
        else:
            for g in roots.goroutines:
                if not g.finished:
                    self.root_jobs.append(("stack", g.gid, 0))
        self.marking = True
        return float(sweep_ns), float(spent)

    # --- concurrent mark ------------------------------------------------------------------
    def scan_stack(self, heap: Heap, g: Goroutine, cost: Any) -> float:
        """Shade everything ``g``'s stack references and blacken the stack."""
        if g.gid == self.policy.skip_stack_of:
            g.stack_black = True  # the mutant believes it scanned it
            return 0.0
        t = scan_roots(
            *heap.root_scan_arrays,
            g.stack,
            g.sp,
            g.stack_bytes,
            L.STACK_SCAN_WORK,
            L.K_STACK_SCAN_BYTE,
            cost,
        )
        g.stack_black = True
        return float(t)

    def scan_all_stacks(self, heap: Heap, roots: Roots, cost: Any) -> float:
        """Scan every stack and drain: a stop-the-world snapshot or re-scan."""
        spent = sum(self.scan_stack(heap, g, cost) for g in roots.goroutines if not g.finished)
        _, t, _ = drain(heap.a, ALL, cost)
        return spent + float(t)

    def run_root_job(
        self, heap: Heap, roots: Roots, job: tuple[str, int, int], cost: Any
    ) -> tuple[int, float]:
        """(scan work, cost ns) of one root job."""
        kind, x, y = job
        if kind == "runtime":  # the runtime's own roots: a fixed amount of work per cycle
            return 0, float(cost[L.K_MARK_CYCLE])
        if kind == "globals":
            t = scan_roots(
                *heap.root_scan_arrays,
                roots.globals[x:y],
                y - x,
                8 * (y - x),
                L.GLOBAL_SCAN_WORK,
                L.K_GLOBAL_SCAN_BYTE,
                cost,
            )
            return 8 * (y - x), float(t)
        g = roots.goroutines[x]
        if g.finished:
            return 0, 0.0
        return g.stack_bytes, self.scan_stack(heap, g, cost)

    def mark_slice(
        self,
        heap: Heap,
        roots: Roots,
        budget_ns: float,
        cost: Any,
        max_work: float = float(ALL),
        suspend: Callable[[Goroutine], None] | None = None,
    ) -> tuple[int, float, list[tuple[Goroutine, float]]]:
        """Up to ``budget_ns`` of marking: root jobs first, then grey objects. A goroutine
        whose stack is scanned is handed to ``suspend`` (Go: suspendG) and returned with the
        time into the slice at which its scan ends, for the caller to resume it then
        (Go: resumeG right after scanstack)."""
        work, spent = 0, 0.0
        suspended: list[tuple[Goroutine, float]] = []
        while spent < budget_ns and work < max_work:
            if self.root_jobs:
                job = self.root_jobs.popleft()
                g = None
                if job[0] == "stack" and suspend is not None:
                    g = roots.goroutines[job[1]]
                    if g.finished:
                        g = None
                    else:
                        suspend(g)
                w, t = self.run_root_job(heap, roots, job, cost)
                work += w
                spent += t
                if g is not None:
                    suspended.append((g, spent))
                continue
            if heap.a.ctr[L.GREY_N] == 0:
                break
            # At least one byte of work: an assist owing a fraction of a byte once asked
            # for int(0.4) = 0 here, drained nothing and looped for ever (the 3 M livelock).
            want = max(1, math.ceil(min(max_work - work, ALL)))
            w, t, _ = drain_budget(heap.a, want, budget_ns - spent, cost)
            if w == 0 and t == 0:
                break
            work += int(w)
            spent += float(t)
        return work, spent, suspended

    def out_of_work(self, heap: Heap) -> bool:
        return not self.root_jobs and heap.a.ctr[L.GREY_N] == 0

    # --- mark termination -----------------------------------------------------------------
    def terminate_mark(self, heap: Heap, roots: Roots, cost: Any) -> float:
        """Re-scan stacks (and drain) if the policy says so, disarm the barrier. Returns the
        re-scan's ns. The heap is then ready for the mark-termination checks and
        ``begin_sweep``.

        No other drain: nothing can be grey here. Go's gcMarkDone loops because per-P work
        buffers can hold grey objects after the global queue looks empty; here the barrier
        shades onto the global queue, and once the collector is out of work every object
        a mutator can reach is black (else the design is unsafe), so a barrier run between
        out-of-work and the stop finds nothing white to shade. Under ``dijkstra`` black
        stacks may hold white objects and a store can shade one then; the re-scan's drain
        takes it. docs/checking.md ("The mark-termination window") has the exploration that
        checks this (``invariants.nothing_grey`` at every mark termination)."""
        rescan = 0.0
        if self.policy.rescan_stacks:
            rescan = self.scan_all_stacks(heap, roots, cost)
        heap.end_marking()
        self.marking = False
        return rescan

    def begin_sweep(self, heap: Heap) -> int:
        """Every in-use span becomes unswept (Go: gcSweep). Returns the spans to sweep."""
        return int(begin_sweep(heap.a))
