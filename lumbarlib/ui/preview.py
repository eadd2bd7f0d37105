"""Live preview of the DLR on a tile around the spine: what it acquires, denoises and measures.

Serves the paper's "DLR method" and "MRI data acquisition" sections
:cite:`kashiwagi2022lumbar` as an experiment the reader runs: a 128 x 128 tile of one
volunteer's midsagittal slice, from the lower thoracic cord to the second lumbar
vertebra, is acquired again (:func:`lumbarlib.sim.acquisition.acquire_image`) with the NEX,
compressed-sensing factor and noise level the reader picks, denoised by the DLR
(:func:`lumbarlib.dlr.denoise.denoise`) at the chosen ``strength`` (the multiplier of every
shrinkage threshold), and measured in the paper's ROIs that lie in the tile (L2 vertebral
body, L1-2 disc, cord at T12; :mod:`lumbarlib.analysis.rois`).

ROI SNR and CNR in the tile. The tile holds no background air, so the paper's SD_air is
not available; each ROI's SNR is its own SI / SD (the single-region measure,
:attr:`RoiSummary.si_over_sd`; on a denoised image it says how flat the tissue looks,
texture included, :cite:`dietrich2007measurement`), and the CNR of two ROIs is the
difference of their SI over the pooled SD, ``(SI_a - SI_b) / sqrt((SD_a^2 + SD_b^2) / 2)``.

Speed. The strength slider must answer at interactive speed: the acquisition is kept
(re-acquired only when NEX, CS factor, noise level or volunteer change) and the noise SD
given to the DLR is estimated once per acquisition. The figure
(:mod:`lumbarlib.ui.preview_figure`) and the widgets (:mod:`lumbarlib.ui.preview_widgets`)
are built on this module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from lumbarlib.analysis.measures import RoiStats, roi_stats
from lumbarlib.analysis.rois import TISSUE_NAMES, OvalRoi, place_roi
from lumbarlib.core.checks import check_range
from lumbarlib.dlr.denoise import denoise, denoise_uncorrected
from lumbarlib.dlr.network import DLRNet
from lumbarlib.sim.acquisition import acquire_image, calibrate_noise_sd, deepest_air
from lumbarlib.sim.cohort import ScannerModel, simulate_cohort
from lumbarlib.sim.coils import coil_maps
from lumbarlib.sim.labels import SLICE_NAMES, SLICE_OFFSET_MM
from lumbarlib.sim.noise import estimate_sigma
from lumbarlib.study.imagesets import StudyImages, acquired_path, load_acquired
from lumbarlib.study.protocol import PROTOCOLS, Protocol

TILE_SIZE = 128
"""Side of the preview tile in pixels."""

TILE_TISSUES: tuple[str, ...] = ("vertebra", "disc", "cord")
"""The paper's ROIs between T12 and L2 on the midsagittal slice: the ones the tile holds."""

CNR_PAIRS: tuple[tuple[str, str], ...] = (("disc", "vertebra"), ("cord", "vertebra"))
"""ROI pairs whose CNR the preview reports (T2 contrast of disc and cord against marrow)."""

CONTROLS: tuple[str, ...] = ("strength", "noise_factor", "nex", "cs_factor", "volunteer")
"""Every control of the explorer, in display order."""

CALIBRATION_STREAM = 3
"""Sub-seed of the noise calibration: :func:`lumbarlib.sim.cohort.simulate_cohort` draws it from ``[seed, 3]``."""

NOISE_STREAM = 7
"""Sub-seed of the preview's noise, apart from every stream of the cohort simulation."""


