"""Pseudo-multiple replicas: the pixel-wise SNR that the paper's SI / SD_air stands in for.

Robson et al. :cite:`robson2008comprehensive` measure SNR by repeating the reconstruction
of one object many times with fresh noise: the pixel-wise mean over the replicas is the
signal, the pixel-wise standard deviation the noise, whatever the reconstruction does
(coil combination, compressed sensing, denoising). The paper's measure
SI_tissue / SD_air :cite:`kashiwagi2022lumbar` instead takes the noise from the air
background of one image, which assumes the noise there is the noise in tissue. It is
not: the background of a magnitude image is not Gaussian (Rayleigh after an optimal coil
combination, noncentral chi after a root-sum-of-squares; its SD is 0.655 times the
per-component noise SD :cite:`gudbjartsson1995rician`, :cite:`dietrich2007measurement`),
and a compressed-sensing reconstruction or a denoiser treats the flat, empty background
differently from textured tissue. :func:`compare_snr_measures` says by how much the
paper's measure over- or under-states each set's SNR and the DLR's gain.

Only read-out columns are cropped (:func:`column_bands`): the image is acquired in bands
of full columns, so every band keeps all phase-encode lines and the undersampling pattern
of the whole image, and the aliasing of undersampling, which runs along the phase-encode
direction (up and down a column), stays within its band as it does in the whole image. The bands carry
a margin wider than the reach of the CS wavelets and the DLR's convolutions.

The replica loop and its running mean / variance (Welford's algorithm, so memory does not
grow with the number of replicas) are written here because no installed library repeats
an arbitrary reconstruction with fresh noise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from lumbarlib.analysis.measures import snr_air
from lumbarlib.analysis.rois import AIR, OvalRoi, roi_masks
from lumbarlib.core.checks import check_range
from lumbarlib.dlr.denoise import denoise
from lumbarlib.sim.acquisition import (
    acquire_image,
    background_air_mask,
    rayleigh_sd_factor,
)
from lumbarlib.sim.cohort import ScannerModel
from lumbarlib.sim.coils import coil_maps
from lumbarlib.sim.labels import SLICE_NAMES, SLICE_OFFSET_MM
from lumbarlib.sim.noise import estimate_sigma
from lumbarlib.sim.sampling import phase_encode_mask
from lumbarlib.study.design import DLR_GAINS, DLR_SETS, SET_NAMES
from lumbarlib.study.imagesets import StudyImages
from lumbarlib.study.protocol import PROTOCOLS, Protocol

BAND_MARGIN_PX = 28
"""Margin (columns) of each band around its ROIs: more than the DLR's receptive field (25 pixels)."""


