"""The simulated machine: GOMAXPROCS processors running Go's scheduler, the safepoint and
the run loop.

Scheduling model (Go 1.19, runtime/proc.go). Every processor (P) is a simpy process that
runs ``schedule`` for ever: it asks the collector for a mark worker first
(``findRunnableGCWorker``), then takes a goroutine from the run queues
(``framework.sim.scheduler``: runnext, local, global, stealing), and with nothing to run
it offers itself to an idle-priority mark worker, else it sleeps until work appears. A
goroutine runs *quanta* of its op stream in the compiled kernel (bounded by ``quantum_ops``
and ``quantum_us`` of simulated time), one after another on the same P, until it parks
(``PARK``, a start barrier ``SYNC``), yields (``YIELD``: Go's Gosched, to the global queue),
ends, or has run for ``TIME_SLICE_NS`` (sysmon's forcePreemptNS: preempted to the global
queue). A quantum's heap effects are applied at its start; its duration is the simulated
cost the kernel returns, spent on the P (``busy``).

Safepoints. A stop-the-world request (``stopTheWorldWithSema``) stops an idle P at once and
a busy one after ``cost.preempt_ns`` (asynchronous preemption), or when its activity ends if
that is sooner. A mutator quantum cut short keeps the rest of its time as a debt, paid when
the goroutine runs again, so the time to safepoint does not depend on the quantum size.

Rules: only the P processes run goroutines, and every span of time a P spends goes through
``busy`` (so a stop-the-world can preempt it); collectors reach all of this through
``CollectorContext``. Abstracted: timers fire exactly on time; netpoll, syscalls and locked
threads do not exist (see ``framework.sim.scheduler``).
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from framework.checking.oracle import (
    Violation,
    check_reachable_allocated,
    check_reachable_marked,
    reachable,
)
from framework.collectors.base import Collector
from framework.events import HeapSample, Pause, PKind, Recorder, RunLog
from framework.ops import Op
from framework.runtime import layout as L
from framework.runtime.heap import Heap
from framework.runtime.kernels.mutator import run_ops, stack_end
from framework.runtime.kernels.trace import reachable_bytes
from framework.runtime.memstats import MemStats, memstats
from framework.runtime.scavenger import Scavenger
from framework.runtime.sizeclasses import PAGE_SIZE
from framework.sim.context import TIME_SLICE_NS, CollectorContext, Park, StwToken
from framework.sim.roots import Goroutine, Roots
from framework.sim.scheduler import RunQueues
from framework.workloads.base import Workload

_NEVER = np.iinfo(np.int64).max
STALL_STEPS = 2_000_000  # simpy steps without simulated time advancing: a stalled run


class WorkloadError(RuntimeError):
    """A malformed op stream (a bug in the workload, not in the collector)."""


class SimulationStalledError(RuntimeError):
    """Simulated time stopped advancing (a livelock) or nothing can ever run (a deadlock)."""


class GStatus(enum.IntEnum):
    """Go's goroutine states, reduced to what the simulator needs."""

    RUNNABLE = 0  # on a run queue
    RUNNING = 1
    WAITING = 2  # parked: a timer, a start barrier, a system goroutine with nothing to do
    DEAD = 3


@dataclass(eq=False)
class SystemGoroutine:
    """A runtime goroutine (Go's bgsweep, bgscavenge): scheduled like any goroutine; each
    turn runs ``body(pid)`` on P ``pid``, a generator that spends time only through
    ``Machine.busy`` and returns ``Park.PARK``, ``Park.YIELD`` or a sleep in ns."""

    name: str
    body: Callable[[int], Generator[Any, Any, Any]]
    status: int = GStatus.WAITING
    last_p: int = 0
    daemon: bool = True
    sleeps: int = 0  # counts its sleeps, so a timer of an earlier sleep readies nothing


@dataclass(eq=False)
class _Proc:
    """The simpy side of one P."""

    pid: int
    proc: Any = None
    in_busy: bool = False
    stop_sent: bool = False
    wake: Any = None  # set while the P sleeps for lack of work
    what: str = "starting"  # for the stall report


@dataclass(eq=False)
class _Barrier:
    waiting: list[Goroutine] = field(default_factory=list)


