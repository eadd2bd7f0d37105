"""One volunteer's anatomy as numbers, and the chain of vertebral bodies built from it.

:class:`Anatomy` holds the sizes and angles that vary between volunteers (drawn by
:func:`lumbarlib.sim.cohort.draw_cohort`); :func:`build_spine` places the vertebral bodies
T11 to S2 in the field of view. Rendering is :mod:`lumbarlib.sim.phantom`'s job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lumbarlib.core.checks import check_choice, check_range
from lumbarlib.sim.degeneration import HEALTHY, DiscState
from lumbarlib.sim.labels import DISCS, LEVELS
from lumbarlib.sim.tissues import TISSUE_PROPERTIES


@dataclass(frozen=True)
class Anatomy:
    """One volunteer's body: every size in mm, angles in degrees.

    Drawn by :func:`lumbarlib.sim.cohort.draw_cohort`; :func:`typical_anatomy` is the mean.

    Attributes
    ----------
    body_ap_mm : float
        Abdomen thickness at L3 (back skin to front skin).
    back_fat_mm, front_fat_mm : float
        Subcutaneous fat over the back and the abdomen.
    lordosis_scale : float
        Multiplies the segmental angles of the spine (1 = average lordosis).
    vertebra_height_scale, disc_height_scale : float
        Multiply the average vertebral body and disc heights.
    canal_ap_mm : float
        Sagittal diameter of the lumbar spinal canal.
    conus_shift_mm : float
        Conus tip below (positive) the lower endplate of L1.
    marrow_fat_fraction : float
        Fat fraction of vertebral marrow (age-dependent; about 0.4 at 40 years).
    position_mm : float
        Superior-inferior shift of the anatomy in the field of view (positioning).
    tissue_scale : dict of str to float
        Small per-tissue proton-density factors (biological variation), keyed by
        :data:`lumbarlib.sim.tissues.TISSUE_PROPERTIES` names; missing tissues use 1.
    texture_seed : int
        Seed of the volunteer's textures (marrow, muscle, fat septa, bowel).
    muscle_fat_fraction : float
        Fat fraction of the paraspinal muscles, drawn as fatty streaks between the fibres.
    age_years : float
        Age; the discs' state is drawn from it (:func:`lumbarlib.sim.degeneration.draw_discs`).
    discs : dict of str to DiscState
        State of each disc (:data:`lumbarlib.sim.labels.DISCS`); missing discs are healthy.
    """

    body_ap_mm: float = 215.0
    back_fat_mm: float = 16.0
    front_fat_mm: float = 20.0
    lordosis_scale: float = 1.0
    vertebra_height_scale: float = 1.0
    disc_height_scale: float = 1.0
    canal_ap_mm: float = 16.0
    conus_shift_mm: float = 0.0
    marrow_fat_fraction: float = 0.40
    position_mm: float = 0.0
    tissue_scale: dict[str, float] = field(default_factory=dict)
    texture_seed: int = 0
    muscle_fat_fraction: float = 0.107
    age_years: float = 41.0
    discs: dict[str, DiscState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_range("body_ap_mm", self.body_ap_mm, 150.0, 255.0)
        check_range("back_fat_mm", self.back_fat_mm, 3.0, 45.0)
        check_range("front_fat_mm", self.front_fat_mm, 3.0, 60.0)
        check_range("lordosis_scale", self.lordosis_scale, 0.3, 1.7)
        check_range("vertebra_height_scale", self.vertebra_height_scale, 0.85, 1.15)
        check_range("disc_height_scale", self.disc_height_scale, 0.6, 1.4)
        check_range("canal_ap_mm", self.canal_ap_mm, 11.0, 22.0)
        check_range("conus_shift_mm", self.conus_shift_mm, -25.0, 25.0)
        check_range("marrow_fat_fraction", self.marrow_fat_fraction, 0.1, 0.8)
        check_range("position_mm", self.position_mm, -15.0, 15.0)
        check_range("texture_seed", self.texture_seed, 0, None, integer=True)
        for name, value in self.tissue_scale.items():
            check_choice("tissue_scale key", name, TISSUE_PROPERTIES)
            check_range(f"tissue_scale[{name!r}]", value, 0.5, 1.5)
        check_range("muscle_fat_fraction", self.muscle_fat_fraction, 0.0, 0.5)
        check_range("age_years", self.age_years, 18.0, 90.0)
        for name, state in self.discs.items():
            check_choice("discs key", name, DISCS)
            if not isinstance(state, DiscState):
                raise ValueError(f"discs[{name!r}] = {state!r}: must be a DiscState")

    def disc(self, name: str) -> DiscState:
        """State of disc ``name`` (healthy when it is not listed)."""
        return self.discs.get(name, HEALTHY)


def typical_anatomy() -> Anatomy:
    """The average volunteer (every field at its default)."""
    return Anatomy()


# --- geometry of the average spine (mm, degrees) -------------------------------------
# Vertebral body height along the spinal axis and sagittal depth (anterior-posterior), and
# the axis angle from vertical (positive: running posteriorly going down).
BODY_HEIGHT_MM = {
    "T11": 22.0,
    "T12": 23.5,
    "L1": 25.0,
    "L2": 26.0,
    "L3": 27.0,
    "L4": 27.0,
    "L5": 26.0,
    "S1": 27.0,
    "S2": 22.0,
}
BODY_DEPTH_MM = {
    "T11": 29.0,
    "T12": 31.0,
    "L1": 33.0,
    "L2": 34.0,
    "L3": 35.0,
    "L4": 35.0,
    "L5": 34.0,
    "S1": 31.0,
    "S2": 25.0,
}
AXIS_DEG = {"T11": -11.0, "T12": -9.0, "L1": -7.0, "L2": -4.0, "L3": 0.0, "L4": 5.0, "L5": 12.0, "S1": 30.0, "S2": 40.0}
# Posterior disc height (the anterior height follows from the wedge angle).
DISC_HEIGHT_MM = {
    "T11-T12": 4.5,
    "T12-L1": 5.5,
    "L1-L2": 6.5,
    "L2-L3": 7.5,
    "L3-L4": 8.0,
    "L4-L5": 8.0,
    "L5-S1": 6.0,
    "S1-S2": 2.5,
}
WAIST_MM = (1.5, 0.8)
"""Concavity (mm) of the anterior and posterior walls of a vertebral body at mid-height (the waist).

