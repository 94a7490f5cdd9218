"""Build a simulation from a validated config and run it: the one place that turns config
into objects (workload, collector, pacer, machine) and a finished run into results."""

from __future__ import annotations

import sys
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

PROGRESS_DELAY_S = 2.0  # a run shorter than this shows no progress bar
PROGRESS_REFRESH_S = 0.5


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


def simulate(cfg: Config, verify: bool = False, progress: bool = False) -> RunResult:
    """Run one simulation; the summary includes ``wall_s`` (the only non-deterministic key).

    ``verify`` re-traces the heap with the oracle at every collector checkpoint and puts
    what it finds in ``RunResult.violations``. ``progress`` draws a bar on stderr for a run
    longer than two seconds (it reads the machine, never changes it).
    """
    t0 = time.perf_counter()
    machine = build(cfg, verify)
    if progress:
        with _ProgressBar(machine) as bar:
            machine.on_sample = bar.update
            log = machine.run()
    else:
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


class _ProgressBar:
    """Allocations done of the workload's expected total (or simulated ms of
    ``run.max_sim_time_ms`` when the workload cannot say), with simulated time and GC
    cycles beside it; shown after two seconds, gone when the run ends."""

    def __init__(self, machine: Machine) -> None:
        from tqdm import tqdm

        from framework.runtime import layout as L

        self._ctr = machine.heap.a.ctr
        self._allocs = L.TOTAL_ALLOCS
        total = machine.workload.expected_allocations()
        self._by_time = total is None and machine.max_sim_time_ns > 0
        if self._by_time:
            total, unit = round(machine.max_sim_time_ns / 1e6), "ms"
        else:
            unit = "alloc"
        self._bar = tqdm(
            total=total,
            unit=unit,
            unit_scale=not self._by_time,
            desc="simulating",
            delay=PROGRESS_DELAY_S,
            file=sys.stderr,
            leave=False,
            mininterval=PROGRESS_REFRESH_S,
        )

    def update(self, machine: Machine) -> None:
        bar = self._bar
        now_ms = machine.env.now / 1e6
        done = int(now_ms) if self._by_time else int(self._ctr[self._allocs])
        if bar.total is not None:
            done = min(done, int(bar.total))
        if done > bar.n:
            bar.set_postfix_str(f"{now_ms:,.1f} ms simulated", refresh=False)
            bar.update(done - bar.n)

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.close()
