"""A run folder as Chrome trace-event JSON, the format Perfetto and chrome://tracing open.

Rules:
- the trace shows what the metrics count: per-P intervals clipped to ``[0, sim_time_ns]``
  as ``cpu_by_kind`` clips them, so the busy time per kind summed over a trace's P tracks
  is the summary's figure (``mutator_ns``, ``stw_cpu_ns``, ``assist_ns``, ...), and the
  STW pause spans sum to ``pause_total_ns``;
- one process (``pid`` 1) for the run; one thread per P (``tid`` p, named ``P<p>``), then
  a ``STW pauses`` track (a time-to-safepoint span nested in each pause), a ``GC cycles``
  track (one span per cycle, the cycle's row as args; a concurrent cycle's phases nested;
  a recorded ``sweep_end_ns`` after the cycle's end as a ``sweep`` span, cut at the next
  cycle's start) and, for RC runs, one
  track per goroutine for its cascades (goroutine pauses, which may overlap, so the STW
  track leaves them out): STW and cascade spans together sum to ``pause_total_ns``; heap
  samples become counters (``"ph": "C"``);
- ``ts`` and ``dur`` are microseconds as floats (simulated ns / 1000, exact to the ns);
  every event has ``name``, ``ph``, ``ts``, ``pid`` and ``tid``; each track's events are
  in time order, an enclosing span before the spans it holds;
- only the run folder's own files are read (``summary.json`` and the CSVs of
  ``framework.output``); a folder without them, or a CSV missing a column, is a
  ``BadInputError`` naming the file.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from framework.events import PKind
from framework.usage import BadInputError

PID = 1
RUN_FILES = ("summary.json", "intervals.csv", "pauses.csv", "heap.csv", "cycles.csv")

#: display name of each per-P interval kind (the ``cat`` is the kind's lower-case name).
KIND_NAMES: dict[PKind, str] = {
    PKind.MUTATOR: "mutator",
    PKind.GC_STW: "STW",
    PKind.GC_DEDICATED: "dedicated mark worker",
    PKind.GC_FRACTIONAL: "fractional mark worker",
    PKind.GC_ASSIST: "mark assist",
    PKind.GC_IDLE: "idle mark worker",
    PKind.SWEEP: "sweep",
    PKind.RC: "RC",
    PKind.SCAVENGE: "scavenge",
}

#: heap.csv columns drawn as counters: (column, counter name, unit); negative values
#: (goal and trigger are -1 when there is none) are left out.
COUNTERS: tuple[tuple[str, str, str], ...] = (
    ("heap_live", "heap live", "bytes"),
    ("goal", "heap goal", "bytes"),
    ("trigger", "heap trigger", "bytes"),
    ("marked_last", "heap marked (last cycle)", "bytes"),
    ("alloc_bytes", "heap allocated", "bytes"),
    ("inuse_span_bytes", "heap in use (spans)", "bytes"),
    ("mapped_bytes", "heap mapped", "bytes"),
    ("heap_released", "heap released", "bytes"),
    ("mapped_ready", "mapped ready", "bytes"),
    ("stack_bytes", "stacks", "bytes"),
    ("objects", "objects", "count"),
)

#: pause phases of one goroutine, not of the world (they may overlap one another): with
#: cascades.csv they are drawn on the goroutine's track rather than the STW one.
GOROUTINE_PAUSES = ("rc_cascade",)

_PHASES = (  # (name, start column, end column) of the spans nested in a cycle
    ("sweep termination", "start_ns", "mark_start_ns"),
    ("mark", "mark_start_ns", "mark_end_ns"),
    ("mark termination", "mark_end_ns", "end_ns"),
)


def us(ns: int | float) -> float:
    """Simulated ns as the trace's microseconds."""
    return ns / 1000


def _number(text: str) -> int | float | str:
    """An int, a finite float, else the text itself (JSON has no NaN or infinity)."""
    try:
        return int(text)
    except ValueError:
        try:
            v = float(text)
        except ValueError:
            return text
        return v if math.isfinite(v) else text


