"""gctrace lines (docs/go-reference.md §9): Go's fmtNSAsMS, parsing real Go lines, and
formatting simulated cycles (library and ``gclab run --gctrace``)."""

import pytest

from framework.cli import main
from framework.config import parse_config
from framework.simulation import simulate
from framework.traces.gctrace import (
    LINE_RE,
    cumulative_gc_cpu,
    fmt_ns_as_ms,
    format_trace,
    parse_line,
)

MiB = 1 << 20
NPROCS = 2
CONFIG = {
    "run": {"gomaxprocs": NPROCS},
    "workload": {
        "name": "steady",
        "live_objects": 20000,
        "anchors": 64,
        "replacements": 150000,
    },
    "collector": {"name": "concurrent"},
}
CONFIG_TOML = f"""
[run]
gomaxprocs = {NPROCS}

[workload]
name = "steady"
live_objects = 20000
anchors = 64
replacements = 150000

[collector]
name = "concurrent"
"""


# --- fmtNSAsMS ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0"),
        (999, "0"),
        (1_000, "0.001"),
        (5_999, "0.005"),
        (24_000, "0.024"),
        (99_999, "0.099"),
        (100_000, "0.10"),
        (123_000, "0.12"),
        (999_999, "0.99"),
        (1_000_000, "1.0"),
        (1_234_000, "1.2"),
        (9_999_000, "9.9"),
        (9_999_999, "9.9"),
        (10_000_000, "10"),
        (10_999_999, "10"),
        (123_456_789, "123"),
        (5_000_000_000, "5000"),
    ],
)
def test_fmt_ns_as_ms(ns, text):
    assert fmt_ns_as_ms(ns) == text


def test_fmt_ns_as_ms_truncates_never_rounds():
    for ns in range(0, 20_000_000, 7_919):
        s = fmt_ns_as_ms(ns)
        assert float(s) * 1e6 <= ns + 1e-3, (ns, s)


# --- parsing real lines -------------------------------------------------------------------

GO119 = (
    "gc 1 @0.026s 0%: 0.024+5.2+0.007 ms clock, 0.096+0.61/0.28/0+0.030 ms cpu, "
    "4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 4 P"
)
GO119_FORCED = (
    "gc 17 @12.345s 3%: 0.11+14+0.052 ms clock, 0.92+1.3/27/3.1+0.41 ms cpu, "
    "130->131->65 MB, 134 MB goal, 1 MB stacks, 2 MB globals, 8 P (forced)"
)
PRE_118 = (
    "gc 3 @0.104s 2%: 0.015+3.4+0.056 ms clock, 0.12+0.48/2.9/6.5+0.45 ms cpu, "
    "7->8->4 MB, 9 MB goal, 8 P"
)


def test_parse_go119_line():
    t = parse_line(GO119)
    assert t is not None
    assert t.cycle == 1
    assert t.at_s == pytest.approx(0.026)
    assert t.gc_cpu_pct == 0
    assert t.sweep_term_ns == pytest.approx(24_000)
    assert t.mark_ns == pytest.approx(5_200_000)
    assert t.mark_term_ns == pytest.approx(7_000)
    assert t.stw_sweep_term_cpu_ns == pytest.approx(96_000)
    assert t.assist_cpu_ns == pytest.approx(610_000)
    assert t.background_cpu_ns == pytest.approx(280_000)
    assert t.idle_cpu_ns == 0
    assert t.stw_mark_term_cpu_ns == pytest.approx(30_000)
    assert (t.heap_start_mib, t.heap_mark_end_mib, t.marked_mib) == (4, 4, 0)
    assert t.goal_mib == 4
    assert t.stacks_mib == 0 and t.globals_mib == 0
    assert t.procs == 4
    assert t.forced is False


def test_parse_forced_line():
    t = parse_line(GO119_FORCED)
    assert t is not None
    assert t.forced is True
    assert t.cycle == 17
    assert t.at_s == pytest.approx(12.345)
    assert t.gc_cpu_pct == 3
    assert t.mark_ns == pytest.approx(14e6)
    assert t.background_cpu_ns == pytest.approx(27e6)
    assert t.idle_cpu_ns == pytest.approx(3.1e6)
    assert (t.heap_start_mib, t.heap_mark_end_mib, t.marked_mib) == (130, 131, 65)
    assert t.goal_mib == 134
    assert (t.stacks_mib, t.globals_mib) == (1, 2)
    assert t.procs == 8


def test_parse_pre_118_line_without_stacks_and_globals():
    t = parse_line(PRE_118)
    assert t is not None
    assert t.cycle == 3
    assert t.stacks_mib is None and t.globals_mib is None
    assert t.goal_mib == 9
    assert t.procs == 8
    assert t.forced is False
    assert t.stw_mark_term_cpu_ns == pytest.approx(450_000)


