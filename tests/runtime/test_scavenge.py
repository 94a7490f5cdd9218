"""Page states, the scavenger kernel and synchronous scavenging (Go 1.19: mheap.grow,
mheap.allocSpan, pageAlloc.scavenge)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from framework.runtime import layout as L
from framework.runtime.heap import Heap
from framework.runtime.kernels.alloc import CHUNK_PAGES, can_new_span, new_span, release_span
from framework.runtime.kernels.scavenge import scavenge_pages
from framework.runtime.sizeclasses import PAGE_SIZE

SCAV_NS = 1700.0


def _cost() -> np.ndarray:
    c = np.zeros(L.N_COSTS)
    c[L.K_SCAV_PAGE] = SCAV_NS
    return c


def _alloc(h: Heap, npages: int) -> tuple[int, float]:
    """A large-object span of npages (Go: mheap.alloc), growing the tables as asked."""
    while (g := can_new_span(h.a, 1, npages)) != 0:
        h.grow(int(g))
    s, t = new_span(h.a, 0, 1, npages, npages * PAGE_SIZE, _cost())
    return int(s), float(t)


def _check(h: Heap) -> None:
    """Counters agree with the page arrays and with each other."""
    a = h.a
    c = a.ctr
    grown = int(c[L.GROWN_PAGES])
    used = a.pg_used[:grown] != 0
    scav = a.pg_scav[:grown] != 0
    assert not (used & scav).any(), "an in-use page is marked released"
    assert (a.pg_scav[grown:] == 1).all() and not a.pg_used[grown:].any()
    assert int(scav.sum()) == c[L.RELEASED_PAGES]
    assert int(used.sum()) * PAGE_SIZE == c[L.INUSE_SPAN_BYTES] == h.heap_inuse_bytes()
    free_ready = int((~used & ~scav).sum())
    assert c[L.RELEASED_PAGES] + used.sum() + free_ready == grown
    assert h.heap_free_bytes() == free_ready * PAGE_SIZE >= 0
    assert h.heap_ready_bytes() >= 0
    assert h.heap_sys_bytes() == grown * PAGE_SIZE and grown % CHUNK_PAGES == 0
    assert grown <= c[L.NPAGES]
    assert c[L.SCAV_SEARCH] >= 0
    hi = int(c[L.SCAV_SEARCH])
    assert not (~used[hi:] & ~scav[hi:]).any(), "a free ready page above the search hint"


def test_page_state_transitions():
    h = Heap(1)
    s, t = _alloc(h, 5)
    # mheap.grow maps one 4 MiB chunk as released; the span makes its 5 pages ready.
    assert h.heap_sys_bytes() == CHUNK_PAGES * PAGE_SIZE
    assert h.heap_released_bytes() == (CHUNK_PAGES - 5) * PAGE_SIZE
    assert h.heap_ready_bytes() == h.heap_inuse_bytes() == 5 * PAGE_SIZE
    assert h.counter(L.SCAV_REUSED_PAGES) == 5 and t == 0.0
    release_span(h.a, s)  # free: ready, not released
    assert h.heap_free_bytes() == 5 * PAGE_SIZE and h.heap_inuse_bytes() == 0
    assert h.mapped_bytes() == 5 * PAGE_SIZE
    n, cost = scavenge_pages(h.a, 100, _cost())  # release
    assert (n, cost) == (5, 5 * SCAV_NS)
    assert h.heap_released_bytes() == h.heap_sys_bytes() and h.heap_ready_bytes() == 0
    assert scavenge_pages(h.a, 100, _cost())[0] == 0  # nothing left
    s, _ = _alloc(h, 3)  # reuse: first fit at page 0, the released pages become ready
    assert h.a.sp_page[s] == 0
    assert h.counter(L.SCAV_REUSED_PAGES) == 8
    assert h.heap_ready_bytes() == 3 * PAGE_SIZE
    _check(h)


def test_scavenger_releases_highest_addresses_first():
    h = Heap(1)
    spans = [_alloc(h, 5)[0] for _ in range(3)]  # pages 0-4, 5-9, 10-14
    release_span(h.a, spans[0])
    release_span(h.a, spans[2])
    assert scavenge_pages(h.a, 3, _cost())[0] == 3
    assert np.flatnonzero(h.a.pg_scav[:15]).tolist() == [12, 13, 14]
    assert scavenge_pages(h.a, 4, _cost())[0] == 4
    assert np.flatnonzero(h.a.pg_scav[:15]).tolist() == [3, 4, 10, 11, 12, 13, 14]
    _check(h)


def test_heap_grows_in_chunks_and_arenas():
    h = Heap(1)
    _alloc(h, 1)
    _alloc(h, CHUNK_PAGES + 3)  # does not fit the first chunk: grow by two chunks
    assert h.counter(L.GROWN_PAGES) == 3 * CHUNK_PAGES
    big = _alloc(h, 9000)[0]  # more than an arena (8192 pages)
    assert h.a.sp_page[big] == CHUNK_PAGES + 4
    assert h.counter(L.GROWN_PAGES) == 3 * CHUNK_PAGES + 18 * CHUNK_PAGES
    assert h.counter(L.NPAGES) >= h.counter(L.GROWN_PAGES)
    _check(h)


def _holey_heap() -> Heap:
    """20 one-page spans, the even ones freed: 10 ready free pages in 1-page holes."""
    h = Heap(1)
    spans = [_alloc(h, 1)[0] for _ in range(20)]
    for s in spans[0::2]:
        release_span(h.a, s)
    return h


def test_sync_scavenging_keeps_mapped_ready_at_the_limit():
    h = _holey_heap()
    c = h.a.ctr
    c[L.NONHEAP_READY] = 3 << 20
    c[L.MEMORY_LIMIT] = h.heap_ready_bytes() + (3 << 20)  # at the limit now
    s, t = _alloc(h, 4)  # no hole fits: takes 4 released pages above
    assert h.a.sp_page[s] == 20
    # Go's allocSpan scavenges what the new pages would add: 4 pages, highest first.
    assert h.counter(L.SYNC_SCAV_PAGES) == 4 and t == 4 * SCAV_NS
    assert h.counter(L.SYNC_SCAV_NS) == int(4 * SCAV_NS)
    assert np.flatnonzero(h.a.pg_scav[:24]).tolist() == [12, 14, 16, 18]
    assert h.heap_ready_bytes() + c[L.NONHEAP_READY] == c[L.MEMORY_LIMIT]
    s, t = _alloc(h, 1)  # a ready hole (page 0): nothing to page in, nothing to scavenge
    assert h.a.sp_page[s] == 0 and t == 0.0
    _check(h)


def test_sync_scavenging_is_off_while_the_cpu_limiter_limits():
    h = _holey_heap()
    h.a.ctr[L.MEMORY_LIMIT] = h.heap_ready_bytes()
    h.a.ctr[L.ASSISTS_SKIPPED] = 1
    _, t = _alloc(h, 4)
    assert t == 0.0 and h.counter(L.SYNC_SCAV_PAGES) == 0


def test_sync_scavenging_on_growth_past_the_retained_goal():
    h = _holey_heap()  # ready: 20 pages (10 in use, 10 free)
    h.a.ctr[L.SCAV_GC_GOAL] = h.heap_ready_bytes() + 500 * PAGE_SIZE
    _alloc(h, 600)  # grows by 2 chunks: retained + growth - goal = 1024 - 500 = 524 pages
    assert h.counter(L.SYNC_SCAV_PAGES) == 10  # only 10 free ready pages exist
    _check(h)


def test_no_scavenging_keeps_ready_equal_to_the_high_water_mark():
    h = Heap(1)
    rng = np.random.default_rng(3)
    live = []
    for _ in range(300):
        if live and rng.random() < 0.4:
            release_span(h.a, live.pop(int(rng.integers(len(live)))))
        else:
            live.append(_alloc(h, int(rng.integers(1, 30)))[0])
        assert h.mapped_bytes() == h.counter(L.PAGES_HWM) * PAGE_SIZE
    _check(h)


@given(
    st.lists(
        st.tuples(st.sampled_from(["alloc", "free", "scav", "limit"]), st.integers(1, 700)),
        max_size=60,
    )
)
def test_counters_stay_consistent(steps):
    h = Heap(1)
    live: list[int] = []
    for what, n in steps:
        if what == "alloc":
            live.append(_alloc(h, n if n < 600 else n * 3)[0])
            # Go's allocSpan: after a span allocation mappedReady is within the limit,
            # unless no free ready page was left to release.
            limit = int(h.a.ctr[L.MEMORY_LIMIT])
            assert h.heap_ready_bytes() <= limit or h.heap_free_bytes() == 0
        elif what == "free" and live:
            release_span(h.a, live.pop(n % len(live)))
        elif what == "scav":
            before = h.heap_released_bytes()
            got, _ = scavenge_pages(h.a, n, _cost())
            assert h.heap_released_bytes() == before + got * PAGE_SIZE
        elif what == "limit":
            h.a.ctr[L.MEMORY_LIMIT] = n * 16 * PAGE_SIZE
        _check(h)
