"""The book's one plotting style: readable fonts, labelled axes in mm, colour bars, grey MR images."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle

from lumbarlib.core.checks import check_range
from lumbarlib.sim.labels import SLICE_NAMES
from lumbarlib.study.imagesets import StudyImages

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "figure.figsize": (9.0, 4.5),
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "axes.grid": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "gray",
    "image.interpolation": "nearest",
    "figure.constrained_layout.use": True,
}


PANEL_MIN_PIXELS = 8
"""The smallest image (pixels a side) :func:`panels_per_row` counts as a panel: a 16 px training
patch is one to read, a 7 x 7 DCT basis function a glyph."""

PANEL_METADATA = "lumbarlib_panels_per_row"
"""Key, in a figure's PNG output metadata, of its largest number of panels side by side."""

TEXT_COLUMN_PANELS = 2
"""Panels side by side that the text column holds at 300 px or more each (672 px at a 1280 px window)."""

FULL_WIDTH_PANELS = 3
"""Panels side by side that a cell tagged ``full-width`` holds at 300 px or more each (920 px)."""


def is_panel(ax: Axes) -> bool:
    """Whether ``ax`` is a panel a reader reads: visible, not a colour bar, and an image of at least
    :data:`PANEL_MIN_PIXELS` a side or a plot (lines, markers, patches, text); not a glyph."""
    if not ax.get_visible() or getattr(ax, "_colorbar", None) is not None:
        return False
    if ax.images:
        return any(min(im.get_array().shape[:2]) >= PANEL_MIN_PIXELS for im in ax.images)
    return bool(ax.lines or ax.collections or ax.patches or ax.texts)


def panels_per_row(fig) -> int:
    """The largest number of panels (:func:`is_panel`) side by side in ``fig``; 1 without panels.

    Panels whose vertical extents overlap count as one row. A browser test divides each
    figure's rendered width in the book by it: every panel must be at least 300 pixels wide
    at a 1280 px window, so a figure holds at most :data:`TEXT_COLUMN_PANELS` side by side,
    or :data:`FULL_WIDTH_PANELS` in a ``full-width`` cell.
    """
    boxes = [ax.bbox for ax in fig.axes if is_panel(ax)]  # display units: right for subfigures too
    if not boxes:
        return 1
    best = 0
    for box in boxes:
        best = max(best, sum(1 for other in boxes if other.y0 < box.y1 and box.y0 < other.y1))
    return best


def panel_grid(
    n: int, *, ncols: int = TEXT_COLUMN_PANELS, panel_inches: tuple[float, float] = (5.0, 5.0), **kwargs
) -> tuple[Figure, list[Axes]]:
    """``n`` panels in rows of ``ncols``, read left to right and top to bottom; spare slots hidden.

    Parameters
    ----------
    n : int
        Number of panels.
    ncols : int
        Panels per row: :data:`TEXT_COLUMN_PANELS` in the text column, up to
        :data:`FULL_WIDTH_PANELS` in a cell tagged ``full-width``.
    panel_inches : (float, float)
        Width and height of one panel with its labels and colour bar.
    **kwargs
        Passed to :func:`matplotlib.pyplot.subplots` (``gridspec_kw``, ``sharex``, ...).

    Returns
    -------
    fig : Figure
    axes : list of Axes
        The ``n`` panels in reading order.
    """
    check_range("n", n, 1, integer=True)
    check_range("ncols", ncols, 1, FULL_WIDTH_PANELS, integer=True)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, grid = plt.subplots(
        nrows, ncols, figsize=(panel_inches[0] * ncols, panel_inches[1] * nrows), squeeze=False, **kwargs
    )
    axes = list(grid.flat)
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def figure_png(fig) -> tuple[bytes, dict]:
    """A figure as the PNG a notebook shows (IPython's ``print_figure``, tight box) with its panel count.

    Registered by :func:`use_style` as the notebook's PNG formatter of matplotlib figures, so
    each figure output carries :data:`PANEL_METADATA`.
    """
    from IPython.core.pylabtools import print_figure

    return print_figure(fig, "png", bbox_inches="tight"), {PANEL_METADATA: panels_per_row(fig)}


def use_style() -> None:
    """Apply the book's matplotlib style (call once at the top of every notebook).

    In a notebook it also makes every figure's PNG output carry its number of image panels
    per row (:func:`figure_png`).
    """
    mpl.rcParams.update(STYLE)
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None and hasattr(shell, "display_formatter"):
        # resolve the backend now: the inline backend registers its own printer when it starts
        plt.switch_backend(mpl.get_backend())
        png = shell.display_formatter.formatters["image/png"]
        # the inline backend registers its printer by name: replace that one too, or it wins
        png.for_type_by_name("matplotlib.figure", "Figure", figure_png)
        png.for_type(Figure, figure_png)


