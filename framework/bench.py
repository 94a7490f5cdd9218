"""``gclab bench``: the speed and memory figures the project commits to.

1. Simulation speed on ``steady`` (500,000 live objects of 64 B with one pointer each,
   4,096 anchors, random replacement, GOGC=100, GOMAXPROCS=2), per collector, in the
   workload's own units: replacements and allocations per wall-clock second (one
   replacement is about four mutator ops; ops/s is kept for the targets below). Kernels
   are compiled (or loaded from numba's cache) by a warm-up run
   first, so the figure is the steady-state simulation speed. The simulator is
   single-threaded, so this is a one-core figure. Beside it, the whole-process wall time
   of the same work as a user runs it (a fresh ``gclab run`` process: imports, loading
   the compiled kernels, simulating, writing the run folder), the figure to put beside
   the real Go program's (``experiments/go_reference/speed.py`` does that side by side).
2. Peak simulator memory per live object, per collector (the concurrent collector with Go's
   barrier, ``hybrid-go``, and the stop-the-world one), at 10 M live objects by default
   (``--memory-live N`` for others, e.g. 10^8), measured in a child process as peak RSS
   growth over the RSS after imports and a warm-up run of the same collector (the
   high-water mark is reset there, so the warm-up's transient memory does not hide the
   run's), divided by the live objects. The run makes twice the live objects in
   replacements, so the heap has reached its GOGC goal with garbage (about 2.3 slots per
   live object) rather than only the live set; the figure counts every table, the
   globals, the workload and the transient copies (docs/architecture.md, "Memory").
"""

from __future__ import annotations

import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import tomli_w

from framework.cli.console import out as shown
from framework.config import config_to_dict, parse_config
from framework.simulation import simulate

TARGET_OPS_PER_S = {"stw": 2_000_000, "concurrent": 1_000_000}
TARGET_BYTES_PER_OBJECT = 64
MEMORY_COLLECTORS = {
    "concurrent": {"name": "concurrent", "barrier": "hybrid-go"},
    "stw": {"name": "stw"},
}
MEMORY_REPLACEMENTS_PER_LIVE = 2


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


def process_wall_s(cfg: Any) -> float:
    """Whole-process wall seconds of ``gclab run`` on ``cfg`` in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="gclab-bench-") as tmp:
        path = Path(tmp) / "bench.toml"
        path.write_text(tomli_w.dumps(config_to_dict(cfg)))
        cmd = [sys.executable, "-m", "framework", "run", str(path), "--out", tmp + "/run"]
        t0 = time.perf_counter()
        subprocess.run([*cmd, "--no-plot", "-q"], check=True)
        return time.perf_counter() - t0


def ops_per_second(collector: dict[str, Any], live: int, replacements: int) -> dict[str, Any]:
    _warm_up(collector)
    cfg = steady_config(collector, live, replacements)
    r = simulate(cfg)
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
        "process_wall_s": process_wall_s(cfg),
    }


def _rss_peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _status_bytes(key: str) -> int | None:
    """``VmRSS`` or ``VmHWM`` from /proc/self/status (Linux), else None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_peak() -> int:
    """Start a fresh peak: on Linux the RSS high-water mark is reset (``clear_refs`` 5), so
    memory the warm-up held only briefly (loading the compiled kernels) does not hide the
    run's own growth; returns the RSS the peak is measured from."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return _rss_peak_bytes()
    return _status_bytes("VmRSS") or _rss_peak_bytes()


def _peak_since_reset() -> int:
    return _status_bytes("VmHWM") or _rss_peak_bytes()


def memory_child(live: int, collector: str = "concurrent") -> dict[str, Any]:
    """Run in a fresh process: peak RSS growth per live object."""
    spec = MEMORY_COLLECTORS[collector]
    _warm_up(spec)
    base = _reset_peak()
    t0 = time.perf_counter()
    repl = MEMORY_REPLACEMENTS_PER_LIVE * live
    r = simulate(steady_config(spec, live, repl))
    peak = _peak_since_reset()
    return {
        "collector": collector,
        "barrier": spec.get("barrier", ""),
        "live_objects": live,
        "replacements": repl,
        "rss_base_bytes": base,
        "rss_peak_bytes": peak,
        "bytes_per_object": (peak - base) / live,
        "wall_s": time.perf_counter() - t0,
        "gc_cycles": r.summary["gc_cycles"],
        "heap_peak_bytes": r.summary["heap_peak_bytes"],
    }


def memory_per_object(live: int, collector: str = "concurrent") -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "framework.bench", "--memory-child", str(live), collector],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_bench(
    quick: bool = False,
    collectors: list[str] | None = None,
    memory_live: list[int] | None = None,
    memory_only: bool = False,
) -> list[dict[str, Any]]:
    live, repl, mem_live = (50_000, 200_000, 500_000) if quick else (500_000, 2_500_000, 10_000_000)
    names = collectors or list(TARGET_OPS_PER_S)
    rows: list[dict[str, Any]] = []
    for name in [] if memory_only else names:
        spec = {"name": name, "barrier": "hybrid"} if name == "concurrent" else {"name": name}
        r = ops_per_second(spec, live, repl)
        r["target"] = TARGET_OPS_PER_S.get(name, 0)
        rows.append(r)
        shown.info(
            f"steady {live:,} live x 64 B, {name:>10}: "
            f"{r['replacements_per_s']:>10,.0f} replacements/s, "
            f"{r['allocations_per_s']:>10,.0f} allocations/s "
            f"({repl:,} replacements in {r['wall_s']:.2f} s, whole process "
            f"{r['process_wall_s']:.2f} s, {r['gc_cycles']} cycles; "
            f"{r['ops_per_s']:,.0f} ops/s, target >= {r['target']:,})"
        )
    for n in memory_live or [mem_live]:
        for name in [c for c in MEMORY_COLLECTORS if c in names]:
            m = memory_per_object(n, name)
            m["target"] = TARGET_BYTES_PER_OBJECT
            rows.append(m)
            label = f"{name} ({m['barrier']})" if m["barrier"] else name
            shown.info(
                f"memory at {n:,} live objects, {label}: {m['bytes_per_object']:.1f} B per live "
                f"object (peak RSS {m['rss_peak_bytes'] / 2**20:,.0f} MiB, base "
                f"{m['rss_base_bytes'] / 2**20:,.0f} MiB; {m['replacements']:,} replacements, "
                f"{m['gc_cycles']} cycles in {m['wall_s']:.1f} s; "
                f"target <= {TARGET_BYTES_PER_OBJECT})"
            )
    return rows


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--memory-child":
        print(json.dumps(memory_child(int(sys.argv[2]), *sys.argv[3:])))
