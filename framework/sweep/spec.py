"""Sweep specs: a base config plus a ``[sweep]`` table, expanded into validated runs.

A sweep file is a config (or ``base = "path.toml"``, relative to the file, plus override-only
sections deep-merged over it) with one extra table::

    base = "steady.toml"             # optional; a chain of bases is allowed
    [sweep]
    name = "quickstart"              # default: the file's stem
    seeds = 2                        # N replicates (run.seed, run.seed+1, ...) or a list
    "pacer.gogc" = [50, 100, 200]    # grid axes: the cartesian product of every axis
    [sweep.zip]                      # zipped axes: equal-length lists that vary together
    "workload.live_objects" = [1e5, 2e5]   ([[sweep.zip]] gives several zipped groups)
    "workload.replacements" = [1e6, 2e6]
    [sweep.variants.stw]             # named variants: each a set of overrides
    "collector.name" = "stw"

Rules:
- runs are ordered variant x grid x zip groups x seeds, each in file order;
- overrides apply in that order; setting a plug-in section's ``name`` (collector, workload,
  pacer) to another plug-in keeps only the keys the new plug-in accepts (as Hydra's config
  groups replace a group), so ``"collector.name" = "stw"`` drops ``barrier``;
- every run's config is validated before anything runs; a run's id is a hash of its
  resolved config (defaults filled in, seed included), so it is stable across sweeps;
- every error is a ``ConfigError`` naming the key and what is allowed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framework.config import Config, ConfigError, config_to_dict, parse_config
from framework.config.loader import apply_overrides, read_config

RESERVED = ("name", "description", "seeds", "zip", "variants")
PLUGIN_SECTIONS = ("workload", "collector", "pacer")
MAX_SEEDS = 10_000
Scalar = int | float | str | bool


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: its position, stable id, parameters and resolved config."""

    index: int
    run_id: str
    params: dict[str, Any]  # {"variant": ..., "<dotted key>": value, ..., "seed": n}
    config: dict[str, Any]  # the resolved config (config_to_dict of the validated Config)


@dataclass(frozen=True)
class SweepSpec:
    name: str
    source: str
    description: str
    axes: list[str]  # parameter names in order (without "seed")
    seeds: list[int]
    runs: list[RunSpec]
    text: str = ""  # the sweep file as written (provenance)
    base: dict[str, Any] = field(default_factory=dict)


def run_id(config: dict[str, Any]) -> str:
    """Stable id of a resolved config (which includes ``run.seed``)."""
    blob = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _check_key(key: str, where: str) -> list[str]:
    sections = sorted(Config.model_fields)
    parts = key.split(".")
    if len(parts) < 2 or not all(parts):
        return [f'{where}: {key!r} is not a dotted config key like "pacer.gogc"']
    if parts[0] not in sections:
        return [f"{where}: unknown config section {parts[0]!r}; allowed: {', '.join(sections)}"]
    if key == "run.seed":
        return [f"{where}: run.seed is set by sweep.seeds; give seeds = N or a list instead"]
    return []


def _check_value(v: Any, where: str) -> list[str]:
    if isinstance(v, Scalar):
        return []
    return [f"{where}: values must be numbers, strings or booleans (got {v!r})"]


def _axis(key: str, values: Any, where: str) -> list[str]:
    errs = _check_key(key, where)
    if not isinstance(values, list):
        return [
            *errs,
            f"{where}: an axis must be a list of values, e.g. [50, 100] (got {values!r})",
        ]
    if not values:
        return [*errs, f"{where}: empty axis; give at least one value"]
    for v in values:
        errs += _check_value(v, where)
    if len({json.dumps(v) for v in values}) != len(values):
        errs.append(f"{where}: repeated values in {values!r}")
    return errs


@dataclass
class _Parsed:
    name: str
    description: str
    seeds: tuple[bool, list[int]] | None  # (explicit list?, seeds or offsets)
    grid: dict[str, list[Any]]
    zips: list[dict[str, list[Any]]]
    variants: dict[str, dict[str, Any]]


