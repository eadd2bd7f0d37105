"""The page that maps the paper to the code names only functions, tables, labels and tests that exist."""

import ast
import importlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "paper_map.md"
ROW = re.compile(r"^\| (?!paper |---)(.+) \|$", re.M)


def rows() -> list[list[str]]:
    found = [[cell.strip() for cell in m.group(1).split(" | ")] for m in ROW.finditer(PAGE.read_text())]
    assert len(found) >= 20 and all(len(r) == 5 for r in found)
    return found


def notebook_text() -> str:
    parts = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        parts += ["".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]]
    return "\n".join(parts)


def resolve(dotted: str) -> object:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("row", rows(), ids=lambda r: r[0])
def test_every_named_function_exists(row):
    targets = re.findall(r"\{py:(?:func|class|data)\}`~?([\w.]+)`", row[2])
    assert targets, f"no function in {row[2]!r}"
    for dotted in targets:
        assert callable(resolve(dotted)), dotted


@pytest.mark.parametrize("row", rows(), ids=lambda r: r[0])
def test_every_named_test_exists(row):
    path, _, name = row[4].strip("`").partition("::")
    tree = ast.parse((ROOT / "tests" / path).read_text())
    assert name in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}, row[4]


def test_every_named_table_is_written_by_a_notebook():
    text = notebook_text()
    templates = [re.escape(t).replace(r"\{", "{") for t in re.findall(r'f\\?"([a-z0-9_]*\{[^"]*)"', text)]
    patterns = [re.sub(r"\{[^}]*\}", "[a-z0-9_]+", t) for t in templates]
    for row in rows():
        table = row[3].strip("`")
        assert re.search(rf'"{table}"', text) or any(re.fullmatch(p, table) for p in patterns), table


def test_every_cross_reference_has_its_label():
    text = notebook_text()
    labels = set(re.findall(r"^\(([\w-]+)\)=", text, re.M))
    labels |= set(re.findall(r":label: ([\w-]+)", text)) | set(re.findall(r"\$\$ \(([\w-]+)\)", text))
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            name = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name")
            if name:
                labels.add(name)
    for row in rows():
        for target in re.findall(r"\{(?:ref|numref|eq)\}`([\w-]+)`", row[1]):
            assert target in labels, f"{row[0]}: no label {target!r} in the notebooks"
