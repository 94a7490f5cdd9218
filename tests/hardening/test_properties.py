"""Property: whatever config dict, ``--set`` string, byte file or sweep spec a user gives,
gclab either accepts it (and it round-trips) or answers with exit status 2 and a message
naming the key (or the file), never a traceback and never a write.

Inputs are built from the real key names (so they reach deep validation) mixed with
arbitrary text, numbers (nan, inf, huge), booleans, lists and tables.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from framework import collectors, pacer, workloads
from framework.cli import main
from framework.config import Config, ConfigError, config_to_dict, parse_config
from framework.config.schema import CostModel, MetricsSection, RunSection
from framework.sweep import build_sweep

GOOD = {
    "run": {"seed": 1, "gomaxprocs": 2},
    "workload": {"name": "steady", "live_objects": 2000, "anchors": 64, "replacements": 5000},
    "collector": {"name": "concurrent"},
}


def _fields() -> dict[str, list[str]]:
    out: dict[str, set[str]] = {
        "run": set(RunSection.model_fields),
        "cost": set(CostModel.model_fields),
        "metrics": set(MetricsSection.model_fields),
        "workload": set(),
        "collector": set(),
        "pacer": set(),
    }
    for section, registry in (("workload", workloads), ("collector", collectors), ("pacer", pacer)):
        for name in registry.names():
            out[section] |= set(registry.get(name).Params.model_fields)
    return {k: sorted(v) for k, v in out.items()}


FIELDS = _fields()
DOTTED = [f"{s}.{f}" for s, fs in FIELDS.items() for f in fs]
NAMES = workloads.names() + collectors.names() + pacer.names()
WORDS = [*NAMES, "off", "hybrid", "dijkstra", "random", "oldest", "heap", "globals", "", "x"]

scalars = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-3, 300),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(WORDS),
    st.text(max_size=6),
)
keys = st.one_of(
    st.sampled_from([*FIELDS, *{f for fs in FIELDS.values() for f in fs}]), st.text(max_size=5)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def config_dicts(draw: Any) -> dict[str, Any]:
    """A valid config with a few keys set to anything, or a table of anything."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.dictionaries(keys, values, max_size=4))
    data = {k: dict(v) for k, v in GOOD.items()}
    for key in draw(st.lists(st.one_of(st.sampled_from(DOTTED), st.text(max_size=8)), max_size=3)):
        section, _, field = key.partition(".")
        table = data.setdefault(section, {})
        value = draw(values)
        if isinstance(table, dict) and field:
            table[field] = value
        else:
            data[section] = value
    return data


FIRST_KEY = re.compile(r'^("(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+)')


def _names_a_key(msg: str, data: dict[str, Any]) -> bool:
    """The message starts with a key path whose first key is the user's or the schema's."""
    m = FIRST_KEY.match(msg)
    if not m:
        return False
    first = json.loads(m.group(1)) if m.group(1)[0] == '"' else m.group(1)
    return first in data or first in Config.model_fields


@given(config_dicts())
def test_the_loader_validates_or_names_the_key(data):
    try:
        cfg = parse_config(data)
    except ConfigError as e:
        assert e.messages
        for m in e.messages:
            assert _names_a_key(m, data), m
    else:
        assert parse_config(config_to_dict(cfg)) == cfg


class ValidatedError(Exception):
    """Raised in place of a simulation: the input was accepted."""


def _accepted(*args: Any, **kwargs: Any) -> Any:
    raise ValidatedError


def _run_cli(argv: list[str], folder: Path) -> tuple[int | None, str]:
    """``gclab argv`` in ``folder`` with simulations replaced by ``ValidatedError``: (exit status,
    stderr), status None when the input was accepted. Asserts nothing was written."""
    before = sorted(p.name for p in folder.iterdir())
    err = io.StringIO()
    with (
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.chdir(folder),
        mock.patch("framework.simulation.simulate", _accepted),
        mock.patch("framework.sweep.runner.run_sweep", _accepted),
    ):
        try:
            code: int | None = main(argv)
        except ValidatedError:
            code = None
        except SystemExit as e:  # argparse
            code = int(e.code or 0)
    if code is not None and code != 0:
        assert sorted(p.name for p in folder.iterdir()) == before, argv
    return code, err.getvalue()


