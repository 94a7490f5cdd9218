"""The config is validated in one place and every error names the key and what is allowed."""

import pytest

from framework.config import ConfigError, config_to_dict, load_config, parse_config
from framework.config.loader import apply_overrides, parse_value

BASE = {"workload": {"name": "steady", "live_objects": 1000}}


def errors_of(data) -> str:
    with pytest.raises(ConfigError) as e:
        parse_config(data)
    return str(e.value)


def test_defaults_fill_in():
    cfg = parse_config(BASE)
    assert cfg.run.gomaxprocs == 2
    assert cfg.collector.name == "stw"
    assert cfg.pacer.gogc_percent == 100
    assert cfg.workload.live_objects == 1000


def test_unknown_key_is_named_with_the_allowed_keys():
    msg = errors_of({**BASE, "run": {"seeed": 1}})
    assert "run.seeed: unknown key" in msg
    assert "gomaxprocs" in msg and "seed" in msg


def test_unknown_workload_key_inside_the_discriminated_section():
    msg = errors_of({"workload": {"name": "steady", "live_object": 5}})
    assert "workload.live_object: unknown key" in msg
    assert "live_objects" in msg


def test_wrong_type_and_range():
    msg = errors_of({**BASE, "run": {"gomaxprocs": "two"}})
    assert "run.gomaxprocs" in msg and "'two'" in msg
    msg = errors_of({"workload": {"name": "steady", "live_objects": -5}})
    assert "workload.live_objects" in msg and "greater than or equal to 1" in msg


def test_unknown_names_list_the_registered_ones():
    msg = errors_of({"workload": {"name": "nope"}})
    assert "workload.name" in msg and "'steady'" in msg
    msg = errors_of({**BASE, "collector": {"name": "nope"}})
    assert "collector" in msg and "stw" in msg


def test_gogc_accepts_off_and_rejects_nonsense():
    assert parse_config({**BASE, "pacer": {"gogc": "off"}}).pacer.gogc_percent is None
    assert "pacer.gogc" in errors_of({**BASE, "pacer": {"gogc": 0}})
    assert "pacer.gogc" in errors_of({**BASE, "pacer": {"gogc": "of"}})


def test_cross_field_rule_is_explained():
    msg = errors_of({"workload": {"name": "steady", "object_size": 8, "pointers": 2}})
    assert "workload" in msg and "object_size" in msg


def test_missing_workload():
    assert "workload" in errors_of({"run": {"seed": 1}})


def test_overrides_parse_toml_values():
    assert parse_value("200") == 200
    assert parse_value("off") == "off"
    assert parse_value('"off"') == "off"
    assert parse_value("[1, 2]") == [1, 2]
    d = apply_overrides(BASE, ["pacer.gogc=200", "workload.live_objects=7"])
    assert d["pacer"]["gogc"] == 200 and d["workload"]["live_objects"] == 7
    assert BASE["workload"]["live_objects"] == 1000  # the input is not mutated
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        apply_overrides(BASE, ["pacer.gogc"])


def test_load_config_reports_bad_toml_and_missing_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[run\nseed = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


def test_resolved_config_round_trips():
    cfg = parse_config({**BASE, "pacer": {"gogc": "off"}})
    again = parse_config(config_to_dict(cfg))
    assert again == cfg


@pytest.mark.parametrize("item", [".0=1", "pacer..gogc=1", "pacer.=1"])
def test_a_dotted_key_with_an_empty_part_names_set(item):
    from framework.config import ConfigError
    from framework.config.loader import apply_overrides

    with pytest.raises(ConfigError, match="--set") as e:
        apply_overrides({}, [item])
    assert "every part of a dotted key" in str(e.value)