@dataclass(frozen=True)
class ReplicaStats:
    """Pixel-wise statistics over the replicas of one reconstruction.

    Attributes
    ----------
    mean : ndarray
        Pixel-wise mean image (the signal); NaN outside the acquired bands.
    sd : ndarray
        Pixel-wise standard deviation (ddof = 1; the noise); NaN outside the bands.
    n_replicas : int
        How many replicas.
    paper_snr : dict
        Per ROI name (when ROIs were given): the paper's SI_roi / SD_air averaged over the
        replicas, each replica measured as a single image would be.
    """

    mean: np.ndarray
    sd: np.ndarray
    n_replicas: int
    paper_snr: dict[str, float]

    @property
    def replica_snr_map(self) -> np.ndarray:
        """The pixel-wise SNR map, mean / SD (NaN where the SD is 0 or unknown)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.sd > 0, self.mean / self.sd, np.nan)

    def roi_replica_snr(self, mask: np.ndarray) -> float:
        """Replica SNR of an ROI: its mean signal divided by its RMS noise SD."""
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != self.mean.shape or not mask.any():
            raise ValueError(
                f"ROI mask of shape {mask.shape} with {int(mask.sum())} pixels: "
                f"need a non-empty mask of shape {self.mean.shape}"
            )
        if np.isnan(self.mean[mask]).any():
            raise ValueError("ROI reaches outside the acquired column bands")
        return float(self.mean[mask].mean() / np.sqrt(np.mean(self.sd[mask] ** 2)))


class _Running:
    """Welford's running mean and sum of squared deviations of one image stream, plus its paper SNR."""

    def __init__(self, masks: Mapping[str, np.ndarray]) -> None:
        self.masks = masks
        self.n = 0
        self.mean: np.ndarray | None = None
        self.m2: np.ndarray | None = None
        self.paper: dict[str, list[float]] = {k: [] for k in masks if k != AIR}

    def add(self, image: np.ndarray) -> None:
        if self.mean is None:
            self.mean, self.m2 = np.zeros_like(image), np.zeros_like(image)
            for name, mask in self.masks.items():
                if mask.shape != image.shape:
                    raise ValueError(f"ROI {name!r} has shape {mask.shape}; images have {image.shape}")
        self.n += 1
        delta = image - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (image - self.mean)
        if self.masks:
            sd_air = image[self.masks[AIR]].std(ddof=1)
            for name, values in self.paper.items():
                values.append(float(snr_air(image[self.masks[name]].mean(), sd_air)))

    def result(self) -> ReplicaStats:
        return ReplicaStats(
            mean=self.mean,
            sd=np.sqrt(self.m2 / (self.n - 1)),
            n_replicas=self.n,
            paper_snr={k: float(np.mean(v)) for k, v in self.paper.items()},
        )


def pseudo_replicas(
    reconstruct: Callable[[np.random.Generator], Mapping[str, np.ndarray]],
    *,
    n_replicas: int,
    rng: np.random.Generator,
    rois: Mapping[str, np.ndarray] | None = None,
    show_pbar: bool = True,
) -> dict[str, ReplicaStats]:
    """Repeat a noisy reconstruction ``n_replicas`` times and take pixel-wise mean and SD.

    Parameters
    ----------
    reconstruct : callable
        ``reconstruct(rng) -> {name: image}``: one noisy acquisition drawing all its noise
        from ``rng``, and the images made from it (e.g. the reconstruction and its denoised
        version; NaN where nothing is reconstructed).
    n_replicas : int
        Number of replicas (>= 2; a few dozen give the SD within ~10 %).
    rng : numpy.random.Generator
        The replicas draw from it in turn.
    rois : mapping, optional
        ROI name -> boolean mask; when given (with an ``"air"`` entry), each replica is also
        measured the paper's way, SI_roi / SD_air.
    show_pbar : bool
        Show a progress bar.

    Returns
    -------
    dict
        Name -> :class:`ReplicaStats`.
    """
    check_range("n_replicas", n_replicas, 2, integer=True)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"parameter 'rng' = {rng!r}: must be a numpy.random.Generator")
    masks = {k: np.asarray(m, dtype=bool) for k, m in (rois or {}).items()}
    if masks and AIR not in masks:
        raise ValueError(f"rois {sorted(masks)} lack the background-air ROI {AIR!r}")
    running: dict[str, _Running] = {}
    for _ in tqdm(range(n_replicas), desc="replicas", disable=not show_pbar):
        for name, image in reconstruct(rng).items():
            running.setdefault(name, _Running(masks)).add(np.asarray(image, dtype=np.float64))
    return {name: r.result() for name, r in running.items()}


def column_bands(
    rois: Mapping[str, OvalRoi], n_columns: int, pixel_mm: tuple[float, float], *, margin_px: int = BAND_MARGIN_PX
) -> list[slice]:
    """Column ranges holding the ROIs with ``margin_px`` columns on each side, overlapping ranges merged."""
    check_range("margin_px", margin_px, 0, integer=True)
    spans = []
    for roi in rois.values():
        lo = (roi.center_mm[1] - roi.semi_axes_mm[1]) / pixel_mm[1] - margin_px
        hi = (roi.center_mm[1] + roi.semi_axes_mm[1]) / pixel_mm[1] + margin_px
        spans.append((max(0, int(np.floor(lo))), min(n_columns, int(np.ceil(hi)) + 1)))
    bands: list[list[int]] = []
    for lo, hi in sorted(spans):
        if bands and lo <= bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], hi)
        else:
            bands.append([lo, hi])
    return [slice(lo, hi) for lo, hi in bands]


