"""What the DLR did, measured: held-out PSNR/SSIM, power spectra, the largest error, the study's metrics.

Serves the DLR chapter's evaluation of the network on held-out 3T brain and knee images
and on the study's sets against the noise-free truth (the simulation knows it; the
paper's scanner did not), and the paper's discussion of blurring :cite:`kashiwagi2022lumbar`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter, maximum_filter, uniform_filter
from tqdm.auto import tqdm

from lumbarlib.core.checks import check_range
from lumbarlib.dlr.comparison import case_metrics, si_over_air_sd, si_over_sd
from lumbarlib.dlr.denoise import denoise
from lumbarlib.dlr.network import DLRNet
from lumbarlib.dlr.training_data import DomainImage, scaled
from lumbarlib.sim.acquisition import background_air_mask
from lumbarlib.sim.kspace import fft2c
from lumbarlib.sim.labels import LABELS
from lumbarlib.sim.noise import add_rician_noise, estimate_sigma, psnr_ssim, wavelet_sigma
from lumbarlib.study.design import DLR_SETS
from lumbarlib.study.imagesets import StudyImages


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
    """PSNR and SSIM before and after the DLR at strength 1 (as trained), per case and noise level (``dlr_metrics``).

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
        out = denoise(noisy, sigma=sigma, strength=1.0, net=net)
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


