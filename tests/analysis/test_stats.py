"""Wilcoxon signed-rank p-values (SPSS and exact), Benjamini-Hochberg q-values, Table 2/3 layout."""

import itertools
import math
import statistics

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from lumbarlib.analysis import stats
from lumbarlib.study.design import SET_NAMES


def normal_two_sided(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def spss_p_by_hand(d: np.ndarray) -> float:
    """Normal approximation with tie-corrected variance, zeros dropped, no continuity correction."""
    d = d[d != 0]
    n = d.size
    ranks = pd.Series(np.abs(d)).rank(method="average").to_numpy()
    t_plus = ranks[d > 0].sum()
    _, ties = np.unique(np.abs(d), return_counts=True)
    var = n * (n + 1) * (2 * n + 1) / 24 - np.sum(ties**3 - ties) / 48
    return normal_two_sided((t_plus - n * (n + 1) / 4) / math.sqrt(var))


def exact_p_by_enumeration(d: np.ndarray) -> float:
    d = d[d != 0]
    ranks = pd.Series(np.abs(d)).rank(method="average").to_numpy()
    observed = ranks[d > 0].sum()
    centre = ranks.sum() / 2
    sums = np.array([np.dot(ranks, s) for s in itertools.product((0, 1), repeat=d.size)])
    extreme = np.abs(sums - centre) >= abs(observed - centre) - 1e-12
    return float(extreme.mean())


def test_ten_positive_differences_exact_and_asymptotic():
    d = np.arange(1.0, 11.0)
    assert stats.wilcoxon_exact(d) == pytest.approx(2 / 1024, rel=1e-12)
    statistic, z, p = stats.wilcoxon_spss(d)
    assert statistic == 0.0
    z_known = -27.5 / math.sqrt(10 * 11 * 21 / 24)
    assert z == pytest.approx(z_known, rel=1e-12)
    assert p == pytest.approx(normal_two_sided(z_known), rel=1e-12)
    assert p == pytest.approx(0.00506, abs=5e-5)


def test_spss_p_with_ties_and_zeros_matches_hand_formula():
    d = np.array([3.0, 3.0, -1.0, 2.0, 0.0, 2.0, 5.0, -2.0, 0.0, 4.0, 1.0])
    assert stats.wilcoxon_spss(d)[2] == pytest.approx(spss_p_by_hand(d), rel=1e-12)


def test_zero_differences_are_dropped():
    d = np.array([1.5, -0.5, 2.0, 3.0, 2.5, -1.0, 4.0])
    with_zeros = np.concatenate([d, [0.0, 0.0, 0.0]])
    assert stats.wilcoxon_spss(with_zeros)[2] == pytest.approx(stats.wilcoxon_spss(d)[2], rel=1e-12)
    assert stats.wilcoxon_exact(with_zeros) == pytest.approx(stats.wilcoxon_exact(d), rel=1e-12)


def test_exact_p_with_ties_matches_enumeration():
    d = np.array([1.0, 1.0, 2.0, 2.0, -1.0, 3.0, 3.0, 0.0, -2.0])
    assert stats.wilcoxon_exact(d) == pytest.approx(exact_p_by_enumeration(d), rel=1e-12)


def test_all_zero_differences_give_p_one():
    d = np.zeros(6)
    assert stats.wilcoxon_spss(d)[2] == 1.0
    assert stats.wilcoxon_exact(d) == 1.0


def test_bh_on_benjamini_hochberg_1995_example():
    # The 15 p-values of Benjamini & Hochberg (1995), section 4.1: BH at 0.05 rejects four.
    p = np.array(
        [
            0.0001,
            0.0004,
            0.0019,
            0.0095,
            0.0201,
            0.0278,
            0.0298,
            0.0344,
            0.0459,
            0.3240,
            0.4262,
            0.5719,
            0.6528,
            0.7590,
            1.0000,
        ]
    )
    q = stats.bh_qvalues(p)
    np.testing.assert_allclose(q, multipletests(p, method="fdr_bh")[1], rtol=1e-12)
    m = p.size
    by_hand = np.minimum.accumulate((p * m / np.arange(1, m + 1))[::-1])[::-1]
    np.testing.assert_allclose(q, np.minimum(by_hand, 1.0), rtol=1e-12)
    assert int(np.sum(q < 0.05)) == 4


def make_tidy(n: int = 10, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    gains = {"standard": 1.0, "double-fast": 0.66, "dlr-double-fast": 1.1, "triple-fast": 0.58, "dlr-triple-fast": 1.0}
    for tissue, level in (("fat", 110.0), ("muscle", 17.0)):
        for v in range(n):
            base = level * rng.uniform(0.6, 1.4)
            for name, gain in gains.items():
                rows.append(
                    {"volunteer": v, "set": name, "tissue": tissue, "SNR": base * gain * rng.uniform(0.95, 1.05)}
                )
    return pd.DataFrame(rows)


def test_mean_sd_table_layout_and_values():
    tidy = make_tidy(n=5)
    table = stats.mean_sd_table(tidy, "SNR", "tissue")
    assert list(table["tissue"]) == ["fat", "muscle"]
    assert list(table.columns[1:3]) == ["standard mean", "standard SD"]
    values = tidy[(tidy.tissue == "muscle") & (tidy.set == "triple-fast")]["SNR"].tolist()
    row = table[table.tissue == "muscle"].iloc[0]
    assert row["triple-fast mean"] == pytest.approx(statistics.mean(values), rel=1e-12)
    assert row["triple-fast SD"] == pytest.approx(statistics.stdev(values), rel=1e-12)
    shown = stats.format_mean_sd(table, "tissue")
    assert shown.loc[0, "standard"].count("±") == 1


def test_pairs_with_zero_difference_are_counted_apart():
    tidy = make_tidy()
    same = (tidy.tissue == "fat") & (tidy.set == "dlr-double-fast") & (tidy.volunteer < 3)
    twin = (tidy.tissue == "fat") & (tidy.set == "double-fast") & (tidy.volunteer < 3)
    tidy.loc[same, "SNR"] = tidy.loc[twin, "SNR"].to_numpy()
    row = (
        stats.compare_sets(tidy, "SNR", "tissue")
        .set_index(["tissue", "comparison"])
        .loc[("fat", "double-fast vs dlr-double-fast")]
    )
    assert row["n"] == 10 and row["n_nonzero"] == 7
    assert row["p_exact"] == pytest.approx(2 / 2**7)  # all seven remaining differences positive


def test_compare_sets_families():
    tidy = make_tidy()
    per_group = stats.compare_sets(tidy, "SNR", "tissue")
    assert list(per_group.columns) == [
        "tissue",
        "comparison",
        "n",
        "n_nonzero",
        "statistic",
        "p",
        "p_exact",
        "q",
        "significant",
    ]
    assert len(per_group) == 2 * len(stats.COMPARISONS)
    for _, part in per_group.groupby("tissue"):
        np.testing.assert_allclose(part["q"], multipletests(part["p"], method="fdr_bh")[1])
    whole = stats.compare_sets(tidy, "SNR", "tissue", family="all")
    np.testing.assert_allclose(whole["q"], multipletests(whole["p"], method="fdr_bh")[1])
    exact = stats.compare_sets(tidy, "SNR", "tissue", method="exact")
    for _, part in exact.groupby("tissue"):
        np.testing.assert_allclose(part["q"], multipletests(part["p_exact"], method="fdr_bh")[1])
    # every volunteer gains from the DLR: the smallest p ten pairs allow
    dlr = per_group[per_group.comparison == "double-fast vs dlr-double-fast"]
    np.testing.assert_allclose(dlr["p"], normal_two_sided(27.5 / math.sqrt(96.25)))
    np.testing.assert_allclose(dlr["p_exact"], 2 / 1024)
    assert dlr["significant"].all()


def test_compare_sets_rejects_fewer_than_two_volunteers():
    tidy = make_tidy(n=1)
    with pytest.raises(ValueError, match="at least 2"):
        stats.compare_sets(tidy, "SNR", "tissue")


def test_compare_sets_rejects_unpaired_volunteer():
    tidy = make_tidy(n=4)
    tidy = tidy.drop(tidy[(tidy.volunteer == 2) & (tidy.set == "triple-fast")].index)
    with pytest.raises(ValueError, match=r"volunteer \[2\]"):
        stats.compare_sets(tidy, "SNR", "tissue")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"family": "tissue"}, "'family'"),
        ({"method": "approx"}, "'method'"),
        ({"comparisons": (("standard", "dlr-quad"),)}, "'dlr-quad'"),
    ],
)
def test_compare_sets_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        stats.compare_sets(make_tidy(n=3), "SNR", "tissue", **kwargs)