class Machine:
    def __init__(
        self,
        workload: Workload,
        collector: Collector,
        *,
        nprocs: int,
        cost: np.ndarray,
        quantum_ops: int,
        quantum_ns: float,
        sample_interval_ns: float,
        max_sim_time_ns: float = 0.0,
        pacer: Any = None,
        verify: bool = False,
    ) -> None:
        self.env = simpy.Environment()
        self.nprocs = nprocs
        self.cost = cost
        self.quantum_ops = quantum_ops
        self.quantum_ns = quantum_ns
        self.sample_interval_ns = sample_interval_ns
        #: called with the machine after every heap sample; must not change any state
        self.on_sample: Callable[[Machine], None] | None = None
        self.max_sim_time_ns = max_sim_time_ns
        self.workload = workload
        self.collector = collector
        self.pacer = pacer
        # The marking locality term reads each object's owning span (sl_span).
        self.heap = Heap(workload.max_fields, extras=float(cost[L.K_LOCALITY_BYTES]) > 0)
        specs = workload.goroutines()
        self.roots = Roots(
            globals=np.full(workload.n_globals, -1, dtype=np.int32),
            goroutines=[Goroutine(i, s.daemon) for i, s in enumerate(specs)],
        )
        self.roots.keep_stack_counts(self.heap.a.ctr)  # the kernels keep them from here
        self.recorder = Recorder(nprocs)
        self.recorder.totals.goroutines = len(specs)
        self.rq = RunQueues(nprocs)
        self.procs = [_Proc(i) for i in range(nprocs)]
        self._idle: deque[int] = deque()  # Ps sleeping for lack of work (Go: sched.pidle)
        self._streams: dict[int, Iterator[np.ndarray]] = {}
        self._ops: dict[int, tuple[np.ndarray, int]] = {}
        self._barriers: dict[int, _Barrier] = {}
        self._live = sum(1 for g in self.roots.goroutines if not g.daemon)
        self._user_timers = 0
        self._nidle = 0  # Ps sleeping for lack of work
        self._all_done = self.env.event()
        self._stw_lock = simpy.Resource(self.env, capacity=1)
        self._stw_req: Any = None
        self.stopping = False
        self._restart = self.env.event()
        self._stopped: list[tuple[int, float]] = []
        self._all_stopped: Any = None
        self._trigger: simpy.Event | None = None
        self._trigger_pending = False
        self.goal = -1
        self.ctx = CollectorContext(self)
        self.verify = verify
        self.violations: list[Violation] = []
        self.checkpoints = 0
        # Go's page scavenger and the memory limit it and the allocator keep.
        limit = L.NO_LIMIT_BYTES if pacer is None else int(pacer.memory_limit)
        self.memory_limit = min(limit, L.NO_LIMIT_BYTES)
        self.scavenger = Scavenger(nprocs)
        self.bgscavenge = SystemGoroutine("bgscavenge", self._bgscavenge_turn)

    @property
    def preempt_ns(self) -> float:
        return float(self.cost[L.K_PREEMPT])

    # --- trigger --------------------------------------------------------------------------
    def set_trigger(self, heap_live: int | None) -> None:
        self.heap.a.ctr[L.TRIGGER] = _NEVER if heap_live is None else int(heap_live)
        self._trigger_pending = False

    def trigger_event(self) -> simpy.Event:
        ev = self.env.event()
        if self._trigger_pending:
            self._trigger_pending = False
            ev.succeed()
        else:
            self._trigger = ev
        return ev

    def fire_trigger(self) -> None:
        if self._trigger is not None and not self._trigger.triggered:
            self._trigger.succeed()
            self._trigger = None
        else:
            self._trigger_pending = True

    # --- time on a P ----------------------------------------------------------------------
    def busy(self, pid: int, ns: float, kind: PKind | int) -> Generator[Any, Any, float]:
        """Spend ``ns`` on P ``pid`` doing ``kind`` (``yield from``); returns the time
        actually spent, less than ``ns`` when a stop-the-world preempted it."""
        if ns <= 0:
            return 0.0
        pr = self.procs[pid]
        env = self.env
        t0 = float(env.now)
        if self.stopping:  # a stop is pending: run only until the preemption lands
            ns = min(ns, self.preempt_ns)
            yield env.timeout(ns)
            done = ns
        else:
            pr.in_busy = True
            try:
                yield env.timeout(ns)
                done = ns
            except simpy.Interrupt:
                pr.in_busy = False
                rest = min(t0 + ns - float(env.now), self.preempt_ns)
                if rest > 0:
                    yield env.timeout(rest)
                done = float(env.now) - t0
            pr.in_busy = False
        self.recorder.interval(pid, round(t0), round(t0 + done), kind)
        return done

    # --- the safepoint --------------------------------------------------------------------
    def stop_the_world(self) -> Generator[Any, Any, StwToken]:
        """Go: stopTheWorldWithSema. Idle Ps stop at once; busy ones are preempted."""
        req = self._stw_lock.request()  # one stop-the-world at a time (Go: worldsema)
        if not req.triggered:
            yield req
        self._stw_req = req
        requested = float(self.env.now)
        # No yield between here and the request: a goroutine that just fired the trigger
        # sees the stop when it next looks (Machine.on_trigger's zero sleep).
        self.stopping = True
        self._restart = self.env.event()
        self._stopped = []
        self._all_stopped = self.env.event()
        for pr in self.procs:
            pr.stop_sent = False
            if pr.in_busy:
                pr.stop_sent = True
                pr.proc.interrupt("stop the world")
            elif pr.wake is not None and not pr.wake.triggered:
                pr.wake.succeed()
        if len(self._stopped) < self.nprocs:
            yield self._all_stopped
        procs = [p for p, _ in self._stopped]
        times = [t for _, t in self._stopped]
        return StwToken(requested, float(self.env.now), procs, times)

    def _park_for_stw(self, pr: _Proc) -> Generator[Any, Any, None]:
        pr.what = "stopped for a stop-the-world"
        restart = self._restart
        self._stopped.append((pr.pid, float(self.env.now)))
        if len(self._stopped) == self.nprocs and not self._all_stopped.triggered:
            self._all_stopped.succeed()
        yield restart

    def start_the_world(self, token: StwToken, phase: str, cycle: int) -> None:
        now = float(self.env.now)
        self.recorder.pause(
            Pause(
                round(token.requested_ns),
                round(now),
                phase,
                cycle,
                round(token.stopped_ns - token.requested_ns),
            )
        )
        for p, t in zip(token.procs, token.proc_stopped_ns, strict=True):
            self.recorder.interval(p, round(t), round(now), PKind.GC_STW)
        self.stopping = False
        self._restart.succeed()
        self._stw_lock.release(self._stw_req)

    def stw_cost_ns(self) -> float:
        """The fixed cost of a stop/start of the world: Go's stopTheWorldWithSema and
        startTheWorldWithSema do a fixed amount of work plus some per other P (stopping
        it, handing it an M again); with one P there is no other P to stop."""
        return float(self.cost[L.K_STW_FIXED] + self.cost[L.K_STW_PER_P] * (self.nprocs - 1))

    # --- verification (debug mode: an oracle re-trace at collector checkpoints) -------------
    def checkpoint(self, where: str, cycle: int, complete: bool, marked: bool = False) -> None:
        if not self.verify:
            return
        self.checkpoints += 1
        self.violations += check_reachable_allocated(self.heap, self.roots, cycle, where)
        if marked:
            self.violations += check_reachable_marked(self.heap, self.roots, cycle, where)
        if complete:
            reach = reachable(self.heap, self.roots)
            extra = np.flatnonzero(self.heap.a.sl_alloc[: self.heap.nslots].astype(bool) & ~reach)
            self.violations += [
                Violation(cycle, where, int(o), "is garbage but still allocated") for o in extra[:5]
            ]

    # --- run queues -----------------------------------------------------------------------
    def ready(self, g: Any, pid: int | None = None, next_: bool = True) -> None:
        """Go: ready. ``g`` becomes runnable on P ``pid`` (default: the P it last ran on),
        in ``runnext`` or at the local tail, and an idle P is woken to run or steal it."""
        if g.status != GStatus.WAITING:
            return
        g.status = GStatus.RUNNABLE
        self.rq.put_local(g.last_p if pid is None else pid, g, next_=next_)
        self._wakep()

    def _put_global(self, g: Any) -> None:
        g.status = GStatus.RUNNABLE
        self.rq.put_global(g)
        self._wakep()

    def _wakep(self) -> None:
        """Go: wakep: one idle P looks for the new work."""
        while self._idle:
            pr = self.procs[self._idle.popleft()]
            if pr.wake is not None and not pr.wake.triggered:
                pr.wake.succeed()
                return

    def wake_idle(self) -> None:
        """Wake every sleeping P (new work for idle Ps that is not a goroutine)."""
        while self._idle:
            pr = self.procs[self._idle.popleft()]
            if pr.wake is not None and not pr.wake.triggered:
                pr.wake.succeed()

    def idle_procs(self) -> int:
        """Ps sleeping for lack of work (Go: sched.npidle)."""
        return self._nidle

    def go(self, name: str, body: Callable[[int], Generator[Any, Any, Any]]) -> SystemGoroutine:
        """A parked system goroutine; ``ready`` it to run ``body``."""
        return SystemGoroutine(name, body)

    # --- the processors -------------------------------------------------------------------
    def _p_loop(self, pid: int) -> Generator[Any, Any, None]:
        """Go: schedule, for ever."""
        pr = self.procs[pid]
        ctx = self.ctx
        collector = self.collector
        env = self.env
        last_t, spins = -1.0, 0
        while True:
            if env.now == last_t:  # a loop that never lets time pass is a livelock
                spins += 1
                if spins > STALL_STEPS:
                    raise SimulationStalledError(
                        f"P{pid} scheduled {STALL_STEPS:,} times at {env.now / 1e6:.3f} ms "
                        f"without time passing; {self._state()}"
                    )
            else:
                last_t, spins = float(env.now), 0
            if self.stopping:
                yield from self._park_for_stw(pr)
                continue
            work = collector.find_gc_worker(ctx, pid)
            if work is not None:
                pr.what = "running a mark worker"
                yield from work
                continue
            got = self.rq.find_runnable(pid)
            if got is not None:
                g, inherit = got
                if isinstance(g, SystemGoroutine):
                    yield from self._run_system(pr, g)
                else:
                    yield from self._execute(pr, g, inherit)
                continue
            work = collector.find_idle_worker(ctx, pid)
            if work is not None:
                pr.what = "running an idle mark worker"
                yield from work
                continue
            pr.what = "idle"
            pr.wake = self.env.event()
            self._idle.append(pid)
            collector.p_idle(ctx, pid, True)
            self._nidle += 1
            yield pr.wake
            self._nidle -= 1
            collector.p_idle(ctx, pid, False)
            pr.wake = None

    def _run_system(self, pr: _Proc, g: SystemGoroutine) -> Generator[Any, Any, None]:
        g.status = GStatus.RUNNING
        g.last_p = pr.pid
        pr.what = f"running {g.name}"
        after = yield from g.body(pr.pid)
        if after is Park.YIELD:
            self._put_global(g)
        elif after is Park.PARK or after is None:
            g.status = GStatus.WAITING
        else:
            g.status = GStatus.WAITING
            self._after(float(after), g)

    def _after(self, ns: float, g: Any) -> None:
        """A timer that readies ``g`` after ``ns`` (Go: a goroutine's timer on its P). A
        system goroutine readied early (``wake_scavenger``) ignores its old timer."""
        user = not isinstance(g, SystemGoroutine)
        self._user_timers += user
        token = None if user else g.sleeps

        def fire(_ev: Any) -> None:
            self._user_timers -= user
            if token is None or token == g.sleeps:
                self.ready(g)

        self.env.timeout(max(0.0, ns)).callbacks.append(fire)

    def _update_miss_rate(self) -> None:
        """The chance that a heap access misses the last-level cache: none while the heap in
        use fits in it, then the share of the heap that does not (uniform access)."""
        inuse = max(1, int(self.heap.a.ctr[L.INUSE_SPAN_BYTES]))
        cache = float(self.cost[L.K_CACHE_BYTES])
        self.heap.a.fpar[L.F_MISS] = max(0.0, 1.0 - cache / inuse) if cache > 0 else 0.0

    # --- memory: Go's accounting and the scavenger -----------------------------------------
    def refresh_memory(self) -> MemStats:
        """Go's MemStats now; publishes the non-heap ready memory to the allocator (for the
        memory limit) and returns the figures."""
        ms = memstats(self.heap, self.roots.stack_spans(), self.nprocs)
        self.scavenger.publish(self.heap, self.memory_limit, ms.nonheap_ready)
        return ms

    def pace_scavenger(self, heap_goal: int | None, last_heap_goal: int) -> None:
        """Go: gcPaceScavenger, from gcControllerCommit at mark termination (before any
        span of the finished cycle is swept)."""
        ms = self.refresh_memory()
        self.scavenger.pace(
            self.heap,
            memory_limit=self.memory_limit,
            heap_goal=L.NO_LIMIT_BYTES if heap_goal is None else int(heap_goal),
            last_heap_goal=max(0, int(last_heap_goal)),
            last_heap_inuse=self.heap.heap_inuse_bytes(),
            nonheap_ready=ms.nonheap_ready,
        )

    def wake_scavenger(self) -> None:
        """Go: scavengerState.wake, at the end of each sweep."""
        if self.scavenger.wake():
            self.bgscavenge.sleeps += 1
            self.ready(self.bgscavenge)

    def _bgscavenge_turn(self, pid: int) -> Generator[Any, Any, Any]:
        """Go: bgscavenge: release free pages in ~1 ms batches, then sleep so as to use
        1% of the CPU, or park when there is nothing to release."""
        step = self.scavenger.work(
            self.heap, self.cost, int(self.heap.a.ctr[L.NONHEAP_READY]), float(self.env.now)
        )
        yield from self.busy(pid, step.cost_ns, PKind.SCAVENGE)
        if step.sleep_ns is None:
            return Park.PARK
        self.bgscavenge.sleeps += 1
        return step.sleep_ns

    def _check_deadlock(self) -> None:
        """Go: checkdead, checked when simulated time is about to advance. Every P sleeps,
        no goroutine is runnable or waits for a timer, yet some never finished: nothing can
        ever wake them (heap samples would otherwise keep simulated time moving for ever)."""
        if self._live > 0 and self._user_timers == 0 and self._nidle == self.nprocs:
            if not self.rq.any_runnable():
                raise SimulationStalledError(
                    f"deadlock: every goroutine is asleep at {self.env.now / 1e6:.3f} ms; "
                    f"{self._state()}"
                )

    # --- goroutines -----------------------------------------------------------------------
    def _chunk(self, g: Goroutine) -> tuple[np.ndarray, int] | None:
        """The goroutine's current op chunk and position (None when its stream ended)."""
        got = self._ops.get(g.gid)
        if got is not None and got[1] < got[0].shape[0]:
            return got
        stream = self._streams.get(g.gid)
        if stream is None:
            stream = self._streams[g.gid] = self.workload.stream(g.gid)
        nxt = next(stream, None)
        if nxt is None:
            return None
        self._ops[g.gid] = (nxt, 0)
        return self._ops[g.gid]

    def _execute(self, pr: _Proc, g: Goroutine, inherit: bool) -> Generator[Any, Any, None]:
        """Go: execute, then the goroutine runs until it parks, yields, ends or is
        preempted (time slice over, or a stop-the-world)."""
        env = self.env
        pid = pr.pid
        g.status = GStatus.RUNNING
        g.last_p = pid
        pr.what = f"running goroutine {g.gid}"
        if not inherit:
            g.slice_start = float(env.now)
        if g.debt_ns > 0:  # the rest of a quantum cut short by a stop-the-world
            debt = g.debt_ns
            g.debt_ns = 0.0
            done = yield from self.busy(pid, debt, PKind.MUTATOR)
            if done < debt:
                g.debt_ns = debt - done
                self._put_global(g)
                return
        if g.pending is not None:  # what that quantum ended with, not yet acted on
            status, aux = g.pending
            g.pending = None
            if not (yield from self._after_quantum(pid, g, status, aux)):
                return
        while True:
            if self.stopping:  # Go: preempted for the stop-the-world (gopreempt_m)
                self._put_global(g)
                return
            if g.scan_done is not None:  # its stack is being scanned: the P waits (Go:
                pr.what = f"waiting for the scan of goroutine {g.gid}"  # casgstatus spins)
                yield g.scan_done
                continue
            if env.now - g.slice_start >= TIME_SLICE_NS:  # Go: sysmon's retake
                self._put_global(g)
                return
            status, aux, spent, rc_ns, scav_ns = self._quantum(g)
            if status == L.ST_ERROR:
                ops, pos = self._ops[g.gid]
                raise WorkloadError(
                    f"goroutine {g.gid}: op {ops[pos].tolist()} at row {pos}: "
                    f"{L.ERROR_TEXT.get(int(aux), 'error')} (sp={g.sp})"
                )
            done = yield from self.busy(pid, spent - rc_ns - scav_ns, PKind.MUTATOR)
            if rc_ns > 0 and done >= spent - rc_ns - scav_ns:
                done += yield from self.busy(pid, rc_ns, PKind.RC)
            if scav_ns > 0 and done >= spent - scav_ns:
                done += yield from self.busy(pid, scav_ns, PKind.SCAVENGE)
            if status == L.ST_CASCADE:
                # A large cascade: a pause of this goroutine (it ran on the goroutine's time).
                c_ns = min(spent, float(self.heap.a.ctr[L.LAST_CASCADE_NS]))
                end = env.now + (spent - done)
                start = end - c_ns
                self.recorder.pause(Pause(round(start), round(end), "rc_cascade", 0, 0))
                self.recorder.cascades.append((round(start), round(end), g.gid, int(aux)))
            if done < spent:  # cut by a stop-the-world: the rest is owed, and acted on later
                g.debt_ns = spent - done
                g.pending = (status, aux)
                self._put_global(g)
                return
            if not (yield from self._after_quantum(pid, g, status, aux)):
                return

    def _after_quantum(
        self, pid: int, g: Goroutine, status: int, aux: int
    ) -> Generator[Any, Any, bool]:
        """Act on how a quantum ended; True if ``g`` goes on running on P ``pid``."""
        if status == L.ST_END:
            self._finish(g)
            return False
        if status == L.ST_TRIGGER:
            yield from self.collector.on_trigger(self.ctx, g, pid)
        elif status == L.ST_ASSIST:
            parked = yield from self.collector.assist(self.ctx, g, pid)
            if parked:  # Go: gcParkAssist; the collector readies it
                g.status = GStatus.WAITING
                return False
        elif status == L.ST_PARK:
            g.status = GStatus.WAITING
            self._after(float(aux), g)
            return False
        elif status == L.ST_YIELD:
            self._put_global(g)
            return False
        elif status == L.ST_SYNC:
            return self._arrive(g, int(aux))
        return True

    def _quantum(self, g: Goroutine) -> tuple[int, int, float, float, float]:
        """Run one quantum of ``g``'s ops in the kernel: (status, aux, ns, of which RC ns,
        of which synchronous-scavenging ns). Chunk boundaries never end a quantum."""
        spent = 0.0
        ops0 = int(g.gs[L.G_OPS])
        rc0 = int(self.heap.a.ctr[L.RC_NS])
        scav0 = int(self.heap.a.ctr[L.SYNC_SCAV_NS])
        status, aux = L.ST_END, 0
        while True:
            got = self._chunk(g)
            if got is None:
                status, aux = L.ST_END, 0
                break
            ops, pos = got
            left_ops = self.quantum_ops - (int(g.gs[L.G_OPS]) - ops0)
            pos, dt, status, aux = run_ops(
                self.heap.a,
                g.gs,
                g.stack,
                self.roots.globals,
                ops,
                pos,
                self.quantum_ns - spent,
                left_ops,
                self.cost,
                self.heap.work,
            )
            self._ops[g.gid] = (ops, pos)
            spent += dt
            if status == L.ST_END:
                if spent < self.quantum_ns and int(g.gs[L.G_OPS]) - ops0 < self.quantum_ops:
                    continue
                if self._chunk(g) is None:
                    break
                status = L.ST_BUDGET
                break
            if status == L.ST_GROW:
                self.heap.grow(int(aux))
                continue
            if status == L.ST_STACK_GROW:
                g.grow_stack(int(aux))
                continue
            break
        rc_ns = min(spent, float(int(self.heap.a.ctr[L.RC_NS]) - rc0))
        scav_ns = min(spent - rc_ns, float(int(self.heap.a.ctr[L.SYNC_SCAV_NS]) - scav0))
        return int(status), int(aux), spent, rc_ns, scav_ns

    def _arrive(self, g: Goroutine, n: int) -> bool:
        """A start barrier (Op.SYNC n): True if ``g`` goes on (it was the n-th to arrive,
        and readies the others on its P, as closing a channel does), False if it waits."""
        b = self._barriers.setdefault(n, _Barrier())
        if len(b.waiting) + 1 < n:
            g.status = GStatus.WAITING
            b.waiting.append(g)
            return False
        del self._barriers[n]
        for w in b.waiting:
            self.ready(w, g.last_p)
        return True

    def _finish(self, g: Goroutine) -> None:
        g.status = GStatus.DEAD
        if not g.finished:  # its stack leaves Go's stack accounting
            stack_end(self.heap.a.ctr, int(g.gs[L.G_STACK_BYTES]))
        g.finished = True
        g.stack[:] = -1
        g.gs[L.G_SP] = 0
        g.gs[L.G_STACK_BYTES] = 0
        self._ops.pop(g.gid, None)
        self._streams.pop(g.gid, None)
        if not g.daemon:
            self._live -= 1
            if self._live == 0 and not self._all_done.triggered:
                self._all_done.succeed()

    # --- heap samples ---------------------------------------------------------------------
    def sample_heap(self) -> None:
        ms = self.refresh_memory()
        self._update_miss_rate()
        c = self.heap.a.ctr
        trig = int(c[L.TRIGGER])
        self.recorder.sample(
            HeapSample(
                t_ns=round(self.env.now),
                heap_live=int(c[L.HEAP_LIVE]),
                alloc_bytes=int(c[L.ALLOC_BYTES]),
                alloc_req_bytes=int(c[L.ALLOC_REQ]),
                inuse_span_bytes=int(c[L.INUSE_SPAN_BYTES]),
                mapped_bytes=self.heap.mapped_bytes(),
                goal=self.goal,
                trigger=-1 if trig == _NEVER else trig,
                marked_last=self.recorder.cycles[-1].marked if self.recorder.cycles else 0,
                stack_bytes=self.roots.stack_bytes(),
                globals_bytes=self.roots.globals_bytes,
                objects=int(c[L.OBJECTS]),
                heap_sys=ms.heap_sys,
                heap_released=ms.heap_released,
                mapped_ready=ms.mapped_ready,
            )
        )

    def _sampler(self) -> Generator[Any, Any, None]:
        while True:
            yield self.env.timeout(self.sample_interval_ns)
            self.sample_heap()
            if self.on_sample is not None:  # an observer (a progress bar): reads only
                self.on_sample(self)

    # --- the run --------------------------------------------------------------------------
    def run(self) -> RunLog:
        env = self.env
        # Go: main starts every goroutine (newproc puts each in runnext of its P, the one
        # it displaces at the tail), and the other Ps steal.
        for g in self.roots.goroutines:
            g.status = GStatus.RUNNABLE
            self.rq.put_local(0, g, next_=True)
        # The collector starts first: it arms the runtime (barrier mode, RC, the first
        # trigger) before any goroutine runs.
        self.refresh_memory()
        self._update_miss_rate()
        env.process(self.collector.run(self.ctx))
        for pr in self.procs:
            pr.proc = env.process(self._p_loop(pr.pid))
        env.process(self._sampler())
        stop: list[simpy.Event] = []
        if self._live > 0:
            stop.append(self._all_done)
        if self.max_sim_time_ns > 0:
            stop.append(env.timeout(self.max_sim_time_ns))
        if not stop:
            raise WorkloadError("every goroutine is a daemon: set run.max_sim_time_ms")
        self._run_until(simpy.AnyOf(env, stop))
        self.sample_heap()
        log = self._finish_log()
        # Leak accounting: let the collector reclaim all it can (outside simulated time,
        # after the log's figures are taken), then count what is unreachable but allocated.
        self.collector.final_collection(self.heap, self.roots, self.cost)
        objs, nbytes = self._unreachable()
        log.totals.counters["leaked_objects"] = objs
        log.totals.counters["leaked_bytes"] = nbytes
        return log

    def _run_until(self, until: simpy.Event) -> None:
        """``env.run(until)`` with a watchdog: a run whose simulated time stops advancing
        for ``STALL_STEPS`` steps, or that has nothing left that could ever run, aborts
        with what every P was doing."""
        env = self.env
        last_t = -1.0
        same = 0
        step = env.step
        while not until.processed:
            if env.peek() == float("inf"):
                raise SimulationStalledError(f"deadlock: nothing can run any more; {self._state()}")
            if env.peek() > last_t:  # this instant is over: time is about to advance
                self._check_deadlock()
            step()
            if env.now == last_t:
                same += 1
                if same > STALL_STEPS:
                    raise SimulationStalledError(
                        f"simulated time stopped at {env.now / 1e6:.3f} ms for "
                        f"{STALL_STEPS:,} steps; {self._state()}"
                    )
            else:
                last_t = float(env.now)
                same = 0

    def _state(self) -> str:
        ps = "; ".join(f"P{pr.pid}: {pr.what}" for pr in self.procs)
        waiting = sum(len(b.waiting) for b in self._barriers.values())
        phase = getattr(self.collector, "phase", "")
        parts = [ps, f"{self._live} goroutines not finished"]
        if waiting:
            parts.append(f"{waiting} waiting at a start barrier")
        if phase:
            parts.append(f"collector: {phase}")
        return "; ".join(parts)

    def _unreachable(self) -> tuple[int, int]:
        """(objects, bytes) allocated but unreachable from the roots right now."""
        c = self.heap.a.ctr
        live_objs, live_bytes = reachable_bytes(
            self.heap.a, self.roots.globals, self.roots.stack_slots(), self.heap.nslots
        )
        return int(c[L.OBJECTS]) - int(live_objs), int(c[L.ALLOC_BYTES]) - int(live_bytes)

    def ledger(self) -> dict[str, float]:
        """The mutator's cost ledger (``ledger_*``): how many of each costed event the
        goroutines caused; the time they took is these counts times the ``[cost]`` entries."""
        c, f = self.heap.a.ctr, self.heap.a.fpar
        out: dict[str, float] = {
            f"ledger_op_{op.name.lower()}": int(c[L.OPS_BY_CODE + int(op)]) for op in Op
        }
        out.update(
            ledger_alloc_bytes=int(c[L.TOTAL_ALLOC_BYTES]),
            ledger_alloc_scan_bytes=int(c[L.ALLOC_SCAN_BYTES]),
            ledger_slots=int(c[L.SLOTS_TOUCHED]),
            ledger_compute_units=int(c[L.COMPUTE_UNITS]),
            ledger_span_allocs=int(c[L.SPAN_ALLOCS]),
            ledger_spans_swept=int(c[L.SPANS_SWEPT]),
            ledger_slots_swept=int(c[L.SLOTS_SWEPT]),
            ledger_misses=float(f[L.F_MISS_MUT]),
        )
        return out

    def measure_unreclaimed(self) -> None:
        objs, nbytes = self._unreachable()
        self.recorder.unreclaimed.append((round(self.env.now), objs, nbytes))

    def _finish_log(self) -> RunLog:
        c = self.heap.a.ctr
        t = self.recorder.totals
        t.sim_time_ns = round(self.env.now)
        t.mutator_ops = int(c[L.MUTATOR_OPS])
        t.alloc_count = int(c[L.TOTAL_ALLOCS])
        t.alloc_bytes = int(c[L.TOTAL_ALLOC_BYTES])
        t.alloc_req_bytes = int(c[L.TOTAL_ALLOC_REQ])
        t.counters.update(
            {
                "large_allocs": int(c[L.LARGE_ALLOCS]),
                "span_allocs": int(c[L.SPAN_ALLOCS]),
                "dangling_accesses": int(c[L.DANGLING]),
                "objects_freed": int(c[L.FREED_OBJECTS]),
                "bytes_freed": int(c[L.FREED_BYTES]),
                "spans_swept": int(c[L.SPANS_SWEPT]),
                "barrier_calls": int(c[L.BARRIER_CALLS]),
                "barrier_shades": int(c[L.BARRIER_SHADES]),
                "rc_ops": int(c[L.RC_OPS]),
                "cascade_max_objects": int(c[L.CASCADE_MAX]),
                "cascades": int(c[L.CASCADES]),
                "scavenged_bytes": int(c[L.SCAV_PAGES]) * PAGE_SIZE,
                "sync_scavenged_bytes": int(c[L.SYNC_SCAV_PAGES]) * PAGE_SIZE,
                "sync_scavenge_ns": int(c[L.SYNC_SCAV_NS]),
                "scavenged_pages_reused": int(c[L.SCAV_REUSED_PAGES]),
                "bg_scavenge_ns": round(self.scavenger.work_ns),
            }
        )
        t.counters.update(self.ledger())
        t.counters.update(self.collector.counters())
        return self.recorder.finish()
