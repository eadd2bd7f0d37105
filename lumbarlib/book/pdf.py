"""The whole book as one PDF, built offline: Sphinx's single-page HTML printed by headless Chromium.

``python -m lumbarlib.book.pdf`` (``make pdf``) prints the book last staged by
:func:`lumbarlib.book.run.run`; ``make book`` and ``make test`` build it with the HTML. The
PDF lies beside the HTML book as :data:`PDF_NAME`, and the book's front page links to it.

Why this route: Jupyter Book 1's ``pdflatex`` builder needs a TeX installation and drops
every HTML output (the static sliders' first frames, the styled tables); its ``pdfhtml``
builder goes through pyppeteer, which downloads its own Chromium at first use, and there is
no network here. Sphinx's ``singlehtml`` builder writes the same book, with the same figure,
table and equation numbers and references, as one page; the Chromium the browser tests use
(through playwright) prints that page, with an outline made from its headings.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import yaml

from lumbarlib.core.paths import build_dir

PDF_NAME = "lumbar-dlr-book.pdf"
"""File name of the PDF, in the HTML book's folder."""

CHROMIUM_ENV = "LUMBARLIB_CHROMIUM"
"""Environment variable naming the Chromium (or Chrome) executable; default :data:`CHROMIUM`."""

CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium, which ``make browser-deps`` installs."""

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Headless flags: no sandbox (containers), no GPU, nothing fetched in the background."""

PRINT_PAGE = "whole-book.html"
"""The one-page book, in the single-page build's folder."""

PRINT_SCALE = 0.8
"""Chromium's print scale: the screen type at 0.8 reads like a printed book's on A4."""

PRINT_TIMEOUT_S = 600.0
"""Time to load the one-page book (every figure inline) and print it."""

FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#555">'
    'lumbar-dlr-book, page <span class="pageNumber"></span> of <span class="totalPages"></span></div>'
)


def chromium_path() -> Path:
    """The Chromium executable: ``$LUMBARLIB_CHROMIUM`` or Debian's.

    Raises
    ------
    FileNotFoundError
        If it does not exist, saying how to install it.
    """
    path = Path(os.environ.get(CHROMIUM_ENV) or CHROMIUM)
    if not path.exists():
        raise FileNotFoundError(
            f"Chromium not found at {path}: `make browser-deps` installs Debian's chromium, "
            f"or set {CHROMIUM_ENV} to a Chromium or Chrome executable"
        )
    return path


def root_document(src: Path) -> str:
    """The root document of the staged book (``root`` of its ``_toc.yml``, no suffix)."""
    toc = yaml.safe_load((src / "_toc.yml").read_text(encoding="utf-8"))
    return str(Path(toc["root"]).with_suffix(""))


def build_singlehtml(src: Path, out: Path, *, strict: bool = False) -> Path:
    """The staged book (with the ``conf.py`` of :func:`lumbarlib.book.run.build_html`) as one HTML page.

    Returns the path of that page (:data:`PRINT_PAGE`, in ``out``).
    """
    if not (src / "conf.py").exists():
        raise FileNotFoundError(f"no Sphinx configuration in {src}: build the HTML book first (`make book`)")
    bindir = Path(sys.executable).parent
    cmd = [str(bindir / "sphinx-build"), "-b", "singlehtml", "-E", "-a", "-q", str(src), str(out)]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    subprocess.run(cmd, check=True)
    # Jupyter Book's index.html only redirects to the root document, which holds the book; the
    # builder writes that page's links to _static and _images relative to the output folder,
    # so the page is printed from a copy there
    page = out / PRINT_PAGE
    page.write_bytes((out / f"{root_document(src)}.html").read_bytes())
    return page


def print_pdf(page: Path, pdf: Path, *, timeout_s: float = PRINT_TIMEOUT_S) -> Path:
    """Print one local HTML page to PDF with headless Chromium, offline (A4, backgrounds, an outline).

    Every request that leaves the machine is refused, so a page that needs the network
    prints without what it wanted rather than hanging. MathJax, when the page loads it, has
    finished typesetting before the print.
    """
    from playwright.sync_api import sync_playwright

    if not page.exists():
        raise FileNotFoundError(f"parameter 'page' = {str(page)!r}: no such file")
    executable = chromium_path()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(executable), args=list(CHROMIUM_ARGS), headless=True)
        try:
            tab = browser.new_page()
            tab.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith(("file:", "data:", "blob:")) else route.abort()
                ),
            )
            tab.goto(page.resolve().as_uri(), wait_until="load", timeout=1000 * timeout_s)
            tab.evaluate("async () => { if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; } }")
            tab.emulate_media(media="print")
            tab.pdf(
                path=str(pdf),
                format="A4",
                scale=PRINT_SCALE,
                print_background=True,
                outline=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
                margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
            )
        finally:
            browser.close()
    return pdf


def build_pdf(src: Path, html: Path, *, strict: bool = False) -> Path:
    """The whole book as ``html / PDF_NAME``: :func:`build_singlehtml` of ``src``, then :func:`print_pdf`."""
    page = build_singlehtml(src, build_dir() / "singlehtml", strict=strict)
    return print_pdf(page, html / PDF_NAME)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lumbarlib.book.pdf", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    out = build_dir()
    try:
        pdf = build_pdf(out / "src", out / "html")
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as err:
        print(f"error: the single-page build failed (exit {err.returncode})", file=sys.stderr)
        return 1
    print(f"The PDF is at {pdf}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
