"""A run folder as Chrome trace-event JSON, the format Perfetto and chrome://tracing open.

Rules:
- the trace shows what the metrics count: per-P intervals are clipped to
  ``[0, sim_time_ns]`` as ``cpu_by_kind`` clips them, so the busy time per kind summed over
  the P tracks is the summary's figure (``mutator_ns``, ``stw_cpu_ns``, ``assist_ns``...),
  and the pause spans (STW and RC cascades) sum to ``pause_total_ns``;
- one process (``pid`` 1) for the run, with these tracks (threads): one per P (``tid`` p,
  named ``P<p>``); ``STW pauses`` (time to safepoint nested in each); ``GC cycles`` (one
  span per cycle with the cycle's row as args, a concurrent cycle's phases nested, and a
  ``sweep`` span where ``sweep_end_ns`` was recorded); for RC runs one per goroutine for
  its cascades (goroutine pauses, which may overlap one another, so not on the STW track);
  heap samples are counters (``"ph": "C"``);
- ``ts`` and ``dur`` are microseconds as floats (simulated ns / 1000, exact to the ns);
  every event has ``name``, ``ph``, ``ts``, ``pid`` and ``tid``; each track's events are in
  time order, an enclosing span before the spans it holds, and spans on a track nest;
- only the run folder's own files are read (``summary.json`` and ``framework.traces.output``'s
  CSVs); a folder without them, a CSV missing a column or holding a non-integer where an
  integer belongs, is a ``BadInputError`` naming the file.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from framework.cli.usage import BadInputError
from framework.events import PKind

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


def read_csv(path: Path, ints: Iterable[str], strs: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The rows of a run's CSV with numbers parsed; the ``ints`` columns must hold integers
    and the ``strs`` columns must exist, else a BadInputError naming the file."""
    ints, strs = tuple(ints), tuple(strs)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in (*ints, *strs) if c not in (reader.fieldnames or [])]
            if missing:
                raise BadInputError(f"{path}: not a gclab run file (no column {missing[0]!r})")
            rows = [{k: _number(v) for k, v in row.items() if k is not None} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise BadInputError(f"{path}: cannot read ({e})") from None
    for i, row in enumerate(rows, start=2):
        for c in ints:
            if not isinstance(row[c], int):
                raise BadInputError(f"{path}: line {i}: {c} is {row[c]!r}, not an integer")
    return rows


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
        what = "is a file, not a folder" if d.exists() else "no such folder"
        return f"{d}: {what}; give a run folder written by gclab run"
    missing = [f for f in RUN_FILES if not (d / f).is_file()]
    if missing:
        return f"{d}: not a run folder (no {missing[0]}); give a folder written by gclab run"
    return None


def read_summary(run_dir: Path) -> dict[str, Any]:
    """A run's summary.json; a BadInputError unless it is a JSON object of a run."""
    path = run_dir / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise BadInputError(f"{path}: cannot read ({e})") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("sim_time_ns"), int):
        raise BadInputError(f"{path}: not a gclab run summary (no integer sim_time_ns)")
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
    intervals = read_intervals(d / "intervals.csv")
    pauses = read_csv(d / "pauses.csv", ("start_ns", "end_ns", "ttsp_ns"), ("phase", "cycle"))
    samples = read_csv(d / "heap.csv", ("t_ns",))
    cycles = read_csv(
        d / "cycles.csv", ("cycle", *dict.fromkeys(c for p in _PHASES for c in p[1:]))
    )
    cascades = None
    if (d / "cascades.csv").is_file():
        cascades = read_csv(d / "cascades.csv", ("start_ns", "end_ns", "goroutine", "objects"))
    unreclaimed = []
    if (d / "unreclaimed.csv").is_file():
        unreclaimed = read_csv(d / "unreclaimed.csv", ("t_ns", "bytes"))

    nprocs = max([int(summary.get("gomaxprocs", 1)), *(p + 1 for p in set(intervals[0]))])
    pause_tid, cycle_tid = nprocs, nprocs + 1
    title = f"gclab run: {summary.get('workload', '?')} / {summary.get('collector', '?')}"
    events = [
        _meta("process_name", 0, {"name": f"{title} (GOMAXPROCS {nprocs})"}),
        _meta("process_sort_index", 0, {"sort_index": 0}),
    ]
    for p in range(nprocs):
        events += _thread(p, f"P{p}")
    events += _p_tracks(intervals, nprocs, T, d / "intervals.csv")
    events += _thread(pause_tid, "STW pauses")
    events += _pause_track(pauses, pause_tid, skip_goroutine_pauses=cascades is not None)
    events += _thread(cycle_tid, "GC cycles") + _cycle_track(cycles, cycle_tid)
    events += _cascade_tracks(cascades or [], cycle_tid + 1)
    events += _counters(samples, unreclaimed)
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


