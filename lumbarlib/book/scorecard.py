"""The reproduction scorecard: each claim of the paper beside what the simulation gave, built from the tables.

Serves the book's one-page answer to "what of :cite:`kashiwagi2022lumbar` does this book
reproduce?". Every row is computed from CSV tables a build wrote (``_build/tables``), never
typed: the claim, the paper's number, the simulation's, a verdict (``reproduced``, ``partly``,
``not reproduced``, or ``calibrated`` for the one number set on the paper) and the tables it
comes from. The one-line reasons are templates whose numbers come from the same tables; they
name the measured cause the chapters establish.

Verdicts: a number within its tolerance (the scorecards' 10 % for acquisition ratios, 25 %
for contrasts and DLR gains) is reproduced; a group of cells (tissues, criteria) is
reproduced when all agree, partly when some do, not when none do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from lumbarlib.core.paths import tables_dir

COLUMNS = ("claim", "paper", "simulation", "verdict", "reason", "tables")
"""Columns of ``reproduction_scorecard.csv``."""


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not written yet; build the chapter that writes `{name}` first")
    return pd.read_csv(path)


def _group_verdict(agree: int, total: int) -> str:
    if total == 0:
        return "not measured"
    return "reproduced" if agree == total else ("not reproduced" if agree == 0 else "partly")


def _within(sim: float, paper: float, tolerance: float) -> str:
    return "reproduced" if abs(sim / paper - 1) <= tolerance else "not reproduced"


def _snr_rows(t: dict[str, pd.DataFrame]) -> list[dict]:
    versus = t["paper_vs_sim_table2"]
    snr = versus[versus["measure"] == "SNR"]
    fidelity = t["fidelity_acquisition"]
    rows = []
    fat = snr[snr["tissue"].str.lower() == "fat"].iloc[0]
    rows.append(
        {
            "claim": "Standard scan: fat SNR (Table 2)",
            "paper": f"{fat['(1) paper']:.1f}",
            "simulation": f"{fat['(1) sim']:.1f}",
            "verdict": "calibrated",
            "reason": "the one number set on the paper: the noise level is chosen so that it lands here",
            "tables": "paper_vs_sim_table2",
        }
    )
    contrast = fidelity[fidelity["quantity"] == "contrast"]
    n_ok = int((contrast["verdict"] == "pass").sum())
    worst = contrast.iloc[int(np.argmax(np.abs(contrast["relative_difference"].to_numpy())))]
    rows.append(
        {
            "claim": "Tissue contrast of the standard scan (SI relative to fat)",
            "paper": ", ".join(f"{r.tissue} {r.paper:.2f}" for r in contrast.itertuples()),
            "simulation": ", ".join(f"{r.tissue} {r.simulated:.2f}" for r in contrast.itertuples()),
            "verdict": _group_verdict(n_ok, len(contrast)),
            "reason": f"{n_ok} of {len(contrast)} within 25 %; worst {worst.tissue} "
            f"({100 * worst.relative_difference:+.0f} %): coil shading and relaxation of the phantom",
            "tables": "fidelity_acquisition",
        }
    )
    for column, label, quantity in (
        ("(2)/(1)", "Halving NEX: double-fast / standard SNR", "double-fast / standard"),
        ("(4)/(1)", "Triple-fast (NEX 1, CS 1.8) / standard SNR", "triple-fast / standard"),
    ):
        cells = fidelity[fidelity["quantity"] == quantity]
        n_ok = int((cells["verdict"] == "pass").sum())
        rows.append(
            {
                "claim": label,
                "paper": f"{snr[f'{column} paper'].min():.2f}-{snr[f'{column} paper'].max():.2f}",
                "simulation": f"{snr[f'{column} sim'].min():.2f}-{snr[f'{column} sim'].max():.2f}",
                "verdict": _group_verdict(n_ok, len(cells)),
                "reason": f"{n_ok} of {len(cells)} tissues within 10 %; each miss and its measured cause: the "
                "simulation chapter's acquisition scorecard",
                "tables": "fidelity_acquisition, paper_vs_sim_table2",
            }
        )
    return rows


def _dlr_rows(t: dict[str, pd.DataFrame]) -> list[dict]:
    card = t["fidelity_dlr"]
    real = t.get("dlr_real_lumbar")
    real_gain = None
    if real is not None and len(real):
        real_gain = float(real.loc[real["condition"].str.startswith("as acquired"), "si_sd_air_gain"].iloc[0])
    rows = []
    for src, number in (("double-fast", "(3)/(2)"), ("triple-fast", "(5)/(4)")):
        cells = card[card["quantity"] == f"DLR gain, {src}"]
        n_ok = int((cells["verdict"] == "pass").sum())
        reason = f"{n_ok} of {len(cells)} tissues within 25 %"
        if real_gain is not None:
            reason += (
                f"; on the real lumbar scan the same DLR gives {real_gain:.2f}: the simulated air, white noise, is "
                "flattened far more than a scanner's"
            )
        air = t.get("dlr_air_reduction")
        sources = "fidelity_dlr, dlr_real_lumbar"
        if air is not None and len(air) == 2:
            # the DLR estimating its noise, as on the real scan
            white, filled = air["reduction_estimated_sigma"].iloc[0], air["reduction_estimated_sigma"].iloc[1]
            reason += f" (noise-only air: SD lowered {white:.1f}x if white, {filled:.1f}x if interpolated)"
            sources += ", dlr_air_reduction"
        rows.append(
            {
                "claim": f"DLR's SNR gain on {src} {number}",
                "paper": f"{cells['paper'].min():.2f}-{cells['paper'].max():.2f}",
                "simulation": f"{cells['simulated'].min():.2f}-{cells['simulated'].max():.2f}",
                "verdict": _group_verdict(n_ok, len(cells)),
                "reason": reason,
                "tables": sources,
            }
        )
    return rows


def smallest_p(n: int) -> float:
    """The smallest two-sided p of SPSS's signed-rank approximation with ``n`` pairs (all of one sign, no ties)."""
    mean = n * (n + 1) / 4
    return float(2 * norm.sf(mean / np.sqrt(n * (n + 1) * (2 * n + 1) / 24)))


