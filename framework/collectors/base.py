"""The collector plug-in interface.

A collector sees only a ``CollectorContext`` (``framework.sim.context``): the heap, the
roots, the safepoint, the recorder, the cost vector and a clock. Rules:

- collectors must not import simpy or the config loader; they receive their validated
  ``Params`` and wait only on what the context hands them;
- collectors emit typed events (``framework.events``) and never compute metrics;
- heap work goes through the kernels in ``framework.runtime.kernels``;
- ``run(ctx)`` is a generator the simulator drives; the phase methods it uses must also be
  callable one by one (the step driver and the oracle call them directly).
"""

from __future__ import annotations

import abc
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from framework.sim.context import CollectorContext


class CollectorParams(BaseModel):
    """Base of every collector's parameter model; ``name`` is the registry key."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Capabilities:
    """What a collector does, declared as data (as MMTk plans do) and read by the contract
    checker (``framework.conformance``): a collector that declares no barrier must never
    turn one on; one that traces must run cycles and free cyclic garbage."""

    needs_barrier: bool = False  # mutator stores go through a barrier (or RC's counting)
    traces: bool = True  # reclaims by tracing (frees cyclic garbage)


class Collector(abc.ABC):
    name: ClassVar[str]
    Params: ClassVar[type[CollectorParams]]
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, params: CollectorParams) -> None:
        self.params = params

    @abc.abstractmethod
    def run(self, ctx: CollectorContext) -> Generator[Any, Any, None]:
        """The collector's life in the simulation: wait for triggers, run cycles, forever."""

    def assist(self, ctx: CollectorContext, g: Any, p: int) -> Generator[Any, Any, bool]:
        """Called when goroutine ``g`` (holding P ``p``) is in assist debt; collectors
        without assists never see it, since they never turn ``ASSISTS_ON`` on. Returns
        True if ``g`` must wait (parked) until the collector readies it."""
        return False
        yield

    def p_idle(self, ctx: CollectorContext, pid: int, idle: bool) -> None:
        """P ``pid`` goes to sleep for lack of work (``idle``) or wakes up (Go: pidleput,
        pidleget), for collectors that account idle time (the CPU limiter)."""
        return None

    def find_gc_worker(self, ctx: CollectorContext, pid: int) -> Generator[Any, Any, None] | None:
        """Called first each time P ``pid`` schedules (Go: findRunnableGCWorker): a mark
        worker to run on it now (a generator spending time with ``ctx.busy``), or None."""
        return None

    def find_idle_worker(self, ctx: CollectorContext, pid: int) -> Generator[Any, Any, None] | None:
        """Called when P ``pid`` found no goroutine to run (Go: findRunnable's idle-priority
        mark worker): work for the idle P, or None."""
        return None

    def on_trigger(self, ctx: CollectorContext, g: Any, pid: int) -> Generator[Any, Any, None]:
        """Goroutine ``g`` on P ``pid`` allocated past the trigger (Go: mallocgc calling
        gcStart). The default wakes the collector's ``wait_trigger`` if the trigger still
        holds (Go's ``gcTrigger.test``: the goroutine may act on it late, after a stop that
        already collected); the goroutine then stops with the world (the zero sleep lets the
        collector request the stop first)."""
        if ctx.trigger_holds():
            ctx.fire_trigger()
            yield ctx.sleep(0)

    def final_collection(self, heap: Any, roots: Any, cost: Any) -> None:
        """Reclaim, synchronously and outside simulated time, everything this collector's
        algorithm can still reclaim. Run once at the end of a run so that leaked garbage
        (unreachable, yet never reclaimable) can be measured. Tracing collectors reclaim
        all garbage; reference counting overrides this."""
        from framework.collectors.marking import full_collection

        full_collection(heap, roots, cost)

    def counters(self) -> dict[str, int]:
        """Collector-specific counters for the summary (e.g. barrier executions)."""
        return {}
