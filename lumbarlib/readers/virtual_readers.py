"""Virtual readers: a transparent model that turns measured image differences into 1-5 scores.

Serves the paper's "Qualitative image analysis" (Table 3, Fig. 4) :cite:`kashiwagi2022lumbar`
when no people are at hand. It is a model of readers, not a reader: its scores follow
from the measurements below and from the parameters it is given, and are never clinical
evidence.

The model has three steps.

1. **Measure** each image of each volunteer and slice against the noise-free truth
   (:func:`measure_image`):

   * ``noise_sd``: the noise level, the SD of the image's departure from the blurred truth
     (see the edge width) about its local mean, in the quarter of the tissue pixels where
     the truth has the least local structure: there neither blur nor lost texture adds to
     the error, so only noise, noise left after denoising and noise-like aliasing count;
   * ``edge_width_mm``: the FWHM of the Gaussian blur that, applied to the truth, best
     matches the image (least squares on the spectra; noise does not bias it; negative for
     a sharpened image);
   * ``contrast``: the mean Michelson contrast of tissue pairs (CSF-cord, nucleus-annulus,
     fat-muscle, ...);
   * ``detail_transfer``: the share of the truth's fine structure the image keeps (the
     projection of the image's high-pass part on the truth's; 1 = all, noise averages out);
   * ``structured_error``: the RMS of the coarse-scale part of the error (CS streaks,
     smoothed edges), divided by ``noise_sd``: coherent error shows the more the less noise
     hides it.

2. **Compare** with the standard image of the same volunteer (:func:`feature_differences`),
   averaged over the two slices, so that positive means "better than standard":
   ``snr = log2(noise_sd_std / noise_sd)``, ``sharpness = edge_width_std - edge_width`` (mm),
   ``contrast = log2(contrast / contrast_std)``, ``detail = detail_transfer - detail_transfer_std``,
   ``artifact = log2(structured_error_std / structured_error)``.

3. **Score** (:func:`score_study`): each criterion's latent quality is a weighted sum of
   those differences (:class:`ReaderModel`; noise also masks sharpness and contrast, as it
   does for people); overall quality is a weighted mean of the other five. Reader ``r``
   adds their bias and Gaussian noise and cuts the latent value at their thresholds:
   ``|z| < t_equivalent`` -> 3, beyond ``t_obvious`` -> 1 or 5, in between 2 or 4.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import fft as sp_fft
from scipy import ndimage
from scipy.optimize import minimize_scalar
from tqdm.auto import tqdm

from lumbarlib.analysis.stats import mean_sd_table
from lumbarlib.core.checks import check_range
from lumbarlib.readers.scores import CRITERIA, Score, to_frame
from lumbarlib.sim.labels import LABELS, SLICE_NAMES
from lumbarlib.study.design import SET_NAMES
from lumbarlib.study.imagesets import StudyImages

MEASURES: tuple[str, ...] = ("noise_sd", "edge_width_mm", "contrast", "detail_transfer", "structured_error")
"""What :func:`measure_image` returns, in order."""

FEATURES: tuple[str, ...] = ("snr", "sharpness", "contrast", "detail", "artifact")
"""Differences from the standard image (:func:`feature_differences`); positive = better."""

CONTRAST_PAIRS: tuple[tuple[str, str], ...] = (
    ("csf", "cord"),
    ("csf", "cauda_equina"),
    ("nucleus_L4-L5", "annulus_L4-L5"),
    ("nucleus_L2-L3", "vertebra_L2"),
    ("retroperitoneal_fat", "muscle"),
    ("subcutaneous_fat", "muscle"),
)
"""Tissue pairs whose contrast readers judge; pairs absent from a slice are skipped."""

FINE_SCALE_PX = 1.5
"""Gaussian SD (pixels) separating fine detail from coarse structure."""

NOISE_SCALE_PX = 4.0
"""Gaussian SD (pixels) of the smooth part of the error left out of the noise (shading, bias)."""

FLAT_SCALE_PX = 2.0
"""Gaussian SD (pixels) of the window in which the truth's local structure is measured."""

FLAT_FRACTION = 0.25
"""Share of the tissue pixels, those with the least local structure, where noise is measured."""

COARSE_SCALE_PX = 2.0
"""Gaussian SD (pixels) of the smoothing that keeps the coherent part of the error."""

FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))
"""FWHM of a Gaussian per unit of its SD."""

