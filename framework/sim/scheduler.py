"""Go's run queues, without time: which goroutine a processor (P) runs next.

Rules: this module decides *order* only. It never advances the clock, never runs ops and
never sees the collector; ``framework.sim.machine`` asks it questions and acts on the answer.
Everything here follows Go 1.19's ``runtime/proc.go``:

- each P has a local run queue of at most ``LOCAL_RUNQ`` goroutines plus a ``runnext`` slot
  (``runqput``): a goroutine made ready by another (``ready``: a timer, a start barrier) is
  put in the readying P's ``runnext`` and the goroutine it displaces goes to the tail of the
  local queue; a full local queue moves half of itself and the new goroutine to the global
  queue (``runqputslow``);
- ``find_runnable`` (``findRunnable`` without timers and netpoll): every 61st schedule the
  global queue first (fairness), then ``runnext``, the local queue, the global queue (taking
  a batch, ``globrunqget``) and finally work stealing: half of another P's local queue
  (``runqsteal``; Go visits the other Ps in a random order, we visit them in index order
  starting after the thief so the run is a pure function of its config);
- preempted and yielding goroutines go to the tail of the global queue (``goschedImpl``),
  where every P finds them.

Abstracted: netpoll, syscalls and the spinning-M protocol (an idle P is woken at once when
work appears); stealing a victim's ``runnext`` (Go does so only after a 3 us grace period).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

LOCAL_RUNQ = 256  # Go: len(p.runq)
GLOBAL_FAIRNESS_TICKS = 61  # Go: findRunnable's schedtick % 61


@dataclass
class PState:
    """One processor's scheduling state."""

    pid: int
    runq: deque[Any] = field(default_factory=deque)
    runnext: Any = None
    schedtick: int = 0


class RunQueues:
    """The global run queue and every P's local queue (Go: sched.runq, p.runq)."""

    def __init__(self, nprocs: int) -> None:
        self.ps = [PState(i) for i in range(nprocs)]
        self.global_q: deque[Any] = deque()

    # --- putting goroutines on queues ---------------------------------------------------
    def put_local(self, pid: int, g: Any, next_: bool = False) -> None:
        """Go: runqput. With ``next_`` the goroutine takes ``runnext`` (it runs next on this
        P and inherits the time slice); the one it displaces goes to the local tail."""
        p = self.ps[pid]
        if next_:
            g, p.runnext = p.runnext, g
            if g is None:
                return
        if len(p.runq) < LOCAL_RUNQ:
            p.runq.append(g)
            return
        # Go: runqputslow moves half of the local queue plus g to the global queue.
        for _ in range(LOCAL_RUNQ // 2):
            self.global_q.append(p.runq.popleft())
        self.global_q.append(g)

    def put_global(self, g: Any) -> None:
        """Go: globrunqput (preempted and yielding goroutines)."""
        self.global_q.append(g)

    def local_to_global(self, pid: int) -> int:
        """Move a P's local queue to the global queue (Go: a preempted dedicated mark worker
        kicks its P's run queue out, gcBgMarkWorker's runqdrain). Returns how many."""
        p = self.ps[pid]
        n = len(p.runq) + (p.runnext is not None)
        if p.runnext is not None:
            self.global_q.append(p.runnext)
            p.runnext = None
        self.global_q.extend(p.runq)
        p.runq.clear()
        return n

    # --- taking goroutines ----------------------------------------------------------------
    def has_local_work(self, pid: int) -> bool:
        p = self.ps[pid]
        return p.runnext is not None or bool(p.runq)

    def poll_work(self, pid: int) -> bool:
        """Go: pollWork, which an idle mark worker checks: is a goroutine waiting on the
        global queue or on this P's local queue?"""
        return bool(self.global_q) or self.has_local_work(pid)

    def any_runnable(self) -> bool:
        return bool(self.global_q) or any(self.has_local_work(p.pid) for p in self.ps)

    def find_runnable(self, pid: int) -> tuple[Any, bool] | None:
        """(goroutine, inherits the time slice) for P ``pid``, or None (Go: findRunnable's
        queue part)."""
        p = self.ps[pid]
        p.schedtick += 1
        if p.schedtick % GLOBAL_FAIRNESS_TICKS == 0 and self.global_q:
            return self._global_get(p, 1), False
        if p.runnext is not None:
            g, p.runnext = p.runnext, None
            return g, True
        if p.runq:
            return p.runq.popleft(), False
        if self.global_q:
            return self._global_get(p, 0), False
        g = self._steal(p)
        return None if g is None else (g, False)

    def _global_get(self, p: PState, most: int) -> Any:
        """Go: globrunqget: take a fair share of the global queue (at most ``most`` if
        positive, at most half the local capacity); return one, queue the rest locally."""
        n = min(len(self.global_q), len(self.global_q) // len(self.ps) + 1)
        if most > 0:
            n = min(n, most)
        n = min(n, LOCAL_RUNQ // 2)
        g = self.global_q.popleft()
        for _ in range(n - 1):
            p.runq.append(self.global_q.popleft())
        return g

    def _steal(self, thief: PState) -> Any:
        """Go: stealWork/runqsteal: take half (rounded up) of the first other P's local
        queue that has goroutines; return one, queue the rest locally."""
        n = len(self.ps)
        for k in range(1, n):
            victim = self.ps[(thief.pid + k) % n]
            if not victim.runq:
                continue
            take = len(victim.runq) - len(victim.runq) // 2
            got = [victim.runq.popleft() for _ in range(take)]
            thief.runq.extend(got[1:])
            return got[0]
        return None