A stated anatomical reading: lumbar bodies are waisted, the anterior wall more than the posterior.
"""
MARROW_FAT_STEP = 0.01
"""Rise of the marrow fat fraction per vertebral level below L1 (a stated size).

The direction is measured: fat fraction increases from L1 to L5 (Liney et al. 2007
:cite:`liney2007marrow`); 1 percentage point per level is a stated size, a sixth of the
spread between volunteers (:data:`lumbarlib.sim.cohort.VARIATION`).
"""
MODIC_DEPTH_MM = 5.0
"""Depth (mm) of the marrow band a Modic change occupies along an endplate (a stated size)."""
MODIC_FAT_FRACTION = 0.85
"""Fat fraction of a type 2 (fatty) Modic band: yellow marrow replacing red (a stated value)."""
SCHMORL_MM = (3.5, 4.5)
"""Semi-axes (mm) of a Schmorl node: depth into the body along the spine, and width (a stated size)."""
TABLE_X_MM = 263.0  # posterior table surface (the coil lies just behind it)
CORTEX_MM = 1.1
SPINOUS = {  # level: (tip height mm, downward tilt from perpendicular to the spinal axis, deg)
    "T11": (9.0, 40.0),
    "T12": (11.0, 25.0),
    "L1": (15.0, 8.0),
    "L2": (16.0, 4.0),
    "L3": (17.0, 2.0),
    "L4": (16.0, 4.0),
    "L5": (13.0, 10.0),
}


@dataclass
class Vertebra:
    level: str
    center: np.ndarray  # (z, x) mm
    angle: float  # radians
    height: float
    depth: float

    @property
    def t(self) -> np.ndarray:
        return np.array([math.cos(self.angle), math.sin(self.angle)])

    @property
    def n(self) -> np.ndarray:
        return np.array([-math.sin(self.angle), math.cos(self.angle)])

    def corner(self, end: int, side: int) -> np.ndarray:
        """end -1 top / +1 bottom; side -1 anterior / +1 posterior."""
        return self.center + end * self.height / 2 * self.t + side * self.depth / 2 * self.n


def build_spine(anat: Anatomy) -> list[Vertebra]:
    """Chain the vertebral bodies from T11 down, discs in between, then place the chain in the FOV."""
    chain: list[Vertebra] = []
    for i, level in enumerate(LEVELS):
        angle = math.radians(AXIS_DEG[level] * anat.lordosis_scale)
        height = BODY_HEIGHT_MM[level] * anat.vertebra_height_scale
        depth = BODY_DEPTH_MM[level]
        t = np.array([math.cos(angle), math.sin(angle)])
        n = np.array([-math.sin(angle), math.cos(angle)])
        if i == 0:
            top_post = np.array([0.0, 0.0])
        else:
            prev = chain[-1]
            disc = f"{LEVELS[i - 1]}-{level}"
            gap = DISC_HEIGHT_MM[disc] * anat.disc_height_scale * anat.disc(disc).height_factor
            mid = (prev.angle + angle) / 2
            top_post = prev.corner(+1, +1) + gap * np.array([math.cos(mid), math.sin(mid)])
        center = top_post + height / 2 * t - depth / 2 * n
        chain.append(Vertebra(level, center, angle, height, depth))
    # place: posterior wall of L3 at mid-height sits at a fixed depth from the table
    l3 = chain[LEVELS.index("L3")]
    anchor = l3.center + l3.depth / 2 * l3.n
    target = np.array(
        [142.0 + anat.position_mm, TABLE_X_MM - lumbar_hollow_mm(anat) - anat.back_fat_mm - 38.0 - anat.canal_ap_mm]
    )
    for v in chain:
        v.center = v.center - anchor + target
    return chain


def lumbar_hollow_mm(anat: Anatomy) -> float:
    """Gap between the table and the back at L3, where lordosis lifts the back off the table."""
    return 9.0 * anat.lordosis_scale
