"""The acquisition scorecard: the paper against itself passes every cell; a shifted number misses by its shift."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from lumbarlib.analysis.fidelity import (
    TOLERANCES,
    acquisition_fidelity,
    cs_weight_effects,
    dlr_fidelity,
    dlr_placement_effects,
    mean_snr,
    mechanism_effects,
    passed,
)
from lumbarlib.dlr.denoise import acquisition_sigmas, denoise_study
from lumbarlib.dlr.network import DLRNet
from lumbarlib.sim.cohort import ScannerModel, simulate_cohort
from lumbarlib.study.paper import load_table2


def paper_as_tidy(scale: dict[tuple[str, str], float] | None = None) -> pd.DataFrame:
    """Table 2's SNR means as a tidy ROI table of two volunteers (means kept), optionally scaled per cell."""
    values = load_table2().values
    snr = values[values["measure"] == "SNR"]
    rows = []
    for row in snr.itertuples():
        factor = (scale or {}).get((row.set, row.tissue), 1.0)
        for volunteer, wobble in ((1, 0.9), (2, 1.1)):
            rows.append(
                {"volunteer": volunteer, "set": row.set, "tissue": row.tissue, "SNR": row.mean * factor * wobble}
            )
    rows += [{"volunteer": 1, "set": "standard", "tissue": "air", "SNR": np.nan}]
    return pd.DataFrame(rows)


def test_the_paper_against_itself_passes_all_17_cells():
    card = acquisition_fidelity(paper_as_tidy(), load_table2())
    assert len(card) == 17 and passed(card) == (17, 17)
    np.testing.assert_allclose(card["relative_difference"], 0.0, atol=1e-12)
    contrast = card[card["quantity"] == "contrast"].set_index("tissue")["paper"]
    assert contrast["csf"] == pytest.approx(140.8 / 111.3) and contrast["muscle"] == pytest.approx(16.6 / 111.3)


def test_a_shift_beyond_the_tolerance_misses_and_within_it_passes():
    shifted = paper_as_tidy({("triple-fast", "disc"): 1.15, ("double-fast", "cord"): 1.05})
    card = acquisition_fidelity(shifted, load_table2()).set_index(["quantity", "tissue"])
    assert card.loc[("triple-fast / standard", "disc"), "verdict"] == "miss"
    assert card.loc[("triple-fast / standard", "disc"), "relative_difference"] == pytest.approx(0.15)
    assert card.loc[("double-fast / standard", "cord"), "verdict"] == "pass"
    assert passed(card.reset_index()) == (16, 17)


def test_contrast_has_the_wider_tolerance():
    assert TOLERANCES["contrast"] == 0.25 and TOLERANCES["triple-fast / standard"] == 0.10
    card = acquisition_fidelity(paper_as_tidy({("standard", "csf"): 1.2}), load_table2()).set_index(
        ["quantity", "tissue"]
    )
    assert card.loc[("contrast", "csf"), "verdict"] == "pass"
    # the same 20 % in the standard CSF moves both CSF ratios by -1/6: those miss
    assert card.loc[("double-fast / standard", "csf"), "verdict"] == "miss"


def test_bad_tables_are_named():
    with pytest.raises(ValueError, match=r"'tidy': lacks column\(s\) \['SNR'\]"):
        mean_snr(pd.DataFrame({"set": ["standard"], "tissue": ["fat"]}))
    with pytest.raises(ValueError, match="lacks set"):
        acquisition_fidelity(paper_as_tidy().query("set != 'triple-fast'"), load_table2())


def test_the_dlr_scorecard_has_twelve_cells_from_the_papers_gains():
    card = dlr_fidelity(paper_as_tidy(), load_table2())
    assert len(card) == 12 and passed(card) == (12, 12)
    gains = card.set_index(["quantity", "tissue"])["paper"]
    assert gains[("DLR gain, double-fast", "fat")] == pytest.approx(123.0 / 73.1)
    assert gains[("DLR gain, triple-fast", "csf")] == pytest.approx(140.2 / 81.6)
    tripled = dlr_fidelity(paper_as_tidy({("dlr-triple-fast", "disc"): 1.3}), load_table2()).set_index(
        ["quantity", "tissue"]
    )
    assert tripled.loc[("DLR gain, triple-fast", "disc"), "verdict"] == "miss"
    assert passed(tripled.reset_index()) == (11, 12)


def test_mechanism_effects_measure_each_mechanism_against_the_same_noise():
    effects = mechanism_effects(
        load_table2(), n_volunteers=1, seed=3, matrix_scale=0.5, cs_iterations=3, show_pbar=False
    )
    models = ["none", *ScannerModel.mechanisms(), "book"]
    assert list(effects.columns) == ["quantity", "tissue", "paper", *models]
    cells, count = effects.iloc[:-1], effects.iloc[-1]
    assert len(cells) == 17 and count["quantity"] == "cells within tolerance"
    contrast = cells[cells["quantity"] == "contrast"].set_index("tissue")
    # MT darkens cord and muscle against fat (which has no MT); normalisation removes the posterior coil's boost
    assert (
        0.78 < contrast.loc["cord", "magnetisation_transfer"] / contrast.loc["cord", "none"] < 0.9
    )  # CSF partial volume
    assert contrast.loc["cord", "intensity_normalisation"] < 0.7 * contrast.loc["cord", "none"]
    # neither changes what halving NEX costs: the same noise draws, scaled, in the same air ROI
    halving = cells[cells["quantity"] == "double-fast / standard"]
    np.testing.assert_allclose(halving["magnetisation_transfer"], halving["none"], rtol=0.02)
    np.testing.assert_allclose(halving["intensity_normalisation"], halving["none"], rtol=0.05)


def test_a_stronger_cs_weight_flattens_the_triple_fast_air_and_raises_its_snr():
    table = cs_weight_effects([0.0, 0.4], n_volunteers=1, seed=3, matrix_scale=0.5, cs_iterations=5)
    assert list(table["cs_weight"]) == [0.0, 0.4]
    low, high = table.iloc[0], table.iloc[1]
    assert low["triple_over_double"] < 1.0 < high["triple_over_double"]  # unfolding alone costs SNR
    assert high["triple_over_standard"] > low["triple_over_standard"]
    with pytest.raises(ValueError, match="weights"):
        cs_weight_effects([], n_volunteers=1, seed=3)


def test_the_dlr_after_the_correction_leaves_the_amplified_air_noise_and_gains_less_snr():
    sim = simulate_cohort(2, seed=3, matrix_scale=0.5, cs_iterations=3, show_pbar=False)
    study = sim.study
    net = DLRNet(n_blocks=2).eval()
    sigmas = acquisition_sigmas(study.noise_sd, study.noise_gain)
    before = denoise_study(
        study.images, sigmas=sigmas, correction=study.correction, strength=1.0, net=net, show_pbar=False
    )
    table = dlr_placement_effects(study.with_sets(before), load_table2(), strength=1.0, net=net)
    assert list(table.columns) == ["quantity", "tissue", "paper", "before correction", "after correction"]
    assert len(table) == 12
    # after the correction the threshold follows the tissue's noise, which the air's exceeds many times
    assert (table["after correction"] < table["before correction"]).all()
    assert (table["after correction"] >= 0.9).all()
    with pytest.raises(ValueError, match="correction"):
        dlr_placement_effects(dataclasses.replace(study.with_sets(before), correction=None), load_table2(), net=net)
