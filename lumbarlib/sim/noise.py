"""Noise of magnitude MR images: Rician corruption and the sigma the DLR's thresholds scale with.

Complex Gaussian noise of standard deviation ``sigma`` per component, then the
magnitude, is what a scanner's magnitude image carries: Rician in tissue (close to
Gaussian of SD ``sigma`` once the signal exceeds ~3 sigma) and Rayleigh in the air
background (mean ``sigma * sqrt(pi / 2)``, SD ``0.655 sigma``; Gudbjartsson and Patz 1995).
The DLR's thresholds are proportional to ``sigma`` (Isogawa et al. 2018), so the
denoiser needs it, given or estimated from the image.
"""

from __future__ import annotations

import numpy as np
import pywt
from scipy.ndimage import binary_erosion, uniform_filter
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from skimage.restoration import estimate_sigma as _skimage_sigma

from lumbarlib.core.checks import check_range

MAD_TO_SD = 0.6745  # median(|x|) / SD of a zero-mean Gaussian
FOREGROUND_SNR = 5.0  # local mean above this many (first-pass) sigmas counts as tissue
EDGE_MARGIN = 2  # tissue coefficients this close to its border (edges, not noise) are left out
MIN_FOREGROUND = 64  # wavelet coefficients needed for the tissue-only estimate
AIR_LOCAL_PX = 5  # side of the local mean that decides what is air
# Local mean below this many sigmas counts as air. The 5 x 5 mean of Rayleigh air is 1.25 sigma with an
# SD of 0.13 sigma: 2 sigma keeps all of it (5.7 SDs) and lets in only tissue whose signal is below about
# 1.7 sigma; a looser level takes in dark tissue, whose Rician median reads high (on the lumbar phantom,
# 3 sigma overestimated sigma by up to 50 % at high noise).
AIR_LEVEL = 2.0
AIR_ITERATIONS = 3
MIN_AIR_FRACTION = 0.02
RAYLEIGH_CV_RANGE = (0.4, 0.65)  # SD / mean of a Rayleigh variable is 0.523
MAX_AIR_TO_TISSUE = 1.6  # air sigma above this many wavelet sigmas is not air (Rayleigh SD is 0.655 sigma)
MAX_NEGATIVE_FRACTION = 0.01  # a few negative pixels (interpolation) still make a magnitude image
RAYLEIGH_MEDIAN = float(np.sqrt(2.0 * np.log(2.0)))  # median of a unit Rayleigh variable


MAX_ABS_PIXEL = 1e30
"""Largest pixel magnitude accepted: the DLR's float32 arithmetic sums 49 weighted pixels per output."""


def check_image(image: np.ndarray, name: str = "image") -> np.ndarray:
    """``image`` as float64, after checking it is one real, finite 2-D image with sides >= 8 pixels.

    Raises ValueError naming ``name`` otherwise: for a complex image (pass its magnitude),
    non-numeric data, or pixels beyond :data:`MAX_ABS_PIXEL` (rescale the image).
    """
    image = np.asarray(image)
    if np.iscomplexobj(image):
        raise ValueError(f"parameter {name!r}: is complex; the DLR takes a magnitude image: pass np.abs({name})")
    if not (np.issubdtype(image.dtype, np.number) or image.dtype == bool):
        raise ValueError(f"parameter {name!r}: holds {image.dtype} data; must be a numeric image")
    if image.ndim != 2:
        raise ValueError(f"parameter {name!r}: must be a 2-D image, got shape {image.shape}")
    if min(image.shape) < 8:
        raise ValueError(f"parameter {name!r}: both sides must be >= 8 pixels, got shape {image.shape}")
    if not np.all(np.isfinite(image)):
        raise ValueError(f"parameter {name!r}: contains NaN or infinite pixels")
    largest = float(np.max(np.abs(image)))
    if largest > MAX_ABS_PIXEL:
        raise ValueError(
            f"parameter {name!r}: pixel magnitude {largest:.3g} exceeds {MAX_ABS_PIXEL:.0e}, more than the DLR's "
            f"float32 arithmetic holds; rescale the image (the DLR is scale-equivariant)"
        )
    return image.astype(np.float64, copy=False)


