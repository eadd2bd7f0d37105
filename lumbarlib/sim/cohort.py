"""The virtual cohort: ten volunteers drawn from one seed, and their simulated study.

The paper scanned 10 healthy men, mean age 41 (24-57) :cite:`kashiwagi2022lumbar`.
Each virtual volunteer is an :class:`lumbarlib.sim.anatomy.Anatomy` drawn from a seeded
generator: body thickness, fat, lordosis, vertebral and disc heights, canal size, conus
level, marrow fat fraction (age), positioning, and a few per-cent variation of the
tissues' proton densities. :func:`simulate_cohort` renders both slices of every
volunteer, calibrates the noise once and acquires the three protocols of Table 1, with the
mechanisms a :class:`ScannerModel` switches on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from lumbarlib.core.checks import check_range
from lumbarlib.sim.acquisition import (
    CS_LAMBDA_PER_NOISE_SD,
    NoiseCalibration,
    acquire_image,
    calibrate_noise_sd,
    deepest_air,
)
from lumbarlib.sim.anatomy import Anatomy
from lumbarlib.sim.chemical_shift import chemical_shift, fat_share, marrow_fat_signal, shift_mm
from lumbarlib.sim.coils import CoilMaps, coil_maps, combined_noise_gain, noise_covariance, spine_array
from lumbarlib.sim.degeneration import LUMBAR_DISCS, describe_discs, draw_discs, grade_of
from lumbarlib.sim.echo_train import line_echo_times, t2_weighting
from lumbarlib.sim.labels import LABELS, SLICE_NAMES, SLICE_OFFSET_MM
from lumbarlib.sim.motion import respiratory_motion
from lumbarlib.sim.phantom import grid_shape, render_slice
from lumbarlib.sim.sampling import phase_encode_mask
from lumbarlib.sim.tissues import TISSUE_PROPERTIES, tse_signal
from lumbarlib.sim.vendor import intensity_correction
from lumbarlib.study.design import ACQUIRED_SETS
from lumbarlib.study.imagesets import StudyImages
from lumbarlib.study.protocol import PROTOCOLS

_VARIED_TISSUES = ("fat", "csf", "cord", "muscle", "marrow_water", "nucleus", "annulus")


def _normal(rng: np.random.Generator, mean: float, sd: float, low: float, high: float) -> float:
    return float(np.clip(rng.normal(mean, sd), low, high))


VARIATION: dict[str, tuple[float, float, float, float]] = {
    "body_ap_mm": (215.0, 15.0, 180.0, 245.0),
    "back_fat_mm": (16.0, 5.0, 6.0, 35.0),
    "front_fat_mm": (20.0, 7.0, 6.0, 45.0),
    "lordosis_scale": (1.0, 0.15, 0.6, 1.4),
    "vertebra_height_scale": (1.0, 0.04, 0.9, 1.1),
    "disc_height_scale": (1.0, 0.10, 0.75, 1.25),
    "canal_ap_mm": (16.0, 1.2, 13.0, 19.0),
    "conus_shift_mm": (0.0, 8.0, -20.0, 20.0),
    "marrow_fat_fraction": (0.40, 0.06, 0.2, 0.6),
    "position_mm": (0.0, 5.0, -12.0, 12.0),
}
"""Anatomy field -> (mean, SD, low, high) of the normal it is drawn from, clipped to [low, high].

Means and SDs are those of healthy adult men: abdominal sagittal diameter about 215 +- 15 mm
at L3, subcutaneous fat 16 +- 5 mm (back) and 20 +- 7 mm (front), lordosis +-15 %, vertebral
heights +-4 %, disc heights +-10 %, lumbar canal 16 +- 1.2 mm, conus tip within about a
vertebral level of L1-L2 (+-8 mm), vertebral marrow fat fraction 0.40 +- 0.06 (age 24-57),
positioning +-5 mm. The draws are made in this order.
"""

TISSUE_VARIATION = (1.0, 0.04, 0.9, 1.1)
"""(mean, SD, low, high) of each varied tissue's proton-density factor: +-4 % biological variation."""

AGE_VARIATION = (41.0, 10.0, 24.0, 57.0)
"""(mean, SD, low, high) of the volunteers' age (years): the paper's mean 41 and range 24-57; the SD a stated choice."""


MUSCLE_FAT_VARIATION = (0.107, 0.076, 0.02, 0.35)
"""(mean, SD, low, high) of the paraspinal muscles' fat fraction.

Sollmann et al. 2020 :cite:`sollmann2020paraspinal` measured the erector spinae at L3-L5 of men
with chemical-shift-encoded water-fat MRI: proton-density fat fraction 10.7 +- 7.6 %.
"""


