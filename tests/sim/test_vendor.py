"""The vendor's intensity normalisation removes the coil shading and multiplies the noise with the signal;
zero-filled interpolation keeps the acquired pixels and correlates noise by sinc(1/2) = 2/pi."""

import numpy as np
import pytest

from lumbarlib.sim.acquisition import acquire_image
from lumbarlib.sim.coils import coil_maps
from lumbarlib.sim.vendor import MIN_SHADING, intensity_correction, zero_filled
from lumbarlib.study.protocol import PROTOCOLS

SHAPE = (96, 96)


@pytest.fixture(scope="module")
def coil():
    return coil_maps(SHAPE, (300.0, 270.0))


def test_a_uniform_object_comes_out_flat_after_the_correction(coil):
    seen = (0.5 * coil.shading).astype(np.float32)  # a uniform object as the coils see it: shaded
    assert seen.max() / seen.min() > 5  # the shading is strong
    image = acquire_image(
        seen,
        coil.maps,
        PROTOCOLS["standard"],
        noise_sd=0.0,
        rng=np.random.default_rng(0),
        intensity_correction=intensity_correction(coil.shading),
    )
    np.testing.assert_allclose(image, 0.5, rtol=1e-3)


def test_the_correction_multiplies_the_noise_where_the_coils_see_little(coil):
    correction = intensity_correction(coil.shading)
    zero = np.zeros(SHAPE, np.float32)
    plain = acquire_image(zero, coil.maps, PROTOCOLS["double-fast"], noise_sd=1.0, rng=np.random.default_rng(1))
    corrected = acquire_image(
        zero,
        coil.maps,
        PROTOCOLS["double-fast"],
        noise_sd=1.0,
        rng=np.random.default_rng(1),
        intensity_correction=correction,
    )
    np.testing.assert_allclose(corrected, plain * correction, rtol=1e-5)
    deep, near = correction > np.percentile(correction, 90), correction < np.percentile(correction, 10)
    assert corrected[deep].std() > 3 * corrected[near].std()


def test_bad_shading_is_refused_with_its_value():
    with pytest.raises(ValueError, match="shading.*minimum"):
        intensity_correction(np.full((4, 4), MIN_SHADING / 2))
    with pytest.raises(ValueError, match="NaN"):
        intensity_correction(np.array([[1.0, np.nan]]))


def test_a_correction_of_the_wrong_shape_is_refused(coil):
    with pytest.raises(ValueError, match="intensity_correction"):
        acquire_image(
            np.zeros(SHAPE, np.float32),
            coil.maps,
            PROTOCOLS["standard"],
            noise_sd=1.0,
            rng=np.random.default_rng(0),
            intensity_correction=np.ones((4, 4)),
        )


def test_zero_filling_keeps_the_acquired_pixels_and_a_constant():
    rng = np.random.default_rng(3)
    image = rng.standard_normal((24, 30)) + 1j * rng.standard_normal((24, 30))
    fine = zero_filled(image, 2)
    assert fine.shape == (48, 60)
    np.testing.assert_allclose(fine[::2, ::2], image, atol=1e-12)  # sinc interpolation through the samples
    np.testing.assert_allclose(zero_filled(np.full((16, 16), 3.0), 3), 3.0, atol=1e-12)
    np.testing.assert_allclose(zero_filled(image, 1), image, atol=1e-12)


def test_zero_filled_white_noise_keeps_its_sd_and_correlates_neighbours_by_two_over_pi():
    rng = np.random.default_rng(4)
    noise = rng.standard_normal((256, 256)) + 1j * rng.standard_normal((256, 256))
    fine = zero_filled(noise, 2)
    assert abs(fine.real.std() - 1.0) < 0.01
    # a pixel and its interpolated neighbour (one step along a row): the kernel sinc(1/2) = 2/pi
    lag = np.mean(np.conj(fine[::2, :-1:2]) * fine[::2, 1::2]).real / np.mean(np.abs(fine) ** 2)
    assert abs(lag - 2 / np.pi) < 0.02
    # two acquired pixels stay uncorrelated
    assert abs(np.mean(np.conj(fine[::2, :-2:2]) * fine[::2, 2::2]).real / np.mean(np.abs(fine) ** 2)) < 0.02


@pytest.mark.parametrize(("factor", "shape", "match"), [(0, (8, 8), "'factor' = 0"), (2, (8,), "must be 2-D")])
def test_zero_filling_names_a_bad_argument(factor, shape, match):
    with pytest.raises(ValueError, match=match):
        zero_filled(np.zeros(shape), factor)