def add_rician_noise(clean: np.ndarray, sigma: float | np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Magnitude of ``clean`` plus complex Gaussian noise of SD ``sigma`` per component.

    Parameters
    ----------
    clean : ndarray
        Noise-free image(s), real (magnitude) or complex.
    sigma : float or ndarray
        Noise SD per real/imaginary component, broadcastable against ``clean``.
    rng : numpy.random.Generator
        Source of every random draw.

    Returns
    -------
    ndarray, float64, same shape as ``clean``
    """
    sigma_arr = np.asarray(sigma, dtype=np.float64)
    if not np.all(np.isfinite(sigma_arr)) or np.any(sigma_arr < 0):
        raise ValueError(f"parameter 'sigma' = {sigma!r}: must be finite and >= 0")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"parameter 'rng' = {rng!r}: must be a numpy.random.Generator")
    clean = np.asarray(clean)
    noise = rng.standard_normal(clean.shape) + 1j * rng.standard_normal(clean.shape)
    return np.abs(clean + sigma_arr * noise)


def wavelet_sigma(image: np.ndarray) -> float:
    """Noise SD measured in tissue by the Donoho-Johnstone wavelet MAD (any 2-D image).

    First scikit-image's :func:`skimage.restoration.estimate_sigma` (median absolute
    finest diagonal db2 wavelet coefficient / 0.6745; Donoho and Johnstone 1994) over the
    whole image. That estimator assumes Gaussian noise everywhere; in a magnitude MR
    image the air background is Rayleigh distributed with SD 0.655 sigma, so a large
    background pulls it down by up to a third. The median is therefore taken again over
    the coefficients whose local mean (approximation coefficient) exceeds
    ``FOREGROUND_SNR`` first-pass sigmas, where magnitude noise is Gaussian of SD sigma,
    leaving out ``EDGE_MARGIN`` coefficients along the tissue border, whose detail
    coefficients measure the edge rather than the noise. If too few such coefficients
    exist, the first-pass value is returned. Fine texture and Gibbs ringing also reach
    the finest wavelet band, so at high SNR this estimate runs high.
    """
    image = check_image(image)
    first_pass = float(_skimage_sigma(image, channel_axis=None))
    approx, (_, _, diagonal) = pywt.dwt2(image, "db2")
    # the 2-D db2 low-pass has DC gain 2: approx / 2 is the local mean
    tissue = binary_erosion(approx / 2.0 > FOREGROUND_SNR * first_pass, iterations=EDGE_MARGIN)
    if np.count_nonzero(tissue) < MIN_FOREGROUND:
        return first_pass
    return float(np.median(np.abs(diagonal[tissue])) / MAD_TO_SD)


def air_sigma(image: np.ndarray) -> float | None:
    """Noise SD from the Rayleigh-distributed air of a magnitude image, or None without enough air.

    Where the true signal is zero, the magnitude of complex Gaussian noise of SD sigma is
    Rayleigh distributed, with median ``sigma * sqrt(2 ln 2)`` (Gudbjartsson and Patz
    1995; the background-air method of Dietrich et al. 2007). Air is found iteratively:
    pixels whose ``AIR_LOCAL_PX``-pixel local mean is below ``AIR_LEVEL`` sigmas (starting
    from :func:`wavelet_sigma`), exact zeros (masked pixels) left out; the median keeps
    the few dark tissue pixels caught with it from mattering. This reads the noise itself
    rather than the finest image detail, so unlike the wavelet estimate it does not run
    high on textured images. It assumes a sensitivity-weighted (Roemer/SENSE-type) coil
    combination; a root-sum-of-squares image's air is not Rayleigh.

    Returns
    -------
    float or None
        None if more than ``MAX_NEGATIVE_FRACTION`` of the pixels are negative (not a
        magnitude image) or less than ``MIN_AIR_FRACTION`` of it is air.
    """
    image = check_image(image)
    if np.mean(image < 0) > MAX_NEGATIVE_FRACTION:
        return None
    tissue_sigma = wavelet_sigma(image)
    sigma = tissue_sigma
    local = uniform_filter(image, AIR_LOCAL_PX)
    for _ in range(AIR_ITERATIONS):
        air = (local < AIR_LEVEL * sigma) & (image > 0)
        if air.mean() < MIN_AIR_FRACTION:
            return None
        sigma = float(np.median(image[air]) / RAYLEIGH_MEDIAN)
    spread = float(np.std(image[air]) / np.mean(image[air]))
    if not RAYLEIGH_CV_RANGE[0] < spread < RAYLEIGH_CV_RANGE[1] or sigma > MAX_AIR_TO_TISSUE * tissue_sigma:
        return None  # what was found is dark tissue, not Rayleigh air
    return sigma


def estimate_sigma(image: np.ndarray) -> float:
    """Noise SD of a magnitude image: from its air (:func:`air_sigma`) if it has enough, else :func:`wavelet_sigma`.

    Parameters
    ----------
    image : ndarray, shape (ny, nx)
        Magnitude image, finite, sides >= 8 pixels.

    Returns
    -------
    float
        Estimated sigma (same units as the image): the SD of the complex Gaussian noise
        per real/imaginary component.
    """
    check_image(image)
    if np.ptp(image) == 0:
        return 0.0  # a constant image holds no noise
    from_air = air_sigma(image)
    return from_air if from_air is not None else wavelet_sigma(image)


def psnr_ssim(truth: np.ndarray, image: np.ndarray, *, data_range: float | None = None) -> tuple[float, float]:
    """PSNR (dB) and SSIM of ``image`` against the noise-free ``truth`` (scikit-image metrics).

    ``data_range`` defaults to the truth's maximum, so all images of one comparison share it.
    """
    truth = check_image(truth, "truth")
    image = check_image(image, "image")
    if truth.shape != image.shape:
        raise ValueError(f"truth and image shapes differ: {truth.shape} vs {image.shape}")
    if data_range is None:
        data_range = float(truth.max())
    check_range("data_range", data_range, 0, low_inclusive=False)
    return (
        float(peak_signal_noise_ratio(truth, image, data_range=data_range)),
        float(structural_similarity(truth, image, data_range=data_range)),
    )
