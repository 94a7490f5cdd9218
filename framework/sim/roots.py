"""Roots: the program's globals and each goroutine's stack of pointer slots.

Rule: every goroutine's state vector (``gs``) is a row of one table (``Roots.gs_table``),
so sums over all goroutines (stack bytes, allocated stacks) are one numpy operation, not
a Python loop: their cost does not grow with the goroutine count in Python."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from framework.runtime import layout as L
from framework.runtime.memstats import stack_alloc_sizes

INITIAL_STACK_SLOTS = 64


@dataclass
class Goroutine:
    """One goroutine's stack (``stack[:sp]`` are live pointer slots) and state vector."""

    gid: int
    daemon: bool
    stack: np.ndarray = field(default_factory=lambda: np.full(INITIAL_STACK_SLOTS, -1, np.int32))
    gs: np.ndarray = field(default_factory=lambda: np.zeros(L.G_N, np.int64))
    scan_done: Any = None  # set while a mark worker has this goroutine suspended
    # scheduler state (framework.sim.machine)
    status: int = 0  # GStatus
    last_p: int = 0  # the P it last ran on (its timers and the goroutines it readies go there)
    debt_ns: float = 0.0  # time of a quantum cut short by a stop-the-world, still to be spent
    pending: Any = None  # (status, aux) that quantum ended with, acted on once it is paid
    slice_start: float = 0.0  # when its current time slice began (Go: schedwhen)

    @property
    def sp(self) -> int:
        return int(self.gs[L.G_SP])

    @property
    def finished(self) -> bool:
        """The goroutine's stream is exhausted: its stack is no root any more."""
        return bool(self.gs[L.G_FINISHED])

    @finished.setter
    def finished(self, value: bool) -> None:
        self.gs[L.G_FINISHED] = 1 if value else 0

    @property
    def assist_credit(self) -> int:
        """Go: gp.gcAssistBytes: allocation credit in bytes of scan work (negative: debt)."""
        return int(self.gs[L.G_ASSIST_CREDIT])

    @assist_credit.setter
    def assist_credit(self, value: int) -> None:
        self.gs[L.G_ASSIST_CREDIT] = value

    @property
    def stack_black(self) -> bool:
        """The stack was scanned this cycle (Go: gp.gcscandone)."""
        return bool(self.gs[L.G_STACK_BLACK])

    @stack_black.setter
    def stack_black(self, value: bool) -> None:
        self.gs[L.G_STACK_BLACK] = 1 if value else 0

    @property
    def stack_bytes(self) -> int:
        return int(self.gs[L.G_STACK_BYTES])

    @property
    def stack_alloc_bytes(self) -> int:
        """Bytes of stack allocated: Go stacks start at 2 KiB and double (runtime.newstack)."""
        return int(stack_alloc_sizes(np.array([self.stack_bytes]))[0])

    def live_slots(self) -> np.ndarray:
        return self.stack[: self.sp]

    def grow_stack(self, need: int) -> None:
        """Go grows stacks by copying into one twice the size (runtime.newstack)."""
        cap = self.stack.shape[0]
        while cap < need:
            cap *= 2
        new = np.full(cap, -1, np.int32)
        new[: self.stack.shape[0]] = self.stack
        self.stack = new


@dataclass(frozen=True)
class _StackSums:
    key: object  # the stack epoch, or the stack-size and finished columns, they were taken at
    live_bytes: int
    alloc_sizes: np.ndarray
    alloc_bytes: int


@dataclass
class Roots:
    globals: np.ndarray
    goroutines: list[Goroutine]
    gs_table: np.ndarray = field(init=False)
    _stack_memo: _StackSums | None = field(default=None, init=False, repr=False)
    #: set by the simulator: a number that changes whenever a stack size or a goroutine's
    #: end may have changed (``ctr[STACK_EPOCH]``); without it the memo compares the columns
    stack_epoch: Callable[[], int] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.gs_table = np.zeros((len(self.goroutines), L.G_N), np.int64)
        for i, g in enumerate(self.goroutines):
            self.gs_table[i] = g.gs
            g.gs = self.gs_table[i]  # a row view: the kernels write the table

    def _stacks(self) -> _StackSums:
        """The stack figures, recomputed only when a stack size or a goroutine's end
        changed since the last call (they are read at every heap sample and assist)."""
        t = self.gs_table
        key: object
        if self.stack_epoch is not None:
            key = self.stack_epoch()
        else:
            key = t[:, L.G_STACK_BYTES].tobytes() + t[:, L.G_FINISHED].tobytes()
        if self._stack_memo is None or self._stack_memo.key != key:
            live = t[:, L.G_STACK_BYTES][t[:, L.G_FINISHED] == 0]
            alloc = stack_alloc_sizes(live)
            alloc.flags.writeable = False
            self._stack_memo = _StackSums(key, int(live.sum()), alloc, int(alloc.sum()))
        return self._stack_memo

    def stack_alloc_sizes(self) -> np.ndarray:
        """Each unfinished goroutine's allocated stack bytes (read-only)."""
        return self._stacks().alloc_sizes

    @property
    def globals_bytes(self) -> int:
        return 8 * int(self.globals.shape[0])

    def stack_bytes(self) -> int:
        """Bytes of live frames over all goroutines (what a stack scan covers)."""
        return self._stacks().live_bytes

    def stack_alloc_bytes(self) -> int:
        """Allocated stack bytes (Go's maxStackScan, gctrace's "MB stacks")."""
        return self._stacks().alloc_bytes

    def stack_slots(self) -> np.ndarray:
        """Every live stack slot of every goroutine (nil included), concatenated."""
        parts = [g.live_slots() for g in self.goroutines if not g.finished]
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)

    def all_root_slots(self) -> np.ndarray:
        """Every root pointer (globals and live stack slots), nil included."""
        parts = [self.globals] + [g.live_slots() for g in self.goroutines if not g.finished]
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)
