"""Exhaustive small-scope exploration of the step driver: every interleaving of mutator and
collector steps, breadth-first up to a depth bound, on the real heap tables, kernels and
``TriColour`` code (``driver.py``), with every invariant the state machine checks
(``CheckDriver.check``) checked at every state.

Rules:

- States are ``codec`` keys: exact, canonical where nothing can tell the difference.
- Breadth-first order makes the first violation found a shortest one.
- The reduction is sleep sets (Godefroid 1996) with a conservative, state-dependent
  independence relation from read/write footprints (``Steps``). Sleep sets prune
  transitions, never states: every state reachable within the bound is visited at its
  shortest depth (docs/checking.md has the argument), so "no violation in N states" counts
  every state, and a shortest counterexample stays shortest.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from framework.checking.codec import Codec, Key
from framework.checking.driver import CheckDriver, Shape
from framework.collectors.rc import RcParams
from framework.collectors.tricolour import Policy
from framework.runtime import layout as L


# --- the scope and the designs ----------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """How small the world is. ``objects`` bounds the allocated objects (garbage not yet
    swept included); ``cycles`` bounds the collection cycles started."""

    goroutines: int = 2
    slots: int = 2  # stack slots of each goroutine's base frame
    frame_slots: int = 0  # slots of an optional second frame (0: no calls)
    globals: int = 2
    fields: int = 2
    objects: int = 3
    cycles: int = 1

    def __post_init__(self) -> None:
        for k in ("goroutines", "slots", "globals", "fields", "objects", "cycles"):
            if getattr(self, k) < 1:
                raise ValueError(f"scope.{k} must be at least 1")
        if self.frame_slots < 0:
            raise ValueError("scope.frame_slots must be at least 0")

    @property
    def shape(self) -> Shape:
        return Shape(
            goroutines=self.goroutines,
            base_slots=self.slots,
            frame_slots=self.frame_slots,
            globals=self.globals,
            fields=self.fields,
        )

    def describe(self) -> str:
        frame = f" (+{self.frame_slots} in a call)" if self.frame_slots else ""
        return (
            f"{self.goroutines} goroutines x {self.slots} stack slots{frame}, "
            f"{self.globals} globals, {self.objects} objects x {self.fields} fields, "
            f"{self.cycles} cycle(s)"
        )


GO_WEAVE = Scope()  # go-weave's yuasa model: 2 mutators, 3 objects x 2 slots, one cycle
LARGER = Scope(goroutines=3, slots=2, frame_slots=1, globals=2, fields=2, objects=4, cycles=2)
TEST = Scope(goroutines=1, slots=2, globals=1, fields=1, objects=2, cycles=1)  # make test's
# the state machine's SMALL shape (tests/checking/test_statemachine.py), at most 3 objects
SMALL = Scope(goroutines=1, slots=2, frame_slots=1, globals=1, fields=2, objects=3, cycles=1)
SCOPES = {"go-weave": GO_WEAVE, "larger": LARGER, "small": SMALL, "test": TEST}


@dataclass(frozen=True)
class Design:
    name: str
    safe: bool
    note: str
    policy: Policy | None = None
    rc: RcParams | None = None
    stw: bool = False

    def driver(self, scope: Scope) -> CheckDriver:
        return CheckDriver(policy=self.policy, rc=self.rc, shape=scope.shape, stw=self.stw)


def _p(barrier: str, **kw: Any) -> Policy:
    return Policy.for_barrier(barrier, **kw)


DESIGNS: dict[str, Design] = {
    d.name: d
    for d in [
        Design("stw", True, "stop-the-world mark-sweep", stw=True),
        Design("dijkstra", True, "insertion barrier, stacks re-scanned", _p("dijkstra")),
        Design("yuasa", True, "deletion barrier, stack snapshot", _p("yuasa")),
        Design("hybrid", True, "Go 1.8+ hybrid barrier", _p("hybrid")),
        Design("hybrid-go", True, "Go's gcWriteBarrier: both halves always", _p("hybrid-go")),
        Design(
            "dijkstra-white",
            True,
            "dijkstra allocating white",
            _p("dijkstra", allocate_black=False),
        ),
        Design("rc", True, "eager reference counting", rc=RcParams()),
        Design("rc-deferred", True, "deferred RC", rc=RcParams(deferred=True)),
        Design("rc-cycles", True, "RC with trial deletion", rc=RcParams(cycle_collection=True)),
        Design(
            "rc-deferred-cycles",
            True,
            "deferred RC with trial deletion",
            rc=RcParams(deferred=True, cycle_collection=True),
        ),
        Design("none", False, "no barrier", _p("none")),
        Design(
            "dijkstra-no-rescan",
            False,
            "dijkstra without the re-scan",
            _p("dijkstra", rescan_stacks=False),
        ),
        Design(
            "hybrid-no-deletion",
            False,
            "hybrid without its deletion half",
            _p("hybrid", barrier_without="deletion"),
        ),
        Design(
            "hybrid-no-insertion",
            False,
            "hybrid without its insertion half (= yuasa without the snapshot)",
            _p("hybrid", barrier_without="insertion"),
        ),
        Design(
            "hybrid-white", False, "hybrid allocating white", _p("hybrid", allocate_black=False)
        ),
        Design("yuasa-white", False, "yuasa allocating white", _p("yuasa", allocate_black=False)),
        Design(
            "hybrid-globals-unbarriered",
            False,
            "hybrid, global stores not barriered",
            _p("hybrid", barrier_on_globals=False),
        ),
        Design(
            "dijkstra-globals-unbarriered",
            False,
            "dijkstra, global stores not barriered",
            _p("dijkstra", barrier_on_globals=False),
        ),
        Design(
            "yuasa-globals-unbarriered",
            False,
            "yuasa, global stores not barriered",
            _p("yuasa", barrier_on_globals=False),
        ),
        Design(
            "hybrid-skip-g0", False, "hybrid forgetting g0's stack", _p("hybrid", skip_stack_of=0)
        ),
        Design(
            "dijkstra-skip-g0",
            False,
            "dijkstra forgetting g0's stack",
            _p("dijkstra", skip_stack_of=0),
        ),
        Design("yuasa-skip-g0", False, "yuasa forgetting g0's stack", _p("yuasa", skip_stack_of=0)),
    ]
}


# --- steps and their footprints ---------------------------------------------------------------
Label = tuple[str, tuple[Any, ...]]
GC, ALLOC = 1, 2  # footprint bits: the collector's state; the allocator (and alloc bits)
ALL = -1  # a step that reads and writes everything (a stop, a cycle start, RC counting)


class Steps:
    """The steps enabled in a state, each with its footprint: a bit set of what it reads or
    writes (``rw``) and of what it writes (``w``). Two steps are independent when neither
    writes what the other touches; independent steps commute (the diamond property, tested
    in ``tests/checking/test_explore.py``).

    Locations: the collector (marks, grey queue, root jobs, phase, stack colours); the
    allocator (spans, alloc bits, object counts); each goroutine's frame pointer; each stack
    slot; each global; each heap field. Deliberately coarse where cheap to be: a store under
    an armed barrier touches the whole collector state, reference counting and any stop of
    the world touch everything. Duplicate operands are dropped (a source slot holding the
    same pointer as a lower one, nil sources but one), and so are loads and moves that
    would change nothing; the dropped step's effect is another enabled step's, and a step's
    footprint reads every slot its operands were chosen by.
    """

    def __init__(self, design: Design, scope: Scope) -> None:
        self.design, self.scope = design, scope
        ng, depth = scope.goroutines, scope.slots + scope.frame_slots
        self.depth = depth
        slot0 = 2 + ng
        self.glob0 = slot0 + ng * depth
        self.field0 = self.glob0 + scope.globals
        self.sp_bit = [1 << (2 + g) for g in range(ng)]
        self.slot_bit = [[1 << (slot0 + g * depth + i) for i in range(depth)] for g in range(ng)]
        # bits of stack slots 0..i of g
        self.upto = [
            [((1 << (i + 1)) - 1) << (slot0 + g * depth) for i in range(depth)] for g in range(ng)
        ]
        self.glob_bit = [1 << (self.glob0 + i) for i in range(scope.globals)]
        self.rc = design.rc
        self.exact = design.rc is not None  # RC: no-op skipping is not safe (counts move)
        self.labels: dict[Label, int] = {}
        self.names: list[Label] = []
        r = range(depth)
        src_opts = [None, *r]
        F, G = range(scope.fields), range(scope.globals)
        lid = self.lid
        self.l_alloc = [[lid(("alloc", (g, s))) for s in r] for g in range(ng)]
        self.l_store = [
            [[{x: lid(("store", (g, s, f, x))) for x in src_opts} for f in F] for s in r]
            for g in range(ng)
        ]
        self.l_gstore = [
            [{x: lid(("gstore", (g, i, x))) for x in src_opts} for i in G] for g in range(ng)
        ]
        self.l_load = [
            [[[lid(("load", (g, dst, s, f))) for f in F] for s in r] for dst in r]
            for g in range(ng)
        ]
        self.l_gload = [[[lid(("gload", (g, dst, i))) for i in G] for dst in r] for g in range(ng)]
        self.l_clear = [[lid(("clear", (g, s))) for s in r] for g in range(ng)]
        self.l_move = [[[lid(("move", (g, dst, x))) for x in r] for dst in r] for g in range(ng)]
        self.l_push = [lid(("push", (g,))) for g in range(ng)]
        self.l_pop = [lid(("pop", (g,))) for g in range(ng)]
        self.l_scan = [lid(("scan_stack", (g,))) for g in range(ng)]
        self.l_globals = lid(("scan_globals", ()))
        self.l_start = lid(("start_cycle", ()))
        self.l_sweep = lid(("sweep", (1,)))
        self.l_drain = lid(("drain", (1,)))
        self.l_done = lid(("mark_done", ()))
        self.l_term = lid(("terminate", ()))
        self.l_stw = lid(("stw_collect", ()))
        self.l_reconcile = lid(("rc_reconcile", ()))
        self.l_cycles = lid(("rc_collect_cycles", ()))

    def lid(self, label: Label) -> int:
        k = self.labels.get(label)
        if k is None:
            k = self.labels[label] = len(self.names)
            self.names.append(label)
        return k

    def field(self, o: int, f: int) -> int:
        return 1 << (self.field0 + o * self.scope.fields + f)

    def enabled(self, d: CheckDriver) -> list[tuple[int, int, int]]:
        """(label id, rw bits, w bits) of every enabled step, in a fixed order."""
        sc = self.scope
        out: list[tuple[int, int, int]] = []
        add = out.append
        tc = d.tc
        a = d.st.heap.a
        ctr = a.ctr
        nfld = sc.fields
        if tc is not None:
            if d.phase != "mark":
                if d.cycle < sc.cycles:
                    add((self.l_start, ALL, ALL))
                if d.phase == "sweep":
                    add((self.l_sweep, GC | ALLOC, GC | ALLOC))
            elif not d.mark_done_seen:
                for kind, x, _ in sorted(tc.root_jobs):
                    if kind == "globals":
                        add((self.l_globals, GC | sum(self.glob_bit), GC))
                    else:
                        sp = d.st.roots.goroutines[x].sp
                        bits = GC | self.sp_bit[x] | (self.upto[x][sp - 1] if sp else 0)
                        add((self.l_scan[x], bits, GC))
                gn = int(ctr[L.GREY_N])
                if gn:
                    top = int(a.grey[gn - 1])
                    k = int(a.sl_nfields[top])
                    fb = ((1 << k) - 1) << (self.field0 + top * nfld)
                    add((self.l_drain, GC | fb, GC))
                elif not tc.root_jobs:
                    add((self.l_done, GC, GC))
                    add((self.l_term, ALL, ALL))
            else:
                add((self.l_term, ALL, ALL))
        if d.stw and d.cycle < sc.cycles:
            add((self.l_stw, ALL, ALL))
        rc = self.rc
        if rc is not None:
            if rc.deferred:
                add((self.l_reconcile, ALL, ALL))
            if rc.cycle_collection:
                add((self.l_cycles, ALL, ALL))
        barrier = tc is not None and int(ctr[L.BARRIER]) != 0
        gbarrier = barrier and int(ctr[L.BARRIER_GLOBALS]) != 0
        counted = rc is not None  # heap and global stores change counts
        stack_counted = rc is not None and not rc.deferred
        exact = self.exact
        can_alloc = int(ctr[L.OBJECTS]) < sc.objects
        fields = a.fields
        globs = d.st.roots.globals.tolist()
        field0 = self.field0
        for g, gor in enumerate(d.st.roots.goroutines):
            sp = gor.sp
            st = gor.stack[:sp].tolist()
            spb = self.sp_bit[g]
            sbit = self.slot_bit[g]
            upto = self.upto[g]
            holders: list[tuple[int, int]] = []  # (object, first slot holding it)
            seen: set[int] = set()
            for i, v in enumerate(st):
                if v >= 0 and v not in seen:
                    seen.add(v)
                    holders.append((v, i))
            srcs = [(None, 0)] + [(i, upto[i]) for _, i in holders]
            if can_alloc:
                la = self.l_alloc[g]
                for s in range(sp):
                    bits = ALL if counted else GC | ALLOC | spb | sbit[s]
                    add((la[s], bits, bits))
            ls = self.l_store[g]
            for obj, s in holders:
                sb = spb | upto[s]
                base = field0 + obj * nfld
                for f in range(nfld):
                    fb = 1 << (base + f)
                    lsf = ls[s][f]
                    for src, srb in srcs:
                        if counted:
                            add((lsf[src], ALL, ALL))
                        elif barrier:
                            add((lsf[src], GC | sb | srb | fb, GC | fb))
                        else:
                            add((lsf[src], sb | srb | fb, fb))
            lg = self.l_gstore[g]
            for i, gb in enumerate(self.glob_bit):
                lgi = lg[i]
                for src, srb in srcs:
                    if counted:
                        add((lgi[src], ALL, ALL))
                    elif gbarrier:
                        add((lgi[src], GC | spb | srb | gb, GC | gb))
                    else:
                        add((lgi[src], spb | srb | gb, gb))
            ll = self.l_load[g]
            for obj, s in holders:
                sb = spb | upto[s]
                base = field0 + obj * nfld
                vals = fields[obj].tolist()
                for f in range(nfld):
                    v = vals[f]
                    fb = 1 << (base + f)
                    for dst in range(sp):
                        if stack_counted:
                            add((ll[dst][s][f], ALL, ALL))
                        elif exact or st[dst] != v:
                            db = sbit[dst]
                            add((ll[dst][s][f], sb | fb | db, db))
            lgl = self.l_gload[g]
            for i, gb in enumerate(self.glob_bit):
                v = globs[i]
                for dst in range(sp):
                    if stack_counted:
                        add((lgl[dst][i], ALL, ALL))
                    elif exact or st[dst] != v:
                        db = sbit[dst]
                        add((lgl[dst][i], spb | gb | db, db))
            lc = self.l_clear[g]
            for s in range(sp):
                if st[s] >= 0:
                    if stack_counted:
                        add((lc[s], ALL, ALL))
                    else:
                        add((lc[s], spb | sbit[s], sbit[s]))
            lm = self.l_move[g]
            for obj, src in holders:
                srb = upto[src]
                for dst in range(sp):
                    if dst != src and (exact or st[dst] != obj):
                        if stack_counted:
                            add((lm[dst][src], ALL, ALL))
                        else:
                            db = sbit[dst]
                            add((lm[dst][src], spb | srb | db, db))
            if sc.frame_slots:
                frame = spb | upto[self.depth - 1]
                if d.pushed[g]:
                    bits = ALL if stack_counted else frame
                    add((self.l_pop[g], bits, bits))
                else:
                    add((self.l_push[g], frame, frame))
        return out


def independent(rw1: int, w1: int, rw2: int, w2: int) -> bool:
    return not (w1 & rw2 or w2 & rw1)


# --- the search -------------------------------------------------------------------------------
@dataclass
class Level:
    depth: int
    states: int  # new states at this depth
    transitions: int  # steps executed to expand the previous depth
    seconds: float  # since the search began


@dataclass
class Result:
    design: str
    scope: Scope
    reduced: bool
    states: int = 0  # distinct states up to ``depth`` (every one checked)
    checked: int = 0  # states checked, a level cut short by a limit included
    transitions: int = 0  # steps executed
    depth: int = 0  # every state up to this depth was visited and checked
    complete: bool = False  # no new state at depth + 1: the whole state space
    seconds: float = 0.0
    levels: list[Level] = field(default_factory=list)
    trace: list[Label] | None = None  # a shortest violating run
    story: str = ""  # ... told as the state machine tells it
    failures: list[str] = field(default_factory=list)
    stopped: str = ""  # why the search stopped early ("time", "states"), or ""

    @property
    def violation(self) -> bool:
        return self.trace is not None

    @property
    def rate(self) -> float:
        """States checked per second."""
        return self.checked / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        speed = f"{self.transitions:,} steps, {self.seconds:.1f} s, {self.rate:,.0f} states/s"
        if self.trace is not None:
            return (
                f"{self.design}: violation after {len(self.trace)} steps, a shortest run "
                f"({self.states:,} states; {speed})"
            )
        whole = " (the whole state space)" if self.complete else ""
        more = self.checked - self.states
        cut = ""
        if self.stopped:
            cut = f" (the {self.stopped} limit stopped depth {self.depth + 1} at {more:,} states)"
        return (
            f"{self.design}: no violation in all {self.states:,} states up to depth "
            f"{self.depth}{whole}{cut}; {speed}"
        )


def _design(design: str | Design) -> Design:
    if isinstance(design, Design):
        return design
    if design not in DESIGNS:
        raise ValueError(f"unknown design {design!r}; known: {', '.join(DESIGNS)}")
    return DESIGNS[design]


def replay(design: str | Design, scope: Scope, trace: list[Label]) -> tuple[CheckDriver, list[str]]:
    """Run ``trace`` on a fresh driver, checking after every step; stop at a failure."""
    d = _design(design).driver(scope)
    for name, args in trace:
        if not getattr(d, name)(*args):
            raise RuntimeError(f"replay: step {name}{args} refused")
        failures = d.check()
        if failures:
            return d, failures
    return d, []


def explore(
    design: str | Design,
    scope: Scope = GO_WEAVE,
    max_depth: int = 1 << 30,
    *,
    reduce: bool = True,
    time_limit: float | None = None,
    max_states: int | None = None,
    progress: Callable[[Level], None] | None = None,
    visit: Callable[[CheckDriver, int], None] | None = None,
) -> Result:
    """Breadth-first search of every interleaving of ``design`` in ``scope`` up to
    ``max_depth`` steps, checking every invariant at every state; stops at the first
    violation (a shortest one). ``reduce`` turns sleep sets on; ``visit(driver, depth)`` sees
    every new state (for tests and coverage counts)."""
    des = _design(design)
    t0 = time.perf_counter()
    d = des.driver(scope)
    codec = Codec(exact=des.rc is not None)
    steps = Steps(des, scope)
    res = Result(des.name, scope, reduce)
    k0 = codec.key(d)
    visited: set[Key] = {k0}
    res.states = 1
    res.levels.append(Level(0, 1, 0, time.perf_counter() - t0))
    if visit is not None:
        visit(d, 0)
    fail = d.check()
    if fail:  # pragma: no cover - the empty heap is safe
        res.trace, res.failures = [], fail
        return res
    # frontier: key -> (sleep set, path node); a path node is (parent node, label id)
    level: dict[Key, tuple[frozenset[int], Any]] = {k0: (frozenset(), None)}
    live: Key | None = k0
    empty: frozenset[int] = frozenset()
    while level and res.depth < max_depth:
        nxt: dict[Key, tuple[frozenset[int], Any]] = {}
        trans0 = res.transitions
        for key, (sleep, node) in level.items():
            codec.restore(d, key, live)
            live = key
            enabled = steps.enabled(d)
            done: list[tuple[int, int, int]] = []  # explored here, in order
            sleeping = [e for e in enabled if e[0] in sleep] if reduce else []
            for lab, rw, w in enabled:
                if reduce and lab in sleep:
                    continue
                name, args = steps.names[lab]
                if live != key:
                    codec.restore(d, key, live)
                if not getattr(d, name)(*args):  # pragma: no cover - enabled() agrees
                    raise RuntimeError(f"step {name}{args} refused in an explored state")
                res.transitions += 1
                k2 = codec.key(d)
                live = k2
                if reduce:
                    zs = frozenset(
                        u for u, urw, uw in (*sleeping, *done) if not (uw & rw or w & urw)
                    )
                else:
                    zs = empty
                done.append((lab, rw, w))
                if k2 in nxt:
                    if reduce:
                        nxt[k2] = (nxt[k2][0] & zs, nxt[k2][1])
                    continue
                if k2 in visited:
                    continue
                visited.add(k2)
                res.states += 1
                child = (node, lab)
                if visit is not None:
                    visit(d, res.depth + 1)
                fail = d.check()
                if fail:
                    res.trace = _path(child, steps)
                    res.failures = fail
                    res.depth += 1
                    res.checked = res.states
                    res.seconds = time.perf_counter() - t0
                    _tell(res, des, scope)
                    return res
                nxt[k2] = (zs, child)
                if max_states is not None and res.states >= max_states:
                    res.stopped = "states"
                    break
                if time_limit is not None and (res.transitions & 63) == 0:
                    if time.perf_counter() - t0 > time_limit:
                        res.stopped = "time"
                        break
            if res.stopped:
                break
        if res.stopped:  # the proof covers the levels completed; the partial one is dropped
            res.checked = res.states
            res.states = sum(lv.states for lv in res.levels)
            break
        if not nxt:  # no new state one step further: the whole state space
            res.complete = True
            break
        res.depth += 1
        lv = Level(res.depth, len(nxt), res.transitions - trans0, time.perf_counter() - t0)
        res.levels.append(lv)
        if progress is not None:
            progress(lv)
        level = nxt
    res.seconds = time.perf_counter() - t0
    res.checked = max(res.checked, res.states)
    return res


def _path(node: Any, steps: Steps) -> list[Label]:
    out: list[Label] = []
    while node is not None:
        node, lab = node
        out.append(steps.names[lab])
    return out[::-1]


def _tell(res: Result, des: Design, scope: Scope) -> None:
    """Replay the violating run on a fresh driver and tell it as the state machine does."""
    assert res.trace is not None
    d, failures = replay(des, scope, res.trace)
    if not failures:  # pragma: no cover - a canonical form that is not one
        raise RuntimeError("the violating run does not violate when replayed")
    res.failures = failures
    res.story = d.report(failures)