VARIANCE_BOUNDS_MM2 = (-0.25, 16.0)
"""Range of the fitted blur variance (mm^2): up to a 4 mm SD, down to a mild sharpening."""


@dataclass(frozen=True)
class ImageMeasures:
    """What :func:`measure_image` finds in one image (see the module docstring)."""

    noise_sd: float
    edge_width_mm: float
    contrast: float
    detail_transfer: float
    structured_error: float


def _interior(labels: np.ndarray, erosion_px: int) -> np.ndarray:
    """Tissue pixels (not air) at least ``erosion_px`` from any other label."""
    inside = np.zeros(labels.shape, bool)
    for value in np.unique(labels):
        if value == LABELS["air"]:
            continue
        inside |= ndimage.binary_erosion(labels == value, iterations=erosion_px)
    return inside


def _flat(truth: np.ndarray, interior: np.ndarray) -> np.ndarray:
    """The :data:`FLAT_FRACTION` of ``interior`` pixels where the truth's local SD is lowest."""
    mean = ndimage.gaussian_filter(truth, FLAT_SCALE_PX)
    local_sd = np.sqrt(np.maximum(ndimage.gaussian_filter(truth**2, FLAT_SCALE_PX) - mean**2, 0.0))
    return interior & (local_sd <= np.quantile(local_sd[interior], FLAT_FRACTION))


@dataclass(frozen=True)
class BlurFit:
    """The Gaussian blur that best maps the truth onto an image (:func:`fit_blur`).

    Attributes
    ----------
    variance_mm2 : float
        Fitted variance; negative for a sharpened image.
    blurred_truth : ndarray
        The truth blurred by ``max(variance_mm2, 0)``: what the image would be with its
        blur but without noise, aliasing or other error.
    """

    variance_mm2: float
    blurred_truth: np.ndarray

    @property
    def edge_width_mm(self) -> float:
        """Signed FWHM: ``2 sqrt(2 ln 2) sign(v) sqrt(|v|)``."""
        return float(np.sign(self.variance_mm2) * np.sqrt(abs(self.variance_mm2)) * FWHM_PER_SIGMA)


def fit_blur(image: np.ndarray, truth: np.ndarray, pixel_mm: tuple[float, float]) -> BlurFit:
    """Fit the isotropic Gaussian blur (in mm) that best maps ``truth`` onto ``image``.

    The blur's variance ``v`` (mm^2) is fitted by least squares over the whole image in
    the Fourier domain, where a Gaussian blur multiplies the spectrum by
    ``exp(-2 pi^2 v |f|^2)`` (:func:`scipy.optimize.minimize_scalar`). A negative ``v`` (a
    sharpened image) is allowed, so the fit is unbiased around zero: zero-mean noise adds
    a constant to the cost and does not move its minimum.
    """
    spectrum_image = sp_fft.rfft2(image)
    spectrum_truth = sp_fft.rfft2(truth)
    fy = sp_fft.fftfreq(image.shape[0], d=pixel_mm[0])[:, None]
    fx = sp_fft.rfftfreq(image.shape[1], d=pixel_mm[1])[None, :]
    exponent = -2.0 * np.pi**2 * (fy**2 + fx**2)

    def cost(variance_mm2: float) -> float:
        return float(np.sum(np.abs(spectrum_image - np.exp(exponent * variance_mm2) * spectrum_truth) ** 2))

    best = float(minimize_scalar(cost, bounds=VARIANCE_BOUNDS_MM2, method="bounded", options={"xatol": 1e-5}).x)
    blurred = sp_fft.irfft2(np.exp(exponent * max(best, 0.0)) * spectrum_truth, s=image.shape)
    return BlurFit(best, blurred)


def _local_noise_sd(residual: np.ndarray, mask: np.ndarray) -> float:
    """SD of ``residual`` in ``mask`` around its local mean taken within ``mask`` only.

    The local mean is a normalised convolution (Gaussian of :data:`NOISE_SCALE_PX`), so
    smooth error (shading, bias) is left out without pulling in the error next to the mask.
    """
    weight = ndimage.gaussian_filter(mask.astype(float), NOISE_SCALE_PX)
    local_mean = ndimage.gaussian_filter(np.where(mask, residual, 0.0), NOISE_SCALE_PX) / np.maximum(weight, 1e-12)
    return float(np.std((residual - local_mean)[mask]))


