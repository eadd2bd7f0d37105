"""A static slider over the DLR strength against the study's ROI measurements (paper Table 2 and Fig. 3).

At each strength the DLR is applied again to the double-fast and triple-fast sets of every
volunteer (:func:`lumbarlib.dlr.denoise.denoise_study`, as the denoising chapter does), the
paper's ROIs are measured on all five sets, and the frame shows the two DLR sets of one
volunteer beside the mean SNR of each set relative to the standard set, with the paper's
ratios as markers :cite:`kashiwagi2022lumbar`. The caption gives the DLR's SNR gain, the
number the paper reports as 1.68 (double-fast) and 1.71 (triple-fast), at that strength.

The frames go into the page with :func:`lumbarlib.ui.static_slider.slider_html`, so the
slider works offline from ``file://`` like the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib as mpl
import numpy as np
import pandas as pd
from IPython.display import HTML
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from tqdm.auto import tqdm

from lumbarlib.analysis.measures import long_measures, measure_study, plot_relative_bars
from lumbarlib.analysis.rois import SLICE_INDEX, TISSUE_NAMES, place_rois
from lumbarlib.core.checks import check_range
from lumbarlib.dlr.denoise import acquisition_sigmas, denoise_study
from lumbarlib.dlr.network import DLRNet
from lumbarlib.study.design import DLR_SETS, set_number
from lumbarlib.study.imagesets import StudyImages, load_acquired
from lumbarlib.study.paper import (
    PublishedTable,
    load_table2,
    mean_relative,
    relative_to_standard,
    simulated_means,
    snr_gains,
)
from lumbarlib.ui.plotting import STYLE, panels_per_row, show_image, standard_window
from lumbarlib.ui.preview import tile_window
from lumbarlib.ui.static_slider import FRAME_DPI, SliderAxis, SliderFrame, palette_png, slider_html


@dataclass(frozen=True)
class StrengthResult:
    """The study's SNR at one DLR strength.

    Attributes
    ----------
    strength : float
    relative : DataFrame
        Mean SNR of sets (2)-(5) over the standard set's, per tissue
        (:func:`lumbarlib.study.paper.relative_to_standard`).
    gains : dict of str to float
        The DLR's SNR gain over its source (:func:`lumbarlib.study.paper.snr_gains`).
    images : dict of str to ndarray
        The two DLR sets' midsagittal slice of the volunteer shown.
    """

    strength: float
    relative: pd.DataFrame
    gains: dict[str, float]
    images: dict[str, np.ndarray]


def study_at_strength(
    study: StudyImages, strength: float, *, rois: list[dict], volunteer: int, net: DLRNet | None = None
) -> StrengthResult:
    """Apply the DLR at ``strength`` to the study's fast sets and measure the paper's ROIs on all five sets.

    Parameters
    ----------
    study : StudyImages
        At least the three acquired sets (``acquired_images.npz``), with its noise SD.
    strength : float
        Multiplier of every shrinkage threshold (>= 0).
    rois : list of dict
        Each volunteer's ROIs (:func:`lumbarlib.analysis.rois.place_rois`).
    volunteer : int
        Volunteer (1-based) whose DLR images are kept.
    net : DLRNet, optional
        Default: the shipped weights.
    """
    check_range("strength", strength, 0)
    check_range("volunteer", volunteer, 1, study.n_volunteers, integer=True)
    dlr = denoise_study(
        study.images,
        sigmas=acquisition_sigmas(study.noise_sd, study.noise_gain),
        correction=study.correction,
        strength=strength,
        net=net,
        show_pbar=False,
    )
    means = simulated_means(long_measures(measure_study(study.with_sets(dlr), rois)))
    snr = means[means["measure"] == "SNR"]
    mid = SLICE_INDEX["mid"]
    return StrengthResult(
        strength=float(strength),
        relative=relative_to_standard(snr),
        gains=snr_gains(snr),
        images={name: images[volunteer - 1, mid] for name, images in dlr.items()},
    )


def _frame_rgb(
    result: StrengthResult,
    paper: pd.DataFrame,
    study: StudyImages,
    volunteer: int,
    vmax: float,
    ylim: tuple[float, float],
    dpi: int,
) -> tuple[np.ndarray, int]:
    """One frame: the two DLR images of the volunteer (T12-L2 zoom) above the SNR ratios to standard.

    Returns the frame as uint8 RGB (height, width, 3) and its panels side by side
    (:func:`lumbarlib.ui.plotting.panels_per_row`)."""
    window = tile_window(study, volunteer)
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(11.0, 9.0), dpi=dpi, layout="constrained")
        FigureCanvasAgg(fig)
        top, bottom = fig.subfigures(2, 1, height_ratios=[1.1, 1.0])
        for ax, name in zip(top.subplots(1, 2), DLR_SETS.values()):
            show_image(
                ax,
                result.images[name],
                pixel_mm=study.pixel_mm,
                title=f"{set_number(name)} {name}, volunteer {volunteer}",
                vmin=0.0,
                vmax=vmax,
                window=window,
            )
        ax = bottom.subplots()
        plot_relative_bars(
            ax,
            result.relative,
            "tissue",
            ylabel="mean SNR / mean SNR of (1) standard",
            title=f"SNR relative to the standard set at DLR strength {result.strength:.3g} (markers: the paper)",
            row_names=TISSUE_NAMES,
            overlay=paper,
        )
        ax.set_ylim(*ylim)
        fig.suptitle(f"The DLR at strength {result.strength:.3g}: the images and the study's ROI SNR")
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy(), panels_per_row(fig)


def _caption(result: StrengthResult, paper_gains: dict[str, float], paper_relative: pd.DataFrame) -> str:
    """The frame's numbers: the DLR's SNR gain and DLR-triple-fast against standard, beside the paper's."""
    sim, pub = mean_relative(result.relative), mean_relative(paper_relative)
    return (
        f"DLR strength {result.strength:.3g}: SNR gain of the DLR, mean over tissues, "
        f"(3)/(2) {result.gains['double-fast']:.2f} and (5)/(4) {result.gains['triple-fast']:.2f} "
        f"(paper {paper_gains['double-fast']:.2f} and {paper_gains['triple-fast']:.2f})\n"
        f"SNR of (5) dlr-triple-fast / (1) standard: {sim['dlr-triple-fast']:.2f} "
        f"(paper {pub['dlr-triple-fast']:.2f}); (3) dlr-double-fast / (1): {sim['dlr-double-fast']:.2f} "
        f"(paper {pub['dlr-double-fast']:.2f})"
    )


