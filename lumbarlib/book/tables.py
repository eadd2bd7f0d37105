"""Every table a chapter shows is written as CSV into the build folder and linked for download."""

from __future__ import annotations

import html
import re

import pandas as pd

from lumbarlib.core.paths import tables_dir

_NAME = re.compile(r"[a-z0-9_]+")


def table_path(name: str):
    """Path of the CSV for table ``name`` (lower-case letters, digits and underscores, nothing else)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"table name {name!r}: must be lower-case letters, digits and underscores")
    return tables_dir() / f"{name}.csv"


def write_table(df: pd.DataFrame, name: str) -> str:
    """Write ``df`` to ``<build>/tables/<name>.csv`` deterministically; returns the CSV text.

    Floats are written with 17 significant digits ('%.17g'), the round-trip precision
    of float64, so the same numbers always give the same bytes.
    """
    text = df.to_csv(index=False, float_format="%.17g", lineterminator="\n")
    table_path(name).write_text(text, encoding="utf-8")
    return text


def download_link(name: str) -> str:
    """HTML link to the CSV as the built book serves it (``<html>/tables/<name>.csv``)."""
    safe = html.escape(name)
    return f'<p class="table-download">Download the numbers: <a href="../tables/{safe}.csv" download>{safe}.csv</a></p>'


def publish_table(
    df: pd.DataFrame,
    name: str,
    *,
    caption: str | None = None,
    float_format: str | None = "{:.4g}",
) -> None:
    """Write the table as CSV and display it (rounded for reading) with its download link.

    Parameters
    ----------
    df : DataFrame
        The table, in the layout to show.
    name : str
        File stem, named after what it reproduces (``table2_snr``).
    caption : str, optional
        Shown above the table.
    float_format : str, optional
        Format for floats on screen; the CSV always holds full precision. On screen,
        missing values show as a dash, booleans as yes/no, text columns are left-aligned and
        a column name's underscores read as spaces (the CSV keeps the names as they are).
    """
    from IPython.display import HTML, display

    write_table(df, name)
    styler = df.style.hide(axis="index").set_uuid(name).format(na_rep="–")
    if float_format:
        styler = styler.format(float_format, subset=df.select_dtypes("float").columns, na_rep="–")
    booleans = df.select_dtypes("bool").columns
    if len(booleans):
        styler = styler.format(lambda flag: "yes" if flag else "no", subset=booleans)
    text = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c]) and c not in booleans]
    if text:  # words read from the left; numbers stay right-aligned under one another
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
    styler = styler.relabel_index([str(c).replace("_", " ") for c in df.columns], axis="columns")
    if caption:
        styler = styler.set_caption(caption)
    display(HTML(styler.to_html() + download_link(name)))
