"""The reader app: seeded blinded order, answers that survive a crash, resumption, results at the end."""

from __future__ import annotations

import errno
import re

import ipywidgets as widgets
import pytest

from lumbarlib.readers.scores import CRITERIA, AnswerLogBusy, ScoreFileError, read_scores
from lumbarlib.study.design import SET_NAMES
from lumbarlib.ui import reader_app
from lumbarlib.ui.reader_app import (
    ReaderApp,
    ReadingSession,
    build_app,
    parse_keys,
    presentation_order,
    time_left_text,
    zoom_window,
)


@pytest.fixture
def tiny_study(study_factory):
    """Factory: every set of ``n_volunteers`` on a 16 x 16 grid, noise growing with the set number."""

    def make(n_volunteers: int = 2):
        noise = {name: 0.05 * (k + 1) for k, name in enumerate(SET_NAMES)}
        return study_factory(n_volunteers, (16, 16), noise_sd=noise, pixel_mm=(0.9375, 0.703))

    return make


def test_order_is_a_seeded_permutation_of_every_image():
    order = presentation_order(4, seed=3, reader_id="ana")
    assert sorted((i.volunteer, i.set_name) for i in order) == sorted((v, s) for v in range(1, 5) for s in SET_NAMES)
    assert [i.position for i in order] == list(range(20))
    assert order == presentation_order(4, seed=3, reader_id="ana")
    assert order != presentation_order(4, seed=4, reader_id="ana")
    assert order != presentation_order(4, seed=3, reader_id="bo")


def test_labels_hide_the_set():
    for item in presentation_order(3, seed=0, reader_id="ana"):
        label = item.label(15)
        assert re.fullmatch(r"Image \d+ of 15", label)


def test_bad_order_parameters_are_named():
    with pytest.raises(ValueError, match="n_volunteers"):
        presentation_order(0, seed=0, reader_id="ana")
    with pytest.raises(ValueError, match="seed"):
        presentation_order(2, seed=-1, reader_id="ana")
    with pytest.raises(ValueError, match="reader_id"):
        presentation_order(2, seed=0, reader_id="a/b")


def answer(session: ReadingSession, score: int = 3):
    item = session.next_item()
    session.record(item, dict.fromkeys(CRITERIA, score))
    return item


def test_session_survives_a_crash_and_resumes_at_the_next_image(tmp_path, tiny_study):
    study = tiny_study()
    session = ReadingSession(study, "ana", tmp_path, seed=1)
    first, second = answer(session, 2), answer(session, 4)
    expected_next = session.items[2]
    del session  # page closed, kernel gone
    again = ReadingSession(study, "ana", tmp_path, seed=1)
    assert again.n_done == 2
    assert again.next_item() == expected_next
    stored = again.log.scores
    assert len(stored) == 12
    assert again.log.answered(first.volunteer, first.set_name) == dict.fromkeys(CRITERIA, 2)
    assert again.log.answered(second.volunteer, second.set_name) == dict.fromkeys(CRITERIA, 4)


def score_lines(item, scores: dict[str, int]) -> str:
    return "".join(f"ana,{item.volunteer},{item.set_name},{c},{s},\n" for c, s in scores.items())


def test_a_partly_scored_image_earlier_in_the_file_asks_only_for_the_rest(tmp_path, tiny_study):
    """An image left partly scored before another image (an older file, a hand edit) stays as it is.

    The app itself saves the six answers of an image in one append, so it never leaves an
    image partly scored: such an image followed by a complete one was confirmed in its time,
    and only its missing criteria are asked for (a partly scored image at the end of the file
    is an interrupted save, see the next test). The partial answers are written by hand here,
    since ``AnswerLog.append`` no longer writes an incomplete image.
    """
    study = tiny_study()
    session = ReadingSession(study, "ana", tmp_path, seed=1)
    item, later = session.items[0], session.items[5]
    with open(session.log.path, "a", encoding="utf-8") as handle:
        handle.write(score_lines(item, {"perceived_snr": 5, "sharpness": 4}))
        handle.write(score_lines(later, dict.fromkeys(CRITERIA, 2)))
    again = ReadingSession(study, "ana", tmp_path, seed=1)
    assert not again.log.repaired
    assert again.next_item() == item
    assert again.pending(item) == list(CRITERIA[2:])
    again.record(item, dict.fromkeys(CRITERIA, 3))
    assert again.log.answered(item.volunteer, item.set_name)["perceived_snr"] == 5
    assert len(read_scores(again.log.path)) == 2 * len(CRITERIA)


