"""A measuring trace: bytes and objects reachable from the roots, on a scratch bitmap that
leaves the collector's mark bits alone (used for floating-garbage and leak accounting;
the verification oracle in ``framework.checking.oracle`` is a separate, numpy implementation)."""

from __future__ import annotations

import numpy as np

from framework.runtime.kernels.jit import kernel


@kernel
def reachable_bytes(a, roots, more_roots, nslots):
    """(objects, slot bytes) reachable from two int32 root arrays (the globals and the
    stacks, say, without concatenating them). Each root's closure is traced before the next
    root is taken, so the scratch stack holds one traversal, not every root at once (the
    sums do not depend on the order)."""
    seen = np.zeros(nslots, dtype=np.uint8)
    stack = np.empty(nslots + 1, dtype=np.int32)
    objs = 0
    nbytes = 0
    for part in range(2):
        r = roots if part == 0 else more_roots
        for i in range(r.shape[0]):
            o = r[i]
            if o < 0 or seen[o] != 0:
                continue
            seen[o] = 1
            stack[0] = o
            top = 1
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
