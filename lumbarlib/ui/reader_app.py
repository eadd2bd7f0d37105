"""The reader app: a blinded, resumable scoring interface for people (ipywidgets, served by Voila).

Reproduces the reading of the paper's "Qualitative image analysis" :cite:`kashiwagi2022lumbar`
as a classroom exercise: the standard image of a volunteer beside a test image of the same
volunteer and slice (one of the five sets, the standard itself included), in a random
order seeded per reader, with the set names hidden and one window/level for both. The
reader scores six criteria on the paper's five-point scale; each image's scores are
appended to the reader's CSV in one write, under the reader's lock, and synced to disk before
the next image shows (:class:`lumbarlib.readers.scores.AnswerLog`), so closing the page or
losing the kernel loses nothing: the same reader id resumes at the first image not fully
scored. A save or a start that fails says why and what to do, and the answers stay selected
so the reader can save again. When all images are scored the app shows the reader's mean
scores beside those of the other readers.

Served with ``voila notebooks/reader_app.ipynb``; the images file and the answers folder
come from the arguments of :func:`build_app` or from the environment variables
:data:`ENV_IMAGES`, :data:`ENV_ANSWERS` and :data:`ENV_SEED`.
"""

from __future__ import annotations

import errno
import html
import io
import os
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lumbarlib.core.checks import check_range
from lumbarlib.core.paths import build_dir, tables_dir
from lumbarlib.readers.reader_analysis import (
    median_scores,
    plot_scores,
    score_summary,
    summary_long,
)
from lumbarlib.readers.scores import (
    CRITERIA,
    CRITERION_LABELS,
    SCALE,
    AlreadyAnswered,
    AnswerLog,
    AnswerLogBusy,
    ScoreFileError,
    check_reader_id,
    read_scores,
)
from lumbarlib.sim.labels import SLICE_NAMES
from lumbarlib.study.design import SET_NAMES
from lumbarlib.study.imagesets import StudyImages, study_path
from lumbarlib.ui.plotting import show_image, standard_window, use_style

ENV_IMAGES = "LUMBARLIB_READER_IMAGES"
"""Path of the StudyImages file to read (default ``<build>/data/study_images.npz``)."""

ENV_ANSWERS = "LUMBARLIB_READER_DIR"
"""Folder of the readers' answer files (default ``<build>/readers``)."""

ENV_SEED = "LUMBARLIB_READER_SEED"
"""Seed of the presentation order (default 0); each reader's order also depends on their id."""

SLICE_TITLES = {"mid": "midsagittal", "para": "right paramedian"}

FULL_DISK = (errno.ENOSPC, errno.EDQUOT)
"""Error numbers of a full disk or an exhausted quota."""

FOLDER_PROBLEMS = {
    errno.EACCES: "may not be written to",
    errno.EPERM: "may not be written to",
    errno.EROFS: "is on a read-only disk",
    errno.EEXIST: "is blocked: a file stands where a folder should be",
    errno.ENOTDIR: "is blocked: a file stands where a folder should be",
}
"""How a reader is told why the answers folder cannot be used, by error number."""


@dataclass(frozen=True)
class Item:
    """One image to score: its place in the reader's order and, hidden from the reader, what it is."""

    position: int
    volunteer: int
    set_name: str

    def label(self, total: int) -> str:
        """What the reader sees: the position only, never the set."""
        return f"Image {self.position + 1} of {total}"


def presentation_order(n_volunteers: int, *, seed: int, reader_id: str) -> list[Item]:
    """Every (volunteer, set) once, in a random order fixed by ``seed`` and the reader id.

    The order is drawn from ``np.random.default_rng([seed, crc32(reader_id)])``, so the same
    reader always resumes in the same order while different readers get different orders.
    """
    check_range("n_volunteers", n_volunteers, 1, integer=True)
    check_range("seed", seed, 0, integer=True)
    check_reader_id(reader_id)
    rng = np.random.default_rng([seed, zlib.crc32(reader_id.encode("utf-8"))])
    pairs = [(v, s) for v in range(1, n_volunteers + 1) for s in SET_NAMES]
    order = rng.permutation(len(pairs))
    return [Item(k, pairs[i][0], pairs[i][1]) for k, i in enumerate(order)]


