"""The typed Tables 2 and 3: completeness, the paper's own arithmetic and text, comparison helpers."""

import numpy as np
import pandas as pd
import pytest

from lumbarlib.study import paper
from lumbarlib.study.design import COMPARISONS, SET_NAMES, comparison_label

# Cells where the printed CNR is not SNR_tissue - SNR_muscle (see data/README.md).
MISPRINTS = {("disc", "double-fast"), ("cord", "dlr-triple-fast")}


@pytest.fixture(scope="module")
def table2():
    return paper.load_table2()


def test_table2_is_complete(table2):
    assert len(table2.values) == 11 * len(SET_NAMES)
    assert len(table2.q) == 11 * len(COMPARISONS)
    assert table2.values[["mean", "sd"]].notna().all().all()
    snr = table2.values[table2.values.measure == "SNR"]
    assert list(pd.unique(snr.tissue)) == ["fat", "csf", "vertebra", "disc", "cord", "muscle"]
    standard_fat = snr[(snr.tissue == "fat") & (snr.set == "standard")].iloc[0]
    assert (standard_fat["mean"], standard_fat["sd"]) == (111.3, 44.0)


def test_printed_cnr_is_snr_minus_muscle_snr(table2):
    """Means are linear: mean CNR = mean SNR - mean SNR_muscle, up to the printed rounding."""
    means = table2.values.set_index(["measure", "tissue", "set"])["mean"]
    checked = 0
    for (measure, tissue, name), value in means.items():
        if measure != "CNR" or (tissue, name) in MISPRINTS:
            continue
        expected = means[("SNR", tissue, name)] - means[("SNR", "muscle", name)]
        assert value == pytest.approx(expected, abs=0.15), (tissue, name)
        checked += 1
    assert checked == 5 * 5 - len(MISPRINTS)
    for tissue, name in MISPRINTS:
        expected = means[("SNR", tissue, name)] - means[("SNR", "muscle", name)]
        assert abs(means[("CNR", tissue, name)] - expected) > 1.0


def test_table2_significance_matches_the_results_text(table2):
    q = table2.q.set_index(["measure", "tissue", "comparison"])["significant"]
    label = {k: comparison_label(*c) for k, c in zip(("2v3", "4v5", "1v3", "1v5"), COMPARISONS)}
    tissues = {
        "SNR": ["fat", "csf", "vertebra", "disc", "cord", "muscle"],
        "CNR": ["fat", "csf", "vertebra", "disc", "cord"],
    }
    for measure, names in tissues.items():
        for tissue in names:
            # "significantly higher for DLR-applied accelerated images than for their counterparts"
            assert q[(measure, tissue, label["2v3"])] and q[(measure, tissue, label["4v5"])]
            # no significant difference between DLR-triple-fast and standard
            assert not q[(measure, tissue, label["1v5"])]
    # SNR: all tissues significantly higher for DLR-double-fast than standard
    assert all(q[("SNR", t, label["1v3"])] for t in tissues["SNR"])
    # CNR: only fat and CSF significantly higher for DLR-double-fast than standard
    assert [t for t in tissues["CNR"] if q[("CNR", t, label["1v3"])]] == ["fat", "csf"]


def test_censored_q_values(table2):
    censored = table2.q[table2.q.censored]
    assert (censored.q_text == "<0.01").all() and (censored.q == 0.01).all()
    assert censored.significant.all()


def test_table3_is_complete():
    table3 = paper.load_table3()
    assert len(table3.values) == 6 * len(SET_NAMES)
    assert list(pd.unique(table3.values.criterion))[0] == "Perceived SNR"
    artifact = table3.q[table3.q.criterion == "Artifact"]
    assert list(artifact.q) == [0.25] * 4 and not artifact.significant.any()


def test_comparison_with_itself_is_one(table2):
    compared = paper.compare_with_paper(table2.values, table2)
    np.testing.assert_allclose(compared.filter(like=" sim").to_numpy(), compared.filter(like=" paper").to_numpy())
    fat = compared[(compared.measure == "SNR") & (compared.tissue == "fat")].iloc[0]
    assert fat["(1) paper"] == 111.3
    assert fat["(2)/(1) paper"] == pytest.approx(73.1 / 111.3)
    assert fat["(5)/(4) sim"] == pytest.approx(109.9 / 64.4)