set_strings = st.one_of(
    st.builds(
        lambda k, v: f"{k}={v}",
        st.one_of(st.sampled_from(DOTTED), st.text(max_size=8)),
        st.one_of(
            st.sampled_from(["nan", "inf", "-inf", "1e308", "true", '"7"', "[1, 2]", "{a=1}", ""]),
            st.integers().map(str),
            st.floats().map(repr),
            st.sampled_from(WORDS),
            st.text(max_size=8),
        ),
    ),
    st.text(max_size=12),
)


@given(st.lists(set_strings, min_size=1, max_size=3), st.sampled_from(["run", "check", "sweep"]))
def test_set_strings_validate_or_exit_2_naming_the_key(sets, command):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "c.toml").write_text(tomli_w.dumps(GOOD))
        argv = [command, "c.toml", *[f"--set={s}" for s in sets]]
        if command != "check":
            argv += ["--out", "o"]
        code, err = _run_cli(argv, folder)
        if code is None:
            return
        assert code == 2 and err.startswith("gclab"), (argv, err)
        named = {s.partition("=")[0].strip().split(".")[0] for s in sets}
        shown = {k for k in named if k} | {json.dumps(k, ensure_ascii=False) for k in named}
        assert "--set" in err or any(k in err for k in shown), (argv, err)


@st.composite
def config_bytes(draw: Any) -> bytes:
    """Random bytes, or a valid config's bytes with some bytes replaced or re-encoded."""
    good = tomli_w.dumps(GOOD).encode()
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:
        return tomli_w.dumps(GOOD).encode(draw(st.sampled_from(["utf-16", "utf-32", "cp1252"])))
    out = bytearray(good)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(out) - 1))
        out[i : i + 1] = draw(st.binary(min_size=0, max_size=3))
    return bytes(out)


@given(config_bytes(), st.sampled_from(["run", "check", "sweep"]))
def test_byte_files_validate_or_exit_2_naming_the_file(raw, command):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "c.toml").write_bytes(raw)
        argv = [command, "c.toml"] + (["--out", "o"] if command != "check" else [])
        code, err = _run_cli(argv, folder)
        if code is None:
            return
        assert code == 2 and "c.toml" in err, (raw, err)


@st.composite
def sweep_tables(draw: Any) -> dict[str, Any]:
    table: dict[str, Any] = {}
    axis_values = st.lists(scalars, min_size=0, max_size=3)
    for key in draw(st.lists(st.one_of(st.sampled_from(DOTTED), st.text(max_size=6)), max_size=3)):
        table[key] = draw(st.one_of(axis_values, values))
    if draw(st.booleans()):
        table["seeds"] = draw(
            st.one_of(st.integers(-2, 4), st.lists(st.integers(-1, 9), max_size=3), values)
        )
    if draw(st.booleans()):
        table["zip"] = draw(
            st.one_of(st.dictionaries(st.sampled_from(DOTTED), axis_values, max_size=2), values)
        )
    if draw(st.booleans()):
        table["variants"] = draw(
            st.one_of(
                st.dictionaries(
                    st.text(min_size=1, max_size=3),
                    st.dictionaries(st.sampled_from(DOTTED), scalars, max_size=2),
                    max_size=2,
                ),
                values,
            )
        )
    for reserved in ("name", "description"):
        if draw(st.integers(0, 3)) == 0:
            table[reserved] = draw(scalars)
    return table


@given(sweep_tables())
def test_sweep_specs_expand_or_name_the_key(table):
    try:
        spec = build_sweep({**GOOD, "sweep": table}, "t", "t.toml")
    except ConfigError as e:
        assert e.messages
        for m in e.messages:
            assert m.split(": ", 1)[0], m
    else:
        for r in spec.runs:
            assert parse_config(r.config) is not None


@given(sweep_tables())
def test_sweep_files_validate_or_exit_2_and_write_nothing(table):
    try:
        text = tomli_w.dumps({**GOOD, "sweep": table})
    except (TypeError, ValueError):  # not representable in TOML (e.g. mixed-type arrays)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "s.toml").write_text(text)
        for argv in (["sweep", "s.toml", "--dry-run"], ["sweep", "s.toml", "--out", "o"]):
            code, err = _run_cli(argv, folder)
            assert code in (None, 0, 2), (argv, code, err)
            if code == 2:
                assert err.startswith("gclab") and "s.toml" in err, err