def test_parse_tolerates_surrounding_whitespace():
    assert parse_line(GO119 + "\n") == parse_line(GO119)
    assert parse_line("  " + GO119_FORCED + "  \n") == parse_line(GO119_FORCED)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "scvg: 0 MB released",
        "scvg0: inuse: 3, idle: 60, sys: 63, released: 57, consumed: 6 (MB)",
        "gc 1 @0.026s 0%: garbage",
        "GC forced",
        "# gc 1 @0.026s 0%",
        GO119.replace("ms clock", "ms wall"),
        GO119.replace(" 4 P", " P"),
        GO119 + " trailing",
        "prefix " + GO119,
        GO119.replace("4->4->0 MB", "4->4 MB"),
    ],
)
def test_non_matching_lines_return_none(line):
    assert parse_line(line) is None
    assert LINE_RE.match(line.strip()) is None


# --- simulated cycles ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim():
    return simulate(parse_config(CONFIG))


def test_simulated_trace_agrees_with_cycle_table(sim):
    rows = sim.summary["cycles"]
    assert sim.summary["gc_cycles"] >= 2
    assert len(rows) == sim.summary["gc_cycles"]
    lines = format_trace(rows, NPROCS)
    assert len(lines) == len(rows)
    fracs = cumulative_gc_cpu(rows, NPROCS)
    gc_cpu = 0.0
    for i, (line, row) in enumerate(zip(lines, rows, strict=True)):
        m = LINE_RE.match(line)
        assert m, line
        assert m.group("forced") is None
        t = parse_line(line)
        assert t is not None
        assert t.cycle == row["cycle"] == i + 1
        assert t.procs == NPROCS
        assert t.heap_start_mib == row["heap_at_start"] >> 20
        assert t.heap_mark_end_mib == row["heap_at_mark_end"] >> 20
        assert t.marked_mib == row["marked"] >> 20
        assert t.goal_mib == row["goal"] >> 20
        assert t.stacks_mib == row["stack_bytes"] >> 20
        assert t.globals_mib == row["globals_bytes"] >> 20
        at_ms = row["start_ns"] // 1_000_000
        assert m.group("at") == f"{at_ms // 1000}.{at_ms % 1000:03d}"
        # clock fields: the phase durations, as Go formats them
        c1 = row["mark_start_ns"] - row["start_ns"]
        c2 = row["mark_end_ns"] - row["mark_start_ns"]
        c3 = row["end_ns"] - row["mark_end_ns"]
        assert c1 == row["stw_sweep_term_ns"]
        assert c2 == row["concurrent_mark_ns"]
        assert c3 == row["stw_mark_term_ns"]
        assert c1 > 0 and c2 > 0 and c3 > 0
        assert m.group("c1") == fmt_ns_as_ms(row["stw_sweep_term_ns"])
        assert m.group("c2") == fmt_ns_as_ms(row["concurrent_mark_ns"])
        assert m.group("c3") == fmt_ns_as_ms(row["stw_mark_term_ns"])
        # cpu fields: STW phases times P, and the three mark-worker kinds
        assert m.group("p1") == fmt_ns_as_ms(c1 * NPROCS)
        assert m.group("p3") == fmt_ns_as_ms(c3 * NPROCS)
        assert m.group("assist") == fmt_ns_as_ms(row["assist_cpu_ns"])
        assert m.group("bg") == fmt_ns_as_ms(row["background_cpu_ns"])
        assert m.group("idle") == fmt_ns_as_ms(row["idle_cpu_ns"])
        # % is cumulative GC CPU (idle marking excluded) since the start, truncated
        gc_cpu += (c1 + c3) * NPROCS + row["assist_cpu_ns"] + row["background_cpu_ns"]
        frac = gc_cpu / (row["end_ns"] * NPROCS)
        assert fracs[i] == pytest.approx(frac, rel=1e-12)
        assert t.gc_cpu_pct == int(frac * 100)
        assert 0 <= t.gc_cpu_pct <= 100
    starts = [r["start_ns"] for r in rows]
    assert starts == sorted(starts)


def test_cli_gctrace_prints_one_line_per_cycle(tmp_path, capsys, sim):
    cfg = tmp_path / "small.toml"
    cfg.write_text(CONFIG_TOML)
    out = tmp_path / "out"
    assert main(["run", str(cfg), "--gctrace", "--out", str(out), "--no-plot"]) == 0
    captured = capsys.readouterr()
    err_lines = captured.err.splitlines()
    n = sim.summary["gc_cycles"]
    assert len(err_lines) == n
    for i, line in enumerate(err_lines):
        assert LINE_RE.match(line), line
        assert parse_line(line).cycle == i + 1
    # the same deterministic run as the library call
    assert err_lines == format_trace(sim.summary["cycles"], NPROCS)
    trace_file = out / "gctrace.txt"
    assert trace_file.is_file()
    assert trace_file.read_text().splitlines() == err_lines
    assert "GC cycles" in captured.out  # the usual summary still goes to stdout
