"""The study's design as data, defined once: the five image sets, where each comes from, the four comparisons.

Serves the paper's *MRI data acquisition* and *Statistical analysis* sections
:cite:`kashiwagi2022lumbar`: three protocols are acquired, the DLR is applied to the two
fast ones (five image sets, numbered (1)-(5) in the paper's order), four pairs of sets are
compared, and q < 0.05 is significant. Every other module takes these facts from here.
"""

from __future__ import annotations

import pandas as pd

from lumbarlib.study.protocol import PROTOCOLS

SET_NAMES: tuple[str, ...] = ("standard", "double-fast", "dlr-double-fast", "triple-fast", "dlr-triple-fast")
"""The paper's image sets (1)..(5), in its order."""

ACQUIRED_SETS: tuple[str, ...] = ("standard", "double-fast", "triple-fast")
"""The sets that come straight from a protocol of Table 1 (no DLR)."""

DLR_PREFIX = "dlr-"
"""Name prefix of a set that is the DLR applied to an acquired set."""

DLR_SETS: dict[str, str] = {"double-fast": "dlr-double-fast", "triple-fast": "dlr-triple-fast"}
"""Acquired set -> the DLR set made from it (paper sets (2) -> (3) and (4) -> (5))."""

COMPARISONS: tuple[tuple[str, str], ...] = (
    ("double-fast", "dlr-double-fast"),
    ("triple-fast", "dlr-triple-fast"),
    ("standard", "dlr-double-fast"),
    ("standard", "dlr-triple-fast"),
)
"""The paper's four comparisons, (2) vs (3), (4) vs (5), (1) vs (3), (1) vs (5), in its order."""

ALPHA = 0.05
"""The paper's significance level for the Benjamini-Hochberg q-values."""

RATIOS: tuple[tuple[str, str], ...] = (
    ("double-fast", "standard"),
    ("triple-fast", "standard"),
    ("dlr-double-fast", "double-fast"),
    ("dlr-triple-fast", "triple-fast"),
)
"""Ratios of set means that summarise Table 2: the cost of each acceleration, then the DLR's gain."""

DLR_GAINS: tuple[tuple[str, str], ...] = tuple((dlr, source) for source, dlr in DLR_SETS.items())
"""(DLR set, its source): the ratios that are the DLR's gain, (3)/(2) and (5)/(4)."""

SET_COLOURS: dict[str, str] = {
    "standard": "0.35",
    "double-fast": "tab:orange",
    "dlr-double-fast": "tab:red",
    "triple-fast": "tab:cyan",
    "dlr-triple-fast": "tab:blue",
}
"""One colour per image set in every plot: each DLR set a deeper shade of its source's colour."""


def set_number(name: str) -> str:
    """The paper's number of an image set: ``"(1)"`` for standard ... ``"(5)"`` for DLR-triple-fast."""
    if name not in SET_NAMES:
        raise ValueError(f"image set {name!r}: must be one of {', '.join(SET_NAMES)}")
    return f"({SET_NAMES.index(name) + 1})"


SET_LABELS: dict[str, str] = {name: f"{set_number(name)} {name}" for name in SET_NAMES}
"""Headings in the paper's numbering: ``"(3) dlr-double-fast"``."""


def ratio_name(numerator: str, denominator: str) -> str:
    """Short name of a ratio of set means in the paper's numbering: ``"(3)/(2)"``."""
    return f"{set_number(numerator)}/{set_number(denominator)}"


def comparison_label(first: str, second: str) -> str:
    """The name of a comparison in tables: ``"standard vs dlr-double-fast"``."""
    return f"{first} vs {second}"


def source_protocol(set_name: str) -> str:
    """The acquired protocol an image set comes from (``dlr-triple-fast`` -> ``triple-fast``)."""
    if set_name not in SET_NAMES:
        raise ValueError(f"image set {set_name!r}: must be one of {', '.join(SET_NAMES)}")
    return set_name.removeprefix(DLR_PREFIX)


def design_table() -> pd.DataFrame:
    """One row per image set, in the paper's order (1)-(5): protocol, NEX, CS factor, DLR, scan time."""
    rows = []
    for number, name in enumerate(SET_NAMES, start=1):
        protocol = PROTOCOLS[source_protocol(name)]
        rows.append(
            {
                "number": number,
                "image set": name,
                "acquired with": protocol.name,
                "NEX": protocol.nex,
                "CS factor": protocol.cs_factor,
                "DLR applied": name.startswith(DLR_PREFIX),
                "paper scan time (s)": protocol.paper_scan_time_s,
            }
        )
    return pd.DataFrame(rows)


def comparisons_table() -> pd.DataFrame:
    """The four paired comparisons and what each one asks (paper, Statistical analysis)."""
    purpose = {
        ("double-fast", "dlr-double-fast"): "does the DLR denoise? (NEX 1)",
        ("triple-fast", "dlr-triple-fast"): "does the DLR denoise? (NEX 1 + CS 1.8)",
        ("standard", "dlr-double-fast"): "can DLR-double-fast replace the standard scan?",
        ("standard", "dlr-triple-fast"): "can DLR-triple-fast replace the standard scan?",
    }
    return pd.DataFrame(
        [
            {"comparison": f"C{k}", "sets": comparison_label(a, b), "question": purpose[(a, b)]}
            for k, (a, b) in enumerate(COMPARISONS, start=1)
        ]
    )