def measure_image(
    image: np.ndarray, truth: np.ndarray, labels: np.ndarray, *, pixel_mm: tuple[float, float]
) -> ImageMeasures:
    """Measure noise, edge width, contrast, fine detail and structured error of one image.

    Written here because these are measurements against a ground truth that only a
    simulation has, chosen to mirror what each reader criterion looks at; each is a few
    scipy filters (see the module docstring for what they mean).

    Parameters
    ----------
    image, truth : ndarray, shape (ny, nx)
        The image read and the noise-free truth on the same scale.
    labels : ndarray of int, shape (ny, nx)
        Tissue ids of :data:`lumbarlib.sim.labels.LABELS`.
    pixel_mm : (float, float)
        Row and column spacing.

    Returns
    -------
    ImageMeasures
    """
    image = np.asarray(image, dtype=np.float64)
    truth = np.asarray(truth, dtype=np.float64)
    if image.ndim != 2 or image.shape != truth.shape or labels.shape != image.shape:
        raise ValueError(
            f"image, truth and labels must be 2-D of one shape; got {image.shape}, {truth.shape}, {labels.shape}"
        )
    interior = _interior(labels, 2)
    body = labels != LABELS["air"]
    if interior.sum() < 10:
        raise ValueError("labels leave fewer than 10 tissue pixels away from boundaries: image too small to read")
    blur = fit_blur(image, truth, pixel_mm)
    noise_sd = _local_noise_sd(image - blur.blurred_truth, _flat(truth, interior))
    detail_truth = truth - ndimage.gaussian_filter(truth, FINE_SCALE_PX)
    detail_image = image - ndimage.gaussian_filter(image, FINE_SCALE_PX)
    energy = float(np.sum(detail_truth[body] ** 2))
    detail = float(np.sum(detail_image[body] * detail_truth[body]) / energy) if energy > 0 else 1.0

    means = {}
    for name in {n for pair in CONTRAST_PAIRS for n in pair}:
        region = interior & (labels == LABELS.get(name, -1))
        if region.sum() >= 4:
            means[name] = float(image[region].mean())
    pairs = [(means[a], means[b]) for a, b in CONTRAST_PAIRS if a in means and b in means]
    contrast = float(np.mean([abs(a - b) / (a + b) for a, b in pairs])) if pairs else float("nan")

    coarse_error = ndimage.gaussian_filter(image - truth, COARSE_SCALE_PX)
    structured = float(np.sqrt(np.mean(coarse_error[body] ** 2))) / max(noise_sd, 1e-12)
    return ImageMeasures(noise_sd, blur.edge_width_mm, contrast, detail, structured)


def measure_images(study: StudyImages, *, show_pbar: bool = True) -> pd.DataFrame:
    """:func:`measure_image` for every volunteer, slice and set of a study.

    Returns
    -------
    DataFrame
        Columns ``volunteer``, ``slice``, ``set`` and those of :data:`MEASURES`.
    """
    missing = [s for s in SET_NAMES if s not in study.images]
    if missing:
        raise ValueError(f"study lacks image set(s) {missing}; the readers compare all of {list(SET_NAMES)}")
    n_volunteers, n_slices = study.truth.shape[:2]
    jobs = [(v, s, name) for v in range(n_volunteers) for s in range(n_slices) for name in SET_NAMES]
    rows = []
    for v, s, name in tqdm(jobs, desc="measuring images", unit="image", disable=not show_pbar):
        image, truth, labels = study.images[name][v, s], study.truth[v, s], study.labels[v, s]
        found = measure_image(image, truth, labels, pixel_mm=study.pixel_mm)
        rows.append({"volunteer": v + 1, "slice": SLICE_NAMES[s], "set": name, **asdict(found)})
    return pd.DataFrame(rows)


def feature_differences(measures: pd.DataFrame) -> pd.DataFrame:
    """Each image set against the standard of the same volunteer and slice, averaged over slices.

    Returns
    -------
    DataFrame
        Columns ``volunteer``, ``set`` and :data:`FEATURES` (positive = better than standard;
        the standard set itself gives zeros).
    """
    index = ["volunteer", "slice"]
    standard = measures[measures["set"] == "standard"].set_index(index)
    rows = []
    for name in SET_NAMES:
        test = measures[measures["set"] == name].set_index(index)
        ref = standard.loc[test.index]
        diff = pd.DataFrame(
            {
                "snr": np.log2(ref["noise_sd"] / test["noise_sd"]),
                "sharpness": ref["edge_width_mm"] - test["edge_width_mm"],
                "contrast": np.log2(test["contrast"] / ref["contrast"]),
                "detail": test["detail_transfer"] - ref["detail_transfer"],
                "artifact": np.log2(ref["structured_error"] / test["structured_error"]),
            },
            index=test.index,
        )
        per_volunteer = diff.groupby(level="volunteer").mean()
        rows.append(per_volunteer.assign(set=name).reset_index())
    out = pd.concat(rows, ignore_index=True)
    return out[["volunteer", "set", *FEATURES]]


