"""Applying the trained DLR: one image, the study's accelerated sets, and the held-out evaluation.

Paper, "MRI data acquisition": the DLR is applied to the double-fast and triple-fast
images, giving DLR-double-fast and DLR-triple-fast, sets (3) and (5) of the five.
The noise SD that scales the thresholds is estimated from each image
(:func:`lumbarlib.noise.estimate_sigma`) unless given, as a scanner would have to.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import torch
from scipy.ndimage import uniform_filter
from tqdm.auto import tqdm

from lumbarlib.dlr import DLRNet, FoldedDLR, fold
from lumbarlib.kspace import fft2c
from lumbarlib.noise import add_rician_noise, check_image, estimate_sigma, psnr_ssim
from lumbarlib.params import check_range
from lumbarlib.training_data import DomainImage
from lumbarlib.weights import load_dlr

DLR_SETS = {"double-fast": "dlr-double-fast", "triple-fast": "dlr-triple-fast"}


@dataclass(frozen=True)
class Spectrum:
    """Radially averaged power spectrum: bin centres (cycles/mm) and mean power per bin."""

    frequency_per_mm: np.ndarray
    power: np.ndarray


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


def denoise(
    image: np.ndarray,
    *,
    sigma: float | None = None,
    strength: float = 1.0,
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
        :func:`lumbarlib.noise.estimate_sigma` when not given.
    strength : float
        Multiplies every shrinkage threshold (1: as trained; 0: no shrinkage).
    net : DLRNet, optional
        The network (default: the shipped weights, :func:`lumbarlib.weights.load_dlr`).
    device : str
        ``"cpu"`` or ``"cuda"``.

    Returns
    -------
    ndarray, same shape as ``image``, float32 (float64 if the input is float64)

    Notes
    -----
    Runs the network in its folded inference form (:func:`lumbarlib.dlr.fold`): the
    same function, with every shrinkage a single scalar soft-threshold pass.
    """
    image = np.asarray(image)
    check_image(image)
    check_range("strength", strength, 0)
    if sigma is None:
        sigma = estimate_sigma(image)
    check_range("sigma", sigma, 0)
    net = _shipped(device) if net is None else net
    x = torch.as_tensor(image, dtype=torch.float32, device=device)[None, None]
    with torch.inference_mode():
        out = _folded(net)(x, float(strength * sigma))[0, 0].cpu().numpy()
    return out.astype(np.float64) if image.dtype == np.float64 else out