def strength_sweep(
    strengths: Sequence[float],
    *,
    study: StudyImages | None = None,
    volunteer: int = 1,
    net: DLRNet | None = None,
    show_pbar: bool = True,
) -> list[StrengthResult]:
    """:func:`study_at_strength` at each of ``strengths`` (sorted, each once), the ROIs placed once.

    Parameters
    ----------
    strengths : sequence of float
        DLR strengths (>= 0).
    study : StudyImages, optional
        Default: the simulation chapter's acquired sets (``acquired_images.npz``).
    volunteer : int
        Volunteer (1-based) whose DLR images are kept.
    net : DLRNet, optional
        Default: the shipped weights.
    show_pbar : bool
        Show a progress bar over the strengths.
    """
    if len(strengths) == 0:
        raise ValueError("parameter 'strengths': needs at least one value")
    for value in strengths:
        check_range("strengths", value, 0)
    study = study if study is not None else load_acquired()
    check_range("volunteer", volunteer, 1, study.n_volunteers, integer=True)
    rois = [place_rois(study.labels[v], study.pixel_mm, volunteer=v + 1) for v in range(study.n_volunteers)]
    return [
        study_at_strength(study, s, rois=rois, volunteer=volunteer, net=net)
        for s in tqdm(sorted({float(v) for v in strengths}), desc="strengths", unit="strength", disable=not show_pbar)
    ]


def strength_for_gain(results: Sequence[StrengthResult], target: float, source: str = "double-fast") -> float | None:
    """The strength at which the DLR's SNR gain on ``source`` reaches ``target``, interpolated linearly.

    Serves the exercise of the quantitative chapter: at what strength would the simulated DLR
    give the paper's gain (Table 2: 1.67 on double-fast)? None when no two neighbouring
    strengths of the sweep bracket the target.
    """
    check_range("target", target, 0, low_inclusive=False)
    if source not in DLR_SETS:
        raise ValueError(f"parameter 'source' = {source!r}: must be one of {sorted(DLR_SETS)}")
    for a, b in zip(results, results[1:]):
        ga, gb = a.gains[source], b.gains[source]
        if min(ga, gb) <= target <= max(ga, gb) and ga != gb:
            return a.strength + (target - ga) / (gb - ga) * (b.strength - a.strength)
    return None


