"""Typed events emitted by the runtime and collectors, and the recorder that keeps them.

Rules: collectors and the runtime *emit* events; they never compute metrics. Every metric
is a pure function of a finished ``RunLog`` (``framework.metrics``). Times are integer
simulated nanoseconds from the start of the run.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, fields

import numpy as np


class PKind(enum.IntEnum):
    """What a processor (P) was doing during an interval. Idle time is not recorded: it is
    the complement of the recorded intervals over ``[0, sim_time_ns]``."""

    MUTATOR = 0
    GC_STW = 1  # any work done while the world is stopped (the whole P is the GC's)
    GC_DEDICATED = 2  # dedicated background mark worker
    GC_FRACTIONAL = 3  # fractional background mark worker
    GC_ASSIST = 4  # mark assist by an allocating goroutine
    GC_IDLE = 5  # idle-priority mark worker (Go excludes it from GC CPU)
    SWEEP = 6  # background or lazy sweeping
    RC = 7  # reference-counting work (cascading frees, cycle collection)
    SCAVENGE = 8  # returning free pages to the OS (background or on allocation)


#: kinds that Go counts as GC CPU (gcController: STW * P + assist + dedicated + fractional).
GC_CPU_KINDS = (PKind.GC_STW, PKind.GC_DEDICATED, PKind.GC_FRACTIONAL, PKind.GC_ASSIST)


@dataclass(frozen=True)
class Pause:
    """One stop-the-world interval: from the stop request to the restart.

    ``ttsp_ns`` is the time to safepoint (request until every P had stopped), included
    in ``end_ns - start_ns``.
    """

    start_ns: int
    end_ns: int
    phase: str
    cycle: int
    ttsp_ns: int

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.start_ns


@dataclass(frozen=True)
class HeapSample:
    """The heap as the runtime sees it at one instant (bytes)."""

    t_ns: int
    heap_live: int  # Go's heapLive: marked at last mark termination + allocated since
    alloc_bytes: int  # bytes in allocated slots (size-class bytes), incl. unswept garbage
    alloc_req_bytes: int  # requested bytes of the allocated slots
    inuse_span_bytes: int  # bytes of spans in use (Go's HeapInuse)
    mapped_bytes: int  # bytes of arenas mapped by the page heap
    goal: int  # heap goal in force (-1 when GOGC=off and no limit)
    trigger: int  # heap_live at which the next cycle starts (-1: none)
    marked_last: int  # bytes marked by the last completed cycle
    stack_bytes: int
    globals_bytes: int
    objects: int  # allocated objects (incl. unswept garbage)
    heap_sys: int = 0  # Go's HeapSys: heap memory obtained from the OS
    heap_released: int = 0  # Go's HeapReleased: free heap pages returned to the OS
    mapped_ready: int = 0  # Go's mappedReady (Sys - HeapReleased): what GOMEMLIMIT limits


@dataclass
class Cycle:
    """One GC cycle (the row of Go's gctrace). Times are absolute simulated ns."""

    cycle: int
    start_ns: int
    mark_start_ns: int = 0  # end of sweep termination / start of marking
    mark_end_ns: int = 0  # start of mark termination
    end_ns: int = 0  # end of mark termination (sweep is concurrent or in the pause)
    sweep_end_ns: int = 0
    heap_at_start: int = 0  # heap_live when the cycle started (gctrace X)
    heap_at_mark_end: int = 0  # heap_live at mark termination (gctrace Y)
    marked: int = 0  # bytes marked (gctrace Z)
    goal: int = 0  # goal of this cycle (gctrace G)
    next_goal: int = 0  # goal computed for the next cycle
    trigger: int = 0
    stack_bytes: int = 0
    globals_bytes: int = 0
    objects_marked: int = 0
    scan_work_bytes: int = 0
    spans_swept: int = 0
    objects_freed: int = 0
    bytes_freed: int = 0
    stw_sweep_term_ns: int = 0  # gctrace a
    concurrent_mark_ns: int = 0  # gctrace b
    stw_mark_term_ns: int = 0  # gctrace c
    assist_cpu_ns: int = 0
    background_cpu_ns: int = 0
    idle_cpu_ns: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    def row(self) -> dict[str, float]:
        d = asdict(self)
        extra = d.pop("extra")
        d.update(extra)
        return d


@dataclass
class Totals:
    """Counters accumulated over the run, copied from the runtime at its end."""

    sim_time_ns: int = 0
    mutator_ops: int = 0
    alloc_count: int = 0
    alloc_bytes: int = 0  # size-class (slot) bytes allocated
    alloc_req_bytes: int = 0  # requested bytes allocated
    gomaxprocs: int = 1
    goroutines: int = 0
    counters: dict[str, int] = field(default_factory=dict)  # collector/barrier counters


class _IntervalLog:
    """Per-P busy intervals in growable arrays; adjacent same-kind intervals are merged."""

    def __init__(self, nprocs: int) -> None:
        self._cap = 1024
        self._n = 0
        self.p = np.zeros(self._cap, dtype=np.int16)
        self.start = np.zeros(self._cap, dtype=np.int64)
        self.end = np.zeros(self._cap, dtype=np.int64)
        self.kind = np.zeros(self._cap, dtype=np.int8)
        self._last = np.full(nprocs, -1, dtype=np.int64)  # index of each P's last interval
        self.totals = [0] * len(PKind)  # running busy time per kind (for online controllers)

    def add(self, p: int, start: int, end: int, kind: int) -> None:
        if end <= start:
            return
        self.totals[kind] += end - start
        last = self._last[p]
        if last >= 0 and self.kind[last] == kind and self.end[last] == start:
            self.end[last] = end
            return
        if self._n == self._cap:
            self._cap *= 2
            for name in ("p", "start", "end", "kind"):
                arr = getattr(self, name)
                new = np.zeros(self._cap, dtype=arr.dtype)
                new[: self._n] = arr[: self._n]
                setattr(self, name, new)
        i = self._n
        self.p[i], self.start[i], self.end[i], self.kind[i] = p, start, end, kind
        self._last[p] = i
        self._n += 1

    def arrays(self) -> dict[str, np.ndarray]:
        n = self._n
        return {
            "p": self.p[:n].copy(),
            "start_ns": self.start[:n].copy(),
            "end_ns": self.end[:n].copy(),
            "kind": self.kind[:n].copy(),
        }


class Recorder:
    """Collects the typed events of one run. The only sink collectors write to."""

    def __init__(self, nprocs: int) -> None:
        self.nprocs = nprocs
        self.pauses: list[Pause] = []
        self.samples: list[HeapSample] = []
        self.cycles: list[Cycle] = []
        self._intervals = _IntervalLog(nprocs)
        self.totals = Totals(gomaxprocs=nprocs)
        self.cascades: list[tuple[int, int, int, int]] = []  # (start_ns, end_ns, g, objects)
        self.unreclaimed: list[tuple[int, int, int]] = []  # (t_ns, objects, bytes) garbage

    def pause(self, ev: Pause) -> None:
        self.pauses.append(ev)

    def interval(self, p: int, start_ns: int, end_ns: int, kind: PKind | int) -> None:
        self._intervals.add(p, int(start_ns), int(end_ns), int(kind))

    def busy_ns(self, kind: PKind) -> int:
        """Time recorded so far for ``kind`` over all Ps (intervals count when recorded)."""
        return self._intervals.totals[int(kind)]

    def sample(self, ev: HeapSample) -> None:
        self.samples.append(ev)

    def cycle(self, ev: Cycle) -> None:
        self.cycles.append(ev)

    def finish(self) -> RunLog:
        return RunLog(
            nprocs=self.nprocs,
            pauses=list(self.pauses),
            samples=list(self.samples),
            cycles=list(self.cycles),
            intervals=self._intervals.arrays(),
            totals=self.totals,
            cascades=list(self.cascades),
            unreclaimed=list(self.unreclaimed),
        )


@dataclass
class RunLog:
    """Everything a finished run recorded; the only input of the metrics."""

    nprocs: int
    pauses: list[Pause]
    samples: list[HeapSample]
    cycles: list[Cycle]
    intervals: dict[str, np.ndarray]  # p, start_ns, end_ns, kind
    totals: Totals
    cascades: list[tuple[int, int, int, int]] = field(default_factory=list)
    unreclaimed: list[tuple[int, int, int]] = field(default_factory=list)

    def samples_array(self) -> dict[str, np.ndarray]:
        names = [f.name for f in fields(HeapSample)]
        return {n: np.array([getattr(s, n) for s in self.samples], dtype=np.int64) for n in names}