def test_an_interrupted_save_is_asked_again_with_nothing_locked(tmp_path, tiny_study):
    """The last block of a file that leaves its image partly scored never finished: the image is asked in full."""
    study = tiny_study()
    session = ReadingSession(study, "ana", tmp_path, seed=1)
    first = answer(session, 4)
    torn = session.next_item()
    with open(session.log.path, "a", encoding="utf-8") as handle:
        handle.write(score_lines(torn, {"perceived_snr": 5, "sharpness": 4}))
    app = ReaderApp(study, tmp_path, seed=1)
    app.reader_box.value = "ana"
    app.start_button.click()
    assert "Image 2 of 10" in app.header.value
    assert all(choice.value is None and not choice.disabled for choice in app.choices.values())
    assert "1 of 10 images scored" in app.message.value and "set aside in" in app.message.value
    assert app.session.log.answered(first.volunteer, first.set_name) == dict.fromkeys(CRITERIA, 4)
    assert score_lines(torn, {"perceived_snr": 5, "sharpness": 4}) in app.session.log.unconfirmed_path.read_text()


def test_incomplete_answers_are_refused_before_writing(tmp_path, tiny_study):
    session = ReadingSession(tiny_study(), "ana", tmp_path, seed=1)
    before = session.log.path.read_bytes()
    with pytest.raises(ValueError, match="all six"):
        session.record(session.next_item(), {"contrast": 3})
    assert session.log.path.read_bytes() == before


def all_text(widget: widgets.Widget) -> str:
    """Every string a widget tree shows: descriptions, values, option labels, placeholders."""
    parts = []
    for name in ("description", "value", "placeholder", "tooltip"):
        value = getattr(widget, name, None)
        if isinstance(value, str):
            parts.append(value)
    for option in getattr(widget, "options", ()) or ():
        parts.append(str(option[0] if isinstance(option, tuple) else option))
    for child in getattr(widget, "children", ()):
        parts.append(all_text(child))
    return "\n".join(parts)


def click_through(app: ReaderApp, score: int) -> None:
    for choice in app.choices.values():
        choice.value = score
    app.save_button.click()


def test_app_hides_set_names_and_saves_each_answer(tmp_path, tiny_study):
    study = tiny_study()
    app = ReaderApp(study, tmp_path, seed=2)
    app.reader_box.value = "ana"
    app.start_button.click()
    seen = []
    for _ in range(3):
        text = all_text(app.widget).lower()
        assert "fast" not in text and "dlr" not in text
        assert app.save_button.disabled
        seen.append(re.search(r"Image (\d+) of 10", app.header.value).group(1))
        click_through(app, 3)
        assert len(read_scores(tmp_path / "ana.csv")) == len(seen) * len(CRITERIA)
    assert seen == ["1", "2", "3"]
    assert bytes(app.picture.value[:4]) == b"\x89PNG"

    resumed = ReaderApp(study, tmp_path, seed=2)
    resumed.reader_box.value = "ana"
    resumed.start_button.click()
    assert "Image 4 of 10" in resumed.header.value
    assert "3 of 10 images scored" in resumed.message.value


def test_window_is_shared_and_adjustable(tmp_path, tiny_study):
    app = ReaderApp(tiny_study(), tmp_path, seed=0)
    app.reader_box.value = "ana"
    app.start_button.click()
    first = app.picture.value
    app.width.value = app.width.value / 2
    assert app.picture.value != first
    app.reset_window.click()
    assert app.picture.value == first


def test_finished_reader_sees_results_against_the_others(tmp_path, tiny_study):
    study = tiny_study(n_volunteers=1)
    other = ReadingSession(study, "bo", tmp_path, seed=0)
    while other.next_item() is not None:
        answer(other, 4)
    app = ReaderApp(study, tmp_path, seed=0)
    app.reader_box.value = "ana"
    app.start_button.click()
    for _ in range(len(SET_NAMES)):
        click_through(app, 2)
    text = all_text(app.results)
    assert "All 5 images scored" in text
    assert "1 other reader(s)" in text
    assert "<th>you</th>" in text and "<th>others</th>" in text
    assert app.reading.layout.display == "none"