class ReadingSession:
    """One reader's progress through a study: the order, the answers on disk, what comes next.

    Parameters
    ----------
    study : StudyImages
        The five image sets.
    reader_id : str
        Names the answer file ``<answers_dir>/<reader_id>.csv``.
    answers_dir : Path
        Folder of the answer files (created if needed).
    seed : int
        Seed of the presentation order.
    """

    def __init__(self, study: StudyImages, reader_id: str, answers_dir: Path | str, *, seed: int = 0) -> None:
        check_reader_id(reader_id)
        missing = [s for s in SET_NAMES if s not in study.images]
        if missing:
            raise ValueError(f"the study lacks image set(s) {missing}; the reading needs all of {list(SET_NAMES)}")
        self.study = study
        self.reader_id = reader_id
        self.answers_dir = Path(answers_dir)
        self.items = presentation_order(study.truth.shape[0], seed=seed, reader_id=reader_id)
        self.log = AnswerLog(self.answers_dir / f"{reader_id}.csv", reader_id)

    @property
    def total(self) -> int:
        return len(self.items)

    def pending(self, item: Item) -> list[str]:
        """Criteria of ``item`` not yet on file."""
        done = self.log.answered(item.volunteer, item.set_name)
        return [c for c in CRITERIA if c not in done]

    def next_item(self) -> Item | None:
        """The first image in the reader's order with a criterion not yet scored (None when done)."""
        return next((item for item in self.items if self.pending(item)), None)

    @property
    def n_done(self) -> int:
        return sum(not self.pending(item) for item in self.items)

    def record(self, item: Item, scores: Mapping[str, int]) -> None:
        """Append the scores of ``item``'s pending criteria in one write (synced to disk before returning).

        Raises
        ------
        ValueError
            If ``scores`` lacks a pending criterion or a score is not 1-5; nothing is written.
        AlreadyAnswered
            If another tab or window of the reader saved ``item`` meanwhile; nothing is written.
        OSError
            If the answer file cannot be written (a full disk, say); nothing is kept on file.
        """
        if item not in self.items:
            raise ValueError(f"{item!r} is not in this reader's order")
        pending = self.pending(item)
        missing = [c for c in pending if c not in scores]
        if missing:
            raise ValueError(f"scores lack criteria {missing}; all six are needed before saving")
        self.log.append(item.volunteer, item.set_name, {c: scores[c] for c in pending})

    def other_scores(self) -> tuple[pd.DataFrame, list[str]]:
        """Scores of the other readers' files in the answers folder, and the files skipped as unreadable."""
        frames, skipped = [], []
        for path in sorted(self.answers_dir.glob("*.csv")):
            if path == self.log.path:
                continue
            try:
                frames.append(read_scores(path))
            except ScoreFileError as err:
                skipped.append(str(err))
        frames = [f for f in frames if not f.empty]
        return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()), skipped


def failure_text(err: Exception, answers_dir: Path, *, again: str) -> str:
    """What went wrong, in words for a reader, and what to do (HTML); ``again`` names the button to press then.

    Parameters
    ----------
    err : Exception
        What the start or the save raised: a ``ValueError`` (a bad reader id, a bad answer file)
        or an ``OSError`` (a full disk, a folder the app may not write, another tab holding the lock).
    answers_dir : Path
        The answers folder, named in the text.
    again : str
        The label of the button to press once the problem is solved.
    """
    if isinstance(err, AnswerLogBusy):
        return f"Your reading is being saved in another tab or window. Close the other one, then press {again} again."
    if isinstance(err, ScoreFileError):
        return (
            f"Your answer file cannot be read, and nothing in it was changed: {html.escape(str(err))}. "
            "Ask the teacher to look at the file."
        )
    if isinstance(err, OSError):
        return _disk_failure_text(err, answers_dir, again=again)
    return html.escape(str(err))


def _disk_failure_text(err: OSError, answers_dir: Path, *, again: str) -> str:
    """:func:`failure_text` of an error of the disk: a full disk, or a folder that cannot be used."""
    detail = html.escape(f"{err.strerror or err}" + (f": {err.filename}" if err.filename else ""))
    if err.errno in FULL_DISK:
        return (
            f"The disk is full, so nothing was saved ({detail}). "
            f"Free some disk space, or ask the teacher to, then press {again} again."
        )
    what = FOLDER_PROBLEMS.get(err.errno, "cannot be used")
    return (
        f"The answers folder {html.escape(str(answers_dir))} {what} ({detail}). Ask the teacher to fix it, "
        f"or to start the app with another folder in {ENV_ANSWERS}; then press {again} again."
    )


