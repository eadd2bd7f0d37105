"""The reproduction scorecard: computed from the tables, verdicts follow the numbers, missing tables named."""

import pandas as pd
import pytest

from lumbarlib.book import scorecard
from lumbarlib.study.design import COMPARISONS, comparison_label

TISSUES = ["Fat", "CSF"]


def write_tables(folder, *, sim_gain: float, significant_sim: bool, n: int = 10):
    """Minimal tables of a build whose simulation equals the paper except the DLR gain and the significance."""
    ratios = {"(2)/(1)": 0.66, "(4)/(1)": 0.6, "(3)/(2)": 1.7, "(5)/(4)": 1.7}
    rows = []
    for measure in ("SNR", "CNR"):
        for tissue in TISSUES:
            row = {"measure": measure, "tissue": tissue, "(1) paper": 111.3, "(1) sim": 111.0}
            for key, value in ratios.items():
                row[f"{key} paper"] = value
                row[f"{key} sim"] = value * (sim_gain if key in ("(3)/(2)", "(5)/(4)") else 1)
            rows.append(row)
    pd.DataFrame(rows).to_csv(folder / "paper_vs_sim_table2.csv", index=False)
    fid = [("contrast", "csf", 1.27, 1.27)] + [
        (f"{s} / standard", t.lower(), 0.66, 0.66) for s in ("double-fast", "triple-fast") for t in TISSUES
    ]
    pd.DataFrame(
        [(q, t, p, s, s / p - 1, 0.1, "pass") for q, t, p, s in fid],
        columns=["quantity", "tissue", "paper", "simulated", "relative_difference", "tolerance", "verdict"],
    ).to_csv(folder / "fidelity_acquisition.csv", index=False)
    dlr = [(f"DLR gain, {s}", t.lower(), 1.7, 1.7 * sim_gain) for s in ("double-fast", "triple-fast") for t in TISSUES]
    pd.DataFrame(
        [(q, t, p, s, s / p - 1, 0.25, "pass" if abs(s / p - 1) <= 0.25 else "miss") for q, t, p, s in dlr],
        columns=["quantity", "tissue", "paper", "simulated", "relative_difference", "tolerance", "verdict"],
    ).to_csv(folder / "fidelity_dlr.csv", index=False)
    verdict = "agree: both significant" if significant_sim else "differ: paper significant"
    pattern = [
        {"measure": m, "tissue": t} | {comparison_label(*c): verdict for c in COMPARISONS[:3]}
        | {comparison_label(*COMPARISONS[3]): "differ: sim significant" if significant_sim else "agree: both n.s."}
        for m in ("SNR", "CNR") for t in TISSUES
    ]  # fmt: skip
    pd.DataFrame(pattern).to_csv(folder / "paper_vs_sim_q.csv", index=False)
    pd.DataFrame(
        [{"criterion": "Sharpness", "comparison": comparison_label(*c), "paper_difference": 1.0, "sim_difference": 1.0,
          "same_direction": True, "significance": "agree: both n.s."} for c in COMPARISONS]
    ).to_csv(folder / "paper_vs_sim_table3.csv", index=False)  # fmt: skip
    pd.DataFrame({"protocol": ["standard", "triple-fast"], "model_s": [224.0, 66.0], "paper_s": [228.0, 68.0]}).to_csv(
        folder / "scan_times.csv", index=False
    )
    pd.DataFrame({"n": [n]}).to_csv(folder / "table2_q.csv", index=False)


def test_smallest_p_of_ten_pairs_is_the_textbook_value():
    assert scorecard.smallest_p(10) == pytest.approx(0.00506, abs=1e-5)
    assert scorecard.smallest_p(3) > 0.05


def test_a_simulation_equal_to_the_paper_reproduces_every_tested_claim(tmp_path):
    write_tables(tmp_path, sim_gain=1.0, significant_sim=True)
    card = scorecard.reproduction_scorecard(tmp_path)
    assert list(card.columns) == list(scorecard.COLUMNS)
    verdicts = card.set_index("claim")["verdict"]
    assert verdicts.iloc[0] == "calibrated"
    dlr = verdicts[verdicts.index.str.startswith("DLR's SNR gain")]
    assert len(dlr) == 2 and (dlr == "reproduced").all()
    # the key result: DLR-triple-fast significant in the simulation but not in the paper -> not reproduced
    key = card[card["claim"].str.startswith("One third")].iloc[0]
    assert key["verdict"] == "not reproduced"


def test_a_threefold_dlr_gain_is_not_reproduced_and_says_so(tmp_path):
    write_tables(tmp_path, sim_gain=3.0, significant_sim=False)
    card = scorecard.reproduction_scorecard(tmp_path).set_index("claim")
    row = card.loc["DLR's SNR gain on double-fast (3)/(2)"]
    assert row["verdict"] == "not reproduced" and row["simulation"] == "5.10-5.10" and "0 of 2" in row["reason"]
    assert card.loc[card.index.str.startswith("One third"), "verdict"].iloc[0] == "reproduced"


def test_a_dlr_set_significant_against_standard_is_put_down_to_its_gain(tmp_path):
    write_tables(tmp_path, sim_gain=3.0, significant_sim=True)
    pd.DataFrame({"reduction_known_sigma": [6.4, 3.3], "reduction_estimated_sigma": [6.4, 1.2]}).to_csv(
        tmp_path / "dlr_air_reduction.csv", index=False
    )
    card = scorecard.reproduction_scorecard(tmp_path).set_index("claim")
    key = card.loc["SNR: DLR-triple-fast vs standard (the paper: no difference), significance per tissue"]
    assert key["verdict"] == "not reproduced"
    assert "DLR gain on triple-fast is 5.1x, the paper's 1.7x" in key["reason"]
    assert "6.4x if white, 1.2x if interpolated" in card.loc["DLR's SNR gain on double-fast (3)/(2)", "reason"]


def test_a_missing_table_is_named(tmp_path):
    write_tables(tmp_path, sim_gain=1.0, significant_sim=True)
    (tmp_path / "fidelity_dlr.csv").unlink()
    with pytest.raises(FileNotFoundError, match="fidelity_dlr"):
        scorecard.reproduction_scorecard(tmp_path)