def acquisition_replicas(
    signal: np.ndarray,
    coil_maps: np.ndarray,
    protocol: Protocol,
    *,
    noise_sd: float,
    n_replicas: int,
    rng: np.random.Generator,
    bands: Sequence[slice] | None = None,
    processes: Mapping[str, Callable[[np.ndarray], np.ndarray] | None] | None = None,
    rois: Mapping[str, np.ndarray] | None = None,
    show_pbar: bool = True,
    intensity_correction: np.ndarray | None = None,
    **acquire_kwargs,
) -> dict[str, ReplicaStats]:
    """Pseudo-multiple replicas of :func:`lumbarlib.sim.acquisition.acquire_image` on one slice.

    The columns of all ``bands`` are put side by side and acquired as one object (the
    read direction is fully sampled, so columns only meet through the reconstruction's
    local operators, within the bands' margins); the result is put back in place.

    Parameters
    ----------
    signal, coil_maps, protocol, noise_sd
        As for :func:`~lumbarlib.sim.acquisition.acquire_image`: the noise-free combined image
        and the unit-RSS coil maps of the whole slice.
    n_replicas, rng, rois, show_pbar
        As for :func:`pseudo_replicas` (ROI masks on the whole slice's grid).
    bands : sequence of slice, optional
        Column bands acquired (:func:`column_bands`); default: the whole slice. Pixels
        outside every band are NaN.
    processes : mapping, optional
        Output name -> function applied to each reconstruction (None: the reconstruction
        itself), e.g. ``{"double-fast": None, "dlr-double-fast": dlr}``: the DLR then
        denoises the very replicas measured for its source set. Default
        ``{protocol.name: None}``.
    intensity_correction : ndarray (ny, nx), optional
        The vendor's correction of the whole slice, applied to every output after its
        process (the processes see the reconstruction as it comes from the coils).
    **acquire_kwargs
        Passed on to ``acquire_image`` (``cs_iterations``, and ``mask``: give a fixed
        undersampling pattern, as a scanner uses, or each replica draws a new one).

    Returns
    -------
    dict
        Output name -> :class:`ReplicaStats`.
    """
    signal = np.asarray(signal)
    if signal.ndim != 2 or coil_maps.shape[1:] != signal.shape:
        raise ValueError(f"signal shape {signal.shape} does not match coil maps {coil_maps.shape}")
    bands = list(bands) if bands is not None else [slice(0, signal.shape[1])]
    columns = np.concatenate([np.arange(signal.shape[1])[band] for band in bands])
    if columns.size < 8 or np.unique(columns).size != columns.size:
        raise ValueError(
            f"column bands {bands} hold {columns.size} columns (some repeated?); need >= 8 distinct columns"
        )
    processes = dict(processes) if processes is not None else {protocol.name: None}
    part_signal, part_maps = signal[:, columns], coil_maps[:, :, columns]
    if intensity_correction is not None and np.shape(intensity_correction) != signal.shape:
        raise ValueError(
            f"parameter 'intensity_correction': shape {np.shape(intensity_correction)} differs from {signal.shape}"
        )
    part_gain = 1.0 if intensity_correction is None else np.asarray(intensity_correction)[:, columns]

    def reconstruct(r: np.random.Generator) -> dict[str, np.ndarray]:
        part = acquire_image(part_signal, part_maps, protocol, noise_sd=noise_sd, rng=r, **acquire_kwargs)
        out = {}
        for name, process in processes.items():
            image = np.full(signal.shape, np.nan)
            image[:, columns] = part_gain * (process(part) if process is not None else part)
            out[name] = image
        return out

    return pseudo_replicas(reconstruct, n_replicas=n_replicas, rng=rng, rois=rois, show_pbar=show_pbar)


