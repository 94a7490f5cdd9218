"""The validated configuration model (pydantic). Unknown keys are errors everywhere.

Workload and collector sections are discriminated by ``name`` and their parameter models are
declared next to each plug-in (``Workload.Params``, ``Collector.Params``), then assembled here
from the registries, so a new plug-in adds no edit to this file. A plug-in registered after
this module was imported (an entry point, ``gclab --plugin``, a notebook) is taken in by
``current_model``, which rebuilds the unions when a registry has changed; validation always
goes through it (``loader.parse_config``).
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from framework import collectors, pacer, workloads
from framework.runtime import layout as L
from framework.runtime.heap import MAX_FIELDS

MAX_COST_NS = 1e9  # no operation of the cost model takes a second
MAX_LIVE_HEAP_BYTES = 1 << 40  # 1 TiB: past any Go heap the simulator is meant for


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunSection(_Strict):
    seed: int = Field(1, ge=0, le=2**63 - 1, description="root seed of every random stream")
    gomaxprocs: int = Field(2, ge=1, le=256, description="processors (Ps)")
    quantum_ops: int = Field(2000, ge=1, le=10_000_000, description="max ops per mutator step")
    quantum_us: float = Field(50.0, ge=0.1, le=1e6, description="max simulated µs per step")
    max_sim_time_ms: float = Field(
        0.0, ge=0, le=1e9, description="stop after this much simulated time (0: run to the end)"
    )
    sample_interval_us: float = Field(
        200.0, ge=1, le=1e9, description="period of heap samples (at least 1 µs)"
    )


class CostModel(_Strict):
    """Simulated cost of every operation, in nanoseconds. The only source of delays.

    The defaults are a calibration (``gclab calibrate``, docs/calibration.md) against Go
    1.19.8 on the machine class we ship on: a 2-vCPU AMD EPYC VM, 32 MiB last-level cache
    (the recordings in experiments/go_reference, 14 of its 19 configurations; the other 5
    held out). The RC costs and ``scavenge_page_ns`` are not fitted.
    """

    alloc_ns: float = Field(12.3, ge=0)
    alloc_byte_ns: float = Field(0.0781, ge=0, description="zeroing, per allocated byte")
    span_alloc_ns: float = Field(2_250.0, ge=0, description="refill a span from the page heap")
    store_ns: float = Field(0.819, ge=0)
    load_ns: float = Field(0.819, ge=0)
    push_ns: float = Field(1.64, ge=0, description="per frame pushed")
    pop_ns: float = Field(0.819, ge=0, description="per frame popped")
    slot_ns: float = Field(0.409, ge=0, description="per stack slot written")
    compute_ns: float = Field(1.0, ge=0, description="per COMPUTE unit")
    barrier_ns: float = Field(2.01, ge=0, description="per write-barrier execution")
    shade_ns: float = Field(5.02, ge=0, description="per object greyed by the barrier")
    mark_object_ns: float = Field(19.9, ge=0)
    mark_byte_ns: float = Field(0.497, ge=0, description="per byte of scan work")
    sweep_span_ns: float = Field(442.0, ge=0)
    sweep_object_ns: float = Field(2.21, ge=0, description="per slot examined")
    stack_scan_byte_ns: float = Field(0.497, ge=0)
    global_scan_byte_ns: float = Field(0.199, ge=0)
    stw_ns: float = Field(38_500.0, ge=0, description="fixed cost of a stop/start of the world")
    stw_per_p_ns: float = Field(
        15_700.0, ge=0, description="stop/start-the-world cost per P besides the stopping one"
    )
    preempt_ns: float = Field(
        25_300.0, ge=0, description="time for a stop-the-world to preempt a running P"
    )
    rc_op_ns: float = Field(2.0, ge=0, description="per reference-count increment or decrement")
    rc_free_ns: float = Field(10.0, ge=0, description="per object freed by reference counting")
    rc_cycle_object_ns: float = Field(
        10.0, ge=0, description="per object visited by the trial-deletion cycle collector"
    )
    miss_ns: float = Field(
        43.1,
        ge=0,
        description="a cache miss; heap accesses pay it with probability "
        "max(0, 1 - cache / heap in use) (memory latency grows with the heap)",
    )
    cache_mib: float = Field(32.0, gt=0, description="last-level cache size for miss_ns")
    mark_miss_ns: float = Field(
        43.1,
        ge=0,
        description="a cache miss while marking an object, paid with the same probability "
        "(Go's greyobject and scanobject touch the span, its mark bits, the heap bitmap and "
        "the object: several lines where the mutator touches one)",
    )
    locality_bytes: float = Field(
        0.0,
        ge=0,
        description="marking locality: an object marked within this many bytes of the "
        "object the marker touched just before is near and pays mark_near_miss_ns instead "
        "of mark_miss_ns (objects allocated one after another share lines and the hardware "
        "prefetches a sequential stream); 0 turns it off (every object is far)",
    )
    mark_near_miss_ns: float = Field(
        0.0,
        ge=0,
        description="a cache miss while marking an object near the previous one (within "
        "locality_bytes), paid with the heap-size probability: the part of the latency the "
        "prefetcher does not hide",
    )
    mark_noscan_ns: float = Field(
        5.64, ge=0, description="per pointer-free object marked (never scanned, as in Go)"
    )
    mark_cycle_ns: float = Field(
        0.0, ge=0, description="fixed marking work per cycle (the runtime's own roots)"
    )
    alloc_scan_byte_ns: float = Field(
        0.000463, ge=0, description="per byte of a pointer-holding object allocated (its bitmap)"
    )
    scavenge_page_ns: float = Field(
        1700.0,
        ge=0,
        description="per 8 KiB page returned to the OS by the scavenger (Go: sysUnused, "
        "madvise MADV_DONTNEED); measured on linux/amd64 for 64 KiB runs by "
        "experiments/go_reference/memprobe, to be calibrated per machine",
    )

    @field_validator("*")
    @classmethod
    def _plausible(cls, v: float) -> float:
        """Every cost, present and future: between 0 and ``MAX_COST_NS``."""
        if not 0 <= v <= MAX_COST_NS:
            raise ValueError(f"must be between 0 and {MAX_COST_NS:.0e} ns (one second)")
        return v

    def vector(self) -> np.ndarray:
        """The cost vector the kernels index with ``layout.K_*``."""
        v = np.zeros(L.N_COSTS, dtype=np.float64)
        v[L.K_ALLOC] = self.alloc_ns
        v[L.K_ALLOC_BYTE] = self.alloc_byte_ns
        v[L.K_SPAN_ALLOC] = self.span_alloc_ns
        v[L.K_STORE] = self.store_ns
        v[L.K_LOAD] = self.load_ns
        v[L.K_PUSH] = self.push_ns
        v[L.K_POP] = self.pop_ns
        v[L.K_SLOT] = self.slot_ns
        v[L.K_COMPUTE] = self.compute_ns
        v[L.K_BARRIER] = self.barrier_ns
        v[L.K_SHADE] = self.shade_ns
        v[L.K_MARK_OBJ] = self.mark_object_ns
        v[L.K_MARK_BYTE] = self.mark_byte_ns
        v[L.K_SWEEP_SPAN] = self.sweep_span_ns
        v[L.K_SWEEP_OBJ] = self.sweep_object_ns
        v[L.K_STACK_SCAN_BYTE] = self.stack_scan_byte_ns
        v[L.K_GLOBAL_SCAN_BYTE] = self.global_scan_byte_ns
        v[L.K_STW_FIXED] = self.stw_ns
        v[L.K_STW_PER_P] = self.stw_per_p_ns
        v[L.K_PREEMPT] = self.preempt_ns
        v[L.K_RC_OP] = self.rc_op_ns
        v[L.K_RC_FREE] = self.rc_free_ns
        v[L.K_RC_CYCLE_OBJ] = self.rc_cycle_object_ns
        v[L.K_SCAV_PAGE] = self.scavenge_page_ns
        v[L.K_MISS] = self.miss_ns
        v[L.K_MARK_MISS] = self.mark_miss_ns
        v[L.K_CACHE_BYTES] = self.cache_mib * 2**20
        v[L.K_LOCALITY_BYTES] = self.locality_bytes
        v[L.K_MARK_NEAR_MISS] = self.mark_near_miss_ns
        v[L.K_MARK_NOSCAN] = self.mark_noscan_ns
        v[L.K_MARK_CYCLE] = self.mark_cycle_ns
        v[L.K_ALLOC_SCAN_BYTE] = self.alloc_scan_byte_ns
        return v


class MetricsSection(_Strict):
    mmu_windows_us: list[Annotated[float, Field(ge=0.001, le=1e9)]] | None = Field(
        None,
        min_length=1,
        description="MMU windows in µs, each from 0.001 (1 ns) to 1e9 "
        "(default: log-spaced from 10 µs to the run length)",
    )


def _union(models: list[type[BaseModel]]) -> Any:
    if len(models) == 1:
        return models[0]
    return Annotated[Union[tuple(models)], Field(discriminator="name")]  # noqa: UP007


def _section_models() -> dict[str, list[type[BaseModel]]]:
    return {
        "workload": [w.Params for w in workloads.all_workloads().values()],
        "collector": [c.Params for c in collectors.all_collectors().values()],
        "pacer": [p.Params for p in pacer.all_pacers().values()],
    }


def _unions() -> dict[str, Any]:
    return {k: _union(v) for k, v in _section_models().items()}


def _registry_key() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(r.names()) for r in (workloads, collectors, pacer))


_UNIONS = _unions()
WorkloadUnion = _UNIONS["workload"]
CollectorUnion = _UNIONS["collector"]
PacerUnion = _UNIONS["pacer"]


class Config(_Strict):
    run: RunSection = RunSection()
    workload: WorkloadUnion  # type: ignore[valid-type]
    collector: CollectorUnion = Field(default_factory=lambda: collectors.default_params())  # type: ignore[valid-type]
    pacer: PacerUnion = Field(default_factory=lambda: pacer.default_params())  # type: ignore[valid-type]

    @model_validator(mode="before")
    @classmethod
    def _default_names(cls, data: Any) -> Any:
        """``[collector]`` and ``[pacer]`` may omit ``name``: the registry default applies."""
        if isinstance(data, dict):
            data = dict(data)
            for section, default in (("collector", collectors.DEFAULT), ("pacer", pacer.DEFAULT)):
                table = data.get(section)
                if isinstance(table, dict) and "name" not in table:
                    data[section] = {"name": default, **table}
        return data

    cost: CostModel = CostModel()
    metrics: MetricsSection = MetricsSection()

    @model_validator(mode="after")
    def _consistent(self) -> Config:
        """Rules across sections: what the collector names exists in the workload, and the
        workload's live heap is one this machine can simulate."""
        workload = workloads.get(self.workload.name)(self.workload, np.random.SeedSequence(0))
        skip = getattr(self.collector, "skip_stack_of", -1)
        n = len(workload.goroutines())
        if skip >= n:
            raise ValueError(
                f"collector.skip_stack_of: goroutine {skip} does not exist; allowed: -1 "
                f"(none) or a goroutine of the workload, 0 to {n - 1}"
            )
        if workload.max_fields > MAX_FIELDS:
            raise ValueError(
                f"workload: objects with {workload.max_fields} pointer fields; the heap "
                f"allows at most {MAX_FIELDS}"
            )
        live = workload.live_estimate()
        if live is not None:
            problem = implausible_heap(*live, workload.max_fields)
            if problem:
                raise ValueError(f"workload: {problem}")
        return self