def test_q_layout_prints_like_the_paper():
    q = pd.DataFrame(
        {
            "tissue": ["fat", "fat", "csf", "csf"],
            "comparison": ["a vs b", "c vs d"] * 2,
            "q": [0.004, 0.6, 0.0499, 0.05],
            "significant": [True, False, True, False],
        }
    )
    text, bold = stats.q_layout(q, "tissue")
    assert list(text.columns) == ["tissue", "a vs b", "c vs d"]
    assert text.values.tolist() == [["fat", "<0.01", "0.60"], ["csf", "0.05", "0.05"]]
    assert bold.values.tolist() == [[False, True, False], [False, True, False]]


@pytest.mark.parametrize(
    ("function", "values", "problem"),
    [
        (stats.wilcoxon_spss, [1.0, float("nan"), 2.0], "'differences': holds NaN or infinite values at \\[1\\]"),
        (stats.wilcoxon_spss, [1.0, float("inf")], "'differences': holds NaN or infinite"),
        (stats.wilcoxon_exact, [float("nan")] * 3, "'differences': holds NaN"),
        (stats.wilcoxon_exact, ["a", "b"], "'differences' = \\['a', 'b'\\]: must be numbers"),
        (stats.wilcoxon_spss, [[1.0, 2.0], [3.0, 4.0]], "must be one sequence of numbers"),
        (stats.bh_qvalues, [0.01, 1.5, -0.5], "p-values must lie in \\[0, 1\\], got \\[1.5, -0.5\\]"),
        (stats.bh_qvalues, [0.01, float("nan")], "'p': holds NaN"),
        (stats.bh_qvalues, "0.01", "must be one sequence of numbers|must be numbers"),
        (stats.bh_qvalues, [None, 0.2], "'p': holds NaN|must be numbers"),
    ],
)
def test_tests_refuse_what_is_not_finite_numbers(function, values, problem):
    with pytest.raises(ValueError, match=problem):
        function(values)


def test_mean_sd_table_runs_in_the_papers_set_order_whatever_the_data_order():
    tidy = make_tidy(n=3)
    order = ["dlr-triple-fast", "triple-fast", "dlr-double-fast", "standard", "double-fast"]
    shuffled = pd.concat([tidy[tidy.set == name] for name in order if name in set(tidy.set)])
    table = stats.mean_sd_table(shuffled, "SNR", "tissue")
    sets = [c[: -len(" mean")] for c in table.columns if c.endswith(" mean")]
    assert sets == [name for name in SET_NAMES if name in set(tidy.set)]
