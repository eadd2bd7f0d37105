"""Image formation: multi-coil k-space with noise, NEX averaging, compressed sensing, coil combination.

One acquisition of one slice, for any protocol of Table 1 :cite:`kashiwagi2022lumbar`:

1. the coil images are the object times each coil's sensitivity, and their k-space is
   the centred orthonormal FFT (:mod:`lumbarlib.sim.kspace`);
2. every sampled k-space line of every coil gets complex Gaussian noise of SD
   ``noise_sd`` (optionally correlated across coils), once per excitation, and the NEX
   excitations are averaged, so the noise SD falls as :math:`1/\\sqrt{NEX}`;
3. fully sampled data (standard, double-fast) are combined with the sensitivities
   (Roemer's optimal combination for white noise, i.e. SENSE at R = 1,
   :cite:`roemer1990nmr`): :math:`\\hat m = \\sum_c S_c^* F^{-1} y_c` with
   :math:`\\sum_c |S_c|^2 = 1`; undersampled data (triple-fast) are compressed to 6
   virtual coils and reconstructed by L1-wavelet compressed sensing (:mod:`lumbarlib.sim.cs`);
4. the magnitude is taken, and (by default in the study) multiplied by the vendor's
   intensity correction, which removes the coil shading (:mod:`lumbarlib.sim.vendor`).

With unit-RSS maps the combined noise is complex Gaussian of the same SD everywhere, so
background air in the magnitude image is Rayleigh distributed: its SD is
:math:`\\sqrt{(4-\\pi)/4}\\,\\sigma/\\sqrt{NEX} \\approx 0.463\\,\\sigma/\\sqrt{NEX}`, not
:math:`\\sigma` :cite:`gudbjartsson1995rician`, :cite:`dietrich2007measurement`.
The noise scale is calibrated once (:func:`calibrate_noise_sd`) so that the standard
protocol's fat SNR, measured the paper's way, is near the published 111.3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from lumbarlib.core.checks import check_range
from lumbarlib.sim.coils import prewhitener, svd_compression
from lumbarlib.sim.cs import cs_reconstruct
from lumbarlib.sim.kspace import complex_noise, fft2c, ifft2c
from lumbarlib.sim.labels import LABELS, level_rows
from lumbarlib.sim.sampling import phase_encode_mask
from lumbarlib.study.protocol import PROTOCOLS, Protocol

PAPER_FAT_SNR = 111.3
"""Standard protocol, retroperitoneal fat at S1: mean SNR over the 10 volunteers (paper Table 2)."""

CS_LAMBDA_PER_NOISE_SD = 0.2
"""L1-wavelet weight in units of the k-space noise SD (see :func:`acquire_image`).

