"""Where the book keeps its inputs and build products.

The build folder holds everything generated (executed notebooks, arrays handed between
chapters, tables, the HTML book); ``data/`` in the repository holds the small shipped
inputs (published tables, trained weights).
"""

from __future__ import annotations

import os
from pathlib import Path

BUILD_ENV = "LUMBARLIB_BUILD_DIR"


def repo_dir() -> Path:
    """The repository root (the folder holding ``lumbarlib/``)."""
    return Path(__file__).resolve().parents[2]


def build_dir() -> Path:
    """The build folder: ``$LUMBARLIB_BUILD_DIR`` if set, else ``<repo>/_build``."""
    env = os.environ.get(BUILD_ENV)
    return Path(env).resolve() if env else repo_dir() / "_build"


def data_dir() -> Path:
    """Generated arrays handed from one chapter to the next (``<build>/data``), created on demand."""
    path = build_dir() / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def tables_dir() -> Path:
    """CSV tables behind every table and figure of the book (``<build>/tables``), created on demand."""
    path = build_dir() / "tables"
    path.mkdir(parents=True, exist_ok=True)
    return path


def shipped_data_dir() -> Path:
    """Small committed inputs: published tables and trained weights (``<repo>/data``)."""
    return repo_dir() / "data"
