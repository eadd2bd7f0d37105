"""Other denoisers on the same images: the untrained network, wavelet, total variation, NLM, BM3D.

Serves the question behind the paper's DLR :cite:`kashiwagi2022lumbar`: does the trained
network do more than a classical denoiser would? Every method takes the magnitude image and
its noise SD ``sigma`` and one strength-like parameter ``k`` (its regularisation in units of
sigma), chosen per method on the validation images (:func:`choose_parameters`), never on
the test images or on lumbar images:

- ``"dlr"``: the trained network, ``k`` its strength (:func:`lumbarlib.dlr.denoise.denoise`);
- ``"untrained"``: the network at its identity initialisation, iterated sliding-window DCT
  shrinkage, ``k`` its strength;
- ``"wavelet"``: scikit-image's BayesShrink soft wavelet thresholding (db8, 4 levels or as many as the image allows),
  ``sigma`` scaled by ``k``;
- ``"tv"``: scikit-image's Chambolle total variation, weight ``k * sigma``;
- ``"nlm"``: scikit-image's non-local means (7x7 patches, 11x11 search), ``h = k * sigma``;
- ``"bm3d"``: BM3D (Makinen et al. 2020; the ``bm3d`` package, non-commercial licence, an
  optional extra: ``pip install bm3d``), ``sigma`` scaled by ``k``; absent where the package
  is not installed (:func:`methods`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pywt
from skimage.restoration import denoise_nl_means, denoise_tv_chambolle, denoise_wavelet

from lumbarlib.core.checks import check_choice, check_range
from lumbarlib.dlr.denoise import denoise
from lumbarlib.dlr.network import DLRNet
from lumbarlib.sim.noise import check_image

PARAMETER_GRIDS: dict[str, tuple[float, ...]] = {
    "dlr": (0.6, 0.8, 1.0, 1.25, 1.5, 2.0),
    "untrained": (0.5, 0.75, 1.0, 1.5, 2.0, 3.0),
    "wavelet": (0.5, 0.75, 1.0, 1.5, 2.0),
    "tv": (0.5, 1.0, 1.5, 2.0, 3.0),
    "nlm": (0.4, 0.6, 0.8, 1.0, 1.2),
    "bm3d": (0.75, 1.0, 1.25, 1.5),
}
"""Each method's candidate ``k`` (regularisation in units of sigma), searched on validation images."""


@lru_cache(maxsize=1)
def untrained_net() -> DLRNet:
    """The DLR at its identity initialisation (iterated sliding-window DCT soft shrinkage)."""
    return DLRNet().eval()


def _bm3d(image: np.ndarray, sigma: float) -> np.ndarray:
    import bm3d  # optional extra, non-commercial licence

    return np.asarray(bm3d.bm3d(image, sigma), dtype=image.dtype)


def _apply(method: str, image: np.ndarray, sigma: float, k: float, net: DLRNet | None) -> np.ndarray:
    if method == "dlr":
        return denoise(image, sigma=sigma, strength=k, net=net)
    if method == "untrained":
        return denoise(image, sigma=sigma, strength=k, net=untrained_net())
    if method == "wavelet":
        levels = min(4, pywt.dwt_max_level(min(image.shape), "db8"))  # what the image's size allows
        return denoise_wavelet(image, sigma=k * sigma, wavelet="db8", mode="soft", method="BayesShrink",
                               wavelet_levels=levels, rescale_sigma=False)  # fmt: skip
    if method == "tv":
        return denoise_tv_chambolle(image, weight=k * sigma)
    if method == "nlm":
        return denoise_nl_means(image, h=k * sigma, sigma=sigma, patch_size=7, patch_distance=5, fast_mode=True)
    return _bm3d(image, k * sigma)


def methods() -> tuple[str, ...]:
    """The methods available here: all of :data:`PARAMETER_GRIDS`, ``"bm3d"`` only if its package is installed."""
    have_bm3d = importlib.util.find_spec("bm3d") is not None
    return tuple(m for m in PARAMETER_GRIDS if m != "bm3d" or have_bm3d)


def apply_method(method: str, image: np.ndarray, sigma: float, k: float, *, net: DLRNet | None = None) -> np.ndarray:
    """Denoise a 2-D magnitude ``image`` of noise SD ``sigma`` with ``method`` at parameter ``k``.

    Parameters
    ----------
    method : str
        One of :func:`methods`.
    image : ndarray (ny, nx)
    sigma : float
        Noise SD, > 0, in the image's units.
    k : float
        The method's regularisation in units of sigma (see the module docstring), > 0.
    net : DLRNet, optional
        The trained network for ``"dlr"`` (default: the shipped weights).
    """
    check_choice("method", method, methods())
    image = check_image(np.asarray(image, dtype=np.float64))
    check_range("sigma", sigma, 0, low_inclusive=False)
    check_range("k", k, 0, low_inclusive=False)
    return np.asarray(_apply(method, image, float(sigma), float(k), net), dtype=np.float64)


def denoiser(method: str, k: float, *, net: DLRNet | None = None) -> Callable[[np.ndarray, float], np.ndarray]:
    """``method`` at parameter ``k`` as a function ``(image, sigma) -> image``."""
    check_choice("method", method, methods())
    return lambda image, sigma: apply_method(method, image, sigma, k, net=net)
