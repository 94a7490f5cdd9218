"""Invariants over the real heap tables, each returning a list of readable failures.

Colours: an object is *white* if unmarked, *grey* if marked and on the grey queue, *black*
if marked and not on it. Root regions (a goroutine's stack, a block of globals) are grey
until scanned and black after.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from framework.checking.oracle import reachable_without, route
from framework.runtime import layout as L
from framework.runtime.heap import Heap
from framework.sim.roots import Roots


def _edges(heap: Heap, objs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(source, target) pairs of the non-nil pointer fields of ``objs``."""
    a = heap.a
    f = a.fields[objs]
    used = np.arange(f.shape[1])[None, :] < a.sl_nfields[objs][:, None]
    used &= f >= 0
    src = np.repeat(objs, used.sum(axis=1))
    return src, f[used]


def colours(heap: Heap) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boolean masks (white, grey, black) over allocated slots."""
    a = heap.a
    n = heap.nslots
    alloc = a.sl_alloc[:n].astype(bool)
    marked = a.sl_mark[:n].astype(bool)
    grey = np.zeros(n, dtype=bool)
    grey[a.grey[: int(a.ctr[L.GREY_N])]] = True
    grey &= marked
    return alloc & ~marked, alloc & grey, alloc & marked & ~grey


def safety(heap: Heap, roots: Roots) -> list[str]:
    """Every object reachable from the roots is allocated (never freed, never reused)."""
    return [
        f"o{o} freed while reachable: {route(path)}"
        for o, path in reachable_without(heap, roots, heap.a.sl_alloc, 3)
    ]


def all_reachable_marked(heap: Heap, roots: Roots) -> list[str]:
    """At mark termination every reachable object is marked (else the sweep frees it)."""
    return [
        f"o{o} reachable but unmarked at mark termination: {route(path)}"
        for o, path in reachable_without(heap, roots, heap.a.sl_mark, 3)
    ]


def _black_sources(
    heap: Heap, roots: Roots, scanned_globals: Iterable[int], black_stacks: Iterable[int]
) -> tuple[np.ndarray, list[str]]:
    """Targets pointed to by black objects, black global slots and black stacks, with a
    description of each pointer's source."""
    _, _, black = colours(heap)
    src, dst = _edges(heap, np.flatnonzero(black))
    names = [f"black o{s}" for s in src.tolist()]
    targets = [dst]
    for i in scanned_globals:
        v = int(roots.globals[i])
        if v >= 0:
            targets.append(np.array([v]))
            names.append(f"scanned global[{i}]")
    for gid in black_stacks:
        g = roots.goroutines[gid]
        live = g.live_slots()
        for i, v in enumerate(live.tolist()):
            if v >= 0:
                targets.append(np.array([v]))
                names.append(f"g{gid}'s scanned stack[{i}]")
    return np.concatenate(targets) if targets else np.zeros(0, np.int32), names


def nothing_grey(heap: Heap) -> list[str]:
    """When mark terminates nothing is grey: every shaded object was scanned (what Go's
    gcMarkDone loop ensures before it lets mark termination proceed)."""
    n = int(heap.a.ctr[L.GREY_N])
    if n == 0:
        return []
    objs = ", ".join(f"o{o}" for o in heap.a.grey[:n].tolist()[:3])
    return [f"grey objects left unscanned at mark termination: {objs}"]


def strong_tricolour(heap: Heap, roots: Roots, scanned_globals: Iterable[int]) -> list[str]:
    """Dijkstra: no black heap object or scanned global points to a white object. (Black
    stacks may: stack writes are not barriered, which is why the stacks are re-scanned.)"""
    white, _, _ = colours(heap)
    targets, names = _black_sources(heap, roots, scanned_globals, [])
    bad = [(n, int(t)) for n, t in zip(names, targets.tolist(), strict=True) if white[t]]
    return [f"strong tri-colour invariant broken: {n} points to white o{t}" for n, t in bad[:3]]


def protected(
    heap: Heap, roots: Roots, grey_stacks: Iterable[int], grey_globals: Iterable[int]
) -> np.ndarray:
    """Mask of the white objects reachable from a grey object, grey stack or unscanned
    global through white objects only: those the collector will still find."""
    white, grey, _ = colours(heap)
    out = np.zeros(heap.nslots, dtype=bool)
    starts = [np.flatnonzero(grey)]
    for gid in grey_stacks:
        starts.append(roots.goroutines[gid].live_slots())
    gg = list(grey_globals)
    starts.append(roots.globals[gg] if gg else np.zeros(0, np.int32))
    frontier = np.unique(np.concatenate(starts).astype(np.int64))
    frontier = frontier[frontier >= 0]
    seen = np.zeros(heap.nslots, dtype=bool)
    while frontier.size:
        frontier = frontier[~seen[frontier]]
        seen[frontier] = True
        out[frontier[white[frontier]]] = True
        expand = frontier[grey[frontier] | white[frontier]]
        if not expand.size:
            break
        _, kids = _edges(heap, expand)
        kids = np.unique(kids)
        frontier = kids[white[kids] & ~seen[kids]]
    return out


