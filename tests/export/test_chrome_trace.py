"""``gclab trace``: the Chrome trace-event JSON of a run has the fields Perfetto needs, one
track per P with spans in time order that nest, heap counters, and busy and pause times that
add up to the run's own summary; bad input exits 2 with nothing written."""

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from framework.cli import main
from framework.export.chrome_trace import KIND_NAMES

from .conftest import tree


def ns(us: float) -> int:
    """The trace's microseconds back as the run's integer ns."""
    return round(us * 1000)


@pytest.fixture(scope="session")
def trace(run_dir: Path) -> dict:
    assert main(["trace", str(run_dir)]) == 0  # default out: RUN_DIR/trace.json
    return json.loads((run_dir / "trace.json").read_text())


@pytest.fixture(scope="session")
def summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text())


def spans(trace: dict, *cats: str) -> list[dict]:
    return [e for e in trace["traceEvents"] if e["ph"] == "X" and e.get("cat") in cats]


def test_every_event_has_the_fields_perfetto_needs(trace):
    assert trace["displayTimeUnit"] == "ns"
    events = trace["traceEvents"]
    assert {e["ph"] for e in events} == {"M", "X", "C"}
    for e in events:
        assert isinstance(e["name"], str) and e["name"], e
        assert isinstance(e["ts"], float) and e["ts"] >= 0, e
        assert isinstance(e["pid"], int) and isinstance(e["tid"], int), e
        if e["ph"] == "X":
            assert isinstance(e["dur"], float) and e["dur"] > 0, e
        if e["ph"] == "C":
            assert e["args"] and all(isinstance(v, int | float) for v in e["args"].values()), e
        if e["ph"] == "M":
            assert e["name"] in {
                "process_name",
                "process_sort_index",
                "thread_name",
                "thread_sort_index",
            }, e


