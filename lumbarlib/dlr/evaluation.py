"""What the DLR did, measured: held-out PSNR/SSIM, power spectra, the largest error, the study's metrics.

Serves the DLR chapter's evaluation of the network on held-out 3T brain and knee images
and on the study's sets against the noise-free truth (the simulation knows it; the
paper's scanner did not), and the paper's discussion of blurring :cite:`kashiwagi2022lumbar`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter
from tqdm.auto import tqdm

from lumbarlib.core.checks import check_range
from lumbarlib.dlr.denoise import denoise
from lumbarlib.dlr.network import DLRNet
from lumbarlib.dlr.training_data import DomainImage
from lumbarlib.sim.kspace import fft2c
from lumbarlib.sim.noise import add_rician_noise, estimate_sigma, psnr_ssim


@dataclass(frozen=True)
class Spectrum:
    """Radially averaged power spectrum: bin centres (cycles/mm) and mean power per bin."""

    frequency_per_mm: np.ndarray
    power: np.ndarray


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
        columns=[
            "domain",
            "image",
            "noise_level",
            "sigma_used",
            "psnr_before_db",
            "psnr_after_db",
            "ssim_before",
            "ssim_after",
        ],
    )


def radial_power_spectrum(image: np.ndarray, pixel_mm: tuple[float, float], n_bins: int = 40) -> Spectrum:
    """Power of the image's centred orthonormal DFT (:func:`lumbarlib.sim.kspace.fft2c`), averaged over rings.

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
