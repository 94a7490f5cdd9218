"""A gctrace log (and optionally MemStats) -> the ``replay`` workload and its config.

Rules (sizes are gctrace's whole MiB, read as the middle of their MiB, ``+ 0.5``):

- Cycles: every record of the log; fewer than ``MIN_CYCLES`` or only forced cycles is bad
  input (``BadInputError``). Segment k ends at the start of logged cycle k (the head
  segment at cycle 1, a tail after the last one).
- Allocation: Go 1.19 resets heapLive to the marked bytes at mark termination and adds
  every allocation to it (runtime/mgcpacer.go ``gcControllerState.resetLive``,
  ``update``), so between two cycle starts the program allocated
  ``(heap at mark end - heap at start)`` of the first cycle plus ``(heap at next start -
  marked)``; before the first cycle it allocated the first heap at start. The tail
  allocates ``TotalAlloc`` minus all that with MemStats, else half the last runway.
- Live heap: Go marks everything reachable at mark start plus every object allocated
  during mark (allocate-black, runtime/malloc.go ``mallocgc``: ``gcmarknewobject``), so
  the live heap at a cycle's start is ``marked - (heap at mark end - heap at start)``.
- GOGC: the GOGC goal of runtime/mgcpacer.go ``gcControllerState.commit`` (1.19,
  ``gcPercentHeapGoal``) is ``marked + (marked + stack scan + globals) * GOGC / 100``;
  the log's GOGC is the median of that solved per cycle (stack scan taken as half the
  allocated stacks), rounded to 5.
  The scanned stack is then the median of the same equation solved for it.
- Goroutines: Go gives idle Ps idle-priority mark workers (runtime/proc.go
  ``findRunnable``), so a log whose cycles have no idle mark CPU kept every P busy: one
  allocating goroutine per P; else one goroutine.
- Pointers: the log only shows whether marking costs like pointer-free memory
  (mark CPU per marked byte below ``NOSCAN_NS_PER_BYTE``): then 0 pointer fields, else 1.
- Sizes: MemStats ``BySize`` (up to ``MAX_SIZES`` classes by bytes, plus large objects),
  else ``TotalAlloc / Mallocs``, else 64 bytes.
- Mutator work: a segment's wall time times the Ps the mutator can use, minus the GC CPU
  that ran on them (STW, assists, and background marking beyond the idle Ps), is the
  mutator's CPU; the per-allocation cost the default cost model charges is taken off and
  the rest is ``COMPUTE`` per allocation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from framework.cli.usage import BadInputError

MiB = 1 << 20
MIN_CYCLES = 3
NOSCAN_NS_PER_BYTE = 0.25
MAX_SIZES = 16
PAGE = 8192


@dataclass
class Derived:
    """The derivation: the config data, the log's settings and what was assumed."""

    config: dict[str, Any]
    cycles: pd.DataFrame
    log_gogc: int
    log_memory_limit_mib: int | None
    gomaxprocs: int
    notes: list[str] = field(default_factory=list)
    tail_ns: float = 0.0  # the tail segment's duration


