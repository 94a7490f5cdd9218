"""Reference counting: the baseline the seed article puts beside mark-sweep.

- **Eager** (default): a count per object, changed on every pointer write, heap, global and
  stack alike (the same barrier hook the tracing collectors use). An object whose count
  reaches zero is freed at once and its children decremented in turn; the cascade runs on
  the goroutine that caused it, and one that frees ``cascade_event_objects`` or more
  objects is recorded as a pause of that goroutine (phase ``rc_cascade``).
- **Deferred** (Deutsch & Bobrow 1976): stack writes are not counted; objects whose count
  is zero wait in a zero count table, and a periodic stop-the-world *reconcile* frees the
  ones no stack references (phase ``rc_reconcile``). Fewer count operations, but pauses.
- **Cycle collection** (optional): synchronous trial deletion (Bacon & Rajan 2001) over the
  buffered candidate roots, in a stop-the-world pause (phase ``rc_cycle_collection``),
  started when the buffer reaches ``cycle_buffer`` roots or the heap reaches
  ``cycle_heap_mib``. Without it, cyclic garbage is never freed: it leaks.

Kernels: ``framework.runtime.kernels.rc``. RC needs no marking, so the barrier mode stays
off; the op loop calls the RC hook on every pointer write while ``ctr[RC_MODE]`` is set.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, field_validator

from framework.collectors.base import Capabilities, Collector, CollectorParams
from framework.pacer.base import MAX_MIB
from framework.runtime import layout as L
from framework.runtime.kernels.rc import collect_cycles, count_stack_refs, reconcile

if TYPE_CHECKING:  # annotations only: collectors see the context, not simpy
    from framework.sim.context import CollectorContext

_NEVER = (1 << 63) - 1


class RcParams(CollectorParams):
    name: Literal["rc"] = "rc"
    deferred: bool = Field(False, description="Deutsch-Bobrow: do not count stack references")
    cycle_collection: bool = Field(False, description="trial deletion (Bacon & Rajan 2001)")
    cycle_buffer: int = Field(
        20_000, ge=1, le=1 << 30, description="candidate roots that start a cycle collection"
    )
    cycle_heap_mib: Annotated[float, Field(gt=0, le=MAX_MIB)] | Literal["off"] = Field(
        "off", description="also collect cycles when heap live reaches this many MiB"
    )
    zct_limit: int = Field(
        50_000,
        ge=1,
        le=1 << 30,
        description="deferred: zero count table size that forces a reconcile",
    )
    reconcile_us: float = Field(
        2_000.0, ge=1, le=1e9, description="deferred: reconcile period (µs)"
    )
    cascade_event_objects: int = Field(
        64,
        ge=1,
        le=1 << 30,
        description="cascades freeing at least this many objects are recorded as pauses",
    )
    leak_sample_us: float = Field(
        0.0,
        ge=0,
        le=1e9,
        description="measure unreclaimed garbage this often (µs, at least 1; 0: only at the end)",
    )

    @field_validator("leak_sample_us")
    @classmethod
    def _period(cls, v: float) -> float:
        if 0 < v < 1:
            raise ValueError("must be 0 (only at the end) or at least 1 µs")
        return v


class ReferenceCounting(Collector):
    name = "rc"
    Params = RcParams
    params: RcParams
    capabilities = Capabilities(needs_barrier=True, traces=False)

    def __init__(self, params: RcParams) -> None:
        super().__init__(params)
        self.collections = {"rc_reconcile": 0, "rc_cycle_collection": 0}
        self.freed = {"rc_reconcile": 0, "rc_cycle_collection": 0}

    def _arm(self, heap: Any) -> None:
        p = self.params
        heap.set_rc(
            L.RC_DEFERRED if p.deferred else L.RC_EAGER,
            p.cycle_collection,
            p.zct_limit if p.deferred else _NEVER,
            p.cycle_buffer if p.cycle_collection else _NEVER,
            p.cascade_event_objects,
        )

    def run(self, ctx: CollectorContext) -> Generator[Any, Any, None]:
        p = self.params
        self._arm(ctx.heap)
        ctx.set_goal(None)
        self._set_heap_trigger(ctx)
        if p.deferred:
            ctx.spawn(self._periodic_reconcile(ctx))
        if p.leak_sample_us > 0:
            ctx.spawn(self._leak_sampler(ctx))
        while True:
            yield ctx.wait_trigger()
            yield from self.collect(ctx)

    def _set_heap_trigger(self, ctx: CollectorContext) -> None:
        p = self.params
        if p.cycle_collection and p.cycle_heap_mib != "off":
            live = int(ctx.heap.a.ctr[L.HEAP_LIVE])
            ctx.set_trigger(max(int(p.cycle_heap_mib * 2**20), live + (1 << 20)))
        else:
            ctx.set_trigger(None)

    def collect(self, ctx: CollectorContext) -> Generator[Any, Any, None]:
        """Run what was asked for: a reconcile when the ZCT is full, a cycle collection when
        the candidate buffer (or the heap) reached its threshold."""
        ctr = ctx.heap.a.ctr
        p = self.params
        if p.deferred and ctr[L.ZCT_N] >= p.zct_limit:
            yield from self._pause(ctx, "rc_reconcile")
        if p.cycle_collection and (
            ctr[L.RCBUF_N] >= p.cycle_buffer or ctr[L.HEAP_LIVE] >= ctr[L.TRIGGER]
        ):
            yield from self._pause(ctx, "rc_cycle_collection")
        ctx.heap.clear_rc_request()
        self._set_heap_trigger(ctx)

    def _work(self, phase: str, heap: Any, roots: Any, cost: Any) -> float:
        """The heap work of one collection (no time passes); returns its cost in ns."""
        a = heap.a
        stacks = roots.stack_slots()
        if phase == "rc_reconcile":
            freed, spent = reconcile(a, stacks, heap.work, cost)
        else:
            deferred = a.ctr[L.RC_MODE] == L.RC_DEFERRED
            if deferred:  # count stack references for the duration of the collection
                count_stack_refs(a, stacks, 1)
            freed, _, _, spent = collect_cycles(a, heap.work, cost)
            if deferred:
                count_stack_refs(a, stacks, -1)
        self.freed[phase] += int(freed)
        return float(spent)

    def _pause(self, ctx: CollectorContext, phase: str) -> Generator[Any, Any, None]:
        token = yield from ctx.stop_the_world()
        spent = self._work(phase, ctx.heap, ctx.roots, ctx.cost)
        self.collections[phase] += 1
        yield ctx.sleep(ctx.stw_cost_ns() + spent)
        ctx.start_the_world(token, phase, sum(self.collections.values()))
        ctx.checkpoint(phase, sum(self.collections.values()), complete=False)

    def _periodic_reconcile(self, ctx: CollectorContext) -> Generator[Any, Any, None]:
        while True:
            yield ctx.sleep(self.params.reconcile_us * 1e3)
            yield from self._pause(ctx, "rc_reconcile")

    def _leak_sampler(self, ctx: CollectorContext) -> Generator[Any, Any, None]:
        while True:
            yield ctx.sleep(self.params.leak_sample_us * 1e3)
            ctx.measure_unreclaimed()

    def final_collection(self, heap: Any, roots: Any, cost: Any) -> None:
        """Everything this collector can still reclaim: reconcile the ZCT (deferred), and
        collect cycles if cycle collection is on. Plain RC frees no cyclic garbage."""
        a = heap.a
        if a.ctr[L.RC_MODE] == L.RC_DEFERRED:
            self._work("rc_reconcile", heap, roots, cost)
        if self.params.cycle_collection:
            self._work("rc_cycle_collection", heap, roots, cost)
            if a.ctr[L.RC_MODE] == L.RC_DEFERRED:
                self._work("rc_reconcile", heap, roots, cost)

    def counters(self) -> dict[str, int]:
        return {f"{k}_count": v for k, v in self.collections.items()} | {
            f"{k}_freed_objects": v for k, v in self.freed.items()
        }
