"""The package tree is the pipeline: a stage imports only from itself and the stages before it."""

import ast
import re
from pathlib import Path

import pytest

import lumbarlib

PACKAGE = Path(lumbarlib.__file__).parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every ``lumbarlib`` import in a file, function-level ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "lumbarlib":
            found += [(node.lineno, f"lumbarlib.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name == "lumbarlib" or name.startswith("lumbarlib.")]


def stage_of(dotted: str) -> str | None:
    """The stage (sub-package) a dotted module name belongs to, or None for the top-level package."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else None


def backward_imports(root: Path) -> list[str]:
    """Every import in ``root`` of a later stage than the importing module's, as readable lines."""
    order = {name: k for k, name in enumerate(lumbarlib.STAGES)}
    problems = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if len(relative.parts) < 2:
            continue  # lumbarlib/__init__.py declares the stages and imports nothing
        own = relative.parts[0]
        for line, name in imported_modules(path):
            target = stage_of(name)
            if target is None or target not in order:
                problems.append(f"{relative}:{line} imports {name}, which is in no stage of {lumbarlib.STAGES}")
            elif order[target] > order[own]:
                problems.append(f"{relative}:{line} ({own}) imports {name} ({target}, a later stage)")
    return problems


def test_every_stage_is_a_package_with_a_docstring():
    found = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    assert found == sorted(lumbarlib.STAGES)
    for stage in lumbarlib.STAGES:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text()))
        assert doc and len(doc) > 80, f"lumbarlib.{stage} needs a docstring saying what it holds"


def test_no_module_outside_the_stages():
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert loose == []


def test_imports_run_from_a_stage_to_earlier_ones_only():
    assert backward_imports(PACKAGE) == []


def test_the_check_sees_a_backward_import(tmp_path):
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "bad.py").write_text("def f():\n    from lumbarlib.analysis.stats import bh_qvalues\n")
    (tmp_path / "sim").mkdir()
    (tmp_path / "sim" / "flat.py").write_text("from lumbarlib import paths\n")
    (tmp_path / "ui").mkdir()
    (tmp_path / "ui" / "fine.py").write_text("from lumbarlib.analysis import rois\n")
    problems = backward_imports(tmp_path)
    assert len(problems) == 2
    assert "study/bad.py:2 (study) imports lumbarlib.analysis.stats (analysis, a later stage)" in problems
    assert any("sim/flat.py:1 imports lumbarlib.paths" in p for p in problems)


@pytest.mark.parametrize(
    "name",
    [
        "SET_NAMES",
        "ACQUIRED_SETS",
        "DLR_SETS",
        "COMPARISONS",
        "RATIOS",
        "DLR_GAINS",
        "SET_COLOURS",
        "SET_LABELS",
        "ALPHA",
    ],
)
def test_each_design_constant_is_defined_once(name):
    defined = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                defined.append(path.relative_to(PACKAGE).as_posix())
    assert defined == ["study/design.py"]


def test_the_design_does_not_import_the_statistics():
    names = [name for _, name in imported_modules(PACKAGE / "study" / "design.py")]
    assert all(stage_of(n) in ("core", "study") for n in names), names


def test_every_module_is_on_its_stages_api_page():
    pages = Path(__file__).resolve().parents[1] / "book" / "api"
    for stage in lumbarlib.STAGES:
        listed = set(re.findall(r"^\.\. automodule:: (lumbarlib[\w.]*)$", (pages / f"{stage}.md").read_text(), re.M))
        modules = {f"lumbarlib.{stage}"} | {f"lumbarlib.{stage}.{p.stem}" for p in (PACKAGE / stage).glob("[!_]*.py")}
        assert listed == modules, (
            f"book/api/{stage}.md: add {sorted(modules - listed)}, drop {sorted(listed - modules)}"
        )
