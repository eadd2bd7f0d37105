"""The study's design as data: acquired protocols, the five image sets and the four comparisons.

Serves the paper's *MRI data acquisition* and *Statistical analysis* sections: three
protocols are acquired, the DLR is applied to the two fast ones (five image sets), and
four pairs of sets are compared.
"""

from __future__ import annotations

import pandas as pd

from lumbarlib.imagesets import SET_NAMES
from lumbarlib.protocol import PROTOCOLS
from lumbarlib.stats import COMPARISONS, comparison_label

DLR_PREFIX = "dlr-"


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
