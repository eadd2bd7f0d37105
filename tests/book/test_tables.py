"""Tables are written as deterministic CSV files that read back to the same numbers."""

import re

import numpy as np
import pandas as pd
import pytest

from lumbarlib.book.tables import download_link, table_path, write_table
from lumbarlib.core.paths import BUILD_ENV


@pytest.fixture(autouse=True)
def _build(tmp_path, monkeypatch):
    monkeypatch.setenv("LUMBARLIB_BUILD_DIR", str(tmp_path))


def test_csv_round_trips_float64_exactly():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"tissue": ["fat", "csf", "cord"], "snr": rng.normal(100, 30, 3) / 7})
    write_table(df, "t")
    back = pd.read_csv(table_path("t"))
    assert back["snr"].tolist() == df["snr"].tolist()


def test_same_table_same_bytes():
    df = pd.DataFrame({"a": [1 / 3, 2 / 3], "b": ["x", "y"]})
    first = write_table(df, "t")
    assert write_table(df.copy(), "t") == first == table_path("t").read_text()


def test_bad_name_is_refused():
    with pytest.raises(ValueError, match="'Table 2'"):
        table_path("Table 2")


def test_link_points_to_the_html_tables_folder():
    assert 'href="../tables/table2_snr.csv"' in download_link("table2_snr")


def test_published_table_shows_dashes_for_missing_values_words_for_booleans_and_spaced_headers(monkeypatch):
    from lumbarlib.book import tables

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    df = pd.DataFrame(
        {"tissue": ["air", "fat"], "snr": [np.nan, 111.26], "significant": [False, True], "cs_factor": [None, 1.8]}
    )
    tables.publish_table(df, "t", caption="c")
    page = shown[0]
    assert "nan" not in page and "None" not in page and "True" not in page
    assert page.count("–") == 2 and ">yes<" in page and ">no<" in page and ">111.3<" in page
    back = pd.read_csv(table_path("t"))  # the CSV keeps the values themselves
    assert back["significant"].tolist() == [False, True] and np.isnan(back["snr"][0])
    assert ">cs factor<" in page and "cs_factor" not in page and "cs_factor" in back.columns  # headers read as words


@pytest.mark.parametrize("bad", ["abc\n", "table2\n", "a\nb", "Table2"])
def test_a_table_name_is_matched_in_full(bad, tmp_path, monkeypatch):
    monkeypatch.setenv(BUILD_ENV, str(tmp_path))
    with pytest.raises(ValueError, match=re.escape(f"table name {bad!r}: must be lower-case letters")):
        table_path(bad)
    assert table_path("table2_snr") == tmp_path / "tables" / "table2_snr.csv"
