"""The public conformance checker: the contract every workload, collector, barrier and
pacer keeps, runnable on a plugin (``gclab check-plugin NAME``, or ``check(name)`` in a
test).

Rules: a check runs the plugin against every registered partner of the other kinds (a
workload under every collector; a collector on every workload; a barrier in the concurrent
collector on every workload; a pacer with the concurrent and stop-the-world collectors on
every workload), at smoke size (``smoke_params``) with the reachability oracle on, and
reports what broke as one line per problem, never an exception. A barrier is also explored
exhaustively (``checking.explore``, the ``test`` scope: every interleaving of a small heap)
with the invariant it declares asserted at every state, which finds in seconds what random
runs may miss. Problems:

- safety: at every collector checkpoint every reachable object is allocated, and no access
  goes through a freed slot;
- progress: the run ends, a tracing collector runs at least one cycle, garbage is freed;
- determinism: the same config and seed give the same summary;
- accounting: fractions in [0, 1], pauses ordered, no GC CPU without a cycle, a heap goal
  whenever cycles run (GOGC on).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from framework import collectors, pacer, workloads

KINDS = ("workload", "collector", "barrier", "pacer")
EXPLORE_SECONDS = 120.0  # the exhaustive barrier check's time limit


@dataclass
class Report:
    kind: str
    name: str
    runs: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        head = f"{self.kind} {self.name!r}: {self.runs} runs, "
        if self.ok:
            return head + "conforms (safety, progress, determinism, accounting)"
        return (
            head
            + f"{len(self.problems)} problem(s):\n"
            + "\n".join(f"  - {p}" for p in self.problems)
        )


def names_of(kind: str) -> list[str]:
    """The registered names of ``kind``."""
    from framework.collectors import barriers

    reg = {"workload": workloads, "collector": collectors, "barrier": barriers, "pacer": pacer}
    return reg[kind].names()


def kind_of(name: str) -> str:
    """Which registry ``name`` is in; ``KeyError`` naming what exists if none."""
    from framework.collectors import barriers

    regs = (("workload", workloads), ("collector", collectors), ("barrier", barriers))
    for kind, reg in (*regs, ("pacer", pacer)):
        if name in reg.names():
            return kind
    every = sorted({*workloads.names(), *collectors.names(), *barriers.names(), *pacer.names()})
    raise KeyError(
        f"{name!r} is not a registered workload, collector, barrier or pacer; known: {every}"
    )


def _config(
    workload: str, collector: str, pacer_name: str, barrier: str, seed: int
) -> dict[str, Any]:
    run: dict[str, Any] = {"seed": seed, "gomaxprocs": 2, "max_sim_time_ms": 400.0}
    col: dict[str, Any] = {"name": collector}
    gogc = 10  # a small floor: smoke runs collect
    if barrier:  # a barrier under test: stores must fall inside mark phases
        col |= {"barrier": barrier, "worker_slice_us": 2.0, "assists": False}
        run |= {"gomaxprocs": 4, "quantum_us": 2.0}
        gogc = 1
    return {
        "run": run,
        "workload": {"name": workload, **workloads.get(workload).smoke_params},
        "collector": col,
        "pacer": {"name": pacer_name, "gogc": gogc},
    }


def _plan(kind: str, name: str) -> list[tuple[str, str, str, str]]:
    """(workload, collector, pacer, barrier or "") the check runs."""
    p0 = pacer.DEFAULT
    if kind == "workload":
        return [(name, c, p0, "") for c in collectors.names()]
    if kind == "collector":
        return [(w, name, p0, "") for w in workloads.names()]
    if kind == "barrier":
        return [(w, "concurrent", p0, name) for w in workloads.names()]
    return [(w, c, name, "") for w in workloads.names() for c in ("concurrent", "stw")]


def _problems(tag: str, data: dict[str, Any], barrier_run: bool = False) -> list[str]:
    from framework.config import parse_config
    from framework.simulation import simulate

    cfg = parse_config(data, tag)
    try:
        r = simulate(cfg, verify=True)
    except Exception as e:  # the plugin's own failure is a finding, not a crash
        return [f"{tag}: the run raised {type(e).__name__}: {e}"]
    s = r.summary
    out = [f"{tag}: unsafe: {v}" for v in r.violations[:3]]
    caps = collectors.get(cfg.collector.name).capabilities
    traces = caps.traces
    if not caps.needs_barrier and s["barrier_calls"] > 0:
        out.append(f"{tag}: declares no barrier (capabilities) but ran {s['barrier_calls']}")
    if getattr(cfg.collector, "barrier", "") not in ("", "none") and s["gc_cycles"] >= 1:
        if s["barrier_calls"] <= 0:
            out.append(f"{tag}: the barrier never ran during a mark phase")
    if traces and s["gc_cycles"] < 1:
        out.append(f"{tag}: no GC cycle ran (progress)")
    if s["objects_freed"] <= 0 and s["gc_cycles"] >= 1 and not barrier_run:
        out.append(f"{tag}: cycles ran but nothing was freed (progress)")
    if s["dangling_accesses"]:
        out.append(f"{tag}: {s['dangling_accesses']} accesses through freed slots (safety)")
    if not 0 <= s["gc_cpu_fraction"] < 1 or not 0 < s["mutator_utilization"] <= 1:
        out.append(f"{tag}: fractions out of range (accounting)")
    if s["gc_cycles"] == 0 and s["gc_cpu_fraction"] > 0 and traces:
        out.append(f"{tag}: GC CPU without a cycle (accounting)")
    if not s["pause_max_ns"] >= s["pause_p50_ns"] >= 0:
        out.append(f"{tag}: pause statistics out of order (accounting)")
    if traces and s["gc_cycles"] >= 1 and not s["heap_goal_mean_bytes"] > 0:
        out.append(f"{tag}: cycles ran without a heap goal (pacer)")
    again = simulate(cfg).summary
    a, b = dict(s), dict(again)
    a.pop("wall_s"), b.pop("wall_s")
    a.pop("checkpoints", None), b.pop("checkpoints", None)
    if json.dumps(a, sort_keys=True, default=str) != json.dumps(b, sort_keys=True, default=str):
        out.append(f"{tag}: the same config and seed gave different results (determinism)")
    return out


def check(name: str, kind: str | None = None, seed: int = 1) -> Report:
    """Run the conformance checks on the registered plugin ``name``."""
    kind = kind or kind_of(name)
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r}: allowed: {', '.join(KINDS)}")
    rep = Report(kind, name)
    for w, c, p, b in _plan(kind, name):
        tag = f"{w} / {c}{':' + b if b else ''} / {p}"
        rep.problems += _problems(tag, _config(w, c, p, b, seed), barrier_run=bool(b))
        rep.runs += 1
    if kind == "barrier":
        rep.problems += _explore_barrier(name)
        rep.runs += 1
    return rep


def _explore_barrier(name: str) -> list[str]:
    """Every interleaving of the ``test`` scope, the barrier's declared invariant and
    safety checked at every state."""
    from framework.checking.explore import TEST, Design, explore
    from framework.collectors.barriers import get
    from framework.collectors.tricolour import Policy

    design = Design(name, True, get(name).note, Policy.for_barrier(name))
    r = explore(design, TEST, time_limit=EXPLORE_SECONDS)
    if r.trace is not None:
        return [f"exhaustive check (scope test): {r.story}"]
    if not r.complete:
        return [f"exhaustive check (scope test): not finished in {EXPLORE_SECONDS:.0f} s"]
    return []


def assert_conforms(name: str, kind: str | None = None) -> None:
    """For plugin authors' tests: ``assert_conforms("my_pacer")`` fails with the report."""
    rep = check(name, kind)
    assert rep.ok, str(rep)
