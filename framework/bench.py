"""``gclab bench``: the speed and memory figures the project commits to.

1. Simulation speed on ``steady`` (500,000 live objects of 64 B with one pointer each,
   4,096 anchors, random replacement, GOGC=100, GOMAXPROCS=2), per collector, in the
   workload's own units: replacements and allocations per wall-clock second (one
   replacement is about four mutator ops; ops/s is kept for the targets below). Kernels
   are compiled (or loaded from numba's cache) by a warm-up run
   first, so the figure is the steady-state simulation speed. The simulator is
   single-threaded, so this is a one-core figure.
2. Peak simulator memory per live object at 10 M live objects, measured in a child process
   as peak RSS growth over the RSS after imports and warm-up, divided by the live objects.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from typing import Any

from framework.cli.console import out as shown
from framework.config import parse_config
from framework.simulation import simulate

TARGET_OPS_PER_S = {"stw": 2_000_000, "concurrent": 1_000_000}
TARGET_BYTES_PER_OBJECT = 200


def steady_config(collector: dict[str, Any], live: int, replacements: int, seed: int = 1) -> Any:
    return parse_config(
        {
            "run": {"seed": seed, "gomaxprocs": 2},
            "workload": {
                "name": "steady",
                "live_objects": live,
                "object_size": 64,
                "pointers": 1,
                "anchors": 4096,
                "replacements": replacements,
                "replace": "random",
            },
            "collector": collector,
            "pacer": {"gogc": 100},
        }
    )


def _warm_up(collector: dict[str, Any]) -> None:
    simulate(steady_config(collector, 5000, 20_000))


def ops_per_second(collector: dict[str, Any], live: int, replacements: int) -> dict[str, Any]:
    _warm_up(collector)
    r = simulate(steady_config(collector, live, replacements))
    s = r.summary
    return {
        "collector": collector["name"],
        "live_objects": live,
        "mutator_ops": s["mutator_ops"],
        "wall_s": s["wall_s"],
        "ops_per_s": s["mutator_ops"] / s["wall_s"],
        "replacements_per_s": replacements / s["wall_s"],
        "allocations_per_s": s["alloc_count"] / s["wall_s"],
        "gc_cycles": s["gc_cycles"],
    }


def _rss_peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def memory_child(live: int) -> dict[str, Any]:
    """Run in a fresh process: peak RSS growth per live object."""
    _warm_up({"name": "stw"})
    base = _rss_peak_bytes()
    t0 = time.perf_counter()
    r = simulate(steady_config({"name": "stw"}, live, live // 5))
    peak = _rss_peak_bytes()
    return {
        "live_objects": live,
        "rss_base_bytes": base,
        "rss_peak_bytes": peak,
        "bytes_per_object": (peak - base) / live,
        "wall_s": time.perf_counter() - t0,
        "heap_peak_bytes": r.summary["heap_peak_bytes"],
    }


def memory_per_object(live: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "framework.bench", "--memory-child", str(live)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_bench(quick: bool = False, collectors: list[str] | None = None) -> list[dict[str, Any]]:
    live, repl, mem_live = (50_000, 200_000, 500_000) if quick else (500_000, 2_500_000, 10_000_000)
    rows: list[dict[str, Any]] = []
    for name in collectors or list(TARGET_OPS_PER_S):
        spec = {"name": name, "barrier": "hybrid"} if name == "concurrent" else {"name": name}
        r = ops_per_second(spec, live, repl)
        r["target"] = TARGET_OPS_PER_S.get(name, 0)
        rows.append(r)
        shown.info(
            f"steady {live:,} live x 64 B, {name:>10}: "
            f"{r['replacements_per_s']:>10,.0f} replacements/s, "
            f"{r['allocations_per_s']:>10,.0f} allocations/s "
            f"({repl:,} replacements in {r['wall_s']:.2f} s, {r['gc_cycles']} cycles; "
            f"{r['ops_per_s']:,.0f} ops/s, target >= {r['target']:,})"
        )
    m = memory_per_object(mem_live)
    m["target"] = TARGET_BYTES_PER_OBJECT
    rows.append(m)
    shown.info(
        f"memory at {mem_live:,} live objects: {m['bytes_per_object']:.1f} B per live object "
        f"(peak RSS {m['rss_peak_bytes'] / 2**20:.0f} MiB, base {m['rss_base_bytes'] / 2**20:.0f}"
        f" MiB; target <= {TARGET_BYTES_PER_OBJECT})"
    )
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--memory-child":
        print(json.dumps(memory_child(int(sys.argv[2]))))
