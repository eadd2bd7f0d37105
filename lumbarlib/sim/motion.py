"""Respiratory motion of the anterior abdomen during the acquisition, and the ghosts it leaves along the phase axis.

The volunteer breathes during the 2-4 minutes of each scan :cite:`kashiwagi2022lumbar`. The
anterior abdominal wall moves forwards and back; the spine, on the table, does not. Each
echo train (one TR) acquires its lines with the abdomen in one position, so the phase-encode
lines see the abdomen in different positions, and the inconsistency is spread along the
phase (superior-inferior) direction as ghosts of the moving tissue :cite:`wood1985mr`.

Model: the anterior-posterior displacement of a pixel is the breathing excursion times a
weight that falls linearly from 1 at the anterior skin to 0 at the front of the vertebral
bodies (:func:`motion_weight`); the excursion follows
:math:`d(t) = \\tfrac{A}{2}(1 - \\cos(2\\pi t / T + \\varphi))` with a random phase per acquisition.
Lines are acquired shot by shot: with the linear view order of :mod:`lumbarlib.sim.echo_train`
the r-th line of every echo's block is acquired in shot r, and shot r of excitation e starts
at :math:`(e\\,n_{shots} + r)\\,TR`. The k-space of the object displaced by each of a few
excursions is computed once and interpolated linearly to each line's excursion.

Written here because no installed library simulates motion during a TSE acquisition.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from lumbarlib.core.checks import check_range
from lumbarlib.sim.echo_train import line_echo_times
from lumbarlib.sim.kspace import fft2c, ifft2c
from lumbarlib.sim.labels import LABELS
from lumbarlib.study.protocol import Protocol

BREATHING_PERIOD_S = 4.0
"""Quiet breathing at 15 breaths per minute, the middle of the adult resting 12-20 per minute."""

WALL_EXCURSION_MM = 5.0
"""Peak-to-peak anterior-posterior excursion of the anterior abdominal wall in quiet supine breathing.

A physical estimate: a tidal volume of about 0.5 L, of which the abdomen takes about half in
the supine position, spread over an anterior abdominal wall of about 500 cm^2, lifts it
about 5 mm.
"""

EXCURSION_LEVELS = 6
"""Excursions at which the displaced object's k-space is computed (linear interpolation between them)."""

_SPINE_PREFIXES = ("vertebra_", "nucleus_", "annulus_")


def motion_weight(labels: np.ndarray) -> np.ndarray:
    """Share of the abdominal wall's excursion each pixel moves with: 1 at the anterior skin, 0 at the spine.

    Per row (superior-inferior position), from the first non-air column (the skin) to the
    anterior margin of the vertebral column (vertebral bodies and discs) the weight falls
    linearly from 1 to 0; the spine and everything behind it, on the table, stay. Rows
    without vertebral column take the nearest row's margin.

    Parameters
    ----------
    labels : ndarray of int (ny, nx)
        Phantom labels; columns run from anterior (0) to posterior.
    """
    names = {value: name for name, value in LABELS.items()}
    spine_ids = [value for value, name in names.items() if name.startswith(_SPINE_PREFIXES)]
    spine = np.isin(labels, spine_ids)
    body = labels != LABELS["air"]
    rows_with_spine = np.flatnonzero(spine.any(axis=1))
    if rows_with_spine.size == 0:
        raise ValueError("parameter 'labels': holds no vertebral column to anchor the motion")
    margin = np.argmax(spine, axis=1).astype(float)
    margin = np.interp(np.arange(labels.shape[0]), rows_with_spine, margin[rows_with_spine])
    skin = np.where(body.any(axis=1), np.argmax(body, axis=1), labels.shape[1]).astype(float)
    cols = np.arange(labels.shape[1])[None, :]
    span = (margin - skin)[:, None]
    weight = np.clip((margin[:, None] - cols) / np.maximum(span, 1.0), 0.0, 1.0)
    weight[(span < 1.0).ravel()] = 0.0  # no abdomen in front of the spine on this row
    return weight.astype(np.float32)


