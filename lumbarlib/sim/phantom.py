"""Digital sagittal lumbar spine phantom: tissue labels and the T2-weighted TSE signal on the protocol's grid.

The paper's volunteers are replaced by a geometric model of the lumbar spine, T11 to S2,
in two sagittal slices: the midsagittal slice (vertebral bodies, discs, the spinal canal
with CSF, cord, conus and cauda equina, spinous processes) and a right paramedian slice
through the intervertebral foramina (pedicles, foraminal fat and nerve roots, facet
columns, the paraspinal muscle where the paper measures muscle). Each structure is a
shape with a signed distance function in millimetres; each tissue has a proton density
and 1.5 T relaxation times from the literature, and its signal comes from the TSE
equation (:func:`tse_signal`). Textures (trabecular marrow, muscle fibres, fat septa,
bowel content) and thin structures (cortex, dura, nerve roots, the intranuclear cleft)
are there on purpose, so that blur from denoising is visible and measurable.

The image is rendered at twice the acquisition resolution with area-weighted edges and
then cut to the acquired k-space extent, so the noise-free truth is what a
noise-free scanner would record: partial volume and Gibbs ringing included.

Orientation (the book's contract): rows run superior to inferior (phase encoding, FOV
300 mm), columns anterior to posterior (read, FOV 270 mm); the patient lies supine on
the posterior coil, at the right of the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.fft
from scipy import ndimage
from scipy.interpolate import CubicSpline
from scipy.spatial import cKDTree

from lumbarlib.core.checks import check_choice, check_range
from lumbarlib.sim.anatomy import (
    CORTEX_MM,
    MARROW_FAT_STEP,
    MODIC_DEPTH_MM,
    MODIC_FAT_FRACTION,
    SCHMORL_MM,
    SPINOUS,
    TABLE_X_MM,
    WAIST_MM,
    Anatomy,
    Vertebra,
    build_spine,
    lumbar_hollow_mm,
)
from lumbarlib.sim.kspace import resample_fourier
from lumbarlib.sim.labels import DISCS, LABELS, LEVELS, SLICE_NAMES, SLICE_OFFSET_MM
from lumbarlib.sim.tissues import TISSUE_PROPERTIES, tse_signal
from lumbarlib.study.protocol import PROTOCOLS, Protocol


@dataclass(frozen=True)
class PhantomSlice:
    """One rendered slice.

    Attributes
    ----------
    signal : ndarray
        float32 (ny, nx): noise-free TSE signal as the acquisition sees it (band-limited to
        the acquired k-space), before coil shading.
    labels : ndarray
        int16 (ny, nx): :data:`LABELS` id at each pixel centre.
    pixel_mm : tuple of float
        (row, column) spacing in mm.
    """

    signal: np.ndarray
    labels: np.ndarray
    pixel_mm: tuple[float, float]


# --- signed distance functions (negative inside), all in mm --------------------------
def _local(z: np.ndarray, x: np.ndarray, center: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    dz, dx = z - center[0], x - center[1]
    c, s = math.cos(angle), math.sin(angle)
    return dz * c + dx * s, -dz * s + dx * c


def _box_sdf(u: np.ndarray, v: np.ndarray, half_u, half_v, radius: float = 0.0) -> np.ndarray:
    qu = np.abs(u) - (half_u - radius)
    qv = np.abs(v) - (half_v - radius)
    outside = np.hypot(np.maximum(qu, 0), np.maximum(qv, 0))
    return outside + np.minimum(np.maximum(qu, qv), 0) - radius


def _ellipse_sdf(u: np.ndarray, v: np.ndarray, a, b) -> np.ndarray:
    """Approximate signed distance to an ellipse of semi-axes a, b (exact on the axes of a circle)."""
    return (np.hypot(u / a, v / b) - 1.0) * np.minimum(a, b)


def _polygon_sdf(z: np.ndarray, x: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Exact signed distance to a simple polygon given as (n, 2) points (z, x)."""
    z, x = np.broadcast_arrays(z, x)
    d2 = np.full(z.shape, np.inf)
    inside = np.zeros(z.shape, dtype=bool)
    for i in range(len(poly)):
        a, b = poly[i], poly[(i + 1) % len(poly)]
        ez, ex = b - a
        wz, wx = z - a[0], x - a[1]
        t = np.clip((wz * ez + wx * ex) / (ez * ez + ex * ex), 0.0, 1.0)
        d2 = np.minimum(d2, (wz - t * ez) ** 2 + (wx - t * ex) ** 2)
        crosses = (x >= a[1]) != (x >= b[1])
        z_cross = a[0] + (x - a[1]) * ez / np.where(ex == 0, 1e-12, ex)
        inside ^= crosses & (z < z_cross)
    return np.where(inside, -1.0, 1.0) * np.sqrt(d2)


def _band(a, lo, hi):
    """Signed distance-like function of the slab ``lo < a < hi`` (negative inside)."""
    return np.maximum(lo - a, a - hi)


class _View:
    """A rectangular window of the canvas: coordinates broadcast as (n, 1) and (1, m), fields sliced."""

    def __init__(self, canvas: _Canvas, iz: slice, ix: slice) -> None:
        self.canvas, self.iz, self.ix = canvas, iz, ix
        self.z = canvas.z_axis[iz][:, None]
        self.x = canvas.x_axis[ix][None, :]

    def __getattr__(self, name: str) -> np.ndarray:
        fields = self.__dict__["canvas"].fields
        if name in fields:
            return fields[name][self.iz, self.ix]
        raise AttributeError(name)


class _Canvas:
    """Painter's-order compositing of tissues with area-weighted (anti-aliased) edges.

    A shape is its signed distance function in mm (negative inside); its coverage of a
    pixel is approximated by ``clip(0.5 - sdf / step, 0, 1)``, which is exact for a
    straight edge at the pixel scale. A painted tissue covers what was there in
    proportion to its coverage; the label goes to pixels at least half covered.
    """

    def __init__(self, z_axis: np.ndarray, x_axis: np.ndarray) -> None:
        self.z_axis, self.x_axis = z_axis, x_axis
        shape = (len(z_axis), len(x_axis))
        self.step = math.sqrt((z_axis[1] - z_axis[0]) * (x_axis[1] - x_axis[0]))
        self.signal = np.zeros(shape, dtype=np.float32)
        self.labels = np.zeros(shape, dtype=np.int16)
        self.fields: dict[str, np.ndarray] = {}

    @staticmethod
    def _range(axis: np.ndarray, mm: tuple[float, float] | None) -> slice:
        if mm is None:
            return slice(None)
        step = axis[1] - axis[0]
        lo = max(0, int(math.floor((mm[0] - axis[0]) / step)))
        hi = min(len(axis), int(math.ceil((mm[1] - axis[0]) / step)) + 1)
        return slice(lo, max(lo, hi))

    def view(self, z_mm: tuple[float, float] | None = None, x_mm: tuple[float, float] | None = None) -> _View:
        return _View(self, self._range(self.z_axis, z_mm), self._range(self.x_axis, x_mm))

    def paint(self, view: _View, sdf: np.ndarray, label: str, signal) -> None:
        target = self.signal[view.iz, view.ix]
        if target.size == 0:
            return
        alpha = np.broadcast_to(np.clip(0.5 - sdf / self.step, 0.0, 1.0), target.shape)
        target += alpha * (signal - target)
        self.labels[view.iz, view.ix][alpha >= 0.5] = LABELS[label]


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma_px: tuple[float, float]) -> np.ndarray:
    """White noise low-passed by a Gaussian (SD ``sigma_px`` pixels per axis), scaled to unit SD.

    Filtering in the Fourier domain costs the same for any width; every texture is built from it.
    """
    white = rng.standard_normal(shape, dtype=np.float32)
    fy = scipy.fft.fftfreq(shape[0])[:, None]
    fx = scipy.fft.rfftfreq(shape[1])[None, :]
    gain = np.exp(-2.0 * np.pi**2 * ((fy * sigma_px[0]) ** 2 + (fx * sigma_px[1]) ** 2))
    out = scipy.fft.irfft2(scipy.fft.rfft2(white, workers=-1) * gain, s=shape, workers=-1)
    return (out / out.std()).astype(np.float32)


