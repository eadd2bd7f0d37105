"""The static slider: frames in, one self-contained HTML fragment out, frames addressed in C order."""

from __future__ import annotations

import base64
import io
import json
import re
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from PIL import Image

from lumbarlib.core.checks import ParameterError
from lumbarlib.dlr.network import DLRNet
from lumbarlib.sim.anatomy import typical_anatomy
from lumbarlib.sim.labels import SLICE_NAMES
from lumbarlib.sim.phantom import render_slice
from lumbarlib.study.imagesets import StudyImages
from lumbarlib.ui.preview import Settings
from lumbarlib.ui.static_slider import (
    SliderAxis,
    SliderFrame,
    palette_png,
    preview_slider_static,
    slider_html,
)


def tiny_png(value: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((4, 5), value, dtype=np.uint8)).save(out, format="png")
    return out.getvalue()


class Collector(HTMLParser):
    """Elements of the fragment by tag, with their attributes and the text of scripts and outputs."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag in ("script", "output"):
            self._open = f"{tag}.{attrs.get('class', '')}"
            self.text[self._open] = ""

    def handle_endtag(self, tag):
        self._open = None

    def handle_data(self, data):
        if self._open:
            self.text[self._open] += data


def parse(fragment: str) -> Collector:
    collector = Collector()
    collector.feed(fragment)
    return collector


def grid_frames(shape: tuple[int, ...]) -> list[SliderFrame]:
    frames = []
    for flat, index in enumerate(np.ndindex(*shape)):
        frames.append(SliderFrame(tiny_png(flat), f"frame {index}"))
    return frames


def test_frames_are_addressed_in_c_order_like_ravel_multi_index():
    axes = [SliderAxis("a", (0.0, 1.0)), SliderAxis("b", (10.0, 20.0, 30.0))]
    frames = grid_frames((2, 3))
    page = parse(slider_html(frames, axes, alt="test", panels=1))
    data = json.loads(page.text["script.lss-data"])
    assert data["shape"] == [2, 3]
    for index in np.ndindex(2, 3):
        flat = int(np.ravel_multi_index(index, (2, 3)))
        assert base64.b64decode(data["frames"][flat]) == frames[flat].png
        assert data["captions"][flat] == f"frame {index}"
    assert data["labels"] == [["0", "1"], ["10", "20", "30"]]


def test_first_frame_is_the_start_position_and_every_axis_gets_a_range_input():
    axes = [SliderAxis("noise", (0.5, 1.0)), SliderAxis("strength", (0.0, 0.5, 1.0, 1.5))]
    frames = grid_frames((2, 4))
    page = parse(slider_html(frames, axes, alt="test", panels=1, start=(1, 2)))
    flat = int(np.ravel_multi_index((1, 2), (2, 4)))
    img = next(attrs for tag, attrs in page.elements if tag == "img")
    assert base64.b64decode(img["src"].split(",", 1)[1]) == frames[flat].png
    assert page.text["output.lss-caption"] == frames[flat].caption
    inputs = [attrs for tag, attrs in page.elements if tag == "input"]
    assert [(i["min"], i["max"], i["value"]) for i in inputs] == [("0", "1", "1"), ("0", "3", "2")]
    assert img["data-panels"] == "1"
    with pytest.raises(ValueError, match="'panels' = 0"):
        slider_html(frames, axes, alt="test", panels=0)
    assert [i["aria-label"] for i in inputs] == ["noise", "strength"]


def test_default_start_is_the_middle_of_each_axis():
    axes = [SliderAxis("strength", tuple(float(v) for v in range(5)))]
    page = parse(slider_html(grid_frames((5,)), axes, alt="x", panels=1))
    figure = next(attrs for tag, attrs in page.elements if tag == "figure")
    assert figure["data-frame"] == "2"


def test_caption_cannot_close_the_script_early():
    frames = [SliderFrame(tiny_png(0), "</script><b>x</b>"), SliderFrame(tiny_png(1), "ok")]
    fragment = slider_html(frames, [SliderAxis("s", (0.0, 1.0))], alt="x", panels=1, start=(1,))
    page = parse(fragment)
    assert [tag for tag, _ in page.elements].count("script") == 2
    assert json.loads(page.text["script.lss-data"])["captions"][0] == "</script><b>x</b>"


def test_same_frames_same_bytes_and_the_id_follows_the_content():
    axes = [SliderAxis("s", (0.0, 1.0))]
    a = slider_html(grid_frames((2,)), axes, alt="x", panels=1)
    assert a == slider_html(grid_frames((2,)), axes, alt="x", panels=1)
    other = [SliderFrame(tiny_png(7), "frame (0,)"), SliderFrame(tiny_png(8), "frame (1,)")]
    b = slider_html(other, axes, alt="x", panels=1)
    ids = [re.search(r'id="(lss-[0-9a-f]+)"', s).group(1) for s in (a, b)]
    assert ids[0] != ids[1]


def test_fragment_loads_nothing_from_anywhere():
    fragment = slider_html(grid_frames((3,)), [SliderAxis("s", (0.0, 1.0, 2.0))], alt="x", panels=1)
    assert not re.search(r"(?:src|href)=\"(?!data:)", fragment)
    assert "http" not in fragment


@pytest.mark.parametrize(
    "frames, axes, start, match",
    [
        (grid_frames((3,)), [SliderAxis("s", (0.0, 1.0))], None, "3 frames"),
        (grid_frames((2,)), [], None, "at least one axis"),
        (grid_frames((2,)), [SliderAxis("s", (0.0, 1.0))], (2,), "start index of 's'"),
        (grid_frames((2,)), [SliderAxis("s", (0.0, 1.0))], (0, 0), "start has 2 entries"),
    ],
)
def test_bad_input_is_refused(frames, axes, start, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        slider_html(frames, axes, alt="x", panels=1, start=start)


def test_axis_needs_finite_values():
    with pytest.raises(ValueError, match="at least one value"):
        SliderAxis("s", ())
    with pytest.raises(ParameterError, match="'s value' = nan"):
        SliderAxis("s", (0.0, float("nan")))


def test_palette_png_keeps_a_grey_figure_and_its_size():
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 255, (60, 80), dtype=np.uint8)  # 255 grey levels + one colour
    rgb = np.repeat(grey[..., None], 3, axis=2)
    rgb[:5, :5] = (255, 176, 0)  # an ROI outline colour
    image = Image.open(io.BytesIO(palette_png(rgb)))
    assert image.size == (80, 60) and image.mode == "P"
    back = np.asarray(image.convert("RGB"), dtype=int)
    # at most 256 distinct colours in, so the palette holds them all
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) <= 256
    np.testing.assert_array_equal(back, rgb)


def test_palette_png_refuses_what_is_not_an_rgb_image():
    with pytest.raises(ValueError, match="'rgb'"):
        palette_png(np.zeros((4, 4), dtype=np.uint8))
    with pytest.raises(ParameterError, match="'colors' = 1"):
        palette_png(np.zeros((4, 4, 3), dtype=np.uint8), colors=1)


@pytest.fixture(scope="module")
def tiny_study():
    """Both slices of the average volunteer at 0.3 of the paper's matrix (no coil shading needed here)."""
    slices = [render_slice(typical_anatomy(), name, matrix_scale=0.3) for name in SLICE_NAMES]
    truth = np.stack([s.signal for s in slices])[None]
    labels = np.stack([s.labels for s in slices])[None]
    return StudyImages(images={}, truth=truth, labels=labels, pixel_mm=slices[0].pixel_mm)


