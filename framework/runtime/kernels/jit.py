"""One place that decides how kernels are compiled, and where their machine code is cached.

Performance rule for kernel authors: a call from one compiled kernel to another that passes
the ``HeapArrays`` namedtuple increments and decrements the reference count of every array
in it (about 60 atomic operations, ~0.5 us). Per-object and per-operation paths (the op
loop's allocation fast path, the marker's shade) are therefore written inline, or are
``inline_kernel`` helpers taking single arrays (the write barrier); helpers taking the heap
are called only per span, per refill, or per slice. A call from Python that passes the tuple
pays ~7 us to type and unbox its ~40 arrays (~0.7 us for six single arrays), so kernels
called per goroutine or per root region (``mark.scan_roots``) take single arrays.

Cache rule: compiled kernels can never be stale. numba's own cache notices only edits to a
kernel's own file, yet a compiled caller embeds its callees (``run_ops`` embeds the RC,
malloc, alloc and sweep kernels) and every kernel freezes the ``layout`` constants. So the
cache of every kernel lives in one folder named after a hash of *all* kernel sources (every
``.py`` file in this package, and ``runtime/layout.py``): an edit anywhere (or its revert)
selects another folder, and a stale entry cannot be found. Kernels must import nothing else
from ``framework`` (tested). The folder is ``__pycache__/gclab-<hash>`` here (or under
``NUMBA_CACHE_DIR``, or the user's cache folder when this one is not writable); a process
that compiles removes the folders of other source versions but the ``KEEP`` most recently
used (so an edit and its revert both stay compiled).

``GCLAB_NO_JIT=1`` (or numba's own ``NUMBA_DISABLE_JIT=1``) runs the kernels as plain
Python: the same code, slowly, for debugging and for measuring what compilation buys. It
gives the same results as the compiled kernels (tested on the conformance configs), because
plain Python is made to follow numba's integer typing: numba reads an element of an
integer array narrower than 64 bits (``sl_nfields`` is uint8, ``sl_size`` int32, ops
int32) as a value that arithmetic widens to 64 bits, where NumPy 2 keeps the narrow type
(NEP 50), so ``8 * a.sl_nfields[i]`` wrapped at 256 and ``flags & ~RCF_ZCT`` raised. In
plain Python the kernels therefore see such arrays through ``Widened`` views whose element
reads are int64, and return Python scalars, as numba boxes them.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit as _njit
from numba.core import config as numba_config
from numba.core.caching import CompileResultCacheImpl, FunctionCache, _CacheLocator

_DISABLED = os.environ.get("GCLAB_NO_JIT", "") not in ("", "0") or bool(numba_config.DISABLE_JIT)
KERNEL_DIR = Path(__file__).resolve().parent
PREFIX = "gclab-"
KEEP = 3  # cache folders of other source versions kept


def kernel_sources() -> list[Path]:
    """Every file whose content compiled kernels depend on."""
    return [*sorted(KERNEL_DIR.glob("*.py")), KERNEL_DIR.parent / "layout.py"]


def sources_hash() -> str:
    """A hash of every kernel source (names and contents)."""
    h = hashlib.sha256()
    for p in kernel_sources():
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:20]


SOURCES_HASH = sources_hash()


def _cache_roots() -> list[Path]:
    from numba.core import config
    from numba.misc.appdirs import AppDirs

    roots = [Path(config.CACHE_DIR) / "gclab"] if config.CACHE_DIR else []
    return [*roots, KERNEL_DIR / "__pycache__", Path(AppDirs("gclab").user_cache_dir)]


class _AllSourcesLocator(_CacheLocator):
    """numba's cache locator for kernels: one folder per hash of all kernel sources."""

    _pruned = False
    _touched = False

    def __init__(self, py_func: Any, root: Path) -> None:
        self._lineno = py_func.__code__.co_firstlineno
        self._root = root
        self._cache_path = str(root / f"{PREFIX}{SOURCES_HASH}")

    def get_cache_path(self) -> str:
        return self._cache_path

    def get_source_stamp(self) -> str:
        return SOURCES_HASH

    def get_disambiguator(self) -> str:
        return str(self._lineno)

    def ensure_cache_path(self) -> None:
        super().ensure_cache_path()
        if not _AllSourcesLocator._pruned:  # once per process, when it first saves
            _AllSourcesLocator._pruned = True
            _prune(self._root)

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> _AllSourcesLocator | None:
        for root in _cache_roots():
            self = cls(py_func, root)
            try:
                os.makedirs(self._cache_path, exist_ok=True)
                _CacheLocator.ensure_cache_path(self)  # writable?
            except OSError:
                continue
            if not _AllSourcesLocator._touched:  # used now: the last folder pruning keeps
                _AllSourcesLocator._touched = True
                os.utime(self._cache_path)
            return self
        return None