def window(images: np.ndarray | Iterable[np.ndarray], percentile: float = 99.5) -> tuple[float, float]:
    """A common display window (0 to the given percentile) for several MR images.

    Equal windowing is what lets a reader compare noise and contrast across panels.
    """
    stacked = (
        np.concatenate([np.ravel(np.asarray(im)) for im in images])
        if not isinstance(images, np.ndarray)
        else np.ravel(images)
    )
    return 0.0, float(np.percentile(stacked, percentile))


SPINE_FRACTION = 0.85
"""Share of the columns (from the anterior side) that hold the spine, in front of the back fat."""


def spine_columns(shape: tuple[int, int]) -> slice:
    """The columns of a sagittal image (anterior to posterior) that hold the spine, in front of the back fat."""
    return slice(0, int(SPINE_FRACTION * shape[1]))


def spine_window(images: Iterable[np.ndarray], percentile: float = 99.5) -> tuple[float, float]:
    """A common display window set on the spine, as on a scanner console: the subcutaneous fat of the
    back, next to the coil, is left out (it saturates) so the spine does not render dark.

    Parameters
    ----------
    images : iterable of ndarray, shape (ny, nx)
        Sagittal images, columns running anterior to posterior (the book's layout).
    percentile : float
        Upper end of the window, as a percentile of the spine columns.
    """
    crops = []
    for im in images:
        im = np.asarray(im)
        if im.ndim != 2:
            raise ValueError(f"parameter 'images': each must be a 2-D image, got shape {im.shape}")
        crops.append(im[:, spine_columns(im.shape)])
    return window(crops, percentile)


def standard_window(study: StudyImages, volunteer: int) -> tuple[float, float]:
    """The book's one display window for a volunteer's MR images, from that volunteer's standard image.

    0 to the 99.5th percentile of the spine columns (:func:`spine_window`) of the
    volunteer's standard midsagittal image, set (1) of :cite:`kashiwagi2022lumbar`: the
    reference every other set is compared with. Every figure of the study's images, the
    static sliders and the reader app start from it, so that one tissue has one grey
    level everywhere and a noisier or smoother set shows as such.

    Raises
    ------
    ValueError
        If the study has no standard set or no such volunteer.
    """
    if "standard" not in study.images:
        raise ValueError(f"parameter 'study': has no 'standard' set to set the window on; has {study.set_names}")
    check_range("volunteer", volunteer, 1, study.n_volunteers, integer=True)
    return spine_window([study.images["standard"][volunteer - 1, SLICE_NAMES.index("mid")]])


