"""Read a TOML config, apply ``--set key=value`` overrides, validate, and explain errors.

Rules:
- ``read_toml`` is the one way a config file (or a sweep's ``base``) is read: UTF-8 text (a
  UTF-8 byte-order mark is allowed), then TOML;
- validation is strict (``parse_config``): a boolean or a string is never taken for a
  number (nor a number or a string for a boolean); a whole float (``1e5``) is taken for an
  integer; a number that is not finite (``nan``, ``inf``) is refused wherever it appears;
- every error message names the key path (``workload.live_objects``) and what is allowed.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from framework.config.schema import Config, current_model


class ConfigError(ValueError):
    """A config that cannot be used; ``str()`` is a readable, multi-line explanation."""

    def __init__(self, messages: list[str], source: str = "config") -> None:
        self.messages = messages
        self.source = source
        super().__init__(
            f"{source}: invalid configuration\n" + "\n".join(f"  - {m}" for m in messages)
        )


def parse_value(text: str) -> Any:
    """A ``--set`` value: any TOML value (``100``, ``[1, 2]``, ``true``), else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return ``data`` with each ``dotted.key=value`` applied (new tables created as needed)."""
    out = _deepcopy(data)
    for item in overrides:
        if "=" not in item:
            raise ConfigError([f"--set {item!r}: expected KEY=VALUE, e.g. pacer.gogc=200"], "--set")
        key, _, raw = item.partition("=")
        parts = key.strip().split(".")
        if not key.strip():
            raise ConfigError([f"--set {item!r}: empty key"], "--set")
        if not all(parts):
            raise ConfigError(
                [f"--set {item!r}: every part of a dotted key must be a name (e.g. pacer.gogc)"],
                "--set",
            )
        node = out
        for p in parts[:-1]:
            nxt = node.setdefault(p, {})
            if not isinstance(nxt, dict):
                raise ConfigError([f"--set {key}: {p!r} is not a table"], "--set")
            node = nxt
        node[parts[-1]] = parse_value(raw.strip())
    return out


def _deepcopy(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _deepcopy(v) if isinstance(v, dict) else v for k, v in d.items()}


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that owns the key at ``loc`` (tags of discriminated unions skipped)."""
    model: Any = Config
    for part in loc[:-1]:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            model = _member(model, part)  # a discriminated-union tag
            continue
        if isinstance(part, str) and part in model.model_fields:
            ann = model.model_fields[part].annotation
            model = ann
            continue
        # A discriminated-union tag: pick the member with that name.
        model = _member(model, part)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model
    return _member(model, None)


def _member(union: Any, tag: Any) -> Any:
    for m in getattr(union, "__args__", ()) or ():
        if hasattr(m, "__args__"):
            found = _member(m, tag)
            if found is not None:
                return found
        if isinstance(m, type) and issubclass(m, BaseModel):
            name = m.model_fields.get("name")
            if tag is None or (name is not None and name.default == tag):
                return m
    return None


def _plugin_names() -> set[str]:
    from framework import collectors, pacer, workloads

    return set(collectors.names()) | set(pacer.names()) | set(workloads.names())


def _clean_loc(loc: tuple[Any, ...], data: dict[str, Any]) -> tuple[Any, ...]:
    """Drop discriminated-union tags that pydantic inserts into locations."""
    out: list[Any] = []
    node: Any = data
    for part in loc:
        if isinstance(node, dict) and part not in node and part in _plugin_names():
            continue  # the tag pydantic adds (the name may have been defaulted)
        out.append(part)
        node = node.get(part) if isinstance(node, dict) else None
    return tuple(out)


def _value_loc(loc: tuple[Any, ...], data: dict[str, Any]) -> tuple[Any, ...]:
    """``loc`` up to the value it reaches in ``data``: what follows a scalar is the name of
    a union member pydantic tried (``int``, ``literal['off']``), not a key."""
    node: Any = data
    for i, part in enumerate(loc):
        if isinstance(node, dict):
            if part not in node:
                return loc  # a missing key
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return loc[:i]
    return loc


def _union_names(loc: tuple[Any, ...]) -> list[str]:
    """The plug-in names a discriminated section at ``loc`` accepts."""
    from framework import collectors, pacer, workloads

    registry = {"workload": workloads, "collector": collectors, "pacer": pacer}
    return registry[loc[0]].names() if loc and loc[0] in registry else []


def _explain_one(err: dict[str, Any], data: dict[str, Any]) -> tuple[str, str]:
    """(key path, what is wrong) of one pydantic error."""
    raw_loc = tuple(err["loc"])
    loc = _value_loc(_clean_loc(raw_loc, data), data)
    path = ".".join(_key(p) for p in loc) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        owner = _model_at(raw_loc)
        allowed = ", ".join(sorted(owner.model_fields)) if owner else "see the docs"
        return path, f"unknown key; allowed keys here: {allowed}"
    if kind == "missing":
        return path, "required key is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        allowed = ", ".join(repr(n) for n in _union_names(loc))
        if kind == "union_tag_not_found":
            return f"{path}.name", f"required key is missing; allowed: {allowed}"
        got = err.get("ctx", {}).get("tag", "")
        return f"{path}.name", f"unknown name {got!r}; allowed: {allowed}"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
        if not loc:  # a rule across sections (``Config``) names its own key first
            path, _, msg = msg.partition(": ")
    return path, msg


