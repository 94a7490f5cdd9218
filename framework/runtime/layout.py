"""Index constants for the heap's counter array, goroutine state and the cost vector.

They are plain ints so compiled kernels can use them as constants.
"""

from __future__ import annotations

# --- heap counters (HeapArrays.ctr, int64) -------------------------------------------------
NSPANS = 0  # span records ever created (dead ones are reused)
NSLOTS = 1  # slot ids handed out to spans
NPAGES = 2  # pages mapped (arena pages)
PAGE_HINT = 3  # no free page below this index
HEAP_LIVE = 4  # Go's heapLive: marked at last mark termination + allocated since
ALLOC_BYTES = 5  # bytes in allocated slots (slot size), including unswept garbage
ALLOC_REQ = 6  # requested bytes of allocated slots
INUSE_SPAN_BYTES = 7  # bytes of in-use spans
OBJECTS = 8  # allocated slots
TOTAL_ALLOCS = 9
TOTAL_ALLOC_BYTES = 10
TOTAL_ALLOC_REQ = 11
TRIGGER = 12  # heap_live at which a mutator reports TRIGGER
ALLOC_BLACK = 13  # 1 while marking: new objects are allocated marked (Go: gcmarknewobject)
BARRIER = 14  # barrier mode in force (BARRIER_* below)
BARRIER_CALLS = 15
BARRIER_SHADES = 16
DANGLING = 17  # loads/stores through an unallocated slot (use after free)
GREY_N = 18  # grey stack depth
MARKED_OBJECTS = 19
MARKED_BYTES = 20
SCAN_WORK = 21  # bytes scanned: objects up to their last pointer word, plus roots
SPANS_INUSE = 22
SWEEPGEN = 23  # Go's mheap_.sweepgen
LARGE_ALLOCS = 24
SPAN_ALLOCS = 25
MUTATOR_OPS = 26
FREED_OBJECTS = 27
FREED_BYTES = 28
SPANS_SWEPT = 29
SWEEP_PENDING = 30  # in-use spans not yet swept this cycle
ASSISTS_ON = 31  # 1 while mark assists are required (Go: gcBlackenEnabled)
PAGES_SWEPT = 32  # Go: mheap_.pagesSwept (this cycle)
PAGES_SWEPT_BASIS = 33  # Go: mheap_.pagesSweptBasis
SWEEP_LIVE_BASIS = 34  # Go: mheap_.sweepHeapLiveBasis
SWEEP_CLASS_CURSOR = 35  # next class list the sweeper takes spans from
LAZY_SWEEP_SPANS = 36  # spans swept by allocating goroutines (lazy + proportional)
LAZY_SWEEP_NS = 37  # their cost, in whole ns
ASSIST_REQUESTS = 38
STACK_SCAN_WORK = 39  # bytes of stack scanned this cycle (Go: stackScanWork)
GLOBAL_SCAN_WORK = 40  # bytes of globals scanned this cycle (Go: globalsScanWork)
HEAP_SCAN = 41  # scannable bytes of allocated objects (Go: heapScan)
PAGES_HWM = 42  # pages ever used (the page high-water mark)
RC_MODE = 43  # reference counting: RC_OFF, RC_EAGER (stack refs counted), RC_DEFERRED
RC_CYCLES = 44  # 1: buffer candidate cycle roots on decrement to non-zero (Bacon-Rajan)
RC_OPS = 45  # increments + decrements performed
RC_NS = 46  # RC work done by mutators (whole ns): counting and cascading frees
CASCADE_MAX = 47  # largest number of objects freed by one cascade
LAST_CASCADE = 48  # objects freed by the most recent cascade
LAST_CASCADE_NS = 49
CASCADE_EVENT_MIN = 50  # cascades freeing at least this many objects end the quantum
ZCT_N = 51  # deferred RC: zero count table size
RCBUF_N = 52  # candidate cycle roots buffered
RC_REQUEST = 53  # 1: a mutator asks the RC collector to run (ZCT or buffer full)
ZCT_LIMIT = 54
RCBUF_LIMIT = 55
CASCADES = 56  # cascades that freed at least one object
BARRIER_GLOBALS = 57  # 1: global stores go through the barrier (0 only for a mutant)
ASSISTS_SKIPPED = 58  # 1 while the GC CPU limiter skips assists: debt accrues, no ST_ASSIST
# Page states and scavenging (Go: mheap.grow, pageAlloc.scav, mgcscavenge.go). A page below
# GROWN_PAGES is in use, free and ready (Go: heapFree), or free and released (heapReleased).
GROWN_PAGES = 59  # pages the heap has mapped (Go: HeapSys / pageSize), whole 4 MiB chunks
RELEASED_PAGES = 60  # free pages returned to the OS (Go: heapReleased / pageSize)
SCAV_SEARCH = 61  # no free unscavenged page at or above this index (Go: scavengeIndex)
MEMORY_LIMIT = 62  # bytes (Go: gcController.memoryLimit); NO_LIMIT_BYTES when none
NONHEAP_READY = 63  # bytes of non-heap ready memory (metadata, stacks), refreshed by the runtime
SCAV_GC_GOAL = 64  # retained-heap goal in bytes (Go: scavenge.gcPercentGoal); NO_LIMIT_BYTES: none
SCAV_PAGES = 65  # pages released by the scavenger, background and synchronous
SYNC_SCAV_PAGES = 66  # pages released by allocating goroutines (Go: allocSpan's scavenge)
SYNC_SCAV_NS = 67  # their cost, in whole ns (Go: mheap_.pages.scav.assistTime)
SCAV_REUSED_PAGES = 68  # released pages allocated again (Go: sysUsed)
SPANS_HWM = 69  # most spans in use at once (Go: the mspan fixalloc's high-water mark)
# The cost ledger: how many of each costed event happened, so a calibration can fit the cost
# vector by least squares (every simulated ns is one of these counts times one cost).
OPS_BY_CODE = 70  # OP_CODES counters from here: ops executed per op code (Op.COMPUTE .. Op.SYNC)
OP_CODES = 13
SLOTS_TOUCHED = 83  # stack slots pushed, popped, cleared or moved (K_SLOT)
COMPUTE_UNITS = 84  # COMPUTE units executed (K_COMPUTE)
ALLOC_SCAN_BYTES = 85  # bytes of pointer-holding objects allocated (K_ALLOC_SCAN_BYTE)
SLOTS_SWEPT = 86  # slots examined by sweeping (K_SWEEP_OBJ)
OBJECTS_SCANNED = 87  # objects the marker took off the grey queue this cycle (K_MARK_OBJ)
NOSCAN_MARKED = 88  # pointer-free objects marked this cycle without a scan (K_MARK_NOSCAN)
MARK_LAST_ADDR = 89  # address of the object the marker touched last (locality; mark.FAR: none)
# Go's stack accounting, kept by PUSH, POP and a goroutine's end (Roots reads them in O(1)):
# over unfinished goroutines, live frame bytes, and how many allocated stacks are 2^k bytes
# (at least 2 KiB, a power of two; k < 64), from which allocated bytes and spans follow.
STACK_LIVE_SUM = 96
STACK_ORDERS = 97  # 64 counters from here
N_COUNTERS = 161