def problem_html(text: str) -> str:
    """A message in the app's error style (``text`` is HTML, already escaped)."""
    return f"<p style='color:#b00'>{text}</p>"


MAX_ZOOM = 4.0
"""Largest zoom of the image pair (4: a quarter of the field of view, each side)."""

SELECTED_CSS = """<style>
.lumbar-score .widget-toggle-button.mod-active {
  background-color: #1565c0 !important; color: #fff !important; font-weight: 700;
  box-shadow: inset 0 0 0 2px #0d3c73 !important;
}
.lumbar-score .widget-toggle-button { border: 1px solid #9aa5b1; }
</style>"""
"""The selected answer of each criterion in solid blue with white text: visible at a glance."""


def zoom_window(shape: tuple[int, int], zoom: float, centre: tuple[float, float]) -> tuple[slice, slice]:
    """Rows and columns shown at ``zoom``, centred on ``centre`` (fractions of the height and width).

    The same window crops both images of the pair, so zoom and pan are shared. The window
    keeps ``1 / zoom`` of each side and stays inside the image.
    """
    check_range("zoom", zoom, 1.0, MAX_ZOOM)
    out = []
    for n, c in zip(shape, centre):
        check_range("centre", c, 0.0, 1.0)
        size = max(1, int(round(n / zoom)))
        start = int(round(c * n - size / 2))
        start = min(max(start, 0), n - size)
        out.append(slice(start, start + size))
    return out[0], out[1]


def parse_keys(text: str) -> dict[str, int]:
    """Six answers typed as digits (``"334433"``, spaces allowed), one per criterion in the form's order.

    Raises
    ------
    ValueError
        Unless ``text`` holds exactly six digits, each 1-5, naming what was typed.
    """
    digits = text.replace(" ", "")
    if len(digits) != len(CRITERIA) or any(d not in "12345" for d in digits):
        raise ValueError(
            f"keys {text!r}: type {len(CRITERIA)} digits 1-5, one per criterion in the order shown "
            f"({', '.join(CRITERION_LABELS[c] for c in CRITERIA)})"
        )
    return {c: int(d) for c, d in zip(CRITERIA, digits)}


def time_left_text(n_done: int, total: int, seconds: list[float]) -> str:
    """Progress in words, with the time left at this reader's median time per image in this sitting."""
    check_range("n_done", n_done, 0, total, integer=True)
    left = total - n_done
    if left == 0:
        return f"{n_done} of {total} images scored"
    if not seconds:
        return f"{n_done} of {total} images scored; the time left shows after the first image saved"
    per_image = float(np.median(seconds))
    minutes = left * per_image / 60.0
    when = f"about {minutes:.0f} min" if minutes >= 1.5 else "about a minute"
    return f"{n_done} of {total} images scored; {when} left at your median {per_image:.0f} s per image"


