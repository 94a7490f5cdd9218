"""gclab: a discrete-event simulation framework for concurrent garbage collectors in Go's shape.

The common path in Python is ``framework.api``: ``run`` one config, ``sweep`` a sweep into
a results folder, ``load_runs`` / ``load_series`` as pandas. ``run``, ``load_runs`` and
``load_series`` are also attributes of this package, imported on first use (``sweep`` is
not: ``framework.sweep`` is the sweep package).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = ("run", "load_runs", "load_series")
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from framework import api

        return getattr(api, name)
    raise AttributeError(f"module 'framework' has no attribute {name!r}")
