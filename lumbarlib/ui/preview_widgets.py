"""The live preview's widgets: sliders, the live image and its ROI table.

One builder per widget cell (:func:`strength_widget`, :func:`noise_widget`,
:func:`acquisition_widget`, :func:`volunteer_widget`, and :func:`explorer_widget` with
every control). Each returns a :class:`PreviewWidget`, whose display bundle carries a PNG
of the preview besides the live view: a front end with ipywidgets shows the live view, a
run without one (papermill, the static book) keeps the figure at the parameter values.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import time
from collections.abc import Callable, Sequence

import ipywidgets as widgets

from lumbarlib.core.checks import check_choice, check_range
from lumbarlib.dlr.network import DLRNet
from lumbarlib.study.imagesets import StudyImages, load_acquired
from lumbarlib.ui.plotting import PANEL_METADATA, panels_per_row
from lumbarlib.ui.preview import CONTROLS, Explorer, Preview, Settings
from lumbarlib.ui.preview_figure import PreviewFigure

LIVE_DPI = 80
"""Resolution of the live image (the figure is 11 inches wide: 880 pixels)."""


def stats_html(preview: Preview) -> str:
    """The preview's ROI table as a small HTML table (the live label under the images)."""
    cell = "style='padding:0.1em 0.8em'"
    num = "style='padding:0.1em 0.8em;text-align:right'"
    rows = "".join(
        f"<tr><td {cell}>{html.escape(r.measure)}</td><td {cell}>{html.escape(r.ROI)}</td>"
        f"<td {num}>{r.input:.1f}</td><td {num}>{r.DLR:.1f}</td></tr>"
        for r in preview.table().itertuples()
    )
    s = preview.settings
    head = (
        f"<p style='margin:0'>Volunteer {s.volunteer}, NEX {s.nex}, CS factor {s.cs_factor:g}, "
        f"noise x{s.noise_factor:g}, DLR strength {s.strength:g} (noise SD used {preview.sigma:.3g})</p>"
    )
    header = "".join(f"<th {cell}>{h}</th>" for h in ("measure", "ROI (SI/SD; CNR: pooled SD)", "input", "DLR"))
    return f"{head}<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"


def _slider(name: str, value: float, explorer: Explorer) -> widgets.Widget:
    style = {"description_width": "11em"}
    layout = widgets.Layout(width="34em")
    common = {"continuous_update": False, "style": style, "layout": layout}
    if name == "strength":
        w = widgets.FloatSlider(value=value, min=0.0, max=3.0, step=0.1, description="DLR strength", **common)
    elif name == "noise_factor":
        w = widgets.FloatSlider(value=value, min=0.0, max=3.0, step=0.25, description="noise level (x study)", **common)
    elif name == "nex":
        w = widgets.IntSlider(value=value, min=1, max=4, step=1, description="NEX", **common)
    elif name == "cs_factor":
        w = widgets.FloatSlider(value=value, min=1.0, max=3.0, step=0.1, description="CS factor", **common)
    else:
        w = widgets.IntSlider(value=value, min=1, max=explorer.n_volunteers, step=1, description="volunteer", **common)
    w.add_class(f"lumbar-control-{name.replace('_', '-')}")
    return w


