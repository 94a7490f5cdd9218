"""A sweep's results arranged for figures: configuration families, the swept x axis,
representative runs, and one colour per family.

Rules:
- a *family* is a value of the sweep's categorical axes (e.g. ``variant``), or the collector
  when there is none; numeric axes (e.g. ``pacer.gogc``) become x axes or panels;
- a family's look (colour, marker, line style, hatch) comes from its collector and barrier
  (``palette.collector_look``), so a collector looks the same in every figure; a family
  whose collector look is taken gets its pacer's look, else a fallback of its own
  (``palette.distinct_looks``), so no two series share a colour or a (marker, line style);
- a *representative run* of a family is its first seed at the middle value of the x axis
  (and the first value of any other numeric axis); per-run figures show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from framework.plots.palette import PACERS, Look, collector_look, distinct_looks
from framework.sweep.results import load_results
from framework.sweep.store import Store


def _is_numeric(values: pd.Series) -> bool:
    vals = [v for v in values if v is not None]
    return bool(vals) and all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        for v in vals
    )


@dataclass
class SweepData:
    folder: Path
    df: pd.DataFrame  # finished runs (load_results, status ok) + "family" column
    axes: list[str]  # all axes (no seed)
    family_axes: list[str]
    numeric_axes: list[str]
    families: list[str]  # in sweep order
    colours: dict[str, str]
    looks: dict[str, Look]
    configs: dict[str, dict[str, Any]]  # run_id -> resolved config

    @property
    def x(self) -> str | None:
        """The swept numeric axis figures put on x (``pacer.gogc`` if swept)."""
        if "pacer.gogc" in self.numeric_axes:
            return "pacer.gogc"
        return self.numeric_axes[0] if self.numeric_axes else None

    def x_values(self) -> list[Any]:
        return sorted(set(self.df[self.x])) if self.x else []

    def slice_others(self, df: pd.DataFrame) -> pd.DataFrame:
        """Rows at the first value of every numeric axis other than ``x``."""
        for a in self.numeric_axes:
            if a != self.x:
                df = df[df[a] == sorted(set(self.df[a]))[0]]
        return df

    def representative(self, family: str, x_value: Any = None) -> str | None:
        """run_id of ``family``'s first seed at ``x_value`` (default: the middle x value)."""
        d = self.slice_others(self.df[self.df.family == family])
        if self.x:
            xs = self.x_values()
            want = xs[len(xs) // 2] if x_value is None else x_value
            d = d[d[self.x] == want]
        if d.empty:
            return None
        return str(d.sort_values("seed").run_id.iloc[0])


def _family_label(row: pd.Series, family_axes: list[str]) -> str:
    if not family_axes:
        return str(row.get("collector", "run"))
    return " / ".join(str(row[a]) for a in family_axes)


def load_sweep_data(folder: str | Path) -> SweepData:
    folder = Path(folder)
    df = load_results(folder)
    with Store.reader(folder) as st:
        axes = st.axes()
        configs = {r["run_id"]: r["config"] for r in st.runs() if r["status"] == "ok"}
    df = df[df.status == "ok"].reset_index(drop=True)
    numeric = [a for a in axes if _is_numeric(df[a])] if not df.empty else []
    family_axes = [a for a in axes if a not in numeric]
    df["family"] = [_family_label(r, family_axes) for _, r in df.iterrows()]
    families = list(dict.fromkeys(df.family))
    wanted: list[Look | None] = []
    taken: set[Look] = set()
    for fam in families:
        ids = df.run_id[df.family == fam]
        kinds = {collector_look(configs[i]["collector"]) for i in ids}
        pacers = {configs[i].get("pacer", {}).get("name", "go119") for i in ids}
        look = next(iter(kinds)) if len(kinds) == 1 else None
        if look in taken and len(pacers) == 1:
            look = PACERS.get(next(iter(pacers)))
        if look is not None:
            taken.add(look)
        wanted.append(look)
    looks = dict(zip(families, distinct_looks(wanted), strict=True))
    colours = {f: lk.colour for f, lk in looks.items()}
    return SweepData(folder, df, axes, family_axes, numeric, families, colours, looks, configs)
