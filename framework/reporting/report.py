"""``gclab report DIR``: tables for papers from a sweep's results, in Markdown and LaTeX.

Writes into ``DIR/report/``:
  results.md / results.tex      one row per configuration: mean ± 95% CI half-width over
                                seeds for each metric (units in the header), and n
  comparison.md / .tex          every configuration against the baseline configuration
                                that differs only in the first axis: change of the mean
                                (%) and the Mann-Whitney U p-value; when there are too few
                                seeds for any p-value to reach 0.05, the caption says so
  stats.csv, comparison.csv     the same numbers, tidy and unrounded (bootstrap CI too)
  runs.csv                      one row per run (load_results)
  report.md                     both tables, plus the failed runs with their errors
LaTeX tables use booktabs (``\\usepackage{booktabs}``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from framework.reporting.metric_units import REPORT_METRICS, unit
from framework.reporting.stats import aggregate, compare
from framework.sweep.results import load_results, param_columns

ALPHA = 0.05  # the significance level the report's notes speak of


def smallest_p(n_a: int, n_b: int) -> float:
    """The smallest two-sided p-value an exact Mann-Whitney U test can give for samples of
    ``n_a`` and ``n_b`` (complete separation, no ties): ``2 / C(n_a + n_b, n_a)``."""
    if n_a < 1 or n_b < 1:
        return 1.0
    return min(1.0, 2 / math.comb(n_a + n_b, n_a))


def seeds_needed(alpha: float = ALPHA) -> int:
    """The fewest seeds per configuration (equal on both sides) that can reach ``alpha``."""
    n = 1
    while smallest_p(n, n) > alpha:
        n += 1
    return n


def small_n_note(comp: pd.DataFrame, alpha: float = ALPHA) -> str | None:
    """A plain warning when some comparison has too few seeds for its test to reach
    ``alpha`` whatever the effect; None when every comparison can."""
    if comp.empty:
        return None
    pairs = {(int(a), int(b)) for a, b in zip(comp.n_baseline, comp.n, strict=True)}
    a, b = max(pairs, key=lambda ab: smallest_p(*ab))
    floor = smallest_p(a, b)
    if floor <= alpha:
        return None
    need = seeds_needed(alpha)
    return (
        f"Too few seeds for significance: with {a} vs {b} seeds the smallest p-value a "
        f"two-sided Mann-Whitney U test can give is {floor:.2g}, so no comparison here can "
        f"reach p < {alpha:g}, however large the change; run at least {need} seeds per "
        f"configuration ([sweep] seeds = {need}) for a test that can."
    )


class ReportError(ValueError):
    """A bad report request (unknown metric or baseline); the message says what is allowed."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    align: str  # one of "l"/"r" per column
    caption: str


def _fmt_num(x: float, digits: int) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) >= 10 ** (digits + 3):
        return f"{x:.3g}"
    return f"{x:,.{digits}f}"


def fmt_mean_ci(mean: float, lo: float, hi: float, key: str, latex: bool = False) -> str:
    u = unit(key)
    m = _fmt_num(mean * u.scale, u.digits)
    if math.isnan(lo) or math.isnan(hi):
        return m
    pm = r"$\pm$" if latex else "±"
    return f"{m} {pm} {_fmt_num((hi - lo) / 2 * u.scale, u.digits)}"


def _fmt_param(v: Any) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def numeric_metrics(df: pd.DataFrame, params: list[str]) -> list[str]:
    skip = {"run_id", "status", "error", "wall_s", *params}
    return [c for c in df.columns if c not in skip and pd.api.types.is_numeric_dtype(df[c])]


