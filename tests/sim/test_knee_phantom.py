"""The synthetic 3T knee: anatomy present, PD-weighted spin-echo contrast, seeded variation."""

import numpy as np
import pytest

from lumbarlib.sim.knee_phantom import (
    KNEE_LABELS,
    KNEE_TISSUES,
    TE_MS,
    TR_MS,
    make_knee,
    tissue_signal,
)


@pytest.fixture(scope="module")
def knee():
    return make_knee(3, shape=(160, 160))


def test_every_tissue_is_present(knee):
    present = set(np.unique(knee.labels))
    assert present == set(KNEE_LABELS.values())
    assert knee.image.shape == knee.labels.shape == (160, 160)
    assert knee.image.dtype == np.float32
    assert knee.pixel_mm == pytest.approx(1.0)


def test_signal_equation():
    pd_, t1, t2 = KNEE_TISSUES["cartilage"]
    assert tissue_signal("cartilage") == pytest.approx(pd_ * (1 - np.exp(-TR_MS / t1)) * np.exp(-TE_MS / t2))


def test_image_follows_the_tissue_signals(knee):
    # median over each tissue's interior (texture and shading are +-15 % at most)
    def median(name):
        return np.median(knee.image[knee.labels == KNEE_LABELS[name]])

    reference = tissue_signal("fluid")
    for name in ("subcutaneous_fat", "marrow", "muscle", "cartilage"):
        assert median(name) == pytest.approx(tissue_signal(name) / reference, rel=0.2)
    assert median("subcutaneous_fat") > median("cartilage") > median("muscle") > median("meniscus")
    assert median("air") == 0.0


def test_seeds_are_reproducible_and_distinct():
    a, b, c = make_knee(1, (64, 64)), make_knee(1, (64, 64)), make_knee(2, (64, 64))
    np.testing.assert_array_equal(a.image, b.image)
    assert not np.array_equal(a.labels, c.labels)


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="seed"):
        make_knee(-1)
    with pytest.raises(ValueError, match="shape"):
        make_knee(0, shape=(8, 64))
