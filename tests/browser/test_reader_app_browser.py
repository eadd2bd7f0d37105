"""The reader app served by Voila, driven in Chromium: one answer survives a page reload, the selected
answers stand out, and six typed digits score and save an image."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from lumbarlib.book.lab import serve
from lumbarlib.core.paths import BUILD_ENV, repo_dir
from lumbarlib.readers.scores import CRITERIA, read_scores
from lumbarlib.study.design import SET_NAMES
from lumbarlib.study.imagesets import StudyImages
from lumbarlib.ui.reader_app import ENV_ANSWERS, ENV_IMAGES, ENV_SEED

pytestmark = pytest.mark.browser

STARTUP_S = 90.0
READER = "student-01"


def tiny_study_file(path: Path) -> Path:
    """One volunteer, five sets of 24 x 24 noisy squares: enough for the app, tiny to serve."""
    rng = np.random.default_rng(0)
    truth = np.zeros((1, 2, 24, 24), np.float32)
    truth[..., 6:18, 6:18] = 1.0
    images = {
        name: truth + np.float32(0.05) * rng.standard_normal(truth.shape).astype(np.float32) for name in SET_NAMES
    }
    StudyImages(images=images, truth=truth, labels=(truth > 0).astype(np.int16), pixel_mm=(0.9375, 0.703)).save(path)
    return path


@pytest.fixture
def voila_app(tmp_path, monkeypatch):
    """Voila serving only the reader app (lumbarlib.book.lab.serve: 127.0.0.1, a free port, always
    stopped), pointed at a tiny study and a temporary answers folder."""
    answers = tmp_path / "answers"
    monkeypatch.setenv(ENV_IMAGES, str(tiny_study_file(tmp_path / "study.npz")))
    monkeypatch.setenv(ENV_ANSWERS, str(answers))
    monkeypatch.setenv(ENV_SEED, "0")
    monkeypatch.setenv(BUILD_ENV, str(tmp_path / "build"))
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy2(repo_dir() / "notebooks" / "reader_app.ipynb", notebooks)
    log = tmp_path / "voila.log"
    with serve(folder=tmp_path / "lab", notebooks_dir=notebooks, timeout_s=STARTUP_S, log=log) as lab:
        yield lab.page("reader_app.ipynb"), answers


def sign_in(page) -> None:
    page.get_by_placeholder("your reader id").fill(READER, timeout=STARTUP_S * 1000)
    page.get_by_role("button", name="Start or resume").click()


def test_an_answer_survives_a_reload(browser, voila_app):
    url, answers = voila_app
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    origin = url.split("/voila/")[0]
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(origin) else route.abort())
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(url, wait_until="domcontentloaded")
        sign_in(page)
        page.get_by_text("Image 1 of 5").wait_for(timeout=30_000)
        buttons = page.get_by_role("button", name="3 equivalent", exact=True)
        assert buttons.count() == len(CRITERIA)
        for k in range(len(CRITERIA)):
            buttons.nth(k).click()
        # the selected answer stands out: solid blue with white text
        colours = buttons.first.evaluate("b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]")
        assert colours == ["rgb(21, 101, 192)", "rgb(255, 255, 255)"], colours
        page.get_by_role("button", name="Save and next").click()
        page.get_by_text("Image 2 of 5").wait_for(timeout=30_000)

        stored = read_scores(answers / f"{READER}.csv")
        assert len(stored) == len(CRITERIA) and (stored["score"] == 3).all()

        page.reload(wait_until="domcontentloaded")
        sign_in(page)
        page.get_by_text("1 of 5 images scored").first.wait_for(timeout=30_000)
        assert page.get_by_text("Image 2 of 5").count() == 1
        body = page.inner_text("body").lower()
        assert "fast" not in body and "dlr" not in body
        # the keyboard: six digits and Enter score and save the next image
        keys = page.get_by_placeholder("six digits 1-5")
        keys.fill("444444")
        keys.press("Enter")
        page.get_by_text("Image 3 of 5").wait_for(timeout=30_000)
        assert not errors, f"JavaScript errors: {errors}"
    finally:
        context.close()
    stored = read_scores(answers / f"{READER}.csv")
    assert len(stored) == 2 * len(CRITERIA) and sorted(stored["score"]) == [3] * 6 + [4] * 6
