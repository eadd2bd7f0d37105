"""Agreement statistics against their textbook formulas computed another way."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from lumbarlib.readers.agreement import (
    agreement_table,
    kendall_w,
    pairwise_weighted_kappa,
)


def kendall_w_textbook(ratings: np.ndarray) -> float:
    """W = 12 S / (m^2 (n^3 - n) - m sum T), ranks per reader with mid-ranks for ties."""
    n, m = ratings.shape
    ranks = np.column_stack([rankdata(ratings[:, j]) for j in range(m)])
    totals = ranks.sum(axis=1)
    s = np.sum((totals - totals.mean()) ** 2)
    ties = 0.0
    for j in range(m):
        _, counts = np.unique(ratings[:, j], return_counts=True)
        ties += np.sum(counts**3 - counts)
    return 12 * s / (m**2 * (n**3 - n) - m * ties)


def quadratic_kappa_textbook(a: np.ndarray, b: np.ndarray, k: int = 5) -> float:
    """1 - sum(w O) / sum(w E) with w_ij = (i - j)^2 on the k x k table."""
    observed = np.zeros((k, k))
    for x, y in zip(a, b):
        observed[x - 1, y - 1] += 1
    expected = np.outer(observed.sum(1), observed.sum(0)) / observed.sum()
    i, j = np.indices((k, k))
    w = (i - j) ** 2
    return 1 - (w * observed).sum() / (w * expected).sum()


def test_identical_rankings_give_w_one_and_kappa_one():
    ratings = np.tile(np.array([[1], [2], [3], [4], [5]]), (1, 3))
    assert kendall_w(ratings) == pytest.approx(1.0)
    assert np.allclose(pairwise_weighted_kappa(ratings), 1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kendall_w_matches_the_tie_corrected_formula(seed):
    ratings = np.random.default_rng(seed).integers(1, 6, size=(12, 3))
    assert kendall_w(ratings) == pytest.approx(kendall_w_textbook(ratings), rel=1e-10)


def test_weighted_kappa_matches_the_formula():
    rng = np.random.default_rng(5)
    ratings = rng.integers(1, 6, size=(30, 3))
    expected = [quadratic_kappa_textbook(ratings[:, a], ratings[:, b]) for a, b in itertools.combinations(range(3), 2)]
    assert np.allclose(pairwise_weighted_kappa(ratings), expected)


def test_constant_scores_leave_agreement_undefined():
    ratings = np.full((6, 3), 3)
    assert np.isnan(kendall_w(ratings))
    assert np.all(np.isnan(pairwise_weighted_kappa(ratings)))


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="at least 3 images and 2 readers"):
        kendall_w(np.ones((2, 3)))
    with pytest.raises(ValueError, match="at least 3 images and 2 readers"):
        pairwise_weighted_kappa(np.ones((5, 1)))


def image_ratings(score_table, ratings: np.ndarray, criterion: str = "contrast") -> pd.DataFrame:
    """Scores of ``ratings[image, reader]`` for one criterion, each image a volunteer's standard."""
    n_images, n_readers = ratings.shape
    return score_table(
        ratings.T[:, :, None, None],
        n_readers=n_readers,
        n_volunteers=n_images,
        sets=("standard",),
        criteria=(criterion,),
    )


def test_agreement_table_per_criterion(score_table):
    ratings = np.random.default_rng(3).integers(1, 6, size=(10, 3))
    constant = image_ratings(score_table, np.full((10, 3), 3), "artifact")
    table = agreement_table(pd.concat([image_ratings(score_table, ratings, "contrast"), constant]))
    assert table["criterion"].tolist() == ["Contrast", "Artifact"]
    contrast = table.set_index("criterion").loc["Contrast"]
    assert contrast["kendall_w"] == pytest.approx(kendall_w_textbook(ratings))
    assert contrast["n_images"] == 10 and contrast["n_readers"] == 3
    assert contrast["all_agree"] == pytest.approx(np.mean(np.all(ratings == ratings[:, :1], axis=1)))
    artifact = table.set_index("criterion").loc["Artifact"]
    assert np.isnan(artifact["kendall_w"]) and np.isnan(artifact["kappa_mean"])
    assert artifact["all_agree"] == 1.0


def test_agreement_needs_two_readers_on_every_image(score_table):
    ratings = np.random.default_rng(4).integers(1, 6, size=(5, 2))
    table = image_ratings(score_table, ratings)
    with pytest.raises(ValueError, match="at least 2 readers"):
        agreement_table(table[table["reader"] == "r0"])
    with pytest.raises(ValueError, match="lacks a score from reader"):
        agreement_table(table.iloc[1:])
