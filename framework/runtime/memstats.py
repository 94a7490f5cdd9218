"""Go 1.19's memory statistics (runtime.MemStats, mstats.go: readmemstats_m) for the simulated
heap, with the runtime's non-heap memory modelled as Go accounts it, and the
``mappedReady`` that Go's memory limit compares against (gcController.mappedReady).

Rules (Go 1.19, linux/amd64):

- **Heap**: HeapSys = pages mheap.grow mapped (whole 4 MiB chunks); HeapReleased = free pages
  returned to the OS or never used; HeapInuse = in-use spans; HeapIdle = HeapSys - HeapInuse
  (``Heap`` keeps these as page states, see kernels/alloc.py).
- **mappedReady** = Sys - HeapReleased (readmemstats_m checks exactly this): every sysAlloc
  counts at once (mem.go: sysAlloc), the heap only while its pages are ready (sysMap maps
  heap memory as released; sysUsed/sysUnused move pages in and out). Globals (data/bss) are
  not runtime-mapped memory and are not counted.
- **Stacks** (stack.go: stackalloc, stackpoolalloc): stacks under 32 KiB come from 32 KiB
  spans per size order (2, 4, 8, 16 KiB), larger ones get a span each; StackSys =
  StackInuse on linux (no OS stacks). The runtime's own stacks (system goroutines, each M's
  16 KiB g0 and 32 KiB gsignal, allocm/mpreinit) are a measured base plus one 32 KiB span
  per P.
- **MSpan** (mheap.allocMSpanLocked, mfixalloc.go): one ``mspan`` (144 B) per in-use span,
  heap or stack; MSpanSys grows in fixalloc chunks of 113 mspans (16272 B) up to the
  high-water mark of spans (freed mspans are reused, never returned).
- **GCSys** (malloc.go: mheap.sysAlloc; mheap.go: newMarkBits; mspanset.go): one
  ``heapArena`` (2,165,776 B: heap bitmap, spans array, page bitmaps) per 64 MiB arena, plus
  per span of the high-water mark its mark/alloc bits, kept over several GC generations in
  64 KiB gcBits arenas that are recycled, never freed (fitted: ``GC_BITS_COPIES``), and its
  spanSet slots; plus a measured base (the page allocator's chunk bitmaps, summaries, ...).
- **MCacheSys, BuckHashSys, OtherSys**: measured constants.

Sizes come from the DWARF of a Go 1.19.8 linux/amd64 binary and the measured constants from
``experiments/go_reference/memprobe`` (GOMAXPROCS=2 unless noted); see its README for the
model-vs-Go table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np

from framework.runtime import layout as L
from framework.runtime.heap import Heap

# Struct sizes, Go 1.19.8 linux/amd64 (DWARF byte sizes).
MSPAN_BYTES = 144  # unsafe.Sizeof(mspan{})
HEAP_ARENA_BYTES = 2_165_776  # unsafe.Sizeof(heapArena{})
ARENA_BYTES = 64 << 20  # heapArenaBytes
FIXALLOC_CHUNK = 16 << 10  # _FixAllocChunk
MSPANS_PER_CHUNK = FIXALLOC_CHUNK // MSPAN_BYTES  # 113: fixalloc rounds a chunk to whole objects
STACK_CACHE_SIZE = 32 << 10  # _StackCacheSize: the span size of the small-stack pools
STACK_MIN = 2048  # _StackMin
GC_BITS_ARENA = 64 << 10  # gcBitsChunkBytes
SPANSET_BYTES_PER_SPAN = 16  # a slot in a swept and an unswept spanSet block

# Measured on Go 1.19.8 (experiments/go_reference/memprobe, output_gogc100_p*.jsonl).
GC_SYS_BASE = 5_708_040  # GCSys at start, less one heapArena and the runtime's own spans
GC_BITS_COPIES = 6  # mark/alloc bit generations per span of the high-water mark (fitted)
STACK_RUNTIME_BASE = 163_840  # StackInuse of the runtime's own stacks, less one span per P
STACK_RUNTIME_PER_P = STACK_CACHE_SIZE
MSPAN_RUNTIME = 75  # mspans the runtime itself holds (its own heap and stack spans, caches)
MCACHE_SYS = 15_600  # 13 mcaches of 1200 B in one fixalloc chunk
BUCKHASH_SYS = 4_092  # memory-profile buckets of a small program
OTHER_SYS = 650_000  # OtherSys: 0.32-1.0 MB over the probe's points


@dataclass(frozen=True)
class MemStats:
    """Go's runtime.MemStats memory fields (bytes), plus the memory-limit accounting."""

    heap_sys: int
    heap_inuse: int
    heap_idle: int
    heap_released: int
    heap_free: int  # gcController.heapFree: free and ready (HeapIdle - HeapReleased)
    heap_alloc: int  # bytes of allocated objects, unswept garbage included
    stack_inuse: int
    stack_sys: int
    mspan_inuse: int
    mspan_sys: int
    mcache_inuse: int
    mcache_sys: int
    buckhash_sys: int
    gc_sys: int
    other_sys: int
    sys: int

    @property
    def heap_ready(self) -> int:
        """The heap's ready memory: HeapSys - HeapReleased (heapInUse + heapFree)."""
        return self.heap_sys - self.heap_released

    @property
    def mapped_ready(self) -> int:
        """Go's gcController.mappedReady = Sys - HeapReleased."""
        return self.sys - self.heap_released

    @property
    def nonheap_ready(self) -> int:
        """Ready memory outside the heap: Sys - HeapSys (all of it is ready)."""
        return self.sys - self.heap_sys

    def nonheap_args(self) -> dict[str, int]:
        """Keyword arguments for ``framework.pacer.base.NonHeap`` (Go's memoryLimitHeapGoal
        inputs: mappedReady, heapFree, heapAlloc)."""
        return {
            "ready_bytes": self.mapped_ready,
            "heap_free_bytes": self.heap_free,
            "heap_alloc_bytes": self.heap_alloc,
        }

    def as_dict(self) -> dict[str, int]:
        d = asdict(self)
        d.update(mapped_ready=self.mapped_ready, nonheap_ready=self.nonheap_ready)
        return d


