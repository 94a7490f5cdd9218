"""One place that decides how kernels are compiled.

Performance rule for kernel authors: a call from one compiled kernel to another that passes
the ``HeapArrays`` namedtuple increments and decrements the reference count of every array
in it (about 60 atomic operations, ~0.5 us). Per-object and per-operation paths (the op
loop's allocation fast path, the marker's shade) are therefore written inline, or are
``inline_kernel`` helpers taking single arrays (the write barrier); helpers taking the heap
are called only per span, per refill, or per slice.


``GCLAB_NO_JIT=1`` (or numba's own ``NUMBA_DISABLE_JIT=1``) runs the kernels as plain
Python: the same code, slowly, for debugging and for measuring what compilation buys.
"""

from __future__ import annotations

import os

from numba import njit as _njit

_DISABLED = os.environ.get("GCLAB_NO_JIT", "") not in ("", "0")


def kernel(fn):  # type: ignore[no-untyped-def]
    """Compile ``fn`` with numba (cached on disk, no Python fallback)."""
    if _DISABLED:
        return fn
    return _njit(cache=True, nogil=True)(fn)


def inline_kernel(fn):  # type: ignore[no-untyped-def]
    """Compile ``fn`` to be inlined into every compiled caller at numba's IR level: no
    call, so no reference counting of its array arguments. For per-op helpers; they must
    take arrays, not the ``HeapArrays`` tuple."""
    if _DISABLED:
        return fn
    return _njit(cache=True, nogil=True, inline="always")(fn)