def _prune(root: Path) -> None:
    """Remove the cache folders of other source versions but the ``KEEP`` most recently
    used (and numba's own per-file cache files, from before this scheme). Best effort: a
    process still using a removed folder recreates it."""
    others = [p for p in root.glob(f"{PREFIX}*") if p.name != f"{PREFIX}{SOURCES_HASH}"]
    others.sort(key=_mtime, reverse=True)
    for p in others[KEEP:]:
        shutil.rmtree(p, ignore_errors=True)
    if root == KERNEL_DIR / "__pycache__":
        for p in [*root.glob("*.nbi"), *root.glob("*.nbc")]:
            p.unlink(missing_ok=True)


def _mtime(p: Path) -> float:
    try:
        return p.stat().st_mtime
    except OSError:  # removed meanwhile
        return 0.0


class _Impl(CompileResultCacheImpl):
    _locator_classes = [_AllSourcesLocator]


class _Cache(FunctionCache):
    _impl_class = _Impl


def _compile(fn: Any, **options: Any) -> Any:
    dispatcher = _njit(nogil=True, **options)(fn)
    try:
        dispatcher._cache = _Cache(dispatcher.py_func)  # what cache=True does, our locator
    except RuntimeError:  # no writable cache folder anywhere: compile in every process
        pass
    return dispatcher


NARROW = tuple(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32))


class Widened(np.ndarray):
    """A view of a narrow integer array whose element reads are int64, as numba widens
    them (plain-Python kernels only; writes store into the narrow array as numba does)."""

    def __getitem__(self, key: Any) -> Any:
        r = super().__getitem__(key)
        return r if isinstance(r, np.ndarray) else np.int64(r)


_WIDENED: dict[int, tuple[Any, Any]] = {}  # id(heap tuple) -> (it, its widened copy)


def _widen(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.view(Widened) if x.dtype in NARROW and not isinstance(x, Widened) else x
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # the HeapArrays namedtuple
        hit = _WIDENED.get(id(x))
        if hit is not None and hit[0] is x:
            return hit[1]
        w = type(x)(*[_widen(v) for v in x])
        if len(_WIDENED) > 32:
            _WIDENED.clear()
        _WIDENED[id(x)] = (x, w)
        _WIDENED[id(w)] = (w, w)
        return w
    return x


def _box(r: Any) -> Any:
    """A kernel's result as numba returns it: Python scalars, plain arrays."""
    if isinstance(r, tuple) and not hasattr(r, "_fields"):
        return tuple(_box(v) for v in r)
    if isinstance(r, np.bool_):
        return bool(r)
    if isinstance(r, np.integer):
        return int(r)
    if isinstance(r, np.floating):
        return float(r)
    if isinstance(r, Widened):
        return r.view(np.ndarray)
    return r


def _plain(fn: Any) -> Any:
    """``fn`` run as plain Python with numba's integer typing (see the module's rules)."""

    @functools.wraps(fn)
    def run(*args: Any) -> Any:
        return _box(fn(*[_widen(a) for a in args]))

    run.py_func = fn  # type: ignore[attr-defined]
    return run


def kernel(fn):  # type: ignore[no-untyped-def]
    """Compile ``fn`` with numba (cached on disk, see the cache rule; no Python fallback)."""
    if _DISABLED:
        return _plain(fn)
    return _compile(fn)


def inline_kernel(fn):  # type: ignore[no-untyped-def]
    """Compile ``fn`` to be inlined into every compiled caller at numba's IR level: no
    call, so no reference counting of its array arguments. For per-op helpers; they must
    take arrays, not the ``HeapArrays`` tuple."""
    if _DISABLED:
        return _plain(fn)
    return _compile(fn, inline="always")
