"""Applying the trained DLR: one image, and the study's accelerated sets.

Paper, "MRI data acquisition": the DLR is applied to the double-fast and triple-fast
images, giving DLR-double-fast and DLR-triple-fast, sets (3) and (5) of the five.
The noise SD that scales the thresholds is estimated from each image
(:func:`lumbarlib.sim.noise.estimate_sigma`) unless given, as a scanner would have to.
"""

from __future__ import annotations

import weakref
from functools import lru_cache

import numpy as np
import torch
from tqdm.auto import tqdm

from lumbarlib.core.checks import ParameterError, check_range
from lumbarlib.dlr.network import DLRNet, FoldedDLR, fold
from lumbarlib.dlr.weights import calibrated_strength, load_dlr
from lumbarlib.sim.acquisition import image_noise_sigma
from lumbarlib.sim.noise import MAX_ABS_PIXEL, check_image, estimate_sigma
from lumbarlib.study.design import DLR_SETS
from lumbarlib.study.protocol import PROTOCOLS


@lru_cache(maxsize=2)
def _shipped(device: str) -> DLRNet:
    """The shipped network, loaded (and hash-checked) once per device."""
    return load_dlr(device)


_FOLDED: weakref.WeakKeyDictionary[DLRNet, tuple[tuple, FoldedDLR]] = weakref.WeakKeyDictionary()


def _folded(net: DLRNet) -> FoldedDLR:
    """``fold(net)``, kept until a parameter of ``net`` is replaced or changed in place.

    Folding costs about a millisecond, 1 % of a preview tile; the key is each parameter's
    storage and in-place version counter, which training steps and ``load_state_dict`` bump.
    """
    key = tuple((p.data_ptr(), p._version) for p in net.parameters())
    cached = _FOLDED.get(net)
    if cached is None or cached[0] != key:
        cached = (key, fold(net))
        _FOLDED[net] = cached
    return cached[1]


def resolve_strength(strength: float | None) -> float:
    """``strength``, or for None the calibrated one (:func:`lumbarlib.dlr.weights.calibrated_strength`)."""
    strength = calibrated_strength() if strength is None else strength
    check_range("strength", strength, 0)
    return float(strength)


def denoise(
    image: np.ndarray,
    *,
    sigma: float | None = None,
    strength: float | None = None,
    net: DLRNet | None = None,
    device: str = "cpu",
) -> np.ndarray:
    """Denoise one 2-D magnitude image with the DLR.

    Parameters
    ----------
    image : ndarray, shape (ny, nx)
        Finite magnitude image, sides >= 8 pixels.
    sigma : float, optional
        Noise SD in the image's units; estimated with
        :func:`lumbarlib.sim.noise.estimate_sigma` when not given.
    strength : float, optional
        Multiplies every shrinkage threshold (1: as trained; 0: no shrinkage). Default: the
        shipped weights' calibrated strength (:func:`lumbarlib.dlr.weights.calibrated_strength`).
    net : DLRNet, optional
        The network (default: the shipped weights, :func:`lumbarlib.dlr.weights.load_dlr`).
    device : str
        ``"cpu"`` or ``"cuda"``.

    Returns
    -------
    ndarray, same shape as ``image``, float32 (float64 if the input is float64)

    Notes
    -----
    Runs the network in its folded inference form (:func:`lumbarlib.dlr.network.fold`): the
    same function, with every shrinkage a single scalar soft-threshold pass.
    """
    image = np.asarray(image)
    check_image(image)
    strength = resolve_strength(strength)
    if sigma is not None:
        check_range("sigma", sigma, 0, MAX_ABS_PIXEL)
    else:
        sigma = estimate_sigma(image)
    if strength * sigma > MAX_ABS_PIXEL:
        raise ParameterError(
            f"parameters 'sigma' = {sigma!r} and 'strength' = {strength!r}: their product (the threshold scale) "
            f"must be <= {MAX_ABS_PIXEL:.0e}"
        )
    net = _shipped(device) if net is None else net
    x = torch.as_tensor(np.ascontiguousarray(image), dtype=torch.float32, device=device)[None, None]
    with torch.inference_mode():
        out = _folded(net)(x, float(strength * sigma))[0, 0].cpu().numpy()
    return out.astype(np.float64) if image.dtype == np.float64 else out


