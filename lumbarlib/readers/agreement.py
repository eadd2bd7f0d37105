"""Inter-reader agreement of the qualitative scores, which the paper did not report.

For each criterion the scores of all readers on the same images are compared two ways:

* Kendall's coefficient of concordance W :cite:`kendall1939problem` (0 = no agreement on
  the ranking of the images, 1 = identical rankings), from the tie-corrected Friedman
  statistic :cite:`friedman1937use` of :func:`scipy.stats.friedmanchisquare` through
  W = chi2_F / (m (n - 1)) for m readers and n images;
* Cohen's kappa with quadratic weights :cite:`cohen1968weighted` for every pair of readers,
  from :func:`sklearn.metrics.cohen_kappa_score`, summarised by its mean, minimum and
  maximum over the pairs.

Both are undefined (NaN) when the readers give one score throughout, as when every image
is "equivalent".
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
from scipy import stats as sps
from sklearn.metrics import cohen_kappa_score

from lumbarlib.readers.scores import CRITERIA, CRITERION_LABELS, SCALE, validate_scores

AGREEMENT_COLUMNS = (
    "criterion",
    "n_images",
    "n_readers",
    "kendall_w",
    "kappa_mean",
    "kappa_min",
    "kappa_max",
    "all_agree",
)
"""Columns of :func:`agreement_table`; ``all_agree`` is the share of images all readers scored alike."""


def _check_ratings(ratings: np.ndarray) -> np.ndarray:
    ratings = np.asarray(ratings, dtype=float)
    if ratings.ndim != 2 or ratings.shape[0] < 3 or ratings.shape[1] < 2:
        raise ValueError(
            f"ratings must be a 2-D array (images, readers) with at least 3 images and 2 readers, "
            f"got shape {ratings.shape}"
        )
    if not np.all(np.isfinite(ratings)):
        raise ValueError("ratings must be finite (every reader scores every image)")
    return ratings


def kendall_w(ratings: np.ndarray) -> float:
    """Kendall's W of an (images, readers) array of scores, tie-corrected.

    Returns NaN when every reader gives all images the same score (no ranking to agree on).
    """
    ratings = _check_ratings(ratings)
    n_images, n_readers = ratings.shape
    if np.all(ratings == ratings[0:1, :]):
        return float("nan")
    chi2 = sps.friedmanchisquare(*ratings).statistic
    return float(chi2 / (n_readers * (n_images - 1)))


def pairwise_weighted_kappa(ratings: np.ndarray) -> np.ndarray:
    """Quadratic-weighted Cohen's kappa of every pair of readers (columns), NaN where undefined."""
    ratings = _check_ratings(ratings)
    labels = sorted(SCALE)
    kappas = []
    for a, b in itertools.combinations(range(ratings.shape[1]), 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kappas.append(cohen_kappa_score(ratings[:, a], ratings[:, b], labels=labels, weights="quadratic"))
    return np.asarray(kappas, dtype=float)


def ratings_matrix(scores: pd.DataFrame, criterion: str) -> pd.DataFrame:
    """Scores of one criterion as an (image, reader) table; images are (volunteer, set).

    Raises
    ------
    ValueError
        If some reader did not score every image the others scored.
    """
    part = scores[scores["criterion"] == criterion]
    wide = part.pivot(index=["volunteer", "set"], columns="reader", values="score")
    missing = wide.isna().any(axis=1)
    if missing.any():
        first = wide.index[missing][0]
        absent = list(wide.columns[wide.loc[first].isna()])
        raise ValueError(
            f"criterion {criterion!r}: image (volunteer {first[0]}, set {first[1]!r}) lacks a score from "
            f"reader(s) {absent}; agreement needs every reader on every image"
        )
    return wide


def agreement_table(scores: pd.DataFrame) -> pd.DataFrame:
    """Kendall's W and pairwise quadratic-weighted kappa per criterion (columns :data:`AGREEMENT_COLUMNS`).

    Criteria are named as Table 3 prints them.

    Parameters
    ----------
    scores : DataFrame
        A score table (see :mod:`lumbarlib.readers.scores`) with at least two readers.
    """
    scores = validate_scores(scores)
    readers = scores["reader"].unique()
    if len(readers) < 2:
        raise ValueError(f"agreement needs at least 2 readers, the table has {len(readers)}")
    rows = []
    for criterion in [c for c in CRITERIA if c in set(scores["criterion"])]:
        wide = ratings_matrix(scores, criterion).to_numpy(dtype=float)
        kappas = pairwise_weighted_kappa(wide)
        defined = kappas[np.isfinite(kappas)]
        rows.append(
            {
                "criterion": CRITERION_LABELS[criterion],
                "n_images": int(wide.shape[0]),
                "n_readers": int(wide.shape[1]),
                "kendall_w": kendall_w(wide),
                "kappa_mean": float(defined.mean()) if defined.size else float("nan"),
                "kappa_min": float(defined.min()) if defined.size else float("nan"),
                "kappa_max": float(defined.max()) if defined.size else float("nan"),
                "all_agree": float(np.mean(np.all(wide == wide[:, :1], axis=1))),
            }
        )
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))
