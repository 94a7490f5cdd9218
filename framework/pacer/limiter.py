"""Go 1.19's GC CPU limiter (runtime/mgclimit.go): a leaky bucket of capacity
``GOMAXPROCS * 1 s`` filled by GC CPU time and drained by mutator time one for one, so it
engages when GC uses more than about 50% of the CPU for a sustained period; while it is
engaged, mark assists are skipped (the heap may overshoot its goal).

Deviation: Go assumes background mark workers use exactly 25% of the window; here their
recorded time is used. Idle time (including idle mark workers) counts as neither.
"""

from __future__ import annotations

from dataclasses import dataclass

CAPACITY_PER_PROC_NS = 1e9  # Go: capacityPerProc
UPDATE_PERIOD_NS = 10e6  # Go: gcCPULimiterUpdatePeriod


@dataclass
class CpuLimiter:
    nprocs: int
    fill: float = 0.0
    enabled: bool = False
    last_ns: float = 0.0
    enabled_count: int = 0  # updates that found it engaged

    @property
    def capacity(self) -> float:
        return self.nprocs * CAPACITY_PER_PROC_NS

    def due(self, now_ns: float) -> bool:
        return now_ns - self.last_ns >= UPDATE_PERIOD_NS

    def update(self, now_ns: float, gc_ns: float, idle_ns: float) -> None:
        """Account the window since the last update: ``gc_ns`` of GC CPU and ``idle_ns`` of
        idle CPU in it (both summed over Ps)."""
        window = max(0.0, (now_ns - self.last_ns) * self.nprocs)
        self.last_ns = now_ns
        mutator = max(0.0, window - idle_ns - gc_ns)
        change = gc_ns - mutator
        if self.fill + change >= self.capacity:
            self.fill = self.capacity
            self.enabled = True
            self.enabled_count += 1
        else:
            self.fill = max(0.0, self.fill + change)
            self.enabled = False

    @property
    def limiting(self) -> bool:
        return self.enabled
