"""The simulated machine: GOMAXPROCS processors, goroutines, the safepoint and the run loop.

Scheduling model. A processor (P) is a token in a FIFO store. A goroutine takes a P, runs one
*quantum* of its op stream in a compiled kernel (bounded by ``quantum_ops`` and
``quantum_us`` of simulated time), gives the P back and queues again, which round-robins the
goroutines over the Ps. The quantum's heap effects are applied at its start; its duration is
the simulated cost the kernel returns. Safepoints are quantum boundaries: a stop-the-world
request waits until every P is handed back, so the time to safepoint is the remainder of the
longest running quantum (Go preempts at function prologues and, since 1.14, asynchronously).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import numpy as np
import simpy

from framework.collectors.base import Collector
from framework.events import HeapSample, Pause, PKind, Recorder, RunLog
from framework.oracle import (
    Violation,
    check_reachable_allocated,
    check_reachable_marked,
    reachable,
)
from framework.runtime import layout as L
from framework.runtime.heap import Heap
from framework.runtime.kernels.mutator import run_ops
from framework.runtime.kernels.trace import reachable_bytes
from framework.sim.context import CollectorContext, StwToken
from framework.sim.roots import Goroutine, Roots
from framework.workloads.base import Workload

_NEVER = np.iinfo(np.int64).max


class WorkloadError(RuntimeError):
    """A malformed op stream (a bug in the workload, not in the collector)."""


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
        self.max_sim_time_ns = max_sim_time_ns
        self.workload = workload
        self.collector = collector
        self.pacer = pacer
        self.heap = Heap(workload.max_fields)
        specs = workload.goroutines()
        self.roots = Roots(
            globals=np.full(workload.n_globals, -1, dtype=np.int32),
            goroutines=[Goroutine(i, s.daemon) for i, s in enumerate(specs)],
        )
        self.recorder = Recorder(nprocs)
        self.recorder.totals.goroutines = len(specs)
        self.procs = simpy.Store(self.env, capacity=nprocs)
        self.procs.items = list(range(nprocs))
        self._stw_lock = simpy.Resource(self.env, capacity=1)
        self._stw_req: Any = None
        self.stopping = False
        self._restart = self.env.event()
        self._trigger: simpy.Event | None = None
        self._trigger_pending = False
        self.goal = -1
        self.ctx = CollectorContext(self)
        self.verify = verify
        self.violations: list[Violation] = []
        self.checkpoints = 0

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

    def _fire_trigger(self) -> None:
        if self._trigger is not None and not self._trigger.triggered:
            self._trigger.succeed()
            self._trigger = None
        else:
            self._trigger_pending = True

    # --- safepoint ------------------------------------------------------------------------
    def stop_the_world(self) -> Generator[Any, Any, StwToken]:
        # One stop-the-world at a time (Go: worldsema); a second requester waits its turn.
        req = self._stw_lock.request()
        yield req
        self._stw_req = req
        requested = float(self.env.now)
        self.stopping = True
        self._restart = self.env.event()
        procs: list[int] = []
        times: list[float] = []
        for _ in range(self.nprocs):
            p = yield self.procs.get()
            procs.append(p)
            times.append(float(self.env.now))
        return StwToken(requested, float(self.env.now), procs, times)

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
        for p in token.procs:
            self.procs.put(p)
        self._restart.succeed()
        self._stw_lock.release(self._stw_req)

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

    # --- processors for collector workers -------------------------------------------------
    def acquire_p(self) -> Generator[Any, Any, int]:
        return (yield self.procs.get())

    def release_p(self, p: int) -> None:
        self.procs.put(p)

    def take_idle_p(self) -> int | None:
        """A P nobody is waiting for, taken at once, or None (Go: an idle P's scheduler)."""
        if self.stopping or not self.procs.items or self.procs.get_queue:
            return None
        return int(self.procs.items.pop(0))

    # --- heap samples ---------------------------------------------------------------------
    def sample_heap(self) -> None:
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
            )
        )

    def _sampler(self) -> Generator[Any, Any, None]:
        while True:
            yield self.env.timeout(self.sample_interval_ns)
            self.sample_heap()

    # --- mutators -------------------------------------------------------------------------
    def _goroutine(self, g: Goroutine, stream: Iterator[np.ndarray]) -> Generator[Any, Any, None]:
        env = self.env
        ops = np.zeros((0, 4), dtype=np.int32)
        pos = 0
        finished = False
        while not finished:
            if pos >= ops.shape[0]:
                nxt = next(stream, None)
                if nxt is None:
                    break
                ops, pos = nxt, 0
                continue
            if g.scan_done is not None:  # suspended while a mark worker scans its stack
                yield g.scan_done
            p = yield self.procs.get()
            if self.stopping:
                self.procs.put(p)
                yield self._restart
                continue
            if g.scan_done is not None:
                self.procs.put(p)
                continue
            t0 = float(env.now)
            spent = 0.0
            ops0 = int(g.gs[L.G_OPS])
            rc0 = int(self.heap.a.ctr[L.RC_NS])
            while True:
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
                spent += dt
                if status == L.ST_END:
                    nxt = next(stream, None)
                    if nxt is None:
                        finished = True
                        break
                    ops, pos = nxt, 0
                    if spent < self.quantum_ns and int(g.gs[L.G_OPS]) - ops0 < self.quantum_ops:
                        continue
                    break
                if status == L.ST_GROW:
                    self.heap.grow(int(aux))
                    continue
                if status == L.ST_STACK_GROW:
                    g.grow_stack(int(aux))
                    continue
                break
            if status == L.ST_ERROR:
                raise WorkloadError(
                    f"goroutine {g.gid}: op {ops[pos].tolist()} at row {pos}: "
                    f"{L.ERROR_TEXT.get(int(aux), 'error')} (sp={g.sp})"
                )
            # Reference-counting work done inside the quantum is the collector's time,
            # recorded after the mutator's (its exact position inside the quantum is lost).
            rc_ns = min(spent, float(int(self.heap.a.ctr[L.RC_NS]) - rc0))
            t_rc = t0 + spent - rc_ns
            self.recorder.interval(p, round(t0), round(t_rc), PKind.MUTATOR)
            self.recorder.interval(p, round(t_rc), round(t0 + spent), PKind.RC)
            if status == L.ST_CASCADE:
                # A large cascade: a pause of this goroutine (it ran on the goroutine's time).
                c_ns = min(spent, float(self.heap.a.ctr[L.LAST_CASCADE_NS]))
                start, end = round(t0 + spent - c_ns), round(t0 + spent)
                self.recorder.pause(Pause(start, end, "rc_cascade", 0, 0))
                self.recorder.cascades.append((start, end, g.gid, int(aux)))
            if status == L.ST_TRIGGER:
                self._fire_trigger()
            yield env.timeout(spent)
            if status == L.ST_ASSIST:
                yield from self.collector.assist(self.ctx, g, p)
            self.procs.put(p)
            if status == L.ST_PARK:
                yield env.timeout(float(aux))
        g.finished = True
        g.stack[:] = -1
        g.gs[L.G_SP] = 0
        g.gs[L.G_STACK_BYTES] = 0

    # --- the run --------------------------------------------------------------------------
    def run(self) -> RunLog:
        env = self.env
        procs = []
        for g in self.roots.goroutines:
            proc = env.process(self._goroutine(g, self.workload.stream(g.gid)))
            if not g.daemon:
                procs.append(proc)
        env.process(self.collector.run(self.ctx))
        env.process(self._sampler())
        stop: list[simpy.Event] = []
        if procs:
            stop.append(simpy.AllOf(env, procs))
        if self.max_sim_time_ns > 0:
            stop.append(env.timeout(self.max_sim_time_ns))
        if not stop:
            raise WorkloadError("every goroutine is a daemon: set run.max_sim_time_ms")
        env.run(until=simpy.AnyOf(env, stop))
        self.sample_heap()
        log = self._finish()
        # Leak accounting: let the collector reclaim all it can (outside simulated time,
        # after the log's figures are taken), then count what is unreachable but allocated.
        self.collector.final_collection(self.heap, self.roots, self.cost)
        objs, nbytes = self._unreachable()
        log.totals.counters["leaked_objects"] = objs
        log.totals.counters["leaked_bytes"] = nbytes
        return log

    def _unreachable(self) -> tuple[int, int]:
        """(objects, bytes) allocated but unreachable from the roots right now."""
        c = self.heap.a.ctr
        live_objs, live_bytes = reachable_bytes(
            self.heap.a, self.roots.all_root_slots(), self.heap.nslots
        )
        return int(c[L.OBJECTS]) - int(live_objs), int(c[L.ALLOC_BYTES]) - int(live_bytes)

    def measure_unreclaimed(self) -> None:
        objs, nbytes = self._unreachable()
        self.recorder.unreclaimed.append((round(self.env.now), objs, nbytes))

    def _finish(self) -> RunLog:
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
            }
        )
        t.counters.update(self.collector.counters())
        return self.recorder.finish()