@dataclass(frozen=True)
class Settings:
    """What the reader sets: the acquisition of the tile and the DLR strength.

    Attributes
    ----------
    volunteer : int
        Volunteer number, 1-based as in the book's tables and figures.
    nex : int
        Number of excitations (averages).
    cs_factor : float
        Compressed-sensing reduction factor (1: fully sampled).
    noise_factor : float
        Receiver noise SD as a multiple of the study's calibrated noise SD.
    strength : float
        Multiplier of every DLR shrinkage threshold (0: no shrinkage, 1: as trained).
    """

    volunteer: int = 1
    nex: int = 1
    cs_factor: float = 1.0
    noise_factor: float = 1.0
    strength: float = 1.0

    def __post_init__(self) -> None:
        check_range("volunteer", self.volunteer, 1, integer=True)
        check_range("nex", self.nex, 1, integer=True)
        check_range("cs_factor", self.cs_factor, 1)
        check_range("noise_factor", self.noise_factor, 0)
        check_range("strength", self.strength, 0)

    @property
    def acquisition_key(self) -> tuple:
        """The settings that change the acquired image (all but the strength)."""
        return (self.volunteer, self.nex, self.cs_factor, self.noise_factor)

    def protocol(self) -> Protocol:
        """The double-fast protocol of Table 1 with this NEX and CS factor."""
        return dataclasses.replace(
            PROTOCOLS["double-fast"], name="preview", nex=int(self.nex), cs_factor=float(self.cs_factor)
        )


@dataclass(frozen=True)
class Tile:
    """The noise-free object the preview re-acquires: a square crop of one volunteer's midsagittal slice.

    Attributes
    ----------
    volunteer : int
        Volunteer number (1-based).
    signal : ndarray, (size, size)
        Noise-free combined image (the phantom times the coil shading; the study's truth).
    coil_maps : ndarray, (n_coils, size, size)
        Unit root-sum-of-squares coil sensitivities over the tile.
    rois : dict of str to OvalRoi
        :data:`TILE_TISSUES` ROIs in tile coordinates (mm from the tile's corner).
    pixel_mm : (float, float)
    origin : (int, int)
        Row and column of the tile's first pixel in the slice.
    noise_sd : float
        The study's calibrated k-space noise SD (noise level 1).
    correction : ndarray or None
        The vendor's intensity correction over the tile (``study.correction``), if the
        study has one: ``signal`` is the corrected truth, the coils see ``signal / correction``.
    noise_covariance : ndarray or None
        Receiver noise covariance of the coils (None: uncorrelated).
    """

    volunteer: int
    signal: np.ndarray
    coil_maps: np.ndarray
    rois: dict[str, OvalRoi]
    pixel_mm: tuple[float, float]
    origin: tuple[int, int]
    noise_sd: float
    correction: np.ndarray | None = None
    noise_covariance: np.ndarray | None = None

    @property
    def gain(self) -> np.ndarray | float:
        """The intensity correction over the tile (1 without one)."""
        return 1.0 if self.correction is None else self.correction

    @property
    def seen(self) -> np.ndarray:
        """The noise-free tile as the coils see it, before the intensity correction."""
        return self.signal / self.gain

    def masks(self) -> dict[str, np.ndarray]:
        """Boolean masks of the tile's ROIs."""
        return {t: roi.mask(self.signal.shape, self.pixel_mm) for t, roi in self.rois.items()}

    def display_max(self) -> float:
        """Upper end of the grey window of every panel (fixed per tile, so frames compare)."""
        return float(np.percentile(self.signal, 99.5)) * 1.15


def tile_origin(
    rois: Sequence[OvalRoi], shape: tuple[int, int], pixel_mm: tuple[float, float], size: int
) -> tuple[int, int]:
    """Top-left pixel of the ``size`` x ``size`` tile centred on the ROIs' bounding box, inside the image."""
    top = min(r.center_mm[0] - r.semi_axes_mm[0] for r in rois) / pixel_mm[0]
    bottom = max(r.center_mm[0] + r.semi_axes_mm[0] for r in rois) / pixel_mm[0]
    left = min(r.center_mm[1] - r.semi_axes_mm[1] for r in rois) / pixel_mm[1]
    right = max(r.center_mm[1] + r.semi_axes_mm[1] for r in rois) / pixel_mm[1]
    row = int(np.clip(round((top + bottom) / 2 - size / 2), 0, shape[0] - size))
    col = int(np.clip(round((left + right) / 2 - size / 2), 0, shape[1] - size))
    return row, col


def shift_roi(roi: OvalRoi, origin: tuple[int, int], pixel_mm: tuple[float, float]) -> OvalRoi:
    """The same oval in the coordinates of a crop starting at pixel ``origin``."""
    center = (roi.center_mm[0] - origin[0] * pixel_mm[0], roi.center_mm[1] - origin[1] * pixel_mm[1])
    return dataclasses.replace(roi, center_mm=center)


