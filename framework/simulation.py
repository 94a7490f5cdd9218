"""Build a simulation from a validated config and run it: the one place that turns config
into objects (workload, collector, pacer, machine) and a finished run into results."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from framework import collectors, pacer, workloads
from framework.config import Config
from framework.events import RunLog
from framework.metrics import summarize
from framework.sim.machine import Machine

# Component indices into the root SeedSequence: one independent stream per component.
SEED_WORKLOAD = 0
SEED_SCHEDULER = 1
SEED_COLLECTOR = 2


@dataclass
class RunResult:
    config: Config
    log: RunLog
    summary: dict[str, Any]
    violations: list[Any] = field(default_factory=list)


def build(cfg: Config, verify: bool = False) -> Machine:
    root = np.random.SeedSequence(cfg.run.seed)
    streams = root.spawn(3)
    wl_cls = workloads.get(cfg.workload.name)
    workload = wl_cls(cfg.workload, streams[SEED_WORKLOAD])
    collector = collectors.get(cfg.collector.name)(cfg.collector)
    pacer_obj = pacer.get(cfg.pacer.name)(cfg.pacer)
    return Machine(
        workload,
        collector,
        nprocs=cfg.run.gomaxprocs,
        cost=cfg.cost.vector(),
        quantum_ops=cfg.run.quantum_ops,
        quantum_ns=cfg.run.quantum_us * 1e3,
        sample_interval_ns=cfg.run.sample_interval_us * 1e3,
        max_sim_time_ns=cfg.run.max_sim_time_ms * 1e6,
        pacer=pacer_obj,
        verify=verify,
    )


def simulate(cfg: Config, verify: bool = False) -> RunResult:
    """Run one simulation; the summary includes ``wall_s`` (the only non-deterministic key).

    ``verify`` re-traces the heap with the oracle at every collector checkpoint and puts
    what it finds in ``RunResult.violations``.
    """
    t0 = time.perf_counter()
    machine = build(cfg, verify)
    log = machine.run()
    windows = None
    if cfg.metrics.mmu_windows_us is not None:
        windows = np.array([round(w * 1e3) for w in cfg.metrics.mmu_windows_us], dtype=np.int64)
    summary = summarize(log, windows)
    summary["collector"] = cfg.collector.name
    summary["workload"] = cfg.workload.name
    summary["wall_s"] = time.perf_counter() - t0
    summary["checkpoints"] = machine.checkpoints
    return RunResult(cfg, log, summary, machine.violations)
