"""The live preview's figure: input, DLR output and difference of the tile, redrawn fast by blitting.

The figure is drawn once; each frame only repaints the three images over the saved axes,
ticks and colour bars (matplotlib's ``copy_from_bbox`` / ``restore_region`` /
``draw_artist``), lays the ROI outlines and names over them from a cached layer, and is
sent as JPEG. What remains of a frame's time is the DLR's forward pass, about 17 GFLOP on
a 128 x 128 tile (``benchmarks/bench_preview.py`` measures the whole update).
"""

from __future__ import annotations

import io

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse
from PIL import Image

from lumbarlib.analysis.rois import TISSUE_NAMES
from lumbarlib.core.checks import check_range
from lumbarlib.ui.plotting import STYLE, show_image
from lumbarlib.ui.preview import Preview, Settings, Tile

ROI_COLOR = "#ffb000"
DIFFERENCE_WINDOW_SD = 4.0
"""The difference panel spans +-4 noise SDs of the study's acquisition."""


class PreviewFigure:
    """The preview's three panels (input, DLR output, difference), redrawn fast by blitting.

    Everything but the three images (axes, ticks, titles, colour bars) is drawn once into
    a background. What lies on the images (axis lines, ROI outlines and names) is drawn
    once too, into a transparent layer. :meth:`render` restores the background, paints
    the images and lays the overlay layer on top: no text is laid out per frame (a title
    naming the settings would cost more than the rest of the redraw; the live view and
    the static slider show the settings beside the image). :meth:`png`, the full render,
    titles the figure with the settings.

    Parameters
    ----------
    tile : Tile
        Fixes the grey window and the difference window.
    dpi : int
        Resolution of the live image.
    """

    def __init__(self, tile: Tile, *, dpi: int = 72) -> None:
        check_range("dpi", dpi, 10, integer=True)
        self.tile = tile
        with mpl.rc_context(STYLE):
            self.fig = Figure(figsize=(11.0, 4.4), dpi=dpi, layout="constrained")
            FigureCanvasAgg(self.fig)
            axes = self.fig.subplots(1, 3)
            vmax = tile.display_max()
            noise = tile.noise_sd * float(np.median(tile.gain))  # the noise SD the corrected tile shows
            dmax = DIFFERENCE_WINDOW_SD * noise if noise > 0 else 0.1 * vmax
            blank = np.zeros_like(tile.signal)
            self.images = [
                show_image(axes[0], blank, pixel_mm=tile.pixel_mm, title="acquired (DLR input)", vmin=0, vmax=vmax),
                show_image(axes[1], blank, pixel_mm=tile.pixel_mm, title="DLR output", vmin=0, vmax=vmax),
                show_image(
                    axes[2],
                    blank,
                    pixel_mm=tile.pixel_mm,
                    title="removed: input - output",
                    vmin=-dmax,
                    vmax=dmax,
                    cmap="RdBu_r",
                    cbar_label="signal difference (a.u.)",
                ),
            ]
            overlays = [spine for ax in axes for spine in ax.spines.values() if spine.get_visible()]
            for ax in axes[:2]:
                for tissue, roi in tile.rois.items():
                    (cy, cx), (ay, ax_) = roi.center_mm, roi.semi_axes_mm
                    overlays.append(
                        ax.add_patch(Ellipse((cx, cy), 2 * ax_, 2 * ay, fill=False, edgecolor=ROI_COLOR, linewidth=1.2))
                    )
                    if ax is axes[0]:
                        overlays.append(
                            ax.annotate(
                                TISSUE_NAMES[tissue],
                                (cx + ax_, cy),
                                xytext=(3, 0),
                                textcoords="offset points",
                                color=ROI_COLOR,
                                fontsize=8,
                                va="center",
                            )
                        )
            n = tile.signal.shape[0]
            self.title = self.fig.suptitle(
                f"Volunteer {tile.volunteer}: DLR preview on a {n} x {n} midsagittal tile around T12-L2"
            )
            canvas = self.fig.canvas
            canvas.draw()
            self.fig.set_layout_engine("none")
            for artist in overlays:
                artist.set_visible(False)
            canvas.draw()
            self.background = canvas.copy_from_bbox(self.fig.bbox)
            # the overlay layer: the overlays alone on a cleared (transparent) canvas
            canvas.get_renderer().clear()
            for artist in overlays:
                artist.set_visible(True)
                self.fig.draw_artist(artist)
            layer = np.asarray(canvas.buffer_rgba())
            where = np.nonzero(layer[..., 3])
            self._overlay_at = where
            self._overlay_rgb = layer[where][:, :3].astype(np.float32)
            self._overlay_alpha = layer[where][:, 3:].astype(np.float32) / 255.0

    def title_text(self, settings: Settings) -> str:
        """The full render's title: what was acquired and how it was denoised."""
        n = self.tile.signal.shape[0]
        return (
            f"Volunteer {settings.volunteer}, {n} x {n} midsagittal tile around T12-L2: NEX {settings.nex}, "
            f"CS factor {settings.cs_factor:g}, noise x{settings.noise_factor:g}, DLR strength {settings.strength:g}"
        )

    def render(self, preview: Preview) -> np.ndarray:
        """Paint a preview into the figure (fast path); returns the canvas, uint8 RGB (height, width, 3)."""
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        for im, data in zip(self.images, (preview.noisy, preview.denoised, preview.difference)):
            im.set_data(data)
            self.fig.draw_artist(im)
        rgb = np.asarray(canvas.buffer_rgba())[..., :3].copy()
        under = rgb[self._overlay_at].astype(np.float32)
        blended = under + self._overlay_alpha * (self._overlay_rgb - under)
        rgb[self._overlay_at] = np.rint(blended).astype(np.uint8)
        return rgb

    def update(self, preview: Preview) -> bytes:
        """:meth:`render` as JPEG bytes (quality 95, no chroma subsampling): the live image, sent once and
        dropped, encodes in about 2 ms where a PNG takes 12 to 17 ms."""
        out = io.BytesIO()
        Image.fromarray(self.render(preview)).save(out, format="jpeg", quality=95, subsampling=0)
        return out.getvalue()

    def png(self, preview: Preview, *, dpi: int | None = None) -> bytes:
        """A full render of ``preview`` as PNG bytes (the static output of a widget cell).

        Ticks are made when drawn, from the rcParams of that moment: the book's style is
        applied around the draw, as around the first one.
        """
        for im, data in zip(self.images, (preview.noisy, preview.denoised, preview.difference)):
            im.set_data(data)
        static_title = self.title.get_text()
        self.title.set_text(self.title_text(preview.settings))
        out = io.BytesIO()
        with mpl.rc_context(STYLE):
            self.fig.savefig(out, format="png", dpi=dpi or self.fig.dpi)
        self.title.set_text(static_title)
        return out.getvalue()
