"""Roots: the program's globals and each goroutine's stack of pointer slots.

Rule: every goroutine's state vector (``gs``) is a row of one table (``Roots.gs_table``),
so sums over all goroutines (stack bytes, allocated stacks) are one numpy operation, not
a Python loop: their cost does not grow with the goroutine count in Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from framework.runtime import layout as L
from framework.runtime.memstats import (
    stack_alloc_sizes,
    stack_bytes_of_orders,
    stack_order_counts,
    stack_spans_of_orders,
)

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


@dataclass
class Roots:
    globals: np.ndarray
    goroutines: list[Goroutine]
    gs_table: np.ndarray = field(init=False)
    #: the counter array where the kernels keep Go's stack accounting (``layout.STACK_*``,
    #: updated by PUSH, POP and a goroutine's end), once ``keep_stack_counts`` gave it;
    #: without it the figures are computed from the table at every call
    counters: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.gs_table = np.zeros((len(self.goroutines), L.G_N), np.int64)
        for i, g in enumerate(self.goroutines):
            self.gs_table[i] = g.gs
            g.gs = self.gs_table[i]  # a row view: the kernels write the table

    def keep_stack_counts(self, ctr: np.ndarray) -> None:
        """Set the stack counters in ``ctr`` from the table; from now on the kernels keep
        them and every figure below is read from them in O(1)."""
        live = self._live_stack_bytes()
        ctr[L.STACK_LIVE_SUM] = int(live.sum())
        ctr[L.STACK_ORDERS : L.STACK_ORDERS + 64] = stack_order_counts(live)
        self.counters = ctr

    def _live_stack_bytes(self) -> np.ndarray:
        t = self.gs_table
        return t[:, L.G_STACK_BYTES][t[:, L.G_FINISHED] == 0]

    @property
    def globals_bytes(self) -> int:
        return 8 * int(self.globals.shape[0])

    def stack_bytes(self) -> int:
        """Bytes of live frames over all goroutines (what a stack scan covers)."""
        if self.counters is not None:
            return int(self.counters[L.STACK_LIVE_SUM])
        return int(self._live_stack_bytes().sum())

    def stack_alloc_bytes(self) -> int:
        """Allocated stack bytes (Go's maxStackScan, gctrace's "MB stacks")."""
        return stack_bytes_of_orders(self._stack_orders())

    def stack_spans(self) -> tuple[int, int]:
        """(bytes, spans) of Go's stack memory for the goroutines' stacks."""
        return stack_spans_of_orders(self._stack_orders())

    def _stack_orders(self) -> np.ndarray:
        """How many unfinished goroutines' stacks are 2^k bytes (``layout.STACK_ORDERS``)."""
        if self.counters is not None:
            return self.counters[L.STACK_ORDERS : L.STACK_ORDERS + 64]
        return stack_order_counts(self._live_stack_bytes())

    def stack_slots(self) -> np.ndarray:
        """Every live stack slot of every goroutine (nil included), concatenated."""
        parts = [g.live_slots() for g in self.goroutines if not g.finished]
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)

    def all_root_slots(self) -> np.ndarray:
        """Every root pointer (globals and live stack slots), nil included."""
        parts = [self.globals] + [g.live_slots() for g in self.goroutines if not g.finished]
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)