def render_slice(
    anat: Anatomy,
    slice_name: str,
    protocol: Protocol | None = None,
    *,
    matrix_scale: float = 1.0,
    oversample: int = 2,
    magnetisation_transfer: bool = True,
    sub_slices: int = 3,
) -> PhantomSlice:
    """Render one sagittal slice of a volunteer on the protocol's grid.

    Parameters
    ----------
    anat : Anatomy
        The volunteer.
    slice_name : {'mid', 'para'}
        Midsagittal, or right paramedian through the foramina (:data:`SLICE_OFFSET_MM`).
    protocol : Protocol, optional
        Supplies TR, TE, FOV and matrix (default: the standard protocol; all three share them).
    matrix_scale : float
        Shrinks the matrix (0 < scale <= 1) keeping the FOV, for quick runs.
    oversample : int
        Rendering resolution relative to the acquired pixel (1 to 4); the result is cut to
        the acquired k-space extent, so edges carry partial volume and Gibbs ringing.
        Labels are those of the pixel centres.
    magnetisation_transfer : bool
        Incidental MT of the multi-slice train (:data:`lumbarlib.sim.tissues.MT_LOSS`);
        False renders the tissues as a single-slice acquisition would.
    sub_slices : int
        Planes rendered across the slice thickness and averaged (1 to 7; see
        :func:`sub_slice_offsets`): the through-plane partial volume of a 3 mm slice. Labels
        are those of the middle plane.

    Returns
    -------
    PhantomSlice
        Band-limited noise-free signal, labels at pixel centres, pixel size.
    """
    check_choice("slice_name", slice_name, SLICE_NAMES)
    check_range("matrix_scale", matrix_scale, 0.0, 1.0, low_inclusive=False)
    check_range("oversample", oversample, 1, 4, integer=True)
    check_range("sub_slices", sub_slices, 1, 7, integer=True)
    protocol = protocol or PROTOCOLS["standard"]
    ny, nx = grid_shape(protocol, matrix_scale)
    hy, hx = ny * oversample, nx * oversample
    dz, dx = protocol.fov_phase_mm / hy, protocol.fov_read_mm / hx
    # fine sample o*j sits on the centre of acquired pixel j, as the k-space crop assumes
    canvas = _Canvas((np.arange(hy) + oversample / 2) * dz, (np.arange(hx) + oversample / 2) * dx)
    rng = np.random.default_rng([anat.texture_seed, SLICE_NAMES.index(slice_name)])
    spine = build_spine(anat)
    frame = _SpineFrame(spine, canvas)
    para = slice_name == "para"

    def sig(name: str) -> float:
        signal = tse_signal(TISSUE_PROPERTIES[name], protocol, magnetisation_transfer=magnetisation_transfer)
        return signal * anat.tissue_scale.get(name, 1.0)

    shape = (hy, hx)

    def px(sz_mm: float, sx_mm: float) -> tuple[float, float]:
        return sz_mm / dz, sx_mm / dx

    canvas.fields["septa"] = np.clip(1.0 - np.abs(_smooth_noise(rng, shape, px(4.0, 4.0))) / 0.09, 0.0, 1.0)
    canvas.fields["fibres"] = _smooth_noise(rng, shape, px(7.0, 0.5))
    canvas.fields["streaks"] = np.clip(_smooth_noise(rng, shape, px(9.0, 0.35)) - 1.8, 0.0, 0.8)
    canvas.fields["smooth"] = _smooth_noise(rng, shape, px(2.0, 2.0))
    canvas.fields["marbling"] = _smooth_noise(rng, shape, px(*MARBLING_MM))
    fine = _smooth_noise(rng, shape, px(1.1, 0.55))
    coarse = _smooth_noise(rng, shape, px(5.0, 5.0))
    fat_fraction = np.clip(anat.marrow_fat_fraction * (1.0 + 0.3 * (0.8 * fine + 0.5 * coarse)), 0.02, 0.98)
    canvas.fields["marrow"] = fat_fraction * sig("fat") + (1.0 - fat_fraction) * sig("marrow_water")

    loops = _draw_bowel(anat, spine, rng)
    offsets = sub_slice_offsets(protocol.slice_thickness_mm, sub_slices)
    # what the planes share is painted once; each plane then adds what differs across the slice
    _paint_body(canvas, anat, spine, sig)
    _paint_spine_fixed(canvas, anat, spine, frame, para, sig)
    shared = canvas.signal.copy(), canvas.labels.copy()
    total = np.zeros(canvas.signal.shape, dtype=np.float64)
    for k, offset in enumerate(offsets):
        canvas.signal[:], canvas.labels[:] = shared
        for loop in loops:
            _paint_bowel_loop(canvas, anat, spine, loop, offset, sig)
        _paint_spine_plane(canvas, anat, spine, frame, para, SLICE_OFFSET_MM[slice_name] + offset, sig)
        total += canvas.signal
        if k == len(offsets) // 2:
            labels = canvas.labels[::oversample, ::oversample].copy()
    signal = resample_fourier(total / len(offsets), (ny, nx)).real.astype(np.float32)
    return PhantomSlice(signal=signal, labels=labels, pixel_mm=(protocol.fov_phase_mm / ny, protocol.fov_read_mm / nx))


def sub_slice_offsets(thickness_mm: float, n: int) -> np.ndarray:
    """Lateral offsets (mm, from the slice centre) of ``n`` planes sampling a slice of ``thickness_mm``.

    The centres of ``n`` equal parts of the slab: a rectangular slice profile sampled at its
    midpoints (an ideal profile; real excitation profiles have soft edges). One plane is the
    slice centre, as a 2-D drawing would be.
    """
    check_range("thickness_mm", thickness_mm, 0.0, low_inclusive=False)
    check_range("n", n, 1, None, integer=True)
    return thickness_mm * ((np.arange(n) + 0.5) / n - 0.5)