def _tile_rois(study: StudyImages, volunteer: int) -> list[OvalRoi]:
    """The :data:`TILE_TISSUES` ROIs of a volunteer's midsagittal slice (slice coordinates)."""
    check_range("volunteer", volunteer, 1, study.n_volunteers, integer=True)
    labels = study.labels[volunteer - 1, SLICE_NAMES.index("mid")]
    where = f"volunteer {volunteer}, slice 'mid'"
    return [place_roi(t, labels, study.pixel_mm, where=where) for t in TILE_TISSUES]


def tile_window(study: StudyImages, volunteer: int, size: int = TILE_SIZE) -> tuple[slice, slice]:
    """Rows and columns of the preview's tile in the midsagittal slice: ``size`` pixels a side, centred on
    the T12-L2 ROIs (also the chapters' zoom on the lumbar anatomy)."""
    check_range("size", size, 16, integer=True)
    shape = study.truth.shape[-2:]
    size = min(size, *shape)
    row, col = tile_origin(_tile_rois(study, volunteer), shape, study.pixel_mm, size)
    return slice(row, row + size), slice(col, col + size)


def make_tile(
    study: StudyImages,
    volunteer: int,
    coil_maps: np.ndarray,
    noise_sd: float,
    *,
    size: int = TILE_SIZE,
    noise_covariance: np.ndarray | None = None,
) -> Tile:
    """Cut the preview tile of one volunteer's midsagittal slice around its T12-L2 ROIs.

    Parameters
    ----------
    study : StudyImages
        The simulated study (its noise-free ``truth`` and ``labels``).
    volunteer : int
        Volunteer number (1-based, as in the book's tables).
    coil_maps : ndarray (n_coils, ny, nx)
        Unit-RSS sensitivities of the midsagittal slice.
    noise_sd : float
        The study's k-space noise SD.
    size : int
        Tile side in pixels (the image's shorter side if that is smaller).
    noise_covariance : ndarray, optional
        Receiver noise covariance the tile is acquired with.

    Raises
    ------
    ValueError
        If none of :data:`TILE_TISSUES`' ROIs fits in the tile.
    """
    check_range("volunteer", volunteer, 1, study.n_volunteers, integer=True)
    check_range("size", size, 16, integer=True)
    check_range("noise_sd", noise_sd, 0)
    truth = study.truth[volunteer - 1, SLICE_NAMES.index("mid")]
    if coil_maps.shape[1:] != truth.shape:
        raise ValueError(f"coil maps {coil_maps.shape} do not match the images {truth.shape}")
    window = tile_window(study, volunteer, size)
    origin = (window[0].start, window[1].start)
    size = window[0].stop - window[0].start
    full_rois = _tile_rois(study, volunteer)
    where = f"volunteer {volunteer}, slice 'mid'"
    rois = {}
    for roi in full_rois:
        moved = shift_roi(roi, origin, study.pixel_mm)
        try:
            moved.mask((size, size), study.pixel_mm)
        except ValueError:
            continue  # the ROI reaches outside the tile
        rois[roi.tissue] = moved
    if not rois:
        raise ValueError(f"none of the ROIs {TILE_TISSUES} fits in a {size}-pixel tile of {where}")
    return Tile(
        volunteer=volunteer,
        signal=truth[window],
        coil_maps=coil_maps[(slice(None), *window)],
        rois=rois,
        pixel_mm=study.pixel_mm,
        origin=origin,
        noise_sd=float(noise_sd),
        correction=None if study.correction is None else study.correction[SLICE_NAMES.index("mid")][window],
        noise_covariance=noise_covariance,
    )


def acquire_tile(tile: Tile, settings: Settings, *, seed: int, cs_iterations: int) -> np.ndarray:
    """Acquire the tile again with the settings' NEX, CS factor and noise level.

    The noise (and the CS mask) come from ``default_rng([seed, NOISE_STREAM, volunteer])``:
    the same settings give the same image.
    """
    check_range("seed", seed, 0, integer=True)
    check_range("cs_iterations", cs_iterations, 1, integer=True)
    rng = np.random.default_rng([seed, NOISE_STREAM, tile.volunteer])
    return acquire_image(
        tile.seen,
        tile.coil_maps,
        settings.protocol(),
        noise_sd=tile.noise_sd * settings.noise_factor,
        rng=rng,
        cs_iterations=cs_iterations,
        intensity_correction=tile.correction,
        noise_covariance=tile.noise_covariance,
    )


