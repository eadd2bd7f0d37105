"""Rician noise of magnitude images, the tissue-noise estimator and the PSNR/SSIM metrics."""

import numpy as np
import pytest
from skimage.restoration import estimate_sigma as skimage_sigma

from lumbarlib.sim.noise import (
    add_rician_noise,
    air_sigma,
    estimate_sigma,
    psnr_ssim,
    wavelet_sigma,
)


def test_air_is_rayleigh_and_bright_tissue_is_gaussian():
    rng = np.random.default_rng(0)
    sigma = 2.0
    air = add_rician_noise(np.zeros(200_000), sigma, rng)
    assert air.mean() == pytest.approx(sigma * np.sqrt(np.pi / 2), rel=0.01)
    assert air.std() == pytest.approx(sigma * np.sqrt(2 - np.pi / 2), rel=0.01)
    tissue = add_rician_noise(np.full(200_000, 100.0), sigma, rng)
    assert tissue.mean() == pytest.approx(100.0 + sigma**2 / 200.0, abs=0.02)
    assert tissue.std() == pytest.approx(sigma, rel=0.01)


def test_noise_is_reproducible_from_the_seed_and_leaves_global_state_alone():
    state = np.random.get_state()[1].copy()
    a = add_rician_noise(np.ones((8, 8)), 0.1, np.random.default_rng(5))
    b = add_rician_noise(np.ones((8, 8)), 0.1, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    assert np.array_equal(state, np.random.get_state()[1])


def smooth_object(shape=(128, 160), fill=0.4):
    """A smooth bright disc (object) of relative area ``fill`` in air."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    r = np.hypot(yy - shape[0] / 2, xx - shape[1] / 2)
    radius = np.sqrt(fill * shape[0] * shape[1] / np.pi)
    return np.where(r < radius, 100.0 + 20.0 * np.cos(xx / 15.0), 0.0)


def test_sigma_of_gaussian_noise_is_recovered():
    rng = np.random.default_rng(1)
    image = smooth_object(fill=1.0) + 3.0 * rng.standard_normal((128, 160))
    assert estimate_sigma(image) == pytest.approx(3.0, rel=0.05)


def test_sigma_of_a_magnitude_image_with_large_air_background_is_measured_in_tissue():
    rng = np.random.default_rng(2)
    image = add_rician_noise(smooth_object(fill=0.35), 3.0, rng)
    assert estimate_sigma(image) == pytest.approx(3.0, rel=0.07)
    # the whole-image Gaussian estimator is pulled down by the Rayleigh air
    assert skimage_sigma(image) < 0.9 * 3.0


def test_air_reads_the_noise_where_fine_texture_fools_the_wavelet_estimate():
    rng = np.random.default_rng(5)
    texture = 1.0 + 0.1 * rng.standard_normal((128, 160))  # pixel-scale texture, like Gibbs ringing
    image = add_rician_noise(smooth_object(fill=0.5) * texture, 1.0, rng)
    assert wavelet_sigma(image) > 2.0
    assert air_sigma(image) == pytest.approx(1.0, rel=0.05)
    assert estimate_sigma(image) == air_sigma(image)


@pytest.mark.parametrize("noise_level", [0.02, 0.05, 0.1])
def test_dark_tissue_next_to_air_does_not_inflate_the_estimate_on_the_lumbar_phantom(noise_level):
    # muscle, bone and ligament fall below a loose air level at high noise; their Rician median reads high
    # (a 3-sigma air level read up to 50 % high here; the 2-sigma level reads at most 15 % high, at noise 0.1)
    from lumbarlib.sim.anatomy import typical_anatomy
    from lumbarlib.sim.phantom import render_slice

    spine = np.abs(render_slice(typical_anatomy(), "mid", matrix_scale=0.5).signal)
    noisy = add_rician_noise(spine / spine.max(), noise_level, np.random.default_rng(3))
    assert estimate_sigma(noisy) == pytest.approx(noise_level, rel=0.16)


def test_without_air_or_with_signed_pixels_the_wavelet_estimate_is_used():
    rng = np.random.default_rng(6)
    no_air = add_rician_noise(np.full((64, 64), 50.0), 2.0, rng)
    assert air_sigma(no_air) is None
    assert estimate_sigma(no_air) == wavelet_sigma(no_air) == pytest.approx(2.0, rel=0.1)
    signed = smooth_object() + 2.0 * rng.standard_normal((128, 160))
    assert air_sigma(signed) is None


def test_estimate_scales_with_the_image():
    rng = np.random.default_rng(3)
    image = add_rician_noise(smooth_object(), 2.0, rng)
    assert estimate_sigma(10 * image) == pytest.approx(10 * estimate_sigma(image), rel=1e-9)


def test_psnr_follows_its_definition_and_ssim_of_identical_images_is_one():
    truth = smooth_object()
    rng = np.random.default_rng(4)
    image = truth + rng.standard_normal(truth.shape)
    mse = np.mean((image - truth) ** 2)
    psnr, ssim = psnr_ssim(truth, image, data_range=120.0)
    assert psnr == pytest.approx(10 * np.log10(120.0**2 / mse), rel=1e-9)
    assert 0 < ssim < 1
    with np.errstate(divide="ignore"):
        assert psnr_ssim(truth, truth) == (np.inf, pytest.approx(1.0))


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="NaN"):
        estimate_sigma(np.full((16, 16), np.nan))
    with pytest.raises(ValueError, match="2-D"):
        estimate_sigma(np.zeros((4, 16, 16)))
    with pytest.raises(ValueError, match="sigma"):
        add_rician_noise(np.zeros(3), -1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng"):
        add_rician_noise(np.zeros(3), 1.0, 0)
    with pytest.raises(ValueError, match="shapes differ"):
        psnr_ssim(np.ones((16, 16)), np.ones((16, 17)))
