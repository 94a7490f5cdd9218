"""gclab against real Go 1.19 runs (experiments/go_reference) with the calibrated default
costs: GC count, mean goal, peak and marked heap, GC CPU and its split, pauses per phase,
mark wall, per configuration; the configurations `gclab calibrate --holdout-every 4` kept
out of the fit are judged apart.

The claim (issue "Calibrated to the real runtime"): on held-out configurations, GC count
and mean heap goal within +-10%, GC CPU within +-5 points, STW p50 and mark wall within
1.5x, on at least 90% of them.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from experiments.go_reference.compare import METRICS
from experiments.go_reference.summary import summarize
from framework.calibrate.fit import holdout_names
from framework.plots import style
from framework.plots.figure_io import plain_log_ticks, save
from framework.plots.palette import BAND, GUIDE, SERIES

DESCRIPTION = "gclab vs recorded Go 1.19 runs: counts, goals, GC CPU, pauses, mark wall"
REFERENCE = Path(__file__).resolve().parent.parent / "go_reference"
HOLDOUT_EVERY = 4  # as the shipped defaults were fitted: gclab calibrate --holdout-every 4
TINY = ("bintree_d16", "noscan_2048b")
# (metric label, tolerance kind, tolerance)
CLAIMS = (
    ("GC count", "rel", 0.10),
    ("mean heap goal (MiB)", "rel", 0.10),
    ("GC CPU (%)", "abs", 5.0),
    ("STW sweep term p50 (µs)", "ratio", 1.5),
    ("STW mark term p50 (µs)", "ratio", 1.5),
    ("mark wall mean (ms)", "ratio", 1.5),
)
SHARE = 0.9


def _names() -> list[str]:
    return sorted(p.stem for p in (REFERENCE / "configs").glob("*.toml"))


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def points(scale: str) -> list[dict[str, Any]]:
    names = TINY if scale == "tiny" else _names()
    held = holdout_names(_names(), HOLDOUT_EVERY)
    out = []
    for n in names:
        data = tomllib.loads((REFERENCE / "configs" / f"{n}.toml").read_text())
        out.append({"label": n, "heldout": n in held, **_flatten(data)})
    return out


def table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per config and metric: Go's mean, gclab's value, and whether the claim holds."""
    real = summarize(names=[r["point"]["label"] for r in rows])
    by = {m[0]: m for m in METRICS}
    out = []
    for r in rows:
        name = r["point"]["label"]
        for label, kind, tol in CLAIMS:
            _, key, fn, scale, _ = by[label]
            go = real[name][key]["mean"] * scale
            sim = float(fn(r["summary"])) * scale
            if kind == "rel":
                ok = abs(sim - go) <= tol * abs(go)
            elif kind == "abs":
                ok = abs(sim - go) <= tol
            else:
                ok = go > 0 and sim > 0 and max(sim / go, go / sim) <= tol
            out.append(
                {
                    "config": name,
                    "heldout": r["point"]["heldout"],
                    "metric": label,
                    "go": go,
                    "sim": sim,
                    "holds": bool(ok),
                }
            )
    return out


def check(rows: list[dict[str, Any]]) -> list[str]:
    """The claim, on the held-out configurations (or on all of them at tiny scale)."""
    t = table(rows)
    judged = [x for x in t if x["heldout"]] or t
    fails = []
    for label, _, _ in CLAIMS:
        xs = [x for x in judged if x["metric"] == label]
        share = np.mean([x["holds"] for x in xs]) if xs else 1.0
        if share < SHARE:
            missed = ", ".join(
                f"{x['config']} {x['sim']:.3g} vs {x['go']:.3g}" for x in xs if not x["holds"]
            )
            fails.append(f"{label}: holds on {share:.0%} of the judged configs ({missed})")
    return fails


def plot(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    style.apply()
    t = table(rows)
    lines = ["| config | held out | " + " | ".join(c[0] for c in CLAIMS) + " |"]
    lines.append("|---|---|" + "---|" * len(CLAIMS))
    for name in dict.fromkeys(x["config"] for x in t):
        cells = []
        for label, _, _ in CLAIMS:
            (x,) = [y for y in t if y["config"] == name and y["metric"] == label]
            mark = "" if x["holds"] else " **x**"
            cells.append(f"{x['sim']:.3g} / {x['go']:.3g}{mark}")
        held = "yes" if any(y["heldout"] for y in t if y["config"] == name) else ""
        lines.append(f"| {name} | {held} | " + " | ".join(cells) + " |")
    (out / "validation.md").write_text(
        "gclab / Go per metric (**x**: outside the claim's tolerance)\n\n" + "\n".join(lines) + "\n"
    )
    fig, axes = plt.subplots(2, 3, figsize=(style.FULL_IN, 4.6))
    for ax, (label, kind, tol) in zip(axes.ravel(), CLAIMS, strict=True):
        xs = [x for x in t if x["metric"] == label]
        go = np.array([x["go"] for x in xs])
        sim = np.array([x["sim"] for x in xs])
        held = np.array([x["heldout"] for x in xs])
        lo = max(min(go.min(), sim.min()) * 0.7, 1e-3)
        hi = max(go.max(), sim.max()) * 1.4
        grid = np.geomspace(lo, hi, 50)
        if kind == "rel":
            band = (grid * (1 - tol), grid * (1 + tol))
        elif kind == "abs":
            band = (np.maximum(grid - tol, lo), grid + tol)
        else:
            band = (grid / tol, grid * tol)
        ax.fill_between(grid, *band, color=BAND, lw=0, label="claim's band")
        ax.plot(grid, grid, color=GUIDE, lw=0.8, ls=":")
        fit, out_ = SERIES["fitted"], SERIES["heldout"]
        ax.scatter(go[~held], sim[~held], s=14, marker=fit.marker, color=fit.colour, label="fitted")
        ax.scatter(go[held], sim[held], s=22, marker=out_.marker, color=out_.colour,
                   label="held out", zorder=3)  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        for axis in (ax.xaxis, ax.yaxis):  # plain numbers, steps that fit the range
            plain_log_ticks(axis, lo, hi)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_title(label, fontsize=8)
        ax.set_xlabel("Go 1.19", fontsize=7)
        ax.set_ylabel("gclab", fontsize=7)
    axes[0, 0].legend(fontsize=6, loc="upper left")
    fig.tight_layout()
    return save(fig, out, "go_validation")