def show_image(
    ax: Axes,
    image: np.ndarray,
    *,
    pixel_mm: tuple[float, float],
    title: str,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "gray",
    cbar_label: str = "signal (a.u.)",
    xlabel: str = "anterior-posterior (mm)",
    ylabel: str = "superior-inferior (mm)",
    colorbar: bool = True,
    window: tuple[slice, slice] | None = None,
) -> AxesImage:
    """Draw a 2-D MR image with physical axes (mm) and a colour bar.

    Parameters
    ----------
    ax : Axes
        Where to draw.
    image : ndarray, shape (ny, nx)
        Rows run superior to inferior, columns anterior to posterior (sagittal).
    pixel_mm : (float, float)
        Row and column spacing in mm; the extent makes anisotropic pixels look right.
    title : str
        What is shown.
    window : (slice, slice), optional
        Rows and columns to show (a zoom); the axes keep the millimetres of the whole image.
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D, got shape {image.shape}")
    rows, cols = window if window is not None else (slice(None), slice(None))
    r0, _, _ = rows.indices(image.shape[0])
    c0, _, _ = cols.indices(image.shape[1])
    shape = image.shape
    image = image[rows, cols]
    if image.size == 0:
        raise ValueError(f"parameter 'window' = {window!r}: selects no pixel of an image of shape {shape}")
    ny, nx = image.shape
    y0, x0 = r0 * pixel_mm[0], c0 * pixel_mm[1]
    extent = (x0, x0 + nx * pixel_mm[1], y0 + ny * pixel_mm[0], y0)
    im = ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, extent=extent, aspect="equal")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if colorbar:
        cbar = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
        cbar.set_label(cbar_label)
    return im


def contact_sheet(
    images: Sequence[np.ndarray],
    *,
    pixel_mm: tuple[float, float],
    titles: Sequence[str],
    suptitle: str,
    vmin: float,
    vmax: float,
    ncols: int = 5,
    panel_inches: float = 4.0,
    cbar_label: str = "signal (a.u.)",
):
    """Many images of one kind in a grid, one display window and one colour bar; returns the figure.

    For looking at a whole cohort at once (every volunteer's slice), as a radiologist would
    page through a series. Axes are in mm; a panel is ``panel_inches`` wide (about 400 px in
    the book).
    """
    if len(images) != len(titles) or not images:
        raise ValueError(f"parameters 'images' and 'titles': {len(images)} images, {len(titles)} titles; need as many")
    if not vmax > vmin:
        raise ValueError(f"parameters 'vmin', 'vmax' = {vmin!r}, {vmax!r}: vmax must exceed vmin")
    nrows = -(-len(images) // ncols)
    aspect = images[0].shape[0] * pixel_mm[0] / (images[0].shape[1] * pixel_mm[1])
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(panel_inches * ncols + 1.0, panel_inches * aspect * nrows + 0.8), squeeze=False
    )
    for ax, image, title in zip(axes.flat, images, titles):
        im = show_image(ax, image, pixel_mm=pixel_mm, title=title, vmin=vmin, vmax=vmax, colorbar=False)
    for ax in list(axes.flat)[len(images) :]:
        ax.set_visible(False)
    fig.colorbar(im, ax=axes, fraction=0.02, pad=0.01).set_label(cbar_label)
    fig.suptitle(suptitle)
    return fig


def outline_window(
    ax: Axes, window: tuple[slice, slice], pixel_mm: tuple[float, float], *, color: str = "orange"
) -> Rectangle:
    """Outline on an image drawn by :func:`show_image` the rows and columns a zoom panel shows."""
    rows, cols = window
    if None in (rows.start, rows.stop, cols.start, cols.stop):
        raise ValueError(f"parameter 'window' = {window!r}: needs explicit start and stop rows and columns")
    corner = (cols.start * pixel_mm[1], rows.start * pixel_mm[0])
    size = ((cols.stop - cols.start) * pixel_mm[1], (rows.stop - rows.start) * pixel_mm[0])
    return ax.add_patch(Rectangle(corner, *size, fill=False, edgecolor=color, linewidth=1.5))


def draw_arrows(
    ax: Axes,
    points: Sequence[tuple[int, int]],
    pixel_mm: tuple[float, float],
    *,
    color: str = "yellow",
    length_mm: float = 8.0,
) -> list:
    """Arrows pointing at pixels (row, column) of an image drawn by :func:`show_image`, from the upper left.

    The paper marks what the DLR leaves in Fig. 5b with arrows; the points come from
    :func:`lumbarlib.dlr.evaluation.residue_peaks`.
    """
    check_range("length_mm", length_mm, 0, low_inclusive=False)
    arrows = []
    for row, col in points:
        y, x = (row + 0.5) * pixel_mm[0], (col + 0.5) * pixel_mm[1]
        arrows.append(
            ax.annotate(
                "",
                xy=(x, y),
                xytext=(x - length_mm, y - length_mm),
                arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": 2.0, "shrinkA": 0, "shrinkB": 2},
            )
        )
    return arrows


def draw_study_design(
    ax: Axes,
    protocols: Sequence[tuple[str, str]],
    sets: Sequence[tuple[str, str]],
    comparisons: Sequence[tuple[str, str]],
) -> None:
    """Diagram of the study: acquired protocols -> five image sets -> four comparisons.

    Parameters
    ----------
    ax : Axes
        Where to draw (axes are switched off).
    protocols : sequence of (name, description)
        The acquired protocols, e.g. ``("standard", "NEX 2, 228 s")``.
    sets : sequence of (name, source protocol)
        The image sets in the paper's order (1)-(5) and the protocol each comes from.
    comparisons : sequence of (set a, set b)
        The paired comparisons tested (paper, Statistical analysis).
    """
    ax.set_xlim(0, 10)
    ax.set_ylim(-1.0, len(sets) - 0.4)
    ax.invert_yaxis()
    ax.axis("off")
    box = {"boxstyle": "round,pad=0.4", "linewidth": 1.2}
    prot_y = {}
    rows = np.linspace(0.5, len(sets) - 1.5, len(protocols)) if len(protocols) > 1 else [len(sets) / 2]
    for (name, text), y in zip(protocols, rows):
        prot_y[name] = y
        ax.text(
            1.4,
            y,
            f"{name}\n{text}",
            ha="center",
            va="center",
            fontsize=10,
            bbox={**box, "facecolor": "#dbe9f6", "edgecolor": "#2b6ca3"},
        )
    set_y = {}
    for i, (name, source) in enumerate(sets):
        set_y[name] = i
        dlr = name.startswith("dlr")
        ax.text(
            5.0,
            i,
            f"({i + 1}) {name}",
            ha="center",
            va="center",
            fontsize=10,
            bbox={**box, "facecolor": "#fde7c8" if dlr else "#eeeeee", "edgecolor": "#c26d00" if dlr else "#555555"},
        )
        ax.annotate(
            "",
            xy=(3.9, i),
            xytext=(2.45, prot_y[source]),
            arrowprops={
                "arrowstyle": "->",
                "color": "#2b6ca3" if not dlr else "#c26d00",
                "linestyle": "-" if not dlr else "--",
            },
        )
    for k, (a, b) in enumerate(comparisons):
        x = 6.6 + 0.55 * k
        ya, yb = set_y[a], set_y[b]
        ax.plot([6.3, x, x, 6.3], [ya, ya, yb, yb], color="#6a3d9a", lw=1.3)
        ax.text(x + 0.05, (ya + yb) / 2, f"C{k + 1}", color="#6a3d9a", fontsize=9, va="center")
    ax.text(1.4, -0.75, "acquired protocol", ha="center", fontsize=10, weight="bold")
    ax.text(5.0, -0.75, "image set (DLR: dashed)", ha="center", fontsize=10, weight="bold")
    ax.text(7.4, -0.75, "Wilcoxon comparisons", ha="center", fontsize=10, weight="bold")


def draw_dlr_architecture(ax: Axes, *, n_blocks: int, n_high: int, size: int = 7) -> None:
    """Block diagram of the DLR (paper Fig. 1): feature extraction, the two paths, image generation.

    Parameters
    ----------
    ax : Axes
        Where to draw (axes are switched off).
    n_blocks : int
        Convolution + shrinkage blocks of the feature-conversion layer (the paper: 22).
    n_high : int
        High-frequency DCT components (the paper: 48 of 49).
    size : int
        Side of the DCT block (the paper: 7).
    """
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4)
    ax.axis("off")
    box = {"boxstyle": "round,pad=0.5", "linewidth": 1.3}
    fixed = {**box, "facecolor": "#dbe9f6", "edgecolor": "#2b6ca3"}
    learned = {**box, "facecolor": "#fde7c8", "edgecolor": "#c26d00"}
    plain = {**box, "facecolor": "#eeeeee", "edgecolor": "#555555"}
    specs = {
        "input": (0.55, 2.0, "noisy\nimage", plain),
        "dct": (2.1, 2.0, f"{size}x{size} DCT\n{size * size} components\n(fixed)", fixed),
        "shrink": (3.9, 0.9, f"soft shrinkage\n{n_high} components", learned),
        "convert": (6.0, 0.9, f"[3x3 conv {n_high}->{n_high}\n+ soft shrinkage]\nx {n_blocks}", learned),
        "dc": (5.0, 3.3, "zero-frequency component:\ncollateral path, unchanged", fixed),
        "synth": (7.9, 2.0, f"synthesis with\nthe {size}x{size} DCT\nkernel (fixed)", fixed),
        "output": (9.45, 2.0, "denoised\nimage", plain),
    }
    nodes = {
        name: ax.text(x, y, text, ha="center", va="center", fontsize=12, bbox=style)
        for name, (x, y, text, style) in specs.items()
    }
    arrow = {"arrowstyle": "-|>", "color": "#333333", "linewidth": 1.3, "shrinkA": 2, "shrinkB": 2}
    links = (
        ("input", "dct"),
        ("dct", "shrink"),
        ("shrink", "convert"),
        ("convert", "synth"),
        ("synth", "output"),
        ("dct", "dc"),
        ("dc", "synth"),
    )
    for start, end in links:
        ax.annotate(
            "",
            xy=(0.5, 0.5),
            xycoords=nodes[end],
            xytext=(0.5, 0.5),
            textcoords=nodes[start],
            arrowprops={**arrow, "patchA": nodes[start].get_bbox_patch(), "patchB": nodes[end].get_bbox_patch()},
        )
    for x, label in ((2.1, "feature extraction"), (5.0, "feature conversion"), (7.9, "image generation")):
        ax.text(x, 0.0, label, ha="center", va="bottom", fontsize=12, style="italic", color="#555555")