def test_one_track_per_p_named_p0_to_pn(trace, summary):
    P = summary["gomaxprocs"]
    meta = trace["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in meta if e["name"] == "thread_name"}
    assert [names[p] for p in range(P)] == [f"P{p}" for p in range(P)]
    assert "STW pauses" in names.values() and "GC cycles" in names.values()
    kinds = {k.name.lower() for k in KIND_NAMES}
    per_p = spans(trace, *kinds)
    assert {e["tid"] for e in per_p} <= set(range(P))
    if summary["collector"] == "concurrent":  # (binary_trees' one goroutine leaves P1 idle)
        assert {e["tid"] for e in per_p} == set(range(P))
    assert all(e["name"] == KIND_NAMES[next(k for k in KIND_NAMES if k.name.lower() == e["cat"])]
               for e in per_p)  # fmt: skip


def test_timestamps_are_monotone_and_spans_nest_on_every_track(trace):
    tracks: dict[tuple, list[dict]] = defaultdict(list)
    for e in trace["traceEvents"]:
        if e["ph"] == "X":
            tracks[("X", e["pid"], e["tid"])].append(e)
        elif e["ph"] == "C":
            tracks[("C", e["pid"], e["name"])].append(e)
    assert tracks
    for key, evs in tracks.items():
        ts = [e["ts"] for e in evs]
        assert ts == sorted(ts), key
        if key[0] != "X":
            continue
        open_ends: list[int] = []  # a stack: each span is inside the enclosing one or after it
        for e in evs:
            start, end = ns(e["ts"]), ns(e["ts"]) + ns(e["dur"])
            while open_ends and open_ends[-1] <= start:
                open_ends.pop()
            assert not open_ends or end <= open_ends[-1], (key, e)
            open_ends.append(end)


def test_heap_counters_follow_the_samples(trace, run_dir):
    with (run_dir / "heap.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert rows
    for name, col in [("heap live", "heap_live"), ("heap in use (spans)", "inuse_span_bytes")]:
        got = [(ns(e["ts"]), e["args"]["bytes"]) for e in trace["traceEvents"]
               if e["ph"] == "C" and e["name"] == name]  # fmt: skip
        want = sorted((int(r["t_ns"]), int(r[col])) for r in rows)
        assert got == want, name
    goals = [e["args"]["bytes"] for e in trace["traceEvents"] if e["name"] == "heap goal"]
    assert goals == [int(r["goal"]) for r in rows if int(r["goal"]) >= 0]  # RC: none (-1)


def test_pause_spans_add_up_to_the_summarys_pauses(trace, summary):
    pauses = spans(trace, "pause", "cascade")  # STW pauses, and RC cascades (goroutine pauses)
    assert len(pauses) == summary["pause_count"] > 0
    assert sum(ns(e["dur"]) for e in pauses) == summary["pause_total_ns"]
    for phase, st in summary["pause_by_phase"].items():
        mine = [e for e in pauses if e["args"]["phase"] == phase]
        assert len(mine) == st["count"], phase
        assert sum(ns(e["dur"]) for e in mine) == st["total_ns"], phase
        assert max(e["args"]["duration_ns"] for e in mine) == st["max_ns"], phase


def test_busy_time_per_kind_is_the_summarys_cpu_split(trace, summary):
    by: dict[str, int] = defaultdict(int)
    for e in spans(trace, *(k.name.lower() for k in KIND_NAMES)):
        by[e["cat"]] += ns(e["dur"])
    assert by["mutator"] == summary["mutator_ns"] > 0
    assert by["gc_stw"] == summary["stw_cpu_ns"]
    assert by["gc_assist"] == summary["assist_ns"]
    assert by["gc_dedicated"] + by["gc_fractional"] == summary["background_mark_ns"]
    assert by["gc_idle"] == summary["idle_mark_ns"]
    assert by["sweep"] == summary["sweep_ns"]
    assert by["rc"] == summary["rc_ns"]
    assert by["scavenge"] == summary["scavenge_ns"]
    gc = by["gc_stw"] + by["gc_dedicated"] + by["gc_fractional"] + by["gc_assist"]
    assert gc == summary["gc_cpu_ns"]
    avail = summary["sim_time_ns"] * summary["gomaxprocs"]
    assert gc / avail == pytest.approx(summary["gc_cpu_fraction"], rel=1e-12, abs=0)
    assert avail - sum(by.values()) == summary["idle_ns"]


def test_each_gc_cycle_is_one_span_with_its_row_and_phases(trace, run_dir, summary):
    with (run_dir / "cycles.csv").open() as f:
        rows = list(csv.DictReader(f))
    cycles = spans(trace, "cycle")
    assert len(cycles) == len(rows) == summary["gc_cycles"]
    for e, r in zip(cycles, rows, strict=True):
        assert e["name"] == f"GC {r['cycle']}"
        for k in ("goal", "marked", "heap_at_start", "next_goal"):
            assert e["args"][k] == int(r[k]), k
        assert ns(e["ts"]) == int(r["start_ns"]) and ns(e["ts"] + e["dur"]) == int(r["end_ns"])
    names = {e["name"] for e in spans(trace, "phase")}
    if summary["collector"] == "concurrent":
        assert names == {"sweep termination", "mark", "mark termination"}
    else:  # a stop-the-world cycle is one pause: no phases (and no RC cycles here)
        assert not names


def test_out_names_the_file(run_dir, tmp_path, capsys):
    out = tmp_path / "new" / "deeper" / "t.json"
    assert main(["trace", str(run_dir), "--out", str(out)]) == 0
    assert f"trace written to {out}" in capsys.readouterr().out
    assert json.loads(out.read_text())["traceEvents"]


def _damaged_run(run_dir: Path, tmp_path: Path, intervals: str) -> Path:
    d = tmp_path / "damaged"
    d.mkdir()
    for f in ("summary.json", "pauses.csv", "heap.csv", "cycles.csv"):
        (d / f).write_bytes((run_dir / f).read_bytes())
    (d / "intervals.csv").write_text(intervals)
    return d


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("missing", "no such folder; give a run folder written by gclab run"),
        ("not_a_run", "not a run folder (no summary.json)"),
        ("out_is_a_folder", "--out"),
        ("out_under_a_file", "is a file, not a folder"),
        ("damaged", "intervals.csv: not a gclab run file (no column 'kind')"),
        ("bad_kind", "intervals.csv: unknown kind 'lunch'"),
        ("bad_number", "pauses.csv: line 2: end_ns is 'soon', not an integer"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(run_dir, tmp_path, capsys, case, needle):
    target, extra = run_dir, []
    if case == "missing":
        target = tmp_path / "nope"
    elif case == "not_a_run":
        target = tmp_path / "plain"
        target.mkdir()
        (target / "notes.txt").write_text("hi")
    elif case == "out_is_a_folder":
        extra = ["--out", str(tmp_path)]
    elif case == "out_under_a_file":
        (tmp_path / "f").write_text("x")
        extra = ["--out", str(tmp_path / "f" / "t.json")]
    elif case == "damaged":
        target = _damaged_run(run_dir, tmp_path, "p,start_ns,end_ns\n0,0,10\n")
    elif case == "bad_kind":
        target = _damaged_run(run_dir, tmp_path, "p,start_ns,end_ns,kind\n0,0,10,lunch\n")
    elif case == "bad_number":
        target = _damaged_run(run_dir, tmp_path, (run_dir / "intervals.csv").read_text())
        (target / "pauses.csv").write_text("start_ns,end_ns,phase,cycle,ttsp_ns\n1,soon,stw,1,0\n")
    before, run_before = tree(tmp_path), tree(run_dir)
    assert main(["trace", str(target), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gclab: ") and needle in err and len(err.splitlines()) == 1
    assert tree(tmp_path) == before and tree(run_dir) == run_before
