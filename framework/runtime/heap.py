"""The structure-of-arrays heap: spans, slots, pages and counters.

Objects are integer *slot ids* (their address, in effect): each span owns a contiguous range
of slot ids, and a freed slot id is reused by the next allocation in that slot, as a freed
address is in Go. Rules:

- nothing outside ``framework.runtime`` writes these arrays directly; collectors go through
  kernels (``framework.runtime.kernels``) or the methods here;
- the arrays live in one ``HeapArrays`` namedtuple so compiled kernels take the whole heap as
  one argument; growing replaces arrays, so never keep a reference to an array across a
  kernel call that may return ``ST_GROW``;
- ``NIL`` (-1) is the nil pointer everywhere.
"""

from __future__ import annotations

import mmap
from collections import namedtuple

import numpy as np

from framework.runtime import layout as L
from framework.runtime.sizeclasses import ARENA_PAGES, NUM_CLASSES, PAGE_SIZE, TABLE

MAX_NELEMS = 1024
MAX_FIELDS = 255  # pointer fields of one object: ``sl_nfields`` is uint8

HeapArrays = namedtuple(
    "HeapArrays",
    [
        # size-class tables (read-only)
        "cls_size",
        "cls_npages",
        "cls_nelems",
        "lookup8",
        "lookup128",
        # per class
        "cls_cur",  # span being allocated from, -1 if none
        "cls_partial",  # head of the list of swept spans with free slots
        "cls_unswept",  # head of the list of in-use spans not yet swept this cycle
        "dead_head",  # per nelems: head of the list of dead span records (reusable slot ranges)
        # spans
        "sp_class",
        "sp_npages",
        "sp_page",
        "sp_base",
        "sp_nelems",
        "sp_elemsize",
        "sp_nalloc",
        "sp_freeindex",
        "sp_state",
        "sp_next",
        "sp_sweepgen",
        "sp_inlist",  # 1 while the span is on its class's partial list
        # slots
        "sl_alloc",
        "sl_mark",
        "sl_nfields",
        "sl_size",
        "sl_req",
        "fields",
        "grey",
        "sl_span",  # the span owning each slot
        "sl_rc",  # reference counts (RC collectors)
        "sl_rcflags",  # RC flag bits (layout.RCF_*)
        "zct",  # deferred RC's zero count table
        "rcbuf",  # candidate cycle roots (trial deletion)
        # pages
        "pg_used",
        "pg_scav",  # 1: free and released to the OS (or never used); 0: in use or ready
        # counters and float parameters
        "ctr",
        "fpar",
    ],
)

SPAN_DEAD = 0
SPAN_INUSE = 1


