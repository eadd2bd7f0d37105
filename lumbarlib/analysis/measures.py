"""ROI measurements of the quantitative analysis: SI, SD, SNR and CNR per tissue.

Serves the paper's "Quantitative image analysis" section and Table 2
:cite:`kashiwagi2022lumbar`. SI is the mean and SD the standard deviation of the pixels of
an ROI; for each tissue

    SNR = SI_tissue / SD_air,        CNR = (SI_tissue - SI_muscle) / SD_air,

with SD_air from the background-air ROI of the same image set. The paper prints its CNR
formula garbled (``SI_tissue - SI_muscle / SI_muscle``); its numbers fit the form above
(standard fat: 111.3 - 16.6 = 94.7), so CNR = SNR_tissue - SNR_muscle. This is the
single-image "difference / background SD" measure; :mod:`lumbarlib.analysis.replicas` shows what
it misses on magnitude, multi-coil and denoised images :cite:`dietrich2007measurement`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from lumbarlib.analysis.rois import AIR, MUSCLE, ROI_TISSUES, SLICE_INDEX, OvalRoi
from lumbarlib.study.design import SET_COLOURS
from lumbarlib.study.imagesets import StudyImages

COLUMNS = ("volunteer", "set", "tissue", "SI", "SD", "SNR", "CNR")
"""Columns of the tidy ROI table (``roi_measurements.csv``)."""


@dataclass(frozen=True)
class RoiStats:
    """Pixel statistics of one ROI on one image.

    Attributes
    ----------
    si : float
        Mean signal intensity of the ROI's pixels.
    sd : float
        Their sample standard deviation (ddof = 1).
    n_pixels : int
        Number of pixels in the ROI.
    """

    si: float
    sd: float
    n_pixels: int


def roi_stats(image: np.ndarray, mask: np.ndarray) -> RoiStats:
    """SI (mean) and SD (sample standard deviation) of ``image`` inside the boolean ``mask``."""
    image = np.asarray(image)
    mask = np.asarray(mask, dtype=bool)
    if image.shape != mask.shape:
        raise ValueError(f"image shape {image.shape} and ROI mask shape {mask.shape} differ")
    n = int(mask.sum())
    if n < 2:
        raise ValueError(f"ROI covers {n} pixel(s); SD needs at least 2")
    values = image[mask].astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"parameter 'image': {np.count_nonzero(~np.isfinite(values))} of the ROI's {n} pixels are NaN or infinite"
        )
    return RoiStats(si=float(values.mean()), sd=float(values.std(ddof=1)), n_pixels=n)


def snr_air(si_tissue: float | np.ndarray, sd_air: float | np.ndarray) -> float | np.ndarray:
    """The paper's SNR = SI_tissue / SD_air."""
    return np.divide(si_tissue, sd_air)


def cnr(si_tissue: float | np.ndarray, si_muscle: float | np.ndarray, sd_air: float | np.ndarray) -> float | np.ndarray:
    """The paper's CNR against muscle = (SI_tissue - SI_muscle) / SD_air."""
    return np.divide(np.subtract(si_tissue, si_muscle), sd_air)


def measure_volunteer(
    slices: np.ndarray, rois: dict[str, OvalRoi], pixel_mm: tuple[float, float]
) -> dict[str, RoiStats]:
    """ROI statistics of every tissue on one volunteer's image of one set.

    Parameters
    ----------
    slices : ndarray, shape (2, ny, nx)
        The ``mid`` and ``para`` slices (:data:`lumbarlib.sim.labels.SLICE_NAMES` order).
    rois : dict
        Tissue name -> :class:`~lumbarlib.analysis.rois.OvalRoi`, including ``"air"`` and ``"muscle"``.
    pixel_mm : (float, float)
        Row and column spacing.
    """
    missing = [t for t in (AIR, *ROI_TISSUES) if t not in rois]
    if missing:
        raise ValueError(f"ROIs missing for {missing}")
    shape = slices.shape[1:]
    return {
        tissue: roi_stats(slices[SLICE_INDEX[roi.slice_name]], roi.mask(shape, pixel_mm))
        for tissue, roi in rois.items()
    }