class PreviewWidget(widgets.VBox):
    """Sliders, the live preview image and its ROI table; falls back to a PNG without a front end.

    Parameters
    ----------
    explorer : Explorer
    settings : Settings
        Starting values.
    controls : sequence of str
        Which of :data:`CONTROLS` get a slider; the others stay at ``settings``.
    """

    def __init__(self, explorer: Explorer, settings: Settings, controls: Sequence[str]) -> None:
        for name in controls:
            check_choice("controls", name, CONTROLS)
        self.explorer, self.settings = explorer, settings
        self.figure: PreviewFigure | None = None
        self.last_latency_ms = float("nan")
        self.first_frame_ms: float | None = None  # the first image shown after a change (coarse or full)
        self.image = widgets.Image(format="jpeg", layout=widgets.Layout(max_width="100%"))
        self.image.add_class("lumbar-preview-image")
        self.stats = widgets.HTML()
        self.stats.add_class("lumbar-preview-stats")
        self.status = widgets.HTML()
        self.controls = {name: _slider(name, getattr(settings, name), explorer) for name in controls}
        for name, control in self.controls.items():
            control.observe(self._on_change(name), names="value")
        super().__init__([*self.controls.values(), self.image, widgets.HBox([self.stats, self.status])])
        self.add_class("lumbar-preview")
        self.refresh()

    def _on_change(self, name: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            self.settings = dataclasses.replace(self.settings, **{name: change["new"]})
            self.refresh()

        return handler

    def refresh(self) -> None:
        """Recompute what the current settings need and show it.

        When only the strength changed (the acquisition is kept), a coarse frame
        (:func:`lumbarlib.ui.preview.coarse_preview`) is shown first and the full tile after.
        """
        start = time.perf_counter()
        self.first_frame_ms = None
        self.status.value = "<i>computing...</i>"
        tile = self.explorer.tile(self.settings.volunteer)
        if self.figure is not None and self.figure.tile is tile and self.explorer.has_acquired(self.settings):
            self.image.value = self.figure.update(self.explorer.coarse(self.settings))
            self.first_frame_ms = 1000.0 * (time.perf_counter() - start)
            self.status.value = "<i>coarse preview (2 x 2 pixels binned); the full tile follows...</i>"
        if self.figure is None or self.figure.tile is not tile:
            self.figure = PreviewFigure(tile, dpi=LIVE_DPI)
            width_px = round(self.figure.fig.get_figwidth() * LIVE_DPI)
            self.image.layout.width = f"{width_px}px"  # natural size: no blur from rescaling
        self.preview = self.explorer.preview(self.settings)
        self.image.value = self.figure.update(self.preview)
        self.stats.value = stats_html(self.preview)
        self.last_latency_ms = 1000.0 * (time.perf_counter() - start)
        if self.first_frame_ms is None:
            self.first_frame_ms = self.last_latency_ms
        self.status.value = f"<span style='color:#666'>updated in {self.last_latency_ms:.0f} ms</span>"

    def _repr_mimebundle_(self, **kwargs) -> tuple[dict, dict]:
        """The widget, and for the static book the preview as PNG with its panels side by side."""
        data = super()._repr_mimebundle_(**kwargs)
        data["image/png"] = base64.b64encode(self.figure.png(self.preview, dpi=90)).decode("ascii")
        data["text/plain"] = f"DLR preview at {self.settings}"
        return data, {"image/png": {PANEL_METADATA: panels_per_row(self.figure.fig)}}


def preview_widget(
    controls: Sequence[str] = CONTROLS,
    *,
    study: StudyImages | None = None,
    seed: int = 0,
    cs_iterations: int = 30,
    noise_sd: float | None = None,
    volunteer: int = 1,
    nex: int = 1,
    cs_factor: float = 1.0,
    noise_factor: float = 1.0,
    strength: float = 1.0,
    net: DLRNet | None = None,
) -> PreviewWidget:
    """The live preview with sliders for ``controls``; the other settings stay as given.

    Parameters
    ----------
    controls : sequence of str
        Among :data:`CONTROLS`.
    study : StudyImages, optional
        Default: the simulation chapter's ``acquired_images.npz``
        (:func:`lumbarlib.study.imagesets.load_acquired`).
    seed, cs_iterations, noise_sd
        The study's seed and CS iterations, and its noise SD if known (:class:`Explorer`).
    volunteer, nex, cs_factor, noise_factor, strength
        Starting values (:class:`Settings`).
    net : DLRNet, optional
        Default: the shipped weights.
    """
    settings = Settings(volunteer=volunteer, nex=nex, cs_factor=cs_factor, noise_factor=noise_factor, strength=strength)
    for name in controls:
        check_choice("controls", name, CONTROLS)
    study = study if study is not None else load_acquired()
    check_range("volunteer", volunteer, 1, study.n_volunteers, integer=True)
    explorer = Explorer(study, seed=seed, cs_iterations=cs_iterations, noise_sd=noise_sd, net=net)
    return PreviewWidget(explorer, settings, controls)


def strength_widget(**kwargs) -> PreviewWidget:
    """The DLR strength slider (threshold multiplier) on a fixed acquisition; see :func:`preview_widget`."""
    return preview_widget(("strength",), **kwargs)


def noise_widget(**kwargs) -> PreviewWidget:
    """Input noise level and DLR strength; see :func:`preview_widget`."""
    return preview_widget(("noise_factor", "strength"), **kwargs)


def acquisition_widget(**kwargs) -> PreviewWidget:
    """NEX and CS factor of the acquisition, and DLR strength; see :func:`preview_widget`."""
    return preview_widget(("nex", "cs_factor", "strength"), **kwargs)


def volunteer_widget(**kwargs) -> PreviewWidget:
    """The volunteer, and DLR strength; see :func:`preview_widget`."""
    return preview_widget(("volunteer", "strength"), **kwargs)


def explorer_widget(**kwargs) -> PreviewWidget:
    """Every control (:data:`CONTROLS`): the Voila app's widget; see :func:`preview_widget`."""
    return preview_widget(CONTROLS, **kwargs)
