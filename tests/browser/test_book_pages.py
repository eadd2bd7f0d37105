"""Every page of the built book works offline from file://: no JavaScript error, no failed
local resource, no request to the network, and every figure has a non-empty image."""

from __future__ import annotations

from pathlib import Path

import pytest

from lumbarlib.core.paths import build_dir

pytestmark = pytest.mark.browser

SKIP = {"genindex.html", "search.html"}


def book_pages() -> list[Path]:
    html = build_dir() / "html"
    pages = sorted(p for p in html.rglob("*.html") if p.name not in SKIP and "_static" not in p.parts)
    return pages or [html / "index.html"]


@pytest.mark.parametrize("page_path", book_pages(), ids=lambda p: p.name)
def test_page_loads_offline_without_errors(browser, html_dir, screenshot_dir, page_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    failed: list[str] = []
    external: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("requestfailed", lambda req: failed.append(f"{req.url} ({req.failure})"))

    def block_network(route):
        external.append(route.request.url)
        route.abort()

    page.route("http://**", block_network)
    page.route("https://**", block_network)
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)

    local_failures = [f for f in failed if f.startswith("file:")]
    assert not errors, f"JavaScript errors on {page_path.name}: {errors}"
    assert not local_failures, f"missing local resources on {page_path.name}: {local_failures}"
    assert not external, f"{page_path.name} asks the network for: {external}"

    broken = page.evaluate(
        """() => Array.from(document.querySelectorAll('img'))
              .filter(img => !(img.complete && img.naturalWidth > 0))
              .map(img => img.getAttribute('src'))"""
    )
    assert not broken, f"empty images on {page_path.name}: {broken}"
    rel = page_path.relative_to(html_dir).with_suffix("").as_posix().replace("/", "__")
    page.screenshot(path=str(screenshot_dir / f"{rel}.png"), full_page=False)
    context.close()


def test_a_figure_opens_at_full_resolution_and_closes(browser, html_dir):
    # a multi-panel figure squeezed into the text column: clicking shows every pixel of it
    page_path = next(p for p in book_pages() if p.name == "06_quantitative.html")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(page_path.as_uri(), wait_until="load")
    image = page.locator("figure#fig-noise-maps img").first
    natural, shown = image.evaluate("img => [img.naturalWidth, img.clientWidth]")
    assert shown < natural, "the figure is not reduced in the page: nothing to enlarge"
    image.scroll_into_view_if_needed()
    image.click()
    big = page.locator(".lumbar-zoom-overlay img.lumbar-zoom-image")
    assert big.count() == 1
    assert big.evaluate("img => img.clientWidth") == natural
    page.keyboard.press("Escape")
    assert page.locator(".lumbar-zoom-overlay").count() == 0
    image.focus()
    page.keyboard.press("Enter")
    assert page.locator(".lumbar-zoom-overlay").count() == 1
    page.locator(".lumbar-zoom-overlay").click()
    assert page.locator(".lumbar-zoom-overlay").count() == 0
    context.close()


def test_no_chapter_is_wider_than_a_phone(browser, html_dir):
    # 420 px: long inline code wraps, wide tables, code and equations scroll inside their own boxes
    context = browser.new_context(viewport={"width": 420, "height": 900})
    page = context.new_page()
    wide = {}
    for page_path in book_pages():
        if page_path.parent.name not in ("notebooks", "book"):
            continue
        page.goto(page_path.as_uri(), wait_until="load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 420:
            wide[page_path.name] = width
    context.close()
    assert not wide, f"pages wider than 420 px at a 420 px viewport: {wide}"
