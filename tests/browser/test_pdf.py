"""The built book's PDF and its numbering: figures numbered per chapter, the PDF whole and linked."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from lumbarlib.book.pdf import PDF_NAME
from lumbarlib.book.run import toc_notebooks
from lumbarlib.core.paths import repo_dir

pytestmark = pytest.mark.browser


class Headings(HTMLParser):
    """The text of a page's first <h1> and of every figure caption number."""

    def __init__(self) -> None:
        super().__init__()
        self.title: str | None = None
        self.numbers: list[str] = []
        self._in: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag == "h1" and self.title is None:
            self._in, self._text = "h1", ""
        elif tag == "span" and "caption-number" in classes.split():
            self._in, self._text = "number", ""

    def handle_endtag(self, tag):
        if self._in == "h1" and tag == "h1":
            self.title, self._in = self._text.replace("#", "").strip(), None
        elif self._in == "number" and tag == "span":
            self.numbers.append(self._text.strip())
            self._in = None

    def handle_data(self, data):
        if self._in:
            self._text += data


def chapters(html_dir: Path) -> list[tuple[int, Path, Headings]]:
    """(chapter number, page, its headings) of every numbered chapter, in book order."""
    out = []
    for number, rel in enumerate(toc_notebooks(repo_dir()), start=1):
        page = html_dir / rel.with_suffix(".html")
        parsed = Headings()
        parsed.feed(page.read_text(encoding="utf-8"))
        out.append((number, page, parsed))
    return out


def test_figures_are_numbered_per_chapter(html_dir):
    seen = 0
    for number, page, parsed in chapters(html_dir):
        expected = [f"Fig. {number}.{k}" for k in range(1, len(parsed.numbers) + 1)]
        assert parsed.numbers == expected, f"{page.name}: captions numbered {parsed.numbers}"
        seen += len(parsed.numbers)
    assert seen >= 20, f"only {seen} numbered figures in the chapters"


def test_pdf_has_every_chapter_opens_and_is_linked(browser, html_dir):
    pdf = html_dir / PDF_NAME
    assert pdf.exists(), f"no PDF at {pdf}: the book build makes it (lumbarlib.book.pdf)"
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 20
    text = "\n".join(page.extract_text() for page in reader.pages)  # every page parses
    flat = re.sub(r"\s+", " ", text)
    for number, page, parsed in chapters(html_dir):
        assert parsed.title and parsed.title in flat, f"chapter {number} ({page.name}) is not in the PDF"
        if parsed.numbers:
            assert f"{parsed.numbers[0]} " in flat, f"{page.name}: figure {parsed.numbers[0]} not in the PDF"
    # the front page links to it
    context = browser.new_context()
    front = context.new_page()
    front.goto((html_dir / "book" / "intro.html").as_uri(), wait_until="load")
    href = front.locator(f'a[href$="{PDF_NAME}"]').first.evaluate("a => a.href")
    context.close()
    assert Path(href.removeprefix("file://")).resolve() == pdf.resolve()
