"""Roots: the program's globals and each goroutine's stack of pointer slots."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from framework.runtime import layout as L

INITIAL_STACK_SLOTS = 64
MIN_STACK_BYTES = 2048  # Go: _StackMin


@dataclass
class Goroutine:
    """One goroutine's stack (``stack[:sp]`` are live pointer slots) and state vector."""

    gid: int
    daemon: bool
    stack: np.ndarray = field(default_factory=lambda: np.full(INITIAL_STACK_SLOTS, -1, np.int32))
    gs: np.ndarray = field(default_factory=lambda: np.zeros(L.G_N, np.int64))
    finished: bool = False
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
        need = max(self.stack_bytes, MIN_STACK_BYTES)
        return 1 << (need - 1).bit_length()

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

    @property
    def globals_bytes(self) -> int:
        return 8 * int(self.globals.shape[0])

    def stack_bytes(self) -> int:
        """Bytes of live frames over all goroutines (what a stack scan covers)."""
        return sum(g.stack_bytes for g in self.goroutines if not g.finished)

    def stack_alloc_bytes(self) -> int:
        """Allocated stack bytes (Go's maxStackScan, gctrace's "MB stacks")."""
        return sum(g.stack_alloc_bytes for g in self.goroutines if not g.finished)

    def stack_slots(self) -> np.ndarray:
        """Every live stack slot of every goroutine (nil included), concatenated."""
        parts = [g.live_slots() for g in self.goroutines if not g.finished]
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)

    def all_root_slots(self) -> np.ndarray:
        """Every root pointer (globals and live stack slots), nil included."""
        parts = [self.globals] + [g.live_slots() for g in self.goroutines if not g.finished]
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)
