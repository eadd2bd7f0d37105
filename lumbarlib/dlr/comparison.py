"""Denoisers compared on held-out real images: PSNR, SSIM, replica noise, edge sharpness, SI/SD_air, time.

Serves the DLR chapter's test of the network against classical denoisers
(:mod:`lumbarlib.dlr.baselines`) on the real 3T brain and knee images it never trained on,
and the paper's own measure, SI/SD_air (*Material and Methods*, "Quantitative image
analysis" :cite:`kashiwagi2022lumbar`).

Each case is a real image ``y`` (scaled, bright tissue about 1, its own noise
``sigma0``) with complex Gaussian noise of SD ``level`` added (magnitude taken); each
method is given the input's total noise ``sqrt(sigma0**2 + level**2)``, known as a
scanner knows it. The reference is ``y`` itself: it has its own noise, so PSNR and SSIM
against it are upper-bounded (they rank methods; they do not measure distance to a
truth). Per method and case:

- ``psnr_noisy_db`` (the input), ``psnr_db``, ``ssim`` (the output): scikit-image, data range the reference's maximum;
- ``noise_gain``: the input's noise SD over the output's, in tissue (:func:`tissue_and_air`),
  both by two replicas (:func:`lumbarlib.dlr.calibration.replica_sd`, NEMA's difference method);
- ``edge_ratio``: mean gradient magnitude of the output at the reference's strongest
  edges (top 2 % of its Gaussian-smoothed gradient) over the reference's own; below 1 is
  blurring;
- ``si_sd_air_gain``: mean tissue signal over the SD of the air (:func:`tissue_and_air`),
  output over input: what the paper's SNR would credit the method with.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.ndimage import binary_erosion, gaussian_filter, gaussian_gradient_magnitude
from skimage.filters import threshold_otsu
from tqdm.auto import tqdm

from lumbarlib.core.checks import check_range
from lumbarlib.core.timing import median_seconds
from lumbarlib.dlr.baselines import PARAMETER_GRIDS, apply_method
from lumbarlib.dlr.calibration import replica_sd
from lumbarlib.dlr.network import DLRNet
from lumbarlib.dlr.training_data import DomainImage
from lumbarlib.sim.noise import add_rician_noise, estimate_sigma, psnr_ssim

MASK_SMOOTH_PX = 2.0
AIR_EROSION_PX = 3
EDGE_TOP_FRACTION = 0.02
EDGE_SMOOTH_PX = 1.0
TIMING_SHAPE = (320, 384)  # the paper's matrix


def _noisy(case: DomainImage, level: float, rng: np.random.Generator) -> np.ndarray:
    return add_rician_noise(case.image.astype(np.float64), level, rng)


def edge_ratio(output: np.ndarray, reference: np.ndarray) -> float:
    """Mean gradient magnitude of ``output`` over ``reference``'s at the reference's strongest edges."""
    ref = gaussian_gradient_magnitude(reference, EDGE_SMOOTH_PX)
    edges = ref >= np.quantile(ref, 1 - EDGE_TOP_FRACTION)
    return float(gaussian_gradient_magnitude(output, EDGE_SMOOTH_PX)[edges].mean() / ref[edges].mean())


def tissue_and_air(reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tissue and air masks of a (possibly noisy) reference image.

    The reference is smoothed (Gaussian, ``MASK_SMOOTH_PX``) so its own noise does not
    decide; tissue is above Otsu's threshold of the smoothed image, air below Otsu's
    threshold of the pixels under the first (which parts air from dark tissue), eroded by
    ``AIR_EROSION_PX`` pixels away from any edge. Works alike for a noise-free
    phantom, a masked scanner background and a root-sum-of-squares image whose air is far
    from zero.
    """
    smooth = gaussian_filter(np.asarray(reference, dtype=np.float64), MASK_SMOOTH_PX)
    level = threshold_otsu(smooth)
    darker = smooth[smooth < level]
    air_level = threshold_otsu(darker) if darker.size and np.ptp(darker) > 0 else level
    return smooth > level, binary_erosion(smooth < air_level, iterations=AIR_EROSION_PX)


def si_over_sd(image: np.ndarray, tissue: np.ndarray, air: np.ndarray) -> float:
    """Mean of ``image`` over the ``tissue`` mask over its SD over the ``air`` mask (the paper's SNR, in masks)."""
    if not air.any() or not tissue.any():
        raise ValueError("parameters 'tissue' and 'air': both masks must hold pixels (no air far enough from tissue?)")
    return float(image[tissue].mean() / image[air].std())


def si_over_air_sd(image: np.ndarray, reference: np.ndarray) -> float:
    """Mean signal where the reference is tissue over the SD where it is air (:func:`tissue_and_air`)."""
    return si_over_sd(image, *tissue_and_air(reference))


def case_metrics(method: str, k: float, case: DomainImage, level: float, seed: int, net: DLRNet | None) -> dict:
    """All metrics of one method on one case at one added noise level (noise from ``default_rng([seed, 0|1])``)."""
    sigma = float(np.hypot(case.sigma0, level))
    noisy = [_noisy(case, level, np.random.default_rng([seed, r])) for r in range(2)]
    out = [apply_method(method, x, sigma, k, net=net) for x in noisy]
    ref = case.image.astype(np.float64)
    psnr, ssim = psnr_ssim(ref, out[0], data_range=float(ref.max()))
    tissue, _ = tissue_and_air(ref)
    return {
        "psnr_noisy_db": psnr_ssim(ref, noisy[0], data_range=float(ref.max()))[0],
        "psnr_db": psnr,
        "ssim": ssim,
        "noise_gain": replica_sd(noisy, tissue) / replica_sd(out, tissue),
        "edge_ratio": edge_ratio(out[0], ref),
        "si_sd_air_gain": si_over_air_sd(out[0], ref) / si_over_air_sd(noisy[0], ref),
    }


