"""The phantom beside a real sagittal T2 lumbar scan: tissue intensity ratios and the spine's power spectrum.

The paper's images come from real volunteers :cite:`kashiwagi2022lumbar`; the book's come
from a digital phantom. This module measures how far apart the two are on one real scan,
the ``sct_t2_lumbar`` volume of the Spinal Cord Toolbox tutorial data
:cite:`deleener2017sct` (:func:`lumbarlib.study.mri_data.lumbar_volume`). **It is a test
only: nothing in the phantom or the scanner is set from it.**

The real scan has no labels, so its ROIs (:data:`REAL_ROIS`) were placed by eye on its
midsagittal slice :data:`REAL_SLICE`, in the tissues the paper measures: CSF in the lower
thecal sac, the middle of a vertebral body, a disc nucleus, the cord. Its field of view
(201 mm) does not reach the sacrum, so levels are not matched, and its intensity correction
is unknown; the ratios are taken to CSF, which lies at the depth of the cord, marrow and disc,
so that the coil's shading moves them least. The radially averaged power spectrum
(:func:`radial_power_spectrum`) of a box over the vertebral column compares texture and edge
content; it is written here because no library of the stack computes it (numpy gives the
FFT, the radial binning is a few lines).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lumbarlib.analysis.rois import OvalRoi
from lumbarlib.core.checks import check_range

REAL_SLICE = 24
"""Index (first axis of the NIfTI volume) of the real scan's midsagittal slice: widest canal, spinous processes."""

REAL_ROIS: dict[str, tuple[float, float, float]] = {
    "csf": (175.0, 164.0, 2.5),
    "vertebra": (115.0, 150.0, 4.0),
    "disc": (131.0, 150.0, 1.5),
    "cord": (30.0, 178.0, 1.5),
}
"""Tissue -> (row, column, radius) in mm of a round ROI on the displayed real slice (:func:`real_midsagittal`).

Placed by eye: CSF in the lower sac, the centre of a lower body, the nucleus of the disc below
it, the cord at the top of the field. Tests only; never used to set anything.
"""

SPINE_BOX_MM = (96.0, 64.0)
"""(superior-inferior, anterior-posterior) size of the box over the vertebral column whose spectrum is compared."""

SPINE_BOX_OFFSET_MM = 5.0
"""The spine box is centred this far posterior to the centre of the vertebral-body ROI (bodies and canal inside)."""


def spine_box_centre(vertebra_centre_mm: tuple[float, float]) -> tuple[float, float]:
    """Centre (row, column, mm) of the spine box for a vertebral-body ROI centred at ``vertebra_centre_mm``.

    The same rule on the phantom (its L2 ROI) and on the real scan (:data:`REAL_ROIS`), so the
    two boxes hold the same anatomy: vertebral bodies with their discs, and the canal.
    """
    return (float(vertebra_centre_mm[0]), float(vertebra_centre_mm[1]) + SPINE_BOX_OFFSET_MM)


def real_midsagittal(volume: np.ndarray) -> np.ndarray:
    """Slice :data:`REAL_SLICE` of the real volume as the book shows images.

    Rows run superior to inferior, columns anterior to posterior.
    """
    volume = np.asarray(volume)
    if volume.ndim != 3 or volume.shape[0] <= REAL_SLICE:
        raise ValueError(f"parameter 'volume': shape {volume.shape}; needs 3 axes and more than {REAL_SLICE} slices")
    return np.flip(volume[REAL_SLICE].T).astype(np.float64)


def real_tissue_means(image: np.ndarray, pixel_mm: tuple[float, float]) -> dict[str, float]:
    """Mean signal in each ROI of :data:`REAL_ROIS` on the real midsagittal slice.

    Each ROI is a round :class:`lumbarlib.analysis.rois.OvalRoi` (pixels whose centres lie in it).
    """
    means = {}
    for tissue, (row, col, radius) in REAL_ROIS.items():
        mask = OvalRoi(tissue, "mid", (row, col), (radius, radius)).mask(image.shape, pixel_mm)
        if mask.sum() < 3:
            raise ValueError(f"real-scan ROI {tissue!r} holds {mask.sum()} pixels; the pixels are too coarse for it")
        means[tissue] = float(image[mask].mean())
    return means


def ratios_to_csf(means: dict[str, float]) -> dict[str, float]:
    """Each tissue's mean over the CSF mean (the paper's Table 2 SI, divided by CSF instead of fat)."""
    if means.get("csf", 0.0) <= 0:
        raise ValueError(f"parameter 'means': needs a positive 'csf' entry, got {means.get('csf')!r}")
    return {tissue: value / means["csf"] for tissue, value in means.items() if tissue != "csf"}