def _p_tracks(
    intervals: tuple[list[int], list[int], list[int], list[str]], nprocs: int, T: int, path: Path
) -> list[dict[str, Any]]:
    """One span per interval, clipped to ``[0, T]``, on its P's track."""
    kinds = {k.name.lower(): k for k in PKind}
    if unknown := set(intervals[3]) - set(kinds):
        raise BadInputError(f"{path}: unknown kind {sorted(unknown)[0]!r}")
    per_p: list[list[dict[str, Any]]] = [[] for _ in range(nprocs)]
    for p, start, end, k in zip(*intervals, strict=True):
        start, end = min(max(start, 0), T), min(max(end, 0), T)
        if end > start:  # built inline: a long run has millions
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
    return [e for track in per_p for e in _track(track)]


def _pause_track(
    pauses: list[dict[str, Any]], tid: int, skip_goroutine_pauses: bool
) -> list[dict[str, Any]]:
    """The stop-the-world pauses, each with its time to safepoint nested."""
    spans = []
    for r in pauses:
        start, end, ttsp, phase = r["start_ns"], r["end_ns"], r["ttsp_ns"], str(r["phase"])
        if phase in GOROUTINE_PAUSES and skip_goroutine_pauses:
            continue  # on the goroutine's own track, from cascades.csv
        args = {"phase": phase, "cycle": r["cycle"], "ttsp_ns": ttsp, "duration_ns": end - start}
        name = "STW" if phase == "stw" else f"STW {phase.replace('_', ' ')}"
        spans.append(_span(name, "pause", tid, start, end, args))
        if 0 < ttsp <= end - start:
            spans.append(_span("time to safepoint", "ttsp", tid, start, start + ttsp, {}))
    return _track(spans)


def _cycle_track(cycles: list[dict[str, Any]], tid: int) -> list[dict[str, Any]]:
    """One span per GC cycle (its row as args), a concurrent cycle's phases nested."""
    spans = []
    for i, c in enumerate(cycles):
        start, end = c["start_ns"], c["end_ns"]
        if end <= start:
            continue
        spans.append(_span(f"GC {c['cycle']}", "cycle", tid, start, end, c))
        mark = c.get("concurrent_mark_ns")
        if isinstance(mark, int | float) and mark > 0:  # a stop-the-world cycle has none
            for name, a, b in _PHASES:
                lo, hi = max(c[a], start), min(c[b], end)
                if hi > lo:
                    spans.append(_span(name, "phase", tid, lo, hi, {"cycle": c["cycle"]}))
        sweep_end = c.get("sweep_end_ns")
        if isinstance(sweep_end, int) and sweep_end > end:  # 0 when not recorded
            if i + 1 < len(cycles):
                sweep_end = min(sweep_end, cycles[i + 1]["start_ns"])
            spans.append(_span("sweep", "phase", tid, end, sweep_end, {"cycle": c["cycle"]}))
    return _track(spans)


def _cascade_tracks(cascades: list[dict[str, Any]], first_tid: int) -> list[dict[str, Any]]:
    """RC cascades (goroutine pauses), one track per goroutine (``tid`` first_tid + g)."""
    by_g: dict[int, list[dict[str, Any]]] = {}
    for r in cascades:
        g, start, end = r["goroutine"], r["start_ns"], r["end_ns"]
        args = {"phase": "rc_cascade", "goroutine": g, "objects": r["objects"]}
        args["duration_ns"] = end - start
        by_g.setdefault(g, []).append(
            _span("RC cascade", "cascade", first_tid + g, start, end, args)
        )
    events = []
    for g in sorted(by_g):
        events += _thread(first_tid + g, f"G{g} RC cascades") + _track(by_g[g])
    return events


def _counter(name: str, t_ns: int, unit: str, value: int | float) -> dict[str, Any]:
    return {"name": name, "cat": "heap", "ph": "C", "ts": us(t_ns), "pid": PID, "tid": 0,
            "args": {unit: value}}  # fmt: skip


def _counters(
    samples: list[dict[str, Any]], unreclaimed: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Heap samples (and unreclaimed garbage) as counters, each in time order."""
    samples = sorted(samples, key=lambda s: s["t_ns"])
    events = [
        _counter(name, s["t_ns"], unit, s[col])
        for col, name, unit in COUNTERS
        for s in samples
        if isinstance(s.get(col), int | float) and s[col] >= 0
    ]
    for s in sorted(unreclaimed, key=lambda s: s["t_ns"]):
        events.append(_counter("unreclaimed garbage", s["t_ns"], "bytes", s["bytes"]))
    return events


def dumps(trace: dict[str, Any]) -> str:
    """The trace as JSON text, one event per line."""
    head = {k: v for k, v in trace.items() if k != "traceEvents"}
    enc = json.JSONEncoder(separators=(",", ":"), allow_nan=False)  # one encoder: fast
    lines = ",\n".join(map(enc.encode, trace["traceEvents"]))
    rest = "".join(f",\n{json.dumps(k)}: {json.dumps(v)}" for k, v in head.items())
    return '{"traceEvents": [\n' + lines + "\n]" + rest + "}\n"