NO_LIMIT_BYTES = (1 << 63) - 1  # MEMORY_LIMIT / SCAV_GC_GOAL when there is none

RC_OFF = 0
RC_EAGER = 1
RC_DEFERRED = 2

# per-slot RC flag bits (HeapArrays.sl_rcflags)
RCF_COLOR = 3  # mask: Bacon-Rajan colour (RC_BLACK, RC_GRAY, RC_WHITE, RC_PURPLE)
RCF_BUFFERED = 4  # in the candidate-roots buffer
RCF_ZCT = 8  # in the zero count table
RCF_STACK = 16  # scratch: referenced from a stack (deferred RC reconcile)
RC_BLACK = 0
RC_GRAY = 1
RC_WHITE = 2
RC_PURPLE = 3

# --- float parameters (HeapArrays.fpar, float64) ------------------------------------------
F_SWEEP_PPB = 0  # Go: mheap_.sweepPagesPerByte (0: proportional sweep off)
F_MISS = 1  # probability that a heap access misses the cache (set by the runtime)
F_MISS_MUT = 2  # ledger: sum of F_MISS over mutator heap accesses (K_MISS)
F_MISS_MARK = 3  # ledger: sum of F_MISS over objects scanned or marked far from the last one
F_MISS_MARK_NEAR = 4  # the same over those within the locality window (K_MARK_NEAR_MISS)
N_FPAR = 8

# --- mark states (sl_mark) -----------------------------------------------------------------
# 0 white; MARK_GREY: marked and on the grey queue; MARK_BLACK: marked and scanned (or
# pointer-free). Everything but Steele's barrier only asks "marked?" (!= 0); the two marked
# states let an object be re-greyed without ever being queued twice.
MARK_BLACK = 1
MARK_GREY = 2

# --- barrier modes: a bit set of what the barrier shades ------------------------------------
SHADE_OLD = 1  # the overwritten value (the deletion half)
SHADE_NEW = 2  # the new value, always (the insertion half)
SHADE_NEW_IF_GREY = 4  # the new value while the writer's stack is still grey
SHADE_HOLDER = 8  # Steele: re-grey a black object when a white pointer is stored into it
#                   (a global store, whose holder is a root, shades the new value instead)
BARRIER_OFF = 0
BARRIER_DIJKSTRA = SHADE_NEW
BARRIER_YUASA = SHADE_OLD
BARRIER_HYBRID = SHADE_OLD | SHADE_NEW_IF_GREY  # Go 1.8+ (proposal 17503)
BARRIER_HYBRID_GO = SHADE_OLD | SHADE_NEW  # what Go's gcWriteBarrier does: both, always

