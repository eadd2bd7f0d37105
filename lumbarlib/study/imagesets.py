"""The study's image sets: one tidy structure that chapters hand to each other through the build folder.

The paper's five sets (Methods, "MRI data acquisition") are, in its order (1)-(5):
standard, double-fast, DLR-double-fast, triple-fast and DLR-triple-fast
:cite:`kashiwagi2022lumbar`. The three acquired sets come from the simulation
(:func:`lumbarlib.sim.cohort.simulate_cohort`, notebook 02, saved to
``acquired_images.npz``); the DLR chapter adds the two DLR sets and saves all five to
``study_images.npz`` for the results chapters.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lumbarlib.core.paths import data_dir
from lumbarlib.study.design import SET_NAMES

ACQUIRED_FILE = "acquired_images.npz"
STUDY_FILE = "study_images.npz"


@dataclass
class StudyImages:
    """Magnitude images of every volunteer and slice for each image set, with their ground truth.

    Attributes
    ----------
    images : dict of str to ndarray
        Set name (one of :data:`SET_NAMES`) -> float32 array (n_volunteers, 2, ny, nx):
        coil-combined magnitude; slice 0 is midsagittal, slice 1 right paramedian
        (:data:`lumbarlib.sim.labels.SLICE_NAMES`).
    truth : ndarray
        float32 (n_volunteers, 2, ny, nx): the noise-free magnitude on the same scale (same
        coil shading and intensity correction, same k-space extent): what the standard
        protocol would show without noise and without motion.
    labels : ndarray
        int16 (n_volunteers, 2, ny, nx): tissue ids of :data:`lumbarlib.sim.labels.LABELS`.
    pixel_mm : tuple of float
        (row spacing, column spacing) in mm: rows superior-inferior, columns anterior-posterior.
    noise_sd : float or None
        The k-space noise SD per coil the sets were acquired with (the one calibrated
        number of the simulation, :func:`lumbarlib.sim.acquisition.calibrate_noise_sd`), if known.
    noise_gain : float or None
        The combined image's noise SD per unit k-space noise SD in the tissue (median over
        both slices; above 1 with correlated coil noise,
        :func:`lumbarlib.sim.coils.combined_noise_gain`), if known.
    correction : ndarray or None
        float32 (2, ny, nx): the vendor's intensity correction of each slice
        (:func:`lumbarlib.sim.vendor.intensity_correction`), the same for every volunteer,
        that multiplied the reconstructed magnitudes; None if the images are uncorrected.
    """

    images: dict[str, np.ndarray]
    truth: np.ndarray
    labels: np.ndarray
    pixel_mm: tuple[float, float]
    noise_sd: float | None = None
    noise_gain: float | None = None
    correction: np.ndarray | None = None

    def __post_init__(self) -> None:
        shape = self.truth.shape
        if self.truth.ndim != 4 or shape[1] != 2:
            raise ValueError(f"truth must have shape (n_volunteers, 2, ny, nx), got {shape}")
        if self.labels.shape != shape:
            raise ValueError(f"labels shape {self.labels.shape} differs from truth shape {shape}")
        for name, arr in self.images.items():
            if name not in SET_NAMES:
                raise ValueError(f"image set {name!r}: must be one of {', '.join(SET_NAMES)}")
            if arr.shape != shape:
                raise ValueError(f"image set {name!r} has shape {arr.shape}, truth has {shape}")
        if len(self.pixel_mm) != 2 or min(self.pixel_mm) <= 0:
            raise ValueError(f"pixel_mm = {self.pixel_mm!r}: must be two spacings > 0 (mm)")
        self.images = {name: np.asarray(a, dtype=np.float32) for name, a in self.images.items()}
        self.truth = np.asarray(self.truth, dtype=np.float32)
        self.labels = np.asarray(self.labels, dtype=np.int16)
        self.pixel_mm = (float(self.pixel_mm[0]), float(self.pixel_mm[1]))
        if self.noise_sd is not None:
            if not np.isfinite(self.noise_sd) or self.noise_sd < 0:
                raise ValueError(f"noise_sd = {self.noise_sd!r}: must be a finite number >= 0 or None")
            self.noise_sd = float(self.noise_sd)
        if self.noise_gain is not None:
            if not np.isfinite(self.noise_gain) or self.noise_gain <= 0:
                raise ValueError(f"noise_gain = {self.noise_gain!r}: must be a finite number > 0 or None")
            self.noise_gain = float(self.noise_gain)
        if self.correction is not None:
            self.correction = np.asarray(self.correction, dtype=np.float32)
            if self.correction.shape != shape[1:] or not np.all(self.correction > 0):
                raise ValueError(
                    f"correction must be positive with shape {shape[1:]}, got shape {self.correction.shape}"
                )

    @property
    def n_volunteers(self) -> int:
        """Number of volunteers."""
        return int(self.truth.shape[0])

    @property
    def set_names(self) -> tuple[str, ...]:
        """The sets present, in the paper's order."""
        return tuple(name for name in SET_NAMES if name in self.images)

    def save(self, path: Path) -> None:
        """Write every array to one compressed ``.npz`` file."""
        arrays = {f"image__{name}": arr for name, arr in self.images.items()}
        if self.noise_sd is not None:
            arrays["noise_sd"] = np.asarray(self.noise_sd)
        if self.noise_gain is not None:
            arrays["noise_gain"] = np.asarray(self.noise_gain)
        if self.correction is not None:
            arrays["correction"] = self.correction
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, truth=self.truth, labels=self.labels, pixel_mm=np.asarray(self.pixel_mm), **arrays)

    @classmethod
    def load(cls, path: Path) -> StudyImages:
        """Read a file written by :meth:`save`."""
        with np.load(path) as data:
            images = {key.removeprefix("image__"): data[key] for key in data.files if key.startswith("image__")}
            noise_sd = float(data["noise_sd"]) if "noise_sd" in data.files else None
            return cls(
                images=images,
                truth=data["truth"],
                labels=data["labels"],
                pixel_mm=tuple(data["pixel_mm"].tolist()),
                noise_sd=noise_sd,
                noise_gain=float(data["noise_gain"]) if "noise_gain" in data.files else None,
                correction=data["correction"] if "correction" in data.files else None,
            )

    def uncorrected(self, name: str) -> np.ndarray:
        """Set ``name`` before the vendor's intensity correction (as the coils deliver it; unchanged without one)."""
        if name not in self.images:
            raise ValueError(f"parameter 'name' = {name!r}: not a set of this study; has {self.set_names}")
        images = self.images[name]
        return images if self.correction is None else images / self.correction[None]

    def with_sets(self, extra: dict[str, np.ndarray]) -> StudyImages:
        """A copy holding these sets too (a set already present is replaced)."""
        return StudyImages(
            images={**self.images, **extra},
            truth=self.truth,
            labels=self.labels,
            pixel_mm=self.pixel_mm,
            noise_sd=self.noise_sd,
            noise_gain=self.noise_gain,
            correction=self.correction,
        )


def acquired_path() -> Path:
    """Where notebook 02 saves the three acquired sets: ``<build>/data/acquired_images.npz``."""
    return data_dir() / ACQUIRED_FILE


def study_path() -> Path:
    """Where notebook 05 saves all five sets: ``<build>/data/study_images.npz``."""
    return data_dir() / STUDY_FILE


def load_study(path: Path | None = None) -> StudyImages:
    """Load the five-set study (default :func:`study_path`).

    Raises
    ------
    FileNotFoundError
        Naming the notebook that writes the file, if it has not run.
    """
    path = Path(path) if path is not None else study_path()
    if not path.exists():
        writer = "02_simulation" if path.name == ACQUIRED_FILE else "05_denoising"
        raise FileNotFoundError(f"{path} does not exist: run notebook {writer} first")
    return StudyImages.load(path)


def load_acquired(path: Path | None = None) -> StudyImages:
    """Load the three acquired sets (default :func:`acquired_path`)."""
    return load_study(path if path is not None else acquired_path())
