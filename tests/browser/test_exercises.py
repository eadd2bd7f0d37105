"""Every chapter ends with exercises whose solutions are hidden until opened, offline from file://."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CHAPTERS = [f"notebooks/{stem}.html" for stem in (
    "00_overview", "01_acquisition", "02_simulation", "03_dlr_architecture", "04_training", "05_denoising",
    "06_quantitative", "07_readers",
)]  # fmt: skip


@pytest.mark.parametrize("page_name", CHAPTERS)
def test_each_solution_is_hidden_then_opens(browser, html_dir, page_name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((html_dir / page_name).as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    solutions = page.locator("div.dropdown.admonition")
    count = solutions.count()
    assert count >= 2, f"{page_name}: {count} exercise solutions"
    for k in range(count):
        box = solutions.nth(k)
        body = box.locator("p:not(.admonition-title)").first
        assert not body.is_visible(), f"{page_name}: solution {k + 1} is shown before it is opened"
        box.locator("button.toggle-button").click()
        body.wait_for(state="visible", timeout=2000)
    page.close()


def test_glossary_terms_link_from_the_chapters(browser, html_dir):
    page = browser.new_page()
    page.goto((html_dir / "notebooks/06_quantitative.html").as_uri(), wait_until="load")
    links = page.locator("a[href*='glossary.html#term-']")
    assert links.count() >= 3
    target, anchor = links.first.get_attribute("href").split("#", 1)
    page.goto((html_dir / "notebooks" / target).resolve().as_uri() + f"#{anchor}")
    assert page.locator(f"dt[id='{anchor}']").count() == 1
    page.close()