def progress(
    cycles: pd.DataFrame, whole_mib: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cycle: bytes allocated before its start, bytes marked, start time (ns). Sizes
    of a log (``whole_mib``) are read as the middle of their MiB."""
    read = _mid if whole_mib else (lambda v: v.to_numpy(dtype=np.float64))
    h0, h1, m = (read(cycles[k]) for k in ("heap_at_start", "heap_at_mark_end", "marked"))
    during = np.maximum(h1 - h0, 0.0)
    x = np.empty(len(h0))
    x[0] = h0[0]
    x[1:] = h0[0] + np.cumsum(during[:-1] + np.maximum(h0[1:] - m[:-1], 0.0))
    return x, m, cycles["start_ns"].to_numpy(np.float64)


def gc_steal(df: pd.DataFrame, procs: int, pm: int) -> np.ndarray:
    """Per cycle: the GC CPU taken from the mutator's ``pm`` Ps (STW on them, assists,
    background marking beyond the other Ps' mark time)."""
    stw = (df["stw_sweep_term_ns"] + df["stw_mark_term_ns"]).to_numpy(np.float64)
    bg = df["background_cpu_ns"].to_numpy(np.float64)
    spare = (procs - pm) * df["concurrent_mark_ns"].to_numpy(np.float64)
    return stw * pm + df["assist_cpu_ns"].to_numpy(np.float64) + np.maximum(bg - spare, 0.0)


def read_memstats(path: str | Path) -> dict[str, Any]:
    """A MemStats JSON: ``record.py``'s run file (``report.memstats``, ``env``, ``build``)
    or a bare ``runtime.MemStats`` object. Returns ``{"memstats", "env", "globals_bytes",
    "work_s"}`` (missing parts None)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadInputError(f"--memstats {p}: not a readable JSON file ({e})") from None
    if not isinstance(data, dict):
        raise BadInputError(f"--memstats {p}: expected a JSON object (runtime.MemStats)")
    report = data.get("report") if isinstance(data.get("report"), dict) else None
    ms = report.get("memstats") if report else data
    if not isinstance(ms, dict) or not all(
        isinstance(ms.get(k), int) for k in ("TotalAlloc", "Mallocs")
    ):
        raise BadInputError(
            f"--memstats {p}: no MemStats (needs integer TotalAlloc and Mallocs, at the top "
            "or under report.memstats as record.py writes)"
        )
    build = data.get("build") if isinstance(data.get("build"), dict) else {}
    return {
        "memstats": ms,
        "env": data.get("env") if isinstance(data.get("env"), dict) else None,
        "globals_bytes": build.get("globals_bytes"),
        "work_s": report.get("work_s") if report else None,
    }


def _mid(v: pd.Series) -> np.ndarray:
    return v.to_numpy(dtype=np.float64) + 0.5 * MiB


def check_cycles(cycles: pd.DataFrame, source: str) -> pd.DataFrame:
    """The log's cycles, or ``BadInputError`` saying why they cannot be replayed."""
    if len(cycles) < MIN_CYCLES:
        raise BadInputError(
            f"{source}: {len(cycles)} gctrace cycle(s); replay needs at least {MIN_CYCLES} "
            "lines 'gc N @...' (run the program with GODEBUG=gctrace=1)"
        )
    if cycles["forced"].all():
        raise BadInputError(
            f"{source}: every cycle is forced (runtime.GC); replay needs cycles the pacer started"
        )
    if not cycles["start_ns"].is_monotonic_increasing:
        raise BadInputError(f"{source}: cycle start times go backwards; one run's log only")
    return cycles.reset_index(drop=True)


def infer_gogc(cycles: pd.DataFrame, globals_b: float) -> int:
    """The log's GOGC (see the module rule); 100 if no cycle tells."""
    c = cycles[~cycles["forced"]].iloc[1:]
    m, goal, st = _mid(c["marked"]), _mid(c["goal"]), c["stack_bytes"].to_numpy(float)
    ok = goal > m
    if not ok.any():
        return 100
    r = 100 * (goal[ok] - m[ok]) / (m[ok] + 0.5 * st[ok] + globals_b)
    return max(5, int(5 * round(float(np.median(r)) / 5)))


def _sizes(info: dict[str, Any] | None) -> tuple[list[int], list[float], list[str]]:
    if info is None:
        return [64], [1.0], ["object size: 64 B assumed (no --memstats)"]
    ms = info["memstats"]
    total, count = ms["TotalAlloc"], ms["Mallocs"]
    by = [b for b in ms.get("BySize") or [] if b.get("Mallocs", 0) > 0 and b.get("Size", 0) > 0]
    if not by:
        s = max(1, round(total / max(1, count)))
        return [s], [1.0], [f"object size: {s} B (TotalAlloc / Mallocs)"]
    small_n = sum(b["Mallocs"] for b in by)
    small_b = sum(b["Mallocs"] * b["Size"] for b in by)
    rows = [(b["Size"], b["Mallocs"]) for b in by]
    if count > small_n and total > small_b:
        rows.append((min(1 << 24, round((total - small_b) / (count - small_n))), count - small_n))
    rows.sort(key=lambda r: -r[0] * r[1])
    rows = rows[:MAX_SIZES]
    n = sum(r[1] for r in rows)
    return (
        [r[0] for r in rows],
        [r[1] / n for r in rows],
        [f"object sizes: {len(rows)} size classes from MemStats BySize"],
    )


def alloc_cost_ns(
    cost: Any, mean_size: float, pointers: int, holder: str, heap_bytes: float
) -> float:
    """What the cost model charges the mutator per allocation of the replay workload (its
    ALLOC, pointer stores, slot store, span refills and the sweeping they do)."""
    miss = max(0.0, 1.0 - cost.cache_mib * MiB / max(heap_bytes, 1.0)) * cost.miss_ns
    h = 1 if holder == "globals" else 2
    accesses = h + 2 * pointers
    spans = mean_size / PAGE
    return (
        cost.alloc_ns
        + mean_size * (cost.alloc_byte_ns + (cost.alloc_scan_byte_ns if pointers else 0))
        + spans * (cost.span_alloc_ns + cost.sweep_span_ns)
        + cost.sweep_object_ns
        + accesses * (cost.store_ns + miss)
    )


def derive(
    cycles: pd.DataFrame,
    source: str,
    memstats: dict[str, Any] | None = None,
    log_gogc: int | None = None,
    log_memory_limit_mib: int | None = None,
) -> Derived:
    """The replay config (TOML data) of a log's cycles; see the module rules."""
    from framework.config.schema import CostModel

    c = check_cycles(cycles, source)
    notes: list[str] = []
    n = len(c)
    procs = int(c["gomaxprocs"].iloc[-1])
    h0, h1, m, goal = (_mid(c[k]) for k in ("heap_at_start", "heap_at_mark_end", "marked", "goal"))
    t = c["start_ns"].to_numpy(np.float64)
    stacks = c["stack_bytes"].to_numpy(np.float64)
    log_globals = float(c["globals_bytes"].max()) + 0.5 * MiB
    if memstats and memstats.get("globals_bytes"):
        log_globals = float(memstats["globals_bytes"])
    gogc = log_gogc if log_gogc is not None else infer_gogc(c, log_globals)
    if log_gogc is None:
        notes.append(f"log's GOGC: {gogc} (inferred from goal / marked)")
    env = (memstats or {}).get("env") or {}
    if log_memory_limit_mib is None and str(env.get("GOMEMLIMIT", "off")).endswith("MiB"):
        log_memory_limit_mib = int(str(env["GOMEMLIMIT"])[:-3])
    # Live heap at each cycle's start, and allocation per segment.
    during = np.maximum(h1 - h0, 0.0)
    live = np.maximum(m - during, 0.25 * m)
    after = np.maximum(h0[1:] - m[:-1], 0.0)
    alloc = np.empty(n + 1)
    alloc[0] = h0[0]
    alloc[1:n] = during[:-1] + after
    info = memstats
    tail = 0.5 * max(goal[-1] - m[-1], 0.0)
    if info is not None:
        rest = info["memstats"]["TotalAlloc"] - alloc[:n].sum() - during[-1]
        if rest > 0:
            tail = rest
    alloc[n] = during[-1] + tail
    seg_live = np.append(live, live[-1])
    # Wall time per segment.
    dur = np.empty(n + 1)
    dur[0] = t[0]
    dur[1:n] = np.diff(t)
    rate = alloc[n - 1] / max(dur[n - 1], 1.0)
    dur[n] = alloc[n] / max(rate, 1e-9)
    if info is not None and info.get("work_s"):
        end = float(info["work_s"]) * 1e9
        if end > t[-1]:
            dur[n] = end - t[-1]
    # Goroutines, pointers, sizes, holder.
    idle = float(c["idle_cpu_ns"].sum())
    goroutines = procs if procs > 1 and idle == 0 else 1
    notes.append(
        f"goroutines: {goroutines} ("
        + ("no idle mark CPU: every P ran the program" if goroutines > 1 else "idle Ps marked")
        + ")"
    )
    mark_cpu = float((c["assist_cpu_ns"] + c["background_cpu_ns"] + c["idle_cpu_ns"]).sum())
    per_byte = mark_cpu / max(float(m.sum()), 1.0)
    sizes, weights, size_notes = _sizes(info)
    notes += size_notes
    pointers = 0 if per_byte < NOSCAN_NS_PER_BYTE else min(1, min(sizes) // 8)
    notes.append(f"pointers: {pointers} per object (mark CPU {per_byte:.2f} ns per marked byte)")
    mean = float(np.dot(sizes, weights))
    slots = seg_live.max() / mean
    holder = "globals" if log_globals >= 0.8 * 8 * slots else "heap"
    notes.append(
        f"live objects held by {holder} "
        f"(log's globals {log_globals / MiB:.1f} MiB, {slots * 8 / MiB:.1f} MiB of slots)"
    )
    # Scanned stack from the goal equation.
    stack_scan = 0.0
    if stacks.max() > 0:
        ok = (goal > m) & ~c["forced"].to_numpy()
        x = (goal[ok] - m[ok]) * 100 / gogc - m[ok] - log_globals
        stack_scan = float(np.clip(np.median(x[1:] if len(x) > 1 else x), 0, stacks.max()))
    # Mutator work per allocation.
    pm = min(goroutines, procs)
    steal = np.zeros(n + 1)
    steal[1:] = gc_steal(c, procs, pm)
    mut_cpu = np.maximum(dur * pm - steal, 0.2 * dur * pm)
    heap_bytes = float(np.mean(h1))
    cost = CostModel()
    per_alloc = alloc_cost_ns(cost, mean, pointers, holder, heap_bytes)
    allocs = np.maximum(alloc / mean, 1.0)
    compute = np.clip((mut_cpu / allocs - per_alloc) / cost.compute_ns, 0, 2**31 - 1)
    workload = {
        "name": "replay",
        "sizes": [int(s) for s in sizes],
        "size_weights": [round(float(w), 6) for w in weights],
        "pointers": int(pointers),
        "holder": holder,
        "globals_bytes": min(int(log_globals), 1 << 30),
        "stack_bytes": min(int(stack_scan), 1 << 30),
        "goroutines": int(goroutines),
        "segment_alloc": [int(np.rint(a)) for a in alloc],
        "segment_live": [int(np.rint(x)) for x in seg_live],
        "segment_compute": [int(np.rint(x)) for x in compute],
    }
    config = {
        "run": {"seed": 1, "gomaxprocs": procs},
        "workload": workload,
        "collector": {"name": "concurrent", "barrier": "hybrid-go"},
        "pacer": {
            "name": "go119",
            "gogc": gogc,
            "memory_limit_mib": log_memory_limit_mib if log_memory_limit_mib else "off",
        },
    }
    return Derived(config, c, gogc, log_memory_limit_mib, procs, notes, float(dur[n]))