Chosen, with the default 20 FISTA iterations, as the weight that minimises the RMS error
against the truth inside the body for a volunteer at the paper's noise level; the optimum
is flat from about 0.15 to 0.3 (weights below it leave the ill-conditioned unfolding
noise, above it blur), and more iterations let the noise of the poorly encoded
directions grow back (RMS error 1.80 sigma at 20 iterations, 1.88 at 60). That was measured
on the scanner model without echo-train decay, motion and chemical shift, whose systematic
errors now dominate the error against the truth and do not depend on the weight; the weight
was kept. The scanner's vendor tunes its regulariser on data too; the paper does not say how.
"""

N_VIRTUAL_COILS = 6
"""Virtual coils kept by SVD coil compression before compressed sensing."""


def combine_coils(coil_images: np.ndarray, maps: np.ndarray) -> np.ndarray:
    """Sensitivity-weighted coil combination :math:`\\sum_c S_c^* x_c / \\sum_c |S_c|^2` (complex).

    With unit root-sum-of-squares maps the denominator is 1 and this is Roemer's optimal
    combination for uncorrelated noise; it returns the object times the coil shading.
    """
    if coil_images.shape != maps.shape:
        raise ValueError(f"coil images {coil_images.shape} and maps {maps.shape} differ in shape")
    num = np.einsum("cyx,cyx->yx", np.conj(maps), coil_images)
    den = np.einsum("cyx,cyx->yx", maps.real, maps.real) + np.einsum("cyx,cyx->yx", maps.imag, maps.imag)
    return num / np.maximum(den, 1e-12)


def acquire_kspace(
    signal: np.ndarray,
    coil_maps: np.ndarray,
    protocol: Protocol,
    *,
    noise_sd: float,
    rng: np.random.Generator,
    mask: np.ndarray | None = None,
    noise_covariance: np.ndarray | None = None,
) -> np.ndarray:
    """Multi-coil k-space of one slice averaged over the protocol's NEX; unsampled lines are zero.

    Parameters
    ----------
    signal : ndarray (ny, nx)
        Noise-free object image, on the scale of the combined image (real or complex).
    coil_maps : ndarray (n_coils, ny, nx)
        Sensitivities with unit root-sum-of-squares.
    protocol : Protocol
        Supplies NEX.
    noise_sd : float
        Noise SD per complex k-space sample and excitation (>= 0).
    rng : numpy.random.Generator
        The only source of randomness.
    mask : ndarray of bool (ny,), optional
        Acquired phase-encode lines (default: all).
    noise_covariance : ndarray (n_coils, n_coils), optional
        Receiver noise covariance relative to ``noise_sd**2``.

    Returns
    -------
    ndarray, complex64, shape (n_coils, ny, nx)
    """
    check_range("noise_sd", noise_sd, 0.0)
    signal = np.asarray(signal)
    if signal.ndim != 2 or coil_maps.shape[1:] != signal.shape:
        raise ValueError(f"signal shape {signal.shape} does not match coil maps {coil_maps.shape}")
    kspace = fft2c(coil_maps * signal.astype(np.complex64)).astype(np.complex64, copy=False)
    rows = slice(None) if mask is None else np.flatnonzero(mask)
    if noise_sd > 0:
        shape = (coil_maps.shape[0], kspace[:, rows].shape[1], signal.shape[1])
        for _ in range(protocol.nex):
            kspace[:, rows] += complex_noise(shape, noise_sd / protocol.nex, rng, noise_covariance)
    if mask is not None:
        kspace[:, ~mask] = 0
    return kspace


def acquire_image(
    signal: np.ndarray,
    coil_maps: np.ndarray,
    protocol: Protocol,
    *,
    noise_sd: float,
    rng: np.random.Generator,
    cs_iterations: int = 20,
    show_pbar: bool = False,
    mask: np.ndarray | None = None,
    noise_covariance: np.ndarray | None = None,
    cs_lambda: float | None = None,
    intensity_correction: np.ndarray | None = None,
) -> np.ndarray:
    """Acquire one slice with a protocol and reconstruct its coil-combined magnitude image.

    Parameters
    ----------
    signal : ndarray (ny, nx)
        Noise-free object image as the combined image shows it (the phantom times the
        coil shading; :class:`lumbarlib.study.imagesets.StudyImages` ``truth``); a crop works too.
    coil_maps : ndarray (n_coils, ny, nx)
        Sensitivities with unit root-sum-of-squares, on the same grid as ``signal``.
    protocol : Protocol
        NEX and CS factor decide the acquisition and the reconstruction.
    noise_sd : float
        Noise SD per complex k-space sample and excitation (:func:`calibrate_noise_sd`).
    rng : numpy.random.Generator
        Noise (and, when ``mask`` is None and the protocol undersamples, the mask).
    cs_iterations : int
        FISTA iterations of the compressed-sensing reconstruction.
    show_pbar : bool
        Progress bar of the CS solver.
    mask : ndarray of bool (ny,), optional
        Phase-encode lines acquired; default: all lines when ``cs_factor == 1``, else a
        fresh :func:`lumbarlib.sim.sampling.phase_encode_mask`.
    noise_covariance : ndarray, optional
        Receiver noise covariance relative to ``noise_sd**2`` (default: uncorrelated); data
        and sensitivities are prewhitened with it before the reconstruction
        (:func:`lumbarlib.sim.coils.prewhitener`).
    cs_lambda : float, optional
        L1-wavelet weight; default ``CS_LAMBDA_PER_NOISE_SD * noise_sd / sqrt(NEX)``,
        i.e. the soft threshold tracks the noise actually in the data.
    intensity_correction : ndarray (ny, nx), optional
        Multiplies the magnitude (:func:`lumbarlib.sim.vendor.intensity_correction`);
        default none.

    Returns
    -------
    ndarray, float32, shape (ny, nx)
        Magnitude image on the scale of ``signal`` (times ``intensity_correction``).
    """
    check_range("cs_iterations", cs_iterations, 1, None, integer=True)
    ny = signal.shape[0]
    if intensity_correction is not None and np.shape(intensity_correction) != np.shape(signal):
        raise ValueError(
            f"parameter 'intensity_correction': shape {np.shape(intensity_correction)} differs from the "
            f"signal's {np.shape(signal)}"
        )
    undersampled = protocol.cs_factor > 1
    if mask is None and undersampled:
        mask = phase_encode_mask(ny, protocol.cs_factor, rng=rng)
    if mask is not None and (mask.shape != (ny,) or mask.dtype != bool):
        raise ValueError(f"mask must be a boolean array of shape ({ny},), got {mask.dtype} {mask.shape}")
    kspace = acquire_kspace(
        signal, coil_maps, protocol, noise_sd=noise_sd, rng=rng, mask=mask, noise_covariance=noise_covariance
    )
    if noise_covariance is not None:  # the scanner prewhitens data and sensitivities with the noise scan
        whitener = prewhitener(noise_covariance)
        kspace = np.tensordot(whitener, kspace, axes=(1, 0))
        coil_maps = np.tensordot(whitener, coil_maps, axes=(1, 0))
    if mask is None or mask.all():
        image = combine_coils(ifft2c(kspace), coil_maps)
    else:
        compression = svd_compression(coil_maps, min(N_VIRTUAL_COILS, coil_maps.shape[0]))
        lamda = cs_lambda if cs_lambda is not None else CS_LAMBDA_PER_NOISE_SD * noise_sd / math.sqrt(protocol.nex)
        image = cs_reconstruct(
            compression.apply(kspace),
            compression.apply(coil_maps),
            mask,
            lamda=lamda,
            max_iter=cs_iterations,
            show_pbar=show_pbar,
        )
    magnitude = np.abs(image)
    if intensity_correction is not None:
        magnitude = magnitude * intensity_correction
    return magnitude.astype(np.float32)


def image_noise_sigma(noise_sd: float, nex: int = 1, noise_gain: float = 1.0) -> float:
    """Noise SD per real/imaginary component of the combined image: ``noise_gain * noise_sd / sqrt(2 NEX)``.

    ``noise_sd`` is the SD per complex k-space sample and excitation; the orthonormal FFT
    keeps it, the unit-RSS sensitivity-weighted combination (:func:`combine_coils`) keeps
    it for uncorrelated noise, NEX averaging divides it by ``sqrt(NEX)``, and a complex
    Gaussian of total SD ``s`` has ``s / sqrt(2)`` per component. This is the sigma a
    scanner knows from its noise calibration; a compressed-sensing reconstruction of the
    same data has it as its input noise, whatever its output's air shows. With correlated
    coil noise the prewhitened combination multiplies it by ``noise_gain``
    (:func:`lumbarlib.sim.coils.combined_noise_gain`, which varies a little over the image).
    """
    check_range("noise_sd", noise_sd, 0.0)
    check_range("nex", nex, 1, integer=True)
    check_range("noise_gain", noise_gain, 0.0, low_inclusive=False)
    return noise_gain * noise_sd / math.sqrt(2.0 * nex)


def rayleigh_sd_factor(nex: int = 1) -> float:
    """SD of background air in the magnitude image per unit k-space noise SD: sqrt((4 - pi)/4) / sqrt(NEX).

    A complex Gaussian of variance :math:`\\sigma^2` has a Rayleigh magnitude with SD
    :math:`\\sigma\\sqrt{(4-\\pi)/4}` :cite:`gudbjartsson1995rician`; NEX averaging
    divides :math:`\\sigma` by :math:`\\sqrt{NEX}`. Valid for the fully sampled
    reconstruction with unit-RSS maps and uncorrelated noise.
    """
    return math.sqrt((4.0 - math.pi) / 4.0) / math.sqrt(nex)


def background_air_mask(labels: np.ndarray, margin_px: int = 6) -> np.ndarray:
    """Background air in front of the abdomen, at least ``margin_px`` pixels from the skin.

    The air connected to the anterior (left) edge of the image: in these columns no
    tissue lies along the phase direction to alias or ghost into it, and it is far from
    the bright posterior fat whose Gibbs ringing reaches the air behind the back.
    """
    air = labels == LABELS["air"]
    parts, _ = ndimage.label(air)
    front = np.unique(parts[:, 0])
    anterior = np.isin(parts, front[front > 0])
    return ndimage.binary_erosion(anterior, iterations=margin_px, border_value=1)


AIR_ROI_AREA_MM2 = 30.0
"""Area of the paper's background-air ROI."""


