"""Readable figures: every panel of every figure is at least 300 pixels wide on the page at a 1280 px
window, its smallest text (tick labels) at least 7 px tall, no figure lies under another part of the
page, and every figure the page shows smaller than its pixels opens at full resolution with a click."""

from __future__ import annotations

import base64
import hashlib

import nbformat
import pytest

from lumbarlib.book.run import toc_notebooks
from lumbarlib.core.paths import build_dir, repo_dir
from lumbarlib.ui.plotting import PANEL_METADATA, STYLE

pytestmark = pytest.mark.browser

MIN_PANEL_PX = 300

MIN_TEXT_PX = 7.0
"""Smallest height on the page of a figure's smallest text: the book's tick labels."""

TICK_PX = STYLE["xtick.labelsize"] * STYLE["savefig.dpi"] / 72.0
"""Height of a tick label in a figure's own pixels (points at the PNG's dpi)."""

SHOWN_IMAGES = """() => Array.from(document.querySelectorAll('.cell_output img'))
    .filter(img => img.offsetParent !== null)
    .map(img => ({
        name: img.src.startsWith('data:') ? '' : img.src.split('/').pop().replace(/[.]png$/, ''),
        panels: img.dataset.panels ? parseInt(img.dataset.panels, 10) : null,
        shown: img.clientWidth,
        natural: img.naturalWidth,
        figure: (img.closest('figure[id^="fig-"]') || {}).id || '',
    }))"""


def panel_counts() -> dict[str, int]:
    """Panels side by side of every figure the chapters show, by the SHA-256 of its PNG.

    The book names each output image by that hash; the count is the one the figure's
    notebook output recorded (:func:`lumbarlib.ui.plotting.figure_png`).
    """
    counts = {}
    for rel in toc_notebooks(repo_dir()):
        for cell in nbformat.read(build_dir() / "src" / rel, as_version=4).cells:
            for output in cell.get("outputs", []):
                meta = output.get("metadata", {}).get("image/png", {})
                if PANEL_METADATA in meta:
                    png = base64.b64decode(output["data"]["image/png"])
                    counts[hashlib.sha256(png).hexdigest()] = int(meta[PANEL_METADATA])
    return counts


def test_every_panel_is_at_least_300_pixels_wide_and_its_text_readable_on_the_page(browser, html_dir):
    counts = panel_counts()
    assert len(counts) >= 30, f"only {len(counts)} figures carry their panel count"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    narrow, uncounted, small_text, seen = [], [], [], 0
    for rel in toc_notebooks(repo_dir()):
        page.goto((html_dir / rel.with_suffix(".html")).as_uri(), wait_until="load")
        for img in page.evaluate(SHOWN_IMAGES):
            panels = img["panels"] or counts.get(img["name"])
            if panels is None:
                uncounted.append((rel.stem, img["figure"] or img["name"][:12]))
                continue
            seen += 1
            if img["shown"] / panels < MIN_PANEL_PX:
                narrow.append((rel.stem, img["figure"], img["shown"], panels))
            if img["panels"] is None and TICK_PX * img["shown"] / img["natural"] < MIN_TEXT_PX:
                small_text.append((rel.stem, img["figure"], round(TICK_PX * img["shown"] / img["natural"], 1)))
    context.close()
    assert seen >= 30, f"only {seen} figures measured"
    assert not uncounted, f"images shown without a panel count (notebook, figure): {uncounted}"
    assert not small_text, f"figures whose tick labels show under {MIN_TEXT_PX} px (notebook, figure, px): {small_text}"
    assert not narrow, (
        f"figures with panels under {MIN_PANEL_PX} px at a 1280 px window (notebook, figure, shown width, panels): "
        f"{narrow}"
    )


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


COVERED_POINTS = """img => {
    img.scrollIntoView({block: 'center'});
    const r = img.getBoundingClientRect();
    const points = [[0.5, 0.5], [0.08, 0.08], [0.92, 0.08], [0.08, 0.92], [0.92, 0.92]];
    const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, window.innerHeight);  // a tall figure: what shows
    const at = ([fx, fy]) => document.elementFromPoint(r.left + fx * r.width, top + fy * (bottom - top));
    return points.filter(point => at(point) !== img).map(([fx, fy]) => `${fx},${fy}`);
}"""


def test_no_figure_lies_under_another_part_of_the_page(browser, html_dir):
    """The centre and the four corners of every figure (of its part in view, if taller than the window),
    scrolled to the middle of a 1280 px window, are the figure's own pixels: a full-width figure reaches
    where the sticky page contents lie."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    covered, seen = [], 0
    for rel in toc_notebooks(repo_dir()):
        page.goto((html_dir / rel.with_suffix(".html")).as_uri(), wait_until="load")
        images = page.locator(".cell_output figure img")
        for k in range(images.count()):
            img = images.nth(k)
            if not img.is_visible():
                continue
            seen += 1
            points = img.evaluate(COVERED_POINTS)
            if points:
                figure = img.evaluate("img => (img.closest('figure[id^=\"fig-\"]') || {}).id || ''")
                covered.append((rel.stem, figure, points))
    context.close()
    assert seen >= 30, f"only {seen} figures looked at"
    assert not covered, f"figures partly under other elements (notebook, figure, points as fractions): {covered}"
