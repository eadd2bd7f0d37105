"""How close the virtual scanner comes to the paper's scanner, before any DLR: the acquisition fidelity scorecard.

Serves the comparison of the simulation with Table 2 of :cite:`kashiwagi2022lumbar`. Three
kinds of quantity, all ratios of mean SNR (= SI / SD_air) over the volunteers, so that the
one number calibrated on the paper (the noise level, set from the standard fat SNR) does
not enter them:

- **contrast**: standard SI of each tissue relative to retroperitoneal fat (the same SD_air
  divides both, so the SNR ratio is the SI ratio);
- **double-fast / standard** per tissue: what halving NEX costs;
- **triple-fast / standard** per tissue: what NEX 1 with compressed sensing 1.8 costs.

Each cell is set beside the paper's value with a tolerance on the relative difference
(:data:`TOLERANCES`) and marked ``pass`` or ``miss``. The double- and triple-fast ratios
are predictions of the physics: nothing in the simulation may be fitted to them.
:func:`mechanism_effects` measures what each mechanism of the virtual scanner moves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lumbarlib.analysis.measures import measure_study
from lumbarlib.analysis.rois import ROI_TISSUES, place_rois
from lumbarlib.dlr.denoise import acquisition_sigmas, denoise
from lumbarlib.dlr.weights import load_dlr
from lumbarlib.sim.cohort import ScannerModel, simulate_cohort
from lumbarlib.sim.labels import LABELS
from lumbarlib.study.design import DLR_SETS
from lumbarlib.study.imagesets import StudyImages
from lumbarlib.study.paper import PublishedTable

REFERENCE_TISSUE = "fat"
"""The tissue contrast is measured against (the paper's calibration tissue)."""

TOLERANCES: dict[str, float] = {
    "contrast": 0.25,
    "double-fast / standard": 0.10,
    "triple-fast / standard": 0.10,
    "DLR gain, double-fast": 0.25,
    "DLR gain, triple-fast": 0.25,
}
"""Largest relative difference from the paper that still passes, per kind of quantity."""

COLUMNS = ("quantity", "tissue", "paper", "simulated", "relative_difference", "tolerance", "verdict")
"""Columns of the scorecard (``fidelity_acquisition.csv``)."""


def mean_snr(tidy: pd.DataFrame) -> pd.DataFrame:
    """Mean SNR over volunteers per tissue (rows) and set (columns) of a tidy ROI table.

    Parameters
    ----------
    tidy : DataFrame
        One line per (volunteer, set, tissue) with an ``SNR`` column
        (:func:`lumbarlib.analysis.measures.measure_study`); air lines are ignored.
    """
    missing = [c for c in ("set", "tissue", "SNR") if c not in tidy.columns]
    if missing:
        raise ValueError(f"parameter 'tidy': lacks column(s) {missing}")
    rows = tidy[tidy["tissue"].isin(ROI_TISSUES)]
    if rows.empty:
        raise ValueError(f"parameter 'tidy': holds none of the tissues {ROI_TISSUES}")
    return rows.pivot_table(index="tissue", columns="set", values="SNR", aggfunc="mean", sort=False)


def fidelity_quantities(snr: pd.DataFrame) -> pd.DataFrame:
    """The scorecard's quantities from a (tissue x set) table of mean SNR: columns quantity, tissue, value.

    Raises
    ------
    ValueError
        If a set or the reference tissue is missing.
    """
    needed = ["standard", "double-fast", "triple-fast"]
    missing = [s for s in needed if s not in snr.columns]
    if missing or REFERENCE_TISSUE not in snr.index:
        raise ValueError(f"mean SNR table lacks set(s) {missing} or the tissue {REFERENCE_TISSUE!r}")
    rows = []
    tissues = [t for t in ROI_TISSUES if t in snr.index]
    for tissue in tissues:
        if tissue != REFERENCE_TISSUE:
            value = snr.loc[tissue, "standard"] / snr.loc[REFERENCE_TISSUE, "standard"]
            rows.append(("contrast", tissue, value))
    for name in ("double-fast", "triple-fast"):
        for tissue in tissues:
            rows.append((f"{name} / standard", tissue, snr.loc[tissue, name] / snr.loc[tissue, "standard"]))
    return pd.DataFrame(rows, columns=["quantity", "tissue", "value"])


def dlr_gain_quantities(snr: pd.DataFrame) -> pd.DataFrame:
    """The DLR's gain on SNR per tissue, SNR(DLR set) / SNR(its source), from a (tissue x set) table of mean SNR.

    Raises
    ------
    ValueError
        If a set is missing.
    """
    missing = [s for pair in DLR_SETS.items() for s in pair if s not in snr.columns]
    if missing:
        raise ValueError(f"mean SNR table lacks set(s) {missing}")
    tissues = [t for t in ROI_TISSUES if t in snr.index]
    rows = [
        (f"DLR gain, {src}", tissue, snr.loc[tissue, dst] / snr.loc[tissue, src])
        for src, dst in DLR_SETS.items()
        for tissue in tissues
    ]
    return pd.DataFrame(rows, columns=["quantity", "tissue", "value"])


def _scorecard(tidy: pd.DataFrame, published: PublishedTable, quantities) -> pd.DataFrame:
    values = published.values
    paper_snr = values[values["measure"] == "SNR"].pivot_table(index="tissue", columns="set", values="mean", sort=False)
    paper = quantities(paper_snr).rename(columns={"value": "paper"})
    simulated = quantities(mean_snr(tidy)).rename(columns={"value": "simulated"})
    card = paper.merge(simulated, on=["quantity", "tissue"], how="inner")
    card["relative_difference"] = card["simulated"] / card["paper"] - 1.0
    card["tolerance"] = card["quantity"].map(TOLERANCES)
    within = np.abs(card["relative_difference"]) <= card["tolerance"]
    card["verdict"] = np.where(within, "pass", "miss")
    return card[list(COLUMNS)]


def acquisition_fidelity(tidy: pd.DataFrame, published: PublishedTable) -> pd.DataFrame:
    """The acquisition scorecard: each quantity simulated and published, its relative difference and verdict.

    Parameters
    ----------
    tidy : DataFrame
        The simulation's tidy ROI table (:func:`lumbarlib.analysis.measures.measure_study`).
    published : PublishedTable
        The paper's Table 2 (:func:`lumbarlib.study.paper.load_table2`).

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, 17 rows for the paper's six tissues: five contrasts, six
        double-fast and six triple-fast ratios.
    """
    return _scorecard(tidy, published, fidelity_quantities)


def dlr_fidelity(tidy: pd.DataFrame, published: PublishedTable) -> pd.DataFrame:
    """The DLR scorecard: the DLR's SNR gain per tissue for both fast sets, simulated beside Table 2's.

    The gains are predictions: the strength was calibrated on brain images
    (:mod:`lumbarlib.dlr.calibration`), nothing on these numbers. Tolerance 25 %.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, 12 rows (two sets, six tissues).
    """
    return _scorecard(tidy, published, dlr_gain_quantities)


def passed(card: pd.DataFrame) -> tuple[int, int]:
    """(cells that pass, cells) of a scorecard."""
    return int((card["verdict"] == "pass").sum()), len(card)


BASELINE = "none"
"""Name of the scanner model with every mechanism off in :func:`mechanism_effects`."""

BOOK = "book"
"""Name of the book's scanner model (the defaults of :class:`lumbarlib.sim.cohort.ScannerModel`) there."""


def study_tidy(study: StudyImages) -> pd.DataFrame:
    """The tidy ROI table of a simulated study, with the paper's ROIs placed from its labels."""
    rois = [place_rois(study.labels[i], study.pixel_mm, volunteer=i + 1) for i in range(study.n_volunteers)]
    return measure_study(study, rois)


def mechanism_effects(
    published: PublishedTable,
    *,
    n_volunteers: int,
    seed: int,
    matrix_scale: float = 1.0,
    cs_iterations: int = 20,
    show_pbar: bool = True,
) -> pd.DataFrame:
    """The acquisition scorecard with no mechanism, each mechanism alone, and the book's scanner: what each one moves.

    Serves the comparison with Table 2 of :cite:`kashiwagi2022lumbar`: the cohort is
    simulated once per scanner model (:class:`lumbarlib.sim.cohort.ScannerModel`), with
    the same seed, so the noise draws are the same and the differences are the mechanisms'.
    The noise level is calibrated anew for each model on the standard fat SNR, as the
    book's study is.

    Parameters
    ----------
    published : PublishedTable
        The paper's Table 2.
    n_volunteers, seed, matrix_scale, cs_iterations, show_pbar
        As for :func:`lumbarlib.sim.cohort.simulate_cohort`.

    Returns
    -------
    DataFrame
        One row per scorecard cell (quantity, tissue, paper) and one column of simulated
        values per model: :data:`BASELINE`, each mechanism's name, and ``"book"`` (the book's
        scanner, :class:`lumbarlib.sim.cohort.ScannerModel` as it comes); a last
        row ``"cells within tolerance"`` counts the passes of each column.
    """
    models = {BASELINE: ScannerModel.only(None)}
    models.update({name: ScannerModel.only(name) for name in ScannerModel.mechanisms()})
    models[BOOK] = ScannerModel()
    table = None
    passes = {}
    for name, model in models.items():
        sim = simulate_cohort(
            n_volunteers, seed, matrix_scale=matrix_scale, cs_iterations=cs_iterations, show_pbar=False, scanner=model
        )
        card = acquisition_fidelity(study_tidy(sim.study), published)
        passes[name] = passed(card)[0]
        column = card[["quantity", "tissue", "paper", "simulated"]].rename(columns={"simulated": name})
        table = column if table is None else table.merge(column, on=["quantity", "tissue", "paper"])
        if show_pbar:
            print(f"scanner model {name!r}: {passes[name]} of {len(card)} cells within tolerance")
    count = {"quantity": "cells within tolerance", "tissue": "", "paper": np.nan, **passes}
    return pd.concat([table, pd.DataFrame([count])], ignore_index=True)


def cs_weight_effects(
    weights: list[float],
    *,
    n_volunteers: int,
    seed: int,
    matrix_scale: float = 1.0,
    cs_iterations: int = 20,
) -> pd.DataFrame:
    """What the compressed-sensing weight does to the triple-fast SNR ratios of Table 2.

    Serves the triple-fast comparison of Table 2 :cite:`kashiwagi2022lumbar`: the cohort is
    simulated once per weight (the same seed, so the same noise), and for each the mean
    triple-fast / standard and triple-fast / double-fast SNR ratios over the tissues are
    reported. The weight is never chosen from them.

    Parameters
    ----------
    weights : list of float
        L1-wavelet weights in units of the noise SD (>= 0).
    n_volunteers, seed, matrix_scale, cs_iterations
        As for :func:`lumbarlib.sim.cohort.simulate_cohort`.

    Returns
    -------
    DataFrame
        Columns ``cs_weight``, ``triple_over_standard``, ``triple_over_double`` (one row per weight).
    """
    if not weights or min(weights) < 0:
        raise ValueError(f"parameter 'weights' = {weights!r}: must be a non-empty list of numbers >= 0")
    rows = []
    for weight in weights:
        sim = simulate_cohort(
            n_volunteers,
            seed,
            matrix_scale=matrix_scale,
            cs_iterations=cs_iterations,
            show_pbar=False,
            cs_weight=weight,
        )
        snr = mean_snr(study_tidy(sim.study))
        rows.append(
            {
                "cs_weight": weight,
                "triple_over_standard": float((snr["triple-fast"] / snr["standard"]).mean()),
                "triple_over_double": float((snr["triple-fast"] / snr["double-fast"]).mean()),
            }
        )
    return pd.DataFrame(rows)


def dlr_after_correction(study: StudyImages, *, strength: float | None = None, net=None) -> dict[str, np.ndarray]:
    """The two DLR sets made after the vendor's intensity correction instead of before it.

    The thresholds are then set by the tissue's noise level in the corrected image: the
    acquisition's sigma (:func:`lumbarlib.dlr.denoise.acquisition_sigmas`) times the median
    correction over the slice's tissue. The air, whose noise the correction has multiplied
    far more, keeps most of it. Serves the DLR's SNR gain of Table 2 :cite:`kashiwagi2022lumbar`,
    whose paper does not say where in the reconstruction the DLR runs.

    Raises
    ------
    ValueError
        If the study has no intensity correction or no recorded noise level.
    """
    if study.correction is None or study.noise_sd is None:
        raise ValueError("parameter 'study': needs an intensity correction and its noise_sd")
    sigmas = acquisition_sigmas(study.noise_sd, study.noise_gain)
    net = net if net is not None else load_dlr()
    tissue = study.labels != LABELS["air"]
    out = {}
    for source, target in DLR_SETS.items():
        images = study.images[source]
        result = np.empty_like(images)
        for v, j in np.ndindex(images.shape[:2]):
            level = float(np.median(study.correction[j][tissue[v, j]]))
            result[v, j] = denoise(images[v, j], sigma=sigmas[source] * level, strength=strength, net=net)
        out[target] = result
    return out


def dlr_placement_effects(
    study: StudyImages, published: PublishedTable, *, strength: float | None = None, net=None
) -> pd.DataFrame:
    """The DLR's SNR gain per tissue with the DLR before the intensity correction (the book's) and after it.

    Parameters
    ----------
    study : StudyImages
        All five sets, the DLR sets made before the correction
        (:func:`lumbarlib.dlr.denoise.denoise_study` with ``correction``).
    published : PublishedTable
        The paper's Table 2.
    strength, net
        As for :func:`lumbarlib.dlr.denoise.denoise`.

    Returns
    -------
    DataFrame
        Columns quantity, tissue, paper, ``before correction``, ``after correction``.
    """
    before = dlr_fidelity(study_tidy(study), published)
    after = dlr_fidelity(
        study_tidy(study.with_sets(dlr_after_correction(study, strength=strength, net=net))), published
    )
    table = before[["quantity", "tissue", "paper", "simulated"]].rename(columns={"simulated": "before correction"})
    table["after correction"] = after["simulated"].to_numpy()
    return table
