"""Pacer registry: a new pacer is one module plus one ``register`` line here."""

from __future__ import annotations

from framework.pacer.base import NonHeap, Pacer, PacerParams, Workers, background_workers
from framework.pacer.goal import HEAP_MINIMUM, heap_goal

_REGISTRY: dict[str, type[Pacer]] = {}
DEFAULT = "go119"


def register(cls: type[Pacer]) -> type[Pacer]:
    if cls.name in _REGISTRY:
        raise ValueError(f"pacer {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def get(name: str) -> type[Pacer]:
    return _REGISTRY[name]


def names() -> list[str]:
    return sorted(_REGISTRY)


def all_pacers() -> dict[str, type[Pacer]]:
    return dict(_REGISTRY)


def default_params() -> PacerParams:
    return _REGISTRY[DEFAULT].Params()


from framework.pacer import fixed as _fixed  # noqa: E402
from framework.pacer import go119 as _go119  # noqa: E402

register(_go119.Go119Pacer)
register(_fixed.FixedRatioPacer)

__all__ = [
    "HEAP_MINIMUM",
    "NonHeap",
    "Pacer",
    "PacerParams",
    "Workers",
    "all_pacers",
    "background_workers",
    "default_params",
    "get",
    "heap_goal",
    "names",
    "register",
]
