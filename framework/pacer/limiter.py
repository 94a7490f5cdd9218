"""Go 1.19's GC CPU limiter (runtime/mgclimit.go, ``gcCPULimiterState``).

Rule: a leaky bucket of capacity ``GOMAXPROCS * 1 s`` (capacityPerProc), filled by GC CPU
time and drained by mutator CPU time one for one, so it engages ("limiting") once GC has
used more than half the CPU for long enough to fill it; while it is engaged, mark assists
are skipped and the heap may overshoot its goal. Time past a full bucket is counted in
``overflow``.

What counts (``update``, Go: updateLocked), over the window since the last update:

- total = (now - lastUpdate) * GOMAXPROCS;
- GC time = assist time (Go: addAssistTime and in-flight mark/scavenge-assist events) plus,
  while the GC is in the mark phase (``gc_enabled``), an **assumed** 25% of total for the
  background workers (gcBackgroundUtilization): dedicated/fractional worker time is never
  measured;
- idle time (Ps on the idle list, and idle-priority mark workers) is neither: it is
  subtracted from total after the 25% was taken from the full total;
- mutator time = (total - idle) - GC time.

GC transitions (the two stop-the-worlds): ``start_gc_transition(enable_gc, now)`` flushes
the window up to the stop and switches ``gc_enabled``; ``finish_gc_transition(now)`` counts
the whole pause, ``(now - lastUpdate) * GOMAXPROCS``, as GC time. Updates requested during
a transition are dropped (Go: tryLock fails).

Per-P events (Go: p.limiterEvent, ``limiterEvent.start/stop/consume``): an assist, an idle
mark worker or a P's stay on the idle list is an event started and stopped on its P;
``update`` consumes the in-flight part of every event, so all time is accounted in the
window in which it happened.

Times are integer nanoseconds, as Go's int64/uint64 (floats passed in are rounded).
"""

from __future__ import annotations

from enum import IntEnum

from framework.pacer.base import GC_BACKGROUND_UTILIZATION

CAPACITY_PER_PROC_NS = 1_000_000_000  # Go: capacityPerProc (1 s)
UPDATE_PERIOD_NS = 10_000_000  # Go: gcCPULimiterUpdatePeriod (10 ms)
GC_ASSIST_TIME_SLACK_NS = 5000  # Go: gcAssistTimeSlack (gcAssistAlloc1 updates past it)


class LimiterEvent(IntEnum):
    """Go: limiterEventType."""

    NONE = 0
    IDLE_MARK_WORK = 1  # an idle-priority mark worker (gcBgMarkWorker)
    MARK_ASSIST = 2  # a mark assist (gcAssistAlloc1)
    SCAVENGE_ASSIST = 3  # a scavenge assist (allocSpan)
    IDLE = 4  # a P on the idle list (pidleput .. pidleget)


_IDLE_KINDS = (LimiterEvent.IDLE_MARK_WORK, LimiterEvent.IDLE)
_ASSIST_KINDS = (LimiterEvent.MARK_ASSIST, LimiterEvent.SCAVENGE_ASSIST)


def _ns(t: float) -> int:
    return t if isinstance(t, int) else round(t)


class LimiterError(RuntimeError):
    """A misuse Go's runtime throws on (e.g. a transition to the state it is in)."""