def test_bad_reader_id_shows_an_error(tmp_path, tiny_study):
    app = ReaderApp(tiny_study(), tmp_path, seed=0)
    app.reader_box.value = "no spaces please"
    app.start_button.click()
    assert "reader_id" in app.message.value
    assert app.session is None
    assert not list(tmp_path.iterdir())


def test_a_reader_id_with_a_final_newline_is_refused(tmp_path, tiny_study):
    with pytest.raises(ValueError, match=re.escape("parameter 'reader_id' = 'fred\\n': must be 1-40 letters")):
        ReadingSession(tiny_study(), "fred\n", tmp_path)
    assert not list(tmp_path.iterdir())


def started(study, folder, reader: str = "ana") -> ReaderApp:
    app = ReaderApp(study, folder, seed=0)
    app.reader_box.value = reader
    app.start_button.click()
    return app


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "ana.csv"), "The disk is full, so nothing was saved"),
        (OSError(errno.EROFS, "Read-only file system", "ana.csv"), "is on a read-only disk"),
        (OSError(errno.EACCES, "Permission denied", "ana.csv"), "may not be written to"),
        (OSError(errno.EIO, "Input/output error", "ana.csv"), "cannot be used (Input/output error: ana.csv)"),
        (AnswerLogBusy("ana.csv.lock: held"), "being saved in another tab or window. Close the other one"),
        (
            ScoreFileError("ana.csv, line 9: score 'x'"),
            "cannot be read, and nothing in it was changed: ana.csv, line 9",
        ),
    ],
    ids=["full", "read-only", "denied", "io", "busy", "bad-file"],
)
def test_a_failed_save_says_what_to_do_and_keeps_the_answers(tmp_path, tiny_study, monkeypatch, error, words):
    app = started(tiny_study(), tmp_path)
    before = app.session.log.path.read_bytes()

    def failing_append(*args, **kwargs):
        raise error

    monkeypatch.setattr(app.session.log, "append", failing_append)
    for k, choice in enumerate(app.choices.values()):
        choice.value = 1 + k % 5
    app.save_button.click()
    assert words in app.message.value
    assert "press Save and next again" in app.message.value or "Ask the teacher" in app.message.value
    assert "Your answers to image 1 of 10 are still selected below." in app.message.value
    assert "Saved" not in app.message.value
    assert [choice.value for choice in app.choices.values()] == [1 + k % 5 for k in range(len(CRITERIA))]
    assert not app.save_button.disabled and "Image 1 of 10" in app.header.value
    assert app.session.log.path.read_bytes() == before

    monkeypatch.undo()  # the problem is solved: the same answers are saved by pressing again
    app.save_button.click()
    assert "Saved image 1 of 10" in app.message.value and "Image 2 of 10" in app.header.value
    assert read_scores(app.session.log.path)["score"].tolist() == [1 + k % 5 for k in range(len(CRITERIA))]


@pytest.mark.parametrize(
    ("folder", "words"),
    [
        ("answers", "answers is blocked: a file stands where a folder should be (File exists"),
        ("answers/ana", "answers/ana is blocked: a file stands where a folder should be (Not a directory"),
    ],
)
def test_a_start_in_an_unusable_folder_says_what_to_do(tmp_path, tiny_study, folder, words):
    (tmp_path / "answers").write_text("a file where the answers folder should be")
    app = started(tiny_study(), tmp_path / folder)
    assert words in app.message.value
    assert "Ask the teacher" in app.message.value and "press Start or resume again" in app.message.value
    assert app.session is None and app.reading.layout.display == "none"


def test_a_full_disk_at_start_says_what_to_do(tmp_path, tiny_study, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "ana.csv"))

    monkeypatch.setattr(reader_app, "AnswerLog", full)
    app = started(tiny_study(), tmp_path)
    assert "The disk is full" in app.message.value and "Free some disk space" in app.message.value
    assert app.session is None


