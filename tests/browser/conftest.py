"""Browser checks drive Debian's Chromium through playwright, offline, against the built book."""

from __future__ import annotations

from pathlib import Path

import pytest

from lumbarlib.book.pdf import CHROMIUM, CHROMIUM_ARGS
from lumbarlib.core.paths import build_dir


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser-deps` installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS), headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def html_dir() -> Path:
    html = build_dir() / "html"
    if not (html / "index.html").exists():
        pytest.fail(f"no built book at {html}: run `python -m lumbarlib.book.run --profile quick` first")
    return html


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = build_dir() / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
