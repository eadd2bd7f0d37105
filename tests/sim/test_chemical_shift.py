"""Fat-water chemical shift: a fat disk moves by the computed number of pixels along the read direction only."""

import numpy as np
import pytest

from lumbarlib.sim.chemical_shift import chemical_shift, fat_share, marrow_fat_signal, shift_mm
from lumbarlib.sim.labels import LABELS
from lumbarlib.study.protocol import PROTOCOLS


def test_the_shift_at_1_5_t_and_245_hz_per_pixel():
    standard = PROTOCOLS["standard"]
    pixel_mm = standard.fov_read_mm / standard.matrix_read
    # 42.577 MHz/T x 1.5 T x 3.4 ppm = 217 Hz, over 245.1 Hz per pixel
    assert shift_mm(standard) / pixel_mm == pytest.approx(42.577 * 1.5 * 3.4 / 245.1)
    assert 0.85 < shift_mm(standard) / pixel_mm < 0.92


def test_a_fat_disk_moves_by_the_computed_pixels_and_water_stays():
    rows, cols = np.indices((64, 64))
    # band-limited disks (as the phantom's are), fat in the right half, water in the left
    fat = np.exp(-((rows - 32) ** 2 + (cols - 44) ** 2) / 18.0)
    water = np.exp(-((rows - 32) ** 2 + (cols - 14) ** 2) / 18.0)
    labels = np.where(cols >= 32, LABELS["retroperitoneal_fat"], LABELS["csf"]).astype(np.int16)
    out = chemical_shift(fat + water, fat_share(labels, 0.5), 2.5)

    def centroid(image: np.ndarray, region: np.ndarray) -> np.ndarray:
        weight = image.real * region  # signed: the Fourier shift moves the centroid exactly
        return np.array([(weight * rows).sum(), (weight * cols).sum()]) / weight.sum()

    right = cols >= 32
    assert centroid(out, right) - centroid(fat, right) == pytest.approx([0.0, 2.5], abs=0.01)
    np.testing.assert_allclose(out[:, :30], water[:, :30], atol=1e-3)  # the water disk stays
    assert np.sum(out.real) == pytest.approx(np.sum(fat + water))  # the fat's total signal is kept


def test_marrow_shares_its_signal_by_fat_fraction():
    assert marrow_fat_signal(0.0, 0.5, 0.2) == 0.0 and marrow_fat_signal(1.0, 0.5, 0.2) == 1.0
    assert marrow_fat_signal(0.5, 0.5, 0.5) == pytest.approx(0.5)
    labels = np.array([[LABELS["vertebra_L2"], LABELS["muscle"], LABELS["epidural_fat"]]], np.int16)
    np.testing.assert_allclose(fat_share(labels, 0.4), [[0.4, 0.0, 1.0]])
    with pytest.raises(ValueError, match="marrow_fat_signal"):
        fat_share(labels, 1.5)