def _agreement_reason(n_ok: int, total: int, reason: str, few: str) -> str:
    if n_ok < total:
        return f"{n_ok} of {total} cells agree; {reason}"
    return f"all {total} cells agree" + (f" ({few}: nothing can be significant)" if few else "")


def _gain_reason(card: pd.DataFrame, source: str) -> str:
    """Why a DLR set differs from the standard in the simulation: its gain, the simulated and the paper's mean."""
    cells = card[card["quantity"] == f"DLR gain, {source}"]
    return (
        f"the simulated DLR gain on {source} is {cells['simulated'].mean():.1f}x, the paper's "
        f"{cells['paper'].mean():.1f}x, so the DLR set lies far from the standard"
    )


def _significance_rows(t: dict[str, pd.DataFrame]) -> list[dict]:
    pattern = t["paper_vs_sim_q"]
    n = int(t["table2_q"]["n"].max())
    few = f"with {n} simulated volunteers the smallest p is {smallest_p(n):.3f}" if smallest_p(n) >= 0.05 else ""
    rows = []
    claims = {
        "double-fast vs dlr-double-fast": "DLR-double-fast vs double-fast",
        "triple-fast vs dlr-triple-fast": "DLR-triple-fast vs triple-fast",
        "standard vs dlr-double-fast": "DLR-double-fast vs standard",
        "standard vs dlr-triple-fast": "DLR-triple-fast vs standard (the paper: no difference)",
    }
    for measure in ("SNR", "CNR"):
        part = pattern[pattern["measure"] == measure]
        for column, label in claims.items():
            if column not in part.columns:
                continue
            values = part[column].astype(str)
            n_ok = int(values.str.startswith("agree").sum())
            paper_sig = int(values.isin(["agree: both significant", "differ: paper significant"]).sum())
            sim_sig = int(values.isin(["agree: both significant", "differ: sim significant"]).sum())
            sources = "paper_vs_sim_q"
            if sim_sig > paper_sig and column.startswith("standard vs dlr-"):
                reason = _gain_reason(t["fidelity_dlr"], column.removeprefix("standard vs dlr-"))
                sources += ", fidelity_dlr"
            elif sim_sig > paper_sig:
                reason = "simulated differences are larger or more consistent (no motion, positioning or scanner drift)"
            elif sim_sig < paper_sig:
                reason = few or "simulated differences are smaller or less consistent across volunteers"
            else:
                reason = "as many cells are significant, not the same ones"
            rows.append(
                {
                    "claim": f"{measure}: {label}, significance per tissue",
                    "paper": f"{paper_sig} of {len(values)} significant",
                    "simulation": f"{sim_sig} of {len(values)} significant",
                    "verdict": _group_verdict(n_ok, len(values)),
                    "reason": _agreement_reason(n_ok, len(values), reason, few),
                    "tables": sources,
                }
            )
    return rows