def test_simulated_means_of_a_long_table():
    long = pd.DataFrame(
        {
            "volunteer": [0, 1, 2] * 2,
            "set": ["standard"] * 3 + ["double-fast"] * 3,
            "tissue": "fat",
            "measure": "SNR",
            "value": [1.0, 2.0, 6.0, 2.0, 2.0, 2.0],
        }
    )
    means = paper.simulated_means(long).set_index("set")
    assert means.loc["standard", "mean"] == 3.0
    assert means.loc["standard", "sd"] == pytest.approx(np.std([1.0, 2.0, 6.0], ddof=1))
    assert means.loc["double-fast", "sd"] == 0.0


def test_significance_agreement(table2):
    same = table2.q[["measure", "tissue", "comparison", "significant"]]
    pattern = paper.significance_agreement(same, table2)
    assert paper.agreement_fraction(pattern, ["measure", "tissue"]) == 1.0
    flipped = same.copy()
    flipped.loc[0, "significant"] = not flipped.loc[0, "significant"]
    pattern = paper.significance_agreement(flipped, table2)
    assert pattern.iloc[0, 2].startswith("differ")
    assert paper.agreement_fraction(pattern, ["measure", "tissue"]) == pytest.approx(43 / 44)


def test_comparison_needs_matching_rows(table2):
    with pytest.raises(ValueError, match="lacks column"):
        paper.compare_with_paper(pd.DataFrame({"tissue": ["fat"]}), table2)


def test_relative_to_standard_divides_by_the_standard_mean_of_the_same_row():
    published = paper.load_table2()
    relative = paper.relative_to_standard(published.values[published.values["measure"] == "SNR"])
    assert list(pd.unique(relative["set"])) == list(SET_NAMES[1:])  # the paper's order, no standard
    fat = relative[(relative["tissue"] == "fat")].set_index("set")["ratio"]
    assert fat["double-fast"] == pytest.approx(73.1 / 111.3)  # Table 2 as printed
    assert fat["dlr-triple-fast"] == pytest.approx(109.9 / 111.3)


def test_mean_relative_averages_each_sets_ratio_over_the_tissues():
    published = paper.load_table2()
    relative = paper.relative_to_standard(published.values[published.values["measure"] == "SNR"])
    triple = [64.4 / 111.3, 81.6 / 140.8, 35.8 / 59.7, 27.9 / 46.0, 28.9 / 48.9, 10.3 / 16.6]  # Table 2
    assert paper.mean_relative(relative)["triple-fast"] == pytest.approx(np.mean(triple))
    with pytest.raises(ValueError, match="'set' and 'ratio'"):
        paper.mean_relative(relative.drop(columns="ratio"))


def test_relative_to_standard_needs_the_standard_set():
    means = pd.DataFrame({"measure": ["SNR"], "tissue": ["fat"], "set": ["double-fast"], "mean": [1.0]})
    with pytest.raises(ValueError, match="no 'standard' set"):
        paper.relative_to_standard(means)


def test_dlr_snr_gains_are_the_mean_of_the_printed_ratios():
    # Table 2's SNR means (fat, CSF, vertebra, disc, cord, muscle), typed from the paper
    double, dlr_double = [73.1, 92.7, 39.7, 30.5, 32.6, 11.1], [123.0, 155.8, 66.2, 50.5, 54.4, 18.5]
    triple, dlr_triple = [64.4, 81.6, 35.8, 27.9, 28.9, 10.3], [109.9, 140.2, 60.5, 46.8, 49.4, 21.6]
    gains = paper.dlr_snr_gains(paper.load_table2())
    assert gains["double-fast"] == pytest.approx(np.mean(np.divide(dlr_double, double)))
    assert gains["triple-fast"] == pytest.approx(np.mean(np.divide(dlr_triple, triple)))


def test_snr_gains_name_a_missing_set():
    means = pd.DataFrame(
        {"measure": ["SNR"] * 2, "tissue": ["fat"] * 2, "set": ["double-fast", "standard"], "mean": 1.0}
    )
    with pytest.raises(ValueError, match="dlr-double-fast"):
        paper.snr_gains(means)