_built_for = _registry_key()


def current_model() -> type[Config]:
    """``Config``, its plug-in sections rebuilt first if a registry changed since."""
    global _built_for
    key = _registry_key()
    if key != _built_for:
        for section, models in _section_models().items():
            info = Config.model_fields[section]
            info.annotation = Union[tuple(models)] if len(models) > 1 else models[0]  # noqa: UP007
            info.discriminator = "name" if len(models) > 1 else None
        Config.model_rebuild(force=True)
        _built_for = key
    return Config


def _fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PiB"  # pragma: no cover


def physical_memory_bytes() -> int:
    """This machine's memory (a seam for tests)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 1 << 62


def implausible_heap(objects: int, nbytes: int, max_fields: int) -> str:
    """Why a live heap of ``objects`` objects and ``nbytes`` bytes cannot be simulated
    here, or ''. Two limits: ``MAX_LIVE_HEAP_BYTES`` of simulated heap, and the memory the
    simulator's tables take for it (``heap.host_bytes``) against this machine's memory."""
    from framework.runtime.heap import host_bytes

    live = f"keeps about {objects:,} objects ({_fmt_bytes(nbytes)}) live"
    if nbytes > MAX_LIVE_HEAP_BYTES:
        return f"{live}; the simulated live heap may be at most {_fmt_bytes(MAX_LIVE_HEAP_BYTES)}"
    need, have = host_bytes(objects, nbytes, max_fields), physical_memory_bytes()
    if need > have:
        return (
            f"{live}; simulating it needs about {_fmt_bytes(need)} of memory, more than this "
            f"machine's {_fmt_bytes(have)}"
        )
    return ""
