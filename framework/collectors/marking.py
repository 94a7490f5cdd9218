"""Whole-heap tracing used by the stop-the-world collector and by every tracing collector's
final collection: mark everything reachable from the roots, then sweep every span."""

from __future__ import annotations

from typing import Any

from framework.runtime import layout as L
from framework.runtime.heap import Heap
from framework.runtime.kernels.mark import clear_marks, drain, scan_roots
from framework.runtime.kernels.sweep import finish_sweep, sweep_all
from framework.sim.roots import Roots

_ALL = 1 << 62


def mark_from_roots(heap: Heap, roots: Roots, cost: Any) -> float:
    """Mark everything reachable from the roots; returns the mark cost in ns (one thread)."""
    a = heap.a
    clear_marks(a)
    n = roots.globals.shape[0]
    arrays = heap.root_scan_arrays
    spent = scan_roots(
        *arrays, roots.globals, n, 8 * n, L.GLOBAL_SCAN_WORK, L.K_GLOBAL_SCAN_BYTE, cost
    )
    for g in roots.goroutines:
        if not g.finished:
            spent += scan_roots(
                *arrays, g.stack, g.sp, g.stack_bytes, L.STACK_SCAN_WORK, L.K_STACK_SCAN_BYTE, cost
            )
    _, t, _ = drain(a, _ALL, cost)
    return float(spent + t + cost[L.K_MARK_CYCLE])


def full_collection(heap: Heap, roots: Roots, cost: Any) -> None:
    """Reclaim every unreachable object now, whatever phase a concurrent cycle was in:
    finish sweeping, turn the barrier and allocate-black off, mark from the roots, sweep."""
    a = heap.a
    finish_sweep(a, cost)
    heap.end_marking()
    mark_from_roots(heap, roots, cost)
    sweep_all(heap.a, cost)
