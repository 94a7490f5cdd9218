"""`gclab schema`: the JSON Schema every shipped config validates against."""

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from framework import collectors, pacer, workloads
from framework.cli import main
from framework.config.json_schema import config_schema

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(
    [
        *ROOT.glob("configs/*.toml"),
        *ROOT.glob("experiments/*/config.toml"),
        *ROOT.glob("experiments/go_reference/configs/*.toml"),
    ]
)


@pytest.fixture(scope="module")
def validator():
    schema = config_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_shipped_config_validates(validator):
    whole = 0
    for path in SHIPPED:
        data = tomllib.loads(path.read_text())
        if "workload" not in data:  # a study's base: its points carry the workload
            continue
        whole += 1
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, f"{path}: {errors}"
    assert whole >= 25


def test_every_registered_name_is_offered():
    text = json.dumps(config_schema())
    for name in [*workloads.names(), *collectors.names(), *pacer.names()]:
        assert f'"{name}"' in text, name


@pytest.mark.parametrize(
    "bad, where",
    [
        ({"workload": {"name": "steady", "live_objects": -1}}, "live_objects"),
        ({"workload": {"live_objects": 5}}, "name"),
        ({"workload": {"name": "nope"}}, "workload"),
        ({"workload": {"name": "steady"}, "collector": {"barrier": "nope"}}, "barrier"),
        ({"workload": {"name": "steady"}, "run": {"gomaxprocs": 0}}, "gomaxprocs"),
        ({"workload": {"name": "steady"}, "typo": {}}, "typo"),
    ],
)
def test_bad_configs_are_rejected(validator, bad, where):
    errors = list(validator.iter_errors(bad))
    assert errors
    text = " ".join(str(e) for e in errors)
    assert where in text


def test_a_file_with_a_base_may_be_partial(validator):
    assert not list(validator.iter_errors({"base": "x.toml", "pacer": {"gogc": 50}}))
    assert not list(
        validator.iter_errors({"base": "x.toml", "sweep": {"seeds": 3, "pacer.gogc": [50, 100]}})
    )


def test_schema_command_writes_the_schema(tmp_path, capsys):
    dest = tmp_path / "sub" / "gclab.schema.json"
    assert main(["schema", "--out", str(dest)]) == 0
    assert json.loads(dest.read_text()) == config_schema()
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == config_schema()


def test_schema_to_a_folder_is_bad_input(tmp_path, capsys):
    assert main(["schema", "--out", str(tmp_path)]) == 2
    assert "--out" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