def weak_tricolour(
    heap: Heap,
    roots: Roots,
    scanned_globals: Iterable[int],
    grey_stacks: Iterable[int],
    grey_globals: Iterable[int],
) -> list[str]:
    """Yuasa, hybrid: every white object a black object (or scanned global) points to is
    reachable from a grey object, grey stack or unscanned global through white objects."""
    white, _, _ = colours(heap)
    targets, names = _black_sources(heap, roots, scanned_globals, [])
    need = [(n, int(t)) for n, t in zip(names, targets.tolist(), strict=True) if white[t]]
    if not need:
        return []
    safe = protected(heap, roots, grey_stacks, grey_globals)
    bad = [(n, t) for n, t in need if not safe[t]]
    return [
        f"weak tri-colour invariant broken: {n} points to white o{t}, which no grey "
        f"object reaches through white objects"
        for n, t in bad[:3]
    ]


def at_risk(
    heap: Heap,
    roots: Roots,
    scanned_globals: Iterable[int],
    grey_stacks: Iterable[int],
    grey_globals: Iterable[int],
) -> int:
    """White objects that something black refers to (a black object, scanned global or
    black stack) and that nothing grey still reaches through white objects: lost unless
    a barrier or a re-scan saves them. Not an invariant (a black stack may hold such an
    object under Dijkstra with re-scan); the measure the bug search climbs."""
    white, _, _ = colours(heap)
    grey = set(grey_stacks)
    black_stacks = [g.gid for g in roots.goroutines if g.gid not in grey]
    targets, _ = _black_sources(heap, roots, scanned_globals, black_stacks)
    targets = targets[targets >= 0]
    targets = np.unique(targets[white[targets]])
    if not targets.size:
        return 0
    return int((~protected(heap, roots, grey_stacks, grey_globals)[targets]).sum())


def allocator_accounting(heap: Heap) -> list[str]:
    """Span allocation counts match the alloc bits; object and byte counters match."""
    a = heap.a
    n = heap.nslots
    alloc = a.sl_alloc[:n].astype(bool)
    out = []
    for s in heap.inuse_spans():
        b, k = int(a.sp_base[s]), int(a.sp_nelems[s])
        got = int(a.sl_alloc[b : b + k].sum())
        if got != int(a.sp_nalloc[s]):
            out.append(f"span {s}: nalloc {int(a.sp_nalloc[s])} but {got} slots allocated")
    if int(alloc.sum()) != int(a.ctr[L.OBJECTS]):
        out.append(f"OBJECTS counter {int(a.ctr[L.OBJECTS])} != {int(alloc.sum())} allocated")
    nbytes = int(a.sl_size[:n][alloc].sum())
    if nbytes != int(a.ctr[L.ALLOC_BYTES]):
        out.append(f"ALLOC_BYTES {int(a.ctr[L.ALLOC_BYTES])} != {nbytes}")
    dead = np.flatnonzero(a.sp_state[: heap.nspans] == 0)
    for s in dead:
        b, k = int(a.sp_base[s]), int(a.sp_nelems[s])
        if a.sl_alloc[b : b + k].any():
            out.append(f"dead span {s} still has allocated slots")
    return out


def rc_counts(heap: Heap, roots: Roots, count_stacks: bool) -> list[str]:
    """Each allocated object's count equals the references to it (heap fields, globals,
    and stack slots unless counting is deferred)."""
    a = heap.a
    n = heap.nslots
    alloc = a.sl_alloc[:n].astype(bool)
    _, dst = _edges(heap, np.flatnonzero(alloc))
    parts = [dst, roots.globals[roots.globals >= 0]]
    if count_stacks:
        st = roots.stack_slots()
        parts.append(st[st >= 0])
    want = np.bincount(np.concatenate(parts).astype(np.int64), minlength=n)[:n]
    bad = np.flatnonzero(alloc & (a.sl_rc[:n] != want))
    return [f"o{o}: count {int(a.sl_rc[o])} but {int(want[o])} references" for o in bad[:3]]
