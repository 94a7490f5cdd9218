"""Workload registry: a new workload is one module plus one ``register`` line here."""

from __future__ import annotations

from framework.workloads.base import GoroutineSpec, Workload, WorkloadParams

_REGISTRY: dict[str, type[Workload]] = {}


def register(cls: type[Workload]) -> type[Workload]:
    """Register a workload class under ``cls.name`` (usable as a decorator)."""
    if cls.name in _REGISTRY:
        raise ValueError(f"workload {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def get(name: str) -> type[Workload]:
    return _REGISTRY[name]


def names() -> list[str]:
    return sorted(_REGISTRY)


def all_workloads() -> dict[str, type[Workload]]:
    return dict(_REGISTRY)


# Registrations (import order is registry order).
from framework.workloads import steady as _steady  # noqa: E402

register(_steady.Steady)

from framework.workloads import binary_trees as _binary_trees  # noqa: E402
from framework.workloads import cycles as _cycles  # noqa: E402
from framework.workloads import goroutines as _goroutines  # noqa: E402
from framework.workloads import growing as _growing  # noqa: E402
from framework.workloads import shuffle as _shuffle  # noqa: E402

register(_binary_trees.BinaryTrees)
register(_growing.Growing)
register(_goroutines.Goroutines)
register(_cycles.Cycles)
register(_shuffle.Shuffle)

from framework.workloads import replay as _replay  # noqa: E402

register(_replay.Replay)

__all__ = [
    "GoroutineSpec",
    "Workload",
    "WorkloadParams",
    "all_workloads",
    "get",
    "names",
    "register",
]