def new_arrays(
    max_fields: int, slot_cap: int = 1 << 14, span_cap: int = 1 << 8, extras: bool = True
) -> HeapArrays:
    """Fresh tables. ``extras``: also the per-slot tables only reference counting and the
    safety checker read (``EXTRA_SLOT_FIELDS``); without them those are empty arrays."""
    if max_fields > MAX_FIELDS:
        raise ValueError(f"objects have at most {MAX_FIELDS} pointer fields (got {max_fields})")
    k = max(1, max_fields)
    ctr = np.zeros(L.N_COUNTERS, dtype=np.int64)
    ctr[L.TRIGGER] = np.iinfo(np.int64).max
    ctr[L.BARRIER_GLOBALS] = 1
    ctr[L.MEMORY_LIMIT] = L.NO_LIMIT_BYTES
    ctr[L.SCAV_GC_GOAL] = L.NO_LIMIT_BYTES
    xcap = slot_cap if extras else 0
    return HeapArrays(
        cls_size=TABLE.size.astype(np.int64),
        cls_npages=TABLE.npages.astype(np.int64),
        cls_nelems=TABLE.nelems.astype(np.int64),
        lookup8=TABLE.lookup8.astype(np.int16),
        lookup128=TABLE.lookup128.astype(np.int16),
        cls_cur=np.full(NUM_CLASSES, -1, dtype=np.int32),
        cls_partial=np.full(NUM_CLASSES, -1, dtype=np.int32),
        cls_unswept=np.full(NUM_CLASSES, -1, dtype=np.int32),
        dead_head=np.full(MAX_NELEMS + 1, -1, dtype=np.int32),
        sp_class=np.zeros(span_cap, dtype=np.int16),
        sp_npages=np.zeros(span_cap, dtype=np.int32),
        sp_page=np.zeros(span_cap, dtype=np.int64),
        sp_base=np.zeros(span_cap, dtype=np.int32),
        sp_nelems=np.zeros(span_cap, dtype=np.int32),
        sp_elemsize=np.zeros(span_cap, dtype=np.int64),
        sp_nalloc=np.zeros(span_cap, dtype=np.int32),
        sp_freeindex=np.zeros(span_cap, dtype=np.int32),
        sp_state=np.zeros(span_cap, dtype=np.int8),
        sp_next=np.full(span_cap, -1, dtype=np.int32),
        sp_sweepgen=np.zeros(span_cap, dtype=np.int64),
        sp_inlist=np.zeros(span_cap, dtype=np.uint8),
        sl_alloc=np.zeros(slot_cap, dtype=np.uint8),
        sl_mark=np.zeros(slot_cap, dtype=np.uint8),
        sl_nfields=np.zeros(slot_cap, dtype=np.uint8),
        sl_size=np.zeros(slot_cap, dtype=np.int32),
        sl_req=np.zeros(slot_cap, dtype=np.int32),
        fields=np.full((slot_cap, k), -1, dtype=np.int32),
        grey=np.zeros(slot_cap, dtype=np.int32),
        sl_span=np.zeros(xcap, dtype=np.int32),
        sl_rc=np.zeros(xcap, dtype=np.int32),
        sl_rcflags=np.zeros(xcap, dtype=np.uint8),
        zct=np.zeros(xcap, dtype=np.int32),
        rcbuf=np.zeros(xcap, dtype=np.int32),
        pg_used=np.zeros(0, dtype=np.uint8),
        pg_scav=np.zeros(0, dtype=np.uint8),
        ctr=ctr,
        fpar=np.zeros(L.N_FPAR, dtype=np.float64),
    )


def host_bytes(objects: int, nbytes: int, max_fields: int) -> int:
    """Roughly the memory the heap tables take for a live heap of ``objects`` objects and
    ``nbytes`` bytes: the always-present slot tables for twice the live objects (the
    garbage of GOGC=100) with doubling headroom, page tables for twice the bytes, and a
    span per object or per page, whichever is fewer (used to refuse configs no machine
    here could simulate). An over-estimate: table capacity not yet handed out to spans is
    never touched (``Heap.grow``), so it costs address space, not memory; the reference
    counting tables (``EXTRA_SLOT_FIELDS``) are not counted."""
    a = new_arrays(max_fields, slot_cap=1, span_cap=1, extras=False)
    per_slot = sum(int(getattr(a, f).nbytes) for f in _SLOT_FIELDS)
    per_span = sum(int(getattr(a, f).nbytes) for f in _SPAN_FIELDS)
    pages = 2 * nbytes // PAGE_SIZE + 1
    spans = min(2 * objects, pages)
    return 4 * objects * per_slot + 2 * spans * per_span + pages * (2 * a.pg_used.itemsize)


_MAPPED_BYTES = 1 << 20  # tables at least this large get pages of their own (_zeros)


