"""Compressed-sensing reconstruction: L1-wavelet regularised SENSE (LASSO) with sigpy.

The triple-fast images come from randomly undersampled k-space reconstructed by a
LASSO-type optimisation :cite:`kashiwagi2022lumbar` (Canon's "compressed SPEEDER").
Here the same problem is solved with sigpy's ``L1WaveletRecon`` :cite:`ong2019sigpy`,
:cite:`lustig2007sparse`:

.. math::
    \\hat x = \\arg\\min_x \\tfrac12 \\| P F S x - y \\|_2^2 + \\lambda \\| W x \\|_1

with P the phase-encode mask, F the centred orthonormal FFT (:mod:`lumbarlib.sim.kspace`),
S the coil sensitivities, W a Daubechies-4 wavelet transform. sigpy was chosen over
BART (``bart pics``, Debian): it installs from PyPI with the book, uses the same FFT
convention, and on this problem (one 320 x 384 slice, 6 virtual coils, 20 iterations) it
ran 4 to 12 times faster than ``bart pics -l1`` called from Python on the book's shared
2-core machine, with the same error against the truth (``benchmarks/bench_simulation.py``
prints the comparison).

The solver is proximal gradient descent with Nesterov acceleration (FISTA). Its step
is 1: the maps are normalised to unit root-sum-of-squares (or compressed from such maps)
and the mask is 0/1, so :math:`\\|P F S\\| \\le 1` and no power iteration is needed.
"""

from __future__ import annotations

import numpy as np
import sigpy as sp
import sigpy.mri as mr

from lumbarlib.core.checks import check_range


def sense_operator(maps: np.ndarray, mask: np.ndarray) -> sp.linop.Linop:
    """The undersampled multi-coil forward operator :math:`P F S` (image (ny, nx) -> k-space (nc, ny, nx)).

    Parameters
    ----------
    maps : ndarray (n_coils, ny, nx)
        Sensitivities.
    mask : ndarray (ny,) or (ny, nx)
        Sampled phase-encode lines (rows) or a full sampling pattern.
    """
    return mr.linop.Sense(maps, weights=_weights(mask, maps.shape[1:]))


def _weights(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.ndim == 1:
        if mask.shape[0] != shape[0]:
            raise ValueError(f"mask has {mask.shape[0]} lines, the image has {shape[0]} rows")
        mask = np.repeat(mask[:, None], shape[1], axis=1)
    if mask.shape != tuple(shape):
        raise ValueError(f"mask shape {mask.shape} does not match the image shape {tuple(shape)}")
    return mask.astype(np.float32)


def cs_reconstruct(
    kspace: np.ndarray,
    maps: np.ndarray,
    mask: np.ndarray,
    *,
    lamda: float,
    max_iter: int = 20,
    wave_name: str = "db4",
    show_pbar: bool = False,
) -> np.ndarray:
    """Solve the L1-wavelet LASSO problem for one slice.

    Parameters
    ----------
    kspace : ndarray (n_coils, ny, nx)
        Measured k-space (unsampled lines may hold anything; they are masked).
    maps : ndarray (n_coils, ny, nx)
        Sensitivities with :math:`\\sum_c |S_c|^2 \\le 1`.
    mask : ndarray (ny,) or (ny, nx)
        Sampling pattern.
    lamda : float
        Regularisation weight (>= 0), in the units of the k-space data.
    max_iter : int
        FISTA iterations (>= 1).
    wave_name : str
        PyWavelets wavelet name.
    show_pbar : bool
        Show sigpy's progress bar.

    Returns
    -------
    ndarray, complex, shape (ny, nx)
        The reconstructed image, on the scale of the maps' combination.
    """
    check_range("lamda", lamda, 0.0)
    check_range("max_iter", max_iter, 1, None, integer=True)
    if kspace.shape != maps.shape:
        raise ValueError(f"kspace shape {kspace.shape} differs from maps shape {maps.shape}")
    weights = _weights(mask, maps.shape[1:])
    largest = float(np.max(np.sum(np.abs(maps) ** 2, axis=0)))
    app = mr.app.L1WaveletRecon(
        kspace * weights,
        maps,
        lamda,
        weights=weights,
        wave_name=wave_name,
        max_iter=max_iter,
        alpha=1.0 / max(largest, 1.0),
        show_pbar=show_pbar,
    )
    return np.asarray(app.run())