def feature_summary(features: pd.DataFrame) -> pd.DataFrame:
    """Mean and SD over volunteers of each feature per set (:func:`lumbarlib.analysis.stats.mean_sd_table` layout)."""
    long = features.melt(id_vars=["volunteer", "set"], value_vars=list(FEATURES), var_name="feature")
    return mean_sd_table(long, "value", "feature")


@dataclass(frozen=True)
class ReaderModel:
    """How measured differences become latent quality (units: steps of the reader's scale).

    Each gain is the latent change per unit of its feature; the defaults are round numbers
    chosen so that halving the noise SD moves perceived SNR by two steps and a 0.5 mm wider
    edge costs one step of sharpness. They are assumptions, stated in the chapter, not fits.

    Attributes
    ----------
    snr_per_doubling : float
        Perceived SNR per halving of the noise SD.
    sharpness_per_mm : float
        Sharpness per mm narrower edge (FWHM).
    contrast_per_doubling : float
        Contrast per doubling of tissue contrast.
    detail_per_unit : float
        Structure visibility per unit of detail transfer (1 = all fine structure kept).
    artifact_per_doubling : float
        Artifact per halving of the structured error relative to the noise.
    noise_masking : float
        Sharpness and contrast per halving of the noise SD: noise hides edges and contrast.
    overall_weights : tuple of 5 floats
        Weights of perceived SNR, sharpness, contrast, structure visibility and artifact in
        overall quality (normalised to sum 1).
    """

    snr_per_doubling: float = 2.0
    sharpness_per_mm: float = 2.0
    contrast_per_doubling: float = 4.0
    detail_per_unit: float = 4.0
    artifact_per_doubling: float = 0.5
    noise_masking: float = 1.0
    overall_weights: tuple[float, float, float, float, float] = (0.4, 0.2, 0.15, 0.1, 0.15)

    def __post_init__(self) -> None:
        gains = (
            "snr_per_doubling",
            "sharpness_per_mm",
            "contrast_per_doubling",
            "detail_per_unit",
            "artifact_per_doubling",
            "noise_masking",
        )
        for name in gains:
            check_range(name, getattr(self, name), 0)
        weights = self.overall_weights
        if len(weights) != 5:
            raise ValueError(f"parameter 'overall_weights' = {weights!r}: must be 5 numbers >= 0 with a positive sum")
        for k, weight in enumerate(weights):
            check_range(f"overall_weights[{k}]", weight, 0)
        if sum(weights) <= 0:
            raise ValueError(f"parameter 'overall_weights' = {weights!r}: must be 5 numbers >= 0 with a positive sum")

    def latent(self, features: pd.DataFrame) -> pd.DataFrame:
        """Latent quality per criterion (columns :data:`~lumbarlib.readers.scores.CRITERIA`) for rows of features."""
        f = features
        z = pd.DataFrame(index=f.index)
        z["perceived_snr"] = self.snr_per_doubling * f["snr"]
        z["sharpness"] = self.sharpness_per_mm * f["sharpness"] + self.noise_masking * f["snr"]
        z["contrast"] = self.contrast_per_doubling * f["contrast"] + self.noise_masking * f["snr"]
        z["structure_visibility"] = self.detail_per_unit * f["detail"]
        z["artifact"] = self.artifact_per_doubling * f["artifact"]
        weights = np.asarray(self.overall_weights, float) / sum(self.overall_weights)
        z["overall_quality"] = z[list(CRITERIA[:5])].to_numpy() @ weights
        return z[list(CRITERIA)]