def tiny_slider(study, axes, **kwargs) -> str:
    """The fragment of a static slider on the tiny study with the untrained network, no progress bar."""
    kwargs.setdefault("noise_sd", 0.01 * float(study.truth.max()))
    return preview_slider_static(axes, study=study, seed=0, net=DLRNet().eval(), show_pbar=False, **kwargs).data


def test_preview_slider_frames_follow_strength_and_noise(tiny_study):
    def build():
        return tiny_slider(tiny_study, {"noise_factor": [1.0, 2.0], "strength": [0.0, 1.0]})

    fragment = build()
    page = parse(fragment)
    data = json.loads(page.text["script.lss-data"])
    assert data["shape"] == [2, 2]
    assert data["labels"] == [["1", "2"], ["0", "1"]]
    assert [a["aria-label"] for t, a in page.elements if t == "input"] == ["noise level (x study)", "DLR strength"]
    figure = next(attrs for tag, attrs in page.elements if tag == "figure")
    assert figure["data-frame"] == "1"  # noise level 1, strength 1
    assert len(set(data["frames"])) == 4
    assert all(c.startswith("ROI SNR (SI/SD), input -> DLR:") for c in data["captions"])
    # the untrained network at strength 0 is the identity: input and output SNR agree
    for caption in (data["captions"][0], data["captions"][2]):
        pairs = re.findall(r"([\d.]+) -> ([\d.]+)", caption)
        assert pairs and all(a == b for a, b in pairs)
    assert build() == fragment


