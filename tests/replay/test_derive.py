"""Deriving the replay workload from a real gctrace log (no simulation)."""

import json
from pathlib import Path

import numpy as np
import pytest

from framework.cli.usage import BadInputError
from framework.config import parse_config
from framework.replay.derive import derive, progress, read_memstats
from framework.traces.gctrace_import import import_log, import_text

DATA = Path(__file__).parent / "data"
LOG = DATA / "small.gctrace.txt"
MEMSTATS = DATA / "small.json"


def _derive(memstats: bool = True):
    info = read_memstats(MEMSTATS) if memstats else None
    return derive(import_log(LOG).cycles, str(LOG), info)


def test_the_derived_config_is_valid_and_follows_the_log():
    d = _derive()
    cfg = parse_config(d.config)
    w = d.config["workload"]
    n = len(import_log(LOG).cycles)
    assert cfg.workload.name == "replay"
    assert len(w["segment_alloc"]) == len(w["segment_live"]) == n + 1
    assert d.log_gogc == 100 and d.gomaxprocs == 2
    assert d.config["pacer"]["gogc"] == 100
    # every byte the program allocated, from the heap columns and MemStats' tail
    total = json.loads(MEMSTATS.read_text())["report"]["memstats"]["TotalAlloc"]
    assert sum(w["segment_alloc"]) == pytest.approx(total, rel=0.02)
    # the live heap at a cycle's start is below the marked heap (allocate-black)
    x, m, _ = progress(d.cycles)
    assert np.all(np.asarray(w["segment_live"][:n]) <= m)
    assert np.all(np.diff(x) > 0)
    # the steady program: 128-byte objects with a pointer each, one goroutine
    assert w["sizes"][0] == 128 and w["size_weights"][0] > 0.99
    assert w["pointers"] == 1 and w["goroutines"] == 1


def test_without_memstats_defaults_are_stated():
    d = _derive(memstats=False)
    assert d.config["workload"]["sizes"] == [64]
    assert any("64 B assumed" in n for n in d.notes)


def test_stated_log_gogc_wins_over_the_inference():
    d = derive(import_log(LOG).cycles, str(LOG), None, log_gogc=150)
    assert d.log_gogc == 150 and d.config["pacer"]["gogc"] == 150


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("hello\nworld\n", r"0 gctrace cycle\(s\)"),
        ("\n".join(LOG.read_text().splitlines()[:2]), "at least 3"),
        (
            "\n".join(
                line.replace(" 2 P", " 2 P (forced)")
                for line in LOG.read_text().splitlines()
                if line.startswith("gc ")
            ),
            "forced",
        ),
    ],
)
def test_logs_the_replay_cannot_use(text, says):
    with pytest.raises(BadInputError, match=says):
        derive(import_text(text).cycles, "log")


def test_memstats_must_hold_memstats(tmp_path):
    p = tmp_path / "m.json"
    p.write_text('{"a": 1}')
    with pytest.raises(BadInputError, match="no MemStats"):
        read_memstats(p)
    p.write_text("{not json")
    with pytest.raises(BadInputError, match="not a readable JSON"):
        read_memstats(p)


def test_refinement_matches_the_mutators_own_cpu_not_the_wall_clock():
    """A pilot whose GC took more of the mutator's CPU than the log's, over the same wall
    time, ran less of the program: its COMPUTE goes up by that GC CPU per allocation (the
    time the program lost to GC is not its own work, so it does not stay when GC runs less
    often)."""
    from framework.replay.fit import refine

    d = _derive()
    log = d.cycles.drop(columns=[c for c in d.cycles.columns if c == "forced"])
    half = 1 << 19  # a log's sizes are read as the middle of their MiB
    pilot = [{**c, **{k: c[k] + half for k in ("heap_at_start", "heap_at_mark_end", "marked")}}
             for c in log.to_dict("records")]  # fmt: skip
    extra = 2_000_000.0  # ns of assists per cycle
    slower = [{**c, "assist_cpu_ns": c["assist_cpu_ns"] + extra} for c in pilot]
    a = np.asarray(refine(d, pilot).config["workload"]["segment_compute"], dtype=float)
    b = np.asarray(refine(d, slower).config["workload"]["segment_compute"], dtype=float)
    w = d.config["workload"]
    mean = float(np.dot(w["sizes"], w["size_weights"]))
    allocs = np.asarray(w["segment_alloc"], dtype=float) / mean
    n = len(log)
    # segment k (k >= 1) holds cycle k-1's GC CPU (the last one spent in the tail)
    assert b[0] == a[0]
    assert b[1 : n + 1] - a[1 : n + 1] == pytest.approx(extra / allocs[1 : n + 1], rel=0.05, abs=1)
