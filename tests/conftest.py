"""Fixtures shared by the unit tests: a tiny study and a tiny score table, built to order."""

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import pytest

from lumbarlib.readers.scores import COLUMNS, CRITERIA
from lumbarlib.study.design import SET_NAMES
from lumbarlib.study.imagesets import StudyImages


def make_study(
    n_volunteers: int = 2,
    shape: tuple[int, int] = (16, 16),
    *,
    sets: Sequence[str] = SET_NAMES,
    noise_sd: float | Mapping[str, float] = 0.05,
    truth: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    pixel_mm: tuple[float, float] = (0.9375, 0.703125),
    seed: int = 0,
) -> StudyImages:
    """A study of ``n_volunteers`` x 2 slices: each set is the truth plus Gaussian noise of its SD.

    ``truth`` and ``labels`` are one slice (ny, nx) or the full (n, 2, ny, nx) array; by
    default the truth is 1 in a centred square on 0 and the labels mark the square.
    """
    full = (n_volunteers, 2, *shape)
    if truth is None:
        truth = np.zeros(shape, np.float32)
        truth[shape[0] // 4 : 3 * shape[0] // 4, shape[1] // 4 : 3 * shape[1] // 4] = 1.0
    truth = np.broadcast_to(np.asarray(truth, np.float32), full).copy()
    labels = (truth > 0) if labels is None else labels
    labels = np.broadcast_to(np.asarray(labels, np.int16), full).copy()
    rng = np.random.default_rng(seed)
    sd = noise_sd if isinstance(noise_sd, Mapping) else dict.fromkeys(sets, noise_sd)
    images = {name: (truth + sd[name] * rng.standard_normal(full)).astype(np.float32) for name in sets}
    return StudyImages(images=images, truth=truth, labels=labels, pixel_mm=pixel_mm)


def make_scores(
    scores: np.ndarray | int,
    *,
    n_readers: int = 3,
    n_volunteers: int = 6,
    sets: Sequence[str] = SET_NAMES,
    criteria: Sequence[str] = CRITERIA,
    reader: str = "r{}",
) -> pd.DataFrame:
    """A score table (columns of :data:`lumbarlib.readers.scores.COLUMNS`), volunteers numbered from 1.

    ``scores`` broadcasts to (reader, volunteer, set, criterion); readers are named
    ``reader.format(k)``.
    """
    shape = (n_readers, n_volunteers, len(sets), len(criteria))
    values = np.broadcast_to(np.asarray(scores), shape)
    rows = [
        (reader.format(r), v + 1, s, c, int(values[r, v, i, j]), "")
        for r in range(shape[0])
        for v in range(shape[1])
        for i, s in enumerate(sets)
        for j, c in enumerate(criteria)
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS))


@pytest.fixture
def study_factory() -> Callable[..., StudyImages]:
    """:func:`make_study`: a tiny study to order."""
    return make_study


@pytest.fixture
def score_table() -> Callable[..., pd.DataFrame]:
    """:func:`make_scores`: a tiny score table to order."""
    return make_scores
