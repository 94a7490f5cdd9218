"""``gclab gctrace import``: real Go gctrace lines (written from Go's documented format)
into the per-cycle schema that simulated runs use (cycles.csv)."""

import pandas as pd
import pytest

from framework.cli import main
from framework.traces.gctrace_import import COLUMNS, import_text

LOG = """\
listening on :8080
gc 1 @0.019s 1%: 0.015+1.3+0.022 ms clock, 0.061+0.31/1.1/2.4+0.089 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 4 P
scvg: 0 MB released
2024/01/02 10:00:01 gc 2 @0.042s 2%: 0.021+2.1+0.030 ms clock, 0.084+0.52/1.9/3.3+0.12 ms cpu, 4->5->2 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 4 P
gc 3 @12.345s 3%: 0.11+14+0.052 ms clock, 0.92+1.3/27/3.1+0.41 ms cpu, 130->131->65 MB, 134 MB goal, 1 MB stacks, 2 MB globals, 8 P (forced)
gc 4 @13.104s 2%: 0.015+3.4+0.056 ms clock, 0.12+0.48/2.9/6.5+0.45 ms cpu, 7->8->4 MB, 9 MB goal, 8 P
"""  # noqa: E501

MiB = 1 << 20


def test_import_reads_every_record_into_the_cycle_schema():
    imp = import_text(LOG)
    c = imp.cycles
    assert list(c.columns) == COLUMNS
    assert c.cycle.tolist() == [1, 2, 3, 4]
    assert (imp.lines, imp.skipped) == (6, 2)
    r = c.iloc[2]
    assert r.start_ns == 12_345_000_000
    assert r.stw_sweep_term_ns == 110_000 and r.concurrent_mark_ns == 14_000_000
    assert r.stw_mark_term_ns == 52_000
    assert r.mark_start_ns == r.start_ns + 110_000
    assert r.mark_end_ns == r.mark_start_ns + 14_000_000
    assert r.end_ns == r.mark_end_ns + 52_000
    assert (r.heap_at_start, r.heap_at_mark_end, r.marked) == (130 * MiB, 131 * MiB, 65 * MiB)
    assert r.goal == 134 * MiB and r.stack_bytes == MiB and r.globals_bytes == 2 * MiB
    assert (r.assist_cpu_ns, r.background_cpu_ns, r.idle_cpu_ns) == (
        1_300_000,
        27_000_000,
        3_100_000,
    )
    assert (r.gomaxprocs, bool(r.forced), r.gc_cpu_pct) == (8, True, 3)
    assert c.iloc[3].stack_bytes == 0  # Go < 1.18 printed no stacks/globals
    assert c.iloc[1].start_ns == 42_000_000  # found behind a logger's timestamp


def test_import_columns_match_a_simulated_cycle_table():
    from framework.config import parse_config
    from framework.simulation import simulate

    sim = simulate(parse_config({"workload": {"name": "steady", "live_objects": 2000,
                                              "replacements": 80000},
                                 "collector": {"name": "concurrent"}}))  # fmt: skip
    sim_cols = set(sim.summary["cycles"][0])
    assert set(COLUMNS) - {"gomaxprocs", "forced", "gc_cpu_pct"} <= sim_cols


def test_cli_import_writes_csv(tmp_path, capsys):
    log = tmp_path / "go.log"
    log.write_text(LOG)
    assert main(["gctrace", "import", str(log)]) == 0
    out = tmp_path / "go.cycles.csv"
    assert "4 cycles (2 other lines skipped), GOMAXPROCS 8" in capsys.readouterr().out
    df = pd.read_csv(out)
    assert df.cycle.tolist() == [1, 2, 3, 4] and df.goal.iloc[2] == 134 * MiB


@pytest.mark.parametrize("text", ["", "scvg: 0 MB released\nhello\n"])
def test_cli_import_without_records_exits_2_and_writes_nothing(tmp_path, capsys, text):
    log = tmp_path / "go.log"
    log.write_text(text)
    assert main(["gctrace", "import", str(log), "--out", str(tmp_path / "x.csv")]) == 2
    assert "no gctrace lines found" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
    assert main(["gctrace", "import", str(tmp_path / "missing.log")]) == 2
