"""The pacer plug-in interface: when a cycle starts (trigger), what heap it aims at (goal),
how the background mark work is split (workers) and how much assist work an allocated byte
owes (assist ratio).

Rules: a pacer is pure bookkeeping; it never touches the heap or the clock. Collectors feed
it measurements (``reset_live``, ``end_cycle``) and ask it questions.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

GC_BACKGROUND_UTILIZATION = 0.25  # Go: gcBackgroundUtilization
MAX_UTIL_ERROR = 0.3  # Go: startCycle's maxUtilError
NO_LIMIT = (1 << 63) - 1
MAX_MIB = float(1 << 30)  # the largest memory size a config may give, in MiB (1 PiB)


class PacerParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    gogc: int | Literal["off"] = Field(100, description="GOGC percent, or 'off'")
    memory_limit_mib: Annotated[float, Field(gt=0, le=MAX_MIB)] | Literal["off"] = Field(
        "off", description="GOMEMLIMIT in MiB (up to 2^30, an exbibyte), or 'off'"
    )

    @field_validator("gogc")
    @classmethod
    def _gogc(cls, v: int | str) -> int | str:
        if isinstance(v, int) and not 1 <= v <= 100_000:
            raise ValueError("must be between 1 and 100000, or 'off'")
        return v

    @property
    def gogc_percent(self) -> int | None:
        """GOGC as a number, None when off."""
        return None if self.gogc == "off" else int(self.gogc)

    @property
    def memory_limit_bytes(self) -> int:
        return NO_LIMIT if self.memory_limit_mib == "off" else int(self.memory_limit_mib * 2**20)


@dataclass(frozen=True)
class Workers:
    dedicated: int
    fractional_goal: float  # per-P fraction of mark time (Go: fractionalUtilizationGoal)


@dataclass(frozen=True)
class NonHeap:
    """Memory outside heap objects, for a memory-limit goal (bytes)."""

    ready_bytes: int  # mapped and not released: heap pages ever used + stacks + globals
    heap_free_bytes: int  # free pages inside the ready heap
    heap_alloc_bytes: int  # bytes of allocated objects (incl. unswept garbage)


def background_workers(nprocs: int) -> Workers:
    """Go: startCycle's dedicated / fractional split of the 25% background goal."""
    total = nprocs * GC_BACKGROUND_UTILIZATION
    dedicated = int(total + 0.5)
    err = dedicated / total - 1
    if err < -MAX_UTIL_ERROR or err > MAX_UTIL_ERROR:
        if dedicated > total:
            dedicated -= 1
        return Workers(dedicated, (total - dedicated) / nprocs)
    return Workers(dedicated, 0.0)


MIN_SCAN_WORK_REMAINING = 1000  # Go: revise's floor on the scan work still to do


def assist_ratios(
    expected_work: float, work_done: float, goal: float, heap_live: float
) -> tuple[float, float]:
    """(assistWorkPerByte, assistBytesPerWork): the scan work left spread over the heap
    growth left before ``goal`` (Go: the end of ``gcControllerState.revise``)."""
    remaining = max(expected_work - work_done, MIN_SCAN_WORK_REMAINING)
    heap_remaining = max(goal - heap_live, 1)
    return remaining / heap_remaining, heap_remaining / remaining


class Pacer(abc.ABC):
    name: ClassVar[str]
    Params: ClassVar[type[PacerParams]]

    def __init__(self, params: PacerParams) -> None:
        self.params = params
        self.gogc = params.gogc_percent
        self.memory_limit = params.memory_limit_bytes
        self.heap_marked = 0
        self.triggered: int | None = None
        self.globals_scan = 0  # Go: gcControllerState.globalsScan (addGlobals)
        self.max_stack_scan = 0  # Go: gcControllerState.maxStackScan (addScannableStack)

    # --- non-heap scan sources, known before the first cycle ----------------------------
    def add_globals(self, amount: int) -> None:
        """Go: ``addGlobals`` (called by ``modulesinit`` for each module's data+bss, before
        ``gcinit``). Counts from the next ``commit``; use ``set_globals_scan`` to apply it
        to the goal in force."""
        self.globals_scan += amount

    def set_globals_scan(self, nbytes: int) -> None:
        """Set ``globalsScan`` and recommit, so the goal in force counts it. Go's globals
        are known before ``gcinit``'s first ``commit``; a simulator learns them when the
        program is loaded, after the pacer exists."""
        self.globals_scan = nbytes
        self.recommit()

    def add_scannable_stack(self, delta: int) -> None:
        """Go: ``addScannableStack``: allocated goroutine stack bytes (``maxStackScan``),
        grown when a stack is allocated or grows and shrunk when it is freed. ``revise``
        uses it for the worst-case scan work."""
        self.max_stack_scan += delta

    def recommit(self) -> None:
        """Re-run ``commit`` with the inputs of the last one (default: nothing)."""
        return None

    @abc.abstractmethod
    def reset_live(
        self,
        marked: int,
        heap_scan_work: int,
        stack_scan_work: int,
        globals_bytes: int | None = None,
    ) -> None:
        """Mark termination: what the cycle measured (Go: resetLive). ``globals_bytes``,
        when given, replaces ``globalsScan`` (Go keeps its own count)."""

    @abc.abstractmethod
    def commit(self, heap_live: int, sweep_done: bool) -> None:
        """Mark termination, after ``reset_live``/``end_cycle``: fix the next goal."""

    @abc.abstractmethod
    def goal(self, nh: NonHeap | None = None) -> int | None:
        """The heap goal in force; None: no goal (GOGC=off without a limit)."""

    @abc.abstractmethod
    def trigger(self, nh: NonHeap | None = None) -> tuple[int | None, int | None]:
        """(trigger, goal): start a cycle when heapLive reaches the trigger."""

    def workers(self, nprocs: int) -> Workers:
        return background_workers(nprocs)

    def start_cycle(self, nh: NonHeap | None = None) -> None:
        self.triggered, _ = self.trigger(nh)

    @abc.abstractmethod
    def assist_ratio(
        self,
        work_done: int,
        heap_live: int,
        heap_scan: int,
        max_stack_scan: int | None = None,
        nh: NonHeap | None = None,
    ) -> tuple[float, float]:
        """(scan work per allocated byte, allocated bytes per scan work).
        ``max_stack_scan`` None: the pacer's own ``max_stack_scan``."""

    def end_cycle(
        self,
        *,
        heap_live: int,
        mark_ns: float,
        assist_ns: float,
        idle_ns: float,
        scan_work: int,
        nprocs: int,
    ) -> None:
        """Mark termination: update estimates from the cycle (default: nothing)."""
        return None

    def state(self) -> dict[str, float]:
        """Pacer internals worth recording per cycle (e.g. the cons/mark estimate)."""
        return {}