def deepest_air(labels: np.ndarray, pixel_mm: tuple[float, float], area_mm2: float = AIR_ROI_AREA_MM2) -> np.ndarray:
    """The disc of ``area_mm2`` around the air pixel farthest from any tissue: where an air ROI of that area goes.

    The paper's background-air ROI (30 mm^2) lies in air, away from the body; the ROIs of
    :mod:`lumbarlib.analysis.rois` are placed where they fit deepest in their structure. The
    noise calibration needs that place before any ROI exists, because an intensity
    correction makes the air's noise depend on it.
    """
    check_range("area_mm2", area_mm2, 0.0, low_inclusive=False)
    air = labels == LABELS["air"]
    if not air.any():
        raise ValueError("parameter 'labels': holds no air")
    depth = ndimage.distance_transform_edt(np.pad(air, 1), sampling=pixel_mm)[1:-1, 1:-1]
    centre = np.unravel_index(np.argmax(depth), depth.shape)
    rows, cols = np.indices(labels.shape)
    distance2 = ((rows - centre[0]) * pixel_mm[0]) ** 2 + ((cols - centre[1]) * pixel_mm[1]) ** 2
    return (distance2 <= area_mm2 / math.pi) & air


def fat_s1_mask(labels: np.ndarray, margin_px: int = 1) -> np.ndarray:
    """Retroperitoneal (presacral) fat within the rows of the S1 vertebral body, eroded by ``margin_px``."""
    r0, r1 = level_rows(labels, "S1")
    fat = ndimage.binary_erosion(labels == LABELS["retroperitoneal_fat"], iterations=margin_px)
    fat[:r0] = False
    fat[r1 + 1 :] = False
    if not fat.any():
        raise ValueError("no retroperitoneal fat at the S1 level")
    return fat


