"""Sliders for the static book: frames computed at build time, swapped in the page by a few lines of JS.

The rendered book has no kernel and may have no network. A slider there can only show
what was computed when the book was built: one image per slider position (a *frame*),
each with a caption carrying that frame's ROI SNR. :func:`slider_html` packs the frames
as inline base64 PNGs with a dozen lines of vanilla JavaScript into one HTML fragment, the
output of a notebook cell; the page then works from ``file://`` with the network off.

Why hand-written JavaScript: matplotlib's :meth:`~matplotlib.animation.Animation.to_jshtml`
is the closest well-kept option (inline frames, a range input), but its page asks a CDN
for Font Awesome, steps through one axis only and has no per-frame text; Bokeh and Plotly
would inline 1-4 MB of library per page, and Jupyter Book 1 loads ipywidgets' embed
manager and require.js from CDNs. The code below needs none of that: one range input per
parameter, an ``<img>`` and an ``<output>``.

:func:`preview_slider_static` is the one call a chapter makes: it computes the frames
with the live preview's code (:mod:`lumbarlib.ui.preview`) over any of its settings (DLR
strength, input noise level, NEX, CS factor), so that the rendered book shows what the
shrinkage thresholds of the paper's "DLR method" (Fig. 1) do as they grow, and what NEX
and compressed sensing do to the DLR's input :cite:`kashiwagi2022lumbar`.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import io
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from IPython.display import HTML
from PIL import Image
from tqdm.auto import tqdm

from lumbarlib.core.checks import check_range
from lumbarlib.dlr.network import DLRNet
from lumbarlib.study.imagesets import StudyImages, load_acquired
from lumbarlib.ui.plotting import panels_per_row
from lumbarlib.ui.preview import Explorer, Settings
from lumbarlib.ui.preview_figure import PreviewFigure

FRAME_DPI = 96
"""Resolution of the frames: 96 dpi makes the preview figure 1056 pixels wide, more than 300 per
panel when a frame is enlarged (a click), shown at the text column's width otherwise; it also
sets the page weight."""


@dataclass(frozen=True)
class SliderAxis:
    """One control of a static slider.

    Attributes
    ----------
    label : str
        What the control sets, with its unit (``"DLR strength"``, ``"noise level (x study)"``).
    values : tuple of float
        The values it steps through, in order.
    fmt : str
        Format of a value next to the control.
    """

    label: str
    values: tuple[float, ...]
    fmt: str = "{:g}"

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError(f"slider axis {self.label!r}: needs at least one value")
        for v in self.values:
            check_range(f"{self.label} value", v)


@dataclass(frozen=True)
class SliderFrame:
    """One precomputed frame: the PNG shown and the caption (its ROI SNR) shown under it."""

    png: bytes
    caption: str


def palette_png(rgb: np.ndarray, *, colors: int = 256) -> bytes:
    """An RGB image (uint8, height x width x 3) as a palette PNG of ``colors`` entries: a compact frame.

    Greyscale MR panels with black text need few colours: the adaptive palette keeps them
    visually lossless at about a third of the size of an RGB PNG.
    """
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"parameter 'rgb': must be uint8 of shape (height, width, 3), got {rgb.dtype} {rgb.shape}")
    check_range("colors", colors, 2, 256, integer=True)
    out = io.BytesIO()
    Image.fromarray(rgb).quantize(colors=colors, dither=Image.Dither.NONE).save(out, format="png", optimize=True)
    return out.getvalue()


_SCRIPT = """(function () {
  var root = document.currentScript.parentNode;
  var data = JSON.parse(root.querySelector("script.lss-data").textContent);
  var img = root.querySelector("img.lss-image");
  var out = root.querySelector("output.lss-caption");
  var inputs = root.querySelectorAll("input.lss-input");
  function update() {
    var index = 0;
    for (var a = 0; a < inputs.length; a++) {
      var k = parseInt(inputs[a].value, 10);
      index = index * data.shape[a] + k;
      root.querySelector(".lss-value-" + a).textContent = data.labels[a][k];
      inputs[a].setAttribute("aria-valuetext", data.labels[a][k]);
    }
    img.src = "data:image/png;base64," + data.frames[index];
    out.textContent = data.captions[index];
    root.setAttribute("data-frame", String(index));
  }
  for (var a = 0; a < inputs.length; a++) { inputs[a].addEventListener("input", update); }
})();"""


def slider_html(
    frames: Sequence[SliderFrame],
    axes: Sequence[SliderAxis],
    *,
    alt: str,
    panels: int,
    start: Sequence[int] | None = None,
) -> str:
    """A self-contained HTML slider over precomputed frames (no CDN, no kernel, works from ``file://``).

    Parameters
    ----------
    frames : sequence of SliderFrame
        One per combination of axis values, in C order (the last axis varies fastest),
        as :func:`numpy.ravel_multi_index` numbers them.
    axes : sequence of SliderAxis
        One range input each.
    alt : str
        Alternative text of the image.
    panels : int
        Panels side by side in a frame (:func:`lumbarlib.ui.plotting.panels_per_row`), kept as
        the image's ``data-panels``: the book's figure-size test divides the shown width by it.
    start : sequence of int, optional
        Index along each axis shown first (default: the middle value of each).

    Returns
    -------
    str
        An HTML fragment: a ``<figure class="lumbar-static-slider">`` holding the image, one
        labelled range input per axis, an ``<output>`` with the frame's caption, the frames
        as JSON and the script that swaps them. The fragment's id is a hash of its content,
        so the same frames give the same bytes.
    """
    shape = tuple(len(ax.values) for ax in axes)
    if not axes:
        raise ValueError("a static slider needs at least one axis")
    if len(frames) != int(np.prod(shape)):
        raise ValueError(f"{len(frames)} frames for axes of lengths {shape}: need {int(np.prod(shape))}")
    start = tuple(start) if start is not None else tuple(n // 2 for n in shape)
    if len(start) != len(axes):
        raise ValueError(f"start has {len(start)} entries for {len(axes)} axes")
    for ax, k, n in zip(axes, start, shape):
        check_range(f"start index of {ax.label!r}", k, 0, n - 1, integer=True)
    check_range("panels", panels, 1, integer=True)
    first = int(np.ravel_multi_index(start, shape))
    encoded = [base64.b64encode(f.png).decode("ascii") for f in frames]
    labels = [[ax.fmt.format(v) for v in ax.values] for ax in axes]
    payload = {"shape": shape, "labels": labels, "frames": encoded, "captions": [f.caption for f in frames]}
    # "</" cannot end the JSON's <script> element early once escaped
    data = json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")
    uid = "lss-" + hashlib.sha256(data.encode("utf-8")).hexdigest()[:12]
    controls = []
    for a, (ax, k, n) in enumerate(zip(axes, start, shape)):
        label = html.escape(ax.label)
        controls.append(
            f'<label class="lss-control" style="display:flex;flex-wrap:wrap;gap:0.2em 0.6em;align-items:center">'
            f'<span style="flex:0 0 12em">{label}</span>'
            f'<input class="lss-input" type="range" min="0" max="{n - 1}" step="1" value="{k}" '
            f'data-axis="{a}" aria-label="{label}" aria-valuetext="{html.escape(labels[a][k])}" '
            f'style="flex:1 1 12em;max-width:24em">'
            f'<span class="lss-value-{a}" style="flex:0 0 4em">{html.escape(labels[a][k])}</span></label>'
        )
    caption_style = "display:block;font-family:monospace;font-size:0.85em;white-space:pre-wrap"
    return (
        f'<figure class="lumbar-static-slider" id="{uid}" data-frame="{first}" '
        f'style="margin:0.5em 0;text-align:left">'
        f'<img class="lss-image" alt="{html.escape(alt)}" data-panels="{panels}" style="max-width:100%;height:auto" '
        f'src="data:image/png;base64,{encoded[first]}">'
        + "".join(controls)
        + f'<output class="lss-caption" style="{caption_style}">{html.escape(frames[first].caption)}</output>'
        f'<script type="application/json" class="lss-data">{data}</script>'
        f"<script>{_SCRIPT}</script></figure>"
    )


SETTING_LABELS: dict[str, str] = {
    "noise_factor": "noise level (x study)",
    "nex": "NEX",
    "cs_factor": "CS factor",
    "strength": "DLR strength",
}
"""The :class:`~lumbarlib.ui.preview.Settings` a static slider can step through, with the label of its control."""


def preview_slider_static(
    axes: Mapping[str, Sequence[float]],
    *,
    base: Settings | None = None,
    study: StudyImages | None = None,
    seed: int = 0,
    cs_iterations: int = 30,
    noise_sd: float | None = None,
    net: DLRNet | None = None,
    dpi: int = FRAME_DPI,
    show_pbar: bool = True,
) -> HTML:
    """The live preview's frames over any of its settings, as a static slider.

    Each frame is the preview figure (input, DLR output, difference) with the tile's ROI
    SNR and CNR as its caption (:meth:`lumbarlib.ui.preview.Preview.caption`). The
    acquisition is redone only when NEX, CS factor or noise level change; the strength
    reruns the DLR alone. Serves the paper's "DLR method" (Fig. 1: what the shrinkage
    thresholds do as they grow) and its protocols (Table 1: NEX and the CS factor)
    :cite:`kashiwagi2022lumbar`.

    Parameters
    ----------
    axes : mapping of str to sequence of float
        Setting name (a key of :data:`SETTING_LABELS`) -> the values its control steps
        through, in order; one range input per entry, in the mapping's order. A setting
        given one value is fixed at it, with no control (unless no setting has more).
    base : Settings, optional
        The settings not on an axis (default :class:`~lumbarlib.ui.preview.Settings`: volunteer 1,
        NEX 1, no CS, noise level 1, strength 1); each control starts at the value nearest the
        base's.
    study, seed, cs_iterations, noise_sd, net
        As for :func:`lumbarlib.ui.preview_widgets.preview_widget`.
    dpi : int
        Frame resolution (sets the page weight); frames are drawn by the live preview's
        fast path (:meth:`lumbarlib.ui.preview_figure.PreviewFigure.render`).
    show_pbar : bool
        Show a progress bar over the frames.

    Returns
    -------
    IPython.display.HTML
        Displayed by the cell; its ``data`` is the fragment of :func:`slider_html`.

    Raises
    ------
    ValueError
        For an unknown setting, an axis without values or a value its setting does not
        allow; before any study is loaded.
    """
    if not axes:
        raise ValueError(f"parameter 'axes': needs at least one setting of {sorted(SETTING_LABELS)}")
    for name, values in axes.items():
        if name not in SETTING_LABELS:
            raise ValueError(f"parameter 'axes': unknown setting {name!r}; allowed: {sorted(SETTING_LABELS)}")
        if len(values) == 0:
            raise ValueError(f"parameter 'axes': setting {name!r} needs at least one value")
    base = Settings() if base is None else base
    # a setting with one value is no control: it joins the base settings (unless nothing varies)
    fixed = {n: v[0] for n, v in axes.items() if len(v) == 1}
    if len(fixed) < len(axes):
        base = dataclasses.replace(base, **fixed)
        axes = {n: v for n, v in axes.items() if n not in fixed}
    names = list(axes)
    # every combination is a valid Settings (its checks name the setting) before any work
    combos = [dataclasses.replace(base, **dict(zip(names, combo))) for combo in itertools.product(*axes.values())]
    study = study if study is not None else load_acquired()
    check_range("volunteer", base.volunteer, 1, study.n_volunteers, integer=True)
    explorer = Explorer(study, seed=seed, cs_iterations=cs_iterations, noise_sd=noise_sd, net=net)
    figure = PreviewFigure(explorer.tile(base.volunteer), dpi=dpi)
    frames = []
    for settings in tqdm(combos, desc="slider frames", unit="frame", disable=not show_pbar):
        preview = explorer.preview(settings)
        frames.append(SliderFrame(palette_png(figure.render(preview)), preview.caption()))
    sliders = [SliderAxis(SETTING_LABELS[n], tuple(float(v) for v in axes[n])) for n in names]
    start = [int(np.argmin(np.abs(np.asarray(axes[n], dtype=float) - float(getattr(base, n))))) for n in names]
    alt = "DLR preview: acquired tile, DLR output and their difference at the chosen " + ", ".join(
        SETTING_LABELS[n] for n in names
    )
    return HTML(slider_html(frames, sliders, alt=alt, panels=panels_per_row(figure.fig), start=start))
