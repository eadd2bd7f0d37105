"""A synthetic sagittal knee at 3T proton-density contrast: the DLR's knee training images.

The DLR of the paper was trained on 3T brain and knee images, never on lumbar spine
(paper, "DLR method"). No knee MR image ships with any installed library, so the knee
half of the training set is this phantom, built in the spirit of the lumbar phantom:
labelled anatomy (femur, tibia, patella with cortex and fatty marrow, articular
cartilage, menisci, cruciate ligaments and tendons, joint fluid, Hoffa's fat pad,
subcutaneous fat, muscle), a spin-echo signal per tissue, partial volume from 2x2
supersampling, seeded tissue texture and a smooth receive-coil shading. Each seed gives
a differently scaled, rotated and shifted knee.

Signal: ``S = PD (1 - exp(-TR/T1)) exp(-TE/T2)`` for a proton-density-weighted turbo
spin echo (TR 3000 ms, TE 30 ms), the workhorse knee sequence. Relaxation times are
rounded 3T values; cartilage and muscle T2 follow Pai et al. 2008.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter

from lumbarlib.core.checks import check_range

TR_MS = 3000.0
TE_MS = 30.0

# name -> (proton density (relative), T1 (ms), T2 (ms)) at 3T
KNEE_TISSUES: dict[str, tuple[float, float, float]] = {
    "air": (0.0, 1000.0, 1.0),
    "subcutaneous_fat": (0.95, 380.0, 130.0),
    "muscle": (0.75, 1400.0, 34.0),
    "cortical_bone": (0.05, 1000.0, 1.0),
    "marrow": (0.85, 380.0, 120.0),
    "cartilage": (0.80, 1200.0, 36.0),
    "meniscus": (0.60, 1000.0, 8.0),
    "ligament": (0.55, 1000.0, 6.0),
    "fluid": (1.00, 3500.0, 1200.0),
    "hoffa_fat": (0.95, 380.0, 130.0),
    "vessel": (0.30, 1600.0, 60.0),
}
KNEE_LABELS: dict[str, int] = {name: index for index, name in enumerate(KNEE_TISSUES)}
SUPERSAMPLE = 2


@dataclass(frozen=True)
class KneePhantom:
    """One knee slice.

    Attributes
    ----------
    image : ndarray, float32, shape (ny, nx)
        Noise-free magnitude on the scale where joint fluid is 1 (fat about 1.3).
    labels : ndarray, int16, shape (ny, nx)
        Ids of :data:`KNEE_LABELS`.
    pixel_mm : float
        Isotropic pixel spacing.
    """

    image: np.ndarray
    labels: np.ndarray
    pixel_mm: float


def tissue_signal(name: str) -> float:
    """Proton-density TSE signal of a tissue of :data:`KNEE_TISSUES` (TR 3000 ms, TE 30 ms)."""
    pd_, t1, t2 = KNEE_TISSUES[name]
    return pd_ * (1.0 - np.exp(-TR_MS / t1)) * np.exp(-TE_MS / t2)


def _ellipse(y, x, cy, cx, ry, rx):
    return ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1.0


def _segment(y, x, p0, p1, half_width):
    """Points within ``half_width`` of the segment p0-p1 (points as (y, x) in mm)."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    t = np.clip(((y - p0[0]) * d[0] + (x - p0[1]) * d[1]) / (d @ d), 0.0, 1.0)
    return (y - p0[0] - t * d[0]) ** 2 + (x - p0[1] - t * d[1]) ** 2 <= half_width**2


