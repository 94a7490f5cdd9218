"""The rules behind the probes, tested at their roots: every number in the schema (present
and future fields) is bounded, the heap plausibility check, the one ``--out`` check, and
stores that are not gclab's."""

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from framework import collectors, pacer, workloads
from framework.cli.usage import out_problem
from framework.config import ConfigError, parse_config
from framework.config import schema as schema_mod
from framework.config.schema import CostModel, MetricsSection, RunSection
from framework.sweep.store import Store, StoreError

SMALL = {"name": "steady", "live_objects": 2000, "anchors": 64, "replacements": 5000}


def _numeric_fields() -> list[tuple[dict[str, Any], str, str, type]]:
    """(base config, section, field, int or float) for every numeric field of the schema."""
    out = []

    def add(base: dict[str, Any], section: str, model: Any) -> None:
        for name, f in model.model_fields.items():
            ann = str(f.annotation)
            kind = float if "float" in ann else int if "int" in ann else None
            if kind is not None:
                out.append((base, section, name, kind))

    for section, model in (("run", RunSection), ("cost", CostModel), ("metrics", MetricsSection)):
        add({"workload": SMALL}, section, model)
    for name in workloads.names():
        add({"workload": {"name": name}}, "workload", workloads.get(name).Params)
    for name in collectors.names():
        add(
            {"workload": SMALL, "collector": {"name": name}},
            "collector",
            collectors.get(name).Params,
        )
    for name in pacer.names():
        add({"workload": SMALL, "pacer": {"name": name}}, "pacer", pacer.get(name).Params)
    return out


FIELDS = _numeric_fields()


@pytest.mark.parametrize(
    ("base", "section", "field", "kind"), FIELDS, ids=[f"{s}.{f}" for _, s, f, _ in FIELDS]
)
def test_every_number_is_bounded_on_both_sides(base, section, field, kind):
    huge = [1e308, -1e308] if kind is float else [2**63, -(2**63) - 1]
    for v in huge:
        value = [v] if field == "mmu_windows_us" else v
        data = {**base, section: {**base.get(section, {}), field: value}}
        with pytest.raises(ConfigError) as e:
            parse_config(data)
        assert f"{section}.{field}" in str(e.value)
    for bad in (True, "1", float("nan")):
        value = [bad] if field == "mmu_windows_us" else bad
        with pytest.raises(ConfigError, match=f"{section}.{field}"):
            parse_config({**base, section: {**base.get(section, {}), field: value}})


def test_a_whole_float_is_an_integer_and_a_fraction_is_not():
    assert parse_config({"workload": {**SMALL, "live_objects": 2e3}}).workload.live_objects == 2000
    with pytest.raises(ConfigError, match=r"workload\.live_objects"):
        parse_config({"workload": {**SMALL, "live_objects": 2000.5}})


def test_a_missing_workload_name_lists_the_names():
    with pytest.raises(ConfigError) as e:
        parse_config({"workload": {"live_objects": 5}})
    msg = str(e.value)
    assert "workload.name: required key is missing" in msg
    for name in workloads.names():
        assert repr(name) in msg


def test_skip_stack_of_must_name_a_goroutine_of_the_workload():
    data = {"workload": {**SMALL, "goroutines": 2}, "collector": {"name": "concurrent"}}
    assert parse_config({**data, "collector": {"name": "concurrent", "skip_stack_of": 1}})
    with pytest.raises(ConfigError, match=r"collector.skip_stack_of: goroutine 2 does not exist"):
        parse_config({**data, "collector": {"name": "concurrent", "skip_stack_of": 2}})


def test_a_live_heap_past_a_tebibyte_is_refused():
    with pytest.raises(ConfigError, match=r"workload: keeps about .* at most 1 TiB"):
        parse_config({"workload": {**SMALL, "live_objects": 10**8, "object_size": 1 << 20}})


def test_a_heap_this_machine_cannot_hold_is_refused(monkeypatch):
    data = {"workload": {**SMALL, "live_objects": 3 * 10**7}}  # about 2.8 GB of tables
    assert parse_config(data)
    monkeypatch.setattr(schema_mod, "physical_memory_bytes", lambda: 1 << 30)
    with pytest.raises(ConfigError, match=r"needs about .* more than this machine's 1 GiB"):
        parse_config(data)


def test_out_problem_before_any_work(tmp_path):
    (tmp_path / "f").write_text("x")
    assert out_problem(tmp_path / "new" / "deeper") is None
    assert not (tmp_path / "new").exists()
    assert "is not a folder" in out_problem(tmp_path / "f")
    assert "is a file, not a folder" in out_problem(tmp_path / "f" / "sub")
    assert "cannot write" in out_problem("/proc/gclab/x")
    assert out_problem(tmp_path / "f", file=True) is None
    assert "is a folder" in out_problem(tmp_path, file=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_a_foreign_or_corrupt_store_is_refused_untouched(tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    db = sqlite3.connect(foreign / "results.sqlite")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    before = (foreign / "results.sqlite").read_bytes()
    for opener in (Store, Store.reader):
        with pytest.raises(StoreError, match=r"not a gclab results store .*tables t"):
            opener(foreign)
    assert (foreign / "results.sqlite").read_bytes() == before
    assert sorted(p.name for p in foreign.iterdir()) == ["results.sqlite"]
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "results.sqlite").write_bytes(bytes(range(256)) * 8)
    with pytest.raises(StoreError, match="not a gclab results store"):
        Store.reader(corrupt)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "results.sqlite").touch()
    with pytest.raises(StoreError, match="no sweep results here yet"):
        Store.reader(empty)
    assert (empty / "results.sqlite").stat().st_size == 0


def test_check_answers_a_stalled_or_broken_run_like_run(tmp_path, monkeypatch, capsys):
    from framework import simulation
    from framework.cli import main
    from framework.sim.machine import WorkloadError

    def broken(cfg, verify=False):
        raise WorkloadError("goroutine 1: op [2, 1, 44, 0] at row 91: field index out of range")

    monkeypatch.setattr(simulation, "simulate", broken)
    (tmp_path / "c.toml").write_text('[workload]\nname = "steady"\n')
    assert main(["check", str(tmp_path / "c.toml")]) == 1
    assert "gclab check: WorkloadError: goroutine 1" in capsys.readouterr().err


def test_objects_have_at_most_255_fields():
    with pytest.raises(ConfigError, match=r"workload\.fields: .*255"):
        parse_config({"workload": {"name": "shuffle", "via": "heap", "fields": 300}})
    from framework.runtime.heap import Heap

    with pytest.raises(ValueError, match="at most 255"):
        Heap(256)


def test_a_store_in_a_read_only_folder_is_read_without_writing(tmp_path, monkeypatch):
    from framework.cli import main
    from framework.sweep import store as store_mod

    (tmp_path / "s.toml").write_text('[workload]\nname = "steady"\nlive_objects = 500\n')
    out = tmp_path / "o"
    assert (
        main(["sweep", str(tmp_path / "s.toml"), "--out", str(out), "--executor", "serial", "-q"])
        == 0
    )
    before = sorted(p.name for p in out.iterdir())
    real_access = store_mod.os.access
    monkeypatch.setattr(
        store_mod.os, "access", lambda p, m: False if Path(p) == out else real_access(p, m)
    )
    with Store.reader(out) as st:
        assert [r["status"] for r in st.runs()] == ["ok"]
    assert sorted(p.name for p in out.iterdir()) == before
