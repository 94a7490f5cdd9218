"""How summary metrics are shown in tables and figures: label, unit and scale.

Rule: metrics are stored in base units (ns, bytes, fractions); a display value is
``value * scale`` in ``unit``. Metrics not listed here are shown as they are, under their key.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = float(1 << 20)


@dataclass(frozen=True)
class Unit:
    label: str
    unit: str  # "" for a dimensionless count or ratio
    scale: float = 1.0
    digits: int = 2

    def axis_label(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


METRICS: dict[str, Unit] = {
    "gc_cycles": Unit("GC cycles", "", 1, 1),
    "gc_cpu_fraction": Unit("GC CPU", "%", 100, 1),
    "mutator_utilization": Unit("mutator utilisation", "%", 100, 1),
    "pause_max_ns": Unit("max pause", "µs", 1e-3, 1),
    "pause_p50_ns": Unit("median pause", "µs", 1e-3, 1),
    "pause_p95_ns": Unit("p95 pause", "µs", 1e-3, 1),
    "pause_p99_ns": Unit("p99 pause", "µs", 1e-3, 1),
    "pause_total_ns": Unit("total pause", "ms", 1e-6, 2),
    "pause_mark_termination_max_ns": Unit("max mark-termination pause", "µs", 1e-3, 1),
    "pause_sweep_termination_max_ns": Unit("max sweep-termination pause", "µs", 1e-3, 1),
    "assist_ns": Unit("mark assist time", "ms", 1e-6, 2),
    "sim_time_ns": Unit("simulated time", "ms", 1e-6, 2),
    "throughput_ops_per_s": Unit("throughput", "Mops/s", 1e-6, 1),
    "heap_peak_bytes": Unit("peak heap in use", "MiB", 1 / MiB, 1),
    "heap_live_mean_bytes": Unit("mean live heap", "MiB", 1 / MiB, 1),
    "heap_goal_mean_bytes": Unit("mean heap goal", "MiB", 1 / MiB, 1),
    "heap_overhead": Unit("heap overhead (peak / live)", "", 1, 2),
    "frag_internal": Unit("internal fragmentation", "%", 100, 2),
    "frag_external": Unit("external fragmentation", "%", 100, 2),
    "span_bytes_per_live": Unit("span bytes / live bytes", "", 1, 2),
    "floating_garbage_bytes_mean": Unit("floating garbage per cycle", "MiB", 1 / MiB, 2),
    "background_utilization_mean": Unit("background mark utilisation", "%", 100, 1),
}

#: the default columns of ``gclab report``
REPORT_METRICS = [
    "gc_cycles",
    "gc_cpu_fraction",
    "pause_max_ns",
    "pause_p99_ns",
    "heap_peak_bytes",
    "heap_overhead",
    "sim_time_ns",
]


def unit(key: str) -> Unit:
    return METRICS.get(key, Unit(key, "", 1, 3))