def measure_study(study: StudyImages, rois: list[dict[str, OvalRoi]]) -> pd.DataFrame:
    """The tidy ROI table of a study: one line per (volunteer, set, tissue), volunteers numbered from 1.

    The same ROIs (those of the volunteer) are measured on every image set. SNR and CNR
    use SD_air of the same volunteer and set; the air line carries SI and SD only (SNR and
    CNR empty), and muscle's CNR is 0 by definition.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`.
    """
    n_volunteers = study.truth.shape[0]
    if len(rois) != n_volunteers:
        raise ValueError(f"{len(rois)} ROI sets for {n_volunteers} volunteers; need one per volunteer")
    rows = []
    for name, images in study.images.items():
        for v in range(n_volunteers):
            measured = measure_volunteer(images[v], rois[v], study.pixel_mm)
            sd_air = measured[AIR].sd
            si_muscle = measured[MUSCLE].si
            for tissue in (AIR, *ROI_TISSUES):
                m = measured[tissue]
                tissue_row = tissue != AIR
                rows.append(
                    {
                        "volunteer": v + 1,
                        "set": name,
                        "tissue": tissue,
                        "SI": m.si,
                        "SD": m.sd,
                        "SNR": float(snr_air(m.si, sd_air)) if tissue_row else np.nan,
                        "CNR": float(cnr(m.si, si_muscle, sd_air)) if tissue_row else np.nan,
                    }
                )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def long_measures(tidy: pd.DataFrame, measures: tuple[str, ...] = ("SNR", "CNR")) -> pd.DataFrame:
    """The tidy ROI table with SNR and CNR stacked: columns volunteer, set, tissue, measure, value.

    Air has neither measure; muscle has no CNR (the paper's Table 2 leaves it out).
    """
    parts = []
    for measure in measures:
        part = tidy[tidy["tissue"] != AIR]
        if measure == "CNR":
            part = part[part["tissue"] != MUSCLE]
        parts.append(part[["volunteer", "set", "tissue"]].assign(measure=measure, value=part[measure]))
    return pd.concat(parts, ignore_index=True)


def _paper_marks(ax, x: np.ndarray, paper: pd.Series, rows: list, label: str, labelled: bool) -> None:
    """The paper's value of each row as a black dash on its bar (the legend entry once)."""
    ax.plot(
        x,
        [paper.get(r, np.nan) for r in rows],
        "k_",
        markersize=8,
        markeredgewidth=2,
        label=label if labelled else None,
    )


def plot_mean_sd_bars(
    ax, table, row: str, *, ylabel: str, title: str, row_names: dict[str, str] | None = None, overlay=None
) -> None:
    """Fig. 3 style: grouped bars of the mean per row and set, with SD error bars.

    Parameters
    ----------
    ax : matplotlib Axes
    table : DataFrame
        A :func:`lumbarlib.analysis.stats.mean_sd_table` (``"<set> mean"`` / ``"<set> SD"`` columns).
    row : str
        Its row column (``"tissue"``).
    ylabel, title : str
        Axis label (with units) and title.
    row_names : dict, optional
        Display names of the rows.
    overlay : DataFrame, optional
        Long (row, set, mean) table drawn as black markers on the bars (the paper's means).
    """
    sets = [c[: -len(" mean")] for c in table.columns if c.endswith(" mean")]
    rows = list(table[row])
    width = 0.8 / len(sets)
    x = np.arange(len(rows))
    for k, name in enumerate(sets):
        offset = x - 0.4 + width * (k + 0.5)
        ax.bar(
            offset,
            table[f"{name} mean"],
            width,
            yerr=table[f"{name} SD"],
            capsize=2,
            color=SET_COLOURS.get(name),
            label=name,
            error_kw={"linewidth": 0.8},
        )
        if overlay is not None:
            _paper_marks(ax, offset, overlay[overlay["set"] == name].set_index(row)["mean"], rows, "paper mean", k == 0)
    names = row_names or {}
    ax.set_xticks(x, [names.get(r, r) for r in rows])
    ax.set_xlabel(row)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(ncols=2, fontsize=8)


def plot_relative_bars(
    ax, relative: pd.DataFrame, row: str, *, ylabel: str, title: str, row_names=None, overlay=None
) -> None:
    """Fig. 3 as a ratio to the standard set: bars of sets (2)-(5) per row, drawn from 1 on a log axis.

    A ratio of 0.5 and one of 2 are the same distance from the standard's 1, and a DLR set
    several times above the others does not flatten them. The legend sits outside the axes.

    Parameters
    ----------
    ax : matplotlib Axes
    relative : DataFrame
        Long (row, set, ratio) table (:func:`lumbarlib.study.paper.relative_to_standard`).
    row : str
        Its row column (``"tissue"``).
    ylabel, title : str
        Axis label and title.
    row_names : dict, optional
        Display names of the rows.
    overlay : DataFrame, optional
        The same layout for the paper, drawn as black markers on the bars.
    """
    for name in ("set", "ratio", row):
        if name not in relative.columns:
            raise ValueError(f"parameter 'relative': lacks column {name!r}")
    if (relative["ratio"] <= 0).any():
        raise ValueError("parameter 'relative': ratios must be positive for the log axis")
    rows = list(pd.unique(relative[row]))
    sets = list(pd.unique(relative["set"]))
    width = 0.8 / len(sets)
    x = np.arange(len(rows))
    for k, name in enumerate(sets):
        offset = x - 0.4 + width * (k + 0.5)
        values = relative[relative["set"] == name].set_index(row)["ratio"]
        heights = np.array([values.get(r, np.nan) for r in rows]) - 1.0
        ax.bar(offset, heights, width, bottom=1.0, color=SET_COLOURS.get(name), label=name)
        if overlay is not None:
            _paper_marks(ax, offset, overlay[overlay["set"] == name].set_index(row)["ratio"], rows, "paper", k == 0)
    ax.axhline(1.0, color="k", linewidth=0.8, linestyle="--", label="standard (1)")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    names = row_names or {}
    ax.set_xticks(x, [names.get(r, r) for r in rows])
    ax.set_xlabel(row)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
