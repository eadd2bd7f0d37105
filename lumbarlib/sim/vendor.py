"""What a vendor's reconstruction does to the image: surface-coil intensity normalisation, zero-filled interpolation.

A posterior spine array sees anterior tissue far less than posterior tissue (the shading of
:func:`lumbarlib.sim.coils.coil_maps`); clinical lumbar images do not show that fall-off,
because scanners divide the coil-combined image by a smooth estimate of the array's
sensitivity, measured by a low-resolution prescan with the body coil as reference
:cite:`murakami1996intensity` (Canon's normalisation filter, GE's PURE, Siemens' Prescan
Normalize, Philips' CLEAR do this). The paper does not say which filter its scanner used;
the assumption here is the one of a clinical default: normalisation on, with the shading
known exactly (the prescan's own noise and resolution are not modelled). Noise is
multiplied with the signal, so after normalisation it grows where the coils see little
(the anterior abdomen and the air in front of it), as on clinical images.

Scanners also commonly reconstruct on a finer display matrix than the acquired one by
zero-filling k-space (:func:`zero_filled`); that correlates neighbouring pixels' noise
:cite:`bernstein2001zerofill`. The book's virtual scanner does not interpolate (its images
keep Table 1's 320 x 384 matrix); the function serves the measurement of what such
correlation would do to the DLR's effect on the air
(:func:`lumbarlib.analysis.background.air_reduction_table`).

Written here because no installed library models a scanner's post-processing chain.
"""

from __future__ import annotations

import numpy as np

from lumbarlib.core.checks import check_range
from lumbarlib.sim.kspace import fft2c, ifft2c

MIN_SHADING = 1e-3
"""Smallest shading accepted (relative to the table top): below it the correction would amplify noise a thousandfold."""


def intensity_correction(shading: np.ndarray) -> np.ndarray:
    """The factor that removes the coil shading from the combined magnitude image: ``1 / shading``.

    Serves the image formation of the paper's *MRI data acquisition* section
    :cite:`kashiwagi2022lumbar` (a 32-element surface spine coil, images read as a clinical
    scanner shows them).

    Parameters
    ----------
    shading : ndarray
        Root-sum-of-squares of the raw sensitivities (:class:`lumbarlib.sim.coils.CoilMaps`
        ``shading``), finite and at least :data:`MIN_SHADING` everywhere.

    Returns
    -------
    ndarray, float32
        Multiplies the reconstructed magnitude; the noise-free normalised image is the object.

    Raises
    ------
    ValueError
        If the shading is not finite or falls below :data:`MIN_SHADING`.
    """
    shading = np.asarray(shading, dtype=np.float64)
    if not np.all(np.isfinite(shading)):
        raise ValueError("parameter 'shading': contains NaN or infinite values")
    low = float(shading.min()) if shading.size else 0.0
    if low < MIN_SHADING:
        raise ValueError(
            f"parameter 'shading': minimum {low:.3g} is below {MIN_SHADING:g}; the FOV must lie in the coil's reach"
        )
    return (1.0 / shading).astype(np.float32)


def zero_filled(image: np.ndarray, factor: int = 2) -> np.ndarray:
    """A complex image reconstructed on a grid ``factor`` times finer by zero-filling its k-space.

    The centred k-space is padded with zeros to ``factor`` times the matrix and transformed
    back, scaled by ``factor`` so that a constant image keeps its value: sinc interpolation,
    the "zero-filled reconstruction" of clinical scanners :cite:`bernstein2001zerofill`.
    Pixel ``(factor * i, factor * j)`` of the result is pixel ``(i, j)`` of the input; the
    pixels between are interpolated, so white noise becomes correlated: for ``factor = 2``
    a pixel and its interpolated neighbour correlate by sinc(1/2) = 2/pi in the complex image,
    while each pixel keeps the noise SD of the input.

    Parameters
    ----------
    image : ndarray (ny, nx), complex or real
        Image before the magnitude is taken.
    factor : int
        Interpolation factor per axis, 1 to 4.

    Returns
    -------
    ndarray, complex, shape (factor * ny, factor * nx)
    """
    check_range("factor", factor, 1, 4, integer=True)
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"parameter 'image': must be 2-D, got shape {image.shape}")
    ny, nx = image.shape
    pad = [(factor * n // 2 - n // 2, factor * n - n - (factor * n // 2 - n // 2)) for n in (ny, nx)]
    return ifft2c(np.pad(fft2c(image), pad)) * factor