def render_pair(
    reference: np.ndarray,
    test: np.ndarray,
    *,
    pixel_mm: tuple[float, float],
    vmin: float,
    vmax: float,
    slice_title: str,
    window: tuple[slice, slice] | None = None,
) -> bytes:
    """PNG of the standard image beside the test image, one grey window and one zoom window for both."""
    fig = Figure(figsize=(10.0, 4.6), layout="constrained")
    axes = fig.subplots(1, 2)
    show_image(
        axes[0],
        reference,
        pixel_mm=pixel_mm,
        title=f"Reference: standard ({slice_title})",
        vmin=vmin,
        vmax=vmax,
        colorbar=False,
        window=window,
    )
    show_image(
        axes[1], test, pixel_mm=pixel_mm, title=f"Test image ({slice_title})", vmin=vmin, vmax=vmax, window=window
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def mean_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean and SD per criterion and set of the readers' median scores (long form of Table 3)."""
    return summary_long(score_summary(median_scores(scores)))


def results_figure(mine: pd.DataFrame, others: pd.DataFrame | None, others_label: str) -> bytes:
    """PNG of the other readers' mean scores (bars, SD) with this reader's means as markers.

    Both tables come from :func:`mean_scores`; without others, this reader's means are the bars.
    """
    fig = Figure(figsize=(10.0, 4.8), layout="constrained")
    ax = fig.subplots()
    if others is None:
        plot_scores(ax, mine, title="Your mean scores (no other readers yet)")
    else:
        plot_scores(
            ax,
            others,
            title=f"Your mean scores (markers) against {others_label} (bars)",
            overlay=mine,
            overlay_label="you",
        )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def results_table(mine: pd.DataFrame, others: pd.DataFrame | None) -> pd.DataFrame:
    """This reader's mean score per criterion and set beside the others' (tables of :func:`mean_scores`)."""
    table = mine[["criterion", "set", "mean"]].rename(columns={"mean": "you"})
    if others is not None:
        theirs = others[["criterion", "set", "mean"]].rename(columns={"mean": "others"})
        table = table.merge(theirs, on=["criterion", "set"], how="left")
    return table


class ReaderApp:
    """The widgets of the reading: sign-in, the image pair with window/level, six scores, results.

    Parameters
    ----------
    study : StudyImages
        The five image sets.
    answers_dir : Path
        Folder of the answer files.
    seed : int
        Seed of the presentation order.
    """

    def __init__(self, study: StudyImages, answers_dir: Path | str, *, seed: int = 0) -> None:
        check_range("seed", seed, 0, integer=True)
        self.study = study
        self.answers_dir = Path(answers_dir)
        self.seed = seed
        self.session: ReadingSession | None = None
        self.item: Item | None = None
        self._paused = False

        self.reader_box = widgets.Text(placeholder="your reader id, e.g. student-07", description="Reader id")
        self.start_button = widgets.Button(description="Start or resume", button_style="primary")
        self.start_button.on_click(self._start)
        self.message = widgets.HTML()
        self.header = widgets.HTML()
        self.slice_choice = widgets.ToggleButtons(
            options=[(SLICE_TITLES.get(name, name), name) for name in SLICE_NAMES], description="Slice"
        )
        self.level = widgets.FloatSlider(description="Level", continuous_update=False, readout_format=".3g")
        self.width = widgets.FloatSlider(description="Window", continuous_update=False, readout_format=".3g")
        self.reset_window = widgets.Button(description="Reset view")
        self.zoom = widgets.FloatSlider(
            value=1.0, min=1.0, max=MAX_ZOOM, step=0.25, description="Zoom", continuous_update=False
        )
        self.pan_rows = widgets.FloatSlider(
            value=0.5, min=0.0, max=1.0, step=0.05, description="Up-down", continuous_update=False
        )
        self.pan_cols = widgets.FloatSlider(
            value=0.5, min=0.0, max=1.0, step=0.05, description="Front-back", continuous_update=False
        )
        self.progress = widgets.IntProgress(min=0, max=1, value=0, description="Progress")
        self.progress_text = widgets.HTML()
        self.keys = widgets.Text(
            placeholder="six digits 1-5, e.g. 334433, then Enter (saves)",
            description="Keys",
            continuous_update=False,
            layout=widgets.Layout(width="420px"),
        )
        self.keys.observe(self._typed, names="value")
        self._shown_at: float | None = None
        self._seconds: list[float] = []
        self.picture = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.choices = {
            c: widgets.ToggleButtons(
                options=[(f"{k} {word}", k) for k, word in SCALE.items()],
                value=None,
                style={"button_width": "150px"},
                layout=widgets.Layout(margin="0 0 0 8px"),
            ).add_class("lumbar-score")
            for c in CRITERIA
        }
        self.save_button = widgets.Button(description="Save and next", button_style="success", disabled=True)
        self.save_button.on_click(self._save)
        for choice in self.choices.values():
            choice.observe(self._update_save, names="value")
        for control in (self.slice_choice, self.level, self.width, self.zoom, self.pan_rows, self.pan_cols):
            control.observe(self._draw, names="value")
        self.reset_window.on_click(lambda _: self._reset_view())
        self.results = widgets.VBox()
        self.reading = widgets.VBox(
            [
                self.header,
                widgets.HBox([self.progress, self.progress_text]),
                self.slice_choice,
                widgets.HBox([self.level, self.width, self.reset_window]),
                widgets.HBox([self.zoom, self.pan_rows, self.pan_cols]),
                self.picture,
                widgets.HTML("<b>Test image relative to the reference</b>"),
                *[
                    widgets.HBox(
                        [widgets.Label(CRITERION_LABELS[c], layout=widgets.Layout(width="170px")), self.choices[c]]
                    )
                    for c in CRITERIA
                ],
                widgets.HBox([self.save_button, self.keys]),
            ],
            layout=widgets.Layout(display="none"),
        )
        self.widget = widgets.VBox(
            [
                widgets.HTML(
                    SELECTED_CSS + "<h3>Blinded reading: test image against the standard</h3>"
                    "<p>Score each test image relative to the standard image on its left: "
                    "1 obviously inferior, 2 slightly inferior, 3 equivalent, 4 slightly superior, "
                    "5 obviously superior. Every answer is saved at once; enter the same reader id "
                    "to resume. Zoom and pan move both images together. From the keyboard: click "
                    "<i>Keys</i>, type the six answers as digits in the order shown (e.g. 334433) and "
                    "press Enter to save and go on.</p>"
                ),
                widgets.HBox([self.reader_box, self.start_button]),
                self.message,
                self.reading,
                self.results,
            ]
        )

    def _start(self, _=None) -> None:
        reader_id = self.reader_box.value.strip()
        try:
            self.session = ReadingSession(self.study, reader_id, self.answers_dir, seed=self.seed)
        except (ValueError, OSError) as err:
            self.message.value = problem_html(failure_text(err, self.answers_dir, again="Start or resume"))
            return
        note = (
            f" (answers of an image that was not completely saved were set aside in "
            f"{html.escape(str(self.session.log.unconfirmed_path))}; that image comes again)"
            if self.session.log.repaired
            else ""
        )
        self.message.value = (
            f"<p>Reader <b>{html.escape(reader_id)}</b>: {self.session.n_done} of {self.session.total} "
            f"images scored{note}. Answers are kept in {html.escape(str(self.session.log.path))}.</p>"
        )
        self._show_next()

    def _show_next(self) -> None:
        assert self.session is not None
        self.item = self.session.next_item()
        if self.item is None:
            self.reading.layout.display = "none"
            self._show_results()
            return
        stored = self.session.log.answered(self.item.volunteer, self.item.set_name)
        for criterion, choice in self.choices.items():
            choice.value = stored.get(criterion)
            choice.disabled = criterion in stored
        self.header.value = (
            f"<h4>{self.item.label(self.session.total)} &middot; "
            f"{self.session.n_done} of {self.session.total} images scored</h4>"
        )
        self._show_progress()
        self._shown_at = time.monotonic()
        self._set_window()
        self.reading.layout.display = "flex"
        self._update_save()

    def _show_progress(self) -> None:
        assert self.session is not None
        self.progress.max = self.session.total
        self.progress.value = self.session.n_done
        self.progress_text.value = time_left_text(self.session.n_done, self.session.total, self._seconds)

    def _reset_view(self) -> None:
        self._paused = True
        self.zoom.value, self.pan_rows.value, self.pan_cols.value = 1.0, 0.5, 0.5
        self._paused = False
        self._set_window()

    def _typed(self, change) -> None:
        text = str(change["new"]).strip()
        if not text or self.item is None:
            return
        try:
            answers = parse_keys(text)
        except ValueError as err:
            self.message.value = problem_html(html.escape(str(err)))
            return
        for criterion, score in answers.items():
            if not self.choices[criterion].disabled:
                self.choices[criterion].value = score
        self.keys.value = ""
        self._save()

    def _pair(self) -> tuple[np.ndarray, np.ndarray]:
        assert self.item is not None
        s = SLICE_NAMES.index(self.slice_choice.value)
        index = self.item.volunteer - 1
        return self.study.images["standard"][index, s], self.study.images[self.item.set_name][index, s]

    def _set_window(self) -> None:
        if self.item is None:
            return
        low, high = standard_window(self.study, self.item.volunteer)
        high = max(high, low + 1e-6)
        self._paused = True
        self.level.min = self.width.min = 0.0
        self.level.max = self.width.max = 2.0 * high
        self.width.min = high / 100.0
        self.level.step = self.width.step = high / 200.0
        self.level.value, self.width.value = (low + high) / 2.0, high - low
        self._paused = False
        self._draw()

    def _draw(self, _=None) -> None:
        if self.item is None or self._paused:
            return
        reference, test = self._pair()
        half = self.width.value / 2.0
        title = SLICE_TITLES.get(self.slice_choice.value, self.slice_choice.value)
        self.picture.value = render_pair(
            reference,
            test,
            pixel_mm=self.study.pixel_mm,
            vmin=self.level.value - half,
            vmax=self.level.value + half,
            slice_title=title,
            window=zoom_window(reference.shape, self.zoom.value, (self.pan_rows.value, self.pan_cols.value)),
        )

    def _update_save(self, _=None) -> None:
        self.save_button.disabled = self.item is None or any(c.value is None for c in self.choices.values())

    def _save(self, _=None) -> None:
        if self.session is None or self.item is None or any(c.value is None for c in self.choices.values()):
            return  # a click that arrived after the reading moved on
        label = self.item.label(self.session.total)
        scores = {c: int(choice.value) for c, choice in self.choices.items()}
        try:
            self.session.record(self.item, scores)
        except AlreadyAnswered:
            self.message.value = (
                f"<p>{label} was already saved, perhaps in another tab or window; the answers on file are kept. "
                "Going on with the next image (please read in one tab only).</p>"
            )
            self._show_next()
            return
        except (ValueError, OSError) as err:
            text = failure_text(err, self.answers_dir, again="Save and next")
            self.message.value = problem_html(f"{text} Your answers to {label.lower()} are still selected below.")
            return
        if self._shown_at is not None:
            self._seconds.append(time.monotonic() - self._shown_at)
        self.message.value = (
            f"<p>Saved {label.lower()}: {self.session.n_done} of {self.session.total} images scored.</p>"
        )
        self._show_next()

    def _show_results(self) -> None:
        assert self.session is not None
        others, skipped = self.session.other_scores()
        label = "the other readers"
        virtual = tables_dir() / "reader_scores_virtual.csv"
        if others.empty and virtual.exists():
            others, label = read_scores(virtual), "the virtual readers (a model, not people)"
        n_others = others["reader"].nunique() if not others.empty else 0
        mine = mean_scores(self.session.log.scores)
        theirs = mean_scores(others) if n_others else None
        notes = "".join(f"<li>skipped: {html.escape(s)}</li>" for s in skipped)
        table = results_table(mine, theirs)
        self.results.children = [
            widgets.HTML(
                f"<h4>All {self.session.total} images scored. Thank you.</h4>"
                f"<p>Mean score per criterion and image set, the set names now revealed "
                f"({n_others} other reader(s)).</p>" + (f"<ul>{notes}</ul>" if notes else "")
            ),
            widgets.Image(value=results_figure(mine, theirs, label), format="png"),
            widgets.HTML(table.to_html(index=False, float_format="{:.2f}".format)),
        ]


def build_app(
    images_path: Path | str | None = None,
    answers_dir: Path | str | None = None,
    seed: int | None = None,
) -> widgets.Widget:
    """The reader app's widget, reading its inputs from the arguments or the environment.

    Parameters
    ----------
    images_path : Path, optional
        A StudyImages file with the five sets; default ``$LUMBARLIB_READER_IMAGES`` or
        ``<build>/data/study_images.npz`` (written by the DLR chapter).
    answers_dir : Path, optional
        Folder of the answer files; default ``$LUMBARLIB_READER_DIR`` or ``<build>/readers``.
    seed : int, optional
        Seed of the presentation order; default ``$LUMBARLIB_READER_SEED`` or 0.
    """
    use_style()
    images_path = Path(images_path or os.environ.get(ENV_IMAGES) or study_path())
    answers_dir = Path(answers_dir or os.environ.get(ENV_ANSWERS) or build_dir() / "readers")
    seed = int(seed if seed is not None else os.environ.get(ENV_SEED, 0))
    if not images_path.exists():
        return widgets.HTML(
            f"<p style='color:#b00'>No images at {html.escape(str(images_path))}. Run the book's chapters up to "
            f"the DLR chapter (it writes study_images.npz), or point {ENV_IMAGES} at a StudyImages file.</p>"
        )
    return ReaderApp(StudyImages.load(images_path), answers_dir, seed=seed).widget
