"""Background air: Rayleigh air has SD/mean 0.523 and no neighbour correlation; filtering and zeroing show up."""

import numpy as np
import pytest
from scipy import ndimage

from lumbarlib.analysis.background import (
    BACKGROUNDS,
    RAYLEIGH_SD_OVER_MEAN,
    air_mask,
    air_reduction_table,
    background_stats,
    background_table,
    noise_only_air,
    normalised_histogram,
    sd_reduction,
)


def rayleigh(shape, sigma=1.0, seed=0):
    rng = np.random.default_rng(seed)
    return np.hypot(rng.normal(0, sigma, shape), rng.normal(0, sigma, shape))


def disc_image(seed=0):
    """A bright disc (signal 40 sigma) in Rayleigh air of sigma 1."""
    y, x = np.mgrid[:128, :128]
    signal = 40.0 * ((y - 64) ** 2 + (x - 64) ** 2 < 35**2)
    rng = np.random.default_rng(seed)
    return np.hypot(signal + rng.normal(0, 1, signal.shape), rng.normal(0, 1, signal.shape)), signal > 0


def test_rayleigh_air_has_the_textbook_spread_and_no_correlation():
    image = rayleigh((200, 200))
    stats = background_stats(image, np.ones_like(image, bool))
    assert RAYLEIGH_SD_OVER_MEAN == pytest.approx(0.5227, abs=1e-4)
    assert stats.sd_over_mean == pytest.approx(RAYLEIGH_SD_OVER_MEAN, rel=0.02)
    assert stats.mean == pytest.approx(np.sqrt(np.pi / 2), rel=0.02)
    assert abs(stats.lag1_rows) < 0.02 and abs(stats.lag1_columns) < 0.02 and stats.zero_fraction == 0


def test_filtering_correlates_neighbours_and_zeroing_is_counted():
    image = ndimage.uniform_filter(rayleigh((200, 200)), (1, 3))
    stats = background_stats(image, np.ones_like(image, bool))
    assert stats.lag1_rows > 0.5 and abs(stats.lag1_columns) < 0.05
    zeroed = rayleigh((200, 200))
    zeroed[zeroed < 0.5] = 0.0
    assert background_stats(zeroed, np.ones_like(zeroed, bool)).zero_fraction == pytest.approx(
        1 - np.exp(-0.125), abs=0.01
    )


def test_air_mask_finds_the_air_and_keeps_off_the_disc():
    image, disc = disc_image()
    mask = air_mask(image)
    assert not (mask & disc).any()
    assert mask.sum() > 0.5 * (~disc).sum()
    assert background_stats(image, mask).sd_over_mean == pytest.approx(RAYLEIGH_SD_OVER_MEAN, rel=0.05)


def test_sd_reduction_is_the_ratio_of_the_air_sds():
    image, disc = disc_image()
    mask = air_mask(image)
    assert sd_reduction(image, mask, lambda x: x) == pytest.approx(1.0)
    halved = sd_reduction(image, mask, lambda x: x.mean() + 0.5 * (x - x.mean()))
    assert halved == pytest.approx(2.0)


def test_histogram_is_a_density_over_the_mean():
    image = rayleigh((200, 200))
    centres, density = normalised_histogram(image, np.ones_like(image, bool))
    assert np.sum(density) * (centres[1] - centres[0]) == pytest.approx(1.0, abs=0.01)
    assert centres[np.argmax(density)] == pytest.approx(np.sqrt(2 / np.pi), abs=0.15)  # Rayleigh mode / mean


@pytest.mark.parametrize(
    ("mask", "problem"),
    [(np.zeros((16, 16), bool), "holds 0 air pixels"), (np.ones((8, 8), bool), "shape \\(8, 8\\) differs")],
)
def test_bad_masks_are_named(mask, problem):
    with pytest.raises(ValueError, match=problem):
        background_stats(rayleigh((16, 16)), mask)


def test_the_table_sets_images_beside_rayleigh():
    image, _ = disc_image()
    table = background_table({"disc": (image, air_mask(image))}, lambda x: x)
    assert table["image"].tolist() == ["disc", "Rayleigh (single-channel magnitude air)"]
    assert table.loc[0, "denoiser_sd_reduction"] == pytest.approx(1.0)
    assert table.loc[1, "sd_over_mean"] == pytest.approx(RAYLEIGH_SD_OVER_MEAN)


def test_integer_air_gets_one_bin_per_value():
    image = np.round(rayleigh((200, 200), sigma=3.0))
    centres, density = normalised_histogram(image, np.ones_like(image, bool))
    mean = image.mean()
    np.testing.assert_allclose(np.diff(centres), 1.0 / mean)
    common = centres * mean <= np.percentile(image, 99)
    assert (density[common] > 0).all()  # no empty bins between the values the air takes


def test_noise_only_air_is_rayleigh_white_or_correlated_by_interpolation():
    mask = np.ones((128, 160), dtype=bool)
    white = background_stats(noise_only_air((128, 160), 0.5, np.random.default_rng(0)), mask)
    filled = background_stats(noise_only_air((128, 160), 0.5, np.random.default_rng(0), factor=2), mask)
    for stats in (white, filled):
        assert abs(stats.sd_over_mean - RAYLEIGH_SD_OVER_MEAN) < 0.02
        assert abs(stats.mean - 0.5 * np.sqrt(np.pi / 2)) < 0.02  # Rayleigh mean, sigma per component 0.5
    assert abs(white.lag1_rows) < 0.05
    # the magnitude of complex noise correlated by 2/pi correlates by about (2/pi)^2
    assert 0.3 < filled.lag1_rows < 0.45 and 0.3 < filled.lag1_columns < 0.45
    with pytest.raises(ValueError, match="'shape' = \\(33, 64\\)"):
        noise_only_air((33, 64), 1.0, np.random.default_rng(0), factor=2)


def test_a_smoothing_denoiser_lowers_white_air_more_than_interpolated_air():
    """A 3 x 3 mean cuts white noise's SD about 3-fold; noise already smooth (interpolated) loses less."""

    def smooth(image, sigma):
        return ndimage.uniform_filter(image, 3)

    table = air_reduction_table(smooth, sigma=1.0, shape=(128, 128), seed=1)
    assert list(table["background"]) == list(BACKGROUNDS)
    white, filled = table.iloc[0], table.iloc[1]
    assert 2.6 < white["reduction_known_sigma"] < 3.2
    assert filled["reduction_known_sigma"] < 0.8 * white["reduction_known_sigma"]
    assert abs(white["sigma_estimated_ratio"] - 1.0) < 0.1  # the wavelet estimate reads white noise right
    assert filled["sigma_estimated_ratio"] < 0.6  # and correlated noise low
