"""Plugins: workloads, collectors and pacers from outside the package.

Rules: a plugin is a module that registers its classes (``workloads.register``,
``collectors.register``, ``pacer.register``) when imported. gclab finds plugin modules
three ways, as Gymnasium finds environments:

- entry points in the groups ``GROUPS`` (barriers too) of any installed distribution
  (each names a module, or an object in one, to import), loaded once by
  ``load_entry_points`` before any config is read: by the command line, by
  ``framework.api`` and by every sweep worker;
- ``gclab --plugin MODULE`` (an importable name or a ``.py`` file), via ``load``;
- a ``register`` call at run time (a notebook); the config model takes it in lazily
  (``config.schema.current_model``).

However it was registered, a class defined outside ``framework`` travels to sweep workers
(pool and Dask) by its module: ``outside_modules`` lists them with their files, and a worker
imports them (``ensure``) before it validates a config, so workers see what the coordinator
sees. A class defined in ``__main__`` cannot travel: a sweep that needs one is refused.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

GROUPS = ("gclab.workloads", "gclab.collectors", "gclab.barriers", "gclab.pacers")

#: (module name, file or "") of every outside module a sweep's workers must import
Module = tuple[str, str]

_entry_points_loaded = False


class PluginError(ValueError):
    """A plugin module cannot be loaded; ``str()`` names it and says why."""


def load_entry_points() -> list[str]:
    """Import every installed plugin entry point (once per process); their names."""
    global _entry_points_loaded
    if _entry_points_loaded:
        return []
    _entry_points_loaded = True
    loaded = []
    for group in GROUPS:
        for ep in entry_points(group=group):
            try:
                ep.load()
            except Exception as e:  # a broken plugin names itself; gclab's own still work
                raise PluginError(f"entry point {ep.name!r} ({ep.value}) in {group}: {e}") from e
            loaded.append(ep.name)
    return loaded


def load(spec: str) -> ModuleType:
    """Import the plugin module ``spec``: a dotted module name, or the path of a ``.py``
    file (imported under its stem's name)."""
    if spec.endswith(".py") or "/" in spec or "\\" in spec:
        path = Path(spec)
        if not path.is_file():
            raise PluginError(f"--plugin {spec}: no such file")
        return _load_file(path.stem, path)
    try:
        return importlib.import_module(spec)
    except ImportError as e:
        raise PluginError(f"--plugin {spec}: cannot import it ({e})") from None


def _load_file(name: str, path: Path) -> ModuleType:
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(path):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"--plugin {path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        del sys.modules[name]
        raise PluginError(f"--plugin {path}: importing it failed: {type(e).__name__}: {e}") from e
    return module


def outside_modules() -> tuple[Module, ...]:
    """The modules of every registered class defined outside ``framework``."""
    from framework import collectors, pacer, workloads
    from framework.collectors import barriers

    classes = [
        *workloads.all_workloads().values(),
        *collectors.all_collectors().values(),
        *pacer.all_pacers().values(),
    ]
    where = [(f"{c.__name__} ({c.name!r})", c.__module__) for c in classes]
    where += [(f"barrier {n!r}", barriers.module_of(n)) for n in barriers.names()]
    found: dict[str, str] = {}
    for what, mod in where:
        if mod == "framework" or mod.startswith("framework."):
            continue
        if mod == "__main__":
            raise PluginError(
                f"{what} is defined in __main__: sweep workers cannot import it; put it "
                "in a module and import that"
            )
        found[mod] = getattr(sys.modules.get(mod), "__file__", None) or ""
    return tuple(sorted(found.items()))


def ensure(modules: tuple[Module, ...]) -> None:
    """Import ``modules`` (from ``outside_modules``) in this process, if not yet imported:
    by name where importable, else from the file the coordinator loaded it from."""
    load_entry_points()
    for name, file in modules:
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except ImportError:
            if not file:
                raise
            _load_file(name, Path(file))