def read_csv(path: Path, needed: Iterable[str]) -> list[dict[str, Any]]:
    """The rows of a run's CSV with numbers parsed; a missing column is a BadInputError."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in needed if c not in (reader.fieldnames or [])]
            if missing:
                raise BadInputError(f"{path}: not a gclab run file (no column {missing[0]!r})")
            return [{k: _number(v) for k, v in row.items() if k is not None} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise BadInputError(f"{path}: cannot read ({e})") from None


def read_intervals(path: Path) -> tuple[list[int], list[int], list[int], list[str]]:
    """intervals.csv as columns ``p``, ``start_ns``, ``end_ns``, ``kind`` (read by pandas:
    a long run has millions of rows); a missing or non-integer column is a BadInputError."""
    import pandas as pd

    cols = ("p", "start_ns", "end_ns", "kind")
    try:
        df = pd.read_csv(path, dtype={"kind": str})
    except (OSError, UnicodeDecodeError, ValueError) as e:  # pandas' parser errors too
        raise BadInputError(f"{path}: cannot read ({e})") from None
    for c in cols:
        if c not in df.columns:
            raise BadInputError(f"{path}: not a gclab run file (no column {c!r})")
    if df.empty:
        return [], [], [], []
    for c in cols[:3]:
        if not pd.api.types.is_integer_dtype(df[c]) or (c == "p" and (df[c] < 0).any()):
            raise BadInputError(f"{path}: column {c!r} must hold integers (p at least 0)")
    return df.p.tolist(), df.start_ns.tolist(), df.end_ns.tolist(), df.kind.tolist()


def run_folder_problem(run_dir: str | Path) -> str | None:
    """Why ``run_dir`` is not a folder written by ``gclab run``, or None."""
    d = Path(run_dir)
    if not d.is_dir():
        return f"{d}: no such folder; give a run folder written by gclab run"
    missing = [f for f in RUN_FILES if not (d / f).is_file()]
    if missing:
        return f"{d}: not a run folder (no {missing[0]}); give a folder written by gclab run"
    return None


def read_summary(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise BadInputError(f"{path}: cannot read ({e})") from None
    if not isinstance(summary, dict) or "sim_time_ns" not in summary:
        raise BadInputError(f"{path}: not a gclab run summary (no sim_time_ns)")
    return summary


def _meta(name: str, tid: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "ph": "M", "ts": 0.0, "pid": PID, "tid": tid, "args": args}


def _span(
    name: str, cat: str, tid: int, start: int, end: int, args: dict[str, Any]
) -> dict[str, Any]:
    return {
        "name": name,
        "cat": cat,
        "ph": "X",
        "ts": us(start),
        "dur": us(end - start),
        "pid": PID,
        "tid": tid,
        "args": args,
    }


def _thread(tid: int, name: str) -> list[dict[str, Any]]:
    return [
        _meta("thread_name", tid, {"name": name}),
        _meta("thread_sort_index", tid, {"sort_index": tid}),
    ]


def _track(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A track's events in time order, an enclosing span before what it holds."""
    return sorted(events, key=lambda e: (e["ts"], -e.get("dur", 0.0)))