def _zeros(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Zeros whose pages the OS maps only when first written. A large table gets an
    anonymous mapping of its own rather than ``np.zeros``: glibc serves blocks below its
    mmap threshold (which rises to 32 MiB as large blocks are freed) from the process heap,
    where calloc writes the zeros and a freed table stays resident, so the capacity a
    growth adds and the tables it replaces cost memory. Unmapped when the array dies."""
    nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    if nbytes < _MAPPED_BYTES:
        return np.zeros(shape, dtype=dtype)
    return np.frombuffer(mmap.mmap(-1, nbytes), dtype=dtype).reshape(shape)


def _grown(arr: np.ndarray, cap: int, fill: int, used: int | None = None) -> np.ndarray:
    """``arr`` with capacity ``cap``, keeping its first ``used`` entries (all by default).
    A zero fill allocates with ``np.zeros``, whose pages the OS maps only when first
    written: capacity no kernel has reached yet costs address space, not memory, and the
    copy touches only the part in use."""
    if fill == 0:
        new = _zeros((cap, *arr.shape[1:]), arr.dtype)
    else:
        new = np.full((cap, *arr.shape[1:]), fill, dtype=arr.dtype)
    n = arr.shape[0] if used is None else used
    new[:n] = arr[:n]
    return new


# Tables indexed by span id and by slot id, by naming rule, so a new table cannot be
# forgotten when the heap grows (a forgotten one would be written out of bounds).
_SPAN_FIELDS = tuple(f for f in HeapArrays._fields if f.startswith("sp_"))
# Per-slot tables only reference counting, the safety checker and the marking locality term
# read: the owning span (RC frees into it; the checker's codec and sweep test; locality's
# object address), counts, RC flags, the zero count table and the candidate-roots buffer.
# A simulation without them keeps them empty (13 of the 36 bytes a slot took with one
# pointer field); ``Heap.want_extras`` allocates them.
EXTRA_SLOT_FIELDS = ("sl_span", "sl_rc", "sl_rcflags", "zct", "rcbuf")
_SLOT_FIELDS = tuple(
    f
    for f in HeapArrays._fields
    if (f.startswith("sl_") or f in ("fields", "grey")) and f not in EXTRA_SLOT_FIELDS
)


class Heap:
    """Owner of the heap arrays: growth, and read-only views for collectors and metrics."""

    def __init__(self, max_fields: int, slot_cap: int = 1 << 14, extras: bool = False) -> None:
        """``extras``: keep the reference-counting and checker tables from the start
        (``EXTRA_SLOT_FIELDS``; the safety checker's heaps do); else they are allocated
        when reference counting is turned on (``set_rc``)."""
        self.a = new_arrays(max_fields, slot_cap=slot_cap, extras=extras)
        self.max_fields = max(1, max_fields)
        self._work = np.zeros(1, dtype=np.int32)
        #: (span records counted, their mark-bit bytes): memstats.gc_bits_per_span's sum
        self.gc_bits_sum: tuple[int, int] = (0, 0)

    @property
    def root_scan_arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays ``kernels.mark.scan_roots`` takes, in its order: ctr, sl_mark,
        sl_nfields, sl_size, grey, fpar, and for the marking locality term sl_span,
        sp_page, sp_base, sp_elemsize."""
        a = self.a
        return (
            a.ctr,
            a.sl_mark,
            a.sl_nfields,
            a.sl_size,
            a.grey,
            a.fpar,
            a.sl_span,
            a.sp_page,
            a.sp_base,
            a.sp_elemsize,
        )

    @property
    def has_extras(self) -> bool:
        return self.a.sl_span.shape[0] != 0

    def want_extras(self) -> None:
        """Allocate the reference-counting and checker tables (``EXTRA_SLOT_FIELDS``) at
        the slot capacity, with each handed-out slot's owning span (the counts start at
        zero: call before any object is allocated under reference counting)."""
        if self.has_extras:
            return
        cap = self.a.sl_alloc.shape[0]
        full = new_arrays(1, slot_cap=cap, span_cap=1, extras=True)
        self.a = self.a._replace(**{f: getattr(full, f) for f in EXTRA_SLOT_FIELDS})
        a = self.a
        for s in range(self.nspans):
            b = int(a.sp_base[s])
            a.sl_span[b : b + int(a.sp_nelems[s])] = s

    @property
    def work(self) -> np.ndarray:
        """Scratch stack for kernels that traverse the heap (RC cascades, trial deletion):
        one entry per field and one per slot, so no traversal can overflow it (trial
        deletion's scan pushes once per edge plus once per blackened object). Allocated only
        while reference counting is on (``ctr[RC_MODE]``); a 1-entry dummy otherwise."""
        a = self.a
        if a.ctr[L.RC_MODE] == L.RC_OFF:
            return self._work[:1]
        need = a.sl_alloc.shape[0] * (a.fields.shape[1] + 1) + 1
        if self._work.shape[0] < need:
            self._work = np.zeros(need, dtype=np.int32)
        return self._work

    # --- growth (called when a kernel returns ST_GROW) ------------------------------------
    def grow(self, what: int, need: int = 0) -> None:
        a = self.a
        if what == L.GROW_PAGES:
            # Map another arena (Go maps 64 MiB heap arenas); enough for the request.
            add = ARENA_PAGES * max(1, -(-need // ARENA_PAGES))
            n = a.pg_used.shape[0] + add
            # New arena pages are reserved address space: not mapped, so not ready (Go:
            # sysReserve; mheap.grow maps them as released).
            self.a = a._replace(pg_used=_grown(a.pg_used, n, 0), pg_scav=_grown(a.pg_scav, n, 1))
            a.ctr[L.NPAGES] = self.a.pg_used.shape[0]
        elif what == L.GROW_SPANS:
            cap = a.sp_class.shape[0] * 2
            fills = {"sp_next": -1}
            self.a = a._replace(
                **{f: _grown(getattr(a, f), cap, fills.get(f, 0)) for f in _SPAN_FIELDS}
            )
        elif what == L.GROW_SLOTS:
            cap = max(a.sl_alloc.shape[0] * 2, int(a.ctr[L.NSLOTS]) + need + 1)
            names = _SLOT_FIELDS + (EXTRA_SLOT_FIELDS if self.has_extras else ())
            del a
            # One table at a time, dropping each old one before the next is copied: the
            # peak is the tables plus one table's used part, not twice the tables. Only
            # the part in use is copied (slot ids handed out to spans; the queues' entries):
            # the rest is never read before a kernel writes it, so new capacity stays
            # zeros the OS has not mapped; the allocator gives fresh slots their nil fields
            # when a span takes them (kernels.alloc.new_span).
            ctr = self.a.ctr
            queue = {"grey": L.GREY_N, "zct": L.ZCT_N, "rcbuf": L.RCBUF_N}
            for f in names:
                used = int(ctr[queue[f] if f in queue else L.NSLOTS])
                self.a = self.a._replace(**{f: _grown(getattr(self.a, f), cap, 0, used)})
        else:  # pragma: no cover - kernel contract
            raise ValueError(f"unknown growth request {what}")

    # --- the modes collectors set (Go: the runtime's global GC state) ----------------------
    def set_marking(self, barrier_mode: int, allocate_black: bool, on_globals: bool = True) -> None:
        """Turn the write barrier (``layout.SHADE_*`` bit set) and allocate-black on for a
        mark phase (Go: setGCPhase(_GCmark) sets writeBarrier.enabled; gcmarknewobject)."""
        c = self.a.ctr
        c[L.BARRIER] = barrier_mode
        c[L.ALLOC_BLACK] = 1 if allocate_black else 0
        c[L.BARRIER_GLOBALS] = 1 if on_globals else 0

    def end_marking(self) -> None:
        """Barrier, allocate-black and assists off (Go: setGCPhase(_GCmarktermination),
        gcBlackenEnabled = 0)."""
        c = self.a.ctr
        c[L.BARRIER] = L.BARRIER_OFF
        c[L.ALLOC_BLACK] = 0
        c[L.ASSISTS_ON] = 0

    def set_assists(self, on: bool, skipped: bool | None = None) -> None:
        """Mark assists required of allocating goroutines (Go: gcBlackenEnabled), and
        whether the GC CPU limiter skips them (None: leave as is)."""
        self.a.ctr[L.ASSISTS_ON] = 1 if on else 0
        if skipped is not None:
            self.set_assists_skipped(skipped)

    def set_assists_skipped(self, skipped: bool) -> None:
        """The GC CPU limiter's verdict: assists accrue debt but do not run."""
        self.a.ctr[L.ASSISTS_SKIPPED] = 1 if skipped else 0

    def reset_live(self, marked: int) -> None:
        """Go: gcControllerState.resetLive: heapLive restarts from the marked heap."""
        self.a.ctr[L.HEAP_LIVE] = marked

    def new_sweep_generation(self) -> None:
        """Go: mheap_.sweepgen += 2 at the start of a sweep phase."""
        self.a.ctr[L.SWEEPGEN] += 2

    def set_rc(
        self, mode: int, cycles: bool, zct_limit: int, buffer_limit: int, cascade_min: int
    ) -> None:
        """Reference counting on (``layout.RC_*``): the kernels count, buffer and cascade."""
        if mode != L.RC_OFF:
            self.want_extras()
        c = self.a.ctr
        c[L.RC_MODE] = mode
        c[L.RC_CYCLES] = 1 if cycles else 0
        c[L.ZCT_LIMIT] = zct_limit
        c[L.RCBUF_LIMIT] = buffer_limit
        c[L.CASCADE_EVENT_MIN] = cascade_min

    def clear_rc_request(self) -> None:
        """The RC collector answered the mutators' request to run."""
        self.a.ctr[L.RC_REQUEST] = 0

    # --- read-only views ------------------------------------------------------------------
    def counter(self, idx: int) -> int:
        return int(self.a.ctr[idx])

    @property
    def nslots(self) -> int:
        return int(self.a.ctr[L.NSLOTS])

    @property
    def nspans(self) -> int:
        return int(self.a.ctr[L.NSPANS])

    def allocated(self) -> np.ndarray:
        """Ids of all allocated slots."""
        return np.flatnonzero(self.a.sl_alloc[: self.nslots])

    def inuse_spans(self) -> np.ndarray:
        return np.flatnonzero(self.a.sp_state[: self.nspans] == SPAN_INUSE)

    def fields_of(self, obj: int) -> np.ndarray:
        return self.a.fields[obj, : self.a.sl_nfields[obj]]

    # --- page states, as Go's MemStats reports them (mstats.go: readmemstats_m) ------------
    def heap_sys_bytes(self) -> int:
        """Go's HeapSys: heap memory mapped by mheap.grow (whole 4 MiB chunks)."""
        return int(self.a.ctr[L.GROWN_PAGES]) * PAGE_SIZE

    def heap_inuse_bytes(self) -> int:
        """Go's HeapInuse: bytes of in-use spans."""
        return int(self.a.ctr[L.INUSE_SPAN_BYTES])

    def heap_released_bytes(self) -> int:
        """Go's HeapReleased: free heap memory returned to the OS (or grown, never used)."""
        return int(self.a.ctr[L.RELEASED_PAGES]) * PAGE_SIZE

    def heap_idle_bytes(self) -> int:
        """Go's HeapIdle = HeapSys - HeapInuse (free pages, ready or released)."""
        return self.heap_sys_bytes() - self.heap_inuse_bytes()

    def heap_free_bytes(self) -> int:
        """Go's gcController.heapFree: free pages that are still ready (not released)."""
        return self.heap_idle_bytes() - self.heap_released_bytes()

    def heap_ready_bytes(self) -> int:
        """The heap's share of Go's mappedReady: HeapSys - HeapReleased
        (= heapInUse + heapFree, mgcscavenge.go: heapRetained)."""
        return self.heap_sys_bytes() - self.heap_released_bytes()

    def mapped_bytes(self) -> int:
        """Heap memory mapped and not released (``heap_ready_bytes``). Without scavenging
        this is the pages ever used: grown chunks start released and first fit leaves no
        never-used page below the high-water mark."""
        return self.heap_ready_bytes()

    def memory_bytes(self) -> int:
        """Bytes of simulator memory held by the heap tables."""
        return sum(int(getattr(self.a, f).nbytes) for f in self.a._fields)
