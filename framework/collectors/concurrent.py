"""Concurrent tri-colour mark-sweep in Go 1.19's shape (runtime/mgc.go, mgcmark.go,
mgcpacer.go; facts and line references in docs/go-reference.md).

A cycle is four named phases, each a method with its rule:

1. ``sweep_termination`` (stop-the-world; Go: gcStart): the triggering goroutine has
   already swept what the last cycle left (``on_trigger``), so finishsweep_m usually finds
   nothing; turn the write barrier, allocate-black and assists on; queue the root jobs
   (globals in 256 KiB blocks, one job per goroutine stack). Under ``yuasa`` every stack is
   scanned here instead: a deletion barrier is only correct from an atomic root snapshot.
2. ``concurrent_mark``: the Ps run the mark workers the scheduler asks for
   (``find_gc_worker``: dedicated while needed, else fractional while this P is below its
   share; ``find_idle_worker``: idle-priority workers on Ps with nothing to run, at most
   GOMAXPROCS - dedicated), and allocating goroutines assist (``assist``), parking when no
   work is left for them until background credit pays their debt. A goroutine is suspended
   only while its own stack is scanned (suspendG). New objects are allocated black.
3. ``mark_termination`` (stop-the-world; Go: gcMarkDone, gcMarkTermination): under
   ``dijkstra`` every stack is re-scanned and the heap drained again (Go <= 1.7); barrier,
   assists and allocate-black turn off; parked assists wake; the pacer measures the cycle
   and commits the next goal; sweeping begins.
4. Concurrent sweep: the background sweeper goroutine (``bgsweep``), plus lazy sweeping by
   allocating goroutines (span refills, proportional sweep).

The GC CPU limiter (``framework.pacer.limiter``) is fed as Go feeds it: the two GC
transitions, assist time, idle time and idle mark work; while it is engaged assists are
skipped and goroutines keep their debt.

Barriers: ``none`` (unsafe: loses objects under some interleavings), ``dijkstra`` (shade the
new pointer; stacks re-scanned at mark termination), ``yuasa`` (shade the overwritten
pointer; stacks snapshot at sweep termination), ``hybrid`` (Go 1.8+: shade the overwritten
pointer, and the new one while the writer's stack is grey; no re-scan), ``hybrid-go`` (what
Go 1.19's assembly does: both, unconditionally).

Rules: the cycle emits events (Cycle, intervals through ``ctx.busy``) and computes no
metric beyond the per-cycle utilisations gctrace prints. Abstractions: stack scans and
worker slices apply their heap effects at the start of their time slice, like mutator
quanta; the write barrier shades directly onto the global grey queue (Go buffers per P and
flushes at gcMarkDone: the ragged barrier is not modelled).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from framework.collectors import barriers
from framework.collectors.base import Capabilities, Collector, CollectorParams
from framework.collectors.tricolour import Policy, TriColour
from framework.events import Cycle, PKind
from framework.pacer.base import NO_LIMIT, NonHeap
from framework.pacer.limiter import GC_ASSIST_TIME_SLACK_NS, GcCpuLimiter, LimiterEvent
from framework.runtime import layout as L
from framework.runtime.kernels.sweep import pace_sweeper, sweep_some
from framework.runtime.kernels.trace import reachable_bytes
from framework.sim.context import TIME_SLICE_NS, Park

if TYPE_CHECKING:  # annotations only: collectors see the context, not simpy
    from framework.sim.context import CollectorContext

GC_OVER_ASSIST_WORK = 64 << 10  # Go: gcOverAssistWork
TRIGGER_REFRESH_NS = 20_000.0  # how often the trigger is recomputed under a memory limit


class ConcurrentParams(CollectorParams):
    name: Literal["concurrent"] = "concurrent"
    barrier: str = Field(
        "hybrid",
        description="a registered write barrier (framework.collectors.barriers); hybrid: Go's "
        "published design (shade new only while the writer's stack is grey); hybrid-go: Go "
        "1.19's code, which shades both pointers unconditionally",
        json_schema_extra=lambda s: s.update(enum=barriers.names()),
    )
    idle_workers: bool = Field(True, description="run idle-priority mark workers on idle Ps")
    assists: bool = Field(True, description="mark assists by allocating goroutines")
    background_sweep: bool = Field(True, description="sweep on idle Ps between cycles")
    cpu_limiter: bool = Field(True, description="Go 1.19's 50% GC CPU limiter")
    worker_slice_us: float = Field(50.0, ge=0.1, le=100_000, description="mark worker time slice")
    measure_floating: bool = Field(
        True, description="trace at each mark termination to measure floating garbage"
    )
    # Design knobs; the defaults are the correct design for the barrier. Other settings
    # are unsafe variants the safety checker must catch (docs/checking.md).
    rescan_stacks: bool | None = Field(
        None, description="re-scan stacks at mark termination (default: yes for dijkstra)"
    )
    snapshot_stacks: bool | None = Field(
        None, description="scan stacks at sweep termination (default: yes for yuasa)"
    )
    allocate_black: bool = Field(True, description="allocate black during mark")
    barrier_on_globals: bool = Field(True, description="global stores run the barrier")
    skip_stack_of: int = Field(
        -1, ge=-1, le=2**31 - 1, description="never scan this goroutine's stack (-1: none)"
    )
    barrier_without: Literal["", "deletion", "insertion"] = Field(
        "", description="drop this half of the barrier (shade of the old or of the new value)"
    )

    @field_validator("barrier")
    @classmethod
    def _registered(cls, v: str) -> str:
        if v not in barriers.names():
            allowed = ", ".join(repr(n) for n in barriers.names())
            raise ValueError(f"unknown barrier {v!r}; allowed: {allowed}")
        return v

    def policy(self) -> Policy:
        return Policy.for_barrier(
            self.barrier,
            rescan_stacks=self.rescan_stacks,
            snapshot_stacks=self.snapshot_stacks,
            allocate_black=self.allocate_black,
            barrier_on_globals=self.barrier_on_globals,
            skip_stack_of=self.skip_stack_of,
            barrier_without=self.barrier_without,
        )


class Concurrent(Collector):
    name = "concurrent"
    Params = ConcurrentParams
    params: ConcurrentParams
    capabilities = Capabilities(needs_barrier=True, traces=True)

    def __init__(self, params: ConcurrentParams) -> None:
        super().__init__(params)
        self.tc = TriColour(params.policy())
        self.marking = False
        self.terminating = False
        self.mark_done: Any = None
        self.bgsweep: Any = None
        self.phase = "off"
        self.dedicated_needed = 0
        self.fractional_goal = 0.0
        self.max_idle = 0
        self.idle_running = 0
        self.frac_ns: list[float] = []
        self.assist_ns_p: list[float] = []  # Go: p.gcAssistTime, flushed past 5 us
        self.assist_queue: deque[Any] = deque()  # Go: work.assistQueue
        self.in_flight = 0  # worker and assist slices whose time is still passing
        self.bg_credit = 0.0
        self.cycle_start = 0.0  # Go: markStartTime (read before the first stop)
        self.mark_start = 0.0  # the world restarted: workers may run
        self.heap_scan_at_start = 0
        self.limiter: GcCpuLimiter | None = None
        self._sync_scav_seen = 0
        self.cyc_ns = {"assist": 0.0, "dedicated": 0.0, "fractional": 0.0, "idle": 0.0}
        self.total = {
            "assist_ns": 0.0,
            "assists": 0,
            "assist_steals": 0,
            "assist_parks": 0,
            "stw_rescan_ns": 0.0,
            "bg_sweep_spans": 0,
            "limiter_skipped_assists": 0,
        }

    # --- helpers --------------------------------------------------------------------------
    @property
    def slice_ns(self) -> float:
        return self.params.worker_slice_us * 1e3

    def _nonheap(self, ctx: CollectorContext) -> NonHeap:
        """Go's memoryLimitHeapGoal inputs: mappedReady (the heap's ready pages plus the
        runtime's metadata and stacks, refreshed into NONHEAP_READY at every heap sample and
        mark termination; static globals are not mapped by the runtime and do not count),
        heapFree (free pages still ready) and heapAlloc (allocated object bytes)."""
        heap = ctx.heap
        c = heap.a.ctr
        return NonHeap(
            ready_bytes=heap.heap_ready_bytes() + int(c[L.NONHEAP_READY]),
            heap_free_bytes=heap.heap_free_bytes(),
            heap_alloc_bytes=int(c[L.ALLOC_BYTES]),
        )

    def _refresh_trigger(self, ctx: CollectorContext) -> int | None:
        trig, goal = ctx.pacer.trigger(self._nonheap(ctx))
        ctx.set_goal(goal)
        ctx.set_trigger(trig)
        return trig

    def _active(self) -> bool:
        return self.marking and not self.terminating

    def _limiting(self) -> bool:
        return self.limiter is not None and self.limiter.limiting

    def _limiter_update(self, ctx: CollectorContext, now: float | None = None) -> None:
        """Go: gcCPULimiter.update where the runtime calls it; then tell the kernel whether
        assists are skipped (goroutines keep accumulating debt meanwhile)."""
        lim = self.limiter
        if lim is None:
            return
        scav = int(ctx.heap.a.ctr[L.SYNC_SCAV_NS])
        if scav > self._sync_scav_seen:  # Go: allocSpan's scavenge is assist time
            lim.add_assist_time(scav - self._sync_scav_seen)
            self._sync_scav_seen = scav
        lim.update(ctx.now() if now is None else now)
        ctx.heap.set_assists_skipped(lim.limiting)

    def p_idle(self, ctx: CollectorContext, pid: int, idle: bool) -> None:
        """Go: pidleput / pidleget start and stop the P's limiterEventIdle."""
        lim = self.limiter
        if lim is None:
            return
        if idle:
            lim.start_event(pid, LimiterEvent.IDLE, ctx.now())
        elif lim.event_in_flight(pid) == LimiterEvent.IDLE:
            lim.stop_event(pid, LimiterEvent.IDLE, ctx.now())

    # --- the collector's life -------------------------------------------------------------
    def run(self, ctx: CollectorContext) -> Generator[Any, Any, None]:
        if self.params.cpu_limiter:
            self.limiter = GcCpuLimiter(ctx.now(), ctx.nprocs)  # Go: procresize's
            self.limiter.reset_capacity(ctx.now(), ctx.nprocs)  # resetCapacity
        self.frac_ns = [0.0] * ctx.nprocs
        self.assist_ns_p = [0.0] * ctx.nprocs
        # Go: modulesinit counts the data and bss sections before gcinit's first commit.
        ctx.pacer.set_globals_scan(ctx.roots.globals_bytes)
        self._refresh_trigger(ctx)
        if self.params.background_sweep:
            self.bgsweep = ctx.go("bgsweep", lambda pid: self._bgsweep_turn(ctx, pid))
        if ctx.pacer.memory_limit < NO_LIMIT:
            ctx.spawn(self._trigger_refresher(ctx))
        while True:
            self.phase = "off"
            yield ctx.wait_trigger()
            yield from self.cycle(ctx)

    def _trigger_refresher(self, ctx: CollectorContext) -> Generator[Any, Any, None]:
        """Go recomputes the trigger each time it tests it (gcTrigger.test on every span
        refill), and under a memory limit the goal moves with live memory figures: as the
        sweep frees objects heapAlloc falls, so fragmentation and every other non-heap byte
        weigh more, and the goal can fall below the heap at once. We recompute it every
        ``TRIGGER_REFRESH_NS`` between cycles (a span refill comes every few microseconds)."""
        while True:
            yield ctx.sleep(TRIGGER_REFRESH_NS)
            if self.phase == "off":
                self._refresh_trigger(ctx)

    def on_trigger(self, ctx: CollectorContext, g: Any, pid: int) -> Generator[Any, Any, None]:
        """Go: gcStart, called by the allocating goroutine: first it sweeps whatever the
        last cycle left unswept, on its own time (``for trigger.test() && sweepone() ...``),
        before stopping the world; then the cycle starts if the trigger still holds (another
        goroutine may have started it meanwhile)."""
        heap = ctx.heap
        if heap.a.ctr[L.SWEEP_PENDING] > 0 and not self.marking:
            _, _, spent = sweep_some(heap.a, 1 << 62, 1e300, ctx.cost)
            ctx.wake_scavenger()
            yield from ctx.busy(pid, spent, PKind.SWEEP)
        if ctx.trigger_holds():
            ctx.fire_trigger()
            yield ctx.sleep(0)

    def cycle(self, ctx: CollectorContext) -> Generator[Any, Any, None]:
        """One GC cycle: the four phases in order."""
        cyc = Cycle(
            cycle=len(ctx.recorder.cycles) + 1,
            start_ns=round(ctx.now()),
            heap_at_start=int(ctx.heap.a.ctr[L.HEAP_LIVE]),
            trigger=int(ctx.heap.a.ctr[L.TRIGGER]),
        )
        ctx.set_trigger(None)
        workers = yield from self.sweep_termination(ctx, cyc)
        yield from self.concurrent_mark(ctx, cyc)
        yield from self.mark_termination(ctx, cyc)
        self.record_cycle(ctx, cyc, workers)
        if self.bgsweep is not None:
            ctx.ready(self.bgsweep)  # Go: gcSweep readies the background sweeper

    def sweep_termination(self, ctx: CollectorContext, cyc: Cycle) -> Generator[Any, Any, Any]:
        """Go: gcStart. Stop the world, finish the sweep, arm barrier and allocate-black,
        queue the root jobs, let the pacer start its cycle, restart the world with assists
        and workers enabled. Returns the pacer's worker split."""
        # Never keep heap.a across a yield: a mutator may grow the tables meanwhile.
        heap, roots, cost = ctx.heap, ctx.roots, ctx.cost
        self.phase = "sweep termination"
        self.cycle_start = ctx.now()  # Go: work.tSweepTerm, passed to startCycle
        token = yield from ctx.stop_the_world()
        ctr = heap.a.ctr
        ctx.sample_heap()
        heap.set_assists(False)
        # Go's finishsweep_m is single-threaded; a stack snapshot uses every P's helper.
        sweep_ns, snapshot_ns = self.tc.begin_cycle(heap, roots, cost)
        stw_ns = ctx.stw_cost_ns() + sweep_ns + snapshot_ns / ctx.nprocs
        ctx.checkpoint("sweep_termination", cyc.cycle - 1, complete=False)
        for g in roots.goroutines:  # Go: gcResetMarkState
            g.assist_credit = 0
        nh = self._nonheap(ctx)
        ctx.pacer.start_cycle(nh)
        goal = ctx.pacer.goal(nh)
        cyc.goal = -1 if goal is None else goal
        workers = ctx.pacer.workers(ctx.nprocs)
        self.dedicated_needed = workers.dedicated
        self.fractional_goal = workers.fractional_goal
        self.max_idle = ctx.nprocs - workers.dedicated  # Go 1.19: setMaxIdleMarkWorkers
        self.idle_running = 0
        self.frac_ns = [0.0] * ctx.nprocs
        self.heap_scan_at_start = int(ctr[L.HEAP_SCAN])
        if self.limiter is not None:
            self.limiter.start_gc_transition(True, self.cycle_start)
        heap.set_assists(self.params.assists, skipped=self._limiting())
        yield ctx.sleep(stw_ns)
        self.bg_credit = 0.0
        self.cyc_ns = dict.fromkeys(self.cyc_ns, 0.0)
        self.marking, self.terminating = True, False
        self.mark_done = ctx.event()
        self.mark_start = ctx.now()
        ctx.start_the_world(token, "sweep_termination", cyc.cycle)
        if self.limiter is not None:
            self.limiter.finish_gc_transition(ctx.now())
        cyc.mark_start_ns = round(self.mark_start)
        return workers

    def concurrent_mark(self, ctx: CollectorContext, cyc: Cycle) -> Generator[Any, Any, None]:
        """The Ps run the workers (``find_gc_worker``, ``find_idle_worker``) and assists
        until one of them finds no work left (Go: gcMarkDone's transition condition)."""
        self.phase = "concurrent mark"
        yield self.mark_done
        cyc.mark_end_ns = round(ctx.now())

    def mark_termination(self, ctx: CollectorContext, cyc: Cycle) -> Generator[Any, Any, None]:
        """Go: gcMarkDone after the transition, then gcMarkTermination. Stop the world,
        disable workers and assists (waking parked ones), re-scan stacks if the policy says
        so, drain, let the pacer measure the cycle and commit the next goal, start the
        sweep, restart the world."""
        heap, roots, cost = ctx.heap, ctx.roots, ctx.cost
        self.terminating = True
        self.phase = "mark termination"
        t_done = ctx.now()  # Go: the now passed to startGCTransition(false) and endCycle
        token = yield from ctx.stop_the_world()
        ctr = heap.a.ctr
        self.marking = False
        if self.limiter is not None:
            self.limiter.start_gc_transition(False, t_done)
        self._wake_all_assists(ctx)
        rescan = self.tc.terminate_mark(heap, roots, cost)
        self.total["stw_rescan_ns"] += rescan
        # Go marks at mark termination with every P's helper.
        stw_ns = ctx.stw_cost_ns() + rescan / ctx.nprocs
        ctx.checkpoint("mark_termination", cyc.cycle, marked=True)
        if self.params.measure_floating:
            # Floating garbage: marked at mark termination but already unreachable.
            _, live = reachable_bytes(heap.a, roots.globals, roots.stack_slots(), heap.nslots)
            cyc.extra["floating_garbage_bytes"] = max(0, int(ctr[L.MARKED_BYTES]) - int(live))
        marked = int(ctr[L.MARKED_BYTES])
        cyc.heap_at_mark_end = int(ctr[L.HEAP_LIVE])
        cyc.marked = marked
        cyc.objects_marked = int(ctr[L.MARKED_OBJECTS])
        scan_work = int(ctr[L.SCAN_WORK])
        stack_work = int(ctr[L.STACK_SCAN_WORK])
        globals_work = int(ctr[L.GLOBAL_SCAN_WORK])
        cyc.scan_work_bytes = scan_work
        cyc.extra["stack_scan_bytes"] = stack_work
        cyc.extra["heap_scan_work"] = scan_work - stack_work - globals_work
        # the mark cost ledger (what marking cost is counts times [cost] entries)
        cyc.extra["objects_scanned"] = int(ctr[L.OBJECTS_SCANNED])
        cyc.extra["noscan_marked"] = int(ctr[L.NOSCAN_MARKED])
        cyc.extra["mark_misses"] = float(heap.a.fpar[L.F_MISS_MARK])
        cyc.extra["mark_near_misses"] = float(heap.a.fpar[L.F_MISS_MARK_NEAR])
        ctx.pacer.end_cycle(
            heap_live=int(ctr[L.HEAP_LIVE]),
            mark_ns=max(0.0, t_done - self.cycle_start),
            assist_ns=self.cyc_ns["assist"],
            idle_ns=self.cyc_ns["idle"],
            scan_work=scan_work,
            nprocs=ctx.nprocs,
        )
        ctx.pacer.reset_live(marked, scan_work - stack_work - globals_work, stack_work)
        heap.reset_live(marked)
        self.tc.begin_sweep(heap)
        ctx.pacer.commit(heap_live=marked, sweep_done=False)
        trig = self._refresh_trigger(ctx)
        ctx.pace_scavenger(ctx.goal, cyc.goal)
        pace_sweeper(heap.a, trig if trig is not None else 1 << 62)
        yield ctx.sleep(stw_ns)
        ctx.start_the_world(token, "mark_termination", cyc.cycle)
        if self.limiter is not None:
            self.limiter.finish_gc_transition(ctx.now())
        cyc.end_ns = round(ctx.now())

    def record_cycle(self, ctx: CollectorContext, cyc: Cycle, workers: Any) -> None:
        """The cycle's event: what gctrace prints, plus the pacer's state."""
        roots, rec = ctx.roots, ctx.recorder
        n = cyc.cycle
        mark_ns = max(0.0, cyc.mark_end_ns - cyc.mark_start_ns)
        cyc.next_goal = -1 if ctx.goal is None else ctx.goal
        cyc.stack_bytes = roots.stack_alloc_bytes()
        cyc.globals_bytes = roots.globals_bytes

        def share(ns: float) -> float:
            return ns / (mark_ns * ctx.nprocs) if mark_ns > 0 else 0.0

        cyc.extra.update(
            {
                "dedicated_workers": workers.dedicated,
                "fractional_goal": workers.fractional_goal,
                "background_utilization": share(
                    self.cyc_ns["dedicated"] + self.cyc_ns["fractional"]
                ),
                "assist_utilization": share(self.cyc_ns["assist"]),
                "idle_utilization": share(self.cyc_ns["idle"]),
            }
        )
        cyc.extra.update(ctx.pacer.state())
        cyc.assist_cpu_ns = round(self.cyc_ns["assist"])
        cyc.background_cpu_ns = round(self.cyc_ns["dedicated"] + self.cyc_ns["fractional"])
        cyc.idle_cpu_ns = round(self.cyc_ns["idle"])
        cyc.concurrent_mark_ns = cyc.mark_end_ns - cyc.mark_start_ns
        pauses = [p for p in rec.pauses if p.cycle == n]
        cyc.stw_sweep_term_ns = sum(p.duration_ns for p in pauses if p.phase == "sweep_termination")
        cyc.stw_mark_term_ns = sum(p.duration_ns for p in pauses if p.phase == "mark_termination")
        rec.cycle(cyc)
        ctx.sample_heap()

    # --- marking work ---------------------------------------------------------------------
    def _mark_slice(
        self, ctx: CollectorContext, budget_ns: float, max_work: float = float(1 << 62)
    ) -> tuple[int, float]:
        """Marking for ``budget_ns`` (TriColour.mark_slice) starting now. A goroutine whose
        stack it scans is suspended from now until its scan ends inside the slice."""
        work, spent, suspended = self.tc.mark_slice(
            ctx.heap, ctx.roots, budget_ns, ctx.cost, max_work, ctx.suspend
        )
        for g, at in suspended:
            ctx.resume_after(g, at)
        return work, spent

    def _out_of_work(self, ctx: CollectorContext) -> bool:
        return self.tc.out_of_work(ctx.heap)

    def _maybe_done(self, ctx: CollectorContext) -> bool:
        """Go: gcMarkDone, when a worker or assist finds no work left and no other is still
        working (Go: work.nwait == work.nproc; a slice's heap effects come at its start,
        so its time must pass before marking can be over): marking is over, and the caller
        stops the world itself, so it should ``yield ctx.sleep(0)`` to let the stop land
        before anything else runs on its P. True if mark is now done."""
        if (
            self._active()
            and self.in_flight == 0
            and self._out_of_work(ctx)
            and not self.mark_done.triggered
        ):
            self.terminating = True
            self.mark_done.succeed()
            return True
        return False

    def find_gc_worker(self, ctx: CollectorContext, pid: int) -> Generator[Any, Any, None] | None:
        """Go: findRunnableGCWorker. A dedicated worker while any is still needed, else a
        fractional one if this P's fractional mark time is below its share of the time
        since mark began (``fractionalUtilizationGoal``)."""
        if not self._active():
            return None
        lim = self.limiter
        if lim is not None and lim.need_update(ctx.now()):
            self._limiter_update(ctx)
        if self._out_of_work(ctx):  # Go: gcMarkWorkAvailable
            return None
        if self.dedicated_needed > 0:
            self.dedicated_needed -= 1
            return self._worker(ctx, pid, PKind.GC_DEDICATED, "dedicated")
        if self.fractional_goal <= 0:
            return None
        delta = ctx.now() - self.cycle_start
        if delta > 0 and self.frac_ns[pid] / delta > self.fractional_goal:
            return None
        return self._worker(ctx, pid, PKind.GC_FRACTIONAL, "fractional")

    def find_idle_worker(self, ctx: CollectorContext, pid: int) -> Generator[Any, Any, None] | None:
        """Go: findRunnable's idle-priority mark worker, at most ``maxIdleMarkWorkers``
        (GOMAXPROCS - dedicated, Go 1.19 startCycle) at a time."""
        if not (self.params.idle_workers and self._active()) or self._out_of_work(ctx):
            return None
        if self.idle_running >= self.max_idle:
            return None
        self.idle_running += 1
        return self._worker(ctx, pid, PKind.GC_IDLE, "idle")

    def _worker(
        self, ctx: CollectorContext, pid: int, kind: PKind, key: str
    ) -> Generator[Any, Any, None]:
        """Go: gcBgMarkWorker's gcDrain in one of its modes, in time slices.

        - dedicated: drains until there is no work; preempted after a time slice (10 ms)
          it moves its P's run queue to the global one and goes on (gcDrainUntilPreempt,
          then gcDrain without preemption);
        - fractional: until this P's fractional time exceeds 1.2 x its goal
          (pollFractionalWorkerExit) or its time slice ends;
        - idle: while no goroutine waits on the global or this P's run queue (pollWork),
          until sysmon preempts it after a time slice (gcDrainUntilPreempt); its P then
          schedules again, and may run a fractional worker first.

        All stop for a stop-the-world and when mark is done; like Go's gcDrain they check
        their exit condition after doing some work, never before.
        """
        start = ctx.now()
        kicked = False
        lim = self.limiter if kind == PKind.GC_IDLE else None
        while self._active() and not ctx.stop_requested():
            work, spent = self._mark_slice(ctx, self.slice_ns)
            if spent <= 0 and work == 0:
                break
            if lim is not None:
                lim.start_event(pid, LimiterEvent.IDLE_MARK_WORK, ctx.now())
            self.in_flight += 1
            done = yield from ctx.busy(pid, spent, kind)
            self.in_flight -= 1
            if lim is not None:
                lim.stop_event(pid, LimiterEvent.IDLE_MARK_WORK, ctx.now())
            self.cyc_ns[key] += done
            if kind == PKind.GC_FRACTIONAL:
                self.frac_ns[pid] += done
            self._flush_bg_credit(ctx, pid, work)
            if done < spent:
                break
            if kind == PKind.GC_FRACTIONAL:
                delta = ctx.now() - self.cycle_start
                if delta <= 0 or self.frac_ns[pid] / delta > 1.2 * self.fractional_goal:
                    break
                if ctx.now() - start >= TIME_SLICE_NS:
                    break
            elif kind == PKind.GC_IDLE:
                if ctx.poll_work(pid) or ctx.now() - start >= TIME_SLICE_NS:
                    break
            elif not kicked and ctx.now() - start >= TIME_SLICE_NS:
                kicked = True
                ctx.kick_local_runq(pid)
        if kind == PKind.GC_DEDICATED:
            self.dedicated_needed += 1  # Go: markWorkerStop
        elif kind == PKind.GC_IDLE:
            self.idle_running -= 1
        if self._maybe_done(ctx):
            yield ctx.sleep(0)

    # --- assists ----------------------------------------------------------------------------
    def _flush_bg_credit(self, ctx: CollectorContext, pid: int, work: float) -> None:
        """Go: gcFlushBgCredit. Background scan work first pays the debts of parked
        assists, oldest first (each paid one is readied on this P), the rest becomes
        credit assists can steal."""
        if work <= 0:
            return
        if not self.assist_queue:
            self.bg_credit += work
            return
        _, bpw = self._assist_ratio(ctx)
        scan_bytes = work * bpw
        while self.assist_queue and scan_bytes > 0:
            g = self.assist_queue[0]
            credit = g.assist_credit
            if scan_bytes + credit >= 0:
                self.assist_queue.popleft()
                scan_bytes += credit
                g.assist_credit = 0
                ctx.ready(g, pid, next_=False)
            else:
                g.assist_credit = credit + int(scan_bytes)
                scan_bytes = 0
                self.assist_queue.rotate(-1)  # Go: moved to the back of the queue
        if scan_bytes > 0:
            self.bg_credit += scan_bytes / bpw if bpw > 0 else 0.0

    def _wake_all_assists(self, ctx: CollectorContext) -> None:
        """Go: gcWakeAllAssists at mark termination: debts are void from here on."""
        while self.assist_queue:
            g = self.assist_queue.popleft()
            g.assist_credit = 0
            ctx.ready(g)

    def _assist_ratio(self, ctx: CollectorContext) -> tuple[float, float]:
        ctr = ctx.heap.a.ctr
        return ctx.pacer.assist_ratio(
            int(ctr[L.SCAN_WORK]),
            int(ctr[L.HEAP_LIVE]),
            self.heap_scan_at_start,
            ctx.roots.stack_alloc_bytes(),
            self._nonheap(ctx),
        )

    def assist(self, ctx: CollectorContext, g: Any, pid: int) -> Generator[Any, Any, bool]:
        """Go: gcAssistAlloc. Pay the goroutine's allocation debt in scan work: steal
        background credit first, else scan at least 64 KiB of work. Returns True when the
        goroutine parks on the assist queue (Go: gcParkAssist), to be readied by background
        credit or at mark termination."""
        if not self._active():
            g.assist_credit = 0
            return False
        if self._limiting():  # Go: the limiter skips assists; the debt stays
            self.total["limiter_skipped_assists"] += 1
            return False
        wpb, bpw = self._assist_ratio(ctx)
        debt = -float(g.assist_credit)
        scan_work = wpb * debt
        if scan_work < GC_OVER_ASSIST_WORK:
            scan_work = float(GC_OVER_ASSIST_WORK)
            debt = bpw * scan_work
        if self.bg_credit > 0:
            if self.bg_credit >= scan_work:
                self.bg_credit -= scan_work
                g.assist_credit += int(debt)
                self.total["assist_steals"] += 1
                return False
            g.assist_credit += int(1 + bpw * self.bg_credit)
            scan_work -= self.bg_credit
            self.bg_credit = 0.0
        # Scan in slices: Go's gcDrainN stops when the goroutine is preempted (e.g. by a
        # stop-the-world request) or the limiter engages.
        self.total["assists"] += 1
        lim = self.limiter
        done = 0
        while done < scan_work:
            work, spent = self._mark_slice(ctx, self.slice_ns, scan_work - done)
            done += work
            g.assist_credit += int(1 + bpw * work)
            if lim is not None:
                lim.start_event(pid, LimiterEvent.MARK_ASSIST, ctx.now())
            self.in_flight += 1
            took = yield from ctx.busy(pid, spent, PKind.GC_ASSIST)
            self.in_flight -= 1
            if lim is not None:
                lim.stop_event(pid, LimiterEvent.MARK_ASSIST, ctx.now())
            self.cyc_ns["assist"] += took
            self.total["assist_ns"] += took
            self.assist_ns_p[pid] += took
            if work == 0 or not self._active() or ctx.stop_requested() or self._limiting():
                break
        if lim is not None and self.assist_ns_p[pid] > GC_ASSIST_TIME_SLACK_NS:
            lim.add_assist_time(self.assist_ns_p[pid])  # Go: gcAssistAlloc1's flush
            self.assist_ns_p[pid] = 0.0
            self._limiter_update(ctx)
        if self._maybe_done(ctx):
            yield ctx.sleep(0)
        if g.assist_credit >= 0 or not self._active():
            return False
        if ctx.stop_requested():
            return False  # Go: preempted, Gosched and retry (after the stop, mark is over)
        if self.bg_credit > 0:
            return False  # Go: gcParkAssist rechecks the credit and retries
        self.assist_queue.append(g)  # Go: gcParkAssist
        self.total["assist_parks"] += 1
        return True

    # --- background sweeping ----------------------------------------------------------------
    def _bgsweep_turn(self, ctx: CollectorContext, pid: int) -> Generator[Any, Any, Any]:
        """Go: bgsweep, a goroutine that sweeps one span and calls Gosched, until nothing is
        left, then parks. Abstraction: it sweeps spans for up to a worker slice between
        looks at the run queues (Gosched with nothing else runnable is a no-op)."""
        a_ctr = ctx.heap.a.ctr
        while True:
            if a_ctr[L.SWEEP_PENDING] <= 0 or self.marking:
                return Park.PARK
            spans, _, spent = sweep_some(ctx.heap.a, 1 << 30, self.slice_ns, ctx.cost)
            self.total["bg_sweep_spans"] += int(spans)
            done = yield from ctx.busy(pid, max(spent, 1.0), PKind.SWEEP)
            if a_ctr[L.SWEEP_PENDING] <= 0:
                ctx.checkpoint("sweep_done", len(ctx.recorder.cycles), complete=False)
                ctx.wake_scavenger()
            if done < spent or ctx.stop_requested() or ctx.poll_work(pid):
                return Park.YIELD

    def counters(self) -> dict[str, int]:
        out = {k: int(v) for k, v in self.total.items()}
        lim = self.limiter
        out["limiter_overflow_ns"] = int(lim.overflow) if lim else 0
        out["limiter_enabled_updates"] = int(lim.enabled_updates) if lim else 0
        out["limiter_last_enabled_cycle"] = int(lim.last_enabled_cycle) if lim else 0
        return out