def draw_anatomy(rng: np.random.Generator) -> Anatomy:
    """One volunteer: every feature of :data:`VARIATION` drawn from its clipped normal, the tissue factors,
    the texture seed, the age and the discs' state drawn from it
    (:func:`lumbarlib.sim.degeneration.draw_discs`), then the paraspinal muscles' fat fraction."""
    fields = {name: _normal(rng, *spec) for name, spec in VARIATION.items()}
    tissue_scale = {name: _normal(rng, *TISSUE_VARIATION) for name in _VARIED_TISSUES}
    texture_seed = int(rng.integers(2**31))
    age = _normal(rng, *AGE_VARIATION)
    discs = draw_discs(rng, age)
    return Anatomy(
        **fields,
        tissue_scale=tissue_scale,
        texture_seed=texture_seed,
        age_years=age,
        discs=discs,
        muscle_fat_fraction=_normal(rng, *MUSCLE_FAT_VARIATION),
    )


COHORT_COLUMNS: dict[str, str] = {
    "body_ap_mm": "body AP (mm)",
    "back_fat_mm": "back fat (mm)",
    "front_fat_mm": "front fat (mm)",
    "lordosis_scale": "lordosis",
    "vertebra_height_scale": "vertebral height",
    "disc_height_scale": "disc height",
    "canal_ap_mm": "canal AP (mm)",
    "conus_shift_mm": "conus shift (mm)",
    "marrow_fat_fraction": "marrow fat",
    "muscle_fat_fraction": "muscle fat",
}
"""Anatomy field -> the cohort table's column (scales relative to the average volunteer, fractions of 1)."""

GRADE_NAMES: dict[int, str] = {2: "II", 3: "III", 4: "IV"}
"""Pfirrmann grade -> how radiologists write it."""


def cohort_table(anatomies: list[Anatomy]) -> pd.DataFrame:
    """One row per volunteer: age, the features that vary, each lumbar disc's Pfirrmann grade, other disc findings.

    Serves the paper's *Subjects* (ten healthy men, 24-57 years) :cite:`kashiwagi2022lumbar`:
    the table the chapter shows of the virtual volunteers.

    Returns
    -------
    DataFrame
        Columns ``volunteer`` (1-based), ``age (y)``, the columns of :data:`COHORT_COLUMNS`,
        one column per disc of :data:`lumbarlib.sim.degeneration.LUMBAR_DISCS` holding its
        Pfirrmann grade (:data:`GRADE_NAMES`; II is the healthy adult disc), and
        ``other findings`` (bulges, Schmorl nodes, Modic changes).
    """
    rows = []
    for i, a in enumerate(anatomies):
        row = {"volunteer": i + 1, "age (y)": round(a.age_years, 1)}
        row |= {column: getattr(a, name) for name, column in COHORT_COLUMNS.items()}
        row |= {d: GRADE_NAMES[grade_of(a.discs, d)] for d in LUMBAR_DISCS}
        row["other findings"] = describe_discs(a.discs, grade=False)
        rows.append(row)
    return pd.DataFrame(rows)


def draw_cohort(n_volunteers: int, seed: int) -> list[Anatomy]:
    """``n_volunteers`` volunteers from one seed; the first k of a larger cohort are the same volunteers."""
    check_range("n_volunteers", n_volunteers, 1, None, integer=True)
    check_range("seed", seed, 0, None, integer=True)
    return [draw_anatomy(np.random.default_rng([seed, 1, i])) for i in range(n_volunteers)]