def compare_snr_measures(
    replicas: Mapping[str, ReplicaStats],
    rois: Mapping[str, np.ndarray],
    gains: Sequence[tuple[str, str]] = DLR_GAINS,
) -> pd.DataFrame:
    """The paper's SNR beside the replica SNR, per set and tissue, and what it does to the DLR's gain.

    Parameters
    ----------
    replicas : mapping
        Set name -> :class:`ReplicaStats` measured with ROIs including ``rois``.
    rois : mapping
        Tissue name -> mask (the tissues compared; air is not among them).
    gains : sequence of (str, str)
        (DLR set, the set it denoises) pairs whose SNR ratio is the DLR's gain.

    Returns
    -------
    DataFrame
        One row per (set, tissue): ``paper_snr`` (SI / SD_air), ``replica_snr`` and
        ``paper/replica``; on the rows of DLR sets ``paper_gain``, ``replica_gain`` and
        ``gain_ratio`` = paper_gain / replica_gain (above 1 the paper's measure
        overstates what the DLR does to the noise in that tissue, below 1 it understates
        it).
    """
    rows = []
    for name, stats in replicas.items():
        for tissue, mask in rois.items():
            if tissue not in stats.paper_snr:
                raise ValueError(f"set {name!r}: no paper SNR for ROI {tissue!r}; measure the replicas with it")
            rows.append(
                {
                    "set": name,
                    "tissue": tissue,
                    "paper_snr": stats.paper_snr[tissue],
                    "replica_snr": stats.roi_replica_snr(mask),
                }
            )
    out = pd.DataFrame(rows)
    out["paper/replica"] = out["paper_snr"] / out["replica_snr"]
    values = out.set_index(["set", "tissue"])
    out["paper_gain"] = np.nan
    out["replica_gain"] = np.nan
    for dlr_set, source in gains:
        if dlr_set not in replicas or source not in replicas:
            continue
        for tissue in rois:
            row = (out["set"] == dlr_set) & (out["tissue"] == tissue)
            for measure in ("paper", "replica"):
                column = f"{measure}_snr"
                out.loc[row, f"{measure}_gain"] = (
                    values.loc[(dlr_set, tissue), column] / values.loc[(source, tissue), column]
                )
    out["gain_ratio"] = out["paper_gain"] / out["replica_gain"]
    return out


def study_noise_sd(study: StudyImages) -> float:
    """The k-space noise SD of a study, measured: SD of the standard images' background air / Rayleigh factor.

    Background air outside the body (:func:`lumbarlib.sim.acquisition.background_air_mask`) of
    every volunteer's midsagittal standard image is pure noise; after the optimal coil
    combination its magnitude is Rayleigh with SD
    :func:`~lumbarlib.sim.acquisition.rayleigh_sd_factor` times the k-space noise SD. An
    intensity correction (``study.correction``) is divided out first.
    """
    mid = SLICE_NAMES.index("mid")
    standard = study.uncorrected("standard")
    values = [standard[v, mid][background_air_mask(study.labels[v, mid])] for v in range(study.n_volunteers)]
    return float(np.concatenate(values).std() / rayleigh_sd_factor(PROTOCOLS["standard"].nex))


