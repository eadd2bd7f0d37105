"""Oval ROIs placed as the paper's neuroradiologist placed them, automatically from the phantom labels.

Serves the paper's "Quantitative image analysis" section and Fig. 2
:cite:`kashiwagi2022lumbar`: oval ROIs of 30 mm^2 on the background air, the
retroperitoneal fat and the CSF at the S1 level, the L2 vertebral body, the L1-2 disc and
the cord at T12 on the central (``mid``) slice, and the paravertebral muscle on the right
paramedian (``para``) slice. One volunteer's ROIs are measured on all five image sets.

Placement stands in for the radiologist: among axis-aligned ovals of the required area
(aspect ratios from 1:5 to 5:1), it takes the roundest one that could grow to twice its
size inside the structure, or, in a thin structure, the one that can grow the most, and
centres it where it has the most room. Where the paper names a level and the structure
is too thin there for the ROI, the nearest level that holds it is used instead (and
recorded in :attr:`OvalRoi.level`). For an oval of semi-axes (a, b) mm, scaling row and
column distances by 1/a and 1/b turns it into the unit circle, so the Euclidean distance
transform of the structure with that anisotropic ``sampling``
(:func:`scipy.ndimage.distance_transform_edt`) gives, at each pixel, the largest scale of
the oval centred there that stays inside; a depth above 1 guarantees every pixel of the
oval lies in the structure. The chosen oval is then rescaled slightly so that its pixel
area, on the anisotropic grid, is the closest to the nominal area.

Coordinates are in mm from the image's top-left corner, pixel (i, j) centred at
((i + 0.5) dy, (j + 0.5) dx), the convention of :func:`lumbarlib.ui.plotting.show_image`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from lumbarlib.core.checks import check_range
from lumbarlib.sim.labels import LABELS, SLICE_NAMES, level_rows

AIR = "air"
MUSCLE = "muscle"
ROI_TISSUES: tuple[str, ...] = ("fat", "csf", "vertebra", "disc", "cord", "muscle")
"""The tissues of Table 2, in its row order (air gives the noise, not a row)."""

TISSUE_NAMES: dict[str, str] = {
    "air": "Background air",
    "fat": "Fat",
    "csf": "CSF",
    "vertebra": "Vertebra",
    "disc": "Disc",
    "cord": "Cord",
    "muscle": "Muscle",
}
"""How Table 2 and Fig. 2 name each ROI."""

SLICE_INDEX: dict[str, int] = {name: i for i, name in enumerate(SLICE_NAMES)}

ROI_AREA_MM2 = 30.0
"""The paper's ROI area."""

ASPECTS = tuple(float(a) for a in np.geomspace(1 / 5, 5, 13))
"""Column / row semi-axis ratios tried for each oval."""

COMFORT_DEPTH = 2.0
"""An oval that fits this many times over is roomy: the roundest such oval is taken; in a
structure too thin for any, the oval that fits best."""

_AREA_SCALES = np.linspace(0.8, 1.25, 91)


@dataclass(frozen=True)
class RoiSpec:
    """Where a tissue's ROI goes.

    Attributes
    ----------
    labels : tuple of str
        Phantom labels (:data:`lumbarlib.sim.labels.LABELS`) that make up the structure.
    slice_name : str
        ``"mid"`` or ``"para"``.
    levels : tuple of str
        Vertebral levels whose body's rows the centre must lie within, in order of
        preference: the paper's level first, then the nearest ones, used only when no oval
        fits at the paper's level (a thin thecal sac at S1, say), as a radiologist would
        move the ROI. Empty: anywhere.
    posterior_to : str or None
        A label the centre must lie posterior to (higher column) on the same row, e.g.
        the paravertebral muscles behind the vertebral bodies rather than the psoas.
    """

    labels: tuple[str, ...]
    slice_name: str
    levels: tuple[str, ...] = ()
    posterior_to: str | None = None


ROI_SPECS: dict[str, RoiSpec] = {
    "air": RoiSpec(("air",), "mid"),
    "fat": RoiSpec(("retroperitoneal_fat",), "mid", levels=("S1", "L5")),
    "csf": RoiSpec(("csf", "cauda_equina"), "mid", levels=("S1", "L5")),
    "vertebra": RoiSpec(("vertebra_L2",), "mid"),
    "disc": RoiSpec(("nucleus_L1-L2", "annulus_L1-L2"), "mid"),
    "cord": RoiSpec(("cord",), "mid", levels=("T12", "T11", "L1")),
    "muscle": RoiSpec(("muscle",), "para", posterior_to="posterior_elements"),
}
"""The paper's ROIs, from the phantom's labels.

The CSF ROI lies in the thecal sac, whose CSF at S1 holds the cauda equina roots; like a
radiologist's ROI there, it may include them."""


