"""The fixed 7x7 DCT of the DLR: orthonormal basis, exact analysis/synthesis including the border."""

import numpy as np
import pytest
import scipy.fft
import torch

from lumbarlib.dlr import dct


def test_basis_is_orthonormal():
    basis = dct.dct_basis().reshape(dct.N_COMPONENTS, -1)
    np.testing.assert_allclose(basis @ basis.T, np.eye(dct.N_COMPONENTS), atol=1e-12)


def test_component_zero_is_the_constant():
    np.testing.assert_allclose(dct.dct_basis()[0], np.full((7, 7), 1 / 7), atol=1e-12)


def test_analysis_matches_scipy_block_dct():
    # the coefficients of one window equal scipy's orthonormal 2-D DCT-II of that block
    rng = np.random.default_rng(0)
    image = rng.standard_normal((20, 17))
    coeffs = dct.analysis(torch.from_numpy(image)[None, None], dct.basis_tensor(dtype=torch.float64))[0].numpy()
    pad = dct.margin()
    padded = np.pad(image, pad, mode="reflect")
    for r, c in [(0, 0), (5, 9), (coeffs.shape[1] - 1, coeffs.shape[2] - 1)]:
        block = padded[r : r + 7, c : c + 7]
        np.testing.assert_allclose(coeffs[:, r, c], scipy.fft.dctn(block, norm="ortho").ravel(), atol=1e-12)


@pytest.mark.parametrize("shape", [(7, 7), (8, 9), (13, 20), (32, 31)])
def test_analysis_then_synthesis_is_exact_including_the_border(shape):
    rng = np.random.default_rng(1)
    image = torch.from_numpy(rng.uniform(0, 1, size=(2, 1, *shape)).astype(np.float32))
    basis = dct.basis_tensor()
    back = dct.synthesis(dct.analysis(image, basis))
    assert back.shape == image.shape
    assert torch.max(torch.abs(back - image)) < 1e-5


@pytest.mark.parametrize("components", [dct.ALL, dct.DC, dct.HIGH, [3, 17, 40]])
def test_synthesis_equals_the_valid_convolution_with_the_flipped_basis(components):
    # reference: the transposed convolution written as one plain convolution
    gen = torch.Generator().manual_seed(3)
    coefficients = torch.randn(2, len(components), 15, 19, generator=gen, dtype=torch.float64)
    weights = torch.rand(len(components), generator=gen, dtype=torch.float64) + 0.5
    basis = dct.basis_tensor(dtype=torch.float64)[list(components)] * weights[:, None, None, None]
    expected = torch.nn.functional.conv2d(coefficients, basis.flip(-2, -1).transpose(0, 1)) / 49
    torch.testing.assert_close(dct.synthesis(coefficients, components, weights), expected, rtol=1e-12, atol=1e-12)
    channels_last = coefficients.contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(dct.synthesis(channels_last, components, weights), expected, rtol=1e-12, atol=1e-12)


def test_constant_image_has_no_high_frequency_content_anywhere():
    coeffs = dct.analysis(torch.full((1, 1, 10, 12), 3.0), dct.basis_tensor())
    assert torch.max(torch.abs(coeffs[:, 1:])) < 1e-5
    np.testing.assert_allclose(coeffs[:, 0].numpy(), 3.0 * 7, rtol=1e-6)


def test_bad_shapes_raise():
    basis = dct.basis_tensor()
    with pytest.raises(ValueError, match=">= 7"):
        dct.analysis(torch.zeros(1, 1, 6, 20), basis)
    with pytest.raises(ValueError, match="shape"):
        dct.analysis(torch.zeros(1, 2, 10, 10), basis)
    with pytest.raises(ValueError, match="coefficients"):
        dct.synthesis(torch.zeros(1, 48, 10, 10))
    with pytest.raises(ValueError, match="size"):
        dct.dct_basis(1)


def test_bands_add_up_and_dc_is_the_local_mean():
    rng = np.random.default_rng(5)
    image = rng.uniform(0, 1, (21, 18))
    bands = dct.split_bands(image)
    np.testing.assert_allclose(bands.dc + bands.high, image, atol=1e-10)
    # the DC path of a linear ramp's interior is the ramp itself (a 7x7 box of box filters)
    ramp = np.add.outer(np.arange(30.0), 2 * np.arange(30.0))
    np.testing.assert_allclose(dct.split_bands(ramp).dc[8:-8, 8:-8], ramp[8:-8, 8:-8], atol=1e-9)


def test_component_rms_of_white_noise_is_flat():
    # orthonormal basis: white noise of SD 1 gives RMS 1 in every channel
    noise = np.random.default_rng(6).standard_normal((200, 200))
    rms = dct.component_rms(noise)
    assert rms.shape == (7, 7)
    np.testing.assert_allclose(rms, 1.0, rtol=0.05)


def test_synthesis_after_inference_mode_still_trains():
    # the synthesis matrices are cached: a first call under inference mode must not poison them
    with torch.inference_mode():
        dct.synthesis(torch.rand(1, 3, 9, 9, dtype=torch.float64), [5, 6, 7])
    coefficients = torch.rand(1, 3, 9, 9, dtype=torch.float64, requires_grad=True)
    dct.synthesis(coefficients, [5, 6, 7]).sum().backward()
    assert coefficients.grad is not None
