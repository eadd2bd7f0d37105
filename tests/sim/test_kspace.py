"""The one k-space convention: centred orthonormal FFT, band-limiting, complex noise."""

import numpy as np
import pytest
import sigpy as sp

from lumbarlib.sim.kspace import (
    complex_noise,
    crop_center,
    fft2c,
    ifft2c,
    resample_fourier,
)


def _image(shape=(24, 30), seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def test_round_trip_is_identity():
    x = _image()
    np.testing.assert_allclose(ifft2c(fft2c(x)), x, atol=1e-12)


def test_transform_is_unitary_parseval():
    x = _image()
    assert np.linalg.norm(fft2c(x)) == pytest.approx(np.linalg.norm(x), rel=1e-12)


def test_zero_frequency_sits_at_n_over_2():
    k = fft2c(np.ones((16, 20)))
    assert k[8, 10] == pytest.approx(np.sqrt(16 * 20))
    k[8, 10] = 0
    assert np.abs(k).max() < 1e-10


def test_same_convention_as_sigpy():
    x = _image((20, 18))
    np.testing.assert_allclose(fft2c(x), sp.fft(x, axes=(-2, -1), center=True, norm="ortho"), atol=1e-10)


def test_transforms_last_two_axes_of_a_coil_stack():
    stack = np.stack([_image(seed=s) for s in range(3)])
    np.testing.assert_allclose(fft2c(stack)[1], fft2c(stack[1]), atol=1e-12)


def test_resample_keeps_a_constant_and_the_low_frequencies():
    fine = np.full((40, 48), 3.0)
    np.testing.assert_allclose(resample_fourier(fine, (20, 24)), 3.0, atol=1e-12)
    smooth = np.cos(2 * np.pi * np.arange(40) / 40)[:, None] * np.ones((1, 48))
    low = resample_fourier(smooth, (20, 24))
    # sample 2j of the fine grid is sample j of the coarse one (the index n // 2 is shared)
    np.testing.assert_allclose(low.real, np.cos(2 * np.pi * np.arange(20) / 20)[:, None] * np.ones((1, 24)), atol=1e-10)


def test_crop_larger_than_array_is_refused():
    with pytest.raises(ValueError, match="larger"):
        crop_center(np.zeros((4, 4)), (6, 4))


def test_complex_noise_has_the_stated_variance():
    rng = np.random.default_rng(1)
    n = complex_noise((200_000,), 2.0, rng, dtype=np.complex128)
    assert np.mean(np.abs(n) ** 2) == pytest.approx(4.0, rel=0.01)
    assert n.real.var() == pytest.approx(2.0, rel=0.015)
    assert n.imag.var() == pytest.approx(2.0, rel=0.015)


def test_complex_noise_follows_a_covariance():
    cov = np.array([[1.0, 0.3, 0.0], [0.3, 1.0, 0.3], [0.0, 0.3, 1.0]])
    n = complex_noise((3, 100_000), 1.0, np.random.default_rng(2), covariance=cov, dtype=np.complex128)
    np.testing.assert_allclose(n @ n.conj().T / n.shape[1], cov, atol=0.015)


def test_noise_is_seeded_and_leaves_the_global_state_alone():
    state = np.random.get_state()[1].copy()
    a = complex_noise((50,), 1.0, np.random.default_rng(7))
    b = complex_noise((50,), 1.0, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_negative_sigma_is_refused():
    with pytest.raises(ValueError, match="'sigma' = -1"):
        complex_noise((4,), -1, np.random.default_rng(0))
