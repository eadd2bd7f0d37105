"""Execute the book's notebooks with papermill, then build the HTML book with Jupyter Book.

``python -m lumbarlib.book.run --profile paper`` is what ``make book`` runs;
``--profile quick --strict`` is what ``make test`` runs. The notebooks are executed once,
in book order, into a staging copy of the book (``<build>/src``); Jupyter Book then
renders those executed copies without executing anything (``execute_notebooks: off``),
and :mod:`lumbarlib.book.pdf` prints the same book as one PDF beside the HTML.

A notebook's parameters are the literals of its ``parameters`` cell (paper size) updated
by the overrides its metadata gives for the chosen profile
(``metadata.lumbarlib.profiles.<profile>``). All of them are validated before the first
notebook starts, so a bad value stops the run before any work.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import mathjax
import nbformat
import pandas as pd
import papermill
import yaml
from papermill.exceptions import PapermillExecutionError
from tqdm.auto import tqdm

from lumbarlib.book.parameters import NOTEBOOK_PARAMETERS, PROFILES, Spec, validate_run
from lumbarlib.book.pdf import build_pdf
from lumbarlib.book.provenance import build_record
from lumbarlib.book.tables import write_table
from lumbarlib.core.checks import ParameterError, check_choice
from lumbarlib.core.paths import BUILD_ENV, build_dir, repo_dir

BOOK_FILES = ("_config.yml", "_toc.yml", "references.bib")
BOOK_DIRS = ("book",)
STATUS_MARKER = "<!-- execution-times -->"
BUILD_MARKER = "<!-- build-record -->"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# Appended to the Sphinx configuration that Jupyter Book writes, so every page works offline
# with no JavaScript error: sphinx-thebe's launcher snippet is included twice by Jupyter Book
# 1.0.4 (a redeclared constant) and would fetch thebe from a CDN; MathJax is loaded once, by
# sphinx.ext.mathjax on the pages with math, from _static; the theme's colour mode is fixed.
CONF_OVERRIDES = """
# --- lumbarlib.book.run: offline, error-free pages ---
extensions = [e for e in extensions if e != "sphinx_thebe"]
html_js_files = [f for f in html_js_files if "mathjax" not in f]
html_static_path = sorted(set(html_static_path))
html_context = {"default_mode": "light"}
"""


@dataclass(frozen=True)
class NotebookRun:
    """One executed notebook: its name, the parameters it ran with and its wall time."""

    name: str
    parameters: dict
    seconds: float


class NotebookFailed(RuntimeError):
    """A notebook raised: names the notebook and the cell."""


def toc_notebooks(root: Path) -> list[Path]:
    """The notebooks of ``_toc.yml`` in book order (paths relative to ``root``)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found: list[Path] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                entry = node.get(key)
                if isinstance(entry, str) and (root / f"{entry}.ipynb").exists():
                    found.append(Path(f"{entry}.ipynb"))
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


def notebook_parameters(path: Path, profile: str) -> tuple[dict, dict]:
    """Parameters of ``path`` under ``profile``: (defaults updated by the overrides, the overrides alone)."""
    defaults = {name: spec["default"] for name, spec in papermill.inspect_notebook(str(path)).items()}
    parsed = {}
    for name, text in defaults.items():
        try:
            parsed[name] = ast.literal_eval(text)  # the parameters cell holds Python literals only
        except (ValueError, SyntaxError):
            raise ParameterError(
                f"notebook {path.name}: parameter {name!r} = {text}: the parameters cell must hold literals only"
            ) from None
    nb = nbformat.read(path, as_version=4)
    overrides = nb.metadata.get("lumbarlib", {}).get("profiles", {}).get(profile, {})
    unknown = sorted(set(overrides) - set(parsed))
    if unknown:
        raise ParameterError(
            f"notebook {path.name}: profile {profile!r} sets {unknown}, which its parameters cell does not define"
        )
    return {**parsed, **overrides}, overrides


def stage_book(root: Path, src: Path) -> None:
    """Copy the book's prose and configuration into the staging folder ``src``.

    MathJax is copied into ``_static`` from its PyPI package, so equations render with
    no network (the book is readable offline and from ``file://``).
    """
    src.mkdir(parents=True, exist_ok=True)
    for name in BOOK_FILES:
        shutil.copy2(root / name, src / name)
    for name in BOOK_DIRS:
        if (src / name).exists():
            shutil.rmtree(src / name)
        shutil.copytree(root / name, src / name)
    static = src / "_static"
    if (root / "_static").exists():
        shutil.copytree(root / "_static", static, dirs_exist_ok=True)
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    target = static / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(es5 / "tex-chtml.js", target / "tex-chtml.js")
    shutil.copytree(
        es5 / "output" / "chtml" / "fonts" / "woff-v2",
        target / "output" / "chtml" / "fonts" / "woff-v2",
        dirs_exist_ok=True,
    )


def strip_widgets(path: Path) -> None:
    """Drop live-widget views and saved widget state from an executed notebook.

    The static book shows the figure each widget cell draws at its parameter values; a
    widget view without a kernel would need a widget manager fetched from a CDN. A widget
    with no static form but its text label (a progress bar, a bare control) is dropped
    whole: its label, such as a progress bar frozen at 0 %, would mean nothing on the page.
    """
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data and WIDGET_MIME in data:
                del data[WIDGET_MIME]
                if set(data) <= {"text/plain"}:
                    continue
            kept.append(output)
        cell["outputs"] = kept
    nbformat.write(nb, path)


