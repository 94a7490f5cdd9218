"""Concurrent tri-colour mark-sweep in Go 1.19's shape (runtime/mgc.go; facts and line
references in docs/go-reference.md).

A cycle:

1. **Sweep termination** (stop-the-world): finish sweeping (finishsweep_m); turn the write
   barrier, allocate-black and assists on; queue the root jobs (globals in 256 KiB blocks,
   one job per goroutine stack). Under ``yuasa`` every stack is scanned here instead: a
   deletion barrier is only correct from an atomic snapshot of the roots.
2. **Concurrent mark**: dedicated, fractional and idle background workers (the pacer's
   split of 25% of GOMAXPROCS) and mark assists drain root jobs and grey objects in time
   slices. A goroutine is suspended only while its own stack is scanned (suspendG). New
   objects are allocated black.
3. **Mark termination** (stop-the-world): workers are off; under ``dijkstra`` every stack
   is re-scanned and the heap drained again (Go <= 1.7); barrier, assists and allocate-black
   turn off; the pacer commits the next goal; sweeping begins.
4. **Concurrent sweep**: the background sweeper on idle Ps, plus lazy sweeping by
   allocating goroutines (span refills, proportional sweep).

Barriers: ``none`` (unsafe: loses objects under some interleavings), ``dijkstra`` (shade the
new pointer; stacks re-scanned at mark termination), ``yuasa`` (shade the overwritten
pointer; stacks snapshot at sweep termination), ``hybrid`` (Go 1.8+: shade the overwritten
pointer, and the new one while the writer's stack is grey; no re-scan). Go 1.19's assembly
actually shades both pointers unconditionally (the stack-colour test exists only in
mbarrier.go's comment); we follow the published design, which is what the barrier
comparison is about.

Abstractions: stack scans and worker slices apply their heap effects at the start of their
time slice, like mutator quanta; the write barrier shades directly onto the global grey
queue (Go buffers per P and flushes at gcMarkDone: the ragged barrier is not modelled).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Literal

from pydantic import Field

from framework.collectors.base import Capabilities, Collector, CollectorParams
from framework.collectors.tricolour import Policy, TriColour
from framework.events import Cycle, PKind
from framework.pacer.base import NonHeap
from framework.pacer.limiter import CpuLimiter
from framework.runtime import layout as L
from framework.runtime.kernels.sweep import pace_sweeper, sweep_some
from framework.runtime.kernels.trace import reachable_bytes

GC_OVER_ASSIST_WORK = 64 << 10  # Go: gcOverAssistWork


class ConcurrentParams(CollectorParams):
    name: Literal["concurrent"] = "concurrent"
    barrier: Literal["none", "dijkstra", "yuasa", "hybrid", "hybrid-go"] = Field(
        "hybrid",
        description="hybrid: Go's published design (shade new only while the writer's stack "
        "is grey); hybrid-go: Go 1.19's code, which shades both pointers unconditionally",
    )
    idle_workers: bool = Field(True, description="run idle-priority mark workers on idle Ps")
    assists: bool = Field(True, description="mark assists by allocating goroutines")
    background_sweep: bool = Field(True, description="sweep on idle Ps between cycles")
    cpu_limiter: bool = Field(True, description="Go 1.19's 50% GC CPU limiter")
    worker_slice_us: float = Field(50.0, gt=0, le=100_000, description="mark worker time slice")
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
    skip_stack_of: int = Field(-1, ge=-1, description="never scan this goroutine's stack")
    barrier_without: Literal["", "deletion", "insertion"] = Field(
        "", description="drop this half of the barrier (shade of the old or of the new value)"
    )

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
    capabilities = Capabilities(concurrent=True, needs_barrier=True, traces=True)

    def __init__(self, params: ConcurrentParams) -> None:
        super().__init__(params)
        self.tc = TriColour(params.policy())
        self.marking = False
        self.terminating = False
        self.mark_done: Any = None
        self.sweep_wake: Any = None
        self.bg_credit = 0.0
        self.mark_start = 0.0
        self.heap_scan_at_start = 0
        self.limiter: CpuLimiter | None = None
        self._lim_gc = 0
        self._lim_busy = 0
        self.cyc_ns = {"assist": 0.0, "dedicated": 0.0, "fractional": 0.0, "idle": 0.0}
        self.total = {
            "assist_ns": 0.0,
            "assists": 0,
            "assist_steals": 0,
            "stw_rescan_ns": 0.0,
            "bg_sweep_spans": 0,
            "limiter_skipped_assists": 0,
        }

    # --- helpers --------------------------------------------------------------------------
    @property
    def slice_ns(self) -> float:
        return self.params.worker_slice_us * 1e3

    def _nonheap(self, ctx: Any) -> NonHeap:
        c = ctx.heap.a.ctr
        heap_ready = ctx.heap.mapped_bytes()
        extra = ctx.roots.stack_alloc_bytes() + ctx.roots.globals_bytes
        return NonHeap(
            ready_bytes=heap_ready + extra,
            heap_free_bytes=max(0, heap_ready - int(c[L.INUSE_SPAN_BYTES])),
            heap_alloc_bytes=int(c[L.ALLOC_BYTES]),
        )

    def _refresh_trigger(self, ctx: Any) -> int | None:
        trig, goal = ctx.pacer.trigger(self._nonheap(ctx))
        ctx.set_goal(goal)
        ctx.set_trigger(trig)
        return trig

    def _update_limiter(self, ctx: Any, force: bool = False) -> None:
        lim = self.limiter
        if lim is None or not (force or lim.due(ctx.now())):
            return
        rec = ctx.recorder
        gc = sum(
            rec.busy_ns(k)
            for k in (PKind.GC_STW, PKind.GC_ASSIST, PKind.GC_DEDICATED, PKind.GC_FRACTIONAL)
        )
        busy = gc + sum(rec.busy_ns(k) for k in (PKind.MUTATOR, PKind.SWEEP))
        window = (ctx.now() - lim.last_ns) * ctx.nprocs
        d_gc, d_busy = gc - self._lim_gc, busy - self._lim_busy
        self._lim_gc, self._lim_busy = gc, busy
        lim.update(ctx.now(), d_gc, max(0.0, window - d_busy))

    # --- the collector's life -------------------------------------------------------------
    def run(self, ctx: Any) -> Generator[Any, Any, None]:
        if self.params.cpu_limiter:
            self.limiter = CpuLimiter(ctx.nprocs)
        self._refresh_trigger(ctx)
        self.sweep_wake = ctx.event()
        if self.params.background_sweep:
            ctx.spawn(self._background_sweeper(ctx))
        while True:
            yield ctx.wait_trigger()
            yield from self.cycle(ctx)

    def cycle(self, ctx: Any) -> Generator[Any, Any, None]:
        # Never keep heap.a across a yield: a mutator may grow the tables meanwhile.
        heap, roots, cost, rec = ctx.heap, ctx.roots, ctx.cost, ctx.recorder
        ctr = heap.a.ctr
        n = len(rec.cycles) + 1
        cyc = Cycle(
            cycle=n,
            start_ns=round(ctx.now()),
            heap_at_start=int(ctr[L.HEAP_LIVE]),
            trigger=int(ctr[L.TRIGGER]),
        )
        ctx.set_trigger(None)

        # 1. Sweep termination (STW).
        token = yield from ctx.stop_the_world()
        self._update_limiter(ctx, force=True)
        ctx.sample_heap()
        ctr[L.ASSISTS_ON] = 0
        # begin_cycle finishes the sweep first, so the checkpoint sees the swept heap.
        # Go's finishsweep_m is single-threaded; a stack snapshot uses every P's helper.
        sweep_ns, snapshot_ns = self.tc.begin_cycle(heap, roots, cost)
        stw_ns = cost[L.K_STW_FIXED] + sweep_ns + snapshot_ns / ctx.nprocs
        ctx.checkpoint("sweep_termination", n - 1, complete=False)
        for g in roots.goroutines:
            g.gs[L.G_ASSIST_CREDIT] = 0
        nh = self._nonheap(ctx)
        ctx.pacer.start_cycle(nh)
        goal = ctx.pacer.goal(nh)
        cyc.goal = -1 if goal is None else goal
        workers = ctx.pacer.workers(ctx.nprocs)
        self.heap_scan_at_start = int(ctr[L.HEAP_SCAN])
        ctr[L.ASSISTS_ON] = 1 if self.params.assists else 0
        yield ctx.sleep(stw_ns)
        self.bg_credit = 0.0
        self.cyc_ns = dict.fromkeys(self.cyc_ns, 0.0)
        self.marking, self.terminating = True, False
        self.mark_done = ctx.event()
        ctx.start_the_world(token, "sweep_termination", n)
        self.mark_start = ctx.now()
        cyc.mark_start_ns = round(self.mark_start)

        # 2. Concurrent mark.
        for _ in range(workers.dedicated):
            ctx.spawn(self._dedicated_worker(ctx))
        if workers.fractional_goal > 0:
            ctx.spawn(self._fractional_worker(ctx, workers.fractional_goal))
        if self.params.idle_workers:
            for _ in range(ctx.nprocs - workers.dedicated):  # Go 1.19: maxIdleMarkWorkers
                ctx.spawn(self._idle_worker(ctx))
        yield self.mark_done

        # 3. Mark termination (STW).
        cyc.mark_end_ns = round(ctx.now())
        self.terminating = True
        token = yield from ctx.stop_the_world()
        self._update_limiter(ctx, force=True)
        self.marking = False
        rescan, drained = self.tc.terminate_mark(heap, roots, cost)
        self.total["stw_rescan_ns"] += rescan
        # Go marks at mark termination with every P's helper.
        stw_ns = cost[L.K_STW_FIXED] + (rescan + drained) / ctx.nprocs
        ctx.checkpoint("mark_termination", n, marked=True)
        if self.params.measure_floating:
            # Floating garbage: marked at mark termination but already unreachable.
            _, live = reachable_bytes(heap.a, roots.all_root_slots(), heap.nslots)
            cyc.extra["floating_garbage_bytes"] = max(0, int(ctr[L.MARKED_BYTES]) - int(live))
        marked = int(ctr[L.MARKED_BYTES])
        cyc.heap_at_mark_end = int(ctr[L.HEAP_LIVE])
        cyc.marked = marked
        cyc.objects_marked = int(ctr[L.MARKED_OBJECTS])
        scan_work = int(ctr[L.SCAN_WORK])
        stack_work = int(ctr[L.STACK_SCAN_WORK])
        globals_work = int(ctr[L.GLOBAL_SCAN_WORK])
        cyc.scan_work_bytes = scan_work
        mark_ns = max(0.0, cyc.mark_end_ns - self.mark_start)
        ctx.pacer.end_cycle(
            heap_live=int(ctr[L.HEAP_LIVE]),
            mark_ns=mark_ns,
            assist_ns=self.cyc_ns["assist"],
            idle_ns=self.cyc_ns["idle"],
            scan_work=scan_work,
            nprocs=ctx.nprocs,
        )
        ctx.pacer.reset_live(
            marked, scan_work - stack_work - globals_work, stack_work, roots.globals_bytes
        )
        ctr[L.HEAP_LIVE] = marked
        self.tc.begin_sweep(heap)
        ctx.pacer.commit(heap_live=marked, sweep_done=False)
        trig = self._refresh_trigger(ctx)
        pace_sweeper(heap.a, trig if trig is not None else 1 << 62)
        yield ctx.sleep(stw_ns)
        ctx.start_the_world(token, "mark_termination", n)
        now = round(ctx.now())
        cyc.end_ns = now
        cyc.next_goal = -1 if ctx.goal is None else ctx.goal
        cyc.stack_bytes = roots.stack_alloc_bytes()
        cyc.globals_bytes = roots.globals_bytes
        cyc.extra.update(
            {
                "stack_scan_bytes": stack_work,
                "dedicated_workers": workers.dedicated,
                "fractional_goal": workers.fractional_goal,
                "heap_scan_work": scan_work - stack_work - globals_work,
                "background_utilization": (
                    (self.cyc_ns["dedicated"] + self.cyc_ns["fractional"]) / (mark_ns * ctx.nprocs)
                    if mark_ns > 0
                    else 0.0
                ),
                "assist_utilization": (
                    self.cyc_ns["assist"] / (mark_ns * ctx.nprocs) if mark_ns > 0 else 0.0
                ),
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
        if not self.sweep_wake.triggered:
            self.sweep_wake.succeed()

    # --- marking work ---------------------------------------------------------------------
    def _mark_slice(
        self, ctx: Any, budget_ns: float, max_work: float = float(1 << 62)
    ) -> tuple[int, float, list[Any]]:
        """Marking for ``budget_ns`` (TriColour.mark_slice), suspending scanned goroutines."""
        return self.tc.mark_slice(ctx.heap, ctx.roots, budget_ns, ctx.cost, max_work, ctx.suspend)

    def _out_of_work(self, ctx: Any) -> bool:
        return self.tc.out_of_work(ctx.heap)

    def _maybe_done(self, ctx: Any) -> None:
        """Go: gcMarkDone, when the last worker finds no work."""
        if self.marking and not self.terminating and self._out_of_work(ctx):
            if not self.mark_done.triggered:
                self.mark_done.succeed()

    def _worker_slice(self, ctx: Any, p: int, kind: PKind, key: str) -> Generator[Any, Any, bool]:
        """One slice of a background worker on P ``p``; False when there was nothing to do."""
        t0 = ctx.now()
        work, spent, suspended = self._mark_slice(ctx, self.slice_ns)
        if spent <= 0 and work == 0:
            self._maybe_done(ctx)
            return False
        ctx.recorder.interval(p, round(t0), round(t0 + spent), kind)
        self.cyc_ns[key] += spent
        self.bg_credit += work  # Go: gcFlushBgCredit (idle workers flush credit too)
        yield ctx.sleep(spent)
        for g in suspended:
            ctx.resume(g)
        self._maybe_done(ctx)
        return True

    def _active(self) -> bool:
        return self.marking and not self.terminating

    def _dedicated_worker(self, ctx: Any) -> Generator[Any, Any, None]:
        p = yield from ctx.acquire_p()
        while self._active():
            did = yield from self._worker_slice(ctx, p, PKind.GC_DEDICATED, "dedicated")
            if not did:
                break
        ctx.release_p(p)

    def _fractional_worker(self, ctx: Any, goal_per_p: float) -> Generator[Any, Any, None]:
        """Go runs a fractional worker on a P while that P's fractional time is below
        ``goal * elapsed mark time``; summed over Ps this caps fractional time at
        ``goal * P * elapsed``, which one worker process tracks here."""
        total_goal = goal_per_p * ctx.nprocs
        while self._active():
            elapsed = ctx.now() - self.mark_start
            if self.cyc_ns["fractional"] > total_goal * elapsed:
                yield ctx.sleep(self.slice_ns)
                continue
            p = yield from ctx.acquire_p()
            did = False
            if self._active():
                did = yield from self._worker_slice(ctx, p, PKind.GC_FRACTIONAL, "fractional")
            ctx.release_p(p)
            if not did:
                yield ctx.sleep(self.slice_ns)

    def _idle_worker(self, ctx: Any) -> Generator[Any, Any, None]:
        while self._active():
            p = ctx.take_idle_p()
            if p is None:
                yield ctx.sleep(self.slice_ns)
                continue
            did = yield from self._worker_slice(ctx, p, PKind.GC_IDLE, "idle")
            ctx.release_p(p)
            if not did:
                yield ctx.sleep(self.slice_ns)

    # --- assists ----------------------------------------------------------------------------
    def assist(self, ctx: Any, g: Any, p: int) -> Generator[Any, Any, None]:
        """Go: gcAssistAlloc. Pay the goroutine's allocation debt in scan work: steal
        background credit first, else scan at least 64 KiB of work."""
        gs = g.gs
        if not self._active():
            gs[L.G_ASSIST_CREDIT] = 0
            return
        self._update_limiter(ctx)
        if self.limiter is not None and self.limiter.limiting:
            self.total["limiter_skipped_assists"] += 1
            gs[L.G_ASSIST_CREDIT] = 0  # Go lets the debt ride; we forgive it for this quantum
            return
        ctr = ctx.heap.a.ctr
        wpb, bpw = ctx.pacer.assist_ratio(
            int(ctr[L.SCAN_WORK]),
            int(ctr[L.HEAP_LIVE]),
            self.heap_scan_at_start,
            ctx.roots.stack_alloc_bytes(),
            self._nonheap(ctx),
        )
        debt = -float(gs[L.G_ASSIST_CREDIT])
        scan_work = wpb * debt
        if scan_work < GC_OVER_ASSIST_WORK:
            scan_work = float(GC_OVER_ASSIST_WORK)
            debt = bpw * scan_work
        if self.bg_credit >= scan_work:
            self.bg_credit -= scan_work
            gs[L.G_ASSIST_CREDIT] += int(debt)
            self.total["assist_steals"] += 1
            return
        stolen = self.bg_credit
        self.bg_credit = 0.0
        gs[L.G_ASSIST_CREDIT] += int(1 + bpw * stolen)
        scan_work -= stolen
        # Scan in slices: Go's gcDrainN stops when the goroutine is preempted (e.g. by a
        # stop-the-world request), and the assist is retried after.
        self.total["assists"] += 1
        done = 0
        while done < scan_work:
            t0 = ctx.now()
            work, spent, suspended = self._mark_slice(ctx, self.slice_ns, scan_work - done)
            done += work
            gs[L.G_ASSIST_CREDIT] += int(1 + bpw * work)
            if spent > 0:
                ctx.recorder.interval(p, round(t0), round(t0 + spent), PKind.GC_ASSIST)
                self.cyc_ns["assist"] += spent
                self.total["assist_ns"] += spent
                yield ctx.sleep(spent)
            for g2 in suspended:
                ctx.resume(g2)
            if work == 0 or not self._active() or ctx.stop_requested():
                break
        if gs[L.G_ASSIST_CREDIT] < 0:
            # Out of work (mark is complete) or preempted by the mark-termination stop: in
            # both cases Go's assist would wait for the end of mark, where debts are void.
            gs[L.G_ASSIST_CREDIT] = 0
        self._maybe_done(ctx)

    # --- background sweeping ----------------------------------------------------------------
    def _background_sweeper(self, ctx: Any) -> Generator[Any, Any, None]:
        """Go: bgsweep, a low-priority goroutine that sweeps one span at a time and yields
        whenever other work is runnable; modelled as sweeping on idle Ps only."""
        a_ctr = ctx.heap.a.ctr
        while True:
            if a_ctr[L.SWEEP_PENDING] <= 0 or self.marking:
                self.sweep_wake = ctx.event()
                yield self.sweep_wake
                continue
            p = ctx.take_idle_p()
            if p is None:
                yield ctx.sleep(4 * self.slice_ns)
                continue
            t0 = ctx.now()
            spans, _, spent = sweep_some(ctx.heap.a, 1 << 30, self.slice_ns, ctx.cost)
            self.total["bg_sweep_spans"] += int(spans)
            ctx.recorder.interval(p, round(t0), round(t0 + spent), PKind.SWEEP)
            yield ctx.sleep(max(spent, 1.0))
            ctx.release_p(p)
            if a_ctr[L.SWEEP_PENDING] <= 0:
                ctx.checkpoint("sweep_done", len(ctx.recorder.cycles), complete=False)

    def counters(self) -> dict[str, int]:
        out = {k: int(v) for k, v in self.total.items()}
        out["limiter_engaged_updates"] = self.limiter.enabled_count if self.limiter else 0
        return out