def denoise_study(
    images: dict[str, np.ndarray],
    *,
    strength: float = 1.0,
    net: DLRNet | None = None,
    device: str = "cpu",
    show_pbar: bool = True,
) -> dict[str, np.ndarray]:
    """DLR-double-fast and DLR-triple-fast for every volunteer and slice (paper sets (3) and (5)).

    Parameters
    ----------
    images : dict
        At least ``"double-fast"`` and ``"triple-fast"``, float32 arrays (n_volunteers, 2, ny, nx).
    strength, net, device
        As for :func:`denoise`; sigma is estimated image by image.
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
    check_range("strength", strength, 0)
    net = _shipped(device) if net is None else net
    jobs = [(src, idx) for src in DLR_SETS for idx in np.ndindex(images[src].shape[:2])]
    out = {dst: np.empty_like(images[src], dtype=np.float32) for src, dst in DLR_SETS.items()}
    for src, idx in tqdm(jobs, desc="DLR", unit="image", disable=not show_pbar):
        out[DLR_SETS[src]][idx] = denoise(images[src][idx], strength=strength, net=net, device=device)
    return out


def metrics_table(
    cases: list[DomainImage],
    noise_levels: tuple[float, ...],
    *,
    seed: int,
    net: DLRNet | None = None,
    sigma_known: bool = False,
    show_pbar: bool = True,
) -> pd.DataFrame:
    """PSNR and SSIM before and after the DLR, per case and noise level (the ``dlr_metrics`` table).

    Each case gets Rician noise of SD ``noise_level * max(truth)`` from
    ``default_rng([seed, case, level])``; PSNR and SSIM use scikit-image with the
    truth's maximum as data range.

    Parameters
    ----------
    cases : list of DomainImage
        Noise-free images (held out from training).
    noise_levels : tuple of float
        Noise SD relative to the brightest tissue.
    seed : int
    net : DLRNet, optional
    sigma_known : bool
        Give the network the true sigma instead of estimating it from the noisy image.
    show_pbar : bool

    Returns
    -------
    DataFrame
        Columns ``domain, image, noise_level, sigma_used`` (the sigma given to the
        network, relative to the truth's maximum like ``noise_level``), ``psnr_before_db,
        psnr_after_db, ssim_before, ssim_after``.
    """
    check_range("seed", seed, 0, integer=True)
    for level in noise_levels:
        check_range("noise_levels", level, 0, low_inclusive=False)
    rows = []
    jobs = [(i, j) for i in range(len(cases)) for j in range(len(noise_levels))]
    for i, j in tqdm(jobs, desc="evaluating", unit="image", disable=not show_pbar):
        case, level = cases[i], noise_levels[j]
        scale = float(case.image.max())
        noisy = add_rician_noise(case.image, level * scale, np.random.default_rng([seed, i, j]))
        sigma = level * scale if sigma_known else estimate_sigma(noisy)
        out = denoise(noisy, sigma=sigma, net=net)
        before = psnr_ssim(case.image, noisy, data_range=scale)
        after = psnr_ssim(case.image, out, data_range=scale)
        rows.append((case.domain, case.name, level, sigma / scale, before[0], after[0], before[1], after[1]))
    return pd.DataFrame(
        rows,
        columns=["domain", "image", "noise_level", "sigma_used", "psnr_before_db", "psnr_after_db", "ssim_before", "ssim_after"],
    )


def radial_power_spectrum(image: np.ndarray, pixel_mm: tuple[float, float], n_bins: int = 40) -> Spectrum:
    """Power of the image's centred orthonormal DFT (:func:`lumbarlib.kspace.fft2c`), averaged over rings.

    Serves the architecture chapter's check that the low frequencies, which carry the
    contrast, pass the DLR untouched while the high ones are attenuated.

    Parameters
    ----------
    image : ndarray, shape (ny, nx)
    pixel_mm : (float, float)
        Row and column spacing, so frequencies come out in cycles/mm.
    n_bins : int
        Rings between zero and the smaller Nyquist frequency.
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"parameter 'image': must be a 2-D image, got shape {image.shape}")
    check_range("n_bins", n_bins, 2, integer=True)
    for spacing in pixel_mm:
        check_range("pixel_mm", spacing, 0, low_inclusive=False)
    ny, nx = image.shape
    fy = (np.arange(ny) - ny // 2) / (ny * pixel_mm[0])
    fx = (np.arange(nx) - nx // 2) / (nx * pixel_mm[1])
    radius = np.hypot(*np.meshgrid(fy, fx, indexing="ij"))
    nyquist = min(0.5 / pixel_mm[0], 0.5 / pixel_mm[1])
    edges = np.linspace(0.0, nyquist, n_bins + 1)
    which = np.digitize(radius.ravel(), edges) - 1
    keep = (which >= 0) & (which < n_bins)
    power = np.abs(fft2c(image)).ravel() ** 2
    total = np.bincount(which[keep], weights=power[keep], minlength=n_bins)
    count = np.bincount(which[keep], minlength=n_bins)
    return Spectrum(0.5 * (edges[:-1] + edges[1:]), total / np.maximum(count, 1))


def largest_error_window(image: np.ndarray, truth: np.ndarray, size: int) -> tuple[slice, slice]:
    """The ``size`` x ``size`` window where ``image`` departs most from ``truth`` (mean squared error).

    Used to zoom on what the DLR leaves behind, such as compressed-sensing streaks
    (paper Fig. 5b arrows): the window is found from the data, not chosen by hand.
    """
    image, truth = np.asarray(image, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    if image.shape != truth.shape or image.ndim != 2:
        raise ValueError(f"image and truth must be 2-D of one shape, got {image.shape} and {truth.shape}")
    check_range("size", size, 1, min(image.shape), integer=True)
    error = uniform_filter((image - truth) ** 2, size=size, mode="constant")
    half = size // 2
    inner = error[half : image.shape[0] - (size - half) + 1, half : image.shape[1] - (size - half) + 1]
    r, c = np.unravel_index(np.argmax(inner), inner.shape)
    return slice(int(r), int(r) + size), slice(int(c), int(c) + size)


def study_metrics(images: dict[str, np.ndarray], truth: np.ndarray) -> pd.DataFrame:
    """PSNR and SSIM of every image set against the simulation's noise-free truth.

    One row per set, volunteer and slice; the data range is the truth's maximum of that
    image, so sets compare on equal terms.

    Parameters
    ----------
    images : dict
        Set name -> float32 (n_volunteers, 2, ny, nx).
    truth : ndarray
        float32 (n_volunteers, 2, ny, nx).

    Returns
    -------
    DataFrame
        Columns ``set, volunteer, slice, psnr_db, ssim``.
    """
    rows = []
    for name, stack in images.items():
        if stack.shape != truth.shape:
            raise ValueError(f"images[{name!r}] has shape {stack.shape}, truth has {truth.shape}")
        for v, s in np.ndindex(stack.shape[:2]):
            psnr, ssim = psnr_ssim(truth[v, s], stack[v, s], data_range=float(truth[v, s].max()))
            rows.append((name, v, s, psnr, ssim))
    return pd.DataFrame(rows, columns=["set", "volunteer", "slice", "psnr_db", "ssim"])