def denoise_uncorrected(
    image: np.ndarray,
    correction: np.ndarray | None,
    *,
    sigma: float | None = None,
    strength: float | None = None,
    net: DLRNet | None = None,
    device: str = "cpu",
) -> np.ndarray:
    """The DLR where the book's scanner runs it, before the vendor's intensity correction.

    ``correction * denoise(image / correction)``: the corrected image is taken back to the
    coils' scale, where its noise is uniform with the acquisition's sigma, denoised and
    corrected again (the paper does not say where its scanner runs the DLR
    :cite:`kashiwagi2022lumbar`). Without a correction it is :func:`denoise`.

    Parameters
    ----------
    image : ndarray (ny, nx)
        The intensity-corrected magnitude image.
    correction : ndarray (ny, nx) or None
        The correction that multiplied it (:class:`lumbarlib.study.imagesets.StudyImages`).
    sigma, strength, net, device
        As for :func:`denoise` (sigma on the coils' scale).
    """
    if correction is None:
        return denoise(image, sigma=sigma, strength=strength, net=net, device=device)
    if np.shape(correction) != np.shape(image):
        raise ValueError(
            f"parameter 'correction': shape {np.shape(correction)} differs from the image's {np.shape(image)}"
        )
    raw = np.asarray(image) / correction
    return correction * denoise(raw, sigma=sigma, strength=strength, net=net, device=device)


def acquisition_sigmas(noise_sd: float | None, noise_gain: float | None = None) -> dict[str, float] | None:
    """The known noise SD of each set the DLR is applied to (double-fast, triple-fast), from the k-space noise.

    None (a study whose noise is not recorded) gives None: :func:`denoise_study` then estimates.

    Both are NEX-1 acquisitions of the same receiver noise, so both get the same sigma
    (:func:`lumbarlib.sim.acquisition.image_noise_sigma`), whatever the compressed-sensing
    reconstruction did to the triple-fast image's air (paper, "DLR method": the threshold
    follows the noise level of the input). ``noise_gain`` is the combination's noise gain in
    the tissue (:class:`lumbarlib.study.imagesets.StudyImages` ``noise_gain``; None: 1).
    """
    if noise_sd is None:
        return None
    gain = 1.0 if noise_gain is None else noise_gain
    return {name: image_noise_sigma(noise_sd, PROTOCOLS[name].nex, gain) for name in DLR_SETS}


