"""The step driver the safety checker runs: every mutator and collector step on the real
heap, barrier, allocator, marking, sweeping and reference-counting code, each step told as
a line of a story ("g1 loads o4 from o2.f0").

Mutator steps work on a goroutine's stack slots (a base frame, plus an optional second
frame pushed and popped) and a few globals. A step whose operands make no sense (a load
through a nil slot, a pop with no frame) is refused and leaves no trace, so any sequence of
steps is a valid program.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from framework.checking import invariants as inv
from framework.checking.oracle import reachable
from framework.checking.stepper import Stepper
from framework.collectors import barriers
from framework.collectors.marking import mark_from_roots
from framework.collectors.rc import RcParams, ReferenceCounting
from framework.collectors.stw import sweep_world
from framework.collectors.tricolour import Policy, TriColour
from framework.ops import Op
from framework.runtime import layout as L
from framework.runtime.kernels.mark import drain_budget
from framework.runtime.kernels.rc import collect_cycles, count_stack_refs, reconcile
from framework.runtime.kernels.sweep import sweep_some

OBJ_SIZE = 24  # every object: two pointer fields (16 B) plus a word of data


def step(fn: Callable[..., bool]) -> Callable[..., bool]:
    """Record a step that happened as ``(name, args)`` in ``driver.trace`` (for replay)."""

    @functools.wraps(fn)
    def wrapper(self: CheckDriver, *args: Any) -> bool:
        done = fn(self, *args)
        if done:
            self.trace.append((fn.__name__, args))
        return done

    return wrapper


@dataclass
class Shape:
    goroutines: int = 2
    base_slots: int = 3  # slots of each goroutine's first frame
    frame_slots: int = 2  # slots of the optional second frame
    globals: int = 2
    fields: int = 2


@dataclass
class CheckDriver:
    """A concurrent tracing cycle (``policy``), stop-the-world mark-sweep (``stw``) or
    reference counting (``rc``): exactly one."""

    policy: Policy | None = None
    rc: RcParams | None = None
    shape: Shape = field(default_factory=Shape)
    stw: bool = False

    def __post_init__(self) -> None:
        if (self.policy is not None) + (self.rc is not None) + self.stw != 1:
            raise ValueError("a CheckDriver checks exactly one of policy, rc, stw")
        sh = self.shape
        self.st = Stepper(sh.goroutines, sh.globals, sh.fields)
        self.tc = TriColour(self.policy) if self.policy is not None else None
        if self.rc is not None:
            ReferenceCounting(self.rc)._arm(self.st.heap)
        for g in range(sh.goroutines):
            self.st.run(
                g, np.array([(Op.PUSH, sh.base_slots, 8 * sh.base_slots, 0)], dtype=np.int32)
            )
        self.story: list[str] = []
        self.trace: list[tuple[str, tuple[Any, ...]]] = []
        self.gen: dict[int, int] = {}
        self.pushed = [False] * sh.goroutines
        self.cycle = 0
        self.phase = "idle"  # idle -> mark -> sweep -> idle
        self.globals_scanned = False
        self.mark_done_seen = False  # mark_done ran: workers stopped, termination pending
        self.unreachable_at_start: dict[int, list[tuple[int, int]]] = {}
        self.failures: list[str] = []

    def fresh(self) -> CheckDriver:
        """A driver for the same collector and shape, in the initial state (for replays)."""
        return CheckDriver(policy=self.policy, rc=self.rc, shape=self.shape, stw=self.stw)

    # --- naming ---------------------------------------------------------------------------
    def name(self, obj: int) -> str:
        if obj < 0:
            return "nil"
        gen = self.gen.get(obj, 1)
        return f"o{obj}" if gen <= 1 else f"o{obj}'{gen}"

    def _slot(self, g: int, s: int) -> int:
        return int(self.st.roots.goroutines[g].stack[s])

    def danger(self) -> int:
        """While marking, the white objects one step from being lost: something black
        refers to them and nothing grey reaches them (``invariants.at_risk``; used to
        guide the search)."""
        if self.phase != "mark":
            return 0
        return inv.at_risk(self.st.heap, self.st.roots, *self._root_colours())

    def _root_colours(self) -> tuple[range, list[int], list[int]]:
        """(scanned globals, grey stacks, unscanned globals) while marking."""
        roots = self.st.roots
        nglob = roots.globals.shape[0]
        scanned = range(nglob) if self.globals_scanned else range(0)
        grey_stacks = [g.gid for g in roots.goroutines if g.gs[L.G_STACK_BLACK] == 0]
        grey_globals = [] if self.globals_scanned else list(range(nglob))
        return scanned, grey_stacks, grey_globals

    def grey_count(self) -> int:
        return int(self.st.heap.a.ctr[L.GREY_N])

    def _sp(self, g: int) -> int:
        return self.st.roots.goroutines[g].sp

    def _op(self, g: int, *row: int) -> None:
        self.st.run(g, np.array([row], dtype=np.int32))

    def _tell(self, line: str) -> None:
        self.story.append(line)

    # --- mutator steps --------------------------------------------------------------------
    @step
    def alloc(self, g: int, s: int) -> bool:
        if s >= self._sp(g):
            return False
        a = self.st.heap.a
        n = self.st.heap.nslots
        # Slots holding an object the allocator may not hand out: allocated and either in a
        # swept span or marked (a lazy sweep inside this allocation may free the others).
        swept = a.sp_sweepgen[a.sl_span[:n]] == a.ctr[L.SWEEPGEN]
        taken = a.sl_alloc[:n].astype(bool) & (swept | a.sl_mark[:n].astype(bool))
        self._op(g, Op.ALLOC, s, OBJ_SIZE, self.shape.fields)
        obj = self._slot(g, s)
        if obj < n and taken[obj]:
            self.failures.append(f"allocator handed out o{obj}, which was still allocated")
        self.gen[obj] = self.gen.get(obj, 0) + 1
        self._tell(f"g{g} allocates {self.name(obj)} into stack[{s}]")
        return True

    @step
    def store(self, g: int, s: int, f: int, src: int | None) -> bool:
        sp = self._sp(g)
        if s >= sp or (src is not None and src >= sp) or self._slot(g, s) < 0:
            return False
        obj = self._slot(g, s)
        new = -1 if src is None else self._slot(g, src)
        self._op(g, Op.STORE, s, f, -1 if src is None else src)
        self._tell(f"g{g} stores {self.name(new)} into {self.name(obj)}.f{f}")
        return True

    @step
    def gstore(self, g: int, i: int, src: int | None) -> bool:
        if src is not None and src >= self._sp(g):
            return False
        new = -1 if src is None else self._slot(g, src)
        self._op(g, Op.GSTORE, i, -1 if src is None else src, 0)
        self._tell(f"g{g} stores {self.name(new)} into global[{i}]")
        return True

    @step
    def load(self, g: int, dst: int, s: int, f: int) -> bool:
        sp = self._sp(g)
        if dst >= sp or s >= sp or self._slot(g, s) < 0:
            return False
        obj = self._slot(g, s)
        self._op(g, Op.LOAD, dst, s, f)
        self._tell(
            f"g{g} loads {self.name(self._slot(g, dst))} from {self.name(obj)}.f{f}"
            f" into stack[{dst}]"
        )
        return True

    @step
    def gload(self, g: int, dst: int, i: int) -> bool:
        if dst >= self._sp(g):
            return False
        self._op(g, Op.GLOAD, dst, i, 0)
        self._tell(f"g{g} loads {self.name(self._slot(g, dst))} from global[{i}] into stack[{dst}]")
        return True

    @step
    def clear(self, g: int, s: int) -> bool:
        if s >= self._sp(g) or self._slot(g, s) < 0:
            return False
        old = self._slot(g, s)
        self._op(g, Op.CLEAR, s, 0, 0)
        self._tell(f"g{g} drops {self.name(old)} from stack[{s}]")
        return True

    @step
    def move(self, g: int, dst: int, src: int) -> bool:
        sp = self._sp(g)
        if dst >= sp or src >= sp or dst == src:
            return False
        self._op(g, Op.MOVE, dst, src, 0)
        self._tell(f"g{g} copies {self.name(self._slot(g, dst))} from stack[{src}] to stack[{dst}]")
        return True

    @step
    def push(self, g: int) -> bool:
        if self.pushed[g]:
            return False
        k = self.shape.frame_slots
        self._op(g, Op.PUSH, k, 8 * k, 0)
        self.pushed[g] = True
        self._tell(f"g{g} calls a function (stack[{self._sp(g) - k}:{self._sp(g)}])")
        return True

    @step
    def pop(self, g: int) -> bool:
        if not self.pushed[g]:
            return False
        k = self.shape.frame_slots
        self._op(g, Op.POP, k, 8 * k, 0)
        self.pushed[g] = False
        self._tell(f"g{g} returns, dropping its top frame")
        return True

    # --- tracing collector steps ----------------------------------------------------------
    def _unreachable_allocated(self) -> list[tuple[int, int]]:
        h = self.st.heap
        reach = reachable(h, self.st.roots)
        objs = np.flatnonzero(h.a.sl_alloc[: h.nslots].astype(bool) & ~reach)
        return [(int(o), self.gen.get(int(o), 1)) for o in objs]

    @step
    def start_cycle(self) -> bool:
        if self.tc is None or self.phase == "mark":
            return False
        self.cycle += 1
        self.unreachable_at_start[self.cycle] = self._unreachable_allocated()
        self.tc.begin_cycle(self.st.heap, self.st.roots, self.st.cost)
        self.globals_scanned = False
        self.mark_done_seen = False
        self.phase = "mark"
        snap = " and snapshots every stack" if self.tc.policy.snapshot_stacks else ""
        self._tell(f"GC starts cycle {self.cycle} (sweep termination){snap}")
        return True

    def _take_job(self, kind: str, x: int) -> tuple[str, int, int] | None:
        assert self.tc is not None
        for job in self.tc.root_jobs:
            if job[0] == kind and (kind == "globals" or job[1] == x):
                self.tc.root_jobs.remove(job)
                return job
        return None

    @step
    def scan_stack(self, g: int) -> bool:
        if self.tc is None or self.phase != "mark" or self.mark_done_seen:
            return False
        job = self._take_job("stack", g)
        if job is None:
            return False
        self.tc.run_root_job(self.st.heap, self.st.roots, job, self.st.cost)
        self._tell(f"GC scans g{g}'s stack")
        return True

    @step
    def scan_globals(self) -> bool:
        if self.tc is None or self.phase != "mark" or self.mark_done_seen:
            return False
        job = self._take_job("globals", 0)
        if job is None:
            return False
        self.tc.run_root_job(self.st.heap, self.st.roots, job, self.st.cost)
        self.globals_scanned = True
        self._tell("GC scans the globals")
        return True

    @step
    def drain(self, k: int) -> bool:
        if self.tc is None or self.phase != "mark" or self.mark_done_seen:
            return False
        if self.st.heap.a.ctr[L.GREY_N] == 0:
            return False
        a = self.st.heap.a
        grey0 = set(a.grey[: int(a.ctr[L.GREY_N])].tolist())
        marked0 = a.sl_mark.copy()
        drain_budget(a, 1 << 62, float(k) - 0.5, self.st.cost)  # k objects: unit mark cost
        grey1 = set(a.grey[: int(a.ctr[L.GREY_N])].tolist())
        was_white = marked0 == 0
        newly = set(np.flatnonzero(was_white & (a.sl_mark[: marked0.shape[0]] != 0)).tolist())
        black = sorted((grey0 | newly) - grey1)
        greyed = sorted(newly & grey1)
        text = ", ".join(self.name(o) for o in black)
        if greyed:
            text += " (greying " + ", ".join(self.name(o) for o in greyed) + ")"
        self._tell(f"GC blackens {text}")
        return True

    @step
    def mark_done(self) -> bool:
        """A worker finds no work left (Go: gcMarkDone's transition) and the workers stop;
        the world is stopped for mark termination later (``terminate``). Mutators may run
        in between with the barrier still on, as in the simulator (``concurrent.py``:
        ``mark_done`` fires, then ``mark_termination`` stops the world)."""
        if self.tc is None or self.phase != "mark" or self.mark_done_seen:
            return False
        if not self.tc.out_of_work(self.st.heap):
            return False
        self.mark_done_seen = True
        self._tell("GC finds no mark work left (gcMarkDone) and asks to stop the world")
        return True

    @step
    def terminate(self) -> bool:
        """Mark termination, with the world stopped: at once when the collector is out of
        work, or after ``mark_done`` whatever the mutators greyed since."""
        if self.tc is None or self.phase != "mark":
            return False
        if not (self.mark_done_seen or self.tc.out_of_work(self.st.heap)):
            return False
        h, roots = self.st.heap, self.st.roots
        self.tc.terminate_mark(h, roots, self.st.cost)
        what = " after re-scanning every stack" if self.tc.policy.rescan_stacks else ""
        self._tell(f"GC terminates mark of cycle {self.cycle}{what}")
        self.failures += inv.all_reachable_marked(h, roots)
        self.failures += inv.nothing_grey(h)
        self.mark_done_seen = False
        self.tc.begin_sweep(h)
        self.phase = "sweep"
        return True

    @step
    def sweep(self, k: int) -> bool:
        if self.tc is None or self.phase != "sweep":
            return False
        a = self.st.heap.a
        freed0 = int(a.ctr[L.FREED_OBJECTS])
        sweep_some(a, k, 1e300, self.st.cost)
        freed = int(a.ctr[L.FREED_OBJECTS]) - freed0
        self._tell(f"GC sweeps {k} span(s), freeing {freed} object(s)")
        if a.ctr[L.SWEEP_PENDING] <= 0:
            self.phase = "idle"
            self._check_completeness(self.cycle - 1)
        return True

    def _check_completeness(self, c: int) -> None:
        """An object unreachable when cycle ``c`` started is freed by now: by the end of
        the next cycle's sweep (concurrent), or of its own (stop-the-world)."""
        a = self.st.heap.a
        for obj, gen in self.unreachable_at_start.pop(c, []):
            if self.gen.get(obj, 1) == gen and a.sl_alloc[obj]:
                self.failures.append(
                    f"{self.name(obj)} was unreachable when cycle {c} started but is still "
                    f"allocated after cycle {self.cycle}'s sweep"
                )

    # --- stop-the-world step ---------------------------------------------------------------
    @step
    def stw_collect(self) -> bool:
        """A whole stop-the-world cycle, as ``StopTheWorld.collect`` runs it: mark from the
        roots, check, sweep every span. No mutator step can come in between."""
        if not self.stw:
            return False
        h, roots = self.st.heap, self.st.roots
        self.cycle += 1
        self.unreachable_at_start[self.cycle] = self._unreachable_allocated()
        mark_from_roots(h, roots, self.st.cost)
        self.failures += inv.all_reachable_marked(h, roots)
        _, freed, _, _ = sweep_world(h, self.st.cost)
        self._tell(f"GC stops the world, marks and sweeps (cycle {self.cycle}), freeing {freed}")
        self._check_completeness(self.cycle)  # freed by this very sweep
        return True

    # --- reference-counting steps ---------------------------------------------------------
    @step
    def rc_reconcile(self) -> bool:
        if self.rc is None or not self.rc.deferred:
            return False
        n, _ = reconcile(
            self.st.heap.a, self.st.roots.stack_slots(), self.st.heap.work, self.st.cost
        )
        self._tell(f"RC reconciles the zero count table, freeing {int(n)} object(s)")
        return True

    @step
    def rc_collect_cycles(self) -> bool:
        if self.rc is None or not self.rc.cycle_collection:
            return False
        a = self.st.heap.a
        stacks = self.st.roots.stack_slots()
        if self.rc.deferred:
            count_stack_refs(a, stacks, 1)
        n, _, _, _ = collect_cycles(a, self.st.heap.work, self.st.cost)
        if self.rc.deferred:
            count_stack_refs(a, stacks, -1)
        self._tell(f"RC collects cycles, freeing {int(n)} object(s)")
        return True

    # --- invariants -----------------------------------------------------------------------
    def check(self) -> list[str]:
        """Everything that must hold after any step; [] when it does."""
        h, roots = self.st.heap, self.st.roots
        out = list(self.failures)
        out += inv.safety(h, roots)
        out += inv.allocator_accounting(h)
        if self.rc is not None:
            out += inv.rc_counts(h, roots, count_stacks=not self.rc.deferred)
        if self.tc is not None and self.phase == "mark":
            scanned, grey_stacks, grey_globals = self._root_colours()
            kept = barriers.get(self.tc.policy.barrier).invariant  # what the barrier promises
            if kept == "strong":
                out += inv.strong_tricolour(h, roots, scanned)
            elif kept == "weak":
                out += inv.weak_tricolour(h, roots, scanned, grey_stacks, grey_globals)
        return out

    def report(self, failures: list[str]) -> str:
        steps = "\n".join(f"  {i + 1:2d}. {line}" for i, line in enumerate(self.story))
        return f"safety violation after {len(self.story)} steps:\n{steps}\n" + "\n".join(
            f"  => {f}" for f in failures
        )