@dataclass(frozen=True)
class VirtualReader:
    """One virtual reader: an id, a bias added to every latent value, thresholds and noise.

    A latent value ``z`` (after bias and noise) gives 3 when ``|z| < equivalent``, 1 or 5
    beyond ``obvious``, and 2 or 4 in between.
    """

    reader_id: str
    bias: float
    equivalent: float
    obvious: float
    noise_sd: float

    def __post_init__(self) -> None:
        check_range("equivalent", self.equivalent, 0, low_inclusive=False)
        check_range("obvious", self.obvious, self.equivalent, low_inclusive=False)
        check_range("noise_sd", self.noise_sd, 0)
        check_range("bias", self.bias)

    def score(self, latent: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Scores 1-5 for an array of latent values (one noise draw each from ``rng``)."""
        z = np.asarray(latent, float) + self.bias + self.noise_sd * rng.standard_normal(np.shape(latent))
        cuts = [-self.obvious, -self.equivalent, self.equivalent, self.obvious]
        return 1 + np.digitize(z, cuts)


@dataclass(frozen=True)
class ReaderPanel:
    """How a panel of virtual readers is drawn: their number and the spread of their habits.

    Attributes
    ----------
    n_readers : int
        Number of readers (the paper had 3).
    bias_sd : float
        SD of the readers' biases (latent steps) around 0.
    equivalent : float
        Typical half-width of the "equivalent" band (latent steps).
    obvious : float
        Typical threshold for "obviously" (latent steps).
    threshold_sd : float
        Relative SD of each reader's thresholds around the typical ones.
    noise_sd : float
        SD of each reader's judgement noise per image and criterion (latent steps).
    """

    n_readers: int = 3
    bias_sd: float = 0.2
    equivalent: float = 0.5
    obvious: float = 1.5
    threshold_sd: float = 0.15
    noise_sd: float = 0.3

    def __post_init__(self) -> None:
        check_range("n_readers", self.n_readers, 1, integer=True)
        check_range("bias_sd", self.bias_sd, 0)
        check_range("equivalent", self.equivalent, 0, low_inclusive=False)
        check_range("obvious", self.obvious, self.equivalent, low_inclusive=False)
        check_range("threshold_sd", self.threshold_sd, 0, 0.5)
        check_range("noise_sd", self.noise_sd, 0)

    def draw(self, rng: np.random.Generator) -> list[VirtualReader]:
        """The readers ``virtual-1`` .. ``virtual-n``, drawn from ``rng``."""
        readers = []
        for k in range(1, self.n_readers + 1):
            bias = self.bias_sd * rng.standard_normal()
            scale = np.exp(self.threshold_sd * rng.standard_normal(2))
            equivalent = self.equivalent * scale[0]
            obvious = max(self.obvious * scale[1], 1.01 * equivalent)
            readers.append(VirtualReader(f"virtual-{k}", float(bias), float(equivalent), float(obvious), self.noise_sd))
        return readers


@dataclass(frozen=True)
class VirtualReadout:
    """Everything a virtual reading produced: the readers, the features and the score table."""

    readers: list[VirtualReader]
    features: pd.DataFrame
    latent: pd.DataFrame
    scores: pd.DataFrame = field(repr=False)

    def readers_table(self) -> pd.DataFrame:
        """The drawn readers' parameters, one row each (for the chapter)."""
        return pd.DataFrame([asdict(r) for r in self.readers])


def score_study(
    features: pd.DataFrame,
    *,
    model: ReaderModel,
    panel: ReaderPanel,
    seed: int,
) -> VirtualReadout:
    """Let a seeded panel of virtual readers score every (volunteer, set) of ``features``.

    Parameters
    ----------
    features : DataFrame
        From :func:`feature_differences`.
    model : ReaderModel
        Gains from features to latent quality.
    panel : ReaderPanel
        How the readers are drawn.
    seed : int
        Seeds the readers' habits and their judgement noise; same inputs -> same scores.

    Returns
    -------
    VirtualReadout
        With a score table (:data:`~lumbarlib.readers.scores.COLUMNS`; ``time`` empty).
    """
    check_range("seed", seed, 0, integer=True)
    missing = [c for c in ("volunteer", "set", *FEATURES) if c not in features.columns]
    if missing:
        raise ValueError(f"features lack column(s) {missing}; expected the output of feature_differences")
    rng = np.random.default_rng(seed)
    readers = panel.draw(rng)
    latent = model.latent(features)
    records = []
    for reader in readers:
        scores = reader.score(latent.to_numpy(), rng)
        for i, (volunteer, set_name) in enumerate(zip(features["volunteer"], features["set"])):
            for j, criterion in enumerate(CRITERIA):
                records.append(Score(reader.reader_id, int(volunteer), set_name, criterion, int(scores[i, j])))
    table = to_frame(records)
    latent_table = pd.concat([features[["volunteer", "set"]], latent], axis=1)
    return VirtualReadout(readers, features, latent_table, table)