def _parse_sweep_table(table: Any, default_name: str, source: str) -> _Parsed:
    if not isinstance(table, dict):
        raise ConfigError(["sweep: must be a table ([sweep])"], source)
    errs: list[str] = []
    name = table.get("name", default_name)
    if not isinstance(name, str) or not name or "/" in name:
        errs.append(f"sweep.name: must be a non-empty string without '/' (got {name!r})")
    desc = table.get("description", "")
    if not isinstance(desc, str):
        errs.append(f"sweep.description: must be a string (got {desc!r})")
    seeds = _parse_seeds(table.get("seeds"), errs)
    grid: dict[str, list[Any]] = {}
    for key, values in _flatten({k: v for k, v in table.items() if k not in RESERVED}).items():
        if "." not in key:
            errs.append(
                f"sweep.{key}: unknown key; allowed: {', '.join(RESERVED)}, "
                'or a dotted config key with a list of values, e.g. "pacer.gogc" = [50, 100]'
            )
            continue
        errs += _axis(key, values, f"sweep.{key}")
        grid[key] = values
    zips = _parse_zips(table.get("zip"), errs)
    variants = _parse_variants(table.get("variants"), errs)
    seen: dict[str, str] = {}
    for where, keys in [
        ("the grid", list(grid)),
        *[(f"sweep.zip group {i + 1}", list(z)) for i, z in enumerate(zips)],
    ]:
        for k in keys:
            if k in seen:
                errs.append(f"sweep: {k!r} is swept twice ({seen[k]} and {where})")
            seen[k] = where
    for vname, over in variants.items():
        for k in over:
            if k in seen:
                errs.append(
                    f"sweep.variants.{vname}: {k!r} is also swept by {seen[k]}; set it in one place"
                )
    if errs:
        raise ConfigError(errs, source)
    return _Parsed(name, desc, seeds, grid, zips, variants)


def _parse_seeds(raw: Any, errs: list[str]) -> tuple[bool, list[int]] | None:
    """``(False, offsets from run.seed)`` for a count, ``(True, seeds)`` for a list."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | list):
        errs.append(
            f"sweep.seeds: must be a count (1..{MAX_SEEDS}) or a list of seeds (got {raw!r})"
        )
        return None
    if isinstance(raw, int):
        if not 1 <= raw <= MAX_SEEDS:
            errs.append(f"sweep.seeds: a count must be in 1..{MAX_SEEDS} (got {raw})")
            return None
        return False, list(range(raw))
    if not raw or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in raw):
        errs.append(f"sweep.seeds: a list must hold non-negative integers (got {raw!r})")
        return None
    if len(set(raw)) != len(raw):
        errs.append(f"sweep.seeds: repeated seeds in {raw!r}")
        return None
    return True, list(raw)


def _parse_zips(raw: Any, errs: list[str]) -> list[dict[str, list[Any]]]:
    if raw is None:
        return []
    groups = [raw] if isinstance(raw, dict) else raw
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        errs.append("sweep.zip: must be a table ([sweep.zip]) or tables ([[sweep.zip]])")
        return []
    out = []
    for i, g in enumerate(groups):
        flat = _flatten(g)
        where = "sweep.zip" if isinstance(raw, dict) else f"sweep.zip[{i}]"
        if not flat:
            errs.append(f"{where}: empty; give at least one axis")
            continue
        for k, v in flat.items():
            errs += _axis(k, v, f"{where}.{k}")
        lengths = {k: len(v) for k, v in flat.items() if isinstance(v, list)}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{k}: {n}" for k, n in lengths.items())
            errs.append(f"{where}: zipped axes must have equal lengths (got {shown})")
        out.append(flat)
    return out


def _parse_variants(raw: Any, errs: list[str]) -> dict[str, dict[str, Any]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        errs.append("sweep.variants: must be a table of named tables, e.g. [sweep.variants.stw]")
        return {}
    out = {}
    for vname, over in raw.items():
        where = f"sweep.variants.{vname}"
        if not isinstance(over, dict):
            errs.append(f'{where}: must be a table of overrides, e.g. "collector.name" = "stw"')
            continue
        flat = _flatten(over)
        for k, v in flat.items():
            errs += _check_key(k, f"{where}.{k}") + _check_value(v, f"{where}.{k}")
        out[vname] = flat
    return out


def _plugin_fields(section: str, name: Any) -> set[str] | None:
    from framework import collectors, pacer, workloads

    registry = {"workload": workloads, "collector": collectors, "pacer": pacer}[section]
    if not isinstance(name, str) or name not in registry.names():
        return None
    return set(registry.get(name).Params.model_fields)


def set_key(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``data[a][b]... = value`` for ``key = "a.b..."``; switching a plug-in's ``name``
    keeps only the section keys the new plug-in accepts."""
    *parents, last = key.split(".")
    node = data
    for p in parents:
        nxt = node.setdefault(p, {})
        if not isinstance(nxt, dict):
            raise ConfigError([f"{key}: {p!r} is not a table"], "sweep")
        node = nxt
    if len(parents) == 1 and parents[0] in PLUGIN_SECTIONS and last == "name":
        if node.get("name") != value:
            allowed = _plugin_fields(parents[0], value)
            if allowed is not None:
                for k in [k for k in node if k not in allowed]:
                    del node[k]
    node[last] = value