@dataclass(frozen=True)
class OvalRoi:
    """An axis-aligned oval ROI in physical units.

    Attributes
    ----------
    tissue : str
        What it measures (a key of :data:`TISSUE_NAMES`).
    slice_name : str
        The slice it lies on.
    center_mm : (float, float)
        Centre (row, column) in mm from the top-left image corner.
    semi_axes_mm : (float, float)
        Semi-axes along rows (superior-inferior) and columns (anterior-posterior), mm.
    depth : float
        How many times the oval could be enlarged and stay in its structure (NaN when set
        by hand).
    level : str or None
        The vertebral level it was placed at, when its spec asks for one.
    """

    tissue: str
    slice_name: str
    center_mm: tuple[float, float]
    semi_axes_mm: tuple[float, float]
    depth: float = float("nan")
    level: str | None = None

    def __post_init__(self) -> None:
        if self.slice_name not in SLICE_INDEX:
            raise ValueError(f"ROI {self.tissue!r}: slice {self.slice_name!r} is not one of {SLICE_NAMES}")
        for name, v in zip(("row", "column"), self.semi_axes_mm):
            check_range(f"{self.tissue} semi-axis ({name}, mm)", v, 0, low_inclusive=False)
        for name, v in zip(("row", "column"), self.center_mm):
            check_range(f"{self.tissue} centre ({name}, mm)", v)

    @property
    def nominal_area_mm2(self) -> float:
        """pi a b."""
        return math.pi * self.semi_axes_mm[0] * self.semi_axes_mm[1]

    def mask(self, shape: tuple[int, int], pixel_mm: tuple[float, float]) -> np.ndarray:
        """Boolean mask of the pixels whose centres lie in the oval.

        Raises
        ------
        ValueError
            If the oval reaches outside the image.
        """
        for k, spacing in enumerate(pixel_mm):
            check_range(f"pixel_mm[{k}]", spacing, 0.0, low_inclusive=False)
        ny, nx = shape
        (cy, cx), (ay, ax) = self.center_mm, self.semi_axes_mm
        extent_mm = (ny * pixel_mm[0], nx * pixel_mm[1])
        if cy - ay < 0 or cx - ax < 0 or cy + ay > extent_mm[0] or cx + ax > extent_mm[1]:
            raise ValueError(
                f"ROI {self.tissue!r} (centre {cy:.1f}, {cx:.1f} mm, semi-axes {ay:.1f}, {ax:.1f} mm) "
                f"reaches outside the image (0-{extent_mm[0]:.1f} mm by 0-{extent_mm[1]:.1f} mm)"
            )
        y = (np.arange(ny) + 0.5) * pixel_mm[0]
        x = (np.arange(nx) + 0.5) * pixel_mm[1]
        return ((y[:, None] - cy) / ay) ** 2 + ((x[None, :] - cx) / ax) ** 2 <= 1.0

    def area_mm2(self, shape: tuple[int, int], pixel_mm: tuple[float, float]) -> float:
        """Area of the ROI's pixels (pixel count x pixel area)."""
        return float(self.mask(shape, pixel_mm).sum() * pixel_mm[0] * pixel_mm[1])


def _label_ids(names: tuple[str, ...], labels: np.ndarray, where: str) -> list[int]:
    ids = []
    for name in names:
        if name not in LABELS:
            raise ValueError(f"label {name!r} is not a phantom label (lumbarlib.sim.labels.LABELS)")
        if not np.any(labels == LABELS[name]):
            raise ValueError(f"label {name!r} is missing in {where}")
        ids.append(LABELS[name])
    return ids


def _level_row_mask(labels: np.ndarray, level: str, where: str) -> np.ndarray:
    """Boolean per row: does the row cross the vertebral body of ``level``?"""
    first, last = level_rows(labels, level, where)
    inside = np.zeros(labels.shape[0], dtype=bool)
    inside[first : last + 1] = True
    return inside


def _allowed_centres(
    spec: RoiSpec, labels: np.ndarray, structure: np.ndarray, level: str | None, where: str
) -> np.ndarray:
    allowed = structure.copy()
    if level is not None:
        allowed &= _level_row_mask(labels, level, where)[:, None]
    if spec.posterior_to is not None:
        reference = labels == LABELS[spec.posterior_to]
        if not reference.any():
            raise ValueError(f"label {spec.posterior_to!r} is missing in {where}")
        cols = np.arange(labels.shape[1])
        last = np.where(reference.any(axis=1), np.where(reference, cols, -1).max(axis=1), labels.shape[1])
        allowed &= cols[None, :] > last[:, None]
    return allowed