def _paint(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Label map of the canonical knee on coordinates ``y`` (inferior +) and ``x`` (posterior +), mm.

    Later tissues overwrite earlier ones. The joint line is at y = 0.
    """
    lab = np.zeros(y.shape, dtype=np.int16)
    L = KNEE_LABELS
    limb_half = 60.0 + 4.0 * np.tanh(-y / 60.0)  # thigh slightly wider than leg
    limb = np.abs(x - 4.0) < limb_half
    lab[limb] = L["subcutaneous_fat"]
    lab[np.abs(x - 4.0) < limb_half - 8.0] = L["muscle"]
    # femur: shaft plus a condyle, cortex around marrow
    femur_shaft = (np.abs(x - 2.0) < 16.0) & (y < -28.0)
    condyle = _ellipse(y, x, -22.0, 4.0, 21.0, 28.0)
    femur = femur_shaft | condyle
    femur_marrow = ((np.abs(x - 2.0) < 12.0) & (y < -28.0)) | _ellipse(y, x, -22.0, 4.0, 19.0, 26.0)
    cartilage_f = _ellipse(y, x, -22.0, 4.0, 23.5, 30.5) & ~femur & (y > -40.0)
    # tibia: plateau, metaphysis and shaft
    tibia_half = np.maximum(30.0 - np.clip(y - 20.0, 0.0, None) * 0.6, 15.0)
    tibia = (y > 4.0) & (np.abs(x - 2.0) < tibia_half)
    tibia_marrow = (y > 6.0) & (np.abs(x - 2.0) < tibia_half - np.where(y > 45.0, 4.0, 2.0))
    cartilage_t = (y > 1.5) & (y <= 4.0) & (np.abs(x - 2.0) < 24.0)
    # patella anterior to the femoral trochlea, with its cartilage facing the femur
    patella = _ellipse(y, x, -26.0, -36.0, 19.0, 8.0)
    patella_marrow = _ellipse(y, x, -26.0, -36.5, 17.0, 6.0)
    cartilage_p = _ellipse(y, x, -26.0, -33.5, 16.0, 8.0) & ~patella & (x > -36.0)
    fluid = (
        _ellipse(y, x, -52.0, -28.0, 16.0, 4.5)  # suprapatellar bursa
        | ((y > 0.0) & (y < 1.5) & (np.abs(x - 2.0) < 22.0))  # joint space
        | _ellipse(y, x, -8.0, 33.0, 6.0, 2.5)  # posterior recess
    )
    hoffa = (y > -8.0) & (y < 8.0) & (x > -38.0 + 0.3 * y) & (x < -26.0) | _ellipse(y, x, 0.0, -31.0, 9.0, 6.0)
    menisci = ((np.abs(y - 0.7) < 3.2 - 0.12 * np.abs(x + 26.0) * 3.0) & (x > -30.0) & (x < -18.0)) | (
        (np.abs(y - 0.7) < 3.5 - 0.12 * np.abs(x - 28.0) * 3.0) & (x > 18.0) & (x < 33.0)
    )
    ligaments = (
        _segment(y, x, (-18.0, 10.0), (8.0, 22.0), 2.6)  # posterior cruciate
        | _segment(y, x, (-14.0, 0.0), (6.0, -12.0), 2.2)  # anterior cruciate
        | _segment(y, x, (-46.0, -38.0), (-95.0, -34.0), 3.0)  # quadriceps tendon
        | _segment(y, x, (-8.0, -41.0), (38.0, -30.0), 2.8)  # patellar tendon
    )
    vessel = _ellipse(y, x, -14.0, 44.0, 4.0, 3.5) | _ellipse(y, x, -4.0, 47.0, 3.0, 3.0)
    for name, mask in (
        ("fluid", fluid & limb),
        ("hoffa_fat", hoffa & limb),
        ("cortical_bone", femur | tibia | patella),
        ("marrow", femur_marrow | tibia_marrow | patella_marrow),
        ("cartilage", cartilage_f | cartilage_t | cartilage_p),
        ("meniscus", menisci),
        ("ligament", ligaments & ~femur_marrow & ~tibia_marrow),
        ("vessel", vessel),
    ):
        lab[mask & limb] = L[name]
    return lab


def make_knee(seed: int, shape: tuple[int, int] = (320, 320), fov_mm: float = 160.0) -> KneePhantom:
    """A sagittal knee slice at 3T PD contrast, varied by ``seed``.

    Parameters
    ----------
    seed : int
        Seeds the pose (scale 0.9-1.1, rotation +-8 degrees, shift +-8 mm), the tissue
        texture and the coil shading.
    shape : (int, int)
        Matrix (rows = superior-inferior, columns = anterior-posterior).
    fov_mm : float
        Square field of view.

    Returns
    -------
    KneePhantom
    """
    check_range("seed", seed, 0, integer=True)
    check_range("fov_mm", fov_mm, 20.0)
    if len(shape) != 2:
        raise ValueError(f"parameter 'shape' = {shape!r}: must be (rows, columns)")
    for side in shape:
        check_range("shape", side, 16, integer=True)
    rng = np.random.default_rng([seed, 0x6B6E6565])
    scale = rng.uniform(0.9, 1.1)
    angle = np.deg2rad(rng.uniform(-8.0, 8.0))
    shift = rng.uniform(-8.0, 8.0, size=2)
    ny, nx = shape
    pixel_mm = fov_mm / max(ny, nx)

    def grid(factor: int):
        ry = (np.arange(ny * factor) + 0.5) / factor - ny / 2.0
        rx = (np.arange(nx * factor) + 0.5) / factor - nx / 2.0
        yy, xx = np.meshgrid(ry * pixel_mm, rx * pixel_mm, indexing="ij")
        yy, xx = yy - shift[0], xx - shift[1]
        c, s = np.cos(angle), np.sin(angle)
        return (c * yy - s * xx) / scale, (s * yy + c * xx) / scale

    labels = _paint(*grid(1))
    fine = _paint(*grid(SUPERSAMPLE))
    signal = np.array([tissue_signal(name) for name in KNEE_TISSUES])[fine]
    # seeded texture: +-6 % in soft tissue, trabecular +-12 % in marrow, smoothed over ~1 mm
    sigma_px = SUPERSAMPLE / pixel_mm
    texture = gaussian_filter(rng.standard_normal(fine.shape), sigma_px * 0.6)
    texture /= texture.std() + 1e-12
    amplitude = np.where(fine == KNEE_LABELS["marrow"], 0.12, 0.06)
    signal = signal * (1.0 + amplitude * texture)
    # smooth receive shading, 0.85-1.15
    shading = gaussian_filter(rng.standard_normal(fine.shape), sigma_px * 40.0)
    shading = 1.0 + 0.15 * shading / (np.abs(shading).max() + 1e-12)
    signal = (signal * shading).reshape(ny, SUPERSAMPLE, nx, SUPERSAMPLE).mean(axis=(1, 3))
    signal = np.clip(signal, 0.0, None) / tissue_signal("fluid")
    return KneePhantom(signal.astype(np.float32), labels, float(pixel_mm))