@dataclass(frozen=True)
class RoiSummary:
    """SNR and CNR of the tile's ROIs on one image.

    Attributes
    ----------
    stats : dict of str to RoiStats
        SI, SD and pixel count of each ROI.
    """

    stats: dict[str, RoiStats]

    @property
    def si_over_sd(self) -> dict[str, float]:
        """SI / SD of each ROI (the single-region SNR; not the paper's SI / SD_air)."""
        return {t: s.si / s.sd if s.sd > 0 else float("inf") for t, s in self.stats.items()}

    @property
    def cnr(self) -> dict[tuple[str, str], float]:
        """(SI_a - SI_b) / pooled SD for the :data:`CNR_PAIRS` present in the tile."""
        out = {}
        for a, b in CNR_PAIRS:
            if a in self.stats and b in self.stats:
                sa, sb = self.stats[a], self.stats[b]
                pooled = float(np.sqrt((sa.sd**2 + sb.sd**2) / 2.0))
                out[(a, b)] = (sa.si - sb.si) / pooled if pooled > 0 else float("inf")
        return out


def measure_tile(image: np.ndarray, tile: Tile) -> RoiSummary:
    """Measure the tile's ROIs on ``image`` (same shape as the tile)."""
    image = np.asarray(image)
    if image.shape != tile.signal.shape:
        raise ValueError(f"image shape {image.shape} differs from the tile's {tile.signal.shape}")
    return RoiSummary({t: roi_stats(image, m) for t, m in tile.masks().items()})


@dataclass(frozen=True)
class Preview:
    """One frame of the live preview.

    Attributes
    ----------
    settings : Settings
    noisy, denoised, difference : ndarray
        The acquired tile, the DLR output and ``noisy - denoised`` (what the DLR removed).
    sigma : float
        Noise SD the DLR's thresholds were scaled with (estimated from ``noisy``), before the
        tile's intensity correction.
    before, after : RoiSummary
        ROI measurements on the input and on the output.
    gain : float
        Median intensity correction over the tile: ``sigma * gain`` is that noise SD on the
        scale of the images shown.
    """

    settings: Settings
    noisy: np.ndarray
    denoised: np.ndarray
    difference: np.ndarray
    sigma: float
    before: RoiSummary
    after: RoiSummary
    gain: float = 1.0

    def table(self) -> pd.DataFrame:
        """ROI SNR and CNR before and after the DLR: columns measure, ROI, input, DLR."""
        rows = [
            ("SNR", TISSUE_NAMES[t], self.before.si_over_sd[t], self.after.si_over_sd[t]) for t in self.before.stats
        ]
        rows += [
            ("CNR", f"{TISSUE_NAMES[a]} vs {TISSUE_NAMES[b]}", v, self.after.cnr[(a, b)])
            for (a, b), v in self.before.cnr.items()
        ]
        return pd.DataFrame(rows, columns=["measure", "ROI", "input", "DLR"])

    def caption(self) -> str:
        """One line per measure, as the static slider's label shows it, then the input's noise SD.

        SI / SD inside a ROI counts the tissue's own texture as noise; the last line sets the
        noise SD the DLR's thresholds follow beside the RMS of what it removed, both on the
        scale of the images shown.
        """
        snr = ", ".join(
            f"{TISSUE_NAMES[t]} {self.before.si_over_sd[t]:.1f} -> {self.after.si_over_sd[t]:.1f}"
            for t in self.before.stats
        )
        cnr = ", ".join(
            f"{TISSUE_NAMES[a]}/{TISSUE_NAMES[b]} {v:.1f} -> {self.after.cnr[(a, b)]:.1f}"
            for (a, b), v in self.before.cnr.items()
        )
        removed = float(np.sqrt(np.mean(self.difference**2)))
        return (
            f"ROI SNR (SI/SD), input -> DLR: {snr}\nCNR, input -> DLR: {cnr}\n"
            f"noise SD the DLR assumes (estimated from the input; scale of the images shown): "
            f"{self.sigma * self.gain:.3g}; RMS of what it removed: {removed:.3g}"
        )


