"""The notebook runner: book order, profiles, validation before work, failures that name the cell."""

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from lumbarlib.book.parameters import Choice, Number
from lumbarlib.book.run import (
    WIDGET_MIME,
    NotebookFailed,
    run,
    strip_widgets,
    toc_notebooks,
)
from lumbarlib.core.checks import ParameterError

SPECS = {
    name: {"nex": Number(1, 16, integer=True), "label": Choice(("paper", "quick"))} for name in ("a_first", "b_second")
}
"""What the two test notebooks' parameters may be."""

TOC = """format: jb-book
root: book/intro
chapters:
  - file: notebooks/b_second
  - file: notebooks/a_first
"""


def _notebook(path: Path, body: str, quick: dict | None = None) -> None:
    params = new_code_cell("nex = 2\nlabel = 'paper'")
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[new_markdown_cell("# t"), params, new_code_cell(body)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["lumbarlib"] = {"profiles": {"quick": quick or {}, "paper": {}}}
    nbformat.write(nb, path)


@pytest.fixture
def book(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book").mkdir()
    (tmp_path / "_toc.yml").write_text(TOC)
    (tmp_path / "_config.yml").write_text("title: t\n")
    (tmp_path / "references.bib").write_text("")
    monkeypatch.setenv("LUMBARLIB_BUILD_DIR", str(tmp_path / "_build"))
    return tmp_path


def test_toc_order_is_book_order(book):
    _notebook(book / "notebooks" / "a_first.ipynb", "x = 1")
    _notebook(book / "notebooks" / "b_second.ipynb", "x = 1")
    assert [p.stem for p in toc_notebooks(book)] == ["b_second", "a_first"]


def test_profile_overrides_reach_the_notebook(book):
    _notebook(
        book / "notebooks" / "a_first.ipynb", "assert nex == 1 and label == 'quick'", {"nex": 1, "label": "quick"}
    )
    _notebook(book / "notebooks" / "b_second.ipynb", "assert nex == 2")
    runs = run("quick", only=["a_first", "b_second"], root=book, specs=SPECS)
    assert [r.name for r in runs] == ["b_second", "a_first"]
    assert runs[1].parameters == {"nex": 1, "label": "quick"}
    assert all(r.seconds > 0 for r in runs)


def test_bad_profile_parameter_stops_before_any_notebook_runs(book):
    _notebook(book / "notebooks" / "b_second.ipynb", "open('ran', 'w').write('x')")
    _notebook(book / "notebooks" / "a_first.ipynb", "x = 1", {"nex": -1})
    with pytest.raises(ParameterError, match=r"notebook a_first: parameter 'nex' = -1: must be an integer >= 1"):
        run("quick", only=["a_first", "b_second"], root=book, specs=SPECS)
    assert not (book / "_build").exists()


def test_an_undeclared_parameter_stops_the_run(book):
    _notebook(book / "notebooks" / "b_second.ipynb", "open('ran', 'w').write('x')")
    _notebook(book / "notebooks" / "a_first.ipynb", "x = 1")
    specs = {**SPECS, "a_first": {"nex": SPECS["a_first"]["nex"]}}
    with pytest.raises(ParameterError, match=r"notebook a_first: parameter\(s\) \['label'\] have no declared type"):
        run("quick", only=["a_first", "b_second"], root=book, specs=specs)
    assert not (book / "_build").exists()


def test_only_with_no_names_is_refused(book):
    _notebook(book / "notebooks" / "a_first.ipynb", "x = 1")
    _notebook(book / "notebooks" / "b_second.ipynb", "x = 1")
    with pytest.raises(ParameterError, match=r"'only' = \[\]: name at least one notebook, one of b_second, a_first"):
        run("quick", only=[], root=book, specs=SPECS)


def test_a_parameters_cell_that_is_not_literal_is_refused(book):
    _notebook(book / "notebooks" / "a_first.ipynb", "x = 1")
    nb = nbformat.read(book / "notebooks" / "a_first.ipynb", as_version=4)
    nb.cells[1].source = "nex = 1 + len('ab')"
    nbformat.write(nb, book / "notebooks" / "a_first.ipynb")
    with pytest.raises(ParameterError, match="parameter 'nex' = 1 \\+ len\\('ab'\\): the parameters cell must hold"):
        run("quick", only=["a_first"], root=book, specs=SPECS)


def test_unknown_profile_is_refused(book):
    with pytest.raises(ParameterError, match="'profile' = 'huge'"):
        run("huge", root=book)


def test_failure_names_notebook_and_cell(book):
    _notebook(book / "notebooks" / "a_first.ipynb", "x = 1")
    _notebook(book / "notebooks" / "b_second.ipynb", "raise RuntimeError('boom')")
    with pytest.raises(
        NotebookFailed,
        match=r"b_second.ipynb failed in cell 3 of its executed copy .*raise RuntimeError.*RuntimeError: boom",
    ):
        run("paper", only=["a_first", "b_second"], root=book, specs=SPECS)


def test_strip_widgets_keeps_the_static_figure(tmp_path):
    cell = new_code_cell("w")
    cell.outputs = [
        new_output("display_data", data={WIDGET_MIME: {"model_id": "m"}, "text/plain": "VBox()"}),
        new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
        new_output(
            "display_data",
            data={WIDGET_MIME: {"model_id": "p"}, "image/png": "iVBORw0KGgo=", "text/plain": "DLR preview"},
        ),
        new_output("display_data", data={"text/plain": "a printed value"}),
    ]
    nb = new_notebook(cells=[cell])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    path = tmp_path / "w.ipynb"
    nbformat.write(nb, path)
    strip_widgets(path)
    out = nbformat.read(path, as_version=4)
    assert "widgets" not in out.metadata
    kinds = [set(o["data"]) for o in out.cells[0].outputs]
    # the bare widget (a progress bar, say) goes; one with a static figure keeps it; others stay
    assert kinds == [{"image/png"}, {"image/png", "text/plain"}, {"text/plain"}]
