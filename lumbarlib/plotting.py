"""The book's one plotting style: readable fonts, labelled axes in mm, colour bars, grey MR images."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

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


def use_style() -> None:
    """Apply the book's matplotlib style (call once at the top of every notebook)."""
    mpl.rcParams.update(STYLE)


def window(images: np.ndarray | Iterable[np.ndarray], percentile: float = 99.5) -> tuple[float, float]:
    """A common display window (0 to the given percentile) for several MR images.

    Equal windowing is what lets a reader compare noise and contrast across panels.
    """
    stacked = np.concatenate([np.ravel(np.asarray(im)) for im in images]) if not isinstance(
        images, np.ndarray
    ) else np.ravel(images)
    return 0.0, float(np.percentile(stacked, percentile))


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
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D, got shape {image.shape}")
    ny, nx = image.shape
    extent = (0.0, nx * pixel_mm[1], ny * pixel_mm[0], 0.0)
    im = ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, extent=extent, aspect="equal")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if colorbar:
        cbar = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
        cbar.set_label(cbar_label)
    return im


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 4.2, height: float = 4.4, **kwargs):
    """A figure with ``nrows`` x ``ncols`` axes sized for image panels; returns ``(fig, axes)``."""
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, **kwargs)