@dataclass(frozen=True)
class NoiseCalibration:
    """The one calibrated number of the simulation and how it was obtained.

    Attributes
    ----------
    noise_sd : float
        Noise SD per complex k-space sample and excitation.
    fat_mean : ndarray
        Noise-free mean of the retroperitoneal fat at S1, per volunteer (midsagittal slice).
    air_sd_per_unit_noise : float
        SD of background air in the standard image per unit ``noise_sd``, measured on a
        noise-only acquisition.
    target_snr : float
        The mean standard fat SNR aimed at.
    """

    noise_sd: float
    fat_mean: np.ndarray
    air_sd_per_unit_noise: float
    target_snr: float

    @property
    def expected_snr(self) -> np.ndarray:
        """Expected fat SNR of each volunteer on the standard protocol."""
        return self.fat_mean / (self.air_sd_per_unit_noise * self.noise_sd)


def calibrate_noise_sd(
    truth_mid: np.ndarray,
    labels_mid: np.ndarray,
    coil_maps: np.ndarray,
    *,
    rng: np.random.Generator,
    target_snr: float = PAPER_FAT_SNR,
    protocol: Protocol | None = None,
    noise_covariance: np.ndarray | None = None,
    intensity_correction: np.ndarray | None = None,
    air_mask: np.ndarray | None = None,
) -> NoiseCalibration:
    r"""Choose the k-space noise SD so that the standard fat SNR, measured the paper's way, averages ``target_snr``.

    The paper measures :math:`\mathrm{SNR} = \overline{S}_{fat} / \mathrm{SD}_{air}`, with the
    mean of an ROI in retroperitoneal fat at S1 and the SD of an ROI in background air
    :cite:`kashiwagi2022lumbar`. For volunteer :math:`i`, the fat mean is the noise-free
    :math:`F_i` (the noise adds a bias of order :math:`1/(2\,\mathrm{SNR}^2)`, far below
    1 % at SNR 100) and the air SD is proportional to the noise:
    :math:`\mathrm{SD}_{air} = a\,\sigma`. So

    .. math::
        \frac{1}{n}\sum_i \frac{F_i}{a\,\sigma} = \mathrm{SNR}_{target}
        \quad\Longrightarrow\quad
        \sigma = \frac{\overline{F}}{a\,\mathrm{SNR}_{target}} .

    :math:`a` is *measured*, as the SD of background air in a noise-only acquisition
    (``signal = 0``, ``noise_sd = 1``) through the standard protocol's full pipeline,
    so it holds whatever the coil combination, noise correlation and intensity correction; for
    white noise without a correction it equals :func:`rayleigh_sd_factor` (0.328 at NEX 2), which the tests check.

    With an intensity correction the fat mean and the air SD are both read from the
    corrected images, as the paper read its scanner's images.

    Parameters
    ----------
    truth_mid : ndarray (n_volunteers, ny, nx)
        Noise-free standard images of the midsagittal slices, as the coils see them
        (before any intensity correction).
    labels_mid : ndarray (n_volunteers, ny, nx)
        Their labels.
    coil_maps : ndarray (n_coils, ny, nx)
        Unit-RSS sensitivities of the midsagittal slice.
    rng : numpy.random.Generator
        Noise of the noise-only acquisition.
    target_snr : float
        Mean fat SNR to reach (default: the paper's 111.3).
    protocol : Protocol, optional
        Default: the standard protocol.
    noise_covariance : ndarray, optional
        Receiver noise covariance.
    intensity_correction : ndarray (ny, nx), optional
        The vendor's correction of the midsagittal slice (as for :func:`acquire_image`).
    air_mask : ndarray of bool (ny, nx), optional
        Where the air ROIs lie (give the union of the volunteers'): a correction makes the
        air's noise depend on the place, so the uncorrected air SD, measured over the
        background air of every volunteer (:func:`background_air_mask`), is multiplied by
        the mean correction there; default: that background air.

    Returns
    -------
    NoiseCalibration
    """
    check_range("target_snr", target_snr, 0.0, low_inclusive=False)
    protocol = protocol or PROTOCOLS["standard"]
    truth_mid, labels_mid = np.asarray(truth_mid), np.asarray(labels_mid)
    if truth_mid.ndim != 3 or truth_mid.shape != labels_mid.shape:
        raise ValueError(f"truth {truth_mid.shape} and labels {labels_mid.shape} must both be (n, ny, nx)")
    seen = truth_mid if intensity_correction is None else truth_mid * intensity_correction
    fat = np.array([t[fat_s1_mask(lab)].mean() for t, lab in zip(seen, labels_mid)])
    if air_mask is not None and (np.shape(air_mask) != truth_mid.shape[1:] or not np.any(air_mask)):
        raise ValueError(f"parameter 'air_mask': must be a non-empty boolean mask of shape {truth_mid.shape[1:]}")
    noise_only = acquire_image(
        np.zeros(truth_mid.shape[1:], np.float32),
        coil_maps,
        protocol,
        noise_sd=1.0,
        rng=rng,
        noise_covariance=noise_covariance,
    )
    air = np.logical_and.reduce([background_air_mask(lab) for lab in labels_mid])
    a = float(noise_only[air].std())
    if intensity_correction is not None:
        # the correction multiplies the (uniform) noise: an ROI where it is g has an air SD of g times a
        a *= float(np.mean(intensity_correction[air if air_mask is None else np.asarray(air_mask, dtype=bool)]))
    return NoiseCalibration(
        noise_sd=float(fat.mean() / (a * target_snr)),
        fat_mean=fat,
        air_sd_per_unit_noise=a,
        target_snr=float(target_snr),
    )
