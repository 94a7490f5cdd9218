"""Fitting ``[cost]`` to reference runs: simulate, read the ledgers, solve, repeat.

One round: simulate every training run with the current costs; build, per run, one linear
equation for its mark CPU and one for its other CPU (``framework.calibrate.model``), each
divided by Go's figure so that every run weighs the same; add a weak prior pulling each
parameter towards its starting value (so costs the runs cannot tell apart stay put); solve
the bounded least-squares problem (``scipy.optimize.lsq_linear``, costs >= 0). The pause
parameters are solved the same way from each run's median pauses. Counts depend a little
on the costs (a slower mutator allocates less during each mark phase), so the rounds repeat
until no parameter moves by more than ``tol`` (relative), or ``rounds`` ran.

Rules: held-out runs never enter an equation; they are simulated with the final costs and
reported apart. Results depend only on the runs, the starting costs and the options.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import lsq_linear

from framework.calibrate import model as M
from framework.calibrate.reference import ReferenceRun

PRIOR_WEIGHT = 0.05  # one equation's weight is 1 (a relative error); the prior's is this
TARGETS = ("mark_cpu", "other_cpu", "stw_sweep_term_p50", "stw_mark_term_p50")


@dataclass
class Fit:
    cost: dict[str, float]  # the fitted [cost] table
    rounds: int
    history: list[dict[str, float]] = field(default_factory=list)  # parameters per round
    train: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    holdout: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    # per run: {"go": targets, "sim": measured}


def simulate_run(config: dict[str, Any]) -> dict[str, Any]:
    """Simulate one config; the summary plus a digest of its pauses (phase, time to
    safepoint, own work = duration - ttsp - fixed stop cost)."""
    from framework.config import parse_config
    from framework.metrics import summarize
    from framework.simulation import build

    machine = build(parse_config(config))
    log = machine.run()
    s = summarize(log)
    fixed = machine.stw_cost_ns()
    s["pauses"] = [
        {
            "phase": p.phase,
            "ttsp_ns": p.ttsp_ns,
            "work_ns": max(0.0, p.duration_ns - p.ttsp_ns - fixed),
        }
        for p in log.pauses
    ]
    s.pop("mmu", None)
    s.pop("bmu", None)
    return s


def _with_cost(run: ReferenceRun, cost: dict[str, float]) -> dict[str, Any]:
    data = copy.deepcopy(run.config)
    data["cost"] = dict(cost)
    return data


def simulate_all(
    runs: list[ReferenceRun], cost: dict[str, float], jobs: int = 1
) -> dict[str, dict[str, Any]]:
    """Every run simulated with ``cost`` (in ``jobs`` processes)."""
    configs = [_with_cost(r, cost) for r in runs]
    if jobs > 1 and len(runs) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            out = list(ex.map(simulate_run, configs))
    else:
        out = [simulate_run(c) for c in configs]
    return {r.name: s for r, s in zip(runs, out, strict=True)}


def _solve(
    rows: list[np.ndarray], rhs: list[float], params: tuple[M.Param, ...], start: dict[str, float]
) -> dict[str, float]:
    """Bounded least squares with a weak prior towards ``start``."""
    k = len(params)
    A, b = list(rows), list(rhs)
    for i, p in enumerate(params):
        scale = start[p.name] if start[p.name] > 0 else p.scale
        row = np.zeros(k)
        row[i] = PRIOR_WEIGHT / scale
        A.append(row)
        b.append(PRIOR_WEIGHT * start[p.name] / scale)
    sol = lsq_linear(np.array(A), np.array(b), bounds=(0.0, np.inf), method="bvls")
    return {p.name: float(v) for p, v in zip(params, sol.x, strict=True)}


def linear_rows(
    run: ReferenceRun, s: dict[str, Any], cost: dict[str, float]
) -> tuple[list[np.ndarray], list[float]]:
    """The run's mark-CPU and other-CPU equations, relative to Go's figures."""
    target = run.target()
    names = [p.name for p in M.LINEAR]
    rows, rhs = [], []
    mark = M.mark_features(s)
    if target["mark_cpu"] > 0:
        rows.append(np.array([mark.get(n, 0.0) for n in names]) / target["mark_cpu"])
        rhs.append(1.0)
    if "other_cpu" in target and target["other_cpu"] > 0:
        other = M.other_features(s)
        rows.append(np.array([other.get(n, 0.0) for n in names]) / target["other_cpu"])
        rhs.append(1.0 - M.other_fixed_ns(s, cost) / target["other_cpu"])
    return rows, rhs


def stw_rows(run: ReferenceRun, s: dict[str, Any]) -> tuple[list[np.ndarray], list[float]]:
    """The run's median-pause equations, one per phase, relative to Go's."""
    target = run.target()
    rows, rhs = [], []
    for phase, key in (
        ("sweep_termination", "stw_sweep_term_p50"),
        ("mark_termination", "stw_mark_term_p50"),
    ):
        coef, work = M.stw_features(s, phase, run.procs)
        if not coef or not target[key] > 0:
            continue
        rows.append(np.array([coef.get(p.name, 0.0) for p in M.STW]) / target[key])
        rhs.append(1.0 - work / target[key])
    return rows, rhs


def calibrate(
    train: list[ReferenceRun],
    holdout: list[ReferenceRun],
    start_cost: dict[str, float],
    *,
    rounds: int = 4,
    tol: float = 0.02,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Fit:
    """Fit the cost parameters to ``train``; report ``train`` and ``holdout`` with them."""
    say = progress or (lambda _msg: None)
    cost = dict(start_cost)
    history = [M.values(cost)]
    sims: dict[str, dict[str, Any]] = {}
    done = 0
    for done in range(1, rounds + 1):
        say(f"round {done}: simulating {len(train)} runs")
        sims = simulate_all(train, cost, jobs)
        current = M.values(cost)
        rows: list[np.ndarray] = []
        rhs: list[float] = []
        srows: list[np.ndarray] = []
        srhs: list[float] = []
        for run in train:
            r, b = linear_rows(run, sims[run.name], cost)
            rows += r
            rhs += b
            r, b = stw_rows(run, sims[run.name])
            srows += r
            srhs += b
        new = _solve(rows, rhs, M.LINEAR, current) if rows else {}
        if srows:
            new.update(_solve(srows, srhs, M.STW, current))
        moved = max(
            (abs(new[k] - current[k]) / max(abs(current[k]), 1e-9) for k in new), default=0.0
        )
        cost = M.cost_table(cost, new)
        history.append(M.values(cost))
        say(f"round {done}: largest relative change {moved:.3f}")
        if moved < tol:
            break
    fit = Fit(cost=cost, rounds=done, history=history)
    say(f"simulating {len(train) + len(holdout)} runs with the fitted costs")
    final = simulate_all(train + holdout, cost, jobs)
    for group, runs in ((fit.train, train), (fit.holdout, holdout)):
        for run in runs:
            group[run.name] = {"go": run.target(), "sim": M.measured(final[run.name])}
    return fit