def stack_alloc_sizes(stack_bytes: np.ndarray) -> np.ndarray:
    """Allocated bytes of stacks with ``stack_bytes`` of live frames (Go: stackalloc,
    newstack): at least 2 KiB, rounded up to a power of two (exact below 2^52 bytes)."""
    need = np.maximum(np.asarray(stack_bytes, dtype=np.int64), STACK_MIN)
    return np.left_shift(np.int64(1), np.ceil(np.log2(need)).astype(np.int64))


def stack_order_counts(stack_bytes: Iterable[int] | np.ndarray) -> np.ndarray:
    """How many of the stacks with the given live-frame bytes Go allocates with 2^k bytes,
    for k < 64 (what the kernels keep in ``ctr[STACK_ORDERS:]``)."""
    b = (
        np.fromiter(stack_bytes, np.int64)
        if not isinstance(stack_bytes, np.ndarray)
        else stack_bytes
    )
    orders = np.log2(stack_alloc_sizes(b)).astype(np.int64)
    return np.bincount(orders, minlength=64)[:64]


def stack_spans_of_orders(counts: np.ndarray) -> tuple[int, int]:
    """(bytes, spans) of stack memory for ``counts[k]`` stacks of 2^k bytes (Go:
    stackalloc): stacks under 32 KiB share 32 KiB spans of their size, larger ones get a
    span each. O(64), whatever the number of goroutines."""
    nbytes = spans = 0
    for k, n in enumerate(counts.tolist()):
        if n <= 0:
            continue
        size = 1 << k
        if size < STACK_CACHE_SIZE:
            m = -(-n // (STACK_CACHE_SIZE // size))
            nbytes, spans = nbytes + m * STACK_CACHE_SIZE, spans + m
        else:
            nbytes, spans = nbytes + n * size, spans + n
    return nbytes, spans


def stack_bytes_of_orders(counts: np.ndarray) -> int:
    """Allocated bytes of ``counts[k]`` stacks of 2^k bytes."""
    return sum(n << k for k, n in enumerate(counts.tolist()) if n)


def stack_spans(stack_bytes: Iterable[int] | np.ndarray) -> tuple[int, int]:
    """(bytes, spans) of stack memory for goroutine stacks with the given live-frame (or
    allocated) bytes: each rounded up to a power of two of at least 2 KiB."""
    return stack_spans_of_orders(stack_order_counts(stack_bytes))


def gc_bits_per_span(heap: Heap) -> float:
    """Bytes of one copy of a span's mark (or alloc) bits, ``ceil(nelems/64)`` words (Go:
    newMarkBits), averaged over every span record, in use or dead (the bits arenas are
    recycled, never freed, so their size follows the spans ever needed)."""
    n = heap.nspans
    if n == 0:
        return 0.0
    # A record keeps its nelems for life (dead ones are reused for the same nelems), so
    # the sum over records only grows: add the records created since the last call.
    done, total = heap.gc_bits_sum
    if n > done:
        fresh = heap.a.sp_nelems[done:n].astype(np.int64)
        total += int((((fresh + 63) // 64) * 8).sum())
        heap.gc_bits_sum = (n, total)
    return total / n


def memstats(heap: Heap, user_stacks: tuple[int, int], nprocs: int) -> MemStats:
    """Go's MemStats for the simulated heap, goroutine stacks taking ``user_stacks`` (bytes,
    spans; ``Roots.stack_spans``) and ``nprocs`` Ps."""
    ctr = heap.a.ctr
    heap_sys = heap.heap_sys_bytes()
    heap_inuse = heap.heap_inuse_bytes()
    heap_released = heap.heap_released_bytes()
    user_stack, user_stack_spans = user_stacks
    stack_inuse = STACK_RUNTIME_BASE + STACK_RUNTIME_PER_P * nprocs + user_stack
    runtime_stack_spans = stack_inuse // STACK_CACHE_SIZE - user_stack // STACK_CACHE_SIZE
    spans_inuse = int(ctr[L.SPANS_INUSE])
    mspans = spans_inuse + user_stack_spans + runtime_stack_spans + MSPAN_RUNTIME
    mspans_hwm = int(ctr[L.SPANS_HWM]) + user_stack_spans + runtime_stack_spans + MSPAN_RUNTIME
    mspan_sys = -(-mspans_hwm // MSPANS_PER_CHUNK) * MSPANS_PER_CHUNK * MSPAN_BYTES
    arenas = max(1, -(-(heap_sys + stack_inuse) // ARENA_BYTES))
    per_span = GC_BITS_COPIES * gc_bits_per_span(heap) + SPANSET_BYTES_PER_SPAN
    span_meta = int(ctr[L.SPANS_HWM]) * per_span
    gc_sys = GC_SYS_BASE + arenas * HEAP_ARENA_BYTES + int(span_meta)
    sys = heap_sys + stack_inuse + mspan_sys + MCACHE_SYS + BUCKHASH_SYS + gc_sys + OTHER_SYS
    return MemStats(
        heap_sys=heap_sys,
        heap_inuse=heap_inuse,
        heap_idle=heap_sys - heap_inuse,
        heap_released=heap_released,
        heap_free=heap_sys - heap_inuse - heap_released,
        heap_alloc=int(ctr[L.ALLOC_BYTES]),
        stack_inuse=stack_inuse,
        stack_sys=stack_inuse,
        mspan_inuse=mspans * MSPAN_BYTES,
        mspan_sys=mspan_sys,
        mcache_inuse=(nprocs + 1) * 1200,
        mcache_sys=MCACHE_SYS,
        buckhash_sys=BUCKHASH_SYS,
        gc_sys=gc_sys,
        other_sys=OTHER_SYS,
        sys=sys,
    )
