"""Running a notebook twice with the same parameters writes byte-identical tables."""

from lumbarlib.book.run import run

CHEAP_NOTEBOOKS = ["00_overview", "01_acquisition"]


def _tables(build):
    return {p.name: p.read_bytes() for p in sorted((build / "tables").glob("*.csv"))}


def test_same_parameters_same_table_bytes(tmp_path, monkeypatch):
    builds = []
    for attempt in ("first", "second"):
        build = tmp_path / attempt
        monkeypatch.setenv("LUMBARLIB_BUILD_DIR", str(build))
        run("quick", only=CHEAP_NOTEBOOKS, build=False)
        builds.append(_tables(build))
    first, second = builds
    assert first, "the notebooks wrote no table"
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], f"{name} differs between two identical runs"
