"""The Go reference suite (experiments/go_reference): the committed recordings parse into
the summary numbers, the gclab configs are the matrix's translation, and the comparison
table is built from both. No Go toolchain is needed."""

import json
import re
import tomllib

import pytest

from experiments.go_reference import compare, matrix, summary

MATRIX = matrix.load_matrix()
RECORDED = [n for n in MATRIX if (summary.DATA / n / "run1.json").exists()]
SMALL = "bintree_d16"  # a short recorded run with a few dozen cycles


def test_every_config_is_recorded_three_times():
    for name in MATRIX:
        runs = summary.config_runs(name)
        assert len(runs) == 3, name
        for record, trace in runs:
            assert record["config"] == name
            assert record["env"]["GOMAXPROCS"] == str(MATRIX[name]["gomaxprocs"])
            assert "gc 1 @" in trace


def test_summary_of_a_recorded_run_matches_its_gctrace_and_memstats():
    record, trace = summary.config_runs(SMALL)[0]
    m = summary.run_metrics(record, trace)
    lines = [ln for ln in trace.splitlines() if ln.startswith("gc ")]
    assert m["gc_count"] == len(lines) == record["report"]["memstats"]["NumGC"] > 10
    goals = [int(re.search(r"(\d+) MB goal", ln)[1]) for ln in lines]
    assert m["goal_mean_bytes"] == pytest.approx(sum(goals) / len(goals) * summary.MiB)
    # Go's own figure is the same sum over a slightly shorter time (up to the last cycle).
    assert 0 < m["gc_cpu"] < 1
    assert m["gc_cpu"] == pytest.approx(m["gc_cpu_memstats"], rel=0.15)
    assert m["assist_share"] + m["background_share"] + m["idle_share"] == pytest.approx(1)
    assert 0 < m["stw_sweep_term_p50_ns"] <= m["stw_sweep_term_max_ns"]
    assert m["heap_peak_bytes"] >= m["goal_mean_bytes"] * 0.5


def test_aggregate_is_mean_and_range_over_runs():
    agg = summary.aggregate([{"x": 1.0}, {"x": 3.0}, {"x": 2.0}])
    assert agg["x"] == {"mean": 2.0, "min": 1.0, "max": 3.0, "n": 3}
    s = summary.summarize(names=[SMALL])
    assert s[SMALL]["gc_count"]["n"] == 3
    assert f"| {SMALL} | 3 |" in summary.markdown(s)


def test_goroutines_recordings_match_their_configs():
    """The ring stayed on the stack and one recurse() level is the frame_bytes we simulate."""
    for name in RECORDED:
        if MATRIX[name]["workload"]["name"] != "goroutines":
            continue
        record, _ = summary.config_runs(name)[0]
        assert record["build"]["ring_on_stack"], name
        measured = record["report"]["extra"]["frame_bytes_measured"]
        assert measured == MATRIX[name]["workload"]["frame_bytes"], name
        asm = record["build"]["asm_frames"]["recurse"]["locals"]
        assert measured == asm + 8  # locals + the return address


def test_configs_are_the_matrix_translated():
    for name, entry in MATRIX.items():
        path = matrix.CONFIGS / f"{name}.toml"
        assert path.read_text() == matrix.config_text(name, entry), f"regenerate {path}"
        cfg = tomllib.loads(path.read_text())
        assert cfg["workload"] == entry["workload"]
        assert cfg["collector"] == {"name": "concurrent", "barrier": "hybrid-go"}
        assert cfg["pacer"]["gogc"] == entry["gogc"]


def test_steady_configs_validate_in_gclab():
    from framework.config import load_config

    for name, entry in MATRIX.items():
        if entry["workload"]["name"] in ("steady", "binary_trees"):
            cfg = load_config(matrix.CONFIGS / f"{name}.toml")
            assert cfg.run.gomaxprocs == entry["gomaxprocs"]


def test_go_constants_and_types():
    c, flags = matrix.go_build(MATRIX["gor_g1000_d100_gogc100"])
    assert c["Ring"] == 200
    assert flags[flags.index("-k") + 1] == "40000"
    assert flags[flags.index("-depth") + 1] == "100"
    src = matrix.sizes_source({**matrix._BASE_CONSTS, "Ptrs": 8, "ObjSize": 64})
    assert "type obj struct{ p [8]*anchor }" in src  # no trailing zero-size pad
    src = matrix.sizes_source({**matrix._BASE_CONSTS, "Ptrs": 0, "ObjSize": 16})
    assert "type obj struct{ p [0]*anchor; pad [16]byte }" in src  # pointer-free
    with pytest.raises(ValueError, match="goroutines"):
        matrix.go_build({**MATRIX["steady_p2_gogc100"], "workload": {
            **MATRIX["steady_p2_gogc100"]["workload"], "goroutines": 2}})  # fmt: skip


def test_compare_table_sets_sim_against_real(tmp_path):
    real = summary.summarize(names=[SMALL])
    goal = real[SMALL]["goal_mean_bytes"]["mean"]
    sim = {
        "gc_cycles": 2 * real[SMALL]["gc_count"]["mean"],
        "gc_cpu_fraction": 0.1,
        "sim_time_ns": 1e9,
        "pause_sweep_termination_p50_ns": 20_000,
        "pause_mark_termination_p50_ns": 30_000,
        "cycles": [{"goal": goal, "heap_at_start": goal, "heap_at_mark_end": goal, "marked": goal,
                    "concurrent_mark_ns": 1e6}],
    }  # fmt: skip
    path = compare.write_tables(real, {SMALL: sim, "other": "unknown key"}, tmp_path)
    text = path.read_text()
    row = next(ln for ln in text.splitlines() if ln.startswith("| GC count"))
    assert row.endswith("| 2.00 |")
    goal_row = next(ln for ln in text.splitlines() if ln.startswith("| mean heap goal"))
    assert goal_row.endswith("| 1.00 |")
    assert "### other" in text and "not simulated: unknown key" in text
    assert "not recorded" in text


def test_recorded_json_is_compact_and_complete():
    record, _ = summary.config_runs(SMALL)[0]
    ms = record["report"]["memstats"]
    for key in ("NumGC", "PauseNs", "PauseEnd", "GCCPUFraction", "HeapSys", "HeapReleased"):
        assert key in ms
    assert "/gc/heap/goal:bytes" in record["report"]["metrics"]
    assert record["machine"]["go_version"].startswith("go version go1.19")
    assert 0 <= record["others_cpu_frac"] < 1
    assert json.dumps(record)  # plain JSON
