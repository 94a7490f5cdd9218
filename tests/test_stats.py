"""Statistics over seeds: t confidence intervals, aggregation, Mann-Whitney and bootstrap."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from framework.reporting.stats import aggregate, compare, mean_ci


def test_mean_ci_is_the_student_t_interval():
    x = [1.0, 2.0, 4.0, 7.0]
    ci = mean_ci(x)
    h = st.t.ppf(0.975, 3) * np.std(x, ddof=1) / 2
    assert ci.mean == 3.5 and ci.n == 4
    assert ci.lo == pytest.approx(3.5 - h) and ci.hi == pytest.approx(3.5 + h)
    assert ci.half_width == pytest.approx(h)


def test_mean_ci_edge_cases():
    assert math.isnan(mean_ci([]).mean)
    one = mean_ci([5.0])
    assert one.mean == 5.0 and math.isnan(one.lo) and math.isnan(one.hi)  # unknown, not zero
    same = mean_ci([2.0, 2.0, 2.0])
    assert same.lo == same.hi == 2.0
    assert mean_ci([1.0, np.nan, 3.0]).n == 2


def test_ci_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    hits = sum((c := mean_ci(rng.normal(10, 3, size=5))).lo <= 10 <= c.hi for _ in range(2000))
    assert 0.93 < hits / 2000 < 0.97


def test_aggregate_groups_by_configuration_in_sweep_order():
    df = pd.DataFrame(
        {"variant": ["b", "b", "a", "a"], "seed": [1, 2, 1, 2], "m": [1.0, 3.0, 10.0, 10.0]}
    )
    agg = aggregate(df, ["variant"], ["m"])
    assert agg.variant.tolist() == ["b", "a"]
    b = agg.iloc[0]
    assert (b.n, b["mean"]) == (2, 2.0) and b.ci_lo < 2.0 < b.ci_hi
    assert agg.iloc[1].ci_lo == agg.iloc[1].ci_hi == 10.0


def test_compare_detects_a_shift_and_not_noise():
    rng = np.random.default_rng(0)
    a = rng.normal(100, 5, 12)
    shifted = compare(a, a + 20)
    assert shifted.p_value < 0.001
    assert shifted.diff == pytest.approx(20)
    assert shifted.diff_lo < 20 < shifted.diff_hi and shifted.diff_lo > 10
    assert shifted.rel_diff == pytest.approx(20 / a.mean())
    noise = compare(a, rng.normal(100, 5, 12))
    assert noise.p_value > 0.05 and noise.diff_lo < 0 < noise.diff_hi


def test_compare_small_samples_uses_the_exact_permutation_p_value():
    c = compare([1.0, 2.0], [5.0, 6.0])
    assert c.p_value == pytest.approx(1 / 3)  # the smallest possible with 2 + 2 samples
    assert compare([1.0, 1.0], [1.0, 1.0]).p_value == 1.0


def test_compare_is_reproducible():
    a, b = [1.0, 4.0, 2.0, 8.0], [3.0, 9.0, 5.0, 7.0]
    assert compare(a, b) == compare(a, b)
