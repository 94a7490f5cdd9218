"""Fitting ``[cost]`` to reference runs: simulate, read the ledgers, solve, repeat.

One round: simulate every training run with the current costs; build, per run, one linear
equation for its mark CPU per cycle and one for its other CPU (``framework.calibrate.model``),
each divided by Go's figure so that every run weighs the same; add a prior pulling each
parameter towards its starting value (on a log scale for the multiplicative ones, so costs
the runs cannot tell apart stay put); solve (``scipy.optimize.least_squares``, costs >= 0).
The pause parameters are solved the same way from each run's median pauses. Counts move
with the costs (a slower mutator allocates less during each mark phase), so each round
steps only part of the way (``DAMPING``) and rounds repeat until no parameter moves by more
than ``tol`` (relative), or ``rounds`` ran.

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

from framework.calibrate import model as M
from framework.calibrate.reference import ReferenceRun

PRIOR_WEIGHT = 0.3  # one equation's weight is 1 (a relative error); the prior's is this
DAMPING = 0.6  # each round moves this far from the current costs to the solution


def holdout_names(names: list[str], every: int) -> set[str]:
    """The runs kept out of a fit by ``--holdout-every K``: every K-th name in sorted
    order, starting with the second (so a small suite keeps its first run in the fit)."""
    if every < 2:
        return set()
    return {n for i, n in enumerate(sorted(names)) if i % every == 1}


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
    rows: list[np.ndarray],
    rhs: list[float],
    params: tuple[M.Param, ...],
    current: dict[str, float],
    prior: dict[str, float],
) -> dict[str, float]:
    """Least squares with a prior: a multiplicative parameter is pulled towards its
    starting ratio on a log scale (a factor of 2 costs as much as a 21% error in one
    equation), an additive one towards its starting value in units of its scale."""
    A, b = np.array(rows), np.array(rhs)
    mult = np.array([not p.additive for p in params])
    scale = np.array([1.0 if not p.additive else p.scale for p in params])
    x_prior = np.array([prior[p.name] for p in params])

    def residuals(x: np.ndarray) -> np.ndarray:
        fit = A @ x - b
        ratio = np.maximum(x, 1e-12) / np.where(mult, x_prior, 1.0)
        pri = np.where(mult, np.log(ratio), (x - x_prior) / scale)
        return np.concatenate([fit, PRIOR_WEIGHT * pri])

    lower = np.where(mult, 1e-3, 0.0)
    x0 = np.maximum(np.array([current[p.name] for p in params]), lower + 1e-9)
    from scipy.optimize import least_squares  # here: scipy costs 0.2 s at every start

    sol = least_squares(residuals, x0, bounds=(lower, np.inf), method="trf")
    return {p.name: float(v) for p, v in zip(params, sol.x, strict=True)}


def _damped(
    current: dict[str, float], solved: dict[str, float], params: tuple[M.Param, ...]
) -> dict[str, float]:
    """A step part of the way (DAMPING) from ``current`` to ``solved``: counts move with
    the costs, and a full step can overshoot into an oscillation."""
    out = {}
    for p in params:
        c, s = current[p.name], solved[p.name]
        if p.additive:
            out[p.name] = c + DAMPING * (s - c)
        else:
            out[p.name] = c ** (1 - DAMPING) * s**DAMPING
    return out


def linear_rows(
    run: ReferenceRun, s: dict[str, Any], start: dict[str, float], cost: dict[str, float]
) -> tuple[list[np.ndarray], list[float]]:
    """The run's mark-CPU (per cycle) and other-CPU equations, relative to Go's figures."""
    target = run.target()
    rows, rhs = [], []
    if target["mark_cpu"] > 0:
        mark = M.columns(M.mark_features(s), start, M.LINEAR)
        rows.append(np.array(mark) / target["mark_cpu"])
        rhs.append(1.0)
    if "other_cpu" in target and target["other_cpu"] > 0:
        other = M.columns(M.other_features(s), start, M.LINEAR)
        rows.append(np.array(other) / target["other_cpu"])
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
    rounds: int = 6,
    tol: float = 0.02,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> Fit:
    """Fit the cost parameters to ``train``; report ``train`` and ``holdout`` with them."""
    say = progress or (lambda _msg: None)
    start = dict(start_cost)
    prior = M.values(start, start)
    cost = dict(start)
    history = [M.values(cost, start)]
    done = 0
    for done in range(1, rounds + 1):
        say(f"round {done}: simulating {len(train)} runs")
        sims = simulate_all(train, cost, jobs)
        current = M.values(cost, start)
        rows: list[np.ndarray] = []
        rhs: list[float] = []
        srows: list[np.ndarray] = []
        srhs: list[float] = []
        for run in train:
            r, b = linear_rows(run, sims[run.name], start, cost)
            rows += r
            rhs += b
            r, b = stw_rows(run, sims[run.name])
            srows += r
            srhs += b
        solved = dict(current)
        if rows:
            solved.update(_solve(rows, rhs, M.LINEAR, current, prior))
        if srows:
            solved.update(_solve(srows, srhs, M.STW, current, prior))
        new = _damped(current, solved, M.PARAMS)
        scale = {p.name: (p.scale if p.additive else 1.0) for p in M.PARAMS}
        moved = max(abs(new[k] - current[k]) / max(abs(current[k]), scale[k]) for k in new)
        cost = M.cost_table(start, new)
        history.append(new)
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