def denoise_study(
    images: dict[str, np.ndarray],
    *,
    sigmas: dict[str, float] | None = None,
    correction: np.ndarray | None = None,
    strength: float | None = None,
    net: DLRNet | None = None,
    device: str = "cpu",
    show_pbar: bool = True,
) -> dict[str, np.ndarray]:
    """DLR-double-fast and DLR-triple-fast for every volunteer and slice (paper sets (3) and (5)).

    With an intensity correction the DLR works where a scanner's reconstruction runs it,
    before the correction: each image is divided by its slice's correction, denoised
    (its noise is then uniform, with the acquisition's sigma) and multiplied back.

    Parameters
    ----------
    images : dict
        At least ``"double-fast"`` and ``"triple-fast"``, float32 arrays (n_volunteers, 2, ny, nx).
    sigmas : dict, optional
        Set name -> the noise SD of its acquisition (per real/imaginary component, on the
        images' scale), known as a scanner knows it from its noise calibration
        (:func:`lumbarlib.sim.acquisition.image_noise_sigma`); default: estimated image by
        image (:func:`lumbarlib.sim.noise.estimate_sigma`).
    correction : ndarray (slices, ny, nx), optional
        The vendor's intensity correction of each slice
        (:class:`lumbarlib.study.imagesets.StudyImages` ``correction``); default none.
    strength, net, device
        As for :func:`denoise`.
    show_pbar : bool
        Show a tqdm progress bar.

    Returns
    -------
    dict
        ``{"dlr-double-fast": array, "dlr-triple-fast": array}``, float32, same shapes.
    """
    missing = [name for name in DLR_SETS if name not in images]
    if missing:
        raise ValueError(f"parameter 'images': missing sets {missing}; has {sorted(images)}")
    for name in DLR_SETS:
        if np.asarray(images[name]).ndim != 4:
            raise ValueError(f"images[{name!r}]: must be (n_volunteers, slices, ny, nx), got {np.shape(images[name])}")
    for name in DLR_SETS:
        if sigmas is not None and name not in sigmas:
            raise ValueError(f"parameter 'sigmas': no sigma for set {name!r}; has {sorted(sigmas)}")
    if correction is not None and np.shape(correction) != np.shape(images[next(iter(DLR_SETS))])[1:]:
        raise ValueError(f"parameter 'correction': shape {np.shape(correction)} is not (slices, ny, nx) of the images")
    strength = resolve_strength(strength)
    net = _shipped(device) if net is None else net
    jobs = [(src, idx) for src in DLR_SETS for idx in np.ndindex(images[src].shape[:2])]
    out = {dst: np.empty_like(images[src], dtype=np.float32) for src, dst in DLR_SETS.items()}
    for src, idx in tqdm(jobs, desc="DLR", unit="image", disable=not show_pbar):
        sigma = None if sigmas is None else sigmas[src]
        gain = None if correction is None else correction[idx[1]]
        out[DLR_SETS[src]][idx] = denoise_uncorrected(
            images[src][idx], gain, sigma=sigma, strength=strength, net=net, device=device
        )
    return out


STRIP_MARGIN_PX = 40
"""Rows added on each side of a strip: beyond the network's reach (a 7x7 analysis, 22 3x3 convolutions, a 7x7 synthesis:
28 pixels), so a strip's inner rows are those of the whole image."""


def denoise_in_strips(
    image: np.ndarray,
    *,
    sigma: float,
    strength: float | None = None,
    net: DLRNet | None = None,
    device: str = "cpu",
    rows: int = 256,
    show_pbar: bool = True,
) -> np.ndarray:
    """:func:`denoise` computed strip by strip, with a progress bar and memory bounded by the strip size.

    Each strip of ``rows`` rows is denoised with :data:`STRIP_MARGIN_PX` rows of the image
    above and below it, which are then dropped: the result equals :func:`denoise` on the
    whole image up to float rounding, while memory grows with ``rows`` instead of the image
    (a 4096 x 4096 image would otherwise need about 10 GB). For large user images
    (:func:`lumbarlib.dlr.user_image.denoise_file`).

    Parameters
    ----------
    image : ndarray, shape (ny, nx)
        As for :func:`denoise`.
    sigma : float
        Noise SD (estimated once, on the whole image, by the caller).
    strength, net, device
        As for :func:`denoise`.
    rows : int
        Rows per strip (>= 8).
    show_pbar : bool
        Show a progress bar over the strips.
    """
    check_image(image)
    check_range("rows", rows, 8, integer=True)
    strength = resolve_strength(strength)
    ny = image.shape[0]
    starts = range(0, ny, rows)
    out = np.empty(image.shape, dtype=np.float64 if image.dtype == np.float64 else np.float32)
    for start in tqdm(starts, desc="denoising strips", unit="strip", disable=not show_pbar):
        stop = min(ny, start + rows)
        lo, hi = max(0, start - STRIP_MARGIN_PX), min(ny, stop + STRIP_MARGIN_PX)
        piece = denoise(image[lo:hi], sigma=sigma, strength=strength, net=net, device=device)
        out[start:stop] = piece[start - lo : start - lo + stop - start]
    return out
