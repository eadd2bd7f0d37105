"""Compressed sensing: the undersampled operator is adjoint-consistent; lambda -> 0 on full data recovers the image."""

import numpy as np
import pytest

from lumbarlib.sim.cs import cs_reconstruct, sense_operator
from lumbarlib.sim.kspace import fft2c
from lumbarlib.sim.sampling import phase_encode_mask


def _maps(n_coils=4, shape=(32, 28), seed=0):
    rng = np.random.default_rng(seed)
    maps = rng.standard_normal((n_coils,) + shape) + 1j * rng.standard_normal((n_coils,) + shape)
    return (maps / np.sqrt((np.abs(maps) ** 2).sum(0))).astype(np.complex128)


def test_undersampled_operator_passes_the_dot_product_test():
    maps = _maps()
    mask = phase_encode_mask(32, 1.8, rng=np.random.default_rng(1))
    op = sense_operator(maps, mask)
    rng = np.random.default_rng(2)
    x = rng.standard_normal(op.ishape) + 1j * rng.standard_normal(op.ishape)
    y = rng.standard_normal(op.oshape) + 1j * rng.standard_normal(op.oshape)
    lhs = np.vdot(op(x), y)
    rhs = np.vdot(x, op.H(y))
    assert abs(lhs - rhs) <= 1e-3 * abs(lhs)


def test_operator_is_mask_fft_sensitivities():
    maps = _maps()
    mask = phase_encode_mask(32, 1.8, rng=np.random.default_rng(1))
    x = np.random.default_rng(3).standard_normal((32, 28)) + 0j
    np.testing.assert_allclose(sense_operator(maps, mask)(x), fft2c(maps * x) * mask[None, :, None], atol=1e-10)


def test_lambda_zero_on_full_sampling_returns_the_image():
    maps = _maps()
    rng = np.random.default_rng(4)
    image = rng.random((32, 28)) + 0.5
    kspace = fft2c(maps * image)
    out = cs_reconstruct(kspace, maps, np.ones(32, bool), lamda=0.0, max_iter=5)
    np.testing.assert_allclose(out, image, rtol=1e-2, atol=1e-2)


def test_regularisation_shrinks_towards_sparsity():
    maps = _maps()
    rng = np.random.default_rng(5)
    kspace = fft2c(maps * (rng.standard_normal((32, 28)) * 0.1))
    full = np.ones(32, bool)
    weak = cs_reconstruct(kspace, maps, full, lamda=0.0, max_iter=5)
    strong = cs_reconstruct(kspace, maps, full, lamda=10.0, max_iter=5)
    assert np.linalg.norm(strong) < 0.5 * np.linalg.norm(weak)


def test_bad_input():
    maps = _maps()
    with pytest.raises(ValueError, match="'lamda' = -1"):
        cs_reconstruct(fft2c(maps), maps, np.ones(32, bool), lamda=-1)
    with pytest.raises(ValueError, match="kspace shape"):
        cs_reconstruct(fft2c(maps)[:2], maps, np.ones(32, bool), lamda=0.1)
    with pytest.raises(ValueError, match="mask has 30 lines"):
        sense_operator(maps, np.ones(30, bool))