def _reader_rows(t: dict[str, pd.DataFrame]) -> list[dict]:
    table3 = t["paper_vs_sim_table3"]
    rows = []
    for comparison, part in table3.groupby("comparison", sort=False):
        n_ok = int(part["significance"].astype(str).str.startswith("agree").sum())
        n_dir = int(part["same_direction"].astype(bool).sum())
        rows.append(
            {
                "claim": f"Readers: {comparison}, six criteria",
                "paper": ", ".join(f"{r.criterion} {r.paper_difference:+.1f}" for r in part.itertuples()),
                "simulation": ", ".join(f"{r.criterion} {r.sim_difference:+.1f}" for r in part.itertuples()),
                "verdict": _group_verdict(n_ok, len(part)),
                "reason": f"{n_ok} of {len(part)} significance cells and {n_dir} of {len(part)} directions agree; "
                "the readers are a model of measured image differences, not radiologists",
                "tables": "paper_vs_sim_table3",
            }
        )
    return rows


def _time_rows(t: dict[str, pd.DataFrame]) -> list[dict]:
    times = t["scan_times"].set_index("protocol")
    pattern = t["paper_vs_sim_q"]
    key = pattern.loc[pattern["measure"] == "SNR", "standard vs dlr-triple-fast"].astype(str)
    n_equal = int(key.isin(["agree: both n.s.", "differ: paper significant"]).sum())
    n_equal_paper = int(key.isin(["agree: both n.s.", "differ: sim significant"]).sum())
    fraction_paper = times.loc["triple-fast", "paper_s"] / times.loc["standard", "paper_s"]
    fraction_model = times.loc["triple-fast", "model_s"] / times.loc["standard", "model_s"]
    return [
        {
            "claim": "One third of the scan time without sacrificing image quality (DLR-triple-fast vs standard)",
            "paper": f"time {fraction_paper:.2f} of standard; SNR not different in {n_equal_paper} of {len(key)}",
            "simulation": f"time {fraction_model:.2f} of standard; SNR not different in {n_equal} of {len(key)}",
            "verdict": _group_verdict(int((key == "agree: both n.s.").sum()), len(key)),
            "reason": "scan times follow from Table 1; equivalence needs the DLR's gain to match the paper's",
            "tables": "scan_times, paper_vs_sim_q",
        }
    ]


SECTIONS: tuple[Callable[[dict[str, pd.DataFrame]], list[dict]], ...] = (
    _snr_rows,
    _dlr_rows,
    _significance_rows,
    _reader_rows,
    _time_rows,
)
NEEDED = ("paper_vs_sim_table2", "fidelity_acquisition", "fidelity_dlr", "paper_vs_sim_q", "paper_vs_sim_table3",
          "scan_times", "table2_q")  # fmt: skip
OPTIONAL = ("dlr_real_lumbar", "dlr_air_reduction")


def reproduction_scorecard(folder: Path | None = None) -> pd.DataFrame:
    """One row per claim of the paper, from the tables in ``folder`` (default :func:`lumbarlib.core.paths.tables_dir`).

    Raises
    ------
    FileNotFoundError
        A table it needs has not been written (names the chapter's table).
    """
    folder = Path(folder) if folder is not None else tables_dir()
    tables = {name: _read(folder, name) for name in NEEDED}
    tables |= {name: _read(folder, name) for name in OPTIONAL if (folder / f"{name}.csv").is_file()}
    rows = [row for section in SECTIONS for row in section(tables)]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def verdict_counts(card: pd.DataFrame) -> dict[str, int]:
    """How many claims got each verdict."""
    return {str(k): int(v) for k, v in card["verdict"].value_counts().items()}