def preview_of(tile: Tile, noisy: np.ndarray, denoised: np.ndarray, settings: Settings, *, sigma: float) -> Preview:
    """The frame of a denoised tile: what was removed and both images' ROI measurements."""
    return Preview(
        settings=settings,
        noisy=noisy,
        denoised=denoised,
        difference=noisy - denoised,
        sigma=float(sigma),
        before=measure_tile(noisy, tile),
        after=measure_tile(denoised, tile),
        gain=float(np.median(tile.gain)),
    )


def make_preview(
    tile: Tile, noisy: np.ndarray, settings: Settings, *, sigma: float | None = None, net: DLRNet | None = None
) -> Preview:
    """Denoise an acquired tile at the settings' strength and measure both images.

    Parameters
    ----------
    tile : Tile
    noisy : ndarray
        The tile as acquired (:func:`acquire_tile`).
    settings : Settings
    sigma : float, optional
        Noise SD for the DLR (default: estimated from ``noisy``, as a scanner would),
        before the tile's intensity correction: the DLR denoises ``noisy / tile.gain``.
    net : DLRNet, optional
        Default: the shipped weights.
    """
    sigma = estimate_sigma(noisy / tile.gain) if sigma is None else sigma
    check_range("sigma", sigma, 0)
    denoised = denoise_uncorrected(noisy, tile.correction, sigma=sigma, strength=settings.strength, net=net)
    return preview_of(tile, noisy, denoised, settings, sigma=sigma)


COARSE_BIN = 2
"""Binning of the live preview's first, coarse frame: 2 x 2 pixels, a quarter of the DLR's work."""


