"""Statistics over seeds (scipy): mean with a 95% confidence interval, and comparisons.

Rules:
- a confidence interval is Student's t interval of the mean over replicates; with one
  replicate it is NaN (unknown), never zero; identical replicates give a zero-width CI;
- ``aggregate`` groups a tidy results frame by configuration (every parameter but
  ``seed``) and returns one row per (configuration, metric);
- ``compare`` tests two samples with a two-sided Mann-Whitney U test (exact permutation
  p-value for small samples: with 2 seeds per side it can never go below 1/3) and gives a
  percentile bootstrap CI of the difference in means (seeded, so reports are reproducible).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

CONFIDENCE = 0.95


@dataclass(frozen=True)
class MeanCI:
    mean: float
    lo: float
    hi: float
    n: int
    std: float

    @property
    def half_width(self) -> float:
        return (self.hi - self.lo) / 2


def mean_ci(values: Any, confidence: float = CONFIDENCE) -> MeanCI:
    """Mean and t confidence interval of ``values`` (NaNs dropped)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return MeanCI(np.nan, np.nan, np.nan, 0, np.nan)
    m = float(x.mean())
    if n == 1:
        return MeanCI(m, np.nan, np.nan, 1, np.nan)
    sd = float(x.std(ddof=1))
    h = float(st.t.ppf(0.5 + confidence / 2, n - 1)) * sd / np.sqrt(n)
    return MeanCI(m, float(m - h), float(m + h), n, sd)


def aggregate(
    df: pd.DataFrame, by: list[str], metrics: list[str], confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """One row per (configuration, metric): ``by`` columns, metric, n, mean, std, ci_lo,
    ci_hi; configurations keep their first-appearance order."""
    rows = []
    groups = df.groupby(by, sort=False, dropna=False) if by else [((), df)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        for m in metrics:
            if m not in g:
                continue
            ci = mean_ci(pd.to_numeric(g[m], errors="coerce"), confidence)
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "metric": m,
                    "n": ci.n,
                    "mean": ci.mean,
                    "std": ci.std,
                    "ci_lo": ci.lo,
                    "ci_hi": ci.hi,
                }
            )
    return pd.DataFrame(rows, columns=[*by, "metric", "n", "mean", "std", "ci_lo", "ci_hi"])


@dataclass(frozen=True)
class Comparison:
    """``b`` against ``a``: difference of means, its bootstrap CI, and Mann-Whitney U."""

    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    diff: float  # mean_b - mean_a
    diff_lo: float
    diff_hi: float
    u: float
    p_value: float

    @property
    def rel_diff(self) -> float:
        return self.diff / self.mean_a if self.mean_a else float("nan")


def compare(
    a: Any, b: Any, confidence: float = CONFIDENCE, resamples: int = 2000, seed: int = 0
) -> Comparison:
    """Compare samples ``a`` and ``b`` (e.g. one metric over seeds, two configurations)."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if len(x) == 0 or len(y) == 0:
        nan = float("nan")
        return Comparison(len(x), len(y), nan, nan, nan, nan, nan, nan, nan)
    diff = float(y.mean() - x.mean())
    if np.ptp(np.concatenate([x, y])) == 0:
        u, p = float(len(x) * len(y) / 2), 1.0  # all equal: no evidence of a difference
    else:
        # Small samples: the exact permutation distribution (ties allowed); else asymptotic.
        method: Any = "asymptotic"
        if len(x) + len(y) <= 20:
            method = st.PermutationMethod(n_resamples=9999, rng=np.random.default_rng(seed))
        res = st.mannwhitneyu(y, x, alternative="two-sided", method=method)
        u, p = float(res.statistic), float(res.pvalue)
    lo = hi = diff
    if len(x) >= 2 and len(y) >= 2 and np.ptp(x) + np.ptp(y) > 0:
        boot = st.bootstrap(
            (y, x),
            lambda yy, xx, axis=-1: yy.mean(axis=axis) - xx.mean(axis=axis),
            confidence_level=confidence,
            n_resamples=resamples,
            method="percentile",
            rng=np.random.default_rng(seed),
        )
        lo, hi = float(boot.confidence_interval.low), float(boot.confidence_interval.high)
    elif len(x) < 2 or len(y) < 2:
        lo = hi = float("nan")
    return Comparison(len(x), len(y), float(x.mean()), float(y.mean()), diff, lo, hi, u, p)