def compare_ratios(simulated: dict[str, float], real: dict[str, float], paper: dict[str, float]) -> pd.DataFrame:
    """Table of each tissue's SI relative to CSF: the phantom, the real scan, the paper's Table 2.

    Returns
    -------
    DataFrame
        Columns ``tissue``, ``phantom``, ``real scan``, ``paper``, ``phantom / real``.
    """
    rows = [
        {
            "tissue": tissue,
            "phantom": simulated[tissue],
            "real scan": real[tissue],
            "paper": paper.get(tissue, np.nan),
            "phantom / real": simulated[tissue] / real[tissue],
        }
        for tissue in real
        if tissue in simulated
    ]
    return pd.DataFrame(rows)


def spine_box(image: np.ndarray, pixel_mm: tuple[float, float], centre_mm, size_mm=SPINE_BOX_MM) -> np.ndarray:
    """The part of ``image`` inside a box of ``size_mm`` (rows, columns) centred at ``centre_mm``."""
    half = [size_mm[k] / 2 / pixel_mm[k] for k in range(2)]
    centre = [centre_mm[k] / pixel_mm[k] for k in range(2)]
    r0, r1 = round(centre[0] - half[0]), round(centre[0] + half[0])
    c0, c1 = round(centre[1] - half[1]), round(centre[1] + half[1])
    if r0 < 0 or c0 < 0 or r1 > image.shape[0] or c1 > image.shape[1]:
        raise ValueError(f"spine box rows {r0}:{r1}, columns {c0}:{c1} leaves the image of shape {image.shape}")
    return image[r0:r1, c0:c1]


def radial_power_spectrum(patch: np.ndarray, pixel_mm: tuple[float, float], n_bins: int = 24) -> pd.DataFrame:
    """Radially averaged power spectral density of an image patch, in physical frequency.

    The patch's mean is removed and a Hann window applied (so its edges do not add power at
    every frequency); the periodogram ``|FFT|^2 * pixel area / number of pixels`` is averaged
    in rings of radial frequency up to the lower of the two Nyquist frequencies.

    Parameters
    ----------
    patch : ndarray (ny, nx)
        Image values (normalised by the caller, e.g. to the CSF mean).
    pixel_mm : (float, float)
        Row and column spacing.
    n_bins : int
        Number of frequency rings.

    Returns
    -------
    DataFrame
        ``frequency_per_mm`` (ring centre, cycles per mm) and ``power`` (units^2 mm^2).
    """
    check_range("n_bins", n_bins, 2, None, integer=True)
    patch = np.asarray(patch, dtype=np.float64)
    if patch.ndim != 2 or min(patch.shape) < 8:
        raise ValueError(f"parameter 'patch': shape {patch.shape}; needs a 2-D patch of at least 8 x 8 pixels")
    window = np.outer(np.hanning(patch.shape[0]), np.hanning(patch.shape[1]))
    values = (patch - patch.mean()) * window
    power = np.abs(np.fft.fft2(values)) ** 2 * (pixel_mm[0] * pixel_mm[1]) / np.sum(window**2)
    fy = np.fft.fftfreq(patch.shape[0], d=pixel_mm[0])
    fx = np.fft.fftfreq(patch.shape[1], d=pixel_mm[1])
    radius = np.hypot(*np.meshgrid(fy, fx, indexing="ij"))
    nyquist = 0.5 / max(pixel_mm)
    edges = np.linspace(0.0, nyquist, n_bins + 1)
    ring = np.digitize(radius, edges) - 1
    keep = (ring >= 0) & (ring < n_bins)
    sums = np.bincount(ring[keep], weights=power[keep], minlength=n_bins)
    counts = np.bincount(ring[keep], minlength=n_bins)
    centres = (edges[:-1] + edges[1:]) / 2
    filled = counts > 0
    return pd.DataFrame({"frequency_per_mm": centres[filled], "power": sums[filled] / counts[filled]})


def band_power_ratio(a: pd.DataFrame, b: pd.DataFrame, band: tuple[float, float]) -> float:
    """Mean power of spectrum ``a`` over that of spectrum ``b`` in ``band`` (cycles per mm).

    Both are :func:`radial_power_spectrum` tables; ``b`` is interpolated onto ``a``'s rings.
    """
    lo, hi = band
    if not 0.0 <= lo < hi:
        raise ValueError(f"parameter 'band' = {band!r}: needs 0 <= low < high (cycles per mm)")
    rings = a[(a["frequency_per_mm"] >= lo) & (a["frequency_per_mm"] <= hi)]
    if rings.empty or hi > b["frequency_per_mm"].max() + 1e-9:
        raise ValueError(f"parameter 'band' = {band!r}: not covered by both spectra")
    other = np.interp(rings["frequency_per_mm"], b["frequency_per_mm"], b["power"])
    return float(rings["power"].mean() / other.mean())
