"""Readable figures: every MR panel is at least 300 pixels wide at full resolution, and every figure
the page shows smaller than that opens at full resolution with a click."""

from __future__ import annotations

import base64
import io

import nbformat
import pytest
from PIL import Image

from lumbarlib.book.run import toc_notebooks
from lumbarlib.core.paths import build_dir, repo_dir
from lumbarlib.ui.plotting import PANEL_METADATA

pytestmark = pytest.mark.browser

MIN_PANEL_PX = 300


def figure_outputs() -> list[tuple[str, int, int]]:
    """(notebook, full-resolution width, image panels per row) of every matplotlib figure the chapters show."""
    found = []
    for rel in toc_notebooks(repo_dir()):
        executed = build_dir() / "src" / rel
        for cell in nbformat.read(executed, as_version=4).cells:
            for output in cell.get("outputs", []):
                meta = output.get("metadata", {}).get("image/png", {})
                if PANEL_METADATA in meta:
                    png = base64.b64decode(output["data"]["image/png"])
                    found.append((rel.stem, Image.open(io.BytesIO(png)).width, int(meta[PANEL_METADATA])))
    return found


def test_every_mr_panel_is_at_least_300_pixels_wide_at_full_resolution(html_dir):
    figures = figure_outputs()
    assert len(figures) >= 30, f"only {len(figures)} figures carry their panel count"
    narrow = [(nb, width, panels) for nb, width, panels in figures if width / panels < MIN_PANEL_PX]
    assert not narrow, f"figures with panels under {MIN_PANEL_PX} px (notebook, width, panels per row): {narrow}"


def test_every_figure_shown_smaller_than_its_pixels_opens_at_full_resolution(browser, html_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for rel in toc_notebooks(repo_dir()):
        page.goto((html_dir / rel.with_suffix(".html")).as_uri(), wait_until="load")
        unreachable = page.evaluate(
            """() => Array.from(document.querySelectorAll('figure img'))
                 .filter(img => img.clientWidth < img.naturalWidth && !img.classList.contains('lumbar-zoomable'))
                 .map(img => (img.closest('figure') || {}).id || img.src.slice(0, 60))"""
        )
        assert not unreachable, f"{rel.stem}: reduced figures that cannot be enlarged: {unreachable}"
    context.close()