@dataclass(frozen=True)
class ScannerModel:
    """The mechanisms beyond the plain TSE signal, coil shading and noise that the virtual scanner applies.

    Each can be switched on or off to measure what it does to the acquisition scorecard
    (:func:`lumbarlib.analysis.fidelity.mechanism_effects`).

    Attributes
    ----------
    magnetisation_transfer : bool
        Incidental MT of the multi-slice TSE (:data:`lumbarlib.sim.tissues.MT_LOSS`).
    intensity_normalisation : bool
        The vendor's surface-coil intensity correction (:mod:`lumbarlib.sim.vendor`).
    echo_train_t2 : bool
        T2 decay along the echo train by the view order (:mod:`lumbarlib.sim.echo_train`).
    coil_noise_correlation : bool
        Correlated receiver noise between adjacent elements, prewhitened by the
        reconstruction (:func:`lumbarlib.sim.coils.noise_covariance`).
    chemical_shift : bool
        Fat displaced along the read direction (:mod:`lumbarlib.sim.chemical_shift`).
    respiratory_motion : bool
        The anterior abdomen breathing during the acquisition (:mod:`lumbarlib.sim.motion`).
        Off in the book's study: its ghosts dominate the error against the truth in the
        abdomen, where the virtual readers and the error measures look, and clinical lumbar
        protocols commonly suppress them with an anterior saturation band (the paper does
        not say whether its protocol did); the mechanism table measures what it moves.
    """

    magnetisation_transfer: bool = True
    intensity_normalisation: bool = True
    echo_train_t2: bool = True
    coil_noise_correlation: bool = True
    chemical_shift: bool = True
    respiratory_motion: bool = False

    def noise_covariance(self) -> np.ndarray | None:
        """The receiver noise covariance of the spine array under this model (None: uncorrelated)."""
        return noise_covariance(spine_array()) if self.coil_noise_correlation else None

    @classmethod
    def mechanisms(cls) -> tuple[str, ...]:
        """Names of the switchable mechanisms, in the order of the class's attributes."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def only(cls, mechanism: str | None) -> ScannerModel:
        """The model with just ``mechanism`` on (None: all off), for measuring one mechanism at a time."""
        names = cls.mechanisms()
        if mechanism is not None and mechanism not in names:
            raise ValueError(f"mechanism = {mechanism!r}: must be one of {names} or None")
        return cls(**{name: name == mechanism for name in names})


@dataclass
class CohortSimulation:
    """Everything the simulation chapter shows and hands on.

    Attributes
    ----------
    study : StudyImages
        The three acquired sets with truth and labels.
    anatomies : list of Anatomy
        The volunteers.
    maps : dict of str to CoilMaps
        Coil sensitivities of each slice (the same for every volunteer: the coil is in the table).
    mask : ndarray of bool
        The triple-fast phase-encode mask (one pattern for the protocol, as on the scanner).
    calibration : NoiseCalibration
        The calibrated noise SD and its derivation.
    seconds : dict of str to float
        Wall time of each stage.
    """

    study: StudyImages
    anatomies: list[Anatomy]
    maps: dict[str, CoilMaps]
    mask: np.ndarray
    calibration: NoiseCalibration
    seconds: dict[str, float] = field(default_factory=dict)


def simulate_cohort(
    n_volunteers: int = 10,
    seed: int = 0,
    *,
    matrix_scale: float = 1.0,
    cs_iterations: int = 20,
    show_pbar: bool = True,
    scanner: ScannerModel | None = None,
    cs_weight: float = CS_LAMBDA_PER_NOISE_SD,
) -> CohortSimulation:
    """Render, calibrate and acquire the whole study: every volunteer, both slices, three protocols.

    Every random draw comes from ``seed``: volunteers from ``[seed, 1, i]``, the CS mask
    from ``[seed, 2]``, the calibration noise from ``[seed, 3]``, and the noise of
    volunteer ``i``, slice ``j``, protocol ``k`` from ``[seed, 4, i, j, k]`` and its breathing phase from
    ``[seed, 5, i, j, k]``, so each
    image is reproducible on its own.

    Parameters
    ----------
    n_volunteers : int
        Volunteers (the paper: 10).
    seed : int
        The one seed.
    matrix_scale : float
        Shrinks the matrix (quick runs), keeping the FOV.
    cs_iterations : int
        FISTA iterations of the triple-fast reconstruction.
    show_pbar : bool
        Progress bars.
    scanner : ScannerModel, optional
        Mechanisms applied (default: all on).
    cs_weight : float
        L1-wavelet weight of the triple-fast reconstruction in units of the data's noise SD
        (default :data:`lumbarlib.sim.acquisition.CS_LAMBDA_PER_NOISE_SD`).

    Returns
    -------
    CohortSimulation
    """
    check_range("n_volunteers", n_volunteers, 1, None, integer=True)
    check_range("seed", seed, 0, None, integer=True)
    check_range("matrix_scale", matrix_scale, 0.0, 1.0, low_inclusive=False)
    check_range("cs_iterations", cs_iterations, 1, None, integer=True)
    check_range("cs_weight", cs_weight, 0.0)
    scanner = scanner or ScannerModel()
    standard = PROTOCOLS["standard"]
    shape = grid_shape(standard, matrix_scale)
    fov = (standard.fov_phase_mm, standard.fov_read_mm)
    seconds: dict[str, float] = {}

    start = time.perf_counter()
    anatomies = draw_cohort(n_volunteers, seed)
    signal = np.empty((n_volunteers, len(SLICE_NAMES)) + shape, dtype=np.float32)
    labels = np.empty((n_volunteers, len(SLICE_NAMES)) + shape, dtype=np.int16)
    jobs = [(i, j) for i in range(n_volunteers) for j in range(len(SLICE_NAMES))]
    for i, j in tqdm(jobs, desc="phantoms", unit="slice", disable=not show_pbar):
        ph = render_slice(
            anatomies[i],
            SLICE_NAMES[j],
            standard,
            matrix_scale=matrix_scale,
            magnetisation_transfer=scanner.magnetisation_transfer,
        )
        signal[i, j], labels[i, j] = ph.signal, ph.labels
    # what the read gradient places: the object with its fat shifted
    objects = signal.astype(np.complex64)
    if scanner.chemical_shift:
        shift_px = shift_mm(standard) / (fov[1] / shape[1])
        fat, water = (
            tse_signal(TISSUE_PROPERTIES[name], standard, magnetisation_transfer=scanner.magnetisation_transfer)
            for name in ("fat", "marrow_water")
        )
        for i, j in jobs:
            scale = anatomies[i].tissue_scale
            share = marrow_fat_signal(
                anatomies[i].marrow_fat_fraction, fat * scale.get("fat", 1.0), water * scale.get("marrow_water", 1.0)
            )
            objects[i, j] = chemical_shift(signal[i, j], fat_share(labels[i, j], share), shift_px)
    # the truth: what the standard protocol would show without noise and without motion (chemical shift and
    # its echo train's T2 decay included), so that every set's error against it is noise and artefact
    reference = np.abs(objects)
    if scanner.echo_train_t2:
        standard_echo = line_echo_times(shape[0], standard)
        for i, j in jobs:
            reference[i, j] = np.abs(t2_weighting(objects[i, j], labels[i, j], standard_echo, standard.te_ms))
    seconds["phantom"] = time.perf_counter() - start

    start = time.perf_counter()
    maps = {name: coil_maps(shape, fov, SLICE_OFFSET_MM[name]) for name in SLICE_NAMES}
    shading = np.stack([maps[name].shading for name in SLICE_NAMES])
    seen = reference * shading[None]  # the truth as the coils see it
    correction = intensity_correction(shading) if scanner.intensity_normalisation else None
    covariance = scanner.noise_covariance()
    seconds["coils"] = time.perf_counter() - start

    start = time.perf_counter()
    pixel = (fov[0] / shape[0], fov[1] / shape[1])
    # the air SD is read where the air ROI lies: with the correction the air's noise depends on the place
    calibration = calibrate_noise_sd(
        seen[:, 0],
        labels[:, 0],
        maps["mid"].maps,
        rng=np.random.default_rng([seed, 3]),
        noise_covariance=covariance,
        intensity_correction=None if correction is None else correction[0],
        air_mask=np.logical_or.reduce([deepest_air(labels[i, 0], pixel) for i in range(n_volunteers)]),
    )
    seconds["calibration"] = time.perf_counter() - start

    mask = phase_encode_mask(shape[0], PROTOCOLS["triple-fast"].cs_factor, rng=np.random.default_rng([seed, 2]))
    images = {name: np.empty_like(seen) for name in ACQUIRED_SETS}
    for k, name in enumerate(ACQUIRED_SETS):
        start = time.perf_counter()
        protocol = PROTOCOLS[name]
        protocol_mask = mask if protocol.cs_factor > 1 else None
        echo_ms = line_echo_times(shape[0], protocol, protocol_mask)
        for i, j in tqdm(jobs, desc=name, unit="slice", disable=not show_pbar):
            acquired_object = objects[i, j]
            if scanner.echo_train_t2:
                acquired_object = t2_weighting(acquired_object, labels[i, j], echo_ms, protocol.te_ms)
            if scanner.respiratory_motion:
                acquired_object = respiratory_motion(
                    acquired_object,
                    labels[i, j],
                    pixel,
                    protocol,
                    rng=np.random.default_rng([seed, 5, i, j, k]),
                    mask=protocol_mask,
                )
            acquired_object = acquired_object * shading[j]
            images[name][i, j] = acquire_image(
                acquired_object,
                maps[SLICE_NAMES[j]].maps,
                protocol,
                noise_sd=calibration.noise_sd,
                rng=np.random.default_rng([seed, 4, i, j, k]),
                cs_iterations=cs_iterations,
                mask=protocol_mask,
                noise_covariance=covariance,
                cs_lambda=cs_weight * calibration.noise_sd / np.sqrt(protocol.nex),
                intensity_correction=None if correction is None else correction[j],
            )
        seconds[name] = time.perf_counter() - start
    truth = seen if correction is None else seen * correction[None]
    gains = [combined_noise_gain(maps[name].maps, covariance) for name in SLICE_NAMES]
    tissue_gain = np.concatenate(
        [np.broadcast_to(gains[j], labels[:, j].shape)[labels[:, j] != LABELS["air"]] for j in range(len(SLICE_NAMES))]
    )
    study = StudyImages(
        images=images,
        truth=truth,
        labels=labels,
        pixel_mm=pixel,
        noise_sd=calibration.noise_sd,
        noise_gain=float(np.median(tissue_gain)),
        correction=correction,
    )
    return CohortSimulation(
        study=study, anatomies=anatomies, maps=maps, mask=mask, calibration=calibration, seconds=seconds
    )
