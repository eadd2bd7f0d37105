"""What a vendor's reconstruction does to the image by default: surface-coil intensity normalisation.

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

Written here because no installed library models a scanner's post-processing chain.
"""

from __future__ import annotations

import numpy as np

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