def _points(p: _Parsed) -> list[tuple[str | None, dict[str, Any]]]:
    """(variant, overrides) of every point, in run order (before seeds)."""
    variants: list[tuple[str | None, dict[str, Any]]] = list(p.variants.items()) or [(None, {})]
    grid_keys = list(p.grid)
    grid = [
        dict(zip(grid_keys, combo, strict=True)) for combo in itertools.product(*p.grid.values())
    ]
    zipped = [
        [dict(zip(z, vals, strict=True)) for vals in zip(*z.values(), strict=True)] for z in p.zips
    ]
    out = []
    for vname, vover in variants:
        for g in grid:
            for zs in itertools.product(*zipped) if zipped else [()]:
                over = {**vover, **g}
                for z in zs:
                    over.update(z)
                out.append((vname, over))
    return out


def build_sweep(
    data: dict[str, Any], name: str, source: str = "sweep", overrides: list[str] | None = None
) -> SweepSpec:
    """Expand and validate a sweep from its (base-merged) TOML data."""
    data = dict(data)
    table = data.pop("sweep", {})
    allowed = sorted({*Config.model_fields, "base", "sweep"})
    unknown = [k for k in data if k not in Config.model_fields]
    if unknown:
        raise ConfigError(
            [f"{k}: unknown top-level key; allowed: {', '.join(allowed)}" for k in unknown],
            source,
        )
    p = _parse_sweep_table(table, name, source)
    swept = {*p.grid, *(k for z in p.zips for k in z), *(k for v in p.variants.values() for k in v)}
    for item in overrides or []:
        key = item.partition("=")[0].strip()
        if key in swept:
            raise ConfigError(
                [f"--set {key}: is swept by [sweep]; change the sweep instead"], source
            )
        if key == "run.seed" and p.seeds is not None:
            raise ConfigError(["--set run.seed: seeds are set by sweep.seeds"], source)
    base = apply_overrides(data, overrides or [])
    if "workload" not in base:
        raise ConfigError(
            ['workload: required table is missing (e.g. [workload] name = "steady")'], source
        )
    base_seed = base.get("run", {}).get("seed", 1)
    if not isinstance(base_seed, int) or isinstance(base_seed, bool) or base_seed < 0:
        raise ConfigError([f"run.seed: must be a non-negative integer (got {base_seed!r})"], source)
    explicit, values = p.seeds if p.seeds is not None else (False, [0])
    seeds = values if explicit else [base_seed + o for o in values]
    axes = (["variant"] if p.variants else []) + list(p.grid) + [k for z in p.zips for k in z]
    runs: list[RunSpec] = []
    ids: dict[str, dict[str, Any]] = {}
    errs: list[str] = []
    for vname, over in _points(p):
        for seed in seeds:
            cfg_data = apply_overrides(base, [])
            for k, v in over.items():
                set_key(cfg_data, k, v)
            set_key(cfg_data, "run.seed", seed)
            params = ({"variant": vname} if p.variants else {}) | over | {"seed": seed}
            shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
            try:
                cfg = parse_config(cfg_data, f"{source} [{shown}]")
            except ConfigError as e:
                errs += [f"run [{shown}]: {m}" for m in e.messages]
                continue
            resolved = config_to_dict(cfg)
            rid = run_id(resolved)
            if rid in ids:
                errs.append(
                    f"run [{shown}] resolves to the same config as "
                    f"[{', '.join(f'{k}={v!r}' for k, v in ids[rid].items())}]; "
                    "remove the duplicate point"
                )
                continue
            ids[rid] = params
            runs.append(
                RunSpec(len(runs), rid, {k: params.get(k) for k in [*axes, "seed"]}, resolved)
            )
        if len(errs) > 20:
            break
    if errs:
        more = [] if len(errs) <= 20 else [f"... and more ({len(errs) - 20} shown above cut)"]
        raise ConfigError(errs[:20] + more, source)
    return SweepSpec(p.name, source, p.description, axes, seeds, runs, base=base)


def load_sweep(path: str | Path, overrides: list[str] | None = None) -> SweepSpec:
    """Read a sweep file (or a plain config: a sweep of one run) and expand it."""
    p = Path(path)
    data, text = read_config(p, str(p))
    spec = build_sweep(data, p.stem, str(p), overrides)
    return SweepSpec(
        spec.name, spec.source, spec.description, spec.axes, spec.seeds, spec.runs, text, spec.base
    )