def coarse_preview(
    tile: Tile, noisy: np.ndarray, settings: Settings, *, sigma: float, net: DLRNet | None = None
) -> Preview:
    """A quick look at the DLR output, shown while the full tile is computed: the live preview's first response.

    The tile is binned :data:`COARSE_BIN` x :data:`COARSE_BIN` (the mean of four pixels has
    half the noise SD, so the thresholds follow ``sigma / 2``), denoised and repeated back to
    full size. It shows where the output is going at a quarter of the cost; it is replaced by
    :func:`make_preview`'s full frame as soon as that is ready, and nothing is measured on it
    beyond the ROI table it carries.
    """
    check_range("sigma", sigma, 0)
    b = COARSE_BIN
    ny, nx = (noisy.shape[0] // b) * b, (noisy.shape[1] // b) * b
    gain = np.broadcast_to(tile.gain, noisy.shape)
    raw = (noisy / gain)[:ny, :nx].reshape(ny // b, b, nx // b, b).mean(axis=(1, 3))
    small = denoise(raw, sigma=sigma / b, strength=settings.strength, net=net)
    denoised = np.array(noisy, dtype=np.float64)  # a remainder row or column keeps the input
    denoised[:ny, :nx] = np.repeat(np.repeat(small, b, axis=0), b, axis=1) * gain[:ny, :nx]
    return preview_of(tile, noisy, denoised, settings, sigma=sigma)


@lru_cache(maxsize=4)
def mid_coil_maps(shape: tuple[int, int], fov_mm: tuple[float, float]) -> np.ndarray:
    """Unit-RSS coil maps of the midsagittal slice (:func:`lumbarlib.sim.coils.coil_maps`), computed once per grid."""
    maps = coil_maps(shape, fov_mm, SLICE_OFFSET_MM["mid"]).maps
    maps.flags.writeable = False
    return maps


class Explorer:
    """The preview's state: coil maps, noise SD, tiles and acquisitions kept, so a change recomputes only what it needs.

    Parameters
    ----------
    study : StudyImages
        The simulated study (``acquired_images.npz`` of the simulation chapter).
    seed : int
        Seed of the tile's noise (:func:`acquire_tile`); when neither ``noise_sd`` nor the
        study knows the noise SD, also the study's seed, with which the noise calibration
        is redone exactly as the cohort did it (:func:`lumbarlib.sim.acquisition.calibrate_noise_sd`).
    cs_iterations : int
        Iterations of the compressed-sensing reconstruction.
    noise_sd : float, optional
        The study's k-space noise SD (default: ``study.noise_sd``).
    size : int
        Tile side in pixels.
    net : DLRNet, optional
        Default: the shipped weights.
    """

    def __init__(
        self,
        study: StudyImages,
        *,
        seed: int,
        cs_iterations: int = 30,
        noise_sd: float | None = None,
        size: int = TILE_SIZE,
        net: DLRNet | None = None,
    ) -> None:
        check_range("seed", seed, 0, integer=True)
        check_range("cs_iterations", cs_iterations, 1, integer=True)
        check_range("size", size, 16, integer=True)
        self.study, self.seed, self.cs_iterations, self.size, self.net = study, seed, cs_iterations, size, net
        shape = study.truth.shape[-2:]
        self.coil_maps = mid_coil_maps(shape, (shape[0] * study.pixel_mm[0], shape[1] * study.pixel_mm[1]))
        # the book's scanner: its coils' noise correlation (simulate_cohort's default ScannerModel)
        self.noise_covariance = ScannerModel().noise_covariance()
        if noise_sd is None:
            noise_sd = study.noise_sd
        if noise_sd is None:
            mid = SLICE_NAMES.index("mid")
            correction = None if study.correction is None else study.correction[mid]
            noise_sd = calibrate_noise_sd(
                study.truth[:, mid] / (1.0 if correction is None else correction),
                study.labels[:, mid],
                self.coil_maps,
                rng=np.random.default_rng([seed, CALIBRATION_STREAM]),
                noise_covariance=self.noise_covariance,
                intensity_correction=correction,
                air_mask=np.logical_or.reduce([deepest_air(labels, study.pixel_mm) for labels in study.labels[:, mid]]),
            ).noise_sd
        check_range("noise_sd", noise_sd, 0)
        self.noise_sd = float(noise_sd)
        self._tiles: dict[int, Tile] = {}
        self._acquired: dict[tuple, tuple[np.ndarray, float]] = {}

    @property
    def n_volunteers(self) -> int:
        """Volunteers of the study (the range of the volunteer control)."""
        return self.study.n_volunteers

    def tile(self, volunteer: int) -> Tile:
        """The volunteer's tile (cut once)."""
        if volunteer not in self._tiles:
            self._tiles[volunteer] = make_tile(
                self.study,
                volunteer,
                self.coil_maps,
                self.noise_sd,
                size=self.size,
                noise_covariance=self.noise_covariance,
            )
        return self._tiles[volunteer]

    def acquired(self, settings: Settings) -> tuple[np.ndarray, float]:
        """The acquired tile and its estimated noise SD for these settings (the last 8 are kept)."""
        key = settings.acquisition_key
        if key not in self._acquired:
            noisy = acquire_tile(
                self.tile(settings.volunteer), settings, seed=self.seed, cs_iterations=self.cs_iterations
            )
            if len(self._acquired) >= 8:
                self._acquired.pop(next(iter(self._acquired)))
            self._acquired[key] = (noisy, estimate_sigma(noisy / self.tile(settings.volunteer).gain))
        return self._acquired[key]

    def has_acquired(self, settings: Settings) -> bool:
        """Whether the acquisition of these settings is kept (a change of strength only reruns the DLR)."""
        return settings.acquisition_key in self._acquired

    def coarse(self, settings: Settings) -> Preview:
        """The coarse first frame of these settings (:func:`coarse_preview`) on the kept acquisition."""
        noisy, sigma = self.acquired(settings)
        return coarse_preview(self.tile(settings.volunteer), noisy, settings, sigma=sigma, net=self.net)

    def preview(self, settings: Settings) -> Preview:
        """The preview frame of these settings."""
        check_range("volunteer", settings.volunteer, 1, self.n_volunteers, integer=True)
        noisy, sigma = self.acquired(settings)
        return make_preview(self.tile(settings.volunteer), noisy, settings, sigma=sigma, net=self.net)


def load_or_simulate_study(
    *, seed: int, n_volunteers: int, matrix_scale: float = 1.0, cs_iterations: int = 30, show_pbar: bool = True
) -> StudyImages:
    """The study the book last simulated (``acquired_images.npz``), or the same cohort simulated now.

    The simulation chapter writes the file; when it has not run yet (the apps opened on a
    fresh clone), :func:`lumbarlib.sim.cohort.simulate_cohort` makes the study from the given
    parameters, in memory only.
    """
    path = acquired_path()
    if path.exists():
        return load_acquired(path)
    return simulate_cohort(
        n_volunteers, seed, matrix_scale=matrix_scale, cs_iterations=cs_iterations, show_pbar=show_pbar
    ).study