def test_a_second_tab_is_told_the_image_was_saved_in_the_first(tmp_path, tiny_study):
    study = tiny_study()
    first, second = started(study, tmp_path), started(study, tmp_path)
    assert "Image 1 of 10" in first.header.value and "Image 1 of 10" in second.header.value
    click_through(first, 2)
    click_through(second, 5)
    assert "Image 1 of 10 was already saved, perhaps in another tab or window" in second.message.value
    assert "Image 2 of 10" in second.header.value
    click_through(second, 5)
    click_through(first, 2)
    assert "Image 2 of 10 was already saved" in first.message.value
    assert "Image 3 of 10" in first.header.value
    table = read_scores(tmp_path / "ana.csv")
    assert table["score"].tolist() == [2] * len(CRITERIA) + [5] * len(CRITERIA)


def test_build_app_reads_the_environment(tmp_path, monkeypatch, tiny_study):
    path = tmp_path / "study.npz"
    tiny_study().save(path)
    monkeypatch.setenv("LUMBARLIB_READER_IMAGES", str(path))
    monkeypatch.setenv("LUMBARLIB_READER_DIR", str(tmp_path / "answers"))
    assert isinstance(build_app(), widgets.VBox)
    missing = build_app(images_path=tmp_path / "nothing.npz")
    assert isinstance(missing, widgets.HTML) and "No images" in missing.value


def test_zoom_window_keeps_a_fraction_of_each_side_inside_the_image():
    assert zoom_window((100, 80), 1.0, (0.5, 0.5)) == (slice(0, 100), slice(0, 80))
    rows, cols = zoom_window((100, 80), 2.0, (0.5, 0.5))
    assert (rows, cols) == (slice(25, 75), slice(20, 60))
    rows, cols = zoom_window((100, 80), 4.0, (0.0, 1.0))  # a corner: clipped, not shrunk
    assert (rows, cols) == (slice(0, 25), slice(60, 80))
    with pytest.raises(ValueError, match="'zoom' = 0.5"):
        zoom_window((100, 80), 0.5, (0.5, 0.5))
    with pytest.raises(ValueError, match="'centre' = 1.5"):
        zoom_window((100, 80), 2.0, (1.5, 0.5))


def test_keys_give_one_answer_per_criterion_in_the_forms_order():
    assert parse_keys("12 34 53") == dict(zip(CRITERIA, [1, 2, 3, 4, 5, 3]))
    for bad in ("12345", "1234567", "123406", "abcdef"):
        with pytest.raises(ValueError, match=re.escape(repr(bad))):
            parse_keys(bad)


def test_time_left_follows_the_median_time_per_image():
    assert "shows after the first image" in time_left_text(0, 300, [])
    assert time_left_text(100, 300, [6.0, 6.0, 60.0]) == (
        "100 of 300 images scored; about 20 min left at your median 6 s per image"
    )
    assert time_left_text(300, 300, [5.0]) == "300 of 300 images scored"


def test_zoom_and_pan_are_shared_and_reset(tmp_path, tiny_study):
    app = ReaderApp(tiny_study(), tmp_path, seed=0)
    app.reader_box.value = "ana"
    app.start_button.click()
    first = app.picture.value
    app.zoom.value = 2.0
    zoomed = app.picture.value
    assert zoomed != first
    app.pan_rows.value = 0.0
    assert app.picture.value not in (first, zoomed)
    app.reset_window.click()
    assert app.picture.value == first
    assert (app.zoom.value, app.pan_rows.value, app.pan_cols.value) == (1.0, 0.5, 0.5)


def test_six_keys_score_and_save_and_bad_keys_are_explained(tmp_path, tiny_study):
    app = ReaderApp(tiny_study(), tmp_path, seed=0)
    app.reader_box.value = "ana"
    app.start_button.click()
    assert (app.progress.value, app.progress.max) == (0, 10)
    app.keys.value = "1234"
    assert "6 digits 1-5" in app.message.value
    assert not (tmp_path / "ana.csv").exists() or read_scores(tmp_path / "ana.csv").empty
    app.keys.value = "543215"
    saved = read_scores(tmp_path / "ana.csv")
    assert sorted(saved["score"]) == sorted([5, 4, 3, 2, 1, 5])
    assert "Image 2 of 10" in app.header.value
    assert app.progress.value == 1
    assert "min left" in app.progress_text.value or "a minute left" in app.progress_text.value
    assert app.keys.value == ""
