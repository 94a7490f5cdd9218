"""The scavenger's page kernel (Go 1.19: pageAlloc.scavenge / scavengeOne /
findScavengeCandidate in mgcscavenge.go).

Rule: release free, unscavenged pages (Go: sysUnused, madvise) from the highest address
down, up to a page budget. Go finds the highest chunk with such pages (scavengeIndex.find),
then the highest run in it, and releases the top ``max`` pages of that run; releasing page
by page from the top is the same set of pages. ``ctr[SCAV_SEARCH]`` is Go's searchAddr: no
free unscavenged page lies at or above it; freeing pages raises it (scavengeIndex.mark,
from pageAlloc.free), a search lowers it.

Abstractions: a 4 KiB physical page divides an 8 KiB runtime page, so any run can be
released (Go's minPages is 1 on linux/amd64); huge-page rounding (findScavengeCandidate
growing a run to a 2 MiB boundary) is not modelled. Cost: ``cost[K_SCAV_PAGE]`` per page.
"""

from __future__ import annotations

from framework.runtime import layout as L
from framework.runtime.kernels.jit import kernel


@kernel
def scavenge_pages(a, max_pages, cost):
    """Release up to ``max_pages`` free, unscavenged pages, highest address first
    (Go: pageAlloc.scavenge). Returns (pages_released, cost_ns); fewer than ``max_pages``
    means no free unscavenged page is left."""
    ctr = a.ctr
    i = min(ctr[L.SCAV_SEARCH], ctr[L.GROWN_PAGES]) - 1
    released = 0
    pg_used = a.pg_used
    pg_scav = a.pg_scav
    while i >= 0 and released < max_pages:
        if pg_used[i] == 0 and pg_scav[i] == 0:
            pg_scav[i] = 1
            released += 1
        i -= 1
    ctr[L.SCAV_SEARCH] = i + 1
    ctr[L.RELEASED_PAGES] += released
    ctr[L.SCAV_PAGES] += released
    return released, cost[L.K_SCAV_PAGE] * released
