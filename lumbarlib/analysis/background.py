"""The background air of a magnitude image: its statistics, and how far a denoiser flattens it.

Serves the paper's SNR definition, SNR = SI / SD_air :cite:`kashiwagi2022lumbar`: whatever
changes the air's SD changes every SNR of Table 2. In a magnitude image with a single
receiver the air is Rayleigh distributed, SD / mean = sqrt(4 / pi - 1) = 0.523
:cite:`dietrich2007measurement` (NEMA MS 1 :cite:`nema2008ms1`), and neighbouring pixels are
uncorrelated; vendor reconstructions (filters, interpolation, intensity correction,
thresholding) change both. Comparing the simulated air with a real scan's air shows how far
the virtual scanner's background, the denominator of every SNR, is from a real one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import ndimage

from lumbarlib.core.checks import check_range
from lumbarlib.sim.kspace import complex_noise
from lumbarlib.sim.noise import check_image, estimate_sigma
from lumbarlib.sim.vendor import zero_filled

RAYLEIGH_SD_OVER_MEAN = float(np.sqrt(4.0 / np.pi - 1.0))
"""SD / mean of a Rayleigh variable: the air of a single-channel magnitude image."""

RAYLEIGH_MEAN_PER_SIGMA = float(np.sqrt(np.pi / 2.0))
"""Mean of a Rayleigh variable per sigma of the complex noise."""

LOCAL_PX = 9
"""Side of the local mean that decides what is air."""

AIR_LEVEL = 2.0
"""A pixel is air where its local mean is below this many Rayleigh means of the estimated noise."""


@dataclass(frozen=True)
class BackgroundStats:
    """Statistics of the air of one image.

    Attributes
    ----------
    n_pixels : int
        Air pixels measured.
    mean, sd : float
        Mean and sample SD of the air.
    sd_over_mean : float
        0.523 for Rayleigh air.
    zero_fraction : float
        Fraction of air pixels exactly 0 (set to zero by the reconstruction).
    lag1_rows, lag1_columns : float
        Correlation of neighbouring air pixels along rows and columns (0 for white noise).
    """

    n_pixels: int
    mean: float
    sd: float
    sd_over_mean: float
    zero_fraction: float
    lag1_rows: float
    lag1_columns: float


def air_mask(image: np.ndarray, *, margin_px: int = 4) -> np.ndarray:
    """The background air of a magnitude image, found from the image alone.

    Pixels whose :data:`LOCAL_PX`-pixel local mean lies below :data:`AIR_LEVEL` Rayleigh
    means of the noise SD (:func:`lumbarlib.sim.noise.estimate_sigma`), connected to the
    image border, eroded by ``margin_px`` (away from the skin's edge and its ringing). For
    real images without labels; the simulation also knows its air from the phantom's labels.
    """
    image = check_image(image)
    check_range("margin_px", margin_px, 0, 50, integer=True)
    local = ndimage.uniform_filter(image, LOCAL_PX)
    dark = local < AIR_LEVEL * RAYLEIGH_MEAN_PER_SIGMA * estimate_sigma(image)
    parts, _ = ndimage.label(dark)
    edge = np.unique(np.concatenate([parts[0], parts[-1], parts[:, 0], parts[:, -1]]))
    air = np.isin(parts, edge[edge > 0])
    return ndimage.binary_erosion(air, iterations=margin_px, border_value=1) if margin_px else air


def _lag1(image: np.ndarray, mask: np.ndarray, axis: int) -> float:
    """Correlation of pixel pairs one apart along ``axis`` with both pixels in ``mask``."""
    first = [slice(None)] * 2
    second = [slice(None)] * 2
    first[axis], second[axis] = slice(0, -1), slice(1, None)
    both = mask[tuple(first)] & mask[tuple(second)]
    a, b = image[tuple(first)][both], image[tuple(second)][both]
    if a.size < 3 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def background_stats(image: np.ndarray, mask: np.ndarray) -> BackgroundStats:
    """Mean, SD, SD/mean, zeros and neighbour correlations of ``image`` in the air ``mask``.

    Raises
    ------
    ValueError
        If the mask's shape differs from the image's or it holds fewer than 100 pixels.
    """
    image = check_image(image)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != image.shape:
        raise ValueError(f"parameter 'mask': shape {mask.shape} differs from the image's {image.shape}")
    n = int(mask.sum())
    if n < 100:
        raise ValueError(f"parameter 'mask': holds {n} air pixels; at least 100 are needed")
    air = image[mask]
    mean, sd = float(air.mean()), float(air.std(ddof=1))
    return BackgroundStats(
        n_pixels=n,
        mean=mean,
        sd=sd,
        sd_over_mean=sd / mean if mean > 0 else float("nan"),
        zero_fraction=float(np.mean(air == 0)),
        lag1_rows=_lag1(image, mask, 1),
        lag1_columns=_lag1(image, mask, 0),
    )


def sd_reduction(image: np.ndarray, mask: np.ndarray, denoiser: Callable[[np.ndarray], np.ndarray]) -> float:
    """How many times ``denoiser`` lowers the SD of the air: SD_air(image) / SD_air(denoised).

    This is the factor by which SI / SD_air rises when the tissue SI is unchanged (paper,
    SNR formula); on a real scan it is what the DLR's SNR gain can be at most from the air.
    """
    before = background_stats(image, mask).sd
    after = background_stats(np.asarray(denoiser(image), dtype=np.float64), mask).sd
    return before / after if after > 0 else float("inf")


def normalised_histogram(image: np.ndarray, mask: np.ndarray, *, bins: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Density of the air values divided by their mean (bin centres, density): comparable across scales.

    ``bins`` bins span 0 to 4 means; integer-valued air (a scanner's stored image, whose
    background is a few digital units) gets one bin per integer instead, so the histogram
    shows the data rather than the quantisation.
    """
    check_range("bins", bins, 5, 1000, integer=True)
    air = check_image(image)[np.asarray(mask, dtype=bool)]
    mean = air.mean()
    if np.all(air == np.round(air)) and 4.0 * mean / bins < 1.0:
        edges = np.arange(-0.5, 4.0 * mean + 1.0, 1.0) / mean
    else:
        edges = np.linspace(0.0, 4.0, bins + 1)
    density, edges = np.histogram(air / mean, bins=edges, density=True)
    return (edges[:-1] + edges[1:]) / 2.0, density


def background_table(
    images: dict[str, tuple[np.ndarray, np.ndarray]], denoiser: Callable[[np.ndarray], np.ndarray]
) -> pd.DataFrame:
    """:func:`background_stats` and :func:`sd_reduction` of several images side by side.

    Parameters
    ----------
    images : dict of str to (image, air mask)
        Name (``"real lumbar scan"``, ``"simulated standard"`` ...) -> the image and its air.
    denoiser : callable
        Image -> denoised image (the DLR as the study applies it).

    Returns
    -------
    DataFrame
        One row per image: its name, the fields of :class:`BackgroundStats` and
        ``denoiser_sd_reduction``, with the Rayleigh values as a last row for reference.
    """
    rows = []
    for name, (image, mask) in images.items():
        stats = background_stats(image, mask)
        rows.append({"image": name, **asdict(stats), "denoiser_sd_reduction": sd_reduction(image, mask, denoiser)})
    rows.append(
        {
            "image": "Rayleigh (single-channel magnitude air)",
            "sd_over_mean": RAYLEIGH_SD_OVER_MEAN,
            "zero_fraction": 0.0,
            "lag1_rows": 0.0,
            "lag1_columns": 0.0,
        }
    )
    return pd.DataFrame(rows)


BACKGROUNDS: dict[str, int] = {
    "white (the book's scanner)": 1,
    "zero-filled 2x (a vendor's interpolation)": 2,
}
"""Noise-only air of :func:`air_reduction_table`: name -> zero-filling factor (1: none)."""


def noise_only_air(shape: tuple[int, int], sigma: float, rng: np.random.Generator, *, factor: int = 1) -> np.ndarray:
    """Air as a reconstruction leaves it: the magnitude of complex Gaussian noise, white or interpolated.

    Noise of SD ``sigma`` per real and imaginary part on a matrix ``factor`` times coarser,
    zero-filled to ``shape`` (:func:`lumbarlib.sim.vendor.zero_filled`); each pixel keeps the
    SD ``sigma``, neighbours correlate for ``factor`` > 1. Rayleigh air
    :cite:`gudbjartsson1995rician`.
    """
    check_range("sigma", sigma, 0.0, low_inclusive=False)
    check_range("factor", factor, 1, 4, integer=True)
    if len(shape) != 2 or any(n % factor or n < 16 * factor for n in shape):
        raise ValueError(
            f"parameter 'shape' = {shape!r}: needs two sides, each a multiple of {factor} and >= {16 * factor}"
        )
    coarse = complex_noise((shape[0] // factor, shape[1] // factor), sigma * np.sqrt(2.0), rng, dtype=np.complex128)
    return np.abs(zero_filled(coarse, factor))


def air_reduction_table(
    denoiser: Callable[[np.ndarray, float | None], np.ndarray],
    *,
    sigma: float,
    shape: tuple[int, int] = (320, 384),
    seed: int = 0,
    margin_px: int = 16,
) -> pd.DataFrame:
    """How far a denoiser lowers the SD of noise-only air, white or correlated, with its noise SD known or estimated.

    Serves the paper's SNR, SI / SD_air :cite:`kashiwagi2022lumbar`: where the tissue SI is
    unchanged, a denoiser's SNR gain is the factor by which it lowers SD_air. A soft-threshold
    denoiser removes white noise almost entirely, but noise whose neighbours correlate (as
    after a vendor's zero-filled interpolation, :cite:`bernstein2001zerofill`) lies partly in
    the low spatial frequencies it leaves alone, and a noise estimate from the finest
    wavelet band (:func:`lumbarlib.sim.noise.estimate_sigma`) reads such noise low.

    Parameters
    ----------
    denoiser : callable
        ``denoiser(image, sigma)``: the denoised image, told the noise SD ``sigma`` per
        component, or estimating it itself when ``sigma`` is None.
    sigma : float
        Noise SD per real and imaginary part of the air.
    shape : (int, int)
        Matrix of the air (default Table 1's 320 x 384).
    seed : int
        Seeds the noise (one generator per background).
    margin_px : int
        Pixels at the border left out of the SDs (the denoiser's edge handling).

    Returns
    -------
    DataFrame
        One row per background of :data:`BACKGROUNDS`: ``lag1_rows``, ``lag1_columns`` and
        ``sd_over_mean`` of the air (:func:`background_stats`), ``sigma_estimated_ratio``
        (estimate / true), and ``reduction_known_sigma`` and ``reduction_estimated_sigma``
        (:func:`sd_reduction`).
    """
    check_range("margin_px", margin_px, 0, min(shape) // 4, integer=True)
    mask = np.zeros(shape, dtype=bool)
    mask[margin_px : shape[0] - margin_px, margin_px : shape[1] - margin_px] = True
    rows = []
    for k, (name, factor) in enumerate(BACKGROUNDS.items()):
        air = noise_only_air(shape, sigma, np.random.default_rng([seed, k]), factor=factor)
        stats = background_stats(air, mask)
        rows.append(
            {
                "background": name,
                "lag1_rows": stats.lag1_rows,
                "lag1_columns": stats.lag1_columns,
                "sd_over_mean": stats.sd_over_mean,
                "sigma_estimated_ratio": estimate_sigma(air) / sigma,
                "reduction_known_sigma": sd_reduction(air, mask, lambda im: denoiser(im, sigma)),
                "reduction_estimated_sigma": sd_reduction(air, mask, lambda im: denoiser(im, None)),
            }
        )
    return pd.DataFrame(rows)
