"""A measuring trace: bytes and objects reachable from the roots, on a scratch bitmap that
leaves the collector's mark bits alone (used for floating-garbage and leak accounting;
the verification oracle in ``framework.checking.oracle`` is a separate, numpy implementation)."""

from __future__ import annotations

import numpy as np

from framework.runtime.kernels.jit import kernel


@kernel
def reachable_bytes(a, roots, nslots):
    """(objects, slot bytes) reachable from ``roots`` (an int32 array, -1 = nil)."""
    seen = np.zeros(nslots, dtype=np.uint8)
    stack = np.empty(nslots + 1, dtype=np.int32)
    top = 0
    objs = 0
    nbytes = 0
    for i in range(roots.shape[0]):
        o = roots[i]
        if o >= 0 and seen[o] == 0:
            seen[o] = 1
            stack[top] = o
            top += 1
    while top > 0:
        top -= 1
        o = stack[top]
        objs += 1
        nbytes += a.sl_size[o]
        for f in range(a.sl_nfields[o]):
            k = a.fields[o, f]
            if k >= 0 and seen[k] == 0:
                seen[k] = 1
                stack[top] = k
                top += 1
    return objs, nbytes