def test_a_setting_with_one_value_is_fixed_without_a_control(tiny_study):
    fragment = tiny_slider(tiny_study, {"noise_factor": [2.0], "strength": [0.0, 1.0]})
    page = parse(fragment)
    assert [a["aria-label"] for t, a in page.elements if t == "input"] == ["DLR strength"]
    data = json.loads(page.text["script.lss-data"])
    assert data["shape"] == [2]
    # the noise level is the one given: the frames equal those of a slider with it as base
    again = tiny_slider(tiny_study, {"strength": [0.0, 1.0]}, base=Settings(noise_factor=2.0))
    assert json.loads(parse(again).text["script.lss-data"])["frames"] == data["frames"]


def input_snr(caption: str) -> np.ndarray:
    """The input SNRs of a preview caption's first line ("tissue a -> b, ...")."""
    return np.array([float(a) for a, _ in re.findall(r"([\d.]+) -> ([\d.]+)", caption.splitlines()[0])])


def test_preview_slider_over_nex_and_cs_factor_acquires_each_frame_anew(tiny_study):
    fragment = tiny_slider(tiny_study, {"nex": [1, 4], "cs_factor": [1.0, 1.8]}, cs_iterations=5)
    page = parse(fragment)
    data = json.loads(page.text["script.lss-data"])
    assert data["labels"] == [["1", "4"], ["1", "1.8"]]
    assert [a["aria-label"] for t, a in page.elements if t == "input"] == ["NEX", "CS factor"]
    figure = next(attrs for tag, attrs in page.elements if tag == "figure")
    assert figure["data-frame"] == "0"  # the default Settings: NEX 1, no CS
    assert len(set(data["frames"])) == 4
    # four averages halve the noise of the fully sampled input: its ROI SNR rises
    assert input_snr(data["captions"][2]).mean() > 1.3 * input_snr(data["captions"][0]).mean()


@pytest.mark.parametrize(
    "axes, base, match",
    [
        ({}, None, "'axes': needs at least one setting"),
        ({"strength": []}, None, "setting 'strength' needs at least one value"),
        ({"volume": [1.0]}, None, "unknown setting 'volume'"),
        ({"strength": [1.0, -1.0]}, None, "'strength' = -1.0"),
        ({"noise_factor": [0.5, -1.0]}, None, "'noise_factor' = -1.0"),
        ({"nex": [1, 1.5]}, None, "'nex' = 1.5"),
        ({"cs_factor": [0.5]}, None, "'cs_factor' = 0.5"),
        ({"strength": [1.0]}, Settings(volunteer=99), "'volunteer' = 99"),
    ],
)
def test_preview_slider_refuses_bad_input_before_loading_anything(axes, base, match, tiny_study):
    # study=None would load the book's study: the error must come first (except the
    # volunteer, which is checked against the study given)
    study = tiny_study if base is not None else None
    with pytest.raises(ValueError, match=re.escape(match)):
        preview_slider_static(axes, base=base, study=study)