def _central_argmax(depth: np.ndarray) -> tuple[float, int]:
    """Largest value and, among the pixels that reach it, the one nearest their centroid."""
    top = float(depth.max())
    rows, cols = np.nonzero(depth >= top * (1 - 1e-9))
    k = int(np.argmin((rows - rows.mean()) ** 2 + (cols - cols.mean()) ** 2))
    return top, int(np.ravel_multi_index((rows[k], cols[k]), depth.shape))


def _semi_axes(area_mm2: float, aspect: float) -> tuple[float, float]:
    a = math.sqrt(area_mm2 / (math.pi * aspect))
    return a, aspect * a


def _fit_area(
    roi: OvalRoi, shape: tuple[int, int], pixel_mm: tuple[float, float], area_mm2: float, structure: np.ndarray
) -> OvalRoi:
    """Rescale the oval so that its pixel area is closest to ``area_mm2``, staying in its structure and image.

    A pixel lies in the oval scaled by ``s`` when its normalised radius ``r`` is at most
    ``s``, so sorting the radii gives the pixel count of every scale at once.
    """
    (cy, cx), (ay, ax) = roi.center_mm, roi.semi_axes_mm
    y = (np.arange(shape[0]) + 0.5) * pixel_mm[0]
    x = (np.arange(shape[1]) + 0.5) * pixel_mm[1]
    r = np.hypot((y[:, None] - cy) / ay, (x[None, :] - cx) / ax)
    in_image = min(cy / ay, cx / ax, (shape[0] * pixel_mm[0] - cy) / ay, (shape[1] * pixel_mm[1] - cx) / ax)
    outside = r[~structure]
    limit = min(in_image, float(outside.min()) if outside.size else math.inf)
    counts = np.searchsorted(np.sort(r[r <= _AREA_SCALES[-1]]), _AREA_SCALES, side="right")
    error = np.abs(counts * pixel_mm[0] * pixel_mm[1] - area_mm2)
    error[_AREA_SCALES >= limit] = np.inf
    best = min(range(len(_AREA_SCALES)), key=lambda k: (error[k], abs(_AREA_SCALES[k] - 1.0)))
    scale = float(_AREA_SCALES[best])
    if not np.isfinite(error[best]):
        return roi
    fitted = OvalRoi(roi.tissue, roi.slice_name, roi.center_mm, (ay * scale, ax * scale), roi.depth / scale, roi.level)
    return fitted if not np.any(fitted.mask(shape, pixel_mm) & ~structure) else roi


def place_roi(
    tissue: str,
    labels: np.ndarray,
    pixel_mm: tuple[float, float],
    *,
    area_mm2: float = ROI_AREA_MM2,
    where: str = "the label image",
) -> OvalRoi:
    """Place one tissue's oval ROI on a 2-D label image of its slice (see the module docstring).

    Parameters
    ----------
    tissue : str
        A key of :data:`ROI_SPECS`.
    labels : ndarray of int, shape (ny, nx)
        Phantom labels of the ROI's slice.
    pixel_mm : (float, float)
        Row and column spacing.
    area_mm2 : float
        ROI area.
    where : str
        Names the image in error messages (``"volunteer 3, slice mid"``).

    Raises
    ------
    ValueError
        A label of the structure missing, or no oval of this area fits inside it.
    """
    if tissue not in ROI_SPECS:
        raise ValueError(f"tissue {tissue!r} is not one of {tuple(ROI_SPECS)}")
    check_range("area_mm2", area_mm2, 0, low_inclusive=False)
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"labels must be a 2-D label image, got shape {labels.shape}")
    spec = ROI_SPECS[tissue]
    structure = np.isin(labels, _label_ids(spec.labels, labels, where))
    padded = np.pad(structure, 1)  # the image border counts as the structure's edge
    depths = {}
    for aspect in sorted(ASPECTS, key=lambda r: abs(math.log(r))):  # roundest first
        a, b = _semi_axes(area_mm2, aspect)
        depths[aspect] = ndimage.distance_transform_edt(padded, sampling=(pixel_mm[0] / a, pixel_mm[1] / b))[1:-1, 1:-1]
    best_depth = 0.0
    for level in spec.levels or (None,):
        allowed = _allowed_centres(spec, labels, structure, level, where)
        if not allowed.any():
            continue
        fits = [(*_central_argmax(np.where(allowed, d, 0.0)), aspect) for aspect, d in depths.items()]
        roomy = [f for f in fits if f[0] >= COMFORT_DEPTH]
        depth, index, aspect = roomy[0] if roomy else max(fits, key=lambda f: f[0])
        best_depth = max(best_depth, depth)
        if depth > 1.0:
            i, j = np.unravel_index(index, labels.shape)
            roi = OvalRoi(
                tissue,
                spec.slice_name,
                ((i + 0.5) * pixel_mm[0], (j + 0.5) * pixel_mm[1]),
                _semi_axes(area_mm2, aspect),
                depth,
                level,
            )
            return _fit_area(roi, labels.shape, pixel_mm, area_mm2, structure)
    at = f" at level {' or '.join(spec.levels)}" if spec.levels else ""
    raise ValueError(
        f"ROI {tissue!r}: no {area_mm2:g} mm^2 oval fits inside {spec.labels}{at} in {where} "
        f"(largest fits {best_depth:.2f} times)"
    )


