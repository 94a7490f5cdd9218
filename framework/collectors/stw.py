"""Stop-the-world mark-sweep: the baseline and the oracle.

Each cycle stops the world, marks from the roots (globals, then every goroutine's stack),
sweeps every span, and restarts the world: one pause per cycle. As in Go's
``GODEBUG=gcstoptheworld=1`` mode, marking runs on all Ps in parallel (the mark workers of
every P drain the shared queue; modelled as mark cost / GOMAXPROCS) while the sweep is
single-threaded (``gcSweep`` sweeps synchronously when not in background mode). The GOGC
goal (``framework.pacer.goal``) decides when the next cycle starts.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Literal

from framework.collectors.base import Capabilities, Collector, CollectorParams
from framework.collectors.marking import mark_from_roots
from framework.events import Cycle
from framework.runtime import layout as L
from framework.runtime.heap import Heap
from framework.runtime.kernels.sweep import sweep_all

if TYPE_CHECKING:  # annotations only: collectors see the context, not simpy
    from framework.sim.context import CollectorContext


def sweep_world(heap: Heap, cost: Any) -> tuple[int, int, int, float]:
    """Sweep every span after a stop-the-world mark (new sweep generation):
    (spans swept, objects freed, bytes freed, ns). The safety checker runs this too."""
    heap.new_sweep_generation()
    swept, objs, freed, ns = sweep_all(heap.a, cost)
    return int(swept), int(objs), int(freed), float(ns)


class StwParams(CollectorParams):
    name: Literal["stw"] = "stw"


class StopTheWorld(Collector):
    name = "stw"
    Params = StwParams
    capabilities = Capabilities(needs_barrier=False, traces=True)

    def run(self, ctx: CollectorContext) -> Generator[Any, Any, None]:
        ctx.pacer.set_globals_scan(ctx.roots.globals_bytes)  # Go: known before gcinit
        goal = ctx.pacer.goal()
        ctx.set_goal(goal)
        ctx.set_trigger(goal)  # no runway needed: the world does not allocate while we mark
        while True:
            yield ctx.wait_trigger()
            yield from self.collect(ctx)

    def collect(self, ctx: CollectorContext) -> Generator[Any, Any, None]:
        heap, roots, cost, rec = ctx.heap, ctx.roots, ctx.cost, ctx.recorder
        ctr = heap.a.ctr
        n = len(rec.cycles) + 1
        ctx.set_trigger(None)
        cyc = Cycle(
            cycle=n,
            start_ns=round(ctx.now()),
            goal=-1 if ctx.goal is None else ctx.goal,
            heap_at_start=int(ctr[L.HEAP_LIVE]),
        )
        token = yield from ctx.stop_the_world()
        ctx.sample_heap()  # the heap at its largest, just before it is collected
        cyc.mark_start_ns = round(ctx.now())
        stack_bytes = roots.stack_bytes()
        mark_ns = mark_from_roots(heap, roots, cost) / ctx.nprocs
        cyc.heap_at_mark_end = int(ctr[L.HEAP_LIVE])
        cyc.marked = int(ctr[L.MARKED_BYTES])
        cyc.objects_marked = int(ctr[L.MARKED_OBJECTS])
        cyc.scan_work_bytes = int(ctr[L.SCAN_WORK])
        swept, objs, freed, sweep_ns = sweep_world(heap, cost)
        ctx.checkpoint("sweep_end", n, complete=True)
        yield ctx.sleep(ctx.stw_cost_ns() + mark_ns + sweep_ns)
        heap.reset_live(cyc.marked)
        stack_work = int(ctr[L.STACK_SCAN_WORK])
        ctx.pacer.reset_live(
            cyc.marked,
            cyc.scan_work_bytes - stack_work - roots.globals_bytes,
            stack_work,
            roots.globals_bytes,
        )
        ctx.pacer.commit(heap_live=cyc.marked, sweep_done=True)
        goal = ctx.pacer.goal()
        ctx.set_goal(goal)
        ctx.set_trigger(goal)
        ctx.pace_scavenger(goal, cyc.goal)
        ctx.wake_scavenger()  # the sweep is done
        ctx.start_the_world(token, "stw", n)
        now = round(ctx.now())
        cyc.mark_end_ns = cyc.end_ns = cyc.sweep_end_ns = now
        cyc.stw_mark_term_ns = now - cyc.start_ns
        cyc.next_goal = -1 if goal is None else goal
        cyc.trigger = cyc.goal
        cyc.stack_bytes = stack_bytes
        cyc.globals_bytes = roots.globals_bytes
        cyc.spans_swept, cyc.objects_freed, cyc.bytes_freed = int(swept), int(objs), int(freed)
        rec.cycle(cyc)
        ctx.sample_heap()