# --- goroutine state (int64 vector per goroutine) ------------------------------------------
G_SP = 0  # stack depth in pointer slots
G_STACK_BYTES = 1  # bytes of live frames
G_STACK_BLACK = 2  # 1 once the stack was scanned this cycle
G_ASSIST_CREDIT = 3  # assist credit in bytes of scan work (negative = debt)
G_OPS = 4  # ops executed
G_SCANNING = 5  # 1 while a mark worker scans this goroutine's stack
G_FINISHED = 6  # 1 once the goroutine's stream is exhausted (it holds no roots any more)
G_N = 8

# --- cost vector (float64, ns) -------------------------------------------------------------
K_ALLOC = 0  # per allocation (mallocgc fast path)
K_ALLOC_BYTE = 1  # per allocated byte (zeroing)
K_SPAN_ALLOC = 2  # refill from the page heap (mcentral.grow)
K_STORE = 3  # pointer store into a heap slot or global
K_LOAD = 4
K_PUSH = 5  # per frame push
K_POP = 6
K_SLOT = 7  # per pointer slot pushed/cleared
K_COMPUTE = 8  # per COMPUTE unit
K_BARRIER = 9  # per barrier execution (the enabled-check and buffer write)
K_SHADE = 10  # per object shaded by the barrier
K_MARK_OBJ = 11  # per object scanned by the marker
K_MARK_BYTE = 12  # per byte of scan work
K_SWEEP_SPAN = 13
K_SWEEP_OBJ = 14  # per slot examined by the sweeper
K_STACK_SCAN_BYTE = 15
K_GLOBAL_SCAN_BYTE = 16
K_STW_FIXED = 17  # fixed cost of a stop/start-the-world transition (one P)
K_RC_OP = 18  # per reference-count increment or decrement
K_RC_FREE = 19  # per object freed by reference counting
K_RC_CYCLE_OBJ = 20  # per object visited by the cycle collector (per phase)
K_STW_PER_P = 21  # stop/start-the-world cost per P other than the one stopping the world
K_PREEMPT = 22  # latency of preempting a running P (Go: asynchronous preemption by signal)
K_SCAV_PAGE = 23  # per 8 KiB page released to the OS (Go: sysUnused, i.e. madvise)
K_MISS = 24  # a cache miss: heap accesses pay F_MISS x this (memory latency)
K_MARK_NOSCAN = 25  # per pointer-free object marked (Go: greyobject's noscan path)
K_MARK_CYCLE = 26  # fixed marking work per cycle (runtime roots: Go's own globals, specials)
K_ALLOC_SCAN_BYTE = 27  # per byte of a pointer-holding object (Go: heapBitsSetType)
K_CACHE_BYTES = 28  # not a cost: the cache size the miss probability is computed from
K_MARK_MISS = 29  # a cache miss while marking an object (span, mark bits, bitmap, the object)
K_LOCALITY_BYTES = 30  # not a cost: the window within which a marked object is 'near' the last
K_MARK_NEAR_MISS = 31  # the miss of a near object (the prefetcher hid part of the latency)
N_COSTS = 32

# --- kernel status codes -------------------------------------------------------------------
ST_BUDGET = 0  # quantum budget used up
ST_END = 1  # op chunk exhausted
ST_TRIGGER = 2  # heap_live reached the trigger
ST_GROW = 3  # heap tables need more capacity (aux says which)
ST_STACK_GROW = 4
ST_PARK = 5  # aux = park duration in ns
ST_ERROR = 6  # aux = error code
ST_ASSIST = 7  # goroutine owes assist work
ST_CASCADE = 8  # a large reference-counting cascade just ran (aux = objects freed)
ST_YIELD = 9  # the goroutine yields its P (Op.YIELD)
ST_SYNC = 10  # the goroutine waits at a start barrier (Op.SYNC; aux = goroutines to wait for)

GROW_PAGES = 1
GROW_SPANS = 2
GROW_SLOTS = 3

ERR_BAD_OP = 1
ERR_SLOT = 2  # stack slot >= sp
ERR_NIL = 3  # dereference of nil
ERR_FIELD = 4  # field out of range
ERR_GLOBAL = 5
ERR_POP = 6
ERR_ALLOC = 7  # nfields * 8 > size or too many fields

ERROR_TEXT = {
    ERR_BAD_OP: "unknown op code",
    ERR_SLOT: "stack slot out of range (>= sp)",
    ERR_NIL: "dereference of a nil stack slot",
    ERR_FIELD: "field index out of range for the object",
    ERR_GLOBAL: "global index out of range",
    ERR_POP: "pop below the stack bottom",
    ERR_ALLOC: "allocation with too many pointer fields",
}
