"""The book's one k-space convention: centred, orthonormal 2-D DFT, and complex noise in k-space.

Every module that goes between image and k-space calls :func:`fft2c` / :func:`ifft2c`
(the fastMRI ``fft2c`` convention, identical to ``sigpy.fft`` with ``center=True``,
``norm="ortho"``): the zero frequency sits at index ``n // 2`` of each axis, and the
transform is unitary, so white noise of variance :math:`\\sigma^2` per k-space sample
is white noise of variance :math:`\\sigma^2` per image pixel.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from lumbarlib.core.checks import check_range

_AXES = (-2, -1)


def fft2c(image: np.ndarray) -> np.ndarray:
    """Centred orthonormal 2-D DFT over the last two axes (image -> k-space)."""
    shifted = scipy.fft.ifftshift(image, axes=_AXES)
    return scipy.fft.fftshift(scipy.fft.fft2(shifted, axes=_AXES, norm="ortho", workers=-1), axes=_AXES)


def ifft2c(kspace: np.ndarray) -> np.ndarray:
    """Centred orthonormal 2-D inverse DFT over the last two axes (k-space -> image)."""
    shifted = scipy.fft.ifftshift(kspace, axes=_AXES)
    return scipy.fft.fftshift(scipy.fft.ifft2(shifted, axes=_AXES, norm="ortho", workers=-1), axes=_AXES)


def crop_center(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The central ``shape`` block of the last two axes, with index ``n // 2`` kept at ``m // 2``."""
    ny, nx = array.shape[-2:]
    my, mx = shape
    if my > ny or mx > nx:
        raise ValueError(f"crop shape {shape} is larger than the array's {(ny, nx)}")
    y0, x0 = ny // 2 - my // 2, nx // 2 - mx // 2
    return array[..., y0 : y0 + my, x0 : x0 + mx]


def resample_fourier(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Reduce an image to ``shape`` by keeping only the central k-space (what a scanner samples).

    The scale is preserved (a constant image keeps its value): the orthonormal transform
    of the larger image is cropped and multiplied by ``sqrt(n_small / n_large)``. Fine
    detail beyond the acquired k-space is lost and sharp edges ring (Gibbs), as in an
    acquisition of a continuous object.

    Parameters
    ----------
    image : ndarray (..., ny, nx)
        Image on a finer grid covering the same field of view.
    shape : (int, int)
        Target matrix, no larger than the image.

    Returns
    -------
    ndarray, complex
        The band-limited image at the target matrix.
    """
    ny, nx = image.shape[-2:]
    k = crop_center(fft2c(image), shape)
    return ifft2c(k) * np.sqrt(shape[0] * shape[1] / (ny * nx))


def complex_noise(
    shape: tuple[int, ...],
    sigma: float,
    rng: np.random.Generator,
    covariance: np.ndarray | None = None,
    dtype=np.complex64,
) -> np.ndarray:
    r"""Complex Gaussian noise of variance :math:`\sigma^2` per sample (:math:`\sigma^2/2` per real part).

    Parameters
    ----------
    shape : tuple of int
        Output shape; with ``covariance``, the first axis is the coil axis.
    sigma : float
        Noise SD per complex sample (>= 0).
    rng : numpy.random.Generator
        The only source of randomness.
    covariance : ndarray (n_coils, n_coils), optional
        Receiver noise covariance relative to ``sigma**2`` (unit diagonal for equal coils);
        the noise is then ``sigma * L z`` with ``L`` its Cholesky factor.

    Returns
    -------
    ndarray
        Noise samples of ``dtype``.
    """
    check_range("sigma", sigma, 0.0)
    dtype = np.dtype(dtype)
    real_dtype = np.float32 if dtype == np.complex64 else np.float64
    scale = sigma / np.sqrt(2.0)
    z = np.empty(shape, dtype=dtype)
    rng.standard_normal(dtype=real_dtype, out=z.reshape(-1).view(real_dtype))  # real and imaginary parts
    if covariance is not None:
        covariance = np.asarray(covariance)
        if covariance.shape != (shape[0], shape[0]):
            raise ValueError(f"covariance has shape {covariance.shape}, expected {(shape[0], shape[0])}")
        chol = np.linalg.cholesky(covariance).astype(dtype)
        z = np.tensordot(chol, z, axes=(1, 0))
    z *= scale
    return z