def largest_error_window(
    image: np.ndarray, truth: np.ndarray, size: int, *, region: tuple[slice, slice] | None = None
) -> tuple[slice, slice]:
    """The ``size`` x ``size`` window where ``image`` departs most from ``truth`` (mean squared error).

    Used to zoom on what the DLR leaves behind, such as compressed-sensing streaks
    (paper Fig. 5b arrows): the window is found from the data, not chosen by hand.
    ``region`` (rows, columns) limits the search, e.g. to the spine
    (:func:`lumbarlib.sim.labels.spine_region`); the window is returned in the whole image's
    pixels and lies inside the region unless the region is smaller than ``size``.
    """
    image, truth = np.asarray(image, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    if image.shape != truth.shape or image.ndim != 2:
        raise ValueError(f"image and truth must be 2-D of one shape, got {image.shape} and {truth.shape}")
    check_range("size", size, 1, min(image.shape), integer=True)
    if region is not None:
        rows, cols = region
        r0, r1, _ = rows.indices(image.shape[0])
        c0, c1, _ = cols.indices(image.shape[1])
        # widen a region smaller than the window, inside the image
        r0, c0 = max(0, min(r0, r1 - size)), max(0, min(c0, c1 - size))
        r1, c1 = max(r1, r0 + size), max(c1, c0 + size)
        inner_rows, inner_cols = largest_error_window(image[r0:r1, c0:c1], truth[r0:r1, c0:c1], size)
        return (
            slice(inner_rows.start + r0, inner_rows.stop + r0),
            slice(inner_cols.start + c0, inner_cols.stop + c0),
        )
    error = uniform_filter((image - truth) ** 2, size=size, mode="constant")
    half = size // 2
    inner = error[half : image.shape[0] - (size - half) + 1, half : image.shape[1] - (size - half) + 1]
    r, c = np.unravel_index(np.argmax(inner), inner.shape)
    return slice(int(r), int(r) + size), slice(int(c), int(c) + size)


def residue_peaks(
    image: np.ndarray,
    truth: np.ndarray,
    window: tuple[slice, slice],
    *,
    n: int = 3,
    smooth_px: float = 1.5,
    min_separation_px: int = 8,
) -> list[tuple[int, int]]:
    """Where, inside ``window``, ``image`` departs from ``truth`` in a structured way: the points for arrows.

    Serves the arrows of the paper's Fig. 5b, which mark compressed-sensing residue the DLR
    leaves. The signed error is smoothed with a Gaussian of ``smooth_px`` pixels, so that
    uncorrelated noise averages out while coherent residue (streaks, blurred edges) stays;
    the ``n`` largest local maxima of its magnitude, at least ``min_separation_px`` apart,
    are returned, largest first; the image's outer ``2 * smooth_px`` pixels are left out. Found
    from the data, not placed by hand.

    Returns
    -------
    list of (int, int)
        Row and column of each peak, in the pixels of the whole image.
    """
    image, truth = np.asarray(image, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    if image.shape != truth.shape or image.ndim != 2:
        raise ValueError(f"image and truth must be 2-D of one shape, got {image.shape} and {truth.shape}")
    check_range("n", n, 1, integer=True)
    check_range("smooth_px", smooth_px, 0, low_inclusive=False)
    check_range("min_separation_px", min_separation_px, 1, integer=True)
    rows, cols = window
    structured = np.abs(gaussian_filter(image - truth, smooth_px))
    edge = int(np.ceil(2 * smooth_px))  # the image's border, where the filter averages fewer pixels
    structured[:edge], structured[-edge:], structured[:, :edge], structured[:, -edge:] = 0, 0, 0, 0
    structured = structured[rows, cols]
    if structured.size == 0:
        raise ValueError(f"parameter 'window' = {window!r}: selects no pixel of an image of shape {image.shape}")
    peaks = (structured == maximum_filter(structured, size=2 * min_separation_px + 1)) & (structured > 0)
    order = np.argsort(structured[peaks])[::-1]
    r0, c0 = rows.indices(image.shape[0])[0], cols.indices(image.shape[1])[0]
    points = np.argwhere(peaks)[order][:n]
    return [(int(r) + r0, int(c) + c0) for r, c in points]


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


def real_scan_table(
    image: np.ndarray,
    *,
    levels: tuple[float, ...],
    strength: float,
    seed: int,
    net: DLRNet | None = None,
) -> pd.DataFrame:
    """The DLR on a real lumbar slice: as acquired, and with added noise of known SD (the denoising chapter's table).

    Serves the paper's question whether a DLR trained on 3T brain and knee carries over to
    the lumbar spine :cite:`kashiwagi2022lumbar`, on a real scan rather than the simulation.
    The slice is scaled to its 99.5th percentile (:func:`lumbarlib.dlr.training_data.scaled`).
    *As acquired*: its noise is unknown, so sigma is estimated
    (:func:`lumbarlib.sim.noise.estimate_sigma`); only SI/SD_air can be measured. *Added
    noise*: the slice itself is the reference, noise of SD ``level`` is added, the DLR is
    given the total noise, and every metric of :func:`lumbarlib.dlr.comparison.case_metrics`
    is measured.

    Returns
    -------
    DataFrame
        Columns ``condition, sigma, psnr_noisy_db, psnr_db, ssim, noise_gain, edge_ratio,
        si_sd_air_gain`` (missing where no reference exists).
    """
    check_range("strength", strength, 0)
    ref = scaled(image).astype(np.float64)
    sigma = estimate_sigma(ref)
    out = denoise(ref, sigma=sigma, strength=strength, net=net)
    rows = [{"condition": "as acquired (sigma estimated)", "sigma": sigma,
             "si_sd_air_gain": si_over_air_sd(out, ref) / si_over_air_sd(ref, ref)}]  # fmt: skip
    case = DomainImage("lumbar", "real lumbar", ref.astype(np.float32), "real", wavelet_sigma(ref))
    for level in levels:
        check_range("levels", level, 0, low_inclusive=False)
        metrics = case_metrics("dlr", strength, case, level, seed, net)
        rows.append({"condition": f"added noise {level:g}", "sigma": float(np.hypot(case.sigma0, level)), **metrics})
    columns = ["condition", "sigma", "psnr_noisy_db", "psnr_db", "ssim", "noise_gain", "edge_ratio", "si_sd_air_gain"]
    return pd.DataFrame(rows).reindex(columns=columns)


def study_sigma_table(images: dict[str, np.ndarray], known: dict[str, float]) -> pd.DataFrame:
    """:func:`lumbarlib.sim.noise.estimate_sigma` on the study's accelerated sets against their known sigma.

    Serves the check of the noise estimate on compressed-sensing images (the paper's DLR
    scales its thresholds with the input's noise level :cite:`kashiwagi2022lumbar`): a CS
    reconstruction flattens the air the estimate reads.

    Parameters
    ----------
    images : dict
        Set name -> (n_volunteers, slices, ny, nx).
    known : dict
        Set name -> the acquisition's known sigma (:func:`lumbarlib.dlr.denoise.acquisition_sigmas`).

    Returns
    -------
    DataFrame
        ``set, known_sigma, mean_estimate, bias_percent, spread_percent`` (SD of estimate / known - 1, in %).
    """
    rows = []
    for name, sigma in known.items():
        flat = np.asarray(images[name]).reshape(-1, *np.shape(images[name])[-2:])
        ratio = np.array([estimate_sigma(image) for image in flat]) / sigma
        rows.append((name, sigma, float(ratio.mean() * sigma), 100 * float(ratio.mean() - 1), 100 * float(ratio.std())))
    return pd.DataFrame(rows, columns=["set", "known_sigma", "mean_estimate", "bias_percent", "spread_percent"])


def study_gain_table(study: StudyImages) -> pd.DataFrame:
    """SI/SD_air gain of each DLR set over its source on the simulated study, in masks the phantom gives.

    Serves the side-by-side of the DLR's effect on the real lumbar scan, the simulated study
    and the paper's Table 2 :cite:`kashiwagi2022lumbar`: SI is the mean over all tissue of a
    slice, SD_air the SD over the anterior background air
    (:func:`lumbarlib.sim.acquisition.background_air_mask`), per volunteer and slice.

    Returns
    -------
    DataFrame
        ``set, mean_gain, sd_gain`` over volunteers and slices.
    """
    rows = []
    for src, dst in DLR_SETS.items():
        gains = []
        for idx in np.ndindex(study.truth.shape[:2]):
            labels = study.labels[idx]
            masks = labels != LABELS["air"], background_air_mask(labels)
            gains.append(si_over_sd(study.images[dst][idx], *masks) / si_over_sd(study.images[src][idx], *masks))
        rows.append((src, float(np.mean(gains)), float(np.std(gains))))
    return pd.DataFrame(rows, columns=["set", "mean_gain", "sd_gain"])