_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _key(part: Any) -> str:
    """A key as written in a TOML path: bare, or quoted (``"a b"``)."""
    text = str(part)
    return text if _BARE.fullmatch(text) else json.dumps(text, ensure_ascii=False)


def _explain(errors: list[dict[str, Any]], data: dict[str, Any]) -> list[str]:
    """One line per bad key: the tries of a union (``int`` or ``'off'``) joined by "or"."""
    by_path: dict[str, list[str]] = {}
    got: dict[str, Any] = {}
    for err in errors:
        path, msg = _explain_one(err, data)
        msgs = by_path.setdefault(path, [])
        if msg not in msgs:
            msgs.append(msg)
        if "input" in err and not isinstance(err["input"], dict) and "unknown" not in msg:
            got.setdefault(path, err["input"])
    out = []
    for path, msgs in by_path.items():
        if len(msgs) > 1:
            msgs = [m.removeprefix("Input should be ") for m in msgs]
            msgs = ["should be " + " or ".join(msgs)]
        shown = f" (got {got[path]!r})" if path in got else ""
        out.append(f"{path}: {msgs[0]}{shown}")
    return out


def _check_numbers(node: Any, path: str, errs: list[str]) -> Any:
    """``node`` with whole floats turned into ints (``1e5`` is a valid integer); every
    number that is not finite is reported in ``errs``."""
    if isinstance(node, dict):
        return {
            k: _check_numbers(v, f"{path}.{_key(k)}" if path else _key(k), errs)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_check_numbers(v, f"{path}.{i}", errs) for i, v in enumerate(node)]
    if isinstance(node, float):
        if not math.isfinite(node):
            errs.append(f"{path}: must be a finite number (got {node!r})")
        elif node.is_integer() and abs(node) < 2**63:
            return int(node)
    return node


def parse_config(data: dict[str, Any], source: str = "config") -> Config:
    """Validate a config dict (strictly: see the module's rules); raise ``ConfigError``
    naming every bad key."""
    if not isinstance(data.get("workload"), dict):
        allowed = ", ".join(repr(n) for n in _union_names(("workload",)))
        what = "required table is missing" if "workload" not in data else "must be a table"
        raise ConfigError(
            [f'workload: {what} (e.g. [workload] name = "steady"); names: {allowed}'], source
        )
    errs: list[str] = []
    checked = _check_numbers(data, "", errs)
    if errs:
        raise ConfigError(errs, source)
    try:
        return current_model().model_validate(checked, strict=True)
    except ValidationError as e:
        raise ConfigError(_explain(e.errors(), checked), source) from None


def read_toml(path: str | Path, source: str | None = None) -> tuple[dict[str, Any], str]:
    """The one decoding path for config files: ``(data, text)`` of the UTF-8 TOML file at
    ``path``; a ``ConfigError`` (from ``source``, default the path) saying why not."""
    p = Path(path)
    src = source or str(p)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise ConfigError([f"cannot read {p}: {e.strerror or e}"], src) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError([f"{p}: is UTF-16 text; save it as UTF-8 (TOML files are UTF-8)"], src)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        what = f"not UTF-8 text (byte 0x{raw[e.start]:02x} on line {line})"
        raise ConfigError([f"{p}: {what}; TOML files are UTF-8"], src) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([f"{p}: not valid TOML: {e}"], src) from None


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` merged into a copy of ``base``, table by table."""
    out = apply_overrides(base, [])
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = apply_overrides(v, []) if isinstance(v, dict) else v
    return out


def read_config(
    path: str | Path, source: str | None = None, seen: tuple[Path, ...] = ()
) -> tuple[dict[str, Any], str]:
    """The file's data with its ``base`` chain merged in (``sweep`` kept only from ``path``),
    and the file's text: how every command reads a config file (run, check, sweep, a
    study's base)."""
    path = Path(path)
    source = source or str(path)
    real = path.resolve()
    if real in seen:
        chain = " -> ".join(str(p) for p in (*seen, real))
        raise ConfigError([f"base: circular reference: {chain}"], source)
    data, text = read_toml(path, source)
    ref = data.pop("base", None)
    if ref is None:
        return data, text
    if not isinstance(ref, str) or not ref:
        raise ConfigError([f"base: must be a path to a TOML config (got {ref!r})"], source)
    base_path = (path.parent / ref) if not Path(ref).is_absolute() else Path(ref)
    base, _ = read_config(base_path, source, (*seen, real))
    if "sweep" in base:
        raise ConfigError(
            [f"base: {ref} has a [sweep] table; a base must be a plain config"], source
        )
    return deep_merge(base, data), text


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read (with its ``base`` chain), override and validate the TOML config at ``path``."""
    data, _ = read_config(path)
    if "sweep" in data:
        raise ConfigError(
            ["sweep: this file is a sweep; run it with `gclab sweep` (or remove [sweep])"],
            str(path),
        )
    data = apply_overrides(data, overrides or [])
    return parse_config(data, str(path))


def config_to_dict(cfg: Config) -> dict[str, Any]:
    """The resolved config as plain TOML-writable data (None values dropped)."""

    def strip(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return strip(cfg.model_dump(mode="json"))
