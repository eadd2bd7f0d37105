"""Names of the phantom's structures: vertebral levels, discs, slices, label ids, and helpers on label images.

Every stage that reads a label image (the acquisition's calibration ROI, the paper's ROIs,
the virtual readers) uses these names, so they live in one place. Serves the paper's
*Quantitative image analysis* (ROIs are placed by level: fat and CSF at S1, the L2
vertebra, the L1-2 disc, the cord at T12) :cite:`kashiwagi2022lumbar`.
"""

from __future__ import annotations

import numpy as np

LEVELS: tuple[str, ...] = ("T11", "T12", "L1", "L2", "L3", "L4", "L5", "S1", "S2")
"""Vertebral levels in the field of view, superior to inferior."""

DISCS: tuple[str, ...] = tuple(f"{a}-{b}" for a, b in zip(LEVELS[:-1], LEVELS[1:]))
"""Intervertebral discs (S1-S2 is the rudimentary sacral disc)."""

SLICE_NAMES: tuple[str, ...] = ("mid", "para")
"""Midsagittal slice; right paramedian slice through the intervertebral foramina."""

SLICE_OFFSET_MM: dict[str, float] = {"mid": 0.0, "para": 22.0}
"""Distance of each slice to the right of the midline (for the coil model)."""

_TISSUE_LABELS: tuple[str, ...] = (
    "air",
    "subcutaneous_fat",
    "retroperitoneal_fat",
    "muscle",
    "csf",
    "cord",
    "cauda_equina",
    "posterior_elements",
    "cortical_bone",
    "epidural_fat",
    "ligament",
    "nerve_root",
    "vessel",
    "basivertebral_vein",
    "viscera",
    "bowel_fluid",
    "bowel_gas",
    "visceral_fat",
    "liver",
    "skin",
    "muscle_fat",
)

LABELS: dict[str, int] = {
    **{name: i for i, name in enumerate(_TISSUE_LABELS)},
    **{f"vertebra_{level}": 30 + i for i, level in enumerate(LEVELS)},
    **{f"nucleus_{disc}": 50 + i for i, disc in enumerate(DISCS)},
    **{f"annulus_{disc}": 70 + i for i, disc in enumerate(DISCS)},
}
"""Label name -> integer id stored in the label images."""


def label_group(name: str) -> str:
    """Display group of a label name (for legends).

    Every ``vertebra_*`` is vertebral marrow, every ``nucleus_*`` or ``annulus_*`` one disc
    tissue; other labels are their own group, underscores read as spaces.
    """
    for prefix, group in (
        ("vertebra_", "vertebral marrow"),
        ("nucleus_", "nucleus pulposus"),
        ("annulus_", "annulus fibrosus"),
    ):
        if name.startswith(prefix):
            return group
    return name.replace("_", " ")


def level_rows(labels: np.ndarray, level: str, where: str = "the label image") -> tuple[int, int]:
    """First and last row holding the marrow of a vertebral level.

    Parameters
    ----------
    labels : ndarray
        int (ny, nx) label image (ids of :data:`LABELS`).
    level : str
        One of :data:`LEVELS`.
    where : str
        Names the image in the error message.

    Raises
    ------
    ValueError
        If the level's vertebral body is not in the image.
    """
    rows = np.flatnonzero((labels == LABELS[f"vertebra_{level}"]).any(axis=1))
    if rows.size == 0:
        raise ValueError(f"label 'vertebra_{level}' is missing in {where}")
    return int(rows[0]), int(rows[-1])


SPINE_LABELS: tuple[str, ...] = ("csf", "cord", "cauda_equina")
"""Labels of the canal that, with every vertebral body and disc, make up :func:`spine_region`."""


def spine_region(labels: np.ndarray) -> tuple[slice, slice]:
    """Rows and columns of the bounding box of the vertebral column and the canal in a label image.

    The bodies (``vertebra_*``), the discs (``nucleus_*``, ``annulus_*``) and the canal's
    CSF, cord and roots: where the paper's readers look, and where a zoom on what the DLR
    leaves belongs (paper Fig. 5b), rather than in the bowel or the back fat.

    Raises
    ------
    ValueError
        If the image holds none of those labels.
    """
    labels = np.asarray(labels)
    ids = [
        i
        for name, i in LABELS.items()
        if name in SPINE_LABELS or name.startswith(("vertebra_", "nucleus_", "annulus_"))
    ]
    rows, cols = np.nonzero(np.isin(labels, ids))
    if rows.size == 0:
        raise ValueError("parameter 'labels': holds no vertebral body, disc or canal")
    return slice(int(rows.min()), int(rows.max()) + 1), slice(int(cols.min()), int(cols.max()) + 1)
