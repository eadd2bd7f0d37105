"""Sliders in a real browser: the static slider swaps frames offline from file://, the Voila app recomputes.

The static slider is checked twice: on a page written here from synthetic frames (so a
broken slider is caught whatever the chapters hold), and on every page of the built book
that carries one. The Voila check starts the lab server on a free 127.0.0.1 port, opens
the DLR explorer, moves its strength slider and waits for the image to change; the server
is always stopped.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lumbarlib.book import lab
from lumbarlib.core.paths import build_dir
from lumbarlib.ui.static_slider import SliderAxis, SliderFrame, slider_html

pytestmark = pytest.mark.browser

VOILA_START_S = 120.0
"""Time for Voila to start, run the explorer notebook and draw the first preview (2 shared cores)."""


def watch(page) -> dict[str, list[str]]:
    """Record JavaScript errors and block (and record) every request that leaves the machine."""
    seen: dict[str, list[str]] = {"errors": [], "external": [], "failed": []}
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    page.on("console", lambda msg: seen["errors"].append(msg.text) if msg.type == "error" else None)
    page.on("requestfailed", lambda req: seen["failed"].append(req.url) if req.url.startswith("file:") else None)

    def block(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "file:", "data:", "blob:")):
            route.continue_()
        else:
            seen["external"].append(url)
            route.abort()

    page.route("**/*", block)
    return seen


def move_every_control(page, figure, screenshot: Path) -> None:
    """Step each range input of one static slider and check that image and caption follow."""
    image, caption = figure.locator("img.lss-image"), figure.locator("output.lss-caption")
    inputs = figure.locator("input.lss-input")
    assert inputs.count() >= 1
    for k in range(inputs.count()):
        control = inputs.nth(k)
        src, text = image.get_attribute("src"), caption.inner_text()
        key = "ArrowLeft" if control.input_value() == control.get_attribute("max") else "ArrowRight"
        control.focus()
        control.press(key)
        assert image.get_attribute("src") != src, f"control {k}: the image did not change"
        assert caption.inner_text() != text, f"control {k}: the caption did not change"
        assert "SNR" in caption.inner_text()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", image.element_handle())
    figure.screenshot(path=str(screenshot))


def synthetic_frames(n: int) -> list[SliderFrame]:
    frames = []
    for k in range(n):
        out = io.BytesIO()
        Image.fromarray(np.full((30, 40), 40 * k, dtype=np.uint8)).save(out, format="png")
        frames.append(SliderFrame(out.getvalue(), f"ROI SNR frame {k}: {10.0 + k:.1f}"))
    return frames


def test_static_slider_fragment_works_from_file_offline(browser, tmp_path, screenshot_dir):
    axes = [SliderAxis("noise level", (0.5, 1.0)), SliderAxis("DLR strength", (0.0, 1.0, 2.0))]
    page_path = tmp_path / "slider.html"
    page_path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>slider</title></head><body>"
        + slider_html(synthetic_frames(6), axes, alt="synthetic frames", panels=1)
        + "</body></html>",
        encoding="utf-8",
    )
    context = browser.new_context()
    page = context.new_page()
    seen = watch(page)
    page.goto(page_path.as_uri(), wait_until="load")
    figure = page.locator("figure.lumbar-static-slider")
    move_every_control(page, figure, screenshot_dir / "static_slider_synthetic.png")
    context.close()
    assert seen == {"errors": [], "external": [], "failed": []}


def book_slider_pages() -> list[Path]:
    html = build_dir() / "html"
    return sorted(
        p
        for p in html.rglob("*.html")
        if "_static" not in p.parts
        and '<figure class="lumbar-static-slider' in p.read_text(encoding="utf-8", errors="ignore")
    )


def test_static_sliders_of_the_built_book_work_offline(browser, html_dir, screenshot_dir):
    pages = book_slider_pages()
    assert pages, f"no page of the built book at {html_dir} holds a static slider"
    for page_path in pages:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        seen = watch(page)
        page.goto(page_path.as_uri(), wait_until="load")
        figures = page.locator("figure.lumbar-static-slider")
        assert figures.count() >= 1, f"{page_path.name}: slider markup present but not rendered"
        for k in range(figures.count()):
            figures.nth(k).scroll_into_view_if_needed()
            move_every_control(page, figures.nth(k), screenshot_dir / f"static_slider_{page_path.stem}_{k}.png")
        context.close()
        assert seen == {"errors": [], "external": [], "failed": []}, f"{page_path.name}: {seen}"


def test_the_book_has_three_numbered_static_sliders(browser, html_dir):
    numbers = []
    for page_path in book_slider_pages():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(page_path.as_uri(), wait_until="load")
        numbers += page.locator("figure.lumbar-static-slider").evaluate_all(
            """sliders => sliders.map(s => {
                 const outer = s.parentElement.closest('figure');
                 const number = outer && outer.querySelector(':scope > figcaption .caption-number');
                 return number ? number.textContent.trim() : null; })"""
        )
        context.close()
    assert len(numbers) >= 3, f"{len(numbers)} static sliders in the book, want at least 3"
    assert all(n and n.startswith("Fig. ") for n in numbers), f"sliders without a numbered caption: {numbers}"


def test_voila_explorer_recomputes_when_strength_moves(browser, screenshot_dir, tmp_path):
    with lab.serve(folder=tmp_path / "lab", timeout_s=VOILA_START_S, log=tmp_path / "voila.log") as server:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        seen = watch(page)
        # Voila streams the page while the kernel runs the notebook: wait for the widget, not for "load"
        page.goto(server.page("dlr_explorer.ipynb"), wait_until="commit", timeout=VOILA_START_S * 1000)
        app = page.locator(".lumbar-preview")
        app.wait_for(timeout=VOILA_START_S * 1000)
        image = app.locator("img.lumbar-preview-image")
        image.wait_for(timeout=VOILA_START_S * 1000)
        stats = app.locator(".lumbar-preview-stats")
        before_src, before_stats = image.get_attribute("src"), stats.inner_text()
        handle = app.locator(".lumbar-control-strength .noUi-handle")
        handle.focus()
        for _ in range(3):
            handle.press("ArrowRight")
        page.wait_for_function(
            "([img, src]) => img.getAttribute('src') !== src",
            arg=[image.element_handle(), before_src],
            timeout=60_000,
        )
        page.wait_for_function(
            "([el, text]) => el.innerText !== text", arg=[stats.element_handle(), before_stats], timeout=60_000
        )
        app.screenshot(path=str(screenshot_dir / "voila_dlr_explorer.png"))
        context.close()
    assert not seen["external"], f"the Voila page asks the network for {seen['external']}"
    assert not seen["errors"], f"JavaScript errors on the Voila page: {seen['errors']}"