def grid_shape(protocol: Protocol, matrix_scale: float = 1.0) -> tuple[int, int]:
    """Acquisition matrix (rows, columns) of a protocol shrunk by ``matrix_scale`` (even sizes)."""
    check_range("matrix_scale", matrix_scale, 0.0, 1.0, low_inclusive=False)
    ny = max(16, 2 * round(protocol.matrix_phase * matrix_scale / 2))
    nx = max(16, 2 * round(protocol.matrix_read * matrix_scale / 2))
    return ny, nx


class _SpineFrame:
    """Coordinates along the posterior vertebral line (PVL): arc length ``s`` and posterior offset ``v``.

    The PVL is a cubic spline through the posterior corners of the vertebral bodies. Every
    pixel gets ``s`` (mm from the top posterior corner of T11, increasing downwards) and
    ``v`` (mm from the line, positive posteriorly), computed on a 2 mm grid and
    interpolated (both are smooth near the spine). ``knots`` holds the arc length of each
    body's top and bottom posterior corner (``"top_L3"``, ``"bot_L3"``).
    """

    def __init__(self, spine: list[Vertebra], canvas: _Canvas) -> None:
        pts, names = [], []
        for vt in spine:
            pts += [vt.corner(-1, +1), vt.corner(+1, +1)]
            names += [f"top_{vt.level}", f"bot_{vt.level}"]
        pts = np.array(pts)
        head = pts[0] + 70.0 * (pts[0] - pts[1]) / np.linalg.norm(pts[0] - pts[1])
        tail = pts[-1] + 90.0 * (pts[-1] - pts[-2]) / np.linalg.norm(pts[-1] - pts[-2])
        nodes = np.vstack([head, pts, tail])
        chord = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(nodes, axis=0), axis=1))])
        spline = CubicSpline(chord, nodes, bc_type="natural")
        t = np.arange(0.0, chord[-1], 0.2)
        dense = spline(t)
        deriv = spline(t, 1)
        step = np.linalg.norm(np.diff(dense, axis=0), axis=1)
        arc = np.concatenate([[0.0], np.cumsum(step)])
        origin = np.interp(chord[1], t, arc)
        self.arc = arc - origin
        self.points = dense
        self.tangent = deriv / np.linalg.norm(deriv, axis=1, keepdims=True)
        self.knots = {name: float(np.interp(chord[i + 1], t, arc) - origin) for i, name in enumerate(names)}
        # coarse grid, then bilinear interpolation onto the canvas
        zc = np.arange(canvas.z_axis[0] - 4.0, canvas.z_axis[-1] + 6.0, 2.0)
        xc = np.arange(canvas.x_axis[0] - 4.0, canvas.x_axis[-1] + 6.0, 2.0)
        gz, gx = np.meshgrid(zc, xc, indexing="ij")
        _, idx = cKDTree(dense).query(np.column_stack([gz.ravel(), gx.ravel()]))
        dz_, dx_ = gz.ravel() - dense[idx, 0], gx.ravel() - dense[idx, 1]
        tz, tx = self.tangent[idx, 0], self.tangent[idx, 1]
        s_c = (self.arc[idx] + dz_ * tz + dx_ * tx).reshape(gz.shape)
        v_c = (-dz_ * tx + dx_ * tz).reshape(gz.shape)
        fz = (canvas.z_axis - zc[0]) / 2.0
        fx = (canvas.x_axis - xc[0]) / 2.0
        coords = np.meshgrid(fz, fx, indexing="ij")
        canvas.fields["s"] = ndimage.map_coordinates(s_c, coords, order=1).astype(np.float32)
        canvas.fields["v"] = ndimage.map_coordinates(v_c, coords, order=1).astype(np.float32)

    def to_zx(self, s: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Points (z, x) in mm of frame coordinates (s, v); shape (..., 2)."""
        s, v = np.asarray(s, float), np.asarray(v, float)
        pz = np.interp(s, self.arc, self.points[:, 0])
        px_ = np.interp(s, self.arc, self.points[:, 1])
        tz = np.interp(s, self.arc, self.tangent[:, 0])
        tx = np.interp(s, self.arc, self.tangent[:, 1])
        return np.stack([pz - v * tx, px_ + v * tz], axis=-1)

    def mid(self, level: str) -> float:
        """Arc length of the middle of a vertebral body."""
        return (self.knots[f"top_{level}"] + self.knots[f"bot_{level}"]) / 2

    def profile(self, s: np.ndarray, values: dict[str, float]) -> np.ndarray:
        """Piecewise-linear profile along the spine through values given at vertebral mid-levels."""
        levels = [lv for lv in LEVELS if lv in values]
        return np.interp(s, [self.mid(lv) for lv in levels], [values[lv] for lv in levels]).astype(np.float32)

    def box(self, s_range: tuple[float, float], v_range: tuple[float, float], margin: float = 3.0):
        """(z range, x range) in mm enclosing a frame rectangle, for :meth:`_Canvas.view`."""
        ss = np.linspace(s_range[0], s_range[1], 12)
        corners = np.concatenate([self.to_zx(ss, np.full_like(ss, v)) for v in v_range])
        lo, hi = corners.min(0) - margin, corners.max(0) + margin
        return (lo[0], hi[0]), (lo[1], hi[1])


def _body_outline(anat: Anatomy, spine: list[Vertebra], z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns (mm) of the front skin and the back skin at rows ``z``."""
    z_l3 = spine[LEVELS.index("L3")].center[0]
    hollow = lumbar_hollow_mm(anat) * np.exp(-(((z - z_l3) / 75.0) ** 2))
    x_back = TABLE_X_MM - 1.0 - hollow
    x_front = TABLE_X_MM - 1.0 - lumbar_hollow_mm(anat) - anat.body_ap_mm + 14.0 * ((z - z_l3 - 20.0) / 150.0) ** 2
    return x_front, x_back


def _paint_body(canvas: _Canvas, anat: Anatomy, spine, sig) -> None:
    """Skin, subcutaneous fat, fascia, abdominal wall, the peritoneal cavity with the liver (bowel: per plane)."""
    g = canvas.view()
    x_front, x_back = _body_outline(anat, spine, g.z)
    body = _band(g.x, x_front, x_back)
    canvas.paint(g, body, "skin", sig("skin"))
    fat = sig("fat") * (1.0 - 0.5 * g.septa)
    canvas.paint(g, body + 1.6, "subcutaneous_fat", fat)
    x_fascia = x_back - anat.back_fat_mm
    x_wall = x_front + anat.front_fat_mm
    muscle = sig("muscle") * (1.0 + 0.12 * g.fibres)
    canvas.paint(g, _band(g.x, x_wall, x_wall + 11.0), "muscle", muscle)
    canvas.paint(g, _band(g.x, x_fascia - 1.0, x_fascia), "ligament", sig("ligament"))
    cavity = _band(g.x, x_wall + 11.0, x_fascia - 1.0)
    canvas.paint(g, cavity, "visceral_fat", sig("fat") * (1.0 - 0.3 * g.septa))
    # liver under the diaphragm (top of the field, anterior)
    z_t12 = spine[LEVELS.index("T12")].center[0]
    liver_bottom = z_t12 + 12.0 + 22.0 * np.tanh((x_wall + 70.0 - g.x) / 40.0)
    canvas.paint(g, np.maximum(cavity, g.z - liver_bottom), "liver", sig("liver") * (1.0 + 0.05 * g.smooth))


@dataclass(frozen=True)
class _BowelLoop:
    """One bowel loop: an ellipsoid with a bumpy outline, its wall and its content (mm, radians)."""

    centre: tuple[float, float, float]  # (z, x, lateral from the slice centre)
    semi_axes: tuple[float, float, float]  # in-plane a, b and lateral c
    angle: float
    harmonics: tuple[float, ...]
    phases: tuple[float, ...]
    content: int  # 0 fluid, 1 faeces, 2 gas, 3 collapsed (wall only)
    wall: float


def _draw_bowel(anat: Anatomy, spine, rng: np.random.Generator) -> list[_BowelLoop]:
    """The loops of one slice between the liver and the pelvis, anterior to the retroperitoneum.

    Each is an ellipsoid crossing the slice plane (its lateral centre within 0.6 of its lateral
    semi-axis), so neighbouring sub-slices cut it differently.
    """
    z_t12 = spine[LEVELS.index("T12")].center[0]
    z_lo, z_hi = z_t12 + 30.0, spine[-1].center[0] + 30.0
    x_front, _ = _body_outline(anat, spine, np.linspace(z_lo, z_hi, 64))
    x_spine = float(min(vt.corner(0, -1)[1] for vt in spine[2:7]))
    loops = []
    for _ in range(BOWEL_LOOPS):
        cz, cx = rng.uniform(z_lo, z_hi), rng.uniform(float(x_front.min()) + anat.front_fat_mm + 12.0, x_spine - 15.0)
        a, b = rng.uniform(8.0, 18.0), rng.uniform(6.0, 12.0)
        c = rng.uniform(8.0, 16.0)
        loops.append(
            _BowelLoop(
                centre=(cz, cx, c * rng.uniform(-0.6, 0.6)),
                semi_axes=(a, b, c),
                angle=rng.uniform(0.0, math.pi),
                harmonics=tuple(rng.normal(0.0, 0.08, 3)),
                phases=tuple(rng.uniform(0.0, 2 * math.pi, 3)),
                content=int(rng.choice(4, p=[0.35, 0.3, 0.15, 0.2])),
                wall=rng.uniform(1.2, 2.2),
            )
        )
    return loops


def _paint_bowel_loop(canvas: _Canvas, anat: Anatomy, spine, loop: _BowelLoop, lateral_mm: float, sig) -> None:
    """The loop's cross-section at ``lateral_mm`` from the slice centre (nothing where it does not reach)."""
    a, b, c = loop.semi_axes
    scale = 1.0 - ((lateral_mm - loop.centre[2]) / c) ** 2
    if scale < 0.09:  # under 0.3 of its semi-axes: the plane grazes it
        return
    a, b = a * math.sqrt(scale), b * math.sqrt(scale)
    cz, cx = loop.centre[:2]
    r = max(a, b) * 1.3 + 2.0
    w = canvas.view((cz - r, cz + r), (cx - r, cx + r))
    xf, _ = _body_outline(anat, spine, w.z)
    # behind the abdominal wall's muscle, in front of the retroperitoneum (prevertebral fat, psoas)
    room = np.maximum(xf + anat.front_fat_mm + 11.0 - w.x, w.v + w.depth + w.retroperitoneum)
    u, t = _local(w.z, w.x, np.array([cz, cx]), loop.angle)
    theta = np.arctan2(t / b, u / a)
    bumpy = 1.0 + sum(h * np.cos((k + 2) * theta + ph) for k, (h, ph) in enumerate(zip(loop.harmonics, loop.phases)))
    outline = (np.hypot(u / a, t / b) / bumpy - 1.0) * min(a, b)
    canvas.paint(w, np.maximum(outline, room), "viscera", sig("viscera") * (1.0 + 0.1 * w.smooth))
    core = np.maximum(outline + loop.wall, room)
    if loop.content == 0:
        canvas.paint(w, core, "bowel_fluid", sig("bowel_fluid") * (0.8 + 0.2 * w.smooth))
    elif loop.content == 1:
        canvas.paint(w, core, "viscera", sig("viscera") * (1.3 + 0.3 * w.smooth))
    elif loop.content == 2:
        canvas.paint(w, core, "bowel_gas", 0.0)


def _chord(radius, offset: float):
    """Half-width of a round structure of ``radius`` cut by a plane ``offset`` from its axis (0 where it misses)."""
    return np.sqrt(np.maximum(np.asarray(radius, dtype=np.float64) ** 2 - offset**2, 0.0))


PREVERTEBRAL_FAT_MM = {"T11": 18.0, "L4": 18.0, "L5": 22.0, "S1": 26.0, "S2": 26.0}
"""Depth (mm) of retroperitoneal fat in front of the vertebral bodies, by level: thin at the lumbar levels,
where the aorta lies on the spine and the bowel close in front, thick in the presacral space (stated)."""

PSOAS_REACH_MM = 24.0
"""How far the psoas reaches in front of the bodies at L5 on the paramedian slice (nothing at L1; stated)."""

AORTA = (-8.0, 10.0)
"""Lateral centre (mm, negative: left of the midline) and radius of the abdominal aorta (a stated reading)."""

IVC = (20.0, 10.0)
"""Lateral centre (mm right of the midline) and radius of the inferior vena cava (a stated reading)."""

ROOT_RADIUS_MM = 0.7
"""Radius of a cauda equina root (the lumbosacral roots are 1-2 mm across)."""

ROOT_EXITS = ("L2", "L3", "L4", "L5", "S1", "S2")
"""Levels whose roots (a left and a right one each) run down the sac from the conus and leave at that level."""

ROOT_LATERAL_MM = (0.4, 1.0, 1.6, 2.2, 0.7, 1.3)
"""Distance from the midline of the left and right roots of each of :data:`ROOT_EXITS` in the sac (stated)."""

SACRAL_REMNANT = 0.3
"""Share of a lumbar nucleus's contrast kept by the fused S1-S2 disc's remnant (stated)."""

ROOT_DESCENT = 0.8
"""How far (mm) an exiting root lies lower in its foramen per mm further from the midline (it runs down and out)."""

MARBLING_MM = (14.0, 0.8)
"""Correlation lengths (superior-inferior, anterior-posterior) of the fatty streaks between muscle fibres (stated)."""

FASCIAL_PLANES_MM = (16.0, 34.0)
"""Posterior offsets from the canal's back wall of the fascial planes drawn in the paraspinal muscle (stated)."""

FACET_COLUMN_MM = 11.0
"""How far (mm) the articular column reaches behind the canal's back wall on the paramedian slice; the
paraspinal muscles fill the rest up to the fascia (a stated reading)."""

BASIVERTEBRAL_MM = 5.0
"""How far (mm) the basivertebral vein's channel reaches into the body from the posterior cortex (stated)."""

PROCESS_MARROW_SHARE = 0.5
"""Signal of a spinous process relative to vertebral marrow: a thick cortical shell around little marrow (stated)."""

BOWEL_LOOPS = 60
"""Bowel loops drawn in the peritoneal cavity: enough to pack it as on a real sagittal slice, fat between them."""


def _spinous_length(frame: _SpineFrame, anat: Anatomy, spine, s_mid: float, v0: float, tilt: float) -> float:
    """Length of a spinous process from the canal to just under the fascia (mm)."""
    for length in np.arange(15.0, 70.0, 1.0):
        tip = frame.to_zx(s_mid + length * math.sin(tilt), v0 + length * math.cos(tilt))
        _, x_back = _body_outline(anat, spine, np.array([tip[0]]))
        if tip[1] > x_back[0] - anat.back_fat_mm - 3.0:
            return float(length)
    return 70.0


def _paint_spine_fixed(canvas: _Canvas, anat: Anatomy, spine, frame: _SpineFrame, para: bool, sig) -> None:
    """What every plane of a slice shares: the back's compartment, prevertebral fat and psoas, discs, bodies."""
    k = frame.knots
    s_top, s_end = k["top_T11"] - 70.0, k["bot_S2"] + 80.0
    depth_scale = 0.9 if para else 1.0
    canvas.fields["depth"] = frame.profile(canvas.fields["s"], {vt.level: vt.depth * depth_scale for vt in spine})
    c = anat.canal_ap_mm
    canvas.fields["canal"] = frame.profile(
        canvas.fields["s"],
        {
            "T11": c - 1.0,
            "T12": c - 1.5,
            "L1": c - 1.0,
            "L2": c,
            "L3": c,
            "L4": c + 0.5,
            "L5": c + 1.0,
            "S1": c - 2.0,
            "S2": c - 6.5,
        },
    )
    zr, xr = frame.box((s_top, s_end), (-95.0, 75.0), margin=0.0)
    g = canvas.view(zr, xr)
    along = _band(g.s, s_top, s_end)
    _, x_back = _body_outline(anat, spine, g.z)
    x_fascia = x_back - anat.back_fat_mm
    ant = -g.depth

    # posterior compartment, behind the canal up to the fascia
    post = np.maximum(np.maximum(g.canal - 1.0 - g.v, g.x - (x_fascia - 1.0)), along)
    if para:
        canvas.paint(g, post, "muscle", sig("muscle") * (1.0 + 0.15 * g.fibres))
        _paint_muscle_fat(canvas, anat, g, post, sig)
    else:
        # interspinous ligaments: collagen interleaved with fat, which adults accumulate between the processes
        canvas.paint(g, post, "ligament", sig("ligament") + sig("fat") * (0.55 + 0.45 * g.streaks))

    # prevertebral fat, psoas, anterior longitudinal ligament
    fat = frame.profile(canvas.fields["s"], PREVERTEBRAL_FAT_MM)
    canvas.fields["retroperitoneum"] = fat
    canvas.paint(
        g, np.maximum(_band(g.v, ant - g.retroperitoneum, ant + 1.0), along), "retroperitoneal_fat", sig("fat")
    )
    if para:
        psoas = np.maximum(
            _band(g.v, ant - 1.5 - _psoas_growth(g.s, k), ant + 1.0), _band(g.s, k["top_L1"], k["bot_L5"] + 25.0)
        )
        canvas.paint(g, psoas, "muscle", sig("muscle") * (1.0 + 0.12 * g.fibres))
        canvas.fields["retroperitoneum"] = np.maximum(fat, 1.5 + _psoas_growth(canvas.fields["s"], k))
    canvas.paint(
        g, np.maximum(_band(g.v, ant - 0.9, ant + 0.3), _band(g.s, s_top, k["bot_S2"])), "ligament", sig("ligament")
    )
    for upper, lower in zip(spine[:-1], spine[1:]):
        _paint_disc(canvas, anat, upper, lower, para, sig)
    for vt in spine:
        _paint_vertebral_body(canvas, anat, vt, para, sig)


def _psoas_growth(s: np.ndarray, knots: dict[str, float]) -> np.ndarray:
    """How far (mm) the psoas reaches anteriorly beyond the bodies: a spindle, nothing at L1, widest at L4-L5,
    gone 25 mm below L5 where the muscle turns laterally out of the paramedian plane."""
    mid_l4_l5 = (knots["bot_L4"] + knots["top_L5"]) / 2
    return np.interp(s, [knots["top_L1"], mid_l4_l5, knots["bot_L5"] + 25.0], [0.0, PSOAS_REACH_MM, 0.0])


def _paint_spine_plane(
    canvas: _Canvas, anat: Anatomy, spine, frame: _SpineFrame, para: bool, lateral_mm: float, sig
) -> None:
    """What differs between the planes of a slice: the great vessels, the canal (mid) or foramina (para), the arch.

    ``lateral_mm`` is the plane's distance right of the midline: the aorta and IVC, the cord,
    the cauda equina roots and the exiting nerve roots are 3-D and cut differently by each plane.
    """
    k = frame.knots
    s_top = k["top_T11"] - 70.0
    g = canvas.view(*frame.box((s_top, k["bot_S2"] + 80.0), (-90.0, -15.0)))
    ant = -g.depth
    if para:
        # the IVC forms from the iliac veins at L5: they join it over its last 15 mm in the plane
        s_end = k["bot_L5"]
        half_ivc = _chord(IVC[1], lateral_mm - IVC[0]) * np.sqrt(np.clip((s_end - g.s) / 15.0, 0.0, 1.0))
        centre_ivc = ant - 11.0 - _psoas_growth(g.s, k)
        ivc = np.maximum(np.maximum(np.abs(g.v - centre_ivc) - half_ivc, _band(g.s, s_top, s_end)), 0.05 - half_ivc)
        canvas.paint(g, ivc, "vessel", sig("flow_void") + 0.2 * sig("venous_blood"))
        _paint_foramina(canvas, anat, spine, frame, lateral_mm, sig)
    else:
        # the aorta divides at L4: its iliac branches leave the midline plane over the last 15 mm
        s_end = k["bot_L4"] - 8.0
        half_aorta = _chord(AORTA[1], lateral_mm - AORTA[0]) * np.sqrt(np.clip((s_end - g.s) / 15.0, 0.0, 1.0))
        aorta = np.maximum(
            np.maximum(np.abs(g.v - (ant - 10.5)) - half_aorta, _band(g.s, s_top, s_end)), 0.05 - half_aorta
        )
        canvas.paint(g, aorta, "vessel", sig("flow_void"))
        _paint_canal(canvas, anat, spine, frame, lateral_mm, sig)
        _paint_posterior_arch(canvas, anat, spine, frame, sig)


def _paint_muscle_fat(canvas: _Canvas, anat: Anatomy, g: _View, muscle: np.ndarray, sig) -> None:
    """Fatty streaks between the paraspinal muscle fibres covering the volunteer's fat fraction, and two fascial planes.

    The measured fat fraction (:data:`lumbarlib.sim.cohort.MUSCLE_FAT_VARIATION`) is drawn
    entirely as visible streaks, a stated simplification: an ROI that avoids them, as a
    radiologist's does, reads fat-free muscle.
    """
    inside = muscle < 0
    if not inside.any() or anat.muscle_fat_fraction <= 0:
        return
    field = g.marbling
    threshold = float(np.quantile(field[inside], 1.0 - anat.muscle_fat_fraction))
    streak = np.maximum(muscle, (threshold - field) * MARBLING_MM[1])
    fatty = sig("fat") * 0.9 + sig("muscle") * 0.1
    canvas.paint(g, streak, "muscle_fat", fatty)
    for offset in FASCIAL_PLANES_MM:  # between multifidus and the erector spinae, and within the latter
        wave = 1.2 * np.sin(g.s / 23.0 + offset)
        plane = np.maximum(np.abs(g.v - (g.canal + offset + wave)) - 0.5, muscle)
        canvas.paint(g, plane, "muscle_fat", fatty)


def _paint_disc(canvas: _Canvas, anat: Anatomy, upper: Vertebra, lower: Vertebra, para: bool, sig) -> None:
    """Annulus (dark) with the nucleus (bright, soft-edged, with the adult intranuclear cleft).

    A degenerated disc (:class:`lumbarlib.sim.degeneration.DiscState`) has a nucleus whose
    signal moves towards the annulus's by its grade's loss, unevenly; its lower height comes
    from :func:`lumbarlib.sim.anatomy.build_spine`.
    """
    disc = f"{upper.level}-{lower.level}"
    state = anat.disc(disc)
    inset = 2.2  # the disc fills the concave endplates
    keep = 0.9 if para else 1.0  # the paramedian slice cuts the narrower lateral part
    pp, qp = upper.corner(+1, +1) - inset * upper.t, lower.corner(-1, +1) + inset * lower.t
    pa = pp - keep * upper.depth * upper.n
    qa = qp - keep * lower.depth * lower.n
    n_mid = (upper.n + lower.n) / np.linalg.norm(upper.n + lower.n)
    # the anterior margin bulges a little; the healthy posterior margin is slightly concave (bulges: _paint_bulges)
    poly = np.array([pp, pa, (pa + qa) / 2 - 1.8 * n_mid, qa, qp, (pp + qp) / 2 - 0.5 * n_mid])
    lo, hi = poly.min(0) - 3.0, poly.max(0) + 3.0
    g = canvas.view((lo[0], hi[0]), (lo[1], hi[1]))
    canvas.paint(g, _polygon_sdf(g.z, g.x, poly), f"annulus_{disc}", sig("annulus"))
    center = (pa + pp + qa + qp) / 4 + (0.06 * upper.depth) * n_mid
    height = float(np.linalg.norm((qa + qp) / 2 - (pa + pp) / 2))
    angle = math.atan2(lower.center[1] - upper.center[1], lower.center[0] - upper.center[0])
    u, w = _local(g.z, g.x, center, angle)
    nuc_ap = (0.24 if para else 0.34) * (upper.depth + lower.depth) / 2
    nuc_h = max(0.6, 0.5 * height - 0.3)
    sdf = _ellipse_sdf(u, w, nuc_h, nuc_ap)
    weight = np.clip(0.5 - sdf / 2.0, 0.0, 1.0)  # 2 mm transition zone
    cleft = np.exp(-0.5 * (u / 0.35) ** 2) * np.clip(1.0 - np.abs(w) / (0.8 * nuc_ap), 0.0, 1.0)
    if para:  # 22 mm from the midline the slice cuts the lateral annulus, beyond the nucleus
        return
    contrast = (1.0 - state.nucleus_loss) * (sig("nucleus") - sig("annulus"))
    if disc == "S1-S2":
        contrast *= SACRAL_REMNANT  # the fused sacral disc keeps a thin remnant
    if state.grade > 2:
        contrast = contrast * (1.0 + 0.3 * g.smooth)  # degenerated nuclei are inhomogeneous
    nucleus = sig("annulus") + weight * contrast * (1.0 - 0.5 * cleft)
    target = canvas.signal[g.iz, g.ix]
    inside = np.clip(0.5 - (sdf - 1.0) / canvas.step, 0.0, 1.0)
    target += inside * (nucleus - target)
    canvas.labels[g.iz, g.ix][weight >= 0.5] = LABELS[f"nucleus_{disc}"]


def _paint_vertebral_body(canvas: _Canvas, anat: Anatomy, vt: Vertebra, para: bool, sig) -> None:
    """Cortical shell, waisted walls, marrow with biconcave endplates, the basivertebral vein (mid).

    The marrow's fat fraction rises by :data:`lumbarlib.sim.anatomy.MARROW_FAT_STEP` per level
    below L1; the endplates carry the Schmorl nodes and Modic changes of the adjacent discs.
    """
    r = max(vt.height, vt.depth) / 2 + 4.0
    g = canvas.view((vt.center[0] - r, vt.center[0] + r), (vt.center[1] - r, vt.center[1] + r))
    u, w = _local(g.z, g.x, vt.center, vt.angle)
    depth = vt.depth * (0.9 if para else 1.0)
    w = w - (vt.depth - depth) / 2  # the paramedian body keeps its posterior wall
    concave = 1.6 * np.clip(1.0 - (w / (depth / 2)) ** 2, 0.0, 1.0)
    bell = np.clip(1.0 - (u / (vt.height / 2)) ** 2, 0.0, 1.0)
    shift = (WAIST_MM[0] - WAIST_MM[1]) / 2 * bell
    outer = _box_sdf(u, w - shift, vt.height / 2 - concave, depth / 2 - sum(WAIST_MM) / 2 * bell, radius=2.5)
    canvas.paint(g, outer, "cortical_bone", sig("cortical_bone"))
    level = LEVELS.index(vt.level)
    fat_step = MARROW_FAT_STEP * (level - LEVELS.index("L1")) * (sig("fat") - sig("marrow_water"))
    marrow = f"vertebra_{vt.level}"
    canvas.paint(g, outer + CORTEX_MM, marrow, g.marrow + fat_step)
    endplate = vt.height / 2 - concave  # |u| of the endplate at this w
    for side, neighbour in ((-1, level - 1), (+1, level + 1)):
        if not 0 <= neighbour < len(LEVELS):
            continue
        pair = sorted((level, neighbour))
        disc = f"{LEVELS[pair[0]]}-{LEVELS[pair[1]]}"
        state = anat.disc(disc)
        if state.modic:  # type 2: fatty marrow along the endplate
            band = np.maximum(outer + CORTEX_MM, endplate - side * u - MODIC_DEPTH_MM)
            fatty = MODIC_FAT_FRACTION * sig("fat") + (1.0 - MODIC_FAT_FRACTION) * sig("marrow_water")
            canvas.paint(g, band, marrow, fatty * (1.0 + 0.08 * g.smooth))
        if state.schmorl == -side:  # the node sits in the endplate facing this disc
            node = _ellipse_sdf(u - side * endplate, w, SCHMORL_MM[0], SCHMORL_MM[1])
            canvas.paint(g, node - 0.8, "cortical_bone", sig("cortical_bone"))  # sclerotic rim
            canvas.paint(g, node, f"annulus_{disc}", sig("annulus") + 0.3 * (sig("nucleus") - sig("annulus")))
    if not para and vt.level not in ("S1", "S2"):
        # the basivertebral veins converge on a foramen in the posterior cortex
        wall = depth / 2 - WAIST_MM[1] * bell
        widen = np.clip((w - (wall - BASIVERTEBRAL_MM)) / BASIVERTEBRAL_MM, 0.0, 1.0)
        vein = np.maximum(np.abs(u) - 0.4 - 0.8 * widen, _band(w, wall - BASIVERTEBRAL_MM, wall + CORTEX_MM))
        canvas.paint(g, vein, "basivertebral_vein", sig("venous_blood"))


def _paint_bulges(canvas: _Canvas, anat: Anatomy, frame: _SpineFrame, g: _View, sig) -> None:
    """Posterior disc bulges into the anterior canal (midsagittal), painted over epidural fat and sac."""
    k = frame.knots
    for disc in DISCS:
        bulge = anat.disc(disc).bulge_mm
        if not bulge:
            continue
        upper, lower = disc.split("-")
        s0, s1 = k[f"bot_{upper}"], k[f"top_{lower}"]
        shape = np.maximum(_ellipse_sdf(g.s - (s0 + s1) / 2, g.v, (s1 - s0) / 2 + 1.5, bulge + 0.3), -0.5 - g.v)
        canvas.paint(g, shape, f"annulus_{disc}", sig("annulus"))


def _paint_canal(canvas: _Canvas, anat: Anatomy, spine, frame: _SpineFrame, lateral_mm: float, sig) -> None:
    """Midsagittal canal: epidural fat, dura, CSF, cord and conus, cauda equina, ligaments."""
    k = frame.knots
    s_top, s_canal_end = k["top_T11"] - 70.0, k["bot_S2"] + 60.0
    s_sac_end = k["top_S2"] + 8.0
    zr, xr = frame.box((s_top, s_canal_end), (-2.0, anat.canal_ap_mm + 4.0))
    g = canvas.view(zr, xr)
    canvas.paint(g, np.maximum(_band(g.v, 0.0, g.canal), _band(g.s, s_top, s_canal_end)), "epidural_fat", sig("fat"))
    # thecal sac: anterior epidural fat at L5-S1, posterior epidural fat at the lower lumbar levels
    ant_fat = 0.7 + frame.profile(g.s, {"T11": 0.0, "L4": 0.2, "L5": 2.0, "S1": 3.0, "S2": 2.0})
    post_fat = 0.6 + frame.profile(
        g.s, {"T11": 0.3, "L1": 0.5, "L2": 1.0, "L3": 1.6, "L4": 2.0, "L5": 2.0, "S1": 1.2, "S2": 1.0}
    )
    taper = np.sqrt(np.clip((s_sac_end - g.s) / 20.0, 0.0, 1.0))
    centre = (ant_fat + g.canal - post_fat) / 2
    half = (g.canal - post_fat - ant_fat) / 2 * taper
    sac = np.maximum(np.abs(g.v - centre) - half, _band(g.s, s_top, s_sac_end))
    canvas.paint(g, sac, "ligament", sig("ligament"))
    canvas.paint(g, sac + 0.6, "csf", sig("csf"))
    _paint_bulges(canvas, anat, frame, g, sig)
    # cord: dependent (posterior) in the supine patient; lumbar enlargement, conus, tip near L1-L2
    s_tip = k["bot_L1"] + 4.0 + anat.conus_shift_mm
    s_conus = s_tip - 28.0
    taper_c = np.clip((s_tip - g.s) / (s_tip - s_conus), 0.0, 1.0) ** 0.7
    enlarge = 0.5 * np.exp(-(((g.s - (s_conus - 12.0)) / 12.0) ** 2))
    radius = np.where(g.s < s_conus, 4.0 + enlarge, 4.0 * taper_c)
    back = centre + half - 0.6
    cord_c = back - 1.8 - radius
    cut = _chord(radius, lateral_mm)  # the round cord cut off the midline
    cord = np.maximum(np.maximum(np.abs(g.v - cord_c) - cut, _band(g.s, s_top, s_tip)), 0.05 - cut)
    canvas.paint(g, cord, "cord", sig("cord"))
    # cauda equina: roots leave the conus and lie dependent, a pair (left, right) per exit level, each
    # leaving the sac at its level; a plane cuts only the roots near it
    for i, level in enumerate(ROOT_EXITS):
        start = s_conus + 4.0 * i
        stop = min(frame.mid(level), s_sac_end - 3.0)
        settle = np.clip((g.s - start) / 30.0, 0.0, 1.0)
        wave = 0.25 * np.sin(2.0 * np.pi * (g.s - start) / (40.0 + 7.0 * i) + i)
        root_c = np.where(g.s < s_tip, cord_c + radius * (0.1 + 0.15 * i), back - 1.0 - 1.1 * i * settle + wave)
        for side in (-1, 1):
            width = _chord(ROOT_RADIUS_MM, lateral_mm - side * ROOT_LATERAL_MM[i])
            if width > 0.05:
                root = np.maximum(np.abs(g.v - root_c - 0.4 * side) - width, _band(g.s, start, stop))
                canvas.paint(g, root, "cauda_equina", sig("nerve"))
    width = _chord(0.4, lateral_mm)
    if width > 0.05:
        filum = np.maximum(np.abs(g.v - (cord_c + 0.8)) - width, _band(g.s, s_tip - 2.0, s_sac_end - 2.0))
        canvas.paint(g, filum, "cauda_equina", sig("nerve"))
    # posterior longitudinal ligament; ligamenta flava between the laminae
    canvas.paint(g, np.maximum(_band(g.v, -0.1, 0.8), _band(g.s, s_top, s_canal_end)), "ligament", sig("ligament"))
    for upper, lower in zip(spine[:7], spine[1:8]):
        flavum = np.maximum(
            _band(g.v, g.canal - 2.6, g.canal + 1.0),
            _band(g.s, k[f"bot_{upper.level}"] - 7.0, k[f"top_{lower.level}"] + 3.0),
        )
        canvas.paint(g, flavum, "ligament", sig("muscle"))  # elastic: about as dark as muscle on T2, not black


def _paint_posterior_arch(canvas: _Canvas, anat: Anatomy, spine, frame: _SpineFrame, sig) -> None:
    """Laminae and spinous processes (T11-L5) and the dorsal wall of the sacrum (midsagittal).

    The processes are thick cortical shells around little marrow, so their signal is a fraction
    (:data:`PROCESS_MARROW_SHARE`) of the vertebral marrow's.
    """
    k = frame.knots
    pe_signal = PROCESS_MARROW_SHARE * canvas.fields["marrow"]
    for vt in spine:
        if vt.level not in SPINOUS:
            continue
        tip_h, tilt_deg = SPINOUS[vt.level]
        tilt = math.radians(tilt_deg)
        s0, s1 = k[f"top_{vt.level}"], k[f"bot_{vt.level}"]
        base_top, base_bot = s0 + 0.42 * (s1 - s0), s1 + 1.0
        s_mid = (base_top + base_bot) / 2
        v0 = float(frame.profile(np.array([s_mid]), {lv: anat.canal_ap_mm for lv in LEVELS})[0]) - 2.5
        length = _spinous_length(frame, anat, spine, s_mid, v0, tilt)
        tip_s, tip_v = s_mid + length * math.sin(tilt), v0 + length * math.cos(tilt)
        # the lamina junction at the canal, then a broad plate (the hatchet-shaped lumbar process) whose
        # upper and lower borders are slightly concave
        neck = 0.5
        neck_s = s_mid + neck * length * math.sin(tilt)
        neck_v = v0 + neck * length * math.cos(tilt)
        neck_h = 0.85 * (base_bot - base_top + tip_h) / 2
        frame_poly = np.array(
            [
                [base_top, v0],
                [base_bot, v0],
                [neck_s + neck_h / 2, neck_v],
                [tip_s + tip_h / 2, tip_v],
                [tip_s - tip_h / 2, tip_v],
                [neck_s - neck_h / 2, neck_v],
            ]
        )
        poly = frame.to_zx(frame_poly[:, 0], frame_poly[:, 1])
        lo, hi = poly.min(0) - 4.0, poly.max(0) + 4.0
        g = canvas.view((lo[0], hi[0]), (lo[1], hi[1]))
        sdf = _polygon_sdf(g.z, g.x, poly) - 1.0
        canvas.paint(g, sdf, "cortical_bone", sig("cortical_bone"))
        canvas.paint(g, sdf + CORTEX_MM + 0.3, "posterior_elements", pe_signal[g.iz, g.ix])
    # supraspinous ligament: a collagen band joining the tips under the fascia
    zr, xr = frame.box((k["top_T11"] - 70.0, k["top_S1"]), (anat.canal_ap_mm, 90.0))
    g = canvas.view(zr, xr)
    _, x_back = _body_outline(anat, spine, g.z)
    x_fascia = x_back - anat.back_fat_mm
    band = np.maximum(_band(g.x, x_fascia - 3.5, x_fascia - 0.5), _band(g.s, k["top_T11"] - 70.0, k["top_S1"]))
    canvas.paint(g, np.maximum(band, anat.canal_ap_mm + 4.0 - g.v), "ligament", sig("ligament"))
    s0, s1 = k["top_S1"] + 5.0, k["bot_S2"] + 40.0
    zr, xr = frame.box((s0, s1), (0.0, anat.canal_ap_mm + 12.0))
    g = canvas.view(zr, xr)
    _, x_back = _body_outline(anat, spine, g.z)
    plate = np.maximum(
        np.maximum(_band(g.v, g.canal, g.canal + 9.0), _band(g.s, s0, s1)), g.x - (x_back - anat.back_fat_mm - 1.0)
    )
    canvas.paint(g, plate, "cortical_bone", sig("cortical_bone"))
    canvas.paint(g, plate + CORTEX_MM + 0.3, "posterior_elements", pe_signal[g.iz, g.ix])


def _paint_foramina(canvas: _Canvas, anat: Anatomy, spine, frame: _SpineFrame, lateral_mm: float, sig) -> None:
    """Right paramedian slice: pedicles, oval foramina with fat, nerve root and veins, the facet column, sacral ala."""
    k = frame.knots
    s_top, s_end = k["top_T11"] - 70.0, k["bot_S2"] + 60.0
    zr, xr = frame.box((s_top, s_end), (-2.0, anat.canal_ap_mm + 20.0))
    g = canvas.view(zr, xr)
    pe_signal = 0.9 * g.marrow
    # the bony column behind the bodies: pedicles, pars and articular processes
    column = np.maximum(_band(g.v, -0.3, g.canal + FACET_COLUMN_MM), _band(g.s, s_top, s_end))
    canvas.paint(g, column, "cortical_bone", sig("cortical_bone"))
    canvas.paint(g, column + CORTEX_MM + 0.3, "posterior_elements", pe_signal)
    for upper, lower in zip(spine[:-1], spine[1:]):
        s0, s1 = k[f"top_{upper.level}"], k[f"bot_{upper.level}"]
        if upper.level in ("S1", "S2"):
            # sacral foramen through the lateral mass
            hole = _ellipse_sdf(g.s - (s0 + s1) / 2, g.v - g.canal / 2, 4.5, 3.2)
            canvas.paint(g, hole, "epidural_fat", sig("fat"))
            canvas.paint(
                g, _ellipse_sdf(g.s - (s0 + s1) / 2 + 0.8, g.v - g.canal / 2, 2.3, 1.9), "nerve_root", sig("nerve")
            )
            continue
        # foramen: from under this pedicle (upper half of the body) to the next pedicle, an inverted
        # teardrop, wide at the top where the root and ganglion lie, narrow at the disc level
        f0, f1 = s0 + 0.5 * (s1 - s0), k[f"top_{lower.level}"] + 1.0
        centre_s, half_s = (f0 + f1) / 2, (f1 - f0) / 2 + 0.5
        taper = 0.55 + 0.45 * np.clip((centre_s + half_s - g.s) / (2 * half_s), 0.0, 1.0)
        foramen = _ellipse_sdf(g.s - centre_s, (g.v - 0.5 * g.canal) / taper, half_s, 0.5 * g.canal - 0.3)
        canvas.paint(g, foramen - CORTEX_MM, "cortical_bone", sig("cortical_bone"))  # the pedicles' cortex
        canvas.paint(g, foramen, "epidural_fat", sig("fat"))
        # the exiting root runs down and out: further from the midline, lower in the foramen
        root_s = f0 + 0.3 * (f1 - f0) + ROOT_DESCENT * (lateral_mm - SLICE_OFFSET_MM["para"])
        canvas.paint(g, _ellipse_sdf(g.s - root_s, g.v - 0.55 * g.canal, 3.0, 2.5), "nerve_root", sig("nerve"))
        canvas.paint(g, _ellipse_sdf(g.s - (f1 - 3.5), g.v - 0.45 * g.canal, 1.1, 0.9), "vessel", sig("flow_void"))
        # facet joint: an oblique cleft of joint fluid between the cortices of the articular processes
        facet, reach = FACET_COLUMN_MM / 2, FACET_COLUMN_MM / 2 - 1.0
        joint = np.maximum(
            np.abs((g.s - (s1 + 2.0)) - 0.5 * (g.v - g.canal - facet)) - 0.6, np.abs(g.v - g.canal - facet) - reach
        )
        canvas.paint(g, joint - CORTEX_MM, "cortical_bone", sig("cortical_bone"))
        canvas.paint(g, joint, "ligament", 0.5 * sig("bowel_fluid"))
