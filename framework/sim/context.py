"""The narrow view of the runtime a collector gets.

Collectors may: read and mutate the heap through kernels, read roots, spend simulated time
(``sleep`` off the Ps, ``busy`` on one), wait for the trigger, stop and start the world,
start system goroutines, set the trigger and goal, and record events. They may not reach the
simpy environment, the run queues or the config.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from framework.events import PKind, Recorder
from framework.runtime import layout as L
from framework.runtime.heap import Heap
from framework.sim.roots import Roots

if TYPE_CHECKING:
    from framework.sim.machine import Machine


TIME_SLICE_NS = 10e6  # Go: forcePreemptNS (sysmon preempts a goroutine after 10 ms)


class Park(enum.Enum):
    """How a system goroutine's turn ends (besides a number: ns to sleep)."""

    PARK = "park"  # wait until someone calls ``ready``
    YIELD = "yield"  # Go: Gosched, to the back of the global run queue


@dataclass
class StwToken:
    """Proof that the world is stopped: when it was requested, and when each P stopped."""

    requested_ns: float
    stopped_ns: float
    procs: list[int]
    proc_stopped_ns: list[float]


class CollectorContext:
    def __init__(self, machine: Machine) -> None:
        self._m = machine

    # --- state the collector works on ---------------------------------------------------
    @property
    def heap(self) -> Heap:
        return self._m.heap

    @property
    def roots(self) -> Roots:
        return self._m.roots

    @property
    def cost(self) -> np.ndarray:
        return self._m.cost

    @property
    def recorder(self) -> Recorder:
        return self._m.recorder

    @property
    def nprocs(self) -> int:
        return self._m.nprocs

    @property
    def pacer(self) -> Any:
        """The pacer component chosen by the config (goal and trigger policy)."""
        return self._m.pacer

    @property
    def goal(self) -> int | None:
        """The heap goal in force (None when there is none)."""
        return None if self._m.goal < 0 else self._m.goal

    # --- time -----------------------------------------------------------------------------
    def now(self) -> float:
        return float(self._m.env.now)

    def sleep(self, ns: float) -> Any:
        """An event to ``yield``: the collector's current activity takes ``ns``."""
        return self._m.env.timeout(max(0.0, float(ns)))

    def wait_trigger(self) -> Any:
        """An event to ``yield`` that fires when a mutator's allocation reaches the trigger."""
        return self._m.trigger_event()

    # --- pacing -----------------------------------------------------------------------------
    def set_trigger(self, heap_live: int | None) -> None:
        self._m.set_trigger(heap_live)

    def set_goal(self, goal: int | None) -> None:
        self._m.goal = -1 if goal is None else int(goal)

    def sample_heap(self) -> None:
        self._m.sample_heap()

    # --- memory: Go's accounting and the scavenger -----------------------------------------
    def memstats(self) -> Any:
        """Go's MemStats for the heap and stacks now (and the allocator learns the non-heap
        memory the memory limit counts)."""
        return self._m.refresh_memory()

    def pace_scavenger(self, heap_goal: int | None, last_heap_goal: int) -> None:
        """Go: gcPaceScavenger: call at mark termination, with the next goal and the goal of
        the cycle that just ended, before its spans are swept."""
        self._m.pace_scavenger(heap_goal, last_heap_goal)

    def wake_scavenger(self) -> None:
        """Go: the end of a sweep wakes the background scavenger."""
        self._m.wake_scavenger()

    def measure_unreclaimed(self) -> None:
        """Record how much allocated memory is already unreachable (a measuring trace)."""
        self._m.measure_unreclaimed()

    def checkpoint(
        self, where: str, cycle: int, complete: bool = False, marked: bool = False
    ) -> None:
        """A point where the heap must be safe (every reachable object allocated); if
        ``complete``, it holds no garbage; if ``marked`` (mark termination), every reachable
        object is marked. Checked by the oracle only in verify mode."""
        self._m.checkpoint(where, cycle, complete, marked)

    # --- concurrency: processes, events, processors -------------------------------------
    def spawn(self, body: Generator[Any, Any, Any]) -> Any:
        """Start a collector activity that runs on no P (a timer, a sampler)."""
        return self._m.env.process(body)

    def event(self) -> Any:
        """A one-shot signal: ``yield`` it to wait, ``.succeed()`` it to fire."""
        return self._m.env.event()

    def busy(self, pid: int, ns: float, kind: PKind | int) -> Generator[Any, Any, float]:
        """Spend ``ns`` on P ``pid`` doing ``kind`` (``yield from``); returns the time spent,
        less when a stop-the-world preempted it. The only way work on a P takes time."""
        return (yield from self._m.busy(pid, ns, kind))

    def go(self, name: str, body: Callable[[int], Generator[Any, Any, Any]]) -> Any:
        """A system goroutine (Go's bgsweep, bgscavenge), parked until ``ready``: each turn
        runs ``body(pid)`` on a P and returns ``Park.PARK``, ``Park.YIELD`` or ns to sleep."""
        return self._m.go(name, body)

    def ready(self, g: Any, pid: int | None = None, next_: bool = True) -> None:
        """Make a parked goroutine runnable (Go: ready) on P ``pid`` (default: the P it last
        ran on), in ``runnext`` or at the tail of the local queue."""
        self._m.ready(g, pid, next_)

    def wake_idle_procs(self) -> None:
        """Let sleeping Ps look for work again (e.g. new mark work for idle workers)."""
        self._m.wake_idle()

    def idle_procs(self) -> int:
        """Ps with nothing to do right now (Go: sched.npidle)."""
        return self._m.idle_procs()

    def poll_work(self, pid: int) -> bool:
        """Go: pollWork: is a goroutine waiting on the global queue or on P ``pid``'s?"""
        return self._m.rq.poll_work(pid)

    def kick_local_runq(self, pid: int) -> None:
        """Move P ``pid``'s local run queue to the global one, where other Ps find it."""
        if self._m.rq.local_to_global(pid):
            self._m.wake_idle()

    def trigger_holds(self) -> bool:
        """Go: gcTrigger.test: the heap is at or past the trigger, or a reference-counting
        collector was asked to run."""
        ctr = self._m.heap.a.ctr
        return bool(ctr[L.HEAP_LIVE] >= ctr[L.TRIGGER] or ctr[L.RC_REQUEST] != 0)

    def fire_trigger(self) -> None:
        """Wake the collector waiting in ``wait_trigger`` (or remember it for later)."""
        self._m.fire_trigger()

    def suspend(self, g: Any) -> None:
        """Stop goroutine ``g`` from starting its next quantum (Go: suspendG for scanstack)."""
        if g.scan_done is None:
            g.scan_done = self._m.env.event()

    def resume(self, g: Any) -> None:
        ev, g.scan_done = g.scan_done, None
        if ev is not None:
            ev.succeed()

    def resume_after(self, g: Any, ns: float) -> None:
        """Resume ``g`` ``ns`` from now (when the scan of its stack ends)."""
        self._m.env.timeout(max(0.0, ns)).callbacks.append(lambda _ev: self.resume(g))

    # --- the safepoint --------------------------------------------------------------------
    def stop_the_world(self) -> Generator[Any, Any, StwToken]:
        """Stop every P (``yield from``): idle ones at once, busy ones after the preemption
        latency ``cost.preempt_ns``; returns a token."""
        return (yield from self._m.stop_the_world())

    def stop_requested(self) -> bool:
        """True while a stop-the-world is pending or in force (long work should yield)."""
        return self._m.stopping

    def start_the_world(self, token: StwToken, phase: str, cycle: int) -> None:
        """Restart the world and record the pause (request to restart, ttsp included)."""
        self._m.start_the_world(token, phase, cycle)

    def stw_cost_ns(self) -> float:
        """The fixed cost of stopping and restarting the world on this machine."""
        return self._m.stw_cost_ns()
