"""The mutator operation encoding shared by workloads, the simulator and the step driver.

A workload is a register machine over a goroutine's *stack slots* and the program's
*globals*: it never names heap addresses, so the same op stream replays against any
collector and any allocator state.

An op stream is a C-contiguous ``int32`` array of shape ``(n, 4)``: ``[code, a, b, c]``.

Rules (checked by the kernel, which stops with ``Status.ERROR`` on a violation):

- stack slot operands must be ``< sp`` (the goroutine's current stack depth in slots);
- ``NIL`` (-1) as the *source* slot of STORE, GSTORE or MOVE stores a nil pointer;
- ``ALLOC`` sizes are at least 1 byte;
- ``field`` must be ``< nfields`` of the object, and ``nfields * 8 <= size``;
- a ``STORE``/``LOAD`` through a nil stack slot is a workload bug (``ERROR``);
- ``SYNC a`` releases its waiters when the ``a``-th goroutine arrives (then counting starts
  again); a ``SYNC`` that can never be released blocks that goroutine for ever;
- ``PUSH``/``POP`` carry both the pointer-slot count and the frame's byte size, so the
  runtime keeps no frame list; a workload pops exactly what it pushed.

Writes to heap slots and globals go through the write barrier; writes to stack slots
do not (Go's rule: stacks are not barriered, they are scanned).
"""

from __future__ import annotations

import enum

import numpy as np

NIL = -1


class Op(enum.IntEnum):
    """Operation codes; the columns ``a, b, c`` mean what the comment says."""

    COMPUTE = 0  # a = units of compute (each costs cost.compute_ns)
    ALLOC = 1  # stack[a] = new object of b bytes with c pointer fields (all nil)
    STORE = 2  # stack[a].field[b] = stack[c]  (c == NIL stores nil); barriered
    LOAD = 3  # stack[a] = stack[b].field[c]
    GSTORE = 4  # globals[a] = stack[b]  (b == NIL stores nil); barriered
    GLOAD = 5  # stack[a] = globals[b]
    PUSH = 6  # push a frame of a pointer slots (all nil) and b bytes
    POP = 7  # pop a frame of a pointer slots and b bytes
    CLEAR = 8  # stack[a] = nil  (drop a root)
    MOVE = 9  # stack[a] = stack[b]  (b == NIL stores nil; stack-to-stack, not barriered)
    PARK = 10  # block for a nanoseconds without holding a P (I/O, channel wait)
    YIELD = 11  # give up the P (Go: runtime.Gosched): back of the global run queue
    SYNC = 12  # a start barrier: block until a goroutines (this one included) reached a SYNC


N_OPS = len(Op)


def op_array(rows: list[tuple[int, int, int, int]] | list[list[int]]) -> np.ndarray:
    """Build an op stream from a list of ``(code, a, b, c)`` rows (for tests and drivers)."""
    arr = np.asarray(rows, dtype=np.int32).reshape(-1, 4)
    return np.ascontiguousarray(arr)
