"""One place that decides how kernels are compiled.

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