def execute(nb_path: Path, out_path: Path, overrides: dict) -> float:
    """Run one notebook with papermill; returns its wall time in seconds.

    Raises
    ------
    NotebookFailed
        Naming the notebook, the failing cell and the error.
    """
    out_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(nb_path),
            str(out_path),
            parameters=overrides,
            kernel_name="python3",
            cwd=str(out_path.parent),
            progress_bar=True,
        )
    except PapermillExecutionError as err:
        first_line = (err.source or "").strip().splitlines()[:1]
        raise NotebookFailed(
            f"notebook {nb_path.name} failed in cell {err.cell_index + 1} of its executed copy "
            f"(execution count {err.exec_count}, starting {first_line[0] if first_line else ''!r}): "
            f"{err.ename}: {err.evalue}\n"
            f"the partly executed copy is kept at {out_path}"
        ) from err
    return time.perf_counter() - start


def write_status(runs: list[NotebookRun], src: Path, profile: str) -> None:
    """Write the execution-time table into the staged status page and as a CSV."""
    table = pd.DataFrame(
        {
            "notebook": [r.name for r in runs],
            "profile": profile,
            "seconds": [round(r.seconds, 1) for r in runs],
        }
    )
    write_table(table, "execution_times")
    lines = ["| notebook | profile | execution time (s) |", "|---|---|---|"]
    lines += [f"| {r.name} | {profile} | {r.seconds:.1f} |" for r in runs]
    lines.append(f"| **total** | | **{sum(round(r.seconds, 1) for r in runs):.1f}** |")  # adds up as shown
    status = src / "book" / "status.md"
    text = status.read_text(encoding="utf-8").replace(STATUS_MARKER, "\n".join(lines))
    status.write_text(text.replace(BUILD_MARKER, build_record().markdown()), encoding="utf-8")


def build_html(src: Path, html: Path, strict: bool) -> Path:
    """Build the HTML book from the staged sources into ``html``; returns the path of ``index.html``.

    Jupyter Book writes the Sphinx configuration from ``_config.yml``; Sphinx then builds
    straight into ``html`` (with ``-W -n --keep-going`` when ``strict``).
    """
    bindir = Path(sys.executable).parent
    subprocess.run([str(bindir / "jupyter-book"), "config", "sphinx", str(src)], check=True)
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(CONF_OVERRIDES)
    cmd = [str(bindir / "sphinx-build"), "-b", "html", "-E", "-a", "-q", str(src), str(html)]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    subprocess.run(cmd, check=True)
    tables = build_dir() / "tables"
    if tables.exists():
        shutil.copytree(tables, html / "tables", dirs_exist_ok=True)
    return html / "index.html"


def run(
    profile: str,
    *,
    only: list[str] | None = None,
    strict: bool = False,
    build: bool = True,
    root: Path | None = None,
    specs: Mapping[str, Mapping[str, Spec]] = NOTEBOOK_PARAMETERS,
) -> list[NotebookRun]:
    """Execute every notebook of the book under ``profile`` and build the book.

    Parameters
    ----------
    profile : {'quick', 'paper'}
        ``paper`` reproduces the study at the paper's size; ``quick`` is the small run of CI.
    only : list of str, optional
        Notebook stems to run (the others are not executed; the book is not built).
    strict : bool
        Build with warnings as errors.
    build : bool
        Build the HTML book after executing.
    root : Path, optional
        The book's source folder (default: the repository).
    specs : mapping, optional
        What each notebook's parameters may be (default:
        :data:`lumbarlib.book.parameters.NOTEBOOK_PARAMETERS`).

    Raises
    ------
    ParameterError
        For an unknown profile or notebook, or a parameter out of range, before any work.
    NotebookFailed
        At the first failing cell, naming the notebook and the cell.
    """
    check_choice("profile", profile, PROFILES)
    root = root or repo_dir()
    out = build_dir()
    src = out / "src"
    notebooks = toc_notebooks(root)
    if only is not None and not only:
        raise ParameterError(
            f"parameter 'only' = []: name at least one notebook, one of {', '.join(p.stem for p in notebooks)}"
        )
    if only:
        known = {p.stem for p in notebooks}
        for name in only:
            check_choice("only", name, sorted(known))
        notebooks = [p for p in notebooks if p.stem in only]
    plans = []
    for rel in notebooks:
        params, overrides = notebook_parameters(root / rel, profile)
        plans.append((rel, params, overrides))
    try:
        validate_run([(rel.stem, params) for rel, params, _ in plans], specs=specs)
    except ParameterError as err:
        raise ParameterError(f"profile {profile!r}: {err}") from err

    os.environ[BUILD_ENV] = str(out)
    stage_book(root, src)
    runs: list[NotebookRun] = []
    for rel, params, overrides in tqdm(plans, desc=f"notebooks ({profile})", unit="nb"):
        tqdm.write(f"-> {rel} {overrides or ''}")
        seconds = execute(root / rel, src / rel, overrides)
        strip_widgets(src / rel)
        runs.append(NotebookRun(rel.stem, params, seconds))
        tqdm.write(f"   {rel.stem}: {seconds:.1f} s")
    if only:
        return runs
    write_status(runs, src, profile)
    if build:
        index = build_html(src, out / "html", strict)
        pdf = build_pdf(src, out / "html", strict=strict)
        print(f"\nThe book is at {index}, its PDF at {pdf}")
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lumbarlib.book.run", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="paper", help=f"parameter profile: one of {', '.join(PROFILES)}")
    parser.add_argument("--only", nargs="*", help="run only these notebooks (stems), without building the book")
    parser.add_argument("--strict", action="store_true", help="build the book with warnings as errors")
    parser.add_argument("--no-build", action="store_true", help="execute the notebooks but do not build the book")
    args = parser.parse_args(argv)
    try:
        run(args.profile, only=args.only, strict=args.strict, build=not args.no_build)
    except (ParameterError, NotebookFailed) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as err:
        print(f"error: the book build failed ({' '.join(err.cmd[:2])}, exit {err.returncode})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
