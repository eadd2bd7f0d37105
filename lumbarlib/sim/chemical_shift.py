"""Fat-water chemical shift along the read direction.

Fat protons precess about 3.4 ppm slower than water protons :cite:`hamilton2011liver`; at
1.5 T that is 217 Hz. The read gradient maps frequency to position, so the fat signal of
every pixel is displaced along the read (anterior-posterior) direction by
:math:`\\Delta f / \\mathrm{BW}_{px}` pixels: 0.89 pixel (0.62 mm) with Table 1's 245.1 Hz per
pixel :cite:`kashiwagi2022lumbar`. Where fat meets water the two leave a dark gap on one side
and a bright overlap on the other, most visible at the vertebral endplates' fat-rich marrow
and the epidural fat. The sign of the shift follows the read-gradient polarity, which the
paper does not state; fat moves towards the posterior side here.

Only the main (methylene) peak is modelled; the smaller olefinic and glycerol peaks near
water are taken with the water. Written here because no installed library simulates it.
"""

from __future__ import annotations

import numpy as np

from lumbarlib.core.checks import check_range
from lumbarlib.sim.labels import LABELS
from lumbarlib.study.protocol import Protocol

GYROMAGNETIC_MHZ_PER_T = 42.577
"""Proton gyromagnetic ratio / 2 pi."""

FIELD_T = 1.5
"""The paper's field strength (Vantage Orian 1.5T)."""

FAT_WATER_PPM = 3.4
"""Frequency offset of the main fat peak from water :cite:`hamilton2011liver`."""

FAT_LABELS: tuple[str, ...] = ("subcutaneous_fat", "retroperitoneal_fat", "epidural_fat", "visceral_fat", "muscle_fat")
"""Labels whose whole signal is fat."""

MARROW_PREFIXES: tuple[str, ...] = ("vertebra_", "posterior_elements")
"""Labels of marrow, whose fat share is the volunteer's (see :func:`fat_share`)."""


def shift_mm(protocol: Protocol) -> float:
    """Displacement of fat along the read direction (mm) for the protocol's bandwidth per pixel and read FOV."""
    offset_hz = GYROMAGNETIC_MHZ_PER_T * FIELD_T * FAT_WATER_PPM
    return offset_hz / protocol.bandwidth_hz_per_px * protocol.fov_read_mm / protocol.matrix_read


def fat_share(labels: np.ndarray, marrow_fat_signal: float) -> np.ndarray:
    """Fraction of each pixel's signal that is fat: 1 in fat, ``marrow_fat_signal`` in marrow, 0 elsewhere.

    Parameters
    ----------
    labels : ndarray of int (ny, nx)
        Phantom labels.
    marrow_fat_signal : float
        Share of the marrow's signal from its fat (0 to 1): fat fraction times the fat
        signal over the marrow signal (:func:`marrow_fat_signal`).
    """
    check_range("marrow_fat_signal", marrow_fat_signal, 0.0, 1.0)
    names = {value: name for name, value in LABELS.items()}
    share = np.zeros(np.shape(labels), dtype=np.float32)
    for label in np.unique(labels):
        name = names[int(label)]
        if name in FAT_LABELS:
            share[labels == label] = 1.0
        elif name.startswith(MARROW_PREFIXES):
            share[labels == label] = marrow_fat_signal
    return share


def marrow_fat_signal(fat_fraction: float, fat_signal: float, water_signal: float) -> float:
    """Share of the marrow's TSE signal that comes from its fat, for a fat fraction and the two signals."""
    check_range("fat_fraction", fat_fraction, 0.0, 1.0)
    fat = fat_fraction * fat_signal
    total = fat + (1.0 - fat_fraction) * water_signal
    return float(fat / total) if total > 0 else 0.0


def chemical_shift(signal: np.ndarray, share: np.ndarray, shift_px: float) -> np.ndarray:
    """The object as the read gradient places it: the fat part of every pixel moved by ``shift_px`` columns.

    Serves the TSE of Table 1 :cite:`kashiwagi2022lumbar`. The shift is sub-pixel, applied
    as a linear phase in the read direction's k-space (the columns), so it is exact for
    the band-limited object and keeps the fat's total signal.

    Parameters
    ----------
    signal : ndarray (ny, nx)
        The object (real or complex).
    share : ndarray (ny, nx)
        Fat share of each pixel (:func:`fat_share`).
    shift_px : float
        Displacement in pixels along the columns (positive: towards higher column index).

    Returns
    -------
    ndarray, complex64, shape (ny, nx)
    """
    signal = np.asarray(signal)
    if np.shape(share) != signal.shape:
        raise ValueError(f"share shape {np.shape(share)} differs from the signal's {signal.shape}")
    fat = signal * share
    frequencies = np.fft.fftfreq(signal.shape[1])
    moved = np.fft.ifft(np.fft.fft(fat, axis=1) * np.exp(-2j * np.pi * frequencies * shift_px), axis=1)
    return (signal - fat + moved).astype(np.complex64)
