"""Read a TOML config, apply ``--set key=value`` overrides, validate, and explain errors.

Every error message names the key path (``workload.live_objects``) and what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from framework.config.schema import Config


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
        parts = [p for p in key.strip().split(".") if p]
        if not parts:
            raise ConfigError([f"--set {item!r}: empty key"], "--set")
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


def _explain(err: dict[str, Any], data: dict[str, Any]) -> str:
    raw_loc = tuple(err["loc"])
    loc = _clean_loc(raw_loc, data)
    path = ".".join(str(p) for p in loc) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        owner = _model_at(raw_loc)
        allowed = ", ".join(sorted(owner.model_fields)) if owner else "see the docs"
        return f"{path}: unknown key; allowed keys here: {allowed}"
    if kind == "missing":
        return f"{path}: required key is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        expected = err.get("ctx", {}).get("expected_tags", "")
        got = err.get("ctx", {}).get("tag", "")
        return f"{path}.name: unknown name {got!r}; allowed: {expected}"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    got = err.get("input")
    shown = "" if isinstance(got, dict) else f" (got {got!r})"
    return f"{path}: {msg}{shown}"


def parse_config(data: dict[str, Any], source: str = "config") -> Config:
    """Validate a config dict; raise ``ConfigError`` naming every bad key."""
    if "workload" not in data:
        raise ConfigError(
            ['workload: required table is missing (e.g. [workload] name = "steady")'], source
        )
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        raise ConfigError([_explain(err, data) for err in e.errors()], source) from None


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read, override and validate the TOML config at ``path``."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as e:
        raise ConfigError([f"cannot read {p}: {e.strerror}"], str(p)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([f"not valid TOML: {e}"], str(p)) from None
    data = apply_overrides(data, overrides or [])
    return parse_config(data, str(p))


def config_to_dict(cfg: Config) -> dict[str, Any]:
    """The resolved config as plain TOML-writable data (None values dropped)."""

    def strip(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return strip(cfg.model_dump(mode="json"))
