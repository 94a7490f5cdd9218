"""An independent reachability oracle over the heap arrays (the debug re-trace PyPy and MMTk
keep). It shares no code with the marking kernels: a vectorised breadth-first search.

Rules: the oracle only reads the heap and roots; it never changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from framework.runtime.heap import Heap
from framework.sim.roots import Roots


def reachable(heap: Heap, roots: Roots) -> np.ndarray:
    """Boolean mask over slot ids: reachable from globals or any live stack slot."""
    a = heap.a
    n = heap.nslots
    seen = np.zeros(n, dtype=bool)
    frontier = roots.all_root_slots()
    frontier = np.unique(frontier[frontier >= 0])
    while frontier.size:
        frontier = frontier[~seen[frontier]]
        if not frontier.size:
            break
        seen[frontier] = True
        kids = a.fields[frontier]
        mask = np.arange(kids.shape[1])[None, :] < a.sl_nfields[frontier][:, None]
        kids = kids[mask]
        kids = np.unique(kids[kids >= 0])
        frontier = kids[~seen[kids]]
    return seen


def path_to(heap: Heap, roots: Roots, target: int) -> list[str]:
    """A shortest path from a root to ``target``, as readable steps (for reports)."""
    a = heap.a
    parent: dict[int, tuple[int, int] | str] = {}
    frontier: list[int] = []
    for i, o in enumerate(roots.globals.tolist()):
        if o >= 0 and o not in parent:
            parent[o] = f"global[{i}]"
            frontier.append(o)
    for g in roots.goroutines:
        for i, o in enumerate(g.live_slots().tolist()):
            if o >= 0 and o not in parent:
                parent[o] = f"g{g.gid}.stack[{i}]"
                frontier.append(o)
    while frontier and target not in parent:
        nxt = []
        for o in frontier:
            for f in range(int(a.sl_nfields[o])):
                k = int(a.fields[o, f])
                if k >= 0 and k not in parent:
                    parent[k] = (o, f)
                    nxt.append(k)
        frontier = nxt
    if target not in parent:
        return []
    steps: list[str] = []
    cur: int = target
    while True:
        p = parent[cur]
        if isinstance(p, str):
            steps.append(f"{p} -> o{cur}")
            break
        steps.append(f"o{p[0]}.f{p[1]} -> o{cur}")
        cur = p[0]
    return steps[::-1]


def route(path: list[str]) -> str:
    """``["global[3] -> o7", "o7.f1 -> o9"]`` reads ``"global[3] -> o7.f1 -> o9"``."""
    if not path:
        return "(no path)"
    return "".join([path[0]] + ["." + h.split(".", 1)[1] for h in path[1:]])


@dataclass
class Violation:
    cycle: int
    where: str
    obj: int
    what: str
    path: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"cycle {self.cycle} at {self.where}: o{self.obj} {self.what}; path: {route(self.path)}"
        )


def reachable_without(
    heap: Heap, roots: Roots, flag: np.ndarray, limit: int
) -> list[tuple[int, list[str]]]:
    """Up to ``limit`` reachable objects whose per-slot ``flag`` (``sl_alloc``,
    ``sl_mark``) is 0, each with a path from a root."""
    reach = reachable(heap, roots)
    bad = np.flatnonzero(reach & (flag[: heap.nslots] == 0))
    return [(int(o), path_to(heap, roots, int(o))) for o in bad[:limit]]


def check_reachable_allocated(
    heap: Heap, roots: Roots, cycle: int, where: str, limit: int = 5
) -> list[Violation]:
    """Safety: every reachable object is allocated (never freed while reachable)."""
    return [
        Violation(cycle, where, o, "is reachable but was freed", path)
        for o, path in reachable_without(heap, roots, heap.a.sl_alloc, limit)
    ]


def check_reachable_marked(
    heap: Heap, roots: Roots, cycle: int, where: str, limit: int = 5
) -> list[Violation]:
    """At mark termination: every reachable object is marked (else the sweep frees it)."""
    return [
        Violation(cycle, where, o, "is reachable but unmarked at mark termination", path)
        for o, path in reachable_without(heap, roots, heap.a.sl_mark, limit)
    ]