def results_table(
    df: pd.DataFrame, axes: list[str], metrics: list[str], latex: bool = False
) -> Table:
    agg = aggregate(df, axes, metrics)
    header = [*axes, *(unit(m).axis_label() for m in metrics), "n"]
    rows = []
    for key, g in agg.groupby(axes, sort=False, dropna=False) if axes else [((), agg)]:
        key = key if isinstance(key, tuple) else (key,)
        by_m = g.set_index("metric")
        cells = [
            fmt_mean_ci(by_m.at[m, "mean"], by_m.at[m, "ci_lo"], by_m.at[m, "ci_hi"], m, latex)
            for m in metrics
        ]
        rows.append([*(_fmt_param(k) for k in key), *cells, str(int(by_m["n"].max()))])
    return Table(
        header,
        rows,
        "l" * len(axes) + "r" * (len(metrics) + 1),
        "Mean and 95% confidence interval (Student t) over seeds.",
    )


def comparisons(
    df: pd.DataFrame, axes: list[str], metrics: list[str], baseline: tuple[str, Any]
) -> pd.DataFrame:
    """Tidy comparisons of every configuration with its baseline (same other axes)."""
    axis, base_value = baseline
    others = [a for a in axes if a != axis]
    rows = []
    for key, g in df.groupby(axes, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        cfg = dict(zip(axes, key, strict=True))
        if str(cfg[axis]) == str(base_value):
            continue
        sel = df[df[axis].astype(str) == str(base_value)]
        for o in others:
            sel = sel[sel[o].astype(str) == str(cfg[o])]
        if sel.empty:
            continue
        for m in metrics:
            c = compare(sel[m].astype(float), g[m].astype(float))
            rows.append(
                {
                    **cfg,
                    "metric": m,
                    "baseline": f"{axis}={base_value}",
                    "n_baseline": c.n_a,
                    "n": c.n_b,
                    "mean_baseline": c.mean_a,
                    "mean": c.mean_b,
                    "diff": c.diff,
                    "diff_ci_lo": c.diff_lo,
                    "diff_ci_hi": c.diff_hi,
                    "rel_diff": c.rel_diff,
                    "mannwhitney_u": c.u,
                    "p_value": c.p_value,
                    "p_smallest_possible": smallest_p(c.n_a, c.n_b),
                }
            )
    return pd.DataFrame(rows)


def comparison_table(
    comp: pd.DataFrame, axes: list[str], metrics: list[str], baseline: tuple[str, Any], latex: bool
) -> Table:
    pct = r"\%" if latex else "%"
    rows = []
    if not comp.empty:
        for key, g in comp.groupby(axes, sort=False, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            by_m = g.set_index("metric")
            cells = []
            for m in metrics:
                r, p = by_m.at[m, "rel_diff"], by_m.at[m, "p_value"]
                if math.isnan(r):
                    cells.append("-")
                else:
                    digits = 0 if abs(r) >= 1 else 1
                    cells.append(f"{100 * r:+.{digits}f}{pct} (p={p:.2g})")
            rows.append([*(_fmt_param(k) for k in key), *cells])
    axis, value = baseline
    caption = (
        f"Change of the mean against {axis} = {value} (same other parameters), with the "
        "two-sided Mann-Whitney U p-value over seeds."
    )
    if note := small_n_note(comp):
        caption += " " + note
    return Table(
        [*axes, *(unit(m).label for m in metrics)],
        rows,
        "l" * len(axes) + "r" * len(metrics),
        caption,
    )


def to_markdown(t: Table) -> str:
    sep = ["---:" if a == "r" else "---" for a in t.align]
    lines = ["| " + " | ".join(t.header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in t.rows]
    return "\n".join(lines) + f"\n\n{t.caption}\n"


_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "$": r"\$",
    "<": r"$<$",
    ">": r"$>$",
}


def tex_escape(s: str) -> str:
    s = "".join(_TEX.get(ch, ch) for ch in s)
    return s.replace("µ", r"$\mu$").replace("-", "--")


def _tex_cell(s: str) -> str:
    """Escape a cell, keeping the ``$\\pm$`` and ``\\%`` the formatter put there."""
    keep = {r"$\pm$": "\0PM\0", r"\%": "\0PC\0"}
    for k, v in keep.items():
        s = s.replace(k, v)
    s = tex_escape(s)
    return s.replace("\0PM\0", r"$\pm$").replace("\0PC\0", r"\%")


def to_latex(t: Table, label: str) -> str:
    lines = [
        "% needs \\usepackage{booktabs}",
        "\\begin{table}[t]",
        "\\centering",
        "\\small",
        f"\\caption{{{tex_escape(t.caption)}}}",
        f"\\label{{{label}}}",
        f"\\begin{{tabular}}{{{t.align}}}",
        "\\toprule",
        " & ".join(tex_escape(h) for h in t.header) + " \\\\",
        "\\midrule",
    ]
    lines += [" & ".join(_tex_cell(c) for c in r) + " \\\\" for r in t.rows]
    lines += ["\\bottomrule", "\\end{tabular}", "\\end{table}"]
    return "\n".join(lines) + "\n"


def resolve_baseline(df: pd.DataFrame, axes: list[str], spec: str | None) -> tuple[str, Any] | None:
    """``AXIS=VALUE`` (or the first value of the first axis); None without axes."""
    if spec is None:
        if not axes or df.empty:
            return None
        return axes[0], df[axes[0]].iloc[0]
    axis, eq, value = spec.partition("=")
    if not eq or axis not in axes:
        allowed = ", ".join(axes) or "(none: the sweep has no axes)"
        raise ReportError(f"--baseline {spec!r}: expected AXIS=VALUE with AXIS one of: {allowed}")
    values = [str(v) for v in dict.fromkeys(df[axis])]
    if value not in values:
        raise ReportError(f"--baseline {spec!r}: {axis} takes the values {', '.join(values)}")
    return axis, value


def write_report(
    folder: str | Path,
    out: str | Path | None = None,
    metrics: list[str] | None = None,
    baseline: str | None = None,
) -> list[Path]:
    """Write the report files; returns their paths. Raises ``ReportError`` on bad input."""
    folder = Path(folder)
    df = load_results(folder)
    params = param_columns(folder)
    axes = [p for p in params if p != "seed"]
    ok = df[df.status == "ok"]
    available = numeric_metrics(ok, params)
    if metrics is None:
        metrics = [m for m in REPORT_METRICS if m in available]
    bad = [m for m in metrics if m not in available]
    if bad:
        raise ReportError(f"--metrics: unknown {', '.join(bad)}; available: {', '.join(available)}")
    if ok.empty:
        raise ReportError(f"{folder}: no finished runs to report")
    base = resolve_baseline(ok, axes, baseline)
    out = Path(out) if out else folder / "report"
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def put(name: str, text: str) -> None:
        p = out / name
        p.write_text(text)
        written.append(p)

    res_md = to_markdown(results_table(ok, axes, metrics))
    put("results.md", res_md)
    put("results.tex", to_latex(results_table(ok, axes, metrics, latex=True), "tab:results"))
    aggregate(ok, axes, metrics).to_csv(out / "stats.csv", index=False)
    written.append(out / "stats.csv")
    df.to_csv(out / "runs.csv", index=False)
    written.append(out / "runs.csv")
    parts = [f"# {folder.name}: results\n", res_md]
    if base is not None:
        comp = comparisons(ok, axes, metrics, base)
        comp.to_csv(out / "comparison.csv", index=False)
        written.append(out / "comparison.csv")
        cmp_md = to_markdown(comparison_table(comp, axes, metrics, base, latex=False))
        put("comparison.md", cmp_md)
        cmp_tex = comparison_table(comp, axes, metrics, base, latex=True)
        put("comparison.tex", to_latex(cmp_tex, "tab:comparison"))
        parts.append(f"\n## Against {base[0]} = {base[1]}\n\n")
        if note := small_n_note(comp):
            parts.append(f"**{note}**\n\n")
        parts.append(cmp_md)
    failed = df[df.status == "failed"]
    pending = int((df.status == "pending").sum())
    if len(failed) or pending:
        parts.append(f"\n## Incomplete: {len(failed)} failed, {pending} not run\n\n")
        for _, r in failed.iterrows():
            shown = ", ".join(f"{p}={_fmt_param(r[p])}" for p in params)
            parts.append(f"- `{r.run_id}` [{shown}]: {r.error}\n")
    put("report.md", "".join(parts))
    return written