def line_shots(n_lines: int, protocol: Protocol, mask: np.ndarray | None = None) -> np.ndarray:
    """The shot (TR within one excitation) in which each phase-encode line is acquired, under the linear view order.

    The lines acquired at one echo (:func:`lumbarlib.sim.echo_train.line_echo_times`) form a
    block; the r-th line of each block is acquired in shot r. Lines not acquired get -1.
    """
    mask = np.ones(n_lines, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    echo = np.round(line_echo_times(n_lines, protocol, mask) / protocol.echo_spacing_ms).astype(int)
    shots = np.full(n_lines, -1, dtype=int)
    for e in np.unique(echo[mask]):
        lines = np.flatnonzero(mask & (echo == e))
        shots[lines] = np.arange(lines.size)
    return shots


def excursion_mm(time_s: np.ndarray, phase: float, amplitude_mm: float = WALL_EXCURSION_MM) -> np.ndarray:
    """Wall excursion :math:`\\tfrac{A}{2}(1 - \\cos(2\\pi t / T + \\varphi))` at the times (mm, 0 = expiration)."""
    return 0.5 * amplitude_mm * (1.0 - np.cos(2.0 * np.pi * np.asarray(time_s) / BREATHING_PERIOD_S + phase))


def displaced(signal: np.ndarray, weight: np.ndarray, shift_px: float) -> np.ndarray:
    """The object with each pixel moved ``weight * shift_px`` columns anteriorly (towards column 0)."""
    rows, cols = np.indices(signal.shape, dtype=np.float32)
    coords = [rows, cols + weight * shift_px]
    signal = np.asarray(signal)
    moved = ndimage.map_coordinates(signal.real, coords, order=1, mode="nearest")
    if np.iscomplexobj(signal):
        moved = moved + 1j * ndimage.map_coordinates(signal.imag, coords, order=1, mode="nearest")
    return moved


def respiratory_motion(
    signal: np.ndarray,
    labels: np.ndarray,
    pixel_mm: tuple[float, float],
    protocol: Protocol,
    *,
    rng: np.random.Generator,
    mask: np.ndarray | None = None,
    amplitude_mm: float = WALL_EXCURSION_MM,
) -> np.ndarray:
    """The object as a breathing volunteer's acquisition records it, averaged over the protocol's NEX.

    Serves the acquisitions of Table 1 :cite:`kashiwagi2022lumbar` (TR 3400 ms, ETL 17, NEX 2
    or 1, CS 1.8).

    Parameters
    ----------
    signal : ndarray (ny, nx)
        The object (real or complex); rows are the phase-encode direction.
    labels : ndarray of int (ny, nx)
        Its labels (for :func:`motion_weight`).
    pixel_mm : (float, float)
        Row and column spacing.
    protocol : Protocol
        TR, NEX and the echo train.
    rng : numpy.random.Generator
        Draws the breathing phase at the start of the acquisition.
    mask : ndarray of bool (ny,), optional
        Acquired lines (default: all).
    amplitude_mm : float
        Peak-to-peak excursion of the anterior wall (0: no motion, the object comes back).

    Returns
    -------
    ndarray, complex64, shape (ny, nx)
    """
    check_range("amplitude_mm", amplitude_mm, 0.0)
    signal = np.asarray(signal)
    ny = signal.shape[0]
    shots = line_shots(ny, protocol, mask)
    phase = float(rng.uniform(0.0, 2.0 * math.pi))
    if amplitude_mm == 0:
        return signal.astype(np.complex64)
    weight = motion_weight(labels)
    levels = np.linspace(0.0, amplitude_mm, EXCURSION_LEVELS)
    kspaces = np.stack([fft2c(displaced(signal, weight, level / pixel_mm[1])) for level in levels])
    n_shots = int(shots.max()) + 1
    out = np.zeros(signal.shape, dtype=np.complex128)
    for excitation in range(protocol.nex):
        time_s = (excitation * n_shots + np.maximum(shots, 0)) * protocol.tr_ms / 1000.0
        position = excursion_mm(time_s, phase, amplitude_mm) / amplitude_mm * (EXCURSION_LEVELS - 1)
        low = np.clip(np.floor(position).astype(int), 0, EXCURSION_LEVELS - 2)
        frac = (position - low)[:, None]
        rows = np.arange(ny)
        out += (1.0 - frac) * kspaces[low, rows] + frac * kspaces[low + 1, rows]
    return ifft2c(out / protocol.nex).astype(np.complex64)