def study_replicas(
    study: StudyImages,
    volunteer_index: int,
    rois: Mapping[str, OvalRoi],
    *,
    n_replicas: int,
    seed: int,
    cs_iterations: int = 30,
    denoiser: Callable[..., np.ndarray] = denoise,
    show_pbar: bool = True,
) -> dict[str, ReplicaStats]:
    """Replicas of all five image sets of one volunteer's midsagittal slice, as the study made them.

    Each acquired protocol is repeated on the volunteer's noise-free image (``study.truth``)
    with the study's noise SD (``study.noise_sd``, else measured: :func:`study_noise_sd`) and, when
    it is recorded, the book scanner's coil noise correlation, the coil maps of the slice and, for
    triple-fast, one fixed undersampling pattern; the DLR sets denoise the replicas of their
    source set with the noise SD the study's DLR estimated on that set's image
    (:func:`lumbarlib.sim.noise.estimate_sigma`). With an intensity correction
    (``study.correction``) the acquisitions and the DLR run before it, as in the study.
    Only the column bands holding the slice's ROIs are acquired (:func:`column_bands`).

    Parameters
    ----------
    study : StudyImages
        The five sets (the DLR sets' sigma comes from their source images).
    volunteer_index : int
        Which volunteer, counted from 0 (volunteer number ``volunteer_index + 1`` of the tables).
    rois : mapping
        The volunteer's ROIs (those on the midsagittal slice are used, air included).
    n_replicas : int
        Replicas per acquired protocol.
    seed : int
        Seeds the undersampling pattern (``[seed, 1]``) and the replicas' noise
        (``[seed, 2, k]`` for protocol k).
    cs_iterations : int
        FISTA iterations of the triple-fast reconstruction.
    denoiser : callable
        ``denoiser(image, sigma=...)``; default the shipped DLR.
    show_pbar : bool
        Progress bars.

    Returns
    -------
    dict
        Set name -> :class:`ReplicaStats`, in the paper's order.
    """
    check_range("volunteer_index", volunteer_index, 0, study.n_volunteers - 1, integer=True)
    check_range("seed", seed, 0, integer=True)
    mid = SLICE_NAMES.index("mid")
    shape = study.truth.shape[-2:]
    fov_mm = (shape[0] * study.pixel_mm[0], shape[1] * study.pixel_mm[1])
    maps = coil_maps(shape, fov_mm, SLICE_OFFSET_MM["mid"]).maps
    on_slice = {t: r for t, r in rois.items() if r.slice_name == "mid"}
    masks = roi_masks(on_slice, shape, study.pixel_mm)
    bands = column_bands(on_slice, shape[1], study.pixel_mm)
    noise_sd = study.noise_sd if study.noise_sd is not None else study_noise_sd(study)
    # the book's scanner: its coils' noise correlation (simulate_cohort's default ScannerModel), when the
    # study records the noise it was acquired with
    covariance = ScannerModel().noise_covariance() if study.noise_sd is not None else None
    correction = None if study.correction is None else study.correction[mid]
    gain = 1.0 if correction is None else correction
    out: dict[str, ReplicaStats] = {}
    for k, (name, protocol) in enumerate(PROTOCOLS.items()):
        processes: dict[str, Callable[[np.ndarray], np.ndarray] | None] = {name: None}
        if name in DLR_SETS and DLR_SETS[name] in study.images:
            sigma = estimate_sigma(study.uncorrected(name)[volunteer_index, mid])
            processes[DLR_SETS[name]] = lambda image, sigma=sigma: denoiser(image, sigma=sigma)
        mask = None
        if protocol.cs_factor > 1:
            mask = phase_encode_mask(shape[0], protocol.cs_factor, rng=np.random.default_rng([seed, 1]))
        out.update(
            acquisition_replicas(
                study.truth[volunteer_index, mid] / gain,
                maps,
                protocol,
                noise_sd=noise_sd,
                n_replicas=n_replicas,
                rng=np.random.default_rng([seed, 2, k]),
                bands=bands,
                processes=processes,
                rois=masks,
                show_pbar=show_pbar,
                cs_iterations=cs_iterations,
                mask=mask,
                intensity_correction=correction,
                noise_covariance=covariance,
            )
        )
    return {n: out[n] for n in SET_NAMES if n in out}