class GcCpuLimiter:
    """Go: gcCPULimiterState. Construct as Go's test does (NewGCCPULimiter): an empty
    bucket sized by ``reset_capacity(now, nprocs)``."""

    def __init__(self, now: float, nprocs: int) -> None:
        self.enabled = False  # Go: enabled (read it through ``limiting``)
        self.fill = 0  # Go: bucket.fill, 0 <= fill <= capacity
        self.capacity = 0  # Go: bucket.capacity
        self.overflow = 0  # Go: overflow, GC time that found the bucket full (cumulative)
        self.gc_enabled = False  # Go: gcEnabled, the mark phase (gcBlackenEnabled)
        self.transitioning = False  # Go: transitioning, inside a GC STW
        self.assist_time_pool = 0  # Go: assistTimePool
        self.idle_time_pool = 0  # Go: idleTimePool
        self.last_update = 0  # Go: lastUpdate
        self.last_enabled_cycle = 0  # Go: lastEnabledCycle (/gc/limiter/last-enabled)
        self.nprocs = 0  # Go: nprocs
        self.numgc = 0  # Go: memstats.numgc, counted at start_gc_transition(False)
        self.enabled_updates = 0  # gclab statistic: accumulations that left it limiting
        self._locked = False  # Go: lock (held across a GC transition)
        self._events: list[tuple[LimiterEvent, int]] = []  # Go: p.limiterEvent per P
        self.reset_capacity(now, nprocs)

    # --- reading --------------------------------------------------------------------------
    @property
    def limiting(self) -> bool:
        """Go: limiting(): assists must not run (gcAssistAlloc returns, gcDrainN stops)."""
        return self.enabled

    def need_update(self, now: float) -> bool:
        """Go: needUpdate: more than 10 ms since the last update."""
        return _ns(now) - self.last_update > UPDATE_PERIOD_NS

    # --- reporting time -------------------------------------------------------------------
    def add_assist_time(self, t: float) -> None:
        """Go: addAssistTime: assist CPU time, counted at the next update."""
        self.assist_time_pool += _ns(t)

    def add_idle_time(self, t: float) -> None:
        """Go: addIdleTime: idle CPU time (idle P or idle mark worker), subtracted from the
        total at the next update."""
        self.idle_time_pool += _ns(t)

    def start_event(self, p: int, kind: LimiterEvent, now: float) -> bool:
        """Go: p.limiterEvent.start: False (and nothing starts) if P ``p`` already has an
        event in flight, e.g. an assist run by a mark worker."""
        if self._events[p][0] != LimiterEvent.NONE:
            return False
        self._events[p] = (kind, _ns(now))
        return True

    def stop_event(self, p: int, kind: LimiterEvent, now: float) -> None:
        """Go: p.limiterEvent.stop: account the event's remaining time as assist or idle."""
        typ, start = self._events[p]
        if typ != kind:
            raise LimiterError(f"limiterEvent.stop: want {kind.name}, got {typ.name} on P {p}")
        self._events[p] = (LimiterEvent.NONE, 0)
        now = _ns(now)
        duration = now - start if now >= start else 0
        if duration == 0:
            return
        if kind in _IDLE_KINDS:
            self.add_idle_time(duration)
        else:
            self.add_assist_time(duration)

    def event_in_flight(self, p: int) -> LimiterEvent:
        return self._events[p][0]

    # --- updating -------------------------------------------------------------------------
    def update(self, now: float) -> None:
        """Go: update: account the window since the last update. Dropped while a GC
        transition holds the limiter (Go: tryLock fails)."""
        if self._locked:
            return
        self._update_locked(_ns(now))

    def _update_locked(self, now: int) -> None:
        """Go: updateLocked."""
        if now < self.last_update:
            return
        window_total = (now - self.last_update) * self.nprocs
        self.last_update = now
        assist, self.assist_time_pool = self.assist_time_pool, 0
        idle, self.idle_time_pool = self.idle_time_pool, 0
        for p, (typ, start) in enumerate(self._events):  # Go: limiterEvent.consume
            if typ == LimiterEvent.NONE:
                continue
            duration = now - start if now >= start else 0
            if duration == 0:
                continue
            self._events[p] = (typ, now)
            if typ in _IDLE_KINDS:
                idle += duration
            else:
                assist += duration
        window_gc = assist
        if self.gc_enabled:
            window_gc += int(float(window_total) * GC_BACKGROUND_UTILIZATION)
        window_total -= idle  # after the 25%, which is of the real total
        self._accumulate(window_total - window_gc, window_gc)

    def _accumulate(self, mutator_time: int, gc_time: int) -> None:
        """Go: accumulate. ``enabled`` turns on when the bucket fills and off on any
        nonzero change that finds it full; a zero change leaves it as it is."""
        headroom = self.capacity - self.fill
        was_full = headroom == 0
        change = gc_time - mutator_time
        if change > 0 and headroom <= change:
            self.overflow += change - headroom
            self.fill = self.capacity
            if not was_full:
                self.enabled = True
                self.last_enabled_cycle = self.numgc + 1
        else:
            self.fill = max(0, self.fill + change)
            if change != 0 and was_full:
                self.enabled = False
        if self.enabled:
            self.enabled_updates += 1

    # --- GC transitions and GOMAXPROCS ----------------------------------------------------
    def start_gc_transition(self, enable_gc: bool, now: float) -> None:
        """Go: startGCTransition, at the start of a GC stop-the-world (``now`` as Go's
        gcStart/gcMarkDone read it): True at sweep termination (the mark phase begins),
        False at mark termination. Flushes the window so far and holds the limiter until
        ``finish_gc_transition``."""
        if self._locked:
            raise LimiterError("failed to acquire lock to start a GC transition")
        if self.gc_enabled == enable_gc:
            raise LimiterError("transitioning GC to the same state as before?")
        self._locked = True
        self._update_locked(_ns(now))
        self.gc_enabled = enable_gc
        self.transitioning = True
        if not enable_gc:
            self.numgc += 1  # Go: gcMarkTermination bumps memstats.numgc before finishing

    def finish_gc_transition(self, now: float) -> None:
        """Go: finishGCTransition, when the world restarts (``now`` = the end of the
        pause): the whole pause, times GOMAXPROCS, is GC time."""
        if not self.transitioning:
            raise LimiterError("finishGCTransition called without starting one?")
        now = _ns(now)
        if now >= self.last_update:
            self._accumulate(0, (now - self.last_update) * self.nprocs)
        self.last_update = now
        self.transitioning = False
        self._locked = False

    def reset_capacity(self, now: float, nprocs: int) -> None:
        """Go: resetCapacity (procresize, when GOMAXPROCS changes): flush, then capacity =
        nprocs * 1 s; a fill above it is cut (and limits), one below it stops limiting.
        Overflow is unchanged."""
        if self._locked:
            raise LimiterError("failed to acquire lock to reset capacity")
        self._update_locked(_ns(now))
        self.nprocs = nprocs
        if len(self._events) < nprocs:
            self._events += [(LimiterEvent.NONE, 0)] * (nprocs - len(self._events))
        self.capacity = nprocs * CAPACITY_PER_PROC_NS
        if self.fill > self.capacity:
            self.fill = self.capacity
            self.enabled = True
            self.last_enabled_cycle = self.numgc + 1
        elif self.fill < self.capacity:
            self.enabled = False


