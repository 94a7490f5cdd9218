"""gclab bench's memory rows: per collector, concurrent with Go's barrier by default."""

from framework.bench import MEMORY_COLLECTORS, TARGET_BYTES_PER_OBJECT, memory_child


def test_memory_row_reports_bytes_per_live_object_for_the_concurrent_collector():
    row = memory_child(20_000, "concurrent")
    assert MEMORY_COLLECTORS["concurrent"]["barrier"] == "hybrid-go"
    assert row["collector"] == "concurrent" and row["barrier"] == "hybrid-go"
    assert row["live_objects"] == 20_000 and row["replacements"] == 40_000
    assert row["rss_peak_bytes"] >= row["rss_base_bytes"] > 0
    assert row["bytes_per_object"] >= 0 and row["gc_cycles"] >= 0
    assert TARGET_BYTES_PER_OBJECT == 64


def test_speed_row_has_the_workloads_units_and_the_whole_process_wall():
    from framework.bench import ops_per_second

    row = ops_per_second({"name": "stw"}, 2_000, 6_000)
    assert row["replacements_per_s"] > 0 and row["allocations_per_s"] > 0
    # a fresh `gclab run` process: imports and kernel loading come on top of simulating
    assert row["process_wall_s"] > row["wall_s"] > 0
