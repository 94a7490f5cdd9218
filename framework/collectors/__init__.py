"""Collector registry: a new collector is one module plus one ``register`` line here."""

from __future__ import annotations

from framework.collectors.base import Capabilities, Collector, CollectorParams

_REGISTRY: dict[str, type[Collector]] = {}
DEFAULT = "stw"


def register(cls: type[Collector]) -> type[Collector]:
    if cls.name in _REGISTRY:
        raise ValueError(f"collector {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def get(name: str) -> type[Collector]:
    return _REGISTRY[name]


def names() -> list[str]:
    return sorted(_REGISTRY)


def all_collectors() -> dict[str, type[Collector]]:
    return dict(_REGISTRY)


def default_params() -> CollectorParams:
    return _REGISTRY[DEFAULT].Params()


from framework.collectors import concurrent as _concurrent  # noqa: E402
from framework.collectors import rc as _rc  # noqa: E402
from framework.collectors import stw as _stw  # noqa: E402

register(_stw.StopTheWorld)
register(_concurrent.Concurrent)
register(_rc.ReferenceCounting)

__all__ = [
    "Capabilities",
    "Collector",
    "CollectorParams",
    "all_collectors",
    "default_params",
    "get",
    "names",
    "register",
]