class CpuLimiter:
    """Deprecated: the interface the concurrent collector used before the port, kept so
    it runs until it reports Go's events to ``GcCpuLimiter`` directly. It feeds measured
    GC time (STW + assists + dedicated + fractional) as assist time and never enters the
    mark phase, so Go's assumed 25% is not added: the pre-port measured model, on Go's
    bucket."""

    def __init__(self, nprocs: int) -> None:
        self.nprocs = nprocs
        self.lim = GcCpuLimiter(0, nprocs)

    @property
    def capacity(self) -> int:
        return self.lim.capacity

    @property
    def fill(self) -> int:
        return self.lim.fill

    @property
    def last_ns(self) -> int:
        return self.lim.last_update

    @property
    def enabled_count(self) -> int:
        return self.lim.enabled_updates

    @property
    def limiting(self) -> bool:
        return self.lim.limiting

    def due(self, now_ns: float) -> bool:
        return _ns(now_ns) - self.lim.last_update >= UPDATE_PERIOD_NS

    def update(self, now_ns: float, gc_ns: float, idle_ns: float) -> None:
        """Account the window since the last update: ``gc_ns`` of GC CPU and ``idle_ns``
        of idle CPU in it (both summed over Ps)."""
        self.lim.add_assist_time(gc_ns)
        self.lim.add_idle_time(idle_ns)
        self.lim.update(now_ns)
