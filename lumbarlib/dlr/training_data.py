"""The DLR's training data: 3T brain and knee images, never lumbar (paper, "DLR method").

Brain: the MNI152 2009 template that ships inside the nilearn wheel (Fonov et al. 2011),
read with nibabel, in two contrasts: its own T1 weighting, and a T2-weighted turbo spin
echo (TR 3400 ms, TE 84 ms, the lumbar protocol's timing) synthesised at 3T from its
grey- and white-matter probability maps, the rest of the brain mask being CSF.
Knee: the synthetic 3T proton-density knee of :mod:`lumbarlib.sim.knee_phantom`.

Held out: the brain is split along the anterior-posterior axis of the template
(training from the anterior part, evaluation from the posterior part: occipital lobes
and cerebellum, anatomy the network never saw); knees of seeds
:data:`TRAIN_KNEE_SEEDS` train, :data:`HELD_OUT_KNEE_SEED` evaluates.

Training pairs are patches of the noise-free image and the magnitude of the image plus
complex Gaussian noise (:func:`lumbarlib.sim.noise.add_rician_noise`), so the background is
Rician as on a scanner; sigma is drawn log-uniformly per patch. Images are scaled so that
their bright tissue is about 1 (brain: 99.5th percentile of the brain; knee: joint fluid,
fat about 1.3), and sigma is given on that scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import nibabel as nib
import numpy as np

from lumbarlib.core.checks import check_range
from lumbarlib.sim.knee_phantom import make_knee
from lumbarlib.sim.noise import add_rician_noise

MNI_FILES = {
    "t1": "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz",
    "gm": "mni_icbm152_gm_tal_nlin_sym_09a_converted.nii.gz",
    "wm": "mni_icbm152_wm_tal_nlin_sym_09a_converted.nii.gz",
}
# 3T (proton density, T1 ms, T2 ms) of the brain's tissue classes, rounded literature values
BRAIN_TISSUES = {"gm": (0.80, 1820.0, 99.0), "wm": (0.70, 1080.0, 69.0), "csf": (1.00, 4000.0, 2000.0)}
T2W_TR_MS = 3400.0
T2W_TE_MS = 84.0
BRAIN_SPLIT_Y = 95  # template voxel index (1 mm) along posterior->anterior: training y >= split + gap
BRAIN_SPLIT_GAP = 8
SLICE_STEP = 4  # every 4th slice of each orientation enters the training set
TRAIN_KNEE_SEEDS = tuple(range(8))
HELD_OUT_KNEE_SEED = 1000
FOREGROUND_LEVEL = 0.05
FOREGROUND_FRACTION = 0.3
MAX_TRIES = 10


@dataclass(frozen=True)
class DomainImage:
    """One noise-free 2-D image of a domain, for training or evaluation (bright tissue about 1)."""

    domain: str  # "brain", "knee" (training domains) or "lumbar" (evaluation only)
    name: str  # e.g. "brain T2w axial 60"
    image: np.ndarray  # float32 (ny, nx)


@dataclass(frozen=True)
class Batch:
    """Training pairs: ``noisy`` and ``clean`` float32 (n, 1, p, p), ``sigma`` float32 (n,)."""

    noisy: np.ndarray
    clean: np.ndarray
    sigma: np.ndarray


@lru_cache(maxsize=1)
def brain_volumes() -> dict[str, np.ndarray]:
    """The template as two float32 volumes, ``"T1w"`` and ``"T2w"``, indexed (x, y, z), 1 mm.

    The y axis runs posterior to anterior (RAS); both are scaled to a 99.5th brain
    percentile of 1.
    """
    folder = resources.files("nilearn.datasets") / "data"
    maps = {
        key: np.asarray(nib.load(str(folder / name)).dataobj, dtype=np.float32) / 255.0
        for key, name in MNI_FILES.items()
    }
    brain = maps["t1"] > 0.02
    csf = np.clip(brain - maps["gm"] - maps["wm"], 0.0, 1.0)

    def tse(tissue: str) -> float:
        pd_, t1, t2 = BRAIN_TISSUES[tissue]
        return pd_ * (1.0 - np.exp(-T2W_TR_MS / t1)) * np.exp(-T2W_TE_MS / t2)

    t2w = maps["gm"] * tse("gm") + maps["wm"] * tse("wm") + csf * tse("csf")
    out = {}
    for name, volume in (("T1w", maps["t1"]), ("T2w", t2w)):
        out[name] = (volume / np.percentile(volume[brain], 99.5)).astype(np.float32)
    return out


def _brain_slices(y_range: slice, step: int) -> list[DomainImage]:
    """Sagittal, coronal and axial slices of both contrasts, cropped to ``y_range`` of the template."""
    images = []
    for contrast, volume in brain_volumes().items():
        part = volume[:, y_range, :]
        nx, ny, nz = part.shape
        for i in range(step // 2, nx, step):
            images.append(DomainImage("brain", f"brain {contrast} sagittal {i}", part[i].T[::-1].copy()))
        for j in range(step // 2, ny, step):
            images.append(DomainImage("brain", f"brain {contrast} coronal {j}", part[:, j].T[::-1].copy()))
        for k in range(step // 2, nz, step):
            images.append(DomainImage("brain", f"brain {contrast} axial {k}", part[:, :, k].T[::-1].copy()))
    return [im for im in images if np.mean(im.image > FOREGROUND_LEVEL) > 0.1 and min(im.image.shape) >= 32]


def training_images(*, n_knees: int = len(TRAIN_KNEE_SEEDS), slice_step: int = SLICE_STEP) -> list[DomainImage]:
    """The training set: anterior brain slices (both contrasts, three orientations) and knees.

    Parameters
    ----------
    n_knees : int
        How many knees of :data:`TRAIN_KNEE_SEEDS` (fewer for quick runs).
    slice_step : int
        Take every ``slice_step``-th brain slice.
    """
    check_range("n_knees", n_knees, 1, len(TRAIN_KNEE_SEEDS), integer=True)
    check_range("slice_step", slice_step, 1, integer=True)
    brain = _brain_slices(slice(BRAIN_SPLIT_Y + BRAIN_SPLIT_GAP, None), slice_step)
    knees = [DomainImage("knee", f"knee seed {s}", make_knee(s).image) for s in TRAIN_KNEE_SEEDS[:n_knees]]
    return brain + knees


def held_out_images() -> list[DomainImage]:
    """Evaluation images the network never trains on: posterior brain (T1w, T2w) and a new knee."""
    volumes = brain_volumes()
    y_stop = BRAIN_SPLIT_Y
    out = []
    for contrast in volumes:
        part = volumes[contrast][:, :y_stop, :]
        out.append(
            DomainImage("brain", f"brain {contrast} sagittal (posterior)", part[part.shape[0] // 2 + 20].T[::-1].copy())
        )
        out.append(DomainImage("brain", f"brain {contrast} axial (posterior)", part[:, :, 80].T[::-1].copy()))
    out.append(DomainImage("knee", f"knee seed {HELD_OUT_KNEE_SEED}", make_knee(HELD_OUT_KNEE_SEED).image))
    return out


def sample_batch(
    images: list[DomainImage],
    *,
    batch_size: int,
    patch_size: int,
    sigma_range: tuple[float, float],
    rng: np.random.Generator,
) -> Batch:
    """Draw noisy/clean patch pairs: random image (brain and knee equally often), place, dihedral flip, sigma.

    A patch is redrawn (up to ``MAX_TRIES`` times) until at least ``FOREGROUND_FRACTION``
    of it is tissue, so air does not dominate. Sigma is log-uniform in ``sigma_range``.
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
    for b in range(batch_size):
        pool = by_domain[domains[rng.integers(len(domains))]]
        image = pool[rng.integers(len(pool))].image
        for _ in range(MAX_TRIES):
            r = rng.integers(image.shape[0] - patch_size + 1)
            c = rng.integers(image.shape[1] - patch_size + 1)
            patch = image[r : r + patch_size, c : c + patch_size]
            if np.mean(patch > FOREGROUND_LEVEL) >= FOREGROUND_FRACTION:
                break
        patch = np.rot90(patch, k=rng.integers(4))
        clean[b, 0] = patch[:, ::-1] if rng.integers(2) else patch
    sigma = np.exp(rng.uniform(np.log(low), np.log(high), size=batch_size))
    noisy = add_rician_noise(clean, sigma[:, None, None, None], rng)
    return Batch(noisy.astype(np.float32), clean.astype(np.float32), sigma.astype(np.float32))
