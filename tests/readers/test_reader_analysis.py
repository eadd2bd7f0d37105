"""Table 3 from a score table: medians, mean +- SD and q-values on hand-made tables worked out by hand."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from lumbarlib.readers.reader_analysis import (
    OPPOSITE,
    compare_scores,
    median_scores,
    paper_vs_sim,
    plot_scores,
    published_summary,
    score_summary,
    summary_long,
    table3_printed,
)
from lumbarlib.readers.scores import COLUMNS, CRITERIA, CRITERION_LABELS
from lumbarlib.study.design import COMPARISONS, SET_NAMES
from lumbarlib.study.paper import load_table3

# (volunteer 1, 2, 3) x three readers, per set, for the criterion "contrast"
HAND = {
    "standard": [(3, 3, 4), (3, 3, 3), (2, 3, 3)],  # medians 3, 3, 3
    "double-fast": [(2, 2, 3), (1, 2, 2), (2, 3, 3)],  # 2, 2, 3
    "dlr-double-fast": [(4, 4, 5), (5, 5, 4), (4, 3, 4)],  # 4, 5, 4
    "triple-fast": [(1, 1, 2), (1, 1, 1), (2, 1, 1)],  # 1, 1, 1
    "dlr-triple-fast": [(3, 4, 4), (4, 4, 4), (3, 3, 5)],  # 4, 4, 3
}
HAND_MEDIANS = {
    "standard": [3, 3, 3],
    "double-fast": [2, 2, 3],
    "dlr-double-fast": [4, 5, 4],
    "triple-fast": [1, 1, 1],
    "dlr-triple-fast": [4, 4, 3],
}
# mean and SD (ddof 1) of those medians, by hand: 2,2,3 -> 7/3, sqrt(1/3)
HAND_MEAN_SD = {
    "standard": (3.0, 0.0),
    "double-fast": (7 / 3, np.sqrt(1 / 3)),
    "dlr-double-fast": (13 / 3, np.sqrt(1 / 3)),
    "triple-fast": (1.0, 0.0),
    "dlr-triple-fast": (11 / 3, np.sqrt(1 / 3)),
}


@pytest.fixture
def hand_table(score_table) -> pd.DataFrame:
    """:data:`HAND` as a score table: three readers, three volunteers, the five sets, one criterion."""
    per_set = np.array([HAND[name] for name in SET_NAMES])  # (set, volunteer, reader)
    return score_table(
        per_set.transpose(2, 1, 0)[..., None], n_volunteers=3, criteria=("contrast",), reader="reader-{}"
    )


def test_medians_equal_the_hand_values(hand_table):
    medians = median_scores(hand_table)
    assert set(medians["criterion"].astype(str)) == {"Contrast"}
    assert (medians["n_readers"] == 3).all()
    for set_name, expected in HAND_MEDIANS.items():
        part = medians[medians["set"] == set_name].sort_values("volunteer")
        assert part["score"].tolist() == expected


def test_median_of_two_readers_can_be_a_half():
    table = pd.DataFrame(
        [("a", 1, "standard", "artifact", 3, ""), ("b", 1, "standard", "artifact", 4, "")], columns=list(COLUMNS)
    )
    assert median_scores(table)["score"].tolist() == [3.5]


def test_table3_summary_equals_the_hand_values(hand_table):
    summary = score_summary(median_scores(hand_table))
    assert summary["criterion"].astype(str).tolist() == ["Contrast"]
    for set_name, (mean, sd) in HAND_MEAN_SD.items():
        assert summary[f"{set_name} mean"].iloc[0] == pytest.approx(mean)
        assert summary[f"{set_name} SD"].iloc[0] == pytest.approx(sd)
    long = summary_long(summary)
    assert long["set"].tolist() == list(SET_NAMES)


def test_sets_and_criteria_come_out_in_table3_order(score_table):
    shuffled = score_table(3, n_volunteers=2).sample(frac=1.0, random_state=np.random.RandomState(0))
    summary = score_summary(median_scores(shuffled))
    assert summary["criterion"].astype(str).tolist() == [CRITERION_LABELS[c] for c in CRITERIA]
    assert [c[: -len(" mean")] for c in summary.columns if c.endswith(" mean")] == list(SET_NAMES)


def test_all_equivalent_scores_give_no_significant_comparison(score_table):
    medians = median_scores(score_table(3))
    q = compare_scores(medians)
    assert len(q) == len(CRITERIA) * len(COMPARISONS)
    assert not q["significant"].any()
    assert np.allclose(q["q"], 1.0)
    summary = score_summary(medians)
    assert np.allclose(summary.filter(like=" mean"), 3.0)
    assert np.allclose(summary.filter(like=" SD"), 0.0)


def test_a_consistent_difference_is_significant(score_table):
    table = score_table(3, n_volunteers=10)
    table.loc[table["set"] == "dlr-double-fast", "score"] = 5
    table.loc[table["set"] == "double-fast", "score"] = 1
    q = compare_scores(median_scores(table)).set_index(["criterion", "comparison"])
    assert q.loc[("Perceived SNR", "double-fast vs dlr-double-fast"), "significant"]
    assert q.loc[("Perceived SNR", "standard vs dlr-double-fast"), "significant"]
    assert not q.loc[("Perceived SNR", "standard vs dlr-triple-fast"), "significant"]


def published_as_simulation():
    published = load_table3()
    summary = published_summary(published)
    q = published.q[["criterion", "comparison", "q", "significant"]]
    return published, summary, q


def test_published_summary_holds_the_printed_numbers():
    summary = published_summary(load_table3()).set_index("criterion")
    assert summary.index.tolist() == [CRITERION_LABELS[c] for c in CRITERIA]
    assert summary.loc["Perceived SNR", "dlr-double-fast mean"] == 4.0
    assert summary.loc["Contrast", "triple-fast SD"] == 0.7
    assert summary.loc["Overall image quality", "dlr-triple-fast mean"] == 3.7


def test_the_paper_agrees_with_itself():
    published, summary, q = published_as_simulation()
    table = paper_vs_sim(summary, q, published)
    assert len(table) == 6 * 4
    assert table["same_direction"].all()
    assert table["significance"].str.startswith("agree").all()
    row = table.set_index(["criterion", "comparison"]).loc[("Perceived SNR", "standard vs dlr-double-fast")]
    assert row["paper_difference"] == pytest.approx(4.0 - 3.1)
    assert row["paper_direction"] == "higher" and row["paper_q"] == "<0.01"


def test_a_reversed_difference_and_lost_significance_are_flagged():
    published, summary, q = published_as_simulation()
    summary.loc[summary["criterion"] == "Artifact", "dlr-triple-fast mean"] = 3.5  # paper: 2.5
    q = q.copy()
    cell = (q["criterion"] == "Perceived SNR") & (q["comparison"] == "standard vs dlr-double-fast")
    q.loc[cell, "significant"] = False
    table = paper_vs_sim(summary, q, published).set_index(["criterion", "comparison"])
    assert not table.loc[("Artifact", "standard vs dlr-triple-fast"), "same_direction"]
    assert table.loc[("Artifact", "standard vs dlr-triple-fast"), "sim_direction"] == "higher"
    assert table.loc[("Perceived SNR", "standard vs dlr-double-fast"), "significance"] == "differ: paper significant"


def test_both_significant_in_opposite_directions_is_no_agreement():
    published, summary, q = published_as_simulation()
    # the paper: DLR-double-fast better than standard in SNR (4.0 against 3.1), significant
    summary.loc[summary["criterion"] == "Perceived SNR", "dlr-double-fast mean"] = 2.0
    table = paper_vs_sim(summary, q, published).set_index(["criterion", "comparison"])
    row = table.loc[("Perceived SNR", "standard vs dlr-double-fast")]
    assert not row["same_direction"]
    assert row["significance"] == OPPOSITE


def test_fig4_draws_one_bar_per_criterion_and_set(hand_table):
    summary = score_summary(median_scores(hand_table))
    fig, ax = plt.subplots()
    plot_scores(ax, summary, title="hand-made scores", overlay=summary_long(summary))
    assert len(ax.patches) == len(SET_NAMES)
    assert ax.get_ylabel() and ax.get_xlabel() and ax.get_title() == "hand-made scores"
    plt.close(fig)


def test_printed_table3_interleaves_paper_and_simulation(score_table):
    published = load_table3()
    summary = score_summary(median_scores(score_table(3, n_volunteers=2)))
    printed = table3_printed(summary, published)
    assert printed["source"].tolist() == ["paper", "simulated"] * len(CRITERIA)
    assert printed["criterion"].tolist()[:2] == ["Perceived SNR", "Perceived SNR"]
    assert printed.iloc[0]["(3) dlr-double-fast"] == "4.0 ± 0.0"
    assert printed.iloc[1]["(3) dlr-double-fast"] == "3.0 ± 0.0"