def study_strength_slider_static(
    results: Sequence[StrengthResult],
    *,
    study: StudyImages,
    start: float,
    published: PublishedTable | None = None,
    volunteer: int = 1,
    dpi: int = FRAME_DPI,
) -> HTML:
    """A sweep of :func:`strength_sweep` as a static slider: one frame per strength.

    Parameters
    ----------
    results : sequence of StrengthResult
        The sweep, in increasing strength.
    study : StudyImages
        The study swept (its standard image sets the display window, its grid the axes).
    start : float
        The strength shown first (the book's: the calibrated one); one of the sweep's.
    published : PublishedTable, optional
        Default: the paper's Table 2.
    volunteer : int
        The volunteer whose images the sweep kept.
    dpi : int
        Frame resolution.

    Returns
    -------
    IPython.display.HTML
        The fragment of :func:`lumbarlib.ui.static_slider.slider_html`.
    """
    if len(results) == 0:
        raise ValueError("parameter 'results': needs at least one strength")
    values = [r.strength for r in results]
    if float(start) not in values:
        raise ValueError(f"parameter 'start' = {start!r}: must be one of the sweep's strengths {values}")
    check_range("volunteer", volunteer, 1, study.n_volunteers, integer=True)
    check_range("dpi", dpi, 10, integer=True)
    published = published if published is not None else load_table2()
    paper_snr = published.values[published.values["measure"] == "SNR"]
    paper_relative, paper_gains = relative_to_standard(paper_snr), snr_gains(paper_snr)
    vmax = standard_window(study, volunteer)[1]
    ratios = np.concatenate([paper_relative["ratio"].to_numpy()] + [r.relative["ratio"].to_numpy() for r in results])
    ylim = (0.8 * float(min(ratios.min(), 1.0)), 1.25 * float(max(ratios.max(), 1.0)))  # one axis for every frame
    frames, panels = [], 1
    for r in results:
        rgb, panels = _frame_rgb(r, paper_relative, study, volunteer, vmax, ylim, dpi)
        frames.append(SliderFrame(palette_png(rgb), _caption(r, paper_gains, paper_relative)))
    axis = SliderAxis("DLR strength", tuple(values), fmt="{:.3g}")
    alt = "DLR-double-fast and DLR-triple-fast images and the mean SNR of every set relative to standard"
    return HTML(slider_html(frames, [axis], alt=alt, panels=panels, start=[values.index(float(start))]))


def mean_ratio_at(results: Sequence[StrengthResult], strength: float, set_name: str = "dlr-triple-fast") -> float:
    """Mean over tissues of a set's SNR relative to standard at ``strength``, linear between the sweep's strengths.

    Serves the same exercise: where the simulated DLR has the paper's gain, is DLR-triple-fast
    as good as standard (Table 2: 1.05 on average)?
    """
    values = [r.strength for r in results]
    check_range("strength", strength, min(values), max(values))
    if any(set_name not in mean_relative(r.relative) for r in results):
        raise ValueError(f"parameter 'set_name' = {set_name!r}: not a set of the sweep")
    means = [float(mean_relative(r.relative)[set_name]) for r in results]
    return float(np.interp(strength, values, means))


def sweep_table(results: Sequence[StrengthResult]) -> pd.DataFrame:
    """The sweep in numbers: per strength, the DLR's SNR gains and each DLR set's SNR relative to standard.

    Columns ``strength``, ``(3)/(2)``, ``(5)/(4)`` (:func:`lumbarlib.study.paper.snr_gains`) and
    ``(3)/(1)``, ``(5)/(1)`` (mean over tissues of :func:`lumbarlib.study.paper.relative_to_standard`).
    """
    rows = []
    for r in results:
        mean = mean_relative(r.relative)
        rows.append(
            {
                "strength": r.strength,
                "(3)/(2)": r.gains["double-fast"],
                "(5)/(4)": r.gains["triple-fast"],
                "(3)/(1)": float(mean["dlr-double-fast"]),
                "(5)/(1)": float(mean["dlr-triple-fast"]),
            }
        )
    return pd.DataFrame(rows)