def choose_parameters(
    cases: list[DomainImage],
    level: float,
    methods: tuple[str, ...],
    *,
    seed: int,
    net: DLRNet | None = None,
    show_pbar: bool = True,
) -> dict[str, float]:
    """Each method's ``k`` from :data:`lumbarlib.dlr.baselines.PARAMETER_GRIDS` with the best mean PSNR on ``cases``.

    ``cases`` must be validation images (never the test images the comparison reports).
    """
    check_range("level", level, 0, low_inclusive=False)
    jobs = [(m, k) for m in methods for k in PARAMETER_GRIDS[m]]
    scores: dict[str, dict[float, float]] = {m: {} for m in methods}
    for method, k in tqdm(jobs, desc="choosing parameters", unit="setting", disable=not show_pbar):
        psnrs = []
        for i, case in enumerate(cases):
            noisy = _noisy(case, level, np.random.default_rng([seed, 7, i]))
            out = apply_method(method, noisy, float(np.hypot(case.sigma0, level)), k, net=net)
            psnrs.append(psnr_ssim(case.image.astype(np.float64), out, data_range=float(case.image.max()))[0])
        scores[method][k] = float(np.mean(psnrs))
    return {m: max(scores[m], key=scores[m].get) for m in methods}


def comparison_table(
    cases: list[DomainImage],
    levels: tuple[float, ...],
    parameters: dict[str, float],
    *,
    seed: int,
    net: DLRNet | None = None,
    show_pbar: bool = True,
) -> pd.DataFrame:
    """Every method of ``parameters`` (method -> k) on every case and added noise level.

    Returns
    -------
    DataFrame
        Columns ``method, k, domain, image, level`` and the metrics of :func:`case_metrics`
        (``psnr_noisy_db`` the input's PSNR, then the output's).
    """
    check_range("seed", seed, 0, integer=True)
    for level in levels:
        check_range("levels", level, 0, low_inclusive=False)
    rows = []
    jobs = [(m, c, lv) for m in parameters for c in range(len(cases)) for lv in levels]
    for method, c, level in tqdm(jobs, desc="comparing denoisers", unit="case", disable=not show_pbar):
        case = cases[c]
        metrics = case_metrics(method, parameters[method], case, level, seed, net)
        rows.append({"method": method, "k": parameters[method], "domain": case.domain, "image": case.name,
                     "level": level, **metrics})  # fmt: skip
    return pd.DataFrame(rows)


def seconds_per_slice(method: str, k: float, *, net: DLRNet | None = None, repeats: int = 2) -> float:
    """Median wall time of ``method`` on one noisy 320 x 384 slice (the paper's matrix), after a warm-up call."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[: TIMING_SHAPE[0], : TIMING_SHAPE[1]]
    image = ((np.hypot(yy - 160, xx - 192) < 120) * 0.8 + rng.normal(0, 0.03, TIMING_SHAPE)).clip(0)
    run = lambda: apply_method(method, image, 0.03, k, net=net)
    run()
    return median_seconds(run, repeats)


METRICS = ("psnr_db", "ssim", "noise_gain", "edge_ratio", "si_sd_air_gain")


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Mean of every metric per method, domain and level, and the PSNR gain over the input (``psnr_gain_db``)."""
    table = table.assign(psnr_gain_db=table["psnr_db"] - table["psnr_noisy_db"])
    order = {m: i for i, m in enumerate(PARAMETER_GRIDS)}
    summary = table.groupby(["method", "domain", "level"], sort=False)[[*METRICS, "psnr_gain_db"]].mean().reset_index()
    return summary.sort_values(["domain", "level", "method"], key=lambda c: c.map(order) if c.name == "method" else c)


def sigma_estimate_table(cases: list[DomainImage], levels: tuple[float, ...], *, seed: int) -> pd.DataFrame:
    """Bias and spread of :func:`lumbarlib.sim.noise.estimate_sigma` on real images with added noise of known SD.

    The known SD of each noisy image is its total noise ``sqrt(sigma0**2 + level**2)``.

    Returns
    -------
    DataFrame
        One row per domain and level: ``images``, ``bias_percent`` (mean of estimate / known - 1)
        and ``spread_percent`` (SD of that ratio).
    """
    rows = []
    for j, level in enumerate(levels):
        for i, case in enumerate(cases):
            noisy = _noisy(case, level, np.random.default_rng([seed, 11, i, j]))
            rows.append((case.domain, level, estimate_sigma(noisy) / float(np.hypot(case.sigma0, level)) - 1))
    frame = pd.DataFrame(rows, columns=["domain", "level", "ratio"])
    grouped = frame.groupby(["domain", "level"])["ratio"]
    return pd.DataFrame(
        {"images": grouped.size(), "bias_percent": 100 * grouped.mean(), "spread_percent": 100 * grouped.std(ddof=0)}
    ).reset_index()
