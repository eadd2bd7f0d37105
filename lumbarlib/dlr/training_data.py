"""The DLR's training data: real 3T brain and knee images, never lumbar (paper, "DLR method").

The paper's DLR was trained on 3T brain and knee images and then applied to the 1.5T
lumbar spine :cite:`kashiwagi2022lumbar`. Here the images are real scanner images from
:mod:`lumbarlib.study.mri_data`: 21 knee slices (20 Stanford 3D FSE subjects and the
ENLIVE knee, 3T) and the brain slices of one Prisma 3T volunteer in four head positions
plus the ENLIVE head slice.

**Split.** Knees are split by subject (:func:`lumbarlib.study.mri_data.split_by_subject`,
70/15/15 %). The Prisma brain is *one* volunteer, so its slices cannot be split by
subject: the positions :data:`BRAIN_TRAIN_POSITIONS` train, :data:`BRAIN_VALIDATION_POSITION`
validates and :data:`BRAIN_TEST_POSITION` tests. Its brain test therefore measures new
noise and new slice positions of an anatomy the network has seen, not a new person; the
ENLIVE head (another subject, another scanner) is the brain test's independent image.

**Scale.** Each image is divided by its 99.5th percentile, so bright tissue is about 1, and
sigma is given on that scale.

**The targets are noisy.** Real images carry their own noise (measured in tissue by
:func:`lumbarlib.sim.noise.wavelet_sigma`: knees about 0.03, the Prisma brain about 0.009,
comparable to the lumbar study's). Training pairs take the image ``y`` as the target and
``z = |y + n|`` with complex Gaussian noise ``n`` of SD ``sigma_add`` as the input (so air
is Rician as on a scanner), and the loss of :mod:`lumbarlib.dlr.train` corrects for the
target's own noise ``sigma_0`` by Noisier2Noise (:func:`noisier2noise_target`). The
network is told the input's total noise ``sqrt(sigma_0**2 + sigma_add**2)``.

**Augmentation** that keeps MR physics: the eight flips and 90-degree rotations and an
intensity scale drawn log-uniformly in :data:`INTENSITY_RANGE` (signal and the target's
own noise scale together; the added noise does not), i.e. a spread of SNR. The MNI
template and the synthetic knee phantom of earlier versions are not used: the real images
replace them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lumbarlib.core.checks import check_range
from lumbarlib.sim.noise import add_rician_noise, wavelet_sigma
from lumbarlib.study import mri_data

BRAIN_TRAIN_POSITIONS = ("HFS", "HFP")
BRAIN_VALIDATION_POSITION = "HFDL"
BRAIN_TEST_POSITION = "HFDR"
SPLIT_FRACTIONS = (0.7, 0.15, 0.15)
SPLIT_SEED = 0
PARTS = ("train", "validation", "test")
SCALE_PERCENTILE = 99.5
TISSUE_LEVEL = 0.1  # a slice enters only if this share of its pixels are above 0.1 of the scale ...
MIN_TISSUE_SHARE = 0.2  # ... (the sagittal series' edge slices are mostly air)
MAX_OWN_NOISE = 0.05  # and only if its own noise is below this (edge slices outside the head are noise alone)
FOREGROUND_LEVEL = 0.05
FOREGROUND_FRACTION = 0.3
MAX_TRIES = 10
INTENSITY_RANGE = (0.7, 1.4)
MIN_NOISE_RATIO = 1.0  # added noise >= the target's own: the Noisier2Noise target's extra variance <= sigma^2


@dataclass(frozen=True)
class DomainImage:
    """One 2-D image of a domain, bright tissue about 1, with its own noise SD ``sigma0`` on that scale.

    ``domain`` is ``"brain"``, ``"knee"`` (training domains) or ``"lumbar"`` (evaluation only);
    ``sigma0`` is 0 for a noise-free (simulated) image.
    """

    domain: str
    name: str
    image: np.ndarray  # float32 (ny, nx)
    subject: str = ""
    sigma0: float = 0.0


@dataclass(frozen=True)
class Batch:
    """Training pairs, float32: ``noisy``, ``clean`` (the real image, its own noise included) (n, 1, p, p);
    ``sigma`` (n,) the input's total noise SD, ``sigma0`` (n,) the target's own."""

    noisy: np.ndarray
    clean: np.ndarray
    sigma: np.ndarray
    sigma0: np.ndarray

    def targets(self) -> np.ndarray:
        """The Noisier2Noise targets of the batch (:func:`noisier2noise_target`), float64.

        The added noise is recovered from the total and the own noise,
        ``sqrt(sigma**2 - sigma0**2)``.
        """
        total, own = self.sigma.astype(np.float64), self.sigma0.astype(np.float64)
        sigma_add = np.sqrt(np.maximum(total**2 - own**2, 0.0))
        return noisier2noise_target(self.noisy, self.clean, np.maximum(sigma_add, 1e-12), self.sigma0)


def scaled(image: np.ndarray) -> np.ndarray:
    """``image`` divided by its 99.5th percentile, float32 (bright tissue about 1)."""
    image = np.abs(np.asarray(image, dtype=np.float64))
    return (image / np.percentile(image, SCALE_PERCENTILE)).astype(np.float32)


def _domain_image(real: mri_data.RealImage, domain: str) -> DomainImage:
    image = scaled(real.image)
    return DomainImage(domain, f"{domain} {real.source}", image, real.subject, wavelet_sigma(image))


def _position(source: str) -> str | None:
    for position in mri_data.BRAIN_POSITIONS:
        if f"prisma_t1_flash_{position}/" in source:
            return position
    return None


def _brain_part(real: mri_data.RealImage) -> str:
    position = _position(real.source)
    if position is None:
        return "test"  # the ENLIVE head: another subject
    if position in BRAIN_TRAIN_POSITIONS:
        return "train"
    return "validation" if position == BRAIN_VALIDATION_POSITION else "test"


@lru_cache(maxsize=2)
def real_split(folder: str | None = None) -> dict[str, tuple[DomainImage, ...]]:
    """The real brain and knee images in their ``"train"``, ``"validation"`` and ``"test"`` parts.

    Knees by subject (:func:`lumbarlib.study.mri_data.split_by_subject`); the Prisma brain
    by head position, the ENLIVE head in the test part (see the module docstring). Slices
    with less than :data:`MIN_TISSUE_SHARE` tissue, or whose own noise exceeds
    :data:`MAX_OWN_NOISE` (the outermost sagittal slices hold noise alone), are left out.

    Parameters
    ----------
    folder : str, optional
        The real-data folder (default :func:`lumbarlib.study.mri_data.data_dir`).

    Raises
    ------
    lumbarlib.study.mri_data.MriDataError
        A file is missing or altered (the message says how to obtain it).
    """
    knees = mri_data.knee_slices(folder)
    knee_parts = dict(zip(PARTS, mri_data.split_by_subject([k.subject for k in knees], SPLIT_FRACTIONS, SPLIT_SEED)))
    parts: dict[str, list[DomainImage]] = {part: [] for part in PARTS}
    for real in knees:
        part = next(p for p in PARTS if real.subject in knee_parts[p])
        parts[part].append(_domain_image(real, "knee"))
    for real in mri_data.brain_slices(folder):
        candidate = _domain_image(real, "brain")
        if np.mean(candidate.image > TISSUE_LEVEL) >= MIN_TISSUE_SHARE and candidate.sigma0 <= MAX_OWN_NOISE:
            parts[_brain_part(real)].append(candidate)
    return {part: tuple(images) for part, images in parts.items()}


def spread(images: tuple[DomainImage, ...] | list[DomainImage], n: int) -> list[DomainImage]:
    """Up to ``n`` images per domain, evenly spread through each domain's list (brain and knee, in that order).

    An image of a subject of its own (the ENLIVE head among the Prisma slices) comes first,
    so that a small choice still holds the independent subject.
    """
    check_range("n", n, 1, integer=True)
    chosen = []
    for domain in ("brain", "knee"):
        pool = [im for im in images if im.domain == domain]
        counts = {s: sum(im.subject == s for im in pool) for s in {im.subject for im in pool}}
        pool.sort(key=lambda im: counts[im.subject] > 1)  # stable: single-image subjects first
        picks = np.unique(np.linspace(0, len(pool) - 1, min(n, len(pool))).round().astype(int)) if pool else []
        chosen += [pool[k] for k in picks]
    return chosen


def split_table(split: dict[str, tuple[DomainImage, ...]]) -> list[dict]:
    """One row per part and domain: images, subjects, median own noise ``sigma0`` (the chapter's split table)."""
    rows = []
    for part, images in split.items():
        for domain in sorted({im.domain for im in images}):
            chosen = [im for im in images if im.domain == domain]
            rows.append(
                {
                    "part": part,
                    "domain": domain,
                    "images": len(chosen),
                    "subjects": ", ".join(sorted({im.subject for im in chosen})),
                    "median_sigma0": float(np.median([im.sigma0 for im in chosen])),
                }
            )
    return rows


def noisier2noise_target(noisy: np.ndarray, clean: np.ndarray, sigma_add: np.ndarray, sigma0: np.ndarray) -> np.ndarray:
    """The Noisier2Noise target: an unbiased estimate of the noise-free image from a noisy target.

    With the target ``y = x + n0`` (own noise SD ``sigma0``) and the input ``z = y + n1``
    (added noise SD ``sigma_add``, ``alpha = sigma_add / sigma0``), the regression of ``y``
    on ``z`` gives ``E[x | z] = ((1 + alpha**2) E[y | z] - z) / alpha**2``
    (Moran et al. 2020, eq. 6). Regressing the network output on
    ``t = y - (z - y) / alpha**2`` is the same least-squares problem, so the network learns
    ``E[x | z]``, not the noisy target. Exact for additive Gaussian noise; in tissue the
    magnitude's noise is close to that, in air (Rician) it is not.

    Parameters
    ----------
    noisy, clean : ndarray (n, 1, p, p)
        ``z`` and ``y``.
    sigma_add, sigma0 : ndarray (n,)
        The added noise's SD and the target's own; ``sigma0 = 0`` gives ``t = y``.
    """
    ratio = (np.asarray(sigma0) / np.asarray(sigma_add)) ** 2
    ratio = ratio.reshape(-1, *([1] * (np.ndim(clean) - 1)))
    return clean - (noisy - clean) * ratio


def sample_batch(
    images: list[DomainImage] | tuple[DomainImage, ...],
    *,
    batch_size: int,
    patch_size: int,
    sigma_range: tuple[float, float],
    rng: np.random.Generator,
) -> Batch:
    """Draw training pairs: image (brain and knee equally often), place, flip/rotation, intensity, sigma.

    A patch is redrawn (up to ``MAX_TRIES`` times) until at least ``FOREGROUND_FRACTION``
    of it is tissue, so air does not dominate. The added sigma is log-uniform between
    ``max(sigma_range[0], MIN_NOISE_RATIO * sigma0)`` and ``sigma_range[1]`` (a patch's
    Noisier2Noise target would otherwise carry up to ``(sigma0 / sigma_add)**2`` times the
    added noise); ``Batch.sigma`` is the input's total noise.
    """
    check_range("batch_size", batch_size, 1, integer=True)
    check_range("patch_size", patch_size, 8, integer=True)
    low, high = sigma_range
    check_range("sigma_range[0]", low, 0, low_inclusive=False)
    check_range("sigma_range[1]", high, low)
    by_domain: dict[str, list[DomainImage]] = {}
    for im in images:
        if min(im.image.shape) >= patch_size:
            by_domain.setdefault(im.domain, []).append(im)
    if not by_domain:
        raise ValueError(f"parameter 'patch_size' = {patch_size}: larger than every training image")
    domains = sorted(by_domain)
    clean = np.empty((batch_size, 1, patch_size, patch_size), dtype=np.float64)
    sigma0 = np.empty(batch_size)
    for b in range(batch_size):
        pool = by_domain[domains[rng.integers(len(domains))]]
        chosen = pool[rng.integers(len(pool))]
        for _ in range(MAX_TRIES):
            r = rng.integers(chosen.image.shape[0] - patch_size + 1)
            c = rng.integers(chosen.image.shape[1] - patch_size + 1)
            patch = chosen.image[r : r + patch_size, c : c + patch_size]
            if np.mean(patch > FOREGROUND_LEVEL) >= FOREGROUND_FRACTION:
                break
        patch = np.rot90(patch, k=rng.integers(4))
        gain = np.exp(rng.uniform(*np.log(INTENSITY_RANGE)))
        clean[b, 0] = gain * (patch[:, ::-1] if rng.integers(2) else patch)
        sigma0[b] = gain * chosen.sigma0
    floor = np.minimum(np.maximum(low, MIN_NOISE_RATIO * sigma0), high)
    sigma_add = np.exp(rng.uniform(np.log(floor), np.log(high)))
    noisy = add_rician_noise(clean, sigma_add[:, None, None, None], rng)
    total = np.sqrt(sigma_add**2 + sigma0**2)
    return Batch(
        noisy.astype(np.float32), clean.astype(np.float32), total.astype(np.float32), sigma0.astype(np.float32)
    )