def build_trace(run_dir: str | Path) -> dict[str, Any]:
    """The Chrome trace of the run at ``run_dir`` (``{"traceEvents": [...], ...}``)."""
    d = Path(run_dir)
    if msg := run_folder_problem(d):
        raise BadInputError(msg)
    summary = read_summary(d)
    T = int(summary["sim_time_ns"])
    nprocs = int(summary.get("gomaxprocs", 1))
    ps, starts, ends, kind_names = read_intervals(d / "intervals.csv")
    pauses = read_csv(d / "pauses.csv", ("start_ns", "end_ns", "phase", "cycle", "ttsp_ns"))
    samples = read_csv(d / "heap.csv", ("t_ns",))
    cycles = read_csv(d / "cycles.csv", ("cycle", *{c for _, a, b in _PHASES for c in (a, b)}))
    kinds = {k.name.lower(): k for k in PKind}
    nprocs = max([nprocs, *(p + 1 for p in set(ps))])
    pause_tid, cycle_tid = nprocs, nprocs + 1

    title = f"gclab run: {summary.get('workload', '?')} / {summary.get('collector', '?')}"
    events: list[dict[str, Any]] = [
        _meta("process_name", 0, {"name": f"{title} (GOMAXPROCS {nprocs})"}),
        _meta("process_sort_index", 0, {"sort_index": 0}),
    ]
    for p in range(nprocs):
        events += _thread(p, f"P{p}")
    events += _thread(pause_tid, "STW pauses") + _thread(cycle_tid, "GC cycles")

    if unknown := set(kind_names) - set(kinds):
        raise BadInputError(f"{d / 'intervals.csv'}: unknown kind {sorted(unknown)[0]!r}")
    per_p: dict[int, list[dict[str, Any]]] = {p: [] for p in range(nprocs)}
    for p, start, end, k in zip(ps, starts, ends, kind_names, strict=True):
        start, end = min(max(start, 0), T), min(max(end, 0), T)
        if end > start:
            per_p[p].append(
                {
                    "name": KIND_NAMES[kinds[k]],
                    "cat": k,
                    "ph": "X",
                    "ts": start / 1000,
                    "dur": (end - start) / 1000,
                    "pid": PID,
                    "tid": p,
                }
            )
    for p in range(nprocs):
        events += _track(per_p[p])

    has_cascades = (d / "cascades.csv").is_file()
    stw: list[dict[str, Any]] = []
    for r in pauses:
        start, end, ttsp = int(r["start_ns"]), int(r["end_ns"]), int(r["ttsp_ns"])
        phase = str(r["phase"])
        if phase in GOROUTINE_PAUSES and has_cascades:
            continue  # drawn on the goroutine's own track, from cascades.csv
        args = {"phase": phase, "cycle": r["cycle"], "ttsp_ns": ttsp, "duration_ns": end - start}
        name = "STW" if phase == "stw" else f"STW {phase.replace('_', ' ')}"
        stw.append(_span(name, "pause", pause_tid, start, end, args))
        if 0 < ttsp <= end - start:
            stw.append(_span("time to safepoint", "ttsp", pause_tid, start, start + ttsp, {}))
    events += _track(stw)

    spans: list[dict[str, Any]] = []
    for i, c in enumerate(cycles):
        start, end = int(c["start_ns"]), int(c["end_ns"])
        if end <= start:
            continue
        spans.append(_span(f"GC {c['cycle']}", "cycle", cycle_tid, start, end, c))
        mark = c.get("concurrent_mark_ns")
        if isinstance(mark, int | float) and mark > 0:  # phases of a concurrent cycle
            for name, a, b in _PHASES:
                lo, hi = max(int(c[a]), start), min(int(c[b]), end)
                if hi > lo:
                    spans.append(_span(name, "phase", cycle_tid, lo, hi, {"cycle": c["cycle"]}))
        sweep_end = int(c.get("sweep_end_ns") or 0)  # 0: not recorded
        if i + 1 < len(cycles):
            sweep_end = min(sweep_end, int(cycles[i + 1]["start_ns"]))
        if sweep_end > end:
            spans.append(_span("sweep", "phase", cycle_tid, end, sweep_end, {"cycle": c["cycle"]}))
    events += _track(spans)

    if has_cascades:
        cascades = read_csv(d / "cascades.csv", ("start_ns", "end_ns", "goroutine", "objects"))
        by_g: dict[int, list[dict[str, Any]]] = {}
        for r in cascades:
            g, start, end = int(r["goroutine"]), int(r["start_ns"]), int(r["end_ns"])
            args = {"phase": "rc_cascade", "goroutine": g, "objects": r["objects"]}
            args["duration_ns"] = end - start
            tid = cycle_tid + 1 + g
            by_g.setdefault(g, []).append(_span("RC cascade", "cascade", tid, start, end, args))
        for g in sorted(by_g):
            events += _thread(cycle_tid + 1 + g, f"G{g} RC cascades") + _track(by_g[g])

    samples.sort(key=lambda s: s["t_ns"])
    for col, name, unit in COUNTERS:
        for s in samples:
            v = s.get(col)
            if isinstance(v, int | float) and v >= 0:
                events.append(
                    {
                        "name": name,
                        "cat": "heap",
                        "ph": "C",
                        "ts": us(int(s["t_ns"])),
                        "pid": PID,
                        "tid": 0,
                        "args": {unit: v},
                    }
                )
    if (d / "unreclaimed.csv").is_file():
        for s in read_csv(d / "unreclaimed.csv", ("t_ns", "bytes")):
            events.append(
                {
                    "name": "unreclaimed garbage",
                    "cat": "heap",
                    "ph": "C",
                    "ts": us(int(s["t_ns"])),
                    "pid": PID,
                    "tid": 0,
                    "args": {"bytes": s["bytes"]},
                }
            )

    return {
        "traceEvents": events,
        "displayTimeUnit": "ns",
        "otherData": {
            "source": "gclab",
            "run_dir": str(d),
            "workload": summary.get("workload"),
            "collector": summary.get("collector"),
            "gomaxprocs": nprocs,
            "sim_time_ns": T,
        },
    }


def dumps(trace: dict[str, Any]) -> str:
    """The trace as JSON text, one event per line."""
    head = {k: v for k, v in trace.items() if k != "traceEvents"}
    enc = json.JSONEncoder(separators=(",", ":"), allow_nan=False)  # one encoder: fast
    lines = ",\n".join(map(enc.encode, trace["traceEvents"]))
    rest = "".join(f",\n{json.dumps(k)}: {json.dumps(v)}" for k, v in head.items())
    return '{"traceEvents": [\n' + lines + "\n]" + rest + "}\n"
