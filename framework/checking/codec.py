"""A step driver's state as a key, and back: what ``explore`` hashes and restores.

Rules:

- The key holds everything that decides what a step does next and what an invariant says,
  and nothing else: stacks, globals, the slot tables of the slot ids in use, the grey
  queue in order (``drain`` pops it LIFO, so order is state), the allocator's spans, lists
  and pages, the heap counters except pure statistics (``STATS``), reference-counting
  queues, and the collector's phase, root jobs and cycle.
- Canonical forms, each because nothing can read the difference: a free slot's stale
  contents (fields, field count) are dropped for tracing collectors (a free slot is
  reached only through a dangling pointer, and a dangling pointer is already a violation);
  the completeness check's bookkeeping is kept as the objects it still watches; counters in
  ``STATS`` are dropped. Reference counting keeps free slots exact (trial deletion reads
  the flags of buffered slots after they are freed).
- A key is a tuple of part ids; each part (bytes) is interned, so keys are exact (no hash
  collisions) and a restore rewrites only the parts that differ from the driver's.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from framework.checking.driver import CheckDriver
from framework.runtime import layout as L
from framework.runtime.kernels.jit import kernel

# Counters that only count: no kernel, driver step or invariant reads them in a way that
# changes what happens next (in the driver there is no trigger, pacer or proportional
# sweep). ``tests/checking/test_explore.py`` perturbs them and checks that every successor
# keeps its key and its verdict.
STATS = (
    L.HEAP_LIVE,
    L.ALLOC_REQ,
    L.TOTAL_ALLOCS,
    L.TOTAL_ALLOC_BYTES,
    L.TOTAL_ALLOC_REQ,
    L.BARRIER_CALLS,
    L.BARRIER_SHADES,
    L.DANGLING,
    L.MARKED_OBJECTS,
    L.MARKED_BYTES,
    L.SCAN_WORK,
    L.LARGE_ALLOCS,
    L.SPAN_ALLOCS,
    L.MUTATOR_OPS,
    L.FREED_OBJECTS,
    L.FREED_BYTES,
    L.SPANS_SWEPT,
    L.PAGES_SWEPT,
    L.LAZY_SWEEP_SPANS,
    L.LAZY_SWEEP_NS,
    L.ASSIST_REQUESTS,
    L.STACK_SCAN_WORK,
    L.GLOBAL_SCAN_WORK,
    L.HEAP_SCAN,
    L.PAGES_HWM,
    L.RC_OPS,
    L.RC_NS,
    L.CASCADE_MAX,
    L.LAST_CASCADE,
    L.LAST_CASCADE_NS,
    L.CASCADES,
    L.SPANS_HWM,
    L.SCAV_REUSED_PAGES,
    # the cost ledger (counts for calibration, read only by reports)
    *range(L.OPS_BY_CODE, L.SLOTS_TOUCHED),  # ops executed per op code
    L.SLOTS_TOUCHED,
    L.COMPUTE_UNITS,
    L.ALLOC_SCAN_BYTES,
    L.SLOTS_SWEPT,
    L.OBJECTS_SCANNED,
    L.NOSCAN_MARKED,
    # Go's stack accounting: derived from the goroutine table
    L.STACK_LIVE_SUM,
    *range(L.STACK_ORDERS, L.STACK_ORDERS + 64),
)
KEEP = np.array(sorted(set(range(L.N_COUNTERS)) - set(STATS)), dtype=np.int64)
PY, STACKS, GLOBALS, SLOTS, GREY, CTR, ALLOC, RC = range(8)
Key = tuple[int, ...]


# --- heap parts, compiled ----------------------------------------------------------------------
@kernel
def _sparse(arr, n, skip, out, j):
    """Write (count, index, value...) of the entries of ``arr[:n]`` that are not ``skip``."""
    c = j
    j += 1
    k = 0
    for i in range(n):
        if arr[i] != skip:
            out[j] = i
            out[j + 1] = arr[i]
            j += 2
            k += 1
    out[c] = k
    return j


@kernel
def _runs(arr, n, out, j):
    """Write (count, value, length...) run-length pairs of ``arr[:n]``."""
    c = j
    j += 1
    k = 0
    i = 0
    while i < n:
        v = arr[i]
        e = i
        while e < n and arr[e] == v:
            e += 1
        out[j] = v
        out[j + 1] = e - i
        j += 2
        k += 1
        i = e
    out[c] = k
    return j


@kernel
def encode_heap(a, exact, keep, fpar_bits, out, ends):
    """Write the heap's parts into ``out``: slots, counters, allocator, RC queues, grey
    queue; their ends go to ``ends[0:5]``, the highest touched slot + 1 to ``ends[5]``, the
    span records in use to ``ends[6]``."""
    ctr = a.ctr
    n = ctr[L.NSLOTS]
    nf = a.fields.shape[1]
    # slots
    w = 0
    raw = 0
    for i in range(n):
        if a.sl_alloc[i] != 0 or a.sl_mark[i] != 0:
            w = i + 1
            raw = i + 1
        elif a.sl_nfields[i] != 0 or a.sl_rcflags[i] != 0 or a.sl_rc[i] != 0:
            raw = i + 1
    if exact:
        w = raw
    j = 0
    out[j] = w
    j += 1
    for i in range(w):
        live = exact or a.sl_alloc[i] != 0
        out[j] = a.sl_alloc[i]
        out[j + 1] = a.sl_mark[i]
        out[j + 2] = a.sl_nfields[i] if live else 0
        j += 3
        for f in range(nf):
            out[j] = a.fields[i, f] if live else -1
            j += 1
        if exact:
            out[j] = a.sl_rc[i]
            out[j + 1] = a.sl_rcflags[i]
            j += 2
    ends[0] = j
    # counters
    for k in range(keep.shape[0]):
        out[j] = ctr[keep[k]]
        j += 1
    for k in range(fpar_bits.shape[0]):
        out[j] = fpar_bits[k]
        j += 1
    ends[1] = j
    # allocator: spans, class lists, dead spans, pages, slot layout
    npg = a.pg_used.shape[0]
    ns = ctr[L.NSPANS]
    out[j] = npg
    out[j + 1] = ns
    j += 2
    for s in range(ns):
        out[j] = a.sp_class[s]
        out[j + 1] = a.sp_npages[s]
        out[j + 2] = a.sp_page[s]
        out[j + 3] = a.sp_base[s]
        out[j + 4] = a.sp_nelems[s]
        out[j + 5] = a.sp_elemsize[s]
        out[j + 6] = a.sp_nalloc[s]
        out[j + 7] = a.sp_freeindex[s]
        out[j + 8] = a.sp_state[s]
        out[j + 9] = a.sp_next[s]
        out[j + 10] = a.sp_sweepgen[s]
        out[j + 11] = a.sp_inlist[s]
        j += 12
    nc = a.cls_cur.shape[0]
    j = _sparse(a.cls_cur, nc, -1, out, j)
    j = _sparse(a.cls_partial, nc, -1, out, j)
    j = _sparse(a.cls_unswept, nc, -1, out, j)
    j = _sparse(a.dead_head, a.dead_head.shape[0], -1, out, j)
    hwm = min(ctr[L.PAGES_HWM] + 1, npg)  # no page above the high-water mark was used
    j = _sparse(a.pg_used, hwm, 0, out, j)
    j = _sparse(a.pg_scav, hwm, 1, out, j)
    j = _runs(a.sl_size, n, out, j)
    j = _runs(a.sl_span, n, out, j)
    ends[2] = j
    # reference counting
    zn = ctr[L.ZCT_N]
    out[j] = zn
    j += 1
    for i in range(zn):
        out[j] = a.zct[i]
        j += 1
    bn = ctr[L.RCBUF_N]
    out[j] = bn
    j += 1
    for i in range(bn):
        out[j] = a.rcbuf[i]
        j += 1
    ends[3] = j
    # the grey queue, in order
    gn = ctr[L.GREY_N]
    for i in range(gn):
        out[j] = a.grey[i]
        j += 1
    ends[4] = j
    ends[5] = raw
    ends[6] = ns


@kernel
def _unsparse(arr, fill, src, j):
    arr[:] = fill
    k = src[j]
    j += 1
    for _ in range(k):
        arr[src[j]] = src[j + 1]
        j += 2
    return j


@kernel
def _unruns(arr, src, j):
    k = src[j]
    j += 1
    i = 0
    for _ in range(k):
        v = src[j]
        for _ in range(src[j + 1]):
            arr[i] = v
            i += 1
        j += 2
    return j


@kernel
def write_slots(a, src, exact, hw):
    """Inverse of ``encode_heap``'s slots part; slots from its end up to ``hw`` become
    untouched again."""
    nf = a.fields.shape[1]
    w = src[0]
    for i in range(max(w, hw)):
        a.sl_alloc[i] = 0
        a.sl_mark[i] = 0
        a.sl_nfields[i] = 0
        for f in range(nf):
            a.fields[i, f] = -1
        if exact:
            a.sl_rc[i] = 0
            a.sl_rcflags[i] = 0
    j = 1
    for i in range(w):
        a.sl_alloc[i] = src[j]
        a.sl_mark[i] = src[j + 1]
        a.sl_nfields[i] = src[j + 2]
        j += 3
        for f in range(nf):
            a.fields[i, f] = src[j]
            j += 1
        if exact:
            a.sl_rc[i] = src[j]
            a.sl_rcflags[i] = src[j + 1]
            j += 2


@kernel
def write_counters(a, src, keep, fpar_bits):
    for k in range(keep.shape[0]):
        a.ctr[keep[k]] = src[k]
    for k in range(fpar_bits.shape[0]):
        fpar_bits[k] = src[keep.shape[0] + k]


@kernel
def write_alloc(a, src, span_hw):
    """Inverse of ``encode_heap``'s allocator part (the page tables already ``src[0]``
    long); span records from its end up to ``span_hw`` become unused again."""
    ns = src[1]
    for s in range(max(ns, span_hw)):
        a.sp_class[s] = 0
        a.sp_npages[s] = 0
        a.sp_page[s] = 0
        a.sp_base[s] = 0
        a.sp_nelems[s] = 0
        a.sp_elemsize[s] = 0
        a.sp_nalloc[s] = 0
        a.sp_freeindex[s] = 0
        a.sp_state[s] = 0
        a.sp_next[s] = -1
        a.sp_sweepgen[s] = 0
        a.sp_inlist[s] = 0
    j = 2
    for s in range(ns):
        a.sp_class[s] = src[j]
        a.sp_npages[s] = src[j + 1]
        a.sp_page[s] = src[j + 2]
        a.sp_base[s] = src[j + 3]
        a.sp_nelems[s] = src[j + 4]
        a.sp_elemsize[s] = src[j + 5]
        a.sp_nalloc[s] = src[j + 6]
        a.sp_freeindex[s] = src[j + 7]
        a.sp_state[s] = src[j + 8]
        a.sp_next[s] = src[j + 9]
        a.sp_sweepgen[s] = src[j + 10]
        a.sp_inlist[s] = src[j + 11]
        j += 12
    j = _unsparse(a.cls_cur, -1, src, j)
    j = _unsparse(a.cls_partial, -1, src, j)
    j = _unsparse(a.cls_unswept, -1, src, j)
    j = _unsparse(a.dead_head, -1, src, j)
    j = _unsparse(a.pg_used, 0, src, j)
    j = _unsparse(a.pg_scav, 1, src, j)
    j = _unruns(a.sl_size, src, j)
    j = _unruns(a.sl_span, src, j)


@kernel
def write_rc(a, src):
    zn = src[0]
    for i in range(zn):
        a.zct[i] = src[1 + i]
    bn = src[1 + zn]
    for i in range(bn):
        a.rcbuf[i] = src[2 + zn + i]


# --- the codec ----------------------------------------------------------------------------------
class Codec:
    """Reads a driver's state as a key and writes a key back into a driver."""

    def __init__(self, exact: bool) -> None:
        self.exact = exact  # reference counting: free slots are kept as they are
        self.ids: list[dict[Any, int]] = [{} for _ in range(8)]
        self.parts: list[list[Any]] = [[] for _ in range(8)]
        self.slot_hw = 0  # no slot at or above this was ever touched
        self.span_hw = 0
        self.buf = np.zeros(0, dtype=np.int64)
        self.ends = np.zeros(7, dtype=np.int64)
        self._sized: Any = None
        self._fpar: Any = None

    def key(self, d: CheckDriver) -> Key:
        a = d.st.heap.a
        if a.sl_alloc is not self._sized:  # the tables grew (or first call): size the buffer
            need = a.sl_alloc.shape[0] * (6 + a.fields.shape[1]) + 16 * a.sp_class.shape[0]
            self.buf = np.zeros(need + 8192, dtype=np.int64)
            self._sized = a.sl_alloc
            self._fpar = a.fpar.view(np.int64)
        buf = self.buf
        encode_heap(a, self.exact, KEEP, self._fpar, buf, self.ends)
        e0, e1, e2, e3, e4, raw, ns = self.ends.tolist()
        if raw > self.slot_hw:
            self.slot_hw = raw
        if ns > self.span_hw:
            self.span_hw = ns
        stacks = []
        for g in d.st.roots.goroutines:
            gs = g.gs
            gs[4] = 0  # L.G_OPS, a statistic
            stacks.append(gs.tobytes() + g.stack[: gs[0]].tobytes())  # gs[0]: L.G_SP
        ids, parts = self.ids, self.parts
        out = []
        for i, raw_part in enumerate(
            (
                self._py(d),
                tuple(stacks),
                d.st.roots.globals.tobytes(),
                buf[:e0].tobytes(),
                buf[e3:e4].tobytes(),
                buf[e0:e1].tobytes(),
                buf[e1:e2].tobytes(),
                buf[e2:e3].tobytes(),
            )
        ):
            table = ids[i]
            k = table.get(raw_part)
            if k is None:
                k = table[raw_part] = len(parts[i])
                parts[i].append(raw_part)
            out.append(k)
        return tuple(out)

    @staticmethod
    def _py(d: CheckDriver) -> tuple[Any, ...]:
        """The driver's own bookkeeping: phase, cycle, root jobs, and the objects the
        completeness check still watches (those it can still report)."""
        tc = d.tc
        jobs = tuple(sorted(tc.root_jobs)) if tc is not None else ()
        watch = []
        alloc = d.st.heap.a.sl_alloc
        for c, entries in d.unreachable_at_start.items():
            if c >= d.cycle - 1:  # older cycles are never checked again
                objs = tuple(sorted(o for o, gen in entries if d.gen.get(o, 1) == gen and alloc[o]))
                if objs:
                    watch.append((d.cycle - c, objs))
        return (
            d.phase,
            d.cycle,
            d.globals_scanned,
            d.mark_done_seen,
            jobs,
            tuple(d.pushed),
            tuple(sorted(watch)),
        )

    def restore(self, d: CheckDriver, key: Key, live: Key | None) -> None:
        """Make ``d``'s state ``key``; ``live`` is the key ``d`` holds now (None: unknown,
        rewrite everything)."""
        d.story, d.trace, d.failures = [], [], []
        p = self.parts
        for i in range(8):
            if live is not None and live[i] == key[i]:
                continue
            part = p[i][key[i]]
            if i == PY:
                self._w_py(d, part)
            elif i == STACKS:
                for g, raw in zip(d.st.roots.goroutines, part, strict=True):
                    g.gs[:] = np.frombuffer(raw, dtype=np.int64, count=L.G_N)
                    g.stack[:] = -1
                    st = np.frombuffer(raw, dtype=np.int32, offset=8 * L.G_N)
                    g.stack[: st.shape[0]] = st
            elif i == GLOBALS:
                d.st.roots.globals[:] = np.frombuffer(part, dtype=np.int32)
            elif i == SLOTS:
                src = np.frombuffer(part, dtype=np.int64)
                write_slots(d.st.heap.a, src, self.exact, self.slot_hw)
            elif i == GREY:
                grey = np.frombuffer(part, dtype=np.int64)
                d.st.heap.a.grey[: grey.shape[0]] = grey
            elif i == CTR:
                a = d.st.heap.a
                write_counters(a, np.frombuffer(part, dtype=np.int64), KEEP, a.fpar.view(np.int64))
            elif i == ALLOC:
                src = np.frombuffer(part, dtype=np.int64)
                heap = d.st.heap
                npg = int(src[0])
                if heap.a.pg_used.shape[0] != npg:  # the page tables grew since
                    heap.a = heap.a._replace(
                        pg_used=np.zeros(npg, dtype=np.uint8),
                        pg_scav=np.ones(npg, dtype=np.uint8),
                    )
                write_alloc(heap.a, src, self.span_hw)
            elif part:
                write_rc(d.st.heap.a, np.frombuffer(part, dtype=np.int64))

    @staticmethod
    def _w_py(d: CheckDriver, part: tuple[Any, ...]) -> None:
        phase, cycle, gscanned, done, jobs, pushed, watch = part
        d.phase, d.cycle, d.globals_scanned, d.mark_done_seen = phase, cycle, gscanned, done
        d.pushed = list(pushed)
        d.gen = {}  # every object is generation 1 again: names only, and ``watch`` below
        d.unreachable_at_start = {cycle - off: [(o, 1) for o in objs] for off, objs in watch}
        if d.tc is not None:
            d.tc.root_jobs = deque(jobs)
            d.tc.marking = phase == "mark"


assert L.G_SP == 0 and L.G_OPS == 4  # Codec.key indexes the goroutine state vector directly