def place_rois(
    labels: np.ndarray,
    pixel_mm: tuple[float, float],
    *,
    area_mm2: float = ROI_AREA_MM2,
    overrides: Mapping[str, OvalRoi] | None = None,
    volunteer: int | None = None,
) -> dict[str, OvalRoi]:
    """All the paper's ROIs of one volunteer, from the labels of its two slices.

    Parameters
    ----------
    labels : ndarray of int, shape (2, ny, nx)
        Labels of the ``mid`` and ``para`` slices.
    pixel_mm : (float, float)
        Row and column spacing.
    area_mm2 : float
        ROI area (the paper's 30 mm^2).
    overrides : mapping, optional
        Tissue -> hand-placed :class:`OvalRoi` (centre and semi-axes) used instead of the
        automatic one, for teaching; it must lie within the image.
    volunteer : int, optional
        Named in error messages.

    Returns
    -------
    dict
        Tissue -> :class:`OvalRoi`, air first, then :data:`ROI_TISSUES`.
    """
    labels = np.asarray(labels)
    if labels.ndim != 3 or labels.shape[0] != len(SLICE_NAMES):
        raise ValueError(f"labels must have shape ({len(SLICE_NAMES)}, ny, nx), got {labels.shape}")
    overrides = dict(overrides or {})
    unknown = [t for t in overrides if t not in ROI_SPECS]
    if unknown:
        raise ValueError(f"overrides for unknown tissue(s) {unknown}; tissues are {tuple(ROI_SPECS)}")
    for roi in overrides.values():
        roi.mask(labels.shape[1:], pixel_mm)  # raises if outside the image
    who = "" if volunteer is None else f"volunteer {volunteer}, "
    rois = {}
    for tissue, spec in ROI_SPECS.items():
        if tissue in overrides:
            rois[tissue] = overrides[tissue]
        else:
            where = f"{who}slice {spec.slice_name!r}"
            rois[tissue] = place_roi(
                tissue, labels[SLICE_INDEX[spec.slice_name]], pixel_mm, area_mm2=area_mm2, where=where
            )
    return rois


def roi_masks(
    rois: Mapping[str, OvalRoi], shape: tuple[int, int], pixel_mm: tuple[float, float], slice_name: str | None = None
) -> dict[str, np.ndarray]:
    """Boolean masks of the ROIs (optionally only those on ``slice_name``)."""
    return {t: r.mask(shape, pixel_mm) for t, r in rois.items() if slice_name in (None, r.slice_name)}


def draw_rois(
    ax, rois: Mapping[str, OvalRoi], *, slice_name: str | None = None, color: str = "yellow", labelled: bool = True
) -> None:
    """Draw ROIs as ovals (with their names) on an axis set up by :func:`lumbarlib.ui.plotting.show_image`.

    Parameters
    ----------
    ax : matplotlib Axes
        Axes whose data coordinates are mm (columns on x, rows on y).
    rois : mapping
        Tissue -> :class:`OvalRoi`.
    slice_name : str, optional
        Only the ROIs on this slice.
    color : str
        Outline and label colour.
    labelled : bool
        Write each ROI's name (:data:`TISSUE_NAMES`) beside it.
    """
    from matplotlib import patheffects
    from matplotlib.patches import Ellipse

    outline = [patheffects.withStroke(linewidth=2.5, foreground="black")]
    for tissue, roi in rois.items():
        if slice_name is not None and roi.slice_name != slice_name:
            continue
        (cy, cx), (ay, ax_mm) = roi.center_mm, roi.semi_axes_mm
        ax.add_patch(Ellipse((cx, cy), 2 * ax_mm, 2 * ay, fill=False, edgecolor=color, linewidth=1.5))
        if labelled:
            left = cx > sum(ax.get_xlim()) / 2  # write on the side with more room
            offset = -(ax_mm + 3.0) if left else ax_mm + 3.0
            ax.annotate(
                TISSUE_NAMES.get(tissue, tissue),
                (cx, cy),
                xytext=(cx + offset, cy),
                ha="right" if left else "left",
                va="center",
                color=color,
                fontsize=9,
                path_effects=outline,
            )
